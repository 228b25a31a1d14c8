"""One module per analysis type. Each module exposes:

    variables(analysis, trial) -> dict[str, Variables]
        dataset name (lower case) -> the variables (upper case) analyses of this type read, by the
        analysis and by its checks in dossier.validate: `required` ones (validation reports each one
        missing) and `optional` ones (used when the dataset has them). The one declaration both of
        validation and of loading: only the declared variables are read from the files, so a variable
        read but not declared would silently be absent (tests/test_declared_variables.py guards this).
    required(analysis, trial) -> dict[str, set[str]]
        the required part of `variables`.
    run(analysis, trial, data) -> AnalysisResult
        the computation; raw numbers only (formatting happens in dossier.formatting).

`data` is a `dossier.datasets.TrialData`: `data.frame("adsl")` gives a validated DataFrame with
upper-case column names, character values stripped ("" for blank; pandas Categorical when loaded from a
file) and numeric columns as float.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from types import ModuleType

MODULES = {
    "baseline": "dossier.analyses.baseline",
    "change_from_baseline": "dossier.analyses.change_from_baseline",
    "time_to_event": "dossier.analyses.time_to_event",
    "adverse_events": "dossier.analyses.adverse_events",
    "disposition": "dossier.analyses.disposition",
}


def module_for(analysis_type: str) -> ModuleType:
    """The module implementing `analysis_type` (imported lazily: the stats stack is slow to import)."""
    return import_module(MODULES[analysis_type])


@dataclass(frozen=True)
class Variables:
    """The variables of one dataset an analysis reads: `required` (must be present) and `optional`."""

    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()

    @classmethod
    def of(cls, required=(), optional=()) -> Variables:
        """Upper-cased names; a variable both required and optional is required."""
        needed = frozenset(v.upper() for v in required)
        return cls(needed, frozenset(v.upper() for v in optional) - needed)

    @property
    def all(self) -> frozenset[str]:
        return self.required | self.optional


def required_of(declared: dict[str, Variables]) -> dict[str, set[str]]:
    """dataset -> required variables, from a module's `variables()`."""
    return {name: set(v.required) for name, v in declared.items()}


def declared(analysis, trial) -> dict[str, Variables]:
    """dataset -> Variables of one analysis, as its module declares them."""
    return module_for(analysis.type).variables(analysis, trial)
