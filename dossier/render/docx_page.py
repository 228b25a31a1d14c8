"""The document-wide and section properties the DOCX writer (render/docx_writer.Writer) sets: the languages of
the runs, the page footer, the running header of each orientation, and a new section when a block needs the
other orientation (a landscape table)."""

from __future__ import annotations

import copy

from docx.enum.section import WD_HEADER_FOOTER
from docx.oxml.ns import qn

from dossier.errors import RenderError
from dossier.render import page_footer_pieces
from dossier.render.docx_ooxml import el, field_runs, ppr_set, rpr, run

LANGUAGES = {"en": "en-GB", "ja": "ja-JP"}


class PageSetup:
    """The Writer's page and section methods (a mixin: the attributes are the Writer's, set in its __init__:
    doc, lang, sect, page, margins, want_landscape, landscape, header_rids, header_text, synthetic,
    synthetic_mark, page_footer, page_break)."""

    def _language(self) -> None:
        # w:val is the language of Latin-script runs, w:eastAsia that of Japanese runs: a Japanese
        # document keeps a Latin language for its English words, numbers and arm names, as Word's
        # own Japanese documents do (tagging Latin text ja-JP lets Word break words anywhere).
        tag = LANGUAGES.get(self.lang, self.lang)
        if tag == "ja-JP":
            tag = "en-US"
        rpr_default = self.doc.styles.element.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr_default is None:
            raise RenderError("reference document has no default run properties")
        lang = rpr_default.find(qn("w:lang"))
        if lang is None:
            lang = el("w:lang")
            rpr_default.append(lang)
        lang.set(qn("w:val"), tag)
        lang.set(qn("w:eastAsia"), "ja-JP")
        if self.lang == "ja":
            for italic in [*self.doc.styles.element.iter(qn("w:i")), *self.doc.styles.element.iter(qn("w:iCs"))]:
                italic.getparent().remove(italic)
        theme_lang = self.doc.settings.element.find(qn("w:themeFontLang"))
        if theme_lang is not None:
            theme_lang.set(qn("w:val"), tag)
            theme_lang.set(qn("w:eastAsia"), "ja-JP")

    def text_width(self, landscape: bool | None = None) -> int:
        wide = self.want_landscape if landscape is None else landscape
        return (self.page[1] if wide else self.page[0]) - self.margins["left"] - self.margins["right"]

    def _footer(self) -> None:
        part, rid = self.doc.part.add_footer_part()
        root = part.element
        for child in list(root):
            root.remove(child)
        p = el("w:p", None, el("w:pPr", None, el("w:pStyle", {"w:val": self.style("Footer")})))
        fields = {"page": "PAGE", "pages": "NUMPAGES"}
        for piece in page_footer_pieces(self.page_footer):
            if isinstance(piece, tuple):
                for r in field_runs(fields[piece[0]], "1"):
                    p.append(r)
            else:
                p.append(run(piece))
        root.append(p)
        self.sect.add_footerReference(WD_HEADER_FOOTER.PRIMARY, rid)

    def _set_header(self, landscape: bool) -> None:
        if landscape not in self.header_rids:
            part, rid = self.doc.part.add_header_part()
            root = part.element
            for child in list(root):
                root.remove(child)
            width = self.text_width(landscape)
            p = el("w:p", None, el("w:pPr", None, el("w:pStyle", {"w:val": self.style("Header")}),
                                   el("w:tabs", None, el("w:tab", {"w:val": "right", "w:pos": str(width)}))))
            if self.header_text:
                p.append(run(self.header_text))  # attribute values are already XML-safe
            if self.synthetic:
                p.append(el("w:r", None, el("w:tab")))
                p.append(run(self.synthetic_mark, rpr(bold=True, color="C00000")))
            root.append(p)
            self.header_rids[landscape] = rid
        if self.sect.get_headerReference(WD_HEADER_FOOTER.PRIMARY) is not None:
            self.sect.remove_headerReference(WD_HEADER_FOOTER.PRIMARY)
        self.sect.add_headerReference(WD_HEADER_FOOTER.PRIMARY, self.header_rids[landscape])

    def _sync_orientation(self) -> None:
        """Start a new section when the next block needs the other orientation."""
        if self.want_landscape == self.landscape:
            return
        last = self.sect.getprevious()
        if last is None or last.tag != qn("w:p") or last.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None:
            last = el("w:p")
            self.sect.addprevious(last)
        ppr_set(last, copy.deepcopy(self.sect))  # the ending section keeps its own properties
        self.landscape = self.want_landscape
        size = self.sect.find(qn("w:pgSz"))
        width, height = (self.page[1], self.page[0]) if self.landscape else self.page
        size.set(qn("w:w"), str(width))
        size.set(qn("w:h"), str(height))
        if self.landscape:
            size.set(qn("w:orient"), "landscape")
        elif qn("w:orient") in size.attrib:
            del size.attrib[qn("w:orient")]
        self._set_header(self.landscape)
        self.page_break = False  # the section break already starts a new page

