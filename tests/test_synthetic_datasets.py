"""The synthetic example trials (datasets/hf-aav-synthetic, datasets/pd-aav-synthetic): exactly what the
seeded generator writes, valid dossier.yaml, and ADaM data that keep the conventions of the contract."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from dossier.config.spec import load_spec
from dossier.data.datasets import read_dataset

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "datasets" / "generate.py"
FOLDERS = ("hf-aav-synthetic", "pd-aav-synthetic")


def generate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(GENERATOR), *args], check=False, capture_output=True, text=True,
                          timeout=300)


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def created_by(path: Path) -> str:
    return pq.read_metadata(path).created_by


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> list[Path]:
    outs = []
    for k in range(2):
        out = tmp_path_factory.mktemp(f"synthetic-run{k}")
        done = generate("--out", str(out))
        assert done.returncode == 0, done.stderr
        outs.append(out)
    return outs


@pytest.fixture(scope="module", params=FOLDERS)
def trial(request) -> tuple[Path, dict[str, pd.DataFrame]]:
    folder = ROOT / "datasets" / request.param
    frames = {p.stem: read_dataset(p)[0] for p in sorted((folder / "adam").glob("*.parquet"))}
    return folder, frames


# ------------------------------------------------------------------------------------------------ reproducible


def test_two_runs_write_identical_bytes(runs):
    for name in FOLDERS:
        first, second = files(runs[0] / name), files(runs[1] / name)
        assert sorted(first) == sorted(second)
        assert [rel for rel in first if first[rel] != second[rel]] == []


def test_committed_folders_are_exactly_what_the_generator_writes(runs):
    for name in FOLDERS:
        committed, fresh = ROOT / "datasets" / name, runs[0] / name
        assert sorted(files(committed)) == sorted(files(fresh)), f"run `python datasets/generate.py` ({name})"
        for rel, data in files(fresh).items():
            if (committed / rel).read_bytes() == data:
                continue
            # parquet embeds the writer's version: with another pyarrow only the content can be compared
            assert rel.endswith(".parquet") and created_by(committed / rel) != created_by(fresh / rel), \
                f"{name}/{rel} differs from what datasets/generate.py writes"
            assert pq.read_table(committed / rel).equals(pq.read_table(fresh / rel), check_metadata=True)


def test_check_mode_reports_a_changed_file(runs):
    assert generate("--check", "--out", str(runs[1])).returncode == 0
    readme = runs[1] / FOLDERS[0] / "README.md"
    readme.write_text("edited by hand\n")
    done = generate("--check", "--out", str(runs[1]))
    assert done.returncode == 1 and f"{FOLDERS[0]}/README.md" in done.stdout
    assert readme.read_text() == "edited by hand\n"  # --check writes nothing


# ------------------------------------------------------------------------------------------------ dossier.yaml


def test_yaml_validates_and_is_marked_synthetic(trial):
    folder, _ = trial
    spec = load_spec(folder).localised("en")
    assert spec.synthetic is True
    assert "(synthetic)" in spec.product.name and spec.study.sponsor == "Example Sponsor (synthetic)"
    ja = load_spec(folder).localised("ja")
    assert "合成データ" in ja.product.name and "合成データ" in ja.study.sponsor
    assert spec.briefing.clinical_summary is None  # one section left for the "text not provided" notice
    readme = (folder / "README.md").read_text()
    assert "SYNTHETIC" in readme and "datasets/generate.py" in readme and "seed" in readme
    for path in (folder / "text").glob("*.md"):
        assert "Synthetic example text" in path.read_text(), path


def test_yaml_refers_to_data_that_exist(trial):
    folder, frames = trial
    spec = load_spec(folder)
    adsl = frames["adsl"]
    assert spec.reference_arm in set(adsl[spec.arm])
    for a in spec.analyses:
        assert (a.population or spec.population) in adsl.columns, a.id
        assert (a.arm or spec.arm) in adsl.columns, a.id
        assert set(getattr(a, "variables", ())) <= set(adsl.columns), a.id  # keys of some types only
        if a.parameter:
            records = frames[a.dataset_name]
            assert a.parameter in set(records["PARAMCD"]), a.id
            if getattr(a, "visits", ()):
                assert set(a.visits) <= set(records.loc[records["PARAMCD"] == a.parameter, "AVISIT"]), a.id


# ------------------------------------------------------------------------------------------------ ADaM sanity


def test_adsl_one_row_per_subject_and_every_subject_known(trial):
    _, frames = trial
    adsl = frames["adsl"]
    assert adsl["USUBJID"].is_unique
    for name, frame in frames.items():
        assert set(frame["USUBJID"]) <= set(adsl["USUBJID"]), name


def test_population_flags_and_treatment(trial):
    _, frames = trial
    adsl = frames["adsl"]
    for flag in ("RANDFL", "ITTFL", "SAFFL", "EFFFL"):
        assert set(adsl[flag]) <= {"Y", "N"}, flag
    untreated = adsl[adsl["SAFFL"] == "N"]
    assert 0 < len(untreated) < 0.1 * len(adsl)  # a few randomised but never dosed
    assert (untreated["TRT01A"] == "").all() and untreated["TRTSDT"].isna().all()
    treated = adsl[adsl["SAFFL"] == "Y"]  # text columns are Categoricals (of different categories): compare as str
    assert (treated["TRT01A"].astype(str) == treated["TRT01P"].astype(str)).all()
    assert not (set(adsl.loc[adsl["EFFFL"] == "Y", "USUBJID"]) - set(adsl.loc[adsl["SAFFL"] == "Y", "USUBJID"]))
    assert set(adsl["EOSSTT"]) == {"COMPLETED", "DISCONTINUED"}
    assert ((adsl["EOSSTT"] == "DISCONTINUED") == (adsl["DCSREAS"] != "")).all()
    assert ((adsl["DTHFL"] == "Y") == adsl["DTHDT"].notna()).all()


def test_flags_are_y_n_or_blank(trial):
    _, frames = trial
    for name, frame in frames.items():
        for column in [c for c in frame.columns if c.endswith("FL")]:
            assert set(frame[column]) <= {"Y", "N", ""}, f"{name}.{column}"


def test_no_date_after_the_data_cut_off(trial):
    _, frames = trial
    cutoff = frames["adsl"]["DCUTDT"].unique()
    assert len(cutoff) == 1
    for name, frame in frames.items():
        for column in frame.select_dtypes("datetime").columns:
            assert (frame[column].dropna() <= cutoff[0]).all(), f"{name}.{column}"


def test_bds_one_analysis_record_per_visit_and_chg_is_aval_minus_base(trial):
    _, frames = trial
    bds = next(frame for name, frame in frames.items() if name in ("adeff", "adqs"))
    analysed = bds[bds["ANL01FL"] == "Y"]
    assert not analysed.duplicated(["USUBJID", "PARAMCD", "AVISIT"]).any()
    assert (bds["ANL01FL"] == "").any()  # repeated assessments: where: {ANL01FL: Y} matters
    baseline = bds[bds["ABLFL"] == "Y"]
    assert not baseline.duplicated(["USUBJID", "PARAMCD"]).any() and (baseline["AVISIT"] == "Baseline").all()
    assert baseline["CHG"].isna().all() and (baseline["AVAL"] == baseline["BASE"]).all()
    both = bds.dropna(subset=["AVAL", "BASE", "CHG"])
    assert len(both) > 0.5 * len(bds)
    assert np.allclose(both["CHG"], both["AVAL"] - both["BASE"], rtol=0, atol=1e-9)
    assert ((bds["ADY"] >= 1) == (bds["ADT"] >= bds["TRTSDT"])).all()


def test_adtte_censoring_and_times(trial):
    _, frames = trial
    adtte, adsl = frames["adtte"], frames["adsl"].set_index("USUBJID")
    assert set(adtte["CNSR"]) == {0.0, 1.0}
    assert (adtte["AVAL"] >= 0).all()
    days = (adtte["ADT"] - adtte["STARTDT"]).dt.days + 1
    assert (adtte["AVAL"] == days).all()
    assert (adtte["ADT"].to_numpy() <= adsl.loc[adtte["USUBJID"], "EOSDT"].to_numpy()).all()
    assert ((adtte["CNSR"] == 0) == (adtte["EVNTDESC"] != "")).all()
    assert ((adtte["CNSR"] == 1) == (adtte["CNSDTDSC"] != "")).all()
    assert not adtte.duplicated(["USUBJID", "PARAMCD"]).any()


def test_adae_terms_and_codes(trial):
    _, frames = trial
    adae, adsl = frames["adae"], frames["adsl"].set_index("USUBJID")
    assert adae.groupby("AEDECOD", observed=True)["AEBODSYS"].nunique().max() == 1  # one SOC per preferred term
    assert set(adae["AESER"]) == {"Y", "N"}
    assert set(adae["AESEV"]) <= {"MILD", "MODERATE", "SEVERE"}
    assert set(adae["AEREL"]) <= {"NONE", "REMOTE", "POSSIBLE", "PROBABLE"}
    assert set(adae["AEACN"]) <= {"DOSE NOT CHANGED", "DRUG WITHDRAWN", "NOT APPLICABLE"}
    emergent = adae["TRTEMFL"] == "Y"
    assert (adae.loc[emergent, "ASTDT"] >= adae.loc[emergent, "TRTSDT"]).all()
    assert (adae.loc[~emergent & adae["TRTSDT"].notna(), "ASTDT"] < adae.loc[~emergent, "TRTSDT"].dropna()).all()
    assert set(adae.loc[emergent, "USUBJID"]) <= set(adsl.index[adsl["SAFFL"] == "Y"])
    fatal = adae[adae["AEOUT"] == "FATAL"]
    assert sorted(fatal["USUBJID"]) == sorted(adsl.index[adsl["DTHFL"] == "Y"])
