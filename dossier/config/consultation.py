"""PMDA's consultation categories (対面助言の相談区分), per product type, for `briefing.consultation_category`.

PMDA's implementation rules (「独立行政法人医薬品医療機器総合機構が行う対面助言、証明確認調査等の実施要綱等について」,
薬機発第0302070号 of 2012-03-02 and its later amendments) define one list of categories for drugs, one for
regenerative medical products and one for medical devices; the RS strategy consultations (RS戦略相談) have
their own rules. A briefing names one category: dossier.yaml gives its short id (`pre_application`), its
official Japanese name or its English rendering, and the document prints the official name in its language.

A category's `source` is the stored public page its Japanese name was read on (docs/regulatory-sources.md lists
each); a category without one is modelled on the others and not confirmed by any source found, so the list is
the sponsor's to check against PMDA's current form before filing (README). `also`: earlier names this project
used, still accepted. The English names are this project's renderings (PMDA publishes no official English list
of the categories).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

# the stored pages (docs/regulatory-sources.md) that name categories
PMDA_SCHEDULE = "https://www.pmda.go.jp/review-services/f2f-pre/consultations/0007.html"
PMDA_RS = "https://www.pmda.go.jp/review-services/f2f-pre/strategies/0005.html"
# a copy of PMDA's page review-services/f2f-pre/consultations/0046.html (先駆け総合評価相談), as stored
PMDA_SAKIGAKE = "https://d8ngmj82ryyvjem5wj82e8hp.roads-uae.com/review-services/f2f-pre/consultations/0046.html"
NOTICE_2016 = "https://expydoc.com/doc/10233104/"  # 薬機発第0302070号 as amended on 2016-07-21


@dataclass(frozen=True)
class Category:
    id: str  # the short id dossier.yaml may give
    ja: str  # the official name (実施要綱)
    en: str  # an English rendering
    source: str = ""  # the stored page that names it ("": not confirmed by a source found)
    also: tuple[str, ...] = ()  # earlier names still accepted


def _drug() -> tuple[Category, ...]:
    rows = (
        ("procedure", "医薬品手続相談", "Procedural consultation on drugs", PMDA_SCHEDULE),
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
        ("sakigake_assessment", "先駆け総合評価相談（臨床）",
         "SAKIGAKE comprehensive assessment consultation (clinical) on drugs", PMDA_SAKIGAKE,
         ("先駆的医薬品総合評価相談", "先駆け総合評価相談")),
        ("conditional_approval", "医薬品条件付き承認品目該当性相談",
         "Consultation on eligibility of drugs for conditional approval"),
        ("rs_strategy", "医薬品戦略相談", "RS strategy consultation on drugs (academia and ventures)", PMDA_RS),
        ("expanded_access_trial", "医薬品拡大治験開始前相談",
         "Consultation before the start of an expanded-access trial of drugs", PMDA_SCHEDULE),
        ("post_marketing_plan", "医薬品製造販売後臨床試験等計画相談",
         "Consultation on the plan of post-marketing clinical trials of drugs", PMDA_SCHEDULE),
        ("post_marketing_end", "医薬品製造販売後臨床試験等終了時相談",
         "Consultation at the end of post-marketing clinical trials of drugs", PMDA_SCHEDULE),
        ("data_package", "医薬品申請データパッケージ相談",
         ("Consultation on the application data package of drugs (unapproved drugs of high medical need, "
          "investigator-initiated trials)"), PMDA_SCHEDULE),
        ("reexamination_compliance", "医薬品再審査適合性調査相談",
         "Consultation on the compliance of re-examination data of drugs", NOTICE_2016),
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
        ("sakigake_assessment", "先駆け総合評価相談（臨床）",
         "SAKIGAKE comprehensive assessment consultation (clinical) on regenerative medical products", "",
         ("先駆的再生医療等製品総合評価相談",)),
        ("humanitarian_trial", "再生医療等製品人道的見地から実施される治験相談",
         "Consultation on trials conducted from a humanitarian standpoint (regenerative medical products)"),
        ("rs_strategy", "再生医療等製品戦略相談",
         "RS strategy consultation on regenerative medical products (academia and ventures)", PMDA_RS),
        ("quality_safety", "再生医療等製品等の品質及び安全性に係る相談",
         "Consultation on the quality and safety of regenerative medical products and similar products", PMDA_RS),
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
        ("sakigake_assessment", "先駆け総合評価相談（臨床）",
         "SAKIGAKE comprehensive assessment consultation (clinical) on medical devices", "",
         ("先駆的医療機器総合評価相談",)),
        ("humanitarian_trial", "医療機器人道的見地から実施される治験相談",
         "Consultation on trials conducted from a humanitarian standpoint (medical devices)"),
        ("rs_strategy", "医療機器戦略相談", "RS strategy consultation on medical devices (academia and ventures)",
         PMDA_RS),
    )
    return tuple(Category(*row) for row in rows)


CATEGORIES: dict[str, tuple[Category, ...]] = {
    "drug": _drug(), "regenerative_medicine": _regenerative(), "device": _device()}

# how the messages name each product type
TYPE_NAMES = {"drug": "drugs", "regenerative_medicine": "regenerative medicine products", "device": "medical devices"}


def _names(category: Category) -> tuple[str, ...]:
    return category.id, category.ja, category.en, *category.also


def _key(text: str) -> str:
    """Names compare without case, spaces, the Roman/ASCII numeral difference (第Ⅱ相 = 第II相) and the width of
    brackets."""
    folded = text.replace("Ⅰ", "I").replace("Ⅱ", "II").replace("Ⅲ", "III").replace("　", " ").replace(
        "（", "(").replace("）", ")")
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


def readme_table() -> list[str]:
    """The README's table of the categories (tests/test_front_matter.py checks that the README holds it): one row
    per id, the Japanese name of each product type, ✓ after a name a stored source confirms."""
    ids = list(dict.fromkeys(c.id for kind in CATEGORIES.values() for c in kind))
    rows = ["| id | drug (医薬品) | regenerative medicine (再生医療等製品) | device (医療機器) |",
            "| --- | --- | --- | --- |"]
    for category_id in ids:
        cells = []
        for kind in CATEGORIES.values():
            found = next((c for c in kind if c.id == category_id), None)
            cells.append("-" if found is None else found.ja + (" ✓" if found.source else ""))
        rows.append(f"| `{category_id}` | " + " | ".join(cells) + " |")
    return rows
