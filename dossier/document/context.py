"""Results + spec + writer's text -> what a document template needs.

Everything here is already text (formatted through dossier.document.formatting) and numbered: tables
and figures are numbered in order of appearance within each document, and cross-references
point at those numbers, so templates only lay things out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dossier.analyses.model import AnalysisResult, Figure, Table, Text
from dossier.analyses.registry import types
from dossier.config.spec import TrialSpec
from dossier.document.formatting import Formatter
from dossier.document.writer_text import WriterText


@dataclass(frozen=True)
class RenderedRow:
    cells: tuple[str, ...]
    level: int
    emphasis: bool


@dataclass(frozen=True)
class RenderedTable:
    key: str
    number: int
    anchor: str
    label: str  # "Table 3" / "表 3": the caption's label, also the text of cross-references
    caption: str  # label and title, joined as the glossary's `caption` says
    columns: tuple[str, ...]
    rows: tuple[RenderedRow, ...]
    footnotes: tuple[str, ...]
    wide: bool


@dataclass(frozen=True)
class RenderedFigure:
    key: str
    number: int
    anchor: str
    label: str  # "Figure 1" / "図 1"
    caption: str
    src: str
    footnotes: tuple[str, ...]


@dataclass(frozen=True)
class AnalysisSection:
    id: str
    type: str
    title: str
    anchor: str
    tables: tuple[RenderedTable, ...]
    figures: tuple[RenderedFigure, ...]
    method: str
    warnings: tuple[str, ...]
    provenance: str
    macro: str  # the templates' macro that lays it out (its type's AnalysisType.macro)

    def references(self) -> list[tuple[str, str]]:
        """(label, anchor) of every table and figure of this analysis, for cross-references."""
        return [(t.label, t.anchor) for t in self.tables] + [(f.label, f.anchor) for f in self.figures]


def caption(label: str, title: str, fmt: Formatter) -> str:
    """"Table 1. Title" / "表 1　Title": the glossary's `caption` joins a label and a title."""
    return fmt.term("caption", label=label, title=title)


def render_table(table: Table, number: int, fmt: Formatter, extra_notes: tuple[str, ...] = (),
                 wide: bool | None = None) -> RenderedTable:
    """`table` as text, numbered; on a landscape page when `wide` (default: when marked wide or over 6 columns)."""
    label = fmt.term("table_n", n=number)
    rows = tuple(RenderedRow(tuple(fmt.cell(c) for c in row.cells), row.level, row.emphasis) for row in table.rows)
    return RenderedTable(
        key=table.key, number=number, anchor=f"table-{number}", label=label,
        caption=caption(label, fmt.label(table.title), fmt),
        columns=tuple(fmt.label(c) for c in table.columns), rows=rows,
        footnotes=tuple(fmt.label(f) for f in table.footnotes) + extra_notes,
        wide=(table.wide or len(table.columns) > 6) if wide is None else wide,
    )


def render_figure(figure: Figure, number: int, fmt: Formatter, extra_notes: tuple[str, ...] = ()) -> RenderedFigure:
    label = fmt.term("figure_n", n=number)
    return RenderedFigure(figure.key, number, f"figure-{number}", label, caption(label, fmt.label(figure.title), fmt),
                          f"figures/{figure.key}.png", tuple(fmt.label(f) for f in figure.footnotes) + extra_notes)


def population_text(result: AnalysisResult, fmt: Formatter) -> str:
    """"EFFFL = Y", or the glossary's "all subjects" when the analysis uses no population flag."""
    return f"{result.population} = Y" if result.population else fmt.term("all_subjects")


def filters_text(result: AnalysisResult, fmt: Formatter) -> str:
    """"ANL01FL = Y; ITTFL = Y" (the glossary's outer list separator), or the glossary's "none"."""
    inner = fmt.term("list_separator")
    return fmt.term("list_separator_outer").join(f"{name} = {inner.join(values)}" for name, values in result.filters) \
        or fmt.term("none")


def provenance_note(result: AnalysisResult, files: dict[str, Any], fmt: Formatter) -> str:
    sources = fmt.term("list_separator").join(f"{files[name].path.name} [{files[name].sha256[:8]}]"
                                               for name in result.datasets if name in files)
    return fmt.term("provenance_note", sources=sources, population=population_text(result, fmt),
                    filters=filters_text(result, fmt))


class Numbering:
    """Hands out table and figure numbers in order of appearance within one document."""

    def __init__(self) -> None:
        self.tables = 0
        self.figures = 0

    def table(self) -> int:
        self.tables += 1
        return self.tables

    def figure(self) -> int:
        self.figures += 1
        return self.figures


def summary_tables(result: AnalysisResult) -> tuple[Table, ...]:
    """The tables shown in the body of a document: the first `body_tables` its type declares (e.g. an
    adverse-event overview; the long incidence table by SOC and PT goes to the appendix of full evidence
    tables), else all."""
    shown = types()[result.type].body_tables
    return result.tables if shown is None else result.tables[:shown]


def appendix_tables(result: AnalysisResult) -> tuple[Table, ...]:
    return result.tables[len(summary_tables(result)):]


def analysis_sections(results: list[AnalysisResult], ids: list[str], numbering: Numbering, fmt: Formatter,
                      files: dict[str, Any], pick=summary_tables, complete: bool = True
                      ) -> dict[str, AnalysisSection]:
    """Numbered sections of the analyses `ids`, showing the tables `pick` chooses (and, when
    `complete`, the figures and warnings)."""
    by_id = {r.id: r for r in results}
    sections: dict[str, AnalysisSection] = {}
    for analysis_id in ids:
        result = by_id[analysis_id]
        if fmt.terms is not None:
            fmt.terms.place(fmt.terms.document, analysis_id)  # the translation report's section column
        note = provenance_note(result, files, fmt)
        tables = tuple(render_table(t, numbering.table(), fmt, (note,)) for t in pick(result))
        figures = tuple(render_figure(f, numbering.figure(), fmt, (note,)) for f in result.figures) \
            if complete else ()
        if fmt.terms is not None:
            fmt.terms.place(fmt.terms.document)
        sections[analysis_id] = AnalysisSection(
            id=result.id, type=result.type, title=fmt.label(result.title), anchor=f"analysis-{result.id}",
            tables=tables, figures=figures, method=fmt.label(result.method),
            warnings=result.warnings if complete else (),
            provenance=note, macro=types()[result.type].macro)
    return sections


def ordered_ids(results: list[AnalysisResult]) -> list[str]:
    """The analyses in document order: by their types' declared `order`, then as in the yaml."""
    order = types()
    return [r.id for r in sorted(results, key=lambda r: order[r.type].order)]  # stable: yaml order within a type


def build_context(document: str, spec: TrialSpec, results: list[AnalysisResult], texts: dict[str, WriterText],
                  fmt: Formatter, facts: dict[str, Any]) -> dict[str, Any]:
    """The Jinja context of `document` (a name of dossier.document.registry): what every document has, and
    what its type's `context` adds."""
    from dossier.document.registry import get

    kind = get(document)
    numbering = Numbering()
    missing_texts: list[str] = []

    def text(key: str) -> WriterText:
        found = texts.get(key) or WriterText(key, None, None)
        if found.html is None and key not in missing_texts:
            missing_texts.append(key)
        return found

    ctx: dict[str, Any] = {
        "document": document, "spec": spec, "study": spec.study, "product": spec.product, "lang": fmt.lang,
        "t": fmt.term, "date": fmt.date(facts["date"]), "synthetic": spec.synthetic, "text": text,
        "missing_texts": missing_texts, "arms": facts["arms"], "warnings": facts["warnings"],
        "datasets": facts["datasets"], "version": facts["version"], "confidence": round(spec.confidence_level * 100),
    }

    from dossier.document.matter import Matter, applicant_rows

    ctx["applicant_rows"] = applicant_rows(spec, fmt)
    ctx["matter"] = Matter(ctx)  # citations, references and abbreviations, after the template ran
    title = kind.title(spec, fmt)
    ctx["title"] = title
    ctx["header"] = fmt.term("running_header", title=title, study=spec.study.id)
    ctx["draft"] = spec.status != "final"
    if ctx["draft"]:  # every page of a draft says so in its running header
        ctx["header"] = fmt.term("draft_header", header=ctx["header"])
    ctx["synthetic_mark"] = fmt.term("synthetic_data")
    ctx["page_footer"] = fmt.term("page_of_pages", page="{page}", pages="{pages}")  # the renderers fill these in
    ctx.update(kind.context(ctx, spec, results, texts, fmt, facts, numbering))
    ctx["datasets_table"] = listing("datasets", "datasets_title", ("dataset", "file", "records", "sha256"),
                                    facts["datasets"], fmt, numbering, wide=True)
    ctx["methods"] = _methods(results, fmt)
    jp = spec.japanese_population
    ctx["consistency_method"] = fmt.term("method_consistency", threshold=jp.threshold) \
        if document == "briefing" and ctx.get("consistency") and jp is not None else None
    return ctx


def consistency_section(spec: TrialSpec, results: list[AnalysisResult], ids: list[str], numbering: Numbering,
                 fmt: Formatter, files: dict[str, Any]) -> dict[str, Any] | None:
    """The briefing's section "Consistency of the Japanese population with the overall population": the
    consistency tables of each analysis with subgroups (numbered after the clinical sections' tables)."""
    jp = spec.japanese_population
    by_id = {r.id: r for r in results}
    found = [by_id[i] for i in ids if by_id[i].consistency]
    if jp is None or not found:
        return None
    region = fmt.term("jc_region_note", region=jp.region) if jp.region else ""
    parts = []
    for result in found:
        note = provenance_note(result, files, fmt)
        tables = tuple(render_table(t, numbering.table(), fmt, (note,)) for t in result.consistency)
        parts.append(AnalysisSection(
            id=result.id, type=result.type, title=fmt.label(result.title), anchor=f"consistency-{result.id}",
            tables=tables, figures=(), method=fmt.label(result.method), warnings=(), provenance=note,
            macro="analysis_block"))
    return {"intro": fmt.term("jc_intro", variable=jp.variable, value=jp.value, region=region), "sections": parts}


def listing(key: str, title: str, columns: tuple[str, ...], rows: list[tuple], fmt: Formatter,
            numbering: Numbering, wide: bool = False) -> RenderedTable | None:
    """A numbered table of yaml or provenance facts (None when there are no rows), on a landscape page only when
    `wide` (its columns are short texts that wrap: the table of studies keeps its 7 columns in portrait)."""
    if not rows:
        return None
    from dossier.analyses.model import Row

    table = Table(key=key, title=Text(fmt.term(title)), columns=tuple(Text(fmt.term(c)) for c in columns),
                  rows=tuple(Row(tuple(Text("" if v is None else str(v)) for v in row)) for row in rows), wide=wide)
    return render_table(table, numbering.table(), fmt, wide=wide)


def row(label: str, value: str):
    """A two-cell row (label, value) of a facts table."""
    from dossier.analyses.model import Row

    return Row((Text(label), Text(value)))


def default_criterion_ids(name: str, results: list[AnalysisResult]) -> list[str]:
    """The analyses a SAKIGAKE criterion shows when the yaml names none: those whose type supports it by default."""
    return [r.id for r in results if types()[r.type].sakigake_default == name]


def _methods(results: list[AnalysisResult], fmt: Formatter) -> list[dict]:
    return [{"id": r.id, "title": fmt.label(r.title), "text": fmt.label(r.method),
             "subgroups": fmt.term("method_subgroups") if "subgroups" in r.evidence else None,
             "population": population_text(r, fmt), "arm": r.arm, "filters": filters_text(r, fmt),
             "warnings": r.warnings} for r in results]

