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

The checks of one analysis type's data are its own (dossier.analyses.registry): its implementation's
`check_dataset(c)` (the whole dataset), `check_parameter(c)` (the parameter's records) and
`check_records(c, records, clean)` (the records it will analyse, after `where`, of the population; `records`
gives them with their arm, `clean` says no problem was found so far), each given a `Checked`; the type
declares which record variables must be numeric for them (`numeric`) and whether it compares arms with the
reference arm (`compares_arms`). This module names no type.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dossier import errors
from dossier.analyses import declared
from dossier.analyses.registry import get as analysis_type
from dossier.config.limits import MAX_ARMS
from dossier.config.spec import Analysis, TrialSpec
from dossier.config.yaml_lines import did_you_mean
from dossier.control import CONTROL
from dossier.data import columns as cols
from dossier.data import selection
from dossier.data.datasets import TrialData
from dossier.errors import DataError, Problem

FLAG_VALUES = {"Y", "N", ""}
MAX_LISTED = 3
SMALL_ARM = 3
CONTROL_CHARACTERS = [chr(c) for c in (*range(0x80), 0xFFFE, 0xFFFF) if CONTROL.match(chr(c))]


@dataclass(frozen=True)
class Checked:
    """What an analysis type's own checks (its implementation's check_dataset, check_parameter and
    check_records) look at: the analysis's dataset `frame` (named `name`), the `rows` checked (None for the
    whole dataset; the parameter's records; the records analysed), the variables it may read, the tag that
    ends its messages and `where(dataset, column)`, the location a problem names."""

    analysis: Analysis
    frame: pd.DataFrame
    name: str
    rows: np.ndarray | None
    readable: set[str]
    tag: str
    where: object


def requirements(spec: TrialSpec) -> dict[str, dict[str, set[str]]]:
    """Analysis id -> dataset -> variables, as declared by each analysis module."""
    needs: dict[str, dict[str, set[str]]] = {}
    for analysis in spec.analyses:
        merged = {name.lower(): {v.upper() for v in variables.required}
                  for name, variables in declared(analysis, spec).items()}
        merged.setdefault("adsl", set()).add("USUBJID")
        needs[analysis.id] = merged
    return needs


def variables_to_load(spec: TrialSpec) -> dict[str, set[str]]:
    """Dataset -> the variables read from its file: every variable an analysis declares (required or
    optional, dossier.analyses.Variables), and ADSL's USUBJID and the trial's population and arm (with
    `<ARM>N`) for the documents' arm counts (pipeline.arm_counts). Other variables are not loaded."""
    wanted: dict[str, set[str]] = {"adsl": {"USUBJID", spec.population.upper(), spec.arm.upper(),
                                            spec.arm.upper() + "N"}}
    for analysis in spec.analyses:
        for name, variables in declared(analysis, spec).items():
            wanted.setdefault(name.lower(), set()).update(variables.all)
    return wanted


def datasets_needed(needs: dict[str, dict[str, set[str]]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for per_dataset in needs.values():
        for name, variables in per_dataset.items():
            out.setdefault(name, set()).update(variables)
    return out
























def validate(spec: TrialSpec, data: TrialData, needs: dict[str, dict[str, set[str]]],
             spec_path: Path | None = None) -> list[str]:
    """Raise DataError with every problem found; return warnings for suspicious but valid data.
    `spec_path` (the trial's dossier.yaml) lets a problem of a yaml value name its key and line."""
    problems: list[Problem] = []
    warnings: list[str] = []
    yaml_at = _yaml_where(spec_path)

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
                problems.append(_flag_in_yaml(spec, analysis_id, name, variable, data, yaml_at)
                                or Problem(where(name, variable),
                                           f"variable is missing (needed by analysis {analysis_id!r})"))
    adsl = data.frames.get("adsl")
    if adsl is not None and "USUBJID" in adsl.columns:
        problems.extend(_check_adsl(spec, data, needs, where))
        for name, frame in sorted(data.frames.items()):
            if name == "adsl" or "USUBJID" not in frame.columns:
                continue
            unknown = cols.unknown_subjects(adsl["USUBJID"], frame["USUBJID"])
            if unknown:
                problems.append(Problem(where(name, "USUBJID"),
                                        f"{len(unknown)} subject(s) not in ADSL: {errors.listing(unknown)}"))
    if adsl is not None:
        blank_arms: dict[tuple[str, str], list[str]] = {}  # (population, arm) -> analyses: one problem for all
        populations: dict[tuple[str, str], pd.DataFrame] = {}  # (population, arm) -> its subjects, for all
        for analysis in spec.analyses:
            if analysis.id in incomplete:
                continue
            p, w = _check_analysis(analysis, spec, data, where, blank_arms, populations, yaml_at)
            problems.extend(p)
            warnings.extend(w)
        for (flag, arm), ids in blank_arms.items():
            blank = adsl.index[(adsl[flag] == "Y").to_numpy() & cols.text_is(adsl[arm], [""])]
            problems.append(Problem(where("adsl", arm), f"{len(blank)} subject(s) of population {flag} have a blank "
                                    f"treatment ({errors.row_list(blank)}) (analyses {', '.join(map(repr, ids))})"))
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
                                f"{errors.listing(duplicated)}"))
    blank = adsl.index[cols.text_is(adsl["USUBJID"], [""])]
    if len(blank):
        problems.append(Problem(where("adsl", "USUBJID"), f"{len(blank)} row(s) with a blank USUBJID ({errors.row_list(blank)})"))
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


def _yaml_where(spec_path: Path | None):
    """`at(keys)` -> "dossier.yaml: key.path (line N)" with list positions counted from 1."""
    from dossier.config.spec import SPEC_FILE
    from dossier.config.yaml_lines import key_line

    def at(keys: tuple) -> str:
        shown = "".join(f"[{k + 1}]" if isinstance(k, int) else ("." if i else "") + k for i, k in enumerate(keys))
        line = key_line(spec_path, keys) if spec_path is not None else None
        return f"{spec_path or SPEC_FILE}: {shown}" + (f" (line {line})" if line else "")

    return at


def _flag_in_yaml(spec, analysis_id: str, dataset: str, variable: str, data, yaml_at) -> Problem | None:
    """A population flag or arm variable the yaml names that ADSL lacks, pointed at the yaml key, with the
    ADSL variables most like it first; None for another missing variable."""
    if dataset != "adsl":
        return None
    index = next((i for i, a in enumerate(spec.analyses) if a.id == analysis_id), None)
    analysis = spec.analyses[index] if index is not None else None
    columns = _all_columns(data, "adsl")
    for key, default, suffix, what in (("population", spec.population, "FL", "population flag"),
                                       ("arm", spec.arm, "", "treatment variable")):
        own = getattr(analysis, key, None) if analysis is not None else None
        if (own or default).upper() != variable:
            continue
        keys = ("analyses", index, key) if own else (key,)
        choices = [c for c in columns if c.endswith(suffix)] if suffix else columns
        used_by = f" (analysis {analysis_id!r})" if own else ""  # the trial's default: once for all analyses
        return Problem(yaml_at(keys), f"{what} {variable!r} is not a variable of ADSL{used_by}"
                                      f"{did_you_mean(variable, choices)}")
    return None


def _all_columns(data, dataset: str) -> list[str]:
    """Every variable of a dataset file (only the declared ones are loaded): read again, on this error path only."""
    from dossier.data.datasets import read_dataset

    try:
        return list(read_dataset(data.file(dataset).path)[0].columns)
    except (DataError, KeyError):
        return list(data.frame(dataset).columns)


def _flag_problem(column: pd.Series, at: str, what: str, tag: str = "") -> Problem | None:
    """A flag variable must hold Y, N or blank (text)."""
    suffix = f" {tag}" if tag else ""
    if pd.api.types.is_numeric_dtype(column):
        if column.isna().all():
            return None  # blank on every record: read as an empty numeric column
        return Problem(at, f"{what} must be text Y/N/blank, found numbers such as {column.dropna().iloc[0]:g}{suffix}")
    bad = ~column.isin(FLAG_VALUES)
    if bad.any():
        return Problem(at, f"{what} values must be Y, N or blank; found {errors.listing(sorted(set(column[bad])))} "
                           f"({errors.row_list(column.index[bad])}){suffix}")
    return None


def _check_analysis(analysis: Analysis, spec: TrialSpec, data: TrialData, where,
                    blank_arms: dict[tuple[str, str], list[str]], populations: dict[tuple[str, str], pd.DataFrame],
                    yaml_at=None) -> tuple[list[Problem], list[str]]:
    yaml_at = yaml_at or _yaml_where(None)
    problems: list[Problem] = []
    warnings: list[str] = []
    tag = f"(analysis {analysis.id!r})"
    kind = analysis_type(analysis.type)
    name = analysis.dataset_name
    if name not in data.frames:
        return problems, warnings
    frame = data.frame(name)
    arm = (analysis.arm or spec.arm).upper()
    flag = (analysis.population or spec.population).upper()
    adsl = data.frame("adsl")
    arms: list[str] = []
    in_pop = None
    if arm in adsl.columns and flag in adsl.columns:
        if (flag, arm) not in populations:
            populations[flag, arm] = (adsl.loc[adsl[flag] == "Y", ["USUBJID", arm]]
                                      .assign(_ARM=lambda f: cols.sorted_text_categorical(f[arm])))
        in_pop = populations[flag, arm]
        if (in_pop["_ARM"] == "").any():
            blank_arms.setdefault((flag, arm), []).append(analysis.id)
            return problems, warnings
        arms = sorted(set(cols.distinct(in_pop["_ARM"])) - {""})
        if len(arms) > MAX_ARMS:
            problems.append(Problem(where("adsl", arm), f"{len(arms)} arms in population {flag}, more than the limit "
                                    f"of {MAX_ARMS} arms an analysis compares"))  # once for all the analyses
            return problems, warnings
        if spec.reference_arm and arms and spec.reference_arm not in arms and kind.compares_arms:
            problems.append(Problem(yaml_at(("reference_arm",)),
                                    f"{spec.reference_arm!r} is not an arm of {arm} in population {flag}, so "
                                    "no arm could be compared with it"
                                    f"{did_you_mean(spec.reference_arm, arms)}"))
        for value in arms:
            n = int((in_pop["_ARM"] == value).sum())
            if n < SMALL_ARM:
                warnings.append(f"analysis {analysis.id!r}: arm {value!r} has only {n} subject(s)")
    for variable in analysis.where:
        if variable.upper() not in frame.columns:
            problems.append(Problem(where(name, variable.upper()), f"variable in 'where' is missing {tag}"))
    problems.extend(kind.check("dataset", Checked(analysis, frame, name, None, set(frame.columns), tag, where)) or [])
    if not (analysis.parameter and "PARAMCD" in frame.columns):
        return problems, warnings
    read = declared(analysis, spec).get(name)  # the variables analyses of this type read
    readable = {c for c in frame.columns if read is not None and c in read.all or c in ("USUBJID", "PARAMCD")}
    rows = cols.text_is(frame["PARAMCD"], [analysis.param])  # the parameter's records (selected as late as possible)
    if not rows.any():
        problems.append(Problem(where(name, "PARAMCD"), f"no records with PARAMCD = {analysis.param!r} {tag}"
                                f"{did_you_mean(analysis.param, cols.texts(frame['PARAMCD']))}"))
        return problems, warnings
    numeric_ok = True
    for variable in ("AVAL", "CHG", "BASE", "CNSR"):
        if variable in readable and not pd.api.types.is_numeric_dtype(frame[variable]):
            values = frame[variable][rows]
            values = cols.as_str(values) if cols.is_categorical(values) else values
            text = values[pd.to_numeric(values, errors="coerce").isna() & (values != "")]
            if variable in kind.numeric:
                numeric_ok = False
            row = text.index[0] + 1 if len(text) else "?"
            problems.append(Problem(where(name, variable), f"must be numeric; row {row} holds "
                                    f"{text.iloc[0] if len(text) else ''!r} {tag}"))
    problems.extend(kind.check("parameter", Checked(analysis, frame, name, rows, readable, tag, where)) or [])
    if problems or in_pop is None or not numeric_ok:
        return problems, warnings
    p, w = _check_records(analysis, frame, rows, readable, in_pop, arm, flag, name, tag, where)
    return problems + p, warnings + w




def _check_records(analysis: Analysis, frame: pd.DataFrame, rows: np.ndarray, readable: set[str],
                   in_pop: pd.DataFrame, arm: str, flag: str, name: str, tag: str, where
                   ) -> tuple[list[Problem], list[str]]:
    """Checks on the records an analysis of a parameter will use (`rows` of `frame`): after `where`, of the
    population's subjects. Only the columns a check reads are taken from the frame, and only for the records
    it checks."""
    problems: list[Problem] = []
    warnings: list[str] = []
    kept, filter_text = selection.where_filter(analysis, frame, rows)
    if not kept.any() and analysis.where:
        first = min(analysis.where).upper()
        return [Problem(where(name, first), f"no records with PARAMCD = {analysis.param!r} are left after the "
                        f"'where' filter ({filter_text}) {tag}")], warnings
    subjects = in_pop.loc[(in_pop["_ARM"] != "").to_numpy(), ["USUBJID", "_ARM"]]
    subjects = subjects[cols.first_of_each(subjects["USUBJID"])]  # duplicate subjects are an ADSL problem of their own
    # the records of the population's subjects, with their arm (an inner join on the subject, in record order)
    position = cols.text_positions(subjects["USUBJID"], frame["USUBJID"])
    used = kept & (position >= 0)
    arm_of = subjects["_ARM"].array

    def records(mask: np.ndarray, columns) -> pd.DataFrame:
        return frame.loc[mask, [c for c in columns if c in readable]].assign(
            _ARM=pd.Categorical.from_codes(arm_of.codes[position[mask]], dtype=arm_of.dtype))

    with_records = np.bincount(arm_of.codes[position[used]], minlength=len(arm_of.categories)) > 0
    for value in sorted(set(cols.distinct(subjects["_ARM"]))):
        if not with_records[arm_of.categories.get_loc(value)]:
            n = int((subjects["_ARM"] == value).sum())
            problems.append(Problem(where(name, "PARAMCD"), f"no records with PARAMCD = {analysis.param!r} for arm "
                                    f"{value!r} ({n} subject(s) of {arm} in population {flag}) {tag}; an arm without "
                                    f"records cannot be analysed (check the dataset and the 'where' filter)"))
    if not used.any():
        return problems, warnings
    checked = Checked(analysis, frame, name, used, readable, tag, where)
    found = analysis_type(analysis.type).check("records", checked, records, not problems)
    if found:
        problems.extend(found[0])
        warnings.extend(found[1])
    return problems, warnings




def _control_characters(data: TrialData, where) -> list[str]:
    """Text values holding control characters (a bell, a form feed ...): shown as U+FFFD in the documents."""
    warnings = []
    for name, frame in sorted(data.frames.items()):
        for column in frame.columns:
            values = frame[column]
            if cols.is_categorical(values):  # loaded text: the distinct values are the categories
                categories = values.cat.categories
                if categories.inferred_type == "string" and not CONTROL.search("".join(categories)):
                    continue  # one search of all the values at once; a value at a time only when one has some
                hits = np.array([isinstance(v, str) and CONTROL.search(v) is not None for v in categories]
                                + [False], dtype=bool)
                bad = values.index[hits[values.cat.codes.to_numpy()]]
                if len(bad):
                    warnings.append(f"{where(name, column)}: {len(bad)} value(s) hold control characters "
                                    f"({errors.row_list(bad)}); the documents show each as \ufffd")
                continue
            if values.dtype != object:
                continue
            try:
                text = "".join(values.tolist())
            except TypeError:  # not only str (not from datasets.normalise)
                text = "".join(map(str, values.tolist()))
            if not any(c in text for c in CONTROL_CHARACTERS):  # fast substring searches; rows only when found
                continue
            bad = values.index[values.map(lambda v: isinstance(v, str) and CONTROL.search(v) is not None)]
            warnings.append(f"{where(name, column)}: {len(bad)} value(s) hold control characters ({errors.row_list(bad)}); "
                            "the documents show each as \ufffd")
    return warnings
