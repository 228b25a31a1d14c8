"""The built documents as a reader and a checker see them: sections, numbering, cross-references,
tables that agree across DOCX, PDF and CSV, PDF properties, SYNTHETIC marking, reproducibility."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import WITH_LIBREOFFICE, example_folders, libreoffice_pdfs, run_cli, toc_entries

BRIEFING_SECTIONS = ["List of consultation questions", "Product overview",
                     "Target disease, current treatment and unmet need",
                     "Development history and regulatory status in other regions",
                     "Summary of quality and nonclinical data", "Summary of clinical data",
                     "Consultation questions and the sponsor's position", "Proposed development plan",
                     "Statistical methods", "Data sources and provenance", "Evidence tables in full"]
SAKIGAKE_SECTIONS = ["Applicant and product", "Criterion 1: Innovativeness", "Criterion 2: Seriousness",
                     "Criterion 3: Prominent efficacy", "Criterion 4: Development in Japan first",
                     "Development schedule", "List of attachments"]


def pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("document,sections", [("briefing", BRIEFING_SECTIONS), ("sakigake", SAKIGAKE_SECTIONS)])
def test_every_section_is_in_the_pdf(built, document, sections):
    for name, out in built.items():
        text = flat(" ".join(pdf_pages(out / f"{document}.pdf")))
        for section in sections:
            assert section in text, f"{name}/{document}.pdf lacks {section!r}"


def test_tables_and_figures_are_numbered_in_order_and_cross_references_resolve(built):
    for name, out in built.items():
        for document in ("briefing", "sakigake"):
            html = (out / f"{document}.html").read_text(encoding="utf-8")
            tables = [int(n) for n in re.findall(r'<p class="caption">Table (\d+)\.', html)]
            figures = [int(n) for n in re.findall(r"<figcaption>Figure (\d+)\.", html)]
            assert tables == list(range(1, len(tables) + 1)), (name, document)
            assert figures == list(range(1, len(figures) + 1)), (name, document)
            anchors = set(re.findall(r' id="([^"]+)"', html))
            for target in re.findall(r'<a href="#([^"]+)"', html):
                assert target in anchors, (name, document, target)


def test_questions_cross_reference_their_evidence(built):
    html = (built["cdisc-pilot01"] / "briefing.html").read_text(encoding="utf-8")
    position = html.index('id="question-1"')
    evidence = html[position:html.index('id="question-2"')]
    assert re.search(r'<a href="#table-\d+">Table \d+</a>', evidence)
    assert re.search(r'<a href="#figure-\d+">Figure \d+</a>', evidence)


def _docx_tables(path: Path) -> list[list[list[str]]]:
    from docx import Document

    # a no-break space keeps "33 (13.0%)" together in the documents; the CSV has a plain space
    return [[[cell.text.replace("\u00a0", " ") for cell in row.cells] for row in table.rows]
            for table in Document(str(path)).tables]


def test_docx_tables_equal_the_csv_tables(built):
    out = built["cdisc-pilot01"]
    docx_tables = _docx_tables(out / "briefing.docx")
    for csv_path in sorted((out / "tables").glob("*.csv")):
        rows = list(csv.reader(csv_path.open(encoding="utf-8")))
        header_at = 1
        # the DOCX writer breaks narrow column headers between words itself (line breaks for spaces)
        body = [[" ".join(c.split()) for c in r] for r in rows[header_at:] if len(r) > 1]
        matches = [t for t in docx_tables if [[" ".join(c.split()) for c in r] for r in t] == body]
        assert matches, f"no DOCX table equals {csv_path.name}"


def test_pdf_shows_the_same_numbers_as_the_tables(built):
    out = built["cdisc-pilot01"]
    text = flat(" ".join(pdf_pages(out / "briefing.pdf")))
    rows = list(csv.reader((out / "tables" / "adas-cog.csv").open(encoding="utf-8")))
    for row in rows[2:]:
        for cell in row[1:]:
            if cell:
                assert cell.lstrip("'") in text


def test_pdf_properties_for_submission(built):
    for out in built.values():
        for document in ("briefing", "sakigake"):
            pdf = out / f"{document}.pdf"
            info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
            assert re.search(r"PDF version:\s+1\.[4-7]", info)
            assert re.search(r"Encrypted:\s+no", info)
            assert "A4" in info
            fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
            lines = fonts.splitlines()[2:]
            assert lines and all(" yes " in line for line in lines), fonts
            from pypdf import PdfReader

            assert PdfReader(str(pdf)).outline, "PDF has no bookmarks"


def test_every_page_of_a_synthetic_build_says_synthetic(built):
    synthetic = [name for name in built if name != "cdisc-pilot01"]
    assert synthetic
    for name in synthetic:
        for document in ("briefing", "sakigake"):
            for number, page in enumerate(pdf_pages(built[name] / f"{document}.pdf"), start=1):
                assert "SYNTHETIC DATA" in page, f"{name}/{document}.pdf page {number}"
    for page in pdf_pages(built["cdisc-pilot01"] / "briefing.pdf"):
        assert "SYNTHETIC DATA" not in page


@pytest.fixture(scope="module")
def converted(built, tmp_path_factory):
    """`converted(example, document)`: the PDF LibreOffice makes of a built DOCX; the briefing and SAKIGAKE
    DOCX of every example converted on first use, by one LibreOffice run."""
    pdfs: dict[tuple[str, str], Path] = {}

    def convert(example: str, document: str) -> Path:
        if not pdfs:
            folder = tmp_path_factory.mktemp("libreoffice")
            copies = {}
            for name, out in sorted(built.items()):
                for kind in ("briefing", "sakigake"):
                    copies[(name, kind)] = shutil.copy(out / f"{kind}.docx", folder / f"{name}-{kind}.docx")
            pdfs.update(zip(copies, libreoffice_pdfs([Path(c) for c in copies.values()], folder)))
        return pdfs[(example, document)]

    return convert


@pytest.mark.parametrize("folder", example_folders(), ids=lambda p: p.name)
@pytest.mark.parametrize("document,sections", [("briefing", BRIEFING_SECTIONS), ("sakigake", SAKIGAKE_SECTIONS)])
def test_every_docx_opens_in_libreoffice_with_every_section(converted, folder, document, sections):
    pages = pdf_pages(converted(folder.name, document))
    assert len(pages) > 3
    text = flat(" ".join(pages))
    missing = [s for s in sections if s not in text]
    assert missing == []


@pytest.mark.parametrize("document", ["briefing", "sakigake"])
def test_docx_contents_page_numbers_are_where_a_word_processor_puts_the_headings(built, converted, document):
    """The DOCX opens with a complete table of contents: each cached page number is the page on which
    LibreOffice, laying out the final file, prints that heading (and that page's footer number)."""
    docx = built["cdisc-pilot01"] / f"{document}.docx"
    pages = pdf_pages(converted("cdisc-pilot01", document))
    entries = toc_entries(docx)
    assert len(entries) >= 7
    for _, title, _, number in entries:
        assert number.isdigit(), f"no page number for {title!r}"
        page = pages[int(number) - 1]
        assert flat(title) in flat(page), f"{title!r} is not on page {number}"
        assert f"Page {number} of {len(pages)}" in flat(page)


@pytest.mark.e2e
@pytest.mark.parametrize("folder", example_folders(), ids=lambda p: p.name)
def test_rebuild_is_byte_identical_in_another_folder_and_in_one_process(built, tmp_path, folder):
    again = tmp_path / "again"  # `built` drew and wrote in worker processes; this build in the main one
    result = run_cli("build", str(folder), "-o", str(again), env={"DOSSIER_WORKERS": "1", **WITH_LIBREOFFICE},
                     typeset=True)
    assert result.returncode == 0, result.stderr
    first = built[folder.name]
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file())
    different = [n for n in names if (first / n).read_bytes() != (again / n).read_bytes()]
    assert different == []
