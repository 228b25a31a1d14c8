"""Worker processes for a build's slow, independent steps: drawing figures, writing PDF and DOCX.

When a build starts, before the data is read, `Workers` forks one "zygote" process that imports
the rendering stack (weasyprint, python-docx, pypdf, matplotlib) once and lays out a one-line
page, on the second core while the main process loads and analyses the data. The workers that
run the tasks are forked from the zygote, so they start with everything imported: the import
costs once per build instead of once per worker, and never in front of the first document.

With `count` cores (DOSSIER_WORKERS, default 2, at most the machine's), `count` + 1 workers run:
the DOCX task spends most of its time waiting for LibreOffice, a process of its own, so one more
worker keeps the cores busy with the PDFs meanwhile. Tasks are module-level functions with picklable
arguments; `submit` returns a Future. With one core (or DOSSIER_WORKERS=1) every task runs in the
main process when submitted.

Ctrl-C is the main process's to handle: the zygote and its workers ignore it. Leaving the `with`
block with an exception (a data error, Ctrl-C, SIGTERM) kills the zygote at once, and each worker
dies with its parent (Linux's parent-death signal), as they do when the build itself is killed;
so a failed build neither waits for nor leaves behind any of them. Leaving it normally waits for
the tasks.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Self

DEFAULT_WORKERS = 2
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class WorkerLost(RuntimeError):
    """The worker processes stopped before a task finished (killed, out of memory, crashed)."""


def worker_count() -> int:
    """Processes for the rendering steps: DOSSIER_WORKERS (default 2), at most the number of cores."""
    try:
        wanted = int(os.environ.get("DOSSIER_WORKERS", DEFAULT_WORKERS))
    except ValueError:
        wanted = DEFAULT_WORKERS
    return max(1, min(wanted, os.cpu_count() or 1))


class Workers:
    """Runs tasks in processes forked from a warmed-up zygote (or in this process when `count` < 2)."""

    def __init__(self, count: int | None = None) -> None:
        self.count = worker_count() if count is None else count
        self._zygote = None
        if self.count < 2:
            return
        import multiprocessing

        context = multiprocessing.get_context("fork")  # forked before this process starts any thread
        self._conn, child = context.Pipe()
        self._zygote = context.Process(target=_zygote, args=(child, self.count, os.getpid()),
                                     name="dossier-workers")
        self._zygote.start()
        child.close()
        self._ids = itertools.count()
        self._pending: dict[int, Future] = {}
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="dossier-worker-results", daemon=True)
        self._reader.start()

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        future: Future = Future()
        if self._zygote is None:
            try:
                future.set_result(fn(*args))
            except Exception as exc:  # noqa: BLE001 (handed to whoever waits on the future)
                future.set_exception(exc)
            return future
        with self._lock:
            task = next(self._ids)
            self._pending[task] = future
            try:
                self._conn.send((task, fn, args))
            except (OSError, ValueError):
                del self._pending[task]
                future.set_exception(WorkerLost("the worker processes are gone"))
        return future

    def _read(self) -> None:
        """Hand each result from the zygote to its future; fail the rest if the zygote goes away."""
        while True:
            try:
                task, ok, value = self._conn.recv()
            except (EOFError, OSError):
                break
            with self._lock:
                future = self._pending.pop(task, None)
            if future is not None:
                (future.set_result if ok else future.set_exception)(value)
        with self._lock:
            lost, self._pending = list(self._pending.values()), {}
        for future in lost:
            future.set_exception(WorkerLost("a worker process stopped before its task finished"))

    def close(self, kill: bool = False) -> None:
        zygote, self._zygote = self._zygote, None
        if zygote is None:
            return
        if kill:
            zygote.kill()  # its workers follow (_die_with_parent)
        else:
            try:
                self._conn.send(None)  # no more tasks: the zygote waits for its workers and exits
            except (OSError, ValueError):
                pass
        zygote.join()
        self._conn.close()
        self._reader.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.close(kill=kind is not None)


def _zygote(conn, count: int, parent: int) -> None:
    """The zygote's life: the rendering stack imported, then every task received run by a pool of
    `count` + 1 processes forked from it, each result sent back."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    _warm(conn)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    lock = threading.Lock()
    with ProcessPoolExecutor(max_workers=count + 1, mp_context=multiprocessing.get_context("fork"),
                             initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):  # the build is gone
                break
            if message is None:
                break
            task, fn, args = message
            pool.submit(fn, *args).add_done_callback(lambda future, task=task: _reply(conn, lock, task, future))
    conn.close()


def _reply(conn, lock: threading.Lock, task: int, future: Future) -> None:
    error = future.exception()
    message = (task, True, future.result()) if error is None else (task, False, error)
    with lock:
        try:
            conn.send(message)
        except (OSError, ValueError):
            pass  # the build is gone
        except Exception as exc:  # noqa: BLE001 (an exception or result that cannot be pickled)
            conn.send((task, False, WorkerLost(f"{type(exc).__name__}: {exc}")))


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent (pid `parent`) dies (Linux; elsewhere
    nothing happens)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _warm(conn) -> None:
    """Import weasyprint and let fontconfig/Pango load the fonts; then, unless a task is already
    waiting (the statistics came from the cache: the first PDF should not wait), python-docx, pypdf
    and matplotlib too (a task imports whatever it still lacks). A failure here is left for the task
    that needs the module to report."""
    try:
        import weasyprint

        weasyprint.HTML(string="<p>dossier</p>").render()
        if conn.poll():
            return
        import docx  # noqa: F401
        import matplotlib
        import pypdf  # noqa: F401

        matplotlib.use("Agg")
        from matplotlib.backends import backend_agg, backend_svg  # noqa: F401
        from matplotlib.figure import Figure  # noqa: F401
    except Exception:  # noqa: BLE001 (reported by the task that needs it)
        return
