"""Analysis types: one module per type, dossier/analyses/<type>.py, declaring everything about it as its
`TYPE` (a dossier.analyses.registry.AnalysisType: options model, variables, documents, evidence, key
results); its statistics are in the module its declaration names (`implementation`, by convention
<type>_stats.py), which is imported only when needed (the statistics stack is slow to import).

The declaration's
    variables(analysis, trial) -> dict[str, Variables]
        dataset name (lower case) -> the variables (upper case) analyses of this type read, by the
        analysis and by its checks in dossier.data.validate: `required` ones (validation reports each one
        missing) and `optional` ones (used when the dataset has them). The one declaration both of
        validation and of loading: only the declared variables are read from the files, so a variable
        read but not declared would silently be absent (tests/test_declared_variables.py guards this).
The implementation's
    run(analysis, trial, data) -> AnalysisResult
        the computation; raw numbers only (formatting happens in dossier.document.formatting).
    check_dataset / check_parameter / check_records (optional)
        the type's own data checks, called by dossier.data.validate (see its docstring).

`data` is a `dossier.data.datasets.TrialData`: `data.frame("adsl")` gives a validated DataFrame with
upper-case column names, character values stripped ("" for blank; pandas Categorical when loaded from a
file) and numeric columns as float.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Variables:
    """The variables of one dataset an analysis reads: `required` (must be present) and `optional`."""

    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()

    @classmethod
    def of(cls, required=(), optional=()) -> Variables:
        """Upper-cased names; a variable both required and optional is required."""
        needed = frozenset(v.upper() for v in required)
        return cls(needed, frozenset(v.upper() for v in optional) - needed)

    @property
    def all(self) -> frozenset[str]:
        return self.required | self.optional


def required_of(declared: dict[str, Variables]) -> dict[str, set[str]]:
    """dataset -> required variables, from a module's `variables()`."""
    return {name: set(v.required) for name, v in declared.items()}


def declared(analysis, trial) -> dict[str, Variables]:
    """dataset -> Variables of one analysis, as its type declares them."""
    from dossier.analyses.registry import get

    return get(analysis.type).variables(analysis, trial)


_ADSL_NAMES = re.compile(
    r"^(TRT\d\d[PA]N?|TRTSEQ[PA]N?|SITEID|SITEGR\d+N?|AGE|AGEU|AGEGR\d+N?|SEX|SEXN|RACE|RACEN|RACEGR\d+N?|ETHNIC|"
    r"ETHNICN|COUNTRY|REGION\d*N?|STRAT\w*|ARM|ACTARM|ARMCD|[A-Z0-9]+BL|[A-Z0-9]+BLGR\d+N?|[A-Z0-9]+FL)$")
_RECORD_NAMES = re.compile(r"^(BASE\w*|B[A-Z]*GR\d+N?|BNRIND|BTOXGR|AVISITN|ADY|ATPTN|TRT[PA]N?|APERIODN?)$")


def declared_location(variable: str) -> str | None:
    """Where a covariate is expected by ADaM naming: "record", "adsl", or None when it cannot be told.

    Only used to declare needs before loading; at run time the variable is taken from the analysis
    records when present there, else from ADSL.
    """
    if _RECORD_NAMES.match(variable):
        return "record"
    if _ADSL_NAMES.match(variable):
        return "adsl"
    return None
