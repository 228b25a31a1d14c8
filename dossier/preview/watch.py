"""Which files changed: a polling loop over the trial folder and the packaged templates.

Polling (os.stat of every file, every POLL_SECONDS) rather than inotify: a trial folder holds tens of
files, stat-ing them costs well under a millisecond, and polling sees every way an editor saves (in
place, write-and-rename, on network and container mounts where inotify events do not arrive) without a
dependency. A change is reported once the files have stayed the same for one more poll, so a save
made of several writes is read when it is complete.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

POLL_SECONDS = 0.1
SETTLE_LIMIT = 10  # polls to wait at most for files that keep changing before reporting them anyway


def snapshot(roots: list[Path]) -> dict[Path, tuple[int, int, int, int]]:
    """(mtime_ns, size, inode, mode) of every entry under `roots` (links not followed; hidden folders such
    as .git skipped)."""
    found: dict[Path, tuple[int, int, int, int]] = {}
    for root in roots:
        for folder, dirs, files in os.walk(root, followlinks=False):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
            for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
                path = Path(folder, name)
                try:
                    status = os.lstat(path)
                except OSError:
                    continue
                found[path] = (status.st_mtime_ns, status.st_size, status.st_ino, status.st_mode)
    return found


def differences(old: dict, new: dict) -> set[Path]:
    return {p for p in old.keys() | new.keys() if old.get(p) != new.get(p)}


class Watcher(threading.Thread):
    """Calls `on_change(changed paths)` from its own thread whenever files under `roots` change."""

    def __init__(self, roots: list[Path], on_change: Callable[[set[Path]], None],
                 interval: float = POLL_SECONDS) -> None:
        super().__init__(name="dossier-preview-watch", daemon=True)
        self.roots, self.on_change, self.interval = roots, on_change, interval
        self.stopped = threading.Event()
        self.state = snapshot(roots)

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            current = snapshot(self.roots)
            changed = differences(self.state, current)
            if not changed:
                continue
            for _ in range(SETTLE_LIMIT):  # until a poll finds nothing new
                if self.stopped.wait(self.interval / 2):
                    return
                later = snapshot(self.roots)
                more = differences(current, later)
                current = later
                if not more:
                    break
                changed |= more
            self.state = current
            self.on_change(changed)

    def stop(self) -> None:
        self.stopped.set()
