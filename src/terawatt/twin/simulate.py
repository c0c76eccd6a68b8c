"""The time-stepped run: propagate the constellation, step every satellite's state, draw events, record.

Vectorized over satellites; time advances in chunks (positions of a chunk are propagated at once with
``SatrecArray.sgp4``, so memory stays ~ satellites x chunk x 48 bytes), the state loop runs over the chunk's steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from terawatt.constants import ALUMINIUM_SPECIFIC_HEAT_J_PER_KG_K, SECONDS_PER_YEAR, STEFAN_BOLTZMANN_W_PER_M2_K4
from terawatt.errors import FieldError, ScenarioError
from terawatt.twin import array, events, ground, jobs, manoeuvres, operations, state
from terawatt.twin.constellation import Constellation, build_constellation, satrec_array
from terawatt.twin.ephemeris import DE421_JD_RANGE, gmst_rad, sun_teme_km

#: Default start: the June solstice of 2026, in the eclipse season of a dawn-dusk (LTAN 18 h) orbit.
DEFAULT_START = "2026-06-21T00:00:00"
#: Steps propagated together (memory ~ satellites x CHUNK x 48 B for positions and velocities).
CHUNK_STEPS = 64
#: Satellites whose own time series are kept (battery, radiator, load, position).
N_TRACED = 3
#: A load below the wanted one by more than this is counted as throttled [fraction of IT power].
THROTTLE_TOL = 1e-6


@dataclass(frozen=True)
class Rates:
    """Per-chip event rates taken from the steady-state design (so both sides use the same registry values)."""

    stops_per_chip_per_rad: float  # HBM UECC + accelerator SEFI + host SEFI per chip [1/rad]
    detected_sdc_per_chip_per_rad: float  # [1/rad]
    base_stops_per_chip_yr: float  # workload.interruptions_per_accelerator_yr [1/yr]
    replica_restart_cost_h: float
    retry_cost_h: float
    accelerators_per_replica: float
    failure_rate_per_yr: float


def _f(x: Any) -> float:
    return float(np.asarray(x, float))


def julian_date(start: str | datetime) -> float:
    """Julian date [d, UT] of an ISO date/time (naive = UTC)."""
    t = start if isinstance(start, datetime) else datetime.fromisoformat(str(start))
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.timestamp() / 86400.0 + 2440587.5


def plant_and_rates(result: Any) -> tuple[state.Plant, Rates]:
    """The design's power and thermal plant and event rates, from an evaluated scalar scenario."""
    v = result.scenario.values
    out = result.outputs
    temp = _f(out["orbital.radiator_temp_k"])
    eps, sides, sink = _f(v["thermal.emissivity"]), _f(v["thermal.sides"]), _f(v["thermal.sink_temp_k"])
    a_ir = eps if v["thermal.absorptivity_ir"] is None else _f(v["thermal.absorptivity_ir"])
    emitted = sides * eps * STEFAN_BOLTZMANN_W_PER_M2_K4 * (temp**4 - sink**4)
    plant = state.Plant(
        compute_power_w=_f(v["satellite.compute_power_w"]),
        housekeeping_fraction=_f(v["power.housekeeping_fraction"]),
        conversion_efficiency=_f(v["power.conversion_efficiency"]),
        battery_round_trip_efficiency=_f(v["power.battery_round_trip_efficiency"]),
        battery_capacity_wh=_f(out["orbital.battery_capacity_wh"]),
        battery_depth_of_discharge=_f(v["power.battery_depth_of_discharge"]),
        array_power_bol_w=_f(out["orbital.array_power_bol_w"]),
        degradation_per_yr=_f(v["solar.degradation_per_yr"]),
        radiator_area_m2=_f(out["orbital.radiator_area_m2"]),
        fin_efficiency=_f(v["thermal.fin_efficiency"]),
        sides=sides,
        emissivity=eps,
        sink_temp_k=sink,
        absorbed_sun_w_per_m2=emitted - _f(out["orbital.radiator_net_flux_w_per_m2"]),
        absorbed_shade_w_per_m2=_f(v["thermal.view_factor_earth"]) * a_ir * _f(v["thermal.earth_ir_w_per_m2"]),
        heat_capacity_j_per_k=_f(out["orbital.radiator_mass_kg"]) * ALUMINIUM_SPECIFIC_HEAT_J_PER_KG_K,
        limit_temp_k=temp,
    )
    dose = _f(out["orbital.dose_rad_per_yr"])
    per_rad = (lambda k: np.nan_to_num(_f(out[k])) / dose) if dose > 0 else (lambda k: 0.0)
    rates = Rates(
        stops_per_chip_per_rad=per_rad("orbital.interrupts_per_chip_year"),
        detected_sdc_per_chip_per_rad=per_rad("orbital.detected_sdc_per_chip_year"),
        base_stops_per_chip_yr=_f(v["workload.interruptions_per_accelerator_yr"]),
        replica_restart_cost_h=_f(v["workload.replica_restart_cost_h"]),
        retry_cost_h=_f(v["workload.retry_cost_h"]),
        accelerators_per_replica=_f(v["workload.accelerators_per_replica"]),
        failure_rate_per_yr=_f(v["workload.hardware_failure_rate_per_yr"]),
    )
    return plant, rates


def check_inputs(n_satellites: int, hours: float, step_s: float, seed: int, period_s: float,
                 jd_start: float) -> None:
    """Every bad run option at once, as a :class:`~terawatt.errors.ScenarioError` naming the field."""
    errors = []
    if not (isinstance(n_satellites, (int, np.integer)) and 1 <= n_satellites <= 10_000_000):
        errors.append(FieldError("twin.satellites", f"must be a whole number of satellites in [1, 10,000,000], "
                                 f"got {n_satellites}"))
    if not (np.isfinite(step_s) and 0.0 < step_s <= period_s):
        errors.append(FieldError("twin.step_s", f"must be in (0, {period_s:.0f}] s (at most one orbital period), "
                                 f"got {step_s:g}"))
    if not (np.isfinite(hours) and hours > 0.0):
        errors.append(FieldError("twin.hours", f"must be a positive duration [h], got {hours:g}"))
    elif np.isfinite(jd_start) and not (DE421_JD_RANGE[0] <= jd_start
                                        and jd_start + hours / 24.0 <= DE421_JD_RANGE[1] - 1.0):
        errors.append(FieldError("twin.hours", f"the run must end inside the DE421 ephemeris (1899-07-29 to "
                                 f"2053-10-08 UT); {hours:g} h from the start leaves it"))
    if not (np.isfinite(jd_start) and DE421_JD_RANGE[0] <= jd_start <= DE421_JD_RANGE[1] - 1.0):
        errors.append(FieldError("twin.start", "must be an ISO date inside the DE421 ephemeris "
                                 "(1899-07-29 to 2053-10-08 UT)"))
    if not (isinstance(seed, (int, np.integer)) and seed >= 0):
        errors.append(FieldError("twin.seed", f"must be a non-negative whole number, got {seed}"))
    if errors:
        raise ScenarioError(errors)


def simulate(result: Any, n_satellites: int, hours: float, step_s: float, seed: int, start: str | datetime,
             progress: Callable[[int, int], None] | None = None, formation: str = "sgp4",
             isl_range_m: float | None = None):
    """Run the twin of an evaluated design; returns the xarray Dataset described in :func:`terawatt.twin.twin`."""
    out = result.outputs
    altitude = _f(out["orbital.altitude_km"]) if "orbital.altitude_km" in out else _f(
        result.scenario.values["orbit.altitude_km"])
    period_s = 2.0 * np.pi * np.sqrt((6378.137e3 + altitude * 1e3) ** 3 / 3.986004418e14)
    try:
        jd0 = julian_date(start)
    except (TypeError, ValueError):
        jd0 = float("nan")
    check_inputs(n_satellites, hours, step_s, seed, period_s, jd0)
    if formation not in ("sgp4", "rigid"):
        raise ScenarioError([FieldError("twin.formation", f"must be 'sgp4' or 'rigid', got {formation!r}")])
    if isl_range_m is not None and not (np.isfinite(isl_range_m) and isl_range_m > 0):
        raise ScenarioError([FieldError("twin.isl_range_m", f"must be a positive range [m], got {isl_range_m:g}")])
    v = result.scenario.values
    sso = v["orbit.inclination_deg"] is None or not np.isfinite(_f(v["orbit.inclination_deg"]))
    const = build_constellation(int(n_satellites), int(v["links.cluster_satellites"]),
                                _f(v["links.cluster_radius_m"]), altitude, _f(out["orbital.inclination_deg"]),
                                _f(v["orbit.ltan_h"]), sso, jd0)
    plant, rates = plant_and_rates(result)
    grid = events.dose_grid(altitude, _f(v["radiation.shielding_mm_al"]), str(v["radiation.solar_activity"]),
                            _f(v["radiation.spe_events_per_yr_solar_max"]))
    if not v["radiation.enabled"]:
        grid = (grid[0], grid[1], np.zeros_like(grid[2]))
    return _run(const, plant, rates, grid, hours, step_s, seed, _f(v["satellite.lifetime_yr"]),
                int(round(_f(out["orbital.accelerators_per_satellite"]))), _f(v["orbital_ops.spare_fraction"]),
                progress, formation, ops=operations.operations_from_result(result),
                work=jobs.workload_from(result, isl_range_m))


def _positions(sats: Any, const: Constellation, seconds: np.ndarray, formation: str) -> np.ndarray:
    """TEME positions (n_satellites, n_steps, 3) [km]: each satellite by SGP4, or the centres by SGP4 plus each
    member's along-/cross-track offset in its centre's frame (``formation="rigid"``)."""
    jd = np.full(seconds.size, const.epoch_jd)
    err, r, v = sats.sgp4(jd, seconds / 86400.0)
    if err.any():
        raise RuntimeError(f"SGP4 failed (error codes {np.unique(err[err > 0]).tolist()})")
    if formation != "rigid":
        return r
    v_hat = v / np.linalg.norm(v, axis=-1, keepdims=True)
    h = np.cross(r, v)
    h_hat = h / np.linalg.norm(h, axis=-1, keepdims=True)
    c = const.cluster
    return (r[c] + (const.along_m / 1e3)[:, None, None] * v_hat[c]
            + (const.cross_m / 1e3)[:, None, None] * h_hat[c])


def _run(const: Constellation, plant: state.Plant, rates: Rates, grid, hours: float, step_s: float, seed: int,
         lifetime_yr: float, active: int, spare_fraction: float, progress, formation: str = "sgp4",
         *, ops: operations.Operations, work: jobs.Workload | None = None):
    """The stepping loop (see :func:`simulate`); ``ops``: avoidance, ground passes, array temperature;
    ``work``: the workloads the scheduler places (:mod:`terawatt.twin.jobs`)."""
    n = const.size
    n_steps = int(np.floor(hours * 3600.0 / step_s + 1e-9))
    seconds = np.arange(n_steps) * step_s
    rng = np.random.default_rng(seed)
    sats = satrec_array(const.centres() if formation == "rigid" else const)
    sun = sun_teme_km(const.epoch_jd, seconds if n_steps > 1 else np.array([0.0, step_s]))[:n_steps]

    active = max(active, 1)
    flown = int(round(active * (1.0 + spare_fraction)))
    age = (rng.permutation(n) + 0.5) / n * lifetime_yr  # a fleet in steady replacement: ages uniform in the life
    alive = events.initial_alive(rng, flown, rates.failure_rate_per_yr, age)
    full_sun_w = state.array_power_w(plant, 1.0, age)
    no_failures = np.zeros(n, dtype=int)
    energy = np.full(n, plant.battery_capacity_wh)
    temp = np.full(n, plant.limit_temp_k)
    debt_s = np.zeros(n)  # replica downtime owed, in seconds of the whole satellite
    stop_cost_s = rates.replica_restart_cost_h * 3600.0 * rates.accelerators_per_replica / active
    sdc_cost_s = rates.retry_cost_h * 3600.0 * rates.accelerators_per_replica / active
    traced = np.unique(np.linspace(0, n - 1, min(N_TRACED, n)).astype(int))
    # --- operations layer (twinops): manoeuvres, ground passes, array temperature ---
    ops_rng = np.random.default_rng([seed, 14])  # own stream: the other draws stay as they were
    rated = full_sun_w / ops.array_area_m2  # [W/m2] at the rated cell temperature
    t_array = operations.initial_array_temp_k(ops, rated)
    avoid_debt = np.zeros(n)
    tally = ground.GroundTally(ops.stations, ops.min_elevation_deg, n, ops.station_capacity_gbps)
    ops_series = {k: np.zeros(n_steps) for k in ("manoeuvres", "avoidance_outage_fraction", "array_temp_mean_k",
                                                 "array_temp_min_k", "array_temp_max_k", "array_power_factor_max")}
    ops_trace = {k: np.zeros((n_steps, traced.size)) for k in ("array_temp_k", "array_power_w")}
    ops_sat = {"manoeuvres": np.zeros(n, int), "avoid_down_s": np.zeros(n)}
    # --- end operations layer ---

    series = {k: np.zeros(n_steps) for k in (
        "delivered_compute_w", "sunlit_fraction", "battery_soc_min", "battery_soc_mean", "radiator_temp_max_k",
        "radiator_temp_mean_k", "throttled_fraction", "thermal_throttled_fraction", "capacity_fraction",
        "radiation_events", "hardware_failures", "dose_rate_mean_rad_per_yr")}
    trace = {k: np.zeros((n_steps, traced.size)) for k in (
        "battery_soc", "radiator_temp_k", "compute_fraction", "illumination", "latitude_deg", "longitude_deg")}
    per_sat = {"sunlit_steps": np.zeros(n), "delivered": np.zeros(n), "wanted": np.zeros(n),
               "min_soc": np.ones(n), "dose_sum": np.zeros(n), "events": np.zeros(n, int), "failures": np.zeros(n, int)}
    lost_s = 0.0
    ev_rows: list[np.ndarray] = []
    soc_den = max(plant.battery_capacity_wh, 1e-12)
    sched = None  # workloads (twin.jobs), started on the first step's positions

    for c0 in range(0, n_steps, CHUNK_STEPS):
        idx = np.arange(c0, min(c0 + CHUNK_STEPS, n_steps))
        r = _positions(sats, const, seconds[idx], formation)
        seen, umbra = state.illumination(r, sun[idx][None, :, :])
        lat, lon = events.geocentric_lat_lon_deg(r, gmst_rad(const.epoch_jd + seconds[idx] / 86400.0)[None, :])
        dose = events.dose_at(grid, lat, lon)  # (n, k) [rad/yr]
        tally.add(r, gmst_rad(const.epoch_jd + seconds[idx] / 86400.0), lat, lon)  # twinops: ground passes
        starts = manoeuvres.draw_starts(ops_rng, n, idx.size, ops.manoeuvres_per_yr, step_s)  # twinops
        out_sat, out_s, avoid_debt = manoeuvres.chunk_outage(avoid_debt, starts, ops.outage_s, step_s)  # twinops
        ops_series["manoeuvres"][idx] = starts.sum(axis=0)  # twinops
        ops_series["avoidance_outage_fraction"][idx] = out_s.sum(axis=0) / (n * step_s)  # twinops
        ops_sat["manoeuvres"] += starts.sum(axis=1)  # twinops
        np.add.at(ops_sat["avoid_down_s"], out_sat, out_s.sum(axis=1))  # twinops
        # permanent failures of the chunk, each put at a random step of it (rare: ~1e-7 per chip and minute)
        fail_chunk = events.failures(rng, alive, rates.failure_rate_per_yr, step_s * idx.size)
        failing = np.flatnonzero(fail_chunk)
        fail_step = rng.integers(0, idx.size, failing.size)
        if work is not None:  # workloads: the chunk's ISL graph (twin.jobs)
            sched = jobs.chunk(sched, r, const.cluster, np.minimum(alive, active), work, n_steps, seed)
        for j, i in enumerate(idx):
            fail = no_failures
            if failing.size and (fail_step == j).any():
                fail = np.zeros(n, dtype=alive.dtype)
                fail[failing[fail_step == j]] = fail_chunk[failing[fail_step == j]]
                alive = alive - fail
            working = np.minimum(alive, active)
            wanted = working / active
            # radiation and other stops on the chips in use, detected SDCs: Poisson in the step's dose
            dose_step = dose[:, j] * step_s / SECONDS_PER_YEAR  # [rad]
            base = rates.base_stops_per_chip_yr * step_s / SECONDS_PER_YEAR
            n_stop = rng.poisson(working * (rates.stops_per_chip_per_rad * dose_step + base))
            n_sdc = rng.poisson(working * rates.detected_sdc_per_chip_per_rad * dose_step)
            owed = n_stop * stop_cost_s + n_sdc * sdc_cost_s
            lost_s += float(owed.sum())
            debt_s += owed
            down = np.minimum(debt_s, step_s)
            debt_s -= down

            s = seen[:, j]
            terms = state.radiator_terms(plant, temp, s, step_s)
            cap_t = state.thermal_allowed_load(plant, temp, s, step_s, terms)
            factor = array.power_factor(ops.array, t_array)  # twinops: array output at its temperature
            load, energy = state.power_limited_load(plant, full_sun_w * factor * s, energy, step_s,
                                                    np.minimum(wanted, cap_t))
            temp = state.thermal_advance(plant, temp, s, load, step_s, terms)
            delivered = load * (1.0 - down / step_s)
            # --- operations layer (twinops): avoidance outage, array temperature ---
            if out_sat.size:
                delivered[out_sat] *= 1.0 - out_s[:, j] / step_s
            for k, val in (("array_temp_mean_k", t_array.mean()), ("array_temp_min_k", t_array.min()),
                           ("array_temp_max_k", t_array.max()), ("array_power_factor_max", factor.max())):
                ops_series[k][i] = val
            ops_trace["array_temp_k"][i] = t_array[traced]
            ops_trace["array_power_w"][i] = full_sun_w[traced] * factor[traced] * s[traced]
            t_array = array.advance(ops.array, t_array, s, rated, step_s, factor)
            # --- end operations layer ---
            if sched is not None:  # workloads: scheduler step (twin.jobs); a manoeuvring satellite runs slower
                job_load = load
                if out_sat.size:
                    job_load = load.copy()
                    job_load[out_sat] *= 1.0 - out_s[:, j] / step_s
                jobs.step(sched, j, alive, working, fail, n_stop, n_sdc, job_load, wanted, step_s)
            soc = energy / soc_den if plant.battery_capacity_wh > 0 else np.zeros(n)

            hit = np.flatnonzero(n_stop + n_sdc)
            if hit.size:
                ev_rows.append(np.column_stack([np.full(hit.size, seconds[i]), hit, lat[hit, j], lon[hit, j],
                                                n_stop[hit], n_sdc[hit]]))
            sunlit = ~umbra[:, j]
            series["delivered_compute_w"][i] = delivered.sum() * plant.compute_power_w
            series["sunlit_fraction"][i] = sunlit.mean()
            series["battery_soc_min"][i] = soc.min()
            series["battery_soc_mean"][i] = soc.mean()
            series["radiator_temp_max_k"][i] = temp.max()
            series["radiator_temp_mean_k"][i] = temp.mean()
            series["throttled_fraction"][i] = (load < wanted - THROTTLE_TOL).mean()
            series["thermal_throttled_fraction"][i] = (cap_t < wanted - THROTTLE_TOL).mean()
            series["capacity_fraction"][i] = wanted.mean()
            series["radiation_events"][i] = n_stop.sum() + n_sdc.sum()
            series["hardware_failures"][i] = fail.sum()
            series["dose_rate_mean_rad_per_yr"][i] = dose[:, j].mean()
            for k, val in (("battery_soc", soc), ("radiator_temp_k", temp), ("compute_fraction", delivered),
                           ("illumination", s), ("latitude_deg", lat[:, j]), ("longitude_deg", lon[:, j])):
                trace[k][i] = val[traced]
            per_sat["sunlit_steps"] += sunlit
            per_sat["delivered"] += delivered
            per_sat["wanted"] += wanted
            per_sat["min_soc"] = np.minimum(per_sat["min_soc"], soc)
            per_sat["dose_sum"] += dose[:, j]
            per_sat["events"] += n_stop + n_sdc
            per_sat["failures"] += fail
        if progress is not None:
            progress(int(idx[-1]) + 1, n_steps)

    ev = np.concatenate(ev_rows) if ev_rows else np.zeros((0, 6))
    ds = _dataset(const, plant, series, trace, traced, per_sat, ev, seconds, age, step_s, lost_s)
    if sched is not None:  # measured with jobs: goodput, availability, scheduler and ISL figures (twin.jobs)
        job_series, job_attrs = jobs.outputs(sched, n * active, step_s, plant.compute_power_w / active)
        for k, val in job_series.items():
            ds[k] = ("time", val, {"units": "W" if k.endswith("_w") else "-"})
        ds.attrs.update(job_attrs)
    return operations.record(ds, ops, ops_series, ops_trace, ops_sat, tally, rated)  # twinops


def _dataset(const, plant, series, trace, traced, per_sat, ev, seconds, age, step_s, lost_s):
    import pandas as pd
    import xarray as xr

    t0 = pd.Timestamp((const.epoch_jd - 2440587.5) * 86400.0, unit="s")
    time = t0 + pd.to_timedelta(seconds, unit="s")
    n_steps = seconds.size
    units = {"delivered_compute_w": "W", "radiator_temp_max_k": "K", "radiator_temp_mean_k": "K",
             "dose_rate_mean_rad_per_yr": "rad/yr", "radiator_temp_k": "K", "latitude_deg": "deg",
             "longitude_deg": "deg"}
    data = {k: ("time", val, {"units": units.get(k, "-")}) for k, val in series.items()}
    data.update({k: (("time", "traced"), val, {"units": units.get(k, "-")}) for k, val in trace.items()})
    data.update({
        "age_yr": ("satellite", age, {"units": "yr"}),
        "cluster": ("satellite", const.cluster),
        "plane": ("satellite", const.plane),
        "sunlit_fraction_per_satellite": ("satellite", per_sat["sunlit_steps"] / n_steps),
        "availability_per_satellite": ("satellite", per_sat["delivered"] / n_steps),
        "capacity_per_satellite": ("satellite", per_sat["wanted"] / n_steps),
        "battery_soc_min_per_satellite": ("satellite", per_sat["min_soc"]),
        "dose_rate_rad_per_yr_per_satellite": ("satellite", per_sat["dose_sum"] / n_steps, {"units": "rad/yr"}),
        "radiation_events_per_satellite": ("satellite", per_sat["events"]),
        "hardware_failures_per_satellite": ("satellite", per_sat["failures"]),
        "event_time": ("event", t0 + pd.to_timedelta(ev[:, 0], unit="s")),
        "event_satellite": ("event", ev[:, 1].astype(int)),
        "event_latitude_deg": ("event", ev[:, 2], {"units": "deg"}),
        "event_longitude_deg": ("event", ev[:, 3], {"units": "deg"}),
        "event_stops": ("event", ev[:, 4].astype(int)),
        "event_detected_sdc": ("event", ev[:, 5].astype(int)),
    })
    ds = xr.Dataset(data, coords={"time": time, "satellite": np.arange(const.size), "traced": traced})
    total_s = const.size * n_steps * step_s
    up = float(per_sat["wanted"].sum()) * step_s
    ds.attrs.update({
        "satellites": const.size, "steps": n_steps, "step_s": step_s, "altitude_km": const.altitude_km,
        "inclination_deg": float(const.inclination_deg[0]), "planes": int(const.plane.max()) + 1,
        "clusters": int(const.cluster.max()) + 1, "compute_power_w": plant.compute_power_w,
        "start": str(t0),
        # measured summaries, under the steady-state model's keys
        "orbital.sunlit_fraction": float(series["sunlit_fraction"].mean()),
        "orbital.availability": float(per_sat["delivered"].sum() / (const.size * n_steps)),
        "orbital.availability_failures": float(per_sat["wanted"].sum() / (const.size * n_steps)),
        "orbital.inference_goodput_fraction": float(1.0 - lost_s / up) if up > 0 else float("nan"),
        "orbital.dose_rad_per_yr": float(series["dose_rate_mean_rad_per_yr"].mean()),
        "twin.throttled_fraction": float(series["throttled_fraction"].mean()),
        "twin.battery_soc_min": float(series["battery_soc_min"].min()),
        "twin.radiator_temp_max_k": float(series["radiator_temp_max_k"].max()),
        "twin.simulated_s": total_s,
    })
    return ds
