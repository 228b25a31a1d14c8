"""dossier.analyses.cox (vectorised Efron Cox model) against lifelines' CoxPHFitter, R and a brute-force loop."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from dossier.analyses import cox

SIX_DIGITS = 1e-6
# lifelines' default stopping rule (relative change of the log-likelihood < 1e-9) can stop a few digits
# short of the maximum; converged tightly it is the reference for 6 significant digits
TIGHT = {"precision": 1e-12, "r_precision": 1e-15}


def dataset(seed: int, n: int, p: int = 1, ties: bool = False, strata: int = 0, effect: float = 0.5):
    """A random survival data set: binary arm first, then normal covariates; whole-day times when `ties`."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    X[:, 0] = rng.integers(0, 2, n)
    t = rng.exponential(50 * np.exp(-effect * X[:, 0] - 0.2 * X[:, 1:].sum(axis=1)))
    if ties:
        t = np.ceil(t)
    c = rng.exponential(80, n)
    e = (t <= c).astype(int)
    t = np.minimum(t, np.ceil(c) if ties else c)
    s = rng.integers(0, strata, n) if strata else None
    return t, e, X, s


def lifelines_fit(t, e, X, s=None, level=0.95, tight=True):
    from lifelines import CoxPHFitter

    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])]).assign(T=t, E=e)
    kw = {}
    if s is not None:
        frame["S"] = s
        kw["strata"] = ["S"]
    cph = CoxPHFitter(alpha=1 - level).fit(frame, "T", "E", fit_options=TIGHT if tight else None, **kw)
    return cph, frame


def assert_same_as_lifelines(ours: cox.CoxFit, cph, rel=SIX_DIGITS):
    summary = cph.summary
    lower = next(c for c in summary.columns if c.startswith("exp(coef) lower"))
    upper = next(c for c in summary.columns if c.startswith("exp(coef) upper"))
    assert ours.converged
    assert ours.hazard_ratio == pytest.approx(summary["exp(coef)"].to_numpy(), rel=rel)
    assert ours.ci_lower == pytest.approx(summary[lower].to_numpy(), rel=rel)
    assert ours.ci_upper == pytest.approx(summary[upper].to_numpy(), rel=rel)
    assert ours.se == pytest.approx(summary["se(coef)"].to_numpy(), rel=rel)
    assert ours.p == pytest.approx(summary["p"].to_numpy(), rel=rel)
    assert ours.coef == pytest.approx(summary["coef"].to_numpy(), rel=rel, abs=1e-9)
    assert ours.loglik == pytest.approx(cph.log_likelihood_, rel=1e-10)


CASES = {
    "continuous, one covariate": dict(seed=1, n=300),
    "whole days (many ties)": dict(seed=2, n=600, ties=True),
    "heavy ties, three covariates": dict(seed=3, n=800, p=3, ties=True),
    "two covariates, no ties": dict(seed=4, n=250, p=2),
    "strata, ties": dict(seed=5, n=700, p=2, ties=True, strata=3),
    "strata, continuous": dict(seed=6, n=400, strata=4),
    "no effect": dict(seed=7, n=500, ties=True, effect=0.0),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_matches_lifelines_to_six_significant_digits(case):
    t, e, X, s = dataset(**CASES[case])
    cph, _ = lifelines_fit(t, e, X, s)
    ours = cox.fit(t, e, X, strata=s, names=[f"x{j}" for j in range(X.shape[1])])
    assert_same_as_lifelines(ours, cph)
    assert ours.n == len(t) and ours.events == int(e.sum())


def test_matches_lifelines_defaults_when_lifelines_converges():
    t, e, X, _ = dataset(seed=11, n=400, p=2)
    cph, _ = lifelines_fit(t, e, X, tight=False)
    assert_same_as_lifelines(cox.fit(t, e, X), cph)


def test_confidence_level():
    t, e, X, _ = dataset(seed=12, n=300, ties=True)
    cph, _ = lifelines_fit(t, e, X, level=0.9)
    ours = cox.fit(t, e, X, level=0.9)
    assert_same_as_lifelines(ours, cph)
    z = sps.norm.ppf(0.95)
    assert ours.ci_upper == pytest.approx(np.exp(ours.coef + z * ours.se), rel=1e-12)


def test_r_survival_aml():
    # R: coxph(Surv(time, status) ~ x, data = aml) (Efron): coef 0.9155, se 0.5119, p 0.0737;
    # lifelines converged tightly gives coef 0.915532, se 0.511934
    maintained = ([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161], [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0])
    nonmaintained = ([5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45], [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1])
    t = np.array(maintained[0] + nonmaintained[0], float)
    e = np.array(maintained[1] + nonmaintained[1])
    x = np.r_[np.zeros(11), np.ones(12)]
    fit = cox.fit(t, e, x, names=["Nonmaintained"])
    assert fit.coef[0] == pytest.approx(0.915532, abs=5e-7)
    assert fit.se[0] == pytest.approx(0.511934, abs=5e-7)
    assert fit.p[0] == pytest.approx(0.0737, abs=5e-5)
    assert fit.summary()["Nonmaintained"]["hazard_ratio"] == pytest.approx(2.498, abs=5e-4)


def brute_force(t, e, X, beta, s=None):
    """Efron log partial likelihood and gradient by explicit loops over strata, times and tied events."""
    s = np.zeros(len(t)) if s is None else np.asarray(s)
    ll, grad = 0.0, np.zeros(X.shape[1])
    w = np.exp(X @ beta)
    for stratum in np.unique(s):
        inside = s == stratum
        for u in np.unique(t[inside & (e == 1)]):
            at_risk = inside & (t >= u)
            dead = inside & (t == u) & (e == 1)
            d = int(dead.sum())
            ll += float(X[dead].sum(axis=0) @ beta)
            grad += X[dead].sum(axis=0)
            for ell in range(d):
                den = w[at_risk].sum() - ell / d * w[dead].sum()
                num = (w[at_risk, None] * X[at_risk]).sum(axis=0) - ell / d * (w[dead, None] * X[dead]).sum(axis=0)
                ll -= np.log(den)
                grad -= num / den
    return ll, grad


@pytest.mark.parametrize("strata", [0, 3])
def test_score_is_zero_at_the_estimate_by_brute_force(strata):
    t, e, X, s = dataset(seed=21, n=150, p=2, ties=True, strata=strata)
    fit = cox.fit(t, e, X, strata=s)
    ll, grad = brute_force(t, e, X, fit.coef, s)
    assert fit.loglik == pytest.approx(ll, rel=1e-12)
    assert np.abs(grad).max() < 1e-8
    ll0, _ = brute_force(t, e, X, np.zeros(2), s)
    assert fit.loglik_null == pytest.approx(ll0, rel=1e-12)


def test_row_order_does_not_matter():
    t, e, X, s = dataset(seed=22, n=400, p=2, ties=True, strata=2)
    perm = np.random.default_rng(0).permutation(len(t))
    a = cox.fit(t, e, X, strata=s)
    b = cox.fit(t[perm], e[perm], X[perm], strata=s[perm])
    assert a.coef == pytest.approx(b.coef, rel=1e-10)
    assert a.se == pytest.approx(b.se, rel=1e-10)
    assert cox.proportional_hazards_test(a)[0] == pytest.approx(cox.proportional_hazards_test(b)[0], rel=1e-8)


def test_a_stratum_without_events():
    t, e, X, s = dataset(seed=23, n=300, ties=True, strata=3)
    e = np.where(s == 2, 0, e)
    cph, _ = lifelines_fit(t, e, X, s)
    assert_same_as_lifelines(cox.fit(t, e, X, strata=s), cph)


@pytest.mark.parametrize("case", ["continuous, one covariate", "whole days (many ties)", "heavy ties, three covariates"])
def test_proportional_hazards_test_matches_lifelines(case):
    from lifelines.statistics import proportional_hazard_test

    t, e, X, s = dataset(**CASES[case])
    cph, frame = lifelines_fit(t, e, X, s)
    expected = proportional_hazard_test(cph, frame, time_transform="rank")
    stat, p = cox.proportional_hazards_test(cox.fit(t, e, X), ties="ordinal")
    assert stat == pytest.approx(np.asarray(expected.test_statistic, float), rel=1e-6)
    assert p == pytest.approx(np.asarray(expected.p_value, float), rel=1e-6)
    average = cox.proportional_hazards_test(cox.fit(t, e, X))
    if len(np.unique(t[e == 1])) == int(e.sum()):  # no tied event times: the two rankings agree
        assert average[0] == pytest.approx(stat, rel=1e-10)


def test_proportional_hazards_violation_detected():
    early = np.r_[np.linspace(0.1, 1.0, 15), np.linspace(40, 60, 15)]
    steady = np.linspace(2, 30, 30)
    fit = cox.fit(np.r_[early, steady], np.ones(60), np.r_[np.ones(30), np.zeros(30)])
    _, p = cox.proportional_hazards_test(fit)
    assert p[0] < 0.05


def test_average_rank():
    assert list(cox._average_rank(np.array([3.0, 1.0, 3.0, 2.0, 3.0]))) == [4.0, 1.0, 4.0, 2.0, 4.0]
    values = np.random.default_rng(1).integers(0, 20, 200).astype(float)
    assert cox._average_rank(values) == pytest.approx(sps.rankdata(values))


def test_monotone_likelihood_warns_and_is_not_finite():
    # every event of arm 1 happens before any event of arm 0: the hazard ratio runs off to infinity
    t = np.array([1.0, 2, 3, 4, 10, 11, 12, 13])
    e = np.ones(8)
    x = np.r_[np.ones(4), np.zeros(4)]
    with pytest.warns(cox.ConvergenceWarning, match="no finite maximum"):
        fit = cox.fit(t, e, x)
    assert not fit.converged and not cox.finite(fit)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        single = cox.fit([5.0, 3.0], [1, 1], [1.0, 0.0])
    assert not cox.finite(single)


def test_bad_input():
    t, e, X, _ = dataset(seed=30, n=50)
    with pytest.raises(np.linalg.LinAlgError):
        cox.fit(t, e, np.ones(50))  # constant covariate
    with pytest.raises(np.linalg.LinAlgError):
        cox.fit(t, e, np.column_stack([X[:, 0], 2 * X[:, 0]]))  # collinear
    with pytest.raises(ValueError, match="no events"):
        cox.fit(t, np.zeros(50), X)
    with pytest.raises(ValueError, match="0 or 1"):
        cox.fit(t, np.full(50, 2), X)
    with pytest.raises(ValueError, match="finite"):
        cox.fit(np.r_[np.nan, t[1:]], e, X)
    with pytest.raises(ValueError, match="same number"):
        cox.fit(t[:-1], e, X)
    with pytest.raises(ValueError, match="names"):
        cox.fit(t, e, X, names=["a", "b"])


def test_large_tied_sample_matches_lifelines_batch_mode():
    """10,000 subjects in whole days: the case lifelines' batch mode is fast for."""
    from lifelines import CoxPHFitter

    t, e, X, _ = dataset(seed=40, n=10_000, ties=True)
    frame = pd.DataFrame({"x0": X[:, 0], "T": t, "E": e})
    cph = CoxPHFitter().fit(frame, "T", "E", batch_mode=True, fit_options=TIGHT)
    assert_same_as_lifelines(cox.fit(t, e, X), cph)
