"""The command line end to end: every example folder builds; bad input gets one line per problem."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import MINIMAL_SPEC, ROOT, run_cli

OUTPUTS = ["briefing.docx", "briefing.pdf", "sakigake.docx", "sakigake.pdf", "evidence.json", "tables.xlsx",
           "manifest.json"]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The dossier command in the test process (conftest.run_cli; the examples are built by fresh processes)."""
    return run_cli(*args, cwd=cwd)


def test_every_example_builds_every_output(built):
    assert set(built) >= {"cdisc-pilot01"}
    for name, out in built.items():
        for output in OUTPUTS:
            assert (out / output).is_file() and (out / output).stat().st_size > 0, f"{name}: {output}"
        assert list((out / "tables").glob("*.csv")), name
        assert list((out / "figures").glob("*.png")) and list((out / "figures").glob("*.svg")), name


def test_evidence_json_has_the_contract_keys(built):
    evidence = json.loads((built["cdisc-pilot01"] / "evidence.json").read_text())
    assert evidence["study"]["id"] == "CDISCPILOT01"
    tte = evidence["analyses"]["tte-derm"]
    assert tte["type"] == "time_to_event" and tte["population"] == "SAFFL"
    assert {"n", "events", "median", "median_ci", "landmarks"} <= set(tte["groups"]["Placebo"])
    assert {"group", "reference", "hazard_ratio", "hr_ci", "p", "logrank_p"} <= set(tte["comparisons"][0])
    assert "logrank_p" in tte
    cfb = evidence["analyses"]["adas-cog"]
    week24 = cfb["visits"]["Week 24"]
    assert {"n", "baseline_mean", "mean", "mean_change", "sd_change", "change_ci"} <= set(week24["groups"]["Placebo"])
    assert {"group", "reference", "difference", "ci", "p"} <= set(week24["comparisons"][0])
    assert cfb["filters"] == {"ANL01FL": ["Y"], "ITTFL": ["Y"]}


def test_manifest_hashes_every_output_and_verify_passes(built):
    out = built["cdisc-pilot01"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(OUTPUTS) - {"manifest.json"} <= set(manifest["outputs"])
    assert "adam/adsl.xpt" in manifest["inputs"] and "dossier.yaml" in manifest["inputs"]
    assert "lifelines" in manifest["dependencies"]
    result = run("verify", str(out))
    assert result.returncode == 0, result.stderr


def test_verify_names_a_tampered_output(built, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(built["cdisc-pilot01"], copy)
    (copy / "tables.xlsx").write_bytes(b"tampered")
    (copy / "evidence.json").unlink()
    result = run("verify", str(copy))
    assert result.returncode == 1
    assert "tables.xlsx" in result.stderr and "evidence.json" in result.stderr and "missing" in result.stderr


def test_check_lists_every_problem_one_line_each(make_trial):
    spec = json.loads(json.dumps(MINIMAL_SPEC))
    spec["analyses"] = [
        {"id": "demog", "type": "baseline", "variables": ["AGE", "NOSUCHVAR"]},
        {"id": "tte", "type": "time_to_event", "dataset": "adtte", "param": "NOPE"},
        {"id": "ae", "type": "adverse_events"},
    ]
    folder = make_trial(spec, datasets=("adsl", "adtte"))
    result = run("check", str(folder))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert any("NOSUCHVAR" in e and "adsl.xpt" in e for e in errors)
    assert any("PARAMCD" in e and "'NOPE'" in e for e in errors)
    assert any("'adae' not found" in e for e in errors)
    assert "Traceback" not in result.stderr


def test_check_accepts_a_good_folder(make_trial):
    result = run("check", str(make_trial()))
    assert result.returncode == 0, result.stderr


def test_failed_build_leaves_previous_output_untouched(make_trial, tmp_path):
    folder = make_trial()
    out = tmp_path / "out"
    assert run("build", str(folder), "-o", str(out)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    (folder / "dossier.yaml").write_text("study: [broken", encoding="utf-8")
    result = run("build", str(folder), "-o", str(out))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "dossier.yaml" in result.stderr
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")]
    assert leftovers == []


def test_text_not_provided_is_visible_and_warned(make_trial, tmp_path):
    out = tmp_path / "out"
    result = run("build", str(make_trial()), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "text not provided: briefing.disease" in result.stderr
    assert "Text not provided" in (out / "briefing.html").read_text()


def test_usage_errors_exit_2():
    assert run("build").returncode == 2
    assert run("frobnicate").returncode == 2


def test_new_writes_a_starter_that_check_understands(tmp_path):
    folder = tmp_path / "starter"
    assert run("new", str(folder)).returncode == 0
    assert (folder / "dossier.yaml").is_file()
    result = run("check", str(folder))
    # the starter has no data yet: the only problems are the missing datasets
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors and all("not found" in e for e in errors)
    assert run("new", str(folder)).returncode == 1  # never overwrites


def readme_commands() -> list[str]:
    """The commands of the README's Commands table, without backticks (`make clean` / `make distclean`: two)."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("\n## Commands\n", 1)[1].strip().split("\n\n", 1)[0].splitlines()
    assert table[0] == "| command | does |"
    first_cells = [line.replace("\\|", "|").split(" | ")[0].removeprefix("| ") for line in table[2:]]
    return [command for cell in first_cells for command in re.findall(r"`([^`]+)`", cell)]


def test_every_command_and_option_is_documented_in_the_readme():
    """The README's Commands table has a row for each `dossier` subcommand naming every option it takes (and
    no option it does not take), and a row for each make target (and none for a target that does not exist)."""
    import argparse
    import re

    from dossier.cli import _parser

    rows = readme_commands()
    (commands,) = [a.choices for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    documented = {}
    for command in rows:
        if command.startswith("dossier "):
            name = command.split()[1]
            assert name in commands, f"README documents `{command}`, which is not a command"
            documented[name] = command
    assert sorted(documented) == sorted(commands)
    for name, sub in commands.items():
        options = {o for a in sub._actions for o in a.option_strings if o not in ("-h", "--help", "--debug")}
        written = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", documented[name]))
        # each option by one of its spellings (`-o OUT_DIR` stands for --out)
        spellings = [set(a.option_strings) & options for a in sub._actions if set(a.option_strings) & options]
        assert all(spelling & written for spelling in spellings), (name, documented[name], spellings)
        assert written <= options, f"`{documented[name]}` names {sorted(written - options)}, unknown to {name}"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):(?!=)", makefile, re.MULTILINE)) - {"all"}
    made = {command.split()[1] for command in rows if command.startswith("make ") and "=" not in command.split()[1]}
    assert made <= targets, f"README documents make targets the Makefile lacks: {sorted(made - targets)}"
    assert targets <= made, f"make targets missing from the README's Commands table: {sorted(targets - made)}"
    assert "make" in rows and "make TRIAL=path/to/trial [OUT=dir]" in rows
