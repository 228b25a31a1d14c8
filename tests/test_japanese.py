"""Japanese documents (`--lang ja`): every example folder builds in Japanese, the PDFs show Japanese
headings, captions, page numbers and dates with the CJK font embedded and no glyph missing, no fixed
English sentence leaks, the DOCX carries the eastAsia font and the ja-JP language, and the Japanese
glossary has exactly the English keys, written in one consistent style."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml

from dossier.document.formatting import powers_caret
from dossier.document.glossary import load_glossary
from dossier.errors import RenderError
from dossier.render.html import PACKAGE_TEMPLATES
from tests.conftest import MINIMAL_SPEC, ROOT, example_folders, libreoffice_pdf, run_cli

GLOSSARY = ROOT / "templates" / "glossary"
DATE_JA = "2026年11月21日"  # every example folder sets date: 2026-11-21
# Noto Sans CJK JP as PDF font names spell it (weasyprint: Noto-Sans-CJK-JP-Bold, LibreOffice: NotoSansCJKjp-Regular)
CJK_FONT = re.compile(r"noto-?sans-?cjk-?jp", re.IGNORECASE)
# the page marking is SYNTHETIC DATA in every language (tests/test_documents.py checks it on every page)
MARKING = "SYNTHETIC DATA"
JAPANESE = r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]"  # kana, kanji, full-width forms

BRIEFING_HEADINGS = ["目次", "1. 相談事項一覧", "2. 開発品の概要", "3. 対象疾患", "4. 開発の経緯",
                     "5. 品質及び非臨床試験成績の概要", "6. 臨床試験成績の概要", "6.1 臨床試験一覧", "6.2 試験デザイン",
                     "7. 相談事項及び申請者の見解", "8. 今後の開発計画", "相談事項 1", "申請者の見解",
                     "付録 A", "付録 B", "付録 C"]
# criterion 1 reads 治療薬の画期性 for the pilot's drug, 治療法の画期性 for the AAV examples (test_front_matter.py)
SAKIGAKE_HEADINGS = ["目次", "1. 申請者及び対象品目", "2. 指定要件 1：治療", "3. 指定要件 2：対象疾患の重篤性",
                     "4. 指定要件 3：対象疾患に係る極めて高い有効性", "5. 指定要件 4：世界に先駆けて日本で早期開発・申請する意思",
                     "指定要件への該当性", "6. 臨床試験一覧", "7. 開発スケジュール", "8. 参考文献", "9. 添付資料一覧"]
# English fixed phrases that must not appear in a Japanese document (besides the check of every glossary entry)
ENGLISH_PHRASES = ["Text not provided", "Supporting evidence", "Contents", "Page 1 of", "Table 1", "Figure 1",
                   "Appendix A", "Question 1", "Sponsor's position", "Number at risk", "Mean (SD)", "Median",
                   "Hazard ratio", "System organ class", "Preferred term", "Treatment-emergent"]


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def ja_text(ja_built) -> dict[tuple[str, str], str]:
    """(folder, document) -> pdftotext -layout of the Japanese PDF."""
    return {(name, document): pdftotext(out / f"{document}.pdf")
            for name, out in ja_built.items() for document in ("briefing", "sakigake")}


def test_every_example_folder_is_built(ja_built):
    assert sorted(ja_built) == sorted(f.name for f in example_folders())
    assert len(ja_built) >= 3


def test_every_example_shows_only_japanese_its_translation_report_is_empty(ja_built):
    """Issue 16: a Japanese build of each example leaves no text in English or without a label."""
    for name, out in ja_built.items():
        rows = (out / "review" / "translation.ja.csv").read_text(encoding="utf-8").splitlines()
        assert rows[0] == "document,section,kind,source,text,language"
        assert rows[1:] == [], f"{name}: {rows[1:6]}"


# ------------------------------------------------------------------------------------------------ PDF text


@pytest.mark.parametrize("document,headings", [("briefing", BRIEFING_HEADINGS), ("sakigake", SAKIGAKE_HEADINGS)])
def test_pdf_has_the_japanese_headings_captions_and_page_numbers(ja_text, document, headings):
    for (name, doc), text in ja_text.items():
        if doc != document:
            continue
        body = flat(text)
        for heading in headings:
            assert heading in body, f"{name}/{document}.pdf lacks {heading!r}"
        # 表 1　Title (pdftotext shows the space after 表 or not; the HTML and DOCX are checked exactly below)
        assert re.search(r"表 ?1 +\S", body) and re.search(r"図 ?1 +\S", body), f"{name}/{document}.pdf: 表 1 / 図 1"
        assert not re.search(r"[表図] ?\d+\. ", body), f"{name}/{document}.pdf: English caption style"
        pages = text.rstrip("\f").split("\f")
        for number, page in enumerate(pages, start=1):
            assert f"{number} / {len(pages)} ページ" in page, f"{name}/{document}.pdf page {number}: page number"
        assert DATE_JA in pages[0], f"{name}/{document}.pdf: Japanese date on the cover"


def test_pdf_tables_have_japanese_labels(ja_text):
    briefing = flat(ja_text[("cdisc-pilot01", "briefing")])
    for label in ("例数", "平均値 (SD)", "中央値", "95%信頼区間", "ハザード比", "全有害事象", "器官別大分類/基本語",
                  "変化量の最小二乗平均 (SE)", "リスク例数", "治験薬投与", "データソース："):
        assert label in briefing, label


def test_no_fixed_english_sentence_leaks_into_a_japanese_pdf(ja_built, ja_text):
    """No English glossary text: the longest fixed stretch of every English entry (placeholders cut
    it up) is absent, unless the trial's own dossier.yaml says it (yaml text is shown as written).
    The analyses' warnings (notices and the build-warnings appendix) are English in every language
    and are left out of the check."""
    en = yaml.safe_load((GLOSSARY / "en.yaml").read_text(encoding="utf-8"))
    ja = yaml.safe_load((GLOSSARY / "ja.yaml").read_text(encoding="utf-8"))
    phrases = set(ENGLISH_PHRASES)
    for key, value in en.items():
        if value == ja.get(key) or value == MARKING:
            continue  # the same in both languages (NE, SHA-256, "{arm} (N={n})")
        chunk = max(re.split(r"\{\w+\}", value), key=len).strip(" .,:;()")
        if len(chunk) >= 12 and len(chunk.split()) >= 2:
            phrases.add(chunk)
    folders = {f.name: f for f in example_folders()}
    for (name, document), text in ja_text.items():
        body = flat(text)
        evidence = json.loads((ja_built[name] / "evidence.json").read_text(encoding="utf-8"))
        for analysis in evidence["analyses"].values():
            for warning in analysis.get("warnings", []):  # "1e14" in an arm name is printed 1×10 and a superscript 14
                body = body.replace(flat(powers_caret(warning).replace("×10^", "×10")), " ")
        spec = flat((folders[name] / "dossier.yaml").read_text(encoding="utf-8"))
        leaked = sorted(p for p in phrases if p in body and p not in spec)
        assert leaked == [], f"{name}/{document}.pdf shows English glossary text: {leaked}"


def test_writer_text_is_the_japanese_text(ja_text):
    briefing = flat(ja_text[("cdisc-pilot01", "briefing")])
    assert "アルツハイマー病は進行性の神経変性疾患" in briefing
    assert "Alzheimer's disease is a progressive" not in briefing
    # live references are filled in the Japanese text as in the English one
    assert re.search(r"平均年齢は\d+\.\d歳", briefing)
    # the interval of a live reference takes the full-width brackets of a Japanese sentence (interval_in_text)
    assert re.search(r"ハザード比は\d+\.\d\d、その95%信頼区間は（\d+\.\d\d, \d+\.\d\d）であった", briefing)
    for name in ("hf-aav-synthetic", "pd-aav-synthetic"):
        assert "合成データによる例示文" in flat(ja_text[(name, "briefing")])
        assert "Synthetic example text" not in flat(ja_text[(name, "briefing")])


def test_analysis_titles_are_japanese(ja_text):
    briefing = flat(ja_text[("cdisc-pilot01", "briefing")])
    assert re.search(r"表 ?4 +人口統計学的特性及びベースライン特性（ITT集団）", briefing)  # after 臨床試験一覧, 試験デザイン
    assert "初回の皮膚関連事象の発現までの期間（安全性解析対象集団）" in briefing
    assert "Demographic and baseline characteristics" not in briefing


def test_no_replacement_characters_or_boxes(ja_text):
    for (name, document), text in ja_text.items():
        assert "\ufffd" not in text and "\u25a1" not in text and "\u25af" not in text, f"{name}/{document}.pdf"


# ------------------------------------------------------------------------------------------------ fonts


def pdffonts(path: Path) -> list[tuple[str, str]]:
    """(font name, emb) of every font of a PDF, from `pdffonts`."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        rows.append((parts[0], parts[-5]))  # name ... emb sub uni object-number generation
    return rows


def test_pdf_embeds_noto_sans_cjk_jp(ja_built):
    for name, out in ja_built.items():
        for document in ("briefing", "sakigake"):
            fonts = pdffonts(out / f"{document}.pdf")
            cjk = [(font, emb) for font, emb in fonts if CJK_FONT.search(font)]
            assert cjk, f"{name}/{document}.pdf: no Noto Sans CJK JP font: {fonts}"
            assert all(emb == "yes" for _, emb in fonts), f"{name}/{document}.pdf: {fonts}"


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@functools.cache
def _system_fonts() -> dict[str, tuple[str, int]]:
    """Normalised font name (PostScript name; family + style; family for the regular style) -> (file, index)."""
    listed = subprocess.run(["fc-list", "-f", "%{file}|%{index}|%{postscriptname}|%{family[0]}|%{style[0]}\n"],
                            capture_output=True, text=True, check=True).stdout
    fonts: dict[str, tuple[str, int]] = {}
    for line in listed.splitlines():
        path, index, postscript, family, style = (line.split("|") + [""] * 5)[:5]
        where = (path, int(index or 0))
        for name in (postscript, family + style) + ((family,) if style in ("Regular", "Book", "") else ()):
            if name:
                fonts.setdefault(_key(name), where)
    return fonts


@functools.cache
def _cmap(pdf_font_name: str) -> frozenset[int]:
    """The characters of the installed font that a PDF font name (subset prefix removed) stands for."""
    from fontTools.ttLib import TTCollection, TTFont

    fonts, key = _system_fonts(), _key(pdf_font_name)
    # exact name, else the longest installed name it starts with (LibreOffice adds suffixes such as -VKana)
    match = fonts.get(key) or next((fonts[k] for k in sorted(fonts, key=len, reverse=True) if key.startswith(k)), None)
    assert match is not None, f"no installed font for the PDF font {pdf_font_name!r}"
    path, index = match
    font = TTCollection(path).fonts[index] if path.lower().endswith((".ttc", ".otc")) else TTFont(path)
    return frozenset(font.getBestCmap())


def test_every_character_has_a_glyph_in_an_embedded_font(ja_built, ja_text):
    """No missing-glyph boxes: every character of the text is in the character map of a font the
    PDF embeds (the installed copy of that font, found by its name)."""
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig (fc-list) not installed")
    for name, out in ja_built.items():
        for document in ("briefing", "sakigake"):
            covered: set[int] = set()
            for font, _ in pdffonts(out / f"{document}.pdf"):
                covered |= _cmap(font.split("+", 1)[-1])
            chars = {c for c in ja_text[(name, document)] if not c.isspace() and c != "\f"}
            missing = sorted(c for c in chars if ord(c) not in covered)
            assert missing == [], f"{name}/{document}.pdf: no glyph for {missing}"


# ------------------------------------------------------------------------------------------------ DOCX


def docx_part(path: Path, part: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(part).decode("utf-8")


def test_docx_sets_east_asian_font_and_japanese_language(ja_built):
    for name, out in ja_built.items():
        for document in ("briefing", "sakigake"):
            docx = out / f"{document}.docx"
            styles = docx_part(docx, "word/styles.xml")
            body = docx_part(docx, "word/document.xml")
            fonts = set(re.findall(r'w:eastAsia="([^"]+)"', " ".join(re.findall(r"<w:rFonts [^>]*>", styles))))
            assert "游ゴシック" in fonts, f"{name}/{document}.docx eastAsia fonts: {fonts}"
            langs = re.findall(r"<w:lang [^>]*>", styles + body)
            assert any('w:eastAsia="ja-JP"' in tag for tag in langs), f"{name}/{document}.docx"
            assert "<dc:language>ja-JP</dc:language>" in docx_part(docx, "docProps/core.xml")
            assert DATE_JA in body
            criterion = "治療薬の画期性" if name == "cdisc-pilot01" else "治療法の画期性"  # drug / regenerative
            assert ("相談事項一覧" if document == "briefing" else f"指定要件 1：{criterion}") in body


def test_docx_latin_text_keeps_a_latin_language(ja_built):
    """Japanese is the eastAsia language; English words in a Japanese document (data, yaml text) stay
    Latin text, so Word breaks them between words, not inside them."""
    styles = docx_part(ja_built["cdisc-pilot01"] / "briefing.docx", "word/styles.xml")
    tags = re.findall(r"<w:lang [^>]*>", styles)
    assert tags and all('w:eastAsia="ja-JP"' in tag and 'w:val="ja-JP"' not in tag for tag in tags), tags


def test_japanese_docx_renders_in_libreoffice(ja_built, tmp_path):
    converted = libreoffice_pdf(ja_built["cdisc-pilot01"] / "briefing.docx", tmp_path)
    assert "相談事項一覧" in flat(pdftotext(converted))
    assert any(CJK_FONT.search(font) for font, _ in pdffonts(converted))


# ------------------------------------------------------------------------------------------------ glossary


def _glossaries() -> tuple[dict[str, str], dict[str, str]]:
    en = yaml.safe_load((GLOSSARY / "en.yaml").read_text(encoding="utf-8"))
    ja = yaml.safe_load((GLOSSARY / "ja.yaml").read_text(encoding="utf-8"))
    return en, ja


def test_ja_glossary_has_exactly_the_english_keys_and_placeholders():
    en, ja = _glossaries()
    assert sorted(set(en) - set(ja)) == [], "keys missing in ja.yaml"
    assert sorted(set(ja) - set(en)) == [], "keys in ja.yaml that en.yaml lacks"
    for key in en:
        assert set(re.findall(r"\{(\w+)\}", ja[key])) == set(re.findall(r"\{(\w+)\}", en[key])), key
    assert load_glossary("ja", [PACKAGE_TEMPLATES]) == ja


def test_ja_glossary_follows_one_style():
    """The rules stated at the top of ja.yaml: half-width digits, letters and symbols with no space
    next to Japanese (except a numbered label such as 表 1); full-width parentheses in sentences,
    half-width ones (like the numbers beside them) in table and figure labels; ASCII hyphens."""
    _, ja = _glossaries()
    # titles and headings: 先駆的医薬品指定申請書（案）, 希少疾病用医薬品指定申請書（案）, the cover subtitle, the methods headings
    # and the titles of tables and figures
    headings = {"sakigake_title", "orphan_title", "criterion_japan_first", "cover_product_code", "appendix_warnings",
                "sg_table_title_vs", "sg_forest_title", "jc_table_title", "jc_methods_title",
                "method_consistency_title", "mmrm_responders_title", "estimand_title", "estimand_title_of",
                # pieces of sentences: a code after its label, a live reference's interval
                "coded_value", "interval_in_text"}
    numbered = re.compile(r"(表|図|付録|相談事項|指定要件) (\{\w+\}|[0-9A-Z])")
    notation = re.compile(r" ?n(/N)? \(%\)")  # the cell format n (%) quoted as it is shown
    for key, value in ja.items():
        assert not re.search("[０-９Ａ-Ｚａ-ｚ％＝＋－／]", value), f"{key}: full-width digit, letter or symbol"
        assert "\u2013" not in value and "\u2212" not in value, f"{key}: use the ASCII hyphen-minus"
        text = notation.sub("", numbered.sub("", value))
        assert not re.search(rf"{JAPANESE} [A-Za-z0-9]|[A-Za-z0-9] {JAPANESE}", text), \
            f"{key}: space between Japanese and half-width text: {value!r}"
        if value.endswith("。"):
            assert "(" not in text and ")" not in text, f"{key}: a sentence takes full-width parentheses"
        elif key not in headings:
            assert "（" not in value and "）" not in value, f"{key}: a label takes half-width parentheses"
        assert not value.endswith(("である", "した")) or value.endswith("。"), f"{key}: sentence without 。"


def test_missing_japanese_key_names_the_key(tmp_path):
    templates = tmp_path / "templates"
    (templates / "glossary").mkdir(parents=True)
    en = (GLOSSARY / "en.yaml").read_text(encoding="utf-8")
    (templates / "glossary" / "en.yaml").write_text(en + 'zz_new_term: "New term"\n', encoding="utf-8")
    shutil.copy(GLOSSARY / "ja.yaml", templates / "glossary" / "ja.yaml")
    with pytest.raises(RenderError) as caught:
        load_glossary("ja", [templates])
    message = str(caught.value)
    assert "zz_new_term" in message and "'ja'" in message and "\n" not in message
    assert load_glossary("en", [templates])["zz_new_term"] == "New term"


def test_build_fails_with_one_line_naming_a_missing_japanese_key(make_trial, tmp_path):
    """A trial folder's own en.yaml adds a key that no Japanese glossary has: a Japanese build stops
    with exit code 1 and one line naming the key; the English build still works."""
    trial = make_trial(MINIMAL_SPEC, texts={"templates/glossary/en.yaml": 'zz_new_term: "New term"\n'})
    result = run_cli("build", str(trial), "-o", str(tmp_path / "out-ja"), "--lang", "ja")
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "zz_new_term" in lines[0] and "ja" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out-ja").exists()
    english = run_cli("build", str(trial), "-o", str(tmp_path / "out-en"))
    assert english.returncode == 0, english.stderr


# ------------------------------------------------------------------------------------------------ trial folders


def test_every_english_text_file_has_a_japanese_one_with_the_same_references():
    reference = re.compile(r"\[\[[^\]]+\]\]")
    for folder in example_folders():
        english = sorted((folder / "text").glob("*.md"))
        assert english, folder.name
        for path in english:
            ja = folder / "text" / "ja" / path.name
            assert ja.is_file(), f"{folder.name}: {ja.relative_to(folder)} is missing"
            body = ja.read_text(encoding="utf-8")
            assert re.search(JAPANESE, body), f"{ja} is not Japanese"
            assert sorted(reference.findall(body)) == sorted(reference.findall(path.read_text(encoding="utf-8"))), ja
            # a soft line break inside a Japanese paragraph would show as a space between two characters
            assert not re.search(rf"{JAPANESE}\n{JAPANESE}", body), f"{ja}: Japanese paragraph broken over lines"


def test_every_example_analysis_has_an_english_and_a_japanese_title():
    for folder in example_folders():
        spec = yaml.safe_load((folder / "dossier.yaml").read_text(encoding="utf-8"))
        for analysis in spec["analyses"]:
            title = analysis.get("title")
            assert isinstance(title, dict) and set(title) == {"en", "ja"}, (folder.name, analysis["id"])
            assert re.search(JAPANESE, title["ja"]), (folder.name, analysis["id"])


def test_km_numbers_at_risk_title_comes_from_the_glossary():
    from dossier.document.formatting import Formatter
    from dossier.render.figures import _at_risk_title

    _, ja = _glossaries()
    formatter = Formatter({**ja, "tte_at_risk": "リスク例数（利用者の用語）"}, "ja")
    assert _at_risk_title(formatter.label, "ja") == "リスク例数（利用者の用語）"
    assert _at_risk_title(lambda label: {}[label.key], "ja") == ja["tte_at_risk"]


# ------------------------------------------------------------------------------------------------ captions, punctuation


def html_text(path: Path) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def test_captions_and_cross_references_follow_the_japanese_convention(ja_built):
    """表 1　Title and 図 1　Title (number, full-width space, no period), from the glossary's caption,
    table_n and figure_n; the consultation questions cross-reference the same labels, joined by 、."""
    for name, out in ja_built.items():
        for document in ("briefing", "sakigake"):
            html = (out / f"{document}.html").read_text(encoding="utf-8")
            tables = re.findall(r'<p class="caption">([^<]*)', html)
            figures = re.findall(r"<figcaption>([^<]*)", html)
            assert tables and figures, (name, document)
            assert all(re.match(r"表 \d+\u3000[^\s.]", c) for c in tables), (name, document, tables)
            assert all(re.match(r"図 \d+\u3000[^\s.]", c) for c in figures), (name, document, figures)
            from docx import Document

            captions = [p.text for p in Document(str(out / f"{document}.docx")).paragraphs if p.style.name == "Caption"]
            assert captions[:1] == tables[:1], (name, document)
    html = (ja_built["cdisc-pilot01"] / "briefing.html").read_text(encoding="utf-8")
    first, second = re.findall(r"<strong>関連する図表：</strong>(.*?)</p>", html)
    # the ANCOVA (LOCF) table and figure, then the MMRM's estimand table, LS-means table and figure
    assert re.fullmatch(r'<a href="#table-(\d+)">表 \1</a>、<a href="#figure-(\d+)">図 \2</a>'
                        r'(、<a href="#table-(\d+)">表 \4</a>){2}、<a href="#figure-(\d+)">図 \5</a>', first), first
    assert second.count("、") == second.count("<a ") - 1, second


def test_labels_take_a_full_width_colon_and_lists_the_japanese_comma(ja_built):
    for name, out in ja_built.items():
        for document in ("briefing", "sakigake"):
            text = html_text(out / f"{document}.html")
            found = re.search(rf"{JAPANESE}[:;] ", text)
            assert found is None, f"{name}/{document}: ASCII separator after Japanese: {text[found.start() - 20:found.end() + 20]!r}"
    text = re.sub(r"\s+", " ", html_text(ja_built["cdisc-pilot01"] / "briefing.html"))
    for expected in ("相談事項：第24週", "解析対象集団：ITTFL = Y", "CDISCPILOT01：軽度から中等度",
                     "adsl.xpt [83f7a82f]、adadas.parquet", "プラセボ (N=86)、キサノメリン低用量 (N=84)"):
        assert expected in text, expected


# Latin words a Japanese heading may hold besides the document's own 略語一覧: parts of proper names (ICH E5/E17,
# MDS-UPDRS Part III), the OFF period of Parkinson's disease (OFF時, as Japanese clinical writing has it), units
PROPER_NAMES = {"E5", "E17", "Part", "III", "OFF"} | {"m", "cm", "kg", "g", "mg", "mL", "L", "h", "min", "vg", "mmHg"}


def test_japanese_headings_hold_no_analysis_id_and_only_listed_latin_words(ja_built):
    """A methods-appendix heading shows the analysis title only (the id, which names the analysis in evidence.json,
    is a row beneath it); any Latin word of a heading is an abbreviation of the document's 略語一覧, a proper
    name or an appendix letter."""
    for name, out in ja_built.items():
        ids = set(json.loads((out / "evidence.json").read_text(encoding="utf-8"))["analyses"])
        for path in sorted(out.glob("*.html")):
            page = path.read_text(encoding="utf-8")
            listed = set(re.findall(r"<tr><td>([^<]*)</td>", page.split('id="abbreviations"', 1)[1].split("</table>")[0]))
            headings = [re.sub(r"<[^>]+>", "", h) for _, h in re.findall(r"<h([1-4])[^>]*>(.*?)</h\1>", page, re.DOTALL)]
            for heading in headings:
                assert not any(heading.endswith(f"（{i}）") for i in ids), (name, path.name, heading)
                words = set(re.findall(r"[A-Za-z][A-Za-z0-9+\-]*", re.sub(r"^付録 [A-H]\u3000", "", heading)))
                assert words <= listed | PROPER_NAMES, (name, path.name, heading, words - listed - PROPER_NAMES)
            for i in ids & set(re.findall(r'<h2 id="method-([^"]+)"', page)):
                assert f"解析ID (evidence.json)：{i}</li>" in page, (name, path.name, i)


def test_yaml_texts_given_per_language_are_shown_in_japanese(ja_built):
    """datasets/cdisc-pilot01 gives study, product, indication, questions, development stage and
    attachments as {en: ..., ja: ...}: the Japanese documents show the ja texts (and its `labels:` the arm
    names)."""
    briefing = re.sub(r"\s+", " ", html_text(ja_built["cdisc-pilot01"] / "briefing.html"))
    sakigake = re.sub(r"\s+", " ", html_text(ja_built["cdisc-pilot01"] / "sakigake.html"))
    for text in ("軽度及び中等度のアルツハイマー型認知症", "ムスカリン受容体（M1/M4）作動薬", "26週間（主要解析は第24週）",
                 "第2相", "受け入れ可能か。", "医薬品第Ⅱ相試験終了後相談"):
        assert text in briefing, text
    for text in ("第2相試験終了", "CDISC Pilot 01のADaMデータセット及びdefine.xml（CDISC）", "キサノメリン"):
        assert text in sakigake, text
    for english in ("Mild to moderate dementia", "Does PMDA agree", "Muscarinic", "Phase 2 completed"):
        assert english not in briefing + sakigake, english
    assert "CDISC Pilot 01の公開テストデータ（出典：CDISC）" in briefing and "キサノメリン高用量" in briefing
    assert "CDISC Pilot 01 public test data" not in briefing and "Xanomeline High Dose" not in briefing


# ------------------------------------------------------------------------------------------------ SYNTHETIC mark


def test_every_page_of_a_japanese_synthetic_build_carries_the_glossary_mark(ja_built, ja_text):
    _, ja = _glossaries()
    mark = ja["synthetic_data"]
    assert "SYNTHETIC" in mark  # the project rule: every page of a synthetic build says SYNTHETIC, in any language
    synthetic = [name for name in ja_built if name != "cdisc-pilot01"]
    assert synthetic
    for name in synthetic:
        for document in ("briefing", "sakigake"):
            for number, page in enumerate(ja_text[(name, document)].rstrip("\f").split("\f"), start=1):
                assert mark in flat(page), f"{name}/{document}.pdf page {number}"
            headers = [docx_part(ja_built[name] / f"{document}.docx", f"word/header{i}.xml") for i in (1, 2)
                       if f"word/header{i}.xml" in zipfile.ZipFile(ja_built[name] / f"{document}.docx").namelist()]
            assert headers and all(f"<w:t>{mark}</w:t>" in h for h in headers), f"{name}/{document}.docx"
    assert "SYNTHETIC" not in ja_text[("cdisc-pilot01", "briefing")]


MARK_HTML = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><link rel="stylesheet" href="print.css"></head>
<body data-header="XYZ-123 対面助言資料" data-synthetic="true"{mark} lang="ja">
<h1 id="s1">1. 有効性</h1><p>本文である。</p></body></html>"""


@pytest.mark.parametrize("attribute,shown", [(' data-synthetic-mark="模擬 &amp; SYNTHETIC"', "模擬 & SYNTHETIC"),
                                             ("", "SYNTHETIC DATA")])
def test_the_page_mark_is_the_body_attribute_else_synthetic_data(tmp_path, attribute, shown):
    """Both renderers take the mark's text from <body data-synthetic-mark> (the templates put the
    glossary's synthetic_data there); an HTML without it still says SYNTHETIC DATA."""
    from dossier.render import write_docx, write_pdf

    html = MARK_HTML.replace("{mark}", attribute)
    write_pdf(html, tmp_path / "m.pdf", [PACKAGE_TEMPLATES], title="t", lang="ja")
    assert shown in flat(pdftotext(tmp_path / "m.pdf"))
    write_docx(html, tmp_path / "m.docx", [PACKAGE_TEMPLATES], reference=PACKAGE_TEMPLATES / "reference.docx",
               title="t", lang="ja")
    header = docx_part(tmp_path / "m.docx", "word/header1.xml")
    assert re.sub(r"<[^>]+>", "", header).endswith(shown.replace("&", "&amp;"))


# ------------------------------------------------------------------------------------------------ a small trial in both languages


BILINGUAL_SPEC = {
    "study": {"id": "T-1", "title": {"en": "Test study", "ja": "テスト試験"}},
    "product": {"name": "TP-1", "modality": {"en": "Small molecule", "ja": "低分子化合物"}},
    "indication": {"en": "Test indication", "ja": "テスト適応症"},
    "reference_arm": "Placebo",
    "date": "2026-11-21",
    "analyses": [{"id": "adas", "type": "change_from_baseline", "dataset": "adadas", "param": "ACTOT",
                  "population": "EFFFL", "arm": "TRT01P", "where": {"ITTFL": "Y", "ANL01FL": "Y"},
                  "visits": ["Week 24"], "mcid": 4, "improvement": "decrease",
                  "title": {"en": "ADAS-Cog at Week 24", "ja": "第24週のADAS-Cog"}}],
    "briefing": {"questions": [{"question": {"en": "Is the endpoint acceptable?", "ja": "評価項目は適切か。"},
                                "evidence": ["adas"]}]},
}


def test_one_yaml_builds_both_languages_and_the_responder_table_takes_the_analysis_title(make_trial, tmp_path):
    trial = make_trial(BILINGUAL_SPEC, datasets=("adsl", "adadas"))
    shown = {}
    for lang in ("en", "ja"):
        result = run_cli("build", str(trial), "-o", str(tmp_path / lang), "--lang", lang)
        assert result.returncode == 0, result.stderr
        html = (tmp_path / lang / "briefing.html").read_text(encoding="utf-8")
        shown[lang] = (re.findall(r'<p class="caption">([^<]*)', html), re.sub(r"\s+", " ", html_text(
            tmp_path / lang / "briefing.html")))
    (en_captions, en_text), (ja_captions, ja_text) = shown["en"], shown["ja"]
    assert "Table 2. ADAS-Cog at Week 24" in en_captions and "Table 3. ADAS-Cog at Week 24: responders" in en_captions
    assert "表 2\u3000第24週のADAS-Cog" in ja_captions and "表 3\u3000第24週のADAS-Cog：レスポンダー割合" in ja_captions
    for text in ("Test study", "Small molecule", "Test indication", "Is the endpoint acceptable?"):
        assert text in en_text and text not in ja_text, text
    for text in ("テスト試験", "低分子化合物", "テスト適応症", "評価項目は適切か。"):
        assert text in ja_text and text not in en_text, text


def test_every_japanese_docx_turns_autospace_off_and_the_pdf_css_inserts_no_space(ja_built):
    """One spacing rule between Japanese and Latin text or digits: no space is inserted. Every ja DOCX sets
    w:autoSpaceDE and w:autoSpaceDN to 0 in the paragraph defaults (word/styles.xml docDefaults, in the schema's
    order: before w:spacing), and no style or paragraph turns either back on; print.css declares no
    text-autospace or text-spacing (weasyprint inserts no space of its own)."""
    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    docx_files = sorted(p for out in ja_built.values() for p in out.glob("*.docx"))
    assert len(docx_files) >= 6
    for path in docx_files:
        with zipfile.ZipFile(path) as z:
            styles = etree.fromstring(z.read("word/styles.xml"))
            body = etree.fromstring(z.read("word/document.xml"))
        defaults = styles.find(f"{w}docDefaults/{w}pPrDefault/{w}pPr")
        assert defaults is not None, path.name
        names = [child.tag.removeprefix(w) for child in defaults]
        for name in ("autoSpaceDE", "autoSpaceDN"):
            assert defaults.find(f"{w}{name}").get(f"{w}val") == "0", (path.name, name)
        if "spacing" in names:
            assert names.index("autoSpaceDN") < names.index("spacing"), (path.name, names)
        for element in (*styles.iter(f"{w}autoSpaceDE", f"{w}autoSpaceDN"),
                        *body.iter(f"{w}autoSpaceDE", f"{w}autoSpaceDN")):
            assert element.get(f"{w}val") in ("0", "false"), (path.name, etree.tostring(element))
    css = re.sub(r"/\*.*?\*/", "", (PACKAGE_TEMPLATES / "print.css").read_text(encoding="utf-8"), flags=re.DOTALL)
    assert not re.search(r"text-(autospace|spacing)\s*:", css)
    for out in ja_built.values():
        assert "text-autospace" not in (out / "briefing.html").read_text(encoding="utf-8")
