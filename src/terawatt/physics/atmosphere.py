r"""Thermospheric density along circular orbits: NRLMSIS 2.1 orbit averages and a shipped fast table.

Two paths, the same physics:

- :func:`density_direct` evaluates NRLMSIS 2.1 (``pymsis``; Emmert et al. 2021, 2022) and averages it over the
  orbit, a year and the local times the orbit visits. It takes explicit F10.7 / F10.7a / Ap, so it never reads
  (or downloads) space-weather files. ~0.1 s per (altitude, activity) point.
- :func:`density_kg_per_m3` interpolates a table of those averages shipped with the package
  (``terawatt/data/density_table.npz``, built by ``tools/build_density_table.py``): four activity levels on a fixed
  altitude grid, log-linear in altitude. 1e6 samples take ~40 ms (~100 ms with an array of activity names).

All functions are pure and vectorised: inputs broadcast against each other, scalars give NumPy scalars and arrays
give arrays. Altitudes are heights above the equatorial radius of a circular orbit (as in :mod:`orbit`); out-of-table
inputs raise a ``ValueError`` naming the argument, its unit and the allowed range; nothing is extrapolated.

Solar activity
--------------
``low``, ``mean`` and ``high`` are the long-term activity levels of ECSS-E-ST-10-04C (2008, Table 6-3; the same as
ISO 14222:2013): F10.7 = F10.7a = 65 sfu, Ap = 0; 140 sfu, Ap = 15 ("moderate"); 250 sfu, Ap = 45 ("high long
term"). Daily and 81-day mean F10.7 are set equal (steady state). ``cycle`` is the time average of the density
over an 11-year solar cycle whose F10.7 follows a sinusoid between 70 sfu (minimum) and 200 sfu (maximum),
:math:`F(\phi) = 135 - 65\cos\phi`, with :math:`A_p = 5 + 10 (F - 70)/130` (5 at minimum, 15 at maximum). The
bounds are those of the 13-month smoothed F10.7 of the strong cycles 21-23 and 25 (minima 68-75 sfu, maxima
~150-210 sfu; Penticton series, Tapping 2013) and the smoothed Ap of the NASA MSFC solar-activity predictions
(MSAFE: ~5 at the 2009 minimum, 15-18 near maximum). The average over the cycle is taken at 8 phases
:math:`\phi_k = (k + 1/2)\pi/8` with equal weights (Gauss-Chebyshev quadrature in :math:`\cos\phi`, exact for
a density polynomial of degree 15 in F10.7). Because density is convex in F10.7, the cycle average is higher
than the density at the mean indices (135 sfu, Ap 10): 1.34x at 550 km; it is 1.12x the ``mean`` level
(140 sfu, Ap 15) at 550 km, 1.20x at 650 km. Between the cycle's minimum and maximum the density changes by 11x at
400 km and 24x at 550 km (an order of magnitude at 400 km, as in the review of Emmert 2015); between the ECSS
``low`` and ``high`` levels by 26x and 68x.

Orbit average
-------------
For a circular orbit of inclination *i* and node local time *LTAN*, the sub-satellite point at argument of
latitude *u* has geocentric latitude :math:`\sin\psi = \sin i \sin u` and local solar time
:math:`LST = LTAN + \operatorname{atan2}(\cos i \sin u, \cos u)\cdot 12/\pi` [h]. The density is averaged with
equal weights over 16 values of *u*, 8 values of *LTAN* (or the one given), 4 universal times and 12 days of the
year (mid-months of 2026): 6,144 samples; the longitude follows from LST and UT. NRLMSIS takes geodetic height and
latitude: the orbit radius :math:`R_{eq} + h` lies above the WGS-84 ellipsoid by
:math:`R_{eq} + h - R_{ell}(\psi)` (21 km more at the poles than at the equator) and the geodetic latitude is
:math:`\arctan(\tan\psi/(1-f)^2)`. Against a 36x denser grid (24 days, 8 UT, 24 LTAN, 48 *u*) the average is
within 0.01 % at 200-800 km, low and high activity.

Measured properties (``tests/test_atmosphere.py``): a near-polar orbit samples local times *LST* and *LST* + 12 h
in equal measure, so its average is within 1 % of the all-local-time average for any LTAN (dawn-dusk: 0.1 % at 500 km).
Inclination matters through the Earth's oblateness and the latitude structure: at 500 km a 51.6 deg orbit sees
6 % more than a sun-synchronous one, an equatorial orbit 21 % more. The table is built for sun-synchronous
inclinations (:func:`terawatt.physics.orbit.sso_inclination_deg`) and all local times.

References
----------
.. [1] Emmert, J. T. et al., NRLMSIS 2.0: A whole-atmosphere empirical model of temperature and neutral species
   densities, *Earth and Space Science* 8, e2020EA001321, 2021.
.. [2] Emmert, J. T. et al., NRLMSIS 2.1: An empirical model of nitric oxide incorporated into MSIS, *JGR Space
   Physics* 127, e2022JA030896, 2022.
.. [3] Picone, J. M., Hedin, A. E., Drob, D. P. and Aikin, A. C., NRLMSISE-00 empirical model of the atmosphere,
   *JGR* 107(A12), 1468, 2002.
.. [4] ECSS-E-ST-10-04C, *Space engineering: Space environment*, ESA-ESTEC, 15 November 2008, sec. 6 and 7.2.
.. [5] Tapping, K. F., The 10.7 cm solar radio flux (F10.7), *Space Weather* 11, 394-406, 2013.
.. [6] Vallado, D. A., *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013, ch. 8.
.. [7] Emmert, J. T., Thermospheric mass density: A review, *Advances in Space Research* 56, 773-824, 2015.
"""

from __future__ import annotations

import functools
import importlib.resources
from typing import Literal

import numpy as np
import numpy.typing as npt

from terawatt.constants import EARTH_EQUATORIAL_RADIUS_M
from terawatt.physics._checks import check_range, output

__all__ = [
    "ACTIVITIES", "ACTIVITY_LEVELS", "ALTITUDE_RANGE_KM", "AVERAGING_GRID", "CYCLE_PHASES", "density_direct",
    "density_for_activity_direct", "density_kg_per_m3", "density_table", "scale_height_km", "solar_cycle_profile",
]

Activity = Literal["low", "mean", "high", "cycle"]
#: Names of the activity levels of the table, in table column order.
ACTIVITIES: tuple[str, ...] = ("low", "mean", "high", "cycle")
#: (F10.7 [sfu], F10.7a [sfu], Ap [-]) of the fixed activity levels. ECSS-E-ST-10-04C (2008) Table 6-3 long-term
#: levels (low, moderate, high long-term), also ISO 14222:2013.
ACTIVITY_LEVELS: dict[str, tuple[float, float, float]] = {
    "low": (65.0, 65.0, 0.0),
    "mean": (140.0, 140.0, 15.0),
    "high": (250.0, 250.0, 45.0),
}
#: Solar-cycle F10.7 profile: minimum and maximum [sfu] of the sinusoid (see module notes).
CYCLE_F107_RANGE_SFU = (70.0, 200.0)
#: Ap at the cycle minimum and maximum [-], linear in F10.7 between them.
CYCLE_AP_RANGE = (5.0, 15.0)
#: Number of Gauss-Chebyshev phases for the cycle average.
CYCLE_PHASES = 8
#: Altitudes covered by the shipped table and accepted by :func:`density_direct` [km].
ALTITUDE_RANGE_KM = (100.0, 2500.0)
#: Orbit-averaging grid (days of the year, universal times, node local times, arguments of latitude).
AVERAGING_GRID = (12, 4, 8, 16)
#: Accepted F10.7 [sfu] and Ap [-] for direct evaluation (NRLMSIS's fitted domain of daily indices).
F107_RANGE_SFU = (50.0, 400.0)
AP_RANGE = (0.0, 400.0)
#: NRLMSIS version evaluated by ``pymsis``.
MSIS_VERSION = 2.1

_TABLE_FILE = "density_table.npz"
_WGS84_A_KM = EARTH_EQUATORIAL_RADIUS_M / 1e3
_WGS84_F = 1.0 / 298.257223563  # NIMA TR8350.2 (2000)
_WGS84_B_KM = _WGS84_A_KM * (1.0 - _WGS84_F)
_EPOCH = np.datetime64("2026-01-01T00:00:00", "s")
_CHUNK_POINTS = 1 << 19  # MSIS points evaluated per call (output is 11 float64 per point)


# --------------------------------------------------------------------------------------------- validation
_out = output
_check = check_range


def _check_altitude(altitude_km: npt.ArrayLike, name: str = "altitude_km") -> np.ndarray:
    return _check(altitude_km, name, *ALTITUDE_RANGE_KM, "km", note=" (the range of the density table)")


def _activity_codes(activity: str | npt.ArrayLike) -> np.ndarray:
    """Integer column index of each activity name; ValueError for an unknown name."""
    if type(activity) is str and activity in ACTIVITIES:  # one name: its index, 0-d
        return np.asarray(ACTIVITIES.index(activity), dtype=np.intp)
    names = np.asarray(activity)
    if names.dtype.kind not in "UO" and names.size:
        raise ValueError(f"activity must be one of {', '.join(ACTIVITIES)}, got {activity!r}")
    codes = np.full(names.shape, -1, dtype=np.intp)
    for k, name in enumerate(ACTIVITIES):
        codes[names == name] = k
    if np.any(codes < 0):
        bad = str(names[codes < 0].ravel()[0])
        raise ValueError(f"activity must be one of {', '.join(ACTIVITIES)}, got {bad!r}")
    return codes


# ------------------------------------------------------------------------------------------ solar activity
def solar_cycle_profile(phases: int = CYCLE_PHASES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""F10.7 and Ap samples of the model solar cycle and their time weights.

    Parameters
    ----------
    phases : int, default 8
        Number of quadrature phases.

    Returns
    -------
    f107_sfu, ap, weight : numpy.ndarray
        F10.7 [sfu] (daily = 81-day mean), daily Ap [-] and weights summing to 1 [-], each of shape ``(phases,)``.

    Notes
    -----
    :math:`F(\phi) = \bar F - \Delta F\cos\phi` with :math:`\bar F = 135`, :math:`\Delta F = 65` sfu (70-200 sfu),
    :math:`A_p = 5 + 10 (F - 70)/130`; a uniform average over time is a uniform average over :math:`\phi` on
    :math:`[0, \pi]` (the sinusoid is symmetric), taken at :math:`\phi_k = (k + 1/2)\pi/n` with weights
    :math:`1/n` (Gauss-Chebyshev in :math:`x = \cos\phi`). Sources of the bounds: module notes.
    """
    if int(phases) < 1:
        raise ValueError(f"phases must be a positive integer, got {phases!r}")
    n = int(phases)
    lo, hi = CYCLE_F107_RANGE_SFU
    phi = (np.arange(n) + 0.5) * np.pi / n
    f107 = 0.5 * (lo + hi) - 0.5 * (hi - lo) * np.cos(phi)
    ap = CYCLE_AP_RANGE[0] + (CYCLE_AP_RANGE[1] - CYCLE_AP_RANGE[0]) * (f107 - lo) / (hi - lo)
    return f107, ap, np.full(n, 1.0 / n)


# ------------------------------------------------------------------------------------------ direct NRLMSIS
def _sso_inclination_deg(alt: np.ndarray) -> np.ndarray:
    from terawatt.physics.orbit import sso_inclination_deg

    return np.asarray(sso_inclination_deg(np.maximum(alt, 150.0)), dtype=float)


def _orbit_samples(grid: tuple[int, int, int, int], ltan_h: float | None) -> tuple[np.ndarray, ...]:
    """Sample coordinates of the orbit average, flattened: day [d], UT [h], node LT [h], u [rad]."""
    n_day, n_ut, n_lt, n_u = (int(g) for g in grid)
    if min(n_day, n_ut, n_lt, n_u) < 1:
        raise ValueError(f"grid must hold four positive integers (days, UTs, local times, latitudes), got {grid!r}")
    day = (np.arange(n_day) + 0.5) * 365.0 / n_day
    ut = (np.arange(n_ut) + 0.5) * 24.0 / n_ut
    lt = (np.arange(n_lt) + 0.5) * 24.0 / n_lt if ltan_h is None else np.array([float(ltan_h)])
    u = (np.arange(n_u) + 0.5) * 2.0 * np.pi / n_u
    return tuple(g.ravel() for g in np.meshgrid(day, ut, lt, u, indexing="ij"))


def _msis_mean(alt: np.ndarray, inc: np.ndarray, f107: np.ndarray, f107a: np.ndarray, ap: np.ndarray,
               grid: tuple[int, int, int, int], ltan_h: float | None, version: float) -> np.ndarray:
    """Orbit-averaged NRLMSIS mass density for 1-D arrays of conditions (one value per condition)."""
    from pymsis import msis  # imported here: the fast table path needs no Fortran extension

    day, ut, lt, u = _orbit_samples(grid, ltan_h)
    m = day.size
    sin_u, cos_u = np.sin(u), np.cos(u)
    dates = _EPOCH + np.round(day * 86400.0 + ut * 3600.0).astype("timedelta64[s]")
    out = np.empty(alt.size)
    per_chunk = max(1, _CHUNK_POINTS // m)
    for start in range(0, alt.size, per_chunk):
        sl = slice(start, min(start + per_chunk, alt.size))
        ci, si = np.cos(np.radians(inc[sl]))[:, None], np.sin(np.radians(inc[sl]))[:, None]
        psi = np.arcsin(np.clip(si * sin_u, -1.0, 1.0))  # geocentric latitude [rad]
        lst = lt + np.arctan2(ci * sin_u, cos_u) * 12.0 / np.pi
        lon = np.mod((lst - ut) * 15.0 + 180.0, 360.0) - 180.0
        r_ell = _WGS84_A_KM * _WGS84_B_KM / np.hypot(_WGS84_B_KM * np.cos(psi), _WGS84_A_KM * np.sin(psi))
        height = _WGS84_A_KM + alt[sl][:, None] - r_ell
        lat = np.degrees(np.arctan(np.tan(psi) / (1.0 - _WGS84_F) ** 2))
        k = lat.size
        res = msis.calculate(
            np.broadcast_to(dates, lat.shape).ravel(), lon.ravel(), lat.ravel(), height.ravel(),
            np.repeat(f107[sl], m), np.repeat(f107a[sl], m), np.repeat(ap[sl], m)[:, None] * np.ones((1, 7)),
            version=version,
        )
        out[sl] = res[:, 0].reshape(k // m, m).mean(axis=1)
    return out


def density_direct(altitude_km: npt.ArrayLike, f107: npt.ArrayLike, f107a: npt.ArrayLike, ap: npt.ArrayLike,
                   inclination_deg: npt.ArrayLike | None = None, ltan_h: float | None = None, *,
                   grid: tuple[int, int, int, int] = AVERAGING_GRID, version: float = MSIS_VERSION) -> np.ndarray:
    r"""Orbit-averaged total mass density from NRLMSIS 2.1 for given solar and geomagnetic indices.

    Parameters
    ----------
    altitude_km : array_like
        Altitude of the circular orbit above the equatorial radius [km], in [100, 2500].
    f107 : array_like
        Daily F10.7 solar radio flux of the previous day [sfu = 1e-22 W m-2 Hz-1], in [50, 400].
    f107a : array_like
        81-day centred mean of F10.7 [sfu], in [50, 400].
    ap : array_like
        Daily planetary geomagnetic index Ap [-], in [0, 400] (used for all seven MSIS ap inputs).
    inclination_deg : array_like or None, default None
        Orbit inclination [deg], in [0, 180]; ``None`` (or NaN) = sun-synchronous for the altitude.
    ltan_h : float or None, default None
        Local time of the ascending node [h]; ``None`` = average over all node local times (a drifting node,
        or an average over sun-synchronous orbits).
    grid : tuple of 4 int, default (12, 4, 8, 16)
        Samples in day of year, universal time, node local time (ignored when ``ltan_h`` is given) and argument
        of latitude.
    version : float, default 2.1
        NRLMSIS version passed to ``pymsis`` (2.0 and 2.1 give the same mass density to 1e-6 here).

    Returns
    -------
    numpy.ndarray or numpy.float64
        Mean mass density over the orbit and the year [kg m-3], of the broadcast input shape.

    Notes
    -----
    :math:`\bar\rho = \frac{1}{N}\sum \rho_{MSIS}(t_j, \lambda_j, \varphi_j, z_j; F_{10.7}, \bar F_{10.7}, A_p)`
    over the sampling described in the module notes: uniform in argument of latitude (uniform in time on a
    circular orbit), node local time, universal time and day of year. Storm-time (3-hourly ap) effects are not
    modelled. Cost: 6,144 MSIS evaluations (~0.1 s) per distinct input condition.

    References
    ----------
    .. [1] Emmert, J. T. et al., NRLMSIS 2.0, *Earth and Space Science* 8, e2020EA001321, 2021.
    .. [2] Emmert, J. T. et al., NRLMSIS 2.1, *JGR Space Physics* 127, e2022JA030896, 2022.
    """
    alt = _check_altitude(altitude_km)
    f1 = _check(f107, "f107", *F107_RANGE_SFU, "sfu")
    fa = _check(f107a, "f107a", *F107_RANGE_SFU, "sfu")
    a_p = _check(ap, "ap", *AP_RANGE, "(Ap index)")
    inc = np.full(alt.shape, np.nan) if inclination_deg is None else np.asarray(inclination_deg, dtype=float)
    if not np.all(np.isnan(inc) | ((inc >= 0.0) & (inc <= 180.0))):
        _check(inc[~np.isnan(inc)], "inclination_deg", 0.0, 180.0, "deg")
    if ltan_h is not None:
        _check(ltan_h, "ltan_h", 0.0, 24.0, "h")
    shape = np.broadcast_shapes(alt.shape, f1.shape, fa.shape, a_p.shape, inc.shape)
    cols = [np.broadcast_to(v, shape).ravel() for v in (alt, f1, fa, a_p, inc)]
    if cols[4].size and np.any(np.isnan(cols[4])):
        cols[4] = np.where(np.isnan(cols[4]), _sso_inclination_deg(cols[0]), cols[4])
    uniq, inverse = np.unique(np.stack(cols, axis=1), axis=0, return_inverse=True)
    rho = _msis_mean(uniq[:, 0], uniq[:, 4], uniq[:, 1], uniq[:, 2], uniq[:, 3], grid, ltan_h, version)
    return _out(rho[inverse.ravel()].reshape(shape))


def density_for_activity_direct(altitude_km: npt.ArrayLike, activity: Activity = "mean",
                                inclination_deg: npt.ArrayLike | None = None, ltan_h: float | None = None, *,
                                grid: tuple[int, int, int, int] = AVERAGING_GRID) -> np.ndarray:
    """:func:`density_direct` at a named activity level; ``"cycle"`` averages over :func:`solar_cycle_profile`.

    Parameters
    ----------
    altitude_km : array_like
        Altitude [km], in [100, 2500].
    activity : {"low", "mean", "high", "cycle"}, default "mean"
        Activity level (module notes).
    inclination_deg, ltan_h, grid
        As for :func:`density_direct`.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Orbit-averaged mass density [kg m-3]. This is what the shipped table tabulates (SSO, all local times).
    """
    code = int(_activity_codes(activity).ravel()[0]) if np.ndim(activity) == 0 else None
    if code is None:
        raise ValueError(f"activity must be a single name, one of {', '.join(ACTIVITIES)}, got {activity!r}")
    alt = _check_altitude(altitude_km)
    if ACTIVITIES[code] != "cycle":
        f1, fa, a_p = ACTIVITY_LEVELS[ACTIVITIES[code]]
        return density_direct(alt, f1, fa, a_p, inclination_deg, ltan_h, grid=grid)
    f1, a_p, w = solar_cycle_profile()
    inc = None if inclination_deg is None else np.asarray(inclination_deg, dtype=float)[..., None]
    rho = density_direct(alt[..., None], f1, f1, a_p, inc, ltan_h, grid=grid)
    return _out(np.asarray(rho @ w))


# ------------------------------------------------------------------------------------------------- table
@functools.lru_cache(maxsize=1)
def density_table() -> dict[str, np.ndarray]:
    """The shipped density table (read once, cached; arrays are read-only).

    Returns
    -------
    dict of numpy.ndarray
        ``altitude_km`` (n,) [km]; ``ln_density`` (n, 4) natural log of density [ln(kg m-3)], columns
        :data:`ACTIVITIES`; and the metadata the builder stored (activity levels, cycle profile, averaging grid,
        NRLMSIS and pymsis versions).
    """
    ref = importlib.resources.files("terawatt") / "data" / _TABLE_FILE
    with importlib.resources.as_file(ref) as path, np.load(path, allow_pickle=False) as npz:
        table = {k: np.array(npz[k]) for k in npz.files}
    for v in table.values():
        v.setflags(write=False)
    names = tuple(str(s) for s in table["activities"])
    if names != ACTIVITIES:
        raise RuntimeError(f"{_TABLE_FILE} holds activities {names}, expected {ACTIVITIES}: rebuild it")
    return table


@functools.lru_cache(maxsize=1)
def _interval_lookup() -> tuple[float, float, np.ndarray] | None:
    """(h0, step, interval index per cell) when every node lies on a regular grid of the smallest spacing."""
    h = density_table()["altitude_km"]
    step = float(np.min(np.diff(h)))
    cells = (h - h[0]) / step
    if not np.allclose(cells, np.round(cells)):
        return None
    edges = np.round(cells).astype(np.intp)
    lut = np.repeat(np.arange(h.size - 1), np.diff(edges))
    return float(h[0]), step, np.append(lut, h.size - 2)  # the last node belongs to the last interval


def _interval_index(alt: np.ndarray) -> np.ndarray:
    """Index i of the table interval [h_i, h_i+1] holding each altitude (altitudes already range-checked)."""
    found = _interval_lookup()
    if found is None:
        h = density_table()["altitude_km"]
        return np.clip(np.searchsorted(h, alt, side="right") - 1, 0, h.size - 2)
    h0, step, lut = found
    cell = ((alt - h0) / step).astype(np.intp)
    return lut.take(np.minimum(cell, lut.size - 1, out=cell)) if np.ndim(cell) else lut[min(cell, lut.size - 1)]


def density_kg_per_m3(altitude_km: npt.ArrayLike, activity: Activity | npt.ArrayLike = "mean") -> np.ndarray:
    r"""Orbit-averaged thermospheric mass density from the shipped NRLMSIS 2.1 table (fast path).

    Parameters
    ----------
    altitude_km : array_like
        Altitude of the circular orbit above the equatorial radius [km], in [100, 2500].
    activity : {"low", "mean", "high", "cycle"} or array_like of these, default "mean"
        Solar and geomagnetic activity level (module notes); broadcasts against ``altitude_km``.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Mass density [kg m-3].

    Notes
    -----
    Log-linear interpolation between table nodes :math:`h_i`:
    :math:`\ln\rho(h) = \ln\rho_i + (h - h_i)(\ln\rho_{i+1} - \ln\rho_i)/(h_{i+1} - h_i)`, i.e. an exponential
    atmosphere with a local scale height in each interval (Vallado 2013, ch. 8). Nodes every 5 km from 100
    to 1,000 km and every 25 km to 2,500 km; the interpolation error against :func:`density_for_activity_direct`
    is below 0.25 % (largest at interval midpoints near 150 km; ``tests/test_atmosphere.py`` asserts 1 %). The
    table is for sun-synchronous inclinations averaged over all node local times (module notes give the
    sensitivity).

    References
    ----------
    .. [1] Emmert, J. T. et al., NRLMSIS 2.0, *Earth and Space Science* 8, e2020EA001321, 2021.
    .. [2] Vallado, D. A., *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013, ch. 8.
    """
    alt = _check_altitude(altitude_km)
    codes = _activity_codes(activity)
    table = density_table()
    h, ln_rho = table["altitude_km"], table["ln_density"]
    found = _interval_lookup()
    if found is not None and np.ndim(alt) and np.ndim(codes) == 0:
        # One activity (no broadcast) on the regular grid of cells: each cell's interval terms gathered by the cell
        # (one gather fewer than by the interval; the same numbers), in place on two buffers.
        h0, step, _ = found
        at_node, width, rise, ln_node = _density_cell_columns(int(codes))
        out = alt - h0
        out /= step  # (alt - h0) / step, the cell's position
        cell = out.astype(np.intp)
        np.minimum(cell, at_node.size - 1, out=cell)
        gathered = np.empty(out.shape)
        at_node.take(cell, out=out, mode="clip")  # indices in range: "clip" is "raise" (no buffered copy)
        np.subtract(alt, out, out=out)  # alt - h[i]
        out /= width.take(cell, out=gathered, mode="clip")
        out *= rise.take(cell, out=gathered, mode="clip")
        out += ln_node.take(cell, out=gathered, mode="clip")
        return np.exp(out, out=out)
    alt_b, codes_b = np.broadcast_arrays(alt, codes)
    i = _interval_index(alt_b)
    if np.ndim(i) and np.ndim(codes) == 0:  # one activity: its column and steps gathered (the same numbers)
        column, steps, widths = _density_columns(int(codes))
        out = alt_b - h.take(i)
        out /= widths.take(i)
        out *= steps.take(i)
        out += column.take(i)
        return np.exp(out, out=out)
    w = (alt_b - h[i]) / np.diff(h)[i]
    flat = i * ln_rho.shape[1] + codes_b  # gather from the flattened table: one index array, two lookups
    lo = ln_rho.ravel()[flat]
    out = np.asarray(ln_rho.ravel()[flat + ln_rho.shape[1]] - lo)
    out *= w
    out += lo
    return _out(np.exp(out))


@functools.lru_cache(maxsize=8)
def _density_columns(code: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One activity's ln-density at the nodes, its step over each interval and the interval widths [km]: the
    per-interval terms of :func:`density_kg_per_m3`'s interpolation, contiguous and read-only."""
    table = density_table()
    column = np.ascontiguousarray(table["ln_density"][:, code])
    out = (column, column[1:] - column[:-1], np.diff(table["altitude_km"]))
    for a in out:
        a.setflags(write=False)
    return out


@functools.lru_cache(maxsize=8)
def _density_cell_columns(code: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_density_columns` (with the lower node's altitude) of the interval holding each cell of
    :func:`_interval_lookup`'s grid: the node altitude [km], interval width [km], ln-density step and lower node's
    ln-density, gathered by cell; read-only."""
    _, _, lut = _interval_lookup()
    column, steps, widths = _density_columns(code)
    out = tuple(np.ascontiguousarray(x.take(lut)) for x in (density_table()["altitude_km"], widths, steps, column))
    for a in out:
        a.setflags(write=False)
    return out


def scale_height_km(altitude_km: npt.ArrayLike, activity: Activity | npt.ArrayLike = "mean") -> np.ndarray:
    r"""Local density scale height of the table, :math:`H = -(d\ln\rho/dh)^{-1}` [km].

    Parameters
    ----------
    altitude_km : array_like
        Altitude [km], in [100, 2500].
    activity : {"low", "mean", "high", "cycle"} or array_like of these, default "mean"
        Activity level.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Scale height of the table interval holding each altitude [km] (~25 km at 200 km, ~60-80 km at 550 km).
    """
    alt = _check_altitude(altitude_km)
    codes = _activity_codes(activity)
    table = density_table()
    h, ln_rho = table["altitude_km"], table["ln_density"]
    alt_b, codes_b = np.broadcast_arrays(alt, codes)
    i = _interval_index(alt_b)
    slope = (ln_rho[i + 1, codes_b] - ln_rho[i, codes_b]) / (h[i + 1] - h[i])
    return _out(-1.0 / slope)
