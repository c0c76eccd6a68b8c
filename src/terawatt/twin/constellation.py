"""A constellation laid out from a design: clusters of satellites in formation, in the planes of a shell.

- Sun-synchronous shell: one plane at the design's local time of the ascending node (every satellite sees the
  same beta angle, as the steady-state model assumes), clusters spread evenly in argument of latitude.
- Any other inclination: a Walker delta pattern i:T/P/F with T clusters in P = round(sqrt(T)) planes (phasing
  F = 1), the first plane's node at the design's LTAN on the start date.
- Inside a cluster the satellites sit on a square grid of side ``2 r / sqrt(2)`` (within the cluster radius
  ``links.cluster_radius_m``): along-track offsets as mean anomaly, cross-track offsets as node offsets.

With ``formation="rigid"`` only the cluster centres are propagated and each member keeps its offset in the
centre's local orbital frame (a formation held by station keeping, as Suncatcher's is); with ``"sgp4"`` every
satellite is propagated from its own elements (free flight: node offsets oscillate cross-track).

Elements are SGP4 mean elements (circular, no drag: ``bstar = 0``) initialised with ``Satrec.sgp4init`` and
propagated together with ``SatrecArray``: no TLE is read or written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from terawatt.physics import orbit

#: Julian date of 1949-12-31 00:00 UT, SGP4's epoch origin [d].
SGP4_EPOCH0_JD = 2433281.5
#: Julian date of 2026-01-01 00:00 UT, day 0 of :mod:`terawatt.physics.orbit` [d].
MODEL_DAY0_JD = 2461041.5
#: WGS-72 gravitational parameter [km3/s2] and equatorial radius [km] (SGP4's constants, Vallado et al. 2006).
WGS72_MU_KM3_S2 = 398600.8
WGS72_RADIUS_KM = 6378.135


@dataclass(frozen=True)
class Constellation:
    """Mean elements of every satellite [deg] and where it belongs."""

    inclination_deg: np.ndarray
    raan_deg: np.ndarray
    mean_anomaly_deg: np.ndarray
    cluster: np.ndarray  # cluster index of each satellite
    plane: np.ndarray  # plane index of each satellite
    altitude_km: float
    epoch_jd: float
    along_m: np.ndarray  # along-track offset of each satellite from its cluster's centre [m]
    cross_m: np.ndarray  # cross-track offset [m]
    centre_raan_deg: np.ndarray  # each cluster centre's node [deg]
    centre_anomaly_deg: np.ndarray  # each cluster centre's mean anomaly [deg]

    @property
    def size(self) -> int:
        return int(self.cluster.size)

    def centres(self) -> Constellation:
        """The clusters' centres as a constellation of their own (one satellite per cluster, no offsets)."""
        k = self.centre_raan_deg.size
        first = np.searchsorted(self.cluster, np.arange(k))
        zero = np.zeros(k)
        return Constellation(self.inclination_deg[first], self.centre_raan_deg, self.centre_anomaly_deg,
                             np.arange(k), self.plane[first], self.altitude_km, self.epoch_jd, zero, zero,
                             self.centre_raan_deg, self.centre_anomaly_deg)


def node_raan_deg(altitude_km: float, inclination_deg: float, ltan_h: float, sso: bool, jd: float) -> float:
    """Right ascension of the ascending node [deg] on ``jd`` under the steady-state model's LTAN convention.

    Notes
    -----
    :math:`\\Omega = \\alpha_m(d) + 15°(\\mathrm{LTAN} - 12)` for a sun-synchronous orbit; otherwise the node set
    that way on 2026-01-01 then precesses at the J2 rate (:func:`terawatt.physics.orbit.beta_angle_deg`).
    """
    day = jd - MODEL_DAY0_JD
    base = 15.0 * (ltan_h - 12.0)
    if sso:
        return float(np.degrees(orbit.mean_sun_right_ascension_rad(day)) + base)
    drift = orbit.node_rate_rad_per_s(altitude_km, inclination_deg) * day * 86400.0
    return float(np.degrees(orbit.mean_sun_right_ascension_rad(0.0) + drift) + base)


def build_constellation(n_satellites: int, cluster_size: int, cluster_radius_m: float, altitude_km: float,
                        inclination_deg: float, ltan_h: float, sso: bool, epoch_jd: float) -> Constellation:
    """Lay out ``n_satellites`` in clusters of ``cluster_size`` (the last one may be partial).

    Parameters
    ----------
    n_satellites : int
        Satellites flown [-], >= 1.
    cluster_size : int
        Satellites per formation-flying cluster [-], >= 1.
    cluster_radius_m : float
        Radius of a cluster [m].
    altitude_km, inclination_deg, ltan_h
        Circular shell [km], [deg], [h].
    sso : bool
        Sun-synchronous (one plane at the LTAN) or a Walker shell.
    epoch_jd : float
        Julian date of the elements [d, UT].
    """
    n_clusters = -(-n_satellites // cluster_size)
    planes = 1 if sso else max(1, int(round(np.sqrt(n_clusters))))
    per_plane = -(-n_clusters // planes)
    sat = np.arange(n_satellites)
    cluster = sat // cluster_size
    member = sat % cluster_size
    plane = cluster % planes
    slot = cluster // planes
    raan0 = node_raan_deg(altitude_km, inclination_deg, ltan_h, sso, epoch_jd)
    # Walker delta, phasing F = 1: plane p at 360 p / P of node, slot s at 360 s / S + 360 F p / T of anomaly
    plane_raan = raan0 + (0.0 if sso else 360.0) * plane / planes
    anomaly = 360.0 * slot / per_plane + 360.0 * plane / max(n_clusters, 1) * (not sso)

    side = int(np.ceil(np.sqrt(cluster_size)))
    spacing_m = (2.0 * cluster_radius_m / np.sqrt(2.0)) / max(side - 1, 1)
    along = (member % side - (side - 1) / 2.0) * spacing_m
    cross = (member // side - (side - 1) / 2.0) * spacing_m
    a_m = (WGS72_RADIUS_KM + altitude_km) * 1e3
    sin_i = max(abs(np.sin(np.radians(inclination_deg))), 1e-3)
    return Constellation(
        inclination_deg=np.full(n_satellites, float(inclination_deg)),
        raan_deg=np.mod(plane_raan + np.degrees(cross / a_m) / sin_i, 360.0),
        mean_anomaly_deg=np.mod(anomaly + np.degrees(along / a_m), 360.0),
        cluster=cluster,
        plane=plane,
        altitude_km=float(altitude_km),
        epoch_jd=float(epoch_jd),
        along_m=along,
        cross_m=cross,
        centre_raan_deg=np.mod(plane_raan, 360.0)[np.searchsorted(cluster, np.arange(n_clusters))],
        centre_anomaly_deg=np.mod(anomaly, 360.0)[np.searchsorted(cluster, np.arange(n_clusters))],
    )


def satrec_array(c: Constellation):
    """``sgp4.api.SatrecArray`` of circular mean-element orbits (WGS-72, no drag) at the constellation's epoch."""
    from sgp4.api import WGS72, Satrec, SatrecArray

    r_km = WGS72_RADIUS_KM + c.altitude_km
    n_rad_min = np.sqrt(WGS72_MU_KM3_S2 / r_km**3) * 60.0  # Kozai mean motion [rad/min], refined below
    epoch = c.epoch_jd - SGP4_EPOCH0_JD
    for _ in range(3):  # make SGP4's Brouwer mean semi-major axis R + h (the Kozai/Brouwer gap is ~km)
        ref = Satrec()
        ref.sgp4init(WGS72, "i", 1, epoch, 0.0, 0.0, 0.0, 0.0, 0.0, float(np.radians(c.inclination_deg[0])), 0.0,
                     n_rad_min, 0.0)
        n_rad_min *= (ref.a * WGS72_RADIUS_KM / r_km) ** 1.5
    sats = []
    for inc, raan, m in zip(np.radians(c.inclination_deg), np.radians(c.raan_deg), np.radians(c.mean_anomaly_deg),
                            strict=True):
        s = Satrec()
        s.sgp4init(WGS72, "i", 1, epoch, 0.0, 0.0, 0.0, 0.0, 0.0, float(inc), float(m), n_rad_min, float(raan))
        sats.append(s)
    return SatrecArray(sats)
