"""Low-level WordprocessingML helpers for the DOCX writer: runs, fields, bookmarks, links, zip.

Elements are built directly with lxml (through python-docx's `OxmlElement`) so large tables and
documents stay fast, and child order follows the OOXML schema sequences.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

TWIPS_PER_MM = 1440 / 25.4
EMU_PER_TWIP = 635

# entries a package reader looks for first; everything else follows in name order


def el(tag: str, attrs: dict[str, str] | None = None, *children) -> OxmlElement:
    """Create `tag` ("w:p") with prefixed attributes ({"w:val": "x"}) and children."""
    node = OxmlElement(tag, {qn(k): str(v) for k, v in (attrs or {}).items()})
    for child in children:
        if child is not None:
            node.append(child)
    return node


def text_el(text: str, tag: str = "w:t") -> OxmlElement:
    node = el(tag)
    node.text = text
    if text != text.strip() or "  " in text:
        node.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return node


# rPr children in schema order
_RPR_ORDER = ("w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:color", "w:sz", "w:szCs", "w:u",
              "w:vertAlign")


def rpr(*, style: str | None = None, bold: bool = False, italic: bool = False, color: str | None = None,
        vert: str | None = None, underline: str | None = None) -> OxmlElement | None:
    """Run properties, or None when nothing is set (`underline`: a w:u value such as "dotted")."""
    children = []
    if style:
        children.append(el("w:rStyle", {"w:val": style}))
    if bold:
        children += [el("w:b"), el("w:bCs")]
    if italic:
        children += [el("w:i"), el("w:iCs")]
    if color:
        children.append(el("w:color", {"w:val": color}))
    if underline:
        children.append(el("w:u", {"w:val": underline}))
    if vert:
        children.append(el("w:vertAlign", {"w:val": vert}))
    return el("w:rPr", None, *children) if children else None


def run(text: str, props: OxmlElement | None = None) -> OxmlElement:
    """A text run (text is literal; the caller has made it XML-safe)."""
    r = el("w:r")
    if props is not None:
        r.append(props)
    r.append(text_el(text))
    return r


def break_run(kind: str | None = None, props: OxmlElement | None = None) -> OxmlElement:
    r = el("w:r")
    if props is not None:
        r.append(props)
    r.append(el("w:br", {"w:type": kind} if kind else None))
    return r


def field_runs(instruction: str, cached: str = "", props_factory=None) -> list[OxmlElement]:
    """A complex field (begin / instrText / separate / cached result / end) as a list of runs."""
    def props():
        return props_factory() if props_factory else None

    runs = [_fld_char("begin", props())]
    instr = el("w:r", None, props())
    instr.append(text_el(f" {instruction} ", "w:instrText"))
    instr.find(qn("w:instrText")).set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    runs.append(instr)
    runs.append(_fld_char("separate", props()))
    if cached:
        runs.append(run(cached, props()))
    runs.append(_fld_char("end", props()))
    return runs


def field_begin(instruction: str) -> list[OxmlElement]:
    """The opening half of a field whose cached result spans several paragraphs (a TOC)."""
    instr = el("w:r")
    instr.append(text_el(f" {instruction} ", "w:instrText"))
    instr.find(qn("w:instrText")).set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return [_fld_char("begin", None), instr, _fld_char("separate", None)]


def field_end() -> OxmlElement:
    return _fld_char("end", None)


def _fld_char(kind: str, props: OxmlElement | None) -> OxmlElement:
    return el("w:r", None, props, el("w:fldChar", {"w:fldCharType": kind}))


def hyperlink(anchor: str, runs: Iterable[OxmlElement]) -> OxmlElement:
    """An internal hyperlink to a bookmark."""
    link = el("w:hyperlink", {"w:anchor": anchor, "w:history": "1"})
    for r in runs:
        link.append(r)
    return link


def bookmark_start(ident: int, name: str) -> OxmlElement:
    return el("w:bookmarkStart", {"w:id": str(ident), "w:name": name})


def bookmark_end(ident: int) -> OxmlElement:
    return el("w:bookmarkEnd", {"w:id": str(ident)})


def bookmark_names(ids: Iterable[str]) -> dict[str, str]:
    """Map HTML ids to valid, unique Word bookmark names (letters, digits, '_'; <= 40 chars).

    Word refuses names with '-' or starting with a digit or '_' (hidden bookmarks), so
    "sec-1.2" becomes "sec_1_2"; a clash or an over-long name gets a numeric suffix.
    """
    names: dict[str, str] = {}
    used: set[str] = set()
    for ident in ids:
        if ident in names:
            continue
        base = re.sub(r"[^A-Za-z0-9_]", "_", ident)
        if not base or not base[0].isalpha() or not base.isascii():
            base = "id_" + base
        base = base[:36]
        name, n = base, 1
        while name.lower() in used:
            n += 1
            name = f"{base[: 36 - len(str(n))]}_{n}"
        used.add(name.lower())
        names[ident] = name
    return names


# pPr children in schema order (subset used here)
_PPR_ORDER = ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:numPr", "w:tabs", "w:spacing", "w:ind",
              "w:jc", "w:rPr", "w:sectPr")


def ppr_set(p: OxmlElement, child: OxmlElement) -> None:
    """Put `child` into p's pPr at its schema position (replacing one of the same tag)."""
    ppr = p.find(qn("w:pPr"))
    if ppr is None:
        ppr = el("w:pPr")
        p.insert(0, ppr)
    tag = child.tag
    old = ppr.find(tag)
    if old is not None:
        ppr.replace(old, child)
        return
    order = [qn(t) for t in _PPR_ORDER]
    rank = order.index(tag) if tag in order else len(order)
    for i, existing in enumerate(ppr):
        if existing.tag in order and order.index(existing.tag) > rank:
            ppr.insert(i, child)
            return
    ppr.append(child)




LIVE_STYLE = "Live Number"  # character style of live numbers (added when reference.docx lacks it)
LIVE_SHADING = "EAF1FB"


def live_number_style(styles: OxmlElement, style_ids: dict[str, str]) -> str:
    """The style id of the character style "Live Number": the reference document's when it defines
    one (a writer can make it plain there), else one added with a subtle light-blue shading."""
    if LIVE_STYLE.lower() in style_ids:
        return style_ids[LIVE_STYLE.lower()]
    default_font = next((s.get(qn("w:styleId")) for s in styles.findall(qn("w:style"))
                         if s.get(qn("w:type")) == "character" and s.get(qn("w:default")) == "1"), None)
    styles.append(el("w:style", {"w:type": "character", "w:customStyle": "1", "w:styleId": "LiveNumber"},
                     el("w:name", {"w:val": LIVE_STYLE}),
                     el("w:basedOn", {"w:val": default_font}) if default_font else None,
                     el("w:uiPriority", {"w:val": "99"}),
                     el("w:rPr", None, el("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": LIVE_SHADING}))))
    return "LiveNumber"


def content_control(ref: str, ident: int) -> tuple[OxmlElement, OxmlElement]:
    """A content control tagged with a live reference, its content locked, and its content element.

    A rich-text control (no w:text): LibreOffice 7.4 turns a plain-text one into an input field
    and drops the tracked changes of a redline inside it."""
    content = el("w:sdtContent")
    props = el("w:sdtPr", None, el("w:alias", {"w:val": LIVE_STYLE}), el("w:tag", {"w:val": ref}),
               el("w:id", {"w:val": str(ident)}), el("w:lock", {"w:val": "contentLocked"}))
    return el("w:sdt", None, props, content), content


FIXED_DATE = datetime.datetime(2000, 1, 1)


def set_core_properties(document, *, title: str, when: datetime.date | None, language: str | None = None) -> None:
    """Reproducible core properties: author "dossier", revision 1, fixed or given dates, no editor."""
    core = document.core_properties
    core.title = title
    core.author = "dossier"
    core.comments = ""
    core.revision = 1
    if language:
        core.language = language
    stamp = FIXED_DATE if when is None else datetime.datetime(when.year, when.month, when.day)
    core.created = core.modified = stamp
    element = core._element
    for child in list(element):
        if child.tag.endswith("}lastModifiedBy") or child.tag.endswith("}lastPrinted"):
            element.remove(child)
