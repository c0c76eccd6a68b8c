"""The HTML report in a real headless browser (Chromium driven by Playwright): every chart renders, no console
error, the claims table is there; a screenshot is saved in the test's folder. Needs a Chromium executable:
``chromium`` on the PATH (Debian's package; ``.ci/run`` installs it) or ``TERAWATT_CHROMIUM``."""

from __future__ import annotations

import os
import shutil

import pytest

from terawatt.report.document import build_report
from terawatt.studies.claims import audit


def _chromium() -> str | None:
    for candidate in (os.environ.get("TERAWATT_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (found := shutil.which(candidate) or (os.path.isfile(candidate) and candidate)):
            return found
    return None


CHROMIUM = _chromium()
REQUIRED = bool(os.environ.get("TERAWATT_REQUIRE_BROWSER"))  # set by .ci/run: a missing browser fails there
pytestmark = pytest.mark.skipif(CHROMIUM is None and not REQUIRED,
                                reason="no Chromium executable (apt-get install chromium)")


def test_report_renders_offline_in_chromium(tmp_path):
    assert CHROMIUM is not None, "TERAWATT_REQUIRE_BROWSER is set but no Chromium executable was found"
    from playwright import sync_api
    path = build_report("musk-2026", tmp_path / "report.html", samples=40, verdicts=audit(samples=8))
    problems: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        charts = page.locator("figure.chart").count()
        assert charts == 6
        page.wait_for_function(
            "n => document.querySelectorAll('figure.chart .js-plotly-plot .main-svg').length >= n", arg=charts,
            timeout=60_000)
        rendered = page.eval_on_selector_all("figure.chart .js-plotly-plot", "els => els.map(e => !!e._fullLayout)")
        assert rendered == [True] * charts
        rows = page.locator("#claims table tbody tr").count()
        assert rows == 20
        assert page.locator("#claims").inner_text().count("holds") >= 1
        page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
        browser.close()
    assert problems == []
    assert all(url.startswith(("file:", "data:", "blob:", "about:")) for url in requests), requests
    assert (tmp_path / "report.png").stat().st_size > 10_000
