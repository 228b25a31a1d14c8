"""`dossier check`: everything a build would find wrong, without writing anything. The spec, the files, the data
and, when the analyses can run, every live reference and the numbers typed into the writer's text."""

from __future__ import annotations

from pathlib import Path

from dossier import __version__
from dossier.build.pipeline import document_numbers, document_warnings, live_values, quiet, run_analyses
from dossier.config.spec import SPEC_FILE, TrialSpec, load_spec
from dossier.errors import Problem, SpecError


def check(trial_dir: Path, against: Path | None = None) -> tuple[list[Problem], list[str]]:
    """Validate without building: (every problem found, warnings). With `against` (an earlier
    build's OUT_DIR), also warn about typed numbers that matched that build and no longer match."""
    from dossier.data.datasets import discover, load_available
    from dossier.data.gate import folder_problems
    from dossier.data.validate import datasets_needed, requirements, validate, variables_to_load
    from dossier.document.matter import table_citation_warnings, uncited_warnings
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
        uncited_warnings(spec, trial_dir) + table_citation_warnings(spec)
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
        results = run_analyses(spec.localised(), data, quiet)
    except AnalysisError:
        return None
    return live_values(evidence_document({}, results, data.files, __version__, spec.confidence_level,
                                          document_numbers(spec)))


def _hardcoded_number_warnings(trial_dir: Path, spec: TrialSpec, evidence: dict, against: Path | None = None
                               ) -> list[str]:
    """Numbers in the writer's text that should be live references (and, with `against`, stale ones)."""
    from dossier.document.hardcoded import hardcoded_numbers

    warnings = hardcoded_numbers(trial_dir, spec, evidence)
    if against is not None:
        from dossier.word.refresh import stale_number_warnings

        warnings += stale_number_warnings(trial_dir, spec, against, evidence)
    return warnings

