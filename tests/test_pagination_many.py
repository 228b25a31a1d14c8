"""Several DOCX laid out by one LibreOffice run (pagination.bookmark_pages_all, docx.write_docx_all)."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

import pytest

from dossier.errors import RenderError
from dossier.render import pagination
from dossier.render.docx import DocxJob, write_docx, write_docx_all
from dossier.render.pagination import PaginationUnavailable, bookmark_pages, bookmark_pages_all, soffice
from dossier.render.tree import parse_html, serialise
from tests.conftest import toc_entries

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
REFERENCE = TEMPLATES / "reference.docx"
FIXTURES = Path(__file__).parent / "fixtures" / "render"
DAY = datetime.date(2024, 5, 1)
ORIGIN = "the HTML of templates/sakigake.html.j2"

needs_libreoffice = pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed")


def fixture_html(lang: str) -> str:
    return (FIXTURES / f"subset_{lang}.html").read_text(encoding="utf-8")


def job(html: str, out: Path, figures: Path, lang: str = "en", origin: str = "") -> DocxJob:
    return DocxJob(parse_html(html), out, (TEMPLATES, figures), REFERENCE, f"Fixture {lang}", lang, DAY, origin)


def write_alone(j: DocxJob) -> list[str]:
    """The same job through the one-document write_docx (from the job's tree written back as HTML)."""
    return write_docx(serialise(j.body), j.out_path, j.resource_dirs, reference=j.reference, title=j.title, lang=j.lang,
                      date=j.date)


@pytest.fixture
def convert_runs(monkeypatch) -> list[list[str]]:
    """The LibreOffice conversions pagination starts (each still runs for real)."""
    runs: list[list[str]] = []
    real = subprocess.Popen

    def counting(command, *args, **kwargs):
        if "--convert-to" in command:
            runs.append(list(command))
        return real(command, *args, **kwargs)

    monkeypatch.setattr(pagination.subprocess, "Popen", counting)
    return runs


@needs_libreoffice
def test_write_docx_all_gives_the_bytes_of_write_docx_with_page_numbers(tmp_path, figures_dir):
    jobs = [job(fixture_html("en"), tmp_path / "briefing.docx", figures_dir),
            job(fixture_html("ja"), tmp_path / "sakigake.docx", figures_dir, lang="ja")]
    assert write_docx_all(jobs) == []
    alone = [job(serialise(j.body), tmp_path / f"alone-{j.out_path.name}", figures_dir, j.lang) for j in jobs]
    assert [w for j in alone for w in write_alone(j)] == []
    for together, single in zip(jobs, alone, strict=True):
        assert together.out_path.read_bytes() == single.out_path.read_bytes()
        numbers = [e[3] for e in toc_entries(together.out_path)]
        assert numbers and all(n.isdigit() and int(n) >= 2 for n in numbers)
    assert len(toc_entries(jobs[0].out_path)) == 6 and len(toc_entries(jobs[1].out_path)) == 2


@needs_libreoffice
def test_one_libreoffice_run_lays_out_every_document(tmp_path, figures_dir, convert_runs):
    jobs = [job(fixture_html(lang), tmp_path / f"{i}.docx", figures_dir, lang)
            for i, lang in enumerate(["en", "ja"] * 2)]
    assert write_docx_all(jobs) == []
    assert len(convert_runs) == 1
    assert sum(arg.endswith(".docx") for arg in convert_runs[0]) == 4
    assert all(e[3] for j in jobs for e in toc_entries(j.out_path))


def test_documents_without_a_toc_or_pagination_start_no_libreoffice(tmp_path, figures_dir, convert_runs):
    plain = job("<!DOCTYPE html><html><body lang='en'><h1 id='a'>A</h1></body></html>", tmp_path / "plain.docx",
                figures_dir)
    assert write_docx_all([plain]) == []
    assert write_docx_all([job(fixture_html("en"), tmp_path / "toc.docx", figures_dir)], paginate=False) == []
    assert convert_runs == [] and bookmark_pages_all([]) == []
    assert [e[3] for e in toc_entries(tmp_path / "toc.docx")] == [""] * 6


@needs_libreoffice
def test_a_corrupt_document_fails_alone(tmp_path, figures_dir):
    out = tmp_path / "valid.docx"
    write_docx(fixture_html("en"), out, [TEMPLATES, figures_dir], reference=REFERENCE, title="F", lang="en",
               paginate=False)
    valid = out.read_bytes()
    pages, broken = bookmark_pages_all([(valid, ["sec_1", "sec_2", "nowhere"]), (valid[: len(valid) // 2], ["sec_1"])])
    assert isinstance(pages, dict) and set(pages) == {"sec_1", "sec_2"} and 2 <= pages["sec_1"] <= pages["sec_2"]
    assert isinstance(broken, PaginationUnavailable)
    assert str(broken).startswith("LibreOffice could not convert the document")
    with pytest.raises(PaginationUnavailable, match="could not convert"):
        bookmark_pages(valid[: len(valid) // 2], ["sec_1"])


def test_without_libreoffice_every_document_says_so(tmp_path, figures_dir, monkeypatch):
    monkeypatch.setenv("DOSSIER_SOFFICE", "none")
    results = bookmark_pages_all([(b"a", ["x"]), (b"b", ["y"])])
    assert len(results) == 2 and all(isinstance(r, PaginationUnavailable) for r in results)
    assert {str(r) for r in results} == {"LibreOffice (soffice) was not found"}
    jobs = [job(fixture_html("en"), tmp_path / "briefing.docx", figures_dir),
            job(fixture_html("ja"), tmp_path / "sakigake.docx", figures_dir, lang="ja")]
    warnings = write_docx_all(jobs)
    assert [w.split(":")[0] for w in warnings] == ["briefing.docx", "sakigake.docx"]
    assert all("the table of contents has no page numbers (LibreOffice (soffice) was not found)" in w for w in warnings)
    assert [e[3] for j in jobs for e in toc_entries(j.out_path)] == [""] * 8


def test_a_render_error_names_its_file_and_origin_and_writes_nothing(tmp_path, figures_dir):
    bad = "<!DOCTYPE html><html><body lang='en'><blink>x</blink></body></html>"
    jobs = [job(fixture_html("en"), tmp_path / "briefing.docx", figures_dir),
            job(bad, tmp_path / "sakigake.docx", figures_dir, origin=ORIGIN)]
    with pytest.raises(RenderError) as raised:
        write_docx_all(jobs)
    assert str(raised.value) == ("unsupported element <blink> in document HTML"
                                 f" (while writing sakigake.docx from {ORIGIN})")
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RenderError) as plain:
        write_docx_all([job(bad, tmp_path / "plain.docx", figures_dir)])
    assert str(plain.value) == "unsupported element <blink> in document HTML"
