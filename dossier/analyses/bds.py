"""By-visit BDS records, shared by the analyses of ADaM BDS datasets by parameter and visit (laboratory,
vital_signs, by_visit; change_from_baseline and mmrm take their visit order from here).

Record selection (`select`): the records of the analysis's parameters (PARAMCD in `params`, every parameter
when empty) that pass `where`, of the population's subjects with a non-blank arm (the arm from ADSL); derived
records (DTYPE not blank, e.g. LOCF) are left out unless `where` names DTYPE; one record per subject,
parameter and visit (else one line suggesting a `where` filter such as ANL01FL: Y or ATPTN). Baseline records:
ABLFL = "Y", else AVISITN = 0; post-baseline records: AVISITN > 0, else ABLFL not "Y" at a named visit.
Visits are ordered by their smallest AVISITN, then by name. Summaries (`summaries`): n, mean, SD, median, min
and max of a numeric variable by parameter, visit and arm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dossier import errors
from dossier.analyses import options
from dossier.analyses.model import Count, MeanSD, Number, Range, Row, Table, Term, Text
from dossier.data import columns as cols
from dossier.data import selection
from dossier.errors import AnalysisError
from dossier.stats import core as st

RECORD = ("USUBJID", "PARAMCD", "AVISIT", "AVAL")
VISIT_OPTIONAL = ("PARAM", "PARAMN", "AVISITN", "ABLFL", "DTYPE")
SUMMARY = ("n", "mean", "sd", "median", "min", "max")
WIDE_ARMS = 5


# ------------------------------------------------------------------------------------------ visits


def visit_text(value: float) -> str:
    """A numeric AVISIT (a CSV with visit numbers) as text: 4.0 -> "4"."""
    if pd.isna(value):
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def natural_key(text: str) -> list:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def visit_order(records: pd.DataFrame) -> list[str]:
    """The visits (AVISIT as text) by their smallest AVISITN (when numeric), then by name."""
    visit = records["AVISIT"]
    if "AVISITN" in records.columns and pd.api.types.is_numeric_dtype(records["AVISITN"]):
        if cols.is_categorical(visit):  # the smallest AVISITN per category, named by the category's text
            texts = [str(c) for c in visit.cat.categories] + ["nan"]  # code -1 reads "nan", as astype(str)
            by_code = records["AVISITN"].groupby(visit.cat.codes.to_numpy()).min()
            first = pd.Series(by_code.to_numpy(), index=[texts[c] for c in by_code.index])
        else:
            first = records.assign(_V=visit.astype(str)).groupby("_V")["AVISITN"].min()
        return sorted(first.index, key=lambda v: (np.inf if pd.isna(first[v]) else first[v], natural_key(v)))
    return sorted(cols.text_set(visit), key=natural_key)


# ------------------------------------------------------------------------------------------ records


@dataclass(frozen=True)
class Records:
    """The selected records: `frame` has USUBJID, ARM (the arm), PARAMCD, AVISIT (text), AVAL, the variables
    read, BASELINE and POST (booleans); `params` in display order with their `labels`; `visits` in order
    (baseline visits first); `arm_n` the population subjects per arm; `notes` warnings; `derived` the number
    of derived (DTYPE) records left out."""

    frame: pd.DataFrame
    arms: tuple[str, ...]
    arm_n: dict[str, int]
    params: tuple[str, ...]
    labels: dict[str, str]
    visits: tuple[str, ...]
    notes: tuple[str, ...]
    derived: int
    dataset: str


ARM = "__ARM__"


def select(analysis, trial, data, read=(), numeric=("AVAL",)) -> Records:
    """The analysis's records (see the module docstring); AnalysisError (one line) for what cannot be analysed."""
    s = options.setting(analysis, trial)
    name = selection.analysis_dataset(analysis, data)
    where = f"dataset {name}"
    adsl = data.frame("adsl")
    subjects, arms, notes = selection.population_subjects(analysis, adsl, s)
    frame = data.frame(name)
    selection.require_columns(frame, name, RECORD, analysis)
    selection.require_columns(frame, name, [v for v, _ in s.where], analysis, what="'where' variable")
    known = cols.text_set(frame["PARAMCD"]) - {""}
    params = analysis.param_codes() or _param_order(frame, known)
    for p in params:
        if p not in known:
            from dossier.config.yaml_lines import did_you_mean

            raise AnalysisError(f"analysis {analysis.id!r}: params: {name} has no records with PARAMCD = {p!r}"
                                f"{did_you_mean(p, known)}", where=where)
    rows = cols.text_in(frame["PARAMCD"], params)
    if s.where:
        rows &= selection.where_mask(frame, s.where)
    derived = 0
    if "DTYPE" in frame.columns and "DTYPE" not in {v for v, _ in s.where}:
        observed = cols.text_in(frame["DTYPE"], [""])
        derived = int((rows & ~observed).sum())
        rows &= observed
    position = cols.positions(subjects["USUBJID"].drop_duplicates(), frame["USUBJID"])
    rows &= position >= 0
    if not rows.any():
        raise AnalysisError(f"analysis {analysis.id!r}: no {name} records of {errors.listing(map(str, params), errors.ANALYSIS_LISTED)} belong to subjects "
                            f"of population {s.population} after the filters", where=where)
    columns = [c for c in dict.fromkeys([*RECORD, *VISIT_OPTIONAL, *read, *(v for v, _ in s.where)])
               if c in frame.columns]
    records = cols.take_rows(frame, rows, columns, new_index=True)
    for variable in numeric:
        if variable in records.columns and not pd.api.types.is_numeric_dtype(records[variable]):
            text = cols.as_str(records[variable])
            bad = text[pd.to_numeric(text, errors="coerce").isna() & (text != "")]
            shown = f"; e.g. {bad.iloc[0]!r} (PARAMCD {records['PARAMCD'].iloc[bad.index[0]]})" if len(bad) else ""
            raise AnalysisError(f"analysis {analysis.id!r}: {name} variable {variable} must be numeric for a "
                                f"continuous summary{shown}", where=where)
    arm_of = cols.as_str(subjects.drop_duplicates("USUBJID")[s.arm]).to_numpy()
    records[ARM] = arm_of[position[rows]]
    records["PARAMCD"] = cols.as_str(records["PARAMCD"]).to_numpy()
    records["USUBJID"] = cols.as_str(records["USUBJID"]).to_numpy()  # plain text: groupings see only present subjects
    if pd.api.types.is_numeric_dtype(records["AVISIT"]):
        records["AVISIT"] = records["AVISIT"].map(visit_text)
    else:
        records["AVISIT"] = cols.as_str(records["AVISIT"]).to_numpy()
    records = _flag_visits(records)
    labels = _labels(records, params)
    visits = _visits(records, analysis, name)
    records = records[records["AVISIT"].isin(visits) | records["POST"]].reset_index(drop=True)
    _one_per_visit(records[records["AVISIT"] != ""], analysis, name)
    arm_n = subjects.groupby(s.arm, observed=True).size().to_dict()
    return Records(records, arms, {a: int(arm_n.get(a, 0)) for a in arms}, tuple(params), labels, tuple(visits),
                   tuple(notes), derived, name)


def _param_order(frame: pd.DataFrame, known: set[str]) -> list[str]:
    """Every parameter: by PARAMN when numeric, then by code."""
    if "PARAMN" in frame.columns and pd.api.types.is_numeric_dtype(frame["PARAMN"]):
        first = pd.Series(frame["PARAMN"].to_numpy(), index=cols.as_str(frame["PARAMCD"])).groupby(level=0).min()
        return sorted(known, key=lambda p: (first.get(p, np.inf), p))
    return sorted(known)


def _flag_visits(records: pd.DataFrame) -> pd.DataFrame:
    named = (records["AVISIT"] != "").to_numpy()
    numbered = "AVISITN" in records.columns and pd.api.types.is_numeric_dtype(records["AVISITN"])
    if "ABLFL" in records.columns:
        baseline = cols.text_in(records["ABLFL"], ["Y"])
    elif numbered:
        baseline = (records["AVISITN"] == 0).to_numpy()
    else:
        baseline = np.zeros(len(records), dtype=bool)
    post = named & ((records["AVISITN"] > 0).to_numpy() if numbered else ~baseline)
    return records.assign(BASELINE=baseline, POST=post & ~baseline)


def _labels(records: pd.DataFrame, params) -> dict[str, str]:
    out = {}
    for p in params:
        label = ""
        if "PARAM" in records.columns:
            values = [v for v in cols.as_str(records.loc[records["PARAMCD"] == p, "PARAM"]).unique() if v]
            label = values[0] if len(values) == 1 else ""
        out[p] = label or p
    return out


def _visits(records: pd.DataFrame, analysis, name: str) -> list[str]:
    named = records[records["AVISIT"] != ""]
    order = visit_order(named[[c for c in ("AVISIT", "AVISITN") if c in named.columns]])
    if analysis.visits:
        missing = [v for v in analysis.visits if v not in set(order)]
        if missing:
            from dossier.config.yaml_lines import did_you_mean

            raise AnalysisError(f"analysis {analysis.id!r}: visits: {name} has no AVISIT = {missing[0]!r} records of "
                                f"the analysis's parameters{did_you_mean(missing[0], order)}", where=f"dataset {name}")
        return list(dict.fromkeys(analysis.visits))
    baseline = set(named.loc[named["BASELINE"], "AVISIT"])
    post = set(named.loc[named["POST"], "AVISIT"])
    return [v for v in order if v in baseline] + [v for v in order if v in post and v not in baseline]


def _one_per_visit(records: pd.DataFrame, analysis, name: str) -> None:
    dup = records.duplicated(["USUBJID", "PARAMCD", "AVISIT"], keep=False)
    if dup.any():
        first = records[dup].iloc[0]
        raise AnalysisError(
            f"analysis {analysis.id!r}: {name} has more than one record per subject, parameter and visit for "
            f"{records.loc[dup, 'USUBJID'].nunique()} subject(s) (e.g. USUBJID {first['USUBJID']!r}, PARAMCD "
            f"{first['PARAMCD']!r} at {first['AVISIT']!r}); select one record per visit with a filter such as "
            "where: {ANL01FL: Y} or {ATPTN: ...}", where=f"dataset {name}")


def change(records: pd.DataFrame) -> pd.Series:
    """CHG of the post-baseline records (AVAL - BASE when the dataset has no CHG); missing elsewhere."""
    if "CHG" in records.columns and pd.api.types.is_numeric_dtype(records["CHG"]):
        chg = records["CHG"].astype(float)
    elif "BASE" in records.columns and pd.api.types.is_numeric_dtype(records["BASE"]):
        chg = records["AVAL"].astype(float) - records["BASE"].astype(float)
    else:
        return pd.Series(np.nan, index=records.index)
    return chg.where(records["POST"].to_numpy())


# ------------------------------------------------------------------------------------------ summaries


def summaries(records: pd.DataFrame, column: str) -> dict:
    """{(PARAMCD, AVISIT, arm): {n, mean, sd, median, min, max}} of the non-missing values of `column`."""
    present = records[records[column].notna()]
    grouped = present.groupby(["PARAMCD", "AVISIT", ARM], sort=False)[column]
    out = grouped.agg(["size", "mean", "std", "median", "min", "max"])
    f = st.finite_or_none
    return {key: {"n": int(r["size"]), "mean": f(r["mean"]), "sd": f(r["std"]), "median": f(r["median"]),
                  "min": f(r["min"]), "max": f(r["max"])} for key, r in out.iterrows()}


def empty_summary() -> dict:
    return {"n": 0, "mean": None, "sd": None, "median": None, "min": None, "max": None}


def summary_rows(prefix: str, values: list[dict], d: int) -> list[Row]:
    """n, mean (SD), median, min, max rows (glossary bds_<prefix>_...) of one visit, one cell per arm."""
    return [Row((Term(f"bds_{prefix}_n"), *(Count(x["n"]) for x in values)), level=1),
            Row((Term(f"bds_{prefix}_mean_sd"), *(MeanSD(x["mean"], x["sd"], d + 1) for x in values)), level=1),
            Row((Term(f"bds_{prefix}_median"), *(Number(x["median"], d + 1) for x in values)), level=1),
            Row((Term(f"bds_{prefix}_min_max"), *(Range(x["min"], x["max"], d) for x in values)), level=1)]


def visit_rows(param: str, visits, arms, values: dict, changes: dict, d: int, baseline_visits) -> list[Row]:
    """Rows of a by-visit table of one parameter: per visit the value's summary and, after baseline, the change's."""
    rows: list[Row] = []
    for visit in visits:
        rows.append(Row((Text(visit, "AVISIT"), *([None] * len(arms))), emphasis=True))
        rows += summary_rows("value", [values.get((param, visit, a)) or empty_summary() for a in arms], d)
        if visit not in baseline_visits:
            rows += summary_rows("change", [changes.get((param, visit, a)) or empty_summary() for a in arms], d)
    return rows


def visit_summaries(analysis, trial, data, read=()):
    """The records of a by-visit analysis with CHG, and their value and change summaries by (param, visit,
    arm): (records, frame, values, changes, baseline visits)."""
    records = select(analysis, trial, data, read=read)
    frame = records.frame.assign(CHG=change(records.frame))
    baseline_visits = set(frame.loc[frame["BASELINE"], "AVISIT"])
    return records, frame, summaries(frame, "AVAL"), summaries(frame, "CHG"), baseline_visits


def visit_evidence(param, records, values, changes, baseline_visits) -> dict:
    """evidence `visits`: by visit and arm the value summary, and after baseline the change summary."""
    return {visit: {a: {"value": values.get((param, visit, a)) or empty_summary(),
                        **({} if visit in baseline_visits else
                           {"change": changes.get((param, visit, a)) or empty_summary()})}
                    for a in records.arms} for visit in records.visits}


def visits_table(analysis, records, frame, values, changes, baseline_visits, param: str, title_key: str,
                 notes) -> Table:
    """The by-visit table of one parameter: value and change by visit and arm."""
    return Table(key=table_key(analysis.id, param),
                 title=Term(title_key, (("param", Text(records.labels[param], "PARAM")),)),
                 columns=arm_header(Term("bds_visit_statistic"), records.arms, records.arm_n),
                 rows=tuple(visit_rows(param, records.visits, records.arms, values, changes, decimals(frame, param),
                                       baseline_visits)),
                 footnotes=(Term("bds_footnote_visits"), *notes), wide=len(records.arms) > WIDE_ARMS)


def arm_header(first: Term, arms, arm_n: dict) -> tuple:
    return (first, *(Term("bds_arm_n", (("arm", a), ("n", int(arm_n.get(a, 0))))) for a in arms))


def table_key(analysis_id: str, *parts: str) -> str:
    """A table key (a file name of tables/) from the analysis id and data values such as a PARAMCD."""
    return "-".join([analysis_id, *(re.sub(r"[^a-z0-9]+", "-", p.lower()).strip("-") or "x" for p in parts)])


def derived_note(records: Records) -> list[Term]:
    return [Term("bds_footnote_derived", (("n", records.derived),))] if records.derived else []


def decimals(records: pd.DataFrame, param: str) -> int:
    return st.recorded_decimals(records.loc[records["PARAMCD"] == param, "AVAL"])


def subject_visits(records: pd.DataFrame) -> pd.DataFrame:
    """The post-baseline records (POST), the ones "worst" and "any" are taken over."""
    return records[records["POST"].to_numpy()]


# ------------------------------------------------------------------------------------------ thresholds


def limits_of(records: pd.DataFrame, reference: str | None) -> pd.Series:
    """Per record the multiplier of a threshold: 1 for an absolute limit, ULN (A1HI, else ANRHI) or LLN (A1LO,
    else ANRLO) of the record's reference range."""
    if reference is None:
        return pd.Series(1.0, index=records.index)
    for column in (("A1HI", "ANRHI") if reference == "ULN" else ("A1LO", "ANRLO")):
        if column in records.columns and pd.api.types.is_numeric_dtype(records[column]):
            return records[column].astype(float)
    return pd.Series(np.nan, index=records.index)


def beyond(values: pd.Series, op: str, limit: pd.Series) -> np.ndarray:
    v, x = values.to_numpy(dtype=float), limit.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        hit = {">": v > x, ">=": v >= x, "<": v < x, "<=": v <= x}[op]
    return hit & np.isfinite(v) & np.isfinite(x)


def threshold_counts(records: Records, criteria, analysis, name: str) -> tuple[list[dict], list[str]]:
    """Per criterion, by arm: subjects with at least one post-baseline value beyond it (`counts`) among the
    subjects with at least one post-baseline value and, for a ULN/LLN limit, a reference limit (`N`)."""
    post = subject_visits(records.frame)
    out, notes = [], []
    for c in criteria:
        rows = post[(post["PARAMCD"] == c.param).to_numpy() & post["AVAL"].notna().to_numpy()]
        limit = limits_of(rows, c.reference) * c.limit
        if c.reference is not None and limit.isna().all():
            notes.append(f"analysis {analysis.id!r}: thresholds.{c.param}: {name} has no {c.reference} (A1HI/ANRHI "
                         "for ULN, A1LO/ANRLO for LLN) on the post-baseline records; the threshold was not evaluated")
            continue
        rows = rows[limit.notna().to_numpy()]
        hit = beyond(rows["AVAL"], c.op, limit[limit.notna()])
        out.append({"param": c.param, "criterion": c.text,
                    "counts": per_arm(rows.loc[hit, ["USUBJID", ARM]], records.arms),
                    "N": per_arm(rows[["USUBJID", ARM]], records.arms)})
    return out, notes


def per_arm(rows: pd.DataFrame, arms) -> dict[str, int]:
    """Distinct subjects by arm."""
    counts = rows.drop_duplicates("USUBJID")[ARM].value_counts()
    return {a: int(counts.get(a, 0)) for a in arms}


def threshold_rows(found: list[dict], labels: dict[str, str], arms) -> list[Row]:
    rows: list[Row] = []
    for param in dict.fromkeys(t["param"] for t in found):
        rows.append(Row((Text(labels.get(param, param), "PARAM"), *([None] * len(arms))), emphasis=True))
        for t in (t for t in found if t["param"] == param):
            rows.append(Row((Text(t["criterion"]), *(Count(t["counts"][a], t["N"][a]) for a in arms)), level=1))
    return rows


# ------------------------------------------------------------------------------------------ checks (dossier.data.validate)


def check_dataset(c) -> list:
    """Every parameter of `params` and of `thresholds` has records in the dataset (with did-you-mean); AVAL is
    numeric for a continuous summary."""
    from dossier.config.yaml_lines import did_you_mean
    from dossier.data.columns import texts as _texts
    from dossier.errors import Problem

    if "PARAMCD" not in c.frame.columns:
        return []
    known = _texts(c.frame["PARAMCD"]) - {""}
    problems = []
    named = [("params", p) for p in c.analysis.param_codes()]
    named += [(f"thresholds.{p}", p.upper()) for p in getattr(c.analysis, "thresholds", {})]
    for key, param in named:
        if param not in known:
            problems.append(Problem(c.where(c.name, "PARAMCD"), f"no records with PARAMCD = {param!r}, named by "
                                    f"dossier.yaml {key} {c.tag}{did_you_mean(param, known)}"))
    if "AVAL" in c.frame.columns and getattr(c.analysis, "summary", "arithmetic") != "positive" \
            and not pd.api.types.is_numeric_dtype(c.frame["AVAL"]):
        text = cols.as_str(c.frame["AVAL"])
        bad = text.index[(pd.to_numeric(text, errors="coerce").isna() & (text != "")).to_numpy()]
        if len(bad):
            problems.append(Problem(c.where(c.name, "AVAL"), f"must be numeric for a continuous summary; row "
                                    f"{bad[0] + 1} holds {text[bad[0]]!r} {c.tag}"))
    return list(dict.fromkeys(problems))


# ------------------------------------------------------------------------------------------ responders (change_from_baseline, mmrm)

MCID_TOLERANCE = 1e-9  # CHG computed as AVAL - BASE in floating point (e.g. 4.999999999 for 5)


def responders(records: pd.DataFrame, visits, arms, arm: str, mcid: float, improvement: str, level: float) -> dict:
    """Observed responders by visit and arm among the records with a CHG (CHG >= mcid, or <= -mcid for
    "decrease"), with exact Clopper-Pearson CIs: {visit: {arm: {n, N, rate, ci}}}."""
    analysed = records[records["CHG"].notna()]
    tol = MCID_TOLERANCE * max(1.0, abs(mcid))
    hit = analysed["CHG"] >= mcid - tol if improvement == "increase" else analysed["CHG"] <= -mcid + tol
    counts = analysed.assign(_R=hit.astype(int), _V=cols.as_str(analysed["AVISIT"]),
                             _A=cols.as_str(analysed[arm])).groupby(["_V", "_A"])["_R"].agg(["sum", "size"])
    out: dict[str, dict] = {}
    for visit in visits:
        per_arm = {}
        for a in arms:
            k, n = (int(counts.loc[(visit, a), "sum"]), int(counts.loc[(visit, a), "size"])) \
                if (visit, a) in counts.index else (0, 0)
            lo, hi = st.clopper_pearson(k, n, level)
            per_arm[a] = {"n": k, "N": n, "rate": k / n if n else None, "ci": [lo, hi]}
        out[visit] = per_arm
    return out


def responder_rows(visits, arms, responders: dict, level, prefix: str) -> tuple[Row, ...]:
    """Per visit: n/N (%) and the CI in percent (glossary <prefix>_responders_n, <prefix>_responders_ci)."""
    from dossier.analyses.model import Fraction

    rows: list[Row] = []
    for visit in visits:
        per_arm = [responders[visit][a] for a in arms]
        rows.append(Row((Text(visit, "AVISIT"), *([None] * len(arms))), emphasis=True))
        rows.append(Row((Term(f"{prefix}_responders_n"), *(Fraction(x["n"], x["N"]) for x in per_arm)), level=1))
        rows.append(Row((Term(f"{prefix}_responders_ci", (("level", level),)),
                         *(Range(None if x["ci"][0] is None else 100 * x["ci"][0],
                                 None if x["ci"][1] is None else 100 * x["ci"][1], 1) for x in per_arm)), level=1))
    return tuple(rows)


def responders_table(analysis, prefix: str, title, columns: tuple, visits, arms, responders: dict, level) -> Table:
    """The observed responders by visit (change_from_baseline and mmrm, glossary keys `<prefix>_...`)."""
    key = f"{prefix}_responder_increase" if analysis.improvement == "increase" else f"{prefix}_responder_decrease"
    footnotes = (Term(key, (("mcid", float(analysis.mcid)),)), Term(f"{prefix}_footnote_responders"))
    return Table(key=f"{analysis.id}-responders", title=title, columns=columns,
                 rows=responder_rows(visits, arms, responders, level, prefix), footnotes=footnotes,
                 wide=len(arms) > WIDE_ARMS)
