"""The reordered cost and sizing formulas of the econulp round: each the same bits on the scalar and the array
path, and within a few ulp of the textbook (left-to-right) form it replaces.

- ``finance.capital_recovery_factor`` is :math:`(-r) / \\mathrm{expm1}(-n \\ln(1 + r))`; ``RecoveryFactors``
  (-r once per rate) gives its bits, for positive rates and for rates with zeros and negatives (1/n there).
- The orbit's total sums (accelerators + hardware + launch + insurance) x the satellite-life factor, the insurance
  being a fraction of that sum of outlays; the lines are each outlay times the factor.
- The facility energy is u x (P x 8760 / 1e6) and the satellite count (IT / compute power) / availability, for a
  sampled and a one-number facility power.
"""

from __future__ import annotations

import numpy as np
import pytest
from bitwise import bits

import terawatt
from terawatt.design.ground import size_ground_site
from terawatt.economics import finance
from terawatt.scenario import load_scenario

RNG = np.random.default_rng(3141)


def _textbook_crf(r: np.ndarray, n: np.ndarray) -> np.ndarray:
    """r / (1 - (1 + r)^-n) (NREL/TP-462-5173 eq. 4-4), 1/n at r = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(r > 0, r / (1.0 - (1.0 + r) ** -n), 1.0 / n)


@pytest.mark.parametrize("rates", ["positive", "with zeros and negatives"])
@pytest.mark.parametrize("years", [np.float64(20.0), RNG.uniform(3.0, 30.0, 64)])
def test_recovery_factors_equal_the_scalar_factor_and_the_textbook_form(rates, years):
    r = RNG.uniform(0.01, 0.15, 64)
    if rates != "positive":
        r[::5], r[1::7] = 0.0, -0.02
    got = finance.RecoveryFactors(r)(years)[0]
    n = np.broadcast_to(years, r.shape)
    one_by_one = np.array([finance.capital_recovery_factor(r[i], n[i]) for i in range(r.size)])
    assert bits(got) == bits(one_by_one)
    assert bits(finance.capital_recovery_factor(r, years)) == bits(got)  # the plain function on arrays
    with np.errstate(invalid="ignore"):  # (0 / 0 at r = 0, not selected)
        assert bits(got) == bits(np.where(r > 0, (-r) / np.expm1(-n * np.log1p(r)), 1.0 / n))
    np.testing.assert_allclose(got, _textbook_crf(r, n), rtol=1e-13)
    if rates != "positive":
        assert bits(got[r <= 0]) == bits(1.0 / n[r <= 0])


def test_recovery_factor_of_one_rate_is_the_reordered_quotient():
    r, n = np.float64(0.07), np.float64(25.0)
    assert bits(finance.capital_recovery_factor(r, n)) == bits((-r) / np.expm1(-n * np.log1p(r)))
    assert finance.capital_recovery_factor(r, n) == pytest.approx(0.07 / (1 - 1.07**-25), rel=1e-15)
    assert bits(finance.capital_recovery_factor(np.float64(0.0), n)) == bits(1.0 / n)


def _samples(n: int) -> dict[str, np.ndarray]:
    return {
        "launch.price_usd_per_kg": RNG.uniform(20.0, 3000.0, n),
        "thermal.emissivity": RNG.uniform(0.8, 0.92, n),
        "workload.utilization": RNG.uniform(0.6, 0.95, n),
        "finance.discount_rate": RNG.uniform(0.05, 0.12, n),
        "terrestrial.pue": RNG.uniform(1.1, 1.5, n),
    }


@pytest.mark.parametrize("insurance", [0.0, 0.05])
def test_orbital_total_shares_the_satellite_life_factor(insurance):
    sampled = {**_samples(40), "orbital_ops.insurance_fraction": insurance}
    scenario = load_scenario("baseline-2026", sampled)
    out = terawatt.evaluate(scenario)
    costs = out.outputs._q["orb"]
    capital = costs["capex_accelerators"] + costs["capex_satellite_hardware"] + costs["capex_launch"]
    assert bits(costs["capex_insurance"]) == bits(insurance * capital)
    lines = ("accelerators", "satellite_hardware", "launch", "insurance", "ground_segment", "nre", "operations",
             "replacement", "servicing")
    line_by_line = sum(costs[f"annual_{name}"] for name in lines)
    np.testing.assert_allclose(costs["annual_total"], line_by_line, rtol=1e-14)
    # every sample evaluated alone: the same bits
    for i in (0, 17, 39):
        one = terawatt.evaluate(load_scenario("baseline-2026", {k: (v[i] if np.ndim(v) else v)
                                                                for k, v in sampled.items()}))
        for key in ("orbital.annual_cost_usd_per_yr", "orbital.capex_breakdown_usd.insurance",
                    "orbital.satellite_count", "terrestrial.annual_cost_usd_per_yr", "comparison.cost_ratio"):
            assert bits(np.asarray(out[key])[i]) == bits(np.asarray(one[key])), (key, i)


@pytest.mark.parametrize("pue", ["one number", "sampled"])
def test_facility_energy_takes_the_one_number_factors_first(pue):
    utilization = RNG.uniform(0.6, 0.95, 32)
    pues = np.float64(1.2) if pue == "one number" else RNG.uniform(1.1, 1.5, 32)
    site = size_ground_site(np.float64(1e8), 1787.5, utilization, pues, "grid", 1.8, 0.2, 4.0, 0.9, 1.0)
    facility = np.float64(1e8) * pues
    assert bits(site.facility_energy_mwh_per_yr) == bits(utilization * (facility * 8760.0 / 1e6))
    np.testing.assert_allclose(site.facility_energy_mwh_per_yr, facility * utilization * 8760.0 / 1e6, rtol=1e-15)
    for i in (0, 31):
        one = size_ground_site(np.float64(1e8), 1787.5, utilization[i], np.asarray(pues).ravel()[i % np.size(pues)],
                               "grid", 1.8, 0.2, 4.0, 0.9, 1.0)
        assert bits(site.facility_energy_mwh_per_yr[i]) == bits(one.facility_energy_mwh_per_yr)


def test_satellite_count_is_the_power_quotient_over_availability():
    scenario = load_scenario("baseline-2026", _samples(50))
    out = terawatt.evaluate(scenario)
    v = scenario.values
    it_power, compute = np.float64(v["workload.it_power_w"]), np.float64(v["satellite.compute_power_w"])
    availability = np.asarray(out["orbital.availability"])
    assert availability.shape == (50,)
    count = np.asarray(out["orbital.satellite_count"])
    assert bits(count) == bits(np.ceil(it_power / compute / availability - 1e-9))
    # the textbook order (nameplate power per satellite) gives the same whole numbers
    assert np.array_equal(count, np.ceil(it_power / availability / compute - 1e-9))
    assert bits(np.asarray(out["orbital.nameplate_it_power_w"])) == bits(it_power / availability)
