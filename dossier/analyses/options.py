"""The keys every analysis of dossier.yaml has, written once, and the mixins a type opts in to.

An analysis type's options model (declared in its module, dossier/analyses/<type>.py) derives from
`AnalysisOptions` (id, type, title, population, arm, where) and from the mixins of the cross-cutting
keys it takes, mixins first, e.g. `class Options(RecordOptions, AnalysisOptions)` for an analysis of one
parameter of a record dataset. dossier.analyses.registry joins every type's model into one union
discriminated on `type` (dossier.config.spec.Analysis). A cross-cutting key (such as `subgroups:`,
`SubgroupsOptions`, or the coming `estimand:` of efficacy types) is one mixin here, declaring its keys and their checks once; a type opts
in by listing it among its bases.

`problems()` lists what pydantic cannot say with its key path (a key required by this type, a value
that contradicts another), as (key relative to the analysis, message) pairs; dossier.config.spec reports
each under `analyses[i].<key>`. Mixins and types add theirs by overriding `required_problems()` or
`value_problems()` and adding `super()`'s (cooperative: every class of the model contributes once).
`setting()` gives the population, arm and `where` an analysis runs with (its own, else the trial's).
Light module: no pandas, numpy or statistics stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from dossier.config.limits import MAX_ITEMS
from dossier.config.spec_types import LocalText, ScalarValue, _Model

DATASET_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class AnalysisOptions(_Model):
    """The keys of every analysis type."""

    id: str = Field(pattern=r"^[a-z0-9_-]+$", max_length=64)
    type: str
    title: LocalText | None = None
    population: str | None = None
    arm: str | None = None
    where: dict[str, ScalarValue | list[ScalarValue]] = Field(default_factory=dict)

    @property
    def dataset_name(self) -> str:
        """The (lower-case) dataset whose records the analysis reads; ADSL unless the type says otherwise."""
        return "adsl"

    @property
    def parameter(self) -> str | None:
        """The PARAMCD the analysis selects, when its type selects one."""
        return None

    def problems(self) -> list[tuple[str, str]]:
        """(key, message) of each problem pydantic does not report: this type's required keys first."""
        found = self.required_problems()
        for name, values in self.where.items():
            if isinstance(values, list) and not values:
                found.append((f"where.{name}", "empty list of values: no record could match"))
        return found + self.value_problems()

    def required_problems(self) -> list[tuple[str, str]]:
        return []

    def value_problems(self) -> list[tuple[str, str]]:
        return []


def _dataset_problem(dataset: str | None) -> list[tuple[str, str]]:
    if dataset and not DATASET_NAME.fullmatch(dataset):
        return [("dataset", f"{dataset!r} is not a dataset name (the stem of a file in adam/, e.g. adtte)")]
    return []


class DatasetOptions(_Model):
    """Mixin: `dataset`, a record dataset of adam/ that has a default (the type's `default_dataset()`, e.g. adae)."""

    dataset: str | None = None

    @property
    def dataset_name(self) -> str:
        return (self.dataset or self.default_dataset()).lower()

    @classmethod
    def default_dataset(cls) -> str:
        return "adsl"

    def required_problems(self) -> list[tuple[str, str]]:
        return _dataset_problem(self.dataset) + super().required_problems()  # type: ignore[misc]


class RecordOptions(_Model):
    """Mixin: the analysis of one parameter (`param`, a PARAMCD) of a record dataset (`dataset`), both required."""

    dataset: str | None = None
    param: str | None = None

    @property
    def dataset_name(self) -> str:
        return (self.dataset or "").lower()

    @property
    def parameter(self) -> str | None:
        return self.param

    def required_problems(self) -> list[tuple[str, str]]:
        found = []
        if not self.dataset:
            found.append(("dataset", f"required for a {self.type} analysis"))  # type: ignore[attr-defined]
        if not self.param:
            found.append(("param", f"required for a {self.type} analysis"))  # type: ignore[attr-defined]
        return found + _dataset_problem(self.dataset) + super().required_problems()  # type: ignore[misc]


class Subgroup(_Model):
    """One entry of `subgroups:`: an ADSL (or record) variable used as it is, or cut into classes at `cuts`
    (`[65, 75]` gives <65, 65 to <75, >=75); `label` names it in the documents (default: the variable name);
    `levels` names its levels (a value, or a class key such as "<65", "65-<75", ">=75") per language."""

    variable: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=32)
    cuts: tuple[float, ...] | None = None
    label: LocalText | None = None
    levels: dict[str, LocalText] = Field(default_factory=dict)


def _subgroup_entry(value: Any) -> Any:
    """`SEX`, `{AGE: [65, 75]}` or `{AGE: {cuts: [65, 75], label: ..., levels: {...}}}` -> Subgroup's keys."""
    if isinstance(value, str):
        return {"variable": value}
    if isinstance(value, dict) and len(value) == 1:
        ((name, body),) = value.items()
        if isinstance(body, list):
            return {"variable": name, "cuts": body}
        if isinstance(body, dict):
            return {"variable": name, **body}
        if body is None:
            return {"variable": name}
    raise PydanticCustomError("subgroup", "a subgroup is a variable name (SEX), {VARIABLE: [cut, ...]} (AGE: [65, 75]) "
                                          "or {VARIABLE: {cuts: [...], label: ..., levels: {...}}}")


SubgroupEntry = Annotated[Subgroup, BeforeValidator(_subgroup_entry)]


class SubgroupsOptions(_Model):
    """Mixin: `subgroups:`, the subgroup analyses of an efficacy analysis (forest plot, table, interaction tests,
    and the Japanese consistency evaluation when dossier.yaml has `japanese_population:`)."""

    subgroups: tuple[SubgroupEntry, ...] = ()

    def subgroup_variables(self) -> list[str]:
        """The subgroup variables, upper case, in the yaml's order."""
        return [s.variable.upper() for s in self.subgroups]

    def value_problems(self) -> list[tuple[str, str]]:
        found = []
        seen: set[str] = set()
        for i, s in enumerate(self.subgroups, start=1):  # positions count from 1, as in every message
            if s.variable.upper() in seen:
                found.append((f"subgroups[{i}]", f"{s.variable} is given twice"))
            seen.add(s.variable.upper())
            if s.cuts is not None and (not s.cuts or any(b <= a for a, b in zip(s.cuts, s.cuts[1:]))):
                message = f"the cut points {list(s.cuts)} must be numbers in strictly increasing order (e.g. [65, 75])"
                found.append((f"subgroups[{i}].{s.variable}", message))
        return found + super().value_problems()  # type: ignore[misc]


def subgroup_needs(analysis: Any, trial: Any) -> list[str]:
    """The subject-level variables an analysis's subgroup analyses read: its subgroups and, with the trial's
    `japanese_population:`, the Japanese flag's variable and the region (upper case, without repeats)."""
    out = analysis.subgroup_variables() if getattr(analysis, "subgroups", ()) else []
    jp = getattr(trial, "japanese_population", None)
    if jp is not None and out:
        out += [jp.variable.upper()] + ([jp.region.upper()] if jp.region else [])
    return list(dict.fromkeys(out))


# ICH E9(R1) section A.3.2: the strategies for addressing intercurrent events
STRATEGIES = ("treatment_policy", "hypothetical", "composite", "while_on_treatment", "principal_stratum")
Strategy = Literal["treatment_policy", "hypothetical", "composite", "while_on_treatment", "principal_stratum"]


class IntercurrentEvent(_Model):
    """One intercurrent event of an estimand and the strategy that addresses it."""

    event: LocalText
    strategy: Strategy


class Estimand(_Model):
    """The estimand of an efficacy analysis (ICH E9(R1) A.3): its five attributes, texts per language."""

    population: LocalText
    variable: LocalText
    treatment: LocalText
    intercurrent_events: tuple[IntercurrentEvent, ...] = Field(default=(), max_length=50)
    summary: LocalText


class EstimandOptions(_Model):
    """Mixin: `estimand:`, the estimand an efficacy analysis estimates (optional); rendered as a table next to
    the analysis's own (dossier.analyses.estimand)."""

    estimand: Estimand | None = None


class ByVisitOptions(_Model):
    """Mixin: the visit keys of an efficacy analysis of a BDS parameter by visit (change_from_baseline, mmrm):
    `visits` (default: every post-baseline visit), `primary_visit` (the visit of the subgroup analyses; default
    the last analysed visit), and the responder threshold `mcid` with the direction of `improvement`."""

    visits: tuple[str, ...] = Field(default=(), max_length=MAX_ITEMS)
    primary_visit: str | None = None
    mcid: float | None = None
    improvement: Literal["increase", "decrease"] = "increase"

    def value_problems(self) -> list[tuple[str, str]]:
        found = []
        if self.primary_visit is not None and self.visits and self.primary_visit not in self.visits:
            found.append(("primary_visit", f"{self.primary_visit!r} is not one of the analysis's visits"))
        if self.primary_visit is not None and not getattr(self, "subgroups", ()):
            found.append(("primary_visit", "only used by the subgroup analyses: add `subgroups:`"))
        return found + super().value_problems()  # type: ignore[misc]


@dataclass(frozen=True)
class Setting:
    """The effective population flag, arm variable, reference arm and filters of one analysis."""

    population: str
    arm: str
    reference: str | None
    where: tuple[tuple[str, tuple[str, ...]], ...]
    confidence: float


def setting(analysis: AnalysisOptions, trial: Any) -> Setting:
    """The population flag, arm variable and `where` of `analysis`, the trial's where it sets none (written
    once for every type: dossier.config.spec.TrialSpec `population`, `arm`, `reference_arm`, `confidence_level`)."""
    where = tuple(
        (name.upper(), tuple(str(v) for v in (values if isinstance(values, list) else [values])))
        for name, values in sorted(analysis.where.items())
    )
    return Setting(
        population=(analysis.population or trial.population).upper(),
        arm=(analysis.arm or trial.arm).upper(),
        reference=trial.reference_arm,
        where=where,
        confidence=trial.confidence_level,
    )
