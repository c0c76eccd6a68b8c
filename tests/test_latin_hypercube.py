"""The sliced Latin hypercube (terawatt.studies.latin_hypercube): a Latin hypercube over the whole N, each block a
Latin hypercube over its coarse strata, SciPy's design for N <= BLOCK, and the inverse CDFs of a block computed in
stratum order equal to those of its rows."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from terawatt.scenario import load_scenario
from terawatt.studies import latin_hypercube as lh
from terawatt.studies.uncertainty import (
    BLOCK,
    SampleDesign,
    Uncertainty,
    _triangular_ppf,
    uncertainty_space,
    unit_design,
)


@pytest.fixture(scope="module")
def space():
    return uncertainty_space(load_scenario("musk-2026"))


def _fine_strata(u: np.ndarray, n: int) -> np.ndarray:
    """The fine stratum k of each value (k + 1 - v) / n (v in [0, 1))."""
    return np.ceil(u * n).astype(np.int64) - 1


@pytest.mark.parametrize("n", [2 * BLOCK, 3 * BLOCK + 1234])
def test_one_point_per_fine_stratum_over_the_whole_n(space, n):
    u = unit_design(space, n, 5, "lhs", 0, n)
    assert u.shape == (n, len(space.names)) and np.all((u > 0) & (u <= 1))
    cells = np.sort(_fine_strata(u, n), axis=0)
    assert np.array_equal(cells, np.broadcast_to(np.arange(n)[:, None], cells.shape))


def test_each_block_is_a_latin_hypercube_over_the_coarse_strata(space):
    n = 3 * BLOCK + 1234
    full, rest = divmod(n, BLOCK)
    c = np.arange(BLOCK + 1)
    edges = c * n // BLOCK  # coarse stratum c holds the fine strata edges[c] .. edges[c + 1] - 1
    extra = np.flatnonzero(np.diff(edges) == full + 1)
    u = unit_design(space, n, 5, "lhs", 0, n)[:, :8]
    coarse = np.searchsorted(edges, _fine_strata(u, n), side="right") - 1
    for b in range(full):
        block = np.sort(coarse[b * BLOCK:(b + 1) * BLOCK], axis=0)
        assert np.array_equal(block, np.broadcast_to(np.arange(BLOCK)[:, None], block.shape))
    last = np.sort(coarse[full * BLOCK:], axis=0)  # one point in each coarse stratum with a fine stratum left
    assert len(extra) == rest and np.array_equal(last, np.broadcast_to(extra[:, None], last.shape))


def test_blocks_and_dimensions_are_not_alike(space):
    n = 4 * BLOCK
    u = unit_design(space, n, 5, "lhs", 0, n)
    rho = stats.spearmanr(u[:, :6]).statistic
    off = rho[~np.eye(6, dtype=bool)]
    assert np.max(np.abs(off)) < 5 / np.sqrt(n)  # independent dimensions
    for b in range(1, 4):  # each block's pairing of dimensions is its own
        assert not np.array_equal(np.argsort(u[:BLOCK, 0]), np.argsort(u[b * BLOCK:(b + 1) * BLOCK, 0]))
    # the coarse pairings of two dimensions differ between blocks
    first = np.floor(u[:BLOCK, :2] * BLOCK).astype(int)
    second = np.floor(u[BLOCK:2 * BLOCK, :2] * BLOCK).astype(int)
    assert len({tuple(r) for r in first} & {tuple(r) for r in second}) < BLOCK // 100


@pytest.mark.parametrize("n", [1, 5000, BLOCK])
def test_up_to_one_block_the_design_is_scipys(space, n):
    from scipy.stats import qmc

    d = len(space.names)
    ref = qmc.LatinHypercube(d, rng=np.random.default_rng(np.random.SeedSequence(9, spawn_key=(0,)))).random(n)
    assert unit_design(space, n, 9, "lhs", 0, n).tobytes() == np.ascontiguousarray(ref).tobytes()
    assert "lhs" not in SampleDesign(space, n, 9).spec()  # the same identity as before the sliced design
    assert SampleDesign(space, BLOCK + 1, 9).spec()["lhs"] == "sliced"


def test_values_of_a_full_block_are_the_inverse_cdfs_of_its_rows(space):
    n = 2 * BLOCK + 777
    design = SampleDesign(space, n, 3, "lhs")
    u = unit_design(space, n, 3, "lhs", 0, n)
    rows = design.rows(0, n)
    for j, unc in enumerate(space.uncertainties):
        assert rows[unc.name].tobytes() == unc.ppf(np.ascontiguousarray(u[:, j])).tobytes(), unc.name
    cuts = [0, 5, BLOCK - 1, BLOCK + 10, 2 * BLOCK, n]
    parts = [design.rows(a, b) for a, b in zip(cuts, cuts[1:], strict=False)]
    for name in rows:
        assert np.concatenate([p[name] for p in parts]).tobytes() == rows[name].tobytes()


def test_split_triangular_inverse_cdf_equals_the_selected_one():
    u = np.sort(np.concatenate([np.random.default_rng(2).random(30000), [0.0, 0.12, 0.12, 1.0]]))
    for a, c, b in ((30.0, 150.0, 1000.0), (0.0, 0.0, 1.0), (0.0, 1.0, 1.0), (2.0, 2.5, 2.6)):
        split = _triangular_ppf(u, a, c, b, ascending=True)
        assert split.tobytes() == _triangular_ppf(u, a, c, b).tobytes()
        np.testing.assert_allclose(split, stats.triang.ppf(u, (c - a) / (b - a), loc=a, scale=b - a), rtol=1e-12,
                                   atol=1e-12 * b)


@pytest.mark.parametrize(("kind", "params"), [("triangular", {"low": 0.0, "mode": 0.05, "high": 0.5}),
                                              ("triangular", {"low": 0.1, "mode": 0.1, "high": 0.9}),
                                              ("uniform", {"low": 2.0, "high": 2.6})])
def test_unclipped_inverse_cdf_stays_within_the_bounds(kind, params):
    p = tuple(params.items())
    low, high = params["low"], params["high"]
    u = np.concatenate([[0.0, 5e-324, 1e-17, 1.0 - 2**-53, 1.0], np.random.default_rng(1).random(200000)])
    for lo, hi, lo_open in ((low, high, False), (low, high, True), (low - 1, high + 1, False)):
        unc = Uncertainty("x", kind, p, lo, hi, lower_open=lo_open)
        x = unc.ppf(u)
        floor = np.nextafter(lo, np.inf) if lo_open else lo
        assert np.all((x >= floor) & (x <= hi))


def test_rank_correlation_on_a_sliced_design_is_chunk_invariant():
    sc = load_scenario({"uncertainty": {"correlations": [{"between": ["solar.cell_efficiency",
                                                                      "solar.cost_usd_per_w"], "rank": 0.6}]}})
    space = uncertainty_space(sc)
    n = BLOCK + 4000
    design = SampleDesign(space, n, 4, "lhs")
    rows = design.rows(0, n)
    parts = [design.rows(a, b) for a, b in ((0, 1000), (1000, BLOCK + 3), (BLOCK + 3, n))]
    assert all(np.concatenate([p[k] for p in parts]).tobytes() == rows[k].tobytes() for k in rows)
    first = slice(0, BLOCK)
    rho = stats.spearmanr(rows["solar.cell_efficiency"][first], rows["solar.cost_usd_per_w"][first]).statistic
    assert abs(rho - 0.6) < 0.02
    u = unit_design(space, n, 4, "lhs", 0, n)
    for j, unc in enumerate(space.uncertainties):  # values are the inverse CDFs of the (reordered) unit rows
        assert rows[unc.name].tobytes() == unc.ppf(np.ascontiguousarray(u[:, j])).tobytes()


def test_base_is_drawn_from_its_own_stream_once():
    base = lh.sliced_base(3, 5 * BLOCK + 17, 4)
    assert base.perm.shape == (4, BLOCK) and base.offset.shape == (4, 5)
    assert all(np.array_equal(np.sort(p), np.arange(BLOCK)) for p in base.perm)
    assert all(np.array_equal(np.sort(o), np.arange(5)) for o in base.offset)
    assert base.last.shape == (17,) and np.all(np.diff(base.last) > 0)
    assert lh.sliced_base(3, 5 * BLOCK + 17, 4) is base  # cached per run
