"""Loading ADaM files in every supported format, and the problems a bad file gets."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dossier.datasets import load, read_dataset
from dossier.errors import DataError
from tests.conftest import PILOT


def test_xpt_exact_zeros_stay_zero():
    # pandas' own xpt reader returns 5.4e-79 for these; pyreadstat must give exact zeros
    adsl, _ = read_dataset(PILOT / "adam" / "adsl.xpt")
    placebo = adsl[adsl["TRT01A"] == "Placebo"]
    assert (placebo["TRT01AN"] == 0.0).all()
    adtte, _ = read_dataset(PILOT / "adam" / "adtte.xpt")
    assert set(adtte["CNSR"].unique()) == {0.0, 1.0}


def test_xpt_normalisation_and_labels():
    data = load(PILOT, {"adsl": set()})
    adsl = data.frame("adsl")
    assert len(adsl) == 254 and adsl["USUBJID"].is_unique
    assert pd.api.types.is_datetime64_any_dtype(adsl["TRTSDT"])
    assert (adsl["SAFFL"].isin(["Y", "N", ""])).all()
    assert data.label("adsl", "AGE") == "Age"
    assert len(data.file("adsl").sha256) == 64


def test_parquet_blank_strings_become_empty():
    adas, _ = read_dataset(PILOT / "adam" / "adadas.parquet")
    assert (adas["ABLFL"].isin(["Y", ""])).all()


def _small_frame():
    return pd.DataFrame({"USUBJID": ["S1", "S2"], "AGE": [60.0, 71.0], "SEX": ["F", ""]})


def test_csv_and_dataset_json_match(tmp_path):
    csv_path = tmp_path / "adsl.csv"
    _small_frame().to_csv(csv_path, index=False)
    from_csv, warnings = read_dataset(csv_path)
    assert warnings == []
    json_path = tmp_path / "adsl.json"
    json_path.write_text(json.dumps({
        "datasetJSONVersion": "1.1",
        "columns": [{"itemOID": "IT.USUBJID", "name": "USUBJID", "label": "Subject", "dataType": "string"},
                    {"itemOID": "IT.AGE", "name": "AGE", "label": "Age", "dataType": "integer"},
                    {"itemOID": "IT.SEX", "name": "SEX", "label": "Sex", "dataType": "string"}],
        "rows": [["S1", 60, "F"], ["S2", 71, None]]}), encoding="utf-8")
    from_json, _ = read_dataset(json_path)
    pd.testing.assert_frame_equal(from_csv, from_json)
    assert from_json.attrs["labels"]["AGE"] == "Age"


def test_dataset_json_v1_0(tmp_path):
    path = tmp_path / "adsl.json"
    path.write_text(json.dumps({"clinicalData": {"itemGroupData": {"IG.ADSL": {
        "items": [{"OID": "ITEMGROUPDATASEQ", "name": "ITEMGROUPDATASEQ", "type": "integer"},
                  {"OID": "IT.USUBJID", "name": "USUBJID", "type": "string"},
                  {"OID": "IT.AGE", "name": "AGE", "type": "float"}],
        "itemData": [[1, "S1", 60.5], [2, "S2", 70]]}}}}), encoding="utf-8")
    frame, _ = read_dataset(path)
    assert list(frame.columns) == ["USUBJID", "AGE"]
    assert frame["AGE"].tolist() == [60.5, 70.0]


def test_csv_with_bom_is_read_with_a_warning(tmp_path):
    path = tmp_path / "adsl.csv"
    path.write_bytes(b"\xef\xbb\xbfUSUBJID,AGE\nS1,60\n")
    frame, warnings = read_dataset(path)
    assert list(frame.columns) == ["USUBJID", "AGE"]
    assert "byte-order mark" in warnings[0]


@pytest.mark.parametrize("name,content,expected", [
    ("adsl.csv", "USUBJID,SEX\nS1,M\u00e4nnlich\n".encode("latin-1"), "not UTF-8"),
    ("adsl.xpt", b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!" + b"0" * 20, "cannot read as xpt"),
    ("adsl.parquet", b"PAR1 truncated", "cannot read as parquet"),
    ("adsl.json", b"{not json", "invalid JSON"),
    ("adsl.json", b"[1, 2]", "not a CDISC Dataset-JSON"),
    ("adsl.csv", b"", "file is empty"),
    ("adsl.csv", b"USUBJID,AGE\n", "no records"),
])
def test_bad_files_get_one_line_naming_the_file(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_dataset(path)
    message = str(info.value)
    assert expected in message and str(path) in message and "\n" not in message


def test_missing_dataset_and_unknown_format_reported_together(tmp_path):
    (tmp_path / "adam").mkdir()
    (tmp_path / "adam" / "adsl.sas7bdat").write_bytes(b"x")
    with pytest.raises(DataError) as info:
        load(tmp_path, {"adsl": set(), "adae": set()})
    text = str(info.value)
    assert "unknown dataset format '.sas7bdat'" in text
    assert "dataset 'adae' not found" in text and "dataset 'adsl' not found" in text


def test_whitespace_list_is_what_str_strip_removes():
    import sys

    from dossier.text_columns import WHITESPACE

    assert set(WHITESPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


def test_parquet_text_is_stripped_and_blank_for_null(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    values = [" A", "A", None, "B\u3000", "", "B", "C"] * 3  # "A" and " A" become one value, as do "B" and "B\u3000"
    pq.write_table(pa.table({"usubjid": [f"S{i}" for i in range(len(values))], "x": values}), tmp_path / "adsl.parquet")
    frame, _ = read_dataset(tmp_path / "adsl.parquet")
    assert frame["X"].tolist() == [(v or "").strip() for v in values]
    assert isinstance(frame["X"].dtype, pd.CategoricalDtype) and frame["X"].cat.categories.is_unique
    assert list(frame.columns) == ["USUBJID", "X"]
