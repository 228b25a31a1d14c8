"""Generic by-visit summaries of BDS parameters by arm (records and visits: dossier.analyses.bds).

Per parameter, visit and arm, over the subjects with a value at the visit:
- `summary: arithmetic`: n, mean, SD, median, min, max of AVAL;
- `summary: geometric` (titres): the same and the geometric mean exp(mean(log AVAL)) with its CI
  exp(mean(log) -/+ t(1 - alpha/2, n - 1) SD(log) / sqrt(n)); values <= 0 have no logarithm and are left out of
  the geometric mean (a warning counts them);
- `summary: positive`: subjects with a positive sample (`positive:`, default AVALC = POSITIVE) / subjects with a
  sample, with the exact Clopper-Pearson CI.
`seroconversion: true`: among the subjects negative at baseline (their baseline sample not positive) with at
least one post-baseline sample, those with a positive post-baseline sample (exact CI). `last_positive: true`:
among the subjects with a positive post-baseline sample, the study day (ADY) of their last positive sample
(median, min, max), and how many were still positive at their last post-baseline sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dossier.analyses import bds, options
from dossier.analyses.by_visit import OPTIONAL
from dossier.analyses.model import AnalysisResult, Count, Fraction, Number, Range, Row, Table, Term, Text
from dossier.config.spec import Analysis, TrialSpec
from dossier.data import selection
from dossier.data.datasets import TrialData
from dossier.errors import AnalysisError
from dossier.stats import core as st


def run(analysis: Analysis, trial: TrialSpec, data: TrialData) -> AnalysisResult:
    s = options.setting(analysis, trial)
    rule = analysis.positive_rule() if analysis.uses_positive() else ()
    read = [*OPTIONAL, *(name for name, _ in rule)]
    records = bds.select(analysis, trial, data, read=read, numeric=() if analysis.summary == "positive" else ("AVAL",))
    frame = records.frame
    for name, _ in rule:
        if name not in frame.columns:
            raise AnalysisError(f"analysis {analysis.id!r}: positive: {records.dataset} has no variable {name}",
                                where=f"dataset {records.dataset}")
    if analysis.last_positive and "ADY" not in frame.columns:
        raise AnalysisError(f"analysis {analysis.id!r}: last_positive needs the study day ADY in {records.dataset}",
                            where=f"dataset {records.dataset}")
    if rule:
        frame = frame.assign(POSITIVE=selection.where_mask(frame, rule))
    notes = list(records.notes)
    level = s.confidence
    pct = st.level_percent(level)
    evidence: dict = {"N": records.arm_n, "summary": analysis.summary, "params": {}}
    tables = []
    source = bds.derived_note(records)
    for param in records.params:
        rows_of = frame[(frame["PARAMCD"] == param).to_numpy()]
        label = records.labels[param]
        d = bds.decimals(rows_of, param) if analysis.summary != "positive" else 0
        if analysis.summary == "geometric":
            bad = int((rows_of["AVAL"] <= 0).sum())
            if bad:
                notes.append(f"analysis {analysis.id!r}: {param}: {bad} value(s) <= 0 have no logarithm and were left "
                             "out of the geometric means")
        visits = {v: {a: _statistics(rows_of, v, a, analysis.summary, level) for a in records.arms}
                  for v in records.visits}
        entry: dict = {"label": label, "visits": visits}
        rows = _visit_rows(visits, records.visits, records.arms, analysis.summary, d, pct)
        footnotes: list = [Term(f"bv_footnote_{analysis.summary}", (("level", pct),))]
        if analysis.uses_positive():
            footnotes.append(Term("bv_footnote_positive_rule", (("rule", _rule_text(rule)),)))
        if analysis.seroconversion:
            entry["seroconversion"] = _seroconversion(rows_of, records.arms, level)
            rows.append(Row((Term("bv_seroconversion"), *([None] * len(records.arms))), emphasis=True))
            rows += _proportion_rows(entry["seroconversion"], records.arms, pct)
            footnotes.append(Term("bv_footnote_seroconversion"))
        if analysis.last_positive:
            entry["last_positive"] = _last_positive(rows_of, records.arms)
            rows.append(Row((Term("bv_last_positive"), *([None] * len(records.arms))), emphasis=True))
            lp = [entry["last_positive"][a] for a in records.arms]
            rows += [Row((Term("bv_ever_positive"), *(Fraction(x["n"], x["N"]) for x in lp)), level=1),
                     Row((Term("bv_last_day_median"), *(Number(x["median"], 1) for x in lp)), level=1),
                     Row((Term("bv_last_day_min_max"), *(Range(x["min"], x["max"], 0) for x in lp)), level=1),
                     Row((Term("bv_still_positive"), *(Count(x["still_positive"], x["n"]) for x in lp)), level=1)]
            footnotes.append(Term("bv_footnote_last_positive"))
        evidence["params"][param] = entry
        tables.append(Table(key=bds.table_key(analysis.id, param),
                            title=Term(f"bv_title_{analysis.summary}", (("param", Text(label, "PARAM")),)),
                            columns=bds.arm_header(Term("bds_visit_statistic"), records.arms, records.arm_n),
                            rows=tuple(rows), footnotes=(*footnotes, *source),
                            wide=len(records.arms) > bds.WIDE_ARMS))
    title = Text(analysis.title) if analysis.title else Term("bv_title")
    return AnalysisResult(id=analysis.id, type=analysis.type, title=title, population=s.population, arm=s.arm,
                          datasets=("adsl", records.dataset), filters=s.where,
                          method=Term("method_by_visit", (("level", pct),)), evidence=evidence, tables=tuple(tables),
                          warnings=tuple(notes), groups=records.arms)


def _rule_text(rule) -> str:
    return "; ".join(f"{name} = {' / '.join(values)}" for name, values in rule)


def geometric(values: np.ndarray, level: float) -> tuple[float | None, list[float | None]]:
    """Geometric mean of the values > 0 and the exp of the t-based CI of their mean log."""
    logs = np.log(values[values > 0])
    if logs.size == 0:
        return None, [None, None]
    mean = logs.mean()
    if logs.size < 2:
        return float(np.exp(mean)), [None, None]
    low, high = st.t_interval(mean, logs.std(ddof=1), logs.size, level)
    return float(np.exp(mean)), st.floats([np.exp(low), np.exp(high)])


def proportion(k: int, n: int, level: float) -> dict:
    low, high = st.clopper_pearson(k, n, level)
    return {"n": int(k), "N": int(n), "rate": k / n if n else None, "ci": [low, high]}


def _statistics(rows: pd.DataFrame, visit: str, arm: str, summary: str, level: float) -> dict:
    at = rows[(rows["AVISIT"] == visit).to_numpy() & (rows[bds.ARM] == arm).to_numpy()]
    if summary == "positive":
        k = int(at["POSITIVE"].sum())
        p = proportion(k, len(at), level)
        return {"n": len(at), "positive": k, "rate": p["rate"], "ci": p["ci"]}
    values = at["AVAL"].dropna().to_numpy(dtype=float)
    f = st.finite_or_none
    out: dict = {"n": int(values.size)}
    if values.size:
        out.update(mean=f(values.mean()), sd=f(values.std(ddof=1)) if values.size > 1 else None,
                   median=f(np.median(values)), min=f(values.min()), max=f(values.max()))
    else:
        out.update(mean=None, sd=None, median=None, min=None, max=None)
    if summary == "geometric":
        gm, ci = geometric(values, level)
        out.update(geometric_mean=gm, geometric_ci=ci)
    return out


def _visit_rows(visits, order, arms, summary, d, pct) -> list[Row]:
    rows: list[Row] = []
    for visit in order:
        g = [visits[visit][a] for a in arms]
        rows.append(Row((Text(visit, "AVISIT"), *([None] * len(arms))), emphasis=True))
        if summary == "positive":
            rows.append(Row((Term("bv_positive_n"), *(Fraction(x["positive"], x["n"]) for x in g)), level=1))
            rows.append(Row((Term("bv_ci", (("level", pct),)), *(_percent_range(x["ci"]) for x in g)), level=1))
            continue
        if summary == "arithmetic":
            rows += bds.summary_rows("value", g, d)
            continue
        # titres: the geometric mean and its CI in place of the arithmetic mean (SD), which skewed titres make
        # uninformative (evidence.json keeps both)
        rows += [Row((Term("bds_value_n"), *(Count(x["n"]) for x in g)), level=1),
                 Row((Term("bv_geometric_mean"), *(Number(x["geometric_mean"], d) for x in g)), level=1),
                 Row((Term("bv_ci", (("level", pct),)), *(Range(*x["geometric_ci"], d) for x in g)), level=1),
                 Row((Term("bds_value_median"), *(Number(x["median"], d) for x in g)), level=1),
                 Row((Term("bds_value_min_max"), *(Range(x["min"], x["max"], d) for x in g)), level=1)]
    return rows


def _percent_range(ci) -> Range:
    return Range(*(None if x is None else 100 * x for x in ci), 1)


def _proportion_rows(by_arm: dict, arms, pct) -> list[Row]:
    g = [by_arm[a] for a in arms]
    return [Row((Term("bv_seroconverted_n"), *(Fraction(x["n"], x["N"]) for x in g)), level=1),
            Row((Term("bv_ci", (("level", pct),)), *(_percent_range(x["ci"]) for x in g)), level=1)]


def _seroconversion(rows: pd.DataFrame, arms, level: float) -> dict:
    baseline = rows[rows["BASELINE"].to_numpy()]
    negative = set(baseline.loc[~baseline["POSITIVE"].to_numpy(), "USUBJID"]) - \
        set(baseline.loc[baseline["POSITIVE"].to_numpy(), "USUBJID"])
    post = bds.subject_visits(rows)
    post = post[post["USUBJID"].isin(negative).to_numpy()]
    sampled = bds.per_arm(post[["USUBJID", bds.ARM]], arms)
    converted = bds.per_arm(post.loc[post["POSITIVE"].to_numpy(), ["USUBJID", bds.ARM]], arms)
    return {a: proportion(converted[a], sampled[a], level) for a in arms}


def _last_positive(rows: pd.DataFrame, arms) -> dict:
    post = bds.subject_visits(rows)
    post = post[post["ADY"].notna().to_numpy()].sort_values(["USUBJID", "ADY"], kind="mergesort")
    sampled = bds.per_arm(post[["USUBJID", bds.ARM]], arms)
    positive = post[post["POSITIVE"].to_numpy()]
    last_day = positive.groupby("USUBJID")["ADY"].max()
    last_sample = post.groupby("USUBJID").tail(1).set_index("USUBJID")["POSITIVE"]
    arm_of = post.drop_duplicates("USUBJID").set_index("USUBJID")[bds.ARM]
    out = {}
    f = st.finite_or_none
    for a in arms:
        days = last_day[arm_of.reindex(last_day.index).to_numpy() == a].to_numpy(dtype=float)
        ids = last_sample.index[arm_of.reindex(last_sample.index).to_numpy() == a]
        out[a] = {"n": int(days.size), "N": sampled[a],
                  "median": f(np.median(days)) if days.size else None,
                  "min": f(days.min()) if days.size else None, "max": f(days.max()) if days.size else None,
                  "still_positive": int(last_sample[ids].sum())}
    return out


check_dataset = bds.check_dataset  # the parameters named in params and thresholds exist (dossier.data.validate)
