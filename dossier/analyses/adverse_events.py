"""The `adverse_events` analysis type: treatment-emergent adverse events by arm (overview, SOC and PT).

Declaration (options, documents, evidence, key results); the counts and the data checks are in
dossier.analyses.adverse_events_stats.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from dossier.analyses import Variables
from dossier.analyses.evidence import Counts
from dossier.analyses.options import AnalysisOptions, DatasetOptions, setting
from dossier.analyses.registry import AnalysisType
from dossier.formatting import Formatter, percent

NEEDED = ("USUBJID", "AEBODSYS", "AEDECOD", "TRTEMFL")
OPTIONAL = ("AEREL", "AESER", "AESEV", "AEACN", "AEOUT", "AESDTH")


class Options(DatasetOptions, AnalysisOptions):
    type: Literal["adverse_events"]

    @classmethod
    def default_dataset(cls) -> str:
        return "adae"


class PreferredTerm(TypedDict):
    term: str
    counts: Counts


class SystemOrganClass(TypedDict):
    soc: str
    counts: Counts
    terms: list[PreferredTerm]


class Evidence(TypedDict):
    N: Annotated[Counts, "subjects of the population by arm (and Total)"]
    overview: Annotated[dict[str, Counts], "by category (any, related, serious, severe, discontinued, fatal: those "
                                           "collected): subjects with at least one such event, by arm"]
    soc: Annotated[list[SystemOrganClass], "subjects by system organ class and preferred term, by descending "
                                           "frequency"]


def variables(analysis: Options, trial) -> dict[str, Variables]:
    """ADSL: population and arm (optional: `<ARM>N`); ADAE: NEEDED and `where` (optional: OPTIONAL)."""
    s = setting(analysis, trial)
    records = Variables.of([*NEEDED, *(name for name, _ in s.where)], OPTIONAL)
    return {"adsl": Variables.of(["USUBJID", s.population, s.arm], [s.arm + "N"]), analysis.dataset_name: records}


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
    sakigake_default="efficacy",
    key_results=key_results,
    body_tables=1,  # the overview; the incidence by SOC and PT (long) goes to the appendix
)
