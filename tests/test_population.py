"""The population evaluator: determinism across chunkings and backends, the Parquet sink and resume after a kill."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from terawatt.scenario import ScenarioError, load_scenario
from terawatt.studies.population import JOURNAL, evaluate_population, read_manifest
from terawatt.studies.uncertainty import BLOCK, SampleDesign, uncertainty_space, unit_design

OUTPUTS = ("comparison.cost_ratio", "orbital.cost_per_gpu_hour_usd", "orbital.infeasible_reason")


def _same(a: dict, b: dict) -> None:
    """Bitwise identity of two column sets (NaN included, strings equal)."""
    assert list(a) == list(b)
    for key in a:
        if a[key].dtype == object:
            assert list(a[key]) == list(b[key]), key
        else:
            assert a[key].dtype == b[key].dtype and a[key].tobytes() == b[key].tobytes(), key


@pytest.fixture(scope="module")
def musk():
    sc = load_scenario("musk-2026")
    space = uncertainty_space(sc)
    return sc, space, [u.name for u in space.uncertainties if u.scales_trajectory]


@pytest.mark.parametrize("sampler", ["random", "lhs", "sobol"])
def test_design_rows_depend_on_the_index_only(musk, sampler):
    _, space, _ = musk
    n = BLOCK + 1500  # two sampling blocks
    whole = unit_design(space, n, 7, sampler, 0, n)
    cuts = [0, 1, 999, BLOCK - 3, BLOCK + 2, n]
    pieces = np.concatenate([unit_design(space, n, 7, sampler, a, b) for a, b in zip(cuts, cuts[1:], strict=False)])
    assert pieces.tobytes() == whole.tobytes()
    assert np.all((whole >= 0) & (whole < 1))
    assert not np.array_equal(whole, unit_design(space, n, 8, sampler, 0, n))  # the seed matters


@pytest.mark.parametrize(("d", "m"), [(1, 1), (3, 5000), (40, 9000)])
def test_latin_hypercube_is_scipys_design_bit_for_bit(d, m):
    """The in-house Latin hypercube (no scipy.stats import, tiled transposes) is SciPy's, from the same stream."""
    from scipy.stats import qmc

    from terawatt.studies.uncertainty import _latin_hypercube

    key = np.random.SeedSequence(11, spawn_key=(4,))
    ref = qmc.LatinHypercube(d, rng=np.random.default_rng(key)).random(m)
    ours = _latin_hypercube(np.random.default_rng(np.random.SeedSequence(11, spawn_key=(4, 0))), d, m)
    assert ours.shape == (m, d) and ours.tobytes() == np.ascontiguousarray(ref).tobytes()
    strata = np.sort(np.floor(ours * m).astype(int), axis=0)  # one point per stratum in every column
    assert np.array_equal(strata, np.broadcast_to(np.arange(m)[:, None], (m, d)))


def test_triangular_inverse_cdf_matches_scipy_and_the_two_branch_formula():
    from scipy.stats import triang

    from terawatt.studies.uncertainty import _triangular_ppf

    u = np.random.default_rng(5).random(20000)
    a, c, b = 30.0, 150.0, 1000.0
    two_branch = np.where(u < (c - a) / (b - a), a + np.sqrt(u * (b - a) * (c - a)),
                          b - np.sqrt((1.0 - u) * (b - a) * (b - c)))
    ours = _triangular_ppf(u, a, c, b)
    assert ours.tobytes() == two_branch.tobytes()
    np.testing.assert_allclose(ours, triang.ppf(u, (c - a) / (b - a), loc=a, scale=b - a), rtol=1e-12)


@pytest.mark.parametrize("when", [{"year": 2030}, {"years": list(range(2026, 2036))}])
def test_bitwise_identical_across_chunk_sizes_and_backends(musk, when):
    sc, space, scaled = musk
    design = SampleDesign(space, 2500, 3, "lhs")
    ref = evaluate_population(sc, design, OUTPUTS, scaled=scaled, chunk_size=2500, **when).columns
    serial = evaluate_population(sc, design, OUTPUTS, scaled=scaled, chunk_size=333, **when).columns
    procs = evaluate_population(sc, design, OUTPUTS, scaled=scaled, chunk_size=700, backend="processes",
                                workers=2, **when).columns
    _same(ref, serial)
    _same(ref, procs)
    np.testing.assert_array_equal(ref["sample"], np.arange(2500))


def test_trajectory_parameters_are_scaled_by_sample_over_default(musk):
    sc, space, scaled = musk
    assert "terrestrial.facility_capex_usd_per_w" in scaled
    design = SampleDesign(space, 3, 5, "random")
    got = evaluate_population(sc, design, ["comparison.cost_ratio"], year=2030, scaled=scaled).columns
    import terawatt
    from terawatt.params import load_registry

    rows = design.rows(0, 3)
    direct = {k: v for k, v in rows.items() if k not in scaled}
    at = sc.with_overrides(direct).at_year(2030)
    values = dict(at.values)
    for name in scaled:
        values[name] = at.values[name] * rows[name] / load_registry()[name].default
    import dataclasses

    expected = terawatt.evaluate(dataclasses.replace(at, values=values))["comparison.cost_ratio"]
    np.testing.assert_allclose(got["comparison.cost_ratio"], expected, rtol=1e-12)


def test_infeasible_rows_stay_with_nan_costs_and_a_reason():
    sc = load_scenario("suncatcher")
    table = {"launch.payload_kg": np.array([0.03, 55_000.0, 1.0, 60_000.0])}
    cols = evaluate_population(sc, table, OUTPUTS, chunk_size=3).columns
    assert len(cols["sample"]) == 4
    bad = np.array([True, False, True, False])
    assert np.all(np.isnan(cols["orbital.cost_per_gpu_hour_usd"][bad]))
    assert np.all(np.isfinite(cols["orbital.cost_per_gpu_hour_usd"][~bad]))
    assert all("payload" in r for r in cols["orbital.infeasible_reason"][bad])
    assert list(cols["orbital.infeasible_reason"][~bad]) == ["", ""]


def test_table_rows_are_range_checked_and_options_refused():
    sc = load_scenario(None)
    with pytest.raises(ScenarioError, match="solar.cell_efficiency"):
        evaluate_population(sc, {"solar.cell_efficiency": np.array([0.3, 1.5])}, OUTPUTS)
    with pytest.raises(ScenarioError) as err:
        evaluate_population(sc, {"solar.cell_efficiency": np.array([0.3])}, OUTPUTS, chunk_size=0)
    assert err.value.errors[0].path == "--chunk-size"
    with pytest.raises(ScenarioError, match="workers"):
        evaluate_population(sc, {"solar.cell_efficiency": np.array([0.3])}, OUTPUTS, backend="processes",
                            workers=0)


def test_sink_writes_chunks_and_manifest_and_refuses_another_run(tmp_path, musk):
    sc, space, scaled = musk
    design = SampleDesign(space, 1000, 1, "random")
    out = tmp_path / "mc"
    first = evaluate_population(sc, design, OUTPUTS, year=2030, scaled=scaled, chunk_size=300, out=out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["n_chunks"] == 4 and manifest["done"] == [0, 1, 2, 3] and manifest["complete"]
    assert sorted(p.name for p in out.glob("*.parquet")) == [f"chunk-{i:06d}.parquet" for i in range(4)]
    again = evaluate_population(sc, design, OUTPUTS, year=2030, scaled=scaled, chunk_size=300, out=out)
    assert again.resumed_chunks == 4
    _same(first.columns, again.columns)
    with pytest.raises(ScenarioError, match="different run"):
        evaluate_population(sc, SampleDesign(space, 1000, 2, "random"), OUTPUTS, year=2030, scaled=scaled,
                            chunk_size=300, out=out)
    with pytest.raises(ScenarioError) as err:
        evaluate_population(sc, design, OUTPUTS, year=2030, scaled=scaled, chunk_size=200, out=out)
    assert err.value.errors[0].path == "--chunk-size"
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.txt").write_text("x")
    with pytest.raises(ScenarioError, match="not a terawatt result folder"):
        evaluate_population(sc, design, OUTPUTS, out=tmp_path / "other")


CHILD = """
import sys, time
from terawatt.scenario import load_scenario
from terawatt.studies.montecarlo import montecarlo

def slow(done, total):
    time.sleep(0.4)  # long enough for the parent to kill us between chunks

montecarlo(load_scenario("musk-2026"), 3000, seed=11, sampler="lhs", start=2026, end=2040, out=sys.argv[1],
           chunk_size=250, progress=slow)
"""


def test_resume_after_a_killed_run(tmp_path, run_cli):
    out = tmp_path / "killed"
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(CHILD))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    child = subprocess.Popen([sys.executable, str(script), str(out)], env=env)
    manifest = out / "manifest.json"
    deadline = time.monotonic() + 60
    done: list[int] = []
    while time.monotonic() < deadline and child.poll() is None:
        if manifest.exists():
            try:
                done = read_manifest(out)["done"]
            except (OSError, ValueError, KeyError):
                done = []
            if len(done) >= 3:
                break
        time.sleep(0.02)
    child.kill()
    child.wait()
    assert (out / JOURNAL).exists()  # killed: the chunks finished since the manifest was written are journaled
    state = read_manifest(out)
    assert 3 <= len(state["done"]) < state["n_chunks"] == 12 and not state["complete"], state["done"]
    # The same arguments through the command line finish the run.
    resumed = run_cli("montecarlo", "musk-2026", "-n", "3000", "--seed", "11", "--from", "2026", "--to", "2040",
                      "--out", out, "--chunk-size", "250", "--json")
    assert resumed.returncode == 0, resumed.stderr
    final = json.loads(manifest.read_text())
    assert final["complete"] and final["done"] == list(range(12))
    import pyarrow.parquet as pq

    samples = np.concatenate([pq.read_table(p, columns=["sample"]).column(0).to_numpy()
                              for p in sorted(out.glob("chunk-*.parquet"))])
    np.testing.assert_array_equal(samples, np.arange(3000))  # nothing lost, nothing twice
    from terawatt.studies.montecarlo import montecarlo

    fresh = montecarlo(load_scenario("musk-2026"), 3000, seed=11, sampler="lhs", start=2026, end=2040,
                       chunk_size=1000)
    assert json.loads(resumed.stdout)["crossover_year"] == fresh.to_dict()["crossover_year"]
    from terawatt.studies.population import ParquetSink

    sink = ParquetSink(out, final["spec"], 3000, 250)
    stored = np.concatenate([sink.read(i)["comparison.cost_ratio@2031"] for i in range(12)])
    assert stored.tobytes() == fresh.columns["comparison.cost_ratio@2031"].tobytes()


def test_ctrl_c_stops_cleanly_and_leaves_a_resumable_folder(tmp_path):
    """SIGINT to a real ``terawatt montecarlo --out`` run: exit 130, a hint to resume, a consistent manifest."""
    import signal

    out = tmp_path / "interrupted"
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    child = subprocess.Popen([sys.executable, "-m", "terawatt.cli", "montecarlo", "suncatcher", "-n", "400000",
                              "--year", "2030", "--chunk-size", "400", "--out", str(out)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    manifest = out / "manifest.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        try:
            if len(read_manifest(out)["done"]) >= 2:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.01)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "interrupted" in err and "resume" in err and "Traceback" not in err
    state = json.loads(manifest.read_text())  # the stopped run wrote its finished chunks into the manifest
    assert 2 <= len(state["done"]) < state["n_chunks"] and not state["complete"] and not (out / JOURNAL).exists()
    files = sorted(int(p.stem.split("-")[1]) for p in out.glob("chunk-*.parquet"))
    assert set(state["done"]) <= set(files) and len(files) <= len(state["done"]) + 1  # at most one orphan


def test_streams_are_the_seed_sequence_children():
    from terawatt.studies.population import chunk_rng

    children = np.random.SeedSequence(9).spawn(3)
    for i, child in enumerate(children):
        assert chunk_rng(9, i).random(4).tobytes() == np.random.default_rng(child).random(4).tobytes()


def test_chunk_files_round_trip_text_numbers_and_flags(tmp_path):
    """A chunk written by the sink reads back as it was (text with repeats and non-ASCII, NaN numbers, integers,
    booleans), through pyarrow and DuckDB."""
    import duckdb

    from terawatt.studies.population import ParquetSink

    columns = {"sample": np.arange(5, dtype=np.int64), "x": np.array([1.5, np.nan, -0.0, np.inf, 2.0]),
               "ok": np.array([True, False, True, True, False]),
               "reason": np.array(["", "trop chaud: 350 °C", "", "mass", "mass"], dtype=object)}
    sink = ParquetSink(tmp_path / "run", {"kind": "test"}, 5, 5).open()
    sink.write(0, columns)
    sink.close()
    back = sink.read(0)
    assert back["sample"].tolist() == [0, 1, 2, 3, 4] and back["ok"].tolist() == columns["ok"].tolist()
    assert back["x"].tobytes() == columns["x"].tobytes() and back["reason"].tolist() == columns["reason"].tolist()
    con = duckdb.connect()
    got = con.execute(f"SELECT count(*) FILTER (WHERE reason = 'mass'), max(length(reason)) FROM "
                      f"'{tmp_path / 'run' / 'chunk-000000.parquet'}'").fetchone()
    con.close()
    assert got == (2, len("trop chaud: 350 °C"))
    assert read_manifest(tmp_path / "run")["done"] == [0] and not (tmp_path / "run" / JOURNAL).exists()


def test_sampled_rows_skip_the_per_chunk_range_check_with_the_same_result(musk):
    """A sampled design's rows are inside the allowed ranges by construction: the scenario built from them without
    the check (``in_range``) is the checked one, value for value, and so is the model's result."""
    from terawatt.model import evaluate

    sc, space, scaled = musk
    design = SampleDesign(space, 3000, 2, "lhs")
    assert design.in_range
    rows = {k: v for k, v in design.rows(0, 3000).items() if k not in scaled}
    checked, trusted = sc.with_overrides(rows), sc.with_overrides(rows, in_range=True)
    assert list(checked.values) == list(trusted.values) and checked.overrides.keys() == trusted.overrides.keys()
    for k, v in checked.values.items():
        w = trusted.values[k]
        assert type(v) is type(w) and np.asarray(v).dtype == np.asarray(w).dtype, k
        assert np.asarray(v).tobytes() == np.asarray(w).tobytes() if isinstance(v, np.ndarray) else v == w or v is w, k
    a, b = evaluate(checked.at_year(2030)), evaluate(trusted.at_year(2030))
    for key in OUTPUTS:
        assert np.asarray(a[key]).tobytes() == np.asarray(b[key]).tobytes(), key


def test_text_columns_hold_their_strings_read_only():
    """A chunk's text column (``_text``): the same strings as the NumPy column, as ``str`` objects, read-only, its
    non-empty rows remembered; a column with no text is one shared column of empty strings, never changed by a
    later column that has some."""
    from terawatt.studies.population import _text, nonempty

    empty = _text(np.zeros(4, "U1"))
    assert empty.tolist() == ["", "", "", ""] and not empty.flags.writeable and not nonempty(empty).any()
    for col in (np.array(["", "too hot", "", "x"]), np.array(["a", "b", "c", "d"]), np.zeros(4, "U7")):
        out = _text(col)
        assert out.dtype == object and out.tolist() == col.tolist() and not out.flags.writeable
        assert all(type(v) is str for v in out)
        assert np.array_equal(nonempty(out), col != "")
    assert _text(np.zeros(4, "U3")).tolist() == empty.tolist() == ["", "", "", ""]
