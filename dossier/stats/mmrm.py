"""Mixed model for repeated measures (MMRM): LS means by arm and visit and differences from a reference arm.

Method (for the Appendix B text). The response at each post-baseline visit is modelled with fixed effects
for arm, visit, the arm-by-visit interaction and the covariates (a covariate named in
`covariates_by_visit` also gets a covariate-by-visit interaction); text covariates are factors. Records
share one covariance matrix per subject over the visits, `unstructured` by default (also `toeplitz`, `ar1`,
`compound_symmetry` and their `_heterogeneous` variants with one variance per visit), estimated by
restricted maximum likelihood (REML); subjects contribute every visit they were observed at, so the model
is valid when data are missing at random. If the chosen structure does not converge, the structures in
`fallback` are tried in order and the one used is reported. Least-squares (LS) means per arm and visit
are computed as SAS PROC MIXED's LSMEANS statement does by default: each factor covariate is averaged
with equal weights over its levels, and each numeric covariate is set to its mean over the records used
in the analysis (a baseline value therefore counts once per analysed visit of its subject; this is SAS's
default, SAS/STAT User's Guide "Construction of Least Squares Means" and "Setting Covariate Values";
emmeans' default too; a covariate x visit term gets the overall mean times the visit). The difference
of each arm from the reference arm at each visit is given with its standard error, a t-based confidence
interval and two-sided p-value, on Satterthwaite degrees of freedom (as SAS `ddfm=satterthwaite`) or,
with `df="kenward_roger"`, on Kenward-Roger degrees of freedom with the Kenward-Roger adjusted standard
error (as SAS `ddfm=kr`).
Records with a missing response or covariate are not used (their counts are returned).

`fit(frame, spec)` takes a long frame (one row per subject and visit) and an `MmrmSpec`, returns an
`MmrmResult`, and raises `MmrmError` (one line) on bad input or when no structure converges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.special import fdtrc, stdtr, stdtrit  # not scipy.stats: `dossier check` stays light

from dossier.stats import covariance, reml
from dossier.stats.kenward_roger import kenward_roger

DF_METHODS = ("satterthwaite", "kenward_roger")


class MmrmError(ValueError):
    """Bad input for the MMRM, or no covariance structure converged; the message is one line."""


@dataclass(frozen=True)
class MmrmSpec:
    """What to fit. Column names of the long frame, and the model's options."""

    response: str
    subject: str
    arm: str
    reference: str
    visit: str
    visits: tuple[str, ...] = ()  # visit order; empty: the column's categorical order, else natural order
    covariates: tuple[str, ...] = ()
    covariates_by_visit: tuple[str, ...] = ()
    covariance: str = "unstructured"
    fallback: tuple[str, ...] = ()
    df: str = "satterthwaite"
    confidence_level: float = 0.95
    max_iterations: int = 200


@dataclass(frozen=True)
class LsMean:
    arm: str
    visit: str
    n: int  # subjects with a record used at this visit
    estimate: float
    se: float
    df: float
    ci_lower: float
    ci_upper: float


@dataclass(frozen=True)
class Difference:
    arm: str
    reference: str
    visit: str
    estimate: float
    se: float
    df: float
    ci_lower: float
    ci_upper: float
    p: float


@dataclass(frozen=True)
class MmrmResult:
    covariance: str  # the structure used
    tried: tuple[str, ...]  # structures tried, in order, the last one being `covariance`
    converged: bool
    iterations: int
    reml_neg2loglik: float
    n_subjects: int
    n_records: int
    n_missing_response: int  # records dropped for a missing response
    n_missing_covariates: int  # records dropped for a missing covariate (response present)
    df_method: str
    confidence_level: float
    arms: tuple[str, ...]
    visits: tuple[str, ...]
    lsmeans: tuple[LsMean, ...]
    differences: tuple[Difference, ...]
    covariance_matrix: tuple[tuple[float, ...], ...] = field(repr=False)
    coefficients: tuple[tuple[str, float], ...] = field(repr=False)


def fit(frame: pd.DataFrame, spec: MmrmSpec) -> MmrmResult:
    """Fit the MMRM described by `spec` to `frame`; see the module docstring."""
    _check_spec(spec, frame)
    data, n_missing_response, n_missing_covariates = _analysis_set(frame, spec)
    arms, visits = _levels(data, spec, _order(frame[spec.visit]), _order(frame[spec.arm]))
    design, y, X, subject, visit = _prepared(data, spec, arms, visits)
    tried, fitted = _fit_first_converging(y, X, subject, visit, len(visits), spec)
    kr = kenward_roger(fitted, reml.make_patterns(y, X, subject, visit)) if spec.df == "kenward_roger" else None

    def inference(contrast):
        if kr is None:
            variance, df = reml.satterthwaite(fitted, contrast)
        else:
            variance, df = kr.contrast(contrast)
        estimate = float(contrast @ fitted.beta)
        se = float(np.sqrt(variance))
        half = float(stdtrit(df, 0.5 + spec.confidence_level / 2)) * se
        return estimate, se, df, estimate - half, estimate + half, float(2 * stdtr(df, -abs(estimate / se)))

    counts = data.groupby([spec.arm, spec.visit], observed=True).size()
    lsmeans, differences = [], []
    for v in visits:
        for a in arms:
            est, se, df, lo, hi, _p = inference(design.lsmean_row(a, v))
            lsmeans.append(LsMean(a, v, int(counts.get((a, v), 0)), est, se, df, lo, hi))
        for a in arms[1:]:
            diff = design.lsmean_row(a, v) - design.lsmean_row(arms[0], v)
            differences.append(Difference(a, arms[0], v, *inference(diff)))
    return MmrmResult(
        covariance=fitted.structure, tried=tried, converged=True, iterations=fitted.iterations,
        reml_neg2loglik=fitted.neg2_reml, n_subjects=fitted.n_subjects, n_records=fitted.n_records,
        n_missing_response=n_missing_response, n_missing_covariates=n_missing_covariates,
        df_method=spec.df, confidence_level=spec.confidence_level, arms=arms, visits=visits,
        lsmeans=tuple(lsmeans), differences=tuple(differences),
        covariance_matrix=tuple(tuple(float(x) for x in row) for row in fitted.sigma),
        coefficients=tuple(zip(design.names, (float(b) for b in fitted.beta))),
    )


@dataclass(frozen=True)
class InteractionTest:
    """The arm x `by` interaction of one arm vs the reference at one visit: F = Wald / df, Satterthwaite df."""

    arm: str
    reference: str
    visit: str
    levels: tuple[str, ...]  # the levels of `by` in the model, the first being the base
    wald: float
    df: int
    df_denominator: float
    p: float


def interaction_tests(frame: pd.DataFrame, spec: MmrmSpec, by: str, visit: str) -> tuple[InteractionTest, ...]:
    """Test whether the difference from the reference arm at `visit` changes with the levels of the factor `by`.

    The MMRM of `spec` gains the fixed effects `by`, `by` x visit, arm x `by` and arm x `by` x visit (so each
    level has its own arm-by-visit profile; `by` leaves the covariates if it is one of them). For each arm,
    the contrasts "difference at `visit` in level l minus the difference in the first level" (l = 2..L) are
    tested jointly: Wald statistic W = b'(L C L')^-1 b, F = W / (L - 1) on L - 1 and a Satterthwaite
    denominator df (one contrast: its Satterthwaite df, so F = t^2; several: Fai and Cornelius's (1996)
    combination of the df of the orthogonalised contrasts, as SAS PROC MIXED's ddfm=satterthwaite and R's
    lmerTest do). Empty cells (an arm without records in a level at a visit) make columns aliased: those are
    dropped in order (the last of the dependent columns, as R's lm does), and an arm whose contrasts are then
    not estimable gets no test. MmrmError when the model cannot be fitted.
    """
    covariates = tuple(c for c in spec.covariates if c != by)
    spec = replace(spec, covariates=covariates,
                   covariates_by_visit=tuple(c for c in spec.covariates_by_visit if c in covariates))
    _check_spec(spec, frame)
    if by not in frame.columns:
        raise MmrmError(f"column(s) not in the data: {by}")
    if frame[by].isna().any():
        raise MmrmError(f"missing {by} in some records")
    data, _, _ = _analysis_set(frame, spec)
    arms, visits = _levels(data, spec, _order(frame[spec.visit]), _order(frame[spec.arm]))
    if visit not in visits:
        raise MmrmError(f"no record at visit {visit}")
    levels = tuple(_order(data[by].astype(str)))
    if len(levels) < 2:
        raise MmrmError(f"{by} has fewer than 2 levels")
    design, y, X, subject, codes = _prepared(data.assign(**{by: data[by].astype(str)}), spec, arms, visits,
                                             by=(by, levels), strict=False)
    keep = _independent_columns(X)
    _, fitted = _fit_first_converging(y, X[:, keep], subject, codes, len(visits), spec)
    _, singular, vt = np.linalg.svd(X, full_matrices=False)
    rows = vt[singular > singular[0] * 1e-10]
    out = []
    for a in arms[1:]:
        L = np.array([design.lsmean_row(a, visit, lvl) - design.lsmean_row(arms[0], visit, lvl)
                      - design.lsmean_row(a, visit, levels[0]) + design.lsmean_row(arms[0], visit, levels[0])
                      for lvl in levels[1:]])
        if np.abs(L - (L @ rows.T) @ rows).max() > 1e-8 * max(1.0, np.abs(L).max()):
            continue  # not estimable: an arm without records in some level and visit
        L = L[:, keep]  # an estimable function is the same with the aliased coefficients set to 0
        b = L @ fitted.beta
        V = L @ fitted.beta_cov @ L.T
        wald = float(b @ np.linalg.solve(V, b))
        q = len(levels) - 1
        ddf = _fai_cornelius(fitted, L, V)
        out.append(InteractionTest(a, arms[0], visit, levels, wald, q, ddf, float(fdtrc(q, ddf, wald / q))))
    return tuple(out)


def _fai_cornelius(fitted: reml.RemlFit, L: np.ndarray, V: np.ndarray) -> float:
    """The denominator df of a multi-df F test: the Satterthwaite df nu_m of each contrast of P'L (V = P D P'),
    E = sum nu_m / (nu_m - 2), df = 2E / (E - q); 2 when a nu_m <= 2 (lmerTest's rule); one contrast: its df."""
    _, vectors = np.linalg.eigh(V)
    nu = np.array([reml.satterthwaite(fitted, row)[1] for row in vectors.T @ L])
    if len(nu) == 1 or np.allclose(nu, nu.mean(), rtol=0, atol=1e-8):
        return float(nu.mean())
    if (nu <= 2).any():
        return 2.0
    e = float(np.sum(nu / (nu - 2)))
    return 2 * e / (e - len(nu))


def _independent_columns(X: np.ndarray) -> np.ndarray:
    """Indices of the columns of X that are not linear combinations of the columns before them."""
    scale = np.linalg.norm(X, axis=0)
    scale[scale == 0] = 1.0
    Z = X / scale
    basis = np.empty((X.shape[0], 0))
    keep = []
    for j in range(X.shape[1]):
        z = Z[:, j] - basis @ (basis.T @ Z[:, j])
        norm = float(np.linalg.norm(z))
        if norm > 1e-9:
            basis = np.column_stack([basis, z / norm])
            keep.append(j)
    return np.array(keep, dtype=np.intp)


def _prepared(data: pd.DataFrame, spec: MmrmSpec, arms, visits, by: tuple[str, tuple[str, ...]] | None = None,
              strict: bool = True):
    """The design (checked), response, design matrix, subject and visit codes of the analysis set; with
    `strict`, aliased columns are an error."""
    factors = {c: sorted(data[c].astype(str).unique()) for c in spec.covariates if _is_factor(data[c])}
    _check_data(data, spec, arms, visits, factors)
    design = _Design(spec, arms, visits, factors, {c: float(data[c].mean()) for c in spec.covariates
                                                    if c not in factors}, by)
    X = design.matrix(data)
    if strict:
        _check_rank(X, design.names)
    y = data[spec.response].to_numpy(dtype=float)
    subject = pd.factorize(data[spec.subject], sort=True)[0]
    visit = pd.Categorical(data[spec.visit].astype(str), categories=visits).codes.astype(np.int64)
    return design, y, X, subject, visit


def _fit_first_converging(y, X, subject, visit, t, spec):
    tried = []
    for structure in dict.fromkeys((spec.covariance, *spec.fallback)):
        tried.append(structure)
        residual = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
        variances = np.array([np.mean(residual[visit == j] ** 2) for j in range(t)])
        start = covariance.start(structure, t, variances)
        try:
            return tuple(tried), reml.fit(y, X, subject, visit, t, structure, start, spec.max_iterations)
        except reml.ConvergenceFailure:
            continue
    raise MmrmError(f"the MMRM did not converge with any covariance structure tried ({', '.join(tried)}; "
                    f"at most {spec.max_iterations} iterations each)")


def _is_factor(column: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column))


def _check_spec(spec: MmrmSpec, frame: pd.DataFrame) -> None:
    for structure in (spec.covariance, *spec.fallback):
        if structure not in covariance.STRUCTURES:
            raise MmrmError(f"unknown covariance structure {structure!r} (one of {', '.join(covariance.STRUCTURES)})")
    if spec.df not in DF_METHODS:
        raise MmrmError(f"unknown df method {spec.df!r} (one of {', '.join(DF_METHODS)})")
    if not 0 < spec.confidence_level < 1:
        raise MmrmError(f"confidence_level must be between 0 and 1, not {spec.confidence_level}")
    for c in spec.covariates_by_visit:
        if c not in spec.covariates:
            raise MmrmError(f"covariates_by_visit names {c!r}, which is not among the covariates")
    needed = (spec.response, spec.subject, spec.arm, spec.visit, *spec.covariates)
    missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
    if missing:
        raise MmrmError(f"column(s) not in the data: {', '.join(missing)}")
    if not pd.api.types.is_numeric_dtype(frame[spec.response]) or pd.api.types.is_bool_dtype(frame[spec.response]):
        raise MmrmError(f"the response {spec.response} is not numeric")


def _analysis_set(frame: pd.DataFrame, spec: MmrmSpec):
    keys = frame[[spec.subject, spec.visit]].astype(str)
    duplicated = keys.duplicated(keep=False)
    if duplicated.any():
        first = keys[duplicated].iloc[0]
        rows = keys.index[(keys[spec.subject] == first[spec.subject]) & (keys[spec.visit] == first[spec.visit])]
        raise MmrmError(f"subject {first[spec.subject]} has {len(rows)} records at visit {first[spec.visit]} "
                        f"(rows {', '.join(str(r) for r in rows)}); the MMRM needs one per subject and visit")
    if frame[[spec.subject, spec.arm, spec.visit]].isna().any().any():
        raise MmrmError(f"missing {spec.subject}, {spec.arm} or {spec.visit} in some records")
    has_response = frame[spec.response].notna()
    complete = has_response & frame[list(spec.covariates)].notna().all(axis=1)
    data = frame.loc[complete].copy()
    for column in (spec.subject, spec.arm, spec.visit):
        data[column] = data[column].astype(str)
    # the order of the rows must not change a digit of the result
    data = data.sort_values([spec.subject, spec.visit], kind="stable", ignore_index=True)
    if data.empty:
        raise MmrmError("no record has both the response and every covariate")
    return data, int((~has_response).sum()), int((has_response & ~complete).sum())


def _order(column: pd.Series) -> list[str]:
    """A column's levels in order: a categorical's own order, else natural order ("Week 8" < "Week 12")."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(c) for c in column.cat.categories]
    values = {str(v) for v in column.dropna().unique()}
    return sorted(values, key=lambda v: [(0, int(part), "") if part.isdigit() else (1, 0, part)
                                         for part in re.split(r"(\d+)", v)])


def _levels(data: pd.DataFrame, spec: MmrmSpec, visit_order: list[str], arm_order: list[str]):
    present = set(data[spec.visit])
    if spec.visits:
        visits = tuple(str(v) for v in spec.visits)
        extra = sorted(present - set(visits))
        if extra:
            raise MmrmError(f"visit(s) {', '.join(extra)} are in the data but not among the visits analysed")
        visits = tuple(v for v in visits if v in present)
    else:
        visits = tuple(v for v in visit_order if v in present)
    if len(visits) < 2:
        raise MmrmError(f"the MMRM needs at least 2 visits with data, found {len(visits)}")
    arms = [a for a in arm_order if a in set(data[spec.arm])]
    if str(spec.reference) not in arms:
        raise MmrmError(f"the reference arm {spec.reference} has no record in the analysis set")
    if len(arms) < 2:
        raise MmrmError("the MMRM needs at least 2 arms with data")
    arms.remove(str(spec.reference))
    return (str(spec.reference), *arms), visits


def _check_data(data, spec, arms, visits, factors) -> None:
    per_subject = data.groupby(spec.subject)[spec.arm].nunique()
    if (per_subject > 1).any():
        raise MmrmError(f"subject {per_subject.index[per_subject > 1][0]} has records in more than one arm")
    counts = data.groupby([spec.arm, spec.visit]).size()
    for v in visits:
        for a in arms:
            if (a, v) not in counts.index:
                raise MmrmError(f"no subject in arm {a} has a record at visit {v}")
    for c in spec.covariates:
        values = data[c].astype(str) if c in factors else data[c]
        if values.nunique() < 2:
            raise MmrmError(f"covariate {c} is constant ({values.iloc[0]}) within the analysis set")


def _check_rank(X: np.ndarray, names: list[str]) -> None:
    scale = np.linalg.norm(X, axis=0)
    scale[scale == 0] = 1.0
    rank = np.linalg.matrix_rank(X / scale)
    if rank < X.shape[1]:
        r = np.linalg.qr(X / scale, mode="r")
        weak = [names[j] for j in range(X.shape[1]) if abs(r[j, j]) < 1e-9 * abs(r[0, 0])]
        raise MmrmError(f"the model's fixed effects are not estimable from these data (aliased: {', '.join(weak)})")


class _Design:
    """Treatment-coded columns: intercept, arm, visit, arm x visit, covariates, covariate x visit; with `by`
    (a factor and its levels) also by, by x visit, arm x by, arm x by x visit."""

    def __init__(self, spec: MmrmSpec, arms, visits, factors: dict, means: dict,
                 by: tuple[str, tuple[str, ...]] | None = None) -> None:
        self.spec, self.arms, self.visits, self.factors, self.means, self.by = spec, arms, visits, factors, means, by
        names = ["(Intercept)", *(f"arm {a}" for a in arms[1:]), *(f"visit {v}" for v in visits[1:])]
        names += [f"arm {a} x visit {v}" for a in arms[1:] for v in visits[1:]]
        for c in spec.covariates:
            block = [f"{c} {lvl}" for lvl in factors[c][1:]] if c in factors else [c]
            names += block
            if c in spec.covariates_by_visit:
                names += [f"{b} x visit {v}" for b in block for v in visits[1:]]
        if by is not None:
            levels = [f"{by[0]} {lvl}" for lvl in by[1][1:]]
            names += levels + [f"{b} x visit {v}" for b in levels for v in visits[1:]]
            names += [f"arm {a} x {b}" for a in arms[1:] for b in levels]
            names += [f"arm {a} x {b} x visit {v}" for a in arms[1:] for b in levels for v in visits[1:]]
        self.names = names

    def _columns(self, arm, visit, covariate_blocks, by=None) -> np.ndarray:
        n = arm.shape[0]

        def cross(a, b):
            return (a[:, :, None] * b[:, None, :]).reshape(n, -1)

        parts = [np.ones((n, 1)), arm, visit, cross(arm, visit)]
        for c, block in zip(self.spec.covariates, covariate_blocks):
            parts.append(block)
            if c in self.spec.covariates_by_visit:
                parts.append(cross(block, visit))
        if by is not None:
            arm_by = cross(arm, by)
            parts += [by, cross(by, visit), arm_by, cross(arm_by, visit)]
        return np.hstack(parts)

    def matrix(self, data: pd.DataFrame) -> np.ndarray:
        spec = self.spec
        arm = (data[spec.arm].to_numpy()[:, None] == np.array(self.arms[1:])[None, :]).astype(float)
        visit = (data[spec.visit].to_numpy()[:, None] == np.array(self.visits[1:])[None, :]).astype(float)
        blocks = []
        for c in spec.covariates:
            if c in self.factors:
                values = data[c].astype(str).to_numpy()
                blocks.append((values[:, None] == np.array(self.factors[c][1:])[None, :]).astype(float))
            else:
                blocks.append(data[c].to_numpy(dtype=float)[:, None])
        by = None
        if self.by is not None:
            values = data[self.by[0]].astype(str).to_numpy()
            by = (values[:, None] == np.array(self.by[1][1:])[None, :]).astype(float)
        return self._columns(arm, visit, blocks, by)

    def lsmean_row(self, arm_level: str, visit_level: str, by_level: str | None = None) -> np.ndarray:
        """The design row of an LS mean: factor covariates at equal weights, numeric ones at their mean (and,
        with `by`, in the level `by_level`)."""
        arm = np.array([[float(a == arm_level) for a in self.arms[1:]]]).reshape(1, -1)
        visit = np.array([[float(v == visit_level) for v in self.visits[1:]]]).reshape(1, -1)
        blocks = []
        for c in self.spec.covariates:
            if c in self.factors:
                blocks.append(np.full((1, len(self.factors[c]) - 1), 1.0 / len(self.factors[c])))
            else:
                blocks.append(np.array([[self.means[c]]]))
        by = None
        if self.by is not None:
            by = np.array([[float(b == by_level) for b in self.by[1][1:]]]).reshape(1, -1)
        return self._columns(arm, visit, blocks, by)[0]
