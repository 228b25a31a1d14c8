"""HTML subset -> DOCX, written on templates/reference.docx.

Walks the document's tree (dossier.render.tree: render.html parsed it once) and maps every element and class of the subset table
in docs/architecture.md to a Word style of the reference document; anything else raises
`RenderError`, so the PDF (same HTML) and the DOCX cannot disagree. Text is literal, links are
internal hyperlinks to bookmarks named after the HTML ids, the TOC is a real TOC field whose
cached result already lists the entries, landscape table blocks get their own sections, and the
package bytes are reproducible. `write_docx_all` writes several documents (a build's) with one
LibreOffice run laying out all of them for their TOC page numbers.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from docx import Document

from dossier.errors import OutputError, RenderError
from dossier.render.docx_html import Node, parse_html, xml_safe
from dossier.render.docx_ooxml import (
    set_core_properties,
)
from dossier.render.docx_page import LANGUAGES
from dossier.render.docx_sections import record_marks
from dossier.render.docx_writer import Writer
from dossier.render.pagination import PaginationUnavailable, bookmark_pages_all
from dossier.render.zipfiles import deterministic_zip


@dataclass(frozen=True)
class DocxJob:
    """One DOCX to write: the document's tree (its <body>: dossier.render.html.RenderedDocument.body, pickled
    to the worker that writes it), where it goes and what write_docx takes besides it.

    `origin` names what produced the HTML (e.g. "the HTML of templates/briefing.html.j2"); a
    RenderError for this job then says "(while writing <file> from <origin>)".
    """

    body: Node
    out_path: Path
    resource_dirs: tuple[Path, ...]
    reference: Path
    title: str
    lang: str
    date: datetime.date | None = None
    origin: str = ""


@dataclass(frozen=True)
class _Composed:
    """A job's document before its TOC page numbers: the package sent to LibreOffice and the
    w:t of each TOC entry's cached page number."""

    job: DocxJob
    document: object
    toc_pages: list[tuple[str, object]]
    data: bytes


def write_docx(html: str, out_path: Path, resource_dirs: Sequence[Path], *, reference: Path, title: str, lang: str,
               date: datetime.date | None = None, paginate: bool = True) -> list[str]:
    """Write `html` (the document HTML subset, parsed here) as a DOCX on the `reference` template; return warnings.

    Pictures are read only from `resource_dirs`. `date` (or a fixed epoch) becomes the
    created/modified core properties; the same inputs always give the same bytes. With
    `paginate`, the table of contents carries the page numbers of LibreOffice's layout of the
    document (render/pagination.py); without LibreOffice it has entries and links but no numbers.
    Raises RenderError for HTML outside the subset or a picture outside `resource_dirs`. This is
    write_docx_all of one job.
    """
    job = DocxJob(parse_html(html), Path(out_path), tuple(Path(d) for d in resource_dirs), reference, title, lang, date)
    return write_docx_all([job], paginate=paginate)


def write_docx_all(jobs: Sequence[DocxJob], *, paginate: bool = True) -> list[str]:
    """Write every job's DOCX as write_docx does, with one LibreOffice run laying out all of
    them; return the warnings of all jobs, in job order.

    Every document is composed before any file is written, so a RenderError (named after the
    job's file and origin when it has one) leaves no file of any job behind.
    """
    composed = [_compose(job) for job in jobs]
    warnings = []
    for item, pages in zip(composed, _paginate(composed, paginate), strict=True):
        warnings += _fill_toc(item, pages)
        data = _package(item.document) if item.toc_pages else item.data
        try:
            item.job.out_path.write_bytes(data)
        except OSError as exc:
            raise OutputError(f"cannot write {item.job.out_path}: {exc}") from exc
    return warnings


def _compose(job: DocxJob) -> _Composed:
    """The job's document, its TOC page numbers not filled in yet (RenderError names the job's origin)."""
    try:
        return _compose_document(job)
    except RenderError as exc:
        if not job.origin:
            raise
        raise RenderError(f"{exc} (while writing {job.out_path.name} from {job.origin})") from None


def _compose_document(job: DocxJob) -> _Composed:
    """Everything write_docx_all does to a job before pagination: the document, its TOC and its package."""
    reference = job.reference
    if reference is None or not Path(reference).is_file():
        raise RenderError(f"reference document {reference} not found")
    try:
        document = Document(str(reference))
    except Exception as exc:  # python-docx raises several types for a bad package
        raise RenderError(f"cannot open reference document {reference}: {exc}") from exc
    writer = Writer(document, list(job.resource_dirs), job.lang)
    writer.write(job.body)
    record_marks(document.element.body, document.settings.element, document.styles.element)
    set_core_properties(document, title=xml_safe(job.title), when=job.date, language=LANGUAGES.get(job.lang, job.lang))
    return _Composed(job, document, writer.toc_pages, _package(document))


def _paginate(composed: list[_Composed], paginate: bool) -> list[dict[str, int] | PaginationUnavailable]:
    """LibreOffice's page of each TOC bookmark of each document, from one run for all documents
    with TOC entries; no pages for the others, or for all without `paginate`."""
    laid_out = [item for item in composed if item.toc_pages] if paginate else []
    results = iter(bookmark_pages_all([(item.data, [name for name, _ in item.toc_pages]) for item in laid_out]))
    return [next(results) if paginate and item.toc_pages else {} for item in composed]


def _fill_toc(item: _Composed, pages: dict[str, int] | PaginationUnavailable) -> list[str]:
    """Write `pages` into the TOC's cached page numbers (blank where unknown); return the warnings."""
    name = item.job.out_path.name
    warnings = []
    if isinstance(pages, PaginationUnavailable):
        warnings.append(f"{name}: the table of contents has no page numbers ({pages}); "
                        "in Word, update the field (F9) to add them")
        pages = {}
    missing = [bookmark for bookmark, _ in item.toc_pages if bookmark not in pages]
    if pages and missing:
        warnings.append(f"{name}: no page number for {len(missing)} table of contents "
                        f"entr{'y' if len(missing) == 1 else 'ies'} (first: bookmark {missing[0]})")
    for bookmark, text in item.toc_pages:
        text.text = str(pages[bookmark]) if bookmark in pages else ""
    return warnings


def _package(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return deterministic_zip(buffer.getvalue())


