"""Checks of the loaded datasets against what the analyses need, before any analysis runs.

Every problem is collected (file, column, row or subject, what is wrong, what was expected) and
raised together as one DataError; suspicious but valid data become warnings. Row numbers count
the dataset's records from 1 (a CSV file's line is the row + 1, for its header).

Errors: variables an analysis needs are missing; ADSL has duplicate or blank USUBJIDs; another
dataset has subjects not in ADSL; a population flag holds values other than Y/N/blank, or no Y;
subjects of the population have a blank treatment; an analysis parameter (PARAMCD) or visit
(AVISIT) has no records; AVAL/CHG/BASE/CNSR hold text; CNSR is not 0/1; a time is missing or
negative; the 'where' filter leaves no records; an arm of the population has no records of the
parameter (it would silently drop out of the analysis); a time-to-event parameter has more than one
record per subject, or a change-from-baseline parameter more than one per subject and visit; TRTEMFL
holds values other than Y/N/blank.

Warnings: a very small arm (fewer than 3 subjects); the reference arm missing from a comparison;
every subject (or every subject of an arm) censored; analysed records outside their visit's analysis
window (when the dataset carries ADY, AWLO and AWHI: ADY < AWLO or ADY > AWHI, a missing bound
being open; derived records, DTYPE not blank such as LOCF, are left out as they keep the day of the
record they copy; the records are still analysed, windowing being the data's decision); text values
holding control characters (shown as U+FFFD in the documents).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from dossier.analyses import module_for
from dossier.datasets import TrialData
from dossier.errors import DataError, Problem
from dossier.spec import Analysis, TrialSpec

FLAG_VALUES = {"Y", "N", ""}
MAX_LISTED = 3
SMALL_ARM = 3
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARACTERS = [chr(c) for c in range(0x80) if CONTROL.match(chr(c))]


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


def _rows(index) -> str:
    """Row numbers (1-based) of the first few records of `index`."""
    numbers = [str(i + 1) for i in list(index)[:MAX_LISTED]]
    more = f" and {len(index) - MAX_LISTED} more" if len(index) > MAX_LISTED else ""
    return ("row " if len(numbers) == 1 and not more else "rows ") + ", ".join(numbers) + more


def as_text(column: pd.Series) -> pd.Series:
    """Values as the analyses compare them: text, "" for missing, 1.0 -> "1"."""
    if pd.api.types.is_numeric_dtype(column):
        return column.map(lambda v: "" if pd.isna(v) else (str(int(v)) if float(v).is_integer() else repr(float(v))))
    return column.astype(str)


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
        blank_arms: dict[tuple[str, str], list[str]] = {}  # (population, arm) -> analyses: one problem for all
        for analysis in spec.analyses:
            if analysis.id in incomplete:
                continue
            p, w = _check_analysis(analysis, spec, data, where, blank_arms)
            problems.extend(p)
            warnings.extend(w)
        for (flag, arm), ids in blank_arms.items():
            blank = adsl.index[(adsl[flag] == "Y") & (as_text(adsl[arm]) == "")]
            problems.append(Problem(where("adsl", arm), f"{len(blank)} subject(s) of population {flag} have a blank "
                                    f"treatment ({_rows(blank)}) (analyses {', '.join(map(repr, ids))})"))
    warnings.extend(_control_characters(data, where))
    if problems:
        raise DataError(list(dict.fromkeys(problems)))
    return list(dict.fromkeys(warnings))


def _check_adsl(spec, data, needs, where) -> list[Problem]:
    adsl = data.frame("adsl")
    problems = []
    duplicated = adsl["USUBJID"][adsl["USUBJID"].duplicated()].unique()
    if len(duplicated):
        problems.append(Problem(where("adsl", "USUBJID"),
                                f"{len(duplicated)} duplicate subject(s) (ADSL has one row per subject): "
                                f"{_examples(duplicated)}"))
    blank = adsl.index[as_text(adsl["USUBJID"]) == ""]
    if len(blank):
        problems.append(Problem(where("adsl", "USUBJID"), f"{len(blank)} row(s) with a blank USUBJID ({_rows(blank)})"))
    flags = {(a.population or spec.population).upper() for a in spec.analyses}
    for flag in sorted(flags):
        if flag not in adsl.columns:
            continue
        problem = _flag_problem(adsl[flag], where("adsl", flag), "population flag")
        if problem is not None:
            problems.append(problem)
        elif not (adsl[flag] == "Y").any():
            problems.append(Problem(where("adsl", flag), "no subject has the flag = 'Y': the population is empty"))
    return problems


def _flag_problem(column: pd.Series, at: str, what: str, tag: str = "") -> Problem | None:
    """A flag variable must hold Y, N or blank (text)."""
    suffix = f" {tag}" if tag else ""
    if pd.api.types.is_numeric_dtype(column):
        if column.isna().all():
            return None  # blank on every record: read as an empty numeric column
        return Problem(at, f"{what} must be text Y/N/blank, found numbers such as {column.dropna().iloc[0]:g}{suffix}")
    bad = ~column.isin(FLAG_VALUES)
    if bad.any():
        return Problem(at, f"{what} values must be Y, N or blank; found {_examples(sorted(set(column[bad])))} "
                           f"({_rows(column.index[bad])}){suffix}")
    return None


def _check_analysis(analysis: Analysis, spec: TrialSpec, data: TrialData, where,
                    blank_arms: dict[tuple[str, str], list[str]]) -> tuple[list[Problem], list[str]]:
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
    arms: list[str] = []
    in_pop = None
    if arm in adsl.columns and flag in adsl.columns:
        in_pop = adsl.loc[adsl[flag] == "Y", ["USUBJID", arm]].assign(_ARM=lambda f: as_text(f[arm]))
        if (in_pop["_ARM"] == "").any():
            blank_arms.setdefault((flag, arm), []).append(analysis.id)
            return problems, warnings
        arms = sorted(set(in_pop["_ARM"]) - {""})
        if spec.reference_arm and arms and spec.reference_arm not in arms and analysis.type in (
                "change_from_baseline", "time_to_event"):
            warnings.append(f"analysis {analysis.id!r}: reference arm {spec.reference_arm!r} is not among the arms "
                            f"of {arm} in population {flag} ({', '.join(arms)}); no comparisons")
        for value in arms:
            n = int((in_pop["_ARM"] == value).sum())
            if n < SMALL_ARM:
                warnings.append(f"analysis {analysis.id!r}: arm {value!r} has only {n} subject(s)")
    for variable in analysis.where:
        if variable.upper() not in frame.columns:
            problems.append(Problem(where(name, variable.upper()), f"variable in 'where' is missing {tag}"))
    if analysis.type == "adverse_events" and "TRTEMFL" in frame.columns:
        problem = _flag_problem(frame["TRTEMFL"], where(name, "TRTEMFL"), "treatment-emergent flag", tag)
        if problem is not None:
            problems.append(problem)
    if not (analysis.param and "PARAMCD" in frame.columns):
        return problems, warnings
    used = ["USUBJID", "PARAMCD", "AVAL", "CHG", "BASE", "CNSR", "AVISIT", "AVISITN", "ABLFL", "ADY", "AWLO", "AWHI",
            "DTYPE", *(v.upper() for v in analysis.where)]
    records = frame.loc[as_text(frame["PARAMCD"]) == analysis.param, [c for c in dict.fromkeys(used) if c in frame]]
    if records.empty:
        problems.append(Problem(where(name, "PARAMCD"), f"no records with PARAMCD = {analysis.param!r} {tag}; "
                                f"values are {_examples(sorted(set(as_text(frame['PARAMCD']))))}"))
        return problems, warnings
    numeric_ok = True
    for variable in ("AVAL", "CHG", "BASE", "CNSR"):
        if variable in records.columns and not pd.api.types.is_numeric_dtype(records[variable]):
            text = records[variable][pd.to_numeric(records[variable], errors="coerce").isna()
                                     & (records[variable] != "")]
            if variable in ("AVAL", "CNSR") or analysis.type == "change_from_baseline":
                numeric_ok = False
            row = text.index[0] + 1 if len(text) else "?"
            problems.append(Problem(where(name, variable), f"must be numeric; row {row} holds "
                                    f"{text.iloc[0] if len(text) else ''!r} {tag}"))
    if analysis.type == "time_to_event":
        problems.extend(_check_times(records, name, tag, where))
    if analysis.type == "change_from_baseline" and analysis.visits and "AVISIT" in records.columns:
        known = set(as_text(records["AVISIT"]))
        for visit in analysis.visits:
            if visit not in known:
                problems.append(Problem(where(name, "AVISIT"), f"no {analysis.param} records at visit {visit!r} "
                                        f"{tag}; visits are {_examples(_visit_order(records))}"))
    if problems or in_pop is None or not numeric_ok:
        return problems, warnings
    p, w = _check_records(analysis, records, in_pop, arm, flag, name, tag, where)
    return problems + p, warnings + w


def _where_filter(analysis: Analysis, records: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The records that pass the analysis's `where` (compared as text, as the analyses do) and its description."""
    mask = pd.Series(True, index=records.index)
    shown = []
    for variable, values in sorted(analysis.where.items()):
        wanted = [str(v) for v in (values if isinstance(values, list) else [values])]
        column = records[variable.upper()]
        if pd.api.types.is_numeric_dtype(column):
            numbers = pd.to_numeric(pd.Series(wanted), errors="coerce").dropna()
            mask &= column.isin(list(numbers))
        else:
            mask &= column.astype(str).isin(wanted)
        shown.append(f"{variable.upper()} in {_examples(wanted)}")
    return records[mask], "; ".join(shown)


def _check_records(analysis: Analysis, records: pd.DataFrame, in_pop: pd.DataFrame, arm: str, flag: str, name: str,
                   tag: str, where) -> tuple[list[Problem], list[str]]:
    """Checks on the records an analysis of a parameter will use: after `where`, of the population's subjects."""
    problems: list[Problem] = []
    warnings: list[str] = []
    kept, filter_text = _where_filter(analysis, records)
    if kept.empty and analysis.where:
        first = min(analysis.where).upper()
        return [Problem(where(name, first), f"no records with PARAMCD = {analysis.param!r} are left after the "
                        f"'where' filter ({filter_text}) {tag}")], warnings
    subjects = (in_pop.loc[in_pop["_ARM"] != "", ["USUBJID", "_ARM"]].assign(_ID=lambda f: as_text(f["USUBJID"]))
                .drop_duplicates("_ID"))  # duplicate subjects are an ADSL problem of their own
    used = (kept.assign(_ID=as_text(kept["USUBJID"])).reset_index()
            .merge(subjects[["_ID", "_ARM"]], on="_ID", how="inner").set_index("index"))
    for value in sorted(set(subjects["_ARM"])):
        if not (used["_ARM"] == value).any():
            n = int((subjects["_ARM"] == value).sum())
            problems.append(Problem(where(name, "PARAMCD"), f"no records with PARAMCD = {analysis.param!r} for arm "
                                    f"{value!r} ({n} subject(s) of {arm} in population {flag}) {tag}; an arm without "
                                    f"records cannot be analysed (check the dataset and the 'where' filter)"))
    if used.empty:
        return problems, warnings
    if analysis.type == "time_to_event":
        dup = used.index[used["USUBJID"].duplicated(keep=False)]
        if len(dup):
            first = used.loc[dup[0], "USUBJID"]
            same = used.index[used["USUBJID"] == first]
            problems.append(Problem(where(name, "USUBJID"), f"more than one record with PARAMCD = {analysis.param!r} "
                                    f"for {used.loc[dup, 'USUBJID'].nunique()} subject(s), e.g. {first!r} "
                                    f"({_rows(same)}) {tag}; select one record per subject with a 'where' filter"))
        elif not problems:
            warnings.extend(_censoring_warnings(analysis, used))
    if analysis.type == "change_from_baseline" and "AVISIT" in used.columns:
        used = used.assign(_VISIT=as_text(used["AVISIT"]))
        analysed = used[used["_VISIT"].isin(analysis.visits)] if analysis.visits else _post_baseline(used)
        dup = analysed.index[analysed.duplicated(["USUBJID", "_VISIT"], keep=False)]
        if len(dup):
            first = analysed.loc[dup[0]]
            same = analysed.index[(analysed["USUBJID"] == first["USUBJID"]) & (analysed["_VISIT"] == first["_VISIT"])]
            problems.append(Problem(where(name, "AVISIT"), f"more than one record with PARAMCD = {analysis.param!r} "
                                    f"per subject and visit for {analysed.loc[dup, 'USUBJID'].nunique()} subject(s), "
                                    f"e.g. {first['USUBJID']!r} at {first['_VISIT']} ({_rows(same)}) {tag}; select "
                                    "one record per visit with a 'where' filter such as ANL01FL: Y"))
        warnings.extend(_window_warnings(analysis, analysed, name, tag, where))
    return problems, warnings


def _post_baseline(records: pd.DataFrame) -> pd.DataFrame:
    named = records[records["_VISIT"] != ""]
    if "AVISITN" in named.columns and pd.api.types.is_numeric_dtype(named["AVISITN"]):
        return named[named["AVISITN"] > 0]
    if "ABLFL" in named.columns:
        return named[named["ABLFL"].astype(str) != "Y"]
    return named


def _censoring_warnings(analysis: Analysis, used: pd.DataFrame) -> list[str]:
    """The time-to-event analysis's own wording, so a build shows each warning once."""
    events = (used["CNSR"] == 0).groupby(used["_ARM"]).sum()
    if events.sum() == 0:
        return [(f"analysis {analysis.id!r}: all subjects are censored (no events); medians, tests and hazard "
                 f"ratios are not estimable")]
    return [f"analysis {analysis.id!r}: arm {a!r} has no events; its median and hazard ratio are not estimable"
            for a, n in events.items() if n == 0]


def _window_warnings(analysis: Analysis, analysed: pd.DataFrame, name: str, tag: str, where) -> list[str]:
    """Analysed records whose study day ADY lies outside their visit's analysis window [AWLO, AWHI]."""
    columns = ("ADY", "AWLO", "AWHI")
    if not all(c in analysed.columns and pd.api.types.is_numeric_dtype(analysed[c]) for c in columns):
        return []
    if "CHG" in analysed.columns:
        analysed = analysed[analysed["CHG"].notna()]
    if "DTYPE" in analysed.columns:  # derived records (LOCF ...) keep the study day of the record they copy
        analysed = analysed[as_text(analysed["DTYPE"]) == ""]
    day, low, high = (analysed[c] for c in columns)
    outside = analysed.index[(day < low) | (day > high)]  # a missing bound is an open window
    if not len(outside):
        return []
    r = analysed.loc[outside[0]]
    bounds = "..".join("" if pd.isna(r[c]) else f"{r[c]:g}" for c in ("AWLO", "AWHI"))
    return [(f"{where(name, 'ADY')}: {len(outside)} analysed {analysis.param} record(s) lie outside their visit's "
             f"analysis window AWLO..AWHI, e.g. {_rows(outside[:1])} ({r['_VISIT']}, ADY {r['ADY']:g} not in "
             f"{bounds}) {tag}; they are analysed as recorded")]


def _check_times(records: pd.DataFrame, name: str, tag: str, where) -> list[Problem]:
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


def _value(x) -> str:
    """A number as the data show it: 2.0 -> 2, nan -> blank."""
    if isinstance(x, float):
        return "blank" if np.isnan(x) else f"{x:g}"
    return repr(x)


def _visit_order(records: pd.DataFrame) -> list[str]:
    visits = as_text(records["AVISIT"])
    if "AVISITN" in records.columns and pd.api.types.is_numeric_dtype(records["AVISITN"]):
        order = records["AVISITN"].groupby(visits).min().sort_values()
        return list(order.index)
    return sorted(set(visits))


def _control_characters(data: TrialData, where) -> list[str]:
    """Text values holding control characters (a bell, a form feed ...): shown as U+FFFD in the documents."""
    warnings = []
    for name, frame in sorted(data.frames.items()):
        for column in frame.columns:
            values = frame[column]
            if values.dtype != object:
                continue
            try:
                text = "".join(values.tolist())
            except TypeError:  # not only str (not from datasets.normalise)
                text = "".join(map(str, values.tolist()))
            if not any(c in text for c in CONTROL_CHARACTERS):  # fast substring searches; rows only when found
                continue
            bad = values.index[values.map(lambda v: isinstance(v, str) and CONTROL.search(v) is not None)]
            warnings.append(f"{where(name, column)}: {len(bad)} value(s) hold control characters ({_rows(bad)}); "
                            "the documents show each as \ufffd")
    return warnings


def text_warnings(spec: TrialSpec, trial_dir) -> list[str]:
    """Control characters in the writer's text (Markdown files and inline yaml text): shown as U+FFFD."""
    from pathlib import Path

    from dossier.spec import SPEC_FILE, TEXT_FILE, text_fields

    warnings = []
    for key, value in text_fields(spec):
        if not value:
            continue
        if not TEXT_FILE.match(value):
            sources = [(f"{Path(trial_dir) / SPEC_FILE}: {key}", value)]
        else:
            rel = Path(value)
            paths = [Path(trial_dir) / rel, *(Path(trial_dir) / rel.parent / lang / rel.name for lang in ("en", "ja"))]
            sources = []
            for path in paths:
                try:
                    sources.append((str(path), path.read_text(encoding="utf-8-sig")))
                except (OSError, UnicodeDecodeError):
                    continue  # missing or unreadable files are problems of their own
        for where, text in sources:
            match = CONTROL.search(text)
            if match:
                line = text.count("\n", 0, match.start()) + 1
                warnings.append(f"{where}: line {line}: control character U+{ord(match.group()):04X} "
                                f"({len(CONTROL.findall(text))} in all); the documents show each as \ufffd")
    return list(dict.fromkeys(warnings))
