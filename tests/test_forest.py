"""Forest plots (dossier.render.forest): rows and texts, axis scale and reference line, files, determinism, Japanese."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from dossier.errors import RenderError
from dossier.render.figures import DPI, WIDTH_CM
from dossier.render.forest import ForestLabels, draw_forest, forest_figure, forest_rows
from dossier.stats import subgroups as sg

REF = Path(__file__).parent / "reference"
S = sg.SubgroupSpec
EN = ForestLabels(overall="All subjects", subgroup="Subgroup", estimate="HR (95% CI)", x_axis="Hazard ratio",
                  p_interaction="Interaction p = {p}", count="Events/N",
                  variables={"celltype": "Cell type", "age": "Age (years)"}, favours=("Favours test", "Favours standard"))
JA = ForestLabels(overall="全体", subgroup="部分集団", estimate="ハザード比（95%信頼区間）", x_axis="ハザード比",
                  p_interaction="交互作用 p = {p}", count="イベント数/例数", variables={"celltype": "組織型", "age": "年齢（歳）"},
                  levels={("celltype", "adeno"): "腺癌"}, favours=("試験治療が良好", "標準治療が良好"))


@pytest.fixture(scope="module")
def veteran() -> sg.SubgroupAnalysis:
    return sg.time_to_event(pd.read_csv(REF / "veteran.csv"), arm="trt", reference="standard", time="time",
                            event="status", subgroups=[S("celltype"), S("age", (60,))])


@pytest.fixture(scope="module")
def anorexia() -> sg.SubgroupAnalysis:
    return sg.ancova(pd.read_csv(REF / "anorexia.csv"), arm="treat", reference="Cont", outcome="change",
                     covariates=["prewt"], subgroups=[S("prewt", (80, 85))])


def test_rows_overall_first_then_each_subgroup_heading_and_levels(veteran):
    rows = forest_rows(veteran, EN, "en")
    assert [(r.kind, r.label) for r in rows] == [
        ("overall", "All subjects"), ("heading", "Cell type"), ("level", "adeno"), ("level", "large"),
        ("level", "smallcell"), ("level", "squamous"), ("heading", "Age (years)"), ("level", "<60"), ("level", "≥60")]
    # estimates and CIs of tests/test_subgroups.py (R: coxph), two decimals, rounded half away from zero
    assert rows[0].text == "1.02 (0.71, 1.45)" and rows[0].counts == ("64/68", "64/69")
    assert rows[5].text == "0.54 (0.25, 1.18)"
    assert rows[1].text == "Interaction p = 0.036" and rows[1].counts is None
    assert rows[6].text == "Interaction p = 0.241"
    ja = forest_rows(veteran, JA, "ja")
    assert [r.label for r in ja][1:3] == ["組織型", "腺癌"] and [r.label for r in ja][7:] == ["60未満", "60以上"]


def test_ne_level_shows_ne_and_no_marker():
    lung = sg.time_to_event(pd.read_csv(REF / "lung.csv"), arm="sex", reference="male", time="time", event="event",
                            subgroups=[S("ph_ecog")])
    rows = forest_rows(lung, EN, "en")
    assert rows[-1].label == "3" and rows[-1].text == "NE" and rows[-1].counts == ("0/0", "1/1")
    fig = forest_figure(lung, EN, "en")
    plot = fig.axes[1]
    marked = {round(line.get_ydata()[0]) for line in plot.get_lines() if len(line.get_xdata()) == 1}
    assert marked == {0, 2, 3, 4}  # overall and ph.ecog 0-2; the heading (row 1) and ph.ecog 3 (row 5) have none


def test_ratio_on_a_log_axis_with_the_line_at_one_difference_linear_at_zero(veteran, anorexia):
    plot = forest_figure(veteran, EN, "en").axes[1]
    assert plot.get_xscale() == "log"
    verticals = [line.get_xdata()[0] for line in plot.get_lines() if list(line.get_xdata()) == [1.0, 1.0]]
    assert verticals == [1.0]
    lo, hi = plot.get_xlim()
    assert lo < 0.2509 and hi > 3.4092  # every CI inside (squamous lower 0.25, large upper 3.41)
    labels = ForestLabels(overall="All", subgroup="Subgroup", estimate="Difference (95% CI)",
                          x_axis="LS-mean difference", p_interaction="p = {p}", count="n")
    diff = forest_figure(anorexia, labels, "en", group="FT").axes[1]
    assert diff.get_xscale() == "linear"
    assert [line.get_xdata()[0] for line in diff.get_lines() if list(line.get_xdata()) == [0.0, 0.0]] == [0.0]
    rows = forest_rows(anorexia, labels, "en", group="FT")
    assert rows[0].counts == ("17", "26") and rows[2].label == "<80" and rows[3].label == "80 to <85"


def test_png_and_svg_at_text_width_and_byte_identical(tmp_path, veteran):
    paths = draw_forest(veteran, "forest_os", tmp_path / "a", EN, "en", title="Forest plot")
    assert [p.name for p in paths] == ["forest_os.png", "forest_os.svg"]
    with Image.open(paths[0]) as image:
        assert image.width == pytest.approx(WIDTH_CM / 2.54 * DPI, abs=2)
        assert "Software" not in image.info
    svg = paths[1].read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and "Matplotlib" not in svg
    again = draw_forest(veteran, "forest_os", tmp_path / "b", EN, "en", title="Forest plot")
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]


def test_japanese_renders_without_missing_glyphs(tmp_path, veteran):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw_forest(veteran, "forest_os", tmp_path, JA, "ja")
    assert [str(w.message) for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)] == []


def test_long_texts_are_shrunk_or_broken_to_fit_their_column(veteran):
    long = ForestLabels(overall="All", subgroup="Subgroup", estimate="Hazard ratio (95% conf. interval)",
                        x_axis="HR", p_interaction="p = {p}", count="Number of events/N",
                        variables={"celltype": "Histological type of the tumour at diagnosis, central review"})
    fig = forest_figure(veteran, long, "en")
    renderer = fig.canvas.get_renderer()
    left, right = fig.axes[0], fig.axes[2]
    heading = next(t for t in right.texts if t.get_text() == "Hazard ratio (95% conf. interval)")
    assert 5.5 <= heading.get_fontsize() < 8  # shrunk, one line
    assert heading.get_window_extent(renderer).x1 <= right.get_window_extent(renderer).x1 + 0.5
    broken = next(t for t in left.texts if t.get_text().startswith("Histological"))
    assert broken.get_text() == "Histological type of the tumour\nat diagnosis, central review"
    count_column = 0.66 - 0.21 / 2  # the first count column's left edge, in left-axes units
    box = left.get_window_extent(renderer)
    assert broken.get_window_extent(renderer).x1 <= box.x0 + count_column * box.width


def test_bad_key_and_ambiguous_comparison(tmp_path, veteran, anorexia):
    with pytest.raises(RenderError, match="not a safe file name"):
        draw_forest(veteran, "../x", tmp_path, EN, "en")
    with pytest.raises(ValueError, match="name the group"):
        forest_rows(anorexia, EN, "en")
    text = sg.time_to_event(pd.DataFrame({"arm": ["A$", "A$", "B", "B"], "t": [1, 2, 3, 4], "e": [1, 1, 1, 0],
                                          "g": ["$x^2$", "$x^2$", "$x^2$", "$x^2$"]}),
                            arm="arm", reference="A$", time="t", event="e", subgroups=[S("g")])
    fig = forest_figure(text, EN, "en")  # data text with "$" is never mathtext
    assert any(t.get_text() == "$x^2$" for t in fig.axes[0].texts)
