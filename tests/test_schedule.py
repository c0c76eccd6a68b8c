"""Time to first token and the price of waiting."""

from __future__ import annotations

import numpy as np
import pytest

import terawatt
from terawatt.economics import schedule
from terawatt.economics.finance import annuity_factor


def test_ground_time_to_power_takes_the_longest_lead_time():
    args = dict(
        interconnection_wait_yr=5.0,
        turbine_lead_time_yr=6.0,
        transformer_lead_time_yr=2.5,
        construction_time_yr=1.5,
        solar_build_time_yr=1.2,
    )
    assert schedule.ground_time_to_power_yr("grid", **args) == 5.0
    assert schedule.ground_time_to_power_yr("gas", **args) == 6.0
    assert schedule.ground_time_to_power_yr("solar_storage", **args) == 2.5  # transformers bind
    arr = schedule.ground_time_to_power_yr("grid", **{**args, "interconnection_wait_yr": np.array([1.0, 3.0, 9.0])})
    np.testing.assert_allclose(arr, [2.5, 3.0, 9.0])


def test_orbit_time_to_first_token_adds_build_wait_commissioning():
    assert schedule.orbit_time_to_first_token_yr(2.0, 0.5, 0.25) == pytest.approx(2.75)
    out = schedule.orbit_time_to_first_token_yr(np.array([1.0, 2.0]), 0.0, 0.25)
    np.testing.assert_allclose(out, [1.25, 2.25])


def test_wait_cost_closed_form():
    # idle capital K((1+r)^T - 1) plus value x GPU-hours x annuity factor
    got = schedule.wait_cost_usd(1e9, 2.0, 0.08, 3.0, 1e8)
    expected = 1e9 * (1.08**2 - 1.0) + 3.0 * 1e8 * float(annuity_factor(0.08, 2.0))
    assert got == pytest.approx(expected, rel=1e-12)
    assert schedule.wait_cost_usd(1e9, 0.0, 0.08, 3.0, 1e8) == 0.0
    assert schedule.wait_cost_usd(1e9, 2.0, 0.0, 3.0, 1e8) == pytest.approx(6e8)


def test_model_reports_waits_and_costs_with_wait():
    r = terawatt.evaluate(None)
    assert r["terrestrial.time_to_first_token_yr"] == 5.0  # grid: interconnection queue binds
    assert r["terrestrial.time_to_power_yr"] == 5.0
    assert r["orbital.time_to_first_token_yr"] == pytest.approx(2.75)
    for side in ("orbital", "terrestrial"):
        assert r[f"{side}.cost_per_gpu_hour_with_wait_usd"] > r[f"{side}.cost_per_gpu_hour_usd"]
    ratio = r["orbital.cost_per_gpu_hour_with_wait_usd"] / r["terrestrial.cost_per_gpu_hour_with_wait_usd"]
    assert r["comparison.cost_ratio_with_wait"] == pytest.approx(ratio)
    # the ground waits longer here, so counting the wait narrows the gap
    assert r["comparison.cost_ratio_with_wait"] < r["comparison.cost_ratio"]


def test_given_time_to_power_overrides_components():
    r = terawatt.evaluate(None, terrestrial__time_to_power_yr=0.0)
    assert r["terrestrial.time_to_first_token_yr"] == 0.0
    assert r["terrestrial.wait_cost_usd"] == 0.0
    assert r["terrestrial.cost_per_gpu_hour_with_wait_usd"] == pytest.approx(r["terrestrial.cost_per_gpu_hour_usd"])
