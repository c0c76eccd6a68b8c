"""Build-out simulation (``terawatt.studies.buildout`` and ``terawatt buildout``).

Shapes (scalar and sampled), sample-by-sample agreement with scalar runs, conservation of demand, binding names and
the bottleneck timeline, the orbit start year, infeasible targets, bad input (exit 2 naming the field), the JSON
and chart outputs. Most cases run in-process; one real subprocess checks the installed entry point.
Known model bugs are pinned as ``xfail(strict=True)`` tests at the end (each says input, expected and got).
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import yaml

from terawatt.model import evaluate
from terawatt.scenario import load_scenario, shipped_scenarios
from terawatt.studies.buildout import FIELDS, GROUND_LIMITS, LABELS, ORBIT_LIMITS, BuildOut, buildout
from terawatt.validation import load_cases, run_case

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NUMERIC = tuple(f for f in FIELDS[1:] if f not in LABELS)
JSON_FIELDS = (
    "year",
    "orbit_gw_added",
    "orbit_gw_total",
    "ground_gw_added",
    "ground_gw_total",
    "orbit_binding",
    "ground_binding",
    "launches",
    "payload_t",
    "propellant_t",
    "satellites_in_orbit",
    "accelerators_needed",
    "accelerators_supplied",
    "hbm_stacks_needed",
    "hbm_stacks_supplied",
    "solar_gw_needed",
    "solar_gw_supplied",
    "investment_usd",
    "reentries",
)
#: Binding names of the chip links (their timeline words carry a cause: EUV tools, capital, construction).
CHIP_NAMES = ("logic dies", "HBM", "packaging")
#: "2032: propellant binds orbit; transformers bind ground", "2026: orbit not started; ground meets its share of demand"
LINE = re.compile(r"^(\d{4}): ([^;]*\borbit\b[^;]*); ([^;]*\bground\b[^;]*)$")

#: Every limit lifted except launch (10,000 flights/yr x 100 t, 1,000 kg / 100 kW heritage satellites = 100 W/kg,
#: no availability losses), orbit first from 2026, demand far above what launch allows: 100 GW/yr to orbit.
LIFTED = {
    "launch.payload_kg": 1.0e5,
    "launch.flights_per_yr": 10000,  # a cap on top of the fleet, pad and propellant limits, lifted here
    "launch.ships_in_service_2026": 1000000,
    "launch.pads": 100000,
    "launch.lox_production_t_per_yr": 1.0e15,
    "launch.methane_production_t_per_yr": 1.0e15,
    "launch.flight_reliability": 1.0,
    "satellite.mass_kg": 1000.0,
    "satellite.compute_power_w": 1.0e5,
    "workload.it_power_w": 1.0e5,
    "workload.hardware_failure_rate_per_yr": 0.0,
    "workload.interruptions_per_accelerator_yr": 0.0,
    "orbit.eclipse_policy": "battery",
    "radiation.enabled": False,
    "debris.enabled": False,
    "solar.degradation_per_yr": 0.0,
    "supply.space_solar_gw_per_yr_2026": 1.0e6,
    "supply.solar_target_gw_per_yr": 1.0e6,
    "supply.radiator_m2_per_yr": 1.0e12,
    "supply.wafers_per_yr_advanced": 1.0e12,
    "supply.cowos_wafers_per_yr": 1.0e12,
    "supply.hbm_wafers_per_yr": 1.0e12,
    "supply.lunar_mass_driver_t_per_yr": 0.0,
    "buildout.split_rule": "orbit_first",
    "buildout.orbit_start_year": 2026,
    "buildout.demand_2025_gw": 1000.0,
    "buildout.demand_growth_per_yr": 3.0,
    "buildout.demand_cap_gw": 1.0e6,
}
#: As LIFTED, but launch limited by the fleet: 25 ships at 30 h (7,300 flights/yr), pads and propellant unlimited.
SHIPS = {
    **LIFTED,
    "launch.flights_per_yr": None,
    "launch.ships_in_service_2026": 25,
    "launch.ship_build_per_yr": 0.0,
    "launch.turnaround_h": 30.0,
    "launch.turnaround_target_h": 30.0,
    "launch.pads": 1000,
    "launch.lox_production_t_per_yr": 1.0e12,
    "launch.methane_production_t_per_yr": 1.0e12,
}
#: 100 GW already in orbit (5-yr life, ages spread evenly), demand constant at 100 GW: replacement only.
STEADY = {
    **LIFTED,
    "launch.flights_per_yr": 100000,
    "satellite.lifetime_yr": 5.0,
    "buildout.orbit_gw_2025": 100.0,
    "buildout.demand_2025_gw": 100.0,
    "buildout.demand_growth_per_yr": 0.0,
    "buildout.demand_cap_gw": 100.0,
}
#: Demand doubling every year toward 1 PW with tiny supplies on both sides: a shortfall, not an error.
INFEASIBLE = {
    "buildout.demand_growth_per_yr": 1.0,
    "buildout.demand_cap_gw": 1.0e6,
    "supply.space_solar_gw_per_yr_2026": 0.001,
    "supply.solar_target_gw_per_yr": 0.01,
    "ground.grid_headroom_gw": 0.0,
    "ground.transformer_gw_per_yr": 1.0,
    "ground.turbine_gw_per_yr": 1.0,
}
#: Several build-out and design parameters sampled at once (3 samples).
SAMPLES = {
    "launch.price_usd_per_kg": np.array([2000.0, 300.0, 30.0]),  # through the per-year design: the cost split
    "launch.turnaround_h": np.array([720.0, 200.0, 48.0]),
    "satellite.lifetime_yr": np.array([5.0, 3.0, 7.0]),
    "buildout.demand_growth_per_yr": np.array([0.3, 0.5, 0.8]),
    "buildout.orbit_start_year": np.array([2028, 2027, 2030]),
    "supply.space_solar_gw_per_yr_2026": np.array([0.1, 1.0, 10.0]),
}


def run(overrides=None, start: int = 2026, end: int = 2040, scenario=None) -> BuildOut:
    return buildout(load_scenario(scenario, overrides or {}), start, end)


def row_of(result: BuildOut, year: int) -> dict:
    return result.rows()[year - int(result.years[0])]


def assert_refused(result, *fragments: str) -> None:
    """Exit 2, nothing on stdout, no traceback, and each fragment in the error text."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "error: invalid input" in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def _strict_json(text: str):
    def reject(token: str):
        raise ValueError(f"non-standard JSON constant {token}")

    return json.loads(text, parse_constant=reject)


@pytest.fixture(scope="module")
def default_run() -> BuildOut:
    return run(end=2050)


@pytest.fixture(scope="module")
def sampled_run() -> BuildOut:
    return run(SAMPLES, end=2045)


# ------------------------------------------------------------------------------------------------------ shapes
def test_scalar_shapes(default_run):
    b = default_run
    assert not b.sampled
    assert b.years.tolist() == list(range(2026, 2051))
    assert set(b.data) == set(FIELDS[1:])
    for name, values in b.data.items():
        assert values.shape == (25,), name
    for name in ("orbit_binding", "ground_binding"):
        assert np.issubdtype(b.data[name].dtype, np.integer)
    rows = b.rows()
    assert len(rows) == 25 and [r["year"] for r in rows] == b.years.tolist()
    assert all(set(r) == set(FIELDS) for r in rows)


def test_sampled_shapes(sampled_run):
    b = sampled_run
    assert b.sampled
    for name, values in b.data.items():
        assert values.shape == (3, 20), name
    assert len(b.rows()) == 20


@pytest.mark.parametrize("i", range(3))
def test_each_sample_equals_the_scalar_run(sampled_run, i):
    scalar = run({k: v[i].item() for k, v in SAMPLES.items()}, end=2045)
    for name in FIELDS[1:]:
        np.testing.assert_allclose(
            sampled_run.data[name][i], scalar.data[name], rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=name
        )


def test_sampled_rows_are_medians_and_most_common_bindings(sampled_run):
    b = sampled_run
    for j, row in enumerate(b.rows()):
        for name in NUMERIC:
            col = b.data[name][:, j]
            expected = float(np.nanmedian(col)) if np.any(np.isfinite(col)) else None
            assert row[name] == (pytest.approx(expected) if expected is not None else None), (row["year"], name)
        codes = b.data["orbit_binding"][:, j]
        assert row["orbit_binding"] == ORBIT_LIMITS[int(np.bincount(codes).argmax())]


# ------------------------------------------------------------------------------------------------ conservation
@pytest.mark.parametrize("name", [None, *sorted(shipped_scenarios())])
def test_conservation_shipped(name):
    """orbit + ground + shortfall = demand every year (demand only grows: additions are never negative)."""
    d = run(scenario=name, end=2050).data
    total = d["orbit_gw_total"] + d["ground_gw_total"] + d["shortfall_gw"]
    np.testing.assert_allclose(total, d["demand_gw"], rtol=1e-9)
    for key in ("orbit_gw_added", "ground_gw_added", "shortfall_gw", "launches", "orbit_gw_total"):
        assert np.all(d[key] >= 0), key


def test_conservation_sampled_and_infeasible(sampled_run):
    for d in (sampled_run.data, run(INFEASIBLE, end=2050).data):
        total = d["orbit_gw_total"] + d["ground_gw_total"] + d["shortfall_gw"]
        np.testing.assert_allclose(total, d["demand_gw"], rtol=1e-9)


#: A dose whose shielding has no finite mass: the orbital design has no finite figures (infinite launch mass).
NO_DESIGN = {"radiation.dose_rad_per_yr": 4.5e5}


def test_a_year_without_a_finite_design_launches_nothing_and_the_ground_still_builds():
    """The design's mass is infinite in every year: the orbit adds nothing and reads "design infeasible" once
    started, the ground meets demand as far as its own limits allow, and every ground and demand figure is a
    number (they were all NaN, and the run warned). Sample by sample, a design with no figures in one sample does
    not touch the others."""
    import warnings

    assert not np.isfinite(evaluate(load_scenario(None, NO_DESIGN))["orbital.launch_mass_kg"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bad = run(NO_DESIGN, end=2035)
    d = bad.data
    started = bad.years >= 2028
    assert np.all(d["orbit_gw_total"] == 0.0) and np.all(d["launches"] == 0.0) and np.all(d["satellites_launched"] == 0)
    assert {r["orbit_binding"] for r, s in zip(bad.rows(), started, strict=True) if s} == {"design infeasible"}
    for key in ("ground_gw_total", "ground_gw_added", "shortfall_gw", "accelerators_needed", "demand_gw"):
        assert np.all(np.isfinite(d[key])), key
    np.testing.assert_allclose(d["ground_gw_total"] + d["shortfall_gw"], d["demand_gw"], rtol=1e-9)
    assert any("orbit design has no finite mass" in line for line in bad.bottlenecks())
    dose = np.array([100.0, 4.5e5])
    both = run({"radiation.dose_rad_per_yr": dose}, end=2035).data
    for i, one in enumerate((run({"radiation.dose_rad_per_yr": 100.0}, end=2035).data, d)):
        np.testing.assert_array_equal(both["orbit_binding"][i], one["orbit_binding"])
        for key in ("orbit_gw_total", "ground_gw_total", "shortfall_gw", "launches"):  # (a sampled run: ~1 ulp)
            np.testing.assert_allclose(both[key][i], one[key], rtol=1e-14, atol=1e-15, err_msg=key)


def test_a_fleet_outlives_the_years_its_design_has_no_figures():
    """Feasible until 2030, no finite design from 2031: nothing is launched from 2031, the fleet retires on its
    life and is counted with the last design that flew; with no design in any year an existing fleet has no
    satellite count (NaN), while its GW are still carried."""
    gone = {"trajectories": {"radiation.dose_rad_per_yr": {"kind": "waypoints",
                                                          "points": {2026: 100.0, 2030: 100.0, 2031: 4.5e5}}}}
    b = buildout(load_scenario(gone), 2026, 2040)
    d, late = b.data, b.years >= 2031
    ok = run({}, end=2040).data  # the same design until 2030
    for key in ("orbit_gw_total", "satellites_in_orbit", "launches"):
        np.testing.assert_array_equal(d[key][~late], ok[key][~late], err_msg=key)
    assert np.all(d["orbit_gw_launched"][late] == 0.0) and np.all(np.diff(d["orbit_gw_total"][late]) <= 0)
    assert d["orbit_gw_total"][late][-1] < d["orbit_gw_total"][b.years == 2030][0]  # it retires
    per_gw = d["satellites_in_orbit"][b.years == 2030] / d["orbit_gw_total"][b.years == 2030]
    np.testing.assert_allclose(d["satellites_in_orbit"][late], d["orbit_gw_total"][late] * per_gw, rtol=1e-12)
    never = run({**NO_DESIGN, "buildout.orbit_gw_2025": 1.0, "satellite.lifetime_yr": 5.0}, end=2032).data
    assert np.all(never["orbit_gw_total"][:4] > 0) and np.all(np.isnan(never["satellites_in_orbit"][:4]))
    assert np.all(never["orbit_gw_launched"] == 0.0) and np.all(np.isfinite(never["ground_gw_total"]))


def test_totals_accumulate_additions(default_run):
    """Before any satellite retires, each total is the previous total plus the year's addition."""
    d = default_run.data
    np.testing.assert_allclose(np.diff(d["ground_gw_total"]), d["ground_gw_added"][1:], rtol=1e-9, atol=1e-12)
    # orbit starts 2028 with 5-yr satellites: no retirement before 2033 (index 7)
    np.testing.assert_allclose(np.diff(d["orbit_gw_total"])[:6], d["orbit_gw_added"][1:7], rtol=1e-9, atol=1e-15)


# -------------------------------------------------------------------------------------------- closed-form cases
def test_launch_limited_year_closed_form():
    row = row_of(run(LIFTED, end=2027), 2026)
    assert row["orbit_gw_added"] == pytest.approx(100.0, rel=1e-9)  # 10,000 x 100 t x 100 W/kg
    assert row["launches"] == pytest.approx(1e4, rel=1e-9)
    assert row["payload_t"] == pytest.approx(1e6, rel=1e-9)
    assert row["propellant_t"] == pytest.approx(1e4 * 4600.0, rel=1e-9)
    assert row["orbit_binding"] == "launch vehicles"


@pytest.mark.parametrize(("ships", "launches"), [(20, 5840.0), (25, 7300.0), (30, 8760.0)])
def test_fleet_launch_count(ships, launches):
    row = row_of(run({**SHIPS, "launch.ships_in_service_2026": ships}, end=2027), 2026)
    assert row["max_launches"] == pytest.approx(launches, rel=1e-9)  # ships x 8,760 h / 30 h
    assert row["launches"] == pytest.approx(launches, rel=1e-9)
    assert row["orbit_gw_added"] == pytest.approx(launches / 100.0, rel=1e-9)


def test_steady_state_replacement_middle_year():
    row = row_of(run(STEADY, end=2030), 2028)
    assert row["replacement_launches"] == pytest.approx(2000.0, rel=1e-9)  # 100 GW x 10 kg/kW / 5 yr / 100 t
    assert row["satellites_retired"] == pytest.approx(2e5, rel=1e-9)
    assert row["reentries"] == row["satellites_retired"]


def test_shipped_buildout_validation_cases_pass():
    from terawatt.validation import shipped_case_files

    cases = [c for c in load_cases(shipped_case_files()) if c.study == "buildout"]
    assert len(cases) >= 6
    for case in cases:
        assert all(r.passed for r in run_case(case)), case.id


@pytest.mark.parametrize(
    ("years", "year", "message"),
    [(None, 2030, "years"), ([2026, 2030], None, "years"), ([2026, 2030], 2031, "not within"), (None, None, None)],
    ids=["no-years", "no-year", "year-outside", "unknown-study"],
)
def test_buildout_case_format_errors(tmp_path, years, year, message):
    from terawatt.scenario import ScenarioError

    doc = {"id": "x", "source": "s" * 30, "study": "buildout", "years": years, "year": year}
    if message is None:
        doc.update(study="timeline", years=[2026, 2030], year=2030)
    doc["expect"] = [{"output": "buildout.launches", "value": 1, "abs_tol": 0}]
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(doc), "utf-8")
    with pytest.raises(ScenarioError) as info:
        load_cases([path])
    assert any((message or "study") in f"{e.path} {e.message}" for e in info.value.errors), info.value.errors


def test_buildout_case_outputs(tmp_path):
    doc = {
        "id": "x",
        "source": "s" * 30,
        "study": "buildout",
        "years": [2026, 2027],
        "year": 2027,
        "set": LIFTED,
        "expect": [
            {"output": "buildout.year", "value": 2027, "abs_tol": 0},
            {"output": "buildout.orbit_gw_total", "value": 200.0, "rel_tol": 1e-9},
            {"output": "orbital.specific_power_w_per_kg", "value": 100.0, "rel_tol": 1e-9},  # evaluate() in year
        ],
    }
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(doc), "utf-8")
    rows = run_case(load_cases([path])[0])
    assert all(r.passed for r in rows), rows
    doc["expect"] = [{"output": "buildout.orbit_binding", "value": 1, "abs_tol": 0}]
    path.write_text(yaml.safe_dump(doc), "utf-8")
    from terawatt.scenario import ScenarioError

    with pytest.raises(ScenarioError, match="unknown output"):  # names are not numbers: not exposed
        run_case(load_cases([path])[0])


# ---------------------------------------------------------------------------------------------------- bindings
BINDING_CASES = [
    ("launch vehicles", "transformers", LIFTED, {}),
    ("launch pads", "transformers", SHIPS, {"launch.pads": 1}),
    ("propellant", "transformers", SHIPS, {"launch.lox_production_t_per_yr": 1e5}),
    (
        "solar cells",
        "transformers",
        LIFTED,
        {"supply.space_solar_gw_per_yr_2026": 1.0, "supply.solar_target_gw_per_yr": 1.0},
    ),
    ("radiators", "transformers", LIFTED, {"supply.radiator_m2_per_yr": 1e6}),
    ("logic dies", "logic dies", LIFTED, {"supply.wafers_per_yr_advanced": 1.0e7}),
    ("HBM", "HBM", LIFTED, {"supply.hbm_wafers_per_yr": 1.0e6}),
    ("packaging", "packaging", LIFTED, {"supply.cowos_wafers_per_yr": 1.0e5}),
    ("not started", "transformers", LIFTED, {"buildout.orbit_start_year": 2030}),
    ("demand", "demand", LIFTED, {"buildout.demand_growth_per_yr": 0.01}),
    ("launch vehicles", "new power", LIFTED, {"ground.transformer_gw_per_yr": 1e6}),
]


@pytest.mark.parametrize(
    ("orbit", "ground", "base", "extra"), BINDING_CASES, ids=[f"{o}-{g}" for o, g, *_ in BINDING_CASES]
)
def test_each_binding_constraint(orbit, ground, base, extra):
    b = run({**base, **extra}, end=2027)
    row = b.rows()[0]
    assert (row["orbit_binding"], row["ground_binding"]) == (orbit, ground)
    line = b.bottlenecks()[0]
    assert line.startswith("2026: ") and orbit.split()[0] in line and ground.split()[0] in line


def test_binding_names_come_from_the_lists(default_run, sampled_run):
    for b in (default_run, sampled_run, run(INFEASIBLE, end=2050)):
        codes_o, codes_g = b.data["orbit_binding"], b.data["ground_binding"]
        assert codes_o.min() >= 0 and codes_o.max() < len(ORBIT_LIMITS)
        assert codes_g.min() >= 0 and codes_g.max() < len(GROUND_LIMITS)
        for row in b.rows():
            assert row["orbit_binding"] in ORBIT_LIMITS
            assert row["ground_binding"] in GROUND_LIMITS


def test_bottleneck_timeline(default_run):
    rows = {r["year"]: r for r in default_run.rows()}
    lines = default_run.bottlenecks()
    years = []
    for line in lines:
        m = LINE.match(line)
        assert m, line
        year = int(m.group(1))
        years.append(year)
        orbit_words, ground_words = m.group(2), m.group(3)
        row = rows[year]
        assert row["orbit_binding"] in orbit_words or (
            row["orbit_binding"] == "demand" and "meets its share of demand" in orbit_words
        ), line
        assert row["ground_binding"] in ground_words or (
            row["ground_binding"] == "demand" and "meets its share of demand" in ground_words
        ), line
    assert years[0] == 2026 and years == sorted(set(years))

    # a line exactly where the pair of binding names (with a supply link's cause) changes
    def state(row):
        return tuple(
            (name, row["chip_cause"] if name in CHIP_NAMES else row["cells_cause"] if name == "solar cells" else "")
            for name in (row["orbit_binding"], row["ground_binding"])
        )

    changes = [y for y in rows if y == 2026 or state(rows[y]) != state(rows[y - 1])]
    assert years == changes
    assert lines[0] == "2026: orbit not started; ground meets its share of demand"


def test_to_dict(default_run):
    doc = default_run.to_dict()
    assert set(doc) == {"scenario", "years", "bottlenecks"}
    assert doc["scenario"] == "default" and doc["bottlenecks"] == default_run.bottlenecks()
    json.dumps(doc, allow_nan=False)


# ------------------------------------------------------------------------------------------------- orbit start
@pytest.mark.parametrize("rule", ["orbit_first", "cost_share"])
def test_orbit_not_started_before_start_year(rule):
    b = run({**LIFTED, "buildout.orbit_start_year": 2031, "buildout.split_rule": rule}, end=2035)
    for row in b.rows():
        if row["year"] < 2031:
            assert row["orbit_gw_added"] == 0 and row["orbit_gw_total"] == 0, row["year"]
            assert row["launches"] == 0 and row["satellites_launched"] == 0
            assert row["orbit_share_wanted"] == 0
            assert row["orbit_binding"] == "not started"
        else:
            assert row["orbit_binding"] != "not started"
    if rule == "orbit_first":
        assert row_of(b, 2031)["orbit_gw_added"] == pytest.approx(100.0)
    lines = b.bottlenecks()
    assert lines[0].startswith("2026: orbit not started;")
    assert any(ln.startswith("2031: ") for ln in lines)


def test_default_orbit_starts_2028(default_run):
    d = default_run.data
    assert np.all(d["orbit_gw_total"][:2] == 0) and d["orbit_gw_added"][2] > 0


# ------------------------------------------------------------------------------------------- infeasible target
def test_infeasible_target_reports_a_shortfall():
    b = run(INFEASIBLE, end=2050)
    d = b.data
    assert np.all(np.isfinite(d["shortfall_gw"]))
    assert d["shortfall_gw"][-1] > 0.9 * d["demand_gw"][-1]
    assert np.all(d["shortfall_gw"][5:] > 0)
    rows = b.rows()
    assert rows[-1]["ground_binding"] in ("transformers", "new power")
    assert rows[-1]["orbit_binding"] not in ("demand", "not started")


def test_infeasible_target_cli_exit_0(invoke_cli):
    sets = [a for k, v in INFEASIBLE.items() for a in ("--set", f"{k}={v}")]
    res = invoke_cli("buildout", *sets, "--to", "2035")
    assert res.exit_code == 0, (res.stderr, res.exception)
    assert "terawatt buildout: default" in res.stdout and "bottlenecks:" in res.stdout
    assert "2035" in res.stdout and "2036" not in res.stdout


# ---------------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--set", "launch.turnaround_h=-1"), ("launch.turnaround_h", "-1", "[0.1, 100000]")),
        (("--set", "launch.turnaround_target_h=0"), ("launch.turnaround_target_h",)),
        (("--set", "launch.pads=0", "--set", "launch.pad_build_per_yr=0"), ("launch.pads", "no launch")),
        (("--from", "2030", "--to", "2020"), ("--from", "--to", "2030", "2020")),
        (("--to", "2101"), ("--to", "2101", "[2020, 2100]")),
        (("--set", "buildout.orbit_gw_2025=50"), ("buildout.orbit_gw_2025", "buildout.demand_2025_gw")),
        (("--set", "buildout.split_rule=cheapest"), ("buildout.split_rule", "cost_share")),
        (("--set", "launch.flight_reliability=1.5"), ("launch.flight_reliability",)),
    ],
)
def test_bad_input_exits_2(invoke_cli, args, fragments):
    assert_refused(invoke_cli("buildout", *args), *fragments)


def test_zero_pads_with_pad_building_is_accepted():
    b = run({"launch.pads": 0, "launch.pad_build_per_yr": 1.0}, end=2028)
    assert b.data["pads"][0] == 0 and b.data["max_launches"][0] == 0
    assert b.data["max_launches"][1] > 0


def test_bad_plot_suffix(invoke_cli, tmp_path):
    """Unknown chart format: exit 2 naming --plot, after the table (issue 9); a missing folder likewise."""
    out = tmp_path / "b.foo"
    res = invoke_cli("buildout", "--to", "2027", "--plot", out)
    assert res.exit_code == 2 and "--plot" in res.stderr and "b.foo" in res.stderr and "Traceback" not in res.stderr
    assert "bottlenecks" in res.stdout and not out.exists()
    res = invoke_cli("buildout", "--to", "2027", "--plot", tmp_path / "missing" / "b.png")
    assert res.exit_code == 2 and "does not exist" in res.stderr


# ------------------------------------------------------------------------------------------------ JSON and plots
def _check_json_doc(doc: dict, first: int, last: int) -> None:
    assert set(doc) >= {"scenario", "years", "bottlenecks"}
    assert [r["year"] for r in doc["years"]] == list(range(first, last + 1))
    for row in doc["years"]:
        for field in JSON_FIELDS:
            assert field in row, field
        assert isinstance(row["year"], int)
        assert row["orbit_binding"] in ORBIT_LIMITS and row["ground_binding"] in GROUND_LIMITS
        for field in JSON_FIELDS[1:]:
            if field.endswith("binding"):
                continue
            value = row[field]
            assert isinstance(value, float) and math.isfinite(value), (row["year"], field, value)
    for line in doc["bottlenecks"]:
        assert LINE.match(line), line


def test_cli_json_subprocess(run_cli):
    proc = run_cli("buildout", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    doc = _strict_json(proc.stdout)
    _check_json_doc(doc, 2026, 2050)
    assert doc["scenario"] == "default"


def test_cli_json_sampled_scenario(invoke_cli, tmp_path):
    path = tmp_path / "samples.yaml"
    path.write_text(
        yaml.safe_dump({"launch": {"price_usd_per_kg": [2000.0, 300.0, 30.0], "turnaround_h": [720.0, 200.0, 48.0]}}),
        encoding="utf-8",
    )
    res = invoke_cli("buildout", path, "--from", "2027", "--to", "2035", "--json")
    assert res.exit_code == 0, (res.stderr, res.exception)
    doc = _strict_json(res.stdout)
    _check_json_doc(doc, 2027, 2035)
    assert doc["scenario"] == "samples"


def test_cli_set_reaches_the_simulation(invoke_cli):
    sets = [a for k, v in SHIPS.items() if v is not None for a in ("--set", f"{k}={v}")]
    res = invoke_cli("buildout", *sets, "--set", "launch.flights_per_yr=", "--to", "2027", "--json")
    assert res.exit_code == 0, (res.stderr, res.exception)
    row = json.loads(res.stdout)["years"][0]
    assert row["max_launches"] == pytest.approx(7300.0, rel=1e-9)
    assert row["orbit_binding"] == "launch vehicles"


@pytest.mark.parametrize("suffix", ["png", "html"])
def test_cli_plot(invoke_cli, tmp_path, suffix):
    out = tmp_path / f"x.{suffix}"
    res = invoke_cli("buildout", "musk-2026", "--to", "2035", "--plot", out)
    assert res.exit_code == 0, (res.stderr, res.exception)
    assert "charts written to" in res.stdout
    assert out.is_file() and out.stat().st_size > 1000
    head = out.read_bytes()[:4096]
    if suffix == "png":
        assert head.startswith(PNG_MAGIC)
    else:
        assert b"<html" in head.lower()


# ---------------------------------------------------------------------------------------------- known model bugs
def test_steady_state_fleet_stays_at_demand():
    """Constant 100 GW demand, 100 GW fleet, 5-yr life: every year 2,000 replacement launches and a 100 GW fleet.

    Got: 2026 adds 20 GW on top of the 20 GW replacement (4,000 launches), and each time that cohort retires the
    fleet grows by 20 GW: 120 GW in 2032, 140 GW in 2037, 160 GW in 2042 against a demand of 100 GW.
    """
    d = run(STEADY, end=2045).data
    np.testing.assert_allclose(d["orbit_gw_total"], 100.0, rtol=1e-9)
    np.testing.assert_allclose(d["orbit_gw_added"], 0.0, atol=1e-9)
    np.testing.assert_allclose(d["launches"], 2000.0, rtol=1e-9)


def test_conservation_with_retirements():
    d = run(STEADY, end=2045).data
    total = d["orbit_gw_total"] + d["ground_gw_total"] + d["shortfall_gw"]
    np.testing.assert_allclose(total, d["demand_gw"], rtol=1e-9)


REPLACEMENT_LIMITS = [
    ("launches", "max_launches", {"launch.flights_per_yr": 1000}),
    (
        "solar_gw_needed",
        "solar_gw_supplied",
        {"supply.space_solar_gw_per_yr_2026": 0.1, "supply.solar_target_gw_per_yr": 0.1},
    ),
    ("accelerators_needed", "accelerators_supplied", {"supply.cowos_wafers_per_yr": 6.7e4}),
]


@pytest.mark.parametrize(("used", "limit", "extra"), REPLACEMENT_LIMITS, ids=[u for u, *_ in REPLACEMENT_LIMITS])
def test_replacements_respect_the_limits(used, limit, extra):
    """Steady fleet needing 2,000 launches, 27.6 GW of arrays and 11.2 M accelerators a year for replacements, with
    1,000 flights / 0.1 GW / 1 M accelerators available: got launches 2,000 > max_launches 1,000 (and likewise)."""
    d = run({**STEADY, **extra}, end=2028).data
    assert np.all(d[used] <= d[limit] * (1 + 1e-9)), (d[used], d[limit])


def test_sub_year_lifetime():
    """satellite.lifetime_yr 0.5 (the registry minimum): got orbit_gw_total = that year's addition only (10, 21, 33
    GW re-added every year) and replacement_launches 0; expected the fleet to be replaced (replacements > 0)."""
    over = {
        **LIFTED,
        "satellite.lifetime_yr": 0.5,
        "buildout.demand_2025_gw": 100.0,
        "buildout.demand_growth_per_yr": 0.1,
    }
    d = run(over, end=2029).data
    assert np.all(d["replacement_launches"][1:] > 0)


def test_sampling_only_buildout_parameters():
    """Samples of buildout.demand_growth_per_yr alone: got ValueError 'could not broadcast input array from shape
    (2,) into shape ()' (a traceback from ``terawatt buildout``); expected shape (2, Y)."""
    b = run({"buildout.demand_growth_per_yr": np.array([0.3, 0.5])}, end=2030)
    assert b.data["orbit_gw_total"].shape == (2, 5)


def test_sampled_it_power_matches_scalar():
    """workload.it_power_w [1e5, 1e6, 1e7] over 2026-2028 (N = Y = 3): sample i used the value of sample j in year
    j (accelerators_needed of sample 0: 5.61 M, 0.76 M, 0.14 M vs scalar 5.61 M, 7.30 M, 9.49 M); with N != Y
    it raises ValueError 'operands could not be broadcast together with shapes (3,5) (3,)'."""
    base = {"buildout.orbit_start_year": 2026, "buildout.split_rule": "orbit_first"}
    values = [1e5, 1e6, 1e7]
    b = run({**base, "workload.it_power_w": np.array(values)}, end=2028)
    for i, value in enumerate(values):
        scalar = run({**base, "workload.it_power_w": value}, end=2028)
        np.testing.assert_allclose(b.data["accelerators_needed"][i], scalar.data["accelerators_needed"], rtol=1e-9)


def test_trajectory_on_flights_per_yr():
    """Trajectory launch.flights_per_yr = 1,000 doubling yearly: expected max_launches 1,000, 2,000, 4,000, 8,000;
    got the ship/pad/propellant limit (48.7, 104.5, 156.8, 235.2) because scenario.values holds None."""
    source = {"trajectories": {"launch.flights_per_yr": {"kind": "rate", "value": 1000, "rate_per_yr": 1.0}}}
    over = {k: v for k, v in LIFTED.items() if k != "launch.flights_per_yr"}
    b = buildout(load_scenario(source, over), 2026, 2029)
    np.testing.assert_allclose(b.data["max_launches"], [1000.0, 2000.0, 4000.0, 8000.0], rtol=1e-9)


def test_pad_check_is_per_sample():
    """Samples launch.pads [0, 2] with launch.pad_build_per_yr [1, 0]: every sample can launch, but got
    ScenarioError 'launch.pads: 0 pads and no pad building'."""
    b = run({"launch.pads": np.array([0, 2]), "launch.pad_build_per_yr": np.array([1.0, 0.0])}, end=2028)
    assert b.sampled


def test_orbit_binding_when_chips_run_out():
    """LIFTED with no packaging at all (ground refresh alone needs 112 M accelerators): nothing is added on either
    side and 3,000 GW fall short; ground_binding was the chip link but orbit_binding 'demand' (expected the link)."""
    none = {"supply.cowos_wafers_per_yr": 0.0, "supply.cowos_wafers_building_per_yr": 0.0}
    row = run({**LIFTED, **none}, end=2027).rows()[0]
    assert row["orbit_gw_added"] == 0 and row["shortfall_gw"] > 0
    assert row["orbit_binding"] == row["ground_binding"] == "packaging"


def test_met_demand_leaves_no_round_off_shortfall():
    """Default scenario, 2026-2050: got shortfall_gw 7.1e-15 (demand - orbit - ground round-off) in a year whose
    demand is met, and 659 of 50,000 sample-years of 1e-14-3e-14 GW in the musk-terawatt build-out Monte Carlo
    (n 2,000); expected exactly 0 where the shortfall is within 1e-9 of demand, and the balance kept elsewhere."""
    from terawatt.api import montecarlo_buildout

    d = run(None, end=2050).data
    short = d["shortfall_gw"]
    assert np.all((short == 0) | (short > 1e-9 * d["demand_gw"])), short[(short > 0) & (short < 1e-6)]
    assert (short == 0).any() and (short > 0).any()
    total = d["orbit_gw_total"] + d["ground_gw_total"] + short
    np.testing.assert_allclose(total, d["demand_gw"], rtol=1e-9)
    mc = montecarlo_buildout("musk-terawatt", n=500, seed=0).to_frame()  # demand <= its 1,000 GW cap
    samples = mc[[c for c in mc.columns if c.startswith("shortfall_gw")]].to_numpy()
    assert not np.any((samples > 0) & (samples < 1e-6)), samples[(samples > 0) & (samples < 1e-6)]
    assert (samples == 0).any() and (samples > 0).any()


def test_flights_per_yr_is_a_cap_on_top_of_the_launch_system():
    """launch.flights_per_yr is a cap on top of ships, pads and propellant (registry description), not a
    replacement: 1 pad at 48 h (182.5 flights/yr) with 10,000 flights/yr set binds as "launch pads" at 182.5; 100
    flights/yr below every other limit binds as "launch vehicles" at 100; in musk-terawatt the flights with the
    10,000 cap are the least of the uncapped launch system and 10,000, year by year."""
    pads = {**SHIPS, "launch.flights_per_yr": 10000, "launch.ships_in_service_2026": 1000000, "launch.pads": 1,
            "launch.pad_build_per_yr": 0.0, "launch.pad_turnaround_h": 48.0}
    row = run(pads, end=2026).rows()[0]
    assert row["orbit_binding"] == "launch pads" and math.isclose(row["max_launches"], 8760 / 48, rel_tol=1e-9)
    row = run({**pads, "launch.flights_per_yr": 100}, end=2026).rows()[0]
    assert row["orbit_binding"] == "launch vehicles" and math.isclose(row["max_launches"], 100, rel_tol=1e-9)
    capped = run(scenario="musk-terawatt", end=2050).data["max_launches"]
    free = run({"launch.flights_per_yr": None}, scenario="musk-terawatt", end=2050).data["max_launches"]
    np.testing.assert_allclose(capped, np.minimum(free, 10000.0), rtol=1e-12)


def test_musk_terawatt_notes_say_what_the_flight_rate_does():
    """musk-terawatt's notes said a set launch.flights_per_yr 'bypasses ships, pads and propellant' while the
    build-out caps on top of them (the registry's description): the notes must state the registry's rule."""
    from terawatt.params import load_registry

    rule = load_registry()["launch.flights_per_yr"].description
    rule = rule[rule.index("in the build-out"):].split(";")[0]  # "in the build-out a cap on top of the fleet, ..."
    doc = yaml.safe_load(shipped_scenarios()["musk-terawatt"].read_text(encoding="utf-8"))
    notes = " ".join(doc["notes"].split())
    assert rule in notes, (rule, notes)
    assert "bypass" not in notes
