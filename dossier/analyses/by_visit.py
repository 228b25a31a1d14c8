"""The `by_visit` analysis type: a generic by-visit summary of BDS parameters by arm: continuous (n, mean, SD,
median, min, max; `summary: geometric` adds the geometric mean with its CI, for titres) or categorical
(`summary: positive`: the proportion of positive samples with its exact CI), the seroconversion rate
(`seroconversion: true`) and the study day of the last positive sample (`last_positive: true`). Used for
gene-therapy displays: anti-AAV neutralising antibody titres, vector shedding by matrix.

Declaration; the statistics are in dossier.analyses.by_visit_stats on dossier.analyses.bds.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired, TypedDict

from pydantic import Field

from dossier.analyses import Variables
from dossier.analyses.bds_options import ParamsOptions
from dossier.analyses.evidence import Counts, Interval, Number
from dossier.analyses.laboratory import RECORD_VARIABLES
from dossier.analyses.options import AnalysisOptions, setting
from dossier.analyses.registry import AnalysisType
from dossier.config.limits import MAX_ITEMS
from dossier.config.spec_types import ScalarValue
from dossier.document.formatting import Formatter, fixed, percent
from dossier.document.highlights import ci_text

OPTIONAL = ("PARAM", "PARAMN", "AVISITN", "ABLFL", "DTYPE", "ADY")
DEFAULT_POSITIVE = {"AVALC": "POSITIVE"}


class Options(ParamsOptions, AnalysisOptions):
    type: Literal["by_visit"]
    summary: Literal["arithmetic", "geometric", "positive"] = "arithmetic"
    positive: dict[str, ScalarValue | list[ScalarValue]] = Field(default_factory=dict, max_length=MAX_ITEMS)
    seroconversion: bool = False
    last_positive: bool = False

    def uses_positive(self) -> bool:
        return self.summary == "positive" or self.seroconversion or self.last_positive

    def positive_rule(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """`positive` (default AVALC = POSITIVE) as `where`-like (variable, values) pairs."""
        rule = self.positive or DEFAULT_POSITIVE
        return tuple((k.upper(), tuple(str(x) for x in (v if isinstance(v, list) else [v])))
                     for k, v in sorted(rule.items()))

    def value_problems(self) -> list[tuple[str, str]]:
        found = []
        if self.positive and not self.uses_positive():
            found.append(("positive", "only used with summary: positive, seroconversion or last_positive"))
        for name, values in self.positive.items():
            if isinstance(values, list) and not values:
                found.append((f"positive.{name}", "empty list of values: no sample could be positive"))
        return found + super().value_problems()


class Statistics(TypedDict):
    n: Annotated[int, "subjects with a value (summary arithmetic or geometric) or a sample (positive)"]
    mean: NotRequired[Number]
    sd: NotRequired[Number]
    median: NotRequired[Number]
    min: NotRequired[Number]
    max: NotRequired[Number]
    geometric_mean: NotRequired[Annotated[Number, "summary geometric: exp of the mean log value (values > 0)"]]
    geometric_ci: NotRequired[Annotated[Interval, "summary geometric: exp of the t-based CI of the mean log value"]]
    positive: NotRequired[Annotated[int, "summary positive: subjects with a positive sample"]]
    rate: NotRequired[Annotated[Number, "summary positive: positive / n"]]
    ci: NotRequired[Annotated[Interval, "summary positive: exact Clopper-Pearson CI of the rate"]]


class Proportion(TypedDict):
    n: int
    N: int
    rate: Number
    ci: Interval


class LastPositive(TypedDict):
    n: Annotated[int, "subjects with at least one positive post-baseline sample"]
    N: Annotated[int, "subjects with at least one post-baseline sample"]
    median: Annotated[Number, "study day (ADY) of the last positive sample: median"]
    min: Number
    max: Number
    still_positive: Annotated[int, "subjects whose last post-baseline sample is positive"]


class Parameter(TypedDict):
    label: Annotated[str, "PARAM"]
    visits: Annotated[dict[str, dict[str, Statistics]], "by visit and arm"]
    seroconversion: NotRequired[Annotated[dict[str, Proportion], "by arm: subjects negative at baseline with a "
                                                                 "positive post-baseline sample, among subjects "
                                                                 "negative at baseline with a post-baseline sample"]]
    last_positive: NotRequired[Annotated[dict[str, LastPositive], "by arm"]]


class Evidence(TypedDict):
    N: Annotated[Counts, "subjects of the population by arm"]
    summary: Literal["arithmetic", "geometric", "positive"]
    params: Annotated[dict[str, Parameter], "by PARAMCD"]


def variables(analysis, trial) -> dict[str, Variables]:
    """Records: RECORD_VARIABLES, `where`, the `positive` variables (when used) and ADY (with last_positive);
    optional: OPTIONAL. ADSL: population and arm."""
    s = setting(analysis, trial)
    needed = [*RECORD_VARIABLES, *(name for name, _ in s.where)]
    if analysis.uses_positive():
        needed += [name for name, _ in analysis.positive_rule()]
    if analysis.last_positive:
        needed.append("ADY")
    declared = {"adsl": Variables.of(["USUBJID", s.population, s.arm], [s.arm + "N"])}
    if analysis.dataset_name:
        declared[analysis.dataset_name] = Variables.of(needed, OPTIONAL)
    return declared


def key_results(ev: dict[str, Any], fmt: Formatter, confidence: int) -> list[str]:
    """Per parameter and arm: the seroconversion rate with its CI, the last positive sample's median day."""
    lines = []
    for param, p in ev.get("params", {}).items():
        for arm, r in (p.get("seroconversion") or {}).items():
            ci = [None if x is None else 100 * x for x in r.get("ci") or [None, None]]
            lines.append(fmt.term("kr_seroconversion", param=p.get("label", param), arm=arm, n=r["n"], N=r["N"],
                                  pct=percent(r["n"], r["N"]), level=confidence, ci=ci_text(fmt, ci, 1)))
        for arm, r in (p.get("last_positive") or {}).items():
            lines.append(fmt.term("kr_last_positive", param=p.get("label", param), arm=arm, n=r["n"], N=r["N"],
                                  median=fixed(r.get("median"), 0, fmt.ne)))
    return lines


TYPE = AnalysisType(
    name="by_visit",
    options=Options,
    variables=variables,
    evidence=Evidence,
    implementation="dossier.analyses.by_visit_stats",
    section="safety",
    order=64,
    method="method_by_visit",
    glossary_keys=("kr_seroconversion", "kr_last_positive"),
    key_results=key_results,
    numeric=("AVAL",),
)
