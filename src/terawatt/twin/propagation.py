r"""Positions of the constellation, chunk by chunk: SGP4 at knots and quintic Hermite interpolation between them.

SGP4 (``sgp4``'s vectorized ``SatrecArray``, ~1 us per satellite and instant) dominates a 10,000-satellite day at
60-s steps if it is called at every step. Between knots ``h`` seconds apart the position is the quintic Hermite
polynomial through the knots' SGP4 positions and velocities and their accelerations, the standard way of
evaluating an ephemeris between its records (CCSDS 502.0-B-2, *Orbit Data Messages*, 2009: the OEM keywords
``INTERPOLATION = HERMITE`` and ``INTERPOLATION_DEGREE``; STK's ``.e`` ephemerides offer the same
``InterpolationMethod Hermite``). SGP4 gives no acceleration: it is the closed-form two-body + J2 gravity at the
knot's position (:func:`acceleration_km_s2`, WGS-72 as SGP4), which is the second derivative of SGP4's track but
for its J2-squared, J3 and J4 terms (measured: < 6e-5 m/s2). The error against SGP4 has three parts:

- the interpolation remainder (Burden & Faires, *Numerical Analysis*, thm. 3.9, for the osculating polynomial
  with three conditions at each end): :math:`|r^{(6)}| s^3 (1-s)^3 h^6 / 6! \le h^6 |r^{(6)}| / 46080`, with
  :math:`|r^{(6)}| \le n^6 a (1 + 64 J_2 (R/a)^2)` on a near-circular orbit of radius :math:`a` and mean motion
  :math:`n` (uniform circular motion, plus SGP4's short-period J2 terms of relative size :math:`J_2 (R/a)^2` at
  twice the orbital frequency, :math:`2^6` = 64 times more in the sixth derivative);
- SGP4's velocity is not exactly the derivative of its position (its short-period corrections to the velocity
  are truncated): by at most :data:`SGP4_VELOCITY_DEFECT_M_S`, weighted by the velocity basis functions,
  :math:`\max_s (|H_{v0}| + |H_{v1}|) = 5/16`, so :math:`5 h \delta v / 16`;
- the acceleration model's defect :data:`ACCELERATION_DEFECT_M_S2`, weighted by :math:`\max_s (|H_{a0}| +
  |H_{a1}|) h^2 = h^2/32`.

At 650 km the sum (:func:`hermite_bound_m`) is 64 m for :math:`h` = 780 s (13 steps of 60 s) and 96 m for 840 s;
the cubic Hermite this replaced had 80 m at 240 s, so SGP4 is now called 3.25 times less often at a smaller error.
Measured against SGP4 at every 60-s step over a day (``tests/test_twin_propagation.py``): 56 m at most at 650 km
SSO, 61 m on a 53-deg shell at 550 km. The default knot spacing is the largest whole number of steps whose bound
stays under :data:`POSITION_TOLERANCE_M` (80 m: at 7.5 km/s an eclipse edge moves by ~0.01 s). Two members of a
cluster a distance :math:`\delta` apart share the error but for a part :math:`\sim \delta / a` of it: ~1 cm on a
1-km cluster, so the distances inside a cluster (what the links see) keep SGP4's own precision.

Positions come out component-major and time-major, ``(3, steps, satellites)``, so that each step's row of a
component is contiguous for the stepping loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from terawatt.twin.constellation import WGS72_MU_KM3_S2, WGS72_RADIUS_KM, Constellation

#: Absolute position error the default knot spacing keeps below [m] (the quintic Hermite bound).
POSITION_TOLERANCE_M = 80.0
#: Largest knot spacing accepted [s] (a fifth of a 650-km orbit; the bound is then ~0.8 km).
MAX_KNOT_S = 1200.0
#: WGS-72 second zonal harmonic (SGP4's ``wgs72`` constants, Hoots & Roehrich 1980, Spacetrack Report 3).
WGS72_J2 = 0.001082616
#: Largest difference between SGP4's velocity and the time derivative of its position [m/s] the bound allows
#: (measured by central differences over a day of circular orbits at 550-650 km: 0.020 m/s).
SGP4_VELOCITY_DEFECT_M_S = 0.03
#: Largest difference between the second derivative of SGP4's position and :func:`acceleration_km_s2` [m/s2]
#: the bound allows (measured as above: 5.4e-5 m/s2, SGP4's J2-squared, J3 and J4 terms).
ACCELERATION_DEFECT_M_S2 = 1e-4


def mean_motion_rad_s(altitude_km: float) -> float:
    """Two-body mean motion [rad/s] of a circular orbit at ``altitude_km`` (WGS-72, SGP4's constants)."""
    a_km = WGS72_RADIUS_KM + altitude_km
    return float(np.sqrt(WGS72_MU_KM3_S2 / a_km**3))


def hermite_bound_m(knot_s: float, altitude_km: float) -> float:
    """Bound on the quintic Hermite position error against SGP4 [m] between knots ``knot_s`` apart on a circular
    orbit.

    Notes
    -----
    :math:`h^6 n^6 a (1 + 64 J_2 (R/a)^2) / 46080 + 5 h\\,\\delta v / 16 + h^2 \\delta a / 32`: the interpolation
    remainder at mid-interval, SGP4's velocity defect and the acceleration model's (see the module notes).
    """
    a_km = WGS72_RADIUS_KM + altitude_km
    h = float(knot_s)
    sixth = mean_motion_rad_s(altitude_km) ** 6 * a_km * 1e3 * (1.0 + 64.0 * WGS72_J2 * (WGS72_RADIUS_KM / a_km) ** 2)
    return float(h**6 * sixth / 46080.0 + 5.0 * h * SGP4_VELOCITY_DEFECT_M_S / 16.0
                 + h * h * ACCELERATION_DEFECT_M_S2 / 32.0)


def knot_steps(step_s: float, altitude_km: float, knot_s: float | None = None,
               tolerance_m: float = POSITION_TOLERANCE_M) -> int:
    """Steps between SGP4 knots [-]: ``knot_s`` rounded down to whole steps, or by default the most whole steps
    (up to :data:`MAX_KNOT_S`) whose :func:`hermite_bound_m` stays under ``tolerance_m``; 1 = SGP4 at every step
    (no interpolation)."""
    if knot_s is not None:
        return max(1, int(np.floor(knot_s / step_s + 1e-9)))
    m = 1
    while (m + 1) * step_s <= MAX_KNOT_S + 1e-9 and hermite_bound_m((m + 1) * step_s, altitude_km) < tolerance_m:
        m += 1
    return m


def acceleration_km_s2(r_km: np.ndarray) -> np.ndarray:
    """Two-body + J2 gravitational acceleration [km/s2] at TEME positions ``r_km`` (3, ...) [km] (WGS-72).

    Notes
    -----
    :math:`\\ddot r = -\\mu r/|r|^3 [1 + \\tfrac32 J_2 (R/|r|)^2 (1 - 5 z^2/|r|^2)]` in x and y, with
    :math:`3 - 5 z^2/|r|^2` in z (Vallado 2013, eq. 8-30); TEME's z axis is SGP4's pole.
    """
    x, y, z = r_km
    r2 = x * x + y * y + z * z
    z2 = z * z / r2
    k = -WGS72_MU_KM3_S2 / (r2 * np.sqrt(r2))
    j = 1.5 * WGS72_J2 * WGS72_RADIUS_KM**2 / r2
    xy = k * (1.0 + j * (1.0 - 5.0 * z2))
    return np.stack([xy * x, xy * y, k * (1.0 + j * (3.0 - 5.0 * z2)) * z])


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
        self._basis = hermite_basis(self.every)
        self._last: tuple[int, np.ndarray] | None = None  # the last knot: index, (3, 3, satellites) p, h v, h^2 a

    def _sgp4(self, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions [km] and velocities [km/s], each (3, len(seconds), satellites)."""
        err, r, v = self.sats.sgp4(np.full(seconds.size, self.const.epoch_jd), seconds / 86400.0)
        if err.any():
            raise RuntimeError(f"SGP4 failed (error codes {np.unique(err[err > 0]).tolist()})")
        return r.transpose(2, 1, 0), v.transpose(2, 1, 0)

    def _knots(self, seconds: np.ndarray, h: float) -> np.ndarray:
        """(3, 3, len(seconds), satellites): component, then position [km], h x velocity, h^2 x acceleration."""
        r, v = self._sgp4(seconds)
        out = np.empty((3, 3, *r.shape[1:]))
        out[:, 0] = r
        np.multiply(v, h, out=out[:, 1])
        np.multiply(acceleration_km_s2(r), h * h, out=out[:, 2])
        return out

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
        q1 = (first + count - 1) // m + 1  # knots spanning the chunk: the interval of its last step ends at q1
        h = m * self.step_s
        knots = np.arange(q0, q1 + 1)
        if self._last is not None and self._last[0] == q0:
            kn = np.concatenate([self._last[1][:, :, None], self._knots(knots[1:] * h, h)], axis=2)
        else:
            kn = self._knots(knots * h, h)
        self._last = (int(q1), kn[:, :, -1].copy())
        return hermite_fill(kn, self._basis)[:, :count]

    def _rigid(self, seconds: np.ndarray) -> np.ndarray:
        """Members at their along-/cross-track offsets in the centre's local frame (centres by SGP4)."""
        r, v = self._sgp4(seconds)  # (3, k, clusters)
        v_hat = v / np.sqrt(np.einsum("i...,i...->...", v, v))
        h = np.cross(r, v, axis=0)
        h_hat = h / np.sqrt(np.einsum("i...,i...->...", h, h))
        c = self.const.cluster
        return (r[:, :, c] + (self.const.along_m / 1e3) * v_hat[:, :, c]
                + (self.const.cross_m / 1e3) * h_hat[:, :, c])


def hermite_basis(every: int) -> np.ndarray:
    """Quintic Hermite basis at the ``every`` sub-steps :math:`s = q/m` of an interval, shape (every, 6).

    Columns multiply, in order, :math:`p_0, h\\dot p_0, h^2\\ddot p_0, p_1, h\\dot p_1, h^2\\ddot p_1`:
    :math:`1 - 10s^3 + 15s^4 - 6s^5`, :math:`s(1-s)^3(1+3s)`, :math:`s^2(1-s)^3/2`, :math:`s^3(10 - 15s + 6s^2)`,
    :math:`-s^3(1-s)(4-3s)`, :math:`s^3(1-s)^2/2` (Burden & Faires, sec. 3.4). Row 0 is the first knot itself.
    """
    s = np.arange(every)[:, None] / every
    u = 1.0 - s
    return np.hstack([1.0 - s**3 * (10.0 - 15.0 * s + 6.0 * s * s), s * u**3 * (1.0 + 3.0 * s), 0.5 * s * s * u**3,
                      s**3 * (10.0 - 15.0 * s + 6.0 * s * s), -(s**3) * u * (4.0 - 3.0 * s), 0.5 * s**3 * u * u])


def hermite_fill(knots: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Quintic Hermite values at the sub-steps of each knot interval.

    Parameters
    ----------
    knots : numpy.ndarray
        (c, 3, K, n): at ``K`` knots, the value, (knot spacing x) its first and (knot spacing squared x) its
        second derivative.
    basis : numpy.ndarray
        (m, 6) from :func:`hermite_basis`.

    Returns
    -------
    numpy.ndarray
        (c, (K - 1) m, n): one matrix product per component and interval (BLAS; the first sub-step of each
        interval is its knot).
    """
    c, _, k, n = knots.shape
    ends = np.empty((c, k - 1, 6, n))
    ends[:, :, :3] = knots[:, :, :-1].transpose(0, 2, 1, 3)
    ends[:, :, 3:] = knots[:, :, 1:].transpose(0, 2, 1, 3)
    return np.matmul(basis, ends).reshape(c, (k - 1) * basis.shape[0], n)
