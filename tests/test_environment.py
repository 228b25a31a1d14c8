"""User and environment problems are never "a bug in dossier": a full disk, a damaged or missing manifest,
`verify`/`diff` on a folder that is not a build, a malformed SOURCE_DATE_EPOCH, `new` on a dangling link.
Each is one line naming the path and an exit code of 1 (2 for SOURCE_DATE_EPOCH, the environment's
usage), never the exit code 3 kept for dossier's own bugs."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dossier.cli import EXIT_INTERNAL, main
from tests.test_bad_input import snapshot


def run_main(capsys, *argv: str) -> tuple[int, list[str]]:
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.startswith(("error:", "internal error:"))]


@pytest.fixture(scope="module")
def built(tiny_build) -> tuple[Path, Path]:
    """(trial folder, output folder) of the session's good build of the tiny trial (read only)."""
    return tiny_build


def copy_of(built_out: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(built_out, out)
    return out


# ------------------------------------------------------------------------------------ disk full


def test_a_full_disk_is_one_line_and_leaves_the_earlier_output(built, tmp_path, monkeypatch, capsys):
    trial, good = built
    out = copy_of(good, tmp_path)
    before = snapshot(out)
    monkeypatch.setenv("DOSSIER_WORKERS", "1")
    import dossier.outputs.files

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as a write() on a full disk raises it

    monkeypatch.setattr(dossier.outputs.files, "write_json", full)
    code, lines = run_main(capsys, "build", str(trial), "-o", str(out), "--no-cache")
    assert code == 1 and code != EXIT_INTERNAL
    assert lines == [(f"error: {out}: cannot write the outputs: {os.strerror(errno.ENOSPC)}; free some space and "
                     "run the command again")]
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder, no lock


def _mount_tiny_tmpfs(folder: Path) -> bool:
    folder.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], capture_output=True,
                              check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def test_a_really_full_disk_is_one_line(built, tmp_path, capsys, monkeypatch):
    """The same on a real 256 KiB file system (needs the right to mount one: skipped otherwise)."""
    trial, _ = built
    disk = tmp_path / "disk"
    if not _mount_tiny_tmpfs(disk):
        pytest.skip("cannot mount a tmpfs here")
    try:
        monkeypatch.setenv("DOSSIER_WORKERS", "2")  # the figures are written by worker processes
        code, lines = run_main(capsys, "build", str(trial), "-o", str(disk / "out"), "--no-cache")
        assert code == 1, lines
        assert len(lines) == 1 and lines[0].startswith(f"error: {disk / 'out'}: ") and "No space left" in lines[0]
        assert list(disk.iterdir()) == []  # nothing half-written
    finally:
        subprocess.run(["umount", str(disk)], check=False, timeout=30)


def test_an_os_error_of_the_environment_is_not_a_bug(tmp_path, monkeypatch, capsys):
    """Any command: an OSError the machine causes (here a read-only file system) names the path, exit 1."""
    import dossier.config.starter

    def read_only(trial_dir: Path):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(trial_dir / "dossier.yaml"))

    monkeypatch.setattr(dossier.config.starter, "write_starter", read_only)
    code, lines = run_main(capsys, "new", str(tmp_path / "t"))
    assert (code, lines) == (1, [f"error: {tmp_path / 't' / 'dossier.yaml'}: {os.strerror(errno.EROFS)}"])


def test_an_os_error_of_another_kind_is_still_reported_as_a_bug(tmp_path, monkeypatch, capsys):
    import dossier.config.starter

    def broken(trial_dir: Path):
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    monkeypatch.setattr(dossier.config.starter, "write_starter", broken)
    code, lines = run_main(capsys, "new", str(tmp_path / "t"))
    assert code == EXIT_INTERNAL and lines[0].startswith("internal error: OSError")


# ------------------------------------------------------------------------------------ verify and diff


def _damage(out: Path, how: str) -> None:
    manifest = out / "manifest.json"
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    if how == "missing":
        manifest.unlink()
    elif how == "folder":
        manifest.unlink()
        manifest.mkdir()
    elif how == "truncated":
        manifest.write_text(manifest.read_text(encoding="utf-8")[:100], encoding="utf-8")
    elif how == "not-utf8":
        manifest.write_bytes(b"\xff\xfe{}")
    elif how == "outputs-a-list":
        manifest.write_text(json.dumps({**recorded, "outputs": list(recorded["outputs"])}), encoding="utf-8")
    elif how == "hash-not-text":
        manifest.write_text(json.dumps({**recorded, "inputs": {"dossier.yaml": 1}}), encoding="utf-8")
    elif how == "trial-folder-a-list":
        manifest.write_text(json.dumps({**recorded, "trial_folder": [1], "outputs": []}), encoding="utf-8")
    elif how == "deep":
        manifest.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")


@pytest.mark.parametrize("how", ["missing", "folder", "truncated", "not-utf8", "outputs-a-list", "hash-not-text",
                                 "trial-folder-a-list", "deep"])
def test_verify_of_a_damaged_manifest_is_one_line(built, tmp_path, capsys, how):
    out = copy_of(built[1], tmp_path)
    _damage(out, how)
    code, lines = run_main(capsys, "verify", str(out))
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith(f"error: {out}") and ("damaged" in lines[0] or "not a dossier build" in lines[0])


def test_verify_of_an_unreadable_manifest_is_one_line(built, tmp_path, capsys, monkeypatch):
    out = copy_of(built[1], tmp_path)
    real = Path.read_bytes

    def unreadable(path: Path) -> bytes:
        if path.name == "manifest.json":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", unreadable)
    code, lines = run_main(capsys, "verify", str(out), "--trial", str(built[0]))
    assert (code, lines) == (1, [f"error: {out / 'manifest.json'}: cannot read: {os.strerror(errno.EACCES)}"])


@pytest.mark.parametrize("command", ["verify", "diff"])
def test_verify_and_diff_of_something_that_is_not_a_build(built, tmp_path, capsys, command):
    trial = built[0]
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a build\n", encoding="utf-8")
    for target in (trial, a_file, tmp_path / "nowhere"):
        argv = [command, str(target)] if command == "verify" else [command, str(built[1]), str(target)]
        code, lines = run_main(capsys, *argv)
        assert code == 1 and len(lines) == 1 and lines[0].startswith(f"error: {target}"), (target, lines)


@pytest.mark.parametrize("evidence", ['{"analyses": [1, 2]}', '{"analyses": {"x": {"datasets": [1]}}}', "[1]",
                                      "[" * 100_000 + "]" * 100_000, '{"analyses": {"x": "y"}}'])
def test_diff_of_a_damaged_evidence_file_is_one_line(built, tmp_path, capsys, evidence):
    out = copy_of(built[1], tmp_path)
    (out / "evidence.json").write_text(evidence, encoding="utf-8")
    code, lines = run_main(capsys, "diff", str(built[1]), str(out))
    assert (code, lines) == (1, [(f"error: {out / 'evidence.json'}: evidence.json is damaged (not the JSON dossier "
                                 "wrote)")])


def test_diff_of_a_table_that_is_not_utf8_is_one_line(built, tmp_path, capsys):
    out = copy_of(built[1], tmp_path)
    table = next((out / "tables").glob("*.csv"))
    table.write_bytes(b"\xff\xfe\x00a,b\n")
    code, lines = run_main(capsys, "diff", str(built[1]), str(out))
    assert code == 1 and lines == [f"error: {table}: cannot read: not a table dossier wrote (not UTF-8 CSV)"]


def test_verify_with_a_trial_folder_that_does_not_exist_is_a_usage_error(built, tmp_path, capsys):
    code, lines = run_main(capsys, "verify", str(built[1]), "--trial", str(tmp_path / "nowhere"))
    assert code == 2 and len(lines) == 1 and lines[0].startswith(f"error: {tmp_path / 'nowhere'}")


# ------------------------------------------------------------------------------------ SOURCE_DATE_EPOCH


@pytest.mark.parametrize("value", ["yesterday", "1.7e9", "-86400", "1700000000x", "9" * 30])
def test_a_malformed_source_date_epoch_stops_the_build(built, tmp_path, capsys, monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    code, lines = run_main(capsys, "build", str(built[0]), "-o", str(tmp_path / "out"))
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: SOURCE_DATE_EPOCH: "), lines
    assert "is not a date" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_source_date_epoch_dates_the_documents():
    from dossier.build.pipeline import source_date_epoch

    os.environ["SOURCE_DATE_EPOCH"] = " 1700000000 "
    try:
        assert source_date_epoch().isoformat() == "2023-11-14"  # 1700000000 s = 2023-11-14T22:13:20Z
        os.environ["SOURCE_DATE_EPOCH"] = ""
        assert source_date_epoch() is None  # empty: unset
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH")


# ------------------------------------------------------------------------------------ new


def test_new_on_a_dangling_link_is_one_line(tmp_path, capsys):
    link = tmp_path / "trial"
    link.symlink_to(tmp_path / "nowhere" / "trial")
    code, lines = run_main(capsys, "new", str(link))
    assert code == 1 and len(lines) == 1 and lines[0].startswith(f"error: {link}: is a link to nothing")
    assert not (tmp_path / "nowhere").exists()


def test_new_below_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    code, lines = run_main(capsys, "new", str(tmp_path / "a-file" / "trial"))
    assert code == 1 and len(lines) == 1 and "Not a directory" in lines[0]


def test_new_leaves_nothing_half_written_when_the_disk_fills(tmp_path, capsys, monkeypatch):
    real = Path.write_text
    calls = []

    def fills(path: Path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", fills)
    code, lines = run_main(capsys, "new", str(tmp_path / "trial"))
    assert code == 1 and len(lines) == 1 and os.strerror(errno.ENOSPC) in lines[0]
    assert not (tmp_path / "trial").exists()


@pytest.mark.parametrize("text", ["a: " + "[" * 10_000 + "]" * 10_000 + "\n", "a: " + "9" * 5_000 + "\n"])
def test_a_glossary_nested_too_deeply_is_one_line(tmp_path, text):
    from dossier.document.glossary import load_glossary
    from dossier.errors import RenderError

    (tmp_path / "glossary").mkdir()
    (tmp_path / "glossary" / "en.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RenderError) as info:
        load_glossary("en", [tmp_path])
    assert str(info.value).startswith(f"{tmp_path / 'glossary' / 'en.yaml'}: cannot read glossary")


def test_a_closed_pipe_on_stdout_is_not_a_bug(built, tmp_path):
    """`dossier diff A B | head -1`: the reader goes away; dossier stops quietly, without "internal error"."""
    import sys

    from tests.conftest import ROOT

    out = copy_of(built[1], tmp_path)
    evidence = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    for entry in evidence["analyses"].values():
        entry["added"] = [{"group": f"g{i}", "value": i} for i in range(20_000)]  # far more than a pipe buffer
    (out / "evidence.json").write_text(json.dumps(evidence), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "dossier", "diff", str(built[1]), str(out)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline().startswith(b"demog: ")
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 1
    assert err == "", err
