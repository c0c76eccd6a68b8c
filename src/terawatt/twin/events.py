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
    """Dose rate [rad(Si)/yr] interpolated bilinearly at geocentric latitude/longitude [deg] (lon in [-180, 180))."""
    from scipy.ndimage import map_coordinates

    lat_n, lon_n, g = grid
    coords = np.stack([(np.ravel(lat_deg) - lat_n[0]) / GRID_LAT_DEG, (np.ravel(lon_deg) - lon_n[0]) / GRID_LON_DEG])
    return map_coordinates(g, coords, order=1, mode="nearest").reshape(np.shape(lat_deg))


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
