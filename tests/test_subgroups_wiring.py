"""`subgroups:` and `japanese_population:` in a build: yaml checks with key paths, one-line errors for bad data,
the evidence shape, forest figures and tables in both languages, the consistency section, and the documents'
numbers equal to the engines' (dossier.stats.subgroups and .consistency, themselves tested against R in
tests/test_subgroups.py and tests/test_consistency.py)."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pandas as pd
import pytest
import yaml

from dossier.analyses import evidence, registry
from dossier.document.formatting import fixed
from dossier.errors import SpecError
from dossier.stats import consistency as cs
from dossier.stats import subgroups as sg
from tests.conftest import DATASETS, run_cli, toy_spec

PD = DATASETS / "pd-aav-synthetic"
ARMS = ("Sham surgery", "High dose (3e12 vg)")
TTE = {"id": "tte", "type": "time_to_event", "dataset": "adtte", "param": "TTLEDDI",
       "subgroups": ["SEX", {"AGE": {"cuts": [60], "label": {"en": "Age", "ja": "年齢"}}}]}
CFB = {"id": "updrs3", "type": "change_from_baseline", "dataset": "adqs", "param": "UPDRS3OF", "population": "EFFFL",
       "where": {"ANL01FL": "Y"}, "visits": ["Month 3", "Month 6", "Month 12"], "primary_visit": "Month 6",
       "covariates": ["BASE"], "mcid": 3.25, "improvement": "decrease", "subgroups": ["SEX", "REGION1"]}
JAPAN = {"variable": "COUNTRY", "value": "JPN", "region": "REGION1", "planned_n": [20, 40], "planned_total": 100}


def _spec(analyses, **top) -> dict:
    question = {"question": {"en": "Is the Japanese plan acceptable?", "ja": "日本の開発計画は適切か。"},
                "evidence": ["japanese_population"] if "japanese_population" in top else []}
    return {"study": {"id": "T-1", "title": "Test"}, "product": {"name": "TP"}, "indication": "Test",
            "reference_arm": "Sham surgery", "date": "2026-01-01", "analyses": analyses, **top,
            "briefing": {"questions": [question]}}


def _trial(folder, spec, adsl_change=None):
    """A trial folder with the synthetic PD data of two arms (one comparison), `adsl_change` applied to ADSL."""
    (folder / "adam").mkdir(parents=True)
    adsl = pd.read_parquet(PD / "adam" / "adsl.parquet")
    adsl = adsl[adsl["TRT01P"].isin(ARMS)].reset_index(drop=True)
    if adsl_change is not None:
        adsl = adsl_change(adsl)
    adsl.to_parquet(folder / "adam" / "adsl.parquet")
    for name in ("adtte", "adqs"):
        frame = pd.read_parquet(PD / "adam" / f"{name}.parquet")
        frame[frame["USUBJID"].isin(adsl["USUBJID"])].reset_index(drop=True).to_parquet(
            folder / "adam" / f"{name}.parquet")
    (folder / "dossier.yaml").write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The tiny trial built in English and in Japanese."""
    root = tmp_path_factory.mktemp("subgroups")
    trial = _trial(root / "trial", _spec([TTE, CFB], japanese_population=JAPAN))
    out = {}
    for lang in ("en", "ja"):
        result = run_cli("build", str(trial), "-o", str(root / lang), "--lang", lang)
        assert result.returncode == 0, result.stderr
        out[lang] = root / lang
    return trial, out


# ------------------------------------------------------------------------------------------ yaml


@pytest.mark.parametrize(("change", "expected"), [
    ({"subgroups": [{"AGE": [75, 65]}]}, ("analyses[1].subgroups[1].AGE: the cut points [75.0, 65.0] must be numbers "
                                         "in strictly increasing order (e.g. [65, 75])")),
    ({"subgroups": ["SEX", "sex"]}, "analyses[1].subgroups[2]: sex is given twice"),
    ({"subgroups": [3]}, ("analyses[1].subgroups[1]: a subgroup is a variable name (SEX), {VARIABLE: [cut, ...]} "
                         "(AGE: [65, 75]) or {VARIABLE: {cuts: [...], label: ..., levels: {...}}}, got 3")),
    ({"subgroups": [{"AGE": {"cut": [65]}}]}, "analyses[1].subgroups[1].cut: unknown key (did you mean 'cuts'?)"),
    ({"primary_visit": "Month 6"}, "analyses[1].primary_visit: unknown key"),  # not a time_to_event key
])
def test_subgroups_key_problems_have_key_paths(change, expected):
    with pytest.raises(SpecError) as caught:
        toy_spec({"id": "a", "type": "time_to_event", "dataset": "adtte", "param": "X", **change})
    assert any(str(p).endswith(expected) for p in caught.value.problems), [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(("japan", "analysis", "expected"), [
    ({"variable": "COUNTRY", "value": "JPN", "threshold": 1}, {"subgroups": ["SEX"]},
     "japanese_population.threshold: input should be less than 1, got 1"),
    ({"variable": "COUNTRY", "value": "JPN", "planned_n": [50], "planned_total": 40}, {"subgroups": ["SEX"]},
     "japanese_population.planned_n: 50 is more than planned_total (40)"),
    ({"variable": "COUNTRY", "value": "JPN"}, {},
     "japanese_population: no analysis has `subgroups:`, so no consistency evaluation would use it"),
    ({"value": "JPN"}, {"subgroups": ["SEX"]}, "japanese_population.variable: required key is missing"),
])
def test_japanese_population_problems(japan, analysis, expected):
    with pytest.raises(SpecError) as caught:
        toy_spec({"id": "a", "type": "time_to_event", "dataset": "adtte", "param": "X", **analysis},
                 japanese_population=japan)
    assert any(str(p).endswith(expected) for p in caught.value.problems), [str(p) for p in caught.value.problems]


def test_change_from_baseline_primary_visit_must_be_a_visit():
    with pytest.raises(SpecError) as caught:
        toy_spec({**CFB, "primary_visit": "Month 9"})
    assert any(str(p).endswith("analyses[1].primary_visit: 'Month 9' is not one of the analysis's visits")
               for p in caught.value.problems)


def test_subgroup_labels_per_language():
    spec = toy_spec({**TTE, "subgroups": [{"SEX": {"label": {"en": "Sex", "ja": "性別"},
                                                   "levels": {"F": {"en": "Female", "ja": "女性"}}}}]})
    ja = spec.localised("ja").analyses[0].subgroups[0]
    assert (ja.label, ja.levels) == ("性別", {"F": "女性"})
    assert spec.localised("en").analyses[0].subgroups[0].levels == {"F": "Female"}


# ------------------------------------------------------------------------------------------ bad data: one line


def _blank_age(adsl):
    return adsl.assign(AGE=np.nan)


def _no_japanese(adsl):
    return adsl.assign(COUNTRY="USA")


@pytest.mark.parametrize(("analysis", "change", "japan", "expected"), [
    ({**TTE, "subgroups": ["NOSUCH"]}, None, None, "NOSUCH"),
    (TTE, _blank_age, None, "subgroup variable AGE is blank for every subject"),
    (TTE, _no_japanese, JAPAN, "japanese_population: COUNTRY = 'JPN' selects no subject (values: 'USA')"),
    (TTE, None, {**JAPAN, "variable": "NOSUCH"}, "NOSUCH"),
])
def test_bad_subgroup_data_is_one_line_and_exit_1(tmp_path, analysis, change, japan, expected):
    top = {"japanese_population": japan} if japan else {}
    trial = _trial(tmp_path / "trial", _spec([analysis], **top), change)
    result = run_cli("build", str(trial), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and expected in errors[0], result.stderr
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------------ the built trial


def test_evidence_has_the_declared_shape_and_the_contract_keys(built):
    _, out = built
    analyses = json.loads((out["en"] / "evidence.json").read_text(encoding="utf-8"))["analyses"]
    for entry in analyses.values():
        body = {k: v for k, v in entry.items() if k not in evidence.COMMON_KEYS}
        assert evidence.problems(body, registry.get(entry["type"]).evidence) == []
    tte, cfb = analyses["tte"], analyses["updrs3"]
    assert set(tte["subgroups"]) == {"SEX", "AGE"}
    assert set(tte["subgroups"]["AGE"]) == {"<60", ">=60", "p_interaction"}
    assert set(tte["subgroups"]["SEX"]["F"]) == {"n", "events", "estimate", "ci"}
    assert {"japan", "overall", "ratio", "threshold", "method1", "method2", "regions"} <= set(tte["japan_consistency"])
    assert cfb["primary_visit"] == "Month 6"
    assert set(cfb["subgroups"]) == {"SEX", "REGION1"} and set(cfb["responder_subgroups"]) == {"SEX", "REGION1"}
    assert [r["region"] for r in cfb["japan_consistency"]["regions"]] == ["Japan", "North America"]
    assert [p["n_japan"] for p in cfb["japan_consistency"]["planning"]] == [20, 40]


def _subjects(trial):
    adsl = pd.read_parquet(trial / "adam" / "adsl.parquet")
    return adsl[adsl["SAFFL"] == "Y"]


def test_time_to_event_numbers_are_the_engines(built):
    """The evidence and the table of the built trial hold the engine's numbers on the same subjects."""
    trial, out = built
    adtte = pd.read_parquet(trial / "adam" / "adtte.parquet")
    frame = adtte.loc[adtte["PARAMCD"] == "TTLEDDI", ["USUBJID", "AVAL", "CNSR"]].merge(
        _subjects(trial)[["USUBJID", "TRT01A", "SEX", "AGE", "COUNTRY", "REGION1"]], on="USUBJID")
    frame = cs.with_japan_flag(frame.assign(EVENT=1 - frame["CNSR"]), "COUNTRY", "JPN")
    engine = sg.time_to_event(frame, arm="TRT01A", reference=ARMS[0], time="AVAL", event="EVENT", arms=ARMS,
                              subgroups=[sg.SubgroupSpec("SEX"), sg.SubgroupSpec("AGE", (60,)),
                                         sg.SubgroupSpec(cs.JAPANESE_COLUMN), sg.SubgroupSpec("REGION1")])
    ev = json.loads((out["en"] / "evidence.json").read_text(encoding="utf-8"))["analyses"]["tte"]
    expected = engine.to_evidence()
    assert ev["subgroups"] == {k: expected[k] for k in ("SEX", "AGE")}
    consistency = cs.evaluate(engine, improvement="decrease", region="REGION1")
    assert {k: v for k, v in ev["japan_consistency"].items() if k not in ("group", "reference", "planning")} == \
        consistency.to_evidence()
    assert ev["japan_consistency"]["planning"][0]["probability"] == cs.plan_method1(consistency, 20, 100).probability
    with open(out["en"] / "tables" / "tte-subgroups.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    overall = engine.overall.effect()
    text = f"{fixed(overall.estimate, 2)} ({fixed(overall.ci[0], 2)}, {fixed(overall.ci[1], 2)})"
    assert rows[1][0] == "Subgroup" and rows[2][0] == "Overall" and rows[2][3] == text
    age = engine.subgroup("AGE")
    assert [r[0].strip() for r in rows if r[0].strip() in ("<60", "≥60")] == ["<60", "≥60"]
    assert any(r[0] == "Age" and r[4] == fixed(age.interactions[0].p, 3) for r in rows)


def test_forest_figures_and_tables_in_both_languages(built):
    _, out = built
    for lang, words in (("en", ("Forest plot of subgroup analyses", "Subgroup analyses")),
                        ("ja", ("部分集団解析のフォレストプロット", "部分集団解析"))):
        html = (out[lang] / "briefing.html").read_text(encoding="utf-8")
        for key in ("tte-forest", "updrs3-forest", "updrs3-responders-forest"):
            assert (out[lang] / "figures" / f"{key}.png").stat().st_size > 0
            assert (out[lang] / "figures" / f"{key}.svg").stat().st_size > 0
            assert f'src="figures/{key}.png"' in html
        assert words[0] in html and words[1] in html
        assert (out[lang] / "tables" / "updrs3-subgroups.csv").is_file()
    en = (out["en"] / "figures" / "tte-forest.png").read_bytes()
    assert en != (out["ja"] / "figures" / "tte-forest.png").read_bytes()  # the words differ


def test_consistency_section_in_en_and_ja_and_cited_by_the_question(built):
    _, out = built
    for lang, heading, appendix in (
            ("en", "Consistency of the Japanese population with the overall population", "薬食審査発第0928010号"),
            ("ja", "日本人集団と全体集団の一貫性", "薬食審査発第0928010号")):
        html = (out[lang] / "briefing.html").read_text(encoding="utf-8")
        assert re.search(rf'id="sec-clinical-japan">6\.\d+ {heading}</h2>', html)  # a numbered subsection of 6
        appendix_text = html[html.index('id="method-japanese-consistency"'):]
        assert appendix in appendix_text and "ICH E5" in appendix_text and "ICH E17" in appendix_text
        section = html[html.index('id="sec-clinical-japan"'):html.index('id="sec-positions"')]
        anchors = [a.split('"')[0] for a in section.split('class="table-block" id="')[1:]]
        assert len(anchors) == 4  # two analyses, each: Japanese vs overall by region, Methods 1 and 2
        question = html[html.index('id="question-1"'):]
        assert all(f'href="#{a}"' in question for a in anchors)
    sakigake = (out["en"] / "sakigake.html").read_text(encoding="utf-8")
    assert "sec-clinical-japan" not in sakigake


def test_consistency_numbers_in_the_document_are_the_evidence(built):
    _, out = built
    ev = json.loads((out["en"] / "evidence.json").read_text(encoding="utf-8"))["analyses"]["updrs3"]
    jc = ev["japan_consistency"]
    with open(out["en"] / "tables" / "updrs3-japan-methods.csv", encoding="utf-8-sig") as handle:
        rows = {r[0]: r[1] for r in csv.reader(handle) if len(r) == 2}
    assert rows["Method 1: ratio of the Japanese effect to the overall effect"] == fixed(jc["ratio"], 2)
    assert rows["Method 1: ratio above 0.5"] == {True: "Yes", False: "No", None: "Not evaluable"}[jc["method1"]]
    planning = "Probability that Method 1 holds (ratio above 0.5) with 20 Japanese subjects of 100 (%)"
    assert rows[planning] == fixed(100 * jc["planning"][0]["probability"], 1)


def test_ja_glossary_has_every_new_key():
    en = yaml.safe_load((DATASETS.parent / "templates" / "glossary" / "en.yaml").read_text(encoding="utf-8"))
    ja = yaml.safe_load((DATASETS.parent / "templates" / "glossary" / "ja.yaml").read_text(encoding="utf-8"))
    new = [k for k in en if k.startswith(("sg_", "jc_", "method_consistency", "method_subgroups"))]
    assert len(new) > 40 and all(ja.get(k) for k in new)


def test_change_from_baseline_numbers_are_the_engines(built):
    """LS-mean differences at the primary visit and responders' risk differences: the engine's numbers."""
    trial, out = built
    adqs = pd.read_parquet(trial / "adam" / "adqs.parquet")
    records = adqs[(adqs["PARAMCD"] == "UPDRS3OF") & (adqs["AVISIT"] == "Month 6") & (adqs["ANL01FL"] == "Y")]
    adsl = pd.read_parquet(trial / "adam" / "adsl.parquet")
    subjects = adsl.loc[adsl["EFFFL"] == "Y", ["USUBJID", "TRT01A", "SEX", "REGION1", "COUNTRY"]]
    frame = records[["USUBJID", "CHG", "BASE"]].merge(subjects, on="USUBJID").dropna(subset=["CHG"])
    frame = cs.with_japan_flag(frame.reset_index(drop=True), "COUNTRY", "JPN")
    specs = [sg.SubgroupSpec("SEX"), sg.SubgroupSpec("REGION1"), sg.SubgroupSpec(cs.JAPANESE_COLUMN)]
    engine = sg.ancova(frame, arm="TRT01A", reference=ARMS[0], outcome="CHG", covariates=["BASE"], arms=ARMS,
                       subgroups=specs)
    responders = sg.risk_difference(frame.assign(R=(frame["CHG"] <= -3.25 + 1e-9).astype(float)), arm="TRT01A",
                                    reference=ARMS[0], response="R", arms=ARMS, subgroups=specs[:2])
    ev = json.loads((out["en"] / "evidence.json").read_text(encoding="utf-8"))["analyses"]["updrs3"]
    expected = engine.to_evidence()
    assert ev["subgroups"] == {k: expected[k] for k in ("SEX", "REGION1")}
    assert ev["responder_subgroups"] == responders.to_evidence()
    consistency = cs.evaluate(engine, improvement="decrease", region="REGION1")
    assert ev["japan_consistency"]["ratio"] == consistency.ratio
