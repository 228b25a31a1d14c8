"""OUT_DIR/review/numbers.csv and numbers.xlsx: every number the documents print, traced to evidence.json."""

from __future__ import annotations

import csv
import hashlib
import json
import zipfile

from lxml import etree
from openpyxl import load_workbook

from dossier.document.writer_text import REFERENCE
from tests.conftest import REFRESH_TEXT, run_cli

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _rows(build):
    with (build / "review" / "numbers.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_live_numbers_are_listed_with_full_precision_evidence_path_and_provenance(refreshed):
    folder, _, new = refreshed
    rows = [r for r in _rows(new) if r["place"] == "live number in the writer's text" and r["document"] == "briefing"]
    refs = [m.group(0) for m in REFERENCE.finditer(REFRESH_TEXT)]
    assert [r["cell"] for r in rows] == refs
    with zipfile.ZipFile(new / "briefing.docx") as z:
        body = etree.fromstring(z.read("word/document.xml"))
    shown = ["".join(t.text for t in sdt.iter(W + "t")) for sdt in body.iter(W + "sdt")
             if not sdt.find(f"{W}sdtPr/{W}tag").get(W + "val").startswith("dossier-text:")]  # not the sections
    assert [r["printed"] for r in rows] == shown  # what the DOCX shows
    evidence = json.loads((new / "evidence.json").read_text(encoding="utf-8"))["analyses"]
    adas = evidence["adas-cog"]
    high = next(c for c in adas["visits"]["Week 24"]["comparisons"] if c["group"] == "Xanomeline High Dose")
    assert json.loads(rows[1]["full_precision"]) == high["difference"]
    assert json.loads(rows[2]["full_precision"]) == high["p"]
    assert json.loads(rows[0]["full_precision"]) == evidence["demog"]["variables"]["AGE"]["groups"]["Placebo"]["mean"]
    assert rows[1]["evidence_path"] == "analyses/adas-cog/visits/Week 24/comparisons/Xanomeline High Dose/difference"
    assert rows[1]["population"] == "EFFFL" and "ANL01FL" in rows[1]["filters"]
    short = {name: hashlib.sha256((folder / "adam" / name).read_bytes()).hexdigest()[:8]
             for name in ("adsl.xpt", "adadas.parquet")}
    assert f"adadas.parquet [{short['adadas.parquet']}]" in rows[1]["datasets"]
    assert rows[0]["datasets"] == f"adsl.xpt [{short['adsl.xpt']}]"


def test_every_table_cell_with_a_number_is_listed_with_its_table_row_and_column(refreshed):
    _, _, new = refreshed
    with (new / "tables" / "adas-cog.csv").open(encoding="utf-8", newline="") as fh:
        table = [row for row in csv.reader(fh)]
    number = table[0][0].split(".")[0]  # "Table 3": the briefing's numbering
    header = table[1]
    expected = [(row[0].strip(), header[i], cell) for row in table[2:] if len(row) > 1
                for i, cell in enumerate(row[1:], start=1) if any(ch.isdigit() for ch in cell)]
    rows = [r for r in _rows(new) if r["document"] == "briefing" and r["place"] == number]
    found = [(r["cell"].split(" | ")[0].split(" / ")[-1], r["cell"].split(" | ")[1], r["printed"]) for r in rows]
    assert found == expected
    assert {r["evidence_path"] for r in rows} == {"analyses/adas-cog"}
    assert {r["population"] for r in rows} == {"EFFFL"}


def test_typed_numbers_are_not_traced_and_the_workbook_holds_the_same_rows(refreshed):
    _, _, new = refreshed
    rows = _rows(new)
    typed = [r for r in rows if r["place"] == "typed in the writer's text"]
    assert [(r["section"], r["printed"], r["full_precision"]) for r in typed] == [("text/disease.md:4", "26.7",
                                                                                   "not traced")]
    sheet = load_workbook(new / "review" / "numbers.xlsx").active
    values = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    with (new / "review" / "numbers.csv").open(encoding="utf-8", newline="") as fh:
        assert values == [row for row in csv.reader(fh)]
    assert run_cli("verify", str(new)).returncode == 0  # the manifest lists the audit files
