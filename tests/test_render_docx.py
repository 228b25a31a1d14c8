"""DOCX rendering of the document HTML subset (dossier.render.docx, scripts/reference_docx.py)."""

from __future__ import annotations

import datetime
import re
import time
import zipfile
from pathlib import Path

import pytest
from docx import Document
from lxml import etree

from dossier.errors import RenderError
from dossier.render import write_docx
from dossier.render.docx_ooxml import bookmark_names
from dossier.render.pagination import destination_name, soffice
from scripts.reference_docx import build_reference_docx
from tests.conftest import toc_entries

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
REFERENCE = TEMPLATES / "reference.docx"
FIXTURES = Path(__file__).parent / "fixtures" / "render"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}




def render(html: str, tmp_path: Path, figures: Path | None = None, lang: str = "en", name: str = "out.docx",
           date: datetime.date | None = None) -> Path:
    out = tmp_path / name
    dirs = [TEMPLATES] + ([figures] if figures else [])
    write_docx(html, out, dirs, reference=REFERENCE, title="Fixture", lang=lang, date=date)
    return out


def libreoffice_available() -> bool:
    return soffice() is not None


def part(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(name))


def parts(path: Path, pattern: str) -> list[etree._Element]:
    with zipfile.ZipFile(path) as z:
        return [etree.fromstring(z.read(n)) for n in sorted(z.namelist()) if re.fullmatch(pattern, n)]


def style_ids(path: Path) -> dict[str, str]:
    styles = part(path, "word/styles.xml")
    return {s.get(W + "styleId"): s.find("w:name", NS).get(W + "val") for s in styles.findall("w:style", NS)}


def doc_text(root: etree._Element) -> str:
    """The visible text (w:t only, not field instructions)."""
    return "".join(t.text or "" for t in root.iter(W + "t"))


def wrap(body: str, attrs: str = 'data-header="H" lang="en"') -> str:
    return f"<!DOCTYPE html><html><head><title>t</title></head><body {attrs}>{body}</body></html>"


@pytest.fixture(scope="module")
def en_docx(tmp_path_factory, figures_dir) -> Path:
    html = (FIXTURES / "subset_en.html").read_text(encoding="utf-8")
    return render(html, tmp_path_factory.mktemp("en"), figures_dir)


def test_headings_have_heading_styles_and_bookmarks(en_docx):
    body = part(en_docx, "word/document.xml")
    names = style_ids(en_docx)
    headings = []
    for p in body.iter(W + "p"):
        style = p.find("w:pPr/w:pStyle", NS)
        if style is not None and names[style.get(W + "val")].startswith("heading"):
            marks = [b.get(W + "name") for b in p.findall("w:bookmarkStart", NS)]
            headings.append((names[style.get(W + "val")], doc_text(p), marks))
    assert headings[:3] == [("heading 1", "1. Introduction", ["sec_1"]), ("heading 2", "1.1 Background", ["sec_1_1"]),
                            ("heading 1", "2. Efficacy", ["sec_2"])]
    assert ("heading 3", "2.1.1 Sensitivity analyses", ["sec_2_1_1"]) in headings
    assert ("heading 4", "Subgroups", ["sec_2_1_1_a"]) in headings


def test_internal_links_point_at_bookmarks(en_docx):
    body = part(en_docx, "word/document.xml")
    marks = {b.get(W + "name") for b in body.iter(W + "bookmarkStart")}
    anchors = [h.get(W + "anchor") for h in body.iter(W + "hyperlink")]
    assert {"table_1", "figure_1", "table_2", "sec_3"} <= set(anchors)
    assert set(anchors) <= marks


def test_toc_is_a_field_with_cached_entries_and_page_numbers(en_docx):
    """Word shows the cached TOC as it is: entries, links and page numbers, and no prompt to update fields."""
    body = part(en_docx, "word/document.xml")
    instr = "".join(t.text for t in body.iter(W + "instrText"))
    assert 'TOC \\o "1-3" \\h \\z \\u' in instr
    entries = toc_entries(en_docx)
    assert entries[0][:3] == ("toc 1", "1. Introduction", "PAGEREF sec_1 \\h")
    assert ("toc 3", "2.1.1 Sensitivity analyses") in [e[:2] for e in entries] and len(entries) == 6
    kinds = [f.get(W + "fldCharType") for f in body.iter(W + "fldChar")]
    assert kinds[:2] == ["begin", "separate"] and kinds.count("begin") == kinds.count("end")
    assert not [f for f in body.iter(W + "fldChar") if f.get(W + "dirty")]
    assert part(en_docx, "word/settings.xml").find("w:updateFields", NS) is None
    if libreoffice_available():
        numbers = [int(e[3]) for e in entries]
        assert numbers == sorted(numbers) and numbers[0] >= 2  # the cover and the contents come first


def test_without_libreoffice_the_toc_has_no_numbers_and_the_build_says_so(tmp_path, figures_dir, monkeypatch):
    monkeypatch.setenv("DOSSIER_SOFFICE", "none")
    html = (FIXTURES / "subset_en.html").read_text(encoding="utf-8")
    out = tmp_path / "briefing.docx"
    warnings = write_docx(html, out, [TEMPLATES, figures_dir], reference=REFERENCE, title="Fixture", lang="en")
    assert [e[3] for e in toc_entries(out)] == [""] * 6
    assert len(warnings) == 1 and warnings[0].startswith("briefing.docx: the table of contents has no page numbers")
    assert "LibreOffice (soffice) was not found" in warnings[0]


def test_libreoffice_destination_names_encode_bookmarks_as_it_does():
    # names as LibreOffice 7.4 wrote them for Word bookmarks (ExportBookmarksToPDFDestination)
    assert destination_name("sec_questions") == "sec5Fquestions"
    assert destination_name("table_12") == "table5F12"
    assert destination_name("Ab-9") == "Ab-9"


def test_evidence_table_header_indent_bold_merge_and_alignment(en_docx):
    body = part(en_docx, "word/document.xml")
    tables = body.findall(".//w:tbl", NS)
    styles = [t.find("w:tblPr/w:tblStyle", NS).get(W + "val") for t in tables]
    assert styles == ["FieldsTable", "EvidenceTable", "EvidenceTable"]
    table = tables[1]
    rows = table.findall("w:tr", NS)
    header_flags = [r.find("w:trPr/w:tblHeader", NS) is not None for r in rows]
    assert header_flags == [True, True, False, False, False, False]
    assert all(r.find("w:trPr/w:cantSplit", NS) is not None for r in rows)
    spans = [tc.find("w:tcPr/w:gridSpan", NS).get(W + "val") for tc in table.iter(W + "tc")
             if tc.find("w:tcPr/w:gridSpan", NS) is not None]
    assert spans == ["2", "4"]
    age, mean, median = rows[2], rows[3], rows[4]
    assert age.find(".//w:r/w:rPr/w:b", NS) is not None  # emphasis row is bold
    assert mean.find(".//w:r/w:rPr/w:b", NS) is None
    assert mean.find("w:tc/w:p/w:pPr/w:ind", NS).get(W + "left") == "216"
    assert median.find("w:tc/w:p/w:pPr/w:ind", NS).get(W + "left") == "432"
    num_cell = mean.findall("w:tc", NS)[1]
    assert num_cell.find("w:p/w:pPr/w:jc", NS).get(W + "val") == "center"
    widths = [int(g.get(W + "w")) for g in table.findall("w:tblGrid/w:gridCol", NS)]
    assert sum(widths) == 11906 - 2 * 1417  # fits the A4 text width


def test_landscape_table_gets_its_own_section(en_docx):
    body = part(en_docx, "word/document.xml")
    sections = body.findall(".//w:sectPr", NS)
    orientations = [s.find("w:pgSz", NS).get(W + "orient", "portrait") for s in sections]
    assert orientations == ["portrait", "landscape", "portrait"]
    landscape = sections[1].find("w:pgSz", NS)
    assert (landscape.get(W + "w"), landscape.get(W + "h")) == ("16838", "11906")
    # the landscape table is the one in the landscape section and is as wide as its text area
    wide_table = body.findall(".//w:tbl", NS)[2]
    assert wide_table.find("w:tblPr/w:tblW", NS).get(W + "w") == str(16838 - 2 * 1417)
    # every section has a header (running header + SYNTHETIC DATA) and the footer
    for sect in sections:
        assert sect.find("w:headerReference", NS) is not None
        assert sect.find("w:footerReference", NS) is not None


def test_header_synthetic_mark_and_page_fields(en_docx):
    headers = parts(en_docx, r"word/header\d+\.xml")
    assert len(headers) == 2  # portrait and landscape widths
    for header in headers:
        text = doc_text(header)
        assert "XYZ-123 · PMDA consultation briefing document · Draft" in text
        assert "SYNTHETIC DATA" in text
    footers = parts(en_docx, r"word/footer\d+\.xml")
    instructions = "".join(t.text for f in footers for t in f.iter(W + "instrText"))
    assert "PAGE" in instructions and "NUMPAGES" in instructions
    assert doc_text(footers[0]).startswith("Page ")


def test_cover_lines_lists_notice_and_summary_styles(en_docx):
    body = part(en_docx, "word/document.xml")
    names = style_ids(en_docx)
    by_style: dict[str, list[str]] = {}
    for p in body.iter(W + "p"):
        style = p.find("w:pPr/w:pStyle", NS)
        if style is not None:
            by_style.setdefault(names[style.get(W + "val")], []).append(doc_text(p))
    assert by_style["Title"] == ["XYZ-123 in adults with moderate-to-severe disease"]
    assert by_style["Subtitle"] == ["PMDA consultation briefing document"]
    assert by_style["Draft Mark"][0].startswith("DRAFT")
    assert by_style["Notice"] == ["Text not provided: the applicant has not yet written the background section."]
    assert by_style["Criterion Summary"][0].startswith("Criterion 1")
    assert by_style["TOC Heading"] == ["Table of contents"]
    assert by_style["List Bullet"] == ["First bullet", "Second bullet"]
    assert by_style["List Bullet 2"] == ["Nested bullet"]
    assert by_style["List Number 3"] == ["Third level number"]
    assert by_style["List Number"] == ["First numbered", "Second numbered"]
    assert len(by_style["Table Footnote"]) == 3
    assert by_style["caption"][1] == "Figure 1 Kaplan-Meier estimate of time to first event"
    # the paragraph after the cover starts a new page
    toc_heading = next(p for p in body.iter(W + "p") if doc_text(p) == "Table of contents")
    assert toc_heading.find("w:pPr/w:pageBreakBefore", NS) is not None


def test_inline_runs_and_literal_text(en_docx):
    document = Document(str(en_docx))
    texts = [p.text for p in document.paragraphs]
    assert "Writer's text is literal: <script>alert(1)</script> and {{ 7*7 }} stay as typed." in texts
    with zipfile.ZipFile(en_docx) as z:
        xml = z.read("word/document.xml").decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in xml and "<script>" not in xml
    assert "{{ 7*7 }}" in xml and "49" not in xml
    body = part(en_docx, "word/document.xml")
    runs: dict[str, etree._Element] = {}
    for r in body.iter(W + "r"):
        runs.setdefault(doc_text(r), r)  # first occurrence: the introduction paragraph
    assert runs["XYZ-123"].find("w:rPr/w:b", NS) is not None
    assert runs["placebo"].find("w:rPr/w:i", NS) is not None
    assert runs["1c"].find("w:rPr/w:vertAlign", NS).get(W + "val") == "subscript"
    assert runs["9"].find("w:rPr/w:vertAlign", NS).get(W + "val") == "superscript"
    assert runs["ADSL"].find("w:rPr/w:rStyle", NS).get(W + "val") == "HTMLCode"
    assert len(body.findall(".//w:r/w:br", NS)) >= 1


def test_figure_is_embedded_at_text_width(en_docx):
    with zipfile.ZipFile(en_docx) as z:
        assert any(n.startswith("word/media/") and n.endswith(".png") for n in z.namelist())
    body = part(en_docx, "word/document.xml")
    extent = body.find(".//{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}extent")
    assert int(extent.get("cx")) == (11906 - 2 * 1417) * 635
    doc_pr = body.find(".//{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")
    assert doc_pr.get("descr") == "Kaplan-Meier curves by arm"


def test_ordered_lists_restart_numbering(tmp_path):
    out = render(wrap("<ol><li>a</li><li>b</li></ol><p>x</p><ol><li>c</li></ol>"), tmp_path)
    body = part(out, "word/document.xml")
    ids = [p.find("w:pPr/w:numPr/w:numId", NS).get(W + "val") for p in body.iter(W + "p")
           if p.find("w:pPr/w:numPr", NS) is not None]
    assert ids[0] == ids[1] != ids[2]
    numbering = part(out, "word/numbering.xml")
    overrides = numbering.findall(".//w:num/w:lvlOverride/w:startOverride", NS)
    assert len(overrides) == 2


def test_deep_lists_stay_at_the_third_level(tmp_path):
    out = render(wrap("<ul><li>a<ul><li>b<ul><li>c<ul><li>d</li></ul></li></ul></li></ul></li></ul>"), tmp_path)
    names = style_ids(out)
    body = part(out, "word/document.xml")
    styles = [names[p.find("w:pPr/w:pStyle", NS).get(W + "val")] for p in body.iter(W + "p")
              if p.find("w:pPr/w:pStyle", NS) is not None]
    assert styles == ["List Bullet", "List Bullet 2", "List Bullet 3", "List Bullet 3"]


def test_adjacent_tables_stay_separate_and_document_ends_with_a_paragraph(tmp_path):
    table = "<table class='fields'><tr><td>a</td><td>b</td></tr></table>"
    body = part(render(wrap(table + table), tmp_path), "word/document.xml").find("w:body", NS)
    assert [child.tag.split("}")[1] for child in body] == ["tbl", "p", "tbl", "p", "sectPr"]


def test_japanese_language_and_fonts(tmp_path):
    html = (FIXTURES / "subset_ja.html").read_text(encoding="utf-8")
    out = render(html, tmp_path, lang="ja")
    styles = part(out, "word/styles.xml")
    lang = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert (lang.get(W + "val"), lang.get(W + "eastAsia")) == ("en-US", "ja-JP")
    fonts = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:rFonts", NS)
    assert fonts.get(W + "eastAsia") == "游ゴシック"  # Japanese Word has it; the PDF embeds Noto Sans CJK JP
    normal = styles.find("w:style[@w:styleId='Normal']/w:rPr/w:rFonts", NS)
    assert normal.get(W + "eastAsia") == "游ゴシック"
    footer = doc_text(parts(out, r"word/footer\d+\.xml")[0])
    assert footer.endswith(" ページ") and " / " in footer
    header = doc_text(parts(out, r"word/header\d+\.xml")[0])
    assert header == "XYZ-123 対面助言資料（案）"  # data-synthetic="false": no mark
    assert "1. 有効性" in [p.text for p in Document(str(out)).paragraphs]


def test_english_language_defaults(en_docx):
    lang = part(en_docx, "word/styles.xml").find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert (lang.get(W + "val"), lang.get(W + "eastAsia")) == ("en-GB", "ja-JP")


@pytest.mark.parametrize("body", [
    "<blink>x</blink>",
    '<p class="weird">x</p>',
    "<h5 id='x'>x</h5>",
    "<p><b>x</b></p>",
    '<p><a href="https://example.com">x</a></p>',
    "<table class='data'><tbody><tr><td rowspan='2'>x</td></tr></tbody></table>",
    "<table class='data'><caption>x</caption></table>",
    "<div class='sidebar'>x</div>",
    "<style>p { color: red }</style>",
    "<script>alert(1)</script>",
])
def test_unsupported_html_raises(tmp_path, body):
    with pytest.raises(RenderError, match="unsupported|only"):
        render(wrap(body), tmp_path)


def test_control_characters_are_replaced(tmp_path):
    out = render(wrap("<h1 id='a'>A\x01B</h1><p>C\x0bD\x1fE\ufffeF &#1;G</p>", 'data-header="X\x02Y"'), tmp_path)
    body = part(out, "word/document.xml")  # parses: the XML is well-formed
    text = doc_text(body)
    assert "A\ufffdB" in text and "C\ufffdD\ufffdE\ufffdF" in text
    assert "X\ufffdY" in doc_text(parts(out, r"word/header\d+\.xml")[0])


@pytest.mark.parametrize("src", ["file:///etc/passwd", "../../x.png", "/etc/passwd", "http://127.0.0.1/x.png",
                                 "figures/../../../etc/passwd", "data:image/png;base64,iVBORw0KGgo=",
                                 "figures/missing.png"])
def test_pictures_outside_resource_dirs_are_refused(tmp_path, figures_dir, src):
    html = wrap(f'<figure><img src="{src}" alt=""><figcaption>F</figcaption></figure>')
    with pytest.raises(RenderError, match="picture"):
        render(html, tmp_path, figures_dir)


def test_two_builds_give_identical_bytes(tmp_path, figures_dir):
    html = (FIXTURES / "subset_en.html").read_text(encoding="utf-8")
    day = datetime.date(2024, 5, 1)
    a = render(html, tmp_path, figures_dir, name="a.docx", date=day)
    b = render(html, tmp_path, figures_dir, name="b.docx", date=day)
    assert a.read_bytes() == b.read_bytes()
    core = Document(str(a)).core_properties
    assert (core.title, core.author, core.revision) == ("Fixture", "dossier", 1)
    stamp = datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)
    assert core.created == stamp and core.modified == stamp
    with zipfile.ZipFile(a) as z:
        assert b"lastModifiedBy" not in z.read("docProps/core.xml")
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_big_table_is_fast(tmp_path):
    rows = "".join(f"<tr><td class='level-1'>Term {i}</td><td class='num'>{i} (1.0)</td><td class='num'>{i}</td></tr>"
                   for i in range(3000))
    html = wrap(f"<div class='table-block'><p class='caption'>Table 9 Big</p><table class='data'><thead><tr><th>T</th>"
                f"<th>A</th><th>B</th></tr></thead><tbody>{rows}</tbody></table></div>")
    start = time.perf_counter()
    out = render(html, tmp_path)
    assert time.perf_counter() - start < 15
    assert len(part(out, "word/document.xml").findall(".//w:tr", NS)) == 3001


def test_bookmark_names_are_word_safe():
    names = bookmark_names(["sec-1", "sec_1", "1abc", "x" * 60, "日本"])
    assert names["sec-1"] == "sec_1" and names["sec_1"] == "sec_1_2"
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,39}", n) for n in names.values())


def test_reference_docx_is_reproducible_and_has_every_style(tmp_path):
    out = tmp_path / "reference.docx"
    build_reference_docx(out)
    assert out.read_bytes() == REFERENCE.read_bytes(), "templates/reference.docx is stale: regenerate it"
    names = set(style_ids(out).values())
    needed = {"Title", "Subtitle", "Draft Mark", "heading 1", "heading 2", "heading 3", "heading 4", "Normal",
              "Notice", "Table Footnote", "caption", "Criterion Summary", "TOC Heading", "toc 1", "toc 2", "toc 3",
              "List Bullet", "List Bullet 2", "List Bullet 3", "List Number", "List Number 2", "List Number 3",
              "header", "footer", "Evidence Table", "Fields Table", "Table Text", "Table Heading", "Hyperlink"}
    assert needed <= names
    styles = part(out, "word/styles.xml")
    for level in range(1, 5):
        outline = styles.find(f"w:style[@w:styleId='Heading{level}']/w:pPr/w:outlineLvl", NS)
        assert outline.get(W + "val") == str(level - 1)
    section = Document(str(out)).sections[0]
    assert (section.page_width.mm, section.page_height.mm) == pytest.approx((210, 297), abs=0.1)
    assert section.left_margin.mm == pytest.approx(25, abs=0.1)


def test_page_footer_comes_from_the_body_attribute_with_page_fields(tmp_path, figures_dir):
    html = (FIXTURES / "subset_en.html").read_text(encoding="utf-8").replace(
        "<body ", '<body data-page-footer="Seite {page} von {pages} &lt;b&gt;" ', 1)
    out = render(html, tmp_path, figures_dir)
    footer = parts(out, r"word/footer\d+\.xml")[0]
    assert doc_text(footer) == "Seite 1 von 1 <b>"  # the fields' cached values are 1
    instructions = [t.text.strip() for t in footer.iter(W + "instrText")]
    assert instructions == ["PAGE", "NUMPAGES"]
