"""Units of the canonical output keys (``terawatt.outputs.unit_of``, the ``units`` map of ``terawatt run --json``).

Every output key is checked against an expectation written here independently of the implementation: a table of
name suffixes applied longest-first (the implementation parses the words of the name instead), an explicit list of
the dimensionless names, and keys checked one by one by hand. A new key that neither covers fails, naming the key,
so that no output silently gets a wrong unit.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from terawatt.model import evaluate
from terawatt.outputs import unit_of
from terawatt.scenario import load_scenario

#: Suffix of an output's name -> unit, applied longest suffix first (written by hand from what each quantity is).
SUFFIXES = {
    # compounds: a quantity per year, per energy, per work
    "_t_per_yr": "t/yr",
    "_days_per_yr": "d/yr",
    "_usd_per_mwh": "USD/MWh",
    "_gpu_hours_per_yr": "GPU-h/yr",
    "_tokens_per_yr": "tok/yr",
    "_mwh_per_yr": "MWh/yr",
    "_usd_per_yr": "USD/yr",
    "_rad_per_yr": "rad/yr",
    "_m_per_s_per_yr": "m/s/yr",
    "_kwh_per_m2_yr": "kWh/m2/yr",
    "_per_yr_w": "W/yr",
    "_per_kw_year_usd": "USD/kW-yr",
    "_per_gpu_hour_usd": "USD/GPU-h",
    "_per_gpu_hour_with_wait_usd": "USD/GPU-h",
    "_per_million_tokens_usd": "USD/Mtok",
    "_per_million_inferences": "1/Minf",
    # rates of events: per year (of a chip, of a satellite) or per hour
    "_per_chip_year": "1/yr",
    "_per_satellite_yr": "1/yr",
    "_per_yr": "1/yr",
    "_per_hour": "1/h",
    # a bare rate (no unit word of its own) is per year, as the registry writes finance.discount_rate
    "_discount_rate": "1/yr",
    # ratios of units
    "_usd_per_kg": "USD/kg",
    "_w_per_kg": "W/kg",
    "_kg_per_kw": "kg/kW",
    "_w_per_m2": "W/m2",
    "_kg_per_m3": "kg/m3",
    "_kg_per_m2": "kg/m2",
    "_m_per_s": "m/s",
    # plain units
    "_usd": "USD",
    "_gw": "GW",
    "_w": "W",
    "_wh": "Wh",
    "_mwh": "MWh",
    "_kg": "kg",
    "_t": "t",
    "_m2": "m2",
    "_m": "m",
    "_k": "K",
    "_deg": "deg",
    "_min": "min",
    "_ms": "ms",
    "_gbps": "Gbit/s",
    "_yr": "yr",
}
#: Output names without a unit: flags, reasons, counts, fractions and ratios.
DIMENSIONLESS = {
    "feasible", "infeasible_reason", "radiator_feasible", "launchable", "environment_feasible",
    "sunlit_fraction", "geometric_sunlit_fraction", "accelerators_per_satellite",
    "availability", "availability_eclipse", "availability_degradation", "availability_failures",
    "availability_goodput", "availability_dose", "availability_avoidance",
    "servicing_visits_per_satellite", "satellite_count", "accelerators", "satellites_per_launch",
    "launches", "solar_capacity_factor", "goodput_fraction", "training_goodput_fraction",
    "inference_goodput_fraction", "avoidance_outage_fraction", "formation_manoeuvre_factor", "hbm_capacity_factor",
    "tid_margin",
    "ground_stations", "cost_ratio", "infrastructure_cost_ratio", "cost_ratio_with_wait", "solar_energy_ratio",
    "burst_edge_time_fraction", "burst_core_time_fraction", "quiet_dose_ratio", "burst_edge_dose_ratio",
    "burst_core_dose_ratio",
}
#: Keys checked by hand (the four of the original defect first).
BY_HAND = {
    "orbital.mass_to_orbit_t_per_yr": "t/yr",
    "orbital.eclipse_days_per_yr": "d/yr",
    "terrestrial.gpu_hours_per_yr": "GPU-h/yr",
    "terrestrial.energy_price_usd_per_mwh": "USD/MWh",
    "comparison.tokens_per_yr": "tok/yr",
    "orbital.power_launched_per_yr_w": "W/yr",
    "orbital.cost_per_gpu_hour_usd": "USD/GPU-h",
    "orbital.cost_per_gpu_hour_with_wait_usd": "USD/GPU-h",
    "terrestrial.cost_per_kw_year_usd": "USD/kW-yr",
    "orbital.cost_per_million_tokens_usd": "USD/Mtok",
    "orbital.capex_breakdown_usd.launch": "USD",
    "terrestrial.annual_breakdown_usd_per_yr.energy": "USD/yr",
    "orbital.solar_energy_kwh_per_m2_yr": "kWh/m2/yr",
    "orbital.drag_dv_m_per_s_per_yr": "m/s/yr",
    "orbital.collision_probability_per_yr": "1/yr",
    "orbital.manoeuvres_per_satellite_yr": "1/yr",
    "orbital.sdc_events_per_chip_year": "1/yr",
    "orbital.replica_stops_per_hour": "1/h",
    "orbital.isl_range_m": "m",
    "orbital.radiator_temp_k": "K",
    "orbital.dose_rad_per_yr": "rad/yr",
    "orbital.launch_mass_kg_per_kw": "kg/kW",
    "orbital.isl_rate_gbps": "Gbit/s",
    "orbital.natural_decay_yr": "yr",
    "comparison.cost_ratio": "-",
    "orbital.satellite_count": "-",
    "orbital.discount_rate": "1/yr",
    "terrestrial.discount_rate": "1/yr",
}


def _expected(key: str) -> str | None:
    """The unit the tables above give ``key`` (None: neither covers it)."""
    parts = key.split(".")
    name = parts[1]  # side.name, or side.name.part for a part of a breakdown (the name carries the unit)
    if name in DIMENSIONLESS:
        return "-"
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if f"_{name}".endswith(suffix):  # a suffix may be the whole name (gpu_hours_per_yr)
            return SUFFIXES[suffix]
    return None


@pytest.fixture(scope="module")
def keys() -> list[str]:
    return list(evaluate(load_scenario(None)).outputs)


def test_every_output_key_has_the_expected_unit(keys):
    uncovered = [k for k in keys if _expected(k) is None]
    assert not uncovered, f"add these keys' units to SUFFIXES or DIMENSIONLESS of this test: {uncovered}"
    wrong = {k: (unit_of(k), _expected(k)) for k in keys if unit_of(k) != _expected(k)}
    assert not wrong, f"(unit_of, expected): {wrong}"


def test_keys_checked_by_hand(keys):
    assert set(BY_HAND) <= set(keys), set(BY_HAND) - set(keys)
    assert {k: unit_of(k) for k in BY_HAND} == BY_HAND


def test_suffix_table_agrees_with_the_hand_checks():
    """The suffix table itself against the keys read by hand (a wrong row would pass the first test)."""
    assert {k: _expected(k) for k in BY_HAND} == BY_HAND


def test_an_output_named_as_a_registry_parameter_has_its_unit(keys):
    """An output that carries a registry parameter's name (``orbital.discount_rate`` and ``finance.discount_rate``,
    ``orbital.radiator_temp_k`` and ``thermal.radiator_temp_k``) is that quantity: the same unit as the registry's."""
    from terawatt.scenario import load_registry

    by_name: dict[str, set[str]] = {}
    for key, spec in load_registry().items():
        by_name.setdefault(key.split(".", 1)[1], set()).add(spec.unit)
    shared = {k: by_name[k.split(".")[1]] for k in keys if k.split(".")[1] in by_name}
    assert len(shared) >= 8, shared  # discount rates, temperatures, densities, areas, ...
    wrong = {k: (unit_of(k), units) for k, units in shared.items() if unit_of(k) not in units}
    assert not wrong, f"(unit_of, registry's units): {wrong}"


def test_a_bare_rate_is_per_year_and_a_named_unit_wins():
    assert unit_of("orbital.discount_rate") == unit_of("finance.orbital_discount_rate") == "1/yr"
    assert unit_of("orbital.isl_rate_gbps") == "Gbit/s"
    assert unit_of("orbital.dose_rate_rad_per_yr") == "rad/yr"
    assert unit_of("orbital.discount_rate_ratio") == "-"


def test_run_json_units(invoke_cli):
    res = invoke_cli("run", "--json")
    assert res.exit_code == 0, res.output
    units = json.loads(res.stdout)["units"]
    for key, unit in BY_HAND.items():
        assert units[key] == unit, (key, units[key])


def test_monte_carlo_frame_units_in_a_fresh_cache(monkeypatch):
    """The Monte Carlo frame's units come from unit_of, not from whatever unit_of cached earlier in the process."""
    import terawatt.outputs as outputs
    from terawatt.api import montecarlo

    monkeypatch.setattr(outputs, "UNITS", {})
    mc = montecarlo(load_scenario(None), n=8, seed=1)
    units = mc.to_frame().attrs["units"]
    outs = [k for k in units if k in BY_HAND]
    assert outs, list(units)
    assert {k: units[k] for k in outs} == {k: BY_HAND[k] for k in outs}
    assert np.all([units[k] != "" for k in units])
