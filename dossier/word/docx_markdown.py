"""A writer's section between Word and Markdown, through one small model: a list of `Block`s.

A block is a paragraph or a list item (bulleted or numbered, with its nesting level) holding
`Span`s of text with bold, italic or code formatting; a line break is the text "\\n" and a live
number is the text of its reference, `[[analysis:path|format]]`. A power of ten is 1×10^13 on both
sides (the build prints "1e13" as 1×10 and a superscript 13), so an import writes that form. `markdown_blocks` reads the
writer's Markdown as the build renders it (writer_text.markdown_to_html, then the DOCX writer's
whitespace rules), `docx_blocks` reads the paragraphs of a DOCX section (tracked changes taken as
accepted), and `blocks_markdown` writes blocks as Markdown that reads back as the same blocks, so an
import compares blocks, not bytes: a section Word did not change leaves its file untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docx.oxml.ns import qn

from dossier.document.formatting import MINUS, powers_caret
from dossier.document.writer_text import REFERENCE, markdown_to_html
from dossier.render.docx_html import Node, inline_pieces, is_blank, parse_html

FORMATS = ("b", "i", "code")
_OFF = ("0", "false", "off")


@dataclass(frozen=True)
class Span:
    text: str
    fmt: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Block:
    kind: str  # "p", "ul" (bulleted item) or "ol" (numbered item)
    level: int
    spans: tuple[Span, ...]


def merged(spans: list[Span]) -> tuple[Span, ...]:
    """Adjacent spans of the same formatting joined; empty ones dropped; a break keeps no formatting."""
    out: list[Span] = []
    for span in spans:
        fmt = frozenset() if span.text == "\n" else span.fmt & frozenset(FORMATS)
        if not span.text:
            continue
        if out and out[-1].fmt == fmt and "\n" not in (span.text, out[-1].text):
            out[-1] = Span(out[-1].text + span.text, fmt)
        else:
            out.append(Span(span.text, fmt))
    return tuple(out)


# ---------------------------------------------------------------- Markdown -> blocks

_PLACEHOLDER = re.compile("\ue003(\\d+)\ue004")


def markdown_blocks(text: str) -> list[Block]:
    """The blocks the build makes of the writer's Markdown (live references kept as `[[...]]`)."""
    refs: list[str] = []

    def hold(match: re.Match) -> str:
        refs.append(match.group(0))
        return f"\ue003{len(refs) - 1}\ue004"

    html = markdown_to_html(REFERENCE.sub(hold, text))
    blocks: list[Block] = []
    _html_blocks(parse_html(f"<body>{html}</body>").children, blocks, 0)
    return [Block(b.kind, b.level, merged([Span(_PLACEHOLDER.sub(lambda m: refs[int(m.group(1))], _typeset(s)), s.fmt)
                                           for s in b.spans])) for b in blocks]


def _typeset(span: Span) -> str:
    """The span's text with its powers of ten as the DOCX reads back (1e13 -> 1×10^13), code left alone."""
    return span.text if "code" in span.fmt else powers_caret(span.text)


def _spans(nodes) -> list[Span]:
    return [Span("\n") if p.brk else Span(p.text, p.fmt) for p in inline_pieces(nodes)]


def _html_blocks(nodes, out: list[Block], level: int, kind: str = "p") -> None:
    inline: list = []
    for node in [*nodes, None]:
        if node is not None and (isinstance(node, str) or node.tag not in ("p", "ul", "ol", "li")):
            inline.append(node)
            continue
        if inline and not all(is_blank(n) for n in inline):
            out.append(Block(kind, level, merged(_spans(inline))))
        inline = []
        if node is None:
            break
        if node.tag == "p":
            out.append(Block(kind, level, merged(_spans(node.children))))
        elif node.tag in ("ul", "ol"):
            nested = level + 1 if kind != "p" else 0
            for li in node.children:
                if isinstance(li, Node) and li.tag == "li":
                    _html_blocks(li.children, out, nested, node.tag)


# ---------------------------------------------------------------- blocks -> Markdown

_ESCAPE = re.compile(r"([\\`*_\[\]&<])")
_LINE_START = re.compile(r"^(\s*)([-+#>]|\d+[.)])")


def _escape(text: str) -> str:
    """Markdown-escaped text; a live reference typed as `[[analysis:path]]` and a citation `[@key]` stay one."""
    from dossier.document.matter import CITATION

    out, last = [], 0
    for match in re.finditer(f"{REFERENCE.pattern}|{CITATION.pattern}", text):
        out.append(_ESCAPE.sub(r"\\\1", text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_ESCAPE.sub(r"\\\1", text[last:]))
    return "".join(out)


def _inline(spans: tuple[Span, ...]) -> str:
    parts = []
    for span in spans:
        if span.text == "\n":
            parts.append("\\\n")
            continue
        if "code" in span.fmt:
            fence = "``" if "`" in span.text else "`"
            pad = " " if fence == "``" else ""
            parts.append(f"{fence}{pad}{span.text}{pad}{fence}")
            continue
        core = span.text.strip(" ")
        if not core:
            parts.append(span.text)
            continue
        lead, trail = span.text[:len(span.text) - len(span.text.lstrip(" "))], span.text[len(span.text.rstrip(" ")):]
        mark = ("**" if "b" in span.fmt else "") + ("*" if "i" in span.fmt else "")
        body = _escape(core)
        parts.append(f"{lead}{mark}{body}{mark[::-1]}{trail}" if core and mark else lead + body + trail)
    lines = "".join(parts).split("\n")
    return "\n".join(_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2) if not m.group(2)[0].isdigit()
                                     else m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], line.lstrip(" "))
                     for line in lines)


def blocks_markdown(blocks: list[Block]) -> str:
    """Markdown whose blocks are `blocks`: paragraphs apart by a blank line, lists tight, nested
    items indented under their parent's text."""
    out: list[str] = []
    indents: list[int] = []  # the text column of each open list level
    previous: Block | None = None
    for block in blocks:
        if block.kind == "p":
            indents = []
            out.append(("\n" if out else "") + _inline(block.spans) + "\n")
            previous = block
            continue
        level = min(block.level, len(indents) if previous is not None and previous.kind != "p" else 0)
        indents = indents[:level]
        column = indents[-1] if indents else 0
        marker = "- " if block.kind == "ul" else "1. "
        new_list = previous is None or previous.kind == "p" or (
            level == (previous.level if previous.kind != "p" else -1) and previous.kind != block.kind)
        text = _inline(block.spans).replace("\n", "\n" + " " * (column + len(marker)))
        out.append(("\n" if out and new_list else "") + " " * column + marker + text + "\n")
        indents.append(column + len(marker))
        previous = Block(block.kind, level, block.spans)
    return "".join(out)


# ---------------------------------------------------------------- DOCX -> blocks


@dataclass(frozen=True)
class Styles:
    """What the importer needs of styles.xml and numbering.xml: style names by id, the code style,
    and which (numId, level) is bulleted."""

    names: dict[str, str]
    bullets: frozenset[tuple[str, str]]


def read_styles(styles_root, numbering_root) -> Styles:
    names = {}
    for style in styles_root.findall(qn("w:style")) if styles_root is not None else ():
        name = style.find(qn("w:name"))
        if name is not None:
            names[style.get(qn("w:styleId"))] = name.get(qn("w:val"), "")
    bullets = set()
    if numbering_root is not None:
        abstract = {}
        for a in numbering_root.findall(qn("w:abstractNum")):
            abstract[a.get(qn("w:abstractNumId"))] = {
                lvl.get(qn("w:ilvl")): (lvl.find(qn("w:numFmt")).get(qn("w:val"))
                                        if lvl.find(qn("w:numFmt")) is not None else "decimal")
                for lvl in a.findall(qn("w:lvl"))}
        for num in numbering_root.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            for ilvl, fmt in abstract.get(ref.get(qn("w:val")) if ref is not None else None, {}).items():
                if fmt == "bullet":
                    bullets.add((num.get(qn("w:numId")), ilvl))
    return Styles(names, frozenset(bullets))


_LIST_STYLE = re.compile(r"^list (bullet|number)(?: (\d))?$", re.IGNORECASE)


def paragraph_kind(p, styles: Styles) -> tuple[str, int]:
    """("p"|"ul"|"ol", level) of a paragraph, from its list style or its own numbering."""
    ppr = p.find(qn("w:pPr"))
    style = ppr.find(qn("w:pStyle")) if ppr is not None else None
    name = styles.names.get(style.get(qn("w:val")), "") if style is not None else ""
    match = _LIST_STYLE.match(name)
    if match:
        return ("ul" if match.group(1).lower() == "bullet" else "ol"), int(match.group(2) or 1) - 1
    num = ppr.find(qn("w:numPr")) if ppr is not None else None
    if num is not None and num.find(qn("w:numId")) is not None:
        num_id = num.find(qn("w:numId")).get(qn("w:val"))
        ilvl = num.find(qn("w:ilvl")).get(qn("w:val")) if num.find(qn("w:ilvl")) is not None else "0"
        if num_id != "0":
            return ("ul" if (num_id, ilvl) in styles.bullets else "ol"), int(ilvl)
    return "p", 0


def _on(rpr, tag: str) -> bool:
    node = rpr.find(qn(tag)) if rpr is not None else None
    return node is not None and node.get(qn("w:val"), "1").lower() not in _OFF


def _removed(node, stop) -> bool:
    """Inside deleted or moved-away content (a change taken as accepted)."""
    for ancestor in node.iterancestors():
        if ancestor is stop:
            return False
        if ancestor.tag in (qn("w:del"), qn("w:moveFrom")):
            return True
    return False


def paragraph_spans(p, styles: Styles, live) -> list[Span]:
    """The spans of a paragraph; `live(sdt)` gives the text a live number's content control stands for."""
    spans: list[Span] = []
    _walk(p, p, styles, live, spans)
    return spans


def _walk(node, paragraph, styles: Styles, live, spans: list[Span]) -> None:
    for child in node:
        tag = child.tag
        if tag in (qn("w:del"), qn("w:moveFrom"), qn("w:pPr"), qn("w:rPr")):
            continue
        if tag == qn("w:sdt"):
            text = live(child)
            if text is not None:
                rpr = child.find(f".//{qn('w:r')}/{qn('w:rPr')}")
                spans.append(Span(text, _run_format(rpr, styles)))
                continue
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                _walk(content, paragraph, styles, live, spans)
        elif tag == qn("w:r"):
            fmt = _run_format(child.find(qn("w:rPr")), styles)
            for item in child:
                if item.tag == qn("w:t"):
                    text = item.text or ""
                    if "sup" in fmt and spans and spans[-1].text.endswith("×10"):  # a power of ten the build set
                        text = "^" + text.replace(MINUS, "-")
                    spans.append(Span(text, fmt))
                elif item.tag == qn("w:tab"):
                    spans.append(Span(" ", fmt))
                elif item.tag in (qn("w:br"), qn("w:cr")) and item.get(qn("w:type")) in (None, "textWrapping"):
                    spans.append(Span("\n"))
        else:
            _walk(child, paragraph, styles, live, spans)


def _run_format(rpr, styles: Styles) -> frozenset[str]:
    fmt = set()
    if _on(rpr, "w:b"):
        fmt.add("b")
    underline = rpr.find(qn("w:u")) if rpr is not None else None
    if _on(rpr, "w:i") or (underline is not None and underline.get(qn("w:val")) == "dotted"):
        fmt.add("i")  # a Japanese document's emphasis is a dotted underline (render/docx.py)
    vert = rpr.find(qn("w:vertAlign")) if rpr is not None else None
    if vert is not None and vert.get(qn("w:val")) == "superscript":
        fmt.add("sup")
    style = rpr.find(qn("w:rStyle")) if rpr is not None else None
    if style is not None and styles.names.get(style.get(qn("w:val")), "").lower() == "html code":
        fmt.add("code")
    return frozenset(fmt)


def collapse_spans(spans: list[Span]) -> tuple[Span, ...]:
    """Whitespace as the build's DOCX shows it: runs of spaces as one, none at either end or around a break."""
    out: list[Span] = []
    after_space = True
    for span in spans:
        if span.text == "\n":
            while out and out[-1].text.endswith(" ") and out[-1].text != "\n":
                out[-1] = Span(out[-1].text.rstrip(" "), out[-1].fmt)
                if not out[-1].text:
                    out.pop()
            out.append(span)
            after_space = True
            continue
        text = re.sub(r"[ \t\r\n]+", " ", span.text)
        if after_space:
            text = text.lstrip(" ")
        if not text:
            continue
        after_space = text.endswith(" ")
        out.append(Span(text, span.fmt))
    while out and out[-1].text != "\n" and out[-1].text.endswith(" "):
        out[-1] = Span(out[-1].text.rstrip(" "), out[-1].fmt)
        if not out[-1].text:
            out.pop()
    return merged(out)
