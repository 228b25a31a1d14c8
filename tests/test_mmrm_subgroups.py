"""`subgroups:` on the `mmrm` type: the LS-mean difference at the primary visit per level (the MMRM refitted on
the level's subjects) and the arm x subgroup interaction at the primary visit (the same MMRM with subgroup terms),
against R on data not generated here (openpharma/mmrm's fev_data; tests/reference/mmrm_subgroups_reference.R:
nlme::gls + emmeans for the unstructured covariance, lme4 + lmerTest's Satterthwaite df for compound
symmetry); small levels give NE, never a crash; the wiring in a tiny trial (evidence, tables, forest plots,
Japanese consistency)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from dossier.analyses import declared, evidence, registry, required_of
from dossier.analyses.model import Term
from dossier.config.spec import parse_spec
from dossier.data.datasets import load
from dossier.errors import SpecError
from dossier.stats import consistency as cs
from dossier.stats import mmrm
from dossier.stats import subgroups as sg
from tests.conftest import DATASETS, toy_spec

REFERENCE = Path(__file__).resolve().parent / "reference"
PD = DATASETS / "pd-aav-synthetic"


def _reference() -> list[dict]:
    with (REFERENCE / "mmrm_subgroups_reference_r.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def _fev() -> tuple[pd.DataFrame, pd.DataFrame]:
    records = pd.read_csv(REFERENCE / "mmrm_fev_data.csv")
    records = records[records["FEV1"].notna()].reset_index(drop=True)
    subjects = records.drop_duplicates("USUBJID")[["USUBJID", "ARMCD", "SEX", "RACE"]].reset_index(drop=True)
    return records, subjects


def _fev_spec(covariance: str) -> mmrm.MmrmSpec:
    return mmrm.MmrmSpec(response="FEV1", subject="USUBJID", arm="ARMCD", reference="PBO", visit="AVISIT",
                         covariates=("FEV1_BL",), covariance=covariance)


@pytest.fixture(scope="module", params=["unstructured", "compound_symmetry"])
def fev_subgroups(request):
    records, subjects = _fev()
    result = sg.mmrm(subjects, arm="ARMCD", reference="PBO", records=records, spec=_fev_spec(request.param),
                     visit="VIS4", subgroups=[sg.SubgroupSpec("SEX"), sg.SubgroupSpec("RACE")])
    return request.param, result


def test_level_differences_and_interactions_equal_r(fev_subgroups):
    covariance, result = fev_subgroups
    rows = [r for r in _reference() if r["covariance"] == covariance]
    # the unstructured fit converges to nlme's optimum within its tolerance; compound symmetry is one parameter
    tolerance = 5e-5 if covariance == "unstructured" else 1e-6
    levels = [r for r in rows if r["kind"] == "difference"]
    assert len(levels) == 5
    for r in levels:
        effect = next(lv for lv in result.subgroup(r["variable"]).levels if lv.key == r["level"]).effect()
        assert effect.estimate == pytest.approx(float(r["estimate"]), rel=tolerance)
        assert effect.se == pytest.approx(float(r["se"]), rel=tolerance)
    for r in (r for r in rows if r["kind"] == "interaction"):
        (test,) = result.subgroup(r["variable"]).interactions
        assert test.statistic == pytest.approx(float(r["statistic"]), rel=2 * tolerance)
        if covariance == "compound_symmetry":  # lmerTest: Satterthwaite (Fai-Cornelius for 3 levels) df and p
            assert test.df_residual == pytest.approx(float(r["df"]), rel=tolerance)
            assert test.p == pytest.approx(float(r["p"]), rel=tolerance)
        else:
            assert test.df == int(float(r["df"]))


def test_level_df_equal_lmertest_satterthwaite():
    """The level's difference is the MMRM of the level's subjects: its Satterthwaite df is lmerTest's."""
    records, _ = _fev()
    for r in (r for r in _reference() if r["covariance"] == "compound_symmetry" and r["kind"] == "difference"):
        fit = mmrm.fit(records[records[r["variable"]] == r["level"]], _fev_spec("compound_symmetry"))
        (d,) = [d for d in fit.differences if d.visit == "VIS4"]
        assert (d.df, d.p) == (pytest.approx(float(r["df"]), rel=1e-6), pytest.approx(float(r["p"]), rel=1e-5))


def test_overall_is_the_analysis_mmrm():
    records, subjects = _fev()
    result = sg.mmrm(subjects, arm="ARMCD", reference="PBO", records=records, spec=_fev_spec("unstructured"),
                     visit="VIS4", subgroups=[sg.SubgroupSpec("SEX")])
    (d,) = [d for d in mmrm.fit(records, _fev_spec("unstructured")).differences if d.visit == "VIS4"]
    assert result.overall.effect().estimate == d.estimate and result.overall.effect().ci == (d.ci_lower, d.ci_upper)


def test_small_levels_are_ne_never_a_crash():
    """A level with subjects of one arm only, and one too small for an unstructured MMRM: NE with a warning;
    the interaction test leaves them out (or is not done with fewer than two levels)."""
    records, subjects = _fev()
    pbo = subjects.loc[subjects["ARMCD"] == "PBO", "USUBJID"].iloc[:3].tolist()
    pair = subjects.groupby("ARMCD")["USUBJID"].nth(slice(3, 5)).tolist()  # two subjects per arm
    subjects = subjects.assign(TINY=np.where(subjects["USUBJID"].isin(pbo), "one arm",
                                             np.where(subjects["USUBJID"].isin(pair), "two per arm", "rest")))
    result = sg.mmrm(subjects, arm="ARMCD", reference="PBO", records=records, spec=_fev_spec("unstructured"),
                     visit="VIS4", subgroups=[sg.SubgroupSpec("TINY")], name="analysis 'x'")
    levels = {lv.key: lv.effect() for lv in result.subgroup("TINY").levels}
    assert levels["one arm"].estimate is None and levels["two per arm"].estimate is None
    assert levels["rest"].estimate is not None
    (test,) = result.subgroup("TINY").interactions
    assert test.p is None
    text = "\n".join(result.warnings)
    assert "subgroup TINY = 'one arm': TRT vs PBO is NE" in text and "TINY interaction test" in text


def test_interaction_with_an_empty_cell_of_another_arm_is_still_tested():
    """Three arms; one active arm has no subject in a level: the other arm's interaction is still estimable."""
    records, subjects = _fev()
    third = subjects["USUBJID"].iloc[::3]
    records = records.assign(ARMCD=np.where(records["USUBJID"].isin(third), "MID", records["ARMCD"]))
    subjects = subjects.assign(ARMCD=np.where(subjects["USUBJID"].isin(third), "MID", subjects["ARMCD"]))
    keep = ~((subjects["ARMCD"] == "MID") & (subjects["SEX"] == "Female"))
    subjects = subjects[keep].reset_index(drop=True)
    records = records[records["USUBJID"].isin(subjects["USUBJID"])]
    result = sg.mmrm(subjects, arm="ARMCD", reference="PBO", records=records, spec=_fev_spec("compound_symmetry"),
                     visit="VIS4", arms=("PBO", "MID", "TRT"), subgroups=[sg.SubgroupSpec("SEX")])
    tests = {t.group: t for t in result.subgroup("SEX").interactions}
    assert tests["MID"].p is None and tests["TRT"].p is not None  # MID has no female: one level, no test


def test_fai_cornelius_one_contrast_is_its_satterthwaite_df():
    records, _ = _fev()
    records = records.assign(SUB=records["SEX"])
    (test,) = mmrm.interaction_tests(records, _fev_spec("compound_symmetry"), "SUB", "VIS4")
    reference = next(r for r in _reference() if r["covariance"] == "compound_symmetry" and r["variable"] == "SEX"
                     and r["kind"] == "interaction")
    assert test.df == 1 and test.df_denominator == pytest.approx(float(reference["df"]), rel=1e-6)


# ------------------------------------------------------------------------------------------ yaml and wiring

ARMS = ("Sham surgery", "High dose (3e12 vg)")
MMRM = {"id": "updrs3-mmrm", "type": "mmrm", "dataset": "adqs", "param": "UPDRS3OF", "population": "EFFFL",
        "where": {"ANL01FL": "Y"}, "visits": ["Month 3", "Month 6", "Month 12"], "covariates": ["BASE"],
        "covariance": "compound_symmetry", "improvement": "decrease", "primary_visit": "Month 6",
        "subgroups": ["SEX", "REGION1"]}
JAPAN = {"variable": "COUNTRY", "value": "JPN", "region": "REGION1"}


@pytest.mark.parametrize(("change", "expected"), [
    ({"primary_visit": "Month 9"}, "analyses[1].primary_visit: 'Month 9' is not one of the analysis's visits"),
    ({"subgroups": []}, "analyses[1].primary_visit: only used by the subgroup analyses: add `subgroups:`"),
    ({"subgroups": ["SEX", "sex"]}, "analyses[1].subgroups[2]: sex is given twice"),
])
def test_mmrm_subgroup_keys_are_checked(change, expected):
    with pytest.raises(SpecError) as caught:
        toy_spec({**MMRM, **change})
    assert any(str(p).endswith(expected) for p in caught.value.problems), [str(p) for p in caught.value.problems]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The synthetic PD data of two arms, the MMRM with subgroups run through the registry."""
    folder = tmp_path_factory.mktemp("mmrm-subgroups")
    (folder / "adam").mkdir()
    adsl = pd.read_parquet(PD / "adam" / "adsl.parquet")
    adsl = adsl[adsl["TRT01P"].isin(ARMS)].reset_index(drop=True)
    adsl.to_parquet(folder / "adam" / "adsl.parquet")
    adqs = pd.read_parquet(PD / "adam" / "adqs.parquet")
    adqs[adqs["USUBJID"].isin(adsl["USUBJID"])].reset_index(drop=True).to_parquet(folder / "adam" / "adqs.parquet")
    raw = {"study": {"id": "T-1", "title": "Test"}, "product": {"name": "TP"}, "indication": "Test",
           "reference_arm": ARMS[0], "date": "2026-01-01", "analyses": [MMRM], "japanese_population": JAPAN}
    (folder / "dossier.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    spec = parse_spec(raw, folder)
    analysis = spec.analyses[0]
    result = registry.get("mmrm").run(analysis, spec, load(folder, required_of(declared(analysis, spec))))
    return folder, result


def test_evidence_is_the_engines_and_has_the_declared_shape(tiny):
    folder, result = tiny
    body = {k: v for k, v in result.evidence.items() if k not in evidence.COMMON_KEYS}
    assert evidence.problems(body, registry.get("mmrm").evidence) == []
    assert result.evidence["primary_visit"] == "Month 6"
    adqs = pd.read_parquet(folder / "adam" / "adqs.parquet")
    adsl = pd.read_parquet(folder / "adam" / "adsl.parquet")
    adsl = adsl[adsl["EFFFL"] == "Y"]
    records = adqs[(adqs["PARAMCD"] == "UPDRS3OF") & (adqs["ANL01FL"] == "Y") & adqs["DTYPE"].isin(["", None])
                   & adqs["AVISIT"].isin(MMRM["visits"]) & adqs["CHG"].notna() & adqs["BASE"].notna()]
    records = records[["USUBJID", "AVISIT", "CHG", "BASE"]].merge(adsl[["USUBJID", "TRT01A", "SEX", "REGION1",
                                                                         "COUNTRY"]], on="USUBJID")
    subjects = cs.with_japan_flag(records.drop_duplicates("USUBJID").reset_index(drop=True), "COUNTRY", "JPN")
    spec = mmrm.MmrmSpec(response="CHG", subject="USUBJID", arm="TRT01A", reference=ARMS[0], visit="AVISIT",
                         visits=tuple(MMRM["visits"]), covariates=("BASE",), covariance="compound_symmetry")
    specs = [sg.SubgroupSpec("SEX"), sg.SubgroupSpec("REGION1"), sg.SubgroupSpec(cs.JAPANESE_COLUMN)]
    engine = sg.mmrm(subjects, arm="TRT01A", reference=ARMS[0], records=records, spec=spec, visit="Month 6",
                     arms=ARMS, subgroups=specs)
    expected = engine.to_evidence()
    assert result.evidence["subgroups"] == {k: expected[k] for k in ("SEX", "REGION1")}
    consistency = cs.evaluate(engine, improvement="decrease", region="REGION1")
    assert result.evidence["japan_consistency"]["ratio"] == consistency.ratio
    main = next(c for c in result.evidence["visits"]["Month 6"]["comparisons"])
    assert engine.overall.effect().estimate == pytest.approx(main["difference"], rel=1e-12)


def test_subgroup_table_forest_and_consistency_tables(tiny):
    _, result = tiny
    tables = {t.key: t for t in result.tables}
    assert "updrs3-mmrm-subgroups" in tables
    assert Term("sg_footnote_mmrm_lsmean_difference") in tables["updrs3-mmrm-subgroups"].footnotes
    assert [f.kind for f in result.figures] == ["profile", "forest"]
    assert [t.key for t in result.consistency][:1] == ["updrs3-mmrm-japan"]


def test_glossary_has_the_mmrm_subgroup_footnote_in_both_languages():
    for lang in ("en", "ja"):
        glossary = yaml.safe_load((DATASETS.parent / "templates" / "glossary" / f"{lang}.yaml").read_text("utf-8"))
        assert glossary["sg_footnote_mmrm_lsmean_difference"] and "MMRM" in glossary["method_subgroups"]


def test_examples_put_the_subgroups_on_the_mmrm_primary():
    for name, mmrm_id, locf_id in (("hf-aav-synthetic", "lvef-mmrm", "lvef"), ("pd-aav-synthetic", "updrs3-mmrm",
                                                                                "updrs3")):
        analyses = {a["id"]: a for a in yaml.safe_load((DATASETS / name / "dossier.yaml").read_text("utf-8"))
                    ["analyses"]}
        assert analyses[mmrm_id]["subgroups"] and analyses[mmrm_id]["primary_visit"]
        assert "subgroups" not in analyses[locf_id] and "primary_visit" not in analyses[locf_id]
