"""`dossier diff OLD_OUT NEW_OUT --docx`: the new documents with Word tracked changes against the old.

A copy of the pilot data is built, six subjects' Week 24 ADAS-Cog scores are changed, the copy is
built again, and the redline of the two builds is checked word by word against the two documents'
own text (not against the redline module's tokeniser), by applying Accept All and Reject All, and
by LibreOffice.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from dossier.word.redline import redline_docx
from tests.conftest import REFRESH_DATE, ROOT, libreoffice_pdf, run_cli

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}
NUMBER = re.compile(r"^[-\u2212]?\d+(?:[.,]\d+)*%?$")
SOURCE_HASH = re.compile(r"^[0-9a-f]{8}$|^[0-9a-f]{64}$")  # "Source: adadas.parquet [1a2b3c4d]", the hash table


@pytest.fixture(scope="module")
def builds(refreshed, tmp_path_factory):
    """(old build, new build, review folder written by `dossier diff --docx`)."""
    _, old, new = refreshed
    review = tmp_path_factory.mktemp("review") / "review"
    result = run_cli("diff", str(old), str(new), "--docx", "-o", str(review))
    assert result.returncode == 0, result.stderr
    return old, new, review


def _body(docx: Path | bytes) -> etree._Element:
    data = docx if isinstance(docx, bytes) else docx.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read("word/document.xml")).find("w:body", NS)


def _paragraph_text(p: etree._Element, deleted: bool = False) -> str:
    tags = (W + "t", W + "delText") if deleted else (W + "t",)
    return "".join(t.text or "" for t in p.iter(*tags))


def _paragraphs(body: etree._Element) -> list[str]:
    return [_paragraph_text(p) for p in body.iter(W + "p")]


def _accept_all(body: etree._Element) -> etree._Element:
    """Word's Accept All: deleted text, paragraphs and rows go, inserted ones stay (unwrapped)."""
    body = _copy(body)
    for row in body.xpath(".//w:tr[w:trPr/w:del]", namespaces=NS):
        row.getparent().remove(row)
    for p in body.xpath(".//w:p[w:pPr/w:rPr/w:del]", namespaces=NS):
        assert not p.xpath(".//w:t", namespaces=NS), "a paragraph whose mark is deleted keeps no new text"
        p.getparent().remove(p)
    for node in body.xpath(".//w:del | .//w:pPr/w:rPr/w:ins | .//w:trPr/w:ins", namespaces=NS):
        node.getparent().remove(node)
    _unwrap(body, "ins")
    return body


def _reject_all(body: etree._Element) -> etree._Element:
    """Word's Reject All: inserted text, paragraphs and rows go, deleted ones come back."""
    body = _copy(body)
    for row in body.xpath(".//w:tr[w:trPr/w:ins]", namespaces=NS):
        row.getparent().remove(row)
    for p in body.xpath(".//w:p[w:pPr/w:rPr/w:ins]", namespaces=NS):
        p.getparent().remove(p)
    for node in body.xpath(".//w:ins | .//w:pPr/w:rPr/w:del | .//w:trPr/w:del", namespaces=NS):
        node.getparent().remove(node)
    for node in body.iter(W + "delText"):
        node.tag = W + "t"
    for node in body.iter(W + "delInstrText"):
        node.tag = W + "instrText"
    _unwrap(body, "del")
    return body


def _copy(body):
    return etree.fromstring(etree.tostring(body))


def _unwrap(body: etree._Element, kind: str) -> None:
    for wrapper in list(body.iter(W + kind)):
        for child in list(wrapper):
            wrapper.addprevious(child)
        wrapper.getparent().remove(wrapper)


def _words(text: str) -> list[str]:
    return [w.rstrip(".") for w in re.findall(r"[\w.\-\u2212]+", text)]


@pytest.mark.parametrize("document", ["briefing", "sakigake"])
def test_exactly_the_changed_numbers_are_tracked(builds, document):
    old, new, review = builds
    redline = _body(review / f"{document}.redline.docx")
    old_texts, new_texts = _paragraphs(_body(old / f"{document}.docx")), _paragraphs(_body(new / f"{document}.docx"))
    paragraphs = list(redline.iter(W + "p"))
    assert len(old_texts) == len(new_texts) == len(paragraphs)  # a refresh of values adds no paragraph
    assert not redline.xpath(".//w:pPr/w:rPr/w:ins | .//w:pPr/w:rPr/w:del | .//w:trPr/w:ins | .//w:trPr/w:del",
                             namespaces=NS)
    changed_words = 0
    for p, before, after in zip(paragraphs, old_texts, new_texts, strict=True):
        old_words, new_words = _words(before), _words(after)
        assert len(old_words) == len(new_words), (before, after)
        expected = [(a, b) for a, b in zip(old_words, new_words) if a != b]
        deleted = ["".join(t.text for t in d.iter(W + "delText")) for d in p.iter(W + "del")]
        inserted = ["".join(t.text for t in i.iter(W + "t")) for i in p.iter(W + "ins")]
        assert (deleted, inserted) == ([a for a, _ in expected], [b for _, b in expected]), (before, after)
        assert all(NUMBER.match(a) and NUMBER.match(b) or SOURCE_HASH.match(a) and SOURCE_HASH.match(b)
                   for a, b in expected), expected
        changed_words += len(expected)
    assert changed_words >= 10  # the refresh did change the documents' numbers


def test_the_live_number_in_the_writers_text_is_tracked_and_the_typed_one_is_not(builds):
    _, _, review = builds
    redline = _body(review / "briefing.redline.docx")
    (p,) = [p for p in redline.iter(W + "p") if "adjusted difference" in _paragraph_text(p)]
    assert [t.text for t in p.iter(W + "delText")] == ["-1.0", "0.233"]
    assert [t.text for i in p.iter(W + "ins") for t in i.iter(W + "t")] == ["-1.1", "0.199"]
    assert "the typed value was 26.7." in _paragraph_text(p)
    # a live number holding a change is unlocked so that Word can accept or reject it; the others stay locked
    locks = {_paragraph_text(sdt, deleted=True): sdt.find("w:sdtPr/w:lock", NS) is not None
             for sdt in redline.iter(W + "sdt") if sdt.find("w:sdtPr/w:alias", NS).get(W + "val") == "Live Number"}
    first_live = next(s for s in redline.iter(W + "sdt") if s.find("w:sdtPr/w:alias", NS).get(W + "val") == "Live Number")
    assert locks == {"-1.0-1.1": False, "0.2330.199": False, _paragraph_text(first_live): True}


@pytest.mark.parametrize("document", ["briefing", "sakigake"])
def test_accept_all_gives_the_new_document_and_reject_all_the_old(builds, document):
    old, new, review = builds
    redline = _body(review / f"{document}.redline.docx")
    assert _paragraphs(_accept_all(redline)) == _paragraphs(_body(new / f"{document}.docx"))
    assert _paragraphs(_reject_all(redline)) == _paragraphs(_body(old / f"{document}.docx"))


def test_revisions_have_one_author_the_new_documents_date_and_unique_ids(builds):
    _, _, review = builds
    redline = _body(review / "briefing.redline.docx")
    marks = redline.xpath(".//w:ins | .//w:del", namespaces=NS)
    assert marks
    assert {m.get(W + "author") for m in marks} == {"dossier"}
    assert {m.get(W + "date") for m in marks} == {f"{REFRESH_DATE}T00:00:00Z"}
    ids = [m.get(W + "id") for m in redline.xpath(".//w:ins | .//w:del | .//w:bookmarkStart", namespaces=NS)]
    assert len(ids) == len(set(ids))


def test_the_redline_bytes_are_reproducible_and_only_document_xml_differs_from_the_new_docx(builds, tmp_path):
    old, new, review = builds
    again = tmp_path / "again"
    result = run_cli("diff", str(old), str(new), "--docx", "-o", str(again))
    assert result.returncode == 0, result.stderr
    for document in ("briefing", "sakigake"):
        assert (again / f"{document}.redline.docx").read_bytes() == (review / f"{document}.redline.docx").read_bytes()
        with zipfile.ZipFile(review / f"{document}.redline.docx") as a, zipfile.ZipFile(new / f"{document}.docx") as b:
            assert a.namelist() == b.namelist()
            assert [n for n in a.namelist() if a.read(n) != b.read(n)] == ["word/document.xml"]


@pytest.mark.slow
def test_libreoffice_opens_the_redline_and_shows_every_tracked_change(builds, tmp_path):
    _, _, review = builds
    docx = review / "briefing.redline.docx"
    pdf = libreoffice_pdf(docx, tmp_path)
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([soffice, "--headless", "--convert-to", "odt", "--outdir", str(tmp_path), str(docx)],
                   capture_output=True, check=True, timeout=300, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    with zipfile.ZipFile(tmp_path / "briefing.redline.odt") as z:
        content = z.read("content.xml").decode("utf-8")
    regions = re.findall(r"<text:changed-region.*?</text:changed-region>", content)
    marks = _body(docx).xpath(".//w:ins | .//w:del", namespaces=NS)
    assert len(regions) == len(marks)
    assert all("<dc:creator>dossier</dc:creator>" in r for r in regions)


def _docx(tmp_path: Path, name: str, html: str) -> bytes:
    from dossier.render.docx import write_docx

    templates = ROOT / "templates"
    out = tmp_path / f"{name}.docx"
    write_docx(html, out, [templates], reference=templates / "reference.docx", title="T", lang="en", paginate=False)
    return out.read_bytes()


def _table(*rows: tuple[str, str]) -> str:
    body = "".join(f"<tr><td>{a}</td><td class='num'>{b}</td></tr>" for a, b in rows)
    return (f"<div class='table-block' id='table-1'><p class='caption'>Table 1 Results</p><table class='data'>"
            f"<thead><tr><th>Row</th><th>Value</th></tr></thead><tbody>{body}</tbody></table></div>")


def test_added_and_removed_paragraphs_rows_and_words_accept_and_reject_exactly(tmp_path):
    old = _docx(tmp_path, "old", "<body lang='en'><h1 id='s1'>1 Results</h1><p>Kept paragraph.</p>"
                "<p>Removed paragraph with 12.5 in it.</p><p>The rate was <strong>41.2%</strong> overall.</p>"
                + _table(("Mean", "3.4"), ("Gone row", "7"), ("Median", "2.0")) + "</body>")
    new = _docx(tmp_path, "new", "<body lang='en'><h1 id='s1'>1 Results</h1><p>Kept paragraph.</p>"
                "<p>The rate was <strong>43.0%</strong> in all subjects.</p><p>A new closing paragraph.</p>"
                + _table(("Mean", "3.6"), ("Median", "2.0"), ("Added row", "9")) + "</body>")
    redline = _body(redline_docx(old, new))
    assert _paragraphs(_accept_all(redline)) == _paragraphs(_body(new))
    assert _paragraphs(_reject_all(redline)) == _paragraphs(_body(old))
    (rate,) = [p for p in redline.iter(W + "p") if "The rate" in _paragraph_text(p, deleted=True)]
    assert [t.text for t in rate.iter(W + "delText")] == ["41.2%", "overall"]
    bold = rate.xpath(".//w:del/w:r[w:rPr/w:b]/w:delText | .//w:ins/w:r[w:rPr/w:b]/w:t", namespaces=NS)
    assert [t.text for t in bold] == ["41.2%", "43.0%"]  # the run's formatting is kept
    assert len(redline.xpath(".//w:tr[w:trPr/w:del]", namespaces=NS)) == 1
    assert len(redline.xpath(".//w:tr[w:trPr/w:ins]", namespaces=NS)) == 1
    assert len(redline.xpath(".//w:p[w:pPr/w:rPr/w:del]", namespaces=NS)) == 1
    assert len(redline.xpath(".//w:p[w:pPr/w:rPr/w:ins]", namespaces=NS)) == 1


def test_a_folder_without_the_documents_is_one_error_line(builds, tmp_path):
    old, _, _ = builds
    empty = tmp_path / "empty"
    shutil.copytree(old, empty)
    (empty / "sakigake.docx").unlink()
    result = run_cli("diff", str(old), str(empty), "--docx", "-o", str(tmp_path / "review"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "sakigake.docx not found" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "review").exists()


def test_the_default_review_folder_is_beside_the_new_build(builds, tmp_path):
    old, new, _ = builds
    copy = tmp_path / "new"
    shutil.copytree(new, copy)
    result = run_cli("diff", str(old), str(copy), "--docx")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "new-review").iterdir()) == ["briefing.redline.docx",
                                                                          "sakigake.redline.docx"]
    assert run_cli("verify", str(copy)).returncode == 0  # the build folder itself is untouched


def test_every_document_of_the_builds_is_redlined_through_the_registry(builds, tmp_path):
    """A document built only with its yaml section (the orphan draft) is redlined when both builds have it, and
    named in a note when only one has it (dossier.document.registry, not a fixed list)."""
    old, new, _ = builds
    copies = {}
    for name, build, words in (("old", old, "About 3100 patients"), ("new", new, "About 3200 patients")):
        copies[name] = tmp_path / name
        shutil.copytree(build, copies[name])
        (tmp_path / f"{name}-docx").mkdir()
        (copies[name] / "orphan.docx").write_bytes(_docx(tmp_path / f"{name}-docx", "orphan", f"<p>{words}</p>"))
    result = run_cli("diff", str(copies["old"]), str(copies["new"]), "--docx", "-o", str(tmp_path / "review"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "review").iterdir()) == [
        "briefing.redline.docx", "orphan.redline.docx", "sakigake.redline.docx"]
    orphan = _body(tmp_path / "review" / "orphan.redline.docx")
    assert "3100" in "".join(orphan.xpath(".//w:del//w:delText/text()", namespaces=NS))
    assert "3200" in "".join(orphan.xpath(".//w:ins//w:t/text()", namespaces=NS))

    (copies["old"] / "orphan.docx").unlink()
    result = run_cli("diff", str(copies["old"]), str(copies["new"]), "--docx", "-o", str(tmp_path / "review2"))
    assert result.returncode == 0, result.stderr
    assert f"note: orphan.docx is only in {copies['new']} (not in {copies['old']}): no redline for it" in result.stderr
    assert sorted(p.name for p in (tmp_path / "review2").iterdir()) == ["briefing.redline.docx",
                                                                       "sakigake.redline.docx"]
