"""Synthetic example trial DSR-PD-201: putaminal AAV gene transfer in Parkinson's disease (SYNTHETIC DATA).

A sham-surgery-controlled Phase 1/2 study of two doses with 18 months of follow-up. Lower scores are
better. The effects below are the simulation model's true values, not hand-set results.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import synthetic_common as sc
from synthetic_common import AEType, Param, Visit

FOLDER = "pd-aav-synthetic"
SEED = 20231102
DESIGN = sc.Design(
    study="DSR-PD-201",
    arms=(("Sham surgery", 28), ("Low dose (7.5e11 vg)", 28), ("High dose (3e12 vg)", 28)),
    sites=(("101", "JPN"), ("102", "JPN"), ("103", "JPN"), ("201", "USA"), ("202", "USA"), ("203", "USA")),
    enrol=("2022-10-03", "2023-12-22"), cutoff="2025-08-31", untreated=2,
    age=(62, 7.5, 40, 78), age_groups=((0, "<60"), (60, "60-69"), (70, ">=70")), male=0.64)
VISITS = (Visit("Baseline", 0, 0, 0), Visit("Month 3", 3, 91, 14), Visit("Month 6", 6, 182, 14),
          Visit("Month 12", 12, 364, 21), Visit("Month 18", 18, 546, 21))
DURATION = 547
# true effects by arm (sham, low, high) once the transgene is expressed; every arm also has the
# sham-surgery effect, decaying with time constant 6 months, and disease progression per year
UPDRS_EFFECT, UPDRS_SHAM, UPDRS_PROGRESSION = (0.0, -3.5, -7.0), -3.0, 1.5
OFFTIME_EFFECT, OFFTIME_SHAM, OFFTIME_PROGRESSION = (0.0, -0.9, -1.8), -0.8, 0.15
LEDD_YEAR, LEDD_HR = 0.40, (1.0, 0.75, 0.50)  # one-year risk of a levodopa increase with sham surgery
DEATH_YEAR, DROP_YEAR, DROP_RR = 0.01, 0.04, (1.2, 1.0, 1.0)
DROP_REASONS = {"Withdrawal by Subject": 0.5, "Lost to Follow-up": 0.3, "Physician Decision": 0.1,
                "Adverse Event": 0.1}
HY_STAGES = ("Stage 2", "Stage 2.5", "Stage 3", "Stage 4")

NERV, PSY, GI = "Nervous system disorders", "Psychiatric disorders", "Gastrointestinal disorders"
INJ = "Injury, poisoning and procedural complications"
GEN = "General disorders and administration site conditions"
CATALOGUE = [
    AEType(NERV, "Headache", (0.35, 0.45, 0.45), early=True, related=0.3),
    AEType(NERV, "Dyskinesia", (0.08, 0.15, 0.25), serious=0.02, related=0.6),
    AEType(NERV, "Haemorrhage intracranial", (0.0, 0.035, 0.035), early=True, serious=0.5, related=0.8),
    AEType(NERV, "Dizziness", (0.08,)), AEType(NERV, "Somnolence", (0.06,), related=0.1),
    AEType(INJ, "Procedural pain", (0.30, 0.40, 0.40), early=True, related=0.2),
    AEType(INJ, "Fall", (0.10,), serious=0.1),
    AEType(PSY, "Hallucination", (0.05, 0.07, 0.10), related=0.3), AEType(PSY, "Insomnia", (0.08,)),
    AEType(PSY, "Anxiety", (0.06,)),
    AEType(GI, "Nausea", (0.10, 0.12, 0.15), related=0.2), AEType(GI, "Constipation", (0.10,)),
    AEType("Vascular disorders", "Orthostatic hypotension", (0.06,), serious=0.05),
    AEType("Infections and infestations", "Nasopharyngitis", (0.12,), serious=0.0, related=0.02),
    AEType("Infections and infestations", "Urinary tract infection", (0.08,), serious=0.1, related=0.02),
    AEType("Musculoskeletal and connective tissue disorders", "Back pain", (0.10,)),
    AEType(GEN, "Pyrexia", (0.05, 0.08, 0.08), early=True, related=0.4), AEType(GEN, "Fatigue", (0.08,)),
]
FATAL = [("Infections and infestations", "Pneumonia", 0.6, 9), ("Cardiac disorders", "Cardiac arrest", 0.4, 0)]
STOP = [(PSY, "Hallucination"), (NERV, "Dyskinesia"), (INJ, "Fall"), (PSY, "Anxiety")]
sc.LABELS.update({"DURDIS": "Duration of Disease (Years)", "HYBL": "Baseline Hoehn and Yahr Stage (OFF)",
                  "LEDDBL": "Baseline Levodopa-Equivalent Daily Dose (mg)", "BLUPDRS3": "Baseline MDS-UPDRS Part III (OFF)",
                  "BLOFFTM": "Baseline Daily OFF Time (h)"})


def build(seed: int = SEED) -> dict:
    rng = np.random.default_rng(seed)
    adsl = sc.randomise(rng, DESIGN)
    n = len(adsl)
    arm = adsl["TRT01PN"].to_numpy(int)
    severity = rng.normal(size=n)  # latent disease severity, shared by all outcomes
    adsl["DURDIS"] = np.round(sc.truncated_normal(rng, 10 + 2 * severity, 4, 4, 25, n), 1)
    stage = np.digitize(2.6 + 0.5 * severity + rng.normal(0, 0.3, n), (2.25, 2.75, 3.5))
    adsl["HYBL"] = np.array(HY_STAGES)[stage]
    adsl["LEDDBL"] = np.round(sc.truncated_normal(rng, 900 + 150 * severity, 300, 300, 2000, n) / 25) * 25

    # outcomes, follow-up and disposition
    offsets = sc.visit_offsets(rng, n, VISITS)
    t_ledd = sc.event_offsets(rng, sc.daily_rate(LEDD_YEAR) * np.asarray(LEDD_HR)[arm] * np.exp(0.4 * severity))
    t_death = sc.event_offsets(rng, np.full(n, sc.daily_rate(DEATH_YEAR)))
    t_drop = sc.event_offsets(rng, sc.daily_rate(DROP_YEAR) * np.asarray(DROP_RR)[arm])
    last = sc.dispose(rng, adsl, t_death, t_drop, offsets[:, -1].astype(float), DROP_REASONS)

    # efficacy: the effect grows as the transgene is expressed (time constant 3 months)
    months = np.array([v.num for v in VISITS[1:]])
    ramp = 1 - np.exp(-months / 3)

    def change(effect, sham, progression):
        return sham * np.exp(-months / 6) + progression * months / 12 + np.asarray(effect)[arm][:, None] * ramp

    params = [
        Param("UPDRS3OF", "MDS-UPDRS Part III score (OFF medication)", 1, 36 + 5 * severity + rng.normal(0, 5, n),
              change(UPDRS_EFFECT, UPDRS_SHAM, UPDRS_PROGRESSION), ramp, 4.5, 5, (0, 132), (20, 70)),
        Param("OFFTIME", "Daily OFF time (hours)", 2, 5.8 + 0.8 * severity + rng.normal(0, 1.0, n),
              change(OFFTIME_EFFECT, OFFTIME_SHAM, OFFTIME_PROGRESSION), ramp, 1.1, 1.2, (0, 16), (3, 12),
              decimals=1),
    ]
    baselines = {p.code: sc.observed_baseline(rng, p) for p in params}
    adsl["BLUPDRS3"] = baselines["UPDRS3OF"]
    adsl["BLOFFTM"] = baselines["OFFTIME"]
    adqs = sc.bds(rng, adsl, VISITS, offsets, last, params, baselines)
    sc.efficacy_flag(adsl, adqs, "UPDRS3OF")

    adtte = sc.tte(adsl, last, "TTLEDDI", "Time to first increase in levodopa-equivalent daily dose", 1, t_ledd,
                   "LEVODOPA-EQUIVALENT DOSE INCREASED")
    adae = sc.adverse_events(rng, adsl, last, CATALOGUE, DURATION,
                             sc.outcome_events(rng, adsl, last, t_death, FATAL, STOP))
    datasets = {
        "adsl": (sc.finish_adsl(adsl, DESIGN.cutoff), "Subject-Level Analysis Dataset"),
        "adqs": (adqs, "Questionnaire and Diary Analysis Dataset"),
        "adtte": (adtte, "Time-to-Event Analysis Dataset"),
        "adae": (adae, "Adverse Events Analysis Dataset"),
    }
    return {"folder": FOLDER, "seed": seed, "datasets": datasets, "spec": SPEC, "texts": TEXTS,
            "readme": readme(seed, datasets)}


# ------------------------------------------------------------------------------------------------ dossier.yaml



def efficacy(analysis_id: str, title: str, param: str, mcid: float) -> dict:
    return {"id": analysis_id, "type": "change_from_baseline", "title": title, "dataset": "adqs", "param": param,
            "population": "EFFFL", "where": {"ANL01FL": "Y"}, "visits": [v.name for v in VISITS[1:]],
            "covariates": ["BASE"], "mcid": mcid, "improvement": "decrease", "dose_response": "TRT01PN"}


SPEC = {
    "study": {
        "id": DESIGN.study,
        "title": "A randomised, double-blind, sham-surgery-controlled Phase 1/2 study of bilateral intraputaminal "
                 "DSR-202 in patients with Parkinson's disease and motor fluctuations (synthetic example)",
        "phase": "1/2",
        "design": "Randomised 1:1:1, double-blind, sham-surgery-controlled, two dose levels; single bilateral "
                  "MRI-guided intraputaminal infusion; multicentre (Japan and United States)",
        "sponsor": "Example Sponsor (synthetic)",
        "duration": "18 months",
        "primary_endpoint": "Change from baseline in MDS-UPDRS Part III score (OFF medication) at Month 12",
    },
    "product": {
        "name": "DSR-202 (synthetic)", "code": "DSR-202",
        "generic_name": "AAV2-mediated AADC gene transfer to the putamen (synthetic example)",
        "modality": "Gene therapy (AAV vector)",
        "mechanism": "AAV2 vector expressing aromatic L-amino acid decarboxylase (AADC) in putaminal neurons, "
                     "restoring local conversion of levodopa to dopamine",
        "dose": "Single bilateral intraputaminal infusion of 7.5e11 or 3e12 vector genomes (total) under "
                "intraoperative MRI guidance",
    },
    "indication": "Parkinson's disease with motor fluctuations inadequately controlled by optimised oral "
                  "therapy (synthetic example)",
    "language": "en",
    "synthetic": True,
    "date": dt.date(2026, 11, 21),
    "population": "SAFFL",
    "arm": "TRT01A",
    "reference_arm": "Sham surgery",
    "analyses": [
        {"id": "demog", "type": "baseline", "title": "Demographics and baseline characteristics",
         "variables": ["AGE", "AGEGR1", "SEX", "RACE", "DURDIS", "HYBL", "LEDDBL", "BLUPDRS3", "BLOFFTM"]},
        {"id": "disp", "type": "disposition", "title": "Subject disposition (randomised subjects)",
         "population": "ITTFL", "arm": "TRT01P"},
        efficacy("updrs3", "Change from baseline in MDS-UPDRS Part III score (OFF medication)", "UPDRS3OF", 3.25),
        efficacy("offtime", "Change from baseline in daily OFF time (hours)", "OFFTIME", 1),
        {"id": "tte-ledd", "type": "time_to_event",
         "title": "Time to first increase in levodopa-equivalent daily dose", "dataset": "adtte",
         "param": "TTLEDDI", "landmarks": [182, 365], "at_risk_every": 90},
        {"id": "teae", "type": "adverse_events", "title": "Treatment-emergent adverse events", "dataset": "adae"},
    ],
    "briefing": {
        "consultation_category": "Consultation on the pivotal clinical trial of a regenerative medical product "
                                 "(synthetic example)",
        "version": "0.1 (synthetic example)",
        "questions": [
            {"question": "Does PMDA agree that change from baseline in MDS-UPDRS Part III score in the OFF-medication "
                         "state at Month 12 is an acceptable primary endpoint for the pivotal study?",
             "position": "The sponsor proposes MDS-UPDRS Part III (OFF medication) at Month 12 as the primary "
                         "endpoint, with diary OFF time as the key secondary endpoint.",
             "rationale": "Part III measures the motor signs that local dopamine production is meant to improve, "
                          "with a published minimal clinically important difference; Month 12 is after the "
                          "expected time to full transgene expression. Study DSR-PD-201 gives the estimates by dose.",
             "evidence": ["updrs3", "offtime"]},
            {"question": "Does PMDA agree that a sham-surgery control is acceptable for the pivotal study in Japan?",
             "position": "The sponsor proposes partial-thickness burr holes without dural penetration as the sham "
                         "procedure, with an option of treatment for sham subjects after the primary analysis.",
             "rationale": "Subjective motor ratings and diaries are open to expectation effects after surgery; a "
                          "sham control keeps the study double-blind. Its burden is shown by the adverse events "
                          "and disposition of the sham arm of Study DSR-PD-201.",
             "evidence": ["teae", "disp"]},
            {"question": "Does PMDA agree that the high dose (3e12 vg) is the appropriate dose for the pivotal study?",
             "position": "The sponsor proposes to compare the high dose with sham surgery.",
             "rationale": "The choice rests on the motor and diary estimates by dose, the time to levodopa dose "
                          "increase and the adverse events by dose in Study DSR-PD-201.",
             "evidence": ["updrs3", "offtime", "tte-ledd", "teae"]},
        ],
        "product_overview": "text/product_overview.md",
        "disease": "text/disease.md",
        "current_treatment": "text/current_treatment.md",
        "unmet_need": "text/unmet_need.md",
        "development_history": "text/development_history.md",
        "regulatory_status": [
            {"region": "US", "designation": "Regenerative Medicine Advanced Therapy (synthetic example)",
             "date": dt.date(2025, 6, 2), "status": "Granted"},
            {"region": "Japan", "designation": "SAKIGAKE designation (synthetic example)",
             "status": "Application in preparation"},
        ],
        "quality_nonclinical": "text/quality_nonclinical.md",
        # clinical_summary is deliberately left unset: the documents show the "text not provided" notice
        "development_plan": "text/development_plan.md",
        "timeline": [
            {"milestone": "Phase 1/2 study DSR-PD-201: data cut-off", "date": "2025-08", "region": "Global"},
            {"milestone": "PMDA consultation on the pivotal study", "date": "2027 Q1", "region": "Japan"},
            {"milestone": "Pivotal study first subject treated", "date": "2027 Q4", "region": "Japan and US"},
            {"milestone": "Application (Japan)", "date": "2030 Q2", "region": "Japan"},
        ],
    },
    "sakigake": {
        "version": "0.1 (synthetic example)",
        "development_stage": "Phase 1/2 completed (18-month data); pivotal study in planning",
        "innovativeness": {"text": "text/sakigake_innovativeness.md",
                           "summary": "A one-time gene therapy that restores dopamine production in the putamen "
                                      "(synthetic example)."},
        "seriousness": {"text": "text/sakigake_seriousness.md",
                        "summary": "Advanced Parkinson's disease is progressive and disabling, with motor "
                                   "fluctuations that oral therapy cannot control.",
                        "analyses": ["demog"]},
        "efficacy": {"text": "text/sakigake_efficacy.md",
                     "summary": "Phase 1/2 data on motor score, OFF time and safety by dose are presented.",
                     "analyses": ["updrs3", "offtime", "teae"]},
        "japan_first": {"text": "text/sakigake_japan_first.md",
                        "summary": "Japan is the first planned application.",
                        "japan_filing": dt.date(2030, 6, 30),
                        "other_filings": [{"region": "US", "date": dt.date(2030, 12, 31),
                                           "note": "Biologics License Application (planned)"}]},
        "schedule": [
            {"milestone": "Pivotal study start", "date": "2027 Q4", "region": "Japan and US"},
            {"milestone": "Pivotal study Month-12 readout", "date": "2029 Q4"},
            {"milestone": "Application", "date": "2030 Q2", "region": "Japan"},
        ],
        "attachments": ["Study DSR-PD-201 clinical study report synopsis (synthetic)",
                        "Nonclinical summary of DSR-202 (synthetic)"],
    },
}

# ------------------------------------------------------------------------------------------------ writer's text

NOTE = "*Synthetic example text: DSR-202 is a fictional product; nothing here describes a real product or study.*\n\n"
TEXTS = {name: NOTE + body for name, body in {
    "product_overview.md": """\
DSR-202 is a recombinant adeno-associated virus serotype 2 (AAV2) vector carrying the gene for aromatic
L-amino acid decarboxylase (AADC), the enzyme that converts levodopa to dopamine. It is infused once into
both putamina by stereotactic neurosurgery under intraoperative MRI guidance.

- Intended effect: restore dopamine production from levodopa in the putamen, where the loss of
  dopaminergic nerve terminals is greatest, and so smooth the response to levodopa.
- Doses studied: 7.5e11 and 3e12 vector genomes (total, both hemispheres).
- Category in Japan: regenerative medical product (gene therapy).
""",
    "disease.md": """\
Parkinson's disease is a progressive neurodegenerative disorder caused by the loss of dopaminergic
neurons of the substantia nigra. Its motor signs are bradykinesia, rigidity and tremor; non-motor
symptoms add to the burden. The number of patients in Japan rises as the population ages. After some
years of levodopa treatment most patients develop motor fluctuations: periods of poor mobility ("OFF"
time) between doses, and dyskinesia.
""",
    "current_treatment.md": """\
Treatment is symptomatic. Levodopa with a decarboxylase inhibitor remains the most effective drug,
supplemented by dopamine agonists, MAO-B and COMT inhibitors and other adjuncts. For motor fluctuations,
continuous infusions (levodopa-carbidopa intestinal gel, subcutaneous infusions) and deep brain
stimulation are options for selected patients; none slows the disease.
""",
    "unmet_need.md": """\
As nigrostriatal terminals are lost, the putamen loses the AADC enzyme that turns levodopa into
dopamine, and the response to oral levodopa becomes short and erratic. Patients spend hours each day in
the OFF state despite frequent dosing. Device-aided therapies require continuous infusions or implanted
hardware. A single treatment that restores local dopamine production would meet this need.
""",
    "development_history.md": """\
- Nonclinical pharmacology, biodistribution and toxicology studies supported the first clinical use
  (synthetic example).
- Study DSR-PD-201 (this dossier): randomised, sham-surgery-controlled Phase 1/2 study of two doses in
  Japan and the United States, 18 months of follow-up.
- Long-term follow-up of treated subjects continues for 5 years under a separate protocol.
""",
    "quality_nonclinical.md": """\
The vector is produced by transient transfection of a mammalian cell line and purified by chromatography;
release tests cover identity, vector genome titre, potency (AADC activity), purity and adventitious
agents (synthetic example). Nonclinical studies examined distribution in the brain after intraputaminal
delivery, shedding and toxicology; their results are summarised in the attachments of the full dossier.
""",
    "development_plan.md": """\
The sponsor plans one pivotal, randomised, double-blind, sham-surgery-controlled study of the high dose:

- About 150 subjects with Parkinson's disease and at least 3 hours of daily OFF time, in Japan and the
  United States, with at least one third of subjects enrolled in Japan.
- Primary endpoint: change from baseline in MDS-UPDRS Part III (OFF medication) at Month 12.
- Key secondary endpoints: daily OFF time from diaries, ON time without troublesome dyskinesia, and
  time to first increase in levodopa-equivalent daily dose.
- Long-term follow-up for 5 years for delayed adverse events of gene therapy.
""",
    "sakigake_innovativeness.md": """\
DSR-202 restores the enzymatic step that the disease removes from the putamen, rather than adding
another oral drug or an implanted device. One neurosurgical administration is intended to give a
lasting effect.
""",
    "sakigake_seriousness.md": """\
The target population has advanced Parkinson's disease with motor fluctuations despite optimised oral
therapy. The disease is progressive and disabling, and OFF periods limit daily activities and
independence. The baseline characteristics of the Phase 1/2 population are shown below.
""",
    "sakigake_efficacy.md": """\
Study DSR-PD-201 compared two dose levels with sham surgery. The changes from baseline in motor score
and OFF time by dose, and the adverse events, are summarised below. These Phase 1/2 data are the basis
of the pivotal study design and are not confirmatory.
""",
    "sakigake_japan_first.md": """\
Development was led from Japan: Japanese neurosurgical centres treated subjects in the Phase 1/2 study,
and the sponsor plans to submit the first application in Japan, before other regions.
""",
}.items()}


def readme(seed: int, datasets: dict) -> str:
    model = f"""\
- Single bilateral intraputaminal surgery on TRTSDT (sham: partial burr holes); visits at Baseline and
  Months 3, 6, 12 and 18 (windows +/-14 to +/-21 days).
- Lower is better. A latent severity per subject raises baseline MDS-UPDRS Part III, OFF time, disease
  duration, Hoehn and Yahr stage and the hazard of a levodopa increase. Baselines must meet eligibility
  (Part III 20-70, OFF time 3-12 hours).
- True effects vs sham (low/high) once the transgene is expressed (time constant 3 months): Part III
  {UPDRS_EFFECT[1:]} points, OFF time {OFFTIME_EFFECT[1:]} hours. All arms share a sham-surgery effect
  ({UPDRS_SHAM:g} points, {OFFTIME_SHAM:g} hours, fading with time constant 6 months) and progression
  (+{UPDRS_PROGRESSION:g} points, +{OFFTIME_PROGRESSION:g} hours per year).
- Time to first increase in levodopa-equivalent daily dose: one-year risk {LEDD_YEAR:.0%} after sham
  surgery, true hazard ratios (low/high) {LEDD_HR[1:]}. Death {DEATH_YEAR:.0%} and dropout {DROP_YEAR:.0%} per year.
"""
    conventions = """\
OFF time is the mean daily OFF time of the three diary days before the visit. ADTTE censors at the
Month 18 visit (END OF STUDY), at the last contact of subjects who left early, or at death.
"""
    return sc.readme(DESIGN, "DSR-202", seed, datasets, model, conventions)
