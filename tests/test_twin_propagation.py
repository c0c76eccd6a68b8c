"""The twin's fast paths against outside truths: SGP4 at knots + quintic Hermite against SGP4 at every step, the
fused battery/radiator step against the plain functions, the sparse Poisson draw against the Poisson law, the dose
look-up against scipy's bilinear interpolation, the cosine shadow test against the angles.

Tolerances: the interpolation error is held to the stated bound itself (no margin: ``position_error_bound_m`` is a
bound, h^6 n^6 a (1 + 64 J2 (R/a)^2) / 46080 plus SGP4's velocity defect and the J2 acceleration's, 64 m at 780 s
and 650 km), over a day at every 60-s step for the default design, suncatcher and a 53-deg Walker shell; the two
defects the bound assumes are measured on SGP4 by central differences; distances inside a cluster to 5 cm (the
error's differential part ~ bound x 1 km / 7,000 km ~ 1 cm).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sgp4.api")
pytest.importorskip("xarray")

from terawatt.errors import ScenarioError  # noqa: E402
from terawatt.twin import events, state, twin  # noqa: E402
from terawatt.twin.constellation import satrec_array  # noqa: E402
from terawatt.twin.propagation import (  # noqa: E402
    ACCELERATION_DEFECT_M_S2,
    POSITION_TOLERANCE_M,
    SGP4_VELOCITY_DEFECT_M_S,
    Propagator,
    acceleration_km_s2,
    hermite_bound_m,
    knot_steps,
)
from terawatt.twin.simulate import julian_date  # noqa: E402

JD0 = julian_date("2026-06-21")


def test_knot_spacing_from_the_error_bound():
    # n = sqrt(mu / a^3) at a = 7028 km: 1.0710e-3 rad/s; 780^6 n^6 a / 46080 = 52.0 m, x (1 + 64 J2 (R/a)^2)
    # = 1.057, + 5 x 780 x 0.03 / 16 = 7.3 m (velocity) + 780^2 x 1e-4 / 32 = 1.9 m (acceleration)
    n6a = (398600.8 / 7028.135**3) ** 3 * 7028.135e3
    assert hermite_bound_m(780.0, 650.0) == pytest.approx(
        780.0**6 * n6a * (1 + 64 * 0.001082616 * (6378.135 / 7028.135) ** 2) / 46080 + 5 * 780 * 0.03 / 16
        + 780.0**2 * 1e-4 / 32)
    assert 63.0 < hermite_bound_m(780.0, 650.0) < 66.0
    assert hermite_bound_m(840.0, 650.0) > 80.0  # so 60-s steps get knots every 13 steps, not 14
    assert knot_steps(60.0, 650.0) == 13
    assert knot_steps(30.0, 650.0) == 27  # 810 s: 79 m
    assert knot_steps(300.0, 650.0) == 2
    assert knot_steps(900.0, 650.0) == 1  # a step longer than the widest knot spacing: SGP4 at every step
    assert knot_steps(60.0, 650.0, knot_s=300.0) == 5


def _orbit(name):
    """The constellation the twin flies for a scenario (2 clusters of 81), at the tests' epoch."""
    from terawatt.model import evaluate
    from terawatt.scenario import load_scenario
    from terawatt.twin.simulate import constellation_of

    scenario, overrides = {"default": (None, []), "suncatcher": ("suncatcher", []),
                           "walker": (None, ["orbit.inclination_deg=53", "orbit.altitude_km=550"])}[name]
    return constellation_of(evaluate(load_scenario(scenario, overrides)), 162, JD0)


def _direct_and_interpolated(const, hours=24.0, step_s=60.0, chunk=64):
    sats = satrec_array(const)
    every = knot_steps(step_s, const.altitude_km)
    chunk = every * max(1, chunk // every)
    n_steps = int(hours * 3600 / step_s)
    exact, interp = Propagator(sats, const, step_s, 1), Propagator(sats, const, step_s, every)
    parts = [(c0, min(chunk, n_steps - c0)) for c0 in range(0, n_steps, chunk)]
    r_exact = np.concatenate([exact.positions(c0, k) for c0, k in parts], axis=1)
    r_interp = np.concatenate([interp.positions(c0, k) for c0, k in parts], axis=1)
    return every, r_exact, r_interp


@pytest.mark.parametrize("name", ["default", "suncatcher", "walker"])
def test_hermite_positions_against_sgp4_at_every_step(name):
    const = _orbit(name)
    every, r_exact, r_interp = _direct_and_interpolated(const)
    err_m = np.sqrt(((r_interp - r_exact) ** 2).sum(axis=0)) * 1e3  # (steps, satellites), a day at 60 s
    bound = hermite_bound_m(every * 60.0, const.altitude_km)
    assert every >= 12 and bound < POSITION_TOLERANCE_M  # 3x fewer SGP4 calls than the cubic's 4 steps, at < 80 m
    assert err_m.max() <= bound
    assert err_m.max() > 0.7 * bound  # the bound is nearly reached at mid-interval: the interpolation is real
    assert err_m[::every].max() < 1e-6  # the knots are SGP4 itself
    # distances inside a cluster, what the links see: the error is common to the members
    first = const.cluster == 0
    d_exact = np.linalg.norm(r_exact[:, :, first][:, :, :, None] - r_exact[:, :, first][:, :, None, :], axis=0)
    d_interp = np.linalg.norm(r_interp[:, :, first][:, :, :, None] - r_interp[:, :, first][:, :, None, :], axis=0)
    assert np.abs(d_interp - d_exact).max() * 1e3 < 0.05


@pytest.mark.parametrize("name", ["default", "walker"])
def test_sgp4_defects_the_bound_assumes(name):
    """SGP4's velocity against the central difference of its positions, and the second difference against the
    two-body + J2 acceleration, over a day (0.5-s half-step: truncation ~ n^3 a dt^2 / 6 = 0.4 mm/s and
    n^4 a dt^2 / 12 = 2e-7 m/s2, far below what is measured)."""
    const = _orbit(name)
    prop = Propagator(satrec_array(const), const, 60.0, 1)
    t, dt = np.arange(1.0, 86400.0, 317.0), 0.5
    r0, v0 = prop._sgp4(t)
    r_plus, r_minus = prop._sgp4(t + dt)[0], prop._sgp4(t - dt)[0]
    dv = np.sqrt((((r_plus - r_minus) / (2 * dt) - v0) ** 2).sum(axis=0)).max() * 1e3  # [m/s]
    da = np.sqrt((((r_plus + r_minus - 2 * r0) / dt**2 - acceleration_km_s2(r0)) ** 2).sum(axis=0)).max() * 1e3
    assert dv < SGP4_VELOCITY_DEFECT_M_S and da < ACCELERATION_DEFECT_M_S2
    # without J2 the acceleration misses by ~1.5e-2 m/s2 (so the J2 term is what the bound rests on)
    two_body = -398600.8 * r0 / np.sqrt((r0**2).sum(axis=0)) ** 3
    assert np.sqrt((((r_plus + r_minus - 2 * r0) / dt**2 - two_body) ** 2).sum(axis=0)).max() * 1e3 > 1e-2


def test_default_run_is_interpolated_and_agrees_with_exact_sgp4():
    kw = dict(satellites=162, hours=4, step_s=60, seed=3)
    fast, exact = twin(None, **kw), twin(None, knot_s=0, **kw)
    assert fast.attrs["knot_s"] == 780.0 and 63.0 < fast.attrs["position_error_bound_m"] < 66.0
    assert exact.attrs["knot_s"] == 0.0 and exact.attrs["position_error_bound_m"] == 0.0
    # 64 m moves an eclipse edge by ~0.01 s: the sunlit share of every step is the same
    np.testing.assert_allclose(fast["sunlit_fraction"], exact["sunlit_fraction"], atol=1.0 / 162 + 1e-12)
    assert fast.attrs["orbital.sunlit_fraction"] == pytest.approx(exact.attrs["orbital.sunlit_fraction"], abs=1e-4)
    np.testing.assert_allclose(fast["latitude_deg"], exact["latitude_deg"], atol=1e-3)  # 64 m ~ 6e-4 deg
    np.testing.assert_allclose(fast["dose_rate_mean_rad_per_yr"], exact["dose_rate_mean_rad_per_yr"], rtol=1e-3)


def test_runs_shorter_than_a_knot_interval():
    for hours in (1 / 60, 3 / 60, 14 / 60):  # 1, 3 and 14 steps of 60 s, knots every 13
        ds = twin(None, satellites=81, hours=hours, step_s=60)
        assert ds.sizes["time"] == round(hours * 60) and np.isfinite(ds["sunlit_fraction"]).all()


def test_bad_knot_names_the_field():
    for bad in (-1.0, 1201.0, float("nan")):
        with pytest.raises(ScenarioError, match="twin.knot_s"):
            twin(None, satellites=81, hours=1, knot_s=bad)
    p = subprocess.run([sys.executable, "-m", "terawatt.cli", "twin", "--satellites", "81", "--hours", "1",
                        "--knot", "-5", "--formation", "loose"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "twin.knot_s" in p.stderr and "twin.formation" in p.stderr
    assert "Traceback" not in p.stderr
    p = subprocess.run([sys.executable, "-m", "terawatt.cli", "twin", "--satellites", "81", "--hours", "1",
                        "--knot", "0"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "SGP4 at every step" in p.stdout, p.stderr


def test_stepper_is_the_plain_functions():
    rng = np.random.default_rng(0)
    plant = state.Plant(compute_power_w=1e5, housekeeping_fraction=0.05, conversion_efficiency=0.9,
                        battery_round_trip_efficiency=0.9, battery_capacity_wh=5e4, battery_depth_of_discharge=0.5,
                        array_power_bol_w=2e5, degradation_per_yr=0.01, radiator_area_m2=120.0, fin_efficiency=0.9,
                        sides=2.0, emissivity=0.9, sink_temp_k=3.0, absorbed_sun_w_per_m2=300.0,
                        absorbed_shade_w_per_m2=100.0, heat_capacity_j_per_k=1e6, limit_temp_k=330.0)
    n, dt = 500, 60.0
    age = rng.uniform(0, 5, n)
    temp = rng.uniform(300.0, 331.0, n)
    energy = rng.uniform(2.4e4, 5e4, n)
    wanted = rng.choice([0.8, 1.0], n)
    stepper = state.Stepper(plant, n, dt)
    t_fast, e_fast = temp.copy(), energy.copy()
    load_fast, allowed_fast = np.empty(n), np.empty(n)
    for _ in range(30):
        seen = rng.choice([0.0, 0.4, 1.0], n)
        terms = state.radiator_terms(plant, temp, seen, dt)
        allowed = state.thermal_allowed_load(plant, temp, seen, dt, terms)
        load, energy = state.power_limited_load(plant, state.array_power_w(plant, seen, age), energy, dt,
                                                np.minimum(wanted, allowed))
        temp = state.thermal_advance(plant, temp, seen, load, dt, terms)
        supply, absorbed = stepper.supply_and_absorbed(plant, state.array_power_w(plant, 1.0, age), seen)
        stepper.step(t_fast, e_fast, supply, absorbed, wanted, load_fast, allowed_fast)
        np.testing.assert_allclose(load_fast, load, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(allowed_fast, allowed, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(t_fast, temp, rtol=1e-11)
    np.testing.assert_allclose(e_fast, energy, rtol=1e-11)
    assert (load < wanted).any() and (load == wanted).any()  # both the limited and the free branch were taken


def test_sparse_poisson_draw_is_poisson_per_cell():
    """Means, variances and zero-probabilities of each cell against the Poisson law (4 standard errors)."""
    rng = np.random.default_rng(11)
    rate = np.array([[0.0, 1e-3, 0.05], [0.3, 1.5, 0.0]])
    reps = 20_000
    counts = np.zeros((reps, rate.size))
    for r in range(reps):
        cells, c = events.poisson_cells(rng, rate)
        counts[r, cells] = c
    lam = rate.ravel()
    mean, var = counts.mean(axis=0), counts.var(axis=0)
    se = np.sqrt(np.maximum(lam, 1e-12) / reps)
    assert (np.abs(mean - lam) <= 4 * se).all()
    assert np.all(counts[:, lam == 0] == 0)
    np.testing.assert_allclose(var[lam > 0.1], lam[lam > 0.1], rtol=0.06)
    p0 = (counts == 0).mean(axis=0)
    assert (np.abs(p0 - np.exp(-lam)) <= 4 * np.sqrt(np.exp(-lam) * (1 - np.exp(-lam)) / reps) + 1e-12).all()
    # independence across cells: the covariance of two busy cells vanishes
    assert abs(np.corrcoef(counts[:, 3], counts[:, 4])[0, 1]) < 4 / np.sqrt(reps)


def test_dose_lookup_is_scipy_bilinear():
    from scipy.ndimage import map_coordinates

    lat_n = np.arange(-90.0, 90.0 + 1e-9, events.GRID_LAT_DEG)
    lon_n = np.arange(-180.0, 180.0 + 1e-9, events.GRID_LON_DEG)
    g = np.random.default_rng(2).uniform(0, 100, (lat_n.size, lon_n.size))
    rng = np.random.default_rng(3)
    lat = np.concatenate([rng.uniform(-90, 90, 5000), [-90.0, 90.0, 0.0]])
    lon = np.concatenate([rng.uniform(-180, 180, 5000), [-180.0, 180.0, 179.999]])
    coords = np.stack([(lat - lat_n[0]) / events.GRID_LAT_DEG, (lon - lon_n[0]) / events.GRID_LON_DEG])
    np.testing.assert_allclose(events.dose_at((lat_n, lon_n, g), lat, lon),
                               map_coordinates(g, coords, order=1, mode="nearest"), rtol=1e-12)


def test_cosine_shadow_test_is_the_angle_test():
    """Points on a sphere of LEO radius around the shadow cone: umbra and full sun by cosines equal the angles."""
    rng = np.random.default_rng(5)
    sun = np.array([1.496e8, 0.0, 0.0])
    r = 6378.137 + rng.uniform(300, 1200, 20000)
    ang = np.pi - rng.uniform(0.95, 1.35, r.size)  # off the anti-Sun axis by about the umbra edge, rho_E
    phi = rng.uniform(0, 2 * np.pi, r.size)
    p = r[:, None] * np.stack([np.cos(ang), np.sin(ang) * np.cos(phi), np.sin(ang) * np.sin(phi)], axis=1)
    seen, umbra = state.illumination(p, sun)
    to_sun = sun - p
    d = np.linalg.norm(to_sun, axis=1)
    theta = np.arccos(np.einsum("ij,ij->i", -p, to_sun) / (r * d))
    rho_e, rho_s = np.arcsin(6378.137 / r), np.arcsin(695700.0 / d)
    np.testing.assert_array_equal(umbra, theta < rho_e - rho_s)
    np.testing.assert_allclose(seen, np.clip((theta - (rho_e - rho_s)) / (2 * rho_s), 0, 1), atol=1e-9)
    assert 0 < ((seen > 0) & (seen < 1)).sum() < r.size  # the penumbra branch ran


def test_single_precision_shadow_moves_edges_by_microradians():
    """The chunks run the shadow in float32: against float64 the visible fraction differs by < 1e-4 (the
    penumbra is 9.3 mrad wide) and the umbra flag only within 1e-6 rad of its edge (1e-3 s of orbit)."""
    rng = np.random.default_rng(6)
    sun = np.array([1.2e8, -0.8e8, 0.3e8])
    r = 6378.137 + rng.uniform(300, 1200, 50000)
    axis = -sun / np.linalg.norm(sun)
    ortho = np.cross(axis, [0.0, 0.0, 1.0])
    ortho /= np.linalg.norm(ortho)
    ang = rng.uniform(0.95, 1.35, r.size)  # off the anti-Sun axis by about the umbra edge
    p = r[:, None] * (np.cos(ang)[:, None] * axis + np.sin(ang)[:, None] * ortho)
    r2, rs, s2 = np.einsum("ij,ij->i", p, p), p @ sun, sun @ sun
    seen64, umbra64 = state.shadow(r2, rs, s2)
    p32, sun32 = p.astype(np.float32), sun.astype(np.float32)
    seen32, umbra32 = state.shadow(np.einsum("ij,ij->i", p32, p32), p32 @ sun32, np.float32(s2))
    assert seen32.dtype == np.float32
    assert np.abs(seen32 - seen64).max() < 1e-4
    to_sun = sun - p
    d = np.linalg.norm(to_sun, axis=1)
    theta = np.arccos(np.einsum("ij,ij->i", -p, to_sun) / (r * d))
    edge = np.arcsin(6378.137 / r) - np.arcsin(695700.0 / d)
    assert (np.abs(theta - edge)[umbra32 != umbra64] < 1e-6).all()
    assert umbra64.any() and (~umbra64).any()
