"""The altitude-varying fast paths of this round (issue 10, ``benchmarks/bench_evaluate.py`` with
``orbit.altitude_km`` sampled) never change a result, bitwise: each equals the general form it replaces, written
out here as the expressions the functions computed before, on inputs that take the fast path and on inputs that
do not.

- ``orbit.orbital_period_s`` and ``orbit.period_and_sso``: the mean motion and the period in the buffer of
  ``R + h`` (sample arrays);
- ``propulsion.deorbit_dv_m_per_s``: one target below sample altitudes checked against their minimum, the
  delta-v in two buffers; the drag terms (``rho C_D A / m`` and the orbit radius) as chains;
- ``power.battery_capacity_wh`` as a chain;
- the 1-km interval of ``dose._sample_doses``: whole parts from a float floor (no mixed float-integer
  subtraction), the same indices and fractions as the truncation;
- ``environment.orbit_environment``: the dry mass without a pass over a +0 placeholder propulsion mass, the total
  delta-v in the first sum's buffer; ``radiation_effects``: the interrupt sum likewise (checked through
  :func:`terawatt.evaluate`: a sampled run against the same samples one by one).
"""

from __future__ import annotations

import numpy as np
import pytest
from bitwise import bits

import terawatt
from terawatt.constants import EARTH_EQUATORIAL_RADIUS_M, EARTH_MU_M3_PER_S2
from terawatt.physics import orbit, power, propulsion
from terawatt.physics.radiation import dose

RNG = np.random.default_rng(1010)
N = 4096


def _same(got, want) -> None:
    assert type(got) is type(want) or (np.ndim(got) == np.ndim(want) == 0)
    assert bits(got) == bits(want)


def _altitudes(lo: float = 300.0, hi: float = 1500.0) -> np.ndarray:
    """Random altitudes with whole-km and table-node values mixed in (interval ends take the clipped branches)."""
    alt = RNG.uniform(lo, hi, N)
    alt[:64] = np.round(alt[:64])
    alt[64:72] = (lo, hi, 500.0, 550.0, 700.0, 800.0, 1000.0, 1200.0)
    return alt


# ----------------------------------------------------------------------------------------------- orbit period
def _period_reference(alt):
    """The period as written before: ``2 pi / sqrt(mu / (R + h) ** 3)``, a new array at each step."""
    return 2.0 * np.pi / np.sqrt(orbit._MU_KM3_S2 / (orbit._R_KM + alt) ** 3)


@pytest.mark.parametrize("shape", [(N,), (64, 64), (1,)])
def test_period_in_place_is_the_expression(shape):
    alt = _altitudes(150.0, 50000.0)[: int(np.prod(shape))].reshape(shape)
    alt.setflags(write=False)  # a scenario's samples: read-only, never written
    got = orbit.orbital_period_s(alt)
    _same(got, _period_reference(alt))
    period, exists, inclination = orbit.period_and_sso(alt)
    _same(period, _period_reference(alt))
    exists_ref, inclination_ref = orbit.sso_solution(alt)
    _same(exists, exists_ref)
    _same(inclination, inclination_ref)


def test_period_of_one_orbit_stays_a_scalar():
    for alt in (550.0, np.float64(550.0), np.asarray(550.0)):
        got = orbit.orbital_period_s(alt)
        assert type(got) is np.float64
        _same(got, np.float64(_period_reference(np.float64(550.0))))
        assert type(orbit.period_and_sso(alt)[0]) is np.float64


def test_period_agrees_with_keplers_third_law():
    """5,740 s at 550 km (P = 2 pi sqrt(a^3 / mu), a = R + h; Vallado 2013, eq. 1-26)."""
    a = EARTH_EQUATORIAL_RADIUS_M + 550e3
    assert orbit.orbital_period_s(np.array([550.0]))[0] == pytest.approx(2 * np.pi * np.sqrt(a**3 / EARTH_MU_M3_PER_S2),
                                                                         rel=1e-12)


# -------------------------------------------------------------------------------------------- deorbit delta-v
def _deorbit_reference(alt, per, low_thrust):
    r1, rp = EARTH_EQUATORIAL_RADIUS_M + alt * 1e3, EARTH_EQUATORIAL_RADIUS_M + per * 1e3
    v1 = np.sqrt(EARTH_MU_M3_PER_S2 / r1)
    if low_thrust:
        return np.sqrt(EARTH_MU_M3_PER_S2 / rp) - v1
    return v1 * (1.0 - np.sqrt(2.0 * rp / (r1 + rp)))


@pytest.mark.parametrize("low_thrust", [False, True])
def test_deorbit_sample_path_is_the_general_one(low_thrust):
    alt = _altitudes()
    alt.setflags(write=False)
    per = 250.0 if low_thrust else 50.0
    fast = propulsion.deorbit_dv_m_per_s(alt, per, low_thrust=low_thrust)  # one target: the sample path
    general = propulsion.deorbit_dv_m_per_s(alt, np.full(alt.shape, per), low_thrust=low_thrust)  # per sample
    _same(fast, general)
    _same(fast, _deorbit_reference(alt, per, low_thrust))
    scalar = propulsion.deorbit_dv_m_per_s(float(alt[100]), per, low_thrust=low_thrust)
    assert type(scalar) is np.float64
    assert bits(scalar) == bits(fast[100])


def test_deorbit_checks_the_lowest_sample_altitude():
    alt = _altitudes()
    with pytest.raises(ValueError, match="perigee_km must not exceed altitude_km"):
        propulsion.deorbit_dv_m_per_s(alt, float(alt.min()) + 1e-9)
    assert np.all(propulsion.deorbit_dv_m_per_s(alt, float(alt.min())) >= 0.0)  # on the lowest orbit: allowed
    with pytest.raises(ValueError, match="perigee_km must not exceed altitude_km"):
        propulsion.deorbit_dv_m_per_s(alt, np.where(np.arange(N) == 7, alt + 1.0, 50.0))  # one bad sample
    empty = propulsion.deorbit_dv_m_per_s(np.array([]), 50.0)
    assert empty.shape == (0,)


def test_deorbit_matches_the_hohmann_figure():
    """143 m/s from 550 km and 169 m/s from 650 km to a 50 km perigee (the function's documented figures)."""
    got = propulsion.deorbit_dv_m_per_s(np.array([550.0, 650.0]), 50.0)
    np.testing.assert_allclose(got, [143.0, 169.0], atol=1.0)


# ----------------------------------------------------------------------------------------------- drag terms
def test_drag_terms_chain_is_the_expression():
    alt = _altitudes()
    rho = RNG.uniform(1e-14, 1e-11, N)
    area = RNG.uniform(1.0, 50.0, N)
    mass = RNG.uniform(500.0, 5000.0, N)
    for a, m in ((area, mass), (area, 800.0), (20.0, mass)):
        r, k = propulsion._drag_terms(alt, rho, a, m, 2.2)
        _same(r, EARTH_EQUATORIAL_RADIUS_M + alt * 1e3)
        _same(k, rho * 2.2 * a / m)
    r, k = propulsion._drag_terms(550.0, 1e-12, 20.0, 800.0, 2.2)  # scalars: NumPy scalar arithmetic
    _same(r, EARTH_EQUATORIAL_RADIUS_M + np.asarray(550.0) * 1e3)
    _same(k, np.asarray(1e-12) * 2.2 * 20.0 / 800.0)


# -------------------------------------------------------------------------------------------- battery capacity
def test_battery_capacity_chain_is_the_expression():
    load = RNG.uniform(1e3, 1e5, N)
    eclipse = RNG.uniform(0.0, 2200.0, N)
    for args in ((load, eclipse, 0.8, 0.95), (50e3, eclipse, 0.8, 0.95), (load, 2000.0, 0.7, 0.9),
                 (load, eclipse, RNG.uniform(0.5, 0.9, N), 0.9)):
        got = power.battery_capacity_wh(*args)
        load_, eclipse_, dod, eta = (np.asarray(x, float) for x in args)
        _same(got, load_ * eclipse_ / 3600.0 / (dod * np.sqrt(eta)))
    assert type(power.battery_capacity_wh(50e3, 2000.0, 0.8, 0.95)) is np.float64
    # SMAD eq. 11-6: 1 kW through 35 min at 80 % DoD and 95 % round trip: 35/60 kWh / (0.8 sqrt(0.95))
    assert power.battery_capacity_wh(1e3, 35 * 60.0, 0.8, 0.95) == pytest.approx(35 / 60 * 1e3 / (0.8 * 0.95**0.5))


# ------------------------------------------------------------------------------------------------ dose splits
def test_whole_part_is_the_clipped_truncation():
    x = np.concatenate([RNG.uniform(0.0, 1800.0, N), [0.0, 1799.0, 1799.5, 1800.0, np.nextafter(1800.0, 0.0)]])
    whole = dose._whole_part(x, 1799)
    _same(whole.astype(np.intp), np.minimum(x.astype(np.intp), 1799))
    _same(x - whole, x - np.minimum(x.astype(np.intp), 1799))


@pytest.mark.parametrize("inclination", [np.nan, 53.0, 97.6, 140.0])
@pytest.mark.parametrize("shielding", [10.0, 3.3])
def test_dose_sample_path_is_the_general_one(inclination, shielding):
    """The block path of sample altitudes against the same altitudes broadcast with a per-sample inclination
    array (the general path), with the table's end nodes and whole km among the samples."""
    lo, hi = dose._table()["altitude_km"][[0, -1]]
    alt = _altitudes(lo, hi)
    fast = dose.dose_rate_rad_per_yr(alt, inclination, shielding)
    general = dose.dose_rate_rad_per_yr(alt, np.full(alt.shape, inclination), shielding)
    for name in ("trapped_proton_rad_per_yr", "trapped_electron_rad_per_yr", "solar_particle_rad_per_yr",
                 "gcr_rad_per_yr"):
        _same(getattr(fast, name), getattr(general, name))


# ------------------------------------------------------------------------------------ the model, end to end
def test_sampled_altitudes_give_each_sample_its_own_scalar_result():
    """A sampled altitude run (the benchmark's path) against the same orbits evaluated one by one: what depends
    on the altitude alone (the scalar run computes its eclipse directly, a sample array interpolates a table, so
    the sized masses and what follows them differ slightly by design)."""
    alt = np.concatenate([RNG.uniform(500.0, 1200.0, 5), [600.0]])
    sampled = terawatt.evaluate(terawatt.load_scenario("baseline-2026", {"orbit.altitude_km": alt}))
    keys = ("orbital.period_min", "orbital.density_kg_per_m3", "orbital.deorbit_dv_m_per_s",
            "orbital.dose_rad_per_yr", "orbital.interrupts_per_chip_year")
    for j, a in enumerate(alt):
        one = terawatt.evaluate(terawatt.load_scenario("baseline-2026", {"orbit.altitude_km": float(a)}))
        for key in keys:
            np.testing.assert_allclose(np.asarray(sampled[key])[j], one[key], rtol=1e-13, atol=0.0, err_msg=key)
