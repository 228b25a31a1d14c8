"""Generate `templates/reference.docx`, the Word template every DOCX is written on (a development tool, not
part of the installed package: builds use the file; tests/test_render_docx.py checks it is up to date).

`make reference-docx` (`python scripts/reference_docx.py templates/reference.docx`) regenerates it from
python-docx's default template: A4 with 25 mm margins, Liberation Sans (metric-compatible with
Arial; the font table tells Word to substitute Arial where it is missing) with 游ゴシック (Yu Gothic,
which every Japanese Word has; the font table names ＭＳ ゴシック as its substitute) for East Asian
text, the theme's Japanese fonts 游ゴシック (headings) and 游明朝 (body; ＭＳ 明朝 its substitute),
no automatic space between Japanese and Latin text or digits (w:autoSpaceDE/w:autoSpaceDN off, as in
the PDF, where weasyprint inserts none either), and every
style named in docs/architecture.md's HTML subset table, plus the helper styles the writer uses
(Table Text, Table Heading, Figure, Hyperlink, HTML Code). Output bytes are deterministic.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from dossier.render.docx_ooxml import TWIPS_PER_MM, set_core_properties
from dossier.render.zipfiles import deterministic_zip

LATIN = "Liberation Sans"
EAST_ASIAN = "游ゴシック"  # a Gothic, as the PDF's embedded Noto Sans CJK JP
EAST_ASIAN_SERIF = "游明朝"
THEME_FONTS = {"major": EAST_ASIAN, "minor": EAST_ASIAN_SERIF}  # Word's own Japanese theme fonts
MONO = "Liberation Mono"
ACCENT = "1F3864"  # dark navy for headings and rules
MARGIN_MM = 25
A4_TWIPS = (11906, 16838)
TEXT_WIDTH = A4_TWIPS[0] - 2 * round(MARGIN_MM * TWIPS_PER_MM)

# no space inserted between Japanese and Latin text or digits (the PDF inserts none): in the defaults and in
# Normal, which every paragraph style is based on (LibreOffice reads it from the style, not the defaults)
NO_AUTOSPACE = '<w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/>'
_FONTS = f'<w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:eastAsia="{EAST_ASIAN}" w:cs="{LATIN}"/>'


def _style(kind: str, sid: str, name: str, *, based: str | None = "Normal", nxt: str | None = None,
           ppr: str = "", rpr: str = "", extra: str = "", default: bool = False, prio: int = 10) -> str:
    head = f'<w:style w:type="{kind}" w:styleId="{sid}"' + (' w:default="1"' if default else "") + ">"
    parts = [head, f'<w:name w:val="{name}"/>']
    if based:
        parts.append(f'<w:basedOn w:val="{based}"/>')
    if nxt:
        parts.append(f'<w:next w:val="{nxt}"/>')
    parts.append(f'<w:uiPriority w:val="{prio}"/><w:qFormat/>')
    if ppr:
        parts.append(f"<w:pPr>{ppr}</w:pPr>")
    if rpr:
        parts.append(f"<w:rPr>{rpr}</w:rPr>")
    parts.append(extra)
    parts.append("</w:style>")
    return "".join(parts)


def _sz(half_points: int) -> str:
    return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'


def _border(side: str, size: int, color: str, space: int = 0) -> str:
    return f'<w:{side} w:val="single" w:sz="{size}" w:space="{space}" w:color="{color}"/>'


def _box(size: int, color: str, space: int = 4) -> str:
    return "".join(_border(s, size, color, space) for s in ("top", "left", "bottom", "right"))


def _toc_tabs() -> str:
    return f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{TEXT_WIDTH}"/></w:tabs>'


def styles_xml() -> str:
    """The complete styles part."""
    p, c, t = "paragraph", "character", "table"
    heading = [(1, 32, "<w:pageBreakBefore/>", 0, 240, _border("bottom", 8, ACCENT, 4)),
               (2, 26, "", 360, 120, ""), (3, 22, "", 280, 100, ""), (4, 21, "", 240, 80, "")]
    styles = [
        _style(p, "Normal", "Normal", based=None, default=True, prio=0,
               ppr='<w:widowControl/>' + NO_AUTOSPACE + '<w:spacing w:after="120" w:line="264" w:lineRule="auto"/>',
               rpr=_FONTS + _sz(21)),
        _style(c, "DefaultParagraphFont", "Default Paragraph Font", based=None, default=True, prio=1),
        _style(t, "TableNormal", "Normal Table", based=None, default=True, prio=99,
               extra='<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/>'
               '<w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>'
               "</w:tblCellMar></w:tblPr>"),
        ('<w:style w:type="numbering" w:default="1" w:styleId="NoList"><w:name w:val="No List"/>'
         '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/></w:style>'),
        _style(p, "Title", "Title", nxt="Subtitle",
               ppr='<w:keepNext/><w:spacing w:before="2880" w:after="240" w:line="240" w:lineRule="auto"/>'
               '<w:jc w:val="center"/>',
               rpr=f'<w:b/><w:bCs/><w:color w:val="{ACCENT}"/>' + _sz(44)),
        _style(p, "Subtitle", "Subtitle", ppr='<w:spacing w:after="240"/><w:jc w:val="center"/>',
               rpr='<w:color w:val="404040"/>' + _sz(28)),
        _style(p, "DraftMark", "Draft Mark",
               ppr=f'<w:pBdr>{_box(12, "C00000", 6)}</w:pBdr><w:spacing w:before="480" w:after="480"/>'
               '<w:ind w:left="1134" w:right="1134"/><w:jc w:val="center"/>',
               rpr='<w:b/><w:bCs/><w:color w:val="C00000"/>' + _sz(22)),
    ]
    for level, size, brk, before, after, bdr in heading:
        ppr = (f"<w:keepNext/><w:keepLines/>{brk}" + (f"<w:pBdr>{bdr}</w:pBdr>" if bdr else "")
               + f'<w:spacing w:before="{before}" w:after="{after}"/><w:outlineLvl w:val="{level - 1}"/>')
        rpr = "<w:b/><w:bCs/>" + ("<w:i/><w:iCs/>" if level == 4 else "")
        rpr += f'<w:color w:val="{ACCENT if level <= 2 else "000000"}"/>' + _sz(size)
        styles.append(_style(p, f"Heading{level}", f"heading {level}", nxt="Normal", prio=9, ppr=ppr, rpr=rpr))
    styles += [
        _style(p, "Notice", "Notice",
               ppr=f'<w:pBdr>{_box(12, "C55A11", 4)}</w:pBdr><w:shd w:val="clear" w:color="auto" w:fill="FFF2CC"/>'
               '<w:spacing w:before="160" w:after="160"/><w:ind w:left="113" w:right="113"/>',
               rpr='<w:b/><w:bCs/><w:color w:val="833C0B"/>'),
        _style(p, "TableFootnote", "Table Footnote",
               ppr='<w:spacing w:before="0" w:after="20" w:line="240" w:lineRule="auto"/>', rpr=_sz(16)),
        _style(p, "Caption", "caption", nxt="Normal", prio=35,
               ppr='<w:keepNext/><w:keepLines/><w:spacing w:before="240" w:after="80" w:line="240" w:lineRule="auto"/>',
               rpr="<w:b/><w:bCs/>" + _sz(20)),
        _style(p, "CriterionSummary", "Criterion Summary",
               ppr=f'<w:pBdr>{_border("left", 24, ACCENT, 8)}</w:pBdr>'
               '<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/><w:spacing w:before="120" w:after="120"/>'
               '<w:ind w:left="227" w:right="113"/>',
               rpr="<w:b/><w:bCs/>"),
        _style(p, "TOCHeading", "TOC Heading", nxt="Normal", prio=39,
               ppr='<w:keepNext/><w:spacing w:before="0" w:after="240"/><w:outlineLvl w:val="9"/>',
               rpr=f'<w:b/><w:bCs/><w:color w:val="{ACCENT}"/>' + _sz(32)),
    ]
    for level, indent in ((1, 0), (2, 284), (3, 567)):
        styles.append(_style(p, f"TOC{level}", f"toc {level}", nxt="Normal", prio=39,
                             ppr=_toc_tabs() + f'<w:spacing w:before="{80 if level == 1 else 0}" w:after="40"/>'
                             f'<w:ind w:left="{indent}"/>',
                             rpr="<w:b/><w:bCs/>" if level == 1 else ""))
    for kind, num_id, names in (("Bullet", 1, ("List Bullet", "List Bullet 2", "List Bullet 3")),
                                ("Number", 2, ("List Number", "List Number 2", "List Number 3"))):
        for level, name in enumerate(names):
            sid = f"List{kind}" + (str(level + 1) if level else "")
            styles.append(_style(p, sid, name, prio=99,
                                 ppr=f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'
                                 '<w:spacing w:after="60"/><w:contextualSpacing/>'))
    styles += [
        _style(p, "Header", "header", prio=99,
               ppr=f'<w:pBdr>{_border("bottom", 4, "808080", 1)}</w:pBdr>'
               '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>',
               rpr='<w:color w:val="404040"/>' + _sz(16)),
        _style(p, "Footer", "footer", prio=99,
               ppr='<w:spacing w:after="0" w:line="240" w:lineRule="auto"/><w:jc w:val="center"/>',
               rpr='<w:color w:val="404040"/>' + _sz(16)),
        _style(p, "TableText", "Table Text",
               ppr='<w:spacing w:before="20" w:after="20" w:line="240" w:lineRule="auto"/>', rpr=_sz(18)),
        _style(p, "TableHeading", "Table Heading", based="TableText", rpr="<w:b/><w:bCs/>"),
        _style(p, "Figure", "Figure", ppr='<w:keepNext/><w:spacing w:before="120" w:after="60"/><w:jc w:val="center"/>'),
        _style(c, "Hyperlink", "Hyperlink", based="DefaultParagraphFont", prio=99, rpr='<w:color w:val="1F4E79"/>'),
        _style(c, "HTMLCode", "HTML Code", based="DefaultParagraphFont", prio=99,
               rpr=f'<w:rFonts w:ascii="{MONO}" w:hAnsi="{MONO}" w:cs="{MONO}"/>' + _sz(19)),
        _style(t, "EvidenceTable", "Evidence Table", based="TableNormal", prio=59,
               ppr='<w:spacing w:before="0" w:after="0"/>', rpr=_sz(18),
               extra='<w:tblPr><w:tblBorders>' + _border("top", 12, "000000") + _border("bottom", 12, "000000")
               + '</w:tblBorders><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
               '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr>'
               '<w:tblStylePr w:type="firstRow"><w:rPr><w:b/><w:bCs/></w:rPr><w:tblPr/><w:tcPr><w:tcBorders>'
               + _border("bottom", 6, "000000") + "</w:tcBorders></w:tcPr></w:tblStylePr>"),
        _style(t, "FieldsTable", "Fields Table", based="TableNormal", prio=59,
               ppr='<w:spacing w:before="0" w:after="0"/>', rpr=_sz(20),
               extra="<w:tblPr><w:tblBorders>"
               + "".join(_border(s, 4, "A6A6A6") for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
               + '</w:tblBorders><w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
               '<w:bottom w:w="40" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr>'),
    ]
    defaults = (f"<w:docDefaults><w:rPrDefault><w:rPr>{_FONTS}{_sz(21)}"
                '<w:lang w:val="en-GB" w:eastAsia="ja-JP" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
                f"<w:pPrDefault><w:pPr>{NO_AUTOSPACE}"
                '<w:spacing w:after="120" w:line="264" w:lineRule="auto"/></w:pPr>'
                "</w:pPrDefault></w:docDefaults>")
    return f'<w:styles {nsdecls("w", "r")}>{defaults}{"".join(styles)}</w:styles>'


def numbering_xml() -> str:
    """Bullets (numId 1) and numbers (numId 2), three levels each."""
    def lvl(i: int, fmt: str, text: str) -> str:
        return (f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
                f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{360 * (i + 1)}" w:hanging="360"/></w:pPr>'
                + (f'<w:rPr><w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}"/></w:rPr>' if fmt == "bullet" else "")
                + "</w:lvl>")

    bullets = "".join(lvl(i, "bullet", ch) for i, ch in enumerate("\u2022\u2013\u25aa"))
    numbers = "".join(lvl(i, f, f"%{i + 1}.") for i, f in enumerate(("decimal", "lowerLetter", "lowerRoman")))
    return (f'<w:numbering {nsdecls("w")}>'
            f'<w:abstractNum w:abstractNumId="0"><w:nsid w:val="1A2B3C01"/>'
            f'<w:multiLevelType w:val="hybridMultilevel"/>{bullets}</w:abstractNum>'
            f'<w:abstractNum w:abstractNumId="1"><w:nsid w:val="1A2B3C02"/>'
            f'<w:multiLevelType w:val="hybridMultilevel"/>{numbers}</w:abstractNum>'
            '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
            '<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num></w:numbering>')


def font_table_xml() -> str:
    """Fonts with substitution hints (altName, panose, charset) for machines that lack them."""
    def font(name: str, alt: str, panose: str, charset: str, family: str, pitch: str) -> str:
        return (f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:panose1 w:val="{panose}"/>'
                f'<w:charset w:val="{charset}"/><w:family w:val="{family}"/><w:pitch w:val="{pitch}"/></w:font>')

    return (f'<w:fonts {nsdecls("w")}>'
            + font(LATIN, "Arial", "020B0604020202020204", "00", "swiss", "variable")
            + font(EAST_ASIAN, "ＭＳ ゴシック", "020B0400000000000000", "80", "swiss", "variable")
            + font(EAST_ASIAN_SERIF, "ＭＳ 明朝", "02020400000000000000", "80", "roman", "variable")
            + font(MONO, "Courier New", "02070409020205020404", "00", "modern", "fixed")
            + "</w:fonts>")


def theme_xml(blob: bytes) -> bytes:
    """The template's theme with Word's Japanese theme fonts (游ゴシック headings, 游明朝 body) for Japanese
    script in place of the MS fonts of python-docx's default template."""
    import re

    text = blob.decode("utf-8")
    for kind, face in THEME_FONTS.items():
        text = re.sub(f'(<a:{kind}Font>.*?<a:font script="Jpan" typeface=")[^"]*(")',
                      lambda m, face=face: m.group(1) + face + m.group(2), text, count=1, flags=re.DOTALL)
    return text.encode("utf-8")


_APP_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            "<Application>dossier</Application><DocSecurity>0</DocSecurity></Properties>")


def _replace_children(target, source_xml: str) -> None:
    source = parse_xml(source_xml)
    for child in list(target):
        target.remove(child)
    for child in list(source):
        target.append(child)


def build_reference_docx(path: Path) -> None:
    """Write the reference document (deterministic bytes) to `path`."""
    document = Document()
    part = document.part
    # drop parts that carry Word-2010 leftovers or a stale thumbnail
    for rels, reltype in ((part.rels, "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"),
                          (part.rels, RT.CUSTOM_XML), (part.package.rels, RT.THUMBNAIL)):
        for rid in [rid for rid, rel in rels.items() if rel.reltype == reltype]:
            del rels[rid]
    _replace_children(document.styles.element, styles_xml())
    _replace_children(part.numbering_part.element, numbering_xml())
    font_part = part.part_related_by(RT.FONT_TABLE)
    font_part._blob = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + font_table_xml()).encode()
    theme_part = part.part_related_by(RT.THEME)
    theme_part._blob = theme_xml(theme_part.blob)
    for rel in part.package.rels.values():
        if rel.reltype == RT.EXTENDED_PROPERTIES:
            rel.target_part._blob = _APP_XML.encode()

    settings = document.settings.element
    for tag in ("w:savePreviewPicture", "w:rsids", "w:attachedTemplate"):
        for node in settings.findall(qn(tag)):
            settings.remove(node)
    for node in settings.iter(qn("w:compatSetting")):
        if node.get(qn("w:name")) == "compatibilityMode":
            node.set(qn("w:val"), "15")

    section = document.sections[0]
    sect = section._sectPr
    for attr in list(sect.attrib):
        del sect.attrib[attr]
    section.page_width, section.page_height = (v * 635 for v in A4_TWIPS)
    margin = round(MARGIN_MM * TWIPS_PER_MM) * 635
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = margin
    section.header_distance = section.footer_distance = round(12.5 * TWIPS_PER_MM) * 635
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    for p in body.iter(qn("w:p")):
        for attr in list(p.attrib):
            del p.attrib[attr]

    set_core_properties(document, title="", when=None)
    buffer = io.BytesIO()
    document.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(deterministic_zip(buffer.getvalue()))


def main(argv: list[str] | None = None) -> int:
    """CLI: `python scripts/reference_docx.py OUT.docx`."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python scripts/reference_docx.py OUT.docx", file=sys.stderr)
        return 2
    build_reference_docx(Path(args[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
