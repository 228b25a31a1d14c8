"""The files `dossier diff OLD_OUT NEW_OUT --docx` writes: where (NEW_OUT-review beside NEW_OUT), which documents
(those of the registry both builds hold), and how (every redline composed before any file is written, each written
through a temporary name). The redline of one document is dossier.word.redline's."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dossier.errors import OutputError
from dossier.word.redline import redline_docx


def review_dir(new_dir: Path, given: Path | None = None) -> Path:
    """Where `dossier diff` writes its review files: `given`, else NEW_OUT-review beside NEW_OUT
    (not inside it: NEW_OUT holds exactly what its manifest lists, and the next build replaces it)."""
    if given is not None:
        return given
    new_dir = Path(new_dir).resolve()
    return new_dir.parent / f"{new_dir.name}-review"


def documents_to_redline(old_dir: Path, new_dir: Path) -> tuple[list[str], list[str]]:
    """The documents of the registry (dossier.document.registry) to redline, and a note for each one only one
    build has (a document built only with its yaml section, e.g. `orphan:` added or removed between the
    builds: nothing to compare). A document every build writes is always listed (write_redlines then says
    which build lacks it)."""
    from dossier.document import registry

    old, new = set(registry.in_build(old_dir)), set(registry.in_build(new_dir))
    documents, notes = [], []
    for name in registry.names():
        if name in registry.always() or (name in old and name in new):
            documents.append(name)
        elif name in old or name in new:
            only, other = (new_dir, old_dir) if name in new else (old_dir, new_dir)
            notes.append(f"{name}.docx is only in {only} (not in {other}): no redline for it")
    return documents, notes


def write_redlines(old_dir: Path, new_dir: Path, out_dir: Path, documents: Sequence[str]) -> list[Path]:
    """Write <document>.redline.docx into `out_dir` for each document both builds have; return the paths.

    Every redline is composed before any file is written, and each file is written under a
    temporary name and renamed, so a failure leaves no half-written file.
    """
    results: list[tuple[Path, bytes]] = []
    for name in documents:
        old_path, new_path = old_dir / f"{name}.docx", new_dir / f"{name}.docx"
        missing = [p for p in (old_path, new_path) if not p.is_file()]
        if missing:
            raise OutputError(f"{name}.docx not found: both builds need it for the redline", where=str(missing[0]))
        results.append((out_dir / f"{name}.redline.docx",
                        redline_docx(old_path.read_bytes(), new_path.read_bytes(), where=f"{old_path} / {new_path}")))
    return write_files(out_dir, results)


def write_files(out_dir: Path, files: Sequence[tuple[Path, bytes]]) -> list[Path]:
    """Write each (path, bytes) through a temporary name beside it, then rename (no half-written file)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for path, data in files:
            temporary = path.with_name(f".{path.name}.partial")
            temporary.write_bytes(data)
            temporary.replace(path)
    except OSError as exc:
        raise OutputError(f"cannot write the review files: {exc}", where=str(out_dir)) from exc
    return [path for path, _ in files]
