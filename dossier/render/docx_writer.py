"""The walk of the HTML subset into a Word document (dossier.render.docx composes, paginates and writes it): every
element and class of the subset table in docs/architecture.md to a style of the reference document, anything
else a RenderError; runs, lists, the TOC field, figures and pictures (the page and section properties: docx_page)."""

from __future__ import annotations

from pathlib import Path

from docx.image.image import Image
from docx.oxml.ns import qn

from dossier.errors import RenderError
from dossier.render import DEFAULT_PAGE_FOOTERS, resolve_resource
from dossier.render.docx_html import INLINE, Node, Piece, blocks_and_runs, inline_pieces, is_blank
from dossier.render.docx_ooxml import (
    EMU_PER_TWIP,
    LIVE_STYLE,
    bookmark_end,
    bookmark_names,
    bookmark_start,
    break_run,
    content_control,
    el,
    field_begin,
    field_end,
    field_runs,
    hyperlink,
    live_number_style,
    ppr_set,
    rpr,
    run,
)
from dossier.render.docx_page import PageSetup
from dossier.render.docx_sections import section_control
from dossier.render.docx_tables import build_table, wrap_header

P_STYLES = {
    "": "Normal", "notice": "Notice", "footnote": "Table Footnote", "caption": "Caption",
    "summary": "Criterion Summary", "toc-title": "TOC Heading", "cover-title": "Title",
    "cover-subtitle": "Subtitle", "draft-mark": "Draft Mark",
}
SYNTHETIC_MARK = "SYNTHETIC DATA"
PAGE_PLACEHOLDER = "00"  # the width of a page number while LibreOffice lays the document out
PICTURE_TYPES = {".png", ".jpg", ".jpeg"}
# Japanese is never set in italic (there is no oblique Japanese): a Japanese document marks the writer's
# *emphasis* with a dotted underline, as print.css does for the PDF, and its styles lose their italics
JAPANESE_EMPHASIS = "dotted"


class Writer(PageSetup):
    """Walks the parsed HTML subset into a python-docx Document on the reference document's styles."""

    def __init__(self, document, resource_dirs: list[Path], lang: str) -> None:
        self.doc = document
        self.dirs = resource_dirs
        self.lang = lang
        self.body = document.element.body
        for child in list(self.body):
            if child.tag != qn("w:sectPr"):
                self.body.remove(child)
        self.sect = self.body.find(qn("w:sectPr"))
        if self.sect is None:
            raise RenderError("reference document has no section properties")
        size, margins = self.sect.find(qn("w:pgSz")), self.sect.find(qn("w:pgMar"))
        self.page = (int(size.get(qn("w:w"))), int(size.get(qn("w:h"))))
        self.margins = {k: int(margins.get(qn(f"w:{k}"), "1417")) for k in ("left", "right", "top", "bottom")}
        self.style_ids = {}
        for style in document.styles.element.findall(qn("w:style")):
            name = style.find(qn("w:name"))
            if name is not None:
                self.style_ids[name.get(qn("w:val")).lower()] = style.get(qn("w:styleId"))
        self.style_ids[LIVE_STYLE.lower()] = live_number_style(document.styles.element, self.style_ids)
        self.next_live = 1  # w:id of the next live number's content control
        self.landscape = False  # orientation of the section being written
        self.want_landscape = False  # orientation the next block needs
        self.page_break = False
        self.pending_ids: list[str] = []
        self.bookmarks: dict[str, str] = {}
        self.next_bookmark = 1
        self.header_rids: dict[bool, str] = {}
        self.header_text = ""
        self.synthetic = False
        self.toc_pages: list[tuple[str, object]] = []  # (bookmark, w:t holding its cached page number)

    # ------------------------------------------------------------ document

    def write(self, body: Node) -> None:
        self.header_text = body.attrs.get("data-header", "")
        self.synthetic = body.attrs.get("data-synthetic", "").lower() == "true"
        self.page_footer = body.attrs.get("data-page-footer") or DEFAULT_PAGE_FOOTERS.get(self.lang, DEFAULT_PAGE_FOOTERS["en"])
        self.synthetic_mark = body.attrs.get("data-synthetic-mark") or SYNTHETIC_MARK  # the glossary's synthetic_data
        self.bookmarks = bookmark_names(n.attrs["id"] for n in body.iter() if n.attrs.get("id"))
        self._language()
        self._footer()
        self._set_header(False)
        self._container(body)
        last = self.sect.getprevious()
        if last is None or last.tag == qn("w:tbl"):  # Word wants a paragraph after a final table
            self.sect.addprevious(el("w:p"))

    def style(self, name: str) -> str:
        try:
            return self.style_ids[name.lower()]
        except KeyError:
            raise RenderError(f"style {name!r} missing from the reference document") from None

    def _append(self, element) -> None:
        self._sync_orientation()
        self.sect.addprevious(element)

    # ------------------------------------------------------------ paragraphs and runs

    def paragraph(self, style: str, pieces: list[Piece], *, body: bool = True, align: str | None = None,
                  indent: int = 0, bold: bool = False, numbering: tuple[int, int] | None = None,
                  link_style: bool = True, lead=(), tail=()) -> object:
        """Build (and for body paragraphs append) a paragraph of `pieces` in `style`."""
        if body:
            self._sync_orientation()
        p = el("w:p")
        ppr_set(p, el("w:pStyle", {"w:val": self.style(style)}))
        if body and self.page_break:
            ppr_set(p, el("w:pageBreakBefore"))
            self.page_break = False
        if numbering:
            ppr_set(p, el("w:numPr", None, el("w:ilvl", {"w:val": str(numbering[0])}),
                          el("w:numId", {"w:val": str(numbering[1])})))
        if indent:
            ppr_set(p, el("w:ind", {"w:left": str(indent)}))
        if align:
            ppr_set(p, el("w:jc", {"w:val": align}))
        for r in lead:
            p.append(r)
        ends = []
        for ident in self.pending_ids:
            if ident in self.bookmarks:
                p.append(bookmark_start(self.next_bookmark, self.bookmarks[ident]))
                ends.append(bookmark_end(self.next_bookmark))
                self.next_bookmark += 1
        self.pending_ids = []
        self._runs(p, pieces, bold, link_style)
        for node in ends + list(tail):
            p.append(node)
        if body:
            self._append(p)
        return p

    def _runs(self, p, pieces: list[Piece], bold: bool, link_style: bool) -> None:
        group: list = []
        anchor: str | None = None
        live: tuple[str, object] | None = None  # the open content control: (reference, its content)
        for piece in pieces + [None]:
            piece_anchor = piece.anchor if piece is not None else None
            if group and (piece is None or piece_anchor != anchor):
                target = self.bookmarks.get(anchor) if anchor else None
                if target:
                    p.append(hyperlink(target, group))
                else:
                    for r in group:
                        p.append(r)
                group, live = [], None
            if piece is None:
                break
            anchor = piece_anchor
            linked = link_style and piece_anchor is not None and piece_anchor in self.bookmarks
            style = self.style("HTML Code") if "code" in piece.fmt else self.style("Hyperlink") if linked else None
            if style is None and piece.live:
                style = self.style(LIVE_STYLE)
            vert = "superscript" if "sup" in piece.fmt else "subscript" if "sub" in piece.fmt else None
            emphasis = "i" in piece.fmt
            props = rpr(style=style, bold=bold or "b" in piece.fmt, italic=emphasis and self.lang != "ja", vert=vert,
                        underline=JAPANESE_EMPHASIS if emphasis and self.lang == "ja" else None)
            r = break_run(None, props) if piece.brk else run(piece.text, props)
            if not piece.live:
                live = None
                group.append(r)
                continue
            if live is None or live[0] != piece.live:
                sdt, content = content_control(piece.live, self.next_live)
                self.next_live += 1
                group.append(sdt)
                live = (piece.live, content)
            live[1].append(r)

    # ------------------------------------------------------------ blocks

    def _container(self, node: Node) -> None:
        for part in blocks_and_runs(node.children):
            if isinstance(part, list):
                self.paragraph("Normal", inline_pieces(part))
            else:
                self.block(part)

    def block(self, node: Node) -> None:
        """Map one block-level element of the subset to Word."""
        tag, classes = node.tag, node.classes
        if node.attrs.get("id") and tag not in ("h1", "h2", "h3", "h4"):
            self.pending_ids.append(node.attrs["id"])
        if tag == "section" and classes <= {"cover"}:
            self._container(node)
            if classes:
                self.page_break = True
        elif tag == "div" and not classes:
            self._container(node)
        elif tag == "div" and classes == {"writer-text"} and node.attrs.get("data-key"):
            self._section(node)
        elif tag == "div" and classes == {"page-break"}:
            self.page_break = True
        elif tag == "div" and classes in ({"table-block"}, {"table-block", "landscape"}):
            before = self.want_landscape
            self.want_landscape = "landscape" in classes
            self._container(node)
            self.want_landscape = before
        elif tag == "nav" and classes == {"toc"}:
            self._toc(node)
        elif tag in ("h1", "h2", "h3", "h4") and not classes:
            if node.attrs.get("id"):
                self.pending_ids.append(node.attrs["id"])
            self.paragraph(f"Heading {tag[1]}", inline_pieces(node.children))
        elif tag == "p" and " ".join(sorted(classes)) in P_STYLES:
            if classes == {"footnote"}:
                self._keep_with_footnote()
            self.paragraph(P_STYLES[" ".join(sorted(classes))], inline_pieces(node.children))
        elif tag in ("ul", "ol") and not classes:
            self._list(node, 0)
        elif tag == "table":
            width = self.text_width()
            style = self.style("Fields Table" if classes == {"fields"} else "Evidence Table")
            if self.page_break:
                self.paragraph("Normal", [])
            table = build_table(node, width, style, self._cell)
            self._sync_orientation()
            previous = self.sect.getprevious()
            if previous is not None and previous.tag == qn("w:tbl"):  # adjacent tables would merge in Word
                self.sect.addprevious(el("w:p", None, el("w:pPr", None, el("w:pStyle",
                                                                             {"w:val": self.style("Normal")}))))
            self._append(table)
        elif tag == "figure" and not classes:
            self._figure(node)
        else:
            detail = f' class="{node.attrs["class"]}"' if classes else ""
            raise RenderError(f"unsupported element <{tag}{detail}> in document HTML")

    def _keep_with_footnote(self) -> None:
        """A footnote is never alone on a page: the table's last row (or the footnote before) keeps with it."""
        previous = self.sect.getprevious()
        if previous is None:
            return
        if previous.tag == qn("w:tbl"):
            rows = previous.findall(qn("w:tr"))
            paragraphs = rows[-1].iter(qn("w:p")) if rows else ()
        elif previous.tag == qn("w:p") and previous.find(qn("w:pPr") + "/" + qn("w:sectPr")) is None:
            style = previous.find(qn("w:pPr") + "/" + qn("w:pStyle"))
            paragraphs = [previous] if style is not None and style.get(qn("w:val")) == self.style("Table Footnote") else ()
        else:
            paragraphs = ()
        for p in paragraphs:
            ppr_set(p, el("w:keepNext"))

    def _section(self, node: Node) -> None:
        """A writer's section: its paragraphs inside a content control tagged with its key."""
        self._sync_orientation()
        mark = el("w:bookmarkEnd")  # a temporary marker (removed below): the paragraphs written after it are the section's
        self.sect.addprevious(mark)
        self._container(node)
        sdt, content = section_control(node.attrs["data-key"], self.next_live)
        self.next_live += 1
        for element in list(mark.itersiblings()):
            if element is self.sect:
                break
            content.append(element)
        mark.addprevious(sdt)
        mark.getparent().remove(mark)

    def _cell(self, node: Node, style: str, align: str | None, indent: int, bold: bool,
              room: float | None = None) -> list:
        blocks = [c for c in node.elements() if c.tag not in INLINE]
        if not blocks:
            pieces = inline_pieces(node.children)
            if room is not None:  # a column header: its lines broken between words
                pieces = wrap_header(pieces, room)
            return [self.paragraph(style, pieces, body=False, align=align, indent=indent, bold=bold)]
        paragraphs = []
        for child in node.children:
            if is_blank(child):
                continue
            if not isinstance(child, Node) or child.tag != "p" or child.classes - {"footnote"}:
                raise RenderError("table cells hold inline content or <p> only in document HTML")
            paragraphs.append(self.paragraph("Table Footnote" if child.classes else style,
                                             inline_pieces(child.children), body=False, align=align,
                                             indent=indent, bold=bold))
        return paragraphs

    def _list(self, node: Node, level: int) -> None:
        ordered = node.tag == "ol"
        shown = min(level, 2)  # Word styles exist for 3 levels; deeper items stay at the third
        style = ("List Number" if ordered else "List Bullet") + (f" {shown + 1}" if shown else "")
        numbering = (shown, self._restart_numbering(style, shown)) if ordered else None
        for li in node.children:
            if is_blank(li):
                continue
            if not isinstance(li, Node) or li.tag != "li" or li.classes:
                raise RenderError("lists hold <li> items only in document HTML")
            if li.attrs.get("id"):
                self.pending_ids.append(li.attrs["id"])
            for child in blocks_and_runs(li.children):
                if isinstance(child, list):
                    self.paragraph(style, inline_pieces(child), numbering=numbering)
                elif child.tag in ("ul", "ol") and not child.classes:
                    self._list(child, level + 1)
                elif child.tag == "p" and not child.classes:
                    self.paragraph(style, inline_pieces(child.children), numbering=numbering)
                else:
                    raise RenderError(f"unsupported element <{child.tag}> in <li> in document HTML")

    def _restart_numbering(self, style: str, level: int) -> int:
        """A new w:num so that this <ol> starts again at 1 (same abstract numbering as the style)."""
        style_el = self.doc.styles.element.find(f"{qn('w:style')}[@{qn('w:styleId')}='{self.style(style)}']")
        num_id = style_el.find(f"{qn('w:pPr')}/{qn('w:numPr')}/{qn('w:numId')}") if style_el is not None else None
        if num_id is None:
            raise RenderError(f"style {style!r} in the reference document has no numbering")
        numbering = self.doc.part.numbering_part.element
        nums = numbering.findall(qn("w:num"))
        abstract = next((n.find(qn("w:abstractNumId")).get(qn("w:val")) for n in nums
                         if n.get(qn("w:numId")) == num_id.get(qn("w:val"))), None)
        if abstract is None:
            raise RenderError(f"numbering of style {style!r} missing from the reference document")
        new_id = max(int(n.get(qn("w:numId"))) for n in nums) + 1
        numbering.append(el("w:num", {"w:numId": str(new_id)}, el("w:abstractNumId", {"w:val": abstract}),
                            el("w:lvlOverride", {"w:ilvl": str(level)}, el("w:startOverride", {"w:val": "1"}))))
        return new_id

    def _toc(self, nav: Node) -> None:
        entries: list[tuple[str, list[Piece]]] = []
        for child in nav.children:
            if is_blank(child):
                continue
            if isinstance(child, Node) and child.tag == "p" and child.classes == {"toc-title"}:
                if entries:
                    raise RenderError("the TOC title must come before the TOC list in document HTML")
                self.paragraph("TOC Heading", inline_pieces(child.children))
            elif isinstance(child, Node) and child.tag == "ol" and child.classes == {"toc"}:
                for li in child.children:
                    if is_blank(li):
                        continue
                    if not (isinstance(li, Node) and li.tag == "li" and li.classes in ({"toc-1"}, {"toc-2"}, {"toc-3"})):
                        raise RenderError('TOC lists hold <li class="toc-1|2|3"> items only in document HTML')
                    level = next(iter(li.classes))[-1]
                    entries.append((f"TOC {level}", inline_pieces(li.children)))
            else:
                raise RenderError("unsupported element in <nav class=\"toc\"> in document HTML")
        # A real TOC field (Word regenerates it on "Update field") whose cached result is the
        # entries, each with a PAGEREF field whose cached number write_docx_all fills in after layout.
        begin = field_begin('TOC \\o "1-3" \\h \\z \\u')
        if not entries:
            self.paragraph("Normal", [], lead=begin, tail=[field_end()])
            return
        for i, (style, pieces) in enumerate(entries):
            target = next((self.bookmarks[p.anchor] for p in pieces if p.anchor in self.bookmarks), None)
            tail = []
            if target:
                number = field_runs(f"PAGEREF {target} \\h", PAGE_PLACEHOLDER)
                self.toc_pages.append((target, number[3].find(qn("w:t"))))
                tail = [el("w:r", None, el("w:tab")), *number]
            if i == len(entries) - 1:
                tail.append(field_end())
            self.paragraph(style, pieces, link_style=False, lead=begin if i == 0 else (), tail=tail)

    def _figure(self, node: Node) -> None:
        for child in node.children:
            if is_blank(child):
                continue
            if not isinstance(child, Node):
                raise RenderError("text directly inside <figure> in document HTML")
            if child.tag == "img" and not child.classes:
                self._picture(child)
            elif child.tag == "figcaption" and not child.classes:
                self.paragraph("Caption", inline_pieces(child.children))
            elif child.tag == "p":
                self.block(child)
            else:
                raise RenderError(f"unsupported element <{child.tag}> in <figure> in document HTML")

    def _picture(self, img: Node) -> None:
        src = img.attrs.get("src", "")
        path = resolve_resource(src, self.dirs)
        if path is None:
            raise RenderError(f"picture {src!r} is not a file inside the build's resource folders")
        if path.suffix.lower() not in PICTURE_TYPES:
            raise RenderError(f"picture {src!r}: only PNG or JPEG pictures can go into the DOCX")
        try:
            image = Image.from_file(str(path))
        except Exception as exc:  # unreadable image
            raise RenderError(f"picture {src!r} cannot be read: {exc}") from exc
        width = self.text_width() * EMU_PER_TWIP
        height = width * image.px_height // max(1, image.px_width)
        max_height = int((self.page[0] if self.want_landscape else self.page[1]) * 0.6) * EMU_PER_TWIP
        if height > max_height:
            width, height = width * max_height // height, max_height
        inline = self.doc.part.new_pic_inline(str(path), width, height)
        doc_pr = inline.find(qn("wp:docPr"))
        if doc_pr is not None:
            doc_pr.set("descr", img.attrs.get("alt", ""))
        p = self.paragraph("Figure", [])
        p.append(el("w:r", None, el("w:drawing", None, inline)))
