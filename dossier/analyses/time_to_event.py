"""The `time_to_event` analysis type: Kaplan-Meier by arm, log-rank tests, Cox hazard ratios vs the reference.

Declaration (options, documents, evidence, key results); the statistics and the data checks are in
dossier.analyses.time_to_event_stats.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired, TypedDict

from pydantic import Field

from dossier.analyses import Variables, declared_location
from dossier.analyses.evidence import JAPAN_MEANING, SUBGROUPS_MEANING, Interval, JapanConsistency, Number, Subgroup
from dossier.analyses.options import (
    AnalysisOptions,
    EstimandOptions,
    RecordOptions,
    SubgroupsOptions,
    setting,
    subgroup_needs,
)
from dossier.analyses.registry import AnalysisType
from dossier.config.limits import MAX_ITEMS
from dossier.document.formatting import Formatter, fixed
from dossier.document.highlights import ci_text, p_text

RECORD_VARIABLES = ("USUBJID", "PARAMCD", "AVAL", "CNSR")


class Options(SubgroupsOptions, EstimandOptions, RecordOptions, AnalysisOptions):
    type: Literal["time_to_event"]
    landmarks: tuple[float, ...] = Field(default=(), max_length=MAX_ITEMS)
    at_risk_every: float | None = Field(default=None, gt=0)
    time_unit: str = "days"
    improvement: Literal["increase", "decrease"] = "decrease"  # the better hazard ratio (Japanese consistency)

    def value_problems(self) -> list[tuple[str, str]]:
        found = [("landmarks", "times must not be negative")] if any(t < 0 for t in self.landmarks) else []
        return found + super().value_problems()


class Landmark(TypedDict):
    survival: Number
    ci: Interval


class KaplanMeier(TypedDict):
    n: int
    events: int
    censored: int
    median: Number
    median_ci: Interval
    landmarks: dict[str, Landmark]


class HazardRatio(TypedDict):
    group: str
    reference: str
    hazard_ratio: Number
    hr_ci: Interval
    p: Number
    logrank_p: Number


class AtRisk(TypedDict):
    times: list[float]
    counts: dict[str, list[int]]


class Evidence(TypedDict):
    param: Annotated[str, "the PARAMCD analysed"]
    time_unit: Annotated[str, "the unit of AVAL (yaml `time_unit`)"]
    groups: Annotated[dict[str, KaplanMeier], "by arm: subjects, events, median with CI, survival at each landmark"]
    comparisons: Annotated[list[HazardRatio], "each arm vs the reference arm: Cox hazard ratio (Wald CI and p), "
                                              "log-rank p"]
    logrank_p: Annotated[Number, "log-rank test over all arms"]
    at_risk: Annotated[AtRisk, "numbers at risk by arm at the figure's times"]
    subgroups: NotRequired[Annotated[dict[str, Subgroup], "hazard ratios " + SUBGROUPS_MEANING]]
    japan_consistency: NotRequired[Annotated[JapanConsistency | list[JapanConsistency], JAPAN_MEANING]]


def variables(analysis: Options, trial) -> dict[str, Variables]:
    """ADSL: population and arm (optional: `<ARM>N`); records: RECORD_VARIABLES and `where` (optional:
    PARAM, the parameter's label). Subgroup variables (and the Japanese flag and region) are required where
    their ADaM name places them (ADSL unless it is a record name such as BASE) and optional in both."""
    s = setting(analysis, trial)
    dataset = analysis.dataset_name
    sub = subgroup_needs(analysis, trial)
    in_records = [v for v in sub if declared_location(v) == "record"]
    adsl = Variables.of(["USUBJID", s.population, s.arm, *(v for v in sub if v not in in_records)],
                        [s.arm + "N", *sub])
    if not dataset:
        return {"adsl": adsl}
    return {"adsl": adsl, dataset: Variables.of([*RECORD_VARIABLES, *(name for name, _ in s.where), *in_records],
                                                ["PARAM", *sub])}


def key_results(ev: dict[str, Any], fmt: Formatter, confidence: int) -> list[str]:
    """The hazard ratio of each arm vs the reference."""
    return [fmt.term("kr_hazard", arm=c["group"], reference=c["reference"],
                     hr=fixed(c.get("hazard_ratio"), 2, fmt.ne), level=confidence,
                     ci=ci_text(fmt, c.get("hr_ci"), 2), p=p_text(fmt, c.get("logrank_p")))
            for c in ev.get("comparisons", [])]


TYPE = AnalysisType(
    name="time_to_event",
    options=Options,
    variables=variables,
    evidence=Evidence,
    implementation="dossier.analyses.time_to_event_stats",
    section="efficacy",
    order=40,
    method="method_time_to_event",
    glossary_keys=("kr_hazard", "tte_at_risk"),
    sakigake_default="efficacy",
    key_results=key_results,
    compares_arms=True,
    settings_keys=("at_risk/times",),
)
