"""`dossier preview`: the documents of a trial folder in a browser, rendered again when a file is saved.

A `Preview` keeps one dossier.preview.session.Session per document language (the other language is
prepared when it is first asked for) and a generation number that grows with every update. The
standard library's ThreadingHTTPServer serves, on the loopback interface unless told otherwise:

    /                         -> /<language>/briefing
    /<lang>/<document>, /<lang>/warnings   every document of the build (dossier.document.registry:
                              briefing, sakigake, and orphan with an `orphan:` section)
    /<lang>/<file>            print.css, the templates' pictures and fonts, figures/<key>.png|svg: through
                              dossier.render.resolve_resource over the templates folders and the session's
                              figures (the renderers' gate); only style, picture and font files
    /_preview/preview.js, /_preview/preview.css, /_preview/events (server-sent events: the generation)
    /favicon.ico              204 (no content)

Anything else is 404. Requests whose Host header is not the loopback address are refused (403) unless the
server was started with allow_remote, so a web page elsewhere cannot read the preview by DNS rebinding.
"""

from __future__ import annotations

import ipaddress
import shutil
import tempfile
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dossier.document import registry
from dossier.errors import UsageError
from dossier.preview import pages
from dossier.preview.session import Session

STATIC = Path(__file__).resolve().parent
STATIC_FILES = {"preview.js": "text/javascript; charset=utf-8", "preview.css": "text/css; charset=utf-8"}
RESOURCE_TYPES = {".css": "text/css; charset=utf-8", ".png": "image/png", ".svg": "image/svg+xml",
                  ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".ttf": "font/ttf",
                  ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2"}
KEEPALIVE_SECONDS = 15
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self'; font-src 'self'; connect-src 'self'; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Preview:
    """The sessions of one trial folder and the generation the open pages compare theirs with."""

    def __init__(self, trial_dir: Path, lang: str | None = None) -> None:
        self.trial_dir = trial_dir
        self.requested = lang
        self.lock = threading.RLock()
        self.changed = threading.Condition()
        self.generation = 0
        self.root = Path(tempfile.mkdtemp(prefix="dossier-preview-"))  # figures only; removed by close()
        self.sessions: dict[str, Session] = {}
        self.default_lang = lang or "en"

    def start(self) -> None:
        """Render the documents in the language asked for (dossier.yaml's by default)."""
        from dossier.config.spec import load_spec
        from dossier.errors import SpecError

        if self.requested is None:
            try:
                self.default_lang = load_spec(self.trial_dir).language
            except SpecError:
                self.default_lang = "en"  # the page shows the problem
        self.session(self.default_lang)

    def session(self, lang: str) -> Session:
        with self.lock:
            if lang not in self.sessions:
                session = Session(self.trial_dir, lang, self.root / lang)
                session.update(None)
                self.sessions[lang] = session
            return self.sessions[lang]

    def update(self, changed: set[Path]) -> None:
        """Called by the watcher: bring every session up to date, then tell the open pages."""
        with self.lock:
            for session in self.sessions.values():
                session.update(changed)
        with self.changed:
            self.generation += 1
            self.changed.notify_all()

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:  # requests are not logged
        return None

    def do_HEAD(self) -> None:
        if urlsplit(self.path).path == "/_preview/events":  # a stream: there are no headers of a whole body
            return self.send(HTTPStatus.METHOD_NOT_ALLOWED, b"", "text/plain; charset=utf-8")
        self.do_GET()

    def do_GET(self) -> None:
        preview = self.server.preview
        if not self.server.allow_remote and not is_loopback(urlsplit("//" + (self.headers.get("Host") or "")).hostname
                                                            or ""):
            return self.send(HTTPStatus.FORBIDDEN, b"forbidden: not a loopback host\n", "text/plain; charset=utf-8")
        raw = urlsplit(self.path).path
        if raw == "/":
            return self.redirect(f"/{preview.default_lang}/briefing")
        if raw == "/_preview/events":
            return self.events()
        if raw == "/favicon.ico":  # asked for by every browser: no content rather than a 404 in its console
            return self.send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
        parts = raw.split("/")[1:]
        decoded = [unquote(p) for p in parts]
        if any(p in ("", ".", "..") or "/" in p or "\\" in p or "\x00" in p for p in decoded):
            return self.not_found()
        if len(parts) == 2 and parts[0] == "_preview" and parts[1] in STATIC_FILES:
            return self.send(HTTPStatus.OK, (STATIC / parts[1]).read_bytes(), STATIC_FILES[parts[1]])
        if parts[0] not in pages.LANGUAGES:
            return self.not_found()
        lang = parts[0]
        if len(parts) == 2 and parts[1] in (*registry.names(), "warnings"):
            return self.page(lang, parts[1])
        return self.resource(lang, "/".join(parts[1:]))

    def page(self, lang: str, name: str) -> None:
        preview = self.server.preview
        with preview.lock:
            session = preview.session(lang)
            generation = preview.generation
            page = session.pages.get(name)
            problems, warnings = list(session.errors), list(session.warnings)
            translation = list(session.translation)
            documents = session.documents or registry.always()
        if page is None:
            if name == "warnings":
                title = pages.label(name)
            elif name in documents or not session.documents:
                title = pages.label(name) + " (not rendered: see the problems above)"
            else:  # a document type this dossier.yaml does not build (e.g. orphan without an `orphan:` section)
                title = pages.label(name) + f" (not built for this trial: dossier.yaml has no `{name}:` section)"
            html = pages.message_page(lang=lang, current=name, generation=generation, title=title,
                                      problems=problems, warnings=warnings, trial_dir=preview.trial_dir,
                                      documents=documents, translation=translation)
        else:
            html = pages.document_page(page.html, lang=lang, document=name, generation=generation,
                                       problems=problems, warnings=len(warnings), sources=page.sources,
                                       trial_dir=preview.trial_dir, documents=documents)
        self.send(HTTPStatus.OK, html.encode("utf-8"), "text/html; charset=utf-8")

    def resource(self, lang: str, relative: str) -> None:
        """A style, picture or font file through the renderers' gate; 404 for anything else."""
        from dossier.render import resolve_resource

        kind = RESOURCE_TYPES.get(Path(unquote(relative)).suffix.lower())
        preview = self.server.preview
        if kind is None:
            return self.not_found()
        with preview.lock:
            session = preview.session(lang)
            folders = [*session.dirs, session.stage]
        path = resolve_resource(relative, folders)
        if path is None:
            return self.not_found()
        try:
            body = path.read_bytes()
        except OSError:
            return self.not_found()
        self.send(HTTPStatus.OK, body, kind)

    def events(self) -> None:
        """Server-sent events: the current generation now, and again whenever it grows."""
        preview = self.server.preview
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        seen = None
        try:
            while not self.server.stopping.is_set():
                with preview.changed:
                    if seen == preview.generation:
                        preview.changed.wait(KEEPALIVE_SECONDS)
                    generation = preview.generation
                if generation != seen:
                    self.wfile.write(f"event: generation\ndata: {generation}\n\n".encode())
                    seen = generation
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            return

    def redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def not_found(self) -> None:
        self.send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")

    def send(self, status: HTTPStatus, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], preview: Preview, allow_remote: bool = False) -> None:
        self.preview = preview
        self.allow_remote = allow_remote
        self.stopping = threading.Event()
        super().__init__(address, Handler)

    def shutdown(self) -> None:
        self.stopping.set()
        with self.preview.changed:
            self.preview.changed.notify_all()
        super().shutdown()


def check_host(host: str, allow_remote: bool) -> None:
    """UsageError for a host that is not the loopback interface, unless `allow_remote`."""
    if not allow_remote and not is_loopback(host):
        raise UsageError(f"{host!r} is not a loopback address: the preview shows unpublished trial data, so it "
                         "listens on 127.0.0.1 only; add --allow-remote to serve it to other machines", where="--host")


def start_server(trial_dir: Path, *, lang: str | None = None, host: str = "127.0.0.1", port: int = 8000,
                 allow_remote: bool = False):
    """Render the documents, bind the server and start watching; returns (server, watcher). The caller
    runs server.serve_forever() and, at the end, stop(server, watcher)."""
    from dossier.data.gate import PACKAGE_TEMPLATES
    from dossier.errors import EnvironmentProblem, SpecError
    from dossier.preview.watch import Watcher

    check_host(host, allow_remote)
    if not trial_dir.is_dir():
        raise SpecError("trial folder not found", where=str(trial_dir))
    preview = Preview(trial_dir, lang)
    try:
        server = PreviewServer((host, port), preview, allow_remote)
    except OSError as exc:
        preview.close()
        raise EnvironmentProblem(f"cannot listen on {host}:{port}: {exc.strerror or exc}; give another --port "
                                 "(0: any free port)", where="--port") from None
    watcher = Watcher([trial_dir, PACKAGE_TEMPLATES], preview.update)  # before rendering: no save is missed
    try:
        preview.start()
    except BaseException:
        server.server_close()
        preview.close()
        raise
    watcher.start()
    return server, watcher


def stop(server: PreviewServer, watcher) -> None:
    watcher.stop()
    server.shutdown()
    server.server_close()
    server.preview.close()
