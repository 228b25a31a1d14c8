"""The state `dossier preview` keeps in memory for one document language, and how a saved file updates it.

`Session.update(changed)` re-reads dossier.yaml, reloads the datasets only when a file the analyses read
changed (or the variables they read did), reruns only the analyses whose key changed (the key: the
analysis's settings, the trial-wide settings of dossier.build.cache.settings_key and the sha256 of the
datasets *that analysis* read, from its result's `datasets`), redraws only the figures whose content
changed, and renders again only the documents a change can affect (a writer's text file: the documents
whose text fields name it; anything else: every document of the build). A problem (invalid yaml, a bad live reference, a
template error, invalid data) is kept in `errors` with its file and line; the documents rendered last
stay as they were until the problem is fixed.

Nothing is written into an output folder: figures are drawn into a temporary folder of the session.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.document import registry
from dossier.errors import DossierError, Problem
from dossier.hashing import json_sha256


@dataclass(frozen=True)
class Page:
    """One rendered document: its HTML (from the document template) and the sources of its numbers."""

    html: str
    sources: dict[str, Any]


def analysis_key(analysis, spec, hashes: dict[str, str], read: tuple[str, ...] | None) -> str:
    """What decides one analysis's result: its options, the trial-wide settings, the dossier source and
    the sha256 of each dataset it read (every dataset the analyses need, when it has not run yet)."""
    from dossier.build.cache import package_digest

    relevant = {
        "analysis": analysis.model_dump(mode="json"), "population": spec.population, "arm": spec.arm,
        "reference_arm": spec.reference_arm, "confidence_level": spec.confidence_level,
        "language": spec.language, "package": package_digest(),
        "datasets": {name: hashes.get(name) for name in (sorted(hashes) if read is None else read)},
    }
    return json_sha256(relevant)


def json_safe(value: Any) -> Any:
    """`value` with NaN and infinities as None, tuples as lists, dataclasses (table cells) as dicts."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: json_safe(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"kind": type(value).__name__, **fields}
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


class Session:
    """The statistics and rendered documents of one trial folder in one language (None: dossier.yaml's)."""

    def __init__(self, trial_dir: Path, lang: str | None, figures_root: Path) -> None:
        self.trial_dir = trial_dir
        self.lang = lang
        self.stage = figures_root  # holds figures/ only; served through dossier.render.resolve_resource
        (self.stage / "figures").mkdir(parents=True, exist_ok=True)
        self.spec = None
        self.dirs: list[Path] = []
        self.data = None
        self.data_key: tuple | None = None
        self.checked: tuple | None = None  # (data_key, settings) of the last validation that passed
        self.data_warnings: list[str] = []
        self.results: dict[str, Any] = {}  # analysis id -> AnalysisResult
        self.keys: dict[str, str] = {}  # analysis id -> analysis_key of its result
        self.figure_digests: dict[str, str] = {}
        self.pages: dict[str, Page] = {}
        # the documents of the build of the current dossier.yaml (dossier.document.registry.built_names): the
        # ones the preview serves, e.g. the orphan draft only with an `orphan:` section
        self.documents: tuple[str, ...] = ()
        self.due: set[str] = set(registry.names())  # documents to render at the next update without a problem
        self.errors: list[Problem] = []
        self.warnings: list[str] = []
        self.recomputed: tuple[str, ...] = ()  # the analyses the last update ran (the others were kept)
        self.shown: dict[str, list] = {}  # document -> texts it shows in another language (dossier.document.labels)
        self.translation: list = []  # the translation report's rows (dossier.document.translation), as a build writes them

    # ------------------------------------------------------------------------------------ updating

    def update(self, changed: set[Path] | None = None) -> None:
        """Bring the session up to date after `changed` files were saved (None: everything may have changed)."""
        try:
            self._update(changed)
            self.errors = []
        except DossierError as exc:
            self.errors = list(exc.problems)
        except OSError as exc:  # a file removed or replaced while it was read: the next save reads it again
            self.errors = [Problem(str(exc.filename or ""), f"cannot read: {exc.strerror or exc}")]
        except Exception as exc:  # noqa: BLE001 - a bug in dossier must not stop the preview's watcher
            reason = " ".join(str(exc).split())[:300]
            self.errors = [Problem("", f"internal error: {type(exc).__name__}: {reason} (a bug in dossier; "
                                       "please report it)")]

    def _update(self, changed: set[Path] | None) -> None:
        from dossier.build.writing import formatter
        from dossier.config.spec import load_spec
        from dossier.data.gate import check_folders
        from dossier.render.html import template_dirs

        if changed is None or not self._texts_only(changed):  # dossier.yaml, a template, a dataset: every
            self.due |= set(registry.names())  # documents; they stay due until rendered without a problem
        spec = load_spec(self.trial_dir).localised(self.lang)
        check_folders(self.trial_dir)
        self.dirs = template_dirs(self.trial_dir)
        stats_changed = self._analyse(spec)
        from dossier.build.pipeline import arm_counts

        fmt = formatter(spec, self.dirs, self.trial_dir, list(self.results.values()), arm_counts(spec, self.data))
        documents = registry.built_names(spec)
        self.due |= set(documents if stats_changed else self._affected(spec, changed or set()))
        self.spec = spec
        files = self.data.files
        evidence = self._evidence(spec, files)
        live: dict[str, list] = {}
        texts = self._texts(spec, evidence, fmt, live)
        self._draw(fmt, redraw=changed is None)
        warnings = self._warnings(spec)
        pages = {name: page for name, page in self.pages.items() if name in documents}
        shown = {name: rows for name, rows in self.shown.items() if name in documents}
        for document in (d for d in documents if d in self.due):
            fmt.terms.place(document)
            pages[document] = self._render(document, spec, texts, fmt, warnings, live, evidence)
            shown[document] = [r for r in fmt.terms.shown.values() if r.document == document]
        from dossier.document.translation import ordered, yaml_texts

        self.translation = ordered([*yaml_texts(spec, self.trial_dir, spec.language),
                                    *(r for rows in shown.values() for r in rows)])
        self.pages, self.shown, self.warnings, self.due, self.documents = pages, shown, warnings, set(), documents

    def _analyse(self, spec) -> bool:
        """Load the data when what the analyses read changed; run the analyses whose key changed.
        True when any result changed."""
        from dossier.build.cache import settings_key
        from dossier.build.pipeline import check_data, dataset_hashes, load_data
        from dossier.data.validate import datasets_needed, requirements, variables_to_load

        needs = requirements(spec)
        hashes = dataset_hashes(self.trial_dir, datasets_needed(needs))
        data_key = (tuple(sorted(hashes.items())), repr(sorted((k, sorted(v)) for k, v in
                                                               variables_to_load(spec).items())))
        if data_key != self.data_key:
            self.data, self.checked = None, None
            self.data = load_data(self.trial_dir, spec, needs)
            self.data_key = data_key
        checked = (data_key, settings_key(spec))  # validation depends on the settings as well as the data
        if checked != self.checked:
            self.data_warnings = check_data(spec, self.data, needs)
            self.checked = checked
        results, keys, ran = {}, {}, []
        from dossier.analyses.registry import get

        for analysis in spec.analyses:
            previous = self.results.get(analysis.id)
            key = analysis_key(analysis, spec, hashes, previous.datasets if previous else None)
            if previous is not None and self.keys.get(analysis.id) == key:
                results[analysis.id], keys[analysis.id] = previous, key
                continue
            import warnings as pywarnings

            with pywarnings.catch_warnings():
                pywarnings.simplefilter("ignore", FutureWarning)
                result = get(analysis.type).run(analysis, spec, self.data)
            ran.append(analysis.id)
            # keyed by the datasets it did read, so a change to another dataset leaves it alone
            results[analysis.id], keys[analysis.id] = result, analysis_key(analysis, spec, hashes, result.datasets)
        changed = bool(ran) or list(results) != list(self.results)
        self.results, self.keys, self.recomputed = results, keys, tuple(ran)
        return changed

    def _evidence(self, spec, files) -> dict:
        from dossier import __version__
        from dossier.outputs.files import evidence_document

        return evidence_document({"id": spec.study.id, "title": spec.study.title}, self.results.values(), files,
                                 __version__, spec.confidence_level, registry.evidence(spec))

    def _texts(self, spec, evidence: dict, fmt, live: dict[str, list]) -> dict:
        """Every text field rendered with its live numbers marked; every field's problem reported."""
        from dossier.build.pipeline import live_values
        from dossier.config.spec import text_fields
        from dossier.document.writer_text import load_text

        values = live_values(evidence)  # the analyses and the documents' own numbers, as in a build
        texts, problems = {}, []
        for key, value in text_fields(spec):
            found: list = []
            try:
                texts[key] = load_text(self.trial_dir, key, value, values, fmt, live=found)
            except DossierError as exc:
                problems.extend(exc.problems)
            live[key] = found
        if problems:
            raise DossierError(problems)
        return texts

    def _draw(self, fmt, redraw: bool) -> None:
        """Draw the figures whose content (or language, or glossary) changed since they were last drawn."""
        from dossier.build.reuse import digest
        from dossier.build.writing import draw_one_figure

        glossary = sorted(fmt.glossary.items())
        figures_dir = self.stage / "figures"
        for result in self.results.values():
            for figure in result.figures:
                key = digest("figure", figure, fmt.lang, glossary, fmt.terms.digest())
                if redraw or self.figure_digests.get(figure.key) != key:
                    draw_one_figure(figure, figures_dir, fmt)
                    self.figure_digests[figure.key] = key

    def _warnings(self, spec) -> list[str]:
        from dossier.document.writer_text import text_warnings

        warnings = list(self.data_warnings) + text_warnings(spec, self.trial_dir) + registry.warnings(spec)
        for result in self.results.values():
            warnings.extend(w if w.startswith("analysis ") else f"analysis {result.id!r}: {w}"
                            for w in result.warnings)
        return list(dict.fromkeys(warnings))

    def _texts_only(self, changed: set[Path]) -> bool:
        text_dir = (self.trial_dir / "text").resolve()
        return all(p.resolve().is_relative_to(text_dir) for p in changed)

    def _affected(self, spec, changed: set[Path]) -> tuple[str, ...]:
        """The documents a change can affect: for writer's text files only, those whose fields name them."""
        from dossier.config.spec import TEXT_FILE, text_fields

        documents = registry.built_names(spec)
        if not self._texts_only(changed):
            return documents
        names = {p.resolve() for p in changed}
        affected = set()
        for key, value in text_fields(spec):
            if value and TEXT_FILE.match(value):
                rel = Path(value)
                candidates = {(self.trial_dir / rel).resolve(),
                              *((self.trial_dir / rel.parent / lang / rel.name).resolve() for lang in ("en", "ja"))}
                if candidates & names:
                    affected.add(key.split(".", 1)[0])
        return tuple(d for d in documents if d in affected)

    # ------------------------------------------------------------------------------------ rendering

    def _render(self, document: str, spec, texts: dict, fmt, warnings: list[str], live: dict[str, list],
                evidence: dict) -> Page:
        from dossier.build.pipeline import arm_counts
        from dossier.build.writing import document_facts, render_html

        records = {name: len(frame) for name, frame in self.data.frames.items()}
        facts = document_facts(spec, self.data.files, arm_counts(spec, self.data), records, warnings)
        results = list(self.results.values())
        rendered, ctx = render_html(document, spec, results, texts, fmt, facts, self.dirs)
        return Page(rendered.html, self._sources(ctx, fmt, live, evidence))

    def _sources(self, ctx: dict, fmt, live: dict[str, list], evidence: dict) -> dict[str, Any]:
        """What the pop-ups show: each analysis's population, filters and datasets; each live number's
        evidence path and full-precision value; each table cell's raw value."""
        from dossier.document.context import filters_text, population_text

        analyses = {}
        for result in self.results.values():
            analyses[result.id] = {
                "title": fmt.label(result.title), "population": population_text(result, fmt),
                "filters": filters_text(result, fmt),
                "datasets": [{"name": name, "file": self.data.files[name].path.name,
                              "sha256": self.data.files[name].sha256[:12]}
                             for name in result.datasets if name in self.data.files]}
        refs = {}
        for found in live.values():
            for ref, value in found:
                analysis_id, path = ref.split(":", 1)
                path = path.split("|", 1)[0].strip()  # the reference as written may end in its |format
                where = f"documents/{path}" if analysis_id == "documents" else f"analyses/{analysis_id}/{path}"
                refs[ref] = {"analysis": analysis_id, "path": where,  # the path in evidence.json
                             "value": _evidence_value(evidence, analysis_id, path, value)}
        tables = {}
        raw_tables = {t.key: (r.id, t) for r in self.results.values() for t in r.tables}
        sections = [*ctx.get("sections", {}).values(), *ctx.get("appendix_sections", {}).values()]
        for section in sections:
            for shown in section.tables:
                owner, raw = raw_tables.get(shown.key, (section.id, None))
                rows = [[_cell(c, fmt) for c in row.cells] for row in raw.rows] if raw is not None else \
                    [list(row.cells) for row in shown.rows]
                tables[shown.anchor] = {"key": shown.key, "analysis": owner, "csv": f"tables/{shown.key}.csv",
                                        "evidence": f"analyses/{owner}", "rows": rows}
        for name, value in ctx.items():
            if name.endswith("_table") and value is not None and value.anchor not in tables:
                tables[value.anchor] = {"key": value.key, "analysis": None, "csv": f"tables/{value.key}.csv",
                                        "evidence": None, "rows": [list(row.cells) for row in value.rows],
                                        "from": "datasets" if value.key == "datasets" else "dossier.yaml"}
        return json_safe({"analyses": analyses, "refs": refs, "tables": tables})


def _cell(cell: Any, fmt) -> Any:
    """A table cell for the pop-up: a label as the document shows it, a number cell with its raw fields."""
    from dossier.analyses.model import Term, Text

    return fmt.label(cell) if isinstance(cell, (Term, Text)) else json_safe(cell)


def _evidence_value(evidence: dict, analysis_id: str, path: str, fallback: Any) -> Any:
    """The value at `path` in evidence.json's form (NaN as null), as the reference resolved it."""
    from dossier.build.pipeline import live_values
    from dossier.document.writer_text import resolve_reference

    try:
        return resolve_reference(live_values(evidence), analysis_id, path)
    except KeyError:
        return fallback
