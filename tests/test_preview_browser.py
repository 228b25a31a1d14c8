"""dossier preview in a real headless browser (Debian's Chromium, driven by Playwright): the page, a save
showing up without a manual reload, a bad reference shown with its file and line and gone once fixed,
the source pop-ups. Skipped only outside CI when Chromium or Playwright is missing (CI=1 in .ci/run)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from test_preview import preview_trial

from dossier.preview.server import start_server, stop

pytestmark = pytest.mark.slow  # drives a real browser (Chromium) against a live preview server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
WAIT_MS = 20_000  # a generous limit for a shared machine; the preview row of `make bench` measures the speed


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (scripts/system-deps.sh installs Debian's chromium)"
    return None


@pytest.fixture(scope="module")
def browser():
    missing = _missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield found
        found.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A preview server on a free loopback port, its trial folder and its address."""
    trial = preview_trial(tmp_path_factory.mktemp("browser"))
    server, watcher = start_server(trial, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    yield trial, f"http://{host}:{port}"
    stop(server, watcher)


@pytest.fixture
def page(browser, served):
    _, url = served
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    found = context.new_page()
    found.goto(f"{url}/en/briefing")
    yield found
    context.close()


def test_the_page_has_the_sections_tables_and_figures(page):
    headings = page.locator("h1").all_inner_texts()
    numbered = [h for h in headings if h[:1].isdigit()]  # the list of abbreviations comes first, unnumbered
    assert numbered[0].startswith("1. ") and len(numbered) >= 8
    assert page.locator("ol.toc li a").count() >= len(headings)
    assert page.locator("table.data").count() >= 3
    assert page.locator("div.table-block p.caption").first.inner_text().startswith("Table ")
    figure = page.locator("figure img").first
    figure.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 100", arg=figure.element_handle())
    assert page.locator("figure figcaption").first.inner_text().startswith("Figure ")
    # the print stylesheet applies: booktabs rules of the evidence tables
    assert page.locator("table.data").first.evaluate("t => getComputedStyle(t).borderTopStyle") == "solid"
    assert page.locator("div.preview-errors").count() == 0


def test_a_saved_text_appears_without_a_manual_reload(page, served):
    trial, _ = served
    path = trial / "text" / "disease.md"
    good = path.read_text(encoding="utf-8")
    try:
        page.evaluate("window.__same_page = true")  # gone after a reload: proves the page reloaded itself
        path.write_text(good.replace("first draft", "draft saved a moment ago"), encoding="utf-8")
        page.get_by_text("draft saved a moment ago").wait_for(timeout=WAIT_MS)
        assert page.evaluate("window.__same_page") is None
    finally:
        path.write_text(good, encoding="utf-8")
    page.get_by_text("first draft").wait_for(timeout=WAIT_MS)


def test_a_bad_reference_is_shown_with_file_and_line_until_fixed(page, served):
    trial, _ = served
    path = trial / "text" / "disease.md"
    good = path.read_text(encoding="utf-8")
    try:
        path.write_text(good + "\nSee [[tte:comparisons/Nobody/hazard_ratio|2]].\n", encoding="utf-8")
        errors = page.locator("div.preview-errors")
        errors.wait_for(timeout=WAIT_MS)
        text = errors.inner_text()
        assert "text/disease.md: line 3: unknown reference [[tte:comparisons/Nobody/hazard_ratio|2]]" in text
    finally:
        path.write_text(good, encoding="utf-8")
    page.locator("div.preview-errors").wait_for(state="detached", timeout=WAIT_MS)
    assert page.get_by_text("first draft").count() == 1


def test_a_live_number_shows_its_source(page):
    number = page.locator('span.live[data-ref="tte:comparisons/Xanomeline Low Dose/hazard_ratio|2"]')
    number.scroll_into_view_if_needed()
    number.hover()
    popup = page.locator("div.preview-source")
    popup.wait_for(timeout=WAIT_MS)
    text = popup.inner_text()
    assert "evidence.json: analyses/tte/comparisons/Xanomeline Low Dose/hazard_ratio" in text
    shown = float(number.inner_text())
    value = float(text.split("value", 1)[1].split()[0])
    assert round(value, 2) == shown and value != shown  # the full-precision value behind the rounded one
    assert "SAFFL = Y" in text and "adtte.xpt [" in text


def test_a_table_cell_shows_its_source_on_click(page):
    cell = page.locator("div.table-block table.data tbody tr").first.locator("td").nth(1)
    cell.scroll_into_view_if_needed()
    cell.click()
    popup = page.locator("div.preview-source")
    popup.wait_for(timeout=WAIT_MS)
    text = popup.inner_text()
    assert "row 1, column 2" in text and "tables/" in text
    page.mouse.click(5, 890)  # elsewhere: the pinned pop-up closes
    popup.wait_for(state="detached", timeout=WAIT_MS)


def test_the_bar_switches_document_and_language(page, served):
    _, url = served
    page.locator("nav.preview-bar a", has_text="SAKIGAKE").click()
    page.wait_for_url(f"{url}/en/sakigake")
    page.locator("nav.preview-bar a", has_text="JA").click()
    page.wait_for_url(f"{url}/ja/sakigake", timeout=WAIT_MS * 3)
    assert page.locator("html").get_attribute("lang") == "ja"
    page.locator("nav.preview-bar a", has_text="Warnings").click()
    page.wait_for_url(f"{url}/ja/warnings")
    assert page.locator("h1").inner_text() == "Warnings"


def test_nothing_but_the_page_is_fetched_from_outside(page, served):
    """Every request the page makes goes to the preview server (no CDN, no framework)."""
    _, url = served
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.reload()
    page.wait_for_load_state("load")
    assert requested and all(r.startswith(url + "/") for r in requested), requested
