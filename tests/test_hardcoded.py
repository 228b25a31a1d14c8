"""`dossier check` points at numbers typed into the writer's text that should be live references."""

from __future__ import annotations

from dossier.document.hardcoded import scan_text, statistics
from tests.conftest import run_cli

EVIDENCE = {"lvef": {"visits": {"Week 52": {"groups": {"High": {"n": 28, "mean_change": 4.256,
                                                                 "change_ci": [2.013, 6.499]}},
                                            "comparisons": [{"group": "High", "reference": "Placebo",
                                                             "difference": 3.949, "p": 0.0042}]}},
                     "at_risk": {"times": [0, 60, 120]}, "mcid": 5}}


def scan(text: str) -> list[str]:
    return scan_text(text, "text/q.md", statistics(EVIDENCE))


def test_a_copied_result_is_reported_with_the_reference_to_use():
    (warning,) = scan("LVEF improved by 4.3 points at Week 52.")
    assert warning == ("text/q.md: line 1: typed 4.3 equals [[lvef:visits/Week 52/groups/High/mean_change|1]]; "
                       "write the live reference so the text follows the data")


def test_ci_limits_counts_and_percentages_are_found():
    found = scan("n = 28 (CI 2.01 to 6.50); difference 3.95\n0.4% of subjects")
    assert any("typed 28 equals [[lvef:visits/Week 52/groups/High/n]];" in w for w in found)
    assert any("typed 2.01 equals [[lvef:visits/Week 52/groups/High/change_ci/0|2]]" in w for w in found)
    assert any("typed 6.50 equals [[lvef:visits/Week 52/groups/High/change_ci/1|2]]" in w for w in found)
    assert any("line 1: typed 3.95 equals [[lvef:visits/Week 52/comparisons/High/difference|2]]" in w for w in found)
    assert any("line 2: typed 0.4% equals [[lvef:visits/Week 52/comparisons/High/p|pct]]" in w for w in found)


def test_visits_units_dates_small_integers_and_live_references_are_not_reported():
    assert scan("At Week 52, after 28 weeks, on 2026-11-21, in 2025, Phase 2, ADAS-Cog (28), 7 subjects, "
                "[[lvef:visits/Week 52/groups/High/mean_change|1]] points, every 60 days.") == []


def test_check_reports_hardcoded_numbers_in_a_trial_folder(make_trial):
    spec = {"study": {"id": "T-1", "title": "T"}, "product": {"name": "P"}, "indication": "I",
            "population": "ITTFL", "arm": "TRT01P",
            "analyses": [{"id": "demog", "type": "baseline", "variables": ["AGE"]}],
            "briefing": {"disease": "text/disease.md"}}
    folder = make_trial(spec, texts={"text/disease.md": "Intro.\nMean age was 75.2 years in the placebo arm."})
    result = run_cli("check", str(folder))
    assert result.returncode == 0, result.stderr
    assert ("text/disease.md: line 2: typed 75.2 equals [[demog:variables/AGE/groups/Placebo/mean|1]]"
            in result.stderr)


def test_settings_each_type_restates_in_its_evidence_are_not_reported():
    """A type declares which evidence paths restate its settings (AnalysisType.settings_keys): the numbers-at-
    risk times of a time-to-event analysis, the MCID of a change from baseline are the writer's choices."""
    evidence = {"os": {"type": "time_to_event", "at_risk": {"times": [0, 90, 180]}, "logrank_p": 0.0417},
                "qol": {"type": "change_from_baseline", "mcid": 35.0, "covariates": ["BASE"]}}
    index = statistics(evidence)
    assert scan_text("Times 90 and 180; a threshold of 35; p = 0.042.", "t.md", index) == [
        ("t.md: line 1: typed 0.042 equals [[os:logrank_p|p]]; write the live reference so the text follows the "
         "data")]
    untyped = statistics({"os": {"at_risk": {"times": [0, 90, 180]}}})  # no type: every number is a result
    assert len(scan_text("Times 90 and 180.", "t.md", untyped)) == 2


def test_numbers_of_hundreds_of_digits_in_the_text_are_scanned_without_error():
    """A 199-digit integer (the longest word the writer's text allows is 200 characters) used to stop
    `dossier check` with decimal.InvalidOperation (exit 3)."""
    from dossier.document.hardcoded import scan_text

    text = f"Big {'9' * 199} and 0.{'0' * 197}1 and -{'7' * 150}.{'5' * 49} ok."
    assert scan_text(text, "text/x.md", statistics({"a": {"b": 4}})) == []


def test_numbers_in_japanese_text_are_found_next_to_kana_and_kanji_and_in_full_width_digits():
    found = scan("第52週のLVEFは4.3ポイント改善した。\n群間差は３．９５であり、割合は０．４％であった。")
    assert any(w.startswith("text/q.md: line 1: typed 4.3 equals") and "mean_change|1]]" in w for w in found)
    assert any(w.startswith("text/q.md: line 2: typed 3.95 equals") and "difference|2]]" in w for w in found)
    assert any(w.startswith("text/q.md: line 2: typed 0.4% equals") for w in found)
    assert len(found) == 3
    assert any("typed 28 equals" in w for w in scan("High群は28例であった。"))


def test_japanese_visits_units_and_dates_are_not_reported():
    assert scan("第52週まで、28週間、第28相、2026年11月21日、28日間、28カ月、表28、図28、28歳。") == []


def test_check_reports_typed_numbers_in_the_japanese_text(make_trial):
    spec = {"study": {"id": "T-1", "title": "T"}, "product": {"name": "P"}, "indication": "I",
            "population": "ITTFL", "arm": "TRT01P",
            "analyses": [{"id": "demog", "type": "baseline", "variables": ["AGE"]}],
            "briefing": {"disease": "text/disease.md"}}
    folder = make_trial(spec, texts={"text/disease.md": "Intro.",
                                     "text/ja/disease.md": "はじめに。\nプラセボ群の平均年齢は７５．２歳であった。"})
    result = run_cli("check", str(folder))
    assert result.returncode == 0, result.stderr
    assert ("text/ja/disease.md: line 2: typed 75.2 equals [[demog:variables/AGE/groups/Placebo/mean|1]]"
            in result.stderr)


def test_every_matching_statistic_is_named_with_the_format_that_prints_it_as_typed():
    evidence = {"adas": {"type": "change_from_baseline", "visits": {"Week 24": {"comparisons": [
        {"group": "Low", "reference": "Placebo", "difference": -0.57, "se": 0.8, "p": 0.5712},
        {"group": "High", "reference": "Placebo", "difference": 1.2, "p": 0.5749}]}}},
        "tte": {"type": "time_to_event", "comparisons": [{"group": "High", "reference": "Placebo",
                                                          "hazard_ratio": 0.57, "hr_ci": [0.31, 1.05]}]}}
    (warning,) = scan_text("The p-value was 0.57.", "text/question1.md", statistics(evidence))
    assert warning == ("text/question1.md: line 1: typed 0.57 equals 3 computed statistics: "
                       "[[adas:visits/Week 24/comparisons/Low/p|2]], [[adas:visits/Week 24/comparisons/High/p|2]] or "
                       "[[tte:comparisons/High/hazard_ratio|2]]; write the live reference so the text follows the "
                       "data")
    (warning,) = scan_text("p = 0.571", "t.md", statistics(evidence))
    assert "typed 0.571 equals [[adas:visits/Week 24/comparisons/Low/p|p]];" in warning  # |p prints 0.571
    (warning,) = scan_text("57.1% of the time", "t.md", statistics(evidence))
    assert "typed 57.1% equals [[adas:visits/Week 24/comparisons/Low/p|pct]];" in warning


def test_a_typed_interval_is_one_reference_without_doubled_brackets():
    evidence = {"tte": {"type": "time_to_event", "comparisons": [{"group": "High", "reference": "Placebo",
                                                                  "hazard_ratio": 0.57, "hr_ci": [0.31, 1.05]}]}}
    found = scan_text("HR 0.57 (0.31, 1.05).\nハザード比0.57（０．３１，１．０５）", "t.md", statistics(evidence))
    interval = ("typed (0.31, 1.05) equals [[tte:comparisons/High/hr_ci|2]] (an interval prints its own brackets); "
                "write the live reference so the text follows the data")
    ratio = "typed 0.57 equals [[tte:comparisons/High/hazard_ratio|2]]; write the live reference so the text follows the data"
    assert found == [f"t.md: line 1: {interval}", f"t.md: line 1: {ratio}", f"t.md: line 2: {interval}",
                     f"t.md: line 2: {ratio}"]


def test_each_suggested_reference_prints_the_number_as_typed():
    """The suggestion is checked by the writer's-text renderer itself: substituting it gives the typed text."""
    import re

    from dossier.document.formatting import Formatter
    from dossier.document.writer_text import substitute

    evidence = {"adas": {"type": "change_from_baseline", "visits": {"Week 24": {"comparisons": [
        {"group": "Low", "reference": "Placebo", "difference": -0.574, "p": 0.0042, "ci": [-1.234, 0.086]}]}}}}
    for typed in ("-0.57", "-0.574", "0.004", "0.4%", "(-1.23, 0.09)"):
        (warning,) = scan_text(f"Value {typed} here.", "t.md", statistics(evidence))
        reference = re.search(r"\[\[[^\]]+\]\]", warning).group(0)
        assert substitute(reference, evidence, Formatter({}, "en"), "t.md") == typed, (typed, warning)


def test_numbers_typed_with_thousands_separators_are_one_number_and_get_the_grouping_format():
    evidence = {"documents": {"orphan": {"patients": {"estimate": 30951.2, "threshold": 50000}}}}
    found = scan_text("About 30,951 patients (below 50,000).\n約３０，９５１人。\nAbout 30951 patients.", "t.md",
                      statistics(evidence))
    assert [w.split(": write")[0].split("; write")[0] for w in found] == [
        "t.md: line 1: typed 30,951 equals [[documents:orphan/patients/estimate|0,]]",
        "t.md: line 1: typed 50,000 equals [[documents:orphan/patients/threshold|0,]]",
        "t.md: line 2: typed 30,951 equals [[documents:orphan/patients/estimate|0,]]",
        "t.md: line 3: typed 30951 equals [[documents:orphan/patients/estimate|0]]"]
    assert scan_text("Sites 1,234 and 12,3456.", "t.md", statistics({"a": {"n": 1234}})) == [
        "t.md: line 1: typed 1,234 equals [[a:n|0,]]; write the live reference so the text follows the data"]
