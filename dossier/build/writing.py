"""The rendering stage of a build: evidence.json, the writer's text, figures, each document's HTML, the translation
report, the PDF and DOCX (by the workers) and the tables, into the staging folder; and the public functions it is
made of, which the preview and bench/run.py call one by one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dossier import __version__
from dossier.build.pipeline import Progress, document_date, document_numbers, documents, final_check, live_values
from dossier.config.spec import TrialSpec, text_fields

if TYPE_CHECKING:
    from dossier.render.html import RenderedDocument


def render_all(spec: TrialSpec, analysed, trial_dir: Path, stage: Path, warnings: list[str],
               progress: Progress, previous: Path | None = None, workers=None, *, reuse=None,
               evidence: dict | None = None, suffix: str = "", shown: list | None = None,
               bodies: dict | None = None) -> list[str]:
    """Write evidence.json, tables, figures, the documents and review/translation.<lang>.csv into `stage`;
    return new warnings. `shown` (a list) receives the translation report's rows; `bodies` (a dict) each
    document's tree (the number audit reads it).
    Figures and documents whose inputs are unchanged are copied from the `previous` build (or as
    `reuse`, a dossier.build.reuse.Reuse the caller saves, says); the others are drawn and written by `workers`
    (dossier.build.workers; None: in this process). `evidence`: evidence.json already written (a --lang both
    build writes it once); `suffix` (".ja") goes before the extension of every document, table and figure
    file, so the languages of a --lang both build sit side by side."""
    import dataclasses

    from dossier.build.reuse import Reuse, digest, folder_digest
    from dossier.build.workers import Workers
    from dossier.render.figures import figure_labels
    from dossier.render.html import template_dirs
    from dossier.render.pagination import engine_id

    workers = workers or Workers(1)
    dirs = template_dirs(trial_dir)
    results = list(analysed.results)
    fmt = formatter(spec, dirs, trial_dir, results, analysed.arms)
    if suffix:  # the figures of this language: figures/<key>.<lang>.png (the documents' <img> follow the key)
        results = [dataclasses.replace(r, figures=tuple(dataclasses.replace(f, key=f.key + suffix) for f in r.figures))
                   for r in results]
    if evidence is None:
        evidence = write_evidence(spec, results, analysed.files, stage)
    texts = writer_texts(spec, trial_dir, evidence, fmt)
    progress("drawing figures")
    figures_dir = stage / "figures"
    figures_dir.mkdir(exist_ok=True)
    own_reuse = reuse is None
    if own_reuse:
        reuse = Reuse(previous, stage)  # previous None (--no-cache): nothing is reused
    glossary = sorted(fmt.glossary.items())
    drawing = []
    for figure in (f for r in results for f in r.figures):
        fmt.terms.place("figures", figure.key)  # the translation report's rows of the figure's texts
        figure_labels(figure, fmt.label, fmt.lang)  # recorded here whichever process draws it, or none
        if not reuse.take(digest("figure", figure, fmt.lang, glossary, fmt.terms.digest()),
                          [f"figures/{figure.key}.png", f"figures/{figure.key}.svg"]):
            drawing.append(workers.submit(draw_one_figure, figure, figures_dir, fmt))
    facts = document_facts(spec, analysed.files, analysed.arms, analysed.records, warnings)
    new_warnings: list[str] = []
    if facts["date"] is None:
        new_warnings.append("dossier.yaml: date is not set and SOURCE_DATE_EPOCH is unset: the documents are undated")
    all_tables = {}
    documents_rendered = []
    for kind in documents(spec):  # while the figures are drawn
        document = kind.name + suffix
        progress(f"rendering {document}")
        fmt.terms.place(kind.name)
        rendered, ctx = render_html(kind.name, spec, results, texts, fmt, facts, dirs)
        for key in ctx["missing_texts"]:
            new_warnings.append(f"text not provided: {key} ({document})")
        if kind.exports_tables:
            for table in ctx["all_tables"]:
                all_tables.setdefault(table.key, table)
        (stage / f"{document}.html").write_text(rendered.html, encoding="utf-8")
        documents_rendered.append((document, rendered, ctx["title"]))
        if bodies is not None:
            bodies[document] = rendered.body
    from dossier.document.translation import ordered, yaml_texts
    from dossier.outputs.review import write_report

    found = ordered([*yaml_texts(spec, trial_dir, spec.language), *fmt.terms.shown.values()])
    final_check(spec, found, warnings + new_warnings)  # before the PDF and DOCX are written
    write_report(stage, spec.language, found)
    if shown is not None:
        shown.extend(found)
    for future in drawing:
        future.result()
    resources = digest(folder_digest(dirs), *(p.read_bytes() for p in sorted(figures_dir.iterdir())
                                              if not suffix or p.stem.endswith(suffix)))
    jobs = [(document, rendered, title) for document, rendered, title in documents_rendered
            if not reuse.take(digest("document", rendered.html, title, spec.language, facts["date"], resources, engine_id()),
                              [f"{document}.pdf", f"{document}.docx"])]
    progress("writing PDF and DOCX")
    writing = _submit_documents(workers, jobs, stage, dirs, figures_dir, spec.language, facts["date"])
    write_tables(all_tables, stage, suffix)  # in this process while the workers write the documents
    for future in writing:
        new_warnings += future.result()
    if own_reuse:
        reuse.save()
    return new_warnings


def formatter(spec: TrialSpec, dirs: list[Path], trial_dir: Path | None = None, results=(), arms=()):
    """The documents' Formatter: the glossary of the document language (the trial's overrides first), and
    the trial's labels of data values and variables (dossier.document.labels; the MedDRA mapping file of
    `trial_dir`, the arm values of `results` and `arms`, the trial's (arm, subjects))."""
    from dossier.document.formatting import Formatter
    from dossier.document.glossary import load_glossary
    from dossier.document.labels import Terms, catalogue

    arm_values = {value: spec.arm for value, _ in arms}
    arm_values.update({value: result.arm for result in results for value in result.groups})
    return Formatter(load_glossary(spec.language, dirs), spec.language,
                     Terms(spec.language, catalogue(spec, trial_dir), arm_values))


def write_evidence(spec: TrialSpec, results: list, files: dict, stage: Path) -> dict:
    """Stage "evidence": evidence.json in `stage`; returns the evidence document (live references read it)."""
    from dossier.outputs.files import evidence_document, write_json

    evidence = evidence_document({"id": spec.study.id, "title": spec.study.title}, results, files, __version__,
                                 spec.confidence_level, document_numbers(spec))
    write_json(evidence, stage / "evidence.json")
    return evidence


def writer_texts(spec: TrialSpec, trial_dir: Path, evidence: dict, fmt) -> dict:
    """The writer's text of every text field, Markdown rendered and live references filled in."""
    from dossier.document.writer_text import load_text

    values = live_values(evidence)
    return {key: load_text(trial_dir, key, value, values, fmt) for key, value in text_fields(spec)}


def document_facts(spec: TrialSpec, files: dict, arms, records: dict[str, int], warnings: list[str]) -> dict:
    """What the documents say about the build beside the results: date, datasets, arms, warnings, version."""
    return {
        "files": files, "date": document_date(spec), "warnings": warnings, "version": __version__,
        "arms": list(arms), "population": spec.population,
        "datasets": [(f.name, f.path.name, str(records[f.name]), f.sha256) for f in files.values()],
    }


def render_html(document: str, spec: TrialSpec, results: list, texts: dict, fmt, facts: dict,
                dirs: list[Path]) -> tuple[RenderedDocument, dict]:
    """Stage "html": the document's RenderedDocument (dossier.render.html: its HTML and its tree) from its template,
    and the document context (dossier.document.context) it was rendered with."""
    from dossier.document.context import build_context
    from dossier.document.registry import get
    from dossier.render.html import render_document

    ctx = build_context(document, spec, results, texts, fmt, facts)
    return render_document(document, ctx, dirs, get(document).template), ctx


def write_tables(tables: dict, stage: Path, suffix: str = "") -> None:
    """Stage "tables": tables/<key>.csv and tables.xlsx of the briefing's tables (body and appendix);
    tables/<key>.<lang>.csv and tables.<lang>.xlsx with a language `suffix` (a --lang both build)."""
    from dossier.outputs.files import write_csv, write_xlsx

    tables_dir = stage / "tables"
    tables_dir.mkdir(exist_ok=True)
    for key, table in tables.items():
        write_csv(table, tables_dir / f"{key}{suffix}.csv")
    write_xlsx(list(tables.values()), stage / f"tables{suffix}.xlsx")


def draw_one_figure(figure, figures_dir: Path, fmt) -> None:
    """One figure's PNG and SVG in the document language (a task for the workers, or the preview's own call)."""
    from dossier.render.figures import draw_figure

    draw_figure(figure, figures_dir, fmt.label, fmt.lang)


def _submit_documents(workers, jobs: list[tuple], stage: Path, dirs: list[Path], figures_dir: Path,
                      lang: str, date) -> list:
    """Submit the PDF of each (document, RenderedDocument, title) and one task for all the DOCX (one LibreOffice run lays
    them all out for their page numbers); the longest PDF first. Returns the futures in a fixed
    order (PDFs in document order, then the DOCX), so the warnings come in the same order."""
    if not jobs:
        return []
    docx_jobs = docx_job_list(jobs, stage, dirs, figures_dir, lang, date)
    resources = (*dirs, figures_dir.parent)
    by_size = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][1].html))
    futures: dict[str, object] = {}
    for position, i in enumerate(by_size):
        document, rendered, title = jobs[i]
        futures[f"pdf {i}"] = workers.submit(_write_pdf, rendered.html, stage / f"{document}.pdf", resources, title, lang, date)
        if position == 0:
            futures["docx"] = workers.submit(_write_docx, docx_jobs)
    return [futures[f"pdf {i}"] for i in range(len(jobs))] + [futures["docx"]]


def docx_job_list(jobs: list[tuple], stage: Path, dirs: list[Path], figures_dir: Path, lang: str,
                  date) -> list:
    """Stage "docx": the DocxJob of each (document, RenderedDocument, title): its tree, written on the reference.docx the
    templates' folders give (dossier.render.docx.write_docx_all writes them all)."""
    from dossier.render.docx import DocxJob
    from dossier.render.html import template_file

    resources = (*dirs, figures_dir.parent)
    reference = template_file("reference.docx", dirs)
    return [DocxJob(rendered.body, stage / f"{document}.docx", resources, reference, title, lang, date,
                    origin=f"the HTML of {template_file(f'{_name(document)}.html.j2', dirs) or f'{_name(document)}.html.j2'}")
            for document, rendered, title in jobs]


def _name(document: str) -> str:
    """The document's name without the language of a --lang both build ("briefing.ja" -> "briefing")."""
    return document.split(".", 1)[0]


def _write_pdf(html: str, out_path: Path, resources, title: str, lang: str, date) -> list[str]:
    from dossier.render.pdf import write_pdf

    return write_pdf(html, out_path, resources, title=title, lang=lang, date=date)


def _write_docx(jobs: list) -> list[str]:
    from dossier.render.docx import write_docx_all

    return write_docx_all(jobs)

