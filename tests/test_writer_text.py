"""Writer's Markdown: no raw HTML, and live references formatted by the formatting layer."""

from __future__ import annotations

import pytest

from dossier.errors import RenderError
from dossier.formatting import Formatter
from dossier.writer_text import load_text, markdown_to_html, substitute

EVIDENCE = {"lvef": {"visits": {"Week 52": {
    "groups": {"High": {"mean_change": 4.256, "change_ci": [2.01, 6.5], "n": 30}},
    "comparisons": [{"group": "High", "reference": "Placebo", "difference": 3.949, "ci": [1.2, 6.7], "p": 0.0042}]}}}}
FMT = Formatter({"not_estimable": "NE"}, "en")


def test_reference_values_use_the_formatting_layer():
    text = ("Change [[lvef:visits/Week 52/groups/High/mean_change|1]] "
            "(CI [[lvef:visits/Week 52/groups/High/change_ci|1]]), n = [[lvef:visits/Week 52/groups/High/n]]; "
            "difference [[lvef:visits/Week 52/comparisons/High/difference|2]], "
            "p [[lvef:visits/Week 52/comparisons/0/p]]")
    assert substitute(text, EVIDENCE, FMT, "text/x.md") == (
        "Change 4.3 (CI (2.0, 6.5)), n = 30; difference 3.95, p 0.004")


def test_unknown_reference_names_file_and_line():
    with pytest.raises(RenderError) as info:
        substitute("fine\nsee [[lvef:visits/Week 26/groups/High/n]]", EVIDENCE, FMT, "text/q1.md")
    message = str(info.value)
    assert message.startswith("text/q1.md: line 2: unknown reference")
    assert "'Week 26'" in message


def test_markdown_keeps_html_and_links_literal():
    html = str(markdown_to_html('**bold** <img src="file:///etc/passwd"> [x](http://example.com) {{ 7*7 }}'))
    assert "<strong>bold</strong>" in html
    assert "&lt;img" in html and "<img" not in html
    assert "<a " not in html
    assert "{{ 7*7 }}" in html


def test_missing_text_is_none_and_control_characters_are_replaced(tmp_path):
    assert load_text(tmp_path, "briefing.disease", None, EVIDENCE, FMT).html is None
    got = load_text(tmp_path, "briefing.disease", "a\x07b", EVIDENCE, FMT)
    assert "\ufffd" in str(got.html) and "\x07" not in str(got.html)


def test_language_specific_text_file_is_preferred(tmp_path):
    (tmp_path / "text" / "ja").mkdir(parents=True)
    (tmp_path / "text" / "disease.md").write_text("English text", encoding="utf-8")
    (tmp_path / "text" / "ja" / "disease.md").write_text("日本語の本文", encoding="utf-8")
    ja = load_text(tmp_path, "briefing.disease", "text/disease.md", EVIDENCE, Formatter({}, "ja"))
    en = load_text(tmp_path, "briefing.disease", "text/disease.md", EVIDENCE, Formatter({}, "en"))
    assert "日本語の本文" in str(ja.html) and ja.source == "text/ja/disease.md"
    assert "English text" in str(en.html) and en.source == "text/disease.md"
