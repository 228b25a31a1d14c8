"""The worker processes of a build: results, errors, and a failed build leaving none behind."""

from __future__ import annotations

import os
import signal
import time

import pytest

from dossier.build.workers import WorkerLost, Workers, worker_count
from dossier.errors import RenderError


def _pid_and(value):
    return os.getpid(), value


def _fail(message):
    raise RenderError(message, where="templates/briefing.html.j2")


def _unpicklable():
    return lambda: None


def _alive(pid: int) -> bool:
    """Whether `pid` still runs (a zombie waiting to be reaped counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _gone(pids, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while any(_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_one_worker_runs_each_task_here_when_submitted():
    with Workers(1) as workers:
        done = workers.submit(_pid_and, 7)
        failed = workers.submit(_fail, "bad template")
    assert done.result() == (os.getpid(), 7)
    with pytest.raises(RenderError, match="bad template"):
        failed.result()


def test_two_workers_run_tasks_in_other_processes_and_return_results_and_errors():
    with Workers(2) as workers:
        futures = [workers.submit(_pid_and, i) for i in range(6)]
        failed = workers.submit(_fail, "bad template")
        results = [f.result(timeout=120) for f in futures]
    assert [value for _, value in results] == list(range(6))
    assert {pid for pid, _ in results} - {os.getpid()} == {pid for pid, _ in results}
    with pytest.raises(RenderError, match=r"templates/briefing.html.j2: bad template"):
        failed.result()


def test_a_result_that_cannot_travel_back_is_an_error_not_a_hang():
    with Workers(2) as workers:
        future = workers.submit(_unpicklable)
        with pytest.raises(Exception, match="pickle"):
            future.result(timeout=120)


def test_leaving_with_an_error_kills_the_workers_at_once():
    workers = Workers(2)
    pids = {workers._zygote.pid} | {pid for pid, _ in (workers.submit(_pid_and, i).result(timeout=120)
                                                       for i in range(4))}
    sleeping = workers.submit(time.sleep, 600)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), workers:
        raise KeyboardInterrupt
    assert time.monotonic() - started < 60  # far less than the sleeping task
    assert _gone(pids)
    with pytest.raises(WorkerLost):
        sleeping.result(timeout=10)


def test_workers_ignore_ctrl_c_which_is_the_builds_to_handle():
    with Workers(2) as workers:
        pids = {pid for pid, _ in (workers.submit(_pid_and, i).result(timeout=120) for i in range(4))}
        sleeping = workers.submit(time.sleep, 1)
        for pid in pids | {workers._zygote.pid}:
            os.kill(pid, signal.SIGINT)
        assert sleeping.result(timeout=120) is None


def test_worker_count_follows_dossier_workers_within_the_cores(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setenv("DOSSIER_WORKERS", "1")
    assert worker_count() == 1
    monkeypatch.setenv("DOSSIER_WORKERS", "8")
    assert worker_count() == 2
    monkeypatch.setenv("DOSSIER_WORKERS", "many")
    assert worker_count() == 2
    monkeypatch.delenv("DOSSIER_WORKERS")
    assert worker_count() == 2


def test_workers_die_with_a_build_killed_outright(tmp_path):
    script = tmp_path / "build.py"
    script.write_text(
        "import os, sys, time\n"
        "from dossier.build.workers import Workers\n"
        "from tests.test_workers import _pid_and\n"
        "workers = Workers(2)\n"
        "pids = {workers._zygote.pid} | {workers.submit(_pid_and, i).result()[0] for i in range(4)}\n"
        "print(' '.join(map(str, pids)), flush=True)\n"
        "time.sleep(600)\n", encoding="utf-8")
    import subprocess
    import sys

    from tests.conftest import ROOT

    build = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    pids = [int(p) for p in build.stdout.readline().split()]
    assert len(pids) >= 2
    build.kill()  # SIGKILL to the build alone, not to its process group
    build.wait(timeout=60)
    build.stdout.close()
    assert _gone(pids)
