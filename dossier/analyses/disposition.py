"""The `disposition` analysis type: randomised, treated, completed and discontinued subjects (with reasons).

Declaration (options, documents, evidence); the counts are in dossier.analyses.disposition_stats.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

from dossier.analyses.options import AnalysisOptions
from dossier.analyses.registry import AnalysisType


class Options(AnalysisOptions):
    type: Literal["disposition"]
    variables: tuple[str, ...] = ()  # flags (…FL) add a row each; another variable replaces the reason variable


class Evidence(TypedDict):
    N: Annotated[dict, "arm -> randomised subjects"]
    rows: Annotated[dict, "row (randomised, treated, completed, discontinued, ongoing, and each flag) -> arm -> subjects"]
    reasons: Annotated[dict, "reason for discontinuation -> arm -> subjects"]


TYPE = AnalysisType(
    name="disposition", options=Options, evidence=Evidence, implementation="dossier.analyses.disposition_stats",
    section="disposition", order=10, method="method_disposition",
)
