"""Exposure: one numeric exposure variable summarised by arm (n, mean, SD, median, quartiles, min, max and
optional classes), and the subject exposure in days and the exact Poisson interval that the
exposure-adjusted incidence rates of `adverse_events` use.

The value of each population subject comes from ADSL (`variable`, or `end - start + 1` days for two dates),
or from a BDS exposure dataset (`param`: one record per subject of PARAMCD = param after `where`, its
`variable`, AVAL by default). Subjects without a value are counted as missing.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from dossier.analyses import options
from dossier.analyses.baseline_stats import (
    ARM,
    MAX_PORTRAIT_COLUMNS,
    TOTAL,
    adsl_subjects,
    arm_columns,
    dataset_where,
    frame_of,
    need,
    numeric_summary,
)
from dossier.analyses.model import AnalysisResult, Count, Label, MeanSD, Number, Range, Row, Table, Term, Text
from dossier.config.spec import Analysis, TrialSpec
from dossier.data import columns as cols
from dossier.data import selection
from dossier.data.datasets import TrialData
from dossier.errors import AnalysisError
from dossier.stats import core as st

DAYS_PER_YEAR = 365.25


# ------------------------------------------------------------------------------------------ exposure in days


def date_days(analysis: Analysis, data: TrialData, frame: pd.DataFrame, start: str, end: str) -> np.ndarray:
    """end - start + 1 in days for each row (NaN when either date is missing). Dates are datetime64 (Parquet,
    CSV, Dataset-JSON) or SAS day numbers (XPT); AnalysisError when one of them is neither."""
    need(analysis, data, "adsl", frame, [start, end])
    days = []
    for name in (start, end):
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            days.append((column.dt.floor("D") - pd.Timestamp("1960-01-01")).dt.days.to_numpy(dtype=float))
        elif pd.api.types.is_numeric_dtype(column):
            days.append(column.to_numpy(dtype=float))
        else:
            raise AnalysisError(f"analysis {analysis.id!r}: adsl variable {name} is not a date (neither a date "
                                "column nor SAS day numbers)", where=dataset_where(data, "adsl"))
    return days[1] - days[0] + 1.0


def subject_days(analysis: Analysis, data: TrialData, subjects: pd.DataFrame, exposure
                 ) -> tuple[np.ndarray, str]:
    """(days of each subject (NaN when unknown), the definition as written in footnotes and evidence) from an
    adverse_events `exposure` (variable, or start and end; None: TRTDURD, else TRTEDT - TRTSDT + 1)."""
    if exposure is not None and exposure.variable:
        variable = exposure.variable.upper()
    elif exposure is not None:
        start, end = exposure.start.upper(), exposure.end.upper()
        return date_days(analysis, data, subjects, start, end), f"{end} - {start} + 1"
    elif "TRTDURD" in subjects.columns:
        variable = "TRTDURD"
    elif {"TRTSDT", "TRTEDT"} <= set(subjects.columns):
        return date_days(analysis, data, subjects, "TRTSDT", "TRTEDT"), "TRTEDT - TRTSDT + 1"
    else:
        raise AnalysisError(f"analysis {analysis.id!r}: exposure_adjusted needs the subjects' exposure: dataset adsl "
                            "has neither TRTDURD nor TRTSDT and TRTEDT (name one with exposure: {variable: ...} or "
                            "exposure: {start: ..., end: ...})", where=dataset_where(data, "adsl"))
    need(analysis, data, "adsl", subjects, [variable])
    if not pd.api.types.is_numeric_dtype(subjects[variable]):
        raise AnalysisError(f"analysis {analysis.id!r}: adsl variable {variable} (exposure in days) must be numeric",
                            where=dataset_where(data, "adsl"))
    return subjects[variable].to_numpy(dtype=float), variable


def checked_days(analysis: Analysis, data: TrialData, subjects: pd.DataFrame, days: np.ndarray, source: str
                 ) -> tuple[np.ndarray, list[str]]:
    """True for the subjects with a positive exposure, and the warnings: a negative exposure is an error
    naming the first subject; zero or missing ones are left out of the rates with a warning."""
    negative = np.flatnonzero(days < 0)
    if negative.size:
        first = subjects["USUBJID"].iloc[negative[0]]
        raise AnalysisError(f"analysis {analysis.id!r}: {negative.size} subject(s) have a negative exposure "
                            f"({source}), first USUBJID {first!r} with {days[negative[0]]:g} days; check the "
                            "treatment dates", where=dataset_where(data, "adsl"))
    usable = days > 0
    warnings = []
    zero, missing = int((days == 0).sum()), int(np.isnan(days).sum())
    if zero or missing:
        warnings.append(f"analysis {analysis.id!r}: {zero} subject(s) with zero and {missing} with missing exposure "
                        f"({source}) are left out of the exposure-adjusted incidence rates")
    return usable, warnings


def poisson_interval(events: int, years: float, level: float) -> tuple[float | None, float | None]:
    """Exact (Garwood) confidence interval of a Poisson rate events / years, as R's poisson.test: lower
    qgamma((1 - level) / 2, events) (0 for no event), upper qgamma((1 + level) / 2, events + 1), over years."""
    from scipy.special import gammaincinv

    if years <= 0:
        return None, None
    alpha = 1.0 - level
    low = 0.0 if events == 0 else float(gammaincinv(events, alpha / 2)) / years
    high = float(gammaincinv(events + 1, 1 - alpha / 2)) / years
    return low, high


# ------------------------------------------------------------------------------------------ the exposure type


def run(analysis: Analysis, trial: TrialSpec, data: TrialData) -> AnalysisResult:
    s = options.setting(analysis, trial)
    on_adsl = analysis.dataset_name == "adsl"
    chosen = adsl_subjects(analysis, data, s.population, s.arm, s.reference, s.where, apply_where=on_adsl)
    subjects, arms = chosen.subjects, chosen.arms
    warnings = list(chosen.warnings)
    values, source, label = _values(analysis, data, subjects, s)
    bad = np.flatnonzero(values < 0) if analysis.start else np.array([], dtype=int)
    if bad.size:
        raise AnalysisError(f"analysis {analysis.id!r}: {bad.size} subject(s) have a negative duration ({source}), "
                            f"first USUBJID {subjects['USUBJID'].iloc[bad[0]]!r}; check the dates",
                            where=dataset_where(data, "adsl"))
    show_total = len(arms) >= 2
    groups = arms + ((TOTAL,) if show_total else ())
    frame = pd.DataFrame({ARM: subjects[ARM].to_numpy(), "value": values})
    stats = {arm: numeric_summary(frame.loc[frame[ARM] == arm, "value"]) for arm in arms}
    if show_total:
        stats[TOTAL] = numeric_summary(frame["value"])
    n_by_group = {**chosen.n, **({TOTAL: sum(chosen.n.values())} if show_total else {})}
    missing = sum(stats[a]["missing"] for a in arms)
    if missing:
        warnings.append(f"analysis {analysis.id!r}: {missing} subject(s) of the population have no value of "
                        f"{source}; counted as missing")
    d = st.decimals_of(pd.Series(values))
    shown: Label = Text(analysis.title) if analysis.title else Term("exposure_title")

    def row(key: str, make, level: int = 1) -> Row:
        return Row((Term(key), *(make(stats[g]) for g in groups)), level=level)

    head: Label = label if analysis.unit is None else Term("exposure_with_unit", (("label", label),
                                                                                   ("unit", Text(analysis.unit))))
    rows = [Row((head, *([None] * len(groups))), emphasis=True),
            row("baseline_n", lambda x: Count(x["n"])),
            row("baseline_mean_sd", lambda x: MeanSD(x["mean"], x["sd"], d + 1)),
            row("baseline_median", lambda x: Number(x["median"], d + 1)),
            row("baseline_q1_q3", lambda x: Range(x["q1"], x["q3"], d + 1)),
            row("baseline_min_max", lambda x: Range(x["min"], x["max"], d))]
    if missing:
        rows.append(row("baseline_missing", lambda x: Count(x["missing"])))
    evidence = {"N": {g: int(n_by_group[g]) for g in groups}, "variable": source, "groups": stats}
    footnotes: list[Label] = [Term("exposure_footnote", (("variable", source),)), Term("baseline_footnote_quartiles")]
    if analysis.categories:
        category_rows, evidence["categories"] = _categories(analysis, frame, arms, groups, n_by_group)
        rows += category_rows
        footnotes.append(Term("baseline_footnote_percent"))
    table = Table(key=analysis.id, title=shown, columns=(Term("exposure_variable"), *arm_columns(groups, n_by_group)),
                  rows=tuple(rows), footnotes=tuple(footnotes), wide=len(groups) > MAX_PORTRAIT_COLUMNS)
    datasets = ("adsl",) if on_adsl else (analysis.dataset_name, "adsl")
    return AnalysisResult(id=analysis.id, type="exposure", title=shown, population=s.population, arm=s.arm,
                          datasets=datasets, filters=s.where, method=Term("method_exposure"), evidence=evidence,
                          tables=(table,), warnings=tuple(warnings), groups=arms)


def _values(analysis: Analysis, data: TrialData, subjects: pd.DataFrame, s: options.Setting
            ) -> tuple[np.ndarray, str, Label]:
    """(each subject's value, what it is, its label in the table)."""
    own_label = Text(analysis.label) if analysis.label else None
    if analysis.start:
        start, end = analysis.start.upper(), analysis.end.upper()
        source = f"{end} - {start} + 1"
        return date_days(analysis, data, subjects, start, end), source, own_label or Term(
            "exposure_dates", (("start", start), ("end", end)))
    variable = analysis.value_variable
    if analysis.dataset_name == "adsl":
        need(analysis, data, "adsl", subjects, [variable])
        if not pd.api.types.is_numeric_dtype(subjects[variable]):
            raise AnalysisError(f"analysis {analysis.id!r}: adsl variable {variable} must be numeric to be summarised",
                                where=dataset_where(data, "adsl"))
        return (subjects[variable].to_numpy(dtype=float), variable,
                own_label or Text(data.label("adsl", variable) or variable, variable, "label"))
    name = analysis.dataset_name
    frame = frame_of(analysis, data, name)
    records = selection.population_records(frame, analysis, name, s, subjects, ["USUBJID", variable], [variable],
                                    read=["PARAM"])
    repeated = records["USUBJID"].duplicated()
    if repeated.any():
        raise AnalysisError(f"analysis {analysis.id!r}: {name} has {int(repeated.sum())} more record(s) than subjects "
                            f"for PARAMCD = {analysis.param!r} (first USUBJID {records['USUBJID'][repeated].iloc[0]!r});"
                            " select one per subject with where: (e.g. {AVISIT: OVERALL})", where=dataset_where(data, name))
    position = cols.positions(records["USUBJID"], subjects["USUBJID"])
    values = np.where(position >= 0, records[variable].to_numpy(dtype=float)[np.maximum(position, 0)], np.nan)
    return values, f"{name.upper()} {variable} (PARAMCD = {analysis.param})", own_label or Text(
        selection.param_label(records, analysis))


def _categories(analysis: Analysis, frame: pd.DataFrame, arms, groups, n_by_group) -> tuple[list[Row], dict]:
    """Rows and evidence of the classes cut at `categories` (a value on a cut point goes to the class above)."""
    cuts = [float(c) for c in analysis.categories]
    values = frame["value"].to_numpy(dtype=float)
    known = ~np.isnan(values)
    codes = np.searchsorted(np.asarray(cuts), np.where(known, values, 0.0), side="right")
    bounds = [None, *cuts, None]
    keys = [f"<{_num(cuts[0])}"] + [f"{_num(a)}-<{_num(b)}" for a, b in itertools.pairwise(cuts)] + [f">={_num(cuts[-1])}"]
    rows: list[Row] = [Row((Term("exposure_categories"), *([None] * len(groups))), emphasis=True)]
    evidence: dict[str, dict[str, int]] = {}
    arm_values = frame[ARM].to_numpy()
    for i, key in enumerate(keys):
        hit = known & (codes == i)
        counts = {a: int((hit & (arm_values == a)).sum()) for a in arms}
        if TOTAL in groups:
            counts[TOTAL] = int(hit.sum())
        evidence[key] = counts
        low, high = bounds[i], bounds[i + 1]
        name = (Term("sg_class_below", (("high", _num(high)),)) if low is None else
                Term("sg_class_from", (("low", _num(low)),)) if high is None else
                Term("sg_class_between", (("low", _num(low)), ("high", _num(high)))))
        rows.append(Row((name, *(Count(counts[g], int(n_by_group[g])) for g in groups)), level=1))
    return rows, evidence


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
