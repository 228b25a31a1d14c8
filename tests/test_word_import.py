"""`dossier import`: a writer's Word edits come back into the trial folder's Markdown (issue 18)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement

from dossier.render.tree import parse
from dossier.word.docx_markdown import blocks_markdown, markdown_blocks
from tests.conftest import PILOT, example_folders, run_cli

SPEC = """\
study: {id: T-1, title: Test study}
product: {name: TP-1}
indication: Test indication
date: 2024-05-01
analyses:
  - {id: demog, type: baseline, variables: [AGE, SEX]}
briefing:
  disease: text/disease.md
  unmet_need: Inline *unmet* need.
  current_treatment: text/current.md
"""
DISEASE = """\
Mean age was [[demog:variables/AGE/groups/Placebo/mean|1]] years in the placebo arm.

The disease is **serious** and progresses.

Second paragraph to delete.

- first point
  - nested point
- second point
"""
CURRENT = "Current treatment is symptomatic.\n"
DISEASE_JA = "プラセボ群の平均年齢は[[demog:variables/AGE/groups/Placebo/mean|1]]歳であった。\n"


@pytest.fixture(scope="module")
def trial(tmp_path_factory):
    """A small trial folder (pilot ADSL) built once in English and once in Japanese."""
    root = tmp_path_factory.mktemp("import")
    folder = root / "trial"
    (folder / "adam").mkdir(parents=True)
    (folder / "text" / "ja").mkdir(parents=True)
    shutil.copy(PILOT / "adam" / "adsl.xpt", folder / "adam" / "adsl.xpt")
    (folder / "dossier.yaml").write_text(SPEC, encoding="utf-8")
    (folder / "text" / "disease.md").write_text(DISEASE, encoding="utf-8")
    (folder / "text" / "current.md").write_text(CURRENT, encoding="utf-8")
    (folder / "text" / "ja" / "disease.md").write_text(DISEASE_JA, encoding="utf-8")
    for lang in ("en", "ja"):
        result = run_cli("build", str(folder), "-o", str(root / f"out-{lang}"), "--lang", lang)
        assert result.returncode == 0, result.stderr
    return folder, root


def _copy_trial(trial, tmp_path):
    folder, root = trial
    target = tmp_path / "trial"
    shutil.copytree(folder, target)
    return target, root


def _snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _section(document, key):
    for sdt in document.element.body.iter(qn("w:sdt")):
        tag = sdt.find(f"{qn('w:sdtPr')}/{qn('w:tag')}")
        if tag is not None and tag.get(qn("w:val")) == f"dossier-text:{key}":
            return sdt.find(qn("w:sdtContent"))
    raise AssertionError(f"no section {key}")


def _text(p):
    return "".join(t.text or "" for t in p.iter(qn("w:t")))


def _run(text, bold=False):
    r = OxmlElement("w:r")
    if bold:
        rpr = OxmlElement("w:rPr")
        rpr.append(OxmlElement("w:b"))
        r.append(rpr)
    t = OxmlElement("w:t")
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    r.append(t)
    return r


def _paragraph(style_id, *runs):
    p = OxmlElement("w:p")
    ppr = OxmlElement("w:pPr")
    style = OxmlElement("w:pStyle")
    style.set(qn("w:val"), style_id)
    ppr.append(style)
    p.append(ppr)
    for r in runs:
        p.append(r)
    return p


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_round_trip_without_edits_changes_no_file(trial, tmp_path, lang):
    folder, root = _copy_trial(trial, tmp_path)
    before = _snapshot(folder)
    for document in ("briefing", "sakigake"):
        result = run_cli("import", str(folder), str(root / f"out-{lang}" / f"{document}.docx"), "--lang", lang)
        assert result.returncode == 0, result.stderr
        assert "0 text file(s) written" in result.stderr
    assert _snapshot(folder) == before


@pytest.mark.parametrize("folder", example_folders(), ids=lambda p: p.name)
def test_every_example_round_trips_without_changing_a_file(built, folder, tmp_path):
    copy_dir = tmp_path / folder.name
    shutil.copytree(folder, copy_dir)
    before = _snapshot(copy_dir)
    for document in ("briefing", "sakigake"):
        result = run_cli("import", str(copy_dir), str(built[folder.name] / f"{document}.docx"))
        assert result.returncode == 0, result.stderr
        assert "0 text file(s) written" in result.stderr
    assert _snapshot(copy_dir) == before


JA_EXAMPLES = [f for f in example_folders() if (f / "text" / "ja").is_dir()]


@pytest.mark.parametrize("folder", JA_EXAMPLES, ids=lambda p: p.name)
def test_every_example_with_japanese_texts_round_trips_in_japanese(built_example, folder, tmp_path):
    out = built_example(folder.name, "ja")
    copy_dir = tmp_path / folder.name
    shutil.copytree(folder, copy_dir)
    before = _snapshot(copy_dir)
    for document in ("briefing", "sakigake"):
        result = run_cli("import", str(copy_dir), str(out / f"{document}.docx"), "--lang", "ja")
        assert result.returncode == 0, result.stderr
        assert "0 text file(s) written" in result.stderr
    assert _snapshot(copy_dir) == before


def test_a_writers_edits_come_back_as_markdown_and_into_the_rebuilt_documents(trial, tmp_path):
    folder, root = _copy_trial(trial, tmp_path)
    document = Document(str(root / "out-en" / "briefing.docx"))
    section = _section(document, "briefing.disease")
    paragraphs = section.findall(qn("w:p"))
    # change a sentence (a run's text), keeping the live number
    serious = next(p for p in paragraphs if "progresses" in _text(p))
    last = [t for t in serious.iter(qn("w:t"))][-1]
    last.text = last.text.replace("progresses.", "progresses slowly over years.")
    # delete a paragraph
    gone = next(p for p in paragraphs if "to delete" in _text(p))
    gone.getparent().remove(gone)
    # add a paragraph with bold text, then a numbered list
    normal = serious.find(f"{qn('w:pPr')}/{qn('w:pStyle')}").get(qn("w:val"))
    added = _paragraph(normal, _run("A new paragraph with "), _run("bold words", bold=True), _run("."))
    serious.addnext(added)
    item1 = _paragraph("ListNumber", _run("first step"))
    item2 = _paragraph("ListNumber", _run("second step"))
    added.addnext(item1)
    item1.addnext(item2)
    # a tracked insertion, to be accepted
    ins = OxmlElement("w:ins")
    ins.set(qn("w:id"), "901")
    ins.set(qn("w:author"), "Reviewer")
    ins.append(_run(" Tracked addition."))
    item2.getprevious().getprevious().append(ins)  # the "A new paragraph" paragraph
    edited = tmp_path / "edited.docx"
    document.save(str(edited))

    # pending tracked changes are refused, and nothing is written
    before = _snapshot(folder)
    refused = run_cli("import", str(folder), str(edited))
    assert refused.returncode == 1
    assert "briefing.disease: pending tracked change" in refused.stderr
    assert "nothing written" in refused.stderr
    assert _snapshot(folder) == before

    result = run_cli("import", str(folder), str(edited), "--accept-changes")
    assert result.returncode == 0, result.stderr
    assert f"wrote {folder / 'text' / 'disease.md'}" in result.stdout
    markdown = (folder / "text" / "disease.md").read_text(encoding="utf-8")
    assert markdown == (
        "Mean age was [[demog:variables/AGE/groups/Placebo/mean|1]] years in the placebo arm.\n\n"
        "The disease is **serious** and progresses slowly over years.\n\n"
        "A new paragraph with **bold words**. Tracked addition.\n\n"
        "1. first step\n1. second step\n\n"
        "- first point\n  - nested point\n- second point\n")
    assert (folder / "text" / "current.md").read_bytes() == before["text/current.md"]
    assert (folder / "dossier.yaml").read_bytes() == before["dossier.yaml"]

    out = tmp_path / "rebuilt"
    rebuilt = run_cli("build", str(folder), "-o", str(out), typeset=True)
    assert rebuilt.returncode == 0, rebuilt.stderr
    pdf_text = subprocess.run(["pdftotext", "-layout", str(out / "briefing.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
    flat = " ".join(pdf_text.split())
    for phrase in ("progresses slowly over years.", "A new paragraph with bold words. Tracked addition.",
                   "first step", "second step"):
        assert phrase in flat
    assert "to delete" not in flat
    new_doc = Document(str(out / "briefing.docx"))
    new_section = _section(new_doc, "briefing.disease")
    bold = [_text(r) for r in new_section.iter(qn("w:r")) if r.find(f"{qn('w:rPr')}/{qn('w:b')}") is not None]
    assert "bold words" in bold
    live = [s for s in new_section.iter(qn("w:sdt"))
            if s.find(f"{qn('w:sdtPr')}/{qn('w:tag')}").get(qn("w:val")) == "demog:variables/AGE/groups/Placebo/mean|1"]
    assert len(live) == 1 and _text(live[0]).replace(".", "").isdigit()


def test_a_live_number_typed_over_and_fixed_text_edits_are_reported_line_by_line(trial, tmp_path):
    folder, root = _copy_trial(trial, tmp_path)
    document = Document(str(root / "out-en" / "briefing.docx"))
    section = _section(document, "briefing.disease")
    live = next(s for s in section.iter(qn("w:sdt")))
    next(live.iter(qn("w:t"))).text = "99.9"
    # an edit in fixed text: the first heading
    heading = next(p for p in document.element.body.iter(qn("w:p"))
                   if (s := p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")) is not None and s.get(qn("w:val")) == "Heading1")
    heading_text = _text(heading)
    next(heading.iter(qn("w:t"))).text += " (edited)"
    # a deleted section marker: unwrap the current-treatment section
    current = _section(document, "briefing.current_treatment").getparent()
    for child in list(current.find(qn("w:sdtContent"))):
        current.addprevious(child)
    current.getparent().remove(current)
    # a comment
    edited = tmp_path / "edited.docx"
    document.save(str(edited))
    before = _snapshot(folder)
    result = run_cli("import", str(folder), str(edited))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert any("briefing.disease: the live number [[demog:variables/AGE/groups/Placebo/mean|1]] was typed over"
               in line and "'99.9'" in line for line in errors)
    assert any("fixed text edited" in line and f"{heading_text} (edited)" in line for line in errors)
    assert any("briefing.current_treatment: the section marker was deleted" in line for line in errors)
    assert any("fixed text edited" in line and "Current treatment is symptomatic." in line for line in errors)
    assert _snapshot(folder) == before
    # --force writes what it can: nothing here is an edit of a section, so no file changes either
    forced = run_cli("import", str(folder), str(edited), "--force")
    assert forced.returncode == 1
    assert _snapshot(folder) == before


def test_an_edited_inline_text_is_refused_with_the_file_to_move_it_to(trial, tmp_path):
    folder, root = _copy_trial(trial, tmp_path)
    document = Document(str(root / "out-en" / "briefing.docx"))
    t = next(_section(document, "briefing.unmet_need").iter(qn("w:t")))
    t.text = "Edited "
    edited = tmp_path / "edited.docx"
    document.save(str(edited))
    result = run_cli("import", str(folder), str(edited))
    assert result.returncode == 1
    assert "dossier.yaml: briefing.unmet_need: the inline text was edited in Word" in result.stderr
    assert "text/unmet_need.md" in result.stderr


def test_comments_are_listed_with_their_section(trial, tmp_path):
    folder, root = _copy_trial(trial, tmp_path)
    source = root / "out-en" / "briefing.docx"
    document = Document(str(source))
    p = _section(document, "briefing.disease").find(qn("w:p"))
    start, end = OxmlElement("w:commentRangeStart"), OxmlElement("w:commentRangeEnd")
    start.set(qn("w:id"), "0")
    end.set(qn("w:id"), "0")
    p.insert(1, start)
    p.append(end)
    edited = tmp_path / "edited.docx"
    document.save(str(edited))
    comments = ('<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                '<w:comment w:id="0" w:author="Reviewer"><w:p><w:r><w:t>Cite the source.</w:t></w:r></w:p>'
                '</w:comment></w:comments>')
    with_comments = tmp_path / "commented.docx"
    with zipfile.ZipFile(edited) as src, zipfile.ZipFile(with_comments, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("word/comments.xml", comments)
    result = run_cli("import", str(folder), str(with_comments))
    assert result.returncode == 0, result.stderr
    assert "comment 1 by Reviewer in briefing.disease: Cite the source." in result.stderr


def test_a_docx_not_built_by_dossier_is_refused_in_one_line(trial, tmp_path):
    folder, _ = _copy_trial(trial, tmp_path)
    plain = tmp_path / "plain.docx"
    Document().save(str(plain))
    result = run_cli("import", str(folder), str(plain))
    assert result.returncode == 1
    assert "not a DOCX built by dossier" in result.stderr and "Traceback" not in result.stderr
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"not a zip")
    result = run_cli("import", str(folder), str(junk))
    assert result.returncode == 1 and "not a DOCX file" in result.stderr


@pytest.mark.parametrize("text", [
    "A *b* **c** ***d*** `e` 1. x and 5 * 3 & <x> [y] _u_",
    "- one\n  - two\n    1. three\n- four\n\n1. n\n2. m\n",
    "line\\\nbreak and [[a:b/c|1]] live\n\n+ plus\n\n2) not a list start",
    "1986. A year at the start of a paragraph\n\n- item\n\n# not a heading",
])
def test_markdown_written_by_import_reads_back_as_the_same_blocks(text):
    blocks = markdown_blocks(text)
    assert markdown_blocks(blocks_markdown(blocks)) == blocks


def test_every_example_text_round_trips_through_blocks():
    from pathlib import Path

    files = sorted(Path(f) for folder in example_folders() for f in folder.glob("text/**/*.md"))
    assert files
    for path in files:
        blocks = markdown_blocks(path.read_text(encoding="utf-8-sig"))
        assert markdown_blocks(blocks_markdown(blocks)) == blocks, path



def test_the_language_comes_from_the_document_and_a_wrong_lang_is_refused(trial, tmp_path):
    folder, root = _copy_trial(trial, tmp_path)
    before = _snapshot(folder)
    japanese = root / "out-ja" / "briefing.docx"
    result = run_cli("import", str(folder), str(japanese))  # dossier.yaml's language is en; the DOCX says ja
    assert result.returncode == 0, result.stderr
    wrong = run_cli("import", str(folder), str(japanese), "--lang", "en")
    assert wrong.returncode == 2
    assert "built in 'ja', not 'en': import it with --lang ja" in wrong.stderr
    assert _snapshot(folder) == before


def test_done_when_the_pilot_examples_docx_edited_in_word_comes_back_and_rebuilds(built, tmp_path):
    """Issue 18's done-when, on the CDISC pilot example as `make` builds it."""
    pilot = tmp_path / "cdisc-pilot01"
    shutil.copytree(PILOT, pilot)
    document = Document(str(built["cdisc-pilot01"] / "briefing.docx"))
    section = _section(document, "briefing.disease")
    first, _ = section.findall(qn("w:p"))
    texts = [t for t in first.iter(qn("w:t")) if "most common cause" in (t.text or "")]
    texts[0].text = texts[0].text.replace("most common cause", "most frequent cause")  # a sentence changed
    style = first.find(f"{qn('w:pPr')}/{qn('w:pStyle')}").get(qn("w:val"))
    added = _paragraph(style, _run("Writers add "), _run("bold evidence", bold=True), _run(" here."))
    first.addnext(added)
    items = [_paragraph("ListBullet", _run("a bullet from Word")), _paragraph("ListBullet2", _run("nested"))]
    added.addnext(items[0])
    items[0].addnext(items[1])
    ins = OxmlElement("w:ins")
    ins.set(qn("w:id"), "902")
    ins.set(qn("w:author"), "Reviewer")
    ins.append(_run(" Accepted insertion."))
    first.append(ins)  # a tracked change, taken as accepted
    product = _section(document, "briefing.product_overview").findall(qn("w:p"))
    assert len(product) == 2
    product[-1].getparent().remove(product[-1])  # a paragraph deleted
    edited = tmp_path / "edited.docx"
    document.save(str(edited))

    result = run_cli("import", str(pilot), str(edited), "--accept-changes")
    assert result.returncode == 0, result.stderr
    disease = (pilot / "text" / "disease.md").read_text(encoding="utf-8")
    assert disease.startswith("Alzheimer's disease is a progressive neurodegenerative disorder and the most frequent "
                              "cause of dementia.")
    assert ("shorten life expectancy. Accepted insertion.\n\nWriters add **bold evidence** here.\n\n"
            "- a bullet from Word\n  - nested\n\nThe study enrolled") in disease
    assert "[[demog:variables/AGE/groups/Total/mean|1]] years." in disease
    written = sorted(line.split(" ", 1)[1] for line in result.stdout.splitlines() if line.startswith("wrote "))
    assert written == sorted(str(pilot / "text" / n) for n in ("disease.md", "product.md"))
    product = (PILOT / "text" / "product.md").read_text(encoding="utf-8").split("\n\n")[0].strip()
    assert (pilot / "text" / "product.md").read_text(encoding="utf-8") == product + "\n"
    for name in ("clinical-summary.md", "q1-rationale.md", "ja/disease.md"):  # untouched
        assert (pilot / "text" / name).read_bytes() == (PILOT / "text" / name).read_bytes()

    out = tmp_path / "out"
    rebuilt = run_cli("build", str(pilot), "-o", str(out))  # the typeset PDF: the tiny trial's test above
    assert rebuilt.returncode == 0, rebuilt.stderr
    new_section = _section(Document(str(out / "briefing.docx")), "briefing.disease")
    flat = " ".join(" ".join(_text(p) for p in new_section.iter(qn("w:p"))).split())
    printed = " ".join(parse((out / "briefing.html").read_text(encoding="utf-8")).body().raw_text().split())
    for phrase in ("most frequent cause of dementia", "Accepted insertion.", "Writers add bold evidence here.",
                   "a bullet from Word"):
        assert phrase in flat and phrase in printed  # in the DOCX and in the HTML the PDF is printed from
    live = [s for s in new_section.iter(qn("w:sdt"))
            if s.find(f"{qn('w:sdtPr')}/{qn('w:tag')}").get(qn("w:val")) == "demog:variables/AGE/groups/Total/mean|1"]
    assert len(live) == 1 and _text(live[0]) in flat

    # another copy: a live number typed over is reported, and nothing is written
    typed = Document(str(built["cdisc-pilot01"] / "briefing.docx"))
    control = next(_section(typed, "briefing.disease").iter(qn("w:sdt")))
    next(control.iter(qn("w:t"))).text = "80.0"
    typed_path = tmp_path / "typed.docx"
    typed.save(str(typed_path))
    again = tmp_path / "again"
    shutil.copytree(PILOT, again)
    refused = run_cli("import", str(again), str(typed_path))
    assert refused.returncode == 1
    assert "briefing.disease: the live number [[demog:variables/AGE/groups/Total/mean|1]] was typed over" in refused.stderr
    assert (again / "text" / "disease.md").read_bytes() == (PILOT / "text" / "disease.md").read_bytes()
