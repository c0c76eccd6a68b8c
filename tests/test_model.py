"""The whole chain: defaults, broadcasting, monotonicity, energy balance, result views, infeasibility."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import terawatt
from terawatt.constants import STEFAN_BOLTZMANN_W_PER_M2_K4 as SIGMA
from terawatt.economics.finance import annuity_factor

N = 1000
COST_KEYS = (
    "orbital.cost_per_kw_year_usd",
    "orbital.cost_per_gpu_hour_usd",
    "orbital.cost_per_million_tokens_usd",
    "orbital.capex_usd",
    "orbital.annual_cost_usd_per_yr",
    "orbital.lifecycle_cost_usd",
    "terrestrial.cost_per_kw_year_usd",
    "terrestrial.cost_per_gpu_hour_usd",
    "terrestrial.cost_per_million_tokens_usd",
    "terrestrial.capex_usd",
    "terrestrial.annual_cost_usd_per_yr",
    "terrestrial.lifecycle_cost_usd",
    "comparison.cost_ratio",
    "comparison.breakeven_launch_price_usd_per_kg",
)
MASS_PARTS = ("it", "shielding", "array", "battery", "radiator", "bus", "margin", "propulsion")


@pytest.fixture(scope="module")
def default():
    return terawatt.evaluate(None)


@pytest.fixture(scope="module")
def sampled():
    overrides = {
        "launch.price_usd_per_kg": np.linspace(10.0, 3000.0, N),
        "thermal.emissivity": np.linspace(0.8, 0.95, N),
    }
    return overrides, terawatt.evaluate(terawatt.load_scenario(None, overrides))


def test_default_costs_finite(default):
    for key in COST_KEYS:
        assert np.isfinite(default[key]), key
        assert isinstance(default[key], float), key
    assert default["orbital.feasible"] is True
    assert default["orbital.annual_cost_usd_per_yr"] > 0 and default["terrestrial.annual_cost_usd_per_yr"] > 0


def test_default_radiator_against_closed_form(default):
    # B200 chain: 360.15 K - 0.03 K/W x 1000 W - 10 K = 320.15 K; DESIGN.md baseline environment
    t = 320.15
    q = 2 * 0.9 * SIGMA * (t**4 - 3.0**4) - 0.48 * (0.15 * 0.3 * 1361.0 + 0.9 * 237.0)
    assert default["orbital.radiator_temp_k"] == pytest.approx(t, abs=1e-9)
    assert default["orbital.radiator_net_flux_w_per_m2"] == pytest.approx(q, rel=1e-12)
    assert default["orbital.radiator_area_m2"] == pytest.approx(
        default["orbital.heat_rejected_w"] / (0.85 * q), rel=1e-12
    )


def test_energy_balance(default):
    # all electrical power (IT + housekeeping), after conversion losses, leaves through the radiator
    assert default["orbital.heat_rejected_w"] == pytest.approx(1.32e5 * 1.03 / 0.95, rel=1e-12)


def test_mass_budget_closes_in_model(default):
    parts = sum(default[f"orbital.{p}_mass_kg"] for p in MASS_PARTS)
    assert parts == pytest.approx(default["orbital.satellite_mass_kg"], rel=1e-12)


def test_lifecycle_is_annual_times_annuity(default):
    # each side discounts at its own rate (orbit 12 %, ground 8 %: finance.orbital/terrestrial_discount_rate)
    for side, rate in (("orbital", 0.12), ("terrestrial", 0.08)):
        af = float(annuity_factor(rate, 10.0))
        assert default[f"{side}.lifecycle_cost_usd"] == pytest.approx(
            default[f"{side}.annual_cost_usd_per_yr"] * af, rel=1e-12
        )


def test_unit_costs_consistent(default):
    hours = default["comparison.gpu_hours_per_yr"]
    assert hours == pytest.approx(1e8 / 1787.5 * 0.8 * 8760.0)
    # the orbit's fleet is sized to deliver the hours; the ground delivers them times its goodput (issue 8)
    delivered = {"orbital": hours, "terrestrial": hours * default["terrestrial.goodput_fraction"]}
    assert default["terrestrial.gpu_hours_per_yr"] == pytest.approx(delivered["terrestrial"], rel=1e-12)
    for side in ("orbital", "terrestrial"):
        annual = default[f"{side}.annual_cost_usd_per_yr"]
        assert default[f"{side}.cost_per_gpu_hour_usd"] == pytest.approx(annual / delivered[side], rel=1e-12)
        assert default[f"{side}.cost_per_kw_year_usd"] == pytest.approx(annual / 1e5, rel=1e-12)
    assert default["comparison.cost_ratio"] == pytest.approx(
        default["orbital.cost_per_gpu_hour_usd"] / default["terrestrial.cost_per_gpu_hour_usd"], rel=1e-12
    )


def test_breakdowns_sum(default):
    for side, lines in (
        (
            "orbital",
            (
                "accelerators",
                "satellite_hardware",
                "launch",
                "insurance",
                "ground_segment",
                "nre",
                "operations",
                "replacement",
            ),
        ),
        ("terrestrial", ("accelerators", "repairs", "facility", "power_plant", "energy", "operations")),
    ):
        total = sum(default[f"{side}.annual_breakdown_usd_per_yr.{k}"] for k in lines)
        assert total == pytest.approx(default[f"{side}.annual_cost_usd_per_yr"], rel=1e-12)


def test_overrides_kwargs_match_load_scenario():
    a = terawatt.evaluate(None, orbit__altitude_km=550.0)
    b = terawatt.evaluate(terawatt.load_scenario(None, {"orbit.altitude_km": 550.0}))
    assert a["orbital.cost_per_gpu_hour_usd"] == b["orbital.cost_per_gpu_hour_usd"]


# --------------------------------------------------------------------------------------------- broadcasting
def test_sampled_shapes(sampled):
    _, r = sampled
    assert r.scenario.n_samples == N
    # every output that depends on launch price or emissivity carries the samples
    for key in (
        "orbital.cost_per_gpu_hour_usd",
        "orbital.capex_usd",
        "orbital.lifecycle_cost_usd",
        "comparison.cost_ratio",
        "comparison.breakeven_launch_price_usd_per_kg",
        "orbital.radiator_area_m2",
        "orbital.satellite_mass_kg",
        "orbital.launch_mass_kg",
        "orbital.launches",
    ):
        assert np.shape(r[key]) == (N,), key
    # the rest stay scalars (the terrestrial side does not depend on them)
    for key in r.keys():
        assert np.ndim(r[key]) == 0 or np.shape(r[key]) == (N,), key


@pytest.mark.parametrize("i", [0, 437, N - 1])
def test_sample_equals_scalar_evaluation(sampled, i):
    overrides, r = sampled
    scalar = terawatt.evaluate(terawatt.load_scenario(None, {k: float(v[i]) for k, v in overrides.items()}))
    for key in r.keys():
        got = np.asarray(r[key])
        got = got[i] if got.ndim else got
        want = scalar[key]
        if isinstance(want, bool):
            assert bool(got) == want, key
        elif isinstance(want, str):
            assert str(got) == want, key
        else:
            np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True, err_msg=key)


def test_sampled_trends(sampled):
    _, r = sampled
    # launch price and emissivity both rise with the index: launch cost up, radiator down
    assert np.all(np.diff(r["orbital.radiator_area_m2"]) < 0)
    assert np.all(np.diff(r["orbital.cost_per_gpu_hour_usd"]) > 0)
    assert np.ptp(r["terrestrial.cost_per_gpu_hour_usd"]) == 0.0


# --------------------------------------------------------------------------------------------- monotonicity
def evaluate_array(key, values):
    return terawatt.evaluate(terawatt.load_scenario(None, {key: values}))


def test_higher_launch_price_costs_more_in_orbit():
    r = evaluate_array("launch.price_usd_per_kg", np.array([0.0, 100.0, 500.0, 2000.0]))
    assert np.all(np.diff(r["orbital.cost_per_gpu_hour_usd"]) > 0)
    assert np.all(np.diff(r["orbital.launch_cost_per_kw_year_usd"]) > 0)
    assert r["orbital.capex_breakdown_usd.launch"][0] == 0.0
    # the orbital cost is affine in the price per kg
    annual = r["orbital.annual_cost_usd_per_yr"]
    slope = (annual[3] - annual[0]) / 2000.0
    assert annual[1] == pytest.approx(annual[0] + 100.0 * slope, rel=1e-12)


def test_higher_electricity_price_costs_more_on_ground():
    price = np.array([40.0, 90.0, 150.0])
    r = evaluate_array("terrestrial.electricity_price_usd_per_mwh", price)
    cost = r["terrestrial.cost_per_gpu_hour_usd"]
    assert np.all(np.diff(cost) > 0)
    # +$1/MWh adds 840,960 MWh/yr x $1 to the annual cost
    np.testing.assert_allclose(
        np.diff(r["terrestrial.annual_cost_usd_per_yr"]), np.diff(price) * 840960.0, rtol=1e-9
    )
    assert np.ptp(r["orbital.cost_per_gpu_hour_usd"]) == 0.0


def test_hotter_radiator_is_smaller():
    r = evaluate_array("thermal.radiator_temp_k", np.array([290.0, 320.0, 350.0, 400.0]))
    assert np.all(np.diff(r["orbital.radiator_area_m2"]) < 0)
    assert np.all(np.diff(r["orbital.radiator_net_flux_w_per_m2"]) > 0)
    assert np.all(np.diff(r["orbital.satellite_mass_kg"]) < 0)


def test_gas_supply_prices_fuel():
    r = terawatt.evaluate(
        None,
        terrestrial__power_source="gas",
        terrestrial__heat_rate_btu_per_kwh=6200.0,
        terrestrial__gas_price_usd_per_mmbtu=4.3,
        terrestrial__gas_variable_om_usd_per_mwh=0.0,
    )
    assert r["terrestrial.energy_price_usd_per_mwh"] == pytest.approx(26.66, abs=1e-9)
    assert r["terrestrial.gas_capacity_w"] == pytest.approx(1.2e8)
    assert r["terrestrial.annual_breakdown_usd_per_yr.energy"] == pytest.approx(840960.0 * 26.66, rel=1e-12)


def test_solar_storage_supply_finite():
    r = terawatt.evaluate(
        None, terrestrial__power_source="solar_storage", terrestrial__solar_capacity_factor=0.24
    )
    assert r["terrestrial.energy_price_usd_per_mwh"] == 0.0
    assert r["terrestrial.pv_capacity_w"] > 1.2e8 / 0.24  # storage losses and overbuild
    assert np.isfinite(r["terrestrial.cost_per_gpu_hour_usd"])


# ------------------------------------------------------------------------------------------------ infeasible
def test_infeasible_radiator_gives_nan_and_note():
    r = terawatt.evaluate(None, thermal__radiator_temp_k=150.0)
    assert r["orbital.radiator_net_flux_w_per_m2"] < 0
    assert r["orbital.radiator_feasible"] is False and r["orbital.feasible"] is False
    for key in (
        "orbital.cost_per_gpu_hour_usd",
        "orbital.cost_per_kw_year_usd",
        "comparison.cost_ratio",
        "comparison.breakeven_launch_price_usd_per_kg",
        "orbital.radiator_area_m2",
    ):
        assert np.isnan(r[key]), key
    assert np.isfinite(r["terrestrial.cost_per_gpu_hour_usd"])
    assert any("radiator" in note for note in r.notes)
    payload = json.loads(r.to_json())
    assert payload["orbital"]["cost_per_gpu_hour_usd"] is None


def test_infeasible_samples_only_where_infeasible():
    r = evaluate_array("thermal.radiator_temp_k", np.array([150.0, 320.0]))
    cost = r["orbital.cost_per_gpu_hour_usd"]
    assert np.isnan(cost[0]) and np.isfinite(cost[1])
    np.testing.assert_array_equal(r["orbital.radiator_feasible"], [False, True])
    assert any("1 of 2 samples" in note for note in r.notes)


def test_heritage_with_infeasible_radiator_is_flagged():
    r = terawatt.evaluate(None, satellite__mass_kg=5000.0, thermal__radiator_temp_k=150.0)
    assert np.isnan(r["orbital.cost_per_gpu_hour_usd"])
    assert r["orbital.feasible"] is False or r.notes


def test_cell_efficiency_above_one_at_operating_temperature_is_infeasible(invoke_cli):
    """In-range inputs whose operating efficiency exceeds 1 (eta 1.0 rated at 28 C, run at 150 K: x 1.53 with the
    default -0.0035/K) are an infeasible design with its reason, not a traceback (found by tests/test_fuzz.py)."""
    r = terawatt.evaluate(None, solar__cell_efficiency=1.0, solar__cell_temp_k=150.0)
    assert r["orbital.feasible"] is False and np.isnan(r["orbital.cost_per_gpu_hour_usd"])
    assert any("1.529 > 1" in note for note in r.notes)
    s = terawatt.evaluate(terawatt.load_scenario(None, {"solar.cell_temp_k": np.array([150.0, 330.0]),
                                                        "solar.cell_efficiency": 0.9}))
    np.testing.assert_array_equal(s["orbital.feasible"], [False, True])
    assert np.isnan(s["orbital.cost_per_gpu_hour_usd"][0]) and np.isfinite(s["orbital.cost_per_gpu_hour_usd"][1])
    for command in (["run"], ["timeline", "--from", "2026", "--to", "2028"]):
        res = invoke_cli(*command, "--set", "solar.cell_efficiency=1.0", "--set", "solar.cell_temp_k=150", "--json")
        assert res.exit_code == 0, res.exception


# ---------------------------------------------------------------------------------------------- result views
def test_views_scalar(default):
    flat = default.to_dict(nested=False)
    # Issue 9: the views add the reason a value is missing (null break-even) next to the canonical outputs.
    assert set(flat) == set(default.keys()) | {"comparison.breakeven_launch_price_note"}
    nested = default.to_dict()
    assert nested["orbital"]["cost_per_gpu_hour_usd"] == default["orbital.cost_per_gpu_hour_usd"]
    assert nested["orbital"]["capex_breakdown_usd"]["launch"] == default["orbital.capex_breakdown_usd.launch"]
    payload = json.loads(default.to_json())
    assert payload["scenario"] == "default"
    assert payload["comparison"]["cost_ratio"] == pytest.approx(default["comparison.cost_ratio"])
    assert isinstance(payload["notes"], list)
    frame = default.to_frame()
    assert isinstance(frame, pd.DataFrame) and frame.shape == (1, len(default.keys()) + 1)  # + the note column
    assert frame.attrs["units"]["orbital.cost_per_gpu_hour_usd"] == "USD/GPU-h"
    assert frame["orbital.radiator_area_m2"].iloc[0] == pytest.approx(default["orbital.radiator_area_m2"])


def test_views_array(sampled):
    _, r = sampled
    frame = r.to_frame()
    assert frame.shape == (N, len(r.keys()) + 1)  # + the break-even note column (issue 9)
    np.testing.assert_allclose(frame["orbital.cost_per_gpu_hour_usd"], r["orbital.cost_per_gpu_hour_usd"])
    # scalar outputs are repeated on every row
    assert (frame["orbital.period_min"] == r["orbital.period_min"]).all()
    nested = r.to_dict()
    assert isinstance(nested["orbital"]["radiator_area_m2"], list)
    assert len(nested["orbital"]["radiator_area_m2"]) == N
    payload = json.loads(r.to_json(indent=None))
    assert len(payload["orbital"]["cost_per_gpu_hour_usd"]) == N
    assert len(payload["overrides"]["launch.price_usd_per_kg"]) == N


def test_json_replaces_nan_with_null():
    r = evaluate_array("thermal.radiator_temp_k", np.array([150.0, 320.0]))
    payload = json.loads(r.to_json())
    costs = payload["orbital"]["cost_per_gpu_hour_usd"]
    assert costs[0] is None and isinstance(costs[1], float)


@pytest.mark.parametrize(
    "name", ["baseline-2026", "mccalip-1gw", "starcloud-40mw", "starship-2030", "suncatcher"]
)
def test_shipped_scenarios_evaluate(name):
    r = terawatt.evaluate(name)
    for key in COST_KEYS:
        assert np.isfinite(r[key]), (name, key)
