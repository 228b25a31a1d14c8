"""Writer's Markdown: no raw HTML, and live references formatted by the formatting layer."""

from __future__ import annotations

import pytest

from dossier.document.formatting import Formatter
from dossier.document.writer_text import load_text, markdown_to_html, substitute
from dossier.errors import RenderError

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


def test_markdown_lists_hold_their_text_without_paragraphs_and_number_from_one():
    """Loose or tight, a list item holds its text directly (the HTML subset has no <p> in <li>); a second
    paragraph of an item follows a line break; an ordered list starting at 3 is numbered by the document."""
    assert str(markdown_to_html("- a\n\n- b\n")) == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"
    assert str(markdown_to_html("- a\n\n  a2\n- b\n")) == "<ul>\n<li>a<br>\na2</li>\n<li>b</li>\n</ul>"
    assert str(markdown_to_html("3. x\n4. y\n")) == "<ol>\n<li>x</li>\n<li>y</li>\n</ol>"
    assert str(markdown_to_html("- a\n\n  - nested\n\n- b\n")) == \
        "<ul>\n<li>a\n<ul>\n<li>nested</li>\n</ul>\n</li>\n<li>b</li>\n</ul>"
    assert str(markdown_to_html("line  \nbreak")) == "<p>line<br>\nbreak</p>"


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


@pytest.mark.parametrize("fmt,ok", [("0", True), ("15", True), ("p", True), ("pct", True), ("ci", True),
                                    ("16", False), ("99", False), ("-1", False), ("x", False), ("", False),
                                    ("P", False), ("1.5", False), ("\u0661", False)])
def test_live_number_formats_are_0_to_15_decimals_or_a_named_format(fmt, ok):
    text = f"line one\nvalue [[lvef:visits/Week 52/groups/High/mean_change|{fmt}]]"
    if ok:
        substitute(text, EVIDENCE, FMT, "text/x.md")
        return
    with pytest.raises(RenderError) as info:
        substitute(text, EVIDENCE, FMT, "text/x.md")
    assert str(info.value).startswith(f"text/x.md: line 2: [[lvef:visits/Week 52/groups/High/mean_change|{fmt}]]: ")
    assert ("0 to 15" in str(info.value)) and ("format" in str(info.value))


def test_check_reports_a_bad_format_in_every_language_and_inline_text(tmp_path):
    from dossier.config.spec import parse_spec
    from dossier.document.writer_text import reference_problems
    from tests.conftest import TINY_SPEC

    (tmp_path / "text" / "ja").mkdir(parents=True)
    (tmp_path / "text" / "disease.md").write_text("fine [[demog:N/Total|1]]\n", encoding="utf-8")
    (tmp_path / "text" / "ja" / "disease.md").write_text("\n\n[[demog:N/Total|20]]\n", encoding="utf-8")
    spec = parse_spec({**TINY_SPEC, "briefing": {"disease": "text/disease.md",
                                                 "unmet_need": "see [[demog:N/Total|abc]]"}}, tmp_path)
    problems = [str(p) for p in reference_problems(spec, tmp_path)]
    assert problems == [
        (f"{tmp_path / 'text' / 'ja' / 'disease.md'}: line 3: [[demog:N/Total|20]]: format '20': decimals must be 0 "
        "to 15"),
        (f"{tmp_path / 'dossier.yaml'}: briefing.unmet_need: line 1: [[demog:N/Total|abc]]: unknown format 'abc' (a "
        "number of decimals 0 to 15, optionally followed by a comma for thousands separators, or p, pct, ci)")]


@pytest.mark.parametrize(("value", "fmt", "printed"), [
    (30951.2, "0,", "30,951"), (30951.2, "0", "30951"), (1234567.891, "2,", "1,234,567.89"), (999.5, "0,", "1,000"),
    (-12345.65, "1,", "-12,345.7"), (42, "0,", "42"), (123, None, "123"), ([1234.5, 98765.4], "0,", "(1,235, 98,765)"),
    (None, "0,", "NE"),
])
def test_a_comma_after_the_decimals_groups_thousands_and_nothing_else_changes(value, fmt, printed):
    from dossier.document.formatting import Formatter
    from dossier.document.writer_text import format_problem, format_reference

    assert format_problem(fmt) is None
    for lang in ("en", "ja"):  # the comma in both languages, as PMDA documents write numbers
        assert format_reference(value, fmt, "estimate", Formatter({}, lang)) == printed


@pytest.mark.parametrize("fmt", ["16,", ",", "1,,", "a,", ",2"])
def test_bad_grouped_formats_are_reported(fmt):
    from dossier.document.writer_text import format_problem

    assert format_problem(fmt) is not None
