"""Analysis types: one module per type, dossier/analyses/<type>.py, declaring everything about it as its
`TYPE` (a dossier.analyses.registry.AnalysisType: options model, documents, evidence, key results); its
statistics are in the module its declaration names (`implementation`, by convention <type>_stats.py), which
is imported only when needed (the statistics stack is slow to import). That module exposes:

    variables(analysis, trial) -> dict[str, Variables]
        dataset name (lower case) -> the variables (upper case) analyses of this type read, by the
        analysis and by its checks in dossier.validate: `required` ones (validation reports each one
        missing) and `optional` ones (used when the dataset has them). The one declaration both of
        validation and of loading: only the declared variables are read from the files, so a variable
        read but not declared would silently be absent (tests/test_declared_variables.py guards this).
    run(analysis, trial, data) -> AnalysisResult
        the computation; raw numbers only (formatting happens in dossier.formatting).
    check_dataset / check_parameter / check_records (optional)
        the type's own data checks, called by dossier.validate (see its docstring).

`data` is a `dossier.datasets.TrialData`: `data.frame("adsl")` gives a validated DataFrame with
upper-case column names, character values stripped ("" for blank; pandas Categorical when loaded from a
file) and numeric columns as float.
"""

from __future__ import annotations

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
