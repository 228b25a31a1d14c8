"""Subject disposition: the CDISC pilot ADSL against independent pandas counts, and toy ADSLs for
each source of the end-of-study status (EOSSTT, DCDECOD, DISCONFL) and the defaults."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dossier.analyses import declared, required_of
from dossier.analyses import disposition_stats as disposition
from dossier.analyses.model import Count, Text
from dossier.data.datasets import TrialData, load
from dossier.errors import AnalysisError
from tests.conftest import glossary_entries, table_text, terms_of
from tests.conftest import glossary_formatter as formatter
from tests.conftest import toy_spec as make_spec

ROOT = Path(__file__).resolve().parents[1]
PILOT = ROOT / "datasets" / "cdisc-pilot01"
ARMS = ("Placebo", "Xanomeline Low Dose", "Xanomeline High Dose")


def run(data: TrialData, analysis: dict | None = None, **top):
    spec = make_spec({"id": "disp", "type": "disposition", **(analysis or {})}, **top)
    return disposition.run(spec.analyses[0], spec, data)


def rendered(result, lang: str = "en") -> list[list[str]]:
    return table_text(result.tables[0], lang)


def notes(result, lang: str = "en") -> list[str]:
    f = formatter(lang)
    return [f.label(n) for n in result.tables[0].footnotes]





# --------------------------------------------------------------------------- pilot


@pytest.fixture(scope="module")
def pilot():
    data = load(PILOT, {"adsl": set()})
    return data, run(data, {"variables": ["COMP24FL"]})


def by_arm(frame: pd.DataFrame, mask: pd.Series) -> dict[str, int]:
    counts = frame[mask].groupby("TRT01P", observed=True).size()
    return {**{a: int(counts.get(a, 0)) for a in ARMS}, "Total": int(mask.sum())}


def test_pilot_defaults(pilot):
    """The pilot ADSL has no RANDFL: subjects are ITTFL = Y; groups by planned treatment TRT01P."""
    data, result = pilot
    assert "RANDFL" not in data.frame("adsl").columns
    assert (result.population, result.arm) == ("ITTFL", "TRT01P")
    assert result.groups == ARMS
    assert result.evidence["N"] == {"Placebo": 86, "Xanomeline Low Dose": 84, "Xanomeline High Dose": 84, "Total": 254}
    assert "Randomised: all subjects with ITTFL = Y (the dataset has no RANDFL)." in notes(result)


def test_pilot_rows_against_pandas(pilot):
    data, result = pilot
    adsl = data.frame("adsl")
    itt = adsl[adsl["ITTFL"] == "Y"]
    rows = result.evidence["rows"]
    assert rows["randomised"] == by_arm(itt, itt["ITTFL"] == "Y")
    assert rows["treated"] == by_arm(itt, itt["SAFFL"] == "Y")
    assert rows["completed"] == by_arm(itt, itt["EOSSTT"] == "COMPLETED")
    assert rows["discontinued"] == by_arm(itt, itt["EOSSTT"] == "DISCONTINUED")
    assert rows["COMP24FL"] == by_arm(itt, itt["COMP24FL"] == "Y")
    # the values, as computed independently above
    assert rows["completed"] == {"Placebo": 58, "Xanomeline Low Dose": 25, "Xanomeline High Dose": 27, "Total": 110}
    assert rows["discontinued"] == {"Placebo": 28, "Xanomeline Low Dose": 59, "Xanomeline High Dose": 57,
                                    "Total": 144}
    assert rows["COMP24FL"] == {"Placebo": 60, "Xanomeline Low Dose": 28, "Xanomeline High Dose": 30, "Total": 118}
    assert list(rows) == ["randomised", "treated", "COMP24FL", "completed", "discontinued"]


def test_pilot_reasons_against_pandas(pilot):
    data, result = pilot
    adsl = data.frame("adsl")
    disc = adsl[(adsl["ITTFL"] == "Y") & (adsl["EOSSTT"] == "DISCONTINUED")]
    independent = pd.crosstab(disc["DCSREAS"], disc["TRT01P"])
    reasons = result.evidence["reasons"]
    assert set(reasons) == set(independent.index)
    for reason, counts in reasons.items():
        assert counts == {**{a: int(independent.at[reason, a]) for a in ARMS},
                          "Total": int(independent.loc[reason].sum())}
    assert reasons["Adverse Event"] == {"Placebo": 8, "Xanomeline Low Dose": 44, "Xanomeline High Dose": 40,
                                        "Total": 92}
    totals = [(-c["Total"], r.casefold()) for r, c in reasons.items()]
    assert totals == sorted(totals)
    assert sum(c["Total"] for c in reasons.values()) == result.evidence["rows"]["discontinued"]["Total"]


def test_pilot_table(pilot):
    _, result = pilot
    rows = rendered(result)
    assert rows[0] == ["Status", "Placebo (N=86)", "Xanomeline Low Dose (N=84)", "Xanomeline High Dose (N=84)",
                       "Total (N=254)"]
    assert rows[1] == ["Randomised", "86", "84", "84", "254"]
    assert ["Completed", "58 (67.4%)", "25 (29.8%)", "27 (32.1%)", "110 (43.3%)"] in rows
    assert ["Completers of Week 24 Population Flag", "60 (69.8%)", "28 (33.3%)", "30 (35.7%)", "118 (46.5%)"] in rows
    index = [r[0] for r in rows].index("Discontinued")
    assert rows[index + 1] == ["Adverse Event", "8 (9.3%)", "44 (52.4%)", "40 (47.6%)", "92 (36.2%)"]
    body = result.tables[0].rows  # rendered rows start with the header
    assert body[index - 1].level == 0 and body[index].level == 1
    ja = rendered(result, "ja")
    assert ja[1][0] == "無作為化" and "中止" in [r[0] for r in ja] and ja[0][-1] == "合計 (N=254)"
    assert set(result.evidence) == {"N", "rows", "reasons"}


# --------------------------------------------------------------------------- toy ADSLs


def toy(**columns) -> TrialData:
    base = {
        "USUBJID": ["S1", "S2", "S3", "S4", "S5", "S6", "S7"],
        "RANDFL": ["Y", "Y", "Y", "Y", "Y", "Y", "N"],  # S7: screen failure
        "SAFFL": ["Y", "Y", "Y", "Y", "N", "Y", "N"],
        "TRT01P": ["Drug", "Drug", "Drug", "Placebo", "Placebo", "Placebo", ""],
        "TRT01A": ["Drug", "Drug", "Drug", "Placebo", "", "Placebo", ""],
        "EOSSTT": ["COMPLETED", "DISCONTINUED", "ONGOING", "COMPLETED", "DISCONTINUED", "", ""],
        "DCSREAS": ["", "ADVERSE EVENT", "", "", "", "", ""],
        "DCDECOD": ["COMPLETED", "ADVERSE EVENT", "", "COMPLETED", "WITHDRAWAL BY SUBJECT", "", "SCREEN FAILURE"],
    }
    base.update(columns)
    frame = pd.DataFrame({k: v for k, v in base.items() if v is not None})
    return TrialData(files={}, frames={"adsl": frame}, labels={"adsl": {"COMP24FL": "Completed week 24"}})


def test_toy_randfl_eosstt_ongoing_and_missing_status():
    result = run(toy())
    ev = result.evidence
    assert (result.population, result.arm) == ("RANDFL", "TRT01P")  # untreated S5 still counted by TRT01P
    assert result.groups == ("Drug", "Placebo")
    assert ev["N"] == {"Drug": 3, "Placebo": 3, "Total": 6}
    assert ev["rows"] == {
        "randomised": {"Drug": 3, "Placebo": 3, "Total": 6},
        "treated": {"Drug": 3, "Placebo": 2, "Total": 5},
        "completed": {"Drug": 1, "Placebo": 1, "Total": 2},
        "discontinued": {"Drug": 1, "Placebo": 1, "Total": 2},
        "ongoing": {"Drug": 1, "Placebo": 0, "Total": 1},
        "status_missing": {"Drug": 0, "Placebo": 1, "Total": 1},
    }
    # S5 discontinued without a DCSREAS: reason not recorded, shown last
    assert ev["reasons"] == {"ADVERSE EVENT": {"Drug": 1, "Placebo": 0, "Total": 1},
                             "": {"Drug": 0, "Placebo": 1, "Total": 1}}
    rows = rendered(result)
    assert ["Treated", "3 (100%)", "2 (66.7%)", "5 (83.3%)"] in rows
    assert rows[-3:] == [["Reason not recorded", "0 (0.0%)", "1 (33.3%)", "1 (16.7%)"],
                         ["Ongoing", "1 (33.3%)", "0 (0.0%)", "1 (16.7%)"],
                         ["Status not recorded", "0 (0.0%)", "1 (33.3%)", "1 (16.7%)"]]
    assert any("blank EOSSTT" in w for w in result.warnings)
    assert any("no reason in DCSREAS" in w for w in result.warnings)


def test_toy_dcdecod_when_no_eosstt_and_dcsreas():
    result = run(toy(EOSSTT=None, DCSREAS=None))
    rows = result.evidence["rows"]
    assert rows["completed"] == {"Drug": 1, "Placebo": 1, "Total": 2}
    assert rows["discontinued"] == {"Drug": 1, "Placebo": 1, "Total": 2}
    assert rows["status_missing"] == {"Drug": 1, "Placebo": 1, "Total": 2}
    assert result.evidence["reasons"] == {"ADVERSE EVENT": {"Drug": 1, "Placebo": 0, "Total": 1},
                                          "WITHDRAWAL BY SUBJECT": {"Drug": 0, "Placebo": 1, "Total": 1}}
    assert "Completed and discontinued: end-of-study status from DCDECOD." in notes(result)
    assert "Reasons for discontinuation from DCDECOD, among discontinued subjects." in notes(result)


def test_toy_disconfl_only_leaves_completed_out():
    result = run(toy(EOSSTT=None, DCSREAS=None, DCDECOD=None, DISCONFL=["", "Y", "", "", "Y", "", ""]))
    rows = result.evidence["rows"]
    assert "completed" not in rows and rows["discontinued"] == {"Drug": 1, "Placebo": 1, "Total": 2}
    assert result.evidence["reasons"] == {}
    texts = notes(result)
    assert "Completed: not shown, because EOSSTT / DCDECOD is not in ADSL." in texts
    assert "Reasons for discontinuation: not shown, because DCSREAS / DCDECOD is not in ADSL." in texts


def test_toy_no_status_variable_raises():
    with pytest.raises(AnalysisError, match="'disp'.*adsl.*EOSSTT"):
        run(toy(EOSSTT=None, DCSREAS=None, DCDECOD=None))


def test_toy_itt_population_all_subjects_and_no_saffl():
    result = run(toy(RANDFL=None, SAFFL=None, ITTFL=["Y", "Y", "Y", "Y", "Y", "N", "N"]))
    assert result.population == "ITTFL" and result.evidence["N"]["Total"] == 5
    assert "treated" not in result.evidence["rows"]
    assert "Treated: not shown, because SAFFL is not in ADSL." in notes(result)
    result = run(toy(RANDFL=None, SAFFL=None, TRT01P=["Drug", "Drug", "Drug", "Placebo", "Placebo", "Placebo", "X"]))
    assert result.population == "" and result.evidence["N"]["Total"] == 7
    assert "Randomised: all subjects in ADSL (the dataset has no RANDFL or ITTFL)." in notes(result)


def test_toy_explicit_population_arm_and_reason_variable():
    result = run(toy(COMP24FL=["Y", "", "", "Y", "", "", ""]),
                 {"population": "SAFFL", "arm": "TRT01A", "variables": ["DCDECOD", "COMP24FL"]})
    assert (result.population, result.arm) == ("SAFFL", "TRT01A")
    ev = result.evidence
    assert ev["N"] == {"Drug": 3, "Placebo": 2, "Total": 5}
    assert ev["rows"]["COMP24FL"] == {"Drug": 1, "Placebo": 1, "Total": 2}
    assert ev["reasons"] == {"ADVERSE EVENT": {"Drug": 1, "Placebo": 0, "Total": 1}}
    assert ["Completed week 24", "1 (33.3%)", "1 (50.0%)", "2 (40.0%)"] in rendered(result)
    assert result.tables[0].rows[2].cells[0] == Text("Completed week 24", "COMP24FL", "label")


def test_toy_trial_arm_other_than_trtxxa_is_used_as_is():
    result = run(toy(), arm="TRT01P")
    assert result.arm == "TRT01P"
    result = run(toy(TRT01P=None), arm="TRT01A")  # no planned counterpart: the trial's arm
    assert result.arm == "TRT01A" and result.evidence["N"] == {"Drug": 3, "Placebo": 2, "Total": 5}
    assert any("blank TRT01A" in w for w in result.warnings)
    assert disposition.planned_arm("TRT02A") == "TRT02P" and disposition.planned_arm("ACTARM") == "ARM"


def test_toy_where_and_single_arm():
    result = run(toy(), {"where": {"TRT01P": "Drug"}})
    assert result.evidence["N"] == {"Drug": 3, "Placebo": 0, "Total": 3}
    assert result.filters == (("TRT01P", ("Drug",)),)
    data = toy(TRT01P=["Drug"] * 7)
    result = run(data)
    assert result.evidence["N"] == {"Drug": 6} and len(result.tables[0].columns) == 2
    assert result.evidence["rows"]["randomised"] == {"Drug": 6}


def test_percentages_are_of_randomised():
    result = run(toy())
    cells = [row.cells[1] for row in result.tables[0].rows[1:]]
    assert all(isinstance(c, Count) and c.denominator == 3 for c in cells)
    assert result.tables[0].rows[0].cells[1] == Count(3)


@pytest.mark.parametrize("analysis, words", [
    ({"variables": ["DCDECOD", "DCSREAS"]}, ["'disp'", "DCDECOD", "DCSREAS", "adsl"]),
    ({"variables": ["COMP16FL"]}, ["'disp'", "COMP16FL", "adsl"]),
    ({"population": "EFFFL"}, ["'disp'", "EFFFL", "adsl"]),
    ({"arm": "ARM"}, ["'disp'", "ARM", "adsl"]),
])
def test_bad_input_raises(analysis, words):
    with pytest.raises(AnalysisError) as info:
        run(toy(), analysis)
    assert all(w in str(info.value) for w in words) and "\n" not in str(info.value)


def test_required():
    spec = make_spec({"id": "disp", "type": "disposition"})
    assert required_of(declared(spec.analyses[0], spec)) == {"adsl": {"USUBJID"}}
    spec = make_spec({"id": "disp", "type": "disposition", "population": "randfl", "arm": "trt01p",
                      "variables": ["COMP24FL"], "where": {"SITEGR1": "1"}})
    assert required_of(declared(spec.analyses[0], spec)) == {"adsl": {"USUBJID", "RANDFL", "TRT01P", "COMP24FL",
                                                                     "SITEGR1"}}


def test_every_term_is_in_the_glossary(pilot):
    _, result = pilot
    used = terms_of(result) | terms_of(run(toy())) | terms_of(
        run(toy(EOSSTT=None, DCSREAS=None, DCDECOD=None, SAFFL=None, RANDFL=None,
                DISCONFL=["", "Y", "", "", "Y", "", ""]))) | terms_of(run(toy(RANDFL=None)))
    entries = glossary_entries()
    assert used <= set(entries), used - set(entries)
    for key in used:
        assert entries[key]["en"] and entries[key]["ja"]
    for lang in ("en", "ja"):
        rendered(result, lang), notes(result, lang)


def test_variables_taken_from_the_types_own_defaults_are_stated_in_the_warnings():
    data = load(PILOT, {"adsl": set()})
    result = run(data)  # the trial's arm is TRT01A and its population SAFFL (toy_spec defaults)
    (said,) = [w for w in result.warnings if "planned counterpart" in w]
    assert said.startswith("analysis 'disp': groups subjects by TRT01P, the planned counterpart of the trial's "
                           "arm TRT01A and counts subjects with ITTFL = Y, not the trial's population SAFFL")
    chosen = run(data, {"arm": "TRT01P", "population": "ITTFL"})
    assert not [w for w in chosen.warnings if "planned counterpart" in w or "not the trial's population" in w]
