"""Text columns, the one helper layer the readers, validation, the analyses and the engines share: text as pandas
Categoricals (codes into the distinct values, stripped str with "" for missing), comparisons and sets of values
as text (`text_in`, `text_set`, `as_text`), joins on subject ids (`positions`), row selection without copies
(`take_rows`), missing values (`is_missing`).

ADaM text repeats a handful of values over many records (AVISIT, PARAMCD, flags) or one value per subject
over a subject's records (USUBJID): held as codes, a column takes a byte or four per record instead of a
Python object, and comparisons, filters and joins are made once per distinct value. Built from an Arrow
dictionary (Parquet) without a Python object per record, or from factorised values (other formats).
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

# the characters str.strip() removes: str.isspace() (tests/test_datasets.py checks the list)
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
              + "\u2028\u2029\u202f\u205f\u3000")


def small_dictionary(metadata, column: int, limit: int = 1 << 16) -> bool:
    """True when every row group stores the column with a dictionary page of at most `limit` bytes."""
    for i in range(metadata.num_row_groups):
        chunk = metadata.row_group(i).column(column)
        if not chunk.has_dictionary_page or chunk.data_page_offset - (chunk.dictionary_page_offset or 0) > limit:
            return False
    return True


def dictionary_text(column) -> pd.Categorical:
    """A normalised text column from a chunked dictionary or string array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if column.num_chunks == 0:
        return text_categorical(np.empty(0, dtype=np.int64), [])
    if pa.types.is_dictionary(column.type):
        array = column.combine_chunks()  # one dictionary for all the chunks (each row group has its own)
        indices, dictionary = array.indices, array.dictionary
    else:
        encoded = pc.dictionary_encode(column)  # its chunks share one dictionary (checked: the same memory)

        def memory(chunk) -> list:
            return [len(chunk.dictionary), *(b.address if b is not None else None for b in chunk.dictionary.buffers())]

        if any(memory(c) != memory(encoded.chunks[0]) for c in encoded.chunks):
            encoded = encoded.unify_dictionaries()
        indices = pa.chunked_array([c.indices for c in encoded.chunks], type=encoded.type.index_type)
        dictionary = encoded.chunks[0].dictionary
    codes = (indices if indices.null_count == 0 else pc.fill_null(indices, -1)).to_numpy()
    # a dictionary's values are distinct; they are clean when none is null or has white space to strip
    clean = dictionary.null_count == 0 and pc.utf8_trim(dictionary, characters=WHITESPACE).equals(dictionary)
    return text_categorical(codes, dictionary.to_numpy(zero_copy_only=False), clean)


def clean_text(values: pd.Series) -> pd.Categorical:
    """Stripped str values, "" for missing, as a Categorical (see text_categorical). Works on the distinct
    values only (ADaM text columns repeat a handful of values over many records): a Categorical's
    categories, else the factorised values."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return text_categorical(values.cat.codes.to_numpy(), values.cat.categories)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return text_categorical(codes, uniques)


def text_categorical(codes: np.ndarray, uniques, clean: bool = False) -> pd.Categorical:
    """The text column whose record i holds uniques[codes[i]] (-1: missing), as a Categorical of stripped
    str values with "" for missing. Its categories are the distinct texts, in the order of `uniques` (values
    that strip to the same text become one); `clean`: `uniques` are distinct stripped str already, and are
    the categories as they are (a category no record has is harmless: comparisons go through the codes)."""
    codes = np.asarray(codes)
    missing = codes < 0
    if clean and not missing.any():  # the common case: nothing to strip, merge or fill
        categories = pd.Index(np.asarray(uniques, dtype=object), dtype=object)
        return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories), validate=False)
    cleaned = np.array([v.strip() if type(v) is str else _text_of(v) for v in uniques] + [""], dtype=object)
    if missing.any():
        codes = np.where(missing, len(cleaned) - 1, codes)  # missing -> the "" appended last
    present = np.flatnonzero(np.bincount(codes, minlength=len(cleaned)))  # the values in use
    table = np.full(len(cleaned), -1, dtype=np.int64)
    first, categories = pd.factorize(cleaned[present])  # values that strip to the same text become one
    table[present] = first
    return pd.Categorical.from_codes(table[codes], dtype=pd.CategoricalDtype(pd.Index(categories, dtype=object)),
                                     validate=False)


def _text_of(value) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()


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


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def as_text(column: pd.Series) -> pd.Series:
    """Values as the analyses compare them: text, "" for missing, 1.0 -> "1"."""
    if pd.api.types.is_numeric_dtype(column):  # each distinct number written once
        names = {v: "" if pd.isna(v) else (str(int(v)) if float(v).is_integer() else repr(float(v)))
                 for v in column.unique()}
        return column.map(names).astype(object)
    return as_str(column)


def text_is(column: pd.Series, values) -> np.ndarray:
    """as_text(column).isin(values), once per distinct value for Categorical columns."""
    if pd.api.types.is_numeric_dtype(column):
        return as_text(column).isin(list(values)).to_numpy()
    return text_in(column, values)


def texts(column: pd.Series) -> set[str]:
    """set(as_text(column))."""
    if is_categorical(column):
        return {str(v) for v in distinct(column)}  # as astype(str): a missing value reads "nan"
    return set(as_text(column))


def is_text(column: pd.Series) -> bool:
    """A Categorical of str values and no missing one: as_text(column) reads each value as it is."""
    return (is_categorical(column) and column.cat.categories.inferred_type == "string"
            and not (column.cat.codes.to_numpy() < 0).any())


def text_column(column: pd.Series) -> pd.Series:
    """as_text(column), or the column itself when it reads as it is (is_text)."""
    return column if is_text(column) else as_text(column)


def sorted_text_categorical(column: pd.Series) -> pd.Series:
    """as_text(column) as a Categorical whose categories are the sorted texts (as a groupby orders them)."""
    if is_categorical(column):
        texts = np.append(category_texts(column.cat.categories), "nan")  # code -1 reads "nan", as astype(str)
        codes = column.cat.codes.to_numpy().astype(np.int64)
        codes[codes < 0] = len(texts) - 1
        names = sorted(set(texts[np.flatnonzero(np.bincount(codes, minlength=len(texts)))]))
        recoded = pd.Index(names, dtype=object).get_indexer(texts)[codes]
        return pd.Series(pd.Categorical.from_codes(recoded, categories=pd.Index(names, dtype=object)),
                         index=column.index)
    values = as_text(column)
    return pd.Series(pd.Categorical(values, categories=sorted(set(values))), index=column.index)


def first_of_each(ids: pd.Series) -> np.ndarray:
    """True for the first record of each subject (subjects compared as text)."""
    return ~(ids if is_text(ids) else as_text(ids)).duplicated().to_numpy()


def text_positions(keys: pd.Series, values: pd.Series) -> np.ndarray:
    """For each of `values` (compared as text), its position in `keys` (distinct text), -1 when absent."""
    if is_text(keys) and is_text(values):  # text and value agree: match the categories once
        return positions(keys, values)
    index = pd.Index(as_text(keys).to_numpy(dtype=object))
    if is_categorical(values):
        texts = np.append(category_texts(values.cat.categories), "nan")  # code -1 reads "nan", as astype(str)
        return index.get_indexer(texts)[values.cat.codes.to_numpy()]
    return index.get_indexer(as_text(values).to_numpy(dtype=object))


def unknown_subjects(adsl_ids: pd.Series, ids: pd.Series) -> list:
    """sorted(set(ids) - set(adsl_ids)): the subjects of a dataset that ADSL does not have."""
    if not (is_categorical(adsl_ids) and is_categorical(ids)):
        return sorted(set(distinct(ids)) - set(distinct(adsl_ids)))
    codes, adsl_codes = ids.cat.codes.to_numpy(), adsl_ids.cat.codes.to_numpy()
    present = pd.unique(codes)
    present = present[present >= 0]
    in_adsl = np.zeros(len(adsl_ids.cat.categories), dtype=bool)  # the ADSL categories some subject has
    in_adsl[adsl_codes[adsl_codes >= 0]] = True
    position = category_positions(adsl_ids.cat.categories, ids.cat.categories)[present]
    known = (position >= 0) & in_adsl[np.maximum(position, 0)]
    unknown = list(ids.cat.categories.to_numpy(dtype=object)[present[~known]])
    if (codes < 0).any() and not (adsl_codes < 0).any():
        unknown.append(np.nan)
    return sorted(unknown)


def number_text(x) -> str:
    """A number as the data show it: 2.0 -> 2, nan -> blank."""
    if isinstance(x, float):
        return "blank" if np.isnan(x) else f"{x:g}"
    return repr(x)


def is_missing(values: pd.Series) -> pd.Series:
    """Missing values of a numeric (NaN) or character ("" after normalisation) column."""
    if pd.api.types.is_numeric_dtype(values):
        return values.isna()
    return values.isna() | pd.Series(text_in(values, [""]), index=values.index)
