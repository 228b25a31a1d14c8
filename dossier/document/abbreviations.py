"""The list of abbreviations (略語一覧): a packaged dictionary of clinical abbreviations, dossier.yaml's
`abbreviations:` additions and overrides, and the search of a rendered document for the ones it uses.

A document lists only the abbreviations that occur in its own text (as a whole word: "AE" is found in "AEの"
and "(AE)", not in "SAE" or "AESER"), sorted alphabetically. Japanese expansions follow the ICH/PMDA terms
of the glossary (有害事象, 重篤な有害事象, 信頼区間 ...).
"""

from __future__ import annotations

import re

# abbreviation -> (English expansion, Japanese expansion)
BUILT_IN: dict[str, tuple[str, str]] = {
    "AAV": ("adeno-associated virus", "アデノ随伴ウイルス"),
    "ADaM": ("Analysis Data Model", "解析データモデル"),
    "ADAS-Cog": ("Alzheimer's Disease Assessment Scale - Cognitive Subscale",
                 "アルツハイマー病評価尺度－認知機能下位尺度"),
    "AE": ("adverse event", "有害事象"),
    "AESI": ("adverse event of special interest", "特に注目すべき有害事象"),
    "ANCOVA": ("analysis of covariance", "共分散分析"),
    "AR(1)": ("first-order autoregressive", "1次自己回帰"),
    "BMI": ("body mass index", "体格指数"),
    "CDISC": ("Clinical Data Interchange Standards Consortium", "CDISC（臨床データ交換標準コンソーシアム）"),
    "CI": ("confidence interval", "信頼区間"),
    "CTCAE": ("Common Terminology Criteria for Adverse Events", "有害事象共通用語規準"),
    "DOI": ("digital object identifier", "デジタルオブジェクト識別子"),
    "eCTD": ("electronic Common Technical Document", "電子化コモン・テクニカル・ドキュメント"),
    "FAS": ("full analysis set", "最大の解析対象集団"),
    "GCP": ("Good Clinical Practice", "医薬品の臨床試験の実施の基準"),
    "HR": ("hazard ratio", "ハザード比"),
    "ICH": ("International Council for Harmonisation of Technical Requirements for Pharmaceuticals for Human Use",
            "医薬品規制調和国際会議"),
    "ITT": ("intention to treat", "治療企図"),
    "KCCQ": ("Kansas City Cardiomyopathy Questionnaire", "カンザスシティ心筋症質問票"),
    "LOCF": ("last observation carried forward", "最終観測値による補完"),
    "LS": ("least squares", "最小二乗"),
    "LVEF": ("left ventricular ejection fraction", "左室駆出率"),
    "MCID": ("minimal clinically important difference", "臨床的に意味のある最小変化量"),
    "MDS-UPDRS": ("Movement Disorder Society-sponsored revision of the Unified Parkinson's Disease Rating Scale",
                  "MDS改訂版パーキンソン病統一スケール"),
    "MedDRA": ("Medical Dictionary for Regulatory Activities", "ICH国際医薬用語集"),
    "MHLW": ("Ministry of Health, Labour and Welfare", "厚生労働省"),
    "MMRM": ("mixed model for repeated measures", "反復測定混合効果モデル"),
    "NE": ("not estimable", "推定不能"),
    "NYHA": ("New York Heart Association", "ニューヨーク心臓協会"),
    "PMDA": ("Pharmaceuticals and Medical Devices Agency", "独立行政法人医薬品医療機器総合機構"),
    "PPS": ("per protocol set", "治験実施計画書に適合した対象集団"),
    "PT": ("preferred term", "基本語"),
    "REML": ("restricted maximum likelihood", "制限付き最尤法"),
    "SAE": ("serious adverse event", "重篤な有害事象"),
    "SAKIGAKE": ("SAKIGAKE designation (pioneering products)", "先駆的医薬品等指定制度"),
    "SD": ("standard deviation", "標準偏差"),
    "SE": ("standard error", "標準誤差"),
    "SHA-256": ("Secure Hash Algorithm, 256-bit", "セキュアハッシュアルゴリズム（256ビット）"),
    "SOC": ("system organ class", "器官別大分類"),
    "TEAE": ("treatment-emergent adverse event", "治験薬投与後に発現した有害事象"),
    "vg": ("vector genomes", "ベクターゲノム"),
}


def dictionary(overrides: dict[str, str | None], lang: str) -> dict[str, str]:
    """abbreviation -> its expansion in `lang`: the packaged dictionary with dossier.yaml's `abbreviations:`
    (localised: one text per abbreviation; None removes a packaged one)."""
    out = {abbr: (en if lang == "en" else ja) for abbr, (en, ja) in BUILT_IN.items()}
    for abbr, text in overrides.items():
        if text is None:
            out.pop(abbr, None)
        else:
            out[abbr] = text
    return out


# a whole word: no ASCII letter, digit, hyphen or underscore either side (a Japanese character is a boundary)
_EDGE = "A-Za-z0-9_-"


def used(text: str, abbreviations: dict[str, str]) -> list[tuple[str, str]]:
    """(abbreviation, expansion) of every abbreviation occurring in `text` (a document's visible text:
    dossier.render.html.visible_text), sorted alphabetically (case-insensitive, then as written)."""
    found = []
    for abbr, expansion in abbreviations.items():
        pattern = f"(?<![{_EDGE}]){re.escape(abbr)}(?![{_EDGE}])"
        if re.search(pattern, text):
            found.append((abbr, expansion))
    return sorted(found, key=lambda pair: (pair[0].casefold(), pair[0]))
