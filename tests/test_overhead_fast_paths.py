"""The fast paths that cut the fixed cost of an array evaluation never change a result (issue 10, performance).

- ``terawatt._arrays.select`` / ``where_all`` decide from the types where they may return a branch as it is:
  every decision and value equals ``np.where``'s; ``broadcast_shape`` equals ``np.broadcast_shapes``.
- ``terawatt.design.feasibility.orbital_feasibility`` decides "every sample feasible" from extremes and the flags
  from one pass per condition: each sample's flag and reason equal those of the same sample evaluated alone
  (the one-sample path runs every check as written), for inputs failing every check, alone and together.
- ``Scenario.sample_shape`` is cached per scenario and still names the arrays that do not combine.
- The stage cache skips designs of sample arrays without keying their scalar fields first (still uncached).
- Range checks still fire on bad arrays on every path (a ScenarioError naming field, unit and range).
"""

from __future__ import annotations

import contextlib
import dataclasses

import numpy as np
import pytest

import terawatt
from terawatt._arrays import broadcast_shape, constant_view, select, where_all
from terawatt.design import stage_cache
from terawatt.design.feasibility import orbital_feasibility
from terawatt.errors import ScenarioError
from terawatt.physics._checks import check_range
from terawatt.scenario import load_scenario


def _same(a: object, b: object) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if a.dtype.kind == "f":
        assert np.array_equal(np.signbit(a), np.signbit(b))


ARRAY = np.array([1.0, -0.0, np.nan, np.inf])
BRANCHES = [
    np.nan,
    0,
    np.float64(2.5),
    np.float32(2.5),
    np.array(3.0),
    np.array([5.0, 6.0, 7.0, 8.0]),
    np.array([5.0, 6.0, 7.0, 8.0], dtype=np.float32),
    np.array([[1.0], [2.0]]),
    np.array([1, 2, 3, 4]),
    True,
]


@pytest.mark.parametrize("other", BRANCHES, ids=repr)
@pytest.mark.parametrize("flag", [True, False, np.True_, np.False_, np.array(True)])
def test_select_equals_where(flag: object, other: object) -> None:
    for if_true, if_false in ((ARRAY, other), (other, ARRAY)):
        out = select(flag, if_true, if_false)
        _same(out, np.where(flag, if_true, if_false))
        chosen = if_true if flag else if_false
        if out is chosen:  # returned as it is only where np.where gives its shape and dtype
            assert out.shape == np.where(flag, if_true, if_false).shape


@pytest.mark.parametrize("other", BRANCHES, ids=repr)
@pytest.mark.parametrize("condition", [np.ones(4, bool), np.array([True, False, True, True]), np.ones((2, 4), bool)])
def test_where_all_equals_where(condition: np.ndarray, other: object) -> None:
    for if_true in (ARRAY, np.array([5.0, 6.0, 7.0, 8.0], dtype=np.float32)):
        try:
            expected = np.where(condition, if_true, other)
        except ValueError:
            with pytest.raises(ValueError):
                where_all(condition, if_true, other)
            continue
        out = where_all(condition, if_true, other)
        _same(out, expected)
        assert (out is if_true) == (condition.all() and expected.shape == if_true.shape
                                    and expected.dtype == if_true.dtype)


@pytest.mark.parametrize(
    "values",
    [(), (1.0,), (np.ones(3), 2.0), (np.ones((3, 1)), np.ones(4)), (np.float64(1), np.ones((2, 1)), np.ones((1, 5))),
     (np.array(2.0), [1.0, 2.0]), (np.ones(3), np.ones(3), np.True_)],
)
def test_broadcast_shape_equals_numpy(values: tuple) -> None:
    assert broadcast_shape(*values) == np.broadcast_shapes(*(np.shape(v) for v in values))


def test_broadcast_shape_raises_as_numpy() -> None:
    with pytest.raises(ValueError):
        broadcast_shape(np.ones(3), 1.0, np.ones(4))


def test_constant_view_is_broadcast_to() -> None:
    for shape in ((), (4,), (3, 2)):
        view = constant_view(np.nan, shape)
        _same(view, np.broadcast_to(np.nan, shape))
        assert not view.flags.writeable


# ----------------------------------------------------------------------------------------------- feasibility
N = 12


def _feasible_inputs(rng: np.random.Generator) -> dict:
    """Inputs of a fleet of N sampled designs, every one feasible."""
    return dict(
        radiator_ok=np.ones(N, bool),
        heritage=np.False_,
        accept_given_mass=np.False_,
        given_mass_kg=np.float64(np.nan),
        parts_mass_kg=constant_view(np.nan, (N,)),
        launchable=np.ones(N, bool),
        satellite_mass_kg=rng.uniform(1e3, 2e4, N),
        payload_kg=np.float64(1e5),
        total_dv_m_per_s=rng.uniform(10.0, 500.0, N),
        max_dv_m_per_s=20000.0,
        propellant_ok=np.ones(N, bool),
        avoidance_outage_fraction=rng.uniform(0.0, 0.01, N),
        tid_margin=np.float64(3.0),
        goodput_fraction=np.array(0.97),
        availability=rng.uniform(0.8, 0.99, N),
        satellite_count=rng.uniform(1e3, 1e5, N),
        cell_efficiency=np.float64(0.3),
    )


#: One failure per check (and the effects switched off, NaN, which pass): name, the samples changed, the value.
FAILURES = [
    ("radiator_ok", [1], False),
    ("launchable", [2, 3], False),
    ("propellant_ok", [4], False),
    ("satellite_mass_kg", [5], np.inf),
    ("satellite_mass_kg", [6], np.nan),
    ("avoidance_outage_fraction", [7], 1.0),
    ("avoidance_outage_fraction", [0, 7], np.nan),
    ("avoidance_outage_fraction", None, np.nan),
    ("tid_margin", list(range(N)), np.nan),
    ("availability", [8], 0.0),
    ("availability", [9], np.nan),
    ("satellite_count", [10], np.inf),
    ("satellite_count", [11], np.nan),
    ("satellite_count", [0], 0.0),
    ("tid_margin", None, 0.5),
    ("tid_margin", None, np.nan),
    ("tid_margin", [3], 0.5),
    ("goodput_fraction", None, 0.0),
    ("goodput_fraction", [4], -0.0),
    ("cell_efficiency", None, 1.2),
    ("cell_efficiency", [5], 1.2),
    ("heritage", None, True),
    ("heritage", [2], True),
]


def _apply(inputs: dict, name: str, where: list[int] | None, value: object) -> None:
    if where is None:
        inputs[name] = np.asarray(value)[()]
        if name == "heritage":
            inputs["given_mass_kg"] = np.full(N, 5e3)
            inputs["parts_mass_kg"] = np.linspace(1e3, 9e3, N)
        return
    arr = np.array(np.broadcast_to(inputs[name], (N,)))
    arr[where] = value
    inputs[name] = arr
    if name == "heritage":
        inputs["given_mass_kg"] = np.full(N, 5e3)
        inputs["parts_mass_kg"] = np.linspace(1e3, 9e3, N)


def _per_sample(inputs: dict) -> tuple[np.ndarray, np.ndarray]:
    """Flag and reason of each sample evaluated alone (the one-sample path: every check as written)."""
    flags, reasons = [], []
    for i in range(N):
        one = {k: (np.broadcast_to(v, (N,))[i] if np.ndim(v) else v) for k, v in inputs.items()}
        result = orbital_feasibility(**one)
        assert np.ndim(result.feasible) == 0
        flags.append(bool(result.feasible))
        reasons.append(str(result.reason))
    return np.array(flags), np.array(reasons)


@pytest.mark.parametrize("failures", [[], *([f] for f in FAILURES), FAILURES[:6], FAILURES[6:12], FAILURES],
                         ids=lambda f: "+".join(f"{n}{w}={v}" for n, w, v in f) or "feasible")
def test_sampled_feasibility_equals_each_sample_alone(failures: list) -> None:
    inputs = _feasible_inputs(np.random.default_rng(len(failures)))
    for name, where, value in failures:
        _apply(inputs, name, where, value)
    result = orbital_feasibility(**inputs)
    flags, reasons = _per_sample(inputs)
    assert result.feasible.shape == (N,) and result.feasible.dtype == bool
    assert np.array_equal(result.feasible, flags)
    assert result.reason.dtype.kind == "U" and np.array_equal(result.reason, reasons)
    if not failures:
        assert result.feasible.all() and result.reason.dtype == np.dtype("<U1")


# ------------------------------------------------------------------------------------------ scenario and stages
def test_sample_shape_cached_and_named_on_mismatch() -> None:
    assert load_scenario(None).sample_shape == ()
    sampled = load_scenario(None, {"thermal.emissivity": np.array([0.85, 0.9, 0.88])})
    assert sampled.sample_shape == (3,) and sampled.sample_shape is sampled.sample_shape
    assert list(sampled.sample_arrays) == ["thermal.emissivity"] and sampled.sample_sizes == (3,)
    values = dict(sampled.values, **{"launch.price_usd_per_kg": np.ones((3, 1)) * 100.0,
                                     "thermal.emissivity": np.full(4, 0.9)})
    grid = dataclasses.replace(sampled, values=values)
    assert grid.sample_shape == (3, 4)
    bad = dataclasses.replace(sampled, values=dict(sampled.values, **{"launch.price_usd_per_kg": np.ones(2) * 100.0}))
    with pytest.raises(ScenarioError, match="sample arrays of different shapes do not combine: thermal.emissivity"):
        terawatt.evaluate(bad)


@dataclasses.dataclass(frozen=True)
class _Design:
    a: object
    b: object
    c: object


def test_stage_cache_skips_sampled_designs_and_keys_scalar_ones() -> None:
    calls = []

    @stage_cache.scalar_stage(values_at=None)
    def stage(design: _Design) -> float:
        calls.append(1)
        return np.float64(np.sum(design.c) + design.a)

    stage.cache_clear()
    scalar = _Design(np.float64(1.0), 2.0, np.array(3.0))
    assert stage(scalar) == stage(scalar) == 4.0 and len(calls) == 1 and stage.cache_size() == 1
    sampled = _Design(np.float64(1.0), 2.0, np.array([3.0, 4.0]))
    assert stage(sampled) == stage(sampled) == 8.0 and len(calls) == 3 and stage.cache_size() == 1
    stage.cache_clear()
    stage_cache.CACHED_STAGES.pop(f"{stage.__module__}.{stage.__qualname__}", None)


def test_stage_reads_only_declared_names() -> None:
    @stage_cache.scalar_stage(("a", "b"))
    def stage(v: dict) -> float:
        return v["a"] + v["c"]

    for values in ({"a": 1.0, "b": 2.0, "c": 3.0}, {"a": np.ones(2), "b": 2.0, "c": 3.0}):
        with pytest.raises(KeyError):
            stage(values)
    with pytest.raises(KeyError):
        stage({"a": 1.0})
    stage_cache.CACHED_STAGES.pop(f"{stage.__module__}.{stage.__qualname__}", None)


# ------------------------------------------------------------------------------------------------ bad inputs
def test_bad_sample_arrays_still_named_with_unit_and_range() -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario("baseline-2026", {"thermal.emissivity": np.array([0.9, 1.5]),
                                        "orbit.altitude_km": np.array([550.0, -1.0])})
    text = str(err.value)
    assert "thermal.emissivity" in text and "orbit.altitude_km" in text and "km" in text and "1.5" in text


@pytest.mark.parametrize("x", [np.array([1.0, -1.0]), np.array([1.0, np.nan]), np.array(-1.0), -1.0])
def test_check_range_fires_on_bad_values(x: object) -> None:
    with pytest.raises(ValueError, match=r"area_m2 must be in \[0, inf\] m2"):
        check_range(x, "area_m2", 0.0, np.inf, "m2")


def test_sampled_outputs_read_only_and_equal_to_scalar_runs() -> None:
    samples = {"launch.price_usd_per_kg": np.array([100.0, 2000.0]), "thermal.emissivity": np.array([0.85, 0.9])}
    result = terawatt.evaluate(load_scenario("baseline-2026", samples))
    ratio = result["comparison.cost_ratio"]
    assert ratio.shape == (2,) and not ratio.flags.writeable
    for i in range(2):
        one = terawatt.evaluate(load_scenario("baseline-2026", {k: float(v[i]) for k, v in samples.items()}))
        np.testing.assert_allclose(ratio[i], one["comparison.cost_ratio"], rtol=1e-12)
    assert result["orbital.feasible"].all() and (result["orbital.infeasible_reason"] == "").all()


def _read_only(values: list[float]) -> np.ndarray:
    arr = np.array(values)
    view = arr.view()
    view.flags.writeable = False
    return view


def test_fixed_inputs_share_extremes_and_still_raise_the_same_message() -> None:
    from terawatt.physics import _checks

    altitude = _read_only([550.0, 1200.0, 420.0])
    computed = np.array([1.0, -2.0])
    messages = []
    for inside in (False, True):
        with _checks.fixed_inputs((1.0, "x", altitude, computed)) if inside else contextlib.nullcontext():
            if inside:
                assert list(_checks._FIXED.arrays) == [id(altitude)]  # the read-only sample array only
            assert check_range(altitude, "altitude_km", 150.0, 50000.0, "km") is altitude
            assert check_range(altitude, "altitude_km", 400.0, 1500.0, "km", hi_open=True) is altitude
            for bounds in ((500.0, 1500.0), (150.0, 1000.0)):
                with pytest.raises(ValueError) as err:
                    check_range(altitude, "altitude_km", *bounds, "km", note=" (the table)")
                messages.append(str(err.value))
            with pytest.raises(ValueError) as err:
                check_range(computed, "area_m2", 0.0, np.inf, "m2")
            messages.append(str(err.value))
        assert _checks._FIXED.arrays is None
    assert messages[:3] == messages[3:]
    assert messages[0] == "altitude_km must be in [500, 1500] km (the table), got 420"


def test_sampled_altitude_outside_a_physics_range_still_named() -> None:
    with pytest.raises((ScenarioError, ValueError)) as err:
        terawatt.evaluate(load_scenario("baseline-2026", {"orbit.altitude_km": np.array([550.0, 3000.0])}))
    assert "altitude_km" in str(err.value) and "3000" in str(err.value)
    from terawatt.physics import _checks

    assert _checks._FIXED.arrays is None  # the stage's shared extremes end with it, also when it raises


def test_extremes_shared_within_fixed_inputs_only() -> None:
    from terawatt.physics import _checks

    altitude = _read_only([550.0, np.nan, 420.0])
    assert all(np.isnan(x) for x in _checks.extremes(altitude))
    with _checks.fixed_inputs((altitude,)):
        first = _checks.extremes(altitude)
        assert _checks.extremes(altitude) == first or all(np.isnan(x) for x in first)
        assert len(_checks._FIXED.arrays[id(altitude)]) == 3  # found once, kept with the array
        with pytest.raises(ValueError, match="got nan"):
            check_range(altitude, "altitude_km", 150.0, 50000.0, "km")
    clean = _read_only([550.0, 1200.0])
    assert _checks.extremes(clean) == (550.0, 1200.0)
