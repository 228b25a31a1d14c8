"""`dossier import`: bring a writer's Word edits of a built DOCX back into the trial folder's Markdown.

The build marks each writer's section with a content control tagged `dossier-text:<key>` and records
the fixed text's fingerprints and the section keys in document variables (render/docx_sections.py).
The import reads every section as blocks (docx_markdown.py), compares them with the blocks of the
text the build used, and writes the Markdown of each changed section into the file it came from
(text/<lang>/x.md when the build used it, else text/x.md). Inline text in dossier.yaml is not
rewritten: an edit of one is reported with the text file to move it to (dossier.yaml keeps every byte).

Reported, one line each, and nothing written unless there is none (`force`: write the clean
sections anyway): pending tracked changes (unless `accept_changes`), a live number whose content
was typed over, an edit of fixed text (headings, tables, generated paragraphs), a deleted section
marker, a table inside a section. Comments are listed with their section, for information.
"""

from __future__ import annotations

import difflib
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from dossier.errors import Problem, UsageError, WordImportError
from dossier.render.docx_sections import (
    FIXED_VAR,
    LIVE_VAR,
    SECTIONS_VAR,
    doc_vars,
    fingerprint,
    fixed_blocks,
    live_fingerprint,
    sdt_tag,
    section_key,
    toc_styles,
)
from dossier.word.docx_markdown import (
    Block,
    Span,
    blocks_markdown,
    collapse_spans,
    markdown_blocks,
    paragraph_kind,
    paragraph_spans,
    read_styles,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CHANGES = ("ins", "del", "moveFrom", "moveTo", "rPrChange", "pPrChange", "sectPrChange", "tblPrChange",
           "trPrChange", "tcPrChange", "numberingChange", "cellIns", "cellDel", "cellMerge")
MAX_PART = 64 * 1024 * 1024  # bytes of one XML part read from the edited DOCX


@dataclass(frozen=True)
class Section:
    key: str
    blocks: tuple[Block, ...]


@dataclass
class ImportReport:
    written: list[str] = field(default_factory=list)  # files (relative to the trial folder) rewritten
    unchanged: int = 0  # sections whose text was not edited
    problems: list[Problem] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def _part(z: zipfile.ZipFile, name: str, where: str):
    try:
        info = z.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART:
        raise WordImportError(f"{name} is larger than {MAX_PART // (1024 * 1024)} MiB", where=where)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(z.read(name), parser)
    except etree.XMLSyntaxError as exc:
        raise WordImportError(f"{name} is not well-formed XML ({exc})", where=where) from None


def read_docx(path: Path):
    """(body, settings, styles, numbering, comments) roots of an edited DOCX and its language (core
    properties, as the build sets them); one line if it is not a DOCX."""
    where = str(path)
    if not path.is_file():
        raise UsageError("no such file", where=where)
    try:
        with zipfile.ZipFile(path) as z:
            document = _part(z, "word/document.xml", where)
            parts = [_part(z, f"word/{n}.xml", where) for n in ("settings", "styles", "numbering", "comments")]
            core = _part(z, "docProps/core.xml", where)
    except (zipfile.BadZipFile, OSError) as exc:
        raise WordImportError(f"not a DOCX file ({exc})", where=where) from None
    body = document.find(f"{W}body") if document is not None else None
    if body is None:
        raise WordImportError("not a DOCX file (no word/document.xml body)", where=where)
    language = core.findtext("{http://purl.org/dc/elements/1.1/}language") if core is not None else None
    return body, *parts, language


def _context(element, body) -> str:
    """The section key an element lies in, or "fixed text after '<heading or paragraph>'"."""
    for ancestor in element.iterancestors(f"{W}sdt"):
        key = section_key(ancestor)
        if key is not None:
            return key
    top = element
    while top.getparent() is not None and top.getparent() is not body:
        top = top.getparent()
    for previous in top.itersiblings(preceding=True):
        text = "".join(previous.itertext()).strip()
        if text:
            return f"fixed text after {_short(text)!r}"
    return "fixed text at the start"


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1] + "…"


def import_docx(trial_dir: Path, docx: Path, *, lang: str | None = None, accept_changes: bool = False,
                force: bool = False) -> ImportReport:
    """Read the writer's sections of `docx` back into the trial folder; see the module docstring."""
    from dossier.config.spec import load_spec

    body, settings, styles_root, numbering, comments, language = read_docx(docx)
    where = str(docx)
    built_in = "ja" if (language or "").lower().startswith("ja") else "en" if language else None
    if lang is not None and built_in is not None and lang != built_in:
        raise UsageError(f"the document was built in {built_in!r}, not {lang!r}: import it with --lang {built_in}",
                         where=where)
    spec = load_spec(trial_dir).localised(lang or built_in)
    marks = doc_vars(settings)
    if SECTIONS_VAR not in marks:
        raise WordImportError("not a DOCX built by dossier (no section marks in its document variables); "
                           "import reads a briefing.docx or sakigake.docx from `dossier build` edited in Word",
                           where=where)
    report = ImportReport()
    problems = report.problems
    if not accept_changes:
        for kind in CHANGES:
            for change in body.iter(f"{W}{kind}"):
                problems.append(Problem(where, f"{_context(change, body)}: pending tracked change "
                                               f"({kind} {_short(''.join(change.itertext()))!r}); accept or "
                                               "reject it in Word, or import with --accept-changes"))
    report.comments = _comments(body, comments)
    problems += _fixed_text_problems(body, styles_root, marks.get(FIXED_VAR, ""), where)
    styles = read_styles(styles_root, numbering)
    recorded_live = set(marks.get(LIVE_VAR, "").split())
    sections: list[Section] = []
    found: list[str] = []
    for sdt in body.iter(f"{W}sdt"):
        key = section_key(sdt)
        if key is None:
            continue
        if key in found:
            problems.append(Problem(where, f"{key}: the section appears twice (a copied section marker)"))
            continue
        found.append(key)
        sections.append(_section(sdt, key, styles, recorded_live, problems, where))
    for key in marks[SECTIONS_VAR].split():
        if key not in found:
            problems.append(Problem(where, f"{key}: the section marker was deleted (its content control is gone); "
                                           "its text cannot be imported: undo the deletion in Word"))
    writes = _plan_writes(trial_dir, spec, sections, report, where)
    if problems and not force:
        return report  # nothing written
    for path, text in writes:
        _write_atomic(path, text)
        report.written.append(path.relative_to(trial_dir).as_posix())
    return report


def _section(sdt, key: str, styles, recorded_live: set[str], problems: list[Problem], where: str) -> Section:
    content = sdt.find(f"{W}sdtContent")

    def live(control) -> str | None:
        tag = sdt_tag(control)
        if tag is None or section_key(control) is not None:
            return None
        shown = "".join(t.text or "" for t in control.iter(f"{W}t") if not _in_deleted(t, control))
        # a citation [@key] is a live span too (dossier.document.matter): its tag is "@key" or "@a; @b"
        written, what = (f"[{tag}]", "citation") if tag.startswith("@") else (f"[[{tag}]]", "live number")
        if live_fingerprint(tag, shown) not in recorded_live:
            problems.append(Problem(where, f"{key}: the {what} {written} was typed over (it shows "
                                           f"{shown!r}); it stays {written}: to change the text, delete the "
                                           f"{what.split()[-1]} and type the new text outside it"))
        return written

    blocks: list[Block] = []
    carry: list[Span] = []  # the text of a paragraph whose mark was deleted joins the next paragraph
    for p in content.iter(f"{W}p") if content is not None else ():
        if any(a.tag == f"{W}tbl" for a in p.iterancestors()):
            continue
        spans = carry + paragraph_spans(p, styles, live)
        mark_deleted = p.find(f"{W}pPr/{W}rPr/{W}del") is not None or p.find(f"{W}pPr/{W}rPr/{W}moveFrom") is not None
        if mark_deleted:
            carry = spans
            continue
        carry = []
        kind, level = paragraph_kind(p, styles)
        collapsed = collapse_spans(spans)
        if collapsed or kind != "p":
            blocks.append(Block(kind, level, collapsed))
    if carry:
        blocks.append(Block("p", 0, collapse_spans(carry)))
    if content is not None and content.find(f".//{W}tbl") is not None:
        problems.append(Problem(where, f"{key}: a table inside the writer's text cannot be written as Markdown; "
                                       "remove it (tables come from the analyses)"))
    return Section(key, tuple(b for b in blocks if b.spans))


def _in_deleted(node, stop) -> bool:
    for ancestor in node.iterancestors():
        if ancestor is stop:
            return False
        if ancestor.tag in (f"{W}del", f"{W}moveFrom"):
            return True
    return False


def _comments(body, comments) -> list[str]:
    """"comment N by AUTHOR in SECTION: text" for each comment anchored in the body."""
    texts = {}
    for comment in comments.findall(f"{W}comment") if comments is not None else ():
        texts[comment.get(f"{W}id")] = (comment.get(f"{W}author", "?"), " ".join("".join(comment.itertext()).split()))
    lines = []
    seen = set()
    for anchor in body.iter(f"{W}commentRangeStart", f"{W}commentReference"):
        ident = anchor.get(f"{W}id")
        if ident in seen or ident not in texts:
            continue
        seen.add(ident)
        author, text = texts[ident]
        lines.append(f"comment {len(lines) + 1} by {author} in {_context(anchor, body)}: {text}")
    return lines


def _fixed_text_problems(body, styles_root, recorded: str, where: str) -> list[Problem]:
    """One line per fixed paragraph or table row added or changed, and per run of them deleted."""
    skip = toc_styles(styles_root) if styles_root is not None else frozenset()
    blocks = list(fixed_blocks(body, skip))
    now = [fingerprint(text) for _, text in blocks]
    before = recorded.split()
    problems = []
    matcher = difflib.SequenceMatcher(a=before, b=now, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            continue
        for element, text in blocks[b1:b2]:
            problems.append(Problem(where, f"{_context(element, body)}: fixed text edited (not imported: headings, "
                                           f"tables and generated text come from the build): {_short(text)!r}"))
        if op == "delete" or a2 - a1 > b2 - b1:
            after = _short(blocks[b1 - 1][1]) if b1 > 0 else "the start"
            problems.append(Problem(where, f"fixed text deleted after {after!r} ({a2 - a1 - (b2 - b1)} paragraph(s) "
                                           "or table row(s)): the next build puts it back"))
    return problems


def _plan_writes(trial_dir: Path, spec, sections: list[Section], report: ImportReport,
                 where: str) -> list[tuple[Path, str]]:
    """(file, new text) for each edited section; problems for sections that cannot be written."""
    from dossier.config.spec import SPEC_FILE, TEXT_FILE, text_fields
    from dossier.data.gate import refusal
    from dossier.document.writer_text import localised_path

    fields = dict(text_fields(spec))
    writes: list[tuple[Path, str]] = []
    planned: dict[Path, tuple[str, str]] = {}  # file -> (the section that set it, its new text)
    for section in sections:
        value = fields.get(section.key)
        if section.key not in fields:
            report.problems.append(Problem(where, f"{section.key}: no such writer's text in {SPEC_FILE}"))
            continue
        if not value or not value.strip():
            if section.blocks:
                report.problems.append(Problem(where, f"{section.key}: {SPEC_FILE} gives no text for it; set "
                                                      f"{section.key}: text/<name>.md first"))
            continue
        if TEXT_FILE.match(value):
            path = localised_path(trial_dir, value, spec.language)
            reason = refusal(path, trial_dir)
            if reason is not None:
                report.problems.append(Problem(str(path), f"{section.key}: {reason}"))
                continue
            try:
                original = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                report.problems.append(Problem(str(path), f"{section.key}: cannot read ({exc})"))
                continue
        else:
            path, original = None, value
        if tuple(markdown_blocks(original)) == section.blocks:
            report.unchanged += 1
            continue
        if path is None:
            report.problems.append(Problem(f"{trial_dir / SPEC_FILE}: {section.key}",
                                           "the inline text was edited in Word; import writes text files only "
                                           "(dossier.yaml is left byte for byte): move the text to a file, e.g. "
                                           f"{section.key}: text/{section.key.split('.')[-1]}.md, and import again"))
            continue
        text = blocks_markdown(list(section.blocks))
        if tuple(markdown_blocks(text)) != section.blocks:
            report.problems.append(Problem(str(path), f"{section.key}: the edited text has formatting Markdown "
                                                      "cannot hold exactly (the file would differ from Word)"))
            continue
        if path in planned:  # one file shown in two sections (e.g. briefing.disease and a SAKIGAKE criterion)
            if planned[path][1] != text:
                report.problems.append(Problem(str(path), f"{planned[path][0]} and {section.key} show this file and "
                                                          "were edited differently; make them the same in Word"))
            continue
        planned[path] = (section.key, text)
        writes.append((path, text))
    return [(path, text) for path, text in writes if planned[path][1] == text and not any(
        str(path) == p.where and "edited differently" in p.message for p in report.problems)]


def _write_atomic(path: Path, text: str) -> None:
    """Write `text` under a temporary name beside `path`, then rename it over `path`."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
