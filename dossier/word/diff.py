"""`dossier diff OLD_OUT NEW_OUT`: what a data refresh changed, for the writer's review.

Compares two builds' evidence.json statistic by statistic (full precision; a relative change
below 1e-12 is floating-point noise and ignored) and their tables/*.csv, and names the document
sections that show each changed analysis; and the numbers the documents compute (evidence.json `documents`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.analyses.evidence import flatten
from dossier.errors import OutputError

NOISE = 1e-12
META_KEYS = {"method", "datasets"}  # provenance, reported separately (file hashes always differ on refresh)


@dataclass(frozen=True)
class Change:
    analysis: str
    statistic: str  # path inside the analysis's evidence entry, "/"-separated
    old: Any
    new: Any


@dataclass(frozen=True)
class Diff:
    changes: tuple[Change, ...]
    tables: tuple[str, ...]  # table keys whose CSV changed, was added or removed
    datasets: tuple[str, ...]  # input datasets whose sha256 changed
    sections: tuple[str, ...]  # "briefing 6.4 Efficacy: <analysis title>" style pointers


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if a == b:
            return True
        return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= NOISE * max(abs(a), abs(b))
    return a == b


def _load(out_dir: Path) -> dict[str, Any]:
    """evidence.json of a build folder; OutputError when there is none or it is not what dossier writes."""
    path = out_dir / "evidence.json"
    if not out_dir.is_dir():
        why = "not found" if not out_dir.exists() else "not a folder"
        raise OutputError(f"{why}: give the output folder of a build (it holds evidence.json)", where=str(out_dir))
    if not path.is_file():
        raise OutputError("no evidence.json: not a dossier build folder", where=str(out_dir))
    try:
        evidence = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise OutputError(f"cannot read: {exc.strerror}", where=str(path)) from None
    except (ValueError, RecursionError):
        evidence = None
    analyses = evidence.get("analyses", {}) if isinstance(evidence, dict) else None
    if not isinstance(analyses, dict) or not all(
            isinstance(entry, dict) and isinstance(entry.get("datasets", {}), dict)
            and all(isinstance(meta, dict) for meta in entry.get("datasets", {}).values())
            for entry in analyses.values()):
        raise OutputError("evidence.json is damaged (not the JSON dossier wrote)", where=str(path))
    if not isinstance(evidence.get("documents", {}), dict) or not all(
            isinstance(entry, dict) for entry in evidence.get("documents", {}).values()):
        raise OutputError("evidence.json is damaged (not the JSON dossier wrote)", where=str(path))
    return evidence


def compare(old_dir: Path, new_dir: Path) -> Diff:
    old, new = _load(old_dir), _load(new_dir)
    old_analyses, new_analyses = old.get("analyses", {}), new.get("analyses", {})
    changes: list[Change] = []
    datasets: set[str] = set()
    for analysis_id in sorted(set(old_analyses) | set(new_analyses)):
        a, b = old_analyses.get(analysis_id, {}), new_analyses.get(analysis_id, {})
        for name, meta in b.get("datasets", {}).items():
            if a.get("datasets", {}).get(name, {}).get("sha256") != meta.get("sha256"):
                datasets.add(meta.get("file", name))
        fa, fb = (_flat(entry, directory, analysis_id) for entry, directory in ((a, old_dir), (b, new_dir)))
        for path in sorted(set(fa) | set(fb)):
            va, vb = fa.get(path, "(absent)"), fb.get(path, "(absent)")
            if not _same(va, vb):
                changes.append(Change(analysis_id, path, va, vb))
    tables = _changed_tables(old_dir / "tables", new_dir / "tables")
    changed_ids = {c.analysis for c in changes}
    sections = [f"{aid}: {new_analyses.get(aid, old_analyses.get(aid, {})).get('type', '?')} analysis "
                f"(briefing section 6 and any question or SAKIGAKE criterion citing it)"
                for aid in sorted(changed_ids)]
    # the numbers the documents compute (evidence.json `documents`, e.g. the orphan patient estimate)
    old_documents, new_documents = old.get("documents", {}), new.get("documents", {})
    for name in sorted(set(old_documents) | set(new_documents)):
        fa, fb = (_flat(entry.get(name, {}), directory, f"documents/{name}")
                  for entry, directory in ((old_documents, old_dir), (new_documents, new_dir)))
        changed = [path for path in sorted(set(fa) | set(fb))
                   if not _same(fa.get(path, "(absent)"), fb.get(path, "(absent)"))]
        changes += [Change("documents", f"{name}/{path}", fa.get(path, "(absent)"), fb.get(path, "(absent)"))
                    for path in changed]
        if changed:
            sections.append(f"documents: the numbers the {name} document computes (and every live reference "
                            f"[[documents:{name}/...]])")
    return Diff(tuple(changes), tables, tuple(sorted(datasets)), tuple(sections))


def _flat(entry: dict[str, Any], out_dir: Path, analysis_id: str) -> dict[str, Any]:
    try:
        return flatten({k: v for k, v in entry.items() if k not in META_KEYS})
    except RecursionError:
        raise OutputError(f"analysis {analysis_id!r} is nested too deeply to be what dossier wrote",
                          where=str(out_dir / "evidence.json")) from None


def _table_body(path: Path) -> list[list[str]] | None:
    """Header and body rows of a tables/*.csv file (caption and footnotes, which carry the source
    hashes, are single-cell rows and left out), or None when the file is absent."""
    import csv

    if not path.is_file():
        return None
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return [row for row in csv.reader(fh) if len(row) > 1]
    except (OSError, ValueError, csv.Error) as exc:  # ValueError: not UTF-8 text
        reason = exc.strerror if isinstance(exc, OSError) else "not a table dossier wrote (not UTF-8 CSV)"
        raise OutputError(f"cannot read: {reason}", where=str(path)) from None


def _changed_tables(old: Path, new: Path) -> tuple[str, ...]:
    names = {p.name for p in old.glob("*.csv")} | {p.name for p in new.glob("*.csv")}
    return tuple(name[:-4] for name in sorted(names) if _table_body(old / name) != _table_body(new / name))

