"""Numbers typed into the writer's text that equal a computed statistic.

A number copied by hand goes stale at the next data refresh; a live reference does not. `dossier
check` reports each number in the writer's text (Markdown files and inline yaml text) that equals,
at the decimals it is written with, statistics of evidence.json: every one of them, each as the live
reference that prints the number as typed (the first of the formats p, pct, 0-3 decimals that reproduces
it), and a typed interval "(2.01, 6.50)" whose limits are one computed interval as a single reference
(which prints its own brackets). Integers below 20, years, dates, a number alone in parentheses (ADAS-Cog (11)) and
integers next to a visit or unit word (Week 24, Phase 2, Month 18, 26 weeks; 第24週, 26週間, 第2相)
are not reported: they are rarely results. Japanese text is scanned as well: numbers right next to
kana or kanji count, and full-width digits, points, signs and percent signs (７５．２％) are read
as their ASCII forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.analyses.evidence import flatten
from dossier.config.spec import TEXT_FILE, TrialSpec, text_fields
from dossier.document.formatting import Formatter, fixed
from dossier.document.writer_text import REFERENCE

# Letters and digits around a number are ASCII ones: in Japanese text a number stands right next to
# kana and kanji ("平均年齢は75.2歳"), which are word characters to \w.
NUMBER = re.compile(r"(?<![A-Za-z0-9_.\-/])(-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?)(%?)"
                    r"(?![A-Za-z0-9_/]|\.[0-9]|,[0-9]{3})")
FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}  # ０-９．％－ and the rest -> ASCII
JA_CONTEXT_BEFORE = re.compile(r"(第|表|図|バージョン|版|ステップ|グレード|パート|コホート)\s*$")
JA_UNIT_AFTER = re.compile(r"^\s*(週|カ月|ヶ月|ヵ月|か月|箇月|日|年|時間|歳|才|相|回目|mg|mL)")
CONTEXT_WORDS = re.compile(r"(week|month|day|year|visit|phase|version|v|step|stage|grade|class|part|table|figure|"
                           r"section|appendix|question|criterion|cycle)\s*$", re.IGNORECASE)
UNIT_AFTER = re.compile(r"^\s*(weeks?|months?|days?|years?|hours?|mg|ml|kg|vg|cm|mm|°)", re.IGNORECASE)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
INTERVAL = re.compile(r"\((-?[0-9]+(?:\.([0-9]+))?),\s*(-?[0-9]+(?:\.([0-9]+))?)\)")


@dataclass(frozen=True)
class Statistic:
    """One statistic of evidence.json a typed number may equal: its reference (analysis id and path; an
    interval's limit as its index, `.../ci/0`), its value and whether the text shows it as a percentage."""

    analysis: str
    path: str
    limit: int | None  # 0 or 1 for an interval's limit, None for a single value
    value: float
    percent: bool = False

    @property
    def reference(self) -> str:
        """analysis:path, as statistic_index has always named it (an interval's limit as " (limit i)")."""
        return f"{self.analysis}:{self.path}" + ("" if self.limit is None else f" (limit {self.limit + 1})")

    def live(self, typed: str) -> str:
        """The live reference that prints `typed`: [[id:path|format]] with the first format that reproduces it
        (dossier.document.writer_text's formats: p, pct, decimals), else the decimals typed."""
        path = self.path if self.limit is None else f"{self.path}/{self.limit}"
        return f"[[{self.analysis}:{path}{reproducing_format(self.value, path.rsplit('/', 1)[-1], typed)}]]"


def reproducing_format(value: float, key: str, typed: str) -> str:
    """The `|format` (or "") under which a live reference to `value` (its last path key `key`) prints as
    `typed`; the decimals typed when no format prints it exactly (e.g. "45%": pct prints one decimal)."""
    from dossier.document.writer_text import format_reference

    fmt = Formatter({}, "en")
    candidates = ["p"] if key == "p" or key.endswith("_p") else []
    candidates += ["pct"] if typed.endswith("%") else [f"{d}," if "," in typed else str(d) for d in range(4)]
    if isinstance(value, int) and not isinstance(value, bool):
        candidates.insert(0, "")
    for candidate in candidates:
        if format_reference(value, candidate or None, key, fmt) == typed:
            return f"|{candidate}" if candidate else ""
    decimals = len(typed.rstrip("%").partition(".")[2])
    return f"|{decimals}" + ("," if "," in typed else "")


def statistics(evidence: dict[str, Any]) -> dict[tuple[int, str], list[Statistic]]:
    """(decimals, rounded text) -> every statistic with that rounded value (percentages of proportions as
    "45.2%"), in evidence order; the analyses' restated settings (AnalysisType.settings_keys) left out."""
    index: dict[tuple[int, str], list[Statistic]] = {}
    from dossier.analyses.registry import types

    for analysis_id, entry in evidence.items():
        kind = types().get(entry.get("type"))
        choices = kind.settings_keys if kind else ()  # the analysis's settings restated, not results
        for path, value in flatten(entry).items():
            if path.startswith(choices):
                continue
            values = value if isinstance(value, list) else [value]
            for i, v in enumerate(values):
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    continue
                limit = i if isinstance(value, list) else None
                for decimals in range(4):
                    # whole numbers from 10, and from 1,000 a value rounded to a whole number (30,951 patients)
                    if decimals == 0 and (abs(v) < 10 or (not float(v).is_integer() and abs(v) < 1000)):
                        continue
                    index.setdefault((decimals, fixed(float(v), decimals)), []).append(
                        Statistic(analysis_id, path, limit, v))
                    if 0 < v <= 1 and decimals <= 1:
                        index.setdefault((decimals, fixed(100 * float(v), decimals) + "%"), []).append(
                            Statistic(analysis_id, path, limit, v, percent=True))
    return index


def statistic_index(evidence: dict[str, Any]) -> dict[tuple[int, str], list[str]]:
    """(decimals, rounded text) -> every statistic path (with " (limit i)" for an interval's
    limit) with that rounded value, in evidence order."""
    return {key: [s.reference for s in found] for key, found in statistics(evidence).items()}


def _plain(line: str) -> str:
    """A line as scanned: full-width characters as ASCII, live references and dates blanked."""
    return DATE.sub(" ", REFERENCE.sub(" ", line.translate(FULL_WIDTH)))


def _typed(line: str) -> Iterator[tuple[int, int, str, tuple[int, str]]]:
    plain = _plain(line)
    for match in NUMBER.finditer(plain):
        literal, decimals_text, percent = match.group(1), match.group(2), match.group(3)
        decimals = len(decimals_text or "")
        value = float(literal.replace(",", ""))  # thousands separators: "30,951"
        if decimals == 0 and (abs(value) < 20 or 1900 <= value <= 2100):
            continue
        if plain[match.start() - 1: match.start()] == "(" and plain[match.end(): match.end() + 1] == ")":
            continue  # a name such as "ADAS-Cog (11)"
        if decimals == 0 and (CONTEXT_WORDS.search(plain[: match.start()]) or UNIT_AFTER.match(plain[match.end():])
                              or JA_CONTEXT_BEFORE.search(plain[: match.start()])
                              or JA_UNIT_AFTER.match(plain[match.end():])):
            continue
        yield match.start(), match.end(), literal + percent, (decimals, fixed(value, decimals) + percent)


def typed_numbers(text: str) -> Iterator[tuple[int, str, tuple[int, str]]]:
    """(line number, literal as typed, index key) of each number typed in `text` that could be a
    result (live references, dates, small integers, years, names and visit/unit numbers left out)."""
    for number, line in enumerate(text.splitlines(), start=1):
        for _, _, literal, key in _typed(line):
            yield number, literal, key


def _intervals(line: str, index: dict[tuple[int, str], list[Statistic]]) -> list[tuple[int, int, str, list[str]]]:
    """Typed intervals "(2.01, 6.50)" whose two limits are the limits of one computed interval: (start, end,
    the interval as typed, the live references that print it, brackets included)."""
    found = []
    for match in INTERVAL.finditer(_plain(line)):
        low, high = match.group(1), match.group(3)
        decimals = len(match.group(2) or "")
        if decimals != len(match.group(4) or ""):
            continue
        lows = {(s.analysis, s.path) for s in index.get((decimals, fixed(float(low), decimals)), [])
                if s.limit == 0 and not s.percent}
        refs = [f"[[{s.analysis}:{s.path}|{decimals}]]" for s in index.get((decimals, fixed(float(high), decimals)), [])
                if s.limit == 1 and not s.percent and (s.analysis, s.path) in lows]
        if refs:
            found.append((match.start(), match.end(), f"({low}, {high})", list(dict.fromkeys(refs))))
    return found


def scan_text(text: str, source: str, index: dict[tuple[int, str], list[Statistic]]) -> list[str]:
    """One warning per typed number (or typed interval) that equals computed statistics, naming every one of
    them as the live reference that prints it as typed."""
    warnings = []
    for number, line in enumerate(text.splitlines(), start=1):
        intervals = _intervals(line, index)
        for _, _, typed, refs in intervals:
            warnings.append(f"{source}: line {number}: typed {typed} equals {_listed(refs)} (an interval prints "
                            f"its own brackets); write the live reference so the text follows the data")
        for start, end, literal, key in _typed(line):
            if any(a <= start and end <= b for a, b, _, _ in intervals):
                continue
            found = index.get(key)
            if found:
                refs = list(dict.fromkeys(s.live(literal) for s in found))
                warnings.append(f"{source}: line {number}: typed {literal} equals {_listed(refs)}; write the live "
                                f"reference so the text follows the data")
    return warnings


def _listed(refs: list[str]) -> str:
    if len(refs) == 1:
        return refs[0]
    return f"{len(refs)} computed statistics: " + ", ".join(refs[:-1]) + f" or {refs[-1]}"


def text_sources(trial_dir: Path, spec: TrialSpec) -> Iterator[tuple[str, str]]:
    """(source, text) of every piece of the writer's text: each Markdown file (and its en/ja
    versions) once, named relative to the trial folder, and each inline yaml text."""
    seen: set[Path] = set()
    for key, value in text_fields(spec):
        if value is None:
            continue
        if TEXT_FILE.match(value):
            rel = Path(value)
            for path in (trial_dir / rel, *(trial_dir / rel.parent / lang / rel.name for lang in ("en", "ja"))):
                if path.is_file() and path not in seen:
                    seen.add(path)
                    text = path.read_text(encoding="utf-8-sig", errors="replace")
                    yield path.relative_to(trial_dir).as_posix(), text
        else:
            yield f"dossier.yaml: {key}", value


def hardcoded_numbers(trial_dir: Path, spec: TrialSpec, evidence: dict[str, Any]) -> list[str]:
    """Warnings for every hand-typed number in the writer's text that equals computed statistics."""
    index = statistics(evidence)
    warnings: list[str] = []
    for source, text in text_sources(trial_dir, spec):
        warnings.extend(scan_text(text, source, index))
    return warnings
