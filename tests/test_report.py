"""``terawatt report``: the document builds on every shipped scenario with each section, works offline (no
external URL for any asset), embeds the scenario and the version, and has a Markdown form with PNG figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from terawatt import __version__
from terawatt.report.document import build_report
from terawatt.scenario import shipped_scenarios
from terawatt.studies.claims import audit

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("comparison", "design", "timeline", "breakeven", "buildout", "sensitivity", "claims", "inputs",
            "scenario-file")
#: An asset loaded from elsewhere: a src/href/url() with a scheme or a protocol-relative address.
EXTERNAL = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])(?:[a-z][a-z0-9+.-]*:)?//""",
                      re.I)


@pytest.fixture(scope="module")
def verdicts():
    return audit(samples=16)


@pytest.fixture(scope="module")
def html_report(tmp_path_factory, verdicts):
    path = tmp_path_factory.mktemp("report") / "musk-2026.html"
    build_report("musk-2026", path, samples=60, seed=1, verdicts=verdicts)
    return path.read_text(encoding="utf-8")


def test_html_has_every_section_and_is_reproducible(html_report):
    for section in SECTIONS:
        assert f'<section id="{section}">' in html_report
    assert f"terawatt {__version__}" in html_report
    assert "terawatt report musk-2026 --format html -n 60 --seed 1" in html_report
    assert "name: musk-2026" in html_report  # the scenario file itself
    assert html_report.count('<figure class="chart"') == 6
    for claim in ("cheapest-36mo", "radiator-area", "us-490gw"):
        assert f"<td>{claim}</td>" in html_report
    assert "comparison.cost_ratio" in html_report and "orbital.satellite_mass_kg" in html_report


def test_html_loads_nothing_from_outside(html_report):
    assert "plotly.js" in html_report.lower() or "Plotly" in html_report  # the library is inlined
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html_report, flags=re.I)
    assert all(not EXTERNAL.search(tag) for tag in tags), [t for t in tags if EXTERNAL.search(t)]
    css = re.findall(r"<style>(.*?)</style>", html_report, flags=re.S)
    assert all(not EXTERNAL.search(block) for block in css)
    assert EXTERNAL.search('<script src="https://cdn.plot.ly/plotly.min.js">')  # the pattern catches a CDN


@pytest.mark.parametrize("name", sorted(shipped_scenarios()))
def test_report_builds_on_every_shipped_scenario(name, tmp_path, verdicts):
    path = build_report(name, tmp_path / f"{name}.html", samples=20, verdicts=verdicts)
    text = path.read_text(encoding="utf-8")
    assert all(f'<section id="{s}">' in text for s in SECTIONS)


def test_markdown_report_with_png_figures(tmp_path, verdicts):
    path = build_report("baseline-2026", tmp_path / "report.md", format_="md", samples=30, verdicts=verdicts)
    text = path.read_text(encoding="utf-8")
    for section in SECTIONS[:-1]:
        assert f'<a id="{section}"></a>' in text
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == 6
    for link in links:
        png = tmp_path / link
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| cheapest-36mo |" in text


def test_bad_options_exit_2_naming_the_field(tmp_path):
    run = subprocess.run([sys.executable, "-m", "terawatt.cli", "report", "nope-scenario", "--format", "pdf",
                          "-o", str(tmp_path / "missing" / "r.html"), "-n", "3"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 2
    for field in ("--format", "-o", "-n", "nope-scenario"):
        assert field in run.stderr
    assert "Traceback" not in run.stderr
    run = subprocess.run([sys.executable, "-m", "terawatt.cli", "report", "--format", "md", "-o",
                          str(tmp_path / "r.html")], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 2 and ".md" in run.stderr


def test_claims_cli_on_every_shipped_scenario():
    for name in sorted(shipped_scenarios()):
        got = audit(["cheapest-36mo", "solar-5x", "turbines"], scenario=name, samples=8)
        assert all(v.primary.scenario == name for v in got if not v.claim.checks[0].pinned)


def test_rank_correlations_find_a_monotone_input():
    """An outcome that is a monotone function of one sampled input ranks it first with rho = 1 exactly."""
    from types import SimpleNamespace

    import numpy as np

    from terawatt.studies.ranking import noise_level, rank_correlations

    rng = np.random.default_rng(0)
    x, z = rng.uniform(1, 2, 500), rng.uniform(1, 2, 500)
    mc = SimpleNamespace(years=None, columns={"comparison.cost_ratio": np.exp(-3 * x)}, inputs={"a.x": x, "a.z": z})
    ranks = rank_correlations(mc)
    assert ranks[0].name == "a.x" and ranks[0].rho == pytest.approx(-1.0)
    assert abs(ranks[1].rho) < 3 * noise_level(500)
    assert noise_level(10001) == pytest.approx(0.0196)
