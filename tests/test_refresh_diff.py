"""`dossier diff OLD_OUT NEW_OUT` after a data refresh: changes as the documents print them, the
table cells and the writer's passages that show them, and the typed numbers gone stale.

The expectations come from the two builds' own outputs read independently: the printed numbers
from the DOCX text, the cells from tables/*.csv read row by row, the table numbers from the CSV
captions.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile

import pytest
from lxml import etree

from tests.conftest import run_cli

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HIGH = "adas-cog:visits/Week 24/comparisons/Xanomeline High Dose"


@pytest.fixture(scope="module")
def report(refreshed, tmp_path_factory):
    """(terminal lines with --precise, the --json document, old build, new build)."""
    _, old, new = refreshed
    out = tmp_path_factory.mktemp("diff") / "diff.json"
    result = run_cli("diff", str(old), str(new), "--precise", "--json", str(out))
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines(), json.loads(out.read_text(encoding="utf-8")), old, new


def _sentence(build, start: str) -> str:
    with zipfile.ZipFile(build / "briefing.docx") as z:
        body = etree.fromstring(z.read("word/document.xml"))
    texts = ["".join(t.text or "" for t in p.iter(W + "t")) for p in body.iter(W + "p")]
    (text,) = [t for t in texts if t.startswith(start)]
    return text


def test_passages_quoting_changed_values_are_named_with_the_values_the_documents_print(report):
    lines, data, old, new = report
    printed = []
    for build in (old, new):
        match = re.search(r"was (\S+) points \(p = (\S+)\)", _sentence(build, "The adjusted difference"))
        printed.append(match.groups())
    passages = {(p["source"], p["line"], p["reference"]): (p["old_printed"], p["new_printed"])
                for p in data["passages"]}
    assert passages == {
        ("text/disease.md", 3, f"[[{HIGH}/difference|1]]"): (printed[0][0], printed[1][0]),
        ("text/disease.md", 4, f"[[{HIGH}/p|p]]"): (printed[0][1], printed[1][1]),
    }  # the mean age on line 1 did not change: not listed
    assert printed[0] != printed[1]
    assert all(p["fields"] == ["briefing.disease"] for p in data["passages"])
    (line,) = [x for x in lines if x.startswith("  text/disease.md:3 (briefing.disease)")]
    evidence = [json.loads((b / "evidence.json").read_text())["analyses"]["adas-cog"] for b in (old, new)]
    full = [next(c for c in e["visits"]["Week 24"]["comparisons"] if c["group"] == "Xanomeline High Dose")["difference"]
            for e in evidence]
    assert line.endswith(f"{printed[0][0]} -> {printed[1][0]} [{full[0]!r} -> {full[1]!r}]")  # --precise


def _csv(build, key):
    with (build / "tables" / f"{key}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _analysis_heading(path, analysis: str) -> str:
    import html

    match = re.search(rf'<h3 id="analysis-{analysis}">(.*?)</h3>', path.read_text(encoding="utf-8"), re.DOTALL)
    return html.unescape(match.group(1)).strip()


def test_every_changed_table_cell_is_named_by_table_number_row_and_column(report):
    _, data, old, new = report
    old_rows, new_rows = _csv(old, "adas-cog"), _csv(new, "adas-cog")
    number = re.match(r"(Table \d+)\.", new_rows[0][0]).group(1)  # the briefing's numbering
    header = new_rows[1]
    expected = set()
    for a, b in zip(old_rows[2:], new_rows[2:], strict=True):
        if len(a) == 1:
            continue  # a footnote (its source hashes are provenance, not values)
        for column, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                expected.add((a[0].strip(), header[column], x, y))
    assert len(expected) >= 10
    found = {(c["row"].split(" / ")[-1], c["column"], c["old"], c["new"])
             for c in data["table_cells"] if c["document"] == "briefing" and c["key"] == "adas-cog"}
    assert found == expected
    assert {c["table"] for c in data["table_cells"] if c["document"] == "briefing"} == {number}
    assert {c["section"] for c in data["table_cells"] if c["document"] == "briefing"} == \
        {_analysis_heading(new / "briefing.html", "adas-cog")}
    assert {c["document"] for c in data["table_cells"]} == {"briefing", "sakigake"}
    assert not [c for c in data["table_cells"] if c["key"] == "demog"]  # AGE and SEX did not change


def test_statistics_are_shown_as_printed_and_invisible_changes_are_marked(report):
    lines, data, _, _ = report
    by_path = {s["statistic"]: s for s in data["statistics"] if s["analysis"] == "adas-cog"}
    difference = by_path["visits/Week 24/comparisons/Xanomeline High Dose/difference"]
    passage = next(p for p in data["passages"] if p["reference"].endswith("/difference|1]]"))
    assert (difference["old_printed"], difference["new_printed"]) == (passage["old_printed"], passage["new_printed"])
    cells = [(c["old"], c["new"]) for c in data["table_cells"] if c["key"] == "adas-cog"]
    for s in data["statistics"]:
        assert s["visible"] == (s["old_printed"] != s["new_printed"])
        assert s["old"] != s["new"]
    hidden = [s for s in data["statistics"] if not s["visible"]]
    assert hidden, "a refresh of six subjects leaves some change below the printed precision"
    for s in hidden:
        line = f"adas-cog: {s['statistic']}: {s['old_printed']} -> {s['new_printed']} (unchanged as printed)"
        assert any(x.startswith(line) for x in lines)
    # a statistic printed in a table is shown with the table's decimals: its SD has two
    sd = by_path["visits/Week 24/groups/Placebo/sd"]
    assert re.fullmatch(r"\d+\.\d\d", sd["old_printed"]) and any(sd["old_printed"] in a and sd["new_printed"] in b
                                                                 for a, b in cells)


def test_a_typed_number_that_matched_the_old_build_and_not_the_new_is_reported(report):
    lines, data, old, new = report
    means = [json.loads((b / "evidence.json").read_text())["analyses"]["adas-cog"]["visits"]["Week 24"]["groups"]
             ["Placebo"]["mean"] for b in (old, new)]
    assert round(means[0], 1) == 26.7 and round(means[1], 1) != 26.7  # the premise of the typed "26.7"
    (stale,) = data["stale_typed_numbers"]
    assert (stale["source"], stale["line"], stale["typed"]) == ("text/disease.md", 4, "26.7")
    assert stale["statistic"] == "adas-cog:visits/Week 24/groups/Placebo/mean"
    assert stale["new_printed"] == f"{means[1]:.1f}"
    assert stale["suggestion"] == "[[adas-cog:visits/Week 24/groups/Placebo/mean|1]]"
    assert any(x.startswith("stale typed number: text/disease.md:4: 26.7 equalled") for x in lines)


def test_the_report_groups_by_document_then_lists_statistics(report):
    lines, _, _, _ = report
    assert lines.index("== briefing ==") < lines.index("== sakigake ==")
    first_statistic = next(i for i, x in enumerate(lines) if x.startswith("adas-cog: "))
    assert lines.index("== sakigake ==") < first_statistic
    assert "table changed: tables/adas-cog.csv" in lines


def test_without_the_trial_folder_the_report_says_the_text_was_not_compared(refreshed, tmp_path):
    _, old, new = refreshed
    result = run_cli("diff", str(old), str(new), "--trial", str(tmp_path / "nowhere"))
    assert result.returncode == 0, result.stderr
    assert any(x.startswith("note: writer's text not compared: trial folder") for x in result.stdout.splitlines())


def test_check_against_an_earlier_build_reports_the_typed_number_gone_stale(refreshed, tmp_path):
    folder, old, new = refreshed
    result = run_cli("check", str(folder), "--against", str(old))
    assert result.returncode == 0, result.stderr
    stale = [x for x in result.stderr.splitlines() if " equalled " in x]
    mean = json.loads((new / "evidence.json").read_text())["analyses"]["adas-cog"]["visits"]["Week 24"]["groups"][
        "Placebo"]["mean"]
    expected = (f"warning: text/disease.md: line 4: 26.7 equalled adas-cog:visits/Week 24/groups/Placebo/mean "
                f"in {old} and is {mean:.1f} now: write [[adas-cog:visits/Week 24/groups/Placebo/mean|1]]")
    assert stale == [expected]
    again = run_cli("check", str(folder), "--against", str(new))  # the current build: nothing is stale
    assert again.returncode == 0 and " equalled " not in again.stderr
    missing = run_cli("check", str(folder), "--against", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert missing.stderr.strip().splitlines()[-1].startswith("error: ") and "evidence.json" in missing.stderr


def test_a_stale_typed_number_that_equalled_several_statistics_names_the_others():
    """26.7 equalled two statistics of the old build and neither now: the first is suggested, the other is
    named so the writer can pick the one meant (hand-made evidence, no build)."""
    from dossier.word.refresh import _stale_numbers

    old = {"adas": {"type": "change_from_baseline", "groups": {"Placebo": {"mean": 26.71, "sd": 3.2},
                                                               "Drug": {"mean": 26.68, "sd": 3.9}}}}
    new = {"adas": {"type": "change_from_baseline", "groups": {"Placebo": {"mean": 26.93, "sd": 3.2},
                                                               "Drug": {"mean": 25.1, "sd": 3.9}}}}
    (stale,) = _stale_numbers({"text/disease.md": ((), "The mean was 26.7 points.\n")}, old, new)
    assert (stale.typed, stale.statistic, stale.new_printed) == ("26.7", "adas:groups/Placebo/mean", "26.9")
    assert stale.suggestion == "[[adas:groups/Placebo/mean|1]]"
    assert stale.others == ("adas:groups/Drug/mean",)
    assert stale.also() == " (or one of 1 other statistic(s) it equalled: 'adas:groups/Drug/mean')"
    (single,) = _stale_numbers({"t.md": ((), "SD 3.9\n")}, old, {"adas": {"groups": {"Drug": {"sd": 4.4}}}})
    assert single.others == () and single.also() == ""


def test_a_one_language_build_and_a_both_languages_build_are_compared_with_a_note(tmp_path):
    """tables/demog.csv of an English build and tables/demog.en.csv of a --lang both build are different files:
    the report says why every row reads as added (and says nothing of languages for two builds alike)."""
    from tests.conftest import write_tiny_trial

    trial = write_tiny_trial(tmp_path / "trial")
    for out, lang in (("en", "en"), ("both", "both")):
        assert run_cli("build", str(trial), "-o", str(tmp_path / out), "--lang", lang).returncode == 0
    mixed = run_cli("diff", str(tmp_path / "en"), str(tmp_path / "both"))
    assert mixed.returncode == 0, mixed.stderr
    notes = [line for line in mixed.stdout.splitlines() if line.startswith("note: the builds differ in languages")]
    assert notes == [("note: the builds differ in languages (old: en, new: both): tables are compared file by file, "
                     "so tables/<key>.csv and tables/<key>.<lang>.csv of a --lang both build read as tables removed "
                     "and added; compare two builds of the same --lang")]
    alike = run_cli("diff", str(tmp_path / "both"), str(tmp_path / "both"))
    assert alike.returncode == 0 and "differ in languages" not in alike.stdout
