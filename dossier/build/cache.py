"""Cached statistics, so that a rebuild after a text-only edit does not recompute the analyses.

The cache lives in OUT_DIR/.cache/ (carried into each new build) and holds the last build's
analysis results. Its key is the sha256 of: the sha256 of each dataset the analyses read, the
analysis-relevant part of dossier.yaml (analyses, population, arm, reference arm, confidence
level, language) and the source of the dossier package itself, so a changed dataset, analysis
setting or dossier version always recomputes. A damaged or foreign cache file is ignored.
Which datasets the analyses read follows from the settings alone, so the cache also records them:
a rebuild with unchanged settings hashes those files without asking the analysis modules (and
without importing pandas), and only a build whose key differs loads and analyses the data.

The file is signed with HMAC-SHA256 under a key private to the user (~/.cache/dossier/cache-key,
mode 0600, or $DOSSIER_CACHE_KEY_FILE): an output folder received from someone else cannot make
the next build unpickle their data. Without a writable key location the cache is simply off.
Cache files, the key and dossier.build.reuse's record are read only when they are regular files (opened
with O_NOFOLLOW, checked with fstat) no larger than their limit (`read_regular`): a pipe, a device
or a link in their place is ignored, never waited on or read without end.
"""

from __future__ import annotations

import functools
import os
import pickle
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.hashing import json_sha256, sign, sources_sha256, verified

CACHE_DIR = ".cache"
CACHE_FILE = "analyses.pickle"
MAX_CACHE_BYTES = 512 * 1024**2  # a larger cache file is ignored (the statistics are computed again)
KEY_BYTES = 32
PACKAGE = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Analysed:
    """Everything the rendering stage needs from the data: results and facts about the datasets."""

    key: str
    results: tuple[Any, ...]
    files: dict[str, Any]  # dataset name -> DatasetFile
    arms: tuple[tuple[str, int], ...]  # (arm, N) in the default population
    records: dict[str, int]  # dataset name -> number of records
    warnings: tuple[str, ...]  # from loading and validation
    settings: str = ""  # settings_key() of the build that computed them
    datasets: tuple[str, ...] = ()  # the datasets whose hashes are in `key` (those the analyses read)


@functools.cache
def package_digest() -> str:
    """sha256 of the dossier package source (read once per process)."""
    return sources_sha256(PACKAGE)


def settings_key(spec) -> str:
    """sha256 of the analysis-relevant part of dossier.yaml and of the dossier source: everything
    but the data that decides the statistics, and which datasets the analyses read."""
    relevant = {
        "analyses": [a.model_dump(mode="json") for a in spec.analyses],
        "population": spec.population, "arm": spec.arm, "reference_arm": spec.reference_arm,
        "confidence_level": spec.confidence_level, "language": spec.language, "package": package_digest(),
    }
    return json_sha256(relevant)


def analysis_key(settings: str, dataset_hashes: dict[str, str]) -> str:
    """The cache key of a build's statistics: its settings_key and the sha256 of each dataset read."""
    return json_sha256({"settings": settings, "datasets": dict(sorted(dataset_hashes.items()))})


def read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of `path` if it is a regular file (not a link, pipe or device) of at most `limit`
    bytes, else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
            return None
        chunks, size = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # grew while being read
                return None
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def secret() -> bytes | None:
    """The user's signing key (of this cache and of dossier.build.reuse's record), created on first use;
    None when it cannot be kept."""
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dossier" / "cache-key"
    path = Path(os.environ.get("DOSSIER_CACHE_KEY_FILE") or default)
    try:
        if not (path.exists() or path.is_symlink()):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(KEY_BYTES))
    except OSError:
        return None
    key = read_regular(path, 4096)
    return key if key is not None and len(key) >= KEY_BYTES else None


def read_cache(out_dir: Path) -> Analysed | None:
    """The statistics cached in `out_dir`, whatever their key, if this user signed them."""
    key = secret()
    if key is None:
        return None
    blob = read_regular(out_dir / CACHE_DIR / CACHE_FILE, MAX_CACHE_BYTES)
    if blob is None:
        return None
    payload = verified(key, blob)
    if payload is None:
        return None
    try:
        cached = pickle.loads(payload)  # signed with this user's key (checked above)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return cached if isinstance(cached, Analysed) else None


def store(stage: Path, analysed: Analysed) -> None:
    key = secret()
    if key is None:
        return
    payload = pickle.dumps(analysed, protocol=pickle.HIGHEST_PROTOCOL)
    if len(payload) + 32 > MAX_CACHE_BYTES:
        return  # would be ignored by the next build
    folder = stage / CACHE_DIR
    folder.mkdir(exist_ok=True)
    (folder / CACHE_FILE).write_bytes(sign(key, payload))
