"""`subgroups:` and `japanese_population:` of an efficacy analysis: evidence, tables and figures.

The efficacy types that opt in to `subgroups:` (dossier.analyses.options.SubgroupsOptions) call `outputs()`
with one row per analysed subject and the effect they report (hazard ratio, LS-mean difference at the
primary visit of an ANCOVA or of an MMRM, risk difference of responders). It runs the engines
(dossier.stats.subgroups for the levels and interaction tests, dossier.stats.consistency for MHLW 2007's
Methods 1 and 2 and the planning probability) and returns raw results: the evidence entries, a subgroup
table, one forest plot per comparison (drawn by dossier.render.figures in the workers) and, with
`japanese_population:`, the consistency tables that the briefing's section "Consistency of the Japanese
population with the overall population" shows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from dossier.analyses.model import (
    AnalysisResult,
    Count,
    Estimate,
    Figure,
    Forest,
    Fraction,
    Number,
    PValue,
    Row,
    Table,
    Term,
    Text,
)
from dossier.analyses.options import subgroup_needs
from dossier.data import selection
from dossier.errors import AnalysisError
from dossier.stats import consistency as cs
from dossier.stats import core as st
from dossier.stats import subgroups as sg

# effect -> (glossary key of the estimate column, of the x axis, of the per-arm count heading, decimals)
EFFECTS = {
    "hazard_ratio": ("sg_estimate_hr", "sg_axis_hr", "sg_events_n", 2),
    "lsmean_difference": ("sg_estimate_lsmd", "sg_axis_lsmd", "sg_n", 2),
    "mmrm_lsmean_difference": ("sg_estimate_lsmd", "sg_axis_lsmd", "sg_n", 2),
    "risk_difference": ("sg_estimate_rd", "sg_axis_rd", "sg_responders_n", 3),
}


@dataclass(frozen=True)
class SubgroupOutputs:
    """What `outputs()` gives an analysis: evidence entries, tables, figures, consistency tables, warnings."""

    subgroups: dict
    japan_consistency: dict | list | None
    tables: tuple[Table, ...]
    figures: tuple[Figure, ...]
    consistency: tuple[Table, ...]
    warnings: tuple[str, ...]


    def merged_into(self, result: AnalysisResult, evidence_key: str = "subgroups") -> AnalysisResult:
        """`result` with these outputs added (the subgroups under `evidence_key`)."""
        evidence = {**result.evidence, evidence_key: self.subgroups}
        if self.japan_consistency is not None:
            evidence["japan_consistency"] = self.japan_consistency
        return replace(result, evidence=evidence, tables=result.tables + self.tables,
                       figures=result.figures + self.figures, consistency=result.consistency + self.consistency,
                       warnings=result.warnings + self.warnings)


def outputs(analysis, trial, frame: pd.DataFrame, *, effect: str, arm: str, arms: tuple[str, ...], reference: str,
            confidence: float, title, improvement: str, key: str, adsl: pd.DataFrame, dataset: str,
            japan: bool = True, **columns) -> SubgroupOutputs:
    """Subgroup analyses of `frame` (one row per analysed subject of `arms`). `effect` picks the engine and
    `columns` its variables (time/event, outcome/covariates, response); `key` prefixes the tables' and
    figures' keys; the Japanese consistency is evaluated with trial.japanese_population when `japan`."""
    name = f"analysis {analysis.id!r}"
    frame = selection.attach_subject_variables(frame, subgroup_needs(analysis, trial), adsl, analysis, dataset)
    specs = [sg.SubgroupSpec(s.variable.upper(), s.cuts) for s in analysis.subgroups]
    jp = trial.japanese_population if japan else None
    if jp is not None and cs.JAPANESE_COLUMN in {s.variable for s in specs}:
        raise AnalysisError(f"{name}: subgroups: {cs.JAPANESE_COLUMN} is the name of the derived Japanese flag of "
                            f"japanese_population; rename the variable", where="dossier.yaml")
    region = jp.region.upper() if jp is not None and jp.region else None
    extra = []
    if jp is not None:
        frame = cs.with_japan_flag(frame, jp.variable.upper(), jp.value)
        extra.append(sg.SubgroupSpec(cs.JAPANESE_COLUMN))
        if region and region not in {s.variable for s in specs}:
            extra.append(sg.SubgroupSpec(region))
    engine = {"hazard_ratio": sg.time_to_event, "lsmean_difference": sg.ancova,
              "mmrm_lsmean_difference": sg.mmrm, "risk_difference": sg.risk_difference}[effect]
    full = engine(frame, arm=arm, reference=reference, arms=arms, subgroups=specs + extra, level=confidence,
                  name=name, **columns)
    shown = replace(full, subgroups=tuple(s for s in full.subgroups if s.variable in {x.variable for x in specs}))
    level = st.level_percent(confidence)
    groups = [a for a in full.arms if a != reference]
    suffixes = _suffixes(groups)
    tables = tuple(_subgroup_table(analysis, shown, effect, title, key, level, g, suffixes[g]) for g in groups)
    figures = tuple(_forest(analysis, shown, effect, title, key, level, g, suffixes[g]) for g in groups)
    notes = list(full.warnings)
    japan, consistency = None, ()
    if jp is not None:
        found = []
        for g in groups:
            c = cs.evaluate(full, improvement=improvement, region=region, threshold=jp.threshold, group=g)
            notes += [f"{name}: Japanese consistency ({g} vs {reference}): {w}" for w in c.warnings]
            planning = _planning(c, jp.planned_n, jp.planned_total, name, notes)
            found.append((c, planning))
        entries = [{"group": c.group, "reference": c.reference, **c.to_evidence(),
                    "planning": [p.to_evidence() for p in planning]} for c, planning in found]
        japan = entries[0] if len(entries) == 1 else entries
        consistency = tuple(t for c, planning in found
                            for t in _consistency_tables(c, planning, effect, title, key, level, suffixes[c.group],
                                                       jp.region or "REGION"))
    return SubgroupOutputs(shown.to_evidence(), japan, tables, figures, consistency, tuple(notes))


def _planning(c: cs.Consistency, planned: tuple[int, ...], total: int | None, name: str,
              notes: list[str]) -> list[cs.Method1Planning]:
    out = []
    for n in planned:
        try:
            out.append(cs.plan_method1(c, n, total))
        except ValueError as exc:
            notes.append(f"{name}: Method 1 planning probability for {n} Japanese subjects ({c.group} vs "
                         f"{c.reference}) not computed: {exc}")
    return out


# ------------------------------------------------------------------------------------------ labels


def variable_label(analysis, variable: str) -> Text:
    entry = next((s for s in analysis.subgroups if s.variable.upper() == variable), None)
    return Text(str(entry.label)) if entry is not None and entry.label else Text(variable, variable, "label")


def level_label(analysis, result: sg.SubgroupResult, level: sg.SubgroupLevel):
    """The user's label of a level (subgroups[].levels), else the class label in the document language, else
    the value as it is in the data."""
    entry = next((s for s in analysis.subgroups if s.variable.upper() == result.variable), None)
    given = entry.levels.get(level.key) if entry is not None else None
    if given:
        return Text(str(given))
    if result.cuts is None:
        return Text(level.key, result.variable)
    low = None if level.low is None else sg._num(level.low)
    high = None if level.high is None else sg._num(level.high)
    if low is None:
        return Term("sg_class_below", (("high", high),))
    if high is None:
        return Term("sg_class_from", (("low", low),))
    return Term("sg_class_between", (("low", low), ("high", high)))


def _effect_cell(effect: sg.Effect, decimals: int) -> Estimate:
    return Estimate(effect.estimate, effect.ci[0], effect.ci[1], decimals)


def _count_cells(level: sg.SubgroupLevel, arms: tuple[str, ...]) -> tuple:
    n = dict(level.n)
    if level.events is None:
        return tuple(Count(n[a]) for a in arms)
    events = dict(level.events)
    return tuple(Fraction(events[a], n[a]) for a in arms)


# ------------------------------------------------------------------------------------------ table and figure


def _subgroup_table(analysis, result: sg.SubgroupAnalysis, effect: str, title, key: str, level: int, group: str,
                    suffix: str) -> Table:
    """The subgroup table of one comparison (`group` vs the reference): one table per comparison, like the forest
    plots, so that a trial with several active arms keeps a table that fits the page."""
    estimate_key, _, count_key, decimals = EFFECTS[effect]
    arms = tuple(a for a in result.arms if a in (group, result.reference))
    columns = (Term("sg_subgroup"),
               *(Term("sg_arm_count", (("arm", Text(a)), ("count", Term(count_key)))) for a in arms),
               Term(estimate_key, (("level", level),)), Term("sg_p_interaction_column"))

    def level_row(label, lv: sg.SubgroupLevel, indent: int) -> Row:
        return Row((label, *_count_cells(lv, arms), _effect_cell(lv.effect(group), decimals), None), level=indent)

    rows = [level_row(Term("sg_overall"), result.overall, 0)]
    for s in result.subgroups:
        p = {i.group: i.p for i in s.interactions}
        rows.append(Row((variable_label(analysis, s.variable), *([None] * len(arms)), None, PValue(p.get(group))),
                        emphasis=True))
        rows += [level_row(level_label(analysis, s, lv), lv, 1) for lv in s.levels]
    title_term = Term("sg_table_title", (("title", title),)) if not suffix else \
        Term("sg_table_title_vs", (("title", title), ("group", Text(group)), ("reference", Text(result.reference))))
    return Table(key=f"{key}-subgroups{suffix}", title=title_term, columns=columns,
                 rows=tuple(rows), footnotes=(Term(f"sg_footnote_{effect}"), Term("sg_footnote_ne")))


def _forest(analysis, result: sg.SubgroupAnalysis, effect: str, title, key: str, level: int, group: str,
            suffix: str) -> Figure:
    estimate_key, axis_key, count_key, decimals = EFFECTS[effect]
    variables = tuple((s.variable, variable_label(analysis, s.variable)) for s in result.subgroups)
    # values and the user's labels; classes without a label are labelled by dossier.render.forest in the language
    levels = tuple(((s.variable, lv.key), label) for s in result.subgroups for lv in s.levels
                   if isinstance(label := level_label(analysis, s, lv), Text))
    forest = Forest(analysis=result, group=group, estimate=Term(estimate_key, (("level", level),)),
                    x_axis=Term(axis_key), count=Term(count_key), variables=variables, levels=levels,
                    decimals=decimals)
    return Figure(key=f"{key}-forest{suffix}", kind="forest",
                  title=Term("sg_forest_title", (("title", title), ("group", Text(group)),
                                                 ("reference", Text(result.reference)))),
                  x_label=Term(axis_key), y_label=Text(""), curves=(), forest=forest,
                  footnotes=(Term(f"sg_footnote_{effect}"),))


def _suffixes(groups: list[str]) -> dict[str, str]:
    """Each compared arm as a key suffix ("" for a single comparison): its ASCII letters and digits joined by
    '-', or its position when that is empty or not unique (e.g. arm names in Japanese)."""
    if len(groups) == 1:
        return {groups[0]: ""}
    slugs = ["-".join("".join(c if c.isascii() and c.isalnum() else " " for c in g).split()).lower() for g in groups]
    if all(slugs) and len(set(slugs)) == len(slugs):
        return {g: f"-{slug}" for g, slug in zip(groups, slugs)}
    return {g: f"-{i + 1}" for i, g in enumerate(groups)}


# ------------------------------------------------------------------------------------------ consistency


def _direction(value: bool | None):
    return Term("jc_not_evaluable") if value is None else Term("jc_yes" if value else "jc_no")


def _consistency_tables(c: cs.Consistency, planning, effect: str, title, key: str, level: int,
                        suffix: str, region: str) -> tuple[Table, Table]:
    estimate_key, _, _, decimals = EFFECTS[effect]
    arms = (c.group, c.reference)
    params = (("title", title), ("group", Text(c.group)), ("reference", Text(c.reference)))

    def row(label, e: cs.PopulationEffect, same, indent=0) -> Row:
        n = dict(e.n)
        return Row((label, *(Count(n.get(a, 0)) for a in arms), Estimate(e.estimate, e.ci[0], e.ci[1], decimals),
                    same), level=indent)

    rows = [row(Term("jc_overall"), c.overall, None), row(Term("jc_japanese"), c.japan, None)]
    if c.regions:
        rows.append(Row((Term("jc_regions"), None, None, None, None), emphasis=True))
        rows += [row(Text(r.region, region), r.effect, _direction(r.same_direction), 1) for r in c.regions]
    columns = (Term("jc_population"), *(Term("sg_arm_count", (("arm", Text(a)), ("count", Term("sg_n")))) for a in arms),
               Term(estimate_key, (("level", level),)), Term("jc_same_direction"))
    effects = Table(key=f"{key}-japan{suffix}", title=Term("jc_table_title", params), columns=columns,
                    rows=tuple(rows), footnotes=(Term("jc_footnote_direction"),))
    scale = "jc_footnote_log" if effect == "hazard_ratio" else "jc_footnote_difference"
    methods = [Row((Term("jc_ratio"), Number(c.ratio, 2))),
               Row((Term("jc_method1", (("threshold", c.threshold),)), _direction(c.method1))),
               Row((Term("jc_method2"), _direction(c.method2) if c.regions else Term("jc_no_region")))]
    methods += [Row((Term("jc_planning", (("n", p.n_japan), ("total", p.n_total), ("threshold", p.threshold))),
                     Number(100 * p.probability, 1))) for p in planning]
    evaluation = Table(key=f"{key}-japan-methods{suffix}", title=Term("jc_methods_title", params),
                       columns=(Term("jc_item"), Term("jc_result")), rows=tuple(methods),
                       footnotes=(Term(scale), Term("jc_footnote_planning")))
    return effects, evaluation
