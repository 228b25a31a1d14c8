"""The analysis-type registry (dossier.analyses.registry): every type is declared in its own module and
nothing else names one; the declarations agree with the glossary, the templates, the README and the
evidence the examples produce; and the examples' evidence and documents are the recorded ones."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import typing

import pytest

from dossier.analyses import evidence, registry
from dossier.analyses.options import AnalysisOptions
from dossier.errors import SpecError
from tests.conftest import ROOT, glossary_entries, toy_spec

TYPE_NAMES = ("baseline", "change_from_baseline", "time_to_event", "adverse_events", "disposition", "mmrm",
              "exposure", "laboratory", "vital_signs", "by_visit")
DIGESTS = ROOT / "tests" / "fixtures" / "example-outputs.sha256"


def test_registry_lists_every_type_once_in_document_order():
    types = registry.types()
    assert sorted(types) == sorted(TYPE_NAMES)
    assert [t.order for t in types.values()] == sorted(t.order for t in types.values())
    for name, t in types.items():
        assert t.name == name
        assert t.options.__module__ == f"dossier.analyses.{name}"  # declared in the type's own module
        assert typing.get_args(t.options.model_fields["type"].annotation) == (name,)
        assert issubclass(t.options, AnalysisOptions)


def test_declared_glossary_keys_and_macros_exist():
    glossary = glossary_entries()
    macros = (ROOT / "templates" / "_macros.html.j2").read_text(encoding="utf-8")
    for t in registry.types().values():
        for key in (t.method, *t.glossary_keys):
            assert glossary.get(key, {}).get("en") and glossary[key].get("ja"), (t.name, key)
        assert re.search(rf"{{% macro {t.macro}\(sec\)", macros), (t.name, t.macro)
    for section in registry.SECTIONS:
        assert glossary[section.heading]["en"], section


def test_implementations_expose_run_and_only_known_checks():
    import importlib

    for t in registry.types().values():
        module = importlib.import_module(t.implementation)
        assert callable(module.run) and callable(t.variables), t.name
        checks = {name for name in dir(module) if name.startswith("check_")}
        assert checks <= {"check_dataset", "check_parameter", "check_records"}, (t.name, checks)


def _quoted_type_names(text: str) -> list[str]:
    names = "|".join(TYPE_NAMES)
    return re.findall(rf"""["']({names})["']|\bby_type\b|(?<![\w.])type\s*[!=]=|\.type\s*(?:[!=]=|in\b)""", text)


def test_no_type_name_outside_the_types_modules_and_registry():
    """Pipeline, validation, context, highlights, figures, templates, bench: no type name, no `type ==`. Allowed:
    the type's own modules (declaration and <type>_stats), the registry, the starter and the glossaries."""
    allowed = {ROOT / "dossier" / "analyses" / "registry.py", ROOT / "dossier" / "config" / "starter.py"}
    for name in TYPE_NAMES:
        allowed |= {ROOT / "dossier" / "analyses" / f"{name}.py", ROOT / "dossier" / "analyses" / f"{name}_stats.py"}
    files = [*(ROOT / "dossier").rglob("*.py"), *(ROOT / "templates").glob("*.j2"), *(ROOT / "bench").glob("*.py"),
             *(ROOT / "scripts").glob("*.py")]
    found = {str(p.relative_to(ROOT)): hits for p in files if p not in allowed
             and (hits := _quoted_type_names(p.read_text(encoding="utf-8")))}
    assert found == {}
    # the check itself finds what it looks for
    assert len(_quoted_type_names("if result.type == 'time_to_event':")) == 2
    assert _quoted_type_names('x = "adverse_events"') == ["adverse_events"]
    assert _quoted_type_names("baseline = 3; the baseline visit; x.dtype == y; inferred_type == 'string'") == []
    assert len(_quoted_type_names("if analysis.type in KINDS or type != 'x':")) == 2


def test_readme_evidence_table_is_the_declared_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert registry.evidence_markdown() in readme


def test_examples_evidence_has_the_declared_shape(built):
    """Each analysis's evidence.json entry is its type's declared `Evidence`, at every level, beside the keys
    every entry has."""
    for out in built.values():
        for analysis_id, entry in json.loads((out / "evidence.json").read_text(encoding="utf-8"))["analyses"].items():
            assert set(evidence.COMMON_KEYS) <= set(entry), (out.name, analysis_id)
            body = {k: v for k, v in entry.items() if k not in evidence.COMMON_KEYS}
            assert evidence.problems(body, registry.get(entry["type"]).evidence) == [], (out.name, analysis_id)


def test_shape_check_finds_departures():
    shape = registry.get(TYPE_NAMES[2]).evidence  # time_to_event
    good = {"param": "X", "time_unit": "days", "logrank_p": None, "comparisons": [],
            "groups": {"A": {"n": 3, "events": 1, "censored": 2, "median": None, "median_ci": [None, None],
                             "landmarks": {"30": {"survival": 0.5, "ci": [0.1, 0.9]}}}},
            "at_risk": {"times": [0.0, 30.0], "counts": {"A": [3, 1]}}}
    assert evidence.problems(good, shape) == []
    bad = json.loads(json.dumps(good))
    bad["groups"]["A"]["events"] = 1.5
    del bad["groups"]["A"]["median"]
    bad["at_risk"]["extra"] = 1
    bad["comparisons"] = [{"group": "A"}]
    found = evidence.problems(bad, shape)
    assert "/groups/A/events: 1.5 is not integer" in found
    assert "/groups/A/median: missing (declared in KaplanMeier)" in found
    assert "/at_risk/extra: not declared in AtRisk" in found
    assert any(p.startswith("/comparisons[0]/reference: missing") for p in found)


def test_examples_match_recorded_digests(built):
    """evidence.json, tables/*.csv and the documents' HTML of the examples are byte for byte the recorded ones
    (tests/fixtures/example-outputs.sha256; see its header for how to review and refresh it)."""
    recorded = {}
    for line in DIGESTS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            digest, name = line.split("  ", 1)
            recorded[name] = digest
    actual = {}
    for example, out in built.items():
        for path in [out / "evidence.json", out / "briefing.html", out / "sakigake.html",
                     *sorted((out / "tables").glob("*.csv"))]:
            actual[f"{example}/{path.relative_to(out).as_posix()}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    assert actual == recorded


def test_spec_imports_no_statistics_stack():
    """dossier.config.spec builds its analysis union from the declarations without importing pandas or numpy."""
    code = "import sys, dossier.config.spec; print(sorted(m for m in ('pandas', 'numpy', 'scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("analysis", "expected"), [
    ({"id": "a", "type": "time_to_event", "dataset": "adtte", "param": "X", "landmark": [1]},
     "analyses[1].landmark: unknown key (did you mean 'landmarks'?)"),
    ({"id": "a", "type": "change_from_baseline", "dataset": "adqs", "param": "X", "landmarks": [1]},
     "analyses[1].landmarks: unknown key"),  # a key of another type
    ({"id": "a", "type": "baseline", "variables": ["AGE"], "dataset": "adsl"}, "analyses[1].dataset: unknown key"),
    ({"id": "a", "type": "mmrn"}, ("analyses[1].type: must be one of 'baseline', 'change_from_baseline', "
                                  "'time_to_event', 'adverse_events', 'disposition', 'mmrm', 'exposure', "
                                  "'laboratory', 'vital_signs' or 'by_visit', got 'mmrn'")),
    ({"id": "a", "type": "mmrm"}, "analyses[1].param: required for a mmrm analysis"),
    ({"id": "a"}, "analyses[1].type: required key is missing"),
    ({"id": "a", "type": "time_to_event", "landmarks": [-1]}, ("analyses[1].param: required for a time_to_event "
                                                              "analysis")),
])
def test_options_are_per_type_with_key_paths(analysis, expected):
    with pytest.raises(SpecError) as caught:
        toy_spec(analysis)
    assert any(str(p).endswith(expected) for p in caught.value.problems), [str(p) for p in caught.value.problems]


def test_a_cross_cutting_mixin_is_declared_once_and_a_type_opts_in():
    """How the coming `subgroups:`/`estimand:` keys plug in: one mixin with its keys and checks; a type lists
    it among its bases and gets both, beside the record keys and the keys every analysis has."""
    from typing import Literal

    from dossier.analyses.options import RecordOptions
    from dossier.config.spec_types import _Model

    class SubgroupsMixin(_Model):
        subgroups: tuple[str, ...] = ()

        def value_problems(self) -> list[tuple[str, str]]:
            repeated = len(set(self.subgroups)) < len(self.subgroups)
            return ([("subgroups", "a variable is given twice")] if repeated else []) + super().value_problems()

    class Toy(SubgroupsMixin, RecordOptions, AnalysisOptions):
        type: Literal["toy"]

    toy = Toy(id="t", type="toy", subgroups=("SEX", "SEX"), where={"X": []})
    assert list(Toy.model_fields)[:6] == ["id", "type", "title", "population", "arm", "where"]
    assert toy.problems() == [("dataset", "required for a toy analysis"), ("param", "required for a toy analysis"),
                              ("where.X", "empty list of values: no record could match"),
                              ("subgroups", "a variable is given twice")]
