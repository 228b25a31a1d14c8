"""Trial folder -> loaded ADaM datasets, each with its file's sha256.

Formats: SAS v5 transport (.xpt, read with pyreadstat: pandas' reader turns exact zeros into
5e-79), Parquet, CSV (UTF-8) and CDISC Dataset-JSON (.json, v1.0 and v1.1). Every frame is
normalised the same way whatever its format: upper-case column names, character values as
stripped str with "" for blank, numbers as float64, dates as datetime64.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dossier.errors import DataError, Problem

ADAM_DIR = "adam"
FORMATS = (".xpt", ".parquet", ".csv", ".json")
MAX_DATASET_BYTES = 4 * 1024**3  # a single file larger than this is refused before reading


@dataclass(frozen=True)
class DatasetFile:
    name: str  # dataset name: the file stem, lower case
    path: Path
    format: str
    sha256: str
    size: int


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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def discover(trial_dir: Path) -> tuple[dict[str, Path], list[Problem]]:
    """Dataset name -> file in `trial_dir/adam/`; problems for duplicates and unknown formats."""
    adam = trial_dir / ADAM_DIR
    problems: list[Problem] = []
    found: dict[str, Path] = {}
    if not adam.is_dir():
        return found, [Problem(str(adam), "folder not found (ADaM datasets go in the trial folder's adam/)")]
    for path in sorted(adam.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        suffix = path.suffix.lower()
        if suffix not in FORMATS:
            if suffix not in (".md", ".txt", ".xml", ".pdf"):
                problems.append(Problem(str(path), f"unknown dataset format {suffix or '(none)'!r}; "
                                                   f"expected one of {', '.join(FORMATS)}"))
            continue
        name = path.stem.lower()
        if name in found:
            problems.append(Problem(str(path), f"dataset {name!r} is also in {found[name].name}; keep one file per dataset"))
            continue
        found[name] = path
    return found, problems


def load(trial_dir: Path, needs: dict[str, set[str]]) -> TrialData:
    """Load the datasets named in `needs` (name -> variables used) and report every problem at once."""
    data, problems = load_available(trial_dir, needs)
    if problems:
        raise DataError(problems)
    return data


def load_available(trial_dir: Path, needs: dict[str, set[str]]) -> tuple[TrialData, list[Problem]]:
    """Load what can be loaded; return it with the problems of the files that could not be."""
    found, problems = discover(trial_dir)
    files: dict[str, DatasetFile] = {}
    frames: dict[str, pd.DataFrame] = {}
    labels: dict[str, dict[str, str]] = {}
    warnings: list[str] = []
    for name in sorted(needs):
        path = found.get(name)
        if path is None:
            problems.append(Problem(str(trial_dir / ADAM_DIR / f"{name}.*"),
                                    f"dataset {name!r} not found (looked for {', '.join(name + s for s in FORMATS)})"))
            continue
        try:
            frame, file_warnings = read_dataset(path)
            labels[name] = dict(frame.attrs.get("labels", {}))
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        warnings.extend(file_warnings)
        files[name] = DatasetFile(name, path, path.suffix.lower().lstrip("."), sha256_of(path), path.stat().st_size)
        frames[name] = frame
    return TrialData(files=files, frames=frames, warnings=tuple(warnings), labels=labels), problems


def read_dataset(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """Read one dataset file into a normalised frame. Raises DataError naming the file."""
    where = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror}", where=where) from None
    if size > MAX_DATASET_BYTES:
        raise DataError(f"{size / 1024**3:.1f} GiB is larger than the {MAX_DATASET_BYTES // 1024**3} GiB limit "
                        "for one dataset; subset it before building", where=where)
    if size == 0:
        raise DataError("file is empty", where=where)
    suffix = path.suffix.lower()
    warnings: list[str] = []
    try:
        if suffix == ".xpt":
            frame = _read_xpt(path)
        elif suffix == ".parquet":
            frame = _read_parquet(path)
        elif suffix == ".csv":
            frame, warnings = _read_csv(path)
        elif suffix == ".json":
            frame = _read_dataset_json(path)
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
    frame = normalise(frame)
    frame.attrs["labels"] = labels
    return frame, warnings


def _read_xpt(path: Path) -> pd.DataFrame:
    import pyreadstat

    frame, meta = pyreadstat.read_xport(str(path))
    frame.attrs["labels"] = {str(k).upper(): str(v) for k, v in (meta.column_names_to_labels or {}).items() if v}
    return frame


def _read_parquet(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path)


def _read_csv(path: Path) -> tuple[pd.DataFrame, list[str]]:
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
    import io

    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[])
    for column in frame.columns:
        frame[column] = _numeric_if_numeric(frame[column])
    return frame, warnings


def _numeric_if_numeric(column: pd.Series) -> pd.Series:
    stripped = column.str.strip()
    filled = stripped[stripped != ""]
    if filled.empty:
        return stripped
    numbers = pd.to_numeric(filled, errors="coerce")
    if numbers.notna().all():
        return pd.to_numeric(stripped.replace("", np.nan), errors="coerce")
    return stripped


def _read_dataset_json(path: Path) -> pd.DataFrame:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError("not UTF-8 text", where=str(path)) from None
    except json.JSONDecodeError as exc:
        raise DataError(f"invalid JSON at line {exc.lineno}: {exc.msg}", where=str(path)) from None
    if not isinstance(doc, dict):
        raise DataError("not a CDISC Dataset-JSON document (top level must be an object)", where=str(path))
    if "columns" in doc and "rows" in doc:  # Dataset-JSON 1.1
        columns, rows = doc["columns"], doc["rows"]
    else:  # Dataset-JSON 1.0: clinicalData/referenceData -> itemGroupData -> one item group
        body = doc.get("clinicalData") or doc.get("referenceData")
        groups = (body or {}).get("itemGroupData") if isinstance(body, dict) else None
        if not isinstance(groups, dict) or len(groups) != 1:
            raise DataError("not a CDISC Dataset-JSON document (expected columns/rows, or "
                            "clinicalData.itemGroupData with one item group)", where=str(path))
        group = next(iter(groups.values()))
        columns, rows = group.get("items"), group.get("itemData")
    if not isinstance(columns, list) or not isinstance(rows, list):
        raise DataError("Dataset-JSON columns/rows are missing or not lists", where=str(path))
    names = [c.get("name") for c in columns if isinstance(c, dict)]
    if len(names) != len(columns) or not all(isinstance(n, str) for n in names):
        raise DataError("every Dataset-JSON column needs a name", where=str(path))
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(names):
            raise DataError(f"row {i + 1} has {len(row) if isinstance(row, list) else 'no'} values, "
                            f"expected {len(names)}", where=str(path))
    frame = pd.DataFrame(rows, columns=names)
    frame.attrs["labels"] = {str(c["name"]).upper(): str(c["label"]) for c in columns if c.get("label")}
    if names and names[0] == "ITEMGROUPDATASEQ":  # v1.0 record sequence column, not a variable
        frame = frame.drop(columns=names[0])
    for col in columns:
        kind = str(col.get("dataType") or col.get("type") or "").lower()
        name = col["name"]
        if name not in frame.columns:
            continue
        if kind in ("integer", "float", "double", "decimal"):
            frame[name] = pd.to_numeric(frame[name], errors="coerce")
    return frame


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Upper-case names; str columns stripped with "" for missing; numbers float64; dates datetime64."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        name = str(column).strip().upper()
        if pd.api.types.is_bool_dtype(values):
            values = values.astype(float)
        if pd.api.types.is_numeric_dtype(values):
            numbers = values.astype("float64")
            # pandas' xpt reader artefact (SAS exact zero read as 5.4e-79); harmless for other readers
            numbers = numbers.mask(numbers.abs() < 1e-70, 0.0)
            out[name] = numbers
        elif pd.api.types.is_datetime64_any_dtype(values):
            out[name] = values
        else:
            sample = values.dropna()
            if not sample.empty and sample.map(lambda v: isinstance(v, (dt.date, dt.datetime))).all():
                out[name] = pd.to_datetime(values, errors="coerce")
            else:
                out[name] = values.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()
                                       ).astype(object)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
