"""Checks of the loaded datasets against what the analyses need, before any analysis runs.

Every problem is collected (file, column, row or subject, what is wrong, what was expected) and
raised together as one DataError; suspicious but valid data become warnings.
"""

from __future__ import annotations

import pandas as pd

from dossier.analyses import module_for
from dossier.datasets import TrialData
from dossier.errors import DataError, Problem
from dossier.spec import Analysis, TrialSpec

FLAG_VALUES = {"Y", "N", ""}
MAX_LISTED = 3


def requirements(spec: TrialSpec) -> dict[str, dict[str, set[str]]]:
    """Analysis id -> dataset -> variables, as declared by each analysis module."""
    needs: dict[str, dict[str, set[str]]] = {}
    for analysis in spec.analyses:
        declared = module_for(analysis.type).required(analysis, spec)
        merged = {name.lower(): {v.upper() for v in variables} for name, variables in declared.items()}
        merged.setdefault("adsl", set()).add("USUBJID")
        needs[analysis.id] = merged
    return needs


def datasets_needed(needs: dict[str, dict[str, set[str]]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for per_dataset in needs.values():
        for name, variables in per_dataset.items():
            out.setdefault(name, set()).update(variables)
    return out


def _examples(values) -> str:
    values = list(values)
    shown = ", ".join(repr(v) for v in values[:MAX_LISTED])
    return shown + (f" and {len(values) - MAX_LISTED} more" if len(values) > MAX_LISTED else "")


def validate(spec: TrialSpec, data: TrialData, needs: dict[str, dict[str, set[str]]]) -> list[str]:
    """Raise DataError with every problem found; return warnings for suspicious but valid data."""
    problems: list[Problem] = []
    warnings: list[str] = []

    def where(dataset: str, column: str | None = None) -> str:
        path = str(data.file(dataset).path) if dataset in data.files else dataset
        return f"{path}: {column}" if column else path

    # 1. variables each analysis needs
    incomplete: set[str] = set()  # analyses whose datasets or variables are missing: no deeper checks
    for analysis_id, per_dataset in needs.items():
        for name, variables in sorted(per_dataset.items()):
            if name not in data.frames:
                incomplete.add(analysis_id)
                continue
            absent = sorted(variables - set(data.frame(name).columns))
            for variable in absent:
                incomplete.add(analysis_id)
                problems.append(Problem(where(name, variable),
                                        f"variable is missing (needed by analysis {analysis_id!r})"))
    adsl = data.frames.get("adsl")
    if adsl is not None and "USUBJID" in adsl.columns:
        problems.extend(_check_adsl(spec, data, needs, where))
        subjects = set(adsl["USUBJID"])
        for name, frame in sorted(data.frames.items()):
            if name == "adsl" or "USUBJID" not in frame.columns:
                continue
            unknown = sorted(set(frame["USUBJID"]) - subjects)
            if unknown:
                problems.append(Problem(where(name, "USUBJID"),
                                        f"{len(unknown)} subject(s) not in ADSL: {_examples(unknown)}"))
    if adsl is not None:
        for analysis in spec.analyses:
            if analysis.id in incomplete:
                continue
            p, w = _check_analysis(analysis, spec, data, where)
            problems.extend(p)
            warnings.extend(w)
    if problems:
        raise DataError(problems)
    return warnings


def _check_adsl(spec, data, needs, where) -> list[Problem]:
    adsl = data.frame("adsl")
    problems = []
    duplicated = adsl["USUBJID"][adsl["USUBJID"].duplicated()].unique()
    if len(duplicated):
        problems.append(Problem(where("adsl", "USUBJID"),
                                f"{len(duplicated)} duplicate subject(s) (ADSL has one row per subject): "
                                f"{_examples(duplicated)}"))
    blank = int((adsl["USUBJID"] == "").sum())
    if blank:
        problems.append(Problem(where("adsl", "USUBJID"), f"{blank} row(s) with a blank USUBJID"))
    flags = {(a.population or spec.population).upper() for a in spec.analyses}
    for flag in sorted(flags):
        if flag not in adsl.columns:
            continue
        column = adsl[flag]
        if pd.api.types.is_numeric_dtype(column):
            problems.append(Problem(where("adsl", flag), "population flag must be text Y/N/blank, found numbers"))
            continue
        bad = sorted(set(column) - FLAG_VALUES)
        if bad:
            rows = column[~column.isin(FLAG_VALUES)].index[:MAX_LISTED] + 1
            problems.append(Problem(where("adsl", flag), f"population flag values must be Y, N or blank; found "
                                    f"{_examples(bad)} (row {', '.join(map(str, rows))})"))
        elif not (column == "Y").any():
            problems.append(Problem(where("adsl", flag), "no subject has the flag = 'Y': the population is empty"))
    return problems


def _check_analysis(analysis: Analysis, spec: TrialSpec, data: TrialData, where) -> tuple[list[Problem], list[str]]:
    problems: list[Problem] = []
    warnings: list[str] = []
    tag = f"(analysis {analysis.id!r})"
    name = (analysis.dataset or ("adae" if analysis.type == "adverse_events" else "adsl")).lower()
    if name not in data.frames:
        return problems, warnings
    frame = data.frame(name)
    arm = (analysis.arm or spec.arm).upper()
    flag = (analysis.population or spec.population).upper()
    adsl = data.frame("adsl")
    if arm in adsl.columns and flag in adsl.columns:
        in_pop = adsl[adsl[flag] == "Y"]
        blank_arm = int((in_pop[arm].astype(str) == "").sum())
        if blank_arm:
            problems.append(Problem(where("adsl", arm), f"{blank_arm} subject(s) of population {flag} have a blank "
                                    f"treatment {tag}"))
        arms = sorted(set(in_pop[arm].astype(str)) - {""})
        if spec.reference_arm and arms and spec.reference_arm not in arms and analysis.type in (
                "change_from_baseline", "time_to_event"):
            warnings.append(f"analysis {analysis.id!r}: reference arm {spec.reference_arm!r} is not among the arms "
                            f"of {arm} in population {flag} ({', '.join(arms)}); no comparisons")
        for value in arms:
            n = int((in_pop[arm] == value).sum())
            if n < 3:
                warnings.append(f"analysis {analysis.id!r}: arm {value!r} has only {n} subject(s)")
    for variable in analysis.where:
        if variable.upper() not in frame.columns:
            problems.append(Problem(where(name, variable.upper()), f"variable in 'where' is missing {tag}"))
    if analysis.param and "PARAMCD" in frame.columns:
        records = frame[frame["PARAMCD"] == analysis.param]
        if records.empty:
            problems.append(Problem(where(name, "PARAMCD"), f"no records with PARAMCD = {analysis.param!r} {tag}; "
                                    f"values are {_examples(sorted(set(frame['PARAMCD'])))}"))
            return problems, warnings
        for variable in ("AVAL", "CHG", "BASE", "CNSR"):
            if variable in records.columns and not pd.api.types.is_numeric_dtype(records[variable]):
                text = records[variable][pd.to_numeric(records[variable], errors="coerce").isna()
                                         & (records[variable] != "")]
                row = text.index[0] + 1 if len(text) else "?"
                problems.append(Problem(where(name, variable), f"must be numeric; row {row} holds "
                                        f"{text.iloc[0] if len(text) else ''!r} {tag}"))
        if analysis.type == "time_to_event":
            problems.extend(_check_times(records, name, tag, where))
        if analysis.type == "change_from_baseline" and analysis.visits and "AVISIT" in records.columns:
            known = set(records["AVISIT"])
            for visit in analysis.visits:
                if visit not in known:
                    problems.append(Problem(where(name, "AVISIT"), f"no {analysis.param} records at visit {visit!r} "
                                            f"{tag}; visits are {_examples(_visit_order(records))}"))
    return problems, warnings


def _check_times(records: pd.DataFrame, name: str, tag: str, where) -> list[Problem]:
    problems = []
    if "CNSR" in records.columns and pd.api.types.is_numeric_dtype(records["CNSR"]):
        bad = records["CNSR"][~records["CNSR"].isin([0.0, 1.0])]
        if len(bad):
            problems.append(Problem(where(name, "CNSR"), f"must be 0 (event) or 1 (censored); row {bad.index[0] + 1} "
                                    f"holds {bad.iloc[0]!r} ({len(bad)} such row(s)) {tag}"))
    if "AVAL" in records.columns and pd.api.types.is_numeric_dtype(records["AVAL"]):
        missing = records["AVAL"].isna()
        if missing.any():
            problems.append(Problem(where(name, "AVAL"), f"time is missing in {int(missing.sum())} row(s) "
                                    f"(first: row {records.index[missing][0] + 1}) {tag}"))
        negative = records["AVAL"] < 0
        if negative.any():
            problems.append(Problem(where(name, "AVAL"), f"time must not be negative; row "
                                    f"{records.index[negative][0] + 1} holds {records['AVAL'][negative].iloc[0]!r} {tag}"))
    return problems


def _visit_order(records: pd.DataFrame) -> list[str]:
    if "AVISITN" in records.columns and pd.api.types.is_numeric_dtype(records["AVISITN"]):
        order = records.groupby("AVISIT")["AVISITN"].min().sort_values()
        return list(order.index)
    return sorted(set(records["AVISIT"]))
