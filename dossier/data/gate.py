"""The one gate every file the build reads from a trial folder or a templates folder passes.

`admit(path, root)` returns the real path of `path` when it is a regular file whose real path lies
inside the real path of `root` (its allowed folder), and raises a one-line error otherwise:
    - a symbolic link (of the file or of any folder on the way) whose target leaves `root`;
    - a hard link (more than one name for the file): a hard link may be a second name of a file
      anywhere on the same file system (say ~/.ssh/id_rsa, made by an archive tool that follows
      `../` link targets), and nothing in the file says where its other names are. Files of the
      packaged templates folder are exempt: installers such as uv install packages as hard links
      of their cache.
    - a device, pipe or socket (reading one may never end).
The allowed folders: the trial folder's `templates/` for its templates (templates, included and
imported ones, glossaries, print.css, reference.docx, pictures and fonts); the packaged templates
folder for the packaged ones; the trial folder for dossier.yaml and the writer's text; `adam/` files go through
dossier.data.trial_files.discover, which applies the same rules.

`folder_problems(trial_dir)` runs the gate over every file of the trial folder's `templates/`
and `text/` before anything is built (`dossier check` and `dossier build`), so a bad link is one
line naming it even when no template would read it; the readers (the Jinja loader, the glossary,
the resource resolver, the text loader) admit each file again when they open it.
"""

from __future__ import annotations

import functools
import os
import stat
from pathlib import Path

from dossier.errors import DossierError, Problem, RenderError

PACKAGE_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TEMPLATES = "templates"
TEXT = "text"


@functools.cache
def _packaged_root() -> Path:
    return PACKAGE_TEMPLATES.resolve()


def refusal(path: Path, root: Path) -> str | None:
    """Why `path` may not be read as a file of the folder `root`, or None when it may."""
    try:
        real_root = Path(os.path.realpath(root))
        real = Path(os.path.realpath(path, strict=True))
        status = os.stat(real)
    except (OSError, RuntimeError) as exc:  # missing, dangling link, link loop (RuntimeError before 3.13)
        return f"cannot read: {getattr(exc, 'strerror', None) or exc}"
    if not real.is_relative_to(real_root):
        return f"is a link to {real}, outside its folder {root}; put a copy of the file there instead"
    if not stat.S_ISREG(status.st_mode):
        return "is not a regular file (a device, pipe or socket is never read)"
    if status.st_nlink > 1 and not real.is_relative_to(_packaged_root()):
        return (f"is a hard link ({status.st_nlink} names for one file, which may lie outside {root}); "
                "replace it by a copy of the file")
    return None


def admit(path: Path, root: Path, error: type[DossierError] = RenderError) -> Path:
    """The real path of `path`, a regular file inside `root`; `error` naming `path` otherwise."""
    why = refusal(path, root)
    if why is not None:
        raise error(why, where=str(path))
    return path.resolve()


def admit_folder(folder: Path, root: Path, error: type[DossierError] = RenderError) -> Path:
    """`folder` itself when it is a folder whose real path lies inside `root` (a `templates/` that is
    a link to another folder would let every file in it in)."""
    real = Path(os.path.realpath(folder))
    if not real.is_relative_to(Path(os.path.realpath(root))):
        raise error(f"is a link to {real}, outside the folder {root}; put a copy there instead", where=str(folder))
    return folder


def folder_problems(trial_dir: Path) -> list[Problem]:
    """A problem for every file of the trial folder's templates/ and text/ that the gate refuses."""
    problems: list[Problem] = []
    for name, root in ((TEMPLATES, trial_dir / TEMPLATES), (TEXT, trial_dir)):
        top = trial_dir / name
        if not (top.exists() or top.is_symlink()):
            continue
        try:
            admit_folder(top, trial_dir)
        except DossierError as exc:
            problems.extend(exc.problems)
            continue
        for path in sorted(_walk(top)):
            if path.is_dir():  # a link to a folder: where it points decides
                real = Path(os.path.realpath(path))
                why = None if real.is_relative_to(Path(os.path.realpath(root))) else \
                    f"is a link to {real}, outside its folder {root}; put a copy of the folder there instead"
            else:
                why = refusal(path, root)
            if why is not None:
                problems.append(Problem(str(path), why))
    return problems


def _walk(top: Path) -> list[Path]:
    """Every non-folder entry under `top`, not following links to folders (a folder link is itself
    an entry, judged by where it points)."""
    found = []
    for folder, dirs, files in os.walk(top, followlinks=False):
        for name in dirs:
            if os.path.islink(os.path.join(folder, name)):
                found.append(Path(folder, name))
        found.extend(Path(folder, name) for name in files)
    return found


def check_folders(trial_dir: Path) -> None:
    """RenderError with every problem of folder_problems(trial_dir)."""
    problems = folder_problems(trial_dir)
    if problems:
        raise RenderError(problems)


def read_utf8(path: Path, limit: int, error: type[DossierError], hint: str = "") -> str:
    """The text of a UTF-8 file of the trial folder (a BOM dropped) no larger than `limit` bytes; else `error`
    naming the file ("save it as UTF-8" and the like as `hint`)."""
    if path.stat().st_size > limit:
        raise error(f"larger than {limit // 1_000_000} MB; is this the right file?", where=str(path))
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text (byte {exc.start}){hint}", where=str(path)) from None
