"""Independent cross-check of terawatt.physics.orbit against SGP4 propagation and the JPL DE421 Sun.

Each orbit is built as an SGP4 element set (WGS72, epoch 2026-01-01 00:00 UT, no drag), propagated every 60 s
for the whole year 2026 (525,600 samples, vectorised with SatrecArray), and each sample is tested for the
conical umbra against the apparent geocentric Sun from skyfield with DE421, both in SGP4's TEME frame:

* TEME is an equator-and-equinox *of date* frame; in 2026 it is rotated 0.36-0.38 deg from GCRS/ICRS
  (precession since J2000), so the Sun is rotated into TEME with skyfield's ``TEME`` frame (precession,
  nutation and the equation of the equinoxes) rather than taken as GCRS; the residual (IAU 1980 versus 2000A
  nutation, polar motion ignored) is at the arcsecond level.
* The ephemeris is loaded offline from skyfield-data; the timescale is skyfield's builtin one.

Nothing here calls the model's Sun or node formulas to set up the SGP4 orbit: the node of LTAN L h is put at
RA = GMST(epoch) + 15 L deg (at 0 h UT the mean Sun is on Greenwich's lower meridian), and the
sun-synchronous inclination is the one that makes SGP4's own secular node rate one turn per sidereal year.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from terawatt.physics.orbit import annual_eclipse_stats, beta_angle_deg, sso_inclination_deg, sun_direction
from terawatt.physics.orbit import sun_distance_au as model_sun_distance_au

sgp4_api = pytest.importorskip("sgp4.api")
pytest.importorskip("skyfield")
pytest.importorskip("skyfield_data")

from sgp4.earth_gravity import wgs72  # noqa: E402
from skyfield.api import Loader  # noqa: E402
from skyfield.sgp4lib import TEME  # noqa: E402

EPOCH_JD = 2461041.5  # 2026-01-01 00:00 UT
EPOCH_SGP4 = EPOCH_JD - 2433281.5  # days since 1949-12-31 00:00 UT
R_KM = 6378.137  # the model's spherical Earth (WGS-84 equatorial radius)
SUN_RADIUS_KM = 695700.0
STEP_S = 60.0
DAYS = np.arange(365)
SIDEREAL_YEAR_MIN = 365.256363004 * 1440.0


@pytest.fixture(scope="module")
def sky():
    """Timescale, GMST at epoch and the apparent Sun in TEME [km], hourly through 2026."""
    from skyfield_data import get_skyfield_data_path

    with warnings.catch_warnings():  # skyfield-data warns that its bundled finals2000A.all (unused) is old
        warnings.simplefilter("ignore")
        load = Loader(get_skyfield_data_path(), expire=False)
        eph = load("de421.bsp")
        ts = load.timescale(builtin=True)
    days = np.arange(365 * 24 + 1) / 24.0  # hourly
    t = ts.ut1_jd(EPOCH_JD + days)
    apparent = eph["earth"].at(t).observe(eph["sun"]).apparent()
    sun_teme = apparent.frame_xyz(TEME).km  # (3, n_hours)
    ra, dec, dist = apparent.radec(epoch="date")
    return {"gmst_deg": ts.ut1_jd(EPOCH_JD).gmst * 15.0, "sun_teme": sun_teme, "days": days,
            "ra_rad": ra.radians, "dec_rad": dec.radians, "dist_au": dist.au}


def _satrec(altitude_km: float, inclination_deg: float, raan_deg: float, sun_synchronous: bool):
    """Circular SGP4 orbit whose Brouwer mean semi-major axis is R + h (and SGP4-sun-synchronous if asked)."""
    n_kozai = np.sqrt(wgs72.mu / (R_KM + altitude_km) ** 3) * 60.0  # [rad/min], refined below
    inc = inclination_deg
    for _ in range(8):
        sat = sgp4_api.Satrec()
        sat.sgp4init(sgp4_api.WGS72, "i", 1, EPOCH_SGP4, 0.0, 0.0, 0.0, 0.0, 0.0, np.radians(inc), 0.0,
                     n_kozai, np.radians(raan_deg))
        n_kozai *= (sat.a * wgs72.radiusearthkm / (R_KM + altitude_km)) ** 1.5
        if sun_synchronous:  # scale cos i by (wanted / SGP4's node rate); converges in a few passes
            cos_i = np.cos(np.radians(inc)) * (2 * np.pi / SIDEREAL_YEAR_MIN) / sat.nodedot
            inc = np.degrees(np.arccos(cos_i))
    return sat, inc


def _sgp4_year(sky, altitude_km, inclination_deg, ltan_h, sun_synchronous):
    """Umbra statistics and daily mean beta of one SGP4 orbit over 2026, sampled every 60 s."""
    raan = sky["gmst_deg"] + 15.0 * ltan_h  # RA of the mean Sun at 0 h UT is GMST + 180 deg
    sat, inc = _satrec(altitude_km, inclination_deg, raan, sun_synchronous)
    minutes = np.arange(0.0, 365 * 1440.0, STEP_S / 60.0)
    err, r, v = sgp4_api.SatrecArray([sat]).sgp4(np.full(minutes.size, EPOCH_JD), minutes / 1440.0)
    assert not err.any()
    r, v = r[0], v[0]
    hours = minutes / 60.0  # the Sun moves 0.04 deg per hour: linear interpolation errs by < 1e-7 rad
    sun = np.stack([np.interp(hours, np.arange(sky["days"].size), c) for c in sky["sun_teme"]], axis=1)

    # umbra margin g: Earth's angular radius minus the Sun's, minus the Earth-Sun separation seen from orbit
    r_norm = np.linalg.norm(r, axis=1)
    to_sun = sun - r
    d_norm = np.linalg.norm(to_sun, axis=1)
    separation = np.arccos(np.clip(np.einsum("ij,ij->i", -r, to_sun) / (r_norm * d_norm), -1.0, 1.0))
    g = np.arcsin(R_KM / r_norm) - np.arcsin(SUN_RADIUS_KM / d_norm) - separation

    # time in umbra, with the shadow crossings interpolated linearly between samples
    g0, g1 = g[:-1], g[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = np.where(g0 > 0, g0 / (g0 - g1), g1 / (g1 - g0))
    in_umbra = np.where((g0 > 0) & (g1 > 0), 1.0, np.where((g0 > 0) != (g1 > 0), cut, 0.0))
    sunlit_fraction = 1.0 - in_umbra.sum() / in_umbra.size

    crossing = g0 / (g0 - g1)  # fractional sample index of the zero of g within an interval
    entries = np.flatnonzero((g0 <= 0) & (g1 > 0))
    exits = np.flatnonzero((g0 > 0) & (g1 <= 0))
    exits = exits[exits > entries[0]] if entries.size else exits[:0]
    entries = entries[: exits.size]
    durations_min = ((exits + crossing[exits]) - (entries + crossing[entries])) * STEP_S / 60.0

    # eclipse days: peak of g on each orbit refined by a parabola, so that sub-minute grazes count too
    peak = np.flatnonzero((g[1:-1] >= g[:-2]) & (g[1:-1] > g[2:])) + 1
    gm, g_0, gp = g[peak - 1], g[peak], g[peak + 1]
    vertex = g_0 + 0.125 * (gm - gp) ** 2 / (2 * g_0 - gm - gp)
    eclipse_days = np.unique((peak[vertex > 0] * STEP_S // 86400).astype(int))

    h = np.cross(r, v)
    beta = np.degrees(np.arcsin(np.einsum("ij,ij->i", h, sun) / (np.linalg.norm(h, axis=1)
                                                                   * np.linalg.norm(sun, axis=1))))
    daily_beta = beta.reshape(365, -1).mean(axis=1)
    return {"sunlit_fraction": sunlit_fraction, "eclipse_days": eclipse_days.size,
            "max_eclipse_min": durations_min.max() if durations_min.size else 0.0,
            "daily_beta_deg": daily_beta, "inclination_deg": inc}


CASES = {
    # name: altitude [km], inclination [deg] (NaN: sun-synchronous), LTAN [h]
    "dawn-dusk SSO 18h": (650.0, np.nan, 18.0),
    "dawn-dusk SSO 6h": (650.0, np.nan, 6.0),
    "noon-midnight SSO": (650.0, np.nan, 12.0),
    "ISS-like": (420.0, 51.6, 12.0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_annual_eclipse_stats_match_sgp4(sky, name):
    altitude_km, inclination_deg, ltan_h = CASES[name]
    sso = bool(np.isnan(inclination_deg))
    sim = _sgp4_year(sky, altitude_km, sso_inclination_deg(altitude_km) if sso else inclination_deg, ltan_h,
                     sso)
    model = annual_eclipse_stats(altitude_km, inclination_deg, ltan_h)
    model_beta = beta_angle_deg(altitude_km, inclination_deg, ltan_h, DAYS + 0.5)

    if sso:  # the model's J2 + J2^2 + J4 sun-synchronous inclination against SGP4's (WGS72) one
        assert abs(sim["inclination_deg"] - sso_inclination_deg(altitude_km)) < 0.005  # measured 0.0005 deg

    # Sunlit fraction. The model flies a circle of radius R + h; SGP4's osculating radius swings +/-8 km
    # about it (J2 short-period terms, J3 frozen-orbit eccentricity). Dawn-dusk eclipses fall near 72 deg
    # latitude, where SGP4 is 10 km higher in the south (LTAN 18 h, June) and 4 km lower in the north
    # (LTAN 6 h, December): a ~1-3 % change of the eclipse time. Measured |error|: 0.0011 (18 h), 0.0003,
    # 0.0003, 0.0002.
    assert model.sunlit_fraction == pytest.approx(sim["sunlit_fraction"], abs=0.002)

    # Longest umbra passage. Same altitude argument: 10 km higher at the eclipse latitude shortens a 19-min
    # dawn-dusk eclipse by ~0.2 min. Measured |error|: 0.21, 0.05, 0.01, 0.02 min.
    assert model.max_eclipse_min == pytest.approx(sim["max_eclipse_min"], abs=0.5)

    # Days with an eclipse. Season edges move at ~0.3 deg of beta per day; the +/-8 km radius swing moves
    # the beta threshold by ~0.12 deg (~0.4 d per edge), and both sides count whole days. Measured: 0 d.
    assert model.eclipse_days_per_yr == pytest.approx(sim["eclipse_days"], abs=2)

    # Beta angle, daily means from SGP4 against the model at noon UT. Meeus' Sun is good to 0.01 deg; the
    # daily mean of a curved beta(t) differs from its midday value by up to ~0.04 deg (ISS); the SGP4 node
    # rate (Brouwer, J2^2 and J4) is the model's, else the ISS node would drift ~1 deg in a year. Measured
    # max |error|: 0.012, 0.013, 0.014, 0.073 deg.
    np.testing.assert_allclose(model_beta, sim["daily_beta_deg"], atol=0.15)


def test_sun_matches_de421(sky):
    """Meeus' low-precision Sun against DE421, apparent, true equator and equinox of date."""
    days = sky["days"][::6]
    dec, ra = sun_direction(days)
    np.testing.assert_allclose(np.degrees(dec), np.degrees(sky["dec_rad"][::6]), atol=0.01)  # measured 0.004
    d_ra = np.angle(np.exp(1j * (ra - sky["ra_rad"][::6])))
    assert np.degrees(np.abs(d_ra)).max() < 0.015  # measured 0.0096 deg (0.6 s of time)
    # distance: the low-precision formula omits the Moon's pull on the Earth (+/- 3e-5 AU); measured 7.5e-5
    np.testing.assert_allclose(model_sun_distance_au(days), sky["dist_au"][::6], atol=1.5e-4)
