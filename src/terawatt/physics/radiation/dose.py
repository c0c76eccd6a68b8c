"""Annual dose by source: solar-particle and galactic-cosmic-ray contributions, the direct (slow) computation from
the models, the dose at a point, and the interpolation of the shipped table (fast path)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from terawatt.constants import SECONDS_PER_YEAR
from terawatt.physics.orbit import sso_inclination_deg
from terawatt.physics.radiation._common import _R_KM, E_COSMIC, Solar, _check, _check_solar, _out
from terawatt.physics.radiation.stopping import _MP, _bin_counts, _dose_from_counts
from terawatt.physics.radiation.trapped import _fold_inclination, _orbit_points, _trapped_doses

#: Geomagnetic dipole north pole, IGRF-13 epoch 2020 (geocentric latitude, longitude) [deg] (Alken et al. 2021).
DIPOLE_POLE_DEG = (80.65, -72.68)
#: Stoermer vertical cutoff rigidity at the geomagnetic equator on Earth's surface [GV] (Smart & Shea 2005).
STOERMER_GV = 14.9
#: King (1974) anomalously-large solar proton event: J(>E) = A exp((30 - E) / E0), A [cm-2], E0 [MeV].
KING_AL_FLUENCE_CM2, KING_AL_E0_MEV = 7.9e9, 26.5
#: GCR solar modulation potential (force field) at solar minimum and maximum [MV] (Usoskin et al. 2011:
#: ~400 MV at the cycle-23/24 minimum, ~1,000 MV at typical maxima).
GCR_PHI_MV = {"min": 400.0, "max": 1000.0}
#: Calibration of the GCR dose: MSL/RAD measured 0.481 mGy/d (Si) in cruise to Mars, Dec 2011 - Jul 2012
#: (Zeitlin et al. 2013), at a modulation potential of about 650 MV (Usoskin et al. 2011 series).
GCR_CAL_RAD_PER_YR, GCR_CAL_PHI_MV = 0.481e-3 * 100.0 * SECONDS_PER_YEAR / 86400.0, 650.0

#: Shielding nodes of the table [mm Al]; interpolation is linear in log(t + 0.1 mm) and log dose.
TABLE_SHIELDING_MM = np.array([0.0, 0.25, 0.5, 1, 1.5, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40, 50, 70, 100.0])
COMPONENTS = ("trapped_proton", "trapped_electron", "solar_particle_per_event", "gcr")


@dataclass(frozen=True)
class DoseBreakdown:
    """Annual ionizing dose by source behind aluminium [rad(Si)/yr] (arrays of the broadcast input shape).

    Attributes
    ----------
    trapped_proton_rad_per_yr, trapped_electron_rad_per_yr : numpy.ndarray
        Trapped-belt protons (AP-8) and electrons (AE-8, with their bremsstrahlung).
    solar_particle_rad_per_yr : numpy.ndarray
        Solar energetic protons (expected annual dose).
    gcr_rad_per_yr : numpy.ndarray
        Galactic cosmic rays.
    total_rad_per_yr : numpy.ndarray
        Sum of the four.
    """

    trapped_proton_rad_per_yr: np.ndarray
    trapped_electron_rad_per_yr: np.ndarray
    solar_particle_rad_per_yr: np.ndarray
    gcr_rad_per_yr: np.ndarray
    total_rad_per_yr: np.ndarray


def _breakdown(p: np.ndarray, e: np.ndarray, s: np.ndarray, g: np.ndarray) -> DoseBreakdown:
    return DoseBreakdown(_out(p), _out(e), _out(s), _out(g), _out(p + e + s + g))


# ------------------------------------------------------------------------------ solar particles and cosmic rays
def _rigidity_gv(e_mev: np.ndarray) -> np.ndarray:
    return np.sqrt(e_mev * (e_mev + 2 * _MP)) / 1e3


def _cutoff_gv(lat_c_deg: np.ndarray, lon_deg: np.ndarray, alt_km: np.ndarray) -> np.ndarray:
    """Vertical Stoermer cutoff rigidity [GV] of a centred dipole: 14.9 cos^4(lambda_m) / (r/R)^2."""
    pl, po = np.radians(DIPOLE_POLE_DEG)
    la, lo = np.radians(lat_c_deg), np.radians(lon_deg)
    sin_m = np.sin(la) * np.sin(pl) + np.cos(la) * np.cos(pl) * np.cos(lo - po)
    return STOERMER_GV * (1 - sin_m**2) ** 2 / ((_R_KM + alt_km) / _R_KM) ** 2


def _visible_fraction(alt_km: npt.ArrayLike) -> np.ndarray:
    """Fraction of the sky not hidden by the solid Earth: (1 + cos a) / 2, sin a = R / (R + h)."""
    return 0.5 * (1.0 + np.sqrt(1.0 - (_R_KM / (_R_KM + np.asarray(alt_km, float))) ** 2))


def _transmission(cutoff_gv: np.ndarray, e_mev: np.ndarray) -> np.ndarray:
    """Fraction of sample points whose cutoff lies below the rigidity of each bin's representative energy."""
    e_mid = np.append(np.sqrt(e_mev[1:] * e_mev[:-1]), e_mev[-1])
    return (np.ravel(cutoff_gv)[:, None] < _rigidity_gv(e_mid)[None, :]).mean(axis=0)


def _gcr_counts(phi_mv: float) -> np.ndarray:
    """Omnidirectional GCR proton flux in the bins of E_COSMIC [cm-2 s-1], force-field (Gleeson & Axford 1968)
    with the Burger et al. (2000) local interstellar spectrum in the form of Usoskin et al. (2005)."""
    t = E_COSMIC / 1e3
    phi = phi_mv / 1e3
    tl = t + phi
    p = np.sqrt(tl * (tl + 2 * _MP / 1e3))
    j_lis = 1.9e4 * p**-2.78 / (1 + 0.4866 * p**-2.51)  # [m-2 s-1 sr-1 GeV-1]
    j = j_lis * t * (t + 2 * _MP / 1e3) / (tl * (tl + 2 * _MP / 1e3)) * 4 * np.pi * 1e-4 * 1e-3  # [cm-2 s-1 MeV-1]
    return j * np.diff(np.append(E_COSMIC, E_COSMIC[-1] * 1.1))


@functools.lru_cache(maxsize=1)
def _gcr_ion_factor() -> float:
    """All-ion / proton dose ratio that makes the free-space model match MSL/RAD at its modulation potential."""
    proton = _dose_from_counts(_gcr_counts(GCR_CAL_PHI_MV), E_COSMIC, "p", np.array([0.0]))[0]
    return float(GCR_CAL_RAD_PER_YR / proton)


def _cosmic_doses(cutoff: np.ndarray, alt_km: float, shield_mm: np.ndarray,
                  solar: str) -> tuple[np.ndarray, np.ndarray]:
    """(dose per King AL event [rad], GCR dose rate [rad/yr]) behind each shielding, for cutoff samples."""
    trans = _transmission(cutoff, E_COSMIC) * _visible_fraction(alt_km)
    spe = _bin_counts(KING_AL_FLUENCE_CM2 * np.exp((30.0 - E_COSMIC) / KING_AL_E0_MEV)) * trans
    spe_rad = _dose_from_counts(spe, E_COSMIC, "p", shield_mm) / SECONDS_PER_YEAR
    phis = (GCR_PHI_MV["min"], GCR_PHI_MV["max"]) if solar == "mean" else (GCR_PHI_MV[solar],)
    gcr = np.mean([_dose_from_counts(_gcr_counts(ph) * trans, E_COSMIC, "p", shield_mm) for ph in phis], axis=0)
    return spe_rad, gcr * _gcr_ion_factor()


def _spe_events_per_yr(solar: str, spe_events_per_yr_solar_max: npt.ArrayLike) -> np.ndarray:
    return {"min": 0.0, "max": 1.0, "mean": 0.5}[solar] * spe_events_per_yr_solar_max


# ------------------------------------------------------------------------------------------- direct (slow) path
def _direct_one(alt: float, inc: float, shield: np.ndarray, solar: str) -> np.ndarray:
    """Component doses (4, n_shield): trapped p, trapped e [rad/yr], SPE per event [rad], GCR [rad/yr]."""
    lat, lon = _orbit_points(alt, inc)
    tp, te = _trapped_doses(lat, lon, alt, shield, solar, average=True)
    spe, gcr = _cosmic_doses(_cutoff_gv(lat, lon, np.full(lat.shape, alt)), alt, shield, solar)
    return np.stack([tp, te, spe, gcr])


def dose_rate_direct(altitude_km: npt.ArrayLike, inclination_deg: npt.ArrayLike, shielding_mm_al: npt.ArrayLike,
                     solar: Solar = "mean", spe_events_per_yr_solar_max: float = 0.14) -> DoseBreakdown:
    r"""Annual dose behind a spherical aluminium shield, computed from the environment models (slow path).

    Parameters
    ----------
    altitude_km : array_like
        Height of the circular orbit above the equatorial radius [km], in [150, 50000].
    inclination_deg : array_like
        Inclination [deg] in [0, 180]; NaN means sun-synchronous at that altitude.
    shielding_mm_al : array_like
        Aluminium thickness around the dose point [mm], in [0, 1000].
    solar : {'min', 'max', 'mean'}
        Solar-cycle phase: AP-8/AE-8 MIN or MAX, GCR modulation 400 or 1,000 MV, no SPE or
        ``spe_events_per_yr_solar_max`` events; 'mean' is the average of the doses at min and max.
    spe_events_per_yr_solar_max : float
        Expected King (1974) anomalously-large solar proton events per year at solar maximum [1/yr].

    Returns
    -------
    DoseBreakdown
        Doses [rad(Si)/yr] by source, of the broadcast shape of the inputs.

    Notes
    -----
    **Method.** Dose at the centre of a solid aluminium sphere of radius t, for an isotropic flux: every particle
    crosses t (Seltzer 1980, SHIELDOSE "solid sphere"). A particle of energy E leaves the shield with E' given by
    :math:`R(E') = R(E) - t` and deposits :math:`S_{Si}(E')` per unit fluence, so
    :math:`\dot D = \int \phi(E)\, S_{Si}(E'(E, t))\, dE` (1 MeV/g = 1.602e-8 rad).

    - Protons: continuous-slowing-down ranges from the Bethe formula with density effect and ICRU 49 mean
      excitation energies (Al 166 eV, Si 173 eV); within 2 % of NIST PSTAR above 1 MeV (tests check water).
    - Electrons: the transmitted energy follows the Katz & Penfold (1952) practical range in Al (not the CSDA
      range, to allow for scattering), deposit by the ICRU 37 collision stopping power in Si; bremsstrahlung from
      the thick-target yield, half inward at E/3, attenuated by XCOM mu/rho(Al), absorbed per mu_en/rho(Si).
    - Solar protons: King (1974) anomalously-large event, :math:`J(>E) = 7.9\times10^9 e^{(30-E)/26.5}` cm-2
      per event, times events per year (none at solar minimum).
    - Galactic cosmic rays: force-field proton spectrum (Burger et al. 2000 LIS; 400 / 1,000 MV), its dose
      scaled by a constant ion factor so that free space at 650 MV gives the MSL/RAD cruise dose, 0.481 mGy/d
      (Zeitlin et al. 2013).
    - Solar and cosmic protons reach the orbit where their rigidity exceeds the vertical Stoermer cutoff
      :math:`14.9\cos^4\lambda_m/(r/R_\oplus)^2` GV of the tilted IGRF-2020 dipole, sampled over the ground track,
      times the fraction of sky not hidden by Earth, :math:`(1+\cos\alpha)/2`, :math:`\sin\alpha = R_\oplus/r`.

    **Limits.** Straight-ahead slowing down ignores nuclear reactions (a 100 MeV proton has a ~10 % chance of one
    in 10 g/cm2 of Al), secondaries and the shield's real shape (a box or a spacecraft's mass distribution passes
    more dose than a sphere of the same thickness; a slab passes about half). Electron and bremsstrahlung doses
    are good to a factor ~2. AP-8/AE-8 are 1960s-70s climatologies: at 840 km DMSP measured SAA proton doses ~50 %
    below AP-8 (Gussenhoven et al. 1987), while AP-8 underestimates some low-altitude fluxes; AP-9 differs by up to
    a factor 2-3 in LEO. The SPE and GCR terms are expected values for engineering, not worst cases, and the
    Stoermer cutoff ignores storm-time cutoff depression. Overall expect a factor ~2 on the total dose.

    References
    ----------
    .. [1] Seltzer, S. M., SHIELDOSE: a computer code for space-shielding radiation dose calculations, NBS
       Technical Note 1116, 1980.
    .. [2] ICRU Report 49 (1993), Stopping powers and ranges for protons and alpha particles; ICRU Report 37
       (1984), Stopping powers for electrons and positrons; NIST PSTAR/ESTAR (Berger et al. 2017).
    .. [3] Katz, L. and Penfold, A. S., Range-energy relations for electrons, *Rev. Mod. Phys.* 24, 28, 1952.
    .. [4] King, J. H., Solar proton fluences for 1977-1983 space missions, *J. Spacecraft Rockets* 11, 401, 1974.
    .. [5] Zeitlin, C. et al., Measurements of energetic particle radiation in transit to Mars on the Mars
       Science Laboratory, *Science* 340, 1080-1084, 2013.
    .. [6] Smart, D. F. and Shea, M. A., A review of geomagnetic cutoff rigidities for earth-orbiting spacecraft,
       *Adv. Space Res.* 36, 2012-2020, 2005.
    """
    _check_solar(solar)
    alt = _check(altitude_km, "altitude_km", 150.0, 50000.0, "km")
    inc = _check(inclination_deg, "inclination_deg", 0.0, 180.0, "deg", allow_nan=True)
    shield = _check(shielding_mm_al, "shielding_mm_al", 0.0, 1000.0, "mm")
    alt, inc, shield = np.broadcast_arrays(alt, inc, shield)
    inc_f = _fold_inclination(alt, inc)
    out = np.zeros((4,) + alt.shape)
    pairs = np.unique(np.stack([alt.ravel(), inc_f.ravel()], axis=1), axis=0) if alt.size else np.empty((0, 2))
    for a, i in pairs:
        mask = (alt == a) & (inc_f == i)
        doses = _direct_one(float(a), float(i), shield[mask], solar)
        out[:, mask] = doses
    out[2] *= _spe_events_per_yr(solar, spe_events_per_yr_solar_max)
    return _breakdown(*out)


def point_dose_rad_per_yr(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, altitude_km: npt.ArrayLike,
                          shielding_mm_al: npt.ArrayLike, solar: Solar = "mean",
                          spe_events_per_yr_solar_max: float = 0.14) -> DoseBreakdown:
    """Dose rate that would accumulate at one fixed point in space, per year [rad(Si)/yr].

    Parameters
    ----------
    lat_deg, lon_deg : array_like
        Geocentric latitude [-90, 90] and longitude [-180, 360] [deg], in the field of the trapped model's epoch
        (1964/1970: the South Atlantic Anomaly then lay 12-17 deg east of today's, drifting ~0.3 deg/yr west).
    altitude_km : array_like
        Height above the equatorial radius [km], in [150, 50000].
    shielding_mm_al : array_like
        Aluminium thickness [mm], in [0, 1000].
    solar : {'min', 'max', 'mean'}
        As for :func:`dose_rate_direct`.
    spe_events_per_yr_solar_max : float
        As for :func:`dose_rate_direct`.

    Returns
    -------
    DoseBreakdown
        Doses of the broadcast input shape [rad(Si)/yr].

    Notes
    -----
    The same models as :func:`dose_rate_direct` evaluated at one position instead of averaged over a ground
    track (the cutoff is the local vertical Stoermer cutoff). Inside the South Atlantic Anomaly the trapped
    proton dose exceeds any orbit average at that altitude.
    """
    _check_solar(solar)
    lat = _check(lat_deg, "lat_deg", -90.0, 90.0, "deg")
    lon = _check(lon_deg, "lon_deg", -180.0, 360.0, "deg")
    alt = _check(altitude_km, "altitude_km", 150.0, 50000.0, "km")
    shield = _check(shielding_mm_al, "shielding_mm_al", 0.0, 1000.0, "mm")
    lat, lon, alt, shield = np.broadcast_arrays(lat, lon, alt, shield)
    out = np.zeros((4,) + lat.shape)
    for idx in np.ndindex(lat.shape):
        la, lo, a, t = (np.atleast_1d(x[idx]) for x in (lat, lon, alt, shield))
        tp, te = _trapped_doses(la, lo, float(a[0]), t, solar, average=True)
        spe, gcr = _cosmic_doses(_cutoff_gv(la, lo, a), float(a[0]), t, solar)
        out[(slice(None),) + idx] = np.concatenate([tp, te, spe, gcr])
    out[2] *= _spe_events_per_yr(solar, spe_events_per_yr_solar_max)
    return _breakdown(*out)


def _point_components(la: np.ndarray, lo: np.ndarray, alt: float, shield: np.ndarray, solar: str) -> np.ndarray:
    """Dose components at each point (4, n_points, n_shield): trapped protons and electrons [rad/yr], solar
    protons per King event [rad], cosmic rays [rad/yr]; each point's cutoff filters its own cosmic spectra."""
    tp, te = _trapped_doses(la, lo, alt, shield, solar, average=False)
    cutoff = _cutoff_gv(la, lo, np.full(la.shape, alt))
    e_mid = np.append(np.sqrt(E_COSMIC[1:] * E_COSMIC[:-1]), E_COSMIC[-1])
    trans = (cutoff[:, None] < _rigidity_gv(e_mid)[None, :]) * _visible_fraction(alt)  # per point
    spe = _bin_counts(KING_AL_FLUENCE_CM2 * np.exp((30.0 - E_COSMIC) / KING_AL_E0_MEV)) * trans
    spe_rad = _dose_from_counts(spe, E_COSMIC, "p", shield) / SECONDS_PER_YEAR
    phis = (GCR_PHI_MV["min"], GCR_PHI_MV["max"]) if solar == "mean" else (GCR_PHI_MV[solar],)
    gcr = np.mean([_dose_from_counts(_gcr_counts(ph) * trans, E_COSMIC, "p", shield) for ph in phis], axis=0)
    return np.stack([tp, te, spe_rad, gcr * _gcr_ion_factor()])


def dose_map_rad_per_yr(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, altitude_km: float,
                        shielding_mm_al: float, solar: Solar = "mean",
                        spe_events_per_yr_solar_max: float = 0.14) -> np.ndarray:
    """Total dose rate at many fixed points of one altitude, in one vectorized pass [rad(Si)/yr].

    Parameters
    ----------
    lat_deg, lon_deg : array_like
        Geocentric latitude [-90, 90] and longitude [-180, 360] [deg] (broadcast together), in the field of the
        trapped model's epoch as for :func:`point_dose_rad_per_yr`.
    altitude_km : float
        Height above the equatorial radius [km], in [150, 50000].
    shielding_mm_al : float
        Aluminium thickness [mm], in [0, 1000].
    solar, spe_events_per_yr_solar_max
        As for :func:`point_dose_rad_per_yr`.

    Returns
    -------
    numpy.ndarray
        Total dose rate (trapped protons and electrons, solar protons, cosmic rays) of the broadcast shape.

    Notes
    -----
    The same models as :func:`point_dose_rad_per_yr`, each point's cutoff filtering its own cosmic-ray and
    solar-proton spectrum; used to map the dose along a propagated track (the South Atlantic Anomaly).
    """
    _check_solar(solar)
    lat = _check(lat_deg, "lat_deg", -90.0, 90.0, "deg")
    lon = _check(lon_deg, "lon_deg", -180.0, 360.0, "deg")
    alt = float(_check(altitude_km, "altitude_km", 150.0, 50000.0, "km"))
    shield = np.atleast_1d(_check(shielding_mm_al, "shielding_mm_al", 0.0, 1000.0, "mm"))[:1]
    lat, lon = np.broadcast_arrays(lat, lon)
    tp, te, spe_rad, gcr = _point_components(lat.ravel(), lon.ravel(), alt, shield, solar)
    total = tp + te + spe_rad * _spe_events_per_yr(solar, spe_events_per_yr_solar_max) + gcr
    return total[:, 0].reshape(lat.shape)


# -------------------------------------------------------------------------------------------- table (fast) path
@functools.lru_cache(maxsize=1)
def _table() -> dict[str, np.ndarray]:
    """Shipped table: log(dose + floor) of shape (4 components, 2 solar, n_alt, n_inc, n_shield) and its axes."""
    with resources.as_file(resources.files("terawatt") / "data" / "radiation_table.npz") as path:
        with np.load(path) as z:
            t = {k: z[k] for k in z.files}
    dose = t["dose"].astype(float).transpose(0, 2, 3, 4, 1)  # (component, alt, inc, shielding, solar)
    floor = float(t["floor"])
    # log doses, one row per component over the flat (alt, inc, shielding) nodes: a cell corner of every sample
    # is one gather along the rows, and the weights multiply contiguous rows
    logs = {k: np.log(d + floor) for k, d in (("min", dose[..., 0]), ("max", dose[..., 1]),
                                              ("mean", dose.mean(axis=4)))}
    t["log_nodes"] = {k: np.ascontiguousarray(d.reshape(4, -1)) for k, d in logs.items()}
    for d in t["log_nodes"].values():
        d.flags.writeable = False
    t["finite"] = all(bool(np.isfinite(d).all()) for d in logs.values())
    # at every whole km (exact for integer-km nodes): the fractional altitude-node index and the folded SSO
    # inclination
    alt = np.arange(t["altitude_km"][0], t["altitude_km"][-1] + 0.5, 1.0)
    t["km_lut_alt_index"] = np.interp(alt, t["altitude_km"], np.arange(t["altitude_km"].size, dtype=float))
    t["km_lut_sso_inc"] = 180.0 - sso_inclination_deg(alt)
    if not (np.array_equal(t["altitude_km"], np.round(t["altitude_km"]))
            and np.allclose(np.diff(t["inclination_deg"]), t["inclination_deg"][1] - t["inclination_deg"][0])):
        raise ValueError("radiation table: altitude nodes must be whole km and inclination nodes evenly spaced")
    t["x_shield"] = np.log(t["shielding_mm"] + 0.1)
    return t


def dose_table() -> dict[str, np.ndarray]:
    """The shipped dose table: ``dose`` [rad(Si)/yr; solar particles per event] of shape (4 components, 2 solar
    (min, max), altitude, inclination, shielding) and its axes ``altitude_km``, ``inclination_deg`` (folded to
    [0, 90]) and ``shielding_mm``. Read-only copies of the arrays."""
    t = _table()
    out = {k: np.array(t[k]) for k in ("dose", "altitude_km", "inclination_deg", "shielding_mm", "components")}
    for a in out.values():
        a.flags.writeable = False
    return out


def _split(f: npt.ArrayLike, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Lower node index and upper-node weight of a fractional node index in [0, n_nodes - 1] (a number or an
    array)."""
    i = np.minimum(np.asarray(f).astype(np.intp), n_nodes - 2)
    return i, f - i


def _zero(weight: np.ndarray) -> bool:
    """Whether a corner weight is one number, 0."""
    return np.ndim(weight) == 0 and weight == 0.0


def _one(weight: np.ndarray) -> bool:
    """Whether a corner weight is one number, 1."""
    return np.ndim(weight) == 0 and weight == 1.0


def _inclination_index(inc_f: npt.ArrayLike, inc_nodes: np.ndarray) -> np.ndarray:
    """The fractional node index of folded inclinations [deg] (a number or an array)."""
    return (inc_f - inc_nodes[0]) / (inc_nodes[1] - inc_nodes[0])


def _lerp(low: Callable[[], np.ndarray], high: Callable[[], np.ndarray], weight: Any, finite: bool) -> np.ndarray:
    """``low() * (1 - weight) + high() * weight`` of two (4, n) arrays of log doses and a weight (a number or an
    array of the samples). A weight of the number 0 (or 1) reads only ``low`` (``high``): the same numbers, but
    for the sign of a zero, as the terms times 1 and +-0 (``finite``: a table of finite values)."""
    if finite and _zero(weight):
        return low()
    if finite and _one(weight):
        return high()
    out = low() * (1 - weight)
    out += high() * weight
    return out


def _altitude_node_pair(i_alt: npt.ArrayLike, f_inc: npt.ArrayLike, node_x: npt.ArrayLike, nodes: np.ndarray,
                        t: dict) -> tuple[np.ndarray, np.ndarray]:
    """log(dose + floor) of the 4 components, two (4, n) arrays, at the altitude nodes ``i_alt`` and ``i_alt + 1``
    and the shielding node ``node_x`` (integers or integer arrays), each linear in the fractional inclination
    node index ``f_inc`` (a number or an array of the n samples).

    The flat indices lie in the table by construction (checked inputs, clipped nodes): "wrap" gathers them as
    "raise" does, without its per-index test."""
    n_inc, n_x = t["inclination_deg"].size, t["x_shield"].size
    i_inc, w_inc = _split(f_inc, n_inc)
    base = np.reshape((i_alt * n_inc + i_inc) * n_x + node_x, -1)  # flat index of each sample's lower corner

    def at(offset: int) -> Callable[[], np.ndarray]:
        return lambda: nodes.take(base + offset, axis=1, mode="wrap")

    return tuple(_lerp(at(d_a), at(d_a + n_x), w_inc, t["finite"])  # type: ignore[return-value]
                 for d_a in (0, n_inc * n_x))


def _at_node(f_alt: npt.ArrayLike, f_inc: npt.ArrayLike, node_x: npt.ArrayLike, nodes: np.ndarray,
             t: dict) -> np.ndarray:
    """log(dose + floor) of the 4 components, (4, n): bilinear in the table's ``nodes`` (one row per component) at
    fractional node indices of altitude and folded inclination, at the shielding node ``node_x``; each a number or
    an array of the n samples. Linear in inclination at the two altitude nodes around each sample
    (:func:`_altitude_node_pair`), then in altitude between them."""
    i_alt, w_alt = _split(f_alt, t["altitude_km"].size)
    low, high = _altitude_node_pair(i_alt, f_inc, node_x, nodes, t)
    return _lerp(lambda: low, lambda: high, w_alt, t["finite"])


@functools.lru_cache(maxsize=256)
def _km_rows(solar: str, inc_f: float | None, node_x: int) -> np.ndarray:
    """log(dose + floor) of the 4 components at every whole km of the table's altitudes, (4, n_km), read-only: the
    orbits of one folded inclination (None: sun-synchronous, each km at its own inclination) at one shielding
    node, bilinear in altitude and inclination (:func:`_at_node`, the arithmetic of the general path)."""
    t = _table()
    inc_km = t["km_lut_sso_inc"] if inc_f is None else np.float64(inc_f)
    rows = _at_node(t["km_lut_alt_index"], _inclination_index(inc_km, t["inclination_deg"]), node_x,
                    t["log_nodes"][solar], t)
    rows.flags.writeable = False
    return rows


@functools.lru_cache(maxsize=8)
def _km_node_table(solar: str, inc_f: float | None) -> np.ndarray:
    """:func:`_km_rows` of every shielding node side by side, (4, n_x * n_km), read-only: the whole-km rows of
    sample ``k`` at node ``j`` lie at ``j * n_km + k``, one gather per corner of sample arrays of shielding."""
    t = _table()
    table = np.concatenate([_km_rows(solar, inc_f, j) for j in range(t["x_shield"].size)], axis=1)
    table.flags.writeable = False
    return table


@functools.lru_cache(maxsize=64)
def _km_log_doses(solar: str, inc_f: float | None, f_x: float) -> tuple[tuple[np.ndarray, ...],
                                                                        tuple[np.ndarray, ...]]:
    """The 1-km table of one orbit family: log(dose + floor) of each component at every whole km of altitude but
    the last, and its step to the next km, at one folded inclination (None: sun-synchronous, each km at its own)
    and one fractional shielding index; per component a read-only row.

    The same arithmetic as the general path of :func:`dose_rate_rad_per_yr` at those km (the same bits)."""
    t = _table()
    i_x, w_x = _split(np.float64(f_x), t["x_shield"].size)
    logs = _lerp(lambda: _km_rows(solar, inc_f, int(i_x)), lambda: _km_rows(solar, inc_f, int(i_x) + 1), w_x,
                 t["finite"])
    low = tuple(np.ascontiguousarray(row[:-1]) for row in logs)
    step = tuple(row[1:] - row[:-1] for row in logs)
    for a in (*low, *step):
        a.flags.writeable = False
    return low, step


#: Samples from which a fixed inclination's sample arrays of shielding are looked up in the whole-km rows of every
#: shielding node (:func:`_km_node_table`, built once per orbit family) instead of per sample (the same numbers).
_NODE_TABLE_FROM = 2048


def _km_interval(alt_km: np.ndarray, alt0_km: float, n_km: int) -> tuple[np.ndarray, np.ndarray]:
    """The whole-km interval of each altitude in a table of ``n_km`` values every km from ``alt0_km`` (the lower
    km's index, clipped so that the last km is an upper end) and the fraction of it."""
    x = alt_km - alt0_km
    k = np.minimum(np.asarray(x).astype(np.intp), n_km - 2)
    return k, x - k


#: Samples the table's sample path (:func:`_sample_doses`) looks up together: the temporaries of one block stay in
#: the processor's cache (the values do not depend on it).
_BLOCK = 16384


def _whole_part(f: np.ndarray, top: int) -> np.ndarray:
    """``min(floor(f), top)`` of a float64 array of values >= +0 as floats, a new array: the float value of
    ``min(f.astype(np.intp), top)`` (truncation is the floor there), made without integer arithmetic, so that
    ``f - whole`` is a float64 subtraction (SIMD) instead of a mixed float-integer one (a buffered cast)."""
    whole = np.floor(f)
    return np.minimum(whole, top, out=whole)


def _sample_doses(alt: np.ndarray, inc_f: float | None, f_x: float, solar: str, spe: np.ndarray, gcr: np.ndarray,
                  t: dict) -> tuple[np.ndarray, np.ndarray]:
    """:func:`dose_rate_rad_per_yr`'s look-up for an array of altitudes at one folded inclination (None:
    sun-synchronous) and one fractional shielding index ``f_x``, ``spe`` (the solar-particle events per year of
    the phase) and ``gcr`` broadcasting to the altitudes: the component doses (4, n) and their total (n)
    [rad/yr], flat.

    The same operations on the same numbers as the general path of :func:`dose_rate_rad_per_yr` (the same bits),
    from the orbit family's 1-km table (:func:`_km_log_doses`), block by block (:data:`_BLOCK` samples) while
    the block is in cache: the whole-km interval of each altitude, per component one gather of the step and one
    of the lower km's value, the exponential, the floor, the solar-particle and cosmic-ray scaling and the total.
    """
    spe_rows, gcr_rows = (None if np.ndim(x) == 0 else np.broadcast_to(x, alt.shape).reshape(-1) for x in (spe, gcr))
    alt = alt.reshape(-1)
    n = alt.size
    alt0 = t["altitude_km"][0]
    top = t["km_lut_alt_index"].size - 2
    low, step = _km_log_doses(solar, inc_f, f_x)
    floor = float(t["floor"])
    comps = np.empty((4, n))
    total = np.empty(n)
    size = min(n, _BLOCK)
    low_buffer = np.empty(size)
    for start in range(0, n, size):
        cut = slice(start, start + size)
        m = min(size, n - start)
        x = alt[cut] - alt0
        whole = _whole_part(x, top)
        k = whole.astype(np.intp)
        x -= whole  # the fraction of the km (_km_interval)
        block = comps[:, cut]
        for row, step_row, low_row in zip(block, step, low, strict=True):
            # in range by construction (clipped): "wrap" gathers them as "raise" does
            step_row.take(k, out=row, mode="wrap")
            row *= x
            row += low_row.take(k, out=low_buffer[:m], mode="wrap")
        np.exp(block, out=block)
        block -= floor
        if block.min() < 0.0:  # rounding below the floor (one reduction; most blocks have none)
            np.maximum(block, 0.0, out=block)
        for row, scale, scales in ((2, spe, spe_rows), (3, gcr, gcr_rows)):
            if scales is not None:
                block[row] *= scales[cut]
            elif scale != 1.0:  # x * 1 = x
                block[row] *= scale
        np.add(block[0], block[1], out=total[cut])
        total[cut] += block[2]
        total[cut] += block[3]
    return comps, total


def dose_rate_rad_per_yr(altitude_km: npt.ArrayLike, inclination_deg: npt.ArrayLike,
                         shielding_mm_al: npt.ArrayLike, solar: Solar = "mean",
                         spe_events_per_yr_solar_max: npt.ArrayLike = 0.14,
                         gcr_scale: npt.ArrayLike = 1.0) -> DoseBreakdown:
    r"""Annual dose behind aluminium by source, interpolated in the shipped table (fast path).

    Parameters
    ----------
    altitude_km : array_like
        Height of the circular orbit above the equatorial radius [km], in [200, 2000] (the table).
    inclination_deg : array_like
        Inclination [deg] in [0, 180]; NaN means sun-synchronous at that altitude.
    shielding_mm_al : array_like
        Aluminium thickness [mm], in [0, 100] (the table).
    solar : {'min', 'max', 'mean'}
        Solar-cycle phase; 'mean' is the average of the min and max doses (a long mission's average).
    spe_events_per_yr_solar_max : array_like
        King (1974) anomalously-large solar proton events per year at solar maximum [1/yr], >= 0
        (registry ``radiation.spe_events_per_yr_solar_max``); half as many at 'mean', none at 'min'.
    gcr_scale : array_like
        Multiplier on the galactic cosmic-ray dose [-], >= 0 (registry ``radiation.gcr_scale``). Both broadcast
        with the orbit arrays (one value per sample).

    Returns
    -------
    DoseBreakdown
        Doses [rad(Si)/yr] of the broadcast input shape; NumPy scalars for scalar inputs.

    Raises
    ------
    ValueError
        If an input lies outside the table, naming the argument, its unit and range (never extrapolated).

    Notes
    -----
    The table holds :func:`dose_rate_direct` for AP/AE-8 MIN and MAX on a grid of 17 altitudes (200-700 km
    every 50 km, 800, 900, 1,000, 1,200, 1,500, 2,000 km), 19 inclinations (0-90 deg every 5 deg; i and 180 - i
    share a ground track's latitude distribution, so retrograde and sun-synchronous orbits fold onto 180 - i)
    and 22 thicknesses (0-100 mm, :data:`TABLE_SHIELDING_MM`). The look-up works on log(dose + 1e-6 rad/yr)
    ('mean': the tabulated mean of the min and max doses), in two steps:

    1. at the two whole km of altitude around the orbit, the orbit of that km (a sun-synchronous one at that
       km's own inclination) is interpolated trilinearly in (altitude, inclination, log(t + 0.1 mm));
    2. between the two, linearly in altitude.

    With a given inclination this is the trilinear interpolation itself (the altitude nodes are whole km, so
    the log dose is linear in altitude between whole km). A sun-synchronous orbit's inclination moves with its
    altitude (0.004 deg per km), and step 2 leaves out the product of the two small steps within one km: a
    difference in the log dose below 1e-5 (``tests/test_dose_km_interpolation.py``), a thousand times below the
    table's own error. Step 1 is what an array of altitudes at one inclination (or SSO) and one shielding -- a
    Monte Carlo over the orbit -- reads from a cached 1-km table of the orbit family (:func:`_km_log_doses`):
    two gathers per sample and component (the step and the lower km's value). Sample arrays of shielding at one
    inclination read the whole-km rows of every shielding node (:func:`_km_node_table`), sample arrays of
    inclination share the two km's altitude nodes; every way gives the same numbers as the others and as one
    sample at a time (the trilinear interpolation is made in the same order everywhere: inclination, altitude,
    log shielding, then between the two km).

    Measured against the direct computation at 30 random off-grid orbits x (min, max) (300-1,500 km, 0-90 deg
    or SSO, 1-50 mm; ``tools/build_radiation_table.py --check 30``): total-dose error median 1.4 %, 90th
    percentile 3.2 %, worst 9.1 % (1.3 mm at 22 deg, where thin-shield electron doses and the SAA's onset with
    inclination are steepest). The direct computation itself samples the ground track at 36 x 48 points.

    References
    ----------
    See :func:`dose_rate_direct`.
    """
    _check_solar(solar)
    t = _table()
    alt_nodes, inc_nodes, x_nodes = t["altitude_km"], t["inclination_deg"], t["x_shield"]
    alt = _check(altitude_km, "altitude_km", alt_nodes[0], alt_nodes[-1], "km", " (radiation table)")
    inc = _check(inclination_deg, "inclination_deg", 0.0, 180.0, "deg", allow_nan=True)
    shield = _check(shielding_mm_al, "shielding_mm_al", t["shielding_mm"][0], t["shielding_mm"][-1], "mm",
                    " (radiation table)")
    spe = _check(spe_events_per_yr_solar_max, "spe_events_per_yr_solar_max", 0.0, np.inf, "1/yr")
    gcr = _check(gcr_scale, "gcr_scale", 0.0, np.inf, "-")
    shape = np.broadcast_shapes(*(np.shape(x) for x in (alt, inc, shield, spe, gcr)))
    n = int(np.prod(shape))
    inc_f = np.where(inc > 90.0, 180.0 - inc, inc)
    # one inclination for every sample: its orbit family, the key of the cached 1-km tables (None: SSO)
    family = (None if np.isnan(inc_f) else float(inc_f)) if inc_f.ndim == 0 else None
    fx = np.interp(np.log(shield + 0.1), x_nodes, np.arange(x_nodes.size, dtype=float))
    spe_rate = _spe_events_per_yr(solar, spe)
    if alt.ndim and n and inc.ndim == 0 and shield.ndim == 0 and shape == alt.shape:  # samples of one orbit plane
        comps, total = _sample_doses(alt, family, float(fx), solar, spe_rate, gcr, t)
        return DoseBreakdown(*(c.reshape(shape) for c in comps), total.reshape(shape))
    # Each input keeps its own shape until the corners broadcast them (a fixed inclination or shielding is split
    # once, not per sample). The orbits of the two whole km around each altitude (SSO: at that km's inclination),
    # each between the two shielding nodes around its shielding: element for element the arithmetic of the 1-km
    # table (_km_log_doses).
    flat = [x if np.ndim(x) == 0 else np.broadcast_to(x, shape).reshape(-1) for x in (alt, inc_f, fx)]
    n_km = t["km_lut_alt_index"].size
    k, frac = _km_interval(flat[0], alt_nodes[0], n_km)
    i_x, w_x = _split(flat[2], x_nodes.size)
    m = max(1, *(x.size for x in flat))
    nodes = t["log_nodes"][solar]
    if np.ndim(inc_f) == 0 and m >= _NODE_TABLE_FROM:  # one orbit family: its whole-km rows of every node
        table = _km_node_table(solar, family)
        base = np.reshape(i_x * n_km + k, -1)

        def corner(d: int) -> Callable[[], np.ndarray]:
            return lambda: table.take(base + d, axis=1, mode="wrap")

        low, high = (_lerp(corner(d), corner(d + n_km), w_x, t["finite"]) for d in (0, 1))
    elif np.ndim(inc_f) and not np.isnan(flat[1]).any():  # sample arrays of given inclinations
        # the two km share their inclination and, taken in the lower km's altitude cell (an upper km on a node
        # has weight 1 there, 0 in its own cell: the same numbers), the pair of altitude nodes
        f_inc = _inclination_index(flat[1], inc_nodes)
        f_low, f_high = t["km_lut_alt_index"][k], t["km_lut_alt_index"][k + 1]
        i_alt, w_low = _split(f_low, alt_nodes.size)
        w_high = f_high - i_alt
        finite = t["finite"]
        # the altitude-node pairs at the shielding nodes the weight reads (both unless it is the number 0 or 1)
        pair_low = None if finite and _one(w_x) else _altitude_node_pair(i_alt, f_inc, i_x, nodes, t)
        pair_high = None if finite and _zero(w_x) else _altitude_node_pair(i_alt, f_inc, i_x + 1, nodes, t)

        def at_km(pair: Any, w_alt: np.ndarray) -> Callable[[], np.ndarray]:
            return lambda: _lerp(lambda: pair[0], lambda: pair[1], w_alt, finite)

        low, high = (_lerp(at_km(pair_low, w), at_km(pair_high, w), w_x, finite) for w in (w_low, w_high))
    else:  # per sample, the lower km's and the upper km's side by side in one look-up of 2 m values
        km = np.concatenate([np.broadcast_to(k, m), np.broadcast_to(k + 1, m)])
        inc_km, i_x2, w_x2 = (x if np.ndim(x) == 0 else np.concatenate([x, x]) for x in (flat[1], i_x, w_x))
        if np.isnan(inc_km).any():
            inc_km = np.where(np.isnan(inc_km), t["km_lut_sso_inc"][km], inc_km)
        f_alt, f_inc = t["km_lut_alt_index"][km], _inclination_index(inc_km, inc_nodes)
        logs = _lerp(lambda: _at_node(f_alt, f_inc, i_x2, nodes, t), lambda: _at_node(f_alt, f_inc, i_x2 + 1, nodes, t),
                     w_x2, t["finite"])
        low, high = logs[:, :m], logs[:, m:]
    high -= low  # the step to the next km, times the fraction of it, plus the lower km's log dose
    high *= frac
    high += low
    comps = np.exp(high, out=high) if high.shape[1] == n else np.exp(np.broadcast_to(high, (4, n)))
    comps -= float(t["floor"])
    np.maximum(comps, 0.0, out=comps)
    for row, scale in ((2, spe_rate), (3, gcr)):
        comps[row] *= scale if np.ndim(scale) == 0 else np.broadcast_to(scale, shape).ravel()
    return _breakdown(*(c.reshape(shape) for c in comps))
