"""The stage caches (terawatt.design.stage_cache) and the shared physics checks never change a result."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import terawatt
from terawatt.design import stage_cache
from terawatt.physics._checks import check_range
from terawatt.scenario import load_scenario, shipped_scenarios

#: Overrides that take each stage down its other branches.
VARIANTS = [
    {},
    {"links.ground_link": "ka", "workload.kind": "mixed", "propulsion.type": "electric"},
    {"workload.kind": "training", "orbit.inclination_deg": 53.0, "radiation.dose_rad_per_yr": 30.0},
    {"atmosphere.enabled": False, "debris.enabled": False, "links.enabled": False, "radiation.enabled": False},
    {"satellite.mass_kg": 500.0, "orbit.altitude_km": 1200.0, "links.contact_fraction": 0.3},
]


def _same(a: terawatt.Result, b: terawatt.Result) -> None:
    assert a.keys() == b.keys()
    for key in a.keys():
        x, y = np.asarray(a[key]), np.asarray(b[key])
        if x.dtype.kind in "fc":
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=0.0, equal_nan=True, err_msg=key)
        else:
            assert np.array_equal(x, y), key


@pytest.mark.parametrize("name", sorted(shipped_scenarios()))
def test_cached_equals_uncached_shipped(name):
    scenario = load_scenario(name)
    with stage_cache.disabled():
        plain = terawatt.evaluate(scenario)
    stage_cache.cache_clear()
    first = terawatt.evaluate(scenario)  # fills the caches
    again = terawatt.evaluate(scenario)  # hits
    _same(plain, first)
    _same(plain, again)


@pytest.mark.parametrize("overrides", VARIANTS)
def test_cached_equals_uncached_branches(overrides):
    scenario = load_scenario(None, overrides)
    with stage_cache.disabled():
        plain = terawatt.evaluate(scenario)
    for _ in range(2):
        _same(plain, terawatt.evaluate(scenario))


def test_arrays_bypass_the_cache_and_agree_with_scalars():
    prices = [50.0, 500.0, 2000.0]
    altitudes = [550.0, 800.0, 1100.0]
    stage_cache.cache_clear()
    array = terawatt.evaluate(
        load_scenario(None, {"launch.price_usd_per_kg": np.array(prices), "orbit.altitude_km": np.array(altitudes)})
    )
    sizes = {name.rsplit(".", 1)[-1]: stage.cache_size() for name, stage in stage_cache.CACHED_STAGES.items()}
    # Every stage that sees the sampled altitude ran uncached; the ground's goodput has scalar inputs only.
    assert sizes == {**sizes, "_orbit_environment": 0, "orbit_environment": 0, "radiation_effects": 0,
                     "fleet_links": 0}
    for i, (price, alt) in enumerate(zip(prices, altitudes, strict=True)):
        one = terawatt.evaluate(load_scenario(None, {"launch.price_usd_per_kg": price, "orbit.altitude_km": alt}))
        for key in one.keys():
            x, y = np.asarray(one[key]), np.asarray(array[key])[i]
            if x.dtype.kind in "fc":
                np.testing.assert_allclose(x, y, rtol=1e-12, atol=0.0, equal_nan=True, err_msg=key)
            else:
                assert np.array_equal(x, y), key


def test_every_input_changes_the_key():
    """A changed parameter the stage reads is a miss (a new entry), an unchanged scenario a hit."""
    base = load_scenario(None)
    stage_cache.cache_clear()
    terawatt.evaluate(base)
    links = stage_cache.CACHED_STAGES["terawatt.design.environment.fleet_links"]
    size = links.cache_size()
    terawatt.evaluate(base)
    assert links.cache_size() == size
    for key in ("links.isl_tx_power_w", "links.processing_ms", "workload.training_fraction"):
        changed = base.with_overrides({key: base[key] * 0.9, "workload.kind": "mixed"})
        a = terawatt.evaluate(changed)
        with stage_cache.disabled():
            b = terawatt.evaluate(changed)
        _same(a, b)
    assert links.cache_size() == size + 3


def test_declared_keys_cover_every_read():
    """Each cached stage lists every parameter its body reads; an undeclared read fails (KeyError), cached or not."""
    assert len(stage_cache.CACHED_STAGES) >= 5
    for name, stage in stage_cache.CACHED_STAGES.items():
        read = set(re.findall(r'v\["([^"]+)"\]', inspect.getsource(stage.__wrapped__)))
        assert read <= set(stage.keys), (name, sorted(read - set(stage.keys)))
        assert len(set(stage.keys)) == len(stage.keys), name

    from terawatt.design import environment, workload

    for helper, declared in (
        (environment.table_range_errors, environment.TABLE_RANGE_KEYS),
        (workload.training_share, workload.TRAINING_SHARE_KEYS),
    ):  # helpers the stages call with their parameters
        assert set(re.findall(r'v\["([^"]+)"\]', inspect.getsource(helper))) <= set(declared), helper.__name__

    @stage_cache.scalar_stage(["orbit.altitude_km"])
    def sloppy(v):
        return np.asarray(v["orbit.altitude_km"] + v["orbit.ltan_h"])

    values = load_scenario(None).values
    for call in (sloppy, sloppy.uncached):
        with pytest.raises(KeyError, match="orbit.ltan_h"):
            call(values)


def test_key_types_and_special_values():
    calls = []

    @stage_cache.scalar_stage(["x"])
    def stage(v, y):
        calls.append(1)
        with np.errstate(divide="ignore"):
            return np.asarray(np.divide(1.0, y))

    for y in (0.0, -0.0, float("nan"), float("nan"), 1.0, 1, True, np.asarray(1.0), np.float64(1.0)):
        stage({"x": 1.0}, y)
    # 0.0 and -0.0 apart; NaNs together; 1.0, 1, True, the 0-d array and the NumPy scalar apart
    assert len(calls) == 8
    assert stage({"x": 1.0}, 0.0) == np.inf and stage({"x": 1.0}, -0.0) == -np.inf
    with pytest.raises(ValueError, match="read-only"):
        stage({"x": 1.0}, 1.0)[...] = 2.0
    stage({"x": 2.0}, 1.0)
    assert len(calls) == 9
    for x in (0.0, -0.0, 0, False, np.float64(-0.0), [1.0], np.array([1.0, 2.0])):  # the parameters' values too
        stage({"x": x}, 1.0)
        stage({"x": x}, 1.0)
    assert len(calls) == 9 + 5 + 1 + 2  # a list keys on its items; an array of samples is never cached


def test_shared_check_scalar_and_array_agree():
    for value, ok in ((1.0, True), (0.0, False), (10.0, True), (10.5, False), (np.nan, False), (np.inf, False)):
        for x in (value, np.asarray(value), np.array([5.0, value])):
            if ok:
                assert np.all(check_range(x, "x", 0.0, 10.0, "km", lo_open=True) == np.asarray(x, float))
            else:
                with pytest.raises(ValueError, match=r"x must be in \(0, 10\] km, got"):
                    check_range(x, "x", 0.0, 10.0, "km", lo_open=True)
    assert np.isnan(check_range(np.nan, "i", 0.0, 180.0, "deg", allow_nan=True))
    assert check_range(np.inf, "r", 0.0, np.inf, "-") == np.inf
    with pytest.raises(ValueError, match=r"r must be in \[0, inf\), got inf"):
        check_range([1.0, np.inf], "r", 0.0, np.inf, "-", hi_open=True)


def test_shared_within_and_finite_scalar_and_array_agree():
    from terawatt.physics._checks import all_finite, within

    for value in (-1.0, 0.0, 0.5, 1.0, 2.0, np.nan, np.inf, -np.inf):
        for lo_open in (False, True):
            for hi_open in (False, True):
                scalar = within(np.asarray(value), 0.0, 1.0, lo_open=lo_open, hi_open=hi_open)
                array = within(np.array([value, 0.5]), 0.0, 1.0, lo_open=lo_open, hi_open=hi_open)
                assert scalar == array
        assert all_finite(np.asarray(value)) == all_finite(np.array([0.0, value])) == bool(np.isfinite(value))


def test_threads_share_the_caches_safely():
    from concurrent.futures import ThreadPoolExecutor

    scenarios = [load_scenario(None, {"orbit.altitude_km": 500.0 + 10.0 * (i % 7)}) for i in range(40)]
    with stage_cache.disabled():
        expected = [terawatt.evaluate(sc)["comparison.cost_ratio"] for sc in scenarios]
    stage_cache.cache_clear()
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda sc: terawatt.evaluate(sc)["comparison.cost_ratio"], scenarios))
    assert got == expected


def test_memory_check_reads_available_memory_only_for_large_evaluations(monkeypatch):
    from terawatt import limits

    monkeypatch.delenv("TERAWATT_MEMORY_LIMIT_GB", raising=False)
    reads = []
    original = limits.available_bytes
    monkeypatch.setattr(limits, "available_bytes", lambda: reads.append(1) or 10**6)  # 1 MB "available"
    limits.check_memory(1)  # 3 kB: below UNCHECKED_BYTES, not read
    assert reads == []
    with pytest.raises(terawatt.ScenarioError, match="at most"):
        limits.check_memory(limits.UNCHECKED_BYTES // limits.BYTES_PER_ELEMENT + 1)
    assert reads == [1]
    monkeypatch.setattr(limits, "available_bytes", original)
    monkeypatch.setenv("TERAWATT_MEMORY_LIMIT_GB", "0.000001")  # an explicit limit always applies
    with pytest.raises(terawatt.ScenarioError, match="at most"):
        limits.check_memory(1)
