"""Reproducible Office Open XML packages (DOCX, XLSX): one re-packing for every zip we write."""

from __future__ import annotations

import io
import zipfile

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_FIRST = ("[Content_Types].xml", "_rels/.rels")  # where Office expects them


def deterministic_zip(data: bytes, replace: dict[str, bytes] | None = None) -> bytes:
    """Re-pack an OOXML zip with a fixed entry order, timestamps and attributes; `replace` swaps
    the content of named entries."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        entries = {info.filename: src.read(info.filename) for info in src.infolist()}
    entries.update(replace or {})
    names = [n for n in ZIP_FIRST if n in entries] + sorted(n for n in entries if n not in ZIP_FIRST)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            dst.writestr(info, entries[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return out.getvalue()
