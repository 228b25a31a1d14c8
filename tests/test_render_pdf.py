"""PDF rendering (dossier.render.pdf): page format, fonts, outline, running header/footer, fetcher."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from dossier.errors import RenderError
from dossier.render import write_pdf
from dossier.render.pdf import VIRTUAL_BASE, RefusedResource, RestrictedFetcher

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
FIXTURES = Path(__file__).parent / "fixtures" / "render"

needs_poppler = pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils not installed")


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def page_texts(pdf: Path) -> list[str]:
    return run("pdftotext", "-layout", str(pdf), "-").split("\f")[:-1]




@pytest.fixture(scope="module")
def en_pdfs(tmp_path_factory, figures_dir) -> tuple[Path, Path]:
    html = (FIXTURES / "subset_en.html").read_text(encoding="utf-8")
    out = tmp_path_factory.mktemp("pdf")
    paths = out / "a.pdf", out / "b.pdf"
    for path in paths:
        write_pdf(html, path, [TEMPLATES, figures_dir], title="Briefing", lang="en", date=datetime.date(2024, 5, 1))
    return paths


@pytest.fixture(scope="module")
def ja_pdf(tmp_path_factory) -> Path:
    html = (FIXTURES / "subset_ja.html").read_text(encoding="utf-8")
    path = tmp_path_factory.mktemp("pdf_ja") / "ja.pdf"
    write_pdf(html, path, [TEMPLATES], title="相談資料", lang="ja")
    return path


def test_same_html_gives_identical_bytes(en_pdfs):
    a, b = en_pdfs
    assert a.read_bytes() == b.read_bytes()


@needs_poppler
def test_a4_pdf_17_not_encrypted(en_pdfs):
    info = run("pdfinfo", str(en_pdfs[0]))
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    version = re.search(r"PDF version:\s+1\.(\d)", info)
    assert version and 4 <= int(version.group(1)) <= 7
    assert re.search(r"Encrypted:\s+no", info)
    assert re.search(r"Title:\s+Briefing", info)


def test_metadata_dates_come_from_the_caller(en_pdfs, ja_pdf):
    meta = PdfReader(en_pdfs[0]).metadata
    assert meta["/CreationDate"].startswith("D:20240501") and meta["/ModDate"].startswith("D:20240501")
    assert "/CreationDate" not in PdfReader(ja_pdf).metadata  # no date given: none written


@needs_poppler
def test_every_font_is_embedded(en_pdfs, ja_pdf):
    for pdf in (en_pdfs[0], ja_pdf):
        rows = run("pdffonts", str(pdf)).splitlines()[2:]
        assert rows
        for row in rows:
            # name type... encoding emb sub uni object ID: emb is the 5th column from the end
            assert row.split()[-5] == "yes", row


def test_outline_mirrors_h1_to_h3(en_pdfs):
    reader = PdfReader(en_pdfs[0])

    def walk(items, depth=0):
        out = []
        for item in items:
            if isinstance(item, list):
                out += walk(item, depth + 1)
            else:
                out.append((depth, item.title))
        return out

    assert walk(reader.outline) == [
        (0, "1. Introduction"), (1, "1.1 Background"), (0, "2. Efficacy"), (1, "2.1 Primary endpoint"),
        (2, "2.1.1 Sensitivity analyses"), (0, "3. Safety")]


def test_internal_links_are_clickable(en_pdfs):
    reader = PdfReader(en_pdfs[0])
    links = [a.get_object() for page in reader.pages for a in page.get("/Annots", [])
             if a.get_object().get("/Subtype") == "/Link"]
    internal = [link for link in links if "/Dest" in link or link.get("/A", {}).get("/S") == "/GoTo"]
    assert len(internal) >= 10  # TOC entries plus the cross-references in the text


@needs_poppler
def test_running_header_footer_and_synthetic_mark_on_every_page(en_pdfs):
    pages = page_texts(en_pdfs[0])
    assert len(pages) >= 6
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "SYNTHETIC DATA" in text
        assert "XYZ-123 · PMDA consultation briefing document · Draft" in text


@needs_poppler
def test_landscape_page_for_wide_table(en_pdfs):
    reader = PdfReader(en_pdfs[0])
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]
    wide = [i for i, (w, h) in enumerate(sizes) if w > h]
    assert len(wide) == 1
    assert "Table 2 Treatment-emergent adverse events" in page_texts(en_pdfs[0])[wide[0]]


@needs_poppler
def test_toc_has_page_numbers(en_pdfs):
    toc = page_texts(en_pdfs[0])[1]
    assert re.search(r"1\. Introduction[ .]+3", toc)
    assert re.search(r"3\. Safety[ .]+\d+", toc)


@needs_poppler
def test_japanese_text_and_cjk_font(ja_pdf):
    text = run("pdftotext", str(ja_pdf), "-")
    assert "1. 有効性" in text and "主要評価項目" in text
    assert "1 / 3 ページ" in text
    assert "SYNTHETIC DATA" not in text  # data-synthetic="false"
    fonts = run("pdffonts", str(ja_pdf))
    assert re.search(r"NotoSansCJKjp|Noto-Sans-CJK-JP", fonts)


def test_fetcher_serves_only_resource_files(figures_dir):
    fetcher = RestrictedFetcher([TEMPLATES, figures_dir])
    response = fetcher(VIRTUAL_BASE + "figures/km.png")
    assert response.read().startswith(b"\x89PNG")
    assert fetcher(VIRTUAL_BASE + "print.css").read().startswith(b"/*")
    for url in ["file:///etc/passwd", "http://127.0.0.1/x.png", "https://example.com/a.css",
                "data:image/png;base64,iVBORw0KGgo=", VIRTUAL_BASE + "../../etc/passwd",
                VIRTUAL_BASE + "figures/%2e%2e/%2e%2e/etc/passwd", VIRTUAL_BASE + "nothing.png",
                "file:///dossier-resources-evil/print.css"]:
        with pytest.raises(RefusedResource):
            fetcher(url)
    assert len(fetcher.refused) == 8


@needs_poppler
def test_escaping_resources_are_never_fetched_and_each_refusal_is_a_warning(tmp_path, figures_dir):
    html = ('<html><head><link rel="stylesheet" href="file:///etc/passwd"></head><body data-header="H">'
            '<h1 id="a">A</h1><figure><img src="file:///etc/passwd" alt="x"><figcaption>F1</figcaption></figure>'
            '<figure><img src="../../../../etc/passwd" alt="y"></figure>'
            '<figure><img src="http://127.0.0.1:9/x.png" alt="z"></figure>'
            '<p style="background: url(data:text/plain;base64,cm9vdA==)">text</p></body></html>')
    out = tmp_path / "evil.pdf"
    warnings = write_pdf(html, out, [TEMPLATES, figures_dir], title="t", lang="en")
    refused = [w for w in warnings if "refused to fetch" in w]
    assert all(w.startswith("evil.pdf: ") for w in warnings), warnings
    for url in ("file:///etc/passwd", "127.0.0.1", "data:"):
        assert any(url in w for w in refused), (url, warnings)
    text = run("pdftotext", str(out), "-")
    assert "root:" not in text and "F1" in text


def test_missing_stylesheet_is_an_error(tmp_path):
    with pytest.raises(RenderError, match="print.css"):
        write_pdf("<p>x</p>", tmp_path / "x.pdf", [tmp_path], title="t", lang="en")


@needs_poppler
def test_page_footer_comes_from_the_body_attribute_literally(tmp_path):
    """The glossary's page_of_pages reaches the PDF footer as text: quotes, backslashes and CSS-like
    text stay literal, {page} and {pages} become the page counters."""
    footer = 'Confidential &#34;draft&#34; \\ counter(x) p. {page}/{pages}'
    html = (FIXTURES / "subset_en.html").read_text(encoding="utf-8").replace(
        "<body ", f'<body data-page-footer="{footer}" ', 1)
    out = tmp_path / "f.pdf"
    write_pdf(html, out, [TEMPLATES], title="t", lang="en")
    pages = page_texts(out)
    for number, page in enumerate(pages, start=1):
        assert f'Confidential "draft" \\ counter(x) p. {number}/{len(pages)}' in page
        assert "Page 1 of" not in page


def _text_beyond_the_page(html: str, resources: list[Path], lang: str) -> list[tuple[int, str]]:
    """(page, text) of every piece of body text whose right edge lies beyond the page's text area."""
    from weasyprint.formatting_structure import boxes

    from dossier.render.pdf import lay_out

    beyond = []
    for number, page in enumerate(lay_out(html, resources, lang).pages, 1):
        page_box = page._page_box
        right = page_box.content_box_x() + page_box.width
        for child in page_box.children:
            if isinstance(child, boxes.MarginBox):  # running header and footer
                continue
            beyond += [(number, box.text) for box in child.descendants()
                       if isinstance(box, boxes.TextBox) and box.position_x + box.width > right + 0.5]
    return beyond


def test_wide_tables_fit_the_page_with_fixed_layout():
    hashes = "".join(f"<tr><td>ad{i}</td><td class='num'>ad{i}.xpt</td><td class='num'>{i}</td>"
                     f"<td class='num'>{'0123456789abcdef' * 4}</td></tr>" for i in range(3))
    stats = "".join("<td class='num'>26.41 (4.783)</td>" for _ in range(5))
    html = ('<html lang="ja"><body data-header="H">'
            '<div class="table-block landscape"><p class="caption">表 1　Data</p><table class="data">'
            "<thead><tr><th>データセット</th><th>ファイル</th><th>レコード数</th><th>SHA-256</th></tr></thead>"
            f"<tbody>{hashes}</tbody></table></div>"
            '<table class="data"><thead><tr><th>項目</th>' + "<th>High dose (1e14 vg) (N=27)</th>" * 5 + "</tr></thead>"
            f"<tbody><tr><td>平均値 (SD)</td>{stats}</tr></tbody></table></body></html>")
    assert _text_beyond_the_page(with_column_widths(html), [TEMPLATES], "ja") == []


def test_a_statistic_keeps_its_column_beside_long_japanese_headers():
    """The pilot's Japanese adverse-event table: the arms' long Japanese names take their headers' width, and
    the last column still holds "218 (85.8%)", one piece a line cannot break (its no-break space), instead of
    running off the page (the columns' minimums count the body cells as well as the header words)."""
    from dossier.render.docx_tables import join_header_words

    heads = "".join(f"<th>{join_header_words(arm)} (N={n})</th>" for arm, n in (
        ("プラセボ", 86), ("キサノメリン低用量", 84), ("キサノメリン高用量", 84), ("合計", 254)))
    rows = "".join(f"<tr><td class='level-1'>{term}</td>"
                   + "".join(f"<td class='num'>{n}\u00a0(85.8%)</td>" for n in (65, 77, 76, 218)) + "</tr>"
                   for term in ("全有害事象", "一般・全身障害および投与部位の状態", "良性、悪性および詳細不明の新生物（嚢胞およびポリープを含む）"))
    html = ('<html lang="ja"><body data-header="H"><table class="data"><thead><tr><th>'
            f"{join_header_words('器官別大分類/基本語')}</th>{heads}</tr></thead><tbody>{rows}</tbody></table>"
            "</body></html>")
    assert _text_beyond_the_page(with_column_widths(html), [TEMPLATES], "ja") == []


def with_column_widths(html: str) -> str:
    from dossier.render.html import add_column_widths
    from dossier.render.tree import parse, serialise

    root = parse(html)
    add_column_widths(root)
    return serialise(root)


def test_tables_get_the_docx_column_widths():
    html = ('<body><table class="data"><thead><tr><th>Item</th><th>A</th><th>B</th></tr></thead>'
            "<tbody><tr><td>Age</td><td class='num'>75.2 (8.59)</td><td class='num'>"
            + "x" * 60 + "</td></tr></tbody></table></body>")
    widths = [float(w) for w in re.findall(r'<col style="width: ([0-9.]+)%">', with_column_widths(html))]
    assert len(widths) == 3 and abs(sum(widths) - 100) < 0.05
    per_unit = 110 / 9072 * 100  # a display unit of a column's minimum (docx_tables), in % of a portrait table
    assert widths[2] >= 62 * per_unit - 0.01  # the 60-character word, which cannot break, whole (with its padding)
    assert widths[0] >= 6 * per_unit and widths[1] >= 8 * per_unit  # "Item"; "(8.59)"
    short = [float(w) for w in re.findall(r'width: ([0-9.]+)%', with_column_widths(html.replace("x" * 60, "x")))]
    assert short[0] >= 34  # without a long word the stub gets its third of the table
    assert with_column_widths("<body><blink>x</blink><table class='data'></table></body>") \
        == '<body><blink>x</blink><table class="data"></table></body>'  # outside the subset: no widths


MARGIN_PT = 25 / 25.4 * 72  # print.css: 25 mm on every side of every page (portrait and landscape)


def words_beyond_the_text_area(pdf: Path) -> list[tuple[int, str]]:
    """(page, word) of every word of a built PDF whose right edge lies beyond its page's text area (the page
    width less the margins), read from the PDF itself (pdftotext -bbox: each word's box in points)."""
    from xml.etree import ElementTree

    xhtml = run("pdftotext", "-bbox", str(pdf), "-")
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    beyond = []
    for number, page in enumerate(ElementTree.fromstring(xhtml).iterfind(".//x:page", ns), 1):
        right = float(page.get("width")) - MARGIN_PT
        beyond += [(number, word.text) for word in page.iterfind("x:word", ns) if float(word.get("xMax")) > right + 0.5]
    return beyond


@needs_poppler
def test_the_text_area_is_read_from_the_pdf_words(tmp_path):
    """words_beyond_the_text_area finds a word set past the right margin, and none in a page that fits."""
    css = "@page { size: A4; margin: 25mm } body { font: 10pt sans-serif }"
    fits, overflows = tmp_path / "fits.pdf", tmp_path / "overflows.pdf"
    from weasyprint import CSS, HTML

    HTML(string="<p>Within the margins</p>").write_pdf(fits, stylesheets=[CSS(string=css)])
    HTML(string="<p style='white-space: nowrap'>" + "Overflowing " * 30 + "</p>").write_pdf(
        overflows, stylesheets=[CSS(string=css)])
    assert words_beyond_the_text_area(fits) == []
    assert words_beyond_the_text_area(overflows) and all(page == 1 for page, _ in words_beyond_the_text_area(overflows))


@needs_poppler
@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("document", ["briefing", "sakigake", "orphan"])
def test_no_text_of_an_example_document_runs_off_the_page(built_example, document, lang):
    """Every word of every page of the examples' PDFs, as built, lies inside the page's text area (the running
    header and footer too)."""
    from tests.conftest import example_folders

    for folder in example_folders():
        pdf = built_example(folder.name, lang) / f"{document}.pdf"
        if pdf.exists():  # orphan: the examples whose yaml asks for it
            assert words_beyond_the_text_area(pdf) == [], f"{lang}/{folder.name}/{document}.pdf"
