"""Kaplan-Meier estimates and the log-rank test, vectorised over numpy arrays (the same numbers as R's
survfit/survdiff and lifelines' KaplanMeierFitter/multivariate_logrank_test, tests/test_cox.py), used by the
time-to-event analyses (dossier.analyses.time_to_event_stats); the Cox model is dossier.stats.cox."""

from __future__ import annotations

import math

import numpy as np

from dossier.stats import core as st

TOLERANCE = math.sqrt(np.finfo(float).eps)  # R's quantile.survfit tolerance for a flat part at 0.5


def kaplan_meier(time: np.ndarray, event: np.ndarray, level: float):
    """Kaplan-Meier estimate with log-log ("exponential Greenwood") limits, vectorised.

    Returns (x, S, lower, upper, censoring times): x is 0 and every distinct time (as lifelines'
    timeline); S = cumprod(1 - d/n); Greenwood V = cumsum(d / (n (n - d))); limits S^exp(+/- z sqrt(V) / |log S|),
    NaN where S is 1 or 0 (undefined, as R's survfit). Same numbers as lifelines' KaplanMeierFitter.
    """
    from scipy.special import ndtri

    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    x, inverse = np.unique(time, return_inverse=True)
    removed = np.bincount(inverse, minlength=len(x)).astype(float)
    deaths = np.bincount(inverse, weights=event, minlength=len(x))
    if x.size == 0 or x[0] != 0:
        x, removed, deaths = np.r_[0.0, x], np.r_[0.0, removed], np.r_[0.0, deaths]
    at_risk = len(time) - np.concatenate([[0.0], np.cumsum(removed)[:-1]])
    z = float(ndtri(0.5 + level / 2))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        y = np.cumprod(1.0 - deaths / at_risk)
        greenwood = np.cumsum(deaths / (at_risk * (at_risk - deaths)))
        se = np.sqrt(greenwood) / np.abs(np.log(y))
        low, high = y ** np.exp(z * se), y ** np.exp(-z * se)
    undefined = (y >= 1.0) | (y <= 0.0) | ~np.isfinite(se)
    low, high = np.where(undefined, np.nan, low), np.where(undefined, np.nan, high)
    return x, y, low, high, x[removed - deaths > 0]


def logrank(time: np.ndarray, event: np.ndarray, group: np.ndarray) -> tuple[float, int]:
    """Log-rank test of equal survival across the groups: (chi-square statistic, degrees of freedom).

    O - E and the hypergeometric covariance summed over the distinct event times (vectorised over
    times and groups), the quadratic form on all groups but one (pseudo-inverse, as lifelines'
    multivariate_logrank_test and R's survdiff).
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    levels, code = np.unique(np.asarray(group), return_inverse=True)
    k = len(levels)
    times, inverse = np.unique(time, return_inverse=True)
    cell = inverse * k + code
    removed = np.bincount(cell, minlength=len(times) * k).reshape(len(times), k).astype(float)
    deaths = np.bincount(cell, weights=event, minlength=len(times) * k).reshape(len(times), k)
    at_risk = removed.sum(axis=0) - np.vstack([np.zeros(k), np.cumsum(removed, axis=0)[:-1]])
    d = deaths.sum(axis=1)
    keep = d > 0
    at_risk, deaths, d = at_risk[keep], deaths[keep], d[keep]
    n = at_risk.sum(axis=1)
    observed_minus_expected = (deaths - at_risk * (d / n)[:, None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ties = np.where(n > 1, (n - d) / (n - 1), 1.0)
    factor = ties * d / n**2
    cov = np.diag((factor * n) @ at_risk) - (at_risk * factor[:, None]).T @ at_risk
    z = observed_minus_expected[:-1]
    stat = float(z @ np.linalg.pinv(cov[:-1, :-1]) @ z)
    return stat, k - 1


def _logrank_p(time, event, group) -> float | None:
    from scipy.special import chdtrc

    stat, df = logrank(time, event, group)
    return st.finite_or_none(float(chdtrc(df, stat))) if df > 0 else None


def _step_at(x: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Value of the right-continuous step function (x, y) at times `at` (x[0] is the start)."""
    idx = np.searchsorted(x, at, side="right") - 1
    out = np.where(idx >= 0, y[np.clip(idx, 0, None)], np.nan)
    return out


def km_quantile(x: np.ndarray, surv: np.ndarray, xmax: float, p: float = 0.5) -> float | None:
    """Time at which a survival step curve reaches 1 - p, by R's quantile.survfit rule.

    The first time the curve is at or below 1 - p; when it equals 1 - p exactly (within a tolerance)
    over an interval, the midpoint of that interval (up to `xmax`, the last follow-up time, when the
    flat part is the end of the curve). None when never reached. `x` starts at the origin.
    """
    xs = np.concatenate([[min(0.0, float(x[0]))], x])
    ys = np.concatenate([[0.0], 1.0 - np.asarray(surv, dtype=float)])
    # keep the first time each distinct value is reached (censoring times repeat the value)
    _, first = np.unique(ys, return_index=True)
    order = np.sort(first)
    xs, ys = xs[order], ys[order]
    nan = np.isnan(ys)
    last = ys[-1]
    xs, ys = xs[~nan], ys[~nan]
    by_value = np.argsort(ys, kind="stable")  # as R's approx(), which orders the points by value
    xs, ys = xs[by_value], ys[by_value]
    if ys.size == 0 or ys.max() < p:
        return None
    i1 = int(np.searchsorted(ys + TOLERANCE, p, side="left"))
    if i1 >= ys.size:
        return None
    if not np.isnan(last) and abs(p - last) < TOLERANCE:
        return (float(xs[i1]) + xmax) / 2
    i2 = int(np.searchsorted(ys - TOLERANCE, p, side="left"))
    if i2 >= ys.size:
        return None
    return (float(xs[i1]) + float(xs[i2])) / 2
