"""evidence.json, tables/<key>.csv and tables.xlsx: the reviewable, reproducible evidence files."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from dossier.analyses.model import AnalysisResult
from dossier.control import visible
from dossier.document.context import RenderedTable
from dossier.document.formatting import FORMATTED_NUMBERS  # a cell in this grammar is left as it is
from dossier.render.zipfiles import deterministic_zip

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        x = float(value)
        return x if math.isfinite(x) else None
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def evidence_document(study: dict[str, str], results: Iterable[AnalysisResult], files: dict[str, Any],
                      version: str, confidence: float, documents: dict[str, Any] | None = None) -> dict[str, Any]:
    """The evidence.json document: every statistic at full precision with its provenance, and `documents`:
    the numbers the documents compute (dossier.document.registry.evidence), when there are any."""
    analyses = {}
    for r in results:
        entry: dict[str, Any] = {
            "type": r.type,
            "population": r.population,
            "arm": r.arm,
            "filters": {name: list(values) for name, values in r.filters},
            "datasets": {name: {"file": files[name].path.name, "sha256": files[name].sha256}
                         for name in r.datasets if name in files},
            "method": r.method.key,
            "warnings": list(r.warnings),
        }
        entry.update(r.evidence)
        analyses[r.id] = entry
    document = {"study": study, "dossier_version": version, "confidence_level": confidence,
                "analyses": _json_safe(analyses)}
    if documents:
        document["documents"] = _json_safe(documents)
    return document


def write_json(document: Any, path: Path) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def text_cell(cell: str) -> str:
    """Control characters (XML cannot hold them: XLSX refuses them) shown as U+FFFD, as in the documents."""
    return visible(cell)


def neutralise(cell: str) -> str:
    """Stop spreadsheet programs from evaluating a cell: text starting with = + - @ (tab, CR), after any
    indentation, gets a leading ', unless it is one of the formatting layer's number shapes."""
    cell = text_cell(cell)
    if cell.lstrip(" ").startswith(FORMULA_START) and not FORMATTED_NUMBERS.fullmatch(cell.strip()):
        return "'" + cell
    return cell


def table_rows(table: RenderedTable) -> list[list[str]]:
    """Header + body as shown in the documents; nesting shown by two spaces per level."""
    rows = [list(table.columns)]
    for row in table.rows:
        cells = list(row.cells)
        if cells and row.level:
            cells[0] = "  " * row.level + cells[0]
        rows.append(cells)
    return rows


def write_csv(table: RenderedTable, path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(table.caption)])
    for row in table_rows(table):
        writer.writerow([neutralise(c) for c in row])
    for note in table.footnotes:
        writer.writerow([neutralise(note)])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _sheet_name(key: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", key)[:31] or "table"
    name, i = base, 2
    while name.lower() in used:
        suffix = f"~{i}"
        name, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(name.lower())
    return name


def write_xlsx(tables: list[RenderedTable], path: Path) -> None:
    """One sheet per table; every cell is written as a string (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for table in tables:
        ws = wb.create_sheet(_sheet_name(table.key, used))
        ws.append([text_cell(table.caption)])
        ws.cell(row=1, column=1).font = Font(bold=True)
        body = table_rows(table)
        write_text_rows(ws, body, first_row=2, bold_first=True)
        write_text_rows(ws, [[note] for note in table.footnotes], first_row=len(body) + 2)
        ws.column_dimensions["A"].width = 48
    save_workbook(wb, path)


def write_text_rows(ws, rows: list[list[str]], first_row: int = 1, bold_first: bool = False) -> None:
    """Write rows from first_row on, every cell a string (never a formula); the first row bold on request."""
    from openpyxl.styles import Font

    for r, row in enumerate(rows, start=first_row):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = text_cell(value)
            cell.data_type = "s"
            if bold_first and r == first_row:
                cell.font = Font(bold=True)


def save_workbook(wb, path: Path) -> None:
    """Save with reproducible bytes: fixed core properties and a deterministic zip."""
    import datetime as dt

    fixed = dt.datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "dossier"
    wb.properties.lastModifiedBy = None
    buffer = io.BytesIO()
    wb.save(buffer)
    # openpyxl stamps the clock into the core properties on save: fix them like the DOCX ones
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as package:
        core = package.read("docProps/core.xml")
    core = re.sub(rb"<dcterms:(created|modified)([^>]*)>[^<]*</dcterms:\1>",
                  rb"<dcterms:\1\2>2000-01-01T00:00:00Z</dcterms:\1>", core)
    path.write_bytes(deterministic_zip(buffer.getvalue(), {"docProps/core.xml": core}))


