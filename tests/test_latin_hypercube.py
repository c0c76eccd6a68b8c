"""The sliced Latin hypercube (terawatt.studies.latin_hypercube): a Latin hypercube over the whole N, each block a
Latin hypercube over its coarse strata, SciPy's design for N <= BLOCK, and the inverse CDFs of a block computed in
stratum order (Uncertainty.ppf_of_strata) those of its rows, against scipy.stats and an extended-precision truth."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from scipy import stats

from terawatt.scenario import load_scenario
from terawatt.studies import latin_hypercube as lh
from terawatt.studies.uncertainty import (
    BLOCK,
    SLICED_LHS,
    SampleDesign,
    Uncertainty,
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
    assert SampleDesign(space, BLOCK + 1, 9).spec()["lhs"] == SLICED_LHS == "sliced-2"


def test_values_of_a_full_block_are_the_inverse_cdfs_of_its_rows(space):
    n = 2 * BLOCK + 777
    design = SampleDesign(space, n, 3, "lhs")
    u = unit_design(space, n, 3, "lhs", 0, n)
    rows = design.rows(0, n)
    last = slice(2 * BLOCK, n)  # the last block is transformed in row order: bit for bit
    for j, unc in enumerate(space.uncertainties):
        column = np.ascontiguousarray(u[:, j])
        # the full blocks: the same values to a few ulps (the tails of a normal or lognormal amplify those of u:
        # 1e-12 where 1e-4 < u < 1 - 1e-4, about 1e-11 beyond)
        bulk = (column > 1e-4) & (column < 1 - 1e-4) if unc.kind in ("normal", "lognormal") else slice(None)
        np.testing.assert_allclose(rows[unc.name][bulk], unc.ppf(column)[bulk], rtol=1e-12, atol=0, err_msg=unc.name)
        np.testing.assert_allclose(rows[unc.name], unc.ppf(column), rtol=1e-10, atol=0, err_msg=unc.name)
        assert rows[unc.name][last].tobytes() == unc.ppf(column[last]).tobytes(), unc.name
    cuts = [0, 5, BLOCK - 1, BLOCK + 10, 2 * BLOCK, n]
    parts = [design.rows(a, b) for a, b in zip(cuts, cuts[1:], strict=False)]
    for name in rows:
        assert np.concatenate([p[name] for p in parts]).tobytes() == rows[name].tobytes()


STRATA_CASES = [  # (Uncertainty, scipy.stats distribution, range of u over which the check holds)
    *[(Uncertainty("x", "triangular", (("low", a), ("mode", c), ("high", b)), a, b),
       stats.triang((c - a) / (b - a), loc=a, scale=b - a), (0, 1))
      for a, c, b in ((30.0, 150.0, 1000.0), (0.0, 0.0, 1.0), (0.0, 1.0, 1.0), (0.2, 0.25, 0.32))],
    (Uncertainty("x", "uniform", (("low", 2.0), ("high", 2.6)), 2.0, 2.6), stats.uniform(2.0, 0.6), (0, 1)),
    (Uncertainty("x", "uniform", (("low", -3.0), ("high", 2.6)), -3.0, 2.6, lower_open=True),
     stats.uniform(-3.0, 5.6), (0, 1)),
    # the tails of a normal amplify the rounding of u itself (~1e-16) beyond 1e-12: checked where they do not
    (Uncertainty("x", "normal", (("mean", 0.9), ("sd", 0.1)), 0.7, 1.0, truncated=True),
     stats.truncnorm(-2.0, 1.0, loc=0.9, scale=0.1), (1e-4, 1 - 1e-4)),
    (Uncertainty("x", "lognormal", (("mean", 300.0), ("sd", 150.0)), None, None),
     stats.lognorm(np.sqrt(np.log1p(0.25)), scale=300 * np.exp(-np.log1p(0.25) / 2)), (1e-4, 1 - 1e-4)),
]


@pytest.mark.parametrize(("unc", "dist", "bulk"), STRATA_CASES, ids=lambda c: getattr(c, "kind", None))
def test_stratum_inverse_cdfs_are_scipy_stats_ppf(unc, dist, bulk):
    """Uncertainty.ppf_of_strata at u = (s + o)/n (a full block in stratum order) against scipy.stats' ppf to
    1e-12, non-decreasing and inside the bounds (an open one excluded)."""
    n = 152 * BLOCK + 777  # a 1e7-sample design: strata 1e-7 wide
    shared, _ = lh.sliced_block_parts(3, n, 4, 7)
    for offset in (0.0, 77.0, 151.0):
        x = unc.ppf_of_strata(shared, offset, n, np.empty(BLOCK))
        u = (shared + offset) / n
        keep = (u >= bulk[0]) & (u <= bulk[1])
        np.testing.assert_allclose(x[keep], dist.ppf(u[keep]), rtol=1e-12, atol=1e-12 * abs(dist.ppf(0.5)))
        assert np.all(np.diff(x) >= 0 if unc.kind == "uniform" else np.diff(x) > -1e-12 * abs(x[1:]))
        lo, hi, _ = unc._bounds
        assert np.all((x >= lo) & (x <= hi)) and (not unc.lower_open or x.min() > unc.lower)


@pytest.mark.parametrize("abc", [(30.0, 150.0, 1000.0), (0.0, 0.0, 1.0), (0.0, 1.0, 1.0), (0.2, 0.25, 0.32)])
def test_stratum_inverse_cdfs_are_at_least_as_exact_as_dividing_first(abc):
    """Against the closed form in extended precision at the exact u = (s + o)/n, the stratum arithmetic is never
    further than dividing by n first and taking Uncertainty.ppf (the arithmetic of the manifest's earlier
    ``lhs: sliced``): the values changed in their last bits, not in their exactness."""
    a, c, b = abc
    unc = Uncertainty("x", "triangular", (("low", a), ("mode", c), ("high", b)), a, b)
    n = 152 * BLOCK + 777
    shared, _ = lh.sliced_block_parts(3, n, 4, 7)
    wide = np.longdouble
    for offset in (0.0, 151.0):
        u = (shared.astype(wide) + wide(offset)) / wide(n)
        ba = wide(b) - wide(a)
        truth = np.where(u < (wide(c) - wide(a)) / ba, wide(a) + np.sqrt(u * ba * (wide(c) - wide(a))),
                         wide(b) - np.sqrt((1 - u) * ba * (wide(b) - wide(c))))
        ulp = np.spacing(np.abs(truth).astype(float))
        new = np.abs(unc.ppf_of_strata(shared, offset, n, np.empty(BLOCK)) - truth) / ulp
        old = np.abs(unc.ppf((shared + offset) / n) - truth) / ulp
        assert new.max() <= old.max() + 1 and new.mean() <= old.mean() * 1.2 + 0.1


def test_sampled_values_are_pinned(space):
    """The exact values of a few designs for one seed (every sampler; a Latin hypercube of one block and of
    several). A change here changes the samples of a saved run: record it in the manifest (:data:`SLICED_LHS`
    for the sliced design, a new key for the others), so that a folder is not resumed with other values."""
    expected = {("random", 2 * BLOCK + 777): "923a1b5a50aba2ca", ("lhs", 5000): "61d2ee46db1e5738",
                ("lhs", 2 * BLOCK + 777): "bbdc9ec23b358f77", ("sobol", 3000): "a39d6e02242d8338"}
    for (sampler, n), digest in expected.items():
        rows = SampleDesign(space, n, 3, sampler).rows(0, n)
        sha = hashlib.sha256(b"".join(np.ascontiguousarray(rows[k]).tobytes() for k in space.names))
        assert sha.hexdigest()[:16] == digest, (sampler, n)


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
        column = np.ascontiguousarray(u[:, j])
        if unc.name in ("solar.cell_efficiency", "solar.cost_usd_per_w"):  # reordered in row order: bit for bit
            assert rows[unc.name].tobytes() == unc.ppf(column).tobytes()
        else:  # the full block's other columns in stratum order (see the test above)
            np.testing.assert_allclose(rows[unc.name], unc.ppf(column), rtol=1e-10, atol=0)


def test_base_is_drawn_from_its_own_stream_once():
    base = lh.sliced_base(3, 5 * BLOCK + 17, 4)
    assert base.perm.shape == (4, BLOCK) and base.offset.shape == (4, 5)
    assert all(np.array_equal(np.sort(p), np.arange(BLOCK)) for p in base.perm)
    assert all(np.array_equal(np.sort(o), np.arange(5)) for o in base.offset)
    assert base.last.shape == (17,) and np.all(np.diff(base.last) > 0)
    assert lh.sliced_base(3, 5 * BLOCK + 17, 4) is base  # cached per run


def test_rotation_gathers_rows_of_the_run_permutation():
    """``rotate`` is ``values[perm[(r + shift) % B]]`` for every shift (the two ends included), read from the run's
    permutations as they are kept: writeable, since ``numpy.take`` copies a read-only index array before each
    gather (512 kB per dimension and block)."""
    base = lh.sliced_base(5, 3 * BLOCK + 1, 2)
    assert base.perm.flags.writeable and base.perm.flags.c_contiguous
    values = np.random.default_rng(1).random(BLOCK)
    out = np.empty(BLOCK)
    for shift in (0, 1, 12345, BLOCK - 1):
        expected = values[base.perm[1][(np.arange(BLOCK) + shift) % BLOCK]]
        assert lh.rotate(values, base.perm[1], shift, out).tobytes() == expected.tobytes()
