"""The fast paths of the economics-and-outputs round give the bits of the general ones.

- ``_buffers.holds``/``into``/``chain`` (operands checked inline, float64's dtype by identity, a chain's steps in
  its first buffer) equal the operator forms they replace, and take a new result where the buffer cannot hold one
  (another shape, another dtype, read-only, 0-d).
- ``thermal.radiator_net_flux_w_per_m2`` with one power-of-two number of faces (``eps (n sigma)`` instead of
  ``(n eps) sigma``) equals the formula in its written order, signed zeros, subnormals, NaN and values near the
  overflow bound included; other face counts take the written order.
"""

from __future__ import annotations

import dataclasses
import operator

import numpy as np
import pytest
from bitwise import bits

from terawatt import _buffers
from terawatt.constants import STEFAN_BOLTZMANN_W_PER_M2_K4 as SIGMA
from terawatt.physics import thermal

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
        expected = _OPS[ufunc](a.copy(), b)
        buffer = a.copy()
        with np.errstate(all="ignore"):
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
    first = x * 2.0
    with np.errstate(all="ignore"):
        got = _buffers.chain(first, (np.multiply, 3.0), (np.add, wide), (np.multiply, 0.5), (np.add, y))
        assert bits(got) == bits((((x * 2.0) * 3.0 + wide) * 0.5) + y)
    # scalars: NumPy's scalar arithmetic
    assert bits(_buffers.chain(np.float64(2.0), (np.multiply, 3.0), (np.add, 1.0))) == bits(np.float64(7.0))


# ----------------------------------------------------------------------------------------------- thermal
def _written_order(eps, sides, temp_k=320.15, sink=3.0, a_s=0.15, inc=0.0, vf=0.48, albedo=0.3, e_ir=237.0,
                   s=1361.0):
    """radiator_net_flux_w_per_m2 as its formula is written (Kirchhoff: absorptivity_ir = emissivity)."""
    emitted = np.asarray(sides) * eps * SIGMA * (np.asarray(temp_k, float) ** 4 - np.asarray(sink, float) ** 4)
    solar = np.float64(a_s) * s * inc
    earth = np.float64(vf) * (np.float64(a_s) * albedo * s + eps * e_ir)
    return emitted - solar - earth


@pytest.mark.parametrize("sides", [1, 2, 2.0, 4.0, 3.0, 0.5, np.float64(2.0)])
@pytest.mark.parametrize("inc", [0.0, 0.25])
def test_net_flux_with_power_of_two_faces_equals_the_written_order(sides, inc):
    eps = np.concatenate([_SPECIAL, RNG.uniform(0.8, 0.92, 8), [8.98846567431158e307, 4.4e307, 9e307]])
    with np.errstate(all="ignore"):
        expected = _written_order(eps, sides, inc=inc)
        got = thermal.radiator_net_flux_w_per_m2(320.15, eps, 0.15, None, sides, inc, 0.48, 0.3, 237.0, 3.0, 1361.0)
    assert bits(got) == bits(expected)


def test_net_flux_fast_path_is_taken_only_where_exact():
    eps = RNG.uniform(0.8, 0.92, 16)
    assert thermal._scales_exactly(np.asarray(2.0), eps)
    assert thermal._scales_exactly(np.asarray(1), eps)
    assert not thermal._scales_exactly(np.asarray(3.0), eps)
    assert not thermal._scales_exactly(np.asarray(0.5), eps)
    assert not thermal._scales_exactly(np.asarray(2.0), np.append(eps, 1e308))  # 2 x 1e308 overflows
    assert not thermal._scales_exactly(np.asarray(2.0), np.append(eps, np.nan))
    assert not thermal._scales_exactly(np.asarray(2.0), np.float64(0.9))  # one value: scalar arithmetic
    assert not thermal._scales_exactly(np.full(16, 2.0), eps)  # sampled faces


def test_net_flux_scalar_unchanged():
    got = thermal.radiator_net_flux_w_per_m2(320.15, 0.9, 0.15, None, 2.0, 0.0, 0.48, 0.3, 237.0, 3.0, 1361.0)
    assert bits(got) == bits(_written_order(np.float64(0.9), np.float64(2.0)))


# ----------------------------------------------------------------------------------------------- fleet
def _fleet_args(n, **changes):
    from test_sizing_fast_paths import _inputs

    from terawatt.design.satellite import SatelliteInputs, size_satellite

    sat = size_satellite(SatelliteInputs(**_inputs()))
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

    n = 64  # the satellite of test_sizing_fast_paths._inputs: 64 samples
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


# ----------------------------------------------------------------------------------------------- feasibility
def _feasible_every_condition(shape, too_light, **x):
    """The flag with a mask for every condition (the form before conditions that hold everywhere were skipped)."""
    ok = np.ones(shape, bool)
    for holds in [
        x["radiator_ok"], x["launchable"], x["propellant_ok"], np.logical_not(too_light),
        np.isfinite(np.asarray(x["satellite_mass_kg"], float)), np.asarray(x["availability"], float) > 0,
        np.isfinite(np.asarray(x["satellite_count"], float)), np.asarray(x["satellite_count"], float) > 0,
        np.logical_not(np.asarray(x["avoidance_outage_fraction"], float) >= 1.0),
        np.logical_not(np.asarray(x["tid_margin"], float) < 1.0),
        np.logical_not(np.asarray(x["goodput_fraction"], float) <= 0.0),
        np.logical_not(np.asarray(x["cell_efficiency"], float) > 1.0),
    ]:
        if np.ndim(holds):
            np.logical_and(ok, holds, out=ok)
        elif not holds:
            ok[...] = False
    return ok


_FEASIBLE_QUANTITIES = {  # (a value that passes, one that fails, NaN's verdict is the comparison's)
    "satellite_mass_kg": (2000.0, np.inf), "availability": (0.9, 0.0), "satellite_count": (100.0, 0.0),
    "avoidance_outage_fraction": (0.01, 1.0), "tid_margin": (3.0, 0.5), "goodput_fraction": (0.95, 0.0),
    "cell_efficiency": (0.2, 1.2),
}


@pytest.mark.parametrize("failing", [None, *_FEASIBLE_QUANTITIES, "nan", "count inf", "scalars"])
def test_feasible_skipping_conditions_that_hold_everywhere_equals_every_mask(failing):
    from terawatt.design import feasibility

    n = 40
    shape = (n,)
    x = {k: np.full(n, good) for k, (good, _) in _FEASIBLE_QUANTITIES.items()}
    x.update(radiator_ok=np.ones(n, bool), launchable=np.ones(n, bool), propellant_ok=np.ones(n, bool))
    x["radiator_ok"][3] = False
    if failing in _FEASIBLE_QUANTITIES:
        x[failing][::5] = _FEASIBLE_QUANTITIES[failing][1]
    elif failing == "nan":  # NaN: an effect switched off for the fractions, a failure for mass and count
        for k in x:
            if x[k].dtype == float:
                x[k][7] = np.nan
        x["tid_margin"][:] = np.nan  # every sample NaN: the extremes tell nothing
    elif failing == "count inf":
        x["satellite_count"][11] = np.inf
    elif failing == "scalars":
        x.update(tid_margin=np.float64(np.nan), cell_efficiency=np.float64(1.5), goodput_fraction=np.asarray(0.9))
    expected = _feasible_every_condition(shape, np.False_, **x)
    assert bits(feasibility._feasible(shape, np.False_, **x)) == bits(expected)
    assert not expected.all()
    empty = {k: (v[:0] if np.ndim(v) else v) for k, v in x.items()}
    assert bits(feasibility._feasible((0,), np.False_, **empty)) == bits(np.ones((0,), bool))
