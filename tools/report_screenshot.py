"""The README's report screenshot (docs/report-musk-2026.png): build the HTML report of musk-2026 and open it in
headless Chromium (Debian's ``chromium``, driven by Playwright). ``python tools/make_docs.py`` calls
:func:`write_screenshot` when the figure is stale; by hand:

    python tools/report_screenshot.py [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "report-musk-2026.png"
SCENARIO = "musk-2026"
SAMPLES = 1000
WIDTH, HEIGHT = 1100, 1400


def write_screenshot(path: Path = OUT, chromium: str | None = None) -> Path:
    """Screenshot of the report's timeline section (its two charts and table) in headless Chromium.

    Raises
    ------
    FileNotFoundError
        No Chromium executable (``apt-get install chromium``).
    """
    chromium = chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise FileNotFoundError("the report screenshot needs Chromium: apt-get install chromium")
    sys.path.insert(0, str(ROOT / "src"))
    from playwright.sync_api import sync_playwright

    import terawatt

    with tempfile.TemporaryDirectory() as tmp:
        report = terawatt.report(SCENARIO, Path(tmp) / "report.html", samples=SAMPLES)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.goto(report.as_uri())
            page.wait_for_function("document.querySelectorAll('figure.chart .main-svg').length >= "
                                   "document.querySelectorAll('figure.chart').length", timeout=60_000)
            top = page.evaluate("document.getElementById('timeline').getBoundingClientRect().top + window.scrollY")
            page.screenshot(path=str(path), full_page=True,
                            clip={"x": 0, "y": max(top - 10, 0), "width": WIDTH, "height": HEIGHT})
            browser.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=None)
    args = parser.parse_args()
    print(f"wrote {write_screenshot(OUT, args.chromium)}")


if __name__ == "__main__":
    main()
