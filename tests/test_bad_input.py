"""A corpus of broken trial folders: each one is refused with exit code 1 and one line per problem
(file, key/column/row, what is wrong), never a traceback, and the output folder of an earlier good
build is left byte for byte as it was, with no staging folder or lock file beside it.

Every case starts from a tiny, valid trial folder of CSV ADaM files (written by `write_tiny_trial`;
a few use the pilot's xpt/parquet files) and breaks one thing. The good build is made once per test
session; all the cases then run `dossier build` and `dossier check` as subprocesses, a few at a time.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import PILOT, ROOT, TINY_SPEC, csv_text, run_cli, tiny_tables, write_tiny_trial

# ------------------------------------------------------------------------------------ the tiny trial
# write_tiny_trial, TINY_SPEC and tiny_tables live in tests/conftest.py (shared by other test files); the good
# build is conftest's session fixture `tiny_build`.


def run_dossier(*args: str) -> subprocess.CompletedProcess:
    """The console command as a user runs it: `python -m dossier ARGS` in a new process (conftest.run_cli with
    fresh=True); the other tests run the command in the test process (run_cli)."""
    return run_cli(*args, fresh=True)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative path, with its bytes (and every folder, as None)."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


# ------------------------------------------------------------------------------------ editing helpers


def edit_yaml(change: Callable[[dict], object]) -> Callable[[Path], None]:
    def mutate(trial: Path) -> None:
        spec = yaml.safe_load((trial / "dossier.yaml").read_text(encoding="utf-8"))
        change(spec)
        (trial / "dossier.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return mutate


def write_yaml_text(text: str | bytes) -> Callable[[Path], None]:
    def mutate(trial: Path) -> None:
        path = trial / "dossier.yaml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return mutate


def edit_rows(dataset: str, change: Callable[[list[dict]], object]) -> Callable[[Path], None]:
    """Change the rows of adam/<dataset>.csv (a list of dicts, edited in place)."""
    def mutate(trial: Path) -> None:
        path = trial / "adam" / f"{dataset}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        columns = list(rows[0])
        change(rows)
        columns = list(dict.fromkeys(columns + [c for row in rows for c in row]))
        path.write_text(csv_text(rows, [c for c in columns if any(c in r for r in rows)]), encoding="utf-8")
    return mutate


def set_value(dataset: str, row: int, column: str, value) -> Callable[[Path], None]:
    def change(rows: list[dict]) -> None:
        rows[row][column] = value
    return edit_rows(dataset, change)


def set_column(dataset: str, column: str, value: Callable[[dict], object]) -> Callable[[Path], None]:
    def change(rows: list[dict]) -> None:
        for r in rows:
            r[column] = value(r)
    return edit_rows(dataset, change)


def drop_column(dataset: str, column: str) -> Callable[[Path], None]:
    def change(rows: list[dict]) -> None:
        for r in rows:
            r.pop(column)
    return edit_rows(dataset, change)


def write_file(rel: str, content: str | bytes, remove: tuple[str, ...] = ()) -> Callable[[Path], None]:
    def mutate(trial: Path) -> None:
        for name in remove:
            (trial / name).unlink()
        path = trial / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return mutate


def both(*mutations: Callable[[Path], None]) -> Callable[[Path], None]:
    def mutate(trial: Path) -> None:
        for m in mutations:
            m(trial)
    return mutate


def analysis(index: int, **changes) -> Callable[[Path], None]:
    def change(spec: dict) -> None:
        spec["analyses"][index].update(changes)
        for key, value in changes.items():
            if value is None:
                del spec["analyses"][index][key]
    return edit_yaml(change)


def pilot_bytes(name: str) -> bytes:
    return (PILOT / "adam" / name).read_bytes()


def parquet_bytes(dataset: str) -> bytes:
    import pandas as pd

    buffer = io.BytesIO()
    pd.DataFrame(tiny_tables()[dataset]).to_parquet(buffer, index=False)
    return buffer.getvalue()


def sparse(rel: str, size: int, remove: tuple[str, ...] = ()) -> Callable[[Path], None]:
    def mutate(trial: Path) -> None:
        for name in remove:
            (trial / name).unlink()
        with (trial / rel).open("wb") as fh:
            fh.truncate(size)
    return mutate


def symlink(rel: str, target: str | Callable[[Path], Path]) -> Callable[[Path], None]:
    def mutate(trial: Path) -> None:
        path = trial / rel
        resolved = target(trial) if callable(target) else target
        if path.exists() or path.is_symlink():
            path.unlink()
        path.symlink_to(resolved)
    return mutate


def outside_file(trial: Path) -> Path:
    secret = trial.parent / "secret.md"
    secret.write_text("SECRET CONTENT\n", encoding="utf-8")
    return secret


OUTSIDE_HTML = "<p>OUTSIDE-FILE-CONTENT</p>\n"


def outside_link(rel: str, content: str | bytes, hard: bool = False) -> Callable[[Path], None]:
    """`rel` in the trial folder made a symbolic (or hard) link to a new file beside the trial folder."""
    def mutate(trial: Path) -> None:
        target = trial.parent / ("outside-" + rel.replace("/", "-"))
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        path = trial / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() or path.is_symlink():
            path.unlink()
        if hard:
            os.link(target, path)
        else:
            path.symlink_to(target)
    return mutate


def outside_folder_link(rel: str) -> Callable[[Path], None]:
    """`rel` a link to a folder beside the trial folder holding a copy of the packaged templates."""
    def mutate(trial: Path) -> None:
        target = trial.parent / "outside-templates"
        shutil.copytree(ROOT / "templates", target)
        (trial / rel).symlink_to(target, target_is_directory=True)
    return mutate


def including_template(trial: Path) -> None:
    """A user briefing template (the packaged one) that includes templates/part.html.j2."""
    (trial / "templates").mkdir(exist_ok=True)
    packaged = (ROOT / "templates" / "briefing.html.j2").read_text(encoding="utf-8")
    (trial / "templates" / "briefing.html.j2").write_text(
        packaged.replace("</body>", "{% include 'part.html.j2' %}\n</body>"), encoding="utf-8")


def outside_glossary() -> str:
    """The packaged English glossary with one entry replaced by a marker."""
    text = (ROOT / "templates" / "glossary" / "en.yaml").read_text(encoding="utf-8")
    return text.replace('not_estimable: "NE"', 'not_estimable: "OUTSIDE-FILE-CONTENT"')


def alias_bomb() -> str:
    """A "billion laughs" yaml: 9 ** 10 strings by aliases, in a few hundred bytes."""
    level = "&a0 [" + ", ".join(["lol"] * 9) + "]"
    for i in range(1, 10):
        level = f"&a{i} [{level}, " + ", ".join([f"*a{i - 1}"] * 8) + "]"
    body = yaml.safe_dump(TINY_SPEC, sort_keys=False)
    return body.replace("  disease: text/disease.md", f"  disease: {level}")


def as_json(dataset: str, types: dict[str, str], change: Callable[[list[list]], object] = lambda rows: None,
            raw: tuple[str, str] | None = None) -> Callable[[Path], None]:
    """Replace adam/<dataset>.csv by a Dataset-JSON 1.1 file of the same rows (columns typed by `types`, string
    otherwise), its rows edited by `change`; `raw` replaces a piece of the JSON text (for NaN, 1e400)."""
    def mutate(trial: Path) -> None:
        path = trial / "adam" / f"{dataset}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            records = list(csv.DictReader(fh))
        names = list(records[0])

        def typed(name: str, value: str):
            kind = types.get(name, "string")
            if value == "":
                return None
            return int(float(value)) if kind == "integer" else float(value) if kind in ("float", "double") else value

        rows = [[typed(n, r[n]) for n in names] for r in records]
        change(rows)
        text = json.dumps({"datasetJSONVersion": "1.1", "columns": [
            {"itemOID": f"IT.{n}", "name": n, "label": n, "dataType": types.get(n, "string")} for n in names],
            "rows": rows})
        if raw:
            text = text.replace(*raw, 1)
        path.unlink()
        (trial / "adam" / f"{dataset}.json").write_text(text, encoding="utf-8")
    return mutate


def set_json(row: int, column: int, value) -> Callable[[list[list]], None]:
    def change(rows: list[list]) -> None:
        rows[row][column] = value
    return change


def as_parquet(dataset: str, column: str, row: int, value: float) -> Callable[[Path], None]:
    """Replace adam/<dataset>.csv by a Parquet file whose float `column` holds `value` (a NaN is kept as NaN,
    not turned into null as pandas would) in `row`."""
    def mutate(trial: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = trial / "adam" / f"{dataset}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            records = list(csv.DictReader(fh))
        def typed(values: list[str]) -> list:
            try:
                return [None if v == "" else float(v) for v in values]
            except ValueError:
                return values

        columns = {n: typed([r[n] for r in records]) for n in records[0]}
        columns[column][row] = value
        table = pa.table({n: pa.array(v, from_pandas=False) for n, v in columns.items()})
        path.unlink()
        pq.write_table(table, trial / "adam" / f"{dataset}.parquet")
    return mutate


def wide_header(trial: Path) -> None:
    """adam/adae.csv with a 2,000,000-column header (and one record)."""
    names = ",".join(f"V{i}" for i in range(2_000_000))
    (trial / "adam" / "adae.csv").write_text(names + "\n" + "," * 1_999_999 + "\n", encoding="utf-8")


def many_arms(trial: Path) -> None:
    tables = tiny_tables(44)
    for i, row in enumerate(tables["adsl"]):
        row["TRT01A"] = "Placebo" if i % 22 == 0 else f"Dose {i % 22}"
    (trial / "adam" / "adsl.csv").write_text(csv_text(tables["adsl"]), encoding="utf-8")
    for name in ("adtte", "adeff", "adae"):
        (trial / "adam" / f"{name}.csv").write_text(csv_text(tables[name]), encoding="utf-8")


def many_ae_terms(rows: list[dict]) -> None:
    rows[:] = [{**rows[i % len(rows)], "AEDECOD": f"Term {i}"} for i in range(5_001)]


def deep_yaml(trial: Path) -> None:
    body = yaml.safe_dump(TINY_SPEC, sort_keys=False)
    (trial / "dossier.yaml").write_text(body + "extra: " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")


def yaml_number(text: str, key: str = "mcid", analysis_index: int = 2) -> Callable[[Path], None]:
    """dossier.yaml with `key: text` (a yaml number as written, e.g. .inf) in analyses[analysis_index]."""
    def mutate(trial: Path) -> None:
        spec = yaml.safe_load((trial / "dossier.yaml").read_text(encoding="utf-8"))
        spec["analyses"][analysis_index][key] = "@NUMBER@"
        body = yaml.safe_dump(spec, sort_keys=False).replace("'@NUMBER@'", text)
        (trial / "dossier.yaml").write_text(body, encoding="utf-8")
    return mutate


def many_analyses(spec: dict) -> None:
    spec["analyses"] = [{"id": f"demog-{i}", "type": "baseline", "variables": ["AGE"]} for i in range(5000)]


# ------------------------------------------------------------------------------------ the corpus


@dataclass(frozen=True)
class Case:
    id: str
    mutate: Callable[[Path], None]
    file: str  # the file the message must name, relative to the trial folder
    expect: tuple[str, ...]  # fragments of the (single) error line
    lines: int = 1  # error lines of `dossier build`


YAML = "dossier.yaml"
CASES = [
    # --- dossier.yaml
    Case("yaml-missing", lambda t: (t / YAML).unlink(), YAML, ("not found",)),
    Case("yaml-not-a-mapping", write_yaml_text("- study\n- product\n"), YAML, ("must be a mapping", "list")),
    Case("yaml-empty", write_yaml_text(""), YAML, ("must be a mapping", "empty")),
    Case("yaml-syntax-error", write_yaml_text("study: [broken\nproduct: x\n"), YAML, ("invalid YAML", "line")),
    Case("yaml-not-utf8", write_yaml_text("study:\n  id: T\n  title: caf\xe9\n".encode("latin-1")), YAML,
         ("not UTF-8",)),
    Case("yaml-unknown-key", edit_yaml(lambda s: s.update(referance_arm="Placebo")), YAML,
         ("referance_arm", "unknown key", "did you mean 'reference_arm'")),
    Case("yaml-unknown-analysis-key", edit_yaml(lambda s: s["analyses"][1].update(parm="TTE")), YAML,
         ("analyses[2].parm", "unknown key", "did you mean 'param'")),
    Case("yaml-wrong-type", edit_yaml(lambda s: s.update(confidence_level="high")), YAML,
         ("confidence_level", "'high'")),
    Case("yaml-analyses-not-a-list", edit_yaml(lambda s: s.update(analyses={"demog": {"type": "baseline"}})), YAML,
         ("analyses",)),
    Case("yaml-duplicate-analysis-id", analysis(3, id="tte"), YAML, ("analyses[4].id", "duplicate analysis id 'tte'")),
    Case("yaml-invalid-analysis-id", analysis(0, id="Demog Table"), YAML, ("analyses[1].id", "not a valid id")),
    Case("yaml-unknown-analysis-type", analysis(1, type="survival"), YAML, ("analyses[2].type", "must be one of")),
    Case("yaml-required-key-missing", edit_yaml(lambda s: s["study"].pop("title")), YAML,
         ("study.title", "required key is missing")),
    Case("yaml-text-unknown-language", edit_yaml(lambda s: s["study"].update(title={"en": "Tiny", "fr": "Petite"})),
         YAML, ("study.title", "unknown language 'fr'")),
    Case("yaml-bad-date", write_yaml_text(yaml.safe_dump(TINY_SPEC, sort_keys=False).replace(
        "date: '2024-01-01'", "date: 2024-13-45")), YAML, ("date",)),
    Case("yaml-tte-without-param", analysis(1, param=None), YAML, ("analyses[2].param", "required")),
    Case("yaml-dataset-not-a-name", analysis(1, dataset="../../etc/passwd"), YAML, ("analyses[2].dataset",)),
    Case("yaml-text-file-missing", edit_yaml(lambda s: s["briefing"].update(disease="text/nothere.md")), YAML,
         ("briefing.disease", "does not exist")),
    Case("yaml-unknown-evidence-id", edit_yaml(lambda s: s["briefing"]["questions"][0].update(evidence=["tt"])),
         YAML, ("briefing.questions[1].evidence[1]", "no analysis with id 'tt'", "did you mean 'tte'")),
    Case("yaml-text-path-escapes", both(lambda t: outside_file(t),
                                        edit_yaml(lambda s: s["briefing"].update(disease="../secret.md"))),
         YAML, ("briefing.disease", "inside the trial folder")),
    Case("yaml-text-absolute-path", edit_yaml(lambda s: s["briefing"].update(disease="/etc/passwd.md")), YAML,
         ("briefing.disease", "inside the trial folder")),
    Case("yaml-text-symlink-escapes", symlink("text/disease.md", outside_file), YAML,
         ("briefing.disease", "outside the trial folder")),
    Case("yaml-text-not-utf8", write_file("text/disease.md", "caf\xe9\n".encode("latin-1")), YAML,
         ("briefing.disease", "'text/disease.md'", "not UTF-8")),
    Case("yaml-thousands-of-analyses", edit_yaml(many_analyses), YAML, ("5000 analyses", "limit")),
    Case("yaml-too-large", write_yaml_text("# padding\n" * 300_000), YAML, ("larger than",)),
    Case("yaml-alias-bomb", write_yaml_text(alias_bomb()), YAML, ("briefing.disease", "string")),
    # --- files and formats
    Case("adam-folder-missing", lambda t: shutil.rmtree(t / "adam"), "adam", ("folder not found",)),
    Case("dataset-missing", lambda t: (t / "adam" / "adtte.csv").unlink(), "adam/adtte", ("'adtte' not found",)),
    Case("unknown-format", write_file("adam/adae.sas7bdat", b"\x00" * 64, remove=("adam/adae.csv",)),
         "adam/adae.sas7bdat", ("unknown dataset format", ".sas7bdat"), lines=2),
    Case("two-files-one-dataset", write_file("adam/adtte.parquet", parquet_bytes("adtte")), "adam/adtte",
         ("also in",)),
    Case("dangling-symlink", symlink("adam/adtte.csv", "/nonexistent/adtte.csv"), "adam/adtte.csv",
         ("cannot read",)),
    Case("dataset-symlink-escapes", symlink("adam/adae.csv", lambda t: outside_copy(t, "adae.csv")),
         "adam/adae.csv", ("outside the trial folder",)),
    Case("device-file", symlink("adam/adae.csv", "/dev/zero"), "adam/adae.csv", ("outside the trial folder",)),
    Case("not-a-regular-file", lambda t: ((t / "adam" / "adae.csv").unlink(), os.mkfifo(t / "adam" / "adae.csv")),
         "adam/adae.csv", ("not a regular file",)),
    Case("xpt-corrupt", write_file("adam/adsl.xpt", b"this is not a SAS transport file\n" * 100,
                                   remove=("adam/adsl.csv",)), "adam/adsl.xpt", ("xpt",)),
    Case("xpt-truncated", write_file("adam/adsl.xpt", pilot_bytes("adsl.xpt")[:5000], remove=("adam/adsl.csv",)),
         "adam/adsl.xpt", ("xpt",)),
    Case("parquet-corrupt", write_file("adam/adtte.parquet", b"PAR1" + b"\x13" * 500, remove=("adam/adtte.csv",)),
         "adam/adtte.parquet", ("parquet",)),
    Case("parquet-truncated", write_file("adam/adtte.parquet", parquet_bytes("adtte")[:600],
                                         remove=("adam/adtte.csv",)), "adam/adtte.parquet", ("parquet",)),
    Case("csv-latin1", lambda t: (t / "adam" / "adsl.csv").write_bytes(
        (t / "adam" / "adsl.csv").read_text().replace(",F\n", ",f\xe9minin\n", 1).encode("latin-1")),
         "adam/adsl.csv", ("line 2", "not UTF-8", "0xe9")),
    Case("csv-utf16", lambda t: (t / "adam" / "adae.csv").write_text(
        (t / "adam" / "adae.csv").read_text(encoding="utf-8"), encoding="utf-16"), "adam/adae.csv", ("UTF-8",)),
    Case("csv-binary", sparse("adam/adae.csv", 10_000_000), "adam/adae.csv", ("NUL",)),
    Case("csv-ragged-row", lambda t: (t / "adam" / "adae.csv").open("a").write("S-02,a,b,Y,N,extra,more\n"),
         "adam/adae.csv", ("csv",)),
    Case("csv-duplicate-column", lambda t: (t / "adam" / "adsl.csv").write_text(
        (t / "adam" / "adsl.csv").read_text().replace("AGE,SEX", "AGE,age", 1), encoding="utf-8"),
         "adam/adsl.csv", ("AGE", "more than once")),
    Case("dataset-empty-file", write_file("adam/adtte.csv", b""), "adam/adtte.csv", ("empty",)),
    Case("dataset-no-records", write_file("adam/adtte.csv", "USUBJID,PARAMCD,AVAL,CNSR\n"), "adam/adtte.csv",
         ("no records",)),
    Case("json-invalid", write_file("adam/adae.json", "{\"columns\": [", remove=("adam/adae.csv",)),
         "adam/adae.json", ("invalid JSON",)),
    Case("json-not-dataset-json", write_file("adam/adae.json", "[1, 2, 3]", remove=("adam/adae.csv",)),
         "adam/adae.json", ("Dataset-JSON",)),
    Case("json-short-row", write_file("adam/adae.json", json.dumps({
        "columns": [{"name": "USUBJID", "dataType": "string"}, {"name": "AEDECOD", "dataType": "string"}],
        "rows": [["S-02", "Headache"], ["S-04"]]}), remove=("adam/adae.csv",)), "adam/adae.json",
         ("row 2", "expected 2")),
    Case("dataset-far-too-large", sparse("adam/adae.csv", 10 * 1024**3), "adam/adae.csv", ("GiB",)),
    # --- data content
    Case("adsl-duplicate-usubjid", edit_rows("adsl", lambda rows: rows.append(dict(rows[0]))), "adam/adsl.csv",
         ("USUBJID", "duplicate subject", "'S-01'")),
    Case("adsl-blank-usubjid", edit_rows("adsl", lambda rows: rows.append({**rows[0], "USUBJID": ""})),
         "adam/adsl.csv", ("USUBJID", "blank", "row 13")),
    Case("subject-not-in-adsl", set_value("adtte", 0, "USUBJID", "S-99"), "adam/adtte.csv",
         ("USUBJID", "not in ADSL", "'S-99'")),
    Case("variable-missing", drop_column("adtte", "CNSR"), "adam/adtte.csv", ("CNSR", "missing", "'tte'")),
    Case("baseline-variable-missing", analysis(0, variables=["AGE", "WEIGHT"]), "adam/adsl.csv",
         ("WEIGHT", "missing")),
    Case("text-in-aval", set_value("adtte", 4, "AVAL", "ten days"), "adam/adtte.csv",
         ("AVAL", "numeric", "row 5", "'ten days'")),
    Case("text-in-chg", set_value("adeff", 4, "CHG", "n/a"), "adam/adeff.csv", ("CHG", "numeric", "'n/a'")),
    Case("cnsr-not-0-1", set_value("adtte", 2, "CNSR", "2"), "adam/adtte.csv", ("CNSR", "0", "1", "row 3")),
    Case("negative-time", set_value("adtte", 5, "AVAL", "-3"), "adam/adtte.csv", ("AVAL", "negative", "row 6")),
    Case("missing-time", set_value("adtte", 6, "AVAL", ""), "adam/adtte.csv", ("AVAL", "missing", "row 7")),
    Case("flag-not-y-n", set_value("adsl", 2, "SAFFL", "Yes"), "adam/adsl.csv", ("SAFFL", "Y, N or blank", "'Yes'")),
    Case("flag-numeric", set_column("adsl", "SAFFL", lambda r: "1"), "adam/adsl.csv", ("SAFFL", "Y/N")),
    Case("population-empty", set_column("adsl", "SAFFL", lambda r: "N"), "adam/adsl.csv", ("SAFFL", "empty")),
    Case("arm-blank", set_value("adsl", 3, "TRT01A", ""), "adam/adsl.csv", ("TRT01A", "blank", "row 4", "'tte'")),
    Case("arm-without-records", edit_rows("adtte", lambda rows: rows.__setitem__(
        slice(None), [r for i, r in enumerate(rows) if i % 2 == 0])), "adam/adtte.csv",
         ("'Placebo'", "no records", "'tte'")),
    Case("unknown-paramcd", analysis(1, param="NOPE"), "adam/adtte.csv", ("PARAMCD", "'NOPE'")),
    Case("unknown-avisit", analysis(2, visits=["Week 99"]), "adam/adeff.csv", ("AVISIT", "'Week 99'")),
    Case("where-variable-missing", analysis(1, where={"ANL01FL": "Y"}), "adam/adtte.csv", ("ANL01FL", "missing")),
    Case("where-matches-nothing", both(set_column("adtte", "ANL01FL", lambda r: "N"),
                                       analysis(1, where={"ANL01FL": "Y"})), "adam/adtte.csv",
         ("ANL01FL", "no records", "'tte'")),
    Case("tte-two-records-per-subject", edit_rows("adtte", lambda rows: rows.append(dict(rows[0]))),
         "adam/adtte.csv", ("more than one", "'S-01'")),
    Case("cfb-two-records-per-visit", edit_rows("adeff", lambda rows: rows.append(dict(rows[1]))),
         "adam/adeff.csv", ("more than one", "'S-01'", "Week 4")),
    Case("ae-flag-not-y-n", set_value("adae", 0, "TRTEMFL", "yes"), "adam/adae.csv", ("TRTEMFL", "'yes'")),
    # --- numbers validated where they enter (issue 19): each reader, each kind of wrong value
    Case("json-decimal-comma", as_json("adtte", {"AVAL": "float", "CNSR": "integer"}, set_json(1, 3, "12,5")),
         "adam/adtte.json", ("AVAL", "row 2", "'12,5'", "not a number")),
    Case("json-text-in-number", as_json("adeff", {"AVAL": "float", "BASE": "float", "CHG": "float",
                                                  "AVISITN": "integer"}, set_json(4, 8, "n/a")),
         "adam/adeff.json", ("CHG", "row 5", "'n/a'")),
    Case("json-boolean-in-integer", as_json("adsl", {"AGE": "integer"}, set_json(2, 4, True)), "adam/adsl.json",
         ("AGE", "row 3", "true", "not a number")),
    Case("json-object-in-number", as_json("adtte", {"AVAL": "float", "CNSR": "integer"}, set_json(0, 3, {"v": 1})),
         "adam/adtte.json", ("AVAL", "row 1", "an object")),
    Case("json-list-in-text", as_json("adae", {}, set_json(0, 2, ["Headache"])), "adam/adae.json",
         ("AEDECOD", "row 1", "a list", "not text")),
    Case("json-fraction-in-integer", as_json("adsl", {"AGE": "integer"}, set_json(1, 4, 50.5)), "adam/adsl.json",
         ("AGE", "row 2", "not an integer")),
    Case("json-out-of-range", as_json("adeff", {"AVAL": "float", "BASE": "float", "CHG": "float",
                                                "AVISITN": "integer"}, set_json(0, 7, 12345.5), ("12345.5", "1e400")),
         "adam/adeff.json", ("BASE", "row 1", "out of range", "finite")),
    Case("json-nan", as_json("adtte", {"AVAL": "float", "CNSR": "integer"}, set_json(2, 3, 98765.5),
                             ("98765.5", "NaN")), "adam/adtte.json", ("AVAL", "row 3", "NaN")),
    Case("csv-infinite-change", set_value("adeff", 4, "CHG", "inf"), "adam/adeff.csv",
         ("CHG", "row 5", "'inf'", "finite")),
    Case("csv-overflow-adsl-number", set_value("adsl", 3, "AGE", "1e400"), "adam/adsl.csv",
         ("AGE", "row 4", "'1e400'", "finite")),
    Case("csv-number-too-large", set_value("adeff", 4, "CHG", "1.7e308"), "adam/adeff.csv",
         ("CHG", "row 5", "1.7e+308", "limit of \u00b11e+15")),
    Case("csv-nan-base", set_value("adeff", 2, "BASE", "NaN"), "adam/adeff.csv", ("BASE", "row 3", "'NaN'")),
    Case("parquet-nan-time", as_parquet("adtte", "AVAL", 3, float("nan")), "adam/adtte.parquet",
         ("AVAL", "row 4", "NaN")),
    Case("parquet-infinite-change", as_parquet("adeff", "CHG", 5, float("-inf")), "adam/adeff.parquet",
         ("CHG", "row 6", "-inf", "finite")),
    Case("yaml-infinite-mcid", yaml_number(".inf"), YAML, ("analyses[3].mcid", "finite")),
    Case("yaml-nan-landmark", yaml_number("[30, .nan]", "landmarks", 1), YAML, ("analyses[2].landmarks[2]", "finite")),
    Case("yaml-overflow-at-risk-every", yaml_number("1.0e+400", "at_risk_every", 1), YAML,
         ("analyses[2].at_risk_every", "finite")),
    Case("yaml-nan-confidence-level", edit_yaml(lambda s: s.update(confidence_level=float("nan"))), YAML,
         ("confidence_level",)),
    Case("yaml-nan-in-where", yaml_number("{AVISITN: .nan}", "where"), YAML, ("analyses[3].where.AVISITN", "finite")),
    Case("yaml-huge-integer", yaml_number("9" * 5000), YAML, ("invalid YAML", "digits")),
    Case("yaml-deep-nesting", deep_yaml, YAML, ("nested", "limit of 40")),
    Case("live-number-too-many-decimals", write_file("text/disease.md", "Serious.\nAge [[demog:N/Total|16]].\n"),
         "text/disease.md", ("line 2", "[[demog:N/Total|16]]", "0 to 15")),
    Case("live-number-unknown-format", write_file("text/disease.md", "Age [[demog:N/Total|percent]].\n"),
         "text/disease.md", ("line 1", "unknown format 'percent'")),
    # --- limits instead of hangs
    Case("csv-two-million-columns", wide_header, "adam/adae.csv", ("2,000,000 columns", "limit of 5,000")),
    Case("data-text-too-long", set_value("adae", 0, "AEDECOD", "Headache" * 25_000), "adam/adae.csv",
         ("AEDECOD", "row 1", "200,000 characters", "limit")),
    Case("too-many-arms", many_arms, "adam/adsl.csv", ("TRT01A", "22 arms", "limit of 20")),
    Case("too-many-ae-terms", edit_rows("adae", many_ae_terms), "adam/adae.csv", ("AEDECOD", "5,001", "limit")),
    Case("yaml-word-too-long", edit_yaml(lambda s: s["study"].update(title="A" * 100_000)), YAML,
         ("study.title", "100,000 characters", "limit of 200")),
    Case("text-word-too-long", write_file("text/disease.md", "Serious.\n\n" + "x" * 200_000 + "\n"), YAML,
         ("briefing.disease", "'text/disease.md' line 3", "200,000 characters")),
    Case("yaml-too-many-landmarks", analysis(1, landmarks=list(range(0, 2000, 2))), YAML,
         ("analyses[2].landmarks", "at most 100 items")),
    Case("yaml-text-too-long", edit_yaml(lambda s: s["briefing"].update(unmet_need="Many words. " * 50_000)), YAML,
         ("briefing.unmet_need", "600,000 characters", "limit of 500,000")),
    Case("text-file-too-large", write_file("text/disease.md", "Serious disease. " * 40_000), YAML,
         ("briefing.disease", "larger than the limit")),
]

# --- every input through one gate (dossier.data.gate): templates, included templates, glossaries, print.css,
# reference.docx and datasets that are links leaving their folder, or hard links. Without the gate the
# include and the glossary put the outside file's content into the HTML, PDF and DOCX.
CASES += [
    Case("template-include-symlink-escapes", both(including_template,
                                                  outside_link("templates/part.html.j2", OUTSIDE_HTML)),
         "templates/part.html.j2", ("is a link to", "outside")),
    Case("template-symlink-escapes", outside_link("templates/briefing.html.j2", OUTSIDE_HTML),
         "templates/briefing.html.j2", ("is a link to", "outside")),
    Case("glossary-symlink-escapes", outside_link("templates/glossary/en.yaml", outside_glossary()),
         "templates/glossary/en.yaml", ("is a link to", "outside")),
    Case("css-symlink-escapes", outside_link("templates/print.css", "p { color: red }\n"),
         "templates/print.css", ("is a link to", "outside")),
    Case("reference-docx-symlink-escapes", outside_link("templates/reference.docx",
                                                        (ROOT / "templates" / "reference.docx").read_bytes()),
         "templates/reference.docx", ("is a link to", "outside")),
    Case("templates-folder-symlink-escapes", outside_folder_link("templates"), "templates", ("is a link to",
                                                                                           "outside")),
    Case("template-hard-link", outside_link("templates/briefing.html.j2", OUTSIDE_HTML, hard=True),
         "templates/briefing.html.j2", ("hard link", "2 names")),
    Case("dataset-hard-link", outside_link("adam/adae.csv", csv_text(tiny_tables()["adae"]), hard=True),
         "adam/adae.csv", ("hard link", "2 names")),
    Case("yaml-symlink-escapes", outside_link(YAML, yaml.safe_dump(TINY_SPEC)), YAML, ("is a link to", "outside")),
    Case("template-fifo", lambda t: ((t / "templates").mkdir(), os.mkfifo(t / "templates" / "print.css")),
         "templates/print.css", ("not a regular file",)),
]


def outside_copy(trial: Path, name: str) -> Path:
    target = trial.parent / f"outside-{name}"
    shutil.copy(trial / "adam" / name, target)
    return target


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 90
    assert len({c.id for c in CASES}) == len(CASES)


# Runs `dossier.cli.main` (the `dossier` command's entry point) for many command lines in one process, each
# with its own stdout/stderr files at the file-descriptor level, exactly as a fresh process would print
# them (Python warnings shown, as they are from the command line); an exception escaping main() is
# printed as a traceback, which the tests then find. Saves a Python start-up (~1.5 s) per command.
BATCH = r"""
import json, os, signal, sys, traceback, warnings
from dossier.cli import main

def too_long(signum, frame):
    raise TimeoutError("the command took too long")

signal.signal(signal.SIGALRM, too_long)
codes = []
for job in json.load(open(sys.argv[1])):
    warnings.resetwarnings()
    warnings.simplefilter("always")
    for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
        warnings.simplefilter("ignore", category)
    sys.stdout.flush(); sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    out = os.open(job["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    err = os.open(job["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(out, 1); os.dup2(err, 2)
    signal.alarm(job["timeout"])
    try:
        code = main(job["argv"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = -1
    finally:
        signal.alarm(0)
        sys.stdout.flush(); sys.stderr.flush()
        os.dup2(saved[0], 1); os.dup2(saved[1], 2)
        for fd in (out, err, *saved):
            os.close(fd)
    codes.append(code)
json.dump(codes, open(sys.argv[2], "w"))
"""


def run_batch(commands: list[list[str]], workdir: Path, processes: int = 2, timeout: int = 120
              ) -> list[subprocess.CompletedProcess]:
    """Run `dossier ARGS` for each command line (in `processes` Python processes); one result per command."""
    jobs = [{"argv": argv, "stdout": str(workdir / f"{i}.out"), "stderr": str(workdir / f"{i}.err"),
             "timeout": timeout} for i, argv in enumerate(commands)]
    chunks = [jobs[k::processes] for k in range(processes)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    running = []
    for k, chunk in enumerate(chunks):
        (workdir / f"batch-{k}.json").write_text(json.dumps(chunk), encoding="utf-8")
        running.append(subprocess.Popen([sys.executable, "-c", BATCH, str(workdir / f"batch-{k}.json"),
                                         str(workdir / f"codes-{k}.json")], cwd=ROOT, env=env))
    for process in running:
        assert process.wait(timeout=timeout * (len(jobs) + 1)) == 0
    codes = {}
    for k, chunk in enumerate(chunks):
        for job, code in zip(chunk, json.loads((workdir / f"codes-{k}.json").read_text()), strict=True):
            codes[job["stderr"]] = code
    return [subprocess.CompletedProcess(job["argv"], codes[job["stderr"]], Path(job["stdout"]).read_text(),
                                        Path(job["stderr"]).read_text()) for job in jobs]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, tiny_build):
    """Every case built and checked: case id -> (case folder, trial folder, build result, check result)."""
    good = tiny_build[1]
    root = tmp_path_factory.mktemp("corpus")
    commands, folders = [], {}
    for case in CASES:
        base = root / case.id
        trial = write_tiny_trial(base / "trial")
        case.mutate(trial)
        shutil.copytree(good, base / "outputs" / "out")
        folders[case.id] = (base, trial)
        commands += [["build", str(trial), "-o", str(base / "outputs" / "out")], ["check", str(trial)]]
    (root / "io").mkdir()
    results = iter(run_batch(commands, root / "io", processes=max(2, min(4, os.cpu_count() or 2))))
    return {case.id: (*folders[case.id], next(results), next(results)) for case in CASES}


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_broken_folder_is_refused_cleanly(case, outcomes, tiny_build):
    base, trial, build, check = outcomes[case.id]
    named = str(trial / case.file)
    # build: exit 1, exactly the problem lines, no traceback, earlier output untouched, nothing left behind
    assert build.returncode == 1, build.stderr
    assert "Traceback" not in build.stderr and "internal error" not in build.stderr, build.stderr
    lines = build.stderr.splitlines()
    assert len(lines) == case.lines and all(line.startswith("error: ") for line in lines), build.stderr
    first = lines[0]
    assert first.startswith(f"error: {named}"), first
    for fragment in case.expect:
        assert fragment in first, f"{fragment!r} not in {first!r}"
    assert snapshot(base / "outputs" / "out") == snapshot(tiny_build[1])
    assert sorted(p.name for p in (base / "outputs").iterdir()) == ["out"]
    # check: exit 1 and the same problem among its lines
    assert check.returncode == 1, check.stderr
    assert "Traceback" not in check.stderr and "internal error" not in check.stderr, check.stderr
    errors = _errors(check.stderr)
    assert any(e.startswith(f"error: {named}") and all(f in e for f in case.expect) for e in errors), check.stderr
    assert f"{len(errors)} problem(s)" in check.stderr.splitlines()[-1]


# The batch runner above calls the same entry point as the console command; these cases also run as real
# `python -m dossier` processes, which must print exactly what the batch saw.
@pytest.mark.parametrize("case_id", ["yaml-syntax-error", "csv-latin1", "cnsr-not-0-1", "dataset-far-too-large"])
def test_the_console_command_prints_the_same(case_id, outcomes):
    base, trial, build, check = outcomes[case_id]
    real = run_dossier("build", str(trial), "-o", str(base / "outputs" / "out"))
    assert (real.returncode, real.stderr) == (build.returncode, build.stderr)
    real = run_dossier("check", str(trial))
    assert (real.returncode, real.stderr) == (check.returncode, check.stderr)


# ------------------------------------------------------------------------------------ warnings


def warnings_of(trial: Path) -> list[str]:
    from dossier.config.spec import load_spec
    from dossier.data.datasets import load
    from dossier.data.validate import datasets_needed, requirements, validate

    spec = load_spec(trial)
    needs = requirements(spec)
    data = load(trial, datasets_needed(needs))
    return list(data.warnings) + validate(spec, data, needs)


def with_windows(rows: list[dict]) -> None:
    for r in rows:
        target = {"Baseline": 1, "Week 4": 28, "Week 8": 56}[r["AVISIT"]]
        r.update(ADY=str(target), AWLO=str(target - 7), AWHI="" if target == 56 else str(target + 7), DTYPE="")
    rows[4]["ADY"] = "40"  # S-02 at Week 4: day 40 is outside 21..35
    rows[7].update(ADY="45", DTYPE="LOCF")  # a derived record keeps the day of the record it copies: not counted
    rows[2]["ADY"] = "99"  # Week 8's window is open-ended (AWHI blank)


@pytest.mark.parametrize("mutate,expected", [
    (set_column("adtte", "CNSR", lambda r: "1"), "analysis 'tte': all subjects are censored (no events)"),
    (set_column("adtte", "CNSR", lambda r: "1" if int(r["USUBJID"][-2:]) % 2 else r["CNSR"]),
     "analysis 'tte': arm 'Drug' has no events"),
    (edit_rows("adeff", with_windows), ("adeff.csv: ADY: 1 analysed SCORE record(s) lie outside their visit's "
                                       "analysis window AWLO..AWHI, e.g. row 5 (Week 4, ADY 40 not in 21..35)")),
    (edit_rows("adae", lambda rows: rows[0].update(AEDECOD="Head\x07ache")),
     "adae.csv: AEDECOD: 1 value(s) hold control characters (row 1)"),
    (write_file("adam/adcm.sas7bdat", b"\x00" * 64), ("adcm.sas7bdat: unknown dataset format '.sas7bdat'; expected "
                                                      "one of .xpt, .parquet, .csv, .json; ignored")),
    (write_file("adam/adsl.csv", "\ufeff" + csv_text(tiny_tables()["adsl"])), "byte-order mark"),
    (write_file("text/disease.md", "A bell:\n\nit rings\x07.\n"),
     "text/disease.md: line 3: control character U+0007 (1 in all); the documents show each as \ufffd"),
], ids=["all-censored", "arm-without-events", "visit-out-of-window", "control-character",
        "stray-file", "csv-bom", "control-character-in-text"])
def test_suspicious_but_valid_data_is_warned(tmp_path, mutate, expected):
    from dossier.build.check import check

    trial = write_tiny_trial(tmp_path / "trial")
    mutate(trial)
    problems, warnings = check(trial)
    assert problems == []
    assert any(expected in w for w in warnings), warnings
    assert all("\n" not in w for w in warnings)


def test_a_reference_arm_not_in_the_data_is_an_error_not_a_warning(tmp_path):
    from dossier.build.check import check

    trial = write_tiny_trial(tmp_path / "trial")
    edit_yaml(lambda s: s.update(reference_arm="Comparator"))(trial)
    problems, _ = check(trial)
    (problem,) = [str(p) for p in problems if "reference_arm" in str(p)]
    assert "'Comparator' is not an arm of TRT01A" in problem and "no arm could be compared with it" in problem


def test_a_very_small_arm_is_warned(tmp_path):
    trial = write_tiny_trial(tmp_path / "trial", tables=tiny_tables(n=5))  # 3 on Drug, 2 on Placebo
    assert "analysis 'tte': arm 'Placebo' has only 2 subject(s)" in warnings_of(trial)


def test_all_censored_is_warned_once_in_the_build(tmp_path):
    """validate and the analysis word it the same, so the build (and Appendix C) shows it once."""
    trial = write_tiny_trial(tmp_path / "trial")
    set_column("adtte", "CNSR", lambda r: "1")(trial)
    result = run_cli("build", str(trial), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("all subjects are censored") == 1
    appendix = (tmp_path / "out" / "briefing.html").read_text(encoding="utf-8").split('id="appendix-warnings"')[1]
    assert appendix.count("all subjects are censored") == 1


# ------------------------------------------------------------------------------------ resource limits


def test_a_dataset_that_would_not_fit_in_memory_is_refused_before_reading(tmp_path, monkeypatch):
    from dossier.data import datasets
    from dossier.errors import DataError

    path = tmp_path / "adae.csv"
    with path.open("wb") as fh:
        fh.truncate(200 * 1024**2)  # sparse: no disk used
    monkeypatch.setattr(datasets, "available_memory", lambda: 1024**3)
    monkeypatch.setattr(datasets, "_sniff", lambda *a: pytest.fail("the file was opened"))
    with pytest.raises(DataError) as info:
        datasets.read_dataset(path)
    (problem,) = info.value.problems
    assert problem.where == str(path) and "needs about 2.3 GiB of memory, more than the 1.0 GiB available" in str(problem)


def test_available_memory_is_linux_memavailable():
    """On Linux the figure is /proc/meminfo's MemAvailable (read here independently; memory moves between the
    two reads, so within 256 MiB)."""
    from dossier.data.datasets import available_memory

    with open("/proc/meminfo", encoding="ascii") as fh:
        (line,) = [line for line in fh if line.startswith("MemAvailable:")]
    kib = line.split()
    assert kib[2] == "kB"
    found = available_memory()
    assert isinstance(found, int) and found > 0
    assert abs(found - int(kib[1]) * 1024) < 256 * 1024**2


def test_available_memory_without_memavailable_falls_back_to_sysconf_and_else_is_unknown(monkeypatch, tmp_path):
    from dossier.data import datasets

    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:  1000 kB\nMemFree:  500 kB\n", encoding="ascii")  # an old kernel: no MemAvailable
    real_open = open
    monkeypatch.setattr(datasets, "open", lambda path, *a, **k: real_open(meminfo if path == "/proc/meminfo" else path,
                                                                       *a, **k), raising=False)
    pages = {"SC_AVPHYS_PAGES": 3, "SC_PAGE_SIZE": 4096}
    monkeypatch.setattr(datasets.os, "sysconf", lambda name: pages[name])
    assert datasets.available_memory() == 3 * 4096

    def unsupported(name):
        raise ValueError(f"unrecognized configuration name {name}")

    monkeypatch.setattr(datasets.os, "sysconf", unsupported)
    assert datasets.available_memory() is None
    meminfo.write_text("MemAvailable:  2048 kB\n", encoding="ascii")
    assert datasets.available_memory() == 2048 * 1024
