"""Repository hygiene: shipped files name no development machine's paths, documentation links resolve in a clone,
the README's generated blocks are well formed, the documented examples run, and the quick start stays true."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
import yaml

import terawatt

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "terawatt"
DOC_FILES = [ROOT / "README.md", ROOT / "scenarios" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: Binary package data (the tables are numbers, not text).
BINARY_SUFFIXES = {".npz", ".pyc", ".png"}
#: An absolute path of a development machine: a Unix home, work or temporary folder, or a Windows drive.
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~-])/(?:work|home|tmp|Users|root|mnt|private)/|\b[A-Za-z]:\\")
#: "claim launch-price", "claims solar-5x, no-batteries and grid-flat": the words after "claim(s)".
CLAIM_RUN = re.compile(r"\bclaims? ((?:[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?:, | and |/| or )?)+)", re.I)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _load_make_docs():
    spec = importlib.util.spec_from_file_location("make_docs", ROOT / "tools" / "make_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shipped_text_files() -> list[Path]:
    package = [p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix not in BINARY_SUFFIXES]
    package = [p for p in package if "__pycache__" not in p.parts]
    return [*package, *DOC_FILES, ROOT / "LICENSE", ROOT / "pyproject.toml"]


# ------------------------------------------------------------------------------------------ absolute paths
def test_absolute_path_pattern():
    for text in ("see /work/shared/seeds/x.txt", "(/home/me/a)", "C:\\Users\\me", "`/tmp/x`", "/Users/x/y"):
        assert ABSOLUTE_PATH.search(text), text
    for text in ("https://example.com/home/page", "docs/claims.md", "src/terawatt/tmp/", "rad/yr", "km/s/home/"):
        assert not ABSOLUTE_PATH.search(text), text


def test_no_shipped_file_names_an_absolute_path():
    found = []
    for path in _shipped_text_files():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ABSOLUTE_PATH.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}")
    assert not found, "\n".join(found)


def test_scenario_files_cite_claims_that_exist():
    """Every `claim ID` a shipped scenario cites is a row of docs/claims.md."""
    claims = set(re.findall(r"^\| ([a-z0-9-]+) \|", (ROOT / "docs" / "claims.md").read_text(), re.M)) - {"id", "seed"}
    assert len(claims) >= 20
    cited = set()
    for path in (PACKAGE / "scenarios").glob("*.yaml"):
        for run in CLAIM_RUN.findall(path.read_text()):
            # Hyphenated words after "claim(s)" are claim ids (single words may be ordinary prose).
            cited |= {word for word in re.split(r", | and |/| or ", run) if "-" in word}
    assert len(cited) >= 10, "claim ids not found in the scenario files"
    assert cited <= claims, sorted(cited - claims)


# ------------------------------------------------------------------------------------------------- links
@pytest.mark.parametrize("doc", DOC_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(doc):
    text = doc.read_text(encoding="utf-8")
    broken = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        path = (doc.parent / target.split("#", 1)[0]).resolve()
        if not path.exists() or ROOT not in path.parents:
            broken.append(target)
    assert not broken, f"{doc.name}: links that do not resolve in a clone: {broken}"


def test_no_link_leaves_the_repository():
    for doc in DOC_FILES:
        assert "../shared" not in doc.read_text(encoding="utf-8"), doc


def test_scenarios_folder_is_a_readme_not_a_link():
    folder = ROOT / "scenarios"
    assert not any(p.is_symlink() for p in folder.iterdir())
    assert (folder / "README.md").is_file()


def test_license_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "MIT" in str(project["license"])
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "terawatt contributors" in text


# --------------------------------------------------------------------------------------- generated blocks
def test_generated_blocks_are_well_formed():
    """Each block of tools/make_docs.py appears once, markers pair up, and nothing unknown is marked."""
    md = _load_make_docs()
    seen: list[str] = []
    for path in md.FILES:
        text = path.read_text(encoding="utf-8")
        begins = re.findall(r"<!-- BEGIN generated:([\w-]+)", text)
        ends = re.findall(r"<!-- END generated:([\w-]+) -->", text)
        assert begins == ends == md.blocks_in(text), path
        seen += begins
    assert sorted(seen) == sorted(md.known_blocks()), "every block generated exactly once"


def test_figures_are_referenced_and_exist():
    md = _load_make_docs()
    texts = [p.read_text(encoding="utf-8") for p in md.FILES]
    referenced = md.referenced_figures(texts)
    assert referenced == {file for file, _, _ in md.FIGURES.values()}
    on_disk = {p.name for p in (ROOT / "docs").glob("*.png")}
    assert on_disk == referenced, "a figure under docs/ is missing or unreferenced"


def test_replace_blocks_touches_only_the_marked_text():
    md = _load_make_docs()
    text = (
        "keep <!-- BEGIN generated:a -->old<!-- END generated:a --> this\n"
        "<!-- BEGIN generated:b (note) -->\n| old |\n<!-- END generated:b -->\ntail"
    )
    new = md.replace_blocks(text, {"a": "42", "b": "| new |"}.get)
    assert new == (
        "keep <!-- BEGIN generated:a -->42<!-- END generated:a --> this\n"
        "<!-- BEGIN generated:b (note) -->\n| new |\n<!-- END generated:b -->\ntail"
    )
    assert md.replace_blocks(text, lambda name: None) == text


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (None, "sig", "n/a"),
        (float("nan"), "usd", "n/a"),
        (-12.0, "breakeven", "none"),
        (170.4, "breakeven", "170"),
        (3.6012, "usd", "3.60"),
        (230770.4, "sig", "230,770"),
        (1048280.0, "sig", "1.05 M"),
        (0.0951, "sig", "0.0951"),
        (999.99, "sig", "1,000"),
    ],
)
def test_cell_format(value, kind, text):
    assert _load_make_docs().fmt(value, kind) == text


class _FakeResult(dict):
    notes: list[str] = []


class _FakeModel:
    """Stands in for the model: one scenario whose outputs lack most keys, one that fails to load."""

    def shipped(self) -> list[str]:
        return ["partial", "broken"]

    def run(self, name: str) -> _FakeResult:
        if name == "broken":
            raise KeyError("workload.failure_rate_per_yr")
        return _FakeResult({"comparison.cost_ratio": 2.5, "comparison.breakeven_launch_price_usd_per_kg": -3.0})


def test_blocks_survive_missing_outputs_and_failing_scenarios():
    """A model without some outputs, or a scenario that no longer loads, gives "n/a" cells, not a crash."""
    md = _load_make_docs()
    block = md.block_scenarios(_FakeModel())
    partial = next(line for line in block.splitlines() if "`partial`" in line)
    assert "| 2.5 |" in partial and "| n/a |" in partial and partial.endswith("| none |")
    broken = next(line for line in block.splitlines() if "`broken`" in line)
    assert "n/a (broken: 'workload.failure_rate_per_yr')" in broken
    assert "1 of 1 shipped scenarios" in md.block_run_summary(_FakeModel())
    assert md.FAILURES, "problems are reported (and make the script exit 1)"


def test_a_browser_timeout_in_a_figure_is_a_problem_not_a_traceback(monkeypatch):
    """A screenshot figure whose browser times out keeps the old image link and is reported (exit 1)."""
    playwright = pytest.importorskip("playwright.sync_api")
    md = _load_make_docs()

    def times_out(model, path):
        raise playwright.TimeoutError("Timeout 30000ms exceeded")

    monkeypatch.setitem(md.FIGURES, "figure-report", ("report-musk-2026.png", "alt", times_out))
    assert md._figure_block("figure-report", None, write=False) is None
    assert md.FAILURES[-1] == "figure-report: Timeout 30000ms exceeded"


def test_scenario_files_block_lists_every_shipped_scenario():
    md = _load_make_docs()
    block = md.block_scenario_files(md.Model())
    for name in terawatt.scenario.shipped_scenarios():
        assert f"[`{name}`](../src/terawatt/scenarios/{name}.yaml)" in block


# ------------------------------------------------------------------------------------ documented examples
def _blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


YAML_EXAMPLES = [
    (path.name, i, block)
    for path in (ROOT / "docs" / "scenario-format.md", ROOT / "README.md")
    for i, block in enumerate(_blocks(path, "yaml"))
]


def test_scenario_format_has_examples_of_every_trajectory_kind():
    text = " ".join(block for name, _, block in YAML_EXAMPLES if name == "scenario-format.md")
    for kind in terawatt.trajectory.KINDS:
        assert f"kind: {kind}" in text, kind
    assert "based_on:" in text and re.search(r"^\w+\.\w+:", text, re.M) and re.search(r"^\w+:\n  \w+:", text, re.M)


@pytest.mark.parametrize(("doc", "index", "block"), YAML_EXAMPLES, ids=[f"{d}-{i}" for d, i, _ in YAML_EXAMPLES])
def test_yaml_examples_load(doc, index, block):
    scenario = terawatt.load_scenario(yaml.safe_load(block))
    if scenario.trajectories:
        over_years = scenario.at_years(np.arange(2026, 2041))
        for name in scenario.trajectories:
            assert np.all(np.isfinite(over_years.values[name])), name
    result = terawatt.evaluate(scenario)
    assert np.all(np.isfinite(np.asarray(result["comparison.cost_ratio"], float)))


@pytest.mark.parametrize("doc", [ROOT / "docs" / "scenario-format.md", ROOT / "README.md"], ids=lambda p: p.name)
def test_python_examples_run(doc, tmp_path, monkeypatch):
    """Every Python block of the docs runs (in a temporary folder: an example that writes a file, e.g. the report,
    leaves nothing in the checkout)."""
    monkeypatch.chdir(tmp_path)
    for block in _blocks(doc, "python"):
        exec(compile(block, str(doc), "exec"), {})


# ------------------------------------------------------------------------------------------- quick start
def test_quick_start_commands_match_the_project():
    """The README's two set-up commands name what pyproject installs (the test extras it lists, the CLI entry)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    assert block.splitlines() == [
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && terawatt run",
        'pip install -e ".[test]" && python -m pytest',
    ]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["terawatt"] == "terawatt.cli:app"
    extras = {re.split(r"[<>=\[ ]", req, maxsplit=1)[0] for req in project["optional-dependencies"]["test"]}
    listed = re.search(r"installs the test extras \(([^)]*)\)", readme.replace("\n", " ")).group(1)
    assert {name.strip() for name in listed.split(",")} == extras - {"pytest"}
    # what a command needs at run time is a dependency, not a test extra (the twin's SGP4 and ephemeris)
    runtime = {re.split(r"[<>=\[ ]", req, maxsplit=1)[0] for req in project["dependencies"]}
    assert {"sgp4", "skyfield", "skyfield-data", "threadpoolctl"} <= runtime and not runtime & extras
