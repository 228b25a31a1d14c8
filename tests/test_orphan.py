"""The orphan designation application draft (dossier/document/orphan.py) and the document registry
(dossier/document/registry.py): its sections in English and Japanese, the criteria's wording per product
type, the patient-number estimate (hand-computed) and its threshold check, bad `orphan:` keys as one line
each, and a document type declared here that builds with no change to the pipeline."""

from __future__ import annotations

import copy
import json
import re

import pytest

from dossier.errors import SpecError
from tests.conftest import MINIMAL_SPEC, glossary_entries, run_cli

ORPHAN = {
    "version": "0.1",
    "target_disease": "Test disease X",
    "disease": "About [[documents:orphan/patients/estimate|0]] patients in Japan have it.",
    "patients": {"prevalence_per_100000": 2.5, "population": 124_000_000, "population_year": 2024,
                 "population_source": "Population estimates 2024", "prevalence_source": "An invented survey",
                 "note": "The prevalence is invented.", "text": "Method text.", "summary": "Below the threshold."},
    "medical_need": {"text": "Need text.", "summary": "Need summary.", "analyses": ["demog"]},
    "development": {"text": "Rationale text.", "plan": "Plan text.", "summary": "Development summary.",
                    "analyses": ["demog"]},
    "schedule": [{"milestone": "Pivotal study start", "date": "2027 Q3"}],
    "references": ["Reference one"],
    "attachments": ["Attachment one"],
}


def orphan_spec(orphan=None, product_type=None, **top) -> dict:
    spec = copy.deepcopy(MINIMAL_SPEC)
    spec["orphan"] = copy.deepcopy(ORPHAN) if orphan is None else orphan
    if product_type:
        spec["product"]["type"] = product_type
    spec.update(top)
    return spec


def render(folder, lang: str = "en", document: str = "orphan") -> tuple[str, dict, list[str]]:
    """The HTML and context of `document` of the trial folder, through the pipeline's stages (no PDF or DOCX)."""
    from dossier.build import pipeline, writing
    from dossier.config.spec import load_spec
    from dossier.data.validate import requirements
    from dossier.document import registry
    from dossier.outputs.files import evidence_document
    from dossier.render.html import template_dirs

    spec = load_spec(folder).localised(lang)
    needs = requirements(spec)
    data = pipeline.load_data(folder, spec, needs)
    warnings = pipeline.check_data(spec, data, needs) + pipeline.document_warnings(spec)
    results = pipeline.run_analyses(spec, data, lambda _: None)
    dirs = template_dirs(folder)
    fmt = writing.formatter(spec, dirs)
    evidence = evidence_document({}, results, data.files, "test", spec.confidence_level, registry.evidence(spec))
    texts = writing.writer_texts(spec, folder, evidence, fmt)
    records = {name: len(frame) for name, frame in data.frames.items()}
    facts = writing.document_facts(spec, data.files, pipeline.arm_counts(spec, data), records, warnings)
    rendered, ctx = writing.render_html(document, spec, results, texts, fmt, facts, dirs)
    return rendered.html, ctx, warnings


def headings(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<h1 id="([^"]+)">(.*?)</h1>', html)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_declared_section_in_order_with_its_heading(make_trial, lang):
    from dossier.document.registry import get

    html, _, _ = render(make_trial(orphan_spec()), lang)
    glossary = glossary_entries()
    found = [h for h in headings(html) if h[0] != "abbreviations"]  # the list of abbreviations is front matter
    declared = get("orphan").sections
    assert [anchor for anchor, _ in found][:len(declared)] == [anchor for anchor, _ in declared]
    for (anchor, key), (_, text) in zip(declared, found, strict=False):
        assert text.endswith(glossary[key][lang]), (anchor, text)
    for sub in ("criterion-1-estimate", "criterion-1-method", "criterion-2-data", "criterion-3-data",
                "criterion-3-plan", "criterion-1-summary", "criterion-2-summary", "criterion-3-summary"):
        assert f'id="{sub}"' in html, sub
    # the writer's texts, the references, attachments and the schedule are shown
    for text in ("Need text.", "Rationale text.", "Plan text.", "Development summary.", "Reference one",
                 "Attachment one", "Pivotal study start", "The prevalence is invented."):
        assert text in html, text


def test_the_estimate_is_computed_shown_and_a_live_number(make_trial):
    html, ctx, warnings = render(make_trial(orphan_spec()))
    # 2.5 per 100,000 x 124,000,000 = 3,100 (by hand)
    assert "About 3100 patients in Japan have it." in re.sub(r"</?span[^>]*>", "", html)  # the live reference, |0 decimals
    table = ctx["patients_table"]
    cells = {row.cells[0]: row.cells[1] for row in table.rows}
    assert cells["Prevalence (per 100,000)"] == "2.5"
    assert cells["Population of Japan (2024)"] == "124,000,000"
    assert cells["Estimated number of patients"] == "3,100"
    assert cells["Threshold"] == "below 50,000"
    assert "The estimated number of patients in Japan, 3,100, is below the threshold of 50,000." in html
    assert "Prevalence: An invented survey" in table.footnotes
    assert not [w for w in warnings if "orphan" in w]


def test_the_sum_method_and_the_threshold_warning(make_trial):
    from dossier.config.spec import parse_spec
    from dossier.document import registry

    folder = make_trial()

    def numbers(patients):
        spec = parse_spec(orphan_spec({"target_disease": "X", "patients": patients}), folder)
        return registry.evidence(spec)["orphan"]["patients"], registry.warnings(spec)

    entry, warnings = numbers({"sources": [{"source": "A", "patients": 1200, "year": 2020},
                                           {"source": "B", "patients": 850.5}]})
    assert entry == {"method": "sum", "sources": [1200, 850.5], "estimate": 2050.5,
                     "designated_intractable_disease": False, "threshold": 50_000, "below_threshold": True}
    assert warnings == []
    # 50 per 100,000 x 124,000,000 = 62,000: not below 50,000
    entry, warnings = numbers({"prevalence_per_100000": 50, "population": 124_000_000, "population_year": 2024})
    assert entry["estimate"] == 62_000 and entry["below_threshold"] is False
    assert warnings == [("dossier.yaml: orphan.patients: the estimated number of patients in Japan (62,000) is not "
                        "below the threshold of 50,000 for orphan designation (PMD Act Article 77-2(1))")]
    # 49,999.5 is below 50,000 (the check uses the unrounded estimate)
    entry, warnings = numbers({"sources": [{"source": "A", "patients": 49_999.5}]})
    assert entry["below_threshold"] is True and warnings == []
    entry, _ = numbers({"sources": [{"source": "A", "patients": 50_000}]})
    assert entry["below_threshold"] is False
    # a designated intractable disease: about 0.1% of the population, 124,000
    entry, warnings = numbers({"prevalence_per_100000": 50, "population": 124_000_000, "population_year": 2024,
                               "designated_intractable_disease": "No. 999 (invented)"})
    assert entry["threshold"] == 124_000 and entry["below_threshold"] is True and warnings == []


def test_the_sum_method_in_the_document(make_trial):
    html, ctx, _ = render(make_trial(orphan_spec({"target_disease": "X", "patients": {"sources": [
        {"source": "Registry A", "patients": 1200, "year": 2020}, {"source": "Survey B", "patients": 850.5}]}})), "ja")
    cells = {row.cells[0]: row.cells[1] for row in ctx["patients_table"].rows}
    assert cells["Registry A (2020年)"] == "1,200"
    assert cells["Survey B"] == "850.5"
    assert cells["推定対象者数"] == "2,051"  # 2,050.5 rounded half away from zero
    assert "本邦における推定対象者数は2,051人であり、基準である50,000人を下回る。" in html
    # texts the writer did not give: the notice, and the build's "text not provided" list
    assert "orphan.development.plan" in ctx["missing_texts"]


@pytest.mark.parametrize(("product_type", "en", "ja"), [
    (None, ("Orphan drug designation application (draft)", "the number of persons in Japan for whom the drug",
            "investigational drug"),
     ("希少疾病用医薬品指定申請書（案）", "当該医薬品の用途に係る対象者の数", "治験薬を用いて")),
    ("regenerative_medicine", ("Orphan regenerative medical product designation application (draft)",
                               "using the regenerative medical product in the target disease",
                               "investigational product"),
     ("希少疾病用再生医療等製品指定申請書（案）", "当該再生医療等製品を使用する理論的根拠", "治験製品を用いて")),
    ("device", ("Orphan medical device designation application (draft)", "using the medical device in the target",
                "investigational device"),
     ("希少疾病用医療機器指定申請書（案）", "当該医療機器の用途に係る対象者の数", "治験機器を用いて")),
])
def test_criterion_wording_per_product_type(make_trial, product_type, en, ja):
    folder = make_trial(orphan_spec(product_type=product_type))
    for lang, phrases in (("en", en), ("ja", ja)):
        html, ctx, _ = render(folder, lang)
        assert ctx["title"] == phrases[0]
        for phrase in phrases:
            assert phrase in html, (lang, phrase)
        others = {"drug", "regenerative_medicine", "device"} - {product_type or "drug"}
        glossary = glossary_entries()
        for other in others:  # no other category's designation appears
            assert glossary[f"orphan_designation_{other}"][lang] not in html, (lang, other)


def test_product_type_words_exist_in_both_languages():
    from dossier.document import product_types, registry

    glossary = glossary_entries()
    for key in product_types.glossary_keys():
        assert glossary[key]["en"] and glossary[key]["ja"], key
    for document in registry.types().values():
        for key in (*document.glossary_keys, *(k for _, k in document.sections)):
            assert glossary.get(key, {}).get("en") and glossary[key].get("ja"), (document.name, key)


def test_no_orphan_section_no_orphan_document(make_trial):
    from dossier.config.spec import load_spec
    from dossier.document.registry import built

    spec = load_spec(make_trial())
    assert [d.name for d in built(spec)] == ["briefing", "sakigake"]
    assert spec.orphan is None and spec.product.type == "drug"


@pytest.mark.parametrize(("orphan", "expected"), [
    ({"patients": {"prevalence_per_100000": 1, "population": 10, "population_year": 2024}},
     "orphan.target_disease: required key is missing"),
    ({"target_disease": "X"}, "orphan.patients: required key is missing"),
    ({"target_disease": "X", "patients": {}}, ("orphan.patients: give prevalence_per_100000 with population and "
                                              "population_year, or sources with the patients each counts")),
    ({"target_disease": "X", "patients": {"prevalence_per_100000": 2}},
     "orphan.patients.population: required with prevalence_per_100000 (the population of Japan)"),
    ({"target_disease": "X", "patients": {"prevalence_per_100000": 2, "population": 100}},
     "orphan.patients.population_year: required with population (the year of the population figure)"),
    ({"target_disease": "X", "patients": {"prevalence_per_100000": 2, "population": 100, "population_year": 2024,
                                          "sources": [{"source": "A", "patients": 3}]}},
     ("orphan.patients.sources[1].patients: give either prevalence_per_100000 or a number of patients per source, "
     "not both")),
    ({"target_disease": "X", "patients": {"sources": [{"source": "A", "patients": 3}, {"source": "B"}]}},
     ("orphan.patients.sources[2].patients: required: the estimate is the sum of the patients the sources count "
     "(or give prevalence_per_100000 and population)")),
    ({"target_disease": "X", "patients": {"prevalence_per_100000": -1, "population": 100, "population_year": 2024}},
     "orphan.patients.prevalence_per_100000: input should be greater than 0, got -1"),
    ({"target_disease": "X", "patients": {"sources": [{"source": "A", "patients": float("nan")}]}},
     "orphan.patients.sources[1].patients: input should be a finite number, got nan"),
    ({"target_disease": "X", "patients": {"sources": [{"source": "A", "patients": 3}]},
      "medical_need": {"analyses": ["demgo"]}},
     "orphan.medical_need.analyses[1]: no analysis with id 'demgo' (did you mean 'demog'?)"),
    ({"target_disease": "X", "patients": {"sources": [{"source": "A", "patients": 3}]}, "pateints": {}},
     "orphan.pateints: unknown key (did you mean 'patients'?)"),
    ({"target_disease": "X", "patients": {"designated_intractable_disease": "No. 1",
                                          "sources": [{"source": "A", "patients": 3}]}},
     ("orphan.patients.population: required with designated_intractable_disease (the threshold is about 0.1% of "
     "the population)")),
])
def test_bad_orphan_keys_one_line_each(make_trial, orphan, expected):
    from dossier.config.spec import parse_spec

    with pytest.raises(SpecError) as caught:
        parse_spec(orphan_spec(orphan), make_trial())
    shown = [str(p) for p in caught.value.problems]
    assert [s for s in shown if s.endswith(expected)], shown
    assert len(shown) == 1, shown


def test_an_empty_orphan_section_is_a_problem(make_trial):
    from dossier.config.spec import parse_spec

    spec = copy.deepcopy(MINIMAL_SPEC)
    spec["orphan"] = None
    with pytest.raises(SpecError) as caught:
        parse_spec(spec, make_trial())
    assert [str(p).split(": ", 1)[1] for p in caught.value.problems] == [
        "orphan: empty: give the document's keys (see the README), or remove the key"]


def test_bad_product_type(make_trial):
    from dossier.config.spec import parse_spec

    spec = orphan_spec(product_type="vaccine")
    with pytest.raises(SpecError) as caught:
        parse_spec(spec, make_trial())
    shown = [str(p) for p in caught.value.problems]
    assert any(s.endswith("product.type: must be one of 'drug', 'regenerative_medicine' or 'device', got 'vaccine'")
               for s in shown), shown


def test_reserved_analysis_id(make_trial):
    from dossier.config.spec import parse_spec

    spec = orphan_spec()
    spec["analyses"][0]["id"] = "documents"
    spec["orphan"]["medical_need"]["analyses"] = spec["orphan"]["development"]["analyses"] = ["documents"]
    with pytest.raises(SpecError) as caught:
        parse_spec(spec, make_trial())
    assert [str(p).split(": ", 1)[1] for p in caught.value.problems] == [
        ("analyses[0].id: 'documents' is reserved: live references [[documents:...]] read the numbers the documents "
        "compute; choose another id")]


def test_check_reports_a_bad_orphan_key_with_exit_1(make_trial):
    folder = make_trial(orphan_spec({"target_disease": "X", "patients": {"prevalence_per_100000": 2}}))
    result = run_cli("check", str(folder))
    assert result.returncode == 1
    assert "orphan.patients.population: required with prevalence_per_100000" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def orphan_builds(tmp_path_factory):
    """A tiny trial with an `orphan:` section (the estimate not below the threshold) built in en and ja."""
    import yaml

    from tests.conftest import PILOT

    folder = tmp_path_factory.mktemp("orphan") / "trial"
    (folder / "adam").mkdir(parents=True)
    (folder / "adam" / "adsl.xpt").write_bytes((PILOT / "adam" / "adsl.xpt").read_bytes())
    spec = orphan_spec(product_type="regenerative_medicine", synthetic=True)
    spec["orphan"]["patients"]["prevalence_per_100000"] = 50
    (folder / "dossier.yaml").write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    outs = {}
    for lang in ("en", "ja"):
        out = folder.parent / f"out-{lang}"
        result = run_cli("build", str(folder), "-o", str(out), "--lang", lang)
        assert result.returncode == 0, result.stderr
        outs[lang] = (out, result)
    return outs


def test_the_orphan_document_is_built_in_every_format(orphan_builds):
    for lang, (out, result) in orphan_builds.items():
        for name in ("orphan.html", "orphan.pdf", "orphan.docx", "briefing.pdf", "sakigake.pdf"):
            assert (out / name).stat().st_size > 0, (lang, name)
        evidence = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
        assert evidence["documents"]["orphan"]["patients"]["estimate"] == 62_000
        assert "not below the threshold of 50,000" in result.stderr + result.stdout
        html = (out / "orphan.html").read_text(encoding="utf-8")
        assert "not below the threshold of 50,000" in html  # listed among the build's warnings (appendix)
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert "orphan.pdf" in json.dumps(manifest)


def test_a_document_type_declared_here_builds_without_pipeline_changes(make_trial):
    """A "letter" document: its yaml section model, its template in the trial's templates folder, its title
    from its section; registered for the duration of the test. The pipeline finds it through the registry."""
    from dossier.build.pipeline import build
    from dossier.config.spec_types import LocalText, _Model
    from dossier.document.registry import DocumentType, registered

    class Letter(_Model):
        recipient: LocalText
        body: LocalText | None = None

    template = """<!DOCTYPE html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body data-header="{{ header }}" lang="{{ lang }}">
<h1 id="letter-to">1. {{ title }}</h1>
<p>{{ addressed }}</p>
{{ m.writer('letter.body') }}
</body></html>
"""
    letter = DocumentType(name="letter", template="letter.html.j2", section=Letter,
                          title=lambda spec, fmt: f"Letter to {spec.letter.recipient}",
                          context=lambda ctx, spec, *rest: {"addressed": f"Dear {spec.letter.recipient},"},
                          text_fields=lambda section: [("body", section.body)],
                          sections=(("letter-to", "orphan_title"),))
    spec = orphan_spec(letter={"recipient": "PMDA <Office>", "body": "Estimate: [[documents:orphan/patients/"
                                                                     "estimate|0]]."})
    folder = make_trial(spec, texts={"templates/letter.html.j2": '{%- import "_macros.html.j2" as m with context -%}'
                                                                  + template})
    with registered(letter):
        report = build(folder, folder.parent / "out")
    out = folder.parent / "out"
    for name in ("letter.html", "letter.pdf", "letter.docx", "orphan.pdf", "briefing.pdf"):
        assert name in report.outputs, name
    html = (out / "letter.html").read_text(encoding="utf-8")
    assert "Dear PMDA &lt;Office&gt;," in html  # data is text: escaped
    assert "<p>Estimate: 3100.</p>" in re.sub(r"</?span[^>]*>", "", html)
    # outside the block the type is gone: the yaml key is unknown again
    from dossier.config.spec import parse_spec

    with pytest.raises(SpecError) as caught:
        parse_spec(spec, folder)
    assert [str(p).split(": ", 1)[1] for p in caught.value.problems] == ["letter: unknown key"]


def test_the_examples_build_the_orphan_draft(built):
    """The synthetic examples (SYNTHETIC, invented prevalence) write the orphan draft with every declared section;
    cdisc-pilot01 (no `orphan:` section) does not."""
    from dossier.document.registry import get

    declared = [anchor for anchor, _ in get("orphan").sections]
    for name in ("hf-aav-synthetic", "pd-aav-synthetic"):
        out = built[name]
        for suffix in ("html", "pdf", "docx"):
            assert (out / f"orphan.{suffix}").stat().st_size > 0, (name, suffix)
        html = (out / "orphan.html").read_text(encoding="utf-8")
        found = [a for a, _ in headings(html) if a != "abbreviations"]  # the list of abbreviations: front matter
        assert found[:len(declared)] == declared, name
        assert "Text not provided" not in html, name
        assert "INVENTED" in html and 'data-synthetic="true"' in html, name
        patients = json.loads((out / "evidence.json").read_text(encoding="utf-8"))["documents"]["orphan"]["patients"]
        assert patients["below_threshold"] is True, name
    # by hand: 25 per 100,000 x 123,802,000 = 30,950.5; 6,200 + 15,800 = 22,000
    hf = json.loads((built["hf-aav-synthetic"] / "evidence.json").read_text(encoding="utf-8"))
    assert hf["documents"]["orphan"]["patients"]["estimate"] == 30_950.5
    pd_ = json.loads((built["pd-aav-synthetic"] / "evidence.json").read_text(encoding="utf-8"))
    assert pd_["documents"]["orphan"]["patients"]["estimate"] == 22_000
    assert not list(built["cdisc-pilot01"].glob("orphan.*"))
    assert "documents" not in json.loads((built["cdisc-pilot01"] / "evidence.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("example", ["hf-aav-synthetic", "pd-aav-synthetic"])
def test_the_examples_orphan_draft_in_japanese(example):
    from tests.conftest import DATASETS

    html, ctx, _ = render(DATASETS / example, "ja")
    assert ctx["title"] == "希少疾病用再生医療等製品指定申請書（案）"
    assert "当該再生医療等製品を使用する理論的根拠" in html
    assert "架空" in html  # the invented figures are marked in Japanese too
    assert ctx["missing_texts"] == [] or all(not k.startswith("orphan.") for k in ctx["missing_texts"])
    assert "基準である50,000人を下回る。" in html


def test_diff_reports_a_changed_patient_estimate(tmp_path):
    from dossier.word.diff import compare

    for name, estimate in (("old", 3100.0), ("new", 3224.0)):
        (tmp_path / name).mkdir()
        evidence = {"analyses": {}, "documents": {"orphan": {"patients": {"estimate": estimate, "threshold": 50000}}}}
        (tmp_path / name / "evidence.json").write_text(json.dumps(evidence), encoding="utf-8")
    diff = compare(tmp_path / "old", tmp_path / "new")
    assert [(c.analysis, c.statistic, c.old, c.new) for c in diff.changes] == [
        ("documents", "orphan/patients/estimate", 3100.0, 3224.0)]
    (tmp_path / "new" / "evidence.json").write_text(json.dumps({"analyses": {}, "documents": {"orphan": 3}}))
    from dossier.errors import OutputError

    with pytest.raises(OutputError):
        compare(tmp_path / "old", tmp_path / "new")
