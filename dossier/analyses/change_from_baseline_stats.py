"""Change from baseline of a BDS parameter by visit and arm: descriptive statistics, ANCOVA, responders.

Per visit and arm (subjects with a non-missing CHG): n, baseline mean (BASE), visit mean (AVAL), mean,
SD, t-based CI, median, min and max of the change. With a reference arm and two or more arms, an
ANCOVA per visit (ordinary least squares of CHG on the arm factor plus covariates, BASE by default)
gives LS means (predictions at the observed covariate mix, averaged over the analysed subjects, i.e.
"proportional" weights, SAS OM) and the LS-mean difference of each arm against the reference; an
optional dose-response test replaces the arm factor by a numeric dose variable. Without a reference
arm, each arm's mean change gets its t-based CI and one-sample t-test. With `mcid`, responders
(CHG >= mcid for "increase", CHG <= -mcid for "decrease") get exact Clopper-Pearson CIs.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from dossier import errors
from dossier.analyses import bds, options, subgroup_outputs
from dossier.analyses.change_from_baseline import RECORD_VARIABLES, covariates_of
from dossier.analyses.estimand import estimand_table
from dossier.analyses.model import (
    AnalysisResult,
    Count,
    Curve,
    Figure,
    MeanSD,
    Number,
    PValue,
    Range,
    Row,
    Table,
    Term,
    Text,
)
from dossier.config.spec import Analysis, TrialSpec
from dossier.data import columns as cols
from dossier.data import selection
from dossier.data.datasets import TrialData
from dossier.errors import AnalysisError
from dossier.stats import core as st

MCID_TOLERANCE = bds.MCID_TOLERANCE
WIDE_ARMS = 5


# ------------------------------------------------------------------------------------------ run


def run(analysis: Analysis, trial: TrialSpec, data: TrialData) -> AnalysisResult:
    s = options.setting(analysis, trial)
    name = selection.analysis_dataset(analysis, data)
    notes: list[str] = []
    adsl = data.frame("adsl")
    subjects, arms, w = selection.population_subjects(analysis, adsl, s)
    notes += w

    covariates = covariates_of(analysis)
    dose = analysis.dose_response.upper() if analysis.dose_response else None
    records = selection.population_records(data.frame(name), analysis, name, s, subjects, RECORD_VARIABLES,
                                    ("AVAL", "BASE", "CHG"), read=["PARAM", "AVISITN", "ABLFL", *covariates,
                                                                   *([dose] if dose else [])])
    if pd.api.types.is_numeric_dtype(records["AVISIT"]):  # e.g. a CSV with visit numbers as AVISIT
        records = records.assign(AVISIT=records["AVISIT"].map(_visit_text))
    param_label = selection.param_label(records, analysis)
    decimals = st.recorded_decimals(records["AVAL"])
    visits = _visits(records, analysis, name)
    records = records[cols.text_in(records["AVISIT"], visits)]
    _check_one_record(records, analysis, name)

    records = selection.attach_subject_variables(records, [*covariates, *([dose] if dose else [])], adsl, analysis, name)
    if dose and not pd.api.types.is_numeric_dtype(records[dose]):
        raise AnalysisError(f"analysis {analysis.id!r}: dose_response variable {dose} must be numeric "
                            f"(e.g. TRTPN or TRT01PN)", where=f"dataset {name}")

    analysed = records[records["CHG"].notna()]
    summary = _summaries(analysed, s.arm, s.confidence)
    comparable = s.reference in arms and len(arms) >= 2
    if s.reference is not None and s.reference not in arms:
        notes.append(f"analysis {analysis.id!r}: reference arm {s.reference!r} is not among the arms of {s.arm} "
                     f"({', '.join(arms)}); ANCOVA comparisons were skipped")

    visit_evidence: dict[str, dict] = {}
    for visit in visits:
        at_visit = analysed[analysed["AVISIT"] == visit]
        model: dict = {"lsmeans": {}, "comparisons": [], "dose_response": None}
        if comparable:
            model = _ancova(at_visit, s.arm, arms, s.reference, covariates, s.confidence, analysis, visit, notes)
        if dose and at_visit[s.arm].nunique() >= 2:
            model["dose_response"] = _dose_response(at_visit, dose, covariates, analysis, visit, notes)
        groups = {arm: _group_evidence(summary, visit, arm, model["lsmeans"].get(arm)) for arm in arms}
        entry: dict = {"groups": groups, "comparisons": model["comparisons"]}
        if model["dose_response"] is not None:
            entry["dose_response"] = model["dose_response"]
        visit_evidence[visit] = entry

    evidence: dict = {"param": analysis.param, "visits": visit_evidence}
    responders = None
    if analysis.mcid is not None:
        responders = bds.responders(analysed, visits, arms, s.arm, analysis.mcid, analysis.improvement, s.confidence)
        evidence["responders"] = responders
    evidence["mcid"] = analysis.mcid
    evidence["improvement"] = analysis.improvement
    evidence["covariates"] = list(covariates)

    arm_n = subjects.groupby(s.arm).size().to_dict()
    level = st.level_percent(s.confidence)
    title = Text(analysis.title) if analysis.title else Term("cfb_title", (("param", Text(param_label, "PARAM")),))
    tables = [_main_table(analysis, title, visits, arms, arm_n, visit_evidence, decimals, level, comparable,
                          covariates, s.reference, dose)]
    if responders is not None:
        tables.append(_responders_table(analysis, param_label, visits, arms, arm_n, responders, level))
    figure = _profile(analysis, title, records, visits, arms, visit_evidence, level)
    estimand = estimand_table(analysis)
    if estimand is not None:
        tables.insert(0, estimand)
    result = AnalysisResult(
        id=analysis.id, type=analysis.type, title=title, population=s.population, arm=s.arm,
        datasets=("adsl", name), filters=s.where,
        method=Term("method_change_from_baseline", (("level", level),
                                                    ("covariates", tuple(covariates) or "-"))),
        evidence=evidence, tables=tuple(tables), figures=(figure,), warnings=tuple(notes), groups=arms)
    return _with_subgroups(result, analysis, trial, analysed, visits, arms, s, covariates, title, adsl, name) \
        if comparable and analysis.subgroups else result


def _with_subgroups(result, analysis, trial, analysed, visits, arms, s, covariates, title, adsl, name):
    """`subgroups:` at the primary visit: LS-mean differences (with the Japanese consistency) and, with `mcid`,
    responders' risk differences (dossier.analyses.subgroup_outputs)."""
    visit = analysis.primary_visit or visits[-1]
    at = analysed[analysed["AVISIT"] == visit].reset_index(drop=True)
    common_args = {"arm": s.arm, "arms": arms, "reference": s.reference, "confidence": s.confidence,
                       "improvement": analysis.improvement, "adsl": adsl, "dataset": name}
    result = subgroup_outputs.outputs(analysis, trial, at, effect="lsmean_difference", title=title, key=analysis.id,
                                      outcome="CHG", covariates=covariates, **common_args).merged_into(result)
    result = replace(result, evidence={**result.evidence, "primary_visit": visit})
    if analysis.mcid is None:
        return result
    tol = MCID_TOLERANCE * max(1.0, abs(analysis.mcid))
    hit = at["CHG"] >= analysis.mcid - tol if analysis.improvement == "increase" else at["CHG"] <= -analysis.mcid + tol
    responders = subgroup_outputs.outputs(analysis, trial, at.assign(RESPONDER=hit.astype(float)),
                                          effect="risk_difference", title=Term("sg_responder_title", (("title", title),)),
                                          key=f"{analysis.id}-responders", japan=False, response="RESPONDER",
                                          **common_args)
    return responders.merged_into(result, "responder_subgroups")


# ------------------------------------------------------------------------------------------ records



_visit_text = bds.visit_text  # the by-visit helpers shared with mmrm and the BDS safety types
_natural_key = bds.natural_key
_visit_order = bds.visit_order


def _visits(records: pd.DataFrame, analysis: Analysis, dataset: str) -> list[str]:
    named = ~cols.text_in(records["AVISIT"], [""])
    if analysis.visits:
        known = cols.text_set(records["AVISIT"][named])
        missing = [v for v in analysis.visits if v not in known]
        if missing:
            raise AnalysisError(f"analysis {analysis.id!r}: {dataset} has no AVISIT = {errors.listing(map(str, missing), errors.ANALYSIS_LISTED)} records "
                                f"with PARAMCD = {analysis.param!r} in the population (visits: "
                                f"{errors.listing(map(str, _visit_order(records[named])), errors.ANALYSIS_LISTED)})", where=f"dataset {dataset}")
        return list(dict.fromkeys(analysis.visits))
    if "AVISITN" in records.columns and pd.api.types.is_numeric_dtype(records["AVISITN"]):
        post = named & (records["AVISITN"] > 0).to_numpy()
    elif "ABLFL" in records.columns:
        post = named & ~cols.text_in(records["ABLFL"], ["Y"])
    else:
        post = named
    post = records.loc[post, [c for c in ("AVISIT", "AVISITN") if c in records.columns]]
    if post.empty:
        raise AnalysisError(f"analysis {analysis.id!r}: {dataset} has no post-baseline AVISIT with PARAMCD = "
                            f"{analysis.param!r} (AVISITN > 0 or ABLFL != 'Y'); name the visits with 'visits:'",
                            where=f"dataset {dataset}")
    return _visit_order(post)


def _check_one_record(records: pd.DataFrame, analysis: Analysis, dataset: str) -> None:
    dup = records.duplicated(["USUBJID", "AVISIT"], keep=False)
    if dup.any():
        first = records[dup].iloc[0]
        subjects = records.loc[dup, "USUBJID"].nunique()
        raise AnalysisError(
            f"analysis {analysis.id!r}: {dataset} has more than one PARAMCD = {analysis.param!r} record per subject "
            f"and AVISIT for {subjects} subject(s) (e.g. USUBJID {first['USUBJID']!r} at {first['AVISIT']!r}); "
            f"select one record per visit with a filter such as where: {{ANL01FL: Y}}", where=f"dataset {dataset}")


# ------------------------------------------------------------------------------------------ statistics


def _summaries(analysed: pd.DataFrame, arm: str, level: float) -> pd.DataFrame:
    """One row per (AVISIT, arm) with the descriptive statistics of subjects with a non-missing CHG."""
    grouped = analysed.groupby(["AVISIT", arm], sort=False, observed=True)
    out = grouped.agg(
        n=("CHG", "size"), baseline_mean=("BASE", "mean"), baseline_sd=("BASE", "std"),
        mean=("AVAL", "mean"), sd=("AVAL", "std"), mean_change=("CHG", "mean"), sd_change=("CHG", "std"),
        median_change=("CHG", "median"), min_change=("CHG", "min"), max_change=("CHG", "max"))
    low, high = st.t_interval(out["mean_change"], out["sd_change"], out["n"], level)
    out["ci_low"], out["ci_high"] = low, high
    out["p_within"] = st.one_sample_t_p(out["mean_change"], out["sd_change"], out["n"])
    return out


def _group_evidence(summary: pd.DataFrame, visit: str, arm: str, lsmean: tuple | None) -> dict:
    key = (visit, arm)
    if key not in summary.index:
        row = None
    else:
        row = summary.loc[key]
    f = st.finite_or_none

    def get(column: str) -> float | None:
        return None if row is None else f(row[column])

    return {
        "n": 0 if row is None else int(row["n"]),
        "baseline_mean": get("baseline_mean"), "baseline_sd": get("baseline_sd"),
        "mean": get("mean"), "sd": get("sd"),
        "mean_change": get("mean_change"), "sd_change": get("sd_change"),
        "change_ci": [get("ci_low"), get("ci_high")],
        "median_change": get("median_change"), "min_change": get("min_change"), "max_change": get("max_change"),
        "lsmean": f(lsmean[0]) if lsmean else None, "lsmean_se": f(lsmean[1]) if lsmean else None,
        "p_within": get("p_within"),
    }


def _design(frame: pd.DataFrame, leading: list[tuple[str, np.ndarray]], covariates: tuple[str, ...]
            ) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Complete-case design columns (no intercept): `leading` columns, then covariates (character ones as
    treatment-coded factors, first level in sort order as the base). Returns X, column names, row mask."""
    keep = np.ones(len(frame), dtype=bool)
    for cov in covariates:
        keep &= ~cols.is_missing(frame[cov]).to_numpy()
    columns: list[np.ndarray] = []
    names: list[str] = []
    for label, values in leading:
        columns.append(np.asarray(values, dtype=float)[keep])
        names.append(label)
    for cov in covariates:
        values = frame[cov][keep]
        if pd.api.types.is_numeric_dtype(values):
            columns.append(values.to_numpy(dtype=float))
            names.append(cov)
        else:
            codes, levels = pd.factorize(cols.as_str(values), sort=True)
            if len(levels) > 1:
                columns.append((codes[:, None] == np.arange(1, len(levels))).astype(float))
                names.extend(f"{cov}={level}" for level in levels[1:])
    X = np.column_stack(columns) if columns else np.empty((int(keep.sum()), 0))
    return X, names, keep


def _ancova(at_visit: pd.DataFrame, arm: str, arms: tuple[str, ...], reference: str, covariates: tuple[str, ...],
            level: float, analysis: Analysis, visit: str, notes: list[str]) -> dict:
    """ANCOVA of CHG on arm + covariates at one visit: LS means and differences vs the reference."""
    empty: dict = {"lsmeans": {}, "comparisons": [], "dose_response": None}
    keep = np.ones(len(at_visit), dtype=bool)
    for cov in covariates:
        keep &= ~cols.is_missing(at_visit[cov]).to_numpy()
    excluded = int((~keep).sum())
    if excluded:
        notes.append(f"analysis {analysis.id!r}: {visit}: {excluded} subject(s) with a missing covariate "
                     f"({', '.join(covariates)}) were left out of the ANCOVA")
    complete = at_visit[keep]
    present = [a for a in arms if (complete[arm] == a).any()]
    if reference not in present or len(present) < 2:
        notes.append(f"analysis {analysis.id!r}: {visit}: ANCOVA not done (needs the reference arm "
                     f"{reference!r} and at least one other arm with data)")
        return empty
    others = [a for a in present if a != reference]
    X, names, _ = _design(complete, [(a, (complete[arm] == a).to_numpy()) for a in others], covariates)
    fit = st.least_squares(X, names, complete["CHG"].to_numpy(dtype=float), protected=len(others))
    if fit is None:
        notes.append(f"analysis {analysis.id!r}: {visit}: too few subjects for the ANCOVA "
                     f"({len(complete)} subjects, {X.shape[1] + 1} parameters)")
        return empty
    if fit.dropped:
        notes.append(f"analysis {analysis.id!r}: {visit}: covariate term(s) {', '.join(fit.dropped)} are constant or "
                     f"collinear in the ANCOVA and were dropped")
    q = st.t_quantile(0.5 + level / 2, fit.df)
    arm_cols = [fit.names.index(a) for a in others]
    lsmeans: dict[str, tuple[float, float]] = {}
    for a in present:  # predictions with every analysed subject set to arm `a`, averaged
        x = fit.x_mean.copy()
        x[arm_cols] = 0.0
        if a != reference:
            x[fit.names.index(a)] = 1.0
        lsmeans[a] = fit.predict(x)
    comparisons = []
    for a in others:
        diff, se = fit.coefficient(a)
        p = 2 * st.t_sf(abs(diff / se), fit.df) if se > 0 else np.nan
        comparisons.append({"group": a, "reference": reference, "difference": st.finite_or_none(diff),
                            "se": st.finite_or_none(se),
                            "ci": st.floats([diff - q * se, diff + q * se]), "p": st.finite_or_none(p)})
    return {"lsmeans": lsmeans, "comparisons": comparisons, "dose_response": None}


def _dose_response(at_visit: pd.DataFrame, dose: str, covariates: tuple[str, ...], analysis: Analysis, visit: str,
                   notes: list[str]) -> dict | None:
    """Test of a linear trend in CHG with the numeric dose (in place of the arm factor), adjusted for covariates."""
    frame = at_visit[at_visit[dose].notna()]
    X, names, keep = _design(frame, [(dose, frame[dose].to_numpy())], covariates)
    varies = len(X) > 0 and np.ptp(X[:, 0]) > 0
    fit = st.least_squares(X, names, frame["CHG"].to_numpy(dtype=float)[keep], protected=1) if varies else None
    if fit is None:
        notes.append(f"analysis {analysis.id!r}: {visit}: dose-response test not done (too few subjects or "
                     f"{dose} takes one value)")
        return None
    slope, se = fit.coefficient(dose)
    p = 2 * st.t_sf(abs(slope / se), fit.df) if se > 0 else np.nan
    return {"variable": dose, "slope": st.finite_or_none(slope), "p": st.finite_or_none(p)}


# ------------------------------------------------------------------------------------------ tables, figure


def _header(arms: tuple[str, ...], arm_n: dict) -> tuple:
    return (Term("cfb_visit_statistic"),
            *(Term("cfb_arm_n", (("arm", a), ("n", int(arm_n.get(a, 0))))) for a in arms))


def _main_table(analysis: Analysis, title, visits, arms, arm_n, evidence, d: int, level, comparable: bool,
                covariates, reference, dose) -> Table:
    rows: list[Row] = []
    k = len(arms)
    for visit in visits:
        groups = evidence[visit]["groups"]
        g = [groups[a] for a in arms]
        rows.append(Row((Text(visit, "AVISIT"), *([None] * k)), emphasis=True))
        rows.append(Row((Term("cfb_n"), *(Count(x["n"]) for x in g)), level=1))
        rows.append(Row((Term("cfb_baseline_mean_sd"),
                         *(MeanSD(x["baseline_mean"], x["baseline_sd"], d + 1) for x in g)), level=1))
        rows.append(Row((Term("cfb_visit_mean_sd"), *(MeanSD(x["mean"], x["sd"], d + 1) for x in g)), level=1))
        rows.append(Row((Term("cfb_change_mean_sd"),
                         *(MeanSD(x["mean_change"], x["sd_change"], d + 1) for x in g)), level=1))
        rows.append(Row((Term("cfb_change_ci", (("level", level),)),
                         *(Range(*x["change_ci"], d + 1) for x in g)), level=1))
        rows.append(Row((Term("cfb_change_median"), *(Number(x["median_change"], d + 1) for x in g)), level=1))
        rows.append(Row((Term("cfb_change_min_max"), *(Range(x["min_change"], x["max_change"], d) for x in g)),
                        level=1))
        comparisons = {c["group"]: c for c in evidence[visit]["comparisons"]}
        if comparisons:
            rows.append(Row((Term("cfb_lsmean_se"), *(MeanSD(x["lsmean"], x["lsmean_se"], d + 1) for x in g)),
                            level=1))
            ref_cell = Term("cfb_reference")
            cells_diff, cells_ci, cells_p = [], [], []
            for a in arms:
                c = comparisons.get(a)
                if a == reference:
                    cells_diff.append(ref_cell)
                    cells_ci.append(None)
                    cells_p.append(None)
                elif c is None:
                    cells_diff.append(None)
                    cells_ci.append(None)
                    cells_p.append(None)
                else:
                    cells_diff.append(MeanSD(c["difference"], c["se"], d + 1))
                    cells_ci.append(Range(*c["ci"], d + 1))
                    cells_p.append(PValue(c["p"]))
            rows.append(Row((Term("cfb_difference_se", (("reference", reference),)), *cells_diff), level=1))
            rows.append(Row((Term("cfb_difference_ci", (("level", level),)), *cells_ci), level=1))
            rows.append(Row((Term("cfb_p_ancova"), *cells_p), level=1))
        else:
            rows.append(Row((Term("cfb_p_within"), *(PValue(x["p_within"]) for x in g)), level=1))
        dr = evidence[visit].get("dose_response")
        if dr is not None:
            rows.append(Row((Term("cfb_p_dose_response", (("variable", dr["variable"]),)),
                             *([None] * (k - 1)), PValue(dr["p"])), level=1))
    footnotes = [Term("cfb_footnote_n")]
    if comparable:
        footnotes.append(Term("cfb_footnote_ancova", (("covariates", tuple(covariates) or "-"),
                                                      ("reference", reference))))
    else:
        footnotes.append(Term("cfb_footnote_within"))
    if dose:
        footnotes.append(Term("cfb_footnote_dose", (("variable", dose),)))
    return Table(key=analysis.id, title=title, columns=_header(arms, arm_n), rows=tuple(rows),
                 footnotes=tuple(footnotes), wide=k > WIDE_ARMS)


def _responders_table(analysis: Analysis, param_label: str, visits, arms, arm_n, responders, level) -> Table:
    title = (Term("cfb_responders_title_of", (("title", Text(analysis.title)),)) if analysis.title
             else Term("cfb_responders_title", (("param", Text(param_label, "PARAM")),)))
    return bds.responders_table(analysis, "cfb", title, _header(arms, arm_n), visits, arms, responders, level)


def _profile(analysis: Analysis, title, records: pd.DataFrame, visits, arms, evidence, level) -> Figure:
    positions = [float(i + 1) for i in range(len(visits))]
    if "AVISITN" in records.columns and pd.api.types.is_numeric_dtype(records["AVISITN"]):
        codes = records.groupby("AVISIT", observed=True)["AVISITN"].agg(["min", "max"])
        candidate = [codes.loc[v, "min"] if v in codes.index and codes.loc[v, "min"] == codes.loc[v, "max"]
                     else np.nan for v in visits]
        if all(np.isfinite(candidate)) and len(set(candidate)) == len(candidate) and candidate == sorted(candidate):
            positions = [float(c) for c in candidate]
    curves = []
    for a in arms:
        g = [evidence[v]["groups"][a] for v in visits]
        curves.append(Curve(label=a, x=tuple(positions), y=tuple(x["mean_change"] for x in g),
                            low=tuple(x["change_ci"][0] for x in g), high=tuple(x["change_ci"][1] for x in g)))
    return Figure(key=analysis.id, kind="profile", title=title, x_label=Term("cfb_visit"),
                  y_label=Term("cfb_profile_y", (("level", level),)), curves=tuple(curves),
                  x_ticks=tuple(positions), x_tick_labels=tuple(visits),
                  footnotes=(Term("cfb_profile_footnote", (("level", level),)),))


# ------------------------------------------------------------------------------------------ checks (dossier.data.validate)


def check_parameter(c) -> list:
    """Every visit of `visits` has records of the parameter."""
    from dossier.data.columns import texts as _texts
    from dossier.errors import Problem
    from dossier.errors import listing as _examples

    if not (c.analysis.visits and "AVISIT" in c.readable):
        return []
    known = _texts(c.frame["AVISIT"][c.rows])
    visits = c.frame.loc[c.rows, [v for v in ("AVISIT", "AVISITN") if v in c.readable]]
    return [Problem(c.where(c.name, "AVISIT"), f"no {c.analysis.param} records at visit {visit!r} {c.tag}; visits "
                    f"are {_examples(_visit_order(visits))}") for visit in c.analysis.visits if visit not in known]


def check_records(c, records, clean: bool) -> tuple[list, list[str]]:
    """One record per subject and visit; analysed records outside their visit's analysis window (a warning)."""
    from dossier.data.columns import text_column as _text_column
    from dossier.data.columns import text_is as _text_is
    from dossier.errors import Problem
    from dossier.errors import row_list as _rows

    if "AVISIT" not in c.readable:
        return [], []
    analysis = c.analysis
    at_visits = _text_is(c.frame["AVISIT"], analysis.visits) if analysis.visits else _post_baseline(c.frame, c.readable)
    analysed = records(c.rows & at_visits, ("USUBJID", "AVISIT", "CHG", "DTYPE", "ADY", "AWLO", "AWHI"))
    analysed = analysed.assign(_VISIT=_text_column(analysed["AVISIT"]))
    problems = []
    dup = analysed.index[analysed.duplicated(["USUBJID", "_VISIT"], keep=False)]
    if len(dup):
        first = analysed.loc[dup[0]]
        same = analysed.index[(analysed["USUBJID"] == first["USUBJID"]) & (analysed["_VISIT"] == first["_VISIT"])]
        problems.append(Problem(c.where(c.name, "AVISIT"), f"more than one record with PARAMCD = {analysis.param!r} "
                                f"per subject and visit for {analysed.loc[dup, 'USUBJID'].nunique()} subject(s), "
                                f"e.g. {first['USUBJID']!r} at {first['_VISIT']} ({_rows(same)}) {c.tag}; select "
                                "one record per visit with a 'where' filter such as ANL01FL: Y"))
    return problems, _window_warnings(analysis, analysed, c.name, c.tag, c.where)


def _post_baseline(frame: pd.DataFrame, readable: set[str]) -> np.ndarray:
    """True for the records of a named post-baseline visit: AVISITN > 0, else ABLFL not Y."""
    from dossier.data.columns import text_is as _text_is

    named = ~_text_is(frame["AVISIT"], [""])
    if "AVISITN" in readable and pd.api.types.is_numeric_dtype(frame["AVISITN"]):
        return named & (frame["AVISITN"] > 0).to_numpy()
    if "ABLFL" in readable:
        return named & ~cols.text_in(frame["ABLFL"], ["Y"])
    return named


def _window_warnings(analysis: Analysis, analysed: pd.DataFrame, name: str, tag: str, where) -> list[str]:
    """Analysed records whose study day ADY lies outside their visit's analysis window [AWLO, AWHI]."""
    from dossier.data.columns import text_is as _text_is
    from dossier.errors import row_list as _rows

    columns = ("ADY", "AWLO", "AWHI")
    if not all(c in analysed.columns and pd.api.types.is_numeric_dtype(analysed[c]) for c in columns):
        return []
    if "CHG" in analysed.columns:
        analysed = analysed[analysed["CHG"].notna()]
    if "DTYPE" in analysed.columns:  # derived records (LOCF ...) keep the study day of the record they copy
        analysed = analysed[_text_is(analysed["DTYPE"], [""])]
    day, low, high = (analysed[c] for c in columns)
    outside = analysed.index[(day < low) | (day > high)]  # a missing bound is an open window
    if not len(outside):
        return []
    r = analysed.loc[outside[0]]
    bounds = "..".join("" if pd.isna(r[c]) else f"{r[c]:g}" for c in ("AWLO", "AWHI"))
    return [(f"{where(name, 'ADY')}: {len(outside)} analysed {analysis.param} record(s) lie outside their visit's "
             f"analysis window AWLO..AWHI, e.g. {_rows(outside[:1])} ({r['_VISIT']}, ADY {r['ADY']:g} not in "
             f"{bounds}) {tag}; they are analysed as recorded")]
