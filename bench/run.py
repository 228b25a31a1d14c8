"""Benchmarks: `make bench` (python bench/run.py). Prints a Markdown table; writes bench/results/latest.md|json.

What is measured (wall-clock median and min-max over repeated runs, CPU seconds, peak memory):
- the import floor: a process that only imports the dependencies a build uses (and bare Python);
- `dossier --help` and `dossier check` (and which heavy modules they import: none should be loaded);
- the whole-process cold `dossier build` of each example trial in datasets/, and a text-only rebuild of
  datasets/cdisc-pilot01 (one writer's Markdown file edited, same OUT_DIR: the statistics cache applies);
- `dossier preview` of cdisc-pilot01: from saving a writer's text file to the refreshed page finished loading
  in a real browser (Debian's Chromium via Playwright; bench/preview_bench.py);
- each stage of a build of cdisc-pilot01 (load, validate, analyses, figures, html, pdf, docx, tables,
  manifest), run in one fresh process by calling the public functions the pipeline calls, in order;
- scale trials from bench/scale.py (seeded, cached outside the repository) at 10,000, 100,000 and
  1,000,000 subjects: the cold build and its stages;
- the Cox model (dossier.stats.cox) on the whole scale ADTTE (OS, active vs placebo) at each size, in
  whole days (ties) and with continuous times, against the published R survival::coxph timings (MEASURED.md)
  and against lifelines (hazard ratio and CI to 6 significant digits).

Every run is a fresh child process; peak memory is that child's maximum RSS (os.wait4); for stages it
is the high-water mark within the stage (the kernel's peak-RSS counter is reset before each stage).
CPU / wall > 1 means more than one core was busy. Timings on a shared machine are noisy: read the spread.

Usage: python bench/run.py [--repeat N] [--sizes 10000,100000,1000000] [--quick] [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
PY = sys.executable
IMPORTS = ("import pandas, numpy, scipy, lifelines, statsmodels.formula.api, weasyprint, docx, matplotlib.pyplot, "
           "jinja2, pyreadstat, openpyxl, pyarrow.parquet, yaml, pydantic")
HEAVY = ("weasyprint", "docx", "matplotlib", "jinja2", "openpyxl", "lifelines", "statsmodels", "scipy.stats")
PILOT = ROOT / "datasets" / "cdisc-pilot01"
MARK = "@@BENCH@@"
# published R survival::coxph timings on this kind of machine (../shared/spec/MEASURED.md)
R_COXPH = {100_000: 0.28, 1_000_000: 2.6}
TARGETS = {"cold_build": 2.5, "text_rebuild": 1.5, "scale_seconds": 60.0, "scale_mib": 4096.0, "preview_s": 1.0}


# ------------------------------------------------------------------------------------------ child processes


def run_child(cmd: list[str], timeout: float, env: dict | None = None) -> dict:
    """Run one child process: wall seconds, CPU seconds (user + system), peak RSS MiB, stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err, env=env, start_new_session=True)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, 9)
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                break
            time.sleep(0.01)
        elapsed = time.perf_counter() - start
        if proc.returncode != -9:
            proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    result = {"ok": proc.returncode == 0, "seconds": elapsed, "cpu": usage.ru_utime + usage.ru_stime,
              "peak_mib": usage.ru_maxrss / 1024, "stdout": stdout}
    if proc.returncode == -9:
        result.update(timed_out=True, error=f"stopped after {timeout:.0f} s (time limit)")
    elif proc.returncode != 0:
        result["error"] = (stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1][:300]
    return result


def payload(run: dict):
    """The last JSON a child printed after MARK (children that stream print partial results)."""
    found = None
    for line in run.get("stdout", "").splitlines():
        if line.startswith(MARK):
            found = json.loads(line[len(MARK):])
    return found


def summarise(group: str, name: str, runs: list[dict], **extra) -> dict:
    good = [r for r in runs if r.get("ok")]
    row = {"group": group, "name": name, "runs": [round(r["seconds"], 4) for r in good], **extra}
    if not good:
        row["error"] = next((r.get("error") for r in runs if r.get("error")), "failed")
        return row
    seconds = [r["seconds"] for r in good]
    cpu = [r["cpu"] for r in good]
    row.update(median_s=statistics.median(seconds), min_s=min(seconds), max_s=max(seconds),
               cpu_s=statistics.median(cpu), cores=statistics.median(c / s for c, s in zip(cpu, seconds)),
               peak_mib=max(r["peak_mib"] for r in good))
    if len(good) < len(runs):
        row["error"] = f"{len(runs) - len(good)} run(s) failed: " + next(r["error"] for r in runs if not r.get("ok"))
    return row


def measure(group: str, name: str, cmd: list[str], repeat: int, timeout: float, prepare=None, paired: bool = False,
            **extra) -> dict:
    """Run `cmd` `repeat` times (fewer when the budget runs short). With `paired`, each run is preceded by
    an import-floor run, and the row keeps the per-run ratios: this machine's speed drifts by 15-20%
    within minutes, so a build is compared with a floor measured a moment before it, not minutes earlier."""
    runs, floors = [], []
    for _ in range(repeat):
        if runs and not BUDGET.allows(runs[-1]["seconds"] + (floors[-1] if floors else 0)):
            break
        if paired:
            floor = run_child([PY, "-c", IMPORTS], timeout)
            if not floor["ok"]:
                break
            floors.append(floor["seconds"])
        if prepare:
            prepare()
        runs.append(run_child(cmd, timeout))
        if not runs[-1]["ok"]:
            break
    say(f"  {name}: " + (" ".join(f"{r['seconds']:.2f}" for r in runs if r.get("ok")) or runs[-1].get("error", ""))
        + (f" (paired import floors {' '.join(f'{f:.2f}' for f in floors)})" if floors else ""))
    row = summarise(group, name, runs, **extra)
    ratios = [r["seconds"] / f for r, f in zip(runs, floors) if r.get("ok")]
    if ratios:
        row.update(paired_floor_s=[round(f, 4) for f in floors], paired_ratio=statistics.median(ratios))
    return row


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------ in-process modes


def _peak_mib() -> float:
    try:
        text = Path("/proc/self/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+)", text).group(1)) / 1024
    except (OSError, AttributeError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets the peak-RSS counter (Linux >= 4.0)
        return True
    except OSError:
        return False


class StageTimer:
    def __init__(self) -> None:
        self.stages: dict[str, dict] = {}
        self.error: str | None = None

    @contextmanager
    def __call__(self, name: str):
        self.report(running=name)
        _reset_peak()
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.stages[name] = {"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                             "peak_mib": _peak_mib()}
        self.report()

    def report(self, running: str | None = None) -> None:
        """Print the stages so far (a parent that stops this process still gets them)."""
        print(MARK + json.dumps({"stages": self.stages, "error": self.error, "running": running}), flush=True)


def stages_mode(trial_dir: Path, out_dir: Path, timer: StageTimer) -> None:
    """One cold build, stage by stage, through the public stage functions dossier.build.pipeline.build calls, in its
    order, all in this process (a build spreads figures, PDFs and DOCX over worker processes)."""
    import warnings as pywarnings

    with timer("load"):
        from dossier.build import pipeline, writing
        from dossier.config.spec import load_spec
        from dossier.data.validate import requirements

        spec = load_spec(trial_dir).localised(None)  # per-language texts resolved, as build() does
        needs = requirements(spec)
        data = pipeline.load_data(trial_dir, spec, needs)
    with timer("validate"):
        warnings = pipeline.check_data(spec, data, needs)
    with timer("analyses"):
        results = pipeline.run_analyses(spec, data, lambda _: None)
        for result in results:
            warnings.extend(result.warnings)
    out_dir.mkdir(parents=True, exist_ok=True)
    with timer("figures"):  # evidence.json, writer's text, figures
        from dossier.render.figures import draw_figure
        from dossier.render.html import template_dirs

        dirs = template_dirs(trial_dir)
        fmt = writing.formatter(spec, dirs)
        evidence = writing.write_evidence(spec, results, data.files, out_dir)
        texts = writing.writer_texts(spec, trial_dir, evidence, fmt)
        figures_dir = out_dir / "figures"
        figures_dir.mkdir(exist_ok=True)
        with pywarnings.catch_warnings():
            pywarnings.simplefilter("ignore")
            for result in results:
                for figure in result.figures:
                    draw_figure(figure, figures_dir, fmt.label, fmt.lang)
    with timer("html"):  # document contexts and templates, both documents
        records = {name: len(frame) for name, frame in data.frames.items()}
        facts = writing.document_facts(spec, data.files, pipeline.arm_counts(spec, data), records, warnings)
        documents, tables = [], {}
        for kind in pipeline.documents(spec):
            document = kind.name
            rendered, ctx = writing.render_html(document, spec, results, texts, fmt, facts, dirs)
            (out_dir / f"{document}.html").write_text(rendered.html, encoding="utf-8")
            documents.append((document, rendered, ctx["title"]))
            if kind.exports_tables:
                tables.update({t.key: t for t in ctx["all_tables"]})
    resources = [*dirs, out_dir]
    with timer("pdf"):
        from dossier.render.pdf import write_pdf

        for document, rendered, title in documents:
            write_pdf(rendered.html, out_dir / f"{document}.pdf", resources, title=title, lang=spec.language,
                      date=facts["date"])
    with timer("docx"):  # both documents, laid out for their page numbers by one LibreOffice run
        from dossier.render.docx import write_docx_all

        write_docx_all(writing.docx_job_list(documents, out_dir, dirs, figures_dir, spec.language, facts["date"]))
    with timer("tables"):  # tables/*.csv and tables.xlsx
        writing.write_tables(tables, out_dir)
    with timer("manifest"):
        from dossier.outputs.manifest import write_manifest

        write_manifest(out_dir, trial_dir, dirs, pipeline.settings(spec), spec.language)


def imports_mode(argv: list[str]) -> list[str]:
    """Run the dossier CLI in-process with `argv`; the heavy modules it imported."""
    import contextlib
    import io

    from dossier.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            main(argv)
        except SystemExit:
            pass
    return [m for m in HEAVY if m in sys.modules]


def cox_mode(trial_dir: Path, lifelines_check: bool) -> dict:
    """Cox PH on the scale ADTTE (OS): active (either dose) vs placebo, all subjects, Efron ties."""
    import numpy as np
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from dossier.stats import cox

    adtte = pq.read_table(trial_dir / "adam" / "adtte.parquet", columns=["USUBJID", "PARAMCD", "AVAL", "CNSR"])
    adtte = adtte.filter(pc.equal(adtte["PARAMCD"], "OS"))
    adsl = pq.read_table(trial_dir / "adam" / "adsl.parquet", columns=["USUBJID", "TRT01AN"])
    if not adsl["USUBJID"].equals(adtte["USUBJID"]):  # bench/scale.py writes both in subject order
        raise SystemExit("adtte OS records are not in ADSL subject order")
    time_days = adtte["AVAL"].to_numpy()
    event = 1 - adtte["CNSR"].to_numpy().astype(int)
    active = (adsl["TRT01AN"].to_numpy() > 0).astype(float)
    jitter = np.random.default_rng(7).uniform(0, 1, len(time_days))
    out: dict = {"n": len(time_days), "events": int(event.sum())}
    for label, time_values in (("days", time_days), ("continuous", time_days - jitter)):
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            fit = cox.fit(time_values, event, active, names=("ACTIVE",))
            runs.append(time.perf_counter() - start)
        start = time.perf_counter()
        cox.proportional_hazards_test(fit)
        ph = time.perf_counter() - start
        entry = {"runs": runs, "seconds": statistics.median(runs), "ph_test_seconds": ph,
                 "hazard_ratio": float(fit.hazard_ratio[0]), "ci": [float(fit.ci_lower[0]), float(fit.ci_upper[0])],
                 "distinct_times": len(np.unique(time_values))}
        # lifelines with continuous times is slow (4.9 s at 100k in MEASURED.md): checked at small sizes only
        if lifelines_check and (label == "days" or len(time_values) <= 20_000):
            entry["lifelines"] = _lifelines_reference(time_values, event, active, batch=label == "days")
            ref = entry["lifelines"]
            values = [fit.hazard_ratio[0], fit.ci_lower[0], fit.ci_upper[0]]
            expected = [ref["hazard_ratio"], *ref["ci"]]
            entry["max_rel_diff"] = float(max(abs(a / b - 1) for a, b in zip(values, expected)))
        out[label] = entry
    return out


def _lifelines_reference(time_values, event, covariate, batch: bool) -> dict:
    import pandas as pd
    from lifelines import CoxPHFitter

    frame = pd.DataFrame({"T": time_values, "E": event, "ACTIVE": covariate})
    start = time.perf_counter()
    cph = CoxPHFitter().fit(frame, "T", "E", batch_mode=batch, fit_options={"precision": 1e-14, "r_precision": 1e-14})
    seconds = time.perf_counter() - start
    row = cph.summary.loc["ACTIVE"]
    return {"seconds": seconds, "batch_mode": batch, "hazard_ratio": float(row["exp(coef)"]),
            "ci": [float(row["exp(coef) lower 95%"]), float(row["exp(coef) upper 95%"])]}


# ------------------------------------------------------------------------------------------ the benchmark


def stage_rows(group: str, trial: Path, repeat: int, timeout: float, tmp: Path) -> list[dict]:
    """Per-stage medians over `repeat` fresh processes running stages_mode."""
    collected: dict[str, list[dict]] = {}
    errors = []
    stopped = None  # the stage a time limit cut short: its time so far (a lower bound) and the process peak
    for i in range(repeat):
        if i and not BUDGET.allows(sum(v[-1]["seconds"] for v in collected.values())):
            break
        out = tmp / f"stages-{trial.name}-{i}"
        run = run_child([PY, str(Path(__file__).resolve()), "--stages", str(trial), str(out)], timeout)
        shutil.rmtree(out, ignore_errors=True)
        data = payload(run)
        if run.get("timed_out"):
            running = (data or {}).get("running")
            errors.append(f"{run['error']} during stage {running}")
            done = (data or {}).get("stages", {}).values()
            stopped = {"name": running, "seconds": run["seconds"] - sum(v["seconds"] for v in done),
                       "cpu": run["cpu"] - sum(v["cpu"] for v in done), "peak_mib": run["peak_mib"]}
        elif data is None or data["error"] or not run.get("ok"):
            errors.append((data or {}).get("error") or run.get("error", "no result"))
        for name, value in (data or {}).get("stages", {}).items():
            collected.setdefault(name, []).append(value)
        if errors:
            break
    say(f"  stages {trial.name}: " + (", ".join(f"{k} {statistics.median(v['seconds'] for v in vs):.2f}"
                                                 for k, vs in collected.items()) or "; ".join(errors)))
    rows = []
    for name, values in collected.items():
        seconds = [v["seconds"] for v in values]
        cpu = [v["cpu"] for v in values]
        rows.append({"group": group, "name": f"stage {name}", "runs": [round(s, 4) for s in seconds],
                     "median_s": statistics.median(seconds), "min_s": min(seconds), "max_s": max(seconds),
                     "cpu_s": statistics.median(cpu),
                     "cores": statistics.median(c / s for c, s in zip(cpu, seconds) if s > 0) if any(seconds) else 0,
                     "peak_mib": max(v["peak_mib"] for v in values)})
    if stopped:
        rows.append({"group": group, "name": f"stage {stopped['name']} (stopped)", "runs": [], "complete": False,
                     "median_s": stopped["seconds"], "min_s": stopped["seconds"], "max_s": stopped["seconds"],
                     "cpu_s": stopped["cpu"], "cores": stopped["cpu"] / max(stopped["seconds"], 1e-9),
                     "peak_mib": stopped["peak_mib"], "note": f"{errors[0]}: more than the time shown"})
    elif errors:
        rows.append({"group": group, "name": "stages (stopped)", "runs": [], "error": errors[0]})
    return rows


def text_rebuild(repeat: int, timeout: float, tmp: Path, out: Path) -> dict:
    """Rebuild cdisc-pilot01 into the same OUT_DIR after editing one Markdown file of the writer's text.

    `out` is the output of the last cold build of datasets/cdisc-pilot01 (built again when missing); the
    edited copy of the trial folder has the same datasets and analyses, so its statistics cache applies.
    """
    trial = tmp / "text-rebuild" / PILOT.name
    shutil.copytree(PILOT, trial)
    if not (out / "manifest.json").is_file():
        first = run_child([PY, "-m", "dossier", "build", str(trial), "-o", str(out)], timeout)
        if not first["ok"]:
            return summarise("examples", "text-only rebuild cdisc-pilot01", [first])
    edited = min((trial / "text").glob("*.md"))
    counter = iter(range(1_000_000))

    def edit() -> None:
        with edited.open("a", encoding="utf-8") as fh:
            fh.write(f"\nEdited for the benchmark ({next(counter)}).\n")

    row = measure("examples", "text-only rebuild cdisc-pilot01",
                  [PY, "-m", "dossier", "build", str(trial), "-o", str(out)], repeat, timeout, prepare=edit,
                  paired=True, note=f"after editing text/{edited.name}; same OUT_DIR")
    return row


def preview_refresh(repeat: int, timeout: float) -> dict:
    """`dossier preview` of cdisc-pilot01 in a real browser: save a text file -> refreshed page loaded
    (bench/preview_bench.py, one child process: the server runs in it, the browser is its child)."""
    name = "preview refresh cdisc-pilot01"
    child = run_child([PY, str(ROOT / "bench" / "preview_bench.py"), "--repeat", str(max(3, repeat))], timeout)
    found = payload(child) or {"error": child.get("error", "no result")}
    if "runs" not in found:
        return {"group": "examples", "name": name, "runs": [], "error": found["error"]}
    runs = found["runs"]
    say(f"  {name}: " + " ".join(f"{r:.2f}" for r in runs))
    return {"group": "examples", "name": name, "runs": [round(r, 4) for r in runs],
            "median_s": statistics.median(runs), "min_s": min(runs), "max_s": max(runs),
            "note": f"save of text/clinical-summary.md -> page load event, Chromium; server started and first "
                    f"page served in {found['startup_s']:.1f} s"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="dossier benchmarks")
    parser.add_argument("--repeat", type=int, default=3, help="runs per benchmark (scale trials use fewer)")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="scale trial sizes, comma-separated")
    parser.add_argument("--quick", action="store_true", help="one run each, scale sizes 10000 and 100000")
    parser.add_argument("--cache", type=Path, help="where scale trials are generated (default: see bench/scale.py)")
    parser.add_argument("--timeout", type=float, default=240, help="seconds before one run is stopped")
    parser.add_argument("--budget", type=float, default=540, help="seconds for the whole benchmark (repeats are "
                        "dropped and limits shortened to stay within it)")
    parser.add_argument("--full-build-max", type=int, default=10_000, help="largest scale trial built with a "
                        "separate whole-process `dossier build` (larger ones: one in-process stages run)")
    parser.add_argument("--scale-limit", type=float, default=150, help="seconds allowed for the largest scale build")
    parser.add_argument("--stages", nargs=2, type=Path, metavar=("TRIAL", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--imports", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.add_argument("--cox", type=Path, metavar="TRIAL", help=argparse.SUPPRESS)
    parser.add_argument("--lifelines", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--report", action="store_true", help="rewrite results/latest.md from results/latest.json "
                        "(no benchmark is run)")
    args = parser.parse_args(argv)
    if args.report:
        results = ROOT / "bench" / "results"
        document = json.loads((results / "latest.json").read_text(encoding="utf-8"))
        document["targets"] = targets(document["rows"], document["import_floor_s"])
        table = markdown(document["rows"], document["import_floor_s"], document["machine"], document["repeat"],
                         document["total_seconds"])
        (results / "latest.md").write_text(table + "\n", encoding="utf-8")
        (results / "latest.json").write_text(json.dumps(document, indent=2, default=float) + "\n", encoding="utf-8")
        print(table)
        return 0
    if args.stages:
        timer = StageTimer()
        try:
            stages_mode(*args.stages, timer)
        except Exception as exc:  # noqa: BLE001 - report the stages that ran, and what stopped the rest
            timer.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
        timer.report()
        return 0
    if args.imports is not None:
        print(MARK + json.dumps(imports_mode(args.imports)))
        return 0
    if args.cox:
        print(MARK + json.dumps(cox_mode(args.cox, args.lifelines)))
        return 0
    return benchmark(args)


class Budget:
    """The time left for the whole benchmark: repeats are dropped (keeping `reserve` seconds for what
    comes later) and later runs get shorter limits."""

    def __init__(self, seconds: float) -> None:
        self.end = time.perf_counter() + seconds
        self.reserve = 0.0

    def left(self) -> float:
        return self.end - time.perf_counter()

    def allows(self, seconds: float) -> bool:
        """Whether another run of about `seconds` fits before the reserve."""
        return self.left() - seconds > self.reserve

    def limit(self, cap: float) -> float:
        return max(10.0, min(cap, self.left()))


BUDGET = Budget(float("inf"))


GROUPS = ("floor", "commands", "examples", "stages cdisc-pilot01")


def benchmark(args) -> int:
    import scale

    repeat = 1 if args.quick else max(1, args.repeat)
    sizes = [10_000, 100_000] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    started = time.perf_counter()
    global BUDGET
    BUDGET = budget = Budget(args.budget)
    # kept for the scale builds while the smaller benchmarks repeat: ~1 min per size up to 100,000 and the
    # time limit of the largest
    scale_reserve = sum(60 for n in sizes if n <= 100_000) + (args.scale_limit if max(sizes, default=0) > 100_000
                                                               else 0)
    me = str(Path(__file__).resolve())
    rows: list[dict] = []

    say("import floor")
    rows.append(measure("floor", "python startup", [PY, "-c", "pass"], repeat, args.timeout))
    rows.append(measure("floor", "import floor", [PY, "-c", IMPORTS], repeat, args.timeout))
    floor = rows[-1].get("median_s")
    say("commands")
    for name, cli in (("dossier --help", ["--help"]), ("dossier check cdisc-pilot01", ["check", str(PILOT)])):
        row = measure("commands", name, [PY, "-m", "dossier", *cli], repeat, args.timeout)
        row["heavy_imports"] = payload(run_child([PY, me, "--imports", *cli], args.timeout))
        rows.append(row)
    say("Cox model on the scale trials")
    trials = {}
    for n in sizes:
        start = time.perf_counter()
        trials[n] = scale.trial_folder(n, cache=args.cache)
        generated = time.perf_counter() - start
        say(f"  scale trial {n:,}: {trials[n]} ({generated:.1f} s)")
        rows.append({"group": f"scale {n:,}", "name": "generate or reuse the trial folder", "runs": [],
                     "median_s": generated, "min_s": generated, "max_s": generated, "note": str(trials[n])})
        rows.extend(cox_rows(n, trials[n], budget.limit(args.timeout)))
    with tempfile.TemporaryDirectory(prefix="dossier-bench-") as tmp_name:
        tmp = Path(tmp_name)
        say("example trials")
        budget.reserve = scale_reserve
        for folder in sorted(p.parent for p in (ROOT / "datasets").glob("*/dossier.yaml")):
            out = tmp / "out" / folder.name
            reps = repeat if folder == PILOT else min(repeat, 2)
            rows.append(measure("examples", f"cold build {folder.name}",
                                [PY, "-m", "dossier", "build", str(folder), "-o", str(out)], reps,
                                budget.limit(args.timeout), paired=folder == PILOT,
                                prepare=lambda out=out: shutil.rmtree(out, ignore_errors=True)))
        rows.append(text_rebuild(repeat, budget.limit(args.timeout), tmp, tmp / "out" / PILOT.name))
        rows.append(preview_refresh(repeat, budget.limit(args.timeout)))
        rows.extend(stage_rows("stages cdisc-pilot01", PILOT, min(repeat, 2), budget.limit(args.timeout), tmp))
        for n in sorted(sizes):
            say(f"scale trial {n:,} subjects")
            group = f"scale {n:,}"
            trial = trials[n]
            budget.reserve = args.scale_limit if n < max(sizes) and max(sizes) > 100_000 else 0
            if n <= args.full_build_max:
                out = tmp / "out" / trial.name
                reps = min(repeat, 2)
                rows.append(measure(group, f"cold build {n:,} subjects",
                                    [PY, "-m", "dossier", "build", str(trial), "-o", str(out)], reps,
                                    budget.limit(args.timeout),
                                    prepare=lambda out=out: shutil.rmtree(out, ignore_errors=True)))
                shutil.rmtree(out, ignore_errors=True)
            stage_limit = budget.limit(args.timeout if n <= args.full_build_max else args.scale_limit)
            stages = stage_rows(group, trial, 1, stage_limit, tmp)
            if n > args.full_build_max:  # the stages run is the build: one process, every stage in order
                rows.append(build_from_stages(group, n, stages, stage_limit))
            rows.extend(stages)
    total = time.perf_counter() - started
    order = {g: i for i, g in enumerate(GROUPS)}

    def position(row: dict) -> tuple[int, int]:
        size = row["group"].removeprefix("scale ").replace(",", "")
        return order.get(row["group"], len(GROUPS)), int(size) if size.isdigit() else 0

    rows.sort(key=position)  # stable: within a group, the order the benchmarks ran
    machine = machine_description()
    table = markdown(rows, floor, machine, repeat, total)
    print(table)
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "latest.md").write_text(table + "\n", encoding="utf-8")
    document = {"machine": machine, "repeat": repeat, "total_seconds": total, "import_floor_s": floor,
                "targets": targets(rows, floor), "rows": rows}
    (results / "latest.json").write_text(json.dumps(document, indent=2, default=float) + "\n", encoding="utf-8")
    return 0


def build_from_stages(group: str, n: int, stages: list[dict], limit: float) -> dict:
    """The whole build of a large scale trial, as the sum of its in-process stages."""
    done = [r for r in stages if "median_s" in r]
    stopped = next((r.get("error") or r.get("note") for r in stages if r.get("error") or r.get("complete") is False),
                   None)
    row = {"group": group, "name": f"cold build {n:,} subjects", "runs": []}
    if done:
        seconds = sum(r["median_s"] for r in done)
        cpu = sum(r["cpu_s"] for r in done)
        row.update(median_s=seconds, min_s=seconds, max_s=seconds, cpu_s=cpu, cores=cpu / seconds if seconds else 0,
                   peak_mib=max(r["peak_mib"] for r in done), runs=[round(seconds, 3)])
    row["note"] = "one process running the stages below (" + (f"incomplete: {stopped}; the time shown is a lower "
                                                                f"bound" if stopped else "complete") + ")"
    row["complete"] = stopped is None
    return row


def cox_rows(n: int, trial: Path, limit: float) -> list[dict]:
    group = f"scale {n:,}"
    run = run_child([PY, str(Path(__file__).resolve()), "--cox", str(trial), "--lifelines"], limit)
    result = payload(run) if run.get("ok") else None
    if result is None:
        return [{"group": group, "name": "Cox PH", "runs": [], "error": run.get("error")}]
    rows = []
    for label in ("days", "continuous"):
        entry = result[label]
        say(f"  Cox {n:,} {label}: {entry['seconds']:.3f} s")
        rows.append({"group": group, "name": f"Cox PH, {label} ({entry['distinct_times']:,} distinct times)",
                     "runs": [round(r, 4) for r in entry["runs"]], "median_s": entry["seconds"],
                     "min_s": min(entry["runs"]), "max_s": max(entry["runs"]), "cox": entry, "subjects": result["n"],
                     "events": result["events"], "r_coxph_s": R_COXPH.get(n)})
    return rows


# ------------------------------------------------------------------------------------------ report


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 1024**2
        memory = f", {mem:.0f} GiB RAM"
    except (OSError, AttributeError):
        memory = ""
    try:
        load = f", load average {os.getloadavg()[0]:.1f} at start"
    except OSError:
        load = ""
    return (f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}{load}")


def targets(rows: list[dict], floor: float | None) -> list[dict]:
    """Each target of the 'Fast at every size' issue: the measured value and whether it holds."""
    by_name = {r["name"]: r for r in rows}
    out = []

    floor_cpu = by_name.get("import floor", {}).get("cpu_s")

    def ratio(name: str) -> float | None:
        """The median of the per-run ratios to a floor measured just before each run (see `measure`),
        else the median over the floor measured at the start."""
        row = by_name.get(name)
        if row and "paired_ratio" in row:
            return row["paired_ratio"]
        return row["median_s"] / floor if row and floor and "median_s" in row else None

    def cpu_ratio(name: str) -> str:
        """The same ratio in CPU seconds: less sensitive to other load on a shared machine."""
        row = by_name.get(name, {})
        return f" ({row['cpu_s'] / floor_cpu:.2f}x in CPU s)" if row.get("cpu_s") and floor_cpu else ""

    value = ratio("cold build cdisc-pilot01")
    out.append({"target": f"cold build cdisc-pilot01 <= {TARGETS['cold_build']}x import floor",
                "measured": None if value is None else f"{value:.2f}x{cpu_ratio('cold build cdisc-pilot01')}",
                "holds": value is not None and value <= TARGETS["cold_build"]})
    for name in ("dossier --help", "dossier check cdisc-pilot01"):
        heavy = by_name.get(name, {}).get("heavy_imports")
        out.append({"target": f"{name} imports no rendering/modelling stack",
                    "measured": "none" if heavy == [] else ", ".join(heavy or ["?"]), "holds": heavy == []})
    value = ratio("text-only rebuild cdisc-pilot01")
    out.append({"target": f"text-only rebuild <= {TARGETS['text_rebuild']}x import floor",
                "measured": None if value is None else f"{value:.2f}x{cpu_ratio('text-only rebuild cdisc-pilot01')}",
                "holds": value is not None and value <= TARGETS["text_rebuild"]})
    row = by_name.get("preview refresh cdisc-pilot01", {})
    out.append({"target": f"preview: save -> refreshed page loaded <= {TARGETS['preview_s']} s (median)",
                "measured": f"{row['median_s']:.2f} s" if "median_s" in row else row.get("error"),
                "holds": "median_s" in row and row["median_s"] <= TARGETS["preview_s"]})
    for n, r_seconds in R_COXPH.items():
        for label in ("days", "continuous"):
            row = next((r for r in rows if r["name"].startswith(f"Cox PH, {label}") and r.get("subjects")
                        and r["group"] == f"scale {n:,}"), None)
            if row is None:
                continue
            diff = row["cox"].get("max_rel_diff")
            agree = "" if diff is None else f"; HR/CI vs lifelines max rel diff {diff:.1e}"
            checked = ", same HR/CI as lifelines" if diff is not None else ""
            out.append({"target": f"Cox PH {n:,} subjects ({label}) <= R coxph {r_seconds} s{checked}",
                        "measured": f"{row['median_s']:.3f} s{agree}",
                        "holds": row["median_s"] <= r_seconds and (diff is None or diff < 1e-6)})
    big = by_name.get("cold build 1,000,000 subjects")
    if big:
        ok = ("median_s" in big and big.get("complete", True) and big["median_s"] < TARGETS["scale_seconds"]
              and big["peak_mib"] < TARGETS["scale_mib"])
        measured = (f"{'> ' if not big.get('complete', True) else ''}{big['median_s']:.1f} s, "
                    f"{big['peak_mib']:.0f} MiB" if "median_s" in big else big.get("error", "failed"))
        out.append({"target": "1,000,000-subject build < 60 s and < 4 GiB", "measured": measured, "holds": ok})
    builds = [r for r in rows if r["name"].startswith("cold build") and "cores" in r]
    if builds:
        best = max(builds, key=lambda r: r["cores"])
        out.append({"target": "both cores used where the work allows (CPU/wall of a build > 1.3)",
                    "measured": f"highest CPU/wall {best['cores']:.2f} ({best['name']})",
                    "holds": best["cores"] > 1.3})
    return out


def _fmt(value, spec: str = ".2f") -> str:
    return "" if value is None else format(value, spec)


def markdown(rows: list[dict], floor: float | None, machine: str, repeat: int, total: float) -> str:
    lines = [(f"Machine: {machine}. Up to {repeat} runs per benchmark (fewer for the large ones and when the "
              f"time budget runs short). Whole run: {total / 60:.1f} min."), "",
             ("| group | benchmark | runs | median s | min-max s | CPU s | CPU/wall | peak MiB | x import floor "
             "| note |"),
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        note = r.get("error") or r.get("note") or ""
        if "heavy_imports" in r:
            note = "heavy modules imported: " + (", ".join(r["heavy_imports"]) or "none") if r["heavy_imports"] \
                is not None else "import probe failed"
        if "cox" in r:
            cox = r["cox"]
            parts = [f"{r['subjects']:,} subjects, {r['events']:,} events, HR {cox['hazard_ratio']:.6g}",
                     f"PH test {cox['ph_test_seconds']:.3f} s"]
            if r.get("r_coxph_s"):
                parts.append(f"R coxph {r['r_coxph_s']} s")
            if "lifelines" in cox:
                parts.append(f"lifelines{' batch' if cox['lifelines']['batch_mode'] else ''} "
                             f"{cox['lifelines']['seconds']:.2f} s, HR/CI rel diff {cox['max_rel_diff']:.1e}")
            note = "; ".join(parts)
        if "median_s" not in r:
            lines.append(f"| {r['group']} | {r['name']} | 0 | | | | | | | {note} |")
            continue
        spread = f"{r['min_s']:.2f}-{r['max_s']:.2f}" if len(r.get("runs", [])) > 1 else ""
        relative = (r["group"] in ("floor", "commands", "examples") or r["name"].startswith("cold build")) \
            and not r["name"].startswith("preview")  # a latency, not a process: no import floor in it
        times = f"{r['median_s'] / floor:.2f}" if floor and relative else ""
        if "paired_ratio" in r:
            times = f"{r['paired_ratio']:.2f} (paired)"
            note = "; ".join(filter(None, [note, "each run after an import-floor run: "
                                           + " ".join(f"{f:.2f}" for f in r["paired_floor_s"]) + " s"]))
        digits = ".3f" if r["name"].startswith("Cox") else ".2f"
        value = ("> " if r.get("complete") is False else "") + format(r["median_s"], digits)
        lines.append(f"| {r['group']} | {r['name']} | {len(r.get('runs') or [0])} | {value} | "
                     f"{spread} | {_fmt(r.get('cpu_s'))} | {_fmt(r.get('cores'))} | {_fmt(r.get('peak_mib'), '.0f')} | "
                     f"{times} | {note} |")
    lines += ["", "| target | measured | holds |", "| --- | --- | --- |"]
    for t in targets(rows, floor):
        lines.append(f"| {t['target']} | {t['measured'] or 'n/a'} | {'yes' if t['holds'] else 'NO'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
