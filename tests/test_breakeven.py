"""Break-even solver: the root it returns makes orbit/ground equal the target (checked by an independent scalar
evaluation), in a given year too; no root, bad parameters and bad targets; the 2-D ratio map; search spans."""

from __future__ import annotations

import math

import numpy as np
import pytest

from terawatt.model import evaluate
from terawatt.params import ParamSpec, load_registry
from terawatt.scenario import ScenarioError, load_scenario
from terawatt.studies.breakeven import Breakeven, map_span, ratio_map, search_span, solve_breakeven

REGISTRY = load_registry()
ELEC = "terrestrial.electricity_price_usd_per_mwh"
PRICE = "launch.price_usd_per_kg"
ARRAY = "solar.array_specific_power_w_per_kg"
RATIO = "comparison.cost_ratio"

TRAJECTORIES = {
    PRICE: {"kind": "rate", "rate_per_yr": -0.1},
    "solar.cost_usd_per_w": {"kind": "rate", "rate_per_yr": -0.08, "floor": 1.0},
}
#: starship-2030 with launch and solar getting cheaper every year.
WITH_TRAJECTORIES = {"based_on": "starship-2030", "trajectories": TRAJECTORIES}


def ratio_with(source, param: str, value: float, year: int | None = None) -> float:
    """Orbit/ground from a fresh scalar evaluation with ``param`` fixed at ``value`` (optionally in ``year``)."""
    sc = load_scenario(source, {param: value})
    return float(evaluate(sc.at_year(year) if year is not None else sc)[RATIO])


@pytest.fixture(scope="module")
def starship_elec() -> Breakeven:
    return solve_breakeven(load_scenario("starship-2030"), ELEC)


# ------------------------------------------------------------------------------------------------ roots
def test_root_gives_ratio_one(starship_elec):
    b = starship_elec
    assert b.found and b.value is not None
    assert b.param == ELEC and b.unit == "USD/MWh" and b.year is None and b.target_ratio == 1.0
    lo, hi = b.span
    assert lo <= b.value <= hi
    assert b.value in b.roots
    assert ratio_with("starship-2030", ELEC, b.value) == pytest.approx(1.0, rel=1e-6)
    # dearer ground power makes orbit relatively cheaper: the scenario's 90 USD/MWh is on the orbit-dearer side
    assert b.current_value == 90.0
    assert b.current_ratio == pytest.approx(float(evaluate(load_scenario("starship-2030"))[RATIO]), rel=1e-12)
    assert b.current_ratio > 1 and b.value > b.current_value
    assert f"{b.value:.6g}" in b.message and ELEC in b.message


def test_root_for_another_target_ratio(starship_elec):
    # a target between the scenario's own ratio and parity: its root lies between the two electricity prices
    target = round((1.0 + starship_elec.current_ratio) / 2.0, 3)
    b = solve_breakeven(load_scenario("starship-2030"), ELEC, target_ratio=target)
    assert b.found and b.target_ratio == target
    assert ratio_with("starship-2030", ELEC, b.value) == pytest.approx(target, rel=1e-6)
    assert b.current_value < b.value < starship_elec.value


def test_root_in_a_year_applies_the_trajectories(starship_elec):
    b = solve_breakeven(load_scenario(WITH_TRAJECTORIES), ELEC, year=2035)
    assert b.found and b.year == 2035
    assert ratio_with(WITH_TRAJECTORIES, ELEC, b.value, year=2035) == pytest.approx(1.0, rel=1e-6)
    # cheaper launch and solar by 2035: the ground need not be as dear for orbit to break even
    assert b.value < starship_elec.value
    assert b.current_ratio == pytest.approx(
        float(evaluate(load_scenario(WITH_TRAJECTORIES).at_year(2035))[RATIO]), rel=1e-12
    )


def test_solving_for_a_parameter_with_a_trajectory_in_a_year():
    """The solved parameter's own trajectory is replaced by the trial values (and removed by the override)."""
    b = solve_breakeven(load_scenario(WITH_TRAJECTORIES), ELEC, year=2035, target_ratio=1.5)
    price = solve_breakeven(load_scenario(WITH_TRAJECTORIES, {ELEC: b.value}), PRICE, year=2035, target_ratio=1.5)
    assert price.found
    assert price.current_value == pytest.approx(200 * 0.9**9)  # the trajectory's 2035 value
    assert ratio_with(WITH_TRAJECTORIES | {ELEC: b.value}, PRICE, price.value, year=2035) == pytest.approx(
        1.5, rel=1e-6
    )


def test_no_root_in_range():
    b = solve_breakeven(load_scenario(), PRICE)
    assert not b.found
    assert b.value is None and b.roots == []
    assert b.span == search_span(REGISTRY[PRICE])
    assert "no value of launch.price_usd_per_kg" in b.message
    assert "allowed range" in b.message and "stays above" in b.message
    # the closest it gets: free launch, still dearer than the ground
    free = ratio_with(None, PRICE, 0.0)
    assert free > 1
    assert f"{free:.3g}" in b.message


def test_to_dict():
    doc = solve_breakeven(load_scenario("starship-2030"), ELEC).to_dict()
    assert {"param", "year", "found", "value", "unit", "target_ratio", "roots", "search_span", "message"} <= set(doc)
    assert doc["found"] is True and isinstance(doc["value"], float)
    none = solve_breakeven(load_scenario(), PRICE).to_dict()
    assert none["found"] is False and none["value"] is None


# ------------------------------------------------------------------------------------------------ errors
def test_unknown_parameter_suggests_the_nearest():
    with pytest.raises(ScenarioError) as info:
        solve_breakeven(load_scenario(), "launch.price_usd_per_kgg")
    (err,) = info.value.errors
    assert err.path == "--param"
    assert "unknown parameter" in err.message and "did you mean 'launch.price_usd_per_kg'" in err.message


def test_unknown_parameter_without_a_near_name():
    with pytest.raises(ScenarioError) as info:
        solve_breakeven(load_scenario(), "nonsense.key")
    assert info.value.errors[0].path == "--param"
    assert "nonsense.key" in info.value.errors[0].message


@pytest.mark.parametrize(("param", "kind"), [("thermal.sides", "int"), ("workload.accelerator", "str")])
def test_non_float_parameter_is_refused(param, kind):
    assert REGISTRY[param].kind == kind
    with pytest.raises(ScenarioError) as info:
        solve_breakeven(load_scenario(), param)
    (err,) = info.value.errors
    assert err.path == "--param"
    assert param in err.message and "float" in err.message


@pytest.mark.parametrize("target", [0.0, -1.0, math.nan, math.inf])
def test_non_positive_target_is_refused(target):
    with pytest.raises(ScenarioError) as info:
        solve_breakeven(load_scenario("starship-2030"), ELEC, target_ratio=target)
    assert info.value.errors[0].path == "--target-ratio"


def test_sampled_scenario_is_refused():
    with pytest.raises(ScenarioError) as info:
        solve_breakeven(load_scenario(None, {PRICE: np.array([100.0, 200.0])}), ELEC)
    assert "sampled" in info.value.errors[0].message


def test_year_outside_calendar_is_refused():
    with pytest.raises(ScenarioError) as info:
        solve_breakeven(load_scenario(WITH_TRAJECTORIES), ELEC, year=2200)
    assert "2200" in str(info.value)


# ------------------------------------------------------------------------------------------------ 2-D map
def test_ratio_map_shapes_and_values():
    sc = load_scenario("starship-2030")
    m = ratio_map(sc, PRICE, ARRAY, span=(50.0, 2000.0), span2=(30.0, 300.0), points=7)
    assert m.param == PRICE and m.param2 == ARRAY and m.target_ratio == 1.0 and m.year is None
    assert m.x.shape == (7,) and m.y.shape == (7,)
    assert m.ratio.shape == (7, 7)  # rows follow param2, columns param
    assert m.x[0] == pytest.approx(50.0) and m.x[-1] == pytest.approx(2000.0)
    assert m.y[0] == pytest.approx(30.0) and m.y[-1] == pytest.approx(300.0)
    for i, j in ((0, 6), (5, 2)):
        want = float(evaluate(load_scenario("starship-2030", {PRICE: m.x[j], ARRAY: m.y[i]}))[RATIO])
        assert m.ratio[i, j] == pytest.approx(want, rel=1e-12)
    # dearer launch raises the ratio along x; lighter arrays lower it along y
    assert np.all(np.diff(m.ratio, axis=1) > 0)
    assert np.all(np.diff(m.ratio, axis=0) < 0)


def test_ratio_map_default_span_and_year():
    m = ratio_map(load_scenario(WITH_TRAJECTORIES), ELEC, ARRAY, year=2035, points=5)
    assert m.ratio.shape == (5, 5) and m.year == 2035
    lo, hi = map_span(REGISTRY[ELEC])
    assert m.x[0] == pytest.approx(lo) and m.x[-1] == pytest.approx(hi)
    scenario_2035 = load_scenario(WITH_TRAJECTORIES, {ELEC: m.x[3], ARRAY: m.y[1]}).at_year(2035)
    assert m.ratio[1, 3] == pytest.approx(float(evaluate(scenario_2035)[RATIO]), rel=1e-12)


def test_ratio_map_refuses_bad_second_parameter():
    with pytest.raises(ScenarioError) as info:
        ratio_map(load_scenario(), PRICE, "thermal.sides", points=3)
    assert info.value.errors[0].path == "--param2"


# ------------------------------------------------------------------------------------------------ spans
def test_search_span_bounded():
    spec = REGISTRY[ELEC]
    assert (spec.min, spec.max) == (0.0, 10000.0)
    assert search_span(spec) == (0.0, 10000.0)


def test_search_span_unbounded_above():
    spec = REGISTRY[PRICE]
    assert spec.max is None and spec.default is None
    # 100x the largest of default and literature range (8 - 5000 USD/kg)
    assert search_span(spec) == (0.0, 100.0 * max(spec.range))


def test_search_span_unbounded_both_ways():
    spec = ParamSpec(name="x.y", description="test", source="test", default=-30.0, range=[-5.0, 20.0])
    assert search_span(spec) == (-3000.0, 3000.0)


def test_search_span_exclusive_bounds_move_inward():
    lo, hi = search_span(REGISTRY["workload.utilization"])  # (0, 1]
    assert lo == pytest.approx(1e-9, rel=1e-9) and lo > 0
    assert hi == 1.0
    lo, hi = search_span(REGISTRY["orbit.ltan_h"])  # [0, 24)
    assert lo == 0.0
    assert hi < 24.0 and hi == pytest.approx(24.0 - 24e-9, rel=1e-15)
