"""Figures: `Figure` objects -> figures/<key>.png (200 dpi) and figures/<key>.svg.

Drawn with matplotlib's object API on the Agg backend (no pyplot state), 16 cm wide to fit
the A4 text width, Okabe-Ito colour-blind-safe colours plus distinct line styles (readable in
greyscale), the documents' fonts (Noto Sans CJK JP first for Japanese) and no timestamps or
software tags, so the same figure always gives the same bytes. The figure title is not drawn:
the document carries it in the numbered caption; it is stored as image metadata instead.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from pathlib import Path

from dossier.analyses.model import Curve, Figure, Label, Term, Text
from dossier.errors import RenderError

WIDTH_CM = 16.0
DPI = 200
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 1)), (0, (3, 1, 1, 1, 1, 1)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
FONTS = {"en": ["Liberation Sans", "Carlito", "Noto Sans CJK JP", "DejaVu Sans"],
         "ja": ["Noto Sans CJK JP", "Liberation Sans", "DejaVu Sans"]}
# title of the numbers-at-risk table: the glossary's tte_at_risk; these only serve a `labels`
# callable that does not know the key (e.g. a caller with its own small label set)
AT_RISK = {"en": "Number at risk", "ja": "リスク例数"}
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def draw_figure(figure: Figure, out_dir: Path, labels: Callable[[Label], str], lang: str) -> list[Path]:
    """Draw `figure` into `out_dir` and return the written paths ([<key>.png, <key>.svg]).

    `labels` turns Term/Text labels into display strings in the document language `lang`.
    kind "km": step curves with CI bands, censor marks and a numbers-at-risk table aligned to
    `x_ticks`; kind "profile": means with CI error bars by visit, arms dodged, a line at 0, and with
    `at_risk` the subjects contributing at each visit per arm in a table under the axis.
    """
    if not _KEY.match(figure.key) or ".." in figure.key:
        raise RenderError(f"figure key {figure.key!r} is not a safe file name")
    if figure.kind not in ("km", "profile", "forest"):
        raise RenderError(f"unknown figure kind {figure.kind!r} for figure {figure.key!r}")
    if figure.kind == "forest":
        return _draw_forest(figure, Path(out_dir), labels, lang)
    figure = _shown(figure, labels)
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure as MplFigure

    rc = {
        "font.family": FONTS.get(lang, FONTS["en"]),
        "font.size": 9,
        "axes.titlesize": 9,
        "axes.labelsize": 9,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "legend.fontsize": 8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.linewidth": 0.8,
        "svg.hashsalt": "dossier",
        "svg.fonttype": "path",
        "path.simplify": False,
        "axes.unicode_minus": lang != "ja",
        "text.parse_math": False,  # arm names and terms are data: "$" is a dollar sign, never mathtext
    }
    title = labels(figure.title)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png, svg = out_dir / f"{figure.key}.png", out_dir / f"{figure.key}.svg"
    with matplotlib.rc_context(rc):
        height = (11.5 if figure.kind == "km" else 10.5 + 0.3 * len(figure.at_risk)) if figure.at_risk else 9.0
        fig = MplFigure(figsize=(WIDTH_CM / 2.54, height / 2.54), layout="constrained")
        if figure.kind == "km":
            _draw_km(fig, figure, labels, lang)
        else:
            _draw_profile(fig, figure, labels, lang)
        typeset_powers(fig)
        fig.savefig(png, format="png", dpi=DPI, metadata={"Software": None, "Title": title})
        fig.set_layout_engine("none")  # the SVG keeps the PNG's layout instead of computing it again
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None, "Title": title})
    return [png, svg]


def typeset_powers(fig) -> None:
    """Every text of `fig` (titles, axis labels, tick labels, legend, the counts under the axis) with its
    powers of ten ("1e13" in an arm name) as 1×10¹³ (formatting.powers_unicode), as the documents print them."""
    from matplotlib.text import Text

    from dossier.document.formatting import powers_unicode

    for text in fig.findobj(Text):
        shown = text.get_text()
        typeset = powers_unicode(shown)
        if typeset != shown:
            text.set_text(typeset)


def _draw_forest(figure: Figure, out_dir: Path, labels: Callable[[Label], str], lang: str) -> list[Path]:
    """A forest plot (dossier.render.forest) with its words in the document language."""
    from dossier.render.forest import draw_forest

    f = figure.forest
    if f is None:
        raise RenderError(f"figure {figure.key!r} of kind 'forest' has nothing to draw")
    return draw_forest(f.analysis, figure.key, out_dir, _forest_words(f, labels), lang, group=f.group,
                       decimals=f.decimals, title=labels(figure.title))


def _forest_words(f, labels: Callable[[Label], str]):
    from dossier.render.forest import ForestLabels

    return ForestLabels(overall=labels(Term("sg_overall")), subgroup=labels(Term("sg_subgroup")),
                        estimate=labels(f.estimate), x_axis=labels(f.x_axis),
                        p_interaction=labels(Term("sg_p_interaction", (("p", "{p}"),))), count=labels(f.count),
                        variables={name: labels(label) for name, label in f.variables},
                        levels={key: labels(label) for key, label in f.levels}, ne=labels(Term("not_estimable")))


def figure_labels(figure: Figure, labels: Callable[[Label], str], lang: str) -> None:
    """Ask `labels` for every label `draw_figure` shows, without drawing: the build calls it in its own
    process for every figure (drawn by a worker or reused), so the texts a figure shows in another language
    are in the translation report whichever process draws it (dossier.document.labels.Terms records them)."""
    labels(figure.title)
    if figure.kind == "forest":
        if figure.forest is not None:
            _forest_words(figure.forest, labels)
        return
    _shown(figure, labels)
    labels(figure.x_label)
    labels(figure.y_label)
    if figure.at_risk:
        _at_risk_title(labels, lang, figure.at_risk_title)


def _values(values: tuple[float | None, ...]) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]


def _style(index: int) -> dict:
    return {"color": PALETTE[index % len(PALETTE)], "linestyle": LINESTYLES[index % len(LINESTYLES)]}


def _ticks(ax, figure: Figure) -> None:
    if figure.x_ticks:
        ax.set_xticks(list(figure.x_ticks))
        if figure.x_tick_labels:
            ax.set_xticklabels(list(figure.x_tick_labels))
        else:
            ax.set_xticklabels([f"{t:g}" for t in figure.x_ticks])


def _draw_km(fig, figure: Figure, labels: Callable[[Label], str], lang: str) -> None:
    arms = figure.at_risk
    if arms:
        grid = fig.add_gridspec(2, 1, height_ratios=[5.0, 0.45 + 0.3 * len(arms)])
        ax = fig.add_subplot(grid[0])
        risk = fig.add_subplot(grid[1], sharex=ax)
    else:
        ax, risk = fig.add_subplot(1, 1, 1), None
    probability = True
    for index, curve in enumerate(figure.curves):
        style = _style(index)
        x, y = list(curve.x), _values(curve.y)
        probability &= all(math.isnan(v) or -1e-9 <= v <= 1 + 1e-9 for v in y)
        ax.step(x, y, where="post", linewidth=1.4, label=curve.label, **style)
        if curve.low and curve.high and len(curve.low) == len(x) == len(curve.high):
            ax.fill_between(x, _values(curve.low), _values(curve.high), step="post", alpha=0.15,
                            color=style["color"], linewidth=0)
        if curve.censored_x:
            ax.plot(list(curve.censored_x), list(curve.censored_y), linestyle="none", marker="+",
                    markersize=6, markeredgewidth=1.0, color=style["color"])
    if probability:
        ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0 if not figure.x_ticks else min(0.0, min(figure.x_ticks)),
                right=max(figure.x_ticks) * 1.02 if figure.x_ticks else None)
    _finish_axes(ax, figure, labels)
    if risk is not None:
        _at_risk_table(risk, figure, _at_risk_title(labels, lang, figure.at_risk_title))


def _at_risk_title(labels: Callable[[Label], str], lang: str, title: Label | None = None) -> str:
    """The figure's own title of the counts under the axis, else the glossary's numbers at risk."""
    if title is not None:
        return labels(title)
    try:
        return labels(Term("tte_at_risk"))
    except (KeyError, RenderError):
        return AT_RISK.get(lang, AT_RISK["en"])


def _shown(figure: Figure, labels: Callable[[Label], str]) -> Figure:
    """`figure` with its arm names (legend, counts under the axis) and visit ticks as the document shows
    them (the trial's labels in the document language: dossier.document.labels)."""
    import dataclasses

    return dataclasses.replace(
        figure, curves=tuple(dataclasses.replace(c, label=labels(Text(c.label))) for c in figure.curves),
        at_risk=tuple((labels(Text(arm)), counts) for arm, counts in figure.at_risk),
        x_tick_labels=tuple(labels(Text(tick, "AVISIT")) for tick in figure.x_tick_labels))


def _at_risk_table(risk, figure: Figure, title: str) -> None:
    names = [arm for arm, _ in figure.at_risk]
    rows = len(names)
    for row, (arm, counts) in enumerate(figure.at_risk):
        y = rows - 1 - row
        for tick, count in zip(figure.x_ticks, counts):
            risk.text(tick, y, str(count), ha="center", va="center", fontsize=8, clip_on=False)
    risk.set_ylim(-0.6, rows - 0.4)
    risk.set_yticks(list(range(rows)))
    risk.set_yticklabels(list(reversed(names)))
    colours = {c.label: _style(i)["color"] for i, c in enumerate(figure.curves)}
    for label in risk.get_yticklabels():
        label.set_color(colours.get(label.get_text(), "black"))
    risk.tick_params(axis="both", length=0)
    risk.tick_params(axis="y", pad=10)
    risk.tick_params(axis="x", labelbottom=False)
    for spine in risk.spines.values():
        spine.set_visible(False)
    risk.set_title(title, loc="left", fontsize=8, pad=2)


def _draw_profile(fig, figure: Figure, labels: Callable[[Label], str], lang: str) -> None:
    if figure.at_risk:  # the subjects contributing at each visit, per arm, under the x axis
        grid = fig.add_gridspec(2, 1, height_ratios=[5.0, 0.45 + 0.3 * len(figure.at_risk)])
        ax = fig.add_subplot(grid[0])
        risk = fig.add_subplot(grid[1], sharex=ax)
    else:
        ax, risk = fig.add_subplot(1, 1, 1), None
    xs = sorted({x for c in figure.curves for x in c.x} | set(figure.x_ticks))
    gaps = [b - a for a, b in itertools.pairwise(xs) if b > a]
    step = min(gaps) if gaps else 1.0
    dodge = step * 0.06
    count = len(figure.curves)
    ax.axhline(0, color="0.45", linewidth=0.8, zorder=1)
    for index, curve in enumerate(figure.curves):
        _profile_curve(ax, curve, index, (index - (count - 1) / 2) * dodge)
    if xs:
        ax.set_xlim(xs[0] - step * 0.5, xs[-1] + step * 0.5)
    _finish_axes(ax, figure, labels)
    if risk is not None:
        _at_risk_table(risk, figure, _at_risk_title(labels, lang, figure.at_risk_title))


def _finish_axes(ax, figure: Figure, labels) -> None:
    """Ticks, axis labels, light horizontal grid and legend: the same on every kind of figure."""
    _ticks(ax, figure)
    ax.set_xlabel(labels(figure.x_label))
    ax.set_ylabel(labels(figure.y_label))
    ax.grid(axis="y", color="0.88", linewidth=0.6)
    ax.set_axisbelow(True)
    if figure.curves:
        ax.legend(frameon=False, loc="best")


def _profile_curve(ax, curve: Curve, index: int, offset: float) -> None:
    style = _style(index)
    x = [v + offset for v in curve.x]
    y = _values(curve.y)
    yerr = None
    if curve.low and curve.high and len(curve.low) == len(y) == len(curve.high):
        low, high = _values(curve.low), _values(curve.high)
        yerr = [[0.0 if math.isnan(a - b) else a - b for a, b in zip(y, low)],
                [0.0 if math.isnan(b - a) else b - a for a, b in zip(y, high)]]
    ax.errorbar(x, y, yerr=yerr, marker=MARKERS[index % len(MARKERS)], markersize=4, capsize=2.5,
                linewidth=1.3, elinewidth=0.9, label=curve.label, zorder=2 + index, **style)
