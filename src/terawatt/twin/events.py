"""Radiation events and hardware failures drawn along the propagated tracks.

- Dose rate as a function of position: :func:`terawatt.physics.radiation.dose.dose_map_rad_per_yr` (AP-8/AE-8
  trapped belts, King solar protons, force-field cosmic rays behind the design's shielding) on a latitude x
  longitude grid at the shell's altitude, interpolated bilinearly to each satellite and step. The trapped maps
  live in the field of their epoch (1964/1970), so the South Atlantic Anomaly sits where AP-8 puts it.
- Per-chip events are Poisson in the dose accumulated in the step, at the steady-state model's per-rad rates
  (HBM uncorrectable errors, accelerator and host SEFIs; detected silent data corruptions), plus the workload's
  non-radiation interruption rate per accelerator-year.
- Permanent failures: every chip flown fails at ``workload.hardware_failure_rate_per_yr`` (spares counted like
  active chips, as :func:`terawatt.design.satellite.survival_mean` does); capacity is ``min(1, alive/active)``.
"""

from __future__ import annotations

import functools

import numpy as np

#: Dose-map grid spacing [deg]: latitude, longitude (the SAA spans ~60 deg x 30 deg at 650 km).
GRID_LAT_DEG, GRID_LON_DEG = 4.0, 8.0


@functools.lru_cache(maxsize=8)
def dose_grid(altitude_km: float, shielding_mm_al: float, solar: str,
              spe_events_per_yr_solar_max: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Latitude and longitude nodes [deg] and the dose-rate map [rad(Si)/yr] at one altitude."""
    from terawatt.physics.radiation.dose import dose_map_rad_per_yr

    lat = np.arange(-90.0, 90.0 + 1e-9, GRID_LAT_DEG)
    lon = np.arange(-180.0, 180.0 + 1e-9, GRID_LON_DEG)
    grid = dose_map_rad_per_yr(lat[:, None], lon[None, :], altitude_km, shielding_mm_al, solar,
                               spe_events_per_yr_solar_max)
    return lat, lon, grid


def dose_at(grid: tuple[np.ndarray, np.ndarray, np.ndarray], lat_deg: np.ndarray,
            lon_deg: np.ndarray) -> np.ndarray:
    """Dose rate [rad(Si)/yr] interpolated bilinearly at geocentric latitude/longitude [deg] (lon in [-180, 180]).

    Notes
    -----
    Bilinear in the cell of the grid; points outside it take the edge values (latitudes and longitudes are
    clipped to the grid), as ``scipy.ndimage.map_coordinates(order=1, mode="nearest")`` does.
    """
    lat_n, lon_n, _ = grid
    fi = np.clip((np.asarray(lat_deg, float) - lat_n[0]) * (1.0 / GRID_LAT_DEG), 0.0, lat_n.size - 1.0)
    fj = np.clip((np.asarray(lon_deg, float) - lon_n[0]) * (1.0 / GRID_LON_DEG), 0.0, lon_n.size - 1.0)
    return bilinear(grid, fi, fj)


def bilinear(grid: tuple[np.ndarray, np.ndarray, np.ndarray], fi: np.ndarray, fj: np.ndarray) -> np.ndarray:
    """The map at fractional grid coordinates (latitude and longitude node numbers, inside the grid; ``fi`` and
    ``fj`` are overwritten): four gathers from the flat map (~3x faster than ``map_coordinates``).

    The cell's flat index is formed in the coordinates' own float type (exact: the map has < 2**24 nodes) and
    converted to an integer once; the four corners are gathered from it."""
    lat_n, lon_n, g = grid
    np.clip(fi, 0, lat_n.size - 1, out=fi)
    lo_i = np.floor(fi)
    np.minimum(lo_i, lat_n.size - 2, out=lo_i)  # the last node belongs to the last cell
    lo_j = np.floor(fj)
    np.minimum(lo_j, lon_n.size - 2, out=lo_j)
    fi -= lo_i
    fj -= lo_j
    lo_i *= lon_n.size
    lo_i += lo_j
    k = lo_i.astype(np.intp)
    flat = g.ravel()
    g00, g01 = flat.take(k), flat[1:].take(k)
    g10, g11 = flat[lon_n.size:].take(k), flat[lon_n.size + 1:].take(k)
    g01 -= g00
    g01 *= fj
    g00 += g01  # along longitude on the lower latitude row
    g11 -= g10
    g11 *= fj
    g10 += g11  # on the upper row
    g10 -= g00
    g10 *= fi
    g00 += g10
    return g00


def dose_along(grid: tuple[np.ndarray, np.ndarray, np.ndarray], lat_rad: np.ndarray,
               lon_rad: np.ndarray) -> np.ndarray:
    """:func:`dose_at` of geocentric latitude in [-pi/2, pi/2] and Earth-fixed longitude + pi in [0, 2 pi) [rad]:
    the grid coordinates without conversions or clipping (the twin's chunks)."""
    lat_n, lon_n, _ = grid
    fi = lat_rad * (180.0 / np.pi / GRID_LAT_DEG)
    fi -= lat_n[0] / GRID_LAT_DEG
    fj = lon_rad * (180.0 / np.pi / GRID_LON_DEG)
    fj += (-180.0 - lon_n[0]) / GRID_LON_DEG
    return bilinear(grid, fi, fj)


def poisson_cells(rng: np.random.Generator, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Independent Poisson counts of mean ``rate`` on every cell, drawn sparsely: flat indices of the cells with
    events (ascending) and their counts.

    Notes
    -----
    Independent Poisson variables conditioned on their total are multinomial (Johnson, Kotz & Balakrishnan,
    *Discrete Multivariate Distributions*, 1997, ch. 35): the total is drawn as :math:`N \\sim
    \\mathrm{Poisson}(\\sum \\lambda)` and each of the :math:`N` events falls in a cell with probability
    :math:`\\lambda_c / \\sum\\lambda` (a uniform draw on the cumulative rate). One draw per event rather than per
    cell: the twin's events are ~1e-5 per satellite-step.
    """
    cum = np.cumsum(rate, axis=None)
    total = float(cum[-1]) if cum.size else 0.0
    if not total > 0.0:
        return np.zeros(0, np.intp), np.zeros(0, np.int64)
    n_events = rng.poisson(total)
    cells = np.searchsorted(cum, rng.random(n_events) * total, side="right")
    cells = np.minimum(cells, np.searchsorted(cum, total, side="left"))  # u * total rounded up: the last cell
    return np.unique(cells, return_counts=True)


def geocentric_lat_lon_deg(r_km: np.ndarray, gmst_rad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geocentric latitude and Earth-fixed longitude [deg] of TEME positions (..., 3) at sidereal angles (...)."""
    x, y, z = r_km[..., 0], r_km[..., 1], r_km[..., 2]
    lat = np.degrees(np.arctan2(z, np.hypot(x, y)))
    lon = np.degrees(np.mod(np.arctan2(y, x) - gmst_rad + np.pi, 2.0 * np.pi) - np.pi)
    return lat, lon


def initial_alive(rng: np.random.Generator, flown: int, failure_rate_per_yr: float,
                  age_yr: np.ndarray) -> np.ndarray:
    """Chips still working on satellites of the given ages: binomial with survival :math:`e^{-\\lambda a}`."""
    return rng.binomial(flown, np.exp(-failure_rate_per_yr * age_yr))


def failures(rng: np.random.Generator, alive: np.ndarray, failure_rate_per_yr: float, dt_s: float) -> np.ndarray:
    """Chips that fail permanently in one step (binomial, probability :math:`1 - e^{-\\lambda\\,dt}` each)."""
    from terawatt.constants import SECONDS_PER_YEAR

    return rng.binomial(alive, -np.expm1(-failure_rate_per_yr * dt_s / SECONDS_PER_YEAR))
