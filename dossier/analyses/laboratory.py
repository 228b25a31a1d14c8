"""The `laboratory` analysis type: ADLB-style BDS parameters by visit and arm (value and change from baseline),
shifts from the baseline reference-range indicator (BNRIND) to the worst post-baseline one (ANRIND), toxicity
grade shifts (BTOXGR to the highest ATOXGR) where the dataset has them, subjects beyond yaml thresholds and an
optional Hy's-law-style combination.

Declaration (options, documents, evidence, key results); the statistics are in dossier.analyses.laboratory_stats
on the shared by-visit module dossier.analyses.bds.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired, TypedDict

from dossier.analyses import Variables
from dossier.analyses.bds_options import ParamsOptions, ThresholdsOptions
from dossier.analyses.evidence import Counts, Number
from dossier.analyses.options import AnalysisOptions, setting
from dossier.analyses.registry import AnalysisType
from dossier.document.formatting import Formatter, percent

RECORD_VARIABLES = ("USUBJID", "PARAMCD", "AVISIT", "AVAL")
OPTIONAL = ("PARAM", "PARAMN", "AVISITN", "ABLFL", "DTYPE", "BASE", "CHG", "BNRIND", "ANRIND", "BTOXGR", "ATOXGR",
            "A1HI", "A1LO", "ANRHI", "ANRLO")
HYS_LAW = ("ALT", "AST", "BILI")


class Options(ThresholdsOptions, ParamsOptions, AnalysisOptions):
    type: Literal["laboratory"]
    shift: bool = True  # the reference-range (and grade) shift tables
    hys_law: bool = False  # (ALT or AST > 3 x ULN) and BILI > 2 x ULN, over the post-baseline period

    def value_problems(self) -> list[tuple[str, str]]:
        found = []
        if self.hys_law and self.params:
            missing = [p for p in HYS_LAW if p not in self.param_codes()]
            if missing:
                found.append(("hys_law", (f"needs the parameters {', '.join(HYS_LAW)} among params (missing: "
                              f"{', '.join(missing)})")))
        return found + super().value_problems()


class Summary(TypedDict):
    n: int
    mean: Number
    sd: Number
    median: Number
    min: Number
    max: Number


class VisitSummary(TypedDict):
    value: Summary
    change: NotRequired[Summary]


class Shift(TypedDict):
    N: Annotated[int, "subjects with a baseline and at least one post-baseline indicator"]
    counts: Annotated[dict[str, dict[str, int]], "baseline category -> worst post-baseline category -> subjects"]


class Parameter(TypedDict):
    label: Annotated[str, "PARAM"]
    visits: Annotated[dict[str, dict[str, VisitSummary]], "by visit and arm: the value (AVAL) and, after baseline, "
                                                          "the change (CHG) summaries"]
    shift: NotRequired[Annotated[dict[str, Shift], "by arm: BNRIND to worst post-baseline ANRIND (LOW, NORMAL, "
                                                   "HIGH, LOW_HIGH: both low and high values)"]]
    grade_shift: NotRequired[Annotated[dict[str, Shift], "by arm: BTOXGR to the highest post-baseline ATOXGR"]]


class Threshold(TypedDict):
    param: str
    criterion: Annotated[str, "as written, e.g. > 3 x ULN"]
    counts: Annotated[Counts, "subjects with at least one post-baseline value beyond it, by arm"]
    N: Annotated[Counts, "subjects with at least one post-baseline value (and reference limit), by arm"]


class HysLaw(TypedDict):
    counts: Counts
    N: Counts


class Evidence(TypedDict):
    N: Annotated[Counts, "subjects of the population by arm"]
    params: Annotated[dict[str, Parameter], "by PARAMCD"]
    thresholds: Annotated[list[Threshold], "the yaml `thresholds`, in order"]
    hys_law: NotRequired[Annotated[HysLaw, "with `hys_law: true`: subjects with ALT or AST > 3 x ULN and BILI > "
                                           "2 x ULN (peak post-baseline values, not necessarily concurrent), by arm"]]


def variables(analysis, trial) -> dict[str, Variables]:
    """Records: RECORD_VARIABLES and `where` (optional: OPTIONAL); ADSL: population and arm."""
    s = setting(analysis, trial)
    records = Variables.of([*RECORD_VARIABLES, *(name for name, _ in s.where)], OPTIONAL)
    declared = {"adsl": Variables.of(["USUBJID", s.population, s.arm], [s.arm + "N"])}
    if analysis.dataset_name:
        declared[analysis.dataset_name] = records
    return declared


def key_results(ev: dict[str, Any], fmt: Formatter, confidence: int) -> list[str]:
    """Subjects beyond each threshold, per arm."""
    lines = []
    for t in ev.get("thresholds", []):
        for arm, n in t.get("counts", {}).items():
            N = t.get("N", {}).get(arm, 0)
            lines.append(fmt.term("kr_threshold", param=t["param"], criterion=t["criterion"], arm=arm, n=n, N=N,
                                  pct=percent(n, N)))
    return lines


TYPE = AnalysisType(
    name="laboratory",
    options=Options,
    variables=variables,
    evidence=Evidence,
    implementation="dossier.analyses.laboratory_stats",
    section="safety",
    order=60,
    method="method_laboratory",
    glossary_keys=("kr_threshold",),
    key_results=key_results,
    numeric=("AVAL",),
)
