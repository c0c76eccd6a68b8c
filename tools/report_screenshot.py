"""Write the README's report screenshot (docs/report-musk-2026.png): build the HTML report of musk-2026 and open
it in headless Chromium (Debian's ``chromium``, driven by Playwright). Run by hand after changing the report:

    python tools/report_screenshot.py [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "report-musk-2026.png"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    import terawatt

    with tempfile.TemporaryDirectory() as tmp:
        path = terawatt.report("musk-2026", Path(tmp) / "report.html", samples=1000)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.goto(path.as_uri())
            page.wait_for_function("document.querySelectorAll('figure.chart .main-svg').length >= "
                                   "document.querySelectorAll('figure.chart').length", timeout=60_000)
            page.locator("#timeline").scroll_into_view_if_needed()
            page.screenshot(path=str(OUT), clip={"x": 0, "y": page.locator("#timeline").bounding_box()["y"] - 10,
                                                 "width": 1100, "height": 1400})
            browser.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
