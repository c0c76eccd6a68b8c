"""Monte Carlo at scale: the Dask backend on a real local cluster, runs streamed to disk and read back out of core
(summaries, ``to_frame``/``to_xarray``, ``terawatt query``, ``load_montecarlo``), resume after SIGKILL and SIGINT
of the real command, ``--overwrite``, and ``terawatt check`` of uncertainty blocks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

import terawatt
from terawatt.scenario import ScenarioError, load_scenario
from terawatt.studies.montecarlo import MAX_IN_MEMORY, load_montecarlo, montecarlo
from terawatt.studies.population import DaskBackend, evaluate_chunk, evaluate_population, make_backend, read_manifest
from terawatt.studies.samples import SampleStore, StoredColumns, linear_percentiles
from terawatt.studies.uncertainty import SampleDesign, check_scenario, uncertainty_space

OUTPUTS = ("comparison.cost_ratio", "orbital.cost_per_gpu_hour_usd", "orbital.infeasible_reason")
YEARS = {"start": 2026, "end": 2035}
SRC = str(Path(__file__).resolve().parents[1] / "src")


def _same(a, b) -> None:
    """Bitwise identity of two column mappings (NaN included, strings equal)."""
    assert list(a) == list(b)
    for key in a:
        x, y = np.asarray(a[key]), np.asarray(b[key])
        if x.dtype == object:
            assert list(x) == list(y), key
        else:
            assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), key


def _summary(mc) -> dict:
    data = mc.to_dict()
    data.pop("out", None)
    return data


@pytest.fixture(scope="module")
def musk():
    sc = load_scenario("musk-2026")
    space = uncertainty_space(sc)
    return sc, space, [u.name for u in space.uncertainties if u.scales_trajectory]


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(host="127.0.0.1", n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        yield local


# ------------------------------------------------------------------------------------------------------- dask
def test_dask_cluster_is_bitwise_identical_to_serial(cluster, musk, tmp_path):
    sc, space, scaled = musk
    design = SampleDesign(space, 2500, 3, "lhs")
    years = list(range(2026, 2036))
    serial = evaluate_population(sc, design, OUTPUTS, years=years, scaled=scaled, chunk_size=2500).columns
    dask = evaluate_population(sc, design, OUTPUTS, years=years, scaled=scaled, chunk_size=300, backend="dask",
                               scheduler=cluster.scheduler_address).columns
    procs = evaluate_population(sc, design, OUTPUTS, years=years, scaled=scaled, chunk_size=900,
                                backend="processes", workers=3).columns
    _same(serial, dask)
    _same(serial, procs)
    # The whole study through the cluster, streamed to a folder, gives the in-memory serial summaries.
    ref = montecarlo(sc, 2500, seed=3, **YEARS)
    on_dask = montecarlo(sc, 2500, seed=3, chunk_size=700, backend="dask", scheduler=cluster.scheduler_address,
                         out=tmp_path / "dask", **YEARS)
    assert _summary(on_dask) == _summary(ref)
    _same(ref.columns, on_dask.columns)


def test_dask_with_a_sampled_orbit_is_bitwise_identical_to_serial(cluster):
    # more distinct orbits than a chunk computes directly: every chunk reads the run's eclipse plan on the worker
    rng = np.random.default_rng(5)
    rows = {"orbit.altitude_km": rng.uniform(500.0, 1100.0, 6000), "orbit.ltan_h": rng.uniform(17.0, 19.0, 6000)}
    keys = ["orbital.sunlit_fraction", "orbital.max_eclipse_min", "comparison.cost_ratio"]
    sc = load_scenario(None)
    serial = evaluate_population(sc, rows, keys, chunk_size=6000).columns
    dask = evaluate_population(sc, rows, keys, chunk_size=700, backend="dask",
                               scheduler=cluster.scheduler_address).columns
    _same(serial, dask)


def test_dask_through_the_command_line(cluster, invoke_cli):
    args = ("montecarlo", "suncatcher", "-n", "600", "--year", "2030", "--json")
    res = invoke_cli(*args, "--scheduler", cluster.scheduler_address, "--chunk-size", "100")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout) == json.loads(invoke_cli(*args).stdout)
    client_given = terawatt.montecarlo("suncatcher", n=600, year=2030)
    from distributed import Client

    with Client(cluster.scheduler_address, set_as_default=False) as client:
        mc = montecarlo(load_scenario("suncatcher"), 600, year=2030, backend=DaskBackend(client), chunk_size=64)
    _same(mc.columns, client_given.columns)


def test_dask_worker_errors_reach_the_caller_and_a_finished_run_needs_no_cluster(cluster, musk, tmp_path):
    sc, _, _ = musk
    with pytest.raises(ScenarioError, match="solar.cell_efficiency"):  # raised on a worker, reported here
        evaluate_population(sc, {"solar.cell_efficiency": np.array([0.3, 1.5])}, OUTPUTS, backend="dask",
                            scheduler=cluster.scheduler_address)
    table = {"launch.price_usd_per_kg": np.linspace(50.0, 500.0, 40)}
    first = evaluate_population(sc, table, OUTPUTS, chunk_size=16, out=tmp_path / "t", backend="dask",
                                scheduler=cluster.scheduler_address)
    again = evaluate_population(sc, table, OUTPUTS, chunk_size=16, out=tmp_path / "t",
                                backend=DaskBackend("tcp://127.0.0.1:9", timeout=1))  # nobody listens there
    assert again.resumed_chunks == 3
    _same(first.columns, again.columns)


class _Taken:
    """Tasks handed out lazily, counting how many a backend has taken so far."""

    def __init__(self, n: int):
        self.n, self.taken = n, 0

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        for i in range(self.n):
            self.taken += 1
            yield -i


@pytest.mark.parametrize("which", ["processes", "dask"])
def test_parallel_backends_keep_a_bounded_window_in_flight(which, cluster):
    """Two workers: at most 2 x 2 chunks are submitted ahead of the one being written, whatever N is, so a run
    streamed to disk holds a few chunks, not N samples."""
    backend = make_backend("processes", 2) if which == "processes" else DaskBackend(cluster.scheduler_address)
    tasks = _Taken(50)
    try:
        stream = backend.run(abs, tasks)
        first = next(stream)
        assert tasks.taken <= 5 and first[1] == abs(first[0])
        rest = list(stream)
    finally:
        backend.close()
    assert tasks.taken == 50 and sorted(t for t, _ in [first, *rest]) == sorted(-i for i in range(50))


def test_bad_scheduler_options_exit_2(invoke_cli):
    res = invoke_cli("montecarlo", "suncatcher", "-n", "10", "--scheduler", "localhost:8786", "--workers", "2")
    assert res.exit_code == 2
    assert "tcp://127.0.0.1:8786" in res.stderr and "--workers" in res.stderr
    with pytest.raises(ScenarioError, match="cannot reach a Dask scheduler"):
        list(DaskBackend("tcp://127.0.0.1:9", timeout=1).run(len, [object()]))
    with pytest.raises(ScenarioError, match="needs a scheduler"):
        make_backend("dask")


# --------------------------------------------------------------------------------------------------- streaming
def test_percentiles_from_order_statistics_are_numpys_bitwise():
    rng = np.random.default_rng(4)
    for n in (1, 2, 7, 1000, 65537):
        x = rng.lognormal(size=n)
        ordered = np.sort(x)
        for pct in ((5, 25, 50, 75, 95), (0, 100, 12.5)):
            assert linear_percentiles(n, pct, lambda ks, s=ordered: s[ks]).tobytes() == np.percentile(
                x, pct).tobytes()


@pytest.mark.parametrize("when", [{"year": 2030}, YEARS])
def test_streamed_run_is_not_held_and_gives_the_same_numbers(tmp_path, when):
    sc = load_scenario("musk-2026")
    held = montecarlo(sc, 3000, seed=8, chunk_size=3000, **when)
    streamed = montecarlo(sc, 3000, seed=8, chunk_size=512, out=tmp_path / "run", **when)
    assert isinstance(streamed.columns, StoredColumns) and streamed.store is not None
    assert _summary(streamed) == _summary(held)  # percentiles via DuckDB order statistics: bitwise numpy's
    loaded = terawatt.load_montecarlo(tmp_path / "run")
    assert _summary(loaded) == _summary(held) and loaded.out == tmp_path / "run"
    frame, ref = loaded.to_frame(), held.to_frame()
    assert frame.equals(ref) and frame.attrs == ref.attrs
    ds = loaded.to_xarray()
    assert ds.sizes["sample"] == 3000 and ds["comparison.cost_ratio"].attrs["units"] == "-"
    if "year" in when:
        assert "year" not in ds.sizes
        np.testing.assert_array_equal(ds["comparison.cost_ratio"].values, ref["comparison.cost_ratio"])
    else:
        assert ds["comparison.cost_ratio"].dims == ("sample", "year")
        assert ds["year"].values.tolist() == list(range(2026, 2036))
        np.testing.assert_array_equal(ds["comparison.cost_ratio"].sel(year=2031).values,
                                      ref["comparison.cost_ratio@2031"])
        np.testing.assert_array_equal(ds["crossover_year"].values, held.crossover_years)
    name = held.space.names[0]
    np.testing.assert_array_equal(ds[name].values, held.inputs[name])
    key = "comparison.cost_ratio" if "year" in when else "comparison.cost_ratio@2026"  # the first year
    got = loaded.query(f'SELECT count(*) AS n, sum(CASE WHEN "{key}" < 1 THEN 1 ELSE 0 END) AS k FROM samples')
    assert got["n"].item() == 3000 and got["k"].item() / 3000 == pytest.approx(
        held.p_orbit_cheaper, abs=1e-12)


@pytest.mark.parametrize("budget", [10, 1 << 20])
def test_percentiles_settled_while_streaming_or_by_duckdb_are_the_same(tmp_path, monkeypatch, budget):
    """A pilot of 256 values (the first chunk): the percentiles come from the brackets kept while streaming; with
    room for 10 kept values only, the stream gives up and DuckDB answers over the files. Both are the in-memory
    run's, bitwise."""
    import terawatt.studies.order_statistics as order_statistics

    monkeypatch.setattr(order_statistics, "PILOT", 256)
    monkeypatch.setattr(order_statistics, "BUDGET", budget)
    sc = load_scenario("musk-2026")
    held = montecarlo(sc, 3000, seed=8, chunk_size=3000, year=2030)
    streamed = montecarlo(sc, 3000, seed=8, chunk_size=512, out=tmp_path / "run", year=2030)
    columns = list(streamed.digest.percentiles.values())
    if budget > 10:
        assert all(s.result() is not None for s in columns)
    else:  # every column that keeps values gives up; a constant output (one-value bracket) keeps none
        assert any(s.gave_up for s in columns) and all(s.gave_up or s._point.all() for s in columns)
    assert _summary(streamed) == _summary(held)


def test_population_streamed_to_a_folder_keeps_no_columns(tmp_path, musk):
    sc, space, scaled = musk
    design = SampleDesign(space, 1200, 2, "random")
    pop = evaluate_population(sc, design, OUTPUTS, year=2030, scaled=scaled, chunk_size=500, out=tmp_path / "p",
                              keep=False)
    assert pop.columns == {} and pop.chunks == 3
    store = SampleStore.open(tmp_path / "p")
    assert len(store) == 1200 and store.complete
    ref = evaluate_population(sc, design, OUTPUTS, year=2030, scaled=scaled).columns
    _same({k: store.column(k) for k in ref}, ref)


def test_a_full_disk_is_an_input_error_and_the_run_resumes(tmp_path, musk, monkeypatch):
    import errno

    import pyarrow.parquet as pq

    sc, _, _ = musk
    table = {"launch.price_usd_per_kg": np.linspace(50.0, 500.0, 30)}
    real, calls = pq.write_table, []

    def full_on_the_second(tab, where, **options):
        calls.append(where)
        if len(calls) == 2:
            Path(where).write_bytes(b"half a file")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(tab, where, **options)

    monkeypatch.setattr(pq, "write_table", full_on_the_second)
    with pytest.raises(ScenarioError, match="No space left on device; the finished chunks are kept"):
        evaluate_population(sc, table, OUTPUTS, chunk_size=10, out=tmp_path / "full")
    assert json.loads((tmp_path / "full" / "manifest.json").read_text())["done"] == [0]
    assert not list((tmp_path / "full").glob(".*.tmp"))
    monkeypatch.setattr(pq, "write_table", real)
    resumed = evaluate_population(sc, table, OUTPUTS, chunk_size=10, out=tmp_path / "full")
    assert resumed.resumed_chunks == 1
    _same(resumed.columns, evaluate_population(sc, table, OUTPUTS).columns)


def _dies_at_chunk_2(task):
    """A worker's chunk function that ends its process at chunk 2 (module level: pickled by name)."""
    if task.index == 2:
        os._exit(9)
    return evaluate_chunk(task)  # the real one, imported at the top


def test_a_killed_worker_is_an_input_error_and_the_run_resumes(tmp_path, musk, monkeypatch):
    """A worker process that dies (here: exits at chunk 2, as the OOM killer would end it) breaks the pool; the
    run stops with an error naming --workers, the chunks written are kept, and the same call completes."""
    from terawatt.studies import population

    sc, _, _ = musk
    table = {"launch.price_usd_per_kg": np.linspace(50.0, 500.0, 60)}
    monkeypatch.setattr(population, "evaluate_chunk", _dies_at_chunk_2)
    with pytest.raises(ScenarioError, match="--workers: a worker process ended abruptly") as err:
        evaluate_population(sc, table, OUTPUTS, chunk_size=10, out=tmp_path / "k", backend="processes", workers=2)
    assert "rerun to resume" in str(err.value)
    monkeypatch.setattr(population, "evaluate_chunk", evaluate_chunk)
    resumed = evaluate_population(sc, table, OUTPUTS, chunk_size=10, out=tmp_path / "k")
    assert 2 not in resumed.resumed and resumed.chunks == 6
    _same(resumed.columns, evaluate_population(sc, table, OUTPUTS).columns)


def test_more_workers_than_the_machine_can_use_are_refused():
    from terawatt.studies.population import max_workers

    assert max_workers() == 4 * (os.cpu_count() or 1)
    with pytest.raises(ScenarioError, match=r"--workers: .* at most"):
        make_backend("processes", max_workers() + 1)
    assert make_backend("processes", max_workers()).workers == max_workers()


def test_a_folder_being_written_is_refused_to_a_second_run(tmp_path, musk, invoke_cli):
    from terawatt.studies.population import ParquetSink

    sc, _, _ = musk
    table = {"launch.price_usd_per_kg": np.linspace(50.0, 500.0, 30)}
    folder = tmp_path / "busy"
    first = evaluate_population(sc, table, OUTPUTS, chunk_size=10, out=folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    holder = ParquetSink(folder, manifest["spec"], 30, 10).open()  # a run in progress on the folder
    try:
        with pytest.raises(ScenarioError, match=f"being written by another run right now \\(pid {os.getpid()}"):
            evaluate_population(sc, table, OUTPUTS, chunk_size=10, out=folder)
        busy = invoke_cli("query", folder, "SELECT count(*) AS n FROM samples", "--json")  # reading is fine
        assert busy.exit_code == 0 and json.loads(busy.stdout) == [{"n": 30}]
    finally:
        holder.close()
    again = evaluate_population(sc, table, OUTPUTS, chunk_size=10, out=folder)
    assert again.resumed_chunks == 3
    _same(first.columns, again.columns)


def test_a_closed_run_frees_its_folder_even_while_a_process_it_forked_lives(tmp_path, musk):
    """Worker processes are forked while the run holds the folder's lock, so they share it: closing the run
    unlocks it for every holder (closing its own copy left it locked until the last worker exited; a worker that
    outlived a broken pool refused the rerun)."""
    import multiprocessing

    from terawatt.studies.population import ParquetSink

    sc, _, _ = musk
    table = {"launch.price_usd_per_kg": np.linspace(50.0, 500.0, 30)}
    folder = tmp_path / "forked"
    evaluate_population(sc, table, OUTPUTS, chunk_size=10, out=folder)
    spec = json.loads((folder / "manifest.json").read_text())["spec"]
    run = ParquetSink(folder, spec, 30, 10).open()
    child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(30,))
    child.start()  # holds a copy of the lock's file descriptor, as a pool's worker does
    try:
        run.close()
        again = evaluate_population(sc, table, OUTPUTS, chunk_size=10, out=folder)
        assert again.resumed_chunks == 3
    finally:
        child.kill()
        child.join()


def test_in_memory_limit_is_refused_with_a_hint(invoke_cli):
    res = invoke_cli("montecarlo", "suncatcher", "-n", str(MAX_IN_MEMORY + 1))
    assert res.exit_code == 2 and "--out" in res.stderr and "-n" in res.stderr


def test_load_refuses_what_is_not_a_finished_monte_carlo_run(tmp_path, musk):
    with pytest.raises(ScenarioError, match="not a terawatt result folder"):
        load_montecarlo(tmp_path)
    sc, space, scaled = musk
    evaluate_population(sc, {"launch.price_usd_per_kg": np.array([100.0, 200.0])}, OUTPUTS, out=tmp_path / "t")
    with pytest.raises(ScenarioError, match="not a Monte Carlo run"):
        load_montecarlo(tmp_path / "t")
    manifest = json.loads((tmp_path / "t" / "manifest.json").read_text())
    manifest["n_chunks"] = 3
    (tmp_path / "t" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ScenarioError, match="unfinished run"):
        load_montecarlo(tmp_path / "t")


# ------------------------------------------------------------------------------------------------------- query
def test_query_command(tmp_path, invoke_cli):
    run = tmp_path / "run"
    made = invoke_cli("montecarlo", "suncatcher", "-n", "500", "--year", "2030", "--out", run, "--chunk-size", "200")
    assert made.exit_code == 0, made.stderr
    ref = load_montecarlo(run)
    sql = 'SELECT count(*) AS n, max(sample) AS last, avg("comparison.cost_ratio") AS mean FROM samples'
    table = invoke_cli("query", run, sql)
    assert table.exit_code == 0, table.stderr
    assert "500" in table.stdout and "499" in table.stdout and "mean" in table.stdout
    as_json = json.loads(invoke_cli("query", run, sql, "--json").stdout)
    assert as_json[0]["n"] == 500 and as_json[0]["mean"] == pytest.approx(
        float(np.mean(ref.columns["comparison.cost_ratio"])), rel=1e-12)
    csv = invoke_cli("query", run, 'SELECT sample, "comparison.cost_ratio" FROM samples ORDER BY sample LIMIT 3',
                     "--csv")
    lines = csv.stdout.strip().splitlines()
    assert lines[0] == "sample,comparison.cost_ratio" and [int(x.split(",")[0]) for x in lines[1:]] == [0, 1, 2]
    assert float(lines[2].split(",")[1]) == ref.columns["comparison.cost_ratio"][1]
    for args, fragment in (((run, "SELEC 1"), "SQL"), ((tmp_path, "SELECT 1"), "not a terawatt result folder"),
                           ((run, "SELECT nope FROM samples"), "nope"), ((run, ""), "holds no statement"),
                           ((run, " "), "holds no statement"),
                           ((run, "SELECT 1", "--json", "--csv"), "--json/--csv")):
        bad = invoke_cli("query", *args)
        assert bad.exit_code == 2 and fragment in bad.stderr and "Traceback" not in bad.stderr, args


# ------------------------------------------------------------------------------------------------------ resume
def _cli(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "terawatt.cli", *map(str, args)]


ENV = {**os.environ, "PYTHONPATH": SRC, "NO_COLOR": "1"}
RUN = ("montecarlo", "musk-2026", "-n", "6000", "--seed", "5", "--from", "2026", "--to", "2035",
       "--chunk-size", "200", "--json")


def _start_and_stop(out: Path, sig: int, after: int, *extra: str) -> subprocess.Popen:
    """Start the real command, send ``sig`` once ``after`` chunk files exist, wait for it to end."""
    child = subprocess.Popen(_cli(*RUN, *extra, "--out", out), env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if len(list(out.glob("chunk-*.parquet"))) >= after:
            break
        time.sleep(0.005)
    child.send_signal(sig)
    child.communicate(timeout=120)
    return child


def _check_finished(out: Path, rerun: subprocess.CompletedProcess) -> None:
    assert rerun.returncode == 0, rerun.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["done"] == list(range(30))
    samples = np.concatenate([c["sample"] for c in SampleStore.open(out).iter_chunks(["sample"])])
    np.testing.assert_array_equal(samples, np.arange(6000))  # nothing lost, nothing twice
    fresh = montecarlo(load_scenario("musk-2026"), 6000, seed=5, start=2026, end=2035, chunk_size=2500)
    assert {k: v for k, v in json.loads(rerun.stdout).items() if k != "out"} == _summary(fresh)
    _same(load_montecarlo(out).columns, fresh.columns)


def test_sigkill_of_the_command_then_the_same_command_resumes(tmp_path):
    out = tmp_path / "killed"
    child = _start_and_stop(out, signal.SIGKILL, after=2)
    assert child.returncode == -signal.SIGKILL
    state = read_manifest(out)  # the manifest and the chunks journaled after it
    assert 1 <= len(state["done"]) < 30 and not state["complete"]
    _check_finished(out, subprocess.run(_cli(*RUN, "--out", out), env=ENV, capture_output=True, text=True,
                                        timeout=300))


@pytest.mark.parametrize("extra", [(), ("--workers", "2")], ids=["in-process", "2 processes"])
def test_sigint_stops_cleanly_then_the_same_command_resumes(tmp_path, extra):
    out = tmp_path / "interrupted"
    child = _start_and_stop(out, signal.SIGINT, 2, *extra)
    assert child.returncode == 130
    state = json.loads((out / "manifest.json").read_text())
    assert 1 <= len(state["done"]) < 30 and not state["complete"]
    assert not list(out.glob(".*.tmp"))  # a clean stop leaves no half-written file
    _check_finished(out, subprocess.run(_cli(*RUN, *extra, "--out", out), env=ENV, capture_output=True, text=True,
                                        timeout=300))


def test_changed_arguments_are_refused_unless_overwrite(tmp_path, invoke_cli):
    run = tmp_path / "run"
    base = ("montecarlo", "suncatcher", "--year", "2030", "--out", run, "--json")
    assert invoke_cli(*base, "-n", "300").exit_code == 0
    for change in (("-n", "301"), ("-n", "300", "--seed", "1"), ("-n", "300", "--chunk-size", "100")):
        refused = invoke_cli(*base, *change)
        assert refused.exit_code == 2 and "--overwrite" in refused.stderr, change
    replaced = invoke_cli(*base, "-n", "301", "--seed", "1", "--chunk-size", "100", "--overwrite")
    assert replaced.exit_code == 0, replaced.stderr
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["n"] == 301 and manifest["n_chunks"] == 4 and len(list(run.glob("chunk-*.parquet"))) == 4
    assert json.loads(replaced.stdout)["seed"] == 1
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    refused = invoke_cli("montecarlo", "suncatcher", "-n", "10", "--out", other, "--overwrite")
    assert refused.exit_code == 2 and (other / "notes.txt").read_text() == "keep me"


# ------------------------------------------------------------------------------------------ uncertainty check
BAD = {
    "solar.cell_efficiency": {"kind": "beta", "a": 2, "b": 3},  # bad kind
    "thermal.emissivity": {"kind": "uniform", "low": 0.95, "high": 0.7},  # low >= high
    "satellite.lifetime_yr": {"kind": "normal", "mean": 5, "sd": -1, "skew": 2},  # bad sd, unknown field
    "launch.price_usd_per_kg": {"kind": "lognormal", "mean": -300, "sd": 100},  # lognormal mean <= 0
    "solar.cost_usd_per_w": "wide",  # not a mapping
    "correlations": [{"between": ["solar.cost_usd_per_w", "orbit.altitude_kmm"], "rank": 0.5},
                     {"between": ["thermal.cost_usd_per_m2", "terrestrial.pue"], "rank": 0.3}],
}


def test_check_reports_every_bad_uncertainty_field_at_once(tmp_path, invoke_cli):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"based_on": "suncatcher", "workload.utilization": 1.7, "uncertainty": BAD}))
    res = invoke_cli("check", path)
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    for fragment in ("workload.utilization", "uncertainty.solar.cell_efficiency.kind: 'beta' is not one of",
                     "uncertainty.thermal.emissivity.low", "uncertainty.satellite.lifetime_yr.sd",
                     "uncertainty.satellite.lifetime_yr.skew", "uncertainty.launch.price_usd_per_kg.mean",
                     "uncertainty.solar.cost_usd_per_w: expected a mapping",
                     "orbit.altitude_kmm: unknown parameter; did you mean 'orbit.altitude_km'",
                     "terrestrial.pue: is not uncertain here"):
        assert fragment in res.stderr, fragment
    ok = invoke_cli("check", "musk-2026")
    assert ok.exit_code == 0 and "uncertain parameters" in ok.stdout
    fine = tmp_path / "fine.yaml"
    fine.write_text(yaml.safe_dump({"based_on": "suncatcher", "uncertainty": {
        "launch.price_usd_per_kg": {"kind": "uniform", "low": 50, "high": 500},
        "correlations": [{"between": ["launch.price_usd_per_kg", "solar.cost_usd_per_w"], "rank": 0.4}]}}))
    res = invoke_cli("check", fine)
    assert res.exit_code == 0 and "1 from its uncertainty block, 1 rank correlations" in res.stdout
    assert invoke_cli("check", fine, "--set", "launch.price_usd_per_kg=100").exit_code == 2  # fixed, yet correlated


def test_non_positive_definite_correlations_are_refused(invoke_cli, tmp_path):
    a, b, c = "solar.cost_usd_per_w", "thermal.cost_usd_per_m2", "satellite.lifetime_yr"
    block = {"correlations": [{"between": [a, b], "rank": 0.95}, {"between": [b, c], "rank": 0.95},
                              {"between": [a, c], "rank": -0.95}]}
    with pytest.raises(ScenarioError, match="not positive definite"):
        check_scenario({"uncertainty": block})
    # A consistent set of the same pairs passes: the check is on the matrix, not on the size of the ranks.
    ok = {"correlations": [dict(item, rank=0.95) for item in block["correlations"]]}
    assert len(check_scenario({"uncertainty": ok})[1].correlations) == 3
    path = tmp_path / "pd.yaml"
    path.write_text(yaml.safe_dump({"uncertainty": block}))
    res = invoke_cli("montecarlo", path, "-n", "10")
    assert res.exit_code == 2 and "uncertainty.correlations" in res.stderr


# ---------------------------------------------------------------------------------------------------- progress
def test_progress_bar_shows_rate_and_eta_on_a_terminal_only(monkeypatch):
    import io
    import re

    from terawatt.cli import uncertainty as cli_mc
    from terawatt.cli._common import LazyConsole

    screen = io.StringIO()
    monkeypatch.setattr(cli_mc, "err_console", LazyConsole(file=screen, force_terminal=True, width=120))
    bar, update = cli_mc.progress_bar(100_000, True)
    bar.start()
    update(20_000, 100_000)  # 20,000 resumed from --out: not part of the rate
    time.sleep(0.2)
    update(60_000, 100_000)
    bar.refresh()
    bar.stop()
    text = screen.getvalue()
    assert "60000/100000" in text and re.search(r"[\d,]+ samples/s", text) and re.search(r"\d:\d\d:\d\d", text)
    rate = float(re.findall(r"([\d,]+) samples/s", text)[-1].replace(",", ""))
    assert 40_000 / 10 < rate < 40_000 / 0.2  # 40,000 new samples in at least 0.2 s
    assert cli_mc.progress_bar(100_000, False) == (None, None)  # --json
    assert cli_mc.progress_bar(cli_mc.PROGRESS_MIN_SAMPLES - 1, True) == (None, None)  # a short run
    monkeypatch.setattr(cli_mc, "err_console", LazyConsole(file=io.StringIO()))  # stderr not a terminal
    assert cli_mc.progress_bar(100_000, True) == (None, None)
