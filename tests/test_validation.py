"""Every shipped validation case passes; the case format is checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from terawatt.scenario import ScenarioError
from terawatt.validation import load_cases, run_case, run_validation, shipped_case_files

CASES = load_cases(shipped_case_files())


def test_every_published_value_row_has_a_case():
    ids = {c.id.rsplit("-", 1)[0] if c.id[-1].isdigit() else c.id for c in CASES}
    ids |= {c.id for c in CASES}
    for row in (
        "starcloud-terrestrial-energy",
        "radiator-ideal-1mw",
        "suncatcher-launched-power",
        "suncatcher-terrestrial-power",
        "musk-launch-scale",
        "starcloud-solar-gain",
        "angadh-manifest-40mw",
        "mccalip-1gw-launch",
    ):
        assert any(i.startswith(row) for i in ids), row


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_shipped_case_passes(case):
    rows = run_case(case)
    failed = [f"{r.output}: expected {r.expected}, got {r.got}" for r in rows if not r.passed]
    assert not failed, failed


def test_case_sources_cited():
    for case in CASES:
        assert len(case.source) > 20, case.id


def test_failing_case_is_reported(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: wrong-on-purpose\nsource: a deliberately wrong expectation\n"
        "expect:\n  - {output: orbital.period_min, value: 10.0, rel_tol: 0.01}\n"
    )
    rows = run_validation([path], include_shipped=False)
    assert len(rows) == 1 and not rows[0].passed


def test_bad_case_file_lists_every_problem(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "cases:\n"
        "  - id: a\n    expect: [{output: x, value: 1}]\n"  # no source, no tolerance
        "  - id: b\n    source: s\n    expect: [{output: x, value: 1, rel_tol: 0.1, abs_tol: 1}]\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_cases([path])
    text = str(info.value)
    assert "source" in text and "exactly one of rel_tol or abs_tol" in text
    assert len(info.value.errors) >= 3


def test_unknown_output_is_an_input_error(tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text("id: c\nsource: s\nexpect: [{output: orbital.nonsense, value: 1, abs_tol: 1}]\n")
    with pytest.raises(ScenarioError, match="unknown output"):
        run_validation([path], include_shipped=False)
