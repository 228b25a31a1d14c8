"""The estimand table of an efficacy analysis (`estimand:`, dossier.analyses.options.EstimandOptions).

ICH E9(R1) A.3.2 names the attributes of an estimand: the population, the variable (endpoint), the
treatment condition, the intercurrent events with the strategy addressing each, and the population-level
summary. The table has one row per attribute (one per intercurrent event), the writer's text as written
(the spec is localised before the analyses run) and the strategies from the glossary. It is appended to
the analysis's tables, so it is numbered, listed and cross-referenced with them.
"""

from __future__ import annotations

from dossier.analyses.model import Row, Table, Term, Text


def estimand_table(analysis) -> Table | None:
    """The estimand of `analysis` as a table keyed `<id>-estimand`, or None when it declares none."""
    estimand = getattr(analysis, "estimand", None)
    if estimand is None:
        return None
    rows = [Row((Term("estimand_population"), Text(str(estimand.population)))),
            Row((Term("estimand_variable"), Text(str(estimand.variable)))),
            Row((Term("estimand_treatment"), Text(str(estimand.treatment))))]
    if estimand.intercurrent_events:
        rows.append(Row((Term("estimand_intercurrent_events"), None), emphasis=True))
        for event in estimand.intercurrent_events:
            rows.append(Row((Text(str(event.event)), Term(f"strategy_{event.strategy}")), level=1))
    else:
        rows.append(Row((Term("estimand_intercurrent_events"), Term("estimand_none"))))
    rows.append(Row((Term("estimand_summary"), Text(str(estimand.summary)))))
    title = Term("estimand_title", (("title", Text(str(analysis.title))),)) if analysis.title \
        else Term("estimand_title_of", (("id", analysis.id),))
    return Table(key=f"{analysis.id}-estimand", title=title,
                 columns=(Term("estimand_attribute"), Term("estimand_description")), rows=tuple(rows),
                 footnotes=(Term("estimand_footnote"),))
