"""build(): the stages in order, one call each (`dossier check` is dossier.build.check; the rendering stage,
dossier.build.writing).

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

from dossier.build.atomic import staging
from dossier.config.spec import SPEC_FILE, TrialSpec, load_spec
from dossier.errors import DossierError, OutputError, SpecError, UsageError, environment_error

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildReport:
    out_dir: Path
    outputs: tuple[str, ...]
    warnings: tuple[str, ...]
    computed: bool  # False when the statistics came from the cache (nothing but text or templates changed)
    # (language, rows of review/translation.<language>.csv: texts shown in another language) per language built
    fallbacks: tuple[tuple[str, int], ...] = ()


def quiet(_: str) -> None:
    return None


BOTH = "both"  # `--lang both`: the documents of every language (spec_types.LANGUAGES) in one OUT_DIR


def build(trial_dir: Path, out_dir: Path, lang: str | None = None, progress: Progress = quiet,
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
    key = analysis_key(settings_digest, dataset_hashes(trial_dir, names))
    analysed = cached if cached is not None and cached.key == key else None
    computed = analysed is None
    if analysed is None:
        analysed = analyse(trial_dir, spec, needs, key, settings_digest, progress)
    else:
        progress("data and analyses unchanged: reusing the computed statistics")
    from dossier.document.matter import table_citation_warnings, uncited_warnings

    warnings = list(analysed.warnings)
    for shown in (languages or {spec.language: spec}).values():
        warnings += text_warnings(shown, trial_dir) + document_warnings(shown) + uncited_warnings(shown, trial_dir) \
            + table_citation_warnings(shown)
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
    from dossier.build.writing import render_all, write_evidence
    from dossier.outputs.review import write_warnings

    shown = languages or {spec.language: spec}
    suffixes = {code: f".{code}" if languages else "" for code in shown}
    fallbacks: list[tuple[str, int]] = []
    with staging(out_dir) as stage:
        try:
            store(stage, analysed)
            reuse = Reuse(out_dir if use_cache else None, stage)  # previous None (--no-cache): nothing is reused
            evidence = write_evidence(next(iter(shown.values())), list(analysed.results), analysed.files, stage)
            bodies: dict = {}  # document -> the tree of its HTML, for the number audit
            for code, document_spec in shown.items():
                found: list = []
                rendered = render_all(document_spec, analysed, trial_dir, stage, warnings, progress,
                                      workers=workers, reuse=reuse, evidence=evidence, suffix=suffixes[code],
                                      shown=found, bodies=bodies)
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
        write_audit(stage, bodies, typed)
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


def dataset_hashes(trial_dir: Path, wanted) -> dict[str, str]:
    """sha256 of each dataset file the analyses read (`wanted`), by dataset name: part of the statistics' cache key."""
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


def documents(spec: TrialSpec) -> list:
    """The documents a build of `spec` writes (dossier.document.registry): briefing and sakigake always,
    any other when dossier.yaml has its section."""
    from dossier.document.registry import built

    return built(spec)


def document_warnings(spec: TrialSpec) -> list[str]:
    """The documents' own checks of their yaml (e.g. the orphan patient estimate against its threshold)."""
    from dossier.document.registry import warnings

    return warnings(spec)


def document_numbers(spec: TrialSpec) -> dict:
    """The numbers the documents compute themselves (evidence.json `documents`, e.g. the orphan prevalence)."""
    from dossier.document.registry import evidence

    return evidence(spec)


def live_values(evidence: dict) -> dict:
    """What live references `[[id:path]]` read: each analysis by its id, and `documents` (the numbers the
    documents compute, evidence.json `documents`) when there are any."""
    values = dict(evidence["analyses"])
    if "documents" in evidence:
        values["documents"] = evidence["documents"]
    return values


def arm_counts(spec: TrialSpec, data) -> list[tuple[str, int]]:
    """(arm, subjects) of the trial's population by its arm variable, in display order (the documents' arms)."""
    from dossier.data import columns as cols
    from dossier.data.selection import arm_order

    adsl = data.frame("adsl")
    flag, arm = spec.population.upper(), spec.arm.upper()
    if flag not in adsl.columns or arm not in adsl.columns:
        return []
    subjects = adsl[adsl[flag] == "Y"]
    subjects = subjects.assign(**{arm: cols.as_text(subjects[arm])})  # the arms as the analyses name them
    return [(value, int((subjects[arm] == value).sum())) for value in arm_order(subjects, arm, spec.reference_arm)]


__all__ = ["BuildReport", "DossierError", "build"]
