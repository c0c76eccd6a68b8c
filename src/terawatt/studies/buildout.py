"""Build-out to a terawatt: AI power added in orbit and on the ground year by year, what each side needs, what
the supply chains deliver, and which constraint binds.

Per year, demand grows toward a cap; the additions are split between orbit and ground by cost (the timeline's
cost per GPU-hour that year) and each side's capacity limit; each side's limit is the tightest of its supply
chains. The simulation is a loop over years on arrays of samples: N Monte Carlo trajectories run together.

Orbit limits (GW of delivered IT power per year): launch (ships x flights per ship, pads x pad rate, LOX and
methane production, flight losses; ``launch.flights_per_yr``, when set, a cap on top of these), lunar mass,
space-grade solar cells, radiator panels. Ground limits: large transformers and new power (gas turbines, grid
interconnections, solar + storage, the existing grid headroom). Both sides draw on one supply of accelerators: the
least of logic dies, HBM stacks and packages, each a capacity that is built (fabs fed by one EUV tool supply, a
Terafab programme, packaging lines; :mod:`terawatt.supply`), and space cells come from cell lines that are built
the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt._arrays import MIXED, ONES, ZEROS, sum_leading, sum_leading_products
from terawatt._arrays import plain as _plain
from terawatt.catalogs import catalog_entry
from terawatt.constants import HOURS_PER_YEAR
from terawatt.model import evaluate
from terawatt.results import years_frame
from terawatt.scenario import FieldError, Scenario, ScenarioError
from terawatt.studies.buildout_supply import SUPPLY_FIELDS, SUPPLY_LABELS, supply
from terawatt.trajectory import year_span_errors

if TYPE_CHECKING:
    import pandas as pd

#: Names of the binding constraints, by code.
ORBIT_LIMITS = (
    "demand",
    "launch vehicles",
    "launch pads",
    "propellant",
    "solar cells",
    "radiators",
    "logic dies",
    "HBM",
    "not started",
    "cost",
    "packaging",
    "design infeasible",
)
GROUND_LIMITS = ("demand", "transformers", "new power", "logic dies", "HBM", "cost", "packaging")
#: Orbit binding code of a year whose orbital design is infeasible (nothing launched).
INFEASIBLE_CODE = ORBIT_LIMITS.index("design infeasible")
#: Fields that count satellites with the design's figures: NaN for a fleet in orbit in a sample with no design.
_DESIGN_COUNTED = ("satellites_launched", "satellites_retired", "satellites_in_orbit", "reentries", "alumina_t")
#: Orbit and ground binding codes of the chip links (terawatt.supply.CHIP_LINKS order: logic dies, HBM, packaging).
_CHIP_ORBIT_CODES = np.array([6, 7, 10])
_CHIP_GROUND_CODES = np.array([3, 4, 6])
#: Relative round-off of the simulation's balances: a shortfall within this fraction of demand is exactly 0 (the
#: subtraction demand - orbit - ground leaves ~1e-14 GW where demand is met), as is an unmet gap within it.
ROUND_OFF = 1e-9
#: Registry sections whose numbers the simulation reads (each per year, so trajectories apply).
SIMULATION_SECTIONS = ("buildout", "launch", "supply", "ground", "edge", "terrestrial", "workload", "satellite")
#: Year fields of the JSON output (more are added freely).
FIELDS = (
    "year",
    "demand_gw",
    "orbit_gw_added",
    "orbit_gw_launched",
    "orbit_gw_retired",
    "orbit_gw_total",
    "ground_gw_added",
    "ground_gw_total",
    "shortfall_gw",
    "orbit_binding",
    "ground_binding",
    "orbit_share_wanted",
    "cost_ratio",
    "launches",
    "max_launches",
    "replacement_launches",
    "payload_t",
    "propellant_t",
    "lox_t",
    "methane_t",
    "ships_in_service",
    "pads",
    "satellites_launched",
    "satellites_retired",
    "satellites_in_orbit",
    "accelerators_needed",
    "accelerators_supplied",
    "accelerators_wanted",
    "hbm_stacks_needed",
    "hbm_stacks_wanted",
    "hbm_stacks_supplied",
    "solar_gw_needed",
    "solar_gw_supplied",
    "lunar_t",
    "launch_usd_per_kg",
    "investment_usd",
    "reentries",
    "co2_t",
    "alumina_t",
    "soot_t",
    "edge_gw",
    "lunar_energy_gwh",
    "orbit_co2_t_per_gw_yr",
    "ground_co2_t_per_gw_yr",
    "launcher_emission_cut_needed",
    *SUPPLY_FIELDS,
    *SUPPLY_LABELS,
)
#: Fields holding names (codes in ``data``), with their labels.
LABELS = {"orbit_binding": ORBIT_LIMITS, "ground_binding": GROUND_LIMITS, **SUPPLY_LABELS}


@dataclass(frozen=True)
class BuildOut:
    """Per-year results: each field an array of shape (Y,) or (N, Y); binding constraints as names."""

    scenario: str
    years: np.ndarray
    data: dict[str, np.ndarray]

    @property
    def sampled(self) -> bool:
        return self.data["orbit_gw_total"].ndim == 2

    def rows(self) -> list[dict[str, Any]]:
        """One dict per year; for sampled runs the median of each number and the most common binding name."""
        rows = []
        for i, year in enumerate(self.years):
            row: dict[str, Any] = {"year": int(year)}
            for name in (f for f in FIELDS[1:] if f in self.data):  # a run of chosen fields has only those
                col = self.data[name][..., i]
                if name in LABELS:
                    labels = LABELS[name]
                    codes = np.atleast_1d(col).astype(int)
                    row[name] = labels[int(np.bincount(codes, minlength=len(labels)).argmax())]
                else:
                    finite = np.asarray(col)[np.isfinite(col)]
                    value = float(np.median(finite)) if finite.size else np.nan
                    row[name] = value if np.isfinite(value) else None
            rows.append(row)
        return rows

    def bottlenecks(self) -> list[str]:
        """The bottleneck timeline in words: a line for each year in which a binding constraint (or, for a supply
        link, its cause: EUV tools, capital or construction) changes."""
        lines, last = [], None
        for row in self.rows():
            now = (_cause(row, row["orbit_binding"]), _cause(row, row["ground_binding"]))
            if now != last:
                lines.append(f"{row['year']}: {_words(*now[0], 'orbit')}; {_words(*now[1], 'ground')}")
                last = now
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "years": self.rows(), "bottlenecks": self.bottlenecks()}

    def to_frame(self) -> pd.DataFrame:
        """Every field per year: index ``year`` (or ``sample``, ``year`` for N trajectories), binding constraints
        as names, units in ``frame.attrs["units"]``."""
        shape = self.data["orbit_gw_total"].shape
        columns: dict[str, Any] = {}
        for name, values in self.data.items():
            if name in LABELS:
                labels = np.asarray(LABELS[name], dtype=object)
                values = labels[np.broadcast_to(np.asarray(values).astype(int), shape)]
            columns[name] = values
        return years_frame(self.years, columns, shape)


def _cause(row: dict[str, Any], limit: str) -> tuple[str, str]:
    """A binding name with the cause of a supply link: ``("HBM", "EUV tools")``; other limits have none."""
    if limit in ("logic dies", "HBM", "packaging"):
        return limit, row["chip_cause"]
    if limit == "solar cells":
        return limit, row["cells_cause"]
    return limit, ""


def _words(limit: str, cause: str, side: str) -> str:
    why = f" ({cause})" if cause else ""
    if limit == "demand":
        return f"{side} meets its share of demand"
    if limit == "not started":
        return f"{side} not started"
    if limit == "design infeasible":
        return f"the {side} design has no finite mass or size (infeasible: terawatt run --year says why)"
    if limit == "cost":
        return f"cost keeps {side} from the unmet demand"
    verb = "bind" if limit.endswith("s") and limit not in ("HBM", "packaging") else "binds"
    return f"{limit} {verb} {side}{why}"


def _carry_design(value: np.ndarray, feasible: np.ndarray, never: np.ndarray) -> np.ndarray:
    """An orbital design figure over the years (..., Y) with each year without a design (``feasible`` False) given
    the value of the nearest year before it that has one (after it, for years before the first): the satellites
    already in orbit are counted with a design that flew, and nothing is launched that year (its cap is 0). 1.0
    in a sample with no design in any year (``never``), where no satellite is launched: a finite stand-in, so
    that the products with the zero additions stay 0 (the fields that count satellites are NaN there)."""
    years = np.arange(value.shape[-1])
    last = np.maximum.accumulate(np.where(feasible, years, -1), axis=-1)
    following = np.minimum.accumulate(np.where(feasible, years, years.size)[..., ::-1], axis=-1)[..., ::-1]
    source = np.clip(np.where(last >= 0, last, following), 0, years.size - 1)
    carried = np.take_along_axis(np.broadcast_to(value, feasible.shape), source, axis=-1)
    return np.where(never[..., None], 1.0, carried)


def _ramp(year: np.ndarray, start: np.ndarray, ramp_yr: np.ndarray) -> np.ndarray:
    """0 before ``start``, rising linearly to 1 over ``ramp_yr`` years."""
    return np.clip((year - start + 1.0) / np.maximum(ramp_yr, 1e-9), 0.0, 1.0)


def _check(v: dict[str, Any]) -> None:
    errors = []
    no_pads = (np.asarray(v["launch.pads"], float) <= 0) & (np.asarray(v["launch.pad_build_per_yr"], float) <= 0)
    if np.any(no_pads):
        errors.append(FieldError("launch.pads", "0 pads and no pad building: no launch can happen [pads, >= 1]"))
    if errors:
        raise ScenarioError(errors)


#: The model's outputs the simulation reads (per watt of IT power, per satellite, costs): only these are computed.
MODEL_OUTPUTS = ("comparison.cost_ratio", "orbital.accelerators", "orbital.array_power_bol_w", "orbital.capex_usd",
                 "orbital.cost_per_gpu_hour_usd", "orbital.launch_mass_kg", "orbital.payload_kg",
                 "orbital.radiator_area_m2", "orbital.satellite_count", "orbital.satellite_mass_kg",
                 "terrestrial.accelerators", "terrestrial.capex_usd", "terrestrial.cost_per_gpu_hour_usd",
                 "workload.it_power_w")


def _shortfall(demand: np.ndarray, orbit: np.ndarray, ground: np.ndarray) -> np.ndarray:
    """Demand neither side meets [GW]: ``demand - orbit - ground``, exactly 0 where it is within :data:`ROUND_OFF`
    of demand (met demand leaves round-off of either sign) or below."""
    short = demand - orbit - ground
    return np.where(short > ROUND_OFF * np.abs(demand), short, 0.0)


def _year_major(x: np.ndarray) -> np.ndarray:
    """``x`` (..., Y) as a contiguous (Y, ...) array: a year's values read as one contiguous row in the loop."""
    return np.ascontiguousarray(np.moveaxis(x, -1, 0))


#: Supply outputs the simulation itself reads (the chip links and the cells); others are read only when recorded.
_SUPPLY_READ = ("cells_gw_per_yr", "logic_accelerator_equiv", "hbm_accelerator_equiv", "packaging_accelerator_equiv")
#: Supply outputs read by a recorded field that is not a supply field itself.
_SUPPLY_FOR = {"chip_cause": ("logic_cause", "hbm_cause", "packaging_cause"),
               "hbm_stacks_supplied": ("hbm_gb_supplied",), "cells_cause": ("cells_cause",)}


#: Orbit binding codes of the launch limits (vehicles, pads, propellant, a flight-rate cap read as vehicles).
_LAUNCH_CODES = np.array([1, 2, 3, 1])


def _least(limits: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The least of ``limits`` and the index of the first that is least, element by element: ``np.min`` and
    ``np.argmin`` over the stacked limits (NaN propagates, and the first NaN is the least), without the stack."""
    least = limits[0]
    for x in limits[1:]:
        least = np.minimum(least, x)
    nan = least != least
    any_nan = bool(np.any(nan))  # without a NaN, the first that is least is the first equal to the least
    first = np.full(np.shape(least), len(limits) - 1)
    for k in range(len(limits) - 2, -1, -1):
        x = limits[k]
        first = np.where((x == least) | (nan & (x != x)) if any_nan else x == least, k, first)
    return least, first


class _AtYear:
    """The simulation's inputs in year ``j``: ``series[key][..., j]``, sliced when read (a year reads a few dozen of
    the parameters)."""

    __slots__ = ("series", "j")

    def __init__(self, series: dict[str, np.ndarray], j: int) -> None:
        self.series, self.j = series, j

    def __getitem__(self, key: str) -> np.ndarray:
        return self.series[key][..., self.j]

    def __contains__(self, key: str) -> bool:
        return key in self.series


def _recorded(fields: Iterable[str] | None) -> list[str]:
    """The fields to record, in :data:`FIELDS` order (all but ``year`` by default; ``ValueError`` for unknown names)."""
    if fields is None:
        return list(FIELDS[1:])
    chosen = set(fields) - {"year"}
    unknown = chosen - set(FIELDS)
    if unknown:
        raise ValueError(f"buildout has no field {', '.join(sorted(unknown))} (fields: {', '.join(FIELDS[1:])})")
    if "launcher_emission_cut_needed" in chosen:
        chosen |= {"orbit_co2_t_per_gw_yr", "ground_co2_t_per_gw_yr"}
    return [name for name in FIELDS[1:] if name in chosen]


def buildout(
    scenario: Scenario, start: int = 2026, end: int = 2050, fields: Iterable[str] | None = None
) -> BuildOut:
    r"""Simulate the build-out from ``start`` to ``end`` (inclusive).

    Notes
    -----
    Each year :math:`y`:

    - Demand :math:`D = \min(D_{cap}, D_{2025}(1+g)^{y-2025})`. The gap to fill is demand minus the orbit fleet
      that survives the year minus the ground: satellites reaching their life (rounded to whole years, at least
      one) retire and re-enter, so their capacity is part of the gap.
    - Orbit's wanted share of the gap is :math:`1/(1 + r^k)`, :math:`r` the orbit/ground cost per GPU-hour that
      year (``buildout.split_rule: cost_share``). Each side adds what its limit allows; a side takes up what the
      other cannot only while its own cost per GPU-hour stays below the value of compute
      (``workload.value_per_gpu_hour_usd``). If accelerators or HBM fall short (after the ground's server refresh,
      1/L of its base a year), both sides scale down together. What no side adds is the shortfall.
    - Orbit limit: the lowest of launch (ships x 8,760 h / turnaround, pads x 8,760 h / pad turnaround, LOX and
      methane production, an optional ``launch.flights_per_yr`` cap; x payload x reliability, plus lunar mass
      up to ``supply.lunar_mass_fraction`` of the satellites), space-grade solar cells (lunar-made arrays need no
      Earth cells) and radiator panels. Ground limit: transformers or new power (turbines, interconnections,
      solar + storage, then the one-off grid headroom), whichever is lower, over the PUE.
    - Parameters with a trajectory take their value of each year; sampled parameters run as N trajectories.
    - A year whose orbital design has no finite figures (an infeasible design with an array or radiator without
      bound) launches nothing (binding ``design infeasible``); the ground still builds. A design flagged
      infeasible with finite figures (a mass given below its parts', as a claim states it) is built as given.

    ``fields`` names the fields of :data:`FIELDS` to record (default: all); the others are neither computed nor
    in ``data``, and those recorded are the same numbers as in a run of all fields (the Monte Carlo keeps eight).
    """
    recorded = _recorded(fields)
    span_errors = year_span_errors(start, end)
    if span_errors:
        raise ScenarioError(span_errors)
    _check(scenario.values)
    years = np.arange(start, end + 1)
    yearly = scenario.at_years(years)  # trajectories -> (..., Y); sampled values -> (N, 1)
    tl = evaluate(yearly).outputs  # per-year designs and costs (each output group computed when first read)
    shapes = [np.shape(tl[k]) for k in MODEL_OUTPUTS if k in tl] + [
        np.shape(x) for x in yearly.values.values() if x is not None]
    shape = np.broadcast_shapes(*shapes, years.shape)
    n = shape[:-1]
    want = set(recorded)

    def series(key: str) -> np.ndarray:
        """A parameter or an output over the years, shape (..., Y)."""
        value = tl[key] if key in tl else yearly.values[key]
        return np.broadcast_to(np.asarray(value, float), shape)

    numeric = (
        key
        for key, value in yearly.values.items()
        if value is not None and not isinstance(value, (str, bool)) and key.split(".")[0] in SIMULATION_SECTIONS
    )
    P = {key: series(key) for key in numeric}
    it = series("workload.it_power_w")  # the reference deployment the per-watt design figures come from [W]
    count = series("orbital.satellite_count")
    # The design figures the simulation reads. A year whose design has no finite figures (an infeasible one with an
    # array or radiator without bound, a NaN count) launches nothing; its figures are carried from a year that has
    # them (_carry_design), so that the fleet in orbit is still counted and no NaN reaches the ground. (A design
    # flagged infeasible with finite figures, such as a mass given below its parts' as a claim states it, is built
    # as given: the build-out does the claim's arithmetic.)
    figures = {
        "array_w_per_w": series("orbital.array_power_bol_w") * count / it,
        "kg_per_w": series("orbital.launch_mass_kg") / it,
        "radiator_m2_per_gw": series("orbital.radiator_area_m2") * count / it * 1e9,
        "sat_mass": series("orbital.satellite_mass_kg"),
        "acc_orbit_per_w": series("orbital.accelerators") / it,
        "payload_t": series("orbital.payload_kg") / 1e3,
    }
    feasible = np.logical_and.reduce([np.isfinite(v) for v in figures.values()]) & (figures["sat_mass"] > 0)
    if "investment_usd" in want:  # carried with the others (not tested: the fields recorded decide nothing)
        figures["capex_orbit_per_w"] = series("orbital.capex_usd") / it
    all_feasible = bool(feasible.all())
    never = ~feasible.any(axis=-1)
    if not all_feasible:
        figures = {key: _carry_design(value, feasible, never) for key, value in figures.items()}
    array_w_per_w = figures["array_w_per_w"]
    acc_ground_per_w = series("terrestrial.accelerators") / it
    ratio = series("comparison.cost_ratio")
    accelerator = catalog_entry("accelerators", scenario.values["workload.accelerator"])
    stacks_per_acc = float(accelerator["hbm_stacks"])
    gb_per_stack = float(accelerator["hbm_gb"]) / stacks_per_acc
    rule = scenario.values["buildout.split_rule"]
    if rule == "cost_share":
        share_all = 1.0 / (1.0 + np.where(np.isfinite(ratio), ratio, np.inf) ** P["buildout.split_elasticity"])
    else:
        share_all = np.full(shape, 1.0 if rule == "orbit_first" else 0.0)
    share_all = np.where(years >= P["buildout.orbit_start_year"], share_all, 0.0)
    if not all_feasible:
        share_all = np.where(feasible, share_all, 0.0)
    # the supply chains, built year by year toward the need the market sees (terawatt.supply); only the outputs
    # the simulation and the recorded fields read
    sup_read = [*_SUPPLY_READ, *(k for f in recorded for k in _SUPPLY_FOR.get(f, ()) if k not in _SUPPLY_READ),
                *(f for f in SUPPLY_FIELDS if f in want and f not in _SUPPLY_READ)]
    sup = supply(P, years, acc_ground_per_w, array_w_per_w, share_all, float(accelerator["hbm_gb"]),
                 outputs=list(dict.fromkeys(sup_read)), year_major=True)  # (Y, ...): years as rows

    # per-year values that do not depend on the simulation's state, year-major (row j is year j)
    known = {
        "kg_per_w": figures["kg_per_w"],
        "array_w_per_w": array_w_per_w,
        "radiator_m2_per_gw": figures["radiator_m2_per_gw"],
        "sat_mass": figures["sat_mass"],
        "acc_orbit_per_w": figures["acc_orbit_per_w"],
        "acc_ground_per_w": acc_ground_per_w,
        "ratio": ratio,
        "share": share_all,
        "payload_t": figures["payload_t"],
        # a side takes up what the other cannot only while its compute is worth its cost
        "orbit_worth": np.nan_to_num(series("orbital.cost_per_gpu_hour_usd"), nan=np.inf)
        <= P["workload.value_per_gpu_hour_usd"],
        "ground_worth": np.nan_to_num(series("terrestrial.cost_per_gpu_hour_usd"), nan=np.inf)
        <= P["workload.value_per_gpu_hour_usd"],
    }
    if "investment_usd" in want:
        known["capex_orbit_per_w"] = figures["capex_orbit_per_w"]
        known["capex_ground_per_w"] = series("terrestrial.capex_usd") / it
    if not all_feasible:
        known["feasible"] = feasible
    known = {key: _year_major(np.broadcast_to(value, shape)) for key, value in known.items()}
    # accelerators: the least of logic dies, HBM stacks and packages (each in accelerator equivalents); the supply's
    # arrays are year-major already
    sup = {key: np.broadcast_to(value, (len(years), *n)) for key, value in sup.items()}
    logic_all, hbm_all = sup["logic_accelerator_equiv"], sup["hbm_accelerator_equiv"]
    packages_all = sup["packaging_accelerator_equiv"]
    known["chips_supplied"] = np.minimum(np.minimum(logic_all, hbm_all), packages_all)
    link_all = np.where(logic_all <= np.minimum(hbm_all, packages_all), 0, np.where(hbm_all <= packages_all, 1, 2))
    known["chip_link"] = link_all
    known["cells_gw_per_yr"] = sup["cells_gw_per_yr"]
    if "chip_cause" in want:
        known["chip_cause"] = np.choose(link_all, [sup["logic_cause"], sup["hbm_cause"], sup["packaging_cause"]])
    if "hbm_stacks_supplied" in want:
        known["hbm_supply"] = sup["hbm_gb_supplied"] / gb_per_stack
    if "cells_cause" in want:
        known["cells_cause"] = sup["cells_cause"]
    # combinations the loop would otherwise form every year
    known["kg_per_mw"] = known["kg_per_w"] * 1e6
    known["orbit_not_worth"], known["ground_not_worth"] = ~known["orbit_worth"], ~known["ground_worth"]
    known["solar_supply"] = known["cells_gw_per_yr"] + _year_major(
        P["supply.terrestrial_solar_gw_per_yr"] * P["supply.terrestrial_cells_share_for_space"])

    demand_2025 = np.broadcast_to(P["buildout.demand_2025_gw"][..., 0], n)
    orbit_0 = np.broadcast_to(P["buildout.orbit_gw_2025"][..., 0], n)
    if np.any(orbit_0 > demand_2025):
        raise ScenarioError([FieldError("buildout.orbit_gw_2025", "exceeds buildout.demand_2025_gw [GW]")])
    life = np.maximum(np.round(P["satellite.lifetime_yr"][..., 0]), 1.0)  # whole years, at least one
    max_life = int(np.max(life))
    # Orbit cohorts by launch slot (slot = year index + max_life), year-major (slot, ...); the initial fleet has
    # evenly spread ages.
    cohorts = np.zeros((len(years) + max_life, *n))
    for age in range(max_life):  # the cohort in slot max_life-1-age is age+1 years old in the first year
        cohorts[max_life - 1 - age] = np.where(age < life, orbit_0 / life, 0.0)
    # whether a cohort of age q (row q) is in service, and whether it retires (reaches its life) that year
    by_age = np.arange(cohorts.shape[0] + 1).reshape((-1,) + (1,) * len(n))
    alive_at, retires_at = by_age < life, by_age == life
    # cohorts of an age below every sample's life are in service in all samples, those at or above every life in
    # none (of the kinds of _arrays.weight_rows, by age)
    in_service = np.where(np.arange(cohorts.shape[0] + 1) < np.min(life), ONES, np.where(
        np.arange(cohorts.shape[0] + 1) >= max_life, ZEROS, MIXED)).tolist()
    ground = np.array(np.broadcast_to(demand_2025 - orbit_0, n), dtype=float)
    ships = np.array(np.broadcast_to(P["launch.ships_in_service_2026"][..., 0], n), dtype=float)
    cum_flights = np.array(np.broadcast_to(P["launch.cumulative_flights_2025"][..., 0], n), dtype=float)
    flights_0 = cum_flights.copy()
    headroom = np.array(np.broadcast_to(P["ground.grid_headroom_gw"][..., 0], n), dtype=float)
    per_year = [name for name in recorded if name != "launcher_emission_cut_needed" and name not in SUPPLY_FIELDS]
    columns = {name: np.empty((len(years), *n)) for name in per_year}  # each recorded field, year-major
    edge_on = bool(scenario.values["edge.enabled"])

    def co2_per_flight() -> np.ndarray:
        return prop * (1.0 - lox_frac) * p["launch.co2_per_t_methane"]

    def sats(gw: np.ndarray) -> np.ndarray:
        return gw * 1e9 * kg_per_w / y["sat_mass"]

    def edge() -> np.ndarray:
        return (p["edge.vehicles_2026"] * (1.0 + p["edge.vehicle_growth_per_yr"]) ** t * p["edge.compute_w_per_vehicle"]
                * p["edge.duty_cycle"] / 1e9)

    # the fields that only record flows of the year (each computed only when recorded, from the loop's values)
    flows = {
        "orbit_gw_added": lambda: np.maximum(orbit_add - retiring, 0.0),  # new capacity beyond replacing retirements
        "shortfall_gw": lambda: _shortfall(demand, orbit_total, ground),
        "replacement_launches": lambda: launches * np.minimum(retiring, orbit_add) / np.maximum(orbit_add, 1e-12),
        "propellant_t": lambda: launches * prop,
        "lox_t": lambda: launches * prop * lox_frac,
        "methane_t": lambda: launches * prop * (1.0 - lox_frac),
        "satellites_launched": lambda: sats(orbit_add),
        "satellites_retired": lambda: sats(retiring),
        "satellites_in_orbit": lambda: sats(orbit_total),
        "accelerators_needed": lambda: add_need * scale + refresh_need,
        "accelerators_wanted": lambda: add_need + refresh_need,  # before the chip links scale the additions down
        "hbm_stacks_wanted": lambda: (add_need + refresh_need) * stacks_per_acc,
        "hbm_stacks_needed": lambda: (add_need * scale + refresh_need) * stacks_per_acc,
        "hbm_stacks_supplied": lambda: y["hbm_supply"],
        "solar_gw_needed": lambda: orbit_add * y["array_w_per_w"] * (1.0 - lunar_share),
        "solar_gw_supplied": lambda: solar_supply,
        "lunar_t": lambda: used_t * lunar_share,
        "launch_usd_per_kg": lambda: np.maximum(
            p["launch.price_floor_usd_per_kg"],
            p["launch.cost_per_flight_usd"] * (cum_flights / flights_0) ** np.log2(1.0 - p["launch.learning_rate"])
            / (payload_t * 1e3),
        ),
        # capital of the capacity added this year (server refreshes on the ground are not included)
        "investment_usd": lambda: (orbit_add * y["capex_orbit_per_w"] + ground_add * y["capex_ground_per_w"]) * 1e9,
        "reentries": lambda: sats(retiring),
        "co2_t": lambda: launches * co2_per_flight(),
        "alumina_t": lambda: sats(retiring) * y["sat_mass"] / 1e3 * p["launch.alumina_fraction_of_reentry_mass"],
        "soot_t": lambda: launches * p["launch.soot_per_flight_kg"] / 1e3,
        "edge_gw": lambda: np.where(edge_on, edge(), np.nan),
        "lunar_energy_gwh": lambda: used_t * lunar_share * 1e3 * 0.5 * p["supply.lunar_escape_velocity_m_per_s"] ** 2
        / p["supply.mass_driver_efficiency"] / 3.6e12,
        # ASCEND check: launch CO2 per GW-year of orbital compute over grid CO2 per GW-year on the ground; the
        # factor by which launch emissions must fall for orbit to emit no more (Thales ASCEND: ~10x).
        "orbit_co2_t_per_gw_yr": lambda: co2_per_flight() / (payload_t * reliability) * kg_per_w * 1e6 / life,
        "ground_co2_t_per_gw_yr": lambda: HOURS_PER_YEAR * 1e3 * p["workload.utilization"] * pue
        * p["ground.grid_co2_t_per_mwh"],
        "chip_cause": lambda: y["chip_cause"],
        "cells_cause": lambda: y["cells_cause"],
    }

    # while every cohort is finite and not negative (or -0), the cohort that retires is read instead of summed
    clean = _plain(cohorts)
    flat_cohorts = cohorts.reshape(-1)  # a view: the cohort retiring in year j at retire_at + j * size
    size = int(np.prod(n, dtype=int))
    retire_at = np.arange(size).reshape(n) + (max_life - life).astype(int) * size

    # the loop's terms that read parameters and the year only, formed once: (1, ...) where no parameter they read
    # varies by year, else (Y, ...); the same operations, in the same order, as in the year's expressions
    def col(key: str) -> np.ndarray:
        value = P[key]
        return np.moveaxis(value[..., :1] if value.strides[-1] == 0 else value, -1, 0)

    year_col = years.reshape((-1,) + (1,) * len(n))
    t_col = (years - 2026).astype(float).reshape(year_col.shape)
    lox_frac_col = col("launch.lox_fraction")
    pads_col = col("launch.pads") + col("launch.pad_build_per_yr") * t_col
    started_col = year_col >= col("buildout.orbit_start_year")
    fixed = {
        "demand_base": 1.0 + col("buildout.demand_growth_per_yr"),
        "turnaround_span": col("launch.turnaround_h") - col("launch.turnaround_target_h"),
        "halving": np.maximum(col("launch.turnaround_halving_yr"), 1e-9),
        "ship_base": 1.0 + col("launch.ship_build_growth_per_yr"),
        "pads": pads_col,
        "pad_flights": pads_col * HOURS_PER_YEAR / col("launch.pad_turnaround_h"),
        "propellant_base": 1.0 + col("launch.propellant_growth_per_yr"),
        "lox_per_flight": col("launch.propellant_per_flight_t") * lox_frac_col,
        "methane_per_flight": col("launch.propellant_per_flight_t") * (1.0 - lox_frac_col),
        "lunar_t": col("supply.lunar_mass_driver_t_per_yr") * _ramp(
            year_col, col("supply.lunar_start_year"), col("supply.lunar_ramp_yr")),
        "lunar_floor": np.maximum(1.0 - col("supply.lunar_mass_fraction"), 1e-9),
        "space_solar_base": 1.0 + col("supply.space_solar_growth_per_yr"),
        "turbine_base": 1.0 + col("ground.turbine_growth_per_yr"),
        "electricity_base": 1.0 + col("ground.electricity_growth_per_yr_ex_china"),
        "storage": col("ground.solar_storage_gw_per_yr") * col("ground.solar_storage_share_for_ai"),
        "transformer_base": 1.0 + col("ground.transformer_growth_per_yr"),
        "life_floor": np.maximum(col("workload.hardware_lifetime_yr"), 1e-9),
        "started": started_col,
        "not_started": ~started_col,
        "unreliable": 1.0 - col("launch.flight_reliability"),
        "payload_reliable": known["payload_t"] * col("launch.flight_reliability"),
    }
    fixed = {key: np.broadcast_to(value, (len(years), *n)) for key, value in fixed.items()}

    for j, year in enumerate(years):
        p = _AtYear(P, j)
        y = {key: value[j] for key, value in known.items()}
        f = {key: value[j] for key, value in fixed.items()}
        t = float(year - 2026)
        # ------------------------------------------------------------------------------------ demand and fleet
        demand = np.minimum(p["buildout.demand_cap_gw"], demand_2025 * f["demand_base"] ** (year - 2025))
        slot = j + max_life
        fleet = cohorts[:slot]  # slots 0..slot-1, of ages slot..1 (rows slot..1 of the masks by age)
        if clean:  # one cohort is `life` years old: the masked sum is its value plus +0s, i.e. its value
            retiring = flat_cohorts[retire_at + j * size]
        else:
            retiring = sum_leading(fleet * retires_at[slot:0:-1])
        # the sample-major masked sum's numbers; while clean, the cohorts out of service in every sample add nothing
        surviving = sum_leading_products(fleet, alive_at[slot:0:-1], in_service[slot:0:-1], plain=clean)
        gap = np.maximum(demand - surviving - ground, 0.0)

        # ------------------------------------------------------------------------------------ launch system
        turnaround = p["launch.turnaround_target_h"] + f["turnaround_span"] * 0.5 ** (t / f["halving"])
        if j > 0:
            ships = ships + np.minimum(
                p["launch.ship_build_max_per_yr"], p["launch.ship_build_per_yr"] * f["ship_base"] ** t
            )
        pads = f["pads"]
        prop = p["launch.propellant_per_flight_t"]
        lox_frac = p["launch.lox_fraction"]
        growth = f["propellant_base"] ** t
        limits = [
            ships * HOURS_PER_YEAR / turnaround,
            f["pad_flights"],
            np.minimum(
                p["launch.lox_production_t_per_yr"] * growth / f["lox_per_flight"],
                p["launch.methane_production_t_per_yr"] * growth / f["methane_per_flight"],
            ),
        ]
        if "launch.flights_per_yr" in p:
            limits.append(p["launch.flights_per_yr"])
        max_flights, launch_first = _least(limits)
        launch_code = _LAUNCH_CODES[launch_first]  # a flight-rate cap reads as "vehicles"
        reliability = p["launch.flight_reliability"]
        payload_t, kg_per_w = y["payload_t"], y["kg_per_w"]
        earth_t = max_flights * payload_t * reliability
        lunar_t = f["lunar_t"]
        frac = p["supply.lunar_mass_fraction"]
        usable_lunar = np.minimum(lunar_t, earth_t * frac / f["lunar_floor"])
        lunar_share = usable_lunar / np.maximum(earth_t + usable_lunar, 1e-12)
        launch_gw = (earth_t + usable_lunar) / y["kg_per_mw"]
        solar_supply = y["solar_supply"]
        earth_share = 1.0 - lunar_share
        earth_floor = np.maximum(earth_share, 1e-9)
        solar_gw = solar_supply / (y["array_w_per_w"] * earth_floor)
        radiator_gw = (
            p["supply.radiator_m2_per_yr"]
            * f["space_solar_base"] ** t
            / (y["radiator_m2_per_gw"] * earth_floor)
        )
        orbit_least, orbit_first = _least([launch_gw, solar_gw, radiator_gw])
        started = f["started"] if all_feasible else f["started"] & y["feasible"]
        orbit_cap = np.where(started, orbit_least, 0.0)
        orbit_code = np.where(orbit_first == 0, launch_code, np.where(orbit_first == 1, 4, 5))

        # ------------------------------------------------------------------------------------ ground supply
        new_power = (
            p["ground.turbine_gw_per_yr"] * f["turbine_base"] ** t * p["ground.turbine_share_for_ai"]
            + p["ground.interconnection_gw_per_yr"] * f["electricity_base"] ** t
            * p["ground.interconnection_share_for_ai"]
            + f["storage"]
        )
        transformers = p["ground.transformer_gw_per_yr"] * f["transformer_base"] ** t * p[
            "ground.transformer_share_for_ai"]
        pue = p["terrestrial.pue"]
        ground_cap, ground_first = _least([(transformers + headroom) / pue, (new_power + headroom) / pue])
        ground_code = 1 + ground_first

        # ------------------------------------------------------------------------------------ split
        share = y["share"]
        orbit_worth, ground_worth = y["orbit_worth"], y["ground_worth"]
        orbit_add = np.minimum(share * gap, orbit_cap)
        ground_add = np.minimum(gap - orbit_add, ground_cap)
        orbit_add = np.where(orbit_worth, np.minimum(gap - ground_add, orbit_cap), orbit_add)
        ground_add = np.where(ground_worth, np.minimum(gap - orbit_add, ground_cap), ground_add)

        # ------------------------------------------------------------------------------------ chips
        chips_supplied, chip_link = y["chips_supplied"], y["chip_link"]
        acc_orbit_per_w, acc_ground_per_w = y["acc_orbit_per_w"], y["acc_ground_per_w"]
        refresh_need = ground / f["life_floor"] * acc_ground_per_w * 1e9
        add_need = (orbit_add * acc_orbit_per_w + ground_add * acc_ground_per_w) * 1e9
        scale = np.clip((chips_supplied - refresh_need) / np.maximum(add_need, 1e-9), 0.0, 1.0)
        chip_bound = scale < 1.0
        orbit_add, ground_add = orbit_add * scale, ground_add * scale

        # ------------------------------------------------------------------------------------ bindings
        orbit_capped = orbit_add >= orbit_cap * (1.0 - 1e-9)
        # "cost": demand is left unmet although this side has room, because its compute costs more than it is worth
        unmet = gap - orbit_add - ground_add > ROUND_OFF * np.maximum(gap, 1.0)
        gapped = gap > 0
        orbit_binding = np.where(
            f["not_started"],
            8,
            np.where(
                chip_bound,
                _CHIP_ORBIT_CODES[chip_link],
                np.where(orbit_capped & gapped, orbit_code, np.where(unmet & y["orbit_not_worth"], 9, 0)),
            ),
        )
        if not all_feasible:  # a year without a feasible design: that, not the cap it leaves at 0
            orbit_binding = np.where(f["not_started"] | y["feasible"], orbit_binding, INFEASIBLE_CODE)
        ground_capped = ground_add >= ground_cap * (1.0 - 1e-9)
        ground_binding = np.where(
            chip_bound,
            _CHIP_GROUND_CODES[chip_link],
            np.where(ground_capped & gapped, ground_code, np.where(unmet & y["ground_not_worth"], 5, 0)),
        )

        # ------------------------------------------------------------------------------------ state and flows
        cohorts[slot] = orbit_add
        clean = clean and _plain(orbit_add)
        orbit_total = surviving + orbit_add
        ground = ground + ground_add
        headroom = np.maximum(headroom - ground_add * pue, 0.0)
        used_t = orbit_add * kg_per_w * 1e6
        earth_used_t = used_t * earth_share
        launches = earth_used_t / f["payload_reliable"]
        cum_flights = cum_flights + launches
        ships = np.maximum(ships - launches * f["unreliable"] - launches / p["launch.ship_reuse_flights"], 0.0)
        record = {
            "demand_gw": demand,
            "orbit_gw_launched": orbit_add,  # everything launched this year, replacements included
            "orbit_gw_retired": retiring,
            "orbit_gw_total": orbit_total,
            "ground_gw_added": ground_add,
            "ground_gw_total": ground,
            "orbit_binding": orbit_binding,
            "ground_binding": ground_binding,
            "orbit_share_wanted": share,
            "cost_ratio": y["ratio"],
            "launches": launches,
            "max_launches": max_flights,
            "payload_t": earth_used_t,
            "ships_in_service": ships,
            "pads": pads,
            "accelerators_supplied": chips_supplied,
            "chip_link": chip_link,
        }
        for name in per_year:
            columns[name][j] = record[name] if name in record else flows[name]()
    data = {name: np.moveaxis(columns[name], 0, -1).copy() for name in per_year}
    data.update({name: np.moveaxis(sup[name], 0, -1).copy() for name in SUPPLY_FIELDS if name in want})
    if never.any():  # no design ever: a fleet in orbit has no satellite count, no launch its CO2 per GW-year
        for name in _DESIGN_COUNTED:
            if name in data:
                data[name] = np.where(never[..., None] & (data[name] != 0.0), np.nan, data[name])
        if "orbit_co2_t_per_gw_yr" in data:
            data["orbit_co2_t_per_gw_yr"] = np.where(never[..., None], np.nan, data["orbit_co2_t_per_gw_yr"])
    if "launcher_emission_cut_needed" in want:
        data["launcher_emission_cut_needed"] = data["orbit_co2_t_per_gw_yr"] / data["ground_co2_t_per_gw_yr"]
    for name in LABELS:
        if name in data:
            data[name] = data[name].astype(int)
    return BuildOut(scenario.name, years, data)
