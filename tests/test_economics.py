"""Finance factors, energy prices, orbital and terrestrial cost lines, break-even launch price."""

from __future__ import annotations

import numpy as np
import pytest

import terawatt
from terawatt.constants import HOURS_PER_YEAR
from terawatt.design.ground import size_ground_site
from terawatt.design.satellite import FleetDesign, SatelliteDesign
from terawatt.economics import tco
from terawatt.economics.finance import annualize, annuity_factor, capital_recovery_factor
from terawatt.physics.launch import launches_needed


# ------------------------------------------------------------------------------------------------- finance
def test_annuity_factor_closed_form():
    # (1 - 1.08^-10) / 0.08 = 6.710081 (standard present-value-of-annuity table)
    assert annuity_factor(0.08, 10.0) == pytest.approx(6.710081, abs=1e-6)
    assert annuity_factor(0.05, 1.0) == pytest.approx(1 / 1.05, rel=1e-14)


def test_capital_recovery_factor_closed_form():
    # 0.08 / (1 - 1.08^-5) = 0.250456
    assert capital_recovery_factor(0.08, 5.0) == pytest.approx(0.250456, abs=1e-6)
    assert capital_recovery_factor(0.1, 1.0) == pytest.approx(1.1, rel=1e-14)
    # perpetuity limit: CRF -> r
    assert capital_recovery_factor(0.07, 1000.0) == pytest.approx(0.07, rel=1e-12)


def test_zero_rate():
    assert annuity_factor(0.0, 10.0) == 10.0
    assert capital_recovery_factor(0.0, 5.0) == pytest.approx(0.2)
    # continuous at r -> 0
    assert annuity_factor(1e-9, 10.0) == pytest.approx(10.0, rel=1e-6)
    assert capital_recovery_factor(1e-9, 5.0) == pytest.approx(0.2, rel=1e-6)


def test_reciprocity_and_arrays():
    r = np.array([0.0, 0.03, 0.08, 0.12])[:, None]
    n = np.array([1.0, 2.5, 5.0, 20.0, 40.0])
    af, crf = annuity_factor(r, n), capital_recovery_factor(r, n)
    assert af.shape == crf.shape == (4, 5)
    np.testing.assert_allclose(af * crf, 1.0, rtol=1e-14)
    assert np.all(af <= n)  # discounting never adds value
    np.testing.assert_allclose(af[0], n)


def test_annualize():
    assert annualize(1.0e6, 0.08, 5.0) == pytest.approx(250456.45, abs=0.01)
    assert annualize(1.0e6, 0.0, 4.0) == pytest.approx(250000.0)
    out = annualize(np.array([1.0, 2.0, 3.0]) * 1e6, 0.08, 5.0)
    assert out.shape == (3,)
    np.testing.assert_allclose(out, np.array([1, 2, 3]) * 250456.4545, rtol=1e-9)
    # the annualised payments' present value repays the capital
    assert annualize(1e6, 0.08, 7.0) * annuity_factor(0.08, 7.0) == pytest.approx(1e6, rel=1e-14)


# ---------------------------------------------------------------------------------------- terrestrial side
def ter_prices(source="grid", **kw) -> tco.TerrestrialPrices:
    args = dict(
        server_price_usd_per_accelerator=62500.0,
        hardware_lifetime_yr=5.0,
        repair_cost_fraction_per_yr=0.025,
        power_source=source,
        electricity_price_usd_per_mwh=90.0,
        facility_capex_usd_per_w=11.0,
        facility_lifetime_yr=20.0,
        opex_fraction_per_yr=0.03,
        gas_plant_capex_usd_per_w=2.4,
        gas_price_usd_per_mmbtu=4.3,
        heat_rate_btu_per_kwh=6200.0,
        gas_variable_om_usd_per_mwh=0.0,
        pv_capex_usd_per_w=1.1,
        storage_capex_usd_per_kwh=350.0,
        power_plant_lifetime_yr=25.0,
        discount_rate=0.08,
        analysis_period_yr=10.0,
    )
    args.update(kw)
    return tco.TerrestrialPrices(**{k: v if k == "power_source" else np.asarray(v) for k, v in args.items()})


def test_energy_price_grid():
    assert tco.energy_price_usd_per_mwh(ter_prices("grid")) == 90.0


def test_energy_price_gas_mccalip():
    # 6,200 Btu/kWh x $4.30/MMBtu = 6.2 MMBtu/MWh x 4.30 = $26.66/MWh
    assert tco.energy_price_usd_per_mwh(ter_prices("gas")) == pytest.approx(26.66, abs=1e-9)
    with_om = tco.energy_price_usd_per_mwh(ter_prices("gas", gas_variable_om_usd_per_mwh=2.5))
    assert with_om == pytest.approx(29.16, abs=1e-9)
    # 3,412 Btu/kWh is 100 % efficiency: fuel price per MWh = gas price x 3.412
    ideal = tco.energy_price_usd_per_mwh(ter_prices("gas", heat_rate_btu_per_kwh=3412.0))
    assert ideal == pytest.approx(4.3 * 3.412, rel=1e-12)


def test_energy_price_solar_is_zero():
    assert tco.energy_price_usd_per_mwh(ter_prices("solar_storage")) == 0.0


def test_energy_price_arrays():
    gas = np.array([2.5, 4.3, 8.0])
    p = tco.energy_price_usd_per_mwh(ter_prices("gas", gas_price_usd_per_mmbtu=gas))
    assert p.shape == (3,)
    np.testing.assert_allclose(p, 6.2 * gas)


def site(source, it=1e8, **kw):
    args = dict(
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
    return size_ground_site(
        np.asarray(it), power_source=source, **{k: np.asarray(v) for k, v in args.items()}
    )


@pytest.mark.parametrize("source", ["grid", "gas", "solar_storage"])
def test_terrestrial_lines_by_hand(source):
    g = site(source)
    p = ter_prices(source)
    c = tco.terrestrial_costs(g, np.asarray(1e8), p)
    acc = 1e8 / 1787.5 * 62500.0
    facility = 11.0 * 1e8
    plant = {
        "grid": 0.0,
        "gas": 1.2e8 * 2.4,
        "solar_storage": g.pv_capacity_w * 1.1 + g.storage_capacity_wh / 1e3 * 350,
    }[source]
    price = {"grid": 90.0, "gas": 26.66, "solar_storage": 0.0}[source]
    assert c["capex_accelerators"] == pytest.approx(acc)
    assert c["capex_power_plant"] == pytest.approx(plant)
    assert c["annual_accelerators"] == pytest.approx(acc * capital_recovery_factor(0.08, 5.0))
    # repairs: board swaps priced as a fraction of the server price per year, not whole servers replaced
    assert c["annual_repairs"] == pytest.approx(0.025 * acc)
    assert c["annual_facility"] == pytest.approx(facility * capital_recovery_factor(0.08, 20.0))
    assert c["annual_power_plant"] == pytest.approx(plant * capital_recovery_factor(0.08, 25.0))
    assert c["annual_energy"] == pytest.approx(840960.0 * price)
    assert c["annual_operations"] == pytest.approx(0.03 * facility)
    lines = ("accelerators", "repairs", "facility", "power_plant", "energy", "operations")
    assert c["annual_total"] == pytest.approx(sum(c[f"annual_{k}"] for k in lines), rel=1e-14)
    assert c["capex_total"] == pytest.approx(acc + facility + plant)


def test_terrestrial_arrays():
    price = np.linspace(40.0, 150.0, 5)
    c = tco.terrestrial_costs(site("grid"), np.asarray(1e8), ter_prices(electricity_price_usd_per_mwh=price))
    assert c["annual_total"].shape == (5,)
    np.testing.assert_allclose(np.diff(c["annual_total"]), np.diff(price) * 840960.0, rtol=1e-9)


def test_unit_costs_and_gpu_hours():
    hours = tco.gpu_hours_per_yr(1e8, 1787.5, 0.8)
    assert hours == pytest.approx(1e8 / 1787.5 * 0.8 * HOURS_PER_YEAR)
    u = tco.unit_costs(np.asarray(1.0e9), 1e8, hours, hours * 3600.0 * 1000.0)
    assert u["cost_per_kw_year_usd"] == pytest.approx(1e9 / 1e5)
    assert u["cost_per_gpu_hour_usd"] == pytest.approx(1e9 / hours)
    assert u["cost_per_million_tokens_usd"] == pytest.approx(1e9 / (hours * 3.6))


def test_lifecycle():
    assert tco.lifecycle(1e6, capital_recovery_factor(0.08, 10.0)) == pytest.approx(6.710081e6, rel=1e-6)
    assert tco.lifecycle(1e6, capital_recovery_factor(0.0, 10.0)) == pytest.approx(1e7)


# -------------------------------------------------------------------------------------------- orbital side
def sat_design(heritage=False, **kw) -> SatelliteDesign:
    """A hand-made satellite with round numbers (the costing takes designs as given)."""
    f = dict(
        accelerators=50.0,
        accelerators_flown=50.0,
        bus_load_w=1.03e5,
        heat_rejected_w=1.1e5,
        array_power_eol_w=1.2e5,
        array_power_bol_w=1.5e5,
        array_power_density_w_per_m2=250.0,
        solar_array_area_m2=600.0,
        radiator_area_m2=100.0,
        battery_capacity_wh=50000.0,
        it_mass_kg=1000.0,
        array_mass_kg=1500.0,
        radiator_mass_kg=700.0,
        battery_mass_kg=400.0,
        shielding_mass_kg=100.0,
        bus_mass_kg=1000.0,
        margin_mass_kg=900.0,
        propulsion_mass_kg=300.0,
        satellite_mass_kg=5900.0,
        stowed_volume_m3=5900.0 / 150,
        specific_power_w_per_kg=1e5 / 5900.0,
        heritage=heritage,
        feasible=True,
    )
    if heritage:
        f.update(
            bus_mass_kg=np.nan, margin_mass_kg=np.nan, propulsion_mass_kg=np.nan, satellite_mass_kg=4000.0
        )
    f.update(kw)
    return SatelliteDesign(**{k: np.asarray(v) for k, v in f.items()})


def fleet_design(sat, count=100.0, per_launch=9.0, visits=0.0, replaced=0.0) -> FleetDesign:
    return FleetDesign(
        availability=np.asarray(0.9),
        availability_eclipse=np.asarray(1.0),
        availability_degradation=np.asarray(1.0),
        availability_failures=np.asarray(0.9),
        availability_goodput=np.asarray(1.0),
        availability_dose=np.asarray(1.0),
        availability_avoidance=np.asarray(1.0),
        nameplate_it_power_w=np.asarray(count * 1e5),
        satellite_count=np.asarray(count),
        accelerators_flown=np.asarray(count * sat.accelerators_flown),
        servicing_visits_per_satellite=np.asarray(visits),
        replaced_fraction_per_visit=np.asarray(replaced),
        launch_mass_kg=np.asarray(count * sat.satellite_mass_kg),
        payload_kg=np.asarray(55000.0),
        satellites_per_launch=np.asarray(per_launch),
        launches=launches_needed(count, per_launch),
        launch_fill_fraction=np.asarray(np.nan),
        launchable=np.asarray(per_launch > 0),
    )


def orb_prices(**kw) -> tco.OrbitalPrices:
    args = dict(
        server_price_usd_per_accelerator=60000.0,
        satellite_cost_usd_per_w=np.nan,
        array_cost_usd_per_w=10.0,
        radiator_cost_usd_per_m2=3000.0,
        battery_cost_usd_per_kwh=1000.0,
        bus_cost_usd_per_kg=1000.0,
        structure_cost_usd_per_kg=1000.0,  # = bus price: the hand sums below price every other kg alike
        bus_structure_fraction=0.6,
        launch_price_usd_per_kg=200.0,
        vehicle_price_usd=46e6,
        insurance_fraction=0.05,
        opex_fraction_per_yr=0.01,
        replacement_fraction_per_yr=0.02,
        ground_segment_usd_per_w=0.1,
        nre_usd=1e9,
        servicing_cost_usd_per_visit=1e7,
        servicing_visits_per_satellite_yr=0.0,
        discount_rate=0.08,
        analysis_period_yr=10.0,
        satellite_lifetime_yr=5.0,
    )
    args.update(kw)
    return tco.OrbitalPrices(**{k: np.asarray(v) for k, v in args.items()})


def test_satellite_hardware_bottom_up():
    # array 1.5e5 W x $10 + 100 m2 x $3000 + 50 kWh x $1000 + (1000+900+300+100) kg x $1000
    hw = tco.satellite_hardware_cost_usd(sat_design(), np.asarray(1e5), orb_prices())
    assert hw == pytest.approx(1.5e6 + 3.0e5 + 5.0e4 + 2.3e6)


def test_satellite_hardware_structure_priced_apart():
    # shielding 100 kg at $150; bus 1000 kg and margin 900 kg at the bus mean 0.6 x 150 + 0.4 x 1000 = $490/kg;
    # propulsion 300 kg at the bus price $1000
    p = orb_prices(structure_cost_usd_per_kg=150.0)
    hw = tco.satellite_hardware_cost_usd(sat_design(), np.asarray(1e5), p)
    assert hw == pytest.approx(1.5e6 + 3.0e5 + 5.0e4 + 100 * 150.0 + 1900 * 490.0 + 300 * 1000.0)
    # a heritage satellite's unsized mass stays at the bus price
    assert tco.satellite_hardware_cost_usd(sat_design(heritage=True), np.asarray(1e5), p) == pytest.approx(2.25e6)


def test_satellite_hardware_heritage_rest():
    # heritage: mass beyond the sized subsystems, 4000 - 1000 - 1500 - 700 - 400 = 400 kg, at the bus price
    hw = tco.satellite_hardware_cost_usd(sat_design(heritage=True), np.asarray(1e5), orb_prices())
    assert hw == pytest.approx(1.5e6 + 3.0e5 + 5.0e4 + 4.0e5)
    # heavier subsystems than the given mass: the rest floors at zero
    light = sat_design(heritage=True, satellite_mass_kg=2000.0)
    assert tco.satellite_hardware_cost_usd(light, np.asarray(1e5), orb_prices()) == pytest.approx(1.85e6)


def test_satellite_hardware_given_per_watt():
    hw = tco.satellite_hardware_cost_usd(
        sat_design(), np.asarray(1e5), orb_prices(satellite_cost_usd_per_w=22.0)
    )
    assert hw == pytest.approx(2.2e6)


def test_orbital_lines_by_hand():
    sat = sat_design()
    fleet = fleet_design(sat)
    c = tco.orbital_costs(sat, fleet, np.asarray(9e6), np.asarray(1e5), orb_prices())
    hw = 100 * 4.15e6
    acc = 100 * 50 * 60000.0
    launch = 100 * 5900.0 * 200.0
    crf5, crf10 = capital_recovery_factor(0.08, 5.0), capital_recovery_factor(0.08, 10.0)
    assert c["capex_satellite_hardware"] == pytest.approx(hw)
    assert c["capex_accelerators"] == pytest.approx(acc)
    assert c["capex_launch"] == pytest.approx(launch)
    assert c["capex_insurance"] == pytest.approx(0.05 * (hw + acc + launch))
    assert c["capex_ground_segment"] == pytest.approx(0.9e6)
    assert c["annual_satellite_hardware"] == pytest.approx(hw * crf5)
    assert c["annual_launch"] == pytest.approx(launch * crf5)
    assert c["annual_ground_segment"] == pytest.approx(0.9e6 * crf10)
    assert c["annual_nre"] == pytest.approx(1e9 * crf10)
    assert c["annual_operations"] == pytest.approx(0.01 * hw)
    assert c["annual_replacement"] == pytest.approx(0.02 * hw)
    assert c["launch_slope_usd_per_yr_per_usd_per_kg"] == pytest.approx(100 * 5900.0 * 1.05 * crf5)
    assert c["capex_total"] == pytest.approx(1.05 * (hw + acc + launch) + 0.9e6 + 1e9)


def test_orbital_launch_priced_per_vehicle():
    sat = sat_design()
    c = tco.orbital_costs(
        sat,
        fleet_design(sat, 100.0, 9.0),
        np.asarray(9e6),
        np.asarray(1e5),
        orb_prices(launch_price_usd_per_kg=np.nan),
    )
    # whole launches: ceil(100 / 9) = 12 flights at the vehicle price
    assert c["capex_launch"] == pytest.approx(12 * 46e6)
    unlaunchable = tco.orbital_costs(
        sat,
        fleet_design(sat, 100.0, 0.0),
        np.asarray(9e6),
        np.asarray(1e5),
        orb_prices(launch_price_usd_per_kg=np.nan),
    )
    assert np.isnan(unlaunchable["capex_launch"])


def test_orbital_annual_total_is_annualised_capex_plus_opex():
    sat = sat_design()
    c = tco.orbital_costs(sat, fleet_design(sat), np.asarray(9e6), np.asarray(1e5), orb_prices())
    crf5, crf10 = capital_recovery_factor(0.08, 5.0), capital_recovery_factor(0.08, 10.0)
    per_life = (
        c["capex_accelerators"] + c["capex_satellite_hardware"] + c["capex_launch"] + c["capex_insurance"]
    )
    per_period = c["capex_ground_segment"] + c["capex_nre"]
    expected = per_life * crf5 + per_period * crf10 + c["annual_opex"]
    assert c["annual_total"] == pytest.approx(expected, rel=1e-12)


def test_orbital_costs_arrays():
    sat = sat_design()
    price = np.linspace(0.0, 1000.0, 4)
    c = tco.orbital_costs(
        sat, fleet_design(sat), np.asarray(9e6), np.asarray(1e5), orb_prices(launch_price_usd_per_kg=price)
    )
    assert c["annual_total"].shape == (4,)
    slope = c["launch_slope_usd_per_yr_per_usd_per_kg"]
    np.testing.assert_allclose(np.diff(c["annual_total"]), slope * np.diff(price), rtol=1e-9)


# --------------------------------------------------------------------------------------------- break-even
def test_breakeven_function_affine():
    # C(p) = C0 + s p with C0 = 100, s = 2 -> C(p*) = 300 at p* = 100
    # (launch line 76 and its insurance 4 at p = 40 make up s p = 80)
    c0, s, p = 100.0, 2.0, 40.0
    launch, insurance = 76.0, 4.0
    assert tco.breakeven_launch_price_usd_per_kg(c0 + s * p, launch, insurance, s, 300.0) == pytest.approx(
        100.0
    )
    assert tco.breakeven_launch_price_usd_per_kg(c0 + s * p, launch, insurance, s, 50.0) == pytest.approx(
        -25.0
    )
    arr = tco.breakeven_launch_price_usd_per_kg(c0 + s * p, launch, insurance, s, np.array([100.0, 300.0]))
    np.testing.assert_allclose(arr, [0.0, 100.0])


# Ground power expensive enough that orbit breaks even at a positive launch price (raised from $3,000/MWh when the
# orbit got its own 12 % cost of capital and ground repairs were priced as board swaps: at $3,000/MWh the break-even
# price is now negative).
EXPENSIVE_GROUND = {"terrestrial.electricity_price_usd_per_mwh": 4000.0, "launch.price_usd_per_kg": 100.0}


def test_breakeven_model_level_equalises_cost_per_gpu_hour():
    r = terawatt.evaluate(terawatt.load_scenario(None, EXPENSIVE_GROUND))
    p_star = r["comparison.breakeven_launch_price_usd_per_kg"]
    assert p_star > 0
    at = terawatt.evaluate(
        terawatt.load_scenario(None, {**EXPENSIVE_GROUND, "launch.price_usd_per_kg": p_star})
    )
    assert at["orbital.cost_per_gpu_hour_usd"] == pytest.approx(
        at["terrestrial.cost_per_gpu_hour_usd"], rel=1e-6
    )
    assert at["comparison.cost_ratio"] == pytest.approx(1.0, rel=1e-6)
    # the break-even does not depend on the launch price it was computed at
    assert at["comparison.breakeven_launch_price_usd_per_kg"] == pytest.approx(p_star, rel=1e-9)


def test_breakeven_from_per_vehicle_pricing():
    # launch priced per vehicle (default): the per-kg break-even still equalises costs when applied per kg
    base = {"terrestrial.electricity_price_usd_per_mwh": EXPENSIVE_GROUND["terrestrial.electricity_price_usd_per_mwh"]}
    p_star = terawatt.evaluate(terawatt.load_scenario(None, base))[
        "comparison.breakeven_launch_price_usd_per_kg"
    ]
    at = terawatt.evaluate(terawatt.load_scenario(None, {**base, "launch.price_usd_per_kg": p_star}))
    assert at["comparison.cost_ratio"] == pytest.approx(1.0, rel=1e-6)


def test_breakeven_negative_when_orbit_dearer_at_free_launch():
    r = terawatt.evaluate(None)
    p_star = r["comparison.breakeven_launch_price_usd_per_kg"]
    assert p_star < 0
    free = terawatt.evaluate(None, launch__price_usd_per_kg=0.0)
    assert free["orbital.cost_per_gpu_hour_usd"] > free["terrestrial.cost_per_gpu_hour_usd"]
    assert any("even with free launch" in note for note in r.notes)  # issue 9 wording: "no break-even ..."
