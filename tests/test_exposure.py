"""The `exposure` type: one exposure value per subject summarised by arm, checked against a plain computation
from the raw rows (statistics module of the standard library; SAS QNTLDEF=5 quartiles by hand), hand cases for
classes, dates and an ADEX-style dataset, and its bad input."""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dossier.analyses import declared
from dossier.analyses import exposure_stats as exposure
from dossier.data.datasets import TrialData, load
from dossier.errors import AnalysisError, SpecError
from tests.conftest import glossary_entries, table_text, terms_of
from tests.conftest import toy_spec as make_spec

ROOT = Path(__file__).resolve().parents[1]
PILOT = ROOT / "datasets" / "cdisc-pilot01"
ARMS = ("Placebo", "Xanomeline Low Dose", "Xanomeline High Dose")


def run(data: TrialData, analysis: dict, lang: str = "en", **top):
    spec = make_spec({"id": "ex", "type": "exposure", **analysis}, **top).localised(lang)
    return exposure.run(spec.analyses[0], spec, data)


def sas_quartiles(values: list[float]) -> tuple[float, float]:
    """QNTLDEF=5 by its definition: n*p = j + g; g > 0: x(j+1), else (x(j) + x(j+1)) / 2."""
    x = sorted(values)
    out = []
    for p in (0.25, 0.75):
        j, g = divmod(len(x) * p, 1)
        j = int(j)
        out.append(x[j] if g > 0 else (x[j - 1] + x[j]) / 2)
    return out[0], out[1]


PILOT_OPTIONS = {"variable": "TRTDURD", "categories": [30, 90, 180], "unit": {"en": "days", "ja": "日"}}


@pytest.fixture(scope="module")
def pilot():
    data = load(PILOT, {"adsl": set()})
    return data, run(data, PILOT_OPTIONS)


def test_pilot_treatment_duration_against_a_plain_summary(pilot):
    data, result = pilot
    adsl = data.frame("adsl")
    for arm in ARMS:
        values = [float(v) for v, a, f in zip(adsl["TRTDURD"], adsl["TRT01A"], adsl["SAFFL"]) if a == arm and f == "Y"]
        got = result.evidence["groups"][arm]
        assert got["n"] == len(values) and got["missing"] == 0
        assert got["mean"] == pytest.approx(statistics.fmean(values), rel=1e-12)
        assert got["sd"] == pytest.approx(statistics.stdev(values), rel=1e-12)
        assert got["median"] == statistics.median(values)
        assert (got["q1"], got["q3"]) == sas_quartiles(values)
        assert (got["min"], got["max"]) == (min(values), max(values))
        classes = {"<30": 0, "30-<90": 0, "90-<180": 0, ">=180": 0}
        for v in values:
            classes["<30" if v < 30 else "30-<90" if v < 90 else "90-<180" if v < 180 else ">=180"] += 1
        assert {k: c[arm] for k, c in result.evidence["categories"].items()} == classes
    assert result.evidence["N"] == {"Placebo": 86, "Xanomeline Low Dose": 84, "Xanomeline High Dose": 84,
                                    "Total": 254}
    assert result.evidence["variable"] == "TRTDURD"


def test_pilot_table_in_both_languages(pilot):
    data, result = pilot
    (tbl,) = result.tables
    en = table_text(tbl)
    assert en[0][0] == "Exposure" and en[0][1] == "Placebo (N=86)"
    assert en[1][0] == "Total Treatment Duration (Days) (days)"  # the ADSL label, then `unit`
    assert [row[0] for row in en[-5:]] == ["Categories, n (%)", "<30", "30 to <90", "90 to <180", "≥180"]
    (ja_table,) = run(data, PILOT_OPTIONS, lang="ja").tables
    ja = table_text(ja_table, "ja")
    assert ja[1][0].endswith(" (日)") and ja[-1][0] == "180以上"
    entries = glossary_entries()
    assert terms_of(result) <= set(entries)


def toy(adsl: dict, adex: list[dict] | None = None) -> TrialData:
    frames = {"adsl": pd.DataFrame(adsl)}
    if adex is not None:
        frames["adex"] = pd.DataFrame(adex)
    return TrialData(files={}, frames=frames)


ADSL = {"USUBJID": ["S1", "S2", "S3", "S4"], "SAFFL": ["Y", "Y", "Y", "N"], "TRT01A": ["A", "A", "B", "B"],
        "TRTSDT": pd.to_datetime(["2021-01-01", "2021-02-01", "2021-03-01", "2021-03-01"]),
        "TRTEDT": pd.to_datetime(["2021-01-10", "2021-02-01", None, "2021-03-02"]),
        "DOSES": [3.0, np.nan, 1.0, 2.0]}


def test_dates_give_days_both_included_and_missing_is_counted():
    result = run(toy(ADSL), {"start": "TRTSDT", "end": "TRTEDT"})
    assert result.evidence["variable"] == "TRTEDT - TRTSDT + 1"
    assert result.evidence["groups"]["A"]["n"] == 2 and result.evidence["groups"]["A"]["mean"] == 5.5  # 10 and 1
    assert result.evidence["groups"]["B"] == {"n": 0, "mean": None, "sd": None, "median": None, "q1": None,
                                              "q3": None, "min": None, "max": None, "missing": 1}
    assert any("1 subject(s) of the population have no value of TRTEDT - TRTSDT + 1" in w for w in result.warnings)
    late = {**ADSL, "TRTEDT": pd.to_datetime(["2020-12-30", "2021-02-01", "2021-03-01", "2021-03-02"])}
    with pytest.raises(AnalysisError, match=r"negative duration .* first USUBJID 'S1'"):
        run(toy(late), {"start": "TRTSDT", "end": "TRTEDT"})


def test_a_bds_exposure_dataset_one_record_per_subject():
    adex = [{"USUBJID": "S1", "PARAMCD": "NDOSE", "PARAM": "Number of doses", "AVAL": 4.0},
            {"USUBJID": "S2", "PARAMCD": "NDOSE", "PARAM": "Number of doses", "AVAL": 2.0},
            {"USUBJID": "S3", "PARAMCD": "NDOSE", "PARAM": "Number of doses", "AVAL": 1.0},
            {"USUBJID": "S1", "PARAMCD": "CUMDOSE", "PARAM": "Cumulative dose", "AVAL": 40.0}]
    result = run(toy(ADSL, adex), {"dataset": "adex", "param": "NDOSE"})
    assert result.evidence["groups"]["A"]["mean"] == 3.0 and result.evidence["groups"]["B"]["max"] == 1.0
    assert table_text(result.tables[0])[1][0] == "Number of doses"
    assert result.datasets == ("adex", "adsl")
    twice = [*adex, {"USUBJID": "S1", "PARAMCD": "NDOSE", "PARAM": "Number of doses", "AVAL": 5.0}]
    with pytest.raises(AnalysisError, match=r"adex has 1 more record\(s\) than subjects for PARAMCD = 'NDOSE' "
                                            r"\(first USUBJID 'S1'\); select one per subject with where"):
        run(toy(ADSL, twice), {"dataset": "adex", "param": "NDOSE"})


def test_non_numeric_variable_is_one_line():
    with pytest.raises(AnalysisError, match="adsl variable TRT01A must be numeric"):
        run(toy(ADSL), {"variable": "TRT01A"})


def test_declared_variables():
    spec = make_spec({"id": "ex", "type": "exposure", "dataset": "adex", "param": "NDOSE", "where": {"AVISIT": "X"}})
    needs = declared(spec.analyses[0], spec)
    assert {"USUBJID", "PARAMCD", "AVAL", "AVISIT"} <= needs["adex"].required
    spec = make_spec({"id": "ex", "type": "exposure", "start": "TRTSDT", "end": "EOSDT"})
    assert {"TRTSDT", "EOSDT"} <= declared(spec.analyses[0], spec)["adsl"].required


@pytest.mark.parametrize(("options", "message"), [
    ({}, "analyses[1].variable: required for an exposure analysis"),
    ({"param": "X"}, "analyses[1].dataset: param: selects records of a BDS exposure dataset"),
    ({"start": "TRTSDT"}, "analyses[1].end: start and end are given together"),
    ({"variable": "TRTDURD", "start": "A", "end": "B"}, "analyses[1].start: give either start and end"),
    ({"variable": "TRTDURD", "categories": [90, 30]}, "analyses[1].categories: the cut points [90.0, 30.0]"),
])
def test_yaml_errors_name_their_key(options, message):
    with pytest.raises(SpecError) as caught:
        make_spec({"id": "ex", "type": "exposure", **options})
    assert any(message in str(p) for p in caught.value.problems), [str(p) for p in caught.value.problems]
