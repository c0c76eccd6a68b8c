"""Permanent failures, servicing, ground repairs and each side's cost of capital: physics closed forms, prices and
the model wiring (scalar and sampled)."""

from __future__ import annotations

import numpy as np
import pytest

import terawatt
from terawatt.design.satellite import (
    AVAILABILITY_PARTS,
    replaced_fraction_per_visit,
    serviced_survival_mean,
    servicing_visits_per_life,
    survival_mean,
)
from terawatt.economics.finance import capital_recovery_factor, series_present_value_factor
from terawatt.scenario import ScenarioError


def m_closed(lam: float, life: float) -> float:
    """Mean working fraction over ``life`` without spares: (1 - e^{-lam L}) / (lam L)."""
    return (1.0 - np.exp(-lam * life)) / (lam * life)


# ------------------------------------------------------------------------------------------ servicing physics
@pytest.mark.parametrize(
    ("visits", "life", "expected"),
    [(1.0, 5.0, 4), (0.5, 5.0, 2), (0.0, 5.0, 0), (0.2, 5.0, 0), (2.0, 5.0, 9), (0.3, 5.0, 1), (0.5, 1.0, 0)],
)
def test_visits_inside_the_life(visits, life, expected):
    # visits at T, 2T, ... strictly before the end of life
    assert servicing_visits_per_life(visits, life) == expected


def test_no_visits_is_failure_in_place():
    for s in (0.0, 0.1, 0.5):
        assert serviced_survival_mean(0.04, s, 5.0, 0.0) == survival_mean(0.04, s, 5.0)
    # one visit every life or less often: nothing falls inside the life
    assert serviced_survival_mean(0.04, 0.0, 5.0, 0.2) == pytest.approx(survival_mean(0.04, 0.0, 5.0), rel=1e-15)


def test_yearly_visits_closed_form():
    # 4 visits at 1, 2, 3, 4 yr over a 5-yr life: five identical 1-yr stretches, mean = (1 - e^-lam) / lam
    lam = 0.04
    assert serviced_survival_mean(lam, 0.0, 5.0, 1.0) == pytest.approx(m_closed(lam, 1.0), rel=1e-12)
    assert replaced_fraction_per_visit(lam, 1.0, 5.0) == pytest.approx(1.0 - np.exp(-lam), rel=1e-12)
    # one visit at 2.5 yr: two 2.5-yr stretches
    assert serviced_survival_mean(lam, 0.0, 5.0, 0.4) == pytest.approx(m_closed(lam, 2.5), rel=1e-12)


def test_uneven_visits_against_numerical_integral():
    # visits every 10/3 yr in a 5-yr life: one visit, then a 5/3-yr stretch; spares run out within each stretch
    lam, s, life, v = 0.3, 0.2, 5.0, 0.3
    t = np.linspace(0.0, life, 400001)
    since = np.where(t < 1.0 / v, t, t - 1.0 / v)
    c = np.minimum(1.0, (1.0 + s) * np.exp(-lam * since))
    numeric = np.trapezoid(c, t) / life
    assert serviced_survival_mean(lam, s, life, v) == pytest.approx(numeric, rel=1e-6)


def test_servicing_arrays_and_monotone():
    visits = np.array([0.0, 0.25, 0.5, 1.0, 2.0, 4.0])
    m = serviced_survival_mean(0.04, 0.0, 5.0, visits)
    assert m.shape == (6,)
    assert np.all(np.diff(m) > 0) and m[-1] < 1.0
    assert m[0] == pytest.approx(m_closed(0.04, 5.0))
    frac = replaced_fraction_per_visit(0.04, visits, 5.0)
    np.testing.assert_allclose(frac[visits > 0.2], -np.expm1(-0.04 / visits[visits > 0.2]))
    assert frac[0] == 0.0


def test_series_present_value_factor():
    assert series_present_value_factor(0.0, 2.0, 3.0) == 3.0
    assert series_present_value_factor(0.1, 2.0, 0.0) == 0.0
    explicit = sum(1.05 ** (-1.5 * i) for i in range(1, 5))
    assert series_present_value_factor(0.05, 1.5, 4.0) == pytest.approx(explicit, rel=1e-13)
    out = series_present_value_factor(np.array([0.0, 0.05]), 1.5, 4.0)
    np.testing.assert_allclose(out, [4.0, explicit], rtol=1e-13)


# ------------------------------------------------------------------------------------------------ model wiring
NO_ENV = {"radiation.enabled": False, "debris.enabled": False, "orbital_ops.spare_fraction": 0.0}


def test_availability_parts_multiply_to_availability():
    r = terawatt.evaluate(None)
    product = np.prod([r[f"orbital.availability_{p}"] for p in AVAILABILITY_PARTS])
    assert r["orbital.availability"] == pytest.approx(product, rel=1e-14)
    # default: sized satellite (no degradation loss), batteries (no eclipse loss), failures in place at 4 %/yr
    # with 10 % cold spares
    assert r["orbital.availability_failures"] == pytest.approx(survival_mean(0.04, 0.1, 5.0), rel=1e-12)
    no_spares = terawatt.evaluate(None, orbital_ops__spare_fraction=0.0)
    assert no_spares["orbital.availability_failures"] == pytest.approx(m_closed(0.04, 5.0), rel=1e-12)
    assert no_spares["orbital.accelerators"] < r["orbital.accelerators"]
    assert r["orbital.availability_eclipse"] == 1.0 and r["orbital.availability_degradation"] == 1.0


def test_servicing_raises_availability_and_is_priced():
    base = {**NO_ENV, "orbital_ops.servicing_visits_per_satellite_yr": 1.0, "finance.orbital_discount_rate": 0.0}
    off = terawatt.evaluate(terawatt.load_scenario(None, base))
    on = terawatt.evaluate(terawatt.load_scenario(None, {**base, "orbital_ops.servicing_enabled": True}))
    # switched off, the visit rate does nothing
    assert off["orbital.availability_failures"] == pytest.approx(m_closed(0.04, 5.0), rel=1e-12)
    assert off["orbital.annual_breakdown_usd_per_yr.servicing"] == 0.0
    assert off["orbital.servicing_visits_per_satellite"] == 0.0
    assert on["orbital.availability_failures"] == pytest.approx(m_closed(0.04, 1.0), rel=1e-12)
    assert on["orbital.servicing_visits_per_satellite"] == 4.0
    assert on["orbital.satellite_count"] < off["orbital.satellite_count"]
    # undiscounted: 4 visits per satellite, each $10M plus the failed accelerators (1 - e^-0.04 of those flown)
    count = on["orbital.satellite_count"]
    flown = on["orbital.accelerators"] / count
    price = on["orbital.capex_breakdown_usd.accelerators"] / on["orbital.accelerators"]
    per_sat = 4 * (1e7 + (1 - np.exp(-0.04)) * flown * price)
    expected = count * per_sat / 5.0  # CRF at r = 0 over 5 yr
    assert on["orbital.annual_breakdown_usd_per_yr.servicing"] == pytest.approx(expected, rel=1e-12)


def test_servicing_sampled():
    visits = np.array([0.5, 1.0, 2.0])
    r = terawatt.evaluate(
        terawatt.load_scenario(
            None,
            {**NO_ENV, "orbital_ops.servicing_enabled": True, "orbital_ops.servicing_visits_per_satellite_yr": visits},
        )
    )
    np.testing.assert_allclose(
        r["orbital.availability_failures"], serviced_survival_mean(0.04, 0.0, 5.0, visits), rtol=1e-12
    )
    assert r["orbital.annual_breakdown_usd_per_yr.servicing"].shape == (3,)


def test_spares_lever():
    # spares enough for the whole life keep the nameplate: e^(0.04 x 5) - 1
    r = terawatt.evaluate(terawatt.load_scenario(None, {"orbital_ops.spare_fraction": np.exp(0.2) - 1.0}))
    assert r["orbital.availability_failures"] == pytest.approx(1.0, abs=1e-12)


def test_ground_repairs_are_a_fraction_of_server_price():
    r = terawatt.evaluate(None)
    capex = r["terrestrial.capex_breakdown_usd.accelerators"]
    assert r["terrestrial.annual_breakdown_usd_per_yr.repairs"] == pytest.approx(0.025 * capex, rel=1e-14)
    # the failure rate no longer prices ground repairs (the ground swaps boards; the orbit loses capacity)
    more = terawatt.evaluate(None, workload__hardware_failure_rate_per_yr=0.06)
    assert more["terrestrial.annual_cost_usd_per_yr"] == r["terrestrial.annual_cost_usd_per_yr"]
    assert more["orbital.annual_cost_usd_per_yr"] > r["orbital.annual_cost_usd_per_yr"]
    rates = np.array([0.0, 0.05])
    arr = terawatt.evaluate(terawatt.load_scenario(None, {"terrestrial.repair_cost_fraction_per_yr": rates}))
    np.testing.assert_allclose(arr["terrestrial.annual_breakdown_usd_per_yr.repairs"], rates * capex, rtol=1e-14)


def test_each_side_uses_its_own_discount_rate():
    r = terawatt.evaluate(None)
    assert r["orbital.discount_rate"] == 0.12 and r["terrestrial.discount_rate"] == 0.08
    orb_capex = r["orbital.capex_breakdown_usd.launch"]
    assert r["orbital.annual_breakdown_usd_per_yr.launch"] == pytest.approx(
        orb_capex * capital_recovery_factor(0.12, 5.0), rel=1e-14
    )
    ground_capex = r["terrestrial.capex_breakdown_usd.accelerators"]
    assert r["terrestrial.annual_breakdown_usd_per_yr.accelerators"] == pytest.approx(
        ground_capex * capital_recovery_factor(0.08, 5.0), rel=1e-14
    )
    # the ground's rate moves only the ground; the orbit's only the orbit
    ground = terawatt.evaluate(None, finance__terrestrial_discount_rate=0.1)
    assert ground["orbital.annual_cost_usd_per_yr"] == r["orbital.annual_cost_usd_per_yr"]
    assert ground["terrestrial.annual_cost_usd_per_yr"] > r["terrestrial.annual_cost_usd_per_yr"]
    orbit = terawatt.evaluate(None, finance__orbital_discount_rate=0.08)
    assert orbit["terrestrial.annual_cost_usd_per_yr"] == r["terrestrial.annual_cost_usd_per_yr"]
    assert orbit["orbital.annual_cost_usd_per_yr"] < r["orbital.annual_cost_usd_per_yr"]
    # empty = the canonical finance.discount_rate, on both sides
    both = terawatt.evaluate(
        terawatt.load_scenario(None, {"finance.orbital_discount_rate": None, "finance.discount_rate": 0.05})
    )
    assert both["orbital.discount_rate"] == 0.05 and both["terrestrial.discount_rate"] == 0.05


def test_discount_rates_sampled():
    rates = np.array([0.06, 0.12, 0.18])
    r = terawatt.evaluate(terawatt.load_scenario(None, {"finance.orbital_discount_rate": rates}))
    assert np.all(np.diff(r["orbital.annual_cost_usd_per_yr"]) > 0)
    assert np.all(r["terrestrial.annual_cost_usd_per_yr"] == r["terrestrial.annual_cost_usd_per_yr"][0])


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("finance.orbital_discount_rate", -0.1),
        ("finance.terrestrial_discount_rate", 1.5),
        ("workload.hardware_failure_rate_per_yr", -0.01),
        ("terrestrial.repair_cost_fraction_per_yr", "lots"),
        ("orbital_ops.servicing_visits_per_satellite_yr", -1.0),
        ("orbital_ops.servicing_cost_usd_per_visit", -5.0),
        ("orbital_ops.servicing_enabled", "maybe"),
    ],
)
def test_bad_values_name_the_field(key, value):
    with pytest.raises(ScenarioError) as info:
        terawatt.load_scenario(None, {key: value})
    assert [e.path for e in info.value.errors] == [key]


def test_old_failure_rate_name_suggests_the_new_one():
    with pytest.raises(ScenarioError) as info:
        terawatt.load_scenario(None, {"workload.failure_rate_per_yr": 0.09})
    assert "hardware_failure_rate_per_yr" in info.value.errors[0].message


def test_bad_reliability_input_exits_2(run_cli):
    proc = run_cli("run", "--set", "finance.orbital_discount_rate=-0.1")
    assert proc.returncode == 2
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert "finance.orbital_discount_rate" in proc.stderr and "[0, 1] 1/yr" in proc.stderr
