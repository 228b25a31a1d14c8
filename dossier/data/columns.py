"""Text columns as pandas Categoricals: codes into the distinct values, stripped str with "" for missing.

ADaM text repeats a handful of values over many records (AVISIT, PARAMCD, flags) or one value per subject
over a subject's records (USUBJID): held as codes, a column takes a byte or four per record instead of a
Python object, and comparisons, filters and joins are made once per distinct value. Built from an Arrow
dictionary (Parquet) without a Python object per record, or from factorised values (other formats).
"""

from __future__ import annotations

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
