"""LibreOffice never outlives its run: it runs in a process group of its own, and the whole group
is killed on timeout (and when the run ends any other way). A stand-in `soffice` that forks a
child and hangs shows it: after a forced timeout no process of its group is left."""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

import pytest

from dossier.render.pagination import PaginationUnavailable, bookmark_pages_all, kill_group

HANGING_SOFFICE = """#!/bin/sh
# a LibreOffice that forks a helper (as soffice -> oosplash -> soffice.bin does) and never finishes
echo $$ > "{pgid_file}"
sleep 600 &
sleep 600
"""


def alive_in_group(pgid: int) -> list[int]:
    """Processes (not zombies) whose process group is `pgid`."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry.name))
    return found


def wait_until_gone(pgid: int, attempts: int = 100) -> list[int]:
    """The group's processes, polled until there are none (killed processes take a moment to exit)."""
    for _ in range(attempts):
        left = alive_in_group(pgid)
        if not left:
            return left
        time.sleep(0.05)
    return alive_in_group(pgid)


@pytest.fixture
def hanging_soffice(tmp_path, monkeypatch) -> Path:
    binary = tmp_path / "soffice"
    pgid_file = tmp_path / "pgid"
    binary.write_text(HANGING_SOFFICE.format(pgid_file=pgid_file), encoding="utf-8")
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("DOSSIER_SOFFICE", str(binary))
    monkeypatch.setenv("DOSSIER_SOFFICE_TIMEOUT", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return pgid_file


def test_no_process_of_libreoffices_group_survives_a_timeout(hanging_soffice):
    (result,) = bookmark_pages_all([(b"not really a docx", ["a"])])
    assert isinstance(result, PaginationUnavailable) and "did not finish within 1 s" in str(result)
    pgid = int(hanging_soffice.read_text().strip())
    assert pgid != os.getpgid(0)  # its own process group, not the build's
    try:
        assert wait_until_gone(pgid) == []
    finally:
        kill_group(pgid)


@pytest.mark.parametrize("slot", [0, 1])
def test_the_group_a_killed_build_left_on_a_profile_is_killed_by_the_next_run(hanging_soffice, slot):
    """A build killed while LibreOffice ran could not clean up: its slot's lock file still names the
    group. The next run kills it, on the slot it takes (0) and on any other free slot (1)."""
    import contextlib
    import subprocess

    from dossier.render.pagination import _profile

    with contextlib.ExitStack() as stack:
        profiles = [stack.enter_context(_profile()) for _ in range(slot + 1)]  # the earlier slots busy meanwhile
        profile, record = profiles[-1]
        leftover = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)",
                                     f"-env:UserInstallation={profile.as_uri()}"],
                                    start_new_session=True, stderr=subprocess.DEVNULL)
        record(leftover.pid)
        slot_lock = profile.parent / f"{profile.name}.lock"
        saved = slot_lock.read_text()
    slot_lock.write_text(saved)  # as a killed build leaves it: the group still named
    try:
        with _profile() as (again, _):
            assert again.name == "profile-0"
            assert leftover.wait(timeout=60) == -9
    finally:
        kill_group(leftover.pid)


def test_a_bad_timeout_setting_falls_back_to_the_default(monkeypatch):
    from dossier.render.pagination import TIMEOUT_S, timeout_s

    for value in ("abc", "-1", "0", "inf", "nan"):
        monkeypatch.setenv("DOSSIER_SOFFICE_TIMEOUT", value)
        assert timeout_s() == TIMEOUT_S
    monkeypatch.setenv("DOSSIER_SOFFICE_TIMEOUT", "2.5")
    assert timeout_s() == 2.5
