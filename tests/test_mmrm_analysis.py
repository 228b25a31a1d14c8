"""The `mmrm` analysis type and the `estimand:` mixin: yaml keys, evidence shape, bad input as one line, and a
tiny trial (the pilot's ADAS-Cog) built through the CLI in English and Japanese whose table, figure and
evidence carry the engine's numbers (dossier.stats.mmrm, itself checked against SAS and R in test_mmrm.py)."""

from __future__ import annotations

import csv
import json
import shutil
import typing
from pathlib import Path

import pandas as pd
import pytest

from dossier.analyses import declared, evidence, registry, required_of
from dossier.analyses import mmrm as mmrm_type
from dossier.config.spec import parse_spec
from dossier.data.datasets import load
from dossier.document.formatting import fixed
from dossier.errors import AnalysisError, SpecError
from dossier.stats import covariance
from dossier.stats import mmrm as engine
from tests.conftest import PILOT, glossary_entries, run_cli, terms_in

REFERENCE = Path(__file__).resolve().parent / "reference"
PLACEBO, LOW, HIGH = "Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"
WEEKS = ["Week 8", "Week 16", "Week 24"]
ESTIMAND = {"population": {"en": "Efficacy population", "ja": "有効性解析対象集団"},
            "variable": "ADAS-Cog (11) change from baseline at Week 24",
            "treatment": {"en": "Xanomeline vs placebo", "ja": "キサノメリン対プラセボ"},
            "intercurrent_events": [{"event": "Discontinuation of treatment", "strategy": "hypothetical"},
                                    {"event": "Rescue medication", "strategy": "treatment_policy"}],
            "summary": "Difference in LS means"}


def analysis_yaml(**keys) -> dict:
    return {"id": "adas-mmrm", "type": "mmrm", "dataset": "adadas", "param": "ACTOT", "population": "EFFFL",
            "arm": "TRT01P", "where": {"ITTFL": "Y", "ANL01FL": "Y"}, "visits": WEEKS,
            "covariates": ["SITEGR1", "BASE"], **keys}


def trial_yaml(*analyses: dict) -> dict:
    return {"study": {"id": "CDISCPILOT01", "title": "Pilot"}, "product": {"name": "Xanomeline"},
            "indication": "AD", "reference_arm": PLACEBO, "analyses": list(analyses)}


def parsed(**keys):
    spec = parse_spec(trial_yaml(analysis_yaml(**keys)), PILOT)
    return spec, spec.analyses[0]


def run(**keys):
    spec, analysis = parsed(**keys)
    data = load(PILOT, required_of(declared(analysis, spec)))
    return registry.get("mmrm").run(analysis, spec, data)


def spec_messages(**keys) -> str:
    with pytest.raises(SpecError) as err:
        parsed(**keys)
    return "\n".join(str(p) for p in err.value.problems)


# ------------------------------------------------------------------------------------------ yaml keys


def test_structures_are_the_engines():
    assert typing.get_args(mmrm_type.Structure) == covariance.STRUCTURES


def test_defaults():
    _, a = parsed()
    assert (a.response, a.covariance, a.fallback, a.df, a.covariates_by_visit, a.estimand) == \
        ("CHG", "unstructured", (), "satterthwaite", (), None)
    assert mmrm_type.covariates_of(a.model_copy(update={"covariates": None})) == ("BASE",)


@pytest.mark.parametrize(("keys", "words"), [
    ({"covariance": "unstructred"}, ["covariance", "did you mean 'unstructured'"]),
    ({"fallback": ["toeplitz", "ar_1"]}, ["fallback", "did you mean 'ar1'"]),
    ({"df": "kenward-roger"}, ["df", "did you mean 'kenward_roger'"]),
    ({"response": "BASE"}, ["response", "'CHG'", "'AVAL'"]),
    ({"confidence_level": 1.5}, ["confidence_level"]),
    ({"covariates_by_visit": ["AGE"]}, ["covariates_by_visit", "'AGE' is not among the covariates"]),
    ({"estimand": {**ESTIMAND, "intercurrent_events": [{"event": "death", "strategy": "hypothetcal"}]}},
     ["estimand.intercurrent_events[1].strategy", "did you mean 'hypothetical'"]),
    ({"estimand": {k: v for k, v in ESTIMAND.items() if k != "summary"}}, ["estimand.summary", "required"]),
    ({"estimand": {**ESTIMAND, "variabel": "x"}}, ["estimand.variabel", "did you mean 'variable'"]),
])
def test_bad_keys_are_reported_with_their_path(keys, words):
    text = spec_messages(**keys)
    for word in words:
        assert word in text, text


def test_estimand_is_accepted_by_every_efficacy_type_only():
    for name in ("change_from_baseline", "time_to_event", "mmrm"):
        assert "estimand" in registry.get(name).options.model_fields
    for name in ("baseline", "adverse_events", "disposition"):
        assert "estimand" not in registry.get(name).options.model_fields


# ------------------------------------------------------------------------------------------ numbers


@pytest.fixture(scope="module")
def pilot():
    return run(estimand=ESTIMAND, covariates_by_visit=["BASE"])


@pytest.fixture(scope="module")
def engine_fit():
    """The engine fitted directly on the same records, built here independently of dossier.analyses."""
    adsl = pd.read_parquet(PILOT / "adam" / "adsl.parquet") if (PILOT / "adam" / "adsl.parquet").exists() \
        else pd.read_sas(PILOT / "adam" / "adsl.xpt", encoding="latin-1")
    adas = pd.read_parquet(PILOT / "adam" / "adadas.parquet")
    subjects = adsl.loc[adsl["EFFFL"] == "Y", ["USUBJID", "TRT01P", "SITEGR1"]]
    records = adas[(adas["PARAMCD"] == "ACTOT") & (adas["ITTFL"] == "Y") & (adas["ANL01FL"] == "Y")
                   & adas["AVISIT"].isin(WEEKS) & (adas["DTYPE"].fillna("") == "")]
    frame = records[["USUBJID", "AVISIT", "CHG", "BASE"]].merge(subjects, on="USUBJID")
    frame["TRT01P"] = pd.Categorical(frame["TRT01P"], categories=[PLACEBO, LOW, HIGH])
    spec = engine.MmrmSpec(response="CHG", subject="USUBJID", arm="TRT01P", reference=PLACEBO, visit="AVISIT",
                           visits=tuple(WEEKS), covariates=("SITEGR1", "BASE"), covariates_by_visit=("BASE",))
    return engine.fit(frame, spec)


def test_evidence_has_the_declared_shape(pilot):
    assert evidence.problems(json.loads(json.dumps(pilot.evidence)), mmrm_type.Evidence) == []
    assert list(pilot.evidence["visits"]) == WEEKS
    assert pilot.evidence["model"]["covariance"] == "unstructured" and pilot.evidence["model"]["converged"]


def test_evidence_is_the_engines_fit(pilot, engine_fit):
    ev = pilot.evidence
    assert ev["model"]["n_subjects"] == engine_fit.n_subjects and ev["model"]["n_records"] == engine_fit.n_records
    assert ev["model"]["reml_neg2loglik"] == pytest.approx(engine_fit.reml_neg2loglik, rel=1e-9)
    for m in engine_fit.lsmeans:
        g = ev["visits"][m.visit]["groups"][m.arm]
        assert g["n"] == m.n
        assert g["lsmean"] == pytest.approx(m.estimate, rel=1e-7) and g["se"] == pytest.approx(m.se, rel=1e-7)
    for d in engine_fit.differences:
        c = next(c for c in ev["visits"][d.visit]["comparisons"] if c["group"] == d.arm)
        assert (c["difference"], c["se"], c["df"], c["p"]) == pytest.approx((d.estimate, d.se, d.df, d.p), rel=1e-7)
        assert c["reference"] == PLACEBO


def test_pilot_mmrm_equals_r_nlme_gls_and_emmeans(pilot):
    """tests/reference/pilot_adas_reference.R (nlme::gls corSymm + varIdent, emmeans) on the same records, selected
    by tests/reference/pilot_adas_data.py with plain pandas: estimates to 1e-4, SEs to 1e-4 relative."""
    lines = (REFERENCE / "pilot_adas_reference_r.csv").read_text(encoding="utf-8").splitlines()
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    ev = pilot.evidence
    assert len(rows) == 16
    for row in rows:
        if row["kind"] == "neg2reml":
            assert ev["model"]["reml_neg2loglik"] == pytest.approx(float(row["estimate"]), abs=1e-3)
            continue
        at = ev["visits"][row["visit"]]
        if row["kind"] == "lsmean":
            got = at["groups"][row["arm"]]
            estimate, se = got["lsmean"], got["se"]
        else:
            got = next(c for c in at["comparisons"] if c["group"] == row["arm"])
            estimate, se = got["difference"], got["se"]
        assert estimate == pytest.approx(float(row["estimate"]), abs=1e-4), row
        assert se == pytest.approx(float(row["se"]), rel=1e-4), row


def test_lsmean_difference_is_difference_of_lsmeans(pilot):
    for at in pilot.evidence["visits"].values():
        for c in at["comparisons"]:
            assert c["difference"] == pytest.approx(at["groups"][c["group"]]["lsmean"]
                                                    - at["groups"][PLACEBO]["lsmean"], abs=1e-9)


def test_locf_records_are_left_out_with_a_warning(pilot):
    assert any("derived record(s)" in w for w in pilot.warnings)
    assert all(g["n"] <= 84 for at in pilot.evidence["visits"].values() for g in at["groups"].values())
    counts = [pilot.evidence["visits"][v]["groups"][PLACEBO]["n"] for v in WEEKS]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]  # dropout, not LOCF


def test_tables_figure_and_terms(pilot):
    estimand, main = pilot.tables
    assert estimand.key == "adas-mmrm-estimand" and main.key == "adas-mmrm"
    figure, = pilot.figures
    assert figure.kind == "profile" and [a for a, _ in figure.at_risk] == [PLACEBO, LOW, HIGH]
    assert figure.at_risk[0][1] == tuple(pilot.evidence["visits"][v]["groups"][PLACEBO]["n"] for v in WEEKS)
    glossary = glossary_entries()
    for term in terms_in(pilot):
        assert glossary.get(term.key, {}).get("en") and glossary[term.key].get("ja"), term.key


# ------------------------------------------------------------------------------------------ bad input


def test_bad_data_is_one_analysis_error(monkeypatch):
    with pytest.raises(AnalysisError) as err:
        run(where={"ITTFL": "Y"})  # LOCF and observed records at one visit
    assert "more than one" in str(err.value) and "'adas-mmrm'" in str(err.value)
    with pytest.raises(AnalysisError) as err:
        run(covariates=["BASE", "ITTFL"])  # every analysed subject has ITTFL = Y
    assert "covariate ITTFL is constant" in str(err.value) and "\n" not in str(err.value)

    def never(*args, **kwargs):
        raise engine.reml.ConvergenceFailure

    monkeypatch.setattr(engine.reml, "fit", never)
    with pytest.raises(AnalysisError) as err:
        run(fallback=["toeplitz", "ar1"])
    text = str(err.value)
    assert "'adas-mmrm'" in text and "unstructured, toeplitz, ar1" in text and "\n" not in text


def test_visit_without_subjects_in_an_arm_is_one_line(tmp_path):
    (tmp_path / "adam").mkdir()
    shutil.copy(PILOT / "adam" / "adsl.xpt", tmp_path / "adam" / "adsl.xpt")
    adas = pd.read_parquet(PILOT / "adam" / "adadas.parquet")
    adsl = pd.read_sas(PILOT / "adam" / "adsl.xpt", encoding="latin-1")
    high = set(adsl.loc[adsl["TRT01P"] == HIGH, "USUBJID"])
    adas[~(adas["USUBJID"].isin(high) & (adas["AVISIT"] == "Week 24"))].to_parquet(tmp_path / "adam" /
                                                                                   "adadas.parquet")
    spec = parse_spec(trial_yaml(analysis_yaml()), tmp_path)
    analysis = spec.analyses[0]
    data = load(tmp_path, required_of(declared(analysis, spec)))
    with pytest.raises(AnalysisError) as err:
        registry.get("mmrm").run(analysis, spec, data)
    text = str(err.value)
    assert "'adas-mmrm'" in text and f"no subject in arm {HIGH} has a record at visit Week 24" in text


def test_fallback_is_stated_in_footnote_and_evidence(monkeypatch):
    real = engine.reml.fit

    def fails_unstructured(y, X, subject, visit, t, structure, *rest):
        if structure == "unstructured":
            raise engine.reml.ConvergenceFailure
        return real(y, X, subject, visit, t, structure, *rest)

    monkeypatch.setattr(engine.reml, "fit", fails_unstructured)
    result = run(fallback=["toeplitz_heterogeneous"])
    assert result.evidence["model"]["covariance"] == "toeplitz_heterogeneous"
    assert result.evidence["tried"] == ["unstructured", "toeplitz_heterogeneous"]
    assert "mmrm_footnote_fallback" in {f.key for f in result.tables[0].footnotes}
    assert any("did not converge" in w for w in result.warnings)


# ------------------------------------------------------------------------------------------ built documents


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mmrm") / "trial"
    (folder / "adam").mkdir(parents=True)
    for name in ("adsl", "adadas"):
        for src in (PILOT / "adam").glob(f"{name}.*"):
            shutil.copy(src, folder / "adam" / src.name)
    spec = trial_yaml(analysis_yaml(estimand=ESTIMAND, covariates_by_visit=["BASE"],
                                    title={"en": "ADAS-Cog MMRM", "ja": "ADAS-Cog MMRM解析"}))
    spec["briefing"] = {"questions": [{"question": "Is the MMRM acceptable as the primary analysis?",
                                       "evidence": ["adas-mmrm"]}]}
    import yaml

    (folder / "dossier.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    outs = {}
    for lang in ("en", "ja"):
        out = folder.parent / f"out-{lang}"
        result = run_cli("build", str(folder), "-o", str(out), "--lang", lang)
        assert result.returncode == 0, result.stderr
        outs[lang] = out
    return outs


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_built_table_shows_the_evidence_numbers(built, lang, engine_fit):
    out = built[lang]
    ev = json.loads((out / "evidence.json").read_text(encoding="utf-8"))["analyses"]["adas-mmrm"]
    rows = list(csv.reader((out / "tables" / "adas-mmrm.csv").open(encoding="utf-8")))
    d = next(x for x in engine_fit.differences if x.visit == "Week 24" and x.arm == HIGH)
    m = next(x for x in engine_fit.lsmeans if x.visit == "Week 24" and x.arm == HIGH)
    week24 = rows[[r[0] for r in rows].index("Week 24" if lang == "en" else "第24週"):]  # the visit's label
    n, lsmean, _, difference, difference_ci, p = (r[1:] for r in week24[1:7])  # the rows of a visit, in order
    assert n[2] == str(m.n)
    assert lsmean[2] == f"{fixed(m.estimate, 1)} ({fixed(m.se, 2)})"  # ADAS-Cog recorded as integers
    assert difference[2] == f"{fixed(d.estimate, 1)} ({fixed(d.se, 2)})"
    assert difference_ci[2] == f"{fixed(d.ci_lower, 1)}, {fixed(d.ci_upper, 1)}"
    assert p[2] == fixed(d.p, 3)
    assert ev["visits"]["Week 24"]["comparisons"][1]["difference"] == pytest.approx(d.estimate, rel=1e-9)
    assert ev["model"]["reml_neg2loglik"] == pytest.approx(engine_fit.reml_neg2loglik, rel=1e-9)
    for name in ("adas-mmrm.png", "adas-mmrm.svg"):
        assert (out / "figures" / name).stat().st_size > 1000
    estimand = (out / "tables" / "adas-mmrm-estimand.csv").read_text(encoding="utf-8")
    assert ("Hypothetical strategy" if lang == "en" else "仮想ストラテジー") in estimand
    assert ("Efficacy population" if lang == "en" else "有効性解析対象集団") in estimand
    footnotes = "\n".join(r[0] for r in rows)
    assert ("Satterthwaite" in footnotes) and ("unstructured" if lang == "en" else "無構造") in footnotes
    html = (out / "briefing.html").read_text(encoding="utf-8")
    # the question citing the analysis refers to its estimand table, its LS-means table and its figure
    question = html[html.index('href="#table-2"') - 200:]
    assert 'href="#table-3"' in question[:400] and 'href="#figure-1"' in question[:500]
    assert 'id="table-2"' in html and 'id="figure-1"' in html


@pytest.mark.e2e
def test_figures_are_byte_reproducible(built, tmp_path):
    again = tmp_path / "again"
    result = run_cli("build", str(built["en"].parent / "trial"), "-o", str(again), "--lang", "en", "--no-cache")
    assert result.returncode == 0, result.stderr
    for name in ("adas-mmrm.png", "adas-mmrm.svg"):
        assert (again / "figures" / name).read_bytes() == (built["en"] / "figures" / name).read_bytes()


def test_build_with_duplicate_records_is_one_line_naming_the_rows(tmp_path):
    folder = tmp_path / "trial"
    (folder / "adam").mkdir(parents=True)
    for name in ("adsl", "adadas"):
        for src in (PILOT / "adam").glob(f"{name}.*"):
            shutil.copy(src, folder / "adam" / src.name)
    import yaml

    spec = trial_yaml(analysis_yaml(where={"ITTFL": "Y"}))  # observed and LOCF records at one visit
    (folder / "dossier.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", str(folder), "-o", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "more than one record" in line]
    assert len(lines) == 1 and "adadas" in lines[0] and "rows" in lines[0] and "ANL01FL" in lines[0], result.stderr
    assert not out.exists()


def test_estimand_table_comes_first_for_every_efficacy_type():
    for analysis, datasets in (
            ({"id": "adas", "type": "change_from_baseline", "dataset": "adadas", "param": "ACTOT",
              "population": "EFFFL", "arm": "TRT01P", "where": {"ITTFL": "Y", "ANL01FL": "Y"},
              "visits": ["Week 24"], "estimand": ESTIMAND}, ("adsl", "adadas")),
            ({"id": "derm", "type": "time_to_event", "dataset": "adtte", "param": "TTDE", "estimand": ESTIMAND},
             ("adsl", "adtte"))):
        spec = parse_spec(trial_yaml(analysis), PILOT).localised("ja")
        a = spec.analyses[0]
        result = registry.get(a.type).run(a, spec, load(PILOT, required_of(declared(a, spec))))
        table = result.tables[0]
        assert table.key == f"{a.id}-estimand" and len(result.tables) >= 2
        cells = [c for row in table.rows for c in row.cells]
        assert any(getattr(c, "value", None) == "有効性解析対象集団" for c in cells)  # the Japanese text
        assert [c.key for c in cells if getattr(c, "key", "").startswith("strategy_")] == \
            ["strategy_hypothetical", "strategy_treatment_policy"]


def test_missing_covariate_records_are_dropped_and_counted_in_the_footnote():
    result = run(covariates=["BASE", "BMIBL"])  # one subject of the efficacy population has no baseline BMI
    adsl = pd.read_sas(PILOT / "adam" / "adsl.xpt", encoding="latin-1")
    missing = set(adsl.loc[(adsl["EFFFL"] == "Y") & adsl["BMIBL"].isna(), "USUBJID"])
    adas = pd.read_parquet(PILOT / "adam" / "adadas.parquet")
    expected = int((adas["USUBJID"].isin(missing) & (adas["PARAMCD"] == "ACTOT") & (adas["ITTFL"] == "Y")
                    & (adas["ANL01FL"] == "Y") & adas["AVISIT"].isin(WEEKS) & (adas["DTYPE"].fillna("") == "")
                    & adas["CHG"].notna()).sum())
    assert len(missing) == 1 and expected > 0
    assert result.evidence["dropped_missing_covariates"] == expected
    footnote = next(f for f in result.tables[0].footnotes if f.key == "mmrm_footnote_records")
    assert dict(footnote.params)["dropped"] == expected
    assert any(f"{expected} record(s) with a missing covariate" in w for w in result.warnings)
