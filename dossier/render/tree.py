"""The document's HTML as a tree: parsed once from the template's output, patched as nodes, serialised once.

`parse` reads HTML with the standard library's parser into `Node`s (elements), text strings, `Comment`s
(the templates' markers such as `<!--TOC-->`) and `Declaration`s (the doctype), keeping whitespace exactly as
written; text and attribute values are unescaped (text is text) and made safe for XML (`xml_safe`). Optional
end tags of the subset (`</p>`, `</li>`, `</td>` ...) are implied as HTML implies them. `serialise` writes the
tree back: text escaped (& < >), attribute values double-quoted and escaped, void elements without end tags,
the contents of <style> and <script> as they were. render/html.py runs every pass on the tree; render/docx.py
walks its <body>; the serialised string is the document's .html and what weasyprint reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
RAW_TEXT = frozenset({"style", "script"})  # their text is not HTML: never escaped, never a document's text

# characters XML 1.0 cannot hold, plus lone surrogates and the two non-characters
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_HTML_SPACE = re.compile("[ \t\n\r\f]+")


def xml_safe(text: str) -> str:
    """Replace characters that XML 1.0 cannot represent by U+FFFD (text stays otherwise literal)."""
    return _XML_INVALID.sub("\ufffd", text)


@dataclass(frozen=True)
class Comment:
    """An HTML comment, `<!--text-->`: a template's marker until a pass replaces it."""

    text: str


@dataclass(frozen=True)
class Declaration:
    """A declaration such as the doctype, `<!DOCTYPE html>`, kept as written."""

    text: str


@dataclass
class Node:
    """One element: tag, attributes (sanitised) and children (Nodes, text strings, Comments, Declarations)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str | Comment | Declaration] = field(default_factory=list)

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
        """All descendant text, whitespace-collapsed (each element's own text stripped)."""
        parts = [c if isinstance(c, str) else c.text() for c in self.children if isinstance(c, str | Node)]
        return _HTML_SPACE.sub(" ", "".join(parts)).strip()

    def raw_text(self) -> str:
        """All descendant text as written (no comments)."""
        return "".join(c if isinstance(c, str) else c.raw_text() if isinstance(c, Node) else ""
                       for c in self.children)

    def body(self) -> Node:
        """The <body> element of a parsed document (a <body> holding this node's children when it has none)."""
        return next((node for node in self.iter() if node.tag == "body"), None) or Node("body", {}, self.children)


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
        self.stack[-1].children.append(Node(tag, {k: xml_safe(v or "") for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not data:
            return
        children = self.stack[-1].children
        if children and isinstance(children[-1], str):  # one text node between two other nodes
            children[-1] += xml_safe(data)
        else:
            children.append(xml_safe(data))

    def handle_comment(self, data: str) -> None:
        self.stack[-1].children.append(Comment(xml_safe(data)))

    def handle_decl(self, decl: str) -> None:
        self.stack[-1].children.append(Declaration(xml_safe(decl)))


def parse(html: str) -> Node:
    """The tree of a whole document: a "#document" node holding the doctype and <html> (or whatever
    `html` holds at its top level)."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def drop_comments(node: Node) -> Node:
    """`node` without its comments at every depth, and without declarations below a "#document"'s own (the
    doctype stays): they are no content of the document."""
    kept: list[Node | str | Comment | Declaration] = []
    for child in node.children:
        if isinstance(child, Comment) or (isinstance(child, Declaration) and node.tag != "#document"):
            continue
        if isinstance(child, str) and kept and isinstance(kept[-1], str):
            kept[-1] += child  # the texts either side of a comment are one text
        else:
            kept.append(child)
    node.children = kept
    for child in node.elements():
        drop_comments(child)
    return node


def parse_html(html: str) -> Node:
    """Parse HTML given as a string (a test's, or a writer's Markdown as HTML) into a tree without comments;
    returns the `<body>` element (or a synthetic one holding everything)."""
    return drop_comments(parse(html)).body()


def escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(value: str) -> str:
    return escape_text(value).replace('"', "&#34;")


def serialise(node: Node | str | Comment | Declaration, raw: bool = False) -> str:
    """The HTML of `node` (a "#document" gives the whole document)."""
    out: list[str] = []
    _write(node, raw, out)
    return "".join(out)


def _write(node: Node | str | Comment | Declaration, raw: bool, out: list[str]) -> None:
    if isinstance(node, str):
        out.append(node if raw else escape_text(node))
    elif isinstance(node, Comment):
        out.append(f"<!--{node.text}-->")
    elif isinstance(node, Declaration):
        out.append(f"<!{node.text}>")
    else:
        if node.tag != "#document":
            out.append(f"<{node.tag}" + "".join(f' {k}="{escape_attribute(v)}"' for k, v in node.attrs.items()) + ">")
        if node.tag in VOID:
            return
        inner_raw = node.tag in RAW_TEXT
        for child in node.children:
            _write(child, inner_raw, out)
        if node.tag != "#document":
            out.append(f"</{node.tag}>")
