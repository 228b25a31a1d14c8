"""Forest plots of subgroup analyses: figures/<key>.png (200 dpi) and figures/<key>.svg.

One comparison per plot: the overall estimate first (a diamond), then each subgroup variable (a heading
row carrying the interaction p-value) and its levels (squares), each with its CI as a horizontal line.
Text columns: the row label, the count per arm (events/n for time to event and responders, n otherwise)
and the estimate (CI); NE where there is no estimate. A vertical reference line marks no effect (1 on a log
axis for ratios, 0 for differences). Every word is passed in (`ForestLabels`), so the same result draws in
English and Japanese; numbers become text through dossier.document.formatting. Drawn like dossier.render.figures (Agg,
object API, the documents' fonts with Noto Sans CJK JP first for Japanese, fixed SVG hash salt, no dates or
software tags), so the same input gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dossier.document.formatting import fixed, pvalue
from dossier.errors import RenderError
from dossier.render.figures import _KEY, DPI, FONTS, PALETTE, WIDTH_CM, typeset_powers
from dossier.stats.subgroups import SubgroupAnalysis, SubgroupLevel, class_label

ROW_CM = 0.52
HEAD_CM = 1.5
FOOT_CM = 1.3
MIN_FONT = 5.5


@dataclass(frozen=True)
class ForestLabels:
    """The words of a forest plot in one language.

    `estimate`: the estimate column's heading (e.g. "HR (95% CI)"); `x_axis`: the axis label;
    `p_interaction`: the interaction text with a `{p}` field (e.g. "Interaction p = {p}"); `count`: the
    heading of the per-arm columns under the arm names (e.g. "Events/N" or "n"). `variables` and `levels`
    ((variable, level key) -> label) replace keys; classes of a cut variable default to "<65", "65 to <75",
    "≥75" (en) / "65未満", "65以上75未満", "75以上" (ja). `favours`: optional (left, right) texts under the axis.
    """

    overall: str
    subgroup: str
    estimate: str
    x_axis: str
    p_interaction: str
    count: str
    variables: Mapping[str, str] = field(default_factory=dict)
    levels: Mapping[tuple[str, str], str] = field(default_factory=dict)
    favours: tuple[str, str] | None = None
    ne: str = "NE"


@dataclass(frozen=True)
class _Row:
    label: str
    indent: bool
    counts: tuple[str, ...] | None
    estimate: float | None
    low: float | None
    high: float | None
    text: str  # estimate (CI), the interaction text or ""
    kind: str  # "overall" | "heading" | "level"


def forest_rows(analysis: SubgroupAnalysis, labels: ForestLabels, lang: str, group: str | None = None,
                decimals: int = 2) -> list[_Row]:
    """The rows of the plot, top to bottom, with their display texts (also usable as a table)."""
    group = _group(analysis, group)
    reference = analysis.reference

    def counts(level: SubgroupLevel) -> tuple[str, ...]:
        n = dict(level.n)
        if level.events is None:
            return str(n[group]), str(n[reference])
        e = dict(level.events)
        return f"{e[group]}/{n[group]}", f"{e[reference]}/{n[reference]}"

    def row(label: str, level: SubgroupLevel, kind: str) -> _Row:
        effect = level.effect(group)
        text = labels.ne if effect.estimate is None else (
            f"{fixed(effect.estimate, decimals, labels.ne)} "
            f"({fixed(effect.ci[0], decimals, labels.ne)}, {fixed(effect.ci[1], decimals, labels.ne)})")
        return _Row(label, kind == "level", counts(level), effect.estimate, effect.ci[0], effect.ci[1], text, kind)

    rows = [row(labels.overall, analysis.overall, "overall")]
    for result in analysis.subgroups:
        interaction = next(i for i in result.interactions if i.group == group)
        text = labels.p_interaction.format(p=pvalue(interaction.p, labels.ne))
        rows.append(_Row(labels.variables.get(result.variable, result.variable), False, None, None, None, None, text,
                         "heading"))
        for level in result.levels:
            default = level.key if result.cuts is None else class_label(level.low, level.high, lang)
            rows.append(row(labels.levels.get((result.variable, level.key), default), level, "level"))
    return rows


def draw_forest(analysis: SubgroupAnalysis, key: str, out_dir: Path, labels: ForestLabels, lang: str, *,
                group: str | None = None, decimals: int = 2, title: str = "") -> list[Path]:
    """Draw the forest plot of `group` vs the reference into `out_dir`; returns [<key>.png, <key>.svg].

    `group` may be omitted when the analysis has one comparison. `title` is stored as image metadata only
    (the document's numbered caption carries it).
    """
    if not _KEY.match(key) or ".." in key:
        raise RenderError(f"figure key {key!r} is not a safe file name")
    import matplotlib

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png, svg = out_dir / f"{key}.png", out_dir / f"{key}.svg"
    with matplotlib.rc_context(_rc(lang)):
        fig = forest_figure(analysis, labels, lang, group=group, decimals=decimals)
        fig.savefig(png, format="png", dpi=DPI, metadata={"Software": None, "Title": title})
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None, "Title": title})
    return [png, svg]


def forest_figure(analysis: SubgroupAnalysis, labels: ForestLabels, lang: str, *, group: str | None = None,
                  decimals: int = 2):
    """The matplotlib Figure (axes: left texts, the plot, right texts), not yet saved."""
    rows = forest_rows(analysis, labels, lang, group, decimals)
    group = _group(analysis, group)
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    foot = FOOT_CM + (0.5 if labels.favours else 0.0)
    height_cm = HEAD_CM + ROW_CM * len(rows) + foot
    with matplotlib.rc_context(_rc(lang)):
        fig = MplFigure(figsize=(WIDTH_CM / 2.54, height_cm / 2.54))
        FigureCanvasAgg(fig)  # a renderer to measure texts with
        bottom, top = foot / height_cm, 1 - HEAD_CM / height_cm
        left_text = fig.add_axes((0.0, bottom, 0.47, top - bottom))
        plot = fig.add_axes((0.48, bottom, 0.27, top - bottom))
        right_text = fig.add_axes((0.76, bottom, 0.24, top - bottom))
        for ax in (left_text, plot, right_text):
            ax.set_ylim(len(rows) - 0.5, -0.5)
        _text_columns(left_text, right_text, rows, labels, (group, analysis.reference))
        _plot(plot, rows, analysis.scale == "ratio", labels)
    return fig


# ------------------------------------------------------------------------------------------ internals


def _rc(lang: str) -> dict:
    """dossier.render.figures' settings: its fonts, a fixed SVG hash salt, glyphs as paths, data text never mathtext."""
    return {"font.family": FONTS.get(lang, FONTS["en"]), "font.size": 8, "xtick.labelsize": 7.5,
            "axes.labelsize": 8, "axes.linewidth": 0.8, "svg.hashsalt": "dossier", "svg.fonttype": "path",
            "path.simplify": False, "axes.unicode_minus": lang != "ja", "text.parse_math": False}


def _group(analysis: SubgroupAnalysis, group: str | None) -> str:
    groups = [a for a in analysis.arms if a != analysis.reference]
    if group is None:
        if len(groups) != 1:
            raise ValueError(f"several comparisons ({', '.join(groups)}): name the group to plot")
        return groups[0]
    if group not in groups:
        raise ValueError(f"{group!r} is not an arm compared with {analysis.reference!r}")
    return group


def _text_columns(left, right, rows: list[_Row], labels: ForestLabels, arms: tuple[str, str]) -> None:
    """The label and count columns (left) and the estimate column (right); texts wider than their column
    are drawn smaller (down to MIN_FONT), so long arm names and Japanese headings stay inside."""
    for ax in (left, right):
        ax.set_xlim(0, 1)
        ax.axis("off")
    count_x, count_width = (0.66, 0.88), 0.21
    label_width = count_x[0] - count_width / 2 - 0.02
    header = -1.15
    fits: list[tuple] = [(left.text(0.0, header, labels.subgroup, ha="left", va="bottom", fontweight="bold",
                                    clip_on=False), left, label_width)]
    for x, arm in zip(count_x, arms):
        fits.append((left.text(x, header - 0.6, arm, ha="center", va="bottom", fontweight="bold", clip_on=False),
                     left, count_width))
        fits.append((left.text(x, header, labels.count, ha="center", va="bottom", clip_on=False), left, count_width))
    fits.append((right.text(0.04, header, labels.estimate, ha="left", va="bottom", fontweight="bold", clip_on=False),
                 right, 0.95))
    for y, r in enumerate(rows):
        weight = "bold" if r.kind in ("overall", "heading") else "normal"
        x = 0.05 if r.indent else 0.0
        fits.append((left.text(x, y, r.label, ha="left", va="center", fontweight=weight), left, label_width - x))
        if r.counts is not None:
            for cx, text in zip(count_x, r.counts):
                fits.append((left.text(cx, y, text, ha="center", va="center"), left, count_width))
        fits.append((right.text(0.04, y, r.text, ha="left", va="center",
                                fontstyle="italic" if r.kind == "heading" and r.text.isascii() else "normal"),
                     right, 0.95))  # Japanese is never set in italic (no oblique Japanese)
    typeset_powers(left.figure)  # before the texts are fitted to their columns: 1×10¹³ is wider than 1e13
    renderer = left.figure.canvas.get_renderer()
    for artist, ax, width in fits:
        _fit(artist, width * ax.get_window_extent(renderer).width, renderer)


def _fit(artist, available: float, renderer) -> None:
    """Shrink `artist`'s font until it fits `available` pixels; at MIN_FONT, break it into two lines (at the
    space nearest the middle, or the middle character for text without spaces) and shrink again."""
    size = artist.get_fontsize()
    for attempt in range(2):
        while artist.get_window_extent(renderer).width > available and artist.get_fontsize() > MIN_FONT:
            artist.set_fontsize(artist.get_fontsize() - 0.5)
        text = artist.get_text()
        if attempt or artist.get_window_extent(renderer).width <= available or "\n" in text or len(text) < 2:
            return
        spaces = [i for i, c in enumerate(text) if c == " "]
        cut = min(spaces, key=lambda i: abs(i - len(text) / 2)) if spaces else len(text) // 2
        artist.set_text(text[:cut].rstrip() + "\n" + text[cut:].lstrip())
        artist.set_fontsize(size)


def _plot(ax, rows: list[_Row], ratio: bool, labels: ForestLabels) -> None:
    finite = [v for r in rows for v in (r.estimate, r.low, r.high) if v is not None and math.isfinite(v)
              and (v > 0 or not ratio)]
    null = 1.0 if ratio else 0.0
    if ratio:
        ax.set_xscale("log")
        lo, hi = min(finite + [null]), max(finite + [null])
        pad = (math.log(hi) - math.log(lo)) * 0.06 or 0.1
        ax.set_xlim(math.exp(math.log(lo) - pad), math.exp(math.log(hi) + pad))
        ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if lo <= t <= hi or t == 1]
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{t:g}" for t in ticks])
        ax.minorticks_off()
    else:
        lo, hi = min(finite + [null]), max(finite + [null])
        pad = (hi - lo) * 0.06 or 0.1
        ax.set_xlim(lo - pad, hi + pad)
    ax.axvline(null, color="0.35", linewidth=0.8, zorder=1)
    colour = PALETTE[0]
    for y, r in enumerate(rows):
        if r.estimate is None or r.kind == "heading":
            continue
        if r.low is not None and r.high is not None:
            ax.plot([r.low, r.high], [y, y], color=colour, linewidth=1.1, solid_capstyle="butt", zorder=2)
        if r.kind == "overall":
            ax.plot([r.estimate], [y], marker="D", markersize=6, color="black", zorder=3)
        else:
            ax.plot([r.estimate], [y], marker="s", markersize=4.5, color=colour, zorder=3)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([])
    ax.set_xlabel(labels.x_axis)
    if labels.favours:  # under the axis label, a fixed distance below the axis whatever the number of rows
        for x, text, ha in ((0.0, labels.favours[0], "left"), (1.0, labels.favours[1], "right")):
            ax.annotate(text, xy=(x, 0), xycoords="axes fraction", xytext=(0, -31), textcoords="offset points",
                        ha=ha, va="top", fontsize=7)
