"""Baseline characteristics: the R Consortium Submission Pilot 1 demographics table (14-2.01),
hand-computed quartiles (SAS QNTLDEF=5), and toy data for missing values and empty categories."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.analyses import baseline_stats as baseline
from dossier.analyses import declared, required_of
from dossier.analyses.model import Count, MeanSD, Number, Range, Term, Text
from dossier.data.datasets import TrialData, load
from dossier.document.formatting import fixed
from dossier.errors import AnalysisError
from tests.conftest import glossary_entries, table_text, terms_of
from tests.conftest import toy_spec as make_spec

ROOT = Path(__file__).resolve().parents[1]
PILOT = ROOT / "datasets" / "cdisc-pilot01"
ARMS = ("Placebo", "Xanomeline Low Dose", "Xanomeline High Dose")


def run(analysis: dict, data: TrialData, **top):
    spec = make_spec(analysis, **top)
    return baseline.run(spec.analyses[0], spec, data)


def rendered(result, lang: str = "en") -> list[list[str]]:
    return table_text(result.tables[0], lang)


def toy(adsl: dict, labels: dict | None = None) -> TrialData:
    return TrialData(files={}, frames={"adsl": pd.DataFrame(adsl)}, labels={"adsl": labels or {}})


# --------------------------------------------------------------------------- pilot reference


@pytest.fixture(scope="module")
def pilot():
    data = load(PILOT, {"adsl": set()})
    result = run({"id": "demog", "type": "baseline", "variables": ["AGE", "AGEGR1", "SEX", "RACE"]}, data,
                 population="ITTFL", arm="TRT01P")
    return data, result


def test_pilot_population_sizes(pilot):
    _, result = pilot
    assert result.evidence["N"] == {"Placebo": 86, "Xanomeline Low Dose": 84, "Xanomeline High Dose": 84, "Total": 254}
    assert result.groups == ARMS  # ordered by TRT01PN


def test_pilot_age_mean_sd_at_printed_precision(pilot):
    """Published Table 14-2.01: 75.2 (8.59) / 75.7 (8.29) / 74.4 (7.89), Total 75.1 (8.25)."""
    _, result = pilot
    age = result.evidence["variables"]["AGE"]["groups"]
    published = {"Placebo": ("75.2", "8.59"), "Xanomeline Low Dose": ("75.7", "8.29"),
                 "Xanomeline High Dose": ("74.4", "7.89"), "Total": ("75.1", "8.25")}
    for group, (mean, sd) in published.items():
        assert (fixed(age[group]["mean"], 1), fixed(age[group]["sd"], 2)) == (mean, sd), group
    rows = rendered(result)
    assert rows[0] == ["Characteristic", "Placebo (N=86)", "Xanomeline Low Dose (N=84)",
                       "Xanomeline High Dose (N=84)", "Total (N=254)"]
    assert ["Mean (SD)", "75.2 (8.59)", "75.7 (8.29)", "74.4 (7.89)", "75.1 (8.25)"] in rows


def test_pilot_age_against_independent_pandas(pilot):
    data, result = pilot
    adsl = data.frame("adsl")
    itt = adsl[adsl["ITTFL"] == "Y"]
    age = result.evidence["variables"]["AGE"]["groups"]
    for arm, values in itt.groupby("TRT01P", observed=True)["AGE"]:
        assert age[arm]["n"] == len(values)
        assert age[arm]["mean"] == pytest.approx(values.mean(), rel=1e-12)
        assert age[arm]["sd"] == pytest.approx(values.std(), rel=1e-12)
        assert age[arm]["median"] == values.median()
        assert (age[arm]["min"], age[arm]["max"]) == (values.min(), values.max())
        assert isinstance(age[arm]["mean"], float) and isinstance(age[arm]["n"], int)


def test_pilot_categorical_counts(pilot):
    """Published age group, sex and race counts, each confirmed by an independent pandas count."""
    data, result = pilot
    adsl = data.frame("adsl")
    itt = adsl[adsl["ITTFL"] == "Y"]
    published = {
        "AGEGR1": {"<65": (14, 8, 11), "65-80": (42, 47, 55), ">80": (30, 29, 18)},
        "SEX": {"F": (53, 50, 40)},
        "RACE": {"WHITE": (78, 78, 74), "BLACK OR AFRICAN AMERICAN": (8, 6, 9),
                 "AMERICAN INDIAN OR ALASKA NATIVE": (0, 0, 1)},
    }
    for variable, levels in published.items():
        groups = result.evidence["variables"][variable]["groups"]
        independent = pd.crosstab(itt[variable], itt["TRT01P"])
        for level, counts in levels.items():
            assert tuple(int(independent.at[level, arm]) for arm in ARMS) == counts  # the data agree
            assert tuple(groups[arm]["counts"][level] for arm in ARMS) == counts
            assert groups["Total"]["counts"][level] == sum(counts)
        for arm in ARMS:
            assert groups[arm]["N"] == (86 if arm == "Placebo" else 84)
            assert groups[arm]["missing"] == 0


def test_pilot_levels_follow_numeric_codes(pilot):
    _, result = pilot
    variables = result.evidence["variables"]
    assert variables["AGEGR1"]["levels"] == ["<65", "65-80", ">80"]  # AGEGR1N 1, 2, 3
    assert variables["RACE"]["levels"] == ["WHITE", "BLACK OR AFRICAN AMERICAN",
                                           "AMERICAN INDIAN OR ALASKA NATIVE"]  # RACEN 1, 2, 6
    assert variables["SEX"]["levels"] == ["F", "M"]  # no SEXN: alphabetical
    assert variables["AGE"]["label"] == "Age" and variables["AGEGR1"]["label"] == "Pooled Age Group 1"


def test_pilot_rendered_rows(pilot):
    _, result = pilot
    rows = rendered(result)
    assert ["Age", "", "", "", ""] in rows
    assert ["AMERICAN INDIAN OR ALASKA NATIVE", "0 (0.0%)", "0 (0.0%)", "1 (1.2%)", "1 (0.4%)"] in rows
    assert ["F", "53 (61.6%)", "50 (59.5%)", "40 (47.6%)", "143 (56.3%)"] in rows
    assert not any(r[0] == "Missing" for r in rows)
    ja = rendered(result, "ja")
    assert ja[0][-1] == "合計 (N=254)" and ["平均値 (SD)", "75.2 (8.59)", "75.7 (8.29)", "74.4 (7.89)",
                                            "75.1 (8.25)"] in ja


def test_pilot_result_metadata(pilot):
    _, result = pilot
    assert (result.type, result.population, result.arm, result.datasets) == ("baseline", "ITTFL", "TRT01P", ("adsl",))
    assert result.method == Term("method_baseline")
    assert result.tables[0].key == "demog" and not result.tables[0].wide
    assert set(result.evidence) == {"variables", "N"}


# --------------------------------------------------------------------------- quartiles (SAS QNTLDEF=5)


@pytest.mark.parametrize("values, q1, q3", [
    (range(1, 11), 3.0, 8.0),        # n p = 2.5, 7.5: the 3rd and 8th values
    ([1, 2, 3, 4], 1.5, 3.5),        # n p = 1, 3 (whole): averages of the 1st/2nd and 3rd/4th
    ([2, 4, 6, 8, 10], 4.0, 8.0),    # n p = 1.25, 3.75: the 2nd and 4th values
    ([7, 1, 3, 5, 9, 11, 13, 15], 4.0, 12.0),  # sorted 1..15 odd; n p = 2, 6: (3+5)/2, (11+13)/2
    ([5], 5.0, 5.0),
])
def test_quartiles_by_hand(values, q1, q3):
    assert baseline.quartiles(np.array(list(values), dtype=float)) == (q1, q3)


def sas_qntldef5(values: list[int], p: Fraction) -> Fraction:
    """The QNTLDEF=5 definition written out: n p = j + g; g > 0 -> x(j+1); g = 0 -> (x(j) + x(j+1)) / 2."""
    x = sorted(values)
    np_ = len(x) * p
    j, g = int(np_), np_ - int(np_)
    if g > 0:
        return Fraction(x[j])
    return Fraction(x[j - 1] + x[j], 2) if j > 0 else Fraction(x[0])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-1000, 1000), min_size=1, max_size=40))
def test_quartiles_match_the_written_definition(values):
    q1, q3 = baseline.quartiles(np.array(values, dtype=float))
    assert q1 == pytest.approx(float(sas_qntldef5(values, Fraction(1, 4))))
    assert q3 == pytest.approx(float(sas_qntldef5(values, Fraction(3, 4))))


def test_numeric_summary_of_one_to_ten():
    stats = baseline.numeric_summary(pd.Series(np.arange(1, 11, dtype=float)))
    assert stats == {"n": 10, "mean": 5.5, "sd": pytest.approx(3.0276503540974917), "median": 5.5,
                     "q1": 3.0, "q3": 8.0, "min": 1.0, "max": 10.0, "missing": 0}


# --------------------------------------------------------------------------- toy data


def toy_adsl():
    return toy({
        "USUBJID": ["S1", "S2", "S3", "S4", "S5", "S6", "S7"],
        "SAFFL": ["Y", "Y", "Y", "Y", "Y", "Y", "N"],
        "TRT01A": ["A", "A", "A", "B", "B", "B", "B"],
        "WEIGHT": [60.5, np.nan, 70.25, 80.0, 81.5, 82.0, 99.0],
        "SEX": ["F", "", "F", "M", "M", "F", "F"],
        "GRP": ["x", "x", "x", "x", "y", "y", "z"],
        "GRPN": [2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 3.0],
    }, labels={"WEIGHT": "Weight (kg)"})


def test_toy_missing_rows_and_decimals():
    result = run({"id": "bl", "type": "baseline", "variables": ["WEIGHT", "SEX"]}, toy_adsl())
    assert result.evidence["N"] == {"A": 3, "B": 3, "Total": 6}  # S7 is not in SAFFL
    weight = result.evidence["variables"]["WEIGHT"]
    assert weight["label"] == "Weight (kg)"
    assert weight["groups"]["A"]["n"] == 2 and weight["groups"]["A"]["missing"] == 1
    assert weight["groups"]["A"]["mean"] == pytest.approx((60.5 + 70.25) / 2)
    rows = result.tables[0].rows
    by_label = {r.cells[0]: r for r in rows}
    # data recorded with 2 decimals: mean/median/quartiles 3, SD 4 (MeanSD adds one), min/max 2
    assert by_label[Term("baseline_mean_sd")].cells[1] == MeanSD(weight["groups"]["A"]["mean"],
                                                                weight["groups"]["A"]["sd"], 3)
    assert by_label[Term("baseline_median")].cells[1] == Number(weight["groups"]["A"]["median"], 3)
    assert by_label[Term("baseline_min_max")].cells[2] == Range(80.0, 82.0, 2)
    texts = rendered(result)
    assert ["Weight (kg)", "", "", ""] in texts
    assert ["Missing", "1", "0", "1"] in texts  # numeric missing: a count
    sex = result.evidence["variables"]["SEX"]
    assert sex["levels"] == ["F", "M"]
    assert sex["groups"]["A"] == {"N": 3, "counts": {"F": 2, "M": 0}, "missing": 1}
    assert ["F", "2 (66.7%)", "1 (33.3%)", "3 (50.0%)"] in texts
    assert ["M", "0 (0.0%)", "2 (66.7%)", "2 (33.3%)"] in texts  # absent in arm A
    assert ["Missing", "1 (33.3%)", "0 (0.0%)", "1 (16.7%)"] in texts


def test_toy_sd_of_a_single_value_is_not_estimable():
    data = toy_adsl()
    data.frames["adsl"].loc[0, "WEIGHT"] = np.nan
    result = run({"id": "bl", "type": "baseline", "variables": ["WEIGHT"]}, data)
    a = result.evidence["variables"]["WEIGHT"]["groups"]["A"]
    assert a["n"] == 1 and a["sd"] is None and a["mean"] == 70.25
    total = np.array([70.25, 80.0, 81.5, 82.0])
    assert ["Mean (SD)", "70.250 (NE)", "81.167 (1.0408)",
            f"{fixed(total.mean(), 3)} ({fixed(total.std(ddof=1), 4)})"] in rendered(result)


def test_toy_levels_by_code_and_where_filter():
    result = run({"id": "bl", "type": "baseline", "variables": ["GRP"], "where": {"SEX": ["F", "M"]}},
                 toy_adsl())
    grp = result.evidence["variables"]["GRP"]
    assert grp["levels"] == ["y", "x"]  # GRPN 1 before 2; "z" only outside the population
    assert result.evidence["N"] == {"A": 2, "B": 3, "Total": 5}  # S2 (blank SEX) filtered out
    assert result.filters == (("SEX", ("F", "M")),)


def test_toy_where_emptying_an_arm_keeps_the_column():
    result = run({"id": "bl", "type": "baseline", "variables": ["SEX"], "where": {"GRP": "y"}}, toy_adsl())
    assert result.evidence["N"] == {"A": 0, "B": 2, "Total": 2}
    assert any("arm 'A' has no subjects" in w for w in result.warnings)
    assert result.evidence["variables"]["SEX"]["groups"]["A"]["counts"] == {"F": 0, "M": 0}


def test_toy_single_arm_has_no_total_column():
    data = toy_adsl()
    data.frames["adsl"]["TRT01A"] = "A"
    result = run({"id": "bl", "type": "baseline", "variables": ["SEX"]}, data)
    assert result.evidence["N"] == {"A": 6}
    assert len(result.tables[0].columns) == 2


def test_toy_many_arms_make_a_wide_table():
    arms = ["A", "B", "C", "D", "E"]
    data = toy({"USUBJID": [f"S{i}" for i in range(10)], "SAFFL": ["Y"] * 10,
                "TRT01A": [arms[i % 5] for i in range(10)], "AGE": [float(30 + i) for i in range(10)]})
    result = run({"id": "bl", "type": "baseline", "variables": ["AGE"]}, data)
    assert result.tables[0].wide and len(result.tables[0].columns) == 7
    assert result.groups == tuple(arms)


def test_reference_arm_first_without_numeric_code():
    result = run({"id": "bl", "type": "baseline", "variables": ["SEX"]}, toy_adsl(), reference_arm="B")
    assert result.groups == ("B", "A")
    assert result.tables[0].columns[1] == Term("arm_n", (("arm", Text("B")), ("n", 3)))


def test_a_numeric_arm_variable_names_its_arms_as_validation_reads_them():
    """A numeric arm variable held as floats (0.0, 1.0): the arms are "0" and "1", as `dossier check` reads a
    reference arm (1.0 reads "1"), never "0.0"; the pilot's TRT01PN (0, 54, 81) gives "0", "54", "81"."""
    from dossier.analyses.options import setting
    from dossier.data.selection import population_subjects

    data = toy({"USUBJID": [f"S{i}" for i in range(6)], "SAFFL": ["Y"] * 6, "TRT01AN": [0.0, 1.0] * 3,
                "SEX": ["F", "M", "M", "F", "F", "M"]})
    result = run({"id": "bl", "type": "baseline", "variables": ["SEX"]}, data, arm="TRT01AN", reference_arm="0")
    assert result.groups == ("0", "1")
    assert result.evidence["N"] == {"0": 3, "1": 3, "Total": 6}
    # the selection the other types share (time to event, change from baseline, MMRM, by-visit) names them alike
    spec = make_spec({"id": "tte", "type": "time_to_event", "dataset": "adtte", "param": "X"}, arm="TRT01AN",
                     reference_arm="0")
    subjects, arms, _ = population_subjects(spec.analyses[0], data.frame("adsl"), setting(spec.analyses[0], spec))
    assert arms == ("0", "1") and sorted(set(subjects["TRT01AN"])) == ["0", "1"]
    pilot = run({"id": "bl", "type": "baseline", "variables": ["SEX"]}, load(PILOT, {"adsl": set()}),
                population="ITTFL", arm="TRT01PN", reference_arm="0")
    assert pilot.evidence["N"] == {"0": 86, "54": 84, "81": 84, "Total": 254}  # the ITT arms (Placebo, Low, High)


def test_the_documents_arm_counts_read_a_numeric_arm_as_the_analyses_do(tmp_path):
    """The build's own count of each arm (pipeline.arm_counts: the documents' arms, the labels of arm values)
    names a numeric arm as the analyses do, so the two meet (they were 0.0 and "0": the build stopped on an
    internal error comparing them)."""
    from dossier.build.pipeline import arm_counts
    from tests.conftest import toy_spec

    spec = toy_spec({"id": "bl", "type": "baseline", "variables": ["SEX"]}, population="ITTFL", arm="TRT01PN",
                    reference_arm="0")
    assert arm_counts(spec, load(PILOT, {"adsl": set()})) == [("0", 86), ("54", 84), ("81", 84)]


def test_blank_arm_subjects_are_left_out_with_a_warning():
    data = toy_adsl()
    data.frames["adsl"].loc[0, "TRT01A"] = ""
    result = run({"id": "bl", "type": "baseline", "variables": ["SEX"]}, data)
    assert result.evidence["N"]["A"] == 2
    assert any("blank TRT01A" in w for w in result.warnings)


@pytest.mark.parametrize("analysis, top, words", [
    ({"variables": ["HEIGHT"]}, {}, ["'bl'", "HEIGHT", "adsl"]),
    ({"variables": ["SEX"]}, {"population": "ITTFL"}, ["'bl'", "ITTFL", "adsl"]),
    ({"variables": ["SEX"]}, {"arm": "TRT01P"}, ["'bl'", "TRT01P", "adsl"]),
    ({"variables": ["SEX"], "where": {"PARAMCD": "X"}}, {}, ["'bl'", "PARAMCD", "adsl"]),
    ({"variables": ["SEX"], "population": "EFFFL"}, {}, ["'bl'", "EFFFL"]),
])
def test_bad_input_raises_analysis_error(analysis, top, words):
    data = toy_adsl()
    data.frames["adsl"]["EFFFL"] = "N"
    with pytest.raises(AnalysisError) as info:
        run({"id": "bl", "type": "baseline", **analysis}, data, **top)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_date_variable_is_refused():
    data = toy_adsl()
    data.frames["adsl"]["TRTSDT"] = pd.to_datetime(["2020-01-01"] * 7)
    with pytest.raises(AnalysisError, match="TRTSDT.*date"):
        run({"id": "bl", "type": "baseline", "variables": ["TRTSDT"]}, data)


def test_required_lists_population_arm_variables_and_where():
    spec = make_spec({"id": "bl", "type": "baseline", "variables": ["age", "SEX"], "where": {"ITTFL": "Y"}})
    assert required_of(declared(spec.analyses[0], spec)) == {"adsl": {"USUBJID", "SAFFL", "TRT01A", "AGE", "SEX",
                                                                  "ITTFL"}}


def test_every_term_is_in_the_glossary_in_both_languages(pilot):
    _, result = pilot
    toy_result = run({"id": "bl", "type": "baseline", "variables": ["WEIGHT", "SEX"]}, toy_adsl())
    entries = glossary_entries()
    used = terms_of(result) | terms_of(toy_result)
    assert used <= set(entries), used - set(entries)
    for key in used:
        assert entries[key]["en"] and entries[key]["ja"], key
    assert "QNTLDEF=5" in entries["method_baseline"]["en"] and "QNTLDEF=5" in entries["method_baseline"]["ja"]
    for lang in ("en", "ja"):
        rendered(result, lang), rendered(toy_result, lang)  # every placeholder is filled


def test_counts_are_plain_ints(pilot):
    _, result = pilot
    cells = [c for row in result.tables[0].rows for c in row.cells if isinstance(c, Count)]
    assert cells and all(type(c.n) is int and type(c.denominator) in (int, type(None)) for c in cells)


def test_numeric_arm_variable_is_shown_as_text():
    data = toy_adsl()
    data.frames["adsl"]["TRT01AN"] = [2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0]
    result = run({"id": "bl", "type": "baseline", "variables": ["SEX"], "arm": "TRT01AN"}, data)
    assert result.groups == ("1", "2")
    assert result.evidence["N"] == {"1": 3, "2": 3, "Total": 6}
