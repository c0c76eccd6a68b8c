"""Name the model's intermediate quantities under the canonical output keys (DESIGN.md). No computation of
substance happens here beyond unit conversions and ratios of already computed quantities."""

from __future__ import annotations

from typing import Any

import numpy as np

from terawatt.design.satellite import AVAILABILITY_PARTS
from terawatt.economics import tco
from terawatt.physics import debris

#: Output units, by canonical key (for tables, JSON metadata and plots).
UNITS: dict[str, str] = {}


def _unit(key: str) -> str:
    for suffix, unit in (
        ("_usd_per_kg", "USD/kg"),
        ("_usd_per_w", "USD/W"),
        ("_usd_per_yr", "USD/yr"),
        ("per_kw_year_usd", "USD/kW-yr"),
        ("per_gpu_hour_usd", "USD/GPU-h"),
        ("per_million_tokens_usd", "USD/Mtok"),
        ("_usd", "USD"),
        ("_w_per_kg", "W/kg"),
        ("_gw", "GW"),
        ("_rad_per_yr", "rad/yr"),
        ("_gbps", "Gbit/s"),
        ("_ms", "ms"),
        ("_m_per_s_per_yr", "m/s/yr"),
        ("_m_per_s", "m/s"),
        ("_kg_per_m3", "kg/m3"),
        ("_kg_per_m2", "kg/m2"),
        ("_w_per_m2", "W/m2"),
        ("_kwh_per_m2_yr", "kWh/m2/yr"),
        ("_mwh_per_yr", "MWh/yr"),
        ("_mwh", "MWh"),
        ("_kwh", "kWh"),
        ("_wh", "Wh"),
        ("_m2", "m2"),
        ("_kg", "kg"),
        ("_w", "W"),
        ("_k", "K"),
        ("_deg", "deg"),
        ("_min", "min"),
        ("_s", "s"),
        ("_yr", "yr"),
        ("_t", "t"),
        ("_per_yr", "1/yr"),
    ):
        if key.endswith(suffix):
            return unit
    return "-"


def collect_outputs(**q: Any) -> dict[str, Any]:
    """Canonical outputs from the pieces computed in :func:`terawatt.model.evaluate`."""
    env, sat, fleet, orb, ground, ter = q["env"], q["sat"], q["fleet"], q["orb"], q["ground"], q["ter"]
    it_power, gpu_hours, tokens = q["it_power"], q["gpu_hours"], q["tokens"]
    period = q["period"]
    v = q["v"]
    kw = it_power / 1e3
    feasible = q["feasibility"].feasible

    out: dict[str, Any] = {
        "orbital.feasible": feasible,
        "orbital.infeasible_reason": q["feasibility"].reason,
        "orbital.radiator_feasible": sat.feasible,
        "orbital.launchable": fleet.launchable,
        "orbital.environment_feasible": q["space"].feasible,
        "orbital.inclination_deg": env["inclination_deg"],
        "orbital.period_min": env["period_s"] / 60.0,
        "orbital.sunlit_fraction": env["sunlit_fraction"],
        "orbital.geometric_sunlit_fraction": env["geometric_sunlit_fraction"],
        "orbital.eclipse_days_per_yr": env["eclipse_days_per_yr"],
        "orbital.max_eclipse_min": env["max_eclipse_min"],
        "orbital.accelerators_per_satellite": sat.accelerators,
        "orbital.heat_rejected_w": sat.heat_rejected_w,
        "orbital.array_power_bol_w": sat.array_power_bol_w,
        "orbital.array_power_density_w_per_m2": sat.array_power_density_w_per_m2,
        "orbital.solar_array_area_m2": sat.solar_array_area_m2,
        "orbital.radiator_temp_k": q["radiator_temp"],
        "orbital.radiator_net_flux_w_per_m2": q["net_flux"],
        "orbital.radiator_area_m2": sat.radiator_area_m2,
        "orbital.battery_capacity_wh": sat.battery_capacity_wh,
        "orbital.battery_mass_kg": sat.battery_mass_kg,
        "orbital.it_mass_kg": sat.it_mass_kg,
        "orbital.array_mass_kg": sat.array_mass_kg,
        "orbital.radiator_mass_kg": sat.radiator_mass_kg,
        "orbital.shielding_mass_kg": sat.shielding_mass_kg,
        "orbital.bus_mass_kg": sat.bus_mass_kg,
        "orbital.margin_mass_kg": sat.margin_mass_kg,
        "orbital.propulsion_mass_kg": sat.propulsion_mass_kg,
        "orbital.satellite_mass_kg": sat.satellite_mass_kg,
        "orbital.specific_power_w_per_kg": sat.specific_power_w_per_kg,
        "orbital.availability": fleet.availability,
        **{f"orbital.availability_{part}": getattr(fleet, f"availability_{part}") for part in AVAILABILITY_PARTS},
        "orbital.servicing_visits_per_satellite": fleet.servicing_visits_per_satellite,
        "orbital.discount_rate": q["discounts"]["orbital"],
        "terrestrial.discount_rate": q["discounts"]["terrestrial"],
        "orbital.nameplate_it_power_w": fleet.nameplate_it_power_w,
        "orbital.satellite_count": fleet.satellite_count,
        "orbital.accelerators": fleet.accelerators_flown,
        "orbital.launch_mass_kg": fleet.launch_mass_kg,
        "orbital.payload_kg": fleet.payload_kg,
        "orbital.satellites_per_launch": fleet.satellites_per_launch,
        "orbital.launches": fleet.launches,
        "orbital.power_launched_per_yr_w": q["flights_per_yr"]
        * fleet.satellites_per_launch
        * sat.satellite_mass_kg
        * sat.specific_power_w_per_kg,
        "orbital.mass_to_orbit_t_per_yr": q["flights_per_yr"]
        * fleet.satellites_per_launch
        * sat.satellite_mass_kg
        / 1e3,
        "orbital.capex_usd": orb["capex_total"],
        "orbital.opex_usd_per_yr": orb["annual_opex"],
        "orbital.annual_cost_usd_per_yr": orb["annual_total"],
        "orbital.lifecycle_cost_usd": tco.lifecycle(orb["annual_total"], orb["crf_period"]),
        "orbital.infrastructure_lifecycle_cost_usd": tco.lifecycle(orb["annual_infrastructure"], orb["crf_period"]),
        "orbital.launch_cost_per_kw_year_usd": orb["annual_launch"] / kw,
        "orbital.infrastructure_cost_per_kw_year_usd": orb["annual_infrastructure"] / kw,
        "orbital.solar_energy_kwh_per_m2_yr": q["orbit_energy"],
    }
    for name in ("accelerators", "satellite_hardware", "launch", "insurance", "ground_segment", "nre"):
        out[f"orbital.capex_breakdown_usd.{name}"] = orb[f"capex_{name}"]
    for name in (
        "accelerators",
        "satellite_hardware",
        "launch",
        "insurance",
        "ground_segment",
        "nre",
        "operations",
        "replacement",
        "servicing",
    ):
        out[f"orbital.annual_breakdown_usd_per_yr.{name}"] = orb[f"annual_{name}"]
    out.update(
        {f"orbital.{k}": val for k, val in tco.unit_costs(orb["annual_total"], it_power, gpu_hours, tokens).items()}
    )

    years = period
    out.update(
        {
            "terrestrial.accelerators": ground.accelerators,
            "terrestrial.facility_power_w": ground.facility_power_w,
            "terrestrial.energy_mwh_per_yr": ground.facility_energy_mwh_per_yr,
            "terrestrial.energy_mwh": ground.facility_energy_mwh_per_yr * years,
            "terrestrial.energy_price_usd_per_mwh": q["energy_price"],
            "terrestrial.energy_cost_usd": ter["annual_energy"] * years,
            "terrestrial.energy_cost_per_kw_year_usd": ter["annual_energy"] / kw,
            "terrestrial.water_t": ground.water_l_per_yr * years / 1e3,
            "terrestrial.gas_capacity_w": ground.gas_capacity_w,
            "terrestrial.pv_capacity_w": ground.pv_capacity_w,
            "terrestrial.storage_capacity_wh": ground.storage_capacity_wh,
            "terrestrial.solar_capacity_factor": q["ground_cf"],
            "terrestrial.solar_energy_kwh_per_m2_yr": q["ground_energy"],
            "terrestrial.capex_usd": ter["capex_total"],
            "terrestrial.opex_usd_per_yr": ter["annual_opex"],
            "terrestrial.annual_cost_usd_per_yr": ter["annual_total"],
            "terrestrial.lifecycle_cost_usd": tco.lifecycle(ter["annual_total"], ter["crf_period"]),
            "terrestrial.infrastructure_lifecycle_cost_usd": tco.lifecycle(
                ter["annual_infrastructure"], ter["crf_period"]
            ),
            "terrestrial.infrastructure_cost_per_kw_year_usd": ter["annual_infrastructure"] / kw,
        }
    )
    for name in ("accelerators", "facility", "power_plant"):
        out[f"terrestrial.capex_breakdown_usd.{name}"] = ter[f"capex_{name}"]
    for name in ("accelerators", "repairs", "facility", "power_plant", "energy", "operations"):
        out[f"terrestrial.annual_breakdown_usd_per_yr.{name}"] = ter[f"annual_{name}"]
    # The ground delivers its GPU-hours and tokens after its own goodput loss (the orbit's fleet is sized up instead).
    ground_hours = q["ground_gpu_hours"]
    out.update(
        {
            f"terrestrial.{k}": val
            for k, val in tco.unit_costs(ter["annual_total"], it_power, ground_hours, q["ground_tokens"]).items()
        }
    )
    out["terrestrial.gpu_hours_per_yr"] = ground_hours
    for side, gp in q["goodput"].items():
        out.update(gp.outputs(side))

    for side, costs in (("orbital", orb), ("terrestrial", ter)):
        wait_yr, wait_usd = q["waits"][side]
        out[f"{side}.time_to_first_token_yr"] = wait_yr
        out[f"{side}.wait_cost_usd"] = wait_usd
        with_wait = out[f"{side}.annual_cost_usd_per_yr"] + wait_usd * costs["crf_period"]
        out[f"{side}.cost_per_gpu_hour_with_wait_usd"] = with_wait / (gpu_hours if side == "orbital" else ground_hours)
    out["terrestrial.time_to_power_yr"] = out["terrestrial.time_to_first_token_yr"]
    out["orbital.launch_price_usd_per_kg"] = orb["capex_launch"] / fleet.launch_mass_kg
    space, links = q["space"], q["links"]
    out.update(
        {
            "orbital.density_kg_per_m3": space.density_kg_per_m3,
            "orbital.drag_area_m2": space.drag_area_m2,
            "orbital.ballistic_coefficient_kg_per_m2": space.ballistic_coefficient_kg_per_m2,
            "orbital.drag_dv_m_per_s_per_yr": space.drag_dv_m_per_s_per_yr,
            "orbital.natural_decay_yr": space.natural_decay_yr,
            "orbital.deorbit_dv_m_per_s": space.deorbit_dv_m_per_s,
            "orbital.total_dv_m_per_s": space.total_dv_m_per_s,
            "orbital.propellant_mass_kg": space.propellant_mass_kg,
            "orbital.manoeuvres_per_satellite_yr": space.manoeuvres_per_satellite_yr,
            "orbital.fleet_manoeuvres_per_yr": space.manoeuvres_per_satellite_yr * fleet.satellite_count,
            "orbital.collision_probability_per_yr": space.collision_probability_per_yr,
            "orbital.fleet_collision_probability_per_yr": debris.fleet_collision_probability_per_yr(
                np.nan_to_num(space.collision_probability_per_yr), np.nan_to_num(fleet.satellite_count, posinf=0.0)
            )
            + np.where(np.isnan(space.collision_probability_per_yr) | ~np.isfinite(fleet.satellite_count), np.nan, 0.0),
            "orbital.avoidance_dv_m_per_s_per_yr": space.avoidance_dv_m_per_s_per_yr,
            "orbital.avoidance_outage_fraction": space.avoidance_outage_fraction,
            "orbital.isl_range_m": links.isl_range_m,
            **{f"orbital.{k}": val for k, val in vars(q["rad"]).items()},
            "orbital.isl_rate_gbps": links.isl_rate_gbps,
            "orbital.downlink_required_gbps": links.downlink_required_gbps,
            "orbital.uplink_required_gbps": links.uplink_required_gbps,
            "orbital.ground_stations": links.ground_stations,
            "orbital.latency_ms": links.latency_ms,
        }
    )
    insurance_on_launch = orb["annual_launch"] * np.asarray(v["orbital_ops.insurance_fraction"], float)
    out.update(
        {
            "comparison.cost_ratio": out["orbital.cost_per_gpu_hour_usd"] / out["terrestrial.cost_per_gpu_hour_usd"],
            "comparison.infrastructure_cost_ratio": orb["annual_infrastructure"] / ter["annual_infrastructure"],
            "comparison.breakeven_launch_price_usd_per_kg": tco.breakeven_launch_price_usd_per_kg(
                orb["annual_total"],
                orb["annual_launch"],
                insurance_on_launch,
                orb["launch_slope_usd_per_yr_per_usd_per_kg"],
                ter["annual_total"] * gpu_hours / ground_hours,  # the ground's cost per orbital GPU-hour delivered
            ),
            "comparison.cost_ratio_with_wait": out["orbital.cost_per_gpu_hour_with_wait_usd"]
            / out["terrestrial.cost_per_gpu_hour_with_wait_usd"],
            "comparison.solar_energy_ratio": q["orbit_energy"] / q["ground_energy"],
            "comparison.gpu_hours_per_yr": gpu_hours,
            "comparison.tokens_per_yr": tokens,
        }
    )
    # Infeasible designs carry no cost figures.
    for key in [] if np.all(feasible) else list(out):
        if key.startswith(
            (
                "orbital.cost",
                "orbital.launch_cost",
                "orbital.infrastructure_cost",
                "comparison.cost",
                "comparison.infra",
                "comparison.breakeven",
            )
        ):
            out[key] = np.where(feasible, out[key], np.nan)
    shape = np.broadcast_shapes(*(val.shape for val in out.values() if isinstance(val, np.ndarray) and val.ndim))
    if not shape:  # one sample: every array is 0-d
        return {k: val.item() if type(val) in _ITEM_TYPES else _scalarize(val) for k, val in out.items()}
    return {k: _scalarize(np.broadcast_to(val, shape)) for k, val in out.items()}


#: Types whose ``item()`` is the Python scalar :func:`_scalarize` returns for a 0-d value.
_ITEM_TYPES = frozenset({np.ndarray, np.float64, np.bool_, np.int64, np.str_})


def _scalarize(value: Any) -> Any:
    """A 0-d value as a Python scalar (``bool`` for a flag, ``str`` for a reason), arrays unchanged."""
    kind = type(value)
    if kind in (bool, int, float):  # already a Python scalar (not a NumPy one)
        return value
    if kind is not np.ndarray:
        value = np.asarray(value)
    return value.item() if value.ndim == 0 else value  # item(): Python bool/int/float/str by dtype


def unit_of(key: str) -> str:
    """Unit of a canonical output key, from its suffix."""
    if key not in UNITS:
        UNITS[key] = _unit(key)
    return UNITS[key]
