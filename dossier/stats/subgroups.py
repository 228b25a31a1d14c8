"""Subgroup analyses: the treatment effect within each level of a subgroup variable, and the interaction test.

`time_to_event`, `ancova` and `risk_difference` take one row per subject (a pandas frame), the arm column,
the arms in display order with the reference first or named, and a list of `SubgroupSpec`s: a variable that
is used as it is (categorical: one level per distinct value, numbers sorted numerically, text sorted) or
cut into classes by an increasing list of cut points (`[65, 75]` gives <65, 65-<75, >=75; a value equal to
a cut point belongs to the class above it). Subjects with a blank value of a subgroup variable are left out
of that variable's levels and interaction test (a warning says how many).

Per level and comparison (each active arm against the reference):
- time to event: the hazard ratio of a Cox model with the arm as the only covariate, fitted on the subjects
  of the two arms in the level (dossier.stats.cox.fit: Efron ties, Wald CI; R's `coxph` on the subset);
- ANCOVA: the LS-mean difference of the model used by change_from_baseline (ordinary least squares of the
  outcome on the arm factor and the covariates, all arms present in the level, t-based CI). Without
  arm-by-covariate terms the LS-mean difference equals the arm coefficient at any covariate weighting
  (R: emmeans' `trt.vs.ctrl` contrasts, tests/reference/subgroups_reference.R);
- MMRM: the LS-mean difference at the primary visit of the analysis's MMRM (dossier.stats.mmrm: same
  covariates, covariance structure and df method) refitted on the records of the level's subjects; a
  covariate constant within the level is left out of that level's model;
- responders: the risk difference with Newcombe's hybrid score interval (Newcombe 1998, Stat Med
  17:873-890, method 10: Wilson score limits of each proportion combined by the square-and-add rule). It
  stays inside [-1, 1] and behaves at 0% and 100%, where the Wald interval collapses to a point.

Interaction (treatment x subgroup), per comparison, on the levels whose estimate exists (levels with NE are
left out, with a warning):
- time to event: Cox model of arm + subgroup + arm:subgroup on the two arms' subjects; Wald chi-square of
  the L - 1 interaction coefficients (b' V^-1 b, L - 1 degrees of freedom);
- ANCOVA: least squares of covariates + arm * subgroup on all arms' subjects; F test of the comparison's
  L - 1 interaction coefficients (b' V^-1 b / (L - 1), residual df), which for two arms is the F of
  R's anova() for the arm:subgroup term (it is the last term);
- MMRM: the analysis's MMRM on all subjects with the fixed effects subgroup, subgroup x visit, arm x subgroup
  and arm x subgroup x visit added; F test (Wald / (L - 1)) of the comparison's L - 1 contrasts "difference
  at the primary visit in level l minus that in the first level", Satterthwaite denominator df (Fai and
  Cornelius 1996 for L > 2; dossier.stats.mmrm.interaction_tests);
- responders: Wald chi-square of the interaction coefficients of the saturated binomial model with the
  identity link (the effect's own scale), i.e. Cochran's Q = sum w_l (d_l - d_w)^2 of the level risk
  differences d_l with w_l = 1 / (p1 (1 - p1) / n1 + p0 (1 - p0) / n0); not computable when a level's
  difference has zero variance (0% or 100% responders in both arms).

Estimates that do not exist (an arm without subjects or without events, a Cox fit whose partial likelihood
has no finite maximum, no residual degrees of freedom) are None ("NE") with a warning, never an error.
Errors (typed, one line): a subgroup variable absent or blank for every subject, cut points that are not
an increasing list of numbers, cut points on a text variable.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dossier.data import columns as cols
from dossier.errors import AnalysisError, SpecError
from dossier.stats import _effects as fx

P_INTERACTION = "p_interaction"


@dataclass(frozen=True)
class SubgroupSpec:
    """One subgroup variable: used as it is (`cuts` None) or cut into classes at increasing `cuts`."""

    variable: str
    cuts: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Effect:
    """One comparison (group vs reference) in one level: the estimate with its CI (None = NE).

    `coef` and `se` are on the analysis scale: the log hazard ratio, the LS-mean difference or the risk
    difference (Wald standard error), as the consistency evaluation needs them.
    """

    group: str
    reference: str
    estimate: float | None
    ci: tuple[float | None, float | None]
    coef: float | None = None
    se: float | None = None

    def to_evidence(self) -> dict:
        return {"group": self.group, "reference": self.reference, "estimate": self.estimate, "ci": list(self.ci)}


@dataclass(frozen=True)
class SubgroupLevel:
    """One level: subjects (and events or responders) per arm, and the effect of each comparison.

    `key` is the evidence key: the value as text, or "<65", "65-<75", ">=75" for classes (`low` and `high`
    hold a class's bounds, None when open or for categories)."""

    key: str
    n: tuple[tuple[str, int], ...]
    events: tuple[tuple[str, int], ...] | None
    effects: tuple[Effect, ...]
    low: float | None = None
    high: float | None = None

    def effect(self, group: str | None = None) -> Effect:
        """The comparison of `group` (None: the only or first one)."""
        if group is None:
            return self.effects[0]
        return next(e for e in self.effects if e.group == group)

    def to_evidence(self) -> dict:
        out: dict = {"n": dict(self.n), "events": None if self.events is None else dict(self.events)}
        if len(self.effects) == 1:
            out.update(estimate=self.effects[0].estimate, ci=list(self.effects[0].ci))
        else:
            out["comparisons"] = [e.to_evidence() for e in self.effects]
        return out


@dataclass(frozen=True)
class Interaction:
    """The treatment x subgroup test of one comparison: `test` "wald_chisq" (df) or "f" (df, df_residual)."""

    group: str
    reference: str
    test: str
    statistic: float | None
    df: int
    df_residual: float | None  # residual df (F of least squares), Satterthwaite df (MMRM); None for chi-square
    p: float | None


@dataclass(frozen=True)
class SubgroupResult:
    """All levels of one subgroup variable and its interaction test(s)."""

    variable: str
    cuts: tuple[float, ...] | None
    levels: tuple[SubgroupLevel, ...]
    interactions: tuple[Interaction, ...]
    missing: int  # subjects with a blank value, left out

    def to_evidence(self) -> dict:
        """`{<level>: {n, events, estimate, ci} | {n, events, comparisons}, "p_interaction": p}`; with several
        comparisons p_interaction is a list of `{group, reference, p}`."""
        out: dict = {level.key: level.to_evidence() for level in self.levels}
        if len(self.interactions) == 1:
            out[P_INTERACTION] = self.interactions[0].p
        else:
            out[P_INTERACTION] = [{"group": i.group, "reference": i.reference, "p": i.p} for i in self.interactions]
        return out


@dataclass(frozen=True)
class SubgroupAnalysis:
    """The overall effect and every subgroup variable's levels; `effect` names the measure."""

    effect: str  # "hazard_ratio" | "lsmean_difference" | "risk_difference"
    scale: str  # "ratio" (no effect at 1, shown on a log axis) | "difference" (no effect at 0)
    arms: tuple[str, ...]
    reference: str
    level: float
    overall: SubgroupLevel
    subgroups: tuple[SubgroupResult, ...]
    warnings: tuple[str, ...]

    def subgroup(self, variable: str) -> SubgroupResult:
        return next(s for s in self.subgroups if s.variable == variable)

    def to_evidence(self) -> dict:
        """`{<VARIABLE>: ...}` as evidence.json's `subgroups` of the analysis."""
        return {s.variable: s.to_evidence() for s in self.subgroups}


# ------------------------------------------------------------------------------------------ entry points


def time_to_event(frame: pd.DataFrame, *, arm: str, reference: str, time: str, event: str,
                  subgroups: Sequence[SubgroupSpec], arms: Sequence[str] | None = None, level: float = 0.95,
                  name: str = "") -> SubgroupAnalysis:
    """Hazard ratios per level (Cox, Efron ties) and Wald interaction tests. `event`: 1 = event, 0 = censored."""
    times = pd.to_numeric(frame[_need(frame, time, name)], errors="coerce").to_numpy(dtype=float)
    events = pd.to_numeric(frame[_need(frame, event, name)], errors="coerce").to_numpy(dtype=float)
    model = fx.CoxModel(times, events, level)
    complete = np.isfinite(times) & np.isin(events, (0.0, 1.0))
    return _analyse(frame, model, arm, reference, arms, subgroups, level, name, complete,
                    f"a missing {time} or {event}")


def ancova(frame: pd.DataFrame, *, arm: str, reference: str, outcome: str, subgroups: Sequence[SubgroupSpec],
           covariates: Sequence[str] = (), arms: Sequence[str] | None = None, level: float = 0.95,
           name: str = "") -> SubgroupAnalysis:
    """LS-mean differences per level (least squares on arm + covariates) and F interaction tests."""
    y = pd.to_numeric(frame[_need(frame, outcome, name)], errors="coerce").to_numpy(dtype=float)
    covariates = tuple(covariates)
    complete = np.isfinite(y)
    for c in covariates:
        complete &= ~cols.is_missing(frame[_need(frame, c, name)]).to_numpy()
    model = fx.LinearModel(frame, y, covariates, level)
    what = f"a missing {outcome}" + (f" or covariate ({', '.join(covariates)})" if covariates else "")
    return _analyse(frame, model, arm, reference, arms, subgroups, level, name, complete, what)


def mmrm(frame: pd.DataFrame, *, arm: str, reference: str, records: pd.DataFrame, spec, visit: str,
         subgroups: Sequence[SubgroupSpec], arms: Sequence[str] | None = None, level: float = 0.95,
         name: str = "") -> SubgroupAnalysis:
    """LS-mean differences at `visit` per level of an MMRM (`spec`, dossier.stats.mmrm) refitted on the
    `records` (long, one row per subject and visit) of the level's subjects, and F interaction tests of arm x
    subgroup at `visit` in the MMRM of all subjects with subgroup, subgroup x visit and arm x subgroup x visit
    terms. `frame` has one row per analysed subject, its `spec.subject` column naming the subject."""
    subjects = cols.as_str(frame[_need(frame, spec.subject, name)]).to_numpy(dtype=object)
    records = records.assign(**{spec.subject: cols.as_str(records[spec.subject]).to_numpy(dtype=object)})
    model = fx.MmrmModel(subjects, records, spec, visit)
    return _analyse(frame, model, arm, reference, arms, subgroups, level, name, np.ones(len(frame), dtype=bool),
                    "no record")


def risk_difference(frame: pd.DataFrame, *, arm: str, reference: str, response: str,
                    subgroups: Sequence[SubgroupSpec], arms: Sequence[str] | None = None, level: float = 0.95,
                    name: str = "") -> SubgroupAnalysis:
    """Risk differences per level (Newcombe hybrid score CI) and Wald interaction tests. `response`: 1/0."""
    values = pd.to_numeric(frame[_need(frame, response, name)], errors="coerce").to_numpy(dtype=float)
    model = fx.ResponderModel(values, level)
    return _analyse(frame, model, arm, reference, arms, subgroups, level, name, np.isin(values, (0.0, 1.0)),
                    f"a missing {response}")


def classify(values: pd.Series, spec: SubgroupSpec, name: str = "") -> tuple[np.ndarray, list[tuple]]:
    """Level code of each value (-1: blank) and the levels as (key, low, high) in display order.

    AnalysisError when every value is blank or cut points are given for a text variable; SpecError when the
    cut points are not an increasing list of numbers.
    """
    prefix = f"{name}: " if name else ""
    blank = cols.is_missing(values).to_numpy()
    if blank.all():
        raise AnalysisError(f"{prefix}subgroup variable {spec.variable} is blank for every subject")
    if spec.cuts is not None:
        cuts = _checked_cuts(spec, prefix)
        if not pd.api.types.is_numeric_dtype(values):
            raise AnalysisError(f"{prefix}subgroup variable {spec.variable} has cut points but is not numeric")
        x = values.to_numpy(dtype=float)
        codes = np.where(blank, -1, np.searchsorted(np.asarray(cuts), np.where(blank, 0.0, x), side="right"))
        bounds = [None, *cuts, None]
        keys = [f"<{_num(cuts[0])}"] + [f"{_num(a)}-<{_num(b)}" for a, b in itertools.pairwise(cuts)] + \
               [f">={_num(cuts[-1])}"]
        return codes.astype(np.intp), [(k, bounds[i], bounds[i + 1]) for i, k in enumerate(keys)]
    if pd.api.types.is_numeric_dtype(values):
        distinct = np.unique(values.to_numpy(dtype=float)[~blank])
        codes = np.full(len(values), -1, dtype=np.intp)
        codes[~blank] = np.searchsorted(distinct, values.to_numpy(dtype=float)[~blank])
        return codes, [(_num(v), None, None) for v in distinct]
    texts = cols.as_str(values).to_numpy(dtype=object)
    distinct = sorted({t for t, b in zip(texts, blank) if not b})
    position = {t: i for i, t in enumerate(distinct)}
    codes = np.array([-1 if b else position[t] for t, b in zip(texts, blank)], dtype=np.intp)
    return codes, [(t, None, None) for t in distinct]


def class_label(low: float | None, high: float | None, lang: str) -> str:
    """A class's display label: "<65", "65 to <75", "≥75" (en); "65未満", "65以上75未満", "75以上" (ja)."""
    if lang == "ja":
        return (f"{_num(low)}以上" if low is not None else "") + (f"{_num(high)}未満" if high is not None else "")
    if low is None:
        return f"<{_num(high)}"
    return f"≥{_num(low)}" if high is None else f"{_num(low)} to <{_num(high)}"


# ------------------------------------------------------------------------------------------ internals


def _need(frame: pd.DataFrame, column: str, name: str) -> str:
    if column not in frame.columns:
        raise AnalysisError(f"{name + ': ' if name else ''}variable {column} is not in the data")
    return column


def _num(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _checked_cuts(spec: SubgroupSpec, prefix: str) -> tuple[float, ...]:
    cuts = spec.cuts
    ok = isinstance(cuts, (tuple, list)) and len(cuts) > 0 and all(
        isinstance(c, numbers.Real) and not isinstance(c, bool) and math.isfinite(c) for c in cuts)
    if not ok or any(b <= a for a, b in itertools.pairwise(cuts)):
        raise SpecError(f"{prefix}subgroups.{spec.variable}: the cut points {list(cuts) if ok else cuts!r} must be "
                        f"a non-empty list of numbers in strictly increasing order (e.g. [65, 75])")
    return tuple(float(c) for c in cuts)


def _analyse(frame, model, arm, reference, arms, subgroups, level, name, complete, what) -> SubgroupAnalysis:
    prefix = f"{name}: " if name else ""
    notes: list[str] = []
    arm_values = cols.as_str(frame[_need(frame, arm, name)]).to_numpy(dtype=object)
    arm_blank = cols.is_missing(frame[arm]).to_numpy()
    if arms is None:
        arms = [reference] + sorted({a for a, b in zip(arm_values, arm_blank) if not b and a != reference})
    arms = tuple(arms)
    if reference not in arms:
        raise AnalysisError(f"{prefix}the reference arm {reference!r} is not among the arms {list(arms)}")
    in_arms = ~arm_blank & np.isin(arm_values, arms)  # subjects of other arms are not analysed
    complete = complete & in_arms
    left_out = int((in_arms & ~complete).sum())
    if left_out:
        notes.append(f"{prefix}{left_out} subject(s) with {what} were left out of the subgroup analyses")
    codes_arm = np.full(len(frame), -1, dtype=np.intp)
    for i, a in enumerate(arms):
        codes_arm[arm_values == a] = i
    codes_arm[~complete] = -1
    model = model.bind(codes_arm, arms)
    groups = [a for a in arms if a != reference]
    overall = _level(model, complete, "overall", None, None, groups, reference, notes, prefix + "overall")
    results = []
    for spec in subgroups:
        values = frame[_need(frame, spec.variable, name)]
        codes, levels = classify(values, spec, name)
        keys = [k for k, _, _ in levels]
        if P_INTERACTION in keys:
            raise AnalysisError(f"{prefix}subgroup variable {spec.variable} has a level named {P_INTERACTION!r}, "
                                f"which evidence.json reserves for the interaction p-value")
        missing = int((complete & (codes < 0)).sum())
        if missing:
            notes.append(f"{prefix}{missing} subject(s) with a blank {spec.variable} were left out of the "
                         f"{spec.variable} subgroups")
        rows = complete & (codes >= 0)
        found = []
        for i, (key, low, high) in enumerate(levels):
            where = f"{prefix}subgroup {spec.variable} = {key!r}"
            found.append(_level(model, rows & (codes == i), key, low, high, groups, reference, notes, where))
        interactions = []
        for g in groups:
            usable = [i for i, lv in enumerate(found) if lv.effect(g).estimate is not None]
            dropped = [found[i].key for i in range(len(found)) if i not in usable]
            where = f"{prefix}{spec.variable} interaction test ({g} vs {reference})"
            if dropped and len(usable) >= 2:
                notes.append(f"{where}: level(s) {', '.join(repr(k) for k in dropped)} with NE were left out")
            if len(usable) < 2:
                notes.append(f"{where}: not done (fewer than two levels with an estimate)")
                interactions.append(Interaction(g, reference, model.test, None, 0, None, None))
                continue
            interactions.append(_interaction(model, rows, codes, usable, g, reference, notes, where))
        results.append(SubgroupResult(spec.variable, spec.cuts if spec.cuts is None else tuple(spec.cuts),
                                      tuple(found), tuple(interactions), missing))
    return SubgroupAnalysis(model.effect, model.scale, arms, reference, level, overall, tuple(results), tuple(notes))


def _level(model, rows, key, low, high, groups, reference, notes, where) -> SubgroupLevel:
    n, events = model.counts(rows)
    empty = [a for a, k in n if k == 0]
    effects = model.compare(rows, groups, reference)
    for e, reason in effects:
        if e.estimate is None:
            why = reason or (f"arm(s) {', '.join(repr(a) for a in empty)} have no subjects" if empty else "")
            notes.append(f"{where}: {e.group} vs {reference} is NE ({why})")
    return SubgroupLevel(key, n, events, tuple(e for e, _ in effects), low, high)


def _interaction(model, rows, codes, usable, group, reference, notes, where) -> Interaction:
    try:
        statistic, df, df_residual, p = model.interaction(rows, codes, usable, group, reference)
    except (ValueError, np.linalg.LinAlgError) as exc:
        notes.append(f"{where}: not computable ({str(exc).splitlines()[0]})")
        return Interaction(group, reference, model.test, None, 0, None, None)
    if p is None:
        notes.append(f"{where}: not computable (a level's estimate has zero variance)")
    return Interaction(group, reference, model.test, statistic, df, df_residual, p)
