"""The words a document uses for the product's category under the PMD Act (dossier.yaml `product.type`).

Each category names glossary keys, so every document (the orphan draft now; the SAKIGAKE draft in issue 16)
takes its wording from one table: `words(product_type)` -> {role: glossary key}. A template reads them
through the context's `product_words` (role -> text of the document language).
"""

from __future__ import annotations

PRODUCT_TYPES = ("drug", "regenerative_medicine", "device")

# role -> glossary key prefix; the key is "<prefix>_<product type>" (e.g. orphan_designation_device)
ROLES = {
    "category": "product_category",  # drug / regenerative medical product / medical device (医薬品 ...)
    "orphan": "orphan_designation",  # 希少疾病用医薬品 / 希少疾病用再生医療等製品 / 希少疾病用医療機器
    "sakigake": "sakigake_designation",  # 先駆的医薬品 / 先駆的再生医療等製品 / 先駆的医療機器
    "investigational": "investigational_product",  # 治験薬 / 治験製品 / 治験機器
}


def glossary_key(role: str, product_type: str) -> str:
    return f"{ROLES[role]}_{product_type}"


def glossary_keys() -> tuple[str, ...]:
    """Every glossary key of the table (tests check each exists in both languages)."""
    return tuple(glossary_key(role, kind) for role in ROLES for kind in PRODUCT_TYPES)


def words(product_type: str, fmt) -> dict[str, str]:
    """role -> the document language's word for `product_type`."""
    return {role: fmt.term(glossary_key(role, product_type)) for role in ROLES}
