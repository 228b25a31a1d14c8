"""manifest.json: sha256 of every input and output, versions, effective settings; and verification."""

from __future__ import annotations

import json
import os
from importlib import metadata
from pathlib import Path
from typing import Any

from dossier import __version__
from dossier.data.trial_files import sha256_of
from dossier.errors import OutputError, Problem

MANIFEST = "manifest.json"
DEPENDENCIES = ("pandas", "numpy", "scipy", "lifelines", "statsmodels", "pyreadstat", "pyarrow", "jinja2",
                "weasyprint", "python-docx", "matplotlib", "openpyxl", "markdown-it-py", "pydantic", "pyyaml")


def dependency_versions() -> dict[str, str]:
    versions = {}
    for name in DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    from dossier.render.pagination import libreoffice_version

    versions["libreoffice"] = libreoffice_version()  # lays out the DOCX for its contents' page numbers
    return versions


def input_files(trial_dir: Path) -> dict[str, str]:
    """Every file of the trial folder (relative path -> sha256), hidden files excepted."""
    out = {}
    for path in sorted(trial_dir.rglob("*")):
        rel = path.relative_to(trial_dir)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            out[rel.as_posix()] = sha256_of(path)
    return out


def template_files(dirs: list[Path]) -> dict[str, str]:
    out = {}
    for directory in dirs:
        for path in sorted(directory.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                out.setdefault(path.relative_to(directory).as_posix(), sha256_of(path))
    return out


def output_files(out_dir: Path) -> dict[str, str]:
    """Every regular file of `out_dir` but the manifest and hidden ones (relative path -> sha256);
    links and other non-regular files are never followed or read (see irregular_files)."""
    out = {}
    for path in sorted(out_dir.rglob("*")):
        rel = path.relative_to(out_dir).as_posix()
        if path.is_file() and not path.is_symlink() and rel != MANIFEST and not rel.startswith("."):
            out[rel] = sha256_of(path)
    return out


def irregular_files(out_dir: Path) -> list[Problem]:
    """A problem for every entry of `out_dir` (hidden ones too) that is neither a regular file nor a
    folder: a build writes nothing else, so a symbolic link, a pipe, a socket or a device was put there."""
    import stat

    kinds = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
             (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))
    problems = []
    for folder, dirs, files in os.walk(out_dir, followlinks=False):
        for name in sorted(dirs + files):
            path = Path(folder, name)
            mode = path.lstat().st_mode
            if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
                continue
            kind = next((what for test, what in kinds if test(mode)), "not a regular file")
            problems.append(Problem(str(path), f"is {kind}, which a build never writes"))
    return sorted(problems, key=lambda p: p.where)


def write_manifest(out_dir: Path, trial_dir: Path, template_dirs: list[Path], settings: dict[str, Any],
                   language: str) -> None:
    manifest = {
        "dossier_version": __version__,
        "trial_folder": str(trial_dir.resolve()),
        "language": language,
        "inputs": input_files(trial_dir),
        "templates": template_files(template_dirs),
        "outputs": output_files(out_dir),
        "dependencies": dependency_versions(),
        "settings": settings,
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False)
    (out_dir / MANIFEST).write_text(text + "\n", encoding="utf-8")


def verify(out_dir: Path, trial_dir: Path | None = None) -> list[Problem]:
    """Problems for every output (and, when the trial folder is given or found, input) that changed."""
    outputs, inputs = read_manifest(out_dir)
    problems: list[Problem] = irregular_files(out_dir)
    problems.extend(_compare(out_dir, outputs, output_files(out_dir), "output"))
    if trial_dir is not None:
        problems.extend(_compare(trial_dir, inputs, input_files(trial_dir), "input"))
    return problems


def read_manifest(out_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The recorded (outputs, inputs) of OUT_DIR's manifest.json: OutputError when OUT_DIR is not a dossier
    build folder, or its manifest cannot be read or is not what dossier writes."""
    path = out_dir / MANIFEST
    if not out_dir.is_dir():
        why = "not found" if not out_dir.exists() else "not a folder"
        raise OutputError(f"{why}: give the output folder of a build (it holds manifest.json)", where=str(out_dir))
    if not path.is_file():
        what = "no manifest.json" if not path.exists() and not path.is_symlink() else "manifest.json is not a file"
        raise OutputError(f"{what}: not a dossier build folder", where=str(out_dir))
    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise OutputError(f"cannot read: {exc.strerror}", where=str(path)) from None
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested beyond any manifest
        manifest = None
    recorded = [manifest.get(key) if isinstance(manifest, dict) else None for key in ("outputs", "inputs")]
    if not all(isinstance(files, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())
               for files in recorded):
        raise OutputError("manifest.json is damaged (not the JSON dossier wrote: outputs and inputs, each a file "
                          "-> sha256 mapping)", where=str(path))
    return recorded[0], recorded[1]


def _compare(root: Path, recorded: dict[str, str], current: dict[str, str], kind: str) -> list[Problem]:
    problems = []
    for rel, digest in sorted(recorded.items()):
        if rel not in current:
            problems.append(Problem(str(root / rel), f"{kind} file is missing"))
        elif current[rel] != digest:
            problems.append(Problem(str(root / rel), f"{kind} file changed since the build (sha256 differs)"))
    for rel in sorted(set(current) - set(recorded)):
        problems.append(Problem(str(root / rel), f"{kind} file was not part of the build"))
    return problems
