"""Loading ADaM files in every supported format, and the problems a bad file gets."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dossier.data.datasets import load, read_dataset
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

    from dossier.data.columns import WHITESPACE

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


def _json11(path, kind: str, values: list) -> None:
    path.write_text(json.dumps({"datasetJSONVersion": "1.1", "columns": [
        {"itemOID": "IT.USUBJID", "name": "USUBJID", "dataType": "string"},
        {"itemOID": "IT.X", "name": "X", "dataType": kind}], "rows": [[f"S{i}", v] for i, v in enumerate(values)]}),
        encoding="utf-8")


@pytest.mark.parametrize("kind,values,expected", [
    ("float", [1.5, None, 2], [1.5, None, 2.0]),
    ("double", [-2.5, 1e-30], [-2.5, 1e-30]),
    ("integer", [3, 4.0, None], [3.0, 4.0, None]),
    ("decimal", ["12.50", 3, " -1e3 ", None], [12.5, 3.0, -1000.0, None]),  # v1.1: decimals may be strings
])
def test_dataset_json_numbers_of_the_declared_type_are_read(tmp_path, kind, values, expected):
    path = tmp_path / "adsl.json"
    _json11(path, kind, values)
    frame, _ = read_dataset(path)
    got = [None if pd.isna(v) else v for v in frame["X"]]
    assert got == expected


@pytest.mark.parametrize("kind,values,expected", [
    ("float", [1.0, "12,5"], "row 2 holds '12,5', not a number"),
    ("float", ["n/a"], "row 1 holds 'n/a', not a number"),
    ("float", [1.0, "1.5"], "row 2 holds '1.5', not a number"),  # only decimal values may be strings
    ("integer", [False], "row 1 holds false, not a number"),
    ("integer", [2.5], "row 1 holds 2.5, not an integer"),
    ("integer", [10**400], "out of range"),
    ("double", [{"a": 1}], "row 1 holds an object"),
    ("decimal", [["1"]], "row 1 holds a list"),
    ("decimal", ["1e999"], "row 1 holds '1e999', out of range"),
    ("string", [12], "row 1 holds 12, not text"),
    ("string", [["a"]], "row 1 holds a list, not text"),
    ("boolean", ["yes"], "row 1 holds 'yes', not true or false"),
    ("date", [{"y": 2020}], "row 1 holds an object, not a single value"),
])
def test_dataset_json_values_of_the_wrong_type_are_errors(tmp_path, kind, values, expected):
    path = tmp_path / "adsl.json"
    _json11(path, kind, values)
    with pytest.raises(DataError) as info:
        read_dataset(path)
    assert str(info.value).startswith(f"{path}: X: ") and expected in str(info.value), str(info.value)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1E+999"])
def test_dataset_json_non_finite_numbers_are_errors(tmp_path, literal):
    """Python's JSON reader accepts NaN and Infinity and reads 1e400 as inf: none may pass as a number."""
    path = tmp_path / "adtte.json"
    path.write_text('{"columns": [{"name": "USUBJID", "dataType": "string"}, {"name": "AVAL", "dataType": "float"}],'
                    f' "rows": [["S1", 3.5], ["S2", {literal}]]}}', encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_dataset(path)
    assert str(info.value).startswith(f"{path}: AVAL: row 2 holds ")


def test_dataset_json_v1_0_numbers_are_checked_too(tmp_path):
    path = tmp_path / "adsl.json"
    path.write_text(json.dumps({"clinicalData": {"itemGroupData": {"IG.ADSL": {
        "items": [{"OID": "ITEMGROUPDATASEQ", "name": "ITEMGROUPDATASEQ", "type": "integer"},
                  {"OID": "IT.USUBJID", "name": "USUBJID", "type": "string"},
                  {"OID": "IT.AGE", "name": "AGE", "type": "integer"}],
        "itemData": [[1, "S1", 60], [2, "S2", "sixty"]]}}}}), encoding="utf-8")
    with pytest.raises(DataError, match=r"AGE: row 2 holds 'sixty', not a number"):
        read_dataset(path)


@pytest.mark.parametrize("text,row,shown", [("USUBJID,AGE\nS1,60\nS2,inf\n", 2, "'inf'"),
                                            ("USUBJID,AGE\nS1,-INFINITY\nS2,61\n", 1, "'-INFINITY'"),
                                            ("USUBJID,AGE\nS1,60\nS2,2e308\n", 2, "'2e308'"),
                                            ("USUBJID,AGE\nS1,nan\nS2,61\n", 1, "'nan'")])
def test_csv_non_finite_numbers_are_errors(tmp_path, text, row, shown):
    path = tmp_path / "adsl.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_dataset(path)
    assert str(info.value).startswith(f"{path}: AGE: row {row} holds {shown}: numbers must be finite")


def test_csv_text_column_with_a_nan_word_stays_text(tmp_path):
    """A column of words is text: "nan" among them is a word, not a broken number."""
    path = tmp_path / "adsl.csv"
    path.write_text("USUBJID,NOTE\nS1,nan\nS2,fine\n", encoding="utf-8")
    frame, _ = read_dataset(path)
    assert list(frame["NOTE"]) == ["nan", "fine"]


@pytest.mark.parametrize("value,shown", [(float("nan"), "NaN"), (float("inf"), "inf"), (float("-inf"), "-inf")])
def test_parquet_nan_and_infinity_are_errors_but_null_is_missing(tmp_path, value, shown):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "adtte.parquet"
    pq.write_table(pa.table({"USUBJID": ["S1", "S2", "S3"], "AVAL": pa.array([1.0, None, value], from_pandas=False)}),
                   path)
    with pytest.raises(DataError) as info:
        read_dataset(path)
    assert str(info.value).startswith(f"{path}: AVAL: row 3 holds {shown}")
    pq.write_table(pa.table({"USUBJID": ["S1", "S2"], "AVAL": pa.array([1.0, None])}), path)
    assert read_dataset(path)[0]["AVAL"].isna().tolist() == [False, True]


@pytest.mark.parametrize("value,shown", [(float("inf"), "inf: numbers must be finite"),
                                         (1e100, "inf: numbers must be finite"),  # beyond IBM floats: read as inf
                                         (1e70, "1e+70: beyond the limit")])
def test_xpt_infinity_and_huge_numbers_are_errors(tmp_path, value, shown):
    """SAS transport stores IBM floats (up to 7e75); pyreadstat reads an overflowed one as inf."""
    import pyreadstat

    path = tmp_path / "adtte.xpt"
    pyreadstat.write_xport(pd.DataFrame({"USUBJID": ["S1", "S2"], "AVAL": [1.0, value]}), str(path))
    with pytest.raises(DataError) as info:
        read_dataset(path)
    assert str(info.value).startswith(f"{path}: AVAL: row 2 holds {shown}")


def test_xpt_missing_values_are_missing(tmp_path):
    import pyreadstat

    path = tmp_path / "adtte.xpt"
    pyreadstat.write_xport(pd.DataFrame({"USUBJID": ["S1", "S2"], "AVAL": [1.0, float("nan")]}), str(path))
    assert read_dataset(path)[0]["AVAL"].isna().tolist() == [False, True]


def test_too_many_columns_are_refused_from_the_header_of_each_format(tmp_path, monkeypatch):
    import dossier.data.dataset_json
    import dossier.data.datasets

    monkeypatch.setattr(dossier.data.datasets, "MAX_COLUMNS", 3)
    monkeypatch.setattr(dossier.data.dataset_json, "MAX_COLUMNS", 3)
    frame = pd.DataFrame({f"V{i}": [1.0] for i in range(4)})
    frame.to_parquet(tmp_path / "a.parquet")
    frame.to_csv(tmp_path / "b.csv", index=False)
    _json11(tmp_path / "c.json", "float", [1.0])
    json_doc = json.loads((tmp_path / "c.json").read_text())
    json_doc["columns"] += [{"name": "Y", "dataType": "float"}, {"name": "Z", "dataType": "float"}]
    (tmp_path / "c.json").write_text(json.dumps(json_doc))
    import pyreadstat

    pyreadstat.write_xport(frame, str(tmp_path / "d.xpt"))
    for name in ("a.parquet", "b.csv", "c.json", "d.xpt"):
        with pytest.raises(DataError) as info:
            read_dataset(tmp_path / name)
        assert str(info.value) == f"{tmp_path / name}: 4 columns, more than the limit of 3 per dataset"


def test_a_quoted_header_is_counted_as_the_csv_reader_sees_it(tmp_path, monkeypatch):
    import dossier.data.datasets

    monkeypatch.setattr(dossier.data.datasets, "MAX_COLUMNS", 3)
    path = tmp_path / "adsl.csv"
    path.write_text('USUBJID,"A, B, C, D"\nS1,1\n', encoding="utf-8")  # 4 commas, 2 columns
    assert list(read_dataset(path)[0].columns) == ["USUBJID", "A, B, C, D"]


def test_a_text_value_longer_than_the_limit_is_an_error(tmp_path):
    path = tmp_path / "adae.csv"
    path.write_text("USUBJID,AEDECOD\nS1,Headache\nS2," + "Nausea " * 200 + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_dataset(path)
    assert str(info.value) == f"{path}: AEDECOD: row 2 holds a text value of 1,399 characters, more than the limit " \
                              "of 1,000"


def test_a_word_longer_than_the_limit_in_a_text_value_is_an_error(tmp_path):
    """A value shown in the documents (an AE term) must be breakable into lines: no word over 200 characters."""
    path = tmp_path / "adae.csv"
    path.write_text("USUBJID,AEDECOD\nS1,Headache\nS2,Pain " + "x" * 201 + "\nS3," + "y" * 200 + "\n",
                    encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_dataset(path)
    assert str(info.value) == (f"{path}: AEDECOD: row 2 holds a word of 201 characters, more than the limit of 200 "
                               "without a space or another place to break the line")
    path.write_text("USUBJID,AEDECOD\nS1,Headache\nS3," + "y" * 200 + "\nS4," + "\u75db" * 900 + "\n",
                    encoding="utf-8")
    assert len(read_dataset(path)[0]) == 3  # 200 characters, and Japanese text (breakable anywhere), are fine


def test_parquet_decimals_are_numbers_and_nested_columns_are_errors(tmp_path):
    import decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "adtte.parquet"
    pq.write_table(pa.table({"USUBJID": ["S1", "S2"], "AVAL": pa.array([decimal.Decimal("12.50"), None],
                                                                       pa.decimal128(5, 2))}), path)
    frame, _ = read_dataset(path)
    assert frame["AVAL"].dtype == "float64" and frame["AVAL"].tolist()[0] == 12.5 and pd.isna(frame["AVAL"][1])
    pq.write_table(pa.table({"USUBJID": ["S1", "S2"], "AVAL": pa.array([{"v": 1.0}, {"v": 2.0}])}), path)
    with pytest.raises(DataError) as info:
        read_dataset(path)
    assert str(info.value).startswith(f"{path}: AVAL: a column of struct<v: double> values")
