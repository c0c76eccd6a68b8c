"""Setup and record of the twin's operations layer: avoidance manoeuvres, ground passes, array temperature.

:func:`operations_from_result` reads the evaluated design (the same registry values and outputs the
steady-state model used); :func:`record` adds the measured series, per-satellite and per-station variables and
``twin.*``/``orbital.*`` summaries to the twin's Dataset. The physics lives in
:mod:`~terawatt.twin.manoeuvres`, :mod:`~terawatt.twin.ground` and :mod:`~terawatt.twin.array`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from terawatt._arrays import as_scalar as _f
from terawatt.twin.array import ArrayThermal, equilibrium_temp_k, equilibrium_temps_k
from terawatt.twin.ground import Stations, cloud_states, load_stations


@dataclass(frozen=True)
class Operations:
    """What the operations layer needs from the design (scalars, SI unless named)."""

    manoeuvres_per_yr: float  # per satellite (orbital.manoeuvres_per_satellite_yr; 0 with debris off)
    outage_s: float  # per manoeuvre (debris.outage_h_per_manoeuvre)
    by_cluster: bool  # debris.formation_manoeuvre == "cluster": a cluster manoeuvres as one body
    burn_s: float  # thrust time per manoeuvre (propulsion.burn_duration_s; 0 with chemical propulsion)
    thruster_load: float  # thruster power while firing / IT power (propulsion.thruster_power_w)
    burn_array_factor: float  # cos(propulsion.burn_off_pointing_deg): array output in thrust attitude
    array: ArrayThermal
    array_area_m2: float
    stations: Stations  # the model's orbital.ground_stations, placed at catalog sites
    stations_sized: float  # orbital.ground_stations (may exceed the catalog)
    min_elevation_deg: float
    station_capacity_gbps: float  # what one station carries in contact under a clear sky (Ka: x availability)
    weather_availability: float  # the model's clear-sky availability of a station (1 for Ka: in the capacity)
    optical: bool  # links.ground_link == "optical": the twin draws clouds
    sites_per_station: int  # links.diversity_sites_per_station
    cloud_correlation_s: float  # links.cloud_correlation_h
    traffic_gbps_per_satellite: float  # max(downlink, uplink) the model sizes stations for, per satellite



def operations_from_result(result: Any) -> Operations:
    """The operations layer of an evaluated scalar design."""
    from terawatt.physics import comms, propulsion

    v, out = result.scenario.values, result.outputs
    rate = _f(out["orbital.manoeuvres_per_satellite_yr"]) if v["debris.enabled"] else 0.0
    electric = v["propulsion.type"] == "electric"
    thrust = _f(propulsion.electric_thrust_n(_f(v["propulsion.thruster_power_w"]), _f(v["propulsion.isp_electric_s"]),
                                             _f(v["propulsion.thruster_efficiency"])))
    burn_s = _f(propulsion.burn_duration_s(_f(v["debris.dv_per_manoeuvre_m_per_s"]),
                                           _f(out["orbital.satellite_mass_kg"]), thrust)) if electric else 0.0
    area = _f(out["orbital.solar_array_area_m2"])
    arr = ArrayThermal(
        solar_w_per_m2=_f(v["solar.solar_constant_w_per_m2"]),
        absorptivity=_f(v["solar.absorptivity"]),
        emissivity_front=_f(v["solar.emissivity_front"]),
        emissivity_back=_f(v["solar.emissivity_back"]),
        view_factor_earth=_f(v["thermal.view_factor_earth"]),
        albedo=_f(v["thermal.albedo"]),
        earth_ir_w_per_m2=_f(v["thermal.earth_ir_w_per_m2"]),
        heat_capacity_j_per_m2_k=_f(out["orbital.array_mass_kg"]) / area * _f(v["solar.specific_heat_j_per_kg_k"]),
        temp_coefficient_per_k=_f(v["solar.temp_coefficient_per_k"]),
        cell_temp_k=_f(v["solar.cell_temp_k"]),
    )
    links = bool(v["links.enabled"])
    sized = _f(out["orbital.ground_stations"]) if links else 0.0
    sized = sized if np.isfinite(sized) else 0.0
    optical = v["links.ground_link"] == "optical"
    weather = _f(comms.optical_ground_availability(_f(v["links.diversity_sites_per_station"]),
                                                   _f(v["links.site_clear_sky_probability"]))) if optical else 1.0
    if optical:
        capacity = _f(v["links.optical_station_rate_gbps"])
    else:
        capacity = _f(comms.rf_link_rate_gbps(_f(v["links.ka_bandwidth_hz"]), _f(v["links.ka_spectral_efficiency"]),
                                              _f(v["links.ka_polarizations"]))) * _f(v["links.ka_availability"])
    traffic = max(_f(out["orbital.downlink_required_gbps"]), _f(out["orbital.uplink_required_gbps"])) if links \
        else 0.0
    return Operations(
        manoeuvres_per_yr=rate if np.isfinite(rate) else 0.0,
        outage_s=_f(v["debris.outage_h_per_manoeuvre"]) * 3600.0,
        by_cluster=v["debris.formation_manoeuvre"] == "cluster",
        burn_s=burn_s if np.isfinite(burn_s) else 0.0,  # no thrust power: no burn modelled
        thruster_load=_f(v["propulsion.thruster_power_w"]) / _f(v["satellite.compute_power_w"]) if electric else 0.0,
        burn_array_factor=float(np.cos(np.radians(_f(v["propulsion.burn_off_pointing_deg"])))),
        array=arr,
        array_area_m2=area,
        stations=load_stations(int(sized)),
        stations_sized=sized,
        min_elevation_deg=_f(v["links.min_elevation_deg"]),
        station_capacity_gbps=capacity,
        weather_availability=weather,
        optical=optical,
        sites_per_station=int(v["links.diversity_sites_per_station"]),
        cloud_correlation_s=_f(v["links.cloud_correlation_h"]) * 3600.0,
        traffic_gbps_per_satellite=traffic / max(_f(out["orbital.satellite_count"]), 1.0),
    )


def initial_array_temp_k(ops: Operations, rated_w_per_m2: np.ndarray) -> np.ndarray:
    """Start every array at its full-sun equilibrium [K] (each satellite's own degraded output)."""
    return equilibrium_temps_k(ops.array, 1.0, rated_w_per_m2)


def tally_burns(burns: dict[str, float], share: np.ndarray, soc: np.ndarray, load: np.ndarray,
                wanted: np.ndarray, step_s: float) -> None:
    """Add one chunk's burning satellite-steps to ``burns``: ``share`` (k, b) of each step thrusting, and the
    burning satellites' state of charge, carried load and wanted load (k, b) [fractions]."""
    firing = share > 0.0
    burns["satellite_steps"] += float(np.count_nonzero(firing))
    burns["throttled_steps"] += float(np.count_nonzero(firing & (load < wanted)))
    burns["soc_min"] = min(burns["soc_min"], float(soc[firing].min()) if firing.any() else 1.0)
    burns["burn_s"] += float(share.sum()) * step_s


def record(data: dict[str, Any], coords: dict[str, Any], attrs: dict[str, Any], ops: Operations,
           series: dict[str, np.ndarray], trace: dict[str, np.ndarray], per_sat: dict[str, np.ndarray], tally: Any,
           rated_w_per_m2: np.ndarray, burns: dict[str, float] | None = None,
           cloud_rng: np.random.Generator | None = None) -> None:
    """Add the operations layer's record to the twin's variables ``data``, coordinates ``coords`` and attributes
    ``attrs`` (the dicts its Dataset is built from, in place).

    ``orbital.avoidance_outage_fraction`` is measured per satellite; ``orbital.availability_avoidance`` is the
    jobs' (the placed accelerator-time not stalled, from :mod:`~terawatt.twin.jobs`) when they ran, else one
    minus the outage. ``twin.burn_*``: the satellite-steps thrusting, their lowest state of charge and the
    share of them throttled (array off-pointed by ``propulsion.burn_off_pointing_deg``, thruster on the bus).
    Clouds (optical stations): :func:`~terawatt.twin.ground.cloud_states` for each station's sites, drawn from
    ``cloud_rng``; ``twin.clear_contact_fraction`` is the share of the stations' contact time with a cloud-free
    line of sight at one of their sites, ``twin.clear_contact_expected`` its expectation from the catalog's
    clear-sky fractions (contact-weighted :math:`1 - (1 - p_i)^n`), against the model's single
    :math:`1 - (1 - p)^n`.
    """
    n, n_steps, step_s = int(attrs["satellites"]), int(attrs["steps"]), float(attrs["step_s"])
    units = {"array_temp_mean_k": "K", "array_temp_min_k": "K", "array_temp_max_k": "K", "array_temp_k": "K",
             "array_power_w": "W"}
    for k, val in series.items():
        data[k] = ("time", val, {"units": units.get(k, "-")})
    for k, val in trace.items():
        data[k] = (("time", "traced"), val, {"units": units.get(k, "-")})
    years = n_steps * step_s / 3.15576e7
    data["manoeuvres_per_satellite"] = ("satellite", per_sat["manoeuvres"])
    data["avoidance_outage_s_per_satellite"] = ("satellite", per_sat["avoid_down_s"], {"units": "s"})
    data["ground_contact_fraction_per_satellite"] = ("satellite", tally.sat_contact_steps / n_steps)
    data["passes_per_satellite"] = ("satellite", tally.pair_passes.sum(axis=1))
    st = ops.stations
    station = tally.station_in_contact()
    coords["station"] = list(st.names)
    data["station_latitude_deg"] = ("station", st.latitude_deg, {"units": "deg"})
    data["station_longitude_deg"] = ("station", st.longitude_deg, {"units": "deg"})
    data["station_contact_fraction"] = ("station", station.mean(axis=0) if n_steps else np.zeros(st.size))
    data["station_passes"] = ("station", tally.pair_passes.sum(axis=0))
    data["satellites_in_contact_fraction"] = ("time", np.concatenate(tally.sat_series))
    data["stations_in_contact"] = ("time", station.sum(axis=1))
    flown_traffic = ops.traffic_gbps_per_satellite * n
    clear, expected = None, float("nan")
    if ops.optical and st.size:
        rng = cloud_rng if cloud_rng is not None else np.random.default_rng(0)
        p = st.clear_sky_fraction
        sky = cloud_states(rng, np.repeat(p[:, None], max(ops.sites_per_station, 1), axis=1), n_steps, step_s,
                           ops.cloud_correlation_s)
        clear = sky.any(axis=2)  # (time, station): some site of the station clear
        data["station_clear_sky_fraction"] = ("station", p)
        data["station_clear_fraction"] = ("station", clear.mean(axis=0) if n_steps else np.zeros(st.size))
        data["stations_clear"] = ("time", clear.sum(axis=1))
        w = station.sum(axis=0)
        expected = float(w @ (1.0 - (1.0 - p) ** ops.sites_per_station) / w.sum()) if w.sum() else float("nan")
    attrs.update(tally.summary(n_steps, step_s, flown_traffic, clear))
    if not ops.optical:
        attrs["twin.clear_contact_fraction"] = attrs["twin.clear_sky_fraction"] = float("nan")
    attrs["twin.clear_contact_expected"] = expected
    outage = float(per_sat["avoid_down_s"].sum() / (n * n_steps * step_s))
    burns = burns or {"satellite_steps": 0.0, "throttled_steps": 0.0, "soc_min": 1.0, "burn_s": 0.0}
    attrs.setdefault("orbital.availability_avoidance", 1.0 - outage)
    attrs.update({
        "orbital.avoidance_outage_fraction": outage,
        "twin.formation_manoeuvre": "cluster" if ops.by_cluster else "per_satellite",
        "twin.burn_s_per_manoeuvre": ops.burn_s,
        "twin.burn_satellite_hours": burns["burn_s"] / 3600.0,
        "twin.burn_battery_soc_min": burns["soc_min"] if burns["satellite_steps"] else float("nan"),
        "twin.burn_throttled_fraction": burns["throttled_steps"] / burns["satellite_steps"]
        if burns["satellite_steps"] else float("nan"),
        "orbital.manoeuvres_per_satellite_yr": float(per_sat["manoeuvres"].sum() / n / years),
        "twin.manoeuvres": int(per_sat["manoeuvres"].sum()),
        "twin.ground_stations_sized": ops.stations_sized,
        "twin.array_temp_max_k": float(series["array_temp_max_k"].max()),
        "twin.array_temp_min_k": float(series["array_temp_min_k"].min()),
        "twin.array_equilibrium_temp_k": equilibrium_temp_k(ops.array, 1.0, float(np.median(rated_w_per_m2))),
        "twin.array_power_factor_max": float(series["array_power_factor_max"].max()),
    })
