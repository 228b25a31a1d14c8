"""`dossier build TRIAL --lang both`: both languages' documents in one OUT_DIR from one run of the analyses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import PILOT, run_cli

SPEC = {
    "study": {"id": "T-1", "title": "Test study"},
    "product": {"name": "TP-1"},
    "indication": {"en": "Test indication", "ja": "テスト適応症"},
    "date": "2026-12-01",
    "analyses": [{"id": "demog", "type": "baseline", "title": {"en": "Demographics", "ja": "人口統計学的特性"},
                  "variables": ["AGE", "SEX"]}],
}
DOCUMENTS = [f"{name}.{lang}.{ext}" for name in ("briefing", "sakigake") for lang in ("en", "ja")
             for ext in ("html", "pdf", "docx")]


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.relative_to(out).as_posix().startswith(".")}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    root = tmp_path_factory.mktemp("both")
    trial = root / "trial"
    (trial / "adam").mkdir(parents=True)
    shutil.copy(PILOT / "adam" / "adsl.xpt", trial / "adam" / "adsl.xpt")
    (trial / "dossier.yaml").write_text(yaml.safe_dump(SPEC, allow_unicode=True, sort_keys=False), encoding="utf-8")
    outs = {}
    for name, lang in (("both", "both"), ("again", "both"), ("en", "en")):
        outs[name] = root / name
        result = run_cli("build", str(trial), "-o", str(outs[name]), "--lang", lang, "--no-cache")
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    return outs


def test_both_languages_side_by_side_with_one_evidence_and_manifest(builds):
    files = _files(builds["both"])
    for name in [*DOCUMENTS, "tables/demog.en.csv", "tables/demog.ja.csv", "tables.en.xlsx", "tables.ja.xlsx",
                 "evidence.json", "manifest.json", "review/numbers.csv"]:
        assert name in files, name
    assert not any(name in files for name in ("briefing.pdf", "tables.xlsx", "tables/demog.csv"))
    assert json.loads(files["manifest.json"])["language"] == "both"
    # each language shows its own yaml texts, from the one run of the analyses
    assert "人口統計学的特性" in files["tables/demog.ja.csv"].decode("utf-8")
    assert "Demographics" in files["tables/demog.en.csv"].decode("utf-8")
    assert "人口統計学的特性" not in files["tables/demog.en.csv"].decode("utf-8")
    assert "テスト適応症" in files["briefing.ja.html"].decode("utf-8")


def test_evidence_is_the_single_language_builds(builds):
    assert (builds["both"] / "evidence.json").read_bytes() == (builds["en"] / "evidence.json").read_bytes()
    # a single-language build keeps today's names
    assert {"briefing.pdf", "tables.xlsx", "tables/demog.csv"} <= set(_files(builds["en"]))


def test_a_rebuild_is_byte_identical(builds):
    assert _files(builds["both"]) == _files(builds["again"])


def test_verify_and_diff_work_on_a_both_build(builds):
    verified = run_cli("verify", str(builds["both"]))
    assert verified.returncode == 0, verified.stderr
    diffed = run_cli("diff", str(builds["both"]), str(builds["again"]))
    assert diffed.returncode == 0, diffed.stderr
    assert "0 statistic(s) changed" in diffed.stderr and "0 table cell(s)" in diffed.stderr
