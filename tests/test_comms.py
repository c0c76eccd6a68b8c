"""Tests of terawatt.physics.comms: optical ISL budget (Suncatcher class), cluster spacing, ground segment, latency."""

from __future__ import annotations

import math

import numpy as np
import pytest

from terawatt.params import defaults
from terawatt.physics import comms

D = defaults()
#: Registry defaults of the ISL budget: 1 W, 1,550 nm, 10 cm apertures, 3 + 3 dB losses, 100 photons/bit,
#: 8 x 100 Gbps DWDM each way.
ISL = {
    "tx_power_w": D["links.isl_tx_power_w"],
    "wavelength_m": D["links.isl_wavelength_m"],
    "tx_aperture_m": D["links.isl_tx_aperture_m"],
    "rx_aperture_m": D["links.isl_rx_aperture_m"],
    "pointing_loss_db": D["links.isl_pointing_loss_db"],
    "other_losses_db": D["links.isl_other_losses_db"],
    "sensitivity_photons_per_bit": D["links.isl_sensitivity_photons_per_bit"],
    "wdm_channels": D["links.isl_wdm_channels"],
    "max_rate_per_channel_gbps": D["links.isl_channel_rate_gbps"],
}


# ------------------------------------------------------------------------------------------ optical ISL
def test_suncatcher_bench_class_at_cluster_spacing():
    # Suncatcher bench: 800 Gbps each way = 1.6 Tbps total per transceiver pair. Stated assumptions: the registry
    # defaults above; the cluster links (100-200 m) are inside the near field (~5 km) and line-rate limited.
    for r in (100.0, 150.0, 200.0):
        one_way = comms.optical_link_rate_gbps(r, **ISL)
        assert one_way == pytest.approx(800.0, rel=1e-12)
        assert 2 * one_way == pytest.approx(1600.0)


def test_near_field_cap_and_far_field_inverse_square():
    lam, d = 1.55e-6, 0.1
    r_c = math.pi * d * d / (4 * lam)  # ~5.07 km
    assert comms.optical_geometric_coupling([1.0, r_c / 2, r_c], lam, d, d) == pytest.approx([1.0, 1.0, 1.0])
    assert comms.optical_geometric_coupling(2 * r_c, lam, d, d) == pytest.approx(0.25)
    # power-limited far field: rate ~ 1/R^2
    r1, r2 = 2.0e6, 4.0e6
    rate1, rate2 = comms.optical_link_rate_gbps(np.array([r1, r2]), **ISL)
    assert rate1 / rate2 == pytest.approx(4.0, rel=1e-12)
    assert rate1 < 800.0


def test_link_budget_by_hand():
    # 2,000 km, defaults: coupling = (pi 0.01 / (4 1.55e-6 2e6))^2; per channel P_r = 1/8 x coupling x 10^-0.6
    coupling = (math.pi * 0.1 * 0.1 / (4 * 1.55e-6 * 2.0e6)) ** 2
    p_r = 1.0 / 8 * coupling * 10 ** -0.6
    photon = 6.62607015e-34 * 299792458.0 / 1.55e-6
    expected = 8 * p_r / (100 * photon) / 1e9
    assert comms.optical_link_rate_gbps(2.0e6, **ISL) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(125.8, rel=1e-3)


def test_rate_monotone_and_broadcasts():
    r = np.geomspace(100.0, 1e7, 50)
    rate = comms.optical_link_rate_gbps(r, **ISL)
    assert rate.shape == (50,) and np.all(np.diff(rate) <= 1e-9)
    grid = comms.optical_link_rate_gbps(r[:, None], **{**ISL, "wdm_channels": np.array([1, 8, 16])})
    assert grid.shape == (50, 3)
    assert grid[0].tolist() == pytest.approx([100.0, 800.0, 1600.0])
    assert np.ndim(comms.optical_link_rate_gbps(200.0, **ISL)) == 0


# ------------------------------------------------------------------------------------------------ cluster
def test_suncatcher_cluster_spacing():
    d = comms.cluster_neighbour_range_m(81, 1000.0)
    assert 100.0 <= d <= 200.0
    assert d == pytest.approx(1000.0 * math.sqrt(math.pi / 81))  # 196.9 m
    assert comms.cluster_neighbour_range_m(81, 1000.0, "hexagonal") == pytest.approx(211.6, abs=0.1)
    assert comms.cluster_neighbour_range_m(81, 1000.0, "ball") == pytest.approx(372.6, abs=0.1)
    assert comms.cluster_neighbour_range_m([81, 324], [[1000.0], [2000.0]]).shape == (2, 2)
    # four times the satellites in the same disc: half the spacing
    assert comms.cluster_neighbour_range_m(324, 1000.0) == pytest.approx(d / 2)


def test_cluster_isl_chain():
    rng = comms.cluster_neighbour_range_m(D["links.cluster_satellites"], D["links.cluster_radius_m"],
                                          D["links.cluster_packing"])
    assert comms.optical_link_rate_gbps(rng, **ISL) == pytest.approx(800.0)


# ------------------------------------------------------------------------------------------ ground demand
def test_downlink_required_by_hand():
    # 100,000 B200s x 11,264 tokens/s x 0.8 x 4 B x 8 bit = 28.8 Gbit/s
    got = comms.downlink_required_gbps(1e5, 11264.0, 4.0, 0.8, 0.0, 6.5e12, 24.0)
    assert got == pytest.approx(1e5 * 11264 * 0.8 * 4 * 8 / 1e9)
    # all training: one 6.5 TB checkpoint a day = 0.602 Gbit/s
    got = comms.downlink_required_gbps(1e5, 11264.0, 4.0, 0.8, 1.0, 6.5e12, 24.0)
    assert got == pytest.approx(6.5e12 * 8 / 86400 / 1e9)
    mixed = comms.downlink_required_gbps(1e5, 11264.0, 4.0, 0.8, np.array([0.0, 0.5, 1.0]), 6.5e12, 24.0)
    assert mixed.shape == (3,) and mixed[1] == pytest.approx(0.5 * (mixed[0] + mixed[2]))


def test_uplink_required_by_hand():
    got = comms.uplink_required_gbps(1e5, 11264.0, 16.0, 0.8, 0.0, 1e3)
    assert got == pytest.approx(1e5 * 0.8 * 11264 * 16 * 8 / 1e9)
    assert comms.uplink_required_gbps(1e5, 11264.0, 16.0, 0.8, 1.0, 1e3) == pytest.approx(1e5 * 0.8 * 1e3 * 8 / 1e9)


# ------------------------------------------------------------------------------------------ ground supply
def test_site_diversity():
    assert comms.optical_ground_availability([1, 2, 3], 0.69) == pytest.approx([0.69, 1 - 0.31**2, 1 - 0.31**3])
    assert comms.optical_ground_availability(5, 1.0) == 1.0
    assert comms.optical_ground_availability(5, 0.0) == 0.0


def test_ground_stations_by_hand():
    # 28.8 Gbps over 100 Gbps stations, availability 0.9039 (2 sites at 0.69), always in contact: 1 station
    assert comms.ground_stations_needed(28.8, 100.0, 0.9039) == 1
    # direct passes, 0.71 % contact: ceil(28.8 / (100 x 0.9039 x 0.0071)) = 45
    assert comms.ground_stations_needed(28.8, 100.0, 0.9039, 0.0071) == math.ceil(28.8 / (100 * 0.9039 * 0.0071))
    assert comms.ground_stations_needed(300.0, 100.0, 1.0) == 3  # exact multiple, no float creep
    assert comms.ground_stations_needed(0.0, 100.0, 1.0) == 0
    assert comms.ground_stations_needed(np.array([1.0, 250.0]), 100.0, 1.0).tolist() == [1.0, 3.0]


def test_ka_band_rate():
    # 2.5 GHz x 4 bit/s/Hz x 2 polarizations = 20 Gbit/s
    assert comms.rf_link_rate_gbps(2.5e9, 4.0, 2) == pytest.approx(20.0)


# ------------------------------------------------------------------------------------------------ geometry
def test_slant_range_and_latency_by_hand():
    re = 6378.137
    h, eps = 650.0, math.radians(25.0)
    rho = math.sqrt((re + h) ** 2 - (re * math.cos(eps)) ** 2) - re * math.sin(eps)
    assert comms.slant_range_km(650.0, 25.0) == pytest.approx(rho)
    assert rho == pytest.approx(1302.0, abs=0.5)
    assert comms.slant_range_km(650.0, 90.0) == pytest.approx(650.0)  # zenith
    assert comms.latency_ms(650.0, 25.0, 5.0) == pytest.approx(rho / 299792.458 * 1e3 + 5.0)
    assert comms.latency_ms(650.0, 90.0, 0.0) == pytest.approx(650.0 / 299792.458 * 1e3)  # 2.168 ms
    # two relay hops of 1,000 km add 6.67 ms
    extra = comms.latency_ms(650.0, 25.0, 5.0, 2, 1000.0) - comms.latency_ms(650.0, 25.0, 5.0)
    assert extra == pytest.approx(2000.0 / 299792.458 * 1e3)
    assert comms.latency_ms(np.array([550.0, 650.0])[:, None], np.array([10.0, 25.0, 40.0]), 5.0).shape == (2, 3)


def test_station_contact_fraction_by_hand():
    re = 6378.137
    lam = math.acos(re / (re + 650.0) * math.cos(math.radians(25.0))) - math.radians(25.0)
    assert comms.station_contact_fraction(650.0, 25.0) == pytest.approx((1 - math.cos(lam)) / 2)
    assert comms.station_contact_fraction(650.0, 25.0) == pytest.approx(0.0071, abs=1e-4)
    f = comms.station_contact_fraction(650.0, np.array([0.0, 10.0, 25.0, 40.0]))
    assert np.all(np.diff(f) < 0)
    assert comms.station_contact_fraction(650.0, 90.0) == pytest.approx(0.0, abs=1e-15)


# ---------------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: comms.optical_link_rate_gbps(0.0, **ISL), r"range_m must be in \(0, inf\) m"),
        (lambda: comms.optical_link_rate_gbps(200.0, **{**ISL, "tx_power_w": -1.0}), "tx_power_w"),
        (lambda: comms.optical_link_rate_gbps(200.0, **{**ISL, "wdm_channels": 0}), "wdm_channels"),
        (lambda: comms.optical_link_rate_gbps(200.0, **{**ISL, "pointing_loss_db": -3.0}), "pointing_loss_db"),
        (lambda: comms.optical_link_rate_gbps(200.0, **{**ISL, "wavelength_m": 1.55}), r"wavelength_m .* m"),
        (lambda: comms.cluster_neighbour_range_m(1, 1000.0), r"n_satellites must be in \[2, inf\)"),
        (lambda: comms.cluster_neighbour_range_m(81, 1000.0, "cube"), "packing must be one of"),
        (lambda: comms.downlink_required_gbps(1e5, 1e4, 4.0, 1.2, 0.0, 1e12, 24.0), "utilization"),
        (lambda: comms.downlink_required_gbps(1e5, 1e4, 4.0, 0.8, 0.0, 1e12, 0.0), "checkpoint_interval_h"),
        (lambda: comms.ground_stations_needed(10.0, 100.0, 0.0), r"availability must be in \(0, 1\]"),
        (lambda: comms.ground_stations_needed(10.0, 0.0, 0.9), "station_rate_gbps"),
        (lambda: comms.optical_ground_availability(0, 0.7), "n_sites"),
        (lambda: comms.optical_ground_availability(2, 1.7), "site_clear_sky_probability"),
        (lambda: comms.latency_ms(100.0, 25.0, 5.0), r"altitude_km must be in \[150, 50000\] km"),
        (lambda: comms.latency_ms(650.0, 95.0, 5.0), r"elevation_deg_min must be in \[0, 90\] deg"),
        (lambda: comms.rf_link_rate_gbps(2.5e9, 4.0, 3), "polarizations"),
    ],
)
def test_invalid_inputs_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
