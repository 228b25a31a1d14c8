"""Synthetic example trial DSR-PD-201: putaminal AAV gene transfer in Parkinson's disease (SYNTHETIC DATA).

A sham-surgery-controlled Phase 1/2 study of two doses with 18 months of follow-up. Lower scores are
better. The effects below are the simulation model's true values, not hand-set results.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import synthetic_common as sc
import synthetic_gene as sg
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
DOSE_LEVEL = (0.0, 0.5, 1.0)  # vector dose by arm on a 0 (placebo) to 1 (highest dose) scale (synthetic_gene)
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
        # gene-therapy BDS datasets from their own generator (no draw above changes)
        **sg.datasets(seed, adsl, np.asarray(DOSE_LEVEL)[adsl["TRT01PN"].to_numpy(int)], VISITS, offsets, last),
    }
    return {"folder": FOLDER, "seed": seed, "datasets": datasets, "spec": sc.bilingual(SPEC, SPEC_JA), "texts": TEXTS,
            "texts_ja": TEXTS_JA, "readme": readme(seed, datasets),
            "meddra": sc.meddra_terms([(t.soc, t.pt) for t in CATALOGUE] + [(soc, pt) for soc, pt, *_ in FATAL])}


# ------------------------------------------------------------------------------------------------ dossier.yaml



def efficacy(analysis_id: str, title: dict[str, str], param: str, mcid: float) -> dict:
    return {"id": analysis_id, "type": "change_from_baseline", "title": title, "dataset": "adqs", "param": param,
            "population": "EFFFL", "where": {"ANL01FL": "Y"}, "visits": [v.name for v in VISITS[1:]],
            "covariates": ["BASE"], "mcid": mcid, "improvement": "decrease", "dose_response": "TRT01PN"}

def mmrm(analysis_id: str, title: dict[str, str], param: str, mcid: float, estimand: dict, **more) -> dict:
    """The primary analysis: MMRM of the change at every post-baseline visit (observed records; LOCF left out);
    `more`: further keys (primary_visit, subgroups)."""
    return {"id": analysis_id, "type": "mmrm", "title": title, "dataset": "adqs", "param": param,
            "population": "EFFFL", "where": {"ANL01FL": "Y"}, "visits": [v.name for v in VISITS[1:]],
            "covariates": ["BASE"], "covariates_by_visit": ["BASE"], "covariance": "unstructured",
            "fallback": ["toeplitz_heterogeneous", "ar1_heterogeneous"], "mcid": mcid,
            "improvement": "decrease", "estimand": estimand, **more}


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
    "japanese_population": {"variable": "COUNTRY", "value": "JPN", "region": "REGION1", "planned_n": [30, 50],
                            "planned_total": 150},
    "analyses": [
        {"id": "demog", "type": "baseline",
         "title": sc.titled("Demographics and baseline characteristics", "人口統計学的特性及びベースライン特性"),
         "variables": ["AGE", "AGEGR1", "SEX", "RACE", "DURDIS", "HYBL", "LEDDBL", "BLUPDRS3", "BLOFFTM"]},
        {"id": "disp", "type": "disposition",
         "title": sc.titled("Subject disposition (randomised subjects)", "被験者の内訳（無作為化された被験者）"),
         "population": "ITTFL", "arm": "TRT01P"},
        mmrm("updrs3-mmrm", sc.titled("Change from baseline in MDS-UPDRS Part III score (OFF medication): MMRM "
                                      "(primary analysis)",
                                      "MDS-UPDRS Part IIIスコア（OFF時）のベースラインからの変化量：MMRM（主要解析）"),
             "UPDRS3OF", 3.25, {
                 "population": sc.titled("Adults with Parkinson's disease and motor fluctuations despite optimised "
                                         "oral therapy, operated and with a post-baseline score (EFFFL = Y)",
                                         "最適化された経口治療下でも運動症状の日内変動を有するパーキンソン病の成人患者で、"
                                         "手術を受け投与後のスコアが得られた患者（EFFFL = Y）"),
                 "variable": sc.titled("Change from baseline in MDS-UPDRS Part III score in the practically "
                                       "defined OFF state at Month 12",
                                       "第12カ月における実用的OFF状態でのMDS-UPDRS Part IIIスコアのベースラインからの変化量"),
                 "treatment": sc.titled("A single bilateral intraputaminal infusion (each dose) versus sham "
                                        "surgery, on top of stable oral therapy",
                                        "安定した経口治療下での両側被殻内単回投与（各用量）対偽手術"),
                 "intercurrent_events": [
                     {"event": sc.titled("Increase of levodopa-equivalent daily dose", "レボドパ換算1日用量の増量"),
                      "strategy": "treatment_policy"},
                     {"event": sc.titled("Early withdrawal from the study", "試験からの早期中止"),
                      "strategy": "hypothetical"}],
                 "summary": sc.titled("Difference in LS mean change from baseline at Month 12 between each dose and "
                                      "sham surgery (MMRM, missing at random)",
                                      "第12カ月における各用量と偽手術とのベースラインからの変化量の最小二乗平均の差"
                                      "（MMRM、ランダムな欠測を仮定）")},
             primary_visit="Month 12",
             subgroups=[{"AGE": {"cuts": [60], "label": sc.titled("Age (years)", "年齢（歳）")}},
                        {"SEX": {"label": sc.titled("Sex", "性別"),
                                 "levels": {"F": sc.titled("Female", "女性"), "M": sc.titled("Male", "男性")}}},
                        {"REGION1": {"label": sc.titled("Region", "地域"),
                                     "levels": {"Japan": sc.titled("Japan", "日本"),
                                                "North America": sc.titled("North America", "北米")}}},
                        {"BLUPDRS3": {"cuts": [36], "label": sc.titled("Baseline MDS-UPDRS Part III",
                                                                       "ベースラインのMDS-UPDRS Part III")}}]),
        efficacy("updrs3", sc.titled("Change from baseline in MDS-UPDRS Part III score (OFF medication) (LOCF, "
                                    "sensitivity analysis)",
                                    "MDS-UPDRS Part IIIスコア（OFF時）のベースラインからの変化量（LOCF、感度解析）"),
                "UPDRS3OF", 3.25),
        efficacy("offtime", sc.titled("Change from baseline in daily OFF time (hours)",
                                      "1日あたりのOFF時間（時間）のベースラインからの変化量"), "OFFTIME", 1),
        {"id": "tte-ledd", "type": "time_to_event",
         "title": sc.titled("Time to first increase in levodopa-equivalent daily dose",
                            "レボドパ換算1日用量の初回増量までの期間"), "dataset": "adtte",
         "param": "TTLEDDI", "landmarks": [182, 365], "at_risk_every": 90},
        {"id": "follow-up", "type": "exposure",
         "title": sc.titled("Duration of follow-up after the single administration",
                            "単回投与後の追跡期間"),
         "start": "TRTSDT", "end": "EOSDT", "categories": [180, 365]},
        {"id": "teae", "type": "adverse_events",
         "title": sc.titled("Treatment-emergent adverse events", "治験薬投与後に発現した有害事象"), "dataset": "adae",
         "severity": "AESEV", "relationship": True, "serious": True, "discontinuation": True, "fatal": True,
         "special_interest": {"Surgical and procedural": ["Haemorrhage intracranial", "Procedural pain"]}, "frequent": 10,
         "exposure_adjusted": True, "exposure": {"start": "TRTSDT", "end": "EOSDT"}},  # one administration: follow-up
        *sg.spec(sc.titled("Anti-AAV neutralising antibodies", "抗AAV中和抗体"),
                 sc.titled("Vector shedding by matrix", "検体別のベクター排出")),
    ],
    "briefing": {
        # PMDA's category for regenerative medical products (dossier.config.consultation): 再生医療等製品第Ⅱ相試験終了後相談
        "consultation_category": "end_of_phase2",
        "version": sc.VERSION,
        "questions": [
            {"question": "Does PMDA agree that change from baseline in MDS-UPDRS Part III score in the OFF-medication "
                         "state at Month 12 is an acceptable primary endpoint for the pivotal study?",
             "position": "text/q1_position.md", "rationale": "text/q1_rationale.md",
             "evidence": ["updrs3-mmrm", "updrs3", "offtime"]},
            {"question": "Does PMDA agree that a sham-surgery control is acceptable for the pivotal study in Japan?",
             "position": "text/q2_position.md", "rationale": "text/q2_rationale.md",
             "evidence": ["teae", "disp"]},
            {"question": "Does PMDA agree that the high dose (3e12 vg) is the appropriate dose for the pivotal study?",
             "position": "text/q3_position.md", "rationale": "text/q3_rationale.md",
             "evidence": ["updrs3-mmrm", "updrs3", "offtime", "tte-ledd", "teae"]},
            {"question": sc.titled("Does PMDA agree that enrolling at least 50 of about 150 subjects in Japan is an "
                                   "appropriate Japanese development plan for the pivotal study, with consistency of the "
                                   "Japanese population evaluated by Method 1 of the 2007 Basic principles on global "
                                   "clinical trials?",
                                   "検証的試験において、約150例のうち少なくとも50例を日本で組み入れ、「国際共同治験に関する"
                                   "基本的考え方」（2007年）の方法1により日本人集団の一貫性を評価する日本の開発計画は"
                                   "適切であるとの考えに、機構は同意するか。"),
             "position": "text/q4_position.md", "rationale": "text/q4_rationale.md",
             "evidence": ["japanese_population", "updrs3"]},
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
        "version": sc.VERSION,
        "development_stage": "Phase 1/2 completed (18-month data); pivotal study in planning",
        "innovativeness": {"text": "text/sakigake_innovativeness.md",
                           "summary": "text/sakigake_innovativeness_summary.md"},
        "seriousness": {"text": "text/sakigake_seriousness.md", "summary": "text/sakigake_seriousness_summary.md",
                        "analyses": ["demog"]},
        "efficacy": {"text": "text/sakigake_efficacy.md", "summary": "text/sakigake_efficacy_summary.md",
                     "analyses": ["updrs3-mmrm", "updrs3", "offtime", "teae"]},
        "japan_first": {"text": "text/sakigake_japan_first.md", "summary": "text/sakigake_japan_first_summary.md",
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
NOTE_JA = "*合成データによる例示文：DSR-202は架空の製品であり、本文は実在する製品又は試験を記述するものではない。*\n\n"
# Markdown: a line break inside an English paragraph is a space; Japanese paragraphs are written on one
# line, because a soft line break would put a space between two Japanese characters.
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
    "q4_position.md": """\
Yes. The sponsor proposes to enrol at least 50 of about 150 subjects in Japan, so that Method 1 of the
2007 Basic principles on global clinical trials is likely to hold if the effect seen in Study DSR-PD-201
is confirmed.
""",
    "q4_rationale.md": """\
In Study DSR-PD-201 the effect of the high dose on the MDS-UPDRS Part III score in Japanese subjects
was in the same direction as in the overall population. The consistency section gives the Japanese and overall
estimates side by side, the Method 1 ratio against the 0.5 threshold, the Method 2 directions by region
and the probability that Method 1 holds for 30 and 50 Japanese subjects of 150, under the observed
overall effect.
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

    # the sponsor's positions and their rationale, and the summaries of the designation criteria
    "q1_position.md": """\
The sponsor proposes MDS-UPDRS Part III (OFF medication) at Month 12 as the primary endpoint, with diary
OFF time as the key secondary endpoint.
""",
    "q1_rationale.md": """\
Part III measures the motor signs that local dopamine production is meant to improve, with a published
minimal clinically important difference; Month 12 is after the expected time to full transgene
expression. Study DSR-PD-201 gives the estimates by dose. The proposed primary analysis is the MMRM of
the change at every visit, with the estimand stated before it (an increase of levodopa-equivalent dose
handled by a treatment-policy strategy, early withdrawal by a hypothetical one); the LOCF analysis is a
sensitivity analysis.
""",
    "q2_position.md": """\
The sponsor proposes partial-thickness burr holes without dural penetration as the sham procedure, with
an option of treatment for sham subjects after the primary analysis.
""",
    "q2_rationale.md": """\
Subjective motor ratings and diaries are open to expectation effects after surgery; a sham control keeps
the study double-blind. Its burden is shown by the adverse events and disposition of the sham arm of
Study DSR-PD-201.
""",
    "q3_position.md": "The sponsor proposes to compare the high dose with sham surgery.\n",
    "q3_rationale.md": """\
The choice rests on the motor and diary estimates by dose, the time to levodopa dose increase and the
adverse events by dose in Study DSR-PD-201.
""",
    "sakigake_innovativeness_summary.md": """\
A one-time gene therapy that restores dopamine production in the putamen (synthetic example).
""",
    "sakigake_seriousness_summary.md": """\
Advanced Parkinson's disease is progressive and disabling, with motor fluctuations that oral therapy
cannot control.
""",
    "sakigake_efficacy_summary.md": "Phase 1/2 data on motor score, OFF time and safety by dose are presented.\n",
    "sakigake_japan_first_summary.md": "Japan is the first planned application.\n",
}.items()}

TEXTS_JA = {name: NOTE_JA + body for name, body in {
    "product_overview.md": """\
DSR-202は、レボドパをドパミンに変換する酵素である芳香族L-アミノ酸脱炭酸酵素（AADC）の遺伝子を搭載した遺伝子組換えアデノ随伴ウイルス血清型2（AAV2）ベクターである。術中MRIガイド下の定位脳手術により、両側の被殻に単回注入する。

- 期待される効果：ドパミン作動性神経終末の脱落が最も大きい被殻において、レボドパからのドパミン産生を回復させ、レボドパに対する反応を安定させる。
- 検討した用量：7.5e11及び3e12ベクターゲノム（両側の合計）。
- 日本における区分：再生医療等製品（遺伝子治療用製品）。
""",
    "disease.md": """\
パーキンソン病は、黒質のドパミン作動性神経細胞の脱落により生じる進行性の神経変性疾患である。運動症状は動作緩慢、筋強剛及び振戦であり、非運動症状も患者の負担を増大させる。日本では人口の高齢化に伴い患者数が増加している。レボドパによる治療を数年続けると、多くの患者に運動合併症、すなわち服薬と服薬の間に運動機能が低下する時間（OFF時間）及びジスキネジアが生じる。
""",
    "current_treatment.md": """\
治療は対症療法である。ドパ脱炭酸酵素阻害薬配合レボドパが最も有効な薬剤であり、ドパミンアゴニスト、MAO-B阻害薬、COMT阻害薬等の補助薬が併用される。運動合併症に対しては、持続注入療法（レボドパ・カルビドパ経腸用液療法、皮下持続注入療法）及び脳深部刺激療法が一部の患者の選択肢となるが、いずれも疾患の進行を遅らせるものではない。
""",
    "unmet_need.md": """\
黒質線条体の神経終末が脱落するにつれ、被殻ではレボドパをドパミンに変換するAADCが失われ、経口レボドパに対する反応は短く不安定になる。患者は頻回に服薬しても1日に数時間をOFF状態で過ごす。デバイス補助療法には持続注入又は植込み機器が必要である。局所のドパミン産生を回復させる単回の治療は、このニーズを満たすものである。
""",
    "development_history.md": """\
- 非臨床薬理試験、体内分布試験及び毒性試験の成績に基づき、初めてヒトに投与する臨床試験を開始した（合成データによる例示）。
- DSR-PD-201試験（本資料の対象試験）：日本及び米国で実施した2用量の無作為化偽手術対照第I/II相試験であり、18カ月間追跡した。
- 投与を受けた被験者の長期追跡調査を、別の実施計画書に基づき5年間継続している。
""",
    "quality_nonclinical.md": """\
ベクターは哺乳類細胞株への一過性トランスフェクションにより製造し、クロマトグラフィーにより精製する。出荷試験は、確認試験、ベクターゲノム量、効力（AADC活性）、純度及び外来性感染性物質に関する試験からなる（合成データによる例示）。非臨床試験では、被殻内投与後の脳内分布、排出（シェディング）及び毒性を検討した。それらの結果は、資料一式の添付資料に要約している。
""",
    "q4_position.md": """\
同意いただきたい。申請者は、約150例のうち少なくとも50例を日本で組み入れることにより、DSR-PD-201試験で認められた効果が確認されれば、「国際共同治験に関する基本的考え方」（2007年）の方法1が成り立つ可能性が高いと考える。
""",
    "q4_rationale.md": """\
DSR-PD-201試験では、日本人被験者におけるMDS-UPDRS Part IIIスコアへの高用量の効果は全体集団と同じ方向であった。一貫性の節に、日本人集団と全体集団の推定値、閾値0.5に対する方法1の比、地域別の方法2の方向、及び観察された全体集団の効果の下で150例中30例及び50例の日本人被験者で方法1が成り立つ確率を示す。
""",
    "development_plan.md": """\
申請者は、高用量を用いた無作為化二重盲検偽手術対照の検証的試験を1試験実施する計画である。

- 対象：日本及び米国の、1日のOFF時間が3時間以上のパーキンソン病患者約150例。少なくとも3分の1を日本で組み入れる。
- 主要評価項目：12カ月時におけるMDS-UPDRS Part III（OFF時）のベースラインからの変化量。
- 主な副次評価項目：患者日誌による1日のOFF時間、問題となるジスキネジアを伴わないON時間及びレボドパ換算1日用量の初回増量までの期間。
- 遺伝子治療に伴う遅発性の有害事象について、5年間の長期追跡調査を行う。
""",
    "sakigake_innovativeness.md": """\
DSR-202は、経口薬や植込み機器を追加するのではなく、疾患により被殻から失われる酵素反応の段階そのものを回復させる。1回の脳神経外科的投与で持続的な効果を得ることを目指している。
""",
    "sakigake_seriousness.md": """\
対象患者は、至適な経口治療を行っても運動合併症を有する進行期パーキンソン病患者である。本疾患は進行性で重い機能障害をもたらし、OFF期は日常生活動作及び自立を制限する。第I/II相試験の対象集団のベースライン特性を以下に示す。
""",
    "sakigake_efficacy.md": """\
DSR-PD-201試験では、2用量を偽手術と比較した。用量別の運動スコア及びOFF時間のベースラインからの変化量並びに有害事象を以下に要約する。これらの第I/II相試験のデータは検証的試験のデザインの根拠とするものであり、検証的なデータではない。
""",
    "sakigake_japan_first.md": """\
開発は日本主導で進めている。第I/II相試験では日本の脳神経外科施設が被験者に投与しており、申請者は他の国・地域に先駆けて日本で最初の承認申請を行う計画である。
""",

    "q1_position.md": """\
申請者は、12カ月時におけるMDS-UPDRS Part III（OFF時）のベースラインからの変化量を主要評価項目とし、患者日誌による1日のOFF時間を主な副次評価項目とすることを提案する。
""",
    "q1_rationale.md": """\
Part IIIは、局所のドパミン産生により改善が期待される運動症状を評価するものであり、臨床的に意味のある最小変化量が公表されている。12カ月時は、導入遺伝子の発現が十分に得られると予想される時期より後である。DSR-PD-201試験から用量別の推定値が得られている。主要解析には、各来院時の変化量の反復測定混合効果モデル（MMRM）を提案し、その推定対象を併せて示す（レボドパ換算用量の増量は治療方針ストラテジー、試験からの早期中止は仮想ストラテジーで扱う）。LOCFによる解析は感度解析とする。
""",
    "q2_position.md": """\
申請者は、硬膜を穿通しない部分的な穿頭を偽手術とし、主要解析の後に偽手術群の被験者が実薬の投与を受けられる選択肢を設けることを提案する。
""",
    "q2_rationale.md": """\
主観的な運動機能評価及び患者日誌は、手術後の期待効果の影響を受けやすく、偽手術対照により試験の二重盲検性が保たれる。偽手術の負担は、DSR-PD-201試験の偽手術群における有害事象及び被験者の内訳に示されている。
""",
    "q3_position.md": "申請者は、検証的試験において高用量と偽手術を比較することを提案する。\n",
    "q3_rationale.md": """\
本選択は、DSR-PD-201試験における運動スコア及び患者日誌の用量別の推定値、レボドパの増量までの期間並びに用量別の有害事象に基づく。
""",
    "sakigake_innovativeness_summary.md": "被殻におけるドパミン産生を回復させる単回投与の遺伝子治療である（合成データによる例示）。\n",
    "sakigake_seriousness_summary.md": "進行期パーキンソン病は進行性で重い機能障害をもたらす疾患であり、その運動合併症は経口治療では管理できない。\n",
    "sakigake_efficacy_summary.md": "運動スコア、OFF時間及び安全性に関する用量別の第I/II相試験のデータを示した。\n",
    "sakigake_japan_first_summary.md": "日本での承認申請を、他の国・地域に先駆けて最初に行う予定である。\n",
}.items()}


# ------------------------------------------------------------------------------------------------ orphan draft
# The `orphan:` section (dossier's orphan designation application draft). SYNTHETIC: the target population and
# the patient numbers of both sources are INVENTED for the example (the estimate is their sum).
SPEC["product"]["type"] = "regenerative_medicine"
SPEC["orphan"] = {
    "version": sc.VERSION,
    "development_stage": "Phase 1/2 completed (18-month data); pivotal study in planning",
    "target_disease": {"en": "Parkinson's disease with disabling motor fluctuations refractory to optimised oral and "
                             "device-aided therapy (synthetic example)",
                       "ja": "至適な経口療法及びデバイス補助療法に抵抗性の、日常生活に支障をきたす運動症状の日内変動を伴う"
                             "パーキンソン病（合成データによる例示）"},
    "indication": {"en": "Improvement of motor fluctuations in Parkinson's disease refractory to optimised oral and "
                         "device-aided therapy (synthetic example)",
                   "ja": "至適な経口療法及びデバイス補助療法に抵抗性のパーキンソン病における運動症状の日内変動の改善"
                         "（合成データによる例示）"},
    "disease": "text/orphan_disease.md",
    "patients": {
        "sources": [
            {"source": {"en": "INVENTED survey A, patients aged under 65 (synthetic)",
                        "ja": "架空の調査A、65歳未満の患者（合成データ）"}, "patients": 6_200, "year": 2024},
            {"source": {"en": "INVENTED survey B, patients aged 65 and over (synthetic)",
                        "ja": "架空の調査B、65歳以上の患者（合成データ）"}, "patients": 15_800, "year": 2024},
        ],
        "note": {"en": "SYNTHETIC: both patient numbers are invented; the estimate illustrates the calculation only.",
                 "ja": "合成データ：いずれの患者数も架空の値であり、推計は計算方法の例示にすぎない。"},
        "text": "text/orphan_patients.md",
        "summary": "text/orphan_patients_summary.md",
    },
    "medical_need": {"text": "text/orphan_need.md", "summary": "text/orphan_need_summary.md", "analyses": ["demog"]},
    "development": {"text": "text/orphan_development.md", "plan": "text/orphan_plan.md",
                    "summary": "text/orphan_development_summary.md", "analyses": ["updrs3", "offtime", "teae"]},
    "schedule": [
        {"milestone": {"en": "Orphan designation application", "ja": "希少疾病用再生医療等製品指定申請"}, "date": "2027 Q2",
         "region": "Japan"},
        {"milestone": {"en": "Pivotal study start", "ja": "検証的試験開始"}, "date": "2027 Q4",
         "region": "Japan and US"},
        {"milestone": {"en": "Application", "ja": "承認申請"}, "date": "2030 Q3", "region": "Japan"},
    ],
    "references": ["Synthetic reference 1: invented survey A of Parkinson's disease in Japan (synthetic)",
                   "Synthetic reference 2: invented survey B of Parkinson's disease in Japan (synthetic)"],
    "attachments": ["Study DSR-PD-201 clinical study report synopsis (synthetic)",
                    "Estimate of the number of patients in Japan (synthetic)"],
}
TEXTS.update({name: NOTE + body for name, body in {
    "orphan_disease.md": """\
The target population is the subset of patients with Parkinson's disease whose motor fluctuations remain
disabling despite optimised oral therapy and device-aided therapy (synthetic example: this population and
its size are invented).
""",
    "orphan_patients.md": """\
The number of patients in Japan is the sum of two INVENTED survey figures, one for younger and one for
older patients (the age groups do not overlap), giving about [[documents:orphan/patients/estimate|0,]]
patients. A real application would use published surveys.
""",
    "orphan_patients_summary.md": "The estimate, about [[documents:orphan/patients/estimate|0,]] patients, is "
                                  "below the threshold of [[documents:orphan/patients/threshold|0,]] (synthetic "
                                  "example).\n",
    "orphan_need.md": """\
For these patients, further adjustment of oral and device-aided therapy no longer controls OFF periods, and
no approved treatment restores dopamine production in the putamen.
""",
    "orphan_need_summary.md": "A serious, progressive disease without an appropriate alternative treatment "
                              "(synthetic example).\n",
    "orphan_development.md": """\
AADC activity in the putamen falls as the disease progresses; AAV2-mediated AADC expression restores local
conversion of levodopa to dopamine (synthetic example). Study DSR-PD-201 gives the data so far, shown below.
""",
    "orphan_plan.md": """\
A pivotal sham-surgery-controlled study in Japan and the United States is planned, followed by an
application in Japan first. The schedule is below.
""",
    "orphan_development_summary.md": "A theoretical rationale and a feasible development plan support the "
                                     "development (synthetic example).\n",
}.items()})
TEXTS_JA.update({name: NOTE_JA + body for name, body in {
    "orphan_disease.md": "対象は、パーキンソン病のうち、至適な経口療法及びデバイス補助療法にもかかわらず運動症状の日内変動により日常生活に支障をきたす患者である（合成データによる例示：この集団及びその規模は架空である）。\n",
    "orphan_patients.md": "本邦の対象者数は、65歳未満の患者及び65歳以上の患者に関する2つの架空の調査の患者数（年齢区分は重複しない）の合計として推計し、約[[documents:orphan/patients/estimate|0,]]人とした。実際の申請では、公表された調査を用いる。\n",
    "orphan_patients_summary.md": "推定対象者数は約[[documents:orphan/patients/estimate|0,]]人であり、基準である[[documents:orphan/patients/threshold|0,]]人を下回る（合成データによる例示）。\n",
    "orphan_need.md": "これらの患者では、経口療法及びデバイス補助療法の調整によってもOFF時間を管理できず、被殻におけるドパミン産生を回復させる承認された治療法はない。\n",
    "orphan_need_summary.md": "進行性の重篤な疾病であり、代替する適切な治療法がない（合成データによる例示）。\n",
    "orphan_development.md": "被殻のAADC活性は病期の進行とともに低下する。AAV2によるAADCの発現は、被殻におけるレボドパからドパミンへの変換を回復させる（合成データによる例示）。これまでに得られているデータはDSR-PD-201試験のとおりである。\n",
    "orphan_plan.md": "日本及び米国で偽手術対照の検証的試験を実施し、その後、日本で最初に承認申請を行う計画である。スケジュールを以下に示す。\n",
    "orphan_development_summary.md": "理論的根拠があり、開発計画は実施可能である（合成データによる例示）。\n",
}.items()})


# ------------------------------------------------------------------------------------- front and back matter
# the applicant, the programme's studies, references cited as [@key] and abbreviations (dossier/document/matter.py);
# every fact here is invented (SYNTHETIC)
SPEC["applicant"] = sc.APPLICANT
SPEC["studies"] = [
    {"id": "DSR-PD-201", "phase": "1/2", "design": {"en": "Randomised, double-blind, sham-surgery-controlled (two doses)", "ja": "無作為化、二重盲検、偽手術対照（2用量）"},
     "population": {"en": "Parkinson's disease with motor fluctuations", "ja": "運動症状の日内変動を有するパーキンソン病"}, "region": {"en": "Japan, US", "ja": "日本、米国"},
     "n": sum(n for _, n in DESIGN.arms), "status": {"en": "Completed (synthetic)", "ja": "終了（架空）"}},
    {"id": "DSR-PD-301", "phase": "3", "design": {"en": "Randomised, double-blind, sham-surgery-controlled; high dose (3e12 vg) vs sham surgery", "ja": "無作為化、二重盲検、偽手術対照；高用量（3e12 vg）と偽手術の比較"},
     "population": {"en": "Parkinson's disease with motor fluctuations", "ja": "運動症状の日内変動を有するパーキンソン病"}, "region": {"en": "Japan, US", "ja": "日本、米国"},
     "n": {"en": "about 150 (planned)", "ja": "約150例（計画）"}, "status": {"en": "Planned (synthetic)", "ja": "計画中（架空）"}},
]
SPEC["references"] = [
    {"key": "survey", "citation": {"en": "Example Research Group. An invented survey of Parkinson's disease in Japan. "
                                   "Synthetic Journal. 2024;1:1-10 (synthetic).",
                                   "ja": "例示研究班．本邦におけるパーキンソン病の架空の調査．架空誌．2024;1:1-10（架空）．"}},
    {"key": "csr", "citation": {"en": "Example Sponsor. Study DSR-PD-201 clinical study report (synthetic). 2025.",
                                "ja": "例示スポンサー．DSR-PD-201試験 治験総括報告書（架空）．2025．"}},
    sc.MHLW_2007,
]
SPEC["abbreviations"] = {"AADC": {"en": "aromatic L-amino acid decarboxylase", "ja": "芳香族L-アミノ酸脱炭酸酵素"}}
SPEC["briefing"]["attachments"] = [
    {"en": "Study DSR-PD-201 clinical study report synopsis (synthetic)", "ja": "DSR-PD-201試験 治験総括報告書の概要（架空）"},
    {"en": "Protocol synopsis of the planned pivotal study (synthetic)", "ja": "計画中の検証的試験の治験実施計画書の概要（架空）"},
]
# the writers' texts cite the references (numbered [1], [2] ... in order of first citation in each document)
TEXTS["disease.md"] += "The number of patients in Japan is taken from an invented survey [@survey].\n"
TEXTS_JA["disease.md"] += "\n本邦の患者数は架空の調査による[@survey]。\n"
TEXTS["development_history.md"] += ("\nThe Phase 1/2 results are reported in full in the clinical study report [@csr]; the "
                                    "Japanese development follows the 2007 basic principles [@mhlw-2007].\n")
TEXTS_JA["development_history.md"] += ("\n第1/2相試験の成績は治験総括報告書に示した[@csr]。日本の開発は2007年の基本的考え方に"
                                       "従う[@mhlw-2007]。\n")


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
    conventions = sg.README + """\
OFF time is the mean daily OFF time of the three diary days before the visit. ADTTE censors at the
Month 18 visit (END OF STUDY), at the last contact of subjects who left early, or at death.
"""
    return sc.readme(DESIGN, "DSR-202", seed, datasets, model, conventions)


# ------------------------------------------------------------------------------------------------ Japanese
# The Japanese of every yaml text given above in English only (sc.bilingual makes them {en, ja}), the labels of
# the data values and variables the documents show, and the example's own MedDRA translations (meddra_ja.csv).
SPEC_JA = {
    "A randomised, double-blind, sham-surgery-controlled Phase 1/2 study of bilateral intraputaminal DSR-202 in "
    "patients with Parkinson's disease and motor fluctuations (synthetic example)":
        "運動症状の日内変動を伴うパーキンソン病患者を対象としたDSR-202両側被殻内投与の無作為化二重盲検偽手術対照"
        "第I/II相試験（合成データによる例示）",
    "Randomised 1:1:1, double-blind, sham-surgery-controlled, two dose levels; single bilateral MRI-guided "
    "intraputaminal infusion; multicentre (Japan and United States)":
        "無作為化（1:1:1）、二重盲検、偽手術対照、2用量；MRIガイド下の両側被殻内単回投与；多施設共同（日本及び米国）",
    "Example Sponsor (synthetic)": "例示用治験依頼者（合成データ）",
    "18 months": "18カ月間",
    "Change from baseline in MDS-UPDRS Part III score (OFF medication) at Month 12":
        "第12カ月におけるMDS-UPDRS Part IIIスコア（OFF時）のベースラインからの変化量",
    "DSR-202 (synthetic)": "DSR-202（合成データ）",
    "AAV2-mediated AADC gene transfer to the putamen (synthetic example)":
        "AAV2ベクターによる被殻へのAADC遺伝子導入（合成データによる例示）",
    "Gene therapy (AAV vector)": "遺伝子治療（AAVベクター）",
    "AAV2 vector expressing aromatic L-amino acid decarboxylase (AADC) in putaminal neurons, restoring local "
    "conversion of levodopa to dopamine":
        "被殻の神経細胞に芳香族L-アミノ酸脱炭酸酵素（AADC）を発現させ、レボドパからドパミンへの局所での変換を"
        "回復させるAAV2ベクター",
    "Single bilateral intraputaminal infusion of 7.5e11 or 3e12 vector genomes (total) under intraoperative MRI "
    "guidance": "術中MRIガイド下で7.5e11又は3e12ベクターゲノム（総量）を両側被殻内に単回投与",
    "Parkinson's disease with motor fluctuations inadequately controlled by optimised oral therapy (synthetic "
    "example)": "最適化された経口治療で十分にコントロールされない運動症状の日内変動を伴うパーキンソン病（合成データによる例示）",
    "Consultation on the pivotal clinical trial of a regenerative medical product (synthetic example)":
        "再生医療等製品の検証的試験に関する相談（合成データによる例示）",
    "Does PMDA agree that change from baseline in MDS-UPDRS Part III score in the OFF-medication state at Month 12 "
    "is an acceptable primary endpoint for the pivotal study?":
        "第12カ月におけるOFF時のMDS-UPDRS Part IIIスコアのベースラインからの変化量は、検証的試験の主要評価項目として"
        "受け入れ可能であるとの考えに、機構は同意するか。",
    "Does PMDA agree that a sham-surgery control is acceptable for the pivotal study in Japan?":
        "日本における検証的試験で偽手術対照を用いることは受け入れ可能であるとの考えに、機構は同意するか。",
    "Does PMDA agree that the high dose (3e12 vg) is the appropriate dose for the pivotal study?":
        "高用量（3e12 vg）が検証的試験の用量として適切であるとの考えに、機構は同意するか。",
    "US": "米国", "Japan": "日本", "Global": "全世界", "Japan and US": "日本及び米国",
    "Regenerative Medicine Advanced Therapy (synthetic example)": "RMAT指定（合成データによる例示）",
    "SAKIGAKE designation (synthetic example)": "先駆的医薬品等指定（合成データによる例示）",
    "Granted": "指定済み", "Application in preparation": "申請準備中",
    "Phase 1/2 study DSR-PD-201: data cut-off": "第I/II相試験DSR-PD-201：データカットオフ",
    "PMDA consultation on the pivotal study": "検証的試験に関する機構への相談",
    "Pivotal study first subject treated": "検証的試験の最初の被験者への投与",
    "Application (Japan)": "承認申請（日本）",
    "Phase 1/2 completed (18-month data); pivotal study in planning": "第I/II相試験完了（18カ月データ）、検証的試験を計画中",
    "Biologics License Application (planned)": "生物製剤承認申請（BLA、予定）",
    "Pivotal study start": "検証的試験開始",
    "Pivotal study Month-12 readout": "検証的試験の第12カ月データ取得",
    "Application": "承認申請",
    "Study DSR-PD-201 clinical study report synopsis (synthetic)": "DSR-PD-201試験 治験総括報告書の概要（合成データ）",
    "Nonclinical summary of DSR-202 (synthetic)": "DSR-202の非臨床試験の概要（合成データ）",
    "Synthetic reference 1: invented survey A of Parkinson's disease in Japan (synthetic)":
        "合成文献1：本邦のパーキンソン病に関する架空の調査A（合成データ）",
    "Synthetic reference 2: invented survey B of Parkinson's disease in Japan (synthetic)":
        "合成文献2：本邦のパーキンソン病に関する架空の調査B（合成データ）",
    "Estimate of the number of patients in Japan (synthetic)": "本邦における患者数の推計（合成データ）",
}
ARMS_JA = {"Sham surgery": "偽手術", "Low dose (7.5e11 vg)": "低用量（7.5e11 vg）", "High dose (3e12 vg)": "高用量（3e12 vg）"}
SPEC["labels"] = {
    **{arm: {"values": {name: {"ja": ja} for name, ja in ARMS_JA.items()}} for arm in ("TRT01A", "TRT01P")},
    "HYBL": {"label": sc.titled("Baseline Hoehn and Yahr stage (OFF)", "ベースライン時のHoehn-Yahr重症度（OFF時）"),
             "values": {stage: sc.titled(stage, f"ステージ{stage.split()[1]}") for stage in HY_STAGES}},
    "DURDIS": {"label": sc.titled("Duration of disease (years)", "罹病期間（年）")},
    "LEDDBL": {"label": sc.titled("Baseline levodopa-equivalent daily dose (mg)", "ベースライン時のレボドパ換算1日用量（mg）")},
    "BLUPDRS3": {"label": sc.titled("Baseline MDS-UPDRS Part III (OFF)", "ベースライン時のMDS-UPDRS Part III（OFF時）")},
    "BLOFFTM": {"label": sc.titled("Baseline daily OFF time (h)", "ベースライン時の1日あたりのOFF時間（時間）")},
    "PARAM": {"values": {"MDS-UPDRS Part III score (OFF medication)": {"ja": "MDS-UPDRS Part IIIスコア（OFF時）"},
                         **sg.param_labels()}},
}
SPEC["meddra_ja"] = "meddra_ja.csv"  # the example's own translations of its MedDRA terms (not MedDRA/J)
