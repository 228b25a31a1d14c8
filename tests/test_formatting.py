"""The formatting layer: rounding, percentages, p-values, labels."""

from __future__ import annotations

import datetime as dt

import pytest

from dossier.analyses.model import Count, Estimate, Fraction, MeanSD, Number, PValue, Range, Term, Text
from dossier.document.formatting import Formatter, fixed, percent, pvalue
from dossier.errors import RenderError


@pytest.mark.parametrize("value,decimals,expected", [
    (2.45, 1, "2.5"),      # half away from zero, not banker's rounding
    (2.25, 1, "2.3"),
    (-2.45, 1, "-2.5"),
    (-0.04, 1, "0.0"),     # never "-0.0"
    (0.5689, 3, "0.569"),
    (75.2093, 1, "75.2"),
    (3.0, 0, "3"),
    (None, 1, "NE"),
    (float("nan"), 2, "NE"),
])
def test_fixed(value, decimals, expected):
    assert fixed(value, decimals) == expected


def test_percent_and_pvalue():
    assert percent(65, 86) == "75.6"
    assert percent(86, 86) == "100"
    assert percent(0, 86) == "0.0"
    assert pvalue(0.0004) == "<0.001"
    assert pvalue(0.2334) == "0.233"
    assert pvalue(0.99951) == ">0.999"
    assert pvalue(None) == "NE"


def test_cells():
    f = Formatter({"not_estimable": "NE"}, "en")
    assert f.cell(Count(65, 86)) == "65 (75.6%)"
    assert f.cell(Count(7)) == "7"
    assert f.cell(MeanSD(75.2093, 8.5902, 1)) == "75.2 (8.59)"
    assert f.cell(MeanSD(3.0, None, 1)) == "3.0 (NE)"
    assert f.cell(Range(51.0, 89.0, 0)) == "51, 89"
    assert f.cell(Estimate(-0.4728, -2.09, 1.14, 1)) == "-0.5 (-2.1, 1.1)"
    assert f.cell(Estimate(None, None, None, 2)) == "NE"
    assert f.cell(PValue(0.5686)) == "0.569"
    assert f.cell(Fraction(5, 10)) == "5/10 (50.0%)"
    assert f.cell(Number(1.25, 1)) == "1.3"
    assert f.cell(None) == ""


def test_labels_translate_terms_and_keep_text_literal():
    f = Formatter({"arm_n": "{arm} (N={n})", "ci": "{level}% CI"}, "en")
    assert f.label(Term("arm_n", (("arm", "Placebo"), ("n", 86)))) == "Placebo (N=86)"
    assert f.label(Text("{arm} <b>")) == "{arm} <b>"
    with pytest.raises(RenderError, match="glossary key 'missing'"):
        f.label(Term("missing"))


def test_dates_by_language():
    day = dt.date(2026, 11, 21)
    assert Formatter({}, "en").date(day) == "21 November 2026"
    assert Formatter({}, "ja").date(day) == "2026年11月21日"


def test_fixed_formats_every_finite_double_at_every_allowed_number_of_decimals():
    """A statistic of 1e27 or more used to raise decimal.InvalidOperation (28 digits of precision): exit 3."""
    from dossier.document.formatting import fixed

    assert fixed(1.5e308, 1) == "15" + "0" * 307 + ".0"
    assert fixed(-1e27, 15) == "-1" + "0" * 27 + "." + "0" * 15
    assert fixed(2.5e-16, 15) == "0.000000000000000"
