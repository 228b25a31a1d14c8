"""Helpers shared by the analysis modules: populations, arms, record filters, text columns, precision."""

from __future__ import annotations

import math
import weakref

import numpy as np
import pandas as pd

from dossier.analyses.options import Setting, setting  # noqa: F401 (the analyses' common.setting)


def population(adsl: pd.DataFrame, flag: str) -> pd.DataFrame:
    """ADSL rows of the analysis population (flag == "Y")."""
    return adsl[adsl[flag] == "Y"]


def arm_order(subjects: pd.DataFrame, arm: str, reference: str | None) -> tuple[str, ...]:
    """Arm values in display order: by the numeric code `<ARM>N` when ADSL has it (TRT01AN for
    TRT01A), else alphabetically; the reference arm first when there is no numeric code."""
    values = [v for v in subjects[arm].unique() if v != ""]
    code = arm + "N"
    if code in subjects.columns and pd.api.types.is_numeric_dtype(subjects[code]):
        codes = subjects.groupby(arm, observed=True)[code].min()
        return tuple(sorted(values, key=lambda v: (codes.get(v, math.inf), v)))
    ordered = sorted(values)
    if reference in ordered:
        ordered.remove(reference)
        ordered.insert(0, reference)
    return tuple(ordered)


def apply_where(records: pd.DataFrame, where: tuple[tuple[str, tuple[str, ...]], ...]) -> pd.DataFrame:
    """Keep the records whose variables take one of the required values (compared as text)."""
    if not where:
        return records
    return records[where_mask(records, where)]


def where_mask(records: pd.DataFrame, where: tuple[tuple[str, tuple[str, ...]], ...]) -> np.ndarray:
    """True for the records that pass `where` (see apply_where)."""
    mask = np.ones(len(records), dtype=bool)
    for name, values in where:
        column = records[name]
        if pd.api.types.is_numeric_dtype(column):
            wanted = [float(v) for v in values if _is_number(v)]
            mask &= column.isin(wanted).to_numpy()
        else:
            mask &= text_in(column, values)
    return mask


# ------------------------------------------------------------------ text columns (object or Categorical)
# Loaded frames hold text as pandas Categorical (datasets.normalise): a comparison is then made once per
# distinct value and expanded through the codes, instead of once per record. Frames built by hand (tests)
# hold object columns; both give the same answers.


def is_categorical(column: pd.Series) -> bool:
    return isinstance(column.dtype, pd.CategoricalDtype)


def category_texts(categories: pd.Index) -> np.ndarray:
    """str() of each category (object array); no per-value work when they are str already."""
    if categories.inferred_type == "string":
        return categories.to_numpy(dtype=object)
    return np.array([str(c) for c in categories], dtype=object)


def text_in(column: pd.Series, values) -> np.ndarray:
    """`column.astype(str).isin(values)` as a boolean array."""
    wanted = list(dict.fromkeys(str(v) for v in values))
    if is_categorical(column):
        hits = np.append(pd.Index(category_texts(column.cat.categories)).isin(wanted), "nan" in wanted)
        return hits[column.cat.codes.to_numpy()]  # code -1 (missing) -> the last entry, as astype(str) gives "nan"
    return column.astype(str).isin(wanted).to_numpy()


def as_str(column: pd.Series) -> pd.Series:
    """`column.astype(str)` (object values), computed once per category for a Categorical column."""
    if is_categorical(column):
        texts = np.append(category_texts(column.cat.categories), "nan")
        return pd.Series(texts[column.cat.codes.to_numpy()], index=column.index, name=column.name)
    return column.astype(str)


def text_set(column: pd.Series) -> set[str]:
    """set(column.astype(str))."""
    if is_categorical(column):
        return {str(v) for v in distinct(column)}  # str(nan) == "nan", as astype(str)
    return set(column.astype(str))


_MATCHES: dict[tuple[int, int], tuple[weakref.ref, weakref.ref, np.ndarray]] = {}


def category_positions(keys: pd.Index, values: pd.Index) -> np.ndarray:
    """keys.get_indexer(values) for two Categoricals' categories, remembered for the last few pairs while both
    exist (the USUBJID categories of ADSL and of a record dataset are matched by validation and by each
    analysis)."""
    key = (id(keys), id(values))
    found = _MATCHES.get(key)
    if found is None or found[0]() is not keys or found[1]() is not values:
        for stale in [k for k, (a, b, _) in _MATCHES.items() if a() is None or b() is None]:
            del _MATCHES[stale]
        if len(_MATCHES) >= 8:
            _MATCHES.pop(next(iter(_MATCHES)))
        found = _MATCHES[key] = (weakref.ref(keys), weakref.ref(values), keys.get_indexer(values))
    return found[2]


def positions(keys: pd.Series, values: pd.Series) -> np.ndarray:
    """For each of `values`, the position of the equal value in `keys` (distinct values), -1 when there is
    none: the row pairing of a join on these columns, looked up once per category for Categoricals."""
    if is_categorical(keys) and is_categorical(values):
        key_codes = keys.cat.codes.to_numpy()
        row_of_code = np.full(len(keys.cat.categories) + 1, -1, dtype=np.int64)  # the last: missing
        row_of_code[key_codes] = np.arange(len(key_codes))
        per_category = category_positions(keys.cat.categories, values.cat.categories)
        per_code = np.append(np.where(per_category >= 0, row_of_code[per_category], -1), row_of_code[-1])
        return per_code[values.cat.codes.to_numpy()]  # code -1 (missing) -> the last entry
    index = pd.Index(keys.to_numpy(dtype=object) if is_categorical(keys) else keys.to_numpy())
    if is_categorical(values):
        per_code = np.append(index.get_indexer(values.cat.categories), index.get_indexer([np.nan]))
        return per_code[values.cat.codes.to_numpy()]
    return index.get_indexer(values.to_numpy())


def text_map(column: pd.Series, function) -> pd.Series:
    """`column.astype(str).map(function)` (object values), `function` called once per distinct value."""
    if is_categorical(column):
        texts = np.append(category_texts(column.cat.categories), "nan")  # code -1 (missing) reads "nan"
        mapped = np.array([function(t) for t in texts], dtype=object)
        return pd.Series(mapped[column.cat.codes.to_numpy()], index=column.index, name=column.name)
    codes, uniques = pd.factorize(column.astype(str))
    mapped = np.array([function(t) for t in uniques], dtype=object)
    return pd.Series(mapped[codes], index=column.index, name=column.name)


def take_rows(frame: pd.DataFrame, rows: np.ndarray, columns=None, new_index: bool = False) -> pd.DataFrame:
    """frame.loc[rows, columns] for a boolean or integer array `rows` (with a new RangeIndex when `new_index`),
    column by column: no consolidation of the frame's blocks, which would copy every numeric column of a
    10-million-record dataset once more."""
    columns = list(frame.columns) if columns is None else list(columns)
    if rows.dtype == bool:
        rows = np.flatnonzero(rows)
    data = {c: frame[c].array.take(rows) for c in columns}
    index = pd.RangeIndex(len(rows)) if new_index else frame.index[rows]
    return pd.DataFrame(data, index=index, columns=columns, copy=False)


def distinct(column: pd.Series) -> list:
    """The distinct values of `column` in order of appearance (as column.unique())."""
    if is_categorical(column):
        present = pd.unique(column.cat.codes.to_numpy())
        categories = np.append(column.cat.categories.to_numpy(dtype=object), np.nan)
        return list(categories[present])
    return list(column.unique())


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def decimals_of(values: pd.Series, cap: int = 3) -> int:
    """Number of decimals the data are recorded with (0 for integers), capped at `cap`."""
    finite = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if finite.size == 0:
        return 0
    for d in range(cap + 1):
        if np.allclose(finite, np.round(finite, d), rtol=0, atol=1e-9):
            return d
    return cap


def finite_or_none(x: float | None) -> float | None:
    """A JSON-safe float: None for NaN/inf."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None
