"""The document's HTML is parsed once (dossier.render.tree): every pass after the template works on the tree, the tree
is serialised once into the .html that is hashed, previewed and printed, and the DOCX writer walks the same tree.
Markers the templates write as comments are comments only there: the same characters in a writer's text or a
dataset's value are text, and so is a dataset value that looks like a citation."""

from __future__ import annotations

import pickle

import pytest
import yaml

from dossier.render import tree
from dossier.render.tree import Comment, Declaration, Node, parse, serialise
from tests.conftest import TINY_SPEC, tiny_tables, write_tiny_trial


def test_serialise_escapes_text_quotes_attributes_and_keeps_whitespace():
    html = ("<!DOCTYPE html>\n<html><head><title>a &amp; b</title><style>p > b { content: \"&amp;\" }</style></head>\n"
            "<body data-x='say \"hi\" &amp; <go>'>\n  <p>x &lt; y &amp; z &#39;q&#39; &quot;r&quot;<br/>s</p>"
            "<img src=a.png alt=\"1 &gt; 0\"><!--TOC-->\t\n</body></html>")
    root = parse(html)
    assert root.children[0] == Declaration("DOCTYPE html")
    body = root.body()
    assert body.attrs == {"data-x": 'say "hi" & <go>'}
    assert Comment("TOC") in body.children
    assert serialise(root) == (
        "<!DOCTYPE html>\n<html><head><title>a &amp; b</title><style>p > b { content: \"&amp;\" }</style></head>\n"
        "<body data-x=\"say &#34;hi&#34; &amp; &lt;go&gt;\">\n  <p>x &lt; y &amp; z 'q' \"r\"<br>s</p>"
        '<img src="a.png" alt="1 &gt; 0"><!--TOC-->\t\n</body></html>')


def test_optional_end_tags_are_implied_and_written():
    root = parse("<ul><li>a<li>b</ul><table><tr><td>1<td>2</table><p>one<p>two")
    assert serialise(root) == ("<ul><li>a</li><li>b</li></ul><table><tr><td>1</td><td>2</td></tr></table>"
                               "<p>one</p><p>two</p>")


def test_control_characters_are_safe_for_xml_in_text_and_attributes():
    root = parse('<p title="a\x01b">c\x02d\ud800</p>')
    assert serialise(root) == '<p title="a\ufffdb">c\ufffdd\ufffd</p>'


# ------------------------------------------------------------------------------------- one parse per document


def tiny_trial(folder, disease: str, tables=None):
    spec = yaml.safe_load(yaml.safe_dump(TINY_SPEC))
    spec["references"] = [{"key": "alpha", "citation": "Alpha A. First paper. 2020."}]
    write_tiny_trial(folder, spec, tables)
    (folder / "text" / "disease.md").write_text(disease, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def parsed_build(tmp_path_factory) -> tuple:
    """A tiny build run in this process (one worker: the PDF and DOCX too), every tree.parse call recorded."""
    from dossier.build.pipeline import build

    root = tmp_path_factory.mktemp("tree")
    trial = tiny_trial(root / "trial", "The disease is serious [@alpha].\n")
    calls: list[str] = []
    real = tree.parse
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DOSSIER_WORKERS", "1")
        patch.setenv("DOSSIER_SOFFICE", "none")
        patch.setattr(tree, "parse", lambda html: calls.append(html) or real(html))
        build(trial, root / "out", use_cache=False)
    return root / "out", calls


def test_each_document_is_parsed_exactly_once_in_a_build(parsed_build):
    out, calls = parsed_build
    documents = sorted(p.stem for p in out.glob("*.html"))
    assert documents == ["briefing", "sakigake"]
    assert len(calls) == len(documents)  # no second parse for the PDF's column widths or the DOCX
    assert all((out / f"{d}.pdf").is_file() and (out / f"{d}.docx").is_file() for d in documents)
    assert all("<!--TOC-->" in html for html in calls)  # the template's output, markers and all


def test_the_template_output_round_trips_stably(parsed_build):
    out, calls = parsed_build
    for html in calls:
        once = serialise(parse(html))
        assert parse(once) == parse(html)  # the same tree: the same document
        assert serialise(parse(once)) == once  # and a fixed point
    for path in out.glob("*.html"):
        written = path.read_text(encoding="utf-8")
        assert serialise(parse(written)) == written
        assert written.startswith("<!DOCTYPE html>") and "<!--" not in written  # every marker replaced


def test_the_docx_job_carries_the_tree_to_the_workers(parsed_build):
    from dossier.render.docx import DocxJob

    out, _ = parsed_build
    body = parse((out / "briefing.html").read_text(encoding="utf-8")).body()
    job = DocxJob(body, out / "x.docx", (), out / "reference.docx", "T", "en")
    assert pickle.loads(pickle.dumps(job)).body == body


# ------------------------------------------------------------------------------------------- data is text


MARKERS = "<!--TOC--> <!--REFERENCES--> <!--ABBREVIATIONS-->"


@pytest.fixture(scope="module")
def marked_html(tmp_path_factory) -> str:
    """The briefing's HTML (the pipeline's stages, no PDF or DOCX) of a trial whose writer's text and dataset
    values hold the templates' markers and citation-like text."""
    from tests.test_orphan import render

    tables = tiny_tables()
    for i, row in enumerate(tables["adae"]):
        row["AEDECOD"] = ["[@alpha]", "[@nobody]", MARKERS][i % 3]
    folder = tiny_trial(tmp_path_factory.mktemp("markers") / "trial",
                        f"Typed markers: {MARKERS}\n\nCited [@alpha].\n", tables)
    html, _, _ = render(folder, "en", "briefing")
    return html


def test_markers_typed_by_a_writer_or_in_data_stay_text(marked_html):
    html = marked_html
    assert html.count('<ol class="toc">') == 1  # the template's marker only
    assert html.count('<h1 id="abbreviations">') == 1
    typed = "&lt;!--TOC--&gt; &lt;!--REFERENCES--&gt; &lt;!--ABBREVIATIONS--&gt;"
    assert f"<p>Typed markers: {typed}</p>" in html
    assert f"<td>{typed}</td>" in html or f'>{typed}</td>' in html  # the dataset's value, in its table cell
    assert "<!--" not in html


def test_a_dataset_value_that_looks_like_a_citation_is_text(marked_html):
    html = marked_html
    assert '<p>Cited <span class="live" data-ref="@alpha">[1]</span>.</p>' in html  # the writer's citation
    assert html.count('data-ref="@') == 1
    assert ">[@alpha]</td>" in html and ">[@nobody]</td>" in html  # no number, and no error for 'nobody'
    listing = html[html.index('<h1 id="sec-references">'):]
    assert "<p>[1] Alpha A. First paper. 2020.</p>" in listing and "[2]" not in listing


def test_a_comment_in_the_body_never_reaches_the_docx_writer():
    from dossier.render.html import finish

    root = finish(parse("<body><p>a<!-- note -->b</p><!--TOC--><h1 id='x'>X</h1></body>"))
    assert serialise(root) == '<body><p>ab</p><ol class="toc">\n<li class="toc-1"><a href="#x">X</a></li>\n</ol>' \
                              '<h1 id="x">X</h1></body>'
    assert all(not isinstance(c, Comment) for n in root.iter() for c in n.children)
    assert root.body().elements()[0] == Node("p", {}, ["ab"])
