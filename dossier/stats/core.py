"""Small statistics shared by the analyses and the engines (t intervals, exact binomial intervals, least squares,
recorded precision, captured library warnings).

Everything here is vectorised over numpy arrays. scipy is imported inside the functions that use it, so
that importing the analysis modules (as `dossier check` does, for their `variables()`) stays cheap. The
t functions call the scipy.special functions that scipy.stats itself evaluates (t.ppf is stdtrit, t.sf is
stdtr), so they give scipy.stats' numbers to the last bit, and the exact binomial interval is R's binom.test
formula on scipy.special.betaincinv (what scipy.stats.beta.ppf evaluates), equal to R's numbers within 1e-14
(tests/test_stats_special.py), all without importing scipy.stats (0.6 s), which `dossier check` never does.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd


def decimals_of(values: pd.Series, cap: int = 3) -> int:
    """Number of decimals the data are recorded with (0 for integers), capped at `cap`."""
    finite = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if finite.size == 0:
        return 0
    for d in range(cap + 1):
        if np.allclose(finite, np.round(finite, d), rtol=0, atol=1e-9):
            return d
    return cap


def finite_or_none(x: float | None) -> float | None:
    """A JSON-safe float: None for NaN/inf."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def t_quantile(q, df):
    """Quantile of Student's t with `df` degrees of freedom (= scipy.stats.t.ppf(q, df) for 0 < q < 1)."""
    from scipy.special import stdtrit

    return stdtrit(df, q)


def t_sf(x, df):
    """Survival function of Student's t (= scipy.stats.t.sf(x, df))."""
    from scipy.special import stdtr

    return stdtr(df, -x)


def t_interval(mean: np.ndarray, sd: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided t-based CI of a mean: mean +/- t(1 - alpha/2, n - 1) * sd / sqrt(n); NaN when n < 2."""
    mean, sd, n = (np.asarray(x, dtype=float) for x in (mean, sd, n))
    df = np.where(n >= 2, n - 1, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = t_quantile(0.5 + level / 2, df) * sd / np.sqrt(n)
    return mean - half, mean + half


def one_sample_t_p(mean: np.ndarray, sd: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Two-sided p of the one-sample t-test of mean = 0 (the paired t-test of change = 0)."""
    mean, sd, n = (np.asarray(x, dtype=float) for x in (mean, sd, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        t = mean / (sd / np.sqrt(n))
        p = 2 * t_sf(np.abs(t), np.where(n >= 2, n - 1, np.nan))
    return np.where((n >= 2) & (sd > 0), p, np.nan)


def clopper_pearson(k: int, n: int, level: float) -> tuple[float | None, float | None]:
    """Exact (Clopper-Pearson) CI of a binomial proportion; (None, None) when n = 0.

    R's binom.test(k, n, conf.level = level)$conf.int: the alpha/2 quantile of Beta(k, n - k + 1) and the
    1 - alpha/2 quantile of Beta(k + 1, n - k) (0 when k = 0, 1 when k = n), through the public
    scipy.special.betaincinv (scipy.stats.beta.ppf's function). scipy.stats.binomtest's exact interval
    finds the same limits as brentq roots, to about 1e-12 (absolute) only."""
    if n <= 0:
        return None, None
    k, n = int(k), int(n)
    if not 0 <= k <= n:
        raise ValueError(f"k ({k}) must be an integer in 0 .. n ({n})")
    from scipy.special import betaincinv

    alpha = (1 - level) / 2
    low = 0.0 if k == 0 else float(betaincinv(k, n - k + 1, alpha))
    high = 1.0 if k == n else float(betaincinv(k + 1, n - k, 1 - alpha))
    return low, high


def level_percent(level: float) -> int | float:
    """0.95 -> 95, 0.975 -> 97.5 (for labels)."""
    pct = round(level * 100, 6)
    return int(pct) if float(pct).is_integer() else pct


def number_key(value: float) -> str:
    """A time as evidence key text, written like the yaml number: 180 -> "180", 182.5 -> "182.5"."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def recorded_decimals(values: pd.Series, cap: int = 3, share: float = 0.95) -> int:
    """Decimals the data are recorded with: the fewest decimals that hold at least `share` of the values.

    Like `decimals_of`, but a few derived values (e.g. prorated questionnaire totals such as
    ADAS-Cog 56.7241...) do not push the display precision of a whole table to the cap.
    """
    finite = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if finite.size == 0:
        return 0
    for d in range(cap + 1):
        if np.mean(np.abs(finite - np.round(finite, d)) <= 1e-9) >= share:
            return d
    return cap


def floats(values: Iterable[float | None]) -> list[float | None]:
    return [finite_or_none(v) for v in values]


@dataclass(frozen=True)
class LinearFit:
    """Ordinary least squares with an intercept, parametrised on centred columns.

    The fitted value at x is `y_mean + (x - x_mean) @ slopes`; `cov` is the covariance of `slopes`, and the
    intercept part (y_mean) is uncorrelated with them with variance `sigma2 / n`.
    """

    names: tuple[str, ...]  # the kept non-intercept columns
    slopes: np.ndarray
    cov: np.ndarray
    sigma2: float
    n: int
    df: int
    y_mean: float
    x_mean: np.ndarray
    dropped: tuple[str, ...]  # constant or collinear columns left out

    def predict(self, x: np.ndarray) -> tuple[float, float]:
        """Prediction at covariate vector `x` (kept columns, no intercept) and its standard error."""
        d = np.asarray(x, dtype=float) - self.x_mean
        return float(self.y_mean + d @ self.slopes), float(np.sqrt(self.sigma2 / self.n + d @ self.cov @ d))

    def coefficient(self, name: str) -> tuple[float, float]:
        j = self.names.index(name)
        return float(self.slopes[j]), float(np.sqrt(self.cov[j, j]))


def least_squares(X: np.ndarray, names: list[str], y: np.ndarray, protected: int) -> LinearFit | None:
    """OLS of y on an intercept and the columns of X (no intercept column in X).

    Solved by the normal equations of the centred columns, which costs one pass over the data (an n x p
    QR or SVD is 10-20 times slower at 100k subjects with a 40-level site factor and gives the same
    numbers to ~1e-12 for such designs). Columns after the first `protected` that are constant or linear
    combinations of earlier ones are dropped (aliased terms). None when no residual degrees of freedom.
    """
    n = len(y)
    x_mean = X.mean(axis=0)
    centred = X - x_mean
    gram = centred.T @ centred
    scale = (X**2).sum(axis=0)
    kept: list[int] = []
    dropped: list[str] = []
    for j in range(X.shape[1]):
        total = gram[j, j]
        residual = total
        if kept and total > 0:
            coef = np.linalg.lstsq(gram[np.ix_(kept, kept)], gram[kept, j], rcond=None)[0]
            residual = total - gram[kept, j] @ coef
        if j >= protected and (total <= 1e-12 * max(scale[j], np.finfo(float).tiny) or residual <= 1e-10 * total):
            dropped.append(names[j])
        else:
            kept.append(j)
    df = n - 1 - len(kept)
    if df <= 0:
        return None
    g = gram[np.ix_(kept, kept)]
    y_mean = float(y.mean())
    yc = y - y_mean
    slopes = np.linalg.solve(g, centred[:, kept].T @ yc)
    resid = yc - centred[:, kept] @ slopes
    sigma2 = float(resid @ resid) / df
    cov = sigma2 * np.linalg.inv(g)
    return LinearFit(tuple(names[j] for j in kept), slopes, cov, sigma2, n, df, y_mean, x_mean[kept], tuple(dropped))


@contextmanager
def captured_warnings(sink: list[str], analysis_id: str, context: str = "") -> Iterator[None]:
    """Collect warnings raised by the statistics libraries as readable strings naming the analysis."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    seen: set[str] = set()
    for w in caught:
        text = " ".join(str(w.message).split())
        if text in seen:
            continue
        seen.add(text)
        where = f" ({context})" if context else ""
        sink.append(f"analysis {analysis_id!r}{where}: {w.category.__name__}: {text}")


def mean_or_none(values: np.ndarray) -> float | None:
    values = np.asarray(values, dtype=float)
    return finite_or_none(values.mean()) if values.size else None


def isfinite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)
