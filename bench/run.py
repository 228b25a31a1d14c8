"""Benchmarks: whole-process cold builds of the example trials against the import floor.

Usage: python bench/run.py [--repeat N]. Prints a Markdown table and writes it, with the raw
timings as JSON, to bench/results/latest.md and latest.json. Timings are wall-clock medians over
N runs of a fresh process; peak memory is the child's max RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORTS = ("import pandas, numpy, scipy, lifelines, statsmodels.formula.api, weasyprint, docx, matplotlib.pyplot, "
           "jinja2, pyreadstat, openpyxl")


def timed(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def measure(name: str, cmd: list[str], repeat: int) -> dict:
    runs = [timed(cmd) for _ in range(repeat)]
    seconds = [r[0] for r in runs]
    return {"name": name, "median_s": statistics.median(seconds), "min_s": min(seconds), "max_s": max(seconds),
            "peak_rss_mib": max(r[1] for r in runs), "runs": seconds}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = [measure("import floor", [sys.executable, "-c", IMPORTS], args.repeat)]
    with tempfile.TemporaryDirectory() as tmp:
        for folder in sorted(p.parent for p in (ROOT / "datasets").glob("*/dossier.yaml")):
            out = Path(tmp) / folder.name
            rows.append(measure(f"cold build {folder.name}",
                                [sys.executable, "-m", "dossier", "build", str(folder), "-o", str(out)], args.repeat))
    floor = rows[0]["median_s"]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [f"Machine: {machine}; {args.repeat} runs each.", "",
             "| benchmark | median s | min s | max s | x import floor | peak RSS MiB |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['median_s']:.2f} | {r['min_s']:.2f} | {r['max_s']:.2f} | "
                     f"{r['median_s'] / floor:.2f} | {r['peak_rss_mib']:.0f} |")
    table = "\n".join(lines)
    print(table)
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "latest.md").write_text(table + "\n", encoding="utf-8")
    (results / "latest.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=2) + "\n",
                                         encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
