"""Space solar arrays (efficiency, degradation, SMAD sizing), batteries and launch arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from terawatt.physics import launch, power, solar


# ------------------------------------------------------------------------------------------ cell efficiency
def test_efficiency_at_reference_temperature_is_rated():
    assert solar.CELL_REFERENCE_TEMP_K == pytest.approx(301.15)
    assert solar.cell_efficiency_at_temp(0.22, -0.0035, 301.15) == pytest.approx(0.22, rel=1e-15)


def test_efficiency_temperature_correction_by_hand():
    # 0.22 * (1 - 0.0035 * (333 - 301.15)) = 0.22 * 0.888525 = 0.1954755
    assert solar.cell_efficiency_at_temp(0.22, -0.0035, 333.0) == pytest.approx(0.1954755, abs=1e-12)
    # colder than 28 C gains efficiency
    assert solar.cell_efficiency_at_temp(0.30, -0.002, 281.15) == pytest.approx(0.30 * 1.04, rel=1e-12)
    # zero coefficient: no correction
    assert solar.cell_efficiency_at_temp(0.3, 0.0, 400.0) == pytest.approx(0.3)


def test_efficiency_floored_at_zero():
    # 1 - 0.02 * (500 - 301.15) < 0
    assert solar.cell_efficiency_at_temp(0.3, -0.02, 500.0) == 0.0


def test_efficiency_broadcasts():
    temps = np.array([301.15, 333.0, 360.0])
    eff = solar.cell_efficiency_at_temp(np.array([[0.22], [0.30]]), -0.0035, temps)
    assert eff.shape == (2, 3)
    np.testing.assert_allclose(eff[1], 0.30 * (1 - 0.0035 * (temps - 301.15)), rtol=1e-14)


# ------------------------------------------------------------------------------------------- power density
def test_power_density_by_hand():
    # S * eta(T) * f_pack = 1361 * 0.1954755 * 0.85 = 226.1358 W/m2
    eta = solar.cell_efficiency_at_temp(0.22, -0.0035, 333.0)
    assert solar.array_power_density_w_per_m2(1361.0, eta, 0.85) == pytest.approx(226.1358, abs=1e-4)


def test_power_density_cosine_and_arrays():
    angles = np.deg2rad([0.0, 60.0, 90.0])
    p = solar.array_power_density_w_per_m2(1361.0, 0.3, 0.9, np.cos(angles))
    assert p.shape == (3,)
    np.testing.assert_allclose(p, [367.47, 183.735, 0.0], atol=1e-9)


# ------------------------------------------------------------------------------------------------ degradation
def test_end_of_life_factor():
    assert solar.end_of_life_factor(0.02, 5.0) == pytest.approx(0.98**5, rel=1e-15)  # 0.90392
    assert solar.end_of_life_factor(0.0, 30.0) == 1.0
    assert solar.end_of_life_factor(0.1, 0.0) == 1.0
    eol = solar.end_of_life_factor(np.array([0.01, 0.02, 0.03]), np.array([[5.0], [10.0]]))
    assert eol.shape == (2, 3)
    assert eol[1, 2] == pytest.approx(0.97**10, rel=1e-14)


def test_mean_retention_mccalip():
    # McCalip (2025, math.js): 5 yr at 2.5 %/yr, yearly steps 1, r, r^2, r^3, r^4 -> mean 0.951234
    assert solar.mean_retention(0.025, 5.0) == pytest.approx(0.951234, abs=1e-6)


@pytest.mark.parametrize(("d", "life"), [(0.005, 3), (0.02, 5), (0.025, 5), (0.1, 10), (0.3, 7), (0.02, 1)])
def test_mean_retention_equals_explicit_yearly_sum(d, life):
    explicit = np.mean([(1.0 - d) ** k for k in range(life)])
    assert solar.mean_retention(d, float(life)) == pytest.approx(explicit, rel=1e-12)


def test_mean_retention_no_degradation_is_one():
    assert solar.mean_retention(0.0, 5.0) == 1.0
    out = solar.mean_retention(np.array([0.0, 0.02]), 5.0)
    assert out[0] == 1.0 and out[1] < 1.0


def test_mean_retention_bounds_and_continuity():
    d = np.array([1e-8, 1e-6, 0.01, 0.05])
    r = solar.mean_retention(d, 10.0)
    assert r.shape == (4,)
    assert r[0] == pytest.approx(1.0 - 4.5e-8, abs=1e-7)  # continuous at d -> 0: 1 - (L-1) d / 2
    assert np.all(np.diff(r) < 0)
    # mean of r^k, k=0..L-1 lies between the end-of-life step r^(L-1) and 1
    assert np.all(r >= solar.end_of_life_factor(d, 9.0) - 1e-15)


def test_mean_retention_tiny_degradation_precision():
    assert solar.mean_retention(1e-12, 10.0) == pytest.approx(1.0 - 4.5e-12, abs=1e-10)


# -------------------------------------------------------------------------------------------- array sizing
def test_required_array_power_smad_by_hand():
    # SMAD eq. 11-5: P=1000 W, Te=35 min, T=95 min, Xe=0.65, Xd=0.85
    # (1000*2100/0.65 + 1000*3600/0.85) / 3600 = 2073.906 W
    p = solar.required_array_power_w(1000.0, 2100.0, 5700.0, 0.85, 0.65)
    assert p == pytest.approx(2073.906, abs=1e-3)


def test_required_array_power_throttle():
    # load stops in eclipse: only the sunlit load through the day path
    p = solar.required_array_power_w(1000.0, 2100.0, 5700.0, 0.85, 0.65, carry_eclipse=False)
    assert p == pytest.approx(1000.0 / 0.85, rel=1e-14)


def test_required_array_power_no_eclipse_same_for_both_policies():
    a = solar.required_array_power_w(1000.0, 0.0, 5700.0, 0.9, 0.8, True)
    b = solar.required_array_power_w(1000.0, 0.0, 5700.0, 0.9, 0.8, False)
    assert a == pytest.approx(b) == pytest.approx(1000.0 / 0.9)


def test_required_array_power_arrays():
    eclipse = np.array([0.0, 600.0, 2100.0])
    policy = np.array([[True], [False]])
    p = solar.required_array_power_w(1.0e5, eclipse, 5800.0, 0.95, 0.855, policy)
    assert p.shape == (2, 3)
    t_d = 5800.0 - eclipse
    np.testing.assert_allclose(p[0], (1e5 * eclipse / 0.855 + 1e5 * t_d / 0.95) / t_d, rtol=1e-14)
    np.testing.assert_allclose(p[1], 1e5 / 0.95, rtol=1e-14)
    assert np.all(np.diff(p[0]) > 0)  # longer eclipse -> bigger array


# ----------------------------------------------------------------------------------------------- batteries
def test_battery_capacity_by_hand():
    # 100 kW through 20 min: 33,333 Wh of load; / (DoD 0.5 * sqrt(0.81) = 0.9) = 74,074 Wh
    c = power.battery_capacity_wh(1.0e5, 1200.0, 0.5, 0.81)
    assert c == pytest.approx(74074.074, abs=1e-3)
    assert power.battery_mass_kg(c, 120.0) == pytest.approx(617.284, abs=1e-3)


def test_battery_zero_eclipse_zero_capacity():
    assert power.battery_capacity_wh(1.0e5, 0.0, 0.5, 0.9) == 0.0


def test_battery_arrays():
    dod = np.array([0.3, 0.5, 0.8])
    c = power.battery_capacity_wh(np.array([[1e3], [2e3]]), 3600.0, dod, 1.0)
    assert c.shape == (2, 3)
    np.testing.assert_allclose(c[1], 2e3 / dod, rtol=1e-14)
    np.testing.assert_allclose(power.battery_mass_kg(c, 150.0), c / 150.0, rtol=1e-15)


# -------------------------------------------------------------------------------------------------- launch
def test_payload_to_orbit_by_inclination():
    inc = np.array([28.5, 53.0, 80.0, 80.1, 97.8])
    p = launch.payload_to_orbit_kg(100000.0, 55000.0, inc)
    np.testing.assert_array_equal(p, [100000.0, 100000.0, 100000.0, 55000.0, 55000.0])
    assert launch.payload_to_orbit_kg(17500.0, 13900.0, 98.0) == 13900.0


def test_satellites_per_launch_mass_limited():
    # 55 t / 8,769.6 kg = 6.27 -> 6 by mass; 700 m3 / 58.46 m3 = 11.97 -> 11 by volume
    n = launch.satellites_per_launch(8769.6, 55000.0, 8769.6 / 150.0, 700.0)
    assert n == 6.0


def test_satellites_per_launch_volume_limited():
    # 1 t at 50 kg/m3 = 20 m3: 100 t allows 100 by mass but 700 m3 only 35 by volume
    n = launch.satellites_per_launch(1000.0, 100000.0, 20.0, 700.0)
    assert n == 35.0


def test_satellites_per_launch_exact_fit_and_too_big():
    assert launch.satellites_per_launch(5000.0, 55000.0, 1.0, 700.0) == 11.0
    assert launch.satellites_per_launch(60000.0, 55000.0, 1.0, 700.0) == 0.0  # too heavy
    assert launch.satellites_per_launch(100.0, 55000.0, 800.0, 700.0) == 0.0  # too bulky


def test_satellites_per_launch_arrays():
    mass = np.array([1000.0, 8769.6, 60000.0])
    n = launch.satellites_per_launch(mass, 55000.0, mass / 150.0, 700.0)
    np.testing.assert_array_equal(n, [55.0, 6.0, 0.0])


def test_launches_needed():
    assert launch.launches_needed(941.0, 6.0) == 157.0  # ceil(156.83)
    assert launch.launches_needed(12.0, 6.0) == 2.0  # exact multiple, no extra launch
    assert launch.launches_needed(1.0, 6.0) == 1.0
    assert launch.launches_needed(0.0, 6.0) == 0.0
    assert launch.launches_needed(10.0, 0.0) == np.inf


def test_launches_needed_arrays_no_warnings(recwarn):
    out = launch.launches_needed(np.array([941.0, 10.0, 7.0]), np.array([6.0, 0.0, 7.0]))
    np.testing.assert_array_equal(out, [157.0, np.inf, 1.0])
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
