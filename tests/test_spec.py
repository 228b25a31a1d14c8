"""dossier.yaml validation: typed keys, every problem at once with its key path."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from dossier.errors import SpecError
from dossier.spec import load_spec, parse_spec
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
    assert "analyses[1].id" in joined
    assert "analyses[2].type" in joined
    assert len(msgs) >= 4


def test_semantic_checks_duplicate_ids_required_keys_and_references(tmp_path):
    raw = copy.deepcopy(MINIMAL_SPEC)
    raw["analyses"] += [{"id": "demog", "type": "baseline", "variables": ["AGE"]},
                        {"id": "tte", "type": "time_to_event"}]
    raw["briefing"] = {"questions": [{"question": "Q?", "evidence": ["demogg"]}], "disease": "text/missing.md",
                       "unmet_need": "../outside.md"}
    joined = "\n".join(problems_of(raw, tmp_path))
    assert "analyses[1].id: duplicate analysis id 'demog'" in joined
    assert "analyses[2].dataset: required" in joined
    assert "analyses[2].param: required" in joined
    assert "briefing.questions[0].evidence[0]: no analysis with id 'demogg' (did you mean 'demog'?)" in joined
    assert "briefing.disease: text file 'text/missing.md' does not exist" in joined
    assert "briefing.unmet_need" in joined and "inside the trial folder" in joined


def test_yaml_syntax_error_names_the_line(tmp_path):
    (tmp_path / "dossier.yaml").write_text("study: {id: X\nproduct: [", encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path)
    assert "invalid YAML line" in str(info.value)


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
