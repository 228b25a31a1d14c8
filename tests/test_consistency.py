"""dossier.stats.consistency: MHLW 2007 Method 1 and Method 2, and Method 1's planning probability.

The estimates come from dossier.stats.subgroups on survival::colon (tests/reference/colon.csv; the hazard
ratios and risk differences quoted are R's, from tests/reference/subgroups_reference.R), with a column
standing in for the Japanese flag and one for the region; the ratios are computed by hand from R's numbers.
The planning probability is checked against a hand-computed case and a seeded Monte Carlo simulation.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dossier.errors import AnalysisError, SpecError
from dossier.stats import consistency as cs
from dossier.stats import subgroups as sg

REF = Path(__file__).parent / "reference"
S = sg.SubgroupSpec


@pytest.fixture(scope="module")
def colon() -> pd.DataFrame:
    frame = pd.read_csv(REF / "colon.csv")
    # stand-ins: "Japanese" = well differentiated tumours (differ 1), regions = the differentiation grades
    frame["REGION"] = frame["differ"].map({1: "Japan", 2: "Europe", 3: "America"})
    return cs.with_japan_flag(frame, "differ", 1)


def hazard_ratios(frame: pd.DataFrame) -> sg.SubgroupAnalysis:
    return sg.time_to_event(frame, arm="rx", reference="Obs", time="time", event="death", arms=("Obs", "Lev", "Lev+5FU"),
                            subgroups=[S(cs.JAPANESE_COLUMN), S("REGION")])


def test_method1_and_method2_for_hazard_ratios(colon):
    c = cs.evaluate(hazard_ratios(colon), improvement="decrease", region="REGION", group="Lev+5FU")
    # R: HR Japan (differ 1) 0.3634687398, overall 0.6887965428; ratio of log hazard ratios by hand
    assert c.japan.estimate == pytest.approx(0.3634687398, rel=1e-7)
    assert c.overall.estimate == pytest.approx(0.6887965428, rel=1e-7)
    assert c.ratio == pytest.approx(math.log(0.3634687398) / math.log(0.6887965428), rel=1e-7)
    assert c.ratio == pytest.approx(2.71474, abs=1e-4)
    assert c.method1 is True and c.threshold == 0.5
    # regions: HR 0.747 (differ 2), 0.739 (differ 3), 0.363 (differ 1): all below 1
    assert {r.region: r.same_direction for r in c.regions} == {"America": True, "Europe": True, "Japan": True}
    assert c.method2 is True and c.warnings == ()
    lev = cs.evaluate(hazard_ratios(colon), improvement="decrease", region="REGION", group="Lev")
    # R: Lev overall HR 0.9740510708 (favourable), Europe (differ 2) 1.0108101050 (not): Method 2 fails
    assert lev.method2 is False
    assert {r.region: r.same_direction for r in lev.regions}["Europe"] is False
    assert lev.ratio == pytest.approx(math.log(0.7170723164) / math.log(0.9740510708), rel=1e-6)
    assert lev.method1 is True


def test_threshold_decides_method1(colon):
    analysis = hazard_ratios(colon)
    ratio = cs.evaluate(analysis, improvement="decrease", group="Lev+5FU").ratio
    assert cs.evaluate(analysis, improvement="decrease", group="Lev+5FU", threshold=0.9).method1 is True
    frame = colon.assign(**{cs.JAPANESE_COLUMN: np.where(colon["differ"] == 3, "Y", "N")})
    weak = cs.evaluate(hazard_ratios(frame), improvement="decrease", group="Lev+5FU")
    # R: differ 3 HR 0.7385574509 -> ratio log(0.7386)/log(0.6888) = 0.8139: holds at 0.5, fails at 0.85
    assert weak.ratio == pytest.approx(math.log(0.7385574509) / math.log(0.6887965428), rel=1e-6)
    assert cs.evaluate(hazard_ratios(frame), improvement="decrease", group="Lev+5FU", threshold=0.85).method1 is False
    assert weak.method1 is True and ratio > 2


def test_wrong_direction_makes_both_methods_not_evaluable(colon):
    c = cs.evaluate(hazard_ratios(colon), improvement="increase", region="REGION", group="Lev+5FU")
    assert c.overall.d < 0 and c.ratio == pytest.approx(2.71474, abs=1e-4)  # the ratio does not depend on it
    assert (c.method1, c.method2) == (None, None)
    assert c.warnings[0].startswith("the overall effect is NE or does not favour the treatment")


def test_risk_difference_where_smaller_is_better(colon):
    frame = cs.with_japan_flag(colon, "sex", "M")
    frame["AGEGR"] = np.where(frame["age"] < 50, "<50", np.where(frame["age"] < 65, "50-<65", ">=65"))
    analysis = sg.risk_difference(frame, arm="rx", reference="Obs", response="recurrence",
                                  arms=("Obs", "Lev", "Lev+5FU"), subgroups=[S(cs.JAPANESE_COLUMN), S("AGEGR")])
    c = cs.evaluate(analysis, improvement="decrease", region="AGEGR", group="Lev+5FU")
    # R: RD men -0.2591643168, overall -0.1704573935
    assert c.ratio == pytest.approx(0.2591643168 / 0.1704573935, rel=1e-7)
    assert c.method1 is True and c.method2 is True
    evidence = c.to_evidence()
    assert list(evidence) == ["japan", "overall", "ratio", "threshold", "method1", "method2", "regions"]
    assert set(evidence["japan"]) == {"n", "estimate", "ci"}
    assert evidence["japan"]["n"] == {"Obs": 166, "Lev": 177, "Lev+5FU": 141}
    assert evidence["regions"][0]["region"] == "50-<65" and set(evidence["regions"][0]) == {
        "region", "n", "estimate", "ci", "same_direction"}


def test_japanese_estimate_ne_gives_no_ratio():
    frame = pd.DataFrame({"arm": ["A"] * 6 + ["B"] * 6, "y": [1.0, 2, 3, 4, 5, 6, 3, 4, 5, 6, 7, 8],
                          "JP": ["Y", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N"]})
    analysis = sg.ancova(frame, arm="arm", reference="A", outcome="y", subgroups=[S("JP")])
    c = cs.evaluate(analysis, improvement="increase", japan_variable="JP")
    assert c.japan.estimate is None and c.ratio is None and c.method1 is None
    assert "the effect in the Japanese population is NE: Method 1 is not evaluable" in c.warnings


# ------------------------------------------------------------------------------ planning probability


def test_method1_probability_hand_computed():
    # δ/σ = 3, f = 0.2, π = 0.5: 1/f - 2π + π² = 5 - 1 + 0.25 = 4.25; (1 - π) 3 / sqrt(4.25) = 0.727607;
    # Φ(0.727607) = 0.76657 (normal table: Φ(0.72) = 0.76424, Φ(0.73) = 0.76730, interpolated)
    assert cs.method1_probability(0.3, 0.1, 0.2, 0.5) == pytest.approx(0.76657, abs=5e-5)
    # every subject Japanese: D_J = D_all, Method 1 holds whenever D_all > 0: Φ(δ/σ) = Φ(2) = 0.97725
    assert cs.method1_probability(0.2, 0.1, 1.0, 0.5) == pytest.approx(0.97725, abs=5e-6)


def test_method1_probability_matches_a_seeded_simulation_of_the_ratio():
    # 200 subjects per arm, SD 1, true difference 0.3 (σ = sqrt(2/200) = 0.1, δ/σ = 3); 30 Japanese per arm
    # (f = 0.15). Simulate the arm means of the Japanese and the other subjects and count D_J / D_all > 0.5.
    rng = np.random.default_rng(20071)
    reps, per_arm, japanese, delta = 400_000, 200, 30, 0.3
    other = per_arm - japanese
    jt, jc = rng.normal(delta, 1 / math.sqrt(japanese), reps), rng.normal(0, 1 / math.sqrt(japanese), reps)
    ot, oc = rng.normal(delta, 1 / math.sqrt(other), reps), rng.normal(0, 1 / math.sqrt(other), reps)
    d_j = jt - jc
    d_all = (japanese * d_j + other * (ot - oc)) / per_arm
    simulated = float(np.mean(d_j / d_all > 0.5))
    formula = cs.method1_probability(delta, math.sqrt(2 / per_arm), japanese / per_arm, 0.5)
    assert formula == pytest.approx(0.7313, abs=1e-4)
    tolerance = 0.004  # Monte Carlo SE 0.0007, plus the D_all <= 0 cases the approximation ignores (~0.001)
    assert abs(simulated - formula) < tolerance
    # the same formula without the covariance of D_J and D_all (0.7158) is far outside the tolerance
    independent = cs.method1_probability(delta, math.sqrt(2 / per_arm), 1 / (1 / 0.15 + 1), 0.5)
    assert abs(simulated - independent) > 3 * tolerance


def test_plan_scales_the_standard_error_to_the_planned_trial(colon):
    c = cs.evaluate(hazard_ratios(colon), improvement="decrease", group="Lev+5FU")
    analysed = 315 + 304
    plan = cs.plan_method1(c, n_japan=62)
    assert plan.n_total == analysed and plan.se == pytest.approx(c.overall.se)
    assert plan.probability == pytest.approx(cs.method1_probability(c.overall.d, c.overall.se, 62 / analysed))
    bigger = cs.plan_method1(c, n_japan=124, n_total=2 * analysed)
    assert bigger.se == pytest.approx(c.overall.se / math.sqrt(2))
    assert bigger.probability > plan.probability
    assert set(plan.to_evidence()) == {"n_japan", "n_total", "threshold", "probability"}


# ------------------------------------------------------------------------------ bad input


def test_japanese_flag_selecting_nobody_is_one_clear_line(colon):
    with pytest.raises(AnalysisError) as caught:
        cs.japanese_flag(colon, "REGION", "Asia")
    assert str(caught.value) == ("japanese_population: REGION = 'Asia' selects no subject "
                                 "(values: 'America', 'Europe', 'Japan')")
    with pytest.raises(AnalysisError, match=r"^japanese_population: variable COUNTRY is not in the data$"):
        cs.japanese_flag(colon, "COUNTRY", "JPN")
    assert cs.japanese_flag(colon, "differ", 1).sum() == cs.japanese_flag(colon, "differ", "1").sum() == 93
    with pytest.raises(AnalysisError, match=r"differ = 4 selects no subject \(values: '1', '2', '3'\)$"):
        cs.japanese_flag(colon, "differ", 4)


@pytest.mark.parametrize("threshold", [1.0, -0.1, "half", True])
def test_threshold_out_of_range_is_a_spec_error(colon, threshold):
    with pytest.raises(SpecError, match="consistency_threshold must be a number from 0 up to"):
        cs.evaluate(hazard_ratios(colon), improvement="decrease", group="Lev", threshold=threshold)


def test_several_comparisons_need_a_group(colon):
    with pytest.raises(ValueError, match="name the group"):
        cs.evaluate(hazard_ratios(colon), improvement="decrease")
