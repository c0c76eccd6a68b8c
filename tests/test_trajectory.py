"""Trajectories of parameters over calendar years: closed forms, shapes, eras, parsing and every error path."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml
from pydantic import ValidationError

from terawatt.params import load_registry
from terawatt.trajectory import (
    BASE_YEAR,
    YEAR_RANGE,
    ConstantTrajectory,
    ErasTrajectory,
    LearningTrajectory,
    RateTrajectory,
    WaypointsTrajectory,
    check_trajectory_values,
    doublings_needed,
    parse_trajectories,
    trajectory_values,
)

YEARS = np.arange(2024, 2041)
SAMPLES = np.array([1.0, 2.0, 5.0])
PRICE = "launch.price_usd_per_kg"


def one(spec: dict, name: str = PRICE):
    """Parse a single valid trajectory."""
    trajs, errors = parse_trajectories({name: spec})
    assert errors == []
    return trajs[name]


def errors_of(spec: object, name: str = PRICE) -> dict[str, str]:
    """Error path -> message for a single entry."""
    trajs, errors = parse_trajectories({name: spec})
    assert errors, "expected errors"
    assert name not in trajs
    return {e.path: e.message for e in errors}


def at(traj, year: float, base=None) -> float:
    return float(traj.values([year], base)[0])


# ------------------------------------------------------------------------------------------------- constants
def test_constants():
    assert BASE_YEAR == 2026
    assert YEAR_RANGE == (2020, 2100)


# -------------------------------------------------------------------------------------------------- constant
def test_constant_scalar_and_samples():
    traj = one({"kind": "constant"})
    assert isinstance(traj, ConstantTrajectory)
    out = traj.values(YEARS, 42.0)
    assert out.shape == (YEARS.size,)
    np.testing.assert_array_equal(out, 42.0)
    out = traj.values(YEARS, SAMPLES)
    assert out.shape == (SAMPLES.size, YEARS.size)
    np.testing.assert_array_equal(out, np.repeat(SAMPLES[:, None], YEARS.size, axis=1))


def test_constant_own_value_overrides_base_and_keeps_sample_shape():
    traj = one({"kind": "constant", "value": 7})
    np.testing.assert_array_equal(traj.values(YEARS, 1.0), 7.0)
    out = traj.values(YEARS, SAMPLES)
    assert out.shape == (3, YEARS.size)
    np.testing.assert_array_equal(out, 7.0)


def test_empty_base_value_gives_nan():
    assert np.isnan(one({"kind": "constant"}).values(YEARS, None)).all()
    assert np.isnan(one({"kind": "rate", "rate_per_yr": 0.1}).values(YEARS)).all()


def test_trajectory_values_function_matches_method():
    traj = one({"kind": "rate", "rate_per_yr": -0.1})
    np.testing.assert_array_equal(trajectory_values(traj, YEARS, SAMPLES), traj.values(YEARS, SAMPLES))


def test_bad_shapes_rejected():
    traj = one({"kind": "constant"})
    with pytest.raises(ValueError, match="base_value"):
        traj.values(YEARS, np.ones((2, 2)))
    with pytest.raises(ValueError, match="1-D"):
        traj.values(np.ones((2, 2)), 1.0)


# ------------------------------------------------------------------------------------------------------ rate
def test_rate_compounds_from_base_year():
    traj = one({"kind": "rate", "rate_per_yr": -0.08})
    assert isinstance(traj, RateTrajectory)
    out = traj.values(YEARS, 10.0)
    np.testing.assert_allclose(out, 10.0 * 0.92 ** (YEARS - 2026.0))
    assert at(traj, 2026, 10.0) == pytest.approx(10.0)
    assert at(traj, 2036, 10.0) == pytest.approx(10.0 * 0.92**10)
    assert at(traj, 2024, 10.0) == pytest.approx(10.0 / 0.92**2)  # extrapolated backwards


def test_rate_samples_shape_and_rows():
    traj = one({"kind": "rate", "rate_per_yr": 0.05, "start_year": 2030})
    out = traj.values(YEARS, SAMPLES)
    assert out.shape == (3, YEARS.size)
    np.testing.assert_allclose(out, SAMPLES[:, None] * 1.05 ** (YEARS - 2030.0))


def test_rate_own_value_floor_and_cap():
    traj = one({"kind": "rate", "rate_per_yr": -0.5, "value": 10, "floor": 2})
    np.testing.assert_allclose(traj.values([2026, 2027, 2028, 2030], 99.0), [10.0, 5.0, 2.5, 2.0])
    traj = one({"kind": "rate", "rate_per_yr": 1.0, "value": 10, "cap": 30})
    np.testing.assert_allclose(traj.values([2026, 2027, 2028, 2029]), [10.0, 20.0, 30.0, 30.0])


def test_rate_fractional_years():
    traj = one({"kind": "rate", "rate_per_yr": 0.21, "value": 1})
    assert at(traj, 2026.5) == pytest.approx(1.1)


# ------------------------------------------------------------------------------------------------- waypoints
def test_waypoints_linear_midpoints_and_flat_outside():
    traj = one({"kind": "waypoints", "points": {2026: 1500, 2030: 300, 2035: 150}})
    assert isinstance(traj, WaypointsTrajectory)
    years = [2020, 2026, 2028, 2030, 2032.5, 2035, 2050]
    np.testing.assert_allclose(traj.values(years, 1.0), [1500, 1500, 900, 300, 225, 150, 150])


def test_waypoints_log_is_geometric():
    traj = one({"kind": "waypoints", "points": {2026: 1500, 2030: 300}, "interpolation": "log"})
    assert at(traj, 2028) == pytest.approx(math.sqrt(1500 * 300))
    assert at(traj, 2027) == pytest.approx(1500 * (300 / 1500) ** 0.25)
    assert at(traj, 2021) == pytest.approx(1500)
    assert at(traj, 2099) == pytest.approx(300)


def test_waypoints_str_keys_single_point_and_samples():
    traj = one({"kind": "waypoints", "points": {"2026": 2.0, "2036": 4.0}})
    assert at(traj, 2031) == pytest.approx(3.0)
    out = traj.values(YEARS, SAMPLES)
    assert out.shape == (3, YEARS.size)
    np.testing.assert_array_equal(out[0], out[2])
    flat = one({"kind": "waypoints", "points": {2030: 5}})
    np.testing.assert_array_equal(flat.values(YEARS), 5.0)


# -------------------------------------------------------------------------------------------------- learning
def test_learning_thirteen_doublings():
    # cumulative doubles every year from 2026: 13 doublings by 2039
    traj = one(
        {
            "kind": "learning",
            "value": 3600,
            "learning_rate": 0.2,
            "cumulative": {"kind": "rate", "value": 1e4, "rate_per_yr": 1.0},
        }
    )
    assert isinstance(traj, LearningTrajectory)
    assert at(traj, 2039) == pytest.approx(3600 * 0.8**13)
    assert at(traj, 2039) == pytest.approx(197.9, abs=0.05)
    assert at(traj, 2026) == pytest.approx(3600)
    assert traj.exponent == pytest.approx(math.log2(0.8))


def test_learning_uses_base_value_with_samples():
    traj = one(
        {"kind": "learning", "learning_rate": 0.2, "cumulative": {"kind": "rate", "value": 1, "rate_per_yr": 1.0}}
    )
    out = traj.values(YEARS, SAMPLES)
    assert out.shape == (3, YEARS.size)
    np.testing.assert_allclose(out, SAMPLES[:, None] * 0.8 ** (YEARS - 2026.0))
    assert traj.values(YEARS, 2.0).shape == (YEARS.size,)


def test_learning_floor_cap_and_zero_rate():
    spec = {
        "kind": "learning",
        "value": 100,
        "learning_rate": 0.5,
        "cumulative": {"kind": "rate", "value": 1, "rate_per_yr": 1.0},
    }
    floored = one({**spec, "floor": 20})
    np.testing.assert_allclose(floored.values([2026, 2027, 2028, 2029, 2035]), [100, 50, 25, 20, 20])
    capped = one({**spec, "cap": 80})
    np.testing.assert_allclose(capped.values([2024, 2025, 2026, 2027]), [80, 80, 80, 50])
    flat = one({**spec, "learning_rate": 0})
    np.testing.assert_allclose(flat.values(YEARS), 100.0)


def test_learning_reference_cumulative_and_start_year():
    # reference 4x the 2026 quantity: two doublings short of it in 2026
    traj = one(
        {
            "kind": "learning",
            "value": 100,
            "learning_rate": 0.2,
            "reference_cumulative": 40,
            "cumulative": {"kind": "constant", "value": 10},
        }
    )
    np.testing.assert_allclose(traj.values(YEARS), 100 / 0.8**2)
    # start_year moves the reference point, and the nested rate starts there too
    traj = one(
        {
            "kind": "learning",
            "value": 100,
            "learning_rate": 0.2,
            "start_year": 2030,
            "cumulative": {"kind": "rate", "value": 5, "rate_per_yr": 1.0},
        }
    )
    assert at(traj, 2030) == pytest.approx(100)
    assert at(traj, 2032) == pytest.approx(100 * 0.8**2)


def test_learning_nested_waypoints_cumulative():
    traj = one(
        {
            "kind": "learning",
            "value": 460,
            "learning_rate": 0.2,
            "cumulative": {"kind": "waypoints", "points": {2026: 1e4, 2030: 8e4}, "interpolation": "log"},
        }
    )
    assert at(traj, 2030) == pytest.approx(460 * 0.8**3)
    assert at(traj, 2028) == pytest.approx(460 * 0.8**1.5)
    assert at(traj, 2040) == pytest.approx(460 * 0.8**3)  # cumulative held flat after its last waypoint


# ------------------------------------------------------------------------------------------------------ eras
ERAS = {
    "kind": "eras",
    "eras": [
        {"start_year": 2026, "kind": "constant", "value": 3000},
        {
            "start_year": 2029,
            "kind": "learning",
            "value": 460,
            "learning_rate": 0.2,
            "cumulative": {"kind": "rate", "value": 1.0e5, "rate_per_yr": 0.8},
            "floor": 8,
        },
    ],
}


def test_eras_step_change_at_boundary():
    traj = one(ERAS)
    assert isinstance(traj, ErasTrajectory)
    np.testing.assert_allclose(traj.values([2026, 2028, 2028.99]), 3000)
    assert at(traj, 2029) == pytest.approx(460)  # the learning era starts at its own start year
    assert at(traj, 2030) == pytest.approx(460 * 1.8 ** math.log2(0.8))
    assert at(traj, 2100) == pytest.approx(8)  # floor
    out = traj.values(YEARS, SAMPLES)
    assert out.shape == (3, YEARS.size)
    np.testing.assert_array_equal(out[0], out[1])


def test_eras_before_first_era_and_rate_starts_at_era():
    traj = one(
        {
            "kind": "eras",
            "eras": [
                {"start_year": 2028, "kind": "rate", "rate_per_yr": -0.1},
                {"start_year": 2032, "kind": "waypoints", "points": {2035: 1.0, 2040: 0.5}},
            ],
        }
    )
    # before 2028: the first era's value at 2028 (not extrapolated backwards)
    np.testing.assert_allclose(traj.values([2020, 2027, 2028], 10.0), 10.0)
    assert at(traj, 2031, 10.0) == pytest.approx(10.0 * 0.9**3)
    assert at(traj, 2032, 10.0) == pytest.approx(1.0)  # waypoints held flat before 2035
    np.testing.assert_allclose(traj.values([2027, 2030], SAMPLES), SAMPLES[:, None] * [1.0, 0.81])


# --------------------------------------------------------------------------------------------------- parsing
BRIEF_YAML = """
trajectories:
  terrestrial.electricity_price_usd_per_mwh:
    kind: constant
  solar.cost_usd_per_w:
    kind: rate
    rate_per_yr: -0.08
    start_year: 2026
    value: 10
    floor: 2
  launch.price_usd_per_kg:
    kind: waypoints
    points: {2026: 1500, 2030: 300, 2035: 150}
    interpolation: linear
  thermal.areal_mass_kg_per_m2:
    kind: learning
    value: 3600
    learning_rate: 0.2
    cumulative:
      kind: rate
      value: 1.0e+4
      rate_per_yr: 1.0
    reference_cumulative: 1.0e+4
    start_year: 2026
    floor: 8
  satellite.cost_usd_per_w:
    kind: eras
    eras:
      - {start_year: 2026, kind: constant, value: 3000}
      - {start_year: 2029, kind: learning, value: 460, learning_rate: 0.2,
         cumulative: {kind: rate, value: 1e5, rate_per_yr: 0.8}, floor: 8}
"""


def test_parse_yaml_syntax():
    raw = yaml.safe_load(BRIEF_YAML)["trajectories"]
    trajs, errors = parse_trajectories(raw)
    assert errors == []
    assert [type(t).__name__ for t in trajs.values()] == [
        "ConstantTrajectory",
        "RateTrajectory",
        "WaypointsTrajectory",
        "LearningTrajectory",
        "ErasTrajectory",
    ]
    assert at(trajs["thermal.areal_mass_kg_per_m2"], 2039) == pytest.approx(197.9, abs=0.05)
    # PyYAML reads 1e5 (no dot) as text: accepted as a number
    assert at(trajs["satellite.cost_usd_per_w"], 2029) == pytest.approx(460)


def test_parse_empty_and_not_a_mapping():
    assert parse_trajectories(None) == ({}, [])
    assert parse_trajectories({}) == ({}, [])
    trajs, errors = parse_trajectories([1, 2])  # type: ignore[arg-type]
    assert trajs == {}
    assert [e.path for e in errors] == ["trajectories"]


def test_direct_construction_validates():
    with pytest.raises(ValidationError):
        RateTrajectory(rate_per_yr=-1.5)
    with pytest.raises(ValidationError):
        LearningTrajectory(learning_rate=1.0, cumulative=ConstantTrajectory(value=1))


# ---------------------------------------------------------------------------------------------- error paths
def test_unknown_parameter_suggests_nearest():
    trajs, errors = parse_trajectories({"launch.price_usd_per_kgg": {"kind": "constant"}})
    assert trajs == {}
    assert len(errors) == 1
    assert errors[0].path == "trajectories.launch.price_usd_per_kgg"
    assert "unknown parameter" in errors[0].message
    assert "'launch.price_usd_per_kg'" in errors[0].message


@pytest.mark.parametrize("name", ["launch.vehicle", "thermal.sides", "orbit.eclipse_policy"])
def test_non_float_parameters_rejected(name):
    assert load_registry()[name].kind != "float"
    errs = errors_of({"kind": "constant"}, name)
    assert "only float parameters can follow a trajectory" in errs[f"trajectories.{name}"]


def test_waypoint_year_errors():
    errs = errors_of({"kind": "waypoints", "points": {2030: 1, 2026: 2, 2026.0 + 200: 3}})
    assert "strictly increasing" in errs["trajectories.launch.price_usd_per_kg.points.2026"]
    assert "outside" in errs["trajectories.launch.price_usd_per_kg.points.2226"]
    errs = errors_of({"kind": "waypoints", "points": {2010: 1}})
    assert "[2020, 2100]" in errs["trajectories.launch.price_usd_per_kg.points.2010"]
    errs = errors_of({"kind": "waypoints", "points": {"soon": 1}})
    assert "year" in errs["trajectories.launch.price_usd_per_kg.points.soon"]
    errs = errors_of({"kind": "waypoints", "points": {}})
    assert "empty" in errs["trajectories.launch.price_usd_per_kg.points"]


def test_log_interpolation_needs_positive_values():
    errs = errors_of({"kind": "waypoints", "points": {2026: 10, 2030: 0, 2035: -1}, "interpolation": "log"})
    msg = errs["trajectories.launch.price_usd_per_kg.interpolation"]
    assert "positive" in msg and "2030" in msg and "2035" in msg
    errs = errors_of({"kind": "waypoints", "points": {2026: 10}, "interpolation": "cubic"})
    assert "linear" in errs["trajectories.launch.price_usd_per_kg.interpolation"]
    assert one({"kind": "waypoints", "points": {2026: 10, 2030: 0}})  # linear allows zero


@pytest.mark.parametrize("lr", [-0.1, 1.0, 1.5])
def test_learning_rate_outside_unit_interval(lr):
    errs = errors_of({"kind": "learning", "learning_rate": lr, "cumulative": {"kind": "constant", "value": 1}})
    assert "[0, 1)" in errs["trajectories.launch.price_usd_per_kg.learning_rate"]


@pytest.mark.parametrize(
    ("cumulative", "field"),
    [
        ({"kind": "constant", "value": 0}, "cumulative.value"),
        ({"kind": "rate", "value": -5, "rate_per_yr": 0.1}, "cumulative.value"),
        ({"kind": "rate", "rate_per_yr": 0.1}, "cumulative.value"),
        ({"kind": "waypoints", "points": {2026: 1, 2030: 0}}, "cumulative.points.2030"),
    ],
)
def test_non_positive_cumulative(cumulative, field):
    errs = errors_of({"kind": "learning", "learning_rate": 0.2, "cumulative": cumulative})
    assert f"trajectories.launch.price_usd_per_kg.{field}" in errs


def test_non_positive_reference_cumulative_and_nested_kind():
    errs = errors_of(
        {"kind": "learning", "learning_rate": 0.2, "reference_cumulative": 0, "cumulative": {"kind": "learning"}}
    )
    assert "positive" in errs["trajectories.launch.price_usd_per_kg.reference_cumulative"]
    assert "unknown kind learning" in errs["trajectories.launch.price_usd_per_kg.cumulative"]


def test_floor_above_cap():
    errs = errors_of({"kind": "rate", "rate_per_yr": 0.1, "floor": 5, "cap": 1})
    assert "below floor" in errs["trajectories.launch.price_usd_per_kg.cap"]
    base = {"kind": "learning", "learning_rate": 0.2, "cumulative": {"kind": "constant", "value": 1}}
    errs = errors_of({**base, "floor": 5, "cap": 1})
    assert "trajectories.launch.price_usd_per_kg.cap" in errs


def test_rate_and_year_bounds():
    errs = errors_of({"kind": "rate", "rate_per_yr": -1, "start_year": 2101})
    assert "above -1" in errs["trajectories.launch.price_usd_per_kg.rate_per_yr"]
    assert "outside" in errs["trajectories.launch.price_usd_per_kg.start_year"]


def test_eras_errors():
    errs = errors_of(
        {
            "kind": "eras",
            "eras": [{"start_year": 2030, "kind": "constant"}, {"start_year": 2028, "kind": "constant"}],
        }
    )
    assert "strictly increasing" in errs["trajectories.launch.price_usd_per_kg.eras.1.start_year"]
    errs = errors_of(
        {
            "kind": "eras",
            "eras": [{"kind": "constant"}, {"start_year": 2030, "kind": "eras", "eras": []}, {"start_year": 2040}],
        }
    )
    assert "missing" in errs["trajectories.launch.price_usd_per_kg.eras.0.start_year"]
    assert "unknown kind eras" in errs["trajectories.launch.price_usd_per_kg.eras.1"]
    assert "missing 'kind'" in errs["trajectories.launch.price_usd_per_kg.eras.2"]
    errs = errors_of({"kind": "eras", "eras": []})
    assert "empty" in errs["trajectories.launch.price_usd_per_kg.eras"]


def test_type_errors_readable():
    errs = errors_of(
        {"kind": "rate", "rate_per_yr": "fast", "value": True, "floor": float("nan"), "start_year": 2026.5}
    )
    p = "trajectories.launch.price_usd_per_kg"
    assert errs[f"{p}.rate_per_yr"] == "expected a number, got 'fast'"
    assert errs[f"{p}.value"] == "expected a number, got True"
    assert "finite" in errs[f"{p}.floor"]
    assert "whole number" in errs[f"{p}.start_year"]
    assert "missing 'kind'" in errors_of({"rate_per_yr": 0.1})[p]
    assert "unknown kind linear" in errors_of({"kind": "linear"})[p]
    assert "expected a mapping" in errors_of(5)[p]
    assert "required field is missing" in errors_of({"kind": "rate"})[f"{p}.rate_per_yr"]


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ({"kind": "constant", "value": 1, "rate": 2}, "rate"),
        ({"kind": "rate", "rate_per_year": 0.1, "rate_per_yr": 0.1}, "rate_per_year"),
        (
            {"kind": "learning", "learning_rate": 0.2, "cumulative": {"kind": "constant", "value": 1, "x": 1}},
            "cumulative.x",
        ),
        ({"kind": "eras", "eras": [{"start_year": 2026, "kind": "constant", "end_year": 2030}]}, "eras.0.end_year"),
    ],
)
def test_extra_keys_rejected(spec, path):
    errs = errors_of(spec)
    assert "unknown field" in errs[f"trajectories.launch.price_usd_per_kg.{path}"]


def test_extra_key_suggestion():
    errs = errors_of({"kind": "rate", "rate_per_year": 0.1})
    assert "did you mean 'rate_per_yr'" in errs["trajectories.launch.price_usd_per_kg.rate_per_year"]


def test_all_errors_reported_together():
    raw = {
        "launch.price_usd_per_kgg": {"kind": "constant"},
        "launch.vehicle": {"kind": "constant"},
        "solar.cost_usd_per_w": {"kind": "rate", "rate_per_yr": -3, "start_year": 1900, "floor": 3, "cap": 1, "x": 0},
        "thermal.areal_mass_kg_per_m2": {
            "kind": "eras",
            "eras": [
                {
                    "start_year": 2026,
                    "kind": "learning",
                    "learning_rate": 2,
                    "cumulative": {"kind": "constant", "value": -1},
                },
                {"start_year": 2030, "kind": "waypoints", "points": {2035: 1, 2031: 2}},
            ],
        },
        "terrestrial.pue": {"kind": "constant"},
    }
    trajs, errors = parse_trajectories(raw)
    assert list(trajs) == ["terrestrial.pue"]
    paths = {e.path for e in errors}
    p = "trajectories.solar.cost_usd_per_w"
    q = "trajectories.thermal.areal_mass_kg_per_m2.eras"
    assert paths == {
        "trajectories.launch.price_usd_per_kgg",
        "trajectories.launch.vehicle",
        f"{p}.rate_per_yr",
        f"{p}.start_year",
        f"{p}.cap",
        f"{p}.x",
        f"{q}.0.learning_rate",
        f"{q}.0.cumulative.value",
        f"{q}.1.points.2031",
    }
    assert all(str(e).startswith(e.path + ": ") for e in errors)


def test_custom_path_prefix():
    _, errors = parse_trajectories({"nope.x": {"kind": "constant"}}, path="scenario.trajectories")
    assert errors[0].path == "scenario.trajectories.nope.x"


# ------------------------------------------------------------------------------------------------ value checks
def test_check_trajectory_values():
    spec = load_registry()["thermal.areal_mass_kg_per_m2"]  # [0.01, 100] kg/m2
    years = np.array([2026, 2027, 2028])
    assert check_trajectory_values("thermal.areal_mass_kg_per_m2", [7.0, 5.0, 3.0], spec, years) is None
    err = check_trajectory_values("thermal.areal_mass_kg_per_m2", [7.0, 500.0, 900.0], spec, years)
    assert err is not None
    assert err.path == "trajectories.thermal.areal_mass_kg_per_m2"
    assert err.message.startswith("in year 2027: 500")
    assert str(err).startswith("trajectories.thermal.areal_mass_kg_per_m2: in year 2027:")
    samples = np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    err = check_trajectory_values("thermal.areal_mass_kg_per_m2", samples, spec, years)
    assert err is not None and err.message.startswith("in year 2028: 1 of 2 samples")
    err = check_trajectory_values("thermal.areal_mass_kg_per_m2", [1.0, -1.0], spec)
    assert err is not None and "year index 1" in err.message


def test_check_trajectory_values_nullable_empty():
    spec = load_registry()[PRICE]
    assert spec.nullable
    values = one({"kind": "constant"}).values(YEARS, None)
    assert check_trajectory_values(PRICE, values, spec, YEARS) is None
    assert check_trajectory_values(PRICE, [1.0, -1.0], spec, [2026, 2027]) is not None


# --------------------------------------------------------------------------------------------------- doublings
def test_doublings_needed():
    assert doublings_needed(3600, 200, 0.2) == pytest.approx(12.95, abs=0.01)
    assert doublings_needed(3600, 3600 * 0.8**13, 0.2) == pytest.approx(13)
    assert doublings_needed(1, 2, 0.2) < 0
    out = doublings_needed([100, 100], [50, 25], 0.5)
    np.testing.assert_allclose(out, [1, 2])
    with pytest.raises(ValueError):
        doublings_needed(1, 2, 0)
    with pytest.raises(ValueError):
        doublings_needed(0, 2, 0.2)
