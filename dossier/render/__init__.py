"""Rendering: one semantic HTML document -> PDF (weasyprint) and DOCX (python-docx).

`write_pdf` and `write_docx` are imported lazily so importing `dossier.render` stays cheap.
Both read files only from the `resource_dirs` they are given (see `resolve_resource`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote

__all__ = ["resolve_resource", "write_docx", "write_pdf"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def resolve_resource(ref: str, resource_dirs: Sequence[Path]) -> Path | None:
    """Resolve a relative reference (e.g. "figures/km.png") to an existing file inside one of
    `resource_dirs`, or return None.

    Refused: URLs with a scheme (http:, file:, data: ...), absolute paths, anything that
    escapes the directory (`..`, symlinks pointing outside), and whatever else dossier.data.gate refuses
    (hard links, devices, pipes); a refused file is not looked for in the next directory. The reference is tried against
    each directory in order; when a directory's name equals the reference's first component
    (dir ".../figures", ref "figures/x.png") it is also tried against the directory's parent,
    still requiring the file to lie inside that directory.
    """
    from dossier.data.gate import refusal

    ref = unquote(ref.split("#", 1)[0].split("?", 1)[0])
    if not ref or _SCHEME.match(ref) or ref.startswith(("/", "\\")) or "\x00" in ref:
        return None
    parts = Path(ref).parts
    if not parts or ".." in parts or Path(ref).is_absolute():
        return None
    for directory in resource_dirs:
        try:
            root = Path(directory).resolve(strict=True)
        except OSError:
            continue
        candidates = [root / ref]
        if len(parts) > 1 and parts[0] == root.name:
            candidates.append(root.parent / ref)
        for candidate in candidates:
            if not (candidate.exists() or candidate.is_symlink()):
                continue
            if refusal(candidate, root) is not None:  # a link leaving its folder, a hard link, a device
                return None  # refused, not looked for in the next folder
            return candidate.resolve()
    return None


def write_pdf(html: str, out_path: Path, resource_dirs: Sequence[Path], *, title: str, lang: str,
              date: datetime.date | None = None) -> list[str]:
    """Render `html` to a PDF at `out_path`; return warnings (see `dossier.render.pdf.write_pdf`)."""
    from dossier.render.pdf import write_pdf as _write_pdf

    return _write_pdf(html, out_path, resource_dirs, title=title, lang=lang, date=date)


def write_docx(html: str, out_path: Path, resource_dirs: Sequence[Path], *, reference: Path, title: str, lang: str,
               date: datetime.date | None = None, paginate: bool = True) -> list[str]:
    """Render `html` to a DOCX at `out_path`; return warnings (see `dossier.render.docx.write_docx`)."""
    from dossier.render.docx import write_docx as _write_docx

    return _write_docx(html, out_path, resource_dirs, reference=reference, title=title, lang=lang, date=date,
                       paginate=paginate)


# page footers of HTML without data-page-footer (the templates set it from the glossary's page_of_pages)
DEFAULT_PAGE_FOOTERS = {"en": "Page {page} of {pages}", "ja": "{page} / {pages} ページ"}


def page_footer_pieces(pattern: str) -> list[str | tuple[str]]:
    """The glossary's page footer ("Page {page} of {pages}") as literal texts and ("page",) /
    ("pages",) markers, for each renderer to turn into its own page counters."""
    import re

    pieces: list[str | tuple[str]] = []
    for part in re.split(r"(\{pages?\})", pattern):
        if part in ("{page}", "{pages}"):
            pieces.append((part[1:-1],))
        elif part:
            pieces.append(part)
    return pieces
