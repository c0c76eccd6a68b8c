"""Evaluate a scenario: orbit physics -> satellite and ground designs -> economics -> comparison.

This module only composes: it reads parameters, looks up catalogs, calls physics and design functions with arrays
and hands the designs to economics. Every parameter may be an array of N samples; the chain runs once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from terawatt import blocks as blocking
from terawatt._arrays import (
    Deferred,
    broadcast_shape,
    constant_view,
    deferred_if,
    is_sampled,
    resolve,
    select,
    tune_allocator,
    where_all,
)
from terawatt.catalogs import catalog_entry
from terawatt.constants import HOURS_PER_YEAR
from terawatt.design import environment, workload
from terawatt.design import feasibility as feasibility_checks
from terawatt.design.ground import size_ground_site
from terawatt.design.satellite import FleetDesign, SatelliteDesign, SatelliteInputs, size_fleet, size_satellite
from terawatt.design.stage_cache import scalar_stage
from terawatt.economics import finance, schedule, tco
from terawatt.errors import FieldError, ScenarioError
from terawatt.limits import check_memory
from terawatt.outputs import collect_outputs
from terawatt.physics import ground_solar, orbit, solar, thermal
from terawatt.physics._checks import extremes
from terawatt.physics.launch import is_polar, payload_for_orbit_kg
from terawatt.results import Result
from terawatt.scenario import Scenario, load_scenario
from terawatt.scenario import as_array as _f


def _or(value: Any, fallback: Any) -> np.ndarray:
    """The parameter, or ``fallback`` where it is empty."""
    return _f(fallback) if value is None else _f(value)


#: Parameters :func:`_orbit_environment` reads (its cache key), with those of the range checks it runs first.
ORBIT_KEYS = (
    "orbit.altitude_km",
    "orbit.inclination_deg",
    "orbit.ltan_h",
    "orbit.eclipse_model",
    "orbit.sunlit_fraction",
    *environment.TABLE_RANGE_KEYS,
)


@scalar_stage(ORBIT_KEYS)
def _orbit_environment(v: dict[str, Any]) -> dict[str, np.ndarray]:
    """Orbit geometry and eclipse statistics; ScenarioError if the orbit is outside a table an effect needs."""
    altitude = _f(v["orbit.altitude_km"])
    given = _f(v["orbit.inclination_deg"])  # NaN = sun-synchronous: the fast table then keeps the node on the Sun
    sso = np.broadcast_to(np.isnan(given), np.broadcast_shapes(np.shape(altitude), np.shape(given)))
    errors = environment.table_range_errors(v, altitude)
    # The sun-synchronous inclination only where none is given (placeholder 650 km elsewhere: never used), and
    # whether it exists, from one solve; one placeholder value if no sample is sun-synchronous.
    any_sso = bool(sso.any()) if np.ndim(given) else bool(np.isnan(given)) and sso.size > 0  # one value: no scan
    period = None
    # Every sample sun-synchronous below SSO_RETROGRADE_BELOW_KM: each orbit exists and is retrograde (proved in
    # orbit.sso_cos_i_bound), so the launch's payload condition holds without the inclination, which only outputs
    # read: solved on first read.
    retrograde = (
        is_sampled(altitude) and np.ndim(given) == 0 and any_sso
        and float(extremes(altitude)[1]) <= orbit.SSO_RETROGRADE_BELOW_KM
    )
    if retrograde:
        exists = True
        sso_inclination = deferred_if(True, lambda: orbit.sso_solution(altitude)[1])
    elif any_sso and sso.all():  # every sample sun-synchronous: the period from the same mean motion
        period, exists, sso_inclination = orbit.period_and_sso(altitude)
    else:
        exists, sso_inclination = orbit.sso_solution(np.where(sso, altitude, 650.0) if any_sso else 650.0)
    if any_sso and not np.all(exists):
        bad = np.broadcast_to(altitude, sso.shape)[sso & ~exists]
        errors.append(
            FieldError(
                "orbit.inclination_deg",
                f"empty (sun-synchronous), but no sun-synchronous orbit exists at orbit.altitude_km = "
                f"{bad.flat[0]:g} km ({bad.size} sample{'s' * (bad.size > 1)}; the J2 node drift is too slow "
                "above about 5,970 km): give an inclination [deg] in [0, 180]",
            )
        )
    if errors:
        raise ScenarioError(errors)
    # the eclipse days (only an output reads them) on first read for sample arrays
    stats = orbit.eclipse_stats_fast(altitude, given, _f(v["orbit.ltan_h"]), model=v["orbit.eclipse_model"],
                                     days_on_read=is_sampled(altitude))
    days = stats.eclipse_days_per_yr
    # One given inclination (NaN: sun-synchronous) selects a branch for every sample (np.where's values).
    if retrograde:
        inclination, polar = sso_inclination, np.True_  # every sample: the one payload (a number, no array)
    else:
        inclination = select(np.isnan(given), sso_inclination, given) if np.ndim(given) == 0 else np.where(
            sso, sso_inclination, given
        )
        polar = is_polar(inclination)
    sunlit = _or(v["orbit.sunlit_fraction"], stats.sunlit_fraction)
    return {
        "altitude_km": altitude,
        "inclination_deg": inclination,  # a Deferred where only outputs need it (above)
        "polar": polar,  # whether the vehicle's sun-synchronous payload applies (physics.launch.is_polar)
        "period_s": orbit.orbital_period_s(altitude) if period is None else period,
        "geometric_sunlit_fraction": np.asarray(stats.sunlit_fraction, float),
        "sunlit_fraction": sunlit,
        "eclipse_days_per_yr": days if type(days) is Deferred else np.asarray(days, float),
        "max_eclipse_min": np.asarray(stats.max_eclipse_min, float),
    }


def _feasibility(
    sat: SatelliteDesign,
    fleet: FleetDesign,
    space: environment.EnvironmentDesign,
    rad: environment.RadiationDesign,
    goodput_fraction: np.ndarray,
    payload: np.ndarray,
    given_mass: np.ndarray,
    accept_given_mass: np.ndarray,
    cell_efficiency: np.ndarray,
) -> feasibility_checks.Feasibility:
    """Per-sample feasibility flag and reason of the orbital design (see :mod:`terawatt.design.feasibility`)."""
    # The parts' mass is compared for heritage satellites only, and only where their given mass is not accepted
    # as it is: with no sample compared, NaN of the parts' shape (no check reads it).
    unused = (np.ndim(sat.heritage) == 0 and not sat.heritage) or (
        np.ndim(accept_given_mass) == 0 and bool(accept_given_mass) and is_sampled(sat.array_mass_kg)
    )
    if unused:
        shapes = (sat.it_mass_kg, sat.shielding_mass_kg, sat.array_mass_kg, sat.battery_mass_kg, sat.radiator_mass_kg)
        parts = constant_view(np.nan, broadcast_shape(*shapes))
    else:
        parts = sat.it_mass_kg + sat.shielding_mass_kg + sat.array_mass_kg + sat.battery_mass_kg + sat.radiator_mass_kg
    return feasibility_checks.orbital_feasibility(
        radiator_ok=sat.feasible,
        heritage=sat.heritage,
        accept_given_mass=accept_given_mass,
        given_mass_kg=given_mass,
        parts_mass_kg=parts,
        launchable=fleet.launchable,
        satellite_mass_kg=sat.satellite_mass_kg,
        payload_kg=payload,
        total_dv_m_per_s=space.total_dv_m_per_s,
        max_dv_m_per_s=environment.MAX_DV_M_PER_S,
        # where the radiator fails, so does the check of the propellant (gated on it): finite propellant suffices
        propellant_ok=np.isfinite(space.propellant_mass_kg),
        avoidance_outage_fraction=space.avoidance_outage_fraction,
        tid_margin=rad.tid_margin,
        goodput_fraction=goodput_fraction,
        availability=fleet.availability,
        satellite_count=fleet.satellite_count,
        cell_efficiency=cell_efficiency,
    )


def evaluate(scenario: Scenario | str | None = None, **overrides: Any) -> Result:
    """Evaluate a scenario and return every canonical output.

    Parameters
    ----------
    scenario
        A :class:`~terawatt.scenario.Scenario`, a shipped scenario name or path, or ``None`` for the defaults.
    **overrides
        Dotted overrides with dots written as double underscores, e.g. ``orbit__altitude_km=550``.

    Returns
    -------
    Result
        Outputs under the canonical keys (``orbital.*``, ``terrestrial.*``, ``comparison.*``), scalars for a scalar
        scenario and arrays of samples otherwise.

    Notes
    -----
    A scenario of more than :data:`terawatt.blocks.BLOCK_ABOVE` samples (2^19) is evaluated in blocks of
    :data:`terawatt.blocks.BLOCK_SAMPLES` sample rows whose temporaries stay in cache, and its outputs read as
    those of one pass, bit for bit (:mod:`terawatt.blocks`). No block is kept: this call computes the cost ratio
    (and both sides' costs per GPU-hour) block by block, and reading another output computes the design again,
    block by block, for it and the rest of its group (about the cost of this call again; iterating the keys,
    ``dict(result.outputs)``, a frame or JSON compute every output left in one such pass). A varying orbit gets
    the eclipse statistics' method and table nodes chosen once from the whole arrays
    (:func:`terawatt.physics.orbit.eclipse_choice`). A bad input raises here, the unblocked pass's own error.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if overrides:
        scenario = scenario.with_overrides({k.replace("__", "."): val for k, val in overrides.items()})
    if scenario.auto_keys:  # design levers given as "auto" are chosen first (a study: imported only then)
        from terawatt.studies.optimize import resolve_auto

        scenario = resolve_auto(scenario)
    # Sample arrays: the memory check, and the common sample shape every output is broadcast to.
    sizes = scenario.sample_sizes
    check_memory(max(sizes, default=1))
    if sizes:
        tune_allocator()  # sample-sized temporaries reused from the heap, not mapped afresh (no result changes)
    shape = _sample_shape(scenario) if sizes else ()
    # Infeasible samples (no radiator, no launch, no orbit-keeping) legitimately carry inf/NaN through the chain;
    # they are flagged in the outputs and notes, so the floating-point warnings are noise.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        blocks = blocking.row_blocks(shape) if sizes else None
        if blocks is None:
            return _evaluate(scenario, shape)
        return _evaluate_blocks(scenario, shape, blocks)


def _evaluate_blocks(scenario: Scenario, shape: tuple[int, ...], blocks: list[tuple[int, int]]) -> Result:
    """:func:`_evaluate` of the sample rows in ``blocks`` (:mod:`terawatt.blocks`: each block's temporaries stay
    in cache, and each block is dropped once its outputs are copied), as one result of full arrays, its first
    pass (:data:`terawatt.blocks.FIRST_READ`) computed here; a bad input raises the unblocked pass's own error
    (every bad field, every bad sample counted), never a partial result."""
    try:
        choice = blocking.eclipse_choice(scenario.values)  # the eclipse method of the whole, for every block
    except ValueError:  # an orbit input the model refuses: the unblocked pass raises its own error
        return _evaluate(scenario, shape)
    rows, ndim = shape[0], len(shape)

    def read_block(start: int, stop: int, read: Any) -> dict[str, Any]:
        """``read`` of the outputs of the rows ``start:stop``, evaluated afresh (as :func:`evaluate` would)."""
        values = blocking.block_values(scenario.values, rows, start, stop, ndim)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"), orbit.use_eclipse_choice(choice):
            return read(_evaluate(replace(scenario, values=values), (stop - start, *shape[1:])).outputs)

    whole: list[Result] = []

    def unblocked() -> Any:
        """The unblocked evaluation's outputs (made once): for an output whose read raises in a block."""
        if not whole:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                whole.append(_evaluate(scenario, shape))
        return whole[0].outputs

    try:
        outputs = blocking.BlockedOutputs(read_block, blocks, shape, unblocked)
    except ScenarioError:  # the block that raised is let go first
        return _evaluate(scenario, shape)  # raises the error of the whole (its message counts every sample)
    return Result(scenario=scenario, outputs=outputs)


def _sample_shape(scenario: Scenario) -> tuple[int, ...]:
    """Common shape of the scenario's sample arrays (ScenarioError naming them where they do not broadcast)."""
    return scenario.sample_shape


#: Parameters :func:`_physical_design` reads, itself and through the stages it calls (its cache key).
PHYSICAL_KEYS = tuple(
    dict.fromkeys(
        (
            "atmosphere.enabled",
            "launch.payload_kg",
            "launch.vehicle",
            "orbit.eclipse_policy",
            "orbital_ops.servicing_enabled",
            "orbital_ops.servicing_visits_per_satellite_yr",
            "orbital_ops.spare_fraction",
            "power.battery_depth_of_discharge",
            "power.battery_round_trip_efficiency",
            "power.battery_specific_energy_wh_per_kg",
            "power.conversion_efficiency",
            "power.housekeeping_fraction",
            "propulsion.tank_fraction",
            "radiation.shielding_mm_al",
            "radiation.tid_tolerance_rad",
            "satellite.accept_given_mass",
            "satellite.bus_mass_fraction",
            "satellite.compute_power_w",
            "satellite.lifetime_yr",
            "satellite.mass_kg",
            "satellite.mass_margin",
            "satellite.propulsion_mass_fraction",
            "satellite.server_mass_factor",
            "satellite.shielded_area_m2_per_accelerator",
            "satellite.stowed_density_kg_per_m3",
            "solar.array_specific_power_w_per_kg",
            "solar.cell_efficiency",
            "solar.cell_temp_k",
            "solar.degradation_per_yr",
            "solar.packing_factor",
            "solar.solar_constant_w_per_m2",
            "solar.temp_coefficient_per_k",
            "terrestrial.power_source",
            "terrestrial.pue",
            "terrestrial.solar_capacity_factor",
            "terrestrial.solar_mounting",
            "terrestrial.solar_overbuild",
            "terrestrial.solar_site",
            "terrestrial.storage_hours",
            "terrestrial.storage_round_trip_efficiency",
            "terrestrial.water_l_per_kwh",
            "thermal.absorptivity_ir",
            "thermal.absorptivity_solar",
            "thermal.albedo",
            "thermal.areal_mass_kg_per_m2",
            "thermal.earth_ir_w_per_m2",
            "thermal.emissivity",
            "thermal.fin_efficiency",
            "thermal.loop_delta_t_k",
            "thermal.radiator_temp_k",
            "thermal.sides",
            "thermal.sink_temp_k",
            "thermal.solar_incidence_factor",
            "thermal.view_factor_earth",
            "workload.accelerator",
            "workload.hardware_failure_rate_per_yr",
            "workload.it_power_w",
            "workload.server_mass_kg_per_accelerator",
            "workload.server_power_w_per_accelerator",
            "workload.tokens_per_s_per_accelerator",
            "workload.utilization",
            *ORBIT_KEYS,
            *environment.ORBIT_ENVIRONMENT_KEYS,
            *environment.RADIATION_EFFECTS_KEYS,
            *workload.GOODPUT_KEYS,
        )
    )
)


@scalar_stage(PHYSICAL_KEYS)
def _physical_design(v: dict[str, Any]) -> dict[str, Any]:
    """Everything of an evaluation that is not money (orbit, satellite, environment, fleet, feasibility, ground
    site, delivered GPU-hours and tokens): a pure function of the physical parameters, cached as one stage for
    scalar scenarios, so that repeated evaluations that change only prices skip it. The links, which only
    outputs read, are sized on first use (:func:`_evaluate`)."""
    acc = catalog_entry("accelerators", v["workload.accelerator"])
    vehicle = catalog_entry("vehicles", v["launch.vehicle"])

    it_power = _f(v["workload.it_power_w"])
    compute_power = _f(v["satellite.compute_power_w"])
    server_power = _or(v["workload.server_power_w_per_accelerator"], acc["server_power_w_per_accelerator"])
    utilization = _f(v["workload.utilization"])
    tokens_per_s = _or(v["workload.tokens_per_s_per_accelerator"], acc["tokens_per_s"])
    life = _f(v["satellite.lifetime_yr"])
    carry_eclipse = np.asarray(v["orbit.eclipse_policy"] == "battery")

    geometry = _orbit_environment(v)
    solar_constant = _f(v["solar.solar_constant_w_per_m2"])
    radiator_temp = _or(
        v["thermal.radiator_temp_k"],
        thermal.radiator_temp_from_chip_k(
            acc["max_junction_temp_k"],
            acc["max_hbm_temp_k"],
            acc["junction_to_coolant_k_per_w"],
            acc["tdp_w"],
            _f(v["thermal.loop_delta_t_k"]),
        ),
    )
    absorptivity_ir = None if v["thermal.absorptivity_ir"] is None else _f(v["thermal.absorptivity_ir"])
    cell_efficiency = _f(v["solar.cell_efficiency"])
    temp_coefficient, cell_temp = _f(v["solar.temp_coefficient_per_k"]), _f(v["solar.cell_temp_k"])
    # the array's cell efficiency at its temperature: sizes the array and is checked for feasibility (below)
    orbit_cell_efficiency = solar.cell_efficiency_at_temp(cell_efficiency, temp_coefficient, cell_temp)
    net_flux = thermal.radiator_net_flux_w_per_m2(
        radiator_temp,
        _f(v["thermal.emissivity"]),
        _f(v["thermal.absorptivity_solar"]),
        absorptivity_ir,
        _f(v["thermal.sides"]),
        _f(v["thermal.solar_incidence_factor"]),
        _f(v["thermal.view_factor_earth"]),
        _f(v["thermal.albedo"]),
        _f(v["thermal.earth_ir_w_per_m2"]),
        _f(v["thermal.sink_temp_k"]),
        solar_constant,
    )
    sat = size_satellite(
        SatelliteInputs(
            compute_power_w=compute_power,
            server_power_w_per_accelerator=server_power,
            server_mass_kg_per_accelerator=_or(
                v["workload.server_mass_kg_per_accelerator"], acc["server_mass_kg_per_accelerator"]
            ),
            server_mass_factor=_f(v["satellite.server_mass_factor"]),
            spare_fraction=_f(v["orbital_ops.spare_fraction"]),
            lifetime_yr=life,
            period_s=geometry["period_s"],
            max_eclipse_s=geometry["max_eclipse_min"] * 60.0,
            carry_eclipse=carry_eclipse,
            solar_constant_w_per_m2=solar_constant,
            cell_efficiency=cell_efficiency,
            packing_factor=_f(v["solar.packing_factor"]),
            temp_coefficient_per_k=temp_coefficient,
            cell_temp_k=cell_temp,
            degradation_per_yr=_f(v["solar.degradation_per_yr"]),
            array_specific_power_w_per_kg=_f(v["solar.array_specific_power_w_per_kg"]),
            conversion_efficiency=_f(v["power.conversion_efficiency"]),
            housekeeping_fraction=_f(v["power.housekeeping_fraction"]),
            battery_specific_energy_wh_per_kg=_f(v["power.battery_specific_energy_wh_per_kg"]),
            battery_depth_of_discharge=_f(v["power.battery_depth_of_discharge"]),
            battery_round_trip_efficiency=_f(v["power.battery_round_trip_efficiency"]),
            radiator_temp_k=radiator_temp,
            radiator_net_flux_w_per_m2=net_flux,
            fin_efficiency=_f(v["thermal.fin_efficiency"]),
            radiator_areal_mass_kg_per_m2=_f(v["thermal.areal_mass_kg_per_m2"]),
            shielding_mm_al=_f(v["radiation.shielding_mm_al"]),
            shielded_area_m2_per_accelerator=_f(v["satellite.shielded_area_m2_per_accelerator"]),
            bus_mass_fraction=_f(v["satellite.bus_mass_fraction"]),
            mass_margin=_f(v["satellite.mass_margin"]),
            # With the atmosphere on, propulsion is sized from delta-v below instead of a fixed fraction.
            propulsion_mass_fraction=_f(0.0 if v["atmosphere.enabled"] else v["satellite.propulsion_mass_fraction"]),
            stowed_density_kg_per_m3=_f(v["satellite.stowed_density_kg_per_m3"]),
            given_mass_kg=_f(v["satellite.mass_kg"]),
            cell_efficiency_at_temp=orbit_cell_efficiency,
        )
    )
    space = environment.orbit_environment(sat, v, geometry["altitude_km"])
    rad = environment.radiation_effects(
        v,
        geometry["altitude_km"],
        life,
        _or(v["radiation.tid_tolerance_rad"], acc.get("tid_tolerance_rad")),
        {k: acc[k] for k in environment.RADIATION_ACCELERATOR_FIELDS},
    )
    # --- workload goodput: the same model on both sides; the orbit adds the radiation-induced events ---------
    goodput = {
        "orbital": workload.goodput(v, rad.interrupts_per_chip_year, rad.detected_sdc_per_chip_year, rad),
        "terrestrial": workload.goodput(v),
    }
    # ---------------------------------------------------------------------------------------------------------
    if v["atmosphere.enabled"]:
        sat = environment.with_propellant(sat, space, _f(v["propulsion.tank_fraction"]))
    payload = _or(
        v["launch.payload_kg"],
        payload_for_orbit_kg(vehicle["payload_leo_kg"], vehicle["payload_sso_kg"], geometry["polar"]),
    )
    visits_per_yr = _f(v["orbital_ops.servicing_visits_per_satellite_yr"]) * bool(v["orbital_ops.servicing_enabled"])
    fleet = size_fleet(
        sat,
        it_power,
        compute_power,
        geometry["sunlit_fraction"],
        carry_eclipse,
        _f(v["solar.degradation_per_yr"]),
        life,
        _f(v["workload.hardware_failure_rate_per_yr"]),
        _f(v["orbital_ops.spare_fraction"]),
        payload,
        _f(vehicle["fairing_volume_m3"]),
        visits_per_yr=visits_per_yr,
        goodput_fraction=goodput["orbital"].goodput_fraction,
        dose_fraction=rad.dose_availability,
        avoidance_fraction=where_all(space.feasible, space.avoidance_availability, np.nan),
    )
    site, mounting = v["terrestrial.solar_site"], v["terrestrial.solar_mounting"]
    ground_cf = _or(v["terrestrial.solar_capacity_factor"], ground_solar.ground_capacity_factor(site, mounting))
    pue = _f(v["terrestrial.pue"])
    ground = size_ground_site(
        it_power,
        server_power,
        utilization,
        pue,
        v["terrestrial.power_source"],
        _f(v["terrestrial.water_l_per_kwh"]),
        ground_cf,
        _f(v["terrestrial.storage_hours"]),
        _f(v["terrestrial.storage_round_trip_efficiency"]),
        _f(v["terrestrial.solar_overbuild"]),
    )
    gpu_hours = tco.gpu_hours_per_yr(it_power, server_power, utilization)
    # --- workload goodput on the ground: delivered GPU-hours and tokens x terrestrial.goodput_fraction; tokens
    # come from the inference share only (none for a pure training deployment) ---------------------------------
    inference_share = 1.0 - workload.training_share(v)
    ground_goodput = goodput["terrestrial"].goodput_fraction
    ground_gpu_hours = gpu_hours * ground_goodput
    # the tokens only outputs read: computed on first read for sample arrays
    tokens = deferred_if(is_sampled(gpu_hours), lambda: select(
        inference_share > 0, gpu_hours * 3600.0 * tokens_per_s * inference_share, np.nan
    ))
    ground_tokens = deferred_if(type(tokens) is Deferred, lambda: resolve(tokens) * ground_goodput)
    # ---------------------------------------------------------------------------------------------------------
    # an efficiency above 1 at the operating temperature is flagged infeasible (feasibility below); the energy
    # yield is computed at the capped value so that no check raises before the flag is set (only outputs read
    # it: on first read for sample arrays)
    orbit_energy = deferred_if(is_sampled(geometry["sunlit_fraction"]), lambda: ground_solar.orbit_energy_kwh_per_m2_yr(
        solar_constant, np.minimum(orbit_cell_efficiency, 1.0), geometry["sunlit_fraction"]
    ))
    # The "same panel" comparison uses the ground cell's DC output (after temperature and reflection losses);
    # a given capacity factor replaces it (published studies quote one).
    ground_energy = np.where(
        v["terrestrial.solar_capacity_factor"] is None,
        ground_solar.ground_energy_kwh_per_m2_yr(site, cell_efficiency, mounting, basis="dc"),
        cell_efficiency * ground_cf * HOURS_PER_YEAR,
    )
    feasibility = _feasibility(
        sat,
        fleet,
        space,
        rad,
        goodput["orbital"].goodput_fraction,
        payload,
        _f(v["satellite.mass_kg"]),
        np.asarray(v["satellite.accept_given_mass"]),
        orbit_cell_efficiency,
    )
    return {
        "it_power": it_power,
        "compute_power": compute_power,
        "life": life,
        "env": geometry,
        "radiator_temp": radiator_temp,
        "net_flux": net_flux,
        "sat": sat,
        "space": space,
        "rad": rad,
        "goodput": goodput,
        "visits_per_yr": visits_per_yr,
        "fleet": fleet,
        "ground_cf": ground_cf,
        "ground": ground,
        "gpu_hours": gpu_hours,
        "tokens": tokens,
        "ground_gpu_hours": ground_gpu_hours,
        "ground_tokens": ground_tokens,
        "orbit_energy": orbit_energy,
        "ground_energy": ground_energy,
        "feasibility": feasibility,
        "server_power": server_power,
        "tokens_per_s": tokens_per_s,
        "utilization": utilization,
    }


def _evaluate(scenario: Scenario, shape: tuple[int, ...]) -> Result:
    v = scenario.values
    d = _physical_design(v)
    it_power = d["it_power"]
    compute_power = d["compute_power"]
    life = d["life"]
    env = d["env"]
    radiator_temp = d["radiator_temp"]
    net_flux = d["net_flux"]
    sat = d["sat"]
    space = d["space"]
    rad = d["rad"]
    goodput = d["goodput"]
    visits_per_yr = d["visits_per_yr"]
    fleet = d["fleet"]
    ground_cf = d["ground_cf"]
    ground = d["ground"]
    gpu_hours = d["gpu_hours"]
    tokens = d["tokens"]
    ground_gpu_hours = d["ground_gpu_hours"]
    ground_tokens = d["ground_tokens"]
    orbit_energy = d["orbit_energy"]
    ground_energy = d["ground_energy"]
    feasibility = d["feasibility"]
    acc = catalog_entry("accelerators", v["workload.accelerator"])
    vehicle = catalog_entry("vehicles", v["launch.vehicle"])
    server_price = _or(v["workload.server_price_usd_per_accelerator"], acc["server_price_usd_per_accelerator"])
    # Each side's cost of capital; an empty one is the canonical finance.discount_rate.
    orbit_discount = _or(v["finance.orbital_discount_rate"], v["finance.discount_rate"])
    ground_discount = _or(v["finance.terrestrial_discount_rate"], v["finance.discount_rate"])
    period = _f(v["finance.analysis_period_yr"])
    # The capital recovery factors of each sampled rate, computed once (one set where both sides share the rate).
    orbit_recovery = finance.RecoveryFactors(orbit_discount) if is_sampled(orbit_discount) else None
    ground_recovery = orbit_recovery if ground_discount is orbit_discount else None
    orbital_prices = tco.OrbitalPrices(
        server_price_usd_per_accelerator=server_price,
        satellite_cost_usd_per_w=_f(v["satellite.cost_usd_per_w"]),
        array_cost_usd_per_w=_f(v["solar.cost_usd_per_w"]),
        radiator_cost_usd_per_m2=_f(v["thermal.cost_usd_per_m2"]),
        battery_cost_usd_per_kwh=_f(v["power.battery_cost_usd_per_kwh"]),
        bus_cost_usd_per_kg=_f(v["satellite.bus_cost_usd_per_kg"]),
        structure_cost_usd_per_kg=_f(v["satellite.structure_cost_usd_per_kg"]),
        bus_structure_fraction=_f(v["satellite.bus_structure_fraction"]),
        launch_price_usd_per_kg=_f(v["launch.price_usd_per_kg"]),
        vehicle_price_usd=_f(vehicle["price_usd"]) * _f(v["launch.vehicle_price_factor"]),
        insurance_fraction=_f(v["orbital_ops.insurance_fraction"]),
        opex_fraction_per_yr=_f(v["orbital_ops.opex_fraction_per_yr"]),
        replacement_fraction_per_yr=_f(v["orbital_ops.replacement_fraction_per_yr"]),
        ground_segment_usd_per_w=_f(v["orbital_ops.ground_segment_usd_per_w"]),
        nre_usd=_f(v["orbital_ops.nre_usd"]),
        servicing_cost_usd_per_visit=_f(v["orbital_ops.servicing_cost_usd_per_visit"]),
        servicing_visits_per_satellite_yr=visits_per_yr,
        discount_rate=orbit_discount,
        analysis_period_yr=period,
        satellite_lifetime_yr=life,
        recovery=orbit_recovery,
    )
    orb = tco.orbital_costs(sat, fleet, it_power, compute_power, orbital_prices)

    terrestrial_prices = tco.TerrestrialPrices(
        server_price_usd_per_accelerator=server_price,
        hardware_lifetime_yr=_f(v["workload.hardware_lifetime_yr"]),
        repair_cost_fraction_per_yr=_f(v["terrestrial.repair_cost_fraction_per_yr"]),
        power_source=v["terrestrial.power_source"],
        electricity_price_usd_per_mwh=_f(v["terrestrial.electricity_price_usd_per_mwh"]),
        facility_capex_usd_per_w=_f(v["terrestrial.facility_capex_usd_per_w"]),
        facility_lifetime_yr=_f(v["terrestrial.facility_lifetime_yr"]),
        opex_fraction_per_yr=_f(v["terrestrial.opex_fraction_per_yr"]),
        gas_plant_capex_usd_per_w=_f(v["terrestrial.gas_plant_capex_usd_per_w"]),
        gas_price_usd_per_mmbtu=_f(v["terrestrial.gas_price_usd_per_mmbtu"]),
        heat_rate_btu_per_kwh=_f(v["terrestrial.heat_rate_btu_per_kwh"]),
        gas_variable_om_usd_per_mwh=_f(v["terrestrial.gas_variable_om_usd_per_mwh"]),
        pv_capex_usd_per_w=_f(v["terrestrial.pv_capex_usd_per_w"]),
        storage_capex_usd_per_kwh=_f(v["terrestrial.storage_capex_usd_per_kwh"]),
        power_plant_lifetime_yr=_f(v["terrestrial.power_plant_lifetime_yr"]),
        discount_rate=ground_discount,
        analysis_period_yr=period,
        recovery=ground_recovery,
    )
    ter = tco.terrestrial_costs(ground, it_power, terrestrial_prices)

    def waits() -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Time to the first token and the cost of the wait on each side (computed only if an output needs it)."""
        ground_wait = _or(
            v["terrestrial.time_to_power_yr"],
            schedule.ground_time_to_power_yr(
                v["terrestrial.power_source"],
                _f(v["terrestrial.interconnection_wait_yr"]),
                _f(v["terrestrial.turbine_lead_time_yr"]),
                _f(v["terrestrial.transformer_lead_time_yr"]),
                _f(v["terrestrial.construction_time_yr"]),
                _f(v["terrestrial.solar_build_time_yr"]),
            ),
        )
        orbit_wait = schedule.orbit_time_to_first_token_yr(
            _f(v["orbital_ops.satellite_build_time_yr"]),
            _f(v["launch.slot_wait_yr"]),
            _f(v["orbital_ops.commissioning_time_yr"]),
        )
        value = _f(v["workload.value_per_gpu_hour_usd"])
        # Infrastructure capital is committed at the decision; accelerators are bought when they can be used.
        orbit_committed = orb["capex_total"] - orb["capex_accelerators"]
        ground_committed = ter["capex_total"] - ter["capex_accelerators"]
        return {
            "orbital": (
                orbit_wait,
                schedule.wait_cost_usd(orbit_committed, orbit_wait, orbit_discount, value, gpu_hours),
            ),
            "terrestrial": (
                ground_wait,
                schedule.wait_cost_usd(ground_committed, ground_wait, ground_discount, value, ground_gpu_hours),
            ),
        }

    def links() -> environment.LinksDesign:
        """The fleet's links (computed only if an output needs them). They are sized for designs that exist; an
        infeasible sample (no finite fleet) gets NaN, not an error."""
        count = fleet.satellite_count
        countable = np.isfinite(count) & (count > 0)
        sized = environment.fleet_links(
            v,
            env["altitude_km"],
            it_power / d["server_power"],
            d["tokens_per_s"],
            d["utilization"],
            np.where(countable, count, 1.0),
        )
        return type(sized)(*(np.where(countable, val, np.nan) for val in vars(sized).values()))

    outputs = collect_outputs(
        shape,
        space=space,
        rad=rad,
        links=links,
        v=v,
        env=env,
        sat=sat,
        fleet=fleet,
        orb=orb,
        ground=ground,
        ter=ter,
        it_power=it_power,
        gpu_hours=gpu_hours,
        tokens=tokens,
        ground_gpu_hours=ground_gpu_hours,
        ground_tokens=ground_tokens,
        goodput=goodput,
        discounts={"orbital": orbit_discount, "terrestrial": ground_discount},
        period=period,
        radiator_temp=radiator_temp,
        net_flux=net_flux,
        orbit_energy=orbit_energy,
        ground_energy=ground_energy,
        ground_cf=ground_cf,
        energy_price=tco.energy_price_usd_per_mwh(terrestrial_prices),
        flights_per_yr=_f(v["launch.flights_per_yr"]),
        waits=waits,
        feasibility=feasibility,
    )
    return Result(scenario=scenario, outputs=outputs)
