"""Vital signs (ADVS-style BDS) by visit and arm, and subjects with abnormal values by yaml thresholds.

Records, visits, summaries and thresholds: dossier.analyses.bds (see its docstring). Per parameter and visit,
by arm: the value (AVAL) and, after baseline, the change from baseline (CHG, else AVAL - BASE): n, mean, SD,
median, min and max. Thresholds: subjects with at least one post-baseline value beyond each limit ({high: h}:
AVAL >= h; {low: l}: AVAL <= l), among the subjects with at least one post-baseline value of the parameter.
"""

from __future__ import annotations

from dossier.analyses import bds, options
from dossier.analyses.model import AnalysisResult, Table, Term, Text
from dossier.analyses.vital_signs import OPTIONAL
from dossier.config.spec import Analysis, TrialSpec
from dossier.data.datasets import TrialData


def run(analysis: Analysis, trial: TrialSpec, data: TrialData) -> AnalysisResult:
    s = options.setting(analysis, trial)
    records, frame, values, changes, baseline_visits = bds.visit_summaries(analysis, trial, data, read=OPTIONAL)
    notes = list(records.notes)
    common_notes = bds.derived_note(records)
    evidence: dict = {"N": records.arm_n, "params": {}, "thresholds": []}
    tables = []
    for param in records.params:
        evidence["params"][param] = {"label": records.labels[param], "visits": bds.visit_evidence(
            param, records, values, changes, baseline_visits)}
        tables.append(bds.visits_table(analysis, records, frame, values, changes, baseline_visits, param,
                                       "vs_title_visits", common_notes))
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


check_dataset = bds.check_dataset  # the parameters named in params and thresholds exist (dossier.data.validate)
