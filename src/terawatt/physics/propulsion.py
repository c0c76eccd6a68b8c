r"""Drag and propulsion of a satellite in a circular orbit: cross-section, drag make-up, decay, deorbit, propellant.

All functions are pure and vectorised: inputs broadcast against each other, scalars give NumPy scalars and arrays
give arrays. Out-of-range inputs raise a ``ValueError`` naming the argument, its unit and the allowed range.
Densities come from :mod:`terawatt.physics.atmosphere` (orbit-averaged NRLMSIS 2.1).

Model
-----
*Drag.* :math:`a_D = \tfrac12 \rho v^2 C_D A / m` with the circular speed :math:`v = \sqrt{\mu/r}`. The
co-rotation of the atmosphere is neglected: it changes the relative speed by :math:`\omega_\oplus r\cos i`, under
1 % for sun-synchronous orbits (:math:`\cos i \approx -0.14`) and -4 % for the ISS (+2 % and -8 % in drag).
Holding altitude costs, per year, the velocity drag removes, :math:`\Delta v = a_D \cdot 1\,\mathrm{yr}` (thrust
along the velocity, in small increments). Uncontrolled, the orbit stays near-circular and shrinks at
:math:`\dot a = -\sqrt{\mu a}\,\rho\,C_D A/m` (Vallado 2013, ch. 8-9; Wertz & Larson 1999, ch. 8).

*Cross-section.* Large flat panels (solar arrays, radiators) dominate the area. :func:`cross_section_m2` gives the
drag-equivalent area for three attitudes; free-molecular flow (the mean free path at 400 km is ~5 km), diffuse
re-emission with full accommodation.

*Propellant.* Tsiolkovsky, :math:`m_p = m_{dry}\,(e^{\Delta v/(g_0 I_{sp})} - 1)`.

References
----------
.. [1] Vallado, D. A., *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013, ch. 6, 8, 9.
.. [2] Wertz, J. R. and Larson, W. J. (eds.), *Space Mission Analysis and Design*, 3rd ed., 1999, ch. 6,
   8, 17.
.. [3] Schaaf, S. A. and Chambre, P. L., Flow of rarefied gases, in *Fundamentals of Gas Dynamics*, Princeton,
   1958 (free-molecular flat plate).
.. [4] Sentman, L. H., Free molecule flow theory and its application to the determination of aerodynamic forces,
   LMSC-448514, Lockheed, 1961.
"""

from __future__ import annotations

import functools
from typing import Literal

import numpy as np
import numpy.typing as npt

from terawatt._arrays import is_sampled
from terawatt._buffers import chain, holds, into
from terawatt.constants import (
    EARTH_EQUATORIAL_RADIUS_M,
    EARTH_MU_M3_PER_S2,
    SECONDS_PER_YEAR,
    STANDARD_GRAVITY_M_PER_S2,
)
from terawatt.physics import atmosphere as _atm
from terawatt.physics._checks import extremes
from terawatt.physics.atmosphere import _check, _out

__all__ = [
    "ATTITUDES", "ballistic_coefficient_kg_per_m2", "burn_duration_s", "circular_speed_m_per_s", "cross_section_m2",
    "decay_rate_km_per_day", "deorbit_dv_m_per_s", "drag_acceleration_m_per_s2", "drag_dv_m_per_s_per_yr",
    "electric_thrust_n", "natural_decay_yr", "propellant_mass_kg", "propulsion_hardware_mass_kg",
]

Attitude = Literal["edge_on", "face_on", "tumbling"]
#: Attitudes of the panels relative to the flow accepted by :func:`cross_section_m2`.
ATTITUDES: tuple[str, ...] = ("edge_on", "face_on", "tumbling")
#: Altitude range of circular orbits [km] (as :data:`terawatt.physics.orbit.ALTITUDE_RANGE_KM`, capped at the top
#: of the density table where a density is used).
ALTITUDE_RANGE_KM = (150.0, 50000.0)
#: Default drag coefficient (registry ``atmosphere.drag_coefficient``).
DEFAULT_CD = 2.2
#: Default panel thickness [m] (registry ``atmosphere.panel_thickness_m``).
DEFAULT_PANEL_THICKNESS_M = 0.03
#: Default panel width along the flow when edge-on [m] (registry ``atmosphere.panel_width_m``).
DEFAULT_PANEL_WIDTH_M = 10.0
#: Default molecular speed ratio of the flow (registry ``atmosphere.speed_ratio``).
DEFAULT_SPEED_RATIO = 7.5
#: Default target perigee of a controlled deorbit [km] (registry ``propulsion.deorbit_perigee_km``).
DEFAULT_DEORBIT_PERIGEE_KM = 50.0
#: Altitude where a natural decay is counted as ended [km].
DECAY_END_ALTITUDE_KM = 150.0

_R_M = EARTH_EQUATORIAL_RADIUS_M
#: mu / 2 [m3 s-2], exact (a power of two): for x with 0.5 * x exact, (0.5 * x) * mu and x * (mu / 2) round the same
#: real number, so they are the same double.
_HALF_MU = 0.5 * EARTH_MU_M3_PER_S2
#: Halving is exact for every double from here up (2**-1021: the half stays a normal number).
_HALVING_EXACT = 2.0**-1021
_SQRT_PI = float(np.sqrt(np.pi))


def _check_altitude(altitude_km: npt.ArrayLike, name: str = "altitude_km") -> np.ndarray:
    return _check(altitude_km, name, *ALTITUDE_RANGE_KM, "km")


def _positive(x: npt.ArrayLike, name: str, unit: str, hi: float = np.inf) -> np.ndarray:
    return _check(x, name, 0.0, hi, unit, lo_open=True)


def _nonnegative(x: npt.ArrayLike, name: str, unit: str, hi: float = np.inf) -> np.ndarray:
    return _check(x, name, 0.0, hi, unit)


def circular_speed_m_per_s(altitude_km: npt.ArrayLike) -> np.ndarray:
    r"""Speed on a circular orbit, :math:`v = \sqrt{\mu/(R_\oplus + h)}` [m/s] (vis-viva, Vallado 2013, ch. 1).

    Parameters
    ----------
    altitude_km : array_like
        Altitude above the equatorial radius [km], in [150, 50000].

    Returns
    -------
    numpy.ndarray or numpy.float64
        Orbital speed [m/s] (7.59 km/s at 550 km).
    """
    alt = _check_altitude(altitude_km)
    return _out(np.sqrt(EARTH_MU_M3_PER_S2 / (_R_M + alt * 1e3)))


# -------------------------------------------------------------------------------------------- cross-section
def cross_section_m2(array_area_m2: npt.ArrayLike, radiator_area_m2: npt.ArrayLike, bus_area_m2: npt.ArrayLike,
                     attitude: Attitude = "edge_on", *, panel_thickness_m: npt.ArrayLike = DEFAULT_PANEL_THICKNESS_M,
                     panel_width_m: npt.ArrayLike = DEFAULT_PANEL_WIDTH_M,
                     speed_ratio: npt.ArrayLike = DEFAULT_SPEED_RATIO, cd: npt.ArrayLike = DEFAULT_CD) -> np.ndarray:
    r"""Drag-equivalent cross-section of a satellite with large flat panels.

    Parameters
    ----------
    array_area_m2 : array_like
        Solar-array panel area (one face) [m2], >= 0.
    radiator_area_m2 : array_like
        Radiator panel area (one face) [m2], >= 0.
    bus_area_m2 : array_like
        Projected area of the bus and payload body along the velocity [m2], >= 0 (taken the same in every attitude).
    attitude : {"edge_on", "face_on", "tumbling"}, default "edge_on"
        Orientation of the panels relative to the velocity.
    panel_thickness_m : array_like, default 0.03
        Thickness of the panels [m], in [0, 1].
    panel_width_m : array_like, default 10
        Panel dimension along the velocity when edge-on [m], > 0; the span across the flow is area / width.
    speed_ratio : array_like, default 7.5
        Molecular speed ratio :math:`s = v/\sqrt{2kT/\bar m}` [-], > 0.
    cd : array_like, default 2.2
        Drag coefficient the area is referred to (the one used with it in the drag equation) [-], > 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Area :math:`A` [m2] such that the drag force is :math:`\tfrac12\rho v^2 C_D A`.

    Notes
    -----
    With the panel area :math:`A_p` = array + radiator area (one face):

    - ``face_on``: the panels' normal is along the velocity; :math:`A = A_p + A_{bus}`.
    - ``edge_on``: the panels' plane contains the velocity (their edges lead). The frontal area is the edge,
      thickness x span, :math:`t A_p / w`. The faces, parallel to the flow, still feel the shear of molecules
      arriving with their thermal speed: in free-molecular flow with diffuse re-emission and full accommodation a
      plate parallel to the flow has a drag coefficient :math:`1/(s\sqrt\pi)` per face, referred to that face's
      area (Schaaf & Chambre 1958; Sentman 1961), so both faces add the equivalent area
      :math:`2 A_p/(s\sqrt\pi\,C_D)`. At :math:`s` = 7.5 that is 6.8 % of :math:`A_p` for :math:`C_D` = 2.2, and
      it dominates the edge (0.3 % of :math:`A_p` for 3 cm panels 10 m wide).
      :math:`A = t A_p/w + 2A_p/(s\sqrt\pi C_D) + A_{bus}`.
    - ``tumbling``: random orientation. The mean projected area of a convex body over all orientations is a
      quarter of its surface (Cauchy's theorem), so a thin panel (both faces, :math:`2A_p`) presents
      :math:`A_p/2` on average; :math:`A = A_p/2 + A_{bus}` (an upper bound for a non-convex assembly whose parts
      shadow each other).

    A dawn-dusk sun-synchronous satellite can fly edge-on: the Sun is within ~30 deg of the orbit normal (beta
    59-87 deg over the year at 550-650 km, LTAN 18 h), so an array whose plane contains the velocity can still
    face it (rolled about the velocity axis), at a cosine loss of :math:`1 - \sqrt{1 - \cos^2\beta\,\sin^2 u}`
    along the orbit: 2.5 % of the array's energy over the year, 7 % on the worst day. Radiators edge-on to the Sun
    can also be edge-on to the flow (normal along Sun x velocity).

    The speed ratio: :math:`v` = 7.6 km/s, :math:`T` ~ 1,000 K and mean molecular mass ~16 u (atomic oxygen)
    at 400-700 km give :math:`\sqrt{2kT/\bar m}` ~ 1.0 km/s and :math:`s` ~ 7.5; helium above ~700 km at low
    activity lowers it to ~5 (Moe & Moe 2005).

    References
    ----------
    .. [1] Schaaf, S. A. and Chambre, P. L., *Flow of Rarefied Gases*, Princeton, 1958.
    .. [2] Sentman, L. H., LMSC-448514, Lockheed Missiles and Space Co., 1961.
    .. [3] Moe, K. and Moe, M. M., Gas-surface interactions and satellite drag coefficients, *Planetary and
       Space Science* 53, 793-801, 2005.
    .. [4] Cauchy, A.-L., 1841; see Vouk, V., Projected area of convex bodies, *Nature* 162, 330, 1948.
    """
    a_arr = _nonnegative(array_area_m2, "array_area_m2", "m2")
    a_rad = _nonnegative(radiator_area_m2, "radiator_area_m2", "m2")
    a_bus = _nonnegative(bus_area_m2, "bus_area_m2", "m2")
    if attitude not in ATTITUDES:
        raise ValueError(f"attitude must be one of {', '.join(ATTITUDES)}, got {attitude!r}")
    panels = a_arr + a_rad
    if attitude == "face_on":
        return _out(np.asarray(panels + a_bus))
    if attitude == "tumbling":
        return _out(np.asarray(0.5 * panels + a_bus))
    t = _check(panel_thickness_m, "panel_thickness_m", 0.0, 1.0, "m")
    w = _positive(panel_width_m, "panel_width_m", "m")
    s = _positive(speed_ratio, "speed_ratio", "-")
    c = _positive(cd, "cd", "-")
    factor = t / w + 2.0 / (s * _SQRT_PI * c)
    if holds(panels, factor, a_bus):  # the panels' sum is this call's own array: scale it and add the bus in place
        np.multiply(panels, factor, out=panels)
        return np.add(panels, a_bus, out=panels)
    return _out(np.asarray(panels * factor + a_bus))


# ---------------------------------------------------------------------------------------------------- drag
def ballistic_coefficient_kg_per_m2(mass_kg: npt.ArrayLike, area_m2: npt.ArrayLike, cd: npt.ArrayLike) -> np.ndarray:
    r"""Ballistic coefficient :math:`B = m/(C_D A)` [kg/m2] (Wertz & Larson 1999, ch. 8; Vallado 2013, ch. 8).

    Parameters
    ----------
    mass_kg : array_like
        Satellite mass [kg], > 0.
    area_m2 : array_like
        Drag cross-section [m2], > 0.
    cd : array_like
        Drag coefficient [-], > 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`m/(C_D A)` [kg/m2]; typical satellites 50-200 kg/m2, the ISS ~80 kg/m2.
    """
    m = _positive(mass_kg, "mass_kg", "kg")
    a = _positive(area_m2, "area_m2", "m2")
    c = _positive(cd, "cd", "-")
    return _out(np.asarray(m / (c * a)))


def _drag_terms(altitude_km: npt.ArrayLike, density_kg_per_m3: npt.ArrayLike, area_m2: npt.ArrayLike,
                mass_kg: npt.ArrayLike, cd: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(orbit radius [m], rho C_D A / m [1/m]) after validation."""
    alt = _check_altitude(altitude_km)
    rho = _nonnegative(density_kg_per_m3, "density_kg_per_m3", "kg/m3", hi=10.0)
    a = _nonnegative(area_m2, "area_m2", "m2")
    m = _positive(mass_kg, "mass_kg", "kg")
    c = _positive(cd, "cd", "-")
    k = chain(rho * c, (np.multiply, a), (np.true_divide, m))  # rho * c * a / m, in one buffer for sample arrays
    return _orbit_radius_m(alt), k


def _orbit_radius_m(alt: np.ndarray) -> np.ndarray:
    """Orbit radius ``_R_M + alt * 1e3`` [m] of checked altitudes [km]; for a sample array the sum is written into
    the product's buffer (the same values, one array)."""
    r = alt * 1e3
    return into(r, np.add, _R_M, r)


def _drag_acceleration(altitude_km: npt.ArrayLike, density_kg_per_m3: npt.ArrayLike, area_m2: npt.ArrayLike,
                       mass_kg: npt.ArrayLike, cd: npt.ArrayLike) -> np.ndarray:
    """:func:`drag_acceleration_m_per_s2` as an array (0-d for scalars): ``0.5 * k * mu / r``, computed in place on
    the array of :func:`_drag_terms` where it is one, with ``(0.5 * k) * mu`` as ``k * (mu / 2)`` where halving
    every ``k`` is exact (the same doubles: both round the same real number)."""
    r, k = _drag_terms(altitude_km, density_kg_per_m3, area_m2, mass_kg, cd)
    if holds(k, r):
        if k.min() >= _HALVING_EXACT:  # 0.5 * k exact (NaN fails): (0.5 * k) * mu is k * (mu / 2), one pass
            np.multiply(k, _HALF_MU, out=k)
        else:
            np.multiply(k, 0.5, out=k)
            np.multiply(k, EARTH_MU_M3_PER_S2, out=k)
        return np.divide(k, r, out=k)
    return np.asarray(0.5 * k * EARTH_MU_M3_PER_S2 / r)


def drag_acceleration_m_per_s2(altitude_km: npt.ArrayLike, density_kg_per_m3: npt.ArrayLike, area_m2: npt.ArrayLike,
                               mass_kg: npt.ArrayLike, cd: npt.ArrayLike) -> np.ndarray:
    r"""Drag deceleration on a circular orbit.

    Parameters
    ----------
    altitude_km : array_like
        Altitude [km], in [150, 50000].
    density_kg_per_m3 : array_like
        Atmospheric mass density [kg m-3], in [0, 10] (e.g. :func:`terawatt.physics.atmosphere.density_kg_per_m3`).
    area_m2 : array_like
        Drag cross-section [m2], >= 0 (e.g. :func:`cross_section_m2`).
    mass_kg : array_like
        Satellite mass [kg], > 0.
    cd : array_like
        Drag coefficient [-], > 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`a_D = \tfrac12\rho v^2 C_D A/m` [m s-2], :math:`v^2 = \mu/r` (Vallado 2013, ch. 8).
    """
    return _out(_drag_acceleration(altitude_km, density_kg_per_m3, area_m2, mass_kg, cd))


def drag_dv_m_per_s_per_yr(altitude_km: npt.ArrayLike, density_kg_per_m3: npt.ArrayLike, area_m2: npt.ArrayLike,
                           mass_kg: npt.ArrayLike, cd: npt.ArrayLike) -> np.ndarray:
    r"""Velocity increment per year that holds a circular orbit against drag.

    Parameters
    ----------
    altitude_km, density_kg_per_m3, area_m2, mass_kg, cd
        As for :func:`drag_acceleration_m_per_s2`.

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`\Delta v = \tfrac12\rho v^2 C_D A/m \times 3.1536\times10^7\,\mathrm{s}` [m/s per 365-day year].

    Notes
    -----
    Thrust along the velocity in small, frequent increments replaces exactly the momentum drag removes; the
    orbit stays circular (Wertz & Larson 1999, ch. 6, "Delta V to maintain altitude"). Use the dry mass for
    a conservative (higher) value: drag deceleration falls as propellant is loaded.

    References
    ----------
    .. [1] Wertz, J. R. and Larson, W. J. (eds.), *Space Mission Analysis and Design*, 3rd ed., 1999, ch. 6.
    """
    acceleration = _drag_acceleration(altitude_km, density_kg_per_m3, area_m2, mass_kg, cd)
    if holds(acceleration):
        return np.multiply(acceleration, SECONDS_PER_YEAR, out=acceleration)
    return _out(acceleration * SECONDS_PER_YEAR)


def decay_rate_km_per_day(altitude_km: npt.ArrayLike, density_kg_per_m3: npt.ArrayLike, area_m2: npt.ArrayLike,
                          mass_kg: npt.ArrayLike, cd: npt.ArrayLike) -> np.ndarray:
    r"""Altitude lost per day by an uncontrolled satellite on a near-circular orbit.

    Parameters
    ----------
    altitude_km, density_kg_per_m3, area_m2, mass_kg, cd
        As for :func:`drag_acceleration_m_per_s2`.

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`-\dot a = \sqrt{\mu a}\,\rho\,C_D A/m` [km/day], positive.

    Notes
    -----
    From the energy equation :math:`\dot E = -D v` with :math:`E = -\mu/(2a)`:
    :math:`\dot a = 2a^2 \dot E/\mu = -\sqrt{\mu a}\,\rho C_D A/m` (Vallado 2013, ch. 9; King-Hele 1987).
    Equivalently :math:`|\dot a| = (2a/v)\,a_D`: 1 m/s of drag per year costs :math:`2a/v` ~ 1.8 km of altitude.

    References
    ----------
    .. [1] Vallado, D. A., *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013, ch. 9.
    .. [2] King-Hele, D., *Satellite Orbits in an Atmosphere: Theory and Applications*, Blackie, 1987.
    """
    r, k = _drag_terms(altitude_km, density_kg_per_m3, area_m2, mass_kg, cd)
    return _out(np.sqrt(EARTH_MU_M3_PER_S2 * r) * k * 86400.0 / 1e3)


# ------------------------------------------------------------------------------------------ natural decay
def _decay_integral(h: np.ndarray, codes: np.ndarray) -> np.ndarray:
    r"""G(h) = \int_{h_0}^{h} dh / (\sqrt{\mu r}\,\rho(h)) [s m2 / kg] on the table's log-linear density."""
    table = _atm.density_table()
    nodes, ln_rho = table["altitude_km"], table["ln_density"]
    cum = _cumulative_decay_integral()
    i = _atm._interval_index(h)
    if np.ndim(codes) == 0 and np.ndim(i):  # one activity: its columns and interval slopes, each gathered once
        # The expression below with its per-interval factors gathered instead of computed per sample: e^ln_rho
        # at the lower node and -slope (exp and negation are exact functions of the node's value), and
        # -x / slope written x / -slope (the same magnitude and sign in IEEE arithmetic).
        _, _, cum_column, rho_lower, neg_slopes = _decay_columns(int(codes))
        lower = nodes.take(i)
        dz = h - lower
        dz *= 1e3
        neg_slope = neg_slopes.take(i)
        r_mid = h + lower
        r_mid *= 0.5
        r_mid *= 1e3
        r_mid += _R_M
        r_mid *= EARTH_MU_M3_PER_S2
        np.sqrt(r_mid, out=r_mid)
        r_mid *= rho_lower.take(i)  # rho_i sqrt(mu r)
        dz *= neg_slope
        part = np.expm1(dz, out=dz)
        part /= neg_slope
        part /= r_mid
        part += cum_column.take(i)  # cum_i + part (addition commutes)
        return part
    lower = nodes[i]
    dz = (h - lower) * 1e3
    slope = (ln_rho[i + 1, codes] - ln_rho[i, codes]) / ((nodes[i + 1] - nodes[i]) * 1e3)  # -1/H [1/m]
    ln_lower = ln_rho[i, codes]
    cum_i = cum[i, codes]
    r_mid = _R_M + 0.5 * (h + lower) * 1e3
    # \int_0^{dz} e^{-slope z} dz / (rho_i sqrt(mu r)) with the slowly varying sqrt(mu r) at the midpoint
    part = -np.expm1(-slope * dz) / slope / (np.exp(ln_lower) * np.sqrt(EARTH_MU_M3_PER_S2 * r_mid))
    return cum_i + part


@functools.lru_cache(maxsize=8)
def _decay_columns(code: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One activity's ln-density at the nodes, the slope of each interval (the arithmetic of
    :func:`_decay_integral`, per interval instead of per sample), the cumulative integral, the density at the
    nodes and the negated slopes, contiguous."""
    table = _atm.density_table()
    nodes, ln_rho = table["altitude_km"], table["ln_density"]
    column = np.ascontiguousarray(ln_rho[:, code])
    slopes = (column[1:] - column[:-1]) / ((nodes[1:] - nodes[:-1]) * 1e3)
    out = (column, slopes, np.ascontiguousarray(_cumulative_decay_integral()[:, code]), np.exp(column), -slopes)
    for a in out:
        a.setflags(write=False)
    return out


@functools.lru_cache(maxsize=1)
def _cumulative_decay_integral() -> np.ndarray:
    """G at the table nodes, (n_alt, n_activity), from the lowest node (computed once)."""
    table = _atm.density_table()
    nodes, ln_rho = table["altitude_km"], table["ln_density"]
    dz = np.diff(nodes)[:, None] * 1e3
    slope = np.diff(ln_rho, axis=0) / dz
    r_mid = _R_M + 0.5 * (nodes[1:] + nodes[:-1])[:, None] * 1e3
    seg = -np.expm1(-slope * dz) / slope / (np.exp(ln_rho[:-1]) * np.sqrt(EARTH_MU_M3_PER_S2 * r_mid))
    cum = np.vstack([np.zeros((1, ln_rho.shape[1])), np.cumsum(seg, axis=0)])
    cum.setflags(write=False)
    return cum


def natural_decay_yr(altitude_km: npt.ArrayLike, area_m2: npt.ArrayLike, mass_kg: npt.ArrayLike,
                     cd: npt.ArrayLike, activity: _atm.Activity | npt.ArrayLike = "cycle", *,
                     end_altitude_km: npt.ArrayLike = DECAY_END_ALTITUDE_KM) -> np.ndarray:
    r"""Uncontrolled orbital lifetime of a satellite on a circular orbit (drag only).

    Parameters
    ----------
    altitude_km : array_like
        Initial altitude [km], in [150, 2500] (the density table's top).
    area_m2 : array_like
        Drag cross-section [m2], > 0 (the attitude it keeps, or ``tumbling`` for a dead satellite).
    mass_kg : array_like
        Satellite mass [kg], > 0.
    cd : array_like
        Drag coefficient [-], > 0.
    activity : {"low", "mean", "high", "cycle"} or array_like of these, default "cycle"
        Solar activity held over the whole decay (see :mod:`terawatt.physics.atmosphere`).
    end_altitude_km : array_like, default 150
        Altitude where the decay is counted as ended [km], in [100, altitude_km]; from 150 km re-entry follows
        within about a day.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Time to decay from ``altitude_km`` to ``end_altitude_km`` [yr of 365 d].

    Notes
    -----
    .. math:: t = \frac{m}{C_D A}\int_{h_{end}}^{h_0}\frac{dh}{\sqrt{\mu (R_\oplus + h)}\,\rho(h)}

    integrating :math:`\dot a = -\sqrt{\mu a}\rho C_D A/m` (:func:`decay_rate_km_per_day`) downward
    (Vallado 2013, ch. 9; King-Hele 1987). The integral is exact for the table's log-linear density
    (an exponential atmosphere in each 5-25 km interval, :math:`\int e^{z/H}dz = H(e^{z/H} - 1)`), with
    :math:`\sqrt{\mu r}` taken at the middle of each interval (error < 1e-4). It is tabulated at the nodes once, so
    a call costs one table lookup per sample. ``"cycle"`` uses the density averaged over a solar cycle, i.e. the
    decay rate averaged over the cycle's phases: the expected lifetime when it spans a cycle or more; a short
    lifetime depends on the phase at which it starts (bounded by ``"low"`` and ``"high"``).

    References
    ----------
    .. [1] Vallado, D. A., *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013, ch. 9.
    .. [2] King-Hele, D., *Satellite Orbits in an Atmosphere: Theory and Applications*, Blackie, 1987.
    """
    top = _atm.ALTITUDE_RANGE_KM[1]
    alt = _check(altitude_km, "altitude_km", ALTITUDE_RANGE_KM[0], top, "km", note=" (the range of the density table)")
    end = _check(end_altitude_km, "end_altitude_km", _atm.ALTITUDE_RANGE_KM[0], top, "km")
    if np.any(end > alt):
        raise ValueError("end_altitude_km must not exceed altitude_km")
    b = np.asarray(ballistic_coefficient_kg_per_m2(mass_kg, area_m2, cd))
    codes = _atm._activity_codes(activity)
    # Each integral on its own inputs' shape (a fixed end altitude or activity is looked up once, not per
    # sample); the difference broadcasts them, element for element the same arithmetic.
    g = _decay_integral(alt, codes) - _decay_integral(end, codes)
    return _out(np.asarray(g * b / SECONDS_PER_YEAR))


# ------------------------------------------------------------------------------------------------ deorbit
def deorbit_dv_m_per_s(altitude_km: npt.ArrayLike, perigee_km: npt.ArrayLike = DEFAULT_DEORBIT_PERIGEE_KM, *,
                       low_thrust: bool = False) -> np.ndarray:
    r"""Velocity increment to bring a satellite down from a circular orbit at end of life.

    Parameters
    ----------
    altitude_km : array_like
        Altitude of the circular orbit [km], in [150, 50000].
    perigee_km : array_like, default 50
        Impulsive: target perigee altitude [km], in [-6378, altitude_km] (re-entry within one revolution below
        ~80 km). Low-thrust: final circular altitude of the spiral [km], in [0, altitude_km].
    low_thrust : bool, default False
        ``False``: one retrograde burn at the initial altitude (chemical propulsion). ``True``: a slow spiral
        between circular orbits (electric propulsion).

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`\Delta v` [m/s].

    Notes
    -----
    Impulsive: the burn turns the circle of radius :math:`r_1` into an ellipse with apogee :math:`r_1` and
    perigee :math:`r_p`, the first half of a Hohmann transfer (Vallado 2013, ch. 6):

    .. math:: \Delta v = \sqrt{\mu/r_1}\left(1 - \sqrt{2 r_p/(r_1 + r_p)}\right)

    (143 m/s from 550 km, 169 m/s from 650 km to a 50 km perigee). The default perigee of 50 km is a controlled
    re-entry: below ~80 km the satellite enters within one revolution at a predictable place (McDowell's
    disposal classes), and a steep entry (about -1.5 deg flight-path angle) confines the surviving debris to an
    uninhabited ocean area (ESA Clean Space 2018), as large satellites need. A semi-controlled (accelerated
    uncontrolled) disposal lowers perigee only to ~200-300 km.

    Low thrust: a tangential-thrust spiral between circular orbits costs the difference of circular speeds,
    :math:`\Delta v = \sqrt{\mu/r_2} - \sqrt{\mu/r_1}` (Edelbaum 1961, coplanar case): about twice the
    impulsive cost to the same radius. An electric satellite spirals to a low circular orbit (~250 km) and drag
    completes an uncontrolled re-entry in weeks.

    References
    ----------
    .. [1] Vallado, D. A., *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013, ch. 6.
    .. [2] Edelbaum, T. N., Propulsion requirements for controllable satellites, *ARS Journal* 31, 1079, 1961.
    .. [3] McDowell, J., Space object re-entries: disposal types, Jonathan's Space Pages (planet4589.org).
    .. [4] ESA Clean Space blog, Basics about controlled and semi-controlled reentry, 16 November 2018.
    """
    alt = _check_altitude(altitude_km)
    lo = 0.0 if low_thrust else -_R_M / 1e3
    per = _check(perigee_km, "perigee_km", lo, ALTITUDE_RANGE_KM[1], "km")
    if is_sampled(alt) and alt.size and np.ndim(per) == 0:  # one target, sample altitudes: the lowest decides
        if per > extremes(alt)[0]:  # (the minimum shared with the stage's other checks of the array)
            raise ValueError("perigee_km must not exceed altitude_km")
    elif np.any(per > alt):
        raise ValueError("perigee_km must not exceed altitude_km")
    r1, rp = _orbit_radius_m(alt), _R_M + per * 1e3
    if type(r1) is np.ndarray and r1.ndim and np.ndim(rp) == 0:
        # A sample array and one target: each step below in the buffer of r1 or v1, the same operations
        v1 = np.divide(EARTH_MU_M3_PER_S2, r1)
        np.sqrt(v1, out=v1)
        if low_thrust:
            return np.subtract(np.sqrt(EARTH_MU_M3_PER_S2 / rp), v1, out=v1)
        np.add(r1, rp, out=r1)
        np.divide(2.0 * rp, r1, out=r1)
        np.sqrt(r1, out=r1)
        np.subtract(1.0, r1, out=r1)
        return np.multiply(v1, r1, out=v1)
    v1 = np.sqrt(EARTH_MU_M3_PER_S2 / r1)
    if low_thrust:
        return _out(np.sqrt(EARTH_MU_M3_PER_S2 / rp) - v1)
    return _out(v1 * (1.0 - np.sqrt(2.0 * rp / (r1 + rp))))


# ---------------------------------------------------------------------------------------------- propellant
def propellant_mass_kg(dry_mass_kg: npt.ArrayLike, dv_m_per_s: npt.ArrayLike, isp_s: npt.ArrayLike) -> np.ndarray:
    r"""Propellant for a velocity increment, from the rocket equation.

    Parameters
    ----------
    dry_mass_kg : array_like
        Mass after the burns (satellite without this propellant) [kg], >= 0.
    dv_m_per_s : array_like
        Total velocity increment [m/s], in [0, 20000].
    isp_s : array_like
        Specific impulse [s], > 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`m_p = m_{dry}\,\left(e^{\Delta v/(g_0 I_{sp})} - 1\right)` [kg], :math:`g_0` = 9.80665 m/s2
        (Tsiolkovsky; Wertz & Larson 1999, ch. 17).

    Notes
    -----
    Burns in sequence need the propellant of their summed :math:`\Delta v` (the mass ratios multiply), so a
    lifetime budget is one call with drag make-up x lifetime + deorbit (+ collision avoidance).

    References
    ----------
    .. [1] Wertz, J. R. and Larson, W. J. (eds.), *Space Mission Analysis and Design*, 3rd ed., 1999, ch. 17.
    """
    m = _nonnegative(dry_mass_kg, "dry_mass_kg", "kg")
    dv = _check(dv_m_per_s, "dv_m_per_s", 0.0, 20000.0, "m/s")
    isp = _positive(isp_s, "isp_s", "s")
    x = dv / (STANDARD_GRAVITY_M_PER_S2 * isp)
    if holds(x, m):  # x is this call's own array: the mass ratio minus one, then the propellant, in place
        np.expm1(x, out=x)
        return np.multiply(m, x, out=x)
    return _out(np.asarray(m * np.expm1(x)))


def propulsion_hardware_mass_kg(propellant_mass_kg: npt.ArrayLike, tank_fraction: npt.ArrayLike) -> np.ndarray:
    r"""Dry propulsion hardware (tanks, feed system) that scales with the propellant carried.

    Parameters
    ----------
    propellant_mass_kg : array_like
        Propellant mass [kg], >= 0.
    tank_fraction : array_like
        Hardware mass per kg of propellant [-], in [0, 2].

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`m_{hw} = f\,m_p` [kg]. Thrusters and power processing scale with thrust and power instead; they
        belong in the bus.
    """
    mp = _nonnegative(propellant_mass_kg, "propellant_mass_kg", "kg")
    f = _check(tank_fraction, "tank_fraction", 0.0, 2.0, "-")
    return _out(np.asarray(mp * f))


def electric_thrust_n(power_w: npt.ArrayLike, isp_s: npt.ArrayLike, efficiency: npt.ArrayLike) -> np.ndarray:
    r"""Thrust of an electric thruster at its input power [N].

    Parameters
    ----------
    power_w : array_like
        Electric input power [W], >= 0.
    isp_s : array_like
        Specific impulse [s], > 0.
    efficiency : array_like
        Total efficiency, jet power / input power [-], in (0, 1].

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`T = 2\eta P / (g_0 I_{sp})` [N] (jet power :math:`T v_e / 2` with :math:`v_e = g_0 I_{sp}`).

    Notes
    -----
    Starlink V2 mini's argon Hall thruster: 4.2 kW at 2,500 s and 0.5 gives 0.17 N, its published thrust.

    References
    ----------
    .. [1] Goebel, D. M., Katz, I., *Fundamentals of Electric Propulsion: Ion and Hall Thrusters*, JPL Space
       Science and Technology Series, Wiley, 2008, ch. 2 (eq. 2.3-13).
    """
    p = _nonnegative(power_w, "power_w", "W")
    isp = _positive(isp_s, "isp_s", "s")
    eta = _positive(efficiency, "efficiency", "-", hi=1.0)
    return _out(2.0 * eta * p / (STANDARD_GRAVITY_M_PER_S2 * isp))


def burn_duration_s(dv_m_per_s: npt.ArrayLike, mass_kg: npt.ArrayLike, thrust_n: npt.ArrayLike) -> np.ndarray:
    r"""Time a thruster fires to give a satellite a small velocity change [s].

    Parameters
    ----------
    dv_m_per_s : array_like
        Velocity change [m/s], >= 0 (small against the exhaust speed: the mass change is neglected).
    mass_kg : array_like
        Satellite mass [kg], > 0.
    thrust_n : array_like
        Thrust [N], >= 0 (0: never ends, inf).

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`t = \Delta v\,m / T` [s]; 0.05 m/s for an 800 kg satellite on 0.17 N takes 235 s.
    """
    dv = _nonnegative(dv_m_per_s, "dv_m_per_s", "m/s")
    m = _positive(mass_kg, "mass_kg", "kg")
    t = _nonnegative(thrust_n, "thrust_n", "N")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _out(np.where(dv > 0, dv * m / t, 0.0))
