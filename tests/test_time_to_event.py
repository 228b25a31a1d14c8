"""time_to_event against R survival results (aml), the R Consortium Pilot 1 KM figure, and hand computations."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from dossier.analyses import declared, required_of
from dossier.analyses import time_to_event_stats as tte
from dossier.analyses.model import Estimate, Term
from dossier.config.spec import parse_spec
from dossier.data.datasets import TrialData, load
from dossier.errors import AnalysisError
from dossier.stats import survival
from tests.conftest import glossary_entries, terms_in

ROOT = Path(__file__).resolve().parents[1]
PILOT = ROOT / "datasets" / "cdisc-pilot01"
PLACEBO, LOW, HIGH = "Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"
Z95 = sps.norm.ppf(0.975)


def make_spec(analysis: dict | None = None, **top):
    raw = {"study": {"id": "T-1", "title": "Test"}, "product": {"name": "P"}, "indication": "I",
           "analyses": [{"id": "tte", "type": "time_to_event", "dataset": "adtte", "param": "OS",
                         **(analysis or {})}], **top}
    spec = parse_spec(raw, Path("/nonexistent"))
    return spec, spec.analyses[0]


def trial(groups: dict[str, tuple[list[float], list[int]]], paramcd: str = "OS") -> TrialData:
    """groups: arm -> (times, events); CNSR = 1 - event."""
    adsl, adtte = [], []
    for arm, (times, events) in groups.items():
        for i, (t, e) in enumerate(zip(times, events)):
            subject = f"{arm[:3]}-{i:03d}"
            adsl.append({"USUBJID": subject, "SAFFL": "Y", "TRT01A": arm})
            adtte.append({"USUBJID": subject, "PARAMCD": paramcd, "PARAM": "Overall survival", "AVAL": float(t),
                          "CNSR": float(1 - e)})
    return TrialData(files={}, frames={"adsl": pd.DataFrame(adsl), "adtte": pd.DataFrame(adtte)})


def km_by_hand(times, events, z=Z95):
    """Kaplan-Meier at the distinct event times with Greenwood variance and log-log limits."""
    t, e = np.asarray(times, float), np.asarray(events, int)
    u = np.unique(t[e == 1])
    at_risk = np.array([(t >= x).sum() for x in u])
    deaths = np.array([((t == x) & (e == 1)).sum() for x in u])
    s = np.cumprod(1 - deaths / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.cumsum(deaths / (at_risk * (at_risk - deaths)))
        se = np.sqrt(v) / np.abs(np.log(s))
        low, high = s ** np.exp(z * se), s ** np.exp(-z * se)
    return u, s, low, high


def first_at_or_below(u, s, p=0.5):
    hit = np.nonzero(s <= p)[0]
    return float(u[hit[0]]) if hit.size else None


# ------------------------------------------------------------------------------------------ aml (R survival)

AML = {
    "Maintained": ([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161], [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0]),
    "Nonmaintained": ([5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45], [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]),
}


@pytest.fixture(scope="module")
def aml():
    spec, analysis = make_spec({"landmarks": [20, 182.5]}, reference_arm="Maintained")
    return tte.run(analysis, spec, trial(AML))


def test_aml_logrank_matches_r_survdiff(aml):
    # R: survdiff(Surv(time, status) ~ x, data = aml): Chisq = 3.4 on 1 df, p = 0.0653
    assert aml.evidence["logrank_p"] == pytest.approx(0.0653, abs=5e-5)
    assert aml.evidence["comparisons"][0]["logrank_p"] == pytest.approx(0.0653, abs=5e-5)
    assert sps.chi2.isf(aml.evidence["logrank_p"], 1) == pytest.approx(3.40, abs=0.005)


def test_aml_cox_matches_r_coxph(aml):
    # R: coxph(Surv(time, status) ~ x, data = aml): coef 0.9155, exp(coef) 2.498, se 0.5119, p 0.0737
    c = aml.evidence["comparisons"][0]
    assert (c["group"], c["reference"]) == ("Nonmaintained", "Maintained")
    assert c["hazard_ratio"] == pytest.approx(2.498, abs=5e-4)
    assert np.log(c["hazard_ratio"]) == pytest.approx(0.9155, abs=5e-5)
    assert c["p"] == pytest.approx(0.0737, abs=5e-5)
    se = (np.log(c["hr_ci"][1]) - np.log(c["hr_ci"][0])) / (2 * Z95)  # Wald CI: log HR +/- z se
    assert se == pytest.approx(0.5119, abs=5e-5)
    assert c["hr_ci"] == pytest.approx([np.exp(0.915532 - Z95 * 0.511934), np.exp(0.915532 + Z95 * 0.511934)],
                                       rel=1e-4)


def test_aml_kaplan_meier_and_medians(aml):
    groups = aml.evidence["groups"]
    assert groups["Maintained"]["median"] == 31.0 and groups["Nonmaintained"]["median"] == 23.0
    assert (groups["Maintained"]["n"], groups["Maintained"]["events"], groups["Maintained"]["censored"]) == (11, 7, 4)
    for arm, (times, events) in AML.items():
        u, s, low, high = km_by_hand(times, events)
        curve = next(c for c in aml.figures[0].curves if c.label == arm)
        for x, y, lo, hi in zip(u, s, low, high):
            i = curve.x.index(float(x))
            assert curve.y[i] == pytest.approx(y, abs=1e-12)
            if y == 0:  # log-log limits are undefined where the estimate is 0 (R: NA)
                assert (curve.low[i], curve.high[i]) == (None, None)
            else:
                assert curve.low[i] == pytest.approx(lo, abs=1e-10)
                assert curve.high[i] == pytest.approx(hi, abs=1e-10)
        expected_ci = [first_at_or_below(u, low), first_at_or_below(u, high)]
        assert groups[arm]["median_ci"] == expected_ci
    # log-log interval of the Maintained median: (13, NE); R's default log interval would give (18, NE)
    assert groups["Maintained"]["median_ci"] == [13.0, None]
    # landmark at 20: S(18) = 10/11 * 9/10 * 7/8
    mark = groups["Maintained"]["landmarks"]["20"]
    assert mark["survival"] == pytest.approx(10 / 11 * 9 / 10 * 7 / 8, abs=1e-12)
    u, s, low, high = km_by_hand(*AML["Maintained"])
    assert mark["ci"] == pytest.approx([low[2], high[2]], abs=1e-10)
    # 182.5 is beyond the last follow-up of both arms (161 and 45)
    assert groups["Maintained"]["landmarks"]["182.5"] == {"survival": None, "ci": [None, None]}


def test_aml_censor_marks_and_curve_start(aml):
    curve = next(c for c in aml.figures[0].curves if c.label == "Maintained")
    assert curve.x[0] == 0.0 and curve.y[0] == 1.0
    assert curve.censored_x == (13.0, 28.0, 45.0, 161.0)
    assert curve.censored_y[0] == pytest.approx(9 / 11)


# ------------------------------------------------------------------------------------------ hand-computed tiny cases


def test_five_subjects_by_hand():
    times, events = [1, 2, 2, 3, 4], [1, 1, 0, 1, 0]  # a tie of an event and a censoring at 2
    spec, analysis = make_spec({"landmarks": [2, 3.5]})
    result = tte.run(analysis, spec, trial({"Drug": (times, events)}))
    curve = result.figures[0].curves[0]
    assert curve.x == (0.0, 1.0, 2.0, 3.0, 4.0)
    assert curve.y == pytest.approx((1.0, 0.8, 0.6, 0.3, 0.3))
    # Greenwood: V(2) = 1/(5*4) + 1/(4*3); log-log limits S^exp(+/- z sqrt(V)/|log S|)
    v = 1 / 20 + 1 / 12
    se = np.sqrt(v) / abs(np.log(0.6))
    assert curve.low[2] == pytest.approx(0.6 ** np.exp(Z95 * se), abs=1e-12)
    assert curve.high[2] == pytest.approx(0.6 ** np.exp(-Z95 * se), abs=1e-12)
    assert (curve.low[0], curve.high[0]) == (None, None)  # log-log undefined at S = 1 (as R)
    group = result.evidence["groups"]["Drug"]
    assert group["median"] == 3.0
    assert group["landmarks"]["2"]["survival"] == pytest.approx(0.6)
    assert group["landmarks"]["3.5"]["survival"] == pytest.approx(0.3)
    assert result.evidence["comparisons"] == [] and result.evidence["logrank_p"] is None
    assert curve.censored_x == (2.0, 4.0)


def test_median_flat_at_one_half_takes_the_midpoint_as_r():
    # S = 0.75, 0.5, 0.25, 0: R quantile.survfit gives median (2 + 3) / 2 = 2.5
    x = np.array([0.0, 1, 2, 3, 4])
    s = np.array([1.0, 0.75, 0.5, 0.25, 0.0])
    assert survival.km_quantile(x, s, xmax=4.0) == 2.5
    # flat at 0.5 to the end of follow-up: midpoint with the last follow-up time
    assert survival.km_quantile(np.array([0.0, 1, 2, 9]), np.array([1.0, 0.75, 0.5, 0.5]), xmax=9.0) == 5.5
    assert survival.km_quantile(np.array([0.0, 1, 2]), np.array([1.0, 0.9, 0.6]), xmax=2.0) is None
    spec, analysis = make_spec()
    result = tte.run(analysis, spec, trial({"Drug": ([1, 2, 3, 4], [1, 1, 1, 1])}))
    group = result.evidence["groups"]["Drug"]
    assert group["median"] == 2.5
    assert group["median_ci"][1] is None  # upper limit: the upper band never reaches 0.5 before S = 0


def test_quantile_agrees_with_lifelines_when_no_flat_at_one_half():
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    rng = np.random.default_rng(7)
    times = rng.exponential(10, 60).round(1)
    events = (rng.random(60) < 0.7).astype(int)
    kmf = KaplanMeierFitter().fit(times, events)
    assert not np.any(np.isclose(kmf.survival_function_.to_numpy(), 0.5))
    x = kmf.survival_function_.index.to_numpy(float)
    ours = survival.km_quantile(x, kmf.survival_function_.iloc[:, 0].to_numpy(), float(times.max()))
    assert ours == kmf.median_survival_time_
    ci = median_survival_times(kmf.confidence_interval_)
    lo = survival.km_quantile(x, kmf.confidence_interval_.iloc[:, 0].to_numpy(), float(times.max()))
    assert lo == float(ci.iloc[0, 0])


# ------------------------------------------------------------------------------------------ pilot (KM figure 14-1)


@pytest.fixture(scope="module")
def pilot():
    raw = {"study": {"id": "CDISCPILOT01", "title": "Pilot"}, "product": {"name": "Xanomeline"}, "indication": "AD",
           "reference_arm": PLACEBO,
           "analyses": [{"id": "ttde", "type": "time_to_event", "dataset": "adtte", "param": "TTDE",
                         "landmarks": [180]}]}
    spec = parse_spec(raw, PILOT)
    analysis = spec.analyses[0]
    data = load(PILOT, required_of(declared(analysis, spec)))
    return tte.run(analysis, spec, data), data


def test_pilot_events_and_groups(pilot):
    result, _ = pilot
    groups = result.evidence["groups"]
    assert list(groups) == [PLACEBO, LOW, HIGH]
    assert [groups[a]["n"] for a in groups] == [86, 84, 84]
    assert [groups[a]["events"] for a in groups] == [29, 62, 61]
    assert [groups[a]["censored"] for a in groups] == [57, 22, 23]
    assert result.evidence["param"] == "TTDE" and result.evidence["time_unit"] == "days"


def test_pilot_numbers_at_risk_match_the_published_figure(pilot):
    # Numbers at risk printed under the R Consortium Pilot 1 KM plot (visR risk table, days 0-200 by 20);
    # the same table is asserted in openpharma/visR tests/testthat/test-get_risktable.R (T6.7).
    result, data = pilot
    at_risk = result.evidence["at_risk"]
    assert at_risk["times"] == [float(t) for t in range(0, 201, 20)]
    assert at_risk["counts"] == {
        PLACEBO: [86, 75, 65, 59, 50, 47, 45, 42, 40, 35, 0],
        LOW: [84, 58, 31, 20, 14, 12, 8, 6, 6, 5, 0],
        HIGH: [84, 48, 31, 14, 7, 4, 4, 4, 4, 3, 0],
    }
    # and an independent pandas count of AVAL >= t
    adsl, adtte = data.frame("adsl"), data.frame("adtte")
    frame = adtte[adtte["PARAMCD"] == "TTDE"].merge(adsl[adsl["SAFFL"] == "Y"][["USUBJID", "TRT01A"]], on="USUBJID")
    for arm, counts in at_risk["counts"].items():
        aval = frame.loc[frame["TRT01A"] == arm, "AVAL"]
        assert counts == [int((aval >= t).sum()) for t in at_risk["times"]]
    figure = result.figures[0]
    assert figure.kind == "km" and figure.x_ticks == tuple(at_risk["times"])
    assert figure.at_risk == tuple((arm, tuple(c)) for arm, c in at_risk["counts"].items())


def test_pilot_medians_against_hand_kaplan_meier(pilot):
    result, data = pilot
    adsl, adtte = data.frame("adsl"), data.frame("adtte")
    frame = adtte[adtte["PARAMCD"] == "TTDE"].merge(adsl[adsl["SAFFL"] == "Y"][["USUBJID", "TRT01A"]], on="USUBJID")
    for arm, group in result.evidence["groups"].items():
        sub = frame[frame["TRT01A"] == arm]
        u, s, low, high = km_by_hand(sub["AVAL"], 1 - sub["CNSR"].astype(int))
        assert not np.any(np.isclose(s, 0.5))
        assert group["median"] == first_at_or_below(u, s)
        assert group["median_ci"] == [first_at_or_below(u, low), first_at_or_below(u, high)]
    assert result.evidence["groups"][PLACEBO]["median"] is None  # not reached


def test_pilot_hazard_ratios_and_logrank(pilot):
    # Values of the CONTRACT.md evidence example for this analysis: HR 4.08 (2.59, 6.42), log-rank 8.2e-14
    result, _ = pilot
    low = next(c for c in result.evidence["comparisons"] if c["group"] == LOW)
    assert round(low["hazard_ratio"], 2) == 4.08
    assert [round(x, 2) for x in low["hr_ci"]] == [2.59, 6.42]
    assert result.evidence["logrank_p"] == pytest.approx(8.2e-14, rel=0.01)
    assert {c["group"] for c in result.evidence["comparisons"]} == {LOW, HIGH}


def test_pilot_table(pilot):
    result, _ = pilot
    table = result.tables[0]
    assert table.key == "ttde" and len(table.columns) == 4
    rows = {r.cells[0].key: r for r in table.rows}
    assert rows["tte_events"].cells[1].n == 29 and rows["tte_events"].cells[1].denominator == 86
    median = rows["tte_median_ci"].cells[2]
    assert isinstance(median, Estimate) and median.decimals == 1  # days recorded as integers
    assert rows["tte_survival_at"].cells[1].decimals == 3
    assert rows["tte_hazard_ratio"].cells[1] == Term("tte_reference")
    assert rows["tte_hazard_ratio"].cells[2].decimals == 2
    assert "tte_logrank_overall" in rows


# ------------------------------------------------------------------------------------------ edge cases


def test_arm_without_events():
    spec, analysis = make_spec(reference_arm="Placebo")
    data = trial({"Placebo": ([3, 5, 7, 9, 11, 13], [1, 1, 1, 0, 1, 1]), "Drug": ([4, 8, 12, 16], [0, 0, 0, 0])})
    result = tte.run(analysis, spec, data)
    drug = result.evidence["groups"]["Drug"]
    assert drug["events"] == 0 and drug["median"] is None and drug["median_ci"] == [None, None]
    c = result.evidence["comparisons"][0]
    assert c["hazard_ratio"] is None and c["hr_ci"] == [None, None] and c["p"] is None
    assert c["logrank_p"] is not None
    assert any("'Drug' has no events" in w for w in result.warnings)
    assert any("not estimable" in w for w in result.warnings)


def test_all_subjects_censored():
    spec, analysis = make_spec({"landmarks": [5]}, reference_arm="Placebo")
    data = trial({"Placebo": ([3, 5, 7], [0, 0, 0]), "Drug": ([4, 8], [0, 0])})
    result = tte.run(analysis, spec, data)
    assert result.evidence["logrank_p"] is None
    assert result.evidence["comparisons"][0] == {"group": "Drug", "reference": "Placebo", "hazard_ratio": None,
                                                 "hr_ci": [None, None], "p": None, "logrank_p": None}
    assert result.evidence["groups"]["Drug"]["landmarks"]["5"] == {"survival": 1.0, "ci": [None, None]}
    assert any("all subjects are censored" in w for w in result.warnings)


def test_tied_times_and_few_events():
    times_a, events_a = [2, 2, 2, 5, 5, 8], [1, 1, 0, 1, 0, 1]
    spec, analysis = make_spec(reference_arm="B")
    data = trial({"A": (times_a, events_a), "B": ([2, 2, 6, 6, 9, 9, 9], [1, 0, 1, 1, 0, 1, 1])})
    result = tte.run(analysis, spec, data)
    curve = next(c for c in result.figures[0].curves if c.label == "A")
    u, s, _, _ = km_by_hand(times_a, events_a)
    assert [curve.y[curve.x.index(float(x))] for x in u] == pytest.approx(list(s))
    assert any("only 4 event(s)" in w for w in result.warnings)
    assert result.evidence["comparisons"][0]["hazard_ratio"] is not None


def test_one_subject_per_arm_does_not_crash():
    spec, analysis = make_spec(reference_arm="B")
    result = tte.run(analysis, spec, trial({"A": ([5], [1]), "B": ([3], [1])}))
    assert result.evidence["groups"]["A"]["median"] == 5.0
    assert result.evidence["at_risk"]["times"] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]  # whole days: step >= 1
    assert result.evidence["at_risk"]["counts"] == {"A": [1, 1, 1, 1, 1, 1], "B": [1, 1, 1, 1, 0, 0]}
    assert all(isinstance(w, str) and "'tte'" in w for w in result.warnings)
    assert result.evidence["comparisons"][0]["hazard_ratio"] is None  # diverging estimate: not estimable
    assert result.evidence["comparisons"][0]["logrank_p"] is not None
    assert any("ConvergenceWarning" in w for w in result.warnings)


def test_proportional_hazards_violation_is_a_warning():
    early = list(np.linspace(0.1, 1.0, 15)) + list(np.linspace(40, 60, 15))
    steady = list(np.linspace(2, 30, 30))
    spec, analysis = make_spec(reference_arm="B")
    result = tte.run(analysis, spec, trial({"A": (early, [1] * 30), "B": (steady, [1] * 30)}))
    assert any("proportional hazards may not hold" in w for w in result.warnings)


def test_reference_arm_absent_skips_comparisons():
    spec, analysis = make_spec(reference_arm="Comparator")
    result = tte.run(analysis, spec, trial(AML))
    assert result.evidence["comparisons"] == []
    assert result.evidence["logrank_p"] == pytest.approx(0.0653, abs=5e-5)
    assert any("reference arm 'Comparator'" in w for w in result.warnings)


def test_at_risk_every_and_nice_steps():
    spec, analysis = make_spec({"at_risk_every": 30})
    result = tte.run(analysis, spec, trial(AML))
    assert result.evidence["at_risk"]["times"] == [0.0, 30.0, 60.0, 90.0, 120.0, 150.0, 180.0]
    assert result.evidence["at_risk"]["counts"]["Maintained"] == [11, 5, 1, 1, 1, 1, 0]
    assert [tte.nice_step(m) for m in (198, 100, 101, 7.5, 1000, 0.37)] == [20, 10, 20, 1, 100, 0.05]


def test_landmark_keys_are_written_like_the_yaml_numbers():
    spec, analysis = make_spec({"landmarks": [180, 182.5, 1]})
    result = tte.run(analysis, spec, trial({"Drug": ([1, 200, 300], [1, 0, 1])}))
    assert list(result.evidence["groups"]["Drug"]["landmarks"]) == ["180", "182.5", "1"]


def test_evidence_is_plain_json_with_the_contract_keys(aml):
    def plain(obj):
        if isinstance(obj, dict):
            return all(isinstance(k, str) and plain(v) for k, v in obj.items())
        if isinstance(obj, list):
            return all(plain(v) for v in obj)
        return obj is None or type(obj) in (str, int, float, bool)

    evidence = aml.evidence
    assert plain(evidence)
    json.dumps(evidence, allow_nan=False)
    assert set(evidence) == {"param", "time_unit", "groups", "comparisons", "logrank_p", "at_risk"}
    assert set(evidence["groups"]["Maintained"]) == {"n", "events", "censored", "median", "median_ci", "landmarks"}
    assert set(evidence["comparisons"][0]) == {"group", "reference", "hazard_ratio", "hr_ci", "p", "logrank_p"}
    assert set(evidence["at_risk"]) == {"times", "counts"}


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("change, words", [
    ({"CNSR": 2.0}, ["'tte'", "adtte", "CNSR", "2.0"]),
    ({"CNSR": np.nan}, ["'tte'", "adtte", "CNSR"]),
    ({"AVAL": -1.0}, ["'tte'", "adtte", "AVAL", "negative"]),
    ({"AVAL": np.nan}, ["'tte'", "adtte", "AVAL", "missing"]),
])
def test_bad_times_and_censoring(change, words):
    data = trial(AML)
    adtte = data.frame("adtte").copy()
    for column, value in change.items():
        adtte.loc[3, column] = value
    data = dataclasses.replace(data, frames={**data.frames, "adtte": adtte})
    spec, analysis = make_spec()
    with pytest.raises(AnalysisError) as exc:
        tte.run(analysis, spec, data)
    for word in words:
        assert word in str(exc.value)


@pytest.mark.parametrize("analysis, words", [
    ({"param": "PFS"}, ["'tte'", "adtte", "PARAMCD", "'PFS'", "'OS'"]),
    ({"where": {"ANL01FL": "Y"}}, ["'tte'", "adtte", "ANL01FL"]),
    ({"arm": "TRT01P"}, ["'tte'", "adsl", "TRT01P"]),
])
def test_bad_spec_names_analysis_dataset_and_variable(analysis, words):
    spec, a = make_spec(analysis)
    with pytest.raises(AnalysisError) as exc:
        tte.run(a, spec, trial(AML))
    for word in words:
        assert word in str(exc.value)


def test_duplicate_subject_records():
    data = trial(AML)
    adtte = data.frame("adtte")
    data = dataclasses.replace(data, frames={**data.frames, "adtte": pd.concat([adtte, adtte.iloc[:2]])})
    spec, analysis = make_spec()
    with pytest.raises(AnalysisError, match=r"'tte'.*adtte.*more than one PARAMCD = 'OS' record"):
        tte.run(analysis, spec, data)


def test_required():
    spec, analysis = make_spec({"where": {"ANL01FL": "Y"}}, population="ITTFL")
    assert required_of(declared(analysis, spec)) == {"adsl": {"USUBJID", "ITTFL", "TRT01A"},
                                            "adtte": {"USUBJID", "PARAMCD", "AVAL", "CNSR", "ANL01FL"}}


# ------------------------------------------------------------------------------------------ glossary





def test_every_term_is_in_the_glossary_with_its_placeholders(aml, pilot):
    glossary = glossary_entries()
    terms = terms_in(aml) | terms_in(pilot[0])
    assert "method_time_to_event" in {t.key for t in terms}
    for term in terms:
        assert term.key in glossary, term.key
        for lang in ("en", "ja"):
            assert set(re.findall(r"{(\w+)}", glossary[term.key][lang])) <= {name for name, _ in term.params}, term


def test_importing_the_analysis_modules_stays_cheap():
    """`dossier check` imports the modules for `required()`: no lifelines, statsmodels or scipy.stats."""
    import subprocess
    import sys

    code = ("import sys, dossier.analyses.time_to_event_stats, dossier.analyses.change_from_baseline_stats; "
            "print(sorted(m for m in ('lifelines', 'statsmodels', 'scipy.stats') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
