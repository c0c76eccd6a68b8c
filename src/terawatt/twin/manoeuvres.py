"""Collision-avoidance manoeuvres, each taking its satellites' compute out for its outage and firing a burn.

Manoeuvres are a Poisson process at the steady-state debris model's rate (``orbital.manoeuvres_per_satellite_yr``:
:func:`terawatt.physics.debris.manoeuvres_per_satellite_yr`, flux of trackable objects at the altitude x the
satellite's cross-section, calibrated on Starlink's ~300,000 manoeuvres in 2025), per satellite or, with
``debris.formation_manoeuvre`` = ``cluster``, per cluster: the formation flies the union of its members'
conjunctions (:func:`terawatt.physics.debris.formation_manoeuvre_factor`) and all its satellites go out together.
Each costs ``debris.outage_h_per_manoeuvre`` of service (slew, burn, re-acquisition of the optical links), owed
from the step it starts: the model's outage fraction :func:`terawatt.physics.debris.avoidance_outage_fraction`
is the expectation of what the twin measures, and its job availability
(:func:`terawatt.design.environment.avoidance_stalls`) that of the stalls the twin's jobs see. The first
``burn_s`` of each outage the thruster fires (:func:`terawatt.physics.propulsion.burn_duration_s`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from terawatt.constants import SECONDS_PER_YEAR


def draw_starts(rng: np.random.Generator, n_satellites: int, n_steps: int, rate_per_yr: float,
                step_s: float) -> np.ndarray:
    """Manoeuvres starting in each satellite and step of a chunk, shape (n_satellites, n_steps).

    A Poisson process of rate :math:`\\lambda` over :math:`n` satellites and :math:`k` steps: the total is
    Poisson(:math:`\\lambda n k\\,dt`) and each manoeuvre falls in a uniformly chosen (satellite, step) cell,
    the same law as independent Poisson counts per cell, drawn in O(manoeuvres) rather than O(n k).
    """
    cells = n_satellites * n_steps
    total = rng.poisson(max(rate_per_yr, 0.0) * step_s / SECONDS_PER_YEAR * cells)
    return np.bincount(rng.integers(0, cells, total), minlength=cells).reshape(n_satellites, n_steps)


def chunk_outage(debt_s: np.ndarray, starts: np.ndarray, outage_s: float,
                 step_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outage of a chunk: the satellites out at some step, their seconds out in each step, and the debt after.

    Parameters
    ----------
    debt_s : numpy.ndarray
        Outage still owed by each satellite at the chunk's start (n_satellites,) [s].
    starts : numpy.ndarray
        Manoeuvres starting in each satellite and step (n_satellites, n_steps) (:func:`draw_starts`).
    outage_s, step_s : float
        Outage per manoeuvre and step length [s].

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Indices of the satellites with any outage in the chunk (m,), seconds each is out in each step
        (m, n_steps) [s], and every satellite's debt after the chunk (n_satellites,) [s]. A manoeuvre's outage
        is owed from its step on; overlapping ones add up. Only the few satellites concerned are stepped.
    """
    active = np.flatnonzero((debt_s > 0.0) | starts.any(axis=1))
    owed = debt_s[active].astype(float)
    added = starts[active] * outage_s
    down = np.empty(added.shape)
    for j in range(added.shape[1]):
        owed += added[:, j]
        down[:, j] = np.minimum(owed, step_s)
        owed -= down[:, j]
    after = np.array(debt_s, float)
    after[active] = owed
    return active, down, after


class ChunkManoeuvres(NamedTuple):
    """What the manoeuvres of one chunk do to the satellites (from :func:`chunk`)."""

    per_step: np.ndarray  # satellite-manoeuvres starting in each step (k,)
    per_satellite: np.ndarray  # manoeuvres each satellite starts in the chunk (n,)
    out_sat: np.ndarray  # satellites with some outage in the chunk (m,), ascending
    out_s: np.ndarray  # their seconds out in each step (m, k) [s]
    burn_sat: np.ndarray  # satellites burning in the chunk (b,), ascending
    burn_s: np.ndarray  # their seconds of thrust in each step (b, k) [s]
    debt_s: np.ndarray  # outage still owed by each unit (satellite or cluster) after the chunk [s]
    burn_debt_s: np.ndarray  # burn still owed by each unit after the chunk [s]


def members(units: np.ndarray, per_unit: np.ndarray, cluster: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Satellites (ascending) of the clusters ``units`` (ascending) and each one's row of ``per_unit`` (m, k)."""
    sat = np.flatnonzero(np.isin(cluster, units))
    return sat, per_unit[np.searchsorted(units, cluster[sat])]


def chunk(rng: np.random.Generator, debt_s: np.ndarray, burn_debt_s: np.ndarray, cluster: np.ndarray | None,
          n_steps: int, rate_per_yr: float, outage_s: float, burn_s: float, step_s: float) -> ChunkManoeuvres:
    """Draw and apply one chunk's manoeuvres.

    Parameters
    ----------
    rng : numpy.random.Generator
        The operations layer's stream.
    debt_s, burn_debt_s : numpy.ndarray
        Outage and burn still owed by each unit at the chunk's start [s]: one per satellite, or one per cluster
        when ``cluster`` is given.
    cluster : numpy.ndarray or None
        Cluster of each satellite (n,) when the formation manoeuvres as one body; None: per satellite.
    n_steps : int
        Steps in the chunk.
    rate_per_yr : float
        Manoeuvres per unit per year [1/yr].
    outage_s, burn_s, step_s : float
        Outage and thrust time per manoeuvre, and step length [s] (``burn_s`` <= ``outage_s``).
    """
    units = debt_s.size
    starts = draw_starts(rng, units, n_steps, rate_per_yr, step_s)
    out_u, out_s, debt = chunk_outage(debt_s, starts, outage_s, step_s)
    if burn_s > 0.0:
        burn_u, burn, burn_debt = chunk_outage(burn_debt_s, starts, burn_s, step_s)
    else:  # no burn modelled (chemical propulsion, no thrust power)
        burn_u, burn, burn_debt = np.zeros(0, np.intp), np.zeros((0, n_steps)), burn_debt_s
    if cluster is None:
        return ChunkManoeuvres(starts.sum(axis=0), starts.sum(axis=1), out_u, out_s, burn_u, burn, debt, burn_debt)
    size = np.bincount(cluster, minlength=units)
    out_sat, out_sat_s = members(out_u, out_s, cluster)
    burn_sat, burn_sat_s = members(burn_u, burn, cluster)
    return ChunkManoeuvres(size @ starts, starts.sum(axis=1)[cluster], out_sat, out_sat_s, burn_sat, burn_sat_s,
                           debt, burn_debt)
