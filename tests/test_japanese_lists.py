"""Lists and codes in Japanese sentences (issue 16): the AE "related" footnote names each AEREL code through
the labels with the code kept in brackets, lists shown in a document are joined with the glossary's list
separator, live confidence intervals in sentences take the glossary's brackets."""

from __future__ import annotations

import copy
import html
import re

import pytest

from dossier.analyses.model import Term
from dossier.document.formatting import Formatter
from dossier.document.glossary import load_glossary
from dossier.document.labels import Catalogue, Terms
from dossier.render.html import PACKAGE_TEMPLATES
from tests.conftest import TINY_SPEC, run_cli, tiny_tables, write_tiny_trial


def formatter(lang: str, catalogue: Catalogue | None = None) -> Formatter:
    return Formatter(load_glossary(lang, [PACKAGE_TEMPLATES]), lang, Terms(lang, catalogue))


def related_footnote(values: tuple[str, ...]) -> Term:
    from types import SimpleNamespace

    from dossier.analyses.adverse_events_stats import related_footnote

    return related_footnote(SimpleNamespace(related=values))


def test_related_footnote_shows_each_code_through_the_labels_with_the_code_in_brackets():
    from dossier.analyses.adverse_events import RELATED

    fmt = formatter("ja")
    text = fmt.label(related_footnote(RELATED))
    assert text == ("副作用：因果関係（AEREL）が関連あり（RELATED）、関連があるかもしれない（POSSIBLY RELATED）、"
                    "多分関連あり（PROBABLY RELATED）、明らかに関連あり（DEFINITELY RELATED）、"
                    "関連があるかもしれない（POSSIBLE）、多分関連あり（PROBABLE）、明らかに関連あり（DEFINITE）、"
                    "関連あり（Y）、関連あり（YES）のいずれかである事象。その他の値又は空欄の事象は因果関係なしとして扱った。")
    assert not fmt.terms.shown  # every default code has its Japanese: nothing for the translation report
    en = formatter("en")
    # in English a label that is the code in other letters shows the code alone; one that differs keeps it
    assert en.label(related_footnote(("related", "Possible", "Y"))) == (
        "Related: causality (AEREL) one of RELATED, POSSIBLE, Related (Y); any other value, or a blank causality, "
        "is counted as not related.")


def test_an_untranslated_related_code_is_shown_as_it_is_and_listed_in_the_report():
    catalogue = Catalogue(values={"AEREL": {"SUSPECTED": {"ja": "疑われる"}}})
    fmt = formatter("ja", catalogue)
    text = fmt.label(related_footnote(("SUSPECTED", "CAUSAL", "RELATED")))
    assert "疑われる（SUSPECTED）、CAUSAL、関連あり（RELATED）のいずれか" in text
    assert [(r.kind, r.source, r.text) for r in fmt.terms.shown.values()] == [("data value", "AEREL", "CAUSAL")]


def test_ja_method_text_names_no_english_causality_code():
    method = load_glossary("ja", [PACKAGE_TEMPLATES])["method_adverse_events"]
    related = re.search(r"副作用（(.*?)）、重篤", method).group(1)
    assert "AEREL" in related and not re.findall(r"\b(?!AEREL\b)[A-Z]{1,}(?: [A-Z]+)*\b", related)


@pytest.fixture(scope="module")
def ja_tiny(tmp_path_factory):
    """The tiny trial with lists in its sentences (covariates, a `where` of two values, related, severity and
    discontinuation codes), built in Japanese: (trial folder, output folder)."""
    root = tmp_path_factory.mktemp("ja-lists")
    spec = copy.deepcopy(TINY_SPEC)
    spec["analyses"][1]["where"] = {"PARAMCD": ["TTE", "TTX"]}
    spec["analyses"][2]["covariates"] = ["BASE", "AGE"]
    spec["analyses"][3].update({"relationship": True, "severity": "AESEV", "discontinuation": True})
    tables = tiny_tables()
    for i, row in enumerate(tables["adae"]):
        row.update({"AEREL": ("PROBABLE", "NONE", "POSSIBLE")[i % 3], "AESEV": ("MILD", "SEVERE")[i % 2],
                    "AEACN": ("DRUG WITHDRAWN", "DOSE NOT CHANGED")[i % 2]})
    trial = write_tiny_trial(root / "trial", spec, tables)
    result = run_cli("build", str(trial), "-o", str(root / "out"), "--lang", "ja")
    assert result.returncode == 0, result.stderr
    return trial, root / "out"


def shown_text(path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def test_lists_in_a_japanese_document_take_the_japanese_list_separator(ja_tiny):
    _, out = ja_tiny
    for document in ("briefing.html", "sakigake.html"):
        text = re.sub(r"\bNE\b", "0", shown_text(out / document))  # a bound not estimable ("(17.0, NE)")
        # ", " only between the numbers of an interval or a range ("0.34, 6.79"), never between words or codes
        assert not re.findall(r"[^\d\s], |, [^\d\s-]", text), document
    text = shown_text(out / "briefing.html")
    assert "共変量（BASE、AGE）" in text  # the ANCOVA covariates
    assert "PARAMCD = TTE、TTX" in text  # a `where:` of two values
    assert "軽い順に軽度（MILD）、中等度（MODERATE）、高度（SEVERE）" in text  # the severity scale
    assert "処置（AEACN）が投与中止（DRUG WITHDRAWN）のいずれか" in text
    assert "因果関係（AEREL）が関連あり（RELATED）、関連があるかもしれない（POSSIBLY RELATED）、" in text
    assert "POSSIBLY RELATED、" not in text and "RELATED, " not in text


def test_the_same_lists_in_english_keep_the_english_separator():
    en = formatter("en")
    assert en.term("cfb_footnote_ancova", covariates=("BASE", "AGE"), reference="Placebo").count("BASE, AGE") == 1
    ja = formatter("ja")
    assert "共変量（BASE、AGE）" in ja.term("cfb_footnote_ancova", covariates=("BASE", "AGE"), reference="プラセボ")


@pytest.mark.parametrize("lang, thousands, shown", [
    ("en", False, "(0.52, 0.91)"), ("ja", False, "（0.52, 0.91）"),
    ("en", True, "(1,234.50, NE)"), ("ja", True, "（1,234.50, NE）"),
])
def test_a_live_interval_in_a_sentence_takes_the_glossarys_brackets(lang, thousands, shown):
    from dossier.document.writer_text import format_reference

    fmt = formatter(lang)
    value = [1234.5, None] if thousands else [0.5249, 0.9051]
    assert format_reference(value, "2," if thousands else "2", "ci", fmt) == shown
    # a table keeps the half-width brackets of the numbers beside it in both languages
    from dossier.analyses.model import Estimate

    assert fmt.cell(Estimate(0.68, 0.52, 0.91, 2)) == "0.68 (0.52, 0.91)"


def test_a_japanese_writers_text_shows_the_live_interval_in_full_width_brackets(ja_tiny, tmp_path):
    trial, _ = ja_tiny
    import shutil

    folder = shutil.copytree(trial, tmp_path / "trial")
    (folder / "text" / "ja").mkdir()
    (folder / "text" / "ja" / "disease.md").write_text(
        "ハザード比は[[tte:comparisons/Drug/hazard_ratio|2]]、その95%信頼区間は[[tte:comparisons/Drug/hr_ci|2]]であった。\n",
        encoding="utf-8")
    result = run_cli("build", str(folder), "-o", str(tmp_path / "out"), "--lang", "ja")
    assert result.returncode == 0, result.stderr
    text = shown_text(tmp_path / "out" / "briefing.html")
    found = re.search(r"その95%信頼区間は(.)(\d+\.\d\d|NE), (\d+\.\d\d|NE)(.)であった", text)
    assert found and (found.group(1), found.group(4)) == ("（", "）")
