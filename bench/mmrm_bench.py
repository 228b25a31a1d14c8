"""MMRM benchmark: dossier.stats.mmrm against R nlme::gls(corSymm + varIdent) on the same data.

Writes bench/results/mmrm.md and mmrm.json. For each size (subjects x visits; default 250x4 and 10000x8)
a seeded synthetic trial is written as CSV to $DOSSIER_BENCH_CACHE (default /tmp/dossier-bench): two arms,
a numeric baseline and a 3-level factor, change from baseline at every visit with an AR-like correlation
and a variance growing over the visits, and monotone dropout (about 4% of the remaining subjects per visit).
The model is the issue's default: CHG ~ arm * visit + RACE + BASE * visit, unstructured covariance, REML.

Timed: the fit alone (data already in memory), in this process for dossier (median of --repeat runs after
one warm-up run, Satterthwaite LS means and differences included) and in Rscript for nlme::gls (one run,
`system.time` around the gls() call only, then -2 REML log-likelihood read back). The two fits are checked
to agree (-2 REML log-likelihood within 1e-3). R is run live at sizes up to --r-live-max subjects (default
1,000): nlme::gls at 10,000 x 8 took 1,137 s (19 min, load 5-10 on 2 cores; -2 REML equal to ours to 1e-7)
on 2026-12-04, recorded in R_GLS_RECORDED as the Cox rows record R's coxph; --r-live-max 100000 measures it
again (stopped after --r-limit seconds and then reported as a lower bound).
Usage: python bench/mmrm_bench.py [--sizes 250x4,10000x8] [--repeat 3] [--r-live-max N] [--r-limit 1800]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dossier.stats import mmrm

R_SCRIPT = r"""
suppressPackageStartupMessages(library(nlme))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = TRUE)
d$ARM <- relevel(d$ARM, ref = "Placebo")
d <- d[!is.na(d$CHG), ]
seconds <- system.time(fit <- gls(CHG ~ ARM * AVISIT + RACE + BASE * AVISIT, data = d,
  correlation = corSymm(form = ~ VISITN | SUBJID), weights = varIdent(form = ~ 1 | AVISIT),
  method = "REML"))[["elapsed"]]
cat(sprintf('{"seconds": %.3f, "neg2reml": %.10f}\n', seconds, -2 * as.numeric(logLik(fit))))
"""


def synthetic(n: int, t: int, seed: int = 20261204) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = np.where(rng.random(n) < 0.5, "Active", "Placebo")
    base = rng.normal(50, 10, n)
    race = rng.choice(["A", "B", "C"], n, p=[0.6, 0.3, 0.1])
    sd = np.linspace(4, 8, t)
    corr = 0.7 ** np.abs(np.subtract.outer(np.arange(t), np.arange(t))) * 0.8 + 0.2 * np.eye(t)
    np.fill_diagonal(corr, 1.0)
    errors = rng.multivariate_normal(np.zeros(t), corr * np.outer(sd, sd), n)
    visits = np.arange(1, t + 1)
    mean = (-0.3 * (base[:, None] - 50) * visits / t + 1.5 * visits * (arm == "Active")[:, None]
            + 0.5 * visits + np.where(race == "B", 1.0, 0.0)[:, None])
    chg = mean + errors
    last = np.full(n, t)
    for j in range(1, t):
        drop = (last == t) & (rng.random(n) < 0.04)
        last[drop] = j
    chg[np.arange(t)[None, :] >= last[:, None]] = np.nan
    return pd.DataFrame({
        "SUBJID": np.repeat([f"S{i:05d}" for i in range(n)], t),
        "ARM": np.repeat(arm, t), "RACE": np.repeat(race, t), "BASE": np.repeat(base, t),
        "AVISIT": np.tile([f"V{j:02d}" for j in visits], n), "VISITN": np.tile(visits, n),
        "CHG": chg.reshape(-1),
    })


# R nlme::gls(corSymm + varIdent) on this kind of machine (AMD EPYC, 2 cores shared), same CSV, measured
# live by this script on 2026-12-04 (seconds, -2 REML log-likelihood; dossier's was 417344.7110790070)
R_GLS_RECORDED = {(10_000, 8): (1137.4, 417344.7110790736)}

SPEC = mmrm.MmrmSpec(response="CHG", subject="SUBJID", arm="ARM", reference="Placebo", visit="AVISIT",
                     covariates=("RACE", "BASE"), covariates_by_visit=("BASE",))


def run(n: int, t: int, repeat: int, r_limit: float, cache: Path, r_live: bool) -> dict:
    data = synthetic(n, t)
    path = cache / f"mmrm_{n}x{t}.csv"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        data.to_csv(path, index=False)
    data = pd.read_csv(path)
    result = mmrm.fit(data, SPEC)  # warm-up
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = mmrm.fit(data, SPEC)
        runs.append(time.perf_counter() - start)
    row = {"size": f"{n:,} x {t}", "subjects": result.n_subjects, "records": result.n_records,
           "seconds": statistics.median(runs), "runs": runs, "iterations": result.iterations,
           "neg2reml": result.reml_neg2loglik, "difference_last_visit": result.differences[-1].estimate}
    if not r_live and (n, t) in R_GLS_RECORDED:
        row["r_gls_seconds"], row["r_neg2reml"] = R_GLS_RECORDED[(n, t)]
        row["r_recorded"] = True
        row["agree"] = abs(row["r_neg2reml"] - result.reml_neg2loglik) < 1e-3
        return row
    try:
        out = subprocess.run(["Rscript", "-e", R_SCRIPT, str(path)], capture_output=True, text=True,
                             timeout=r_limit, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        row["r_gls_seconds"] = r["seconds"]
        row["r_neg2reml"] = r["neg2reml"]
        row["agree"] = abs(r["neg2reml"] - result.reml_neg2loglik) < 1e-3
    except subprocess.TimeoutExpired:
        row["r_gls_seconds"] = f"> {r_limit:.0f}"
    except (OSError, subprocess.CalledProcessError, ValueError) as problem:
        row["r_error"] = str(problem).splitlines()[0]
    return row


def markdown(rows: list[dict], machine: str) -> str:
    lines = [f"MMRM (unstructured, REML, Satterthwaite), {machine}", "",
             "| subjects x visits | records | dossier s (median) | R nlme::gls s | -2 REML dossier | -2 REML R |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        r_s = r.get("r_gls_seconds", r.get("r_error", ""))
        r_s = (f"{r_s:.2f}" + (" (recorded)" if r.get("r_recorded") else "")) if isinstance(r_s, float) else r_s
        r_ll = f"{r['r_neg2reml']:.4f}" if "r_neg2reml" in r else ""
        lines.append(f"| {r['size']} | {r['records']:,} | {r['seconds']:.3f} | {r_s} | {r['neg2reml']:.4f} | {r_ll} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250x4,10000x8")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--r-limit", type=float, default=1800.0)
    parser.add_argument("--r-live-max", type=int, default=1000, help="largest subject count R is run live for")
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("DOSSIER_BENCH_CACHE", "/tmp/dossier-bench")))
    args = parser.parse_args(argv)
    cpu = platform.processor() or platform.machine()
    machine = f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
    rows = []
    for size in args.sizes.split(","):
        n, t = (int(x) for x in size.lower().split("x"))
        rows.append(run(n, t, args.repeat, args.r_limit, args.cache, n <= args.r_live_max))
        print(json.dumps(rows[-1]), flush=True)
    results = ROOT / "bench" / "results"
    (results / "mmrm.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=1) + "\n")
    (results / "mmrm.md").write_text(markdown(rows, machine))
    print(markdown(rows, machine))
    return 0


if __name__ == "__main__":
    sys.exit(main())
