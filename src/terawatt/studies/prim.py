r"""PRIM, the Patient Rule Induction Method of Friedman and Fisher [1]_: boxes of input space where a binary outcome
is concentrated, as used for scenario discovery (Bryant and Lempert [2]_; EMA Workbench's ``prim``).

A box is a set of limits ``lo_j <= x_j <= hi_j`` on every input. Of the N points, ``support`` is the share inside
the box, ``density`` the share of the points inside for which the outcome holds, ``coverage`` the share of all
points of interest (outcome true) that are inside.

- **Peeling** (top-down): starting from the whole sample, at each step remove the slice of about ``alpha`` of the
  box's points at the low or the high end of one input, choosing among the 2d candidates the one that leaves the
  highest density (F&F's original criterion); stop when the next peel would leave fewer than ``min_support`` of
  the N points. The boxes met form the *peeling trajectory* (the coverage-density trade-off).
- **Choice**: the box of the trajectory with the largest coverage among those with density >= ``threshold``
  (the densest box, with a note, if none reaches it).
- **Pasting** (bottom-up): widen one limit at a time by about ``alpha`` of the box's points while that raises the
  density.
- **Covering**: remove the points of the box and search the remaining ones again, up to ``max_boxes`` boxes,
  while a box reaches the density threshold.

An input is *restricted* by a box when a limit lies inside the sample's range of that input. Each restricted
input carries a quasi-p-value (EMA Workbench, after Bryant and Lempert): with the limits on that input removed, the
box holds :math:`T_j` points of which :math:`H_j` of interest; the box itself holds :math:`T` and :math:`H`; the
quasi-p-value is :math:`P(X \ge H)` for :math:`X \sim \mathrm{Binomial}(T, H_j / T_j)`, the chance that a box as
dense would arise by chance from the relaxed one. Small values (< 0.05) say the restriction matters.

References
----------
.. [1] J. H. Friedman and N. I. Fisher, "Bump hunting in high-dimensional data", Statistics and Computing 9,
   123-143 (1999).
.. [2] B. P. Bryant and R. J. Lempert, "Thinking inside the box: a participatory, computer-assisted approach to
   scenario discovery", Technological Forecasting and Social Change 77, 34-49 (2010).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ALPHA = 0.05
MIN_SUPPORT = 0.05
THRESHOLD = 0.8
MAX_BOXES = 3


@dataclass(frozen=True)
class TrajectoryPoint:
    """One box of a peeling trajectory: its coverage, density and support [-] and how many inputs it restricts."""

    coverage: float
    density: float
    support: float
    restricted: int


@dataclass(frozen=True)
class PrimBox:
    """A box found by PRIM: limits of the restricted inputs (``None`` = that side not restricted), coverage,
    density, support [-], points, quasi-p-values per restricted input, and the peeling trajectory it came from
    (``chosen`` indexes the box picked on it, before pasting)."""

    limits: dict[str, tuple[float | None, float | None]]
    coverage: float
    density: float
    support: float
    points: int
    points_of_interest: int
    quasi_p: dict[str, float]
    trajectory: tuple[TrajectoryPoint, ...]
    chosen: int
    reaches_threshold: bool
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"coverage": self.coverage, "density": self.density, "support": self.support,
                "points": self.points, "points_of_interest": self.points_of_interest,
                "limits": {k: {"low": lo, "high": hi, "quasi_p": self.quasi_p[k]}
                           for k, (lo, hi) in self.limits.items()},
                "reaches_threshold": self.reaches_threshold, "chosen": self.chosen, "notes": list(self.notes),
                "trajectory": [vars(p) for p in self.trajectory]}


def _inside(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.all((x >= lo) & (x <= hi), axis=1)


def _point(y: np.ndarray, inside: np.ndarray, total: int, lo: np.ndarray, hi: np.ndarray, span: tuple[np.ndarray,
           np.ndarray], n_all: int) -> TrajectoryPoint:
    m = int(inside.sum())
    restricted = int(np.sum((lo > span[0]) | (hi < span[1])))
    return TrajectoryPoint(float(y[inside].sum() / total), float(y[inside].mean()) if m else 0.0, m / n_all,
                           restricted)


def _best_peel(xs: np.ndarray, cum: np.ndarray, alpha: float, min_count: int) -> tuple[float, int, int, float] | None:
    """The peel leaving the highest density: (density, dimension, side 0 = low / 1 = high, new limit), or ``None``.

    ``xs`` (m, d) holds each input's values of the box's points sorted, ``cum`` (m, d) the running count of points
    of interest in that order. A peel removes the k = max(1, floor(alpha m)) smallest (largest) values, widened to
    whole ties; an input whose values are all equal cannot be peeled.
    """
    m, d = xs.shape
    k = max(1, int(np.floor(alpha * m)))
    positives = cum[-1, 0]
    best = None
    for j in range(d):
        col = xs[:, j]
        r = int(np.searchsorted(col, col[min(k, m - 1)], "left")) or int(np.searchsorted(col, col[0], "right"))
        if r < m and m - r >= min_count:  # remove the r smallest: keep x >= col[r]
            density = (positives - cum[r - 1, j]) / (m - r)
            if best is None or (density, m - r) > (best[0], best[4]):
                best = (float(density), j, 0, float(col[r]), m - r)
        r = m - int(np.searchsorted(col, col[max(m - 1 - k, 0)], "right")) or \
            m - int(np.searchsorted(col, col[-1], "left"))
        if r < m and m - r >= min_count:  # remove the r largest: keep x <= col[m - 1 - r]
            density = cum[m - 1 - r, j] / (m - r)
            if best is None or (density, m - r) > (best[0], best[4]):
                best = (float(density), j, 1, float(col[m - 1 - r]), m - r)
    return None if best is None else best[:4]


def peel(x: np.ndarray, y: np.ndarray, alpha: float, min_count: int, total: int, n_all: int
         ) -> list[tuple[np.ndarray, np.ndarray, TrajectoryPoint]]:
    """The peeling trajectory over the points ``x`` (m, d) with outcome ``y``: ``[(lo, hi, point), ...]``, the
    whole sample first. ``total`` positives and ``n_all`` points define coverage and support."""
    lo, hi = x.min(axis=0).astype(float), x.max(axis=0).astype(float)
    span = (lo.copy(), hi.copy())
    inside = np.ones(len(y), bool)
    out = [(lo.copy(), hi.copy(), _point(y, inside, total, lo, hi, span, n_all))]
    order = np.argsort(x, axis=0, kind="stable").T  # (d, m): each input's points in increasing order, kept sorted
    d = x.shape[1]
    while True:
        xs = np.take_along_axis(x, order.T, axis=0)
        best = _best_peel(xs, np.cumsum(y[order.T], axis=0), alpha, min_count)
        if best is None:
            return out
        _, j, side, limit = best
        if side == 0:
            lo[j] = limit
        else:
            hi[j] = limit
        inside = _inside(x, lo, hi)
        order = order[inside[order]].reshape(d, -1)
        out.append((lo.copy(), hi.copy(), _point(y, inside, total, lo, hi, span, n_all)))


def paste(x: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray, alpha: float) -> tuple[np.ndarray,
                                                                                                 np.ndarray]:
    """Widen the box one limit at a time by about ``alpha`` of its points while the density rises [1]_."""
    lo, hi = lo.copy(), hi.copy()
    while True:
        below, above = x < lo, x > hi
        violations = (below | above).sum(axis=1)
        inside = violations == 0
        count, positives = int(inside.sum()), int(y[inside].sum())
        density = positives / count
        k = max(1, int(np.floor(alpha * count)))
        best: tuple[float, int, int, float] | None = None
        for j in range(x.shape[1]):
            for side, outside in ((0, below[:, j]), (1, above[:, j])):
                outside = outside & (violations == 1)  # outside on this limit only
                values = np.sort(x[outside, j])
                if not values.size:
                    continue
                limit = values[-min(k, values.size)] if side == 0 else values[min(k, values.size) - 1]
                added = outside & ((x[:, j] >= limit) if side == 0 else (x[:, j] <= limit))
                d = (positives + int(y[added].sum())) / (count + int(added.sum()))
                if d > density and (best is None or d > best[0]):
                    best = (d, j, side, float(limit))
        if best is None:
            return lo, hi
        _, j, side, limit = best
        if side == 0:
            lo[j] = limit
        else:
            hi[j] = limit


def _quasi_p(x: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray, j: int) -> float:
    from scipy.stats import binom

    inside = _inside(x, lo, hi)
    t, h = int(inside.sum()), int(y[inside].sum())
    relaxed_lo, relaxed_hi = lo.copy(), hi.copy()
    relaxed_lo[j], relaxed_hi[j] = -np.inf, np.inf
    relaxed = _inside(x, relaxed_lo, relaxed_hi)
    p = float(y[relaxed].sum() / relaxed.sum())
    return float(binom.sf(h - 1, t, p))


def prim(
    inputs: Mapping[str, np.ndarray] | Any,
    y: np.ndarray,
    alpha: float = ALPHA,
    min_support: float = MIN_SUPPORT,
    threshold: float = THRESHOLD,
    max_boxes: int = MAX_BOXES,
    pasting: bool = True,
) -> list[PrimBox]:
    """Find up to ``max_boxes`` PRIM boxes where ``y`` holds (see the module docstring).

    Parameters
    ----------
    inputs
        Input columns by name (a mapping of 1-D arrays of one length N, or a pandas DataFrame).
    y
        Outcome per point (boolean, length N), with at least one True and one False.
    alpha
        Share of the box's points removed by one peel (and added by one paste) [-], in (0, 0.5).
    min_support
        Smallest share of the N points a box may hold [-], in (0, 1).
    threshold
        Density a box must reach to be chosen [-], in (0, 1].
    max_boxes
        Most boxes (covering).
    pasting
        Paste the chosen box.

    Returns
    -------
    list of PrimBox
        The boxes in order of discovery (the first always, even below the threshold; later ones only when they
        reach it).
    """
    names: Sequence[str] = list(inputs.keys()) if isinstance(inputs, Mapping) else list(inputs.columns)
    x = np.column_stack([np.asarray(inputs[k], float) for k in names])
    y = np.asarray(y, bool)
    n_all, total = len(y), int(y.sum())
    if total == 0 or total == n_all:
        raise ValueError("PRIM needs points where the outcome holds and points where it does not")
    min_count = max(1, int(np.ceil(min_support * n_all)))
    available = np.ones(n_all, bool)
    boxes: list[PrimBox] = []
    while len(boxes) < max_boxes:
        xs, ys = x[available], y[available]
        if ys.sum() == 0 or len(ys) < min_count:
            break
        span = (xs.min(axis=0), xs.max(axis=0))
        trajectory = peel(xs, ys, alpha, min_count, total, n_all)
        dense = [i for i, (_, _, p) in enumerate(trajectory) if p.density >= threshold]
        reaches = bool(dense)
        chosen = max(dense, key=lambda i: (trajectory[i][2].coverage, trajectory[i][2].density)) if dense else \
            max(range(len(trajectory)), key=lambda i: trajectory[i][2].density)
        if boxes and not reaches:
            break
        lo, hi = trajectory[chosen][0], trajectory[chosen][1]
        if pasting:
            lo, hi = paste(xs, ys, lo, hi, alpha)
        inside = _inside(xs, lo, hi)
        limits, quasi = {}, {}
        for j, name in enumerate(names):
            low = float(lo[j]) if lo[j] > span[0][j] else None
            high = float(hi[j]) if hi[j] < span[1][j] else None
            if low is not None or high is not None:
                limits[name] = (low, high)
                quasi[name] = _quasi_p(xs, ys, lo, hi, j)
        notes = () if reaches else (f"no box of the trajectory reaches density {threshold:g}: the densest is shown",)
        if not limits:
            notes += ("no input is restricted: the box is the whole sample (min_support may be too large to peel)",)
        boxes.append(PrimBox(limits, float(ys[inside].sum() / total), float(ys[inside].mean()),
                             float(inside.sum() / n_all), int(inside.sum()), int(ys[inside].sum()), quasi,
                             tuple(p for _, _, p in trajectory), chosen, reaches, notes))
        where = np.flatnonzero(available)
        available[where[inside]] = False
    return boxes
