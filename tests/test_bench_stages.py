"""bench/run.py times the build's stages by calling dossier.build.pipeline's public stage functions, not copies of
them: its one-process stage run writes the same evidence, tables and document HTML as `dossier build`."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import PILOT, ROOT


def test_bench_stage_run_writes_what_the_build_writes(built, tmp_path):
    out = tmp_path / "stages"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--stages", str(PILOT), str(out)],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert '"error": null' in run.stdout.splitlines()[-1]
    expected = built[PILOT.name]
    names = ["evidence.json", "briefing.html", "sakigake.html",
             *(p.relative_to(expected).as_posix() for p in sorted((expected / "tables").glob("*.csv")))]
    assert sorted(p.name for p in (out / "tables").glob("*.csv")) == sorted(p.name for p in
                                                                          (expected / "tables").glob("*.csv"))
    for name in names:
        assert (out / name).read_bytes() == (expected / name).read_bytes(), name
