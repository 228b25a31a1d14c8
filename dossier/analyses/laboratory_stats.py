"""Laboratory parameters (ADLB-style BDS) by visit and arm, reference-range and grade shifts, thresholds and
Hy's law.

Records, visits and the by-visit summaries come from dossier.analyses.bds. Per parameter and visit, by arm: the
value (AVAL) and, after baseline, the change from baseline (CHG, else AVAL - BASE): n, mean, SD, median, min
and max. Shift tables (`shift: true`, the default): per subject the baseline indicator (BNRIND, the first
non-blank of the subject's records of the parameter) and the worst post-baseline indicator (ANRIND over every
post-baseline record): NORMAL when every post-baseline indicator is normal, LOW when some are low and none is
high, HIGH when some are high and none is low, LOW_HIGH when both occur; N, H, L are read as NORMAL, HIGH,
LOW. Only subjects with a baseline and at least one post-baseline indicator are counted, so the counts of an
arm add up to its N at both times. Grade shifts (BTOXGR to the highest post-baseline ATOXGR) are shown when
the dataset has both. Thresholds: dossier.analyses.bds.threshold_counts. Hy's law (`hys_law: true`): subjects
whose peak post-baseline ALT or AST is > 3 x ULN and whose peak post-baseline BILI is > 2 x ULN (not
necessarily at the same visit), among subjects with post-baseline ALT or AST and BILI values and their ULN.
"""

from __future__ import annotations

import pandas as pd

from dossier.analyses import bds, options
from dossier.analyses.laboratory import HYS_LAW, OPTIONAL
from dossier.analyses.model import AnalysisResult, Count, Row, Table, Term, Text
from dossier.config.spec import Analysis, TrialSpec
from dossier.data import columns as cols
from dossier.data.datasets import TrialData

INDICATORS = {"N": "NORMAL", "NORMAL": "NORMAL", "L": "LOW", "LOW": "LOW", "H": "HIGH", "HIGH": "HIGH"}
BASELINE_CATEGORIES = ("LOW", "NORMAL", "HIGH")
WORST_CATEGORIES = ("LOW", "NORMAL", "HIGH", "LOW_HIGH")
GRADES = ("0", "1", "2", "3", "4")


def run(analysis: Analysis, trial: TrialSpec, data: TrialData) -> AnalysisResult:
    s = options.setting(analysis, trial)
    records, frame, values, changes, baseline_visits = bds.visit_summaries(analysis, trial, data, read=OPTIONAL)
    notes = list(records.notes)
    evidence: dict = {"N": records.arm_n, "params": {}, "thresholds": []}
    tables: list[Table] = []
    shift_rows: list[Row] = []
    grade_rows: list[Row] = []
    common_notes = bds.derived_note(records)
    for param in records.params:
        label = records.labels[param]
        evidence["params"][param] = entry = {"label": label, "visits": bds.visit_evidence(
            param, records, values, changes, baseline_visits)}
        tables.append(bds.visits_table(analysis, records, frame, values, changes, baseline_visits, param,
                                       "lab_title_visits", common_notes))
        if not analysis.shift:
            continue
        shift, note = _shift(frame, param, records.arms, "BNRIND", "ANRIND", _indicator, _worst_indicator,
                             BASELINE_CATEGORIES, WORST_CATEGORIES)
        if shift is None:
            notes.append(f"analysis {analysis.id!r}: {param}: {note}; shift table skipped")
        else:
            entry["shift"] = shift
            shift_rows += _shift_rows(label, shift, records.arms, BASELINE_CATEGORIES, WORST_CATEGORIES, "lab_nr")
            if note:
                notes.append(f"analysis {analysis.id!r}: {param}: {note}")
        if {"BTOXGR", "ATOXGR"} <= set(frame.columns):
            grades, note = _shift(frame, param, records.arms, "BTOXGR", "ATOXGR", _grade, _worst_grade, GRADES, GRADES)
            if grades is not None:
                entry["grade_shift"] = grades
                grade_rows += _shift_rows(label, grades, records.arms, GRADES, GRADES, "lab_grade")
    categories = [Term(f"lab_nr_{c.lower()}") for c in WORST_CATEGORIES]
    if shift_rows:
        tables.append(Table(key=bds.table_key(analysis.id, "shift"), title=Term("lab_title_shift"),
                            columns=(Term("lab_shift_baseline"), *categories, Term("lab_total")),
                            rows=tuple(shift_rows), footnotes=(Term("lab_footnote_shift"), *common_notes)))
    if grade_rows:
        tables.append(Table(key=bds.table_key(analysis.id, "grade-shift"), title=Term("lab_title_grade_shift"),
                            columns=(Term("lab_grade_baseline"), *(Term("lab_grade_n", (("grade", g),)) for g in GRADES),
                                     Term("lab_total")),
                            rows=tuple(grade_rows), footnotes=(Term("lab_footnote_grade_shift"), *common_notes)))
    found, threshold_notes = bds.threshold_counts(records, analysis.criteria(), analysis, records.dataset)
    notes += threshold_notes
    evidence["thresholds"] = found
    rows = bds.threshold_rows(found, records.labels, records.arms)
    if analysis.hys_law:
        hys, note = _hys_law(frame, records)
        if hys is None:
            notes.append(f"analysis {analysis.id!r}: hys_law: {note}; not evaluated")
        else:
            evidence["hys_law"] = hys
            rows.append(Row((Term("lab_hys_law"), *(Count(hys["counts"][a], hys["N"][a]) for a in records.arms)),
                            emphasis=True))
    if rows:
        tables.append(Table(key=bds.table_key(analysis.id, "thresholds"), title=Term("lab_title_thresholds"),
                            columns=bds.arm_header(Term("bds_criterion"), records.arms, records.arm_n),
                            rows=tuple(rows), footnotes=(Term("bds_footnote_thresholds"),
                                                         *([Term("lab_footnote_hys_law")] if "hys_law" in evidence
                                                           else []), *common_notes),
                            wide=len(records.arms) > bds.WIDE_ARMS))
    title = Text(analysis.title) if analysis.title else Term("lab_title")
    return AnalysisResult(id=analysis.id, type=analysis.type, title=title, population=s.population, arm=s.arm,
                          datasets=("adsl", records.dataset), filters=s.where, method=Term("method_laboratory"),
                          evidence=evidence, tables=tuple(tables), warnings=tuple(notes), groups=records.arms)


def _indicator(column: pd.Series) -> pd.Series:
    return cols.as_str(column).str.upper().map(INDICATORS)


def _worst_indicator(values: pd.Series) -> str:
    seen = set(values)
    low, high = "LOW" in seen, "HIGH" in seen
    return "LOW_HIGH" if low and high else "LOW" if low else "HIGH" if high else "NORMAL"


def _grade(column: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(cols.as_str(column) if not pd.api.types.is_numeric_dtype(column) else column,
                            errors="coerce")
    return numbers.map(lambda g: str(int(g)) if pd.notna(g) and float(g).is_integer() and 0 <= g <= 4 else None)


def _worst_grade(values: pd.Series) -> str:
    return str(max(int(v) for v in values))


def _shift(frame, param, arms, base_var, post_var, read, worst, base_cats, post_cats) -> tuple[dict | None, str]:
    """By arm: {N, counts: {baseline: {worst post-baseline: subjects}}}; (None, why) without the variables."""
    if base_var not in frame.columns or post_var not in frame.columns:
        return None, f"{base_var} or {post_var} is not in the dataset"
    rows = frame[(frame["PARAMCD"] == param).to_numpy()]
    base, post = read(rows[base_var]), read(rows[post_var])
    if base.isna().all() or post[rows["POST"].to_numpy()].isna().all():
        return None, f"{base_var} or {post_var} is blank on every record of the parameter"
    unknown = sorted({v for v, r in zip(cols.as_str(rows[post_var]), post) if v and r is None} |
                     {v for v, r in zip(cols.as_str(rows[base_var]), base) if v and r is None})
    note = f"values {', '.join(map(repr, unknown[:5]))} of {base_var}/{post_var} not read as a category, left out" \
        if unknown else ""
    subject_base = pd.Series(base.to_numpy(), index=rows["USUBJID"].to_numpy()).dropna().groupby(level=0).first()
    on_post = post.notna().to_numpy() & rows["POST"].to_numpy()
    worst_of = pd.Series(post[on_post].to_numpy(), index=rows.loc[on_post, "USUBJID"].to_numpy()).groupby(level=0) \
        .agg(worst)
    arm_of = rows.drop_duplicates("USUBJID").set_index("USUBJID")[bds.ARM]
    both = pd.DataFrame({"base": subject_base, "worst": worst_of}).dropna()  # subjects with values at both times
    tally = both.assign(arm=arm_of.reindex(both.index).to_numpy()).groupby(["arm", "base", "worst"]).size()
    out = {}
    for a in arms:
        counts = {b: {w: int(tally.get((a, b, w), 0)) for w in post_cats} for b in base_cats}
        out[a] = {"N": sum(sum(row.values()) for row in counts.values()), "counts": counts}
    return out, note


def _shift_rows(label, shift, arms, base_cats, post_cats, prefix) -> list[Row]:
    rows = [Row((Text(label, "PARAM"), *([None] * (len(post_cats) + 1))), emphasis=True)]
    for a in arms:
        n = shift[a]["N"]
        rows.append(Row((Term("bds_arm_n", (("arm", a), ("n", n))), *([None] * (len(post_cats) + 1))), level=1))
        for b in base_cats:
            counts = shift[a]["counts"][b]
            name = Term(f"{prefix}_{b.lower()}") if prefix == "lab_nr" else Term("lab_grade_n", (("grade", b),))
            rows.append(Row((name, *(Count(counts[w], n) for w in post_cats), Count(sum(counts.values()), n)),
                            level=2))
    return rows


def _hys_law(frame: pd.DataFrame, records) -> tuple[dict | None, str]:
    post = bds.subject_visits(frame)
    missing = [p for p in HYS_LAW if not (post["PARAMCD"] == p).any()]
    if missing:
        return None, f"no post-baseline {', '.join(missing)} records among the analysis's parameters"
    ratio = post["AVAL"].astype(float) / bds.limits_of(post, "ULN")
    peaks = post.assign(_R=ratio.to_numpy()).dropna(subset=["_R"]).groupby(["USUBJID", "PARAMCD"])["_R"].max() \
        .unstack()
    if "BILI" not in peaks.columns or not ({"ALT", "AST"} & set(peaks.columns)):
        return None, "no ULN (A1HI or ANRHI) on the post-baseline ALT, AST or BILI records"
    transaminase = peaks[[c for c in ("ALT", "AST") if c in peaks.columns]].max(axis=1)
    evaluable = transaminase.notna() & peaks["BILI"].notna()
    hit = evaluable & (transaminase > 3) & (peaks["BILI"] > 2)
    arm_of = frame.drop_duplicates("USUBJID").set_index("USUBJID")[bds.ARM]
    frame_of = pd.DataFrame({"USUBJID": peaks.index, bds.ARM: arm_of.reindex(peaks.index).to_numpy()})
    return {"counts": bds.per_arm(frame_of[hit.to_numpy()], records.arms),
            "N": bds.per_arm(frame_of[evaluable.to_numpy()], records.arms)}, ""


check_dataset = bds.check_dataset  # the parameters named in params and thresholds exist (dossier.data.validate)
