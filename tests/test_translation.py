"""No silent fallback (issue 16): the translation report of a build, `status: final` / `build --final`, the
draft-only warnings appendix, `labels:` and the built-in Japanese CDISC terms and visit names, variable labels
as row labels, the MedDRA mapping file."""

from __future__ import annotations

import copy
import csv
import dataclasses
import io
import re

import pytest

from dossier.analyses.model import Text
from dossier.document.labels import Catalogue, Terms, language_of, read_meddra
from tests.conftest import MINIMAL_SPEC, run_cli


def english_only(**top) -> dict:
    spec = copy.deepcopy(MINIMAL_SPEC)
    spec["date"] = "2026-01-01"
    spec["analyses"] = [{"id": "demog", "type": "baseline", "variables": ["AGE", "SEX", "RACE"]}]
    spec["briefing"] = {"disease": "text/disease.md", "questions": [{"question": "Is this enough?"}]}
    spec.update(top)
    return spec


def report(out) -> list[dict]:
    text = (out / "review" / "translation.ja.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_ja_build_lists_every_english_text_and_data_value(make_trial, tmp_path):
    folder = make_trial(english_only(), texts={"text/disease.md": "The disease is rare."})
    out = tmp_path / "out"
    result = run_cli("build", str(folder), "-o", str(out), "--lang", "ja")
    assert result.returncode == 0, result.stderr
    rows = report(out)
    found = {(r["kind"], r["source"], r["text"]) for r in rows}
    assert ("yaml text", "dossier.yaml: study.title", "Test study") in found
    assert ("yaml text", "dossier.yaml: indication", "Test indication") in found
    assert ("yaml text", "dossier.yaml: briefing.questions[1].question", "Is this enough?") in found
    assert ("text file", "text/disease.md", "The disease is rare.") in found
    for arm in ("Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"):
        assert ("data value", "TRT01A", arm) in found
    assert all(r["language"] == "en" for r in rows)
    assert "ja: " in result.stderr and "see review/translation.ja.csv" in result.stderr
    # built-in Japanese: sex and race codes and the row labels of AGE, SEX, RACE
    table = (out / "tables" / "demog.csv").read_text(encoding="utf-8")
    for word in ("女性", "男性", "白人", "年齢", "性別", "人種"):
        assert word in table
    assert not re.search(r"^\s*(F|M|WHITE|AGE|SEX),", table, re.MULTILINE)
    assert "Female" not in table and not any(r["kind"] in ("variable label",) for r in rows)
    # the build's warnings are in review/, and never inside the evidence sections
    warnings = (out / "review" / "warnings.ja.csv").read_text(encoding="utf-8")
    assert warnings.startswith("kind,warning\n") and "text not provided" in warnings


def test_final_exits_1_naming_each_fallback_and_writes_nothing(make_trial, tmp_path):
    folder = make_trial(english_only(), texts={"text/disease.md": "The disease is rare."})
    out = tmp_path / "out"
    result = run_cli("build", str(folder), "-o", str(out), "--lang", "ja", "--final")
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("error: status final (ja): ") for line in lines)
    text = result.stderr
    for needle in ("dossier.yaml: study.title", "text/disease.md", "TRT01A", "'Placebo'",
                   "briefing.questions[1].question", "missing text: text not provided: briefing.unmet_need"):
        assert needle in text
    assert "Traceback" not in text
    assert not out.exists()
    # status: final in dossier.yaml does the same
    folder2 = make_trial(english_only(status="final"), name="trial2", texts={"text/disease.md": "Rare."})
    result2 = run_cli("build", str(folder2), "-o", str(tmp_path / "out2"), "--lang", "ja")
    assert result2.returncode == 1 and "dossier.yaml: study.title" in result2.stderr
    assert not (tmp_path / "out2").exists()


def test_labels_override_built_ins_and_translate_arms(make_trial, tmp_path):
    labels = {"SEX": {"label": {"en": "Gender", "ja": "性別（申告）"}, "values": {"F": {"en": "Woman", "ja": "女"}}},
              "TRT01A": {"values": {"Placebo": {"ja": "プラセボ"}, "Xanomeline Low Dose": {"ja": "キサノメリン低用量"},
                                    "Xanomeline High Dose": {"ja": "キサノメリン高用量"}}}}
    folder = make_trial(english_only(labels=labels), texts={"text/disease.md": "本疾患はまれである。"})
    out = tmp_path / "out"
    result = run_cli("build", str(folder), "-o", str(out), "--lang", "ja")
    assert result.returncode == 0, result.stderr
    table = (out / "tables" / "demog.csv").read_text(encoding="utf-8")
    assert "性別（申告）" in table and "\n  女," in table and "男性" in table  # M keeps the built-in
    assert "プラセボ (N=86)" in table and "Placebo" not in table
    rows = report(out)
    assert not [r for r in rows if r["kind"] in ("data value", "text file")]
    en = tmp_path / "en"
    assert run_cli("build", str(folder), "-o", str(en), "--lang", "en").returncode == 0
    table_en = (en / "tables" / "demog.csv").read_text(encoding="utf-8")
    assert "Gender" in table_en and "  Woman," in table_en and "Placebo (N=86)" in table_en
    assert (en / "review" / "translation.en.csv").read_text(encoding="utf-8").splitlines()[1:] == \
        ["briefing,briefing.disease,text file,text/disease.md,本疾患はまれである。,ja"]


@pytest.mark.parametrize("labels, message", [
    ({"SEX": {"values": {"F": "Woman"}}}, "labels.SEX.values.F: must be a mapping of language to text"),
    ({"SEX": {"value": {}}}, "labels.SEX.value: unknown key"),
    ({"SEX": {"values": {"F": {"de": "Frau"}}}}, "labels.SEX.values.F: unknown language 'de'"),
    ({"SEX": "Gender"}, "labels.SEX: "),
    ({"1SEX": {"label": {"en": "Sex"}}}, "labels.1SEX: '1SEX' is not a variable name"),
])
def test_bad_labels_shape_is_one_line_exit_1(make_trial, labels, message):
    folder = make_trial(english_only(labels=labels), texts={"text/disease.md": "x"})
    result = run_cli("check", str(folder))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr


def test_final_document_has_no_warning_text_and_draft_keeps_them_in_its_appendix(make_trial, monkeypatch):
    from dossier.build import pipeline
    from tests.test_orphan import render

    marker = "analysis demog: WARNING-TEXT-XYZ"
    original = pipeline.run_analyses
    monkeypatch.setattr(pipeline, "run_analyses", lambda *args, **kwargs: [
        dataclasses.replace(r, warnings=(marker,)) for r in original(*args, **kwargs)])
    monkeypatch.setattr(pipeline, "document_warnings", lambda spec: [marker])  # the build's list of warnings

    def html_of(status: str) -> str:
        folder = make_trial(english_only(status=status), name=status, texts={"text/disease.md": "x"})
        return render(folder, "ja", "briefing")[0]

    draft = html_of("draft")
    body, _, appendix = draft.partition('id="appendix-warnings"')
    assert marker not in body and 'class="notice">analysis' not in body
    assert marker in appendix and "（草案のみ）" in appendix
    assert "草案 | " in draft and "DRAFT" not in draft  # every page's running header, in Japanese words only
    final = html_of("final")
    assert marker not in final and "appendix-warnings" not in final and "DRAFT" not in final


def test_built_in_visits_age_groups_and_codes_both_ways():
    c = Catalogue()
    assert c.value("AVISIT", "Week 24", "ja") == "第24週"
    assert c.value("AVISIT", "WEEK 8", "ja") == "第8週"
    assert c.value("AVISIT", "第12週", "en") == "Week 12"
    assert c.value("AVISIT", "Baseline", "ja") == "ベースライン"
    assert c.value("AVISIT", "Month 6", "ja") == "第6カ月"
    assert c.value("AVISIT", "End of Treatment", "ja") == "投与終了時"
    assert c.value("AGEGR1", "<65", "ja") == "65歳未満"
    assert c.value("AGEGR1", ">=75", "ja") == "75歳以上"
    assert c.value("DCDECOD", "lost to follow-up", "ja") == "追跡不能"
    assert c.value("DCSREAS", "WITHDRAWAL BY SUBJECT", "ja") == "被験者による中止の申し出"
    assert c.value("AESEV", "MODERATE", "ja") == "中等度"
    assert c.value("SAFFL", "Y", "ja") == "はい"
    assert c.value("REGION1", "North America", "ja") == "北米"
    assert c.value("SEX", "F", "en") == "Female"
    assert c.value("AEDECOD", "HEADACHE", "ja") is None  # MedDRA never from the built-ins
    assert c.value("USUBJID", "01-701-1015", "ja") is None
    assert language_of("01-701") is None and language_of("Week 2") == "en" and language_of("第2週") == "ja"


def test_meddra_mapping_file_and_one_report_row_per_unmapped_term(tmp_path):
    (tmp_path / "meddra_ja.csv").write_text("level,en,ja\nPT,Headache,頭痛\nSOC,Nervous system disorders,神経系障害\n",
                                            encoding="utf-8")
    mapping = read_meddra(tmp_path, "meddra_ja.csv")
    terms = Terms("ja", Catalogue(meddra=mapping))
    terms.place("briefing", "ae")
    assert terms.value("HEADACHE", "AEDECOD") == "頭痛"
    assert terms.value("Nervous system disorders", "AEBODSYS") == "神経系障害"
    assert terms.value("Headache", "AEBODSYS") == "Headache"  # a PT mapping is not a SOC mapping
    terms.place("briefing", "ae-2")
    for _ in range(3):
        assert terms.value("Dizziness", "AEDECOD") == "Dizziness"
    rows = [r for r in terms.shown.values() if r.text == "Dizziness"]
    assert len(rows) == 1 and rows[0].kind == "MedDRA term" and rows[0].source == "AEDECOD"


@pytest.mark.parametrize("content, message", [
    ("term,japanese\nHeadache,頭痛\n", "no column en, ja"),
    ("level,en,ja\nXX,Headache,頭痛\n", "row 2, column level: 'XX' is not one of"),
    ("level,en,ja\nPT,Headache,\n", "row 2: give both"),
])
def test_bad_meddra_file_is_one_line(tmp_path, content, message):
    from dossier.errors import SpecError

    (tmp_path / "m.csv").write_text(content, encoding="utf-8")
    with pytest.raises(SpecError) as error:
        read_meddra(tmp_path, "m.csv")
    assert len(error.value.problems) == 1 and message in str(error.value)


def test_variable_label_order_and_bare_name_reported():
    terms = Terms("ja", Catalogue(variables={"MMSETOT": {"ja": "MMSE総得点"}}))
    assert terms.label("MMSETOT", "MMSE Total") == "MMSE総得点"  # labels: first
    assert terms.label("BMIBL", "Baseline BMI (kg/m^2)") == "ベースライン時のBMI（kg/m2）"  # built-in before English
    assert terms.label("XYZ", "Some English label") == "Some English label"
    assert terms.label("ABCVAR", "ABCVAR") == "ABCVAR"
    kinds = {(r.source, r.language) for r in terms.shown.values()}
    assert kinds == {("XYZ", "en"), ("ABCVAR", "variable name")}
    en = Terms("en")
    assert en.label("AGE", "Age") == "Age" and en.label("ABCVAR", "") == "ABCVAR"
    assert [r.language for r in en.shown.values()] == ["variable name"]
    assert Terms("ja").value("Placebo", None) == "Placebo"  # no variable: a literal, never reported
    assert Text("x").variable is None


def test_preview_warnings_page_lists_the_translation_report(make_trial, tmp_path):
    from dossier.preview import pages
    from dossier.preview.session import Session

    folder = make_trial(english_only(), texts={"text/disease.md": "The disease <b>is</b> rare."})
    session = Session(folder, "ja", tmp_path / "figures")
    session.update()
    assert not session.errors, session.errors
    found = {(r.kind, r.source, r.text) for r in session.translation}
    assert ("data value", "TRT01A", "Placebo") in found and ("text file", "text/disease.md",
                                                            "The disease <b>is</b> rare.") in found
    html = pages.message_page(lang="ja", current="warnings", generation=1, title="Warnings", problems=[],
                              warnings=session.warnings, trial_dir=folder, translation=session.translation)
    assert "Translation report" in html and "review/translation.ja.csv" in html and "<td>Placebo</td>" in html
    assert "<b>is</b>" not in html and "&lt;b&gt;is&lt;/b&gt;" in html


def test_final_makes_the_orphan_patient_estimate_warning_an_error(make_trial, tmp_path):
    from tests.test_orphan import orphan_spec

    spec = orphan_spec(status="final")
    spec["orphan"]["patients"]["prevalence_per_100000"] = 100.0  # 124,000 patients: not below 50,000
    result = run_cli("build", str(make_trial(spec)), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert any("orphan" in line and "not below the threshold" in line for line in result.stderr.splitlines())
    assert not (tmp_path / "out").exists()


def test_figures_show_arms_and_visits_through_the_labels():
    from dossier.analyses.model import Curve, Figure, Term
    from dossier.document.formatting import Formatter
    from dossier.render.figures import _shown

    catalogue = Catalogue(values={"TRT01A": {"PLACEBO": {"ja": "プラセボ"}}})
    fmt = Formatter({}, "ja", Terms("ja", catalogue, {"Placebo": "TRT01A", "Drug X": "TRT01A"}))
    figure = Figure(key="f", kind="profile", title=Term("t"), x_label=Term("x"), y_label=Term("y"),
                    curves=(Curve("Placebo", (1.0,), (0.5,)), Curve("Drug X", (1.0,), (0.4,))),
                    x_ticks=(1.0,), x_tick_labels=("Week 8",), at_risk=(("Placebo", (3,)), ("Drug X", (4,))))
    shown = _shown(figure, fmt.label)
    assert [c.label for c in shown.curves] == ["プラセボ", "Drug X"]
    assert [a for a, _ in shown.at_risk] == ["プラセボ", "Drug X"] and shown.x_tick_labels == ("第8週",)
    assert [(r.source, r.text) for r in fmt.terms.shown.values()] == [("TRT01A", "Drug X")]


def test_yaml_report_reaches_nested_texts_and_per_language_fallbacks(tmp_path):
    from dossier.config.spec import parse_spec
    from dossier.document.translation import yaml_texts

    spec = english_only(indication={"en": "Rare disease", "ja": "希少疾患"}, study={"id": "T-1", "title": {"en": "Only en"}})
    spec["analyses"].append({"id": "tte", "type": "time_to_event", "dataset": "adtte", "param": "TTDE",
                             "subgroups": [{"SEX": {"label": {"ja": "性別"}, "levels": {"F": "Women", "M": "男性"}}}]})
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "disease.md").write_text("本疾患は希少である。", encoding="utf-8")
    parsed = parse_spec(spec, tmp_path)
    found = {(r.section, r.text, r.language) for r in yaml_texts(parsed.localised("ja"), tmp_path, "ja")}
    assert ("analyses[2].subgroups[1].levels.F", "Women", "en") in found
    assert ("study.title", "Only en", "en") in found
    assert not any(section.startswith("indication") or section.endswith("levels.M") for section, _, _ in found)
    en = {(r.section, r.text, r.language) for r in yaml_texts(parsed, tmp_path, "en")}
    assert ("analyses[2].subgroups[1].label", "性別", "ja") in en
    assert ("analyses[2].subgroups[1].levels.M", "男性", "ja") in en
    assert ("briefing.disease", "本疾患は希少である。", "ja") in en  # the text file is Japanese


ORPHAN = {"target_disease": {"en": "Rare disease", "ja": "希少疾患"},
          "patients": {"prevalence_per_100000": 1.0, "population": 124_000_000, "population_year": 2024}}


@pytest.mark.parametrize("version, reported", [
    ("0.1 (draft)", True),  # words: a text of one language, shown in the other
    ({"en": "0.1 (draft)"}, True),  # given per language without Japanese
    ("0.1", False),  # digits and dots only: the same in every language (an identifier)
    ({"en": "0.1 (draft)", "ja": "0.1（草案）"}, False),
])
def test_each_documents_version_is_a_text_per_language_and_listed_when_untranslated(tmp_path, version, reported):
    from dossier.config.spec import parse_spec
    from dossier.document.translation import final_problems, yaml_texts

    spec = english_only(briefing={"version": version}, sakigake={"version": version},
                        orphan={"version": version, **ORPHAN},
                        study={"id": "T-1", "title": {"en": "Study", "ja": "試験"}},
                        product={"name": {"en": "TP-1", "ja": "TP-1"}}, indication={"en": "X", "ja": "疾患"})
    parsed = parse_spec(spec, tmp_path)
    rows = yaml_texts(parsed.localised("ja"), tmp_path, "ja")
    found = {r.section for r in rows}
    versions = {"briefing.version", "sakigake.version", "orphan.version"}
    assert (found == versions) is reported and not (found - versions)
    if reported:
        assert {(r.document, r.text, r.language) for r in rows} == {
            (d, "0.1 (draft)", "en") for d in ("briefing", "sakigake", "orphan")}
        problems = [str(p) for p in final_problems("ja", rows, [])]
        assert len(problems) == 3 and all("yaml text not in Japanese: dossier.yaml: " in p for p in problems)
    ja = parsed.localised("ja")
    shown = ja.briefing.version, ja.sakigake.version, ja.orphan.version
    assert set(shown) == {version if isinstance(version, str) else version.get("ja", version["en"])}


@pytest.mark.parametrize("document", ["briefing", "sakigake", "orphan"])
def test_bad_version_is_one_line_naming_the_key(make_trial, document):
    section = {"version": {"en": "0.1", "fr": "0.1"}, **(ORPHAN if document == "orphan" else {})}
    folder = make_trial(english_only(**{document: section}), texts={"text/disease.md": "x"})
    result = run_cli("check", str(folder))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [(f"error: {folder / 'dossier.yaml'}: {document}.version: unknown language 'fr' (the languages "
                       "are en and ja)")], result.stderr


def test_the_translation_report_lists_a_figures_texts_whichever_process_draws_it(tmp_path):
    """The figures are drawn in worker processes (or in the build's own with DOSSIER_WORKERS=1): the texts
    they show in another language (here the English arm names of a Japanese build) are in the report, under
    "figures" and the figure's key, and the report is the same either way."""
    import yaml

    from tests.conftest import TINY_SPEC, write_tiny_trial

    trial = write_tiny_trial(tmp_path / "trial", {**yaml.safe_load(yaml.safe_dump(TINY_SPEC)), "language": "ja"})
    reports = []
    for out, fresh in ((tmp_path / "here", False), (tmp_path / "workers", True)):
        result = run_cli("build", str(trial), "-o", str(out), fresh=fresh,
                         env={"DOSSIER_WORKERS": "2", "DOSSIER_SOFFICE": "none"} if fresh else None)
        assert result.returncode == 0, result.stderr
        reports.append((out / "review" / "translation.ja.csv").read_text(encoding="utf-8"))
    assert reports[0] == reports[1]
    rows = list(csv.reader(io.StringIO(reports[0])))
    figures = {(r[1], r[3], r[4]) for r in rows if r[0] == "figures"}  # (figure key, source, text), once each
    assert figures == {("tte", "PARAM", "Time to event"), ("tte", "TRT01A", "Drug"), ("tte", "TRT01A", "Placebo"),
                       ("score", "PARAM", "Score")}, rows
