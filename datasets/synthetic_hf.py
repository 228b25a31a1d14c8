"""Synthetic example trial DSR-HF-201: intracoronary AAV gene transfer in heart failure (SYNTHETIC DATA).

A placebo-controlled dose-ranging Phase 1/2 study with 52 weeks of follow-up. The effects below are the
simulation model's true values; the estimates in the documents are whatever the seeded draws give.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import synthetic_common as sc
import synthetic_gene as sg
from synthetic_common import AEType, Param, Visit

FOLDER = "hf-aav-synthetic"
SEED = 20231101
DESIGN = sc.Design(
    study="DSR-HF-201",
    arms=(("Placebo", 30), ("Low dose (1e13 vg)", 30), ("Mid dose (3e13 vg)", 30), ("High dose (1e14 vg)", 30)),
    sites=(("101", "JPN"), ("102", "JPN"), ("103", "JPN"), ("104", "JPN"), ("201", "USA"), ("202", "USA"),
           ("203", "USA")),
    enrol=("2023-04-03", "2024-09-30"), cutoff="2025-10-31", untreated=4,
    age=(64, 10, 30, 85), age_groups=((0, "<65"), (65, "65-74"), (75, ">=75")), male=0.76)
VISITS = (Visit("Baseline", 0, 0, 0), Visit("Week 4", 4, 28, 3), Visit("Week 12", 12, 84, 7),
          Visit("Week 26", 26, 182, 7), Visit("Week 52", 52, 364, 14))
DOSE_LEVEL = (0.0, 0.4, 0.7, 1.0)  # vector dose by arm on a 0 (placebo) to 1 (highest dose) scale (synthetic_gene)
DURATION = 365
# true effects at Week 52 by arm (placebo, low, mid, high) and the placebo-arm change
LVEF_EFFECT, LVEF_DRIFT = (0.0, 1.0, 3.0, 5.0), 0.5
SIXMWD_EFFECT, SIXMWD_DRIFT = (0.0, 10.0, 20.0, 35.0), 5.0
KCCQ_EFFECT, KCCQ_DRIFT = (0.0, 2.0, 4.0, 7.0), 3.0
NYHA_EFFECT, NYHA_DRIFT = (0.0, -0.10, -0.25, -0.40), -0.10
HFH_YEAR, DEATH_YEAR, DROP_YEAR = 0.30, 0.09, 0.08  # placebo one-year risks
HFH_HR, DEATH_HR = (1.0, 0.86, 0.74, 0.58), (1.0, 0.90, 0.82, 0.70)
DROP_RR = (1.3, 1.1, 1.0, 0.9)  # sicker arms lose more subjects
DROP_REASONS = {"Withdrawal by Subject": 0.45, "Lost to Follow-up": 0.30, "Physician Decision": 0.10,
                "Adverse Event": 0.15}
NYHA_CLASS = {1.0: "Class I", 2.0: "Class II", 3.0: "Class III", 4.0: "Class IV"}

CARD, GEN, INF = "Cardiac disorders", "General disorders and administration site conditions", "Infections and infestations"
NERV, RESP = "Nervous system disorders", "Respiratory, thoracic and mediastinal disorders"
CATALOGUE = [
    AEType(CARD, "Atrial fibrillation", (0.10,), serious=0.25, related=0.05),
    AEType(CARD, "Ventricular tachycardia", (0.06, 0.06, 0.07, 0.08), serious=0.4, related=0.1),
    AEType(CARD, "Angina pectoris", (0.05,), serious=0.15),
    AEType(GEN, "Pyrexia", (0.03, 0.06, 0.10, 0.15), early=True, related=0.7),
    AEType(GEN, "Catheter site haematoma", (0.05,), early=True, related=0.05),
    AEType(GEN, "Fatigue", (0.12,)), AEType(GEN, "Oedema peripheral", (0.12,), related=0.05),
    AEType(GEN, "Non-cardiac chest pain", (0.05,)),
    AEType(INF, "Nasopharyngitis", (0.12,), serious=0.0, related=0.02),
    AEType(INF, "Pneumonia", (0.05,), serious=0.6, related=0.02),
    AEType(INF, "Urinary tract infection", (0.06,), serious=0.1, related=0.02),
    AEType(NERV, "Dizziness", (0.12,)), AEType(NERV, "Headache", (0.08,)),
    AEType(RESP, "Dyspnoea", (0.10,), serious=0.1), AEType(RESP, "Cough", (0.08,), serious=0.0),
    AEType("Metabolism and nutrition disorders", "Hyperkalaemia", (0.06,)),
    AEType("Metabolism and nutrition disorders", "Hypokalaemia", (0.05,)),
    AEType("Renal and urinary disorders", "Acute kidney injury", (0.05,), serious=0.3),
    AEType("Gastrointestinal disorders", "Nausea", (0.08,), related=0.15),
    AEType("Gastrointestinal disorders", "Diarrhoea", (0.06,)),
    AEType("Gastrointestinal disorders", "Constipation", (0.05,)),
    AEType("Vascular disorders", "Hypotension", (0.08,), serious=0.05),
    AEType("Investigations", "Troponin increased", (0.03, 0.05, 0.07, 0.09), early=True, related=0.5),
    AEType("Musculoskeletal and connective tissue disorders", "Back pain", (0.06,)),
    AEType("Psychiatric disorders", "Insomnia", (0.05,)),
]
FATAL = [(CARD, "Cardiac failure", 0.45, 9), (CARD, "Sudden cardiac death", 0.35, 0), (INF, "Pneumonia", 0.12, 9),
         (INF, "Sepsis", 0.08, 5)]
STOP = [(RESP, "Dyspnoea"), (GEN, "Fatigue"), (CARD, "Ventricular tachycardia"),
        ("Renal and urinary disorders", "Acute kidney injury")]
sc.LABELS.update({"HFETIOL": "Heart Failure Aetiology", "BLLVEF": "Baseline LVEF (%)",
                  "NYHABL": "Baseline NYHA Class", "NYHABLN": "Baseline NYHA Class (N)"})


def build(seed: int = SEED) -> dict:
    rng = np.random.default_rng(seed)
    adsl = sc.randomise(rng, DESIGN)
    n = len(adsl)
    arm = adsl["TRT01PN"].to_numpy(int)
    severity = rng.normal(size=n)  # latent disease severity, shared by all outcomes
    adsl["HFETIOL"] = np.where(rng.random(n) < 0.55 + 0.1 * (severity > 0), "Ischaemic", "Non-ischaemic")

    # outcomes, follow-up and disposition
    offsets = sc.visit_offsets(rng, n, VISITS)
    risk = np.exp(0.5 * severity)
    t_hfh = sc.event_offsets(rng, sc.daily_rate(HFH_YEAR) * np.asarray(HFH_HR)[arm] * risk)
    t_death = sc.event_offsets(rng, sc.daily_rate(DEATH_YEAR) * np.asarray(DEATH_HR)[arm] * risk)
    t_drop = sc.event_offsets(rng, sc.daily_rate(DROP_YEAR) * np.asarray(DROP_RR)[arm] * np.exp(0.3 * severity))
    last = sc.dispose(rng, adsl, t_death, t_drop, offsets[:, -1].astype(float), DROP_REASONS)

    # efficacy: expected change rises as the transgene is expressed (time constant 8 weeks)
    ramp = 1 - np.exp(-np.array([v.num for v in VISITS[1:]]) / 8)

    def change(effect, drift):
        return (drift + np.asarray(effect)[arm])[:, None] * ramp

    params = [
        Param("LVEF", "Left ventricular ejection fraction (%)", 1, 25 - 3 * severity + rng.normal(0, 3, n),
              change(LVEF_EFFECT, LVEF_DRIFT), ramp, 3.5, 3.5, (5, 80), (12, 35), decimals=1),
        Param("SIXMWD", "6-minute walk distance (m)", 2, 320 - 45 * severity + rng.normal(0, 50, n),
              change(SIXMWD_EFFECT, SIXMWD_DRIFT), ramp, 35, 40, (0, 800), (100, 500)),
        Param("KCCQ", "KCCQ overall summary score", 3, 55 - 8 * severity + rng.normal(0, 12, n),
              change(KCCQ_EFFECT, KCCQ_DRIFT), ramp, 8, 9, (0, 100), (10, 95), decimals=1),
        Param("NYHA", "NYHA class", 4, 2.9 + 0.45 * severity + rng.normal(0, 0.3, n),
              change(NYHA_EFFECT, NYHA_DRIFT), ramp, 0.3, 0.35, (1, 4), (1.5, 4.49), avalc=NYHA_CLASS),
    ]
    baselines = {p.code: sc.observed_baseline(rng, p) for p in params}
    adsl["BLLVEF"] = baselines["LVEF"]
    adsl["NYHABLN"] = baselines["NYHA"]
    adsl["NYHABL"] = [NYHA_CLASS[v] for v in baselines["NYHA"]]
    adeff = sc.bds(rng, adsl, VISITS, offsets, last, params, baselines)
    sc.efficacy_flag(adsl, adeff, "LVEF")

    # time to event: heart-failure hospitalisation or death, and death
    first = np.fmin(t_hfh, t_death)
    what = np.where(t_hfh <= t_death, "HEART FAILURE HOSPITALISATION", "DEATH")
    adtte = pd.concat([
        sc.tte(adsl, last, "TTHFD", "Time to heart-failure hospitalisation or death", 1, first, what),
        sc.tte(adsl, last, "TTDEATH", "Time to death from any cause", 2, t_death, "DEATH"),
    ], ignore_index=True).sort_values(["USUBJID", "PARAMN"], kind="stable").reset_index(drop=True)

    # adverse events; each hospitalisation, death and discontinuation for an adverse event is one too
    trtsdt = adsl["TRTSDT"].to_numpy("datetime64[D]")
    hosp = np.nonzero(t_hfh <= last)[0]
    explicit = pd.concat([
        pd.DataFrame({"i": hosp, "ASTDT": trtsdt[hosp] + t_hfh[hosp].astype(int) * sc.DAY, "AEBODSYS": CARD,
                      "AEDECOD": "Cardiac failure", "serious": True, "fatal": False}),
        sc.outcome_events(rng, adsl, last, t_death, FATAL, STOP),
    ], ignore_index=True)
    adae = sc.adverse_events(rng, adsl, last, CATALOGUE, DURATION, explicit)

    datasets = {
        "adsl": (sc.finish_adsl(adsl, DESIGN.cutoff), "Subject-Level Analysis Dataset"),
        "adeff": (adeff, "Efficacy Analysis Dataset"),
        "adtte": (adtte, "Time-to-Event Analysis Dataset"),
        "adae": (adae, "Adverse Events Analysis Dataset"),
        # gene-therapy BDS datasets from their own generator (no draw above changes)
        **sg.datasets(seed, adsl, np.asarray(DOSE_LEVEL)[adsl["TRT01PN"].to_numpy(int)], VISITS, offsets, last),
    }
    return {"folder": FOLDER, "seed": seed, "datasets": datasets, "spec": SPEC, "texts": TEXTS,
            "texts_ja": TEXTS_JA, "readme": readme(seed, datasets),
            "meddra": sc.meddra_terms([(t.soc, t.pt) for t in CATALOGUE] + [(soc, pt) for soc, pt, *_ in FATAL])}


# ------------------------------------------------------------------------------------------------ dossier.yaml



def efficacy(analysis_id: str, title: dict[str, str], param: str, mcid: float) -> dict:
    return {"id": analysis_id, "type": "change_from_baseline", "title": title, "dataset": "adeff", "param": param,
            "population": "EFFFL", "where": {"ANL01FL": "Y"}, "visits": [v.name for v in VISITS[1:]],
            "covariates": ["BASE"], "mcid": mcid, "improvement": "increase", "dose_response": "TRT01PN"}

def mmrm(analysis_id: str, title: dict[str, str], param: str, mcid: float, estimand: dict, **more) -> dict:
    """The primary analysis: MMRM of the change at every post-baseline visit (observed records; LOCF left out);
    `more`: further keys (primary_visit, subgroups)."""
    return {"id": analysis_id, "type": "mmrm", "title": title, "dataset": "adeff", "param": param,
            "population": "EFFFL", "where": {"ANL01FL": "Y"}, "visits": [v.name for v in VISITS[1:]],
            "covariates": ["BASE"], "covariates_by_visit": ["BASE"], "covariance": "unstructured",
            "fallback": ["toeplitz_heterogeneous", "ar1_heterogeneous"], "mcid": mcid,
            "improvement": "increase", "estimand": estimand, **more}


SPEC = {
    "study": {
        "id": DESIGN.study,
        "title": sc.titled("A randomised, double-blind, placebo-controlled, dose-ranging Phase 1/2 study of a "
                           "single intracoronary infusion of DSR-101 in patients with advanced heart failure with "
                           "reduced ejection fraction (synthetic example)",
                           "左室駆出率の低下した重症心不全患者を対象としたDSR-101単回冠動脈内投与の無作為化二重盲検"
                           "プラセボ対照用量設定第I/II相試験（合成データによる例示）"),
        "phase": "1/2",
        "design": sc.titled("Randomised 1:1:1:1, double-blind, placebo-controlled, parallel-group dose ranging; "
                            "single antegrade intracoronary infusion; multicentre (Japan and United States)",
                            "無作為化（1:1:1:1）、二重盲検、プラセボ対照、並行群間用量設定；単回順行性冠動脈内投与；"
                            "多施設共同（日本及び米国）"),
        "sponsor": sc.titled("Example Sponsor (synthetic)", "例示用治験依頼者（合成データ）"),
        "duration": sc.titled("52 weeks", "52週間"),
        "primary_endpoint": sc.titled("Change from baseline in left ventricular ejection fraction (LVEF) at Week 52",
                                      "第52週における左室駆出率（LVEF）のベースラインからの変化量"),
    },
    "product": {
        "name": sc.titled("DSR-101 (synthetic)", "DSR-101（合成データ）"), "code": "DSR-101",
        "generic_name": sc.titled("AAV1-mediated SERCA2a gene transfer (synthetic example)",
                                  "AAV1ベクターによるSERCA2a遺伝子導入（合成データによる例示）"),
        "modality": sc.titled("Gene therapy (AAV vector)", "遺伝子治療（AAVベクター）"),
        "mechanism": sc.titled("AAV1 vector delivering the SERCA2a (ATP2A2) gene to cardiomyocytes to restore "
                               "sarcoplasmic-reticulum calcium uptake",
                               "SERCA2a（ATP2A2）遺伝子を心筋細胞に導入し、筋小胞体へのカルシウム取り込みを回復させる"
                               "AAV1ベクター"),
        "dose": sc.titled("Single antegrade intracoronary infusion of 1e13, 3e13 or 1e14 vector genomes over about "
                          "10 minutes", "1e13、3e13又は1e14ベクターゲノムを約10分かけて単回順行性冠動脈内投与"),
    },
    "indication": sc.titled("Chronic heart failure with reduced ejection fraction (NYHA class II-IV) despite "
                            "optimised guideline-directed therapy (synthetic example)",
                            "最適化された標準治療下でも持続する左室駆出率の低下した慢性心不全（NYHA心機能分類II～IV度）"
                            "（合成データによる例示）"),
    "language": "en",
    "synthetic": True,
    "date": dt.date(2026, 11, 21),
    "population": "SAFFL",
    "arm": "TRT01A",
    "reference_arm": "Placebo",
    "japanese_population": {"variable": "COUNTRY", "value": "JPN", "region": "REGION1", "planned_n": [60, 100],
                            "planned_total": 300},
    "analyses": [
        {"id": "demog", "type": "baseline",
         "title": sc.titled("Demographics and baseline characteristics", "人口統計学的特性及びベースライン特性"),
         "variables": ["AGE", "AGEGR1", "SEX", "RACE", "BMIBL", "HFETIOL", "NYHABL", "BLLVEF"]},
        {"id": "disp", "type": "disposition",
         "title": sc.titled("Subject disposition (randomised subjects)", "被験者の内訳（無作為化された被験者）"),
         "population": "ITTFL", "arm": "TRT01P"},
        mmrm("lvef-mmrm", sc.titled("Change from baseline in LVEF (%): MMRM (primary analysis)",
                                    "LVEF (%)のベースラインからの変化量：MMRM（主要解析）"), "LVEF", 5, {
            "population": sc.titled("Adults with chronic HFrEF (NYHA class II-IV, LVEF 35% or less) despite "
                                    "optimised therapy, dosed and with a post-baseline LVEF (EFFFL = Y)",
                                    "最適化された治療下でも慢性HFrEF（NYHA心機能分類II～IV度、LVEF 35%以下）を有し、"
                                    "治験製品を投与され投与後のLVEFが得られた成人患者（EFFFL = Y）"),
            "variable": sc.titled("Change from baseline in LVEF (%) at Week 52 (echocardiography, core laboratory)",
                                  "第52週におけるLVEF (%)のベースラインからの変化量（心エコー、中央判定）"),
            "treatment": sc.titled("A single intracoronary infusion of DSR-101 (each dose) versus placebo, on "
                                   "top of guideline-directed therapy",
                                   "標準治療下でのDSR-101（各用量）単回冠動脈内投与対プラセボ"),
            "intercurrent_events": [
                {"event": sc.titled("Death or heart transplantation before Week 52",
                                    "第52週までの死亡又は心臓移植"), "strategy": "hypothetical"},
                {"event": sc.titled("Early withdrawal from the study", "試験からの早期中止"),
                 "strategy": "hypothetical"},
                {"event": sc.titled("Change of background heart-failure medication",
                                    "心不全の基礎治療薬の変更"), "strategy": "treatment_policy"}],
            "summary": sc.titled("Difference in LS mean change from baseline at Week 52 between each dose and "
                                 "placebo (MMRM, missing at random)",
                                 "第52週における各用量とプラセボとのベースラインからの変化量の最小二乗平均の差"
                                 "（MMRM、ランダムな欠測を仮定）")},
             primary_visit="Week 52",
             subgroups=[{"AGE": {"cuts": [65], "label": sc.titled("Age (years)", "年齢（歳）")}},
                        {"SEX": {"label": sc.titled("Sex", "性別"),
                                 "levels": {"F": sc.titled("Female", "女性"), "M": sc.titled("Male", "男性")}}},
                        {"REGION1": {"label": sc.titled("Region", "地域"),
                                     "levels": {"Japan": sc.titled("Japan", "日本"),
                                                "North America": sc.titled("North America", "北米")}}},
                        {"NYHABL": {"label": sc.titled("Baseline NYHA class", "ベースラインのNYHA心機能分類")}}]),
        efficacy("lvef", sc.titled("Change from baseline in LVEF (%) (LOCF, sensitivity analysis)",
                                  "LVEF (%)のベースラインからの変化量（LOCF、感度解析）"),
                "LVEF", 5),
        efficacy("sixmwd", sc.titled("Change from baseline in 6-minute walk distance (m)",
                                     "6分間歩行距離 (m)のベースラインからの変化量"), "SIXMWD", 30),
        efficacy("kccq", sc.titled("Change from baseline in KCCQ overall summary score",
                                   "KCCQ総合要約スコアのベースラインからの変化量"), "KCCQ", 5),
        {"id": "tte-hf", "type": "time_to_event",
         "title": sc.titled("Time to heart-failure hospitalisation or death", "心不全による入院又は死亡までの期間"),
         "dataset": "adtte", "param": "TTHFD", "landmarks": [180, 365], "at_risk_every": 60},
        {"id": "follow-up", "type": "exposure",
         "title": sc.titled("Duration of follow-up after the single administration",
                            "単回投与後の追跡期間"),
         "start": "TRTSDT", "end": "EOSDT", "categories": [180, 365]},
        {"id": "teae", "type": "adverse_events",
         "title": sc.titled("Treatment-emergent adverse events", "治験薬投与後に発現した有害事象"), "dataset": "adae",
         "severity": "AESEV", "relationship": True, "serious": True, "fatal": True,
         "special_interest": {"Inflammatory reactions after administration": ["Pyrexia", "Troponin increased"]}, "frequent": 10,
         "exposure_adjusted": True, "exposure": {"start": "TRTSDT", "end": "EOSDT"}},  # one administration: follow-up
        *sg.spec(sc.titled("Anti-AAV neutralising antibodies", "抗AAV中和抗体"),
                 sc.titled("Vector shedding by matrix", "検体別のベクター排出")),
    ],
    "briefing": {
        # PMDA's category for regenerative medical products (dossier.config.consultation): 再生医療等製品第Ⅱ相試験終了後相談
        "consultation_category": "end_of_phase2",
        "version": sc.VERSION,
        "questions": [
            {"question": sc.titled("Does PMDA agree that the Phase 1/2 data support a pivotal study design with "
                                   "change from baseline in LVEF at Week 52 as the primary endpoint?",
                                   "第I/II相試験のデータは、第52週におけるLVEFのベースラインからの変化量を主要評価項目と"
                                   "する検証的試験デザインを支持するとの考えに、機構は同意するか。"),
             "position": "text/q1_position.md", "rationale": "text/q1_rationale.md",
             "evidence": ["lvef-mmrm", "lvef", "kccq", "sixmwd"]},
            {"question": sc.titled("Does PMDA agree that the high dose (1e14 vg) is the appropriate dose for the "
                                   "pivotal study?",
                                   "高用量（1e14 vg）が検証的試験の用量として適切であるとの考えに、機構は同意するか。"),
             "position": "text/q2_position.md", "rationale": "text/q2_rationale.md",
             "evidence": ["lvef-mmrm", "lvef", "tte-hf", "teae"]},
            {"question": sc.titled("Does PMDA agree that about 300 treated subjects followed for 12 months, with "
                                   "long-term follow-up for 5 years, form an adequate safety database for an "
                                   "application?",
                                   "約300例の投与例を12カ月間観察し、5年間の長期追跡調査を行うことは、承認申請のための"
                                   "安全性データベースとして十分であるとの考えに、機構は同意するか。"),
             "position": "text/q3_position.md", "rationale": "text/q3_rationale.md",
             "evidence": ["teae"]},
            {"question": sc.titled("Does PMDA agree that enrolling about 100 of about 300 subjects in Japan is an "
                                   "appropriate Japanese development plan for the pivotal study, with consistency of the "
                                   "Japanese population evaluated by Method 1 of the 2007 Basic principles on global "
                                   "clinical trials?",
                                   "検証的試験において、約300例のうち約100例を日本で組み入れ、「国際共同治験に関する"
                                   "基本的考え方」（2007年）の方法1により日本人集団の一貫性を評価する日本の開発計画は"
                                   "適切であるとの考えに、機構は同意するか。"),
             "position": "text/q4_position.md", "rationale": "text/q4_rationale.md",
             "evidence": ["japanese_population", "lvef"]},
        ],
        "product_overview": "text/product_overview.md",
        "disease": "text/disease.md",
        "current_treatment": "text/current_treatment.md",
        "unmet_need": "text/unmet_need.md",
        "development_history": "text/development_history.md",
        "regulatory_status": [
            {"region": sc.titled("US", "米国"), "designation": sc.titled("Fast Track (synthetic example)",
                                                                          "ファストトラック（合成データによる例示）"),
             "date": dt.date(2025, 3, 14), "status": sc.titled("Granted", "指定済み")},
            {"region": sc.titled("EU", "欧州連合"), "designation": sc.titled("PRIME (synthetic example)",
                                                                        "PRIME（合成データによる例示）"),
             "status": sc.titled("Application planned", "申請予定")},
            {"region": sc.titled("Japan", "日本"),
             "designation": sc.titled("SAKIGAKE designation (synthetic example)", "先駆的医薬品等指定（合成データによる例示）"),
             "status": sc.titled("Application in preparation", "申請準備中")},
        ],
        "quality_nonclinical": "text/quality_nonclinical.md",
        # clinical_summary is deliberately left unset: the documents show the "text not provided" notice
        "development_plan": "text/development_plan.md",
        "timeline": [
            {"milestone": sc.titled("Phase 1/2 study DSR-HF-201: data cut-off", "第I/II相試験DSR-HF-201：データカットオフ"),
             "date": "2025-10", "region": sc.titled("Global", "全世界")},
            {"milestone": sc.titled("PMDA consultation on the pivotal study", "検証的試験に関する機構への相談"),
             "date": sc.quarter(2027, 1), "region": sc.titled("Japan", "日本")},
            {"milestone": sc.titled("Pivotal study first subject dosed", "検証的試験の最初の被験者への投与"),
             "date": sc.quarter(2027, 3), "region": sc.titled("Japan and US", "日本及び米国")},
            {"milestone": sc.titled("Application (Japan)", "承認申請（日本）"), "date": sc.quarter(2030, 1),
             "region": sc.titled("Japan", "日本")},
        ],
    },
    "sakigake": {
        "version": sc.VERSION,
        "development_stage": sc.titled("Phase 1/2 completed (52-week data); pivotal study in planning",
                                       "第I/II相試験完了（52週データ）、検証的試験を計画中"),
        "innovativeness": {"text": "text/sakigake_innovativeness.md",
                           "summary": "text/sakigake_innovativeness_summary.md"},
        "seriousness": {"text": "text/sakigake_seriousness.md", "summary": "text/sakigake_seriousness_summary.md",
                        "analyses": ["demog"]},
        "efficacy": {"text": "text/sakigake_efficacy.md", "summary": "text/sakigake_efficacy_summary.md",
                     "analyses": ["lvef-mmrm", "lvef", "tte-hf", "teae"]},
        "japan_first": {"text": "text/sakigake_japan_first.md", "summary": "text/sakigake_japan_first_summary.md",
                        "japan_filing": dt.date(2030, 3, 31),
                        "other_filings": [{"region": sc.titled("US", "米国"), "date": dt.date(2030, 9, 30),
                                           "note": sc.titled("Biologics License Application (planned)",
                                                             "生物製剤承認申請（BLA、予定）")}]},
        "schedule": [
            {"milestone": sc.titled("Pivotal study start", "検証的試験開始"), "date": sc.quarter(2027, 3),
             "region": sc.titled("Japan and US", "日本及び米国")},
            {"milestone": sc.titled("Pivotal study 52-week readout", "検証的試験の52週データ取得"),
             "date": sc.quarter(2029, 3)},
            {"milestone": sc.titled("Application", "承認申請"), "date": sc.quarter(2030, 1),
             "region": sc.titled("Japan", "日本")},
        ],
        "attachments": [sc.titled("Study DSR-HF-201 clinical study report synopsis (synthetic)",
                                  "DSR-HF-201試験 治験総括報告書の概要（合成データ）"),
                        sc.titled("Nonclinical summary of DSR-101 (synthetic)", "DSR-101の非臨床試験の概要（合成データ）")],
    },
}

# ------------------------------------------------------------------------------------------------ writer's text

NOTE = "*Synthetic example text: DSR-101 is a fictional product; nothing here describes a real product or study.*\n\n"
NOTE_JA = "*合成データによる例示文：DSR-101は架空の製品であり、本文は実在する製品又は試験を記述するものではない。*\n\n"
# Markdown: a line break inside an English paragraph is a space; Japanese paragraphs are written on one
# line, because a soft line break would put a space between two Japanese characters.
TEXTS = {name: NOTE + body for name, body in {
    "product_overview.md": """\
DSR-101 is a recombinant adeno-associated virus serotype 1 (AAV1) vector carrying the coding sequence of
human SERCA2a (*ATP2A2*), the pump that returns calcium to the sarcoplasmic reticulum after each heartbeat.
It is given once, as an antegrade intracoronary infusion during cardiac catheterisation.

- Intended effect: restore calcium cycling in failing cardiomyocytes, improving contraction and relaxation.
- Doses studied: 1e13, 3e13 and 1e14 vector genomes (vg).
- Category in Japan: regenerative medical product (gene therapy).
""",
    "disease.md": """\
Heart failure with reduced ejection fraction is a progressive syndrome in which the left ventricle cannot
pump enough blood for the body's needs. Patients have breathlessness, fatigue and fluid retention, and
are repeatedly admitted to hospital. Heart failure is common in older people, and the number of patients
in Japan rises as the population ages. Patients with NYHA class III or IV symptoms have a poor prognosis.
""",
    "current_treatment.md": """\
Guideline-directed medical therapy combines a renin-angiotensin system inhibitor or an angiotensin
receptor-neprilysin inhibitor, a beta-blocker, a mineralocorticoid receptor antagonist and an SGLT2
inhibitor, with diuretics for congestion. Devices (implantable defibrillators, cardiac resynchronisation)
help selected patients. Advanced heart failure may need a left ventricular assist device or heart
transplantation, both limited in availability.
""",
    "unmet_need.md": """\
Many patients remain symptomatic and are readmitted despite optimised therapy. Current drugs act on
neurohormonal pathways and loading conditions; none corrects the abnormal calcium handling of the failing
heart muscle. A one-time treatment that improves the function of the heart muscle itself would add a new
option for these patients.
""",
    "development_history.md": """\
- Nonclinical pharmacology and toxicology studies supported the first clinical use (synthetic example).
- Study DSR-HF-201 (this dossier): randomised, placebo-controlled dose-ranging Phase 1/2 study in Japan
  and the United States, single intracoronary infusion, 52 weeks of follow-up.
- Long-term follow-up of treated subjects continues for 5 years under a separate protocol.
""",
    "quality_nonclinical.md": """\
The vector is produced by transient transfection of a mammalian cell line and purified by chromatography;
release tests cover identity, vector genome titre, potency, purity and adventitious agents (synthetic
example). Nonclinical studies examined biodistribution, shedding and toxicology after intracoronary
delivery; their results are summarised in the attachments of the full dossier.
""",
    "q4_position.md": """\
Yes. The sponsor proposes to enrol about 100 of about 300 subjects in Japan, so that Method 1 of the
2007 Basic principles on global clinical trials is likely to hold if the LVEF effect seen in Study
DSR-HF-201 is confirmed.
""",
    "q4_rationale.md": """\
The consistency section gives, for each dose against placebo, the Japanese and overall estimates of the
change in LVEF at Week 52 side by side, the Method 1 ratio against the 0.5 threshold, the Method 2
directions by region and the probability that Method 1 holds for 60 and 100 Japanese subjects of 300,
under the observed overall effect.
""",
    "development_plan.md": """\
The sponsor plans one pivotal, randomised, double-blind, placebo-controlled study of the high dose:

- About 300 subjects with heart failure with reduced ejection fraction, NYHA class II-IV, in Japan and
  the United States, with at least one third of subjects enrolled in Japan.
- Primary endpoint: change from baseline in LVEF at Week 52 (core laboratory).
- Key secondary endpoints: KCCQ overall summary score, 6-minute walk distance, and time to heart-failure
  hospitalisation or death.
- Long-term follow-up for 5 years for delayed adverse events of gene therapy.
""",
    "sakigake_innovativeness.md": """\
DSR-101 acts on a mechanism that no approved heart-failure therapy addresses: the loss of SERCA2a
activity in the failing cardiomyocyte. A single administration is intended to give a lasting effect,
which differs from daily drugs that must be taken for life.
""",
    "sakigake_seriousness.md": """\
The target population has symptomatic heart failure with reduced ejection fraction despite optimised
therapy. The condition is life-threatening, and repeated hospitalisation impairs daily life. The
baseline characteristics of the Phase 1/2 population are shown below.
""",
    "sakigake_efficacy.md": """\
Study DSR-HF-201 compared three dose levels with placebo. The change from baseline in LVEF by dose,
the time to heart-failure hospitalisation or death, and the adverse events are summarised below. These
Phase 1/2 data are the basis of the pivotal study design and are not confirmatory.
""",
    "sakigake_japan_first.md": """\
Development was led from Japan: Japanese sites enrolled subjects in the Phase 1/2 study, and the sponsor
plans to submit the first application in Japan, before other regions.
""",

    # the sponsor's positions and their rationale, and the summaries of the designation criteria
    "q1_position.md": """\
The sponsor proposes change from baseline in LVEF at Week 52, read by a blinded echocardiography core
laboratory, as the primary endpoint, with KCCQ overall summary score and 6-minute walk distance as key
secondary endpoints.
""",
    "q1_rationale.md": """\
LVEF reflects the intended mechanism (improved myocardial calcium handling) and is measured objectively.
Study DSR-HF-201 estimated the change in LVEF by dose with a dose-response test; these estimates set the
sample size of the pivotal study. The proposed primary analysis is the MMRM of the change in LVEF at every
visit, with the estimand stated before it (early withdrawal handled by a hypothetical strategy); the LOCF
analysis is a sensitivity analysis.
""",
    "q2_position.md": "The sponsor proposes to compare the high dose with placebo in the pivotal study.\n",
    "q2_rationale.md": """\
The choice rests on the efficacy estimates by dose and on the adverse-event profile by dose in Study
DSR-HF-201, including clinical events.
""",
    "q3_position.md": "Yes, with long-term follow-up continuing after the application and reported periodically.\n",
    "q3_rationale.md": """\
A single administration gives every subject the full exposure. The adverse events by dose in Study
DSR-HF-201 are the basis for the size of the database.
""",
    "sakigake_innovativeness_summary.md": """\
A one-time gene therapy aimed at the calcium-handling defect of the failing heart muscle, which no
approved therapy addresses (synthetic example).
""",
    "sakigake_seriousness_summary.md": "Advanced heart failure is life-threatening, with frequent hospitalisation.\n",
    "sakigake_efficacy_summary.md": "Phase 1/2 data on LVEF, clinical events and safety by dose are presented.\n",
    "sakigake_japan_first_summary.md": "Japan is the first planned application.\n",
}.items()}

TEXTS_JA = {name: NOTE_JA + body for name, body in {
    "product_overview.md": """\
DSR-101は、ヒトSERCA2a（*ATP2A2*）のコード配列を搭載した遺伝子組換えアデノ随伴ウイルス血清型1（AAV1）ベクターである。SERCA2aは、心拍ごとに細胞質のカルシウムを筋小胞体に汲み戻すポンプである。本品は、心臓カテーテル検査の際に順行性の冠動脈内注入により単回投与する。

- 期待される効果：不全心筋細胞のカルシウムサイクリングを回復させ、心筋の収縮及び弛緩を改善する。
- 検討した用量：1e13、3e13及び1e14ベクターゲノム（vg）。
- 日本における区分：再生医療等製品（遺伝子治療用製品）。
""",
    "disease.md": """\
左室駆出率が低下した心不全は、左室が身体の需要を満たすだけの血液を拍出できなくなる進行性の症候群である。患者は息切れ、倦怠感及び体液貯留を呈し、入院を繰り返す。心不全は高齢者に多く、日本では人口の高齢化に伴い患者数が増加している。NYHA心機能分類III度又はIV度の症状を有する患者の予後は不良である。
""",
    "current_treatment.md": """\
ガイドラインに基づく標準的薬物治療では、レニン・アンジオテンシン系阻害薬又はアンジオテンシン受容体ネプリライシン阻害薬、β遮断薬、ミネラルコルチコイド受容体拮抗薬及びSGLT2阻害薬を併用し、うっ血には利尿薬を用いる。植込み型除細動器、心臓再同期療法等のデバイス治療は一部の患者に有用である。重症心不全では補助人工心臓又は心臓移植が必要となることがあるが、いずれも実施できる機会は限られている。
""",
    "unmet_need.md": """\
至適な治療を行っても、多くの患者で症状が残り、再入院を繰り返している。既存の薬剤は神経体液性因子及び負荷条件に作用するものであり、不全心筋における異常なカルシウム制御を是正するものはない。心筋そのものの機能を改善する単回の治療は、これらの患者に新たな選択肢をもたらす。
""",
    "development_history.md": """\
- 非臨床薬理試験及び毒性試験の成績に基づき、初めてヒトに投与する臨床試験を開始した（合成データによる例示）。
- DSR-HF-201試験（本資料の対象試験）：日本及び米国で実施した無作為化プラセボ対照用量設定第I/II相試験であり、冠動脈内に単回注入し、52週間追跡した。
- 投与を受けた被験者の長期追跡調査を、別の実施計画書に基づき5年間継続している。
""",
    "quality_nonclinical.md": """\
ベクターは哺乳類細胞株への一過性トランスフェクションにより製造し、クロマトグラフィーにより精製する。出荷試験は、確認試験、ベクターゲノム量、効力、純度及び外来性感染性物質に関する試験からなる（合成データによる例示）。非臨床試験では、冠動脈内投与後の体内分布、排出（シェディング）及び毒性を検討した。それらの結果は、資料一式の添付資料に要約している。
""",
    "q4_position.md": """\
同意いただきたい。申請者は、約300例のうち約100例を日本で組み入れることにより、DSR-HF-201試験で認められたLVEFへの効果が確認されれば、「国際共同治験に関する基本的考え方」（2007年）の方法1が成り立つ可能性が高いと考える。
""",
    "q4_rationale.md": """\
一貫性の節に、各用量とプラセボとの比較について、52週時のLVEFの変化量の日本人集団と全体集団の推定値、閾値0.5に対する方法1の比、地域別の方法2の方向、及び観察された全体集団の効果の下で300例中60例及び100例の日本人被験者で方法1が成り立つ確率を示す。
""",
    "development_plan.md": """\
申請者は、高用量を用いた無作為化二重盲検プラセボ対照の検証的試験を1試験実施する計画である。

- 対象：日本及び米国の、NYHA心機能分類II～IV度の左室駆出率が低下した心不全患者約300例。少なくとも3分の1を日本で組み入れる。
- 主要評価項目：第52週におけるLVEFのベースラインからの変化量（コアラボラトリーによる判定）。
- 主な副次評価項目：KCCQ総合要約スコア、6分間歩行距離及び心不全による入院又は死亡までの期間。
- 遺伝子治療に伴う遅発性の有害事象について、5年間の長期追跡調査を行う。
""",
    "sakigake_innovativeness.md": """\
DSR-101は、既承認の心不全治療薬が作用しない機序、すなわち不全心筋細胞におけるSERCA2a活性の低下に作用する。単回投与で持続的な効果を得ることを目指しており、生涯にわたり毎日服用する必要がある薬剤とは異なる。
""",
    "sakigake_seriousness.md": """\
対象患者は、至適な治療を行っても症状を有する左室駆出率が低下した心不全患者である。本疾患は生命を脅かすものであり、入院の繰り返しにより日常生活が損なわれる。第I/II相試験の対象集団のベースライン特性を以下に示す。
""",
    "sakigake_efficacy.md": """\
DSR-HF-201試験では、3用量をプラセボと比較した。用量別のLVEFのベースラインからの変化量、心不全による入院又は死亡までの期間及び有害事象を以下に要約する。これらの第I/II相試験のデータは検証的試験のデザインの根拠とするものであり、検証的なデータではない。
""",
    "sakigake_japan_first.md": """\
開発は日本主導で進めている。第I/II相試験では日本の施設が被験者を組み入れており、申請者は他の国・地域に先駆けて日本で最初の承認申請を行う計画である。
""",

    "q1_position.md": """\
申請者は、盲検下で心エコー図のコアラボラトリーが判定する第52週におけるLVEFのベースラインからの変化量を主要評価項目とし、KCCQ総合要約スコア及び6分間歩行距離を主な副次評価項目とすることを提案する。
""",
    "q1_rationale.md": """\
LVEFは想定する作用機序（心筋のカルシウム制御の改善）を反映し、客観的に測定できる。DSR-HF-201試験では、用量別のLVEFの変化量を推定し、用量反応性を検定した。これらの推定値に基づき検証的試験の症例数を設定する。主要解析には、各来院時のLVEFの変化量の反復測定混合効果モデル（MMRM）を提案し、その推定対象を併せて示す（試験からの早期中止は仮想ストラテジーで扱う）。LOCFによる解析は感度解析とする。
""",
    "q2_position.md": "申請者は、検証的試験において高用量とプラセボを比較することを提案する。\n",
    "q2_rationale.md": """\
本選択は、DSR-HF-201試験における用量別の有効性の推定値並びに臨床イベントを含む用量別の有害事象の発現状況に基づく。
""",
    "q3_position.md": "申請者は、承認申請後も長期追跡調査を継続し、その結果を定期的に報告することにより、十分な安全性データベースになると考える。\n",
    "q3_rationale.md": """\
本品は単回投与であるため、すべての被験者が投与時に全量の曝露を受ける。安全性データベースの規模は、DSR-HF-201試験における用量別の有害事象の発現状況に基づき設定した。
""",
    "sakigake_innovativeness_summary.md": """\
既承認の治療法が対象としていない不全心筋のカルシウム制御異常を標的とする、単回投与の遺伝子治療である（合成データによる例示）。
""",
    "sakigake_seriousness_summary.md": "重症心不全は生命を脅かす疾患であり、入院を頻回に繰り返す。\n",
    "sakigake_efficacy_summary.md": "LVEF、臨床イベント及び安全性に関する用量別の第I/II相試験のデータを示した。\n",
    "sakigake_japan_first_summary.md": "日本での承認申請を、他の国・地域に先駆けて最初に行う予定である。\n",
}.items()}


# ------------------------------------------------------------------------------------------------ orphan draft
# The `orphan:` section (dossier's orphan designation application draft). SYNTHETIC: the target population and
# its prevalence are INVENTED for the example; only the population of Japan is a published figure.
SPEC["product"]["type"] = "regenerative_medicine"
ARMS_JA = {"Placebo": "プラセボ", "Low dose (1e13 vg)": "低用量（1e13 vg）", "Mid dose (3e13 vg)": "中用量（3e13 vg）",
           "High dose (1e14 vg)": "高用量（1e14 vg）"}
SPEC["labels"] = {
    **{arm: {"values": {name: {"ja": ja} for name, ja in ARMS_JA.items()}} for arm in ("TRT01A", "TRT01P")},
    "HFETIOL": {"label": sc.titled("Heart-failure aetiology", "心不全の病因"),
                "values": {"Ischaemic": sc.titled("Ischaemic", "虚血性"),
                           "Non-ischaemic": sc.titled("Non-ischaemic", "非虚血性")}},
    "NYHABL": {"label": sc.titled("Baseline NYHA class", "ベースライン時のNYHA心機能分類"),
               "values": {name: sc.titled(name, f"{name.split()[1]}度") for name in NYHA_CLASS.values()}},
    "BLLVEF": {"label": sc.titled("Baseline LVEF (%)", "ベースライン時のLVEF（%）")},
    "PARAM": {"values": {"Left ventricular ejection fraction (%)": {"ja": "左室駆出率（%）"}, **sg.param_labels()}},
}
SPEC["meddra_ja"] = "meddra_ja.csv"  # the example's own translations of its MedDRA terms (not MedDRA/J)
SPEC["orphan"] = {
    "version": sc.VERSION,
    "development_stage": sc.titled("Phase 1/2 completed (52-week data); pivotal study in planning",
                                       "第I/II相試験完了（52週データ）、検証的試験を計画中"),
    "target_disease": {"en": "Advanced heart failure with reduced ejection fraction in patients ineligible for a "
                             "ventricular assist device or heart transplantation (synthetic example)",
                       "ja": "補助人工心臓及び心臓移植の適応とならない左室駆出率の低下した重症心不全（合成データによる例示）"},
    "indication": {"en": "Improvement of cardiac function and symptoms in advanced heart failure with reduced ejection "
                         "fraction in patients ineligible for a ventricular assist device or heart transplantation "
                         "(synthetic example)",
                   "ja": "補助人工心臓及び心臓移植の適応とならない左室駆出率の低下した重症心不全における心機能及び症状の改善"
                         "（合成データによる例示）"},
    "disease": "text/orphan_disease.md",
    "patients": {
        "prevalence_per_100000": 25.0,
        "prevalence_source": {"en": "INVENTED for this synthetic example (no survey exists behind it)",
                              "ja": "本合成データ例のための架空の値（根拠となる調査は存在しない）"},
        "population": 123_802_000,
        "population_year": 2024,
        "population_source": {"en": "Statistics Bureau of Japan, Population Estimates, 1 October 2024 (total "
                                    "population)", "ja": "総務省統計局 人口推計（2024年10月1日現在、総人口）"},
        "note": {"en": "SYNTHETIC: the prevalence is invented; the estimate illustrates the calculation only.",
                 "ja": "合成データ：有病率は架空の値であり、推計は計算方法の例示にすぎない。"},
        "text": "text/orphan_patients.md",
        "summary": "text/orphan_patients_summary.md",
    },
    "medical_need": {"text": "text/orphan_need.md", "summary": "text/orphan_need_summary.md", "analyses": ["demog"]},
    "development": {"text": "text/orphan_development.md", "plan": "text/orphan_plan.md",
                    "summary": "text/orphan_development_summary.md", "analyses": ["lvef", "tte-hf", "teae"]},
    "schedule": [
        {"milestone": {"en": "Orphan designation application", "ja": "希少疾病用再生医療等製品指定申請"}, "date": sc.quarter(2027, 1),
         "region": sc.titled("Japan", "日本")},
        {"milestone": {"en": "Pivotal study start", "ja": "検証的試験開始"}, "date": sc.quarter(2027, 3),
         "region": sc.titled("Japan and US", "日本及び米国")},
        {"milestone": {"en": "Application", "ja": "承認申請"}, "date": sc.quarter(2030, 1),
         "region": sc.titled("Japan", "日本")},
    ],
    "references": [sc.titled("Synthetic reference 1: an invented epidemiological survey of advanced heart failure "
                             "(synthetic)", "合成文献1：重症心不全に関する架空の疫学調査（合成データ）"),
                   sc.titled("Synthetic reference 2: Study DSR-HF-201 clinical study report (synthetic)",
                             "合成文献2：DSR-HF-201試験 治験総括報告書（合成データ）")],
    "attachments": [sc.titled("Study DSR-HF-201 clinical study report synopsis (synthetic)",
                              "DSR-HF-201試験 治験総括報告書の概要（合成データ）"),
                    sc.titled("Estimate of the number of patients in Japan (synthetic)",
                              "本邦における患者数の推計（合成データ）")],
}
TEXTS.update({name: NOTE + body for name, body in {
    "orphan_disease.md": """\
The target population is the subset of patients with heart failure with reduced ejection fraction whose
disease has progressed despite optimised therapy and who cannot receive a ventricular assist device or a
heart transplant (synthetic example: this population and its size are invented).
""",
    "orphan_patients.md": """\
The number of patients in Japan is estimated as an invented prevalence of
[[documents:orphan/patients/prevalence_per_100000|1]] per 100,000 multiplied by the total population of Japan
on 1 October 2024, giving about [[documents:orphan/patients/estimate|0,]] patients.
The prevalence is INVENTED for this synthetic example; a real application would use several independent
sources (for example MHLW research-grant surveys and registries).
""",
    "orphan_patients_summary.md": "The estimate, about [[documents:orphan/patients/estimate|0,]] patients, is "
                                  "below the threshold of [[documents:orphan/patients/threshold|0,]] (synthetic "
                                  "example).\n",
    "orphan_need.md": """\
No approved treatment corrects the abnormal calcium handling of the failing heart muscle, and patients who
cannot receive a ventricular assist device or a transplant have no further option beyond medical therapy.
""",
    "orphan_need_summary.md": "A serious, life-threatening disease without an appropriate alternative treatment "
                              "(synthetic example).\n",
    "orphan_development.md": """\
SERCA2a expression is reduced in the failing heart; restoring it by AAV1 gene transfer improved contraction
in nonclinical models (synthetic example). Study DSR-HF-201 gives the data so far, shown below.
""",
    "orphan_plan.md": """\
A pivotal randomised study in Japan and the United States is planned, followed by an application in Japan
first. The schedule is below.
""",
    "orphan_development_summary.md": "A theoretical rationale and a feasible development plan support the "
                                     "development (synthetic example).\n",
}.items()})
TEXTS_JA.update({name: NOTE_JA + body for name, body in {
    "orphan_disease.md": "対象は、左室駆出率の低下した心不全のうち、至適な治療にもかかわらず進行し、補助人工心臓及び心臓移植の適応とならない患者である（合成データによる例示：この集団及びその規模は架空である）。\n",
    "orphan_patients.md": "本邦の対象者数は、架空の有病率（人口10万人当たり[[documents:orphan/patients/prevalence_per_100000|1]]人）に2024年10月1日現在の本邦の総人口を乗じて推計し、約[[documents:orphan/patients/estimate|0,]]人とした。有病率は本合成データ例のための架空の値である。実際の申請では、複数の独立した資料（厚生労働科学研究の調査、登録研究等）を用いることが望ましい。\n",
    "orphan_patients_summary.md": "推定対象者数は約[[documents:orphan/patients/estimate|0,]]人であり、基準である[[documents:orphan/patients/threshold|0,]]人を下回る（合成データによる例示）。\n",
    "orphan_need.md": "心不全の心筋におけるカルシウム動態の異常を是正する承認された治療法はなく、補助人工心臓及び心臓移植の適応とならない患者には薬物療法以外の選択肢がない。\n",
    "orphan_need_summary.md": "生命を脅かす重篤な疾病であり、代替する適切な治療法がない（合成データによる例示）。\n",
    "orphan_development.md": "心不全の心筋ではSERCA2aの発現が低下しており、AAV1による遺伝子導入でその発現を回復させると、非臨床モデルで心収縮が改善した（合成データによる例示）。これまでに得られているデータはDSR-HF-201試験のとおりである。\n",
    "orphan_plan.md": "日本及び米国で無作為化検証的試験を実施し、その後、日本で最初に承認申請を行う計画である。スケジュールを以下に示す。\n",
    "orphan_development_summary.md": "理論的根拠があり、開発計画は実施可能である（合成データによる例示）。\n",
}.items()})


# ------------------------------------------------------------------------------------- front and back matter
# the applicant, the programme's studies, references cited as [@key] and abbreviations (dossier/document/matter.py);
# every fact here is invented (SYNTHETIC)
SPEC["applicant"] = sc.APPLICANT
SPEC["studies"] = [
    {"id": "DSR-HF-201", "phase": "1/2", "design": {"en": "Randomised, double-blind, placebo-controlled dose ranging (three doses)", "ja": "無作為化、二重盲検、プラセボ対照、用量設定（3用量）"},
     "population": {"en": "Heart failure with reduced ejection fraction, NYHA class III-IV", "ja": "左室駆出率が低下した心不全（NYHA心機能分類III～IV度）"}, "region": {"en": "Japan, US", "ja": "日本、米国"},
     "n": sum(n for _, n in DESIGN.arms), "status": {"en": "Completed (synthetic)", "ja": "終了（架空）"}},
    {"id": "DSR-HF-301", "phase": "3", "design": {"en": "Randomised, double-blind, placebo-controlled; high dose (1e14 vg) vs placebo", "ja": "無作為化、二重盲検、プラセボ対照；高用量（1e14 vg）とプラセボの比較"},
     "population": {"en": "Heart failure with reduced ejection fraction, NYHA class III-IV", "ja": "左室駆出率が低下した心不全（NYHA心機能分類III～IV度）"}, "region": {"en": "Japan, US", "ja": "日本、米国"},
     "n": {"en": "about 300 (planned)", "ja": "約300例（計画）"}, "status": {"en": "Planned (synthetic)", "ja": "計画中（架空）"}},
]
SPEC["references"] = [
    {"key": "survey", "citation": {"en": "Example Research Group. An invented survey of advanced heart failure in Japan. "
                                   "Synthetic Journal. 2024;1:1-10 (synthetic).",
                                   "ja": "例示研究班．本邦における重症心不全の架空の調査．架空誌．2024;1:1-10（架空）．"}},
    {"key": "csr", "citation": {"en": "Example Sponsor. Study DSR-HF-201 clinical study report (synthetic). 2025.",
                                "ja": "例示スポンサー．DSR-HF-201試験 治験総括報告書（架空）．2025．"}},
    sc.MHLW_2007,
]
SPEC["abbreviations"] = {"SERCA2a": {"en": "sarco/endoplasmic reticulum Ca2+-ATPase 2a", "ja": "筋小胞体Ca2+-ATPase 2a"}}
SPEC["briefing"]["attachments"] = [
    {"en": "Study DSR-HF-201 clinical study report synopsis (synthetic)", "ja": "DSR-HF-201試験 治験総括報告書の概要（架空）"},
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
- Single intracoronary infusion on TRTSDT; visits at Baseline and Weeks 4, 12, 26 and 52 (windows
  +/-3 to +/-14 days).
- A latent severity per subject lowers baseline LVEF, 6MWD and KCCQ, raises NYHA class and raises the
  event and dropout hazards. Baselines must meet eligibility (e.g. LVEF 12-35%), so regression to the
  mean is built in.
- True Week-52 effects vs placebo (low/mid/high): LVEF {LVEF_EFFECT[1:]} points, 6MWD {SIXMWD_EFFECT[1:]} m,
  KCCQ {KCCQ_EFFECT[1:]} points, NYHA class {NYHA_EFFECT[1:]}, rising with time constant 8 weeks; SD of the
  Week-52 change in LVEF about 6 points.
- Placebo one-year risks: heart-failure hospitalisation {HFH_YEAR:.0%}, death {DEATH_YEAR:.0%}, dropout
  {DROP_YEAR:.0%}; true hazard ratios (low/mid/high) {HFH_HR[1:]} for hospitalisation and {DEATH_HR[1:]}
  for death; dropout rate ratios {DROP_RR} by arm (placebo first).
"""
    conventions = sg.README + """\
ADTTE censors at the Week 52 visit (END OF STUDY) or at the last contact of subjects who left early.
Every heart-failure hospitalisation is a serious "Cardiac failure" adverse event and every death has a
fatal adverse event. NYHA class has AVALC ("Class I" ... "Class IV") as well as AVAL 1-4.
"""
    return sc.readme(DESIGN, "DSR-101", seed, datasets, model, conventions)
