"""The optional tables of `adverse_events`, each switched on by a key of the analysis (dossier.analyses.
adverse_events.Options): by worst severity or toxicity grade, related, serious, leading to discontinuation and
fatal events by SOC and PT, adverse events of special interest, the most frequent preferred terms, and
exposure-adjusted incidence rates.

Every count is of distinct subjects among the treatment-emergent records of population subjects (the records
and counter of dossier.analyses.adverse_events_stats.run), with the arm's population N as denominator. A table
asked for whose variable is blank on every record of the dataset is left out with a warning (a variable absent
from the dataset is an error of validation: the variable is required when its table is asked for).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dossier.analyses.adverse_events import SEVERITY_LEVELS
from dossier.analyses.adverse_events_stats import (
    DENSE_PAIRS,
    SUBJECT,
    _Counter,
    _text,
    discontinued_footnote,
    label,
    overview_mask,
    related_footnote,
    soc_pt,
    sort_footnote,
)
from dossier.analyses.baseline_stats import MAX_PORTRAIT_COLUMNS, TOTAL, count_cells
from dossier.analyses.exposure_stats import DAYS_PER_YEAR, checked_days, poisson_interval, subject_days
from dossier.analyses.model import Count, Estimate, Label, Number, Row, Table, Term, Text
from dossier.data import columns as cols
from dossier.stats.core import level_percent

NOT_RECORDED = "NOT RECORDED"  # the severity level of subjects whose events all have a blank or unknown one
# the SOC/PT tables of a subset of events: option -> (overview key, glossary stem, variables defining it)
SUBSETS = {"relationship": ("related", "related", ("AEREL",)), "serious": ("serious", "serious", ("AESER",)),
           "discontinuation": ("discontinued", "discontinued", ("AEACN",)),
           "fatal": ("fatal", "fatal", ("AEOUT", "AESDTH"))}
RATE_DECIMALS = 1


@dataclass(frozen=True)
class Context:
    """What adverse_events_stats.run has computed that the optional tables use."""

    analysis: Any
    trial: Any
    data: Any
    name: str  # the dataset
    events: pd.DataFrame  # treatment-emergent records of population subjects (SUBJECT: position in `subjects`)
    ae: pd.DataFrame  # the whole dataset
    usable: set[str]  # optional variables present and not blank on every record
    counter: _Counter
    groups: tuple[str, ...]  # arms (and Total)
    n_by_group: dict[str, int]
    subjects: pd.DataFrame  # population subjects (ADSL rows)
    arms: tuple[str, ...]
    overview: dict[str, dict[str, int]]
    related_values: frozenset[str]
    columns: tuple[Label, ...]
    wide: bool


@dataclass
class Extra:
    tables: list[Table] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def optional_tables(c: Context) -> Extra:
    """The tables the analysis asks for, in a fixed order."""
    a = c.analysis
    out = Extra()
    if a.severity:
        _severity(c, out)
    for option, (key, stem, variables) in SUBSETS.items():
        if getattr(a, option):
            _subset(c, out, key, stem, variables)
    if a.special_interest is not None:
        _special_interest(c, out)
    if a.frequent is not None:
        _frequent(c, out)
    if a.exposure_adjusted:
        _exposure_adjusted(c, out)
    return out


def _title(c: Context, key: str) -> Term:
    a = c.analysis
    return Term(f"{key}_of", (("title", Text(a.title)),)) if a.title else Term(key)


def _left_out(c: Context, out: Extra, what: str, variables: tuple[str, ...]) -> bool:
    """True (with a warning) when none of `variables` holds a value on any record of the dataset."""
    if c.usable.intersection(variables):
        return False
    out.warnings.append(f"analysis {c.analysis.id!r}: table '{what}' left out: {' / '.join(variables)} is blank on "
                        f"every record of dataset {c.name}")
    return True


def _soc_order(c: Context) -> tuple[list[str], dict[str, list[str]]]:
    """The SOCs and, per SOC, the PTs in the order of the SOC/PT table (the analysis's `sort`)."""
    evidence, _ = soc_pt(c.events, c.counter, c.groups, c.n_by_group)
    return [e["soc"] for e in evidence], {e["soc"]: [t["term"] for t in e["terms"]] for e in evidence}


# ------------------------------------------------------------------------------------------ severity


def _grade_text(value: str) -> str:
    """A severity value as compared: upper case; a whole number without its decimals (3.0 -> 3)."""
    text = value.strip().upper()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def _severity(c: Context, out: Extra) -> None:
    a, variable = c.analysis, c.analysis.severity
    if _left_out(c, out, "severity", (variable,)):
        return
    levels = tuple(_grade_text(str(v)) for v in (a.severity_levels or SEVERITY_LEVELS[variable]))
    rank_of = {level: i for i, level in enumerate(levels)}
    column = c.events[variable]
    if not pd.api.types.is_numeric_dtype(column):
        column = _text(column)
    codes, uniques = pd.factorize(column)  # each distinct value graded once
    graded = np.array(["" if pd.isna(u) else _grade_text(str(u)) for u in uniques] + [""], dtype=object)
    texts = pd.Series(graded[codes], index=column.index)  # code -1 (missing) -> ""
    rank = np.array([rank_of.get(t, -1) for t in graded], dtype=np.int64)[codes]
    unknown = texts[(rank < 0) & (texts != "")].value_counts()
    if len(unknown):
        listed = ", ".join(f"{v!r} ({n} record(s))" for v, n in sorted(unknown.items()))
        out.warnings.append(f"analysis {a.id!r}: {variable} value(s) {listed} of dataset {c.name} are not in the "
                            f"severity scale ({', '.join(levels)}); counted as not recorded (order them with "
                            "severity_levels:)")
    blank = int((texts == "").sum())
    if blank:
        out.warnings.append(f"analysis {a.id!r}: {blank} treatment-emergent record(s) of dataset {c.name} have a "
                            f"blank {variable}; counted as not recorded unless the subject has a recorded one")
    socs, terms_of = _soc_order(c)
    soc_code = pd.Index(socs).get_indexer(c.events["AEBODSYS"])
    pairs = [(s, t) for s in socs for t in terms_of[s]]
    pair_position = {pair: j for j, pair in enumerate(pairs)}
    pair_index = pd.MultiIndex.from_tuples(pairs) if pairs else pd.MultiIndex.from_tuples([], names=[0, 1])
    pair_code = pair_index.get_indexer(pd.MultiIndex.from_arrays([c.events["AEBODSYS"], c.events["AEDECOD"]]))
    anyone = _worst(c.counter, np.zeros(len(rank), dtype=np.int64), rank, 1, levels)[0]
    by_soc = _worst(c.counter, soc_code, rank, len(socs), levels)
    by_pair = _worst(c.counter, pair_code, rank, len(pairs), levels)
    # NOT_RECORDED shown when some subject has no recorded level in some row (then in every row)
    unrecorded = any(any(entry[NOT_RECORDED].values()) for entry in (anyone, *by_soc, *by_pair))
    shown = [*levels, NOT_RECORDED] if unrecorded else list(levels)

    def level_label(level: str) -> Label:
        if level == NOT_RECORDED:
            return Term("ae_level_not_recorded")
        return Term("ae_grade", (("grade", level),)) if variable == "AETOXGR" else Text(level, variable)

    def level_rows(counts: dict[str, dict[str, int]], depth: int) -> list[Row]:
        return [Row((level_label(v), *count_cells(counts[v], c.groups, c.n_by_group)), level=depth) for v in shown]

    rows = [Row((Term("ae_any"), *count_cells(c.overview["any"], c.groups, c.n_by_group)), emphasis=True),
            *level_rows(anyone, 1)]
    evidence_socs = []
    for i, soc in enumerate(socs):
        soc_counts = {g: sum(by_soc[i][v].get(g, 0) for v in list(levels) + [NOT_RECORDED]) for g in c.groups}
        rows.append(Row((label(soc, "AEBODSYS"), *count_cells(soc_counts, c.groups, c.n_by_group)), emphasis=True))
        rows += level_rows(by_soc[i], 1)
        entry = {"soc": soc, "levels": {v: by_soc[i][v] for v in shown}, "terms": []}
        for term in terms_of[soc]:
            j = pair_position[(soc, term)]
            term_counts = {g: sum(by_pair[j][v].get(g, 0) for v in list(levels) + [NOT_RECORDED]) for g in c.groups}
            rows.append(Row((label(term, "AEDECOD"), *count_cells(term_counts, c.groups, c.n_by_group)), level=1))
            rows += level_rows(by_pair[j], 2)
            entry["terms"].append({"term": term, "levels": {v: by_pair[j][v] for v in shown}})
        evidence_socs.append(entry)
    key = "ae_title_grade" if variable == "AETOXGR" else "ae_title_severity"
    out.tables.append(Table(
        key=f"{a.id}-severity", title=_title(c, key), columns=(Term("ae_soc_pt_level"), *c.columns), rows=tuple(rows),
        footnotes=(Term("ae_footnote_percent"), Term("ae_footnote_worst", (("variable", variable),
                                                                             ("levels", tuple(Text(v, variable, "code") for v in levels)))),
                   sort_footnote(a, c.counter)), wide=c.wide))
    out.evidence["severity"] = {"variable": variable, "levels": shown,
                                "any": {v: anyone[v] for v in shown}, "soc": evidence_socs}


def _max_by(pair: np.ndarray, rank: np.ndarray, n_pairs: int, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct pairs, the highest rank of each): one flag per possible (pair, rank) when they fit
    (DENSE_PAIRS), else a sort."""
    width = n_levels + 1  # ranks -1 .. n_levels - 1
    if n_pairs * width <= DENSE_PAIRS:
        seen = np.zeros(n_pairs * width, dtype=bool)
        seen[pair * width + rank + 1] = True
        flags = seen.reshape(n_pairs, width)
        present = np.flatnonzero(flags.any(axis=1))
        highest = width - 1 - np.argmax(flags[present, ::-1], axis=1)
        return present, highest - 1
    order = np.lexsort((rank, pair))
    last = np.r_[pair[order][1:] != pair[order][:-1], True]
    return pair[order][last], rank[order][last]


def _worst(counter: _Counter, key: np.ndarray, rank: np.ndarray, n_keys: int, levels: tuple[str, ...]
           ) -> list[dict[str, dict[str, int]]]:
    """Per key (0 .. n_keys-1; records with key -1 ignored): level -> arm (and Total) -> subjects whose worst
    level among the records of that key is that level (the highest rank; NOT_RECORDED when none is recorded)."""
    arms, n_levels = counter.arms, len(levels)
    n_arms = len(arms)
    cube = np.zeros((n_keys, n_levels + 1, n_arms), dtype=np.int64)
    keep = key >= 0
    if n_keys and keep.any():
        pair = key[keep].astype(np.int64) * counter.n_subjects + counter.subject[keep]
        pairs, ranks = _max_by(pair, rank[keep], n_keys * counter.n_subjects, n_levels)
        k, subject = pairs // counter.n_subjects, pairs % counter.n_subjects
        slot = np.where(ranks < 0, n_levels, ranks)  # NOT_RECORDED last
        cube = np.bincount((k * (n_levels + 1) + slot) * n_arms + counter.arm_of[subject],
                           minlength=n_keys * (n_levels + 1) * n_arms).reshape(n_keys, n_levels + 1, n_arms)
    out = []
    for i in range(n_keys):
        entry = {}
        for s, name in enumerate((*levels, NOT_RECORDED)):
            counts = {arm: int(cube[i, s, j]) for j, arm in enumerate(arms)}
            if counter.show_total:
                counts[TOTAL] = int(cube[i, s].sum())
            entry[name] = counts
        out.append(entry)
    return out


# ------------------------------------------------------------------------------------------ subsets by SOC/PT


def _subset(c: Context, out: Extra, key: str, stem: str, variables: tuple[str, ...]) -> None:
    a = c.analysis
    if _left_out(c, out, key, variables):
        return
    mask = overview_mask(key, c.events, c.usable, a).to_numpy()
    counter = c.counter.restricted(mask)
    evidence, rows = soc_pt(c.events[mask], counter, c.groups, c.n_by_group)
    any_counts = counter.subjects(np.ones(int(mask.sum()), dtype=bool))
    footnotes: list[Label] = [Term("ae_footnote_percent")]
    if key == "related":
        footnotes.append(related_footnote(a))
    elif key == "discontinued":
        footnotes.append(discontinued_footnote(a))
    elif key == "fatal":
        footnotes.append(Term("ae_footnote_fatal"))
    footnotes.append(sort_footnote(a, c.counter))
    out.tables.append(Table(
        key=f"{a.id}-{key}", title=_title(c, f"ae_title_{stem}"), columns=(Term("ae_soc_pt"), *c.columns),
        rows=(Row((Term(f"ae_any_{stem}"), *count_cells(any_counts, c.groups, c.n_by_group)), emphasis=True), *rows),
        footnotes=tuple(footnotes), wide=c.wide))
    out.evidence[key] = evidence


# ------------------------------------------------------------------------------------------ special interest


def _special_interest(c: Context, out: Extra) -> None:
    a = c.analysis
    in_data = {t.upper(): t for t in cols.text_set(_text(c.ae["AEDECOD"])) if t}
    decod = cols.text_map(c.events["AEDECOD"], str.upper).to_numpy(dtype=object)
    named = isinstance(a.special_interest, dict)
    rows: list[Row] = []
    evidence = []
    for group, terms in a.special_interest_groups().items():
        wanted = [t.strip() for t in terms]
        missing = [t for t in wanted if t.upper() not in in_data]
        for term in missing:
            close = difflib.get_close_matches(term.upper(), list(in_data), n=1, cutoff=0.75)
            hint = f" (did you mean {in_data[close[0]]!r}?)" if close else ""
            out.warnings.append(f"analysis {a.id!r}: special_interest{'.' + group if named else ''}: preferred term "
                                f"{term!r} is not in AEDECOD of dataset {c.name}{hint}; counted as 0")
        mask = np.isin(decod, [t.upper() for t in wanted])
        counts = c.counter.subjects(mask)
        by_term = {in_data.get(t.upper(), t): c.counter.subjects(decod == t.upper()) for t in wanted}
        if named:
            rows.append(Row((Text(group), *count_cells(counts, c.groups, c.n_by_group)), emphasis=True))
            rows += [Row((Text(t, "AEDECOD"), *count_cells(n, c.groups, c.n_by_group)), level=1) for t, n in by_term.items()]
        else:
            rows.append(Row((Text(in_data.get(group.upper(), group), "AEDECOD"), *count_cells(counts, c.groups, c.n_by_group))))
        evidence.append({"group": group, "terms": list(by_term), "counts": counts, "by_term": by_term,
                         "missing_terms": missing})
    out.tables.append(Table(
        key=f"{a.id}-aesi", title=_title(c, "ae_title_aesi"), columns=(Term("ae_aesi_term"), *c.columns),
        rows=tuple(rows), footnotes=(Term("ae_footnote_percent"), Term("ae_footnote_aesi")), wide=c.wide))
    out.evidence["special_interest"] = evidence


# ------------------------------------------------------------------------------------------ frequent PTs


def _frequent(c: Context, out: Extra) -> None:
    a = c.analysis
    threshold = float(a.frequent)
    code, names = pd.factorize(c.events["AEDECOD"])
    names = np.asarray(names, dtype=object)
    matrix, totals = c.counter.by_key(code, len(names))
    n_arm = np.array([c.n_by_group[arm] for arm in c.arms], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n_arm > 0, 100.0 * matrix / n_arm, 0.0)
    # a percentage at the threshold as printed counts (100 * n / N computed as a float may fall a hair short)
    chosen = np.flatnonzero((share >= threshold - 1e-9).any(axis=1) & (names != ""))
    if c.counter.sort_arms is None:
        weight = np.zeros(len(names))
    else:
        weight = matrix[:, [c.arms.index(arm) for arm in c.counter.sort_arms]].sum(axis=1)
    order = sorted(chosen, key=lambda i: (-weight[i], str(names[i]).casefold(), str(names[i])))
    rows, terms = [], []
    for i in order:
        counts = {arm: int(matrix[i, j]) for j, arm in enumerate(c.arms)}
        if c.counter.show_total:
            counts[TOTAL] = int(totals[i])
        rows.append(Row((Text(str(names[i]), "AEDECOD"), *count_cells(counts, c.groups, c.n_by_group))))
        terms.append({"term": str(names[i]), "counts": counts})
    out.tables.append(Table(
        key=f"{a.id}-frequent", title=_title(c, "ae_title_frequent"), columns=(Term("ae_pt"), *c.columns),
        rows=tuple(rows) or (Row((Term("ae_none_frequent"), *([None] * len(c.groups)))),),
        footnotes=(Term("ae_footnote_percent"), Term("ae_footnote_frequent", (("threshold", _threshold(threshold)),)),
                   sort_footnote(a, c.counter)), wide=c.wide))
    out.evidence["frequent"] = {"threshold": threshold, "terms": terms}


def _threshold(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


# ------------------------------------------------------------------------------------------ exposure-adjusted


def _exposure_adjusted(c: Context, out: Extra) -> None:
    a = c.analysis
    days, source = subject_days(a, c.data, c.subjects, a.exposure)
    usable, warnings = checked_days(a, c.data, c.subjects, days, source)
    out.warnings += warnings
    arm_of = c.counter.arm_of
    years = {arm: float(days[usable & (arm_of == j)].sum()) / DAYS_PER_YEAR for j, arm in enumerate(c.arms)}
    subjects = {arm: int((usable & (arm_of == j)).sum()) for j, arm in enumerate(c.arms)}
    level = c.trial.confidence_level
    record_subject = c.events[SUBJECT].to_numpy()

    def rates(mask: np.ndarray) -> dict[str, dict[str, Any]]:
        has = np.zeros(len(arm_of), dtype=bool)
        has[record_subject[mask]] = True
        per_arm = np.bincount(arm_of[np.flatnonzero(has & usable)], minlength=len(c.arms))
        result = {}
        for j, arm in enumerate(c.arms):
            n = int(per_arm[j])
            if years[arm] > 0:
                low, high = poisson_interval(n, years[arm], level)
                result[arm] = {"n": n, "rate": 100.0 * n / years[arm], "ci": [100.0 * low, 100.0 * high]}
            else:
                result[arm] = {"n": n, "rate": None, "ci": [None, None]}
        return result

    chosen: list[tuple[str, Label, np.ndarray]] = []
    for key in c.overview:
        chosen.append((key, Term(f"ae_{key}" if key != "any" else "ae_any"),
                       overview_mask(key, c.events, c.usable, a).to_numpy()))
    decod = cols.text_map(c.events["AEDECOD"], str.upper).to_numpy(dtype=object)
    for group, terms in a.special_interest_groups().items():
        chosen.append((f"aesi: {group}", Term("ae_eair_aesi", (("group", Text(group)),)),
                       np.isin(decod, [t.strip().upper() for t in terms])))
    for term in out.evidence.get("frequent", {}).get("terms", []):
        chosen.append((f"pt: {term['term']}", Text(term["term"], "AEDECOD"), decod == term["term"].upper()))
    rows = [Row((Term("ae_eair_years"), *(cell for arm in c.arms for cell in (Number(years[arm], 1), None))),
                emphasis=True)]
    evidence_rows = {}
    for key, row_label, mask in chosen:
        values = rates(mask)
        evidence_rows[key] = values
        cells = []
        for arm in c.arms:
            v = values[arm]
            cells += [Count(v["n"]), Estimate(v["rate"], v["ci"][0], v["ci"][1], RATE_DECIMALS)]
        rows.append(Row((row_label, *cells)))
    percent = level_percent(level)
    columns: list[Label] = [Term("ae_category")]
    for arm in c.arms:
        columns += [Term("ae_eair_n", (("arm", Text(arm)),)),
                    Term("ae_eair_rate", (("arm", Text(arm)), ("level", percent)))]
    out.tables.append(Table(
        key=f"{a.id}-exposure-adjusted", title=_title(c, "ae_title_eair"), columns=tuple(columns), rows=tuple(rows),
        footnotes=(Term("ae_footnote_eair", (("definition", source), ("level", percent))),),
        wide=2 * len(c.arms) > MAX_PORTRAIT_COLUMNS))
    out.evidence["exposure_adjusted"] = {"definition": source, "subject_years": years, "subjects": subjects,
                                         "rows": evidence_rows}
