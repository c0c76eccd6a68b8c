"""Sensitivity (issue 10): SALib's Sobol and Morris through terawatt's wrapper on functions with known indices, the
tornado against a hand computation on the model, and ``terawatt sensitivity`` from the command line."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import terawatt
from terawatt.errors import ScenarioError
from terawatt.studies.sensitivity import morris_screening, sensitivity, sobol_indices, tornado_bounds
from terawatt.studies.uncertainty import Uncertainty, UncertaintySpace, uncertainty_space

PI = math.pi


def _space(*items: tuple[str, str, dict[str, float], float | None, float | None]) -> UncertaintySpace:
    return UncertaintySpace(tuple(Uncertainty(name, kind, tuple(p.items()), lo, hi) for name, kind, p, lo, hi in items))


def _ishigami(rows, a=7.0, b=0.1):
    return np.sin(rows["x1"]) + a * np.sin(rows["x2"]) ** 2 + b * rows["x3"] ** 4 * np.sin(rows["x1"])


ISHIGAMI = _space(*[(f"x{i}", "uniform", {"low": -PI, "high": PI}, -PI, PI) for i in (1, 2, 3)])
# Analytic indices of the Ishigami function, a = 7, b = 0.1 (Ishigami & Homma 1990; Saltelli et al. 2008, 4.5).
S1_TRUE = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ST_TRUE = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def _by_name(rows):
    return {r["parameter"]: r for r in rows}


# ---------------------------------------------------------------------------------------------------- Sobol
def test_sobol_ishigami_matches_the_analytic_indices_within_the_bootstrap_interval():
    rows, runs, dropped = sobol_indices(ISHIGAMI, _ishigami, 2**13, seed=1)
    assert runs == 2**13 * 5 and dropped == 0
    got = _by_name(rows)
    for name in ("x1", "x2", "x3"):
        for key, truth in (("S1", S1_TRUE), ("ST", ST_TRUE)):
            conf = got[name][f"{key}_conf"]
            assert 0 < conf < 0.04  # the interval is tight enough for the check to mean something
            assert abs(got[name][key] - truth[name]) <= 2 * conf, (name, key, got[name][key], conf)
    assert [r["parameter"] for r in rows] == ["x1", "x2", "x3"]  # ranked by ST


def test_sobol_maps_the_unit_samples_through_each_marginal():
    """y = x1 + 2 x2 + x3 with x1 ~ N(0, 1), x2 ~ triangular(0, 1, 2), x3 ~ lognormal(mean 1, sd 0.5): additive, so
    S1 = ST = a_i^2 Var(x_i) / sum (Var: 1, 1/6, 0.25)."""
    space = _space(("x1", "normal", {"mean": 0.0, "sd": 1.0}, None, None),
                   ("x2", "triangular", {"low": 0.0, "mode": 1.0, "high": 2.0}, 0.0, 2.0),
                   ("x3", "lognormal", {"mean": 1.0, "sd": 0.5}, 0.0, None))
    parts = np.array([1.0, 4.0 / 6.0, 0.25])
    truth = dict(zip(("x1", "x2", "x3"), parts / parts.sum(), strict=True))
    rows, _, _ = sobol_indices(space, lambda r: r["x1"] + 2 * r["x2"] + r["x3"], 2**13, seed=2)
    for name, r in _by_name(rows).items():
        for key in ("S1", "ST"):
            assert abs(r[key] - truth[name]) <= max(2 * r[f"{key}_conf"], 0.01), (name, key, r)


def test_sobol_drops_whole_groups_with_a_non_finite_output():
    def partly_nan(rows):
        y = _ishigami(rows)
        return np.where((rows["x1"] > 3.0) & (rows["x2"] > 3.0), np.nan, y)

    rows, _, dropped = sobol_indices(ISHIGAMI, partly_nan, 2**11, seed=0)
    assert dropped > 0 and all(np.isfinite([r["S1"] for r in rows] + [r["ST"] for r in rows]))
    zero, _, _ = sobol_indices(ISHIGAMI, lambda r: np.zeros_like(r["x1"]), 64)
    assert all(r["S1"] == 0 and r["ST"] == 0 for r in zero)
    with pytest.raises(ScenarioError, match="finite"):
        sobol_indices(ISHIGAMI, lambda r: np.full_like(r["x1"], np.nan), 64)


# ---------------------------------------------------------------------------------------------------- Morris
def test_morris_ranks_the_dominant_input_first_with_exact_effects():
    space = _space(*[(f"x{i}", "uniform", {"low": 0.0, "high": 1.0}, 0.0, 1.0) for i in range(1, 5)])
    rows, runs, _ = morris_screening(space, lambda r: 10 * r["x1"] + r["x2"] + 0.1 * r["x3"], 50, seed=3)
    assert runs == 50 * 5
    assert [r["parameter"] for r in rows] == ["x1", "x2", "x3", "x4"]
    got = _by_name(rows)  # a linear model: every elementary effect is its coefficient, sigma is 0
    for name, coef in (("x1", 10.0), ("x2", 1.0), ("x3", 0.1), ("x4", 0.0)):
        assert got[name]["mu_star"] == pytest.approx(coef, abs=1e-9)
        assert got[name]["sigma"] == pytest.approx(0.0, abs=1e-9)


def test_morris_ishigami_sees_the_interaction_of_x3():
    rows, _, _ = morris_screening(ISHIGAMI, _ishigami, 200, seed=0)
    got = _by_name(rows)
    assert got["x3"]["mu_star"] > 1 and got["x3"]["sigma"] > got["x3"]["mu_star"]  # effect only through x1


# ---------------------------------------------------------------------------------------------------- tornado
def test_tornado_matches_a_hand_computation_on_the_model():
    sc = terawatt.load_scenario(None)
    result = sensitivity(sc, "tornado")
    key = "comparison.cost_ratio"
    assert result.base == pytest.approx(terawatt.evaluate(None)[key], rel=1e-12)
    from terawatt.params import load_registry

    registry = load_registry()
    for row in result.rows[:4]:
        name = row["parameter"]
        assert [row["low"], row["high"]] == registry[name].range
        for side in ("low", "high"):
            hand = terawatt.evaluate(terawatt.load_scenario(None, {name: row[side]}))[key]
            assert row[f"output_{side}"] == pytest.approx(hand, rel=1e-12), (name, side)
        assert row["swing"] == pytest.approx(abs(row["output_high"] - row["output_low"]))
    swings = [r["swing"] for r in result.rows]
    assert swings == sorted(swings, reverse=True)
    assert result.evaluations == 2 * len(result.rows) + 1


def test_tornado_bounds_fall_back_to_the_distribution():
    space = _space(("solar.cell_efficiency", "uniform", {"low": 0.2, "high": 0.3}, 0.2, 0.3))
    assert tornado_bounds(space)["solar.cell_efficiency"][2] == "literature range"
    sc = terawatt.load_scenario(None)
    space = uncertainty_space(sc)
    assert all(b[0] < b[1] for b in tornado_bounds(space).values())


# ---------------------------------------------------------------------------------------------- on a scenario
def test_sobol_on_the_model_is_reproducible_and_respects_set():
    sc = terawatt.load_scenario(None)
    a = sensitivity(sc, "sobol", n=64, seed=4)
    b = sensitivity(sc, "sobol", n=64, seed=4)
    assert a.rows == b.rows and a.evaluations == 64 * (len(a.rows) + 2)
    fixed = terawatt.sensitivity(None, "morris", n=4, overrides={"satellite.lifetime_yr": 7})
    assert "satellite.lifetime_yr" not in fixed.ranking and len(fixed.ranking) == len(a.ranking) - 1
    frame = a.to_frame()
    assert frame.index.name == "parameter" and list(frame.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    assert frame.index.tolist() == a.ranking and frame.attrs["output"] == "comparison.cost_ratio"


def test_any_numeric_output_and_a_year():
    s = terawatt.sensitivity("musk-2026", "tornado", output="orbital.satellite_mass_kg", year=2030)
    assert s.unit == "kg" and s.year == 2030 and s.base > 0
    ratio = terawatt.sensitivity("musk-2026", "tornado", year=2030)
    assert ratio.base == pytest.approx(terawatt.evaluate(terawatt.load_scenario("musk-2026").at_year(2030))[
        "comparison.cost_ratio"], rel=1e-12)


def test_bad_input_is_reported_all_at_once():
    sc = terawatt.load_scenario(None)
    with pytest.raises(ScenarioError) as info:
        sensitivity(sc, "sobol", n=1000, seed=-1, year=1800)
    paths = {e.path for e in info.value.errors}
    assert paths == {"-n", "--seed", "--year"}
    with pytest.raises(ScenarioError) as info:
        sensitivity(sc, "sobol", output="comparison.cost_ration")
    assert "comparison.cost_ratio" in info.value.errors[0].message  # the suggestion
    with pytest.raises(ScenarioError, match="not numeric"):
        sensitivity(sc, "tornado", output="orbital.infeasible_reason")
    with pytest.raises(ScenarioError, match="sobol, morris, tornado"):
        sensitivity(sc, "fast")


# ---------------------------------------------------------------------------------------------------- CLI
def test_cli_sensitivity_table_json_and_plot(invoke_cli, tmp_path):
    res = invoke_cli("sensitivity", "-n", "32", "--plot", tmp_path / "s.png")
    assert res.exit_code == 0, res.output
    assert "ranked by total index ST" in res.stdout and "satellite.lifetime_yr" in res.stdout
    assert (tmp_path / "s.png").stat().st_size > 10000
    res = invoke_cli("sensitivity", "--method", "morris", "-n", "4", "--json")
    doc = json.loads(res.stdout, parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))
    assert doc["method"] == "morris" and doc["evaluations"] == 4 * (len(doc["indices"]) + 1)
    assert {"parameter", "mu_star", "mu_star_conf", "mu", "sigma"} == set(doc["indices"][0])
    for method in ("morris", "tornado"):
        res = invoke_cli("sensitivity", "--method", method, "-n", "4", "--plot", tmp_path / f"{method}.html")
        assert res.exit_code == 0 and (tmp_path / f"{method}.html").exists(), res.output


@pytest.mark.parametrize(("args", "fragment"), [
    (("--method", "sobel"), "--method"),
    (("--output", "orbital.cost_per_gpu_hour"), "orbital.cost_per_gpu_hour_usd"),
    (("--year", "1900"), "--year"),
    (("-n", "100"), "power of 2"),
    (("--plot", "x.txt"), "--plot"),
    (("-n", str(2**30)), "model rows held in memory, more than the 1,000,000"),  # an ArrayMemoryError before
    (("--method", "morris", "-n", "100000000"), "trajectories of"),  # it ran for hours before
])
def test_cli_sensitivity_bad_input_exits_2(invoke_cli, args, fragment):
    res = invoke_cli("sensitivity", *args)
    assert res.exit_code == 2 and fragment in res.stderr and "Traceback" not in res.output


def test_cli_sensitivity_subprocess(run_cli):
    res = run_cli("sensitivity", "--method", "tornado", "--output", "orbital.cost_per_gpu_hour_usd", "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["output"] == "orbital.cost_per_gpu_hour_usd" and doc["unit"] == "USD/GPU-h"
    bad = run_cli("sensitivity", "--output", "nope")
    assert bad.returncode == 2 and "nope" in bad.stderr and "Traceback" not in bad.stderr


def test_sobol_bootstrap_is_reproducible_for_seed_zero():
    a, _, _ = sobol_indices(ISHIGAMI, _ishigami, 256, seed=0)
    b, _, _ = sobol_indices(ISHIGAMI, _ishigami, 256, seed=0)
    assert a == b


def test_tornado_of_a_trajectory_input_scales_its_path():
    """musk-2026 gives terrestrial.facility_capex_usd_per_w a trajectory: the tornado's bound scales it."""
    from terawatt.params import load_registry

    name = "terrestrial.facility_capex_usd_per_w"
    result = terawatt.sensitivity("musk-2026", "tornado", year=2030)
    row = next(r for r in result.rows if r["parameter"] == name)
    assert any(name in note and "trajectories" in note for note in result.notes)
    at = terawatt.load_scenario("musk-2026").at_year(2030)
    factor = row["low"] / load_registry()[name].default
    hand = terawatt.evaluate(at.with_overrides({name: at.values[name] * factor}))["comparison.cost_ratio"]
    assert row["output_low"] == pytest.approx(hand, rel=1e-12)


# ------------------------------------------------------------------------------------- declared correlations
CORRELATED = """\
name: correlated
uncertainty:
  solar.cell_efficiency: {kind: triangular, low: 0.2, mode: 0.25, high: 0.32}
  launch.price_usd_per_kg: {kind: lognormal, mean: 300, sd: 150}
  correlations:
    - {between: [solar.cell_efficiency, launch.price_usd_per_kg], rank: -0.6}
"""


def test_sobol_and_morris_name_the_correlations_they_drop(tmp_path):
    path = tmp_path / "correlated.yaml"
    path.write_text(CORRELATED)
    scenario = terawatt.load_scenario(str(path))
    pair = ("solar.cell_efficiency", "launch.price_usd_per_kg", -0.6)
    for method, n in (("sobol", 16), ("morris", 2)):
        result = sensitivity(scenario, method, n=n)
        assert result.correlations_dropped == (pair,) and result.independent_inputs is True
        assert len(result.warnings) == 1 and "INDEPENDENT" in result.warnings[0]
        assert "solar.cell_efficiency ~ launch.price_usd_per_kg (rank -0.6)" in result.warnings[0]
        doc = result.to_dict()
        assert doc["correlations_dropped"] == [{"between": list(pair[:2]), "rank": -0.6}]
        assert doc["independent_inputs"] is True and doc["warnings"] == list(result.warnings)
    tornado = sensitivity(scenario, "tornado")
    assert tornado.correlations_dropped == () and tornado.warnings == () and tornado.independent_inputs is None
    assert any("do not affect a tornado" in note for note in tornado.notes)
    # launch.price_usd_per_kg is empty (derived): its central value is the derived one, so the base is the run's
    assert tornado.base == pytest.approx(terawatt.evaluate(scenario)["comparison.cost_ratio"], rel=1e-12)


def test_without_correlations_nothing_is_dropped():
    result = sensitivity(terawatt.load_scenario(None), "morris", n=2)
    assert result.correlations_dropped == () and result.warnings == ()
    assert result.to_dict()["correlations_dropped"] == [] and result.to_dict()["warnings"] == []


def test_cli_warns_on_stderr_with_and_without_json(tmp_path, run_cli):
    path = tmp_path / "correlated.yaml"
    path.write_text(CORRELATED)
    res = run_cli("sensitivity", path, "--method", "morris", "-n", "2", "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["correlations_dropped"][0]["between"] == ["solar.cell_efficiency", "launch.price_usd_per_kg"]
    assert "warning:" in res.stderr and "INDEPENDENT" in res.stderr
    plain = run_cli("sensitivity", path, "--method", "tornado")
    assert plain.returncode == 0 and "warning:" not in plain.stderr and "do not affect a tornado" in plain.stdout
