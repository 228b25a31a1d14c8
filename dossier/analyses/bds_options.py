"""The yaml keys of the by-visit BDS analysis types (laboratory, vital_signs, by_visit), written once.

`ParamsOptions` is the mixin of an analysis of several parameters (`params`, PARAMCDs) of one record dataset
(`dataset`) by visit (`visits`); `ThresholdsOptions` adds `thresholds:` (subjects with a post-baseline value
beyond a limit). A threshold is a text such as "> 3 x ULN", ">= 160" or "< 0.5 x LLN" (ULN/LLN: the record's
upper/lower limit of the reference range), a list of such texts, or `{high: 160, low: 90}` (high: value >= 160,
low: value <= 90). Light module: no pandas, numpy or statistics stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import Field

from dossier.analyses.options import _dataset_problem
from dossier.config.limits import MAX_ITEMS
from dossier.config.spec_types import _Model

THRESHOLD = re.compile(r"^\s*(>=|<=|>|<)\s*([0-9]+(?:\.[0-9]+)?)\s*(?:(?:x|X|\*|×)\s*(ULN|LLN|uln|lln))?\s*$")
OPERATORS = (">=", "<=", ">", "<")


class HighLow(_Model):
    """`{high: 160, low: 90}`: a value >= high is high, a value <= low is low."""

    high: float | None = None
    low: float | None = None


@dataclass(frozen=True)
class Criterion:
    """One threshold: `value <op> limit` or `value <op> limit x ULN|LLN` (the record's reference range)."""

    param: str
    op: str
    limit: float
    reference: str | None  # "ULN", "LLN" or None (an absolute limit)

    @property
    def text(self) -> str:
        limit = f"{self.limit:g}"
        return f"{self.op} {limit} x {self.reference}" if self.reference else f"{self.op} {limit}"


def parse_threshold(param: str, text: str) -> Criterion | None:
    """The Criterion of one threshold text, None when it does not read as one."""
    m = THRESHOLD.match(str(text))
    if m is None:
        return None
    return Criterion(param.upper(), m.group(1), float(m.group(2)), m.group(3).upper() if m.group(3) else None)


class ParamsOptions(_Model):
    """Mixin: several parameters (`params`, PARAMCDs; empty: every parameter of the dataset) of the record dataset
    `dataset` (required), by visit (`visits`; empty: baseline and every post-baseline visit)."""

    dataset: str | None = None
    params: tuple[str, ...] = Field(default=(), max_length=MAX_ITEMS)
    visits: tuple[str, ...] = Field(default=(), max_length=MAX_ITEMS)

    @property
    def dataset_name(self) -> str:
        return (self.dataset or "").lower()

    def required_problems(self) -> list[tuple[str, str]]:
        found = []
        if not self.dataset:
            found.append(("dataset", f"required for a {self.type} analysis"))  # type: ignore[attr-defined]
        for i, p in enumerate(self.params, start=1):
            if not str(p).strip():
                found.append((f"params[{i}]", "empty parameter code"))
        seen = [p.upper() for p in self.params]
        for p in sorted({p for p in seen if seen.count(p) > 1}):
            found.append(("params", f"{p} is given twice"))
        return found + _dataset_problem(self.dataset) + super().required_problems()  # type: ignore[misc]

    def param_codes(self) -> list[str]:
        return [p.upper() for p in self.params]


class ThresholdsOptions(_Model):
    """Mixin: `thresholds:` {PARAMCD: "> 3 x ULN" | [texts] | {high, low}}."""

    thresholds: dict[str, str | list[str] | HighLow] = Field(default_factory=dict, max_length=MAX_ITEMS)

    def criteria(self) -> list[Criterion]:
        """Every threshold as a Criterion, in the yaml's order (unreadable ones left out: value_problems says)."""
        out: list[Criterion] = []
        for param, body in self.thresholds.items():
            if isinstance(body, HighLow):
                if body.high is not None:
                    out.append(Criterion(param.upper(), ">=", float(body.high), None))
                if body.low is not None:
                    out.append(Criterion(param.upper(), "<=", float(body.low), None))
                continue
            for text in [body] if isinstance(body, str) else body:
                c = parse_threshold(param, text)
                if c is not None:
                    out.append(c)
        return out

    def value_problems(self) -> list[tuple[str, str]]:
        found = []
        params = [p.upper() for p in getattr(self, "params", ())]
        for param, body in self.thresholds.items():
            if params and param.upper() not in params:
                from dossier.config.yaml_lines import did_you_mean

                found.append((f"thresholds.{param}", (f"{param!r} is not one of the analysis's params"
                              f"{did_you_mean(param.upper(), params)}")))
            if isinstance(body, HighLow):
                if body.high is None and body.low is None:
                    found.append((f"thresholds.{param}", "give high, low or both, e.g. {high: 160, low: 90}"))
                continue
            for text in [body] if isinstance(body, str) else body:
                if parse_threshold(param, text) is None:
                    found.append((f"thresholds.{param}", (f"{text!r} is not a threshold: write e.g. '> 3 x ULN', "
                                  "'>= 160' or '< 0.5 x LLN'")))
        return found + super().value_problems()  # type: ignore[misc]
