"""The `exposure` analysis type: a summary of one exposure variable by arm (treatment duration, dose, number
of doses), from ADSL or a BDS exposure dataset (ADEX), with optional classes.

Declaration (options, documents, evidence, key results); the summary is in dossier.analyses.exposure_stats.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Literal, NotRequired, TypedDict

from pydantic import Field

from dossier.analyses import Variables
from dossier.analyses.baseline import NumericSummary
from dossier.analyses.evidence import Counts
from dossier.analyses.options import AnalysisOptions, DatasetOptions, setting
from dossier.analyses.registry import AnalysisType
from dossier.config.spec_types import LocalText

NAME = r"^[A-Za-z][A-Za-z0-9_]*$"


class Options(DatasetOptions, AnalysisOptions):
    type: Literal["exposure"]
    variable: str | None = Field(default=None, pattern=NAME, max_length=32)  # numeric; AVAL by default with `param`
    param: str | None = Field(default=None, max_length=64)  # PARAMCD of a BDS exposure dataset (ADEX)
    start: str | None = Field(default=None, pattern=NAME, max_length=32)  # dates: days = end - start + 1
    end: str | None = Field(default=None, pattern=NAME, max_length=32)
    categories: tuple[float, ...] | None = Field(default=None, min_length=1, max_length=20)  # cut points
    label: LocalText | None = None  # the variable's name in the table (default: its dataset label)
    unit: LocalText | None = None  # shown after the label, e.g. days, mg

    @classmethod
    def default_dataset(cls) -> str:
        return "adsl"

    def required_problems(self) -> list[tuple[str, str]]:
        found = []
        dates = self.start is not None or self.end is not None
        if dates and (self.variable or self.param):
            found.append(("start", "give either start and end (dates) or variable / param, not both"))
        elif dates and not (self.start and self.end):
            found.append(("end" if self.start else "start", ("start and end are given together (days = end - start "
                                                            "+ 1)")))
        elif not dates and not self.variable and not self.param:
            found.append(("variable", ("required for an exposure analysis (an ADSL variable such as TRTDURD, or "
                                      "param: for a BDS exposure dataset such as ADEX), or give start and end")))
        if self.param and self.dataset_name == "adsl":
            found.append(("dataset", ("param: selects records of a BDS exposure dataset (e.g. dataset: adex); ADSL "
                                     "has one row per subject")))
        if (self.start or self.end) and self.dataset_name != "adsl":
            found.append(("dataset", "start and end are ADSL dates (leave dataset unset)"))
        return found + super().required_problems()

    def value_problems(self) -> list[tuple[str, str]]:
        found = []
        cuts = self.categories or ()
        if any(b <= a for a, b in itertools.pairwise(cuts)):
            found.append(("categories", (f"the cut points {list(cuts)} must be numbers in strictly increasing order "
                                        "(e.g. [30, 90, 180])")))
        return found + super().value_problems()

    @property
    def parameter(self) -> str | None:
        return self.param

    @property
    def value_variable(self) -> str | None:
        """The numeric variable summarised (None for start/end dates)."""
        if self.variable:
            return self.variable.upper()
        return "AVAL" if self.param else None


class Evidence(TypedDict):
    N: Annotated[Counts, "subjects of the population by arm (and Total)"]
    variable: Annotated[str, "what is summarised: the variable (with its dataset and PARAMCD for a BDS dataset), or "
                             "'END - START + 1' for dates"]
    groups: Annotated[dict[str, NumericSummary], "by arm (and Total): n, mean, SD, median, quartiles, min, max, "
                                                 "subjects without a value"]
    categories: NotRequired[Annotated[dict[str, Counts], "with `categories:`: subjects by class (\"<30\", "
                                                         "\"30-<90\", \">=90\") and arm"]]


def variables(analysis: Options, trial) -> dict[str, Variables]:
    """ADSL: population, arm (optional `<ARM>N`) and, for ADSL exposure, the variable or the dates; a BDS
    dataset: USUBJID, PARAMCD, the variable (AVAL) and `where`."""
    s = setting(analysis, trial)
    adsl = ["USUBJID", s.population, s.arm]
    where = [name for name, _ in s.where]
    if analysis.dataset_name == "adsl":
        own = [analysis.value_variable] if analysis.value_variable else [str(analysis.start), str(analysis.end)]
        return {"adsl": Variables.of([*adsl, *own, *where], [s.arm + "N"])}
    records = Variables.of(["USUBJID", "PARAMCD", analysis.value_variable or "AVAL", *where], ["PARAM"])
    return {"adsl": Variables.of(adsl, [s.arm + "N"]), analysis.dataset_name: records}


TYPE = AnalysisType(
    name="exposure",
    options=Options,
    variables=variables,
    evidence=Evidence,
    implementation="dossier.analyses.exposure_stats",
    section="safety",
    order=45,
    method="method_exposure",
    glossary_keys=("exposure_title", "exposure_variable", "exposure_footnote", "exposure_with_unit", "exposure_dates",
                   "exposure_categories"),
    numeric=("AVAL",),
)
