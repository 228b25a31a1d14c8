"""Typed errors. The CLI turns every DossierError into a one-line message and an exit code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the user's input: where it is and what is wrong."""

    where: str  # file, optionally with key path / column / row, e.g. "dossier.yaml: analyses[2].param"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class DossierError(Exception):
    """Base of every error the user can cause. exit_code is what the CLI returns."""

    exit_code = 1

    def __init__(self, problems: list[Problem] | Problem | str, where: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem(where, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SpecError(DossierError):
    """dossier.yaml is missing, malformed or inconsistent."""


class DataError(DossierError):
    """A dataset is missing, unreadable, or does not hold what an analysis needs."""


class AnalysisError(DossierError):
    """An analysis cannot be computed from valid-looking data."""


class RenderError(DossierError):
    """A template or writer's text cannot be rendered."""


class OutputError(DossierError):
    """The output folder cannot be written or verified."""


class UsageError(DossierError):
    """Wrong command-line usage."""

    exit_code = 2
