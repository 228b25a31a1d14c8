"""Only the variables the analyses declare are loaded (dossier.analyses.Variables): an analysis, or
validation, that read a variable it did not declare would silently see it absent. These tests run every
analysis and the validation twice, on every column of the data and on the declared columns only, and
require the same results; the data get extra columns named by every variable-like name the analysis code
mentions, so that a read of an undeclared variable changes something even when the example data lack it.
"""

from __future__ import annotations

import ast
import json
import re

import numpy as np
import pandas as pd
import pytest
import yaml

from dossier.analyses import declared, registry
from dossier.build import pipeline
from dossier.config.spec import load_spec, parse_spec
from dossier.data.datasets import TrialData, load, read_dataset
from dossier.data.validate import datasets_needed, requirements, validate, variables_to_load
from dossier.errors import DataError, DossierError
from tests.conftest import PILOT, ROOT, example_folders

SOURCES = [ROOT / "dossier" / "analyses" / f"{m.rsplit('.', 1)[1]}.py" for m in registry.MODULES] + [
    ROOT / "dossier" / "analyses" / f"{t.implementation.rsplit('.', 1)[1]}.py" for t in registry.types().values()] + [
    ROOT / "dossier" / "data" / "selection.py", ROOT / "dossier" / "data" / "columns.py",
    ROOT / "dossier" / "stats" / "core.py", ROOT / "dossier" / "analyses" / "bds.py",
    ROOT / "dossier" / "data" / "validate.py", ROOT / "dossier" / "build" / "pipeline.py"]
NAME = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")

# more analyses on the pilot data, for the code paths the example trials do not take
PILOT_VARIANTS = [
    {"id": "disp-default", "type": "disposition"},
    {"id": "disp-flags", "type": "disposition", "population": "SAFFL", "variables": ["COMP24FL", "DCDECOD"]},
    {"id": "demog-where", "type": "baseline", "variables": ["RACE", "AGEGR1", "SITEGR1", "DURDIS", "DSRAEFL"],
     "where": {"EFFFL": "Y"}},
    {"id": "adas-default-visits", "type": "change_from_baseline", "dataset": "adadas", "param": "ACTOT",
     "where": {"ANL01FL": "Y"}, "covariates": ["BASE", "AGE", "SEX", "RACE"], "mcid": 4},
    {"id": "adas-actual-arm", "type": "change_from_baseline", "dataset": "adadas", "param": "ACTOT",
     "arm": "TRT01A", "where": {"ANL01FL": "Y"}, "covariates": ["BASE", "EDUCLVL"], "dose_response": "TRT01AN"},
    {"id": "tte-planned", "type": "time_to_event", "dataset": "adtte", "param": "TTDE", "arm": "TRT01P",
     "where": {"SAFFL": "Y"}, "landmarks": [30]},
    {"id": "teae-where", "type": "adverse_events", "population": "ITTFL", "where": {"AOCCPFL": "Y"}},
    {"id": "teae-planned", "type": "adverse_events", "arm": "TRT01P"},
]


def mentioned_names() -> set[str]:
    """Every string constant of the analysis and validation code that looks like an ADaM variable name."""
    names = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAME.match(node.value):
                names.add(node.value)
    return names


def augmented(frames: dict[str, pd.DataFrame], spec, numeric: bool) -> dict[str, pd.DataFrame]:
    """Each frame with a column for every mentioned or derivable name it lacks (text or numbers)."""
    names = mentioned_names()
    for analysis in spec.analyses:
        for variables in declared(analysis, spec).values():
            names |= {v + "N" for v in variables.all} | set(variables.all)
    out = {}
    for name, frame in frames.items():
        n = len(frame)
        extra = {}
        for column in sorted(names - set(frame.columns)):
            if numeric:
                extra[column] = pd.Series(np.arange(n) % 3, dtype=float)
            else:
                choices = np.array(["Y", "N", "", "COMPLETED", "DISCONTINUED", column.lower()], dtype=object)
                extra[column] = pd.Series(pd.Categorical(choices[np.arange(n) % len(choices)]))
        out[name] = pd.concat([frame.reset_index(drop=True), pd.DataFrame(extra)], axis=1)
    return out


def selected(data: TrialData, spec) -> TrialData:
    wanted = variables_to_load(spec)
    frames = {name: frame[[c for c in frame.columns if c in wanted.get(name, set())]]
              for name, frame in data.frames.items()}
    return TrialData(files=data.files, frames=frames, warnings=data.warnings, labels=data.labels)


def outcome(spec, data: TrialData) -> list[str]:
    """Everything validation and the analyses say about the data, as text."""
    out = []
    try:
        out.append(repr(validate(spec, data, requirements(spec))))
    except DataError as exc:
        out.append("problems: " + repr([str(p) for p in exc.problems]))
    for analysis in spec.analyses:
        try:
            out.append(repr(registry.get(analysis.type).run(analysis, spec, data)))
        except DossierError as exc:
            out.append(f"{analysis.id}: {type(exc).__name__}: {exc}")
    out.append(repr(pipeline.arm_counts(spec, data)))
    return out


def full_data(folder, spec) -> TrialData:
    return load(folder, datasets_needed(requirements(spec)))  # every column of every file


def assert_same(spec, data: TrialData) -> None:
    full, only_declared = outcome(spec, data), outcome(spec, selected(data, spec))
    for a, b in zip(full, only_declared, strict=True):
        assert a == b


@pytest.mark.parametrize("folder", example_folders(), ids=lambda p: p.name)
def test_example_trials_give_the_same_results_from_the_declared_variables(folder):
    spec = load_spec(folder).localised()
    data = full_data(folder, spec)
    assert_same(spec, data)
    for numeric in (False, True):
        assert_same(spec, TrialData(files=data.files, frames=augmented(data.frames, spec, numeric),
                                    labels=data.labels))


@pytest.mark.parametrize("variant", PILOT_VARIANTS, ids=lambda a: a["id"])
def test_pilot_variants_give_the_same_results_from_the_declared_variables(variant):
    raw = yaml.safe_load((PILOT / "dossier.yaml").read_text(encoding="utf-8"))
    raw = {k: v for k, v in raw.items() if k not in ("briefing", "sakigake")} | {"analyses": [variant]}
    spec = parse_spec(raw, PILOT).localised()
    data = full_data(PILOT, spec)
    assert_same(spec, data)
    for numeric in (False, True):
        assert_same(spec, TrialData(files=data.files, frames=augmented(data.frames, spec, numeric),
                                    labels=data.labels))


def test_the_build_loads_only_the_declared_variables():
    spec = load_spec(PILOT).localised()
    wanted = variables_to_load(spec)
    data = load(PILOT, datasets_needed(requirements(spec)), wanted)
    for name, frame in data.frames.items():
        assert set(frame.columns) <= wanted[name]
    assert "SUBJID" not in data.frame("adsl").columns and "AETERM" not in data.frame("adae").columns
    assert {"AESER", "AEREL", "AESEV", "AEACN", "AEOUT", "AESDTH"} <= set(data.frame("adae").columns)
    assert {"EOSSTT", "DCSREAS", "DCDECOD"} <= set(data.frame("adsl").columns)


@pytest.mark.parametrize("name", ["adsl.xpt", "adae.xpt", "adadas.parquet", "adtte.xpt"])
def test_reading_some_columns_equals_reading_all_then_selecting(name):
    path = PILOT / "adam" / name
    whole, _ = read_dataset(path)
    columns = {c for i, c in enumerate(whole.columns) if i % 3 == 0} | {"USUBJID", "NOT_THERE"}
    part, _ = read_dataset(path, columns)
    expected = whole[[c for c in whole.columns if c in columns]]
    assert list(part.columns) == list(expected.columns)
    for column in part.columns:  # the same values; a Categorical may have other (unused) categories
        assert part[column].tolist() == expected[column].tolist() or (
            part[column].isna().equals(expected[column].isna())
            and part[column].dropna().tolist() == expected[column].dropna().tolist())
        assert (part[column].dtype == expected[column].dtype
                or isinstance(part[column].dtype, pd.CategoricalDtype))
    assert part.attrs["labels"] == whole.attrs["labels"]


def test_csv_and_dataset_json_columns_are_selected_after_parsing(tmp_path):
    (tmp_path / "adsl.csv").write_text("USUBJID,AGE,SEX\nS1,60,F\nS2,71,\n", encoding="utf-8")
    frame, _ = read_dataset(tmp_path / "adsl.csv", {"USUBJID", "SEX"})
    assert list(frame.columns) == ["USUBJID", "SEX"] and frame["SEX"].tolist() == ["F", ""]
    (tmp_path / "adsl.csv").write_text("USUBJID,AGE,SEX\nS1,60,F\nS2,71,,extra\n", encoding="utf-8")
    with pytest.raises(DataError, match="cannot read as csv"):  # a ragged row is still an error
        read_dataset(tmp_path / "adsl.csv", {"USUBJID"})
    (tmp_path / "adsl.json").write_text(json.dumps({
        "columns": [{"name": "USUBJID", "dataType": "string"}, {"name": "AGE", "dataType": "integer"}],
        "rows": [["S1", 60], ["S2", 71]]}), encoding="utf-8")
    frame, _ = read_dataset(tmp_path / "adsl.json", {"AGE"})
    assert list(frame.columns) == ["AGE"] and frame["AGE"].tolist() == [60.0, 71.0]
    frame, _ = read_dataset(tmp_path / "adsl.json", {"NOTHING"})  # no wanted column: the records still count
    assert len(frame) == 2
