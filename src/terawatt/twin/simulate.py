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

from terawatt._arrays import as_scalar as _f
from terawatt.constants import ALUMINIUM_SPECIFIC_HEAT_J_PER_KG_K, SECONDS_PER_YEAR, STEFAN_BOLTZMANN_W_PER_M2_K4
from terawatt.errors import FieldError, ScenarioError
from terawatt.twin import array, events, ground, jobs, manoeuvres, operations, state
from terawatt.twin.constellation import Constellation, build_constellation, satrec_array
from terawatt.twin.ephemeris import DE421_JD_RANGE, gmst_rad, sun_teme_km
from terawatt.twin.propagation import MAX_KNOT_S, Propagator, hermite_bound_m, knot_steps

#: Default start: the June solstice of 2026, in the eclipse season of a dawn-dusk (LTAN 18 h) orbit.
DEFAULT_START = "2026-06-21T00:00:00"
#: Satellite-steps handled together: a chunk's (steps, satellites) float arrays of ~1.3 MB stay in a core's cache.
CHUNK_CELLS = 160_000
#: Fewest and most steps in a chunk.
CHUNK_STEPS = (16, 1024)
#: Satellites whose own time series are kept (battery, radiator, load, position).
N_TRACED = 3
#: Most accelerators a run flies (satellites x accelerators per satellite): the job layer keeps a few numbers per
#: accelerator slot (measured: 1.4e8 accelerators, 1,000 satellites, one hour, 2.2 GB peak and 87 s).
MAX_ACCELERATORS = 200_000_000
#: Most time steps a run takes: every series over time is this long (a year at 6.3-s steps; the default run is
#: 1,440).
MAX_STEPS = 5_000_000
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
                 jd_start: float, formation: str = "sgp4", knot_s: float | None = None,
                 accelerators_per_satellite: int = 1) -> None:
    """Every bad run option at once, as a :class:`~terawatt.errors.ScenarioError` naming the field."""
    wrong = [FieldError(name, f"expected a number, got {value!r:.60}")
             for name, value in (("twin.hours", hours), ("twin.step_s", step_s))
             if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating))]
    if wrong:  # (the checks below compare numbers)
        raise ScenarioError(wrong)
    errors = []
    if (isinstance(n_satellites, (int, np.integer)) and 1 <= n_satellites <= 10_000_000
            and n_satellites * accelerators_per_satellite > MAX_ACCELERATORS):
        errors.append(FieldError("twin.satellites", f"{n_satellites:,} satellites of {accelerators_per_satellite:,} "
                                 f"accelerators are {n_satellites * accelerators_per_satellite:,.0f} accelerators, "
                                 f"more than the {MAX_ACCELERATORS:,} the twin tracks; fly fewer satellites "
                                 f"(--satellites or --clusters) or check the accelerator count "
                                 f"(workload.server_power_w_per_accelerator)"))
    if formation not in ("sgp4", "rigid"):
        errors.append(FieldError("twin.formation", f"must be 'sgp4' or 'rigid', got {formation!r}"))
    if knot_s is not None and not (isinstance(knot_s, (int, float, np.integer, np.floating)) and np.isfinite(knot_s)
                                   and 0.0 <= knot_s <= MAX_KNOT_S):
        errors.append(FieldError("twin.knot_s", f"must be 0 (SGP4 at every step) or a knot spacing in (0, "
                                 f"{MAX_KNOT_S:g}] s, got {knot_s}"))
    if not (isinstance(n_satellites, (int, np.integer)) and 1 <= n_satellites <= 10_000_000):
        errors.append(FieldError("twin.satellites", f"must be a whole number of satellites in [1, 10,000,000], "
                                 f"got {n_satellites}"))
    if not (np.isfinite(step_s) and 0.0 < step_s <= period_s):
        errors.append(FieldError("twin.step_s", f"must be in (0, {period_s:.0f}] s (at most one orbital period), "
                                 f"got {step_s:g}"))
    if not (np.isfinite(hours) and hours > 0.0):
        errors.append(FieldError("twin.hours", f"must be a positive duration [h], got {hours:g}"))
    elif np.isfinite(step_s) and 0.0 < step_s <= period_s and hours * 3600.0 / step_s + 1e-9 < 1.0:
        errors.append(FieldError("twin.hours", f"{hours:g} h is shorter than one step of {step_s:g} s: the run "
                                 "needs at least one step"))
    elif np.isfinite(step_s) and 0.0 < step_s <= period_s and hours * 3600.0 / step_s > MAX_STEPS:
        errors.append(FieldError("twin.step_s", f"{hours:g} h in steps of {step_s:g} s are "
                                 f"{hours * 3600.0 / step_s:,.3g} steps, more than the {MAX_STEPS:,} a run takes "
                                 "(a year at 6.3-s steps); take longer steps or a shorter run"))
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


def check_array_balance(ops: operations.Operations, plant: state.Plant) -> None:
    """A :class:`~terawatt.errors.ScenarioError` naming ``solar.absorptivity`` when the arrays have no steady
    temperature in full sun (:func:`terawatt.twin.array.equilibrium_exists`, at the beginning-of-life output:
    a degraded array delivers less, which only helps): they would deliver more than they absorb."""
    a = ops.array
    rated = plant.array_power_bol_w / ops.array_area_m2
    if array.equilibrium_exists(a, 1.0, rated):
        return
    from terawatt.params import load_registry

    spec = load_registry()["solar.absorptivity"]
    literature = f", literature {spec.range[0]:g} to {spec.range[1]:g}" if spec.range else ""
    raise ScenarioError([FieldError("solar.absorptivity", (
        f"{a.absorptivity:g} [-] is too low for the twin's array temperature: the arrays deliver {rated:.0f} W/m2 "
        f"in full sun ({rated / a.solar_w_per_m2:.1%} of the sunlight, more when cold) and absorb "
        f"{float(a.absorbed_w_per_m2(np.asarray(1.0))):.0f} W/m2, so they have no steady temperature (allowed "
        f"{spec.range_text()}{literature})"))])


def _altitude_km(result: Any) -> float:
    out = result.outputs
    return _f(out["orbital.altitude_km"]) if "orbital.altitude_km" in out else _f(
        result.scenario.values["orbit.altitude_km"])


def constellation_of(result: Any, n_satellites: int, jd0: float) -> Constellation:
    """The constellation the twin flies for an evaluated design: ``n_satellites`` in the design's clusters, orbit
    (altitude, inclination or sun-synchronous, LTAN) and epoch ``jd0`` [d, UT]."""
    v, out = result.scenario.values, result.outputs
    sso = v["orbit.inclination_deg"] is None or not np.isfinite(_f(v["orbit.inclination_deg"]))
    return build_constellation(int(n_satellites), int(v["links.cluster_satellites"]),
                               _f(v["links.cluster_radius_m"]), _altitude_km(result),
                               _f(out["orbital.inclination_deg"]), _f(v["orbit.ltan_h"]), sso, jd0)


def simulate(result: Any, n_satellites: int, hours: float, step_s: float, seed: int, start: str | datetime,
             progress: Callable[[int, int], None] | None = None, formation: str = "sgp4",
             knot_s: float | None = None, isl_range_m: float | None = None):
    """Run the twin of an evaluated design; returns the xarray Dataset described in :func:`terawatt.twin.twin`."""
    out = result.outputs
    altitude = _altitude_km(result)
    period_s = 2.0 * np.pi * np.sqrt((6378.137e3 + altitude * 1e3) ** 3 / 3.986004418e14)
    try:
        jd0 = julian_date(start)
    except (TypeError, ValueError):
        jd0 = float("nan")
    per_satellite = int(round(_f(out["orbital.accelerators_per_satellite"])))
    check_inputs(n_satellites, hours, step_s, seed, period_s, jd0, formation, knot_s, per_satellite)
    if isl_range_m is not None and not (isinstance(isl_range_m, (int, float, np.integer, np.floating))
                                        and not isinstance(isl_range_m, bool)
                                        and np.isfinite(isl_range_m) and 0 < isl_range_m <= 1e8):
        raise ScenarioError([FieldError("twin.isl_range_m", f"must be a positive range [m] up to 1e8 (beyond the "
                                                            f"Moon's distance: all linked), got {isl_range_m!r:.60}")])
    v = result.scenario.values
    plant, rates = plant_and_rates(result)
    ops = operations.operations_from_result(result)
    check_array_balance(ops, plant)
    const = constellation_of(result, int(n_satellites), jd0)
    grid = events.dose_grid(altitude, _f(v["radiation.shielding_mm_al"]), str(v["radiation.solar_activity"]),
                            _f(v["radiation.spe_events_per_yr_solar_max"]))
    if not v["radiation.enabled"]:
        grid = (grid[0], grid[1], np.zeros_like(grid[2]))
    every = 1 if formation == "rigid" or knot_s == 0 else knot_steps(step_s, altitude, knot_s)
    ds = _run(const, plant, rates, grid, hours, step_s, seed, _f(v["satellite.lifetime_yr"]),
              per_satellite, _f(v["orbital_ops.spare_fraction"]), progress, formation, every, ops=ops,
              work=jobs.workload_from(result, isl_range_m))
    ds.attrs["knot_s"] = every * step_s if every > 1 else 0.0
    ds.attrs["position_error_bound_m"] = hermite_bound_m(every * step_s, altitude) if every > 1 else 0.0
    return ds


def _geometry(r_km: np.ndarray, sun32: np.ndarray, sun2: np.ndarray, gmst_minus_pi: np.ndarray, grid):
    """Shadow, latitude, longitude and dose rate of a chunk, each (k, n), from positions (3, k, n) [km, TEME].

    Single precision from the positions on (0.5 m of 7,000 km: 5e-5 s on an eclipse edge, against the
    interpolation's 64 m): half the memory traffic, and SIMD sqrt/arcsin/arctan2. Returns the visible solar
    disc, the umbra flag, geocentric latitude [rad], Earth-fixed longitude + pi [rad] in [0, 2 pi] and the dose
    rate [rad/yr].
    """
    x, y, z = r_km.astype(np.float32)
    r2, rs, tmp = x * x, x * sun32[:, 0:1], y * y
    r2 += tmp
    r2 += np.multiply(z, z, out=tmp)
    rs += np.multiply(y, sun32[:, 1:2], out=tmp)
    rs += np.multiply(z, sun32[:, 2:3], out=tmp)
    seen, umbra = state.shadow(r2, rs, sun2[:, None])
    del rs, tmp
    lat = np.sqrt(r2)
    np.divide(z, lat, out=lat)
    np.arcsin(lat, out=lat)
    lon = np.arctan2(y, x)
    lon -= gmst_minus_pi[:, None]  # in (-2 pi, 2 pi]: gmst - pi in [-pi, pi)
    np.add(lon, np.float32(2.0 * np.pi), out=lon, where=lon < 0.0)
    return seen, umbra, lat, lon, events.dose_along(grid, lat, lon)


def _failures(rng: np.random.Generator, alive: np.ndarray, rate_per_yr: float, step_s: float, k: int,
              active: int, out: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Permanent failures of a chunk of ``k`` steps, each put at a random step of it (rare: ~1e-7 per chip and
    minute): failures (k, n) (written into ``out``, zero on entry, if given), chips alive after the chunk (n),
    working chips at each step (k or 1, n), chips alive at each step (k, n; None without failures) and the
    failing satellites (ascending)."""
    fail_chunk = events.failures(rng, alive, rate_per_yr, step_s * k)
    failing = np.flatnonzero(fail_chunk)
    fail_at = rng.integers(0, k, failing.size)
    fail = np.zeros((k, alive.size), dtype=alive.dtype) if out is None else out
    fail[fail_at, failing] = fail_chunk[failing]
    if not failing.size:
        return fail, alive, np.minimum(alive, active)[None, :], None, failing
    alive_k = np.repeat(alive[None, :], k, axis=0)  # chips alive at each step of the chunk
    alive_k[:, failing] -= np.cumsum(fail[:, failing], axis=0)  # only the failing satellites change
    return fail, alive_k[-1], np.minimum(alive_k, active), alive_k, failing


def _radiation(rng: np.random.Generator, working: np.ndarray, dose: np.ndarray, stop_per_rate: float,
               base_stops: float, sdc_per_rate: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Radiation and other stops on the chips in use and detected SDCs of a chunk: Poisson in each step's dose,
    drawn sparsely (:func:`~terawatt.twin.events.poisson_cells`) and split by thinning (each event an SDC with
    probability SDC rate / all rates). Returns the flat (step, satellite) cells with events, stops and SDCs."""
    stop_rate = working * (stop_per_rate * dose + base_stops)
    sdc_rate = working * (sdc_per_rate * dose)
    cells, count = events.poisson_cells(rng, stop_rate + sdc_rate)
    both = stop_rate.flat[cells] + sdc_rate.flat[cells]
    n_sdc = rng.binomial(count, np.divide(sdc_rate.flat[cells], both, out=np.zeros(cells.size), where=both > 0))
    return cells, count - n_sdc, n_sdc


def _run(const: Constellation, plant: state.Plant, rates: Rates, grid, hours: float, step_s: float, seed: int,
         lifetime_yr: float, active: int, spare_fraction: float, progress, formation: str = "sgp4",
         every: int = 1, *, ops: operations.Operations, work: jobs.Workload | None = None):
    """The stepping loop (see :func:`simulate`); ``every``: steps between SGP4 knots; ``ops``: avoidance, ground
    passes, array temperature (:mod:`~terawatt.twin.operations`); ``work``: the workloads the scheduler places
    (:mod:`~terawatt.twin.jobs`).

    Per chunk of steps, vectorized over (steps, satellites) at once: positions, shadow, latitude/longitude, dose,
    failures, radiation events, the array's supply and the radiator's absorbed heat. Per step: only the recurrences
    (battery, radiator, replica downtime) and the per-step hooks. Per chunk again: the series and per-satellite
    reductions of what the steps wrote into the chunk's buffers. Chunk arrays are time-major, (steps, satellites).
    """
    n = const.size
    n_steps = int(np.floor(hours * 3600.0 / step_s + 1e-9))
    seconds = np.arange(n_steps) * step_s
    rng = np.random.default_rng(seed)
    sats = satrec_array(const.centres() if formation == "rigid" else const)
    prop = Propagator(sats, const, step_s, every, formation)
    chunk = int(np.clip(CHUNK_CELLS // n, *CHUNK_STEPS))
    chunk = prop.every * max(1, round(chunk / prop.every))  # chunks start at knots
    sun = sun_teme_km(const.epoch_jd, seconds if n_steps > 1 else np.array([0.0, step_s]))[:n_steps]
    sun32 = sun.astype(np.float32)
    sun2 = np.einsum("ij,ij->i", sun, sun).astype(np.float32)
    sidereal = gmst_rad(const.epoch_jd + seconds / 86400.0)  # [rad], float64 for the ground stations
    gmst = (sidereal - np.pi).astype(np.float32)
    grid = (grid[0], grid[1], grid[2].astype(np.float32))

    active = max(active, 1)
    flown = int(round(active * (1.0 + spare_fraction)))
    age = (rng.permutation(n) + 0.5) / n * lifetime_yr  # a fleet in steady replacement: ages uniform in the life
    alive = events.initial_alive(rng, flown, rates.failure_rate_per_yr, age)
    full_sun_w = state.array_power_w(plant, 1.0, age)
    stepper = state.Stepper(plant, n, step_s)
    energy = np.full(n, plant.battery_capacity_wh)
    temp = np.full(n, plant.limit_temp_k)
    debt_s = np.zeros(n)  # replica downtime owed, in seconds of the whole satellite
    stop_cost_s = rates.replica_restart_cost_h * 3600.0 * rates.accelerators_per_replica / active
    sdc_cost_s = rates.retry_cost_h * 3600.0 * rates.accelerators_per_replica / active
    per_rad = step_s / SECONDS_PER_YEAR  # dose rate [rad/yr] -> dose in a step [rad]
    stop_per_rate = rates.stops_per_chip_per_rad * per_rad  # stops per chip per (rad/yr) of dose rate, per step
    sdc_per_rate = rates.detected_sdc_per_chip_per_rad * per_rad
    base_stops = rates.base_stops_per_chip_yr * per_rad
    traced = np.unique(np.linspace(0, n - 1, min(N_TRACED, n)).astype(int))
    soc_per_wh = 1.0 / plant.battery_capacity_wh if plant.battery_capacity_wh > 0 else 0.0
    # --- operations layer (twinops): manoeuvres, ground passes, array temperature ---
    ops_rng = np.random.default_rng([seed, 14])  # own stream: the other draws stay as they were
    rated = full_sun_w / ops.array_area_m2  # [W/m2] at the rated cell temperature
    t_array = operations.initial_array_temp_k(ops, rated)
    array_supply = plant.conversion_efficiency / plant.compute_power_w * full_sun_w  # supply per unit disc, rated
    cluster_of = const.cluster if ops.by_cluster else None  # a formation manoeuvres as one body
    avoid_debt = np.zeros(int(const.cluster.max()) + 1 if ops.by_cluster else n)
    burn_debt = np.zeros_like(avoid_debt)
    burn_loss = 1.0 - ops.burn_array_factor  # array output lost in thrust attitude [fraction]
    tally = ground.GroundTally(ops.stations, ops.min_elevation_deg, n, ops.station_capacity_gbps)
    ops_series = {k: np.zeros(n_steps) for k in ("manoeuvres", "avoidance_outage_fraction", "array_temp_mean_k",
                                                 "array_temp_min_k", "array_temp_max_k", "array_power_factor_max")}
    ops_trace = {k: np.zeros((n_steps, traced.size)) for k in ("array_temp_k", "array_power_w")}
    ops_sat = {"manoeuvres": np.zeros(n, int), "avoid_down_s": np.zeros(n)}
    burns = {"satellite_steps": 0.0, "throttled_steps": 0.0, "soc_min": 1.0, "burn_s": 0.0}
    # --- end operations layer ---
    sched = None  # workloads (twin.jobs), started on the first chunk's positions

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
    # what the steps write, (chunk steps, satellites): reduced once per chunk
    buf = {k: np.zeros((chunk, n)) for k in ("load", "allowed", "delivered", "soc", "temp", "down", "t_array",
                                              "factor")}
    fail_buf = np.zeros((chunk, n), np.int64)  # failures per step and satellite, zero but in a chunk
    wanted_tol = np.empty((chunk, n))  # the load below which a step counts as throttled

    for c0 in range(0, n_steps, chunk):
        k = min(chunk, n_steps - c0)
        sl = slice(c0, c0 + k)
        # ---- chunk level: everything that does not depend on the state of the previous step
        r = prop.positions(c0, k)  # (3, k, n) [km]
        seen, umbra, lat, lon, dose = _geometry(r, sun32[sl], sun2[sl], gmst[sl], grid)
        supply, absorbed = stepper.supply_and_absorbed(plant, full_sun_w, seen)
        alive0 = alive
        fail, alive, working, alive_k, failing = _failures(rng, alive, rates.failure_rate_per_yr, step_s, k, active,
                                                           fail_buf[:k])
        failed = fail[:, failing]  # (k, failing): the chunk's failures, the columns of the failing satellites only
        r_sat = r.transpose(2, 1, 0)  # (n, k, 3) view for the hooks
        # --- operations layer (twinops): ground passes, manoeuvres ---
        tally.add(r_sat, sidereal[sl], np.degrees(lat.T), np.degrees(lon.T) - 180.0)
        mc = manoeuvres.chunk(ops_rng, avoid_debt, burn_debt, cluster_of, k, ops.manoeuvres_per_yr, ops.outage_s,
                              ops.burn_s, step_s)
        avoid_debt, burn_debt, out_sat, out_s = mc.debt_s, mc.burn_debt_s, mc.out_sat, mc.out_s
        ops_series["manoeuvres"][sl] = mc.per_step
        ops_series["avoidance_outage_fraction"][sl] = out_s.sum(axis=0) / (n * step_s)
        ops_sat["manoeuvres"] += mc.per_satellite
        np.add.at(ops_sat["avoid_down_s"], out_sat, out_s.sum(axis=1))
        out_keep = 1.0 - out_s.T / step_s  # (k, m): share of each step the manoeuvring satellites compute
        out_any = (out_keep < 1.0).any(axis=1)  # (k,): some satellite out in the step
        # --- end operations layer ---
        if work is not None:  # workloads: the chunk's ISL graph (twin.jobs)
            sched = jobs.chunk(sched, r_sat, const.cluster, np.minimum(alive0, active), work, n_steps, seed)
        wanted = np.empty((k, n))
        np.divide(working, active, out=wanted)
        # Chunk-level hooks go here (manoeuvres, ground-station passes, ...): they see the chunk's geometry (lat, lon
        # [rad], seen, umbra) and may lower wanted (k, n), the compute each satellite is asked for at each step.
        cells, n_stop, n_sdc = _radiation(rng, working, dose, stop_per_rate, base_stops, sdc_per_rate)
        count = n_stop + n_sdc
        owed = n_stop * stop_cost_s + n_sdc * sdc_cost_s  # downtime owed at each event cell [s]
        lost_s += float(owed.sum())
        ev_step, ev_sat = np.divmod(cells, n)
        in_step = np.searchsorted(cells, np.arange(k + 1) * n)  # the cells of step j: in_step[j]:in_step[j + 1]
        if sched is not None:  # the events by step and alive chips for the scheduler (twin.jobs)
            jobs.events(sched, ev_step, ev_sat, n_stop, n_sdc, failed.any(axis=1))
            alive_k = np.broadcast_to(alive0, (k, n)) if alive_k is None else alive_k
        if cells.size:
            ev_rows.append(np.column_stack([seconds[c0 + ev_step], ev_sat, np.degrees(lat.flat[cells]),
                                            np.degrees(lon.flat[cells]) - 180.0, n_stop, n_sdc]))

        # twinops: a burn holds the thrust attitude (array off-pointed) and the thruster draws from the bus
        bs = mc.burn_sat
        if bs.size:
            b_share = mc.burn_s.T / step_s  # (k, b): share of each step thrusting
            burn_cut = b_share * burn_loss  # array output lost
            supply[:, bs] -= burn_cut * seen[:, bs] * array_supply[bs] + b_share * ops.thruster_load
        # ---- per step: the recurrences only
        load, allowed, delivered, soc, temp_k, down, t_arr, factors = (buf[key][:k] for key in (
            "load", "allowed", "delivered", "soc", "temp", "down", "t_array", "factor"))
        for j in range(k):
            # twinops: the array's output at its temperature (supply is rated at solar.cell_temp_k)
            factor = array.power_factor(ops.array, t_array)
            supply[j] += (factor - 1.0) * seen[j] * array_supply
            if bs.size:  # the temperature term of the off-pointed arrays, at their pointing
                supply[j, bs] -= (factor[bs] - 1.0) * seen[j, bs] * array_supply[bs] * burn_cut[j]
            stepper.step(temp, energy, supply[j], absorbed[j], wanted[j], load[j], allowed[j])
            if in_step[j + 1] > in_step[j]:  # the events of the step add their downtime to the debt
                e = slice(in_step[j], in_step[j + 1])
                debt_s[ev_sat[e]] += owed[e]
            np.minimum(debt_s, step_s, out=down[j])
            debt_s -= down[j]
            np.multiply(energy, soc_per_wh, out=soc[j])
            temp_k[j] = temp
            # Per-step hooks: this step's state is load[j], allowed[j], soc[j], temp; what later steps of the chunk
            # are asked is wanted[j + 1:].
            t_arr[j], factors[j] = t_array, factor  # twinops: array temperature, reduced after the chunk
            t_array = array.advance(ops.array, t_array, seen[j], rated, step_s, factor)
            if sched is not None:  # workloads: scheduler step (twin.jobs); a manoeuvring satellite runs slower
                job_load, avoid = load[j], None
                if out_any[j]:
                    job_load = load[j].copy()
                    job_load[out_sat] *= out_keep[j]
                    avoid = (out_sat, out_keep[j])
                jobs.step(sched, j, alive_k[j], working[min(j, working.shape[0] - 1)], fail[j], None, None,
                          job_load, wanted[j], step_s, avoid)
        np.multiply(down, -1.0 / step_s, out=delivered)
        delivered += 1.0
        delivered *= load
        if out_sat.size:  # twinops: collision-avoidance outage
            delivered[:, out_sat] *= out_keep
        if bs.size:  # twinops: the burns' battery minimum and throttled time
            operations.tally_burns(burns, b_share, soc[:, bs], load[:, bs], wanted[:, bs] - THROTTLE_TOL, step_s)

        # ---- chunk level again: series (one value per step) and per-satellite reductions
        ops_series["array_temp_mean_k"][sl], ops_series["array_temp_min_k"][sl] = t_arr.mean(axis=1), t_arr.min(
            axis=1)
        ops_series["array_temp_max_k"][sl] = t_arr.max(axis=1)
        ops_series["array_power_factor_max"][sl] = factors.max(axis=1)
        ops_trace["array_temp_k"][sl] = t_arr[:, traced]
        ops_trace["array_power_w"][sl] = full_sun_w[traced] * factors[:, traced] * seen[:, traced]
        series["delivered_compute_w"][sl] = delivered.sum(axis=1) * plant.compute_power_w
        series["sunlit_fraction"][sl] = (n - np.count_nonzero(umbra, axis=1)) / n  # counts: bool means are slow
        series["battery_soc_min"][sl] = soc.min(axis=1)
        series["battery_soc_mean"][sl] = soc.mean(axis=1)
        series["radiator_temp_max_k"][sl] = temp_k.max(axis=1)
        series["radiator_temp_mean_k"][sl] = temp_k.mean(axis=1)
        below = np.subtract(wanted, THROTTLE_TOL, out=wanted_tol[:k])
        series["throttled_fraction"][sl] = np.count_nonzero(load < below, axis=1) / n
        series["thermal_throttled_fraction"][sl] = np.count_nonzero(allowed < below, axis=1) / n
        series["capacity_fraction"][sl] = wanted.mean(axis=1)
        series["radiation_events"][sl] = np.bincount(ev_step, weights=count, minlength=k)
        series["hardware_failures"][sl] = failed.sum(axis=1)
        series["dose_rate_mean_rad_per_yr"][sl] = dose.mean(axis=1)
        for key, val in (("battery_soc", soc), ("radiator_temp_k", temp_k), ("compute_fraction", delivered),
                         ("illumination", seen)):
            trace[key][sl] = val[:, traced]
        trace["latitude_deg"][sl] = np.degrees(lat[:, traced])
        trace["longitude_deg"][sl] = np.degrees(lon[:, traced]) - 180.0
        per_sat["sunlit_steps"] += k - np.count_nonzero(umbra, axis=0)
        per_sat["delivered"] += delivered.sum(axis=0)
        per_sat["wanted"] += wanted.sum(axis=0)
        per_sat["min_soc"] = np.minimum(per_sat["min_soc"], soc.min(axis=0))
        per_sat["dose_sum"] += dose.sum(axis=0)
        per_sat["events"] += np.bincount(ev_sat, weights=count, minlength=n).astype(int)
        per_sat["failures"][failing] += failed.sum(axis=0)
        fail[:, failing] = 0  # the buffer back to zero for the next chunk
        if progress is not None:
            progress(c0 + k, n_steps)

    ev = np.concatenate(ev_rows) if ev_rows else np.zeros((0, 6))
    import xarray as xr

    data, coords, attrs = _record(const, plant, series, trace, traced, per_sat, ev, seconds, age, step_s, lost_s)
    if sched is not None:  # measured with jobs: goodput, availability, scheduler and ISL figures (twin.jobs)
        job_series, job_attrs = jobs.outputs(sched, n * active, step_s, plant.compute_power_w / active)
        data.update({key: ("time", val, {"units": "W" if key.endswith("_w") else "-"})
                     for key, val in job_series.items()})
        attrs.update(job_attrs)
    operations.record(data, coords, attrs, ops, ops_series, ops_trace, ops_sat, tally, rated, burns,  # twinops
                      np.random.default_rng([seed, 15]))
    return xr.Dataset(data, coords=coords, attrs=attrs)  # built once: adding variables one by one merges each


def _record(const, plant, series, trace, traced, per_sat, ev, seconds, age, step_s, lost_s):
    """The run's variables, coordinates and attributes, as the dicts the Dataset is built from."""
    import pandas as pd

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
    coords = {"time": time, "satellite": np.arange(const.size), "traced": traced}
    total_s = const.size * n_steps * step_s
    up = float(per_sat["wanted"].sum()) * step_s
    return data, coords, {
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
    }
