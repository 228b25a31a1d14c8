"""Typesetting rules (issue 16): powers of ten, column headers that break between words, free-text columns,
footnotes kept with their table, East Asian fonts and no italic Japanese in the DOCX, the spacing rule."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from dossier.document.formatting import powers_caret, powers_split, powers_unicode
from dossier.render.docx_html import parse_html
from dossier.render.docx_tables import WORD_JOINER, header_words, join_header_words, table_widths
from dossier.render.html import text_columns, typeset_powers
from dossier.render.tree import parse, serialise

ROOT = Path(__file__).resolve().parent.parent


def as_html(pieces: list[tuple[str, bool]]) -> str:
    return "".join(f"<sup>{piece}</sup>" if superscript else piece for piece, superscript in pieces)


@pytest.mark.parametrize("text,html,plain", [
    ("Low dose (1e13 vg)", "Low dose (1×10<sup>13</sup> vg)", "Low dose (1×10¹³ vg)"),
    ("1E13", "1×10<sup>13</sup>", "1×10¹³"),
    ("1.5e12 vg/kg", "1.5×10<sup>12</sup> vg/kg", "1.5×10¹² vg/kg"),
    ("1x10^13", "1×10<sup>13</sup>", "1×10¹³"),
    ("2e-3", "2×10<sup>\u22123</sup>", "2×10⁻³"),
    ("3e+013.", "3×10<sup>13</sup>.", "3×10¹³."),
    ("用量1e13 vg", "用量1×10<sup>13</sup> vg", "用量1×10¹³ vg"),  # Japanese may touch the number
])
def test_a_power_of_ten_is_typeset(text, html, plain):
    assert as_html(powers_split(text)) == html
    assert powers_unicode(text) == plain


@pytest.mark.parametrize("text", ["E2E13", "SITE-1E13", "01-1e13", "0x1e13", "a1e13", "1e13vg", "v1.1e13", "1e1300",
                                  "1234e5", "3e241349", "adsl.parquet [3e241349]", "#1e13", "2E13_X", "x/1e13"])
def test_identifiers_hashes_and_versions_are_left_alone(text):
    assert powers_split(text) == [(text, False)]
    assert powers_unicode(text) == text


def test_markdown_and_docx_meet_in_one_form():
    assert powers_caret("1e13 and 1x10^13 and 2E-03") == "1×10^13 and 1×10^13 and 2×10^-3"
    assert powers_caret(powers_caret("1e13")) == "1×10^13"


def test_html_text_is_marked_up_after_escaping_and_only_text():
    html = ('<html><head><title>T 1e13</title><style>x{a:1e13}</style></head><body data-header="H 1e13" '
            'data-key="k-1e13"><p>dose 1e13 &lt;b&gt;1e13&lt;/b&gt; <code>1e13</code></p>'
            '<img src="figures/1e13.png" alt="A 1e13"></body></html>')
    root = parse(html)
    typeset_powers(root)
    out = serialise(root)
    assert "<title>T 1×10¹³</title>" in out and "x{a:1e13}" in out
    assert 'data-header="H 1×10¹³"' in out and 'data-key="k-1e13"' in out and 'src="figures/1e13.png"' in out
    assert 'alt="A 1×10¹³"' in out
    assert "<p>dose 1×10<sup>13</sup> &lt;b&gt;1×10<sup>13</sup>&lt;/b&gt; <code>1e13</code></p>" in out


def test_headers_break_between_words_only():
    assert header_words("Low dose (1e13 vg)：例数") == ["Low", "dose", "(1e13", "vg)：", "例数"]
    assert header_words("最小二乗平均の差 (95%信頼区間)") == ["最小二乗平均の差", "(95%信頼区間)"]
    joined = join_header_words("Placebo：例数")
    assert joined == f"Placebo{WORD_JOINER}：例{WORD_JOINER}数"
    assert join_header_words("Low dose (N=29)") == "Low dose (N=29)"
    assert header_words(joined) == ["Placebo：", "例数"]


def test_a_narrow_header_column_gets_its_longest_word():
    arms = "".join(f"<th>{join_header_words(f'Arm {i} (1e13 vg)：例数')}</th>" for i in range(6))
    cells = "".join("<td>12</td>" for _ in range(6))
    table = parse_html(f'<table class="data"><thead><tr><th>部分集団</th>{arms}<th>最小二乗平均の差 (95%信頼区間)</th>'
                       f'</tr></thead><tbody><tr><td>{"x" * 60}</td>{cells}<td>1.91 (-0.90, 4.72)</td></tr>'
                       "</tbody></table>").elements()[0]
    _, widths = table_widths(table, 9072)
    assert sum(widths) == 9072
    # "最小二乗平均の差" is 16 display units: with padding 18 x 110 twips
    assert widths[-1] >= 18 * 110
    assert all(w >= 7 * 110 for w in widths[1:-1])  # "(1e13" and "vg)：" and "例数"


def test_free_text_columns_are_left_aligned():
    class Row:
        def __init__(self, *cells):
            self.cells = cells

    class Table:
        rows = (Row("Japan", "13", "3.30 (-1.15, 7.76)", "はい"), Row("Overall", "NE", "<0.001", "No"))

    assert text_columns(Table) == {3}


def test_print_css_has_the_rules():
    css = (ROOT / "templates" / "print.css").read_text(encoding="utf-8")
    assert re.search(r":lang\(ja\) em, :lang\(ja\) i, :lang\(ja\) h4 \{\s*font-style: normal;", css)
    assert re.search(r"div\.table-block > p\.footnote, figure > p\.footnote \{\s*break-before: avoid;", css)
    assert re.search(r"table\.data thead th \{", css)


def test_the_macro_joins_header_words_and_aligns_text_columns():
    macros = (ROOT / "templates" / "_macros.html.j2").read_text(encoding="utf-8")
    assert "{{ c | header_words }}" in macros and "tbl | text_columns" in macros


# ---------------------------------------------------------------- built documents

@pytest.fixture(scope="module")
def ja_power_build(tmp_path_factory):
    """A small Japanese build whose yaml texts hold a power of ten and identifiers that look like one."""
    import shutil

    import yaml

    from tests.conftest import PILOT, run_cli

    folder = tmp_path_factory.mktemp("typeset") / "trial"
    (folder / "adam").mkdir(parents=True)
    shutil.copy(PILOT / "adam" / "adsl.xpt", folder / "adam" / "adsl.xpt")
    spec = {"study": {"id": "E2E13", "title": "Dose study"}, "product": {"name": "TP-1", "dose": "1e13 vg/kg"},
            "indication": {"en": "Dose 1e13 vg", "ja": "用量1e13 vg/kgの検討（E2E13）"}, "language": "ja",
            "date": "2026-12-01",
            "briefing": {"disease": "*強調*した文。1.5e12 vg/kg。"},
            "analyses": [{"id": "demog", "type": "baseline", "variables": ["AGE", "SEX"]}]}
    (folder / "dossier.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = folder.parent / "out"
    result = run_cli("build", str(folder), "-o", str(out), typeset=True)
    assert result.returncode == 0, result.stderr
    return out


def test_an_unedited_docx_with_a_power_of_ten_and_japanese_emphasis_imports_unchanged(ja_power_build):
    """The superscript exponent and the dotted underline read back as the Markdown's 1e13 and *emphasis*."""
    from tests.conftest import run_cli

    result = run_cli("import", str(ja_power_build.parent / "trial"), str(ja_power_build / "briefing.docx"))
    assert result.returncode == 0, result.stderr
    assert "0 text file(s) written" in result.stderr


def test_power_of_ten_in_the_pdf_text(ja_power_build):
    text = subprocess.run(["pdftotext", str(ja_power_build / "briefing.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "1×1013" in text.replace(" ", "")  # the exponent set as a superscript, after ×10
    assert "1e13" not in text and "E2E13" in text


def test_power_of_ten_in_the_docx_is_a_superscript_run(ja_power_build):
    with zipfile.ZipFile(ja_power_build / "briefing.docx") as z:
        body = z.read("word/document.xml").decode("utf-8")
        styles = z.read("word/styles.xml").decode("utf-8")
    assert re.search(r'<w:t>[^<]*1×10</w:t></w:r><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                     r"<w:t>13</w:t>", body), "no superscript 13 after 1×10"
    assert "1e13" not in body and "E2E13" in body
    # East Asian fonts Japanese Word has, no italic anywhere in a Japanese document, one spacing rule
    assert re.search(r'<w:rFonts [^>]*w:eastAsia="游ゴシック"', styles)
    assert "<w:i/>" not in body + styles and "<w:iCs/>" not in body + styles
    assert '<w:u w:val="dotted"/>' in body  # the writer's *emphasis*
    assert '<w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/>' in styles


def test_reference_docx_declares_japanese_word_fonts():
    with zipfile.ZipFile(ROOT / "templates" / "reference.docx") as z:
        fonts = z.read("word/fontTable.xml").decode("utf-8")
        theme = z.read("word/theme/theme1.xml").decode("utf-8")
    assert '<w:font w:name="游ゴシック"><w:altName w:val="ＭＳ ゴシック"/>' in fonts
    assert '<w:font w:name="游明朝"><w:altName w:val="ＭＳ 明朝"/>' in fonts
    assert re.findall(r'<a:font script="Jpan" typeface="([^"]+)"/>', theme) == ["游ゴシック", "游明朝"]


def test_docx_headers_get_their_line_breaks_between_words():
    """Word and LibreOffice break Japanese anywhere (LibreOffice ignores word joiners): the DOCX writer sets
    the header's line breaks itself, between words, so each line fits its column."""
    from dossier.render.docx_html import Piece
    from dossier.render.docx_tables import wrap_header

    def lines(pieces):
        text = "".join("|" if p.brk else p.text for p in pieces).replace(WORD_JOINER, "")
        return text.split("|")

    low = [Piece(join_header_words("Low dose (1×10")), Piece("13", frozenset({"sup"})),
           Piece(join_header_words(" vg)：例数"))]
    assert lines(wrap_header(low, 8)) == ["Low dose", "(1×1013", "vg)：", "例数"]
    assert lines(wrap_header(low, 40)) == ["Low dose (1×1013 vg)：例数"]
    assert lines(wrap_header([Piece(join_header_words("最小二乗平均の差 (95%信頼区間)"))], 17)) == \
        ["最小二乗平均の差", "(95%信頼区間)"]
    assert lines(wrap_header([Piece(join_header_words("交互作用のp値"))], 4)) == ["交互作用のp値"]  # a word is whole
