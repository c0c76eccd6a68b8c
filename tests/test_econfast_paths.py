"""The fast paths of the economics-and-outputs round give the bits of the general ones.

- ``_buffers.holds``/``into``/``chain`` (operands checked inline, float64's dtype by identity, a chain's steps in
  its first buffer) equal the operator forms they replace, and take a new result where the buffer cannot hold one
  (another shape, another dtype, read-only, 0-d).
- ``size_fleet`` with one True battery flag (the availability product without the eclipse part of ones, which is
  computed on first read) equals the general path (a flag per sample) in every field.
- ``Outputs`` masks the cost ratio in place: the same bits as the masked quotient of the unit costs.
- ``launch.satellites_per_launch_and_fit`` gives ``satellites_per_launch``'s counts and whether all are positive;
  ``tco.gpu_hours_per_yr`` in one buffer equals its expression (the scalar factors first).
"""

from __future__ import annotations

import dataclasses
import operator

import numpy as np
import pytest
from bitwise import bits

from terawatt import _buffers

RNG = np.random.default_rng(1010)
_OPS = {np.add: operator.add, np.subtract: operator.sub, np.multiply: operator.mul, np.true_divide: operator.truediv}
_SPECIAL = np.array([-0.0, 0.0, np.nan, np.inf, -np.inf, 5e-324, -2.5e-310, 1e308, -1.7e308, 3.0])


# ----------------------------------------------------------------------------------------------- buffers
def _operands():
    x = np.concatenate([_SPECIAL, RNG.normal(size=6)])
    return [x.copy(), RNG.normal(size=x.size), np.float64(-0.0), 2.5, 3, np.asarray(1.5)]


@pytest.mark.parametrize("ufunc", list(_OPS))
def test_into_equals_the_operator(ufunc):
    for b in _operands():
        a = np.concatenate([_SPECIAL, RNG.normal(size=6)])
        buffer = a.copy()
        with np.errstate(all="ignore"):  # the special values overflow and make NaN on purpose
            expected = _OPS[ufunc](a.copy(), b)
            got = _buffers.into(buffer, ufunc, buffer, b)
        assert bits(got) == bits(expected)
        assert got is buffer  # every operand fits: written in place
        reversed_buffer = a.copy()
        with np.errstate(all="ignore"):
            got = _buffers.into(reversed_buffer, ufunc, b, reversed_buffer)
            assert bits(got) == bits(_OPS[ufunc](b, a.copy()))


def test_into_takes_a_new_result_where_the_buffer_cannot_hold_it():
    a = RNG.normal(size=4)
    cases = [
        (a.copy(), np.ones((3, 4))),  # broadcasts to another shape
        (a.copy(), np.arange(4)),  # an int operand array
        (a.astype(np.float32), 2.0),  # not float64
        (np.asarray(2.0), 3.0),  # 0-d: NumPy scalar arithmetic
        (a.copy(), np.float32(2.0)),  # a float32 scalar
    ]
    for buffer, b in cases:
        expected = buffer * b
        got = _buffers.into(buffer, np.multiply, buffer, b)
        assert bits(got) == bits(expected)
        assert got is not buffer
    frozen = a.copy()
    frozen.flags.writeable = False
    assert not _buffers.holds(frozen, frozen)
    assert bits(_buffers.into(frozen, np.add, frozen, 1.0)) == bits(a + 1.0)
    assert _buffers.holds(a.copy(), a, 1.0, 2, np.float64(3.0), np.asarray(4.0))
    assert not _buffers.holds(a.copy(), a, "x")
    assert not _buffers.holds([1.0, 2.0])


def test_chain_equals_the_operator_chain():
    x = np.concatenate([_SPECIAL, RNG.normal(size=6)])
    y = RNG.normal(size=x.size)
    steps = [(np.multiply, 3.0), (np.add, y), (np.true_divide, np.float64(-0.0)), (np.subtract, 7)]
    with np.errstate(all="ignore"):
        expected = (x * 2.0) * 3.0 + y
        expected = expected / np.float64(-0.0) - 7
        first = x * 2.0
        got = _buffers.chain(first, *steps)
    assert bits(got) == bits(expected)
    assert got is first
    # a step that broadcasts to another shape leaves the buffer: the rest as the operators give them
    wide = RNG.normal(size=(2, x.size))
    with np.errstate(all="ignore"):
        first = x * 2.0
        got = _buffers.chain(first, (np.multiply, 3.0), (np.add, wide), (np.multiply, 0.5), (np.add, y))
        assert bits(got) == bits((((x * 2.0) * 3.0 + wide) * 0.5) + y)
    # scalars: NumPy's scalar arithmetic
    assert bits(_buffers.chain(np.float64(2.0), (np.multiply, 3.0), (np.add, 1.0))) == bits(np.float64(7.0))


# ----------------------------------------------------------------------------------------------- fleet
def _satellite(n):
    """A sized satellite of ``n`` samples (sampled array power, radiator flux and radiator mass)."""
    from terawatt.design.satellite import SatelliteInputs, size_satellite

    one = dict(
        compute_power_w=1.32e5, server_power_w_per_accelerator=1787.5, server_mass_kg_per_accelerator=17.8,
        server_mass_factor=0.6, spare_fraction=0.1, lifetime_yr=5.0, period_s=5863.7, max_eclipse_s=1160.2,
        solar_constant_w_per_m2=1361.0, cell_efficiency=0.22, packing_factor=0.85, temp_coefficient_per_k=-0.0035,
        cell_temp_k=333.0, degradation_per_yr=0.02, conversion_efficiency=0.95, housekeeping_fraction=0.03,
        battery_specific_energy_wh_per_kg=120.0, battery_depth_of_discharge=0.5, battery_round_trip_efficiency=0.9,
        radiator_temp_k=320.15, fin_efficiency=0.85, shielding_mm_al=10.0, shielded_area_m2_per_accelerator=0.1,
        bus_mass_fraction=0.2, mass_margin=0.1, propulsion_mass_fraction=0.0, stowed_density_kg_per_m3=150.0,
        given_mass_kg=np.nan,
    )
    values = {k: np.float64(v) for k, v in one.items()}
    values.update(carry_eclipse=np.asarray(True), array_specific_power_w_per_kg=RNG.uniform(60.0, 150.0, n),
                  radiator_net_flux_w_per_m2=RNG.uniform(300.0, 700.0, n),
                  radiator_areal_mass_kg_per_m2=RNG.uniform(3.0, 10.0, n))
    return size_satellite(SatelliteInputs(**values))


def _fleet_args(n, **changes):
    sat = _satellite(n)
    args = dict(
        it_power_w=np.float64(1e8), compute_power_w=np.float64(1.32e5), sunlit_fraction=RNG.uniform(0.6, 0.7, n),
        carry_eclipse=np.asarray(True), degradation_per_yr=np.float64(0.02), lifetime_yr=np.float64(5.0),
        failure_rate_per_yr=np.float64(0.04), spare_fraction=np.float64(0.1), payload_kg=np.float64(1e5),
        fairing_volume_m3=np.float64(1000.0), visits_per_yr=np.float64(0.0),
        goodput_fraction=RNG.uniform(0.9, 1.0, n), dose_fraction=np.asarray(1.0),
        avoidance_fraction=RNG.uniform(0.99, 1.0, n),
    )
    args.update(changes)
    return sat, args


@pytest.mark.parametrize("changes", [
    {},  # sampled eclipse, goodput and avoidance
    {"goodput_fraction": np.asarray(0.97), "avoidance_fraction": np.asarray(1.0)},  # only the eclipse sampled
    {"carry_eclipse": True, "sunlit_fraction": np.float64(0.65)},  # nothing sampled but the satellite
])
def test_fleet_with_batteries_everywhere_equals_the_product_with_the_ones(changes):
    """With one True battery flag the availability product skips the eclipse part (1 in every sample) and
    np.where's ones are computed on first read: every field equals the general path's (a flag per sample)."""
    from terawatt._arrays import Deferred, stored
    from terawatt.design.satellite import FleetDesign, size_fleet

    n = 48
    sat, args = _fleet_args(n, **changes)
    fleet = size_fleet.uncached(sat, **args)
    general = size_fleet.uncached(sat, **{**args, "carry_eclipse": np.ones(np.shape(args["sunlit_fraction"]), bool)})
    sampled = np.ndim(args["sunlit_fraction"]) > 0
    assert (type(stored(fleet, "availability_eclipse")) is Deferred) == sampled
    for f in dataclasses.fields(FleetDesign):
        assert bits(getattr(fleet, f.name)) == bits(getattr(general, f.name)), f.name
    if sampled:  # and each sample as its own scalar fleet
        for i in (0, n - 1):
            one = size_fleet.uncached(sat, **{k: (v[i] if np.ndim(v) else v) for k, v in args.items()})
            assert bits(np.asarray(fleet.availability)[i]) == bits(np.asarray(one.availability))
            assert bits(np.asarray(fleet.satellite_count)[i]) == bits(np.asarray(one.satellite_count))


# ----------------------------------------------------------------------------------------------- outputs
def test_cost_ratio_masked_in_place_equals_the_masked_quotient():
    """The cost ratio of a sampled evaluation with infeasible samples (a radiator that rejects no heat) is NaN
    there and the quotient of the unit costs elsewhere; reading it first or last gives the same bits, and the unit
    costs it divides are not touched."""
    import terawatt

    n = 64
    emissivity = RNG.uniform(0.8, 0.92, n)
    emissivity[::7] = 0.01  # net flux below zero: no radiator area, an infeasible design
    overrides = {"thermal.emissivity": emissivity, "launch.price_usd_per_kg": RNG.uniform(20.0, 3000.0, n)}
    scenario = terawatt.load_scenario("baseline-2026", overrides)
    first = terawatt.evaluate(scenario)
    ratio = first["comparison.cost_ratio"]
    feasible = np.asarray(first["orbital.feasible"], bool)
    assert not feasible.all() and feasible.any()
    orbital, ground = first["orbital.cost_per_gpu_hour_usd"], first["terrestrial.cost_per_gpu_hour_usd"]
    assert np.isnan(orbital[~feasible]).all()
    last = terawatt.evaluate(scenario)
    unit = (last["orbital.cost_per_gpu_hour_usd"], last["terrestrial.cost_per_gpu_hour_usd"])
    ratio_last = last["comparison.cost_ratio"]
    with np.errstate(all="ignore"):
        expected = np.where(feasible, orbital / ground, np.nan)
    assert bits(ratio) == bits(expected) == bits(ratio_last)
    assert bits(unit[0]) == bits(orbital) and bits(unit[1]) == bits(ground)
    assert not ratio.flags.writeable


@pytest.mark.parametrize("case", ["all fit", "one too heavy", "one NaN", "scalars"])
def test_satellites_per_launch_and_fit_equals_the_counts_and_their_least(case):
    from terawatt.physics import launch

    n = 16
    mass = RNG.uniform(2000.0, 9000.0, n)
    if case == "one too heavy":
        mass[4] = 6e4
    elif case == "one NaN":
        mass[2] = np.nan
    elif case == "scalars":
        mass = np.float64(5000.0)
    volume = mass / 150.0
    counts, all_fit = launch.satellites_per_launch_and_fit(mass, 55000.0, volume, 700.0)
    reference = np.minimum(np.floor(55000.0 / np.asarray(mass)), np.floor(700.0 / np.asarray(volume)))
    assert bits(counts) == bits(launch.satellites_per_launch(mass, 55000.0, volume, 700.0))
    assert np.array_equal(counts, reference, equal_nan=True)
    assert all_fit == (case == "all fit")


@pytest.mark.parametrize("it_power", [np.float64(1e8), RNG.uniform(1e7, 1e9, 16)])
def test_gpu_hours_in_one_buffer_equal_the_expression(it_power):
    from terawatt.economics import tco

    utilization = RNG.uniform(0.6, 0.95, 16)
    got = tco.gpu_hours_per_yr(it_power, np.float64(1787.5), utilization)
    # utilisation x (accelerators x 8760 h): the scalar factors first (econulp)
    assert bits(got) == bits(it_power / np.float64(1787.5) * 8760.0 * utilization)
    assert bits(tco.gpu_hours_per_yr(1e8, 1787.5, 0.8)) == bits(np.asarray(1e8 / 1787.5 * 8760.0 * 0.8))
    np.testing.assert_allclose(got, it_power / np.float64(1787.5) * utilization * 8760.0, rtol=1e-15)
