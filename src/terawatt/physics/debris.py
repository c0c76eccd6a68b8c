r"""Debris and traffic: object flux by altitude, collision-avoidance manoeuvres, collision probability, their cost.

All functions are pure and vectorised: inputs broadcast against each other, scalars give NumPy scalars and arrays
give arrays. Altitudes outside the flux table raise a ``ValueError`` that names the argument, its unit and the
table's range; nothing is extrapolated.

Model
-----
*Flux.* The flux of debris and intact objects through a randomly tumbling satellite's cross-section,
:math:`F(h, d)` [objects m-2 yr-1] for objects of diameter :math:`d` and larger, comes from a small table shipped
in this module (:data:`FLUX_TABLE`): CNES's published annual collision probabilities of three reference LEO
satellites (400 km / 500 m2, 800 km / 20 m2, 1,500 km / 16 m2) for objects larger than 1 cm and 10 cm, converted
back to flux with the kinetic-gas law :math:`F = -\ln(1 - P)/S`. Between the tabulated altitudes the flux is
interpolated linearly in :math:`\ln F`; between 1 and 10 cm as a power law in size. The table has the shape of the
LEO environment: it peaks near 800 km (the 2007 Fengyun-1C and 2009 Iridium-Cosmos debris, old rocket bodies,
sun-synchronous traffic) and falls off towards 400 km (drag clears debris) and 1,500 km.

*Manoeuvres.* The rate of collision-avoidance manoeuvres is taken proportional to the flux of trackable
(>= 10 cm) objects through the satellite's cross-section, :math:`M = k\,F(h, 10\,\mathrm{cm})\,A`, the
statistical manoeuvre-frequency method of Klinkrad (2007) and Krag et al. (2012), with the constant :math:`k`
(manoeuvres per expected collision without avoidance) calibrated so that the Starlink fleet reproduces its
published manoeuvre count: ~300,000 manoeuvres in 2025 (SpaceX semi-annual reports to the FCC: ~144,000 from
1 Dec 2024 to 31 May 2025 and 148,696 from 1 Jun to 30 Nov 2025) by ~8,500 satellites on average (well over 8,000
in July 2025, ~9,400 at the end of 2025) at ~550 km with a ~40 m2 mean cross-section. With the defaults,
:math:`1/k` = 3.8e-6: each manoeuvre removes on average a collision probability of a few 1e-6, between SpaceX's
manoeuvre threshold (3e-7) and the 1e-4 industry standard, as it should if most manoeuvres are taken close to the
threshold.

*Limits.* The calibration folds today's Starlink shell (its density of foreign objects, its screening threshold,
covariance quality) into :math:`k`; applying it at another altitude assumes the same operator practice and that
the trackable environment at that altitude scales like the CNES flux. The CNES figures are model values (ESA
MASTER class) of the 2010s; the absolute flux sets the collision probability directly, while the manoeuvre rate
only uses its altitude profile.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from terawatt._arrays import interp, where_all
from terawatt._buffers import holds
from terawatt.constants import HOURS_PER_YEAR
from terawatt.physics._checks import check_range, extremes, output

__all__ = [
    "FLUX_TABLE", "FLUX_ALTITUDE_RANGE_KM", "FLUX_SIZE_RANGE_CM", "REFERENCE_ALTITUDE_KM", "REFERENCE_AREA_M2",
    "REFERENCE_MANOEUVRES_PER_YR", "REFERENCE_SATELLITES", "avoidance_dv_m_per_s_per_yr",
    "avoidance_outage_fraction", "collision_probability_per_yr", "fleet_collision_probability_per_yr",
    "formation_manoeuvre_factor", "manoeuvre_trigger_area_m2", "manoeuvres_per_expected_collision",
    "manoeuvres_per_satellite_yr", "mean_cross_section_m2", "object_flux_per_m2_yr", "object_fluxes_per_m2_yr",
    "stall_availability",
]

#: CNES reference table, "Annual probability of collision according to the size of the projectile" (CNES Space
#: Debris, *Risks*, Table 2, https://debris-spatiaux.cnes.fr/en/risks): columns altitude [km], satellite surface
#: [m2], annual collision probability with objects > 1 cm [-] and > 10 cm [-]. Rows: the space station (400 km,
#: 500 m2), Spot (800 km, 20 m2), a constellation satellite (1,500 km, 16 m2). The GEO row (36,000 km) is left out:
#: interpolating between 1,500 km and GEO would be meaningless.
FLUX_TABLE = np.array([
    # altitude_km, surface_m2, p_gt_1cm, p_gt_10cm
    [400.0, 500.0, 2.21e-2, 7.17e-4],
    [800.0, 20.0, 5.53e-3, 2.76e-4],
    [1500.0, 16.0, 1.70e-3, 7.76e-5],
])
#: Altitudes covered by :data:`FLUX_TABLE` [km]; outside them the functions raise ``ValueError``.
FLUX_ALTITUDE_RANGE_KM = (float(FLUX_TABLE[0, 0]), float(FLUX_TABLE[-1, 0]))
#: Object sizes covered by :data:`FLUX_TABLE` [cm].
FLUX_SIZE_RANGE_CM = (1.0, 10.0)

_ALT_KM = FLUX_TABLE[:, 0]
_LN_FLUX_1CM = np.log(-np.log1p(-FLUX_TABLE[:, 2]) / FLUX_TABLE[:, 1])
_LN_FLUX_10CM = np.log(-np.log1p(-FLUX_TABLE[:, 3]) / FLUX_TABLE[:, 1])

#: Starlink calibration defaults (the same values as the registry, ``params/debris.yaml``; a test keeps them equal).
#: Manoeuvres per year of the reference fleet [1/yr]: ~300,000 in 2025 (SpaceX semi-annual constellation status
#: reports to the FCC, 1 Jul 2025 and 31 Dec 2025: ~144,000 + 148,696 for Dec 2024 - Nov 2025).
REFERENCE_MANOEUVRES_PER_YR = 300_000.0
#: Mean number of satellites of the reference fleet over that year [-].
REFERENCE_SATELLITES = 8_500.0
#: Altitude of the reference fleet [km] (Starlink shells 530-570 km).
REFERENCE_ALTITUDE_KM = 550.0
#: Mean cross-section of a reference-fleet satellite [m2] (V1.5 ~18 m2, V2 mini ~58 m2, ~60 % V2 mini in 2025).
REFERENCE_AREA_M2 = 40.0


# --------------------------------------------------------------------------------------------- validation
_out = output
_check = check_range


def _check_altitude(altitude_km: npt.ArrayLike) -> np.ndarray:
    return check_range(altitude_km, "altitude_km", *FLUX_ALTITUDE_RANGE_KM, "km",
                       note=" (the range of the debris flux table)")


# ------------------------------------------------------------------------------------------------- flux
def object_flux_per_m2_yr(altitude_km: npt.ArrayLike, min_size_cm: npt.ArrayLike = 10.0) -> np.ndarray:
    r"""Flux of orbital debris and intact objects of a given size and larger through a cross-section.

    Parameters
    ----------
    altitude_km : array_like
        Altitude of the circular orbit [km], in [400, 1500] (the table's range; no extrapolation).
    min_size_cm : array_like
        Smallest object diameter counted [cm], in [1, 10]. 10 cm is about the size the space-surveillance
        catalogue tracks (objects that can be avoided); 1 cm is about the smallest object that can destroy a
        satellite and cannot be shielded against.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Flux [objects m-2 yr-1] through a randomly oriented surface (mean cross-section).

    Notes
    -----
    From each tabulated annual probability :math:`P` of a satellite of surface :math:`S` (kinetic-gas model,
    :math:`P = 1 - e^{-F S t}`, :math:`t` = 1 yr):

    .. math:: F = -\ln(1 - P) / S,

    interpolated linearly in :math:`\ln F` between the tabulated altitudes (400, 800, 1500 km) and as a power
    law between 1 and 10 cm, :math:`F(d) = F_1 (F_{10}/F_1)^{\log_{10} d}`. Values: >= 10 cm, 1.43e-6 at
    400 km, 1.38e-5 at 800 km, 4.85e-6 at 1,500 km; >= 1 cm, 4.47e-5, 2.77e-4, 1.06e-4 m-2 yr-1.

    References
    ----------
    .. [1] CNES, Space Debris, *Risks*, Table 2 "Annual probability of collision according to the size of the
       projectile", https://debris-spatiaux.cnes.fr/en/risks
    .. [2] Klinkrad, H., *Space Debris: Models and Risk Analysis*, Springer-Praxis, 2006, ch. 5 (collision flux
       and the kinetic-gas collision probability).
    .. [3] ESA Space Debris Office, *ESA's Annual Space Environment Report*, GEN-DB-LOG-00288-OPS-SD, issue 9.0,
       2025 (the altitude structure of the LEO population).
    """
    return object_fluxes_per_m2_yr(altitude_km, min_size_cm)[0]


def object_fluxes_per_m2_yr(altitude_km: npt.ArrayLike, *min_sizes_cm: npt.ArrayLike) -> tuple[np.ndarray, ...]:
    """:func:`object_flux_per_m2_yr` of the same altitudes for each of several smallest sizes, from one
    interpolation of the table (the same values bitwise as one call per size).

    Parameters
    ----------
    altitude_km : array_like
        Altitude of the circular orbit [km], in [400, 1500].
    *min_sizes_cm : array_like
        Smallest object diameters counted [cm], each in [1, 10].

    Returns
    -------
    tuple of numpy.ndarray or numpy.float64
        The flux [objects m-2 yr-1] for each size, in order; a size given twice (one number) shares its array.
    """
    alt = _check_altitude(altitude_km)
    sizes = [_check(size, "min_size_cm", *FLUX_SIZE_RANGE_CM, "cm") for size in min_sizes_cm]
    ln1, ln10 = interp(alt, *_table_around(alt))  # np.interp of each, one interval search
    done: dict[float, np.ndarray] = {}
    out = []
    for i, size in enumerate(sizes):
        key = float(size) if np.ndim(size) == 0 else None
        flux = done.get(key) if key is not None else None
        if flux is None:
            # the last size may take the 10 cm log-flux's buffer (this call's own: no one reads it after)
            flux = _log_interpolated_flux(ln1, ln10, size, own=i == len(sizes) - 1)
            if key is not None:
                done[key] = flux
        out.append(flux)
    return tuple(out)


def _table_around(alt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The flux table's nodes and log-fluxes, or, for a sample array whose every altitude lies in one interval
    between two nodes (its extremes: an input's found once, :func:`terawatt.physics._checks.extremes`), just
    those two nodes: :func:`terawatt._arrays.interp` gives the same values from them (``np.interp``'s slope of
    that interval, times the offset from its first node, plus its first value) without counting the interval of
    every sample."""
    if type(alt) is np.ndarray and alt.ndim and alt.size:
        low, high = extremes(alt)
        k = int(np.searchsorted(_ALT_KM, low, side="right")) - 1  # the interval [x_k, x_k+1) holding the least
        if 0 <= k < _ALT_KM.size - 1 and high < _ALT_KM[k + 1]:  # (NaN fails)
            return _ALT_KM[k:k + 2], _LN_FLUX_1CM[k:k + 2], _LN_FLUX_10CM[k:k + 2]
    return _ALT_KM, _LN_FLUX_1CM, _LN_FLUX_10CM


def _log_interpolated_flux(ln1: np.ndarray, ln10: np.ndarray, size: np.ndarray, own: bool = False) -> np.ndarray:
    """``exp(ln1 + (ln10 - ln1) * log10(size))``: log-linear between the 1 and 10 cm fluxes; for sample arrays and
    one size in place on one buffer, without the product where ``log10(size)`` is 1 (x * 1 is x). ``own``:
    ``ln10`` is the caller's and may be that buffer."""
    scale = np.log10(size)
    if type(ln1) is not np.ndarray or np.ndim(scale) or ln1.shape != ln10.shape:
        return _out(np.exp(ln1 + (ln10 - ln1) * scale))
    out = np.subtract(ln10, ln1, out=ln10) if own and holds(ln10) else ln10 - ln1
    if scale != 1.0:
        out *= scale
    out += ln1  # ln1 + (...)
    return np.exp(out, out=out)


def mean_cross_section_m2(plate_area_m2: npt.ArrayLike) -> np.ndarray:
    r"""Mean (orientation-averaged) cross-section of thin flat plates, e.g. solar arrays and radiators.

    Parameters
    ----------
    plate_area_m2 : array_like
        One-sided area of the plates [m2], >= 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Mean projected area over random orientations [m2].

    Notes
    -----
    Cauchy's surface-area formula: the mean projected area of a convex body over all orientations is a quarter
    of its surface area; a thin plate of one-sided area :math:`S` has surface :math:`2S`, hence
    :math:`\bar A = S/2`. Shadowing between plates is neglected (an upper bound for a satellite of several
    plates), and so is the bus.

    References
    ----------
    .. [1] Cauchy, A.-L., *Mémoire sur la rectification des courbes et la quadrature des surfaces courbes*, 1832;
       see Santaló, L. A., *Integral Geometry and Geometric Probability*, 2nd ed., 2004, ch. 13.
    """
    area = _check(plate_area_m2, "plate_area_m2", 0.0, np.inf, "m2")
    return _out(0.5 * area)


# ------------------------------------------------------------------------------------------- manoeuvres
def manoeuvres_per_expected_collision(
    reference_manoeuvres_per_yr: npt.ArrayLike = REFERENCE_MANOEUVRES_PER_YR,
    reference_satellites: npt.ArrayLike = REFERENCE_SATELLITES,
    reference_altitude_km: npt.ArrayLike = REFERENCE_ALTITUDE_KM,
    reference_area_m2: npt.ArrayLike = REFERENCE_AREA_M2,
) -> np.ndarray:
    r"""Calibration constant: manoeuvres per collision expected without avoidance (>= 10 cm objects).

    Parameters
    ----------
    reference_manoeuvres_per_yr : array_like
        Manoeuvres of the reference fleet in a year [1/yr], > 0.
    reference_satellites : array_like
        Mean number of satellites of the reference fleet over that year [-], > 0.
    reference_altitude_km : array_like
        Altitude of the reference fleet [km], in [400, 1500].
    reference_area_m2 : array_like
        Mean cross-section of a reference satellite [m2], > 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`k` [-]; its inverse is the mean collision probability removed per manoeuvre.

    Notes
    -----
    .. math:: k = \frac{M_\mathrm{ref} / N_\mathrm{ref}}{F(h_\mathrm{ref}, 10\,\mathrm{cm})\,A_\mathrm{ref}}

    With the defaults (300,000 manoeuvres, 8,500 satellites, 550 km, 40 m2), :math:`k` = 2.6e5.

    References
    ----------
    .. [1] SpaceX, Semi-annual constellation status reports to the FCC (FCC 21-48, para. 97u), 1 Jul 2025 and
       31 Dec 2025.
    """
    m = _check(reference_manoeuvres_per_yr, "reference_manoeuvres_per_yr", 0.0, np.inf, "1/yr", lo_open=True)
    n = _check(reference_satellites, "reference_satellites", 0.0, np.inf, "satellites", lo_open=True)
    area = _check(reference_area_m2, "reference_area_m2", 0.0, np.inf, "m2", lo_open=True)
    flux = np.asarray(object_flux_per_m2_yr(reference_altitude_km, 10.0))
    if holds(flux, area):  # the flux is this call's own sample array: m / n / (flux area) in its buffer
        np.multiply(flux, area, out=flux)
        return np.divide(m / n, flux, out=flux)
    return _out(m / n / (flux * area))


def manoeuvres_per_satellite_yr(
    altitude_km: npt.ArrayLike,
    area_m2: npt.ArrayLike,
    reference_manoeuvres_per_yr: npt.ArrayLike = REFERENCE_MANOEUVRES_PER_YR,
    reference_satellites: npt.ArrayLike = REFERENCE_SATELLITES,
    reference_altitude_km: npt.ArrayLike = REFERENCE_ALTITUDE_KM,
    reference_area_m2: npt.ArrayLike = REFERENCE_AREA_M2,
    *,
    flux_per_m2_yr: npt.ArrayLike | None = None,
) -> np.ndarray:
    r"""Collision-avoidance manoeuvres per satellite per year, scaled from the Starlink fleet.

    Parameters
    ----------
    altitude_km : array_like
        Altitude of the circular orbit [km], in [400, 1500].
    area_m2 : array_like
        Mean cross-section of the satellite [m2], >= 0 (see :func:`mean_cross_section_m2`).
    reference_manoeuvres_per_yr : array_like
        Manoeuvres of the reference fleet in a year [1/yr]; default ~300,000 (Starlink, 2025).
    reference_satellites : array_like
        Mean number of satellites of the reference fleet over that year [-]; default 8,500.
    reference_altitude_km : array_like
        Altitude of the reference fleet [km]; default 550.
    reference_area_m2 : array_like
        Mean cross-section of a reference satellite [m2]; default 40.
    flux_per_m2_yr : array_like, optional
        :func:`object_flux_per_m2_yr` of ``altitude_km`` at 10 cm where the caller has it (from
        :func:`object_fluxes_per_m2_yr`): the table is then not read again and ``altitude_km`` not used.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Manoeuvres per satellite per year [1/yr]. For a fleet, multiply by the number of satellites.

    Notes
    -----
    Manoeuvres are proportional to the flux of trackable (>= 10 cm) objects through the cross-section, the
    statistical manoeuvre-frequency method of Klinkrad (2007), calibrated on the reference fleet:

    .. math:: M(h, A) = \frac{M_\mathrm{ref}}{N_\mathrm{ref}}
              \frac{F(h, 10\,\mathrm{cm})}{F(h_\mathrm{ref}, 10\,\mathrm{cm})} \frac{A}{A_\mathrm{ref}}
              = k\,F(h, 10\,\mathrm{cm})\,A.

    Linearity in :math:`A` holds while the hard-body radius is small against the position uncertainty (collision
    probability then grows with the hard-body area). Defaults give 35.3 manoeuvres per year for a 40 m2 satellite
    at 550 km, 62 at 650 km.

    References
    ----------
    .. [1] SpaceX, Semi-annual constellation status reports to the FCC, 1 Jul 2025 (Dec 2024 - May 2025: ~144,000
       manoeuvres) and 31 Dec 2025 (Jun - Nov 2025: 148,696); New Scientist, "SpaceX's Starlink dodged 300,000
       satellite collisions in 2025", Jan 2026 (~9,400 satellites).
    .. [2] Klinkrad, H., On-orbit risk reduction: collision avoidance, Proc. IMechE Part G 221(6), 955-962, 2007
       (observed manoeuvre rate against a MASTER collision-flux prediction for catalogue-size objects).
    .. [3] Krag, H., Flohrer, T., Lemmens, S., Consideration of space debris mitigation requirements in the
       operation of LEO missions, SpaceOps 2012 (warnings and manoeuvres as a function of altitude).
    """
    area = _check(area_m2, "area_m2", 0.0, np.inf, "m2")
    k = np.asarray(manoeuvres_per_expected_collision(reference_manoeuvres_per_yr, reference_satellites,
                                                     reference_altitude_km, reference_area_m2))
    flux = object_flux_per_m2_yr(altitude_km, 10.0) if flux_per_m2_yr is None else flux_per_m2_yr
    if holds(k, flux, area):  # k is this call's own sample array: k F A in its buffer
        np.multiply(k, flux, out=k)
        return np.multiply(k, area, out=k)
    return _out(k * np.asarray(flux) * area)


# ---------------------------------------------------------------------------------------- probability
def collision_probability_per_yr(
    altitude_km: npt.ArrayLike,
    area_m2: npt.ArrayLike,
    duration_yr: npt.ArrayLike = 1.0,
    min_size_cm: npt.ArrayLike = 10.0,
    avoided_fraction: npt.ArrayLike = 0.0,
    *,
    flux_per_m2_yr: npt.ArrayLike | None = None,
) -> np.ndarray:
    r"""Probability of at least one collision with an object of a given size or larger (kinetic-gas model).

    Parameters
    ----------
    altitude_km : array_like
        Altitude of the circular orbit [km], in [400, 1500].
    area_m2 : array_like
        Mean cross-section of the satellite [m2], >= 0.
    duration_yr : array_like
        Exposure time [yr], >= 0; 1 gives the annual probability.
    min_size_cm : array_like
        Smallest object diameter counted [cm], in [1, 10].
    avoided_fraction : array_like
        Fraction of the flux removed by avoidance manoeuvres [-], in [0, 1]; 0 = no avoidance (the
        conventional figure). Only trackable objects (~10 cm and larger) can be avoided.
    flux_per_m2_yr : array_like, optional
        :func:`object_flux_per_m2_yr` of ``altitude_km`` and ``min_size_cm`` where the caller has it: the table
        is then not read again and ``altitude_km`` not used.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Collision probability over ``duration_yr`` [-].

    Notes
    -----
    Poisson arrivals at the rate :math:`F A` (Kessler's kinetic-gas model):

    .. math:: P = 1 - \exp\left[-(1 - f_\mathrm{avoid})\,F(h, d)\,A\,t\right].

    References
    ----------
    .. [1] Kessler, D. J., Derivation of the collision probability between orbiting objects: the lifetimes of
       Jupiter's outer moons, Icarus 48, 39-48, 1981.
    .. [2] CNES, Space Debris, *Risks*, Table 2, https://debris-spatiaux.cnes.fr/en/risks
    """
    area = _check(area_m2, "area_m2", 0.0, np.inf, "m2")
    t = _check(duration_yr, "duration_yr", 0.0, np.inf, "yr")
    f = _check(avoided_fraction, "avoided_fraction", 0.0, 1.0, "-")
    flux = np.asarray(object_flux_per_m2_yr(altitude_km, min_size_cm) if flux_per_m2_yr is None else flux_per_m2_yr)
    return _out(-np.expm1(-(1.0 - f) * flux * area * t))


def fleet_collision_probability_per_yr(
    probability_per_satellite: npt.ArrayLike, satellites: npt.ArrayLike
) -> np.ndarray:
    r"""Probability that at least one satellite of a fleet collides, from the per-satellite probability.

    Parameters
    ----------
    probability_per_satellite : array_like
        Collision probability of one satellite over the period [-], in [0, 1].
    satellites : array_like
        Number of satellites [-], >= 0 (need not be whole: a mean fleet size).

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`1 - (1 - p)^N` [-], independent satellites. The expected number of collisions is
        :math:`-N \ln(1 - p)`.
    """
    p = _check(probability_per_satellite, "probability_per_satellite", 0.0, 1.0, "-")
    n = _check(satellites, "satellites", 0.0, np.inf, "satellites")
    return _out(-np.expm1(n * np.log1p(-p)))


# ------------------------------------------------------------------------------------------------ costs
def avoidance_dv_m_per_s_per_yr(manoeuvres: npt.ArrayLike, dv_per_manoeuvre: npt.ArrayLike) -> np.ndarray:
    r"""Delta-v spent on collision avoidance per satellite per year.

    Parameters
    ----------
    manoeuvres : array_like
        Manoeuvres per satellite per year [1/yr], >= 0.
    dv_per_manoeuvre : array_like
        Delta-v of one manoeuvre [m/s], >= 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Delta-v [m s-1 yr-1].

    Notes
    -----
    :math:`\Delta v_\mathrm{yr} = M\,\Delta v`. An along-track impulse :math:`\Delta v` shifts the position at
    closest approach by :math:`\Delta s \approx 3\,\Delta v\,t` after a lead time :math:`t` (secular term of the
    Clohessy-Wiltshire equations): 1 km after one 95-min orbit needs ~0.06 m/s, after half a day ~0.008 m/s.

    References
    ----------
    .. [1] Vallado, D. A., *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013, sec. 6.8
       (Clohessy-Wiltshire equations).
    """
    m = _check(manoeuvres, "manoeuvres", 0.0, np.inf, "1/yr")
    dv = _check(dv_per_manoeuvre, "dv_per_manoeuvre", 0.0, np.inf, "m/s")
    return _out(m * dv)


def avoidance_outage_fraction(manoeuvres: npt.ArrayLike, outage_h_per_manoeuvre: npt.ArrayLike) -> np.ndarray:
    r"""Fraction of the year a satellite's service is interrupted by collision-avoidance manoeuvres.

    Parameters
    ----------
    manoeuvres : array_like
        Manoeuvres per satellite per year [1/yr], >= 0.
    outage_h_per_manoeuvre : array_like
        Service interruption per manoeuvre [h], >= 0 (slew, burn, re-acquisition of the optical links).

    Returns
    -------
    numpy.ndarray or numpy.float64
        Outage fraction [-], capped at 1.

    Notes
    -----
    :math:`f = \min(1, M\,t_\mathrm{out} / 8760\,\mathrm{h})`. The burn of an electric thruster lasts
    :math:`\Delta v\,m/T`: 0.05 m/s for an 800 kg satellite on a 170 mN Hall thruster takes ~4 min.
    """
    m = _check(manoeuvres, "manoeuvres", 0.0, np.inf, "1/yr")
    t = _check(outage_h_per_manoeuvre, "outage_h_per_manoeuvre", 0.0, np.inf, "h")
    hours = m * t
    if holds(hours):  # this call's own array: the fraction, and its cap where one reaches it, in place
        np.divide(hours, HOURS_PER_YEAR, out=hours)
        # where no sample reaches the cap, np.minimum would return every value as it is (a NaN fails the test)
        return hours if hours.max() <= 1.0 else np.minimum(1.0, hours, out=hours)
    return _out(np.minimum(1.0, hours / HOURS_PER_YEAR))


# ----------------------------------------------------------------------------------- formations and jobs
def manoeuvre_trigger_area_m2(manoeuvres: npt.ArrayLike, altitude_km: npt.ArrayLike, *,
                              flux_per_m2_yr: npt.ArrayLike | None = None) -> np.ndarray:
    r"""Area of the encounter plane around a satellite inside which a passing trackable object triggers a manoeuvre.

    Parameters
    ----------
    manoeuvres : array_like
        Manoeuvres per satellite per year [1/yr], >= 0 (:func:`manoeuvres_per_satellite_yr`).
    altitude_km : array_like
        Altitude [km], in [400, 1500].
    flux_per_m2_yr : array_like, optional
        :func:`object_flux_per_m2_yr` of ``altitude_km`` at 10 cm where the caller has it: the table is then
        not read again and ``altitude_km`` not used.

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`A_t = M / F(h, 10\,\mathrm{cm}) = k\,A` [m2]: the flux of trackable objects through it is the
        manoeuvre rate. With the defaults 1.4e8 m2 (a disc of 6.7 km radius) for the default compute
        satellite (832 manoeuvres a year at 650 km), 1.05e7 m2 (1.8 km) for a 40 m2 Starlink at 550 km: the
        screening threshold reaches far beyond the hard body (position uncertainty of ~km, Pc thresholds of
        1e-5 to 1e-4).
    """
    m = _check(manoeuvres, "manoeuvres", 0.0, np.inf, "1/yr")
    flux = object_flux_per_m2_yr(altitude_km, 10.0) if flux_per_m2_yr is None else flux_per_m2_yr
    return _out(m / np.asarray(flux))


def formation_manoeuvre_factor(trigger_area_m2: npt.ArrayLike, cluster_radius_m: npt.ArrayLike,
                               cluster_satellites: npt.ArrayLike) -> np.ndarray:
    r"""Manoeuvres of a formation flown as one body, per manoeuvre of one of its satellites [-].

    Parameters
    ----------
    trigger_area_m2 : array_like
        Trigger area of one member [m2], >= 0 (:func:`manoeuvre_trigger_area_m2`).
    cluster_radius_m : array_like
        Radius of the formation [m], >= 0 (``links.cluster_radius_m``).
    cluster_satellites : array_like
        Satellites in the formation [-], >= 1.

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`\min\left(N, (1 + R/r_t)^2\right)` with :math:`r_t = \sqrt{A_t/\pi}`; 1 for a single satellite
        or a zero trigger area.

    Notes
    -----
    The formation manoeuvres whenever an object passes through the trigger disc of any member: the union of the
    members' conjunctions. The members' discs (radius :math:`r_t`) are centred within the formation's radius
    :math:`R`, so their union lies inside the disc of radius :math:`r_t + R` (the Minkowski sum; the formation's
    projection on the encounter plane is at most :math:`R` wide) and the rate is at most
    :math:`(1 + R/r_t)^2` times one member's; it is also at most :math:`N` times (disjoint discs, the Poisson
    superposition of :math:`N` independent streams). Both bounds are upper bounds of the union: the formation's
    rate is taken at the smaller. With the defaults (:math:`r_t` = 6.7 km, :math:`R` = 1 km, 81 satellites)
    the factor is 1.32: the members' conjunctions overlap almost entirely, one object threatening many members.
    """
    area = np.asarray(trigger_area_m2, dtype=float)
    # every area valid and > 0 (NaN fails) in one reduction: the check passes and no sample is masked
    positive = area.ndim > 0 and area.size > 0 and bool(area.min() > 0)
    if not positive:
        area = _check(area, "trigger_area_m2", 0.0, np.inf, "m2")
    radius = _check(cluster_radius_m, "cluster_radius_m", 0.0, np.inf, "m")
    n = _check(cluster_satellites, "cluster_satellites", 1.0, np.inf, "-")
    disc = area / np.pi
    if positive and holds(disc, radius, n):  # this call's own array: (1 + R/r_t)^2 and its cap at N in place
        with np.errstate(divide="ignore", invalid="ignore"):
            np.sqrt(disc, out=disc)
            np.divide(radius, disc, out=disc)
            np.add(disc, 1.0, out=disc)
            np.square(disc, out=disc)  # what ``** 2`` of an array calls
        if n.ndim == 0 and disc.max() <= n:  # no sample capped at N: np.minimum would return disc as it is
            return disc
        return np.minimum(n, disc, out=disc)
    with np.errstate(divide="ignore", invalid="ignore"):
        disc = (1.0 + radius / np.sqrt(disc)) ** 2
    return _out(where_all(area > 0, np.minimum(n, disc), 1.0))  # np.where's values


def stall_availability(outage_fraction: npt.ArrayLike, accelerators_per_job: npt.ArrayLike,
                       accelerators_per_satellite: npt.ArrayLike,
                       max_span: npt.ArrayLike = np.inf) -> np.ndarray:
    r"""Share of its time a job keeps running when any outage of a satellite it spans stalls all of it.

    Parameters
    ----------
    outage_fraction : array_like
        Fraction of the time one satellite is out [-], in [0, 1] (:func:`avoidance_outage_fraction`).
    accelerators_per_job : array_like
        Accelerators of one job (a training job, an inference replica) [-], >= 1.
    accelerators_per_satellite : array_like
        Accelerators per satellite [-], > 0.
    max_span : array_like
        Most satellites a job can span [-] (the cluster's), >= 1.

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`E[(1 - p)^S]` [-] over the satellites :math:`S` a job spans.

    Notes
    -----
    Outages of independent satellites, each a Poisson stream of manoeuvres whose outages queue (an outage
    that starts while one is owed adds to it, as the twin's :func:`terawatt.twin.manoeuvres.chunk_outage`): a
    satellite is up a fraction :math:`1 - p` of the time with :math:`p = M t_{out}/8766\,\mathrm{h}` (the idle
    fraction of a single-server queue, exact for any outage length while :math:`p < 1`), independently of the
    others, so a job spanning :math:`S` satellites runs :math:`(1 - p)^S` of the time. Jobs of :math:`J`
    accelerators laid end to end on satellites of :math:`a` start at an offset uniform in the satellite: with
    :math:`x = (J - 1)/a`, :math:`n = \lfloor x \rfloor` and :math:`q = x - n`, :math:`S = n + 1` with
    probability :math:`1 - q` and :math:`n + 2` with probability :math:`q` (:math:`E[S] = 1 + (J - 1)/a`;
    1,024 accelerators on 74: 14 or 15 satellites, mean 14.8; 8 on 74: 1 or 2, mean 1.09), capped at
    ``max_span``. For small :math:`p` the loss is :math:`E[S]\,p`: a training job loses ~15 times a
    satellite's outage.
    """
    p = _check(outage_fraction, "outage_fraction", 0.0, 1.0, "-")
    size = _check(accelerators_per_job, "accelerators_per_job", 1.0, np.inf, "-")
    per = _check(accelerators_per_satellite, "accelerators_per_satellite", 0.0, np.inf, "-", lo_open=True)
    cap = _check(max_span, "max_span", 1.0, np.inf, "-")
    x = (size - 1.0) / per
    n = np.floor(x)
    q = x - n
    keep = 1.0 - p
    return _out(keep ** np.minimum(n + 1.0, cap) * (1.0 - q) + keep ** np.minimum(n + 2.0, cap) * q)
