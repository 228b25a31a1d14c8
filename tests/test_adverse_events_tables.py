"""The optional tables of `adverse_events` (severity, related, serious, discontinuation, fatal, special interest,
frequent PTs, exposure-adjusted rates), sorting, and their bad input.

References: every count against a second, plain implementation written here from the raw rows (loops over
records, no dossier code); the CDISC Pilot 01 severe adverse events against the published r2rtf 1.0.1 (CRAN)
vignette table "Participants with Severe Adverse Events" (ASaT population) made from the same pilot ADAE; the
exposure-adjusted rates and their exact Poisson intervals against R's poisson.test
(tests/reference/ae_exposure_reference.R, output in ae_exposure_reference.out; the numbers are pasted below).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dossier.analyses import adverse_events_stats as adverse_events
from dossier.analyses import declared
from dossier.analyses.exposure_stats import poisson_interval
from dossier.analyses.model import Text
from dossier.data.datasets import TrialData, load
from dossier.errors import AnalysisError, SpecError
from tests.conftest import glossary_entries, table_text, terms_of
from tests.conftest import toy_spec as make_spec

ROOT = Path(__file__).resolve().parents[1]
PILOT = ROOT / "datasets" / "cdisc-pilot01"
ARMS = ("Placebo", "Xanomeline Low Dose", "Xanomeline High Dose")
EVERYTHING = {"severity": "AESEV", "relationship": True, "serious": True, "discontinuation": True, "fatal": True,
              "frequent": 5, "exposure_adjusted": True,
              "special_interest": {"Syncope": ["SYNCOPE", "LOSS OF CONSCIOUSNESS"], "Skin": ["PRURITUS", "Erythema"]}}


def run(data: TrialData, analysis: dict | None = None, **top):
    spec = make_spec({"id": "ae", "type": "adverse_events", **(analysis or {})}, **top)
    return adverse_events.run(spec.analyses[0], spec, data)


def table(result, suffix: str):
    return next(t for t in result.tables if t.key == f"ae-{suffix}")


# --------------------------------------------------------------------------- the plain implementation


def plain_records(data: TrialData) -> list[dict]:
    """Treatment-emergent records of safety subjects with ADSL's TRT01A, as plain dicts (text stripped)."""
    adsl = data.frame("adsl")
    arm = {u: a for u, a, f in zip(adsl["USUBJID"], adsl["TRT01A"], adsl["SAFFL"]) if f == "Y" and a != ""}
    out = []
    for record in data.frame("adae").to_dict("records"):
        if str(record["TRTEMFL"]).strip() == "Y" and record["USUBJID"] in arm:
            out.append({k: ("" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip())
                        for k, v in record.items()} | {"ARM": arm[record["USUBJID"]]})
    return out


def plain_count(records, keep) -> dict[str, dict[str, int]]:
    """key -> arm -> distinct subjects, over the records where keep(record) gives a key (None: skip)."""
    seen: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for r in records:
        key = keep(r)
        if key is not None:
            seen[key][r["ARM"]].add(r["USUBJID"])
    return {k: {a: len(s) for a, s in v.items()} for k, v in seen.items()}


def plain_worst(records, levels, key) -> dict[tuple, dict[str, int]]:
    """(row key, level) -> arm -> subjects whose worst AESEV among their records of that row is that level."""
    worst: dict[tuple, int] = {}
    arm_of = {}
    for r in records:
        rank = levels.index(r["AESEV"]) if r["AESEV"] in levels else -1
        k = (key(r), r["USUBJID"])
        worst[k] = max(worst.get(k, -1), rank)
        arm_of[r["USUBJID"]] = r["ARM"]
    out: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (row, subject), rank in worst.items():
        out[(row, levels[rank] if rank >= 0 else "NOT RECORDED")][arm_of[subject]] += 1
    return out


def arms_only(counts: dict[str, int]) -> dict[str, int]:
    return {a: counts.get(a, 0) for a in ARMS}


# --------------------------------------------------------------------------- the pilot


@pytest.fixture(scope="module")
def pilot():
    data = load(PILOT, {"adsl": set(), "adae": set()})
    return data, run(data, EVERYTHING, reference_arm="Placebo"), plain_records(data)


def test_pilot_tables_are_the_ones_asked_for(pilot):
    _, result, _ = pilot
    assert [t.key for t in result.tables] == ["ae-overview", "ae-soc-pt", "ae-severity", "ae-related", "ae-serious",
                                              "ae-fatal", "ae-aesi", "ae-frequent", "ae-exposure-adjusted"]
    # AEACN is blank on every pilot record: the discontinuation table is left out with a warning
    assert "discontinued" not in result.evidence
    assert any("table 'discontinued' left out: AEACN is blank on every record" in w for w in result.warnings)


def test_pilot_severity_against_the_plain_worst_level(pilot):
    _, result, records = pilot
    levels = ["MILD", "MODERATE", "SEVERE"]
    severity = result.evidence["severity"]
    assert severity["variable"] == "AESEV" and severity["levels"] == levels  # every pilot record has a severity
    anyone = plain_worst(records, levels, lambda r: "any")
    for level in levels:
        assert arms_only(severity["any"][level]) == {a: anyone[("any", level)].get(a, 0) for a in ARMS}
    by_soc = plain_worst(records, levels, lambda r: r["AEBODSYS"])
    by_pt = plain_worst(records, levels, lambda r: (r["AEBODSYS"], r["AEDECOD"]))
    for entry in severity["soc"]:
        for level in levels:
            assert arms_only(entry["levels"][level]) == {a: by_soc[(entry["soc"], level)].get(a, 0) for a in ARMS}
        for term in entry["terms"]:
            for level in levels:
                expected = {a: by_pt[((entry["soc"], term["term"]), level)].get(a, 0) for a in ARMS}
                assert arms_only(term["levels"][level]) == expected, (entry["soc"], term["term"], level)
    # each subject once per row: the levels add up to the subjects with an event of the row
    for entry, soc in zip(severity["soc"], result.evidence["soc"]):
        assert sum(entry["levels"][v]["Total"] for v in levels) == soc["counts"]["Total"]


# r2rtf 1.0.1 (CRAN), vignette table "Participants with Severe Adverse Events (Incidence >= 0% in One or More
# Treatment Groups) (ASaT Population)" on r2rtf_adae, the CDISC Pilot 01 ADAE: Placebo, Low Dose, High Dose.
R2RTF_SEVERE = {
    "any": (7, 16, 8),
    "ATRIAL FIBRILLATION": (0, 0, 1), "ATRIOVENTRICULAR BLOCK SECOND DEGREE": (1, 0, 0),
    "MYOCARDIAL INFARCTION": (2, 0, 0), "GASTROINTESTINAL HAEMORRHAGE": (0, 0, 1), "NAUSEA": (0, 0, 1),
    "APPLICATION SITE DERMATITIS": (0, 1, 0), "APPLICATION SITE ERYTHEMA": (0, 2, 0),
    "APPLICATION SITE IRRITATION": (0, 3, 0), "APPLICATION SITE PRURITUS": (0, 1, 0),
    "APPLICATION SITE WARMTH": (0, 1, 0), "SUDDEN DEATH": (0, 1, 0), "NASOPHARYNGITIS": (0, 1, 0),
    "HIP FRACTURE": (1, 0, 1), "ARTHRITIS": (1, 0, 0), "MUSCLE SPASMS": (0, 1, 0), "COLON CANCER": (0, 1, 0),
    "PROSTATE CANCER": (0, 0, 1), "DIZZINESS": (0, 0, 1), "HEADACHE": (0, 1, 0),
    "PARTIAL SEIZURES WITH SECONDARY GENERALISATION": (0, 0, 1), "STUPOR": (0, 1, 0), "SYNCOPE": (0, 2, 1),
    "TRANSIENT ISCHAEMIC ATTACK": (0, 1, 1),
}


def test_pilot_severe_events_match_the_published_r2rtf_table(pilot):
    """r2rtf counts every AE record; dossier counts treatment-emergent ones. The active arms agree exactly (every
    severe event on xanomeline is treatment-emergent); on placebo the published count is ours plus the subjects
    whose only severe events are not treatment-emergent, counted here from the raw rows."""
    data, result, _ = pilot
    severity = result.evidence["severity"]
    adae, adsl = data.frame("adae"), data.frame("adsl")
    arm = dict(zip(adsl["USUBJID"], adsl["TRT01A"]))
    severe_all = adae[(adae["AESEV"] == "SEVERE") & adae["USUBJID"].map(arm).isin(ARMS)]

    def published_check(ours: dict[str, int], key: str, rows: pd.DataFrame) -> None:
        every = rows.assign(ARM=rows["USUBJID"].map(arm)).groupby("ARM", observed=True)["USUBJID"].nunique()
        assert tuple(int(every.get(a, 0)) for a in ARMS) == R2RTF_SEVERE[key], key  # the raw data = r2rtf
        assert (ours["Xanomeline Low Dose"], ours["Xanomeline High Dose"]) == R2RTF_SEVERE[key][1:], key
        te = rows[rows["TRTEMFL"] == "Y"]
        assert ours["Placebo"] == te[te["USUBJID"].map(arm) == "Placebo"]["USUBJID"].nunique(), key

    published_check(severity["any"]["SEVERE"], "any", severe_all)
    terms = {t["term"]: t["levels"]["SEVERE"] for e in severity["soc"] for t in e["terms"]}
    for term in R2RTF_SEVERE.keys() - {"any"}:
        published_check(terms.get(term, dict.fromkeys(ARMS, 0)), term, severe_all[severe_all["AEDECOD"] == term])
    assert (severity["any"]["SEVERE"]["Placebo"], R2RTF_SEVERE["any"][0]) == (5, 7)  # 2 placebo subjects not TE


@pytest.mark.parametrize(("key", "keep"), [
    ("related", lambda r: r["AEREL"] in ("POSSIBLE", "PROBABLE")),
    ("serious", lambda r: r["AESER"] == "Y"),
    ("fatal", lambda r: r["AEOUT"] == "FATAL" or r["AESDTH"] == "Y"),
])
def test_pilot_subset_tables_against_plain_counts(pilot, key, keep):
    _, result, records = pilot
    chosen = [r for r in records if keep(r)]
    socs = plain_count(chosen, lambda r: r["AEBODSYS"])
    terms = plain_count(chosen, lambda r: (r["AEBODSYS"], r["AEDECOD"]))
    entries = result.evidence[key]
    assert {e["soc"] for e in entries} == set(socs)
    for e in entries:
        assert arms_only(e["counts"]) == {a: socs[e["soc"]].get(a, 0) for a in ARMS}
        assert {t["term"] for t in e["terms"]} == {t for s, t in terms if s == e["soc"]}
        for t in e["terms"]:
            assert arms_only(t["counts"]) == {a: terms[(e["soc"], t["term"])].get(a, 0) for a in ARMS}
    rows = table_text(table(result, key))
    assert rows[1][1:] == table_text(result.tables[0])[[r.cells[0].key for r in result.tables[0].rows].index(
        f"ae_{key}") + 1][1:]  # its "any" row is the overview's row


def test_pilot_sorting_by_the_active_arms(pilot):
    """SOCs and PTs by descending subjects in Low + High dose (placebo is the reference arm), ties alphabetical."""
    _, result, records = pilot
    active = [r for r in records if r["ARM"] != "Placebo"]
    soc_active = {k: sum(v.values()) for k, v in plain_count(active, lambda r: r["AEBODSYS"]).items()}
    order = [e["soc"] for e in result.evidence["soc"]]
    assert order == sorted(order, key=lambda s: (-soc_active.get(s, 0), s.casefold()))
    assert order[:2] == ["GENERAL DISORDERS AND ADMINISTRATION SITE CONDITIONS",
                         "SKIN AND SUBCUTANEOUS TISSUE DISORDERS"]  # 87 and 79 subjects on xanomeline
    pt_active = {k: sum(v.values()) for k, v in plain_count(active, lambda r: (r["AEBODSYS"], r["AEDECOD"])).items()}
    for e in result.evidence["soc"]:
        names = [t["term"] for t in e["terms"]]
        assert names == sorted(names, key=lambda t: (-pt_active.get((e["soc"], t), 0), t.casefold()))
    assert table(result, "soc-pt").footnotes[-1].key == "ae_footnote_sort_active"


def test_pilot_alphabetical_sort():
    data = load(PILOT, {"adsl": set(), "adae": set()})
    result = run(data, {"sort": "alphabetical", "serious": True}, reference_arm="Placebo")
    order = [e["soc"] for e in result.evidence["soc"]]
    assert order == sorted(order, key=str.casefold)
    assert table(result, "soc-pt").footnotes[-1].key == "ae_footnote_sort_alphabetical"


def test_pilot_frequent_terms_against_plain_counts(pilot):
    _, result, records = pilot
    n = {"Placebo": 86, "Xanomeline Low Dose": 84, "Xanomeline High Dose": 84}
    by_pt = plain_count(records, lambda r: r["AEDECOD"])
    expected = {pt for pt, c in by_pt.items() if any(100 * c.get(a, 0) / n[a] >= 5 for a in ARMS)}
    frequent = result.evidence["frequent"]
    assert frequent["threshold"] == 5
    assert {t["term"] for t in frequent["terms"]} == expected
    for t in frequent["terms"]:
        assert arms_only(t["counts"]) == {a: by_pt[t["term"]].get(a, 0) for a in ARMS}
    active = [sum(t["counts"][a] for a in ARMS[1:]) for t in frequent["terms"]]
    assert active == sorted(active, reverse=True)
    assert frequent["terms"][0]["term"] == "PRURITUS"  # 47 on xanomeline, before APPLICATION SITE PRURITUS (44)


def test_pilot_special_interest(pilot):
    _, result, records = pilot
    groups = {g["group"]: g for g in result.evidence["special_interest"]}
    syncope = plain_count([r for r in records if r["AEDECOD"] in ("SYNCOPE", "LOSS OF CONSCIOUSNESS")],
                          lambda r: "g")["g"]
    assert arms_only(groups["Syncope"]["counts"]) == {a: syncope.get(a, 0) for a in ARMS}
    assert groups["Syncope"]["missing_terms"] == ["LOSS OF CONSCIOUSNESS"]
    skin = plain_count([r for r in records if r["AEDECOD"] in ("PRURITUS", "ERYTHEMA")], lambda r: "g")["g"]
    assert arms_only(groups["Skin"]["counts"]) == {a: skin.get(a, 0) for a in ARMS}
    assert groups["Skin"]["terms"] == ["PRURITUS", "ERYTHEMA"]  # "Erythema" matched case-insensitively
    assert any("'LOSS OF CONSCIOUSNESS' is not in AEDECOD of dataset adae" in w for w in result.warnings)


# R 4.2.2 poisson.test on the pilot (tests/reference/ae_exposure_reference.out): row, arm, n, rate, lower, upper
R_RATES = [
    ("any", "Placebo", 65, 185.189157566303, 142.925082122487, 236.038783398963),
    ("any", "Xanomeline Low Dose", 77, 338.113128155807, 266.833593241604, 422.583397447342),
    ("any", "Xanomeline High Dose", 76, 332.482932087675, 261.958734385851, 416.151968677169),
    ("serious", "Placebo", 0, 0, 0, 10.5098535149385),
    ("serious", "Xanomeline Low Dose", 1, 4.39107958643905, 0.111172509813199, 24.4655295568698),
    ("serious", "Xanomeline High Dose", 2, 8.7495508444125, 1.05961119880445, 31.6063860418754),
    ("severe", "Placebo", 5, 14.2453198127925, 4.62541656779059, 33.2438244303635),
    ("severe", "Xanomeline Low Dose", 16, 70.2572733830248, 40.1581022023631, 114.093410345145),
    ("severe", "Xanomeline High Dose", 8, 34.99820337765, 15.1097401192645, 68.9604127760882),
    ("fatal", "Placebo", 2, 5.698127925117, 0.690069726896905, 20.5835972748532),
    ("fatal", "Xanomeline Low Dose", 1, 4.39107958643905, 0.111172509813199, 24.4655295568698),
    ("fatal", "Xanomeline High Dose", 0, 0, 0, 16.1380191713393),
    ("pt: PRURITUS", "Placebo", 8, 22.792511700468, 9.84018878749914, 44.9103343422434),
    ("pt: PRURITUS", "Xanomeline Low Dose", 21, 92.21267131522, 57.0810969215416, 140.956863439986),
    ("pt: PRURITUS", "Xanomeline High Dose", 26, 113.744160977363, 74.3014623247882, 166.661549842633),
]
R_YEARS = {"Placebo": 35.0992470910335, "Xanomeline Low Dose": 22.7734428473648,
           "Xanomeline High Dose": 22.8583162217659}


def test_pilot_exposure_adjusted_rates_match_r_poisson_test(pilot):
    _, result, _ = pilot
    eair = result.evidence["exposure_adjusted"]
    assert eair["definition"] == "TRTDURD"
    assert eair["subjects"] == {"Placebo": 86, "Xanomeline Low Dose": 84, "Xanomeline High Dose": 84}
    for arm, years in R_YEARS.items():
        assert eair["subject_years"][arm] == pytest.approx(years, rel=1e-12)
    for row, arm, n, rate, low, high in R_RATES:
        got = eair["rows"][row][arm]
        assert got["n"] == n, (row, arm)
        assert got["rate"] == pytest.approx(rate, rel=1e-12, abs=1e-12)
        assert got["ci"] == pytest.approx([low, high], rel=1e-9, abs=1e-12)
    rows = table_text(table(result, "exposure-adjusted"))
    assert rows[0][1:3] == ["Placebo: n", "Placebo: rate (95% CI)"]
    assert rows[1][:3] == ["Exposure (subject-years)", "35.1", ""]
    assert rows[2][:3] == ["Subjects with any adverse event", "65", "185.2 (142.9, 236.0)"]


@pytest.mark.parametrize(("events", "years", "level", "low", "high"), [  # R poisson.test (the .out file)
    (0, 10, 0.95, 0, 0.368887945411394),
    (1, 2.5, 0.95, 0.010127123193716, 2.22865735637556),
    (7, 3.2, 0.9, 1.02666115371708, 4.10878556326004),
    (250, 1000, 0.99, 0.211151682431164, 0.29368468832743),
])
def test_poisson_interval_matches_r(events, years, level, low, high):
    assert poisson_interval(events, years, level) == pytest.approx((low, high), rel=1e-10, abs=1e-15)


def test_every_new_term_is_in_both_glossaries(pilot):
    _, result, _ = pilot
    entries = glossary_entries()
    used = terms_of(result)
    assert used <= set(entries), used - set(entries)
    for lang in ("en", "ja"):
        for t in result.tables:
            table_text(t, lang)
    assert "Grade 3" in table_text(table(run(toy(GRADED), {"severity": "AETOXGR"}), "severity"))[4][0]


# --------------------------------------------------------------------------- toy data and bad input


def toy(ae_rows: list[dict], adsl: dict | None = None, drop: tuple[str, ...] = ()) -> TrialData:
    adsl = adsl or {
        "USUBJID": ["S1", "S2", "S3", "S4", "S5"],
        "SAFFL": ["Y", "Y", "Y", "Y", "Y"],
        "TRT01A": ["P", "P", "D", "D", "D"],
        "TRT01AN": [0.0, 0.0, 1.0, 1.0, 1.0],
        "TRTDURD": [365.25, 365.25, 100.0, 200.0, 65.25],
    }
    defaults = {"TRTEMFL": "Y", "AESER": "N", "AEREL": "NONE", "AESEV": "MILD", "AEACN": "DOSE NOT CHANGED",
                "AEOUT": "RECOVERED/RESOLVED", "AESDTH": "N"}
    ae = pd.DataFrame([{**defaults, **r} for r in ae_rows]).drop(columns=list(drop))
    return TrialData(files={}, frames={"adsl": pd.DataFrame(adsl), "adae": ae})


ROWS = [
    {"USUBJID": "S1", "AEBODSYS": "SKIN", "AEDECOD": "RASH", "AESEV": "MILD"},
    {"USUBJID": "S1", "AEBODSYS": "SKIN", "AEDECOD": "RASH", "AESEV": "SEVERE"},  # worst of S1's RASH: SEVERE
    {"USUBJID": "S1", "AEBODSYS": "SKIN", "AEDECOD": "ITCH", "AESEV": "MODERATE"},
    {"USUBJID": "S3", "AEBODSYS": "SKIN", "AEDECOD": "RASH", "AESEV": ""},  # blank: not recorded
    {"USUBJID": "S4", "AEBODSYS": "GI", "AEDECOD": "NAUSEA", "AESEV": "LIFE THREATENING"},  # unknown value
    {"USUBJID": "S4", "AEBODSYS": "GI", "AEDECOD": "NAUSEA", "AESEV": "MILD"},  # ... a known one wins
    {"USUBJID": "S5", "AEBODSYS": "GI", "AEDECOD": "VOMITING", "AEREL": "POSSIBLY RELATED",
     "AEACN": "DRUG INTERRUPTED", "AESER": "Y"},
    {"USUBJID": "S2", "AEBODSYS": "GI", "AEDECOD": "VOMITING", "AEREL": "DEFINITELY NOT"},
]
GRADED = [
    {"USUBJID": "S1", "AEBODSYS": "SKIN", "AEDECOD": "RASH", "AETOXGR": 1.0},
    {"USUBJID": "S1", "AEBODSYS": "SKIN", "AEDECOD": "RASH", "AETOXGR": 3.0},
    {"USUBJID": "S3", "AEBODSYS": "SKIN", "AEDECOD": "RASH", "AETOXGR": 2.0},
]


def test_toy_severity_worst_level_not_recorded_and_unknown_values():
    result = run(toy(ROWS), {"severity": "AESEV"})
    s = result.evidence["severity"]
    assert s["levels"] == ["MILD", "MODERATE", "SEVERE", "NOT RECORDED"]
    # by hand: S1 SEVERE (P); S2 VOMITING MILD (P); S3 blank only: not recorded (D); S4 unknown + MILD: MILD (D);
    # S5 MILD (D)
    assert s["any"] == {"MILD": {"P": 1, "D": 2, "Total": 3}, "MODERATE": {"P": 0, "D": 0, "Total": 0},
                        "SEVERE": {"P": 1, "D": 0, "Total": 1}, "NOT RECORDED": {"P": 0, "D": 1, "Total": 1}}
    skin = next(e for e in s["soc"] if e["soc"] == "SKIN")
    rash = next(t for t in skin["terms"] if t["term"] == "RASH")
    assert rash["levels"]["SEVERE"] == {"P": 1, "D": 0, "Total": 1}
    assert rash["levels"]["NOT RECORDED"] == {"P": 0, "D": 1, "Total": 1}
    assert any("AESEV value(s) 'LIFE THREATENING' (1 record(s))" in w and "not in the severity scale" in w
               for w in result.warnings)
    assert any("1 treatment-emergent record(s) of dataset adae have a blank AESEV" in w for w in result.warnings)
    rows = table_text(table(result, "severity"))
    assert rows[2:6] == [["MILD", "1 (50.0%)", "2 (66.7%)", "3 (60.0%)"],
                         ["MODERATE", "0 (0.0%)", "0 (0.0%)", "0 (0.0%)"],
                         ["SEVERE", "1 (50.0%)", "0 (0.0%)", "1 (20.0%)"],
                         ["Not recorded", "0 (0.0%)", "1 (33.3%)", "1 (20.0%)"]]


def test_toy_own_severity_scale_and_toxicity_grades():
    result = run(toy(ROWS), {"severity": "AESEV", "severity_levels": ["mild", "moderate", "severe",
                                                                      "life threatening"]})
    assert result.evidence["severity"]["any"]["LIFE THREATENING"] == {"P": 0, "D": 1, "Total": 1}
    assert not any("severity scale" in w for w in result.warnings)
    graded = run(toy(GRADED), {"severity": "AETOXGR"})
    g = graded.evidence["severity"]
    assert g["levels"] == ["1", "2", "3", "4", "5"]
    assert g["any"]["3"] == {"P": 1, "D": 0, "Total": 1} and g["any"]["2"] == {"P": 0, "D": 1, "Total": 1}
    three = run(toy(GRADED), {"severity": "AETOXGR", "severity_levels": [1, 2, 3]}).evidence["severity"]
    assert three["levels"] == ["1", "2", "3"] and three["any"]["3"] == {"P": 1, "D": 0, "Total": 1}


def test_toy_relationship_list_and_unknown_values():
    result = run(toy(ROWS), {"relationship": True})
    assert result.evidence["overview"]["related"] == {"P": 0, "D": 1, "Total": 1}  # POSSIBLY RELATED (default list)
    assert any("'DEFINITELY NOT'" in w and "counted as not related" in w for w in result.warnings)
    own = run(toy(ROWS), {"relationship": True, "related": ["definitely not"]})
    assert own.evidence["related"][0]["counts"] == {"P": 1, "D": 0, "Total": 1}
    assert own.evidence["overview"]["related"] == {"P": 1, "D": 0, "Total": 1}


def test_toy_discontinuation_actions_are_configurable():
    default = run(toy(ROWS), {"discontinuation": True})
    assert default.evidence["discontinued"] == [] and default.evidence["overview"]["discontinued"]["Total"] == 0
    own = run(toy(ROWS), {"discontinuation": True, "discontinuation_actions": ["DRUG INTERRUPTED"]})
    assert own.evidence["overview"]["discontinued"] == {"P": 0, "D": 1, "Total": 1}
    assert own.evidence["discontinued"][0]["terms"][0]["term"] == "VOMITING"
    notes = [f for f in table(own, "discontinued").footnotes if f.key == "ae_footnote_discontinued"]
    # the actions are codes the footnote shows through the labels, the code kept (dossier.analyses.model.Text "code")
    assert notes and dict(notes[0].params)["actions"] == (Text("DRUG INTERRUPTED", "AEACN", "code"),)


def test_toy_exposure_adjusted_by_hand():
    """P: 2 subject-years, 2 subjects with an event -> 100 per 100 SY; D: 365.25 days = 1 SY, 3 subjects -> 300."""
    result = run(toy(ROWS), {"exposure_adjusted": True})
    eair = result.evidence["exposure_adjusted"]
    assert eair["subject_years"] == {"P": 2.0, "D": 1.0}
    assert eair["rows"]["any"]["P"]["rate"] == pytest.approx(100.0)
    assert eair["rows"]["any"]["D"]["rate"] == pytest.approx(300.0)


def test_toy_exposure_from_dates_and_bad_exposures():
    adsl = {"USUBJID": ["S1", "S2", "S3"], "SAFFL": ["Y", "Y", "Y"], "TRT01A": ["P", "D", "D"],
            "TRTSDT": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-03-01"]),
            "EOSDT": pd.to_datetime(["2020-12-31", "2020-01-01", None])}
    rows = [{"USUBJID": "S1", "AEBODSYS": "GI", "AEDECOD": "NAUSEA"}, {"USUBJID": "S2", "AEBODSYS": "GI",
                                                                        "AEDECOD": "NAUSEA"}]
    result = run(toy(rows, adsl), {"exposure_adjusted": True, "exposure": {"start": "TRTSDT", "end": "EOSDT"}})
    eair = result.evidence["exposure_adjusted"]
    assert eair["definition"] == "EOSDT - TRTSDT + 1"
    assert eair["subject_years"]["P"] == pytest.approx(366 / 365.25)  # 2020 is a leap year: 366 days
    assert eair["subjects"] == {"P": 1, "D": 1}  # S3 has no end date: left out
    assert any("0 subject(s) with zero and 1 with missing exposure" in w for w in result.warnings)
    adsl["EOSDT"] = pd.to_datetime(["2019-12-01", "2020-01-01", "2020-03-05"])
    with pytest.raises(AnalysisError, match=r"1 subject\(s\) have a negative exposure \(EOSDT - TRTSDT \+ 1\), "
                                            r"first USUBJID 'S1'"):
        run(toy(rows, adsl), {"exposure_adjusted": True, "exposure": {"start": "TRTSDT", "end": "EOSDT"}})
    zero = {"USUBJID": ["S1", "S2"], "SAFFL": ["Y", "Y"], "TRT01A": ["P", "D"], "TRTDURD": [0.0, 10.0]}
    result = run(toy(rows, zero), {"exposure_adjusted": True})
    assert result.evidence["exposure_adjusted"]["rows"]["any"]["P"] == {"n": 0, "rate": None, "ci": [None, None]}
    assert any("1 subject(s) with zero and 0 with missing exposure" in w for w in result.warnings)
    none = {"USUBJID": ["S1", "S2"], "SAFFL": ["Y", "Y"], "TRT01A": ["P", "D"]}
    with pytest.raises(AnalysisError, match="neither TRTDURD nor TRTSDT and TRTEDT"):
        run(toy(rows, none), {"exposure_adjusted": True})


def test_requested_variables_are_required_and_blank_ones_leave_the_table_out():
    spec = make_spec({"id": "ae", "type": "adverse_events", "severity": "AETOXGR", "relationship": True,
                      "serious": True, "discontinuation": True})
    needs = declared(spec.analyses[0], spec)["adae"]
    assert {"AETOXGR", "AEREL", "AESER", "AEACN"} <= needs.required
    result = run(toy([{**r, "AEACN": ""} for r in ROWS]), {"discontinuation": True, "serious": True})
    assert "discontinued" not in result.evidence and "serious" in result.evidence
    assert any("table 'discontinued' left out: AEACN is blank on every record of dataset adae" in w
               for w in result.warnings)


@pytest.mark.parametrize(("options", "message"), [
    ({"severity": "AESEVX"}, "analyses[1].severity"),
    ({"severity_levels": ["A", "B"]}, "analyses[1].severity_levels: only used with severity"),
    ({"severity": "AESEV", "severity_levels": ["A", "a"]}, "analyses[1].severity_levels: a level is given twice"),
    ({"exposure": {"variable": "TRTDURD"}}, "analyses[1].exposure: only used by exposure_adjusted"),
    ({"exposure_adjusted": True, "exposure": {"variable": "X", "start": "A", "end": "B"}},
     "analyses[1].exposure: give either variable"),
    ({"exposure_adjusted": True, "exposure": {"start": "A"}}, "analyses[1].exposure: give variable"),
    ({"special_interest": {"Liver": []}}, "analyses[1].special_interest.Liver: empty list"),
    ({"frequent": 0}, "analyses[1].frequent"),
    ({"frequent": 120}, "analyses[1].frequent"),
    ({"sort": "size"}, "analyses[1].sort"),
])
def test_yaml_errors_name_their_key(options, message):
    with pytest.raises(SpecError) as caught:
        make_spec({"id": "ae", "type": "adverse_events", **options})
    assert any(message in str(p) for p in caught.value.problems), [str(p) for p in caught.value.problems]


# --------------------------------------------------------------------------- through the command line


def tiny_trial(folder: Path, options: dict, change=None) -> Path:
    from tests.test_bad_input import TINY_SPEC, tiny_tables, write_tiny_trial

    spec = {**TINY_SPEC, "analyses": [{"id": "teae", "type": "adverse_events", **options}]}
    spec["briefing"] = {**TINY_SPEC["briefing"], "questions": []}
    tables = tiny_tables()
    for i, row in enumerate(tables["adsl"]):
        row["TRTDURD"] = 30 + i
    if change:
        change(tables)
    return write_tiny_trial(folder, spec, tables)


def test_cli_a_missing_variable_of_a_requested_table_is_one_line(tmp_path):
    from tests.conftest import run_cli

    trial = tiny_trial(tmp_path / "trial", {"severity": "AETOXGR"})
    result = run_cli("check", str(trial))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if "AETOXGR" in line]
    assert len(lines) == 1 and "adae" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_cli_a_negative_exposure_stops_the_build_in_one_line(tmp_path):
    from tests.conftest import run_cli

    def negative(tables):
        tables["adsl"][3]["TRTDURD"] = -5

    trial = tiny_trial(tmp_path / "trial", {"exposure_adjusted": True}, negative)
    out = tmp_path / "out"
    result = run_cli("build", str(trial), "-o", str(out))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    (line,) = [x for x in result.stderr.splitlines() if "negative exposure" in x]
    assert "analysis 'teae'" in line and "first USUBJID 'S-04' with -5 days" in line
    assert not out.exists()


@pytest.mark.parametrize("dense", [True, False])
def test_worst_rank_per_pair_both_ways(dense, monkeypatch):
    """The highest rank per (key, subject) pair, by flags (dense) or by sorting, against a plain loop."""
    from dossier.analyses import adverse_events_tables as tables

    if not dense:
        monkeypatch.setattr(tables, "DENSE_PAIRS", 0)
    rng = np.random.default_rng(7)
    pair, rank = rng.integers(0, 60, 2000), rng.integers(-1, 4, 2000)
    highest: dict[int, int] = {}
    for p, r in zip(pair.tolist(), rank.tolist()):
        highest[p] = max(highest.get(p, -1), r)
    pairs, ranks = tables._max_by(pair, rank, 60, 4)
    assert dict(zip(pairs.tolist(), ranks.tolist())) == highest


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_cli_tiny_trial_builds_every_safety_table(tmp_path, lang):
    """Every optional table and the exposure type through `dossier build`: numbered tables in the documents,
    CSV files, evidence of the declared shape, in both languages."""
    import json

    from dossier.analyses import evidence, registry
    from tests.conftest import TINY_SPEC, run_cli, tiny_tables, write_tiny_trial

    tables = tiny_tables()
    for i, row in enumerate(tables["adsl"]):
        row["TRTDURD"] = 30 + 10 * i
    for i, row in enumerate(tables["adae"]):
        row.update(AESEV=("MILD", "MODERATE", "SEVERE")[i % 3], AEREL=("POSSIBLE", "NONE")[i % 2],
                   AEACN=("DRUG WITHDRAWN", "DOSE NOT CHANGED")[i % 2], AEOUT="RECOVERED/RESOLVED", AESDTH="N")
    spec = {**TINY_SPEC, "analyses": [
        {"id": "exposure", "type": "exposure", "variable": "TRTDURD", "categories": [60, 120]},
        {"id": "teae", "type": "adverse_events", **EVERYTHING, "discontinuation": True,
         "special_interest": {"Neuro": ["Headache"]}}]}
    spec["briefing"] = {**TINY_SPEC["briefing"], "questions": [{"question": "Safety?", "evidence": ["teae"]}]}
    trial = write_tiny_trial(tmp_path / "trial", spec, tables)
    out = tmp_path / "out"
    result = run_cli("build", str(trial), "-o", str(out), "--lang", lang)
    assert result.returncode == 0, result.stderr
    names = {p.name for p in (out / "tables").glob("*.csv")}
    assert {"exposure.csv", "teae-severity.csv", "teae-related.csv", "teae-serious.csv", "teae-discontinued.csv",
            "teae-fatal.csv", "teae-aesi.csv", "teae-frequent.csv", "teae-exposure-adjusted.csv"} <= names
    entries = json.loads((out / "evidence.json").read_text(encoding="utf-8"))["analyses"]
    for entry in entries.values():
        body = {k: v for k, v in entry.items() if k not in evidence.COMMON_KEYS}
        assert evidence.problems(body, registry.get(entry["type"]).evidence) == []
    html = (out / "briefing.html").read_text(encoding="utf-8")
    assert ("Exposure-adjusted incidence rates" if lang == "en" else "曝露期間で調整した発現率") in html
