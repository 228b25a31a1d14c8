"""Building blocks shared by the synthetic example trials that `generate.py` writes.

Each trial draws everything from one numpy Generator, in a fixed order and vectorised over subjects,
so its seed fixes every byte of the output. Times are offsets in days from dosing (offset 0 = TRTSDT);
the ADaM study day (ADY, ASTDY) is offset + 1 on or after dosing and the negative offset before it,
and ADTTE's AVAL is ADT - STARTDT + 1 (as in the CDISC pilot).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

DAY = np.timedelta64(1, "D")
NAT = np.datetime64("NaT", "D")
RACES = ("WHITE", "BLACK OR AFRICAN AMERICAN", "ASIAN", "AMERICAN INDIAN OR ALASKA NATIVE")  # RACEN 1..4
US_RACE_P = (0.74, 0.17, 0.06, 0.03)
SEVERITY, SEVERITY_P = ("MILD", "MODERATE", "SEVERE"), (0.55, 0.35, 0.10)
OUTCOMES = ("RECOVERED/RESOLVED", "RECOVERING/RESOLVING", "NOT RECOVERED/NOT RESOLVED",
            "RECOVERED/RESOLVED WITH SEQUELAE")
OUTCOME_P = (0.80, 0.06, 0.11, 0.03)

LABELS = {
    "STUDYID": "Study Identifier", "USUBJID": "Unique Subject Identifier", "SUBJID": "Subject Identifier for the Study",
    "SITEID": "Study Site Identifier", "COUNTRY": "Country", "ARM": "Description of Planned Arm",
    "ACTARM": "Description of Actual Arm", "TRT01P": "Planned Treatment for Period 01",
    "TRT01PN": "Planned Treatment for Period 01 (N)", "TRT01A": "Actual Treatment for Period 01",
    "TRT01AN": "Actual Treatment for Period 01 (N)", "TRTP": "Planned Treatment", "TRTPN": "Planned Treatment (N)",
    "TRTA": "Actual Treatment", "TRTAN": "Actual Treatment (N)", "RANDFL": "Randomized Population Flag",
    "ITTFL": "Intent-To-Treat Population Flag", "SAFFL": "Safety Population Flag", "EFFFL": "Efficacy Population Flag",
    "RANDDT": "Date of Randomization", "TRTSDT": "Date of First Exposure to Treatment",
    "TRTEDT": "Date of Last Exposure to Treatment", "AGE": "Age", "AGEU": "Age Units", "AGEGR1": "Pooled Age Group 1",
    "AGEGR1N": "Pooled Age Group 1 (N)", "SEX": "Sex", "RACE": "Race", "RACEN": "Race (N)", "ETHNIC": "Ethnicity",
    "HEIGHTBL": "Baseline Height (cm)", "WEIGHTBL": "Baseline Weight (kg)", "BMIBL": "Baseline BMI (kg/m2)",
    "REGION1": "Geographic Region 1",
    "EOSSTT": "End of Study Status", "EOSDT": "End of Study Date", "DCSREAS": "Reason for Discontinuation from Study",
    "DCDECOD": "Standardized Disposition Term", "DTHFL": "Subject Death Flag", "DTHDT": "Date of Death",
    "DCUTDT": "Date of Data Cut", "PARAM": "Parameter", "PARAMCD": "Parameter Code", "PARAMN": "Parameter (N)",
    "AVISIT": "Analysis Visit", "AVISITN": "Analysis Visit (N)", "ADT": "Analysis Date", "ADY": "Analysis Relative Day",
    "AVAL": "Analysis Value", "AVALC": "Analysis Value (C)", "BASE": "Baseline Value", "CHG": "Change from Baseline",
    "PCHG": "Percent Change from Baseline", "ABLFL": "Baseline Record Flag", "ANL01FL": "Analysis Flag 01",
    "DTYPE": "Derivation Type", "ASEQ": "Analysis Sequence Number", "STARTDT": "Time-to-Event Origin Date for Subject",
    "CNSR": "Censor", "EVNTDESC": "Event or Censoring Description", "CNSDTDSC": "Censor Date Description",
    "AESEQ": "Sequence Number", "AETERM": "Reported Term for the Adverse Event", "AEDECOD": "Dictionary-Derived Term",
    "AEBODSYS": "Body System or Organ Class", "ASTDT": "Analysis Start Date", "ASTDY": "Analysis Start Relative Day",
    "AENDT": "Analysis End Date", "AENDY": "Analysis End Relative Day", "AESEV": "Severity/Intensity",
    "AESER": "Serious Event", "AESHOSP": "Requires or Prolongs Hospitalization", "AESDTH": "Results in Death",
    "AEREL": "Causality", "AEACN": "Action Taken with Study Treatment", "AEOUT": "Outcome of Adverse Event",
    "TRTEMFL": "Treatment Emergent Analysis Flag",
}


@dataclass(frozen=True)
class Design:
    study: str
    arms: tuple[tuple[str, int], ...]  # (arm name, subjects), in TRT01PN order 0, 1, ...
    sites: tuple[tuple[str, str], ...]  # (SITEID, COUNTRY)
    enrol: tuple[str, str]  # first and last randomisation date
    cutoff: str  # data cut-off date: no date in any dataset is later
    untreated: int  # randomised but never dosed (SAFFL = N)
    age: tuple[float, float, float, float]  # mean, sd, min, max
    age_groups: tuple[tuple[float, str], ...]  # (lower bound, AGEGR1)
    male: float  # proportion of men


@dataclass(frozen=True)
class Visit:
    name: str  # AVISIT
    num: float  # AVISITN
    offset: int  # target day offset from dosing
    window: int  # +/- days


@dataclass(frozen=True)
class Param:
    """A continuous BDS parameter: AVAL = true baseline + expected change + subject slope x ramp + noise."""

    code: str
    name: str
    num: int
    true_base: np.ndarray  # per subject
    mean_change: np.ndarray  # (subjects, post-baseline visits)
    ramp: np.ndarray  # (post-baseline visits,) scales the subject's random deviation
    noise_sd: float  # measurement error (also at baseline)
    slope_sd: float
    limits: tuple[float, float]  # possible values of AVAL
    base_range: tuple[float, float]  # eligibility range of the baseline value
    decimals: int = 0
    avalc: dict[float, str] | None = None


@dataclass(frozen=True)
class AEType:
    soc: str
    pt: str
    risk: tuple[float, ...]  # P(at least one episode over full follow-up): one value, or one per arm
    early: bool = False  # starts within a week of dosing (procedure or infusion related)
    serious: float = 0.03
    related: float = 0.1


def truncated_normal(rng: np.random.Generator, mean, sd, lo: float, hi: float, n: int) -> np.ndarray:
    """Normal draws redrawn until inside [lo, hi] (clipped after 50 rounds)."""
    mean, sd = np.broadcast_to(mean, n).astype(float), np.broadcast_to(sd, n).astype(float)
    x = rng.normal(mean, sd)
    for _ in range(50):
        bad = (x < lo) | (x > hi)
        if not bad.any():
            break
        x[bad] = rng.normal(mean[bad], sd[bad])
    return np.clip(x, lo, hi)


def event_offsets(rng: np.random.Generator, rate: np.ndarray) -> np.ndarray:
    """Day offsets of a first event with constant daily hazard `rate` per subject."""
    return np.floor(rng.exponential(1.0 / rate))


def daily_rate(one_year_risk: float) -> float:
    """Constant daily hazard giving this probability of an event within one year."""
    return -np.log(1 - one_year_risk) / 365


def study_day(offset: np.ndarray) -> np.ndarray:
    return np.where(offset >= 0, offset + 1, offset)


# ------------------------------------------------------------------------------------------------ ADSL


def randomise(rng: np.random.Generator, d: Design) -> pd.DataFrame:
    """Randomised subjects with treatment, population flags and demographics (ADSL core)."""
    sizes = [k for _, k in d.arms]
    n = sum(sizes)
    arm = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    site = rng.integers(0, len(d.sites), n)
    first, last = np.datetime64(d.enrol[0]), np.datetime64(d.enrol[1])
    randdt = first + np.sort(rng.integers(0, (last - first) // DAY + 1, n)) * DAY
    siteid, country = (np.array([s[k] for s in d.sites])[site] for k in (0, 1))
    seq = pd.Series(siteid).groupby(siteid).cumcount().to_numpy() + 1
    subjid = [f"{s}{q:03d}" for s, q in zip(siteid, seq)]
    treated = np.ones(n, bool)
    treated[rng.choice(n, d.untreated, replace=False)] = False
    trtsdt = np.where(treated, randdt + rng.integers(1, 15, n) * DAY, NAT)
    names = np.array([a for a, _ in d.arms])

    male = rng.random(n) < d.male
    age = np.floor(truncated_normal(rng, d.age[0], d.age[1], d.age[2], d.age[3], n))
    agegrp = np.searchsorted([g[0] for g in d.age_groups], age, side="right") - 1
    jp = country == "JPN"
    race = np.where(jp, 2, rng.choice(len(RACES), n, p=US_RACE_P))
    hispanic = ~jp & (rng.random(n) < 0.12)
    height = np.round(rng.normal(np.where(jp, 157, 163) + np.where(male, 13, 0), np.where(male, 6.5, 6.0)), 1)
    bmi = truncated_normal(rng, np.where(jp, 23.5, 28.5), np.where(jp, 3.2, 4.8), 16, 45, n)
    weight = np.round(bmi * (height / 100) ** 2, 1)
    return pd.DataFrame({
        "STUDYID": d.study, "USUBJID": [f"{d.study}-{s}" for s in subjid], "SUBJID": subjid, "SITEID": siteid,
        "COUNTRY": country, "ARM": names[arm], "ACTARM": np.where(treated, names[arm], "Not Treated"),
        "TRT01P": names[arm], "TRT01PN": arm.astype(float), "TRT01A": np.where(treated, names[arm], ""),
        "TRT01AN": np.where(treated, arm, np.nan), "RANDFL": "Y", "ITTFL": "Y", "SAFFL": np.where(treated, "Y", "N"),
        "EFFFL": "N", "RANDDT": randdt, "TRTSDT": trtsdt, "TRTEDT": trtsdt,  # single administration
        "AGE": age, "AGEU": "YEARS", "AGEGR1": np.array([g[1] for g in d.age_groups])[agegrp],
        "AGEGR1N": agegrp + 1.0, "SEX": np.where(male, "M", "F"), "RACE": np.array(RACES)[race], "RACEN": race + 1.0,
        "ETHNIC": np.where(hispanic, "HISPANIC OR LATINO", "NOT HISPANIC OR LATINO"),
        "HEIGHTBL": height, "WEIGHTBL": weight, "BMIBL": np.round(weight / (height / 100) ** 2, 1),
        "REGION1": np.where(jp, "Japan", "North America"),  # derived from COUNTRY: no random draw
    })


def visit_offsets(rng: np.random.Generator, n: int, visits: tuple[Visit, ...]) -> np.ndarray:
    """(subjects, visits) day offsets: baseline up to 14 days before dosing, later visits jittered in window."""
    target = np.array([v.offset for v in visits])
    window = np.array([v.window for v in visits])
    jitter = np.clip(np.rint(rng.normal(0, 1, (n, len(visits))) * window / 2.5), -window, window)
    offsets = (target + jitter).astype(int)
    offsets[:, 0] = -rng.integers(0, 15, n) * (rng.random(n) < 0.6)  # 40% assessed pre-dose on day 1
    return offsets


def dispose(rng: np.random.Generator, adsl: pd.DataFrame, t_death, t_drop, t_end, drop_reasons: dict[str, float]):
    """Add disposition to ADSL; return each subject's last day offset on study (NaN if never dosed)."""
    n = len(adsl)
    treated = (adsl["SAFFL"] == "Y").to_numpy()
    last = np.where(treated, np.minimum(np.minimum(t_death, t_drop), t_end), np.nan)
    died = treated & (t_death <= last)
    dropped = treated & ~died & (t_drop < t_end)
    drop_reason = rng.choice(list(drop_reasons), n, p=list(drop_reasons.values()))
    not_dosed = rng.choice(["Withdrawal by Subject", "Physician Decision"], n, p=(0.6, 0.4))
    reason = np.select([~treated, died, dropped], [not_dosed, "Death", drop_reason], "")
    trtsdt, randdt = adsl["TRTSDT"].to_numpy("datetime64[D]"), adsl["RANDDT"].to_numpy("datetime64[D]")
    left = rng.integers(1, 29, n) * DAY
    adsl["EOSSTT"] = np.where(reason == "", "COMPLETED", "DISCONTINUED")
    adsl["EOSDT"] = np.where(treated, trtsdt + np.nan_to_num(last).astype(int) * DAY, randdt + left)
    adsl["DCSREAS"] = reason
    adsl["DCDECOD"] = np.where(reason == "", "COMPLETED", np.char.upper(reason.astype(str)))
    adsl["DTHFL"] = np.where(died, "Y", "")
    adsl["DTHDT"] = np.where(died, trtsdt + np.nan_to_num(t_death).astype(int) * DAY, NAT)
    return last


def finish_adsl(adsl: pd.DataFrame, cutoff: str) -> pd.DataFrame:
    """ADSL as written: sorted by USUBJID, disposition variables last, with the data cut-off date."""
    adsl = adsl.assign(DCUTDT=np.datetime64(cutoff))
    tail = ["EOSSTT", "EOSDT", "DCSREAS", "DCDECOD", "DTHFL", "DTHDT", "DCUTDT"]
    order = [c for c in adsl.columns if c not in tail] + tail
    return adsl[order].sort_values("USUBJID", kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ BDS

BDS_SUBJECT = ["STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01P", "TRT01PN", "TRT01A", "TRT01AN",
               "SAFFL", "ITTFL", "EFFFL", "AGE", "SEX", "RACE", "TRTSDT"]
BDS_RECORD = ["PARAM", "PARAMCD", "PARAMN", "AVISIT", "AVISITN", "ADT", "ADY", "AVAL", "AVALC", "BASE", "CHG",
              "PCHG", "ABLFL", "ANL01FL", "DTYPE"]


def subject_vars(adsl: pd.DataFrame, columns: list[str], rows) -> pd.DataFrame:
    """ADSL variables copied onto records (TRT01P -> TRTP and so on, as in a BDS or OCCDS dataset)."""
    out = adsl[columns].iloc[rows].reset_index(drop=True)
    return out.rename(columns={c: c.replace("01", "") for c in columns if c.startswith("TRT01")})


def observed_baseline(rng: np.random.Generator, p: Param) -> np.ndarray:
    """Baseline measurement for every randomised subject, redrawn until it meets eligibility."""
    obs = truncated_normal(rng, p.true_base, p.noise_sd, *p.base_range, len(p.true_base))
    return np.round(np.clip(obs, *p.limits), p.decimals)


def bds(rng: np.random.Generator, adsl: pd.DataFrame, visits: tuple[Visit, ...], offsets: np.ndarray,
        last: np.ndarray, params: list[Param], baselines: dict[str, np.ndarray],
        missing: float = 0.05, param_missing: float = 0.02, repeat: float = 0.03) -> pd.DataFrame:
    """BDS records of the dosed subjects, one analysis record (ANL01FL = Y) per subject, parameter and visit.

    Visits after a subject's last day are not done; ~`missing` of the others are missed entirely and
    ~`param_missing` miss one parameter; ~`repeat` are repeated within the window, and only the record
    nearer the target day is flagged ANL01FL = Y (the other has ANL01FL blank).
    """
    n, nv = offsets.shape
    treated = (adsl["SAFFL"] == "Y").to_numpy()
    target = np.array([v.offset for v in visits])
    window = np.array([v.window for v in visits])
    avisit, avisitn = np.array([v.name for v in visits]), np.array([v.num for v in visits], float)
    done = treated[:, None] & (offsets <= np.nan_to_num(last, nan=-99)[:, None])
    done[:, 1:] &= rng.random((n, nv - 1)) >= missing
    parts = []
    for p in params:
        true = p.true_base[:, None] + p.mean_change + rng.normal(0, p.slope_sd, n)[:, None] * p.ramp
        first = np.column_stack([baselines[p.code], true + rng.normal(0, p.noise_sd, true.shape)])
        again = np.column_stack([baselines[p.code], true + rng.normal(0, p.noise_sd, true.shape)])
        has = done & (rng.random((n, nv)) >= param_missing)
        has[:, 0] = done[:, 0]  # a baseline value is needed for eligibility
        offsets2 = offsets + rng.integers(1, 8, (n, nv))
        repeated = has & (rng.random((n, nv)) < repeat) & (offsets2 <= last[:, None]) & (offsets2 <= target + window)
        repeated[:, 0] = False
        first_nearer = np.abs(offsets - target) <= np.abs(offsets2 - target)
        for off, value, present, flag in ((offsets, first, has, ~repeated | first_nearer),
                                          (offsets2, again, repeated, ~first_nearer)):
            i, j = np.nonzero(present)
            aval = np.round(np.clip(value[i, j], *p.limits), p.decimals)
            base = baselines[p.code][i]
            chg = np.where(j > 0, np.round(aval - base, p.decimals), np.nan)
            trtsdt = adsl["TRTSDT"].to_numpy("datetime64[D]")[i]
            parts.append(pd.concat([subject_vars(adsl, BDS_SUBJECT, i), pd.DataFrame({
                "PARAM": p.name, "PARAMCD": p.code, "PARAMN": float(p.num), "AVISIT": avisit[j],
                "AVISITN": avisitn[j], "ADT": trtsdt + off[i, j] * DAY, "ADY": study_day(off[i, j]).astype(float),
                "AVAL": aval, "AVALC": [p.avalc[a] for a in aval] if p.avalc else "", "BASE": base, "CHG": chg,
                "PCHG": np.where(base != 0, np.round(100 * chg / base, 4), np.nan),
                "ABLFL": np.where(j == 0, "Y", ""), "ANL01FL": np.where(flag[i, j], "Y", "")})], axis=1))
    out = pd.concat(parts, ignore_index=True).assign(DTYPE="")
    left = treated[:, None] & ~(offsets <= np.nan_to_num(last, nan=-99)[:, None])  # visits after leaving the study
    left[:, 0] = False
    out = pd.concat([out, locf(out, adsl["USUBJID"].to_numpy()[np.nonzero(left)[0]], avisit[np.nonzero(left)[1]],
                               avisitn[np.nonzero(left)[1]])], ignore_index=True)
    out = out.sort_values(["USUBJID", "PARAMN", "AVISITN", "DTYPE", "ADT"], kind="stable")
    out["ASEQ"] = out.groupby("USUBJID").cumcount() + 1.0
    return out.reset_index(drop=True)


def locf(records: pd.DataFrame, subjects: np.ndarray, avisit: np.ndarray, avisitn: np.ndarray) -> pd.DataFrame:
    """Last observation carried forward: for each visit a subject missed after leaving the study (`subjects`,
    `avisit`, `avisitn` aligned), a copy of their last post-baseline analysis record of each parameter with
    that visit, DTYPE = "LOCF" and ANL01FL = Y (ADT and ADY stay those of the copied record, as in ADaM)."""
    observed = records[(records["ANL01FL"] == "Y") & (records["ABLFL"] != "Y")]
    latest = observed.sort_values(["USUBJID", "PARAMN", "AVISITN", "ADT"], kind="stable") \
        .groupby(["USUBJID", "PARAMN"], sort=False).tail(1)
    missed = pd.DataFrame({"USUBJID": subjects, "_AVISIT": avisit, "_AVISITN": avisitn})
    copied = latest.merge(missed, on="USUBJID", how="inner")
    copied = copied[copied["_AVISITN"] > copied["AVISITN"]]
    copied = copied.assign(AVISIT=copied["_AVISIT"], AVISITN=copied["_AVISITN"], DTYPE="LOCF")
    return copied[list(records.columns)].reset_index(drop=True)


def efficacy_flag(adsl: pd.DataFrame, records: pd.DataFrame, paramcd: str) -> None:
    """EFFFL = Y: dosed and at least one post-baseline analysis value of the primary parameter."""
    ok = records.loc[(records["PARAMCD"] == paramcd) & (records["ABLFL"] != "Y") & records["CHG"].notna(), "USUBJID"]
    adsl["EFFFL"] = np.where(adsl["USUBJID"].isin(set(ok)) & (adsl["SAFFL"] == "Y"), "Y", "N")
    records["EFFFL"] = np.where(records["USUBJID"].isin(set(ok)), "Y", "N")


# ------------------------------------------------------------------------------------------------ ADTTE

TTE_SUBJECT = ["STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01P", "TRT01PN", "TRT01A", "TRT01AN", "SAFFL",
               "ITTFL", "AGE", "SEX", "RACE"]


def tte(adsl: pd.DataFrame, last: np.ndarray, code: str, name: str, num: int, event: np.ndarray, event_desc) -> pd.DataFrame:
    """One ADTTE record per dosed subject: the event if it happens by the last day on study, else censored."""
    dosed = (adsl["SAFFL"] == "Y").to_numpy()
    is_event = dosed & (event <= last)
    t = np.where(is_event, event, last)[dosed].astype(int)
    censor = np.where(adsl["DCDECOD"] == "COMPLETED", "END OF STUDY", adsl["DCDECOD"])
    out = subject_vars(adsl, TTE_SUBJECT, np.nonzero(dosed)[0])
    start = adsl.loc[dosed, "TRTSDT"].to_numpy("datetime64[D]")
    hit = is_event[dosed]
    out = out.assign(PARAM=name, PARAMCD=code, PARAMN=float(num), STARTDT=start, ADT=start + t * DAY,
                     AVAL=t + 1.0, CNSR=np.where(hit, 0.0, 1.0),
                     EVNTDESC=np.where(hit, np.broadcast_to(event_desc, len(adsl))[dosed], ""),
                     CNSDTDSC=np.where(hit, "", censor[dosed]))
    return out


# ------------------------------------------------------------------------------------------------ ADAE

AE_SUBJECT = ["STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01A", "TRT01AN", "SAFFL", "AGE", "SEX", "RACE",
              "TRTSDT", "TRTEDT"]


def outcome_events(rng: np.random.Generator, adsl: pd.DataFrame, last: np.ndarray, t_death: np.ndarray,
                   causes: list[tuple[str, str, float, int]], stop: list[tuple[str, str]]) -> pd.DataFrame:
    """A fatal adverse event for each death (causes: SOC, PT, probability, most days from onset to death)
    and an adverse event shortly before each discontinuation for an adverse event (stop: SOC, PT)."""
    n = len(adsl)
    trtsdt = adsl["TRTSDT"].to_numpy("datetime64[D]")
    cause = rng.choice(len(causes), n, p=[c[2] for c in causes])
    lead = np.floor(rng.random(n) * (np.array([c[3] for c in causes])[cause] + 1))
    onset = np.maximum(0, np.nan_to_num(t_death) - lead).astype(int)
    which = rng.integers(0, len(stop), n)
    stop_day = np.maximum(0, np.nan_to_num(last) - rng.integers(1, 20, n)).astype(int)
    dead = np.nonzero(adsl["DTHFL"] == "Y")[0]
    left = np.nonzero(adsl["DCSREAS"] == "Adverse Event")[0]
    return pd.concat([
        pd.DataFrame({"i": dead, "ASTDT": trtsdt[dead] + onset[dead] * DAY,
                      "AEBODSYS": [causes[k][0] for k in cause[dead]], "AEDECOD": [causes[k][1] for k in cause[dead]],
                      "serious": True, "fatal": True}),
        pd.DataFrame({"i": left, "ASTDT": trtsdt[left] + stop_day[left] * DAY,
                      "AEBODSYS": [stop[k][0] for k in which[left]], "AEDECOD": [stop[k][1] for k in which[left]],
                      "serious": False, "fatal": False}),
    ], ignore_index=True)


def adverse_events(rng: np.random.Generator, adsl: pd.DataFrame, last: np.ndarray, catalogue: list[AEType],
                   duration: int, explicit: pd.DataFrame, pre_treatment: float = 0.08) -> pd.DataFrame:
    """ADAE: catalogue events by arm over each subject's time on study, pre-treatment events, and the
    `explicit` events (columns i, ASTDT, AEBODSYS, AEDECOD, serious, fatal) such as hospitalisations."""
    n = len(adsl)
    arm = adsl["TRT01PN"].to_numpy(int)
    dosed = (adsl["SAFFL"] == "Y").to_numpy()
    span = np.nan_to_num(last, nan=0) + 1
    trtsdt = adsl["TRTSDT"].to_numpy("datetime64[D]")
    drafts = [explicit.assign(ser_p=1.0, rel_p=0.05)]

    def add(hit, dates, ae):
        drafts.append(pd.DataFrame({"i": np.nonzero(hit)[0], "ASTDT": dates[hit], "AEBODSYS": ae.soc,
                                    "AEDECOD": ae.pt, "serious": False, "fatal": False,
                                    "ser_p": ae.serious, "rel_p": ae.related}))

    for ae in catalogue:
        risk = np.resize(np.asarray(ae.risk), arm.max() + 1)[arm]
        if ae.early:
            onset = rng.integers(0, 7, n)
            add(dosed & (rng.random(n) < risk) & (onset < span), trtsdt + onset * DAY, ae)
            continue
        hit = dosed & (rng.random(n) < 1 - (1 - risk) ** (span / duration))
        add(hit, trtsdt + np.floor(rng.random(n) * span).astype(int) * DAY, ae)
        add(hit & (rng.random(n) < 0.15), trtsdt + np.floor(rng.random(n) * span).astype(int) * DAY, ae)
    later = [ae for ae in catalogue if not ae.early]
    pick = rng.integers(0, len(later), n)
    randdt = adsl["RANDDT"].to_numpy("datetime64[D]")
    until = np.where(dosed, trtsdt - DAY, adsl["EOSDT"].to_numpy("datetime64[D]"))
    pre_date = randdt + np.floor(rng.random(n) * ((until - randdt) // DAY + 1)).astype(int) * DAY
    pre = rng.random(n) < pre_treatment
    for k, ae in enumerate(later):
        add(pre & (pick == k), pre_date, ae)

    d = pd.concat(drafts, ignore_index=True)
    m = len(d)
    fatal = d["fatal"].to_numpy(bool)
    serious = d["serious"].to_numpy(bool) | (rng.random(m) < d["ser_p"].to_numpy())
    sev = rng.choice(SEVERITY, m, p=SEVERITY_P)
    sev = np.where(fatal, "SEVERE", np.where(serious & (sev == "MILD"), "MODERATE", sev))
    rel = np.where(rng.random(m) < d["rel_p"].to_numpy(), rng.choice(["POSSIBLE", "PROBABLE"], m, p=(0.6, 0.4)),
                   rng.choice(["NONE", "REMOTE"], m, p=(0.7, 0.3)))
    outcome = np.where(fatal, "FATAL", rng.choice(OUTCOMES, m, p=OUTCOME_P))
    astdt = d["ASTDT"].to_numpy("datetime64[D]")
    aendt = astdt + (1 + np.floor(rng.exponential(10, m))).astype(int) * DAY
    eosdt = adsl["EOSDT"].to_numpy("datetime64[D]")[d["i"]]
    unresolved = ~fatal & (aendt > eosdt) & np.isin(outcome, ["RECOVERED/RESOLVED", "RECOVERED/RESOLVED WITH SEQUELAE"])
    outcome = np.where(unresolved, "NOT RECOVERED/NOT RESOLVED", outcome)
    aendt = np.where(fatal, adsl["DTHDT"].to_numpy("datetime64[D]")[d["i"]],
                     np.where(np.char.startswith(outcome.astype(str), "RECOVERED/"), aendt, NAT))
    start = trtsdt[d["i"]]
    on_drug = astdt >= start  # False when never dosed (NaT)
    dosing_day = astdt == start
    action = np.where(dosing_day, rng.choice(["DOSE NOT CHANGED", "DRUG WITHDRAWN"], m, p=(0.93, 0.07)),
                      "NOT APPLICABLE")
    out = subject_vars(adsl, AE_SUBJECT, d["i"]).assign(
        AETERM=d["AEDECOD"].str.upper(), AEDECOD=d["AEDECOD"], AEBODSYS=d["AEBODSYS"], ASTDT=astdt,
        ASTDY=study_day((astdt - start) / DAY), AENDT=aendt, AENDY=study_day((aendt - start) / DAY),
        AESEV=sev, AESER=np.where(serious, "Y", "N"), AESHOSP=np.where(serious & ~fatal, "Y", "N"),
        AESDTH=np.where(fatal, "Y", "N"), AEREL=np.where(on_drug, rel, "NONE"), AEACN=action, AEOUT=outcome,
        TRTEMFL=np.where(on_drug, "Y", ""))
    out = out.sort_values(["USUBJID", "ASTDT", "AEDECOD"], kind="stable").reset_index(drop=True)
    out.insert(len(AE_SUBJECT), "AESEQ", out.groupby("USUBJID").cumcount() + 1.0)
    return out


# ------------------------------------------------------------------------------------------------ files


def parquet_bytes(frame: pd.DataFrame, label: str) -> bytes:
    """Parquet with fixed options and no pandas metadata: same frame, same bytes (for one pyarrow version)."""
    fields, arrays = [], []
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            arr = pa.array(col, from_pandas=True).cast(pa.date32())
        elif pd.api.types.is_numeric_dtype(col):
            arr = pa.array(col.to_numpy(float), pa.float64(), from_pandas=True)
        else:
            arr = pa.array([None if v == "" else str(v) for v in col], pa.string())
        fields.append(pa.field(name, arr.type, metadata={"label": LABELS[name]}))
        arrays.append(arr)
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata={"label": label}))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", compression_level=9, version="2.6",
                   data_page_version="1.0", use_dictionary=True, write_statistics=True)
    return sink.getvalue().to_pybytes()


class _Dumper(yaml.SafeDumper):
    """Block style with indented lists and no anchors; short lists of scalars and `where:` mappings of
    variables inline, as people write them: [Week 4, Week 12], {ANL01FL: Y}."""

    def ignore_aliases(self, data) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


def _scalars(values) -> bool:
    return all(not isinstance(x, (dict, list)) for x in values)


def _list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    inline = _scalars(data) and len(str(data)) < 100
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=inline)


def _dict(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    inline = _scalars(data.values()) and all(str(k).isupper() for k in data)
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=inline)


_Dumper.add_representer(list, _list)
_Dumper.add_representer(dict, _dict)


def yaml_text(spec: dict, header: str) -> str:
    """dossier.yaml text: `header` comment, keys in the given order, a blank line before each top-level block."""
    body = yaml.dump(spec, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    lines = body.splitlines()
    lines = [("\n" + line if i and line[:1].isalpha() and line.endswith(":") else line) for i, line in enumerate(lines)]
    return header + "\n".join(lines) + "\n"


def readme(design: Design, product: str, seed: int, datasets: dict[str, tuple[pd.DataFrame, str]], model: str,
           conventions: str) -> str:
    """README.md of a trial folder: the SYNTHETIC notice, the files, the simulation model and ADaM conventions."""
    table = "\n".join([f"| adam/{name}.parquet | {len(frame)} | {frame.shape[1]} | {label} |"
                       for name, (frame, label) in datasets.items()])
    return f"""# {design.study}: synthetic example trial (SYNTHETIC DATA)

**The data in this folder are SYNTHETIC.** They were generated by `datasets/generate.py` with seed {seed}
and represent no real product, patient or study. {product} is a fictional code and "Example Sponsor
(synthetic)" a fictional sponsor. `dossier.yaml` sets `synthetic: true`, so every page of the documents
is marked SYNTHETIC DATA. Do not edit these files by hand: change the generator and run
`python datasets/generate.py` (the test suite checks that this folder is exactly what it writes).

## Files
| file | records | variables | content |
| --- | --- | --- | --- |
{table}

`text/*.md` hold the writer's narrative in English and `text/ja/*.md` the same narrative in Japanese
(used by a Japanese build, `dossier build --lang ja`); analysis titles are given in both languages
(`title: {{en: ..., ja: ...}}`). `briefing.clinical_summary` is deliberately not set, to show the
"text not provided" notice.

## Design and simulation model
- {sum(k for _, k in design.arms)} subjects randomised to {", ".join(a for a, _ in design.arms)}
  (TRT01PN 0-{len(design.arms) - 1}) at {len(design.sites)} sites in Japan and the US between {design.enrol[0]}
  and {design.enrol[1]}; {design.untreated} randomised subjects were never dosed (SAFFL = N, TRT01A blank).
  Data cut-off (ADSL.DCUTDT): {design.cutoff}; no date in any dataset is later.
{model}- About 5% of visits are missed and 2% of single assessments; about 3% of assessments are repeated
  in the window, and only the record nearer the target day has ANL01FL = Y (the other is blank).
- Subjects leave the study early (dropout depends on arm and on the latent disease severity, so it is
  related to the outcome); each visit after leaving gets a last-observation-carried-forward record of
  every parameter (DTYPE = LOCF, ANL01FL = Y, copying the last post-baseline analysis record), so an
  analysis of ANL01FL = Y records is an LOCF analysis, while the MMRM models the observed records only.
- The estimates in the documents are whatever these seeded draws give; they are not hand-set.

## ADaM conventions
Subject-level flags (RANDFL, ITTFL, SAFFL, EFFFL, also where copied onto records) are "Y"/"N";
record-level flags (ABLFL, ANL01FL, TRTEMFL) are "Y" or blank. EFFFL = Y: dosed with at least one
post-baseline value of the primary endpoint. CHG and PCHG are blank on baseline records. ADTTE: AVAL in
days = ADT - STARTDT + 1, STARTDT = TRTSDT, CNSR = 1 for censored. ADAE uses MedDRA SOC and preferred-term
names; AETERM is the preferred term in capitals; AEREL is the causality to the study treatment.
{conventions}"""


def folder_files(trial: dict) -> dict[str, bytes]:
    """Relative path -> bytes of one trial folder, from a trial module's build()."""
    header = (f"# SYNTHETIC example trial: generated by datasets/generate.py (seed {trial['seed']}); it represents\n"
              "# no real product or study. Edit the generator, not this file.\n\n")
    files = {"dossier.yaml": yaml_text(trial["spec"], header).encode(), "README.md": trial["readme"].encode()}
    for name, (frame, label) in trial["datasets"].items():
        files[f"adam/{name}.parquet"] = parquet_bytes(frame, label)
    texts, texts_ja = trial["texts"], trial["texts_ja"]
    if sorted(texts) != sorted(texts_ja):
        raise ValueError(f"{trial['folder']}: English and Japanese texts differ: {sorted(set(texts) ^ set(texts_ja))}")
    for name, text in texts.items():
        files[f"text/{name}"] = text.encode()
    for name, text in texts_ja.items():
        files[f"text/ja/{name}"] = text.encode()
    if trial.get("meddra"):
        files["meddra_ja.csv"] = meddra_csv(trial["meddra"])
    return files


def bilingual(value, japanese: dict[str, str]):
    """`value` (a dossier.yaml mapping) with every text that `japanese` translates given in both languages
    ({en: text, ja: japanese[text]}), and every quarter date "2027 Q3" as `quarter` gives it."""
    import re

    if isinstance(value, dict):
        if set(value) <= {"en", "ja"} and value:
            return value  # already per language
        return {k: bilingual(v, japanese) for k, v in value.items()}
    if isinstance(value, list):
        return [bilingual(v, japanese) for v in value]
    if isinstance(value, str):
        if value in japanese:
            return {"en": value, "ja": japanese[value]}
        match = re.fullmatch(r"(\d{4}) Q([1-4])", value)
        if match:
            return quarter(int(match.group(1)), int(match.group(2)))
    return value


def quarter(year: int, q: int) -> dict[str, str]:
    """A schedule date given as a quarter, in both document languages."""
    return {"en": f"{year} Q{q}", "ja": f"{year}年第{q}四半期"}


# The examples' own Japanese for the MedDRA terms their generators use (dossier.yaml `meddra_ja:`). These are
# translations written for the synthetic examples, NOT MedDRA/J (licensed by JMO, never bundled).
MEDDRA_SOC_JA = {
    "Cardiac disorders": "心臓障害",
    "Gastrointestinal disorders": "胃腸障害",
    "General disorders and administration site conditions": "一般・全身障害および投与部位の状態",
    "Infections and infestations": "感染症および寄生虫症",
    "Injury, poisoning and procedural complications": "傷害、中毒および処置合併症",
    "Investigations": "臨床検査",
    "Metabolism and nutrition disorders": "代謝および栄養障害",
    "Musculoskeletal and connective tissue disorders": "筋骨格系および結合組織障害",
    "Nervous system disorders": "神経系障害",
    "Psychiatric disorders": "精神障害",
    "Renal and urinary disorders": "腎および尿路障害",
    "Respiratory, thoracic and mediastinal disorders": "呼吸器、胸郭および縦隔障害",
    "Vascular disorders": "血管障害",
}
MEDDRA_PT_JA = {
    "Acute kidney injury": "急性腎障害", "Angina pectoris": "狭心症", "Anxiety": "不安",
    "Atrial fibrillation": "心房細動", "Back pain": "背部痛", "Cardiac arrest": "心停止", "Cardiac failure": "心不全",
    "Catheter site haematoma": "カテーテル留置部位血腫", "Constipation": "便秘", "Cough": "咳嗽",
    "Diarrhoea": "下痢", "Dizziness": "浮動性めまい", "Dyskinesia": "ジスキネジア", "Dyspnoea": "呼吸困難",
    "Fall": "転倒", "Fatigue": "疲労", "Haemorrhage intracranial": "頭蓋内出血", "Hallucination": "幻覚",
    "Headache": "頭痛", "Hyperkalaemia": "高カリウム血症", "Hypokalaemia": "低カリウム血症", "Hypotension": "低血圧",
    "Insomnia": "不眠症", "Nasopharyngitis": "鼻咽頭炎", "Nausea": "悪心", "Non-cardiac chest pain": "非心臓性胸痛",
    "Oedema peripheral": "末梢性浮腫", "Orthostatic hypotension": "起立性低血圧", "Pneumonia": "肺炎",
    "Procedural pain": "処置による疼痛", "Pyrexia": "発熱", "Sepsis": "敗血症", "Somnolence": "傾眠",
    "Sudden cardiac death": "心臓突然死", "Troponin increased": "トロポニン増加", "Urinary tract infection": "尿路感染",
    "Ventricular tachycardia": "心室性頻脈",
}


def meddra_terms(pairs) -> list[tuple[str, str, str]]:
    """(level, en, ja) of the SOCs and PTs in `pairs` ((soc, pt) ...), sorted: the trial's meddra_ja.csv rows."""
    socs = {soc for soc, _ in pairs}
    pts = {pt for _, pt in pairs}
    return [("SOC", soc, MEDDRA_SOC_JA[soc]) for soc in sorted(socs)] + \
        [("PT", pt, MEDDRA_PT_JA[pt]) for pt in sorted(pts)]


def meddra_csv(rows: list[tuple[str, str, str]]) -> bytes:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("level", "en", "ja"))
    writer.writerows(rows)
    return buffer.getvalue().encode()


def titled(en: str, ja: str) -> dict[str, str]:
    """An analysis title in both document languages (dossier.yaml `title: {en: ..., ja: ...}`)."""
    return {"en": en, "ja": ja}


# the documents' version on their covers (briefing, sakigake and orphan `version:`)
VERSION = {"en": "0.1 (synthetic example)", "ja": "0.1（合成データによる例示）"}


# the front matter both synthetic trials share (dossier/document/matter.py); every fact is invented (SYNTHETIC)
APPLICANT = {
    "name": {"en": "Example Sponsor K.K. (synthetic)", "ja": "例示スポンサー株式会社（架空）"},
    "address": {"en": "1-1 Example-cho, Chiyoda-ku, Tokyo (synthetic)", "ja": "東京都千代田区例示町1-1（架空）"},
    "contact": {"en": "Regulatory Affairs, Taro Example (synthetic)", "ja": "薬事部　例示太郎（架空）"},
    "phone": "+81-3-0000-0000", "email": "regulatory@example.com",
}
MHLW_2007 = {"key": "mhlw-2007", "citation": {"en": "MHLW. Basic principles on global clinical trials (Notification "
                                      "No. 0928010, 28 September 2007).",
                                      "ja": "厚生労働省．国際共同治験に関する基本的考え方について（平成19年9月28日 "
                                      "薬食審査発第0928010号）．"}}
