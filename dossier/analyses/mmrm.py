"""The `mmrm` analysis type: a mixed model for repeated measures of a BDS parameter over its post-baseline visits
(REML, one covariance matrix per subject), LS means by visit and arm and differences from the reference arm.

Declaration (options, documents, evidence, key results); the model is dossier.stats.mmrm, its wiring and the
tables and figure are in dossier.analyses.mmrm_stats.
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
from dossier.document.formatting import Formatter, fixed
from dossier.document.highlights import ci_text, p_text

RECORD_VARIABLES = ("USUBJID", "PARAMCD", "AVISIT")
# dossier.stats.covariance.STRUCTURES (tests/test_mmrm_analysis.py keeps them equal; this module stays light)
Structure = Literal["unstructured", "toeplitz", "toeplitz_heterogeneous", "ar1", "ar1_heterogeneous",
                    "compound_symmetry", "compound_symmetry_heterogeneous"]


class Options(ByVisitOptions, SubgroupsOptions, EstimandOptions, RecordOptions, AnalysisOptions):
    type: Literal["mmrm"]
    response: Literal["CHG", "AVAL"] = "CHG"
    covariates: tuple[str, ...] | None = Field(default=None, max_length=MAX_ITEMS)
    covariates_by_visit: tuple[str, ...] = Field(default=(), max_length=MAX_ITEMS)
    covariance: Structure = "unstructured"
    fallback: tuple[Structure, ...] = Field(default=(), max_length=7)
    df: Literal["satterthwaite", "kenward_roger"] = "satterthwaite"
    confidence_level: float | None = Field(default=None, gt=0.5, lt=1)
    mcid: float | None = Field(default=None, gt=0)  # the mixin's key, here required to be positive

    def value_problems(self) -> list[tuple[str, str]]:
        found = []
        chosen = {c.upper() for c in covariates_of(self)}
        for name in self.covariates_by_visit:
            if name.upper() not in chosen:
                listed = ", ".join(sorted(chosen)) or "none"
                found.append(("covariates_by_visit", f"{name!r} is not among the covariates ({listed})"))
        return found + super().value_problems()


class Group(TypedDict):
    n: int
    lsmean: Number
    se: Number
    ci: Interval


class Comparison(TypedDict):
    group: str
    reference: str
    difference: Number
    se: Number
    df: Number
    ci: Interval
    p: Number


class Visit(TypedDict):
    groups: dict[str, Group]
    comparisons: list[Comparison]


class Model(TypedDict):
    covariance: str
    converged: bool
    iterations: int
    reml_neg2loglik: Number
    n_subjects: int
    n_records: int


class Evidence(TypedDict):
    param: Annotated[str, "the PARAMCD analysed"]
    response: Annotated[Literal["CHG", "AVAL"], "the response variable modelled"]
    visits: Annotated[dict[str, Visit], "by visit: by arm the subjects contributing (n) and the LS mean with its SE "
                                        "and CI; the differences of the LS means from the reference arm with SE, "
                                        "df, CI and p"]
    model: Annotated[Model, "the fit: covariance structure used, convergence, iterations, -2 REML "
                            "log-likelihood, subjects and records analysed"]
    tried: Annotated[list[str], "the covariance structures tried, in order (the last one is used)"]
    df_method: Annotated[Literal["satterthwaite", "kenward_roger"], "the degrees-of-freedom method"]
    covariates: Annotated[list[str], "the covariates of the model"]
    covariates_by_visit: Annotated[list[str], "the covariates with a visit interaction"]
    dropped_missing_covariates: Annotated[int, "records with the response but a missing covariate (not used)"]
    responders: Annotated[dict[str, dict[str, Responders]] | None, "with `mcid`: observed responders by visit and "
                                                                   "arm"]
    mcid: Annotated[float | None, "the responder threshold (yaml `mcid`)"]
    primary_visit: NotRequired[Annotated[str, "with `subgroups:`: the visit of the subgroup analyses (yaml "
                                              "`primary_visit`, else the last visit)"]]
    subgroups: NotRequired[Annotated[dict[str, Subgroup], "LS-mean differences at the primary visit (the MMRM "
                                     "refitted on each level's subjects; interaction: F test of arm x subgroup "
                                     "at the primary visit in the MMRM with subgroup terms) " + SUBGROUPS_MEANING]]
    japan_consistency: NotRequired[Annotated[JapanConsistency | list[JapanConsistency], "of the LS-mean "
                                             "difference at the primary visit " + JAPAN_MEANING]]


def covariates_of(analysis: Options) -> tuple[str, ...]:
    chosen = analysis.covariates if analysis.covariates is not None else ("BASE",)
    return tuple(dict.fromkeys(c.upper() for c in chosen))


def variables(analysis: Options, trial) -> dict[str, Variables]:
    """Records: USUBJID, PARAMCD, AVISIT, the response, `where`; ADSL: population and arm. Covariates are
    required where their ADaM name places them and optional in both datasets (the records' column first).
    Optional: `<ARM>N` (arm order), PARAM (label), AVISITN and ABLFL (visit order, post-baseline visits), CHG
    (responders), DTYPE (derived records such as LOCF are left out). Subgroup variables, the Japanese flag and
    region are placed like the covariates."""
    s = setting(analysis, trial)
    record = {*RECORD_VARIABLES, analysis.response, *(name for name, _ in s.where)}
    adsl = {"USUBJID", s.population, s.arm}
    extra = list(dict.fromkeys([*covariates_of(analysis), *subgroup_needs(analysis, trial)]))
    for variable in extra:
        location = declared_location(variable)
        if location == "record":
            record.add(variable)
        elif location == "adsl":
            adsl.add(variable)
    return {"adsl": Variables.of(adsl, [s.arm + "N", *extra]),
            analysis.dataset_name: Variables.of(record, ["PARAM", "AVISITN", "ABLFL", "CHG", "DTYPE", *extra])}


def key_results(ev: dict[str, Any], fmt: Formatter, confidence: int) -> list[str]:
    """At the last analysed visit: the LS-mean difference of each arm from the reference (MMRM)."""
    if not ev.get("visits"):
        return []
    visit = list(ev["visits"])[-1]
    return [fmt.term("kr_mmrm", visit=visit, arm=c["group"], reference=c["reference"],
                     difference=fixed(c.get("difference"), 2, fmt.ne), level=confidence,
                     ci=ci_text(fmt, c.get("ci"), 2), p=p_text(fmt, c.get("p")))
            for c in ev["visits"][visit].get("comparisons", [])]


TYPE = AnalysisType(
    name="mmrm",
    options=Options,
    variables=variables,
    evidence=Evidence,
    implementation="dossier.analyses.mmrm_stats",
    section="efficacy",
    order=28,
    method="method_mmrm",
    glossary_keys=("kr_mmrm", "mmrm_title", "mmrm_profile_y", "mmrm_n_contributing"),
    sakigake_default="efficacy",
    key_results=key_results,
    compares_arms=True,
    numeric=("AVAL", "CHG", "BASE"),
    settings_keys=("covariates", "covariates_by_visit", "mcid", "df_method", "tried", "response"),
)
