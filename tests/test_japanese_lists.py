"""Lists and codes in Japanese sentences (issue 16): the AE "related" footnote names each AEREL code through
the labels with the code kept in brackets, lists shown in a document are joined with the glossary's list
separator, live confidence intervals in sentences take the glossary's brackets."""

from __future__ import annotations

import pytest

from dossier.analyses.model import Term, Text
from dossier.document.formatting import Formatter
from dossier.document.glossary import load_glossary
from dossier.document.labels import Catalogue, Terms
from dossier.render.html import PACKAGE_TEMPLATES


def formatter(lang: str, catalogue: Catalogue | None = None) -> Formatter:
    return Formatter(load_glossary(lang, [PACKAGE_TEMPLATES]), lang, Terms(lang, catalogue))


def related_footnote(values: tuple[str, ...]) -> Term:
    from types import SimpleNamespace

    from dossier.analyses.adverse_events_stats import related_footnote

    return related_footnote(SimpleNamespace(related=values))


def test_related_footnote_shows_each_code_through_the_labels_with_the_code_in_brackets():
    from dossier.analyses.adverse_events import RELATED

    fmt = formatter("ja")
    text = fmt.label(related_footnote(RELATED))
    assert text == ("副作用：因果関係（AEREL）が関連あり（RELATED）、関連があるかもしれない（POSSIBLY RELATED）、"
                    "多分関連あり（PROBABLY RELATED）、明らかに関連あり（DEFINITELY RELATED）、"
                    "関連があるかもしれない（POSSIBLE）、多分関連あり（PROBABLE）、明らかに関連あり（DEFINITE）、"
                    "関連あり（Y）、関連あり（YES）のいずれかである事象。その他の値又は空欄の事象は因果関係なしとして扱った。")
    assert not fmt.terms.shown  # every default code has its Japanese: nothing for the translation report
    en = formatter("en")
    # in English a label that is the code in other letters shows the code alone; one that differs keeps it
    assert en.label(related_footnote(("related", "Possible", "Y"))) == (
        "Related: causality (AEREL) one of RELATED, POSSIBLE, Related (Y); any other value, or a blank causality, "
        "is counted as not related.")


def test_an_untranslated_related_code_is_shown_as_it_is_and_listed_in_the_report():
    catalogue = Catalogue(values={"AEREL": {"SUSPECTED": {"ja": "疑われる"}}})
    fmt = formatter("ja", catalogue)
    text = fmt.label(related_footnote(("SUSPECTED", "CAUSAL", "RELATED")))
    assert "疑われる（SUSPECTED）、CAUSAL、関連あり（RELATED）のいずれか" in text
    assert [(r.kind, r.source, r.text) for r in fmt.terms.shown.values()] == [("data value", "AEREL", "CAUSAL")]


def test_ja_method_text_names_no_english_causality_code():
    import re

    method = load_glossary("ja", [PACKAGE_TEMPLATES])["method_adverse_events"]
    related = re.search(r"副作用（(.*?)）、重篤", method).group(1)
    assert "AEREL" in related and not re.findall(r"\b(?!AEREL\b)[A-Z]{1,}(?: [A-Z]+)*\b", related)
