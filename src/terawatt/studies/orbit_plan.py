"""The eclipse plan of a population run: one way to look up every sample's eclipses, decided from the whole design.

:func:`terawatt.physics.orbit.eclipse_stats_fast` on an array chooses between direct computation and table
interpolation from the array's own content. A population evaluated in chunks would then give a sample values that
depend on its chunk-mates. :func:`run_eclipse_plan` decides once per run, from the bounds and distinct values of
the orbit inputs over all N rows (a sampled design's distribution supports, or one pass over a table's columns),
an :class:`~terawatt.physics.orbit.EclipsePlan` that every chunk then follows (set by
:func:`terawatt.studies.population.evaluate_chunk` in the process or task that evaluates the chunk), so each
sample's eclipse statistics depend only on its own orbit and the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from terawatt.physics import orbit
from terawatt.physics.orbit import Span

__all__ = ["ORBIT_INPUTS", "run_eclipse_plan"]

#: The inputs the eclipse statistics read, in the order of the plan's axes (altitude, LTAN, inclination).
ORBIT_INPUTS = ("orbit.altitude_km", "orbit.ltan_h", "orbit.inclination_deg")
#: Quantiles bounding an unbounded (normal, lognormal) distribution's table [-]; rarer samples are computed
#: directly (same values, only slower).
TAIL = 1e-9



class _Scan:
    """Running bounds and distinct values (while at most MAX_UNIQUE) of one column, NaN counted apart."""

    def __init__(self) -> None:
        self.lo, self.hi, self.nan = np.inf, -np.inf, False
        self.distinct: np.ndarray | None = np.empty(0)

    def add(self, values: np.ndarray) -> None:
        values = np.asarray(values, float).ravel()
        finite = values[~np.isnan(values)]
        self.nan = self.nan or finite.size < values.size
        if finite.size:
            self.lo, self.hi = min(self.lo, float(finite.min())), max(self.hi, float(finite.max()))
        if self.distinct is not None:
            self.distinct = np.union1d(self.distinct, finite)
            if self.distinct.size > orbit.MAX_UNIQUE:
                self.distinct = None

    def span(self) -> Span | None:
        if self.lo > self.hi:
            return None
        return self.lo, self.hi, None if self.distinct is None else tuple(self.distinct.tolist())


def _support(unc: Any) -> Span:
    """Bounds (and integer values) of a sampled parameter's distribution [parameter unit]."""
    if unc.kind in ("uniform", "triangular"):
        lo, hi = (float(x) for x in unc.ppf(np.array([0.0, 1.0])))
    else:
        lo, hi = (float(x) for x in unc.ppf(np.array([TAIL, 1.0 - TAIL])))
    distinct = None
    if unc.integer and np.ceil(hi) - np.floor(lo) < orbit.MAX_UNIQUE:
        distinct = tuple(float(x) for x in np.arange(np.ceil(lo), np.floor(hi) + 1.0))
    return lo, hi, distinct


def run_eclipse_plan(base: Mapping[str, Any], source: Any, block: int = 65536) -> orbit.EclipsePlan | None:
    """The eclipse plan of a run: ``None`` where no orbit input varies over the rows (each chunk's orbit is one).

    Parameters
    ----------
    base
        The scenario's values (orbit inputs the rows do not set).
    source
        The row source (``n``, ``rows(start, stop)``); a sampled design
        (:class:`terawatt.studies.uncertainty.SampleDesign`) is planned from its distributions, anything else
        from one pass over its orbit columns, ``block`` rows at a time.
    """
    n = int(source.n)
    if n == 0:
        return None
    space = getattr(source, "space", None)
    sampled = {u.name: u for u in getattr(space, "uncertainties", ())}
    names = sampled if space is not None else source.rows(0, 1)
    present = [k for k in ORBIT_INPUTS if k in names]
    if not present:
        return None
    scans = {k: _Scan() for k in ORBIT_INPUTS}
    for k in ORBIT_INPUTS:
        if k not in present:
            scans[k].add(np.asarray(base[k], float))
    spans: dict[str, Span | None] = {}
    for k in [k for k in present if k in sampled]:
        spans[k] = _support(sampled[k])
        present.remove(k)
    for start in range(0, n if present else 0, block):
        rows = source.rows(start, min(n, start + block))
        for k in present:
            scans[k].add(rows[k])
    spans = {**{k: s.span() for k, s in scans.items()}, **spans}
    altitude, ltan = spans["orbit.altitude_km"], spans["orbit.ltan_h"]
    if altitude is None or ltan is None:  # no orbit to plan (the model reports the missing value)
        return None
    return orbit.plan_eclipses(altitude, ltan, spans["orbit.inclination_deg"])
