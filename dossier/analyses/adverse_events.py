"""Treatment-emergent adverse events (ADAE, TRTEMFL = "Y"): an overview table and a table of
subjects by MedDRA system organ class (AEBODSYS) and preferred term (AEDECOD).

Denominators are the population subjects of each arm (ADSL); the arm comes from ADSL (merged on
USUBJID), not from ADAE's TRTA. A subject is counted once per row however many events they had.
Optional variables (AEREL, AESER, AESEV, AEACN, AEOUT/AESDTH) are used when present; a row whose
variable is absent, or blank on every record of the dataset, is left out with a footnote.
"""

from __future__ import annotations

import pandas as pd

from dossier.analyses import common
from dossier.analyses.baseline import (
    ARM,
    MAX_PORTRAIT_COLUMNS,
    TOTAL,
    adsl_subjects,
    arm_columns,
    count_cells,
    frame_of,
    need,
)
from dossier.datasets import TrialData
from dossier.model import AnalysisResult, Label, Row, Table, Term, Text
from dossier.spec import Analysis, TrialSpec

DEFAULT_DATASET = "adae"
NEEDED = ("USUBJID", "AEBODSYS", "AEDECOD", "TRTEMFL")

# AEREL values meaning "not related" (compared upper case, stripped); anything else that is not
# blank counts as related. REMOTE is the "unlikely" step of the NONE/REMOTE/POSSIBLE/PROBABLE scale.
NOT_RELATED = frozenset({"NONE", "NOT RELATED", "UNRELATED", "UNLIKELY", "UNLIKELY RELATED", "REMOTE", "N", "NO"})

# overview row key -> (glossary key, variables that can define it, name in warnings)
OVERVIEW = {
    "any": ("ae_any", (), "any TEAE"),
    "related": ("ae_related", ("AEREL",), "related TEAE"),
    "serious": ("ae_serious", ("AESER",), "serious TEAE"),
    "severe": ("ae_severe", ("AESEV",), "severe TEAE"),
    "discontinued": ("ae_discontinued", ("AEACN",), "TEAE leading to discontinuation of study drug"),
    "fatal": ("ae_fatal", ("AEOUT", "AESDTH"), "fatal TEAE"),
}
OPTIONAL = ("AEREL", "AESER", "AESEV", "AEACN", "AEOUT", "AESDTH")


def dataset_name(analysis: Analysis) -> str:
    return (analysis.dataset or DEFAULT_DATASET).lower()


def required(analysis: Analysis, trial: TrialSpec) -> dict[str, set[str]]:
    s = common.setting(analysis, trial)
    records = set(NEEDED) | {name for name, _ in s.where}
    return {"adsl": {"USUBJID", s.population, s.arm}, dataset_name(analysis): records}


def run(analysis: Analysis, trial: TrialSpec, data: TrialData) -> AnalysisResult:
    s = common.setting(analysis, trial)
    name = dataset_name(analysis)
    chosen = adsl_subjects(analysis, data, s.population, s.arm, s.reference, s.where, apply_where=False)
    arms = chosen.arms
    warnings = list(chosen.warnings)
    ae = frame_of(analysis, data, name)
    need(analysis, data, name, ae, list(NEEDED) + [v for v, _ in s.where])

    # optional variables: usable when present and not blank on every record of the dataset
    usable = {v for v in OPTIONAL if v in ae.columns and (ae[v].astype(str).str.strip() != "").any()}
    keep = list(dict.fromkeys(["USUBJID", "AEBODSYS", "AEDECOD", *sorted(usable)]))

    unknown = ~ae["USUBJID"].isin(frame_of(analysis, data, "adsl")["USUBJID"])
    if unknown.any():
        warnings.append(f"analysis {analysis.id!r}: {int(unknown.sum())} record(s) of dataset {name} belong to "
                        "subjects not in ADSL and were left out")
    records = ae[_upper(ae["TRTEMFL"]) == "Y"]
    records = common.apply_where(records, s.where)[keep]
    records = records.merge(chosen.subjects[["USUBJID", ARM]], on="USUBJID", how="inner", validate="many_to_one")
    records = records.assign(AEBODSYS=records["AEBODSYS"].astype(str), AEDECOD=records["AEDECOD"].astype(str))
    uncoded = int(((records["AEBODSYS"] == "") | (records["AEDECOD"] == "")).sum())
    if uncoded:
        warnings.append(f"analysis {analysis.id!r}: {uncoded} treatment-emergent record(s) of dataset {name} have a "
                        "blank AEBODSYS or AEDECOD; shown as 'not coded'")

    show_total = len(arms) >= 2
    groups = arms + ((TOTAL,) if show_total else ())
    n_by_group = {**chosen.n, **({TOTAL: sum(chosen.n.values())} if show_total else {})}

    # ---- overview
    overview: dict[str, dict[str, int]] = {}
    omitted: list[tuple[str, str, str]] = []
    for key, (term, variables, what) in OVERVIEW.items():
        if variables and not usable.intersection(variables):
            omitted.append((term, " / ".join(variables), what))
            continue
        mask = _overview_mask(key, records, usable)
        overview[key] = _subject_counts(records[mask], arms, show_total)
        if key == "related" and "AEREL" in usable:
            blank = int((records["AEREL"].astype(str).str.strip() == "").sum())
            if blank:
                warnings.append(f"analysis {analysis.id!r}: {blank} treatment-emergent record(s) of dataset {name} "
                                "have a blank AEREL; counted as not related")
    for _, variables, what in omitted:
        warnings.append(f"analysis {analysis.id!r}: row '{what}' left out: {variables} not in dataset {name} "
                        "or blank on every record")

    overview_rows = [Row((Term(OVERVIEW[k][0]), *count_cells(c, groups, n_by_group))) for k, c in overview.items()]
    omitted_notes: list[Label] = [Term("ae_footnote_row_omitted", (("row", Term(t)), ("variable", v)))
                                  for t, v, _ in omitted]
    notes_overview: list[Label] = [Term("ae_footnote_percent")]
    if "related" in overview:
        notes_overview.append(Term("ae_footnote_related"))
    if "fatal" in overview:
        notes_overview.append(Term("ae_footnote_fatal"))
    wide = len(groups) > MAX_PORTRAIT_COLUMNS
    columns = arm_columns(groups, n_by_group)
    base_title: Label = Text(analysis.title) if analysis.title else Term("ae_title")
    overview_table = Table(
        key=f"{analysis.id}-overview",
        title=_title("ae_title_overview", analysis),
        columns=(Term("ae_category"), *columns),
        rows=tuple(overview_rows),
        footnotes=tuple(notes_overview + omitted_notes),
        wide=wide,
    )

    # ---- SOC / PT
    soc_evidence, soc_rows = _soc_pt(records, arms, groups, n_by_group, show_total)
    any_row = Row((Term("ae_any"), *count_cells(overview["any"], groups, n_by_group)), emphasis=True)
    soc_table = Table(
        key=f"{analysis.id}-soc-pt",
        title=_title("ae_title_soc_pt", analysis),
        columns=(Term("ae_soc_pt"), *columns),
        rows=(any_row, *soc_rows),
        footnotes=(Term("ae_footnote_percent"), Term("ae_footnote_soc_pt")),
        wide=wide,
    )
    evidence = {"N": {g: int(n_by_group[g]) for g in groups}, "overview": overview, "soc": soc_evidence}
    return AnalysisResult(
        id=analysis.id, type="adverse_events", title=base_title, population=s.population, arm=s.arm,
        datasets=(name, "adsl"), filters=s.where, method=Term("method_adverse_events"), evidence=evidence,
        tables=(overview_table, soc_table), warnings=tuple(warnings), groups=arms,
    )


def _title(key: str, analysis: Analysis) -> Term:
    """The table title: fixed, or "<analysis title>: ..." when the analysis has a title."""
    return Term(f"{key}_of", (("title", Text(analysis.title)),)) if analysis.title else Term(key)


def _upper(column: pd.Series) -> pd.Series:
    return column.astype(str).str.strip().str.upper()


def related(aerel: pd.Series) -> pd.Series:
    """True where the causality is related: not blank and not one of NOT_RELATED."""
    value = _upper(aerel)
    return (value != "") & ~value.isin(NOT_RELATED)


def _overview_mask(key: str, records: pd.DataFrame, usable: set[str]) -> pd.Series:
    if key == "any":
        return pd.Series(True, index=records.index)
    if key == "related":
        return related(records["AEREL"])
    if key == "serious":
        return _upper(records["AESER"]) == "Y"
    if key == "severe":
        return _upper(records["AESEV"]) == "SEVERE"
    if key == "discontinued":
        return _upper(records["AEACN"]) == "DRUG WITHDRAWN"
    mask = pd.Series(False, index=records.index)  # fatal
    if "AEOUT" in usable:
        mask |= _upper(records["AEOUT"]) == "FATAL"
    if "AESDTH" in usable:
        mask |= _upper(records["AESDTH"]) == "Y"
    return mask


def _subject_counts(records: pd.DataFrame, arms: tuple[str, ...], show_total: bool) -> dict[str, int]:
    """Distinct subjects per arm (and in total) among `records`."""
    per_arm = records.groupby(ARM)["USUBJID"].nunique().reindex(list(arms), fill_value=0)
    out = {arm: int(n) for arm, n in per_arm.items()}
    if show_total:
        out[TOTAL] = int(records["USUBJID"].nunique())
    return out


def _counts_table(records: pd.DataFrame, keys: list[str], arms: tuple[str, ...], show_total: bool) -> pd.DataFrame:
    """Distinct subjects per `keys` x arm, with a "__sort__" column (the total, or the single arm)."""
    distinct = records[["USUBJID", ARM, *keys]].drop_duplicates()
    table = distinct.groupby([*keys, ARM]).size().unstack(ARM, fill_value=0).reindex(columns=list(arms), fill_value=0)
    table[TOTAL] = distinct.groupby(keys)["USUBJID"].nunique().reindex(table.index).to_numpy()
    table["__sort__"] = table[TOTAL]
    if not show_total:
        table = table.drop(columns=TOTAL)
    return table


def _ordered(table: pd.DataFrame, level: str) -> pd.DataFrame:
    """Descending frequency, then alphabetically (case-insensitive), blank ("not coded") last."""
    names = table.index.get_level_values(level).to_series(index=table.index)
    keyed = table.assign(__blank__=(names == "").to_numpy(), __fold__=names.str.casefold().to_numpy(),
                         __name__=names.to_numpy())
    keyed = keyed.sort_values(["__blank__", "__sort__", "__fold__", "__name__"], ascending=[True, False, True, True],
                              kind="mergesort")
    return keyed.drop(columns=["__blank__", "__fold__", "__name__"])


def _label(value: str) -> Label:
    return Text(value) if value != "" else Term("ae_not_coded")


def _soc_pt(records: pd.DataFrame, arms: tuple[str, ...], groups: tuple[str, ...], n_by_group: dict[str, int],
            show_total: bool) -> tuple[list[dict], list[Row]]:
    if records.empty:
        return [], []
    socs = _ordered(_counts_table(records, ["AEBODSYS"], arms, show_total), "AEBODSYS")
    terms = _counts_table(records, ["AEBODSYS", "AEDECOD"], arms, show_total)
    by_soc = {soc: _ordered(part, "AEDECOD") for soc, part in terms.groupby(level="AEBODSYS", sort=False)}
    evidence: list[dict] = []
    rows: list[Row] = []
    for soc, soc_counts in socs.iterrows():
        counts = {g: int(soc_counts[g]) for g in groups}
        rows.append(Row((_label(soc), *count_cells(counts, groups, n_by_group)), emphasis=True))
        entry = {"soc": soc, "counts": counts, "terms": []}
        for (_, term), term_counts in by_soc[soc].iterrows():
            tc = {g: int(term_counts[g]) for g in groups}
            rows.append(Row((_label(term), *count_cells(tc, groups, n_by_group)), level=1))
            entry["terms"].append({"term": term, "counts": tc})
        evidence.append(entry)
    return evidence, rows

