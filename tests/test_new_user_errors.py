"""Mistakes a new user made (issue 18): each reported once, at its yaml key and line, with did-you-mean."""

from __future__ import annotations

from tests.conftest import run_cli

SPEC = """\
study: {id: T-1, title: Test study}
product: {name: TP-1}
indication: Test indication
population: ITT
reference_arm: placebo
analyses:
  - {id: demog, type: baseline, variables: [AGE, SEX]}
  - id: adas
    type: change_from_baseline
    dataset: adadas
    param: ACTOTAL
    population: EFFFL
"""


def _errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_a_misspelt_population_points_at_its_yaml_key_and_line_and_suggests_flags(make_trial):
    folder = make_trial(SPEC.replace("reference_arm: placebo\n", "").replace("ACTOTAL", "ACTOT"),
                        datasets=("adsl", "adadas"))
    result = run_cli("check", str(folder))
    assert result.returncode == 1
    (line,) = [e for e in _errors(result) if "population flag" in e]
    assert f"{folder / 'dossier.yaml'}: population (line 4): population flag 'ITT' is not a variable of ADSL" in line
    assert "did you mean 'ITTFL'?" in line
    assert "Traceback" not in result.stderr


def test_a_reference_arm_not_in_the_data_is_an_error_with_did_you_mean(make_trial):
    folder = make_trial(SPEC.replace("population: ITT\n", "").replace("ACTOTAL", "ACTOT"), datasets=("adsl", "adadas"))
    result = run_cli("check", str(folder))
    assert result.returncode == 1
    (line,) = [e for e in _errors(result) if "reference_arm" in e]
    assert f"{folder / 'dossier.yaml'}: reference_arm (line 4): 'placebo' is not an arm of TRT01A" in line
    assert "did you mean 'Placebo'?" in line


def test_a_parameter_not_found_lists_the_closest_codes_first(make_trial):
    folder = make_trial(SPEC.replace("population: ITT\n", "").replace("reference_arm: placebo\n", ""),
                        datasets=("adsl", "adadas"))
    result = run_cli("check", str(folder))
    assert result.returncode == 1
    (line,) = [e for e in _errors(result) if "PARAMCD" in e]
    assert "no records with PARAMCD = 'ACTOTAL'" in line
    assert "did you mean 'ACTOT'" in line
    assert "(values: 'ACTOT'," in line


MANY = """\
study: {id: T-1, title: Test study}
product: {name: TP-1}
indication: Test indication
population: ITT
reference_arm: placebo
analyses:
  - {id: demog, type: baseline, variables: [AGE, SEX]}
  - id: adas
    type: change_from_baseline
    dataset: adadas
    param: ACTOTAL
    population: EFFFL
  - id: dm2
    type: baseline
    variables: [AGE]
    where: {NOSUCHVAR: Y}
briefing:
  disease: text/disease.md
  unmet_need: text/missing.md
  questions:
    - question: Is it enough?
      evidence: [adass]
"""


def test_one_check_lists_every_mistake_with_positions_counted_from_one(make_trial):
    folder = make_trial(MANY, datasets=("adsl", "adadas"),
                        texts={"text/disease.md": "Age [[demog:variables/AGE/groups/Placebo/mean|x]] and "
                                                  "[[demog:variables/AGE/groups/Nobody/mean|1]].\n"})
    result = run_cli("check", str(folder))
    assert result.returncode == 1
    text = "\n".join(_errors(result))
    yaml_file = folder / "dossier.yaml"
    for expected in (
        f"{yaml_file}: briefing.unmet_need: text file 'text/missing.md' does not exist",  # yaml
        f"{yaml_file}: briefing.questions[1].evidence[1]: no analysis with id 'adass' (did you mean 'adas'?)",
        "text/disease.md: line 1: [[demog:variables/AGE/groups/Placebo/mean|x]]: unknown format 'x'",  # live refs
        f"{yaml_file}: population (line 4): population flag 'ITT' is not a variable of ADSL",  # data
        "did you mean 'ITTFL'?",
        f"{yaml_file}: reference_arm (line 5): 'placebo' is not an arm of TRT01A in population EFFFL",
        "no records with PARAMCD = 'ACTOTAL' (analysis 'adas'); did you mean 'ACTOT'",
        "adsl.xpt: NOSUCHVAR: variable is missing (needed by analysis 'dm2')",
    ):
        assert expected in text, (expected, text)
    assert "Traceback" not in result.stderr


def test_live_references_are_checked_against_the_results_when_the_data_is_valid(make_trial):
    spec = MANY.replace("population: ITT\n", "").replace("reference_arm: placebo\n", "reference_arm: Placebo\n")
    spec = spec.replace("ACTOTAL", "ACTOT").replace("    where: {NOSUCHVAR: Y}\n", "")
    spec = spec.replace("    population: EFFFL\n", "    population: EFFFL\n    where: {ITTFL: Y, ANL01FL: Y}\n")
    folder = make_trial(spec, datasets=("adsl", "adadas"),
                        texts={"text/disease.md": "Age [[demog:variables/AGE/groups/Nobody/mean|1]].\n",
                               "text/missing.md": "Fine.\n"})
    result = run_cli("check", str(folder))
    assert result.returncode == 1
    text = "\n".join(_errors(result))
    assert "text/disease.md: line 1: unknown reference [[demog:variables/AGE/groups/Nobody/mean|1]]" in text
    assert "briefing.questions[1].evidence[1]: no analysis with id 'adass'" in text
