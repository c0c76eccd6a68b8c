"""Atmosphere (NRLMSIS 2.1 orbit averages, shipped table) and drag / propulsion physics.

Published values used here:

- U.S. Standard Atmosphere 1976 (NOAA/NASA/USAF, 1976), Table I total density at 200-1,000 km; it corresponds to
  moderate activity (exospheric temperature 1,000 K), compared with the ``mean`` level (F10.7 = 140 sfu, Ap = 15).
  Tolerance: factor 1.5 (measured: -27 % at 200 km, +26 % at 700 km, +1 % at 400 km).
- Solar-cycle amplitude: about an order of magnitude at 400 km between solar minimum and maximum (Emmert 2015,
  Adv. Space Res. 56, 773); measured 11x for the model cycle (70 -> 200 sfu) at 400 km.
- Starshine 1 and 2 (0.48 m mirrored spheres, 38-39 kg, 51.6 deg), deployed from the Space Shuttle at ~387 km:
  Starshine 1 on 5 Jun 1999 (NASA NTRS 19990087514: 387 km, 51.6 deg; mass 38 kg, D. Darling, Encyclopedia of
  Science) re-entered 18 Feb 2000 after 258 days, as solar activity rose (F10.7 ~130-200 sfu); Starshine 2 on
  16 Dec 2001 at ~386 km (240 miles, Spaceflight Now, 16 Dec 2001; 86 lb) re-entered 26 Apr 2002 after 131 days,
  at solar maximum (Spaceflight Now, 26 Apr 2002). Modelled with the ``mean`` and ``high`` levels respectively and
  C_D = 2.2. Tolerance: factor 1.5 (measured 1.24x and 0.89x).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from terawatt.constants import (
    EARTH_EQUATORIAL_RADIUS_M,
    EARTH_MU_M3_PER_S2,
    SECONDS_PER_YEAR,
    STANDARD_GRAVITY_M_PER_S2,
)
from terawatt.params.spec import load_registry
from terawatt.physics import atmosphere as atm
from terawatt.physics import propulsion as pr

MU = EARTH_MU_M3_PER_S2
R = EARTH_EQUATORIAL_RADIUS_M

#: U.S. Standard Atmosphere 1976, total mass density [kg m-3].
USSA76 = {200.0: 2.541e-10, 300.0: 1.916e-11, 400.0: 2.803e-12, 500.0: 5.215e-13, 600.0: 1.137e-13,
          700.0: 3.070e-14, 800.0: 1.136e-14, 1000.0: 3.561e-15}


# ------------------------------------------------------------------------------------------------- table
def test_table_grid_and_metadata():
    table = atm.density_table()
    h = table["altitude_km"]
    assert h[0] == 100.0 and h[-1] == 2500.0
    assert np.allclose(np.diff(h[h <= 1000.0]), 5.0) and np.allclose(np.diff(h[h >= 1000.0]), 25.0)
    assert table["ln_density"].shape == (h.size, 4)
    assert tuple(table["activities"]) == atm.ACTIVITIES
    assert tuple(table["averaging_grid"]) == atm.AVERAGING_GRID
    f_cyc, ap_cyc, w = atm.solar_cycle_profile()
    assert np.allclose(table["cycle_f107_sfu"], f_cyc) and np.allclose(table["cycle_ap"], ap_cyc)
    assert np.allclose(table["level_f107_sfu"], [atm.ACTIVITY_LEVELS[k][0] for k in ("low", "mean", "high")])
    assert w.sum() == pytest.approx(1.0)
    assert f_cyc.min() > 70.0 and f_cyc.max() < 200.0 and np.mean(f_cyc) == pytest.approx(135.0)


def test_scalar_and_array_calls():
    rho = atm.density_kg_per_m3(550.0)
    assert isinstance(rho, np.float64)
    arr = atm.density_kg_per_m3(np.array([[400.0], [800.0]]), ["low", "mean", "high", "cycle"])
    assert arr.shape == (2, 4)
    for k, name in enumerate(atm.ACTIVITIES):
        assert arr[0, k] == pytest.approx(atm.density_kg_per_m3(400.0, name), rel=1e-12)
    # nodes are reproduced exactly; mixed-activity and single-activity paths agree
    table = atm.density_table()
    assert atm.density_kg_per_m3(table["altitude_km"][37], "high") == pytest.approx(
        np.exp(table["ln_density"][37, 2]), rel=1e-12)
    x = np.linspace(100.0, 2500.0, 1001)
    assert np.allclose(atm.density_kg_per_m3(x, np.full(x.shape, "cycle")), atm.density_kg_per_m3(x, "cycle"))
    assert np.all(atm.scale_height_km([200.0, 550.0, 800.0]) > 0.0)


def test_density_falls_with_altitude_by_orders_of_magnitude():
    h = atm.density_table()["altitude_km"]
    for name in atm.ACTIVITIES:
        assert np.all(np.diff(atm.density_kg_per_m3(h, name)) < 0.0), name
    rho400, rho800 = atm.density_kg_per_m3([400.0, 800.0], "mean")
    assert 1e-12 < rho400 < 1e-11 and 1e-14 < rho800 < 1e-13
    assert 100.0 < rho400 / rho800 < 1000.0


@pytest.mark.parametrize("alt", sorted(USSA76))
def test_mean_activity_matches_us_standard_atmosphere(alt):
    assert 1 / 1.5 < atm.density_kg_per_m3(alt, "mean") / USSA76[alt] < 1.5


def test_density_rises_with_solar_activity():
    h = np.arange(200.0, 2500.0, 25.0)
    low, mean, high = (atm.density_kg_per_m3(h, k) for k in ("low", "mean", "high"))
    assert np.all(low < mean) and np.all(mean < high)
    # ECSS low (65 sfu, Ap 0) -> high (250 sfu, Ap 45) at 500 km: measured 55x
    assert 20.0 < atm.density_kg_per_m3(500.0, "high") / atm.density_kg_per_m3(500.0, "low") < 100.0
    # the model cycle's minimum and maximum at 400 km: about an order of magnitude (measured 10.8x)
    lo, hi = atm.density_direct(400.0, [70.0, 200.0], [70.0, 200.0], [5.0, 15.0])
    assert 5.0 < hi / lo < 20.0
    # the cycle average lies between its extremes and above the density at the mean indices (convexity)
    cyc = atm.density_kg_per_m3(400.0, "cycle")
    assert lo < atm.density_direct(400.0, 135.0, 135.0, 10.0) < cyc < hi


# ------------------------------------------------------------------------------------- table vs direct
def test_interpolation_error_vs_direct():
    """Log-linear interpolation at interval midpoints (worst case) is within 1 % of NRLMSIS (measured < 0.25 %)."""
    mids = np.array([102.5, 152.5, 202.5, 402.5, 552.5, 802.5, 1012.5, 2487.5])
    direct = atm.density_for_activity_direct(mids, "mean")
    assert np.allclose(atm.density_kg_per_m3(mids, "mean"), direct, rtol=0.01, atol=0.0)
    mids_c = np.array([152.5, 652.5])
    direct_c = atm.density_for_activity_direct(mids_c, "cycle")
    assert np.allclose(atm.density_kg_per_m3(mids_c, "cycle"), direct_c, rtol=0.01, atol=0.0)


def test_orbit_average_converged_and_local_time_insensitive():
    base = atm.density_direct(500.0, 140.0, 140.0, 15.0)
    dense = atm.density_direct(500.0, 140.0, 140.0, 15.0, grid=(24, 8, 16, 32))
    assert base == pytest.approx(dense, rel=2e-3)  # measured 2e-5
    # a near-polar orbit samples LST and LST + 12 h equally: dawn-dusk is within 1 % of the all-LT average
    assert atm.density_direct(500.0, 140.0, 140.0, 15.0, ltan_h=18.0) == pytest.approx(base, rel=0.01)
    # a lower inclination sees more density (oblateness, latitude structure): ISS-like +6 % at 500 km
    assert 1.02 < atm.density_direct(500.0, 140.0, 140.0, 15.0, 51.6) / base < 1.15


# ----------------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(("call", "words"), [
    (lambda: atm.density_kg_per_m3(99.0), ["altitude_km", "km", "100", "2500"]),
    (lambda: atm.density_kg_per_m3([500.0, 2600.0], "mean"), ["altitude_km", "km", "2600"]),
    (lambda: atm.density_kg_per_m3(500.0, "medium"), ["activity", "low", "cycle", "medium"]),
    (lambda: atm.density_direct(500.0, 20.0, 140.0, 15.0), ["f107", "sfu", "50", "400"]),
    (lambda: atm.density_direct(500.0, 140.0, 140.0, -1.0), ["ap", "0", "400"]),
    (lambda: pr.natural_decay_yr(3000.0, 10.0, 1000.0, 2.2), ["altitude_km", "km", "2500"]),
    (lambda: pr.natural_decay_yr(120.0, 10.0, 1000.0, 2.2), ["altitude_km", "km", "150"]),
    (lambda: pr.drag_dv_m_per_s_per_yr(500.0, 1e-12, 10.0, 0.0, 2.2), ["mass_kg", "kg"]),
    (lambda: pr.cross_section_m2(100.0, 0.0, 1.0, "sideways"), ["attitude", "edge_on"]),
    (lambda: pr.propellant_mass_kg(1000.0, -1.0, 300.0), ["dv_m_per_s", "m/s"]),
    (lambda: pr.deorbit_dv_m_per_s(550.0, 600.0), ["perigee_km"]),
])
def test_out_of_range_inputs_raise_clear_errors(call, words):
    with pytest.raises(ValueError) as err:
        call()
    for word in words:
        assert word in str(err.value)


# --------------------------------------------------------------------------------------- drag closed forms
def test_drag_closed_forms():
    alt, rho, area, mass, cd = 500.0, 5e-13, 10.0, 1000.0, 2.2
    r = R + alt * 1e3
    acc = 0.5 * rho * (MU / r) * cd * area / mass
    assert pr.drag_acceleration_m_per_s2(alt, rho, area, mass, cd) == pytest.approx(acc, rel=1e-12)
    assert pr.drag_dv_m_per_s_per_yr(alt, rho, area, mass, cd) == pytest.approx(acc * SECONDS_PER_YEAR, rel=1e-12)
    assert pr.drag_dv_m_per_s_per_yr(alt, rho, area, mass, cd) == pytest.approx(10.0516, rel=1e-4)
    # |da/dt| = sqrt(mu a) rho Cd A / m = (2 a / v) a_D
    rate = pr.decay_rate_km_per_day(alt, rho, area, mass, cd)
    assert rate == pytest.approx(np.sqrt(MU * r) * rho * cd * area / mass * 86400.0 / 1e3, rel=1e-12)
    assert rate * 1e3 / 86400.0 == pytest.approx(2.0 * r / pr.circular_speed_m_per_s(alt) * acc, rel=1e-12)
    assert pr.ballistic_coefficient_kg_per_m2(mass, area, cd) == pytest.approx(mass / (cd * area))
    # arrays broadcast; scalars give scalars
    out = pr.drag_dv_m_per_s_per_yr(np.array([400.0, 500.0, 600.0]), atm.density_kg_per_m3([400.0, 500.0, 600.0]),
                                    area, mass, cd)
    assert out.shape == (3,) and np.all(np.diff(out) < 0.0)
    assert isinstance(pr.drag_acceleration_m_per_s2(alt, rho, area, mass, cd), np.float64)


def test_cross_section_attitudes():
    panels, bus = 1000.0, 10.0
    face = pr.cross_section_m2(800.0, 200.0, bus, "face_on")
    tumbling = pr.cross_section_m2(800.0, 200.0, bus, "tumbling")
    edge = pr.cross_section_m2(800.0, 200.0, bus, "edge_on", panel_thickness_m=0.03, panel_width_m=10.0,
                               speed_ratio=7.5, cd=2.2)
    assert face == pytest.approx(panels + bus)
    assert tumbling == pytest.approx(0.5 * panels + bus)  # Cauchy: mean projection = surface / 4
    shear = 2.0 / (7.5 * np.sqrt(np.pi) * 2.2)
    assert edge == pytest.approx(panels * (0.03 / 10.0 + shear) + bus, rel=1e-12)
    assert edge == pytest.approx(81.4, abs=0.1)
    assert edge < tumbling < face
    assert pr.cross_section_m2([0.0, 100.0], 0.0, 0.0, "face_on").shape == (2,)


def test_deorbit_dv_closed_forms():
    # impulsive: speed on the circle minus apoapsis speed of the 50 km perigee ellipse (vis-viva)
    r1, rp = R + 550e3, R + 50e3
    v_apo = np.sqrt(MU * (2.0 / r1 - 2.0 / (r1 + rp)))
    assert pr.deorbit_dv_m_per_s(550.0, 50.0) == pytest.approx(np.sqrt(MU / r1) - v_apo, rel=1e-12)
    assert pr.deorbit_dv_m_per_s(550.0) == pytest.approx(143.33, abs=0.01)
    assert pr.deorbit_dv_m_per_s(550.0, 550.0) == pytest.approx(0.0, abs=1e-9)
    # low thrust: difference of circular speeds, about twice the impulsive cost to the same radius
    spiral = pr.deorbit_dv_m_per_s(550.0, 250.0, low_thrust=True)
    assert spiral == pytest.approx(np.sqrt(MU / (R + 250e3)) - np.sqrt(MU / r1), rel=1e-12)
    assert 1.8 < spiral / pr.deorbit_dv_m_per_s(550.0, 250.0) < 2.2


def test_rocket_equation():
    isp, dv, dry = 300.0, 143.33, 10_000.0
    mp = pr.propellant_mass_kg(dry, dv, isp)
    assert (dry + mp) / dry == pytest.approx(np.exp(dv / (STANDARD_GRAVITY_M_PER_S2 * isp)), rel=1e-12)
    # burns add: one call with the summed dv equals two calls in sequence
    first = pr.propellant_mass_kg(dry, 50.0, isp)
    assert pr.propellant_mass_kg(dry + first, 93.33, isp) + first == pytest.approx(mp, rel=1e-12)
    assert pr.propellant_mass_kg(dry, 0.0, isp) == 0.0
    assert pr.propellant_mass_kg(dry, 100.0, 1500.0) < pr.propellant_mass_kg(dry, 100.0, 300.0)
    assert pr.propulsion_hardware_mass_kg(mp, 0.1) == pytest.approx(0.1 * mp)


# ------------------------------------------------------------------------------------------ natural decay
def test_natural_decay_matches_quadrature():
    """The tabulated exponential-segment integral against adaptive quadrature of the same interpolated density."""
    area, mass, cd = 20.0, 1000.0, 2.2
    for alt, act in ((400.0, "mean"), (553.0, "cycle"), (812.5, "low"), (1480.0, "high")):
        def integrand(h_km: float, act: str = act) -> float:
            return 1e3 / (np.sqrt(MU * (R + h_km * 1e3)) * atm.density_kg_per_m3(h_km, act))
        nodes = atm.density_table()["altitude_km"]
        pts = nodes[(nodes > 150.0) & (nodes < alt)]
        g, _ = quad(integrand, 150.0, alt, points=pts, limit=len(pts) + 50, epsrel=1e-10)
        expected = g * mass / (cd * area) / SECONDS_PER_YEAR
        assert pr.natural_decay_yr(alt, area, mass, cd, act) == pytest.approx(expected, rel=1e-4), (alt, act)


def test_natural_decay_properties():
    assert pr.natural_decay_yr(150.0, 10.0, 1000.0, 2.2) == 0.0
    life = pr.natural_decay_yr(np.arange(200.0, 1000.0, 50.0), 10.0, 1000.0, 2.2)
    assert life.shape == (16,) and np.all(np.diff(life) > 0.0)
    # proportional to the ballistic coefficient; shorter at higher activity
    assert pr.natural_decay_yr(550.0, 10.0, 2000.0, 2.2) == pytest.approx(
        2.0 * pr.natural_decay_yr(550.0, 10.0, 1000.0, 2.2), rel=1e-12)
    by_act = pr.natural_decay_yr(550.0, 10.0, 1000.0, 2.2, ["low", "mean", "high"])
    assert by_act[0] > by_act[1] > by_act[2]
    # from a point mid-way, the remaining time is the difference
    whole = pr.natural_decay_yr(600.0, 10.0, 1000.0, 2.2, "mean")
    upper = pr.natural_decay_yr(600.0, 10.0, 1000.0, 2.2, "mean", end_altitude_km=400.0)
    assert whole == pytest.approx(upper + pr.natural_decay_yr(400.0, 10.0, 1000.0, 2.2, "mean"), rel=1e-12)


@pytest.mark.parametrize(("alt", "mass", "activity", "observed_days"), [
    (387.0, 38.0, "mean", 258.0),  # Starshine 1: 5 Jun 1999 -> 18 Feb 2000
    (386.0, 39.0, "high", 131.0),  # Starshine 2: 16 Dec 2001 -> 26 Apr 2002 (solar maximum)
])
def test_starshine_lifetimes(alt, mass, activity, observed_days):
    area = np.pi * 0.24**2  # 0.48 m sphere
    model = pr.natural_decay_yr(alt, area, mass, 2.2, activity) * 365.0
    assert 1 / 1.5 < model / observed_days < 1.5


def test_reference_satellite_figures():
    """10 t, 1,000 m2 of panels, 10 m2 bus at 550 km, cycle-averaged density: edge-on vs face-on."""
    rho = atm.density_kg_per_m3(550.0, "cycle")
    edge = pr.cross_section_m2(1000.0, 0.0, 10.0, "edge_on")
    face = pr.cross_section_m2(1000.0, 0.0, 10.0, "face_on")
    dv_edge = pr.drag_dv_m_per_s_per_yr(550.0, rho, edge, 10_000.0, 2.2)
    dv_face = pr.drag_dv_m_per_s_per_yr(550.0, rho, face, 10_000.0, 2.2)
    assert dv_face / dv_edge == pytest.approx(face / edge)
    assert 1.0 < dv_edge < 20.0 and 20.0 < dv_face < 200.0


# ------------------------------------------------------------------------------------------------ registry
def test_registry_defaults_match_module_constants():
    reg = load_registry()
    assert reg["atmosphere.drag_coefficient"].default == pr.DEFAULT_CD
    assert reg["atmosphere.panel_thickness_m"].default == pr.DEFAULT_PANEL_THICKNESS_M
    assert reg["atmosphere.panel_width_m"].default == pr.DEFAULT_PANEL_WIDTH_M
    assert reg["atmosphere.speed_ratio"].default == pr.DEFAULT_SPEED_RATIO
    assert reg["propulsion.deorbit_perigee_km"].default == pr.DEFAULT_DEORBIT_PERIGEE_KM
    assert reg["atmosphere.solar_activity"].choices == list(atm.ACTIVITIES)
    assert reg["atmosphere.attitude"].choices == list(pr.ATTITUDES)
