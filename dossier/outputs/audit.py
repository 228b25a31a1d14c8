"""The number audit of a build: OUT_DIR/review/numbers.csv and numbers.xlsx, what a QC reviewer ticks off.

One row per number printed in each document (read from the tree of the build's own HTML, the single
source of its DOCX and PDF), in document order:
- each live number of the writer's text: its section, the printed value, the full-precision value
  and its path in evidence.json, and the analysis's population, filters and source datasets;
- each table cell holding a digit: its section, table number, row label and column header, the
  printed text, and (for the tables of an analysis) that analysis's evidence entry, population,
  filters and datasets; a cell is not traced to one statistic (a cell may print several);
- each number typed by hand in the writer's text (as `dossier check` finds them): "not traced".
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from dossier.document.writer_text import resolve_reference
from dossier.outputs.files import neutralise
from dossier.render.tree import Node

COLUMNS = ("document", "section", "place", "cell", "printed", "full_precision", "evidence_path", "population",
           "filters", "datasets")
NOT_TRACED = "not traced"
HEADINGS = frozenset({"h1", "h2", "h3", "h4"})
CAPTION_NUMBER = re.compile(r"^(\S+\s*\d+)[.\uff0e]?[\s\u3000]+")
DIGIT = re.compile(r"[0-9]")


def _text(node: Node) -> str:
    """An element's text as printed, every run of white space (a no-break space too) one space."""
    return " ".join(node.raw_text().split())


def audit_rows(out_dir: Path, documents: dict[str, Node], typed: list[tuple[str, int, str]]) -> list[list[str]]:
    """The audit's rows (without the header) for a build folder: `documents` maps each document's name to the
    tree its HTML was written from (render.html.RenderedDocument.body: the build parsed it once); `typed` is
    (source, line, literal)."""
    evidence = json.loads((out_dir / "evidence.json").read_text(encoding="utf-8")).get("analyses", {})
    tables = _table_analyses(out_dir, evidence)
    rows: list[list[str]] = []
    for document, body in documents.items():
        rows += _document_rows(document, body, evidence, tables)
    rows += [["", f"{source}:{line}", "typed in the writer's text", "", literal, NOT_TRACED, "", "", "", ""]
             for source, line, literal in typed]
    return rows


def _table_analyses(out_dir: Path, evidence: dict[str, Any]) -> dict[str, str]:
    """Caption text without its number -> the analysis whose table it is (tables/<id>[-part].csv)."""
    out = {}
    for path in sorted((out_dir / "tables").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            first = next(csv.reader(fh), [""])
        caption = first[0] if first else ""
        number = CAPTION_NUMBER.match(caption)
        stem = table_key(path.stem)
        owners = [a for a in evidence if stem == a or stem.startswith(a + "-")]
        if owners:
            out[caption[number.end():] if number else caption] = max(owners, key=len)
    return out


def table_key(stem: str) -> str:
    """The table key of a tables/*.csv file's stem: "demog.ja" (a --lang both build) -> "demog" (analysis ids
    and table keys hold no dot)."""
    return stem.split(".", 1)[0]


def _provenance(entry: dict[str, Any]) -> list[str]:
    filters = entry.get("filters")
    datasets = entry.get("datasets") or {}
    return [str(entry.get("population", "")),
            json.dumps(filters, ensure_ascii=False, sort_keys=True) if filters else "",
            "; ".join(f"{meta.get('file', name)} [{str(meta.get('sha256', ''))[:8]}]"
                      for name, meta in sorted(datasets.items()))]


def _document_rows(document: str, body: Node, evidence: dict[str, Any], tables: dict[str, str]) -> list[list[str]]:
    """The rows of one document, read from its tree in document order: headings name the section, a caption names the table that follows it, live spans and the
    cells of a captioned table give the rows."""
    rows: list[list[str]] = []
    place = {"section": "", "table": "", "analysis": None}

    def walk(node: Node) -> None:
        for child in node.elements():
            if child.tag in HEADINGS:
                place["section"] = _text(child)
            elif child.tag == "p" and child.classes == {"caption"}:
                caption = _text(child)
                number = CAPTION_NUMBER.match(caption)
                place["table"] = number.group(1) if number else caption
                place["analysis"] = tables.get(caption[number.end():] if number else caption)
            elif child.tag == "span" and child.classes == {"live"} and "data-ref" in child.attrs:
                if not child.attrs["data-ref"].startswith("@"):  # a citation [@key] (document.matter), no number
                    rows.append(_live_row(document, place["section"], child.attrs["data-ref"], _text(child),
                                          evidence))
            elif child.tag == "table":
                if place["table"]:
                    rows.extend(_table_rows(document, place["section"], place["table"], place["analysis"], child,
                                            evidence))
                place["table"], place["analysis"] = "", None
            else:
                walk(child)

    walk(body)
    return rows


def _table_rows(document: str, section: str, table: str, analysis: str | None, node: Node,
                evidence: dict[str, Any]) -> list[list[str]]:
    """A row per cell holding a digit of a numbered table, labelled by its row (under its group row) and column."""
    rows: list[list[str]] = []
    header: list[str] = []
    group = ""
    for tr in (n for n in node.iter() if n.tag == "tr"):
        cells = [(cell.tag, _text(cell)) for cell in tr.elements() if cell.tag in ("td", "th")]
        if cells and all(kind == "th" for kind, _ in cells):
            header = [text for _, text in cells]
            continue
        label = cells[0][1] if cells else ""
        if len(cells) > 1 and not any(text for _, text in cells[1:]):
            group = label  # a group row ("Age"): its label heads the rows below it
            continue
        indented = any(c.startswith("level-") for cell in tr.elements() for c in cell.classes)
        label = f"{group} / {label}" if group and indented else label
        for i, (_, text) in enumerate(cells[1:], start=1):
            if DIGIT.search(text):
                column = header[i] if i < len(header) else str(i + 1)
                entry = evidence.get(analysis, {}) if analysis else {}
                rows.append([document, section, table, f"{label} | {column}", text, "",
                             f"analyses/{analysis}" if analysis else "", *(_provenance(entry) if entry else
                                                                           ["", "", ""])])
    return rows


def _live_row(document: str, section: str, ref: str, printed: str, evidence: dict[str, Any]) -> list[str]:
    target = ref.split("|", 1)[0]
    analysis, _, path = target.partition(":")
    try:
        value = resolve_reference(evidence, analysis, path)
        full = json.dumps(value, ensure_ascii=False)
    except KeyError:
        full = NOT_TRACED
    return [document, section, "live number in the writer's text", f"[[{ref}]]", printed, full,
            f"analyses/{analysis}/{path}", *_provenance(evidence.get(analysis, {}))]


def write_audit(out_dir: Path, documents: dict[str, Node], typed: list[tuple[str, int, str]]) -> list[Path]:
    """Write review/numbers.csv and review/numbers.xlsx into `out_dir` (a build's staging folder)."""
    rows = audit_rows(out_dir, documents, typed)
    folder = out_dir / "review"
    folder.mkdir(exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([[neutralise(cell) for cell in row] for row in rows])
    (folder / "numbers.csv").write_text(buffer.getvalue(), encoding="utf-8")
    _write_xlsx([list(COLUMNS), *rows], folder / "numbers.xlsx")
    return [folder / "numbers.csv", folder / "numbers.xlsx"]


def _write_xlsx(rows: list[list[str]], path: Path) -> None:
    """One sheet "numbers", every cell a string (never a formula), header bold; reproducible bytes."""
    from openpyxl import Workbook

    from dossier.outputs.files import save_workbook, write_text_rows

    wb = Workbook()
    ws = wb.active
    ws.title = "numbers"
    write_text_rows(ws, rows, bold_first=True)
    ws.freeze_panes = "A2"
    save_workbook(wb, path)


def typed_in_text(trial_dir: Path, spec) -> list[tuple[str, int, str]]:
    """(source, line, literal) of every number typed by hand in the writer's text."""
    from dossier.document.hardcoded import text_sources, typed_numbers

    return [(source, line, literal) for source, text in text_sources(trial_dir, spec)
            for line, literal, _ in typed_numbers(text)]
