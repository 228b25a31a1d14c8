"""dossier preview without a browser: what a save recomputes and re-renders, problems with file and line,
the paths the server refuses, loopback only. (tests/test_preview_browser.py drives a real browser.)"""

from __future__ import annotations

import http.client
import os
import shutil
import threading
from pathlib import Path

import pyreadstat
import pytest
import yaml
from conftest import PILOT, run_cli

from dossier.document.formatting import Formatter
from dossier.document.glossary import load_glossary
from dossier.document.writer_text import load_text
from dossier.preview.server import check_host, start_server, stop
from dossier.preview.session import Session
from dossier.render.html import template_dirs

HR_REF = "[[tte:comparisons/Xanomeline Low Dose/hazard_ratio|2]]"
SPEC = {
    "study": {"id": "T-1", "title": "Test study"},
    "product": {"name": "TP-1"},
    "indication": "Test indication",
    "reference_arm": "Placebo",
    "analyses": [{"id": "demog", "type": "baseline", "variables": ["AGE", "SEX"]},
                 {"id": "tte", "type": "time_to_event", "dataset": "adtte", "param": "TTDE"}],
    "briefing": {"disease": "text/disease.md"},
    "sakigake": {"efficacy": {"text": "text/efficacy.md"}},
}


def preview_trial(root: Path) -> Path:
    """A small trial folder: ADSL and ADTTE of the pilot, two analyses, two writer's text files."""
    folder = root / "trial"
    (folder / "adam").mkdir(parents=True)
    for name in ("adsl.xpt", "adtte.xpt"):
        shutil.copy(PILOT / "adam" / name, folder / "adam" / name)
    (folder / "dossier.yaml").write_text(yaml.safe_dump(SPEC, sort_keys=False), encoding="utf-8")
    (folder / "text").mkdir()
    (folder / "text" / "disease.md").write_text(f"The hazard ratio was {HR_REF} in the first draft.\n",
                                               encoding="utf-8")
    (folder / "text" / "efficacy.md").write_text("Efficacy text.\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def module_trial(tmp_path_factory) -> Path:
    return preview_trial(tmp_path_factory.mktemp("preview"))


@pytest.fixture
def session(module_trial, tmp_path) -> Session:
    folder = tmp_path / "copy"
    shutil.copytree(module_trial, folder)
    found = Session(folder, None, tmp_path / "stage")
    found.update(None)
    assert found.errors == []
    return found


def test_text_edit_renders_only_its_document_and_recomputes_nothing(session):
    path = session.trial_dir / "text" / "disease.md"
    sakigake, results = session.pages["sakigake"], dict(session.results)
    path.write_text(path.read_text(encoding="utf-8").replace("first draft", "second draft"), encoding="utf-8")
    session.update({path})
    assert session.recomputed == ()
    assert all(session.results[k] is results[k] for k in results)
    assert "second draft" in session.pages["briefing"].html
    assert session.pages["sakigake"] is sakigake  # its texts do not name disease.md


def test_changed_dataset_recomputes_only_the_analyses_that_read_it(session):
    adtte = session.trial_dir / "adam" / "adtte.xpt"
    frame, _ = pyreadstat.read_xport(adtte)
    frame.loc[frame["PARAMCD"] == "TTDE", "AVAL"] += 1  # every time one day later: a different curve
    adtte.unlink()
    frame.to_parquet(adtte.with_suffix(".parquet"))
    demog = session.results["demog"]
    before = session.results["tte"].evidence["groups"]
    session.update({adtte, adtte.with_suffix(".parquet")})
    assert session.errors == []
    assert session.recomputed == ("tte",)
    assert session.results["demog"] is demog
    assert session.results["tte"].evidence["groups"] != before


def test_changed_analysis_settings_recompute_that_analysis_only(session):
    spec = yaml.safe_load((session.trial_dir / "dossier.yaml").read_text(encoding="utf-8"))
    spec["analyses"][0]["variables"] = ["AGE", "SEX", "RACE"]
    (session.trial_dir / "dossier.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    session.update({session.trial_dir / "dossier.yaml"})
    assert session.recomputed == ("demog",)
    assert "RACE" in str(session.results["demog"].evidence)


def test_bad_reference_is_reported_with_file_and_line_and_clears_when_fixed(session):
    path = session.trial_dir / "text" / "disease.md"
    good = path.read_text(encoding="utf-8")
    shown = session.pages["briefing"]
    path.write_text(good + "\nAnd [[tte:no/such/path|1]] too.\n", encoding="utf-8")
    session.update({path})
    [problem] = session.errors
    assert Path(problem.where) == path
    assert problem.message.startswith("line 3: unknown reference [[tte:no/such/path|1]]")
    assert session.pages["briefing"] is shown  # the last good rendering stays on screen
    path.write_text(good.replace("first draft", "fixed draft"), encoding="utf-8")
    session.update({path})
    assert session.errors == []
    assert "fixed draft" in session.pages["briefing"].html


def test_a_document_left_stale_by_a_problem_is_rendered_once_it_is_fixed(session):
    """A dataset changes while a text has a bad reference: once the text is fixed, both documents show
    the new statistics, although the fix touches a briefing text only."""
    text = session.trial_dir / "text" / "disease.md"
    good = text.read_text(encoding="utf-8")
    text.write_text("[[tte:nothing|1]]\n", encoding="utf-8")
    session.update({text})
    adtte = session.trial_dir / "adam" / "adtte.xpt"
    frame, _ = pyreadstat.read_xport(adtte)
    frame = frame[frame["PARAMCD"] == "TTDE"].iloc[:200]
    adtte.unlink()
    frame.to_parquet(adtte.with_suffix(".parquet"))
    session.update({adtte, adtte.with_suffix(".parquet")})
    assert session.errors and session.recomputed == ("tte",)
    sakigake = session.pages["sakigake"]
    text.write_text(good, encoding="utf-8")
    session.update({text})
    assert session.errors == []
    assert session.pages["sakigake"] is not sakigake
    assert session.pages["sakigake"].sources["analyses"]["tte"]["datasets"][1]["file"] == "adtte.parquet"


def test_invalid_yaml_is_reported_with_its_line(session):
    spec = session.trial_dir / "dossier.yaml"
    good = spec.read_text(encoding="utf-8")
    spec.write_text(good + "briefing: [unclosed\n", encoding="utf-8")
    session.update({spec})
    [problem] = session.errors
    assert Path(problem.where) == spec and "invalid YAML on line" in problem.message
    spec.write_text(good, encoding="utf-8")
    session.update({spec})
    assert session.errors == []


def test_sources_name_the_evidence_path_and_full_precision_value(session):
    sources = session.pages["briefing"].sources
    ref = sources["refs"]["tte:comparisons/Xanomeline Low Dose/hazard_ratio|2"]
    exact = next(c for c in session.results["tte"].evidence["comparisons"] if c["group"] == "Xanomeline Low Dose")
    assert ref == {"analysis": "tte", "path": "analyses/tte/comparisons/Xanomeline Low Dose/hazard_ratio",
                   "value": exact["hazard_ratio"]}
    files = session.data.files
    assert sources["analyses"]["tte"]["datasets"] == [{"name": name, "file": f"{name}.xpt",
                                                       "sha256": files[name].sha256[:12]}
                                                      for name in ("adsl", "adtte")]
    assert sources["analyses"]["tte"]["population"] == "SAFFL = Y"
    table = next(t for t in sources["tables"].values() if t["key"] == "tte")
    raw = next(t for t in session.results["tte"].tables if t.key == "tte")
    assert len(table["rows"]) == len(raw.rows)
    assert table["rows"][0][1] == {"kind": "Count", "n": raw.rows[0].cells[1].n,
                                   "denominator": raw.rows[0].cells[1].denominator}
    assert '<span class="live" data-ref="tte:comparisons/Xanomeline Low Dose/hazard_ratio|2">' in \
        session.pages["briefing"].html


def test_live_spans_carry_the_reference_and_the_writers_own_marks_mean_nothing(tmp_path):
    evidence = {"a": {"x": 1.23456}}
    fmt = Formatter(load_glossary("en", template_dirs(None)), "en")
    plain = load_text(tmp_path, "k", "Value [[a:x|2]].", evidence, fmt)
    assert str(plain.html) == '<p>Value <span class="live" data-ref="a:x|2">1.23</span>.</p>'
    live: list = []
    marked = load_text(tmp_path, "k", "Value [[a:x|2]] \ue0000\ue001<b>\ue002.", evidence, fmt, live=live)
    assert str(marked.html) == ('<p>Value <span class="live" data-ref="a:x|2">1.23</span> '
                                "0&lt;b&gt;.</p>")
    assert live == [("a:x|2", 1.23456)]


def test_preview_writes_nothing_into_the_trial_folder(session):
    before = sorted(p.relative_to(session.trial_dir) for p in session.trial_dir.rglob("*"))
    path = session.trial_dir / "text" / "disease.md"
    path.write_text("New text.\n", encoding="utf-8")
    session.update({path})
    assert sorted(p.relative_to(session.trial_dir) for p in session.trial_dir.rglob("*")) == before
    assert sorted(p.name for p in (session.stage / "figures").iterdir()) == ["tte.png", "tte.svg"]


# ------------------------------------------------------------------------------------------ the server


@pytest.fixture(scope="module")
def server(module_trial, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.png"
    outside.write_bytes(b"not for the browser")
    templates = module_trial / "templates"
    templates.mkdir()
    (templates / "logo.png").write_bytes(b"\x89PNG a picture of the templates")
    found, watcher = start_server(module_trial, port=0)
    os.symlink(outside, templates / "leak.png")  # made after the first rendering, which would refuse it
    thread = threading.Thread(target=found.serve_forever, daemon=True)
    thread.start()
    yield found
    stop(found, watcher)
    (templates / "leak.png").unlink()


def get(server, path: str, host: str | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=20)
    connection.putrequest("GET", path, skip_host=host is not None)
    if host is not None:
        connection.putheader("Host", host)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


@pytest.mark.parametrize("path", [
    "/en/../dossier.yaml", "/en/../../../../etc/passwd", "/en/%2e%2e/dossier.yaml", "/en/%2E%2E/%2e%2e/etc/passwd",
    "/en/%252e%252e/dossier.yaml", "/en/figures/..%2f..%2fdossier.yaml", "/en/leak.png", "/en/dossier.yaml",
    "/en/text/disease.md", "/en/adam/adsl.xpt", "/en/briefing.html.j2", "/en/glossary/en.yaml", "/fr/briefing",
    "/_preview/server.py", "/en//etc/passwd.png", "/en/%2fetc%2fpasswd.png",
])
def test_paths_outside_the_allowed_folders_are_404(server, path):
    status, body = get(server, path)
    assert status == 404, body[:200]


def test_allowed_files_are_served(server):
    assert get(server, "/en/print.css")[0] == 200
    assert get(server, "/en/logo.png") == (200, b"\x89PNG a picture of the templates")
    assert get(server, "/en/figures/tte.png")[1].startswith(b"\x89PNG")
    status, body = get(server, "/en/briefing")
    assert status == 200 and b"<h1" in body and b'id="dossier-sources"' in body


def test_a_host_header_that_is_not_loopback_is_refused(server):
    assert get(server, "/en/briefing", host="attacker.example:8000")[0] == 403
    assert get(server, "/en/briefing", host=f"localhost:{server.server_address[1]}")[0] == 200


def test_non_loopback_binding_needs_allow_remote(module_trial):
    from dossier.errors import UsageError

    with pytest.raises(UsageError):
        check_host("0.0.0.0", allow_remote=False)
    check_host("0.0.0.0", allow_remote=True)
    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        check_host(host, allow_remote=False)
    result = run_cli("preview", str(module_trial), "--host", "0.0.0.0", "--port", "0")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: --host: '0.0.0.0' is not a loopback address")
    assert "Traceback" not in result.stderr


def test_preview_of_a_missing_folder_is_one_line(tmp_path):
    result = run_cli("preview", str(tmp_path / "nope"), "--port", "0")
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'nope'}: trial folder not found"


def test_the_watcher_sees_a_file_replaced_by_a_rename(tmp_path):
    """The polling watcher reports a file replaced by a rename (how many editors save)."""
    from dossier.preview.watch import Watcher

    (tmp_path / "a.md").write_text("one", encoding="utf-8")
    seen: list[set[Path]] = []
    done = threading.Event()
    watcher = Watcher([tmp_path], lambda changed: (seen.append(changed), done.set()), interval=0.02)
    watcher.start()
    try:
        (tmp_path / "b.tmp").write_text("two", encoding="utf-8")
        os.replace(tmp_path / "b.tmp", tmp_path / "a.md")
        assert done.wait(5)
    finally:
        watcher.stop()
    assert tmp_path / "a.md" in set().union(*seen)


def test_a_bug_is_reported_on_the_page_and_the_next_save_recovers(session, monkeypatch):
    """An exception that is not the user's (here: an analysis type that fails) becomes a problem line;
    the update returns, so the watcher thread that called it keeps running."""
    from dossier.analyses import registry

    real = registry.get

    class Broken:
        def __init__(self, declared):
            self.declared = declared

        def __getattr__(self, name):
            return getattr(self.declared, name)

        def run(self, *args):
            raise RuntimeError("boom")

    monkeypatch.setattr(registry, "get", lambda name: Broken(real(name)))
    spec_path = session.trial_dir / "dossier.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["analyses"][1]["landmarks"] = [91]
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    session.update({spec_path})
    [problem] = session.errors
    assert problem.message.startswith("internal error: RuntimeError: boom")
    monkeypatch.setattr(registry, "get", real)
    session.update({spec_path})
    assert session.errors == [] and session.recomputed == ("tte",)


def test_a_port_in_use_is_one_line(module_trial):
    import socket

    from dossier.errors import EnvironmentProblem

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EnvironmentProblem) as caught:
            start_server(module_trial, port=port)
    [problem] = caught.value.problems
    assert problem.where == "--port" and problem.message.startswith(f"cannot listen on 127.0.0.1:{port}: ")


ORPHAN = {"target_disease": "Test disease X",
          "disease": "About [[documents:orphan/patients/estimate|0]] patients in Japan have it.",
          "patients": {"prevalence_per_100000": 2.5, "population": 124_000_000, "population_year": 2024}}


def test_every_document_of_the_build_is_served_the_orphan_draft_with_its_section(session):
    """The preview serves the documents of the build (dossier.document.registry), not a fixed list: the orphan
    draft appears when dossier.yaml gains an `orphan:` section and goes when it loses it."""
    assert session.documents == ("briefing", "sakigake") and "orphan" not in session.pages
    path = session.trial_dir / "dossier.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump({**spec, "orphan": ORPHAN}, sort_keys=False), encoding="utf-8")
    session.update({path})
    assert session.errors == []
    assert session.documents == ("briefing", "sakigake", "orphan")
    page = session.pages["orphan"]
    assert 'data-ref="documents:orphan/patients/estimate|0">3100</span> patients in Japan' in page.html
    # the pop-up finds the document's own number where evidence.json has it
    assert page.sources["refs"]["documents:orphan/patients/estimate|0"] == {
        "analysis": "documents", "path": "documents/orphan/patients/estimate", "value": 3100}
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    session.update({path})
    assert session.documents == ("briefing", "sakigake") and "orphan" not in session.pages


def test_a_document_the_trial_does_not_build_is_a_message_page_and_not_in_the_bar(server):
    status, body = get(server, "/en/orphan")
    assert status == 200 and b"not built for this trial: dossier.yaml has no `orphan:` section" in body
    status, body = get(server, "/en/briefing")
    assert b'href="/en/sakigake"' in body and b'href="/en/orphan"' not in body
