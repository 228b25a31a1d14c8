"""The three effect measures of dossier.stats.subgroups: fitting one level, and the interaction model.

Each model is bound to the subjects' arm codes (index into `arms`, -1 = left out) and answers:
counts(rows) -> (n per arm, events or responders per arm or None); compare(rows, groups, reference) ->
[(Effect, reason when NE)]; interaction(rows, codes, usable levels, group, reference) -> (statistic, df,
residual df or None, p). `rows` is a boolean mask over the subjects. The methods are described in
dossier/stats/subgroups.py.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd

from dossier.data import columns as cols
from dossier.stats import core as st
from dossier.stats import cox


def _effect(group, reference, estimate=None, ci=(None, None), coef=None, se=None):
    from dossier.stats.subgroups import Effect

    f = st.finite_or_none
    return Effect(group, reference, f(estimate), (f(ci[0]), f(ci[1])), f(coef), f(se))


class _Model:
    effect = scale = test = ""

    def bind(self, codes_arm: np.ndarray, arms: tuple[str, ...]):
        self.codes_arm, self.arms = codes_arm, arms
        return self

    def _in(self, name: str) -> np.ndarray:
        return self.codes_arm == self.arms.index(name)

    def counts(self, rows):
        n = tuple((a, int((rows & self._in(a)).sum())) for a in self.arms)
        return n, self._events(rows)

    def _events(self, rows):
        return None


class CoxModel(_Model):
    effect, scale, test = "hazard_ratio", "ratio", "wald_chisq"

    def __init__(self, time: np.ndarray, event: np.ndarray, level: float) -> None:
        self.time, self.event, self.level = time, event, level

    def _events(self, rows):
        return tuple((a, int(self.event[rows & self._in(a)].sum())) for a in self.arms)

    def compare(self, rows, groups, reference):
        out = []
        for g in groups:
            sel = rows & (self._in(g) | self._in(reference))
            x = self._in(g)[sel].astype(float)
            ev = self.event[sel]
            empty = [a for a, m in ((g, x == 1), (reference, x == 0)) if not m.any()]
            no_events = [a for a, m in ((g, x == 1), (reference, x == 0)) if m.any() and ev[m].sum() == 0]
            if empty or no_events:
                reason = (f"arm(s) {', '.join(repr(a) for a in empty)} have no subjects" if empty else
                          f"arm(s) {', '.join(repr(a) for a in no_events)} have no events")
                out.append((_effect(g, reference), reason))
                continue
            fit = self._fit(self.time[sel], ev, x[:, None])
            if fit is None:
                out.append((_effect(g, reference), "the Cox partial likelihood has no finite maximum"))
                continue
            out.append((_effect(g, reference, fit.hazard_ratio[0], (fit.ci_lower[0], fit.ci_upper[0]),
                                fit.coef[0], fit.se[0]), None))
        return out

    def _fit(self, time, event, X, names=None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cox.ConvergenceWarning)
            try:
                fit = cox.fit(time, event, X, names=names, level=self.level)
            except (ValueError, np.linalg.LinAlgError):
                return None
        return fit if cox.finite(fit) else None

    def interaction(self, rows, codes, usable, group, reference):
        sel = rows & (self._in(group) | self._in(reference)) & np.isin(codes, usable)
        a = self._in(group)[sel].astype(float)
        levels = [(codes[sel] == i).astype(float) for i in usable[1:]]
        X = np.column_stack([a, *levels, *(a * s for s in levels)])
        fit = self._fit(self.time[sel], self.event[sel], X)
        if fit is None:
            raise ValueError("the Cox model with the interaction has no finite maximum")
        k = len(levels)
        b, V = fit.coef[-k:], fit.cov[-k:, -k:]
        stat = float(b @ np.linalg.solve(V, b))
        from scipy.special import chdtrc

        return stat, k, None, float(chdtrc(k, stat))


class LinearModel(_Model):
    effect, scale, test = "lsmean_difference", "difference", "f"

    def __init__(self, frame: pd.DataFrame, y: np.ndarray, covariates: tuple[str, ...], level: float) -> None:
        self.frame, self.y, self.covariates, self.level = frame, y, covariates, level

    def _design(self, sel, leading):
        """Columns: `leading` (name, values over `sel`), then the covariates (text ones treatment-coded, the
        first level in sort order as the base, as change_from_baseline does)."""
        names = [n for n, _ in leading]
        columns = [np.asarray(v, dtype=float) for _, v in leading]
        for cov in self.covariates:
            values = self.frame[cov][sel]
            if pd.api.types.is_numeric_dtype(values):
                columns.append(values.to_numpy(dtype=float))
                names.append(cov)
            else:
                codes, categories = pd.factorize(cols.as_str(values), sort=True)
                for j, c in enumerate(categories[1:], start=1):
                    columns.append((codes == j).astype(float))
                    names.append(f"{cov}={c}")
        X = np.column_stack(columns) if columns else np.empty((int(sel.sum()), 0))
        return X, names

    def compare(self, rows, groups, reference):
        present = [a for a in self.arms if (rows & self._in(a)).any()]
        others = [a for a in present if a != reference]
        fit = None
        if reference in present and others:
            X, names = self._design(rows, [(a, self._in(a)[rows]) for a in others])
            fit = st.least_squares(X, names, self.y[rows], protected=len(others))
        out = []
        for g in groups:
            if fit is None or g not in others:
                reason = "" if (g not in present or reference not in present) else "no residual degrees of freedom"
                out.append((_effect(g, reference), reason))
                continue
            diff, se = fit.coefficient(g)
            q = st.t_quantile(0.5 + self.level / 2, fit.df)
            out.append((_effect(g, reference, diff, (diff - q * se, diff + q * se), diff, se), None))
        return out

    def interaction(self, rows, codes, usable, group, reference):
        sel = rows & np.isin(codes, usable)
        others = [a for a in self.arms if a != reference and (sel & self._in(a)).any()]
        arm_cols = [(a, self._in(a)[sel].astype(float)) for a in others]
        levels = [(f"level{i}", (codes[sel] == i).astype(float)) for i in usable[1:]]
        mine = [(f"{group}:{n}", dict(arm_cols)[group] * s) for n, s in levels]
        rest = [(f"{a}:{n}", v * s) for a, v in arm_cols if a != group for n, s in levels]
        X, names = self._design(sel, arm_cols + mine + levels + rest)
        fit = st.least_squares(X, names, self.y[sel], protected=len(arm_cols) + len(mine))
        if fit is None:
            raise ValueError("no residual degrees of freedom in the model with the interaction")
        idx = [fit.names.index(n) for n, _ in mine]
        b, V = fit.slopes[idx], fit.cov[np.ix_(idx, idx)]
        k = len(idx)
        stat = float(b @ np.linalg.solve(V, b)) / k
        from scipy.special import fdtrc

        return stat, k, int(fit.df), float(fdtrc(k, fit.df, stat))


class ResponderModel(_Model):
    effect, scale, test = "risk_difference", "difference", "wald_chisq"

    def __init__(self, response: np.ndarray, level: float) -> None:
        self.response, self.level = response, level

    def _events(self, rows):
        return tuple((a, int(self.response[rows & self._in(a)].sum())) for a in self.arms)

    def _cells(self, rows, group, reference):
        g, r = rows & self._in(group), rows & self._in(reference)
        return int(self.response[g].sum()), int(g.sum()), int(self.response[r].sum()), int(r.sum())

    def compare(self, rows, groups, reference):
        out = []
        for g in groups:
            k1, n1, k0, n0 = self._cells(rows, g, reference)
            if n1 == 0 or n0 == 0:
                out.append((_effect(g, reference), ""))
                continue
            d, low, high = newcombe(k1, n1, k0, n0, self.level)
            p1, p0 = k1 / n1, k0 / n0
            se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
            out.append((_effect(g, reference, d, (low, high), d, se), None))
        return out

    def interaction(self, rows, codes, usable, group, reference):
        d, w = [], []
        for i in usable:
            k1, n1, k0, n0 = self._cells(rows & (codes == i), group, reference)
            p1, p0 = k1 / n1, k0 / n0
            var = p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0
            if var <= 0:
                return None, len(usable) - 1, None, None
            d.append(p1 - p0)
            w.append(1 / var)
        d, w = np.array(d), np.array(w)
        stat = float(w @ (d - (w @ d) / w.sum()) ** 2)
        from scipy.special import chdtrc

        return stat, len(usable) - 1, None, float(chdtrc(len(usable) - 1, stat))


class MmrmModel(_Model):
    """LS-mean differences at one visit of an MMRM (dossier.stats.mmrm) fitted on the records of the level's
    subjects; the interaction from the same MMRM with subgroup terms (mmrm.interaction_tests)."""

    effect, scale, test = "lsmean_difference", "difference", "f"

    def __init__(self, subjects: np.ndarray, records: pd.DataFrame, spec, visit: str) -> None:
        self.subjects, self.records, self.spec, self.visit = subjects, records, spec, visit
        self._tests: dict = {}

    def _subset(self, rows) -> tuple[pd.DataFrame, object]:
        """The records of the subjects in `rows`, and the spec without the covariates constant among them (a
        covariate that is the subgroup variable or nested in it cannot be estimated within a level)."""
        chosen = set(self.subjects[rows & (self.codes_arm >= 0)])
        records = self.records[self.records[self.spec.subject].isin(chosen)]
        kept = tuple(c for c in self.spec.covariates if records[c].dropna().astype(str).nunique() > 1)
        return records, _with_covariates(self.spec, kept)

    def compare(self, rows, groups, reference):
        from dossier.stats import mmrm

        records, spec = self._subset(rows)
        try:
            fit = mmrm.fit(records, spec)
        except mmrm.MmrmError as exc:
            return [(_effect(g, reference), f"the MMRM cannot be fitted: {exc}") for g in groups]
        found = {d.arm: d for d in fit.differences if d.visit == self.visit}
        out = []
        for g in groups:
            d = found.get(g)
            if d is None:
                why = "no record at the primary visit" if self.visit not in fit.visits else \
                    f"arm {g!r} has no records"
                out.append((_effect(g, reference), why))
                continue
            out.append((_effect(g, reference, d.estimate, (d.ci_lower, d.ci_upper), d.estimate, d.se), None))
        return out

    def interaction(self, rows, codes, usable, group, reference):
        from dossier.stats import mmrm

        key = (rows.tobytes(), codes.tobytes(), tuple(usable))
        if key not in self._tests:
            sel = rows & np.isin(codes, usable)
            level = dict(zip(self.subjects[sel], codes[sel]))
            records, _ = self._subset(sel)
            by = "_subgroup_level"
            records = records.assign(**{by: [f"{level[s]:06d}" for s in records[self.spec.subject]]})
            # a text covariate nested in the subgroup (the subgroup variable itself, a country within a region)
            # is aliased with the subgroup terms: the subgroup's own terms replace it
            kept = tuple(c for c in self.spec.covariates if not (
                mmrm._is_factor(records[c]) and records.groupby(records[c].astype(str))[by].nunique().max() == 1))
            spec = _with_covariates(self.spec, kept)
            self._tests[key] = {t.arm: t for t in mmrm.interaction_tests(records, spec, by, self.visit)}
        t = self._tests[key].get(group)
        if t is None:
            raise ValueError("the contrasts are not estimable (an arm has no records in a level at some visit)")
        return t.wald / t.df, t.df, t.df_denominator, t.p


def _with_covariates(spec, covariates: tuple[str, ...]):
    return dataclasses.replace(spec, covariates=covariates,
                               covariates_by_visit=tuple(c for c in spec.covariates_by_visit if c in covariates))


def wilson(k: int, n: int, level: float) -> tuple[float, float]:
    """Wilson score interval of k/n (R: prop.test(k, n, correct = FALSE)$conf.int)."""
    from scipy.special import ndtri

    z = float(ndtri(0.5 + level / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(k1: int, n1: int, k0: int, n0: int, level: float = 0.95) -> tuple[float, float, float]:
    """Risk difference k1/n1 - k0/n0 and Newcombe's hybrid score CI (Newcombe 1998, method 10)."""
    p1, p0 = k1 / n1, k0 / n0
    l1, u1 = wilson(k1, n1, level)
    l0, u0 = wilson(k0, n0, level)
    d = p1 - p0
    return d, d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
