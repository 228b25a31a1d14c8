"""HTML subset -> PDF with weasyprint, reading files only from the build's resource folders.

`write_pdf` applies `print.css` (found in the resource folders), fetches every resource through
`RestrictedFetcher` (no network, no file outside the resource folders, no data: URLs), sets
the metadata (title, language, optional date; no clock time anywhere) and writes PDF 1.7 with
a content-derived /ID, so the same HTML always gives the same bytes.
"""

from __future__ import annotations

import datetime
import logging
import mimetypes
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from dossier.errors import OutputError, RenderError
from dossier.render import DEFAULT_PAGE_FOOTERS, page_footer_pieces, resolve_resource

# Relative references in the HTML are joined to this virtual base before they reach the
# fetcher; only URLs under it are mapped onto the resource folders, everything else is refused.
VIRTUAL_BASE = "file:///dossier-resources/"
STYLESHEET = "print.css"

_MIME = {".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg",
         ".jpeg": "image/jpeg", ".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2"}

# Japanese documents put Noto Sans CJK JP first in the page margins. A user stylesheet, so
# !important lets it win over print.css even when the HTML also links it.
_PAGE_FONTS = {
    "ja": '@page { font-family: "Noto Sans CJK JP", "Liberation Sans", sans-serif !important; }',
}


def footer_css(pattern: str | None, lang: str) -> str:
    """The page footer `pattern` (the body's data-page-footer: the glossary's page_of_pages; None: the
    language's default) as CSS content with page counters."""
    if pattern is None:
        pattern = DEFAULT_PAGE_FOOTERS.get(lang, DEFAULT_PAGE_FOOTERS["en"])
    content = []
    for piece in page_footer_pieces(pattern):
        if isinstance(piece, tuple):
            content.append(f"counter({piece[0]})")
        else:
            escaped = "".join(ch if ch.isprintable() and ch not in '"\\' else f"\\{ord(ch):x} " for ch in piece)
            content.append(f'"{escaped}"')
    return "@page { @bottom-center { content: " + (" ".join(content) or '""') + " !important; } }"


class RefusedResource(ValueError):
    """Raised inside the fetcher so weasyprint skips a resource it must not read."""


class RestrictedFetcher(URLFetcher):
    """A weasyprint URL fetcher that serves only files inside `resource_dirs` (weasyprint's own
    opener, with its network handlers, is never used: `fetch` is the only way in).

    Every refused URL is kept in `refused` (and logged) so callers and tests can see it.
    """

    def __init__(self, resource_dirs: Sequence[Path]) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False)
        self.resource_dirs = [Path(d) for d in resource_dirs]
        self.refused: list[str] = []
        self.served: list[Path] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        path = self.resolve(url)
        if path is None:
            self.refused.append(url)
            raise RefusedResource(f"refused to fetch {url[:200]}: only files in the build's resource folders are read")
        self.served.append(path)
        mime = _MIME.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        # the response names the real file: weasyprint re-reads raster images from response.path
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime})

    def resolve(self, url: str) -> Path | None:
        """The file a URL names, if it lies under the virtual base and inside a resource folder."""
        if not url.startswith(VIRTUAL_BASE):
            return None
        parts = urlsplit(url)
        if parts.query or parts.netloc:
            return None
        relative = unquote(parts.path)[len(urlsplit(VIRTUAL_BASE).path):]
        return resolve_resource(relative, self.resource_dirs)


class _Collect(logging.Handler):
    """Keeps weasyprint's log messages (a refused or broken resource, CSS it ignores) for the build's
    warnings instead of letting them reach stderr."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = " ".join(record.getMessage().split())
        self.messages.append(message[:300])


def write_pdf(html: str, out_path: Path, resource_dirs: Sequence[Path], *, title: str, lang: str,
              date: datetime.date | None = None) -> list[str]:
    """Render `html` (the document HTML subset) to an A4 PDF at `out_path`; return warnings.

    `print.css` is taken from the first resource folder holding it; pictures and fonts are read
    only from `resource_dirs`. `date` becomes the creation/modification date (none if None).
    The warnings name every refused resource and whatever weasyprint reported while rendering.
    """
    logger = logging.getLogger("weasyprint")
    collect = _Collect()
    logger.addHandler(collect)
    propagate, logger.propagate = logger.propagate, False
    try:
        _write_pdf(html, out_path, resource_dirs, title=title, lang=lang, date=date)
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate
    name = Path(out_path).name
    return [f"{name}: {message}" for message in dict.fromkeys(collect.messages)]


def _write_pdf(html: str, out_path: Path, resource_dirs: Sequence[Path], *, title: str, lang: str,
               date: datetime.date | None) -> None:
    document = lay_out(html, resource_dirs, lang)
    metadata = document.metadata
    metadata.title = title
    metadata.lang = lang
    metadata.authors = ["dossier"]
    metadata.generator = "dossier"
    metadata.created = metadata.modified = date.isoformat() if date else None
    metadata.description = None
    metadata.keywords = []
    data = document.write_pdf(pdf_version="1.7", pdf_identifier=True)
    try:
        Path(out_path).write_bytes(data)
    except OSError as exc:
        raise OutputError(f"cannot write {out_path}: {exc}") from exc


def lay_out(html: str, resource_dirs: Sequence[Path], lang: str):
    """weasyprint's layout (a Document of pages) of `html` (a document HTML: its tables carry their column
    widths, dossier.render.html.add_column_widths) with print.css and the page footer, reading only from
    `resource_dirs`."""
    from weasyprint import CSS, HTML

    from dossier.render.html import template_file

    fetcher = RestrictedFetcher(resource_dirs)
    css_path = template_file(STYLESHEET, fetcher.resource_dirs)  # a link leaving its folder: RenderError
    if css_path is None:
        raise RenderError(f"{STYLESHEET} not found in the resource folders {[str(d) for d in resource_dirs]}")
    stylesheets = [CSS(string=css_path.read_text(encoding="utf-8"), base_url=VIRTUAL_BASE, url_fetcher=fetcher)]
    if lang in _PAGE_FONTS:
        stylesheets.append(CSS(string=_PAGE_FONTS[lang]))
    document = HTML(string=html, base_url=VIRTUAL_BASE, url_fetcher=fetcher)
    body = document.etree_element.find("body")  # weasyprint's own parse of the HTML
    stylesheets.append(CSS(string=footer_css(None if body is None else body.get("data-page-footer"), lang)))
    return document.render(stylesheets=stylesheets)
