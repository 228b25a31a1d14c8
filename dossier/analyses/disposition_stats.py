"""Subject disposition from ADSL: randomised, treated, completed, discontinued (with reasons).

Defaults, chosen for ADaM in general (each can be overridden in the analysis):
- subjects: `population` when the analysis sets it, else RANDFL = "Y" when ADSL has RANDFL, else
  ITTFL = "Y" when ADSL has ITTFL, else every ADSL subject. The trial-wide `population` (SAFFL by
  default) is deliberately not used: disposition counts randomised subjects, treated or not.
- treatment group: `arm` when the analysis sets it, else the planned counterpart of the trial's arm
  variable (TRTxxA -> TRTxxP, ACTARM -> ARM, ACTARMCD -> ARMCD) when ADSL has it, else the trial's arm.
- end-of-study status: EOSSTT (COMPLETED / DISCONTINUED / ONGOING), else DCDECOD (COMPLETED or a
  discontinuation term), else DISCONFL = "Y" (discontinued only), else a non-blank reason.
- reason: DCSREAS (the ADaMIG ADSL variable), else DCDECOD; counted among discontinued subjects.
- `variables`: flags (names ending in FL, e.g. COMP24FL) add one row each (subjects with flag = "Y");
  one other variable replaces the reason variable.
Percentages are of the randomised subjects of the column.
"""

from __future__ import annotations

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
)
from dossier.analyses.disposition import REASON_VARIABLES, planned_arm
from dossier.analyses.model import AnalysisResult, Count, Label, Row, Table, Term, Text
from dossier.config.spec import Analysis, TrialSpec
from dossier.data import columns as cols
from dossier.data.datasets import TrialData
from dossier.errors import AnalysisError


def choose(analysis: Analysis, trial: TrialSpec, adsl: pd.DataFrame) -> tuple[str | None, str]:
    """(population flag or None for all subjects, arm variable) of a disposition analysis."""
    if analysis.population:
        population = analysis.population.upper()
    else:
        population = next((f for f in ("RANDFL", "ITTFL") if f in adsl.columns), None)
    if analysis.arm:
        arm = analysis.arm.upper()
    else:
        arm = trial.arm.upper()
        if planned_arm(arm) in adsl.columns:
            arm = planned_arm(arm)
    return population, arm


def run(analysis: Analysis, trial: TrialSpec, data: TrialData) -> AnalysisResult:
    s = options.setting(analysis, trial)
    adsl = frame_of(analysis, data, "adsl")
    population, arm = choose(analysis, trial, adsl)
    flags, reason_var = _variables(analysis, data, adsl)
    chosen = adsl_subjects(analysis, data, population, arm, s.reference, s.where, apply_where=True)
    subjects, arms = chosen.subjects, chosen.arms
    warnings = list(chosen.warnings) + _defaults_used(analysis, trial, population, arm)
    show_total = len(arms) >= 2
    groups = arms + ((TOTAL,) if show_total else ())

    arm_of = pd.Index(list(arms)).get_indexer(subjects[ARM])  # each subject's arm, by position in `arms`

    def counts(mask: pd.Series) -> dict[str, int]:
        chosen = arm_of[np.asarray(mask, dtype=bool)]
        per_arm = np.bincount(chosen[chosen >= 0], minlength=len(arms))
        out = {a: int(n) for a, n in zip(arms, per_arm)}
        if show_total:
            out[TOTAL] = int(mask.sum())
        return out

    everyone = pd.Series(True, index=subjects.index)
    n_by_group = counts(everyone)
    footnotes: list[Label] = [Term("disposition_footnote_percent"), Term("disposition_footnote_arm", (("arm", arm),))]
    rows: dict[str, dict[str, int]] = {}
    labels: dict[str, Label] = {}
    omitted: list[tuple[str, str]] = []

    # randomised
    if "RANDFL" in subjects.columns:
        rows["randomised"] = counts(_upper(subjects["RANDFL"]) == "Y")
    else:
        rows["randomised"] = n_by_group
        footnotes.append(Term("disposition_footnote_randomised_population", (("population", population),))
                         if population else Term("disposition_footnote_randomised_all"))
    labels["randomised"] = Term("disposition_randomised")
    # treated
    if "SAFFL" in subjects.columns:
        rows["treated"] = counts(_upper(subjects["SAFFL"]) == "Y")
        labels["treated"] = Term("disposition_treated")
        footnotes.append(Term("disposition_footnote_treated"))
    else:
        omitted.append(("disposition_treated", "SAFFL"))
    for flag in flags:
        rows[flag] = counts(_upper(subjects[flag]) == "Y")
        labels[flag] = Text(data.label("adsl", flag), flag, "label")

    # completed / discontinued / ongoing
    status = _status(subjects, reason_var)
    if status is None and not flags:
        raise AnalysisError(f"analysis {analysis.id!r}: dataset adsl has none of EOSSTT, DCDECOD, DISCONFL, "
                            f"{', '.join(REASON_VARIABLES)}; cannot tell completed from discontinued subjects",
                            where=dataset_where(data, "adsl"))
    discontinued = pd.Series(False, index=subjects.index)
    if status is not None:
        source, completed, discontinued, ongoing, unknown = status
        if completed is None:
            omitted.append(("disposition_completed", "EOSSTT / DCDECOD"))
        else:
            rows["completed"] = counts(completed)
            labels["completed"] = Term("disposition_completed")
        rows["discontinued"] = counts(discontinued)
        labels["discontinued"] = Term("disposition_discontinued")
        footnotes.append(Term("disposition_footnote_status", (("variable", source),)))
        if ongoing is not None and ongoing.any():
            rows["ongoing"] = counts(ongoing)
            labels["ongoing"] = Term("disposition_ongoing")
        if unknown.any():
            rows["status_missing"] = counts(unknown)
            labels["status_missing"] = Term("disposition_status_missing")
            odd = sorted(cols.text_set(subjects.loc[unknown, source]) - {""})
            warnings.append(f"analysis {analysis.id!r}: {int(unknown.sum())} subject(s) have a blank "
                            + (f"or unrecognised ({', '.join(odd)}) " if odd else "")
                            + f"{source} in dataset adsl; shown as status not recorded")

    # reasons among the discontinued
    reasons: dict[str, dict[str, int]] = {}
    if reason_var is None:
        if status is not None:
            omitted.append(("disposition_reasons", " / ".join(REASON_VARIABLES)))
    elif discontinued.any():
        reason = cols.text_map(subjects[reason_var], _reason)
        table = pd.crosstab(reason[discontinued], subjects.loc[discontinued, ARM]).reindex(
            columns=list(arms), fill_value=0)
        table[TOTAL] = table.sum(axis=1)
        table = table.assign(__blank__=table.index == "", __fold__=table.index.str.casefold())
        table = table.sort_values(["__blank__", TOTAL, "__fold__"], ascending=[True, False, True], kind="mergesort")
        for value, row in table.iterrows():
            reasons[value] = {g: int(row[g]) for g in groups}
        footnotes.append(Term("disposition_footnote_reason", (("variable", reason_var),)))
        if "" in reasons:
            warnings.append(f"analysis {analysis.id!r}: {reasons[''].get(TOTAL, sum(reasons[''].values()))} "
                            f"discontinued subject(s) have no reason in {reason_var} (dataset adsl)")

    for term, variables in omitted:
        footnotes.append(Term("disposition_footnote_row_omitted", (("row", Term(term)), ("variable", variables))))
        warnings.append(f"analysis {analysis.id!r}: disposition row '{term.removeprefix('disposition_')}' left out: "
                        f"{variables} not in dataset adsl")

    denominators = rows["randomised"]
    table_rows: list[Row] = []
    for key, values in rows.items():
        cells = (Count(values[g]) if key == "randomised" else Count(values[g], denominators[g]) for g in groups)
        table_rows.append(Row((labels[key], *cells)))
        if key == "discontinued":
            for value, per_group in reasons.items():
                label = Text(value, reason_var) if value else Term("disposition_reason_missing")
                table_rows.append(Row((label, *(Count(per_group[g], denominators[g]) for g in groups)), level=1))

    title: Label = Text(analysis.title) if analysis.title else Term("disposition_title")
    table = Table(
        key=analysis.id, title=title,
        columns=(Term("disposition_status"), *arm_columns(groups, n_by_group)),
        rows=tuple(table_rows), footnotes=tuple(footnotes), wide=len(groups) > MAX_PORTRAIT_COLUMNS,
    )
    return AnalysisResult(
        id=analysis.id, type="disposition", title=title, population=population or "", arm=arm,
        datasets=("adsl",), filters=s.where, method=Term("method_disposition"),
        evidence={"N": n_by_group, "rows": rows, "reasons": reasons},
        tables=(table,), warnings=tuple(warnings), groups=arms,
    )


def _defaults_used(analysis: Analysis, trial: TrialSpec, population: str | None, arm: str) -> list[str]:
    """A sentence for each variable taken from this type's own default where it differs from the yaml's."""
    said = []
    if not analysis.arm and arm != trial.arm.upper():
        said.append(f"groups subjects by {arm}, the planned counterpart of the trial's arm {trial.arm.upper()}")
    if not analysis.population and population != trial.population.upper():
        said.append(f"counts {'subjects with ' + population + ' = Y' if population else 'every ADSL subject'}, "
                    f"not the trial's population {trial.population.upper()}")
    if not said:
        return []
    return [(f"analysis {analysis.id!r}: {' and '.join(said)} (disposition counts randomised subjects, treated or "
             "not; set arm: or population: in the analysis to choose others)")]


def _upper(column: pd.Series) -> pd.Series:
    return cols.text_map(column, lambda text: text.strip().upper())


def _reason(text: str) -> str:
    """A discontinuation reason as shown: stripped; "COMPLETED" (any case) is no reason."""
    text = text.strip()
    return "" if text.upper() == "COMPLETED" else text


def _variables(analysis: Analysis, data: TrialData, adsl: pd.DataFrame) -> tuple[list[str], str | None]:
    """(milestone flags, reason variable) from the analysis's `variables` and ADSL."""
    names = [v.upper() for v in dict.fromkeys(analysis.variables)]
    need(analysis, data, "adsl", adsl, names)
    flags = [v for v in names if v.endswith("FL")]
    others = [v for v in names if not v.endswith("FL")]
    if len(others) > 1:
        raise AnalysisError(f"analysis {analysis.id!r}: variables {', '.join(others)} of dataset adsl: a disposition "
                            "takes flags (…FL) and at most one reason variable", where=dataset_where(data, "adsl"))
    reason = others[0] if others else next((v for v in REASON_VARIABLES if v in adsl.columns), None)
    return flags, reason


def _status(subjects: pd.DataFrame, reason_var: str | None):
    """(source variable, completed or None, discontinued, ongoing or None, not recorded) masks."""
    none = pd.Series(False, index=subjects.index)
    if "EOSSTT" in subjects.columns:
        value = _upper(subjects["EOSSTT"])
        completed, discontinued, ongoing = value == "COMPLETED", value == "DISCONTINUED", value == "ONGOING"
        return "EOSSTT", completed, discontinued, ongoing, ~(completed | discontinued | ongoing)
    if "DCDECOD" in subjects.columns:
        value = _upper(subjects["DCDECOD"])
        return "DCDECOD", value == "COMPLETED", (value != "") & (value != "COMPLETED"), None, value == ""
    if "DISCONFL" in subjects.columns:
        return "DISCONFL", None, _upper(subjects["DISCONFL"]) == "Y", None, none
    if reason_var is not None:
        value = _upper(subjects[reason_var])
        return reason_var, None, (value != "") & (value != "COMPLETED"), None, none
    return None
