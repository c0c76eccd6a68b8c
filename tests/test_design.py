"""Satellite, fleet and ground-site sizing: mass budget closure, heritage mode, survival, ground energy."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from terawatt.constants import HOURS_PER_YEAR
from terawatt.design.ground import size_ground_site
from terawatt.design.satellite import (
    ALUMINIUM_DENSITY_KG_PER_M3,
    SatelliteInputs,
    size_fleet,
    size_satellite,
    survival_mean,
)
from terawatt.physics import solar, thermal

MASS_PARTS = (
    "it_mass_kg",
    "shielding_mass_kg",
    "array_mass_kg",
    "battery_mass_kg",
    "radiator_mass_kg",
    "bus_mass_kg",
    "margin_mass_kg",
    "propulsion_mass_kg",
)


def net_flux(temp_k=320.15, emissivity=0.9):
    return thermal.radiator_net_flux_w_per_m2(temp_k, emissivity, 0.15, None, 2, 0.0, 0.48, 0.3, 237.0, 3.0)


def inputs(**changes) -> SatelliteInputs:
    """Registry defaults with the B200 catalog entry and a 650 km dawn-dusk orbit (19.34 min eclipse)."""
    base = dict(
        compute_power_w=1.32e5,
        server_power_w_per_accelerator=1787.5,
        server_mass_kg_per_accelerator=17.8,
        server_mass_factor=1.0,
        spare_fraction=0.0,
        lifetime_yr=5.0,
        period_s=97.728 * 60.0,
        max_eclipse_s=19.337 * 60.0,
        carry_eclipse=True,
        solar_constant_w_per_m2=1361.0,
        cell_efficiency=0.22,
        packing_factor=0.85,
        temp_coefficient_per_k=-0.0035,
        cell_temp_k=333.0,
        degradation_per_yr=0.02,
        array_specific_power_w_per_kg=100.0,
        conversion_efficiency=0.95,
        housekeeping_fraction=0.03,
        battery_specific_energy_wh_per_kg=120.0,
        battery_depth_of_discharge=0.5,
        battery_round_trip_efficiency=0.9,
        radiator_temp_k=320.15,
        radiator_net_flux_w_per_m2=net_flux(),
        fin_efficiency=0.85,
        radiator_areal_mass_kg_per_m2=7.0,
        shielding_mm_al=10.0,
        shielded_area_m2_per_accelerator=0.1,
        bus_mass_fraction=0.2,
        mass_margin=0.2,
        propulsion_mass_fraction=0.05,
        stowed_density_kg_per_m3=150.0,
        given_mass_kg=np.nan,
    )
    base.update(changes)
    return SatelliteInputs(**{k: np.asarray(v) for k, v in base.items()})


def mass_sum(design):
    return sum(getattr(design, name) for name in MASS_PARTS)


# ------------------------------------------------------------------------------------------------ satellite
def test_default_satellite_subsystems_by_hand():
    x = inputs()
    d = size_satellite(x)
    assert d.accelerators == pytest.approx(1.32e5 / 1787.5)  # 73.85
    assert d.bus_load_w == pytest.approx(1.32e5 * 1.03)
    # energy balance: every electrical watt ends as heat in the loop
    assert d.heat_rejected_w == pytest.approx(1.32e5 * 1.03 / 0.95, rel=1e-14)
    assert d.radiator_area_m2 == pytest.approx(d.heat_rejected_w / (0.85 * float(net_flux())), rel=1e-14)
    assert d.radiator_mass_kg == pytest.approx(7.0 * d.radiator_area_m2)
    p_eol = solar.required_array_power_w(1.3596e5, 19.337 * 60, 97.728 * 60, 0.95, 0.95 * 0.9)
    assert d.array_power_eol_w == pytest.approx(float(p_eol), rel=1e-14)
    assert d.array_power_bol_w == pytest.approx(float(p_eol) / 0.98**5, rel=1e-14)
    assert d.solar_array_area_m2 == pytest.approx(d.array_power_bol_w / 226.13583217, rel=1e-9)
    assert d.array_mass_kg == pytest.approx(d.array_power_bol_w / 100.0)
    assert d.battery_capacity_wh == pytest.approx(
        1.3596e5 * 19.337 * 60 / 3600 / (0.5 * np.sqrt(0.9)), rel=1e-14
    )
    assert d.battery_mass_kg == pytest.approx(d.battery_capacity_wh / 120.0)
    # 10 mm of Al (27 kg/m2) over 0.1 m2 per accelerator
    assert d.shielding_mass_kg == pytest.approx(d.accelerators * 0.1 * 0.010 * ALUMINIUM_DENSITY_KG_PER_M3)
    assert d.it_mass_kg == pytest.approx(d.accelerators * 17.8)
    assert bool(d.feasible) and not bool(d.heritage)


def test_mass_budget_closes():
    d = size_satellite(inputs())
    assert mass_sum(d) == pytest.approx(float(d.satellite_mass_kg), rel=1e-12)
    core = d.it_mass_kg + d.shielding_mass_kg + d.array_mass_kg + d.battery_mass_kg + d.radiator_mass_kg
    dry_no_margin = core / 0.8
    assert d.bus_mass_kg == pytest.approx(0.2 * dry_no_margin, rel=1e-12)
    # The growth allowance applies to the estimated core only, not to the bus fraction (no 20 % on 20 %).
    assert d.margin_mass_kg == pytest.approx(0.2 * core, rel=1e-12)
    assert d.satellite_mass_kg * 0.95 == pytest.approx(core / 0.8 + 0.2 * core, rel=1e-12)
    assert d.propulsion_mass_kg == pytest.approx(0.05 * d.satellite_mass_kg, rel=1e-12)
    assert d.stowed_volume_m3 == pytest.approx(d.satellite_mass_kg / 150.0)
    assert d.specific_power_w_per_kg == pytest.approx(1.32e5 / d.satellite_mass_kg)


def test_mass_budget_closes_for_arrays():
    n = 50
    rng = np.random.default_rng(1)
    x = inputs(
        compute_power_w=rng.uniform(2e4, 1e6, n),
        bus_mass_fraction=rng.uniform(0.1, 0.35, n),
        mass_margin=rng.uniform(0.05, 0.35, n),
        propulsion_mass_fraction=rng.uniform(0.02, 0.1, n),
        spare_fraction=rng.uniform(0.0, 0.5, n),
        radiator_net_flux_w_per_m2=net_flux(rng.uniform(280.0, 380.0, n)),
        carry_eclipse=rng.uniform(size=n) > 0.5,
    )
    d = size_satellite(x)
    assert d.satellite_mass_kg.shape == (n,)
    np.testing.assert_allclose(mass_sum(d), d.satellite_mass_kg, rtol=1e-12)
    # and each sample equals its scalar sizing
    for i in (0, 17, n - 1):
        xi = SatelliteInputs(
            **{
                f.name: np.asarray(getattr(x, f.name)).reshape(-1)[i]
                if np.size(getattr(x, f.name)) > 1
                else getattr(x, f.name)
                for f in dataclasses.fields(x)
            }
        )
        assert float(size_satellite(xi).satellite_mass_kg) == pytest.approx(d.satellite_mass_kg[i], rel=1e-14)


def test_spares_add_it_and_shielding_mass_only():
    a = size_satellite(inputs())
    b = size_satellite(inputs(spare_fraction=0.25))
    assert b.accelerators == pytest.approx(a.accelerators)
    assert b.accelerators_flown == pytest.approx(1.25 * a.accelerators)
    assert b.it_mass_kg == pytest.approx(1.25 * a.it_mass_kg)
    assert b.shielding_mass_kg == pytest.approx(1.25 * a.shielding_mass_kg)
    assert b.array_power_bol_w == pytest.approx(a.array_power_bol_w)  # spares are unpowered


def test_heritage_mode_uses_given_mass():
    d = size_satellite(inputs(given_mass_kg=740.0))
    assert d.satellite_mass_kg == 740.0
    assert bool(d.heritage) and bool(d.feasible)
    assert d.stowed_volume_m3 == pytest.approx(740.0 / 150.0)
    assert d.specific_power_w_per_kg == pytest.approx(1.32e5 / 740.0)
    # bus, margin and propulsion are not defined for a given mass; subsystems are still sized for reporting
    assert np.isnan(d.bus_mass_kg) and np.isnan(d.margin_mass_kg) and np.isnan(d.propulsion_mass_kg)
    sized = size_satellite(inputs())
    assert d.radiator_area_m2 == pytest.approx(sized.radiator_area_m2)
    assert d.array_power_bol_w == pytest.approx(sized.array_power_bol_w)


def test_heritage_mixed_array():
    d = size_satellite(inputs(given_mass_kg=np.array([np.nan, 575.0])))
    assert d.satellite_mass_kg.shape == (2,)
    np.testing.assert_array_equal(d.heritage, [False, True])
    assert d.satellite_mass_kg[1] == 575.0
    assert d.satellite_mass_kg[0] == pytest.approx(float(size_satellite(inputs()).satellite_mass_kg))


def test_throttle_has_no_battery_and_smaller_array():
    bat = size_satellite(inputs(carry_eclipse=True))
    thr = size_satellite(inputs(carry_eclipse=False))
    assert thr.battery_capacity_wh == 0.0 and thr.battery_mass_kg == 0.0
    assert thr.array_power_eol_w == pytest.approx(1.32e5 * 1.03 / 0.95)
    assert thr.array_power_bol_w < bat.array_power_bol_w
    assert thr.satellite_mass_kg < bat.satellite_mass_kg
    assert mass_sum(thr) == pytest.approx(float(thr.satellite_mass_kg), rel=1e-12)


def test_hotter_radiator_is_smaller():
    temps = np.array([290.0, 320.0, 350.0, 380.0])
    d = size_satellite(inputs(radiator_temp_k=temps, radiator_net_flux_w_per_m2=net_flux(temps)))
    assert d.radiator_area_m2.shape == (4,)
    assert np.all(np.diff(d.radiator_area_m2) < 0)
    assert np.all(np.diff(d.satellite_mass_kg) < 0)


def test_infeasible_radiator_flags_not_raises():
    d = size_satellite(inputs(radiator_temp_k=150.0, radiator_net_flux_w_per_m2=net_flux(150.0)))
    assert not bool(d.feasible)
    assert np.isnan(d.radiator_area_m2) and np.isnan(d.satellite_mass_kg)


# ------------------------------------------------------------------------------------------------ survival
def test_survival_no_failures_is_one():
    assert survival_mean(0.0, 0.0, 5.0) == 1.0
    assert survival_mean(0.0, 0.5, 5.0) == 1.0


@pytest.mark.parametrize(("lam", "life"), [(0.09, 5.0), (0.02, 10.0), (0.5, 3.0), (1e-6, 5.0)])
def test_survival_no_spares_closed_form(lam, life):
    expected = (1.0 - np.exp(-lam * life)) / (lam * life)
    assert survival_mean(lam, 0.0, life) == pytest.approx(expected, rel=1e-9)


def test_survival_huge_spares_is_one():
    # spares outlast the life: (1 + s) e^{-lam L} >= 1
    assert survival_mean(0.09, 1.0, 5.0) == pytest.approx(1.0, abs=1e-15)
    assert survival_mean(0.09, np.exp(0.45) - 1.0, 5.0) == pytest.approx(1.0, abs=1e-12)


def test_survival_partial_spares_against_numerical_integral():
    lam, s, life = 0.2, 0.3, 6.0
    t = np.linspace(0.0, life, 200001)
    c = np.minimum(1.0, (1.0 + s) * np.exp(-lam * t))
    numeric = np.trapezoid(c, t) / life
    assert survival_mean(lam, s, life) == pytest.approx(numeric, rel=1e-8)


def test_survival_arrays_monotone_in_spares():
    s = np.linspace(0.0, 1.0, 11)
    m = survival_mean(0.09, s, 5.0)
    assert m.shape == (11,)
    assert np.all(np.diff(m) >= 0) and m[0] < 1.0 and m[-1] == pytest.approx(1.0)


# --------------------------------------------------------------------------------------------------- fleet
def fleet_for(sat, **kw):
    args = dict(
        it_power_w=1.0e8,
        compute_power_w=1.32e5,
        sunlit_fraction=0.96,
        carry_eclipse=True,
        degradation_per_yr=0.02,
        lifetime_yr=5.0,
        failure_rate_per_yr=0.09,
        spare_fraction=0.0,
        payload_kg=55000.0,
        fairing_volume_m3=700.0,
    )
    args.update(kw)
    return size_fleet(sat, **{k: np.asarray(v) for k, v in args.items()})


def test_fleet_count_and_availability():
    sat = size_satellite(inputs())
    f = fleet_for(sat)
    a = (1 - np.exp(-0.45)) / 0.45
    assert f.availability == pytest.approx(a, rel=1e-12)  # 0.80527
    assert f.nameplate_it_power_w == pytest.approx(1e8 / a)
    assert f.satellite_count == np.ceil(1e8 / a / 1.32e5)  # 941
    assert f.satellite_count == 941.0
    assert f.accelerators_flown == pytest.approx(941.0 * sat.accelerators_flown)
    assert f.launch_mass_kg == pytest.approx(941.0 * sat.satellite_mass_kg)
    per = np.minimum(np.floor(55000.0 / sat.satellite_mass_kg), np.floor(700.0 / sat.stowed_volume_m3))
    assert f.satellites_per_launch == per
    assert f.launches == np.ceil(941.0 / per)
    assert bool(f.launchable)
    assert f.launch_fill_fraction == pytest.approx(per * sat.satellite_mass_kg / 55000.0)


def test_fleet_exact_count_not_bumped_by_rounding():
    sat = size_satellite(inputs())
    f = fleet_for(sat, it_power_w=1.32e5 * 100, failure_rate_per_yr=0.0)
    assert f.availability == 1.0
    assert f.satellite_count == 100.0


def test_fleet_throttle_availability_is_sunlit_fraction():
    sat = size_satellite(inputs(carry_eclipse=False))
    f = fleet_for(sat, carry_eclipse=False, failure_rate_per_yr=0.0)
    assert f.availability == pytest.approx(0.96)


def test_fleet_heritage_counts_mean_array_retention():
    sat = size_satellite(inputs(given_mass_kg=740.0))
    f = fleet_for(sat, failure_rate_per_yr=0.0, degradation_per_yr=0.025)
    assert f.availability == pytest.approx(0.951234, abs=1e-6)
    sized = fleet_for(size_satellite(inputs()), failure_rate_per_yr=0.0, degradation_per_yr=0.025)
    assert sized.availability == 1.0  # sized satellites carry an end-of-life array


def test_fleet_unlaunchable():
    sat = size_satellite(inputs())
    f = fleet_for(sat, payload_kg=1000.0)
    assert f.satellites_per_launch == 0.0 and f.launches == np.inf
    assert not bool(f.launchable) and np.isnan(f.launch_fill_fraction)


def test_fleet_arrays():
    sat = size_satellite(inputs())
    power = np.array([1e7, 1e8, 1e9])
    f = fleet_for(sat, it_power_w=power)
    assert f.satellite_count.shape == (3,)
    for i, p in enumerate(power):
        assert f.satellite_count[i] == fleet_for(sat, it_power_w=p).satellite_count


# -------------------------------------------------------------------------------------------------- ground
def ground(source="grid", **kw):
    args = dict(
        it_power_w=1.0e8,
        server_power_w_per_accelerator=1787.5,
        utilization=0.8,
        pue=1.2,
        water_l_per_kwh=0.36,
        solar_capacity_factor=0.2,
        storage_hours=14.0,
        storage_round_trip_efficiency=0.85,
        solar_overbuild=1.3,
    )
    args.update(kw)
    return size_ground_site(power_source=source, **{k: np.asarray(v) for k, v in args.items()})


def test_ground_energy_arithmetic():
    g = ground()
    # 100 MW x 0.8 x 8760 h = 700,800 MWh of IT; x PUE 1.2 = 840,960 MWh at the meter
    assert g.it_energy_mwh_per_yr == pytest.approx(700800.0)
    assert g.facility_energy_mwh_per_yr == pytest.approx(840960.0)
    assert g.facility_power_w == pytest.approx(1.2e8)
    assert g.accelerators == pytest.approx(1e8 / 1787.5)
    assert g.water_l_per_yr == pytest.approx(840960.0 * 1e3 * 0.36)
    assert g.gas_capacity_w == 0.0 and g.pv_capacity_w == 0.0 and g.storage_capacity_wh == 0.0


def test_gas_capacity_only_for_gas():
    assert ground("gas").gas_capacity_w == pytest.approx(1.2e8)  # IT x PUE
    assert ground("grid").gas_capacity_w == 0.0
    assert ground("solar_storage").gas_capacity_w == 0.0
    assert ground("gas").pv_capacity_w == 0.0


def test_solar_storage_sizing():
    g = ground("solar_storage")
    e = 840960.0
    f_s = 14.0 / 24.0
    gross = e * (1 - f_s + f_s / 0.85)
    assert g.pv_capacity_w == pytest.approx(1.3 * gross * 1e6 / (0.2 * HOURS_PER_YEAR), rel=1e-12)
    assert g.storage_capacity_wh == pytest.approx(1.2e8 * 0.8 * 14.0)
    # lossless storage, no overbuild: PV nameplate = facility energy / (CF x 8760)
    ideal = ground("solar_storage", storage_round_trip_efficiency=1.0, solar_overbuild=1.0)
    assert ideal.pv_capacity_w == pytest.approx(e * 1e6 / (0.2 * HOURS_PER_YEAR), rel=1e-12)
    # more than a day of storage: the stored share saturates at 1
    long = ground("solar_storage", storage_hours=48.0)
    assert long.pv_capacity_w == pytest.approx(1.3 * e / 0.85 * 1e6 / (0.2 * HOURS_PER_YEAR), rel=1e-12)


def test_ground_arrays():
    pue = np.array([1.1, 1.2, 1.5])
    for source in ("grid", "gas", "solar_storage"):
        g = ground(source, pue=pue)
        for name in (
            "facility_power_w",
            "facility_energy_mwh_per_yr",
            "gas_capacity_w",
            "pv_capacity_w",
            "storage_capacity_wh",
            "water_l_per_yr",
        ):
            assert np.shape(getattr(g, name)) == (3,), (source, name)
        np.testing.assert_allclose(g.facility_energy_mwh_per_yr, 1e8 * pue * 0.8 * HOURS_PER_YEAR / 1e6)
