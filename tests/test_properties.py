"""Property-based tests: random tables through the loaders, the validation and every analysis.

Whatever the data, the only exceptions are the project's own (DossierError and its subclasses),
and every result keeps its invariants: Kaplan-Meier survival non-increasing within [0, 1], every
confidence interval containing its estimate, p-values within [0, 1], counts never above N.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier.analyses.model import AnalysisResult
from dossier.analyses.registry import get as analysis_type
from dossier.config.spec import parse_spec
from dossier.data.datasets import DatasetFile, TrialData, normalise, read_dataset
from dossier.data.validate import requirements, validate
from dossier.errors import DataError, DossierError
from tests.conftest import PILOT

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                         HealthCheck.function_scoped_fixture])
EPS = 1e-9

# ------------------------------------------------------------------------------------ loaders

NAMES = ["USUBJID", "AGE", "age", "SEX", "Trt01a", " AVAL ", "A B", "x"]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
CELL = st.one_of(TEXT, st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                 st.sampled_from(["", " ", "NA", "nan", "1e5", "-0", "=1+1", "Y", "N"]))


@st.composite
def csv_tables(draw):
    columns = draw(st.lists(st.sampled_from(NAMES), min_size=2, max_size=5))  # (one column: is "" a blank line?)
    rows = draw(st.lists(st.lists(CELL, min_size=len(columns), max_size=len(columns)), max_size=8))
    return columns, rows


@SETTINGS
@given(table=csv_tables())
def test_csv_loader_gives_a_normalised_frame_or_a_data_error(tmp_path, table):
    columns, rows = table
    path = tmp_path / "adsl.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # "\r\n" lines: a value holding "\r" or "\n" is quoted
    writer.writerow(columns)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    try:
        frame, _ = read_dataset(path)
    except DataError as exc:
        assert exc.problems and all(str(path) in str(p) and "\n" not in str(p) for p in exc.problems)
        return
    assert len(frame) == len(rows)
    assert list(frame.columns) == [c.strip().upper() for c in columns]
    assert len(set(frame.columns)) == len(columns)
    for name in frame.columns:
        values = frame[name]
        if isinstance(values.dtype, pd.CategoricalDtype):  # text, as datasets.normalise holds it
            values = values.astype(object)
        if values.dtype == object:
            assert all(isinstance(v, str) and v == v.strip() for v in values)
        else:
            assert values.dtype == np.float64


SAMPLES = {".xpt": (PILOT / "adam" / "adtte.xpt").read_bytes()[:20_000], ".csv": b"USUBJID,AGE\nS1,60\nS2,71\n",
           ".json": b'{"columns": [{"name": "USUBJID", "dataType": "string"}], "rows": [["S1"], ["S2"]]}'}


@SETTINGS
@given(suffix=st.sampled_from(sorted(SAMPLES)), seed=st.integers(0, 2**32 - 1), edits=st.integers(1, 30),
       cut=st.floats(0, 1))
def test_damaged_files_give_a_data_error(tmp_path, suffix, seed, edits, cut):
    rnd = random.Random(seed)
    data = bytearray(SAMPLES[suffix])
    for _ in range(edits):
        data[rnd.randrange(len(data))] = rnd.randrange(256)
    path = tmp_path / f"adtte{suffix}"
    path.write_bytes(bytes(data[: max(1, int(len(data) * cut))]) if cut < 0.5 else bytes(data))
    try:
        frame, _ = read_dataset(path)
    except DataError as exc:
        assert all(str(p).startswith(str(path)) and "\n" not in str(p) for p in exc.problems)
        return
    assert len(frame) > 0 and all(c == c.upper() for c in frame.columns)


# ------------------------------------------------------------------------------------ random trials

ARMS = ["Placebo", "Drug A", "Drug B", "<b>x</b>", "=1+1", "a $x^$ b", "Ärm 1"]
VISITS = ["Week 1", "Week 2", "Week 4"]
SOCS = ["Nervous system disorders", "Infections", "=SUM(A1)", ""]
TERMS = ["Headache", "Nausea", "Rash", "<i>x</i>"]


@st.composite
def trials(draw):
    """A small trial (ADSL, ADTTE, ADEFF, ADAE) with the spec of one analysis of each type."""
    arms = draw(st.lists(st.sampled_from(ARMS), min_size=1, max_size=3, unique=True))
    n = draw(st.integers(1, 24))
    messy = draw(st.booleans())  # now and then values validation must refuse
    flags = ["Y", "Y", "Y", "N", ""] + (["y", "1"] if messy else [])
    adsl, adtte, adeff, adae = [], [], [], []
    for i in range(n):
        subject = f"S-{i:03d}"
        adsl.append({"USUBJID": subject, "TRT01A": draw(st.sampled_from(arms + ([""] if messy else []))),
                     "SAFFL": draw(st.sampled_from(flags)),
                     "AGE": draw(st.one_of(st.none(), st.integers(18, 90), st.floats(0, 120))),
                     "SEX": draw(st.sampled_from(["M", "F", "", "U"]))})
        if draw(st.integers(0, 9)) > 0:
            time = draw(st.one_of(st.integers(0, 40), st.floats(0, 500, allow_nan=False), st.just(10.0)))
            if messy and draw(st.integers(0, 9)) == 0:
                time = draw(st.sampled_from([-1.0, math.nan, math.inf]))
            adtte.append({"USUBJID": subject, "PARAMCD": "TTE", "AVAL": time,
                          "CNSR": draw(st.sampled_from([0, 1, 1] + ([2] if messy else [])))})
        base = draw(st.one_of(st.none(), st.floats(-50, 50, allow_nan=False)))
        adeff.append({"USUBJID": subject, "PARAMCD": "SCORE", "AVISIT": "Baseline", "AVISITN": 0, "ABLFL": "Y",
                      "AVAL": base, "BASE": base, "CHG": None})
        for number, visit in enumerate(VISITS, start=1):
            if draw(st.integers(0, 4)) == 0:
                continue
            value = draw(st.one_of(st.none(), st.floats(-50, 50, allow_nan=False), st.just(3.0)))
            change = None if value is None or base is None else value - base
            adeff.append({"USUBJID": subject, "PARAMCD": "SCORE", "AVISIT": visit, "AVISITN": number, "ABLFL": "",
                          "AVAL": value, "BASE": base, "CHG": change})
        for _ in range(draw(st.integers(0, 3))):
            adae.append({"USUBJID": subject, "AEBODSYS": draw(st.sampled_from(SOCS)),
                         "AEDECOD": draw(st.sampled_from(TERMS)), "TRTEMFL": draw(st.sampled_from(["Y", "Y", "N", ""])),
                         "AESER": draw(st.sampled_from(["Y", "N", ""]))})
    reference = draw(st.sampled_from([*arms, None, "Nonexistent"]))
    spec = {
        "study": {"id": "P-1", "title": "Property"}, "product": {"name": "X"}, "indication": "Y",
        "reference_arm": reference,
        "analyses": [
            {"id": "demog", "type": "baseline", "variables": ["AGE", "SEX"]},
            {"id": "tte", "type": "time_to_event", "dataset": "adtte", "param": "TTE",
             "landmarks": draw(st.lists(st.floats(0, 600, allow_nan=False), max_size=2))},
            {"id": "score", "type": "change_from_baseline", "dataset": "adeff", "param": "SCORE",
             "mcid": draw(st.one_of(st.none(), st.floats(0.5, 10)))},
            {"id": "teae", "type": "adverse_events"},
        ],
    }
    if reference is None:
        del spec["reference_arm"]
    tables = {"adsl": adsl, "adtte": adtte, "adeff": adeff, "adae": adae}
    return spec, tables


def trial_data(tables: dict[str, list[dict]]) -> TrialData:
    frames, files = {}, {}
    for name, rows in tables.items():
        if not rows:
            continue
        frames[name] = normalise(pd.DataFrame(rows))
        files[name] = DatasetFile(name, Path(f"/virtual/adam/{name}.csv"), "csv", "0" * 64, 0)
    return TrialData(files=files, frames=frames)


def run_everything(spec_raw: dict, tables: dict) -> list[AnalysisResult]:
    """Validate, then run each analysis; only the project's own errors may come out."""
    spec = parse_spec(spec_raw, Path("/virtual"))
    data = trial_data(tables)
    needs = requirements(spec)
    if any(name not in data.frames for per in needs.values() for name in per):
        return []
    try:
        validate(spec, data, needs)
    except DataError as exc:
        assert exc.problems and all("\n" not in str(p) for p in exc.problems)
        return []
    results = []
    for analysis in spec.analyses:
        try:
            results.append(analysis_type(analysis.type).run(analysis, spec, data))
        except DossierError as exc:
            assert exc.problems and all("\n" not in str(p) for p in exc.problems)
    return results


@SETTINGS
@given(trial=trials())
def test_analyses_keep_their_invariants(trial):
    spec, tables = trial
    for result in run_everything(spec, tables):
        check_evidence(result.evidence)
        {"time_to_event": check_tte, "change_from_baseline": check_cfb, "adverse_events": check_ae,
         "baseline": check_baseline}.get(result.type, lambda r, t: None)(result, tables)


# ------------------------------------------------------------------------------------ invariants

PAIRS = {"median": "median_ci", "hazard_ratio": "hr_ci", "mean_change": "change_ci", "difference": "ci",
         "survival": "ci", "proportion": "ci"}


def contains(ci, value) -> bool:
    low, high = ci
    return (low is None or low <= value + EPS * max(1, abs(value))) and \
        (high is None or value <= high + EPS * max(1, abs(value)))


def check_evidence(node, path="") -> None:
    """Generic checks over the whole evidence tree: p-values in [0, 1], CIs containing their estimate,
    no NaN or infinity (JSON-safe numbers)."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}/{key}"
            if isinstance(value, float):
                assert math.isfinite(value), here
                if key == "p" or key.endswith("_p") or key.startswith("p_"):
                    assert -EPS <= value <= 1 + EPS, (here, value)
            if key in PAIRS and isinstance(value, (int, float)) and isinstance(node.get(PAIRS[key]), list):
                ci = node[PAIRS[key]]
                assert len(ci) == 2, here
                if None not in ci:
                    assert ci[0] <= ci[1] + EPS, (here, ci)
                assert contains(ci, value), (here, value, ci)
            check_evidence(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            check_evidence(value, f"{path}[{i}]")


def population_n(tables: dict, arm: str) -> int:
    return sum(1 for r in tables["adsl"] if r["SAFFL"] == "Y" and str(r["TRT01A"]) == arm)


def check_tte(result: AnalysisResult, tables: dict) -> None:
    for arm, group in result.evidence["groups"].items():
        assert 0 <= group["events"] <= group["n"] <= population_n(tables, arm)
        assert group["events"] + group["censored"] == group["n"]
        for mark in group["landmarks"].values():
            if mark["survival"] is not None:
                assert -EPS <= mark["survival"] <= 1 + EPS
        counts = result.evidence["at_risk"]["counts"][arm]
        assert all(a >= b for a, b in itertools.pairwise(counts)) and counts[0] <= group["n"]
    for figure in result.figures:
        for curve in figure.curves:
            y = [v for v in curve.y if v is not None]
            assert all(-EPS <= v <= 1 + EPS for v in y), curve.label
            assert all(a >= b - EPS for a, b in itertools.pairwise(y)), curve.label
            for est, low, high in zip(curve.y, curve.low, curve.high, strict=False):
                if None not in (est, low, high):
                    assert low - EPS <= est <= high + EPS and 0 - EPS <= low and high <= 1 + EPS
    for comparison in result.evidence["comparisons"]:
        if comparison["hazard_ratio"] is not None:
            assert comparison["hazard_ratio"] > 0


def check_cfb(result: AnalysisResult, tables: dict) -> None:
    for visit in result.evidence["visits"].values():
        for arm, group in visit["groups"].items():
            assert 0 <= group["n"] <= population_n(tables, arm)
            if group["n"] and group.get("min_change") is not None:
                assert group["min_change"] - EPS <= group["mean_change"] <= group["max_change"] + EPS
    for per_visit in (result.evidence.get("responders") or {}).values():
        for group in per_visit.values() if isinstance(per_visit, dict) else ():
            if isinstance(group, dict) and "n" in group and "responders" in group:
                assert 0 <= group["responders"] <= group["n"]


def check_ae(result: AnalysisResult, tables: dict) -> None:
    totals = result.evidence["N"]
    for arm, n in totals.items():
        if arm != "Total":
            assert n == population_n(tables, arm)
    for counts in result.evidence["overview"].values():
        assert all(0 <= counts[a] <= totals[a] for a in counts)
    for soc in result.evidence["soc"]:
        assert all(0 <= soc["counts"][a] <= totals[a] for a in soc["counts"])
        for term in soc["terms"]:
            assert all(term["counts"][a] <= soc["counts"][a] for a in term["counts"])
        assert all(soc["counts"][a] <= result.evidence["overview"]["any"][a] for a in soc["counts"])


def check_baseline(result: AnalysisResult, tables: dict) -> None:
    totals = result.evidence["N"]
    for variable in result.evidence["variables"].values():
        for arm, group in variable["groups"].items():
            if variable["kind"] == "categorical":
                assert sum(group["counts"].values()) + group["missing"] == group["N"] == totals[arm]
            else:
                assert group["n"] + group["missing"] == totals[arm]
                if group["n"]:
                    assert group["min"] - EPS <= group["mean"] <= group["max"] + EPS
                    assert group["q1"] - EPS <= group["median"] <= group["q3"] + EPS


# ------------------------------------------------------------------------------------ edge cases, always run


@pytest.mark.parametrize("times,censored", [
    ([5.0] * 6, [1] * 6),  # everyone censored at the same time
    ([0.0] * 6, [0] * 6),  # every event at time 0
    ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [0] * 6),  # the curve reaches 0
    ([3.0] * 6, [0, 1, 0, 1, 0, 1]),  # ties of events and censorings
])
def test_time_to_event_edge_cases(times, censored):
    adsl = [{"USUBJID": f"S{i}", "TRT01A": "Placebo" if i % 2 else "Drug", "SAFFL": "Y", "AGE": 50, "SEX": "F"}
            for i in range(6)]
    adtte = [{"USUBJID": f"S{i}", "PARAMCD": "TTE", "AVAL": t, "CNSR": c}
             for i, (t, c) in enumerate(zip(times, censored, strict=True))]
    spec = {"study": {"id": "E", "title": "E"}, "product": {"name": "X"}, "indication": "Y",
            "reference_arm": "Placebo", "analyses": [
                {"id": "tte", "type": "time_to_event", "dataset": "adtte", "param": "TTE", "landmarks": [0, 3, 10]}]}
    results = run_everything(spec, {"adsl": adsl, "adtte": adtte})
    assert len(results) == 1
    check_evidence(results[0].evidence)
    check_tte(results[0], {"adsl": adsl})
