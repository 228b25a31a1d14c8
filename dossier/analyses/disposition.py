"""The `disposition` analysis type: randomised, treated, completed and discontinued subjects (with reasons).

Declaration (options, documents, evidence); the counts are in dossier.analyses.disposition_stats.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, TypedDict

from dossier.analyses import Variables
from dossier.analyses.evidence import Counts
from dossier.analyses.options import AnalysisOptions, setting
from dossier.analyses.registry import AnalysisType

PLANNED = {"ACTARM": "ARM", "ACTARMCD": "ARMCD"}
REASON_VARIABLES = ("DCSREAS", "DCDECOD")
STATUS_VARIABLES = ("EOSSTT", "DCDECOD", "DISCONFL")


class Options(AnalysisOptions):
    type: Literal["disposition"]
    variables: tuple[str, ...] = ()  # flags (...FL) add a row each; another variable replaces the reason


class Evidence(TypedDict):
    N: Annotated[Counts, "randomised subjects by arm (and Total)"]
    rows: Annotated[dict[str, Counts], "by row (randomised, treated, completed, discontinued, ongoing, each flag): "
                                       "subjects by arm"]
    reasons: Annotated[dict[str, Counts], "by reason for discontinuation: subjects by arm"]


def variables(analysis: Options, trial) -> dict[str, Variables]:
    """ADSL: the analysis's own population, arm, `variables` and `where`; optional: the default
    population flags, arm variables (actual and planned, with their `<ARM>N` codes), end-of-study status
    and reason variables, and the trial's population and arm (which validation checks)."""
    required = {"USUBJID", *(name for name, _ in setting(analysis, trial).where)}
    required |= {v.upper() for v in analysis.variables}
    if analysis.population:
        required.add(analysis.population.upper())
    if analysis.arm:
        required.add(analysis.arm.upper())
    arms = {trial.arm.upper(), planned_arm(trial.arm.upper()), *([analysis.arm.upper()] if analysis.arm else [])}
    optional = {"RANDFL", "ITTFL", "SAFFL", trial.population.upper(), *STATUS_VARIABLES, *REASON_VARIABLES,
                *arms, *(a + "N" for a in arms)}
    return {"adsl": Variables.of(required, optional)}


def planned_arm(arm: str) -> str:
    """The planned-treatment counterpart of an actual-treatment variable (TRT01A -> TRT01P)."""
    match = re.fullmatch(r"TRT(\d\d)A", arm)
    return f"TRT{match.group(1)}P" if match else PLANNED.get(arm, arm)


TYPE = AnalysisType(
    name="disposition",
    options=Options,
    variables=variables,
    evidence=Evidence,
    implementation="dossier.analyses.disposition_stats",
    section="disposition",
    order=10,
    method="method_disposition",
)
