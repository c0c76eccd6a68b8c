"""Collision-avoidance manoeuvres drawn per satellite, each taking the satellite's compute out for its outage.

Manoeuvres are a Poisson process per satellite at the steady-state debris model's rate
(``orbital.manoeuvres_per_satellite_yr``: :func:`terawatt.physics.debris.manoeuvres_per_satellite_yr`, flux of
trackable objects at the altitude x the satellite's cross-section, calibrated on Starlink's ~300,000 manoeuvres
in 2025). Each costs ``debris.outage_h_per_manoeuvre`` of service (slew, burn, re-acquisition of the optical
links), owed from the step it starts: the model's outage fraction
:func:`terawatt.physics.debris.avoidance_outage_fraction` is the expectation of what the twin measures.
"""

from __future__ import annotations

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
