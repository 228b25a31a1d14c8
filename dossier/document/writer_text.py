"""Writer's text: Markdown (raw HTML disabled) with live references to computed results.

A live reference `[[analysis-id:path]]` or `[[analysis-id:path|format]]` is replaced by a value
from that analysis's evidence.json entry, formatted by dossier.document.formatting, so narrative and tables
cannot disagree after a data refresh. The path walks the evidence keys with `/`; in a list of
comparisons an element may be chosen by its index or by its `group` value. Formats: an integer
(decimals), the same followed by a comma (decimals, and the integer digits grouped by thousands with
commas: `|0,` prints 30,951; in English and Japanese alike, as PMDA documents write numbers), `p`
(p-value), `pct` (a proportion shown as a percentage), `ci` (an interval).
Examples:
    [[adas:visits/Week 24/comparisons/Xanomeline High Dose/difference|1]]
    [[tte-de:comparisons/Xanomeline Low Dose/hazard_ratio|2]] [[tte-de:comparisons/Xanomeline Low Dose/hr_ci|2]]
An unknown reference is a RenderError naming the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from dossier.config.limits import MAX_DECIMALS
from dossier.config.spec import TEXT_FILE, TrialSpec
from dossier.control import CONTROL, visible
from dossier.document.formatting import Formatter, fixed, grouped, pvalue
from dossier.errors import Problem, RenderError

REFERENCE = re.compile(r"\[\[([a-z0-9_-]+):([^\]|]+?)(?:\|([^\]]*))?\]\]")
NAMED_FORMATS = ("p", "pct", "ci")


def format_problem(fmt: str | None) -> str | None:
    """Why a live reference's `|format` is not one, or None when it is (or there is none)."""
    digits = fmt[:-1] if fmt is not None and fmt.endswith(",") else fmt
    if fmt is None or fmt in NAMED_FORMATS or (digits.isascii() and digits.isdigit() and int(digits) <= MAX_DECIMALS):
        return None
    if digits.strip().lstrip("+-").isdigit():
        return f"format {fmt!r}: decimals must be 0 to {MAX_DECIMALS}"
    return (f"unknown format {fmt!r} (a number of decimals 0 to {MAX_DECIMALS}, optionally followed by a comma for "
            f"thousands separators, or {', '.join(NAMED_FORMATS)})")


def _decimals(fmt: str | None) -> tuple[int | None, bool]:
    """(decimals, grouped) of a decimals format ("2", "0,"); (None, False) for any other."""
    if fmt and fmt.endswith(",") and fmt[:-1].isdigit():
        return int(fmt[:-1]), True
    return (int(fmt), False) if fmt and fmt.isdigit() else (None, False)

# A live number travels through Markdown as OPEN index SEP value CLOSE (private-use characters,
# removed from the writer's text first), then becomes <span class="live" data-ref="...">value</span>.
LIVE_OPEN, LIVE_SEP, LIVE_CLOSE = "\ue000", "\ue001", "\ue002"
LIVE_MARK = re.compile(f"{LIVE_OPEN}(\\d+){LIVE_SEP}(.*?){LIVE_CLOSE}", re.DOTALL)


@dataclass(frozen=True)
class WriterText:
    """A resolved text field: its HTML (subset) or None when the writer gave nothing."""

    key: str
    html: Markup | None
    source: str | None  # file path relative to the trial folder, or "dossier.yaml"


def _markdown():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False, "xhtmlOut": False})
    # keep only prose: headings, links, images, quotes, code blocks and rules stay literal text
    md.disable(["heading", "lheading", "link", "image", "autolink", "blockquote", "code", "fence",
                "hr", "html_block", "html_inline", "reference"])
    return md


_MD = None


def markdown_to_html(text: str) -> Markup:
    """Markdown -> the document HTML subset (p, strong, em, code, ul/ol/li, br), rendered from markdown-it's
    tokens after two changes to them: a list item holds its text without <p> (as markdown-it renders a tight
    list; a second paragraph of an item follows a <br>), and an ordered list has no start number (the documents
    number every list from 1)."""
    from markdown_it.token import Token

    global _MD
    if _MD is None:
        _MD = _markdown()
    tokens = _MD.parse(text)
    items: list[list] = []  # per open list item: [its level, paragraphs seen]
    for i, token in enumerate(tokens):
        kind = token.type  # markdown-it's token kind
        if kind == "list_item_open":
            items.append([token.level, 0])
        elif kind == "list_item_close":
            items.pop()
        elif kind == "ordered_list_open":
            token.attrs.pop("start", None)
        elif kind in ("paragraph_open", "paragraph_close") and items and token.level == items[-1][0] + 1:
            token.hidden = True
            if kind == "paragraph_open":
                items[-1][1] += 1
                if items[-1][1] > 1:
                    tokens[i] = Token("hardbreak", "br", 0)
    return Markup(_MD.renderer.render(tokens, _MD.options, {}).strip())


def resolve_reference(evidence: Mapping[str, Any], analysis_id: str, path: str) -> Any:
    if analysis_id not in evidence:
        raise KeyError(f"no analysis {analysis_id!r}")
    node: Any = evidence[analysis_id]
    walked = analysis_id
    for part in path.split("/"):
        part = part.strip()
        if isinstance(node, dict):
            if part not in node:
                keys = ", ".join(map(str, list(node)[:8]))
                raise KeyError(f"{walked} has no {part!r} (has: {keys})")
            node = node[part]
        elif isinstance(node, list):
            if part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                match = [x for x in node if isinstance(x, dict) and str(x.get("group")) == part]
                if not match:
                    raise KeyError(f"{walked} has no element {part!r}")
                node = match[0]
        else:
            raise KeyError(f"{walked} is a value, not a collection")
        walked += "/" + part
    return node


def format_reference(value: Any, fmt: str | None, key: str, formatter: Formatter) -> str:
    ne = formatter.ne
    decimals, thousands = _decimals(fmt)
    if isinstance(value, list) and len(value) == 2 and all(v is None or isinstance(v, (int, float)) for v in value):
        return formatter.interval(value[0], value[1], 2 if decimals is None else decimals, thousands=thousands)
    if isinstance(value, (bool, str)):
        return str(value)
    if value is None:
        return ne
    if isinstance(value, int) and not fmt:
        return str(value)
    if isinstance(value, (int, float)):
        if fmt == "p" or (fmt is None and (key == "p" or key.endswith("_p"))):
            return pvalue(float(value), ne)
        if fmt == "pct":
            return fixed(100 * float(value), 1, ne) + "%"
        if decimals is not None:
            return (grouped if thousands else fixed)(float(value), decimals, ne)
        return fixed(float(value), 2 if key in ("hazard_ratio",) else 1, ne)
    raise KeyError("refers to a table of values, not a single value; extend the path")


def substitute(text: str, evidence: Mapping[str, Any], formatter: Formatter, source: str,
               live: list[tuple[str, Any]] | None = None) -> str:
    """Replace every live reference; RenderError names the file and line of an unknown one. With a
    `live` list, each value is wrapped in live-number marks indexing the (reference as written, raw value)
    appended to it (turned into <span class="live" data-ref> by live_spans)."""
    out_lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        def replace(match: re.Match, number: int = number) -> str:
            analysis_id, path, fmt = match.group(1), match.group(2), match.group(3)
            problem = format_problem(fmt)
            if problem:
                raise RenderError(f"line {number}: {match.group(0)}: {problem}", where=source)
            try:
                value = resolve_reference(evidence, analysis_id, path)
                shown = format_reference(value, fmt, path.rsplit("/", 1)[-1], formatter)
                if live is None:
                    return shown
                live.append((match.group(0)[2:-2], value))
                return f"{LIVE_OPEN}{len(live) - 1}{LIVE_SEP}{shown}{LIVE_CLOSE}"
            except KeyError as exc:
                raise RenderError(f"line {number}: unknown reference {match.group(0)}: {exc.args[0]}",
                                  where=source) from None

        out_lines.append(REFERENCE.sub(replace, line))
    return "\n".join(out_lines)


def localised_path(trial_dir: Path, value: str, lang: str) -> Path:
    """`text/ja/disease.md` for `text/disease.md` in a Japanese build when it exists, else the path itself."""
    rel = Path(value)
    candidate = trial_dir / rel.parent / lang / rel.name
    return candidate if candidate.is_file() else trial_dir / rel


def load_text(trial_dir: Path, key: str, value: str | None, evidence: Mapping[str, Any],
              formatter: Formatter, live: list[tuple[str, Any]] | None = None) -> WriterText:
    """Resolve one yaml text field (inline text or a text/*.md path) into HTML. Every live number becomes
    <span class="live" data-ref="id:path|format"> (the reference as written); with `live` (a list), its
    (reference, raw value) is appended to it too (dossier preview's source pop-ups)."""
    if value is None or not value.strip():
        return WriterText(key, None, None)
    if TEXT_FILE.match(value):
        from dossier.data.gate import admit

        path = localised_path(trial_dir, value, formatter.lang)
        admit(path, trial_dir)  # a link leaving the trial folder, a hard link, a device: one line
        try:
            raw = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RenderError(f"not UTF-8 text (byte {exc.start})", where=str(path)) from None
        except OSError as exc:
            raise RenderError(f"cannot read: {exc.strerror}", where=str(path)) from None
        source, where = path.relative_to(trial_dir).as_posix(), str(path)
    else:
        from dossier.config.spec import SPEC_FILE

        raw, source, where = value, f"dossier.yaml: {key}", f"{trial_dir / SPEC_FILE}: {key}"
    # errors name the file as every other error does: the path given on the command line
    raw = visible(raw).translate({ord(c): None for c in (LIVE_OPEN, LIVE_SEP, LIVE_CLOSE)})
    live = [] if live is None else live
    html = markdown_to_html(substitute(raw, evidence, formatter, where, live))
    return WriterText(key, Markup(live_spans(html, live)), source)


def live_spans(html: str, live: list[tuple[str, Any]]) -> str:
    """The live-number marks in rendered HTML as <span class="live" data-ref="reference">."""
    from markupsafe import escape

    return LIVE_MARK.sub(lambda m: f'<span class="live" data-ref="{escape(live[int(m.group(1))][0])}">{m.group(2)}'
                                   '</span>', html)


def text_sources(spec: TrialSpec, trial_dir) -> list[tuple[str, str]]:
    """(where, text) of every writer's text: inline yaml texts by key, Markdown files (and their en/ja
    versions) by path; files that cannot be read are left out (they are problems of their own)."""
    from dossier.config.spec import SPEC_FILE, text_fields
    from dossier.data.gate import refusal

    sources = []
    for key, value in text_fields(spec):
        if not value:
            continue
        if not TEXT_FILE.match(value):
            sources.append((f"{Path(trial_dir) / SPEC_FILE}: {key}", value))
            continue
        rel = Path(value)
        for path in [Path(trial_dir) / rel, *(Path(trial_dir) / rel.parent / lang / rel.name for lang in ("en", "ja"))]:
            if refusal(path, trial_dir) is not None:
                continue  # missing or refused: a problem of its own
            try:
                sources.append((str(path), path.read_text(encoding="utf-8-sig")))
            except (OSError, UnicodeDecodeError):
                continue
    return sources


def reference_problems(spec: TrialSpec, trial_dir) -> list[Problem]:
    """A problem, with its file and line, for every live reference whose `|format` is not a format."""
    problems = []
    for where, text in dict.fromkeys(text_sources(spec, trial_dir)):
        for number, line in enumerate(text.splitlines(), start=1):
            for match in REFERENCE.finditer(line):
                problem = format_problem(match.group(3))
                if problem:
                    problems.append(Problem(where, f"line {number}: {match.group(0)}: {problem}"))
    return problems


def unknown_reference_problems(spec: TrialSpec, trial_dir, evidence: Mapping[str, Any]) -> list[Problem]:
    """A problem, with its file and line, for every live reference that names no result of `evidence`."""
    problems = []
    for where, text in dict.fromkeys(text_sources(spec, trial_dir)):
        for number, line in enumerate(text.splitlines(), start=1):
            for match in REFERENCE.finditer(line):
                if format_problem(match.group(3)):
                    continue  # reported by reference_problems
                try:
                    resolve_reference(evidence, match.group(1), match.group(2))
                except KeyError as exc:
                    problems.append(Problem(where, f"line {number}: unknown reference {match.group(0)}: {exc.args[0]}"))
    return problems


def text_warnings(spec: TrialSpec, trial_dir) -> list[str]:
    """Control characters in the writer's text (Markdown files and inline yaml text): shown as U+FFFD."""
    warnings = []
    for where, text in text_sources(spec, trial_dir):
        match = CONTROL.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            warnings.append(f"{where}: line {line}: control character U+{ord(match.group()):04X} "
                            f"({len(CONTROL.findall(text))} in all); the documents show each as \ufffd")
    return list(dict.fromkeys(warnings))
