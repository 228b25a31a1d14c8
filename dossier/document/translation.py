"""No silent fallback: the translation report and the build's review files.

Every build in a language writes `review/translation.<lang>.csv`, one row per text the documents show in
another language than their own: a yaml text without that language (or given once, in the other
language), a text file in the other language, a data value or variable label without a label in that
language (dossier.document.labels), a MedDRA term without a mapping (one row per term). `review/warnings.<lang>.csv`
lists the build's warnings. With `status: final` (or `build --final`) each of them is an error
(`final_problems`) and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from dossier.config.spec_types import PerLanguage
from dossier.document.labels import Shown, foreign
from dossier.errors import Problem

REPORT_COLUMNS = ("document", "section", "kind", "source", "text", "language")
WARNING_COLUMNS = ("kind", "warning")
NOT_SHOWN = frozenset({"labels", "meddra_ja"})  # yaml keys whose texts are not shown as they are
# yaml keys whose texts stay in their own language in every document: a reference is cited in the language
# of the work cited (an English paper keeps its English title in a Japanese document), so it is no fallback
ORIGINAL_LANGUAGE = frozenset({"references"})
ALL = "all"  # the document column of a text every document shows (study, product, indication ...)


def report_name(lang: str) -> str:
    return f"review/translation.{lang}.csv"


def _is_text_field(field) -> bool:
    """Whether a model field holds writer-facing text (spec_types.LocalText, alone or in a tuple)."""
    if "PerLanguage" in repr(field.annotation):
        return True
    return any(getattr(m, "func", None).__name__ == "_local_text" for m in field.metadata
               if getattr(m, "func", None) is not None)


def yaml_texts(spec: Any, trial_dir: Path, lang: str) -> list[Shown]:
    """Every yaml text (and text file) the documents show in another language than `lang`: a per-language
    text without `lang`, a text given once in the other language. `spec`: the TrialSpec as loaded (a
    localised one reads the texts as given from its source)."""
    from dossier.config.spec import TEXT_FILE
    from dossier.document.registry import types

    source = getattr(spec, "_source", None) or spec
    documents = set(types())
    found: list[Shown] = []

    def check(path: str, value: Any) -> None:
        document = path.split(".", 1)[0].split("[", 1)[0]
        document = document if document in documents else ALL
        if isinstance(value, PerLanguage):
            if value.get(lang):
                return
            text = value.pick(lang)
            found.append(Shown(document, path, "yaml text", f"dossier.yaml: {path}", _short(text),
                               next(k for k, v in value.items() if v == text)))
            return
        if not isinstance(value, str) or not value.strip():
            return
        if TEXT_FILE.match(value):
            found.extend(_text_file(trial_dir, document, path, value, lang))
            return
        language = foreign(value, lang)
        if language is not None:
            found.append(Shown(document, path, "yaml text", f"dossier.yaml: {path}", _short(value), language))

    def walk(path: str, model: BaseModel) -> None:
        for name, field in type(model).model_fields.items():
            if not path and name in NOT_SHOWN | ORIGINAL_LANGUAGE:
                continue
            value = getattr(model, name)
            key = f"{path}.{name}" if path else name
            items = list(enumerate(value, start=1)) if isinstance(value, tuple) else [(None, value)]
            for i, item in items:
                where = key if i is None else f"{key}[{i}]"
                if isinstance(item, BaseModel):
                    walk(where, item)
                elif isinstance(item, dict) and not isinstance(item, PerLanguage) and _is_text_field(field):
                    for name_in, text in item.items():  # e.g. subgroups' level labels: value -> text
                        check(f"{where}.{name_in}", text)
                elif _is_text_field(field):
                    check(where, item)

    walk("", source)
    return found


def _text_file(trial_dir: Path, document: str, path: str, value: str, lang: str) -> list[Shown]:
    from dossier.document.writer_text import localised_path

    file = localised_path(trial_dir, value, lang)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []  # a problem of its own (dossier.config.spec.check_text_path)
    language = foreign(text, lang)
    if language is None:
        return []
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return [Shown(document, path, "text file", file.relative_to(trial_dir).as_posix(), _short(first), language)]


def _short(text: str, most: int = 120) -> str:
    one = " ".join(text.split())
    return one if len(one) <= most else one[: most - 1] + "…"


def ordered(rows: Iterable[Shown]) -> list[Shown]:
    """The report's rows, once each, in a fixed order (document, section, kind, source, text)."""
    unique = {(r.document, r.section, r.kind, r.source, r.text): r for r in rows}
    return [unique[k] for k in sorted(unique)]


def warning_kind(warning: str) -> str:
    if warning.startswith("text not provided"):
        return "missing text"
    if warning.startswith("analysis "):
        return "analysis"
    return "build"


LANGUAGE_NAMES = {"en": "English", "ja": "Japanese"}


def summary(lang: str, count: int) -> str:
    """The terminal's line about the report: "ja: 12 texts shown in English, see review/translation.ja.csv"."""
    if not count:
        return f"{lang}: every text is in {LANGUAGE_NAMES[lang]} ({report_name(lang)} is empty)"
    other = LANGUAGE_NAMES["ja" if lang == "en" else "en"]
    return f"{lang}: {count} text{'s' if count != 1 else ''} shown in {other} or without a label, see {report_name(lang)}"


def final_problems(lang: str, rows: list[Shown], warnings: list[str]) -> list[Problem]:
    """`status: final`: one problem per fallback and per warning (a final document has neither)."""
    problems = [Problem(f"status final ({lang})", f"{r.kind} not in {LANGUAGE_NAMES[lang]}: {r.source}"
                        + (f" ({r.document}, {r.section})" if r.section else f" ({r.document})") + f": {r.text!r}")
                for r in rows]
    problems += [Problem(f"status final ({lang})", f"{warning_kind(w)}: {w}") for w in warnings]
    return problems
