"""The registry of document types: the one place that lists them.

A document type is one module, dossier/document/<name>.py, whose `DOCUMENT` (a `DocumentType`) declares
everything the build knows about it: its template, its title, the pydantic model of its yaml section (the
top-level key named like the document), its writer's-text fields and analysis references, its top-level
sections, the numbers it computes (evidence.json `documents.<name>`), its warnings, the glossary keys it
uses and its part of the template context. dossier.config.spec (the yaml model), dossier.build.pipeline (which documents
are built, evidence, warnings), dossier.document.context, dossier.document.hardcoded and the tests find documents here; none of
them names one. Light module: importing it imports no pandas and no rendering stack.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

# the document modules, in build order
MODULES = (
    "dossier.document.briefing",
    "dossier.document.sakigake",
    "dossier.document.orphan",
)


def _none(*_: Any) -> list:
    return []


@dataclass(frozen=True)
class DocumentType:
    """Everything the build knows about one document."""

    name: str  # the yaml key of its section and the stem of its outputs (<name>.html, .pdf, .docx)
    template: str  # its Jinja template in a templates folder (templates/<name>.html.j2)
    title: Callable  # (spec, fmt) -> the document's title (cover, running header, PDF and DOCX metadata)
    context: Callable  # (ctx, spec, results, texts, fmt, facts, numbering) -> its own template context
    section: type | None = None  # pydantic model of its yaml section; None: the document has no section
    always: bool = False  # built without its yaml section (the section model's defaults); else when present
    sections: tuple[tuple[str, str], ...] = ()  # (anchor, glossary key of the heading) of its top-level sections
    text_fields: Callable = _none  # (section) -> [(key below the section, LocalText | None)]: writer's text
    analysis_refs: Callable = _none  # (section) -> [(key below the section, (analysis ids, ...))]
    problems: Callable = _none  # (section, spec) -> [(key below the section, message)]: checks pydantic cannot
    evidence: Callable | None = None  # (section, spec) -> numbers for evidence.json `documents.<name>` (raw)
    warnings: Callable = _none  # (section, spec, evidence) -> [warning]
    glossary_keys: tuple[str, ...] = field(default=())  # glossary keys the template and context use
    exports_tables: bool = False  # its evidence tables are written to tables/*.csv and tables.xlsx

    def of(self, spec: Any) -> Any:
        """The document's yaml section in `spec` (None when absent or when the document has none)."""
        return getattr(spec, self.name, None) if self.section is not None else None

    def built_for(self, spec: Any) -> bool:
        return self.always or self.of(spec) is not None


_TYPES: dict[str, DocumentType] = {}
_EXTRA: list[DocumentType] = []  # registered at run time (register())


def types() -> dict[str, DocumentType]:
    """Document name -> DocumentType, in build order (MODULES, then those registered)."""
    if not _TYPES:
        for document in [import_module(name).DOCUMENT for name in MODULES] + _EXTRA:
            if document.name in _TYPES:
                raise ValueError(f"document {document.name!r} is declared twice")
            _TYPES[document.name] = document
    return dict(_TYPES)


def get(name: str) -> DocumentType:
    return types()[name]


def built(spec: Any) -> list[DocumentType]:
    """The documents a build of `spec` writes: those built always and those whose yaml section is present."""
    return [d for d in types().values() if d.built_for(spec)]


def evidence(spec: Any) -> dict[str, Any]:
    """The numbers the documents of `spec` compute (evidence.json `documents`): name -> entry."""
    out = {}
    for document in built(spec):
        section = document.of(spec)
        if document.evidence is not None and section is not None:
            out[document.name] = document.evidence(section, spec)
    return out


def warnings(spec: Any) -> list[str]:
    """The documents' own warnings (e.g. an orphan patient estimate not below the threshold)."""
    numbers = evidence(spec)
    found: list[str] = []
    for document in built(spec):
        section = document.of(spec)
        if section is not None:
            found.extend(document.warnings(section, spec, numbers.get(document.name)))
    return found


@contextlib.contextmanager
def registered(document: DocumentType) -> Iterator[DocumentType]:
    """Add a document type for the duration of the block (a plug-in, or a test's own type); dossier.config.spec's
    TrialSpec gains its yaml section meanwhile."""
    _EXTRA.append(document)
    _refresh()
    try:
        yield document
    finally:
        _EXTRA.remove(document)
        _refresh()


def _refresh() -> None:
    _TYPES.clear()
    spec = sys.modules.get("dossier.config.spec")
    if spec is not None:
        spec.rebuild()


def always() -> tuple[str, ...]:
    """The documents every build writes, whatever its yaml, in registry order."""
    return tuple(d.name for d in types().values() if d.always)


def names() -> tuple[str, ...]:
    """Every document type's name, in registry order."""
    return tuple(types())


def built_names(spec: Any) -> tuple[str, ...]:
    """The names of the documents a build of `spec` writes (built(spec)), in registry order: what the preview
    serves."""
    return tuple(d.name for d in built(spec))


def in_build(out_dir: Any) -> tuple[str, ...]:
    """The documents a build folder holds (its <name>.docx), in registry order: what `diff --docx` redlines."""
    return tuple(name for name in types() if (out_dir / f"{name}.docx").is_file())
