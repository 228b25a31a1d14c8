"""Live numbers are visible in Word: each is a locked content control tagged with its reference."""

from __future__ import annotations

import re
import zipfile

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from lxml import etree

from dossier.document.writer_text import REFERENCE
from tests.conftest import REFRESH_TEXT, ROOT

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}


def _xml(docx, part="word/document.xml"):
    with zipfile.ZipFile(docx) as z:
        return etree.fromstring(z.read(part))


def test_each_live_number_is_a_locked_content_control_tagged_with_its_reference(refreshed):
    _, _, new = refreshed
    body = _xml(new / "briefing.docx")
    # citations [@key] are content controls too, tagged "@key" (tests/test_front_matter.py)
    controls = body.xpath(".//w:sdt[w:sdtPr/w:tag and not(starts-with(w:sdtPr/w:tag/@w:val, 'dossier-text:'))"
                          " and not(starts-with(w:sdtPr/w:tag/@w:val, '@'))]", namespaces=NS)
    tags = [c.find("w:sdtPr/w:tag", NS).get(W + "val") for c in controls]
    assert tags == [m.group(0)[2:-2] for m in REFERENCE.finditer(REFRESH_TEXT)]
    for control in controls:
        assert control.find("w:sdtPr/w:lock", NS).get(W + "val") == "contentLocked"
        runs = control.findall("w:sdtContent/w:r", NS)
        assert runs and all(r.find("w:rPr/w:rStyle", NS).get(W + "val") == "LiveNumber" for r in runs)
    # the control holds exactly the printed value, the sentence around it stays outside
    texts = ["".join(t.text for t in c.iter(W + "t")) for c in controls]
    (sentence,) = ["".join(t.text or "" for t in p.iter(W + "t")) for p in body.iter(W + "p")
                   if "adjusted difference" in "".join(t.text or "" for t in p.iter(W + "t"))]
    assert re.search(rf"was {re.escape(texts[1])} points \(p = {re.escape(texts[2])}\)", sentence)
    # typed numbers are not controls
    assert "26.7" not in texts


def test_the_live_number_style_is_defined_once_and_the_html_carries_the_reference(refreshed):
    _, _, new = refreshed
    styles = _xml(new / "briefing.docx", "word/styles.xml")
    (style,) = styles.xpath(".//w:style[w:name/@w:val='Live Number']", namespaces=NS)
    assert style.get(W + "type") == "character" and style.find("w:rPr/w:shd", NS) is not None
    html = (new / "briefing.html").read_text(encoding="utf-8")
    refs = re.findall(r'<span class="live" data-ref="([^"@][^"]*)">', html)  # not the citations (data-ref="@key")
    assert refs == [m.group(0)[2:-2] for m in REFERENCE.finditer(REFRESH_TEXT)]


def test_a_reference_document_defining_live_number_keeps_its_own_style(tmp_path):
    from dossier.render.docx import write_docx

    reference = tmp_path / "reference.docx"
    document = Document(str(ROOT / "templates" / "reference.docx"))
    document.styles.add_style("Live Number", WD_STYLE_TYPE.CHARACTER)
    document.save(str(reference))
    out = tmp_path / "out.docx"
    write_docx('<body lang="en"><p>Value <span class="live" data-ref="a:b|1">1.5</span>.</p></body>', out,
               [ROOT / "templates"], reference=reference, title="T", lang="en", paginate=False)
    styles = _xml(out, "word/styles.xml").xpath(".//w:style[w:name/@w:val='Live Number']", namespaces=NS)
    assert len(styles) == 1 and styles[0].find("w:rPr/w:shd", NS) is None  # the writer's plain style
    (control,) = _xml(out).xpath(".//w:sdt", namespaces=NS)
    assert control.find("w:sdtPr/w:tag", NS).get(W + "val") == "a:b|1"
    run_style = control.find("w:sdtContent/w:r/w:rPr/w:rStyle", NS).get(W + "val")
    assert run_style == styles[0].get(W + "styleId")
