"""No input ends in a traceback (issue 9): every numeric parameter through breakeven and as an array, per-sample
infeasibility with reasons, out-of-table inputs all at once, hostile YAML, validation checks, memory limits, chart
paths, and a small in-range scan (``tools/scan_inputs.py`` runs the full 2,000)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import terawatt
from terawatt import errors, safe_yaml, scenario
from terawatt.errors import ScenarioError
from terawatt.params import load_registry
from terawatt.scenario import load_scenario
from terawatt.studies.breakeven import ratio_map, solve_breakeven
from terawatt.studies.input_scan import scan_inputs
from terawatt.validation import load_cases, run_validation

REGISTRY = load_registry()
NUMERIC = sorted(n for n, s in REGISTRY.items() if s.kind in ("float", "int"))
FLOATS = sorted(n for n, s in REGISTRY.items() if s.kind == "float")
def _three_samples(name: str) -> np.ndarray:
    """Three values inside the allowed range around the default (or across the literature range)."""
    spec = REGISTRY[name]
    if spec.default is not None:
        values = np.array([0.95, 1.0, 1.05]) * float(spec.default)
        if float(spec.default) == 0.0:
            values = np.array([0.0, 0.0, 0.0])
    else:
        lo, hi = spec.range
        values = np.array([lo, 0.5 * (lo + hi), hi], float)
    lo = -np.inf if spec.min is None else spec.min
    hi = np.inf if spec.max is None else spec.max
    values = np.clip(values, lo, hi)
    if spec.min_exclusive:
        values = np.where(values <= lo, float(spec.default or lo + 1e-6), values)
    if spec.max_exclusive:
        values = np.where(values >= hi, float(spec.default or hi - 1e-6), values)
    return np.round(values) if spec.kind == "int" else values


# ------------------------------------------------------------------------------------------ arrays, breakeven
@pytest.mark.parametrize("name", NUMERIC)
def test_every_numeric_parameter_as_a_three_sample_array(name):
    r = terawatt.evaluate(load_scenario("suncatcher", {name: _three_samples(name)}))
    feasible = np.broadcast_to(r["orbital.feasible"], 3)
    reason = np.broadcast_to(r["orbital.infeasible_reason"], 3)
    cost = np.broadcast_to(r["orbital.cost_per_gpu_hour_usd"], 3)
    assert np.all(np.isfinite(cost[feasible])), name
    assert all(reason[~feasible]), name  # every missing cost says why
    assert np.all(np.isfinite(np.broadcast_to(r["terrestrial.cost_per_gpu_hour_usd"], 3))), name


@pytest.mark.parametrize("source", ["suncatcher", "baseline-2026", "musk-2026"])
def test_breakeven_on_every_numeric_parameter(source):
    """Every float parameter gives an answer (roots, or none with the closest ratio); infeasible or refused parts
    of the range are skipped and reported. Integer parameters are refused with a reason (exit 2)."""
    base = load_scenario(source)
    failures = []
    for name in FLOATS:
        try:
            b = solve_breakeven(base, name)
        except ScenarioError as exc:  # only a reason for the whole range is acceptable
            failures.append(f"{name}: refused: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - the point of the test
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        assert b.message
        for run in b.skipped:
            assert run["reason"] and run["from"] <= run["to"], (name, run)
        if b.found:
            assert all(np.isfinite(b.roots))
    assert not failures, "\n".join(failures)
    with pytest.raises(ScenarioError, match="float"):
        solve_breakeven(base, "links.cluster_satellites")


def test_breakeven_mass_skips_and_reports_infeasible_ranges():
    b = solve_breakeven(load_scenario("suncatcher"), "satellite.mass_kg")
    reasons = " ".join(run["reason"] for run in b.skipped)
    assert "below the mass of its own parts" in reasons and "payload" in reasons
    assert "skipped satellite.mass_kg" in b.message
    assert json.dumps(b.to_dict(), allow_nan=False)


def test_breakeven_altitude_skips_refused_table_ranges():
    b = solve_breakeven(load_scenario("suncatcher"), "orbit.altitude_km")
    reasons = " ".join(run["reason"] for run in b.skipped)
    assert "radiation.enabled=false" in reasons and "debris.enabled=false" in reasons
    assert "total-dose margin" in reasons


def test_ratio_map_with_infeasible_cells_gives_reasons():
    m = ratio_map(load_scenario("suncatcher"), "launch.price_usd_per_kg", "satellite.mass_kg", points=6)
    assert np.isnan(m.ratio).any() and np.isfinite(m.ratio).any()
    assert any("own parts" in r for r in m.missing_reasons)


# ------------------------------------------------------------------------------------- infeasibility reasons
@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"orbit.altitude_km": 1100}, "total-dose margin"),
        (
            {
                "workload.kind": "training",
                "workload.accelerators_per_training_job": 1e7,
                "workload.restart_cost_h": 100,
                "workload.interruptions_per_accelerator_yr": 100,
            },
            "goodput 0",
        ),
        ({"satellite.mass_kg": 1.0}, "below the mass of its own parts"),
        ({"launch.payload_kg": 0.03}, "payload"),
        ({"thermal.emissivity": 1e-6}, "radiator cannot reject"),
    ],
)
def test_infeasible_designs_say_why(overrides, fragment):
    r = terawatt.evaluate(load_scenario("suncatcher", overrides))
    assert r["orbital.feasible"] is False
    assert fragment in r["orbital.infeasible_reason"]
    assert np.isnan(r["orbital.cost_per_gpu_hour_usd"]) and np.isnan(r["comparison.cost_ratio"])
    assert any(fragment in note for note in r.notes)


def test_given_mass_below_parts_can_be_accepted_explicitly():
    sc = load_scenario("suncatcher", {"satellite.mass_kg": 500.0, "satellite.accept_given_mass": True})
    r = terawatt.evaluate(sc)
    assert r["orbital.feasible"] is True and np.isfinite(r["comparison.cost_ratio"])


def test_one_bad_sample_does_not_kill_the_array():
    payload = np.array([0.03, 55_000.0, 1.0])
    r = terawatt.evaluate(load_scenario("suncatcher", {"launch.payload_kg": payload}))
    np.testing.assert_array_equal(r["orbital.feasible"], [False, True, False])
    assert np.isfinite(r["orbital.cost_per_gpu_hour_usd"][1])
    assert "payload" in r["orbital.infeasible_reason"][0] and r["orbital.infeasible_reason"][1] == ""
    scalar = terawatt.evaluate(load_scenario("suncatcher", {"launch.payload_kg": 55_000.0}))
    assert r["comparison.cost_ratio"][1] == pytest.approx(scalar["comparison.cost_ratio"], rel=1e-12)


@pytest.mark.parametrize(
    "overrides",
    [{"links.min_elevation_deg": 90.0}, {"links.site_clear_sky_probability": 0.0}, {"satellite.mass_kg": 1.0}],
)
def test_links_never_crash(overrides):
    r = terawatt.evaluate(load_scenario("suncatcher", overrides))
    assert np.isnan(r["orbital.ground_stations"]) or r["orbital.ground_stations"] >= 0


# ------------------------------------------------------------------------------------- orbits and tables
def test_high_orbit_with_an_inclination_runs():
    r = terawatt.evaluate(
        load_scenario(
            None,
            {
                "orbit.altitude_km": 8000,
                "orbit.inclination_deg": 50,
                "radiation.enabled": False,
                "debris.enabled": False,
            },
        )
    )
    assert r["orbital.inclination_deg"] == 50.0 and np.isfinite(r["comparison.cost_ratio"])


def test_out_of_table_problems_reported_all_at_once():
    with pytest.raises(ScenarioError) as info:
        terawatt.evaluate(load_scenario(None, {"orbit.altitude_km": 7000}))
    text = str(info.value)
    assert len(info.value.errors) == 3
    for fragment in ("radiation.enabled=false", "debris.enabled=false", "orbit.inclination_deg", "sun-synchronous"):
        assert fragment in text


def test_deorbit_target_above_the_orbit_is_an_error():
    with pytest.raises(ScenarioError, match="propulsion.deorbit_perigee_km"):
        terawatt.evaluate(load_scenario(None, {"propulsion.type": "chemical", "propulsion.deorbit_perigee_km": 900.0}))
    with pytest.raises(ScenarioError, match="propulsion.deorbit_spiral_altitude_km"):
        terawatt.evaluate(load_scenario(None, {"propulsion.type": "electric", "orbit.altitude_km": 240.0}))


# ------------------------------------------------------------------------------------------------ bad files
def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("based_on: 5\n", "based_on"),
        ("based_on: [x]\n", "based_on"),
        ("sources: 5\n", "sources"),
        ("orbit:\n  altitude_km: 500\norbit:\n  ltan_h: 6\n", "'orbit' is given twice"),
        (BOMB, "expands to more than"),
        ("a: &a [*a]\n", "alias"),
        ("\n".join(f"k{i}: {i}" for i in range(12_000)), "keys"),
        ("orbit:\n  altitude_km: 1" + "0" * 400 + "\n", "too large"),
        ("orbit: {altitude_km: [[1, 2], [3]]}\n", "orbit.altitude_km"),
        ("!!python/object:os.system x\n", "not allowed"),
    ],
)
def test_hostile_scenario_files_are_refused(tmp_path, text, fragment):
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path, "bad.yaml", text))
    assert fragment in str(info.value)


def test_many_unknown_keys_are_counted_not_each_suggested(tmp_path):
    path = _write(tmp_path, "many.yaml", "\n".join(f"zz.k{i}: 1" for i in range(5000)))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert len(info.value.errors) == scenario.MAX_REPORTED_UNKNOWN + 1
    assert "more unknown parameters" in str(info.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_non_regular_files_are_refused(tmp_path):
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    for path in (pipe, tmp_path, "/dev/zero"):
        with pytest.raises(ScenarioError, match="not a regular file"):
            safe_yaml.read_yaml(path)


def test_file_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(safe_yaml, "MAX_FILE_BYTES", 100)
    with pytest.raises(ScenarioError, match="larger than the limit"):
        load_scenario(_write(tmp_path, "big.yaml", "name: x\n" + "# pad\n" * 100))


def test_set_with_a_huge_number_is_refused():
    with pytest.raises(ScenarioError, match="too large"):
        load_scenario(None, ["orbit.altitude_km=1" + "0" * 400])


def test_errors_module_is_the_one_source():
    assert scenario.FieldError is errors.FieldError and scenario.ScenarioError is errors.ScenarioError
    assert terawatt.ScenarioError is errors.ScenarioError


# ----------------------------------------------------------------------------------------------- validation
def test_validation_case_problems(tmp_path):
    with pytest.raises(ScenarioError, match="list of case mappings"):
        load_cases([_write(tmp_path, "v1.yaml", "cases: 5\n")])
    inf = "id: x\nsource: y\nexpect:\n  - {output: comparison.cost_ratio, value: 1, rel_tol: .inf}\n"
    with pytest.raises(ScenarioError, match="finite"):
        load_cases([_write(tmp_path, "v2.yaml", inf)])
    with pytest.raises(ScenarioError, match="nothing would be checked"):
        run_validation([], include_shipped=False)
    two = (
        "id: x3\nsource: y\nexpect:\n  - {output: comparison.cost_rati, value: 1, rel_tol: 0.1}\n"
        "  - {output: nope, value: 1, rel_tol: 0.1}\n"
    )
    with pytest.raises(ScenarioError) as info:
        run_validation([_write(tmp_path, "v3.yaml", two)], include_shipped=False)
    assert len(info.value.errors) == 2 and "did you mean 'comparison.cost_ratio'" in str(info.value)


def test_validate_only_without_files_exits_2(invoke_cli):
    res = invoke_cli("validate", "--only")
    assert res.exit_code == 2 and "nothing would be checked" in res.stderr


# ------------------------------------------------------------------------------------------------- limits
def test_memory_estimate_refuses_before_evaluating(monkeypatch, invoke_cli):
    monkeypatch.setenv("TERAWATT_MEMORY_LIMIT_GB", "0.000001")
    with pytest.raises(ScenarioError, match="at most"):
        terawatt.evaluate(load_scenario(None, {"launch.price_usd_per_kg": np.linspace(10, 100, 1000)}))
    res = invoke_cli("buildout", "--to", "2027")
    assert res.exit_code == 2 and "GB" in res.stderr and "Traceback" not in res.stderr


def test_calendar_problems_all_at_once(invoke_cli):
    res = invoke_cli("timeline", "--from", "1900", "--to", "3000")
    assert res.exit_code == 2 and "--from" in res.stderr and "--to" in res.stderr


# ------------------------------------------------------------------------------------------------- charts
def test_plot_paths(invoke_cli, tmp_path, monkeypatch):
    res = invoke_cli("timeline", "--to", "2027", "--plot", tmp_path / "missing" / "t.png")
    assert res.exit_code == 2 and "does not exist" in res.stderr and "crossover" in res.stdout
    svg = tmp_path / "t.svg"
    assert invoke_cli("timeline", "--to", "2027", "--plot", svg).exit_code == 0 and svg.read_text().startswith("<")
    for suffix in (".svg", ".pdf"):  # every chart in the vector formats too
        for args in (
            ("buildout", "--to", "2027"),
            ("breakeven", "--param", "launch.price_usd_per_kg", "--param2", "satellite.mass_kg"),
        ):
            out = tmp_path / f"{args[0]}{suffix}"
            res = invoke_cli(*args, "--plot", out)
            assert res.exit_code == 0 and out.stat().st_size > 0, (args, res.stderr)
    monkeypatch.chdir(tmp_path)
    before = set(os.listdir(tmp_path))
    price, array = "launch.price_usd_per_kg", "solar.array_specific_power_w_per_kg"
    res = invoke_cli("breakeven", "--param", price, "--param2", array)
    assert res.exit_code == 0 and set(os.listdir(tmp_path)) == before  # no file uninvited
    assert "--plot" in res.stdout
    res = invoke_cli("breakeven", "--param", price, "--plot", "m.png")
    assert res.exit_code == 0 and "needs --param2" in res.stderr and not (tmp_path / "m.png").exists()


def test_run_heritage_mass_of_one_kg_is_flagged(invoke_cli):
    res = invoke_cli("run", "suncatcher", "--set", "satellite.mass_kg=1")
    assert res.exit_code == 0, res.stderr
    assert "below the mass of its own parts" in res.stdout


# ------------------------------------------------------------------------------------------------ the scan
def test_in_range_scan_has_no_tracebacks_and_no_unexplained_empty_results():
    report = scan_inputs(120, seed=7)
    assert report.counts["traceback"] == 0, report.summary()
    assert report.counts["unexplained"] == 0, report.summary()
    assert report.counts["costed"] > 0.5 * report.n  # the scan is not all refusals
