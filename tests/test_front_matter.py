"""Issue 16 (second half): the SAKIGAKE draft's wording by product type, PMDA consultation categories, and the
front and back matter of every document (applicant, abbreviations, references cited as [@key], studies,
attachments) and heading numbering. The documents are rendered to HTML only, through the pipeline's stages
(tests/test_orphan.py's `render`); the command line is run for the exit codes."""

from __future__ import annotations

import copy
import html as htmllib
import re

import pytest

from dossier.errors import SpecError
from tests.conftest import MINIMAL_SPEC, ROOT, run_cli
from tests.test_orphan import render


def spec(**top) -> dict:
    raw = copy.deepcopy(MINIMAL_SPEC)
    for key, value in top.items():
        if key == "product_type":
            raw["product"]["type"] = value
        else:
            raw[key] = value
    return raw


def text_of(html: str, tag: str = "") -> str:
    """The visible text of `html`, each tag replaced by `tag` (a space keeps table cells apart)."""
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", tag, html)))


def headings(html: str, level: str = "1-3") -> list[tuple[str, str]]:
    return [(anchor, htmllib.unescape(text)) for anchor, text in
            re.findall(rf'<h[{level}] id="([^"]+)">(.*?)</h[{level}]>', html)]


def heading(html: str, anchor: str) -> str:
    return dict(headings(html))[anchor]


# --------------------------------------------------------------------------------- product type (SAKIGAKE)


@pytest.mark.parametrize("product_type,ja_words,en_words", [
    ("regenerative_medicine",
     ("先駆的再生医療等製品指定申請書（案）", "指定要件 1：治療法の画期性", "治験製品を用いた臨床試験成績の主要な結果",
      "第77条の2第2項の規定に基づく先駆的再生医療等製品の指定", "再生医療等製品"),
     ("SAKIGAKE (pioneering) regenerative medical product", "Criterion 1: Innovativeness of the therapy",
      "with the investigational product", "Article 77-2, paragraph 2")),
    ("drug",
     ("先駆的医薬品指定申請書（案）", "指定要件 1：治療薬の画期性", "治験薬を用いた臨床試験成績の主要な結果",
      "第77条の2第2項の規定に基づく先駆的医薬品の指定", "医薬品"),
     ("SAKIGAKE (pioneering) drug", "Criterion 1: Innovativeness of the therapeutic drug",
      "with the investigational drug", "Article 77-2, paragraph 2")),
    ("device",
     ("先駆的医療機器指定申請書（案）", "指定要件 1：医療機器の画期性", "治験機器を用いた臨床試験成績の主要な結果",
      "第77条の2第2項の規定に基づく先駆的医療機器の指定", "医療機器"),
     ("SAKIGAKE (pioneering) medical device", "Criterion 1: Innovativeness of the medical device",
      "with the investigational device", "Article 77-2, paragraph 2")),
])
def test_sakigake_wording_follows_the_product_type(make_trial, product_type, ja_words, en_words):
    folder = make_trial(spec(product_type=product_type))
    ja, ctx, _ = render(folder, "ja", "sakigake")
    text = text_of(ja)
    assert ctx["title"] == ja_words[0]
    for words in ja_words:
        assert words in text, words
    assert heading(ja, "criterion-1") == f"2. {ja_words[1]}"
    others = {"regenerative_medicine": "治療法の画期性", "drug": "治療薬の画期性", "device": "医療機器の画期性"}
    for kind, word in others.items():
        if kind != product_type:
            assert word not in text, word
    en, _, _ = render(folder, "en", "sakigake")
    for words in en_words:
        assert words in text_of(en), words
    # the product table names the designation applied for and its legal basis
    assert re.search(r"<td>申請する指定の区分</td><td>" + re.escape(ja_words[0].removesuffix("指定申請書（案）")) +
                     r" \(医薬品医療機器等法第77条の2第2項\)</td>", ja)


# --------------------------------------------------------------------------------- consultation categories


@pytest.mark.parametrize("given", ["end_of_phase2", "再生医療等製品第Ⅱ相試験終了後相談", "再生医療等製品第II相試験終了後相談",
                                   "consultation after the completion of phase II trials of regenerative medical products"])
def test_a_consultation_category_by_id_or_name_prints_the_official_name(make_trial, given):
    folder = make_trial(spec(product_type="regenerative_medicine", briefing={"consultation_category": given}))
    ja, _, _ = render(folder, "ja", "briefing")
    en, _, _ = render(folder, "en", "briefing")
    assert "<tr><td>相談区分</td><td>再生医療等製品第Ⅱ相試験終了後相談</td></tr>" in ja
    assert ("<tr><td>Consultation category</td><td>Consultation after the completion of phase II trials of "
            "regenerative medical products</td></tr>") in en


def test_an_unknown_consultation_category_is_one_line_with_did_you_mean(make_trial):
    from dossier.config.spec import load_spec

    folder = make_trial(spec(product_type="regenerative_medicine",
                             briefing={"consultation_category": "pre-aplication"}))
    with pytest.raises(SpecError) as caught:
        load_spec(folder)
    [problem] = caught.value.problems
    assert problem.where.endswith("dossier.yaml: briefing.consultation_category")
    assert "'pre-aplication' is not a PMDA consultation category for regenerative medicine products" in problem.message
    assert "did you mean 'pre_application': 再生医療等製品申請前相談" in problem.message
    result = run_cli("check", str(folder))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if "consultation_category" in line]
    assert len(lines) == 1 and "did you mean 'pre_application'" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_a_category_of_another_product_type_says_so(make_trial):
    from dossier.config.spec import load_spec

    folder = make_trial(spec(briefing={"consultation_category": "再生医療等製品申請前相談"}))  # product.type: drug
    with pytest.raises(SpecError) as caught:
        load_spec(folder)
    assert "is a consultation category for regenerative medicine products, but product.type is 'drug'" in \
        caught.value.problems[0].message


def test_every_example_names_a_valid_category():
    from dossier.config.consultation import find
    from dossier.config.spec import load_spec
    from tests.conftest import example_folders

    for folder in example_folders():
        s = load_spec(folder)
        assert find(s.briefing.consultation_category, s.product.type) is not None, folder.name


def test_the_readme_lists_every_category_and_marks_the_ones_a_stored_source_confirms():
    from dossier.config.consultation import CATEGORIES, readme_table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\n".join(readme_table()) in readme
    sources = (ROOT / "docs" / "regulatory-sources.md").read_text(encoding="utf-8")
    checked = [c for kind in CATEGORIES.values() for c in kind if c.source]
    joined = "".join(sources.split())  # names and addresses may be wrapped across lines
    assert checked and all(c.source in joined and c.ja in joined for c in checked)
    assert "the list is the sponsor's to check" in " ".join(readme.split())


@pytest.mark.parametrize("given, product_type", [
    ("先駆的医薬品総合評価相談", "drug"), ("先駆け総合評価相談(臨床)", "drug"),
    ("先駆的再生医療等製品総合評価相談", "regenerative_medicine"), ("sakigake_assessment", "device")])
def test_the_sakigake_consultation_is_pmdas_and_earlier_names_are_still_accepted(given, product_type):
    from dossier.config.consultation import find, official_name, problem

    assert problem(given, product_type) is None
    assert find(given, product_type).id == "sakigake_assessment"
    assert official_name(given, product_type, "ja") == "先駆け総合評価相談（臨床）"


def test_a_near_miss_of_a_new_category_gets_its_did_you_mean():
    from dossier.config.consultation import problem

    found = problem("医薬品拡大治験開始相談", "drug")
    assert "did you mean 'expanded_access_trial': 医薬品拡大治験開始前相談" in found


# --------------------------------------------------------------------------------- abbreviations


def test_abbreviations_are_found_as_whole_words_only():
    from dossier.document.abbreviations import used
    from dossier.render.html import visible_text
    from dossier.render.tree import parse

    html = ("<p>AEの発現率。SAE 3例 (SAESER)。</p><p title='HR'>MDS-UPDRS part III; 95% CI</p>"
            "<style>.LVEF{}</style><p>TEAEs and xAAV</p>")
    found = used(visible_text(parse(html)), {"AE": "adverse event", "SAE": "serious adverse event", "HR": "hazard ratio",
                        "MDS-UPDRS": "scale", "UPDRS": "old scale", "CI": "confidence interval", "LVEF": "x",
                        "TEAE": "y", "AAV": "z"})
    assert found == [("AE", "adverse event"), ("CI", "confidence interval"), ("MDS-UPDRS", "scale"),
                     ("SAE", "serious adverse event")]


def test_the_list_of_abbreviations_holds_only_those_the_document_uses(make_trial):
    folder = make_trial(spec(briefing={"disease": "LVEF fell; MMRM was not used here. The AAV vector ... ZZQ."},
                             abbreviations={"ZZQ": {"en": "an invented scale", "ja": "架空の尺度"}, "AAV": None,
                                            "LVEF": {"en": "left ventricular ejection fraction (overridden)"}}))
    for lang, title, zzq in (("en", "List of abbreviations", "an invented scale"), ("ja", "略語一覧", "架空の尺度")):
        html, _, _ = render(folder, lang, "briefing")
        block = html[html.index('<h1 id="abbreviations">'):html.index('<h1 id="sec-questions">')]
        rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", block)
        abbreviations = [htmllib.unescape(a) for a, _ in rows]
        assert title in block
        assert abbreviations == sorted(abbreviations, key=lambda a: (a.casefold(), a))
        assert {"LVEF", "MMRM", "ZZQ"} <= set(abbreviations)
        assert "AAV" not in abbreviations  # left out by `AAV: null`
        assert ("ZZQ", zzq) in rows
        assert "SAE" not in abbreviations and "ANCOVA" not in abbreviations  # not in this document's text
        body = text_of(html.replace(block, ""), " ")
        for abbreviation in abbreviations:
            assert re.search(rf"(?<![A-Za-z0-9_-]){re.escape(abbreviation)}(?![A-Za-z0-9_-])", body), abbreviation
    en, _, _ = render(folder, "en", "briefing")
    assert "<tr><td>LVEF</td><td>left ventricular ejection fraction (overridden)</td></tr>" in en
    # the list follows the table of contents and is in it
    assert en.index("</nav>") < en.index('<h1 id="abbreviations">') < en.index('<h1 id="sec-questions">')
    assert '<a href="#abbreviations">List of abbreviations</a>' in en


# --------------------------------------------------------------------------------- references


REFERENCES = [{"key": "alpha", "citation": {"en": "Alpha A. First paper. 2020.", "ja": "アルファ．論文1．2020．"},
               "doi": "10.1000/alpha"},
              {"key": "beta", "citation": "Beta B. Second paper. 2021.", "url": "https://example.org/beta"},
              {"key": "gamma", "citation": "Gamma G. Third paper. 2022."},
              {"key": "unused", "citation": "Never cited."}]


def test_references_are_numbered_in_order_of_first_citation(make_trial):
    folder = make_trial(spec(references=REFERENCES,
                             briefing={"disease": "text/disease.md", "unmet_need": "Still open [@alpha]."},
                             sakigake={"innovativeness": {"text": "Only alpha here [@alpha]."}}),
                        texts={"text/disease.md": "First gamma [@gamma], then beta and gamma [@beta; @gamma].\n"})
    html, _, _ = render(folder, "en", "briefing")
    text = text_of(html)
    assert "First gamma [1], then beta and gamma [2, 1]." in text
    assert "Still open [3]." in text
    listing = html[html.index('<h1 id="sec-references">'):html.index('<h1 id="sec-attachments">')]
    assert re.findall(r"<p>(\[\d\]) ([^<]*)</p>", listing) == [
        ("[1]", "Gamma G. Third paper. 2022."), ("[2]", "Beta B. Second paper. 2021. https://example.org/beta"),
        ("[3]", "Alpha A. First paper. 2020. doi:10.1000/alpha")]
    assert "Never cited" not in html
    # each document numbers its own citations: the SAKIGAKE draft cites only alpha, as [1], in Japanese
    sakigake, _, _ = render(folder, "ja", "sakigake")
    assert "Only alpha here [1]." in text_of(sakigake)
    assert re.findall(r"<p>(\[\d\]) ([^<]*)</p>", sakigake) == [("[1]", "アルファ．論文1．2020． doi:10.1000/alpha")]
    # a reference no text cites is a warning of check (and of build), listed in no document
    result = run_cli("check", str(folder))
    assert result.returncode == 0, result.stderr
    assert "references[4]: 'unused' is cited nowhere" in result.stderr


def test_a_citation_in_the_table_of_studies_is_printed_as_written_and_warned(make_trial):
    """Citations are numbered in the text, never in a table's cells (where a dataset's value may look like
    one): a `[@key]` in a `studies:` text stays as typed in the table, and check says so, naming the key."""
    folder = make_trial(spec(references=REFERENCES[:1],
                             studies=[{"id": "S-1", "design": {"en": "Randomised [@alpha]", "ja": "無作為化 [@alpha]"}}]))
    html, _, _ = render(folder, "en", "briefing")
    assert "Randomised [@alpha]" in text_of(html)
    result = run_cli("check", str(folder))
    assert result.returncode == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "studies[1].design" in line]
    assert len(warned) == 1 and "[@alpha] is printed as written in the table of studies" in warned[0], result.stderr


def test_an_unknown_citation_key_names_the_file_and_line(make_trial):
    from dossier.config.spec import load_spec

    folder = make_trial(spec(references=REFERENCES[:2], briefing={"disease": "text/disease.md"}),
                        texts={"text/disease.md": "Line one.\n\nSee [@alpha; @betta].\n"})
    with pytest.raises(SpecError) as caught:
        load_spec(folder)
    [problem] = caught.value.problems
    assert problem.where.endswith("text/disease.md")
    assert problem.message == "line 3: [@betta]: no reference with key 'betta' in references: (did you mean 'beta'?)"
    result = run_cli("build", str(folder), "-o", str(folder.parent / "out"))
    assert result.returncode == 1
    assert result.stderr.count("[@betta]") == 1 and "text/disease.md" in result.stderr and "Traceback" not in result.stderr
    assert not (folder.parent / "out").exists()


def test_an_unknown_citation_in_a_yaml_text_names_dossier_yaml_and_its_line(make_trial):
    from dossier.config.spec import load_spec

    raw = spec(references=REFERENCES[:1], briefing={"questions": [{"question": "Agreed [@nobody]?"}]})
    folder = make_trial(raw)
    line = next(i for i, text in enumerate((folder / "dossier.yaml").read_text().splitlines(), start=1)
                if "[@nobody]" in text)
    with pytest.raises(SpecError) as caught:
        load_spec(folder)
    [problem] = caught.value.problems
    assert problem.where.endswith("dossier.yaml")
    assert problem.message.startswith(f"line {line}: [@nobody]: no reference with key 'nobody'")


def test_a_reference_key_given_twice_is_an_error(make_trial):
    from dossier.config.spec import load_spec

    folder = make_trial(spec(references=[REFERENCES[0], {"key": "alpha", "citation": "Again."}]))
    with pytest.raises(SpecError) as caught:
        load_spec(folder)
    assert [p.message for p in caught.value.problems] == ["duplicate reference key 'alpha' (also references[1])"]


# --------------------------------------------------------------------------------- applicant, studies, attachments


def test_applicant_studies_and_attachments(make_trial):
    folder = make_trial(spec(
        applicant={"name": {"en": "Example Bio K.K.", "ja": "例示バイオ株式会社"}, "address": "1-1 Chiyoda, Tokyo",
                   "contact": {"en": "Hanako Example", "ja": "例示花子"}, "phone": "+81-3-0000-0000",
                   "email": "ra@example.com"},
        studies=[{"id": "EX-101", "phase": "1", "design": "Open-label", "population": "Healthy adults",
                  "region": {"en": "Japan", "ja": "日本"}, "n": 24, "status": "Completed"},
                 {"id": "EX-301", "phase": "3", "n": {"en": "about 300 (planned)", "ja": "約300例（計画）"},
                  "status": "Planned"}],
        briefing={"attachments": ["Protocol synopsis"]}))
    for lang in ("en", "ja"):
        for document in ("briefing", "sakigake"):
            html, _, _ = render(folder, lang, document)
            cover = html[html.index('<section class="cover">'):html.index("</section>")]
            name, contact, region, n = (("Example Bio K.K.", "Hanako Example", "Japan", "about 300 (planned)")
                                        if lang == "en" else ("例示バイオ株式会社", "例示花子", "日本", "約300例（計画）"))
            for value in (name, "1-1 Chiyoda, Tokyo", contact, "+81-3-0000-0000", "ra@example.com"):
                assert f"<td>{value}</td>" in cover, (lang, document, value)
            table = html[html.index('<p class="caption">', html.index('id="sec-' + (
                "clinical-studies" if document == "briefing" else "studies") + '"')):]
            table = table[:table.index("</table>")]
            rows = [[htmllib.unescape(c) for c in re.findall(r"<td[^>]*>([^<]*)</td>", r)]
                    for r in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1])]
            assert rows == [["EX-101", "1", "Open-label", "Healthy adults", region, "24", "Completed"],
                            ["EX-301", "3", "", "", "", n, "Planned"]]
            assert ("Clinical studies of the programme" if lang == "en" else "臨床試験一覧") in table
    briefing, _, _ = render(folder, "en", "briefing")
    assert heading(briefing, "sec-attachments") == "10. List of attachments"
    assert "<li>Protocol synopsis</li>" in briefing[briefing.index('id="sec-attachments"'):]


# --------------------------------------------------------------------------------- heading numbering


def test_a_lone_subheading_loses_its_number():
    from dossier.render.html import unnumber_lone_headings
    from dossier.render.tree import parse, serialise

    html = ('<h1 id="a">6. Clinical</h1><h2 id="b">6.1 Design</h2><h2 id="c">6.2 Disposition</h2>'
            '<h3 id="d">6.2.1 Subject disposition</h3><h2 id="e">6.3 Efficacy</h2><h3 id="f">6.3.1 One</h3>'
            '<h3 id="g">6.3.2 Two</h3><h1 id="h">7. Plan</h1><h2 id="i">7.1 Only one</h2>'
            '<h1 id="j">8. Positions</h1><h2 id="k">8.1 Question 1</h2><h3 id="l">8.1.1 Position</h3>'
            '<h3 id="m">8.1.2 Rationale</h3>')
    root = parse(html)
    unnumber_lone_headings(root)
    assert headings(serialise(root)) == [
        ("a", "6. Clinical"), ("b", "6.1 Design"), ("c", "6.2 Disposition"), ("d", "Subject disposition"),
        ("e", "6.3 Efficacy"), ("f", "6.3.1 One"), ("g", "6.3.2 Two"), ("h", "7. Plan"), ("i", "Only one"),
        ("j", "8. Positions"), ("k", "Question 1"), ("l", "8.1 Position"), ("m", "8.2 Rationale")]


def test_documents_have_no_lone_numbered_subheading_and_sakigake_is_numbered(make_trial):
    folder = make_trial(spec())
    for document in ("briefing", "sakigake", "orphan"):
        if document == "orphan":
            from tests.test_orphan import orphan_spec

            folder = make_trial(orphan_spec(), name="orphan")
        html, _, _ = render(folder, "en", document)
        numbers = [re.match(r"(\d+(?:\.\d+)*)\.? ", text) for _, text in headings(html)]
        numbers = [m.group(1) for m in numbers if m]
        for number in numbers:
            if "." in number:
                parent = number.rsplit(".", 1)[0]
                assert sum(n.rsplit(".", 1)[0] == parent for n in numbers if "." in n) > 1, (document, number)
        top = [n for n in numbers if "." not in n]
        assert top == [str(i) for i in range(1, len(top) + 1)], (document, top)
    sakigake, _, _ = render(make_trial(spec(), name="again"), "en", "sakigake")
    assert [text for anchor, text in headings(sakigake, "1") if not anchor.startswith(("appendix", "abbrev"))] == [
        "1. Applicant and product", "2. Criterion 1: Innovativeness of the therapeutic drug",
        "3. Criterion 2: Seriousness of the target disease",
        "4. Criterion 3: Prominent efficacy in nonclinical and early clinical data",
        "5. Criterion 4: Development in Japan first or simultaneously", "6. Clinical studies of the programme",
        "7. Development schedule", "8. References", "9. List of attachments"]
    # the baseline subsection of the briefing holds one analysis: its heading has no number of its own
    briefing, _, _ = render(make_trial(spec(), name="third"), "en", "briefing")
    assert heading(briefing, "analysis-demog") == "Demographic and baseline characteristics"


def test_citations_survive_an_edit_in_word_and_import(make_trial, tmp_path):
    """A citation is a locked content control in the DOCX (like a live number): `dossier import` writes it back
    as the `[@key]` the writer typed, and a section Word did not change stays untouched."""
    from docx import Document
    from docx.oxml.ns import qn

    from tests.test_word_import import _run, _section, _snapshot, _text

    folder = make_trial(spec(references=REFERENCES[:3], date="2024-05-01", briefing={"disease": "text/disease.md"}),
                        texts={"text/disease.md": "First gamma [@gamma], then beta and gamma [@beta; @gamma].\n"})
    out = tmp_path / "out"
    result = run_cli("build", str(folder), "-o", str(out))
    assert result.returncode == 0, result.stderr
    before = _snapshot(folder)
    unchanged = run_cli("import", str(folder), str(out / "briefing.docx"))
    assert unchanged.returncode == 0 and "0 text file(s) written" in unchanged.stderr, unchanged.stderr
    assert _snapshot(folder) == before
    document = Document(str(out / "briefing.docx"))
    tags = [t.get(qn("w:val")) for t in document.element.body.iter(qn("w:tag"))]
    assert "@gamma" in tags and "@beta; @gamma" in tags
    paragraph = next(p for p in _section(document, "briefing.disease").findall(qn("w:p")) if "First" in _text(p))
    assert "First gamma [1], then beta and gamma [2, 1]." in _text(paragraph)
    paragraph.append(_run(" Edited in Word."))
    document.save(str(tmp_path / "edited.docx"))
    edited = run_cli("import", str(folder), str(tmp_path / "edited.docx"))
    assert edited.returncode == 0, edited.stderr
    assert (folder / "text" / "disease.md").read_text(encoding="utf-8") == \
        "First gamma [@gamma], then beta and gamma [@beta; @gamma]. Edited in Word.\n"
