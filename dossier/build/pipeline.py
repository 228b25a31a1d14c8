"""build(), check(): the stages in order, one call each.

TrialSpec -> TrialData -> validation -> AnalysisResults -> document contexts -> HTML -> PDF/DOCX,
evidence files -> manifest. Output goes to a staging folder beside OUT_DIR and replaces it only
when everything succeeded; a lock keeps two builds from writing the same OUT_DIR.
"""

from __future__ import annotations

import datetime as dt
import os
import warnings as pywarnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dossier import __version__
from dossier.build.atomic import staging
from dossier.config.spec import SPEC_FILE, TrialSpec, load_spec, text_fields
from dossier.errors import DossierError, OutputError, Problem, SpecError, UsageError, environment_error

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildReport:
    out_dir: Path
    outputs: tuple[str, ...]
    warnings: tuple[str, ...]
    computed: bool  # False when the statistics came from the cache (nothing but text or templates changed)
    # (language, rows of review/translation.<language>.csv: texts shown in another language) per language built
    fallbacks: tuple[tuple[str, int], ...] = ()


def _quiet(_: str) -> None:
    return None


def check(trial_dir: Path, against: Path | None = None) -> tuple[list[Problem], list[str]]:
    """Validate without building: (every problem found, warnings). With `against` (an earlier
    build's OUT_DIR), also warn about typed numbers that matched that build and no longer match."""
    from dossier.data.datasets import discover, load_available
    from dossier.data.gate import folder_problems
    from dossier.data.validate import datasets_needed, requirements, validate, variables_to_load
    from dossier.document.matter import uncited_warnings
    from dossier.document.writer_text import reference_problems, text_warnings
    from dossier.errors import DataError

    if not trial_dir.is_dir():
        return [Problem(str(trial_dir), "trial folder not found")], []
    spec_problems: list[Problem] = []
    try:
        spec = load_spec(trial_dir)
    except SpecError as exc:
        spec = getattr(exc, "spec", None)  # well-formed but with mistakes (a missing text file, an unknown id)
        if spec is None:
            _, file_problems = discover(trial_dir)
            return list(exc.problems) + file_problems + folder_problems(trial_dir), []
        spec_problems = list(exc.problems)
    needs = requirements(spec)
    data, load_problems = load_available(trial_dir, datasets_needed(needs), variables_to_load(spec))
    problems = spec_problems + reference_problems(spec, trial_dir) + load_problems + folder_problems(trial_dir)
    warnings = list(data.warnings) + text_warnings(spec, trial_dir) + document_warnings(spec) + \
        uncited_warnings(spec, trial_dir)
    if "adsl" not in data.frames:
        return problems, warnings
    data_ok = not load_problems
    try:
        warnings += validate(spec, data, needs, trial_dir / SPEC_FILE)
    except DataError as exc:
        problems += list(exc.problems)
        data_ok = False
    if data_ok:  # the analyses can run: check every live reference against their results
        evidence = _check_evidence(spec, data)
        if evidence is not None:
            from dossier.document.writer_text import unknown_reference_problems

            problems += unknown_reference_problems(spec, trial_dir, evidence)
            if not problems:
                warnings += _hardcoded_number_warnings(trial_dir, spec, evidence, against)
    return problems, warnings


def _check_evidence(spec: TrialSpec, data) -> dict | None:
    """The analyses' evidence.json entries by id, or None when an analysis cannot be computed (the build
    reports that)."""
    from dossier.errors import AnalysisError
    from dossier.outputs.files import evidence_document

    try:
        results = run_analyses(spec.localised(), data, _quiet)
    except AnalysisError:
        return None
    return live_values(evidence_document({}, results, data.files, __version__, spec.confidence_level,
                                          _numbers(spec)))


def _hardcoded_number_warnings(trial_dir: Path, spec: TrialSpec, evidence: dict, against: Path | None = None
                               ) -> list[str]:
    """Numbers in the writer's text that should be live references (and, with `against`, stale ones)."""
    from dossier.document.hardcoded import hardcoded_numbers

    warnings = hardcoded_numbers(trial_dir, spec, evidence)
    if against is not None:
        from dossier.word.refresh import stale_number_warnings

        warnings += stale_number_warnings(trial_dir, spec, against, evidence)
    return warnings


BOTH = "both"  # `--lang both`: the documents of every language (spec_types.LANGUAGES) in one OUT_DIR


def build(trial_dir: Path, out_dir: Path, lang: str | None = None, progress: Progress = _quiet,
          use_cache: bool = True, final: bool = False) -> BuildReport:
    """Validate, analyse and render `trial_dir` into `out_dir` (atomically). `lang` "both": the analyses
    run once and every language's documents, tables and figures are written, named <name>.<lang>.<ext>.
    `final` (or dossier.yaml's `status: final`): a text shown in another language, a missing writer's text
    or a warning is a FinalError and nothing is written."""
    if not trial_dir.is_dir():
        raise SpecError("trial folder not found", where=str(trial_dir))
    source_date_epoch()  # a malformed value stops the build before any work (reproducible-builds.org)
    trial_real, out_real = trial_dir.resolve(), out_dir.resolve()
    if out_real == trial_real or out_real in trial_real.parents:
        raise OutputError(f"holds the trial folder {trial_dir}, which the build would replace: give another "
                          "output folder", where=str(out_dir))
    if trial_real in out_real.parents:  # outputs would become inputs (and manifest entries) of the next build
        raise OutputError(f"is inside the trial folder {trial_dir}; a trial folder holds only inputs: give an "
                          "output folder outside it", where=str(out_dir))
    import threading

    from dossier.build.workers import Workers
    from dossier.data.gate import check_folders
    from dossier.render.pagination import libreoffice_version

    with Workers() as workers:  # started first: they import the rendering stack while the data is analysed
        # `soffice --version` (part of the documents' reuse keys) runs meanwhile too
        threading.Thread(target=libreoffice_version, name="dossier-libreoffice-version", daemon=True).start()
        progress("reading dossier.yaml")
        loaded = load_spec(trial_dir)
        check_folders(trial_dir)  # templates/ and text/: no link leaves its folder (dossier.data.gate)
        if lang == BOTH:
            from dossier.config.spec_types import LANGUAGES

            languages = {code: _final(loaded.localised(code)) if final else loaded.localised(code)
                         for code in LANGUAGES}
            return _build(loaded.all_languages(), trial_dir, out_dir, progress, use_cache, workers, languages,
                          loaded)
        spec = loaded.localised(lang)
        return _build(_final(spec) if final else spec, trial_dir, out_dir, progress, use_cache, workers)


def _final(spec: TrialSpec) -> TrialSpec:
    source = getattr(spec, "_source", None)
    out = spec.model_copy(update={"status": "final"})
    out._source = source
    return out


def _build(spec: TrialSpec, trial_dir: Path, out_dir: Path, progress: Progress, use_cache: bool,
           workers, languages: dict[str, TrialSpec] | None = None, loaded: TrialSpec | None = None
           ) -> BuildReport:
    """`languages` (a --lang both build): the spec of each document language, `spec` the analyses' shared
    one (TrialSpec.all_languages) and `loaded` the yaml as written."""
    from dossier.build.cache import analysis_key, read_cache, settings_key
    from dossier.document.writer_text import text_warnings

    cached = read_cache(out_dir) if use_cache else None
    settings_digest = settings_key(spec)
    needs = None
    if cached is not None and cached.settings == settings_digest:
        names = cached.datasets  # the same settings and dossier read the same datasets
    else:
        from dossier.data.validate import datasets_needed, requirements  # pandas: only when not reusing

        needs = requirements(spec)
        names = tuple(sorted(datasets_needed(needs)))
    key = analysis_key(settings_digest, _dataset_hashes(trial_dir, names))
    analysed = cached if cached is not None and cached.key == key else None
    computed = analysed is None
    if analysed is None:
        analysed = analyse(trial_dir, spec, needs, key, settings_digest, progress)
    else:
        progress("data and analyses unchanged: reusing the computed statistics")
    from dossier.document.matter import uncited_warnings

    warnings = list(analysed.warnings)
    for shown in (languages or {spec.language: spec}).values():
        warnings += text_warnings(shown, trial_dir) + document_warnings(shown) + uncited_warnings(shown, trial_dir)
    for result in analysed.results:
        warnings.extend(w if w.startswith("analysis ") else f"analysis {result.id!r}: {w}" for w in result.warnings)
    warnings = list(dict.fromkeys(warnings))  # validation and an analysis may word a warning the same: once
    try:
        return _write(spec, analysed, trial_dir, out_dir, warnings, progress, workers, computed, use_cache,
                      languages, loaded)
    except OSError as exc:  # a full disk or a read-only folder: the user's to solve, nothing is left half-written
        error = environment_error(exc, str(out_dir))
        if error is None:
            raise
        if exc.filename is None or f".{Path(os.path.abspath(out_dir)).name}.building-" in str(exc.filename):
            # a file of the staging folder (removed by now): name the output folder the user gave
            raise OutputError(f"cannot write the outputs: {error.problems[0].message}", where=str(out_dir)) from None
        raise error from None


def _write(spec: TrialSpec, analysed, trial_dir: Path, out_dir: Path, warnings: list[str], progress: Progress,
           workers, computed: bool, use_cache: bool = True, languages: dict[str, TrialSpec] | None = None,
           loaded: TrialSpec | None = None) -> BuildReport:
    """Render everything into a staging folder that replaces OUT_DIR when all succeeded (with `languages`,
    the documents of each language, named <name>.<lang>.<ext>, beside one evidence.json and manifest)."""
    from dossier.build.cache import store
    from dossier.build.reuse import Reuse
    from dossier.outputs.review import write_warnings

    shown = languages or {spec.language: spec}
    suffixes = {code: f".{code}" if languages else "" for code in shown}
    fallbacks: list[tuple[str, int]] = []
    with staging(out_dir) as stage:
        try:
            store(stage, analysed)
            reuse = Reuse(out_dir if use_cache else None, stage)  # previous None (--no-cache): nothing is reused
            evidence = write_evidence(next(iter(shown.values())), list(analysed.results), analysed.files, stage)
            for code, document_spec in shown.items():
                found: list = []
                rendered = render_all(document_spec, analysed, trial_dir, stage, warnings, progress,
                                      workers=workers, reuse=reuse, evidence=evidence, suffix=suffixes[code],
                                      shown=found)
                final_check(document_spec, [], rendered)  # the PDF and DOCX writers' own warnings
                warnings.extend(w for w in rendered if w not in warnings)
                fallbacks.append((code, len(found)))
            reuse.save()
        except BaseException:
            workers.close(kill=True)  # before the staging folder they write into is removed
            raise
        for code in shown:
            write_warnings(stage, code, list(dict.fromkeys(warnings)))
        write_warnings(stage, spec.language, list(dict.fromkeys(warnings)))
        from dossier.outputs.audit import typed_in_text, write_audit

        typed = list(dict.fromkeys(t for document_spec in shown.values() for t in typed_in_text(trial_dir,
                                                                                              document_spec)))
        write_audit(stage, tuple(kind.name + suffixes[code] for code, document_spec in shown.items()
                                 for kind in documents(document_spec)), typed)
        progress("writing manifest")
        from dossier.outputs.manifest import write_manifest
        from dossier.render.html import template_dirs

        write_manifest(stage, trial_dir, template_dirs(trial_dir), settings(loaded or spec),
                       BOTH if languages else spec.language)
        outputs = tuple(sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*")
                               if p.is_file() and not p.relative_to(stage).as_posix().startswith(".")))
    return BuildReport(out_dir, outputs, tuple(dict.fromkeys(warnings)), computed, tuple(fallbacks))


def final_check(spec: TrialSpec, shown: list, warnings: list[str]) -> None:
    """In `status: final`, a FinalError with one line per fallback and per warning (nothing is written)."""
    if spec.status != "final":
        return
    from dossier.document.translation import final_problems
    from dossier.errors import FinalError

    problems = final_problems(spec.language, shown, list(dict.fromkeys(warnings)))
    if problems:
        raise FinalError(problems)


def _dataset_hashes(trial_dir: Path, wanted) -> dict[str, str]:
    from dossier.data.trial_files import discover, sha256_of

    found, _ = discover(trial_dir)
    return {name: sha256_of(found[name]) for name in sorted(wanted) if name in found}


def analyse(trial_dir: Path, spec: TrialSpec, needs, key: str, settings_digest: str, progress: Progress):
    """Load and validate the datasets, run every analysis; the result is what the cache keeps.
    `needs`: validate.requirements(spec), when the caller has it already."""
    from dossier.build.cache import Analysed
    from dossier.data.validate import datasets_needed, requirements

    progress("loading datasets")
    needs = needs if needs is not None else requirements(spec)
    data = load_data(trial_dir, spec, needs)
    warnings = check_data(spec, data, needs, trial_dir / SPEC_FILE)
    results = run_analyses(spec, data, progress)
    records = {name: len(frame) for name, frame in data.frames.items()}
    return Analysed(key, tuple(results), dict(data.files), tuple(arm_counts(spec, data)), records,
                    tuple(warnings), settings_digest, tuple(sorted(datasets_needed(needs))))


def load_data(trial_dir: Path, spec: TrialSpec, needs: dict[str, dict[str, set[str]]]):
    """Stage "load": the datasets the analyses need (validate.requirements), only their declared variables."""
    from dossier.data.datasets import load
    from dossier.data.validate import datasets_needed, variables_to_load

    return load(trial_dir, datasets_needed(needs), variables_to_load(spec))


def check_data(spec: TrialSpec, data, needs: dict[str, dict[str, set[str]]], spec_path: Path | None = None
               ) -> list[str]:
    """Stage "validate": raises DataError with every problem; returns the loading and validation warnings."""
    from dossier.data.validate import validate

    return list(data.warnings) + validate(spec, data, needs, spec_path)


def run_analyses(spec: TrialSpec, data, progress: Progress) -> list:
    from dossier.analyses.registry import get

    results = []
    for analysis in spec.analyses:
        progress(f"analysis {analysis.id} ({analysis.type})")
        with pywarnings.catch_warnings():
            pywarnings.simplefilter("ignore", FutureWarning)
            results.append(get(analysis.type).run(analysis, spec, data))
    return results


def document_date(spec: TrialSpec) -> dt.date | None:
    """The date on the documents: the yaml's `date`, else SOURCE_DATE_EPOCH, else none (never the clock)."""
    if spec.date:
        return spec.date
    return source_date_epoch()


def source_date_epoch() -> dt.date | None:
    """The date of SOURCE_DATE_EPOCH (UTC), None when it is unset or empty. A value that is not a whole
    number of seconds since 1970-01-01 is a UsageError (exit 2): the specification asks a build to stop
    rather than ignore it, and an ignored value would give undated documents without saying why."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    try:
        if not (epoch.isascii() and epoch.isdigit()):
            raise ValueError
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    except (ValueError, OverflowError, OSError):
        shown = epoch if len(epoch) <= 40 else epoch[:40] + "..."
        raise UsageError(f"{shown!r} is not a date: give a whole number of seconds since 1970-01-01 UTC "
                         "(e.g. $(git log -1 --format=%ct)), or unset it", where="SOURCE_DATE_EPOCH") from None


def settings(spec: TrialSpec) -> dict:
    return spec.model_dump(mode="json")


def render_all(spec: TrialSpec, analysed, trial_dir: Path, stage: Path, warnings: list[str],
               progress: Progress, previous: Path | None = None, workers=None, *, reuse=None,
               evidence: dict | None = None, suffix: str = "", shown: list | None = None) -> list[str]:
    """Write evidence.json, tables, figures, the documents and review/translation.<lang>.csv into `stage`;
    return new warnings. `shown` (a list) receives the translation report's rows.
    Figures and documents whose inputs are unchanged are copied from the `previous` build (or as
    `reuse`, a dossier.build.reuse.Reuse the caller saves, says); the others are drawn and written by `workers`
    (dossier.build.workers; None: in this process). `evidence`: evidence.json already written (a --lang both
    build writes it once); `suffix` (".ja") goes before the extension of every document, table and figure
    file, so the languages of a --lang both build sit side by side."""
    import dataclasses

    from dossier.build.reuse import Reuse, digest, folder_digest
    from dossier.build.workers import Workers
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
    drawing = [workers.submit(_draw_figure, figure, figures_dir, fmt)
               for figure in (f for r in results for f in r.figures)
               if not reuse.take(digest("figure", figure, fmt.lang, glossary, fmt.terms.digest()),
                                 [f"figures/{figure.key}.png", f"figures/{figure.key}.svg"])]
    facts = document_facts(spec, analysed.files, analysed.arms, analysed.records, warnings)
    new_warnings: list[str] = []
    if facts["date"] is None:
        new_warnings.append("dossier.yaml: date is not set and SOURCE_DATE_EPOCH is unset: the documents are undated")
    all_tables = {}
    rendered = []
    for kind in documents(spec):  # while the figures are drawn
        document = kind.name + suffix
        progress(f"rendering {document}")
        fmt.terms.place(kind.name)
        html, ctx = render_html(kind.name, spec, results, texts, fmt, facts, dirs)
        for key in ctx["missing_texts"]:
            new_warnings.append(f"text not provided: {key} ({document})")
        if kind.exports_tables:
            for table in ctx["all_tables"]:
                all_tables.setdefault(table.key, table)
        (stage / f"{document}.html").write_text(html, encoding="utf-8")
        rendered.append((document, html, ctx["title"]))
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
    jobs = [(document, html, title) for document, html, title in rendered
            if not reuse.take(digest("document", html, title, spec.language, facts["date"], resources, engine_id()),
                              [f"{document}.pdf", f"{document}.docx"])]
    progress("writing PDF and DOCX")
    writing = _submit_documents(workers, jobs, stage, dirs, figures_dir, spec.language, facts["date"])
    write_tables(all_tables, stage, suffix)  # in this process while the workers write the documents
    for future in writing:
        new_warnings += future.result()
    if own_reuse:
        reuse.save()
    return new_warnings


def documents(spec: TrialSpec) -> list:
    """The documents a build of `spec` writes (dossier.document.registry): briefing and sakigake always,
    any other when dossier.yaml has its section."""
    from dossier.document.registry import built

    return built(spec)


def document_warnings(spec: TrialSpec) -> list[str]:
    """The documents' own checks of their yaml (e.g. the orphan patient estimate against its threshold)."""
    from dossier.document.registry import warnings

    return warnings(spec)


def _numbers(spec: TrialSpec) -> dict:
    from dossier.document.registry import evidence

    return evidence(spec)


def live_values(evidence: dict) -> dict:
    """What live references `[[id:path]]` read: each analysis by its id, and `documents` (the numbers the
    documents compute, evidence.json `documents`) when there are any."""
    values = dict(evidence["analyses"])
    if "documents" in evidence:
        values["documents"] = evidence["documents"]
    return values


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
                                 spec.confidence_level, _numbers(spec))
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
                dirs: list[Path]) -> tuple[str, dict]:
    """Stage "html": the document context (dossier.document.context) and the document's HTML from its template."""
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


def _draw_figure(figure, figures_dir: Path, fmt) -> None:
    from dossier.render.figures import draw_figure

    draw_figure(figure, figures_dir, fmt.label, fmt.lang)


def _submit_documents(workers, jobs: list[tuple[str, str, str]], stage: Path, dirs: list[Path], figures_dir: Path,
                      lang: str, date) -> list:
    """Submit the PDF of each document and one task for all the DOCX (one LibreOffice run lays
    them all out for their page numbers); the longest PDF first. Returns the futures in a fixed
    order (PDFs in document order, then the DOCX), so the warnings come in the same order."""
    if not jobs:
        return []
    docx_jobs = docx_job_list(jobs, stage, dirs, figures_dir, lang, date)
    resources = (*dirs, figures_dir.parent)
    by_size = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][1]))
    futures: dict[str, object] = {}
    for position, i in enumerate(by_size):
        document, html, title = jobs[i]
        futures[f"pdf {i}"] = workers.submit(_write_pdf, html, stage / f"{document}.pdf", resources, title, lang, date)
        if position == 0:
            futures["docx"] = workers.submit(_write_docx, docx_jobs)
    return [futures[f"pdf {i}"] for i in range(len(jobs))] + [futures["docx"]]


def docx_job_list(jobs: list[tuple[str, str, str]], stage: Path, dirs: list[Path], figures_dir: Path, lang: str,
                  date) -> list:
    """Stage "docx": the DocxJob of each (document, html, title), written on the reference.docx the
    templates' folders give (dossier.render.docx.write_docx_all writes them all)."""
    from dossier.render.docx import DocxJob
    from dossier.render.html import template_file

    resources = (*dirs, figures_dir.parent)
    reference = template_file("reference.docx", dirs)
    return [DocxJob(html, stage / f"{document}.docx", resources, reference, title, lang, date,
                    origin=f"the HTML of {template_file(f'{_name(document)}.html.j2', dirs) or f'{_name(document)}.html.j2'}")
            for document, html, title in jobs]


def _name(document: str) -> str:
    """The document's name without the language of a --lang both build ("briefing.ja" -> "briefing")."""
    return document.split(".", 1)[0]


def _write_pdf(html: str, out_path: Path, resources, title: str, lang: str, date) -> list[str]:
    from dossier.render.pdf import write_pdf

    return write_pdf(html, out_path, resources, title=title, lang=lang, date=date)


def _write_docx(jobs: list) -> list[str]:
    from dossier.render.docx import write_docx_all

    return write_docx_all(jobs)


def arm_counts(spec: TrialSpec, data) -> list[tuple[str, int]]:
    """(arm, subjects) of the trial's population by its arm variable, in display order (the documents' arms)."""
    from dossier.data.selection import arm_order

    adsl = data.frame("adsl")
    flag, arm = spec.population.upper(), spec.arm.upper()
    if flag not in adsl.columns or arm not in adsl.columns:
        return []
    subjects = adsl[adsl[flag] == "Y"]
    return [(value, int((subjects[arm] == value).sum())) for value in arm_order(subjects, arm, spec.reference_arm)]


__all__ = ["BuildReport", "DossierError", "build", "check"]
