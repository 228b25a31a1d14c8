"""change_from_baseline against the published R Consortium Pilot 1 Table 14-3.01 and hand computations."""

from __future__ import annotations

import dataclasses
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from dossier.analyses import change_from_baseline_stats as cfb
from dossier.analyses import declared, required_of
from dossier.analyses.model import MeanSD, Range, Term
from dossier.config.spec import parse_spec
from dossier.data.datasets import TrialData, load
from dossier.errors import AnalysisError
from dossier.stats import core as st
from tests.conftest import glossary_entries, terms_in

ROOT = Path(__file__).resolve().parents[1]
PILOT = ROOT / "datasets" / "cdisc-pilot01"
PLACEBO, LOW, HIGH = "Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"


def printed(value: float, decimals: int) -> str:
    """Round half away from zero, as the published tables (SAS ROUND) do."""
    return f"{Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):f}"


def make_spec(analysis: dict, **top):
    raw = {"study": {"id": "T-1", "title": "Test"}, "product": {"name": "P"}, "indication": "I",
           "analyses": [{"id": "chg", "type": "change_from_baseline", "dataset": "adeff", "param": "SCORE",
                         **analysis}], **top}
    spec = parse_spec(raw, Path("/nonexistent"))
    return spec, spec.analyses[0]


# ------------------------------------------------------------------------------------------ pilot reference


@pytest.fixture(scope="module")
def pilot():
    raw = {"study": {"id": "CDISCPILOT01", "title": "Pilot"}, "product": {"name": "Xanomeline"}, "indication": "AD",
           "reference_arm": PLACEBO,
           "analyses": [{"id": "adas", "type": "change_from_baseline", "dataset": "adadas", "param": "ACTOT",
                         "population": "EFFFL", "arm": "TRT01P", "where": {"ITTFL": "Y", "ANL01FL": "Y"},
                         "visits": ["Week 24"], "covariates": ["SITEGR1", "BASE"], "dose_response": "TRT01PN"}]}
    spec = parse_spec(raw, PILOT)
    analysis = spec.analyses[0]
    data = load(PILOT, required_of(declared(analysis, spec)))
    return cfb.run(analysis, spec, data)


def test_pilot_table_14_3_01_descriptives(pilot):
    groups = pilot.evidence["visits"]["Week 24"]["groups"]
    assert [groups[a]["n"] for a in (PLACEBO, LOW, HIGH)] == [79, 81, 74]
    assert [printed(groups[a]["mean_change"], 1) for a in (PLACEBO, LOW, HIGH)] == ["2.5", "2.0", "1.5"]
    assert [printed(groups[a]["sd_change"], 2) for a in (PLACEBO, LOW, HIGH)] == ["5.80", "5.55", "4.26"]


def test_pilot_table_14_3_01_ancova(pilot):
    visit = pilot.evidence["visits"]["Week 24"]
    by_group = {c["group"]: c for c in visit["comparisons"]}
    assert set(by_group) == {LOW, HIGH}
    low, high = by_group[LOW], by_group[HIGH]
    assert low["reference"] == high["reference"] == PLACEBO
    assert (printed(low["difference"], 1), printed(low["se"], 2)) == ("-0.5", "0.82")
    assert [printed(x, 1) for x in low["ci"]] == ["-2.1", "1.1"]
    assert printed(low["p"], 3) == "0.569"
    assert (printed(high["difference"], 1), printed(high["se"], 2)) == ("-1.0", "0.84")
    assert [printed(x, 1) for x in high["ci"]] == ["-2.7", "0.7"]
    assert printed(high["p"], 3) == "0.233"
    assert visit["dose_response"]["variable"] == "TRT01PN"
    assert printed(visit["dose_response"]["p"], 3) == "0.245"


def test_pilot_lsmean_difference_is_difference_of_lsmeans(pilot):
    visit = pilot.evidence["visits"]["Week 24"]
    groups = visit["groups"]
    for c in visit["comparisons"]:
        assert c["difference"] == pytest.approx(groups[c["group"]]["lsmean"] - groups[PLACEBO]["lsmean"], abs=1e-10)


def test_pilot_ancova_equals_statsmodels_ols(pilot):
    """The normal-equations solver against statsmodels OLS (pinv) on the pilot design."""
    from statsmodels.regression.linear_model import OLS

    data = load(PILOT, {"adsl": set(), "adadas": set()})
    pop = data.frame("adsl")
    pop = pop[pop["EFFFL"] == "Y"][["USUBJID", "TRT01P"]]
    rec = data.frame("adadas")
    rec = rec[(rec["PARAMCD"] == "ACTOT") & (rec["ITTFL"] == "Y") & (rec["ANL01FL"] == "Y")
              & (rec["AVISIT"] == "Week 24") & rec["CHG"].notna()].merge(pop, on="USUBJID")
    sites = sorted(rec["SITEGR1"].unique())
    X = np.column_stack([np.ones(len(rec)), rec["TRT01P"] == LOW, rec["TRT01P"] == HIGH,
                         *(rec["SITEGR1"] == s for s in sites[1:]), rec["BASE"]]).astype(float)
    fit = OLS(rec["CHG"].to_numpy(), X).fit()
    by_group = {c["group"]: c for c in pilot.evidence["visits"]["Week 24"]["comparisons"]}
    for col, arm in ((1, LOW), (2, HIGH)):
        assert by_group[arm]["difference"] == pytest.approx(fit.params[col], rel=1e-10)
        assert by_group[arm]["se"] == pytest.approx(fit.bse[col], rel=1e-10)
        assert by_group[arm]["p"] == pytest.approx(fit.pvalues[col], rel=1e-8)
    groups = pilot.evidence["visits"]["Week 24"]["groups"]
    for arm, (low, high) in ((PLACEBO, (0, 0)), (LOW, (1, 0)), (HIGH, (0, 1))):
        L = X.mean(axis=0)
        L[1], L[2] = low, high
        assert groups[arm]["lsmean"] == pytest.approx(L @ fit.params, rel=1e-10)
        assert groups[arm]["lsmean_se"] == pytest.approx(np.sqrt(L @ fit.cov_params() @ L), rel=1e-10)


def test_pilot_table_precision_and_layout(pilot):
    table = pilot.tables[0]
    assert table.key == "adas"
    assert [c.params for c in table.columns[1:]] == [(("arm", a), ("n", n)) for a, n in
                                                     ((PLACEBO, 79), (LOW, 81), (HIGH, 74))]
    rows = {r.cells[0].key: r for r in table.rows if isinstance(r.cells[0], Term)}
    # ADAS-Cog totals are recorded as integers (a few prorated totals excepted): means 1 decimal, SD 2
    change = rows["cfb_change_mean_sd"].cells[1]
    assert isinstance(change, MeanSD) and change.decimals == 1
    assert rows["cfb_change_min_max"].cells[1].decimals == 0
    diff = rows["cfb_difference_se"].cells
    assert diff[1] == Term("cfb_reference") and isinstance(diff[2], MeanSD) and diff[2].decimals == 1
    assert isinstance(rows["cfb_difference_ci"].cells[2], Range)
    assert rows["cfb_p_dose_response"].cells[3].p == pytest.approx(0.2447, abs=1e-4)
    assert pilot.evidence["covariates"] == ["SITEGR1", "BASE"]
    assert pilot.figures[0].kind == "profile" and pilot.figures[0].x_tick_labels == ("Week 24",)
    assert pilot.figures[0].x_ticks == (24.0,)


def test_pilot_default_visits_in_avisitn_order():
    raw = {"study": {"id": "S", "title": "t"}, "product": {"name": "p"}, "indication": "i",
           "analyses": [{"id": "adas-all", "type": "change_from_baseline", "dataset": "adadas", "param": "ACTOT",
                         "population": "EFFFL", "arm": "TRT01P", "where": {"ANL01FL": "Y"}}]}
    spec = parse_spec(raw, PILOT)
    result = cfb.run(spec.analyses[0], spec, load(PILOT, {"adsl": set(), "adadas": set()}))
    assert list(result.evidence["visits"]) == ["Week 8", "Week 16", "Week 24"]
    assert result.evidence["visits"]["Week 8"]["comparisons"] == []  # no reference arm: no ANCOVA
    assert result.figures[0].x_ticks == (8.0, 16.0, 24.0)


# ------------------------------------------------------------------------------------------ toy data


def toy_data(seed: int = 1, with_site: bool = True) -> TrialData:
    rng = np.random.default_rng(seed)
    n = 24
    subjects = [f"S{i:02d}" for i in range(n)]
    arms = np.where(np.arange(n) % 2 == 0, "Drug", "Placebo")
    adsl = pd.DataFrame({"USUBJID": subjects, "SAFFL": "Y", "TRT01A": arms,
                         "TRT01AN": np.where(arms == "Drug", 1.0, 0.0),
                         "REGION1": np.where(np.arange(n) % 3 == 0, "Asia", "Europe"), "AGE": rng.integers(30, 70, n)
                         .astype(float)})
    adsl.loc[n - 1, "SAFFL"] = "N"  # not in the population: its records are dropped
    base = rng.normal(50, 8, n).round(1)
    rows = []
    for i, s in enumerate(subjects):
        for visit, code in (("Baseline", 0.0), ("Week 4", 4.0), ("Week 12", 12.0)):
            effect = (3.0 if arms[i] == "Drug" else 0.0) * code / 12
            aval = base[i] if code == 0 else round(base[i] + effect + rng.normal(0, 4), 1)
            rows.append({"USUBJID": s, "PARAMCD": "SCORE", "PARAM": "Score (units)", "AVISIT": visit,
                         "AVISITN": code, "ABLFL": "Y" if code == 0 else "", "AVAL": aval, "BASE": base[i],
                         "CHG": np.nan if code == 0 else round(aval - base[i], 1), "ANL01FL": "Y"})
    adeff = pd.DataFrame(rows)
    if with_site:
        adeff["SITE"] = adeff["USUBJID"].map({s: ("A" if i % 4 < 2 else "B") for i, s in enumerate(subjects)})
    return TrialData(files={}, frames={"adsl": adsl, "adeff": adeff})


def analysed(data: TrialData, visit: str) -> pd.DataFrame:
    adsl = data.frame("adsl")
    pop = adsl[adsl["SAFFL"] == "Y"][["USUBJID", "TRT01A", "REGION1"]]
    recs = data.frame("adeff")
    recs = recs[(recs["AVISIT"] == visit) & recs["CHG"].notna()]
    return recs.merge(pop, on="USUBJID")


def test_toy_descriptives_by_hand():
    data = toy_data()
    spec, analysis = make_spec({"visits": ["Week 12"]}, reference_arm="Placebo")
    result = cfb.run(analysis, spec, data)
    frame = analysed(data, "Week 12")
    for arm in ("Drug", "Placebo"):
        chg = frame.loc[frame["TRT01A"] == arm, "CHG"].to_numpy()
        n = len(chg)
        mean = chg.sum() / n
        sd = np.sqrt(((chg - mean) ** 2).sum() / (n - 1))
        half = sps.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
        g = result.evidence["visits"]["Week 12"]["groups"][arm]
        assert g["n"] == n == (12 if arm == "Drug" else 11)
        assert g["mean_change"] == pytest.approx(mean, abs=1e-12)
        assert g["sd_change"] == pytest.approx(sd, abs=1e-12)
        assert g["change_ci"] == pytest.approx([mean - half, mean + half], abs=1e-12)
        assert g["median_change"] == pytest.approx(np.median(chg))
        assert (g["min_change"], g["max_change"]) == (chg.min(), chg.max())
        base = frame.loc[frame["TRT01A"] == arm, "BASE"]
        assert g["baseline_mean"] == pytest.approx(base.mean())
        assert g["p_within"] == pytest.approx(sps.ttest_1samp(chg, 0).pvalue)


def test_toy_ancova_by_least_squares():
    """Numeric (BASE), ADSL character (REGION1) and record character (SITE) covariates, by numpy lstsq."""
    data = toy_data()
    spec, analysis = make_spec({"visits": ["Week 12"], "covariates": ["BASE", "REGION1", "SITE"]},
                               reference_arm="Placebo", confidence_level=0.9)
    result = cfb.run(analysis, spec, data)
    frame = analysed(data, "Week 12")
    X = np.column_stack([np.ones(len(frame)), (frame["TRT01A"] == "Drug").astype(float), frame["BASE"],
                         (frame["REGION1"] == "Europe").astype(float), (frame["SITE"] == "B").astype(float)])
    y = frame["CHG"].to_numpy()
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    df = len(y) - X.shape[1]
    cov = (resid @ resid / df) * np.linalg.inv(X.T @ X)
    se = np.sqrt(cov[1, 1])
    q = sps.t.ppf(0.95, df)
    comparison = result.evidence["visits"]["Week 12"]["comparisons"][0]
    assert comparison["group"] == "Drug" and comparison["reference"] == "Placebo"
    assert comparison["difference"] == pytest.approx(beta[1], abs=1e-10)
    assert comparison["se"] == pytest.approx(se, abs=1e-10)
    assert comparison["ci"] == pytest.approx([beta[1] - q * se, beta[1] + q * se], abs=1e-10)
    assert comparison["p"] == pytest.approx(2 * sps.t.sf(abs(beta[1] / se), df), abs=1e-12)
    # LS means: predictions with every subject set to the arm, averaged over the analysed subjects
    groups = result.evidence["visits"]["Week 12"]["groups"]
    for arm, flag in (("Drug", 1.0), ("Placebo", 0.0)):
        L = X.mean(axis=0)
        L[1] = flag
        assert groups[arm]["lsmean"] == pytest.approx(L @ beta, abs=1e-10)
        assert groups[arm]["lsmean_se"] == pytest.approx(np.sqrt(L @ cov @ L), abs=1e-10)
    assert result.evidence["covariates"] == ["BASE", "REGION1", "SITE"]


def test_toy_dose_response_by_least_squares():
    data = toy_data()
    spec, analysis = make_spec({"visits": ["Week 12"], "dose_response": "TRT01AN"})
    result = cfb.run(analysis, spec, data)
    frame = analysed(data, "Week 12").merge(data.frame("adsl")[["USUBJID", "TRT01AN"]], on="USUBJID")
    X = np.column_stack([np.ones(len(frame)), frame["TRT01AN"], frame["BASE"]])
    y = frame["CHG"].to_numpy()
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    df = len(y) - 3
    se = np.sqrt((resid @ resid / df) * np.linalg.inv(X.T @ X)[1, 1])
    dr = result.evidence["visits"]["Week 12"]["dose_response"]
    assert dr["slope"] == pytest.approx(beta[1], abs=1e-10)
    assert dr["p"] == pytest.approx(2 * sps.t.sf(abs(beta[1] / se), df), abs=1e-12)


def test_single_arm_within_arm_change():
    data = toy_data()
    adsl = data.frame("adsl").assign(TRT01A="Drug", TRT01AN=1.0)
    data = dataclasses.replace(data, frames={**data.frames, "adsl": adsl})
    spec, analysis = make_spec({"visits": ["Week 4"]}, reference_arm="Drug")
    result = cfb.run(analysis, spec, data)
    visit = result.evidence["visits"]["Week 4"]
    assert list(visit["groups"]) == ["Drug"] and visit["comparisons"] == []
    chg = analysed(data, "Week 4")["CHG"]
    assert visit["groups"]["Drug"]["p_within"] == pytest.approx(sps.ttest_1samp(chg, 0).pvalue)
    keys = [r.cells[0].key for r in result.tables[0].rows if isinstance(r.cells[0], Term)]
    assert "cfb_p_within" in keys and "cfb_difference_se" not in keys


def test_reference_arm_absent_is_a_warning():
    spec, analysis = make_spec({"visits": ["Week 4"]}, reference_arm="Active comparator")
    result = cfb.run(analysis, spec, toy_data())
    assert result.evidence["visits"]["Week 4"]["comparisons"] == []
    assert any("reference arm 'Active comparator'" in w and "'chg'" in w for w in result.warnings)


def test_visit_with_one_subject_gives_none_not_a_crash():
    data = toy_data()
    adeff = data.frame("adeff").copy()
    late = pd.DataFrame([{"USUBJID": "S00", "PARAMCD": "SCORE", "AVISIT": "Week 52", "AVISITN": 52.0, "ABLFL": "",
                          "AVAL": 60.0, "BASE": 50.0, "CHG": 10.0, "ANL01FL": "Y", "SITE": "A"}])
    data = dataclasses.replace(data, frames={**data.frames, "adeff": pd.concat([adeff, late], ignore_index=True)})
    spec, analysis = make_spec({"mcid": 5}, reference_arm="Placebo")
    result = cfb.run(analysis, spec, data)
    visit = result.evidence["visits"]["Week 52"]
    drug, placebo = visit["groups"]["Drug"], visit["groups"]["Placebo"]
    assert drug["n"] == 1 and drug["mean_change"] == 10.0
    assert drug["sd_change"] is None and drug["change_ci"] == [None, None] and drug["p_within"] is None
    assert placebo["n"] == 0 and placebo["mean_change"] is None
    assert visit["comparisons"] == []
    assert result.evidence["responders"]["Week 52"]["Placebo"] == {"n": 0, "N": 0, "rate": None, "ci": [None, None]}
    assert list(result.evidence["visits"]) == ["Week 4", "Week 12", "Week 52"]


def test_clopper_pearson_known_values():
    lo, hi = st.clopper_pearson(0, 10, 0.95)
    assert lo == 0.0 and hi == pytest.approx(0.3085, abs=5e-5)
    lo, hi = st.clopper_pearson(5, 10, 0.95)
    assert (lo, hi) == (pytest.approx(0.1871, abs=5e-5), pytest.approx(0.8129, abs=5e-5))
    assert st.clopper_pearson(10, 10, 0.95)[1] == 1.0
    assert st.clopper_pearson(0, 0, 0.95) == (None, None)


@pytest.mark.parametrize("improvement, changes, expected", [
    ("increase", [5.0, 5.0, 4.9, 7.0, -6.0, 0.0, 4.99999999999, 10.0, 4.0, 6.0], 6),
    ("decrease", [-5.0, -4.9, -7.0, 6.0, 0.0, -5.0, -10.0, 1.0, -2.0, -3.0], 4),
])
def test_responders_with_exact_ci(improvement, changes, expected):
    subjects = [f"R{i}" for i in range(len(changes))]
    adsl = pd.DataFrame({"USUBJID": subjects, "SAFFL": "Y", "TRT01A": "Drug"})
    adeff = pd.DataFrame({"USUBJID": subjects, "PARAMCD": "SCORE", "AVISIT": "Week 4", "AVISITN": 4.0,
                          "AVAL": [50.0 + c for c in changes], "BASE": 50.0, "CHG": changes})
    spec, analysis = make_spec({"mcid": 5, "improvement": improvement})
    result = cfb.run(analysis, spec, TrialData(files={}, frames={"adsl": adsl, "adeff": adeff}))
    resp = result.evidence["responders"]["Week 4"]["Drug"]
    assert (resp["n"], resp["N"], resp["rate"]) == (expected, 10, expected / 10)
    ci = sps.binomtest(expected, 10).proportion_ci(0.95, method="exact")
    assert resp["ci"] == pytest.approx([ci.low, ci.high])
    assert result.evidence["mcid"] == 5 and result.evidence["improvement"] == improvement
    assert result.tables[1].key == "chg-responders"


def test_constant_and_collinear_covariates_are_dropped_with_a_warning():
    data = toy_data()
    adeff = data.frame("adeff").assign(CONST=7.0)
    adeff["BASE2"] = 2 * adeff["BASE"] + 1
    data = dataclasses.replace(data, frames={**data.frames, "adeff": adeff})
    spec, analysis = make_spec({"visits": ["Week 12"], "covariates": ["BASE", "CONST", "BASE2"]},
                               reference_arm="Placebo")
    result = cfb.run(analysis, spec, data)
    spec, plain = make_spec({"visits": ["Week 12"]}, reference_arm="Placebo")
    reference = cfb.run(plain, spec, data)
    got, expected = (r.evidence["visits"]["Week 12"]["comparisons"][0] for r in (result, reference))
    for key in ("difference", "se", "p"):
        assert got[key] == pytest.approx(expected[key], rel=1e-9)
    assert any("CONST, BASE2" in w and "dropped" in w for w in result.warnings)


def test_evidence_is_plain_json():
    spec, analysis = make_spec({"mcid": 2, "dose_response": "TRT01AN"}, reference_arm="Placebo")
    evidence = cfb.run(analysis, spec, toy_data()).evidence

    def plain(obj):
        if isinstance(obj, dict):
            return all(isinstance(k, str) and plain(v) for k, v in obj.items())
        if isinstance(obj, list):
            return all(plain(v) for v in obj)
        return obj is None or type(obj) in (str, int, float, bool)

    assert plain(evidence)
    json.dumps(evidence, allow_nan=False)
    assert set(evidence) == {"param", "visits", "responders", "mcid", "improvement", "covariates"}
    assert set(evidence["visits"]["Week 4"]) == {"groups", "comparisons", "dose_response"}


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("analysis, words", [
    ({"param": "NOPE"}, ["'chg'", "adeff", "PARAMCD", "'NOPE'", "'SCORE'"]),
    ({"visits": ["Week 99"]}, ["'chg'", "adeff", "AVISIT", "'Week 99'", "'Week 4'"]),
    ({"covariates": ["BASE", "STRATUM"]}, ["'chg'", "adeff", "adsl", "STRATUM"]),
    ({"where": {"ANL02FL": "Y"}}, ["'chg'", "adeff", "ANL02FL"]),
    ({"dose_response": "TRT01A"}, ["'chg'", "TRT01A", "numeric"]),
    ({"population": "ITTFL"}, ["'chg'", "adsl", "ITTFL"]),
])
def test_bad_input_names_analysis_dataset_and_variable(analysis, words):
    spec, a = make_spec(analysis, reference_arm="Placebo")
    with pytest.raises(AnalysisError) as exc:
        cfb.run(a, spec, toy_data())
    message = str(exc.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_duplicate_records_suggest_an_anl01fl_filter():
    data = toy_data()
    adeff = data.frame("adeff")
    data = dataclasses.replace(data, frames={**data.frames, "adeff": pd.concat([adeff, adeff.assign(ANL01FL="")])})
    spec, analysis = make_spec({})
    with pytest.raises(AnalysisError, match=r"'chg'.*adeff.*ANL01FL: Y"):
        cfb.run(analysis, spec, data)
    spec, analysis = make_spec({"where": {"ANL01FL": "Y"}})
    assert cfb.run(analysis, spec, data).evidence["visits"]["Week 4"]["groups"]["Drug"]["n"] == 12


def test_missing_covariate_value_is_left_out_with_a_warning():
    data = toy_data()
    adeff = data.frame("adeff").copy()
    adeff.loc[(adeff["USUBJID"] == "S00") & (adeff["AVISIT"] == "Week 4"), "SITE"] = ""
    data = dataclasses.replace(data, frames={**data.frames, "adeff": adeff})
    spec, analysis = make_spec({"visits": ["Week 4"], "covariates": ["SITE", "BASE"]}, reference_arm="Placebo")
    result = cfb.run(analysis, spec, data)
    assert result.evidence["visits"]["Week 4"]["groups"]["Drug"]["n"] == 12
    assert len(result.evidence["visits"]["Week 4"]["comparisons"]) == 1
    assert any("1 subject(s) with a missing covariate" in w for w in result.warnings)


def test_required_declares_record_and_adsl_variables():
    spec, analysis = make_spec({"covariates": ["BASE", "SITEGR1", "SEVERITY"], "where": {"ANL01FL": "Y"},
                                "dose_response": "TRTPN"}, population="EFFFL", arm="TRT01P")
    needs = required_of(declared(analysis, spec))
    assert needs["adsl"] == {"USUBJID", "EFFFL", "TRT01P", "SITEGR1"}
    assert needs["adeff"] == {"USUBJID", "PARAMCD", "AVISIT", "AVAL", "BASE", "CHG", "ANL01FL", "TRTPN"}


# ------------------------------------------------------------------------------------------ glossary





def test_every_term_is_in_the_glossary_with_its_placeholders(pilot):
    glossary = glossary_entries()
    spec, analysis = make_spec({"mcid": 3, "dose_response": "TRT01AN"})
    results = [pilot, cfb.run(analysis, spec, toy_data())]
    terms = set().union(*(terms_in(r) for r in results))
    assert "method_change_from_baseline" in {t.key for t in terms}
    for term in terms:
        assert term.key in glossary, term.key
        for lang in ("en", "ja"):
            assert set(re.findall(r"{(\w+)}", glossary[term.key][lang])) <= {name for name, _ in term.params}, term
