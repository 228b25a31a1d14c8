"""Figures (dossier.render.figures): files, size, determinism, Japanese glyphs."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest
from PIL import Image

from dossier.analyses.model import Curve, Figure, Term, Text
from dossier.errors import RenderError
from dossier.render.figures import DPI, WIDTH_CM, draw_figure

LABELS = {
    "en": {"title": "Time to first event", "months": "Time since randomisation (months)",
           "prob": "Event-free probability", "visit": "Visit", "change": "Change from baseline (%)"},
    "ja": {"title": "初回イベントまでの期間", "months": "無作為化からの期間（月）", "prob": "無イベント生存率",
           "visit": "来院", "change": "ベースラインからの変化量（%）"},
}


def labeller(lang: str):
    def label(value) -> str:
        return LABELS[lang][value.key] if isinstance(value, Term) else value.value

    return label


def km_figure(arms: tuple[str, str]) -> Figure:
    def curve(name: str, hazard: float) -> Curve:
        x = tuple(float(t) for t in range(0, 25, 2))
        y = tuple(math.exp(-hazard * t) for t in x)
        return Curve(name, x, y, tuple(max(0.0, v - 0.08) for v in y), tuple(min(1.0, v + 0.08) for v in y),
                     censored_x=(5.0, 13.0), censored_y=(math.exp(-hazard * 4), math.exp(-hazard * 12)))

    return Figure("km_primary", "km", Term("title"), Term("months"), Term("prob"),
                  (curve(arms[0], 0.04), curve(arms[1], 0.08)), x_ticks=(0, 6, 12, 18, 24),
                  at_risk=((arms[0], (100, 80, 61, 40, 12)), (arms[1], (100, 66, 40, 21, 5))))


def profile_figure(arms: tuple[str, str], visits: tuple[str, ...]) -> Figure:
    curves = tuple(Curve(arm, (0, 1, 2, 3), (0.0, -0.3 - i / 10, -0.6, None), (0.0, -0.5, -0.8, None),
                         (0.0, -0.1, -0.4, None)) for i, arm in enumerate(arms))
    return Figure("profile_hba1c", "profile", Term("title"), Term("visit"), Term("change"), curves,
                  x_ticks=(0, 1, 2, 3), x_tick_labels=visits)


@pytest.mark.parametrize("kind", ["km", "profile"])
def test_png_and_svg_written_at_text_width(tmp_path, kind):
    figure = km_figure(("A", "B")) if kind == "km" else profile_figure(("A", "B"), ("BL", "W4", "W8", "W12"))
    paths = draw_figure(figure, tmp_path, labeller("en"), "en")
    assert [p.name for p in paths] == [f"{figure.key}.png", f"{figure.key}.svg"]
    with Image.open(paths[0]) as image:
        assert image.width == pytest.approx(WIDTH_CM / 2.54 * DPI, abs=2)
        assert image.info["dpi"][0] == pytest.approx(DPI, abs=1)
        assert "Software" not in image.info
    svg = paths[1].read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<dc:date>" not in svg and "Matplotlib" not in svg


@pytest.mark.parametrize("kind", ["km", "profile"])
def test_same_input_gives_identical_bytes(tmp_path, kind):
    figure = km_figure(("A", "B")) if kind == "km" else profile_figure(("A", "B"), ("BL", "W4", "W8", "W12"))
    first = [p.read_bytes() for p in draw_figure(figure, tmp_path / "a", labeller("en"), "en")]
    second = [p.read_bytes() for p in draw_figure(figure, tmp_path / "b", labeller("en"), "en")]
    assert first == second


def test_japanese_labels_render_without_missing_glyphs(tmp_path):
    arms = ("XYZ-123 10 mg", "プラセボ")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw_figure(km_figure(arms), tmp_path, labeller("ja"), "ja")
        draw_figure(profile_figure(arms, ("ベースライン", "4週", "8週", "12週")), tmp_path, labeller("ja"), "ja")
    missing = [str(w.message) for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)]
    assert missing == []
    assert (tmp_path / "km_primary.png").stat().st_size > 10_000


def test_literal_text_labels_are_not_translated(tmp_path):
    figure = km_figure(("A", "B"))
    figure = Figure(figure.key, "km", Text("Literal {title}"), Text("x"), Text("y"), figure.curves, figure.x_ticks,
                    at_risk=figure.at_risk)
    png, _ = draw_figure(figure, tmp_path, labeller("en"), "en")
    with Image.open(png) as image:
        assert image.info.get("Title") == "Literal {title}"


def test_bad_key_or_kind_is_an_error(tmp_path):
    good = km_figure(("A", "B"))
    with pytest.raises(RenderError):
        draw_figure(Figure("../escape", "km", good.title, good.x_label, good.y_label, good.curves), tmp_path,
                    labeller("en"), "en")
    with pytest.raises(RenderError):
        draw_figure(Figure("k", "pie", good.title, good.x_label, good.y_label, good.curves), tmp_path,
                    labeller("en"), "en")
    assert not list(Path(tmp_path).iterdir())


def _forest_figure() -> Figure:
    import pandas as pd

    from dossier.analyses.model import Forest
    from dossier.stats import subgroups as sg

    result = sg.time_to_event(pd.read_csv(Path(__file__).parent / "reference" / "veteran.csv"), arm="trt",
                              reference="standard", time="time", event="status",
                              subgroups=[sg.SubgroupSpec("celltype"), sg.SubgroupSpec("age", (60,))])
    forest = Forest(analysis=result, group="test", estimate=Term("estimate"), x_axis=Term("axis"),
                    count=Term("count"), variables=(("celltype", Text("Cell type", "CELLTYPE")),),
                    levels=((("celltype", "squamous"), Text("squamous", "CELLTYPE")),))
    return Figure("os-forest", "forest", Term("title", (("group", Text("test")),)), Term("axis"), Text(""), (),
                  forest=forest)


@pytest.mark.parametrize("kind", ["km", "profile", "forest"])
def test_figure_labels_asks_for_every_label_the_drawing_shows(tmp_path, kind):
    """The build asks for a figure's labels in its own process (render.figures.figure_labels), so the texts a
    figure shows in another language reach the translation report whichever process draws it: it asks for
    exactly the labels drawing asks for."""
    from dossier.render.figures import figure_labels

    figure = {"km": lambda: km_figure(("Placebo", "Drug")), "forest": _forest_figure,
              "profile": lambda: profile_figure(("Placebo", "Drug"), ("Baseline", "Week 4", "Week 8", "Week 12"))}[kind]()

    def recorder(asked: set):
        def label(value) -> str:
            asked.add(repr(value))
            return value.key if isinstance(value, Term) else value.value
        return label

    drawn, listed = set(), set()
    draw_figure(figure, tmp_path, recorder(drawn), "en")
    figure_labels(figure, recorder(listed), "en")
    assert drawn and listed == drawn
