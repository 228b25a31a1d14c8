"""Baseline characteristics: ADSL variables summarised by arm and in total.

Numeric variables: n, mean (SD), median, Q1, Q3 (SAS QNTLDEF=5), min, max. Character variables:
n (%) of the arm's population subjects per level, levels ordered by the numeric code `<VAR>N` when
ADSL has one, a Missing row when any subject has a blank value.

The small subject-selection helpers at the bottom (`need`, `adsl_subjects`, `arm_columns` ...)
are shared with `adverse_events` and `disposition`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dossier.analyses import options
from dossier.analyses.model import AnalysisResult, Cell, Count, Label, MeanSD, Number, Range, Row, Table, Term, Text
from dossier.config.spec import Analysis, TrialSpec
from dossier.data import columns as cols
from dossier.data import selection
from dossier.data.datasets import TrialData
from dossier.errors import AnalysisError
from dossier.stats import core as st

TOTAL = "Total"
ARM = "__ARM__"  # the arm column added to subject frames (as text)
QUANTILE_METHOD = "averaged_inverted_cdf"  # = SAS PROC UNIVARIATE QNTLDEF=5 (the SAS default)
MAX_PORTRAIT_COLUMNS = 5  # more data columns than this -> landscape


def run(analysis: Analysis, trial: TrialSpec, data: TrialData) -> AnalysisResult:
    s = options.setting(analysis, trial)
    names = [v.upper() for v in analysis.variables]
    if not names:
        raise AnalysisError(f"analysis {analysis.id!r}: no variables to summarise (set 'variables')",
                            where=dataset_where(data, "adsl"))
    adsl = frame_of(analysis, data, "adsl")
    need(analysis, data, "adsl", adsl, names)
    chosen = adsl_subjects(analysis, data, s.population, s.arm, s.reference, s.where, apply_where=True)
    subjects, arms = chosen.subjects, chosen.arms
    warnings = list(chosen.warnings)
    show_total = len(arms) >= 2
    groups = arms + ((TOTAL,) if show_total else ())
    n_by_group = {**chosen.n, **({TOTAL: len(subjects)} if show_total else {})}

    rows: list[Row] = []
    evidence_vars: dict[str, dict] = {}
    for name in dict.fromkeys(names):  # keep the order, drop repeats
        column = subjects[name]
        label = data.label("adsl", name)
        if pd.api.types.is_datetime64_any_dtype(column):
            raise AnalysisError(f"analysis {analysis.id!r}: variable {name} in dataset adsl is a date; baseline "
                                "summarises numeric or character variables (use a derived numeric variable)",
                                where=dataset_where(data, "adsl"))
        if pd.api.types.is_numeric_dtype(column):
            var_rows, evidence = _numeric(subjects, name, label, arms, show_total)
        else:
            var_rows, evidence = _categorical(subjects, name, label, arms, show_total, n_by_group)
        rows.extend(var_rows)
        evidence_vars[name] = evidence

    title: Label = Text(analysis.title) if analysis.title else Term("baseline_title")
    footnotes: list[Label] = [Term("baseline_footnote_percent")]
    if any(v["kind"] == "numeric" for v in evidence_vars.values()):
        footnotes.append(Term("baseline_footnote_quartiles"))
    table = Table(
        key=analysis.id,
        title=title,
        columns=(Term("baseline_characteristic"), *arm_columns(groups, n_by_group)),
        rows=tuple(rows),
        footnotes=tuple(footnotes),
        wide=len(groups) > MAX_PORTRAIT_COLUMNS,
    )
    return AnalysisResult(
        id=analysis.id, type="baseline", title=title, population=s.population, arm=s.arm, datasets=("adsl",),
        filters=s.where, method=Term("method_baseline"),
        evidence={"variables": evidence_vars, "N": {g: int(n_by_group[g]) for g in groups}},
        tables=(table,), warnings=tuple(warnings), groups=arms,
    )


# ------------------------------------------------------------------------------- numeric


def quartiles(values: np.ndarray) -> tuple[float | None, float | None]:
    """Q1 and Q3 by the SAS default definition (QNTLDEF=5): with n*p = j + g, the (j+1)-th order
    statistic when g > 0, else the average of the j-th and (j+1)-th."""
    if values.size == 0:
        return None, None
    q1, q3 = np.quantile(values, [0.25, 0.75], method=QUANTILE_METHOD)
    return float(q1), float(q3)


def numeric_summary(values: pd.Series) -> dict[str, float | int | None]:
    """n, mean, sd (n-1), median, q1, q3, min, max, missing of one group's values."""
    finite = values.to_numpy(dtype=float)
    missing = int(np.isnan(finite).sum())
    finite = finite[~np.isnan(finite)]
    n = int(finite.size)
    q1, q3 = quartiles(finite)
    if n == 0:
        return {"n": 0, "mean": None, "sd": None, "median": None, "q1": None, "q3": None,
                "min": None, "max": None, "missing": missing}
    return {
        "n": n,
        "mean": st.finite_or_none(finite.mean()),
        "sd": st.finite_or_none(finite.std(ddof=1)) if n >= 2 else None,
        "median": st.finite_or_none(np.median(finite)),
        "q1": st.finite_or_none(q1),
        "q3": st.finite_or_none(q3),
        "min": st.finite_or_none(finite.min()),
        "max": st.finite_or_none(finite.max()),
        "missing": missing,
    }


def _numeric(subjects: pd.DataFrame, name: str, label: str, arms: tuple[str, ...],
             show_total: bool) -> tuple[list[Row], dict]:
    by_arm = dict(tuple(subjects.groupby(ARM, sort=False)[name]))
    stats = {arm: numeric_summary(by_arm.get(arm, pd.Series(dtype=float))) for arm in arms}
    if show_total:
        stats[TOTAL] = numeric_summary(subjects[name])
    groups = list(stats)
    d = st.decimals_of(subjects[name])

    def row(key: str, make) -> Row:
        return Row((Term(key), *(make(stats[g]) for g in groups)), level=1)

    rows = [
        Row((Text(label, name, "label"), *([None] * len(groups))), emphasis=True),
        row("baseline_n", lambda x: Count(x["n"])),
        row("baseline_mean_sd", lambda x: MeanSD(x["mean"], x["sd"], d + 1)),
        row("baseline_median", lambda x: Number(x["median"], d + 1)),
        row("baseline_q1_q3", lambda x: Range(x["q1"], x["q3"], d + 1)),
        row("baseline_min_max", lambda x: Range(x["min"], x["max"], d)),
    ]
    if any(x["missing"] for x in stats.values()):
        rows.append(row("baseline_missing", lambda x: Count(x["missing"])))
    return rows, {"kind": "numeric", "label": label, "groups": stats}


# ------------------------------------------------------------------------------- categorical


def level_order(values: pd.Series, codes: pd.Series | None) -> list[str]:
    """Non-blank levels, by their numeric code (smallest code of the level) when given, else by name."""
    levels = sorted(set(values) - {""})
    if codes is None or not pd.api.types.is_numeric_dtype(codes):
        return levels
    code = pd.Series(codes.to_numpy(), index=values.to_numpy()).groupby(level=0).min()
    return sorted(levels, key=lambda v: (_code_key(code.get(v)), v))


def _code_key(value) -> float:
    return value if value is not None and not (isinstance(value, float) and math.isnan(value)) else math.inf


def _categorical(subjects: pd.DataFrame, name: str, label: str, arms: tuple[str, ...], show_total: bool,
                 n_by_group: dict[str, int]) -> tuple[list[Row], dict]:
    values = cols.as_str(subjects[name])
    codes = subjects[name + "N"] if name + "N" in subjects.columns else None
    levels = level_order(values, codes)
    counts = pd.crosstab(values, subjects[ARM]).reindex(index=levels + [""], columns=list(arms), fill_value=0)
    if show_total:
        counts[TOTAL] = counts.sum(axis=1)
    groups = list(counts.columns)
    evidence_groups = {
        g: {"N": int(n_by_group[g]), "counts": {lv: int(counts.at[lv, g]) for lv in levels},
            "missing": int(counts.at["", g])}
        for g in groups
    }
    rows = [Row((Text(label, name, "label"), *([None] * len(groups))), emphasis=True)]
    for lv in levels:
        rows.append(Row((Text(lv, name), *(Count(int(counts.at[lv, g]), int(n_by_group[g])) for g in groups)), level=1))
    if counts.loc[""].sum() > 0:
        rows.append(Row((Term("baseline_missing"),
                         *(Count(int(counts.at["", g]), int(n_by_group[g])) for g in groups)), level=1))
    return rows, {"kind": "categorical", "label": label, "levels": levels, "groups": evidence_groups}


# ------------------------------------------------------------------------------- shared helpers


@dataclass(frozen=True)
class Subjects:
    """Population subjects (ADSL rows with the arm as text in column ARM), arms in display order,
    subjects per arm, and warnings about excluded subjects."""

    subjects: pd.DataFrame
    arms: tuple[str, ...]
    n: dict[str, int]
    warnings: tuple[str, ...]


def dataset_where(data: TrialData, name: str) -> str:
    return str(data.files[name].path) if name in data.files else f"dataset {name}"


def frame_of(analysis: Analysis, data: TrialData, name: str) -> pd.DataFrame:
    if name not in data.frames:
        raise AnalysisError(f"analysis {analysis.id!r}: dataset {name} is not loaded (is adam/{name}.* missing?)",
                            where=dataset_where(data, name))
    return data.frame(name)


def need(analysis: Analysis, data: TrialData, name: str, frame: pd.DataFrame, variables) -> None:
    """AnalysisError naming the first variable `frame` lacks."""
    for variable in variables:
        if variable not in frame.columns:
            raise AnalysisError(f"analysis {analysis.id!r}: variable {variable} is not in dataset {name}",
                                where=dataset_where(data, name))


def adsl_subjects(analysis: Analysis, data: TrialData, population: str | None, arm: str, reference: str | None,
                  where: tuple[tuple[str, tuple[str, ...]], ...], apply_where: bool) -> Subjects:
    """ADSL rows of the population (flag == "Y"; all subjects when `population` is None) with a
    non-blank arm; arms are ordered on the population before `where` is applied (when
    `apply_where`), so an arm the filter empties still shows, with N = 0."""
    adsl = frame_of(analysis, data, "adsl")
    need(analysis, data, "adsl", adsl, ["USUBJID", arm] + ([population] if population else []))
    if apply_where:
        need(analysis, data, "adsl", adsl, [name for name, _ in where])
    duplicated = adsl["USUBJID"].duplicated()
    if duplicated.any():
        raise AnalysisError(f"analysis {analysis.id!r}: dataset adsl has {int(duplicated.sum())} duplicate USUBJID "
                            f"(first {adsl['USUBJID'][duplicated].iloc[0]!r}); ADSL has one row per subject",
                            where=dataset_where(data, "adsl"))
    pop = adsl[adsl[population] == "Y"] if population else adsl
    if pop.empty:
        raise AnalysisError(f"analysis {analysis.id!r}: no subject in dataset adsl has {population} = 'Y'",
                            where=dataset_where(data, "adsl"))
    pop = pop.assign(**{ARM: cols.as_text(pop[arm])})  # "" for missing; 1.0 -> "1"
    warnings = []
    blank = pop[ARM] == ""
    if blank.any():
        warnings.append(f"analysis {analysis.id!r}: {int(blank.sum())} subject(s) of population {population or 'ADSL'} "
                        f"have a blank {arm} and were left out")
        pop = pop[~blank]
    if pop.empty:
        raise AnalysisError(f"analysis {analysis.id!r}: every subject of population {population} has a blank {arm} "
                            "in dataset adsl", where=dataset_where(data, "adsl"))
    ordered = pop.assign(**{arm: pop[ARM]}) if pd.api.types.is_numeric_dtype(pop[arm]) else pop
    arms = selection.arm_order(ordered, arm, reference)
    if apply_where and where:
        pop = selection.apply_where(pop, where)
    n = pop.groupby(ARM).size().reindex(list(arms), fill_value=0)
    for value, count in n.items():
        if count == 0:
            warnings.append(f"analysis {analysis.id!r}: arm {value!r} has no subjects after the 'where' filter")
    return Subjects(pop, arms, {a: int(c) for a, c in n.items()}, tuple(warnings))


def arm_columns(groups: tuple[str, ...] | list[str], n_by_group: dict[str, int]) -> tuple[Label, ...]:
    """Column headers "arm (N=n)", with the glossary's word for Total."""
    return tuple(
        Term("arm_n", (("arm", Term("total") if g == TOTAL else Text(g)), ("n", int(n_by_group[g]))))
        for g in groups
    )


def count_cells(counts: dict[str, int], groups, denominators: dict[str, int]) -> tuple[Cell, ...]:
    return tuple(Count(int(counts.get(g, 0)), int(denominators[g])) for g in groups)
