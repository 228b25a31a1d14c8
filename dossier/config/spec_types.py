"""The value types of dossier.yaml shared by dossier.config.spec and the analysis types' options models
(dossier.analyses.options): the strict frozen base model and the per-language writer's text."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, field_validator
from pydantic_core import PydanticCustomError


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)


ScalarValue = str | int | float
LANGUAGES = ("en", "ja")


class PerLanguage(dict):
    """A yaml text given once per document language: {"en": ..., "ja": ...} (at least one)."""

    def pick(self, lang: str) -> str:
        """The text for `lang`, else the English one, else the first one given."""
        return self.get(lang) or self.get("en") or next(iter(self.values()))


class Localised(str):
    """A yaml text of every language at once, for the analyses of a `--lang both` build (run once for both
    documents): as a str it is the English text (warnings, evidence); formatting.Formatter shows the text
    of the document's language (`pick`)."""

    texts: dict[str, str]

    def __new__(cls, texts: dict[str, str]) -> Self:
        text = super().__new__(cls, PerLanguage(texts).pick("en"))
        text.texts = dict(texts)
        return text

    def __str__(self) -> str:  # str() keeps every language (the analyses write Text(str(title)))
        return self

    def __reduce__(self):  # the statistics cache pickles the results
        return (Localised, (self.texts,))

    def pick(self, lang: str) -> str:
        return PerLanguage(self.texts).pick(lang)


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


class Milestone(_Model):
    """A dated step of a development plan (the documents' schedule and timeline tables)."""

    milestone: LocalText
    date: LocalText | None = None  # free text ("Q3 2027"), so it may differ per language
    region: LocalText | None = None


def _translations(value: Any) -> PerLanguage:
    """Validate a label given per language: a mapping of language code to text ({en: ..., ja: ...})."""
    if not isinstance(value, dict):
        raise PydanticCustomError("local_text", "must be a mapping of language to text ({en: ..., ja: ...}), "
                                                "got {kind}", {"kind": _kind(value)})
    return _local_text(value)


# A label given once per language: `{en: ..., ja: ...}` (at least one language).
Translations = Annotated[PerLanguage, PlainValidator(_translations)]


class VariableLabels(_Model):
    """`labels: {VARIABLE: {label: {en, ja}, values: {VALUE: {en, ja}}}}`: how the documents show a data
    variable (its row label) and its values in each language (dossier.document.labels)."""

    label: Translations | None = None
    values: dict[str, Translations] = Field(default_factory=dict)

    @field_validator("values", mode="before")
    @classmethod
    def _value_keys(cls, value: Any) -> Any:
        """A code written as a yaml number (`1: {en: ...}`) is the text of that code."""
        if isinstance(value, dict):
            return {(str(k) if isinstance(k, (int, float)) and not isinstance(k, bool) else k): v
                    for k, v in value.items()}
        return value
