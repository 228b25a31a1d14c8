"""Subjects and records of an analysis: the population, the arms in display order, the parameter's records, the
`where` filters (compared as text), the ADSL variables attached to records. One place for the analyses and
validation (dossier.data.validate), so both select the same records."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dossier import errors
from dossier.data import columns as cols
from dossier.errors import AnalysisError

if TYPE_CHECKING:
    from dossier.analyses.options import Setting
    from dossier.config.spec import Analysis


def population(adsl: pd.DataFrame, flag: str) -> pd.DataFrame:
    """ADSL rows of the analysis population (flag == "Y")."""
    return adsl[adsl[flag] == "Y"]


def arm_order(subjects: pd.DataFrame, arm: str, reference: str | None) -> tuple[str, ...]:
    """Arm values in display order: by the numeric code `<ARM>N` when ADSL has it (TRT01AN for
    TRT01A), else alphabetically; the reference arm first when there is no numeric code."""
    values = [v for v in subjects[arm].unique() if v != ""]
    code = arm + "N"
    if code in subjects.columns and pd.api.types.is_numeric_dtype(subjects[code]):
        codes = subjects.groupby(arm, observed=True)[code].min()
        return tuple(sorted(values, key=lambda v: (codes.get(v, math.inf), v)))
    ordered = sorted(values)
    if reference in ordered:
        ordered.remove(reference)
        ordered.insert(0, reference)
    return tuple(ordered)


def apply_where(records: pd.DataFrame, where: tuple[tuple[str, tuple[str, ...]], ...]) -> pd.DataFrame:
    """Keep the records whose variables take one of the required values (compared as text)."""
    if not where:
        return records
    return records[where_mask(records, where)]


def where_mask(records: pd.DataFrame, where: tuple[tuple[str, tuple[str, ...]], ...]) -> np.ndarray:
    """True for the records that pass `where` (see apply_where)."""
    mask = np.ones(len(records), dtype=bool)
    for name, values in where:
        column = records[name]
        if pd.api.types.is_numeric_dtype(column):
            wanted = [x for x in (float(v) for v in values if cols.is_number(v)) if not math.isnan(x)]
            mask &= column.isin(wanted).to_numpy()
        else:
            mask &= cols.text_in(column, values)
    return mask


def where_filter(analysis: Analysis, frame: pd.DataFrame, rows: np.ndarray) -> tuple[np.ndarray, str]:
    """The `rows` that pass the analysis's `where` (where_mask: as the analyses select them) and its description."""
    where = tuple((variable.upper(), tuple(str(v) for v in (values if isinstance(values, list) else [values])))
                  for variable, values in sorted(analysis.where.items()))
    return rows & where_mask(frame, where), "; ".join(f"{name} in {errors.listing(values)}" for name, values in where)


def require_columns(frame: pd.DataFrame, dataset: str, columns: Iterable[str], analysis: Analysis,
                    what: str = "variable") -> None:
    """AnalysisError naming the analysis, dataset and variable when a column is absent."""
    for column in columns:
        if column not in frame.columns:
            raise AnalysisError(f"analysis {analysis.id!r}: {dataset} has no {what} {column}",
                                where=f"dataset {dataset}")


def population_subjects(analysis: Analysis, adsl: pd.DataFrame, setting: Setting,
                        extra: Iterable[str] = ()) -> tuple[pd.DataFrame, tuple[str, ...], list[str]]:
    """ADSL rows of the population with a non-blank arm, the arms in display order, and warnings.

    Columns kept: USUBJID, the arm, `<ARM>N` when present, and `extra` ADSL variables.
    """
    require_columns(adsl, "adsl", ["USUBJID", setting.population, setting.arm], analysis)
    in_population = (adsl[setting.population] == "Y").to_numpy()
    notes: list[str] = []
    if not in_population.any():
        raise AnalysisError(f"analysis {analysis.id!r}: adsl has no subject with {setting.population} = 'Y'",
                            where="dataset adsl")
    arm_values = cols.as_text(adsl[setting.arm])  # as validation reads it: a numeric arm 1.0 is "1", missing ""
    has_arm = (arm_values != "").to_numpy()
    blank = int((in_population & ~has_arm).sum())
    if blank:
        notes.append(f"analysis {analysis.id!r}: {blank} subject(s) of population {setting.population} with a blank "
                     f"{setting.arm} were left out")
    keep = ["USUBJID", setting.arm]
    code = setting.arm + "N"
    if code in adsl.columns:
        keep.append(code)
    keep += [c for c in dict.fromkeys(extra) if c not in keep]
    chosen = in_population & has_arm
    subjects = cols.take_rows(adsl, chosen, keep).assign(**{setting.arm: arm_values[chosen]})
    arms = arm_order(subjects, setting.arm, setting.reference)
    return subjects, arms, notes


def param_rows(frame: pd.DataFrame, analysis: Analysis, dataset: str) -> np.ndarray:
    """True for the records of the analysis parameter (PARAMCD == param); AnalysisError listing the values
    when there are none."""
    require_columns(frame, dataset, ["USUBJID", "PARAMCD"], analysis)
    rows = cols.text_in(frame["PARAMCD"], [str(analysis.param)])
    if not rows.any():
        values = sorted(cols.text_set(frame["PARAMCD"]) - {""})
        raise AnalysisError(f"analysis {analysis.id!r}: {dataset} has no records with PARAMCD = {analysis.param!r} "
                            f"(values: {errors.listing(map(str, values), errors.ANALYSIS_LISTED)})", where=f"dataset {dataset}")
    return rows


def filtered_rows(frame: pd.DataFrame, rows: np.ndarray, analysis: Analysis, dataset: str,
                  setting: Setting) -> np.ndarray:
    """`rows` of `frame` that pass the `where` filters; AnalysisError when a filter variable is absent or
    nothing is left."""
    require_columns(frame, dataset, [name for name, _ in setting.where], analysis, what="'where' variable")
    if not setting.where:
        return rows
    out = rows & where_mask(frame, setting.where)
    if not out.any():
        shown = "; ".join(f"{name} in {errors.listing(map(str, values), errors.ANALYSIS_LISTED)}" for name, values in setting.where)
        raise AnalysisError(f"analysis {analysis.id!r}: no {dataset} records with PARAMCD = {analysis.param!r} "
                            f"are left after the 'where' filter ({shown})", where=f"dataset {dataset}")
    return out


def param_label(records: pd.DataFrame, analysis: Analysis) -> str:
    """The parameter's PARAM label when the records carry exactly one, else its PARAMCD."""
    if "PARAM" in records.columns:
        labels = [v for v in dict.fromkeys(str(v) for v in cols.distinct(records["PARAM"])) if v]
        if len(labels) == 1:
            return labels[0]
    return str(analysis.param)


def analysis_dataset(analysis: Analysis, data) -> str:
    """The (lower-case) name of the analysis's record dataset, which must be loaded."""
    name = (analysis.dataset or "").lower()
    if not name or name not in data.frames:
        raise AnalysisError(f"analysis {analysis.id!r}: dataset {name or '(none)'!r} is not loaded",
                            where=f"dataset {name}")
    return name


def population_records(frame: pd.DataFrame, analysis: Analysis, dataset: str, setting: Setting,
                       subjects: pd.DataFrame, required: Iterable[str], numeric: Iterable[str],
                       read: Iterable[str] | None = None) -> pd.DataFrame:
    """The analysis dataset's records of PARAMCD = param that pass `where`, with the arm of each
    population subject attached (records of subjects outside the population are dropped): an inner join on
    USUBJID in record order, with a new index. The records are selected from `frame` once, at the end, with
    the variables the analysis reads from them (`read`; None: every variable)."""
    rows = param_rows(frame, analysis, dataset)
    require_columns(frame, dataset, required, analysis)
    for variable in numeric:
        if not pd.api.types.is_numeric_dtype(frame[variable]):
            raise AnalysisError(f"analysis {analysis.id!r}: {dataset} variable {variable} must be numeric",
                                where=f"dataset {dataset}")
    rows = filtered_rows(frame, rows, analysis, dataset, setting)
    columns = [c for c in frame.columns if c == "USUBJID" or c not in subjects.columns]
    if read is not None:
        wanted = {"USUBJID", *required, *read}
        columns = [c for c in columns if c in wanted]
    if subjects["USUBJID"].is_unique:
        position = cols.positions(subjects["USUBJID"], frame["USUBJID"])
        rows &= position >= 0
        records = cols.take_rows(frame, rows, columns, new_index=True)
        # the arm as a Categorical of the sorted arm names (comparisons and groupings once per arm, not per record)
        codes, names = pd.factorize(subjects[setting.arm], sort=True)
        records[setting.arm] = pd.Categorical.from_codes(codes[position[rows]], categories=pd.Index(names, dtype=object))
    else:  # duplicate subjects (validation refuses them): every pairing, as a merge gives
        records = frame.loc[rows, columns].merge(subjects[["USUBJID", setting.arm]], on="USUBJID", how="inner")
    if records.empty:
        raise AnalysisError(f"analysis {analysis.id!r}: no {dataset} records with PARAMCD = {analysis.param!r} "
                            f"belong to subjects of population {setting.population}", where=f"dataset {dataset}")
    return records


def attach_subject_variables(records: pd.DataFrame, variables: Iterable[str], adsl: pd.DataFrame,
                             analysis: Analysis, dataset: str) -> pd.DataFrame:
    """Add the ADSL values of `variables` the records do not carry themselves (merge on USUBJID)."""
    wanted = [v for v in dict.fromkeys(variables) if v not in records.columns]
    for variable in wanted:
        if variable not in adsl.columns:
            raise AnalysisError(f"analysis {analysis.id!r}: variable {variable} is in neither {dataset} nor adsl",
                                where=f"dataset {dataset}")
    if not wanted:
        return records
    values = adsl[["USUBJID", *wanted]].drop_duplicates("USUBJID")
    # a left join on USUBJID (records keep their order and index; no match -> missing)
    position = cols.positions(values["USUBJID"], records["USUBJID"])
    taken = {v: pd.Series(values[v].array.take(position, allow_fill=True), index=records.index) for v in wanted}
    return records.assign(**taken).set_axis(pd.RangeIndex(len(records)), copy=False)
