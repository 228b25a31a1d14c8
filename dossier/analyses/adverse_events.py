"""The `adverse_events` analysis type: treatment-emergent adverse events by arm (overview, SOC and PT, and the
optional tables switched on by its keys: severity or toxicity grade, relationship, serious, leading to
discontinuation, fatal, special interest, most frequent preferred terms, exposure-adjusted incidence rates).

Declaration (options, documents, evidence, key results); the counts are in dossier.analyses.adverse_events_stats
and dossier.analyses.adverse_events_tables, the exposure in dossier.analyses.exposure_stats.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired, TypedDict

from pydantic import Field

from dossier.analyses import Variables
from dossier.analyses.evidence import Counts, Interval, Number
from dossier.analyses.options import AnalysisOptions, DatasetOptions, setting
from dossier.analyses.registry import AnalysisType
from dossier.config.spec_types import _Model
from dossier.document.formatting import Formatter, percent

NEEDED = ("USUBJID", "AEBODSYS", "AEDECOD", "TRTEMFL")
OPTIONAL = ("AEREL", "AESER", "AESEV", "AEACN", "AEOUT", "AESDTH", "AETOXGR")

# AEREL values counted as related by default (compared upper case): the CDISC-style causality scales
# (RELATED / NOT RELATED; POSSIBLY / PROBABLY / DEFINITELY RELATED; POSSIBLE / PROBABLE / DEFINITE; Y / N)
RELATED = ("RELATED", "POSSIBLY RELATED", "PROBABLY RELATED", "DEFINITELY RELATED", "POSSIBLE", "PROBABLE",
           "DEFINITE", "Y", "YES")
# AEREL values known to mean "not related" (any other value not in `related` is counted as not related with a
# warning naming it)
NOT_RELATED = ("NONE", "NOT RELATED", "UNRELATED", "UNLIKELY", "UNLIKELY RELATED", "REMOTE", "N", "NO")
# the severity scales, least to most severe (values compared upper case; AETOXGR numbers as integers)
SEVERITY_LEVELS = {"AESEV": ("MILD", "MODERATE", "SEVERE"), "AETOXGR": ("1", "2", "3", "4", "5")}
DEFAULT_ACTIONS = ("DRUG WITHDRAWN",)


class Exposure(_Model):
    """Each subject's exposure in days, from ADSL: `variable` (days, e.g. TRTDURD), or `start` and `end` dates
    (days = end - start + 1, e.g. TRTSDT and TRTEDT, or TRTSDT and EOSDT for follow-up after one administration)."""

    variable: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=32)
    start: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=32)
    end: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=32)


def exposure_problems(exposure: Exposure | None, key: str = "exposure") -> list[tuple[str, str]]:
    if exposure is None:
        return []
    if exposure.variable and (exposure.start or exposure.end):
        return [(key, "give either variable (days) or start and end (dates), not both")]
    if not exposure.variable and not (exposure.start and exposure.end):
        return [(key, ("give variable (an ADSL variable in days, e.g. TRTDURD) or both start and end (ADSL dates, "
                      "e.g. TRTSDT and TRTEDT)"))]
    return []


def exposure_variables(exposure: Exposure | None) -> tuple[list[str], list[str]]:
    """(required, optional) ADSL variables of an exposure: the ones named, else TRTDURD, TRTSDT, TRTEDT optional."""
    if exposure is None:
        return [], ["TRTDURD", "TRTSDT", "TRTEDT"]
    if exposure.variable:
        return [exposure.variable.upper()], []
    return [str(exposure.start).upper(), str(exposure.end).upper()], []


class Options(DatasetOptions, AnalysisOptions):
    type: Literal["adverse_events"]
    severity: Literal["AESEV", "AETOXGR"] | None = None  # table by maximum severity / toxicity grade
    severity_levels: tuple[str | int, ...] | None = Field(default=None, min_length=1, max_length=20)
    relationship: bool = False  # table of related events
    related: tuple[str, ...] = Field(default=RELATED, min_length=1, max_length=50)
    serious: bool = False
    discontinuation: bool = False
    discontinuation_actions: tuple[str, ...] = Field(default=DEFAULT_ACTIONS, min_length=1, max_length=20)
    fatal: bool = False
    special_interest: tuple[str, ...] | dict[str, tuple[str, ...]] | None = None
    frequent: float | None = Field(default=None, gt=0, le=100)  # percent of subjects in any arm
    exposure_adjusted: bool = False
    exposure: Exposure | None = None
    sort: Literal["frequency", "alphabetical"] = "frequency"

    @classmethod
    def default_dataset(cls) -> str:
        return "adae"

    def value_problems(self) -> list[tuple[str, str]]:
        found = exposure_problems(self.exposure)
        if self.exposure is not None and not self.exposure_adjusted:
            found.append(("exposure", "only used by exposure_adjusted: true (set it, or remove exposure)"))
        if self.severity_levels is not None and self.severity is None:
            found.append(("severity_levels", "only used with severity: AESEV or AETOXGR"))
        if self.severity_levels is not None and len({str(v).upper() for v in self.severity_levels}) < len(
                self.severity_levels):
            found.append(("severity_levels", "a level is given twice"))
        if isinstance(self.special_interest, dict):
            for name, terms in self.special_interest.items():
                if not terms:
                    found.append((f"special_interest.{name}", "empty list of preferred terms"))
        elif self.special_interest is not None and not self.special_interest:
            found.append(("special_interest", "empty list of preferred terms"))
        return found + super().value_problems()

    def special_interest_groups(self) -> dict[str, tuple[str, ...]]:
        """Group name -> preferred terms; a plain list is one group per term (named by the term)."""
        if self.special_interest is None:
            return {}
        if isinstance(self.special_interest, dict):
            return {name: tuple(terms) for name, terms in self.special_interest.items()}
        return {term: (term,) for term in dict.fromkeys(self.special_interest)}


class PreferredTerm(TypedDict):
    term: str
    counts: Counts


class SystemOrganClass(TypedDict):
    soc: str
    counts: Counts
    terms: list[PreferredTerm]


class SeverityTerm(TypedDict):
    term: str
    levels: dict[str, Counts]


class SeveritySoc(TypedDict):
    soc: str
    levels: dict[str, Counts]
    terms: list[SeverityTerm]


class Severity(TypedDict):
    variable: str
    levels: list[str]
    any: dict[str, Counts]
    soc: list[SeveritySoc]


class SpecialInterest(TypedDict):
    group: str
    terms: list[str]
    counts: Counts
    by_term: dict[str, Counts]
    missing_terms: list[str]


class Frequent(TypedDict):
    threshold: float
    terms: list[PreferredTerm]


class Rate(TypedDict):
    n: int
    rate: Number
    ci: Interval


class ExposureAdjusted(TypedDict):
    definition: str
    subject_years: dict[str, float]
    subjects: Counts
    rows: dict[str, dict[str, Rate]]


class Evidence(TypedDict):
    N: Annotated[Counts, "subjects of the population by arm (and Total)"]
    overview: Annotated[dict[str, Counts], "by category (any, related, serious, severe, discontinued, fatal: those "
                                           "collected): subjects with at least one such event, by arm"]
    soc: Annotated[list[SystemOrganClass], "subjects by system organ class and preferred term, sorted as `sort` says "
                                           "(frequency: descending in the active arms, ties alphabetical)"]
    severity: NotRequired[Annotated[Severity, "with `severity:`: subjects by their worst level (AESEV or AETOXGR) "
                                              "overall, by SOC and by PT; `levels` least to most severe, then "
                                              "\"NOT RECORDED\" when some have none"]]
    related: NotRequired[Annotated[list[SystemOrganClass], "with `relationship: true`: subjects with related events "
                                                           "(AEREL in `related`) by SOC and PT"]]
    serious: NotRequired[Annotated[list[SystemOrganClass], "with `serious: true`: subjects with serious events "
                                                           "(AESER = Y) by SOC and PT"]]
    discontinued: NotRequired[Annotated[list[SystemOrganClass], "with `discontinuation: true`: subjects with events "
                                                                "whose AEACN is in `discontinuation_actions`, by SOC "
                                                                "and PT"]]
    fatal: NotRequired[Annotated[list[SystemOrganClass], "with `fatal: true`: subjects with fatal events (AEOUT = "
                                                         "FATAL or AESDTH = Y) by SOC and PT"]]
    special_interest: NotRequired[Annotated[list[SpecialInterest], "with `special_interest:`: subjects with an event "
                                                                   "of each group (any of its PTs) and of each PT; "
                                                                   "PTs not found in the data"]]
    frequent: NotRequired[Annotated[Frequent, "with `frequent:`: the PTs with at least `threshold` % of the subjects "
                                              "in any arm, by descending frequency"]]
    exposure_adjusted: NotRequired[Annotated[ExposureAdjusted, "with `exposure_adjusted: true`: the exposure in days "
                                                               "(`definition`), "
                                                               "subject-years by arm, subjects with known exposure, "
                                                               "and by row (overview categories, special-interest "
                                                               "groups, frequent PTs) and arm: subjects with an "
                                                               "event, rate per 100 subject-years and its exact "
                                                               "Poisson CI"]]


def variables(analysis: Options, trial) -> dict[str, Variables]:
    """ADSL: population and arm (optional: `<ARM>N`; the exposure with `exposure_adjusted`); ADAE: NEEDED, `where`
    and the variables of the tables asked for (optional: OPTIONAL)."""
    s = setting(analysis, trial)
    required = [*NEEDED, *(name for name, _ in s.where)]
    if analysis.severity:
        required.append(analysis.severity)
    if analysis.relationship:
        required.append("AEREL")
    if analysis.serious:
        required.append("AESER")
    if analysis.discontinuation:
        required.append("AEACN")
    records = Variables.of(required, OPTIONAL)
    exposure_required, exposure_optional = exposure_variables(analysis.exposure) if analysis.exposure_adjusted \
        else ([], [])
    adsl = Variables.of(["USUBJID", s.population, s.arm, *exposure_required], [s.arm + "N", *exposure_optional])
    return {"adsl": adsl, analysis.dataset_name: records}


def key_results(ev: dict[str, Any], fmt: Formatter, confidence: int) -> list[str]:
    """Subjects with any and with serious treatment-emergent adverse events, per arm."""
    overview = ev.get("overview", {})
    lines = []
    for arm, n in ev.get("N", {}).items():
        if arm == "Total":
            continue
        any_n = overview.get("any", {}).get(arm, 0)
        serious = overview.get("serious", {}).get(arm)
        lines.append(fmt.term("kr_teae", arm=arm, n=any_n, pct=percent(any_n, n), N=n,
                              serious=fmt.ne if serious is None else serious,
                              serious_pct=fmt.ne if serious is None else percent(serious, n)))
    return lines


TYPE = AnalysisType(
    name="adverse_events",
    options=Options,
    variables=variables,
    evidence=Evidence,
    implementation="dossier.analyses.adverse_events_stats",
    section="safety",
    order=50,
    method="method_adverse_events",
    glossary_keys=("kr_teae",),
    settings_keys=("severity/variable", "severity/levels", "frequent/threshold", "exposure_adjusted/definition"),
    sakigake_default="efficacy",
    key_results=key_results,
    body_tables=1,  # the overview; the incidence by SOC and PT (long) goes to the appendix
)
