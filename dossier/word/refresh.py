"""What a data refresh changed, as the documents print it: `dossier diff OLD_OUT NEW_OUT`.

Built on dossier.word.diff's statistic-by-statistic comparison of the two evidence.json files. Adds:
- each changed statistic as printed: as a changed cell of its analysis's tables shows it (the
  decimals at which its old and new values stand at the same place of the cell's old and new
  text), else as a live reference without a format prints it (formatting.py: 1 decimal, 2 for
  hazard ratios and intervals, p-value style for p); full precision on request; marked when the
  change does not show at that precision;
- each table cell of tables/*.csv whose printed text changed, with the table's number and
  section in each document (from the new build's HTML), its row label (under its group row)
  and column;
- each live reference in the writer's text (file:line, in the trial folder the new build was made
  from) whose value changed, printed with the reference's own format;
- each number typed by hand in the writer's text that equalled a statistic of the old build at
  the decimals it is written with and equals none of those statistics in the new build.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from dossier import errors
from dossier.analyses.evidence import flatten
from dossier.config.spec_types import LANGUAGES
from dossier.document import registry
from dossier.document.formatting import Formatter, fixed
from dossier.document.hardcoded import statistic_index, typed_numbers
from dossier.document.writer_text import REFERENCE, format_reference, localised_path, resolve_reference
from dossier.render.tree import parse
from dossier.word.diff import _same, compare

BOTH_SUFFIXES = tuple(f".{code}" for code in LANGUAGES)  # briefing.ja.html of a --lang both build
HEADINGS = frozenset({"h1", "h2", "h3", "h4"})
CELL_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
CAPTION_NUMBER = re.compile(r"^(\S+\s*\d+)[.\uff0e]?[\s\u3000]+")  # "Table 3. " / "表 3　"


@dataclass(frozen=True)
class StatisticChange:
    analysis: str
    statistic: str
    old: Any
    new: Any
    old_printed: str
    new_printed: str
    sections: tuple[str, ...]  # "briefing 6.4.1 ADAS-Cog ..." where the analysis's tables are

    @property
    def visible(self) -> bool:
        return self.old_printed != self.new_printed


@dataclass(frozen=True)
class CellChange:
    document: str
    section: str
    table: str  # "Table 4"
    key: str  # tables/<key>.csv
    row: str
    column: str
    old: str
    new: str


@dataclass(frozen=True)
class PassageChange:
    source: str  # file relative to the trial folder, or "dossier.yaml: <key>"
    line: int
    fields: tuple[str, ...]  # the yaml text fields that show this text ("briefing.disease")
    reference: str
    old: Any
    new: Any
    old_printed: str
    new_printed: str

    @property
    def visible(self) -> bool:
        return self.old_printed != self.new_printed


@dataclass(frozen=True)
class StaleNumber:
    source: str
    line: int
    fields: tuple[str, ...]
    typed: str
    statistic: str  # the old build's statistic it equalled (the first in evidence order)
    new_printed: str  # that statistic in the new build, at the typed decimals
    suggestion: str  # the live reference to write instead
    others: tuple[str, ...] = ()  # the old build's other statistics it equalled: the writer picks the one meant

    def also(self) -> str:
        """" (or one of N other statistics it equalled: a, b, c and M more)", or "" when it equalled one."""
        if not self.others:
            return ""
        return f" (or one of {len(self.others)} other statistic(s) it equalled: {errors.listing(self.others)})"


@dataclass(frozen=True)
class Review:
    datasets: tuple[str, ...]
    statistics: tuple[StatisticChange, ...]
    cells: tuple[CellChange, ...]
    passages: tuple[PassageChange, ...]
    stale: tuple[StaleNumber, ...]
    tables: tuple[str, ...]  # keys of the tables whose CSV changed
    notes: tuple[str, ...]  # what could not be compared, and why


def review(old_dir: Path, new_dir: Path, trial_dir: Path | None = None) -> Review:
    """Compare two builds (and the writer's text of `trial_dir`, by default the new build's trial folder)."""
    diff = compare(old_dir, new_dir)
    old_ev, new_ev = _analyses(old_dir), _analyses(new_dir)
    lang = _manifest(new_dir).get("language") or "en"
    if lang not in LANGUAGES:  # "both": the writer's text is compared in English
        lang = "en"
    formatter = Formatter({"not_estimable": "NE"}, lang)
    places = _table_places(new_dir)
    cells = tuple(cell for key in diff.tables for cell in _cell_changes(old_dir, new_dir, key, places))
    statistics = tuple(_statistic(c, formatter, places, cells) for c in diff.changes)
    notes: list[str] = []
    languages = {name: _manifest(folder).get("language") for name, folder in (("old", old_dir), ("new", new_dir))}
    if "both" in languages.values() and languages["old"] != languages["new"]:
        notes.append(f"the builds differ in languages (old: {languages['old']}, new: {languages['new']}): tables are "
                     "compared file by file, so tables/<key>.csv and tables/<key>.<lang>.csv of a --lang both build "
                     "read as tables removed and added; compare two builds of the same --lang")
    if trial_dir is None:
        recorded = _manifest(new_dir).get("trial_folder")
        trial_dir = Path(recorded) if recorded else None
    passages: tuple[PassageChange, ...] = ()
    stale: tuple[StaleNumber, ...] = ()
    if trial_dir is None or not (trial_dir / "dossier.yaml").is_file():
        notes.append(f"writer's text not compared: trial folder {trial_dir} not found (give --trial TRIAL_DIR)")
    else:
        texts = _texts(trial_dir, lang)
        passages = tuple(p for source, (fields, text) in texts.items()
                         for p in _passages(source, fields, text, old_ev, new_ev, formatter))
        stale = tuple(_stale_numbers(texts, old_ev, new_ev))
    return Review(diff.datasets, statistics, cells, passages, stale, diff.tables, tuple(notes))


def _manifest(out_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _analyses(out_dir: Path) -> dict[str, Any]:
    return json.loads((out_dir / "evidence.json").read_text(encoding="utf-8")).get("analyses", {})


def printed(value: Any, key: str, formatter: Formatter, fmt: str | None = None) -> str:
    """A value as a live reference with format `fmt` prints it (JSON text for anything else)."""
    if fmt is None and (key.startswith("p_") or key.endswith("_p")):
        fmt = "p"  # p_within, logrank_p: p-values wherever the documents print them
    try:
        return format_reference(value, fmt, key, formatter)
    except (KeyError, TypeError, ValueError):
        return json.dumps(value, ensure_ascii=False)


def _statistic(change, formatter: Formatter, places, cells: tuple[CellChange, ...]) -> StatisticChange:
    key = change.statistic.rsplit("/", 1)[-1]
    sections = tuple(dict.fromkeys(f"{doc} {section}" for table_key, spots in places.items()
                                   if _analysis_of(table_key, change.analysis) for doc, _, section in spots))
    shown = _as_in_a_table(change, [c for c in cells if _analysis_of(c.key, change.analysis)])
    old_printed, new_printed = shown or (printed(change.old, key, formatter), printed(change.new, key, formatter))
    return StatisticChange(change.analysis, change.statistic, change.old, change.new, old_printed, new_printed,
                           sections)


def _as_in_a_table(change, cells: list[CellChange]) -> tuple[str, str] | None:
    """The statistic's old and new value (a number or an interval) as a changed cell of its
    analysis's tables prints them: the decimals at which its old and new values stand at the same
    place in the cell's old and new text."""
    def numbers(value):
        values = value if isinstance(value, list) else [value]
        ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values) and len(values) <= 2
        return [float(v) for v in values] if ok else None

    old_values, new_values = numbers(change.old), numbers(change.new)
    if old_values is None or new_values is None or len(old_values) != len(new_values):
        return None
    width = len(old_values)
    pairs = [(CELL_NUMBER.findall(c.old), CELL_NUMBER.findall(c.new)) for c in cells]
    for decimals in range(4):
        old = [fixed(v, decimals) for v in old_values]
        new = [fixed(v, decimals) for v in new_values]
        if old == new:
            continue
        for a, b in pairs:
            if len(a) == len(b) and any(a[i:i + width] == old and b[i:i + width] == new for i in range(len(a))):
                if width == 1:
                    return old[0], new[0]
                return f"({old[0]}, {old[1]})", f"({new[0]}, {new[1]})"
    return None


def _analysis_of(table_key: str, analysis: str) -> bool:
    table_key = table_key.split(".", 1)[0]  # tables/<key>.<lang>.csv of a --lang both build
    return table_key == analysis or table_key.startswith(analysis + "-")


# --- tables ----------------------------------------------------------------------------------------

def _table_places(out_dir: Path) -> dict[str, list[tuple[str, str, str]]]:
    """tables/<key>.csv -> (document, "Table N", section heading) of each place the documents show it."""
    captions: dict[str, list[tuple[str, str, str]]] = {}
    for document, path in ((d, out_dir / f"{d}{suffix}.html") for d in registry.names()
                           for suffix in ("", *BOTH_SUFFIXES)):
        if not path.is_file():
            continue
        section = ""
        for node in parse(path.read_text(encoding="utf-8")).iter():  # document order
            if node.tag in HEADINGS:
                section = node.raw_text().strip()
            elif node.tag == "p" and node.classes == {"caption"}:
                text = node.raw_text().strip()
                number = CAPTION_NUMBER.match(text)
                if number:
                    captions.setdefault(text[number.end():], []).append((document, number.group(1), section))
    places = {}
    for csv_path in sorted((out_dir / "tables").glob("*.csv")):
        caption = _caption(csv_path)
        number = CAPTION_NUMBER.match(caption)
        places[csv_path.stem] = captions.get(caption[number.end():] if number else caption, [])
    return places


def _caption(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as fh:
        first = next(csv.reader(fh), [""])
    return first[0] if len(first) == 1 else ""


def _rows(path: Path) -> list[list[str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [row for row in csv.reader(fh) if len(row) > 1]


def _labelled(rows: list[list[str]]) -> list[tuple[str, list[str]]]:
    """Body rows with their label: the first cell, under the last group row (a row with a label only)."""
    out, group = [], ""
    for row in rows:
        label = row[0].strip()
        if not any(cell.strip() for cell in row[1:]):
            group = label
            continue
        out.append((f"{group} / {label}" if group and row[0] != row[0].lstrip() else label, row))
    return out


def _cell_changes(old_dir: Path, new_dir: Path, key: str, places) -> list[CellChange]:
    old_rows, new_rows = _rows(old_dir / "tables" / f"{key}.csv"), _rows(new_dir / "tables" / f"{key}.csv")
    header = (new_rows or old_rows or [[]])[0]
    old_body, new_body = _labelled(old_rows[1:]), _labelled(new_rows[1:])
    spots = places.get(key) or [("", "", "")]
    changes: list[tuple[str, str, str, str]] = []  # row, column, old, new
    matcher = SequenceMatcher(None, [label for label, _ in old_body], [label for label, _ in new_body], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for (label, old), (_, new) in zip(old_body[i1:i2], new_body[j1:j2]):
                for col, (a, b) in enumerate(zip(old, new)):
                    if a != b:
                        changes.append((label, header[col] if col < len(header) else str(col + 1), a, b))
            continue
        changes += [(label, "(row removed)", " | ".join(row[1:]), "") for label, row in old_body[i1:i2]]
        changes += [(label, "(row added)", "", " | ".join(row[1:])) for label, row in new_body[j1:j2]]
    return [CellChange(doc, section, number, key, row, column, a, b)
            for doc, number, section in spots for row, column, a, b in changes]


# --- writer's text ---------------------------------------------------------------------------------

def _texts(trial_dir: Path, lang: str) -> dict[str, tuple[tuple[str, ...], str]]:
    """source -> (the text fields showing it, its text), for the build's language."""
    from dossier.config.spec import TEXT_FILE, load_spec, text_fields

    spec = load_spec(trial_dir)
    texts: dict[str, tuple[tuple[str, ...], str]] = {}
    for key, value in text_fields(spec):
        if not value:
            continue
        if key.endswith((".en", ".ja")) and not key.endswith("." + lang):
            continue
        field = key[: -3] if key.endswith("." + lang) else key
        if TEXT_FILE.match(value):
            path = localised_path(trial_dir, value, lang)
            if not path.is_file():
                continue
            source = path.relative_to(trial_dir).as_posix()
            fields = texts.get(source, ((), ""))[0]
            texts[source] = ((*fields, field), path.read_text(encoding="utf-8-sig", errors="replace"))
        else:
            texts[f"dossier.yaml: {field}"] = ((field,), value)
    return texts


def _passages(source, fields, text, old_ev, new_ev, formatter) -> list[PassageChange]:
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        for match in REFERENCE.finditer(line):
            analysis, path, fmt = match.group(1), match.group(2), match.group(3)
            values = []
            for evidence in (old_ev, new_ev):
                try:
                    values.append(resolve_reference(evidence, analysis, path))
                except KeyError:
                    values.append("(absent)")
            if _same(values[0], values[1]):
                continue
            key = path.rsplit("/", 1)[-1]
            out.append(PassageChange(source, number, fields, match.group(0), values[0], values[1],
                                     *(printed(v, key, formatter, fmt) if v != "(absent)" else v for v in values)))
    return out


def _stale_numbers(texts, old_ev, new_ev) -> list[StaleNumber]:
    old_index, new_index = statistic_index(old_ev), statistic_index(new_ev)
    new_flat = {a: flatten(entry) for a, entry in new_ev.items()}
    out = []
    for source, (fields, text) in texts.items():
        for number, literal, key in typed_numbers(text):
            refs = old_index.get(key, [])
            if not refs or set(refs) & set(new_index.get(key, [])):
                continue
            ref = refs[0]
            target, _, limit = ref.partition(" (limit ")
            analysis, path = target.split(":", 1)
            value = new_flat.get(analysis, {}).get(path)
            if isinstance(value, list) and limit:
                value = value[int(limit.rstrip(")")) - 1]
            decimals, percent = key[0], key[1].endswith("%")
            now = "(absent)" if not isinstance(value, (int, float)) or isinstance(value, bool) else \
                fixed(100 * value if percent else value, decimals) + ("%" if percent else "")
            fmt = "pct" if percent else (f"{decimals}" if decimals else "")
            suggestion = f"[[{target}{'|' + fmt if fmt else ''}]]"
            out.append(StaleNumber(source, number, fields, literal, ref, now, suggestion, tuple(refs[1:])))
    return out


def stale_number_warnings(trial_dir: Path, spec, old_dir: Path, new_analyses: dict[str, Any]) -> list[str]:
    """`dossier check --against OLD_OUT`: a warning for each number typed in the writer's text (every
    language) that equalled a statistic of OLD_OUT's build and equals none of them now."""
    from dossier.document.hardcoded import text_sources
    from dossier.word.diff import _load

    old_analyses = _load(old_dir).get("analyses", {})
    texts = {source: ((), text) for source, text in text_sources(trial_dir, spec)}
    return [f"{s.source}: line {s.line}: {s.typed} equalled {s.statistic} in {old_dir} and is {s.new_printed} "
            f"now: write {s.suggestion}{s.also()}" for s in _stale_numbers(texts, old_analyses, new_analyses)]


# --- output ----------------------------------------------------------------------------------------

def _precise(old: Any, new: Any) -> str:
    return f" [{json.dumps(old, ensure_ascii=False)} -> {json.dumps(new, ensure_ascii=False)}]"


def report_lines(result: Review, precise: bool = False) -> list[str]:
    """The terminal report: datasets, then per document and section the table cells and the
    writer's passages that show a changed value, the stale typed numbers, every statistic."""
    lines = [f"dataset changed: {name}" for name in result.datasets]
    for document in registry.names():
        cells = [c for c in result.cells if c.document == document]
        passages = [p for p in result.passages if any(f.split(".")[0] == document for f in p.fields)]
        if not cells and not passages:
            continue
        lines.append(f"== {document} ==")
        section = None
        for c in cells:
            if c.section != section:
                section = c.section
                lines.append(f"{section}:")
            lines.append(f"  {c.table} (tables/{c.key}.csv), row \"{c.row}\", column \"{c.column}\": "
                         f"{c.old or '-'} -> {c.new or '-'}")
        if passages:
            lines.append("writer's text:")
        for p in passages:
            fields = ", ".join(f for f in p.fields if f.split(".")[0] == document)
            mark = "" if p.visible else " (unchanged as printed)"
            lines.append(f"  {p.source}:{p.line} ({fields}): {p.reference}: {p.old_printed} -> {p.new_printed}{mark}"
                         + (_precise(p.old, p.new) if precise else ""))
    for s in result.stale:
        lines.append(f"stale typed number: {s.source}:{s.line}: {s.typed} equalled {s.statistic} in the old build; "
                     f"the new build has {s.new_printed}: write {s.suggestion}{s.also()}")
    for c in result.statistics:
        mark = "" if c.visible else " (unchanged as printed)"
        lines.append(f"{c.analysis}: {c.statistic}: {c.old_printed} -> {c.new_printed}{mark}"
                     + (_precise(c.old, c.new) if precise else ""))
    lines += [f"table changed: tables/{key}.csv" for key in result.tables]
    lines += [f"note: {note}" for note in result.notes]
    return lines


def review_json(result: Review) -> bytes:
    """The machine-readable report (full precision always), deterministic bytes."""
    def rows(items, extra=()):
        return [{**asdict(item), **{name: getattr(item, name) for name in extra}} for item in items]

    document = {
        "datasets_changed": list(result.datasets),
        "statistics": rows(result.statistics, ("visible",)),
        "table_cells": rows(result.cells),
        "passages": rows(result.passages, ("visible",)),
        "stale_typed_numbers": rows(result.stale),
        "tables_changed": list(result.tables),
        "notes": list(result.notes),
    }
    return (json.dumps(document, ensure_ascii=False, indent=1, default=str) + "\n").encode("utf-8")

