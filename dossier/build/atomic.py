"""Atomic output: build into a staging folder beside OUT_DIR, swap it in only on success, and
keep two builds from writing the same OUT_DIR at once.

Beside OUT_DIR (in its parent folder) a build uses three hidden names:
    .NAME.lock          the lock (flock), held for the whole build, removed at the end
    .NAME.building-<random> the staging folder the outputs are written into
    .NAME.old-<random>      where the previous OUT_DIR goes for the moment of the swap
A build that was killed (SIGKILL, power loss) leaves its staging folder behind and OUT_DIR as it
was; the next build of the same OUT_DIR removes such leftovers once it holds the lock (and puts
the previous output back should the kill have fallen between the two renames of the swap).
SIGTERM during the build is turned into KeyboardInterrupt, so the staging folder is removed at once.

An existing OUT_DIR is only ever replaced when it holds an earlier build (its manifest.json) or
is empty: `-o ~` must never move a home folder aside.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dossier.errors import OutputError

MARKER = "manifest.json"  # every finished build has one: the sign that a folder may be replaced


@contextmanager
def staging(out_dir: Path) -> Iterator[Path]:
    """A temporary folder beside `out_dir`, swapped in on success and removed on failure."""
    out_dir = Path(os.path.abspath(out_dir))
    if out_dir.is_symlink():
        out_dir = out_dir.resolve()
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder: {exc.strerror}", where=str(parent)) from None
    with _lock(parent / f".{out_dir.name}.lock", out_dir), _terminate_as_interrupt():
        remove_leftovers(out_dir)
        _check_replaceable(out_dir)
        try:
            stage = _new_folder(parent, f".{out_dir.name}.building-")
        except OSError as exc:
            raise OutputError(f"cannot write beside the output folder: {exc.strerror}", where=str(parent)) from None
        try:
            yield stage
            _swap(stage, out_dir)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise


def _new_folder(parent: Path, prefix: str) -> Path:
    """A new folder `parent/<prefix><random>` with the permissions the umask gives any new folder
    (tempfile.mkdtemp would make it 0700, and the finished OUT_DIR with it)."""
    for _ in range(100):
        path = parent / f"{prefix}{secrets.token_hex(6)}"
        try:
            path.mkdir(0o777)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free name for {prefix}* in {parent}")


def leftovers(out_dir: Path) -> list[Path]:
    """Staging and swap folders of earlier builds of `out_dir` that did not finish."""
    parent, name = out_dir.parent, out_dir.name
    if not parent.is_dir():
        return []
    return sorted(p for p in parent.iterdir()
                  if p.name.startswith((f".{name}.building-", f".{name}.old-")) and p.is_dir() and not p.is_symlink())


def remove_leftovers(out_dir: Path) -> None:
    """Remove what killed builds left beside `out_dir` (call with the lock held)."""
    for path in leftovers(out_dir):
        previous = path / "previous"
        if path.name.startswith(f".{out_dir.name}.old-") and previous.is_dir() and not out_dir.exists():
            os.replace(previous, out_dir)  # killed between the two renames of the swap: restore
        shutil.rmtree(path, ignore_errors=True)


def _check_replaceable(out_dir: Path) -> None:
    if not (out_dir.exists() or out_dir.is_symlink()):
        return
    if not out_dir.is_dir():
        raise OutputError("exists and is not a folder; give a folder for the outputs", where=str(out_dir))
    if (out_dir / MARKER).is_file():
        return
    try:
        empty = next(out_dir.iterdir(), None) is None
    except OSError as exc:
        raise OutputError(f"cannot read the output folder: {exc.strerror}", where=str(out_dir)) from None
    if not empty:
        raise OutputError(f"exists and does not hold an earlier dossier build (no {MARKER}); its content would be "
                          "replaced: give a new or empty folder, or remove this one", where=str(out_dir))


def _swap(stage: Path, out_dir: Path) -> None:
    """Put `stage` in the place of `out_dir`: two renames, the previous output removed afterwards."""
    old = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.replace(out_dir, old / "previous")
    try:
        os.replace(stage, out_dir)
    except BaseException:
        if old is not None and not out_dir.exists():
            os.replace(old / "previous", out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


LOCK_MAX_BYTES = 32  # a lock file holds the decimal process id of its holder, nothing else


@contextmanager
def _lock(path: Path, out_dir: Path) -> Iterator[None]:
    """An exclusive flock on `path`, a file that exists only while a build holds it.

    The file is opened with O_NOFOLLOW: a planted symbolic link is refused, never followed. A file
    already there is written only when it is what a killed build leaves (a regular file of this user
    with one name, holding nothing but a process id); anything else is refused and left untouched."""
    import fcntl

    for _ in range(10):
        handle = _open_lock(path, out_dir)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read(LOCK_MAX_BYTES).strip()
            handle.close()
            who = f" (process {holder})" if holder.isdigit() else ""
            raise OutputError(f"another build{who} is writing this output folder; try again when it has finished",
                              where=str(out_dir)) from None
        try:
            current = os.stat(path, follow_symlinks=False).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            current = False
        if current:  # not a lock file the previous holder removed while we were opening it
            break
        handle.close()
    else:
        raise OutputError("could not take the lock of this output folder", where=str(out_dir))
    inode = os.fstat(handle.fileno()).st_ino
    try:
        handle.seek(0)
        handle.truncate()  # only a lock file (checked by _open_lock, and now held)
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            if os.stat(path, follow_symlinks=False).st_ino == inode:
                path.unlink()  # before the lock is released: a waiting build then sees a fresh file
        handle.close()


def _open_lock(path: Path, out_dir: Path):
    """The lock file opened for reading and writing: created (O_EXCL), or an earlier build's lock file."""
    import stat

    flags = os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o666)  # the umask decides its permissions
    except FileExistsError:
        try:
            fd = os.open(path, flags)
        except OSError as exc:
            if os.path.islink(path):
                raise OutputError("the lock file is a symbolic link, which a build never makes; remove it if no "
                                  "build is running", where=str(path)) from None
            raise OutputError(f"cannot open the lock file: {exc.strerror}", where=str(path)) from None
        status = os.fstat(fd)
        content = os.pread(fd, LOCK_MAX_BYTES + 1, 0) if stat.S_ISREG(status.st_mode) else b""
        holds_a_pid = len(content) <= LOCK_MAX_BYTES and (content.strip().isdigit() or not content.strip())
        if not (stat.S_ISREG(status.st_mode) and status.st_nlink == 1 and status.st_uid == os.geteuid()
                and holds_a_pid):
            os.close(fd)
            raise OutputError("exists and is not a dossier lock file (a regular file of yours holding a process "
                              "id); it is left untouched: remove it if no build is running", where=str(path))
    except OSError as exc:
        raise OutputError(f"cannot write the lock file: {exc.strerror}", where=str(path)) from None
    os.set_blocking(fd, True)
    return os.fdopen(fd, "r+", encoding="ascii")


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt while the output is being built, so the cleanup runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    main_pid = os.getpid()

    def interrupt(signum, frame):
        if os.getpid() == main_pid:  # not in worker processes forked during the build
            raise KeyboardInterrupt("terminated")
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
