"""Outputs computed on first use (terawatt.outputs.Outputs) behave as a dict of every output."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import terawatt
from terawatt.outputs import KEYS, Outputs


def _same(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray):
        return type(b) is np.ndarray and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    return type(a) is type(b) and (a == b or (a != a and b != b))


@pytest.mark.parametrize("first", ["comparison.cost_ratio", "orbital.cost_per_gpu_hour_usd", "orbital.latency_ms"])
@pytest.mark.parametrize("overrides", [{}, {"satellite.mass_kg": 1e6}, {"thermal.radiator_temp_k": 200.0}])
def test_reading_one_output_first_changes_nothing(first: str, overrides: dict) -> None:
    """Whatever is read first (feasible or infeasible design), every output equals that of a full read."""
    everything = dict(terawatt.evaluate(**{k.replace(".", "__"): v for k, v in overrides.items()}).outputs)
    result = terawatt.evaluate(**{k.replace(".", "__"): v for k, v in overrides.items()})
    assert _same(result[first], everything[first])
    assert list(result.keys()) == list(everything)
    assert all(_same(result[k], everything[k]) for k in everything)


def test_mapping_behaviour() -> None:
    result = terawatt.evaluate()
    outputs = result.outputs
    assert isinstance(outputs, Outputs)
    assert len(outputs) == len(KEYS) == len(list(outputs)) > 100
    assert "comparison.cost_ratio" in outputs and "no.such_output" not in outputs
    assert outputs.get("no.such_output") is None
    with pytest.raises(KeyError):
        outputs["no.such_output"]
    assert outputs == dict(outputs)
    restored = pickle.loads(pickle.dumps(outputs))
    assert type(restored) is dict and list(restored) == list(outputs)


def test_a_scalar_read_computes_only_its_groups() -> None:
    result = terawatt.evaluate(launch__price_usd_per_kg=123.0)
    result["comparison.cost_ratio"]
    computed = set(result.outputs._raw)  # noqa: SLF001 (what has been computed so far)
    assert "comparison.cost_ratio" in computed and "orbital.latency_ms" not in computed
    assert len(computed) < len(KEYS) / 2


def test_the_break_even_price_alone_computes_no_wait_costs() -> None:
    """A Monte Carlo reads the break-even launch price with its main outputs: that read computes neither side's
    cost with the wait for capacity nor the solar energy ratio, which are in a group of their own."""
    result = terawatt.evaluate(launch__price_usd_per_kg=np.array([100.0, 500.0, 2000.0]))
    price = result["comparison.breakeven_launch_price_usd_per_kg"]
    computed = set(result.outputs._raw)  # noqa: SLF001 (what has been computed so far)
    assert not computed & {"comparison.cost_ratio_with_wait", "orbital.cost_per_gpu_hour_with_wait_usd",
                           "comparison.solar_energy_ratio"}
    assert _same(price, dict(terawatt.evaluate(launch__price_usd_per_kg=np.array([100.0, 500.0, 2000.0])).outputs)[
        "comparison.breakeven_launch_price_usd_per_kg"])


def test_sample_arrays_are_computed_on_first_use_and_broadcast_to_the_samples() -> None:
    terawatt.evaluate(None)["comparison.cost_ratio"]  # the layout is learnt (the first evaluation computes all)
    result = terawatt.evaluate(launch__price_usd_per_kg=np.array([20.0, 500.0, 3000.0]))
    assert "orbital.latency_ms" not in result.outputs._raw  # noqa: SLF001 - nobody asked for it yet
    assert np.shape(result["comparison.cost_ratio"]) == (3,)
    assert "orbital.latency_ms" not in result.outputs._raw  # noqa: SLF001
    # an output the sampled parameter does not change still has one value per sample
    assert np.shape(result["orbital.latency_ms"]) == (3,)
    assert set(dict(result.outputs)) == set(KEYS)


def test_lazy_groups_of_an_infeasible_design_do_not_warn():
    """A group computed on first use runs in evaluate's floating-point context: an infeasible design (goodput 0,
    costs inf/NaN by design) reads without RuntimeWarnings, as it did when every output was computed eagerly."""
    import warnings

    r = terawatt.evaluate(
        None,
        workload__kind="training",
        workload__restart_cost_h=100,
        workload__interruptions_per_accelerator_yr=100,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        values = dict(r.outputs)
    assert not values["orbital.feasible"]
    assert "goodput 0" in values["orbital.infeasible_reason"]
