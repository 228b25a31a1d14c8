"""The registry of analysis types: the one place that lists them.

Each type is one module, dossier/analyses/<type>.py, whose `TYPE` (an `AnalysisType`) declares everything
about it: the options model of its yaml keys, the variables it reads, where its tables and figures go in the
documents, its key-result sentences, its method text and the shape of its evidence, and the variables it
reads; its `run` and data checks live in the module named by `implementation` (the statistics stack),
imported only when one of them is called.
dossier.config.spec, dossier.data.validate, dossier.build.pipeline, dossier.document.context, dossier.document.highlights and the templates find
types here; none of them names one. Light module: importing it imports no pandas, numpy or statistics stack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Annotated, Any, Union

from pydantic import Field

# the type modules, in no particular order (the documents order them by AnalysisType.order)
MODULES = (
    "dossier.analyses.baseline",
    "dossier.analyses.change_from_baseline",
    "dossier.analyses.time_to_event",
    "dossier.analyses.adverse_events",
    "dossier.analyses.disposition",
    "dossier.analyses.mmrm",
    "dossier.analyses.exposure",
    "dossier.analyses.laboratory",
    "dossier.analyses.vital_signs",
    "dossier.analyses.by_visit",
)


@dataclass(frozen=True)
class Section:
    """A subsection of the briefing document's clinical section (6.x) that analyses go to."""

    key: str  # what AnalysisType.section names
    heading: str  # glossary key of its heading
    anchor: str  # id of its heading in the HTML


# the briefing's clinical subsections after the study design, in document order
SECTIONS = (
    Section("disposition", "sub_disposition", "sec-clinical-disposition"),
    Section("baseline", "sub_baseline", "sec-clinical-baseline"),
    Section("efficacy", "sub_efficacy", "sec-clinical-efficacy"),
    Section("safety", "sub_safety", "sec-clinical-adverse_events"),
)
# the SAKIGAKE criteria an analysis type may support by default (sakigake.<criterion>.analyses unset)
CRITERIA = ("innovativeness", "seriousness", "efficacy", "japan_first")


@dataclass(frozen=True)
class AnalysisType:
    """Everything the build knows about one analysis type."""

    name: str  # the yaml `type`
    options: type  # pydantic model of its keys (dossier.analyses.options.AnalysisOptions and mixins)
    evidence: type  # TypedDict: the keys of its entry in evidence.json (README's evidence table)
    variables: Callable  # (analysis, trial) -> {dataset: dossier.analyses.Variables}: what it reads (see there)
    implementation: str  # module holding run() and the optional data checks (imported when called)
    section: str  # Section.key of the briefing subsection its tables and figures go to
    order: int  # position of its analyses in the documents (lower first)
    method: str  # glossary key of its method text (Appendix: methods)
    glossary_keys: tuple[str, ...] = ()  # further glossary keys it uses (table/figure labels, key results)
    sakigake_default: str | None = None  # the SAKIGAKE criterion it supports by default
    key_results: Callable | None = None  # (evidence, fmt, confidence) -> sentences for the SAKIGAKE draft
    macro: str = "analysis_block"  # the templates' macro (templates/_macros.html.j2) that lays out a section
    body_tables: int | None = None  # tables shown in the body (the rest go to the appendix); None: all
    compares_arms: bool = False  # compares arms with the reference arm (validation warns when it is absent)
    numeric: tuple[str, ...] = ("AVAL", "CNSR")  # record variables that must be numeric for further checks
    settings_keys: tuple[str, ...] = ()  # evidence paths that restate its settings (`dossier check` skips them)

    def run(self, analysis, trial, data):
        """The analysis's result (dossier.analyses.model.AnalysisResult), raw numbers only."""
        return import_module(self.implementation).run(analysis, trial, data)

    def check(self, stage: str, *args) -> Any:
        """The implementation's `check_<stage>` (dataset, parameter, records; see dossier.data.validate), or None
        when the type has no check at that stage."""
        function = getattr(import_module(self.implementation), f"check_{stage}", None)
        return None if function is None else function(*args)


_TYPES: dict[str, AnalysisType] = {}


def types() -> dict[str, AnalysisType]:
    """Type name -> AnalysisType, in document order."""
    if not _TYPES:
        found = [import_module(name).TYPE for name in MODULES]
        for t in sorted(found, key=lambda t: t.order):
            if t.section not in {s.key for s in SECTIONS}:
                raise ValueError(f"{t.name}: unknown section {t.section!r}")
            if t.sakigake_default not in (None, *CRITERIA):
                raise ValueError(f"{t.name}: unknown SAKIGAKE criterion {t.sakigake_default!r}")
            _TYPES[t.name] = t
    return dict(_TYPES)


def get(name: str) -> AnalysisType:
    return types()[name]


def analysis_union() -> Any:
    """The options models of every type joined into one union discriminated on `type` (dossier.config.spec.Analysis)."""
    models = tuple(get(name).options for name in union_order())
    return Annotated[Union[models], Field(discriminator="type")]  # noqa: UP007 (a runtime tuple of models)


def union_order() -> list[str]:
    """The type names in the order of MODULES (the order the yaml's `type` values are listed in messages)."""
    by_module = {t.options.__module__: name for name, t in types().items()}
    return [by_module[module] for module in MODULES]


def evidence_markdown() -> str:
    """The README's evidence tables (tests/test_registry.py keeps the README equal to them)."""
    from dossier.analyses.evidence import markdown

    return markdown({name: t.evidence for name, t in types().items()})
