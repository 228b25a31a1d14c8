"""The preview's HTML around a rendered document: the bar (documents, languages, warnings), the list of
problems of the last save, the sources of the numbers (JSON, read by preview.js), and the warnings page.
Every value is escaped; the document's own HTML comes from dossier.render.html as in a build."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from dossier.errors import Problem

LANGUAGES = ("en", "ja")
LABELS = {"briefing": "Briefing", "sakigake": "SAKIGAKE", "orphan": "Orphan", "warnings": "Warnings"}


def label(name: str) -> str:
    """A document's name in the bar (a document type without a label here: its name)."""
    return LABELS.get(name, name)


def shown_where(problem: Problem, trial_dir: Path) -> str:
    """The problem's place relative to the trial folder (text/disease.md: line 3 ...) when it lies in it."""
    where = problem.where
    for prefix in (str(trial_dir.resolve()) + "/", str(trial_dir) + "/"):
        if where.startswith(prefix):
            return where[len(prefix):]
    return where


def bar(lang: str, current: str, warnings: int, documents: tuple[str, ...]) -> str:
    """The navigation bar: the documents of the build, the warnings page, the two languages."""
    links = []
    for name in (*documents, "warnings"):
        current_attr = ' aria-current="page"' if name == current else ""
        count = f'<span class="warn-count">{warnings}</span>' if name == "warnings" and warnings else ""
        links.append(f'<a href="/{lang}/{escape(name)}"{current_attr}>{escape(label(name))}{count}</a>')
    links.append('<span class="gap"></span>')
    for other in LANGUAGES:
        current_attr = ' aria-current="page"' if other == lang else ""
        links.append(f'<a href="/{other}/{current}" lang="{other}"{current_attr}>{other.upper()}</a>')
    return '<nav class="preview-bar">' + "".join(links) + "</nav>"


def problems_block(problems: list[Problem], trial_dir: Path) -> str:
    if not problems:
        return ""
    items = "".join(f"<p><code>{escape(shown_where(p, trial_dir))}</code>: {escape(p.message)}</p>"
                    for p in problems)
    return (f'<div class="preview-errors" role="alert"><p><strong>{len(problems)} problem(s); the document below '
            f"is the last one rendered without them:</strong></p>{items}</div>")


def head_extra(generation: int) -> str:
    return (f'<meta name="dossier-generation" content="{generation}">'
            '<link rel="stylesheet" href="/_preview/preview.css">'
            '<script src="/_preview/preview.js" defer></script>')


def sources_script(sources: dict) -> str:
    """The sources as JSON inside a non-executed script element ('<' escaped: no tag can close it)."""
    text = json.dumps(sources, ensure_ascii=False, allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="dossier-sources">{text}</script>'


def document_page(html: str, *, lang: str, document: str, generation: int, problems: list[Problem],
                  warnings: int, sources: dict, trial_dir: Path, documents: tuple[str, ...]) -> str:
    """The rendered document with the preview's parts added (its own HTML unchanged); `documents`: those of
    the build, for the bar."""
    top = bar(lang, document, warnings, documents) + problems_block(problems, trial_dir)
    at = html.find("</head>")
    html = html[:at] + head_extra(generation) + html[at:] if at >= 0 else head_extra(generation) + html
    body = html.find("<body")
    if body >= 0:
        end = html.find(">", body) + 1
        html = html[:end] + top + html[end:]
    at = html.rfind("</body>")
    script = sources_script(sources)
    return html[:at] + script + html[at:] if at >= 0 else html + script


def message_page(*, lang: str, current: str, generation: int, title: str, problems: list[Problem],
                 warnings: list[str], trial_dir: Path, documents: tuple[str, ...] = (), translation: list = ()) -> str:
    """A page of the preview itself: the warnings page (with the translation report a build would write:
    dossier.document.translation), or a document that could not be rendered yet."""
    items = "".join(f"<li>{escape(w)}</li>" for w in warnings)
    listing = f"<ul>{items}</ul>" if warnings else "<p>The build raised no warnings.</p>"
    listing += translation_block(lang, translation)
    if current != "warnings":
        listing = ""
    return ("<!DOCTYPE html>\n"
            f'<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<link rel="stylesheet" href="print.css">{head_extra(generation)}</head>'
            f'<body class="preview-warnings" data-header="{escape(title)}">{bar(lang, current, len(warnings), documents)}'
            f"{problems_block(problems, trial_dir)}<h1>{escape(title)}</h1>{listing}</body></html>")


def translation_block(lang: str, rows: list) -> str:
    """The translation report (review/translation.<lang>.csv of a build) as a table."""
    from dossier.document.translation import REPORT_COLUMNS, summary

    heading = f"<h2>Translation report</h2><p>{escape(summary(lang, len(rows)))}</p>"
    if not rows:
        return heading
    head = "".join(f"<th>{escape(c)}</th>" for c in REPORT_COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{escape(getattr(r, c))}</td>" for c in REPORT_COLUMNS) + "</tr>"
                   for r in rows)
    return f'{heading}<table class="data translation"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
