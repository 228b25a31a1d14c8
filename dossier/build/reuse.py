"""Reuse of the previous build's rendered files when their inputs did not change.

Rendering is deterministic, so a figure or a document whose inputs hash the same as in the build
in OUT_DIR has the same bytes: it is copied instead of drawn or typeset again. After a text-only
edit only the documents whose HTML changed are rendered (the other document and every figure are
copied). Keys cover everything a file depends on: the figure's data and labels or the document's
HTML, the templates folders (CSS, fonts, reference.docx), the figures, title, language, date and
the dossier source.

Only what this user's builds wrote is reused: OUT_DIR/.cache/rendered.json records, for every
rendered file, its key and its sha256, signed with HMAC-SHA256 under the key of the statistics
cache (dossier.build.cache.secret). A file is copied only when the signed record says the previous build
wrote it under the same key, and the bytes copied hash to the recorded sha256 (a file swapped in
OUT_DIR, even with its hash updated in manifest.json, is drawn again). Files are read only when
they are regular files (O_NOFOLLOW). A missing, unsigned or unreadable record means rendering
again; `--no-cache` turns reuse off altogether.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from dossier.build.cache import CACHE_DIR, package_digest, read_regular, secret
from dossier.hashing import folders_sha256, parts_sha256, sign, stream_sha256, verified

RECORD = "rendered.json"
MAX_RECORD_BYTES = 16 * 1024**2


def digest(*parts: object) -> str:
    """The key of a rendered file: its inputs and the package source."""
    return parts_sha256(*parts, seed=package_digest())


def folder_digest(folders: list[Path]) -> str:
    return folders_sha256(folders)


def read_record(previous: Path, key: bytes | None) -> dict[str, dict[str, str]]:
    """The previous build's signed record (file -> {"key", "sha256"}); empty unless this user's key signed it."""
    blob = read_regular(previous / CACHE_DIR / RECORD, MAX_RECORD_BYTES) if key is not None else None
    payload = verified(key, blob) if key is not None else None
    if payload is None:
        return {}
    try:
        record = json.loads(payload.decode("utf-8"))
    except ValueError:
        return {}
    if not isinstance(record, dict):
        return {}
    return {f: e for f, e in record.items() if isinstance(e, dict) and isinstance(e.get("key"), str)
            and isinstance(e.get("sha256"), str)}


class Reuse:
    """Looks up files of the previous build (OUT_DIR) and records this build's keys in the stage.
    `previous` None: nothing is reused (and the new record is still written)."""

    def __init__(self, previous: Path | None, stage: Path) -> None:
        self.previous, self.stage = previous, stage
        self.key = secret()
        self.old = read_record(previous, self.key) if previous is not None else {}
        self.new: dict[str, str] = {}

    def take(self, key: str, files: list[str]) -> bool:
        """Copy `files` (relative paths) from the previous build when its signed record says it wrote
        them under `key` and their bytes still hash to the recorded sha256."""
        self.new.update({f: key for f in files})
        if self.previous is None or not all(self.old.get(f, {}).get("key") == key for f in files):
            return False
        copied = []
        for f in files:
            target = self.stage / f
            target.parent.mkdir(parents=True, exist_ok=True)
            copied.append(target)
            if _copy_regular(self.previous / f, target) != self.old[f]["sha256"]:
                for path in copied:
                    path.unlink(missing_ok=True)
                return False
        return True

    def save(self) -> None:
        """Write the signed record of this build's rendered files (their keys and sha256)."""
        if self.key is None:
            return
        from dossier.data.trial_files import sha256_of

        record = {f: {"key": key, "sha256": sha256_of(self.stage / f)} for f, key in sorted(self.new.items())
                  if (self.stage / f).is_file()}
        payload = json.dumps(record, indent=1, sort_keys=True).encode("utf-8")
        folder = self.stage / CACHE_DIR
        folder.mkdir(exist_ok=True)
        (folder / RECORD).write_bytes(sign(self.key, payload))


def _copy_regular(source: Path, target: Path) -> str | None:
    """Copy `source` to `target` if it is a regular file (a link, pipe or device is not read);
    the sha256 of the bytes copied, or None."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with open(fd, "rb", closefd=False) as src, target.open("wb") as out:
            copied = stream_sha256(src, copy_to=out)
    except OSError:
        return None
    finally:
        os.close(fd)
    return copied
