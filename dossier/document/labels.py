"""Data values and variable labels in the document language.

What a table shows for a value of a data variable (an arm, a sex code, a visit, a reason for
discontinuation, a MedDRA term) or for the variable itself (its row label) comes from, in order:
dossier.yaml `labels:`; for MedDRA variables the trial folder's mapping file (`meddra_ja:`); the built-in
terms of dossier/document/terms.yaml (CDISC controlled terminology, visit names by pattern, age groups, regions,
common ADSL variable labels); the value itself. `Terms` (held by the Formatter) records every text it shows
in another language than the document's, for the translation report (dossier.document.translation).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from dossier.errors import Problem, SpecError

TERMS_FILE = Path(__file__).parent / "terms.yaml"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f\u3005\u30fc]")
LATIN = re.compile(r"[A-Za-z]")
# MedDRA levels and the variables that hold their terms (ADaM ADAE / SDTM AE names)
MEDDRA_LEVELS = {"SOC": ("AEBODSYS", "AESOC"), "HLGT": ("AEHLGT",), "HLT": ("AEHLT",), "PT": ("AEDECOD", "AEPT"),
                 "LLT": ("AELLT",)}
MEDDRA_VARIABLES = frozenset(v for names in MEDDRA_LEVELS.values() for v in names)
AGE_GROUP = re.compile(r"AGEGR\w*")
MAX_MAPPING_BYTES = 20_000_000


def language_of(text: str) -> str | None:
    """"ja" when `text` holds Japanese script, "en" when it holds Latin letters only, None when it holds
    neither (numbers, symbols: the same in every language)."""
    if JAPANESE.search(text):
        return "ja"
    if LATIN.search(text):
        return "en"
    return None


def foreign(text: str, lang: str) -> str | None:
    """The language `text` is in when that is not `lang` (None: `text` reads in `lang` or in any language)."""
    found = language_of(text)
    return found if found is not None and found != lang else None


# ------------------------------------------------------------------------------------- built-in terms


@dataclass(frozen=True)
class Codelist:
    variables: tuple[re.Pattern, ...]
    values: dict[str, dict[str, str]]  # VALUE (upper case) -> {lang: text}

    def applies(self, variable: str) -> bool:
        return any(p.fullmatch(variable) for p in self.variables)


@dataclass(frozen=True)
class BuiltIn:
    variables: dict[str, dict[str, str]]  # VARIABLE -> {lang: label}
    codelists: tuple[Codelist, ...]
    visit_variables: tuple[re.Pattern, ...]
    visits: tuple[dict[str, tuple[re.Pattern, ...]], ...]  # per visit name: {lang: patterns}, first shown
    visit_forms: tuple[dict[str, str], ...]  # per visit name: {lang: the form shown, with {n}}


def _patterns(names) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(str(n), re.IGNORECASE) for n in names)


def _visit_pattern(form: str) -> re.Pattern:
    return re.compile(re.escape(form).replace(r"\{n\}", r"(?P<n>\d+(?:\.\d+)?)").replace(r"\ ", r"\s*"), re.IGNORECASE)


@lru_cache(maxsize=1)
def built_in() -> BuiltIn:
    """The packaged terms (dossier/document/terms.yaml)."""
    import yaml

    raw = yaml.safe_load(TERMS_FILE.read_text(encoding="utf-8"))
    codelists = tuple(Codelist(_patterns(c["variables"]), {str(k).upper(): dict(v) for k, v in c["values"].items()})
                      for c in raw["codelists"])
    names = raw["visits"]["names"]
    return BuiltIn({k.upper(): dict(v) for k, v in raw["variables"].items()}, codelists,
                   _patterns(raw["visits"]["variables"]),
                   tuple({lang: tuple(_visit_pattern(f) for f in forms) for lang, forms in n.items()} for n in names),
                   tuple({lang: forms[0] for lang, forms in n.items()} for n in names))


def _visit(value: str, lang: str) -> str | None:
    terms = built_in()
    for patterns, forms in zip(terms.visits, terms.visit_forms, strict=True):
        for any_lang in patterns.values():
            for pattern in any_lang:
                match = pattern.fullmatch(value.strip())
                if match:
                    n = match.groupdict().get("n")
                    return forms[lang].replace("{n}", n) if n is not None else forms[lang]
    return None


_AGE = re.compile(r"(<=|>=|<|>|≤|≥)\s*(\d+)\s*(?:years?|yrs?|y)?", re.IGNORECASE)
_AGE_RANGE = re.compile(r"(\d+)\s*(?:-|–|to)\s*(<)?\s*(\d+)\s*(?:years?|yrs?|y)?", re.IGNORECASE)


def _age_group(value: str, lang: str) -> str | None:
    """"<65" -> "65歳未満", ">=75" -> "75歳以上", "65-80" -> "65～80歳", "65 to <75" -> "65歳以上75歳未満"."""
    text = value.strip()
    one = _AGE.fullmatch(text)
    if one:
        sign, n = one.groups()
        if lang == "ja":
            return n + {"<": "歳未満", "<=": "歳以下", "≤": "歳以下", ">": "歳超", ">=": "歳以上", "≥": "歳以上"}[sign]
        return {"<=": "≤", ">=": "≥"}.get(sign, sign) + n + " years"
    two = _AGE_RANGE.fullmatch(text)
    if two:
        low, below, high = two.groups()
        if lang == "ja":
            return f"{low}歳以上{high}歳未満" if below else f"{low}～{high}歳"
        return f"{low} to <{high} years" if below else f"{low}-{high} years"
    return None


# ------------------------------------------------------------------------------------- the trial's catalogue


@dataclass(frozen=True)
class Catalogue:
    """The trial's labels (yaml `labels:`, upper-case variable names and values) and MedDRA mapping."""

    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)  # VAR -> VALUE -> {lang: text}
    variables: dict[str, dict[str, str]] = field(default_factory=dict)  # VAR -> {lang: label}
    meddra: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)  # LEVEL -> TERM -> {lang: text}

    def value(self, variable: str | None, value: str, lang: str) -> str | None:
        """`value` of `variable` in `lang`, or None when nothing gives it."""
        key, var = value.strip().upper(), (variable or "").upper()
        given = self.values.get(var, {}).get(key)
        if given and lang in given:
            return given[lang]
        if var in MEDDRA_VARIABLES:  # never from the built-in terms
            return self._meddra(var, key, lang)
        if not var:
            return None
        terms = built_in()
        for codelist in terms.codelists:
            if codelist.applies(var) and key in codelist.values:
                return codelist.values[key].get(lang)
        if any(p.fullmatch(var) for p in terms.visit_variables):
            return _visit(value, lang)
        if AGE_GROUP.fullmatch(var):
            return _age_group(value, lang)
        return None

    def _meddra(self, variable: str, term: str, lang: str) -> str | None:
        for level, names in MEDDRA_LEVELS.items():
            if variable in names:
                found = self.meddra.get(level, {}).get(term) or self.meddra.get("", {}).get(term)
                return found.get(lang) if found else None
        return None

    def variable_label(self, variable: str, lang: str) -> str | None:
        """The label of `variable` in `lang` given by yaml `labels:` (None when it gives none)."""
        return self.variables.get(variable.upper(), {}).get(lang)

    def digest(self) -> str:
        from dossier.hashing import json_sha256

        return json_sha256([self.values, self.variables, self.meddra], ensure_ascii=False)


def catalogue(spec, trial_dir: Path | None) -> Catalogue:
    """The Catalogue of a TrialSpec (its `labels:` and, when given, the `meddra_ja:` mapping file)."""
    values = {var.upper(): {str(k).strip().upper(): dict(v) for k, v in entry.values.items()}
              for var, entry in spec.labels.items()}
    variables = {var.upper(): dict(entry.label) for var, entry in spec.labels.items() if entry.label}
    meddra = read_meddra(trial_dir, spec.meddra_ja) if spec.meddra_ja and trial_dir is not None else {}
    return Catalogue(values, variables, meddra)


MEDDRA_COLUMNS = ("level", "en", "ja")


def read_meddra(trial_dir: Path, name: str) -> dict[str, dict[str, dict[str, str]]]:
    """The `meddra_ja:` CSV (UTF-8, columns `en`, `ja` and optionally `level`: SOC, HLGT, HLT, PT, LLT):
    LEVEL ("" when the file has no level column) -> ENGLISH TERM (upper case) -> {"en": ..., "ja": ...}.
    A bad file is a SpecError naming the file, the row and the column."""
    from dossier.data.gate import admit, read_utf8

    path = trial_dir / name
    where = f"{trial_dir / 'dossier.yaml'}: meddra_ja"
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise SpecError(f"{name!r} must be a path inside the trial folder (e.g. meddra_ja.csv)", where=where)
    if not path.is_file():
        raise SpecError(f"mapping file {name!r} does not exist", where=where)
    admit(path, trial_dir, SpecError)
    text = read_utf8(path, MAX_MAPPING_BYTES, SpecError, "; save it as UTF-8 CSV")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise SpecError("empty: give a header row with the columns en and ja (and level)", where=str(path))
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in ("en", "ja") if c not in header]
    if missing:
        raise SpecError(f"no column {', '.join(missing)} in the header row (the columns are en, ja and optionally "
                        "level)", where=str(path))
    out: dict[str, dict[str, dict[str, str]]] = {}
    problems = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        cells = dict(zip(header, (c.strip() for c in row), strict=False))
        level = cells.get("level", "").upper()
        if "level" in header and level not in MEDDRA_LEVELS:
            problems.append(Problem(f"{path}: row {number}, column level",
                                    f"{level or 'blank'!r} is not one of {', '.join(MEDDRA_LEVELS)}"))
            continue
        if not cells.get("en") or not cells.get("ja"):
            problems.append(Problem(f"{path}: row {number}", "give both the English (en) and the Japanese (ja) term"))
            continue
        out.setdefault(level, {})[cells["en"].upper()] = {"en": cells["en"], "ja": cells["ja"]}
    if problems:
        raise SpecError(problems)
    return out


# ------------------------------------------------------------------------------------- what a document shows


@dataclass(frozen=True)
class Shown:
    """One text a document shows in another language than its own (a row of the translation report)."""

    document: str
    section: str
    kind: str  # "yaml text", "text file", "data value", "variable label"
    source: str  # yaml key path, file, or dataset variable
    text: str
    language: str  # the language the text is in ("en", "ja"), or "variable name"


class Terms:
    """Data values and variable labels in one document language, recording each one shown in another
    language (`shown`). `arms`: arm value -> its variable (the values of the trial's treatment variables,
    shown wherever the analyses name an arm)."""

    def __init__(self, lang: str, catalogue: Catalogue | None = None, arms: dict[str, str] | None = None) -> None:
        self.lang = lang
        self.catalogue = catalogue or Catalogue()
        self.arms = dict(arms or {})
        self.document = ""
        self.section = ""
        self.shown: dict[tuple, Shown] = {}

    def __getstate__(self) -> dict[str, Any]:  # the figure workers need the words, not the record
        return {**self.__dict__, "shown": {}}

    def place(self, document: str, section: str = "") -> None:
        """Where the texts shown next are (the report's document and section columns)."""
        self.document, self.section = document, section

    def value(self, value: str, variable: str | None) -> str:
        """A data value of `variable` as the document shows it."""
        if variable is None and value in self.arms:
            variable = self.arms[value]
        if variable is None:
            return value
        found = self.catalogue.value(variable, value, self.lang)
        if found:
            return found
        language = foreign(value, self.lang)
        if language is not None:
            kind = "MedDRA term" if variable.upper() in MEDDRA_VARIABLES else "data value"
            self.record(kind, variable.upper(), value, language)
        return value

    def label(self, variable: str, dataset_label: str) -> str:
        """The row label of `variable`: yaml `labels:`, the dataset's label when it is in the document
        language, the built-in label, any dataset label, the bare name (the last two are recorded)."""
        var = variable.upper()
        given = self.catalogue.variable_label(var, self.lang)
        if given:
            return given
        named = dataset_label if dataset_label and dataset_label != var else ""
        if named and foreign(named, self.lang) is None:
            return named
        built = built_in().variables.get(var, {}).get(self.lang)
        if built:
            return built
        if named:
            self.record("variable label", var, named, foreign(named, self.lang) or "")
            return named
        self.record("variable label", var, var, "variable name")
        return var

    def record(self, kind: str, source: str, text: str, language: str) -> None:
        row = Shown(self.document, self.section, kind, source, text, language)
        self.shown.setdefault((row.document, row.kind, row.source, row.text), row)  # once per document

    def digest(self) -> str:
        return self.catalogue.digest() + repr(sorted(self.arms.items()))
