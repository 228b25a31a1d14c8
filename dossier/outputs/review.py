"""The review folder's CSV files of the translation report (review/translation.<lang>.csv) and of the build's
warnings (review/warnings.<lang>.csv); which rows they hold is dossier.document.translation's."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from dossier.document.labels import Shown
from dossier.document.translation import REPORT_COLUMNS, WARNING_COLUMNS, report_name, warning_kind
from dossier.outputs.files import neutralise


def write_report(stage: Path, lang: str, rows: list[Shown]) -> Path:
    """review/translation.<lang>.csv (header only when every text is in `lang`)."""
    return _write_csv(stage / report_name(lang), REPORT_COLUMNS,
                      [[neutralise(getattr(r, c)) for c in REPORT_COLUMNS] for r in rows])


def write_warnings(stage: Path, lang: str, warnings: list[str]) -> Path:
    """review/warnings.<lang>.csv: every warning of the build, with its kind."""
    return _write_csv(stage / "review" / f"warnings.{lang}.csv", WARNING_COLUMNS,
                      [[warning_kind(w), neutralise(w)] for w in warnings])


def _write_csv(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path
