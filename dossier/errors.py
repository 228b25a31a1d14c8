"""Typed errors. The CLI turns every DossierError into a one-line message and an exit code."""

from __future__ import annotations

import errno
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


class FinalError(DossierError):
    """`status: final` (or `build --final`) and the documents would show a fallback or a warning."""


class OutputError(DossierError):
    """The output folder cannot be written or verified."""


class WordImportError(DossierError):
    """A DOCX given to `dossier import` is not one dossier built, or cannot be read."""


class UsageError(DossierError):
    """Wrong command-line usage."""

    exit_code = 2


class EnvironmentProblem(DossierError):
    """The machine, not the input, stops the command: a full disk, a read-only folder, no permission."""


# OSError numbers that are the machine's or the user's doing (a full disk, a path that is not what it should
# be), never a bug in dossier: reported as one line naming the path, exit code 1.
ENVIRONMENT_ERRNOS = frozenset({
    errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO, errno.EMFILE,
    errno.ENFILE, errno.ENOMEM, errno.ENAMETOOLONG, errno.ELOOP, errno.ENOTDIR, errno.EISDIR, errno.EBUSY,
    errno.ETXTBSY, errno.EXDEV, errno.ENOENT, errno.EEXIST, errno.ENOTEMPTY,
})
_HINTS = {errno.ENOSPC: "; free some space and run the command again",
          errno.EDQUOT: "; your disk quota is used up: free some space and run the command again"}


def environment_error(exc: BaseException, where: str = "") -> EnvironmentProblem | None:
    """The DossierError for an OSError caused by the machine or the user (with its path, else `where`),
    or None when `exc` is not one (an OSError of another kind is a bug)."""
    if not isinstance(exc, OSError) or exc.errno not in ENVIRONMENT_ERRNOS:
        return None
    if exc.errno == errno.ENOENT and not exc.filename:
        return None  # a file that should exist but has no name given: dossier's own mistake
    reason = (exc.strerror or str(exc)) + _HINTS.get(exc.errno, "")
    return EnvironmentProblem(reason, where=str(exc.filename) if exc.filename else where)


# ------------------------------------------------------------------ how a message names values and rows
MAX_LISTED = 3  # a validation problem names the first three values
ANALYSIS_LISTED = 8  # an analysis's error (it stops the build) names the first eight


def listing(values, limit: int = MAX_LISTED) -> str:
    """The first `limit` values as Python literals, then "and N more"."""
    values = list(values)
    shown = ", ".join(repr(v) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def row_list(index, limit: int = MAX_LISTED) -> str:
    """Row numbers (1-based) of the first few records of `index`."""
    numbers = [str(i + 1) for i in list(index)[:limit]]
    more = f" and {len(index) - limit} more" if len(index) > limit else ""
    return ("row " if len(numbers) == 1 and not more else "rows ") + ", ".join(numbers) + more
