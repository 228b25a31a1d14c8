"""`dossier new`: a commented starter trial folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dossier.errors import OutputError

STARTER_YAML = """\
# dossier.yaml: one trial folder -> PMDA consultation briefing + SAKIGAKE designation draft (+ orphan draft).
# Keys marked (required) must be present; everything else is optional. See the README for every key.
# A text shown in the documents may be given once per language: {en: ..., ja: ...} (as `indication` below).
study:                               # (required)
  id: MY-STUDY-101                   # (required)
  title: A Phase 1/2 study of MY-101 in my disease   # (required)
  phase: "1/2"
  design: Randomised, double-blind, placebo-controlled, parallel-group
  sponsor: My Company K.K.
  duration: 52 weeks
  primary_endpoint: Change from baseline in my endpoint at Week 52
product:                             # (required)
  name: MY-101                       # (required)
  code: MY-101
  generic_name: null
  modality: Gene therapy (AAV vector)
  mechanism: Describe the mechanism of action in one sentence.
  dose: Single intravenous infusion, 1e13 vg/kg
  type: drug                         # drug, regenerative_medicine or device (the documents' words for it)
indication: {en: My disease, ja: 対象疾患名}   # (required)
language: en                         # en or ja
population: SAFFL                    # default analysis population (an ADSL flag = "Y")
arm: TRT01A                          # default treatment variable in ADSL
reference_arm: Placebo               # comparator for differences and hazard ratios
confidence_level: 0.95
synthetic: false                     # true marks every page SYNTHETIC DATA
date: null                           # document date (YYYY-MM-DD); else SOURCE_DATE_EPOCH
analyses:                            # (required) a list; ids use a-z, 0-9, - and _
  - id: demog
    type: baseline
    population: ITTFL
    variables: [AGE, SEX, RACE]
  - id: disp
    type: disposition
  # - id: main-endpoint
  #   type: change_from_baseline
  #   dataset: adeff                 # the file adam/adeff.xpt|.parquet|.csv|.json
  #   param: MYPARAM                 # a PARAMCD value
  #   visits: [Week 26, Week 52]     # AVISIT values (default: every post-baseline visit)
  #   covariates: [BASE]
  #   mcid: 5                        # responder threshold
  #   improvement: increase          # or decrease (lower is better)
  #   where: {ANL01FL: Y}
  # - id: primary-mmrm
  #   type: mmrm                     # mixed model for repeated measures, LS means by visit
  #   dataset: adeff
  #   param: MYPARAM
  #   where: {ANL01FL: Y}            # one record per subject and visit; DTYPE (LOCF ...) records are left out
  #   covariates: [BASE]
  #   covariates_by_visit: [BASE]
  #   covariance: unstructured       # fallback: [toeplitz_heterogeneous, ar1_heterogeneous]
  #   df: satterthwaite              # or kenward_roger
  #   estimand:                      # optional, for change_from_baseline, time_to_event and mmrm
  #     population: Patients with ...
  #     variable: Change from baseline in ... at Week 52
  #     treatment: Product vs placebo
  #     intercurrent_events:         # strategies: treatment_policy, hypothetical, composite,
  #       - {event: Early withdrawal, strategy: hypothetical}  # while_on_treatment, principal_stratum
  #     summary: Difference in LS means
  # - id: tte
  #   type: time_to_event
  #   dataset: adtte
  #   param: TTEVENT
  #   landmarks: [180, 365]
  - id: teae
    type: adverse_events
    # severity: AESEV                  # optional tables (README): worst severity or toxicity grade (AETOXGR),
    # relationship: true               # related, serious, fatal and discontinuation events by SOC and PT,
    # serious: true                    # special-interest PTs, frequent PTs and exposure-adjusted rates
    # frequent: 5
    # exposure_adjusted: true
  # - id: exposure
  #   type: exposure
  #   variable: TRTDURD                # or dataset: adex + param: ..., or start: TRTSDT + end: TRTEDT
  #   categories: [28, 84, 168]
briefing:
  # a PMDA consultation category for the product's type: its id, official Japanese name or English name
  # (README "Consultation categories"), e.g. end_of_phase2 (drugs: 医薬品第Ⅱ相試験終了後相談), pre_application
  consultation_category: end_of_phase2
  version: "0.1"
  questions:
    - question: Does PMDA agree that ...?
      position: text/q1-position.md
      rationale: text/q1-rationale.md
      evidence: [demog]              # analysis ids whose tables/figures support the position
  product_overview: null             # a Markdown file under text/ or inline text
  disease: text/disease.md
  current_treatment: null
  unmet_need: null
  development_history: null
  regulatory_status: []              # - {region: US, designation: Fast Track, date: 2026-01-15, status: Granted}
  quality_nonclinical: null
  clinical_summary: null
  development_plan: null
  timeline: []                       # - {milestone: Phase 3 start, date: 2027 Q2, region: Japan}
  attachments: []                    # - Protocol synopsis of the pivotal study
sakigake:
  development_stage: Phase 1/2 completed
  innovativeness: {text: null, summary: null}
  seriousness: {text: null, summary: null, analyses: [demog]}
  efficacy: {text: null, summary: null, analyses: []}
  japan_first: {text: null, summary: null, japan_filing: null, other_filings: []}
  schedule: []
  attachments: []
# orphan:                            # the orphan designation application draft (built only with this key)
#   target_disease: My disease       # (required)
#   disease: null                    # writer's text: the disease and the proposed indication
#   patients:                        # (required) criterion 1: the estimate of patients in Japan
#     prevalence_per_100000: 2.5     # x population / 100,000; or `sources` with `patients` each (their sum)
#     prevalence_source: null
#     population: 123802000          # population of Japan and its year (check the current estimate)
#     population_year: 2024
#     population_source: Statistics Bureau of Japan, Population Estimates
#     text: null                     # method and sources; quote the estimate as [[documents:orphan/patients/estimate|0]]
#     summary: null
#   medical_need: {text: null, summary: null, analyses: [demog]}
#   development: {text: null, plan: null, summary: null, analyses: []}
#   schedule: []
#   references: []
#   attachments: []
# Front and back matter of every document (README "Front and back matter")
applicant:                           # printed on the covers; else study.sponsor
  name: {en: My Company K.K., ja: 株式会社マイカンパニー}
  address: null
  contact: null                      # the contact person
  phone: null
  email: null
studies:                             # the table of the programme's clinical studies
  - {id: MY-STUDY-101, phase: "1/2", design: "Randomised, double-blind, placebo-controlled",
     population: Adults with my disease, region: Japan, n: 120, status: Ongoing}
references: []                       # - {key: smith2020, citation: "Smith J. Title. Journal. 2020;1:1-10.", doi: 10.1000/xyz}
                                     # cite in any text as [@smith2020] or [@smith2020; @jones2021]
abbreviations: {}                    # additions and overrides of the packaged list, e.g. {MY-101: {en: ..., ja: ...}}
"""

TEXTS = {
    "text/disease.md": "Describe the target disease, its prevalence in Japan and its prognosis.\n",
    "text/q1-position.md": "State the sponsor's position on question 1.\n",
    "text/q1-rationale.md": (
        "Give the rationale. Cite results with live references, e.g. "
        "`[[demog:N/Total]]` subjects, so numbers follow the data.\n"),
    "adam/README.md": "Put the ADaM datasets here: adsl.xpt (or .parquet, .csv, Dataset-JSON .json), adae, ...\n",
}


def write_starter(trial_dir: Path) -> list[Path]:
    """Write the starter files; refuses to write into a non-empty folder."""
    if trial_dir.is_symlink() and not trial_dir.exists():
        raise OutputError(f"is a link to nothing ({os.readlink(trial_dir)}); remove it or choose a new folder",
                          where=str(trial_dir))
    try:
        if trial_dir.exists() and (not trial_dir.is_dir() or any(trial_dir.iterdir())):
            raise OutputError("already exists and is not empty; choose a new folder", where=str(trial_dir))
        created = not trial_dir.exists()
        written = []
        files = {"dossier.yaml": STARTER_YAML, **TEXTS}
        try:
            for rel, content in files.items():
                path = trial_dir / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content, encoding="utf-8")
                written.append(path)
        except BaseException:  # nothing half-written: a folder this call made goes, a given empty one is emptied
            if created:
                shutil.rmtree(trial_dir, ignore_errors=True)
            else:
                for child in trial_dir.iterdir():
                    if child.is_dir() and not child.is_symlink():
                        shutil.rmtree(child, ignore_errors=True)
                    else:
                        child.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write the starter folder: {exc.strerror or exc}",
                          where=str(exc.filename or trial_dir)) from None
    return written
