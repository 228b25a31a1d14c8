"""Treatment-emergent adverse events: CDISC pilot CSR Table 14-5.01 (subjects with any TEAE),
independent pandas counts of every SOC/PT cell, and hand-computed toy cases."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.analyses import adverse_events_stats as adverse_events
from dossier.analyses import declared, required_of
from dossier.data.datasets import TrialData, load
from dossier.errors import AnalysisError
from tests.conftest import glossary_entries, table_text, terms_of
from tests.conftest import glossary_formatter as formatter
from tests.conftest import toy_spec as make_spec

ROOT = Path(__file__).resolve().parents[1]
PILOT = ROOT / "datasets" / "cdisc-pilot01"
ARMS = ("Placebo", "Xanomeline Low Dose", "Xanomeline High Dose")


def run(data: TrialData, analysis: dict | None = None, **top):
    spec = make_spec({"id": "ae", "type": "adverse_events", **(analysis or {})}, **top)
    return adverse_events.run(spec.analyses[0], spec, data)


def rendered(table, lang: str = "en") -> list[list[str]]:
    return table_text(table, lang)


# --------------------------------------------------------------------------- pilot reference


@pytest.fixture(scope="module")
def pilot():
    data = load(PILOT, {"adsl": set(), "adae": set()})
    return data, run(data)


@pytest.fixture(scope="module")
def pilot_teae(pilot):
    """Independent selection: TEAE records of safety-population subjects with ADSL's TRT01A."""
    data, _ = pilot
    adsl, adae = data.frame("adsl"), data.frame("adae")
    safety = adsl.loc[adsl["SAFFL"] == "Y", ["USUBJID", "TRT01A"]]
    return adae[adae["TRTEMFL"] == "Y"].merge(safety, on="USUBJID")


def test_pilot_any_teae_matches_csr_table_14_5_01(pilot, pilot_teae):
    """CSR 14-5.01: 65 (75.6%), 77 (91.7%), 76 (90.5%)."""
    _, result = pilot
    independent = pilot_teae.groupby("TRT01A", observed=True)["USUBJID"].nunique()
    assert tuple(int(independent[a]) for a in ARMS) == (65, 77, 76)  # the data agree with the CSR
    assert result.evidence["N"] == {"Placebo": 86, "Xanomeline Low Dose": 84, "Xanomeline High Dose": 84, "Total": 254}
    assert result.evidence["overview"]["any"] == {"Placebo": 65, "Xanomeline Low Dose": 77,
                                                  "Xanomeline High Dose": 76, "Total": 218}
    overview = rendered(result.tables[0])
    assert overview[1] == ["Subjects with any adverse event", "65 (75.6%)", "77 (91.7%)", "76 (90.5%)", "218 (85.8%)"]


def test_pilot_overview_rows_against_pandas(pilot, pilot_teae):
    _, result = pilot
    t = pilot_teae

    def by_arm(mask):
        counts = t[mask].groupby("TRT01A", observed=True)["USUBJID"].nunique()
        out = {a: int(counts.get(a, 0)) for a in ARMS}
        out["Total"] = int(t[mask]["USUBJID"].nunique())
        return out

    overview = result.evidence["overview"]
    assert overview["serious"] == by_arm(t["AESER"] == "Y")
    assert overview["severe"] == by_arm(t["AESEV"] == "SEVERE")
    assert overview["fatal"] == by_arm((t["AEOUT"] == "FATAL") | (t["AESDTH"] == "Y"))
    assert overview["related"] == by_arm(t["AEREL"].isin(["POSSIBLE", "PROBABLE"]))  # pilot scale
    assert "discontinued" not in overview  # AEACN is blank on every pilot record
    assert list(overview) == ["any", "related", "serious", "severe", "fatal"]
    assert any("AEACN" in w for w in result.warnings)
    assert any(f.key == "ae_footnote_row_omitted" for f in result.tables[0].footnotes)


def test_pilot_every_soc_pt_cell_against_pandas(pilot, pilot_teae):
    _, result = pilot
    soc = pilot_teae.groupby(["AEBODSYS", "TRT01A"], observed=True)["USUBJID"].nunique()
    pt = pilot_teae.groupby(["AEBODSYS", "AEDECOD", "TRT01A"], observed=True)["USUBJID"].nunique()
    soc_total = pilot_teae.groupby("AEBODSYS", observed=True)["USUBJID"].nunique()
    entries = result.evidence["soc"]
    assert {e["soc"] for e in entries} == set(soc_total.index)
    for entry in entries:
        s = entry["soc"]
        assert entry["counts"] == {**{a: int(soc.get((s, a), 0)) for a in ARMS}, "Total": int(soc_total[s])}
        for term in entry["terms"]:
            assert term["counts"] == {**{a: int(pt.get((s, term["term"], a), 0)) for a in ARMS},
                                      "Total": sum(int(pt.get((s, term["term"], a), 0)) for a in ARMS)}
        totals = [(-t["counts"]["Total"], t["term"]) for t in entry["terms"]]
        assert totals == sorted(totals)
    soc_order = [(-e["counts"]["Total"], e["soc"]) for e in entries]
    assert soc_order == sorted(soc_order)
    assert entries[0]["soc"] == "GENERAL DISORDERS AND ADMINISTRATION SITE CONDITIONS"
    assert entries[0]["counts"]["Total"] == 108


def test_pilot_tables(pilot):
    _, result = pilot
    overview, soc_pt = result.tables
    assert (overview.key, soc_pt.key) == ("ae-overview", "ae-soc-pt")
    rows = rendered(soc_pt)
    assert rows[0] == ["System organ class / Preferred term", "Placebo (N=86)", "Xanomeline Low Dose (N=84)",
                       "Xanomeline High Dose (N=84)", "Total (N=254)"]
    assert soc_pt.rows[0].emphasis and soc_pt.rows[1].emphasis and soc_pt.rows[2].level == 1
    assert ["SKIN AND SUBCUTANEOUS TISSUE DISORDERS", "20 (23.3%)", "39 (46.4%)", "40 (47.6%)", "99 (39.0%)"] in rows
    assert ["PRURITUS", "8 (9.3%)", "21 (25.0%)", "26 (31.0%)", "55 (21.7%)"] in rows
    assert (result.type, result.population, result.arm, result.datasets) == (
        "adverse_events", "SAFFL", "TRT01A", ("adae", "adsl"))
    assert set(result.evidence) == {"N", "overview", "soc"}


# --------------------------------------------------------------------------- toy data


def toy(ae_rows: list[dict], adsl: dict | None = None, drop: tuple[str, ...] = ()) -> TrialData:
    adsl = adsl or {
        "USUBJID": ["S1", "S2", "S3", "S4", "S5", "S6"],
        "SAFFL": ["Y", "Y", "Y", "Y", "Y", "N"],
        "TRT01A": ["A", "A", "B", "B", "C", "C"],
        "TRT01AN": [1.0, 1.0, 2.0, 2.0, 3.0, 3.0],
    }
    defaults = {"TRTEMFL": "Y", "AESER": "N", "AEREL": "NONE", "AESEV": "MILD", "AEACN": "DOSE NOT CHANGED",
                "AEOUT": "RECOVERED/RESOLVED", "AESDTH": "N"}
    ae = pd.DataFrame([{**defaults, **r} for r in ae_rows]).drop(columns=list(drop))
    return TrialData(files={}, frames={"adsl": pd.DataFrame(adsl), "adae": ae})


ROWS = [
    {"USUBJID": "S1", "AEBODSYS": "SKIN", "AEDECOD": "RASH"},
    {"USUBJID": "S1", "AEBODSYS": "SKIN", "AEDECOD": "RASH", "AESER": "Y"},  # same PT twice: once
    {"USUBJID": "S1", "AEBODSYS": "SKIN", "AEDECOD": "ITCH", "AEREL": "REMOTE"},  # same SOC: once
    {"USUBJID": "S2", "AEBODSYS": "GI", "AEDECOD": "NAUSEA", "AEREL": "POSSIBLE", "AESEV": "SEVERE"},
    {"USUBJID": "S3", "AEBODSYS": "GI", "AEDECOD": "VOMITING", "AEACN": "DRUG WITHDRAWN", "AEREL": ""},
    {"USUBJID": "S4", "AEBODSYS": "SKIN", "AEDECOD": "RASH", "TRTEMFL": ""},  # not treatment-emergent
    {"USUBJID": "S4", "AEBODSYS": "CARDIAC", "AEDECOD": "MI", "AESDTH": "Y", "AEOUT": "NOT RECOVERED"},
    {"USUBJID": "S6", "AEBODSYS": "SKIN", "AEDECOD": "RASH"},  # S6 is not in the safety population
]


def test_toy_counts_subjects_once():
    result = run(toy(ROWS))
    ev = result.evidence
    assert ev["N"] == {"A": 2, "B": 2, "C": 1, "Total": 5}
    assert ev["overview"] == {
        "any": {"A": 2, "B": 2, "C": 0, "Total": 4},
        "related": {"A": 1, "B": 0, "C": 0, "Total": 1},  # POSSIBLE only: REMOTE, NONE and blank are not related
        "serious": {"A": 1, "B": 0, "C": 0, "Total": 1},
        "severe": {"A": 1, "B": 0, "C": 0, "Total": 1},
        "discontinued": {"A": 0, "B": 1, "C": 0, "Total": 1},
        "fatal": {"A": 0, "B": 1, "C": 0, "Total": 1},  # AESDTH = Y alone is enough
    }
    # SKIN (S1) 1, GI (S2, S3) 2, CARDIAC (S4) 1: GI first, then the tie CARDIAC before SKIN alphabetically
    assert [e["soc"] for e in ev["soc"]] == ["GI", "CARDIAC", "SKIN"]
    skin = ev["soc"][2]
    assert skin["counts"] == {"A": 1, "B": 0, "C": 0, "Total": 1}  # S4's RASH is not treatment-emergent
    assert [t["term"] for t in skin["terms"]] == ["ITCH", "RASH"]  # tie: alphabetical
    assert skin["terms"][1]["counts"] == {"A": 1, "B": 0, "C": 0, "Total": 1}  # S1's two RASH: once
    gi = ev["soc"][0]
    assert [t["term"] for t in gi["terms"]] == ["NAUSEA", "VOMITING"]
    assert any("blank AEREL" in w for w in result.warnings)


def test_toy_arm_without_events_shows_zeros():
    result = run(toy(ROWS))
    rows = rendered(result.tables[1])
    assert rows[0] == ["System organ class / Preferred term", "A (N=2)", "B (N=2)", "C (N=1)", "Total (N=5)"]
    assert rows[1] == ["Subjects with any adverse event", "2 (100%)", "2 (100%)", "0 (0.0%)", "4 (80.0%)"]
    assert ["NAUSEA", "1 (50.0%)", "0 (0.0%)", "0 (0.0%)", "1 (20.0%)"] in rows


def test_toy_no_treatment_emergent_events_at_all():
    result = run(toy([{"USUBJID": "S1", "AEBODSYS": "SKIN", "AEDECOD": "RASH", "TRTEMFL": "N"}]))
    assert result.evidence["overview"]["any"] == {"A": 0, "B": 0, "C": 0, "Total": 0}
    assert result.evidence["soc"] == []
    assert len(result.tables[1].rows) == 1


def test_toy_missing_optional_variables_leave_rows_out_with_footnotes():
    result = run(toy(ROWS, drop=("AESER", "AEREL", "AESEV", "AEACN", "AEOUT", "AESDTH")))
    assert list(result.evidence["overview"]) == ["any"]
    notes = [f for f in result.tables[0].footnotes if f.key == "ae_footnote_row_omitted"]
    assert len(notes) == 5
    texts = [formatter().label(n) for n in notes]
    assert "Serious adverse events: not shown, because AESER is not in the dataset or is blank on every record." in texts
    assert any("AEOUT / AESDTH" in t for t in texts)
    assert len([w for w in result.warnings if "left out" in w]) == 5
    assert [r[0] for r in rendered(result.tables[0])[1:]] == ["Subjects with any adverse event"]


def test_toy_fatal_from_aeout_alone():
    result = run(toy([{"USUBJID": "S1", "AEBODSYS": "X", "AEDECOD": "Y", "AEOUT": "FATAL"}]))
    assert result.evidence["overview"]["fatal"]["A"] == 1
    result = run(toy([{"USUBJID": "S1", "AEBODSYS": "X", "AEDECOD": "Y", "AEOUT": "FATAL"}], drop=("AESDTH",)))
    assert result.evidence["overview"]["fatal"]["A"] == 1


def test_related_rule():
    values = pd.Series(["NONE", "Not Related", "UNRELATED", "unlikely", "UNLIKELY RELATED", "REMOTE", "N", "NO", "",
                        "POSSIBLE", "PROBABLE", "DEFINITE", "RELATED", "Y"])
    assert adverse_events.related(values).tolist() == [False] * 9 + [True] * 5


def test_where_filters_records_and_arm_comes_from_adsl():
    data = toy(ROWS)
    data.frames["adae"]["TRTA"] = "WRONG"  # ignored: ADSL's arm is used
    result = run(data, {"where": {"AESER": "Y"}})
    assert result.evidence["overview"]["any"] == {"A": 1, "B": 0, "C": 0, "Total": 1}
    assert result.evidence["N"]["Total"] == 5  # denominators are not filtered
    assert result.filters == (("AESER", ("Y",)),)


def test_single_arm_has_no_total_and_custom_title():
    adsl = {"USUBJID": ["S1", "S2"], "SAFFL": ["Y", "Y"], "TRT01A": ["A", "A"]}
    result = run(toy(ROWS[:3], adsl=adsl), {"title": "TEAEs in part A", "dataset": "ADAE"})
    assert result.evidence["N"] == {"A": 2}
    assert result.evidence["overview"]["any"] == {"A": 1}
    assert len(result.tables[0].columns) == 2
    f = formatter()
    assert f.label(result.tables[0].title) == "TEAEs in part A: overview"
    assert f.label(result.tables[1].title) == "TEAEs in part A: by system organ class and preferred term"
    assert formatter("ja").label(result.tables[1].title) == "TEAEs in part A：器官別大分類及び基本語別"


def test_blank_coding_is_shown_as_not_coded_last():
    rows = ROWS[:3] + [{"USUBJID": "S2", "AEBODSYS": "", "AEDECOD": ""},
                       {"USUBJID": "S3", "AEBODSYS": "", "AEDECOD": ""}]
    result = run(toy(rows))
    assert [e["soc"] for e in result.evidence["soc"]] == ["SKIN", ""]  # blank last despite 2 > 1
    assert ["Not coded", "1 (50.0%)", "1 (50.0%)", "0 (0.0%)", "2 (40.0%)"] in rendered(result.tables[1])
    assert any("not coded" in w for w in result.warnings)


@pytest.mark.parametrize("drop, words", [
    ("AEDECOD", ["'ae'", "AEDECOD", "adae"]),
    ("AEBODSYS", ["'ae'", "AEBODSYS", "adae"]),
    ("TRTEMFL", ["'ae'", "TRTEMFL", "adae"]),
])
def test_missing_needed_variable_raises(drop, words):
    with pytest.raises(AnalysisError) as info:
        run(toy(ROWS, drop=(drop,)))
    assert all(w in str(info.value) for w in words) and "\n" not in str(info.value)


def test_missing_dataset_and_where_variable_raise():
    data = toy(ROWS)
    with pytest.raises(AnalysisError, match="'ae'.*adae2"):
        run(data, {"dataset": "adae2"})
    with pytest.raises(AnalysisError, match="'ae'.*AETOXGR.*adae"):
        run(data, {"where": {"AETOXGR": "3"}})
    with pytest.raises(AnalysisError, match="'ae'.*TRT02A.*adsl"):
        run(data, {"arm": "TRT02A"})


def test_required():
    spec = make_spec({"id": "ae", "type": "adverse_events", "dataset": "ADAE", "where": {"AOCCFL": "Y"},
                      "population": "ittfl"})
    assert required_of(declared(spec.analyses[0], spec)) == {
        "adsl": {"USUBJID", "ITTFL", "TRT01A"}, "adae": {"USUBJID", "AEBODSYS", "AEDECOD", "TRTEMFL", "AOCCFL"}}


def test_every_term_is_in_the_glossary(pilot):
    _, result = pilot
    used = terms_of(result) | terms_of(run(toy(ROWS, drop=("AEREL", "AESER")), {"title": "x"}))
    entries = glossary_entries()
    assert used <= set(entries), used - set(entries)
    for key in used:
        assert entries[key]["en"] and entries[key]["ja"]
    for lang in ("en", "ja"):
        for table in result.tables:
            rendered(table, lang)
    # the default related codes: named in the English method; in Japanese by their grades (the footnote gives the codes)
    assert "PROBABLE" in entries["method_adverse_events"]["en"]
    assert "多分関連あり" in entries["method_adverse_events"]["ja"] and "PROBABLE" not in entries["method_adverse_events"]["ja"]


# --------------------------------------------------------------------------- property: brute force


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["S1", "S2", "S3", "S4", "S5"]), st.sampled_from(["X", "Y", "Z"]),
                          st.sampled_from(["p1", "p2", "p3"]), st.booleans()), max_size=30))
def test_soc_pt_counts_equal_a_brute_force_count(events):
    rows = [{"USUBJID": s, "AEBODSYS": soc, "AEDECOD": f"{soc}-{pt}", "TRTEMFL": "Y" if te else "N"}
            for s, soc, pt, te in events]
    if not rows:
        rows = [{"USUBJID": "S1", "AEBODSYS": "X", "AEDECOD": "X-p1", "TRTEMFL": "N"}]
    result = run(toy(rows))
    arm = {"S1": "A", "S2": "A", "S3": "B", "S4": "B", "S5": "C"}
    teae = [(s, soc, pt) for s, soc, pt, te in events if te]
    for entry in result.evidence["soc"]:
        for a in ("A", "B", "C"):
            assert entry["counts"][a] == len({s for s, soc, _ in teae if soc == entry["soc"] and arm[s] == a})
        for term in entry["terms"]:
            assert term["counts"]["Total"] == len({s for s, soc, pt in teae if f"{soc}-{pt}" == term["term"]})
    assert {e["soc"] for e in result.evidence["soc"]} == {soc for _, soc, _ in teae}
    assert result.evidence["overview"]["any"]["Total"] == len({s for s, _, _ in teae})


def test_events_of_subjects_with_a_blank_arm_are_left_out():
    data = toy(ROWS)
    data.frames["adsl"].loc[0, "TRT01A"] = ""  # S1
    result = run(data)
    assert result.evidence["N"] == {"A": 1, "B": 2, "C": 1, "Total": 4}
    assert result.evidence["overview"]["any"] == {"A": 1, "B": 2, "C": 0, "Total": 3}
    assert "SKIN" not in {e["soc"] for e in result.evidence["soc"]}
    assert any("blank TRT01A" in w for w in result.warnings)
