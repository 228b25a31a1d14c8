"""A small, strict HTML tree for the DOCX writer (standard library only).

The templates emit the HTML subset of docs/architecture.md; this module parses it into `Node`s,
sanitises text for XML (control characters -> U+FFFD) and flattens inline content into
`Piece`s with HTML whitespace collapsing, so `docx.py` only walks a clean tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from dossier.errors import RenderError

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
INLINE = frozenset({"strong", "em", "sup", "sub", "br", "span", "code", "a"})

# characters XML 1.0 cannot hold, plus lone surrogates and the two non-characters
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_HTML_SPACE = re.compile("[ \t\n\r\f]+")


def xml_safe(text: str) -> str:
    """Replace characters that XML 1.0 cannot represent by U+FFFD (text stays otherwise literal)."""
    return _XML_INVALID.sub("\ufffd", text)


@dataclass
class Node:
    """One element: tag, attributes (sanitised) and children (Nodes or text strings)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> frozenset[str]:
        return frozenset(self.attrs.get("class", "").split())

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    def iter(self):
        """Depth-first iteration over this node and every descendant element."""
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def text(self) -> str:
        """All descendant text, whitespace-collapsed."""
        parts: list[str] = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else child.text())
        return _HTML_SPACE.sub(" ", "".join(parts)).strip()


# start tag -> open tags it implicitly closes (HTML optional end tags), stopping at the scope tags
_IMPLIED_END = {
    "p": ({"p"}, {"div", "section", "nav", "body", "td", "th", "li", "figure"}),
    "li": ({"li"}, {"ul", "ol"}),
    "tr": ({"tr", "td", "th"}, {"table", "thead", "tbody"}),
    "td": ({"td", "th"}, {"tr", "table"}),
    "th": ({"td", "th"}, {"tr", "table"}),
    "thead": ({"thead", "tbody", "tr", "td", "th"}, {"table"}),
    "tbody": ({"thead", "tbody", "tr", "td", "th"}, {"table"}),
}


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack: list[Node] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _IMPLIED_END:
            closes, scope = _IMPLIED_END[tag]
            for i in range(len(self.stack) - 1, 0, -1):
                open_tag = self.stack[i].tag
                if open_tag in scope:
                    break
                if open_tag in closes:
                    del self.stack[i:]
                    break
        node = Node(tag, {k: xml_safe(v or "") for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: xml_safe(v or "") for k, v in attrs})
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if data:
            self.stack[-1].children.append(xml_safe(data))


def parse_html(html: str) -> Node:
    """Parse a document into a tree; returns the `<body>` element (or a synthetic one)."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    for node in builder.root.iter():
        if node.tag == "body":
            return node
    body = Node("body", {}, builder.root.children)
    return body


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
