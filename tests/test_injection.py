"""Safe rendering: values from the data and the writer's text are text everywhere.

HTML, image tags pointing at local files, Jinja syntax, spreadsheet formulas and control characters
in ADSL/ADAE/ADTTE values, in dossier.yaml and in the writer's Markdown appear literally in the PDF,
the DOCX, the CSV and the XLSX; nothing is evaluated, fetched or interpreted, and no local file's
content reaches any output. User templates run in Jinja's sandbox.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.conftest import TINY_SPEC, WITH_LIBREOFFICE, run_cli, tiny_tables, write_tiny_trial
from tests.test_bad_input import snapshot

PAYLOADS = ['<b>x</b>', '<img src="file:///etc/passwd">', "{{ 7*7 }}", "{% raw %}", '=HYPERLINK("http://x")',
            "+1+1", "@SUM(A1)", "-2+3"]
FORMULAS = ['=HYPERLINK("http://x")', "+1+1", "@SUM(A1)", "-2+3"]
BELL = "bell\x07here"
ARM = "Drug <b>x</b> {{ 7*7 }} $a^$"  # also: dollar signs must not be read as matplotlib mathtext
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PASSWD = Path("/etc/passwd")


def secret_marker() -> bytes:
    """A piece of /etc/passwd that must never appear in an output."""
    first = PASSWD.read_bytes().splitlines()[0] if PASSWD.is_file() else b""
    return first.split(b":")[0] + b":x:" if first.count(b":") >= 2 else b"root:x:0:0"


def injected_tables() -> dict[str, list[dict]]:
    tables = tiny_tables(n=18)
    for i, row in enumerate(tables["adsl"]):
        row["TRT01A"] = "Placebo" if row["TRT01A"] == "Placebo" else ARM
        row["ORIGIN"] = ([*PAYLOADS, BELL])[i % (len(PAYLOADS) + 1)]
    for i, row in enumerate(tables["adae"]):
        row["AEBODSYS"] = FORMULAS[i % len(FORMULAS)]
        row["AEDECOD"] = ([*PAYLOADS, BELL])[i % (len(PAYLOADS) + 1)]
    for row in tables["adtte"]:
        row["PARAM"] = '<img src="file:///etc/passwd"> {{ 7*7 }}'
    return tables


WRITER_TEXT = "\n\n".join([
    *PAYLOADS,
    BELL,
    "![a picture](file:///etc/passwd) and [a link](file:///etc/passwd)",
    '<iframe src="file:///etc/passwd"></iframe>',
    "<script>alert(1)</script>",
    '<link rel="stylesheet" href="file:///etc/passwd">',
]) + "\n"


def injected_trial(folder: Path) -> Path:
    spec = yaml.safe_load(yaml.safe_dump(TINY_SPEC))
    spec["study"]["title"] = "Study <b>x</b> {{ 7*7 }}"
    spec["indication"] = '=HYPERLINK("http://x")'
    spec["analyses"][0]["variables"] = ["AGE", "ORIGIN"]
    spec["briefing"]["questions"][0]["question"] = "Is {% raw %} <b>x</b> acceptable?"
    write_tiny_trial(folder, spec, injected_tables())
    (folder / "text" / "disease.md").write_text(WRITER_TEXT, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("injection")
    trial = injected_trial(root / "trial")
    out = root / "out"
    result = run_cli("build", str(trial), "-o", str(out), typeset=True)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return out


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout.decode()


def docx_paragraphs(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        root = ET.fromstring(archive.read("word/document.xml"))  # well-formed XML, or this raises
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p")]


def test_pdf_shows_every_value_literally(built):
    for name in ("briefing", "sakigake"):
        text = pdf_text(built / f"{name}.pdf")
        flat = squeeze(text)
        for payload in [*PAYLOADS, ARM]:
            assert squeeze(payload) in flat, f"{name}.pdf: {payload!r}"
        assert "\x07" not in text and "bell\ufffdhere" in text
    briefing = pdf_text(built / "briefing.pdf")
    assert squeeze("Study <b>x</b> {{ 7*7 }}") in squeeze(briefing)
    for literal in ("![a picture](file:///etc/passwd)", '<iframe src="file:///etc/passwd"></iframe>',
                    "<script>alert(1)</script>", "Is {% raw %} <b>x</b> acceptable?"):
        assert squeeze(literal) in squeeze(briefing), literal
    assert "49" not in re.findall(r"\d+", briefing.split("Tiny")[0])  # {{ 7*7 }} never evaluated on the cover


def test_html_source_escapes_every_value(built):
    from dossier.render.tree import parse

    html = (built / "briefing.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert '<img src="file:' not in html and "<iframe" not in html and "<script" not in html
    elements = list(parse(html).iter())  # the HTML as weasyprint reads it: no element or attribute from a value
    links = [v for e in elements for k, v in e.attrs.items() if k in ("src", "href")]
    assert [v for v in links if not v.startswith(("#", "figures/"))] == ["print.css"]  # the template's only
    assert not [e.tag for e in elements if e.tag in ("b", "iframe", "script")]
    assert '&lt;link rel="stylesheet" href="file:///etc/passwd"&gt;' in html  # the writer's HTML, as text
    assert "{{ 7*7 }}" in html and "{% raw %}" in html


def test_docx_shows_every_value_literally(built):
    for name in ("briefing", "sakigake"):
        paragraphs = docx_paragraphs(built / f"{name}.docx")
        text = "\n".join(paragraphs)
        for payload in [*PAYLOADS, ARM]:
            assert payload in text, f"{name}.docx: {payload!r}"
        assert "\x07" not in text and "bell\ufffdhere" in text  # the control character replaced, visibly
    text = "\n".join(docx_paragraphs(built / "briefing.docx"))
    assert "Study <b>x</b> {{ 7*7 }}" in text
    for literal in ("![a picture](file:///etc/passwd)", '<iframe src="file:///etc/passwd"></iframe>'):
        assert literal in text


def test_csv_cells_never_start_a_formula(built):
    seen = set()
    for path in sorted((built / "tables").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    stripped = cell.lstrip()
                    if stripped.startswith(("=", "+", "@")) or re.match(r"-[^\d]", stripped):
                        assert cell.startswith("'"), f"{path.name}: {cell!r}"
                    for formula in FORMULAS:
                        if cell.strip().lstrip("'").strip() == formula:
                            seen.add(formula)
                            assert cell.startswith("'"), f"{path.name}: {cell!r}"
                    assert "\x07" not in cell or "bell\x07here" not in cell.replace("\ufffd", "")
    assert seen == set(FORMULAS)


def test_xlsx_cells_are_text_and_literal(built):
    from openpyxl import load_workbook

    workbook = load_workbook(built / "tables.xlsx")
    values = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                assert cell.data_type == "s", f"{sheet.title}!{cell.coordinate}: {cell.data_type} {cell.value!r}"
                values.append(cell.value.strip())
    for payload in [*PAYLOADS, "bell\ufffdhere"]:
        assert payload in values, payload
    assert not any("\x07" in v for v in values)


def test_no_local_file_reaches_any_output(built):
    marker = secret_marker()
    for path in sorted(built.rglob("*")):
        if not path.is_file():
            continue
        contents = [path.read_bytes()]
        if path.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(path) as archive:
                contents += [archive.read(n) for n in archive.namelist()]
        if path.suffix == ".pdf":
            contents.append(pdf_text(path).encode())
        for content in contents:
            assert marker not in content, path


def test_validation_warns_about_control_characters(built):
    # the build printed the warning and the documents' appendix lists it
    text = "\n".join(docx_paragraphs(built / "briefing.docx"))
    assert "ORIGIN: 2 value(s) hold control characters" in text
    line = WRITER_TEXT[: WRITER_TEXT.index("\x07")].count("\n") + 1
    assert f"disease.md: line {line}: control character U+0007" in text


# ------------------------------------------------------------------------------------ user templates


def user_template(body: str) -> str:
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>'
            '<link rel="stylesheet" href="print.css"></head>\n<body data-header="H" lang="en">\n'
            + body + "\n</body></html>\n")


def test_user_template_cannot_reach_python(tmp_path, tiny_build):
    trial = write_tiny_trial(tmp_path / "trial")
    (trial / "templates").mkdir()
    (trial / "templates" / "briefing.html.j2").write_text(user_template(
        "<p>{{ ''.__class__.__mro__[1].__subclasses__() }}</p>"), encoding="utf-8")
    out = tmp_path / "outputs" / "out"
    shutil.copytree(tiny_build[1], out)
    before = snapshot(out)
    result = run_cli("build", str(trial), "-o", str(out))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "unsafe" in lines[0] and "Traceback" not in result.stderr
    assert snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


def test_user_template_outside_the_docx_subset_is_an_error_naming_the_template(tmp_path):
    trial = write_tiny_trial(tmp_path / "trial")
    (trial / "templates").mkdir()
    (trial / "templates" / "briefing.html.j2").write_text(
        user_template('<h1 id="a">A</h1>\n<marquee>moving</marquee>'), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", str(trial), "-o", str(out))
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.returncode == 1 and len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "<marquee>" in errors[0] and str(trial / "templates" / "briefing.html.j2") in errors[0]
    assert not out.exists()


HEAD_RESOURCES = ('<link rel="stylesheet" href="file:///etc/passwd">'
                  '<style>@import url("file:///etc/passwd"); @import url("../../../../../etc/passwd");</style>')


@pytest.mark.parametrize("body,refused", [
    (("<h1 id=\"a\">A</h1>\n<p>{% include '/etc/passwd' ignore missing %}"
     "{% include '../../../../etc/passwd' ignore missing %}x</p>"), None),
    (('<h1 id="a">A</h1>\n<figure id="figure-1"><img src="file:///etc/passwd" alt="x"><figcaption>F</figcaption>'
     "</figure>"), "picture 'file:///etc/passwd' is not a file inside the build's resource folders"),
    (('<h1 id="a">A</h1>\n<figure id="figure-1"><img src="../../../../../etc/passwd" alt="x"><figcaption>F'
     "</figcaption></figure>"), "is not a file inside the build's resource folders"),
], ids=["include", "picture", "relative-picture"])
def test_user_template_cannot_read_local_files(tmp_path, body, refused):
    trial = write_tiny_trial(tmp_path / "trial")
    (trial / "templates").mkdir()
    (trial / "templates" / "briefing.html.j2").write_text(
        user_template(body).replace("</head>", HEAD_RESOURCES + "</head>"), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", str(trial), "-o", str(out), typeset=True)  # weasyprint's refusals are its warnings
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    if refused:  # a picture from outside is an error naming it, and nothing is written
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert result.returncode == 1 and len(errors) == 1 and refused in errors[0], result.stderr
        assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["trial"]
        return
    assert result.returncode == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "refused to fetch" in line]
    assert warned and all(line.startswith("warning: briefing.pdf: ") for line in warned), result.stderr
    assert any("file:///etc/passwd" in line for line in warned)
    assert all(line.startswith(("warning: ", "built ", "en: ")) for line in result.stderr.splitlines()), result.stderr
    marker = secret_marker()
    for path in out.rglob("*"):
        if path.is_file():
            assert marker not in path.read_bytes(), path
            if path.suffix == ".pdf":
                assert marker.decode() not in pdf_text(path)
            if path.suffix == ".docx":
                with zipfile.ZipFile(path) as archive:
                    assert all(marker not in archive.read(n) for n in archive.namelist())


# ------------------------------------------------------------------------------------ the gate, reader by reader
# The build refuses these before rendering (tests/test_bad_input.py, the gate cases); each reader also
# admits every file it opens through dossier.data.gate, whoever calls it.


def _linked_out(tmp_path: Path, rel: str, content: bytes) -> Path:
    """A templates folder in which `rel` is a symbolic link to a file outside it."""
    templates = tmp_path / "trial" / "templates"
    outside = tmp_path / "outside.bin"
    outside.write_bytes(content)
    (templates / rel).parent.mkdir(parents=True, exist_ok=True)
    (templates / rel).symlink_to(outside)
    return templates


def test_an_included_template_linked_outside_is_refused_by_the_loader(tmp_path):
    from dossier.errors import RenderError
    from dossier.render.html import environment

    templates = _linked_out(tmp_path, "part.html.j2", b"<p>OUTSIDE-FILE-CONTENT</p>")
    (templates / "main.html.j2").write_text("{% include 'part.html.j2' %}", encoding="utf-8")
    with pytest.raises(RenderError, match="is a link to .*outside its folder") as caught:
        environment([templates]).get_template("main.html.j2").render()
    assert caught.value.problems[0].where == str(templates / "part.html.j2")
    (templates / "main.html.j2").write_text("{% import 'part.html.j2' as p %}x", encoding="utf-8")
    with pytest.raises(RenderError, match="is a link to"):
        environment([templates]).get_template("main.html.j2").render()


def test_a_glossary_linked_outside_is_refused(tmp_path):
    from dossier.document.glossary import load_glossary
    from dossier.errors import RenderError
    from dossier.render.html import PACKAGE_TEMPLATES

    packaged = (PACKAGE_TEMPLATES / "glossary" / "en.yaml").read_bytes()
    templates = _linked_out(tmp_path, "glossary/en.yaml", packaged.replace(b'"NE"', b'"OUTSIDE"'))
    with pytest.raises(RenderError, match="is a link to"):
        load_glossary("en", [templates, PACKAGE_TEMPLATES])


@pytest.mark.parametrize("name", ["print.css", "reference.docx"])
def test_a_resource_linked_outside_is_refused(tmp_path, name):
    from dossier.errors import RenderError
    from dossier.render import resolve_resource
    from dossier.render.html import PACKAGE_TEMPLATES, template_file

    templates = _linked_out(tmp_path, name, (PACKAGE_TEMPLATES / name).read_bytes())
    with pytest.raises(RenderError, match="is a link to"):
        template_file(name, [templates, PACKAGE_TEMPLATES])
    assert resolve_resource(name, [templates, PACKAGE_TEMPLATES]) is None  # not the packaged one instead


# ------------------------------------------------------------------------------------ unbreakable tokens


def test_the_longest_ae_term_the_limits_allow_is_laid_out_in_lines(tmp_path):
    """dossier.config.limits refuses a data text longer than MAX_VALUE_CHARS or holding a word longer than
    MAX_TOKEN_CHARS (a 200,000-character term is one line of error: tests/test_bad_input.py). The longest
    term they allow, words of MAX_TOKEN_CHARS characters without a space, is given a line-break opportunity
    (U+200B) every 40 characters in the documents (dossier.render.html.break_long_runs), so weasyprint and
    LibreOffice lay it out as ordinary lines; the data outputs keep it exactly."""
    from dossier.config.limits import MAX_TOKEN_CHARS, MAX_VALUE_CHARS

    word = "Xy" * (MAX_TOKEN_CHARS // 2)
    term = " ".join([word] * (MAX_VALUE_CHARS // (MAX_TOKEN_CHARS + 1)))
    assert len(term) <= MAX_VALUE_CHARS
    tables = tiny_tables()
    tables["adae"][0]["AEDECOD"] = term
    trial = write_tiny_trial(tmp_path / "trial", tables=tables)
    out = tmp_path / "out"
    result = run_cli("build", str(trial), "-o", str(out), env=WITH_LIBREOFFICE, typeset=True)
    assert result.returncode == 0, result.stderr
    assert "did not finish" not in result.stderr  # LibreOffice laid the documents out (when installed)
    assert "invalid value" not in result.stderr  # no column squeezed to a negative width by the term
    html = (out / "briefing.html").read_text(encoding="utf-8")
    assert word not in html and ("Xy" * 20 + "\u200b") * 4 in html
    assert term in (out / "evidence.json").read_text(encoding="utf-8")
    assert any(term in path.read_text(encoding="utf-8") for path in (out / "tables").glob("*.csv"))
    assert squeeze(pdf_text(out / "briefing.pdf")).count("XyXyXy") > 100


def test_long_runs_are_broken_in_text_only():
    from dossier.render.html import break_long_runs
    from dossier.render.tree import parse, serialise

    word = "a" * 100
    sha256 = "00237416055f3b902aeab3affa384b7aae4b7e008a742af50d0c4860756ced3d"
    html = (f'<p title="{word}">{word} short &amp;{"&lt;" * 75}</p><style>{word}</style>'
            f"<p>{'受け入れ可能か。' * 20}</p><td>{sha256}</td>")
    root = parse(html)
    break_long_runs(root)
    out = serialise(root)
    assert f'<p title="{word}">' in out and f"<style>{word}</style>" in out  # tags, attributes, CSS untouched
    assert f"{'a' * 40}\u200b{'a' * 40}\u200b{'a' * 20} short" in out
    assert "&amp;" + "&lt;" * 39 + "\u200b" + "&lt;" * 36 + "</p>" in out  # an entity is one character, never cut
    assert f"<td>{sha256}</td>" in out  # a hash (64 characters) stays whole, so a copy of it is the hash
    assert "受け入れ可能か。" * 20 in out  # Japanese breaks between any two characters already
    assert out.replace("\u200b", "") == html
