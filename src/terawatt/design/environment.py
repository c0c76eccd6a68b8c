"""The space environment's effect on one satellite and its fleet: drag and propellant, debris avoidance, links.

Composes the physics of ``physics/{atmosphere,propulsion,debris,comms}`` with a sized satellite. Each effect has
its own switch (``atmosphere.enabled``, ``debris.enabled``, ``links.enabled``); a disabled effect contributes
nothing (zero delta-v, no outage) and its outputs are NaN. Radiation is composed in :func:`radiation_effects`, the
goodput it costs in :mod:`terawatt.design.workload`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from terawatt._arrays import (
    Deferred,
    LazyFields,
    deferred_if,
    is_sampled,
    nan_to_zero,
    resolve,
    select,
    stored,
    where_all,
)
from terawatt._buffers import chain, holds
from terawatt.catalogs import catalog_entry
from terawatt.constants import STANDARD_GRAVITY_M_PER_S2
from terawatt.design.satellite import SatelliteDesign
from terawatt.design.stage_cache import scalar_stage
from terawatt.design.workload import TRAINING_SHARE_KEYS, training_share
from terawatt.errors import FieldError, ScenarioError
from terawatt.physics import atmosphere, comms, debris, propulsion, radiation
from terawatt.physics._checks import extremes
from terawatt.scenario import as_array as _f

#: Above this altitude the density table ends and drag is negligible (< 1e-15 kg m-3); drag is set to zero there
#: (stated in the output ``orbital.drag_dv_m_per_s_per_yr`` = 0 and ``orbital.natural_decay_yr`` = inf).
DRAG_CEILING_KM = atmosphere.ALTITUDE_RANGE_KM[1]


#: Largest lifetime delta-v a satellite propulsion system is taken to provide [m/s]: the validity limit of
#: :func:`terawatt.physics.propulsion.propellant_mass_kg` (20 km/s, beyond any station-keeping budget).
MAX_DV_M_PER_S = 20000.0


def _range_error(altitude_km: np.ndarray, lo: float, hi: float, switch: str, what: str,
                 ends: tuple[float, float] | None = None) -> FieldError | None:
    """The error of altitudes outside ``[lo, hi]`` (None if none is); ``ends``: their minimum and maximum, where the
    caller has them (else those shared with the stage's other checks of the array,
    :func:`terawatt.physics._checks.extremes`)."""
    if is_sampled(altitude_km):  # no reduction of its own (NaN fails both comparisons: below)
        low, high = extremes(altitude_km) if ends is None else ends
        if low >= lo and high <= hi:
            return None
    bad = (altitude_km < lo) | (altitude_km > hi)
    if not np.any(bad):
        return None
    values = np.asarray(altitude_km)[bad] if np.ndim(altitude_km) else np.asarray([altitude_km])
    count = f" ({values.size} of {np.size(altitude_km)} samples)" if np.size(altitude_km) > 1 else ""
    return FieldError(
        "orbit.altitude_km",
        f"{float(values.flat[0]):g} km{count} is outside the {what} [{lo:g}, {hi:g}] km; no extrapolation is done - "
        f"set {switch}=false to run without it",
    )


def _check_range(altitude_km: np.ndarray, lo: float, hi: float, switch: str, what: str) -> None:
    problem = _range_error(altitude_km, lo, hi, switch, what)
    if problem:
        raise ScenarioError([problem])


#: Parameters :func:`table_range_errors` reads.
TABLE_RANGE_KEYS = (
    "radiation.enabled",
    "debris.enabled",
    "propulsion.type",
    "propulsion.deorbit_spiral_altitude_km",
    "propulsion.deorbit_perigee_km",
)


def table_range_errors(v: dict[str, Any], altitude_km: np.ndarray) -> list[FieldError]:
    """Every altitude outside a table an enabled effect needs (dose, debris flux), each with its switch, and an
    end-of-life target (deorbit perigee or spiral altitude of the propulsion in use) not below the orbit.

    Checked once before the model runs so that all of them are reported together.
    """
    checks = [
        ("radiation.enabled", radiation_table_altitude_range_km, "radiation dose table"),
        ("debris.enabled", lambda: debris.FLUX_ALTITUDE_RANGE_KM, "debris flux table"),
    ]
    # the altitudes' minimum and maximum once for every table (sample arrays), shared with the stage's other checks
    ends = extremes(altitude_km) if is_sampled(altitude_km) and altitude_km.size else None
    problems = [_range_error(altitude_km, *span(), switch, what, ends) for switch, span, what in checks if v[switch]]
    target = (
        "propulsion.deorbit_spiral_altitude_km"
        if v["propulsion.type"] == "electric"
        else "propulsion.deorbit_perigee_km"
    )
    if ends is not None and np.ndim(v[target]) == 0 and _f(v[target]) < ends[0]:  # below every orbit (NaN: no)
        return [p for p in problems if p is not None]
    above = np.broadcast_to(
        _f(v[target]) >= altitude_km, np.broadcast_shapes(np.shape(v[target]), np.shape(altitude_km))
    )
    if np.any(above):
        first = float(np.broadcast_to(_f(v[target]), above.shape)[above].flat[0])
        alt = float(np.broadcast_to(altitude_km, above.shape)[above].flat[0])
        problems.append(
            FieldError(
                target,
                f"{first:g} km is not below the orbit (orbit.altitude_km = {alt:g} km): the end-of-life target "
                f"must lie below the operating altitude (set {target} below {alt:g} km)",
            )
        )
    return [p for p in problems if p is not None]


@dataclass(frozen=True)
class EnvironmentDesign(LazyFields):
    """Per-satellite environment quantities (NaN where the effect is switched off)."""

    density_kg_per_m3: np.ndarray
    drag_area_m2: np.ndarray
    ballistic_coefficient_kg_per_m2: np.ndarray
    drag_dv_m_per_s_per_yr: np.ndarray
    natural_decay_yr: np.ndarray
    deorbit_dv_m_per_s: np.ndarray
    manoeuvres_per_satellite_yr: np.ndarray
    collision_probability_per_yr: np.ndarray
    avoidance_dv_m_per_s_per_yr: np.ndarray
    avoidance_outage_fraction: np.ndarray  # of each satellite's time (of the formation's with cluster manoeuvres)
    formation_manoeuvre_factor: np.ndarray  # manoeuvres flown per satellite / its own conjunctions (1: per satellite)
    avoidance_availability: np.ndarray  # job time not stalled by manoeuvres, workload-weighted
    total_dv_m_per_s: np.ndarray
    propellant_mass_kg: np.ndarray
    feasible: np.ndarray  # False where the satellite cannot hold its orbit or spends all its time avoiding debris

    def as_dict(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


#: Parameters :func:`orbit_environment` reads (its cache key, with the satellite design and the altitude).
ORBIT_ENVIRONMENT_KEYS = (
    "satellite.lifetime_yr",
    "atmosphere.enabled",
    "atmosphere.density_kg_per_m3",
    "atmosphere.solar_activity",
    "atmosphere.drag_coefficient",
    "atmosphere.panel_thickness_m",
    "atmosphere.panel_width_m",
    "atmosphere.speed_ratio",
    "atmosphere.bus_area_m2",
    "atmosphere.drag_area_m2",
    "atmosphere.attitude",
    "propulsion.type",
    "propulsion.deorbit_spiral_altitude_km",
    "propulsion.deorbit_perigee_km",
    "propulsion.isp_chemical_s",
    "propulsion.isp_electric_s",
    "debris.enabled",
    "debris.cross_section_m2",
    "debris.reference_manoeuvres_per_yr",
    "debris.reference_satellites",
    "debris.reference_altitude_km",
    "debris.reference_cross_section_m2",
    "debris.collision_min_size_cm",
    "debris.avoided_fraction",
    "debris.dv_per_manoeuvre_m_per_s",
    "debris.outage_h_per_manoeuvre",
    "debris.formation_manoeuvre",
    "links.cluster_satellites",
    "links.cluster_radius_m",
    "workload.accelerators_per_training_job",
    "workload.accelerators_per_replica",
    *TRAINING_SHARE_KEYS,
)


def avoidance_stalls(v: dict[str, Any], altitude_km: np.ndarray, own_manoeuvres: np.ndarray,
                     accelerators_per_satellite: np.ndarray, *,
                     trackable_flux_per_m2_yr: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Manoeuvres each satellite flies, its outage fraction and the job time the manoeuvres leave.

    Parameters
    ----------
    v
        Validated scenario values (``debris.*``, ``links.cluster_*``, ``workload.*``).
    altitude_km : numpy.ndarray
        Altitude [km].
    own_manoeuvres : numpy.ndarray
        Manoeuvres per year the satellite's own conjunctions call for [1/yr]
        (:func:`terawatt.physics.debris.manoeuvres_per_satellite_yr`).
    accelerators_per_satellite : numpy.ndarray
        Active accelerators per satellite [-].
    trackable_flux_per_m2_yr : numpy.ndarray, optional
        The flux of >= 10 cm objects at ``altitude_km`` (:func:`terawatt.physics.debris.object_flux_per_m2_yr`)
        where the caller has it.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Manoeuvres flown per satellite per year [1/yr], the fraction of a satellite's time it is out [-], and
        the workload's availability against avoidance [-].

    Notes
    -----
    ``debris.formation_manoeuvre``:

    - ``cluster``: the formation flies the union of its members' conjunctions, :math:`M_c = f M`
      (:func:`~terawatt.physics.debris.formation_manoeuvre_factor`), every member with it; a job never spans two
      clusters, so every job stalls exactly when its formation manoeuvres: availability :math:`1 - p_c`,
      :math:`p_c = \min(1, M_c t_{out}/8766\,\mathrm{h})`.
    - ``per_satellite``: each satellite flies its own :math:`M`, out :math:`p = M t_{out}/8766` h of the
      time; a job stalls while any satellite it spans is out (a training job runs at its slowest satellite's
      pace): :math:`s\,E[(1-p)^{S_t}] + (1 - s)\,E[(1-p)^{S_r}]` with the training share :math:`s` and the
      spans :math:`S` of a training job and of an inference replica
      (:func:`~terawatt.physics.debris.stall_availability`, capped at the cluster's satellites).
    """
    outage_h = _f(v["debris.outage_h_per_manoeuvre"])
    n_cluster = _f(v["links.cluster_satellites"])
    if v["debris.formation_manoeuvre"] == "cluster":
        factor = debris.formation_manoeuvre_factor(
            debris.manoeuvre_trigger_area_m2(own_manoeuvres, altitude_km, flux_per_m2_yr=trackable_flux_per_m2_yr),
            _f(v["links.cluster_radius_m"]),
            n_cluster)
        # the factor is this call's own array where it has the samples' shape: the manoeuvres flown in its place
        flown = (np.multiply(own_manoeuvres, factor, out=factor) if holds(factor, own_manoeuvres)
                 else own_manoeuvres * factor)
        outage = debris.avoidance_outage_fraction(flown, outage_h)
        return flown, outage, 1.0 - outage
    outage = debris.avoidance_outage_fraction(own_manoeuvres, outage_h)
    per = np.asarray(accelerators_per_satellite, float)
    per = np.where(np.isfinite(per) & (per > 0), per, 1.0)
    share = training_share(v)
    kept_t = debris.stall_availability(outage, _f(v["workload.accelerators_per_training_job"]), per, n_cluster)
    kept_r = debris.stall_availability(outage, _f(v["workload.accelerators_per_replica"]), per, n_cluster)
    return own_manoeuvres + 0.0 * outage, outage, share * kept_t + (1.0 - share) * kept_r


@scalar_stage(ORBIT_ENVIRONMENT_KEYS, values_at=1)
def orbit_environment(sat: SatelliteDesign, v: dict[str, Any], altitude_km: np.ndarray) -> EnvironmentDesign:
    r"""Drag, decay, deorbit and debris-avoidance figures for a sized satellite.

    Notes
    -----
    - Drag: the orbit-averaged NRLMSIS density of ``atmosphere.solar_activity`` on the cross-section of the
      satellite's panels in its ``atmosphere.attitude`` (panel shear included edge-on); delta-v per year to hold
      altitude :math:`\rho v^2 C_d A / (2 m)` with the dry mass (conservative: the satellite is lighter late in
      life). The uncontrolled lifetime uses the tumbling cross-section (a dead satellite does not hold attitude).
    - Debris: manoeuvres scale with flux x cross-section (mean of the tumbling projection), calibrated on
      Starlink's ~300,000 manoeuvres in 2025; each costs delta-v and an outage. A formation flown as one body
      (``debris.formation_manoeuvre`` = ``cluster``) flies the union of its members' conjunctions; the job time the
      outages leave is :func:`avoidance_stalls`.
    - Total delta-v over the life: (drag + avoidance) x lifetime + deorbit (impulsive burn for chemical, spiral for
      electric propulsion).
    """
    # A design whose radiator cannot work has no areas or mass: compute on placeholders, then blank it out.
    ok = np.asarray(sat.feasible)
    placeholders = {"radiator_area_m2": 0.0, "satellite_mass_kg": 1.0, "propulsion_mass_kg": 0.0}
    if not (ok.all() and all(_is_float_array(getattr(sat, k), ok.shape) for k in placeholders)):
        sat = replace(sat, **{k: np.where(ok, getattr(sat, k), fill) for k, fill in placeholders.items()})
    # Figures only outputs read (ballistic coefficient, natural decay, collision probability, formation factor)
    # are computed on first read for sample arrays (the cost ratio needs none of them), at once for a scalar.
    later = functools.partial(deferred_if, is_sampled(sat.satellite_mass_kg))
    on_atm = bool(v["atmosphere.enabled"])
    on_debris = bool(v["debris.enabled"])
    life = _f(v["satellite.lifetime_yr"])
    panels = sat.solar_array_area_m2 + sat.radiator_area_m2
    mass, fixed = sat.satellite_mass_kg, sat.propulsion_mass_kg
    # m - (+0) is m, bit for bit: no pass where the fixed propulsion is a placeholder of +0 (atmosphere on)
    dry = mass if _all_plus_zero(fixed, np.shape(mass)) else mass - nan_to_zero(fixed)
    nan = np.full(np.shape(altitude_km), np.nan) if not (on_atm and on_debris) else None  # an effect's NaN outputs

    if on_atm:
        in_air: np.ndarray | None = None  # None: every orbit of a sample array in the table (NaN: no)
        if is_sampled(altitude_km) and altitude_km.size and extremes(altitude_km)[1] <= DRAG_CEILING_KM:
            below = altitude_km  # np.minimum's values
        else:
            below = np.minimum(altitude_km, DRAG_CEILING_KM)
            in_air = altitude_km <= DRAG_CEILING_KM  # where_all: np.where's values, without a copy where all are

        def in_air_or(values: np.ndarray, fill: float) -> np.ndarray:
            return values if in_air is None else where_all(in_air, values, fill)

        density = _f(v["atmosphere.density_kg_per_m3"])
        if v["atmosphere.density_kg_per_m3"] is None:
            density = in_air_or(atmosphere.density_kg_per_m3(below, v["atmosphere.solar_activity"]), 0.0)
        cd = _f(v["atmosphere.drag_coefficient"])
        geometry = dict(
            panel_thickness_m=_f(v["atmosphere.panel_thickness_m"]),
            panel_width_m=_f(v["atmosphere.panel_width_m"]),
            speed_ratio=_f(v["atmosphere.speed_ratio"]),
            cd=cd,
        )
        bus_area = _f(v["atmosphere.bus_area_m2"])
        given_area = v["atmosphere.drag_area_m2"]
        area = (
            propulsion.cross_section_m2(
                sat.solar_array_area_m2, sat.radiator_area_m2, bus_area, v["atmosphere.attitude"], **geometry
            )
            if given_area is None
            else _f(given_area)
        )
        drag_dv = propulsion.drag_dv_m_per_s_per_yr(altitude_km, density, area, dry, cd)
        ballistic = later(propulsion.ballistic_coefficient_kg_per_m2, sat.satellite_mass_kg, area, cd)

        def decay_yr(sat: SatelliteDesign = sat) -> np.ndarray:
            tumbling = (
                propulsion.cross_section_m2(
                    sat.solar_array_area_m2, sat.radiator_area_m2, bus_area, "tumbling", **geometry
                )
                if given_area is None
                else _f(given_area)
            )
            return in_air_or(
                propulsion.natural_decay_yr(below, tumbling, sat.satellite_mass_kg, cd, v["atmosphere.solar_activity"]),
                np.inf,
            )

        decay = later(decay_yr)
    else:
        density, area, drag_dv, decay, ballistic = nan, nan, np.zeros_like(nan), nan, nan

    electric = v["propulsion.type"] == "electric"
    deorbit = propulsion.deorbit_dv_m_per_s(  # the target is below the orbit (checked in table_range_errors)
        altitude_km,
        _f(v["propulsion.deorbit_spiral_altitude_km"] if electric else v["propulsion.deorbit_perigee_km"]),
        low_thrust=electric,
    )

    if on_debris:
        _check_range(altitude_km, *debris.FLUX_ALTITUDE_RANGE_KM, "debris.enabled", "debris flux table")
        cross = _f(v["debris.cross_section_m2"])
        if v["debris.cross_section_m2"] is None:
            cross = debris.mean_cross_section_m2(panels)
        # the trackable flux (manoeuvres) and the collision flux from one interpolation of the flux table; for
        # sample arrays the collision flux (only the collision probability, an output, reads it) on first read
        min_size = _f(v["debris.collision_min_size_cm"])
        if is_sampled(sat.satellite_mass_kg):
            (trackable,) = debris.object_fluxes_per_m2_yr(altitude_km, 10.0)
            flux = deferred_if(True, lambda: debris.object_fluxes_per_m2_yr(altitude_km, 10.0, min_size)[1])
        else:
            trackable, flux = debris.object_fluxes_per_m2_yr(altitude_km, 10.0, min_size)
        own = debris.manoeuvres_per_satellite_yr(
            altitude_km,
            cross,
            _f(v["debris.reference_manoeuvres_per_yr"]),
            _f(v["debris.reference_satellites"]),
            _f(v["debris.reference_altitude_km"]),
            _f(v["debris.reference_cross_section_m2"]),
            flux_per_m2_yr=trackable,
        )
        manoeuvres, outage, kept = avoidance_stalls(v, altitude_km, own, sat.accelerators,
                                                    trackable_flux_per_m2_yr=trackable)
        manoeuvring = own > 0
        factor = later(lambda: where_all(manoeuvring, manoeuvres / where_all(manoeuvring, own, 1.0), 1.0))
        collision = later(
            lambda: debris.collision_probability_per_yr(
                altitude_km, cross, 1.0, min_size, _f(v["debris.avoided_fraction"]), flux_per_m2_yr=resolve(flux)
            )
        )
        avoid_dv = debris.avoidance_dv_m_per_s_per_yr(manoeuvres, _f(v["debris.dv_per_manoeuvre_m_per_s"]))
    else:
        manoeuvres, collision, avoid_dv, outage = nan, nan, np.zeros_like(nan), np.zeros_like(nan)
        factor, kept = nan, np.ones_like(nan)

    total_dv = chain(drag_dv + avoid_dv, (np.multiply, life), (np.add, deorbit))  # in the sum's buffer (arrays)
    isp = _f(v["propulsion.isp_electric_s"] if electric else v["propulsion.isp_chemical_s"])
    # Beyond MAX_DV_M_PER_S no propulsion system closes: the design cannot hold its orbit (NaN, infeasible).
    # A sized satellite adds propellant to its dry mass, m_p = m_dry (e^x - 1); a heritage satellite's given mass
    # is its launched mass, m_p = m_0 (1 - e^-x), x = dv / (g0 Isp).
    holds = total_dv <= MAX_DV_M_PER_S
    all_hold = bool(holds.all())
    # np.minimum's values: where every total holds (none NaN) they are the totals
    dv = total_dv if all_hold and type(total_dv) is np.ndarray else np.minimum(total_dv, MAX_DV_M_PER_S)
    from_dry = propulsion.propellant_mass_kg(dry, dv, isp)
    if np.ndim(sat.heritage) == 0 and not sat.heritage:  # no heritage satellite: the launched-mass form unused
        propellant = from_dry
    else:
        from_launched = propulsion.propellant_mass_kg(sat.satellite_mass_kg, dv, isp) * np.exp(
            -dv / (STANDARD_GRAVITY_M_PER_S2 * isp)
        )
        propellant = np.where(sat.heritage, from_launched, from_dry)
    if not (all_hold and _is_float_array(propellant, np.shape(holds))):
        propellant = np.where(holds, propellant, np.nan)
    design = EnvironmentDesign(
        density_kg_per_m3=density,
        drag_area_m2=area,
        ballistic_coefficient_kg_per_m2=ballistic,
        drag_dv_m_per_s_per_yr=drag_dv,
        natural_decay_yr=decay,
        deorbit_dv_m_per_s=deorbit,
        manoeuvres_per_satellite_yr=manoeuvres,
        collision_probability_per_yr=collision,
        avoidance_dv_m_per_s_per_yr=avoid_dv,
        avoidance_outage_fraction=outage,
        formation_manoeuvre_factor=factor,
        avoidance_availability=kept,
        total_dv_m_per_s=total_dv,
        propellant_mass_kg=propellant,
        feasible=np.isfinite(propellant) & (outage < 1.0),
    )
    if ok.all():
        return design
    masked = {f.name: _masked(ok, stored(design, f.name)) for f in fields(design)}  # those deferred stay so
    masked["avoidance_outage_fraction"] = np.where(ok, design.avoidance_outage_fraction, 0.0)
    masked["avoidance_availability"] = np.where(ok, design.avoidance_availability, 1.0)
    masked["feasible"] = design.feasible | ~ok  # the radiator is the reported problem there
    return EnvironmentDesign(**masked)


def _masked(ok: np.ndarray, value: Any) -> Any:
    """``np.where(ok, value, nan)``, on first read where ``value`` is computed then."""
    if type(value) is Deferred:
        return deferred_if(True, lambda: np.where(ok, resolve(value), np.nan))
    return np.where(ok, value, np.nan)


def _is_float_array(x: Any, shape: tuple[int, ...]) -> bool:
    """Whether ``x`` is a float64 array of ``shape`` (at least 1-d): where ``np.where(True, x, fill)`` would return
    ``x``'s values in the same shape and type, so that an all-True mask can skip it."""
    return type(x) is np.ndarray and x.ndim > 0 and x.shape == shape and x.dtype == np.float64


@scalar_stage(values_at=None)
def with_propellant(sat: SatelliteDesign, env: EnvironmentDesign, tank_fraction: np.ndarray) -> SatelliteDesign:
    """The satellite with its propulsion sized from the environment's delta-v (sized designs only).

    The propellant and its tanks replace the fixed ``satellite.propulsion_mass_fraction``; a heritage satellite
    keeps its given mass.
    """
    mass = sat.satellite_mass_kg
    # m - (+0) is m, bit for bit: a sized design's placeholder propulsion (its fixed fraction is 0 with the
    # atmosphere on) needs no pass
    fixed = sat.propulsion_mass_kg
    dry = mass if _all_plus_zero(fixed, np.shape(mass)) else mass - nan_to_zero(fixed)
    propellant = env.propellant_mass_kg
    loaded = propellant if _all_finite(propellant) else nan_to_zero(propellant)
    hardware = propulsion.propulsion_hardware_mass_kg(loaded, tank_fraction)
    if loaded is not propellant or not _is_float_array(hardware, np.shape(propellant)):
        finite = np.isfinite(propellant)
        if not (finite.all() and _is_float_array(hardware, np.shape(finite))):
            hardware = np.where(finite, hardware, np.nan)
    sized = dry + propellant
    sized = np.add(sized, hardware, out=sized) if holds(sized, hardware) else sized + hardware
    no_heritage = np.ndim(sat.heritage) == 0 and not sat.heritage

    def sized_only(if_heritage: Any, value: Any) -> Any:
        """``select(sat.heritage, if_heritage, value)``: ``value`` itself, without select's shape checks, where no
        satellite is a heritage one and ``value`` is an array of samples (what select would return)."""
        if no_heritage and _is_float_array(value, np.shape(value)):
            return value
        return select(sat.heritage, if_heritage, value)

    wet = sized_only(mass, sized)
    stowed = mass / sat.stowed_volume_m3  # the stowed density, then the volume at the new mass in its place
    stowed = np.divide(wet, stowed, out=stowed) if holds(stowed, wet) else wet / stowed
    if holds(hardware, propellant):  # the hardware mass is this call's own array: the propulsion mass in its place
        propulsion_mass = np.add(propellant, hardware, out=hardware)
    else:
        propulsion_mass = propellant + hardware
    specific = stored(sat, "specific_power_w_per_kg")  # outputs only: may be computed on first read
    return replace(
        sat,
        propulsion_mass_kg=sized_only(np.nan, propulsion_mass),
        satellite_mass_kg=wet,
        stowed_volume_m3=stowed,
        specific_power_w_per_kg=deferred_if(
            type(specific) is Deferred or is_sampled(wet), lambda: resolve(specific) * sat.satellite_mass_kg / wet
        ),
    )


def _all_finite(x: Any) -> bool:
    """Whether ``x`` is a non-empty float64 array of samples whose every value is finite, from its extremes (two
    reductions: cheaper than a sum or a mask; NaN propagates to both)."""
    return (
        _is_float_array(x, np.shape(x)) and x.size > 0
        and math.isfinite(x.min()) and math.isfinite(x.max())
    )


def _all_plus_zero(x: Any, shape: tuple[int, ...]) -> bool:
    """Whether ``x`` is a non-empty float64 array of ``shape`` whose every value is +0.0 (all 64 bits zero: -0.0
    and NaN are not), from one reduction over its bits (the largest as an unsigned integer is 0)."""
    return (
        type(x) is np.ndarray and x.shape == shape and x.size > 0 and x.dtype == np.float64
        and not x.view(np.uint64).max()
    )


@dataclass(frozen=True)
class LinksDesign:
    """Inter-satellite and ground links of the fleet."""

    isl_range_m: np.ndarray
    isl_rate_gbps: np.ndarray
    downlink_required_gbps: np.ndarray
    uplink_required_gbps: np.ndarray
    ground_stations: np.ndarray
    latency_ms: np.ndarray


#: Parameters :func:`fleet_links` reads (its cache key, with the other arguments).
FLEET_LINKS_KEYS = (
    "links.enabled",
    "links.cluster_satellites",
    "links.cluster_radius_m",
    "links.cluster_packing",
    "links.isl_tx_power_w",
    "links.isl_wavelength_m",
    "links.isl_tx_aperture_m",
    "links.isl_rx_aperture_m",
    "links.isl_pointing_loss_db",
    "links.isl_other_losses_db",
    "links.isl_sensitivity_photons_per_bit",
    "links.isl_wdm_channels",
    "links.isl_channel_rate_gbps",
    "links.bytes_per_token",
    "links.checkpoint_bytes",
    "links.checkpoint_interval_h",
    "links.prompt_bytes_per_output_token",
    "links.training_data_bytes_per_s_per_accelerator",
    "links.ground_link",
    "links.optical_station_rate_gbps",
    "links.diversity_sites_per_station",
    "links.site_clear_sky_probability",
    "links.ka_bandwidth_hz",
    "links.ka_spectral_efficiency",
    "links.ka_polarizations",
    "links.ka_availability",
    "links.contact_fraction",
    "links.min_elevation_deg",
    "links.processing_ms",
    "links.isl_hops",
    "links.isl_hop_range_km",
    *TRAINING_SHARE_KEYS,
)


@scalar_stage(FLEET_LINKS_KEYS)
def fleet_links(
    v: dict[str, Any],
    altitude_km: np.ndarray,
    active_accelerators: np.ndarray,
    tokens_per_s: np.ndarray,
    utilization: np.ndarray,
    satellite_count: np.ndarray,
) -> LinksDesign:
    r"""Cluster link rate and the ground segment the workload needs.

    Notes
    -----
    - ISL: neighbour range for ``links.cluster_satellites`` in ``links.cluster_radius_m`` -> optical link budget.
    - Ground: traffic of the whole deployment (inference tokens in and out, training checkpoints and data, split
      by the training share of ``workload.kind``) over
      stations of ``links.optical_station_rate_gbps`` (weather availability with site diversity) or Ka-band. A
      station sees one satellite a fraction of the time (``station_contact_fraction``); the fleet's clusters are
      taken as evenly spread along the orbit, so a station sees *some* cluster a fraction
      :math:`\min(1, f_{contact} N_{clusters})` of the time.
    """
    nan = np.full(np.shape(altitude_km), np.nan)
    if not v["links.enabled"]:
        return LinksDesign(nan, nan, nan, nan, nan, nan)
    isl_range = comms.cluster_neighbour_range_m(
        _f(v["links.cluster_satellites"]), _f(v["links.cluster_radius_m"]), v["links.cluster_packing"]
    )
    isl_rate = comms.optical_link_rate_gbps(
        isl_range,
        _f(v["links.isl_tx_power_w"]),
        _f(v["links.isl_wavelength_m"]),
        _f(v["links.isl_tx_aperture_m"]),
        _f(v["links.isl_rx_aperture_m"]),
        _f(v["links.isl_pointing_loss_db"]),
        _f(v["links.isl_other_losses_db"]),
        _f(v["links.isl_sensitivity_photons_per_bit"]),
        _f(v["links.isl_wdm_channels"]),
        _f(v["links.isl_channel_rate_gbps"]),
    )
    training = training_share(v)
    down = comms.downlink_required_gbps(
        active_accelerators,
        tokens_per_s,
        _f(v["links.bytes_per_token"]),
        utilization,
        training,
        _f(v["links.checkpoint_bytes"]),
        _f(v["links.checkpoint_interval_h"]),
    )
    up = comms.uplink_required_gbps(
        active_accelerators,
        tokens_per_s,
        _f(v["links.prompt_bytes_per_output_token"]),
        utilization,
        training,
        _f(v["links.training_data_bytes_per_s_per_accelerator"]),
    )
    if v["links.ground_link"] == "optical":
        rate = _f(v["links.optical_station_rate_gbps"])
        availability = comms.optical_ground_availability(
            _f(v["links.diversity_sites_per_station"]), _f(v["links.site_clear_sky_probability"])
        )
    else:
        rate = comms.rf_link_rate_gbps(
            _f(v["links.ka_bandwidth_hz"]), _f(v["links.ka_spectral_efficiency"]), _f(v["links.ka_polarizations"])
        )
        availability = _f(v["links.ka_availability"])
    contact = _f(v["links.contact_fraction"])
    if v["links.contact_fraction"] is None:
        clusters = np.ceil(satellite_count / _f(v["links.cluster_satellites"]))
        contact = np.minimum(
            1.0, comms.station_contact_fraction(altitude_km, _f(v["links.min_elevation_deg"])) * clusters
        )
    # No contact (a 90 deg elevation mask) or no clear sky at all: no number of stations carries the traffic.
    reachable = (contact > 0) & (availability > 0)
    stations = np.where(
        reachable,
        comms.ground_stations_needed(
            np.maximum(down, up), rate, np.where(reachable, availability, 1.0), np.where(reachable, contact, 1.0)
        ),
        np.inf,
    )
    latency = comms.latency_ms(
        altitude_km,
        _f(v["links.min_elevation_deg"]),
        _f(v["links.processing_ms"]),
        _f(v["links.isl_hops"]),
        _f(v["links.isl_hop_range_km"]),
    )
    return LinksDesign(isl_range, isl_rate, down, up, stations, latency)


@dataclass(frozen=True)
class RadiationDesign(LazyFields):
    """Dose behind the shielding and the single-event rates it causes (NaN where radiation is switched off).

    Every field is an output ``orbital.<field>``. Rates are per accelerator per year unless named otherwise. The
    figures only outputs read may be computed on their first read (:class:`~terawatt._arrays.LazyFields`).
    """

    dose_rad_per_yr: np.ndarray
    trapped_proton_rad_per_yr: np.ndarray
    trapped_electron_rad_per_yr: np.ndarray
    solar_particle_rad_per_yr: np.ndarray
    gcr_rad_per_yr: np.ndarray
    sdc_events_per_chip_year: np.ndarray
    detected_sdc_per_chip_year: np.ndarray
    undetected_sdc_per_chip_year: np.ndarray
    sdc_per_million_inferences: np.ndarray
    undetected_sdc_per_million_inferences: np.ndarray
    hbm_capacity_factor: np.ndarray
    hbm_uecc_per_chip_year: np.ndarray
    sefi_per_chip_year: np.ndarray
    host_sefi_per_chip_year: np.ndarray
    interrupts_per_chip_year: np.ndarray  # HBM + accelerator SEFI + host SEFI: radiation events that stop work
    tid_margin: np.ndarray
    # the dose rate along the orbit in three states (quiet | burst edge | burst core; radiation.bursts): each
    # computed on first read where radiation is on (one look-up shared by the seven), read through rate_modulation
    burst_edge_time_fraction: np.ndarray  # dose rate 2-10 x its orbit mean [-]
    burst_core_time_fraction: np.ndarray  # dose rate >= 10 x its orbit mean [-]
    bursts_per_hour: np.ndarray  # entries into a burst (the edge state) [1/h]
    burst_cores_per_hour: np.ndarray  # entries into a burst's core [1/h]
    quiet_dose_ratio: np.ndarray  # mean dose rate of each state / the orbit mean [-]
    burst_edge_dose_ratio: np.ndarray
    burst_core_dose_ratio: np.ndarray

    @property
    def dose_availability(self) -> np.ndarray:
        """Share of the life the chips survive their total dose (``tid_margin`` < 1 ends the electronics early;
        no repair in orbit); 1 when radiation is switched off."""
        tid = self.tid_margin
        capped = np.minimum(1.0, tid)
        if is_sampled(tid) and not np.isnan(tid.sum()):  # no NaN margin (one reduction): np.where's values
            return capped
        return where_all(~np.isnan(tid), capped, 1.0)  # np.where's values

    @property
    def rate_modulation(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The three states of the dose rate as :func:`terawatt.physics.radiation.modulated_goodput_fraction`
        takes them: dose-rate multipliers (3, ...), time fractions (3, ...), up-crossings per hour (2, ...);
        None when radiation is switched off."""
        f = {name: resolve(getattr(self, name)) for name in _BURST_FIELDS}  # the look-up, made on first use
        if np.all(np.isnan(f["burst_core_time_fraction"])):
            return None
        edge, core = f["burst_edge_time_fraction"], f["burst_core_time_fraction"]
        mult = np.stack(np.broadcast_arrays(f["quiet_dose_ratio"], f["burst_edge_dose_ratio"],
                                            f["burst_core_dose_ratio"]))
        occ = np.stack(np.broadcast_arrays(1.0 - edge - core, edge, core))
        cross = np.stack(np.broadcast_arrays(f["bursts_per_hour"], f["burst_cores_per_hour"]))
        return mult, occ, cross


@functools.lru_cache(maxsize=1)
def radiation_table_altitude_range_km() -> tuple[float, float]:
    """Altitudes covered by the shipped dose table [km]."""
    altitudes = radiation.dose_table()["altitude_km"]
    return float(np.min(altitudes)), float(np.max(altitudes))


#: The catalog fields of an accelerator that :func:`radiation_effects` reads (pass only these: the entry is part of
#: the stage's cache key, and its long source texts would make the key slow).
RADIATION_ACCELERATOR_FIELDS = ("hbm_gb", "accelerators_per_host")

#: Accelerator on which the per-rad rates were measured (Suncatcher, arXiv:2511.19468 v2, sec. 2.3 and 4.3).
TESTED_ACCELERATOR = "tpu-v6e"


#: Parameters :func:`radiation_effects` reads (its cache key, with the other arguments).
RADIATION_EFFECTS_KEYS = (
    "radiation.enabled",
    "orbit.inclination_deg",
    "radiation.shielding_mm_al",
    "radiation.solar_activity",
    "radiation.spe_events_per_yr_solar_max",
    "radiation.gcr_scale",
    "radiation.dose_rad_per_yr",
    "radiation.hbm_capacity_exponent",
    "radiation.hbm_uecc_per_chip_per_rad",
    "radiation.sefi_per_chip_per_rad",
    "radiation.host_sefi_per_host_per_rad",
    "radiation.sdc_per_chip_per_rad",
    "radiation.sdc_detected_fraction",
    "workload.inferences_per_s_per_accelerator",
)


@scalar_stage(RADIATION_EFFECTS_KEYS)
def radiation_effects(
    v: dict[str, Any],
    altitude_km: np.ndarray,
    lifetime_yr: np.ndarray,
    tid_tolerance_rad: np.ndarray,
    accelerator: dict[str, Any] | None = None,
) -> RadiationDesign:
    r"""Orbit-averaged dose (AE8/AP8 trapped belts along the ground track, solar protons, cosmic rays) behind
    ``radiation.shielding_mm_al`` and the single-event rates it causes in the accelerators.

    Parameters
    ----------
    v
        Validated scenario values.
    altitude_km, lifetime_yr, tid_tolerance_rad : numpy.ndarray
        Orbit altitude [km], satellite lifetime [yr] and the accelerator's total-dose tolerance [rad(Si)].
    accelerator
        The accelerator's catalog entry, or just its :data:`RADIATION_ACCELERATOR_FIELDS` (``hbm_gb``,
        ``accelerators_per_host``); default the tested TPU v6e.

    Notes
    -----
    Rates scale with dose at the per-chip rates Suncatcher measured on Trillium (TPU v6e, 32 GB HBM) in a 67 MeV
    proton beam (arXiv:2511.19468 v2, sec. 2.3 and 4.3), :math:`\dot D` in rad(Si)/yr:

    - SDC :math:`\dot D\,r_{SDC}` (~1/17 rad); a share ``radiation.sdc_detected_fraction`` is caught and costs
      a rollback (training) or a retry (inference) in :func:`terawatt.design.workload.goodput`, the rest is
      reported (``undetected_sdc_*``);
    - stops :math:`\dot D\,(r_{UE}(C/32\,\mathrm{GB})^k + r_{SEFI} + r_{host}/n_{host})`: HBM uncorrectable errors
      (~1/44 rad) scaled with HBM capacity C by ``radiation.hbm_capacity_exponent`` k, accelerator crashes
      (~1/5 krad) and host crashes (~1/450 + 1/400 rad per host) shared by the host's accelerators.

    ``radiation.dose_rad_per_yr``, when given, replaces the computed total (the per-source doses stay computed).

    The dose rate along the orbit is described by three states (quiet, burst edge, burst core: the South
    Atlantic Anomaly; :func:`terawatt.physics.radiation.burst_statistics`): their time fractions, entries per hour
    and dose rates relative to the orbit mean (each source's own profile weighted by its share of the dose, so
    the states average exactly to the orbit mean). Training goodput uses them
    (:func:`terawatt.design.workload.goodput`); everything else is linear in the rate and uses the mean.
    The goodput and the total-dose margin scale the fleet's delivered compute on top of the permanent hardware
    failure rate ``workload.hardware_failure_rate_per_yr``, which comes from ground fleets and is not radiation-driven.
    """
    if not v["radiation.enabled"]:
        nan = np.full(np.shape(altitude_km), np.nan)
        return RadiationDesign(*(nan,) * len(fields(RadiationDesign)))
    acc = catalog_entry("accelerators", TESTED_ACCELERATOR) if accelerator is None else accelerator
    _check_range(altitude_km, *radiation_table_altitude_range_km(), "radiation.enabled", "radiation dose table")
    dose = radiation.dose_rate_rad_per_yr(
        altitude_km,
        _f(v["orbit.inclination_deg"]),
        _f(v["radiation.shielding_mm_al"]),
        v["radiation.solar_activity"],
        _f(v["radiation.spe_events_per_yr_solar_max"]),
        _f(v["radiation.gcr_scale"]),
    )
    given = v["radiation.dose_rad_per_yr"]
    total = np.asarray(dose.total_rad_per_yr if given is None else _f(given) + 0.0 * dose.total_rad_per_yr, float)
    hbm = radiation.hbm_capacity_factor(
        float(acc["hbm_gb"]),
        float(catalog_entry("accelerators", TESTED_ACCELERATOR)["hbm_gb"]),
        _f(v["radiation.hbm_capacity_exponent"]),
    )
    per_host = float(acc["accelerators_per_host"])
    hbm_uecc = radiation.interrupts_per_chip_year(total, _f(v["radiation.hbm_uecc_per_chip_per_rad"]), 0.0,
                                                  hbm_capacity_factor=hbm)
    sefi = radiation.interrupts_per_chip_year(total, 0.0, _f(v["radiation.sefi_per_chip_per_rad"]))
    host = radiation.interrupts_per_chip_year(total, 0.0, 0.0, _f(v["radiation.host_sefi_per_host_per_rad"]), per_host)
    sdc = radiation.sdc_events_per_chip_year(total, _f(v["radiation.sdc_per_chip_per_rad"]))
    detected = sdc * _f(v["radiation.sdc_detected_fraction"])
    # Figures only outputs read: computed on first read for sample arrays (the cost ratio needs none of them).
    later = functools.partial(deferred_if, is_sampled(total) or is_sampled(sdc) or is_sampled(hbm))
    undetected = later(lambda: sdc - detected)
    rate = _f(v["workload.inferences_per_s_per_accelerator"])
    burst_inputs = (altitude_km, _f(v["orbit.inclination_deg"]), _f(v["radiation.shielding_mm_al"]),
                    v["radiation.solar_activity"])
    components = [dose.trapped_proton_rad_per_yr, dose.trapped_electron_rad_per_yr, dose.solar_particle_rad_per_yr,
                  dose.gcr_rad_per_yr]
    burst_fields = _deferred_bursts(burst_inputs, components)
    return RadiationDesign(
        dose_rad_per_yr=total,
        trapped_proton_rad_per_yr=dose.trapped_proton_rad_per_yr,
        trapped_electron_rad_per_yr=dose.trapped_electron_rad_per_yr,
        solar_particle_rad_per_yr=dose.solar_particle_rad_per_yr,
        gcr_rad_per_yr=dose.gcr_rad_per_yr,
        sdc_events_per_chip_year=sdc,
        detected_sdc_per_chip_year=detected,
        undetected_sdc_per_chip_year=undetected,
        sdc_per_million_inferences=later(radiation.per_million_inferences, sdc, rate),
        undetected_sdc_per_million_inferences=later(
            lambda: radiation.per_million_inferences(resolve(undetected), rate)
        ),
        hbm_capacity_factor=later(lambda: np.asarray(hbm, float) + 0.0 * total),
        hbm_uecc_per_chip_year=hbm_uecc,
        sefi_per_chip_year=sefi,
        host_sefi_per_chip_year=host,
        interrupts_per_chip_year=chain(hbm_uecc + sefi, (np.add, host)),
        tid_margin=radiation.tid_margin(tid_tolerance_rad, total, lifetime_yr),
        **burst_fields,
    )


def _deferred_bursts(burst_inputs: tuple[Any, ...], components: list[np.ndarray]) -> dict[str, Deferred]:
    """The seven burst fields of :class:`RadiationDesign`, each a :class:`~terawatt._arrays.Deferred` sharing one
    table look-up made on first read: only a training goodput (or a burst output read) needs them, and with the
    altitude varying the look-up is the costliest step of an inference run's evaluation."""
    done: dict[str, np.ndarray] = {}

    def compute() -> dict[str, np.ndarray]:
        if not done:
            b = radiation.burst_statistics(*burst_inputs)
            mult = b.state_rate_multipliers(components)
            done.update(burst_edge_time_fraction=b.occupancy[1], burst_core_time_fraction=b.occupancy[2],
                        bursts_per_hour=b.crossings_per_h[0], burst_cores_per_hour=b.crossings_per_h[1],
                        quiet_dose_ratio=mult[0], burst_edge_dose_ratio=mult[1], burst_core_dose_ratio=mult[2])
        return done

    return {name: Deferred(lambda name=name: compute()[name]) for name in _BURST_FIELDS}


#: The fields of :class:`RadiationDesign` that describe the dose rate's three states along the orbit.
_BURST_FIELDS = ("burst_edge_time_fraction", "burst_core_time_fraction", "bursts_per_hour", "burst_cores_per_hour",
                 "quiet_dose_ratio", "burst_edge_dose_ratio", "burst_core_dose_ratio")

