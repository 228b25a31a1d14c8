"""Front and back matter every document shares: the applicant block, the list of abbreviations, numbered
references cited as `[@key]`, and the table of the programme's clinical studies.

dossier.yaml's top-level `applicant:`, `abbreviations:`, `references:` and `studies:` are validated by the
models here (dossier.config.spec adds them to TrialSpec). The abbreviations and the references depend on the text a
document finally holds, so they are filled in after its template ran (`finish`): citations are numbered in
order of first appearance in that document, the reference list holds only the references it cites, and the
abbreviation list only the abbreviations its text uses (dossier.render.html.front_and_back_matter puts them into the
document's tree).
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import Field

from dossier.config.spec_types import LocalText, _Model
from dossier.errors import Problem, RenderError

REFERENCE_KEY = r"^[A-Za-z0-9][A-Za-z0-9_:.\-]*$"
# `[@key]` or `[@a; @b]` in a writer's text or a yaml text (the Pandoc citation syntax, without locators)
CITATION = re.compile(r"\[@([A-Za-z0-9][A-Za-z0-9_:.\-]*)((?:\s*;\s*@[A-Za-z0-9][A-Za-z0-9_:.\-]*)*)\]")
# the comments of a template that the list of abbreviations and the list of references replace
ABBREVIATIONS_MARK = "ABBREVIATIONS"
REFERENCES_MARK = "REFERENCES"


class Applicant(_Model):
    """`applicant:` the applicant's details, printed on the cover of every document."""

    name: LocalText
    address: LocalText | None = None
    contact: LocalText | None = None  # the contact person (name, department)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")


class Reference(_Model):
    """One entry of `references:`, cited as `[@key]`."""

    key: str = Field(pattern=REFERENCE_KEY, max_length=64)
    citation: LocalText
    url: str | None = Field(default=None, max_length=2000)  # printed as text, never fetched
    doi: str | None = Field(default=None, max_length=200, pattern=r"^10\.\S+/\S+$")


class ClinicalStudy(_Model):
    """One row of `studies:`, the table of the clinical studies of the programme."""

    id: str = Field(max_length=64)
    phase: LocalText | None = None
    design: LocalText | None = None
    population: LocalText | None = None
    region: LocalText | None = None
    n: int | LocalText | None = None  # subjects (a number), or a text such as "about 120 (planned)"
    status: LocalText | None = None


def cited_keys(text: str) -> list[str]:
    """The reference keys cited in `text`, in order of appearance."""
    keys = []
    for match in CITATION.finditer(text):
        keys.append(match.group(1))
        keys += [k.strip().lstrip("@") for k in match.group(2).split(";") if k.strip()]
    return keys


def spec_problems(spec, trial_dir, where: str) -> list[Problem]:
    """Duplicate reference keys, and every `[@key]` naming no reference: dossier.yaml by line, Markdown
    files by path and line."""
    from pathlib import Path

    from dossier.config.spec import SPEC_FILE

    problems: list[Problem] = []
    keys: dict[str, int] = {}
    for i, ref in enumerate(spec.references, start=1):
        if ref.key in keys:
            problems.append(Problem(f"{where}: references[{i}].key",
                                    f"duplicate reference key {ref.key!r} (also references[{keys[ref.key]}])"))
        keys.setdefault(ref.key, i)
    sources: list[tuple[str, str]] = []
    path = Path(trial_dir) / SPEC_FILE
    if path.is_file():
        try:
            sources.append((str(path), path.read_text(encoding="utf-8-sig")))
        except (OSError, UnicodeDecodeError):
            pass
    sources += _markdown_sources(spec, trial_dir)
    for source, text in sources:
        for number, line in enumerate(text.splitlines(), start=1):
            if source.endswith(SPEC_FILE) and line.lstrip().startswith("#"):
                continue  # a yaml comment is no text of the documents
            for key in cited_keys(line):
                if key not in keys:
                    close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.6)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    problems.append(Problem(source, f"line {number}: [@{key}]: no reference with key {key!r} in "
                                                    f"references:{hint}"))
    return problems


def _markdown_sources(spec, trial_dir) -> list[tuple[str, str]]:
    """(path, text) of the writer's Markdown files (inline yaml texts are read with dossier.yaml itself)."""
    from pathlib import Path

    from dossier.config.spec import SPEC_FILE
    from dossier.document.writer_text import text_sources

    inline = f"{Path(trial_dir) / SPEC_FILE}: "
    return list(dict.fromkeys((where, text) for where, text in text_sources(spec, trial_dir)
                              if not where.startswith(inline)))


def uncited_warnings(spec, trial_dir) -> list[str]:
    """A warning for each reference no text cites: it is listed in no document."""
    from pathlib import Path

    from dossier.config.spec import SPEC_FILE

    if not spec.references:
        return []
    texts = [text for _, text in _markdown_sources(spec, trial_dir)]
    path = Path(trial_dir) / SPEC_FILE
    if path.is_file():
        try:
            texts.append(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError):
            pass
    cited = {key for text in texts for key in cited_keys(text)}
    return [f"dossier.yaml: references[{i}]: {ref.key!r} is cited nowhere ([@{ref.key}]), so no document lists it"
            for i, ref in enumerate(spec.references, start=1) if ref.key not in cited]


def table_citation_warnings(spec) -> list[str]:
    """A warning for each `[@key]` in a `studies:` text: the studies table prints it as written (a citation is
    numbered in the text, never in a table's cell, where a dataset's value may look like one)."""
    out = []
    for i, study in enumerate(spec.studies, start=1):
        for name in ("phase", "design", "population", "region", "n", "status"):
            value = getattr(study, name)
            texts = value.values() if isinstance(value, dict) else [value] if isinstance(value, str) else []
            for key in dict.fromkeys(k for text in texts for k in cited_keys(text)):
                out.append(f"dossier.yaml: studies[{i}].{name}: [@{key}] is printed as written in the table of "
                           "studies (citations are numbered in the text, not in a table's cells): cite it in "
                           "the text around the table")
    return out


# ------------------------------------------------------------------------------------------- rendering


def applicant_rows(spec, fmt) -> list[tuple[str, str]]:
    """The cover's applicant rows: `applicant:` when given, else the study's sponsor."""
    a = spec.applicant
    if a is None:
        return [(fmt.term("applicant"), spec.study.sponsor or fmt.term("not_stated"))]
    rows = [("applicant", a.name), ("applicant_address", a.address), ("applicant_contact", a.contact),
            ("applicant_phone", a.phone), ("applicant_email", a.email)]
    return [(fmt.term(key), value) for key, value in rows if value]


def studies_table(spec, fmt, numbering):
    """The numbered table of `studies:` (None when the yaml lists none)."""
    from dossier.document.context import listing

    rows = [(s.id, s.phase, s.design, s.population, s.region, s.n, s.status) for s in spec.studies]
    return listing("clinical-studies", "studies_title", ("study_id", "phase", "design", "study_population",
                                                         "region", "studies_n", "study_status"), rows, fmt, numbering)


class Matter:
    """What a document's citations, list of references and list of abbreviations say, once its template ran:
    dossier.render.html puts them into the document's tree (ctx["matter"])."""

    def __init__(self, ctx: dict[str, Any]) -> None:
        self.ctx = ctx

    def citation(self, written: str, order: dict[str, int]) -> str:
        """The citation shown for `written` ("@a; @b", as the writer typed it between the brackets), each key
        numbered in order of first citation (`order`, key -> number, grows). RenderError for an unknown key."""
        known = {r.key for r in self.ctx["spec"].references}
        t = self.ctx["t"]
        numbers = []
        for key in cited_keys(f"[{written}]"):
            if key not in known:  # dossier.config.spec reports it with its file and line before any build
                raise RenderError(f"[@{key}]: no reference with key {key!r} in references:", where="dossier.yaml")
            numbers.append(order.setdefault(key, len(order) + 1))
        return t("citation", numbers=t("citation_separator").join(str(n) for n in dict.fromkeys(numbers)))

    def references(self, order: dict[str, int]) -> list[tuple[str, str]]:
        """(class, text) of each paragraph of the list of references: the cited ones in `order`, then the
        document's extra ones; one "notice" paragraph when there is none."""
        t = self.ctx["t"]
        known = {r.key: r for r in self.ctx["spec"].references}
        paragraphs = []
        for key, n in order.items():
            ref = known[key]
            parts = [str(ref.citation)]
            if ref.doi:
                parts.append(t("reference_doi", doi=ref.doi))
            if ref.url:
                parts.append(ref.url)
            paragraphs.append(("", f'{t("reference_number", n=n)} {" ".join(parts)}'))
        extra = self.ctx.get("extra_references", ())
        for offset, text in enumerate(extra, start=len(order) + 1):
            paragraphs.append(("", f'{t("reference_number", n=offset)} {text}'))
        return paragraphs or [("notice", t("no_references"))]

    def abbreviations(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """The title of the list of abbreviations and its (abbreviation, expansion) rows: those `text` (the
        document's visible text) uses."""
        from dossier.document.abbreviations import dictionary, used

        found = used(text, dictionary(dict(self.ctx["spec"].abbreviations), self.ctx["lang"]))
        return self.ctx["t"]("abbreviations_title"), found
