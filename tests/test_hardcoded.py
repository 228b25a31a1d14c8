"""`dossier check` points at numbers typed into the writer's text that should be live references."""

from __future__ import annotations

from dossier.hardcoded import _index, scan_text
from tests.conftest import run_cli

EVIDENCE = {"lvef": {"visits": {"Week 52": {"groups": {"High": {"n": 28, "mean_change": 4.256,
                                                                 "change_ci": [2.013, 6.499]}},
                                            "comparisons": [{"group": "High", "reference": "Placebo",
                                                             "difference": 3.949, "p": 0.0042}]}},
                     "at_risk": {"times": [0, 60, 120]}, "mcid": 5}}


def scan(text: str) -> list[str]:
    return scan_text(text, "text/q.md", _index(EVIDENCE))


def test_a_copied_result_is_reported_with_the_reference_to_use():
    (warning,) = scan("LVEF improved by 4.3 points at Week 52.")
    assert warning.startswith("text/q.md: line 1: 4.3 equals the computed statistic")
    assert "[[lvef:visits/Week 52/groups/High/mean_change|1]]" in warning


def test_ci_limits_counts_and_percentages_are_found():
    found = scan("n = 28 (CI 2.01 to 6.50); difference 3.95\n0.4% of subjects")
    assert any("28 equals" in w for w in found)
    assert any("2.01 equals" in w and "change_ci" in w for w in found)
    assert any("6.50 equals" in w for w in found)
    assert any("line 1: 3.95 equals" in w for w in found)
    assert any("line 2: 0.4% equals" in w and "/p" in w for w in found)


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
    assert "text/disease.md: line 2: 75.2 equals the computed statistic demog:variables/AGE/groups/Placebo/mean" \
        in result.stderr


def test_settings_each_type_restates_in_its_evidence_are_not_reported():
    """A type declares which evidence paths restate its settings (AnalysisType.settings_keys): the numbers-at-
    risk times of a time-to-event analysis, the MCID of a change from baseline are the writer's choices."""
    evidence = {"os": {"type": "time_to_event", "at_risk": {"times": [0, 90, 180]}, "logrank_p": 0.0417},
                "qol": {"type": "change_from_baseline", "mcid": 35.0, "covariates": ["BASE"]}}
    index = _index(evidence)
    assert scan_text("Times 90 and 180; a threshold of 35; p = 0.042.", "t.md", index) == [
        ("t.md: line 1: 0.042 equals the computed statistic os:logrank_p; write [[os:logrank_p|3]] so the text "
        "follows the data")]
    untyped = _index({"os": {"at_risk": {"times": [0, 90, 180]}}})  # no type: every number is a result
    assert len(scan_text("Times 90 and 180.", "t.md", untyped)) == 2


def test_numbers_of_hundreds_of_digits_in_the_text_are_scanned_without_error():
    """A 199-digit integer (the longest word the writer's text allows is 200 characters) used to stop
    `dossier check` with decimal.InvalidOperation (exit 3)."""
    from dossier.hardcoded import scan_text

    text = f"Big {'9' * 199} and 0.{'0' * 197}1 and -{'7' * 150}.{'5' * 49} ok."
    assert scan_text(text, "text/x.md", {(0, "4"): "a:b"}) == []


def test_numbers_in_japanese_text_are_found_next_to_kana_and_kanji_and_in_full_width_digits():
    found = scan("第52週のLVEFは4.3ポイント改善した。\n群間差は３．９５であり、割合は０．４％であった。")
    assert any(w.startswith("text/q.md: line 1: 4.3 equals") and "mean_change|1]]" in w for w in found)
    assert any(w.startswith("text/q.md: line 2: 3.95 equals") and "difference|2]]" in w for w in found)
    assert any(w.startswith("text/q.md: line 2: 0.4% equals") for w in found)
    assert len(found) == 3
    assert any("28 equals" in w for w in scan("High群は28例であった。"))


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
    assert "text/ja/disease.md: line 2: 75.2 equals the computed statistic demog:variables/AGE/groups/Placebo/mean" \
        in result.stderr
