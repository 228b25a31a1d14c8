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
