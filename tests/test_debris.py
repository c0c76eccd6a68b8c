"""Tests of terawatt.physics.debris: flux table, Starlink calibration, kinetic-gas probability, costs, validation."""

from __future__ import annotations

import numpy as np
import pytest

from terawatt.params import load_registry
from terawatt.physics import debris

# Starlink 2025 (see params/debris.yaml): ~300,000 manoeuvres, ~8,500 satellites on average, ~550 km, ~40 m2.
STARLINK_MANOEUVRES_2025 = 300_000.0
STARLINK_SATELLITES = 8_500.0


# ------------------------------------------------------------------------------------------------- flux
def test_flux_reproduces_the_cnes_table():
    # F = -ln(1 - P) / S from CNES Table 2 at the tabulated altitudes
    for alt, area, p1, p10 in debris.FLUX_TABLE:
        assert debris.object_flux_per_m2_yr(alt, 10.0) == pytest.approx(-np.log(1 - p10) / area, rel=1e-12)
        assert debris.object_flux_per_m2_yr(alt, 1.0) == pytest.approx(-np.log(1 - p1) / area, rel=1e-12)
    assert debris.object_flux_per_m2_yr(800.0) == pytest.approx(1.3802e-5, rel=1e-4)


def test_flux_peaks_between_500_and_1000_km_and_falls_off_outside():
    alt = np.arange(400.0, 1501.0, 10.0)
    for size in (1.0, 10.0):
        flux = debris.object_flux_per_m2_yr(alt, size)
        peak = alt[np.argmax(flux)]
        assert 500.0 <= peak <= 1000.0
        assert np.all(np.diff(flux[alt <= peak]) > 0) and np.all(np.diff(flux[alt >= peak]) < 0)
        assert flux[0] < 0.2 * flux.max() and flux[-1] < 0.5 * flux.max()


def test_flux_larger_for_smaller_objects_power_law_in_size():
    f1, f3, f10 = debris.object_flux_per_m2_yr(650.0, [1.0, np.sqrt(10.0), 10.0])
    assert f1 > f3 > f10
    assert f3 == pytest.approx(np.sqrt(f1 * f10), rel=1e-12)  # geometric mean at the log-midpoint


def test_scalar_in_scalar_out_and_broadcasting():
    assert np.ndim(debris.object_flux_per_m2_yr(650.0)) == 0
    assert isinstance(debris.manoeuvres_per_satellite_yr(650.0, 40.0), np.floating)
    alt = np.array([500.0, 650.0, 800.0])[:, None]
    area = np.array([10.0, 40.0, 100.0, 400.0])
    assert debris.manoeuvres_per_satellite_yr(alt, area).shape == (3, 4)
    assert debris.collision_probability_per_yr(alt, area, duration_yr=[[1.0], [5.0], [10.0]]).shape == (3, 4)
    assert debris.object_flux_per_m2_yr(alt, [1.0, 10.0]).shape == (3, 2)


# ------------------------------------------------------------------------------------------- manoeuvres
def test_starlink_fleet_reproduces_300000_manoeuvres_in_2025():
    per_sat = debris.manoeuvres_per_satellite_yr(550.0, 40.0)
    # identity of the calibration, to float precision (tolerance stated: 1e-9 relative)
    assert per_sat * STARLINK_SATELLITES == pytest.approx(STARLINK_MANOEUVRES_2025, rel=1e-9)
    # the two half-year FCC reports (Dec 2024-May 2025 ~144,000; Jun-Nov 2025 148,696) sum to 292,700: within 3 %
    assert per_sat * STARLINK_SATELLITES == pytest.approx(144_000 + 148_696, rel=0.03)
    assert per_sat == pytest.approx(35.29, rel=1e-3)


def test_calibration_constant_is_consistent_with_published_thresholds():
    # mean collision probability removed per manoeuvre lies between SpaceX's threshold (3e-7) and 1e-4
    inv_k = 1.0 / debris.manoeuvres_per_expected_collision()
    assert 3e-7 < inv_k < 1e-4
    assert inv_k == pytest.approx(3.80e-6, rel=1e-2)


def test_manoeuvres_scale_with_area_and_with_flux_profile():
    m = debris.manoeuvres_per_satellite_yr(650.0, np.array([20.0, 40.0, 80.0]))
    assert m[1] == pytest.approx(2 * m[0]) and m[2] == pytest.approx(2 * m[1])
    ratio = debris.manoeuvres_per_satellite_yr(800.0, 40.0) / debris.manoeuvres_per_satellite_yr(550.0, 40.0)
    assert ratio == pytest.approx(debris.object_flux_per_m2_yr(800.0) / debris.object_flux_per_m2_yr(550.0))
    assert debris.manoeuvres_per_satellite_yr(650.0, 0.0) == 0.0


def test_reference_inputs_change_the_calibration():
    base = debris.manoeuvres_per_satellite_yr(650.0, 40.0)
    assert debris.manoeuvres_per_satellite_yr(650.0, 40.0, reference_manoeuvres_per_yr=150_000.0) == (
        pytest.approx(base / 2))
    assert debris.manoeuvres_per_satellite_yr(650.0, 40.0, reference_area_m2=80.0) == pytest.approx(base / 2)
    # calibrating at the target altitude returns the reference per-satellite rate for the reference area
    assert debris.manoeuvres_per_satellite_yr(650.0, 40.0, reference_altitude_km=650.0) == (
        pytest.approx(STARLINK_MANOEUVRES_2025 / STARLINK_SATELLITES))


def test_module_defaults_match_the_registry():
    reg = load_registry()
    assert reg["debris.reference_manoeuvres_per_yr"].default == debris.REFERENCE_MANOEUVRES_PER_YR
    assert reg["debris.reference_satellites"].default == debris.REFERENCE_SATELLITES
    assert reg["debris.reference_altitude_km"].default == debris.REFERENCE_ALTITUDE_KM
    assert reg["debris.reference_cross_section_m2"].default == debris.REFERENCE_AREA_M2
    assert reg["debris.enabled"].kind == "bool" and reg["debris.enabled"].default is True
    lo, hi = debris.FLUX_ALTITUDE_RANGE_KM
    assert (reg["debris.reference_altitude_km"].min, reg["debris.reference_altitude_km"].max) == (lo, hi)


# ---------------------------------------------------------------------------------------- probability
def test_collision_probability_closed_form():
    flux = debris.object_flux_per_m2_yr(650.0, 10.0)
    x = flux * 100.0 * 5.0
    assert debris.collision_probability_per_yr(650.0, 100.0, duration_yr=5.0) == pytest.approx(1 - np.exp(-x))
    # avoidance removes a fraction of the flux
    assert debris.collision_probability_per_yr(650.0, 100.0, 5.0, avoided_fraction=0.9) == pytest.approx(
        1 - np.exp(-0.1 * x))
    # CNES row reproduced: Spot, 800 km, 20 m2, > 1 cm: 5.53e-3 per year
    assert debris.collision_probability_per_yr(800.0, 20.0, min_size_cm=1.0) == pytest.approx(5.53e-3, rel=1e-9)
    assert debris.collision_probability_per_yr(650.0, 0.0) == 0.0
    assert debris.collision_probability_per_yr(650.0, 1e9) == pytest.approx(1.0)


def test_fleet_collision_probability():
    p = debris.collision_probability_per_yr(650.0, 100.0)
    assert debris.fleet_collision_probability_per_yr(p, 1.0) == pytest.approx(p)
    assert debris.fleet_collision_probability_per_yr(p, 1000.0) == pytest.approx(1 - (1 - p) ** 1000)
    assert debris.fleet_collision_probability_per_yr(0.5, [0.0, 1.0, 2.0]) == pytest.approx([0.0, 0.5, 0.75])


def test_mean_cross_section_is_half_the_plate_area():
    assert debris.mean_cross_section_m2(np.array([0.0, 100.0])) == pytest.approx([0.0, 50.0])


# ------------------------------------------------------------------------------------------------ costs
def test_delta_v_and_outage_by_hand():
    assert debris.avoidance_dv_m_per_s_per_yr(40.0, 0.05) == pytest.approx(2.0)
    assert debris.avoidance_outage_fraction(35.04, 0.25) == pytest.approx(35.04 * 0.25 / 8760.0)
    assert debris.avoidance_outage_fraction(1e6, 1.0) == 1.0  # capped
    m = debris.manoeuvres_per_satellite_yr(np.array([550.0, 650.0]), 40.0)
    assert debris.avoidance_dv_m_per_s_per_yr(m, 0.05).shape == (2,)


# ------------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize("alt", [399.0, 1501.0, 36000.0, np.nan])
def test_out_of_table_altitude_raises_with_range(alt):
    with pytest.raises(ValueError, match=r"altitude_km must be in \[400, 1500\] km"):
        debris.object_flux_per_m2_yr(alt)
    with pytest.raises(ValueError, match="altitude_km"):
        debris.manoeuvres_per_satellite_yr([650.0, alt], 40.0)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: debris.object_flux_per_m2_yr(650.0, 0.5), r"min_size_cm must be in \[1, 10\] cm"),
        (lambda: debris.manoeuvres_per_satellite_yr(650.0, -1.0), r"area_m2 must be in \[0, inf\] m2"),
        (lambda: debris.collision_probability_per_yr(650.0, 10.0, duration_yr=-1.0), "duration_yr"),
        (lambda: debris.collision_probability_per_yr(650.0, 10.0, avoided_fraction=1.5), "avoided_fraction"),
        (lambda: debris.manoeuvres_per_satellite_yr(650.0, 10.0, reference_satellites=0.0), "reference_satellites"),
        (lambda: debris.manoeuvres_per_satellite_yr(650.0, 10.0, reference_altitude_km=300.0), "altitude_km"),
        (lambda: debris.avoidance_dv_m_per_s_per_yr(-1.0, 0.05), "manoeuvres"),
        (lambda: debris.avoidance_outage_fraction(1.0, -0.1), "outage_h_per_manoeuvre"),
        (lambda: debris.fleet_collision_probability_per_yr(1.2, 10.0), "probability_per_satellite"),
    ],
)
def test_invalid_inputs_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# ------------------------------------------------------------------------------ formations and job stalls
def test_stall_availability_is_the_span_mixture_of_independent_outages():
    """1,024 accelerators on 74 per satellite: (J - 1)/a = 13.82, so a job spans 14 satellites with probability
    0.18 and 15 with 0.82; 8 on 74 spans 1 or 2 (7/74). Checked against a brute-force average over every offset
    of a job on the accelerator lattice and against the small-p limit E[S] p."""
    p = 0.02
    for size, per in ((1024, 74), (8, 74), (74, 74), (1, 74), (300, 7)):
        spans = [(o + size - 1) // per + 1 for o in range(per)]  # every start offset within a satellite
        brute = np.mean([(1 - p) ** s for s in spans])
        assert debris.stall_availability(p, size, per) == pytest.approx(brute, rel=1e-12)
    assert 1 - debris.stall_availability(1e-6, 1024, 74) == pytest.approx(1e-6 * (1 + 1023 / 74), rel=1e-5)
    assert debris.stall_availability(p, 1024, 74, max_span=10) == pytest.approx((1 - p) ** 10)
    assert debris.stall_availability(0.0, 1024, 74) == 1.0
    np.testing.assert_allclose(debris.stall_availability([0.0, 1.0], 8, 74), [1.0, 0.0])


def test_formation_factor_between_one_member_and_the_union_bound():
    """A formation's manoeuvres: one member's when the trigger disc dwarfs the formation, N members' when the
    discs are disjoint (the Poisson superposition), the Minkowski disc (1 + R/r_t)^2 between."""
    r_t = 1000.0
    area = np.pi * r_t**2
    assert debris.formation_manoeuvre_factor(area, 0.0, 81) == pytest.approx(1.0)
    assert debris.formation_manoeuvre_factor(area, 1000.0, 81) == pytest.approx(4.0)
    assert debris.formation_manoeuvre_factor(area, 1e6, 81) == pytest.approx(81.0)  # disjoint: N streams
    assert debris.formation_manoeuvre_factor(0.0, 1000.0, 81) == 1.0
    # the default satellite at 650 km: its trigger disc (6.7 km) is far wider than the 1 km formation
    m = float(debris.manoeuvres_per_satellite_yr(650.0, 900.0))
    a_t = debris.manoeuvre_trigger_area_m2(m, 650.0)
    assert a_t == pytest.approx(debris.manoeuvres_per_expected_collision() * 900.0, rel=1e-9)  # k A
    assert 1.0 < debris.formation_manoeuvre_factor(a_t, 1000.0, 81) < 1.5
    with pytest.raises(ValueError, match="cluster_satellites"):
        debris.formation_manoeuvre_factor(area, 1000.0, 0.5)
