"""bench/run.py times the build's stages by calling dossier.build.pipeline's public stage functions, not copies of
them: its one-process stage run writes the same evidence, tables and document HTML as `dossier build`."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_bench_stage_run_writes_what_the_build_writes(tiny_build, tmp_path):
    """On the tiny trial (an analysis of each common kind, figures, both documents): the stage functions are
    the build's, whatever the trial."""
    trial, expected = tiny_build
    out = tmp_path / "stages"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--stages", str(trial), str(out)],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert '"error": null' in run.stdout.splitlines()[-1]
    names = ["evidence.json", "briefing.html", "sakigake.html",
             *(p.relative_to(expected).as_posix() for p in sorted((expected / "tables").glob("*.csv")))]
    assert sorted(p.name for p in (out / "tables").glob("*.csv")) == sorted(p.name for p in
                                                                          (expected / "tables").glob("*.csv"))
    for name in names:
        assert (out / name).read_bytes() == (expected / name).read_bytes(), name
