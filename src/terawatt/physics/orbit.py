"""Circular-orbit geometry: sun-synchronous orbits, solar beta angle and Earth-shadow eclipses.

All functions are pure and vectorised: inputs broadcast against each other, scalars give NumPy scalars and
arrays give arrays. Altitudes are heights above Earth's equatorial radius of a circular orbit; the Earth is a
sphere of that radius for the shadow, and the node precesses at the secular J2 (+ J2^2, J4) rate.

Time is ``day_of_year`` [d], counted from the model epoch **2026-01-01 00:00 UT as 0.0** (JD 2461041.5); it
may be fractional, negative or beyond 365. The model year is 365 days (``constants.SECONDS_PER_YEAR``).

The independent cross-check against SGP4 propagation and the JPL DE421 Sun is ``tests/test_orbit_sgp4.py``.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from terawatt._arrays import Deferred
from terawatt.constants import (
    AU_M,
    EARTH_EQUATORIAL_RADIUS_M,
    EARTH_J2,
    EARTH_MU_M3_PER_S2,
    OBLIQUITY_J2000_DEG,
    SECONDS_PER_YEAR,
    SIDEREAL_YEAR_S,
    SUN_RADIUS_M,
)
from terawatt.physics._checks import all_finite, check_range, output

__all__ = [
    "EclipseChoice", "EclipsePlan", "EclipseStats", "annual_eclipse_stats", "beta_angle_deg", "eclipse_choice",
    "eclipse_fraction", "eclipse_stats_fast", "equation_of_time_min", "mean_sun_right_ascension_rad",
    "node_rate_rad_per_s", "orbital_period_s", "plan_eclipses", "sso_inclination_deg", "sun_direction",
    "sun_distance_au", "use_eclipse_choice", "use_eclipse_plan",
]

#: Julian date of the model epoch, 2026-01-01 00:00 UT [d].
EPOCH_JD_UT = 2461041.5
#: Julian date of J2000.0 (2000-01-01 12:00 TT) [d]. Meeus (1998), eq. 25.1.
J2000_JD = 2451545.0
#: TT - UT1 in 2026 [s]: 32.184 s + 37 s (TAI - UTC) - ~0.1 s (UT1 - UTC, IERS Bulletin A, 2025).
#: An error of 1 s moves the Sun by 0.01 arcmin.
DELTA_T_S = 69.1
#: Validity range of ``altitude_km`` [km]: a circular orbit below 150 km decays within days; 50,000 km > GEO.
ALTITUDE_RANGE_KM = (150.0, 50000.0)
#: Length of the model year in days [d] (365 d, the year of ``constants.HOURS_PER_YEAR``).
MODEL_YEAR_D = SECONDS_PER_YEAR / 86400.0

_R_KM = EARTH_EQUATORIAL_RADIUS_M / 1e3
_MU_KM3_S2 = EARTH_MU_M3_PER_S2 / 1e9
#: Earth's fourth zonal harmonic J4 [-]. EGM96 (Lemoine et al. 1998): normalised C40 = 5.39965866639e-7,
#: unnormalised C40 = 3 x normalised, J4 = -C40.
EARTH_J4 = -1.619897599917e-6
_SSO_RATE_RAD_S = 2.0 * np.pi / SIDEREAL_YEAR_S
_CHUNK_ELEMENTS = 1 << 20  # bound on (orbits x time samples) held at once in annual_eclipse_stats

Model = Literal["conical", "cylindrical"]


@dataclass(frozen=True)
class EclipseStats:
    """Annual umbra statistics of circular orbits (arrays of the broadcast input shape).

    Attributes
    ----------
    sunlit_fraction : numpy.ndarray
        Annual mean fraction of time outside the umbra [-].
    eclipse_days_per_yr : numpy.ndarray
        Days of the 365-day year with at least one umbra passage [d].
    max_eclipse_min : numpy.ndarray
        Longest single umbra passage of the year [min].
    """

    sunlit_fraction: np.ndarray
    eclipse_days_per_yr: np.ndarray
    max_eclipse_min: np.ndarray


# --------------------------------------------------------------------------------------------- validation
_out = output
_check = check_range


def _check_altitude(altitude_km: npt.ArrayLike) -> np.ndarray:
    return _check(altitude_km, "altitude_km", *ALTITUDE_RANGE_KM, "km")


def _check_inclination(inclination_deg: npt.ArrayLike, allow_nan: bool = True) -> np.ndarray:
    return _check(inclination_deg, "inclination_deg", 0.0, 180.0, "deg", allow_nan=allow_nan)


def _check_ltan(ltan_h: npt.ArrayLike) -> np.ndarray:
    return _check(ltan_h, "ltan_h", 0.0, 24.0, "h", hi_open=True)


def _check_day(day_of_year: npt.ArrayLike) -> np.ndarray:
    day = np.asarray(day_of_year, dtype=float)
    if not all_finite(day):
        bad = day[~np.isfinite(day)][0]
        raise ValueError(f"day_of_year must be finite [d since 2026-01-01 00:00 UT], got {bad}")
    return day


def _check_model(model: str) -> None:
    if model not in ("conical", "cylindrical"):
        raise ValueError(f"model must be 'conical' or 'cylindrical', got {model!r}")


# ------------------------------------------------------------------------------------------ circular orbits
def _mean_motion_rad_s(altitude_km: np.ndarray) -> np.ndarray:
    """Mean motion ``sqrt(mu / (R + h) ** 3)`` [rad/s] as a new array (a NumPy scalar for a scalar); for a sample
    array each step after ``R + h`` is written into that sum's buffer (the same operations: one array, not four)."""
    a = _R_KM + altitude_km
    if type(a) is not np.ndarray or not a.ndim:
        return np.sqrt(_MU_KM3_S2 / a**3)
    np.power(a, 3, out=a)
    np.divide(_MU_KM3_S2, a, out=a)
    return np.sqrt(a, out=a)


def orbital_period_s(altitude_km: npt.ArrayLike) -> np.ndarray:
    r"""Keplerian period of a circular orbit.

    Parameters
    ----------
    altitude_km : array_like
        Height above the equatorial radius [km], in [150, 50000].

    Returns
    -------
    numpy.ndarray or numpy.float64
        Orbital period [s].

    Notes
    -----
    :math:`P = 2\pi\sqrt{a^3/\mu}` with :math:`a = R_\oplus + h` (Vallado 2013, eq. 1-26).

    References
    ----------
    .. [1] Vallado, D. A., *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013, ch. 1.
    """
    alt = _check_altitude(altitude_km)
    mean_motion = _mean_motion_rad_s(alt)
    if type(mean_motion) is np.ndarray and mean_motion.ndim:  # this call's own array: the period in its place
        return np.divide(2.0 * np.pi, mean_motion, out=mean_motion)
    return _out(2.0 * np.pi / mean_motion)


def _rate_coefficient(q: np.ndarray, c2: np.ndarray) -> np.ndarray:
    """Node rate / (n cos i) for q = (R/a)^2 and c2 = cos^2 i (see node_rate_rad_per_s)."""
    return -1.5 * EARTH_J2 * q + q**2 * (0.375 * EARTH_J2**2 * (4.0 - 19.0 * c2)
                                         - 0.9375 * EARTH_J4 * (3.0 - 7.0 * c2))


def _node_rate_per_cos_i(alt: np.ndarray, cos_i: np.ndarray) -> np.ndarray:
    return _mean_motion_rad_s(alt) * _rate_coefficient((_R_KM / (_R_KM + alt)) ** 2, cos_i**2)


def _node_rate(alt: np.ndarray, cos_i: np.ndarray) -> np.ndarray:
    return _node_rate_per_cos_i(alt, cos_i) * cos_i


def node_rate_rad_per_s(altitude_km: npt.ArrayLike, inclination_deg: npt.ArrayLike) -> np.ndarray:
    r"""Secular precession rate of the right ascension of the ascending node, circular orbit.

    Parameters
    ----------
    altitude_km : array_like
        Height above the equatorial radius [km], in [150, 50000].
    inclination_deg : array_like
        Inclination [deg], in [0, 180].

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`\dot\Omega` [rad/s]; negative (westward) for prograde orbits.

    Notes
    -----
    The J2 rate :math:`\dot\Omega_1 = -\tfrac{3}{2} n J_2 (R_\oplus/a)^2 \cos i` (Vallado 2013, ch. 9,
    :math:`e = 0`), plus the secular second-order :math:`J_2^2` and :math:`J_4` terms of Brouwer's theory as
    used by SGP4 (Hoots & Roehrich 1980), with :math:`q = (R_\oplus/a)^2`, :math:`c = \cos i`:

    .. math:: \dot\Omega = n c \left[-\tfrac{3}{2} J_2 q + \tfrac{3}{8} J_2^2 q^2 (4 - 19 c^2)
              - \tfrac{15}{16} J_4 q^2 (3 - 7 c^2)\right],

    :math:`n = \sqrt{\mu/a^3}`. The second-order terms are 0.05 % of the J2 rate at 420 km, 51.6 deg, but
    that is 1 deg of node (and up to 0.7 deg of beta) per year; the J4 term equals Vallado's (ch. 9).

    References
    ----------
    .. [1] Vallado, D. A., *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013, ch. 9.
    .. [2] Hoots, F. R. and Roehrich, R. L., *Spacetrack Report No. 3*, NORAD, 1980.
    """
    alt = _check_altitude(altitude_km)
    inc = _check_inclination(inclination_deg, allow_nan=False)
    return _out(_node_rate(alt, np.cos(np.radians(inc))))


def _sso_cos_i(alt: np.ndarray, mean_motion: np.ndarray | None = None) -> np.ndarray:
    """cos i of the sun-synchronous orbit by fixed-point iteration from the first-order (J2) solution.

    ``mean_motion``: :func:`_mean_motion_rad_s` of ``alt`` where the caller has it. The terms of
    :func:`_rate_coefficient` that do not depend on cos i are computed once, and the first pass (from cos i = 0,
    so cos^2 i = 0 for every sample) on that one value: the same operations on the same numbers, bitwise.
    """
    q = (_R_KM / (_R_KM + alt)) ** 2
    rate_per_n = _SSO_RATE_RAD_S / (_mean_motion_rad_s(alt) if mean_motion is None else mean_motion)
    first, q2 = -1.5 * EARTH_J2 * q, q**2
    a, b = 0.375 * EARTH_J2**2, 0.9375 * EARTH_J4

    def coefficient(c2: Any) -> np.ndarray:  # _rate_coefficient(q, c2)
        return first + q2 * (a * (4.0 - 19.0 * c2) - b * (3.0 - 7.0 * c2))

    cos_i = rate_per_n / coefficient(0.0)  # from cos i = 0: min(0^2, 1) = 0 for every sample
    if type(cos_i) is not np.ndarray:  # a scalar: NumPy scalar arithmetic
        for _ in range(3):  # second-order terms are ~1e-3 of the first: each pass gains three digits
            cos_i = rate_per_n / coefficient(np.minimum(cos_i**2, 1.0))
        return cos_i
    # The same passes on arrays, each operation of coefficient() in place on two buffers (x * c = c * x).
    c2, term = np.empty_like(cos_i), np.empty_like(cos_i)
    for _ in range(3):
        np.minimum(np.square(cos_i, out=c2), 1.0, out=c2)
        np.subtract(4.0, np.multiply(c2, 19.0, out=term), out=term)
        term *= a
        np.subtract(3.0, np.multiply(c2, 7.0, out=c2), out=c2)
        c2 *= b
        term -= c2
        term *= q2
        term += first
        np.divide(rate_per_n, term, out=cos_i)
    return cos_i


#: Up to this altitude [km] a circular sun-synchronous orbit exists and is retrograde (:func:`sso_cos_i_bound`
#: is below 0.76 there): its inclination exceeds 90 deg without being solved for.
SSO_RETROGRADE_BELOW_KM = 5000.0


def sso_cos_i_bound(altitude_km: npt.ArrayLike) -> np.ndarray:
    r"""An upper bound on :math:`|\cos i|` of every pass of the sun-synchronous iteration (:func:`_sso_cos_i`).

    Parameters
    ----------
    altitude_km : array_like
        Height above the equatorial radius [km], in [150, 50000].

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`B(h) = (\dot\Omega_{\odot}/n) / (q\,(\tfrac{3}{2}J_2 - qK))`, :math:`K = 15\,a + 4\,|b|` [-].

    Notes
    -----
    Each pass sets :math:`\cos i = (\dot\Omega_{\odot}/n)/C` with :math:`C = -\tfrac{3}{2}J_2 q + q^2(a(4 - 19c^2)
    - b(3 - 7c^2))`, :math:`a = \tfrac{3}{8}J_2^2`, :math:`b = \tfrac{15}{16}J_4` and :math:`c^2 \in [0, 1]`. The
    bracket is at most :math:`K = 15a + 4|b|` in magnitude, so :math:`C \le -q(\tfrac{3}{2}J_2 - qK) < 0`
    (:math:`qK < 10^{-5} \ll \tfrac{3}{2}J_2`): every pass gives :math:`\cos i < 0` (retrograde, i > 90 deg) with
    :math:`|\cos i| \le B(h)`. :math:`B` grows with altitude (:math:`n` falls; :math:`q(\tfrac{3}{2}J_2 - qK)`
    grows with :math:`q`, which falls with altitude), so :math:`B(h) \le B(h_0) < 1` for every :math:`h \le h_0`
    proves that the orbit exists there (:math:`\cos i \ge -1`). :math:`B` = 0.752 at
    :data:`SSO_RETROGRADE_BELOW_KM`: a margin no rounding of the dozen operations of a pass can close.
    """
    alt = _check_altitude(altitude_km)
    q = (_R_KM / (_R_KM + alt)) ** 2
    k = 15.0 * 0.375 * EARTH_J2**2 + 4.0 * abs(0.9375 * EARTH_J4)
    return _out((_SSO_RATE_RAD_S / _mean_motion_rad_s(alt)) / (q * (1.5 * EARTH_J2 - q * k)))


def sso_exists(altitude_km: npt.ArrayLike) -> np.ndarray:
    """Whether a circular sun-synchronous orbit exists at the altitude (:math:`\\cos i \\ge -1`, below about
    5,970 km); see :func:`sso_inclination_deg`.

    Parameters
    ----------
    altitude_km : array_like
        Height above the equatorial radius [km], in [150, 50000].

    Returns
    -------
    numpy.ndarray or numpy.bool_
        True where :func:`sso_inclination_deg` has a solution.
    """
    return _out(_sso_cos_i(_check_altitude(altitude_km)) >= -1.0)


def sso_solution(altitude_km: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """:func:`sso_exists` and :func:`sso_inclination_deg` from one solve (NaN inclination where none exists).

    Parameters
    ----------
    altitude_km : array_like
        Height above the equatorial radius [km], in [150, 50000].

    Returns
    -------
    exists : numpy.ndarray or numpy.bool_
        True where a circular sun-synchronous orbit exists.
    inclination_deg : numpy.ndarray or numpy.float64
        Its inclination [deg] (the values of :func:`sso_inclination_deg`), NaN where ``exists`` is False.
    """
    cos_i = _sso_cos_i(_check_altitude(altitude_km))
    with np.errstate(invalid="ignore"):  # arccos is NaN below -1: no orbit there
        return _out(cos_i >= -1.0), _out(np.degrees(np.arccos(cos_i)))


def period_and_sso(altitude_km: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`orbital_period_s` and :func:`sso_solution` of the same altitudes, from one mean motion (the same
    values bitwise as the separate calls).

    Parameters
    ----------
    altitude_km : array_like
        Height above the equatorial radius [km], in [150, 50000].

    Returns
    -------
    period_s, exists, inclination_deg
        As :func:`orbital_period_s` and :func:`sso_solution`.
    """
    alt = _check_altitude(altitude_km)
    mean_motion = _mean_motion_rad_s(alt)
    cos_i = _sso_cos_i(alt, mean_motion)
    # the mean motion is not read after this: the period in its place (a sample array)
    period = (np.divide(2.0 * np.pi, mean_motion, out=mean_motion) if type(mean_motion) is np.ndarray
              and mean_motion.ndim else 2.0 * np.pi / mean_motion)
    with np.errstate(invalid="ignore"):  # arccos is NaN below -1: no orbit there
        return _out(period), _out(cos_i >= -1.0), _out(np.degrees(np.arccos(cos_i)))


def sso_inclination_deg(altitude_km: npt.ArrayLike) -> np.ndarray:
    r"""Inclination of the circular sun-synchronous orbit at a given altitude.

    Parameters
    ----------
    altitude_km : array_like
        Height above the equatorial radius [km], in [150, 50000].

    Returns
    -------
    numpy.ndarray or numpy.float64
        Inclination [deg], retrograde (about 96.5-100 deg in LEO).

    Raises
    ------
    ValueError
        Where no sun-synchronous orbit exists (:math:`\cos i < -1`, above about 5,970 km).

    Notes
    -----
    The node must advance one revolution per sidereal year, :math:`\dot\Omega = 2\pi/Y_{sid}`. To first
    order :math:`\cos i = -\dfrac{2}{3}\dfrac{2\pi/Y_{sid}}{n J_2 (R_\oplus/a)^2}` (Vallado 2013, ch. 11;
    Wertz & Larson 1999, ch. 6); this is refined by fixed-point iteration on the full rate of
    :func:`node_rate_rad_per_s`, which moves i by about +0.02 deg (98.01 deg at 650 km).

    References
    ----------
    .. [1] Vallado, D. A., *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013, ch. 11.
    .. [2] Wertz, J. R. and Larson, W. J. (eds.), *Space Mission Analysis and Design*, 3rd ed., 1999, ch. 6.
    """
    alt = _check_altitude(altitude_km)
    cos_i = _sso_cos_i(alt)
    if np.any(cos_i < -1.0):
        bad = alt[cos_i < -1.0].ravel()[0]
        raise ValueError(f"no sun-synchronous orbit exists at altitude_km={bad:g} km (cos i < -1; "
                         "the J2 node rate is too slow above about 5,970 km)")
    return _out(np.degrees(np.arccos(cos_i)))


# ------------------------------------------------------------------------------------------------ the Sun
def _solar_coordinates(day: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Apparent RA, declination [rad], distance [AU] and mean-sun RA [rad] (Meeus 1998, ch. 25 & 28)."""
    t = (EPOCH_JD_UT + day + DELTA_T_S / 86400.0 - J2000_JD) / 36525.0  # Julian centuries TT
    l0 = 280.46646 + 36000.76983 * t + 0.0003032 * t**2  # geometric mean longitude [deg], eq. 25.2
    m = np.radians(357.52911 + 35999.05029 * t - 0.0001537 * t**2)  # mean anomaly, eq. 25.3
    e = 0.016708634 - 0.000042037 * t - 0.0000001267 * t**2  # eccentricity, eq. 25.4
    c = ((1.914602 - 0.004817 * t - 0.000014 * t**2) * np.sin(m) + (0.019993 - 0.000101 * t) * np.sin(2 * m)
         + 0.000289 * np.sin(3 * m))  # equation of the centre [deg]
    nu = m + np.radians(c)
    dist_au = 1.000001018 * (1.0 - e**2) / (1.0 + e * np.cos(nu))  # eq. 25.5
    omega = np.radians(125.04 - 1934.136 * t)  # longitude of the Moon's node
    lam = np.radians(l0 + c - 0.00569 - 0.00478 * np.sin(omega))  # apparent longitude
    eps0 = OBLIQUITY_J2000_DEG - (46.836769 / 3600.0) * t  # IAU 2006 mean obliquity (linear term)
    eps = np.radians(eps0 + 0.00256 * np.cos(omega))  # apparent obliquity
    ra = np.arctan2(np.cos(eps) * np.sin(lam), np.cos(lam))
    dec = np.arcsin(np.sin(eps) * np.sin(lam))
    # mean sun: L0 - aberration + nutation in RA, so that ra_mean - ra is Meeus' equation of time (eq. 28.3)
    ra_mean = np.radians(l0 - 0.0057183 - 0.00478 * np.sin(omega) * np.cos(eps))
    return ra, dec, dist_au, ra_mean


def sun_direction(day_of_year: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    r"""Apparent geocentric declination and right ascension of the Sun (low precision).

    Parameters
    ----------
    day_of_year : array_like
        Days since 2026-01-01 00:00 UT [d].

    Returns
    -------
    declination_rad, right_ascension_rad : numpy.ndarray or numpy.float64
        Declination [rad] and right ascension in (-pi, pi] [rad], true equator and equinox of date.

    Notes
    -----
    Meeus (1998) ch. 25 "low accuracy" solution, good to 0.01 deg: mean longitude
    :math:`L_0 = 280.46646° + 36000.76983° T`, mean anomaly :math:`M = 357.52911° + 35999.05029° T`,
    equation of the centre :math:`C = 1.914602° \sin M + 0.019993° \sin 2M + \ldots`, apparent longitude
    :math:`\lambda = L_0 + C - 0.00569° - 0.00478° \sin\Omega`,
    :math:`\alpha = \operatorname{atan2}(\cos\varepsilon\sin\lambda, \cos\lambda)`,
    :math:`\delta = \arcsin(\sin\varepsilon\sin\lambda)`; T in Julian centuries of TT from J2000 with
    TT - UT = 69.1 s.

    References
    ----------
    .. [1] Meeus, J., *Astronomical Algorithms*, 2nd ed., Willmann-Bell, 1998, ch. 25.
    """
    ra, dec, _, _ = _solar_coordinates(_check_day(day_of_year))
    return _out(dec), _out(ra)


def sun_distance_au(day_of_year: npt.ArrayLike) -> np.ndarray:
    r"""Earth-Sun distance [AU] (Meeus 1998, eq. 25.5, :math:`R = 1.000001018 (1-e^2)/(1+e\cos\nu)`).

    Parameters
    ----------
    day_of_year : array_like
        Days since 2026-01-01 00:00 UT [d].

    Returns
    -------
    numpy.ndarray or numpy.float64
        Distance [AU], 0.983 (early January) to 1.017 (early July).

    References
    ----------
    .. [1] Meeus, J., *Astronomical Algorithms*, 2nd ed., Willmann-Bell, 1998, ch. 25.
    """
    return _out(_solar_coordinates(_check_day(day_of_year))[2])


def mean_sun_right_ascension_rad(day_of_year: npt.ArrayLike) -> np.ndarray:
    r"""Right ascension of the fictitious mean Sun [rad], the reference of local mean solar time.

    Parameters
    ----------
    day_of_year : array_like
        Days since 2026-01-01 00:00 UT [d].

    Returns
    -------
    numpy.ndarray or numpy.float64
        Right ascension [rad], in [0, 2 pi).

    Notes
    -----
    :math:`\alpha_m = L_0 - 0.0057183° + \Delta\psi\cos\varepsilon` (Meeus 1998, eq. 28.3), so that the
    equation of time is :math:`E = \alpha_m - \alpha`. A sun-synchronous node keeps a fixed angle to it.

    References
    ----------
    .. [1] Meeus, J., *Astronomical Algorithms*, 2nd ed., Willmann-Bell, 1998, ch. 28.
    """
    return _out(np.mod(_solar_coordinates(_check_day(day_of_year))[3], 2.0 * np.pi))


def equation_of_time_min(day_of_year: npt.ArrayLike) -> np.ndarray:
    """Equation of time, apparent minus mean solar time [min] (Meeus 1998, eq. 28.3), within +/-17 min."""
    ra, _, _, ra_mean = _solar_coordinates(_check_day(day_of_year))
    return _out(np.degrees(np.angle(np.exp(1j * (ra_mean - ra)))) * 4.0)


# ------------------------------------------------------------------------------------------- beta angle
def _sin_beta(alt: np.ndarray, inc: np.ndarray, ltan: np.ndarray, day: np.ndarray,
              sun: tuple[np.ndarray, ...] | None = None) -> np.ndarray:
    """Broadcasting core of the beta angle; ``inc`` NaN selects the sun-synchronous inclination."""
    ra, dec, _, ra_mean = _solar_coordinates(day) if sun is None else sun
    sso = np.isnan(inc)
    cos_i = np.where(sso, np.maximum(_sso_cos_i(alt), -1.0), np.cos(np.radians(np.where(sso, 0.0, inc))))
    sin_i = np.sqrt(1.0 - cos_i**2)
    ra_mean0 = _solar_coordinates(np.zeros(()))[3]
    drift = np.where(sso, ra_mean - ra_mean0, _node_rate(alt, cos_i) * (day * 86400.0))
    raan = ra_mean0 + np.radians((ltan - 12.0) * 15.0) + drift
    return np.cos(dec) * sin_i * np.sin(raan - ra) + np.sin(dec) * cos_i


def beta_angle_deg(altitude_km: npt.ArrayLike, inclination_deg: npt.ArrayLike, ltan_h: npt.ArrayLike,
                   day_of_year: npt.ArrayLike) -> np.ndarray:
    r"""Solar beta angle: elevation of the Sun above the orbit plane.

    Parameters
    ----------
    altitude_km : array_like
        Height above the equatorial radius [km], in [150, 50000].
    inclination_deg : array_like
        Inclination [deg] in [0, 180]; NaN means the sun-synchronous inclination of that altitude.
    ltan_h : array_like
        Local mean solar time of the ascending node [h] in [0, 24), at day 0 (held fixed for NaN inclination).
    day_of_year : array_like
        Days since 2026-01-01 00:00 UT [d].

    Returns
    -------
    numpy.ndarray or numpy.float64
        Beta angle [deg] in [-90, 90], positive when the Sun is on the side of the orbit normal.

    Notes
    -----
    :math:`\sin\beta = \cos\delta_\odot \sin i \sin(\Omega - \alpha_\odot) + \sin\delta_\odot\cos i`
    (Vallado 2013, ch. 5; orbit normal :math:`(\sin i\sin\Omega, -\sin i\cos\Omega, \cos i)`), with the
    apparent Sun :math:`(\alpha_\odot, \delta_\odot)` of :func:`sun_direction`.

    The node is :math:`\Omega = \alpha_m + 15°(\mathrm{LTAN} - 12\,h)`. A sun-synchronous orbit (NaN
    inclination) keeps this relation to the mean Sun :math:`\alpha_m(t)` all year, so the equation of time
    appears in beta. Any other inclination starts from it at day 0 and then precesses at the J2 rate of
    :func:`node_rate_rad_per_s`, so beta cycles (about 60 days for 420 km, 51.6 deg).

    References
    ----------
    .. [1] Vallado, D. A., *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013.
    .. [2] Meeus, J., *Astronomical Algorithms*, 2nd ed., Willmann-Bell, 1998, ch. 25, 28.
    """
    alt = _check_altitude(altitude_km)
    inc = _check_inclination(inclination_deg)
    ltan = _check_ltan(ltan_h)
    day = _check_day(day_of_year)
    alt, inc, ltan, day = np.broadcast_arrays(alt, inc, ltan, day)
    if np.any(np.isnan(inc)):
        sso_inclination_deg(alt[np.isnan(inc)].max())  # raises where no sun-synchronous orbit exists
    return _out(np.degrees(np.arcsin(np.clip(_sin_beta(alt, inc, ltan, day), -1.0, 1.0))))


# ------------------------------------------------------------------------------------------------ eclipses
def _umbra_angle(alt: np.ndarray, dist_au: np.ndarray, model: str, atmosphere_km: float) -> np.ndarray:
    """Angular radius of the umbra seen from the orbit: Earth's angular radius minus the Sun's [rad]."""
    rho = np.arcsin((_R_KM + atmosphere_km) / (_R_KM + alt))
    if model == "cylindrical":
        return rho
    return rho - np.arcsin(SUN_RADIUS_M / (dist_au * AU_M))


def _fraction_from_sin_beta(sin_beta: np.ndarray, half: np.ndarray) -> np.ndarray:
    cos_beta = np.sqrt(np.maximum(1.0 - sin_beta**2, 0.0))
    cos_u = np.cos(half) / np.maximum(cos_beta, 1e-300)
    return np.arccos(np.minimum(cos_u, 1.0)) / np.pi


def eclipse_fraction(altitude_km: npt.ArrayLike, beta_deg: npt.ArrayLike, model: Model = "conical",
                     sun_distance_au: npt.ArrayLike = 1.0, atmosphere_km: float = 0.0) -> np.ndarray:
    r"""Fraction of one circular orbit spent in Earth's umbra.

    Parameters
    ----------
    altitude_km : array_like
        Height above the equatorial radius [km], in [150, 50000].
    beta_deg : array_like
        Solar beta angle [deg], in [-90, 90].
    model : {'conical', 'cylindrical'}
        Umbra shape: the true cone narrowed by the Sun's finite disc, or the parallel-ray cylinder.
    sun_distance_au : array_like, default 1.0
        Earth-Sun distance [AU] (conical model only); see :func:`sun_distance_au`.
    atmosphere_km : float, default 0.0
        Height added to the Earth's radius for the shadowing body [km]. The default 0 is the geometric shadow
        of Vallado's SHADOW algorithm; grazing rays below ~30 km are mostly refracted or absorbed, which would
        lengthen an eclipse by a few seconds at most, within the penumbra that is counted as sunlit anyway.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Umbra fraction [-], 0 where the orbit sees no umbra.

    Notes
    -----
    A satellite is in the umbra when the whole solar disc hides behind the Earth: the angle between the
    nadir and the Sun is at most :math:`\rho - \alpha_s`, with :math:`\sin\rho = R_\oplus/(R_\oplus+h)`
    and :math:`\sin\alpha_s = R_\odot/d_\odot` (0 for the cylinder). Along a circular orbit, with argument
    :math:`u` from the point nearest the anti-Sun, that angle is :math:`\arccos(\cos\beta\cos u)`, so the
    umbra arc is :math:`2u_e` with

    .. math:: \cos u_e = \frac{\cos(\rho - \alpha_s)}{\cos\beta}, \qquad f = u_e/\pi .

    For :math:`\alpha_s = 0` this is the classic :math:`\cos u_e = \sqrt{h^2 + 2R_\oplus h}/((R_\oplus+h)
    \cos\beta)` (Wertz & Larson 1999, ch. 5; Vallado 2013, ch. 5). The cone half-angle
    :math:`\alpha_s \approx 0.267°` makes the umbra slightly smaller than the cylinder; the parallax of the
    Sun between Earth's centre and the satellite (< 1 arcmin) is neglected. The Earth is a sphere of
    equatorial radius: the real, oblate shadow is up to 21 km thinner across the poles, so grazing
    dawn-dusk eclipses (which fall near 70 deg latitude) are really ~0.5 min shorter and their season
    ~3 days shorter than computed here.

    References
    ----------
    .. [1] Vallado, D. A., *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013, ch. 5 (SHADOW).
    .. [2] Wertz, J. R. and Larson, W. J. (eds.), *Space Mission Analysis and Design*, 3rd ed., 1999, ch. 5.
    """
    _check_model(model)
    alt = _check_altitude(altitude_km)
    beta = _check(beta_deg, "beta_deg", -90.0, 90.0, "deg")
    dist = _check(sun_distance_au, "sun_distance_au", 0.9, 1.1, "AU")
    half = _umbra_angle(alt, dist, model, float(atmosphere_km))
    return _out(_fraction_from_sin_beta(np.sin(np.radians(beta)), half))


def _stats_core(alt: np.ndarray, inc: np.ndarray, ltan: np.ndarray, model: str,
                n_days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Annual stats of 1-D unvalidated orbit arrays; days are a trailing axis, processed in chunks."""
    centres = (np.arange(n_days) + 0.5) * (MODEL_YEAR_D / n_days)
    days = (centres[:, None] + np.array([-0.5, 0.0, 0.5])).ravel()  # start, middle and end of each day
    ra, dec, dist, ra_mean = _solar_coordinates(days)
    weights = np.array([1.0, 4.0, 1.0]) / 6.0  # Simpson's rule within each day
    n = alt.size
    sunlit, ecl_days, max_min = np.empty(n), np.empty(n), np.empty(n)
    step = max(1, _CHUNK_ELEMENTS // days.size)
    for lo in range(0, n, step):
        s = slice(lo, lo + step)
        a = alt[s, None]
        sin_beta = _sin_beta(a, inc[s, None], ltan[s, None], days, (ra, dec, dist, ra_mean))
        f = _fraction_from_sin_beta(sin_beta, _umbra_angle(a, dist, model, 0.0)).reshape(-1, n_days, 3)
        sunlit[s] = 1.0 - (f @ weights).mean(axis=1)
        ecl_days[s] = (f > 0.0).any(axis=2).sum(axis=1) * (MODEL_YEAR_D / n_days)
        max_min[s] = f.max(axis=(1, 2)) * (2.0 * np.pi / _mean_motion_rad_s(alt[s])) / 60.0
    return sunlit, ecl_days, max_min


def _prepare(altitude_km: npt.ArrayLike, inclination_deg: npt.ArrayLike, ltan_h: npt.ArrayLike,
             model: str, keep_fixed: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, ...]]:
    """The checked inputs as 1-D arrays of one length and the broadcast shape; with ``keep_fixed``, one inclination
    and one LTAN (both 0-d) are returned 0-d, not copied to full arrays."""
    _check_model(model)
    alt = _check_altitude(altitude_km)
    inc = _check_inclination(inclination_deg)
    ltan = _check_ltan(ltan_h)
    nan = np.isnan(inc)  # on the inclination's own shape (one value where it is fixed)
    fixed = keep_fixed and inc.ndim == 0 and ltan.ndim == 0
    if not fixed:
        alt, inc, ltan = np.broadcast_arrays(alt, inc, ltan)
    shape = alt.shape
    if alt.size and nan.any():  # each inclination is then among the broadcast ones
        highest = alt.max() if nan.all() else alt[np.broadcast_to(nan, alt.shape)].max()
        if highest > SSO_RETROGRADE_BELOW_KM:  # below it one exists (sso_cos_i_bound)
            sso_inclination_deg(highest)  # raises where no SSO exists (highest altitude)
    if fixed:
        return alt.ravel(), inc, ltan, shape
    return alt.ravel(), inc.ravel(), ltan.ravel(), shape


def _pack(shape: tuple[int, ...], *fields: np.ndarray) -> EclipseStats:
    return EclipseStats(*(_out(np.reshape(x, shape)) for x in fields))


def annual_eclipse_stats(altitude_km: npt.ArrayLike, inclination_deg: npt.ArrayLike, ltan_h: npt.ArrayLike,
                         model: Model = "conical", n_days: int = 365) -> EclipseStats:
    r"""Umbra statistics of circular orbits over the model year 2026.

    Parameters
    ----------
    altitude_km : array_like
        Height above the equatorial radius [km], in [150, 50000].
    inclination_deg : array_like
        Inclination [deg] in [0, 180]; NaN means sun-synchronous at that altitude.
    ltan_h : array_like
        Local mean time of the ascending node at day 0 [h], in [0, 24).
    model : {'conical', 'cylindrical'}
        Umbra shape, see :func:`eclipse_fraction`.
    n_days : int, default 365
        Number of days sampled, evenly spread over the 365-day year.

    Returns
    -------
    EclipseStats
        ``sunlit_fraction`` [-], ``eclipse_days_per_yr`` [d] and ``max_eclipse_min`` [min], each of the
        broadcast shape of the inputs (NumPy scalars for scalar inputs).

    Notes
    -----
    Each sampled day k, centred on :math:`t_k = (k + 1/2)\,365/n_{days}`, is evaluated at its start, middle
    and end: beta from :func:`beta_angle_deg`, the umbra fraction from :func:`eclipse_fraction` with the
    day's Sun distance. The day's mean umbra fraction is Simpson's rule over the three; the day counts as an
    eclipse day if any of the three sees an umbra (within a day beta is monotonic or peaks away from zero, so
    its smallest magnitude lies at the day's ends or middle). The longest passage is
    :math:`\max f \cdot P`. Orbits are processed in chunks of at most 2^20 orbit-samples.
    """
    if int(n_days) != n_days or not 1 <= n_days <= 3650:
        raise ValueError(f"n_days must be an integer in [1, 3650] d, got {n_days}")
    alt, inc, ltan, shape = _prepare(altitude_km, inclination_deg, ltan_h, model)
    return _pack(shape, *_stats_core(alt, inc, ltan, model, int(n_days)))


# ------------------------------------------------------------------------------------- cached fast lookup
#: Grid spacing of the interpolation tables of :func:`eclipse_stats_fast`: altitude [km], LTAN [h], inc [deg].
GRID_STEP = {"altitude": 5.0, "ltan": 0.05, "inclination": 0.25}
#: Largest number of unique (altitude, inclination, LTAN) triples computed directly by eclipse_stats_fast.
MAX_UNIQUE = 4096
#: An axis with at most this many distinct values is tabulated at exactly those values (not interpolated).
MAX_DISCRETE = 32
#: Upper bound on the number of table nodes; wider input ranges coarsen the grid steps to stay within it.
MAX_TABLE_NODES = 100_000
#: Inclinations this close to the sun-synchronous one [deg] are looked up as sun-synchronous (their node
#: would drift < 0.05 deg a year from the mean Sun).
SSO_SNAP_DEG = 1e-3


@functools.lru_cache(maxsize=32)
def _table(model: str, alt_nodes: tuple[float, ...], ltan_nodes: tuple[float, ...],
           inc_nodes: tuple[float, ...]) -> np.ndarray:
    """Stats on the outer product of nodes, shape (n_alt, n_ltan, n_inc, 3), read-only; inc -1 is SSO."""
    a, lt, i = np.meshgrid(np.array(alt_nodes), np.array(ltan_nodes), np.array(inc_nodes), indexing="ij")
    i[i < 0.0] = np.nan
    table = np.stack(_stats_core(a.ravel(), i.ravel(), lt.ravel(), model, 365), axis=-1)
    table = table.reshape(a.shape + (3,))
    table.flags.writeable = False
    return table


def _grid_axis(values: np.ndarray, step: float, lo: float, hi: float) -> tuple[tuple[float, ...], np.ndarray,
                                                                               np.ndarray]:
    """:func:`_axis` on a regular grid of ``step``; ``lo``, ``hi``: the smallest and largest of ``values``."""
    i0 = int(np.floor(lo / step))
    n = max(2, int(np.ceil(hi / step)) - i0 + 1)
    pos = values / step
    pos -= i0  # values / step - i0
    idx = pos.astype(np.intp)
    if int(hi / step - i0) > n - 2:  # the largest position's node (division and rounding are monotonic)
        np.minimum(idx, n - 2, out=idx)
    return tuple(float(k * step) for k in range(i0, i0 + n)), idx, np.subtract(pos, idx, out=pos)  # the weight


def _axis(values: np.ndarray, step: float, lo: float, hi: float,
          many: bool = False) -> tuple[tuple[float, ...], Any, Any, str]:
    """Nodes, lower node index and upper-node weight of one table axis (exact nodes if values are few), and the
    kind of axis ("one", "discrete" or "grid": :class:`TableAxes`); ``lo``, ``hi``: the smallest and largest of
    ``values``; ``many``: the first 1,000 values are known distinct."""
    if lo == hi:  # one node: indexed by 0 and not interpolated (no per-sample arrays)
        return (lo,), 0, 0.0, "one"
    if not (many and values.size > MAX_DISCRETE) and np.unique(values[:1000]).size <= MAX_DISCRETE:
        nodes, inverse = np.unique(values, return_inverse=True)
        if nodes.size <= MAX_DISCRETE:
            return tuple(nodes.tolist()), inverse.reshape(values.shape), np.zeros(values.shape), "discrete"
    return (*_grid_axis(values, step, lo, hi), "grid")


def _all_distinct(values: np.ndarray) -> bool:
    """Whether no two of ``values`` (checked: no NaN) are equal: ``np.unique(values).size == values.size``."""
    ordered = np.sort(values)
    return bool((ordered[1:] != ordered[:-1]).all())


def _unique_rows(columns: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray] | None:
    """Index of one row per distinct tuple and the inverse map; None if more than MAX_UNIQUE tuples."""
    for col in columns:  # more distinct values in the first MAX_UNIQUE + 1 than allowed: no sort of the rest
        if col.size > MAX_UNIQUE and np.unique(col[: MAX_UNIQUE + 1]).size > MAX_UNIQUE:
            return None
    code = np.zeros(columns[0].shape, dtype=np.int64)
    for col in columns:  # per-column codes combined into one integer key (< 4097**3 fits in int64)
        nodes, inverse = np.unique(col, return_inverse=True)
        if nodes.size > MAX_UNIQUE:
            return None
        code = code * nodes.size + inverse.ravel()
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    return (first, inverse.ravel()) if first.size <= MAX_UNIQUE else None


@dataclass(frozen=True)
class TableAxes:
    """The nodes of one interpolation table of :func:`eclipse_stats_fast` outside a plan, chosen from one array of
    orbits (:func:`_table_axes`), to look up other orbits of that array on (:func:`_on_axis`).

    Attributes
    ----------
    axes : tuple
        Per axis (altitude [km], LTAN [h], inclination [deg]; -1 for sun-synchronous) ``(kind, step, lo, hi,
        nodes)``: ``kind`` "one" (a single value ``lo``), "discrete" (the distinct values ``nodes``) or "grid"
        (nodes at multiples of ``step`` over ``[lo, hi]``, the array's bounds).
    moving : tuple of bool
        Per axis, whether some orbit of the array lies off its nodes (the axis is interpolated).
    """

    axes: tuple[tuple[str, float, float, float, tuple[float, ...]], ...]
    moving: tuple[bool, ...]


def _on_axis(axis: tuple[str, float, float, float, tuple[float, ...]],
             values: np.ndarray) -> tuple[tuple[float, ...], Any, Any]:
    """:func:`_axis` of ``values`` on the nodes ``axis`` chose from a whole array holding them (the same
    nodes, indices and weights, element by element)."""
    kind, step, lo, hi, nodes = axis
    if kind == "one":
        return nodes, 0, 0.0
    if kind == "discrete":  # the values are among the nodes: their index is np.unique's inverse
        return nodes, np.searchsorted(np.asarray(nodes), values), np.zeros(values.shape)
    return _grid_axis(values, step, lo, hi)


def _table_axes(alt: np.ndarray, inc: np.ndarray, ltan: np.ndarray, many_altitudes: bool,
                sso: bool) -> tuple[TableAxes, list[tuple[tuple[float, ...], Any, Any]]]:
    """The table nodes of these orbits (:class:`TableAxes`) and each axis's :func:`_axis` (nodes, lower node
    index, upper-node weight) of them; ``sso``: every orbit is sun-synchronous (``inc`` all NaN)."""
    # All sun-synchronous: the inclination axis is the one node -1 (only its bounds are read, not a full array).
    # A 0-d inclination or LTAN (one for every sample) is an axis of one node too.
    values = (alt, ltan, np.full(1, -1.0) if sso else np.nan_to_num(inc, nan=-1.0))
    steps = (GRID_STEP["altitude"], GRID_STEP["ltan"], GRID_STEP["inclination"])
    bounds = [(float(v.min()), float(v.max())) for v in values]  # each array's two reductions, shared below
    spans = [hi - lo for lo, hi in bounds]  # np.ptp's max - min
    n_est = np.prod([sp / d + 2.0 if sp > 0 else 1.0 for sp, d in zip(spans, steps, strict=True)])
    coarsen = max(1.0, (n_est / MAX_TABLE_NODES) ** (1.0 / max(1, sum(sp > 0 for sp in spans))))
    axes = [_axis(v, d * coarsen, *b, many=many_altitudes and v is alt)
            for v, d, b in zip(values, steps, bounds, strict=True)]
    # whether an axis moves: some weight is not 0 (the first sample's often says so without a scan)
    moving = tuple(len(ax[0]) > 1 and bool(ax[2].flat[0] != 0.0 or np.any(ax[2])) for ax in axes)
    kinds = tuple((ax[3], d * coarsen, lo, hi, ax[0]) for ax, d, (lo, hi) in zip(axes, steps, bounds, strict=True))
    return TableAxes(kinds, moving), [ax[:3] for ax in axes]


def _interpolate(model: str, alt: np.ndarray, inc: np.ndarray, ltan: np.ndarray,
                 rows: tuple[int, ...] = (0, 1, 2), many_altitudes: bool = False,
                 tables: dict[bool, TableAxes] | None = None) -> np.ndarray:
    """Multilinear interpolation on a cached table; ``inc`` all NaN (SSO) or all finite. Returns (len(rows), n):
    the statistics ``rows`` of (sunlit fraction, eclipse days, longest eclipse). ``many_altitudes``: the first
    :data:`MAX_UNIQUE` + 1 of ``alt`` are distinct (the altitude axis is not discrete). ``tables``: the nodes
    of the sun-synchronous (True) and inclined (False) tables chosen from a whole array these orbits are part
    of (:class:`EclipseChoice`); None: chosen from these orbits."""
    sso = inc.size > 0 and bool(np.isnan(inc.flat[0]))
    if tables is None:
        spec, axes = _table_axes(alt, inc, ltan, many_altitudes, sso)
    else:
        spec = tables[sso]
        values = (alt, ltan, np.full(1, -1.0) if sso else np.nan_to_num(inc, nan=-1.0))
        axes = [_on_axis(axis, v) for axis, v in zip(spec.axes, values, strict=True)]
    nodes = (axes[0][0], axes[1][0], axes[2][0])
    stat_tables = _stat_tables(model, *nodes)
    # An axis holding one node is indexed by 0, not by an array of zeros (the same gather, one index fewer).
    base = [0 if len(ax[0]) == 1 else ax[1] for ax in axes]
    weights = [ax[2] if m else None for ax, m in zip(axes, spec.moving, strict=True)]
    # Weights in [0, 1] (values inside the nodes) and tables without a sign bit: no term is -0, so the first
    # corner's terms are the sums from 0.
    return _multilinear(tuple(stat_tables[r] for r in rows), base, weights, alt.size,
                        unsigned=_stat_tables_unsigned(model, *nodes))


def _multilinear(tables: tuple[np.ndarray, ...], index: list[Any], weight: list[np.ndarray | None],
                 n: int, unsigned: bool = False) -> np.ndarray:
    """(len(tables), n) multilinear interpolation of the statistic ``tables`` (each (n_alt, n_ltan, n_inc)): lower
    node ``index`` per axis (an int or an (n,) array) and upper-node ``weight`` (None: the axis does not move).
    Each row is computed on its own (a table left out changes no other row). ``unsigned``: every weight lies in
    [0, 1] and no table value has a sign bit, so that no term is -0 and 0 + term is the term: the rows start from
    the first corner's terms instead of from zeros (the same sums)."""
    moving = [k for k, w in enumerate(weight) if w is not None]
    strides = (tables[0].shape[1] * tables[0].shape[2], tables[0].shape[2], 1)
    flat_tables = [t.reshape(-1) for t in tables]  # C-contiguous: a view, gathered with one flat index
    flat = _flat_index(index, strides)  # of the lower corner; another corner's node lies `offset` elements on
    gathered = np.empty(n) if np.ndim(flat) else None  # one corner's node values, then their weighted terms
    start = unsigned and gathered is not None  # the first corner's terms written to the rows
    out = np.empty((len(tables), n)) if start else np.zeros((len(tables), n))  # one contiguous row per statistic
    for corner in range(1 << len(moving)):
        offset = 0
        w: np.ndarray | float | None = None  # the product of the weights (1.0 * x is x: that pass skipped)
        for j, k in enumerate(moving):
            if (corner >> j) & 1:
                offset += strides[k]
                w = weight[k] if w is None else w * weight[k]
            else:
                w = (1.0 - weight[k]) if w is None else w * (1.0 - weight[k])
        for row, table in zip(out, flat_tables, strict=True):  # indices in the table: "wrap" is "raise" untested
            if gathered is None:
                row += (1.0 if w is None else w) * table[flat + offset]
                continue
            term = table[offset:].take(flat, out=row if start and corner == 0 else gathered, mode="wrap")
            if w is not None:  # term: table[flat + offset], then times its weight
                np.multiply(w, term, out=term)
            if term is not row:
                row += term
    return out


def _flat_index(idx: list[Any], strides: tuple[int, int, int]) -> Any:
    """The flat (C-order) index of ``table[idx[0], idx[1], idx[2]]``: the same elements as that gather, each axis
    an int or an (n,) index array (the integer parts summed first: one pass per array axis)."""
    const = sum(int(i) * st for i, st in zip(idx, strides, strict=True) if np.ndim(i) == 0)
    flat: Any = const
    for i, st in zip(idx, strides, strict=True):
        if np.ndim(i):
            term = i * st if st != 1 else i
            if isinstance(flat, np.ndarray):
                flat = flat + term
            else:  # + 0 is no pass
                flat = term if flat == 0 else term + flat
    return flat


@functools.lru_cache(maxsize=32)
def _stat_tables(model: str, alt_nodes: tuple[float, ...], ltan_nodes: tuple[float, ...],
                 inc_nodes: tuple[float, ...]) -> tuple[np.ndarray, ...]:
    """The three statistics of :func:`_table`, each its own contiguous (n_alt, n_ltan, n_inc) array, read-only."""
    table = _table(model, alt_nodes, ltan_nodes, inc_nodes)
    out = tuple(np.ascontiguousarray(table[..., k]) for k in range(3))
    for t in out:
        t.flags.writeable = False
    return out


@functools.lru_cache(maxsize=32)
def _stat_tables_unsigned(model: str, alt_nodes: tuple[float, ...], ltan_nodes: tuple[float, ...],
                          inc_nodes: tuple[float, ...]) -> bool:
    """Whether no value of :func:`_stat_tables` has a sign bit (no negative value, no -0)."""
    return not any(bool(np.signbit(t).any()) for t in _stat_tables(model, alt_nodes, ltan_nodes, inc_nodes))


def eclipse_stats_fast(altitude_km: npt.ArrayLike, inclination_deg: npt.ArrayLike, ltan_h: npt.ArrayLike,
                       model: Model = "conical", days_on_read: bool = False) -> EclipseStats:
    """:func:`annual_eclipse_stats` (365 days) for Monte Carlo sample sets, via uniques or cached tables.

    Parameters
    ----------
    altitude_km, inclination_deg, ltan_h, model
        As for :func:`annual_eclipse_stats`.
    days_on_read : bool, default False
        Where the samples are looked up in a table outside a plan, give ``eclipse_days_per_yr`` as a
        :class:`terawatt._arrays.Deferred` computing it on first read (the same values): for a caller that may
        not need it (:func:`terawatt.evaluate`, whose cost ratio does not).

    Returns
    -------
    EclipseStats
        As for :func:`annual_eclipse_stats`.

    Notes
    -----
    If the inputs hold at most 4,096 distinct (altitude, inclination, LTAN) triples, these are computed
    directly and scattered back (exact). Otherwise the samples are looked up in LRU-cached tables, one for
    sun-synchronous samples (NaN inclination, or within 0.001 deg of :func:`sso_inclination_deg`: a
    fixed-inclination table would interpolate between drifting orbits) over (altitude, LTAN), one for the
    others over (altitude, LTAN, inclination). An axis with at most 32 distinct values is tabulated at those
    values; a wider one on a regular grid of 5 km in altitude, 0.05 h (3 min) in LTAN and 0.25 deg in
    inclination, aligned to multiples of the step, and interpolated multilinearly. Tables hold at most
    100,000 nodes; wider input ranges coarsen all gridded steps by a common factor (less accurate).

    Measured against direct computation at the default spacing (random 400-1,200 km; SSO and 30-60 deg;
    fixed or random LTAN; ``tests/test_orbit.py``): sunlit fraction within 0.0015 (worst of 3,000 samples;
    99th percentile 5e-4), longest eclipse within 0.01 min; near the altitude where dawn-dusk eclipses
    vanish (1,200-1,500 km, where the duration grows like a square root) within 0.5 min. Eclipse days are a
    step function with square-root onsets along ridges of (altitude, LTAN) where an eclipse season opens:
    interpolated (fractional) days are within 2.5 d at one LTAN, but with LTAN varying only within 5 d at
    the 99th percentile and up to ~25 d in the worst 0.1 %. Use
    :func:`annual_eclipse_stats` where the day count itself matters.

    One orbit given as scalars is computed directly and memoised (LRU, 4,096 orbits), so repeated scalar
    evaluations of the same orbit cost a dictionary lookup.

    The choice above (direct or tables, exact nodes, coarsening) is made per call from the array's content, so
    one sample's values can depend on the other samples of its array. A population run
    (:func:`terawatt.studies.population.evaluate_population`, hence ``terawatt montecarlo``, ``sensitivity``,
    ``discover``) therefore decides one :class:`EclipsePlan` for the whole run
    (:func:`terawatt.studies.orbit_plan.run_eclipse_plan`) and evaluates each chunk inside
    :func:`use_eclipse_plan`: every array is then looked up on the plan's fixed nodes (or computed directly,
    orbit by orbit, in an exact plan or off the plan's bounds), so a sample's values depend only on its own
    orbit and the plan, whatever the chunk size, the workers and the backend. Outside a plan (plain
    :func:`terawatt.evaluate` on arrays) the per-call choice applies, or, within :func:`use_eclipse_choice`, the
    choice made once from a whole array the call's orbits are part of (:func:`eclipse_choice`: the blocks of a
    large evaluation, :mod:`terawatt.blocks`, get the whole array's values bit for bit); scalars are always
    computed directly.
    """
    if np.ndim(altitude_km) == 0 and np.ndim(inclination_deg) == 0 and np.ndim(ltan_h) == 0:
        key = _scalar_key(altitude_km, inclination_deg, ltan_h)
        if key is not None and isinstance(model, str):
            return _scalar_eclipse_stats(*key, model)
    return _eclipse_stats_arrays(altitude_km, inclination_deg, ltan_h, model, days_on_read)


def _scalar_key(
    altitude_km: object, inclination_deg: object, ltan_h: object
) -> tuple[float, float | None, float] | None:
    """Hashable cache key of one orbit (NaN inclination -> None: NaN != NaN); None if not plain numbers."""
    try:
        alt, inc, ltan = float(altitude_km), float(inclination_deg), float(ltan_h)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return alt, (None if np.isnan(inc) else inc), ltan


@functools.lru_cache(maxsize=4096)
def _scalar_eclipse_stats(altitude_km: float, inclination_deg: float | None, ltan_h: float, model: str) -> EclipseStats:
    """One orbit's statistics, cached: they depend only on these four inputs (the result is immutable)."""
    inc = np.nan if inclination_deg is None else inclination_deg
    return _eclipse_stats_arrays(altitude_km, inc, ltan_h, model)


# ---------------------------------------------------------------------------------------- run-level plans
@dataclass(frozen=True)
class EclipsePlan:
    """How :func:`eclipse_stats_fast` treats every array of one run, decided once from the run's whole design.

    Attributes
    ----------
    exact : bool
        Compute every distinct orbit directly (the design holds at most :data:`MAX_UNIQUE` of them).
    sso, inclined : tuple
        Table mode: the axes of the sun-synchronous table (altitude [km], LTAN [h]) and of the table of
        inclined orbits (altitude, LTAN, inclination [deg]; empty when the design is sun-synchronous only),
        each a pair ``(step, nodes)``: ``step`` > 0 for a regular grid (nodes at multiples of the step,
        interpolated), ``None`` for discrete nodes (the values the design takes; a value elsewhere is computed
        directly).

    Notes
    -----
    A sample's statistics then depend only on its own orbit and on the plan, never on the other samples of
    its array (chunk): the tables are read on fixed nodes, and a sample off every table (outside the plan's
    bounds) is computed directly.
    """

    exact: bool = False
    sso: tuple[tuple[float | None, tuple[float, ...]], ...] = ()
    inclined: tuple[tuple[float | None, tuple[float, ...]], ...] = ()


Axis = tuple[float | None, tuple[float, ...]]
Span = tuple[float, float, tuple[float, ...] | None]


def _plan_axes(spans: list[Span]) -> tuple[Axis, ...]:
    """Nodes of one table over ``spans``: discrete values, or grids coarsened to MAX_TABLE_NODES in all."""
    steps = (GRID_STEP["altitude"], GRID_STEP["ltan"], GRID_STEP["inclination"])
    n_fixed = float(np.prod([len(d) for _, _, d in spans if d is not None and len(d) <= MAX_DISCRETE]))
    gridded = [(hi - lo) / step + 2.0 for (lo, hi, d), step in zip(spans, steps, strict=False)
               if (d is None or len(d) > MAX_DISCRETE) and hi > lo]
    n_est = n_fixed * float(np.prod(gridded)) if gridded else n_fixed
    coarsen = max(1.0, (n_est / MAX_TABLE_NODES) ** (1.0 / max(1, len(gridded))))
    return tuple(_plan_axis(lo, hi, d, step, coarsen) for (lo, hi, d), step in zip(spans, steps, strict=False))


def _plan_axis(lo: float, hi: float, distinct: tuple[float, ...] | None, step: float, coarsen: float) -> Axis:
    if distinct is not None and len(distinct) <= MAX_DISCRETE:
        return None, tuple(sorted(distinct))
    if lo == hi:
        return None, (lo,)
    d = step * coarsen
    i0 = int(np.floor(lo / d))
    n = max(2, int(np.ceil(hi / d)) - i0 + 1)
    return d, tuple(float(k * d) for k in range(i0, i0 + n))


def plan_eclipses(altitude: Span, ltan: Span, inclination: Span | None) -> EclipsePlan:
    """The :class:`EclipsePlan` of a run from the bounds of its orbit inputs.

    Parameters
    ----------
    altitude, ltan
        ``(low, high, distinct)`` over the whole design: bounds [km] / [h] and the sorted distinct values, or
        ``None`` for distinct where they are many or unknown (a continuous distribution).
    inclination
        The same over the finite inclinations [deg]; ``None`` where every sample is sun-synchronous (NaN).

    Returns
    -------
    EclipsePlan
        Exact when the product of the distinct counts (one more inclination for sun-synchronous samples) is at
        most :data:`MAX_UNIQUE`; otherwise an (altitude, LTAN) table for sun-synchronous samples and, with
        ``inclination``, an (altitude, LTAN, inclination) table, each with the steps of :data:`GRID_STEP`
        coarsened by one common factor so that it holds at most :data:`MAX_TABLE_NODES` nodes over the bounds;
        axes with at most :data:`MAX_DISCRETE` values are tabulated at those values.
    """
    spans = [altitude, ltan] + ([inclination] if inclination is not None else [])
    counts = [len(d) for _, _, d in spans if d is not None]
    if len(counts) == len(spans) and int(np.prod(counts)) * (1 + (inclination is not None)) <= MAX_UNIQUE:
        return EclipsePlan(exact=True)
    return EclipsePlan(sso=_plan_axes(spans[:2]), inclined=_plan_axes(spans) if inclination is not None else ())


_PLAN: contextvars.ContextVar[EclipsePlan | None] = contextvars.ContextVar("terawatt_eclipse_plan", default=None)


@contextlib.contextmanager
def use_eclipse_plan(plan: EclipsePlan | None) -> Iterator[None]:
    """Within the block, :func:`eclipse_stats_fast` on arrays follows ``plan`` (``None``: per-call choice).

    The plan is a context variable: each thread or task (a worker process, a Dask task) sets its own.
    """
    token = _PLAN.set(plan)
    try:
        yield
    finally:
        _PLAN.reset(token)


def _lookup_axis(values: np.ndarray, step: float | None,
                 nodes: tuple[float, ...]) -> tuple[np.ndarray | int, np.ndarray | None, np.ndarray | None]:
    """Lower node index, upper-node weight (None: not interpolated) and inside-the-table flag (None: all) of each
    value, on fixed nodes."""
    if step is None:
        if len(nodes) == 1:
            return 0, None, values == nodes[0]
        grid = np.asarray(nodes)
        idx = np.minimum(np.searchsorted(grid, values), grid.size - 1)
        return idx, None, grid[idx] == values
    n = len(nodes)
    pos = values / step - round(nodes[0] / step)
    idx = np.clip(pos, 0, n - 2).astype(np.intp)
    return idx, pos - idx, (pos >= 0.0) & (pos <= n - 1)


def _planned(plan: EclipsePlan, model: str, alt: np.ndarray, inc: np.ndarray, ltan: np.ndarray) -> np.ndarray:
    """(3, n) statistics on the plan's fixed tables; ``inc`` all NaN (SSO) or all finite."""
    sso = bool(np.isnan(inc[0])) if inc.size else True
    axes = [*plan.sso] if sso else list(plan.inclined)
    if not axes:  # no table of inclined orbits in the plan: computed directly
        return np.stack(_stats_core(alt, inc, ltan, model, 365))
    found = [_lookup_axis(v, st, nodes) for v, (st, nodes) in zip((alt, ltan, inc), axes, strict=False)]
    if sso:
        axes.append((None, (-1.0,)))
        found.append((0, None, None))
    tables = _stat_tables(model, *(nodes for _, nodes in axes))
    out = _multilinear(tables, [f[0] for f in found], [f[1] for f in found], alt.size)
    flags = [f[2] for f in found if f[2] is not None]
    inside = np.logical_and.reduce(flags) if flags else None
    if inside is not None and not inside.all():  # outside the plan's bounds: computed directly
        off = np.flatnonzero(~inside)
        out[:, off] = np.stack(_stats_core(alt[off], inc[off], ltan[off], model, 365))
    return out


def _planned_stats(plan: EclipsePlan, model: str, alt: np.ndarray, inc: np.ndarray,
                   ltan: np.ndarray) -> tuple[np.ndarray, ...]:
    """The three statistics of 1-D orbit arrays following ``plan``, each sample on its own."""
    if plan.exact:
        _, first, inverse = np.unique(np.stack([alt, np.nan_to_num(inc, nan=-1.0), ltan], axis=-1), axis=0,
                                      return_index=True, return_inverse=True)
        return tuple(r[inverse.ravel()] for r in _stats_core(alt[first], inc[first], ltan[first], model, 365))
    return _by_table(functools.partial(_planned, plan, model), alt, inc, ltan)


def _by_table(stats: Callable[[np.ndarray, np.ndarray, np.ndarray], Any], alt: np.ndarray, inc: np.ndarray,
              ltan: np.ndarray) -> tuple[np.ndarray, ...]:
    """``stats(alt, inc, ltan)`` (three statistics) of 1-D orbit arrays, the sun-synchronous samples (NaN, or an
    explicit inclination within :data:`SSO_SNAP_DEG` of it) and the others each in one call for their table. A 0-d
    ``inc`` (and ``ltan``) is one for every sample."""
    if np.ndim(inc) == 0:
        if np.isnan(inc) or inc <= 90.0:  # one table, no snapping: every sample sun-synchronous, or none
            return tuple(stats(alt, inc, ltan))
        inc, ltan = _per_sample(inc, ltan, alt.shape)
    retro = np.flatnonzero(inc > 90.0)  # explicit sun-synchronous inclinations go to the (alt, LTAN) table
    if retro.size:
        cos_sso = _sso_cos_i(alt[retro])
        near = (cos_sso >= -1.0) & (np.abs(np.degrees(np.arccos(np.clip(cos_sso, -1.0, 1.0))) - inc[retro])
                                    < SSO_SNAP_DEG)
        inc = inc.copy()
        inc[retro[near]] = np.nan
    sso = np.isnan(inc)
    if sso.all() or not sso.any():  # one table: the samples as they are, without gathering and scattering them
        return tuple(stats(alt, inc, ltan))
    out = None
    for mask in (sso, ~sso):
        part = stats(alt[mask], inc[mask], ltan[mask])
        if out is None:
            out = np.empty((len(part), alt.size))
        out[:, mask] = part
    return tuple(out)


@dataclass(frozen=True)
class EclipseChoice:
    """The method and nodes :func:`eclipse_stats_fast` chooses outside a plan for one array of orbits
    (:func:`eclipse_choice`), to apply to parts of that array (:func:`use_eclipse_choice`): each part then gets the
    values the whole array gets, bit for bit, sample by sample.

    Attributes
    ----------
    model : str
        The umbra model the choice was made for.
    many : bool
        More than :data:`MAX_UNIQUE` distinct altitudes among the array's first ones (no search for few orbits).
    direct : tuple or None
        Few distinct orbits: the array's distinct values of each column (altitude, inclination with -1 for
        sun-synchronous, LTAN), the sorted codes of its distinct orbits and their three statistics, computed
        directly; None where the orbits are looked up in tables.
    tables : dict
        Table mode: the :class:`TableAxes` of the sun-synchronous (True) and the inclined (False) orbits.
    """

    model: str
    many: bool
    direct: tuple[tuple[np.ndarray, ...], np.ndarray, tuple[np.ndarray, ...]] | None = None
    tables: dict[bool, TableAxes] | None = None

    def direct_stats(self, alt: np.ndarray, inc: np.ndarray, ltan: np.ndarray) -> tuple[np.ndarray, ...]:
        """The three statistics of 1-D orbits of the array, gathered from its distinct orbits' (``direct``)."""
        columns, codes, stats = self.direct
        index = np.searchsorted(codes, _orbit_codes((alt, np.nan_to_num(inc, nan=-1.0), ltan), columns))
        return tuple(r[index] for r in stats)


def _orbit_codes(values: tuple[np.ndarray, ...], columns: tuple[np.ndarray, ...]) -> np.ndarray:
    """One integer per orbit from its index among each column's distinct values, as :func:`_unique_rows` codes
    the orbits (the same order)."""
    code = np.zeros(values[0].shape, dtype=np.int64)
    for col, nodes in zip(values, columns, strict=True):
        code = code * nodes.size + np.searchsorted(nodes, col)
    return code


_CHOICE: contextvars.ContextVar[EclipseChoice | None] = contextvars.ContextVar("terawatt_eclipse_choice",
                                                                                default=None)


@contextlib.contextmanager
def use_eclipse_choice(choice: EclipseChoice | None) -> Iterator[None]:
    """Within the block, :func:`eclipse_stats_fast` on arrays outside a plan follows ``choice`` (made from the whole
    array the arrays it is given are parts of: :func:`eclipse_choice`) instead of choosing from each array."""
    token = _CHOICE.set(choice)
    try:
        yield
    finally:
        _CHOICE.reset(token)


def eclipse_choice(altitude_km: npt.ArrayLike, inclination_deg: npt.ArrayLike, ltan_h: npt.ArrayLike,
                   model: Model = "conical") -> EclipseChoice:
    """What :func:`eclipse_stats_fast` outside a plan chooses for these orbits: direct computation of few distinct
    orbits (whose statistics it holds) or tables, and the tables' nodes.

    Parameters
    ----------
    altitude_km, inclination_deg, ltan_h, model
        As for :func:`eclipse_stats_fast`: the whole array (e.g. every sample of an evaluation).

    Returns
    -------
    EclipseChoice
        Applied with :func:`use_eclipse_choice` to parts of these arrays (blocks of the samples,
        :mod:`terawatt.blocks`), each part gets the statistics the whole array gets, bit for bit.
    """
    alt, inc, ltan, _ = _prepare(altitude_km, inclination_deg, ltan_h, model, keep_fixed=True)
    many, inc, ltan = _method_inputs(alt, inc, ltan)
    values = None if many else (alt, np.nan_to_num(inc, nan=-1.0), ltan)
    found = None if many else _unique_rows(values)
    if found is not None:
        first, _ = found  # one orbit per distinct code, in the order of the codes
        columns = tuple(np.unique(col) for col in values)
        codes = _orbit_codes(values, columns)[first]
        stats = _stats_core(alt[first], inc[first], ltan[first], model, 365)  # as the one pass computes them
        return EclipseChoice(model, many, (columns, codes, stats))
    tables: dict[bool, TableAxes] = {}

    def record(a: np.ndarray, i: np.ndarray, lt: np.ndarray) -> np.ndarray:
        """The nodes of the table of these orbits (no statistic)."""
        sso = i.size > 0 and bool(np.isnan(i.flat[0]))
        tables[sso] = _table_axes(a, i, lt, many, sso)[0]
        return np.empty((0, a.size))

    _by_table(record, alt, inc, ltan)
    return EclipseChoice(model, many, tables=tables)


def _method_inputs(alt: np.ndarray, inc: np.ndarray, ltan: np.ndarray) -> tuple[bool, np.ndarray, np.ndarray]:
    """Whether the altitudes are many (more distinct than MAX_UNIQUE among the first: no search for few orbits),
    and the inclination and LTAN as the methods read them: a fixed pair as full arrays unless they are many."""
    many = alt.size > MAX_UNIQUE and _all_distinct(alt[: MAX_UNIQUE + 1])
    return (many, inc, ltan) if many else (many, *_per_sample(inc, ltan, alt.shape))


def _per_sample(inc: np.ndarray, ltan: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """A fixed (0-d) inclination and LTAN as full arrays of ``shape``, for the methods that read them per sample
    (the direct computation of distinct orbits, a plan, the split by table); arrays as they are."""
    if np.ndim(inc) == 0:
        return np.broadcast_to(inc, shape).copy(), np.broadcast_to(ltan, shape).copy()
    return inc, ltan


def _eclipse_stats_arrays(altitude_km: npt.ArrayLike, inclination_deg: npt.ArrayLike, ltan_h: npt.ArrayLike,
                          model: str, days_on_read: bool = False) -> EclipseStats:
    alt, inc, ltan, shape = _prepare(altitude_km, inclination_deg, ltan_h, model, keep_fixed=True)
    plan = _PLAN.get()
    if plan is not None:  # a population run's plan: each sample's values are its own (see EclipsePlan)
        return _pack(shape, *_planned_stats(plan, model, alt, *_per_sample(inc, ltan, alt.shape)))
    choice = _CHOICE.get()
    if choice is not None and choice.model != model:
        choice = None
    # More distinct altitudes than MAX_UNIQUE among the first samples: _unique_rows would say None at once.
    if choice is None:
        many, inc, ltan = _method_inputs(alt, inc, ltan)
        found = None if many else _unique_rows((alt, np.nan_to_num(inc, nan=-1.0), ltan))
        if found is not None:
            first, inverse = found
            res = _stats_core(alt[first], inc[first], ltan[first], model, 365)
            return _pack(shape, *(r[inverse] for r in res))
    else:  # the method and nodes chosen from the whole array these orbits are part of
        many = choice.many
        if not many:
            inc, ltan = _per_sample(inc, ltan, alt.shape)
        if choice.direct is not None:
            return _pack(shape, *choice.direct_stats(alt, inc, ltan))
    interpolate = functools.partial(_interpolate, model, many_altitudes=many,
                                    tables=None if choice is None else choice.tables)
    if not days_on_read:
        return _pack(shape, *_by_table(interpolate, alt, inc, ltan))
    # The eclipse days on first read (a Deferred): each statistic is interpolated on its own, the same numbers.
    sunlit, longest = _by_table(functools.partial(interpolate, rows=(0, 2)), alt, inc, ltan)
    days = Deferred(lambda: _out(np.reshape(_by_table(functools.partial(interpolate, rows=(1,)), alt, inc,
                                                      ltan)[0], shape)))
    return EclipseStats(_out(np.reshape(sunlit, shape)), days, _out(np.reshape(longest, shape)))
