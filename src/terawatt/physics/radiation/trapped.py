"""Trapped protons (AP-8) and electrons (AE-8): reading radbelt's map files, a port of the TRARA1/TRARA2
interpolation, the geomagnetic field at the model epochs, orbit-averaged and point fluxes and their doses."""

from __future__ import annotations

import bisect
import functools
import importlib.util
import os

import numpy as np
import numpy.typing as npt

from terawatt.physics.orbit import sso_inclination_deg
from terawatt.physics.radiation._common import _R_KM, E_ELECTRON, E_PROTON, Solar, _check, _check_solar
from terawatt.physics.radiation.stopping import _dose_from_integral

#: Epoch of the geomagnetic field used with each trapped-particle model [yr]: the model's own epoch (AP-8/AE-8
#: MIN 1964, MAX 1970, from the map headers), as Vette (1991) and Heynderickx et al. (1996) recommend: the maps
#: were built in (B, L) of that field, and a modern field lowers B/B0 at a fixed altitude and inflates LEO fluxes.
FIELD_EPOCH_YR = {"min": 1964.0, "max": 1970.0}
#: Ground-track sampling of an orbit average: argument of latitude u (uniform in time) x longitude.
N_U, N_LON = 36, 48


# ----------------------------------------------------------------------------------------- AE-8 / AP-8 maps
@functools.lru_cache(maxsize=4)
def _model_map(particle: str, solar: str) -> tuple[tuple[int, ...], list[int], np.ndarray, list[int]]:
    """Header, flux map, map energies [MeV] and map offsets of the radbelt AE-8/AP-8 file."""
    spec = importlib.util.find_spec("radbelt")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the radbelt package (AE-8/AP-8 maps) is needed for direct dose computation")
    name = f"a{particle}8{solar}.asc"
    path = os.path.join(spec.submodule_search_locations[0], "extern", "aep8", name)
    with open(path, encoding="ascii") as fh:
        lines = fh.read().splitlines()

    def ints(line: str) -> list[int]:  # FORMAT(1X,12I6)
        s = line[1:]
        return [int(s[i:i + 6]) for i in range(0, len(s), 6) if s[i:i + 6].strip()]

    head = tuple(ints(lines[0]))
    vals = [v for ln in lines[1:] for v in ints(ln)][: head[7]]
    offsets, energies, i = [], [], 0
    while i < len(vals) and vals[i] > 0:
        offsets.append(i)
        energies.append(vals[i + 1] / head[3])
        i += vals[i]
    return head, vals, np.array(energies), offsets


def _trara2(m: list[int], base: int, l_index: tuple[list[int], list[int]], il: int, ib: int,
            fistep: float) -> float:  # noqa: C901 - faithful port
    """Scaled log10 integral flux in one energy map at scaled (L, B/B0-1): port of TRARA2 (Vette/Bilitza 1987)."""
    b = base - 1  # m[b + k] is Fortran's MAP(k) of the sub-map
    fnl, fnb, itime = float(il), float(ib), 0
    starts, lvals = l_index
    k = bisect.bisect_right(lvals, il)  # first sub-sub-map whose scaled L exceeds il
    if k == 0:
        return 0.0
    i1, i2 = starts[k - 1], starts[k]
    l1, l2 = m[b + i1 + 1], m[b + i2 + 1]
    if l1 < 4 and l2 < 4:
        return 0.0
    lab = 10 if m[b + i2 + 3] > m[b + i1 + 3] else 5
    j1 = j2 = 0
    fincr1 = fincr2 = fkb1 = fkb2 = flog1 = flog2 = sl1 = sl2 = fkbj1 = fkb = flog = fkbm = flogm = dfl = 0.0
    while True:
        if lab == 5:
            i1, i2, l1, l2, lab = i2, i1, l2, l1, 10
        elif lab == 10:
            dfl = (fnl - m[b + i1 + 2]) / (m[b + i2 + 2] - m[b + i1 + 2])
            flog1, flog2, fkb1, fkb2 = float(m[b + i1 + 3]), float(m[b + i2 + 3]), 0.0, 0.0
            if l1 < 4:
                lab = 32
                continue
            lab = 0
            for j2 in range(4, l2 + 1):
                fincr2 = float(m[b + i2 + j2])
                if fkb2 + fincr2 > fnb:
                    lab = 23
                    break
                fkb2 += fincr2
                flog2 -= fistep
            if lab == 0:
                itime += 1
                lab = 5 if itime == 1 else 50
        elif lab == 23:
            if itime == 1:
                lab = 30
            elif j2 == 4:
                lab = 28
            else:
                sl2, lab = flog2 / fkb2, 31
                for j1 in range(4, l1 + 1):
                    fincr1 = float(m[b + i1 + j1])
                    fkb1 += fincr1
                    flog1 -= fistep
                    fkbj1 = ((flog1 / fistep) * fincr1 + fkb1) / ((fincr1 / fistep) * sl2 + 1.0)
                    if fkbj1 <= fkb1:
                        break
                else:
                    if fkbj1 <= fkb2:
                        lab = 50
        elif lab == 31:
            if fkbj1 <= fkb2:
                lab = 29
            else:
                fkb1, lab = 0.0, 30
        elif lab == 30:
            fkb2, lab = 0.0, 32
        elif lab == 32:
            j2, fincr2, flog2, flog1, lab = 4, float(m[b + i2 + 4]), float(m[b + i2 + 3]), float(m[b + i1 + 3]), 28
        elif lab == 28:
            flogm, fkbm = flog1 + (flog2 - flog1) * dfl, 0.0
            fkb2 += fincr2
            flog2 -= fistep
            sl2 = flog2 / fkb2
            if l1 < 4:
                fincr1, sl1, lab = 0.0, -900000.0, 20
                continue
            j1, fincr1 = 4, float(m[b + i1 + 4])
            fkb1 += fincr1
            flog1 -= fistep
            sl1, lab = flog1 / fkb1, 15
        elif lab == 29:
            fkbm = fkbj1 + (fkb2 - fkbj1) * dfl
            flogm = fkbm * sl2
            flog2 -= fistep
            fkb2 += fincr2
            sl1, sl2, lab = flog1 / fkb1, flog2 / fkb2, 15
        elif lab == 15:
            if sl1 < sl2:
                lab = 20
                continue
            fkbj2 = ((flog2 / fistep) * fincr2 + fkb2) / ((fincr2 / fistep) * sl1 + 1.0)
            fkb = fkb1 + (fkbj2 - fkb1) * dfl
            flog = fkb * sl1
            if fkb >= fnb:
                lab = 60
                continue
            fkbm, flogm = fkb, flog
            if j1 >= l1:
                lab = 50
                continue
            j1 += 1
            fincr1 = float(m[b + i1 + j1])
            flog1 -= fistep
            fkb1 += fincr1
            sl1 = flog1 / fkb1
        elif lab == 20:
            fkbj1 = ((flog1 / fistep) * fincr1 + fkb1) / ((fincr1 / fistep) * sl2 + 1.0)
            fkb = fkbj1 + (fkb2 - fkbj1) * dfl
            flog = fkb * sl2
            if fkb >= fnb:
                lab = 60
                continue
            fkbm, flogm = fkb, flog
            if j2 >= l2:
                lab = 50
                continue
            j2 += 1
            fincr2 = float(m[b + i2 + j2])
            flog2 -= fistep
            fkb2 += fincr2
            sl2, lab = flog2 / fkb2, 15
        elif lab == 60:
            if fkb < fkbm + 1e-10:
                return 0.0
            return max(flogm + (flog - flogm) * ((fnb - fkbm) / (fkb - fkbm)), 0.0)
        else:  # 50
            return 0.0


@functools.lru_cache(maxsize=4)
def _l_index(particle: str, solar: str) -> list[tuple[list[int], list[int]]]:
    """Per energy map: offsets (relative, Fortran I2) and scaled L of its L sub-maps, ending at the terminator."""
    _, m, _, offsets = _model_map(particle, solar)
    out = []
    for off in offsets:
        b, i2, starts, lvals = off + 1, 0, [], []
        while b + i2 + 2 < off + m[off] and m[b + i2 + 1] > 0:  # sub-maps end with the energy map
            starts.append(i2)
            lvals.append(m[b + i2 + 2])
            i2 += m[b + i2 + 1]
        out.append((starts, lvals))
    return out


def _map_log_flux(particle: str, solar: str, l_value: np.ndarray, bb0: np.ndarray) -> np.ndarray:
    """log10 integral flux [cm-2 s-1] at every map energy for points (L, B/B0): shape (n_points, n_maps)."""
    head, m, energies, offsets = _model_map(particle, solar)
    fistep, fscale = float(head[6] // head[1]), float(head[6])
    index = _l_index(particle, solar)
    out = np.empty((np.size(l_value), energies.size))
    for p, (fl, b) in enumerate(zip(np.ravel(l_value).astype(np.float32), np.ravel(bb0).astype(np.float32),
                                    strict=True)):
        nl = int(min(15.6, abs(float(fl))) * head[4])
        nb = int((max(float(b), 1.0) - 1.0) * head[5])
        for k, off in enumerate(offsets):
            out[p, k] = _trara2(m, off + 2, index[k], nl, nb, fistep) / fscale
    return out


def _interp_energy(logf: np.ndarray, map_e: np.ndarray, energies: np.ndarray) -> np.ndarray:
    """TRARA1's energy interpolation of map log fluxes -> integral flux [cm-2 s-1], 0 where AE/AP-8 give none."""
    e = np.asarray(energies, dtype=float)
    j = np.clip(np.searchsorted(map_e, e, side="left") - 1, 0, map_e.size - 2)
    f1, f2 = logf[:, j], logf[:, j + 1]
    f = f1 + (f2 - f1) * (e - map_e[j]) / (map_e[j + 1] - map_e[j])
    jm = np.maximum(j - 1, 0)
    f0 = logf[:, jm]
    alt = f0 + (f1 - f0) * (e - map_e[jm]) / np.where(j >= 1, map_e[j] - map_e[jm], 1.0)
    f = np.where((f2 <= 0.0) & (j >= 1), np.minimum(f, alt), f)
    return np.where(f > 0.0, 10.0**f, 0.0)


def _geodetic(lat_c_deg: np.ndarray, r_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geodetic latitude [deg] and height [km] of geocentric (latitude, radius), WGS-84 (Bowring iteration)."""
    f = 1 / 298.257223563
    e2 = f * (2 - f)
    p, z = r_km * np.cos(np.radians(lat_c_deg)), r_km * np.sin(np.radians(lat_c_deg))
    phi = np.arctan2(z, p * (1 - e2))
    for _ in range(5):
        n = _R_KM / np.sqrt(1 - e2 * np.sin(phi) ** 2)
        h = p * np.cos(phi) + z * np.sin(phi) - _R_KM * np.sqrt(1 - e2 * np.sin(phi) ** 2)
        phi = np.arctan2(z, p * (1 - e2 * n / (n + h)))
    h = p * np.cos(phi) + z * np.sin(phi) - _R_KM * np.sqrt(1 - e2 * np.sin(phi) ** 2)
    return np.degrees(phi), h


def _field_lb(lat_c_deg: np.ndarray, lon_deg: np.ndarray, alt_km: np.ndarray, year: float):
    """McIlwain L and B/B0 from radbelt's IGRF/DGRF (SHELLG) at geocentric points."""
    from radbelt import igrf  # imported here: it pulls in astropy (~1 s) and is only needed on the slow path

    lat_d, h = _geodetic(np.asarray(lat_c_deg, float), _R_KM + np.asarray(alt_km, float))
    lv, bb0 = igrf(np.asarray(lon_deg, float), lat_d, h, year)
    return np.asarray(lv, float), np.asarray(bb0, float)


def _orbit_points(alt_km: float, inc_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Geocentric latitude and longitude [deg] of N_U x N_LON equal-time samples of the long-term ground track."""
    u = ((np.arange(N_U) + 0.5) / N_U - 0.5) * np.pi  # (-90, 90) deg covers each latitude once; equal time steps
    lat = np.degrees(np.arcsin(np.sin(np.radians(inc_deg)) * np.sin(u)))
    lon = (np.arange(N_LON) + 0.5) / N_LON * 360.0 - 180.0
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    return la.ravel(), lo.ravel()


def _trapped_point_flux(particle: str, solar: str, lat: np.ndarray, lon: np.ndarray, alt_km: float,
                        energies: np.ndarray, field: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Integral flux (n_points, n_energies) [cm-2 s-1]; ``field`` = precomputed (L, B/B0) at the model epoch."""
    lv, bb0 = field if field is not None else _field_lb(lat, lon, np.full(np.shape(lat), alt_km),
                                                        FIELD_EPOCH_YR[solar])
    _, _, map_e, _ = _model_map(particle, solar)
    return _interp_energy(_map_log_flux(particle, solar, lv, bb0), map_e, energies)


def _trapped_doses(lat: np.ndarray, lon: np.ndarray, alt_km: float, shield: np.ndarray, solar: str,
                   average: bool) -> tuple[np.ndarray, np.ndarray]:
    """Trapped proton and electron dose rates [rad/yr] behind ``shield``: of the mean flux over the points
    (``average``) or of each point (n_points, n_shield)."""
    states = ("min", "max") if solar == "mean" else (solar,)
    doses: dict[str, list[np.ndarray]] = {"p": [], "e": []}
    for s in states:
        field = _field_lb(lat, lon, np.full(np.shape(lat), alt_km), FIELD_EPOCH_YR[s])
        for particle, energies in (("p", E_PROTON), ("e", E_ELECTRON)):
            flux = _trapped_point_flux(particle, s, lat, lon, alt_km, energies, field)
            doses[particle].append(_dose_from_integral(flux.mean(axis=0) if average else flux, energies, particle,
                                                       shield))
    return np.mean(doses["p"], axis=0), np.mean(doses["e"], axis=0)


def _norm_particle(particle: str) -> str:
    p = {"p": "p", "proton": "p", "protons": "p", "e": "e", "electron": "e", "electrons": "e"}.get(particle)
    if p is None:
        raise ValueError(f"particle must be 'p' (proton) or 'e' (electron), got {particle!r}")
    return p


def _fold_inclination(alt: np.ndarray, inc: np.ndarray) -> np.ndarray:
    """Inclination folded into [0, 90] deg (i and 180 - i share a ground-track latitude distribution)."""
    sso = np.isnan(inc)
    if np.any(sso):
        inc = inc.copy()
        inc[sso] = sso_inclination_deg(alt[sso]) if np.ndim(alt) else sso_inclination_deg(alt)
    return np.where(inc > 90.0, 180.0 - inc, inc)


def trapped_flux_orbit_average(altitude_km: float, inclination_deg: float, solar: Solar, particle: str,
                               energies_mev: npt.ArrayLike) -> np.ndarray:
    r"""Omnidirectional integral flux of trapped particles above each energy, averaged over a circular orbit.

    Parameters
    ----------
    altitude_km : float
        Height above the equatorial radius [km], in [150, 50000].
    inclination_deg : float
        Inclination [deg] in [0, 180]; NaN means sun-synchronous at that altitude.
    solar : {'min', 'max', 'mean'}
        AP-8/AE-8 MIN or MAX model; 'mean' averages the two.
    particle : {'p', 'e'}
        Protons (AP-8, 0.1-400 MeV) or electrons (AE-8, 0.04-7 MeV).
    energies_mev : array_like
        Threshold energies [MeV].

    Returns
    -------
    numpy.ndarray
        Integral flux :math:`J(>E)` [cm-2 s-1], shape of ``energies_mev``.

    Notes
    -----
    Over months the ground track of a circular orbit covers every longitude uniformly at each latitude, so the
    time average is :math:`\langle J\rangle = \frac{1}{\pi}\int_{-\pi/2}^{\pi/2}\frac{du}{1}\,
    \frac{1}{2\pi}\oint J(\varphi(u), \lambda, h)\,d\lambda` with :math:`\sin\varphi = \sin i\sin u`
    (u the argument of latitude, uniform in time). It is sampled at 36 x 48 points (5 deg in u, 7.5 deg in
    longitude); the South Atlantic Anomaly is resolved by these samples. McIlwain L and B/B0 come from radbelt's
    IGRF/DGRF at the models' own epochs (1964, 1970); the AE-8/AP-8 interpolation is a line-by-line port of
    radbelt's TRARA1/TRARA2 on radbelt's own map files (radbelt re-reads the 100 kB map on every call, 2.5 ms per
    point and energy; the port agrees with ``radbelt.aep8`` to 3e-6, see the tests). AE-8/AP-8 encode "no flux"
    as log10 flux 0, which ``radbelt`` returns as 1 cm-2 s-1; here it is 0.

    References
    ----------
    .. [1] Sawyer, D. M. and Vette, J. I., *AP-8 trapped proton environment for solar maximum and solar minimum*,
       NSSDC/WDC-A-R&S 76-06, 1976. Vette, J. I., *The AE-8 trapped electron model environment*, NSSDC 91-24, 1991.
    .. [2] Heynderickx, D., Lemaire, J. and Daly, E. J., Historical review of the different procedures used to
       compute the L-parameter, *Radiat. Meas.* 26, 325-331, 1996.
    """
    _check_solar(solar)
    p = _norm_particle(particle)
    alt = float(_check(altitude_km, "altitude_km", 150.0, 50000.0, "km"))
    inc = float(_fold_inclination(np.asarray(alt), _check(inclination_deg, "inclination_deg", 0.0, 180.0, "deg",
                                                                 allow_nan=True)))
    e = np.asarray(energies_mev, dtype=float)
    if solar == "mean":
        return 0.5 * sum(trapped_flux_orbit_average(alt, inc, s, p, e) for s in ("min", "max"))
    lat, lon = _orbit_points(alt, inc)
    return _trapped_point_flux(p, solar, lat, lon, alt, e.ravel()).mean(axis=0).reshape(e.shape)

