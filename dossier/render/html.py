"""Jinja -> the document HTML (the subset of docs/architecture.md), with its table of contents.

Templates run in Jinja's sandbox with autoescaping on: every value from data, yaml or writer's
text is text. Only writer's Markdown already converted by dossier.document.writer_text arrives as Markup.
A trial folder's own `templates/` overrides the packaged templates file by file. Every template,
included, imported and extended ones too, is read through dossier.data.gate (`GateLoader`): a link
that leaves its templates folder is refused with one line.
"""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path
from typing import Any

from dossier.control import visible
from dossier.data.gate import PACKAGE_TEMPLATES, admit, admit_folder
from dossier.errors import RenderError

BREAK_EVERY = 40  # characters of an unbroken run of text after which a line may break (U+200B)
# runs up to this length stay whole: a SHA-256 in hex (64) is printed to be copied, and a zero-width space
# inside it would make the copy differ from the file's hash
KEEP_WHOLE = 64
# one character of HTML text that offers no line break of its own (an entity counts as one); Chinese,
# Japanese and Korean characters are left out: a line may break between any two of them anyway
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_UNIT = f"(?:&#?\\w+;|[^\\s&<>\u200b{_CJK}])"
_LONG_RUN = re.compile(f"{_UNIT}{{{BREAK_EVERY}}}(?={_UNIT})")
_TOO_LONG = re.compile(f"{_UNIT}{{{KEEP_WHOLE + 1},}}")
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
_NO_BREAKS_IN = ("<style", "<title", "<script")
HEADING = re.compile(r'<h([1-3]) id="([^"]+)">(.*?)</h\1>', re.DOTALL)
TAG = re.compile(r"<[^>]+>")


def template_dirs(trial_dir: Path | None) -> list[Path]:
    """User templates first (trial folder's templates/), then the packaged ones."""
    dirs = []
    if trial_dir is not None and (trial_dir / "templates").is_dir():
        dirs.append(admit_folder(trial_dir / "templates", trial_dir))
    dirs.append(PACKAGE_TEMPLATES)
    return dirs


def template_file(name: str, dirs: list[Path]) -> Path | None:
    """The file `name` from the first of the template folders `dirs` that holds it (a user's
    templates/ overrides the packaged one), or None. RenderError when that file is a link leaving
    its folder (dossier.data.gate)."""
    for directory in dirs:
        path = directory / name
        if path.exists() or path.is_symlink():
            return admit(path, directory)
    return None


def _gate_loader(dirs: list[Path]):
    """A Jinja loader that reads every template (and included/imported/extended one) through the gate."""
    from jinja2 import BaseLoader, TemplateNotFound
    from jinja2.loaders import split_template_path

    class GateLoader(BaseLoader):
        def get_source(self, environment, template):
            pieces = split_template_path(template)  # TemplateNotFound for '..'
            for directory in dirs:
                path = directory.joinpath(*pieces)
                if not (path.exists() or path.is_symlink()):
                    continue
                real = admit(path, directory)
                try:
                    source = real.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise RenderError(f"cannot read template: {exc}", where=str(path)) from None
                return source, str(path), lambda: True  # one environment per document: never stale
            raise TemplateNotFound(template)

    return GateLoader()


def environment(dirs: list[Path]):
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(loader=_gate_loader(dirs), autoescape=True,
                               undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False,
                               keep_trailing_newline=True)
    env.filters["keep_together"] = keep_together
    env.filters["header_words"] = header_words
    env.filters["text_columns"] = text_columns
    return env


def keep_together(cell: str) -> str:
    """A number cell such as "33 (13.0%)" or "75.2 (8.59)" with a no-break space before its
    parenthesis, so a narrow column wraps between cells' words, never inside a statistic."""
    from dossier.document.formatting import FORMATTED_NUMBERS

    if isinstance(cell, str) and FORMATTED_NUMBERS.fullmatch(cell):
        return cell.replace(" (", "\u00a0(")
    return cell


_WORD = re.compile(r"[^\W\d_]{2,}")


def text_columns(table) -> set[int]:
    """The columns (after the first) of a table that hold free text (a word of two letters or more other than
    "NE" in some cell): left-aligned like the row labels, where the columns of numbers are centred."""
    found = set()
    for row in table.rows:
        for i, cell in enumerate(row.cells):
            if i and isinstance(cell, str) and any(w != "NE" for w in _WORD.findall(cell)):
                found.add(i)
    return found


def header_words(header: str) -> str:
    """A column header that breaks between its words, never inside "例数" or "信頼区間" (a word joiner
    between the characters of each Japanese word: render.docx_tables.join_header_words)."""
    from dossier.render.docx_tables import join_header_words

    return join_header_words(header) if isinstance(header, str) else header


def render_document(name: str, context: dict[str, Any], dirs: list[Path], template: str | None = None) -> str:
    """Render `template` (default `<name>.html.j2`) and insert the table of contents."""
    from jinja2 import TemplateError, TemplateNotFound
    from jinja2.exceptions import SecurityError

    env = environment(dirs)
    try:
        html = env.get_template(template or f"{name}.html.j2").render(**context)
    except TemplateNotFound as exc:
        raise RenderError(f"template {exc.name!r} not found in {', '.join(map(str, dirs))}") from None
    except SecurityError as exc:
        raise RenderError(f"template {name}.html.j2 tried an unsafe operation: {exc}") from None
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f"{getattr(exc, 'filename', None) or name + '.html.j2'}" + (f" line {line}" if line else "")
        raise RenderError(f"template error: {exc.message}", where=where) from None
    if "finish" in context:  # the document's front and back matter (dossier.document.matter.finish)
        html = context["finish"](html)
    html = unnumber_lone_headings(html)
    # control characters: visible, and valid XML for DOCX; powers of ten last, so the TOC's copies of the
    # headings are typeset too
    return typeset_powers(insert_toc(break_long_runs(visible(html))))


_PLAIN_ATTRIBUTES = re.compile(r'(\s(?:data-header|data-synthetic-mark|alt)=")([^"]*)(")')


def typeset_powers(html: str) -> str:
    """`html` with every power of ten written in a text ("1e13", "1x10^13": formatting.POWER_OF_TEN) as
    1×10<sup>13</sup> in the text, and as 1×10¹³ in the plain-text places (the title, the running header,
    a picture's alt text). The text is escaped already (data is text): only the digits of a whole token
    become markup, never anything inside <code>, <style> or <script>, or any other attribute."""
    from dossier.document.formatting import powers_html, powers_unicode

    pieces = _TAG_OR_TEXT.split(html)
    skip = None  # the closing tag of the element whose text is left alone
    plain = False  # inside <title>
    for i, piece in enumerate(pieces):
        if i % 2:  # a tag
            lower = piece.lower()
            if skip is not None:
                if lower.startswith(skip):
                    skip = None
            elif lower.startswith(("<code", "<style", "<script")) and not lower.endswith("/>"):
                skip = "</" + lower[1:].split(None, 1)[0].rstrip(">")
            elif lower.startswith(("<title", "</title")):
                plain = lower.startswith("<title")
            elif "=" in piece:
                pieces[i] = _PLAIN_ATTRIBUTES.sub(lambda m: m.group(1) + powers_unicode(m.group(2)) + m.group(3), piece)
        elif skip is None and piece:
            pieces[i] = powers_unicode(piece) if plain else powers_html(piece)
    return "".join(pieces)


NUMBERED = re.compile(r'(<h([2-4]) id="[^"]+">)(\d+(?:\.\d+)+) ')


def unnumber_lone_headings(html: str) -> str:
    """`html` without the number of a subheading that is its parent's only numbered one: "6.2" followed by a
    lone "6.2.1" reads as a numbering mistake, so the lone one keeps its title and loses its number, and the
    numbers below it skip its level ("7. Positions", a lone "7.1 Question 1" -> "Question 1", its "7.1.1" and
    "7.1.2" -> "7.1" and "7.2"). The templates number headings in their text; a subsection with one analysis is
    the usual case."""
    numbers = [m.group(3) for m in NUMBERED.finditer(html)]
    children: dict[str, int] = {}
    for number in numbers:
        parent = number.rsplit(".", 1)[0]
        children[parent] = children.get(parent, 0) + 1
    lone = {n for n in numbers if children[n.rsplit(".", 1)[0]] == 1}

    def renumber(match: re.Match) -> str:
        number = match.group(3)
        if number in lone:
            return match.group(1)
        parts = number.split(".")
        kept = [part for depth, part in enumerate(parts, start=1)
                if depth == 1 or depth == len(parts) or ".".join(parts[:depth]) not in lone]
        return f"{match.group(1)}{'.'.join(kept)} "

    return NUMBERED.sub(renumber, html)


def break_long_runs(html: str) -> str:
    """`html` with a zero-width space (a line-break opportunity, invisible in print) after every
    BREAK_EVERY characters of a run without a space in its text longer than KEEP_WHOLE characters:
    the longest word the limits allow (dossier.config.limits.MAX_TOKEN_CHARS) then lays out in ordinary lines, in
    weasyprint and LibreOffice alike, instead of one unbreakable word that each engine must measure and
    squeeze. Shorter runs (hashes) stay whole; tags and attributes are untouched."""
    pieces = _TAG_OR_TEXT.split(html)
    inside = False
    for i, piece in enumerate(pieces):
        if i % 2:  # a tag
            lower = piece.lower()
            if lower.startswith(_NO_BREAKS_IN):
                inside = True
            elif lower.startswith(("</style", "</title", "</script")):
                inside = False
        elif not inside and len(piece) > KEEP_WHOLE:
            pieces[i] = _TOO_LONG.sub(lambda run: _LONG_RUN.sub(lambda m: m.group(0) + "\u200b", run.group(0)), piece)
    return "".join(pieces)


def insert_toc(html: str, marker: str = "<!--TOC-->") -> str:
    """Replace the marker by a list of the h1/h2 headings that follow it, linked to their ids."""
    at = html.find(marker)
    if at < 0:
        return html
    entries = []
    for match in HEADING.finditer(html, at):
        level, anchor, inner = int(match.group(1)), match.group(2), match.group(3)
        if level > 2:
            continue
        text = htmllib.escape(htmllib.unescape(TAG.sub("", inner)).strip(), quote=False)
        entries.append(f'<li class="toc-{level}"><a href="#{anchor}">{text}</a></li>')
    toc = '<ol class="toc">\n' + "\n".join(entries) + "\n</ol>"
    return html[:at] + toc + html[at + len(marker):]
