"""The `change_from_baseline` analysis type: change from baseline of a BDS parameter by visit and arm
(descriptive statistics, ANCOVA, responders).

Declaration (options, documents, evidence, key results); the statistics and the data checks are in
dossier.analyses.change_from_baseline_stats.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired, TypedDict

from pydantic import Field

from dossier.analyses import Variables, declared_location
from dossier.analyses.evidence import (
    JAPAN_MEANING,
    SUBGROUPS_MEANING,
    Interval,
    JapanConsistency,
    Number,
    Responders,
    Subgroup,
)
from dossier.analyses.options import (
    AnalysisOptions,
    ByVisitOptions,
    EstimandOptions,
    RecordOptions,
    SubgroupsOptions,
    setting,
    subgroup_needs,
)
from dossier.analyses.registry import AnalysisType
from dossier.config.limits import MAX_ITEMS
from dossier.document.formatting import Formatter, fixed, percent
from dossier.document.highlights import ci_text, p_text

RECORD_VARIABLES = ("USUBJID", "PARAMCD", "AVISIT", "AVAL", "BASE", "CHG")
WINDOW_VARIABLES = ("ADY", "AWLO", "AWHI", "DTYPE")  # read by the analysis-window check (check_records)


class Options(ByVisitOptions, SubgroupsOptions, EstimandOptions, RecordOptions, AnalysisOptions):
    type: Literal["change_from_baseline"]
    covariates: tuple[str, ...] | None = Field(default=None, max_length=MAX_ITEMS)
    dose_response: str | None = None  # numeric ADSL/record variable coding dose, e.g. TRTPN


class ChangeSummary(TypedDict):
    n: int
    baseline_mean: Number
    baseline_sd: Number
    mean: Number
    sd: Number
    mean_change: Number
    sd_change: Number
    change_ci: Interval
    median_change: Number
    min_change: Number
    max_change: Number
    lsmean: Number
    lsmean_se: Number
    p_within: Number


class Difference(TypedDict):
    group: str
    reference: str
    difference: Number
    se: Number
    ci: Interval
    p: Number


class DoseResponse(TypedDict):
    variable: str
    slope: Number
    p: Number


class Visit(TypedDict):
    groups: dict[str, ChangeSummary]
    comparisons: list[Difference]
    dose_response: NotRequired[DoseResponse]


class Evidence(TypedDict):
    param: Annotated[str, "the PARAMCD analysed"]
    visits: Annotated[dict[str, Visit], "by visit: by arm the change summary (LS mean with a reference arm, the "
                                        "one-sample test without), the LS-mean differences vs the reference arm, "
                                        "the dose-response test when requested"]
    responders: NotRequired[Annotated[dict[str, dict[str, Responders]], "with `mcid`: by visit and arm"]]
    mcid: Annotated[float | None, "the responder threshold (yaml `mcid`)"]
    improvement: Annotated[Literal["increase", "decrease"], "the direction of improvement"]
    covariates: Annotated[list[str], "the ANCOVA covariates"]
    primary_visit: NotRequired[Annotated[str, "with `subgroups:`: the visit of the subgroup analyses (yaml "
                                              "`primary_visit`, else the last visit)"]]
    subgroups: NotRequired[Annotated[dict[str, Subgroup], "LS-mean differences at the primary visit " +
                                     SUBGROUPS_MEANING]]
    responder_subgroups: NotRequired[Annotated[dict[str, Subgroup], "with `mcid`: responders' risk differences at "
                                               "the primary visit " + SUBGROUPS_MEANING]]
    japan_consistency: NotRequired[Annotated[JapanConsistency | list[JapanConsistency], "of the LS-mean "
                                             "difference " + JAPAN_MEANING]]


def covariates_of(analysis: Options) -> tuple[str, ...]:
    chosen = analysis.covariates if analysis.covariates is not None else ("BASE",)
    return tuple(dict.fromkeys(c.upper() for c in chosen))


def variables(analysis: Options, trial) -> dict[str, Variables]:
    """Records: RECORD_VARIABLES and `where`; ADSL: population and arm. Covariates and the dose variable are
    required where their ADaM name places them (dossier.analyses.declared_location) and optional in both
    datasets: at run time the records' own column is used when present, else ADSL's. Optional too: `<ARM>N` (arm order),
    PARAM (label), AVISITN and ABLFL (visit order, post-baseline visits), and ADY, AWLO, AWHI and DTYPE
    (validation's analysis-window check). Subgroup variables, the Japanese flag and region are placed like
    the covariates."""
    s = setting(analysis, trial)
    dataset = analysis.dataset_name
    record = {*RECORD_VARIABLES, *(name for name, _ in s.where)}
    adsl = {"USUBJID", s.population, s.arm}
    extra = list(covariates_of(analysis)) + ([analysis.dose_response.upper()] if analysis.dose_response else []) + \
        subgroup_needs(analysis, trial)
    for variable in extra:
        location = declared_location(variable)
        if location == "record":
            record.add(variable)
        elif location == "adsl":
            adsl.add(variable)
    declared = {"adsl": Variables.of(adsl, [s.arm + "N", *extra])}
    if dataset:
        declared[dataset] = Variables.of(record, ["PARAM", "AVISITN", "ABLFL", *extra, *WINDOW_VARIABLES])
    return declared


def key_results(ev: dict[str, Any], fmt: Formatter, confidence: int) -> list[str]:
    """At the last analysed visit: mean change with its CI per arm, LS mean difference vs the reference,
    responders against the MCID."""
    if not ev.get("visits"):
        return []
    visit = list(ev["visits"])[-1]
    at = ev["visits"][visit]
    lines = []
    for arm, g in at.get("groups", {}).items():
        lines.append(fmt.term("kr_change", visit=visit, arm=arm, n=g.get("n", 0),
                              mean=fixed(g.get("mean_change"), 1, fmt.ne), level=confidence,
                              ci=ci_text(fmt, g.get("change_ci"), 1)))
    for c in at.get("comparisons", []):
        lines.append(fmt.term("kr_difference", visit=visit, arm=c["group"], reference=c["reference"],
                              difference=fixed(c.get("difference"), 1, fmt.ne), level=confidence,
                              ci=ci_text(fmt, c.get("ci"), 1), p=p_text(fmt, c.get("p"))))
    for arm, r in (ev.get("responders") or {}).get(visit, {}).items():
        percents = [100 * x if x is not None else None for x in r.get("ci") or [None, None]]
        lines.append(fmt.term("kr_responders", visit=visit, arm=arm, n=r.get("n", 0), N=r.get("N", 0),
                              pct=percent(r.get("n", 0), r.get("N", 0)), mcid=fixed(ev.get("mcid"), 2).rstrip("0")
                              .rstrip("."), level=confidence, ci=ci_text(fmt, percents, 1)))
    return lines


TYPE = AnalysisType(
    name="change_from_baseline",
    options=Options,
    variables=variables,
    evidence=Evidence,
    implementation="dossier.analyses.change_from_baseline_stats",
    section="efficacy",
    order=30,
    method="method_change_from_baseline",
    glossary_keys=("kr_change", "kr_difference", "kr_responders"),
    sakigake_default="efficacy",
    key_results=key_results,
    compares_arms=True,
    numeric=("AVAL", "CHG", "BASE", "CNSR"),
    settings_keys=("covariates", "mcid"),
)
