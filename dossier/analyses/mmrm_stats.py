"""The `mmrm` analysis: the analysis set from the trial's datasets, the model (dossier.stats.mmrm), evidence,
the LS-means table and the LS-mean profile figure with the subjects contributing at each visit; with
`subgroups:` the subgroup analyses at the primary visit (dossier.stats.subgroups.mmrm through
dossier.analyses.subgroup_outputs).

The records of PARAMCD = param at the analysed visits (default: every post-baseline visit, AVISITN > 0 or
ABLFL != "Y") of the population's subjects, one per subject and visit; covariates from the records, else
from ADSL. The engine's errors (duplicate records, a visit without subjects in an arm, a constant
covariate, no convergence under any structure tried ...) become one AnalysisError line naming the analysis.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from dossier.analyses import bds, options, subgroup_outputs
from dossier.analyses import change_from_baseline_stats as visits_of
from dossier.analyses.estimand import estimand_table
from dossier.analyses.mmrm import RECORD_VARIABLES, covariates_of
from dossier.analyses.model import (
    AnalysisResult,
    Count,
    Curve,
    Figure,
    MeanSD,
    PValue,
    Range,
    Row,
    Table,
    Term,
    Text,
)
from dossier.analyses.options import subgroup_needs
from dossier.config.spec import Analysis, TrialSpec
from dossier.data import columns as cols
from dossier.data import selection
from dossier.data.datasets import TrialData
from dossier.errors import AnalysisError
from dossier.stats import core as st
from dossier.stats import mmrm as engine

WIDE_ARMS = 5

# the records' checks are those of every by-visit analysis: one record per subject and visit (naming the
# rows), the visits named exist, analysis windows (dossier.data.validate calls them)
check_parameter = visits_of.check_parameter
check_records = visits_of.check_records


def run(analysis: Analysis, trial: TrialSpec, data: TrialData) -> AnalysisResult:
    s = options.setting(analysis, trial)
    level_fraction = analysis.confidence_level or s.confidence
    name = selection.analysis_dataset(analysis, data)
    adsl = data.frame("adsl")
    subjects, arms, notes = selection.population_subjects(analysis, adsl, s)
    where = f"dataset {name}"
    if s.reference is None or s.reference not in arms:
        raise AnalysisError(f"analysis {analysis.id!r}: the MMRM compares arms with the reference arm, and "
                            f"reference_arm {s.reference!r} is not among the arms of {s.arm} ({', '.join(arms)})",
                            where=where)
    covariates = covariates_of(analysis)
    response = analysis.response
    numeric = tuple(dict.fromkeys((response, *(["CHG"] if analysis.mcid is not None else []))))
    records = selection.population_records(data.frame(name), analysis, name, s, subjects, (*RECORD_VARIABLES, response),
                                    numeric, read=["PARAM", "AVISITN", "ABLFL", "CHG", "DTYPE", *covariates,
                                                   *subgroup_needs(analysis, trial)])
    if "DTYPE" in records.columns:  # derived records (LOCF, WOCF ...): the MMRM models the observed ones
        derived = ~cols.text_in(records["DTYPE"], [""]) & ~cols.is_missing(records["DTYPE"]).to_numpy()
        if derived.any():
            notes.append(f"analysis {analysis.id!r}: {int(derived.sum())} derived record(s) (DTYPE not blank, "
                         f"e.g. LOCF) were left out: the MMRM models the observed records")
            records = records[~derived]
    if pd.api.types.is_numeric_dtype(records["AVISIT"]):
        records = records.assign(AVISIT=records["AVISIT"].map(bds.visit_text))
    param_label = selection.param_label(records, analysis)
    decimals = st.recorded_decimals(records[response])
    visits = visits_of._visits(records, analysis, name)
    records = records[cols.text_in(records["AVISIT"], visits)]
    visits_of._check_one_record(records, analysis, name)
    records = selection.attach_subject_variables(records, covariates, adsl, analysis, name)

    frame = pd.DataFrame({
        "USUBJID": cols.as_str(records["USUBJID"]).to_numpy(),
        "_ARM": pd.Categorical(cols.as_str(records[s.arm]).to_numpy(), categories=list(arms)),
        "_VISIT": pd.Categorical(cols.as_str(records["AVISIT"]).to_numpy(), categories=visits),
        "_Y": records[response].to_numpy(dtype=float),
        **{c: _covariate(records[c]) for c in covariates}})
    spec = engine.MmrmSpec(response="_Y", subject="USUBJID", arm="_ARM", reference=s.reference, visit="_VISIT",
                           visits=tuple(visits), covariates=covariates,
                           covariates_by_visit=tuple(c.upper() for c in analysis.covariates_by_visit),
                           covariance=analysis.covariance, fallback=tuple(analysis.fallback), df=analysis.df,
                           confidence_level=level_fraction)
    try:
        fit = engine.fit(frame, spec)
    except engine.MmrmError as exc:
        raise AnalysisError(f"analysis {analysis.id!r}: {exc}", where=where) from None

    model_arms = fit.arms
    if fit.covariance != analysis.covariance:
        notes.append(f"analysis {analysis.id!r}: the {analysis.covariance} covariance did not converge; "
                     f"{fit.covariance} was used (tried {', '.join(fit.tried)})")
    if fit.n_missing_covariates:
        notes.append(f"analysis {analysis.id!r}: {fit.n_missing_covariates} record(s) with a missing covariate "
                     f"({', '.join(covariates)}) were left out of the MMRM")
    evidence = _evidence(analysis, fit, covariates)
    if analysis.mcid is not None:
        evidence["responders"] = bds.responders(records, visits, arms, s.arm, analysis.mcid, analysis.improvement,
                                              level_fraction)
    arm_n = subjects.groupby(s.arm).size().to_dict()
    level = st.level_percent(level_fraction)
    title = Text(analysis.title) if analysis.title else Term("mmrm_title", (("param", Text(param_label, "PARAM")),))
    tables = [_main_table(analysis, title, fit, model_arms, arm_n, evidence["visits"], decimals + 1, level,
                          covariates)]
    if evidence.get("responders") is not None:
        tables.append(_responders_table(analysis, param_label, visits, model_arms, arm_n, evidence["responders"],
                                        level))
    estimand = estimand_table(analysis)
    if estimand is not None:
        tables.insert(0, estimand)
    result = AnalysisResult(
        id=analysis.id, type=analysis.type, title=title, population=s.population, arm=s.arm,
        datasets=("adsl", name), filters=s.where,
        method=Term("method_mmrm", (("level", level), ("covariates", tuple(covariates) or "-"),
                                    ("response", response))),
        evidence=evidence, tables=tuple(tables), figures=(_profile(analysis, title, fit, level),),
        warnings=tuple(notes), groups=model_arms)
    if not analysis.subgroups:
        return result
    return _with_subgroups(result, analysis, trial, records, frame, spec, fit, s, title, adsl, name)


def _with_subgroups(result: AnalysisResult, analysis: Analysis, trial: TrialSpec, records: pd.DataFrame,
                    frame: pd.DataFrame, spec: engine.MmrmSpec, fit: engine.MmrmResult, s, title, adsl, name):
    """`subgroups:` at the primary visit: the MMRM's LS-mean differences per level, the arm x subgroup
    interaction and the Japanese consistency (dossier.stats.subgroups.mmrm, dossier.analyses.subgroup_outputs).
    One row per subject of the model (a record with the response and every covariate) carries the arm and the
    record-level subgroup variables (ADSL's are added by subgroup_outputs)."""
    visit = analysis.primary_visit or fit.visits[-1]
    if visit not in fit.visits:
        raise AnalysisError(f"analysis {analysis.id!r}: primary_visit {visit!r} has no analysed record (visits: "
                            f"{', '.join(fit.visits)})", where="dossier.yaml")
    used = (frame["_Y"].notna() & frame[list(spec.covariates)].notna().all(axis=1)).to_numpy()
    needs = [v for v in subgroup_needs(analysis, trial) if v in records.columns and v not in ("USUBJID", s.arm)]
    subjects = records.loc[used, ["USUBJID", s.arm, *needs]].drop_duplicates("USUBJID").reset_index(drop=True)
    out = subgroup_outputs.outputs(analysis, trial, subjects, effect="mmrm_lsmean_difference", arm=s.arm,
                                   arms=fit.arms, reference=s.reference, confidence=spec.confidence_level,
                                   title=title, improvement=analysis.improvement, key=analysis.id, adsl=adsl,
                                   dataset=name, records=frame, spec=spec, visit=visit)
    result = out.merged_into(result)
    return replace(result, evidence={**result.evidence, "primary_visit": visit})


def _covariate(column: pd.Series) -> np.ndarray | pd.Series:
    """A numeric covariate as floats (NaN when missing); a text one as text with missing values as None."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=float)
    text = cols.as_str(column)
    return text.where(~cols.is_missing(column), None).to_numpy(dtype=object)


def _evidence(analysis: Analysis, fit: engine.MmrmResult, covariates: tuple[str, ...]) -> dict:
    f = st.finite_or_none
    visits: dict[str, dict] = {}
    for v in fit.visits:
        groups = {m.arm: {"n": m.n, "lsmean": f(m.estimate), "se": f(m.se), "ci": st.floats([m.ci_lower, m.ci_upper])}
                  for m in fit.lsmeans if m.visit == v}
        comparisons = [{"group": d.arm, "reference": d.reference, "difference": f(d.estimate), "se": f(d.se),
                        "df": f(d.df), "ci": st.floats([d.ci_lower, d.ci_upper]), "p": f(d.p)}
                       for d in fit.differences if d.visit == v]
        visits[v] = {"groups": groups, "comparisons": comparisons}
    return {
        "param": analysis.param, "response": analysis.response, "visits": visits,
        "model": {"covariance": fit.covariance, "converged": fit.converged, "iterations": fit.iterations,
                  "reml_neg2loglik": f(fit.reml_neg2loglik), "n_subjects": fit.n_subjects,
                  "n_records": fit.n_records},
        "tried": list(fit.tried), "df_method": fit.df_method, "covariates": list(covariates),
        "covariates_by_visit": [c.upper() for c in analysis.covariates_by_visit],
        "dropped_missing_covariates": fit.n_missing_covariates, "responders": None, "mcid": analysis.mcid,
    }


# ------------------------------------------------------------------------------------------ tables, figure


def _header(arms, arm_n: dict) -> tuple:
    return (Term("mmrm_visit_statistic"),
            *(Term("mmrm_arm_n", (("arm", a), ("n", int(arm_n.get(a, 0))))) for a in arms))


def _main_table(analysis: Analysis, title, fit: engine.MmrmResult, arms, arm_n, visits: dict, d: int, level,
                covariates) -> Table:
    rows: list[Row] = []
    k = len(arms)
    reference = arms[0]
    for visit, at in visits.items():
        g = [at["groups"][a] for a in arms]
        rows.append(Row((Text(visit, "AVISIT"), *([None] * k)), emphasis=True))
        rows.append(Row((Term("mmrm_n"), *(Count(x["n"]) for x in g)), level=1))
        rows.append(Row((Term("mmrm_lsmean_se"), *(MeanSD(x["lsmean"], x["se"], d) for x in g)), level=1))
        rows.append(Row((Term("mmrm_lsmean_ci", (("level", level),)), *(Range(*x["ci"], d) for x in g)), level=1))
        comparisons = {c["group"]: c for c in at["comparisons"]}
        diff, ci, p = [Term("mmrm_reference")], [None], [None]
        for a in arms[1:]:
            c = comparisons[a]
            diff.append(MeanSD(c["difference"], c["se"], d))
            ci.append(Range(*c["ci"], d))
            p.append(PValue(c["p"]))
        rows.append(Row((Term("mmrm_difference_se", (("reference", reference),)), *diff), level=1))
        rows.append(Row((Term("mmrm_difference_ci", (("level", level),)), *ci), level=1))
        rows.append(Row((Term("mmrm_p"), *p), level=1))
    by_visit = [c.upper() for c in analysis.covariates_by_visit]
    footnotes = [
        Term("mmrm_footnote_model", (("response", analysis.response), ("covariates", tuple(covariates) or "-"),
                                     ("by_visit", tuple(by_visit) or "-"))),
        Term("mmrm_footnote_covariance", (("structure", Term(f"structure_{fit.covariance}")),
                                          ("iterations", fit.iterations))),
        Term(f"mmrm_footnote_df_{fit.df_method}"),
        Term("mmrm_footnote_records", (("subjects", fit.n_subjects), ("records", fit.n_records),
                                       ("dropped", fit.n_missing_covariates))),
    ]
    if len(fit.tried) > 1:
        footnotes.insert(2, Term("mmrm_footnote_fallback", (
            ("chosen", Term(f"structure_{fit.tried[0]}")),
            ("used", Term(f"structure_{fit.covariance}")))))
    return Table(key=analysis.id, title=title, columns=_header(arms, arm_n), rows=tuple(rows),
                 footnotes=tuple(footnotes), wide=k > WIDE_ARMS)


def _responders_table(analysis: Analysis, param_label: str, visits, arms, arm_n, responders, level) -> Table:
    title = Term("mmrm_responders_title", (("param", Text(param_label, "PARAM")),))
    return bds.responders_table(analysis, "mmrm", title, _header(arms, arm_n), visits, arms, responders, level)


def _profile(analysis: Analysis, title, fit: engine.MmrmResult, level) -> Figure:
    """LS means with their CIs by visit and arm; under the x axis, the subjects contributing at each visit."""
    positions = tuple(float(i + 1) for i in range(len(fit.visits)))
    by_key = {(m.arm, m.visit): m for m in fit.lsmeans}
    curves = []
    for a in fit.arms:
        ms = [by_key[(a, v)] for v in fit.visits]
        curves.append(Curve(label=a, x=positions, y=tuple(st.finite_or_none(m.estimate) for m in ms),
                            low=tuple(st.finite_or_none(m.ci_lower) for m in ms),
                            high=tuple(st.finite_or_none(m.ci_upper) for m in ms)))
    at_risk = tuple((a, tuple(by_key[(a, v)].n for v in fit.visits)) for a in fit.arms)
    y = "mmrm_profile_y" if analysis.response == "CHG" else "mmrm_profile_y_value"
    return Figure(key=analysis.id, kind="profile", title=title, x_label=Term("mmrm_visit"),
                  y_label=Term(y, (("level", level),)), curves=tuple(curves), x_ticks=positions,
                  x_tick_labels=tuple(fit.visits), at_risk=at_risk, at_risk_title=Term("mmrm_n_contributing"),
                  footnotes=(Term("mmrm_profile_footnote", (("level", level),)),))
