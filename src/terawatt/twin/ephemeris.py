"""The Sun in SGP4's TEME frame from JPL DE421 (skyfield + skyfield-data, offline), and Greenwich sidereal time.

The apparent geocentric Sun is computed by skyfield at a coarse cadence and interpolated linearly: the Sun moves
~0.04 deg per hour, so hourly samples err by < 1e-7 rad in direction (the cross-check in tests/test_orbit_sgp4.py
uses the same scheme).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

#: Julian dates (UT) the bundled DE421 kernel covers: 1899-07-29 to 2053-10-09 (JPL, Folkner et al. 2009).
DE421_JD_RANGE = (2414864.5, 2471184.5)
#: Sun samples per day before interpolation.
SUN_SAMPLES_PER_DAY = 24


@functools.lru_cache(maxsize=1)
def _sky():
    """DE421 ephemeris and skyfield's builtin timescale, loaded offline from skyfield-data."""
    from skyfield.api import Loader
    from skyfield_data import get_skyfield_data_path

    with warnings.catch_warnings():  # skyfield-data warns that its bundled (unused) finals2000A.all is old
        warnings.simplefilter("ignore")
        load = Loader(get_skyfield_data_path(), expire=False)
        return load("de421.bsp"), load.timescale(builtin=True)


def sun_teme_km(jd_start: float, seconds: np.ndarray) -> np.ndarray:
    """Apparent geocentric Sun in TEME [km], shape (n, 3), at ``jd_start + seconds / 86400`` (UT).

    Parameters
    ----------
    jd_start : float
        Julian date of the first instant [d, UT], inside :data:`DE421_JD_RANGE`.
    seconds : numpy.ndarray
        Offsets from ``jd_start`` [s], ascending.

    Notes
    -----
    The Sun is rotated from GCRS into TEME (equator and equinox of date) with skyfield's ``TEME`` frame
    (precession, nutation, equation of the equinoxes): in 2026 the two frames differ by ~0.37 deg.
    """
    from skyfield.sgp4lib import TEME

    eph, ts = _sky()
    seconds = np.asarray(seconds, float)
    hours = np.arange(np.floor(seconds[0] / 3600.0), np.ceil(seconds[-1] / 3600.0) + 2.0)
    t = ts.ut1_jd(jd_start + hours / SUN_SAMPLES_PER_DAY)
    sun = eph["earth"].at(t).observe(eph["sun"]).apparent().frame_xyz(TEME).km  # (3, n_hours)
    x = seconds / 3600.0
    return np.stack([np.interp(x, hours, c) for c in sun], axis=1)


def gmst_rad(jd_ut1: np.ndarray) -> np.ndarray:
    """Greenwich mean sidereal time [rad] (IAU 1982, Vallado 2013 eq. 3-47), the angle from TEME to Earth-fixed."""
    t = (np.asarray(jd_ut1, float) - 2451545.0) / 36525.0
    sec = 67310.54841 + (876600.0 * 3600.0 + 8640184.812866) * t + 0.093104 * t**2 - 6.2e-6 * t**3
    return np.mod(np.radians(sec / 240.0), 2.0 * np.pi)
