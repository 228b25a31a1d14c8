"""HTML `<table class="data|fields">` -> a WordprocessingML table, built as XML in one pass.

Header rows (`<thead>`) repeat on every page (`w:tblHeader`), no row splits across pages,
booktabs rules (table style top/bottom rule, a rule under the header, a partial rule under
spanning group headers), `colspan` -> `w:gridSpan`, fixed column widths fitted to the text
width from the content lengths.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from dossier.errors import RenderError
from dossier.render.docx_html import Node, Piece, is_blank
from dossier.render.docx_ooxml import el

_WORDS = re.compile(r"[\s\u200b]+")  # a zero-width space (html.break_long_runs) ends a word too
WORD_JOINER = "\u2060"
_CJK = re.compile("[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
# where a header may break: at a space, after a Japanese colon, comma, middle dot, a slash or a closing
# bracket, before an opening bracket; anything between two of these is one word
_HEADER_BREAKS = re.compile(r"[\s\u200b]+|(?<=[：、・/])|(?<=[）)])(?!\u2060?[：、・/）)])|(?=[（(])")
HEADER_TWIPS_PER_UNIT = 110  # a 9 pt bold character of display width 1 (a kanji is 2), with room to spare
CELL_CLASSES = frozenset({"level-1", "level-2", "num"})
LEVEL_INDENT_TWIPS = 216  # 1.2 em at 9 pt, as in print.css
CELL_PADDING_CHARS = 2  # a cell's left and right padding (4 pt each at 9 pt), in characters


@dataclass
class Cell:
    node: Node
    span: int
    head: bool  # inside <thead>


@dataclass
class Row:
    cells: list[Cell]
    head: bool
    emphasis: bool


# (cell node, paragraph style, alignment, left indent, bold, header width in display units or None) -> paragraphs
CellFiller = Callable[[Node, str, "str | None", int, bool, "float | None"], list]
CELL_MARGINS_TWIPS = 2 * 85  # the Evidence Table style's left and right cell margins


def read_rows(table: Node) -> list[Row]:
    """Validate the table subset and return its rows in order (header rows first)."""
    rows: list[Row] = []
    for child in table.children:
        if is_blank(child):
            continue
        if isinstance(child, Node) and child.tag == "colgroup":  # the PDF's column widths (render.html)
            _column_group(child)
            continue
        if not isinstance(child, Node) or child.tag not in ("thead", "tbody", "tr"):
            what = f"<{child.tag}>" if isinstance(child, Node) else "text"
            raise RenderError(f"unsupported element {what} in <table> in document HTML")
        if child.tag == "tr":
            rows.append(_row(child, head=False))
            continue
        if child.classes:
            raise RenderError(f"unsupported class on <{child.tag}> in document HTML")
        for tr in child.children:
            if is_blank(tr):
                continue
            if not isinstance(tr, Node) or tr.tag != "tr":
                raise RenderError(f"unsupported content in <{child.tag}> in document HTML")
            rows.append(_row(tr, head=child.tag == "thead"))
    return rows


def _column_group(colgroup: Node) -> None:
    """A table's <colgroup> of <col style="width: ..%"> (dossier.render.html.add_column_widths): the widths the
    DOCX computes itself, so it only checks that it is one."""
    if colgroup.attrs or any(not is_blank(col) and (not isinstance(col, Node) or col.tag != "col"
                                                     or set(col.attrs) - {"style"}) for col in colgroup.children):
        raise RenderError("unsupported content in <colgroup> in document HTML (only <col style>)")


def _row(tr: Node, head: bool) -> Row:
    if tr.classes - {"emphasis"}:
        raise RenderError(f"unsupported class {' '.join(sorted(tr.classes))!r} on <tr> in document HTML")
    cells = []
    for cell in tr.children:
        if is_blank(cell):
            continue
        if not isinstance(cell, Node) or cell.tag not in ("td", "th"):
            raise RenderError("unsupported content in <tr> in document HTML (only <th>/<td>)")
        if cell.classes - CELL_CLASSES:
            raise RenderError(f"unsupported class {' '.join(sorted(cell.classes))!r} on <{cell.tag}> in document HTML")
        if "rowspan" in cell.attrs:
            raise RenderError("unsupported attribute rowspan in document HTML")
        try:
            span = int(cell.attrs.get("colspan", "1"))
        except ValueError:
            raise RenderError(f"invalid colspan {cell.attrs['colspan']!r} in document HTML") from None
        cells.append(Cell(cell, max(1, min(span, 63)), head))
    return Row(cells, head, "emphasis" in tr.classes)


def _display_len(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text if ch != WORD_JOINER)


def header_words(text: str) -> list[str]:
    """The words of a column header, between which it may break: "Low dose (1e13 vg)：例数" ->
    ["Low", "dose", "(1e13", "vg)：", "例数"]; "最小二乗平均の差（95%信頼区間）" -> two words."""
    return [w for w in _HEADER_BREAKS.split(text.replace(WORD_JOINER, "")) if w]


def join_header_words(text: str) -> str:
    """`text` (a column header) with a word joiner (U+2060, invisible, no line break) between the
    characters of each word holding Japanese, so neither weasyprint nor Word or LibreOffice breaks
    inside "例数" or "信頼区間"; Latin words break only at their spaces anyway."""
    out, last = [], 0
    for match in _HEADER_BREAKS.finditer(text):
        out.append(_join(text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_join(text[last:]))
    return "".join(out)


_SPLIT_HEADER = re.compile(f"({_HEADER_BREAKS.pattern})")
SUPERSCRIPT_WIDTH = 0.6  # a superscript character's width, in display units


def wrap_header(pieces: list[Piece], room: float) -> list[Piece]:
    """A header's pieces with line breaks between its words (header_words) so each line fits `room`
    display units: Word and LibreOffice then need no line break of their own, which they would take inside a
    Japanese word (LibreOffice ignores word joiners there). A word longer than `room` keeps its own line.
    Pieces with a line break already are left as they are."""
    if any(piece.brk for piece in pieces):
        return pieces
    words: list[tuple[list[Piece], float, bool]] = []  # (pieces, width, a space before it)
    current: list[Piece] = []
    width, space = 0.0, False
    for piece in pieces:
        parts = _SPLIT_HEADER.split(piece.text)
        for i, part in enumerate(parts):
            if i % 2:  # a break point: a space (kept as the space before the next word) or none
                if current:
                    words.append((current, width, space))
                    current, width, space = [], 0.0, False
                space = space or bool(part)
            elif part:
                current.append(Piece(part, piece.fmt, piece.anchor, live=piece.live))
                scale = SUPERSCRIPT_WIDTH if {"sup", "sub"} & piece.fmt else 1
                width += _display_len(part) * scale
    if current:
        words.append((current, width, space))
    lines: list[list[Piece]] = [[]]
    used = 0.0
    for word, wide, spaced in words:
        if lines[-1] and used + (1 if spaced else 0) + wide > room:
            lines.append([])
            used = 0.0
        elif lines[-1] and spaced:
            lines[-1].append(Piece(" "))
            used += 1
        lines[-1].extend(word)
        used += wide
    out: list[Piece] = []
    for i, line in enumerate(lines):
        if i:
            out.append(Piece(brk=True))
        out.extend(line)
    return out


def _join(word: str) -> str:
    """A word joiner between two neighbouring characters of which one is Japanese."""
    out = []
    for i, ch in enumerate(word):
        if i and (_CJK.match(ch) or _CJK.match(word[i - 1])):
            out.append(WORD_JOINER)
        out.append(ch)
    return "".join(out)


def content_minimums(rows: list[Row], ncols: int, body: bool = True) -> list[int]:
    """Each column's narrowest width (display units) that holds the longest word of its header and the longest
    piece of each body cell a line cannot break inside (`unbreakable_len`: "218 (85.8%)" with its no-break
    space is one), with a stub cell's indent; the headers' words alone without `body`."""
    least = [0] * ncols
    for row in rows:
        col = 0
        for cell in row.cells:
            if cell.span == 1 and col < ncols and (body or cell.head):
                text = cell.node.text()
                if cell.head:
                    need = max((_display_len(w) for w in header_words(text)), default=0)
                else:
                    need = unbreakable_len(text) + (2 * _level(cell.node) if col == 0 else 0)
                least[col] = max(least[col], need)
            col += cell.span
    return least


_LINE_BREAKS = re.compile(r"[^\S\u00a0\u202f]+|\u200b+")  # a space (a no-break space is none) or U+200B


def unbreakable_len(text: str) -> int:
    """The display width of the longest piece of a cell's `text` a line cannot break inside: the words between
    spaces, a no-break space joining two, and a line may break before and after each Japanese character."""
    longest = 0
    for word in _LINE_BREAKS.split(text):
        pieces = _CJK.split(word)
        longest = max(longest, *(_display_len(piece) for piece in pieces), 2 if len(pieces) > 1 else 0)
    return longest


def column_widths(rows: list[Row], ncols: int, total: int) -> list[int]:
    """Widths (twips) summing to `total`, proportional to each column's content length (capped: text
    wraps), but never narrower than the column's longest word (a hash or an identifier cannot wrap)."""
    want = [4] * ncols
    for row in rows:
        col = 0
        for cell in row.cells:
            if cell.span == 1 and col < ncols:
                text = cell.node.text()
                # a line breaks at a space and between Japanese characters: a Japanese text is no long word
                longest = max((_display_len(piece) for w in _WORDS.split(text) for piece in _CJK.split(w)), default=0)
                if cell.head:  # headers wrap between their words: their longest word counts
                    longest = max((_display_len(w) for w in header_words(text)), default=0)
                    length = longest
                else:
                    length = _display_len(text) + (2 * _level(cell.node) if col == 0 else 0)
                want[col] = max(want[col], min(length, 42 if col == 0 else 24), longest)
            col += cell.span
    want = [w + CELL_PADDING_CHARS for w in want]
    weight = sum(want)
    widths = [max(400, total * w // weight) for w in want]
    widths[-1] += total - sum(widths)
    return widths


def _level(node: Node) -> int:
    return 2 if "level-2" in node.classes else 1 if "level-1" in node.classes else 0


def _border(side: str, size: int) -> object:
    return el(f"w:{side}", {"w:val": "single", "w:sz": str(size), "w:space": "0", "w:color": "000000"})


def table_widths(table: Node, width: int, twips: int | None = None) -> tuple[list[Row], list[int]]:
    """The rows of a data or fields table and its column widths (summing to `width`): proportional
    to the content, the stub column of a data table at least 34%, a label/value table 30/70, and every
    column at least as wide as the longest word of its header and the longest unbreakable piece of its cells
    (taken from the widest other columns) so a header breaks between words, never inside one, and a statistic
    such as "218 (85.8%)" stays inside its column (the headers' words alone when the cells' pieces cannot all
    fit; proportional widths when neither fits). `twips`: the table's real width when `width` is in
    other units (render/pdf.py). The PDF gets the same widths, so both renderers lay a table out alike."""
    rows = read_rows(table)
    if not rows:
        raise RenderError("empty <table> in document HTML")
    ncols = max(sum(c.span for c in row.cells) for row in rows) or 1
    widths = column_widths(rows, ncols, width)
    fields = table.classes == {"fields"}
    if not fields and ncols > 1 and widths[0] < width * 34 // 100:  # the stub column gets room
        stub = width * 34 // 100
        rest = sum(widths[1:])
        widths = [stub] + [max(400, w * (width - stub) // rest) for w in widths[1:]]
        widths[-1] += width - sum(widths)
    if fields and ncols == 2:
        widths = [width * 3 // 10, width - width * 3 // 10]
    elif not fields:
        # the cells' unbreakable pieces and the headers' words; when they cannot all fit, the headers' words
        for least in (content_minimums(rows, ncols), content_minimums(rows, ncols, body=False)):
            if _fits(least, width, twips or width):
                widths = _at_least(widths, least, width, twips or width)
                break
    return rows, widths


def _least_widths(units: list[int], width: int, twips: int) -> list[int]:
    """Display units (plus padding) as widths in the units of `width` (a table `twips` wide)."""
    return [(u + CELL_PADDING_CHARS) * HEADER_TWIPS_PER_UNIT * width // twips if u else 0 for u in units]


def _fits(units: list[int], width: int, twips: int) -> bool:
    return sum(_least_widths(units, width, twips)) <= width


def _at_least(widths: list[int], units: list[int], width: int, twips: int) -> list[int]:
    """`widths` with each column at least `units` display units wide (plus padding), the room taken from
    the columns wider than their own minimum, widest first; unchanged when the minimums do not fit."""
    least = _least_widths(units, width, twips)
    if sum(least) > width:
        return widths
    widths = list(widths)
    for col in range(len(widths)):
        while widths[col] < least[col]:
            donor = max(range(len(widths)), key=lambda i: (widths[i] - least[i], -i))
            spare = widths[donor] - least[donor]
            if donor == col or spare <= 0:
                return widths
            moved = min(spare, least[col] - widths[col])
            widths[donor] -= moved
            widths[col] += moved
    return widths


def build_table(table: Node, width: int, style_id: str, fill: CellFiller) -> object:
    """The `w:tbl` element for a data or fields table `width` twips wide."""
    kind = table.classes
    if kind not in ({"data"}, {"fields"}):
        raise RenderError(f"unsupported table class {' '.join(sorted(kind))!r} in document HTML")
    fields = kind == {"fields"}
    rows, widths = table_widths(table, width)
    ncols = len(widths)

    tbl = el("w:tbl")
    tbl.append(el("w:tblPr", None,
                  el("w:tblStyle", {"w:val": style_id}),
                  el("w:tblW", {"w:w": str(width), "w:type": "dxa"}),
                  el("w:tblLayout", {"w:type": "fixed"}),
                  el("w:tblLook", {"w:val": "0000", "w:firstRow": "0", "w:lastRow": "0", "w:firstColumn": "0",
                                   "w:lastColumn": "0", "w:noHBand": "1", "w:noVBand": "1"})))
    tbl.append(el("w:tblGrid", None, *(el("w:gridCol", {"w:w": str(w)}) for w in widths)))
    head_rows = [i for i, row in enumerate(rows) if row.head]
    last_head = head_rows[-1] if head_rows else -1
    for index, row in enumerate(rows):
        tr = el("w:tr")
        tr_pr = el("w:trPr", None, el("w:cantSplit"))
        if row.head and index <= last_head and all(rows[i].head for i in range(index + 1)):
            tr_pr.append(el("w:tblHeader"))
        tr.append(tr_pr)
        col = 0
        for cell in row.cells + [Cell(Node("td"), 1, row.head)] * max(0, ncols - sum(c.span for c in row.cells)):
            span = min(cell.span, max(1, ncols - col))
            tc_pr = el("w:tcPr", None, el("w:tcW", {"w:w": str(sum(widths[col:col + span])), "w:type": "dxa"}))
            if span > 1:
                tc_pr.append(el("w:gridSpan", {"w:val": str(span)}))
            if not fields and index == last_head:
                tc_pr.append(el("w:tcBorders", None, _border("bottom", 6)))
            elif not fields and row.head and span > 1:
                tc_pr.append(el("w:tcBorders", None, _border("bottom", 4)))
            tc_pr.append(el("w:vAlign", {"w:val": "bottom" if row.head else "top"}))
            tc = el("w:tc", None, tc_pr)
            header_cell = cell.node.tag == "th" or row.head
            if fields:  # label/value rows: the label (first) column is bold, as in print.css
                style, align = ("Table Heading" if cell.node.tag == "th" or col == 0 else "Table Text"), None
            elif row.head:
                style, align = "Table Heading", (None if col == 0 else "center")
            else:
                style, align = ("Table Heading" if cell.node.tag == "th" else "Table Text"), None
            if "num" in cell.node.classes:
                align = "center"
            indent = LEVEL_INDENT_TWIPS * _level(cell.node)
            bold = row.emphasis and not header_cell
            room = None
            if row.head and not fields:  # header lines broken between words by the writer (wrap_header)
                room = (sum(widths[col:col + span]) - CELL_MARGINS_TWIPS) / HEADER_TWIPS_PER_UNIT
            for p in fill(cell.node, style, align, indent, bold, room):
                tc.append(p)
            tr.append(tc)
            col += span
        tbl.append(tr)
    return tbl
