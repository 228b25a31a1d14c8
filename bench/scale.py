"""Seeded scale trials for the benchmarks: a SYNTHETIC trial folder of N subjects as Parquet.

    python bench/scale.py 100000 [--seed 2024] [--cache DIR]   # prints the folder it wrote (or reused)

Datasets (3 arms 1:1:1, Placebo / Low dose / High dose):
- adsl: one row per subject, 27 variables (population flags, treatment, demography, disposition and
  some the analyses never read, as a real ADSL has);
- adtte: 3 parameters per subject (OS, PFS, TTAE), times in whole days (many ties, as real data);
- adeff: a BDS dataset, one parameter (EFF) at 10 visits (Baseline .. Week 52) with BASE and CHG;
- adae: about 5 adverse events per subject (Poisson), 12 system organ classes, 60 preferred terms.
Everything is drawn with numpy from one seed and assembled column-wise with pyarrow (no per-row Python),
so the same N and seed give the same data. 1,000,000 subjects (1M ADSL, 3M ADTTE, 10M ADEFF and
~5M ADAE records) take 30-50 s to write and 110 MB on disk.

Folders go under a cache directory (`--cache`, else $DOSSIER_BENCH_CACHE, else the system temp
directory /dossier-bench), never into the repository; a finished folder is reused (a `.complete`
marker records N, seed and generator version).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

VERSION = 1
DEFAULT_SEED = 2024
ARMS = ("Placebo", "Low dose", "High dose")
STUDY = "SCALE-001"
VISITS = (("Baseline", 0), ("Week 2", 2), ("Week 4", 4), ("Week 8", 8), ("Week 12", 12), ("Week 16", 16),
          ("Week 24", 24), ("Week 32", 32), ("Week 40", 40), ("Week 52", 52))
SOCS = ("Gastrointestinal disorders", "Nervous system disorders", "Infections and infestations",
        "General disorders and administration site conditions", "Skin and subcutaneous tissue disorders",
        "Musculoskeletal and connective tissue disorders", "Respiratory, thoracic and mediastinal disorders",
        "Psychiatric disorders", "Cardiac disorders", "Investigations", "Metabolism and nutrition disorders",
        "Vascular disorders")
TERMS_PER_SOC = 5
ROW_GROUP = 1 << 20

YAML = """\
# SYNTHETIC scale trial for the benchmarks (bench/scale.py, {n} subjects, seed {seed}); not a real study.
study:
  id: {study}
  title: Synthetic scale trial of {n:,} subjects for benchmarks
  phase: "3"
  design: Randomised 1:1:1, double-blind, placebo-controlled (synthetic)
  primary_endpoint: Change from baseline in EFF at Week 52
product:
  name: SCALE-101 (synthetic)
  code: SCALE-101
indication: Synthetic indication for benchmarking
language: en
synthetic: true
date: 2026-11-21
population: SAFFL
arm: TRT01A
reference_arm: Placebo
analyses:
  - id: demog
    type: baseline
    title: Demographics and baseline characteristics
    variables: [AGE, AGEGR1, SEX, RACE, ETHNIC, BMIBL]
  - id: disp
    type: disposition
    title: Subject disposition
    population: ITTFL
    arm: TRT01P
  - id: eff
    type: change_from_baseline
    title: Change from baseline in EFF
    dataset: adeff
    param: EFF
    population: EFFFL
    where: {{ANL01FL: Y}}
    visits: [Week 12, Week 24, Week 52]
    covariates: [BASE]
    mcid: 5
    dose_response: TRT01PN
  - id: os
    type: time_to_event
    title: Overall survival
    dataset: adtte
    param: OS
    landmarks: [365, 730]
  - id: pfs
    type: time_to_event
    title: Progression-free survival
    dataset: adtte
    param: PFS
    landmarks: [180, 365]
  - id: teae
    type: adverse_events
    title: Treatment-emergent adverse events
briefing:
  consultation_category: Benchmark (synthetic)
  questions:
    - question: Does PMDA agree with the primary endpoint?
      position: Yes (synthetic).
      rationale: See the efficacy and survival analyses.
      evidence: [eff, os, pfs]
    - question: Is the safety database adequate?
      position: Yes (synthetic).
      evidence: [teae]
  disease: text/disease.md
  clinical_summary: Synthetic data; the hazard ratio of overall survival, low dose vs placebo, was
    [[os:comparisons/Low dose/hazard_ratio|2]].
sakigake:
  innovativeness:
    text: text/disease.md
  efficacy:
    analyses: [eff, os, pfs, teae]
"""


def default_cache() -> Path:
    return Path(os.environ.get("DOSSIER_BENCH_CACHE") or Path(tempfile.gettempdir()) / "dossier-bench")


def trial_folder(n: int, seed: int = DEFAULT_SEED, cache: Path | None = None) -> Path:
    """The scale trial folder of `n` subjects: reused from the cache when complete, else generated."""
    root = Path(cache) if cache else default_cache()
    folder = root / f"scale-{n}-s{seed}-v{VERSION}"
    marker = folder / ".complete"
    if marker.is_file():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    staging = root / f".{folder.name}.partial"
    if staging.exists():
        shutil.rmtree(staging)
    (staging / "adam").mkdir(parents=True)
    (staging / "text").mkdir()
    write_trial(staging, n, seed)
    (staging / ".complete").write_text(json.dumps({"n": n, "seed": seed, "version": VERSION}) + "\n")
    staging.rename(folder)
    return folder


def write_trial(folder: Path, n: int, seed: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng([seed, n])
    (folder / "dossier.yaml").write_text(YAML.format(n=n, seed=seed, study=STUDY), encoding="utf-8")
    (folder / "text" / "disease.md").write_text("A synthetic disease used to benchmark **dossier**.\n",
                                                encoding="utf-8")
    adsl, subject = _adsl(rng, n)
    makers = {"adsl": lambda: adsl, "adtte": _adtte, "adeff": _adeff, "adae": _adae}
    for name, make in makers.items():  # one table in memory at a time
        table = pa.table(make() if name == "adsl" else make(rng, n, subject))
        pq.write_table(table, folder / "adam" / f"{name}.parquet", row_group_size=ROW_GROUP, compression="snappy")
        del table


# ------------------------------------------------------------------------------------------ datasets


def _text(values) -> object:
    import pyarrow as pa

    return pa.array(list(values), type=pa.string())


def _pick(labels, codes: np.ndarray):
    """Strings by index without Python objects per row: a small dictionary taken by code."""
    import pyarrow.compute as pc

    return pc.take(_text(labels), codes.astype(np.int32))


def _ids(n: int):
    import pyarrow.compute as pc

    numbers = np.arange(1, n + 1)
    digits = max(6, len(str(n)))
    width = pc.utf8_lpad(pc.cast(numbers, "string"), digits, "0")
    return pc.binary_join_element_wise(f"{STUDY}-", width, "")


def _adsl(rng: np.random.Generator, n: int):
    import pyarrow.compute as pc

    arm = rng.integers(0, 3, n)
    usubjid = _ids(n)
    age = np.clip(np.round(rng.normal(62, 11, n)), 18, 95)
    sex = rng.random(n) < 0.52
    race = rng.choice(4, n, p=[0.62, 0.2, 0.14, 0.04])
    height = np.round(np.where(sex, rng.normal(162, 7, n), rng.normal(175, 7, n)), 1)
    weight = np.round(rng.normal(74, 14, n).clip(38, 180), 1)
    itt = rng.random(n) < 0.995
    saf = itt & (rng.random(n) < 0.99)
    eff = saf & (rng.random(n) < 0.97)
    status = rng.choice(3, n, p=[0.82, 0.15, 0.03])  # completed, discontinued, ongoing
    reasons = ("ADVERSE EVENT", "WITHDRAWAL BY SUBJECT", "LACK OF EFFICACY", "LOST TO FOLLOW-UP", "PHYSICIAN DECISION")
    reason = rng.integers(0, len(reasons), n)
    site = rng.integers(1, 201, n)
    flag = np.array(["N", "Y"])
    table = {
        "STUDYID": _pick([STUDY], np.zeros(n, int)),
        "USUBJID": usubjid,
        "SUBJID": pc.utf8_slice_codeunits(usubjid, len(STUDY) + 1),
        "SITEID": pc.cast(site + 100, "string"),
        "COUNTRY": _pick(("JPN", "USA", "DEU", "KOR", "GBR"), rng.integers(0, 5, n)),
        "ARM": _pick(ARMS, arm),
        "ACTARM": _pick(ARMS, arm),
        "TRT01P": _pick(ARMS, arm),
        "TRT01PN": arm.astype(float),
        "TRT01A": _pick(ARMS, arm),
        "TRT01AN": arm.astype(float),
        "RANDFL": _pick(flag, np.ones(n, int)),
        "ITTFL": _pick(flag, itt.astype(int)),
        "SAFFL": _pick(flag, saf.astype(int)),
        "EFFFL": _pick(flag, eff.astype(int)),
        "AGE": age,
        "AGEU": _pick(["YEARS"], np.zeros(n, int)),
        "AGEGR1": _pick(("<65", ">=65"), (age >= 65).astype(int)),
        "SEX": _pick(("M", "F"), sex.astype(int)),
        "RACE": _pick(("WHITE", "ASIAN", "BLACK OR AFRICAN AMERICAN", "OTHER"), race),
        "ETHNIC": _pick(("NOT HISPANIC OR LATINO", "HISPANIC OR LATINO"), (rng.random(n) < 0.1).astype(int)),
        "HEIGHTBL": height,
        "WEIGHTBL": weight,
        "BMIBL": np.round(weight / (height / 100) ** 2, 1),
        "EOSSTT": _pick(("COMPLETED", "DISCONTINUED", "ONGOING"), status),
        "DCSREAS": _pick(("",) + reasons, np.where(status == 1, reason + 1, 0)),
        "DCDECOD": _pick(("COMPLETED",) + reasons + ("",), np.where(status == 1, reason + 1,
                                                                     np.where(status == 0, 0, len(reasons) + 1))),
    }
    return table, {"usubjid": usubjid, "arm": arm, "saf": saf, "itt": itt}


def _adtte(rng: np.random.Generator, n: int, subject: dict):
    arm = subject["arm"]
    effect = np.array([1.0, 0.8, 0.65])[arm]  # hazard ratios vs placebo
    params = (("OS", "Overall survival", 900.0), ("PFS", "Progression-free survival", 400.0),
              ("TTAE", "Time to first adverse event", 200.0))
    codes, names, aval, cnsr = [], [], [], []
    censor = rng.uniform(300, 1100, n)  # administrative censoring (staggered entry)
    for k, (_, _, scale) in enumerate(params):
        event_time = rng.exponential(scale * effect ** -1.0, n) if k != 2 else rng.exponential(scale, n)
        time = np.minimum(event_time, censor)
        codes.append(np.full(n, k))
        aval.append(np.maximum(np.ceil(time), 1.0))
        cnsr.append((event_time > censor).astype(float))
        names.append(np.full(n, k))
    index = np.tile(np.arange(n), len(params))
    code = np.concatenate(codes)
    return {
        "STUDYID": _pick([STUDY], np.zeros(len(index), int)),
        "USUBJID": subject["usubjid"].take(index),
        "TRTA": _pick(ARMS, arm[index]),
        "PARAMCD": _pick([p[0] for p in params], code),
        "PARAM": _pick([p[1] for p in params], code),
        "AVAL": np.concatenate(aval),
        "CNSR": np.concatenate(cnsr),
        "EVNTDESC": _pick(("EVENT", ""), np.concatenate(cnsr).astype(int)),
        "CNSDTDSC": _pick(("", "LAST KNOWN ALIVE"), np.concatenate(cnsr).astype(int)),
    }


def _adeff(rng: np.random.Generator, n: int, subject: dict):
    arm = subject["arm"]
    v = len(VISITS)
    base = np.round(rng.normal(50, 10, n), 1)
    slope = np.array([0.0, 0.08, 0.14])[arm]  # points per week
    weeks = np.array([w for _, w in VISITS], float)
    noise = rng.normal(0, 4, (n, v))
    noise[:, 0] = 0
    aval = np.round(base[:, None] + slope[:, None] * weeks[None, :] + noise, 1)
    missing = rng.random((n, v)) < 0.03
    missing[:, 0] = False
    aval = np.where(missing, np.nan, aval)
    index = np.repeat(np.arange(n), v)
    visit = np.tile(np.arange(v), n)
    chg = np.where(visit == 0, np.nan, aval.ravel() - np.repeat(base, v))
    return {
        "STUDYID": _pick([STUDY], np.zeros(n * v, int)),
        "USUBJID": subject["usubjid"].take(index),
        "TRTP": _pick(ARMS, arm[index]),
        "PARAMCD": _pick(["EFF"], np.zeros(n * v, int)),
        "PARAM": _pick(["Efficacy score (synthetic)"], np.zeros(n * v, int)),
        "AVISIT": _pick([name for name, _ in VISITS], visit),
        "AVISITN": weeks[visit],
        "ADY": np.maximum(weeks[visit] * 7, 1),
        "AVAL": aval.ravel(),
        "BASE": np.repeat(base, v),
        "CHG": np.round(chg, 1),
        "ABLFL": _pick(("", "Y"), (visit == 0).astype(int)),
        "ANL01FL": _pick(("", "Y"), (~np.isnan(aval.ravel())).astype(int)),
    }


def _adae(rng: np.random.Generator, n: int, subject: dict):
    arm = subject["arm"]
    counts = rng.poisson(np.array([4.6, 5.0, 5.4])[arm])
    index = np.repeat(np.arange(n), counts)
    m = len(index)
    soc = rng.choice(len(SOCS), m, p=np.linspace(2, 0.5, len(SOCS)) / np.linspace(2, 0.5, len(SOCS)).sum())
    term = soc * TERMS_PER_SOC + rng.integers(0, TERMS_PER_SOC, m)
    terms = [f"{s.split()[0].rstrip(',')} event {k + 1}" for s in SOCS for k in range(TERMS_PER_SOC)]
    severity = rng.choice(3, m, p=[0.6, 0.3, 0.1])
    serious = rng.random(m) < 0.05
    return {
        "STUDYID": _pick([STUDY], np.zeros(m, int)),
        "USUBJID": subject["usubjid"].take(index),
        "TRTA": _pick(ARMS, arm[index]),
        "AESEQ": (np.arange(m) - np.repeat(np.cumsum(counts) - counts, counts) + 1).astype(float),
        "AETERM": _pick([t.upper() for t in terms], term),
        "AEDECOD": _pick(terms, term),
        "AEBODSYS": _pick(SOCS, soc),
        "ASTDY": np.ceil(rng.uniform(1, 365, m)),
        "AESEV": _pick(("MILD", "MODERATE", "SEVERE"), severity),
        "AESER": _pick(("N", "Y"), serious.astype(int)),
        "AEREL": _pick(("NOT RELATED", "POSSIBLE", "PROBABLE"), rng.choice(3, m, p=[0.6, 0.3, 0.1])),
        "AEACN": _pick(("DOSE NOT CHANGED", "DRUG WITHDRAWN"), (rng.random(m) < 0.03).astype(int)),
        "AEOUT": _pick(("RECOVERED/RESOLVED", "NOT RECOVERED/NOT RESOLVED", "FATAL"),
                       rng.choice(3, m, p=[0.85, 0.149, 0.001])),
        "TRTEMFL": _pick(("N", "Y"), (rng.random(m) < 0.97).astype(int)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("subjects", type=int, nargs="+")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--cache", type=Path)
    args = parser.parse_args(argv)
    for n in args.subjects:
        start = time.perf_counter()
        folder = trial_folder(n, args.seed, args.cache)
        print(f"{folder} ({time.perf_counter() - start:.1f} s)", file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
