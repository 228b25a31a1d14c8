"""Tracked-changes DOCX ("redline") of two dossier builds: `dossier diff OLD_OUT NEW_OUT --docx`.

The redline of a document is the NEW build's DOCX with Word revisions (w:ins / w:del, author
"dossier", dated with the new document's date, never the clock) at every word, number or other
token of a paragraph, table cell or caption that differs from the OLD build's DOCX, so that Word's
Accept All gives the new document and Reject All gives the old text.

It works on word/document.xml of the two packages. Blocks (paragraphs, tables) are aligned in
two passes with difflib: first on their exact text, then, inside each stretch that differs, on
their structure (paragraph style; table; row label); a block without a partner is a whole
inserted or deleted paragraph, row or table. Paired paragraphs are diffed token by token (a
number such as -0.33 or 1,234.5 is one token, a Latin word is one, each kanji or kana is one,
each punctuation mark is one), keeping each run's formatting. Fields, tabs and breaks are tokens
of their own. Not tracked: changes of paragraph or table properties (style, widths), of headers
and footers, and of pictures (a changed figure shows through its caption and table); a deleted
paragraph comes back without its bookmarks and pictures.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable
from difflib import SequenceMatcher

from lxml import etree

from dossier.errors import OutputError
from dossier.render.zipfiles import deterministic_zip

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT_XML = "word/document.xml"
AUTHOR = "dossier"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
CJK = r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff01-\uffef]"
NUMBER = re.compile(r"(?<![\w.])[-\u2212]?\d+(?:[.,]\d+)*%?|\d+(?:[.,]\d+)*%?")
TOKEN = re.compile(rf"{NUMBER.pattern}|{CJK}|(?:(?!{CJK})\w)+|\s+|.", re.DOTALL)
PARAGRAPH_SIMILARITY = 0.5  # share of words and marks (numbers aside) for two paragraphs to be one edited
MAX_PAIRINGS = 40_000  # beyond this many candidate pairs a stretch is paired on structure alone
UNTRACKABLE = ("drawing", "pict", "object")  # pictures refer to parts of their own package


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def redline_docx(old: bytes, new: bytes, *, where: str = "") -> bytes:
    """The NEW package with tracked changes from OLD (both DOCX written by dossier); deterministic."""
    old_root, new_root = _document(old, where), _document(new, where)
    marker = _Marker(_revision_date(new), _first_free_id(new_root))
    _redline_blocks(old_root.find(w("body")), new_root.find(w("body")), marker)
    _redline_sections(old_root.find(w("body")), new_root.find(w("body")), marker)
    _unlock_changed_controls(new_root)
    xml = etree.tostring(new_root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return deterministic_zip(new, {DOCUMENT_XML: xml})


def _unlock_changed_controls(root: etree._Element) -> None:
    """Drop the content lock of each content control (a live number) holding a tracked change, so
    that Word can accept or reject it; the build's own DOCX keeps every lock."""
    from dossier.render.docx_sections import section_key

    for control in root.iter(w("sdt")):
        if section_key(control) is not None:
            continue  # a writer's section: locked against deletion only, its content stays editable
        content = control.find(w("sdtContent"))
        changed = content is not None and any(content.find(f".//{w(kind)}") is not None for kind in ("ins", "del"))
        if changed:
            lock = control.find(f"{w('sdtPr')}/{w('lock')}")
            if lock is not None:
                lock.getparent().remove(lock)


def _document(package: bytes, where: str) -> etree._Element:
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as z:
            return etree.fromstring(z.read(DOCUMENT_XML))
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise OutputError(f"not a DOCX written by dossier ({exc})", where=where) from None


def _revision_date(package: bytes) -> str:
    """The new document's date (its core properties' modified date, which dossier sets from the
    trial's `date`), as the revisions' timestamp."""
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        try:
            core = etree.fromstring(z.read("docProps/core.xml"))
        except KeyError:
            return "2000-01-01T00:00:00Z"
    modified = core.find("{http://purl.org/dc/terms/}modified")
    return modified.text.strip() if modified is not None and modified.text else "2000-01-01T00:00:00Z"


def _first_free_id(root: etree._Element) -> int:
    ids = [int(v) for v in root.xpath("//@w:id", namespaces={"w": W_NS}) if v.lstrip("-").isdigit()]
    return max(ids, default=0) + 1


class _Marker:
    """Makes w:ins / w:del elements with one author, one date and unique ids."""

    def __init__(self, date: str, first_id: int) -> None:
        self.date, self.next_id = date, first_id

    def __call__(self, kind: str) -> etree._Element:
        mark = etree.Element(w(kind), {w("id"): str(self.next_id), w("author"): AUTHOR, w("date"): self.date},
                             nsmap={"w": W_NS})
        self.next_id += 1
        return mark


# --- alignment -----------------------------------------------------------------------------------

def _text(element: etree._Element) -> str:
    return "".join(t.text or "" for t in element.iter(w("t"), w("instrText")))


def _style(p: etree._Element) -> str:
    style = p.find(f"{w('pPr')}/{w('pStyle')}")
    return style.get(w("val"), "") if style is not None else ""


def _align(old: list, new: list, strict: Callable, loose: Callable, minimum: float) -> list[tuple]:
    """(old, new), (old, None) or (None, new) pairs in document order: blocks of equal text first,
    then, inside each stretch that differs, blocks of equal structure (`loose`) whose text is
    similar enough (numbers aside: see _similarity) to be one block edited."""
    pairs: list[tuple] = []
    top = SequenceMatcher(None, [strict(x) for x in old], [strict(x) for x in new], autojunk=False)
    for tag, i1, i2, j1, j2 in top.get_opcodes():
        if tag == "equal":
            pairs += zip(old[i1:i2], new[j1:j2])
        else:
            pairs += _pair_stretch(old[i1:i2], new[j1:j2], loose, minimum)
    return pairs


def _pair_stretch(old: list, new: list, loose: Callable, minimum: float) -> list[tuple]:
    """The in-order pairing of two stretches of blocks with the greatest total similarity
    (dynamic programming); a lone block on each side of the same structure is always paired."""
    if len(old) == len(new) == 1 and loose(old[0]) == loose(new[0]):
        return [(old[0], new[0])]
    if len(old) * len(new) > MAX_PAIRINGS:  # a rewritten stretch: structure alone decides
        matcher = SequenceMatcher(None, [loose(x) for x in old], [loose(x) for x in new], autojunk=False)
        out: list[tuple] = []
        for tag, a1, a2, b1, b2 in matcher.get_opcodes():
            if tag == "equal":
                out += zip(old[a1:a2], new[b1:b2])
            else:
                out += [(o, None) for o in old[a1:a2]] + [(None, n) for n in new[b1:b2]]
        return out
    old_keys, new_keys = [loose(x) for x in old], [loose(x) for x in new]
    old_words, new_words = [_shape(x) for x in old], [_shape(x) for x in new]
    score: dict[tuple[int, int], float] = {}
    for i in range(len(old)):
        for j in range(len(new)):
            if old_keys[i] == new_keys[j]:
                similarity = SequenceMatcher(None, old_words[i], new_words[j], autojunk=False).ratio()
                if similarity >= minimum:
                    score[i, j] = 1 + similarity
    best = [[0.0] * (len(new) + 1) for _ in range(len(old) + 1)]
    for i in range(len(old) - 1, -1, -1):
        for j in range(len(new) - 1, -1, -1):
            best[i][j] = max(best[i + 1][j], best[i][j + 1], score.get((i, j), -1.0) + best[i + 1][j + 1])
    out, i, j = [], 0, 0
    while i < len(old) or j < len(new):
        if i < len(old) and j < len(new) and (i, j) in score and best[i][j] == score[i, j] + best[i + 1][j + 1]:
            out.append((old[i], new[j]))
            i, j = i + 1, j + 1
        elif i < len(old) and (j == len(new) or best[i][j] == best[i + 1][j]):
            out.append((old[i], None))
            i += 1
        else:
            out.append((None, new[j]))
            j += 1
    return out


def _shape(block: etree._Element) -> list[str]:
    """A block's words and marks with every number as "#", for telling an edited block from another."""
    return ["#" if NUMBER.fullmatch(t) else t for t in TOKEN.findall(_text(block)) if not t.isspace()]


def _block_strict(block: etree._Element) -> tuple:
    return (block.tag, _style(block) if block.tag == w("p") else "", _text(block))


def _block_loose(block: etree._Element) -> tuple:
    return (block.tag, _style(block) if block.tag == w("p") else "")


def _redline_blocks(old: etree._Element, new: etree._Element, mark: _Marker) -> None:
    """Track every difference between the paragraphs and tables of two containers (body, cell)."""
    blocks = (w("p"), w("tbl"))
    old_blocks = [b for b in old if b.tag in blocks]
    new_blocks = [b for b in new if b.tag in blocks]
    anchor = None  # the last block placed in `new`
    for o, n in _align(old_blocks, new_blocks, _block_strict, _block_loose, PARAGRAPH_SIMILARITY):
        if n is None:
            anchor = _place(_deleted_copy(o, mark), anchor, new_blocks, new)
            continue
        if o is None:
            _mark_inserted(n, mark)
        elif n.tag == w("p"):
            _redline_paragraph(o, n, mark)
        else:
            _redline_table(o, n, mark)
        anchor = n


def _redline_sections(old: etree._Element, new: etree._Element, mark: _Marker) -> None:
    """Track the differences inside each writer's section (a content control tagged with its key,
    render/docx_sections.py), matched by key; a section new in NEW is marked inserted."""
    from dossier.render.docx_sections import section_key

    def sections(body):
        return {key: sdt.find(w("sdtContent")) for sdt in body.findall(w("sdt"))
                if (key := section_key(sdt)) is not None}

    old_sections = sections(old)
    for key, content in sections(new).items():
        if key in old_sections:
            _redline_blocks(old_sections[key], content, mark)
        else:
            for block in content:
                if block.tag in (w("p"), w("tbl")):
                    _mark_inserted(block, mark)


def _redline_table(old: etree._Element, new: etree._Element, mark: _Marker) -> None:
    def label(row):
        cells = row.findall(w("tc"))
        return (len(cells), _text(cells[0]) if cells else "")

    old_rows, new_rows = old.findall(w("tr")), new.findall(w("tr"))
    anchor = None
    for o, n in _align(old_rows, new_rows, lambda r: (len(r.findall(w("tc"))), _text(r)), label, 0.0):
        if n is None:
            anchor = _place(_deleted_copy(o, mark), anchor, new_rows, new)
            continue
        if o is None:
            _mark_inserted(n, mark)
        else:
            for old_cell, new_cell in zip(o.findall(w("tc")), n.findall(w("tc")), strict=True):
                _redline_blocks(old_cell, new_cell, mark)
        anchor = n


def _place(gone: etree._Element, anchor, siblings: list, container: etree._Element) -> etree._Element:
    """Put a deleted block after the last block placed, else before the first new block."""
    if anchor is not None:
        anchor.addnext(gone)
    elif siblings:
        siblings[0].addprevious(gone)
    else:
        container.append(gone)
    return gone


# --- whole blocks ----------------------------------------------------------------------------------

def _top_runs(element: etree._Element) -> list[etree._Element]:
    """The runs of a paragraph, row or table (inside hyperlinks, fields and content controls too),
    not those nested in another run (text boxes)."""
    return [r for r in element.iter(w("r")) if not any(a.tag == w("r") for a in r.iterancestors())]


def _mark_inserted(block: etree._Element, mark: _Marker) -> None:
    for r in _top_runs(block):
        wrapper = mark("ins")
        r.addprevious(wrapper)
        wrapper.append(r)
    _mark_structure(block, "ins", mark)


def _deleted_copy(block: etree._Element, mark: _Marker) -> etree._Element:
    """A copy of an old paragraph, row or table with everything in it deleted."""
    gone = copy.deepcopy(block)
    for tag in ("bookmarkStart", "bookmarkEnd", "sectPr"):
        for node in list(gone.iter(w(tag))):
            node.getparent().remove(node)
    for r in _top_runs(gone):
        if any(r.find(f".//{w(t)}") is not None for t in UNTRACKABLE):
            r.getparent().remove(r)
            continue
        wrapper = mark("del")
        r.addprevious(wrapper)
        wrapper.append(_as_deleted(r))
    _mark_structure(gone, "del", mark)
    return gone


def _mark_structure(block: etree._Element, kind: str, mark: _Marker) -> None:
    """Mark the paragraph marks (of a paragraph) or the rows (of a row or table) as inserted or deleted."""
    if block.tag == w("p"):
        _mark_paragraph(block, kind, mark)
        return
    rows = [block] if block.tag == w("tr") else block.findall(w("tr"))
    for row in rows:
        props = row.find(w("trPr"))
        if props is None:
            props = etree.Element(w("trPr"))
            row.insert(1 if len(row) and row[0].tag == w("tblPrEx") else 0, props)
        props.append(mark(kind))


def _mark_paragraph(p: etree._Element, kind: str, mark: _Marker) -> None:
    ppr = p.find(w("pPr"))
    if ppr is None:
        ppr = etree.Element(w("pPr"))
        p.insert(0, ppr)
    rpr = ppr.find(w("rPr"))
    if rpr is None:
        rpr = etree.Element(w("rPr"))
        later = [c for c in ppr if c.tag in (w("sectPr"), w("pPrChange"))]
        (later[0].addprevious(rpr) if later else ppr.append(rpr))
    rpr.insert(0, mark(kind))


def _as_deleted(r: etree._Element) -> etree._Element:
    """A run's text as deleted text (w:delText, w:delInstrText)."""
    for node in r.iter(w("t"), w("instrText")):
        node.tag = w("delText") if node.tag == w("t") else w("delInstrText")
    return r


# --- paragraphs ------------------------------------------------------------------------------------

def _tokens(p: etree._Element) -> list[tuple[etree._Element, str | None, tuple]]:
    """(run, text or None for a non-text run, comparison key) of each token of a paragraph."""
    out = []
    for r in _top_runs(p):
        content = [c for c in r if c.tag != w("rPr")]
        props = r.find(w("rPr"))
        style = etree.tostring(props) if props is not None else b""
        if content and all(c.tag == w("t") for c in content):
            for token in TOKEN.findall("".join(c.text or "" for c in content)):
                out.append((r, token, (token, style)))
        elif content:
            out.append((r, None, (etree.tostring(r, with_tail=False), b"")))
    return out


def _redline_paragraph(old: etree._Element, new: etree._Element, mark: _Marker) -> None:
    old_tokens, new_tokens = _tokens(old), _tokens(new)
    matcher = SequenceMatcher(None, [k for _, _, k in old_tokens], [k for _, _, k in new_tokens], autojunk=False)
    inserted = [False] * len(new_tokens)
    deleted_before: dict[int, list] = defaultdict(list)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            inserted[j1:j2] = [True] * (j2 - j1)
        if tag in ("replace", "delete"):
            deleted_before[j1] += old_tokens[i1:i2]
    if not any(inserted) and not deleted_before:
        return
    by_run: dict[int, list[int]] = defaultdict(list)
    runs = []
    for j, (r, _, _) in enumerate(new_tokens):
        if id(r) not in by_run:
            runs.append(r)
        by_run[id(r)].append(j)
    last = None  # what now stands where the last token's run stood
    for r in runs:
        indices = by_run[id(r)]
        last = r
        if not any(inserted[j] or deleted_before.get(j) for j in indices):
            continue
        pieces = _run_pieces(r, indices, new_tokens, inserted, deleted_before, mark)
        for piece in pieces:
            r.addprevious(piece)
        r.getparent().remove(r)
        last = pieces[-1]
    tail = deleted_before.get(len(new_tokens))
    if tail:
        group = _deleted_group(tail, mark)
        if last is not None:
            last.addnext(group)
        else:
            new.append(group)


def _run_pieces(r, indices, tokens, inserted, deleted_before, mark) -> list[etree._Element]:
    """A new run split into unchanged and inserted pieces, with the deleted old text put before
    the token it preceded; each piece keeps the run's formatting."""
    pieces: list[etree._Element] = []
    text, state = "", None

    def flush():
        if text:
            piece = _text_run(r, text)
            if state:
                wrapper = mark("ins")
                wrapper.append(piece)
                piece = wrapper
            pieces.append(piece)

    for j in indices:
        if deleted_before.get(j):
            flush()
            text, state = "", None
            pieces.append(_deleted_group(deleted_before[j], mark))
        token = tokens[j][1]
        if token is None:  # a field character, tab or break: the run itself
            flush()
            text, state = "", None
            piece = copy.deepcopy(r)
            if inserted[j]:
                wrapper = mark("ins")
                wrapper.append(piece)
                piece = wrapper
            pieces.append(piece)
            continue
        if state is not None and state != inserted[j]:
            flush()
            text = ""
        state = inserted[j]
        text += token
    flush()
    return pieces


def _text_run(like: etree._Element, text: str, tag: str = "t") -> etree._Element:
    r = etree.Element(w("r"))
    props = like.find(w("rPr"))
    if props is not None:
        r.append(copy.deepcopy(props))
    t = etree.SubElement(r, w(tag))
    t.text = text
    if text != text.strip() or "  " in text:
        t.set(XML_SPACE, "preserve")
    return r


def _deleted_group(tokens: list, mark: _Marker) -> etree._Element:
    """One w:del holding the old tokens, a run per old run (its formatting kept)."""
    group = mark("del")
    current, text = None, ""
    for r, token, _ in tokens + [(None, None, None)]:
        if text and (r is not current or token is None):
            group.append(_text_run(current, text, "delText"))
            text = ""
        if r is None:
            break
        if token is None:
            if not any(r.find(f".//{w(t)}") is not None for t in UNTRACKABLE):
                group.append(_as_deleted(copy.deepcopy(r)))
        else:
            text += token
        current = r
    return group
