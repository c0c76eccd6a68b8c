"""The sizing fast paths (issue 10, performance) never change a result, bitwise: each equals the general form it
replaces, on inputs that take the fast path and on inputs that do not.

- ``terawatt._buffers``: ``into``/``chain``/``unary_into`` give the values of the plain operations, in the
  temporary's buffer only where it holds the result (never a buffer whose shape or dtype differs).
- Radiator flux and area, satellites per launch and the required array power equal their formulas written out
  (every flux positive or not; an edge-on panel or a sunlit one; every satellite fitting a launch or not, signed
  zeros included; battery or throttle policy).
- A sampled satellite and fleet equal the evaluation of each sample as scalars (which takes none of the fast
  paths): heritage mode on and off, a fixed propulsion fraction or none, servicing visits or none.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from bitwise import bits

from terawatt import _buffers
from terawatt._arrays import Deferred, stored
from terawatt.constants import STEFAN_BOLTZMANN_W_PER_M2_K4 as SIGMA
from terawatt.design.ground import size_ground_site
from terawatt.design.satellite import (
    FleetDesign,
    SatelliteInputs,
    replaced_fraction_per_visit,
    serviced_survival_mean,
    servicing_visits_per_life,
    size_fleet,
    size_satellite,
)
from terawatt.physics import launch, solar, thermal

RNG = np.random.default_rng(7)
N = 64


def _same(a, b) -> None:
    assert bits(a) == bits(b)


# --- buffers ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ufunc", [np.add, np.subtract, np.multiply, np.true_divide])
def test_into_gives_the_plain_values_in_the_buffer_that_holds_them(ufunc):
    a, b = RNG.normal(size=N), RNG.normal(size=N)
    expected = ufunc(a, b)
    t = a.copy()
    out = _buffers.into(t, ufunc, t, b)
    assert out is t
    _same(out, expected)
    t = b.copy()
    out = _buffers.into(t, ufunc, a, t)  # the buffer as the second operand: the order kept
    assert out is t
    _same(out, expected)
    t = a.copy()
    _same(_buffers.into(t, ufunc, t, np.float64(1.5)), ufunc(a, 1.5))


def test_into_makes_a_new_result_where_the_buffer_cannot_hold_it():
    a = RNG.normal(size=N)
    grid = RNG.normal(size=(3, N))
    t = a.copy()
    out = _buffers.into(t, np.multiply, t, grid)  # the result grows: a new array, the buffer untouched
    assert out is not t and out.shape == (3, N)
    _same(out, a * grid)
    _same(t, a)
    ints = np.arange(N)
    out = _buffers.into(ints, np.multiply, ints, 2)  # an integer array is no float buffer
    assert out is not ints
    _same(out, np.arange(N) * 2)
    x = np.float64(3.0)  # scalars: NumPy's scalar arithmetic, a NumPy scalar
    out = _buffers.into(x, np.true_divide, x, np.float64(7.0))
    assert type(out) is np.float64 and out == 3.0 / 7.0
    zero_d = np.asarray(2.0)
    assert not _buffers.holds(zero_d, zero_d, 1.0)  # a 0-d array is no sample buffer


def test_chain_and_unary_into_equal_the_expression():
    a, b, c = RNG.uniform(1, 2, N), RNG.uniform(1, 2, N), RNG.uniform(1, 2, N)
    first = a * b
    out = _buffers.chain(first, (np.multiply, c), (np.true_divide, 3.0), (np.subtract, 1e-9))
    assert out is first
    _same(out, a * b * c / 3.0 - 1e-9)
    t = a * 10.0
    assert _buffers.unary_into(np.floor, t) is t
    _same(t, np.floor(a * 10.0))
    assert type(_buffers.unary_into(np.ceil, np.float64(2.5))) is np.float64


# --- physics: the formulas written out ----------------------------------------------------------------------------


def _flux_formula(temp, eps, a_s, a_ir, sides, f_inc, f_e, albedo, e_ir, sink, s):
    a_ir = eps if a_ir is None else a_ir
    # the fourth powers as the function takes them, of arrays (0-d for one sample): NumPy's power of an array and of
    # a NumPy scalar may differ in the last bit (its SIMD loop against the C library's pow)
    fourth = np.asarray(temp, float) ** 4 - np.asarray(sink, float) ** 4
    return sides * eps * SIGMA * fourth - a_s * s * f_inc - f_e * (a_s * albedo * s + a_ir * e_ir)


@pytest.mark.parametrize(
    "f_inc, a_ir, sides, sampled_temp",
    [(0.0, None, 2.0, False), (0.3, None, 2.0, False), (-0.0, None, 1.0, False), (0.0, 0.7, 2.0, True)],
)
def test_radiator_flux_equals_its_formula(f_inc, a_ir, sides, sampled_temp):
    eps = RNG.uniform(0.8, 0.92, N)
    temp = RNG.uniform(250.0, 350.0, N) if sampled_temp else np.float64(320.15)
    args = (temp, eps, np.float64(0.15), a_ir, np.float64(sides), np.float64(f_inc), np.float64(0.48),
            np.float64(0.3), np.float64(237.0), np.float64(3.0), np.float64(1361.0))
    _same(thermal.radiator_net_flux_w_per_m2(*args), _flux_formula(*args))
    for i in range(0, N, 16):  # one sample as scalars
        one = (args[0] if not sampled_temp else temp[i], eps[i], *args[2:])
        _same(thermal.radiator_net_flux_w_per_m2(*one), _flux_formula(*one))


def _area_formula(heat, flux, fin):
    q = flux * fin
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(q > 0.0, heat / np.where(q > 0.0, q, 1.0), np.nan)


@pytest.mark.parametrize("bad", [None, 0.0, -5.0, np.nan, -0.0])
def test_radiator_area_equals_its_formula(bad):
    flux = RNG.uniform(100.0, 900.0, N)
    if bad is not None:
        flux[N // 2] = bad
    flux_before = flux.copy()
    area = thermal.radiator_area_m2(np.float64(1.4e5), flux, np.float64(0.85))
    _same(area, _area_formula(np.float64(1.4e5), flux, np.float64(0.85)))
    _same(flux, flux_before)  # the input is not written to
    heat = RNG.uniform(1e4, 1e6, (2, N))  # a heat array that grows the shape
    _same(thermal.radiator_area_m2(heat, flux, 0.85), _area_formula(heat, flux, 0.85))
    _same(thermal.radiator_area_m2(1.4e5, flux[3], 0.85), _area_formula(1.4e5, flux[3], 0.85))


def _per_launch_formula(mass, payload, volume, fairing):
    return np.minimum(np.floor(payload / mass), np.floor(fairing / volume))


@pytest.mark.parametrize("case", ["all fit", "too heavy", "too big", "negative zero payload"])
def test_satellites_per_launch_equals_its_formula(case):
    mass = RNG.uniform(1e3, 2e4, N)
    volume = mass / RNG.uniform(100.0, 200.0, N)
    payload, fairing = np.float64(1e5), np.float64(1000.0)
    if case == "too heavy":
        mass[5] = 2e5
    elif case == "too big":
        volume[7] = 2e3
    elif case == "negative zero payload":  # floor(min) would be -0 where min(floor) is +0: the exact form
        payload = np.float64(-0.0)
        volume[9] = 2e3
    mass_before, volume_before = mass.copy(), volume.copy()
    got = launch.satellites_per_launch(mass, payload, volume, fairing)
    expected = _per_launch_formula(mass, payload, volume, fairing)
    _same(got, expected)
    assert np.array_equal(np.signbit(got), np.signbit(expected))
    _same(mass, mass_before)
    _same(volume, volume_before)
    _same(launch.satellites_per_launch(mass[0], payload, volume[0], fairing),
          _per_launch_formula(mass[0], payload, volume[0], fairing))


def _array_power_formula(load, t_e, period, x_d, x_e, carry):
    t_d = period - t_e
    return np.where(carry, (load * t_e / x_e + load * t_d / x_d) / t_d, load / x_d)


@pytest.mark.parametrize("carry", [True, False, "mixed"])
def test_required_array_power_equals_its_formula(carry):
    t_e = RNG.uniform(0.0, 2100.0, N)
    period = RNG.uniform(5700.0, 6500.0, N)
    flag = RNG.uniform(size=N) < 0.5 if carry == "mixed" else np.asarray(carry)
    load = np.float64(1.36e5)
    args = (load, t_e, period, np.float64(0.95), np.float64(0.95 * 0.9), flag)
    _same(solar.required_array_power_w(*args), _array_power_formula(*args))
    scalar = (load, t_e[0], period[0], np.float64(0.95), np.float64(0.855), np.asarray(carry is True))
    _same(solar.required_array_power_w(*scalar), _array_power_formula(*scalar))


# --- design: a sampled satellite and fleet against each sample's scalar evaluation --------------------------------


def _inputs(**changes) -> dict:
    base = dict(
        compute_power_w=1.32e5, server_power_w_per_accelerator=1787.5, server_mass_kg_per_accelerator=17.8,
        server_mass_factor=1.0, spare_fraction=0.1, lifetime_yr=5.0, period_s=97.728 * 60.0,
        max_eclipse_s=19.337 * 60.0, carry_eclipse=np.asarray(True), solar_constant_w_per_m2=1361.0,
        cell_efficiency=0.22, packing_factor=0.85, temp_coefficient_per_k=-0.0035, cell_temp_k=333.0,
        degradation_per_yr=0.02, array_specific_power_w_per_kg=RNG.uniform(60.0, 150.0, N),
        conversion_efficiency=0.95, housekeeping_fraction=0.03, battery_specific_energy_wh_per_kg=120.0,
        battery_depth_of_discharge=0.5, battery_round_trip_efficiency=0.9, radiator_temp_k=320.15,
        radiator_net_flux_w_per_m2=RNG.uniform(300.0, 700.0, N), fin_efficiency=0.85,
        radiator_areal_mass_kg_per_m2=RNG.uniform(3.0, 10.0, N), shielding_mm_al=10.0,
        shielded_area_m2_per_accelerator=0.1, bus_mass_fraction=0.2, mass_margin=0.1,
        propulsion_mass_fraction=0.05, stowed_density_kg_per_m3=150.0, given_mass_kg=np.nan,
    )
    base.update(changes)
    return {k: v if type(v) is np.ndarray else np.float64(v) for k, v in base.items()}


def _one(values: dict, i: int) -> dict:
    return {k: v[i] if type(v) is np.ndarray and v.ndim else v for k, v in values.items()}


CASES = {
    "sized": {},
    "no fixed propulsion fraction": {"propulsion_mass_fraction": 0.0},
    "heritage": {"given_mass_kg": 3.0e3},
    "sampled heritage": {"given_mass_kg": np.where(RNG.uniform(size=N) < 0.5, 2.5e3, np.nan)},
    "altitude varying": {"period_s": RNG.uniform(5700.0, 6500.0, N), "max_eclipse_s": RNG.uniform(0.0, 2100.0, N)},
    "throttle": {"carry_eclipse": np.asarray(False), "max_eclipse_s": RNG.uniform(0.0, 2100.0, N)},
    "an infeasible radiator": {"radiator_net_flux_w_per_m2": np.where(np.arange(N) == 3, -10.0,
                                                                     RNG.uniform(300.0, 700.0, N))},
}


@pytest.mark.parametrize("case", list(CASES))
def test_sampled_satellite_equals_each_scalar_sample(case):
    values = _inputs(**CASES[case])
    arrays_before = {k: v.copy() for k, v in values.items() if type(v) is np.ndarray}
    sat = size_satellite(SatelliteInputs(**values))
    for k, v in arrays_before.items():  # no input written to
        _same(values[k], v)
    for i in (0, 3, N - 1):
        one = size_satellite.uncached(SatelliteInputs(**_one(values, i)))
        for f in dataclasses.fields(sat):
            got = np.broadcast_to(getattr(sat, f.name), (N,))[i]
            assert bits(got) == bits(np.asarray(getattr(one, f.name))), (case, f.name, i)


FLEET_CASES = {
    "no visits": {},
    "visits": {"visits_per_yr": np.float64(0.5)},
    "sampled visits": {"visits_per_yr": RNG.uniform(0.0, 1.0, N)},
    "sampled failures": {"failure_rate_per_yr": RNG.uniform(0.0, 0.1, N)},
    "heritage": {"heritage": True},
    "too heavy for one launch": {"payload_kg": np.where(np.arange(N) == 5, 100.0, 1e5)},
}


@pytest.mark.parametrize("case", list(FLEET_CASES))
def test_sampled_fleet_equals_each_scalar_sample(case):
    changes = dict(FLEET_CASES[case])
    heritage = changes.pop("heritage", False)
    sat = size_satellite(SatelliteInputs(**_inputs(**({"given_mass_kg": 3.0e3} if heritage else {}))))
    args = dict(
        it_power_w=np.float64(1e8), compute_power_w=np.float64(1.32e5), sunlit_fraction=np.float64(0.8),
        carry_eclipse=np.asarray(True), degradation_per_yr=np.float64(0.02), lifetime_yr=np.float64(5.0),
        failure_rate_per_yr=np.float64(0.04), spare_fraction=np.float64(0.1), payload_kg=np.float64(1e5),
        fairing_volume_m3=np.float64(1000.0), visits_per_yr=np.float64(0.0),
        goodput_fraction=np.asarray(0.97), dose_fraction=np.asarray(1.0),
        avoidance_fraction=RNG.uniform(0.99, 1.0, N),
    )
    args.update(changes)
    fleet = size_fleet(sat, **args)
    assert type(stored(fleet, "nameplate_it_power_w")) is Deferred  # only outputs read it
    for i in (0, 5, N - 1):
        one_sat = type(sat)(**{f.name: np.broadcast_to(getattr(sat, f.name), (N,))[i]
                               for f in dataclasses.fields(sat)})
        one = size_fleet.uncached(one_sat, **_one(args, i))
        for f in dataclasses.fields(FleetDesign):
            got = np.broadcast_to(getattr(fleet, f.name), (N,))[i]
            assert bits(got) == bits(np.asarray(getattr(one, f.name))), (case, f.name, i)


@pytest.mark.parametrize("visits", [0.0, 0.5, 3.0])
def test_fleet_reliability_parts_equal_the_public_functions(visits):
    """size_fleet's shared visit count gives the numbers of the public functions that count on their own."""
    lam = RNG.uniform(0.0, 0.1, N)
    sat = size_satellite(SatelliteInputs(**_inputs()))
    fleet = size_fleet(sat, 1e8, 1.32e5, 0.8, np.asarray(True), 0.02, 5.0, lam, 0.1, 1e5, 1000.0,
                       visits_per_yr=np.float64(visits))
    _same(fleet.availability_failures, serviced_survival_mean(lam, 0.1, 5.0, visits))
    _same(fleet.servicing_visits_per_satellite, servicing_visits_per_life(visits, 5.0))
    _same(fleet.replaced_fraction_per_visit, replaced_fraction_per_visit(lam, visits, 5.0))


def test_ground_energy_equals_its_formula():
    utilization = RNG.uniform(0.6, 0.95, N)
    site = size_ground_site(np.float64(1e8), 1787.5, utilization, np.float64(1.2), "grid", 1.8, 0.2, 4.0, 0.9, 1.0)
    # u x (P x 8760 h / 1e6), the one-number factors first (econulp), within an ulp of left to right
    _same(site.facility_energy_mwh_per_yr, utilization * (np.float64(1e8) * np.float64(1.2) * 8760.0 / 1e6))
    np.testing.assert_allclose(site.facility_energy_mwh_per_yr,
                               np.float64(1e8) * np.float64(1.2) * utilization * 8760.0 / 1e6, rtol=1e-15)


def test_a_given_cell_efficiency_at_temperature_sizes_the_same_satellite():
    """The model passes the efficiency it computes once (it also checks it for feasibility): the same design."""
    values = _inputs(cell_efficiency=RNG.uniform(0.2, 0.32, N))
    eta = solar.cell_efficiency_at_temp(values["cell_efficiency"], values["temp_coefficient_per_k"],
                                        values["cell_temp_k"])
    computed = size_satellite(SatelliteInputs(**values))
    given = size_satellite(SatelliteInputs(**values, cell_efficiency_at_temp=eta))
    for f in dataclasses.fields(computed):
        _same(getattr(given, f.name), getattr(computed, f.name))


def test_the_cached_reliability_figures_equal_the_uncached_ones():
    """size_fleet's reliability helper is cached for scalars (a hit returns the numbers of a fresh computation)
    and computed for arrays."""
    from terawatt.design import satellite, stage_cache

    args = (np.False_, np.float64(0.02), np.asarray(5.0), np.float64(0.04), np.float64(0.1), np.asarray(0.5))
    satellite._reliability.cache_clear()
    first = satellite._reliability(*args)
    assert satellite._reliability.cache_size() == 1
    hit = satellite._reliability(*args)
    with stage_cache.disabled():
        plain = satellite._reliability(*args)
    for k in plain:
        _same(first[k], plain[k])
        _same(hit[k], plain[k])
    lam = RNG.uniform(0.0, 0.1, N)
    sampled = satellite._reliability(args[0], args[1], args[2], lam, args[4], args[5])
    assert satellite._reliability.cache_size() == 1  # arrays bypass the cache
    for i in (0, N - 1):
        one = satellite._reliability(args[0], args[1], args[2], lam[i], args[4], args[5])
        for k in plain:
            _same(np.broadcast_to(sampled[k], (N,))[i], np.asarray(one[k]))


def _visits_formula(v, life):
    return np.where(v > 0, np.maximum(np.ceil(life * v - 1e-9) - 1.0, 0.0), 0.0)


def _survival_formula(lam, s, life):
    safe = np.where(lam > 0, lam, 1.0)
    t_star = np.minimum(np.log1p(s) / safe, life)
    return np.where(lam > 0, (t_star + (1.0 + s) / safe * (np.exp(-safe * t_star) - np.exp(-safe * life))) / life,
                    1.0)


@pytest.mark.parametrize("visits", [0.0, -0.0, 0.5, "sampled"])
def test_sampled_reliability_without_visits_equals_the_formulas(visits):
    """A Monte Carlo chunk without servicing (one visit rate, not positive) skips the visit count, the second
    survival mean and the replaced fraction: the numbers of the formulas written out."""
    lam, s, life = RNG.uniform(0.0, 0.1, N), RNG.uniform(0.0, 0.3, N), RNG.uniform(3.0, 8.0, N)
    lam[4] = 0.0
    v = RNG.uniform(0.0, 1.0, N) if visits == "sampled" else np.asarray(visits)
    n = _visits_formula(v, life)
    interval = np.where(n > 0, 1.0 / np.where(v > 0, v, 1.0), life)
    rest = life - n * interval
    mean = (n * interval * _survival_formula(lam, s, interval) + rest * _survival_formula(lam, s, rest)) / life
    _same(servicing_visits_per_life(v, life), n)
    _same(serviced_survival_mean(lam, s, life, v), mean)
    _same(replaced_fraction_per_visit(lam, v, life), np.where(n > 0, -np.expm1(-lam / np.where(v > 0, v, 1.0)), 0.0))
    one_v = v[0] if np.ndim(v) else v  # one sample as scalars
    _same(servicing_visits_per_life(one_v, life[0]), _visits_formula(one_v, life[0]))
