"""The `baseline` analysis type: demographic and baseline characteristics of ADSL variables by arm.

Declaration (options, documents, evidence); the statistics are in dossier.analyses.baseline_stats.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

from pydantic import Field

from dossier.analyses import Variables
from dossier.analyses.evidence import Counts, Number
from dossier.analyses.options import AnalysisOptions, setting
from dossier.analyses.registry import AnalysisType
from dossier.config.limits import MAX_ITEMS


class Options(AnalysisOptions):
    type: Literal["baseline"]
    variables: tuple[str, ...] = Field(default=(), max_length=MAX_ITEMS)

    def required_problems(self) -> list[tuple[str, str]]:
        missing = ("variables", "required for a baseline analysis (a list of ADSL variables)")
        found = [] if self.variables else [missing]
        return found + super().required_problems()


class NumericSummary(TypedDict):
    n: int
    mean: Number
    sd: Number
    median: Number
    q1: Number
    q3: Number
    min: Number
    max: Number
    missing: int


class LevelCounts(TypedDict):
    N: int
    counts: Counts
    missing: int


class NumericVariable(TypedDict):
    kind: Literal["numeric"]
    label: str
    groups: dict[str, NumericSummary]


class CategoricalVariable(TypedDict):
    kind: Literal["categorical"]
    label: str
    levels: list[str]
    groups: dict[str, LevelCounts]


class Evidence(TypedDict):
    variables: Annotated[dict[str, NumericVariable | CategoricalVariable],
                         "by variable: its label and, by arm (and Total), its summary statistics (numeric) or the "
                         "subjects in each level (categorical)"]
    N: Annotated[Counts, "subjects of the population by arm (and Total)"]


def variables(analysis: Options, trial) -> dict[str, Variables]:
    """ADSL: population, arm, the summarised variables and `where`; optional: the numeric codes `<VAR>N`
    (level order) and `<ARM>N` (arm order)."""
    s = setting(analysis, trial)
    names = [v.upper() for v in analysis.variables]
    required = {"USUBJID", s.population, s.arm, *names, *(name for name, _ in s.where)}
    return {"adsl": Variables.of(required, [s.arm + "N", *(v + "N" for v in names)])}


TYPE = AnalysisType(
    name="baseline",
    options=Options,
    variables=variables,
    evidence=Evidence,
    implementation="dossier.analyses.baseline_stats",
    section="baseline",
    order=20,
    method="method_baseline",
    sakigake_default="seriousness",
)
