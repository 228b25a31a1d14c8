"""Reuse of the previous build's rendered files when their inputs did not change.

Rendering is deterministic, so a figure or a document whose inputs hash the same as in the build
in OUT_DIR has the same bytes: it is copied instead of drawn or typeset again. After a text-only
edit only the documents whose HTML changed are rendered (the other document and every figure are
copied). Keys cover everything a file depends on: the figure's data and labels or the document's
HTML, the templates folders (CSS, fonts, reference.docx), the figures, title, language, date and
the dossier source. A missing or unreadable record simply means rendering again.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from dossier.cache import CACHE_DIR, package_digest

RECORD = "rendered.json"


def digest(*parts: object) -> str:
    h = hashlib.sha256(package_digest().encode())
    for part in parts:
        h.update(b"\0")
        h.update(part if isinstance(part, bytes) else repr(part).encode())
    return h.hexdigest()


def folder_digest(folders: list[Path]) -> str:
    h = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


class Reuse:
    """Looks up files of the previous build (OUT_DIR) and records this build's keys in the stage."""

    def __init__(self, previous: Path, stage: Path) -> None:
        self.previous, self.stage = previous, stage
        try:
            self.old: dict[str, str] = json.loads((previous / CACHE_DIR / RECORD).read_text(encoding="utf-8"))
            self.hashes: dict[str, str] = json.loads((previous / "manifest.json").read_text(encoding="utf-8"))[
                "outputs"]
        except (OSError, ValueError, KeyError, TypeError):
            self.old, self.hashes = {}, {}
        self.new: dict[str, str] = {}

    def take(self, key: str, files: list[str]) -> bool:
        """Copy `files` (relative paths) from the previous build when it made them under `key`."""
        from dossier.trial_files import sha256_of

        self.new.update({f: key for f in files})
        # only files the previous build made under the same key and that still match its manifest
        if not all(self.old.get(f) == key and (self.previous / f).is_file() for f in files):
            return False
        if not all(self.hashes.get(f) == sha256_of(self.previous / f) for f in files):
            return False
        for f in files:
            target = self.stage / f
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.previous / f, target)
        return True

    def save(self) -> None:
        folder = self.stage / CACHE_DIR
        folder.mkdir(exist_ok=True)
        (folder / RECORD).write_text(json.dumps(self.new, indent=1, sort_keys=True), encoding="utf-8")
