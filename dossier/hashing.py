"""Every sha256 a build takes, in one place: of files (datasets, written outputs, packaged sources), of text and
JSON values (cache keys, section fingerprints), and the HMAC-SHA256 signature on what a build leaves for the
next one (the statistics cache, the record of rendered files), which is trusted only when this user's key
signed it."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

SIGNATURE_BYTES = 32
CHUNK = 1 << 20


def stream_sha256(fh: IO[bytes], copy_to: IO[bytes] | None = None) -> str:
    """sha256 of an open binary file read to its end (written on to `copy_to` when given)."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: fh.read(CHUNK), b""):
        digest.update(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return stream_sha256(fh)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def json_sha256(value: Any, ensure_ascii: bool = True) -> str:
    """sha256 of a JSON value with sorted keys (the same value gives the same digest in every process)."""
    return text_sha256(json.dumps(value, sort_keys=True, ensure_ascii=ensure_ascii))


def parts_sha256(*parts: object, seed: str = "") -> str:
    """sha256 of `seed` and each part (bytes as they are, anything else as its repr), NUL-separated."""
    digest = hashlib.sha256(seed.encode())
    for part in parts:
        digest.update(b"\0")
        digest.update(part if isinstance(part, bytes) else repr(part).encode())
    return digest.hexdigest()


def folders_sha256(folders: Iterable[Path]) -> str:
    """sha256 of every file under `folders` (relative name and bytes, in name order; no __pycache__)."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def sources_sha256(root: Path, pattern: str = "*.py") -> str:
    """sha256 of the files matching `pattern` under `root` (relative name then bytes, in name order)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob(pattern)):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def sign(key: bytes, payload: bytes) -> bytes:
    """`payload` preceded by its HMAC-SHA256 under `key`."""
    return hmac.new(key, payload, hashlib.sha256).digest() + payload


def verified(key: bytes, blob: bytes | None) -> bytes | None:
    """The payload of a signed blob when `key` signed it, else None."""
    if blob is None or len(blob) < SIGNATURE_BYTES:
        return None
    signature, payload = blob[:SIGNATURE_BYTES], blob[SIGNATURE_BYTES:]
    return payload if hmac.compare_digest(signature, hmac.new(key, payload, hashlib.sha256).digest()) else None
