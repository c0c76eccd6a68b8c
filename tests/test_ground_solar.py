"""Tests for terawatt.physics.ground_solar: ground PV yield at pvlib's bundled TMY sites, and orbit/ground.

Reference points for the plausibility bands (this suite runs offline, so nothing is fetched):

* The weather files' own global horizontal insolation, summed here: Greensboro 1,566, Miami 1,793,
  Sand Point 829 kWh/m2/yr (TMY3 723170, TMY2 12839, TMY3 703165).
* NREL's 10-km satellite (SUNY model, 1998-2005) tilt-at-latitude resource for North Carolina,
  4.37-5.15 kWh/m2/day with a state mean of 4.88 kWh/m2/day = 1,781 kWh/m2/yr (NREL state resource
  summary for North Carolina, procedure of Marion & Wilcox 1994; secondary copy consulted). The model
  gives 1,773 kWh/m2/yr at Greensboro (Piedmont, mid-state).
* PVWatts v5 (Dobos 2014, NREL/TP-6A20-62641) is the method reproduced here (same system losses,
  inverter curve, cover model, DC/AC 1.1, tracker limits). The PVWatts calculator's own outputs for these
  cities could not be fetched offline, so the capacity-factor bands below are engineering plausibility
  ranges (DC-nameplate basis, as PVWatts reports), not a regression on published PVWatts runs.

Measured with pvlib 0.16.1 (defaults: Perez, SAPM open-rack, gamma -0.35 %/K, 14.08 % losses, 96 %
inverter, DC/AC 1.1; tracker: horizontal N-S axis, +/-45 deg, GCR 0.4, backtracking):

    site / mounting           POA    AC/eff  CF      orbit/ground (1361 W/m2, sunlit 0.99)
                              kWh/m2/yr      -       poa    dc     ac
    greensboro-nc fixed       1773   1391    0.159   6.66   6.98   8.49
    greensboro-nc 1-axis      1958   1537    0.176   6.03   6.32   7.68
    miami-fl fixed            1918   1477    0.169   6.15   6.58   7.99
    miami-fl 1-axis           2193   1696    0.194   5.38   5.73   6.96
    sand-point-ak fixed       1021    845    0.096  11.56  11.38  13.98
    sand-point-ak 1-axis      1032    850    0.097  11.43  11.32  13.89
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from terawatt.constants import HOURS_PER_YEAR
from terawatt.physics import ground_solar as gs

SITES = ("greensboro-nc", "miami-fl", "sand-point-ak")
DAWN_DUSK_SUNLIT_FRACTION = 0.99
SOLAR_CONSTANT_W_PER_M2 = 1361.0  # Kopp & Lean (2011)


# ------------------------------------------------------------------------------------------------------
# Catalogue
# ------------------------------------------------------------------------------------------------------


def test_catalogue_has_the_three_pvlib_sites():
    sites = gs.load_sites()
    assert set(sites) == set(SITES)
    for name, entry in sites.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name)
        for key in ("file", "format", "latitude_deg", "longitude_deg", "altitude_m", "description", "source"):
            assert key in entry, (name, key)
        assert entry["format"] in ("tmy3", "tmy2")
        assert gs.pvlib_data_path(entry["file"]).is_file()
        assert "pvlib" in entry["source"]
        citation = "43156" if entry["format"] == "tmy3" else "Marion"
        assert citation in entry["source"]


def test_load_sites_returns_a_copy():
    sites = gs.load_sites()
    sites["greensboro-nc"]["latitude_deg"] = 0.0
    del sites["miami-fl"]
    fresh = gs.load_sites()
    assert fresh["greensboro-nc"]["latitude_deg"] == pytest.approx(36.1)
    assert "miami-fl" in fresh


@pytest.mark.parametrize("site", SITES)
def test_catalogue_coordinates_match_file_header(site):
    entry = gs.load_sites()[site]
    weather, header = gs._read_weather(site)
    assert header["latitude"] == pytest.approx(entry["latitude_deg"])
    assert header["longitude"] == pytest.approx(entry["longitude_deg"])
    assert header["altitude"] == pytest.approx(entry["altitude_m"])
    assert len(weather) == int(HOURS_PER_YEAR)
    assert weather.index.minute.unique().tolist() == [30]  # mid-interval stamps


@pytest.mark.parametrize(
    ("site", "ghi_kwh"), [("greensboro-nc", 1566), ("miami-fl", 1793), ("sand-point-ak", 829)]
)
def test_weather_ghi_and_units(site, ghi_kwh):
    weather, _ = gs._read_weather(site)
    assert weather["ghi"].sum() / 1000.0 == pytest.approx(ghi_kwh, abs=1.0)
    # Unit conversions (TMY2 stores tenths of C and tenths of m/s): plausible annual means.
    assert -5.0 < weather["temp_air"].mean() < 30.0
    assert 1.0 < weather["wind_speed"].mean() < 10.0
    assert 9.0e4 < weather["pressure"].mean() < 1.05e5


# ------------------------------------------------------------------------------------------------------
# Ground yield
# ------------------------------------------------------------------------------------------------------


def test_greensboro_fixed_tilt_plausible():
    y = gs.site_annual_yield("greensboro-nc")
    # NREL NC tilt-at-latitude mean 1,781 kWh/m2/yr (module docstring); model 1,773.
    assert 1700.0 < y.poa_insolation_kwh_per_m2_yr < 1950.0
    assert y.poa_insolation_kwh_per_m2_yr > y.ghi_kwh_per_m2_yr  # tilt gain at 36 N
    assert 0.14 < y.capacity_factor < 0.20
    assert 0.72 < y.performance_ratio < 0.85


@pytest.mark.parametrize("site", ["greensboro-nc", "miami-fl"])
def test_capacity_factors_plausible(site):
    fixed = gs.ground_capacity_factor(site, "fixed_latitude_tilt")
    tracker = gs.ground_capacity_factor(site, "single_axis")
    assert 0.14 < fixed < 0.20
    assert 0.17 < tracker < 0.25


def test_sand_point_much_lower_than_miami():
    for mounting in gs.MOUNTINGS:
        ak = gs.site_annual_yield("sand-point-ak", mounting)
        fl = gs.site_annual_yield("miami-fl", mounting)
        assert ak.poa_insolation_kwh_per_m2_yr < 0.6 * fl.poa_insolation_kwh_per_m2_yr
        assert ak.ac_per_efficiency_kwh_per_m2_yr < 0.6 * fl.ac_per_efficiency_kwh_per_m2_yr
        assert ak.capacity_factor < 0.12
    # Cold site: cells run below 25 C on average, so the temperature "loss" is a gain.
    assert gs.site_annual_yield("sand-point-ak").temperature_loss_fraction < 0.0
    assert (
        gs.site_annual_yield("miami-fl").temperature_loss_fraction
        > gs.site_annual_yield("greensboro-nc").temperature_loss_fraction
        > 0.0
    )


@pytest.mark.parametrize("site", SITES)
def test_tracker_beats_fixed(site):
    fixed = gs.site_annual_yield(site, "fixed_latitude_tilt")
    tracker = gs.site_annual_yield(site, "single_axis")
    assert tracker.poa_insolation_kwh_per_m2_yr > fixed.poa_insolation_kwh_per_m2_yr
    assert tracker.ac_per_efficiency_kwh_per_m2_yr > fixed.ac_per_efficiency_kwh_per_m2_yr
    assert tracker.capacity_factor > fixed.capacity_factor


@pytest.mark.parametrize("site", SITES)
def test_loss_chain_is_ordered(site):
    y = gs.site_annual_yield(site)
    assert y.effective_insolation_kwh_per_m2_yr < y.poa_insolation_kwh_per_m2_yr
    assert y.dc_stc_per_efficiency_kwh_per_m2_yr == pytest.approx(y.effective_insolation_kwh_per_m2_yr)
    assert y.dc_net_per_efficiency_kwh_per_m2_yr == pytest.approx(
        y.dc_per_efficiency_kwh_per_m2_yr * (1.0 - gs.DEFAULT_SYSTEM_LOSS_FRACTION)
    )
    assert y.ac_per_efficiency_kwh_per_m2_yr < y.dc_net_per_efficiency_kwh_per_m2_yr
    assert 0.0 < y.iam_loss_fraction < 0.03
    assert 0.03 < y.inverter_loss_fraction < 0.07  # nominal 4 %, more at part load
    assert y.capacity_factor == pytest.approx(y.ac_per_efficiency_kwh_per_m2_yr / HOURS_PER_YEAR)
    assert gs.DEFAULT_SYSTEM_LOSS_FRACTION == pytest.approx(0.1408, abs=1e-4)


def test_result_is_cached_and_frozen():
    a = gs.site_annual_yield("greensboro-nc", "single_axis")
    b = gs.site_annual_yield("greensboro-nc", mounting="single_axis")
    assert a is b
    with pytest.raises(AttributeError):
        a.capacity_factor = 1.0  # type: ignore[misc]


def test_options_move_results_the_right_way():
    base = gs.site_annual_yield("miami-fl")
    hot = gs.site_annual_yield("miami-fl", gamma_pdc_per_k=-0.0047)
    assert hot.dc_per_efficiency_kwh_per_m2_yr < base.dc_per_efficiency_kwh_per_m2_yr
    lossless = gs.site_annual_yield("miami-fl", system_loss_fraction=0.0, inverter_efficiency=1.0)
    assert lossless.dc_net_per_efficiency_kwh_per_m2_yr == pytest.approx(base.dc_per_efficiency_kwh_per_m2_yr)
    assert lossless.ac_per_efficiency_kwh_per_m2_yr > base.ac_per_efficiency_kwh_per_m2_yr
    # Alternative models agree within a few per cent.
    hay = gs.site_annual_yield("miami-fl", transposition_model="haydavies")
    assert hay.poa_insolation_kwh_per_m2_yr == pytest.approx(base.poa_insolation_kwh_per_m2_yr, rel=0.04)
    faiman = gs.site_annual_yield("miami-fl", temperature_model="faiman")
    assert faiman.dc_per_efficiency_kwh_per_m2_yr == pytest.approx(
        base.dc_per_efficiency_kwh_per_m2_yr, rel=0.03
    )


# ------------------------------------------------------------------------------------------------------
# Efficiency scaling and broadcasting
# ------------------------------------------------------------------------------------------------------


def test_ground_energy_is_linear_in_efficiency():
    y = gs.site_annual_yield("greensboro-nc")
    e1 = gs.ground_energy_kwh_per_m2_yr("greensboro-nc", 0.1)
    e2 = gs.ground_energy_kwh_per_m2_yr("greensboro-nc", 0.2)
    assert isinstance(e1, float)
    assert e2 == pytest.approx(2.0 * e1, rel=1e-12)
    assert e1 == pytest.approx(0.1 * y.ac_per_efficiency_kwh_per_m2_yr)
    assert y.ac_energy_kwh_per_m2_yr(0.2) == pytest.approx(e2)
    assert gs.ground_energy_kwh_per_m2_yr("greensboro-nc", 0.2, basis="dc") == pytest.approx(
        y.dc_energy_kwh_per_m2_yr(0.2)
    )
    assert gs.ground_energy_kwh_per_m2_yr("greensboro-nc", 0.2, basis="poa") == pytest.approx(
        0.2 * y.poa_insolation_kwh_per_m2_yr
    )


@pytest.mark.parametrize("shape", [(3,), (2, 3)])
def test_ground_energy_broadcasts_over_arrays(shape):
    eta = np.linspace(0.15, 0.30, int(np.prod(shape))).reshape(shape)
    out = gs.ground_energy_kwh_per_m2_yr("miami-fl", eta, mounting="single_axis")
    assert isinstance(out, np.ndarray)
    assert out.shape == shape
    per_eff = gs.site_annual_yield("miami-fl", "single_axis").ac_per_efficiency_kwh_per_m2_yr
    np.testing.assert_allclose(out, eta * per_eff, rtol=1e-12)


def test_orbit_closed_form():
    e = gs.orbit_energy_kwh_per_m2_yr(1361.0, 0.3, 1.0)
    assert isinstance(e, float)
    assert e == pytest.approx(1361.0 * 0.3 * 8760.0 / 1000.0)
    assert e == pytest.approx(3577.0, abs=0.5)
    assert gs.orbit_energy_kwh_per_m2_yr(1361.0, 0.3, 0.5, cos_incidence=0.5) == pytest.approx(e / 4.0)
    out = gs.orbit_energy_kwh_per_m2_yr(1361.0, np.array([0.2, 0.3]), np.array([[0.6], [0.99]]))
    assert out.shape == (2, 2)
    assert out[1, 1] == pytest.approx(1361.0 * 0.3 * 0.99 * 8.760)
    assert gs.orbit_energy_kwh_per_m2_yr(1361.0, 0.3, 0.0) == 0.0


# ------------------------------------------------------------------------------------------------------
# Orbit / ground ratio
# ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("site", "mounting", "low", "high"),
    [
        ("greensboro-nc", "fixed_latitude_tilt", 6.5, 7.5),
        ("greensboro-nc", "single_axis", 5.8, 6.8),
        ("miami-fl", "fixed_latitude_tilt", 6.0, 7.0),
        ("miami-fl", "single_axis", 5.2, 6.2),
        ("sand-point-ak", "fixed_latitude_tilt", 10.0, 13.0),
        ("sand-point-ak", "single_axis", 10.0, 13.0),
    ],
)
def test_dawn_dusk_ratio(site, mounting, low, high):
    ratio = gs.orbit_to_ground_energy_ratio(
        site, SOLAR_CONSTANT_W_PER_M2, DAWN_DUSK_SUNLIT_FRACTION, mounting=mounting
    )
    assert isinstance(ratio, float)
    assert low < ratio < high
    y = gs.site_annual_yield(site, mounting)
    orbit = SOLAR_CONSTANT_W_PER_M2 * DAWN_DUSK_SUNLIT_FRACTION * HOURS_PER_YEAR / 1000.0
    assert ratio == pytest.approx(orbit / y.dc_per_efficiency_kwh_per_m2_yr)
    # The insolation-only ratio is lower, the delivered-AC one higher, at the two sunny sites.
    poa = gs.orbit_to_ground_energy_ratio(
        site, SOLAR_CONSTANT_W_PER_M2, DAWN_DUSK_SUNLIT_FRACTION, mounting=mounting, ground_basis="poa"
    )
    ac = gs.orbit_to_ground_energy_ratio(
        site, SOLAR_CONSTANT_W_PER_M2, DAWN_DUSK_SUNLIT_FRACTION, mounting=mounting, ground_basis="ac"
    )
    assert poa == pytest.approx(orbit / y.poa_insolation_kwh_per_m2_yr)
    assert ac > ratio
    if site != "sand-point-ak":
        assert 5.0 < poa < ratio


def test_ratio_with_separate_efficiencies_and_arrays():
    same = gs.orbit_to_ground_energy_ratio("miami-fl", 1361.0, 0.99)
    assert gs.orbit_to_ground_energy_ratio(
        "miami-fl", 1361.0, 0.99, orbit_cell_efficiency=0.3
    ) == pytest.approx(same)
    diff = gs.orbit_to_ground_energy_ratio(
        "miami-fl", 1361.0, 0.99, orbit_cell_efficiency=0.28, ground_cell_efficiency=0.30
    )
    assert diff == pytest.approx(same * 0.28 / 0.30)
    sunlit = np.array([0.6, 0.8, 0.99])
    out = gs.orbit_to_ground_energy_ratio("miami-fl", 1361.0, sunlit)
    assert out.shape == (3,)
    np.testing.assert_allclose(out / out[-1], sunlit / 0.99)


# ------------------------------------------------------------------------------------------------------
# Validation
# ------------------------------------------------------------------------------------------------------


def test_unknown_site_lists_valid_names():
    with pytest.raises(ValueError, match="greensboro-nc.*miami-fl.*sand-point-ak"):
        gs.site_annual_yield("Greensboro")
    with pytest.raises(ValueError, match="unknown site"):
        gs.ground_energy_kwh_per_m2_yr("denver-co", 0.2)
    with pytest.raises(ValueError, match="unknown site"):
        gs.orbit_to_ground_energy_ratio("denver-co", 1361.0, 0.99)


@pytest.mark.parametrize("eta", [0.0, -0.1, 1.2, float("nan"), [0.2, 1.5]])
def test_bad_efficiency(eta):
    with pytest.raises(ValueError, match=r"cell_efficiency \[-\] must be"):
        gs.ground_energy_kwh_per_m2_yr("greensboro-nc", eta)
    with pytest.raises(ValueError, match=r"cell_efficiency"):
        gs.orbit_energy_kwh_per_m2_yr(1361.0, eta, 0.99)
    with pytest.raises(ValueError, match=r"orbit_cell_efficiency"):
        gs.orbit_to_ground_energy_ratio("greensboro-nc", 1361.0, 0.99, orbit_cell_efficiency=eta)


def test_efficiency_message_names_range():
    with pytest.raises(ValueError, match=re.escape("in (0, 1]")):
        gs.ground_energy_kwh_per_m2_yr("greensboro-nc", 1.2)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"mounting": "two_axis"}, "mounting"),
        ({"transposition_model": "isotropic"}, "transposition_model"),
        ({"temperature_model": "pvsyst"}, "temperature_model"),
        ({"gamma_pdc_per_k": 0.01}, "gamma_pdc_per_k"),
        ({"system_loss_fraction": 1.0}, "system_loss_fraction"),
        ({"inverter_efficiency": 1.1}, "inverter_efficiency"),
        ({"dc_ac_ratio": 0.0}, "dc_ac_ratio"),
        ({"albedo": -0.1}, "albedo"),
        ({"tracker_gcr": 1.0}, "tracker_gcr"),
    ],
)
def test_bad_yield_options(kwargs, field):
    with pytest.raises(ValueError, match=field):
        gs.site_annual_yield("greensboro-nc", **kwargs)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((0.0, 0.3, 0.99), "solar_constant_w_per_m2"),
        ((1361.0, 0.3, 1.5), "sunlit_fraction"),
        ((1361.0, 0.3, -0.1), "sunlit_fraction"),
    ],
)
def test_bad_orbit_inputs(args, field):
    with pytest.raises(ValueError, match=field):
        gs.orbit_energy_kwh_per_m2_yr(*args)
    with pytest.raises(ValueError, match="cos_incidence"):
        gs.orbit_energy_kwh_per_m2_yr(1361.0, 0.3, 0.99, cos_incidence=1.2)


def test_bad_basis():
    with pytest.raises(ValueError, match="basis"):
        gs.ground_energy_kwh_per_m2_yr("greensboro-nc", 0.2, basis="kwh")
