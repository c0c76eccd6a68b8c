"""Name the model's intermediate quantities under the canonical output keys (DESIGN.md). No computation of
substance happens here beyond unit conversions and ratios of already computed quantities."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import fields
from threading import get_ident
from typing import Any

import numpy as np

from terawatt._arrays import Deferred, deferred_if, is_plus_zero, resolve, stored
from terawatt._buffers import chain
from terawatt.design.satellite import AVAILABILITY_PARTS
from terawatt.economics import tco
from terawatt.physics import debris

#: Output units, by canonical key (for tables, JSON metadata and plots).
UNITS: dict[str, str] = {}


#: Unit words of a key's name (the underscore-separated words), by their spelling in the name; longer spellings
#: (several words) are matched first. A word not listed here is no unit (a count, a qualifier).
_UNIT_WORDS: dict[str, str] = {
    "usd": "USD", "kg": "kg", "t": "t", "w": "W", "kw": "kW", "gw": "GW", "wh": "Wh", "kwh": "kWh", "mwh": "MWh",
    "m": "m", "km": "km", "cm": "cm", "mm": "mm", "m2": "m2", "m3": "m3", "cm2": "cm2", "mm2": "mm2", "l": "L",
    "s": "s", "ms": "ms", "min": "min", "h": "h", "hour": "h", "hours": "h", "yr": "yr", "year": "yr", "days": "d",
    "deg": "deg", "k": "K", "rad": "rad", "gbps": "Gbit/s", "hz": "Hz", "db": "dB", "btu": "Btu", "mmbtu": "MMBtu",
    "gpu_hour": "GPU-h", "gpu_hours": "GPU-h", "tokens": "tok", "million_tokens": "Mtok",
    "million_inferences": "Minf",
}
#: Units that, last in a name after ``per ...``, stay in the denominator (time and work: ``..._per_satellite_yr``
#: is 1/yr); any other unit there is the quantity's own (``cost_per_kw_year_usd`` is USD/kW-yr).
_DENOMINATOR = frozenset({"yr", "h", "min", "s", "ms", "d", "GPU-h", "tok", "Mtok", "Minf"})
#: Unit of a name ending in ``rate`` without a unit word (``discount_rate``): the registry's rates are per year.
_BARE_RATE = "1/yr"
_LONGEST_WORDS = max(w.count("_") + 1 for w in _UNIT_WORDS)


def _words(words: list[str]) -> list[str]:
    """The units among ``words``, left to right, each the longest spelling that matches; other words skipped."""
    units, i = [], 0
    while i < len(words):
        for size in range(min(_LONGEST_WORDS, len(words) - i), 0, -1):
            unit = _UNIT_WORDS.get("_".join(words[i:i + size]))
            if unit:
                units.append(unit)
                i += size
                break
        else:
            i += 1
    return units


def _tail_unit(words: list[str]) -> tuple[str | None, int]:
    """The unit that ends ``words`` (the longest spelling) and its number of words; (None, 0) if none."""
    for size in range(min(_LONGEST_WORDS, len(words)), 0, -1):
        unit = _UNIT_WORDS.get("_".join(words[-size:]))
        if unit:
            return unit, size
    return None, 0


def _name_unit(words: list[str]) -> str | None:
    """Unit of a quantity's name (its words), None for a dimensionless one.

    ``X_<u>`` is u; ``X_<u>_per_<v ...>`` is u/v (the units after ``per``, each a further ``/``: ``kwh_per_m2_yr``
    is kWh/m2/yr, ``m_per_s_per_yr`` m/s/yr); ``X_per_<v ...>`` without a unit before ``per`` is 1/v
    (``collision_probability_per_yr``); ``X_per_<v ...>_<u>`` puts the last unit over the others unless it is a
    time or work unit (``cost_per_kw_year_usd`` is USD/kW-yr, ``propellant_per_flight_t`` t). Words that are no
    unit (counts: satellite, chip, flight) drop out, as in the registry (``servicing_visits_per_satellite_yr`` is
    1/yr).
    """
    if "per" not in words:
        return _tail_unit(words)[0]
    cut = len(words) - 1 - words[::-1].index("per")
    head, tail = words[:cut], words[cut + 1:]
    over = _words(tail)
    num = _name_unit(head) if head else None
    last, size = _tail_unit(tail)
    if num is None and last is not None and last not in _DENOMINATOR and size < len(tail):  # cost_per_kw_year_usd
        return last + (f"/{'-'.join(over[:-1])}" if len(over) > 1 else "")
    if not over:
        return num
    return (num or "1") + "".join(f"/{u}" for u in over)


def _unit(key: str) -> str:
    """Unit of an output key from its name (DESIGN.md: every dimensional name carries its unit as a suffix).

    The name is the key's quantity: ``side.name`` or, for a part of a breakdown, the ``name`` of
    ``side.name.part`` (``orbital.capex_breakdown_usd.launch`` is in USD); a ``@year`` suffix is ignored.
    A name that ends in ``rate`` and carries no unit of its own is a rate per year, 1/yr (``discount_rate``), as
    the registry writes its rates (``finance.discount_rate``: 1/yr).
    """
    parts = key.split("@")[0].split(".")
    name = parts[1] if len(parts) > 1 else parts[0]
    words = name.split("_")
    return _name_unit(words) or (_BARE_RATE if words[-1] == "rate" else "-")


#: Keys whose values are costs: NaN where the orbital design is infeasible (an infeasible design has no cost).
_COST_PREFIXES = (
    "orbital.cost",
    "orbital.launch_cost",
    "orbital.infrastructure_cost",
    "comparison.cost",
    "comparison.infra",
    "comparison.breakeven",
)
#: Cost keys whose raw value is an array of its own group's (a quotient computed there) that no group reads:
#: masked in place (:meth:`Outputs._masked`), the copy saved.
_OWN_ARRAYS = frozenset({"comparison.cost_ratio"})
_ORBITAL_CAPEX = ("accelerators", "satellite_hardware", "launch", "insurance", "ground_segment", "nre")
_ORBITAL_ANNUAL = (*_ORBITAL_CAPEX, "operations", "replacement", "servicing")
_TERRESTRIAL_CAPEX = ("accelerators", "facility", "power_plant")
_TERRESTRIAL_ANNUAL = ("accelerators", "repairs", "facility", "power_plant", "energy", "operations")
_UNIT_COSTS = ("cost_per_kw_year_usd", "cost_per_gpu_hour_usd", "cost_per_million_tokens_usd")
_GOODPUT = (
    "goodput_fraction",
    "training_goodput_fraction",
    "inference_goodput_fraction",
    "training_job_interrupts_per_hour",
    "replica_stops_per_hour",
)


_Group = Callable[[dict[str, Any], Callable[[str], Any]], dict[str, Any]]


def _design(q: dict[str, Any], raw: Callable[[str], Any]) -> dict[str, Any]:
    env, sat, fleet = q["env"], q["sat"], q["fleet"]
    # the two ratios per kW below are passes over sample arrays: of samples, computed when their key is read
    lazy = type(sat.satellite_mass_kg) is np.ndarray and sat.satellite_mass_kg.ndim > 0
    return {
        "orbital.feasible": q["feasibility"].feasible,
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
        # Launched kg per kW of IT (the inverse), and the power-and-thermal part of it (array + storage + radiator
        # per kW of IT, Turyshev 2026's closure metric).
        "orbital.launch_mass_kg_per_kw": deferred_if(lazy, lambda: 1000.0 / sat.specific_power_w_per_kg),
        "orbital.power_thermal_mass_kg_per_kw": deferred_if(
            lazy,
            lambda: 1000.0 * (sat.array_mass_kg + sat.battery_mass_kg + sat.radiator_mass_kg)
            / np.asarray(q["v"]["satellite.compute_power_w"], float),
        ),
    }


def _fleet(q: dict[str, Any], raw: Callable[[str], Any]) -> dict[str, Any]:
    sat, fleet = q["sat"], q["fleet"]
    per_yr = q["flights_per_yr"] * fleet.satellites_per_launch * sat.satellite_mass_kg
    return {
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
        "orbital.power_launched_per_yr_w": per_yr * sat.specific_power_w_per_kg,
        "orbital.mass_to_orbit_t_per_yr": per_yr / 1e3,
    }


def _totals(side: str, costs: dict[str, Any]) -> dict[str, Any]:
    """Capital, operating, annual and lifecycle totals of one side."""
    return {
        f"{side}.capex_usd": costs["capex_total"],
        f"{side}.opex_usd_per_yr": costs["annual_opex"],
        f"{side}.annual_cost_usd_per_yr": costs["annual_total"],
        f"{side}.lifecycle_cost_usd": tco.lifecycle(costs["annual_total"], costs["crf_period"]),
        f"{side}.infrastructure_lifecycle_cost_usd": tco.lifecycle(costs["annual_infrastructure"], costs["crf_period"]),
    }


def _orbital_costs(q: dict[str, Any], raw: Callable[[str], Any]) -> dict[str, Any]:
    orb, kw = q["orb"], q["it_power"] / 1e3
    out = {
        **_totals("orbital", orb),
        "orbital.launch_cost_per_kw_year_usd": orb["annual_launch"] / kw,
        "orbital.infrastructure_cost_per_kw_year_usd": orb["annual_infrastructure"] / kw,
        "orbital.solar_energy_kwh_per_m2_yr": q["orbit_energy"],
    }
    out.update({f"orbital.capex_breakdown_usd.{name}": orb[f"capex_{name}"] for name in _ORBITAL_CAPEX})
    out.update({f"orbital.annual_breakdown_usd_per_yr.{name}": orb[f"annual_{name}"] for name in _ORBITAL_ANNUAL})
    return out


def _unit_cost_groups(side: str) -> tuple[_Group, ...]:
    """One output group per unit cost of one side (:func:`terawatt.economics.tco.unit_costs`, the same values):
    reading the cost per GPU-hour (the cost ratio) computes neither the cost per kW-year nor per token. The
    ground delivers its GPU-hours and tokens after its own goodput loss (the orbit's fleet is sized up instead)."""
    costs = "orb" if side == "orbital" else "ter"
    hours = "gpu_hours" if side == "orbital" else "ground_gpu_hours"
    tokens = "tokens" if side == "orbital" else "ground_tokens"

    def per_kw_year(q: dict[str, Any], raw: Callable[[str], Any]) -> dict[str, Any]:
        return {f"{side}.cost_per_kw_year_usd": q[costs]["annual_total"] / (q["it_power"] / 1e3)}

    def per_gpu_hour(q: dict[str, Any], raw: Callable[[str], Any]) -> dict[str, Any]:
        return {f"{side}.cost_per_gpu_hour_usd": q[costs]["annual_total"] / q[hours]}

    def per_million_tokens(q: dict[str, Any], raw: Callable[[str], Any]) -> dict[str, Any]:
        out = {f"{side}.cost_per_million_tokens_usd": q[costs]["annual_total"] / (resolve(q[tokens]) / 1e6)}
        if side == "terrestrial":
            out["terrestrial.gpu_hours_per_yr"] = q["ground_gpu_hours"]
        return out

    return per_kw_year, per_gpu_hour, per_million_tokens


def _terrestrial_costs(q: dict[str, Any], raw: Callable[[str], Any]) -> dict[str, Any]:
    ground, ter, years, kw = q["ground"], q["ter"], q["period"], q["it_power"] / 1e3
    out = {
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
        **_totals("terrestrial", ter),
        "terrestrial.infrastructure_cost_per_kw_year_usd": ter["annual_infrastructure"] / kw,
    }
    out.update({f"terrestrial.capex_breakdown_usd.{name}": ter[f"capex_{name}"] for name in _TERRESTRIAL_CAPEX})
    out.update(
        {f"terrestrial.annual_breakdown_usd_per_yr.{name}": ter[f"annual_{name}"] for name in _TERRESTRIAL_ANNUAL}
    )
    return out


def _goodput(q: dict[str, Any], raw: Callable[[str], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for side, gp in q["goodput"].items():
        out.update(gp.outputs(side))
    return out


def _waits(q: dict[str, Any], raw: Callable[[str], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    waits = q["waits"]()  # computed here, on first use of one of these outputs
    for side in ("orbital", "terrestrial"):
        costs = q["orb"] if side == "orbital" else q["ter"]
        wait_yr, wait_usd = waits[side]
        out[f"{side}.time_to_first_token_yr"] = wait_yr
        out[f"{side}.wait_cost_usd"] = wait_usd
        with_wait = costs["annual_total"] + wait_usd * costs["crf_period"]
        out[f"{side}.cost_per_gpu_hour_with_wait_usd"] = with_wait / (
            q["gpu_hours"] if side == "orbital" else q["ground_gpu_hours"]
        )
    out["terrestrial.time_to_power_yr"] = out["terrestrial.time_to_first_token_yr"]
    out["orbital.launch_price_usd_per_kg"] = q["orb"]["capex_launch"] / q["fleet"].launch_mass_kg
    return out


def _space(q: dict[str, Any], raw: Callable[[str], Any]) -> dict[str, Any]:
    space, fleet = q["space"], q["fleet"]
    return {
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
        "orbital.formation_manoeuvre_factor": space.formation_manoeuvre_factor,
    }


def _links(q: dict[str, Any], raw: Callable[[str], Any]) -> dict[str, Any]:
    links = q["links"]()  # sized here, on first use of one of these outputs
    return {
        "orbital.isl_range_m": links.isl_range_m,
        **{f"orbital.{f.name}": stored(q["rad"], f.name) for f in fields(q["rad"])},  # pending: read on use
        "orbital.isl_rate_gbps": links.isl_rate_gbps,
        "orbital.downlink_required_gbps": links.downlink_required_gbps,
        "orbital.uplink_required_gbps": links.uplink_required_gbps,
        "orbital.ground_stations": links.ground_stations,
        "orbital.latency_ms": links.latency_ms,
    }


def _cost_ratio(q: dict[str, Any], raw: Callable[[str], Any]) -> dict[str, Any]:
    return {"comparison.cost_ratio": raw("orbital.cost_per_gpu_hour_usd") / raw("terrestrial.cost_per_gpu_hour_usd")}


def _infrastructure_cost_ratio(q: dict[str, Any], raw: Callable[[str], Any]) -> dict[str, Any]:
    return {
        "comparison.infrastructure_cost_ratio": q["orb"]["annual_infrastructure"] / q["ter"]["annual_infrastructure"],
    }


def _breakeven(q: dict[str, Any], raw: Callable[[str], Any]) -> dict[str, Any]:
    orb, ter = q["orb"], q["ter"]
    launch = orb["annual_launch"]
    fraction = np.asarray(q["v"]["orbital_ops.insurance_fraction"], float)
    if is_plus_zero(fraction) and _all_positive(launch):
        insurance_on_launch = 0.0  # +0 in every sample (a positive cost times +0), the same difference below
    else:
        insurance_on_launch = launch * fraction
    return {
        "comparison.breakeven_launch_price_usd_per_kg": tco.breakeven_launch_price_usd_per_kg(
            orb["annual_total"],
            launch,
            insurance_on_launch,
            orb["launch_slope_usd_per_yr_per_usd_per_kg"],
            # the ground's cost per orbital GPU-hour, in the buffer of its first product
            chain(ter["annual_total"] * q["gpu_hours"], (np.true_divide, q["ground_gpu_hours"])),
        ),
    }


def _all_positive(values: Any) -> bool:
    """Whether ``values`` is a float64 sample array whose every value is above zero (one reduction; NaN fails)."""
    return type(values) is np.ndarray and values.ndim > 0 and values.dtype == np.float64 and values.min() > 0


def _comparison(q: dict[str, Any], raw: Callable[[str], Any]) -> dict[str, Any]:
    """The other comparisons: a group of their own, so that reading the break-even price (a Monte Carlo's main
    outputs do) does not compute both sides' costs with the wait for capacity, nor the solar energy yields."""
    return {
        "comparison.cost_ratio_with_wait": raw("orbital.cost_per_gpu_hour_with_wait_usd")
        / raw("terrestrial.cost_per_gpu_hour_with_wait_usd"),
        "comparison.solar_energy_ratio": resolve(q["orbit_energy"]) / q["ground_energy"],
        "comparison.gpu_hours_per_yr": q["gpu_hours"],
        "comparison.tokens_per_yr": q["tokens"],
    }


#: Output groups in key order; the outputs of a group are computed together, on first use of any of them.
GROUPS: tuple[_Group, ...] = (
    _design,
    _fleet,
    _orbital_costs,
    *_unit_cost_groups("orbital"),
    _terrestrial_costs,
    *_unit_cost_groups("terrestrial"),
    _goodput,
    _waits,
    _space,
    _links,
    _cost_ratio,
    _infrastructure_cost_ratio,
    _breakeven,
    _comparison,
)

#: Every output key in order, and the index of the group computing it: learnt from the first evaluation in the
#: process (which computes every group), since a group's keys do not depend on the scenario.
KEYS: list[str] = []
_MISSING = object()
_GROUP_OF: dict[str, int] = {}


class Outputs(Mapping[str, Any]):
    """The canonical outputs of one evaluation, each computed on first use (with the others of its group).

    A read-only mapping with the keys, order and values of a dict of every output: ``outputs[key]``, ``in``,
    iteration, ``keys()``/``items()``, ``dict(outputs)``. Only the groups read are computed: Python scalars for a
    scalar scenario; for a scenario with sample arrays, each output broadcast to ``sample_shape`` (the common
    shape of the scenario's sample arrays). Pickles (and copies) as a plain dict.
    """

    __slots__ = ("_q", "_raw", "_values", "_mask", "_infeasible", "_shape", "_busy", "_computed")

    def __init__(self, q: dict[str, Any], sample_shape: tuple[int, ...] = ()) -> None:
        self._q = q
        self._raw: dict[str, Any] = {}
        self._values: dict[str, Any] = {}
        feasible = q["feasibility"].feasible
        self._mask = None if (feasible.all() if type(feasible) is np.ndarray else np.all(feasible)) else feasible
        self._infeasible: np.ndarray | None = None  # flat indices of the infeasible samples, found on first use
        self._shape = tuple(sample_shape)
        self._busy = None  # the thread computing a group (the groups it reads are computed in its context)
        self._computed: list[int] = []  # the groups computed for reads, in order
        if not KEYS:  # the first evaluation in the process computes every group and learns the layout
            for index, compute in enumerate(GROUPS):
                group = compute(q, self._raw_value)
                self._raw.update(group)
                _GROUP_OF.update(dict.fromkeys(group, index))
            KEYS[:] = list(_GROUP_OF)
            self._values = {k: self._finish(k) for k in self._raw}

    def _compute(self, index: int) -> None:
        # The same floating-point context as terawatt.model.evaluate: infeasible samples carry inf/NaN by design
        # (flagged in the outputs and notes), and a group computed later must not warn where evaluate would not.
        # A group read by another group being computed runs in that one's context (entered once).
        thread = get_ident()
        if self._busy == thread:
            group = GROUPS[index](self._q, self._raw_value)
        else:
            self._busy = thread
            try:
                with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                    group = GROUPS[index](self._q, self._raw_value)
            finally:
                self._busy = None
        self._raw.update(group)  # each key finished (masked, broadcast) when it is read (__getitem__)
        self._computed.append(index)

    def computed(self) -> list[str]:
        """The keys of the output groups computed so far for reads (each group's outputs, computed together),
        in key order, but those whose value is computed only when read (a Deferred not read yet): the outputs a
        caller can read at the cost of finishing them (masking, broadcasting: :mod:`terawatt.blocks`)."""
        done, raw = set(self._computed), self._raw
        return [k for k in KEYS if _GROUP_OF[k] in done and type(raw.get(k)) is not Deferred]

    def _raw_value(self, key: str) -> Any:
        if key not in self._raw:
            self._compute(_GROUP_OF[key])
        val = self._raw[key]
        if type(val) is Deferred:  # computed when the key itself is read
            val = self._raw[key] = resolve(val)
        return val

    def _finish(self, key: str) -> Any:
        val = self._raw_value(key)
        if self._mask is not None and key.startswith(_COST_PREFIXES):  # infeasible designs carry no cost figures
            val = self._masked(val, in_place=key in _OWN_ARRAYS)
        if self._shape:
            if type(val) is np.ndarray and val.shape == self._shape:  # np.broadcast_to's read-only view, made directly
                view = val.view()
                view.flags.writeable = False
                return view
            return _scalarize(np.broadcast_to(val, self._shape))
        if isinstance(val, np.ndarray) and val.ndim:
            raise RuntimeError(f"output {key} is an array of shape {val.shape} for a scalar scenario")
        return val.item() if type(val) in _ITEM_TYPES else _scalarize(val)

    def _masked(self, val: Any, in_place: bool = False) -> Any:
        """``np.where(mask, val, nan)``: for a float array of the mask's shape, a copy with NaN put at the
        infeasible samples' indices (found once), which costs a copy where ``np.where`` on a mask that changes
        from sample to sample mispredicts a branch per sample. ``in_place``: ``val`` is its group's own array,
        which no other group reads (:data:`_OWN_ARRAYS`): the NaN put into it (where it is C-ordered and
        writeable), without the copy."""
        mask = self._mask
        if type(val) is not np.ndarray or val.dtype != np.float64 or val.shape != mask.shape:
            return np.where(mask, val, np.nan)
        if self._infeasible is None:
            self._infeasible = np.flatnonzero(~mask)
        if in_place and val.flags.c_contiguous and val.flags.writeable:
            val.reshape(-1)[self._infeasible] = np.nan
            return val
        out = val.copy()  # C-ordered: its flat indices are the mask's
        out.reshape(-1)[self._infeasible] = np.nan  # a view (out is contiguous): np.put's values, at less cost
        return out

    def __getitem__(self, key: str) -> Any:
        value = self._values.get(key, _MISSING)
        if value is _MISSING:
            if key not in self._raw:
                self._compute(_GROUP_OF[key])  # KeyError for a key that is no output
            if key not in self._values:  # not read yet (its group computed for another key)
                self._values[key] = self._finish(key)
            value = self._values[key]
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(KEYS)

    def __len__(self) -> int:
        return len(KEYS)

    def __contains__(self, key: object) -> bool:
        return key in _GROUP_OF

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self),))

    def __repr__(self) -> str:
        return f"Outputs({dict(self)!r})"


def collect_outputs(sample_shape: tuple[int, ...] = (), **q: Any) -> Outputs:
    """Canonical outputs from the pieces computed in :func:`terawatt.model.evaluate`, each computed on first use.

    ``sample_shape``: the common shape of the scenario's sample arrays (``()`` for a scalar scenario); every
    output of a sampled scenario is broadcast to it.
    """
    return Outputs(q, sample_shape)


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
