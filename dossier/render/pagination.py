"""Page numbers of a DOCX's bookmarks, from LibreOffice's layout of that very DOCX.

A Word table of contents shows the page numbers cached in the file until someone updates its
fields. python-docx has no layout engine, so the DOCX writer asks LibreOffice (headless, the
same client the tests open every DOCX with) to lay the document out as PDF with Word bookmarks
exported as named destinations, and reads the page each bookmark landed on. The DOCX then
carries those numbers, and Word opens it with a complete TOC and no "update fields" prompt.

Starting LibreOffice costs more than laying a document out, so `bookmark_pages_all` converts
every DOCX of a build in one LibreOffice run; `bookmark_pages` is its one-document form.

LibreOffice is optional: without it (or when it fails) the TOC keeps its entries and links but
no numbers, and the build says so in a warning. Each run uses its own LibreOffice user
profile, one per concurrent build process, kept under the user's cache folder so that only the
first run pays for creating it.

LibreOffice never outlives its run: it starts in its own session (a process group of its own,
whatever it forks), and that whole group is killed (SIGKILL) when the run ends, whether it
finished, failed or timed out (TIMEOUT_S, or $DOSSIER_SOFFICE_TIMEOUT seconds). The process group
is written into the profile slot's lock file while it runs; should the build itself be killed
before it could clean up, the next run kills what is left of that group (only processes still
running on that profile) in every slot no running build holds, so no build waits on a leftover.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

TIMEOUT_S = 180
PROFILE_SLOTS = 8
_FILTER = "pdf:writer_pdf_Export:" + json.dumps(
    {"ExportBookmarksToPDFDestination": {"type": "boolean", "value": "true"},
     "ExportNotes": {"type": "boolean", "value": "false"}}, separators=(",", ":"))


class PaginationUnavailable(Exception):
    """LibreOffice is missing or could not lay the document out (the message says which)."""


def soffice() -> str | None:
    """The LibreOffice binary: $DOSSIER_SOFFICE ("none" turns pagination off), else soffice on PATH."""
    chosen = os.environ.get("DOSSIER_SOFFICE")
    if chosen is not None:
        if chosen.strip().lower() in ("", "none", "off"):
            return None
        return shutil.which(chosen)
    return shutil.which("soffice") or shutil.which("libreoffice")


@functools.lru_cache(maxsize=1)
def libreoffice_version() -> str:
    """`soffice --version` of the LibreOffice that lays out the DOCX ("not found" without one)."""
    binary = soffice()
    if binary is None:
        return "not found"
    try:
        done = subprocess.run([binary, "--version"], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return f"{binary} (version unknown)"
    lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
    return lines[-1].strip() if done.returncode == 0 and lines else f"{binary} (version unknown)"


def engine_id() -> str:
    """What the page numbers depend on besides the DOCX: which LibreOffice, if any (for reuse keys)."""
    return libreoffice_version()


def destination_name(bookmark: str) -> str:
    """The PDF destination name LibreOffice writes for a bookmark: ASCII letters, digits and '-'
    kept, every other character as the hex digits of its UTF-16 code unit."""
    out = []
    for ch in bookmark:
        if ch.isascii() and (ch.isalnum() or ch == "-"):
            out.append(ch)
        else:
            code = ord(ch)
            out.append((f"{code >> 8:02X}" if code > 0xFF else "") + f"{code & 0xFF:02X}")
    return "".join(out)


def bookmark_pages(docx: bytes, bookmarks: Iterable[str]) -> dict[str, int]:
    """The 1-based page of each of `bookmarks` in LibreOffice's layout of `docx`.

    Bookmarks LibreOffice did not place are left out. Raises PaginationUnavailable when
    LibreOffice is missing, fails or times out.
    """
    (pages,) = bookmark_pages_all([(docx, list(bookmarks))])
    if isinstance(pages, PaginationUnavailable):
        raise pages
    return pages


def bookmark_pages_all(docs: Sequence[tuple[bytes, Sequence[str]]]) -> list[dict[str, int] | PaginationUnavailable]:
    """For each (docx, bookmarks) of `docs`, the 1-based page of each bookmark in LibreOffice's
    layout of that DOCX, all laid out by a single LibreOffice run.

    Each entry, in the order of `docs`, is either the pages (bookmarks LibreOffice did not place
    are left out) or the PaginationUnavailable saying why that document has none. When
    LibreOffice is missing, cannot start, times out or exits with an error, every entry is that
    same error. No LibreOffice starts for an empty `docs`.
    """
    if not docs:
        return []
    binary = soffice()
    if binary is None:
        return [PaginationUnavailable("LibreOffice (soffice) was not found")] * len(docs)
    with tempfile.TemporaryDirectory(prefix="dossier-pages-") as tmp, _profile() as (profile, started):
        sources = [Path(tmp) / f"document-{i}.docx" for i in range(len(docs))]
        for source, (docx, _) in zip(sources, docs, strict=True):
            source.write_bytes(docx)
        try:
            done = _convert(binary, profile, Path(tmp), sources, started)
        except PaginationUnavailable as exc:
            return [exc] * len(docs)
        return [_pages_or_error(done, source.with_suffix(".pdf"), list(bookmarks))
                for source, (_, bookmarks) in zip(sources, docs, strict=True)]


def timeout_s() -> float:
    """Seconds a LibreOffice run may take: $DOSSIER_SOFFICE_TIMEOUT when it is a positive number, else TIMEOUT_S."""
    try:
        chosen = float(os.environ.get("DOSSIER_SOFFICE_TIMEOUT", ""))
    except ValueError:
        return TIMEOUT_S
    return chosen if 0 < chosen < float("inf") else TIMEOUT_S


def _convert(binary: str, profile: Path, outdir: Path, sources: list[Path],
             started: Callable[[int], None] = lambda pgid: None) -> subprocess.CompletedProcess:
    """One LibreOffice run converting every file of `sources` to a PDF in `outdir`; raises
    PaginationUnavailable when LibreOffice cannot start or does not finish within timeout_s().
    LibreOffice runs in a session of its own; its whole process group is killed when the run ends.
    `started` is told the process group as soon as it exists."""
    command = [binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo",
               "--nodefault", "--nolockcheck", "--convert-to", _FILTER, "--outdir", str(outdir),
               *map(str, sources)]
    env = {**os.environ, "SAL_USE_VCLPLUGIN": "svp"}
    limit = timeout_s()
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=env, start_new_session=True)
    except OSError as exc:
        raise PaginationUnavailable(f"LibreOffice could not be started: {exc}") from None
    try:
        started(process.pid)  # its own session: the process group id is its pid
        stdout, stderr = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        raise PaginationUnavailable(f"LibreOffice did not finish within {limit:g} s") from None
    finally:
        kill_group(process.pid)  # whatever LibreOffice forked, on success, failure, timeout or interrupt
        process.wait()
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def kill_group(pgid: int) -> None:
    """SIGKILL to every process of the process group `pgid` (gone already: nothing to do)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_leftover(lock, profile: Path) -> None:
    """Kill the LibreOffice process group a killed build left on `profile` (named in its slot's lock
    file `lock`, held by us), but only processes that still run with that profile."""
    lock.seek(0)
    text = lock.read(32).strip()
    if not text.isdigit():
        return
    pgid, marker = int(text), profile.as_uri().encode()
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if os.getpgid(int(entry.name)) == pgid and marker in (entry / "cmdline").read_bytes():
                kill_group(pgid)
                return
        except (OSError, ValueError):
            continue


def _pages_or_error(done: subprocess.CompletedProcess, pdf: Path,
                    bookmarks: list[str]) -> dict[str, int] | PaginationUnavailable:
    """The pages of `bookmarks` in the `pdf` LibreOffice wrote, or why there are none."""
    if done.returncode != 0 or not pdf.is_file():
        detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        return PaginationUnavailable("LibreOffice could not convert the document"
                                     + (f": {detail[-1]}" if detail else ""))
    try:
        return _destination_pages(pdf, bookmarks)
    except PaginationUnavailable as exc:
        return exc


def _destination_pages(pdf: Path, bookmarks: list[str]) -> dict[str, int]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(pdf))
        named = reader.named_destinations
        pages = {str(name).lstrip("/"): reader.get_destination_page_number(dest) + 1
                 for name, dest in named.items()}
    except Exception as exc:  # a malformed PDF from LibreOffice: report it, keep building
        raise PaginationUnavailable(f"cannot read LibreOffice's PDF: {exc}") from exc
    encoded: dict[str, list[str]] = {}
    for bookmark in bookmarks:
        encoded.setdefault(destination_name(bookmark), []).append(bookmark)
    return {names[0]: pages[code] for code, names in encoded.items()
            if len(names) == 1 and pages.get(code, 0) > 0}


def _take_slot(lock: Path):
    """The slot's lock file, opened and locked (None when another run holds it or it cannot be opened)."""
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    handle = os.fdopen(fd, "r+", encoding="ascii")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def _release_slot(handle) -> None:
    """Unlock a slot whose LibreOffice run is over (its group killed): the lock file names no group."""
    handle.seek(0)
    handle.truncate()
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()


@contextmanager
def _profile():
    """A LibreOffice user profile no other running conversion uses (LibreOffice serialises or
    refuses a second instance on one profile)."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dossier" / "libreoffice"

    def unrecorded(pgid: int) -> None:
        return None

    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        with tempfile.TemporaryDirectory(prefix="dossier-lo-") as tmp:
            yield Path(tmp), unrecorded
        return
    taken = None
    for slot in range(PROFILE_SLOTS):  # every free slot is swept: what a killed build left on it is killed
        handle = _take_slot(root / f"profile-{slot}.lock")
        if handle is None:
            continue
        _kill_leftover(handle, root / f"profile-{slot}")
        if taken is None:
            taken = handle, root / f"profile-{slot}"
        else:
            _release_slot(handle)
    if taken is not None:
        handle, profile = taken

        def record(pgid: int) -> None:
            handle.seek(0)
            handle.truncate()
            handle.write(str(pgid))
            handle.flush()

        try:
            yield profile, record
        finally:
            _release_slot(handle)
        return
    with tempfile.TemporaryDirectory(prefix="dossier-lo-") as tmp:  # every slot busy: a throw-away profile
        yield Path(tmp), unrecorded
