"""Frozen data objects passed between stages.

Analyses build `Table`s whose cells hold *raw* values (counts, means, CIs, p-values) and
labels that are either glossary terms (`Term`, translated at render time) or literal data
values (`Text`, shown as they are in the data). Only `dossier.document.formatting` turns cells into
strings, so a table in the DOCX, the PDF, the CSV and a live reference in writer's text are
formatted by the same code and cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# ---------------------------------------------------------------- labels


@dataclass(frozen=True)
class Term:
    """A glossary key (e.g. "n", "mean_sd"), translated into the document language.

    `params` fill the `{name}` fields of the glossary entry; their values may themselves be
    literal strings or numbers (numbers are formatted by the formatting layer, never here).
    """

    key: str
    params: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Text:
    """A literal value from the data or the yaml (arm name, MedDRA term), shown as it is unless `variable`
    names the data variable it came from: then the formatting layer shows it through the trial's labels
    (dossier.document.translation: yaml `labels:`, the built-in CDISC terms, a MedDRA mapping file) in the document
    language. `role` "label": `value` is the variable's label from the dataset (or its bare name); "code": a
    data value that says which codes an analysis counted (a footnote's AEREL values): shown through the labels
    with the code in brackets when its label differs from it ("関連あり（RELATED）", "Related (Y)")."""

    value: str
    variable: str | None = None
    role: str = "value"  # "value" (a data value of `variable`), "label" (the label of `variable`) or "code"


Label = Term | Text

# ---------------------------------------------------------------- cells


@dataclass(frozen=True)
class Count:
    """n, or n (pct %) when `denominator` is given (pct = 100 * n / denominator)."""

    n: int
    denominator: int | None = None


@dataclass(frozen=True)
class Number:
    """A single number shown with `decimals` decimals (None = not estimable, shown as NE)."""

    value: float | None
    decimals: int = 1


@dataclass(frozen=True)
class MeanSD:
    """mean (SD); mean shown with `decimals`, SD with decimals + 1."""

    mean: float | None
    sd: float | None
    decimals: int = 1


@dataclass(frozen=True)
class Range:
    """lo, hi (e.g. Q1, Q3 or min, max)."""

    low: float | None
    high: float | None
    decimals: int = 1


@dataclass(frozen=True)
class Estimate:
    """estimate (lo, hi): a point estimate with its confidence interval."""

    value: float | None
    low: float | None
    high: float | None
    decimals: int = 2


@dataclass(frozen=True)
class PValue:
    p: float | None


@dataclass(frozen=True)
class Fraction:
    """n/N (pct %): a responder count with its denominator."""

    n: int
    denominator: int


Cell = Term | Text | Count | Number | MeanSD | Range | Estimate | PValue | Fraction | None


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    level: int = 0  # indentation level of the first cell (0 = top, 1 = nested ...)
    emphasis: bool = False  # a group heading row (e.g. a system organ class, a visit)


@dataclass(frozen=True)
class Table:
    """A numbered evidence table. `key` is unique within the build (becomes tables/<key>.csv)."""

    key: str
    title: Label
    columns: tuple[Label, ...]
    rows: tuple[Row, ...]
    footnotes: tuple[Label, ...] = ()
    wide: bool = False  # render in a landscape section


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class Curve:
    """One arm's step function or visit profile."""

    label: str
    x: tuple[float, ...]
    y: tuple[float | None, ...]
    low: tuple[float | None, ...] = ()
    high: tuple[float | None, ...] = ()
    censored_x: tuple[float, ...] = ()  # KM: times of censoring marks
    censored_y: tuple[float, ...] = ()


@dataclass(frozen=True)
class Forest:
    """What a forest plot draws (dossier.render.forest): one comparison of a subgroup analysis and its words."""

    analysis: Any  # dossier.stats.subgroups.SubgroupAnalysis (frozen, raw numbers)
    group: str  # the arm compared with the reference
    estimate: Label  # heading of the estimate column, e.g. "HR (95% CI)"
    x_axis: Label
    count: Label  # heading of the per-arm counts, e.g. "Events/N"
    variables: tuple[tuple[str, Label], ...] = ()  # subgroup variable -> its label
    levels: tuple[tuple[tuple[str, str], Label], ...] = ()  # (variable, level key) -> its label
    decimals: int = 2


@dataclass(frozen=True)
class Figure:
    """A figure to draw: `kind` is "km" (step curves + numbers at risk), "profile" (means by visit, optionally
    with the subjects contributing at each visit under the axis) or "forest" (a forest plot of subgroup
    analyses: `forest`)."""

    key: str
    kind: str
    title: Label
    x_label: Label
    y_label: Label
    curves: tuple[Curve, ...]
    x_ticks: tuple[float, ...] = ()
    x_tick_labels: tuple[str, ...] = ()
    at_risk: tuple[tuple[str, tuple[int, ...]], ...] = ()  # (arm, counts at x_ticks): KM at risk, profile n
    at_risk_title: Label | None = None  # title of the counts under the axis (KM default: glossary tte_at_risk)
    footnotes: tuple[Label, ...] = ()
    forest: Forest | None = None


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class AnalysisResult:
    """What one analysis produced: raw statistics for evidence.json, tables, figures, warnings."""

    id: str
    type: str
    title: Label
    population: str
    arm: str
    datasets: tuple[str, ...]
    filters: tuple[tuple[str, tuple[str, ...]], ...]
    method: Term
    evidence: dict[str, Any]
    tables: tuple[Table, ...] = ()
    figures: tuple[Figure, ...] = ()
    warnings: tuple[str, ...] = ()
    groups: tuple[str, ...] = field(default=())  # arm values in display order
    consistency: tuple[Table, ...] = ()  # the Japanese consistency tables (the briefing's consistency section)
