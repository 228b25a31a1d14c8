"""The SAKIGAKE designation application draft (templates/sakigake.html.j2): yaml section `sakigake:`, always
built. The product's `type` chooses the designation applied for under PMD Act Article 77-2(2) (先駆的医薬品 /
先駆的再生医療等製品 / 先駆的医療機器), the wording of criterion 1 (治療薬の画期性 for a drug, 治療法の画期性 for a
regenerative medical product) and the investigational product's name (治験薬 / 治験製品 / 治験機器): the words
come from dossier.document.product_types."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dossier.config.spec_types import LocalText, Milestone, _Model
from dossier.document import product_types
from dossier.document.registry import DocumentType

CRITERIA = ("innovativeness", "seriousness", "efficacy", "japan_first")


class Criterion(_Model):
    text: LocalText | None = None
    summary: LocalText | None = None
    analyses: tuple[str, ...] = ()


class Filing(_Model):
    region: LocalText
    date: dt.date | None = None
    note: LocalText | None = None


class JapanFirst(Criterion):
    japan_filing: dt.date | None = None
    other_filings: tuple[Filing, ...] = ()


class Sakigake(_Model):
    version: LocalText | None = None  # "0.1", or a text per language ("0.1 (draft)")
    development_stage: LocalText | None = None
    innovativeness: Criterion = Criterion()
    seriousness: Criterion = Criterion()
    efficacy: Criterion = Criterion()
    japan_first: JapanFirst = JapanFirst()
    schedule: tuple[Milestone, ...] = ()
    attachments: tuple[LocalText, ...] = ()


def text_fields(s: Sakigake) -> list[tuple[str, Any]]:
    fields: list[tuple[str, Any]] = []
    for name in CRITERIA:
        c = getattr(s, name)
        fields += [(f"{name}.text", c.text), (f"{name}.summary", c.summary)]
    return fields


def analysis_refs(s: Sakigake) -> list[tuple[str, tuple[str, ...]]]:
    return [(f"{name}.analyses", getattr(s, name).analyses) for name in CRITERIA]


def title(spec, fmt) -> str:
    return fmt.term("sakigake_title", designation=product_types.words(spec.product.type, fmt)["sakigake"])


def context(ctx: dict[str, Any], spec, results: list, texts: dict, fmt, facts: dict, numbering) -> dict[str, Any]:
    from dossier.analyses.registry import CRITERIA as DEFAULTS
    from dossier.document.context import analysis_sections, default_criterion_ids, listing
    from dossier.document.highlights import key_results
    from dossier.document.matter import studies_table

    chosen = _sakigake_ids(spec, results)
    by_id = {r.id: r for r in results}
    kind = spec.product.type
    out: dict[str, Any] = {"key_results": {i: key_results(by_id[i], fmt, ctx["confidence"]) for i in chosen},
                           "product_words": product_types.words(kind, fmt),
                           "criterion_innovativeness": fmt.term(f"criterion_innovativeness_{kind}"),
                           "requirement_innovativeness": fmt.term(f"sakigake_requirement_innovativeness_{kind}"),
                           "legal_basis": fmt.term("sakigake_legal_basis",
                                                   designation=product_types.words(kind, fmt)["sakigake"])}
    sections = analysis_sections(results, chosen, numbering, fmt, facts["files"])
    out.update(sections=sections, field_rows=_fields(spec, fmt),
               criteria_analyses={name: [sections[i] for i in getattr(spec.sakigake, name).analyses or
                                         default_criterion_ids(name, results) if i in sections]
                                  for name in DEFAULTS})
    jf = spec.sakigake.japan_first
    filings = ([(fmt.term("japan"), fmt.date(jf.japan_filing), None)] if jf.japan_filing else []) + [
        (f.region, fmt.date(f.date), f.note) for f in jf.other_filings]
    out["filings_table"] = listing("filings", "filings_title", ("region", "planned_filing", "note"), filings,
                                   fmt, numbering)
    out["studies_table"] = studies_table(spec, fmt, numbering)
    out["schedule_table"] = listing("schedule", "sec_schedule", ("milestone", "date", "region"),
                                    [(m.milestone, m.date, m.region) for m in spec.sakigake.schedule], fmt,
                                    numbering)
    return out


def _sakigake_ids(spec, results: list) -> list[str]:
    from dossier.document.context import default_criterion_ids

    chosen: list[str] = []
    for name in ("seriousness", "efficacy"):
        ids = getattr(spec.sakigake, name).analyses or tuple(default_criterion_ids(name, results))
        chosen.extend(i for i in ids if i not in chosen)
    return chosen


def _fields(spec, fmt) -> list[tuple[str, str]]:
    p = spec.product
    not_stated = fmt.term("not_stated")
    words = product_types.words(p.type, fmt)
    applicant = spec.applicant.name if spec.applicant is not None else spec.study.sponsor
    values = [("orphan_designation", fmt.term("sakigake_designation_basis", designation=words["sakigake"])),
              ("product_category", words["category"]), ("applicant", applicant), ("product_name", p.name),
              ("generic_name", p.generic_name or p.code),
              ("modality", p.modality), ("proposed_indication", spec.indication), ("dose_administration", p.dose),
              ("development_stage", spec.sakigake.development_stage)]
    return [(fmt.term(k), v or not_stated) for k, v in values]


DOCUMENT = DocumentType(
    name="sakigake", template="sakigake.html.j2", title=title, context=context, section=Sakigake, always=True,
    sections=(("sec-applicant", "sakigake_applicant"), ("criterion-1", "criterion_innovativeness_drug"),
              ("criterion-2", "criterion_seriousness"), ("criterion-3", "criterion_efficacy"),
              ("criterion-4", "criterion_japan_first"), ("sec-studies", "studies_title"),
              ("sec-schedule", "sec_schedule"), ("sec-references", "sec_references"),
              ("sec-attachments", "sec_attachments")),
    text_fields=text_fields, analysis_refs=analysis_refs,
    glossary_keys=("sakigake_title", "sakigake_legal_basis", "sakigake_designation_basis",
                   *(f"criterion_innovativeness_{kind}" for kind in product_types.PRODUCT_TYPES),
                   *(f"sakigake_requirement_innovativeness_{kind}" for kind in product_types.PRODUCT_TYPES),
                   *product_types.glossary_keys()),
)
