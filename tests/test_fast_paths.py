"""The fast paths of the scalar evaluation and of the start-up never change a result (issue 9, start-up speed).

- Scalars run as NumPy ``float64`` scalars (``terawatt._arrays.as_float``), arrays as arrays: a scalar scenario and
  the same values as 1-element arrays agree for every numeric parameter (rel 1e-12).
- The physical chain is one cached stage (``terawatt.model._physical_design``): its key changes with every
  parameter it reads and not with a price; a hit equals an uncached evaluation.
- The registry schema (``terawatt.params.spec``) is plain dataclasses with their own checks.
- ``terawatt run --json`` imports neither pydantic nor pandas; Typer skips the coercion of parameters not given.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

import terawatt
from terawatt import model
from terawatt._arrays import as_float
from terawatt.design import stage_cache
from terawatt.errors import ScenarioError
from terawatt.params import Distribution, ParamSpec, load_registry
from terawatt.scenario import as_array, load_scenario

REGISTRY = load_registry()
NUMERIC = sorted(n for n, s in REGISTRY.items() if s.kind in ("float", "int"))


def _value(name: str) -> float | None:
    """A value inside the allowed range, a little off the default (so the cached stages miss)."""
    spec = REGISTRY[name]
    base = spec.default
    if base is None:
        if not spec.range:
            return None
        base = 0.5 * (spec.range[0] + spec.range[1])
    base = float(base)
    value = base * 1.01 if base else base
    lo = -np.inf if spec.min is None else spec.min
    hi = np.inf if spec.max is None else spec.max
    if not lo < value < hi or spec.kind == "int":
        value = base
    return value


def _assert_same(scalar: terawatt.Result, array: terawatt.Result, label: str) -> None:
    assert list(scalar.keys()) == list(array.keys())
    for key in scalar.keys():
        x = np.asarray(scalar[key])
        y = np.asarray(array[key]).reshape(-1)[0] if np.ndim(array[key]) else np.asarray(array[key])
        if x.dtype.kind in "fc":
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=0.0, equal_nan=True, err_msg=f"{label}: {key}")
        else:
            assert np.array_equal(x, y), f"{label}: {key}"


@pytest.mark.parametrize("name", NUMERIC)
def test_scalar_equals_one_element_array_for_every_numeric_parameter(name):
    value = _value(name)
    if value is None:
        pytest.skip(f"{name} has no default and no literature range")
    try:
        scalar = terawatt.evaluate(load_scenario("suncatcher", {name: value}))
    except ScenarioError as exc:
        with pytest.raises(ScenarioError) as again:
            terawatt.evaluate(load_scenario("suncatcher", {name: np.array([value])}))
        assert [e.field for e in again.value.errors] == [e.field for e in exc.errors]
        return
    array = terawatt.evaluate(load_scenario("suncatcher", {name: np.array([value])}))
    _assert_same(scalar, array, name)


@pytest.mark.parametrize("source", ["baseline-2026", "skeptic", "musk-2026"])
def test_scalar_equals_one_element_array_for_shipped_scenarios(source):
    scalar = terawatt.evaluate(source)
    array = terawatt.evaluate(load_scenario(source, {"thermal.emissivity": np.array(
        [scalar.scenario["thermal.emissivity"]], float)}))
    _assert_same(scalar, array, source)


def test_as_float_gives_scalars_for_scalars_and_arrays_for_arrays():
    for x in (1, 1.5, True, np.float64(2.0)):
        assert type(as_float(x)) is np.float64 and as_float(x) == float(x)
    zero_d = np.asarray(3.0)
    assert as_float(zero_d) is zero_d  # a 0-d array stays what it is (no copy)
    ints = np.array([1, 2])
    assert as_float(ints).dtype == float and np.array_equal(as_float(ints), [1.0, 2.0])
    assert np.isnan(as_array(None)) and type(as_array(None)) is np.float64
    # the same arithmetic as on 0-d arrays, bit for bit
    a, b = np.float64(0.1), np.float64(3.0)
    assert (a * b) / np.expm1(a) == (np.asarray(0.1) * np.asarray(3.0)) / np.expm1(np.asarray(0.1))


PHYSICAL = model._physical_design


def test_physical_stage_key_changes_with_each_parameter_it_reads_and_not_with_prices_or_links():
    base = load_scenario(None)
    stage_cache.cache_clear()
    terawatt.evaluate(base)
    size = PHYSICAL.cache_size()
    for price in ("launch.price_usd_per_kg", "terrestrial.electricity_price_usd_per_mwh", "finance.discount_rate",
                  "satellite.bus_cost_usd_per_kg", "orbital_ops.nre_usd", "links.processing_ms"):
        assert price not in PHYSICAL.keys, price
        terawatt.evaluate(base.with_overrides({price: (base[price] or 100.0) * 1.1}))
    assert PHYSICAL.cache_size() == size  # prices (and the links, sized on first use) reuse the physical design
    changed = 0
    for name in ("thermal.emissivity", "solar.cell_efficiency", "orbit.altitude_km", "workload.utilization",
                 "terrestrial.pue", "radiation.shielding_mm_al", "workload.checkpoint_cost_h"):
        assert name in PHYSICAL.keys, name
        scenario = base.with_overrides({name: base[name] * 1.01})
        cached = terawatt.evaluate(scenario)
        with stage_cache.disabled():
            plain = terawatt.evaluate(scenario)
        _assert_same(cached, plain, name)
        changed += 1
        assert PHYSICAL.cache_size() == size + changed, name


def test_physical_stage_hit_returns_the_same_frozen_design():
    scenario = load_scenario(None)
    a = PHYSICAL(scenario.values)
    b = PHYSICAL(scenario.values)
    assert a is b
    with pytest.raises(TypeError):
        a["sat"] = None  # read-only mapping


def test_waits_are_computed_on_first_use_and_agree_with_arrays():
    scalar = terawatt.evaluate(None)
    array = terawatt.evaluate(load_scenario(None, {"thermal.emissivity": np.array([
        scalar.scenario["thermal.emissivity"]] * 2, float)}))
    for key in ("orbital.wait_cost_usd", "terrestrial.wait_cost_usd", "orbital.cost_per_gpu_hour_with_wait_usd",
                "comparison.cost_ratio_with_wait", "terrestrial.time_to_power_yr"):
        assert scalar[key] == pytest.approx(float(np.asarray(array[key]).flat[0]), rel=1e-12), key


# ------------------------------------------------------------------------------------------- registry schema
def test_registry_schema_checks_entries():
    ok = {"description": "d", "source": "s", "default": 1}
    assert ParamSpec.from_raw("a.b", ok).min is None
    spec = ParamSpec.from_raw("a.b", {**ok, "min": 0, "range": [1, 2], "distribution": {"kind": "uniform",
                                                                                        "low": 1, "high": 2}})
    assert spec.min == 0.0 and type(spec.min) is float and spec.range == [1.0, 2.0]
    assert spec.distribution == Distribution(kind="uniform", low=1.0, high=2.0)
    assert spec.model_dump()["distribution"] == {"kind": "uniform", "low": 1.0, "high": 2.0, "mode": None,
                                                 "mean": None, "sd": None}
    assert spec.distribution.model_dump(exclude_none=True) == {"kind": "uniform", "low": 1.0, "high": 2.0}
    bad = [
        ({**ok, "colour": "red"}, "unknown field"),
        ({"description": "d", "default": 1}, "missing field"),
        ({**ok, "kind": "complex"}, "kind must be one of"),
        ({**ok, "min": "low"}, "min must be a number"),
        ({**ok, "nullable": "yes"}, "nullable must be true or false"),
        ({**ok, "range": [1.0]}, "range must be a list of 2"),
        ({**ok, "choices": "a"}, "choices must be a list"),
        ({**ok, "distribution": {"kind": "cauchy"}}, "distribution kind must be one of"),
        ({**ok, "distribution": {"kind": "uniform", "width": 1}}, "unknown distribution field"),
        ({**ok, "distribution": {"low": 1}}, "needs a kind"),
        ({**ok, "default": None}, "default is empty but the parameter is not nullable"),
        ("text", "must be a mapping"),
    ]
    for raw, message in bad:
        with pytest.raises(ValueError, match=message):
            ParamSpec.from_raw("a.b", raw)


# ------------------------------------------------------------------------------------------------- start-up
def _probe(argv: list[str]) -> tuple[dict, str]:
    code = (
        "import json, runpy, sys\n"
        f"sys.argv = ['terawatt', *{argv!r}]\n"
        "try:\n    runpy.run_module('terawatt.cli', run_name='__main__')\n"
        "except SystemExit as exc:\n    code = exc.code\nelse:\n    code = 0\n"
        "sys.stderr.write(json.dumps({'code': code, 'modules': [m for m in ('pydantic', 'pandas', 'scipy', 'rich')"
        " if m in sys.modules]}))\n"
    )
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    return json.loads(done.stderr.strip().splitlines()[-1]), done.stdout


def test_run_json_imports_no_pydantic_pandas_or_scipy():
    info, out = _probe(["run", "--json"])
    assert info["code"] in (0, None)
    assert info["modules"] == []
    assert json.loads(out)["comparison"]["cost_ratio"] == pytest.approx(
        terawatt.evaluate(None)["comparison.cost_ratio"], rel=1e-12)


def test_options_not_given_keep_their_meaning():
    from terawatt.cli import app

    runner = CliRunner()
    # given values are still coerced (and checked) by Typer
    bad = runner.invoke(app, ["run", "--year", "soon"])
    assert bad.exit_code == 2 and "--year" in bad.output and "integer" in bad.output
    # a repeatable option not given is empty, an argument not given is the default
    plain = runner.invoke(app, ["run", "--json"])
    given = runner.invoke(app, ["run", "--json", "--set", "launch.price_usd_per_kg=200", "--year", "2030"])
    assert plain.exit_code == 0 and given.exit_code == 0
    assert json.loads(plain.output) != json.loads(given.output)
    missing = runner.invoke(app, ["params", "--json"])
    assert missing.exit_code == 0


# ---------------------------------------------------------------------------------------- parsed-file cache
def test_scenario_file_cache_follows_the_file_and_hands_out_copies(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("launch:\n  price_usd_per_kg: 100\n")
    assert load_scenario(path)["launch.price_usd_per_kg"] == 100
    path.write_text("launch:\n  price_usd_per_kg: 200\n")  # same size, written at once: the text is the key
    assert load_scenario(path)["launch.price_usd_per_kg"] == 200
    from terawatt.scenario import _read_yaml

    first = _read_yaml(path, str(path))
    first["launch"]["price_usd_per_kg"] = -1  # a caller taking the mapping apart does not change the cache
    assert _read_yaml(path, str(path)) == {"launch": {"price_usd_per_kg": 200}}
    path.write_text("launch: [1\n")
    with pytest.raises(ScenarioError, match="malformed YAML"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="malformed YAML"):  # errors are not cached away either
        load_scenario(path)


def test_sample_sizes_of_scalar_and_sampled_scenarios():
    assert load_scenario(None).sample_sizes == ()
    sampled = load_scenario(None, {"launch.price_usd_per_kg": np.array([1.0, 2.0, 3.0]), "thermal.emissivity": 0.9})
    assert sampled.sample_sizes == (3,)
    assert np.shape(terawatt.evaluate(sampled)["comparison.cost_ratio"]) == (3,)
