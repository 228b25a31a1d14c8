"""Treatment-emergent adverse events (ADAE, TRTEMFL = "Y"): an overview table and a table of
subjects by MedDRA system organ class (AEBODSYS) and preferred term (AEDECOD), and the optional tables
of dossier.analyses.adverse_events_tables.

Denominators are the population subjects of each arm (ADSL); the arm comes from ADSL (merged on
USUBJID), not from ADAE's TRTA. A subject is counted once per row however many events they had.
Optional variables (AEREL, AESER, AESEV, AEACN, AEOUT/AESDTH) are used when present; a row whose
variable is absent, or blank on every record of the dataset, is left out with a footnote.
SOCs and PTs are sorted by descending frequency in the active arms (every arm but the reference arm; every
arm when there is no reference arm or only one arm), ties alphabetically (`sort: alphabetical`: by name only).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from dossier.analyses import options
from dossier.analyses.adverse_events import NEEDED, NOT_RELATED, OPTIONAL, RELATED
from dossier.analyses.baseline_stats import (
    ARM,
    MAX_PORTRAIT_COLUMNS,
    TOTAL,
    adsl_subjects,
    arm_columns,
    count_cells,
    frame_of,
    need,
)
from dossier.analyses.model import AnalysisResult, Label, Row, Table, Term, Text
from dossier.config.spec import Analysis, TrialSpec
from dossier.data import columns as cols
from dossier.data import selection
from dossier.data.datasets import TrialData
from dossier.stats.core import level_percent

DEFAULT_DATASET = "adae"

# overview row key -> (glossary key, variables that can define it, name in warnings)
OVERVIEW = {
    "any": ("ae_any", (), "any TEAE"),
    "related": ("ae_related", ("AEREL",), "related TEAE"),
    "serious": ("ae_serious", ("AESER",), "serious TEAE"),
    "severe": ("ae_severe", ("AESEV",), "severe TEAE"),
    "discontinued": ("ae_discontinued", ("AEACN",), "TEAE leading to discontinuation of study drug"),
    "fatal": ("ae_fatal", ("AEOUT", "AESDTH"), "fatal TEAE"),
}
SUBJECT = "__SUBJECT__"  # a record's subject: position in the population subjects frame
DENSE_PAIRS = 1 << 26  # distinct (key, subject) pairs are found with a flag array up to this many possible pairs


def run(analysis: Analysis, trial: TrialSpec, data: TrialData) -> AnalysisResult:
    s = options.setting(analysis, trial)
    name = analysis.dataset_name
    chosen = adsl_subjects(analysis, data, s.population, s.arm, s.reference, s.where, apply_where=False)
    arms = chosen.arms
    warnings = list(chosen.warnings)
    ae = frame_of(analysis, data, name)
    need(analysis, data, name, ae, list(NEEDED) + [v for v, _ in s.where])

    # optional variables: usable when present and not blank on every record of the dataset
    usable = {v for v in OPTIONAL if v in ae.columns and value_is(ae[v], lambda x: x != "").any()}
    events, unknown = _events(ae, frame_of(analysis, data, "adsl"), chosen.subjects, s.where, usable)
    if unknown:
        warnings.append(f"analysis {analysis.id!r}: {unknown} record(s) of dataset {name} belong to "
                        "subjects not in ADSL and were left out")
    uncoded = int((value_is(events["AEBODSYS"], _blank) | value_is(events["AEDECOD"], _blank)).sum())
    if uncoded:
        warnings.append(f"analysis {analysis.id!r}: {uncoded} treatment-emergent record(s) of dataset {name} have a "
                        "blank AEBODSYS or AEDECOD; shown as 'not coded'")
    arm_of = pd.Index(arms).get_indexer(chosen.subjects[ARM])  # subject position -> arm position
    counter = _Counter(events[SUBJECT].to_numpy(), arm_of, arms, show_total=len(arms) >= 2,
                       sort_arms=None if analysis.sort == "alphabetical" else active_arms(arms, s.reference))
    related_values = frozenset(v.strip().upper() for v in analysis.related)

    show_total = counter.show_total
    groups = arms + ((TOTAL,) if show_total else ())
    n_by_group = {**chosen.n, **({TOTAL: sum(chosen.n.values())} if show_total else {})}

    # ---- overview
    overview: dict[str, dict[str, int]] = {}
    omitted: list[tuple[str, str, str]] = []
    for key, (term, variables, what) in OVERVIEW.items():
        if variables and not usable.intersection(variables):
            omitted.append((term, " / ".join(variables), what))
            continue
        overview[key] = counter.subjects(overview_mask(key, events, usable, analysis).to_numpy())
        if key == "related" and "AEREL" in usable:
            warnings += relationship_warnings(analysis, events, related_values)
    for _, variables, what in omitted:
        warnings.append(f"analysis {analysis.id!r}: row '{what}' left out: {variables} not in dataset {name} "
                        "or blank on every record")

    overview_rows = [Row((Term(OVERVIEW[k][0]), *count_cells(c, groups, n_by_group))) for k, c in overview.items()]
    omitted_notes: list[Label] = [Term("ae_footnote_row_omitted", (("row", Term(t)), ("variable", v)))
                                  for t, v, _ in omitted]
    notes_overview: list[Label] = [Term("ae_footnote_percent")]
    if "related" in overview:
        notes_overview.append(related_footnote(analysis))
    if "discontinued" in overview:
        notes_overview.append(discontinued_footnote(analysis))
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
    soc_evidence, soc_rows = soc_pt(events, counter, groups, n_by_group)
    any_row = Row((Term("ae_any"), *count_cells(overview["any"], groups, n_by_group)), emphasis=True)
    soc_table = Table(
        key=f"{analysis.id}-soc-pt",
        title=_title("ae_title_soc_pt", analysis),
        columns=(Term("ae_soc_pt"), *columns),
        rows=(any_row, *soc_rows),
        footnotes=(Term("ae_footnote_percent"), Term("ae_footnote_soc_pt"), sort_footnote(analysis, counter)),
        wide=wide,
    )
    evidence = {"N": {g: int(n_by_group[g]) for g in groups}, "overview": overview, "soc": soc_evidence}
    from dossier.analyses import adverse_events_tables

    context = adverse_events_tables.Context(
        analysis=analysis, trial=trial, data=data, name=name, events=events, ae=ae, usable=usable,
        counter=counter, groups=groups, n_by_group=n_by_group, subjects=chosen.subjects, arms=arms,
        overview=overview, related_values=related_values, columns=columns, wide=wide)
    extra = adverse_events_tables.optional_tables(context)
    return AnalysisResult(
        id=analysis.id, type="adverse_events", title=base_title, population=s.population, arm=s.arm,
        datasets=(name, "adsl"), filters=s.where, method=method(analysis, s.confidence),
        evidence={**evidence, **extra.evidence},
        tables=(overview_table, soc_table, *extra.tables), warnings=tuple(warnings + extra.warnings), groups=arms,
    )


def method(analysis: Analysis, confidence: float) -> Term:
    """The method text, with the sentences on the optional tables when one is asked for."""
    optional = (analysis.severity or analysis.relationship or analysis.serious or analysis.discontinuation
                or analysis.fatal or analysis.special_interest is not None or analysis.frequent is not None
                or analysis.exposure_adjusted)
    extra = Term("method_ae_optional", (("level", level_percent(confidence)),)) if optional else Text("")
    return Term("method_adverse_events", (("optional", extra),))


def active_arms(arms: tuple[str, ...], reference: str | None) -> tuple[str, ...]:
    """The arms whose frequencies order the SOCs and PTs: every arm but the reference arm; every arm when
    the reference arm is not one of them or is the only one."""
    active = tuple(a for a in arms if a != reference)
    return active if active and len(active) < len(arms) else arms


def sort_footnote(analysis: Analysis, counter: _Counter) -> Term:
    if counter.sort_arms is None:
        return Term("ae_footnote_sort_alphabetical")
    if len(counter.sort_arms) == len(counter.arms):
        return Term("ae_footnote_sort_all")
    return Term("ae_footnote_sort_active", (("arms", tuple(Text(a) for a in counter.sort_arms)),))


def related_footnote(analysis: Analysis) -> Term:
    """The codes counted as related, each through the labels with the code in brackets (Text role "code")."""
    return Term("ae_footnote_related", (("values", tuple(Text(v.upper(), "AEREL", "code") for v in analysis.related)),))


def discontinued_footnote(analysis: Analysis) -> Term:
    """The AEACN actions counted as leading to discontinuation, shown as related_footnote shows its codes."""
    return Term("ae_footnote_discontinued", (("actions", tuple(Text(v.upper(), "AEACN", "code")
                                                               for v in analysis.discontinuation_actions)),))


def relationship_warnings(analysis: Analysis, events: pd.DataFrame, related_values: frozenset[str]) -> list[str]:
    """A line for blank AEREL values and one for values neither in `related` nor known as not related."""
    out = []
    blank = int(value_is(events["AEREL"], _blank).sum())
    if blank:
        out.append(f"analysis {analysis.id!r}: {blank} treatment-emergent record(s) of dataset "
                   f"{analysis.dataset_name} have a blank AEREL; counted as not related")
    known = related_values | set(NOT_RELATED)
    unknown = sorted(v for v in cols.text_set(_text(events["AEREL"])) if v and v.upper() not in known)
    if unknown:
        out.append(f"analysis {analysis.id!r}: AEREL value(s) {', '.join(repr(v) for v in unknown)} of dataset "
                   f"{analysis.dataset_name} are neither in 'related' nor a known not-related value; counted as not "
                   "related (list them under related: to count them as related)")
    return out


def _title(key: str, analysis: Analysis) -> Term:
    """The table title: fixed, or "<analysis title>: ..." when the analysis has a title."""
    return Term(f"{key}_of", (("title", Text(analysis.title)),)) if analysis.title else Term(key)


def value_is(column: pd.Series, test: Callable[[str], bool]) -> pd.Series:
    """`test` applied to each value stripped and upper-cased ("" for missing), evaluated once per
    distinct value (ADAE columns hold few distinct values in many records)."""
    if cols.is_categorical(column):  # the categories are the distinct values
        codes, uniques = column.cat.codes.to_numpy(), column.cat.categories
    else:
        codes, uniques = pd.factorize(column)
    normal = ["" if pd.isna(u) else str(u).strip().upper() for u in uniques]
    hits = np.array([bool(test(v)) for v in normal] + [bool(test(""))], dtype=bool)  # code -1 (missing) -> last
    return pd.Series(hits[codes], index=column.index)


def _blank(value: str) -> bool:
    return value == ""


def _text(column: pd.Series) -> pd.Series:
    """Stripped text, "" for missing (frames from datasets.load already are; toy frames may not be); a
    Categorical stays one (with the cleaned texts as categories)."""
    if cols.is_categorical(column):
        codes, uniques = column.cat.codes.to_numpy(), column.cat.categories
    else:
        codes, uniques = pd.factorize(column)
    normal = np.array(["" if pd.isna(u) else str(u).strip() for u in uniques] + [""], dtype=object)
    if not cols.is_categorical(column):
        return pd.Series(normal[codes], index=column.index)
    merged, texts = pd.factorize(normal)  # values that clean to the same text become one category
    return pd.Series(pd.Categorical.from_codes(merged[codes], categories=pd.Index(texts, dtype=object)),
                     index=column.index)


def related(aerel: pd.Series, values: frozenset[str] = frozenset(RELATED)) -> pd.Series:
    """True where the causality (upper case, stripped) is one of `values` (default: adverse_events.RELATED)."""
    return value_is(aerel, lambda x: x in values)


def overview_mask(key: str, records: pd.DataFrame, usable: set[str], analysis: Analysis) -> pd.Series:
    """The records of an overview category (any, related, serious, severe, discontinued, fatal)."""
    if key == "any":
        return pd.Series(True, index=records.index)
    if key == "related":
        return related(records["AEREL"], frozenset(v.strip().upper() for v in analysis.related))
    if key == "serious":
        return value_is(records["AESER"], lambda x: x == "Y")
    if key == "severe":
        return value_is(records["AESEV"], lambda x: x == "SEVERE")
    if key == "discontinued":
        actions = frozenset(v.strip().upper() for v in analysis.discontinuation_actions)
        return value_is(records["AEACN"], lambda x: x in actions)
    mask = pd.Series(False, index=records.index)  # fatal
    if "AEOUT" in usable:
        mask |= value_is(records["AEOUT"], lambda x: x == "FATAL")
    if "AESDTH" in usable:
        mask |= value_is(records["AESDTH"], lambda x: x == "Y")
    return mask


def _events(ae: pd.DataFrame, adsl: pd.DataFrame, subjects: pd.DataFrame, where, usable: set[str]
            ) -> tuple[pd.DataFrame, int]:
    """Treatment-emergent records of population subjects passing `where`: AEBODSYS, AEDECOD and the
    usable optional variables, with SUBJECT = the subject's position in `subjects`; and the number
    of records (of the whole dataset) whose USUBJID is not in ADSL."""
    row_of = cols.positions(adsl["USUBJID"], ae["USUBJID"])  # ADSL row of each record, -1 unknown
    unknown = int((row_of < 0).sum())
    subject_of_row = np.full(len(adsl), -1, dtype=np.int64)
    subject_of_row[cols.positions(adsl["USUBJID"], subjects["USUBJID"])] = np.arange(len(subjects))
    subject = np.where(row_of >= 0, subject_of_row[row_of], -1)
    keep = value_is(ae["TRTEMFL"], lambda x: x == "Y").to_numpy() & (subject >= 0)
    columns = list(dict.fromkeys(["AEBODSYS", "AEDECOD", *sorted(usable), *(name for name, _ in where)]))
    records = cols.take_rows(ae, keep, columns).assign(**{SUBJECT: subject[keep]})
    records = selection.apply_where(records, where)
    records = records.assign(AEBODSYS=_text(records["AEBODSYS"]), AEDECOD=_text(records["AEDECOD"]))
    return records, unknown


class _Counter:
    """Distinct-subject counts by arm (and in total) over integer-coded records."""

    def __init__(self, subject: np.ndarray, arm_of: np.ndarray, arms: tuple[str, ...], show_total: bool,
                 sort_arms: tuple[str, ...] | None = None) -> None:
        self.subject = subject.astype(np.int64)
        self.arm_of = arm_of
        self.arms = arms
        self.show_total = show_total
        self.n_subjects = max(len(arm_of), 1)
        self.sort_arms = sort_arms  # the arms whose total orders rows (None: alphabetical)

    def restricted(self, mask: np.ndarray) -> _Counter:
        """The counter of the records where `mask` is True."""
        return _Counter(self.subject[mask], self.arm_of, self.arms, self.show_total, self.sort_arms)

    def subjects(self, mask: np.ndarray) -> dict[str, int]:
        """Distinct subjects among the records where `mask` is True."""
        seen = np.zeros(self.n_subjects, dtype=bool)
        seen[self.subject[mask]] = True
        distinct = np.flatnonzero(seen)
        per_arm = np.bincount(self.arm_of[distinct], minlength=len(self.arms))
        out = {arm: int(per_arm[i]) for i, arm in enumerate(self.arms)}
        if self.show_total:
            out[TOTAL] = int(distinct.size)
        return out

    def by_key(self, key: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
        """(n_keys x arms matrix, totals): distinct subjects per integer key (0 .. n_keys-1)."""
        pair = key.astype(np.int64) * self.n_subjects + self.subject
        if n_keys * self.n_subjects <= DENSE_PAIRS:  # one flag per possible pair: no hashing
            seen = np.zeros(n_keys * self.n_subjects, dtype=bool)
            seen[pair] = True
            pairs = np.flatnonzero(seen)
        else:
            pairs = pd.unique(pair)
        k, subject = pairs // self.n_subjects, pairs % self.n_subjects
        n_arms = len(self.arms)
        matrix = np.bincount(k * n_arms + self.arm_of[subject], minlength=n_keys * n_arms).reshape(n_keys, n_arms)
        return matrix, np.bincount(k, minlength=n_keys)


def _counts_frame(counter: _Counter, key: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """Distinct subjects per key (rows named by `index`) and arm, with "__sort__" = the total of the sort arms
    (0 when sorting alphabetically)."""
    matrix, totals = counter.by_key(key, len(index))
    table = pd.DataFrame(matrix, index=index, columns=list(counter.arms))
    if counter.show_total:
        table[TOTAL] = totals
    if counter.sort_arms is None:
        table["__sort__"] = 0
    else:
        table["__sort__"] = matrix[:, [counter.arms.index(a) for a in counter.sort_arms]].sum(axis=1)
    return table


def _ordered(table: pd.DataFrame, level: str) -> pd.DataFrame:
    """Descending frequency (the sort arms' total), then alphabetically (case-insensitive), blank ("not coded")
    last."""
    names = table.index.get_level_values(level).to_series(index=table.index)
    keyed = table.assign(__blank__=(names == "").to_numpy(), __fold__=names.str.casefold().to_numpy(),
                         __name__=names.to_numpy())
    keyed = keyed.sort_values(["__blank__", "__sort__", "__fold__", "__name__"], ascending=[True, False, True, True],
                              kind="mergesort")
    return keyed.drop(columns=["__blank__", "__fold__", "__name__"])


def soc_pt(events: pd.DataFrame, counter: _Counter, groups: tuple[str, ...], n_by_group: dict[str, int]
           ) -> tuple[list[dict], list[Row]]:
    """Evidence (SystemOrganClass entries) and rows of subjects by SOC and PT of `events` (counted by `counter`,
    built on the same records)."""
    if events.empty:
        return [], []
    soc_code, soc_names = pd.factorize(events["AEBODSYS"])
    pt_code, pt_names = pd.factorize(events["AEDECOD"])
    soc_names, pt_names = np.asarray(soc_names, dtype=object), np.asarray(pt_names, dtype=object)
    pair_code, pairs = pd.factorize(soc_code.astype(np.int64) * len(pt_names) + pt_code)
    pair_index = pd.MultiIndex.from_arrays([soc_names[pairs // len(pt_names)], pt_names[pairs % len(pt_names)]],
                                           names=["AEBODSYS", "AEDECOD"])
    socs = _ordered(_counts_frame(counter, soc_code, pd.Index(soc_names, name="AEBODSYS")), "AEBODSYS")
    terms = _counts_frame(counter, pair_code, pair_index)
    by_soc = {soc: _ordered(part, "AEDECOD") for soc, part in terms.groupby(level="AEBODSYS", sort=False)}
    evidence: list[dict] = []
    rows: list[Row] = []
    for soc, soc_counts in socs.iterrows():
        counts = {g: int(soc_counts[g]) for g in groups}
        rows.append(Row((label(soc, "AEBODSYS"), *count_cells(counts, groups, n_by_group)), emphasis=True))
        entry = {"soc": soc, "counts": counts, "terms": []}
        for (_, term), term_counts in by_soc[soc].iterrows():
            tc = {g: int(term_counts[g]) for g in groups}
            rows.append(Row((label(term, "AEDECOD"), *count_cells(tc, groups, n_by_group)), level=1))
            entry["terms"].append({"term": term, "counts": tc})
        evidence.append(entry)
    return evidence, rows


def label(value: str, variable: str) -> Label:
    return Text(value, variable) if value != "" else Term("ae_not_coded")


def check_dataset(c) -> list:
    """At most MAX_AE_TERMS distinct body systems and preferred terms; TRTEMFL holds Y, N or blank."""
    from dossier.config.limits import MAX_AE_TERMS
    from dossier.data.columns import texts as _texts
    from dossier.data.validate import _flag_problem
    from dossier.errors import Problem

    problems = []
    for term in ("AEBODSYS", "AEDECOD"):
        count = len(_texts(c.frame[term]) - {""}) if term in c.frame.columns else 0
        if count > MAX_AE_TERMS:
            problems.append(Problem(c.where(c.name, term), f"{count:,} distinct values, more than the limit of "
                                    f"{MAX_AE_TERMS:,} adverse event terms"))
    if "TRTEMFL" in c.frame.columns:
        problem = _flag_problem(c.frame["TRTEMFL"], c.where(c.name, "TRTEMFL"), "treatment-emergent flag", c.tag)
        if problem is not None:
            problems.append(problem)
    return problems
