r"""How the dose rate varies along an orbit: the South Atlantic Anomaly as bursts of a three-state Markov chain.

The orbit-averaged dose (:mod:`terawatt.physics.radiation.dose`) is enough for everything linear in the rate
(total dose, inference retries); a training job's checkpoint/restart goodput is not: interrupts that come in
bursts share rollbacks (:func:`terawatt.physics.radiation.effects.modulated_goodput_fraction`). This module
describes the time profile of the dose rate along the ground track as three states, by the total dose rate
relative to the orbit mean, :math:`r = \dot D(t)/\overline{\dot D}`:

- state 0, quiet: :math:`r < 2` (most of the orbit: cosmic rays, the outer edges of the belts);
- state 1, the edge of a burst: :math:`2 \le r < 10`;
- state 2, its core: :math:`r \ge 10` (the South Atlantic Anomaly at 10 mm Al below ~1,000 km).

Along a track the rate is continuous, so it moves between neighbouring states only (0 <-> 1 <-> 2): a
birth-death chain, which is reversible, whose generator follows from the time fractions :math:`w_k` and the
up-crossings per hour :math:`c_1, c_2` of the two thresholds: :math:`q_{01} = c_1/w_0`, :math:`q_{10} = c_1/w_1`,
:math:`q_{12} = c_2/w_1`, :math:`q_{21} = c_2/w_2`. In each state every dose component keeps its own mean
relative rate :math:`m_{kc}` (trapped protons, trapped electrons, solar protons, cosmic rays), so the interrupt
rate of a state is exact in the mean for any mix of the components (:math:`\sum_k w_k m_{kc} = 1`).

Two paths, as for the dose:

- :func:`burst_statistics_direct` computes them from the models along an analytic circular track (seconds);
- :func:`burst_statistics` interpolates the shipped table ``data/radiation_bursts.npz``, built by
  ``tools/build_radiation_burst_table.py`` with the same code (vectorized; a fixed orbit is looked up once).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np
import numpy.typing as npt

from terawatt.constants import EARTH_EQUATORIAL_RADIUS_M
from terawatt.physics.orbit import sso_inclination_deg
from terawatt.physics.radiation._common import Solar, _check, _check_solar

#: Thresholds of the states on the dose rate relative to the orbit mean [-] (quiet | edge | core).
STATE_EDGES = (2.0, 10.0)
#: Number of states.
N_STATES = len(STATE_EDGES) + 1
#: Relative rate given to a state the track never visits [-] (its weight is zero; the value only keeps the
#: formulas finite).
_EMPTY_STATE_RATE = (1.0, float(np.sqrt(STATE_EDGES[0] * STATE_EDGES[1])), STATE_EDGES[1])
#: Floors on a state's time fraction [-] and a threshold's crossings [1/h]: an unvisited state then costs
#: < 1e-6 of the goodput and the chain stays irreducible (the formulas need nonzero transition rates).
W_FLOOR, CROSSING_FLOOR_PER_H = 1e-7, 1e-5
#: Track used to measure the statistics: days and step [s] (6 days = ~90 orbits, whose ascending nodes fall on
#: ~90 Earth-fixed longitudes; 20 s is ~150 km along track, ~1/30 of a South Atlantic Anomaly pass).
TRACK_DAYS, TRACK_STEP_S = 6.0, 20.0
#: Dose-map grid [deg] (latitude, longitude) interpolated bilinearly along the track.
MAP_LAT_DEG, MAP_LON_DEG = 3.0, 6.0
#: Earth's sidereal rotation rate [rad/s] (IERS Conventions 2010) and GM [m3/s2] (WGS 84).
_OMEGA_EARTH, _GM = 7.2921150e-5, 3.986004418e14


@dataclass(frozen=True)
class BurstStatistics:
    r"""The three-state description of the dose rate along an orbit (arrays over the broadcast input shape).

    Attributes
    ----------
    occupancy : numpy.ndarray
        Time fraction of each state, (3, ...) [-]; sums to 1.
    crossings_per_h : numpy.ndarray
        Up-crossings per hour of the two thresholds (into state 1 and into state 2), (2, ...) [1/h].
    relative_rate : numpy.ndarray
        Mean dose rate of each component in each state relative to its orbit mean, (3, 4, ...) [-]
        (components as :data:`terawatt.physics.radiation.COMPONENTS`); :math:`\sum_k w_k m_{kc} = 1`.
    """

    occupancy: np.ndarray
    crossings_per_h: np.ndarray
    relative_rate: np.ndarray

    def state_rate_multipliers(self, component_doses: npt.ArrayLike) -> np.ndarray:
        """Dose rate of each state relative to the orbit mean for doses by component (4, ...) [any unit]: the
        component-share-weighted :math:`m_{kc}`, (3, ...) [-]. Components all zero: 1 in every state."""
        d = np.asarray(component_doses, float)
        total = d.sum(axis=0)
        share = d / np.where(total > 0, total, 1.0)
        rel = self.relative_rate  # (3, 4, orbit axes): align the orbit axes with the doses' sample axes
        nd = max(share.ndim - 1, rel.ndim - 2)
        rel = rel.reshape(rel.shape[:2] + (1,) * (nd - rel.ndim + 2) + rel.shape[2:])
        mult = rel[:, 0] * share[0] + rel[:, 1] * share[1] + rel[:, 2] * share[2] + rel[:, 3] * share[3]
        return np.where(total > 0, mult, 1.0)

    @property
    def burst_fraction(self) -> np.ndarray:
        """Time fraction in a burst (states 1 and 2, dose rate over twice its mean) [-]."""
        return self.occupancy[1] + self.occupancy[2]

    @property
    def bursts_per_day(self) -> np.ndarray:
        """Bursts (entries into state 1 from the quiet state) per day [1/d]."""
        return self.crossings_per_h[0] * 24.0


# ---------------------------------------------------------------------------------------------- direct path
def track_lat_lon_deg(altitude_km: float, inclination_deg: float, days: float = TRACK_DAYS,
                      step_s: float = TRACK_STEP_S) -> tuple[np.ndarray, np.ndarray]:
    """Geocentric latitude and Earth-fixed longitude [deg] of a circular two-body orbit sampled every ``step_s``
    for ``days`` (ascending node at longitude 0 at t = 0; nodal precession, ~1 deg/day, is ignored)."""
    a = EARTH_EQUATORIAL_RADIUS_M + altitude_km * 1e3
    t = np.arange(0.0, days * 86400.0, step_s)
    u = np.sqrt(_GM / a**3) * t
    i = np.radians(inclination_deg)
    lat = np.degrees(np.arcsin(np.sin(i) * np.sin(u)))
    lon = np.degrees(np.mod(np.arctan2(np.cos(i) * np.sin(u), np.cos(u)) - _OMEGA_EARTH * t + np.pi, 2 * np.pi)
                     - np.pi)
    return lat, lon


def map_grid() -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude nodes [deg] of the dose maps (longitude -180..180, both ends)."""
    return np.arange(-90.0, 90.0 + 1e-9, MAP_LAT_DEG), np.arange(-180.0, 180.0 + 1e-9, MAP_LON_DEG)


def component_maps(altitude_km: float, shielding_mm_al: npt.ArrayLike, solar: str) -> np.ndarray:
    """Dose components on the :func:`map_grid` (4, n_lat, n_lon, n_shield): trapped protons and electrons
    [rad/yr], solar protons per King (1974) event [rad], cosmic rays [rad/yr] (the models of
    :func:`terawatt.physics.radiation.dose.point_dose_rad_per_yr`)."""
    from terawatt.physics.radiation.dose import _point_components

    lat, lon = map_grid()
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    shield = np.atleast_1d(np.asarray(shielding_mm_al, float))
    comp = _point_components(la.ravel(), lo.ravel(), float(altitude_km), shield, solar)
    return comp.reshape(4, lat.size, lon.size, shield.size)


def along_track(maps: np.ndarray, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Maps (..., n_lat, n_lon, n_shield) interpolated bilinearly at track points: (..., n_t, n_shield)."""
    lat_n, lon_n = map_grid()
    fi = np.clip((lat_deg - lat_n[0]) / MAP_LAT_DEG, 0.0, lat_n.size - 1.0)
    fj = np.clip((lon_deg - lon_n[0]) / MAP_LON_DEG, 0.0, lon_n.size - 1.0)
    i = np.minimum(fi.astype(np.intp), lat_n.size - 2)
    j = np.minimum(fj.astype(np.intp), lon_n.size - 2)
    a, b = (fi - i)[:, None], (fj - j)[:, None]
    m = maps
    return ((1 - a) * ((1 - b) * m[..., i, j, :] + b * m[..., i, j + 1, :])
            + a * ((1 - b) * m[..., i + 1, j, :] + b * m[..., i + 1, j + 1, :]))


def profile_statistics(components: np.ndarray, spe_events_per_yr: float, step_s: float = TRACK_STEP_S
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Occupancy (3, ...), up-crossings per hour (2, ...) and relative rates (3, 4, ...) of component time series
    (4, n_t, ...) [rad/yr; solar protons per event], the states set by the total at ``spe_events_per_yr``."""
    comp = np.asarray(components, float)
    scale = np.array([1.0, 1.0, spe_events_per_yr, 1.0]).reshape((4,) + (1,) * (comp.ndim - 1))
    total = (comp * scale).sum(axis=0)  # (n_t, ...)
    r = total / total.mean(axis=0)
    state = np.digitize(r, STATE_EDGES)
    n_t = r.shape[0]
    hours = n_t * step_s / 3600.0
    occ = np.stack([(state == k).mean(axis=0) for k in range(N_STATES)])
    cross = np.stack([((state[1:] >= k) & (state[:-1] < k)).sum(axis=0) / hours for k in (1, 2)])
    mean_c = comp.mean(axis=1)  # (4, ...)
    rel = []
    for k in range(N_STATES):
        inside = state == k
        n_in = inside.sum(axis=0)
        m = (comp * inside).sum(axis=1) / np.where(n_in > 0, n_in, 1) / np.where(mean_c > 0, mean_c, 1.0)
        rel.append(np.where(n_in > 0, np.where(mean_c > 0, m, 1.0), _EMPTY_STATE_RATE[k]))
    return occ, cross, np.stack(rel)


def burst_statistics_direct(altitude_km: float, inclination_deg: float, shielding_mm_al: float,
                            solar: Solar = "mean", spe_events_per_yr_solar_max: float = 0.14) -> BurstStatistics:
    """The three-state statistics computed from the models along an analytic track (slow path, ~10 s).

    Parameters
    ----------
    altitude_km, inclination_deg, shielding_mm_al : float
        Circular orbit [km], inclination [deg] (NaN: sun-synchronous) and aluminium thickness [mm].
    solar : {'min', 'max', 'mean'}
        Solar-cycle phase ('mean': the mean of the min and max maps).
    spe_events_per_yr_solar_max : float
        King events per year at solar maximum [1/yr] in the total that sets the states (half at 'mean').
    """
    _check_solar(solar)
    inc = float(inclination_deg)
    if np.isnan(inc):
        inc = float(sso_inclination_deg(altitude_km))
    states = ("min", "max") if solar == "mean" else (solar,)
    maps = np.mean([component_maps(altitude_km, shielding_mm_al, s) for s in states], axis=0)
    lat, lon = track_lat_lon_deg(altitude_km, inc)
    n_spe = {"min": 0.0, "max": 1.0, "mean": 0.5}[solar] * spe_events_per_yr_solar_max
    occ, cross, rel = profile_statistics(along_track(maps, lat, lon)[..., 0], n_spe)
    return BurstStatistics(occ, cross, rel)


# ---------------------------------------------------------------------------------------------- table path
@functools.lru_cache(maxsize=1)
def _table() -> dict[str, np.ndarray]:
    """Shipped table: occupancy (3 solar, alt, inc, shield, 3), crossings (..., 2), relative rates (..., 3, 4)."""
    with resources.as_file(resources.files("terawatt") / "data" / "radiation_bursts.npz") as path:
        with np.load(path) as z:
            t = {k: z[k] for k in z.files}
    # one row per node: 3 occupancies, 2 crossings, 12 relative rates, for one gather per cell corner
    rows = np.concatenate([t["occupancy"], t["crossings_per_h"],
                           t["relative_rate"].reshape(t["relative_rate"].shape[:-2] + (12,))], axis=-1)
    t["rows"] = {s: np.ascontiguousarray(rows[k].reshape(-1, rows.shape[-1])) for k, s in enumerate(t["solar"])}
    t["x_shield"] = np.log(t["shielding_mm"] + 0.1)
    return t


def burst_table() -> dict[str, np.ndarray]:
    """The shipped burst table (read-only copies): ``occupancy`` (solar, altitude, inclination, shielding, 3),
    ``crossings_per_h`` (..., 2), ``relative_rate`` (..., 3, 4) and the axes ``solar``, ``altitude_km``,
    ``inclination_deg`` (0-180), ``shielding_mm``."""
    t = _table()
    keys = ("occupancy", "crossings_per_h", "relative_rate", "solar", "altitude_km", "inclination_deg",
            "shielding_mm")
    out = {k: np.array(t[k]) for k in keys}
    for a in out.values():
        a.flags.writeable = False
    return out


def _node_split(x: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    f = np.interp(x, nodes, np.arange(nodes.size, dtype=float))
    i = np.minimum(f.astype(np.intp), nodes.size - 2)
    return i, f - i


def burst_statistics(altitude_km: npt.ArrayLike, inclination_deg: npt.ArrayLike, shielding_mm_al: npt.ArrayLike,
                     solar: Solar = "mean") -> BurstStatistics:
    r"""The three-state statistics of the dose rate along an orbit, interpolated in the shipped table.

    Parameters
    ----------
    altitude_km : array_like
        Circular orbit height [km], in [200, 2000] (the table).
    inclination_deg : array_like
        Inclination [deg] in [0, 180]; NaN means sun-synchronous at that altitude.
    shielding_mm_al : array_like
        Aluminium thickness [mm], in [0, 100].
    solar : {'min', 'max', 'mean'}
        Solar-cycle phase.

    Returns
    -------
    BurstStatistics
        Arrays of the broadcast input shape behind their leading state (and component) axes.

    Notes
    -----
    The table holds :func:`burst_statistics_direct` (King events at the registry's 0.14 per year at solar
    maximum in the total that sets the states) on 12 altitudes (200-700 km every 100 km with 550 and 650, 800,
    1,000, 1,400, 2,000 km), 37 inclinations
    (0-180 deg every 5 deg: prograde and retrograde tracks cross the anomaly at different ground speeds) and
    16 thicknesses (0-8 mm every 1 mm but 9, then 10, 12, 15, 20, 30, 50, 100 mm: between 5 and 10 mm the
    electron horns at high latitude fall below the burst threshold, so the nodes are dense there); interpolated
    trilinearly in (altitude, inclination, log(t + 0.1 mm)). Against the direct computation off the nodes, the
    training goodput of a 1,024-accelerator job at 2.5 interrupts per hour differs by at most 0.001 (measured
    at 1,100 km / 117 deg / 3.5 mm, 575 km / 62 deg / 7.5 mm, 820 km / 40 deg / 5.5 mm and 450 km / 80 deg /
    25 mm; with the earlier 8 nodes it was 0.014 at 575 km / 62 deg / 7 mm; tests/test_radiation_bursts.py).
    Interpolated relative rates are renormalized so that :math:`\sum_k w_k m_{kc} = 1` holds exactly (the mean
    interrupt rate stays the orbit-average model's). Each axis is split on its own input's shape, so a fixed
    orbit is one look-up whatever the number of samples.
    """
    _check_solar(solar)
    t = _table()
    alt_n, inc_n = t["altitude_km"], t["inclination_deg"]
    alt = _check(altitude_km, "altitude_km", alt_n[0], alt_n[-1], "km", " (radiation burst table)")
    inc = _check(inclination_deg, "inclination_deg", 0.0, 180.0, "deg", allow_nan=True)
    shield = _check(shielding_mm_al, "shielding_mm_al", t["shielding_mm"][0], t["shielding_mm"][-1], "mm",
                    " (radiation burst table)")
    inc = np.where(np.isnan(inc), sso_inclination_deg(np.clip(alt, alt_n[0], alt_n[-1])), inc)
    shape = np.broadcast_shapes(alt.shape, inc.shape, shield.shape)
    ia, wa = _node_split(alt, alt_n)
    ii, wi = _node_split(inc, inc_n)
    ix, wx = _node_split(np.log(shield + 0.1), t["x_shield"])
    n_i, n_x = inc_n.size, t["x_shield"].size
    rows = t["rows"][solar]
    acc = 0.0
    for da, fa in ((0, 1 - wa), (1, wa)):
        for di, fi in ((0, 1 - wi), (1, wi)):
            for dx, fx in ((0, 1 - wx), (1, wx)):
                node = ((ia + da) * n_i + ii + di) * n_x + ix + dx
                acc = acc + rows[np.broadcast_to(node, shape)] * np.broadcast_to(fa * fi * fx, shape)[..., None]
    acc = np.moveaxis(np.asarray(acc, float), -1, 0)  # (17, ...)
    occ = np.maximum(acc[:3], W_FLOOR)
    occ = occ / occ.sum(axis=0)
    cross = np.maximum(acc[3:5], CROSSING_FLOOR_PER_H)
    rel = acc[5:].reshape((3, 4) + shape)
    rel = rel / (occ[0][None] * rel[0] + occ[1][None] * rel[1] + occ[2][None] * rel[2])[None]
    return BurstStatistics(occ, cross, rel)
