"""dossier.yaml -> TrialSpec: typed, frozen, validated; every problem reported at once with its key path."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, Field, PrivateAttr, StringConstraints, ValidationError, create_model

from dossier.analyses import registry
from dossier.config.limits import (
    MAX_ANALYSES,
    MAX_TEXT_BYTES,
    long_token,
)
from dossier.config.spec_problems import long_words, pydantic_problems, too_long
from dossier.config.spec_types import (  # noqa: F401 (re-exported)
    LANGUAGES,
    Localised,
    LocalText,
    PerLanguage,
    ScalarValue,
    VariableLabels,
    _kind,
    _Model,
)
from dossier.config.yaml_file import SPEC_FILE, read_yaml
from dossier.document.matter import Applicant, ClinicalStudy, Reference
from dossier.errors import Problem, SpecError

# A writer's-text value that names a Markdown file (relative to the trial folder) rather than inline text.
TEXT_FILE = re.compile(r"^[^\n]+\.md$")


class Study(_Model):
    id: str
    title: LocalText
    phase: LocalText | None = None
    design: LocalText | None = None
    sponsor: LocalText | None = None
    duration: LocalText | None = None
    primary_endpoint: LocalText | None = None


class Product(_Model):
    name: LocalText
    code: str | None = None
    generic_name: LocalText | None = None
    modality: LocalText | None = None
    mechanism: LocalText | None = None
    dose: LocalText | None = None  # dose and administration
    # the product's category under the PMD Act: the documents' words for it (dossier.document.product_types)
    type: Literal["drug", "regenerative_medicine", "device"] = "drug"


# One analysis of `analyses:`: the options model of its `type` (each type's module under dossier/analyses/
# declares its own; the keys every type has are dossier.analyses.options.AnalysisOptions).
Analysis = registry.analysis_union()


CONSISTENCY_ID = "japanese_population"
# an abbreviation of `abbreviations:`: letters, digits and - + ( ) / . without spaces
Abbreviation = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9()/.+\-]*$", max_length=24)]


class JapanesePopulation(_Model):
    """`japanese_population:` marks the Japanese subjects (ADSL `variable` = `value`, e.g. COUNTRY: JPN) for the
    consistency evaluation (MHLW 2007 Methods 1 and 2) of every analysis with `subgroups:`."""

    variable: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=32)
    value: ScalarValue
    region: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=32)
    threshold: float = Field(default=0.5, ge=0, lt=1)  # π of Method 1 (the contract's consistency_threshold)
    planned_n: tuple[int, ...] = ()  # Japanese sample sizes for Method 1's planning probability
    planned_total: int | None = None  # the planned trial's size in the two compared arms (default: as analysed)

    def value_problems(self) -> list[tuple[str, str]]:
        found = [("planned_n", f"{n} is not a positive number of subjects") for n in self.planned_n if n < 1]
        if self.planned_total is not None:
            found += [("planned_n", f"{n} is more than planned_total ({self.planned_total})")
                      for n in self.planned_n if n > self.planned_total]
        if len(set(self.planned_n)) < len(self.planned_n):
            found.append(("planned_n", "a sample size is given twice"))
        return found


class _TrialSpec(_Model):
    """The validated content of dossier.yaml: the keys every trial has; TrialSpec adds one key per document
    type with a yaml section (dossier.document.registry: `briefing`, `sakigake`, `orphan`, ...)."""

    study: Study
    product: Product
    indication: LocalText
    language: Literal["en", "ja"] = "en"
    population: str = "SAFFL"
    arm: str = "TRT01A"
    reference_arm: str | None = None
    confidence_level: float = Field(default=0.95, gt=0.5, lt=1)
    synthetic: bool = False
    date: dt.date | None = None  # document date; else SOURCE_DATE_EPOCH; else undated (never the clock)
    analyses: tuple[Analysis, ...] = Field(min_length=1)
    japanese_population: JapanesePopulation | None = None
    _source: Any = PrivateAttr(default=None)  # localised(): the spec with every language's text
    # draft: fallbacks and warnings are shown in review/ and the draft appendix; final: each is an error
    status: Literal["draft", "final"] = "draft"
    labels: dict[Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=32)],
                 VariableLabels] = Field(default_factory=dict)
    meddra_ja: str | None = None  # a CSV in the trial folder: MedDRA terms en -> ja (columns level, en, ja)
    # front and back matter of every document (dossier.document.matter)
    applicant: Applicant | None = None
    abbreviations: dict[Abbreviation, LocalText | None] = Field(default_factory=dict)  # additions and overrides (None: leave one out)
    references: tuple[Reference, ...] = ()
    studies: tuple[ClinicalStudy, ...] = ()

    def analysis(self, analysis_id: str) -> Analysis:
        return next(a for a in self.analyses if a.id == analysis_id)

    def localised(self, lang: str | None = None) -> _TrialSpec:
        """This spec in document language `lang` (default: its own), with every per-language text
        (`{en: ..., ja: ...}`) resolved to the text of that language (falling back to English,
        then to the first language given)."""
        lang = lang or self.language
        out = _resolve(self, lang).model_copy(update={"language": lang})
        out._source = getattr(self, "_source", None) or self  # the texts as given (dossier.document.translation reads them)
        return out

    def all_languages(self) -> _TrialSpec:
        """This spec for analyses shared by the documents of every language (`--lang both`): each
        per-language text becomes a spec_types.Localised, which shows the document's language's text."""
        return _resolve(self, None).model_copy(update={"language": "en"})


def _document_fields() -> dict[str, Any]:
    """One yaml key per document type with a section model: its defaults when the document is always built
    (briefing, sakigake), else absent (None) until the yaml gives it (orphan)."""
    from dossier.document.registry import types

    fields: dict[str, Any] = {}
    for document in types().values():
        if document.section is None:
            continue
        if document.always:
            fields[document.name] = (document.section, document.section())
        else:
            fields[document.name] = (Optional[document.section], None)  # noqa: UP045 (a runtime union)
    return fields


def rebuild() -> None:
    """Make TrialSpec again from the document registry (after dossier.document.registry.registered())."""
    global TrialSpec
    TrialSpec = create_model("TrialSpec", __base__=_TrialSpec, __module__=__name__, **_document_fields())


TrialSpec: Any = None
rebuild()


def _resolve(value: Any, lang: str | None) -> Any:
    """`value` with every PerLanguage text inside it replaced by its `lang` text (None: by a Localised
    holding every language's text)."""
    if isinstance(value, PerLanguage):
        return Localised(value) if lang is None else value.pick(lang)
    if isinstance(value, tuple):
        return tuple(_resolve(v, lang) for v in value)
    if isinstance(value, dict) and any(isinstance(v, PerLanguage) for v in value.values()):
        return {k: _resolve(v, lang) for k, v in value.items()}
    if isinstance(value, BaseModel):
        changed = {}
        for name in type(value).model_fields:
            old = getattr(value, name)
            new = _resolve(old, lang)
            if new is not old:
                changed[name] = new
        return value.model_copy(update=changed) if changed else value
    return value


# ------------------------------------------------------------------------------------ loading


def load_spec(trial_dir: Path) -> TrialSpec:
    """Read and validate `trial_dir/dossier.yaml`. Raises SpecError listing every problem."""
    from dossier.data.gate import admit

    path = trial_dir / SPEC_FILE
    if path.exists() or path.is_symlink():
        admit(path, trial_dir, SpecError)  # no link leaving the trial folder, no hard link (dossier.data.gate)
    raw = read_yaml(path)
    return parse_spec(raw, trial_dir)


def parse_spec(raw: Any, trial_dir: Path) -> TrialSpec:
    """Validate a parsed yaml document; every problem is collected before raising."""
    where = str(trial_dir / SPEC_FILE)
    if not isinstance(raw, dict):
        kind = "empty" if raw is None else f"a {type(raw).__name__}"
        raise SpecError(f"must be a mapping of keys (study, product, indication, analyses ...), got {kind}", where=where)
    if isinstance(raw.get("analyses"), list) and len(raw["analyses"]) > MAX_ANALYSES:
        raise SpecError(f"analyses: {len(raw['analyses'])} analyses, more than the limit of {MAX_ANALYSES}", where=where)
    problems: list[Problem] = list(long_words(raw, where)) + _empty_sections(raw, where)
    try:
        spec = TrialSpec.model_validate(raw)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, raw, where, TrialSpec))
        raise SpecError(problems) from None
    problems.extend(_semantic_problems(spec, trial_dir, where))
    if problems:
        error = SpecError(problems)
        error.spec = spec  # well-formed: `dossier check` goes on to check the data with it
        raise error
    return spec


def _empty_sections(raw: dict, where: str) -> list[Problem]:
    """`orphan:` with nothing under it would silently build no document: a problem naming the key."""
    from dossier.document.registry import types

    return [Problem(f"{where}: {name}", "empty: give the document's keys (see the README), or remove the key")
            for name, document in types().items()
            if document.section is not None and not document.always and name in raw and raw[name] is None]


def _semantic_problems(spec: TrialSpec, trial_dir: Path, where: str) -> list[Problem]:
    problems: list[Problem] = []

    def add(key: str, msg: str) -> None:
        problems.append(Problem(f"{where}: {key}", msg))

    ids: dict[str, int] = {}
    for i, a in enumerate(spec.analyses):
        key = f"analyses[{i + 1}]"
        if a.id in ids:
            add(f"{key}.id", f"duplicate analysis id {a.id!r} (also analyses[{ids[a.id] + 1}])")
        ids.setdefault(a.id, i)
        for name, msg in a.problems():
            add(f"{key}.{name}", msg)
    known = set(ids)
    jp = spec.japanese_population
    if jp is not None:
        for name, msg in jp.value_problems():
            add(f"japanese_population.{name}", msg)
        if not any(getattr(a, "subgroups", ()) for a in spec.analyses):
            add("japanese_population", "no analysis has `subgroups:`, so no consistency evaluation would use it")
        known.add(CONSISTENCY_ID)

    def check_refs(key: str, refs: tuple[str, ...]) -> None:
        for j, ref in enumerate(refs):
            if ref not in known:
                close = difflib.get_close_matches(ref, sorted(known), n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                add(f"{key}[{j + 1}]", f"no analysis with id {ref!r}{hint}")

    from dossier.document.registry import types as documents

    if "documents" in known:
        add(f"analyses[{ids['documents']}].id", "'documents' is reserved: live references [[documents:...]] read "
            "the numbers the documents compute; choose another id")
    for document in documents().values():
        section = document.of(spec)
        if section is None:
            continue
        for key, refs in document.analysis_refs(section):
            check_refs(f"{document.name}.{key}", refs)
        for key, msg in document.problems(section, spec):
            add(f"{document.name}.{key}", msg)

    from dossier.document.matter import spec_problems as matter_problems

    problems.extend(matter_problems(spec, trial_dir, where))
    for key, value in text_fields(spec):
        if value is not None and TEXT_FILE.match(value):
            problem = check_text_path(trial_dir, value)
            if problem:
                add(key, problem)
    if spec.meddra_ja:
        from dossier.document.labels import read_meddra

        try:
            read_meddra(trial_dir, spec.meddra_ja)
        except SpecError as exc:
            problems.extend(exc.problems)
    return problems


def text_fields(spec: TrialSpec) -> list[tuple[str, str | None]]:
    """Every writer's-text field with its key path: inline text, or a path to a Markdown file. A text
    given per language appears once per language, its key path ending in the language
    (`briefing.disease.ja`); a localised spec has one text per field."""
    from dossier.document.registry import types as documents

    fields: list[tuple[str, Any]] = []
    for document in documents().values():
        section = document.of(spec)
        if section is not None:
            fields.extend((f"{document.name}.{key}", value) for key, value in document.text_fields(section))
    out: list[tuple[str, str | None]] = []
    for key, value in fields:
        if isinstance(value, PerLanguage):
            out.extend((f"{key}.{lang}", text) for lang, text in value.items())
        else:
            out.append((key, value))
    return out


def check_text_path(trial_dir: Path, value: str) -> str | None:
    """Why a referenced Markdown file cannot be used, or None when it can."""
    rel = Path(value)
    if rel.is_absolute() or ".." in rel.parts:
        return f"{value!r} must be a path inside the trial folder (e.g. text/disease.md)"
    root = trial_dir.resolve()
    target = (trial_dir / rel).resolve()
    if root not in target.parents:
        return f"{value!r} points outside the trial folder"
    localised = [target.parent / lang / target.name for lang in ("en", "ja")]
    if not target.is_file() and not any(p.is_file() for p in localised):
        return f"text file {value!r} does not exist"
    for path in (trial_dir / rel, *[(trial_dir / rel).parent / lang / rel.name for lang in ("en", "ja")]):
        shown, real = path.relative_to(trial_dir).as_posix(), path.resolve()
        if not path.exists():
            continue
        if root not in real.parents or not real.is_file():
            return f"{shown!r} points outside the trial folder or is not a file"
        if real.stat().st_size > MAX_TEXT_BYTES:
            return f"text file {shown!r} is larger than the limit of {MAX_TEXT_BYTES:,} bytes"
        try:
            text = real.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            return f"text file {shown!r} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        token = long_token(text)
        if token:
            line = text.count("\n", 0, token.start()) + 1
            return f"text file {shown!r} line {line}: {too_long(token)}"
    return None
