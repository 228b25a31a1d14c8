"""The `vital_signs` analysis type: ADVS-style BDS parameters by visit and arm (value and change from baseline)
and subjects with abnormal post-baseline values by yaml thresholds (e.g. `SYSBP: {high: 160, low: 90}`).

Declaration; the statistics are in dossier.analyses.vital_signs_stats on dossier.analyses.bds.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from dossier.analyses import Variables
from dossier.analyses.bds_options import ParamsOptions, ThresholdsOptions
from dossier.analyses.evidence import Counts
from dossier.analyses.laboratory import RECORD_VARIABLES, Threshold, VisitSummary
from dossier.analyses.laboratory import key_results as threshold_results
from dossier.analyses.options import AnalysisOptions, setting
from dossier.analyses.registry import AnalysisType
from dossier.document.formatting import Formatter

OPTIONAL = ("PARAM", "PARAMN", "AVISITN", "ABLFL", "DTYPE", "BASE", "CHG")


class Options(ThresholdsOptions, ParamsOptions, AnalysisOptions):
    type: Literal["vital_signs"]


class Parameter(TypedDict):
    label: Annotated[str, "PARAM"]
    visits: Annotated[dict[str, dict[str, VisitSummary]], "by visit and arm: the value (AVAL) and, after baseline, "
                                                          "the change (CHG) summaries"]


class Evidence(TypedDict):
    N: Annotated[Counts, "subjects of the population by arm"]
    params: Annotated[dict[str, Parameter], "by PARAMCD"]
    thresholds: Annotated[list[Threshold], "the yaml `thresholds` ({high: h} is >= h, {low: l} is <= l), in order"]


def variables(analysis, trial) -> dict[str, Variables]:
    """Records: RECORD_VARIABLES and `where` (optional: OPTIONAL); ADSL: population and arm."""
    s = setting(analysis, trial)
    declared = {"adsl": Variables.of(["USUBJID", s.population, s.arm], [s.arm + "N"])}
    if analysis.dataset_name:
        declared[analysis.dataset_name] = Variables.of([*RECORD_VARIABLES, *(name for name, _ in s.where)], OPTIONAL)
    return declared


def key_results(ev: dict[str, Any], fmt: Formatter, confidence: int) -> list[str]:
    """Subjects beyond each threshold, per arm."""
    return threshold_results(ev, fmt, confidence)


TYPE = AnalysisType(
    name="vital_signs",
    options=Options,
    variables=variables,
    evidence=Evidence,
    implementation="dossier.analyses.vital_signs_stats",
    section="safety",
    order=62,
    method="method_vital_signs",
    glossary_keys=("kr_threshold",),
    key_results=key_results,
    numeric=("AVAL",),
)
