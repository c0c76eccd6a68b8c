"""The station-keeping fast paths (drag, propellant, conjunction avoidance of a sampled design; issue 10,
``benchmarks/bench_evaluate.py``) never change a result, bitwise: each equals the general form it replaces, written
out here as the expressions the functions computed before, on inputs that take the fast path and on inputs that
do not.

- ``propulsion.cross_section_m2``, ``drag_acceleration_m_per_s2``, ``drag_dv_m_per_s_per_yr``,
  ``decay_rate_km_per_day`` and ``propellant_mass_kg`` compute in place on their own intermediates; the drag's
  ``(0.5 k) mu`` is one multiplication by ``mu / 2`` where halving ``k`` is exact (not for subnormal ``k``).
- ``debris.formation_manoeuvre_factor`` checks and unmasks an all-positive trigger area from one reduction and
  skips the cap at N where no sample reaches it; ``avoidance_outage_fraction`` skips its cap likewise.
- ``environment.with_propellant`` skips the dry-mass pass over a +0 placeholder, the finiteness mask where every
  propellant mass is finite, and the heritage selection where no satellite is a heritage one;
  ``environment.avoidance_stalls`` multiplies the manoeuvres flown into the formation factor's array.
- ``_buffers.holds`` tells exactly where an ``out=`` operation gives the ufunc's own result.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from bitwise import bits

import terawatt
from terawatt._buffers import holds
from terawatt.constants import EARTH_EQUATORIAL_RADIUS_M, EARTH_MU_M3_PER_S2, HOURS_PER_YEAR, SECONDS_PER_YEAR
from terawatt.design import environment
from terawatt.physics import debris, propulsion

RNG = np.random.default_rng(2026)
N = 4096


def _same(got, want) -> None:
    assert type(got) is type(want) or (np.ndim(got) == np.ndim(want) == 0)
    assert bits(got) == bits(want)


# ------------------------------------------------------------------------------------------- _buffers.holds
def test_holds_only_where_out_gives_the_ufuncs_result():
    buf = np.ones(5)
    assert holds(buf, 2.0, np.float64(3.0), np.asarray(4.0), np.ones(5), 7)
    assert not holds(buf, np.ones((2, 5)))  # would grow
    assert not holds(buf, np.ones(1))  # broadcasts, but not the same shape: the general path
    assert not holds(buf, [1.0, 2.0, 3.0, 4.0, 5.0])  # not an array: the general path
    assert not holds(buf, np.ones(5, dtype=np.float32))  # another type: the general path
    assert not holds(np.float64(1.0))
    assert not holds(np.asarray(1.0))  # 0-d: the scalar path returns NumPy scalars
    assert not holds(np.ones(5, dtype=np.float32))
    assert not holds(np.ones(5, dtype=int))
    ro = np.ones(5)
    ro.setflags(write=False)
    assert not holds(ro)


# --------------------------------------------------------------------------------------------------- drag
def _drag_reference(alt, rho, area, mass, cd):
    """The drag terms and acceleration as written before the in-place chain."""
    r = EARTH_EQUATORIAL_RADIUS_M + np.asarray(alt, float) * 1e3
    k = np.asarray(rho, float) * np.asarray(cd, float) * np.asarray(area, float) / np.asarray(mass, float)
    return r, k, np.asarray(0.5 * k * EARTH_MU_M3_PER_S2 / r)


def _drag_cases():
    area = RNG.uniform(0.0, 5e4, N)
    area[:3] = [0.0, 1e-300, 5e-324]  # a zero area, and areas whose k is subnormal (the two-pass branch)
    mass = RNG.uniform(1.0, 1e5, N)
    rho = 10.0 ** RNG.uniform(-15, -9, N)
    yield "orbit fixed", 600.0, np.float64(3e-13), area, mass, 2.2
    yield "orbit fixed, normal k", 600.0, np.float64(3e-13), area[3:], mass[3:], 2.2
    yield "altitude varying", RNG.uniform(300.0, 1200.0, N), rho, area, mass, np.float64(2.2)
    yield "tiny density (subnormal k)", 600.0, 1e-310, area[3:], mass[3:], 2.2
    yield "k at the exact-halving bound", 600.0, 1.0, np.array([2.0**-1021, 2.0**-1021 * 0.75, 1.0]), 1.0, 1.0
    yield "zero density", 600.0, 0.0, area, mass, 2.2
    yield "k one value, altitude array (no buffer)", RNG.uniform(300.0, 1200.0, 16), 3e-13, 100.0, 1000.0, 2.2
    yield "mass broadcast larger (no in-place division)", 600.0, 3e-13, area[:8], np.full((3, 8), 500.0), 2.2
    yield "scalars", np.float64(550.0), np.float64(1e-12), np.float64(300.0), np.float64(900.0), np.float64(2.2)


@pytest.mark.parametrize("case", list(_drag_cases()), ids=lambda c: c[0])
def test_drag_functions_equal_the_expressions_written_out(case):
    _, alt, rho, area, mass, cd = case
    r, k, acceleration = _drag_reference(alt, rho, area, mass, cd)
    _same(propulsion.drag_acceleration_m_per_s2(alt, rho, area, mass, cd), acceleration[()])
    _same(propulsion.drag_dv_m_per_s_per_yr(alt, rho, area, mass, cd), (acceleration * SECONDS_PER_YEAR)[()])
    decay = np.asarray(np.sqrt(EARTH_MU_M3_PER_S2 * r) * k * 86400.0 / 1e3)[()]
    _same(propulsion.decay_rate_km_per_day(alt, rho, area, mass, cd), decay)


def test_halving_bound_takes_both_branches():
    # just above the bound one multiplication by mu / 2; below it (subnormal halves) the two passes: same bits
    k = np.array([2.0**-1021, np.nextafter(2.0**-1021, 0.0), 3 * 2.0**-1074, 2.0**-1022 + 2.0**-1074])
    for values in (k[:1], k):
        got = propulsion.drag_acceleration_m_per_s2(150.0, 1.0, values, 1.0, 1.0)
        assert bits(got) == bits(_drag_reference(150.0, 1.0, values, 1.0, 1.0)[2])


@pytest.mark.parametrize("attitude", propulsion.ATTITUDES)
def test_cross_section_equals_the_expression_written_out(attitude):
    arr, rad = RNG.uniform(0.0, 1e4, N), RNG.uniform(0.0, 1e4, N)
    cases = [
        (np.float64(3000.0), rad, np.float64(20.0), {}),  # orbit fixed: the array area one value
        (arr, rad, 20.0, dict(panel_thickness_m=0.05, speed_ratio=6.0, cd=2.4)),
        (arr, rad, RNG.uniform(0.0, 50.0, N), dict(speed_ratio=RNG.uniform(4.0, 9.0, N))),  # arrays every one
        (arr[:8], rad[:8], np.full((2, 8), 10.0), {}),  # the bus broadcast larger: the general path
        (np.float64(3000.0), np.float64(500.0), np.float64(20.0), {}),
    ]
    for a_arr, a_rad, bus, geometry in cases:
        g = dict(panel_thickness_m=0.03, panel_width_m=10.0, speed_ratio=7.5, cd=2.2) | geometry
        panels = np.asarray(a_arr, float) + np.asarray(a_rad, float)
        if attitude == "face_on":
            want = panels + bus
        elif attitude == "tumbling":
            want = 0.5 * panels + bus
        else:
            t, w, s, c = (np.asarray(g[key], float) for key in ("panel_thickness_m", "panel_width_m", "speed_ratio",
                                                                "cd"))
            want = panels * (t / w + 2.0 / (s * np.sqrt(np.pi) * c)) + bus
        _same(propulsion.cross_section_m2(a_arr, a_rad, bus, attitude, **g), np.asarray(want)[()])


def test_propellant_equals_the_rocket_equation_written_out():
    dv = RNG.uniform(0.0, 20000.0, N)
    dv[:2] = [0.0, 20000.0]
    mass = RNG.uniform(0.0, 1e5, N)
    cases = [(mass, dv, 1500.0), (mass, dv, RNG.uniform(200.0, 3000.0, N)), (1000.0, dv, 300.0),
             (mass, 100.0, 300.0), (np.full((3, 8), 10.0), dv[:8], 300.0), (np.float64(1e3), np.float64(200.0), 220.0)]
    for m, v, isp in cases:
        want = np.asarray(np.asarray(m, float) * np.expm1(np.asarray(v, float) / (9.80665 * np.asarray(isp, float))))
        _same(propulsion.propellant_mass_kg(m, v, isp), want[()])


# ------------------------------------------------------------------------------------------------ debris
def _factor_reference(area, radius, n):
    area, radius, n = (np.asarray(x, float) for x in (area, radius, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        disc = (1.0 + radius / np.sqrt(area / np.pi)) ** 2
    return np.asarray(np.where(area > 0, np.minimum(n, disc), 1.0))[()]


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_formation_factor_equals_the_expression_written_out():
    area = 10.0 ** RNG.uniform(2, 10, N)
    with_zeros = area.copy()
    with_zeros[::7] = 0.0
    tiny = np.array([5e-324, 1e-320, 1e-300, 1.0])  # a / pi underflows: R / 0 = inf
    cases = [
        (area, 1000.0, 81.0),  # every area > 0, none capped: the factor itself
        (area, 1000.0, 1.5),  # some capped at N
        (area, 0.0, 81.0),  # R = 0: a factor of 1
        (area, np.inf, 81.0),  # R = inf: capped at N everywhere
        (area, 1000.0, np.inf),
        (with_zeros, 1000.0, 81.0),  # zero trigger areas: the masked general path
        (tiny, 1000.0, 81.0),
        (tiny, 0.0, 81.0),  # 0 / 0 = NaN: np.minimum keeps it (the general path gives NaN too)
        (area, 1000.0, RNG.uniform(1.0, 3.0, N)),  # N per sample: np.minimum, no scalar cap test
        (area[:8], np.full((2, 8), 1000.0), 81.0),  # radius broadcast larger: the general path
        (np.float64(1.4e8), 1000.0, 81.0),
        (0.0, 1000.0, 81.0),
    ]
    for a, radius, n in cases:
        _same(debris.formation_manoeuvre_factor(a, radius, n), _factor_reference(a, radius, n))


def test_formation_factor_reports_the_trigger_area_first():
    with pytest.raises(ValueError, match="trigger_area_m2"):
        debris.formation_manoeuvre_factor(np.array([-1.0, 2.0]), -5.0, 0.0)
    with pytest.raises(ValueError, match="trigger_area_m2"):
        debris.formation_manoeuvre_factor(np.array([np.nan, 2.0]), 1000.0, 81.0)
    with pytest.raises(ValueError, match="cluster_radius_m"):
        debris.formation_manoeuvre_factor(np.array([1.0, 2.0]), -5.0, 81.0)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # 0 x inf, in both forms
def test_outage_fraction_equals_the_expression_written_out():
    m = RNG.uniform(0.0, 5000.0, N)
    m[:2] = [0.0, -0.0]
    for manoeuvres, hours in [(m, 0.1), (m, 3.0), (m, RNG.uniform(0.0, 4.0, N)), (m, np.inf), (8766.0 / 3.0, 3.0),
                              (np.float64(800.0), 0.5), (m[:8], np.full((2, 8), 1.0))]:
        want = np.asarray(np.minimum(1.0, np.asarray(manoeuvres, float) * np.asarray(hours, float) / HOURS_PER_YEAR))
        _same(debris.avoidance_outage_fraction(manoeuvres, hours), want[()])


# ---------------------------------------------------------------------------------------- environment
@pytest.fixture(scope="module")
def captured():
    """The arguments the model passes to ``with_propellant`` and ``avoidance_stalls`` for sampled designs."""
    calls: dict[str, tuple] = {}
    originals = {name: getattr(environment, name) for name in ("with_propellant", "avoidance_stalls")}

    def spy(name):
        def call(*args, **kwargs):
            calls.setdefault(name, (args, kwargs))
            return originals[name](*args, **kwargs)

        return call

    rng = np.random.default_rng(5)
    overrides = {"thermal.emissivity": rng.uniform(0.8, 0.92, 512),
                 "thermal.areal_mass_kg_per_m2": rng.uniform(3.0, 10.0, 512)}
    try:
        for name in originals:
            setattr(environment, name, spy(name))
        terawatt.evaluate(terawatt.load_scenario("baseline-2026", overrides))["comparison.cost_ratio"]
    finally:
        for name, fn in originals.items():
            setattr(environment, name, fn)
    return calls


def _with_propellant_reference(sat, env, tank):
    """``with_propellant`` as written before its fast paths."""
    dry = sat.satellite_mass_kg - np.nan_to_num(sat.propulsion_mass_kg)
    propellant = env.propellant_mass_kg
    finite = np.isfinite(propellant)
    hardware = np.where(finite, propulsion.propulsion_hardware_mass_kg(np.nan_to_num(propellant), tank), np.nan)
    wet = np.where(sat.heritage, sat.satellite_mass_kg, dry + propellant + hardware)
    return {
        "propulsion_mass_kg": np.where(sat.heritage, np.nan, propellant + hardware),
        "satellite_mass_kg": wet,
        "stowed_volume_m3": wet / (sat.satellite_mass_kg / sat.stowed_volume_m3),
    }


def _variants(sat, env):
    """(name, sat, env): the model's own inputs (every fast path) and inputs that leave each of them."""
    n = np.shape(sat.satellite_mass_kg)[0]
    yield "model", sat, env
    placeholder = np.array(sat.propulsion_mass_kg, copy=True)
    for what, value in [("a propulsion mass", 12.5), ("-0 propulsion", -0.0), ("NaN propulsion", np.nan)]:
        p = placeholder.copy()
        p[n // 3] = value
        yield what, dataclasses.replace(sat, propulsion_mass_kg=p), env
    for what, value in [("NaN propellant", np.nan), ("inf propellant", np.inf)]:
        p = np.array(env.propellant_mass_kg, copy=True)
        p[n // 2] = value
        yield what, sat, dataclasses.replace(env, propellant_mass_kg=p)
    mixed = np.zeros(n, bool)
    mixed[::5] = True
    yield "heritage mixed", dataclasses.replace(sat, heritage=mixed), env
    yield "heritage every satellite", dataclasses.replace(sat, heritage=np.bool_(True)), env


def test_with_propellant_equals_the_general_form(captured):
    (sat, env, tank), _ = captured["with_propellant"]
    assert not np.any(sat.propulsion_mass_kg) and np.ndim(sat.heritage) == 0  # the model's inputs: fast paths
    for name, s, e in _variants(sat, env):
        got = environment.with_propellant(s, e, tank)
        for key, want in _with_propellant_reference(s, e, tank).items():
            assert bits(getattr(got, key)) == bits(want), (name, key)


def test_with_propellant_scalar_is_the_sample(captured):
    (sat, env, tank), _ = captured["with_propellant"]

    def one(design, i):
        return dataclasses.replace(design, **{
            f.name: np.asarray(getattr(design, f.name))[i][()] if np.ndim(getattr(design, f.name)) else
            getattr(design, f.name) for f in dataclasses.fields(design)})

    whole = environment.with_propellant(sat, env, tank)
    for i in (0, 17, 511):
        single = environment.with_propellant(one(sat, i), one(env, i), tank)
        for key in ("propulsion_mass_kg", "satellite_mass_kg", "stowed_volume_m3"):
            assert bits(getattr(single, key)) == bits(getattr(whole, key)[i])


def test_avoidance_stalls_equals_the_functions_composed(captured):
    (v, alt, own, per), kwargs = captured["avoidance_stalls"]
    flux = kwargs["trackable_flux_per_m2_yr"]
    with_zeros = own.copy()
    with_zeros[::9] = 0.0
    for manoeuvres, overrides in [(own, {}), (with_zeros, {}), (own, {"links.cluster_satellites": 1.2}),
                                  (own, {"debris.outage_h_per_manoeuvre": 40.0})]:
        values = v | overrides
        got = environment.avoidance_stalls(values, alt, manoeuvres, per, trackable_flux_per_m2_yr=flux)
        factor = _factor_reference(manoeuvres / flux, values["links.cluster_radius_m"],
                                   values["links.cluster_satellites"])
        flown = manoeuvres * factor
        outage = np.minimum(1.0, flown * values["debris.outage_h_per_manoeuvre"] / HOURS_PER_YEAR)
        for g, want in zip(got, (flown, outage, 1.0 - outage), strict=True):
            assert bits(g) == bits(want)
