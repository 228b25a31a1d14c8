"""The marks a built DOCX carries so that `dossier import` can read the writer's edits back.

Each writer's section (a `<div class="writer-text" data-key="...">` of the document HTML) is a
block-level content control tagged `dossier-text:<key>` around its paragraphs (locked against
deletion of the control, its content editable). Everything else in the body is fixed text: the
build records a short hash of each fixed paragraph and table row, and the keys of the sections, in
document variables (`w:docVars` of word/settings.xml, which Word keeps), so an import can report a
fixed paragraph that was edited and a section marker that was deleted, without the original file.
Standard library and lxml only: the importer uses these functions on a document python-docx did not write.
"""

from __future__ import annotations

import re

from docx.oxml.ns import qn

from dossier.hashing import text_sha256
from dossier.render.docx_ooxml import el

SECTION_PREFIX = "dossier-text:"
SECTION_ALIAS = "Writer text"
FIXED_VAR, SECTIONS_VAR, LIVE_VAR = "dossier-fixed", "dossier-sections", "dossier-live"
_SPACE = re.compile(r"\s+")
# w:settings children that follow w:docVars in the schema's order
_AFTER_DOCVARS = ("rsids", "mathPr", "attachedSchema", "themeFontLang", "clrSchemeMapping",
                  "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures", "forceUpgrade", "captions",
                  "readModeInkLockDown", "smartTagType", "schemaLibrary", "shapeDefaults",
                  "doNotEmbedSmartTags", "decimalSymbol", "listSeparator")


def section_control(key: str, ident: int):
    """A block-level content control for the writer's section `key`, and its content element."""
    content = el("w:sdtContent")
    props = el("w:sdtPr", None, el("w:alias", {"w:val": SECTION_ALIAS}),
               el("w:tag", {"w:val": SECTION_PREFIX + key}), el("w:id", {"w:val": str(ident)}),
               el("w:lock", {"w:val": "sdtLocked"}))
    return el("w:sdt", None, props, content), content


def sdt_tag(sdt) -> str | None:
    tag = sdt.find(f"{qn('w:sdtPr')}/{qn('w:tag')}")
    return tag.get(qn("w:val")) if tag is not None else None


def section_key(sdt) -> str | None:
    """The writer's-text key of a section control, or None for any other content control."""
    tag = sdt_tag(sdt)
    return tag[len(SECTION_PREFIX):] if tag and tag.startswith(SECTION_PREFIX) else None


def accepted_text(element) -> str:
    """The text of a paragraph or row as it reads with every tracked change accepted (deleted
    text and moved-away text left out; tabs and breaks as spaces), whitespace collapsed."""
    parts = []
    for node in element.iter(qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")):
        if any(a.tag in (qn("w:del"), qn("w:moveFrom")) for a in node.iterancestors()):
            continue
        parts.append(node.text or "" if node.tag == qn("w:t") else " ")
    return _SPACE.sub(" ", "".join(parts)).strip()


def fixed_blocks(body, skip_styles: frozenset[str]):
    """(element, text) of every non-empty fixed paragraph and table row of `body` in order:
    everything outside the writer's sections, except paragraphs in `skip_styles` (style ids of
    the table of contents, whose cached entries Word rewrites when it updates the field)."""
    for child in body:
        if child.tag == qn("w:sdt"):
            if section_key(child) is None:
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    yield from fixed_blocks(content, skip_styles)
        elif child.tag == qn("w:p"):
            style = child.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            if style is not None and style.get(qn("w:val")) in skip_styles:
                continue
            text = accepted_text(child)
            if text:
                yield child, text
        elif child.tag == qn("w:tbl"):
            for row in child.iter(qn("w:tr")):
                text = " | ".join(accepted_text(cell) for cell in row.findall(qn("w:tc")))
                if text.strip(" |"):
                    yield row, text


def fingerprint(text: str) -> str:
    return text_sha256(text)[:10]


def live_fingerprint(reference: str, shown: str) -> str:
    """The fingerprint of a live number showing `shown`: an import tells a number typed over by it."""
    return fingerprint(reference + "\x00" + shown)


def toc_styles(styles_root) -> frozenset[str]:
    """Style ids of the TOC styles (named "TOC Heading", "toc 1" ...) of a styles.xml root."""
    ids = set()
    for style in styles_root.findall(qn("w:style")):
        name = style.find(qn("w:name"))
        if name is not None and name.get(qn("w:val"), "").lower().startswith("toc"):
            ids.add(style.get(qn("w:styleId")))
    return frozenset(ids)


def section_keys(body) -> list[str]:
    return [key for sdt in body.iter(qn("w:sdt")) if (key := section_key(sdt)) is not None]


def record_marks(body, settings_root, styles_root) -> None:
    """Store the fixed text's fingerprints, the section keys and the live numbers' fingerprints as
    document variables."""
    fixed = " ".join(fingerprint(text) for _, text in fixed_blocks(body, toc_styles(styles_root)))
    live = sorted({live_fingerprint(tag, "".join(t.text or "" for t in sdt.iter(qn("w:t"))))
                   for sdt in body.iter(qn("w:sdt")) if (tag := sdt_tag(sdt)) and section_key(sdt) is None})
    set_doc_vars(settings_root, {FIXED_VAR: fixed, SECTIONS_VAR: " ".join(section_keys(body)), LIVE_VAR: " ".join(live)})


def set_doc_vars(settings_root, values: dict[str, str]) -> None:
    doc_vars = settings_root.find(qn("w:docVars"))
    if doc_vars is None:
        doc_vars = el("w:docVars")
        following = next((c for c in settings_root if c.tag.rsplit("}", 1)[-1] in _AFTER_DOCVARS), None)
        if following is not None:
            following.addprevious(doc_vars)
        else:
            settings_root.append(doc_vars)
    for name, value in values.items():
        for old in doc_vars.findall(qn("w:docVar")):
            if old.get(qn("w:name")) == name:
                doc_vars.remove(old)
        doc_vars.append(el("w:docVar", {"w:name": name, "w:val": value}))


def doc_vars(settings_root) -> dict[str, str]:
    """The document variables of a settings.xml root (empty when it has none)."""
    if settings_root is None:
        return {}
    return {v.get(qn("w:name")): v.get(qn("w:val"), "") for v in settings_root.iter(qn("w:docVar"))}
