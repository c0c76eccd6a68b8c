"""Timeline over calendar years: shapes (years, samples x years), the crossover year, per-year rows and their JSON,
year and trajectory-range errors; and the scenario side of the time axis (trajectories from a mapping, a file,
``based_on``, removed by an override; ``at_year`` against ``at_years``)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml

from terawatt.model import evaluate
from terawatt.scenario import Scenario, ScenarioError, load_scenario
from terawatt.studies.timeline import YEAR_OUTPUTS, Timeline, crossover_year, timeline
from terawatt.trajectory import YEAR_RANGE, RateTrajectory, WaypointsTrajectory
from terawatt.validation import load_cases, shipped_case_files

PRICE = "launch.price_usd_per_kg"
ELEC = "terrestrial.electricity_price_usd_per_mwh"
SOLAR = "solar.cost_usd_per_w"
RATIO = "comparison.cost_ratio"

#: The per-year fields a caller of ``terawatt timeline --json`` relies on.
ROW_FIELDS = ("year", "orbital_cost_per_gpu_hour_usd", "terrestrial_cost_per_gpu_hour_usd", "cost_ratio")


def _closed_form_case():
    return next(c for c in load_cases(shipped_case_files()) if c.id == "crossover-closed-form")


def closed_form(overrides: dict | None = None) -> Scenario:
    """The shipped ``crossover-closed-form`` case: launch 3000 x 0.7^(y - 2026) USD/kg, orbit wins at <= 438 USD/kg
    (at 100 USD/MWh; the break-even launch price scales with the electricity price)."""
    case = _closed_form_case()
    return load_scenario({"trajectories": case.trajectories}, {**case.set, **(overrides or {})})


def expected_crossover(elec_usd_per_mwh: float = 100.0) -> int:
    """2026 + ceil(ln(p* / 3000) / ln 0.7) with the break-even launch price p* = 4.38 x electricity price."""
    return 2026 + math.ceil(math.log(4.38 * elec_usd_per_mwh / 3000.0) / math.log(0.7))


@pytest.fixture(scope="module")
def cf_timeline() -> Timeline:
    return timeline(closed_form(), 2026, 2045)


# ---------------------------------------------------------------------------------------------------- shapes
def test_scalar_scenario_gives_one_value_per_year(cf_timeline):
    tl = cf_timeline
    np.testing.assert_array_equal(tl.years, np.arange(2026, 2046))
    assert tl.shape == (20,)
    for key in YEAR_OUTPUTS:
        assert tl.series(key).shape == (20,), key
    # launch gets cheaper every year, nothing else moves: orbit falls, the ground stays put
    orbit = tl.series("orbital.cost_per_gpu_hour_usd")
    assert np.all(np.diff(orbit) < 0)
    assert np.ptp(tl.series("terrestrial.cost_per_gpu_hour_usd")) == 0
    np.testing.assert_allclose(tl.series("orbital.launch_price_usd_per_kg"), 3000 * 0.7 ** (tl.years - 2026))


def test_scenario_without_trajectories_is_flat_over_the_years():
    tl = timeline(load_scenario(), 2026, 2030)
    assert tl.shape == (5,)
    ratio = tl.series(RATIO)
    assert np.all(ratio == ratio[0])
    assert ratio[0] == pytest.approx(evaluate(load_scenario())[RATIO], rel=1e-12)


SAMPLED_TRAJECTORIES = {
    PRICE: {"kind": "rate", "rate_per_yr": -0.15},  # from each sample's own value
    SOLAR: {"kind": "rate", "rate_per_yr": -0.08, "floor": 1.0},
}
SAMPLED_PRICES = np.array([500.0, 1500.0, 4000.0])
SAMPLED_ELEC = np.array([50.0, 90.0, 150.0])  # sampled, no trajectory: constant over the years


def _sampled_source(price, elec) -> dict:
    return {"trajectories": SAMPLED_TRAJECTORIES, "launch": {"price_usd_per_kg": price}, ELEC: elec}


@pytest.fixture(scope="module")
def sampled_timeline() -> Timeline:
    return timeline(load_scenario(_sampled_source(SAMPLED_PRICES, SAMPLED_ELEC)), 2026, 2035)


def test_sampled_scenario_gives_samples_by_years(sampled_timeline):
    tl = sampled_timeline
    assert tl.shape == (3, 10)
    for key in YEAR_OUTPUTS:
        assert tl.series(key).shape == (3, 10), key
    years = np.arange(2026, 2036)
    np.testing.assert_allclose(
        tl.series("orbital.launch_price_usd_per_kg"), SAMPLED_PRICES[:, None] * 0.85 ** (years - 2026)
    )
    # the ground follows the sampled electricity price only, which has no trajectory
    ground = tl.series("terrestrial.cost_per_gpu_hour_usd")
    assert np.all(ground == ground[:, :1])
    assert ground[0, 0] < ground[1, 0] < ground[2, 0]


@pytest.mark.parametrize(("sample", "year"), [(0, 2026), (1, 2031), (2, 2035)])
def test_sampled_cell_equals_scalar_evaluation_in_that_year(sampled_timeline, sample, year):
    scalar = load_scenario(_sampled_source(float(SAMPLED_PRICES[sample]), float(SAMPLED_ELEC[sample])))
    expected = evaluate(scalar.at_year(year))
    j = year - 2026
    for key in YEAR_OUTPUTS:
        got, want = sampled_timeline.series(key)[sample, j], float(expected[key])
        assert got == pytest.approx(want, rel=1e-12, nan_ok=True), key


def test_at_years_shapes_for_samples():
    sc = load_scenario(_sampled_source(SAMPLED_PRICES, SAMPLED_ELEC))
    multi = sc.at_years(np.arange(2026, 2031))
    assert multi.values[PRICE].shape == (3, 5)
    assert multi.values[ELEC].shape == (3, 1)  # sampled, no trajectory: a column that broadcasts over years
    assert multi.values[SOLAR].shape == (5,)  # trajectory from a scalar value: one row, broadcast over samples
    assert multi.trajectories == {}


# -------------------------------------------------------------------------------------------------- crossover
def test_crossover_year_closed_form(cf_timeline):
    assert cf_timeline.crossover_year == 2032 == expected_crossover()
    assert type(cf_timeline.crossover_year) is int
    ratio = cf_timeline.series(RATIO)
    assert ratio[5] > 1 >= ratio[6]  # 2031 above, 2032 at or below
    assert ratio[6] == pytest.approx(2 * 3000 * 0.7**6 / 876, rel=1e-9)
    assert cf_timeline.series("comparison.breakeven_launch_price_usd_per_kg")[0] == pytest.approx(438.0, rel=1e-9)


def test_crossover_year_is_the_first_year_of_the_window():
    assert timeline(closed_form(), 2035, 2040).crossover_year == 2035


def test_crossover_year_none_when_orbit_stays_dearer():
    assert timeline(closed_form(), 2026, 2031).crossover_year is None
    assert timeline(load_scenario(), 2026, 2045).crossover_year is None


def test_crossover_year_per_sample():
    elec = np.array([50.0, 100.0, 200.0])
    tl = timeline(closed_form({ELEC: elec}), 2026, 2045)
    assert tl.shape == (3, 20)
    np.testing.assert_array_equal(tl.crossover_year, [expected_crossover(e) for e in elec])
    assert list(tl.crossover_year) == [2034, 2032, 2030]
    for e, cross in zip(elec, tl.crossover_year, strict=True):
        assert timeline(closed_form({ELEC: float(e)}), 2026, 2045).crossover_year == cross


def test_crossover_year_nan_for_samples_that_never_cross():
    # at $1/MWh orbit needs launch at <= $4.38/kg, 3000 x 0.7^14 = $20/kg in 2040: no crossover by then
    tl = timeline(closed_form({ELEC: np.array([100.0, 1.0])}), 2026, 2040)
    assert tl.crossover_year[0] == 2032
    assert np.isnan(tl.crossover_year[1])


def test_crossover_year_helper():
    years = np.arange(2026, 2030)
    assert crossover_year(years, np.array([2.0, 1.5, 1.0, 0.5])) == 2028  # <= 1 counts
    assert crossover_year(years, np.array([np.nan, np.nan, 0.9, 2.0])) == 2028  # NaN never crosses
    assert np.isnan(crossover_year(years, np.array([2.0, 1.5, 1.1, 1.01])))
    assert np.isnan(crossover_year(years, np.full(4, np.nan)))
    got = crossover_year(
        years,
        np.array([[np.nan, 2.0, 0.5, 0.1], [np.nan] * 4, [0.9, 2.0, 0.1, 3.0], [3.0, np.inf, 2.0, np.nan]]),
    )
    assert got.shape == (4,)
    np.testing.assert_array_equal(got, [2028, np.nan, 2026, np.nan])


# ------------------------------------------------------------------------------------------------ rows / JSON
def test_rows_have_the_year_fields(cf_timeline):
    rows = cf_timeline.rows()
    assert [r["year"] for r in rows] == list(range(2026, 2046))
    for row in rows:
        assert type(row["year"]) is int
        for field in ROW_FIELDS[1:]:
            assert isinstance(row[field], float) and math.isfinite(row[field]), (row["year"], field)
        assert row["cost_ratio"] == pytest.approx(
            row["orbital_cost_per_gpu_hour_usd"] / row["terrestrial_cost_per_gpu_hour_usd"], rel=1e-12
        )
        assert row["orbital_launch_price_usd_per_kg"] == pytest.approx(3000 * 0.7 ** (row["year"] - 2026))


def test_to_dict_json_shape(cf_timeline):
    doc = json.loads(json.dumps(cf_timeline.to_dict(), allow_nan=False))
    assert doc["crossover_year"] == 2032
    assert isinstance(doc["years"], list) and len(doc["years"]) == 20
    for row in doc["years"]:
        assert set(ROW_FIELDS) <= set(row)
    none_doc = json.loads(json.dumps(timeline(load_scenario(), 2026, 2028).to_dict(), allow_nan=False))
    assert none_doc["crossover_year"] is None
    assert [r["year"] for r in none_doc["years"]] == [2026, 2027, 2028]


# ---------------------------------------------------------------------------------------------- year errors
@pytest.mark.parametrize(
    ("start", "end", "path", "fragment"),
    [
        (YEAR_RANGE[0] - 1, 2030, "--from", str(YEAR_RANGE[0] - 1)),
        (2026, YEAR_RANGE[1] + 1, "--to", str(YEAR_RANGE[1] + 1)),
        (1900, 2030, "--from", "1900"),
        (2030, 2026, "--to", "before"),
    ],
)
def test_bad_year_window_is_refused(start, end, path, fragment):
    with pytest.raises(ScenarioError) as info:
        timeline(load_scenario(), start, end)
    paths = {e.path: e.message for e in info.value.errors}
    assert path in paths
    assert fragment in paths[path]


def test_both_years_outside_are_reported_together():
    with pytest.raises(ScenarioError) as info:
        timeline(load_scenario(), 1900, 2200)
    assert {e.path for e in info.value.errors} == {"--from", "--to"}


def test_year_range_edges_are_accepted():
    tl = timeline(load_scenario(), YEAR_RANGE[0], YEAR_RANGE[0])
    assert tl.shape == (1,)
    assert timeline(load_scenario(), YEAR_RANGE[1] - 1, YEAR_RANGE[1]).shape == (2,)


@pytest.mark.parametrize("year", [YEAR_RANGE[0] - 1, YEAR_RANGE[1] + 1, 2030.5])
def test_at_year_outside_calendar_is_refused(year):
    with pytest.raises(ScenarioError) as info:
        closed_form().at_year(year)
    assert info.value.errors[0].path == "year"
    assert f"{year:g}" in info.value.errors[0].message


# ------------------------------------------------------------------------------------ trajectory value range
def test_trajectory_leaving_range_names_parameter_and_year():
    sc = load_scenario({"trajectories": {"workload.utilization": {"kind": "rate", "rate_per_yr": 0.05}}})
    # 0.8 x 1.05^5 = 1.021 in 2031 is the first year above the maximum of 1
    assert timeline(sc, 2026, 2030).shape == (5,)
    with pytest.raises(ScenarioError) as info:
        timeline(sc, 2026, 2040)
    (err,) = info.value.errors
    assert err.path == "trajectories.workload.utilization"
    assert "2031" in err.message and "(0, 1]" in err.message


def test_negative_price_trajectory_names_parameter_and_year():
    sc = load_scenario({"trajectories": {PRICE: {"kind": "waypoints", "points": {2026: 100, 2030: -5}}}})
    assert timeline(sc, 2026, 2029).crossover_year is None  # still positive through 2029
    with pytest.raises(ScenarioError) as info:
        timeline(sc, 2026, 2035)
    (err,) = info.value.errors
    assert err.path == f"trajectories.{PRICE}"
    assert "in year 2030" in err.message and "-5" in err.message


def test_one_sample_leaving_range_is_refused():
    sc = load_scenario(
        {
            "trajectories": {"workload.utilization": {"kind": "rate", "rate_per_yr": 0.05}},
            "workload": {"utilization": np.array([0.5, 0.6, 0.9])},
        }
    )
    # 0.9 x 1.05^3 = 1.04 in 2029; the other samples stay below 1 until 2040 at least
    with pytest.raises(ScenarioError) as info:
        timeline(sc, 2026, 2035)
    (err,) = info.value.errors
    assert err.path == "trajectories.workload.utilization"
    assert "2029" in err.message


# --------------------------------------------------------------------------------- scenarios with trajectories
def test_trajectories_from_a_mapping():
    sc = closed_form()
    assert set(sc.trajectories) == {PRICE}
    assert isinstance(sc.trajectories[PRICE], RateTrajectory)
    assert sc.at_year(2028).values[PRICE] == pytest.approx(3000 * 0.49)


PARENT = {
    "name": "parent",
    "based_on": "starship-2030",
    "trajectories": {
        PRICE: {"kind": "rate", "value": 2000, "rate_per_yr": -0.1},
        SOLAR: {"kind": "rate", "rate_per_yr": -0.05, "floor": 5.0},
    },
}
CHILD = {
    "name": "child",
    "based_on": "parent.yaml",
    "trajectories": {PRICE: {"kind": "waypoints", "points": {2026: 1000, 2036: 100}, "interpolation": "log"}},
}


@pytest.fixture
def scenario_files(tmp_path):
    (tmp_path / "parent.yaml").write_text(yaml.safe_dump(PARENT), encoding="utf-8")
    (tmp_path / "child.yaml").write_text(yaml.safe_dump(CHILD), encoding="utf-8")
    return tmp_path / "parent.yaml", tmp_path / "child.yaml"


def test_trajectories_from_a_yaml_file(scenario_files):
    parent, _ = scenario_files
    sc = load_scenario(parent)
    assert sc.name == "parent"
    assert set(sc.trajectories) == {PRICE, SOLAR}
    assert sc.values["launch.vehicle"] == "starship-v3"  # inherited from the shipped scenario
    assert sc.at_year(2030).values[PRICE] == pytest.approx(2000 * 0.9**4)
    base_solar = sc.values[SOLAR]
    assert sc.at_year(2028).values[SOLAR] == pytest.approx(max(5.0, base_solar * 0.95**2))


def test_based_on_inherits_and_child_overrides_per_parameter(scenario_files):
    parent_path, child_path = scenario_files
    parent, child = load_scenario(parent_path), load_scenario(child_path)
    assert child.name == "child"
    assert set(child.trajectories) == {PRICE, SOLAR}
    assert isinstance(child.trajectories[PRICE], WaypointsTrajectory)  # the child's own
    assert child.trajectories[SOLAR] == parent.trajectories[SOLAR]  # inherited
    assert child.at_year(2031).values[PRICE] == pytest.approx(1000 * 0.1**0.5)  # log midpoint
    assert child.at_year(2031).values[SOLAR] == parent.at_year(2031).values[SOLAR]
    # a mapping based on the file inherits the same way
    mapped = load_scenario({"based_on": str(parent_path)})
    assert mapped.trajectories == parent.trajectories


def test_override_removes_the_trajectory_of_that_parameter_only(scenario_files):
    _, child_path = scenario_files
    for overrides in ([f"{PRICE}=500"], {PRICE: 500}):
        sc = load_scenario(child_path, overrides)
        assert PRICE not in sc.trajectories
        assert SOLAR in sc.trajectories
        for year in (2026, 2035, 2050):
            assert sc.at_year(year).values[PRICE] == 500
        tl = timeline(sc, 2026, 2035)
        np.testing.assert_array_equal(tl.series("orbital.launch_price_usd_per_kg"), np.full(10, 500.0))
        assert np.all(np.diff(tl.series("orbital.cost_per_gpu_hour_usd")) <= 0)  # solar still gets cheaper


def test_an_override_on_a_loaded_scenario_also_fixes_its_parameter_in_every_year(scenario_files):
    """``Scenario.with_overrides`` (the notebook's way) as ``--set``: the override replaces the trajectory, so it
    commutes with ``at_year`` (it did not: the trajectory's value came back in every year)."""
    _, child_path = scenario_files
    sc = load_scenario(child_path)
    fixed = sc.with_overrides({PRICE: 500})
    assert PRICE not in fixed.trajectories and SOLAR in fixed.trajectories
    assert PRICE in sc.trajectories  # the scenario it came from is as it was
    for year in (2026, 2035, 2050):
        assert fixed.at_year(year).values[PRICE] == 500
        np.testing.assert_equal(dict(evaluate(fixed.at_year(year)).outputs),
                                dict(evaluate(sc.at_year(year).with_overrides({PRICE: 500})).outputs))
    np.testing.assert_array_equal(timeline(fixed, 2026, 2035).series("orbital.launch_price_usd_per_kg"),
                                  np.full(10, 500.0))
    np.testing.assert_equal(timeline(fixed, 2026, 2035).rows(),
                            timeline(load_scenario(child_path, {PRICE: 500}), 2026, 2035).rows())
    kept = sc.with_overrides({PRICE: 500}, keep_trajectories=True)  # 500 as the trajectory's base value
    assert kept.trajectories == sc.trajectories
    assert kept.at_year(2035).values[PRICE] == sc.at_year(2035).values[PRICE]


def test_at_year_equals_at_years_column(scenario_files):
    _, child_path = scenario_files
    sc = load_scenario(child_path)
    years = np.arange(2026, 2041)
    multi = sc.at_years(years)
    results = evaluate(multi)
    for j in (0, 5, 14):
        single = sc.at_year(int(years[j]))
        assert single.trajectories == {}
        for name in sc.trajectories:
            assert single.values[name] == pytest.approx(float(multi.values[name][j]), rel=1e-15)
        one = evaluate(single)
        for key in YEAR_OUTPUTS:
            want = np.broadcast_to(np.asarray(results[key], float), years.shape)[j]
            assert float(one[key]) == pytest.approx(want, rel=1e-12, nan_ok=True), key


def test_at_year_equals_at_years_column_for_samples():
    sc = load_scenario(_sampled_source(SAMPLED_PRICES, SAMPLED_ELEC))
    years = np.arange(2026, 2036)
    multi = sc.at_years(years)
    single = sc.at_year(2030)
    np.testing.assert_allclose(single.values[PRICE], multi.values[PRICE][:, 4], rtol=1e-15)
    np.testing.assert_array_equal(single.values[ELEC], SAMPLED_ELEC)
    np.testing.assert_allclose(
        evaluate(single)[RATIO], np.broadcast_to(evaluate(multi)[RATIO], (3, 10))[:, 4], rtol=1e-12
    )
