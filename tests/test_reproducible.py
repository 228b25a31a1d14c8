"""Reproducible and traceable builds: statistics cache, `dossier diff`, incremental make."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from dossier.data.datasets import read_dataset
from tests.conftest import ROOT, run_cli

DEMOG = {"study": {"id": "T-1", "title": "Test study"}, "product": {"name": "TP-1"}, "indication": "Test",
         "date": "2026-11-21", "population": "ITTFL", "arm": "TRT01P", "reference_arm": "Placebo",
         "analyses": [{"id": "demog", "type": "baseline", "variables": ["AGE", "SEX"]},
                      {"id": "disp", "type": "disposition"}],
         "briefing": {"disease": "text/disease.md"}}


def test_text_only_change_reuses_the_statistics(make_trial, tmp_path):
    folder = make_trial(DEMOG, texts={"text/disease.md": "First version."})
    out = tmp_path / "out"
    first = run_cli("build", str(folder), "-o", str(out))
    assert first.returncode == 0, first.stderr
    assert "statistics computed" in first.stdout
    evidence = (out / "evidence.json").read_bytes()
    (folder / "text" / "disease.md").write_text("Second version.", encoding="utf-8")
    second = run_cli("build", str(folder), "-o", str(out))
    assert second.returncode == 0, second.stderr
    assert "statistics reused from cache" in second.stdout
    assert "Second version." in (out / "briefing.html").read_text(encoding="utf-8")
    assert (out / "evidence.json").read_bytes() == evidence
    # an analysis setting change recomputes
    spec = json.loads(json.dumps(DEMOG))
    spec["analyses"][0]["variables"] = ["AGE"]
    import yaml

    (folder / "dossier.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    third = run_cli("build", str(folder), "-o", str(out))
    assert "statistics computed" in third.stdout
    assert run_cli("verify", str(out)).returncode == 0




def test_diff_reports_exactly_the_statistics_that_changed(make_trial, tmp_path):
    folder = make_trial(DEMOG, texts={"text/disease.md": "Text."})
    # the same data as CSV, so that the only difference between the builds is one value
    adsl, _ = read_dataset(folder / "adam" / "adsl.xpt")
    old_out, new_out = tmp_path / "old", tmp_path / "new"
    (folder / "adam" / "adsl.xpt").unlink()
    adsl.to_csv(folder / "adam" / "adsl.csv", index=False, date_format="%Y-%m-%d")
    assert run_cli("build", str(folder), "-o", str(old_out)).returncode == 0
    ages = adsl["AGE"].copy()
    adsl.loc[0, "AGE"] = adsl.loc[0, "AGE"] + 30  # one subject 30 years older
    arm = adsl.loc[0, "TRT01P"]
    adsl.to_csv(folder / "adam" / "adsl.csv", index=False, date_format="%Y-%m-%d")
    assert run_cli("build", str(folder), "-o", str(new_out)).returncode == 0
    result = run_cli("diff", str(old_out), str(new_out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    changed = {line.split(": ")[1] for line in lines if line.startswith(("demog: ", "disp: "))}
    # independently: which AGE summaries of the subject's arm and of Total move when one value moves by +30
    itt = adsl["ITTFL"] == "Y"
    expected = set()
    for group, mask in ((arm, adsl["TRT01P"] == arm), ("Total", pd.Series(True, index=adsl.index))):
        before, after = ages[itt & mask], adsl["AGE"][itt & mask]
        stats = {"mean": (before.mean(), after.mean()), "sd": (before.std(), after.std()),
                 "median": (before.median(), after.median()), "max": (before.max(), after.max()),
                 "min": (before.min(), after.min())}
        for name, (a, b) in stats.items():
            if abs(a - b) > 1e-9:
                expected.add(f"variables/AGE/groups/{group}/{name}")
    assert expected <= changed
    assert all(path.startswith("variables/AGE/groups/") for path in changed), changed
    assert not any(path.endswith("/n") for path in changed)
    assert "table changed: tables/demog.csv" in lines
    assert "table changed: tables/disp.csv" not in lines
    assert any(line.startswith("dataset changed: adsl.csv") for line in lines)


@pytest.mark.e2e
def test_make_builds_once_and_then_does_nothing(make_trial, tmp_path):
    folder = make_trial(DEMOG, texts={"text/disease.md": "Text."})
    out = tmp_path / "made"
    args = ["make", "-C", str(ROOT), f"TRIAL={folder}", f"OUT={out}"]
    # what make rebuilds is tested, not the page numbers or the worker processes
    env = {**os.environ, "DOSSIER_SOFFICE": "none", "DOSSIER_WORKERS": "1"}
    first = subprocess.run(args, capture_output=True, text=True, check=False, timeout=600, env=env)
    assert first.returncode == 0, first.stderr
    assert (out / "briefing.pdf").is_file()
    second = subprocess.run(args, capture_output=True, text=True, check=False, timeout=600, env=env)
    assert second.returncode == 0
    assert "dossier build" not in second.stdout
    (folder / "text" / "disease.md").write_text("Edited.", encoding="utf-8")
    third = subprocess.run(args, capture_output=True, text=True, check=False, timeout=600, env=env)
    assert "dossier build" in third.stdout
    assert "statistics reused from cache" in third.stdout


def test_manifest_records_inputs_outputs_versions_and_settings(make_trial, tmp_path):
    out = tmp_path / "out"
    folder = make_trial(DEMOG, texts={"text/disease.md": "Text."})
    assert run_cli("build", str(folder), "-o", str(out)).returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["population"] == "ITTFL"
    assert set(manifest["inputs"]) == {"dossier.yaml", "adam/adsl.xpt", "text/disease.md"}
    assert not any(name.startswith(".") for name in manifest["outputs"])
    assert {"lifelines", "weasyprint", "python-docx", "libreoffice"} <= set(manifest["dependencies"])
    shutil.copy(out / "briefing.pdf", tmp_path / "keep.pdf")
    (folder / "text" / "disease.md").write_text("Changed after the build.", encoding="utf-8")
    result = run_cli("verify", str(out))
    assert result.returncode == 1 and "text/disease.md" in result.stderr




def test_a_cache_file_not_signed_by_this_user_is_never_loaded(tmp_path, monkeypatch):
    import pickle

    from dossier.build.cache import CACHE_DIR, CACHE_FILE, read_cache

    monkeypatch.setenv("DOSSIER_CACHE_KEY_FILE", str(tmp_path / "key"))

    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('unpickled a foreign cache')",))

    (tmp_path / "out" / CACHE_DIR).mkdir(parents=True)
    forged = pickle.dumps(Boom()) * 2  # unsigned: would run code if it were unpickled
    (tmp_path / "out" / CACHE_DIR / CACHE_FILE).write_bytes(forged)
    assert read_cache(tmp_path / "out") is None


def test_a_text_only_rebuild_neither_reads_the_data_nor_imports_pandas(make_trial, tmp_path):
    folder = make_trial(DEMOG, texts={"text/disease.md": "First version."})
    out = tmp_path / "out"
    assert run_cli("build", str(folder), "-o", str(out)).returncode == 0
    (folder / "text" / "disease.md").write_text("Second version.", encoding="utf-8")
    probe = ("import sys; from pathlib import Path; from dossier.build.pipeline import build; "
             f"report = build(Path({str(folder)!r}), Path({str(out)!r})); "
             "print(report.computed, 'pandas' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]  # statistics reused, pandas never imported
    assert "Second version." in (out / "briefing.html").read_text(encoding="utf-8")


def test_a_changed_dataset_recomputes_in_the_same_output_folder(make_trial, tmp_path):
    folder = make_trial(DEMOG, texts={"text/disease.md": "Text."})
    adsl, _ = read_dataset(folder / "adam" / "adsl.xpt")
    (folder / "adam" / "adsl.xpt").unlink()
    adsl.to_csv(folder / "adam" / "adsl.csv", index=False, date_format="%Y-%m-%d")
    out = tmp_path / "out"
    assert "statistics computed" in run_cli("build", str(folder), "-o", str(out)).stdout
    before = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    adsl.loc[0, "AGE"] = adsl.loc[0, "AGE"] + 30
    adsl.to_csv(folder / "adam" / "adsl.csv", index=False, date_format="%Y-%m-%d")
    second = run_cli("build", str(folder), "-o", str(out))
    assert second.returncode == 0, second.stderr
    assert "statistics computed" in second.stdout
    assert json.loads((out / "evidence.json").read_text(encoding="utf-8")) != before
