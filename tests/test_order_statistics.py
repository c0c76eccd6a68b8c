"""Exact percentiles of a streamed column (studies.order_statistics) and the counts a streamed Monte Carlo keeps
(studies.montecarlo.StreamDigest): bitwise what NumPy gives over the whole column."""

from __future__ import annotations

import numpy as np
import pytest

from terawatt.studies.montecarlo import StreamDigest, inverted_cdf_rank
from terawatt.studies.order_statistics import StreamedPercentiles

PCT = (5, 25, 50, 75, 95)


def _stream(values: np.ndarray, chunk: int, order: np.ndarray | None = None, **options) -> StreamedPercentiles:
    streamed = StreamedPercentiles(PCT, **options)
    parts = [values[i:i + chunk] for i in range(0, len(values), chunk)]
    for k in range(len(parts)) if order is None else order:
        streamed.add(parts[k])
    return streamed


@pytest.mark.parametrize("n", [1, 2, 9, 1000, 20011])
@pytest.mark.parametrize("pilot", [1, 64, 4096, 1 << 16])
def test_streamed_percentiles_are_numpys_bitwise(n, pilot):
    rng = np.random.default_rng(n + pilot)
    x = rng.lognormal(size=n)
    x[rng.random(n) < 0.05] = np.nan  # infeasible samples
    x[rng.random(n) < 0.01] = -np.inf
    x[rng.random(n) < 0.01] = np.inf
    chunks = max(1, n // 97)
    order = rng.permutation(-(-n // chunks))  # chunks arrive in any order (parallel backends)
    streamed = _stream(x, chunks, order, pilot=pilot)
    finite = x[np.isfinite(x)]
    got = streamed.result()
    assert streamed.total == n and streamed.finite == finite.size
    if not finite.size:
        assert got is None
    elif got is None:  # brackets from a tiny pilot may miss: then no answer (the caller asks DuckDB), never a guess
        assert pilot < 4096
    else:
        assert got.tobytes() == np.percentile(finite, PCT).tobytes()


def test_ties_and_a_constant_column():
    x = np.random.default_rng(2).permutation(np.repeat([3.0, 1.0, 2.0], 5000))
    assert _stream(x, 700, pilot=1000).result().tobytes() == np.percentile(x, PCT).tobytes()
    c = np.full(9000, 7.5)
    assert _stream(c, 1000, pilot=1000).result().tobytes() == np.percentile(c, PCT).tobytes()


def test_a_pilot_unlike_the_rest_gives_up_rather_than_guess():
    """The first values (the pilot) all small, the rest large: the brackets miss the median, so no answer (the
    caller then asks DuckDB); memory beyond the budget also gives up."""
    x = np.concatenate([np.linspace(0, 1, 1000), np.linspace(10, 11, 9000)])
    assert _stream(x, 1000, pilot=1000).result() is None
    rng = np.random.default_rng(1)
    assert _stream(rng.random(50000), 1000, pilot=1000, margin=0.2, budget=1000).result() is None
    x = rng.random(400000)
    kept = _stream(x, 10000, pilot=40000)  # margin 2.5 / sqrt(40000) = 0.0125
    assert kept._n_kept < 0.15 * x.size  # ~2 x margin x 5 percentiles of the values are held, not all
    assert kept.result().tobytes() == np.percentile(x, PCT).tobytes()


def test_inverted_cdf_rank_is_numpys():
    for n in (1, 2, 3, 10, 11, 99, 1000, 12345):
        x = np.arange(n, dtype=float)
        for p in (0, 1, 10, 33.3, 50, 90, 99.9, 100):
            assert inverted_cdf_rank(n, p) == np.percentile(x, p, method="inverted_cdf"), (n, p)


def test_digest_crossover_summary_equals_the_one_from_all_samples():
    from terawatt.studies.timeline import crossover_year

    rng = np.random.default_rng(3)
    years = np.arange(2026, 2036)
    n = 5000
    ratio = rng.lognormal(0.2, 0.5, size=(n, years.size)) * np.linspace(1.3, 0.6, years.size)
    ratio[rng.random(n) < 0.1] = np.nan
    digest = StreamDigest(n, years)
    for index, start in enumerate(range(0, n, 700)):
        part = ratio[start:start + 700]
        chunk = {f"comparison.cost_ratio@{y}": part[:, j] for j, y in enumerate(years)}
        chunk |= {k: part[:, 0] for k in digest.columns if k not in chunk and "reason" not in k}
        chunk["orbital.infeasible_reason@2026"] = np.where(np.isnan(part[:, 0]), "no orbit", "").astype(object)
        digest.add(index, chunk)
        digest.add(index, chunk)  # a chunk given twice counts once
    cross = crossover_year(years, ratio)
    ranked = np.where(np.isnan(cross), np.inf, cross)
    want = {f"p{p}": (None if not np.isfinite(v := np.percentile(ranked, p, method="inverted_cdf")) else int(v))
            for p in (10, 50, 90)}
    want |= {f"p_by_{y}": float(np.mean(ranked <= y)) for y in (2029, 2030)}
    want |= {"p_never_in_range": float(np.mean(np.isnan(cross))), "range": [2026, 2035]}
    assert digest.crossover_summary() == want
    assert digest.infeasible == int(np.isnan(ratio[:, 0]).sum())
    assert digest.cheaper["comparison.cost_ratio@2030"] == int((ratio[:, 4] < 1).sum())


def test_a_constant_column_is_counted_not_kept():
    """Ties over a whole bracket (a constant output): counted, not held, so any N fits in the budget."""
    rng = np.random.default_rng(5)
    x = np.where(rng.random(200000) < 0.9, 1320.0, rng.random(200000))  # 90 % one value, the rest below it
    streamed = _stream(x, 10000, pilot=20000, budget=60000)
    assert streamed.result().tobytes() == np.percentile(x, PCT).tobytes()
    assert streamed._n_kept < 60000


def test_a_reopened_run_summarises_in_one_streamed_pass_and_duckdb_in_two_queries(tmp_path, monkeypatch):
    """load_montecarlo finds its percentiles with the streamed order statistics (no DuckDB query when the brackets
    settle them), and SampleStore.percentiles answers every column in two queries, both equal to numpy's."""
    from terawatt.scenario import load_scenario
    from terawatt.studies.montecarlo import MAIN_OUTPUTS, PERCENTILES, load_montecarlo, montecarlo
    from terawatt.studies.samples import SampleStore

    sc = load_scenario("musk-2026")
    held = montecarlo(sc, 2000, seed=4, year=2030)
    montecarlo(sc, 2000, seed=4, year=2030, chunk_size=300, out=tmp_path / "run")
    calls = []
    real = SampleStore.percentiles
    monkeypatch.setattr(SampleStore, "percentiles", lambda self, *a: calls.append(a) or real(self, *a))
    loaded = load_montecarlo(tmp_path / "run")
    assert loaded.to_dict()["percentiles"] == held.to_dict()["percentiles"] and not calls
    assert loaded.p_orbit_cheaper == held.p_orbit_cheaper and loaded.infeasible_share() == held.infeasible_share()
    queries = []
    store = SampleStore.open(tmp_path / "run")
    con = store.connect()
    monkeypatch.setattr(SampleStore, "connect", lambda self: _Counting(con, queries))
    names = [*MAIN_OUTPUTS, "orbital.infeasible_reason"][:-1]
    got = real(store, names, PERCENTILES)
    assert len(queries) == 2
    for name in names:
        values = np.asarray(held.columns[name], float)
        finite = values[np.isfinite(values)]
        assert got[name][1] == values.size - finite.size
        assert got[name][0].tobytes() == np.percentile(finite, PERCENTILES).tobytes(), name


class _Counting:
    """A DuckDB connection that records its queries."""

    def __init__(self, con, queries):
        self.con, self.queries = con, queries

    def execute(self, sql, *args):
        self.queries.append(sql)
        return self.con.execute(sql, *args)

    def close(self):
        self.con.close()
