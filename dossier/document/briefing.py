"""The consultation briefing document (templates/briefing.html.j2): yaml section `briefing:`, always built."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dossier.config.spec_types import LocalText, Milestone, _Model
from dossier.document.registry import DocumentType


class Question(_Model):
    question: LocalText
    position: LocalText | None = None
    rationale: LocalText | None = None
    evidence: tuple[str, ...] = ()  # analysis ids supporting the position


class Designation(_Model):
    region: LocalText
    designation: LocalText
    date: dt.date | None = None
    status: LocalText | None = None


class Briefing(_Model):
    # a PMDA consultation category of the product's type (dossier.config.consultation): its id, Japanese or English name
    consultation_category: str | None = None
    version: LocalText | None = None  # "0.1", or a text per language ("0.1 (draft)")
    questions: tuple[Question, ...] = ()
    product_overview: LocalText | None = None
    disease: LocalText | None = None
    current_treatment: LocalText | None = None
    unmet_need: LocalText | None = None
    development_history: LocalText | None = None
    regulatory_status: tuple[Designation, ...] = ()
    quality_nonclinical: LocalText | None = None
    clinical_summary: LocalText | None = None
    development_plan: LocalText | None = None
    timeline: tuple[Milestone, ...] = ()
    attachments: tuple[LocalText, ...] = ()


TEXTS = ("product_overview", "disease", "current_treatment", "unmet_need", "development_history",
         "quality_nonclinical", "clinical_summary", "development_plan")


def text_fields(b: Briefing) -> list[tuple[str, Any]]:
    fields: list[tuple[str, Any]] = [(name, getattr(b, name)) for name in TEXTS]
    for i, q in enumerate(b.questions, start=1):  # positions count from 1, as the user reads the yaml
        fields += [(f"questions[{i}].position", q.position), (f"questions[{i}].rationale", q.rationale)]
    return fields


def analysis_refs(b: Briefing) -> list[tuple[str, tuple[str, ...]]]:
    return [(f"questions[{i}].evidence", q.evidence) for i, q in enumerate(b.questions, start=1)]


def problems(b: Briefing, spec) -> list[tuple[str, str]]:
    """The consultation category must be one of PMDA's for the product's type (with a did-you-mean)."""
    from dossier.config.consultation import problem

    found = problem(b.consultation_category, spec.product.type) if b.consultation_category else None
    return [("consultation_category", found)] if found else []


def title(spec, fmt) -> str:
    return fmt.term("briefing_title")


def context(ctx: dict[str, Any], spec, results: list, texts: dict, fmt, facts: dict, numbering) -> dict[str, Any]:
    from dossier.analyses.registry import SECTIONS, types
    from dossier.config.consultation import official_name
    from dossier.document.context import analysis_sections, appendix_tables, consistency_section, listing, ordered_ids
    from dossier.document.matter import studies_table

    b = spec.briefing
    files = facts["files"]
    out: dict[str, Any] = {"consultation_category": official_name(b.consultation_category, spec.product.type,
                                                                  fmt.lang) if b.consultation_category else None}
    out["regulatory_table"] = listing("regulatory-status", "regulatory_status_title",
                                      ("region", "designation", "date", "status"),
                                      [(d.region, d.designation, fmt.date(d.date), d.status) for d in
                                       b.regulatory_status], fmt, numbering)
    out["studies_table"] = studies_table(spec, fmt, numbering)
    out["design_table"] = _design_table(spec, facts, fmt, numbering)
    ids = ordered_ids(results)
    sections = analysis_sections(results, ids, numbering, fmt, files)
    out["consistency"] = consistency_section(spec, results, ids, numbering, fmt, files)
    out["timeline_table"] = listing("timeline", "timeline_title", ("milestone", "date", "region"),
                                    [(m.milestone, m.date, m.region) for m in b.timeline], fmt, numbering)
    # numbered in order of appearance: the full evidence tables follow section 8 as Appendix A
    appendix = analysis_sections(results, ids, numbering, fmt, files, pick=appendix_tables, complete=False)
    appendix = {i: s for i, s in appendix.items() if s.tables}
    out.update(sections=sections, appendix_sections=appendix,
               clinical_sections=[(s, [sections[i] for i in ids if types()[sections[i].type].section == s.key])
                                  for s in SECTIONS],
               questions=_questions(spec, sections, appendix, texts, out["consistency"]),
               all_tables=[t for s in [*sections.values(), *appendix.values()] for t in s.tables] +
               [t for c in (out["consistency"] or {}).get("sections", ()) for t in c.tables])
    return out


def _design_table(spec, facts: dict[str, Any], fmt, numbering):
    from dossier.analyses.model import Table, Text
    from dossier.document.context import render_table, row

    s = spec.study
    arms = fmt.term("list_separator_outer").join(fmt.term("arm_n", arm=arm, n=n) for arm, n in facts["arms"])
    rows = [("study_id", s.id), ("phase", s.phase), ("design", s.design), ("arms_and_n", arms),
            ("duration", s.duration), ("primary_endpoint", s.primary_endpoint)]
    table = Table(key="study-design", title=Text(fmt.term("study_design_title")),
                  columns=(Text(fmt.term("item")), Text(fmt.term("description"))),
                  rows=tuple(row(fmt.term(k), v or fmt.term("not_stated")) for k, v in rows),
                  footnotes=(Text(fmt.term("design_footnote", population=facts["population"])),))
    return render_table(table, numbering.table(), fmt)


def _questions(spec, sections: dict, appendix: dict, texts: dict, consistency: dict | None = None) -> list[dict]:
    """The consultation questions with their cross-references: an analysis id cites its tables and figures
    (and its Japanese consistency tables); `japanese_population` cites the whole consistency section."""
    from dossier.config.spec import CONSISTENCY_ID

    parts = {c.id: c for c in (consistency or {}).get("sections", ())}
    out = []
    for i, q in enumerate(spec.briefing.questions, start=1):  # key positions count from 1 (text_fields)
        refs = [ref for aid in q.evidence for part in (sections, appendix) if aid in part
                for ref in part[aid].references()]
        refs += [ref for aid in q.evidence for c in (parts.values() if aid == CONSISTENCY_ID else
                                                      [parts[aid]] if aid in parts else []) for ref in c.references()]
        refs = list(dict.fromkeys(refs))
        out.append({"number": i, "question": q.question, "position": texts.get(f"briefing.questions[{i}].position"),
                    "rationale": texts.get(f"briefing.questions[{i}].rationale"), "refs": refs,
                    "position_key": f"briefing.questions[{i}].position",
                    "rationale_key": f"briefing.questions[{i}].rationale"})
    return out


DOCUMENT = DocumentType(
    name="briefing", template="briefing.html.j2", title=title, context=context, section=Briefing, always=True,
    sections=(("sec-questions", "sec_questions"), ("sec-product", "sec_product"), ("sec-disease", "sec_disease"),
              ("sec-history", "sec_history"), ("sec-quality", "sec_quality_nonclinical"),
              ("sec-clinical", "sec_clinical"), ("sec-positions", "sec_positions"), ("sec-plan", "sec_plan"),
              ("sec-references", "sec_references"), ("sec-attachments", "sec_attachments")),
    text_fields=text_fields, analysis_refs=analysis_refs, problems=problems, exports_tables=True,
    glossary_keys=("briefing_title",),
)
