"""One module per analysis type. Each module exposes:

    required(analysis, trial) -> dict[str, set[str]]
        dataset name (lower case) -> variables it needs (upper case), for validation before analysis.
    run(analysis, trial, data) -> AnalysisResult
        the computation; raw numbers only (formatting happens in dossier.formatting).

`data` is a `dossier.datasets.TrialData`: `data.frame("adsl")` gives a validated DataFrame with
upper-case column names, character values stripped ("" for blank) and numeric columns as float.
"""

from __future__ import annotations

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
