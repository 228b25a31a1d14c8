"""Cached statistics, so that a rebuild after a text-only edit does not recompute the analyses.

The cache lives in OUT_DIR/.cache/ (carried into each new build) and holds the last build's
analysis results. Its key is the sha256 of: the sha256 of each dataset the analyses read, the
analysis-relevant part of dossier.yaml (analyses, population, arm, reference arm, confidence
level, language) and the source of the dossier package itself, so a changed dataset, analysis
setting or dossier version always recomputes. A damaged or foreign cache file is ignored.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CACHE_DIR = ".cache"
CACHE_FILE = "analyses.pickle"
PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Analysed:
    """Everything the rendering stage needs from the data: results and facts about the datasets."""

    key: str
    results: tuple[Any, ...]
    files: dict[str, Any]  # dataset name -> DatasetFile
    arms: tuple[tuple[str, int], ...]  # (arm, N) in the default population
    records: dict[str, int]  # dataset name -> number of records
    warnings: tuple[str, ...]  # from loading and validation


def _package_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def analysis_key(spec, dataset_hashes: dict[str, str]) -> str:
    """The cache key of a build's statistics."""
    relevant = {
        "analyses": [a.model_dump(mode="json") for a in spec.analyses],
        "population": spec.population, "arm": spec.arm, "reference_arm": spec.reference_arm,
        "confidence_level": spec.confidence_level, "language": spec.language,
        "datasets": dict(sorted(dataset_hashes.items())), "package": _package_digest(),
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()


def load_cached(out_dir: Path, key: str) -> Analysed | None:
    path = out_dir / CACHE_DIR / CACHE_FILE
    try:
        with path.open("rb") as fh:
            cached = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return cached if isinstance(cached, Analysed) and cached.key == key else None


def store(stage: Path, analysed: Analysed) -> None:
    folder = stage / CACHE_DIR
    folder.mkdir(exist_ok=True)
    with (folder / CACHE_FILE).open("wb") as fh:
        pickle.dump(analysed, fh, protocol=pickle.HIGHEST_PROTOCOL)
