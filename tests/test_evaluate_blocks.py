"""One evaluation in blocks of sample rows (terawatt.blocks) reads exactly as the unblocked pass, bit for bit."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import terawatt
from terawatt import blocks
from terawatt.blocks import BlockedOutputs, block_values, row_blocks
from terawatt.errors import ScenarioError
from terawatt.model import _sample_shape
from terawatt.outputs import Outputs
from terawatt.physics import orbit

#: A block size small enough that a few hundred samples make several blocks.
SMALL = 128


def _samples(n: int, vary_orbit: bool, seed: int = 0) -> dict[str, np.ndarray]:
    """The benchmark's sampled inputs (benchmarks/bench_evaluate.py), altitude varying or not."""
    rng = np.random.default_rng(seed)
    out = {
        "launch.price_usd_per_kg": rng.uniform(20.0, 3000.0, n),
        "solar.array_specific_power_w_per_kg": rng.uniform(60.0, 150.0, n),
        "thermal.areal_mass_kg_per_m2": rng.uniform(3.0, 10.0, n),
        "thermal.emissivity": rng.uniform(0.8, 0.92, n),
        "terrestrial.electricity_price_usd_per_mwh": rng.uniform(50.0, 150.0, n),
        "workload.utilization": rng.uniform(0.6, 0.95, n),
        "finance.discount_rate": rng.uniform(0.05, 0.12, n),
    }
    if vary_orbit:
        out["orbit.altitude_km"] = rng.uniform(500.0, 1200.0, n)
    return out


def _plan_of(scenario: terawatt.Scenario) -> orbit.EclipsePlan:
    """An eclipse plan from the bounds and distinct values of the scenario's orbit inputs (as a population run
    decides one): inside it every sample is looked up on fixed nodes, whatever its block."""

    def span(x: object) -> tuple | None:
        a = np.asarray(x, float).ravel()
        a = a[~np.isnan(a)]
        if not a.size:
            return None
        distinct = np.unique(a)
        return float(a.min()), float(a.max()), tuple(distinct.tolist()) if distinct.size <= orbit.MAX_UNIQUE else None

    v = scenario.values
    return orbit.plan_eclipses(span(v["orbit.altitude_km"]), span(v["orbit.ltan_h"]), span(v["orbit.inclination_deg"]))


def _unblocked(monkeypatch: pytest.MonkeyPatch, scenario: terawatt.Scenario) -> terawatt.Result:
    with monkeypatch.context() as m:
        m.setattr(blocks, "BLOCK_SAMPLES", 10**12)
        result = terawatt.evaluate(scenario)
    assert isinstance(result.outputs, Outputs)
    return result


def _blocked(monkeypatch: pytest.MonkeyPatch, scenario: terawatt.Scenario, size: int = SMALL) -> terawatt.Result:
    monkeypatch.setattr(blocks, "BLOCK_SAMPLES", size)
    result = terawatt.evaluate(scenario)
    assert isinstance(result.outputs, BlockedOutputs)
    return result


def _identical(a: object, b: object) -> bool:
    """Same type, dtype, shape and bytes (NaN payloads and signed zeros included)."""
    if isinstance(a, np.ndarray):
        return (
            type(b) is np.ndarray and a.dtype == b.dtype and a.shape == b.shape
            and np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()
        )
    return type(a) is type(b) and (a == b or (a != a and b != b))


def _assert_same_outputs(blocked: terawatt.Result, whole: terawatt.Result) -> None:
    assert list(blocked.keys()) == list(whole.keys()) and len(blocked.outputs) == len(whole.outputs)
    differ = [k for k in whole.keys() if not _identical(blocked[k], whole[k])]
    assert differ == []
    writable = [k for k in whole.keys() if blocked[k].flags.writeable or whole[k].flags.writeable]
    assert writable == []  # read-only, as np.broadcast_to gives every output of one pass
    assert blocked.notes == whole.notes


@pytest.mark.parametrize("vary", [False, True], ids=["orbit-fixed", "altitude-varying"])
@pytest.mark.parametrize("n", [1000, 1001, 129])
def test_every_output_is_the_unblocked_one_bit_for_bit(monkeypatch, vary, n):
    """N a multiple of nothing in particular (1001: blocks of unequal rows), fixed and varying orbit (the latter
    inside an eclipse plan, where a sample's eclipses are its own)."""
    scenario = terawatt.load_scenario("baseline-2026", _samples(n, vary))
    with orbit.use_eclipse_plan(_plan_of(scenario) if vary else None):
        whole = _unblocked(monkeypatch, scenario)
        blocked = _blocked(monkeypatch, scenario)
        assert len(blocked.outputs._blocks) == -(-n // SMALL)  # noqa: SLF001 - the blocks it was evaluated in
        _assert_same_outputs(blocked, whole)


def test_a_varying_orbit_outside_an_eclipse_plan_is_one_pass(monkeypatch):
    """There the eclipse method is chosen from the whole array (4,096 distinct orbits or fewer: computed
    directly, more: tables), so blocks could change values: the scenario is not blocked."""
    monkeypatch.setattr(blocks, "BLOCK_SAMPLES", SMALL)
    for key in blocks.ORBIT_INPUTS:
        value = {"orbit.altitude_km": 550.0, "orbit.inclination_deg": 53.0, "orbit.ltan_h": 6.0}[key]
        scenario = terawatt.load_scenario("baseline-2026", {key: np.full(2 * SMALL, value)})
        assert isinstance(terawatt.evaluate(scenario).outputs, Outputs)
        with orbit.use_eclipse_plan(_plan_of(scenario)):
            assert isinstance(terawatt.evaluate(scenario).outputs, BlockedOutputs)
    fixed = terawatt.load_scenario("baseline-2026", _samples(2 * SMALL, False))
    assert isinstance(terawatt.evaluate(fixed).outputs, BlockedOutputs)


def test_an_infeasible_mix_gives_the_same_flags_reasons_and_nans(monkeypatch):
    """Radiators too cold to reject heat and satellites too heavy to launch, scattered over the blocks."""
    n = 700
    rng = np.random.default_rng(3)
    over = _samples(n, True, seed=3)
    over["thermal.radiator_temp_k"] = np.where(rng.random(n) < 0.2, 200.0, 330.0)
    over["satellite.compute_power_w"] = np.where(rng.random(n) < 0.1, 5e7, 1e5)
    scenario = terawatt.load_scenario("baseline-2026", over)
    with orbit.use_eclipse_plan(_plan_of(scenario)):
        _infeasible_mix(monkeypatch, scenario, n)


def _infeasible_mix(monkeypatch: pytest.MonkeyPatch, scenario: terawatt.Scenario, n: int) -> None:
    whole = _unblocked(monkeypatch, scenario)
    feasible = whole["orbital.feasible"]
    assert 0 < feasible.sum() < n  # a mix, in every block
    blocked = _blocked(monkeypatch, scenario)
    reasons = blocked["orbital.infeasible_reason"]
    assert reasons.dtype == whole["orbital.infeasible_reason"].dtype and np.array_equal(
        reasons, whole["orbital.infeasible_reason"]
    )
    assert np.isnan(blocked["orbital.cost_per_gpu_hour_usd"][~feasible]).all()
    _assert_same_outputs(blocked, whole)
    assert blocked.to_json() == whole.to_json()


def test_samples_by_years_are_blocked_by_sample_rows(monkeypatch):
    """A timeline of sampled scenarios (N samples x Y years): whole rows per block."""
    base = terawatt.load_scenario("musk-2026")
    years = np.arange(2026, 2036)
    sampled = base.with_overrides(_samples(50, True, seed=5)).at_years(years)
    shape = (50, years.size)
    assert _sample_shape(sampled) == shape
    with orbit.use_eclipse_plan(_plan_of(sampled)):
        whole = _unblocked(monkeypatch, sampled)
        blocked = _blocked(monkeypatch, sampled, size=3 * years.size + 4)  # 3 rows a block, 17 blocks
        assert len(blocked.outputs._blocks) == 17  # noqa: SLF001
        assert blocked["comparison.cost_ratio"].shape == shape
        _assert_same_outputs(blocked, whole)


def test_reading_one_output_computes_only_its_groups_in_each_block(monkeypatch):
    scenario = terawatt.load_scenario("baseline-2026", _samples(600, False))
    terawatt.evaluate(None)  # the layout is learnt (the first evaluation in a process computes every group)
    whole = _unblocked(monkeypatch, scenario)
    blocked = _blocked(monkeypatch, scenario)
    ratio = blocked["comparison.cost_ratio"]
    assert _identical(ratio, whole["comparison.cost_ratio"])
    for block in blocked.outputs._blocks:  # noqa: SLF001
        computed = set(block._raw)  # noqa: SLF001
        assert "comparison.cost_ratio" in computed and "orbital.latency_ms" not in computed
    assert ratio is blocked["comparison.cost_ratio"]  # joined once


def test_an_output_the_samples_do_not_change_stays_one_broadcast_value(monkeypatch):
    """A constant output is the unblocked pass's read-only broadcast (no copy per sample), a varying one an
    array of its own."""
    scenario = terawatt.load_scenario("baseline-2026", _samples(500, False))
    whole = _unblocked(monkeypatch, scenario)
    blocked = _blocked(monkeypatch, scenario)
    constant = blocked["orbital.period_min"]
    assert constant.strides == (0,) and not constant.flags.writeable
    assert _identical(constant, whole["orbital.period_min"])
    varying = blocked["comparison.cost_ratio"]
    assert not varying.flags.writeable and np.unique(varying).size > 1


def test_mapping_behaviour_and_pickling(monkeypatch):
    scenario = terawatt.load_scenario("baseline-2026", _samples(300, False))
    whole = _unblocked(monkeypatch, scenario)
    outputs = _blocked(monkeypatch, scenario).outputs
    assert list(outputs) == list(whole.outputs) and "comparison.cost_ratio" in outputs
    assert "no.such_output" not in outputs and outputs.get("no.such_output") is None
    with pytest.raises(KeyError):
        outputs["no.such_output"]
    restored = pickle.loads(pickle.dumps(outputs))
    assert type(restored) is dict and list(restored) == list(whole.outputs)
    assert outputs._blocks is None  # noqa: SLF001 - every output read: the blocks' designs are let go
    with pytest.raises(KeyError):
        outputs["no.such_output"]
    assert all(_identical(restored[k], whole[k]) for k in restored)


def test_frames_match(monkeypatch):
    scenario = terawatt.load_scenario("baseline-2026", _samples(260, False))
    frame = _blocked(monkeypatch, scenario).to_frame()
    expected = _unblocked(monkeypatch, scenario).to_frame()
    assert list(frame.columns) == list(expected.columns)
    assert frame.equals(expected) and frame.attrs == expected.attrs


def test_a_bad_input_raises_the_unblocked_error_naming_every_bad_sample(monkeypatch):
    """Altitudes outside the dose and debris tables in some blocks (and no sun-synchronous orbit there): the
    error counts every bad sample of the whole, as the unblocked pass does, and no result is returned."""
    over = _samples(1000, True, seed=7)
    over["orbit.altitude_km"][[5, 400, 999]] = 7000.0
    scenario = terawatt.load_scenario("baseline-2026", over)
    with monkeypatch.context() as m:
        m.setattr(blocks, "BLOCK_SAMPLES", 10**12)
        with pytest.raises(ScenarioError) as unblocked:
            terawatt.evaluate(scenario)
    monkeypatch.setattr(blocks, "BLOCK_SAMPLES", SMALL)
    with orbit.use_eclipse_plan(orbit.EclipsePlan(exact=True)), pytest.raises(ScenarioError) as blocked:
        assert blocks.blockable(scenario.values) and blocks.row_blocks((1000,)) is not None
        terawatt.evaluate(scenario)
    assert str(blocked.value) == str(unblocked.value)
    assert blocked.value.errors == unblocked.value.errors
    assert len(blocked.value.errors) == 3 and "3 of 1000 samples" in str(blocked.value)


def test_scalars_and_small_arrays_are_not_blocked(monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_SAMPLES", SMALL)
    assert isinstance(terawatt.evaluate().outputs, Outputs)
    small = terawatt.load_scenario("baseline-2026", _samples(SMALL, False))
    assert isinstance(terawatt.evaluate(small).outputs, Outputs)


@pytest.mark.parametrize(
    ("shape", "limit", "expected"),
    [
        ((), 4, None),
        ((4,), 4, None),  # not more than the limit
        ((5,), 4, [(0, 2), (2, 5)]),  # the fewest blocks of at most 4, of sizes differing by one at most
        ((10,), 3, [(0, 2), (2, 5), (5, 7), (7, 10)]),
        ((1, 100), 10, None),  # one row: nothing to split
        ((6, 10), 25, [(0, 2), (2, 4), (4, 6)]),  # whole rows of 10 samples, at most 25 a block
        ((3, 100), 10, [(0, 1), (1, 2), (2, 3)]),  # a row bigger than the limit: one row a block
    ],
)
def test_row_blocks(shape, limit, expected):
    assert row_blocks(shape, limit) == expected


def test_row_blocks_cover_the_rows_once_in_equal_blocks():
    for n in (65537, 100_000, 1_000_000, 1_234_567):
        spans = row_blocks((n,), 65536)
        sizes = [stop - start for start, stop in spans]
        assert spans[0][0] == 0 and spans[-1][1] == n
        assert all(a[1] == b[0] for a, b in zip(spans[:-1], spans[1:], strict=True))
        assert max(sizes) <= 65536 and max(sizes) - min(sizes) <= 1
        assert len(spans) == -(-n // 65536)


def test_block_values_slice_only_the_sample_rows_and_keep_shared_arrays_one_object():
    rate = np.arange(10.0)
    values = {"a": rate, "b": rate, "c": np.ones(1), "d": 5.0, "e": None, "f": np.arange(3.0)}
    out = block_values(values, 10, 2, 5, 1)
    assert np.array_equal(out["a"], [2.0, 3.0, 4.0]) and out["a"] is out["b"] and out["a"].base is rate
    assert out["c"] is values["c"] and out["d"] == 5.0 and out["e"] is None and out["f"] is values["f"]
    rows = block_values({"x": np.zeros((10, 1)), "y": np.zeros(4)}, 10, 0, 3, 2)
    assert rows["x"].shape == (3, 1) and rows["y"].shape == (4,)


@pytest.mark.parametrize("joined", [0, 3])
def test_many_reads_write_every_output_block_by_block(monkeypatch, joined):
    """Past MAX_JOINED outputs read, the next read writes every output block by block (the blocks dropped as
    they are written): the same bits, a constant output still one broadcast row, the reason texts widened
    where a later block has longer ones (the first blocks here are all feasible)."""
    n = 700
    over = _samples(n, False, seed=11)
    over["thermal.radiator_temp_k"] = np.where(np.arange(n) > 600, 200.0, 330.0)
    scenario = terawatt.load_scenario("baseline-2026", over)
    whole = _unblocked(monkeypatch, scenario)
    monkeypatch.setattr(blocks, "MAX_JOINED", joined)
    blocked = _blocked(monkeypatch, scenario)
    keys = ["comparison.cost_ratio", "orbital.period_min", "orbital.latency_ms"]
    for key in keys[:joined]:
        assert _identical(blocked[key], whole[key])
    reason = blocked["orbital.infeasible_reason"]
    assert blocked.outputs._blocks is None  # noqa: SLF001 - every output written, the blocks let go
    assert reason.dtype == whole["orbital.infeasible_reason"].dtype and reason.dtype.itemsize > 4
    assert blocked["orbital.period_min"].strides == (0,)
    _assert_same_outputs(blocked, whole)
