"""dossier.yaml -> TrialSpec: typed, frozen, validated; every problem reported at once with its key path."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError
from pydantic_core import PydanticCustomError

from dossier.errors import Problem, SpecError

SPEC_FILE = "dossier.yaml"
ANALYSIS_TYPES = ("baseline", "change_from_baseline", "time_to_event", "adverse_events", "disposition")
MAX_ANALYSES = 200
MAX_YAML_BYTES = 2_000_000

# A writer's-text value that names a Markdown file (relative to the trial folder) rather than inline text.
TEXT_FILE = re.compile(r"^[^\n]+\.md$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


ScalarValue = str | int | float
LANGUAGES = ("en", "ja")


class PerLanguage(dict):
    """A yaml text given once per document language: {"en": ..., "ja": ...} (at least one)."""

    def pick(self, lang: str) -> str:
        """The text for `lang`, else the English one, else the first one given."""
        return self.get(lang) or self.get("en") or next(iter(self.values()))


def _kind(value: Any) -> str:
    """What a wrong value is, briefly (never the repr of a whole list or mapping)."""
    if isinstance(value, (bool, int, float)):
        return repr(value)
    return {list: "a list", dict: "a mapping", type(None): "nothing"}.get(type(value), f"a {type(value).__name__}")


def _local_text(value: Any) -> str | PerLanguage:
    """Validate a writer-facing text: a string, or a mapping of language code to string."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        if not value:
            raise PydanticCustomError("local_text", "empty mapping: give the text, or one text per language "
                                                    "({en: ..., ja: ...})")
        texts = PerLanguage()
        for lang, text in value.items():
            if lang not in LANGUAGES:
                raise PydanticCustomError("local_text", "unknown language {lang} (the languages are en and ja)",
                                          {"lang": repr(lang)})
            if not isinstance(text, str):
                raise PydanticCustomError("local_text", "the {lang} text must be a string, got {kind}",
                                          {"lang": lang, "kind": _kind(text)})
            texts[lang] = text.strip()
        return texts
    raise PydanticCustomError("local_text", "must be a string, or one string per language ({en: ..., ja: ...}), "
                                            "got {kind}", {"kind": _kind(value)})


# Text shown in the documents as the writer wrote it: one string, or one per language
# (`{en: ..., ja: ...}`); TrialSpec.localised() picks the document language's.
LocalText = Annotated[str | PerLanguage, PlainValidator(_local_text)]


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


class Analysis(_Model):
    id: str = Field(pattern=r"^[a-z0-9_-]+$", max_length=64)
    type: Literal["baseline", "change_from_baseline", "time_to_event", "adverse_events", "disposition"]
    title: LocalText | None = None
    dataset: str | None = None
    param: str | None = None
    population: str | None = None
    arm: str | None = None
    where: dict[str, ScalarValue | list[ScalarValue]] = {}
    # baseline
    variables: tuple[str, ...] = ()
    # change_from_baseline
    visits: tuple[str, ...] = ()
    covariates: tuple[str, ...] | None = None
    mcid: float | None = None
    improvement: Literal["increase", "decrease"] = "increase"
    dose_response: str | None = None  # numeric ADSL/record variable coding dose, e.g. TRTPN
    # time_to_event
    landmarks: tuple[float, ...] = ()
    at_risk_every: float | None = Field(default=None, gt=0)
    time_unit: str = "days"


class Question(_Model):
    question: LocalText
    position: LocalText | None = None
    rationale: LocalText | None = None
    evidence: tuple[str, ...] = ()  # analysis ids supporting the position


class Designation(_Model):
    region: LocalText
    designation: LocalText
    date: dt.date | None = None
    status: LocalText | None = None


class Milestone(_Model):
    milestone: LocalText
    date: LocalText | None = None  # free text ("Q3 2027"), so it may differ per language
    region: LocalText | None = None


class Briefing(_Model):
    consultation_category: LocalText | None = None
    version: str | None = None
    questions: tuple[Question, ...] = ()
    product_overview: LocalText | None = None
    disease: LocalText | None = None
    current_treatment: LocalText | None = None
    unmet_need: LocalText | None = None
    development_history: LocalText | None = None
    regulatory_status: tuple[Designation, ...] = ()
    quality_nonclinical: LocalText | None = None
    clinical_summary: LocalText | None = None
    development_plan: LocalText | None = None
    timeline: tuple[Milestone, ...] = ()


class Criterion(_Model):
    text: LocalText | None = None
    summary: LocalText | None = None
    analyses: tuple[str, ...] = ()


class Filing(_Model):
    region: LocalText
    date: dt.date | None = None
    note: LocalText | None = None


class JapanFirst(Criterion):
    japan_filing: dt.date | None = None
    other_filings: tuple[Filing, ...] = ()


class Sakigake(_Model):
    version: str | None = None
    development_stage: LocalText | None = None
    innovativeness: Criterion = Criterion()
    seriousness: Criterion = Criterion()
    efficacy: Criterion = Criterion()
    japan_first: JapanFirst = JapanFirst()
    schedule: tuple[Milestone, ...] = ()
    attachments: tuple[LocalText, ...] = ()


class TrialSpec(_Model):
    """The validated content of dossier.yaml."""

    study: Study
    product: Product
    indication: LocalText
    language: Literal["en", "ja"] = "en"
    population: str = "SAFFL"
    arm: str = "TRT01A"
    reference_arm: str | None = None
    confidence_level: float = Field(default=0.95, gt=0.5, lt=1)
    synthetic: bool = False
    date: dt.date | None = None  # document date; else SOURCE_DATE_EPOCH; else the inputs' newest date
    analyses: tuple[Analysis, ...] = Field(min_length=1)
    briefing: Briefing = Briefing()
    sakigake: Sakigake = Sakigake()

    def analysis(self, analysis_id: str) -> Analysis:
        return next(a for a in self.analyses if a.id == analysis_id)

    def localised(self, lang: str | None = None) -> TrialSpec:
        """This spec in document language `lang` (default: its own), with every per-language text
        (`{en: ..., ja: ...}`) resolved to the text of that language (falling back to English,
        then to the first language given)."""
        lang = lang or self.language
        return _resolve(self, lang).model_copy(update={"language": lang})


def _resolve(value: Any, lang: str) -> Any:
    """`value` with every PerLanguage text inside it replaced by its `lang` text."""
    if isinstance(value, PerLanguage):
        return value.pick(lang)
    if isinstance(value, tuple):
        return tuple(_resolve(v, lang) for v in value)
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
    from dossier.gate import admit

    path = trial_dir / SPEC_FILE
    if path.exists() or path.is_symlink():
        admit(path, trial_dir, SpecError)  # no link leaving the trial folder, no hard link (dossier.gate)
    raw = _read_yaml(path)
    return parse_spec(raw, trial_dir)


def _read_yaml(path: Path) -> Any:
    import yaml

    if not path.is_file():
        raise SpecError(f"not found (a trial folder needs a {SPEC_FILE})", where=str(path))
    if path.stat().st_size > MAX_YAML_BYTES:
        raise SpecError(f"file is larger than {MAX_YAML_BYTES // 1_000_000} MB; is this the right file?", where=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text (byte {exc.start})", where=str(path)) from None

    class Loader(yaml.SafeLoader):
        """Dates stay text: pydantic parses them and names the key of a bad one. A key given twice
        in one mapping is an error (PyYAML would silently keep the last value)."""

        def construct_mapping(self, node, deep=False):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, (str, int, float, bool)) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} is given twice (first on line {seen[key] + 1})", key_node.start_mark)
                if isinstance(key, (str, int, float, bool)):
                    seen[key] = key_node.start_mark.line
            return super().construct_mapping(node, deep=deep)

    Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
                                      for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(f"invalid YAML{line}: {reason}", where=str(path)) from None


def parse_spec(raw: Any, trial_dir: Path) -> TrialSpec:
    """Validate a parsed yaml document; every problem is collected before raising."""
    where = str(trial_dir / SPEC_FILE)
    if not isinstance(raw, dict):
        kind = "empty" if raw is None else f"a {type(raw).__name__}"
        raise SpecError(f"must be a mapping of keys (study, product, indication, analyses ...), got {kind}", where=where)
    if isinstance(raw.get("analyses"), list) and len(raw["analyses"]) > MAX_ANALYSES:
        raise SpecError(f"analyses: {len(raw['analyses'])} analyses, more than the limit of {MAX_ANALYSES}", where=where)
    problems: list[Problem] = []
    try:
        spec = TrialSpec.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, raw, where))
        raise SpecError(problems) from None
    problems.extend(_semantic_problems(spec, trial_dir, where))
    if problems:
        raise SpecError(problems)
    return spec


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class that holds the key at `loc` (to suggest its known keys)."""
    model: Any = TrialSpec
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return None
        ann = field.annotation
        model = _inner_model(ann)
        if model is None:
            return None
    return model


def _inner_model(ann: Any) -> type[BaseModel] | None:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _pydantic_problems(exc: ValidationError, raw: dict, where: str) -> list[Problem]:
    problems = []
    seen = set()
    for err in exc.errors():
        loc = tuple(err["loc"])
        # pydantic reports union members separately (e.g. "where.X.str"); keep the user's path only
        loc = tuple(p for p in loc if not (isinstance(p, str) and p in {"str", "int", "float", "list[union[str,int,float]]"}))
        key = _key_path(loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            model = _model_at(loc)
            msg = "unknown key"
            if model is not None:
                close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.6)
                if close:
                    msg += f" (did you mean '{close[0]}'?)"
        elif kind == "missing":
            msg = "required key is missing"
        elif kind == "literal_error":
            msg = f"must be one of {err['ctx']['expected']}, got {err.get('input')!r}"
        elif kind == "local_text":
            msg = err["msg"]
        elif kind == "string_pattern_mismatch" and loc[-1] == "id":
            msg = f"{err.get('input')!r} is not a valid id (use lower-case letters, digits, '-' and '_')"
        else:
            msg = err["msg"][0].lower() + err["msg"][1:]
            if "input" in err and not isinstance(err["input"], (dict, list)):
                msg += f", got {err['input']!r}"
        if (key, msg) in seen:
            continue
        seen.add((key, msg))
        problems.append(Problem(f"{where}: {key}" if key else where, msg))
    return problems


def _semantic_problems(spec: TrialSpec, trial_dir: Path, where: str) -> list[Problem]:
    problems: list[Problem] = []

    def add(key: str, msg: str) -> None:
        problems.append(Problem(f"{where}: {key}", msg))

    ids: dict[str, int] = {}
    for i, a in enumerate(spec.analyses):
        key = f"analyses[{i}]"
        if a.id in ids:
            add(f"{key}.id", f"duplicate analysis id {a.id!r} (also analyses[{ids[a.id]}])")
        ids.setdefault(a.id, i)
        if a.type in ("change_from_baseline", "time_to_event"):
            if not a.dataset:
                add(f"{key}.dataset", f"required for a {a.type} analysis")
            if not a.param:
                add(f"{key}.param", f"required for a {a.type} analysis")
        if a.dataset and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", a.dataset):
            add(f"{key}.dataset", f"{a.dataset!r} is not a dataset name (the stem of a file in adam/, e.g. adtte)")
        if a.type == "baseline" and not a.variables:
            add(f"{key}.variables", "required for a baseline analysis (a list of ADSL variables)")
        for name, values in a.where.items():
            if isinstance(values, list) and not values:
                add(f"{key}.where.{name}", "empty list of values: no record could match")
        if a.landmarks and any(t < 0 for t in a.landmarks):
            add(f"{key}.landmarks", "times must not be negative")
    known = set(ids)

    def check_refs(key: str, refs: tuple[str, ...]) -> None:
        for j, ref in enumerate(refs):
            if ref not in known:
                close = difflib.get_close_matches(ref, sorted(known), n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                add(f"{key}[{j}]", f"no analysis with id {ref!r}{hint}")

    for i, q in enumerate(spec.briefing.questions):
        check_refs(f"briefing.questions[{i}].evidence", q.evidence)
    for name in ("innovativeness", "seriousness", "efficacy", "japan_first"):
        check_refs(f"sakigake.{name}.analyses", getattr(spec.sakigake, name).analyses)

    for key, value in text_fields(spec):
        if value is not None and TEXT_FILE.match(value):
            problem = check_text_path(trial_dir, value)
            if problem:
                add(key, problem)
    return problems


def text_fields(spec: TrialSpec) -> list[tuple[str, str | None]]:
    """Every writer's-text field with its key path: inline text, or a path to a Markdown file. A text
    given per language appears once per language, its key path ending in the language
    (`briefing.disease.ja`); a localised spec has one text per field."""
    fields: list[tuple[str, Any]] = []
    b = spec.briefing
    for name in ("product_overview", "disease", "current_treatment", "unmet_need", "development_history",
                 "quality_nonclinical", "clinical_summary", "development_plan"):
        fields.append((f"briefing.{name}", getattr(b, name)))
    for i, q in enumerate(b.questions):
        fields.append((f"briefing.questions[{i}].position", q.position))
        fields.append((f"briefing.questions[{i}].rationale", q.rationale))
    for name in ("innovativeness", "seriousness", "efficacy", "japan_first"):
        c = getattr(spec.sakigake, name)
        fields.append((f"sakigake.{name}.text", c.text))
        fields.append((f"sakigake.{name}.summary", c.summary))
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
        if real.stat().st_size > MAX_YAML_BYTES:
            return f"text file {shown!r} is larger than {MAX_YAML_BYTES // 1_000_000} MB"
        try:
            real.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            return f"text file {shown!r} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
    return None
