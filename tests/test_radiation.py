"""Radiation dose (AE-8/AP-8 along the ground track, SPE, GCR, aluminium shielding) and its effects on compute.

Most tests use the shipped table (fast path); a few call the direct computation on one orbit (~2-3 s each).
"""

from __future__ import annotations

import numpy as np
import pytest

from terawatt.params.spec import load_registry
from terawatt.physics import radiation as rad
from terawatt.physics.orbit import sso_inclination_deg

#: Largest relative error of the table against direct computation allowed at off-grid points: the build
#: script's ``--check`` over random orbits (300-1,500 km, 0-90 deg or SSO, 1-50 mm) gives the figures quoted in
#: ``dose_rate_rad_per_yr``'s docstring; 10 % covers its worst case with margin.
INTERP_TOL = 0.10
#: Suncatcher (arXiv 2511.19468): ~150 rad(Si)/yr behind ~10 mm Al at 650 km dawn-dusk SSO. Stated factor: 1.5
#: (AP-8 vs AP-9, field epoch, sphere vs real geometry each move it tens of percent).
SUNCATCHER_RAD_PER_YR, SUNCATCHER_FACTOR = 150.0, 1.5


# ----------------------------------------------------------------------------------------- model ingredients
def test_aep8_port_matches_radbelt():
    from radbelt import aep8, igrf

    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(-60, 60, 25), rng.uniform(-180, 180, 25)
    lv, bb0 = igrf(lon, lat, rng.uniform(400, 1500, 25), 1970.0)
    for particle, energies in (("p", np.array([0.5, 12.0, 70.0])), ("e", np.array([0.1, 0.9, 3.3]))):
        _, _, map_e, _ = rad._model_map(particle, "max")
        mine = rad._interp_energy(rad._map_log_flux(particle, "max", lv, bb0), map_e, energies)
        ref = np.stack([aep8(e, lv, bb0, particle, "max") for e in energies], axis=1)
        ref = np.where(ref > 1.0, ref, 0.0)  # radbelt returns 10**0 = 1 cm-2 s-1 where the model has no flux
        assert np.array_equal(mine > 0, ref > 0)
        np.testing.assert_allclose(mine[ref > 0], ref[ref > 0], rtol=1e-5)


def test_stopping_powers_match_nist_water():
    # NIST PSTAR (protons) and ESTAR (electrons), liquid water: S [MeV cm2/g] and CSDA range [g/cm2].
    np.testing.assert_allclose(rad.proton_stopping_mev_cm2_per_g([1.0, 10.0, 100.0], "water"),
                               [260.8, 45.67, 7.289], rtol=0.02)
    e, r = rad._proton_range_table("water")
    np.testing.assert_allclose(np.interp(np.log([10.0, 100.0]), np.log(e), r), [0.1230, 7.718], rtol=0.01)
    np.testing.assert_allclose(rad.electron_collision_stopping_mev_cm2_per_g([0.1, 1.0, 10.0], "water"),
                               [4.115, 1.849, 1.968], rtol=0.02)


# ------------------------------------------------------------------------------------------------ fast path
def test_scalar_in_scalar_out():
    d = rad.dose_rate_rad_per_yr(650.0, np.nan, 10.0)
    for v in (d.trapped_proton_rad_per_yr, d.trapped_electron_rad_per_yr, d.solar_particle_rad_per_yr,
              d.gcr_rad_per_yr, d.total_rad_per_yr):
        assert isinstance(v, np.float64) and v >= 0.0
    parts = d.trapped_proton_rad_per_yr + d.trapped_electron_rad_per_yr + d.solar_particle_rad_per_yr
    assert d.total_rad_per_yr == pytest.approx(parts + d.gcr_rad_per_yr)


def test_arrays_broadcast():
    d = rad.dose_rate_rad_per_yr(np.array([[500.0], [800.0], [1100.0]]), np.nan, np.array([2.0, 5.0, 10.0, 20.0]))
    assert d.total_rad_per_yr.shape == (3, 4)
    n = 200_000
    rng = np.random.default_rng(0)
    big = rad.dose_rate_rad_per_yr(rng.uniform(400, 1200, n), np.where(rng.random(n) < 0.5, np.nan, 53.0),
                                   rng.uniform(1, 30, n))
    assert big.total_rad_per_yr.shape == (n,) and np.all(np.isfinite(big.total_rad_per_yr))


def test_nan_inclination_is_sun_synchronous():
    a = rad.dose_rate_rad_per_yr(700.0, np.nan, 8.0).total_rad_per_yr
    b = rad.dose_rate_rad_per_yr(700.0, sso_inclination_deg(700.0), 8.0).total_rad_per_yr
    c = rad.dose_rate_rad_per_yr(700.0, 180.0 - sso_inclination_deg(700.0), 8.0).total_rad_per_yr
    assert a == pytest.approx(b, rel=1e-6) and a == pytest.approx(c, rel=1e-6)


def test_dose_decreases_with_shielding():
    t = np.linspace(0.0, 100.0, 401)
    for alt, inc in ((400.0, 51.6), (650.0, np.nan), (1200.0, 87.0), (550.0, 0.0)):
        d = rad.dose_rate_rad_per_yr(alt, inc, t, "max").total_rad_per_yr
        assert np.all(np.diff(d) < 0.0), (alt, inc)


def test_dose_rises_with_altitude_in_leo():
    alt = np.arange(400.0, 1201.0, 25.0)
    for inc in (np.nan, 51.6, 30.0):
        d = rad.dose_rate_rad_per_yr(alt, inc, 10.0).total_rad_per_yr
        assert np.all(np.diff(d) > 0.0), inc


def test_trapped_protons_higher_at_solar_minimum():
    # AP-8 MIN > AP-8 MAX in LEO: at solar maximum the heated upper atmosphere removes more low-altitude protons.
    lo = rad.dose_rate_rad_per_yr([500.0, 650.0, 900.0], np.nan, 10.0, "min").trapped_proton_rad_per_yr
    hi = rad.dose_rate_rad_per_yr([500.0, 650.0, 900.0], np.nan, 10.0, "max").trapped_proton_rad_per_yr
    assert np.all(lo > 1.2 * hi)
    node = [rad.dose_rate_rad_per_yr(500.0, 30.0, 10.0, s).trapped_proton_rad_per_yr for s in ("min", "max", "mean")]
    assert node[2] == pytest.approx(0.5 * (node[0] + node[1]), rel=1e-5)  # 'mean' = average of min and max


def test_solar_particles_and_cosmic_rays():
    spe = [rad.dose_rate_rad_per_yr(650.0, np.nan, 10.0, s).solar_particle_rad_per_yr for s in ("min", "mean", "max")]
    assert spe[0] == 0.0 and spe[2] > 0.0 and spe[1] == pytest.approx(spe[2] / 2)
    assert rad.dose_rate_rad_per_yr(650.0, np.nan, 10.0, "max", spe_events_per_yr_solar_max=0.28) \
        .solar_particle_rad_per_yr == pytest.approx(2 * spe[2])
    # geomagnetic shielding: an equatorial orbit sees far fewer solar and cosmic particles than a polar one
    eq, polar = (rad.dose_rate_rad_per_yr(650.0, i, 10.0, "max") for i in (0.0, 90.0))
    assert eq.solar_particle_rad_per_yr < 1e-3 * polar.solar_particle_rad_per_yr
    assert eq.gcr_rad_per_yr < 0.5 * polar.gcr_rad_per_yr
    assert rad.dose_rate_rad_per_yr(650.0, 90.0, 10.0, "max", gcr_scale=2.0).gcr_rad_per_yr \
        == pytest.approx(2 * polar.gcr_rad_per_yr)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"altitude_km": 150.0}, ("altitude_km", "km", "200", "2000")),
        ({"altitude_km": 2500.0}, ("altitude_km", "km")),
        ({"shielding_mm_al": 150.0}, ("shielding_mm_al", "mm", "100")),
        ({"shielding_mm_al": -1.0}, ("shielding_mm_al", "mm")),
        ({"inclination_deg": 200.0}, ("inclination_deg", "deg", "180")),
        ({"solar": "medium"}, ("solar", "min", "max", "mean")),
    ],
)
def test_out_of_table_inputs_raise(kwargs, words):
    args = {"altitude_km": 650.0, "inclination_deg": np.nan, "shielding_mm_al": 10.0} | kwargs
    with pytest.raises(ValueError) as info:
        rad.dose_rate_rad_per_yr(**args)
    assert all(w in str(info.value) for w in words), str(info.value)


# ------------------------------------------------------------------------------- direct path and validation
def test_table_reproduces_direct_on_nodes_and_between():
    shield = np.array([2.0, 10.0])
    direct = rad.dose_rate_direct(500.0, 30.0, shield, "max").total_rad_per_yr  # a table node
    np.testing.assert_allclose(rad.dose_rate_rad_per_yr(500.0, 30.0, shield, "max").total_rad_per_yr, direct,
                               rtol=1e-5)  # the table is interpolated in float32
    direct = rad.dose_rate_direct(575.0, 97.6, 7.3, "min").total_rad_per_yr  # between nodes on every axis
    table = rad.dose_rate_rad_per_yr(575.0, 97.6, 7.3, "min").total_rad_per_yr
    assert table == pytest.approx(direct, rel=INTERP_TOL)


def test_orbit_average_flux_shapes():
    f = rad.trapped_flux_orbit_average(650.0, np.nan, "max", "p", np.array([10.0, 30.0, 100.0]))
    assert f.shape == (3,) and np.all(np.diff(f) < 0) and f[0] > 0
    with pytest.raises(ValueError, match="particle"):
        rad.trapped_flux_orbit_average(650.0, np.nan, "max", "alpha", [1.0])


def test_south_atlantic_anomaly_exceeds_orbit_average():
    # (-30, -35) lies in the SAA of the 1964/1970 field the trapped models use (today ~15 deg further west).
    saa = rad.point_dose_rad_per_yr(-30.0, -35.0, 650.0, 10.0, "min")
    pacific = rad.point_dose_rad_per_yr(10.0, -150.0, 650.0, 10.0, "min")
    orbit = rad.dose_rate_rad_per_yr(650.0, np.nan, 10.0, "min")
    assert saa.trapped_proton_rad_per_yr > 10 * orbit.trapped_proton_rad_per_yr
    assert saa.total_rad_per_yr > orbit.total_rad_per_yr
    assert pacific.trapped_proton_rad_per_yr < 1e-3 * saa.trapped_proton_rad_per_yr


def test_suncatcher_650km_sso_10mm():
    d = rad.dose_rate_rad_per_yr(650.0, np.nan, 10.0, "mean").total_rad_per_yr
    assert SUNCATCHER_RAD_PER_YR / SUNCATCHER_FACTOR < d < SUNCATCHER_RAD_PER_YR * SUNCATCHER_FACTOR


# ------------------------------------------------------------------------------------------ effects on compute
def test_event_rates_and_tid_margin():
    np.testing.assert_allclose(rad.sdc_events_per_chip_year([100.0, 200.0], 1e-3), [0.1, 0.2])
    assert rad.interrupts_per_chip_year(150.0, 0.02, 0.001) == pytest.approx(3.15)
    # host events are shared by the accelerators on the host; HBM errors scale with the capacity factor
    assert rad.interrupts_per_chip_year(100.0, 0.0, 0.0, 0.008, 8) == pytest.approx(0.1)
    assert rad.interrupts_per_chip_year(100.0, 0.01, 0.0, hbm_capacity_factor=3.0) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="accelerators_per_host"):
        rad.interrupts_per_chip_year(100.0, 0.01, 0.0, 0.001, 0.5)
    assert rad.job_interrupts_per_hour(8.76, 1000) == pytest.approx(1.0)
    assert rad.tid_margin(2000.0, 150.0, 5.0) == pytest.approx(2000.0 / 750.0)
    m = rad.tid_margin(2000.0, np.array([0.0, 400.0]), 5.0)
    assert np.isinf(m[0]) and m[1] == pytest.approx(1.0)


def test_hbm_capacity_factor_ends():
    assert rad.hbm_capacity_factor(192.0, 32.0, 0.0) == 1.0  # per chip as tested
    assert rad.hbm_capacity_factor(192.0, 32.0, 1.0) == pytest.approx(6.0)  # per bit
    f = rad.hbm_capacity_factor(np.array([32.0, 80.0, 288.0]), 32.0, 0.5)
    np.testing.assert_allclose(f, np.sqrt([1.0, 2.5, 9.0]))
    with pytest.raises(ValueError, match="exponent"):
        rad.hbm_capacity_factor(80.0, 32.0, 1.5)
    with pytest.raises(ValueError, match="hbm_gb"):
        rad.hbm_capacity_factor(0.0, 32.0, 0.5)


def test_suncatcher_rates_at_their_dose():
    """Suncatcher (arXiv:2511.19468 v2, sec. 2.3): ~1 SDC / 17 rad at ~150 rad/yr is on the order of 1 per 3 million
    inferences at one inference per second (8.8 per 3.15e7 s = 1 per 3.6 million)."""
    sdc = rad.sdc_events_per_chip_year(150.0, 1 / 17)
    assert sdc == pytest.approx(8.82, rel=1e-3)
    per_million = rad.per_million_inferences(sdc, 1.0)
    assert 1e6 / per_million == pytest.approx(3.58e6, rel=0.01)
    np.testing.assert_allclose(rad.per_million_inferences([sdc, 2 * sdc], [1.0, 2.0]), [per_million] * 2)
    with pytest.raises(ValueError, match="inferences_per_s"):
        rad.per_million_inferences(sdc, 0.0)


def test_goodput_young_daly_closed_form():
    """Daly (2006) for exponential interrupts at Young's interval; its first order is Young's 1 - sqrt(2 d l) - R l."""
    lam, delta, r = 0.5, 0.1, 0.2  # per hour, hours
    tau = np.sqrt(2 * delta / lam)
    expected = lam * tau * np.exp(-lam * r) / np.expm1(lam * (tau + delta))
    assert rad.goodput_fraction(lam, delta, r, "training") == pytest.approx(expected, rel=1e-12)
    first_order = 1 - np.sqrt(2 * delta * lam) - r * lam
    for small in (1e-4, 1e-3):  # agrees with the first-order form to second order in the rate
        g1 = 1 - np.sqrt(2 * delta * small) - r * small
        assert abs(rad.goodput_fraction(small, delta, r) - g1) < 3 * (np.sqrt(2 * delta * small) + r * small) ** 2
    assert rad.goodput_fraction(lam, delta, r) > first_order  # the first-order form is pessimistic
    assert rad.goodput_fraction(0.0, delta, r) == 1.0
    assert rad.goodput_fraction(100.0, 1.0, 1.0) < 1e-12
    g = rad.goodput_fraction(np.array([0.0, 0.01, 0.1, 1.0]), 0.05, 0.25)
    assert g.shape == (4,) and np.all(np.diff(g) < 0)
    np.testing.assert_allclose(rad.goodput_fraction([0.1, 2.0, 10.0], 0.05, 0.25, "inference"), [0.975, 0.5, 0.0])
    with pytest.raises(ValueError, match="workload"):
        rad.goodput_fraction(0.1, 0.1, 0.1, "batch")
    with pytest.raises(ValueError, match="checkpoint_cost_h"):
        rad.goodput_fraction(0.1, -0.1, 0.1)


def test_llama3_calibration_in_closed_form():
    """Llama 3 (arXiv:2407.21783 sec. 3.3.4): 419 unexpected interruptions in 54 days, '>90% effective training
    time'; the registry's checkpoint and restart costs reproduce it, the former 108 s / 15 min gave 80 % (78 % in
    the first-order form)."""
    reg = load_registry()
    lam = 419 / (54 * 24)
    g = rad.goodput_fraction(lam, reg["workload.checkpoint_cost_h"].default, reg["workload.restart_cost_h"].default)
    assert 0.90 < g < 0.95
    assert rad.goodput_fraction(lam, 0.03, 0.25) == pytest.approx(0.80, abs=0.005)  # 0.78 at first order


def test_inference_goodput():
    assert rad.inference_goodput_fraction(0.0, 0.1) == 1.0
    assert rad.inference_goodput_fraction(0.5, 0.1, 2.0, 0.01) == pytest.approx(1 - 0.05 - 0.02)
    g = rad.inference_goodput_fraction(np.array([0.0, 1.0, 100.0]), 0.05)
    np.testing.assert_allclose(g, [1.0, 0.95, 0.0])
    with pytest.raises(ValueError, match="retry_cost_h"):
        rad.inference_goodput_fraction(0.1, 0.1, 0.1, -1.0)


def test_dose_scales_broadcast_over_samples():
    """radiation.spe_events_per_yr_solar_max and radiation.gcr_scale as N-sample arrays (Monte Carlo)."""
    one = rad.dose_rate_rad_per_yr(650.0, np.nan, 10.0, "mean")
    many = rad.dose_rate_rad_per_yr(650.0, np.nan, 10.0, "mean", np.array([0.0, 0.14, 0.28]), np.array([1.0, 1.0, 2.0]))
    assert many.total_rad_per_yr.shape == (3,)
    assert many.solar_particle_rad_per_yr[0] == 0.0
    assert many.solar_particle_rad_per_yr[2] == pytest.approx(2 * one.solar_particle_rad_per_yr)
    assert many.gcr_rad_per_yr[2] == pytest.approx(2 * one.gcr_rad_per_yr)
    assert many.total_rad_per_yr[1] == pytest.approx(one.total_rad_per_yr)
    with pytest.raises(ValueError, match="gcr_scale"):
        rad.dose_rate_rad_per_yr(650.0, np.nan, 10.0, "mean", 0.14, -1.0)


def test_registry_entries():
    reg = load_registry()
    for key in ("radiation.enabled", "radiation.solar_activity", "radiation.sdc_per_chip_per_rad",
                "radiation.hbm_uecc_per_chip_per_rad", "radiation.sefi_per_chip_per_rad",
                "radiation.host_sefi_per_host_per_rad", "radiation.hbm_capacity_exponent",
                "radiation.sdc_detected_fraction", "radiation.dose_rad_per_yr",
                "radiation.spe_events_per_yr_solar_max", "radiation.gcr_scale", "radiation.shielding_mm_al",
                "workload.kind", "workload.checkpoint_cost_h", "workload.restart_cost_h",
                "workload.accelerators_per_replica", "workload.accelerators_per_training_job",
                "workload.interruptions_per_accelerator_yr"):
        assert key in reg and len(reg[key].source) > 10, key
    for gone in ("radiation.workload_kind", "radiation.accelerators_per_job", "radiation.checkpoint_cost_h",
                 "radiation.restart_cost_h", "radiation.functional_interrupts_per_chip_per_rad",
                 "links.training_fraction"):
        assert gone not in reg, gone
    # every radiation rate is sourced from the paper (no placeholders), with a range and a distribution
    for key, spec in reg.items():
        if key.startswith("radiation."):
            assert "PLACEHOLDER" not in spec.source and "UNVERIFIED" not in spec.source, key
    for key in ("radiation.sdc_per_chip_per_rad", "radiation.hbm_uecc_per_chip_per_rad",
                "radiation.sefi_per_chip_per_rad", "radiation.host_sefi_per_host_per_rad",
                "radiation.hbm_capacity_exponent", "radiation.sdc_detected_fraction"):
        spec = reg[key]
        assert spec.range and spec.distribution and spec.range[0] <= spec.default <= spec.range[1], key
        assert "2511.19468" in spec.source or key in ("radiation.hbm_capacity_exponent",), key
    assert reg["radiation.hbm_capacity_exponent"].range == [0.0, 1.0]
    assert reg["radiation.sdc_per_chip_per_rad"].default == pytest.approx(1 / 17, rel=0.01)
    assert reg["radiation.hbm_uecc_per_chip_per_rad"].default == pytest.approx(1 / 44, rel=0.01)
    assert reg["radiation.sefi_per_chip_per_rad"].default == pytest.approx(1 / 5000)
    assert reg["radiation.host_sefi_per_host_per_rad"].default == pytest.approx(1 / 450 + 1 / 400, rel=0.01)
    assert reg["workload.kind"].choices == ["inference", "training", "mixed"]
    assert reg["workload.kind"].default == "inference"
    assert reg["workload.interruptions_per_accelerator_yr"].default == pytest.approx(419 / (16384 * 54 / 365),
                                                                                     rel=0.01)
    assert reg["radiation.solar_activity"].choices == ["min", "mean", "max"]
    # the function defaults mirror the registry defaults
    import inspect

    sig = inspect.signature(rad.dose_rate_rad_per_yr).parameters
    assert sig["spe_events_per_yr_solar_max"].default == reg["radiation.spe_events_per_yr_solar_max"].default
    assert sig["gcr_scale"].default == reg["radiation.gcr_scale"].default
    assert sig["solar"].default == reg["radiation.solar_activity"].default
    assert reg["radiation.shielding_mm_al"].max <= rad.TABLE_SHIELDING_MM[-1]
    table = rad.dose_table()
    assert table["dose"].shape == (4, 2, table["altitude_km"].size, table["inclination_deg"].size,
                                   table["shielding_mm"].size)
