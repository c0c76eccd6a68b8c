"""The walk from the ground's cost per GPU-hour to the orbit's (terawatt.studies.explain): exact sums, arrays,
the ground goodput step, and the CLI surfaces."""

from __future__ import annotations

import json

import numpy as np
import pytest

import terawatt
from terawatt.design.satellite import AVAILABILITY_PARTS
from terawatt.results import Result
from terawatt.scenario import shipped_scenarios
from terawatt.studies.explain import explain


def steps_sum(walk) -> np.ndarray:
    return walk.start + sum(np.asarray(s.delta, float) for s in walk.steps)


@pytest.mark.parametrize("name", [None, *sorted(shipped_scenarios())])
def test_steps_sum_to_the_orbit_cost_for_every_scenario(name):
    r = terawatt.evaluate(name)
    walk = explain(r)
    assert walk.start == r["terrestrial.cost_per_gpu_hour_usd"]
    assert walk.end == r["orbital.cost_per_gpu_hour_usd"]
    assert steps_sum(walk) == pytest.approx(r["orbital.cost_per_gpu_hour_usd"], rel=1e-12)
    assert walk.steps[-1].total == pytest.approx(walk.end, rel=1e-12)
    # the running total is the cumulative sum of the deltas
    totals = walk.start + np.cumsum([s.delta for s in walk.steps])
    np.testing.assert_allclose([s.total for s in walk.steps], totals, rtol=1e-12)
    assert walk.end / walk.start == pytest.approx(r["comparison.cost_ratio"], rel=1e-12)


def test_availability_steps_follow_the_parts():
    r = terawatt.evaluate(None)
    walk = {s.key: s.delta for s in explain(r).steps}
    losses = {p: walk[f"availability_{p}"] for p in AVAILABILITY_PARTS}
    # parts at 1 cost nothing; the log shares order the losses like the parts
    for part in AVAILABILITY_PARTS:
        a = r[f"orbital.availability_{part}"]
        assert (losses[part] == 0.0) == (a == 1.0)
    logs = {p: -np.log(r[f"orbital.availability_{p}"]) for p in AVAILABILITY_PARTS}
    assert losses["goodput"] / losses["failures"] == pytest.approx(logs["goodput"] / logs["failures"], rel=1e-12)
    # together they are what the availability adds to the lines that scale with the fleet: L (1 - a) / H
    before = r["orbital.cost_per_gpu_hour_usd"] - sum(losses.values())
    scaled = r["orbital.annual_cost_usd_per_yr"] - sum(
        r[f"orbital.annual_breakdown_usd_per_yr.{k}"] for k in ("ground_segment", "nre")
    )
    hours = r["comparison.gpu_hours_per_yr"]
    assert sum(losses.values()) == pytest.approx(scaled * (1 - r["orbital.availability"]) / hours, rel=1e-12)
    assert before > 0


def test_ground_lines_removed_are_the_ground_breakdown():
    r = terawatt.evaluate("starship-2030")
    walk = {s.key: s.delta for s in explain(r).steps}
    hours = r["comparison.gpu_hours_per_yr"]
    for name in ("energy", "facility", "power_plant", "operations", "repairs"):
        assert walk[f"ground_{name}"] == pytest.approx(
            -r[f"terrestrial.annual_breakdown_usd_per_yr.{name}"] / hours, rel=1e-14, abs=0.0
        )
    assert walk["orbit_launch"] == pytest.approx(
        r["orbital.annual_breakdown_usd_per_yr.launch"] * r["orbital.availability"] / hours, rel=1e-14
    )


def test_sampled_walk_sums_per_sample():
    n = 7
    overrides = {
        "launch.price_usd_per_kg": np.linspace(50.0, 3000.0, n),
        "workload.hardware_failure_rate_per_yr": np.linspace(0.025, 0.06, n),
        "finance.orbital_discount_rate": np.linspace(0.08, 0.16, n),
        "orbit.eclipse_policy": "throttle",
    }
    r = terawatt.evaluate(terawatt.load_scenario(None, overrides))
    walk = explain(r)
    assert np.shape(walk.end) == (n,)
    np.testing.assert_allclose(steps_sum(walk), r["orbital.cost_per_gpu_hour_usd"], rtol=1e-12)
    eclipse = next(s for s in walk.steps if s.key == "availability_eclipse")
    assert np.all(eclipse.delta > 0)  # throttle: eclipse costs capacity
    frame = walk.to_frame()
    assert len(frame) == n * len(walk.steps) and {"sample", "key", "delta", "total"} <= set(frame.columns)
    d = walk.to_dict()
    assert len(d["steps"][0]["delta"]) == n


def test_infeasible_samples_give_nan_not_numbers():
    r = terawatt.evaluate(terawatt.load_scenario(None, {"thermal.radiator_temp_k": np.array([150.0, 330.0])}))
    walk = explain(r)
    assert np.isnan(walk.end[0]) and np.isfinite(walk.end[1])
    assert np.isnan(walk.steps[-1].total[0])
    assert walk.to_dict()["end"][0] is None


def test_an_infeasible_design_gives_none_for_its_orbit_steps_and_no_warning():
    """A dose no part survives: the orbital breakdown is NaN; the walk warned four times computing it."""
    import warnings

    r = terawatt.evaluate(terawatt.load_scenario("starcloud-40mw", {"radiation.dose_rad_per_yr": 1e6}))
    assert not r["orbital.feasible"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = explain(r).to_dict()
    assert d["end"] is None and d["start"] > 0
    assert d["steps"][0]["delta"] is not None  # the ground's own steps are numbers
    assert {s["key"] for s in d["steps"] if s["total"] is None} >= {"accelerator_terms", "accelerator_spares"}


def test_ground_goodput_step_appears_with_the_output():
    """With ``terrestrial.goodput_fraction`` (the goodput model's output), the ground's delivered GPU-hours are
    fewer: the walk first restores them, and still sums exactly."""
    r = terawatt.evaluate(None, workload__kind="training")
    g = float(r["terrestrial.goodput_fraction"])
    assert 0.9 < g < 1.0
    walk = explain(r)
    first = walk.steps[0]
    assert first.key == "ground_goodput"
    assert first.delta == pytest.approx(r["terrestrial.cost_per_gpu_hour_usd"] * (g - 1), rel=1e-9)
    assert steps_sum(walk) == pytest.approx(r["orbital.cost_per_gpu_hour_usd"], rel=1e-12)
    # Without the output (a result from a model that has no ground goodput) the step is left out.
    outputs = {k: val for k, val in r.outputs.items() if k != "terrestrial.goodput_fraction"}
    outputs["terrestrial.cost_per_gpu_hour_usd"] = r["terrestrial.cost_per_gpu_hour_usd"] * g
    bare = explain(Result(scenario=r.scenario, outputs=outputs))
    assert "ground_goodput" not in {s.key for s in bare.steps}
    assert steps_sum(bare) == pytest.approx(r["orbital.cost_per_gpu_hour_usd"], rel=1e-12)


def test_orbit_goodput_in_delivered_hours_joins_the_goodput_step():
    """If the orbit's delivered hours carry a goodput factor (instead of its availability), the walk still sums."""
    r = terawatt.evaluate(None)
    outputs = dict(r.outputs)
    outputs["orbital.cost_per_gpu_hour_usd"] = r["orbital.cost_per_gpu_hour_usd"] / 0.9
    walk = explain(Result(scenario=r.scenario, outputs=outputs))
    assert steps_sum(walk) == pytest.approx(outputs["orbital.cost_per_gpu_hour_usd"], rel=1e-12)
    base = {s.key: s.delta for s in explain(r).steps}
    changed = {s.key: s.delta for s in walk.steps}
    assert changed["availability_goodput"] > base["availability_goodput"]


# ----------------------------------------------------------------------------------------------------- CLI
def test_run_explain_prints_the_walk(run_cli):
    proc = run_cli("run", "--explain")
    assert proc.returncode == 0, proc.stderr
    assert "ground -> orbit cost per delivered GPU-hour" in proc.stdout
    for label in ("ground energy removed", "launch", "availability: goodput", "orbit cost per GPU-hour"):
        assert label in proc.stdout


def test_run_json_includes_the_walk(run_cli):
    proc = run_cli("run", "starship-2030", "--json")
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    walk = payload["explain"]
    assert walk["unit"] == "USD/GPU-h"
    assert walk["start"] == pytest.approx(payload["terrestrial"]["cost_per_gpu_hour_usd"], rel=1e-12)
    assert walk["end"] == pytest.approx(payload["orbital"]["cost_per_gpu_hour_usd"], rel=1e-12)
    assert walk["start"] + sum(s["delta"] for s in walk["steps"]) == pytest.approx(walk["end"], rel=1e-12)
    assert {s["key"] for s in walk["steps"]} >= {f"availability_{p}" for p in AVAILABILITY_PARTS}
