"""CDISC Dataset-JSON (v1.0 and v1.1) -> a frame, every value checked against its column's dataType.

A value of the wrong type for its column ("12,5" or true in an integer column, a list anywhere, NaN or
1e400 in a float column) is a DataError naming the file, the column and the row (1-based, as for CSV):
never turned into a missing value. In v1.1 a `decimal` value may be written as a string ("12.50"), as the
standard allows, so that its digits are exact.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from dossier.config.limits import MAX_COLUMNS
from dossier.errors import DataError

NUMERIC = ("integer", "float", "double", "decimal")
TEXT = ("string", "uri")
DECIMAL_TEXT = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def read_dataset_json(path: Path, wanted: set[str] | None, select, check_names) -> pd.DataFrame:
    """The file's frame; `select(names, wanted)` chooses the columns kept, `check_names` checks the names."""
    where = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError("not UTF-8 text", where=where) from None
    except json.JSONDecodeError as exc:
        raise DataError(f"invalid JSON at line {exc.lineno}: {exc.msg}", where=where) from None
    except RecursionError:
        raise DataError("invalid JSON: nested too deeply to be a Dataset-JSON document", where=where) from None
    if not isinstance(doc, dict):
        raise DataError("not a CDISC Dataset-JSON document (top level must be an object)", where=where)
    if "columns" in doc and "rows" in doc:  # Dataset-JSON 1.1
        columns, rows = doc["columns"], doc["rows"]
    else:  # Dataset-JSON 1.0: clinicalData/referenceData -> itemGroupData -> one item group
        body = doc.get("clinicalData") or doc.get("referenceData")
        groups = (body or {}).get("itemGroupData") if isinstance(body, dict) else None
        if not isinstance(groups, dict) or len(groups) != 1 or not isinstance(next(iter(groups.values())), dict):
            raise DataError("not a CDISC Dataset-JSON document (expected columns/rows, or "
                            "clinicalData.itemGroupData with one item group)", where=where)
        group = next(iter(groups.values()))
        columns, rows = group.get("items"), group.get("itemData")
    if not isinstance(columns, list) or not isinstance(rows, list):
        raise DataError("Dataset-JSON columns/rows are missing or not lists", where=where)
    if len(columns) > MAX_COLUMNS:
        raise DataError(f"{len(columns):,} columns, more than the limit of {MAX_COLUMNS:,} per dataset", where=where)
    names = [c.get("name") for c in columns if isinstance(c, dict)]
    if len(names) != len(columns) or not all(isinstance(n, str) for n in names):
        raise DataError("every Dataset-JSON column needs a name", where=where)
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(names):
            raise DataError(f"row {i + 1} has {len(row) if isinstance(row, list) else 'no'} values, "
                            f"expected {len(names)}", where=where)
    check_names(names, path)
    kept = list(range(len(names)))
    if names and names[0] == "ITEMGROUPDATASEQ":  # v1.0 record sequence column, not a variable
        kept = kept[1:]
    if wanted is not None:
        chosen = set(select([names[i] for i in kept], wanted))
        kept = [i for i in kept if names[i] in chosen]
    table = pd.DataFrame(rows, columns=range(len(names)), dtype=object)  # the values as they are (a list stays one)
    data = {}
    for i in kept:
        kind = str(columns[i].get("dataType") or columns[i].get("type") or "").lower()
        data[names[i]] = column_values(table[i].to_numpy(), kind, names[i], where)
    del table
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
    frame.attrs["labels"] = {str(c["name"]).upper(): str(c["label"]) for c in columns if c.get("label")}
    return frame


def column_values(values: np.ndarray, kind: str, name: str, where: str):
    """One column's values: floats (NaN for null) for a numeric dataType, the values as they are otherwise;
    DataError at the first value that does not fit the dataType."""
    if kind in NUMERIC:
        fast = _plain_numbers(values, kind)
        if fast is not None:
            return fast
        numbers = [_number(v, kind) for v in values]
        for row, (value, number) in enumerate(zip(values, numbers, strict=True), start=1):
            if number is None and value is not None:
                raise DataError(f"{name.upper()}: row {row} holds {_shown(value)}, {_why(value, kind)}", where=where)
        return pd.array([math.nan if n is None else n for n in numbers], dtype="float64")
    types = set(map(type, values))
    if types <= ({str, type(None)} if kind in TEXT else {bool, type(None)} if kind == "boolean" else
                 types - {list, dict}):
        return values  # the common case, checked at once
    for row, value in enumerate(values, start=1):
        if value is None:
            continue
        if kind in TEXT and not isinstance(value, str):
            raise DataError(f"{name.upper()}: row {row} holds {_shown(value)}, not text (the column's dataType is "
                            f"{kind})", where=where)
        if kind == "boolean" and not isinstance(value, bool):
            raise DataError(f"{name.upper()}: row {row} holds {_shown(value)}, not true or false (the column's "
                            "dataType is boolean)", where=where)
        if isinstance(value, (list, dict)):
            raise DataError(f"{name.upper()}: row {row} holds {_shown(value)}, not a single value", where=where)
    return values


def _plain_numbers(values: list, kind: str):
    """The column as float64 when every value is a finite JSON number or null (whole for `integer`), else None
    (the value-by-value path then names the first wrong one). Numpy does the work for the common case."""
    if not set(map(type, values)) <= {int, float, type(None)}:
        return None
    given = values != None  # elementwise on an object array (`is not None` would compare the array)
    try:
        numbers = np.where(given, values, math.nan).astype("float64")
    except OverflowError:  # an integer beyond the range of a double
        return None
    finite = np.isfinite(numbers)
    if not finite[given].all() or (kind == "integer" and (numbers[finite] != np.floor(numbers[finite])).any()):
        return None
    return pd.array(numbers, dtype="float64")


def _number(value, kind: str) -> float | None:
    """The value as a finite float, or None when it is not one (or is null)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        if kind != "decimal" or not DECIMAL_TEXT.fullmatch(value):
            return None
        value = float(value)
    if isinstance(value, int):
        try:
            value = float(value)
        except OverflowError:
            return None
    if not isinstance(value, float) or not math.isfinite(value):
        return None
    if kind == "integer" and not value.is_integer():
        return None
    return value


def _why(value, kind: str) -> str:
    if isinstance(value, float) and math.isnan(value):
        return f"not a number (the column's dataType is {kind}; write null for a missing value)"
    number = not isinstance(value, bool) and isinstance(value, (int, float))
    if number or (kind == "decimal" and isinstance(value, str) and DECIMAL_TEXT.fullmatch(value)):
        too_large = abs(value) > sys.float_info.max if isinstance(value, int) else not math.isfinite(float(value))
        if too_large:
            return f"out of range: numbers must be finite (the column's dataType is {kind})"
        if kind == "integer":
            return "not an integer (the column's dataType is integer)"
    return f"not a number (the column's dataType is {kind})"


def _shown(value) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value[:40] + ("..." if len(value) > 40 else ""))
    if isinstance(value, float) and not math.isfinite(value):
        return {math.inf: "Infinity", -math.inf: "-Infinity"}.get(value, "NaN")
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "..."
