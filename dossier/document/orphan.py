"""The orphan designation application draft (templates/orphan.html.j2): built when dossier.yaml has an
`orphan:` section. The product's `type` chooses the designation (希少疾病用医薬品 / 希少疾病用再生医療等製品 /
希少疾病用医療機器) and the criteria's wording (dossier.document.product_types).

The patient-number estimate is computed here (raw numbers, evidence.json `documents.orphan.patients`, live
references `[[documents:orphan/patients/estimate|0,]]`): prevalence per 100,000 x the population of Japan,
or the sum of the patients counted by the given sources; it is checked against the threshold of PMD Act
Article 77-2(1) (below 50,000; for a designated intractable disease, below about 0.1% of the population).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dossier.config.spec_types import LocalText, Milestone, _Model
from dossier.document import product_types
from dossier.document.registry import DocumentType

THRESHOLD = 50_000  # PMD Act Art. 77-2(1), ordinance (施行規則 Art. 250-2): persons in Japan, below
INTRACTABLE_SHARE = 0.001  # 難病法 Art. 5(1) and its ordinance: about one in a thousand of the population
CRITERIA = ("patients", "medical_need", "development")
# the SAKIGAKE criterion (dossier.analyses.registry.CRITERIA) whose default analyses a criterion shows when
# its `analyses` is unset
DEFAULTS = {"patients": None, "medical_need": "seriousness", "development": "efficacy"}
MAX_PATIENTS = 1e10  # a number of persons (or a population) larger than this is a typing error


class Criterion(_Model):
    text: LocalText | None = None
    summary: LocalText | None = None
    analyses: tuple[str, ...] = ()  # analysis ids whose evidence tables the criterion shows


class Source(_Model):
    source: LocalText  # the survey, registry or publication
    patients: float | None = Field(default=None, ge=0, le=MAX_PATIENTS)  # the persons it counts (sum method)
    year: int | None = Field(default=None, ge=1900, le=2100)


class Patients(Criterion):
    prevalence_per_100000: float | None = Field(default=None, gt=0, le=100_000)
    prevalence_source: LocalText | None = None
    population: int | None = Field(default=None, gt=0, le=MAX_PATIENTS)  # population of Japan
    population_year: int | None = Field(default=None, ge=1900, le=2100)
    population_source: LocalText | None = None
    sources: tuple[Source, ...] = ()
    designated_intractable_disease: LocalText | None = None  # its name/number as a 指定難病
    note: LocalText | None = None  # shown beneath the estimate (e.g. that a figure is invented)


class Development(Criterion):
    plan: LocalText | None = None  # the development plan (writer's text); the schedule follows it


class Orphan(_Model):
    version: LocalText | None = None  # "0.1", or a text per language ("0.1 (draft)")
    development_stage: LocalText | None = None
    target_disease: LocalText
    indication: LocalText | None = None  # the proposed indication; default: dossier.yaml's `indication`
    disease: LocalText | None = None  # writer's text: the disease and the proposed indication
    patients: Patients
    medical_need: Criterion = Criterion()
    development: Development = Development()
    schedule: tuple[Milestone, ...] = ()
    references: tuple[LocalText, ...] = ()  # listed after the top-level references the draft cites ([@key])
    attachments: tuple[LocalText, ...] = ()


def text_fields(o: Orphan) -> list[tuple[str, Any]]:
    fields: list[tuple[str, Any]] = [("disease", o.disease)]
    for name in CRITERIA:
        c = getattr(o, name)
        fields += [(f"{name}.text", c.text)]
        if name == "development":
            fields += [("development.plan", o.development.plan)]
        fields += [(f"{name}.summary", c.summary)]
    return fields


def analysis_refs(o: Orphan) -> list[tuple[str, tuple[str, ...]]]:
    return [(f"{name}.analyses", getattr(o, name).analyses) for name in CRITERIA]


def problems(o: Orphan, spec) -> list[tuple[str, str]]:
    """How the patient estimate is given: prevalence with population and year, or a number per source."""
    p = o.patients
    found: list[tuple[str, str]] = []
    counted = [i for i, s in enumerate(p.sources, start=1) if s.patients is not None]  # positions from 1
    if p.prevalence_per_100000 is not None:
        if p.population is None:
            found.append(("patients.population", "required with prevalence_per_100000 (the population of Japan)"))
        for i in counted:
            found.append((f"patients.sources[{i}].patients", ("give either prevalence_per_100000 or a number of "
                          "patients per source, not both")))
    elif p.sources:
        for i, s in enumerate(p.sources, start=1):
            if s.patients is None:
                found.append((f"patients.sources[{i}].patients", ("required: the estimate is the sum of the patients "
                              "the sources count (or give prevalence_per_100000 and population)")))
    else:
        found.append(("patients", ("give prevalence_per_100000 with population and population_year, or sources "
                      "with the patients each counts")))
    if p.population is not None and p.population_year is None:
        found.append(("patients.population_year", "required with population (the year of the population figure)"))
    if p.designated_intractable_disease and p.population is None and not found:
        found.append(("patients.population", ("required with designated_intractable_disease (the threshold is about "
                      "0.1% of the population)")))
    return found


def evidence(o: Orphan, spec) -> dict[str, Any]:
    """evidence.json `documents.orphan`: the patient estimate, its inputs, the threshold and the check."""
    p = o.patients
    # `dossier check` goes on with a spec whose orphan section has problems of its own: a missing input gives
    # no estimate (null), never an exception
    if p.prevalence_per_100000 is not None:
        estimate = p.prevalence_per_100000 * p.population / 100_000 if p.population is not None else None
        entry: dict[str, Any] = {"method": "prevalence", "prevalence_per_100000": p.prevalence_per_100000,
                                 "population": p.population, "population_year": p.population_year,
                                 "estimate": estimate}
    else:
        parts = [s.patients for s in p.sources]
        known = bool(parts) and all(x is not None for x in parts)
        entry = {"method": "sum", "sources": parts, "estimate": float(sum(parts)) if known else None}
    intractable = p.designated_intractable_disease is not None
    entry["designated_intractable_disease"] = intractable
    entry["threshold"] = (p.population * INTRACTABLE_SHARE if p.population is not None else None) \
        if intractable else THRESHOLD
    entry["below_threshold"] = entry["estimate"] < entry["threshold"] \
        if entry["estimate"] is not None and entry["threshold"] is not None else None
    return {"patients": entry}


def warnings(o: Orphan, spec, numbers: dict[str, Any] | None) -> list[str]:
    from dossier.document.formatting import grouped

    patients = (numbers or {}).get("patients")
    if not patients or patients["below_threshold"] is not False:  # below, or not computable (a problem of its own)
        return []
    return [(f"dossier.yaml: orphan.patients: the estimated number of patients in Japan "
            f"({grouped(patients['estimate'])}) is not below the threshold of {grouped(patients['threshold'])} "
            "for orphan designation (PMD Act Article 77-2(1))")]


def title(spec, fmt) -> str:
    return fmt.term("orphan_title", designation=product_types.words(spec.product.type, fmt)["orphan"])


def context(ctx: dict[str, Any], spec, results: list, texts: dict, fmt, facts: dict, numbering) -> dict[str, Any]:
    from dossier.document.context import analysis_sections, default_criterion_ids, listing
    from dossier.document.highlights import key_results

    o = spec.orphan
    words = product_types.words(spec.product.type, fmt)
    numbers = evidence(o, spec)["patients"]
    out: dict[str, Any] = {"product_words": words, "orphan": o, "patients": _patients_text(o, numbers, fmt)}
    out["patients_table"] = _patients_table(o, numbers, fmt, numbering)
    chosen: dict[str, list[str]] = {}
    for name in CRITERIA:
        ids = getattr(o, name).analyses
        if not ids and DEFAULTS[name]:
            ids = tuple(default_criterion_ids(DEFAULTS[name], results))
        chosen[name] = list(ids)
    order = list(dict.fromkeys(i for name in CRITERIA for i in chosen[name]))
    sections = analysis_sections(results, order, numbering, fmt, facts["files"])
    by_id = {r.id: r for r in results}
    shown: set[str] = set()
    criteria: dict[str, list[tuple[Any, bool]]] = {}
    for name in CRITERIA:  # an analysis is laid out under the first criterion naming it, referred to after
        criteria[name] = [(sections[i], i not in shown) for i in chosen[name]]
        shown.update(chosen[name])
    out.update(sections=sections, criteria_analyses=criteria,
               key_results={i: key_results(by_id[i], fmt, ctx["confidence"]) for i in chosen["development"]})
    not_stated = fmt.term("not_stated")
    p = spec.product
    out["field_rows"] = [(fmt.term(k), v or not_stated) for k, v in [
        ("orphan_designation", words["orphan"]),
        ("applicant", spec.applicant.name if spec.applicant is not None else spec.study.sponsor),
        ("product_name", p.name),
        ("generic_name", p.generic_name or p.code), ("product_category", words["category"]),
        ("modality", p.modality), ("mechanism", p.mechanism), ("dose_administration", p.dose),
        ("development_stage", o.development_stage)]]
    out["extra_references"] = o.references  # listed after the references cited as [@key]
    out["disease_rows"] = [(fmt.term("target_disease"), o.target_disease),
                           (fmt.term("proposed_indication"), o.indication or spec.indication)]
    if o.patients.designated_intractable_disease:
        out["disease_rows"].append((fmt.term("orphan_intractable"), o.patients.designated_intractable_disease))
    out["schedule_table"] = listing("schedule", "orphan_schedule_title", ("milestone", "date", "region"),
                                    [(m.milestone, m.date, m.region) for m in o.schedule], fmt, numbering)
    return out


def _patients_text(o: Orphan, numbers: dict[str, Any], fmt) -> dict[str, str]:
    from dossier.document.formatting import grouped

    estimate, threshold = grouped(numbers["estimate"]), grouped(numbers["threshold"])
    verdict = "orphan_estimate_below" if numbers["below_threshold"] else "orphan_estimate_not_below"
    return {"estimate": estimate, "threshold": threshold,
            "statement": fmt.term(verdict, estimate=estimate, threshold=threshold)}


def _patients_table(o: Orphan, numbers: dict[str, Any], fmt, numbering):
    from dossier.analyses.model import Table, Text
    from dossier.document.context import render_table, row
    from dossier.document.formatting import decimals_of, grouped

    p = o.patients
    rows = []
    notes: list[str] = []
    if numbers["method"] == "prevalence":
        prevalence = p.prevalence_per_100000
        rows += [row(fmt.term("orphan_row_method"), fmt.term("orphan_method_prevalence")),
                 row(fmt.term("orphan_row_prevalence"), grouped(prevalence, decimals_of(prevalence))),
                 row(fmt.term("orphan_row_population", year=p.population_year), grouped(p.population))]
        if p.prevalence_source:
            notes.append(fmt.term("orphan_note_prevalence_source", source=p.prevalence_source))
        if p.population_source:
            notes.append(fmt.term("orphan_note_population_source", source=p.population_source))
    else:
        rows.append(row(fmt.term("orphan_row_method"), fmt.term("orphan_method_sum")))
        for s in p.sources:
            label = fmt.term("orphan_row_source_year", source=s.source, year=s.year) if s.year else s.source
            rows.append(row(label, grouped(s.patients, decimals_of(s.patients))))
    for s in p.sources if numbers["method"] == "prevalence" else ():
        notes.append(fmt.term("orphan_note_source", source=s.source))
    threshold = grouped(numbers["threshold"])
    rows += [row(fmt.term("orphan_row_estimate"), grouped(numbers["estimate"])),
             row(fmt.term("orphan_row_threshold"),
                 fmt.term("orphan_threshold_intractable" if numbers["designated_intractable_disease"]
                          else "orphan_threshold", threshold=threshold))]
    if p.note:
        notes.append(p.note)
    table = Table(key="orphan-patients", title=Text(fmt.term("orphan_patients_title")),
                  columns=(Text(fmt.term("item")), Text(fmt.term("description"))), rows=tuple(rows),
                  footnotes=tuple(Text(n) for n in notes))
    return render_table(table, numbering.table(), fmt)


DOCUMENT = DocumentType(
    name="orphan", template="orphan.html.j2", title=title, context=context, section=Orphan,
    sections=(("sec-product", "orphan_sec_product"), ("sec-disease", "orphan_sec_disease"),
              ("criterion-1", "orphan_criterion_patients"), ("criterion-2", "orphan_criterion_medical_need"),
              ("criterion-3", "orphan_criterion_development"), ("sec-references", "orphan_sec_references"),
              ("sec-attachments", "orphan_sec_attachments")),
    text_fields=text_fields, analysis_refs=analysis_refs, problems=problems, evidence=evidence, warnings=warnings,
    glossary_keys=("orphan_title", "orphan_requirement_patients", "orphan_requirement_medical_need",
                   "orphan_requirement_development", *product_types.glossary_keys()),
)
