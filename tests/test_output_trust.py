"""What lies in and beside OUT_DIR is never trusted: a planted lock file is never followed or
truncated, cache and reuse records that are pipes, devices or links are ignored at once, and a file
of the previous build is reused only when this user's signed record says the build wrote it with
those very bytes (a file swapped in OUT_DIR, its hash updated in manifest.json, is redrawn)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dossier.build.atomic import staging
from dossier.errors import OutputError
from tests.conftest import ROOT, run_cli, stand_in_pdf, write_tiny_trial

# ------------------------------------------------------------------------------------ the lock file


def test_a_symlink_in_the_place_of_the_lock_is_refused_and_never_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (tmp_path / ".out.lock").symlink_to(victim)
    with pytest.raises(OutputError, match="symbolic link") as info, staging(tmp_path / "out"):
        pass
    assert len(info.value.problems) == 1
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert (tmp_path / ".out.lock").is_symlink() and not (tmp_path / "out").exists()


@pytest.mark.parametrize("plant", ["text", "hard-link", "big"])
def test_a_file_that_is_not_a_lock_is_never_truncated(tmp_path, plant):
    victim = tmp_path / "victim.txt"
    victim.write_text({"text": "precious\n", "hard-link": "12345", "big": "1" * 100}[plant], encoding="utf-8")
    before = victim.read_bytes()
    lock = tmp_path / ".out.lock"
    if plant == "hard-link":  # looks like a lock's content, but is a second name of another file
        os.link(victim, lock)
    else:
        victim.rename(lock)
        victim = lock
    with pytest.raises(OutputError, match="not a dossier lock file"), staging(tmp_path / "out"):
        pass
    assert victim.read_bytes() == before and lock.exists()


def test_a_planted_lock_symlink_is_one_line_and_exit_1_from_the_command(tmp_path):
    trial = write_tiny_trial(tmp_path / "trial")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (tmp_path / ".out.lock").symlink_to(victim)
    result = run_cli("build", str(trial), "-o", str(tmp_path / "out"))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [line for line in result.stderr.splitlines() if line.strip()] and len(errors) == 1
    assert ".out.lock" in errors[0] and "symbolic link" in errors[0]
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_a_stale_lock_of_a_killed_build_is_taken_over(tmp_path):
    (tmp_path / ".out.lock").write_text("999999", encoding="utf-8")
    with staging(tmp_path / "out") as stage:
        (stage / "manifest.json").write_text("x", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# ------------------------------------------------------------------------------------ cache and reuse records

PROBE = r"""
import sys
from pathlib import Path
from dossier.build.cache import read_cache
from dossier.build.reuse import Reuse
out = Path(sys.argv[1])
print(read_cache(out), Reuse(out, Path(sys.argv[2])).old)
"""


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "symlink"])
def test_cache_and_reuse_records_that_are_not_regular_files_are_ignored_at_once(tmp_path, kind):
    cache = tmp_path / "out" / ".cache"
    cache.mkdir(parents=True)
    (tmp_path / "stage").mkdir()
    outside = tmp_path / "elsewhere.bin"
    outside.write_bytes(b"x" * 100)
    for name in ("analyses.pickle", "rendered.json"):
        if kind == "fifo":
            os.mkfifo(cache / name)  # reading would wait for a writer for ever
        elif kind == "dev-zero":
            (cache / name).symlink_to("/dev/zero")  # reading would never end and fill the memory
        else:
            (cache / name).symlink_to(outside)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DOSSIER_CACHE_KEY_FILE": str(tmp_path / "key")}
    # the timeout guards the test run; the fix is that the read returns at once, not fast
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "out"), str(tmp_path / "stage")],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None {}"


def test_an_oversized_cache_file_is_ignored(tmp_path, monkeypatch):
    from dossier.build import cache

    monkeypatch.setenv("DOSSIER_CACHE_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setattr(cache, "MAX_CACHE_BYTES", 64)
    (tmp_path / "out" / ".cache").mkdir(parents=True)
    with (tmp_path / "out" / ".cache" / "analyses.pickle").open("wb") as fh:
        fh.truncate(65)
    assert cache.read_cache(tmp_path / "out") is None
    assert cache.read_regular(tmp_path / "out" / ".cache" / "analyses.pickle", 65) == b"\0" * 65


def test_a_key_file_that_is_a_link_to_a_device_is_no_key(tmp_path, monkeypatch):
    from dossier.build.cache import secret

    (tmp_path / "key").symlink_to("/dev/zero")
    monkeypatch.setenv("DOSSIER_CACHE_KEY_FILE", str(tmp_path / "key"))
    assert secret() is None


# ------------------------------------------------------------------------------------ signed reuse


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def built_twice_with_forgeries(tmp_path, monkeypatch):
    """A tiny trial built, two of its outputs swapped with their hashes updated in manifest.json,
    then built again unchanged (every figure and document reusable): (out, original bytes by file, result of verify before the rebuild)."""
    monkeypatch.setenv("DOSSIER_CACHE_KEY_FILE", str(tmp_path / "key"))
    trial = write_tiny_trial(tmp_path / "trial")
    out = tmp_path / "out"
    first = run_cli("build", str(trial), "-o", str(out))
    assert first.returncode == 0, first.stderr
    figure = min((out / "figures").glob("*.png")).relative_to(out).as_posix()
    originals = {f: (out / f).read_bytes() for f in (figure, "briefing.pdf")}
    other_png = max((out / "figures").glob("*.png")).read_bytes()
    (out / figure).write_bytes(other_png + b"forged")
    (out / "briefing.pdf").write_bytes(originals["briefing.pdf"] + b"% forged\n")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for f in originals:
        manifest["outputs"][f] = sha256(out / f)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    forged_verify = run_cli("verify", str(out))
    second = run_cli("build", str(trial), "-o", str(out))
    assert second.returncode == 0, second.stderr
    return out, originals, forged_verify


def test_a_swapped_output_with_an_updated_manifest_does_not_survive_a_rebuild(built_twice_with_forgeries):
    out, originals, forged_verify = built_twice_with_forgeries
    assert forged_verify.returncode == 0  # the forgery was consistent with manifest.json
    figure = next(f for f in originals if f.startswith("figures/"))
    assert (out / figure).read_bytes() == originals[figure]  # redrawn
    assert (out / "briefing.pdf").read_bytes() == originals["briefing.pdf"]  # written again
    assert run_cli("verify", str(out)).returncode == 0


def test_the_reuse_record_is_signed(tmp_path, monkeypatch):
    from dossier.build.cache import secret
    from dossier.build.reuse import RECORD, Reuse, read_record

    monkeypatch.setenv("DOSSIER_CACHE_KEY_FILE", str(tmp_path / "key"))
    previous, stage = tmp_path / "previous", tmp_path / "stage"
    for folder in (previous, stage):
        (folder / "figures").mkdir(parents=True)
    (previous / "figures" / "a.png").write_bytes(b"drawn")
    writer = Reuse(None, previous)
    writer.take("key-a", ["figures/a.png"])
    writer.save()
    signed = {"figures/a.png": {"key": "key-a", "sha256": sha256(previous / "figures" / "a.png")}}
    assert read_record(previous, secret()) == signed
    assert Reuse(previous, stage).take("key-a", ["figures/a.png"])  # signed, same bytes: copied
    assert (stage / "figures" / "a.png").read_bytes() == b"drawn"
    (stage / "figures" / "a.png").unlink()
    assert not Reuse(previous, stage).take("key-b", ["figures/a.png"])  # another key
    (previous / "figures" / "a.png").write_bytes(b"swapped")
    assert not Reuse(previous, stage).take("key-a", ["figures/a.png"])  # other bytes than signed
    assert not (stage / "figures" / "a.png").exists()
    record = previous / ".cache" / RECORD
    blob = record.read_bytes()
    record.write_bytes(blob[:32] + blob[32:].replace(b"key-a", b"key-c"))  # edited: the signature fails
    assert read_record(previous, secret()) == {}
    monkeypatch.setenv("DOSSIER_CACHE_KEY_FILE", str(tmp_path / "other-key"))  # another user's key
    record.write_bytes(blob)
    assert read_record(previous, secret()) == {}


def test_no_cache_reuses_nothing(tmp_path, monkeypatch):
    from dossier.build import reuse
    from dossier.build.pipeline import build

    monkeypatch.setenv("DOSSIER_CACHE_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("DOSSIER_WORKERS", "1")  # the tasks in this process: the spy sees every take
    monkeypatch.setenv("DOSSIER_SOFFICE", "none")
    monkeypatch.setattr("dossier.render.pdf.write_pdf", stand_in_pdf)  # what is reused, not the typesetting
    trial = write_tiny_trial(tmp_path / "trial")
    out = tmp_path / "out"
    taken: list[bool] = []
    original = reuse.Reuse.take

    def spy(self, key, files):
        taken.append(original(self, key, files))
        return taken[-1]

    monkeypatch.setattr(reuse.Reuse, "take", spy)
    build(trial, out)
    taken.clear()
    build(trial, out)
    assert taken and all(taken)  # the control: an unchanged rebuild reuses every figure and document
    taken.clear()
    build(trial, out, use_cache=False)
    assert taken and not any(taken)


# ------------------------------------------------------------------------------------ OUT_DIR itself


@pytest.fixture(scope="module")
def good_out(tiny_build) -> Path:
    return tiny_build[1]


@pytest.mark.parametrize("plant", ["fifo", "symlink-to-file", "symlink-to-device", "symlink-to-folder",
                                   "hidden-fifo"])
def test_verify_reports_files_a_build_never_writes(good_out, tmp_path, plant):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(good_out, out)
    (tmp_path / "elsewhere").mkdir()
    place = {"fifo": out / "figures" / "extra.png", "symlink-to-file": out / "tables" / "extra.csv",
             "symlink-to-device": out / "extra.pdf", "symlink-to-folder": out / "extra",
             "hidden-fifo": out / ".cache" / "extra"}[plant]
    place.parent.mkdir(exist_ok=True)
    if plant.endswith("fifo"):
        os.mkfifo(place)
    else:
        place.symlink_to({"symlink-to-file": out / "briefing.pdf", "symlink-to-device": Path("/dev/zero"),
                          "symlink-to-folder": tmp_path / "elsewhere"}[plant])
    result = run_cli("verify", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    named = [line for line in result.stderr.splitlines() if str(place) in line]
    assert len(named) == 1 and "which a build never writes" in named[0], result.stderr
    assert ("named pipe" if plant.endswith("fifo") else "symbolic link") in named[0]


def test_an_output_folder_inside_the_trial_folder_is_refused(tmp_path):
    trial = write_tiny_trial(tmp_path / "trial")
    for out in (trial / "out", trial / "text" / "built"):
        result = run_cli("build", str(trial), "-o", str(out))
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert result.returncode == 1 and len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
        assert errors[0].startswith(f"error: {out}: is inside the trial folder")
        assert not out.exists()
    assert sorted(p.name for p in trial.iterdir()) == ["adam", "dossier.yaml", "text"]


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_the_output_folder_follows_the_umask(tmp_path, umask):
    trial = write_tiny_trial(tmp_path / "trial")
    out = tmp_path / "out"
    previous = os.umask(umask)  # the test process's umask while the command runs in it
    try:
        done = run_cli("build", str(trial), "-o", str(out))
    finally:
        os.umask(previous)
    assert done.returncode == 0, done.stderr
    for path in [out, *out.rglob("*")]:
        expected = (0o777 if path.is_dir() else 0o666) & ~umask
        assert stat.S_IMODE(path.stat().st_mode) == expected, path
