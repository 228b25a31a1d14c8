"""The preview row of `make bench`: from saving a writer's text file of cdisc-pilot01 to the refreshed page
finished loading in a real browser (Debian's Chromium driven by Playwright), with `dossier preview`'s
server running in this process on a free loopback port.

Each run appends a line to text/clinical-summary.md (a briefing text) of a copy of the trial folder, then
waits for the page's `load` event and checks the new line is on the page. One unmeasured run first warms
up the browser's connection and the server's code paths. Prints MARK + JSON: {"runs": [seconds ...],
"startup_s": seconds until the first page was served}; or {"error": "..."} when the browser is missing.

Usage: python bench/preview_bench.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PILOT = ROOT / "datasets" / "cdisc-pilot01"
MARK = "@@BENCH@@"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
EDITED = "text/clinical-summary.md"


def measure(repeat: int) -> dict:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"error": "playwright is not installed (pip install -e '.[test]')"}
    if not CHROMIUM.exists():
        return {"error": f"{CHROMIUM} is missing (scripts/system-deps.sh installs it)"}
    from dossier.preview.server import start_server, stop

    with tempfile.TemporaryDirectory(prefix="dossier-preview-bench-") as tmp:
        trial = Path(tmp) / PILOT.name
        shutil.copytree(PILOT, trial)
        started = time.perf_counter()
        server, watcher = start_server(trial, lang="en", port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        host, port = server.server_address[:2]
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                page = browser.new_page()
                page.goto(f"http://{host}:{port}/en/briefing")
                startup = time.perf_counter() - started
                runs = []
                for i in range(repeat + 1):
                    marker = f"Edited for the preview benchmark, run {i}."
                    with page.expect_event("load", timeout=30_000):
                        start = time.perf_counter()
                        with (trial / EDITED).open("a", encoding="utf-8") as fh:
                            fh.write(f"\n{marker}\n")
                    elapsed = time.perf_counter() - start
                    if page.get_by_text(marker).count() != 1:
                        return {"error": f"run {i}: the page reloaded without the saved text"}
                    if i:  # run 0 warms up
                        runs.append(elapsed)
                browser.close()
        finally:
            stop(server, watcher)
    return {"runs": runs, "startup_s": startup}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(MARK + json.dumps(measure(max(1, args.repeat))), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
