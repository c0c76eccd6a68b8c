"""The fast paths of the cost chain (``economics.tco``, ``economics.finance``) give the bits of the general ones.

- ``tco._sum_of_products`` (a sampled total summed product by product in two buffers, the start 0 skipped where a
  product is one nonzero value) equals the built-in ``sum`` of the products, -0 and NaN included.
- ``finance.RecoveryFactors`` (-r, ln(1 + r) and the rate's bounds once) equals ``capital_recovery_factor``; its
  ``within``/``finite`` equal ``within``/``recovery_factors_finite``.
- ``tco._launch_cost_usd``, ``tco._finite`` and ``tco._sum_into_second`` equal the expressions they replace.
- A sampled evaluation (lines computed on first read) equals each sample evaluated as a scalar scenario, for
  sampled and one-value discount rates, zero lines, per-launch pricing and servicing on and off; reading the cost
  ratio computes no annual line.
"""

from __future__ import annotations

import functools
import operator

import numpy as np
import pytest
from bitwise import bits

import terawatt
from terawatt.design.satellite import FleetDesign
from terawatt.economics import finance, tco
from terawatt.scenario import load_scenario

RNG = np.random.default_rng(2027)


# ------------------------------------------------------------------------------------------- sums of products
_N = 6
_SIGNED_ZEROS = np.array([-0.0, -0.0, 0.0, 1.5, -0.0, np.nan])  # -0 products where both factors' signs differ


@pytest.mark.parametrize(
    "products",
    [
        [(_SIGNED_ZEROS, np.ones(_N)), (np.float64(2.0), np.float64(0.5)), (RNG.normal(size=_N), np.float64(3.0))],
        [(_SIGNED_ZEROS, np.ones(_N)), (-_SIGNED_ZEROS, np.ones(_N))],  # no one-value product: from 0
        [(_SIGNED_ZEROS, np.ones(_N)), (np.float64(0.0), np.float64(7.0)), (np.float64(-0.0), 1.0)],  # zeros only
        [(np.float64(np.nan), 1.0), (_SIGNED_ZEROS, -np.ones(_N))],  # NaN: the witness
        [(RNG.normal(size=(3, 1)), np.float64(2.0)), (RNG.normal(size=(3, 4)), np.ones(4)),
         (RNG.normal(size=(3, 4)), np.float64(0.25))],  # the total's shape grows from the second product on
        [(np.float64(4.0), np.float64(0.5)), (_SIGNED_ZEROS, np.ones(_N)), (np.arange(_N), 2)],  # integers
        [(np.float64(1.0), np.float64(2.0)), (3.0, np.float64(0.5))],  # every product one value
    ],
)
def test_sum_of_products_equals_the_built_in_sum(products):
    want = sum(a * b for a, b in products)
    assert bits(tco._sum_of_products(products)) == bits(want)
    first = products[0]
    out = np.full(np.broadcast_shapes(np.shape(first[0]), np.shape(first[1])) or (1,), 99.0)
    got = tco._sum_of_products(products, out=out)
    assert bits(got) == bits(want)
    assert np.signbit(np.asarray(got)).tolist() == np.signbit(np.asarray(want)).tolist()


def test_sum_of_products_writes_only_its_own_buffers():
    a, b = RNG.normal(size=5), RNG.normal(size=5)
    copies = a.copy(), b.copy()
    tco._sum_of_products([(a, np.float64(2.0)), (b, a), (np.float64(1.0), np.float64(3.0))])
    assert bits(a) == bits(copies[0]) and bits(b) == bits(copies[1])


def test_sum_into_second_equals_the_sum():
    a, b = RNG.normal(size=4), RNG.normal(size=4)
    want = a + b
    assert bits(tco._sum_into_second(a, b.copy())) == bits(want)
    want = 2.0 + b
    got = tco._sum_into_second(np.float64(2.0), b)
    assert got is b and bits(got) == bits(want)  # written into b, the caller's temporary
    small = RNG.normal(size=1)
    assert bits(tco._sum_into_second(a, small)) == bits(a + small) and small.shape == (1,)  # no room: a new sum
    assert bits(tco._sum_into_second(a, np.float64(1.0))) == bits(a + 1.0)


@pytest.mark.parametrize("values", [RNG.normal(size=7), np.array([1.0, np.nan]), np.array([np.inf, 1.0]),
                                    np.array([-np.inf]), np.zeros(0), np.float64(np.nan), 3.0])
def test_finite_equals_isfinite_all(values):
    assert tco._finite(values) == bool(np.all(np.isfinite(values)))


# ------------------------------------------------------------------------------------------- recovery factors
@pytest.mark.parametrize("rate", [RNG.uniform(1e-9, 0.3, 2000), 10.0 ** RNG.uniform(-300, 300, 2000),
                                  np.array([5e-324, 1e-320, 1e308]), np.array([0.05, np.inf]),
                                  np.array([0.0, 0.05, -0.5]), np.array([0.05, np.nan])])
def test_recovery_factors_equal_the_formula_for_every_duration(rate):
    factors = finance.RecoveryFactors(rate)
    sampled = np.full(rate.shape, 5.0)
    sampled[::2] = np.nan
    with np.errstate(all="ignore"):
        for n in (5.0, 20.0, 0.0, -0.0, np.inf, -np.inf, 1e-300, -3.0, 1e300, np.nan, sampled):
            assert bits(factors(n)[0]) == bits(finance.capital_recovery_factor(rate, n)), n


@pytest.mark.parametrize("rate", [np.array([0.05, 0.12]), np.array([0.0, 0.1]), np.array([0.05, np.nan]),
                                  np.array([1e-300, 0.1]), np.array([0.1, np.inf]), np.zeros(0), np.float64(0.07)])
def test_recovery_factor_bounds_equal_within(rate):
    factors = finance.RecoveryFactors(rate)
    for lo, hi in ((-1.0, np.inf), (0.0, np.inf), (1e-100, np.inf), (-np.inf, 0.08)):
        assert factors.within(lo, hi) == finance.within(np.asarray(rate, float), lo, hi)
    for years in ((5.0,), (5.0, np.array([10.0, 25.0])), (0.0,), (np.nan,)):
        assert factors.finite(*years) == finance.recovery_factors_finite(rate, *years)


# ----------------------------------------------------------------------------------------------- launch cost
def _fleet(n: int, **kw) -> FleetDesign:
    count = RNG.uniform(10.0, 50.0, n)
    base = {f: np.float64(1.0) for f in FleetDesign.__dataclass_fields__}
    base.update(satellite_count=count, launch_mass_kg=count * 2000.0, satellites_per_launch=np.full(n, 4.0),
                launches=np.ceil(count / 4.0), launchable=np.ones(n, bool))
    base.update(kw)
    return FleetDesign(**base)


def _prices(**kw) -> tco.OrbitalPrices:
    base = {f: np.float64(1.0) for f in tco.OrbitalPrices.__dataclass_fields__}
    base.update(vehicle_price_usd=np.float64(7e7), recovery=None)
    base.update(kw)
    return tco.OrbitalPrices(**base)


@pytest.mark.parametrize("price", [RNG.uniform(20.0, 3000.0, 6), np.array([100.0, np.nan, 200.0, np.nan, 1.0, 2.0]),
                                   np.array([np.nan] * 6), np.array([100.0, np.inf, 1.0, 1.0, 1.0, 1.0]),
                                   np.float64(500.0), np.float64(np.nan), np.array([300.0])])
@pytest.mark.parametrize("launchable", [np.ones(6, bool), np.array([True, False] * 3)])
def test_launch_cost_equals_the_where_of_both_pricings(price, launchable):
    fleet = _fleet(6, launchable=launchable)
    p = _prices(launch_price_usd_per_kg=price)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_launch = np.where(fleet.launchable, fleet.launches * p.vehicle_price_usd, np.nan)
        want = np.where(np.isfinite(price), fleet.launch_mass_kg * price, per_launch)
    assert bits(tco._launch_cost_usd(fleet, p)) == bits(want)


# ------------------------------------------------------------------------------------------ whole evaluations
def _samples(n: int) -> dict:
    return {"launch.price_usd_per_kg": RNG.uniform(20.0, 3000.0, n),
            "thermal.emissivity": RNG.uniform(0.3, 0.92, n),  # some radiators infeasible
            "workload.utilization": RNG.uniform(0.6, 0.95, n),
            "terrestrial.electricity_price_usd_per_mwh": RNG.uniform(50.0, 150.0, n)}


_CASES = {
    "sampled rate": {"finance.discount_rate": RNG.uniform(0.0, 0.12, 40)},
    "one rate for both": {"finance.discount_rate": 0.08},
    "sampled orbit rate": {"finance.orbital_discount_rate": RNG.uniform(0.02, 0.15, 40),
                           "finance.terrestrial_discount_rate": 0.06},
    "zero lines": {"orbital_ops.opex_fraction_per_yr": 0.0, "orbital_ops.replacement_fraction_per_yr": 0.0,
                   "orbital_ops.nre_usd": 0.0, "orbital_ops.ground_segment_usd_per_w": 0.0},
    "nonzero lines": {"orbital_ops.replacement_fraction_per_yr": 0.02, "orbital_ops.nre_usd": 5e8},
    "per-launch pricing": {"launch.price_usd_per_kg": None},  # the vehicle's price per launch
    "servicing": {"orbital_ops.servicing_enabled": True},
    "gas": {"terrestrial.power_source": "gas"},
}


@pytest.mark.parametrize("case", list(_CASES))
def test_every_cost_output_of_samples_equals_the_scalar_evaluation(case):
    sampled = {**_samples(40), **_CASES[case]}
    scenario = load_scenario("baseline-2026", sampled)
    out = terawatt.evaluate(scenario)
    keys = [k for k in out.keys() if k.startswith(("orbital.", "terrestrial.", "comparison."))]
    values = {k: np.asarray(out[k]) for k in keys}
    feasible = values["orbital.feasible"]
    picks = np.flatnonzero(feasible)[:2].tolist() + np.flatnonzero(~feasible)[:1].tolist()
    for i in picks:
        one = terawatt.evaluate(load_scenario("baseline-2026", {k: (v[i] if np.ndim(v) else v)
                                                                  for k, v in sampled.items()}))
        for key in keys:
            want = np.asarray(one[key])
            assert bits(values[key][i].astype(want.dtype)) == bits(want), (case, key, i)


@pytest.mark.parametrize("case", list(_CASES))
def test_sampled_totals_equal_the_lines_added_at_once(case, monkeypatch):
    """Each side's lines computed at once and added by :func:`tco._total` (the scalar path, used here for
    sample arrays too) give every output of the sampled path, bit for bit."""
    sampled = {**_samples(40), **_CASES[case]}
    fast = terawatt.evaluate(load_scenario("baseline-2026", sampled))
    fast = {k: np.asarray(fast[k]) for k in fast.keys()}
    at_once = tco._annual_lines
    monkeypatch.setattr(tco, "_annual_lines", lambda products, sampled, out=None, total=None: at_once(products, False,
                                                                                          total=total))
    slow = terawatt.evaluate(load_scenario("baseline-2026", sampled))
    for key in slow.keys():
        assert bits(fast[key]) == bits(np.asarray(slow[key])), (case, key)


def test_reading_the_cost_ratio_computes_no_annual_line():
    """The sampled totals need no line of their own: reading the cost ratio leaves every line of samples of
    both sides to be computed on first read; reading one computes it, the outlay times its factor."""
    scenario = load_scenario("baseline-2026", {**_samples(50), "finance.discount_rate": RNG.uniform(0.02, 0.1, 50)})
    out = terawatt.evaluate(scenario)
    assert np.isfinite(out["comparison.cost_ratio"]).any()
    q = out.outputs._q
    for side, lines in (("orb", ("accelerators", "satellite_hardware", "launch", "insurance", "operations")),
                        ("ter", ("accelerators", "facility", "energy"))):
        for name in lines:
            assert f"annual_{name}" in q[side]._pending, (side, name)
    launch = out["orbital.annual_breakdown_usd_per_yr.launch"]
    assert "annual_launch" not in q["orb"]._pending
    v = scenario.values
    rate = v["finance.orbital_discount_rate"]
    rate = v["finance.discount_rate"] if rate is None else rate
    crf = finance.capital_recovery_factor(rate, v["satellite.lifetime_yr"])
    assert bits(launch) == bits(out["orbital.capex_breakdown_usd.launch"] * crf)


def test_zero_lines_and_plain_sums_agree_with_reduce(monkeypatch):
    """The general path of both sides (no line skipped, plain left-to-right sums) equals the fast one."""
    sampled = {**_samples(60), "finance.discount_rate": RNG.uniform(0.01, 0.12, 60)}
    fast = terawatt.evaluate(load_scenario("skeptic", sampled))
    fast = {k: np.asarray(fast[k]) for k in fast.keys()}
    monkeypatch.setattr(tco, "_no_servicing", lambda *args: False)
    monkeypatch.setattr(tco, "_zero_line", lambda *args: False)
    monkeypatch.setattr(tco, "_finite", lambda values: bool(np.all(np.isfinite(values))))
    monkeypatch.setattr(tco, "_sum_of_products", lambda products, out=None: sum(a * b for a, b in products))
    monkeypatch.setattr(tco, "_total", lambda *terms, start=0: functools.reduce(
        operator.add, terms[1:], terms[0] if start is None else start + terms[0]))
    full = terawatt.evaluate(load_scenario("skeptic", sampled))
    for key in full.keys():
        assert bits(fast[key]) == bits(np.asarray(full[key])), key
