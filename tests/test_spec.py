"""dossier.yaml validation: typed keys, every problem at once with its key path."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from dossier.config.spec import load_spec, parse_spec
from dossier.errors import SpecError
from tests.conftest import MINIMAL_SPEC, PILOT, example_folders


def problems_of(raw, trial_dir=Path("/tmp/none")) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_spec(raw, trial_dir)
    return [str(p) for p in info.value.problems]


def test_minimal_spec_has_documented_defaults():
    spec = parse_spec(copy.deepcopy(MINIMAL_SPEC), Path("."))
    assert spec.language == "en"
    assert spec.population == "SAFFL"
    assert spec.arm == "TRT01A"
    assert spec.confidence_level == 0.95
    assert spec.analyses[0].id == "demog"


@pytest.mark.parametrize("folder", example_folders(), ids=lambda p: p.name)
def test_example_yaml_is_valid(folder):
    load_spec(folder)


def test_not_a_mapping():
    (msg,) = problems_of(["a", "list"])
    assert "must be a mapping" in msg


def test_all_problems_reported_at_once_with_key_paths():
    raw = copy.deepcopy(MINIMAL_SPEC)
    del raw["study"]["title"]
    raw["languge"] = "ja"
    raw["analyses"].append({"id": "Bad Id", "type": "baseline", "variables": ["AGE"]})
    raw["analyses"].append({"id": "x", "type": "survival"})
    msgs = problems_of(raw)
    joined = "\n".join(msgs)
    assert "study.title: required key is missing" in joined
    assert "languge: unknown key (did you mean 'language'?)" in joined
    assert "analyses[2].id" in joined
    assert "analyses[3].type" in joined
    assert len(msgs) >= 4


def test_semantic_checks_duplicate_ids_required_keys_and_references(tmp_path):
    raw = copy.deepcopy(MINIMAL_SPEC)
    raw["analyses"] += [{"id": "demog", "type": "baseline", "variables": ["AGE"]},
                        {"id": "tte", "type": "time_to_event"}]
    raw["briefing"] = {"questions": [{"question": "Q?", "evidence": ["demogg"]}], "disease": "text/missing.md",
                       "unmet_need": "../outside.md"}
    joined = "\n".join(problems_of(raw, tmp_path))
    assert "analyses[2].id: duplicate analysis id 'demog'" in joined
    assert "analyses[3].dataset: required" in joined
    assert "analyses[3].param: required" in joined
    assert "briefing.questions[1].evidence[1]: no analysis with id 'demogg' (did you mean 'demog'?)" in joined
    assert "briefing.disease: text file 'text/missing.md' does not exist" in joined
    assert "briefing.unmet_need" in joined and "inside the trial folder" in joined


def test_yaml_syntax_error_names_the_line(tmp_path):
    (tmp_path / "dossier.yaml").write_text("study: {id: X\nproduct: [", encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path)
    assert "invalid YAML on line" in str(info.value)


def test_missing_yaml(tmp_path):
    with pytest.raises(SpecError, match="not found"):
        load_spec(tmp_path)


def test_too_many_analyses_is_refused_before_validation():
    raw = copy.deepcopy(MINIMAL_SPEC)
    raw["analyses"] = [{"id": f"a{i}", "type": "disposition"} for i in range(5000)]
    (msg,) = problems_of(raw)
    assert "more than the limit" in msg


def test_pilot_spec_reads_where_filters():
    spec = load_spec(PILOT)
    adas = spec.analysis("adas-cog")
    assert adas.where == {"ITTFL": "Y", "ANL01FL": "Y"}
    assert adas.covariates == ("SITEGR1", "BASE")


def test_a_key_given_twice_is_an_error(tmp_path):
    (tmp_path / "dossier.yaml").write_text("study: {id: A, title: B}\nindication: X\nindication: Y\n",
                                           encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path)
    message = str(info.value)
    assert "line 3" in message and "'indication' is given twice (first on line 2)" in message


# ------------------------------------------------------------------------------------ per-language texts


def per_language_spec() -> dict:
    raw = copy.deepcopy(MINIMAL_SPEC)
    raw["study"]["title"] = {"en": "Test study", "ja": "試験"}
    raw["product"]["generic_name"] = {"en": "testamab"}  # English only: the Japanese build falls back to it
    raw["indication"] = {"en": "Test indication", "ja": "試験の適応"}
    raw["briefing"] = {"consultation_category": "pre_application",
                       "questions": [{"question": {"en": "Is it acceptable?", "ja": "受け入れ可能か。"}}],
                       "regulatory_status": [{"region": {"en": "USA", "ja": "米国"}, "designation": "RMAT",
                                              "status": {"en": "Granted", "ja": "指定済み"}}],
                       "timeline": [{"milestone": {"en": "Phase 3 start", "ja": "第3相試験開始"},
                                     "date": {"en": "Q3 2027", "ja": "2027年第3四半期"}}],
                       "disease": {"en": "The disease is serious.", "ja": "重篤な疾患である。"}}
    raw["sakigake"] = {"development_stage": {"en": "Phase 2", "ja": "第2相"},
                       "attachments": [{"en": "Protocol", "ja": "治験実施計画書"}, "evidence.json"]}
    raw["analyses"][0]["title"] = {"en": "Demographics", "ja": "人口統計学的特性"}
    return raw


def test_yaml_texts_may_be_given_per_language_and_a_build_uses_its_language():
    spec = parse_spec(per_language_spec(), Path("."))
    ja, en = spec.localised("ja"), spec.localised("en")
    assert (ja.study.title, en.study.title) == ("試験", "Test study")
    assert (ja.indication, en.indication) == ("試験の適応", "Test indication")
    assert ja.briefing.questions[0].question == "受け入れ可能か。"
    assert (ja.briefing.regulatory_status[0].region, ja.briefing.regulatory_status[0].status) == ("米国", "指定済み")
    assert ja.briefing.regulatory_status[0].designation == "RMAT"
    assert (ja.briefing.timeline[0].milestone, ja.briefing.timeline[0].date) == ("第3相試験開始", "2027年第3四半期")
    assert ja.briefing.disease == "重篤な疾患である。"
    assert ja.sakigake.development_stage == "第2相"
    assert ja.sakigake.attachments == ("治験実施計画書", "evidence.json")
    assert (ja.analyses[0].title, en.analyses[0].title) == ("人口統計学的特性", "Demographics")
    # a text given once is shown in every language; a missing language falls back to English
    assert ja.sakigake.attachments[1] == en.sakigake.attachments[1] == "evidence.json"
    assert ja.briefing.consultation_category == en.briefing.consultation_category == "pre_application"
    assert ja.product.generic_name == "testamab"
    # the localised spec holds text only: what the documents, evidence.json and manifest.json see
    def per_language(value):
        if isinstance(value, dict):
            return (bool(value) and set(value) <= {"en", "ja"}) or any(per_language(v) for v in value.values())
        return isinstance(value, (list, tuple)) and any(per_language(v) for v in value)

    assert per_language(spec.model_dump()) and not per_language(ja.model_dump())


def test_a_text_given_only_in_japanese_is_used_by_the_english_build_too():
    raw = copy.deepcopy(MINIMAL_SPEC)
    raw["indication"] = {"ja": "試験の適応"}
    assert parse_spec(raw, Path(".")).localised("en").indication == "試験の適応"


@pytest.mark.parametrize("key,value,message", [
    ("indication", {"en": "Test", "fr": "Essai"}, "indication: unknown language 'fr' (the languages are en and ja)"),
    ("indication", {}, "indication: empty mapping: give the text, or one text per language"),
    ("indication", ["a", "list"], ("indication: must be a string, or one string per language ({en: ..., ja: ...}), "
                                   "got a list")),
    ("indication", 42, "indication: must be a string, or one string per language ({en: ..., ja: ...}), got 42"),
    ("study.title", {"en": "Test", "ja": ["a list"]}, "study.title: the ja text must be a string, got a list"),
    ("product.dose", {"ja": None}, "product.dose: the ja text must be a string, got nothing"),
])
def test_a_bad_per_language_text_is_one_problem_naming_the_key(key, value, message):
    raw = copy.deepcopy(MINIMAL_SPEC)
    *parents, name = key.split(".")
    target = raw
    for part in parents:
        target = target[part]
    target[name] = value
    (problem,) = problems_of(raw)
    assert f"dossier.yaml: {message}" in problem, problem


def test_bad_per_language_texts_deep_in_lists_name_their_key_path():
    raw = per_language_spec()
    raw["briefing"]["questions"][0]["question"] = {"de": "Frage"}
    raw["sakigake"]["attachments"][1] = {"en": 3}
    joined = "\n".join(problems_of(raw))
    assert "briefing.questions[1].question: unknown language 'de'" in joined
    assert "sakigake.attachments[2]: the en text must be a string, got 3" in joined


def test_writer_text_per_language_is_checked_for_every_language(tmp_path):
    from dossier.config.spec import text_fields

    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "disease.md").write_text("The disease.\n", encoding="utf-8")
    raw = copy.deepcopy(MINIMAL_SPEC)
    raw["briefing"] = {"disease": {"en": "text/disease.md", "ja": "text/disease-ja.md"}}
    (problem,) = problems_of(raw, tmp_path)
    assert "briefing.disease.ja: text file 'text/disease-ja.md' does not exist" in problem
    (tmp_path / "text" / "disease-ja.md").write_text("重篤な疾患である。\n", encoding="utf-8")
    spec = parse_spec(raw, tmp_path)
    assert ("briefing.disease.ja", "text/disease-ja.md") in text_fields(spec)
    assert ("briefing.disease", "text/disease-ja.md") in text_fields(spec.localised("ja"))
