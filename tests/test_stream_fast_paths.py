"""The fast paths of a streamed Monte Carlo run outside the model (issue 10, performance) never change a result,
bitwise.

- ``Scenario.at_year`` keeps the evaluated trajectories of the last few (trajectories, scalar base values, year):
  the kept values equal the trajectories evaluated anew (``at_years`` of that one year), for scalar and sampled
  scenarios, a changed base value or year is not served the kept values of another, a base value given as
  samples is evaluated every time, and a bad year is still refused every time (a failed evaluation is not kept).
- A chunk over years takes the year columns of a numeric output from one tiled transpose
  (``latin_hypercube.transposed``) instead of a copy of each strided column: the same bits, contiguous columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from terawatt import scenario as scenario_module
from terawatt.errors import ScenarioError
from terawatt.scenario import Scenario, load_scenario
from tests.bitwise import bits


def _at_year_anew(sc: Scenario, year: float) -> dict[str, Any]:
    """The values of ``sc`` in ``year`` as ``at_year`` computed them before it kept any: ``at_years([year])``,
    one column of each trajectory."""
    multi = sc.at_years([year])
    values = dict(sc.values)
    for name in sc.trajectories:
        series = multi.values[name]
        values[name] = None if series is None else (series[:, 0] if series.ndim == 2 else float(series[0]))
    return values


def _assert_same_values(got: Scenario, expected: dict[str, Any]) -> None:
    assert got.values.keys() == expected.keys()
    for key, value in expected.items():
        assert type(got.values[key]) is type(value), key
        assert bits(got.values[key]) == bits(value), key
    assert got.trajectories == {}


@pytest.fixture(autouse=True)
def _no_kept_years(monkeypatch):
    monkeypatch.setattr(scenario_module, "_YEAR_VALUES", [])


@pytest.mark.parametrize("name", ["musk-2026", "suncatcher", "baseline-2026"])
@pytest.mark.parametrize("year", [2026, 2030, 2044.0])
def test_kept_year_values_equal_the_trajectories_evaluated_anew(name, year):
    sc = load_scenario(name)
    first, again = sc.at_year(year), sc.at_year(year)  # the second is served the kept values
    for got in (first, again):
        _assert_same_values(got, _at_year_anew(sc, year))
    assert len(scenario_module._YEAR_VALUES) == 1  # one entry, evaluated once


def test_sampled_scenarios_share_the_kept_year_values_of_their_scalar_trajectories():
    base = load_scenario("musk-2026")
    rng = np.random.default_rng(7)
    for _ in range(3):  # one Monte Carlo chunk after the other: new samples, the same trajectories
        sc = base.with_overrides({"solar.cell_efficiency": rng.uniform(0.2, 0.3, 500),
                                  "launch.flights_per_yr": rng.uniform(5000, 10000, 500)})
        _assert_same_values(sc.at_year(2030), _at_year_anew(sc, 2030))
    assert len(scenario_module._YEAR_VALUES) == 1


def test_a_changed_base_value_or_year_is_not_served_another_ones_kept_values():
    # the rate trajectory of the facility capex has no value of its own: it starts from the scenario's value
    key = "terrestrial.facility_capex_usd_per_w"
    base = load_scenario("musk-2026")
    seen = {}
    for value in (9.0, 12, 12.0, 0.0, -0.0, 9.0):  # kept entries keyed on type and exact value (0.0 != -0.0)
        sc = base.with_overrides({key: value}, keep_trajectories=True)
        for year in (2031, 2032):
            got = sc.at_year(year)
            _assert_same_values(got, _at_year_anew(sc, year))
            seen[(repr(value), year)] = got.values[key]
    assert np.signbit(seen[("-0.0", 2031)]) and not np.signbit(seen[("0.0", 2031)])
    assert seen[("9.0", 2031)] != seen[("12.0", 2031)] and seen[("9.0", 2031)] != seen[("9.0", 2032)]


def test_a_base_value_given_as_samples_is_evaluated_every_time():
    sc = load_scenario("musk-2026").with_overrides(
        {"terrestrial.facility_capex_usd_per_w": np.linspace(8.0, 14.0, 64)}, keep_trajectories=True)
    got = sc.at_year(2033)
    assert got.values["terrestrial.facility_capex_usd_per_w"].shape == (64,)
    _assert_same_values(got, _at_year_anew(sc, 2033))
    assert scenario_module._YEAR_VALUES == []


def test_a_bad_year_is_refused_every_time():
    sc = load_scenario("musk-2026")
    sc.at_year(2030)
    for _ in range(2):
        with pytest.raises(ScenarioError, match="year"):
            sc.at_year(1900)


@pytest.mark.parametrize("shape", [(1000, 20), (1024, 3), (3000, 7)])
@pytest.mark.parametrize("broadcast", [None, "samples", "years"])
def test_tiled_transpose_equals_the_transposed_copy(shape, broadcast):
    from terawatt.studies.latin_hypercube import transposed

    m, y = shape
    rng = np.random.default_rng(m + y)
    value = {None: rng.random(shape), "samples": np.broadcast_to(rng.random(y), shape),
             "years": np.broadcast_to(rng.random((m, 1)), shape)}[broadcast]
    got = transposed(value)
    assert got.flags.c_contiguous and bits(got) == bits(np.ascontiguousarray(value.T))


def test_year_columns_from_one_transpose_equal_each_year_copied(monkeypatch):
    """A chunk over years: each numeric output's year columns (rows of one tiled transpose) are the bits of each
    strided column copied, as before; text outputs keep their copies."""
    from terawatt.studies import population
    from terawatt.studies.uncertainty import SampleDesign, model_uncertainty_space

    sc = load_scenario("musk-2026")
    space = model_uncertainty_space(sc)
    outputs = ("comparison.cost_ratio", "orbital.cost_per_gpu_hour_usd", "orbital.satellite_mass_kg",
               "terrestrial.cost_per_gpu_hour_usd", "orbital.infeasible_reason")
    task = population.Task(sc, SampleDesign(space, 3000, 5, "lhs"), outputs, None, (2026, 2031, 2040),
                           tuple(space.scaled), 0, 0, 3000)
    fast = population.evaluate_chunk(task)
    tiled = []
    monkeypatch.setattr(population, "transposed", lambda a: tiled.append(a.dtype) or np.stack(
        [a[:, j].copy() for j in range(a.shape[1])]))
    general = population.evaluate_chunk(task)
    assert len(tiled) == 4  # the numeric outputs (the reason is text)
    assert fast.keys() == general.keys()
    for key in general:
        if general[key].dtype.kind == "O":
            assert list(fast[key]) == list(general[key]), key
        else:
            assert fast[key].flags.c_contiguous and bits(fast[key]) == bits(general[key]), key


def _arrow_column_reference(col):
    """What reading a column gave before: ``to_numpy`` (text as objects)."""
    values = col.to_numpy()
    return values.astype(object) if values.dtype.kind in "UO" else values


@pytest.mark.parametrize("sliced", [False, True])
def test_columns_read_from_the_arrow_buffers_equal_to_numpy(tmp_path, sliced):
    """Reading a chunk file's columns from the Arrow buffers gives what ``to_numpy`` gives: numbers (dtype, bits,
    read-only), booleans and text (empty, ASCII, non-ASCII), for whole and sliced (offset) arrays, and leaves
    columns with nulls or several chunks to ``to_numpy``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from terawatt.studies import population

    rng = np.random.default_rng(3)
    m = 1000
    text = np.array([""] * m, dtype=object)
    text[rng.choice(m, 40, replace=False)] = ["mass over the budget: 12 t", "radiator ≥ 3,000 m² (Ω)"] * 20
    table = pa.table({"f8": rng.normal(size=m), "f4": rng.normal(size=m).astype(np.float32),
                      "i8": rng.integers(-10**12, 10**12, m), "i4": rng.integers(-5, 5, m).astype(np.int32),
                      "u2": rng.integers(0, 60000, m).astype(np.uint16), "b": rng.random(m) < 0.3,
                      "s": pa.array(list(text), pa.string()), "none": pa.array([""] * m, pa.string()),
                      "nulls": pa.array([1.0, None] * (m // 2)),
                      "chunks": pa.chunked_array([np.arange(3.0), np.arange(m - 3.0)])})
    path = tmp_path / "chunk.parquet"
    pq.write_table(table, path)
    read = pq.ParquetFile(path).read()
    if sliced:
        read = read.slice(37, 500)
    for name in read.column_names:
        got, expected = population._column(read.column(name)), _arrow_column_reference(read.column(name))
        assert got.dtype == expected.dtype and got.shape == expected.shape, name
        if got.dtype.kind == "O":
            assert got.tolist() == expected.tolist() and all(type(v) is str for v in got), name
        else:
            assert bits(got) == bits(expected), name
        if got.dtype.kind in "fiu" and name not in ("nulls", "chunks"):
            assert not got.flags.writeable, name


def test_reading_a_chunk_file_imports_no_pandas(tmp_path):
    import subprocess
    import sys

    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "chunk.parquet"
    pq.write_table(pa.table({"x": np.arange(5.0), "n": np.arange(5), "s": ["", "a", "", "é", ""]}), path)
    code = ("import sys; from terawatt.studies.population import read_chunk_file; c = read_chunk_file(sys.argv[1]); "
            "assert c['s'].tolist() == ['', 'a', '', 'é', ''] and c['x'].sum() == 10; print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
