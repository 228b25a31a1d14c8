"""Shared fixtures and helpers of the tests.

Builds made once per test session and shared (each on first use, into a pytest temporary folder), also between
the processes of `pytest -n 2` (pytest-xdist, as `make test` runs: the first process to need a build makes it
under a file lock, the others wait for it and use it: `shared`). They are READ ONLY: a test that changes an
output folder or a trial folder copies it first (`copy_tree`).
- `built_example(name, lang="en")` -> Path: the output folder of `datasets/<name>` built with `--lang lang`
  (the `dossier build` command in a fresh process, as a user runs it, with its worker processes).
- `built` -> {example name: output folder}: every example folder built in English; `ja_built`: in Japanese.
- `tiny_build` -> (trial folder, output folder): the tiny trial (`write_tiny_trial`) built once.
- `refreshed` -> (trial folder, old build, new build): the pilot ADSL and ADADAS with writer's text quoting
  live numbers, built before and after a data refresh.
`run_cli(*args)` runs the dossier command in the test process (`dossier.cli.main`, output captured, no worker
process forked, no LibreOffice, and a stand-in for each PDF instead of weasyprint's typesetting) unless
`fresh=True` asks for a new process (a test of imports, workers or signals); `typeset=True` typesets the PDFs
(a test that reads a PDF), `env=WITH_LIBREOFFICE` lays the DOCX out for its page numbers.
Per-test folders:
- `make_trial(spec=None, datasets=("adsl",), texts=None)`: the pilot's datasets and a yaml in tmp_path.
- `write_tiny_trial(folder, spec=None, tables=None)`: a tiny valid trial of CSV files (12 subjects, one
  analysis of each common kind); `TINY_SPEC`, `tiny_tables(n)` to change it.

Markers (registered in pyproject.toml; `make test-fast` deselects both):
- `e2e`: a test that builds afresh on purpose because the fresh build is what it tests (byte identity of
  two builds, a killed or concurrent build, the lock, make's incremental rebuild).
- `slow`: a test that needs a whole example build (`built_example`, `built`, `ja_built`: set automatically
  from the fixtures it uses), LibreOffice or a browser.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "datasets"
PILOT = DATASETS / "cdisc-pilot01"
EXAMPLE_BUILDS = ("built_example", "built", "ja_built")  # fixtures that mark a test `slow`


def example_folders() -> list[Path]:
    return sorted(p.parent for p in DATASETS.glob("*/dossier.yaml"))


def pytest_collection_modifyitems(config, items):
    """A test using a whole example build (these fixtures of this file, not a test module's own fixture of the
    same name) is `slow`: make test-fast leaves it out. The files holding a `slow` or `e2e` test run first (in
    their own order; the others after them, in theirs): with `pytest -n` the long ones start at once and the
    short ones fill the processes' last minutes, instead of one process running a long file alone at the end."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        for name in set(getattr(item, "fixturenames", ())) & set(EXAMPLE_BUILDS):
            definitions = info.name2fixturedefs.get(name, ()) if info is not None else ()
            if definitions and getattr(definitions[-1].func, "__module__", "") == __name__:
                item.add_marker(pytest.mark.slow)
                break
    long_files = {item.path for item in items if item.get_closest_marker("slow") or item.get_closest_marker("e2e")}
    items.sort(key=lambda item: item.path not in long_files)  # stable: the order within each group is kept


def copy_tree(source: Path, target: Path) -> Path:
    """A private copy of a shared build or trial folder (symlinks copied as links), for a test that changes it."""
    shutil.copytree(source, target, symlinks=True)
    return target


MINIMAL_SPEC = {
    "study": {"id": "T-1", "title": "Test study"},
    "product": {"name": "TP-1"},
    "indication": "Test indication",
    "analyses": [{"id": "demog", "type": "baseline", "variables": ["AGE", "SEX"]}],
}


@pytest.fixture
def make_trial(tmp_path):
    """Copy the pilot data into a fresh trial folder with the given yaml (dict or raw text)."""

    def make(spec=None, *, datasets=("adsl",), name="trial", texts=None) -> Path:
        folder = tmp_path / name
        (folder / "adam").mkdir(parents=True)
        for ds in datasets:
            for src in (PILOT / "adam").glob(f"{ds}.*"):
                shutil.copy(src, folder / "adam" / src.name)
        content = MINIMAL_SPEC if spec is None else spec
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        (folder / "dossier.yaml").write_text(text, encoding="utf-8")
        for rel, body in (texts or {}).items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
        return folder

    return make


def glossary_entries() -> dict[str, dict[str, str]]:
    """The packaged glossary as key -> {"en": ..., "ja": ...} (from templates/glossary/<lang>.yaml)."""
    langs = {lang: yaml.safe_load((ROOT / "templates" / "glossary" / f"{lang}.yaml").read_text(encoding="utf-8"))
             for lang in ("en", "ja")}
    return {key: {lang: langs[lang].get(key) for lang in langs} for key in langs["en"]}


# `run_cli(..., env=WITH_LIBREOFFICE)`: lay the DOCX out with LibreOffice for its TOC page numbers, as the user's
# environment says (run_cli leaves LibreOffice out unless a test asks: most tests check no page number)
WITH_LIBREOFFICE = {"DOSSIER_SOFFICE": os.environ.get("DOSSIER_SOFFICE")}


def run_cli(*args: str, cwd: Path = ROOT, env: dict | None = None, fresh: bool = False, typeset: bool = False):
    """Run the `dossier` command with ARGS; a subprocess.CompletedProcess (returncode, stdout, stderr).

    By default in this process, as `dossier.cli.main(ARGS)` with `env` set in os.environ, `cwd` as the working
    folder and stdout/stderr captured, the build's rendering steps in this process too (DOSSIER_WORKERS=1 unless
    `env` says otherwise: nothing is forked from the test process) and without LibreOffice (DOSSIER_SOFFICE=none:
    the DOCX's table of contents then has no page numbers, and the build warns so, unless `env` is
    WITH_LIBREOFFICE): the same code as the command without starting Python and importing the statistics and
    rendering stacks again for every call. An `env` value None removes the variable. In this process the PDFs
    are NOT typeset unless `typeset=True`: each PDF file is a stand-in (`STAND_IN_PDF`), written where and when
    the build writes the PDF, from the same inputs (two builds of the same HTML give the same stand-in): for
    the tests of everything but the PDF's pages (evidence, messages, the cache, the manifest, the DOCX), for
    which weasyprint's layout was most of the time. A test that reads a PDF passes `typeset=True` or uses a
    whole example build (`built_example`: always typeset). `fresh`: in a new process (`python -m dossier`,
    always typeset), for a test of what a fresh process does (its imports, its worker processes, its exit on
    a signal); DOSSIER_TEST_FRESH=1 runs every call so."""
    if fresh or os.environ.get("DOSSIER_TEST_FRESH") == "1":
        return _run_fresh(args, cwd, env)
    return _run_here(args, cwd, {"DOSSIER_WORKERS": "1", "DOSSIER_SOFFICE": "none", **(env or {})}, typeset)


# the first bytes of a PDF that run_cli's in-process builds wrote without typesetting (typeset=False)
STAND_IN_PDF = b"%PDF-1.7\n% not typeset: a stand-in written by the tests' run_cli\n"


def stand_in_pdf(html, out_path, *args, title: str, lang: str, date=None, **kwargs) -> list[str]:
    """dossier.render.pdf.write_pdf's stand-in: a file named as the PDF holding the digest of what the PDF
    would be made from (the document HTML, title, language and date); no warnings."""
    import hashlib

    digest = hashlib.sha256(repr((html, title, lang, str(date))).encode("utf-8")).hexdigest()
    Path(out_path).write_bytes(STAND_IN_PDF + f"% {digest}\n%%EOF\n".encode("ascii"))
    return []


def _run_fresh(args, cwd: Path, env: dict | None):
    import subprocess
    import sys

    full_env = {k: v for k, v in {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}.items() if v is not None}
    return subprocess.run([sys.executable, "-m", "dossier", *args], cwd=cwd, capture_output=True, text=True,
                          check=False, env=full_env, timeout=900)


class _Captured(io.TextIOWrapper):
    """A text stream with a binary buffer, as sys.stdout is (not a terminal, no file descriptor)."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", newline="", write_through=True)

    def text(self) -> str:
        self.flush()
        return self.buffer.getvalue().decode("utf-8")


def _run_here(args, cwd: Path, env: dict, typeset: bool = True):
    import subprocess
    import sys
    from unittest import mock

    from dossier.cli import main
    from dossier.render.pagination import libreoffice_version

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = _Captured(), _Captured()
    os.environ.update({k: str(v) for k, v in env.items() if v is not None})
    for name in (k for k, v in env.items() if v is None):
        os.environ.pop(name, None)
    if {"DOSSIER_SOFFICE", "PATH"} & set(env):
        libreoffice_version.cache_clear()  # remembered per process: another binary now
    try:
        os.chdir(cwd)
        pdf = contextlib.nullcontext() if typeset else mock.patch("dossier.render.pdf.write_pdf", stand_in_pdf)
        with pdf, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        if {"DOSSIER_SOFFICE", "PATH"} & set(env):
            libreoffice_version.cache_clear()
    return subprocess.CompletedProcess([sys.executable, "-m", "dossier", *args], code, out.text(), err.text())


def shared_root(tmp_path_factory) -> Path:
    """The session's folder for shared builds: the same for every pytest-xdist worker process."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared"


def shared(root: Path, name: str, make: Callable[[Path], None]) -> Path:
    """`root/name`, made by `make(root/name)` once per session: under a lock, so that of the worker processes
    the first makes it and the others wait; a `make` that failed is tried again (and fails again) by the next."""
    folder = root / name
    done, lock_file = folder.with_name(f"{folder.name}.done"), folder.with_name(f"{folder.name}.lock")
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                with contextlib.suppress(FileNotFoundError):
                    shutil.rmtree(folder)  # what a failed attempt left
                make(folder)
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder


@pytest.fixture(scope="session")
def built_example(tmp_path_factory):
    """`built_example(name, lang="en")`: the output folder of datasets/<name> built once per session in `lang`
    through the CLI (read only; copy it to change it)."""
    root = shared_root(tmp_path_factory) / "examples"

    def make(out: Path) -> None:
        lang, name = out.parent.name, out.name
        folder = DATASETS / name
        assert (folder / "dossier.yaml").is_file(), f"no example folder {name}"
        result = run_cli("build", str(folder), "-o", str(out), "--lang", lang, fresh=True)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr

    def build(name: str, lang: str = "en") -> Path:
        return shared(root, f"{lang}/{name}", make)

    return build


@pytest.fixture(scope="session")
def built(built_example):
    """Every example folder built once in English through the CLI: folder name -> output folder."""
    return {folder.name: built_example(folder.name) for folder in example_folders()}


@pytest.fixture(scope="session")
def ja_built(built_example):
    """Every example folder built once in Japanese through the CLI: folder name -> output folder."""
    return {folder.name: built_example(folder.name, "ja") for folder in example_folders()}


# ------------------------------------------------------------------------------------ the tiny trial

TINY_SPEC = {
    "study": {"id": "TINY-1", "title": "Tiny study"},
    "product": {"name": "TP-1"},
    "indication": "Testing",
    "reference_arm": "Placebo",
    "date": "2024-01-01",
    "analyses": [
        {"id": "demog", "type": "baseline", "variables": ["AGE", "SEX"]},
        {"id": "tte", "type": "time_to_event", "dataset": "adtte", "param": "TTE"},
        {"id": "score", "type": "change_from_baseline", "dataset": "adeff", "param": "SCORE"},
        {"id": "teae", "type": "adverse_events"},
    ],
    "briefing": {
        "disease": "text/disease.md",
        "questions": [{"question": "Is the score acceptable?", "evidence": ["score", "tte"]}],
    },
}


def tiny_tables(n: int = 12) -> dict[str, list[dict]]:
    """Rows of the tiny trial's datasets: n subjects in two arms, one of each kind of analysis."""
    subjects = [f"S-{i:02d}" for i in range(1, n + 1)]
    adsl, adtte, adeff, adae = [], [], [], []
    for i, s in enumerate(subjects):
        arm = "Placebo" if i % 2 else "Drug"
        adsl.append({"USUBJID": s, "TRT01A": arm, "SAFFL": "Y", "ITTFL": "Y", "AGE": 50 + i, "SEX": "M" if i % 3 else "F"})
        adtte.append({"USUBJID": s, "PARAMCD": "TTE", "PARAM": "Time to event", "AVAL": 10 + 7 * i,
                      "CNSR": 1 if i % 3 == 0 else 0})
        base = 20 + i % 5
        adeff.append({"USUBJID": s, "PARAMCD": "SCORE", "PARAM": "Score", "AVISIT": "Baseline", "AVISITN": 0,
                      "ABLFL": "Y", "AVAL": base, "BASE": base, "CHG": ""})
        for visit, number in (("Week 4", 4), ("Week 8", 8)):
            value = base + i % 4 - number / 4
            adeff.append({"USUBJID": s, "PARAMCD": "SCORE", "PARAM": "Score", "AVISIT": visit, "AVISITN": number,
                          "ABLFL": "", "AVAL": value, "BASE": base, "CHG": value - base})
        if i % 2:
            adae.append({"USUBJID": s, "AEBODSYS": "Nervous system disorders", "AEDECOD": "Headache",
                         "TRTEMFL": "Y", "AESER": "N"})
    return {"adsl": adsl, "adtte": adtte, "adeff": adeff, "adae": adae}


def csv_text(rows: list[dict], columns: list[str] | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns or list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_tiny_trial(folder: Path, spec: dict | None = None, tables: dict[str, list[dict]] | None = None) -> Path:
    """A tiny valid trial folder of CSV ADaM files in `folder` (TINY_SPEC and tiny_tables() unless given)."""
    (folder / "adam").mkdir(parents=True, exist_ok=True)
    (folder / "text").mkdir(exist_ok=True)
    for name, rows in (tables or tiny_tables()).items():
        (folder / "adam" / f"{name}.csv").write_text(csv_text(rows), encoding="utf-8")
    (folder / "text" / "disease.md").write_text("The disease is **serious**.\n", encoding="utf-8")
    (folder / "dossier.yaml").write_text(yaml.safe_dump(spec or TINY_SPEC, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def tiny_build(tmp_path_factory) -> tuple[Path, Path]:
    """(trial folder, output folder) of one good build of the tiny trial, made once per session (read only)."""
    def make(root: Path) -> None:
        trial = write_tiny_trial(root / "trial")
        result = run_cli("build", str(trial), "-o", str(root / "out"))
        assert result.returncode == 0, result.stderr

    root = shared(shared_root(tmp_path_factory), "tiny", make)
    return root / "trial", root / "out"


def terms_in(obj) -> set:
    """Every glossary Term inside a result (titles, columns, cells, footnotes, figures, method, params)."""
    import dataclasses

    from dossier.analyses.model import Term

    found: set = set()
    if isinstance(obj, Term):
        found.add(obj)
        for _, value in obj.params:
            found |= terms_in(value)
    elif dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            found |= terms_in(getattr(obj, f.name))
    elif isinstance(obj, (tuple, list, dict)):
        for item in (obj.values() if isinstance(obj, dict) else obj):
            found |= terms_in(item)
    return found


def terms_of(result) -> set[str]:
    """The glossary keys a result uses."""
    return {term.key for term in terms_in(result)}


def toy_spec(analysis: dict, **top):
    """A minimal valid TrialSpec holding one analysis (plus any top-level keys)."""
    from dossier.config.spec import parse_spec

    raw = {"study": {"id": "T1", "title": "Toy"}, "product": {"name": "X"}, "indication": "Y",
           "analyses": [analysis], **top}
    return parse_spec(raw, ROOT)


def glossary_formatter(lang: str = "en"):
    """A Formatter over the packaged glossary of `lang`."""
    from dossier.document.formatting import Formatter

    return Formatter({k: v[lang] for k, v in glossary_entries().items()}, lang)


def table_text(table, lang: str = "en") -> list[list[str]]:
    """A table's header and body as the documents show them."""
    f = glossary_formatter(lang)
    return [[f.label(c) for c in table.columns]] + [[f.cell(c) for c in row.cells] for row in table.rows]


def libreoffice_pdf(docx: Path, out_dir: Path) -> Path:
    """Convert a DOCX with LibreOffice (a real word-processing client); skip the test when it is not
    installed, except in CI, where .ci/run installs it."""
    return libreoffice_pdfs([docx], out_dir)[0]


def libreoffice_pdfs(docxs: list[Path], out_dir: Path) -> list[Path]:
    """Convert DOCX files with one LibreOffice run (their names must differ): out_dir/<stem>.pdf of each."""
    import os
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required in CI (installed by .ci/run)")
        pytest.skip("LibreOffice not installed")
    assert len({d.name for d in docxs}) == len(docxs), "one LibreOffice run converts files of different names"
    from dossier.render.pagination import kill_group

    # its own process group, all of it killed afterwards: no LibreOffice outlives the test (on a timeout too)
    process = subprocess.Popen([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(out_dir),
                                *map(str, docxs)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True, env={**os.environ, "HOME": str(out_dir)})
    try:
        _, stderr = process.communicate(timeout=300)
    finally:
        kill_group(process.pid)
        process.wait()
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, process.args, stderr=stderr)
    return [out_dir / (docx.stem + ".pdf") for docx in docxs]


@pytest.fixture(scope="module")
def figures_dir(tmp_path_factory) -> Path:
    """A build's figures folder holding one picture, km.png, for the renderer tests."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("build") / "figures"
    folder.mkdir()
    Image.new("RGB", (800, 500), (200, 220, 240)).save(folder / "km.png")
    return folder


def toc_entries(docx: Path) -> list[tuple[str, str, str, str]]:
    """(style name, entry text, PAGEREF instruction, cached page number) of each paragraph of a DOCX's
    table of contents, read from the package XML."""
    import zipfile

    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    ns = {"w": w[1:-1]}
    with zipfile.ZipFile(docx) as z:
        body = etree.fromstring(z.read("word/document.xml"))
        styles = etree.fromstring(z.read("word/styles.xml"))
    names = {s.get(w + "styleId"): s.find("w:name", ns).get(w + "val") for s in styles.findall("w:style", ns)}
    entries = []
    for p in body.iter(w + "p"):
        style = p.find("w:pPr/w:pStyle", ns)
        if style is None or not names[style.get(w + "val")].startswith("toc "):
            continue
        link = "".join(t.text or "" for t in p.iterfind("w:hyperlink//w:t", ns))
        instr = "".join(t.text for t in p.iter(w + "instrText") if "PAGEREF" in t.text).strip()
        runs = list(p.iterfind("w:r", ns))
        separate = [i for i, r in enumerate(runs) if r.find("w:fldChar[@w:fldCharType='separate']", ns) is not None]
        number = "".join(t.text or "" for t in runs[separate[-1] + 1].iter(w + "t")) \
            if separate and separate[-1] + 1 < len(runs) else ""
        entries.append((names[style.get(w + "val")], link, instr, number))
    return entries


REFRESH_DATE = "2026-11-21"
REFRESH_SPEC = f"""\
study: {{id: T-R, title: Refresh test}}
product: {{name: TP-R}}
indication: Test indication
population: ITTFL
arm: TRT01P
reference_arm: Placebo
date: {REFRESH_DATE}
analyses:
  - {{id: demog, type: baseline, variables: [AGE, SEX]}}
  - id: adas-cog
    type: change_from_baseline
    dataset: adadas
    param: ACTOT
    population: EFFFL
    where: {{ITTFL: Y, ANL01FL: Y}}
    visits: [Week 24]
    covariates: [SITEGR1, BASE]
    improvement: decrease
briefing:
  disease: text/disease.md
"""
REFRESH_TEXT = """\
Mean age was [[demog:variables/AGE/groups/Placebo/mean|1]] years.

The adjusted difference from placebo was [[adas-cog:visits/Week 24/comparisons/Xanomeline High Dose/difference|1]]
points (p = [[adas-cog:visits/Week 24/comparisons/Xanomeline High Dose/p|p]]); the typed value was 26.7.
"""


def _refresh_adadas(folder: Path) -> None:
    """The data refresh: six subjects' Week 24 ADAS-Cog total score (and change) go up by 5."""
    import pandas as pd

    path = folder / "adam" / "adadas.parquet"
    data = pd.read_parquet(path)
    subjects = data.loc[data.PARAMCD == "ACTOT", "USUBJID"].unique()[:6]
    rows = data.USUBJID.isin(subjects) & (data.PARAMCD == "ACTOT") & (data.AVISIT == "Week 24")
    assert rows.sum() == 6
    data.loc[rows, "AVAL"] += 5
    data.loc[rows, "CHG"] += 5
    data.to_parquet(path, index=False)


@pytest.fixture(scope="session")
def refreshed(tmp_path_factory):
    """A copy of the pilot ADSL and ADADAS with writer's text quoting live numbers (and one typed
    number), built before and after a data refresh: (trial folder, old build, new build)."""
    def make(root: Path) -> None:
        folder = root / "trial"
        (folder / "adam").mkdir(parents=True)
        (folder / "text").mkdir()
        for name in ("adsl.xpt", "adadas.parquet"):
            shutil.copy(PILOT / "adam" / name, folder / "adam" / name)
        (folder / "dossier.yaml").write_text(REFRESH_SPEC, encoding="utf-8")
        (folder / "text" / "disease.md").write_text(REFRESH_TEXT, encoding="utf-8")
        for out in (root / "old", root / "new"):
            if out.name == "new":
                _refresh_adadas(folder)
            result = run_cli("build", str(folder), "-o", str(out))
            assert result.returncode == 0, result.stderr

    root = shared(shared_root(tmp_path_factory), "refresh", make)
    return root / "trial", root / "old", root / "new"
