"""Where a trial folder's dataset files are, and what they hash to (no file is parsed here).

Kept apart from dossier.data.datasets, which reads the files with pandas, so that a build whose
statistics come from the cache (a text-only edit) can check the datasets without importing pandas.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from dossier.config.limits import MAX_DATASET_BYTES
from dossier.errors import DataError, Problem
from dossier.hashing import file_sha256

ADAM_DIR = "adam"
FORMATS = (".xpt", ".parquet", ".csv", ".json")
OUTSIDE = "is a link to a file outside the trial folder"


@dataclass(frozen=True)
class DatasetFile:
    name: str  # dataset name: the file stem, lower case
    path: Path
    format: str
    sha256: str
    size: int


def check_file(path: Path) -> os.stat_result:
    """The file's status, or DataError when it cannot be a dataset: unreadable, not a regular file
    (a device or a pipe would never end), a hard link, or larger than MAX_DATASET_BYTES."""
    try:
        status = path.stat()
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror}", where=str(path)) from None
    if not stat.S_ISREG(status.st_mode):
        raise DataError("not a regular file (a device, pipe or socket cannot be read as a dataset)", where=str(path))
    if status.st_nlink > 1:  # a second name of a file that may lie anywhere on this file system (dossier.data.gate)
        raise DataError(f"is a hard link ({status.st_nlink} names for one file, which may lie outside the trial "
                        "folder); replace it by a copy of the file", where=str(path))
    if status.st_size > MAX_DATASET_BYTES:
        raise DataError(f"{status.st_size / 1024**3:.1f} GiB is larger than the {MAX_DATASET_BYTES // 1024**3} GiB "
                        "limit for one dataset; subset it before building", where=str(path))
    return status


def sha256_of(path: Path) -> str:
    if not stat.S_ISREG(path.stat().st_mode):  # reading a pipe or a device would never end
        raise DataError("not a regular file (a device, pipe or socket cannot be read as a dataset)", where=str(path))
    return file_sha256(path)


def discover(trial_dir: Path) -> tuple[dict[str, Path], list[Problem]]:
    """Dataset name -> file in `trial_dir/adam/`; problems for duplicates and unknown formats."""
    adam = trial_dir / ADAM_DIR
    problems: list[Problem] = []
    found: dict[str, Path] = {}
    if not adam.is_dir():
        return found, [Problem(str(adam), "folder not found (ADaM datasets go in the trial folder's adam/)")]
    root = trial_dir.resolve()
    for path in sorted(adam.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        suffix = path.suffix.lower()
        if suffix in FORMATS and path.exists() and root not in path.resolve().parents:
            problems.append(Problem(str(path), f"{OUTSIDE} ({path.resolve()}); copy the file into adam/ (a trial "
                                               "folder holds all of its inputs)"))
            continue
        if suffix in FORMATS:
            try:
                check_file(path)  # before anyone reads or hashes it
            except DataError as exc:
                problems.extend(exc.problems)
                continue
        if suffix not in FORMATS:
            if suffix not in (".md", ".txt", ".xml", ".pdf"):
                problems.append(Problem(str(path), f"unknown dataset format {suffix or '(none)'!r}; "
                                                   f"expected one of {', '.join(FORMATS)}"))
            continue
        name = path.stem.lower()
        if name in found:  # neither file is used: which one the analyses read must not depend on the order
            problems.append(Problem(str(path), f"dataset {name!r} is also in {found[name].name}; keep one file per "
                                               "dataset"))
            continue
        found[name] = path
    for problem in problems:
        if problem.message.startswith("dataset "):
            found.pop(Path(problem.where).stem.lower(), None)
    return found, problems
