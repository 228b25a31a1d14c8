"""Numbers typed into the writer's text that equal a computed statistic.

A number copied by hand goes stale at the next data refresh; a live reference does not. `dossier
check` reports each number in the writer's text (Markdown files and inline yaml text) that equals,
at the decimals it is written with, a statistic of evidence.json, with the reference to use
instead. Integers below 20, years, dates, a number alone in parentheses (ADAS-Cog (11)) and
integers next to a visit or unit word (Week 24, Phase 2, Month 18, 26 weeks; 第24週, 26週間, 第2相)
are not reported: they are rarely results. Japanese text is scanned as well: numbers right next to
kana or kanji count, and full-width digits, points, signs and percent signs (７５．２％) are read
as their ASCII forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dossier.diff import flatten
from dossier.formatting import fixed
from dossier.spec import TEXT_FILE, TrialSpec, text_fields
from dossier.writer_text import REFERENCE

# Letters and digits around a number are ASCII ones: in Japanese text a number stands right next to
# kana and kanji ("平均年齢は75.2歳"), which are word characters to \w.
NUMBER = re.compile(r"(?<![A-Za-z0-9_.\-/])(-?[0-9]+(?:\.([0-9]+))?)(%?)(?![A-Za-z0-9_/]|\.[0-9])")
FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}  # ０-９．％－ and the rest -> ASCII
JA_CONTEXT_BEFORE = re.compile(r"(第|表|図|バージョン|版|ステップ|グレード|パート|コホート)\s*$")
JA_UNIT_AFTER = re.compile(r"^\s*(週|カ月|ヶ月|ヵ月|か月|箇月|日|年|時間|歳|才|相|回目|mg|mL)")
CONTEXT_WORDS = re.compile(r"(week|month|day|year|visit|phase|version|v|step|stage|grade|class|part|table|figure|"
                           r"section|appendix|question|criterion|cycle)\s*$", re.IGNORECASE)
UNIT_AFTER = re.compile(r"^\s*(weeks?|months?|days?|years?|hours?|mg|ml|kg|vg|cm|mm|°)", re.IGNORECASE)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def statistic_index(evidence: dict[str, Any]) -> dict[tuple[int, str], list[str]]:
    """(decimals, rounded text) -> every statistic path (with " (limit i)" for an interval's
    limit) with that rounded value, in evidence order."""
    index: dict[tuple[int, str], list[str]] = {}
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
                ref = f"{analysis_id}:{path}" + (f" (limit {i + 1})" if isinstance(value, list) else "")
                for decimals in range(4):
                    if decimals == 0 and (not float(v).is_integer() or abs(v) < 10):
                        continue
                    index.setdefault((decimals, fixed(float(v), decimals)), []).append(ref)
                    if 0 < v <= 1 and decimals <= 1:
                        index.setdefault((decimals, fixed(100 * float(v), decimals) + "%"), []).append(ref)
    return index


def _index(evidence: dict[str, Any]) -> dict[tuple[int, str], str]:
    """(decimals, rounded text) -> the first statistic path with that rounded value."""
    return {key: refs[0] for key, refs in statistic_index(evidence).items()}


def typed_numbers(text: str) -> Iterator[tuple[int, str, tuple[int, str]]]:
    """(line number, literal as typed, index key) of each number typed in `text` that could be a
    result (live references, dates, small integers, years, names and visit/unit numbers left out)."""
    for number, line in enumerate(text.splitlines(), start=1):
        plain = REFERENCE.sub(" ", line.translate(FULL_WIDTH))
        plain = DATE.sub(" ", plain)
        for match in NUMBER.finditer(plain):
            literal, decimals_text, percent = match.group(1), match.group(2), match.group(3)
            decimals = len(decimals_text or "")
            value = float(literal)
            if decimals == 0 and (abs(value) < 20 or 1900 <= value <= 2100):
                continue
            if plain[match.start() - 1: match.start()] == "(" and plain[match.end(): match.end() + 1] == ")":
                continue  # a name such as "ADAS-Cog (11)"
            if decimals == 0 and (CONTEXT_WORDS.search(plain[: match.start()]) or UNIT_AFTER.match(plain[match.end():])
                                  or JA_CONTEXT_BEFORE.search(plain[: match.start()])
                                  or JA_UNIT_AFTER.match(plain[match.end():])):
                continue
            yield number, literal + percent, (decimals, fixed(value, decimals) + percent)


def scan_text(text: str, source: str, index: dict[tuple[int, str], str]) -> list[str]:
    warnings = []
    for number, literal, key in typed_numbers(text):
        ref = index.get(key)
        if ref:
            target = ref.split(" (limit")[0]
            decimals = key[0]
            fmt = f"|{decimals}" if decimals else ""
            warnings.append(f"{source}: line {number}: {literal} equals the computed statistic {ref}; "
                            f"write [[{target}{fmt}]] so the text follows the data")
    return warnings


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
    """Warnings for every hand-typed number in the writer's text that equals a computed statistic."""
    index = _index(evidence)
    warnings: list[str] = []
    for source, text in text_sources(trial_dir, spec):
        warnings.extend(scan_text(text, source, index))
    return warnings
