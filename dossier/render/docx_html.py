"""The inline content of the document tree (dossier.render.tree) for the DOCX writer.

Flattens inline content into `Piece`s with HTML whitespace collapsing, so `docx.py` only walks a clean tree.
`Node`, `parse_html` and `xml_safe` are dossier.render.tree's, named here for the DOCX writer's modules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dossier.errors import RenderError
from dossier.render.tree import Node, parse_html, xml_safe

__all__ = ["INLINE", "Node", "Piece", "collapse", "inline_pieces", "is_blank", "parse_html", "xml_safe"]

INLINE = frozenset({"strong", "em", "sup", "sub", "br", "span", "code", "a"})
_HTML_SPACE = re.compile("[ \t\n\r\f]+")


# ---------------------------------------------------------------- inline content


@dataclass(frozen=True)
class Piece:
    """A run of inline content: text with formatting, a line break, or a picture."""

    text: str = ""
    fmt: frozenset[str] = frozenset()  # subset of {"b", "i", "sup", "sub", "code"}
    anchor: str | None = None  # internal hyperlink target id
    brk: bool = False
    live: str | None = None  # the live reference a live number shows (<span class="live" data-ref>)


_FORMAT = {"strong": "b", "em": "i", "sup": "sup", "sub": "sub", "code": "code"}


def inline_pieces(nodes: list[Node | str], fmt: frozenset[str] = frozenset(), anchor: str | None = None) -> list[Piece]:
    """Flatten inline nodes into pieces and collapse whitespace as HTML does."""
    raw: list[Piece] = []
    _collect(nodes, fmt, anchor, raw)
    return collapse(raw)


def _collect(nodes: list[Node | str], fmt: frozenset[str], anchor: str | None, out: list[Piece],
             live: str | None = None) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(Piece(node, fmt, anchor, live=live))
            continue
        if node.tag not in INLINE:
            raise RenderError(f"unsupported element <{node.tag}> in document HTML (inline content expected)")
        if node.classes and not (node.tag == "span" and node.classes == {"live"} and node.attrs.get("data-ref")):
            raise RenderError(f"unsupported class {' '.join(sorted(node.classes))!r} on <{node.tag}> in document HTML")
        if node.tag == "br":
            out.append(Piece(brk=True, fmt=fmt, anchor=anchor, live=live))
        elif node.tag == "a":
            href = node.attrs.get("href", "")
            if not href.startswith("#") or len(href) < 2:
                raise RenderError(f"unsupported link {href!r} in document HTML (only internal links '#id')")
            _collect(node.children, fmt, href[1:], out, live)
        else:
            extra = _FORMAT.get(node.tag)
            _collect(node.children, fmt | {extra} if extra else fmt, anchor, out,
                     node.attrs["data-ref"] if node.classes else live)


def blocks_and_runs(children: list):
    """`children` of a block as they become paragraphs: each run of inline content (text and inline elements,
    not only blank) as one list, and each block element on its own."""
    inline: list = []
    for child in children:
        if isinstance(child, str) or child.tag in INLINE:
            inline.append(child)
            continue
        if inline and not all(is_blank(c) for c in inline):
            yield inline
        inline = []
        yield child
    if inline and not all(is_blank(c) for c in inline):
        yield inline


def collapse(pieces: list[Piece]) -> list[Piece]:
    """HTML whitespace collapsing over a paragraph's pieces (leading/trailing spaces dropped)."""
    out: list[Piece] = []
    after_space = True
    for piece in pieces:
        if piece.brk:
            _strip_trailing(out)
            out.append(piece)
            after_space = True
            continue
        text = _HTML_SPACE.sub(" ", piece.text)
        if after_space and text.startswith(" "):
            text = text[1:]
        if not text:
            continue
        after_space = text.endswith(" ")
        out.append(Piece(text, piece.fmt, piece.anchor, live=piece.live))
    _strip_trailing(out)
    return out


def _strip_trailing(out: list[Piece]) -> None:
    while out and not out[-1].brk and out[-1].text.endswith(" "):
        text = out[-1].text.rstrip(" ")
        if text:
            out[-1] = Piece(text, out[-1].fmt, out[-1].anchor, live=out[-1].live)
            return
        out.pop()


def is_blank(node: Node | str) -> bool:
    """True for whitespace-only text between block elements."""
    return isinstance(node, str) and not _HTML_SPACE.sub("", node)
