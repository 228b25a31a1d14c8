"""dossier.stats.subgroups against R on public datasets shipped with R (not generated here).

Every reference number below was computed once by tests/reference/subgroups_reference.R (output kept in
tests/reference/subgroups_reference.out) from the CSV files it exports next to it: survival::veteran,
survival::colon, survival::lung, MASS::birthwt, MASS::anorexia. Each block names the R block it comes from.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dossier.errors import AnalysisError, SpecError
from dossier.stats import subgroups as sg
from dossier.stats._effects import newcombe

REF = Path(__file__).parent / "reference"
S = sg.SubgroupSpec
REL = 1e-7  # R printed 10 decimals


def data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / f"{name}.csv", keep_default_na=True)


def check(level: sg.SubgroupLevel, expected: dict[str, tuple[float, float, float]]) -> None:
    for group, (estimate, low, high) in expected.items():
        e = level.effect(group)
        assert e.estimate == pytest.approx(estimate, rel=REL)
        assert e.ci[0] == pytest.approx(low, rel=REL) and e.ci[1] == pytest.approx(high, rel=REL)


# ------------------------------------------------------------------------------ Cox (coxph, Efron)


def test_veteran_hazard_ratios_and_wald_interaction_equal_coxph():
    # R block "== cox veteran"
    r = sg.time_to_event(data("veteran"), arm="trt", reference="standard", time="time", event="status",
                         subgroups=[S("celltype"), S("age", (60,)), S("karno", (40, 60))])
    check(r.overall, {"test": (1.0179009039, 0.7143755261, 1.4503887835)})
    cell = r.subgroup("celltype")
    assert [lv.key for lv in cell.levels] == ["adeno", "large", "smallcell", "squamous"]
    expected = {"adeno": (1.2295533477, 0.5270272035, 2.8685453518), "large": (1.5356237581, 0.6917069198, 3.4091611042),
                "smallcell": (1.6520636309, 0.8629633625, 3.1627231920),
                "squamous": (0.5443813080, 0.2508294660, 1.1814840307)}
    for lv in cell.levels:
        check(lv, {"test": expected[lv.key]})
    adeno = cell.levels[0]
    assert dict(adeno.n) == {"standard": 9, "test": 18} and dict(adeno.events) == {"standard": 9, "test": 17}
    (i,) = cell.interactions
    assert (i.test, i.df) == ("wald_chisq", 3)
    assert i.statistic == pytest.approx(8.5171670679, rel=REL) and i.p == pytest.approx(0.03644937478, rel=1e-6)
    age = r.subgroup("age")
    assert [lv.key for lv in age.levels] == ["<60", ">=60"]
    check(age.levels[0], {"test": (0.7900515974, 0.4294439428, 1.4534645020)})
    check(age.levels[1], {"test": (1.1727798675, 0.7541921288, 1.8236899660)})
    assert age.interactions[0].p == pytest.approx(0.2414324982, rel=1e-6)
    karno = r.subgroup("karno")
    assert [lv.key for lv in karno.levels] == ["<40", "40-<60", ">=60"]
    check(karno.levels[1], {"test": (1.4987693160, 0.6893655932, 3.2585169388)})
    assert (karno.interactions[0].df, karno.interactions[0].statistic) == (2, pytest.approx(3.4365984379, rel=REL))
    assert r.warnings == ()


def test_colon_three_arms_each_comparison_equals_coxph_on_its_two_arms():
    # R block "== cox colon death (rx vs Obs)"; differ has 23 blanks, left out of its subgroups only
    r = sg.time_to_event(data("colon"), arm="rx", reference="Obs", time="time", event="death",
                         arms=("Obs", "Lev", "Lev+5FU"), subgroups=[S("sex"), S("age", (50, 65)), S("differ")])
    check(r.overall, {"Lev": (0.9740510708, 0.7846633865, 1.2091496874),
                      "Lev+5FU": (0.6887965428, 0.5457296104, 0.8693694979)})
    sex = r.subgroup("sex")
    check(sex.levels[1], {"Lev": (1.0333810098, 0.7765416620, 1.3751693741),
                          "Lev+5FU": (0.5188852530, 0.3654877338, 0.7366646835)})
    assert [i.p for i in sex.interactions] == [pytest.approx(0.4585419757, rel=1e-6),
                                               pytest.approx(0.04367334577, rel=1e-6)]
    age = r.subgroup("age")
    check(age.levels[1], {"Lev": (0.8700032047, 0.6159203821, 1.2289016538),
                          "Lev+5FU": (0.6059213831, 0.4102706002, 0.8948745593)})
    assert age.interactions[1].statistic == pytest.approx(1.4388087549, rel=REL)
    differ = r.subgroup("differ")
    assert [lv.key for lv in differ.levels] == ["1", "2", "3"] and differ.missing == 23
    check(differ.levels[0], {"Lev": (0.7170723164, 0.3654839161, 1.4068819016),
                             "Lev+5FU": (0.3634687398, 0.1552584216, 0.8509008621)})
    assert dict(differ.levels[0].n) == {"Obs": 27, "Lev": 37, "Lev+5FU": 29}
    assert [i.statistic for i in differ.interactions] == [pytest.approx(0.8402912611, rel=REL),
                                                          pytest.approx(2.8013404541, rel=REL)]
    assert r.warnings == ("23 subject(s) with a blank differ were left out of the differ subgroups",)


def test_level_without_subjects_in_an_arm_is_ne_with_a_warning_and_left_out_of_the_interaction():
    # lung: ph.ecog 3 has one male and no female (R block "== cox lung": R fitted on ph.ecog 0-2)
    r = sg.time_to_event(data("lung"), arm="sex", reference="male", time="time", event="event",
                         subgroups=[S("ph_ecog")])
    ecog = r.subgroup("ph_ecog")
    assert [lv.key for lv in ecog.levels] == ["0", "1", "2", "3"]
    check(ecog.levels[1], {"female": (0.5308804049, 0.3334825388, 0.8451237215)})
    three = ecog.levels[3]
    assert dict(three.n) == {"male": 1, "female": 0}
    assert three.effects[0].estimate is None and three.effects[0].ci == (None, None)
    assert ecog.interactions[0].df == 2
    assert ecog.interactions[0].statistic == pytest.approx(0.5641898124, rel=REL)
    assert "subgroup ph_ecog = '3': female vs male is NE (arm(s) 'female' have no subjects)" in r.warnings
    assert "ph_ecog interaction test (female vs male): level(s) '3' with NE were left out" in r.warnings
    assert ecog.to_evidence()["3"] == {"n": {"male": 1, "female": 0}, "events": {"male": 1, "female": 0},
                                       "estimate": None, "ci": [None, None]}


def test_arm_without_events_in_a_level_is_ne_not_a_crash():
    frame = pd.DataFrame({"arm": ["A"] * 6 + ["B"] * 6, "t": [1, 2, 3, 4, 5, 6] * 2,
                          "e": [1, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 0], "g": ["x", "x", "x", "y", "y", "y"] * 2})
    r = sg.time_to_event(frame, arm="arm", reference="A", time="t", event="e", subgroups=[S("g")])
    x, y = r.subgroup("g").levels
    assert x.effects[0].estimate is None and dict(x.events) == {"A": 2, "B": 0}
    assert y.effects[0].estimate is not None
    assert any("'B' have no events" in w for w in r.warnings)
    assert r.subgroup("g").interactions[0].p is None  # one level with an estimate: no test
    assert any("not done (fewer than two levels" in w for w in r.warnings)


def test_monotone_likelihood_gives_ne_with_a_warning():
    # every event of arm B precedes every event of arm A in level y: the Cox estimate runs off to infinity
    frame = pd.DataFrame({"arm": ["A"] * 4 + ["B"] * 4, "t": [5, 6, 7, 8, 1, 2, 3, 4],
                          "e": [1, 1, 0, 0, 1, 1, 1, 1]})
    frame["g"] = "y"
    r = sg.time_to_event(frame, arm="arm", reference="A", time="t", event="e", subgroups=[S("g")])
    assert r.overall.effects[0].estimate is None
    assert any("no finite maximum" in w for w in r.warnings)


# ------------------------------------------------------------------------------ ANCOVA (lm, emmeans)


def test_birthwt_lsmean_differences_and_interaction_f_equal_lm_and_emmeans():
    # R block "== ANCOVA birthwt bwt ~ smoke + lwt"
    r = sg.ancova(data("birthwt"), arm="smoke", reference="non-smoker", outcome="bwt", covariates=["lwt"],
                  subgroups=[S("race"), S("age", (20, 25))])
    race = r.subgroup("race")
    check(race.levels[0], {"smoker": (-565.5649198134, -842.3423558846, -288.7874837422)})
    check(race.levels[1], {"smoker": (-336.3610652444, -867.8679871098, 195.1458566210)})
    check(race.levels[2], {"smoker": (-88.8202604803, -545.6571735533, 368.0166525926)})
    (i,) = race.interactions
    assert (i.test, i.df, i.df_residual) == ("f", 2, 182)
    assert i.statistic == pytest.approx(1.7812162620, rel=REL) and i.p == pytest.approx(0.1713567111, rel=1e-6)
    age = r.subgroup("age")
    check(age.levels[0], {"smoker": (66.1699429405, -271.6710692360, 404.0109551169)})
    assert age.interactions[0].statistic == pytest.approx(2.0403286659, rel=REL)
    assert r.effect == "lsmean_difference" and r.scale == "difference"
    assert race.levels[0].events is None


def test_text_covariate_is_a_treatment_coded_factor_as_in_lm():
    # R block "== ANCOVA birthwt bwt ~ smoke + lwt + race"
    frame = data("birthwt").assign(race_text=lambda d: d["race"].map({1: "white", 2: "black", 3: "other"}))
    r = sg.ancova(frame, arm="smoke", reference="non-smoker", outcome="bwt", covariates=["lwt", "race_text"],
                  subgroups=[S("age", (20, 25))])
    age = r.subgroup("age")
    check(age.levels[0], {"smoker": (-24.0950733090, -496.4121640930, 448.2220174750)})
    check(age.levels[2], {"smoker": (-520.4712777301, -916.7683026420, -124.1742528181)})
    assert (age.interactions[0].df_residual, age.interactions[0].statistic) == (180, pytest.approx(0.5165294836,
                                                                                                  rel=REL))


def test_anorexia_three_arms_one_model_per_level_and_per_comparison_f_tests():
    # R block "== ANCOVA anorexia" (emmeans trt.vs.ctrl without multiplicity adjustment)
    r = sg.ancova(data("anorexia"), arm="treat", reference="Cont", outcome="change", covariates=["prewt"],
                  arms=("Cont", "CBT", "FT"), subgroups=[S("prewt", (80, 85))])
    levels = r.subgroup("prewt").levels
    check(levels[0], {"CBT": (0.7596185796, -5.4013349841, 6.9205721434), "FT": (3.9257669355, -3.1959201561,
                                                                                  11.0474540272)})
    check(levels[2], {"CBT": (13.1465901826, 7.5347351752, 18.7584451899), "FT": (15.2085204014, 9.1270680729,
                                                                                   21.2899727300)})
    assert dict(levels[1].n) == {"Cont": 5, "CBT": 15, "FT": 7}
    cbt, ft = r.subgroup("prewt").interactions
    assert (cbt.group, cbt.df, cbt.df_residual) == ("CBT", 2, 62)
    assert cbt.statistic == pytest.approx(5.2348833277, rel=REL) and cbt.p == pytest.approx(0.007930117518, rel=1e-6)
    assert ft.statistic == pytest.approx(3.0542110082, rel=REL) and ft.p == pytest.approx(0.05431465249, rel=1e-6)
    evidence = r.to_evidence()["prewt"]
    assert evidence["p_interaction"] == [{"group": "CBT", "reference": "Cont", "p": cbt.p},
                                         {"group": "FT", "reference": "Cont", "p": ft.p}]
    assert [c["group"] for c in evidence["<80"]["comparisons"]] == ["CBT", "FT"]
    assert set(evidence["<80"]) == {"n", "events", "comparisons"}


def test_ancova_level_with_too_few_subjects_is_ne():
    frame = pd.DataFrame({"arm": ["P", "P", "P", "D", "D", "D"], "y": [1.0, 2.0, 3.0, 2.5, 4.0, 5.0],
                          "base": [1.0, 2.0, 2.5, 1.0, 3.0, 2.0], "g": ["a", "a", "b", "a", "a", "b"]})
    r = sg.ancova(frame, arm="arm", reference="P", outcome="y", covariates=["base"], subgroups=[S("g")])
    a, b = r.subgroup("g").levels
    assert a.effects[0].estimate is not None
    assert b.effects[0].estimate is None  # 2 subjects, 3 parameters
    assert any("subgroup g = 'b': D vs P is NE (no residual degrees of freedom)" == w for w in r.warnings)


# ------------------------------------------------------------------------------ responders (Newcombe)


@pytest.mark.parametrize("cells, expected", [
    # Newcombe (1998) Stat Med 17:873-890, Table II, method 10 (published to 4 decimals), also R block
    # "== Newcombe (1998) Table II examples" (prop.test Wilson limits)
    ((56, 70, 48, 80), (0.0524314724, 0.3338726540)),
    ((9, 10, 3, 10), (0.1705227239, 0.8090179735)),
    ((5, 56, 0, 29), (-0.0381371479, 0.1925600139)),
    ((0, 10, 0, 20), (-0.1611251581, 0.2775327999)),
    ((10, 10, 0, 20), (0.6790860371, 1.0)),
])
def test_newcombe_hybrid_score_interval(cells, expected):
    _, low, high = newcombe(*cells)
    assert low == pytest.approx(expected[0], rel=REL, abs=1e-10)
    assert high == pytest.approx(expected[1], rel=REL)


def test_colon_recurrence_risk_differences_and_identity_glm_wald_interaction():
    # R blocks "== risk difference colon recurrence" and "== risk difference birthwt low"
    r = sg.risk_difference(data("colon"), arm="rx", reference="Obs", response="recurrence",
                           arms=("Obs", "Lev", "Lev+5FU"), subgroups=[S("sex"), S("age", (50, 65))])
    check(r.overall, {"Lev": (-0.0070660522, -0.0844203298, 0.0703841506),
                      "Lev+5FU": (-0.1704573935, -0.2460502800, -0.0918935088)})
    sex = r.subgroup("sex")
    check(sex.levels[1], {"Lev+5FU": (-0.2591643168, -0.3608411530, -0.1481511340)})
    assert dict(sex.levels[1].events) == {"Obs": 96, "Lev": 98, "Lev+5FU": 45}
    assert sex.interactions[1].statistic == pytest.approx(4.6384311009, rel=REL)
    assert sex.interactions[1].p == pytest.approx(0.03126357114, rel=1e-6)
    age = r.subgroup("age")
    assert [i.statistic for i in age.interactions] == [pytest.approx(0.3081524871, rel=REL),
                                                       pytest.approx(1.4811119185, rel=REL)]
    low = sg.risk_difference(data("birthwt"), arm="smoke", reference="non-smoker", response="low",
                             subgroups=[S("race")]).subgroup("race")
    check(low.levels[1], {"smoker": (0.2875, -0.0890997897, 0.5754779488)})
    assert low.interactions[0].statistic == pytest.approx(1.6730154801, rel=REL)


def test_zero_variance_level_makes_the_interaction_not_computable():
    frame = pd.DataFrame({"arm": ["A"] * 4 + ["B"] * 4, "r": [0, 0, 1, 0, 0, 0, 1, 1], "g": ["x", "x", "y", "y"] * 2})
    r = sg.risk_difference(frame, arm="arm", reference="A", response="r", subgroups=[S("g")])
    x = r.subgroup("g").levels[0]
    assert x.effects[0].estimate == 0.0 and x.effects[0].ci[0] < 0 < x.effects[0].ci[1]
    assert r.subgroup("g").interactions[0].p is None
    assert any("zero variance" in w for w in r.warnings)


# ------------------------------------------------------------------------------ levels, labels, evidence


def test_cut_points_value_on_a_cut_goes_to_the_class_above():
    values = pd.Series([64.9, 65.0, 74.99, 75.0, np.nan, 80.0])
    codes, levels = sg.classify(values, S("AGE", (65, 75)))
    assert codes.tolist() == [0, 1, 1, 2, -1, 2]
    assert levels == [("<65", None, 65.0), ("65-<75", 65.0, 75.0), (">=75", 75.0, None)]
    assert [sg.class_label(lo, hi, "en") for _, lo, hi in levels] == ["<65", "65 to <75", "≥75"]
    assert [sg.class_label(lo, hi, "ja") for _, lo, hi in levels] == ["65未満", "65以上75未満", "75以上"]
    assert sg.classify(pd.Series([1.5, 2.0]), S("X", (1.75,)))[1][0][0] == "<1.75"


def test_single_comparison_evidence_shape():
    r = sg.time_to_event(data("veteran"), arm="trt", reference="standard", time="time", event="status",
                         subgroups=[S("age", (60,))])
    evidence = r.to_evidence()
    assert list(evidence) == ["age"]
    assert list(evidence["age"]) == ["<60", ">=60", "p_interaction"]
    assert set(evidence["age"]["<60"]) == {"n", "events", "estimate", "ci"}
    assert evidence["age"]["<60"]["n"] == {"standard": 28, "test": 25}
    assert evidence["age"]["p_interaction"] == pytest.approx(0.2414324982, rel=1e-6)


def test_empty_class_is_kept_with_zero_subjects_and_ne():
    r = sg.ancova(data("birthwt"), arm="smoke", reference="non-smoker", outcome="bwt", subgroups=[S("age", (10, 20))])
    first = r.subgroup("age").levels[0]
    assert first.key == "<10" and dict(first.n) == {"non-smoker": 0, "smoker": 0}
    assert first.effects[0].estimate is None


# ------------------------------------------------------------------------------ bad input: one clear line


@pytest.mark.parametrize("cuts", [(75, 65), (65, 65), (), ("a",), (float("nan"),), (True,)])
def test_cut_points_not_increasing_is_a_spec_error(cuts):
    with pytest.raises(SpecError) as caught:
        sg.time_to_event(data("veteran"), arm="trt", reference="standard", time="time", event="status",
                         subgroups=[S("age", cuts)], name="analysis 'os'")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("analysis 'os': subgroups.age: the cut points") and "strictly increasing" in message


def test_missing_or_blank_subgroup_variable_is_an_analysis_error():
    frame = data("veteran")
    with pytest.raises(AnalysisError, match=r"^analysis 'os': variable REGION is not in the data$"):
        sg.time_to_event(frame, arm="trt", reference="standard", time="time", event="status",
                         subgroups=[S("REGION")], name="analysis 'os'")
    with pytest.raises(AnalysisError, match=r"^subgroup variable REGION is blank for every subject$"):
        sg.time_to_event(frame.assign(REGION=""), arm="trt", reference="standard", time="time", event="status",
                         subgroups=[S("REGION")])
    with pytest.raises(AnalysisError, match="has cut points but is not numeric"):
        sg.time_to_event(frame, arm="trt", reference="standard", time="time", event="status",
                         subgroups=[S("celltype", (1,))])
    with pytest.raises(AnalysisError, match="reserves for the interaction p-value"):
        sg.time_to_event(frame.assign(G=["p_interaction", "x"] * 68 + ["x"]), arm="trt", reference="standard",
                         time="time", event="status", subgroups=[S("G")])


def test_tiny_random_trials_never_crash_and_every_ne_is_explained():
    # seeded small trials with sparse levels, blank values, ties and arms missing from levels
    rng = np.random.default_rng(14)
    for trial in range(150):
        n = int(rng.integers(2, 14))
        frame = pd.DataFrame({
            "arm": rng.choice(["P", "L", "H"], n), "t": rng.integers(1, 6, n).astype(float),
            "e": rng.integers(0, 2, n), "y": rng.normal(size=n).round(1), "base": rng.normal(size=n).round(1),
            "r": rng.integers(0, 2, n), "g": rng.choice(["a", "b", "c", ""], n), "x": rng.integers(0, 100, n)})
        frame.loc[0, "g"] = "a"  # never blank for everyone
        specs = [S("g"), S("x", (30, 60))]
        common = {"arm": "arm", "reference": "P", "arms": ("P", "L", "H"), "subgroups": specs}
        for result in (sg.time_to_event(frame, time="t", event="e", **common),
                       sg.ancova(frame, outcome="y", covariates=["base"], **common),
                       sg.risk_difference(frame, response="r", **common)):
            for subgroup in result.subgroups:
                for level in subgroup.levels:
                    for effect in level.effects:
                        if effect.estimate is None:
                            prefix = f"subgroup {subgroup.variable} = {level.key!r}: {effect.group} vs P is NE ("
                            assert any(w.startswith(prefix) for w in result.warnings), (trial, prefix)
                        else:
                            assert effect.ci[0] is None or effect.ci[0] <= effect.estimate <= effect.ci[1]
                for interaction in subgroup.interactions:
                    assert interaction.p is None or 0 <= interaction.p <= 1


def test_interaction_model_without_a_finite_maximum_is_not_computable():
    # every subject of level y leaves the risk sets before any subject of level x: each level's own hazard
    # ratio exists (the arms alternate), but the level main effect of the joint model runs off to infinity
    frame = pd.DataFrame({"arm": ["A", "A", "A", "B", "B", "B"] * 2,
                          "t": [1, 3, 5, 2, 4, 6] + [10, 12, 14, 11, 13, 15],
                          "e": [1, 1, 0, 1, 1, 0] * 2, "g": ["y"] * 6 + ["x"] * 6})
    r = sg.time_to_event(frame, arm="arm", reference="A", time="t", event="e", subgroups=[S("g")])
    assert all(lv.effects[0].estimate is not None for lv in r.subgroup("g").levels)
    assert r.subgroup("g").interactions[0].p is None
    expected = ("g interaction test (B vs A): not computable (the Cox model with the interaction has no finite "
                "maximum)")
    assert r.warnings == (expected,)


def test_subjects_of_arms_not_analysed_are_not_counted_as_left_out():
    frame = pd.read_csv(REF / "veteran.csv")
    frame.loc[:4, "trt"] = "screen failure"
    r = sg.time_to_event(frame, arm="trt", reference="standard", time="time", event="status",
                         arms=("standard", "test"), subgroups=[S("age", (60,))])
    assert r.warnings == () and dict(r.overall.n) == {"standard": 64, "test": 68}
    frame.loc[10, "time"] = np.nan
    r = sg.time_to_event(frame, arm="trt", reference="standard", time="time", event="status",
                         arms=("standard", "test"), subgroups=[S("age", (60,))])
    assert r.warnings == ("1 subject(s) with a missing time or status were left out of the subgroup analyses",)
