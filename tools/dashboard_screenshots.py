"""Screenshots of the dashboard (``terawatt serve``): every tab of one scenario in a real headless browser (Debian's
Chromium driven by Playwright), one image per tab and a grid of all of them (``docs/dashboard.png``, drawn by
``tools/make_docs.py``).

Run: ``python tools/dashboard_screenshots.py [--scenario musk-2026] [--folder shots/] [--grid docs/dashboard.png]``.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import threading
from pathlib import Path

#: Tabs in page order: URL value -> label drawn on the grid.
TABS = {"compare": "compare", "satellite": "satellite", "time": "over time", "breakeven": "what must be true",
        "buildout": "build-out", "claims": "claims"}
#: A chart each tab must have drawn before its screenshot (charts mount asynchronously, after the headline).
CHARTS = {"compare": "#graph-why", "satellite": "#graph-mass", "time": "#graph-ratio-by-year",
          "breakeven": "#graph-breakeven-map", "buildout": "#graph-gw-by-side", "claims": None}
VIEWPORT = {"width": 1400, "height": 1000}
#: How long a tab may take to show (the claims tab audits 20 claims and the build-out runs as a job: ~10 s each on
#: a quiet machine, minutes on a loaded one).
TIMEOUT_MS = 300_000
#: The page has settled: a headline, no Dash callback in flight (its loading spinner would cover the content) and
#: every chart drawn.
SETTLED = """() => document.querySelector('#headline') && !document.querySelector('[data-dash-is-loading="true"]')
    && [...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('.main-svg'))"""


def chromium() -> str:
    """Path of Debian's Chromium; a ValueError naming how to install it when absent."""
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        raise ValueError("dashboard screenshots need Debian's chromium: apt-get install -y chromium")
    return path


def screenshots(folder: Path, scenario: str = "musk-2026") -> dict[str, Path]:
    """One PNG per tab of ``scenario`` in ``folder`` (``dashboard-<tab>.png``), from a server on a free loopback
    port; returns them by tab."""
    from playwright.sync_api import sync_playwright

    from terawatt.dashboard import make_server

    executable = chromium()
    folder.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    out: dict[str, Path] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--headless"])
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(TIMEOUT_MS)
            for tab in TABS:
                page.goto(f"http://127.0.0.1:{server.server_port}/?tab={tab}&scenario={scenario}")
                page.wait_for_selector("#headline")
                if CHARTS[tab]:
                    page.wait_for_selector(f"{CHARTS[tab]} .main-svg")
                page.wait_for_function(SETTLED)  # a heavy tab's job done, no callback in flight, charts drawn
                page.wait_for_timeout(500)  # plotly's transitions
                page.wait_for_function(SETTLED)
                out[tab] = folder / f"dashboard-{tab}.png"
                page.screenshot(path=str(out[tab]))
            browser.close()
    finally:
        server.shutdown()
        thread.join(10)
    return out


def grid(images: dict[str, Path], path: Path, columns: int = 2, width: int = 1600) -> None:
    """The tab screenshots on one image, ``columns`` per row, each labelled, ``width`` pixels wide in all."""
    from PIL import Image, ImageDraw

    tiles = [(TABS[tab], Image.open(p).convert("RGB")) for tab, p in images.items()]
    tile_w = width // columns
    scale = tile_w / tiles[0][1].width
    tile_h = int(tiles[0][1].height * scale)
    label_h = 28
    rows = -(-len(tiles) // columns)
    canvas = Image.new("RGB", (tile_w * columns, rows * (tile_h + label_h)), "white")
    draw = ImageDraw.Draw(canvas)
    for i, (label, image) in enumerate(tiles):
        x, y = (i % columns) * tile_w, (i // columns) * (tile_h + label_h)
        draw.text((x + 8, y + 6), f"tab: {label}", fill="black")
        canvas.paste(image.resize((tile_w, tile_h), Image.LANCZOS), (x, y + label_h))
    path.parent.mkdir(parents=True, exist_ok=True)
    canvas.quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)  # ~4x smaller file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="musk-2026")
    parser.add_argument("--folder", type=Path, default=Path("dashboard-screenshots"))
    parser.add_argument("--grid", type=Path, default=None, help="Also write all tabs on one image here.")
    args = parser.parse_args()
    shots = screenshots(args.folder, args.scenario)
    for tab, path in shots.items():
        print(f"{tab}: {path}")
    if args.grid:
        grid(shots, args.grid)
        print(f"grid: {args.grid}")


if __name__ == "__main__":
    main()
