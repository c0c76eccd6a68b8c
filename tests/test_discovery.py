"""Scenario discovery (issue 10): PRIM against constructed cases whose true boxes are known, the condition grammar
(parsed, never evaluated), and ``terawatt discover`` on the model and from the command line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import binom

import terawatt
from terawatt.errors import ScenarioError
from terawatt.studies.discovery import discover
from terawatt.studies.outcomes import GRAMMAR, parse_condition
from terawatt.studies.prim import prim


def _uniform(n=5000, d=6, seed=1):
    rng = np.random.default_rng(seed)
    return {f"x{i}": rng.random(n) for i in range(d)}, rng


def _inside(x, limits):
    ok = np.ones(len(next(iter(x.values()))), bool)
    for name, (lo, hi) in limits.items():
        ok &= (x[name] >= (-np.inf if lo is None else lo)) & (x[name] <= (np.inf if hi is None else hi))
    return ok


# ------------------------------------------------------------------------------------------------------ PRIM
def test_prim_finds_a_known_box():
    x, _ = _uniform()
    y = (x["x0"] > 0.3) & (x["x1"] < 0.6)
    boxes = prim(x, y)
    box = boxes[0]
    assert set(box.limits) == {"x0", "x1"}  # only the restricted inputs, none of the four irrelevant ones
    lo, hi = box.limits["x0"][0], box.limits["x1"][1]
    assert box.limits["x0"][1] is None and box.limits["x1"][0] is None
    assert abs(lo - 0.3) < 0.03 and abs(hi - 0.6) < 0.03
    assert box.density > 0.95 and box.coverage > 0.95
    assert all(p < 1e-10 for p in box.quasi_p.values())
    inside = _inside(x, box.limits)  # the reported figures are those of the reported limits
    assert box.points == inside.sum() and box.density == pytest.approx(y[inside].mean())
    assert box.coverage == pytest.approx(y[inside].sum() / y.sum()) and box.support == pytest.approx(inside.mean())


def test_prim_with_noise_keeps_the_box_and_its_quasi_p_is_the_binomial_tail():
    x, rng = _uniform(seed=2)
    y = ((x["x0"] > 0.3) & (x["x1"] < 0.6)) ^ (rng.random(5000) < 0.1)
    box = prim(x, y, max_boxes=1)[0]
    assert set(box.limits) >= {"x0", "x1"} and box.density >= 0.8 and box.reaches_threshold
    inside = _inside(x, box.limits)
    relaxed = _inside(x, {k: v for k, v in box.limits.items() if k != "x0"})
    p = y[relaxed].mean()
    assert box.quasi_p["x0"] == pytest.approx(binom.sf(y[inside].sum() - 1, inside.sum(), p), rel=1e-9)


def test_prim_covering_finds_two_disjoint_boxes():
    x, _ = _uniform(n=8000, seed=3)
    y = ((x["x0"] > 0.7) & (x["x1"] > 0.7)) | ((x["x2"] < 0.25) & (x["x3"] < 0.3))
    boxes = prim(x, y)
    found = [frozenset(b.limits) for b in boxes[:2]]
    assert set(found) == {frozenset({"x0", "x1"}), frozenset({"x2", "x3"})}
    assert sum(b.coverage for b in boxes[:2]) > 0.8


def test_peeling_trajectory_trades_coverage_for_density():
    x, _ = _uniform(seed=4)
    y = (x["x0"] > 0.5) & (x["x1"] > 0.5)
    box = prim(x, y, min_support=0.1)[0]
    t = box.trajectory
    assert t[0].coverage == 1 and t[0].support == 1 and t[0].density == pytest.approx(y.mean())
    support = [p.support for p in t]
    assert all(a > b for a, b in zip(support, support[1:], strict=False)) and support[-1] >= 0.1
    assert 0.045 < 1 - support[1] < 0.06  # one peel removes about alpha = 5 % of the box
    assert t[box.chosen].density >= 0.8


def test_prim_refuses_an_outcome_without_contrast():
    x, _ = _uniform(n=100)
    with pytest.raises(ValueError, match="points where"):
        prim(x, np.zeros(100, bool))


# ------------------------------------------------------------------------------------------------ conditions
def test_condition_grammar():
    c = parse_condition("comparison.cost_ratio < 1 and orbital.satellite_mass_kg>=2e4")
    assert [(k.key, k.op, k.value) for k in c.clauses] == [("comparison.cost_ratio", "<", 1.0),
                                                           ("orbital.satellite_mass_kg", ">=", 2e4)]
    cols = {"comparison.cost_ratio": np.array([0.5, 0.5, 2.0, np.nan]),
            "orbital.satellite_mass_kg": np.array([3e4, 1e4, 3e4, 3e4])}
    assert c.holds(cols).tolist() == [True, False, False, False]  # NaN never satisfies a clause
    assert str(c) == "comparison.cost_ratio < 1 and orbital.satellite_mass_kg >= 20000"


@pytest.mark.parametrize("text", ["", "comparison.cost_ratio", "comparison.cost_ratio = 1", "x < y",
                                  "__import__('os').system('true') < 1", "a < 1 or b > 2", "a < 1 and", "a < inf"])
def test_bad_conditions_are_refused_with_the_grammar(text):
    with pytest.raises(ScenarioError) as info:
        parse_condition(text)
    assert GRAMMAR.split(",")[0] in info.value.errors[0].message


# ------------------------------------------------------------------------------------------------- the study
def test_discover_on_musk_2026():
    d = terawatt.discover("musk-2026", year=2035, n=3000)
    assert 0 < d.share < 1 and d.boxes
    box = d.boxes[0]
    assert set(box.limits) <= set(d.space.names) and box.limits
    mc = terawatt.montecarlo("musk-2026", n=3000, year=2035)  # the same design: the same share
    assert d.share == pytest.approx(mc.p_orbit_cheaper)
    frame = d.to_frame()
    assert frame.index.names == ["box", "parameter"]
    assert set(frame.loc[1].index) == set(box.limits) and (frame["unit"] != "").all()
    assert d.trajectory_frame().iloc[0]["coverage"] == 1
    doc = d.to_dict()
    json.dumps(doc, allow_nan=False)
    assert doc["boxes"][0]["limits"].keys() == box.limits.keys()


def test_discover_never_and_always_true_give_a_message():
    never = discover(terawatt.load_scenario(None), 2035, n=500)
    assert never.share == 0 and not never.boxes and "holds in none" in never.message
    always = discover(terawatt.load_scenario(None), 2035, "comparison.cost_ratio > 0", n=500)
    assert always.share == 1 and not always.boxes and "holds in all" in always.message
    assert never.to_frame().empty


def test_discover_bad_input_all_at_once():
    with pytest.raises(ScenarioError) as info:
        discover(terawatt.load_scenario(None), 1900, "cost < 1 or", n=0, alpha=0.7)
    paths = [e.path for e in info.value.errors]
    assert {"--year", "--condition", "-n", "--alpha"} <= set(paths)
    with pytest.raises(ScenarioError, match="comparison.cost_ratio"):
        discover(terawatt.load_scenario(None), 2035, "comparison.cost_rati < 1")


# ---------------------------------------------------------------------------------------------------- CLI
def test_cli_discover_table_plot_and_json(invoke_cli, tmp_path):
    res = invoke_cli("discover", "musk-2026", "--year", "2035", "-n", "2000", "--plot", tmp_path / "d.png")
    assert res.exit_code == 0, res.output
    assert "box 1:" in res.stdout and "quasi-p" in res.stdout and (tmp_path / "d.png").stat().st_size > 10000
    res = invoke_cli("discover", "musk-2026", "--year", "2035", "-n", "2000", "--json")
    doc = json.loads(res.stdout, parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))
    assert doc["condition"] == "comparison.cost_ratio < 1" and doc["boxes"][0]["trajectory"]


def test_cli_discover_never_true_is_a_message_not_a_crash(invoke_cli, tmp_path):
    res = invoke_cli("discover", "--year", "2035", "-n", "300", "--plot", tmp_path / "none.png")
    assert res.exit_code == 0 and "holds in none" in res.stdout and (tmp_path / "none.png").exists()


@pytest.mark.parametrize(("args", "fragment"), [
    (("--year", "2035", "--condition", "comparison.cost_ratio is small"), "KEY OP NUMBER"),
    (("--year", "2035", "--condition", "orbital.mass < 1"), "orbital.mass"),
    (("--year", "3000"), "--year"),
    (("--condition", "comparison.cost_ratio < 1"), "--year"),
    (("--year", "2035", "--density", "2"), "--density"),
    (("--year", "2035", "-n", "1000000000"), "model rows held in memory"),  # it ran for hours before
])
def test_cli_discover_bad_input_exits_2(invoke_cli, args, fragment):
    res = invoke_cli("discover", *args)
    assert res.exit_code == 2 and fragment in res.output + res.stderr and "Traceback" not in res.output


def test_cli_discover_subprocess(run_cli):
    res = run_cli("discover", "musk-2026", "--year", "2035", "-n", "1000", "--condition",
                  "comparison.cost_ratio < 1.2", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["share"] > 0
    bad = run_cli("discover", "--year", "2035", "--condition", "1 < comparison.cost_ratio")
    assert bad.returncode == 2 and "KEY OP NUMBER" in bad.stderr and "Traceback" not in bad.stderr


def test_studies_refuse_a_scenario_of_sample_arrays(tmp_path):
    sc = terawatt.load_scenario({"workload.utilization": [0.7, 0.8]})
    for call in (lambda: discover(sc, 2035, n=100), lambda: terawatt.sensitivity(sc, "tornado"),
                 lambda: terawatt.discover(None, n=100)):
        with pytest.raises(ScenarioError) as info:
            call()
        assert [e.path for e in info.value.errors] in (["<samples>"], ["--year"])


def test_prim_that_cannot_peel_says_so():
    x, _ = _uniform(n=200, seed=5)
    y = x["x0"] > 0.9
    box = prim(x, y, min_support=0.99)[0]
    assert not box.limits and box.support == 1 and any("no input is restricted" in n for n in box.notes)
