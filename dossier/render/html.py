"""Jinja -> the document HTML (the subset of docs/architecture.md), with its table of contents.

Templates run in Jinja's sandbox with autoescaping on: every value from data, yaml or writer's
text is text. Only writer's Markdown already converted by dossier.document.writer_text arrives as Markup.
A trial folder's own `templates/` overrides the packaged templates file by file. Every template,
included, imported and extended ones too, is read through dossier.data.gate (`GateLoader`): a link
that leaves its templates folder is refused with one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.data.gate import PACKAGE_TEMPLATES, admit, admit_folder
from dossier.errors import RenderError
from dossier.render import tree
from dossier.render.tree import Comment, Node, drop_comments, serialise

BREAK_EVERY = 40  # characters of an unbroken run of text after which a line may break (U+200B)
# runs up to this length stay whole: a SHA-256 in hex (64) is printed to be copied, and a zero-width space
# inside it would make the copy differ from the file's hash
KEEP_WHOLE = 64
# one character of a text that offers no line break of its own; Chinese, Japanese and Korean characters are
# left out: a line may break between any two of them anyway
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_UNIT = f"[^\\s\u200b{_CJK}]"
_LONG_RUN = re.compile(f"{_UNIT}{{{BREAK_EVERY}}}(?={_UNIT})")
_TOO_LONG = re.compile(f"{_UNIT}{{{KEEP_WHOLE + 1},}}")


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


@dataclass(frozen=True)
class RenderedDocument:
    """A document after its template ran and every pass was done on its tree: the HTML written as
    `<document>.html` (hashed for reuse, shown by the preview, read by weasyprint) and the tree's <body>,
    which the DOCX writer walks (dossier.render.docx.DocxJob carries it)."""

    html: str
    body: Node


def render_document(name: str, context: dict[str, Any], dirs: list[Path], template: str | None = None
                    ) -> RenderedDocument:
    """Render `template` (default `<name>.html.j2`), parse its output once and finish the tree: the front and
    back matter (context["matter"], dossier.document.matter.Matter), lone headings unnumbered, control characters
    visible, long runs breakable, the table of contents, powers of ten typeset and the tables' column widths."""
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
    root = tree.parse(html)  # the one parse (through the module: tests count the calls)
    finish(root, context.get("matter"))
    return RenderedDocument(serialise(root), root.body())


def finish(root: Node, matter=None) -> Node:
    """Every pass on a parsed document, in order (`matter`: the document's citations, references and
    abbreviations, or None for HTML without them); returns `root`, changed in place."""
    if matter is not None:
        front_and_back_matter(root, matter)
    unnumber_lone_headings(root)
    visible(root)
    break_long_runs(root)
    insert_toc(root)  # before the powers of ten, so the TOC's copies of the headings are typeset too
    typeset_powers(root)
    drop_comments(root)  # the markers are done with; a comment is no content of the document
    add_column_widths(root)  # last: the widths follow the final text
    return root


# ------------------------------------------------------------------------------------ walking the tree

NOT_SHOWN = frozenset({"style", "script", "title"})  # elements whose text is not the document's text


def _not_shown(node: Node) -> bool:
    return node.tag in NOT_SHOWN


def _edit_texts(node: Node, edit, skip=_not_shown) -> None:
    """Replace each text child of `node` and its descendants (not inside an element for which `skip(element)`
    is true) by the list of texts and Nodes `edit(text)` returns (None: unchanged)."""
    changed = False
    children: list = []
    for child in node.children:
        if isinstance(child, str):
            replaced = edit(child)
            if replaced is not None:
                changed = True
                children += replaced
                continue
        elif isinstance(child, Node) and not skip(child):
            _edit_texts(child, edit, skip)
        children.append(child)
    if changed:
        node.children = _merged(children)


def _merged(children: list) -> list:
    """`children` without empty texts and with neighbouring texts joined into one."""
    out: list = []
    for child in children:
        if isinstance(child, str):
            if not child:
                continue
            if out and isinstance(out[-1], str):
                out[-1] += child
                continue
        out.append(child)
    return out


def _replace_comment(root: Node, text: str, replacement: list) -> bool:
    """Put `replacement` (texts and Nodes) in the place of the first comment `<!--text-->`; False if none."""
    for node in root.iter():
        for i, child in enumerate(node.children):
            if isinstance(child, Comment) and child.text == text:
                node.children[i:i + 1] = replacement
                node.children = _merged(node.children)
                return True
    return False


def _lines(nodes: list) -> list:
    """`nodes` with a line feed between each two (as the HTML the templates write)."""
    out: list = []
    for i, node in enumerate(nodes):
        out += ["\n", node] if i else [node]
    return out


def visible_text(root: Node) -> str:
    """The text a reader sees, each text node apart (the <style>, <script> and <title> left out)."""
    parts: list[str] = []

    def walk(node: Node) -> None:
        for child in node.children:
            if isinstance(child, str):
                parts.append(child)
            elif isinstance(child, Node) and child.tag not in NOT_SHOWN:
                walk(child)

    walk(root)
    return " ".join(parts)


# ------------------------------------------------------------------------------------------- the passes


def _data_table_or_not_shown(node: Node) -> bool:
    return node.tag in NOT_SHOWN or (node.tag == "table" and "data" in node.classes)


def front_and_back_matter(root: Node, matter) -> None:
    """Each citation `[@key]` in a text numbered as a live span (<span class="live" data-ref="@key">[1]</span>),
    except in the cells of a data table (`<table class="data">`: a dataset's value that looks like a citation is
    text), the list of references at the comment `<!--REFERENCES-->` and the list of the abbreviations the
    document's text uses at `<!--ABBREVIATIONS-->`."""
    from dossier.document.matter import ABBREVIATIONS_MARK, CITATION, REFERENCES_MARK

    order: dict[str, int] = {}

    def cite(text: str) -> list | None:
        pieces: list = []
        at = 0
        for match in CITATION.finditer(text):
            written = match.group(0)[1:-1]
            shown = matter.citation(written, order)
            # a locked content control in the DOCX, like a live number: `dossier import` turns it back into the
            # citation as written (data-ref "@a; @b" -> "[@a; @b]")
            pieces += [text[at:match.start()], Node("span", {"class": "live", "data-ref": written}, [shown])]
            at = match.end()
        return [*pieces, text[at:]] if pieces else None

    _edit_texts(root, cite, skip=_data_table_or_not_shown)
    paragraphs = [Node("p", {"class": cls} if cls else {}, [text]) for cls, text in matter.references(order)]
    _replace_comment(root, REFERENCES_MARK, _lines(paragraphs))
    if any(isinstance(c, Comment) and c.text == ABBREVIATIONS_MARK for n in root.iter() for c in n.children):
        title, found = matter.abbreviations(visible_text(root))
        block = []
        if found:
            rows = [Node("tr", {}, [Node("td", {}, [abbr]), Node("td", {}, [text])]) for abbr, text in found]
            block = [Node("h1", {"id": "abbreviations"}, [title]), "\n",
                     Node("table", {"class": "fields"}, ["\n", Node("tbody", {}, ["\n", *_lines(rows), "\n"]), "\n"])]
        _replace_comment(root, ABBREVIATIONS_MARK, block)


def visible(root: Node) -> None:
    """Every control character of the text and the attribute values shown as U+FFFD (dossier.control)."""
    from dossier.control import visible as shown

    for node in root.iter():
        node.attrs = {key: shown(value) for key, value in node.attrs.items()}
    _edit_texts(root, lambda text: [shown(text)], skip=lambda node: False)


_NUMBERED = re.compile(r"(\d+(?:\.\d+)+) ")


def _numbered_headings(root: Node) -> list[tuple[Node, str]]:
    """(heading, its number) of each h2-h4 with an id whose text starts with a number such as "6.2.1 "."""
    found = []
    for node in root.iter():
        first = node.children[0] if node.children else None
        if node.tag in ("h2", "h3", "h4") and list(node.attrs) == ["id"] and node.attrs["id"] \
                and isinstance(first, str) and (match := _NUMBERED.match(first)):
            found.append((node, match.group(1)))
    return found


def unnumber_lone_headings(root: Node) -> None:
    """The document without the number of a subheading that is its parent's only numbered one: "6.2" followed by a
    lone "6.2.1" reads as a numbering mistake, so the lone one keeps its title and loses its number, and the
    numbers below it skip its level ("7. Positions", a lone "7.1 Question 1" -> "Question 1", its "7.1.1" and
    "7.1.2" -> "7.1" and "7.2"). The templates number headings in their text; a subsection with one analysis is
    the usual case."""
    headings = _numbered_headings(root)
    children: dict[str, int] = {}
    for _, number in headings:
        parent = number.rsplit(".", 1)[0]
        children[parent] = children.get(parent, 0) + 1
    lone = {n for _, n in headings if children[n.rsplit(".", 1)[0]] == 1}
    for node, number in headings:
        rest = node.children[0][len(number) + 1:]
        if number in lone:
            node.children[0] = rest
        else:
            parts = number.split(".")
            kept = [part for depth, part in enumerate(parts, start=1)
                    if depth == 1 or depth == len(parts) or ".".join(parts[:depth]) not in lone]
            node.children[0] = f"{'.'.join(kept)} {rest}"
        node.children = _merged(node.children)


def break_long_runs(root: Node) -> None:
    """The document with a zero-width space (a line-break opportunity, invisible in print) after every
    BREAK_EVERY characters of a run without a space in its text longer than KEEP_WHOLE characters:
    the longest word the limits allow (dossier.config.limits.MAX_TOKEN_CHARS) then lays out in ordinary lines, in
    weasyprint and LibreOffice alike, instead of one unbreakable word that each engine must measure and
    squeeze. Shorter runs (hashes) stay whole; attributes are untouched."""
    def breaks(text: str) -> list[str] | None:
        if len(text) <= KEEP_WHOLE:
            return None
        return [_TOO_LONG.sub(lambda run: _LONG_RUN.sub(lambda m: m.group(0) + "\u200b", run.group(0)), text)]

    _edit_texts(root, breaks)


def insert_toc(root: Node, marker: str = "TOC") -> None:
    """Replace the comment `<!--TOC-->` by a list of the h1/h2 headings with an id that follow it, linked."""
    entries: list[Node] = []
    seen = False

    def walk(node: Node) -> None:
        nonlocal seen
        for child in node.children:
            if isinstance(child, Comment) and child.text == marker:
                seen = True
            elif isinstance(child, Node):
                if seen and child.tag in ("h1", "h2") and list(child.attrs) == ["id"] and child.attrs["id"]:
                    text = child.raw_text().strip()
                    link = Node("a", {"href": f"#{child.attrs['id']}"}, [text] if text else [])
                    entries.append(Node("li", {"class": f"toc-{child.tag[1]}"}, [link]))
                else:
                    walk(child)

    walk(root)
    if seen:
        _replace_comment(root, marker, [Node("ol", {"class": "toc"}, _merged(["\n", *_lines(entries), "\n"]))])


PLAIN_ATTRIBUTES = ("data-header", "data-synthetic-mark", "alt")  # plain text: powers of ten as 1×10¹³
_NOT_TYPESET = frozenset({"code", "style", "script", "title"})  # title: plain text, above


def typeset_powers(root: Node) -> None:
    """The document with every power of ten written in a text ("1e13", "1x10^13": formatting.POWER_OF_TEN) as
    1×10<sup>13</sup> in the text, and as 1×10¹³ in the plain-text places (the title, the running header,
    a picture's alt text). Never inside <code>, <style> or <script>, nor in any other attribute."""
    from dossier.document.formatting import powers_split, powers_unicode

    def marked_up(text: str) -> list | None:
        pieces = powers_split(text)
        if len(pieces) == 1:  # no power of ten
            return None
        return [Node("sup", {}, [piece]) if superscript else piece for piece, superscript in pieces]

    for node in root.iter():  # the plain-text places
        if node.tag == "title":
            node.children = [powers_unicode(c) if isinstance(c, str) else c for c in node.children]
        for key in PLAIN_ATTRIBUTES:
            if key in node.attrs:
                node.attrs[key] = powers_unicode(node.attrs[key])
    _edit_texts(root, marked_up, skip=lambda node: node.tag in _NOT_TYPESET)


WIDTH_UNITS = 10_000  # column widths are computed in ten-thousandths of the table width
TEXT_WIDTH_TWIPS = {False: 11906 - 2 * 1417, True: 16838 - 2 * 1417}  # A4 with 25 mm margins (print.css)


def add_column_widths(root: Node) -> None:
    """A <colgroup> first in every table giving the column widths the DOCX uses (docx_tables.table_widths,
    fitted to the content). print.css lays tables out with fixed layout, which follows these widths
    instead of measuring every cell first. HTML outside the document subset gets none (the DOCX writer
    reports it)."""
    from dossier.render.docx_tables import table_widths

    tables = list(_tables(root.body()))
    try:
        widths = [table_widths(node, WIDTH_UNITS, twips)[1] for node, twips in tables]
    except RenderError:
        return
    for (table, _), columns in zip(tables, widths, strict=True):
        cols = [Node("col", {"style": f"width: {w * 100 / WIDTH_UNITS:.2f}%"}) for w in columns]
        table.children.insert(0, Node("colgroup", {}, cols))


def _tables(node: Node, landscape: bool = False):
    """(table, its width in twips) in document order: landscape inside a landscape table block."""
    for child in node.elements():
        if child.tag == "table":
            yield child, TEXT_WIDTH_TWIPS[landscape]
        else:
            yield from _tables(child, landscape or (child.tag == "div" and "landscape" in child.classes))
