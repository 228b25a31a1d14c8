"""Vital signs (ADVS-style BDS) by visit and arm, and subjects with abnormal values by yaml thresholds.

Records, visits, summaries and thresholds: dossier.analyses.bds (see its docstring). Per parameter and visit,
by arm: the value (AVAL) and, after baseline, the change from baseline (CHG, else AVAL - BASE): n, mean, SD,
median, min and max. Thresholds: subjects with at least one post-baseline value beyond each limit ({high: h}:
AVAL >= h; {low: l}: AVAL <= l), among the subjects with at least one post-baseline value of the parameter.
"""

from __future__ import annotations

from dossier.analyses import bds, common
from dossier.analyses.vital_signs import OPTIONAL
from dossier.datasets import TrialData
from dossier.model import AnalysisResult, Table, Term, Text
from dossier.spec import Analysis, TrialSpec


def run(analysis: Analysis, trial: TrialSpec, data: TrialData) -> AnalysisResult:
    s = common.setting(analysis, trial)
    records = bds.select(analysis, trial, data, read=OPTIONAL)
    frame = records.frame.assign(CHG=bds.change(records.frame))
    notes = list(records.notes)
    values, changes = bds.summaries(frame, "AVAL"), bds.summaries(frame, "CHG")
    baseline_visits = set(frame.loc[frame["BASELINE"], "AVISIT"])
    common_notes = bds.derived_note(records)
    evidence: dict = {"N": records.arm_n, "params": {}, "thresholds": []}
    tables = []
    for param in records.params:
        label = records.labels[param]
        evidence["params"][param] = {"label": label, "visits": {
            visit: {a: {"value": values.get((param, visit, a)) or bds.empty_summary(),
                        **({} if visit in baseline_visits else
                           {"change": changes.get((param, visit, a)) or bds.empty_summary()})}
                    for a in records.arms} for visit in records.visits}}
        tables.append(Table(key=bds.table_key(analysis.id, param), title=Term("vs_title_visits", (("param", Text(label, "PARAM")),)),
                            columns=bds.arm_header(Term("bds_visit_statistic"), records.arms, records.arm_n),
                            rows=tuple(bds.visit_rows(param, records.visits, records.arms, values, changes,
                                                      bds.decimals(frame, param), baseline_visits)),
                            footnotes=(Term("bds_footnote_visits"), *common_notes),
                            wide=len(records.arms) > bds.WIDE_ARMS))
    found, threshold_notes = bds.threshold_counts(records, analysis.criteria(), analysis, records.dataset)
    notes += threshold_notes
    evidence["thresholds"] = found
    if found:
        tables.append(Table(key=bds.table_key(analysis.id, "thresholds"), title=Term("vs_title_thresholds"),
                            columns=bds.arm_header(Term("bds_criterion"), records.arms, records.arm_n),
                            rows=tuple(bds.threshold_rows(found, records.labels, records.arms)),
                            footnotes=(Term("bds_footnote_thresholds"), *common_notes),
                            wide=len(records.arms) > bds.WIDE_ARMS))
    title = Text(analysis.title) if analysis.title else Term("vs_title")
    return AnalysisResult(id=analysis.id, type=analysis.type, title=title, population=s.population, arm=s.arm,
                          datasets=("adsl", records.dataset), filters=s.where, method=Term("method_vital_signs"),
                          evidence=evidence, tables=tuple(tables), warnings=tuple(notes), groups=records.arms)


check_dataset = bds.check_dataset  # the parameters named in params and thresholds exist (dossier.validate)
