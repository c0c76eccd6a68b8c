"""Build-out to a terawatt: AI power added in orbit and on the ground year by year, what each side needs, what
the supply chains deliver, and which constraint binds.

Per year, demand grows toward a cap; the additions are split between orbit and ground by cost (the timeline's
cost per GPU-hour that year) and each side's capacity limit; each side's limit is the tightest of its supply
chains. The simulation is a loop over years on arrays of samples: N Monte Carlo trajectories run together.

Orbit limits (GW of delivered IT power per year): launch (ships x flights per ship, pads x pad rate, LOX and
methane production, flight losses; an optional fixed flight rate), lunar mass, space-grade solar cells, radiator
panels. Ground limits: large transformers and new power (gas turbines, grid interconnections, solar + storage,
the existing grid headroom). Both sides draw on one supply of accelerators (wafers, packaging, a Terafab) and HBM.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from terawatt.catalogs import catalog_entry
from terawatt.constants import HOURS_PER_YEAR
from terawatt.model import evaluate
from terawatt.scenario import FieldError, Scenario, ScenarioError
from terawatt.trajectory import YEAR_RANGE

#: Names of the binding constraints, by code.
ORBIT_LIMITS = (
    "demand",
    "launch vehicles",
    "launch pads",
    "propellant",
    "solar cells",
    "radiators",
    "accelerators",
    "HBM",
    "not started",
)
GROUND_LIMITS = ("demand", "transformers", "new power", "accelerators", "HBM")
#: Year fields of the JSON output (more are added freely).
FIELDS = (
    "year",
    "demand_gw",
    "orbit_gw_added",
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
    "hbm_stacks_needed",
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
)


def _p(v: dict[str, Any], key: str) -> np.ndarray:
    return np.asarray(v[key], dtype=float)


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
            for name in FIELDS[1:]:
                col = self.data[name][..., i]
                if name in ("orbit_binding", "ground_binding"):
                    labels = ORBIT_LIMITS if name == "orbit_binding" else GROUND_LIMITS
                    codes = np.atleast_1d(col).astype(int)
                    row[name] = labels[int(np.bincount(codes, minlength=len(labels)).argmax())]
                else:
                    value = float(np.nanmedian(col)) if np.ndim(col) else float(col)
                    row[name] = value if np.isfinite(value) else None
            rows.append(row)
        return rows

    def bottlenecks(self) -> list[str]:
        """The bottleneck timeline in words: a line for each year in which a binding constraint changes."""
        lines, last = [], None
        for row in self.rows():
            now = (row["orbit_binding"], row["ground_binding"])
            if now != last:
                lines.append(f"{row['year']}: {_words(now[0], 'orbit')}; {_words(now[1], 'ground')}")
                last = now
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "years": self.rows(), "bottlenecks": self.bottlenecks()}


def _words(limit: str, side: str) -> str:
    if limit == "demand":
        return f"{side} meets its share of demand"
    if limit == "not started":
        return f"{side} not started"
    verb = "bind" if limit.endswith("s") and limit != "HBM" else "binds"
    return f"{limit} {verb} {side}"


def _ramp(year: np.ndarray, start: np.ndarray, ramp_yr: np.ndarray) -> np.ndarray:
    """0 before ``start``, rising linearly to 1 over ``ramp_yr`` years."""
    return np.clip((year - start + 1.0) / np.maximum(ramp_yr, 1e-9), 0.0, 1.0)


def _check(v: dict[str, Any]) -> None:
    errors = []
    if np.any(_p(v, "launch.pads") <= 0) and np.any(_p(v, "launch.pad_build_per_yr") <= 0):
        errors.append(FieldError("launch.pads", "0 pads and no pad building: no launch can happen [pads, >= 1]"))
    if np.any(_p(v, "launch.turnaround_h") <= 0) or np.any(_p(v, "launch.turnaround_target_h") <= 0):
        errors.append(FieldError("launch.turnaround_h", "turnaround must be positive [h], in (0, inf)"))
    if errors:
        raise ScenarioError(errors)


def buildout(scenario: Scenario, start: int = 2026, end: int = 2050) -> BuildOut:
    r"""Simulate the build-out from ``start`` to ``end`` (inclusive).

    Notes
    -----
    Each year: demand :math:`D(y) = \min(D_{cap}, D_{2025}(1+g)^{y-2025})`; additions :math:`\Delta = D - O - G`
    (plus the orbit's retirements, which are re-launched). Orbit's wanted share of the additions is
    :math:`1/(1 + r^k)` with :math:`r` the cost ratio that year (``buildout.split_rule: cost_share``); each side
    takes what its limit allows and the other side takes up what one cannot; if accelerators or HBM fall short,
    both sides scale down together. What no side can add is the shortfall (reported, not an error).
    Satellites retire after ``satellite.lifetime_yr`` and re-enter; their replacements need launches first.
    """
    if not (YEAR_RANGE[0] <= start <= end <= YEAR_RANGE[1]):
        raise ScenarioError([FieldError("--from/--to", f"years {start}-{end} must lie in {list(YEAR_RANGE)}")])
    years = np.arange(start, end + 1)
    v = scenario.values
    _check(v)
    tl = evaluate(scenario.at_years(years)).outputs  # per-year designs and costs, (Y,) or (N, Y)
    shape = np.broadcast_shapes(*(np.shape(x) for x in tl.values()), years.shape)
    n = shape[:-1]

    def per_year(key: str) -> np.ndarray:
        return np.broadcast_to(np.asarray(tl[key], float), shape)

    it = per_year("terrestrial.accelerators") * 0 + _p(v, "workload.it_power_w")  # reference deployment [W]
    kg_per_w = per_year("orbital.launch_mass_kg") / it
    array_w_per_w = per_year("orbital.array_power_bol_w") * per_year("orbital.satellite_count") / it
    radiator_m2_per_w = per_year("orbital.radiator_area_m2") * per_year("orbital.satellite_count") / it
    sat_mass = per_year("orbital.satellite_mass_kg")
    acc_orbit_per_w = per_year("orbital.accelerators") / it
    acc_ground_per_w = per_year("terrestrial.accelerators") / it
    capex_orbit_per_w = per_year("orbital.capex_usd") / it
    capex_ground_per_w = per_year("terrestrial.capex_usd") / it
    ratio = per_year("comparison.cost_ratio")
    payload_t = per_year("orbital.payload_kg") / 1e3
    pue = _p(v, "terrestrial.pue")
    acc = catalog_entry("accelerators", v["workload.accelerator"])
    stacks_per_acc = float(acc["hbm_stacks"])
    life = np.broadcast_to(_p(v, "satellite.lifetime_yr"), n)
    hw_life = np.broadcast_to(_p(v, "workload.hardware_lifetime_yr"), n)

    demand_2025 = _p(v, "buildout.demand_2025_gw")
    orbit_0 = _p(v, "buildout.orbit_gw_2025")
    if np.any(orbit_0 > demand_2025):
        raise ScenarioError([FieldError("buildout.orbit_gw_2025", "exceeds buildout.demand_2025_gw [GW]")])
    # Orbit cohorts by launch year (index = year - start + max_life); the initial fleet has evenly spread ages.
    max_life = int(np.ceil(np.max(life)))
    cohorts = np.zeros((*n, len(years) + max_life))
    for age in range(max_life):  # cohort at index max_life-1-age is age+1 years old in the first year
        cohorts[..., max_life - 1 - age] = np.where(age < np.round(life), orbit_0 / np.maximum(np.round(life), 1), 0.0)
    life_years = np.round(life)[..., None]
    ground = np.broadcast_to(demand_2025 - orbit_0, n).astype(float)
    ships = np.broadcast_to(_p(v, "launch.ships_in_service_2026"), n).astype(float)
    cum_flights = np.ones(n)
    headroom = np.broadcast_to(_p(v, "ground.grid_headroom_gw"), n).astype(float)
    out: dict[str, list[np.ndarray]] = {name: [] for name in FIELDS[1:]}

    for j, year in enumerate(years):
        t = float(year - 2026)
        col = (Ellipsis, j)
        # ---------------------------------------------------------------------------------------- demand
        demand = np.minimum(
            _p(v, "buildout.demand_cap_gw"),
            demand_2025 * (1.0 + _p(v, "buildout.demand_growth_per_yr")) ** (year - 2025),
        )
        # Satellites launched k years ago retire when k reaches their life; their capacity is re-launched.
        cohort_index = j + max_life
        ages = cohort_index - np.arange(cohort_index)
        retiring = (cohorts[..., :cohort_index] * (ages == life_years)).sum(axis=-1)
        orbit_total = (cohorts[..., :cohort_index] * (ages < life_years)).sum(axis=-1)
        # Ground servers are refreshed every hardware life: 1/L of the installed base a year (steady state).
        ground_refresh = ground / hw_life
        additions = np.maximum(demand - orbit_total - ground, 0.0)

        # ---------------------------------------------------------------------------------------- launch system
        turnaround = _p(v, "launch.turnaround_target_h") + (
            _p(v, "launch.turnaround_h") - _p(v, "launch.turnaround_target_h")
        ) * 0.5 ** (t / np.maximum(_p(v, "launch.turnaround_halving_yr"), 1e-9))
        built = np.minimum(
            _p(v, "launch.ship_build_max_per_yr"),
            _p(v, "launch.ship_build_per_yr") * (1.0 + _p(v, "launch.ship_build_growth_per_yr")) ** t,
        )
        ships = ships + (built if j > 0 else 0.0)
        pads = _p(v, "launch.pads") + _p(v, "launch.pad_build_per_yr") * t
        by_ships = ships * HOURS_PER_YEAR / turnaround
        by_pads = pads * HOURS_PER_YEAR / _p(v, "launch.pad_turnaround_h")
        prop = _p(v, "launch.propellant_per_flight_t")
        lox_frac = _p(v, "launch.lox_fraction")
        growth = (1.0 + _p(v, "launch.propellant_growth_per_yr")) ** t
        by_prop = np.minimum(
            _p(v, "launch.lox_production_t_per_yr") * growth / (prop * lox_frac),
            _p(v, "launch.methane_production_t_per_yr") * growth / (prop * (1.0 - lox_frac)),
        )
        launch_limits = np.stack(np.broadcast_arrays(by_ships, by_pads, by_prop))
        max_flights = launch_limits.min(axis=0)
        launch_code = 1 + launch_limits.argmin(axis=0)  # 1 vehicles, 2 pads, 3 propellant
        fixed = v["launch.flights_per_yr"]
        if fixed is not None:
            max_flights = np.broadcast_to(_p(v, "launch.flights_per_yr"), n)
            launch_code = np.ones(n, int)
        reliability = _p(v, "launch.flight_reliability")
        earth_t = max_flights * payload_t[col] * reliability
        lunar_t = _p(v, "supply.lunar_mass_driver_t_per_yr") * _ramp(
            year, _p(v, "supply.lunar_start_year"), _p(v, "supply.lunar_ramp_yr")
        )
        frac = _p(v, "supply.lunar_mass_fraction")
        usable_lunar = np.minimum(lunar_t, earth_t * frac / np.maximum(1.0 - frac, 1e-9))
        replacement_t = retiring * 1e9 * kg_per_w[col] / 1e3
        launch_gw = np.maximum((earth_t + usable_lunar) - replacement_t, 0.0) / (kg_per_w[col] * 1e9 / 1e3)
        solar_supply = np.minimum(
            _p(v, "supply.solar_target_gw_per_yr"),
            _p(v, "supply.space_solar_gw_per_yr_2026") * (1.0 + _p(v, "supply.space_solar_growth_per_yr")) ** t,
        )
        solar_gw = np.maximum(solar_supply - retiring * array_w_per_w[col], 0.0) / array_w_per_w[col]
        radiator_gw = (
            _p(v, "supply.radiator_m2_per_yr")
            * (1.0 + _p(v, "supply.space_solar_growth_per_yr")) ** t
            / (radiator_m2_per_w[col] * 1e9)
        )
        orbit_limits = np.stack(np.broadcast_arrays(launch_gw, solar_gw, radiator_gw))
        orbit_cap = orbit_limits.min(axis=0)
        orbit_code = np.choose(orbit_limits.argmin(axis=0), [launch_code, np.full(n, 4), np.full(n, 5)])
        started = year >= _p(v, "buildout.orbit_start_year")
        orbit_cap = np.where(started, orbit_cap, 0.0)

        # ---------------------------------------------------------------------------------------- ground supply
        turbines = (
            _p(v, "ground.turbine_gw_per_yr")
            * (1.0 + _p(v, "ground.turbine_growth_per_yr")) ** t
            * _p(v, "ground.turbine_share_for_ai")
        )
        grid = (
            _p(v, "ground.interconnection_gw_per_yr")
            * (1.0 + _p(v, "ground.electricity_growth_per_yr_ex_china")) ** t
            * _p(v, "ground.interconnection_share_for_ai")
        )
        solar_storage = _p(v, "ground.solar_storage_gw_per_yr") * _p(v, "ground.solar_storage_share_for_ai")
        new_power = turbines + grid + solar_storage + headroom
        transformers = _p(v, "ground.transformer_gw_per_yr") * _p(v, "ground.transformer_share_for_ai") + headroom
        ground_limits = np.stack(np.broadcast_arrays(transformers / pue, new_power / pue))
        ground_cap = ground_limits.min(axis=0)
        ground_code = 1 + ground_limits.argmin(axis=0)

        # ---------------------------------------------------------------------------------------- split
        r = ratio[col]
        rule = v["buildout.split_rule"]
        if rule == "cost_share":
            share = 1.0 / (1.0 + np.where(np.isfinite(r), r, np.inf) ** _p(v, "buildout.split_elasticity"))
        else:
            share = np.full(n, 1.0 if rule == "orbit_first" else 0.0)
        share = np.where(started, share, 0.0)
        orbit_add = np.minimum(share * additions, orbit_cap)
        ground_add = np.minimum(additions - orbit_add, ground_cap)
        orbit_add = np.minimum(additions - ground_add, orbit_cap)  # orbit takes what the ground cannot

        # ---------------------------------------------------------------------------------------- chips
        acc_supply = _p(v, "supply.accelerators_per_yr_2026") * (1.0 + _p(v, "supply.accelerator_growth_per_yr")) ** t
        acc_supply = acc_supply + _p(v, "supply.terafab_chips_per_yr") * _p(
            v, "supply.terafab_accelerator_equiv_per_chip"
        ) * _ramp(year, _p(v, "supply.terafab_start_year"), _p(v, "supply.terafab_ramp_yr"))
        hbm_supply = _p(v, "supply.hbm_stacks_per_yr_2026") * (1.0 + _p(v, "supply.hbm_growth_per_yr")) ** t
        chips_supplied = np.minimum(acc_supply, hbm_supply / stacks_per_acc)
        chip_code = np.where(acc_supply <= hbm_supply / stacks_per_acc, 6, 7)
        fixed_need = (retiring * acc_orbit_per_w[col] + ground_refresh * acc_ground_per_w[col]) * 1e9
        add_need = (orbit_add * acc_orbit_per_w[col] + ground_add * acc_ground_per_w[col]) * 1e9
        scale = np.clip((chips_supplied - fixed_need) / np.maximum(add_need, 1e-9), 0.0, 1.0)
        chip_bound = scale < 1.0
        orbit_add, ground_add = orbit_add * scale, ground_add * scale

        # ---------------------------------------------------------------------------------------- bindings
        orbit_binding = np.where(
            ~started,
            8,
            np.where(chip_bound & (orbit_add > 0), chip_code, np.where(orbit_add >= orbit_cap - 1e-12, orbit_code, 0)),
        )
        orbit_binding = np.where(started & (orbit_add < orbit_cap - 1e-9) & ~chip_bound, 0, orbit_binding)
        ground_binding = np.where(chip_bound, chip_code - 3, np.where(ground_add >= ground_cap - 1e-12, ground_code, 0))

        # ---------------------------------------------------------------------------------------- state
        cohorts[..., cohort_index] = orbit_add + retiring  # replacements fly with this year's satellites
        ground = ground + ground_add
        headroom = np.maximum(headroom - ground_add * pue, 0.0)
        used_t = (orbit_add + retiring) * 1e9 * kg_per_w[col] / 1e3
        earth_used_t = used_t - np.minimum(usable_lunar, used_t * frac)
        launches = earth_used_t / (payload_t[col] * reliability)
        replacement_launches = np.where(
            used_t > 0, launches * (retiring * 1e9 * kg_per_w[col] / 1e3) / np.maximum(used_t, 1e-12), 0.0
        )
        cum_flights = cum_flights + launches
        lost = launches * (1.0 - reliability) + launches / _p(v, "launch.ship_reuse_flights")
        ships = np.maximum(ships - lost, 0.0)
        learning = np.maximum(cum_flights, 1.0) ** np.log2(1.0 - _p(v, "launch.learning_rate"))
        sats_launched = (orbit_add + retiring) * 1e9 * kg_per_w[col] / sat_mass[col]
        sats_retired = retiring * 1e9 * kg_per_w[col] / sat_mass[col]
        orbit_now = orbit_total + orbit_add
        edge = np.where(
            bool(v["edge.enabled"]),
            _p(v, "edge.vehicles_2026")
            * (1.0 + _p(v, "edge.vehicle_growth_per_yr")) ** t
            * _p(v, "edge.compute_w_per_vehicle")
            * _p(v, "edge.duty_cycle")
            / 1e9,
            np.nan,
        )
        record = {
            "demand_gw": demand,
            "orbit_gw_added": orbit_add,
            "orbit_gw_total": orbit_now,
            "ground_gw_added": ground_add,
            "ground_gw_total": ground,
            "shortfall_gw": np.maximum(demand - orbit_now - ground, 0.0),
            "orbit_binding": orbit_binding,
            "ground_binding": ground_binding,
            "orbit_share_wanted": share,
            "cost_ratio": r,
            "launches": launches,
            "max_launches": max_flights,
            "replacement_launches": replacement_launches,
            "payload_t": earth_used_t,
            "propellant_t": launches * prop,
            "lox_t": launches * prop * lox_frac,
            "methane_t": launches * prop * (1.0 - lox_frac),
            "ships_in_service": ships,
            "pads": pads,
            "satellites_launched": sats_launched,
            "satellites_retired": sats_retired,
            "satellites_in_orbit": orbit_now * 1e9 * kg_per_w[col] / sat_mass[col],
            "accelerators_needed": add_need * scale + fixed_need,
            "accelerators_supplied": chips_supplied,
            "hbm_stacks_needed": (add_need * scale + fixed_need) * stacks_per_acc,
            "hbm_stacks_supplied": hbm_supply,
            "solar_gw_needed": (orbit_add + retiring) * array_w_per_w[col],
            "solar_gw_supplied": solar_supply,
            "lunar_t": np.minimum(usable_lunar, used_t * frac),
            "launch_usd_per_kg": _p(v, "launch.cost_per_flight_usd") * learning / (payload_t[col] * 1e3),
            "investment_usd": (orbit_add + retiring) * 1e9 * capex_orbit_per_w[col]
            + (ground_add + ground_refresh) * 1e9 * capex_ground_per_w[col],
            "reentries": sats_retired,
            "co2_t": launches * prop * (1.0 - lox_frac) * _p(v, "launch.co2_per_t_methane"),
            "alumina_t": sats_retired * sat_mass[col] / 1e3 * _p(v, "launch.alumina_fraction_of_reentry_mass"),
            "soot_t": launches * _p(v, "launch.soot_per_flight_kg") / 1e3,
            "edge_gw": edge,
        }
        for name, value in record.items():
            out[name].append(np.broadcast_to(np.asarray(value, float), n).copy())
    data = {name: np.stack(values, axis=-1) for name, values in out.items()}
    for name in ("orbit_binding", "ground_binding"):
        data[name] = data[name].astype(int)
    return BuildOut(scenario.name, years, data)
