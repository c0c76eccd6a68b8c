"""Launch: payload to the orbit, satellites per launch (mass and stowed volume), launches needed. Vectorized."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from terawatt._buffers import holds

#: Inclination above which the vehicle's sun-synchronous payload figure applies [deg]. SSO inclinations at
#: 400-1,500 km lie between 97 and 103 deg; polar and retrograde launches pay the same missing Earth-rotation boost.
POLAR_INCLINATION_DEG = 80.0


def payload_to_orbit_kg(
    payload_leo_kg: ArrayLike, payload_sso_kg: ArrayLike, inclination_deg: ArrayLike
) -> np.ndarray:
    """Payload [kg]: the vehicle's SSO figure for (near-)polar orbits, its LEO figure otherwise.

    Notes
    -----
    Catalog payloads are quoted to low circular orbits (~500-600 km); the altitude dependence within LEO is not
    modelled here.
    """
    return payload_for_orbit_kg(payload_leo_kg, payload_sso_kg, is_polar(inclination_deg))


def is_polar(inclination_deg: ArrayLike) -> np.ndarray:
    """Whether the vehicle's sun-synchronous payload figure applies: inclination above
    :data:`POLAR_INCLINATION_DEG` [deg]."""
    return np.asarray(inclination_deg, float) > POLAR_INCLINATION_DEG


def payload_for_orbit_kg(payload_leo_kg: ArrayLike, payload_sso_kg: ArrayLike, polar: ArrayLike) -> np.ndarray:
    """:func:`payload_to_orbit_kg` from :func:`is_polar` of the inclination (where it is known without the
    inclination itself: every sun-synchronous orbit is retrograde) [kg]."""
    return np.where(polar, np.asarray(payload_sso_kg, float), np.asarray(payload_leo_kg, float))


def satellites_per_launch(
    satellite_mass_kg: ArrayLike,
    payload_kg: ArrayLike,
    satellite_volume_m3: ArrayLike,
    fairing_volume_m3: ArrayLike,
) -> np.ndarray:
    r"""Whole satellites one launch carries: :math:`\min(\lfloor M_{pl}/m \rfloor, \lfloor V_{f}/v \rfloor)`.

    Returns
    -------
    numpy.ndarray
        Satellites per launch [-] (0 where one satellite exceeds the payload mass or volume).
    """
    return satellites_per_launch_and_fit(satellite_mass_kg, payload_kg, satellite_volume_m3, fairing_volume_m3)[0]


def satellites_per_launch_and_fit(
    satellite_mass_kg: ArrayLike,
    payload_kg: ArrayLike,
    satellite_volume_m3: ArrayLike,
    fairing_volume_m3: ArrayLike,
) -> tuple[np.ndarray, bool]:
    """:func:`satellites_per_launch`, and whether it is known to be positive in every sample of a non-empty sample
    array (the least count, found once for the count's fast path; False: not known, where the caller checks)."""
    payload, mass = np.asarray(payload_kg, float), np.asarray(satellite_mass_kg, float)
    fairing, volume = np.asarray(fairing_volume_m3, float), np.asarray(satellite_volume_m3, float)
    by_mass, by_volume = payload / mass, fairing / volume
    if holds(by_mass, by_mass, by_volume):
        # Sample arrays: floor is monotone, so floor(min(a, b)) is min(floor(a), floor(b)) (one floor, in by_mass's
        # buffer) except for the sign of a zero (both floors zero); where a satellite fits, the same bits.
        fit = np.floor(np.minimum(by_mass, by_volume, out=by_mass), out=by_mass)
        if fit.size and fit.min() > 0.0:
            return fit, True
        by_mass = payload / mass
    return np.minimum(np.floor(by_mass), np.floor(by_volume)), False


def launches_needed(satellite_count: ArrayLike, per_launch: ArrayLike) -> np.ndarray:
    """Launches to carry ``satellite_count`` satellites, ``per_launch`` at a time [-] (inf if none fit)."""
    per = np.asarray(per_launch, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            per > 0, np.ceil(np.asarray(satellite_count, float) / np.where(per > 0, per, 1.0)), np.inf
        )
