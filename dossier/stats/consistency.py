"""Consistency of the Japanese population with the overall population (MHLW, 2007).

Ministry of Health, Labour and Welfare, "Basic principles on global clinical trials" (国際共同治験に関する
基本的考え方), notice 薬食審査発第0928010号, 28 September 2007. With D_all the treatment effect in the whole
population, D_J the effect in Japanese subjects and D_1 .. D_s the effects in the s regions (Japan one of
them):
- Method 1: the Japanese effect keeps at least a fraction π of the overall effect, D_J / D_all > π
  (π = 0.5 or more); the notice asks that the Japanese sample size make this probable (>= 80%);
- Method 2: every region shows an effect in the favourable direction, D_i > 0 for all i (>= 80%).

Effects are oriented so that a positive D is "better": D = coef for `improvement` "increase" and -coef
for "decrease", where coef is the effect on its analysis scale (the log hazard ratio for ratio effects, so
the ratio is log(HR_J) / log(HR_all); the difference itself for LS-mean and risk differences). The ratio
D_J / D_all does not depend on the orientation; the orientation decides which direction is favourable.
Method 1 and Method 2 are not evaluable (None, with a warning) when the overall effect is not favourable
(D_all <= 0: the notice presupposes an effective treatment) or a needed estimate is NE.

`method1_probability` gives the planning probability that Method 1 holds for a Japanese share f of the
subjects, under the observed overall effect and its standard error (normal approximation; derivation in its
docstring).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dossier import errors
from dossier.data import columns as cols
from dossier.errors import AnalysisError, SpecError
from dossier.stats import core as st
from dossier.stats.subgroups import Effect, SubgroupAnalysis, SubgroupLevel

DEFAULT_THRESHOLD = 0.5
JAPANESE_COLUMN = "JAPANESE"  # the derived subgroup variable of `with_japan_flag`: "Y" / "N"


@dataclass(frozen=True)
class PopulationEffect:
    """The effect in one population: subjects per arm, estimate and CI (None = NE), and D oriented."""

    n: tuple[tuple[str, int], ...]
    estimate: float | None
    ci: tuple[float | None, float | None]
    d: float | None  # the oriented effect on the analysis scale (positive = better)
    se: float | None = None  # standard error of d

    def to_evidence(self) -> dict:
        return {"n": dict(self.n), "estimate": self.estimate, "ci": list(self.ci)}


@dataclass(frozen=True)
class RegionEffect:
    region: str
    effect: PopulationEffect
    same_direction: bool | None  # sign of D equals that of D_all; None when NE

    def to_evidence(self) -> dict:
        return {"region": self.region, **self.effect.to_evidence(), "same_direction": self.same_direction}


@dataclass(frozen=True)
class Consistency:
    """The Japanese consistency evaluation of one comparison (group vs reference)."""

    group: str
    reference: str
    effect: str  # as SubgroupAnalysis.effect
    improvement: str
    japan: PopulationEffect
    overall: PopulationEffect
    ratio: float | None  # D_J / D_all
    threshold: float
    method1: bool | None
    method2: bool | None
    regions: tuple[RegionEffect, ...]
    warnings: tuple[str, ...]

    def to_evidence(self) -> dict:
        """evidence.json's `japan_consistency`: {japan, overall, ratio, threshold, method1, method2, regions}."""
        return {"japan": self.japan.to_evidence(), "overall": self.overall.to_evidence(), "ratio": self.ratio,
                "threshold": self.threshold, "method1": self.method1, "method2": self.method2,
                "regions": [r.to_evidence() for r in self.regions]}


@dataclass(frozen=True)
class Method1Planning:
    """P(D_J / D_all > threshold) for `n_japan` of `n_total` subjects under the observed overall effect."""

    n_japan: int
    n_total: int
    threshold: float
    effect: float  # oriented overall effect D_all (analysis scale)
    se: float  # its standard error with n_total subjects
    probability: float

    def to_evidence(self) -> dict:
        return {"n_japan": self.n_japan, "n_total": self.n_total, "threshold": self.threshold,
                "probability": self.probability}


def japanese_flag(frame: pd.DataFrame, variable: str, value, name: str = "japanese_population") -> np.ndarray:
    """True for the subjects whose `variable` equals `value` (as text, or as a number for a numeric column).

    AnalysisError (one line) when the variable is absent or the flag selects nobody.
    """
    if variable not in frame.columns:
        raise AnalysisError(f"{name}: variable {variable} is not in the data")
    column = frame[variable]
    number = _as_number(value)
    if pd.api.types.is_numeric_dtype(column) and number is not None:
        hit = column.to_numpy(dtype=float) == number
    else:
        hit = cols.text_in(column, [str(value).strip()])
    if not hit.any():
        shown = (_num(v) for v in np.unique(column.dropna())) if pd.api.types.is_numeric_dtype(column) else \
            cols.text_set(column)
        values = sorted(set(shown) - {"", "nan"})
        raise AnalysisError(f"{name}: {variable} = {value!r} selects no subject (values: {errors.listing(map(str, values), errors.ANALYSIS_LISTED)})")
    return np.asarray(hit, dtype=bool)


def with_japan_flag(frame: pd.DataFrame, variable: str, value, column: str = JAPANESE_COLUMN) -> pd.DataFrame:
    """`frame` with `column` = "Y" for Japanese subjects, "N" otherwise, to be used as a subgroup variable."""
    return frame.assign(**{column: np.where(japanese_flag(frame, variable, value), "Y", "N")})


def evaluate(analysis: SubgroupAnalysis, *, improvement: str, japan_variable: str = JAPANESE_COLUMN,
             japan_level: str = "Y", region: str | None = None, threshold: float = DEFAULT_THRESHOLD,
             group: str | None = None) -> Consistency:
    """Method 1 and Method 2 from a subgroup analysis that has the Japanese flag (and the region) as subgroups.

    `group`: the comparison to evaluate (required when there are several active arms).
    """
    _check_threshold(threshold)
    if improvement not in ("increase", "decrease"):
        raise ValueError(f"improvement must be 'increase' or 'decrease', not {improvement!r}")
    groups = [a for a in analysis.arms if a != analysis.reference]
    if group is None:
        if len(groups) != 1:
            raise ValueError(f"several comparisons ({', '.join(groups)}): name the group to evaluate")
        group = groups[0]
    notes: list[str] = []
    sign = 1.0 if improvement == "increase" else -1.0
    overall = _population(analysis.overall, group, sign)
    flag = analysis.subgroup(japan_variable)
    japan_levels = [lv for lv in flag.levels if lv.key == japan_level]
    if not japan_levels:
        raise AnalysisError(f"japanese_population: no subject of the analysis is Japanese ({japan_variable} has no "
                            f"level {japan_level!r})")
    japan = _population(japan_levels[0], group, sign)
    favourable = overall.d is not None and overall.d > 0
    if not favourable:
        notes.append("the overall effect is NE or does not favour the treatment: Method 1 and Method 2 are not "
                     "evaluable")
    ratio = None
    if japan.d is None:
        notes.append("the effect in the Japanese population is NE: Method 1 is not evaluable")
    elif overall.d is not None and overall.d != 0:
        ratio = japan.d / overall.d
    method1 = (ratio > threshold) if (favourable and ratio is not None) else None
    regions: list[RegionEffect] = []
    method2 = None
    if region is not None:
        for lv in analysis.subgroup(region).levels:
            e = _population(lv, group, sign)
            same = None if e.d is None or overall.d is None or overall.d == 0 else \
                (e.d > 0) == (overall.d > 0) and e.d != 0
            regions.append(RegionEffect(lv.key, e, same))
        ne = [r.region for r in regions if r.effect.d is None]
        if ne:
            notes.append(f"the effect in region(s) {', '.join(repr(r) for r in ne)} is NE: Method 2 is not evaluable")
        elif favourable:
            method2 = all(r.effect.d > 0 for r in regions)
    return Consistency(group, analysis.reference, analysis.effect, improvement, japan, overall,
                       st.finite_or_none(ratio), float(threshold), method1, method2, tuple(regions),
                       tuple(notes))


def method1_probability(effect: float, se: float, fraction: float, threshold: float = DEFAULT_THRESHOLD) -> float:
    """P(D_J / D_all > π) for a Japanese share `fraction` = f of the subjects (normal approximation).

    effect: the overall effect δ oriented so that positive is better (log scale for ratio effects, e.g.
    -log(HR) when a smaller hazard is better); se: the standard error σ of the overall estimate.

    Derivation (written out here and checked by simulation in tests/test_consistency.py; the published
    treatments of the same question, with formulas for normal, binary and survival endpoints, are Quan et
    al., 2010, Pharm Stat 9:100-112, doi:10.1002/pst.380, and Ikeda & Bretz, 2010, Pharm Stat,
    doi:10.1002/pst.455, whose texts were not at hand to compare). With a common true effect δ and the same
    variance per subject, the Japanese estimate from a share f of the subjects has Var(D_J) = σ² / f; the
    overall estimate is the precision-weighted mix D_all = f D_J + (1 - f) D_nonJ, so
    Cov(D_J, D_all) = f Var(D_J) = σ² = Var(D_all). When D_all > 0 (which holds with high probability in a
    trial that shows an effect), D_J / D_all > π if and only if D_J - π D_all > 0, and

        D_J - π D_all ~ N((1 - π) δ, σ² (1/f - 2π + π²)),

        P(D_J / D_all > π) ≈ Φ( (1 - π) δ / (σ sqrt(1/f - 2π + π²)) ).

    For a time-to-event effect σ² ≈ 4 / events (1:1), so f is then the Japanese share of the events; with
    similar event rates that is the share of the subjects.
    """
    from scipy.special import ndtr

    if not (0 < fraction <= 1):
        raise ValueError(f"the Japanese share must be in (0, 1], not {fraction!r}")
    if not (se > 0 and math.isfinite(se) and math.isfinite(effect)):
        raise ValueError("the overall effect and a positive standard error are needed")
    _check_threshold(threshold)
    spread = 1 / fraction - 2 * threshold + threshold * threshold
    return float(ndtr((1 - threshold) * effect / (se * math.sqrt(spread))))


def plan_method1(consistency: Consistency, n_japan: int, n_total: int | None = None) -> Method1Planning:
    """Method 1's planning probability for `n_japan` Japanese subjects in a trial of `n_total` (default: the
    analysed subjects), under the observed overall effect; its standard error is scaled from the analysed
    size to n_total (σ² proportional to 1 / size)."""
    overall = consistency.overall
    if overall.d is None or overall.se is None:
        raise ValueError("the overall effect is NE")
    analysed = sum(n for arm, n in overall.n if arm in (consistency.group, consistency.reference))
    n_total = analysed if n_total is None else int(n_total)
    if not (0 < n_japan <= n_total):
        raise ValueError(f"the Japanese sample size must be in 1 .. {n_total}, not {n_japan}")
    se = overall.se * math.sqrt(analysed / n_total)
    p = method1_probability(overall.d, se, n_japan / n_total, consistency.threshold)
    return Method1Planning(int(n_japan), n_total, consistency.threshold, overall.d, se, p)


# ------------------------------------------------------------------------------------------ internals


def _population(level: SubgroupLevel, group: str, sign: float) -> PopulationEffect:
    e: Effect = level.effect(group)
    d = None if e.coef is None or e.estimate is None else sign * e.coef
    return PopulationEffect(level.n, e.estimate, e.ci, d, e.se)


def _check_threshold(threshold) -> None:
    if not (_is_number(threshold) and 0 <= float(threshold) < 1):
        raise SpecError(f"consistency_threshold must be a number from 0 up to (not including) 1, not {threshold!r}",
                        where="dossier.yaml")


def _as_number(value) -> float | None:
    """`value` as a float when it is a number or a text holding one ("1", " 81.5 "), else None."""
    if _is_number(value):
        return float(value)
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and \
        math.isfinite(float(value))
