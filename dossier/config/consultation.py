"""PMDA's consultation categories (対面助言の相談区分), per product type, for `briefing.consultation_category`.

PMDA's implementation rules (「独立行政法人医薬品医療機器総合機構が行う対面助言、証明確認調査等の実施要綱等について」,
薬機発第0302070号 of 2012-03-02 and its later amendments) define one list of categories for drugs, one for
regenerative medical products and one for medical devices; the RS strategy consultations (RS戦略相談) have
their own rules. A briefing names one category: dossier.yaml gives its short id (`pre_application`), its
official Japanese name or its English rendering, and the document prints the official name in its language.

Which names were read in a public source and which are not yet checked: docs/regulatory-sources.md. The
English names are this project's renderings (PMDA publishes no official English list of the categories).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    id: str  # the short id dossier.yaml may give
    ja: str  # the official name (実施要綱)
    en: str  # an English rendering


def _drug() -> tuple[Category, ...]:
    rows = (
        ("procedure", "医薬品手続相談", "Procedural consultation on drugs"),
        ("bioequivalence", "医薬品生物学的同等性試験等相談", "Consultation on bioequivalence studies of drugs"),
        ("safety", "医薬品安全性相談", "Consultation on the safety (nonclinical) of drugs"),
        ("quality", "医薬品品質相談", "Consultation on the quality of drugs"),
        ("phase1_start", "医薬品第Ⅰ相試験開始前相談", "Consultation before the start of phase I trials of drugs"),
        ("early_phase2_start", "医薬品前期第Ⅱ相試験開始前相談",
         "Consultation before the start of early phase II trials of drugs"),
        ("late_phase2_start", "医薬品後期第Ⅱ相試験開始前相談",
         "Consultation before the start of late phase II trials of drugs"),
        ("end_of_phase2", "医薬品第Ⅱ相試験終了後相談", "Consultation after the completion of phase II trials of drugs"),
        ("pre_application", "医薬品申請前相談", "Pre-application consultation on drugs"),
        ("additional", "医薬品追加相談", "Additional consultation on drugs"),
        ("prior_assessment", "医薬品事前評価相談", "Prior assessment consultation on drugs"),
        ("sakigake_assessment", "先駆的医薬品総合評価相談",
         "Comprehensive assessment consultation for SAKIGAKE (pioneering) drugs"),
        ("conditional_approval", "医薬品条件付き承認品目該当性相談",
         "Consultation on eligibility of drugs for conditional approval"),
        ("rs_strategy", "医薬品戦略相談", "RS strategy consultation on drugs (academia and ventures)"),
    )
    return tuple(Category(*row) for row in rows)


def _regenerative() -> tuple[Category, ...]:
    rows = (
        ("procedure", "再生医療等製品手続相談", "Procedural consultation on regenerative medical products"),
        ("quality", "再生医療等製品品質相談", "Consultation on the quality of regenerative medical products"),
        ("safety", "再生医療等製品安全性相談",
         "Consultation on the safety (nonclinical) of regenerative medical products"),
        ("phase1_start", "再生医療等製品第Ⅰ相試験開始前相談",
         "Consultation before the start of phase I trials of regenerative medical products"),
        ("early_phase2_start", "再生医療等製品前期第Ⅱ相試験開始前相談",
         "Consultation before the start of early phase II trials of regenerative medical products"),
        ("late_phase2_start", "再生医療等製品後期第Ⅱ相試験開始前相談",
         "Consultation before the start of late phase II trials of regenerative medical products"),
        ("end_of_phase2", "再生医療等製品第Ⅱ相試験終了後相談",
         "Consultation after the completion of phase II trials of regenerative medical products"),
        ("pre_application", "再生医療等製品申請前相談", "Pre-application consultation on regenerative medical products"),
        ("additional", "再生医療等製品追加相談", "Additional consultation on regenerative medical products"),
        ("prior_assessment", "再生医療等製品事前評価相談",
         "Prior assessment consultation on regenerative medical products"),
        ("sakigake_assessment", "先駆的再生医療等製品総合評価相談",
         "Comprehensive assessment consultation for SAKIGAKE (pioneering) regenerative medical products"),
        ("humanitarian_trial", "再生医療等製品人道的見地から実施される治験相談",
         "Consultation on trials conducted from a humanitarian standpoint (regenerative medical products)"),
        ("rs_strategy", "再生医療等製品戦略相談",
         "RS strategy consultation on regenerative medical products (academia and ventures)"),
        ("quality_safety", "再生医療等製品等の品質及び安全性に係る相談",
         "Consultation on the quality and safety of regenerative medical products and similar products"),
    )
    return tuple(Category(*row) for row in rows)


def _device() -> tuple[Category, ...]:
    rows = (
        ("development_start", "医療機器開発前相談", "Pre-development consultation on medical devices"),
        ("safety", "医療機器安全性確認相談", "Consultation on the safety confirmation of medical devices"),
        ("quality", "医療機器品質相談", "Consultation on the quality of medical devices"),
        ("performance", "医療機器性能試験相談", "Consultation on performance tests of medical devices"),
        ("clinical_evaluation", "医療機器臨床評価相談", "Consultation on the clinical evaluation of medical devices"),
        ("exploratory_trial", "医療機器探索的治験相談", "Consultation on exploratory trials of medical devices"),
        ("trial", "医療機器治験相談", "Consultation on clinical trials of medical devices"),
        ("pre_application", "医療機器申請前相談", "Pre-application consultation on medical devices"),
        ("procedure", "医療機器申請手続相談", "Consultation on application procedures for medical devices"),
        ("additional", "医療機器追加相談", "Additional consultation on medical devices"),
        ("sakigake_assessment", "先駆的医療機器総合評価相談",
         "Comprehensive assessment consultation for SAKIGAKE (pioneering) medical devices"),
        ("humanitarian_trial", "医療機器人道的見地から実施される治験相談",
         "Consultation on trials conducted from a humanitarian standpoint (medical devices)"),
        ("rs_strategy", "医療機器戦略相談", "RS strategy consultation on medical devices (academia and ventures)"),
    )
    return tuple(Category(*row) for row in rows)


CATEGORIES: dict[str, tuple[Category, ...]] = {
    "drug": _drug(), "regenerative_medicine": _regenerative(), "device": _device()}

# how the messages name each product type
TYPE_NAMES = {"drug": "drugs", "regenerative_medicine": "regenerative medicine products", "device": "medical devices"}


def _names(category: Category) -> tuple[str, ...]:
    return category.id, category.ja, category.en


def _key(text: str) -> str:
    """Names compare without case, spaces and the Roman/ASCII numeral difference (第Ⅱ相 = 第II相)."""
    folded = text.replace("Ⅰ", "I").replace("Ⅱ", "II").replace("Ⅲ", "III").replace("　", " ")
    return " ".join(folded.casefold().replace("-", " ").replace("_", " ").split())


def find(value: str, product_type: str) -> Category | None:
    """The category of `product_type` that `value` names (its id, Japanese or English name), or None."""
    wanted = _key(value)
    return next((c for c in CATEGORIES[product_type] if wanted in map(_key, _names(c))), None)


def problem(value: str, product_type: str) -> str | None:
    """Why `value` names no consultation category of `product_type` (with a did-you-mean), or None."""
    if find(value, product_type) is not None:
        return None
    other = [kind for kind in CATEGORIES if kind != product_type and find(value, kind) is not None]
    if other:
        return (f"{value!r} is a consultation category for {TYPE_NAMES[other[0]]}, but product.type is "
                f"{product_type!r}; give a category for {TYPE_NAMES[product_type]} (see the README)")
    names = {_key(n): c for c in CATEGORIES[product_type] for n in _names(c)}
    close = difflib.get_close_matches(_key(value), list(names), n=1, cutoff=0.6)
    hint = ""
    if close:
        c = names[close[0]]
        hint = f" (did you mean {c.id!r}: {c.ja} / {c.en}?)"
    return (f"{value!r} is not a PMDA consultation category for {TYPE_NAMES[product_type]}{hint}; give its id, "
            "official Japanese name or English name (see the README's list)")


def official_name(value: str, product_type: str, lang: str) -> str:
    """The category's official name in document language `lang` (the value itself when it names none)."""
    category = find(value, product_type)
    if category is None:
        return value
    return category.ja if lang == "ja" else category.en
