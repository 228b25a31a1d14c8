"""Generate the synthetic example trial folders (SYNTHETIC DATA, no real product or study).

    python datasets/generate.py [--out DIR] [--check]

writes DIR/hf-aav-synthetic/ and DIR/pd-aav-synthetic/ (DIR defaults to this script's folder): each a
trial folder with dossier.yaml, adam/*.parquet, text/*.md and README.md. The output is a pure function
of the seeds in synthetic_hf.py and synthetic_pd.py: every run writes the same bytes. Files are only
rewritten when their bytes change, and files of these folders that the generator no longer makes are
removed. `--check` writes nothing and exits 1 if any file differs from what would be written.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
TRIALS = ("synthetic_hf", "synthetic_pd")


def self_check(folder: Path) -> None:
    """Validate the written dossier.yaml with the package's own schema when the package is importable."""
    try:
        from dossier.config.spec import parse_spec
    except ImportError:
        return
    parse_spec(yaml.safe_load((folder / "dossier.yaml").read_text(encoding="utf-8")), folder)


def write(folder: Path, files: dict[str, bytes], check: bool) -> tuple[list[str], list[str]]:
    """Write the files whose bytes changed and remove stale ones (unless `check`): (changed, stale)."""
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else set()
    stale = sorted(present - set(files))
    changed = sorted(rel for rel, data in files.items() if rel not in present or (folder / rel).read_bytes() != data)
    if not check:
        for rel in changed:
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(files[rel])
        for rel in stale:
            (folder / rel).unlink()
    return changed, stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where the trial folders go (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if any file would change")
    args = parser.parse_args(argv)
    sys.dont_write_bytecode = True  # no __pycache__ folder among the trial folders in datasets/
    sys.path.insert(0, str(HERE))
    common = importlib.import_module("synthetic_common")
    differs = 0
    for name in TRIALS:
        trial = importlib.import_module(name).build()
        folder = args.out / trial["folder"]
        changed, stale = write(folder, common.folder_files(trial), args.check)
        for verb, paths in (("differs" if args.check else "wrote", changed), ("stale" if args.check else "removed", stale)):
            for rel in paths:
                print(f"{verb}: {trial['folder']}/{rel}")
        differs += len(changed) + len(stale)
        if not args.check:
            self_check(folder)
    return 1 if args.check and differs else 0

if __name__ == "__main__":
    sys.exit(main())
