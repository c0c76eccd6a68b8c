r"""Exact percentiles of a column that arrives in chunks, without holding the column.

:class:`StreamedPercentiles` takes a column chunk by chunk (in any order) and, at the end, gives the percentiles
``numpy.percentile`` (linear method) gives over its finite values, bitwise. It never sorts the column: the first
:data:`PILOT` finite values fix, for each percentile wanted, a bracket of values around it (the pilot's own
percentiles +- a margin in probability: five standard deviations of a sample quantile,
:math:`5\sqrt{q(1-q)/n} \le 2.5/\sqrt{n}` for a pilot of n values, and at least :data:`MARGIN`; merged where they
overlap); each later chunk only counts its values below each bracket and keeps those inside (a bracket of one
value, where the pilot's values tie, only counts them). At the end the order
statistics the percentiles need are selected among the kept values (``numpy.partition``), their ranks being known from
the counts. A bracket that turns out not to hold its order statistic (the pilot was far from representative: the
rank of a percentile moved by more than the margin) or more kept values than :data:`BUDGET` make
:meth:`StreamedPercentiles.result` return ``None``: the caller then asks an exact out-of-core engine (DuckDB over
the chunk files). With a pilot of 65,536 values the margin is ~0.01 and about 2 x 0.01 x 5 = 10 % of the values
are kept (80 MB per column at 1e8 samples; :data:`BUDGET` caps it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Finite values taken before the brackets are fixed (held in memory until then).
PILOT = 65536
#: Smallest half-width of a bracket in probability [-] (a pilot of 65,536 values gives 2.5/256 ~ 0.0098).
MARGIN = 0.01
#: Most values kept inside the brackets (8 bytes each); above it the column gives up (caller falls back).
BUDGET = 1 << 23


class StreamedPercentiles:
    """Exact ``numpy.percentile`` (linear) of the finite values of a column fed in chunks.

    Parameters
    ----------
    percentiles
        Percentiles wanted, in [0, 100].
    pilot, margin, budget
        See :data:`PILOT`, :data:`MARGIN`, :data:`BUDGET` (the defaults).
    """

    def __init__(self, percentiles: Sequence[float], pilot: int | None = None, margin: float = MARGIN,
                 budget: int | None = None):
        self.percentiles = tuple(float(p) for p in percentiles)
        self.pilot = int(PILOT if pilot is None else pilot)
        self.margin, self.budget = float(margin), int(BUDGET if budget is None else budget)
        self.total = 0  # values seen, finite or not
        self.finite = 0
        self._pilot: list[np.ndarray] | None = []
        self._edges: np.ndarray | None = None  # (J, 2): [low, high) of each bracket, sorted, disjoint
        self._below = np.zeros(0, np.int64)  # values below each bracket
        self._inside = np.zeros(0, np.int64)
        self._kept: list[np.ndarray] = []
        self._n_kept = 0
        self.gave_up = False

    def add(self, values: np.ndarray) -> None:
        """Feed one chunk of the column."""
        v = np.asarray(values, float).ravel()
        self.total += v.size
        finite = np.isfinite(v)
        n_finite = int(np.count_nonzero(finite))
        if n_finite != v.size:
            v = v[finite]
        self.finite += n_finite
        if self.gave_up or not v.size:
            return
        if self._pilot is not None:
            self._pilot.append(v.copy())
            if self.finite >= self.pilot:
                self._fix_brackets()
            return
        self._take(v)

    def _fix_brackets(self) -> None:
        pilot = np.concatenate(self._pilot)
        self._pilot = None
        q = np.asarray(self.percentiles) / 100
        margin = max(self.margin, 2.5 / np.sqrt(pilot.size))  # 5 standard deviations of a sample quantile
        lo = np.percentile(pilot, 100 * np.clip(q - margin, 0, 1), method="lower")
        hi = np.percentile(pilot, 100 * np.clip(q + margin, 0, 1), method="higher")
        edges: list[list[float]] = []
        for a, b in sorted(zip(lo, np.nextafter(hi, np.inf), strict=True)):
            if edges and a <= edges[-1][1]:
                edges[-1][1] = max(edges[-1][1], b)
            else:
                edges.append([a, b])
        self._edges = np.asarray(edges, float)
        # a bracket of one value (ties: a constant output) only counts its values, it needs not keep them
        self._point = self._edges[:, 1] == np.nextafter(self._edges[:, 0], np.inf)
        self._below = np.zeros(len(edges), np.int64)
        self._inside = np.zeros(len(edges), np.int64)
        self._take(pilot)

    def _take(self, v: np.ndarray) -> None:
        """Count the values below each bracket and inside it, and keep those inside the brackets of more than one
        value: one comparison per edge (the edges are sorted and the brackets disjoint, so a value lies inside a
        bracket exactly when an odd number of the kept brackets' edges lie above it: the exclusive or of their
        comparisons), one compaction of the kept values (``ndarray.compress``, ~3x faster than a boolean index)."""
        below = np.empty(len(self._edges) * 2, np.int64)  # values below each edge: a_0, b_0, a_1, b_1, ...
        kept = None
        for k, edge in enumerate(self._edges.ravel()):
            lt = v < edge
            below[k] = np.count_nonzero(lt)
            if not self._point[k // 2]:
                if kept is None:
                    kept = lt
                else:
                    kept ^= lt
        self._below += below[0::2]
        self._inside += below[1::2] - below[0::2]
        if kept is not None:
            values = v.compress(kept)
            self._kept.append(values)
            self._n_kept += values.size
        if self._n_kept > self.budget:
            self.gave_up, self._kept = True, []

    def result(self) -> np.ndarray | None:
        """The percentiles (bitwise ``numpy.percentile`` of the finite values); ``None`` if the brackets missed
        (see the module docstring) or no value was finite."""
        from terawatt.studies.samples import linear_percentiles

        if self.gave_up or not self.finite:
            return None
        if self._pilot is not None:  # fewer finite values than the pilot: they are all here
            values = np.concatenate(self._pilot)
            return np.percentile(values, self.percentiles)
        kept = np.concatenate(self._kept) if self._kept else np.zeros(0)
        held = np.where(self._point, 0, self._inside)  # values kept per bracket (none for a one-value bracket)
        starts = np.concatenate([[0], np.cumsum(held)[:-1]])

        def order_statistic(ks: list[int]) -> list[float]:
            at = []  # position of each order statistic among the kept values in sorted order
            for k in ks:
                j = np.flatnonzero((self._below <= k) & (k < self._below + self._inside))
                if not j.size:
                    raise LookupError(k)
                at.append(-1 - j[0] if self._point[j[0]] else int(starts[j[0]] + k - self._below[j[0]]))
            kept_at = [i for i in at if i >= 0]
            chosen = dict(zip(kept_at, np.partition(kept, kept_at)[kept_at], strict=True)) if kept_at else {}
            # a selection (not a sort) of the kept values; a one-value bracket's order statistics are its value
            return [chosen[i] if i >= 0 else self._edges[-1 - i, 0] for i in at]

        try:
            return linear_percentiles(self.finite, self.percentiles, order_statistic)
        except LookupError:
            return None
