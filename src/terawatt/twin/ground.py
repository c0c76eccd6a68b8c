r"""Ground-station passes for downlink: which stations each satellite sees above the elevation mask, per step.

- Stations: the first ``links``-sized number (``orbital.ground_stations``) of the sourced catalog of real optical
  ground sites (``catalogs/ground_stations.yaml``), at their WGS-84 geodetic positions.
- Elevation: topocentric, against the ellipsoid normal (as skyfield's ``altaz``), from TEME positions with the
  satellites rotated to Earth-fixed by Greenwich mean sidereal time (polar motion and UT1 - UTC neglected:
  < 1 s of pass time). Per chunk, only the satellite-steps whose sub-satellite point lies near a station (a
  lookup in a 1-deg grid) get the exact elevation against the stations near them.
- Clouds: each optical station bundles ``links.diversity_sites_per_station`` sites, each with its own cloud
  state, a two-state (clear/cloudy) Markov chain with the catalog site's ``clear_sky_fraction`` and the
  correlation time ``links.cloud_correlation_h``, independent between sites and seeded
  (:func:`cloud_states`); the station has a cloud-free line of sight while any of its sites has.
- Per step a station carries its rate while it sees at least one satellite and is clear (one terminal per
  station; the cluster's traffic reaches the satellite in view over the ISLs), as the steady-state sizing
  :func:`terawatt.physics.comms.ground_stations_needed` assumes with the weather availability
  :func:`terawatt.physics.comms.optical_ground_availability` (a Ka-band station: its rate x
  ``links.ka_availability``, no clouds).

References
----------
.. [1] Vallado, D. A., *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013, sec. 3.7 (TEME, GMST)
   and sec. 7.2 (site vector, topocentric elevation).
.. [2] NIMA TR8350.2, *Department of Defense World Geodetic System 1984*, 3rd ed., 2000 (WGS-84 ellipsoid).
.. [3] Ross, S. M., *Introduction to Probability Models*, 10th ed., Academic Press, 2010, sec. 6.8 (two-state
   continuous-time Markov chain: :math:`P_{00}(t) = \mu/(\lambda+\mu) + \lambda/(\lambda+\mu)
   e^{-(\lambda+\mu)t}`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: WGS-84 equatorial radius [km] and flattening (NIMA TR8350.2).
WGS84_A_KM = 6378.137
WGS84_F = 1.0 / 298.257223563


@dataclass(frozen=True)
class Stations:
    """Ground stations: names, geodetic positions, and their Earth-fixed vectors."""

    names: tuple[str, ...]
    latitude_deg: np.ndarray
    longitude_deg: np.ndarray
    altitude_m: np.ndarray
    clear_sky_fraction: np.ndarray | None = None  # share of the time a site has a cloud-free line of sight [-]

    @property
    def size(self) -> int:
        return len(self.names)

    def ecef_km(self) -> tuple[np.ndarray, np.ndarray]:
        """Earth-fixed site vectors (m, 3) [km] and unit ellipsoid normals (m, 3) (Vallado 2013, eq. 3-7)."""
        lat, lon = np.radians(self.latitude_deg), np.radians(self.longitude_deg)
        e2 = WGS84_F * (2.0 - WGS84_F)
        c = WGS84_A_KM / np.sqrt(1.0 - e2 * np.sin(lat) ** 2)
        h = self.altitude_m / 1e3
        up = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)
        site = np.stack([(c + h) * np.cos(lat) * np.cos(lon), (c + h) * np.cos(lat) * np.sin(lon),
                         (c * (1.0 - e2) + h) * np.sin(lat)], axis=1)
        return site, up


def load_stations(count: int) -> Stations:
    """The first ``count`` stations of the catalog (all of them if it holds fewer)."""
    from terawatt.catalogs import load_catalog

    entries = list(load_catalog("ground_stations").items())[:max(int(count), 0)]
    return Stations(tuple(k for k, _ in entries), *(np.array([e[f] for _, e in entries], float) for f in (
        "latitude_deg", "longitude_deg", "altitude_m", "clear_sky_fraction")))


def cloud_states(rng: np.random.Generator, clear_fraction: np.ndarray, n_steps: int, step_s: float,
                 correlation_s: float) -> np.ndarray:
    r"""Clear (True) or cloudy sky over independent sites at each step: two-state Markov chains.

    Parameters
    ----------
    rng : numpy.random.Generator
        The draws (the twin seeds its own stream).
    clear_fraction : numpy.ndarray
        Long-run clear-sky fraction :math:`p` of each site, any shape, in [0, 1].
    n_steps : int
        Steps.
    step_s, correlation_s : float
        Step and correlation time :math:`\tau` [s], > 0.

    Returns
    -------
    numpy.ndarray
        Bool, shape (n_steps, *clear_fraction.shape).

    Notes
    -----
    The continuous-time chain with rates clear -> cloudy :math:`(1 - p)/\tau` and cloudy -> clear
    :math:`p/\tau` has the stationary clear fraction :math:`p` and the autocorrelation
    :math:`e^{-t/\tau}` (Ross 2010, sec. 6.8); sampled at the steps it stays clear with probability
    :math:`p + (1 - p)e^{-dt/\tau}` and clears with :math:`p(1 - e^{-dt/\tau})`: exact at every step
    length. The first step is drawn from the stationary law, so every step is clear with probability
    :math:`p`. Mean clear spells last :math:`\tau/(1 - p)`, cloudy ones :math:`\tau/p`.
    """
    p = np.asarray(clear_fraction, float)
    fade = -np.expm1(-step_s / correlation_s)  # 1 - e^{-dt/tau}
    stay_clear, turn_clear = 1.0 - (1.0 - p) * fade, p * fade
    u = rng.random((n_steps, *p.shape))
    out = np.empty(u.shape, bool)
    state = u[0] < p if n_steps else np.zeros(p.shape, bool)
    for i in range(n_steps):
        if i:
            state = u[i] < np.where(state, stay_clear, turn_clear)
        out[i] = state
    return out


def teme_to_earth_fixed(r_teme_km: np.ndarray, gmst_rad: np.ndarray) -> np.ndarray:
    r"""Positions (..., 3) rotated from TEME to Earth-fixed by :math:`R_z(-\theta_{GMST})` (``gmst_rad`` (...))."""
    c, s = np.cos(gmst_rad), np.sin(gmst_rad)
    x, y = r_teme_km[..., 0], r_teme_km[..., 1]
    return np.stack([c * x + s * y, c * y - s * x, r_teme_km[..., 2]], axis=-1)


def _height_range2(r_ecef_km: np.ndarray, site_km: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Height above each station's horizon plane :math:`(r - s)\cdot u` [km] and squared range
    :math:`|r - s|^2` [km2], shape (..., n_stations): two (.., 3) x (3, stations) products, no (..., stations, 3)
    array."""
    x, y, z = (r_ecef_km[..., i, None] for i in range(3))  # broadcasting: faster than a BLAS call with k = 3
    height = x * up[:, 0] + y * up[:, 1] + z * up[:, 2] - np.einsum("ij,ij->i", site_km, up)
    r_site = x * site_km[:, 0] + y * site_km[:, 1] + z * site_km[:, 2]
    return height, x * x + y * y + z * z - 2.0 * r_site + np.einsum("ij,ij->i", site_km, site_km)


def sin_elevation(r_teme_km: np.ndarray, gmst_rad: np.ndarray, site_km: np.ndarray,
                  up: np.ndarray) -> np.ndarray:
    r"""Sine of each satellite's elevation seen from each station, shape (n_sat, n_steps, n_stations).

    Parameters
    ----------
    r_teme_km : numpy.ndarray
        Satellite positions (n_sat, n_steps, 3) [km], TEME.
    gmst_rad : numpy.ndarray
        Greenwich mean sidereal time of each step (n_steps,) [rad].
    site_km, up : numpy.ndarray
        Earth-fixed site vectors and unit normals (n_stations, 3) (:meth:`Stations.ecef_km`).

    Notes
    -----
    :math:`\sin\varepsilon = (r - s)\cdot u / |r - s|` with :math:`r` rotated to Earth-fixed by GMST and
    :math:`u` the ellipsoid normal (geodetic elevation, as skyfield's ``altaz``).
    """
    height, rho2 = _height_range2(teme_to_earth_fixed(r_teme_km, np.asarray(gmst_rad)[None, :]), site_km, up)
    return height / np.sqrt(np.maximum(rho2, 1e-12))


def cap_angle_rad(altitude_km: float, min_elevation_deg: float) -> float:
    """Earth central angle of a station's visibility cap [rad], spherical Earth (Wertz 2011, sec. 8.3)."""
    eps = np.radians(min_elevation_deg)
    return float(np.arccos(WGS84_A_KM / (WGS84_A_KM + altitude_km) * np.cos(eps)) - eps)


#: Cell of the candidate grid [deg] and the margin added to the cap angle [deg]: the cell's half-diagonal
#: (0.71), geocentric vs geodetic latitude (<= 0.19), the ellipsoid's smaller polar radius (~0.2 at the mask).
GRID_DEG, GRID_MARGIN_DEG = 1.0, 1.5


def candidate_grid(stations: Stations, altitude_km: float, min_elevation_deg: float) -> np.ndarray:
    """For each latitude x longitude cell (``GRID_DEG``, flattened), the bit mask (int64) of the stations that
    may see a satellite above it: those within the cap angle (at the lowest radius and a 1-deg-lower mask) plus
    ``GRID_MARGIN_DEG``. Up to 64 stations (bit j = station j)."""
    if stations.size > 64:
        raise ValueError(f"at most 64 ground stations, got {stations.size}")
    lat = np.radians(np.arange(-90.0, 90.0, GRID_DEG) + GRID_DEG / 2)[:, None]
    lon = np.radians(np.arange(-180.0, 180.0, GRID_DEG) + GRID_DEG / 2)[None, :]
    reach = np.cos(cap_angle_rad(max(altitude_km, 1.0), max(min_elevation_deg - 1.0, 0.0))
                   + np.radians(GRID_MARGIN_DEG))
    grid = np.zeros((lat.size, lon.size), np.int64)
    for j, (la, lo) in enumerate(zip(np.radians(stations.latitude_deg), np.radians(stations.longitude_deg),
                                     strict=True)):
        cos_c = np.sin(lat) * np.sin(la) + np.cos(lat) * np.cos(la) * np.cos(lon - lo)
        grid |= np.where(cos_c > reach, np.int64(1) << j, np.int64(0))
    return grid.ravel()


@dataclass
class GroundTally:
    """Running contact statistics of a constellation against its stations, fed one chunk of positions at a time.

    Parameters
    ----------
    stations : Stations
    min_elevation_deg : float
        Elevation mask [deg] (``links.min_elevation_deg``).
    n_satellites : int
    capacity_gbps : float
        What one station carries while in contact and clear [Gbit/s]: ``rate x availability``.

    Notes
    -----
    Per chunk, a lookup of each sub-satellite point in :func:`candidate_grid` keeps the satellite-steps near
    some station (~10 % with 11 stations at 650 km); only those get the exact geodetic elevation (float64),
    against the stations near them. Passes are counted from the sorted visible (satellite, station, step) keys: a pass
    starts where the previous step of the same pair was not visible (carried across chunks).
    """

    stations: Stations
    min_elevation_deg: float
    n_satellites: int
    capacity_gbps: float
    sat_contact_steps: np.ndarray = field(init=False)
    pair_steps: np.ndarray = field(init=False)
    pair_passes: np.ndarray = field(init=False)
    station_series: list = field(init=False, default_factory=list)
    sat_series: list = field(init=False, default_factory=list)
    _last: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n, m = self.n_satellites, self.stations.size
        self.sat_contact_steps = np.zeros(n)
        self.pair_steps = np.zeros((n, m), np.int64)
        self.pair_passes = np.zeros((n, m), np.int64)
        self._last = np.zeros(n * m, bool)
        self._last_set = np.zeros(0, np.intp)  # where _last is True
        self._site, self._up = self.stations.ecef_km()
        self._grid = self._near = None

    def add(self, r_teme_km: np.ndarray, gmst_rad: np.ndarray, lat_deg: np.ndarray, lon_deg: np.ndarray) -> None:
        """Count one chunk: positions (n_sat, k, 3) [km] at sidereal angles (k,) [rad], with their geocentric
        sub-satellite latitudes and longitudes (n_sat, k) [deg] (:func:`terawatt.twin.events.
        geocentric_lat_lon_deg`).

        Notes
        -----
        Works step-major, (k, n_sat) (the twin's chunks are laid out so: transposes of them are free): the grid
        cell of every satellite-step, a byte table of "some station may see it", and only for those the station
        bits and the exact elevations.
        """
        n, k, m = r_teme_km.shape[0], r_teme_km.shape[1], self.stations.size
        station_now = np.zeros((k, m), bool)
        if m == 0:
            self.station_series.append(station_now)
            self.sat_series.append(np.zeros(k))
            return
        if self._grid is None:
            low = float(np.sqrt(np.einsum("ij,ij->i", r_teme_km[:, 0], r_teme_km[:, 0])).min()) - WGS84_A_KM
            self._grid = candidate_grid(self.stations, low - 30.0, self.min_elevation_deg)
            self._near = self._grid != 0
        rows, cols = int(180 / GRID_DEG), int(360 / GRID_DEG)
        cell = np.add(lat_deg.T, 90.0, dtype=np.result_type(lat_deg, np.float32))  # (k, n): the chunks' layout
        if GRID_DEG != 1.0:  # (a 1-deg grid: the degrees are the cell numbers)
            cell /= GRID_DEG
        row = cell.astype(np.int32)
        np.add(lon_deg.T, 180.0, out=cell)
        if GRID_DEG != 1.0:
            cell /= GRID_DEG
        col = cell.astype(np.int32)
        np.clip(row, 0, rows - 1, out=row)
        np.clip(col, 0, cols - 1, out=col)
        row *= cols
        row += col
        flat = np.flatnonzero(self._near.take(row))  # satellite-steps near some station (~10 %), step-major
        step, sat = np.divmod(flat, n)
        bits = self._grid.take(row.ravel().take(flat))
        r = teme_to_earth_fixed(r_teme_km[sat, step], gmst_rad[step])
        sin2 = np.sin(np.radians(self.min_elevation_deg)) ** 2
        found, at = [], []
        present = int(np.bitwise_or.reduce(bits)) if bits.size else 0
        for j in range(m):  # each station near some satellite, against the candidates near it only
            if not present >> j & 1:
                continue
            c = np.flatnonzero(bits & (np.int64(1) << j))
            height, rho2 = _height_range2(r[c], self._site[j:j + 1], self._up[j:j + 1])
            found.append(c[(height[:, 0] > 0.0) & (height[:, 0] ** 2 > sin2 * rho2[:, 0])])
            at.append(np.full(found[-1].size, j, np.int64))
        c = np.concatenate(found) if found else np.zeros(0, np.intp)
        st = np.concatenate(at) if at else np.zeros(0, np.int64)
        v_sat, v_step = sat[c], step[c]
        pair = v_sat * m + st
        key = np.sort(pair * (k + 1) + v_step)  # stride k + 1: steps of different pairs never adjacent
        p, t = key // (k + 1), key % (k + 1)
        rise = np.ones(key.size, bool)
        rise[1:] = np.diff(key) != 1
        rise &= ~((t == 0) & self._last[p])
        np.add.at(self.pair_passes.reshape(-1), p[rise], 1)  # the few visible pairs, not n x m bins
        np.add.at(self.pair_steps.reshape(-1), pair, 1)
        self._last[self._last_set] = False
        self._last_set = p[t == k - 1]
        self._last[self._last_set] = True
        station_now[v_step, st] = True
        self.station_series.append(station_now)
        seen_at = np.unique(flat[c])  # (step, satellite) cells with some station in view
        self.sat_contact_steps += np.bincount(seen_at % n, minlength=n)
        self.sat_series.append(np.bincount(seen_at // n, minlength=k) / n)

    def station_in_contact(self) -> np.ndarray:
        """(n_steps, n_stations) bool: the station sees at least one satellite."""
        return np.concatenate(self.station_series, axis=0)

    def summary(self, n_steps: int, step_s: float, required_gbps: float,
                clear: np.ndarray | None = None) -> dict[str, float]:
        """Measured contact figures (``twin.*`` keys); ``required_gbps`` is the traffic of the satellites flown and
        ``clear`` (n_steps, n_stations) the stations' cloud-free line of sight (None: always clear)."""
        m = self.stations.size
        station = self.station_in_contact()
        passes = float(self.pair_passes.sum())
        usable = station if clear is None else station & clear
        available_gbit = float(usable.sum()) * step_s * self.capacity_gbps
        nan = float("nan")
        if m == 0:  # links switched off or no station reachable: nothing measured
            return {"twin.ground_stations_flown": 0.0, **dict.fromkeys((
                "twin.ground_contact_fraction", "twin.station_contact_fraction", "twin.pair_contact_fraction",
                "twin.passes_per_satellite_day", "twin.pass_duration_mean_s", "twin.longest_gap_s",
                "twin.downlink_capacity_ratio", "twin.clear_contact_fraction", "twin.clear_sky_fraction",
                "twin.longest_clear_gap_s"), nan)}
        return {
            "twin.ground_stations_flown": float(m),
            "twin.ground_contact_fraction": float(self.sat_contact_steps.sum() / (self.n_satellites * n_steps)),
            "twin.station_contact_fraction": float(station.mean()),
            "twin.pair_contact_fraction": float(self.pair_steps.sum() / (self.n_satellites * n_steps * m)),
            "twin.passes_per_satellite_day": passes / self.n_satellites / (n_steps * step_s / 86400.0),
            "twin.pass_duration_mean_s": float(self.pair_steps.sum()) * step_s / passes if passes else nan,
            "twin.longest_gap_s": longest_gap_s(station.any(axis=1), step_s),
            "twin.clear_contact_fraction": float(usable.sum() / station.sum()) if station.any() else nan,
            "twin.clear_sky_fraction": float(clear.mean()) if clear is not None else 1.0,
            "twin.longest_clear_gap_s": longest_gap_s(usable.any(axis=1), step_s),
            "twin.downlink_capacity_ratio": available_gbit / (required_gbps * n_steps * step_s)
            if required_gbps > 0 else nan,
        }


def longest_gap_s(in_contact: np.ndarray, step_s: float) -> float:
    """Longest run of steps with no contact at all [s] (the wait the on-board buffer must cover)."""
    gaps = np.diff(np.flatnonzero(np.concatenate([[True], np.asarray(in_contact, bool), [True]]))) - 1
    return float(gaps.max() * step_s) if gaps.size else 0.0


def mean_pass_duration_s(altitude_km: float, min_elevation_deg: float) -> float:
    r"""Mean pass duration over random pass geometries [s], non-rotating Earth, spherical.

    Notes
    -----
    The station's cap has Earth central angle :math:`\lambda` (:func:`terawatt.physics.comms.
    station_contact_fraction`); ground tracks crossing it at uniformly distributed offsets cut chords of mean
    length :math:`\pi\lambda/2`, swept at the orbital rate :math:`n`: :math:`\bar t = \pi\lambda/(2n)`
    (Wertz et al. 2011, sec. 8.3). The Earth's rotation changes it by ~:math:`\pm\omega_E/n` ~ 7 %.
    """
    from terawatt.constants import EARTH_EQUATORIAL_RADIUS_M, EARTH_MU_M3_PER_S2

    r_e = EARTH_EQUATORIAL_RADIUS_M / 1e3
    eps = np.radians(min_elevation_deg)
    lam = np.arccos(r_e / (r_e + altitude_km) * np.cos(eps)) - eps
    n = np.sqrt(EARTH_MU_M3_PER_S2 / ((r_e + altitude_km) * 1e3) ** 3)
    return float(np.pi * lam / (2.0 * n))
