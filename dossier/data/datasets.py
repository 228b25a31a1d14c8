"""Trial folder -> loaded ADaM datasets, each with its file's sha256.

Formats: SAS v5 transport (.xpt, read with pyreadstat: pandas' reader turns exact zeros into
5e-79), Parquet, CSV (UTF-8) and CDISC Dataset-JSON (.json, v1.0 and v1.1). Every frame is
normalised the same way whatever its format: upper-case column names, character values as
stripped str with "" for blank (held as a pandas Categorical: ADaM text repeats a few values over
many records), numbers as float64, dates as datetime64.

Only the variables the analyses declare are kept (`columns`): xpt and Parquet files are read for those
columns only (pyreadstat's usecols, Parquet's column projection); CSV and Dataset-JSON files are parsed
whole (so that a ragged row is still an error) and the columns selected before any conversion.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dossier.config.limits import MAX_COLUMNS, MAX_MAGNITUDE, MAX_TOKEN_CHARS, MAX_VALUE_CHARS, long_token
from dossier.data.columns import clean_text, dictionary_text, small_dictionary
from dossier.data.dataset_json import read_dataset_json
from dossier.data.trial_files import (
    ADAM_DIR,
    FORMATS,
    DatasetFile,
    check_file,
    discover,
    sha256_of,
)
from dossier.errors import DataError, Problem

LOAD_WORKERS = 2  # datasets read at the same time (threads); DOSSIER_WORKERS lowers it, as for the documents
# Memory a dataset needs once read, per byte of file (text values become Python strings); a file whose
# estimate exceeds the memory available is refused before reading, rather than exhausting the machine.
MEMORY_PER_BYTE = {".csv": 12, ".json": 12, ".xpt": 3, ".parquet": 3}
SNIFF_BYTES = 1 << 16
SAS7BDAT_MAGIC = bytes.fromhex("c2ea8160b31411cfbd92080009c7318c181f1011")
XPT_HEADERS = (b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!", b"HEADER RECORD*******LIBV8   HEADER RECORD!!!!!!!")


@dataclass(frozen=True)
class TrialData:
    """Loaded datasets by lower-case name, plus the file each came from."""

    files: dict[str, DatasetFile]
    frames: dict[str, pd.DataFrame] = field(repr=False)
    warnings: tuple[str, ...] = ()
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # dataset -> variable -> label

    def label(self, dataset: str, variable: str) -> str:
        """The variable's label from the file's metadata (xpt, Dataset-JSON), else its name."""
        return self.labels.get(dataset.lower(), {}).get(variable.upper()) or variable.upper()

    def frame(self, name: str) -> pd.DataFrame:
        return self.frames[name.lower()]

    def file(self, name: str) -> DatasetFile:
        return self.files[name.lower()]


def load(trial_dir: Path, needs: dict[str, set[str]], columns: dict[str, set[str]] | None = None) -> TrialData:
    """Load the datasets named in `needs` (name -> variables used) and report every problem at once.
    `columns` (name -> upper-case variables) keeps only those variables of each dataset; None keeps all."""
    data, problems = load_available(trial_dir, needs, columns)
    if problems:
        raise DataError(problems)
    return data


def load_available(trial_dir: Path, needs: dict[str, set[str]], columns: dict[str, set[str]] | None = None
                   ) -> tuple[TrialData, list[Problem]]:
    """Load what can be loaded; return it with the problems of the files that could not be."""
    found, discovered = discover(trial_dir)
    if not (trial_dir / ADAM_DIR).is_dir():
        return TrialData(files={}, frames={}), discovered
    files: dict[str, DatasetFile] = {}
    frames: dict[str, pd.DataFrame] = {}
    labels: dict[str, dict[str, str]] = {}
    warnings: list[str] = []
    problems: list[Problem] = []
    for problem in discovered:  # a file no analysis reads is not a reason to stop the build
        stem = Path(problem.where).stem.lower()
        if stem in needs:
            problems.append(problem)
        else:
            warnings.append(f"{problem}; ignored, as no analysis uses a dataset {stem!r}")
    refused = {Path(p.where).stem.lower() for p in problems if not p.message.startswith("unknown dataset format")}
    reads = _read_all({name: found[name] for name in needs if name in found}, columns)
    for name in sorted(needs):
        path = found.get(name)
        if path is None and name in refused:  # named already: not "not found" too
            continue
        if path is None:
            problems.append(Problem(str(trial_dir / ADAM_DIR / f"{name}.*"),
                                    f"dataset {name!r} not found (looked for {', '.join(name + s for s in FORMATS)})"))
            continue
        try:
            frame, file_warnings, digest = reads[name]()
            labels[name] = dict(frame.attrs.get("labels", {}))
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        warnings.extend(file_warnings)
        files[name] = DatasetFile(name, path, path.suffix.lower().lstrip("."), digest, path.stat().st_size)
        frames[name] = frame
    return TrialData(files=files, frames=frames, warnings=tuple(warnings), labels=labels), problems


def _read_all(paths: dict[str, Path], columns: dict[str, set[str]] | None):
    """name -> a function giving (frame, warnings, sha256) of each file, or raising its error. The files are
    read by LOAD_WORKERS threads, largest first (the Parquet reader and numpy work outside Python's lock)."""

    def read(path: Path, name: str):
        frame, file_warnings = read_dataset(path, None if columns is None else columns.get(name, set()))
        return frame, file_warnings, sha256_of(path)

    try:
        allowed = int(os.environ.get("DOSSIER_WORKERS", LOAD_WORKERS))
    except ValueError:
        allowed = LOAD_WORKERS
    workers = min(len(paths), os.cpu_count() or 1, LOAD_WORKERS, allowed)
    if workers < 2:
        return {name: (lambda path=path, name=name: read(path, name)) for name, path in paths.items()}
    from concurrent.futures import ThreadPoolExecutor

    def size(item) -> int:
        try:
            return item[1].stat().st_size
        except OSError:
            return 0

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {name: pool.submit(read, path, name) for name, path in sorted(paths.items(), key=size, reverse=True)}
        done = {}
        for name, future in futures.items():
            try:
                done[name] = (future.result(), None)
            except BaseException as exc:  # noqa: BLE001 - raised again where the file is taken, as if read there
                done[name] = (None, exc)

    def outcome(name: str):
        value, error = done[name]
        if error is not None:
            raise error
        return value

    return {name: (lambda name=name: outcome(name)) for name in paths}


def read_dataset(path: Path, columns: set[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Read one dataset file into a normalised frame. Raises DataError naming the file.

    `columns`: the (upper-case) variables to keep, None for all. The frame always has the file's records:
    when none of `columns` is in the file, its first column is kept."""
    where = str(path)
    size = check_file(path).st_size
    if size == 0:
        raise DataError("file is empty", where=where)
    suffix = path.suffix.lower()
    _check_memory(path, suffix, size)
    _sniff(path, suffix)
    if suffix == ".csv":
        _check_csv_header(path)
    warnings: list[str] = []
    wanted = None if columns is None else {c.upper() for c in columns}
    clean: set[str] = set()  # text columns a reader has normalised already
    try:
        if suffix == ".xpt":
            frame = _read_xpt(path, wanted)
        elif suffix == ".parquet":
            frame, clean = _read_parquet(path, wanted)
        elif suffix == ".csv":
            frame, warnings = _read_csv(path, wanted)
        elif suffix == ".json":
            frame = read_dataset_json(path, wanted, selected, _check_names)
        else:
            raise DataError(f"unknown dataset format {suffix!r}", where=where)
    except DataError:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"cannot read as {suffix.lstrip('.')}: {reason}", where=where) from None
    except Exception as exc:  # noqa: BLE001 - third-party readers raise their own exception types for corrupt files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"cannot read as {suffix.lstrip('.')} (corrupt or truncated?): {reason}", where=where) from None
    if frame.empty:
        raise DataError("dataset has no records", where=where)
    labels = frame.attrs.get("labels", {})
    _check_names(frame.columns, path)
    frame = normalise(frame, clean)
    _check_values(frame, where)
    frame.attrs["labels"] = labels
    return frame, warnings


def _check_columns(count: int, path: Path) -> None:
    if count > MAX_COLUMNS:
        raise DataError(f"{count:,} columns, more than the limit of {MAX_COLUMNS:,} per dataset", where=str(path))


def _check_csv_header(path: Path) -> None:
    """DataError when the header line names more than MAX_COLUMNS columns: its commas are counted a block at a
    time before the file is parsed (a header of millions of columns would keep the CSV parser busy for minutes)."""
    commas, quoted = 0, False
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            end = block.find(b"\n")
            line = block if end < 0 else block[:end]
            commas, quoted = commas + line.count(b","), quoted or b'"' in line
            if end >= 0:
                break
    if commas < MAX_COLUMNS:
        return
    if quoted:  # a quoted name may hold commas (or line breaks): count the fields as the CSV reader sees them
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            commas = len(next(csv.reader(fh), [])) - 1
    _check_columns(commas + 1, path)


def _check_values(frame: pd.DataFrame, where: str) -> None:
    """DataError at the first number that is not finite (inf, or a value beyond the float range read as
    inf) or beyond MAX_MAGNITUDE, and at the first text value too long (MAX_VALUE_CHARS, MAX_TOKEN_CHARS),
    with its column and row (1-based)."""
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_float_dtype(values):
            with np.errstate(invalid="ignore"):
                beyond = np.flatnonzero(np.abs(values.to_numpy()) > MAX_MAGNITUDE)  # NaN (missing) is not
            if beyond.size:
                row, value = int(beyond[0]), values.iloc[int(beyond[0])]
                why = ("numbers must be finite (a value beyond the range of a double, or an infinity)"
                       if np.isinf(value) else f"beyond the limit of \u00b1{MAX_MAGNITUDE:g} for a number (the "
                       "analyses' sums and squares of it would overflow)")
                raise DataError(f"{name}: row {row + 1} holds {value:g}: {why}", where=where)
        elif isinstance(values.dtype, pd.CategoricalDtype) and len(values.cat.categories):
            categories = values.cat.categories
            lengths = categories.str.len().to_numpy()
            # too long, or holding a word too long to lay out (only a value longer than a word can hold one)
            bad = (lengths > MAX_VALUE_CHARS) | np.array([n > MAX_TOKEN_CHARS and long_token(str(c)) is not None
                                                          for c, n in zip(categories, lengths, strict=True)], bool)
            used = np.isin(values.cat.codes.to_numpy(), np.flatnonzero(bad))
            if used.any():
                row = int(np.argmax(used))
                code = values.cat.codes.iloc[row]
                what = (f"a text value of {lengths[code]:,} characters, more than the limit of {MAX_VALUE_CHARS:,}"
                        if lengths[code] > MAX_VALUE_CHARS else
                        f"a word of {len(long_token(categories[code]).group()):,} characters, more than the limit of "
                        f"{MAX_TOKEN_CHARS} without a space or another place to break the line")
                raise DataError(f"{name}: row {row + 1} holds {what}", where=where)


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux MemAvailable), None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def _check_memory(path: Path, suffix: str, size: int) -> None:
    """DataError when reading the file would need more memory than the machine has available."""
    needed = size * MEMORY_PER_BYTE.get(suffix, 12)
    if suffix == ".parquet":  # compressed: the row groups' uncompressed size is a better measure
        needed = max(needed, 3 * _parquet_uncompressed(path))
    available = available_memory()
    if available is not None and needed > available:
        raise DataError(f"reading this {size / 1024**2:,.0f} MB dataset needs about {needed / 1024**3:.1f} GiB of "
                        f"memory, more than the {available / 1024**3:.1f} GiB available; keep only the records and "
                        "variables the analyses use, or build on a larger machine", where=str(path))


def _parquet_uncompressed(path: Path) -> int:
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
        return sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    except Exception:  # noqa: BLE001 - an unreadable footer is reported when the file is read
        return 0


def _sniff(path: Path, suffix: str) -> None:
    """Recognise a file that is not in its extension's format from its first bytes, before a reader chokes."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
        tail = b""
        if suffix == ".parquet":
            fh.seek(max(0, path.stat().st_size - 4))
            tail = fh.read(4)
    where = str(path)
    if suffix == ".xpt" and not head.startswith(XPT_HEADERS):
        kind = " (it is a SAS7BDAT file)" if head[12:32] == SAS7BDAT_MAGIC else ""
        raise DataError(f"cannot read as xpt: not a SAS transport (XPORT) file, no library header at the "
                        f"start{kind}; export the dataset as SAS v5 transport", where=where)
    if suffix == ".parquet" and not (head.startswith(b"PAR1") and tail == b"PAR1"):
        raise DataError("cannot read as parquet: not a Parquet file, or a truncated one (no PAR1 marker at its "
                        "start and end)", where=where)
    if suffix in (".csv", ".json"):
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DataError("UTF-16 text; save the file as UTF-8", where=where)
        if b"\x00" in head:
            line = head[: head.index(b"\x00")].count(b"\n") + 1
            raise DataError(f"line {line}: NUL bytes: a binary file, not {suffix.lstrip('.').upper()} text",
                            where=where)


def selected(names, wanted: set[str] | None) -> list | None:
    """The file's column names (as written) to read: those whose upper-case name is `wanted`, in file order;
    the first column when none is (so the frame keeps the file's records); None (all) when `wanted` is None.
    Readers check every name of the file (_check_names) before selecting."""
    names = list(names)
    if wanted is None:
        return None
    chosen = [n for n in names if str(n).strip().upper() in wanted]
    return chosen or names[:1]


def _read_xpt(path: Path, wanted: set[str] | None = None) -> pd.DataFrame:
    import pyreadstat

    _, meta = pyreadstat.read_xport(str(path), metadataonly=True)
    _check_columns(len(meta.column_names), path)
    _check_names(meta.column_names, path)
    frame, _ = pyreadstat.read_xport(str(path), usecols=selected(meta.column_names, wanted))
    frame.attrs["labels"] = {str(k).upper(): str(v) for k, v in (meta.column_names_to_labels or {}).items() if v}
    return frame


def _read_parquet(path: Path, wanted: set[str] | None = None) -> tuple[pd.DataFrame, set[str]]:
    """The frame, and the names of its text columns, which come normalised already: read as dictionary
    arrays (codes and distinct values), so no Python object is made per record."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    schema = parquet.schema_arrow
    _check_columns(len(schema.names), path)
    _check_names(schema.names, path)
    columns = selected(schema.names, wanted)
    index = {c for c in (schema.pandas_metadata or {}).get("index_columns", []) if isinstance(c, str)}
    text = [f.name for f in schema if (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
            and (columns is None or f.name in columns) and f.name not in index]
    # few distinct values (a small dictionary page in every row group): read as dictionary arrays; many (USUBJID):
    # read as strings and encode once, which is faster than merging the row groups' large dictionaries
    small = [name for name in text if small_dictionary(parquet.metadata, schema.get_field_index(name))]
    table = pq.read_table(path, columns=columns, read_dictionary=small or None, use_pandas_metadata=True)
    order, rows = table.column_names, table.num_rows
    values = {}
    for name in text:  # each column's Arrow memory is released once converted
        values[name] = dictionary_text(table.column(name))
        table = table.drop_columns([name])
    table = _parquet_numbers(table, path)
    rest = table.to_pandas(split_blocks=True, self_destruct=True)  # numbers, dates (pandas metadata: the index)
    del table
    values.update((name, rest[name].to_numpy()) for name in rest.columns)
    order = [c for c in order if c in values]
    frame = pd.DataFrame({c: values[c] for c in order}, index=pd.RangeIndex(rows), copy=False)
    # variable labels: each field's metadata `label` (as written by datasets/synthetic_common.parquet_bytes), of
    # every column of the file as the xpt reader gives them, whichever columns were read
    frame.attrs["labels"] = {f.name.upper(): f.metadata[b"label"].decode("utf-8", "replace") for f in schema
                             if f.metadata and f.metadata.get(b"label")}
    return frame, set(text)


def _parquet_numbers(table, path: Path):
    """The table with its decimal columns as float64 (numbers, not text); DataError at a nested column (a list,
    struct or map: no ADaM variable) and at the first NaN of a float column (Parquet keeps a missing value as
    null: a NaN, written by a computation that failed, must not pass as one)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for name in table.column_names:
        kind = table.schema.field(name).type
        shown = str(name).strip().upper()
        if pa.types.is_nested(kind):
            raise DataError(f"{shown}: a column of {kind} values; a variable holds one number, text or date per "
                            "record", where=str(path))
        if pa.types.is_decimal(kind):
            table = table.set_column(table.schema.get_field_index(name), name, pc.cast(table.column(name), pa.float64()))
        elif pa.types.is_floating(kind):
            nan = pc.is_nan(table.column(name))
            if pc.any(nan).as_py():
                row = pc.index(nan, True).as_py()
                raise DataError(f"{shown}: row {row + 1} holds NaN (not a number); a missing value is null in Parquet",
                                where=str(path))
    return table


def _read_csv(path: Path, wanted: set[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    raw = path.read_bytes()
    warnings = []
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        warnings.append(f"{path}: starts with a UTF-8 byte-order mark (saved by Excel?); it was ignored")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                        where=str(path)) from None
    header = next(csv.reader(io.StringIO(text)), [])
    _check_names(header, path)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[])
    if wanted is not None:  # selected after parsing: read_csv's usecols would let a ragged row pass unnoticed
        frame = frame[selected(frame.columns, wanted)]
    for column in frame.columns:
        frame[column] = _numeric_if_numeric(frame[column], str(column), path)
    return frame, warnings


# a value that reads as a number but is no finite one: beyond the range of a double, or a NaN or infinity
NOT_FINITE = r"[-+]?(\d+\.?\d*|\.\d+)[eE]\+?\d{3,}|[-+]?(nan|inf|infinity)"


def _numeric_if_numeric(column: pd.Series, name: str, path: Path) -> pd.Series:
    """The column as numbers when every value is a number or blank, else as text. DataError when the values
    are numbers but for some that are not finite (1e400, NaN, inf): never read as missing or as text."""
    stripped = column.str.strip()
    filled = stripped[stripped != ""]
    if filled.empty:
        return stripped
    numbers = pd.to_numeric(filled, errors="coerce")
    failed = filled[numbers.isna() | np.isinf(numbers)]
    if failed.empty:
        return pd.to_numeric(stripped.replace("", np.nan), errors="coerce")
    if failed.str.fullmatch(NOT_FINITE, case=False).all() and len(failed) < len(filled):
        raise DataError(f"{name.strip().upper()}: row {failed.index[0] + 1} holds {failed.iloc[0]!r}: numbers must "
                        "be finite (a value beyond the range of a double, or a NaN or infinity)", where=str(path))
    return stripped


def _check_names(names, path: Path) -> None:
    """DataError when two columns have the same name once upper-cased (AGE and age)."""
    seen: dict[str, str] = {}
    for name in names:
        key = str(name).strip().upper()
        if key in seen:
            raise DataError(f"{key}: column name appears more than once ({seen[key]!r} and {str(name)!r}); "
                            "variable names are case-insensitive", where=str(path))
        seen[key] = str(name)


def normalise(frame: pd.DataFrame, clean=frozenset()) -> pd.DataFrame:
    """Upper-case names; text columns stripped with "" for missing (Categorical); numbers float64; dates
    datetime64. Columns named in `clean` are normalised text already."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        name = str(column).strip().upper()
        if column in clean:
            out[name] = values.array
            continue
        if pd.api.types.is_bool_dtype(values):
            values = values.astype(float)
        if pd.api.types.is_numeric_dtype(values):
            numbers = values.to_numpy(dtype="float64")
            # pandas' xpt reader artefact (SAS exact zero read as 5.4e-79); harmless for other readers
            if _has_tiny(numbers):
                numbers = np.where(np.abs(numbers) < 1e-70, 0.0, numbers)
            out[name] = numbers
        elif pd.api.types.is_datetime64_any_dtype(values):
            out[name] = values.array
        elif pd.api.types.infer_dtype(values, skipna=True) in ("date", "datetime", "datetime64"):
            out[name] = pd.to_datetime(values, errors="coerce").array
        else:
            out[name] = clean_text(values)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)), copy=False)


def _has_tiny(numbers: np.ndarray, step: int = 1 << 18) -> bool:
    """Any |x| < 1e-70 other than +0.0 (which the replacement by 0.0 leaves as it is), checked a slice at a time
    (no array-sized temporaries)."""
    for i in range(0, len(numbers), step):
        chunk = numbers[i:i + step]
        tiny = chunk[np.abs(chunk) < 1e-70]
        if tiny.size and ((tiny != 0).any() or np.signbit(tiny).any()):
            return True
    return False
