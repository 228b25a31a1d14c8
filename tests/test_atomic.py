"""Atomic output: a build that is killed, interrupted or fails leaves the previous good output intact;
the next build cleans up after a killed one; a second build of the same OUT_DIR is refused while one runs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dossier.build.atomic import leftovers, staging
from dossier.errors import OutputError
from tests.conftest import PILOT, ROOT, run_cli, write_tiny_trial
from tests.test_bad_input import snapshot


def start_build(trial: Path, out: Path) -> subprocess.Popen:
    """`dossier build` in its own process group (so the test can stop or kill it with its workers)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "dossier", "build", str(trial), "-o", str(out)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_for_staging(process: subprocess.Popen, out: Path, timeout: float = 300) -> Path:
    """The staging folder of a running build, once it holds its first output files."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        stages = [p for p in leftovers(out) if p.name.startswith(f".{out.name}.building-")]
        if stages and (stages[0] / "evidence.json").exists():
            return stages[0]
        time.sleep(0.05)
    raise AssertionError("the build never started writing its outputs")


def beside(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir())


@pytest.fixture
def earlier(tmp_path, tiny_build) -> Path:
    """OUT_DIR holding an earlier good build (of the tiny trial), alone in its parent folder."""
    out = tmp_path / "outputs" / "out"
    shutil.copytree(tiny_build[1], out)
    return out


@pytest.mark.e2e
def test_killed_build_leaves_the_previous_output_and_the_next_build_cleans_up(earlier, tmp_path, tiny_build):
    before = snapshot(earlier)
    build = start_build(PILOT, earlier)
    stage = wait_for_staging(build, earlier)
    time.sleep(1.5)  # well into rendering
    assert build.poll() is None, "the build finished before it could be killed"
    os.killpg(build.pid, signal.SIGKILL)
    build.communicate(timeout=60)
    assert build.returncode == -signal.SIGKILL
    assert snapshot(earlier) == before
    assert stage.is_dir()  # what the killed build left behind

    trial = write_tiny_trial(tmp_path / "trial")
    result = run_cli("build", str(trial), "-o", str(earlier))
    assert result.returncode == 0, result.stderr
    assert beside(earlier) == ["out"]  # the stale staging folder and lock file are gone
    assert set(snapshot(earlier)) == set(snapshot(tiny_build[1]))
    assert run_cli("verify", str(earlier)).returncode == 0


@pytest.mark.e2e
def test_second_build_of_the_same_output_is_refused_and_sigterm_cleans_up(earlier, tmp_path):
    before = snapshot(earlier)
    first = start_build(write_tiny_trial(tmp_path / "first"), earlier)
    wait_for_staging(first, earlier)
    os.killpg(first.pid, signal.SIGSTOP)  # frozen while it holds the lock: the second build meets it for sure
    try:
        second = run_cli("build", str(write_tiny_trial(tmp_path / "second")), "-o", str(earlier))
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    assert second.returncode == 1, second.stderr
    lines = second.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in second.stderr
    assert lines[0].startswith(f"error: {earlier}: another build (process {first.pid}) is writing this output folder")
    assert snapshot(earlier) == before

    os.kill(first.pid, signal.SIGTERM)  # the first build is told to stop: it removes its staging folder
    _, stderr = first.communicate(timeout=300)
    assert first.returncode == 130, stderr
    assert "interrupted: earlier output is untouched" in stderr and "Traceback" not in stderr
    assert snapshot(earlier) == before
    assert beside(earlier) == ["out"]


def test_an_output_folder_that_is_not_a_build_is_never_replaced(tmp_path):
    out = tmp_path / "documents"
    out.mkdir()
    (out / "precious.txt").write_text("not a build", encoding="utf-8")
    result = run_cli("build", str(write_tiny_trial(tmp_path / "trial")), "-o", str(out))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"error: {out}: exists and does not hold an earlier dossier build")
    assert sorted(p.name for p in out.iterdir()) == ["precious.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents", "trial"]


# ------------------------------------------------------------------------------------ staging(), in process


def test_failure_inside_staging_keeps_the_output_and_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(RuntimeError), staging(out) as stage:
        (stage / "half-written.pdf").write_bytes(b"%PDF")
        raise RuntimeError("render failed")
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_success_swaps_the_new_output_in(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("old", encoding="utf-8")
    with staging(out) as stage:
        (stage / "manifest.json").write_text("new", encoding="utf-8")
    assert (out / "manifest.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_build_holding_the_lock_keeps_another_out(tmp_path):
    out = tmp_path / "out"
    with staging(out) as stage:
        (stage / "manifest.json").write_text("first", encoding="utf-8")
        with pytest.raises(OutputError) as info, staging(out):
            pass
        assert "another build" in str(info.value) and f"process {os.getpid()}" in str(info.value)
    assert (out / "manifest.json").read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_leftovers_of_a_killed_build_are_removed_and_a_swapped_out_output_restored(tmp_path):
    out = tmp_path / "out"
    # killed between the two renames of the swap: OUT_DIR is in .out.old-*/previous
    (tmp_path / ".out.old-abc" / "previous").mkdir(parents=True)
    (tmp_path / ".out.old-abc" / "previous" / "manifest.json").write_text("previous", encoding="utf-8")
    (tmp_path / ".out.building-def").mkdir()
    (tmp_path / ".out.building-def" / "briefing.pdf").write_bytes(b"%PDF-half")
    (tmp_path / ".out.lock").write_text("999999", encoding="utf-8")  # its holder is gone
    with pytest.raises(RuntimeError), staging(out):
        assert (out / "manifest.json").read_text() == "previous"
        raise RuntimeError("stop here")
    assert (out / "manifest.json").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_other_folders_beside_the_output_are_left_alone(tmp_path):
    (tmp_path / ".other.building-x").mkdir()
    (tmp_path / "outer").mkdir()
    with staging(tmp_path / "out") as stage:
        (stage / "manifest.json").write_text("x", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.building-x", "out", "outer"]


def test_a_file_in_the_place_of_the_output_folder_is_refused(tmp_path):
    (tmp_path / "out").write_text("a file", encoding="utf-8")
    with pytest.raises(OutputError) as info, staging(tmp_path / "out"):
        pass
    assert "is not a folder" in str(info.value)
    assert (tmp_path / "out").read_text() == "a file"


def test_an_output_folder_holding_the_trial_folder_is_refused(tmp_path, tiny_build):
    """`dossier build out/trial -o out` would swap the trial folder away with the old outputs."""
    out = tmp_path / "out"
    shutil.copytree(tiny_build[1], out)
    trial = write_tiny_trial(out / "trial")
    before = snapshot(out)
    result = run_cli("build", str(trial), "-o", str(out))
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.returncode == 1 and len(errors) == 1, result.stderr
    assert str(out) in errors[0] and "holds the trial folder" in errors[0]
    assert snapshot(out) == before
    same = run_cli("build", str(trial), "-o", str(trial))
    assert same.returncode == 1 and "holds the trial folder" in same.stderr
