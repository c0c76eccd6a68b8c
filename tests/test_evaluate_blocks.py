"""One evaluation in blocks of sample rows (terawatt.blocks) reads exactly as the unblocked pass, bit for bit."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import terawatt
from terawatt import blocks, model
from terawatt._arrays import resolve
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
        m.setattr(blocks, "BLOCK_ABOVE", 10**12)
        result = terawatt.evaluate(scenario)
    assert isinstance(result.outputs, Outputs)
    return result


def _blocked(monkeypatch: pytest.MonkeyPatch, scenario: terawatt.Scenario, size: int = SMALL) -> terawatt.Result:
    monkeypatch.setattr(blocks, "BLOCK_SAMPLES", size)
    monkeypatch.setattr(blocks, "BLOCK_ABOVE", size)
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


@pytest.mark.parametrize("vary", ["fixed", "varying", "varying-in-plan"])
@pytest.mark.parametrize("n", [1000, 1001, 129])
def test_every_output_is_the_unblocked_one_bit_for_bit(monkeypatch, vary, n):
    """N a multiple of nothing in particular (1001: blocks of unequal rows); the orbit fixed, the altitude varying
    (the eclipse method and nodes chosen once from the whole array), and varying inside an eclipse plan."""
    scenario = terawatt.load_scenario("baseline-2026", _samples(n, vary != "fixed"))
    with orbit.use_eclipse_plan(_plan_of(scenario) if vary == "varying-in-plan" else None):
        whole = _unblocked(monkeypatch, scenario)
        blocked = _blocked(monkeypatch, scenario)
        assert len(blocked.outputs._spans) == -(-n // SMALL)  # noqa: SLF001 - the blocks it was evaluated in
        _assert_same_outputs(blocked, whole)


def _orbits(kind: str, n: int, rng: np.random.Generator) -> dict[str, np.ndarray | float]:
    """Orbit inputs of ``n`` samples: each kind takes another branch of the eclipse statistics' choice."""
    alt = rng.uniform(500.0, 1200.0, n)
    if kind == "altitude":  # many distinct altitudes: tables, the altitude axis gridded
        return {"orbit.altitude_km": alt}
    if kind == "inclination-ltan":  # inclined and (given the inclination) sun-synchronous orbits: two tables
        sso = orbit.sso_inclination_deg(alt)
        return {"orbit.altitude_km": alt, "orbit.ltan_h": rng.uniform(0.0, 24.0, n),
                "orbit.inclination_deg": np.where(rng.random(n) < 0.5, sso, rng.uniform(40.0, 60.0, n))}
    if kind == "few":  # at most 4,096 distinct orbits: computed directly
        return {"orbit.altitude_km": rng.choice([550.0, 600.0, 800.0], n),
                "orbit.inclination_deg": rng.choice([97.6, 53.0], n), "orbit.ltan_h": rng.choice([6.0, 10.0], n)}
    if kind == "discrete-altitudes":  # few altitudes but many orbits (LTAN varying): discrete axis, not gridded
        return {"orbit.altitude_km": rng.choice(np.arange(500.0, 1200.0, 50.0), n), "orbit.ltan_h":
                rng.uniform(0.0, 24.0, n)}
    assert kind == "inclination"  # the altitude fixed, the inclination varying
    return {"orbit.inclination_deg": rng.uniform(30.0, 70.0, n)}


@pytest.mark.parametrize("kind", ["altitude", "inclination-ltan", "few", "discrete-altitudes", "inclination"])
def test_a_varying_orbit_is_blocked_outside_a_plan_with_the_one_pass_bits(monkeypatch, kind):
    """5,000 samples in blocks of 1,024: a block alone would choose other eclipse nodes (or the direct method,
    holding fewer than 4,096 distinct orbits) than the whole array; the choice of the whole is applied."""
    n = 5000
    rng = np.random.default_rng(17)
    over = {**_samples(n, False, seed=17), **_orbits(kind, n, rng)}
    scenario = terawatt.load_scenario("baseline-2026", over)
    whole = _unblocked(monkeypatch, scenario)
    blocked = _blocked(monkeypatch, scenario, size=1024)
    keys = ["comparison.cost_ratio", "orbital.sunlit_fraction", "orbital.eclipse_days_per_yr",
            "orbital.max_eclipse_min", "orbital.battery_mass_kg", "orbital.tid_margin"]
    assert [k for k in keys if not _identical(blocked[k], whole[k])] == []
    _assert_same_outputs(blocked, whole)


@pytest.mark.parametrize("kind", ["altitude", "inclination-ltan", "few", "discrete-altitudes", "inclination"])
def test_the_eclipse_choice_of_a_whole_array_gives_its_parts_the_whole_bits(kind):
    """orbit.eclipse_choice of the whole, applied to its parts, gives each part the whole's statistics (and a
    part's own choice does not, for the table kinds: the test can fail)."""
    n = 6000
    over = _orbits(kind, n, np.random.default_rng(5))
    args = [np.broadcast_to(over.get(k, d), (n,)) for k, d in
            (("orbit.altitude_km", 550.0), ("orbit.inclination_deg", np.nan), ("orbit.ltan_h", 6.0))]
    if kind == "inclination":
        args[0] = 550.0
    whole = orbit.eclipse_stats_fast(*args, days_on_read=True)
    choice = orbit.eclipse_choice(*args)
    assert (choice.direct is not None) == (kind == "few")
    fields = ("sunlit_fraction", "eclipse_days_per_yr", "max_eclipse_min")
    own_differs = False
    for start in range(0, n, 1700):
        part = [a[start:start + 1700] if np.ndim(a) else a for a in args]
        with orbit.use_eclipse_choice(choice):
            stats = orbit.eclipse_stats_fast(*part, days_on_read=True)
            got = [np.asarray(resolve(getattr(stats, f))) for f in fields]
        own = orbit.eclipse_stats_fast(*part)
        for f, value in zip(fields, got, strict=True):
            expected = np.asarray(resolve(getattr(whole, f)))[start:start + 1700]
            assert value.tobytes() == expected.tobytes(), f
            own_differs |= np.asarray(getattr(own, f)).tobytes() != expected.tobytes()
    assert own_differs == (kind != "few")


def test_an_infeasible_mix_gives_the_same_flags_reasons_and_nans(monkeypatch):
    """Radiators too cold to reject heat and satellites too heavy to launch, scattered over the blocks."""
    n = 700
    rng = np.random.default_rng(3)
    over = _samples(n, True, seed=3)
    over["thermal.radiator_temp_k"] = np.where(rng.random(n) < 0.2, 200.0, 330.0)
    over["satellite.compute_power_w"] = np.where(rng.random(n) < 0.1, 5e7, 1e5)
    scenario = terawatt.load_scenario("baseline-2026", over)
    _infeasible_mix(monkeypatch, scenario, n)
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
    for plan in (None, _plan_of(sampled)):
        with orbit.use_eclipse_plan(plan):
            whole = _unblocked(monkeypatch, sampled)
            blocked = _blocked(monkeypatch, sampled, size=3 * years.size + 4)  # 3 rows a block, 17 blocks
            assert len(blocked.outputs._spans) == 17  # noqa: SLF001
            assert blocked["comparison.cost_ratio"].shape == shape
            _assert_same_outputs(blocked, whole)


class _Counted:
    """Counts the evaluations of blocks (terawatt.model._evaluate calls) while the test runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = model._evaluate

        def counted(*args: object) -> terawatt.Result:
            self.calls += 1
            return real(*args)

        monkeypatch.setattr(model, "_evaluate", counted)


def test_evaluate_runs_one_pass_for_the_cost_ratio_and_keeps_no_block(monkeypatch):
    """evaluate computes the cost ratio (and the costs per GPU-hour it reads) block by block; reading them costs
    no evaluation, reading another output one pass (its group kept whole), and nothing else is computed."""
    scenario = terawatt.load_scenario("baseline-2026", _samples(600, False))
    terawatt.evaluate(None)  # the layout is learnt (the first evaluation in a process computes every group)
    whole = _unblocked(monkeypatch, scenario)
    count = _Counted(monkeypatch)
    blocked = _blocked(monkeypatch, scenario)
    blocks = -(-600 // SMALL)
    outputs = blocked.outputs
    assert count.calls == blocks
    assert set(outputs._values) == {  # noqa: SLF001 - the outputs computed so far
        "comparison.cost_ratio", "orbital.cost_per_gpu_hour_usd", "terrestrial.cost_per_gpu_hour_usd"}
    ratio = blocked["comparison.cost_ratio"]
    assert _identical(ratio, whole["comparison.cost_ratio"]) and ratio is blocked["comparison.cost_ratio"]
    assert _identical(blocked["orbital.cost_per_gpu_hour_usd"], whole["orbital.cost_per_gpu_hour_usd"])
    assert count.calls == blocks
    assert _identical(blocked["orbital.satellite_mass_kg"], whole["orbital.satellite_mass_kg"])
    assert count.calls == 2 * blocks  # one more pass
    assert "orbital.radiator_area_m2" in outputs._values and "orbital.latency_ms" not in outputs._values  # noqa: SLF001
    assert _identical(blocked["orbital.radiator_area_m2"], whole["orbital.radiator_area_m2"])  # same group
    assert count.calls == 2 * blocks


def test_a_bulk_read_computes_every_output_left_in_one_pass(monkeypatch):
    scenario = terawatt.load_scenario("baseline-2026", _samples(500, False))
    whole = _unblocked(monkeypatch, scenario)
    count = _Counted(monkeypatch)
    blocked = _blocked(monkeypatch, scenario)
    every = dict(blocked.outputs)
    assert count.calls == 2 * -(-500 // SMALL)
    assert all(_identical(every[k], whole[k]) for k in whole.keys())


def test_past_max_passes_a_read_computes_every_output_left(monkeypatch):
    scenario = terawatt.load_scenario("baseline-2026", _samples(300, False))
    whole = _unblocked(monkeypatch, scenario)
    monkeypatch.setattr(blocks, "MAX_PASSES", 2)
    count = _Counted(monkeypatch)
    outputs = _blocked(monkeypatch, scenario).outputs
    per_pass = -(-300 // SMALL)
    assert _identical(outputs["orbital.latency_ms"], whole["orbital.latency_ms"])  # pass 2: one group
    assert "orbital.satellite_mass_kg" not in outputs._values  # noqa: SLF001
    assert _identical(outputs["orbital.satellite_mass_kg"], whole["orbital.satellite_mass_kg"])  # pass 3: the rest
    assert set(outputs._values) == set(whole.keys()) and count.calls == 3 * per_pass  # noqa: SLF001
    assert all(_identical(outputs[k], whole[k]) for k in whole.keys()) and count.calls == 3 * per_pass


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
        m.setattr(blocks, "BLOCK_ABOVE", 10**12)
        with pytest.raises(ScenarioError) as unblocked:
            terawatt.evaluate(scenario)
    monkeypatch.setattr(blocks, "BLOCK_SAMPLES", SMALL)
    monkeypatch.setattr(blocks, "BLOCK_ABOVE", SMALL)
    assert blocks.row_blocks((1000,)) is not None
    for plan in (None, orbit.EclipsePlan(exact=True)):
        with orbit.use_eclipse_plan(plan), pytest.raises(ScenarioError) as blocked:
            terawatt.evaluate(scenario)
        assert str(blocked.value) == str(unblocked.value)
        assert blocked.value.errors == unblocked.value.errors
    assert len(blocked.value.errors) == 3 and "3 of 1000 samples" in str(blocked.value)


def test_scalars_and_small_arrays_are_not_blocked(monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_SAMPLES", SMALL)
    monkeypatch.setattr(blocks, "BLOCK_ABOVE", SMALL)
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
    assert row_blocks(shape, limit, above=limit) == expected


def test_only_scenarios_above_block_above_are_blocked():
    assert row_blocks((blocks.BLOCK_ABOVE,)) is None and row_blocks((10_000, 25)) is None
    assert len(row_blocks((blocks.BLOCK_ABOVE + 1,))) == 9 and len(row_blocks((1_000_000,))) == 16
    assert row_blocks((1000,), 100, above=2000) is None and len(row_blocks((1000,), 100, above=999)) == 10


def test_row_blocks_cover_the_rows_once_in_equal_blocks():
    for n in (65537, 100_000, 1_000_000, 1_234_567):
        spans = row_blocks((n,), 65536, above=65536)
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


@pytest.mark.parametrize("first", ["comparison.cost_ratio", "orbital.period_min"])
def test_every_output_written_block_by_block_widens_the_reason_texts(monkeypatch, first):
    """The first blocks are all feasible (short reason texts), the last ones not: the reasons are widened where a
    later block has longer ones; a constant output is still one broadcast row."""
    n = 700
    over = _samples(n, False, seed=11)
    over["thermal.radiator_temp_k"] = np.where(np.arange(n) > 600, 200.0, 330.0)
    scenario = terawatt.load_scenario("baseline-2026", over)
    whole = _unblocked(monkeypatch, scenario)
    blocked = _blocked(monkeypatch, scenario)
    assert _identical(blocked[first], whole[first])
    reason = blocked["orbital.infeasible_reason"]
    assert reason.dtype == whole["orbital.infeasible_reason"].dtype and reason.dtype.itemsize > 4
    assert blocked["orbital.period_min"].strides == (0,)
    _assert_same_outputs(blocked, whole)


def test_one_pass_of_a_million_samples_is_the_unblocked_one_bit_for_bit():
    """The benchmark's size with the default blocks (16 of 62,500 samples): the cost ratio and the eclipse outputs,
    orbit fixed and altitude varying (outside a plan: the tables' nodes chosen from the whole million)."""
    n = 1_000_000
    assert blocks.row_blocks((n,)) is not None and len(blocks.row_blocks((n,))) == 16
    keys = ("comparison.cost_ratio", "orbital.sunlit_fraction", "orbital.max_eclipse_min")
    for vary in (False, True):
        scenario = terawatt.load_scenario("baseline-2026", _samples(n, vary, seed=23))
        blocked = terawatt.evaluate(scenario)
        assert isinstance(blocked.outputs, BlockedOutputs)
        got = [blocked[k] for k in keys]
        del blocked
        with pytest.MonkeyPatch.context() as m:
            m.setattr(blocks, "BLOCK_ABOVE", 10**12)
            whole = terawatt.evaluate(scenario)
            assert isinstance(whole.outputs, Outputs)
            assert [k for k, value in zip(keys, got, strict=True) if not _identical(value, whole[k])] == []
