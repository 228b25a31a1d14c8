"""Atomic output: build into a staging folder beside OUT_DIR, swap it in only on success, and
keep two builds from writing the same OUT_DIR at once."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dossier.errors import OutputError


@contextmanager
def staging(out_dir: Path) -> Iterator[Path]:
    """A temporary folder beside `out_dir`, swapped in on success and removed on failure."""
    out_dir = out_dir.resolve()
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder: {exc.strerror}", where=str(parent)) from None
    with _lock(parent / f".{out_dir.name}.lock"):
        stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=parent))
        try:
            yield stage
            old = None
            if out_dir.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=parent))
                os.replace(out_dir, old / "previous")
            os.replace(stage, out_dir)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    import fcntl

    try:
        handle = path.open("w")
    except OSError as exc:
        raise OutputError(f"cannot write the lock file: {exc.strerror}", where=str(path)) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError("another build is writing this output folder; try again when it has finished",
                              where=str(path.parent / path.name[1:-5])) from None
        yield
    finally:
        handle.close()
        try:
            path.unlink()
        except OSError:
            pass
