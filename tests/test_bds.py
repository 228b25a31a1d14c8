"""laboratory, vital_signs and by_visit (dossier.analyses.bds): against a published CDISC Pilot 01 table, against
second implementations written here from the raw rows, against R (geometric mean CIs, exact binomial CIs,
tests/reference/bds_reference.R), and their bad-input lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dossier.analyses import by_visit_stats, declared, laboratory_stats, required_of, vital_signs_stats
from dossier.config.spec import parse_spec
from dossier.data.datasets import TrialData, load
from dossier.errors import AnalysisError, SpecError
from tests.conftest import PILOT, glossary_entries, run_cli, table_text, terms_of

PLACEBO, LOW, HIGH = "Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"
ARMS = (PLACEBO, LOW, HIGH)


def pilot_spec(analysis: dict):
    raw = {"study": {"id": "CDISCPILOT01", "title": "Pilot"}, "product": {"name": "Xanomeline"}, "indication": "AD",
           "reference_arm": PLACEBO, "population": "SAFFL", "arm": "TRT01A", "analyses": [analysis]}
    spec = parse_spec(raw, PILOT)
    return spec, spec.analyses[0]


def run_pilot(module, analysis: dict):
    spec, a = pilot_spec(analysis)
    return module.run(a, spec, load(PILOT, required_of(declared(a, spec))))


@pytest.fixture(scope="module")
def adlbc() -> pd.DataFrame:
    return pd.read_parquet(PILOT / "adam" / "adlbc.parquet")


@pytest.fixture(scope="module")
def pilot_labs():
    return run_pilot(laboratory_stats, {"id": "labs", "type": "laboratory", "dataset": "adlbc",
                                        "params": ["ALT", "AST", "BILI", "CREAT"], "hys_law": True,
                                        "thresholds": {"ALT": "> 3 x ULN", "AST": "> 3 x ULN", "BILI": "> 2 x ULN",
                                                       "CREAT": ["> 1.5 x ULN", "< 0.8 x LLN"]}})


# ------------------------------------------------------------------------------------------ published

# tern LBT02 ("Laboratory Test Results by Visit") on pharmaverseadam::adlb, ALT, arms by ARM (the CDISC Pilot 01
# subjects): the snapshot tests/testthat/_snaps/table_lbt02.md of insightsengineering/scda.test at commit
# 5ad6cf1ed1261567c0b58976a2aedee0f9e2c189 (2024-01-17). Per visit and arm (Placebo, Low, High):
# n, mean, SD, median, min, max as printed (one decimal).
LBT02_ALT = {
    "Baseline": ((86, 17.6, 9.2, 15.0, 7.0, 69.0), (82, 18.0, 8.7, 17.0, 5.0, 70.0), (84, 19.2, 10.0, 16.0, 6.0, 64.0)),
    "Week 2": ((83, 18.0, 12.5, 15.0, 6.0, 104.0), (80, 20.9, 10.5, 19.0, 5.0, 88.0), (78, 21.0, 8.9, 18.5, 8.0, 49.0)),
    "Week 4": ((79, 18.7, 12.9, 16.0, 6.0, 107.0), (72, 17.5, 7.7, 16.0, 5.0, 62.0), (72, 21.3, 9.5, 20.0, 8.0, 61.0)),
    "Week 6": ((73, 17.0, 9.9, 15.0, 4.0, 76.0), (62, 17.0, 8.0, 16.0, 5.0, 57.0), (66, 21.2, 9.5, 19.0, 10.0, 60.0)),
    "Week 8": ((72, 16.7, 9.3, 15.0, 7.0, 63.0), (60, 17.6, 7.9, 17.0, 4.0, 54.0), (56, 22.8, 17.5, 18.0, 10.0, 129.0)),
    "Week 12": ((67, 18.0, 9.2, 16.0, 6.0, 64.0), (51, 18.5, 12.7, 15.0, 9.0, 88.0), (50, 21.0, 10.2, 19.0, 9.0, 70.0)),
    "Week 16": ((68, 17.1, 7.4, 15.0, 5.0, 48.0), (42, 17.3, 7.5, 16.0, 6.0, 43.0), (37, 19.6, 7.6, 19.0, 7.0, 38.0)),
    "Week 20": ((65, 16.1, 6.6, 14.0, 7.0, 48.0), (30, 16.7, 6.3, 15.0, 7.0, 37.0), (31, 19.6, 6.8, 19.0, 9.0, 35.0)),
    "Week 24": ((57, 17.9, 15.6, 14.0, 5.0, 124.0), (26, 18.2, 9.2, 16.0, 7.0, 48.0), (30, 21.0, 8.7, 18.5, 9.0, 43.0)),
    "Week 26": ((57, 16.0, 6.0, 15.0, 3.0, 31.0), (25, 17.8, 9.5, 15.0, 7.0, 53.0), (27, 18.9, 7.0, 18.0, 8.0, 39.0)),
}


def test_pilot_alt_by_visit_matches_published_tern_lbt02(pilot_labs):
    visits = pilot_labs.evidence["params"]["ALT"]["visits"]
    for visit, arms in LBT02_ALT.items():
        for arm, (n, mean, sd, median, lo, hi) in zip(ARMS, arms):
            got = visits[visit][arm]["value"]
            assert got["n"] == n, (visit, arm)
            for key, printed in (("mean", mean), ("sd", sd), ("median", median), ("min", lo), ("max", hi)):
                assert abs(got[key] - printed) <= 0.05 + 1e-9, (visit, arm, key, got[key], printed)


# ------------------------------------------------------------------------------------------ independent: pilot labs


def _raw_safety(adlbc: pd.DataFrame, param: str) -> pd.DataFrame:
    adsl = pd.read_sas(PILOT / "adam" / "adsl.xpt", format="xport", encoding="latin-1")
    adsl = adsl[adsl["SAFFL"] == "Y"][["USUBJID", "TRT01A"]]
    return adlbc[adlbc["PARAMCD"] == param].merge(adsl, on="USUBJID")


@pytest.mark.parametrize("param", ["ALT", "AST", "BILI", "CREAT"])
def test_pilot_shift_counts_from_raw_rows_and_add_up(pilot_labs, adlbc, param):
    rows = _raw_safety(adlbc, param)
    names = {"N": "NORMAL", "H": "HIGH", "L": "LOW"}
    expected: dict = {}
    for subject, own in rows.groupby("USUBJID"):
        base = [names[v] for v in own["BNRIND"] if isinstance(v, str) and v]
        post = {names[v] for v, n in zip(own["ANRIND"], own["AVISITN"]) if isinstance(v, str) and n > 0}
        if not base or not post:
            continue
        worst = "LOW_HIGH" if {"LOW", "HIGH"} <= post else "HIGH" if "HIGH" in post else \
            "LOW" if "LOW" in post else "NORMAL"
        arm = own["TRT01A"].iloc[0]
        expected.setdefault(arm, {}).setdefault((base[0], worst), 0)
        expected[arm][(base[0], worst)] += 1
    shift = pilot_labs.evidence["params"][param]["shift"]
    for arm in ARMS:
        got = {(b, w): n for b, row in shift[arm]["counts"].items() for w, n in row.items() if n}
        assert got == expected[arm], (param, arm)
        assert sum(got.values()) == shift[arm]["N"] == sum(expected[arm].values())


def test_pilot_thresholds_and_hys_law_from_raw_rows(pilot_labs, adlbc):
    post = {p: _raw_safety(adlbc, p).query("AVISITN > 0") for p in ("ALT", "AST", "BILI", "CREAT")}

    def subjects(frame):
        return frame.drop_duplicates("USUBJID")["TRT01A"].value_counts().to_dict()

    found = {(t["param"], t["criterion"]): t for t in pilot_labs.evidence["thresholds"]}
    for param, criterion, hit in (("ALT", "> 3 x ULN", lambda f: f.AVAL > 3 * f.A1HI),
                                  ("AST", "> 3 x ULN", lambda f: f.AVAL > 3 * f.A1HI),
                                  ("BILI", "> 2 x ULN", lambda f: f.AVAL > 2 * f.A1HI),
                                  ("CREAT", "> 1.5 x ULN", lambda f: f.AVAL > 1.5 * f.A1HI),
                                  ("CREAT", "< 0.8 x LLN", lambda f: f.AVAL < 0.8 * f.A1LO)):
        f = post[param].dropna(subset=["AVAL"])
        t = found[(param, criterion)]
        assert t["counts"] == {a: subjects(f[hit(f)]).get(a, 0) for a in ARMS}, (param, criterion)
        assert t["N"] == {a: subjects(f).get(a, 0) for a in ARMS}
    peak = {p: post[p].assign(R=post[p].AVAL / post[p].A1HI).groupby("USUBJID").R.max() for p in ("ALT", "AST", "BILI")}
    liver = pd.concat([peak["ALT"], peak["AST"]], axis=1).max(axis=1)
    both = liver.index.intersection(peak["BILI"].index)
    cases = [s for s in both if liver[s] > 3 and peak["BILI"][s] > 2]
    arm_of = post["ALT"].drop_duplicates("USUBJID").set_index("USUBJID")["TRT01A"]
    hys = pilot_labs.evidence["hys_law"]
    assert hys["counts"] == {a: sum(arm_of.get(s) == a for s in cases) for a in ARMS}
    assert sum(hys["counts"].values()) >= 1  # the combination occurs in the pilot data (so the test can fail)


def test_pilot_vital_signs_from_raw_rows():
    result = run_pilot(vital_signs_stats, {"id": "vitals", "type": "vital_signs", "dataset": "advs",
                                           "params": ["SYSBP"], "where": {"ATPTN": 815},
                                           "thresholds": {"SYSBP": {"high": 160, "low": 90}}})
    advs = pd.read_parquet(PILOT / "adam" / "advs.parquet")
    adsl = pd.read_sas(PILOT / "adam" / "adsl.xpt", format="xport", encoding="latin-1")
    rows = advs[(advs.PARAMCD == "SYSBP") & (advs.ATPTN == 815) & advs.AVISIT.notna()] \
        .merge(adsl[adsl.SAFFL == b"Y" if adsl.SAFFL.dtype == object and isinstance(adsl.SAFFL.iloc[0], bytes)
                    else adsl.SAFFL == "Y"][["USUBJID", "TRT01A"]], on="USUBJID")
    visits = result.evidence["params"]["SYSBP"]["visits"]
    for (visit, arm), own in rows.groupby(["AVISIT", "TRT01A"]):
        got = visits[visit][arm]
        assert got["value"]["n"] == own.AVAL.notna().sum()
        assert got["value"]["mean"] == pytest.approx(own.AVAL.mean(), rel=1e-12)
        assert got["value"]["sd"] == pytest.approx(own.AVAL.std(), rel=1e-12)
        if visit != "Baseline":
            assert got["change"]["mean"] == pytest.approx(own.CHG.mean(), rel=1e-12)
            assert got["change"]["n"] == own.CHG.notna().sum()
    post = rows[rows.AVISITN > 0]
    high, low = result.evidence["thresholds"]
    assert (high["criterion"], low["criterion"]) == (">= 160", "<= 90")
    for t, hit in ((high, post.AVAL >= 160), (low, post.AVAL <= 90)):
        assert t["counts"] == {a: post[hit & (post.TRT01A == a)].USUBJID.nunique() for a in ARMS}


# ------------------------------------------------------------------------------------------ R references


GEOMETRIC_R = {  # tests/reference/bds_reference.R (R 4.2.2): exp(mean(log x)), exp(t.test(log x)$conf.int)
    ("a", 0.95): (103.747164372081, 11.1303385284675, 967.039240335624),
    ("a", 0.90): (103.747164372081, 17.3468852870968, 620.484538700087),
    ("b", 0.95): (557.152360509519, 116.549866846894, 2663.39860541507),
    ("b", 0.90): (557.152360509519, 156.812122550021, 1979.55838983246),
    ("c", 0.95): (7.07106781186548, 0.0864989078155032, 578.041980676183),
    ("c", 0.90): (7.07106781186548, 0.792812897457671, 63.0665824942254),
}
TITRES = {"a": [2.5, 5, 10, 160, 320, 640, 1280, 2560], "b": [40, 80, 80, 160, 320, 320, 640, 5120, 10240, 20480],
          "c": [5, 10]}
BINOMIAL_R = {  # binom.test(k, n, conf.level)$conf.int
    (0, 30, 0.95): (0, 0.115703308222028), (0, 30, 0.90): (0, 0.0950338528553041),
    (13, 29, 0.95): (0.264455303706705, 0.643061289196086), (13, 29, 0.90): (0.289271484557057, 0.615607814756401),
    (24, 25, 0.95): (0.796483086077586, 0.998987800300689), (24, 25, 0.90): (0.823879289395482, 0.997950371587379),
    (27, 27, 0.95): (0.872297132384568, 1), (27, 27, 0.90): (0.894980769823656, 1),
    (10, 28, 0.95): (0.186406660000445, 0.559349687253333), (10, 28, 0.90): (0.208242339253823, 0.529978888014333),
    (1, 1, 0.95): (0.025, 1), (1, 1, 0.90): (0.05, 1),
}


@pytest.mark.parametrize("key", sorted(GEOMETRIC_R))
def test_geometric_mean_and_ci_against_r(key):
    gm, (low, high) = by_visit_stats.geometric(np.array(TITRES[key[0]], dtype=float), key[1])
    assert (gm, low, high) == pytest.approx(GEOMETRIC_R[key], rel=1e-11)


@pytest.mark.parametrize("key", sorted(BINOMIAL_R))
def test_exact_proportion_ci_against_r(key):
    k, n, level = key
    p = by_visit_stats.proportion(k, n, level)
    assert p["rate"] == k / n
    assert tuple(p["ci"]) == pytest.approx(BINOMIAL_R[key], abs=1e-10)


# ------------------------------------------------------------------------------------------ toy trials (by hand)


def _adsl(n_per_arm=3):
    ids = [f"S{i}" for i in range(2 * n_per_arm)]
    return pd.DataFrame({"USUBJID": ids, "SAFFL": "Y", "TRT01A": ["A"] * n_per_arm + ["B"] * n_per_arm})


def _toy(analysis: dict, frame: pd.DataFrame, adsl=None):
    raw = {"study": {"id": "T", "title": "T"}, "product": {"name": "P"}, "indication": "I", "population": "SAFFL",
           "arm": "TRT01A", "analyses": [{"id": "x", **analysis}]}
    spec = parse_spec(raw, Path("/nonexistent"))
    data = TrialData(files={}, frames={"adsl": _adsl() if adsl is None else adsl, "adxx": frame})
    return spec, spec.analyses[0], data


def _bds(rows):
    return pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVISIT", "AVISITN", "ADY", "AVAL", "AVALC"]).assign(
        ABLFL=lambda f: np.where(f.AVISITN == 0, "Y", ""))


def test_toy_seroconversion_and_last_positive_by_hand():
    P, N = "POSITIVE", "NEGATIVE"
    rows = [("S0", "SH", "Baseline", 0, -1, 0, N), ("S0", "SH", "Day 2", 2, 2, 900, P), ("S0", "SH", "Day 7", 7, 8, 0, N),
            ("S1", "SH", "Baseline", 0, -2, 0, N), ("S1", "SH", "Day 2", 2, 2, 500, P), ("S1", "SH", "Day 7", 7, 7, 80, P),
            ("S2", "SH", "Baseline", 0, -1, 60, P), ("S2", "SH", "Day 2", 2, 3, 0, N),
            ("S3", "SH", "Baseline", 0, -1, 0, N), ("S3", "SH", "Day 2", 2, 2, 0, N),
            ("S4", "SH", "Day 2", 2, 2, 70, P)]
    spec, a, data = _toy({"type": "by_visit", "dataset": "adxx", "summary": "positive", "seroconversion": True,
                          "last_positive": True}, _bds(rows))
    ev = by_visit_stats.run(a, spec, data).evidence["params"]["SH"]
    assert ev["visits"]["Day 2"]["A"] | {"ci": None} == {"n": 3, "positive": 2, "rate": 2 / 3, "ci": None}
    assert ev["visits"]["Day 7"]["A"]["positive"] == 1 and ev["visits"]["Day 7"]["A"]["n"] == 2
    # S2 was positive at baseline: not in the seroconversion denominator; S4 has no baseline sample
    assert ev["seroconversion"]["A"]["n"] == 2 and ev["seroconversion"]["A"]["N"] == 2
    assert ev["seroconversion"]["B"]["n"] == 0 and ev["seroconversion"]["B"]["N"] == 1
    last = ev["last_positive"]["A"]
    assert (last["n"], last["N"], last["median"], last["min"], last["max"], last["still_positive"]) == (2, 3, 4.5, 2, 7, 1)
    assert (ev["last_positive"]["B"]["n"], ev["last_positive"]["B"]["N"]) == (1, 2)


def test_toy_shift_low_and_high_and_grades_add_up():
    rows = []
    for s, base, post, grades in (("S0", "NORMAL", ["LOW", "HIGH"], (0, [1, 3])), ("S1", "LOW", ["NORMAL"], (1, [0])),
                                  ("S2", "HIGH", ["HIGH", "NORMAL"], (2, [2, 1])), ("S3", "NORMAL", [], (0, [])),
                                  ("S4", "", ["LOW"], (0, [2]))):
        rows.append((s, "K", "Baseline", 0, 5.0, base, base, grades[0], grades[0]))
        for k, (ind, g) in enumerate(zip(post, grades[1])):
            rows.append((s, "K", f"Week {k + 1}", k + 1, 5.0 + k, ind, base, g, grades[0]))
    frame = pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVISIT", "AVISITN", "AVAL", "ANRIND", "BNRIND",
                                        "ATOXGR", "BTOXGR"]).assign(ABLFL=lambda f: np.where(f.AVISITN == 0, "Y", ""),
                                                                    BASE=5.0)
    spec, a, data = _toy({"type": "laboratory", "dataset": "adxx"}, frame)
    result = laboratory_stats.run(a, spec, data)
    shift = result.evidence["params"]["K"]["shift"]
    assert shift["A"]["N"] == 3 and shift["A"]["counts"]["NORMAL"]["LOW_HIGH"] == 1
    assert shift["A"]["counts"]["LOW"]["NORMAL"] == 1 and shift["A"]["counts"]["HIGH"]["HIGH"] == 1
    assert shift["B"]["N"] == 0  # S3 has no post-baseline value, S4 no baseline indicator
    grades = result.evidence["params"]["K"]["grade_shift"]["A"]
    assert grades["counts"]["0"]["3"] == 1 and grades["counts"]["1"]["0"] == 1 and grades["counts"]["2"]["2"] == 1
    assert sum(sum(r.values()) for r in grades["counts"].values()) == grades["N"] == 3
    shown = table_text(next(t for t in result.tables if t.key == "x-shift"))
    assert shown[0] == ["Parameter / arm / baseline", "Low", "Normal", "High", "Low and high", "Total"]
    assert ["Normal", "0 (0.0%)", "0 (0.0%)", "0 (0.0%)", "1 (33.3%)", "1 (33.3%)"] in [r[:6] for r in shown]


# ------------------------------------------------------------------------------------------ bad input


def test_missing_reference_range_indicators_warn_and_skip_the_shift_table():
    frame = _bds([("S0", "K", "Baseline", 0, 1, 5.0, ""), ("S0", "K", "Week 1", 1, 8, 6.0, "")])
    spec, a, data = _toy({"type": "laboratory", "dataset": "adxx"}, frame)
    result = laboratory_stats.run(a, spec, data)
    assert [w for w in result.warnings if "shift" in w] == \
        ["analysis 'x': K: BNRIND or ANRIND is not in the dataset; shift table skipped"]
    assert [t.key for t in result.tables] == ["x-k"]


def test_threshold_on_a_parameter_not_analysed_names_the_key_with_did_you_mean():
    with pytest.raises(SpecError) as caught:
        pilot_spec({"id": "labs", "type": "laboratory", "dataset": "adlbc", "params": ["ALT", "AST"],
                    "thresholds": {"ALTT": "> 3 x ULN", "AST": "three times"}})
    text = str(caught.value)
    assert "analyses[1].thresholds.ALTT: 'ALTT' is not one of the analysis's params; did you mean 'ALT'" in text
    assert "analyses[1].thresholds.AST: 'three times' is not a threshold" in text


def test_unknown_parameter_is_one_line_at_check_with_did_you_mean(make_trial):
    folder = make_trial({"study": {"id": "T-1", "title": "T"}, "product": {"name": "P"}, "indication": "I",
                         "population": "SAFFL", "arm": "TRT01A",
                         "analyses": [{"id": "labs", "type": "laboratory", "dataset": "adlbc",
                                       "thresholds": {"ALTT": "> 3 x ULN"}}]}, datasets=("adsl", "adlbc"))
    done = run_cli("check", str(folder))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    line = next(x for x in done.stderr.splitlines() if "ALTT" in x)
    assert "adlbc.parquet: PARAMCD" in line and "dossier.yaml thresholds.ALTT" in line and "did you mean 'ALT'" in line


def test_non_numeric_aval_is_one_clear_line():
    frame = _bds([("S0", "K", "Baseline", 0, 1, 5.0, "")]).assign(AVAL=["<5"])
    spec, a, data = _toy({"type": "by_visit", "dataset": "adxx"}, frame)
    with pytest.raises(AnalysisError) as caught:
        by_visit_stats.run(a, spec, data)
    assert str(caught.value).splitlines()[0].endswith(
        "analysis 'x': adxx variable AVAL must be numeric for a continuous summary; e.g. '<5' (PARAMCD K)")


def test_several_records_per_visit_ask_for_a_filter():
    frame = _bds([("S0", "K", "Baseline", 0, 1, 5.0, ""), ("S0", "K", "Baseline", 0, 1, 6.0, "")])
    spec, a, data = _toy({"type": "vital_signs", "dataset": "adxx"}, frame)
    with pytest.raises(AnalysisError, match=r"more than one record per subject, parameter and visit .*\{ATPTN"):
        vital_signs_stats.run(a, spec, data)


# ------------------------------------------------------------------------------------------ synthetic gene-therapy data


@pytest.mark.parametrize("folder", ["hf-aav-synthetic", "pd-aav-synthetic"])
def test_synthetic_immunogenicity_and_shedding_datasets_follow_their_conventions(folder):
    adam = PILOT.parent / folder / "adam"
    adsl = pd.read_parquet(adam / "adsl.parquet")
    placebo = set(adsl.loc[adsl.TRT01AN == 0, "USUBJID"])
    men = set(adsl.loc[adsl.SEX == "M", "USUBJID"])
    dosed = set(adsl.loc[adsl.SAFFL == "Y", "USUBJID"])
    for name in ("adis", "adsh"):
        frame = pd.read_parquet(adam / f"{name}.parquet")
        assert not frame.duplicated(["USUBJID", "PARAMCD", "AVISIT"]).any()
        assert set(frame.USUBJID) <= dosed
        baseline = frame[frame.ABLFL == "Y"]
        assert (baseline.AVISITN == 0).all() and (baseline.ADY <= 1).all()
    adis = pd.read_parquet(adam / "adis.parquet")
    assert set(adis.PARAMCD) == {"NABAAV"}
    assert ((adis.AVAL >= 5) == (adis.AVALC == "POSITIVE")).all()
    assert set(np.log2(adis.loc[adis.AVAL >= 5, "AVAL"] / 5)) <= set(range(20))  # two-fold dilutions from 1:5
    adsh = pd.read_parquet(adam / "adsh.parquet")
    assert set(adsh.PARAMCD) == {"SHBLOOD", "SHSALIVA", "SHURINE", "SHSTOOL", "SHSEMEN"}
    assert ((adsh.AVAL >= 50) == (adsh.AVALC == "POSITIVE")).all()
    assert set(adsh.loc[adsh.PARAMCD == "SHSEMEN", "USUBJID"]) <= men
    assert not adsh.loc[adsh.USUBJID.isin(placebo) | (adsh.ABLFL == "Y"), "AVALC"].eq("POSITIVE").any()
    assert adsh.loc[~adsh.USUBJID.isin(placebo), "AVALC"].eq("POSITIVE").any()


def test_every_label_of_the_tables_is_in_both_glossaries(pilot_labs):
    P, N = "POSITIVE", "NEGATIVE"
    rows = [("S0", "T", "Baseline", 0, -1, 2.5, N), ("S0", "T", "Week 4", 4, 29, 640, P)]
    results = [pilot_labs]
    for summary in ("arithmetic", "geometric", "positive"):
        spec, a, data = _toy({"type": "by_visit", "dataset": "adxx", "summary": summary, "seroconversion": True,
                              "last_positive": True}, _bds(rows))
        results.append(by_visit_stats.run(a, spec, data))
    spec, a, data = _toy({"type": "vital_signs", "dataset": "adxx", "thresholds": {"T": {"high": 100}}}, _bds(rows))
    results.append(vital_signs_stats.run(a, spec, data))
    glossary = glossary_entries()
    for result in results:
        for key in terms_of(result) | {result.method.key}:
            assert glossary.get(key, {}).get("en") and glossary[key].get("ja"), key
        for table in result.tables:
            table_text(table, "ja")  # every label fills in Japanese


def test_text_in_aval_is_one_line_at_check_naming_file_and_row(make_trial):
    folder = make_trial({"study": {"id": "T-1", "title": "T"}, "product": {"name": "P"}, "indication": "I",
                         "population": "SAFFL", "arm": "TRT01A",
                         "analyses": [{"id": "vs", "type": "vital_signs", "dataset": "advs"}]}, datasets=("adsl",))
    subject = pd.read_sas(PILOT / "adam" / "adsl.xpt", format="xport", encoding="latin-1")["USUBJID"].iloc[0]
    (folder / "adam" / "advs.csv").write_text(f"USUBJID,PARAMCD,AVISIT,AVISITN,AVAL\n{subject},SYSBP,Baseline,0,120\n"
                                              f"{subject},SYSBP,Week 2,2,<90\n", encoding="utf-8")
    done = run_cli("check", str(folder))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert any(line.endswith("advs.csv: AVAL: must be numeric for a continuous summary; row 2 holds '<90' "
                             "(analysis 'vs')") for line in done.stderr.splitlines()), done.stderr
