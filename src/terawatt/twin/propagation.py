"""Positions of the constellation, chunk by chunk: SGP4 at knots and cubic Hermite interpolation between them.

SGP4 (``sgp4``'s vectorized ``SatrecArray``, ~1 us per satellite and instant) dominates a 10,000-satellite day at
60-s steps if it is called at every step. Between knots ``h`` seconds apart the position is the cubic Hermite
polynomial through the knots' SGP4 positions and velocities, the standard way of evaluating an ephemeris between
its records (CCSDS 502.0-B-2, *Orbit Data Messages*, 2009: the OEM keywords ``INTERPOLATION = HERMITE`` and
``INTERPOLATION_DEGREE``; STK's ``.e`` ephemerides offer the same ``InterpolationMethod Hermite``). Its error
(Burden & Faires, *Numerical Analysis*, thm. 3.9) is

.. math:: |r(t) - p(t)| \\le \\frac{(t-t_0)^2 (t-t_1)^2}{4!} \\max|r^{(4)}| \\le \\frac{h^4}{384} \\max|r^{(4)}|,

and on a near-circular orbit of radius :math:`a` and mean motion :math:`n`, :math:`|r^{(4)}| \\approx n^4 a`
(uniform circular motion; SGP4's J2 and short-period terms change it by ~1 %), so the bound is
:math:`h^4 n^4 a / 384`: at 650 km, 80 m for :math:`h` = 240 s and 195 m for 300 s. Measured against SGP4 at every
60-s step over a day (``tests/test_twin_propagation.py``): 80.8 m at most, 51 m rms at 650 km SSO; 86.7 m and
55 m on a 53-deg shell at 550 km. The default knot spacing is the largest whole number of steps under
:data:`POSITION_TOLERANCE_M` (100 m: at 7.5 km/s an eclipse edge moves by < 0.02 s). Two members of a cluster a
distance :math:`\\delta` apart share the error but for a part :math:`\\sim \\delta / a` of it (their fourth
derivatives differ by :math:`n^4 \\delta`): ~1 cm on a 1-km cluster (measured: 1.2 and 1.8 cm at most), so the
distances inside a cluster (what the links see) keep SGP4's own precision.

Positions come out component-major and time-major, ``(3, steps, satellites)``, so that each step's row of a
component is contiguous for the stepping loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from terawatt.twin.constellation import WGS72_MU_KM3_S2, WGS72_RADIUS_KM, Constellation

#: Absolute position error the default knot spacing keeps below [m] (cubic Hermite bound).
POSITION_TOLERANCE_M = 100.0
#: Largest knot spacing accepted [s] (a tenth of a 650-km orbit; the bound is then ~1.5 km).
MAX_KNOT_S = 600.0


def mean_motion_rad_s(altitude_km: float) -> float:
    """Two-body mean motion [rad/s] of a circular orbit at ``altitude_km`` (WGS-72, SGP4's constants)."""
    a_km = WGS72_RADIUS_KM + altitude_km
    return float(np.sqrt(WGS72_MU_KM3_S2 / a_km**3))


def hermite_bound_m(knot_s: float, altitude_km: float) -> float:
    """Bound on the cubic Hermite position error [m] between knots ``knot_s`` apart on a circular orbit.

    Notes
    -----
    :math:`h^4 n^4 a / 384`: the interpolation remainder at mid-interval with :math:`|r^{(4)}| = n^4 a`.
    """
    a_m = (WGS72_RADIUS_KM + altitude_km) * 1e3
    return float(knot_s**4 * mean_motion_rad_s(altitude_km) ** 4 * a_m / 384.0)


def knot_steps(step_s: float, altitude_km: float, knot_s: float | None = None,
               tolerance_m: float = POSITION_TOLERANCE_M) -> int:
    """Steps between SGP4 knots [-]: ``knot_s`` rounded down to whole steps, or by default the most whole steps
    whose :func:`hermite_bound_m` stays under ``tolerance_m``; 1 = SGP4 at every step (no interpolation)."""
    if knot_s is None:
        a_m = (WGS72_RADIUS_KM + altitude_km) * 1e3
        knot_s = (384.0 * tolerance_m / (mean_motion_rad_s(altitude_km) ** 4 * a_m)) ** 0.25
    return max(1, int(np.floor(knot_s / step_s + 1e-9)))


class Propagator:
    """TEME positions [km] of a constellation at the steps of a run, chunk by chunk.

    Parameters
    ----------
    sats : sgp4.api.SatrecArray
        Every satellite (``formation="sgp4"``) or the cluster centres (``"rigid"``).
    const : Constellation
        The full constellation (its epoch, and for ``"rigid"`` the members' clusters and offsets).
    step_s : float
        Time step [s].
    every : int
        Steps between SGP4 knots (1: SGP4 at every step). Ignored for ``"rigid"`` (the centres are few).
    formation : {'sgp4', 'rigid'}
    """

    def __init__(self, sats: Any, const: Constellation, step_s: float, every: int = 1, formation: str = "sgp4"):
        self.sats, self.const, self.step_s, self.formation = sats, const, float(step_s), formation
        self.every = 1 if formation == "rigid" else max(1, int(every))
        self._last: tuple[int, np.ndarray, np.ndarray] | None = None  # the last knot: index, position, h * velocity

    def _sgp4(self, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions [km] and velocities [km/s], each (3, len(seconds), satellites)."""
        err, r, v = self.sats.sgp4(np.full(seconds.size, self.const.epoch_jd), seconds / 86400.0)
        if err.any():
            raise RuntimeError(f"SGP4 failed (error codes {np.unique(err[err > 0]).tolist()})")
        return r.transpose(2, 1, 0), v.transpose(2, 1, 0)

    def positions(self, first: int, count: int) -> np.ndarray:
        """Positions (3, count, satellites) [km] at steps ``first .. first + count - 1``.

        With knots (``every > 1``) ``first`` must be a knot (a multiple of ``every``); the last knot of a call is
        kept for the next, so consecutive chunks propagate each knot once.
        """
        seconds = (first + np.arange(count)) * self.step_s
        if self.formation == "rigid":
            return self._rigid(seconds)
        m = self.every
        if m == 1:
            return np.ascontiguousarray(self._sgp4(seconds)[0])
        if first % m:
            raise ValueError(f"a chunk must start at a knot (step {first} is not a multiple of {m})")
        q0 = first // m
        q1 = max(q0 + 1, (first + count - 1 + m - 1) // m)  # knots spanning the chunk (at least one interval)
        h = m * self.step_s
        knots = np.arange(q0, q1 + 1)
        if self._last is not None and self._last[0] == q0:
            r_new, v_new = self._sgp4(knots[1:] * h)
            p = np.concatenate([self._last[1][:, None], r_new], axis=1)
            hv = np.concatenate([self._last[2][:, None], v_new * h], axis=1)
        else:
            p, v = self._sgp4(knots * h)
            hv = v * h
        self._last = (int(q1), p[:, -1].copy(), hv[:, -1].copy())
        return hermite_fill(p, hv, m)[:, :count]

    def _rigid(self, seconds: np.ndarray) -> np.ndarray:
        """Members at their along-/cross-track offsets in the centre's local frame (centres by SGP4)."""
        r, v = self._sgp4(seconds)  # (3, k, clusters)
        v_hat = v / np.sqrt(np.einsum("i...,i...->...", v, v))
        h = np.cross(r, v, axis=0)
        h_hat = h / np.sqrt(np.einsum("i...,i...->...", h, h))
        c = self.const.cluster
        return (r[:, :, c] + (self.const.along_m / 1e3) * v_hat[:, :, c]
                + (self.const.cross_m / 1e3) * h_hat[:, :, c])


def hermite_fill(p: np.ndarray, hv: np.ndarray, every: int) -> np.ndarray:
    """Cubic Hermite values at ``every`` equal sub-steps of each knot interval.

    Parameters
    ----------
    p, hv : numpy.ndarray
        Values and (knot spacing x) derivatives at ``K`` knots, shape (c, K, n).
    every : int
        Sub-steps per interval; the first of each is the knot itself.

    Returns
    -------
    numpy.ndarray
        (c, (K - 1) * every, n): at :math:`s = q / m`, :math:`p_0 + s(h\\dot p_0 + s(a_2 + s a_3))` with
        :math:`a_2 = 3\\Delta - 2h\\dot p_0 - h\\dot p_1`, :math:`a_3 = -2\\Delta + h\\dot p_0 + h\\dot p_1`,
        :math:`\\Delta = p_1 - p_0` (the Hermite basis written as a polynomial in :math:`s`).
    """
    c, k, n = p.shape
    a0, a1 = p[:, :-1], hv[:, :-1]
    d = p[:, 1:] - a0
    a2 = 3.0 * d - 2.0 * a1 - hv[:, 1:]
    a3 = a1 + hv[:, 1:] - 2.0 * d
    out = np.empty((c, k - 1, every, n))
    out[:, :, 0] = a0
    for q in range(1, every):
        s = q / every
        o = out[:, :, q]
        np.multiply(a3, s, out=o)
        o += a2
        o *= s
        o += a1
        o *= s
        o += a0
    return out.reshape(c, (k - 1) * every, n)
