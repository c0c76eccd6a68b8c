"""Design optimisation (terawatt optimize, issue 11): the search finds known optima through the same code path,
detects binding bounds, is deterministic for a seed, refuses bad levers, and `auto` levers work in run/timeline."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

import terawatt
from terawatt.errors import ScenarioError
from terawatt.model import evaluate
from terawatt.scenario import load_scenario, shipped_scenarios
from terawatt.studies.levers import DEFAULT_LEVERS, Lever, parse_levers
from terawatt.studies.optimize import minimize_levers, optimize, pareto_levers, resolve_auto

CLI = [sys.executable, "-m", "terawatt.cli"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)


# ----------------------------------------------------------------------------------------- known optima
LEVERS = [
    Lever("a.power_w", "W", 1e3, 1e7),  # log scale
    Lever("b.x", "-", -5.0, 5.0),
    Lever("c.policy", "-", choices=("battery", "throttle")),
    Lever("d.binding", "mm", 2.0, 20.0),
]


def _quadratic(values: dict[str, np.ndarray]) -> np.ndarray:
    """Minimum at a = 1e5, b = 3, throttle, d on its lower bound 2; NaN (infeasible) where b < -4."""
    f = (np.log10(values["a.power_w"]) - 5.0) ** 2 + (values["b.x"] - 3.0) ** 2
    f = f + np.where(values["c.policy"] == "throttle", 0.0, 1.0) + 0.1 * values["d.binding"]
    return np.where(values["b.x"] < -4.0, np.nan, f)


def test_minimize_levers_finds_a_known_optimum_in_vectorized_populations():
    calls = []

    def fn(values):
        calls.append(np.size(values["b.x"]))
        return _quadratic(values)

    design, value, evaluations = minimize_levers(fn, LEVERS, seed=3)
    assert design["a.power_w"] == pytest.approx(1e5, rel=2e-3)
    assert design["b.x"] == pytest.approx(3.0, abs=2e-3)
    assert design["c.policy"] == "throttle"
    assert design["d.binding"] == 2.0  # snapped onto the binding bound
    assert value == pytest.approx(0.2, abs=1e-4)
    assert LEVERS[3].on_bound(design["d.binding"]) == "low" and LEVERS[1].on_bound(design["b.x"]) is None
    assert evaluations == sum(calls) and max(calls) >= 40  # whole populations per call, not one design


def test_minimize_levers_is_deterministic_and_keeps_a_better_start():
    first = minimize_levers(_quadratic, LEVERS, seed=7)
    assert minimize_levers(_quadratic, LEVERS, seed=7) == first
    best = {"a.power_w": 1e5, "b.x": 3.0, "c.policy": "throttle", "d.binding": 2.0}
    design, value, _ = minimize_levers(_quadratic, LEVERS, seed=1, start=best, maxiter=1)
    assert value == pytest.approx(0.2, abs=1e-12) and design == best


def test_pareto_front_of_a_known_problem():
    lever = [Lever("x.v", "-", -1.0, 3.0)]

    def fn(values):
        x = values["x.v"]
        return np.stack([x**2, (x - 2.0) ** 2], axis=-1)  # Pareto set: x in [0, 2]

    designs, f, _ = pareto_levers(fn, lever, seed=0)
    x = np.array([d["x.v"] for d in designs])
    assert len(x) > 10 and x.min() > -1e-3 and x.max() < 2 + 1e-3 and x.max() - x.min() > 1.5
    assert np.all(np.diff(f[:, 0]) >= 0) and np.all(np.diff(f[:, 1]) <= 1e-12)  # sorted, non-dominated


# ------------------------------------------------------------------------------------------------ the study
@pytest.fixture(scope="module")
def default_optimum():
    return optimize(load_scenario(), seed=0)


def test_default_optimum_beats_the_scenario_and_reports_bounds(default_optimum):
    opt = default_optimum
    assert [lv.name for lv in opt.levers] == list(DEFAULT_LEVERS)
    base, best = opt.baseline_outputs["orbital.cost_per_gpu_hour_usd"], opt.outputs["orbital.cost_per_gpu_hour_usd"]
    assert base == pytest.approx(float(evaluate(load_scenario())["orbital.cost_per_gpu_hour_usd"]))
    assert best < 0.9 * base
    # The optimum re-evaluated through terawatt.evaluate gives the reported cost and ratio.
    again = evaluate(load_scenario(None, opt.design))
    assert float(again["orbital.cost_per_gpu_hour_usd"]) == pytest.approx(best, rel=1e-12)
    assert float(again["comparison.cost_ratio"]) == pytest.approx(opt.outputs["comparison.cost_ratio"], rel=1e-12)
    for lever in opt.levers:  # a lever reported on a bound is exactly there, and only then
        side = opt.on_bound.get(lever.name)
        value = opt.design[lever.name]
        if side:
            assert value == pytest.approx(lever.low if side == "low" else lever.high, rel=1e-3)
        elif not lever.discrete:
            assert lever.low < value < lever.high
    radiator = next(lv for lv in opt.levers if lv.name == "thermal.radiator_temp_k")
    assert radiator.high == pytest.approx(opt.baseline_outputs["orbital.radiator_temp_k"])  # the chip limit
    row = {r["lever"]: r for r in opt.rows()}["satellite.compute_power_w"]
    assert row["moved"].endswith("%") and row["scenario"] == 1.32e5
    assert json.loads(json.dumps(opt.to_dict()))["on_bound"] == opt.on_bound


def test_optimize_is_deterministic_for_a_seed(default_optimum):
    again = optimize(load_scenario(), seed=0)
    assert again.design == default_optimum.design and again.outputs == default_optimum.outputs


@pytest.mark.parametrize("name", sorted(shipped_scenarios()))
def test_optimum_no_worse_than_each_shipped_design(name):
    sc = load_scenario(name)
    opt = optimize(sc, levers=["satellite.compute_power_w", "orbit.eclipse_policy", "radiation.shielding_mm_al",
                               "orbital_ops.spare_fraction"], seed=0)
    own = float(evaluate(sc)["orbital.cost_per_gpu_hour_usd"])
    if math.isfinite(own):
        assert opt.objective_value <= own * (1 + 1e-12)


def test_mass_per_kw_objective_and_pareto_front():
    opt = optimize(load_scenario(), levers=["satellite.compute_power_w", "orbit.eclipse_policy"],
                   objective="mass-per-kw")
    specific = opt.outputs["orbital.specific_power_w_per_kg"]
    assert opt.objective_value == pytest.approx(1000.0 / specific)
    assert opt.objective_value <= opt.baseline_outputs["orbital.launch_mass_kg_per_kw"] * (1 + 1e-12)
    front = optimize(load_scenario(), levers=["satellite.compute_power_w", "radiation.shielding_mm_al"],
                     objective=["gpu-hour", "mass-per-kw"], seed=2)
    costs = np.array([p["orbital.cost_per_gpu_hour_usd"] for p in front.front])
    masses = np.array([p["orbital.launch_mass_kg_per_kw"] for p in front.front])
    assert len(costs) >= 2 and np.all(np.diff(costs) >= 0) and np.all(np.diff(masses) <= 1e-9)
    assert front.front_frame().shape[0] == len(costs)


# ------------------------------------------------------------------------------------------------ bad levers
def test_bad_levers_are_all_reported_at_once():
    with pytest.raises(ScenarioError) as err:
        parse_levers(["orbit.altitud_km", "workload.accelerator", "debris.enabled", "orbit.altitude_km=800:700",
                      "radiation.shielding_mm_al=-1:5", "satellite.lifetime_yr=a:b", "orbit.eclipse_policy=battery"],
                     load_scenario().values)
    paths = [e.path for e in err.value.errors]
    text = " ".join(e.message for e in err.value.errors)
    assert paths == ["--lever orbit.altitud_km", "--lever workload.accelerator", "--lever debris.enabled",
                     "--lever orbit.altitude_km", "--lever radiation.shielding_mm_al",
                     "--lever satellite.lifetime_yr", "--lever orbit.eclipse_policy"]
    assert "did you mean 'orbit.altitude_km'" in text and "empty range 800:700 [km]" in text
    assert "outside the allowed range [0, 100] mm" in text


def test_a_choice_lever_with_bounds_that_are_no_choices_is_named():
    """Bounds that are not choices on a choice lever (``=,``, ``=lo:hi`` that are no numbers, numbers) were a
    TypeError; they are the lever's input error, with the others."""
    with pytest.raises(ScenarioError) as err:
        parse_levers(["orbit.eclipse_policy=,", "orbit.eclipse_policy=a:b"], load_scenario().values)
    assert [e.path for e in err.value.errors] == ["--lever orbit.eclipse_policy"] * 2
    for bounds in ("1:2", "battery", "battery,nope"):
        with pytest.raises(ScenarioError, match="give two or more of"):
            parse_levers([f"orbit.eclipse_policy={bounds}"], load_scenario().values)
    assert parse_levers(["orbit.eclipse_policy=throttle,battery"], load_scenario().values)[0].choices == (
        "throttle", "battery")


def test_an_objective_that_is_no_number_is_named():
    with pytest.raises(ScenarioError) as err:
        optimize(load_scenario("starship-2030"), objective=["orbital.infeasible_reason", "orbital.feasible"])
    assert [e.path for e in err.value.errors] == ["--objective", "--objective"]
    assert "is not numeric (str)" in str(err.value) and "is not numeric (bool)" in str(err.value)


def test_cli_bad_levers_exit_2_naming_them():
    res = _cli("optimize", "--lever", "orbit.altitude_km=900:600", "--lever", "nope.key")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "--lever orbit.altitude_km" in res.stderr and "--lever nope.key" in res.stderr


def test_cli_optimize_json_and_plot(tmp_path):
    chart = tmp_path / "front.png"
    res = _cli("optimize", "--lever", "satellite.compute_power_w", "--lever", "orbit.eclipse_policy", "--json",
               "--plot", str(chart))
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert {r["lever"] for r in doc["levers"]} == {"satellite.compute_power_w", "orbit.eclipse_policy"}
    assert doc["optimum"]["orbital.cost_per_gpu_hour_usd"] <= doc["scenario_design"]["orbital.cost_per_gpu_hour_usd"]
    assert chart.stat().st_size > 1000


# ------------------------------------------------------------------------------------------------ auto levers
AUTO = {"satellite.compute_power_w": "auto", "orbit.eclipse_policy": "auto"}


def test_auto_levers_in_evaluate_beat_fixed_designs():
    result = evaluate(load_scenario(None, AUTO))
    chosen = result.scenario.values
    assert isinstance(chosen["satellite.compute_power_w"], float) and chosen["orbit.eclipse_policy"] in (
        "battery", "throttle")
    cost = float(result["orbital.cost_per_gpu_hour_usd"])
    for power in (2.8e4, 1.32e5, 5e5):
        for policy in ("battery", "throttle"):
            fixed = evaluate(load_scenario(None, {"satellite.compute_power_w": power, "orbit.eclipse_policy": policy}))
            assert cost <= float(fixed["orbital.cost_per_gpu_hour_usd"]) * (1 + 1e-12)
    searched = optimize(load_scenario(), levers=list(AUTO), seed=0)
    assert cost <= searched.objective_value * 1.01  # the grid search agrees with differential evolution
    assert any("auto, optimised to" in note for note in result.notes)


def test_auto_levers_in_timeline_per_year():
    tl = terawatt.timeline("musk-2026", 2026, 2035, overrides=AUTO)
    power = tl.result.scenario.values["satellite.compute_power_w"]
    assert np.shape(power) == (10,) and np.all((power >= 2.8e4) & (power <= 1e6))
    fixed = terawatt.timeline("musk-2026", 2026, 2035)
    assert np.all(tl.series("orbital.cost_per_gpu_hour_usd")
                  <= fixed.series("orbital.cost_per_gpu_hour_usd") * (1 + 1e-12))


def test_auto_in_a_scenario_file_through_the_cli(tmp_path):
    path = tmp_path / "auto.yaml"
    path.write_text("satellite:\n  compute_power_w: auto\norbit:\n  eclipse_policy: auto\n")
    res = _cli("run", str(path), "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert any("satellite.compute_power_w: auto" in n for n in doc["notes"])
    bad = _cli("run", "--set", "satellite.lifetime_yr=auto")
    assert bad.returncode == 2 and "satellite.lifetime_yr" in bad.stderr


def test_resolve_auto_keeps_sample_shape():
    sc = load_scenario(None, {**AUTO, "launch.price_usd_per_kg": [100.0, 1000.0, 3000.0]})
    resolved = resolve_auto(sc)
    assert np.shape(resolved.values["satellite.compute_power_w"]) == (3,)
    assert np.shape(resolved.values["orbit.eclipse_policy"]) == (3,)
    assert resolved.auto_keys == ()
