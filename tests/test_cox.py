"""dossier.stats.cox (vectorised Efron Cox model) against lifelines' CoxPHFitter, R and a brute-force loop;
the vectorised Kaplan-Meier and log-rank of dossier.stats.survival against lifelines."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from dossier.stats import cox

SIX_DIGITS = 1e-6
# lifelines' default stopping rules (Newton decrement or step < 1e-7, relative change of the log-likelihood
# < 1e-9) can stop a few digits short of the maximum (e.g. 4 digits of the hazard ratio in
# datasets/pd-aav-synthetic); converged tightly it is the reference, and agrees to ~1e-10
TIGHT = {"precision": 1e-16, "r_precision": 1e-16}


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
    "continuous, one covariate": {"seed": 1, "n": 300},
    "whole days (many ties)": {"seed": 2, "n": 600, "ties": True},
    "heavy ties, three covariates": {"seed": 3, "n": 800, "p": 3, "ties": True},
    "two covariates, no ties": {"seed": 4, "n": 250, "p": 2},
    "strata, ties": {"seed": 5, "n": 700, "p": 2, "ties": True, "strata": 3},
    "strata, continuous": {"seed": 6, "n": 400, "strata": 4},
    "no effect": {"seed": 7, "n": 500, "ties": True, "effect": 0.0},
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_matches_lifelines_to_six_significant_digits(case):
    t, e, X, s = dataset(**CASES[case])
    cph, _ = lifelines_fit(t, e, X, s)
    ours = cox.fit(t, e, X, strata=s, names=[f"x{j}" for j in range(X.shape[1])])
    assert_same_as_lifelines(ours, cph)
    assert ours.n == len(t) and ours.events == int(e.sum())


def test_hazard_ratio_and_ci_match_lifelines_defaults():
    t, e, X, _ = dataset(seed=11, n=400, ties=True)
    cph, _ = lifelines_fit(t, e, X, tight=False)
    ours = cox.fit(t, e, X)
    summary = cph.summary
    assert ours.hazard_ratio == pytest.approx(summary["exp(coef)"].to_numpy(), rel=SIX_DIGITS)
    assert ours.ci_lower == pytest.approx(summary["exp(coef) lower 95%"].to_numpy(), rel=SIX_DIGITS)
    assert ours.ci_upper == pytest.approx(summary["exp(coef) upper 95%"].to_numpy(), rel=SIX_DIGITS)


def test_confidence_level():
    t, e, X, _ = dataset(seed=12, n=300, ties=True)
    cph, _ = lifelines_fit(t, e, X, level=0.9)
    ours = cox.fit(t, e, X, level=0.9)
    assert_same_as_lifelines(ours, cph)
    z = sps.norm.ppf(0.95)
    assert ours.ci_upper == pytest.approx(np.exp(ours.coef + z * ours.se), rel=1e-12)


def test_r_survival_aml():
    # R: coxph(Surv(time, status) ~ x, data = aml) (Efron): coef 0.9155, exp(coef) 2.498, se 0.5119, p 0.0737
    maintained = ([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161], [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0])
    nonmaintained = ([5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45], [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1])
    t = np.array(maintained[0] + nonmaintained[0], float)
    e = np.array(maintained[1] + nonmaintained[1])
    x = np.r_[np.zeros(11), np.ones(12)]
    fit = cox.fit(t, e, x, names=["Nonmaintained"])
    assert fit.coef[0] == pytest.approx(0.9155, abs=5e-5)
    assert fit.se[0] == pytest.approx(0.5119, abs=5e-5)
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


@pytest.mark.parametrize("case", ["continuous, one covariate", "whole days (many ties)",
                                  "heavy ties, three covariates"])
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


# ------------------------------------------------------------------------------------------ Kaplan-Meier, log-rank


def survival_sample(seed: int, n: int, groups: int, ties: bool):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, n)
    t = rng.exponential(30 * (1 + g), n)
    t = np.ceil(t) if ties else t
    t[:3] = 0.0 if ties else t[:3]  # events and censorings at time 0
    e = (rng.random(n) < 0.6).astype(int)
    return t, e, g


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("level", [0.95, 0.9])
def test_kaplan_meier_matches_lifelines(ties, level):
    from lifelines import KaplanMeierFitter

    from dossier.stats.survival import kaplan_meier

    t, e, _ = survival_sample(50, 300, 1, ties)
    e[-5:] = 0
    t[-5:] = t.max() + 1  # censored tail
    x, y, low, high, censored = kaplan_meier(t, e, level)
    kmf = KaplanMeierFitter(alpha=1 - level).fit(t, e)
    assert x == pytest.approx(kmf.survival_function_.index.to_numpy(float), abs=0)
    assert y == pytest.approx(kmf.survival_function_.iloc[:, 0].to_numpy(), rel=1e-12, abs=1e-15)
    defined = ~np.isnan(low)
    ci = kmf.confidence_interval_.to_numpy()
    assert defined.sum() > 10 and np.all(np.isnan(low[~defined]) & np.isnan(high[~defined]))
    assert low[defined] == pytest.approx(ci[defined, 0], rel=1e-10)
    assert high[defined] == pytest.approx(ci[defined, 1], rel=1e-10)
    table = kmf.event_table
    assert list(censored) == list(table.index[table["censored"].to_numpy() > 0].to_numpy(float))


def test_kaplan_meier_to_zero():
    from dossier.stats.survival import kaplan_meier

    x, y, low, high, censored = kaplan_meier(np.array([3.0, 3, 5, 7]), np.array([1, 0, 1, 1]), 0.95)
    assert list(x) == [0.0, 3.0, 5.0, 7.0] and y == pytest.approx([1.0, 0.75, 0.375, 0.0])
    assert np.isnan(low[[0, 3]]).all() and np.isnan(high[[0, 3]]).all() and list(censored) == [3.0]


@pytest.mark.parametrize("groups", [2, 3, 5])
@pytest.mark.parametrize("ties", [False, True])
def test_logrank_matches_lifelines(groups, ties):
    from lifelines.statistics import logrank_test, multivariate_logrank_test

    from dossier.stats.survival import _logrank_p, logrank

    t, e, g = survival_sample(60 + groups, 400, groups, ties)
    expected = multivariate_logrank_test(t, g, e)
    stat, df = logrank(t, e, g)
    assert df == groups - 1
    assert stat == pytest.approx(expected.test_statistic, rel=1e-10)
    assert _logrank_p(t, e, g) == pytest.approx(expected.p_value, rel=1e-9)
    a, b = g == 0, g == 1
    pair = logrank_test(t[a], t[b], e[a], e[b])
    keep = a | b
    assert logrank(t[keep], e[keep], g[keep])[0] == pytest.approx(pair.test_statistic, rel=1e-10)


def test_large_kaplan_meier_curves_are_thinned_for_drawing():
    from dossier.analyses.time_to_event_stats import MAX_CURVE_POINTS, thinned
    from dossier.stats.survival import _step_at, kaplan_meier

    rng = np.random.default_rng(70)
    t, e = rng.exponential(100, 30_000), (rng.random(30_000) < 0.5).astype(int)
    x, y, low, high, censored = kaplan_meier(t, e, 0.95)
    full = {"x": x, "y": y, "low": low, "high": high, "censored_x": censored,
            "censored_y": _step_at(x, y, censored)}
    drawn = thinned(full)
    assert len(drawn["x"]) <= MAX_CURVE_POINTS + 2 and len(drawn["censored_x"]) <= MAX_CURVE_POINTS + 1
    assert drawn["x"][0] == 0.0 and drawn["x"][-1] == x[-1]
    assert set(drawn["x"]) <= set(x) and set(drawn["censored_x"]) <= set(censored)
    # the drawn step function stays within 1/MAX_CURVE_POINTS of the estimate everywhere
    assert np.max(np.abs(_step_at(drawn["x"], drawn["y"], x) - y)) <= 1.0 / MAX_CURVE_POINTS
    small = {k: v[:50] for k, v in full.items()}
    assert all(np.array_equal(thinned(small)[k], v, equal_nan=True) for k, v in small.items())
