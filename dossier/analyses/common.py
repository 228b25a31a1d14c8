"""Helpers shared by the analysis modules: populations, arms, record filters, precision."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dossier.spec import Analysis, TrialSpec


@dataclass(frozen=True)
class Setting:
    """The effective population flag, arm variable, reference arm and filters of one analysis."""

    population: str
    arm: str
    reference: str | None
    where: tuple[tuple[str, tuple[str, ...]], ...]
    confidence: float


def setting(analysis: Analysis, trial: TrialSpec) -> Setting:
    where = tuple(
        (name.upper(), tuple(str(v) for v in (values if isinstance(values, list) else [values])))
        for name, values in sorted(analysis.where.items())
    )
    return Setting(
        population=(analysis.population or trial.population).upper(),
        arm=(analysis.arm or trial.arm).upper(),
        reference=trial.reference_arm,
        where=where,
        confidence=trial.confidence_level,
    )


def population(adsl: pd.DataFrame, flag: str) -> pd.DataFrame:
    """ADSL rows of the analysis population (flag == "Y")."""
    return adsl[adsl[flag] == "Y"]


def arm_order(subjects: pd.DataFrame, arm: str, reference: str | None) -> tuple[str, ...]:
    """Arm values in display order: by the numeric code `<ARM>N` when ADSL has it (TRT01AN for
    TRT01A), else alphabetically; the reference arm first when there is no numeric code."""
    values = [v for v in subjects[arm].unique() if v != ""]
    code = arm + "N"
    if code in subjects.columns and pd.api.types.is_numeric_dtype(subjects[code]):
        codes = subjects.groupby(arm)[code].min()
        return tuple(sorted(values, key=lambda v: (codes.get(v, math.inf), v)))
    ordered = sorted(values)
    if reference in ordered:
        ordered.remove(reference)
        ordered.insert(0, reference)
    return tuple(ordered)


def apply_where(records: pd.DataFrame, where: tuple[tuple[str, tuple[str, ...]], ...]) -> pd.DataFrame:
    """Keep the records whose variables take one of the required values (compared as text)."""
    mask = pd.Series(True, index=records.index)
    for name, values in where:
        column = records[name]
        if pd.api.types.is_numeric_dtype(column):
            wanted = [float(v) for v in values if _is_number(v)]
            mask &= column.isin(wanted)
        else:
            mask &= column.astype(str).isin(values)
    return records[mask]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def decimals_of(values: pd.Series, cap: int = 3) -> int:
    """Number of decimals the data are recorded with (0 for integers), capped at `cap`."""
    finite = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if finite.size == 0:
        return 0
    for d in range(cap + 1):
        if np.allclose(finite, np.round(finite, d), rtol=0, atol=1e-9):
            return d
    return cap


def finite_or_none(x: float | None) -> float | None:
    """A JSON-safe float: None for NaN/inf."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None
