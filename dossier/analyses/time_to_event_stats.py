"""Time to event (ADTTE): Kaplan-Meier by arm, log-rank tests, Cox hazard ratios vs the reference arm.

Event = 1 - CNSR. Kaplan-Meier estimates with log-log ("exponential Greenwood") confidence intervals,
as R survfit(conf.type = "log-log"); like R, the log-log interval is undefined (None) where the
estimate is exactly 1 or 0. Median and its CI follow R's quantile.survfit: the first time the curve
(or a confidence limit) falls to 0.5 or below, the midpoint of the flat part when it equals 0.5
exactly. Log-rank test over all arms and per arm vs the reference; Cox proportional hazards (Efron
ties, Wald CI and p) fitted on the two arms of each comparison by `dossier.stats.cox` (vectorised
Newton-Raphson, same estimates as lifelines' CoxPHFitter and R's coxph), with a Grambsch-Therneau check of
proportional hazards on scaled Schoenfeld residuals (rank time transform; tied event times get their
average rank, as R's rank()) at every size. Kaplan-Meier and log-rank are vectorised numpy too (the same
numbers as lifelines' KaplanMeierFitter and multivariate_logrank_test, checked in tests/test_cox.py), so
a build does not import lifelines (1.4 s).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dossier.analyses import options, subgroup_outputs
from dossier.analyses.estimand import estimand_table
from dossier.analyses.model import (
    AnalysisResult,
    Count,
    Curve,
    Estimate,
    Figure,
    PValue,
    Row,
    Table,
    Term,
    Text,
)
from dossier.analyses.time_to_event import RECORD_VARIABLES
from dossier.config.spec import Analysis, TrialSpec
from dossier.data import selection
from dossier.data.datasets import TrialData
from dossier.errors import AnalysisError
from dossier.stats import core as st
from dossier.stats.survival import _logrank_p, _step_at, kaplan_meier, km_quantile

MIN_EVENTS = 5
MAX_AT_RISK_TIMES = 60
# a KM curve with more points than this is thinned for drawing: a point is kept where the curve has fallen
# by another 1/MAX_CURVE_POINTS (so the drawn step is within that of the estimate), censor marks one per
# 1/MAX_CURVE_POINTS of the time axis; evidence.json keeps every number. 1M distinct times drew in 5 s
# and a 102 MB SVG (MEASURED.md); the example trials have far fewer points and are drawn unthinned.
MAX_CURVE_POINTS = 4000
PH_ALPHA = 0.05
WIDE_ARMS = 5
UNITS = {"day": "days", "days": "days", "week": "weeks", "weeks": "weeks", "month": "months", "months": "months",
         "year": "years", "years": "years", "hour": "hours", "hours": "hours"}


# ------------------------------------------------------------------------------------------ run


def run(analysis: Analysis, trial: TrialSpec, data: TrialData) -> AnalysisResult:
    s = options.setting(analysis, trial)
    name = selection.analysis_dataset(analysis, data)
    notes: list[str] = []
    subjects, arms, w = selection.population_subjects(analysis, data.frame("adsl"), s)
    notes += w
    records = _records(analysis, data.frame(name), name, s, subjects, notes)
    param_label = selection.param_label(records, analysis)
    recorded = st.recorded_decimals(records["AVAL"])
    decimals = recorded + 1  # medians: one decimal more than the times are recorded with
    present = [a for a in arms if (records[s.arm] == a).any()]
    for a in arms:
        if a not in present:
            notes.append(f"analysis {analysis.id!r}: arm {a!r} has no {name} record with PARAMCD = "
                         f"{analysis.param!r}; it is not analysed")
    level = st.level_percent(s.confidence)
    landmarks = list(dict.fromkeys(float(t) for t in analysis.landmarks))

    by_arm = {a: records[records[s.arm] == a] for a in present}
    fits = {a: _kaplan_meier(frame["AVAL"].to_numpy(float), frame["EVENT"].to_numpy(int), s.confidence, analysis,
                             a, notes) for a, frame in by_arm.items()}
    groups = {a: _group_evidence(fits[a], landmarks) for a in present}
    total_events = sum(g["events"] for g in groups.values())
    if total_events == 0:
        notes.append(f"analysis {analysis.id!r}: all subjects are censored (no events); medians, tests and hazard "
                     f"ratios are not estimable")
    else:
        for a in present:
            events = groups[a]["events"]
            if events == 0:
                notes.append(f"analysis {analysis.id!r}: arm {a!r} has no events; its median and hazard ratio "
                             f"are not estimable")
            elif events < MIN_EVENTS:
                notes.append(f"analysis {analysis.id!r}: arm {a!r} has only {events} event(s); its estimates are "
                             f"imprecise")

    logrank_p = None
    if len(present) >= 2 and total_events > 0:
        logrank_p = _logrank_overall(records, s.arm, analysis, notes)
    comparisons = []
    if s.reference is not None and s.reference not in present:
        notes.append(f"analysis {analysis.id!r}: reference arm {s.reference!r} is not among the analysed arms of "
                     f"{s.arm} ({', '.join(present)}); hazard ratios and pairwise tests were skipped")
    elif s.reference is not None:
        for a in present:
            if a != s.reference:
                comparisons.append(_compare(by_arm[a], by_arm[s.reference], a, s.reference, s.confidence,
                                            analysis, notes))

    smallest = 10.0 ** -recorded  # no at-risk step finer than the recorded precision (1 for whole days)
    times = _at_risk_times(float(records["AVAL"].max()), analysis.at_risk_every, smallest, analysis, notes)
    counts = {a: _at_risk(by_arm[a]["AVAL"].to_numpy(float), times) for a in present}
    evidence = {
        "param": analysis.param, "time_unit": analysis.time_unit, "groups": groups, "comparisons": comparisons,
        "logrank_p": logrank_p, "at_risk": {"times": [float(t) for t in times], "counts": counts},
    }
    title = Text(analysis.title) if analysis.title else Term("tte_title", (("param", Text(param_label, "PARAM")),))
    unit = _unit_label(analysis.time_unit)
    arm_n = subjects.groupby(s.arm).size().to_dict()
    table = _table(analysis, title, present, arm_n, groups, comparisons, logrank_p, landmarks, unit, decimals, level,
                   s.reference)
    figure = _figure(analysis, title, present, fits, times, counts, unit, level)
    result = AnalysisResult(
        id=analysis.id, type=analysis.type, title=title, population=s.population, arm=s.arm,
        datasets=("adsl", name), filters=s.where, method=Term("method_time_to_event", (("level", level),)),
        evidence=evidence, tables=_with_estimand(analysis, (table,)), figures=(figure,), warnings=tuple(notes), groups=tuple(present))
    if not comparisons or not analysis.subgroups:
        return result
    sub = subgroup_outputs.outputs(analysis, trial, records, effect="hazard_ratio", arm=s.arm, arms=tuple(present),
                                   reference=s.reference, confidence=s.confidence, title=title,
                                   improvement=analysis.improvement, key=analysis.id, adsl=data.frame("adsl"),
                                   dataset=name, time="AVAL", event="EVENT")
    return sub.merged_into(result)


# ------------------------------------------------------------------------------------------ records


def _records(analysis: Analysis, frame: pd.DataFrame, name: str, s: options.Setting, subjects: pd.DataFrame,
             notes: list[str]) -> pd.DataFrame:
    records = selection.population_records(frame, analysis, name, s, subjects, RECORD_VARIABLES, ("AVAL", "CNSR"),
                                    read=["PARAM"])
    dup = records["USUBJID"].duplicated()
    if dup.any():
        raise AnalysisError(f"analysis {analysis.id!r}: {name} has more than one PARAMCD = {analysis.param!r} record "
                            f"for {records.loc[dup, 'USUBJID'].nunique()} subject(s) (e.g. USUBJID "
                            f"{records.loc[dup, 'USUBJID'].iloc[0]!r}); add a 'where' filter selecting one record "
                            f"per subject", where=f"dataset {name}")
    bad = ~records["CNSR"].isin([0.0, 1.0])
    if bad.any():
        value = records.loc[bad, "CNSR"].iloc[0]
        raise AnalysisError(f"analysis {analysis.id!r}: {name} variable CNSR must be 0 (event) or 1 (censored); "
                            f"{int(bad.sum())} record(s) hold other values (e.g. {value!r} for USUBJID "
                            f"{records.loc[bad, 'USUBJID'].iloc[0]!r})", where=f"dataset {name}")
    aval = records["AVAL"]
    if aval.isna().any():
        raise AnalysisError(f"analysis {analysis.id!r}: {name} variable AVAL (time) is missing for "
                            f"{int(aval.isna().sum())} record(s) (e.g. USUBJID "
                            f"{records.loc[aval.isna(), 'USUBJID'].iloc[0]!r})", where=f"dataset {name}")
    if (aval < 0).any():
        raise AnalysisError(f"analysis {analysis.id!r}: {name} variable AVAL (time) is negative for "
                            f"{int((aval < 0).sum())} record(s) (e.g. {aval[aval < 0].iloc[0]!r} for USUBJID "
                            f"{records.loc[aval < 0, 'USUBJID'].iloc[0]!r})", where=f"dataset {name}")
    without = len(subjects) - records["USUBJID"].nunique()
    if without > 0:
        notes.append(f"analysis {analysis.id!r}: {without} subject(s) of population {s.population} have no {name} "
                     f"record with PARAMCD = {analysis.param!r} and are not analysed")
    return records.assign(EVENT=(1 - records["CNSR"]).astype(int))



# ------------------------------------------------------------------------------------------ Kaplan-Meier


def _kaplan_meier(time: np.ndarray, event: np.ndarray, level: float, analysis: Analysis, arm: str,
                  notes: list[str]) -> dict:
    """KM curve of one arm with log-log CI; NaN limits where the estimate is 1 or 0 (as R)."""
    x, y, low, high, censored_at = kaplan_meier(time, event, level)
    return {"x": x, "y": y, "low": low, "high": high, "n": len(time), "events": int(event.sum()),
            "max_time": float(time.max()), "censored_x": censored_at,
            "censored_y": _step_at(x, y, censored_at)}


def _group_evidence(fit: dict, landmarks: list[float]) -> dict:
    x, y, low, high = fit["x"], fit["y"], fit["low"], fit["high"]
    median = km_quantile(x, y, fit["max_time"])
    # lower limit of the median from the lower confidence limit of survival, upper from the upper
    median_ci = [km_quantile(x, low, fit["max_time"]), km_quantile(x, high, fit["max_time"])]
    marks = {}
    for t in landmarks:
        if t > fit["max_time"]:
            marks[st.number_key(t)] = {"survival": None, "ci": [None, None]}
            continue
        at = np.array([t])
        marks[st.number_key(t)] = {"survival": st.finite_or_none(_step_at(x, y, at)[0]),
                                   "ci": st.floats([_step_at(x, low, at)[0], _step_at(x, high, at)[0]])}
    return {"n": fit["n"], "events": fit["events"], "censored": fit["n"] - fit["events"],
            "median": st.finite_or_none(median), "median_ci": st.floats(median_ci), "landmarks": marks}


# ------------------------------------------------------------------------------------------ tests and models


def _logrank_overall(records: pd.DataFrame, arm: str, analysis: Analysis, notes: list[str]) -> float | None:
    group, _ = pd.factorize(records[arm], sort=True)  # integer codes in the order of the arm names, as np.unique
    with st.captured_warnings(notes, analysis.id, "log-rank test"):
        return _logrank_p(records["AVAL"].to_numpy(float), records["EVENT"].to_numpy(float), group)


def _compare(group: pd.DataFrame, ref: pd.DataFrame, name: str, reference: str, level: float, analysis: Analysis,
             notes: list[str]) -> dict:
    from dossier.stats import cox

    out = {"group": name, "reference": reference, "hazard_ratio": None, "hr_ci": [None, None], "p": None,
           "logrank_p": None}
    events_g, events_r = int(group["EVENT"].sum()), int(ref["EVENT"].sum())
    if events_g + events_r == 0:
        return out
    context = f"{name} vs {reference}"
    time = np.concatenate([group["AVAL"].to_numpy(float), ref["AVAL"].to_numpy(float)])
    event = np.concatenate([group["EVENT"].to_numpy(int), ref["EVENT"].to_numpy(int)])
    arm = np.concatenate([np.ones(len(group)), np.zeros(len(ref))])
    with st.captured_warnings(notes, analysis.id, f"log-rank {context}"):
        out["logrank_p"] = _logrank_p(time, event, arm)
    if events_g == 0 or events_r == 0:
        notes.append(f"analysis {analysis.id!r}: hazard ratio {context} is not estimable (an arm has no events)")
        return out
    try:
        with st.captured_warnings(notes, analysis.id, f"Cox model {context}"):
            fit = cox.fit(time, event, arm, names=("ARM",), level=level)
    except (np.linalg.LinAlgError, ValueError) as exc:
        notes.append(f"analysis {analysis.id!r}: Cox model {context} did not converge "
                     f"({str(exc).splitlines()[0]}); hazard ratio not estimable")
        return out
    if not cox.finite(fit):  # monotone likelihood: the estimate runs off to 0 or infinity
        notes.append(f"analysis {analysis.id!r}: hazard ratio {context} is not estimable (the Cox partial likelihood "
                     f"has no finite maximum, e.g. complete separation of event times)")
        return out
    out["hazard_ratio"] = st.finite_or_none(fit.hazard_ratio[0])
    out["hr_ci"] = st.floats([fit.ci_lower[0], fit.ci_upper[0]])
    out["p"] = st.finite_or_none(fit.p[0])
    try:
        with st.captured_warnings(notes, analysis.id, f"proportional-hazards test {context}"):
            _, ph = cox.proportional_hazards_test(fit)
        ph_p = float(ph[0])
    except (ValueError, np.linalg.LinAlgError):
        ph_p = float("nan")
    if math.isfinite(ph_p) and ph_p < PH_ALPHA:
        notes.append(f"analysis {analysis.id!r}: proportional hazards may not hold for {context} "
                     f"(Grambsch-Therneau test, rank time transform, p = {ph_p:.3g}); interpret the hazard ratio "
                     f"as an average over follow-up")
    return out


# ------------------------------------------------------------------------------------------ numbers at risk


def nice_step(max_time: float, most: int = 10) -> float:
    """The smallest 1, 2 or 5 x 10^k step that covers [0, max_time] in at most `most` intervals."""
    if max_time <= 0:
        return 1.0
    exponent = math.floor(math.log10(max_time / most))
    for e in (exponent - 1, exponent, exponent + 1):
        for m in (1, 2, 5):
            step = m * 10.0**e
            if math.ceil(max_time / step - 1e-9) <= most:
                return step
    return 10.0 ** (exponent + 2)


def _at_risk_times(max_time: float, every: float | None, smallest: float, analysis: Analysis,
                   notes: list[str]) -> np.ndarray:
    step = every if every else max(nice_step(max_time), smallest)
    count = math.ceil(max_time / step - 1e-9) if max_time > 0 else 0
    if count + 1 > MAX_AT_RISK_TIMES:
        notes.append(f"analysis {analysis.id!r}: at_risk_every = {every:g} gives {count + 1} times up to "
                     f"{max_time:g}; using a step of {nice_step(max_time):g} instead")
        step = max(nice_step(max_time), smallest)
        count = math.ceil(max_time / step - 1e-9)
    return np.round(np.arange(count + 1) * step, 10)


def _at_risk(time: np.ndarray, times: np.ndarray) -> list[int]:
    """Subjects still at risk at each time: AVAL >= t."""
    ordered = np.sort(time)
    return [int(v) for v in len(ordered) - np.searchsorted(ordered, times, side="left")]


# ------------------------------------------------------------------------------------------ table, figure


def _unit_label(unit: str):
    known = UNITS.get(unit.strip().lower())
    return Term(f"tte_unit_{known}") if known else unit


def _table(analysis: Analysis, title, arms, arm_n, groups, comparisons, logrank_p, landmarks, unit, decimals, level,
           reference) -> Table:
    g = [groups[a] for a in arms]
    k = len(arms)
    rows = [
        Row((Term("tte_n"), *(Count(x["n"]) for x in g))),
        Row((Term("tte_events"), *(Count(x["events"], x["n"]) for x in g))),
        Row((Term("tte_censored"), *(Count(x["censored"], x["n"]) for x in g))),
        Row((Term("tte_median_ci", (("level", level), ("unit", unit))),
             *(Estimate(x["median"], *x["median_ci"], decimals) for x in g))),
    ]
    for t in landmarks:
        key = st.number_key(t)
        rows.append(Row((Term("tte_survival_at", (("time", float(t)), ("unit", unit), ("level", level))),
                         *(Estimate(x["landmarks"][key]["survival"], *x["landmarks"][key]["ci"], 3) for x in g))))
    by_group = {c["group"]: c for c in comparisons}
    if by_group:
        hr = tuple(Term("tte_reference") if a == reference else _hr(by_group.get(a)) for a in arms)
        cox_p = tuple(PValue(by_group[a]["p"]) if a in by_group else None for a in arms)
        lr_p = tuple(PValue(by_group[a]["logrank_p"]) if a in by_group else None for a in arms)
        rows.append(Row((Term("tte_hazard_ratio", (("level", level), ("reference", reference))), *hr)))
        rows.append(Row((Term("tte_cox_p"), *cox_p)))
        rows.append(Row((Term("tte_logrank_p"), *lr_p)))
    if k > 2 and logrank_p is not None:
        rows.append(Row((Term("tte_logrank_overall"), PValue(logrank_p), *([None] * (k - 1)))))
    footnotes = [Term("tte_footnote_km", (("level", level),))]
    if by_group:
        footnotes.append(Term("tte_footnote_cox", (("reference", reference),)))
    columns = (Term("tte_statistic"), *(Term("tte_arm_n", (("arm", a), ("n", int(arm_n.get(a, 0))))) for a in arms))
    return Table(key=analysis.id, title=title, columns=columns, rows=tuple(rows), footnotes=tuple(footnotes),
                 wide=k > WIDE_ARMS)


def _hr(c: dict | None) -> Estimate | None:
    return None if c is None else Estimate(c["hazard_ratio"], c["hr_ci"][0], c["hr_ci"][1], 2)


def thinned(fit: dict, most: int = MAX_CURVE_POINTS) -> dict:
    """The KM curve with at most about `most` points and censor marks, for drawing (see MAX_CURVE_POINTS)."""
    x, y = np.asarray(fit["x"], float), np.asarray(fit["y"], float)
    out = {k: np.asarray(fit[k], float) for k in ("x", "y", "low", "high", "censored_x", "censored_y")}
    if len(x) > most:
        _, first = np.unique(np.floor((1.0 - y) * most), return_index=True)
        keep = np.union1d(first, [0, len(x) - 1])
        out.update(x=x[keep], y=y[keep], low=out["low"][keep], high=out["high"][keep])
    if len(out["censored_x"]) > most:
        width = (x[-1] - x[0]) / most or 1.0
        _, first = np.unique(np.floor((out["censored_x"] - x[0]) / width), return_index=True)
        out.update(censored_x=out["censored_x"][first], censored_y=out["censored_y"][first])
    return out


def _figure(analysis: Analysis, title, arms, fits, times, counts, unit, level) -> Figure:
    def clean(values):
        return tuple(None if not np.isfinite(v) else float(v) for v in values)

    drawn = {a: thinned(fits[a]) for a in arms}
    curves = tuple(
        Curve(label=a, x=tuple(d["x"].tolist()), y=clean(d["y"]), low=clean(d["low"]), high=clean(d["high"]),
              censored_x=tuple(d["censored_x"].tolist()), censored_y=tuple(d["censored_y"].tolist()))
        for a, d in drawn.items())
    return Figure(key=analysis.id, kind="km", title=title, x_label=Term("tte_time_axis", (("unit", unit),)),
                  y_label=Term("tte_km_y"), curves=curves, x_ticks=tuple(float(t) for t in times),
                  at_risk=tuple((a, tuple(counts[a])) for a in arms),
                  footnotes=(Term("tte_figure_footnote", (("level", level),)),))


# ------------------------------------------------------------------------------------------ checks (dossier.data.validate)


def check_parameter(c) -> list:
    """CNSR is 0 or 1; times are present, not negative and finite."""
    return _check_times(c.frame.loc[c.rows, [v for v in ("AVAL", "CNSR") if v in c.readable]], c.name, c.tag, c.where)


def check_records(c, records, clean: bool) -> tuple[list, list[str]]:
    """One record per subject; every subject (or every subject of an arm) censored (a warning)."""
    from dossier.errors import Problem
    from dossier.errors import row_list as _rows

    checked = records(c.rows, ("USUBJID", "CNSR"))
    dup = checked.index[checked["USUBJID"].duplicated(keep=False)]
    if len(dup):
        first = checked.loc[dup[0], "USUBJID"]
        same = checked.index[checked["USUBJID"] == first]
        return [Problem(c.where(c.name, "USUBJID"), f"more than one record with PARAMCD = {c.analysis.param!r} for "
                        f"{checked.loc[dup, 'USUBJID'].nunique()} subject(s), e.g. {first!r} ({_rows(same)}) {c.tag}; "
                        "select one record per subject with a 'where' filter")], []
    return [], _censoring_warnings(c.analysis, checked) if clean else []


def _censoring_warnings(analysis: Analysis, used: pd.DataFrame) -> list[str]:
    """The time-to-event analysis's own wording, so a build shows each warning once."""
    events = (used["CNSR"] == 0).groupby(used["_ARM"], observed=True).sum()
    if events.sum() == 0:
        return [(f"analysis {analysis.id!r}: all subjects are censored (no events); medians, tests and hazard "
                 f"ratios are not estimable")]
    return [f"analysis {analysis.id!r}: arm {a!r} has no events; its median and hazard ratio are not estimable"
            for a, n in events.items() if n == 0]


def _check_times(records: pd.DataFrame, name: str, tag: str, where) -> list:
    from dossier.data.columns import number_text as _value
    from dossier.errors import Problem

    problems = []
    if "CNSR" in records.columns and pd.api.types.is_numeric_dtype(records["CNSR"]):
        bad = records["CNSR"][~records["CNSR"].isin([0.0, 1.0])]
        if len(bad):
            problems.append(Problem(where(name, "CNSR"), f"must be 0 (event) or 1 (censored); row {bad.index[0] + 1} "
                                    f"holds {_value(bad.iloc[0])} ({len(bad)} such row(s)) {tag}"))
    if "AVAL" in records.columns and pd.api.types.is_numeric_dtype(records["AVAL"]):
        missing = records["AVAL"].isna()
        if missing.any():
            problems.append(Problem(where(name, "AVAL"), f"time is missing in {int(missing.sum())} row(s) "
                                    f"(first: row {records.index[missing][0] + 1}) {tag}"))
        negative = records["AVAL"] < 0
        if negative.any():
            problems.append(Problem(where(name, "AVAL"), f"time must not be negative; row "
                                    f"{records.index[negative][0] + 1} holds {_value(records['AVAL'][negative].iloc[0])} "
                                    f"{tag}"))
        infinite = np.isinf(records["AVAL"])
        if infinite.any():
            problems.append(Problem(where(name, "AVAL"), f"time must be finite; row {records.index[infinite][0] + 1} "
                                    f"holds {_value(records['AVAL'][infinite].iloc[0])} {tag}"))
    return problems


def _with_estimand(analysis: Analysis, tables: tuple) -> tuple:
    """The analysis's tables, its estimand's table (yaml `estimand:`) first."""
    estimand = estimand_table(analysis)
    return tables if estimand is None else (estimand, *tables)
