"""Gene-therapy BDS datasets of the synthetic example trials (SYNTHETIC DATA): ADIS-style immunogenicity (anti-AAV
neutralising antibody titres) and vector shedding by matrix, both ADaM BDS-style (one record per subject,
parameter and visit; PARAMCD, AVISIT/AVISITN, ADY, AVAL, AVALC, BASE, ABLFL, ANL01FL).

They draw from their own generator, numpy.random.default_rng([seed, 15]), after the trial's other datasets are
made, so adding them changed no byte of ADSL, the efficacy, time-to-event or adverse-event datasets.

- adis: PARAMCD NABAAV, the reciprocal titre of anti-capsid neutralising antibodies (two-fold dilutions from 1:5;
  a sample below 1:5 has AVAL 2.5, half the lowest dilution, and AVALC NEGATIVE; AVALC POSITIVE at 1:5 or
  above). Baseline: most subjects seronegative (an eligibility criterion of AAV trials), a few with a low titre.
  After a vector dose, log2 titres rise by dose level within 4 weeks and slowly decline; placebo subjects keep
  their baseline titre (4% of their samples one dilution higher, assay variability).
- adsh: one parameter per matrix (SHBLOOD, SHSALIVA, SHURINE, SHSTOOL, SHSEMEN; PARCAT1 the matrix; semen in men
  only), vector genomes by qPCR (AVAL copies/mL, 0 when not detected; AVALC POSITIVE at or above the LLOQ of
  50 copies/mL). Samples before dosing and on days 2, 7, 14, 28 and 84 (AVISITN = the nominal study day). A
  dosed subject sheds into a matrix with a probability rising with dose and stays positive until a clearance
  day drawn per subject and matrix (exponential, longer for higher doses); placebo subjects never shed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import synthetic_common as sc

SUBJECT = ["STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01P", "TRT01PN", "TRT01A", "TRT01AN", "SAFFL", "SEX",
           "TRTSDT"]
NAB = ("NABAAV", "Anti-AAV neutralising antibody titre (1/dilution)")
LLOD_TITRE = 5.0
SHED_DAYS = (("Baseline", 0), ("Day 2", 2), ("Day 7", 7), ("Day 14", 14), ("Day 28", 28), ("Day 84", 84))
# matrix: (PARAMCD, PARCAT1, P(shedding at the highest dose), mean clearance day at the highest dose)
MATRICES = (("SHBLOOD", "BLOOD", 0.95, 16.0), ("SHSALIVA", "SALIVA", 0.60, 6.0), ("SHURINE", "URINE", 0.45, 5.0),
            ("SHSTOOL", "STOOL", 0.75, 14.0), ("SHSEMEN", "SEMEN", 0.50, 20.0))
SHED_LLOQ = 50.0
sc.LABELS.update({"PARCAT1": "Parameter Category 1"})


def datasets(seed: int, adsl: pd.DataFrame, dose_level: np.ndarray, visits, offsets: np.ndarray,
             last: np.ndarray) -> dict[str, tuple[pd.DataFrame, str]]:
    """{"adis": ..., "adsh": ...} for the dosed subjects; `dose_level` per subject in [0, 1] (0 placebo, 1 the
    highest dose); `visits`/`offsets` the trial's visits and each subject's day offsets; `last` the last day."""
    rng = np.random.default_rng([seed, 15])
    return {"adis": (_immunogenicity(rng, adsl, dose_level, visits, offsets, last),
                     "Immunogenicity Analysis Dataset (ADIS-style BDS)"),
            "adsh": (_shedding(rng, adsl, dose_level, last), "Vector Shedding Analysis Dataset (BDS)")}


def _records(adsl, i, columns: dict) -> pd.DataFrame:
    return pd.concat([sc.subject_vars(adsl, SUBJECT, i), pd.DataFrame(columns)], axis=1)


def _immunogenicity(rng, adsl, dose_level, visits, offsets, last) -> pd.DataFrame:
    n, nv = offsets.shape
    treated = (adsl["SAFFL"] == "Y").to_numpy()
    done = treated[:, None] & (offsets <= np.nan_to_num(last, nan=-99)[:, None])
    done[:, 1:] &= rng.random((n, nv - 1)) >= 0.04
    # baseline: 85% below 1:5, else 1:5 or 1:10
    steps0 = np.where(rng.random(n) < 0.85, -1, rng.integers(0, 2, n))
    weeks = np.array([v.num for v in visits], float)
    peak = 6.0 + 6.0 * dose_level + rng.normal(0, 1.0, n)  # log2 steps above 1:5 at the peak
    rise = 1 - np.exp(-weeks / 1.5)
    decline = np.exp(-np.maximum(weeks - 4, 0) / 150)
    steps = np.where(dose_level[:, None] > 0, peak[:, None] * rise * decline, steps0[:, None].astype(float))
    steps = np.rint(steps + rng.normal(0, 0.6, (n, nv))).astype(int)
    steps[:, 0] = steps0
    drift = steps0[:, None] + (rng.random((n, nv)) < 0.04)  # placebo: the baseline titre, rarely one dilution up
    steps = np.where(dose_level[:, None] > 0, np.maximum(steps, steps0[:, None]), drift)
    aval = np.where(steps < 0, LLOD_TITRE / 2, LLOD_TITRE * 2.0 ** np.maximum(steps, 0))
    i, j = np.nonzero(done)
    trtsdt = adsl["TRTSDT"].to_numpy("datetime64[D]")[i]
    base = aval[i, 0]
    out = _records(adsl, i, {
        "PARAM": NAB[1], "PARAMCD": NAB[0], "PARAMN": 1.0, "AVISIT": np.array([v.name for v in visits])[j],
        "AVISITN": weeks[j], "ADT": trtsdt + offsets[i, j] * sc.DAY, "ADY": sc.study_day(offsets[i, j]).astype(float),
        "AVAL": aval[i, j], "AVALC": np.where(aval[i, j] >= LLOD_TITRE, "POSITIVE", "NEGATIVE"), "BASE": base,
        "ABLFL": np.where(j == 0, "Y", ""), "ANL01FL": "Y"})
    return _finish(out)


def _shedding(rng, adsl, dose_level, last) -> pd.DataFrame:
    n = len(adsl)
    treated = (adsl["SAFFL"] == "Y").to_numpy()
    male = (adsl["SEX"] == "M").to_numpy()
    days = np.array([d for _, d in SHED_DAYS])
    jitter = np.clip(np.rint(rng.normal(0, 1, (n, len(days))) * np.array([0, 0, 1, 1, 2, 4])), -4, 4).astype(int)
    offsets = np.where(days > 0, days - 1 + jitter, -rng.integers(0, 8, (n, 1)))  # day d is offset d - 1
    parts = []
    for k, (code, matrix, p_high, clear_high) in enumerate(MATRICES):
        sheds = rng.random(n) < p_high * (0.5 + 0.5 * dose_level) * (dose_level > 0)
        clearance = rng.exponential(clear_high * (0.4 + 0.6 * dose_level), n)
        peak = rng.normal(4.0 + 2.0 * dose_level, 0.5, n)  # log10 copies/mL on day 2
        sampled = treated[:, None] & (offsets <= np.nan_to_num(last, nan=-99)[:, None])
        sampled[:, 1:] &= rng.random((n, len(days) - 1)) >= 0.05
        if code == "SHSEMEN":
            sampled &= male[:, None]
        positive = sheds[:, None] & (days[None, :] > 0) & (offsets + 1 <= clearance[:, None])
        level = peak[:, None] - np.maximum(offsets, 0) / np.maximum(clearance[:, None], 1) * 2.0
        copies = np.where(positive, np.round(10.0 ** np.maximum(level, np.log10(SHED_LLOQ)), -1), 0.0)
        i, j = np.nonzero(sampled)
        trtsdt = adsl["TRTSDT"].to_numpy("datetime64[D]")[i]
        parts.append(_records(adsl, i, {
            "PARCAT1": matrix, "PARAM": f"Vector genomes in {matrix.lower()} (copies/mL)", "PARAMCD": code,
            "PARAMN": float(k + 1), "AVISIT": np.array([v for v, _ in SHED_DAYS])[j], "AVISITN": days[j].astype(float),
            "ADT": trtsdt + offsets[i, j] * sc.DAY, "ADY": sc.study_day(offsets[i, j]).astype(float),
            "AVAL": copies[i, j], "AVALC": np.where(copies[i, j] >= SHED_LLOQ, "POSITIVE", "NEGATIVE"),
            "BASE": copies[i, 0], "ABLFL": np.where(j == 0, "Y", ""), "ANL01FL": "Y"}))
    return _finish(pd.concat(parts, ignore_index=True))


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    out = out.sort_values(["USUBJID", "PARAMN", "AVISITN"], kind="stable").reset_index(drop=True)
    out["ASEQ"] = out.groupby("USUBJID").cumcount() + 1.0
    return out


MATRIX_JA = {"BLOOD": "血液", "SALIVA": "唾液", "URINE": "尿", "STOOL": "糞便", "SEMEN": "精液"}


def param_labels() -> dict[str, dict[str, str]]:
    """The Japanese of the PARAM values these datasets carry (for the trial's `labels: PARAM:`)."""
    labels = {NAB[1]: {"ja": "抗AAV中和抗体価（希釈倍率の逆数）"}}
    for _code, matrix, *_ in MATRICES:
        labels[f"Vector genomes in {matrix.lower()} (copies/mL)"] = {"ja": f"{MATRIX_JA[matrix]}中のベクターゲノム（コピー/mL）"}
    return labels


def spec(immunogenicity: dict[str, str], shedding: dict[str, str]) -> list[dict]:
    """The dossier.yaml analyses of the two datasets (titles per language)."""
    return [
        {"id": "nab", "type": "by_visit", "title": immunogenicity, "dataset": "adis", "params": [NAB[0]],
         "summary": "geometric", "seroconversion": True},
        {"id": "shedding", "type": "by_visit", "title": shedding, "dataset": "adsh",
         "params": [code for code, *_ in MATRICES], "summary": "positive", "last_positive": True},
    ]


README = """\
- `adis.parquet` (ADIS-style immunogenicity, ADaM BDS) and `adsh.parquet` (vector shedding by matrix, ADaM
  BDS) come from `datasets/synthetic_gene.py`, drawn with their own generator (seed, 15): anti-AAV
  neutralising antibody titres (two-fold dilutions from 1:5; AVAL 2.5 and AVALC NEGATIVE below 1:5) at the
  trial's visits, and vector genomes by qPCR (LLOQ 50 copies/mL) in blood, saliva, urine, stool and semen
  (men only) before dosing and on days 2, 7, 14, 28 and 84 (AVISITN = the nominal day).
"""
