r"""A Latin hypercube of N points over the whole of N, drawn block by block from the seed alone.

A Latin hypercube of N points puts exactly one point in each of the N strata :math:`[k/N, (k+1)/N)` of every
dimension. Drawn whole it needs one random permutation of N per dimension (SciPy's
``scipy.stats.qmc.LatinHypercube``): 40 permutations of 1e7 are 3 GB and most of the time of a large Monte Carlo
run. Here the N rows are cut into blocks of :data:`BLOCK` rows (the unit of the per-index determinism of
:mod:`terawatt.studies.uncertainty`), and the design is *sliced* [1]_: every block is itself a Latin hypercube
over :data:`BLOCK` coarse strata, and the union of the blocks is a Latin hypercube over the N fine strata.

Construction (:math:`B` = :data:`BLOCK`, :math:`F = \lfloor N/B \rfloor` full blocks, or none when
:math:`N \le B`; a last block of :math:`L = N - FB` rows when that is not zero; per dimension :math:`j`):

- Coarse stratum :math:`c \in [0, B)` holds the fine strata :math:`e_c \le k < e_{c+1}`,
  :math:`e_c = \lfloor cN/B \rfloor`: :math:`n_c = F` or :math:`F + 1` of them (:math:`L` coarse strata have
  :math:`F + 1`).
- Full block :math:`b` takes, in every coarse stratum, the fine stratum :math:`e_c + \sigma_j(b)`, with
  :math:`\sigma_j` a random permutation of :math:`[0, F)`; the last block takes :math:`e_c + F` in the :math:`L`
  coarse strata with :math:`n_c = F + 1`. Every fine stratum is thus taken exactly once over the N rows.
- Within its fine stratum :math:`k` a point is :math:`(k + 1 - v)/N` (SciPy's convention), :math:`v` uniform in
  [0, 1): one draw per coarse stratum and block, shared by the dimensions (a row lies in a different coarse
  stratum in each dimension, so its jitters are distinct draws; they only place a point within its fine stratum,
  1/N wide).
- Row :math:`r` of full block :math:`b` lies in coarse stratum :math:`P_j((r + s_{bj}) \bmod B)`: :math:`P_j` a
  random permutation of B drawn once per run, rotated by a random shift :math:`s_{bj}` per block. Each block is
  thus a Latin hypercube of B points over the coarse strata whose pairing of dimensions is a fresh uniform one
  (a rotated uniform permutation is uniform); blocks share the permutations, rotated independently (two blocks
  pair two given dimensions alike with probability 1/B). Row :math:`r` of the last block lies in the
  :math:`Q_j(r)`-th of its coarse strata, :math:`Q_j` a permutation of L drawn with an (L, d) jitter as SciPy
  draws an L-point hypercube.

Random streams (``numpy.random.SeedSequence(seed, spawn_key=...)``): ``(0, 1)`` gives the permutations
:math:`P_j` then :math:`\sigma_j`; ``(b, 0)`` gives full block b's shifts then its jitter; ``(F, 0)`` the last
block's jitter and permutations in SciPy's order. With N <= B there is one (last) block, whose fine and coarse
strata coincide: the design is then bit for bit ``scipy.stats.qmc.LatinHypercube(d, rng=numpy.random.
default_rng(SeedSequence(seed, spawn_key=(0,)))).random(N)``.

Cost: a full block draws B + d numbers; its shared part :math:`e_c + 1 - v` is one pass over B values
(:func:`sliced_block_parts`). The sampled values of a dimension are computed from it in coarse-stratum order
(increasing) without forming the unit values: :meth:`terawatt.studies.uncertainty.Uncertainty.ppf_of_strata`
folds the division by N into each distribution's constants and splits a two-branch inverse CDF (triangular) at one
index, ~4 passes; they are then gathered into row order (:func:`rotate`). SciPy's design of a block (d permutations
of B and a B x d jitter) costs about five times the whole of this. (:func:`sliced_block` still gives the unit
values, ``(e_c + \sigma_j(b) + 1 - v)/N``, for the tests and for correlated inputs, reordered in row order.)

References
----------
.. [1] P. Z. G. Qian, "Sliced Latin hypercube designs", Journal of the American Statistical Association
   107(497), 393-399 (2012).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: Rows per sampling block: the unit of the per-index deterministic design (:mod:`terawatt.studies.uncertainty`).
BLOCK = 65536
#: Rows of an (m, d) array transposed at a time (a SciPy hypercube's jitter, a random block): a tile of 1,024 x d
#: stays in cache; transposed whole, the (d, m) result is written a column at a time (~3x slower for 65,536 x 40).
_TILE = 1024


def full_blocks(n: int) -> int:
    """F, the full blocks of an n-row design built by the sliced construction: none when n <= :data:`BLOCK`
    (one block, SciPy's design)."""
    return int(n) // BLOCK if n > BLOCK else 0


def stream(seed: int, *key: int) -> np.random.Generator:
    """The random stream ``SeedSequence(seed, spawn_key=key)`` (PCG64)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def transposed(a: np.ndarray) -> np.ndarray:
    """``numpy.ascontiguousarray(a.T)`` of a 2-D array, a tile of :data:`_TILE` rows at a time (the same values)."""
    out = np.empty(a.shape[::-1], a.dtype)
    for r in range(0, a.shape[0], _TILE):
        out[:, r:r + _TILE] = a[r:r + _TILE].T
    return out


def scipy_hypercube(rng: np.random.Generator, d: int, m: int, cells: np.ndarray | None = None,
                    n: int | None = None) -> np.ndarray:
    r"""An m-point Latin hypercube drawn from ``rng`` as SciPy draws it, shape (d, m) (one row per dimension).

    Parameters
    ----------
    rng
        The stream (for SciPy's own design: the child ``SeedSequence(..., spawn_key=(*key, 0))`` that
        ``LatinHypercube(d, rng=default_rng(SeedSequence(..., spawn_key=key)))`` spawns).
    d, m
        Dimensions and points.
    cells, n
        Optional (m,) fine strata plus one, increasing, and the count of fine strata: point r of dimension j is
        then ``(cells[P_j(r)] - v) / n``. ``None``: ``cells = 1..m``, ``n = m``.

    Notes
    -----
    With ``cells`` ``None``, bitwise the transpose of ``scipy.stats.qmc.LatinHypercube(d, rng=g).random(m)``
    (SciPy's base algorithm, ``scramble=True``: :math:`x_{ij} = (\pi_j(i) + 1 - v_{ij}) / m` with :math:`v` an
    (m, d) uniform draw and :math:`\pi_j` one ``Generator.permutation`` per column, drawn in that order), without
    importing ``scipy.stats``.
    """
    jitter = rng.random((m, d))  # the values (and stream use) of SciPy's uniform(size=(m, d))
    u = np.empty((d, m))
    order, column = np.arange(m), np.empty(m, np.int64)
    for j in range(d):
        column[:] = order
        rng.shuffle(column)  # what rng.permutation(m) does, in one reused buffer
        if cells is None:
            u[j] = column
        else:
            np.take(cells, column, out=u[j], mode="clip")  # a permutation: valid indices ("raise" buffers out)
    if cells is None:
        u += 1.0
    for r in range(0, m, _TILE):  # the transposed jitter a tile of rows at a time: it stays in cache
        u[:, r:r + _TILE] -= jitter[r:r + _TILE].T
    u /= m if n is None else n
    return u


@dataclass(frozen=True)
class SlicedBase:
    """What every block of an N-row sliced hypercube shares (drawn once per run and process; see the module)."""

    n: int
    full: int  #: F, the full blocks
    #: (d, B) P_j: row position -> coarse stratum. Not flagged read-only (do not modify it): ``numpy.take`` copies
    #: a read-only index array before it gathers (a copy of 512 kB per dimension and block, ~30 % of a rotation).
    perm: np.ndarray
    offset: np.ndarray  #: (d, F) sigma_j(b): the fine stratum of full block b within each coarse stratum [float]
    start: np.ndarray  #: (B,) e_c + 1 [float]
    last: np.ndarray | None  #: (L,) the last block's fine strata plus one, increasing [float]


@lru_cache(maxsize=2)
def sliced_base(seed: int, n: int, d: int) -> SlicedBase:
    """The shared part of the sliced hypercube of ``n`` rows in ``d`` dimensions (stream ``(0, 1)``)."""
    full = full_blocks(n)
    rest = int(n) - full * BLOCK
    c = np.arange(BLOCK, dtype=np.int64)
    start = c * n // BLOCK
    count = (c + 1) * n // BLOCK - start
    rng = stream(seed, 0, 1)
    perm = np.empty((d, BLOCK), np.intp)
    for j in range(d):
        perm[j] = c
        rng.shuffle(perm[j])
    offset = rng.permuted(np.tile(np.arange(full, dtype=float), (d, 1)), axis=1)  # sigma_j, one row each
    last = (start[count == full + 1] + full + 1).astype(float) if rest else None
    out = SlicedBase(int(n), full, perm, offset, (start + 1).astype(float), last)
    for a in (out.offset, out.start, *(() if last is None else (last,))):
        a.setflags(write=False)
    return out


def sliced_block(seed: int, n: int, d: int, b: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Block ``b`` of the n-row sliced hypercube: ``(u, shift)``.

    For a full block, ``u`` (d, B) is in coarse-stratum order (each row increasing) and ``shift`` (d,) the
    rotations: row r of dimension j is ``u[j, perm[j, (r + shift[j]) % B]]`` (:func:`rotate`). For the last
    block (and the only one when n <= B), ``u`` (d, L) is in row order and ``shift`` is ``None``.
    """
    base, shift = sliced_block_parts(seed, n, d, b)
    if shift is None:
        return base, None
    u = np.empty((d, BLOCK))
    for j in range(d):
        full_block_column(base, sliced_base(seed, n, d).offset[j, b], n, u[j])
    return u, shift


def sliced_block_parts(seed: int, n: int, d: int, b: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Full block ``b``: ``(e_c + 1 - v, shift)``, what its columns share (:func:`full_block_column` gives each);
    the last block: ``(u, None)`` as :func:`sliced_block`."""
    full = full_blocks(n)
    if b >= full:
        m = int(n) - full * BLOCK
        last = sliced_base(seed, n, d).last if full else None
        return scipy_hypercube(stream(seed, b, 0), d, m, last, n), None
    rng = stream(seed, b, 0)
    shift = rng.integers(0, BLOCK, size=d)
    shared = np.subtract(sliced_base(seed, n, d).start, rng.random(BLOCK))
    return shared, shift


def full_block_column(shared: np.ndarray, offset: float, n: int, out: np.ndarray) -> np.ndarray:
    """One dimension of a full block in coarse-stratum order: ``(e_c + sigma_j(b) + 1 - v) / n`` (increasing)."""
    np.add(shared, offset, out=out)
    out /= n
    return out


def rotate(values: np.ndarray, perm: np.ndarray, shift: int, out: np.ndarray) -> np.ndarray:
    """Row order of one dimension of a full block: ``out[r] = values[perm[(r + shift) % B]]``."""
    k = len(perm) - int(shift)
    np.take(values, perm[shift:], out=out[:k], mode="clip")  # the indices are valid: "clip" skips their check
    np.take(values, perm[:shift], out=out[k:], mode="clip")
    return out
