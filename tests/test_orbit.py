"""Tests of terawatt.physics.orbit: closed forms, known orbits, broadcasting, validation, fast lookup."""

from __future__ import annotations

import numpy as np
import pytest

from terawatt.physics import orbit
from terawatt.physics.orbit import (
    EclipseStats,
    annual_eclipse_stats,
    beta_angle_deg,
    eclipse_fraction,
    eclipse_stats_fast,
    equation_of_time_min,
    mean_sun_right_ascension_rad,
    node_rate_rad_per_s,
    orbital_period_s,
    sso_inclination_deg,
    sun_direction,
    sun_distance_au,
)

R_KM = 6378.137
DAYS = np.arange(365.0)
# 2026 equinoxes and solstices [days since 2026-01-01 00:00 UT] (skyfield almanac.seasons with DE421)
MARCH_EQUINOX, JUNE_SOLSTICE = 78.615, 171.350  # 2026-03-20 14:46 UT, 2026-06-21 08:24 UT
SEPTEMBER_EQUINOX, DECEMBER_SOLSTICE = 265.004, 354.868  # 2026-09-23 00:05 UT, 2026-12-21 20:50 UT


# ----------------------------------------------------------------------------------------------- orbits
def test_sso_inclination_closed_form_and_shapes():
    i650 = sso_inclination_deg(650.0)
    assert np.ndim(i650) == 0 and isinstance(i650, np.floating)
    assert 97.8 < i650 < 98.1  # 97.99 deg (J2 only), 98.01 deg with the J2^2 and J4 terms
    arr = sso_inclination_deg([[400.0, 800.0, 1200.0]])
    assert arr.shape == (1, 3)
    assert np.all(np.diff(arr) > 0)  # higher orbits need more retrograde inclination
    # first-order closed form cos i = -(2/3) (2 pi / Y) / (n J2 (R/a)^2), within the 2nd-order correction
    a = R_KM + 650.0
    n = np.sqrt(398600.4418 / a**3)
    cos_i = -(2 / 3) * (2 * np.pi / (365.256363004 * 86400)) / (n * 1.08262668e-3 * (R_KM / a) ** 2)
    assert abs(i650 - np.degrees(np.arccos(cos_i))) < 0.05


def test_sso_node_rate_is_one_turn_per_sidereal_year():
    alt = np.array([300.0, 650.0, 1500.0, 4000.0])
    rate = node_rate_rad_per_s(alt, sso_inclination_deg(alt))
    np.testing.assert_allclose(rate, 2 * np.pi / (365.256363004 * 86400), rtol=1e-9)


def test_no_sso_at_high_altitude():
    with pytest.raises(ValueError, match="sun-synchronous"):
        sso_inclination_deg([700.0, 6500.0])
    with pytest.raises(ValueError, match="sun-synchronous"):
        beta_angle_deg(35786.0, np.nan, 12.0, 0.0)


def test_orbital_period():
    assert 92.5 < orbital_period_s(420.0) / 60 < 93.2  # ISS 92.7-92.9 min at its ~410-420 km
    assert orbital_period_s(35786.0) == pytest.approx(86164.1, abs=5.0)  # GEO: one sidereal day
    assert orbital_period_s(np.full((2, 3), 500.0)).shape == (2, 3)


def test_node_rate_iss():
    deg_per_day = np.degrees(node_rate_rad_per_s(420.0, 51.6)) * 86400
    assert -5.1 < deg_per_day < -4.8  # ISS precesses ~5 deg/day westward
    first_order = -1.5 * np.sqrt(398600.4418 / (R_KM + 420) ** 3) * 1.08262668e-3 * (R_KM / (R_KM + 420)) ** 2
    first_order *= np.cos(np.radians(51.6))
    assert abs(node_rate_rad_per_s(420.0, 51.6) / first_order - 1) < 1e-3  # J2^2 and J4 terms ~0.05 %
    assert node_rate_rad_per_s(700.0, 90.0) == pytest.approx(0.0, abs=1e-15)
    assert node_rate_rad_per_s([500.0, 600.0], [[30.0], [150.0]]).shape == (2, 2)


# -------------------------------------------------------------------------------------------------- Sun
def test_sun_declination_and_distance():
    dec, ra = sun_direction(np.array([MARCH_EQUINOX, JUNE_SOLSTICE, SEPTEMBER_EQUINOX, DECEMBER_SOLSTICE]))
    np.testing.assert_allclose(np.degrees(dec), [0.0, 23.436, 0.0, -23.436], atol=0.01)
    np.testing.assert_allclose(np.degrees(ra) % 360, [0.0, 90.0, 180.0, 270.0], atol=0.02)
    d, r = sun_direction(10.0)
    assert np.ndim(d) == 0 and np.ndim(r) == 0
    # 2026 perihelion Jan 3 (0.98330 AU), aphelion Jul 6 (1.01664 AU) from DE421; the low-precision formula
    # omits the Moon's pull on the Earth (+/- 3e-5 AU)
    dist = sun_distance_au(np.arange(0.0, 365.0, 0.25))
    assert dist.min() == pytest.approx(0.98330, abs=1e-4)
    assert dist.max() == pytest.approx(1.01664, abs=1e-4)
    assert np.argmin(dist) * 0.25 == pytest.approx(2.75, abs=1)
    assert np.argmax(dist) * 0.25 == pytest.approx(186, abs=2)


def test_equation_of_time():
    # extremes: about -14.2 min on Feb 11 and +16.4 min on Nov 3 (Meeus 1998, ch. 28)
    eot = equation_of_time_min(DAYS)
    assert eot.min() == pytest.approx(-14.2, abs=0.15) and 38 <= np.argmin(eot) <= 44
    assert eot.max() == pytest.approx(16.4, abs=0.15) and 303 <= np.argmax(eot) <= 308
    _, ra = sun_direction(DAYS)
    diff = np.angle(np.exp(1j * (mean_sun_right_ascension_rad(DAYS) - ra)))
    np.testing.assert_allclose(np.degrees(diff) * 4, eot, atol=1e-9)


# --------------------------------------------------------------------------------------------- beta angle
def test_beta_shapes_and_equatorial_orbit():
    b = beta_angle_deg(np.array([[500.0], [700.0], [900.0]]), 45.0, 10.5, np.arange(4.0))
    assert b.shape == (3, 4)
    assert np.ndim(beta_angle_deg(500.0, 45.0, 10.5, 3.0)) == 0
    dec, _ = sun_direction(DAYS)
    np.testing.assert_allclose(beta_angle_deg(35786.0, 0.0, 0.0, DAYS), np.degrees(dec), atol=1e-9)


def test_beta_dawn_dusk_geometry():
    # LTAN 18 h: orbit normal points ~8 deg below the equator towards the Sun, beta = 180 - i - dec
    b18 = beta_angle_deg(650.0, np.nan, 18.0, DAYS)
    assert np.argmin(b18) == pytest.approx(JUNE_SOLSTICE, abs=3)
    assert b18.min() == pytest.approx(180 - sso_inclination_deg(650.0) - 23.44, abs=0.3)
    # LTAN 6 h: mirror image, Sun on the anti-normal side, closest to the plane at the December solstice
    b6 = beta_angle_deg(650.0, np.nan, 6.0, DAYS)
    assert np.all(b6 < 0) and np.argmax(b6) == pytest.approx(DECEMBER_SOLSTICE, abs=3)


def test_beta_nan_inclination_is_sun_synchronous():
    i = sso_inclination_deg(650.0)
    days = np.linspace(0.0, 60.0, 7)
    # an explicit SSO inclination precesses with the mean Sun, so it tracks the NaN form closely
    explicit = beta_angle_deg(650.0, i, 10.5, days)
    np.testing.assert_allclose(explicit, beta_angle_deg(650.0, np.nan, 10.5, days), atol=0.01)


def test_beta_iss_cycles_about_60_days():
    b = beta_angle_deg(420.0, 51.6, 12.0, np.arange(0.0, 365.0, 0.25))
    assert b.max() == pytest.approx(51.6 + 23.44, abs=1.0)
    crossings = np.flatnonzero(np.diff(np.sign(b)) != 0) * 0.25
    period = 2 * np.mean(np.diff(crossings))
    assert 55 < period < 65  # synodic node period 360/(4.95 + 0.99) = 60.6 d


# ----------------------------------------------------------------------------------------------- eclipses
def test_eclipse_fraction_cylindrical_closed_form():
    h = np.array([300.0, 420.0, 650.0, 1200.0, 35786.0])
    expected = np.arccos(np.sqrt(h**2 + 2 * R_KM * h) / (R_KM + h)) / np.pi
    np.testing.assert_allclose(eclipse_fraction(h, 0.0, model="cylindrical"), expected, rtol=1e-12)
    beta = 30.0
    h = h[:4]
    expected = np.arccos(np.sqrt(h**2 + 2 * R_KM * h) / ((R_KM + h) * np.cos(np.radians(beta)))) / np.pi
    np.testing.assert_allclose(eclipse_fraction(h, beta, model="cylindrical"), expected, rtol=1e-12)


def test_eclipse_fraction_properties():
    beta = np.linspace(-90.0, 90.0, 721)
    for h in (420.0, 650.0, 1200.0, 35786.0):
        con = eclipse_fraction(h, beta)
        cyl = eclipse_fraction(h, beta, model="cylindrical")
        assert con.shape == beta.shape
        assert np.all(con <= cyl) and np.all(con[cyl > 0] < cyl[cyl > 0])  # the umbra cone is narrower
        np.testing.assert_allclose(con, con[::-1])  # symmetric in beta
        half = con[beta >= 0]
        assert np.all(np.diff(half) <= 0) and half[-1] == 0.0  # monotonic, no eclipse near |beta| = 90
    threshold = np.degrees(np.arcsin(R_KM / (R_KM + 650.0)))  # 65.2 deg at 650 km
    assert eclipse_fraction(650.0, threshold + 0.01, model="cylindrical") == 0.0
    assert eclipse_fraction(650.0, threshold - 0.5, model="cylindrical") > 0.0
    assert np.ndim(eclipse_fraction(650.0, 0.0)) == 0
    assert eclipse_fraction(np.array([[400.0], [800.0]]), np.array([0.0, 20.0, 40.0])).shape == (2, 3)
    # atmosphere enlarges the shadow
    assert eclipse_fraction(420.0, 0.0, atmosphere_km=30.0) > eclipse_fraction(420.0, 0.0)


def test_geo_eclipse_seasons():
    st = annual_eclipse_stats(35786.0, 0.0, 0.0)
    assert 80 <= st.eclipse_days_per_yr <= 95  # two ~44-day seasons
    assert 66.0 < st.max_eclipse_min < 69.0  # umbra; the classic 72 min includes the penumbra
    assert 69.0 < annual_eclipse_stats(35786.0, 0.0, 0.0, model="cylindrical").max_eclipse_min < 70.5
    dec, _ = sun_direction(DAYS)
    f = eclipse_fraction(35786.0, np.degrees(dec), sun_distance_au=sun_distance_au(DAYS))
    eclipse_days = DAYS[f > 0]
    near = np.minimum(np.abs(eclipse_days - MARCH_EQUINOX), np.abs(eclipse_days - SEPTEMBER_EQUINOX))
    assert near.max() <= 23  # seasons centred on the equinoxes


def test_dawn_dusk_sso_has_a_solstice_eclipse_season():
    for ltan, solstice in ((18.0, JUNE_SOLSTICE), (6.0, DECEMBER_SOLSTICE)):
        st = annual_eclipse_stats(650.0, np.nan, ltan)
        assert 60 <= st.eclipse_days_per_yr <= 120  # about three months
        assert 17.0 < st.max_eclipse_min < 21.0  # ~19.3 min at 650 km
        assert st.sunlit_fraction > 0.95
        b = beta_angle_deg(650.0, np.nan, ltan, DAYS)
        days = DAYS[eclipse_fraction(650.0, b, sun_distance_au=sun_distance_au(DAYS)) > 0]
        offset = (days - solstice + 182.5) % 365 - 182.5
        assert np.all(np.abs(offset) < 60)  # one season around that solstice only
    assert annual_eclipse_stats(1300.0, np.nan, 18.0).eclipse_days_per_yr > 0
    assert annual_eclipse_stats(1400.0, np.nan, 18.0).eclipse_days_per_yr == 0  # eclipse-free above ~1,345 km


def test_noon_midnight_and_iss_eclipse_every_orbit():
    noon = annual_eclipse_stats(650.0, np.nan, 12.0)
    assert noon.eclipse_days_per_yr == 365
    assert 0.6 < noon.sunlit_fraction < 0.66  # 0.640
    assert 34.0 < noon.max_eclipse_min < 36.5
    iss = annual_eclipse_stats(420.0, 51.6, 12.0)
    assert 0.6 < iss.sunlit_fraction < 0.68  # 0.663; SGP4 gives 0.663 too (test_orbit_sgp4.py)
    assert 35.0 < iss.max_eclipse_min < 37.0  # ISS: ~36 min at beta = 0
    assert 340 <= iss.eclipse_days_per_yr < 365  # a few eclipse-free days at the beta peaks


def test_annual_stats_shapes_and_chunks(monkeypatch):
    st = annual_eclipse_stats(np.array([[500.0], [800.0]]), np.nan, np.array([6.0, 10.0, 12.0]))
    assert isinstance(st, EclipseStats)
    for field in (st.sunlit_fraction, st.eclipse_days_per_yr, st.max_eclipse_min):
        assert field.shape == (2, 3)
    scalar = annual_eclipse_stats(500.0, 97.4, 10.0)
    assert np.ndim(scalar.sunlit_fraction) == 0 and np.ndim(scalar.max_eclipse_min) == 0
    alt = np.linspace(400.0, 1200.0, 37)
    whole = annual_eclipse_stats(alt, 53.0, 9.0)
    monkeypatch.setattr(orbit, "_CHUNK_ELEMENTS", 5000)  # 4 orbits per chunk
    chunked = annual_eclipse_stats(alt, 53.0, 9.0)
    np.testing.assert_array_equal(whole.sunlit_fraction, chunked.sunlit_fraction)
    np.testing.assert_array_equal(whole.max_eclipse_min, chunked.max_eclipse_min)
    coarse = annual_eclipse_stats(alt, 53.0, 9.0, n_days=73)
    np.testing.assert_allclose(coarse.sunlit_fraction, whole.sunlit_fraction, atol=0.003)


# --------------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: orbital_period_s(100.0), r"altitude_km must be in \[150, 50000\] km, got 100"),
        (lambda: orbital_period_s([500.0, np.nan]), r"altitude_km must be in \[150, 50000\] km, got nan"),
        (lambda: sso_inclination_deg(np.inf), r"altitude_km must be in \[150, 50000\] km, got inf"),
        (lambda: beta_angle_deg(500.0, 45.0, 24.0, 0.0), r"ltan_h must be in \[0, 24\) h, got 24"),
        (lambda: beta_angle_deg(500.0, 45.0, -1.0, 0.0), r"ltan_h must be in \[0, 24\) h, got -1"),
        (lambda: beta_angle_deg(500, 181, 6, 0), r"inclination_deg must be in \[0, 180\] deg, got 181"),
        (lambda: beta_angle_deg(500.0, 45.0, 6.0, np.nan), r"day_of_year must be finite"),
        (lambda: node_rate_rad_per_s(500.0, np.nan), r"inclination_deg must be in \[0, 180\] deg, got nan"),
        (lambda: eclipse_fraction(500.0, 91.0), r"beta_deg must be in \[-90, 90\] deg, got 91"),
        (lambda: eclipse_fraction(500.0, 0.0, model="spherical"), r"model must be"),
        (lambda: annual_eclipse_stats(120, np.nan, 6), r"altitude_km must be in \[150, 50000\] km, got 120"),
        (lambda: eclipse_stats_fast(500.0, np.nan, 25.0), r"ltan_h must be in \[0, 24\) h, got 25"),
        (lambda: annual_eclipse_stats(500.0, np.nan, 6.0, n_days=0), r"n_days must be an integer"),
    ],
)
def test_invalid_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ----------------------------------------------------------------------------------------- fast lookup
def _max_errors(fast: EclipseStats, direct: EclipseStats) -> tuple[float, float, float]:
    return tuple(float(np.max(np.abs(getattr(fast, k) - getattr(direct, k))))
                 for k in ("sunlit_fraction", "eclipse_days_per_yr", "max_eclipse_min"))


def test_fast_unique_path_is_exact():
    rng = np.random.default_rng(0)
    alt = rng.choice([450.0, 550.0, 650.0], size=(200, 50))
    inc = rng.choice([np.nan, 53.0], size=(200, 50))
    ltan = rng.choice([6.0, 10.5, 18.0], size=(200, 50))
    fast = eclipse_stats_fast(alt, inc, ltan)
    assert fast.sunlit_fraction.shape == (200, 50)
    direct = annual_eclipse_stats(alt[:3], inc[:3], ltan[:3])
    for k in ("sunlit_fraction", "eclipse_days_per_yr", "max_eclipse_min"):
        np.testing.assert_array_equal(getattr(fast, k)[:3], getattr(direct, k))
    assert np.ndim(eclipse_stats_fast(650.0, np.nan, 6.0).max_eclipse_min) == 0


@pytest.mark.parametrize("ltan", [6.0, 10.5, 18.0])
def test_fast_interpolation_error_one_ltan(ltan):
    rng = np.random.default_rng(1)
    alt = rng.uniform(400.0, 1200.0, 20_000)  # > 4,096 unique triples: interpolated in altitude
    fast = eclipse_stats_fast(alt, np.nan, ltan)
    idx = rng.choice(alt.size, 800, replace=False)
    direct = annual_eclipse_stats(alt[idx], np.nan, ltan)
    fast_sub = EclipseStats(*(getattr(fast, k)[idx] for k in ("sunlit_fraction", "eclipse_days_per_yr",
                                                              "max_eclipse_min")))
    sunlit, days, longest = _max_errors(fast_sub, direct)
    assert sunlit < 2e-4 and longest < 0.05 and days < 2.5  # measured 2e-5, 0.001 min, 1.9 d


def test_fast_explicit_sso_inclination_uses_the_sso_table():
    # model code may resolve NaN to sso_inclination_deg(alt) first; that must not fall back to a 3-D table
    # interpolating between drifting non-SSO orbits (which errs by ~1 min on dawn-dusk eclipses)
    rng = np.random.default_rng(5)
    alt = rng.uniform(400.0, 1200.0, 20_000)
    fast = eclipse_stats_fast(alt, sso_inclination_deg(alt), 6.0)
    idx = rng.choice(alt.size, 600, replace=False)
    direct = annual_eclipse_stats(alt[idx], np.nan, 6.0)
    assert np.abs(fast.max_eclipse_min[idx] - direct.max_eclipse_min).max() < 0.05
    assert np.abs(fast.sunlit_fraction[idx] - direct.sunlit_fraction).max() < 2e-4


def test_fast_interpolation_error_varying_ltan_and_inclination():
    rng = np.random.default_rng(2)
    n = 20_000
    sso = rng.random(n) < 0.5  # SSO: altitude x LTAN table; inclined: altitude x LTAN x inclination
    alt = np.where(sso, rng.uniform(400.0, 1200.0, n), rng.uniform(400.0, 600.0, n))
    ltan = np.where(sso, rng.uniform(5.0, 8.0, n), rng.uniform(9.0, 10.0, n))
    inc = np.where(sso, np.nan, rng.uniform(40.0, 45.0, n))
    fast = eclipse_stats_fast(alt, inc, ltan)
    idx = rng.choice(n, 1500, replace=False)
    direct = annual_eclipse_stats(alt[idx], inc[idx], ltan[idx])
    err = {k: np.abs(getattr(fast, k)[idx] - getattr(direct, k))
           for k in ("sunlit_fraction", "eclipse_days_per_yr", "max_eclipse_min")}
    assert err["sunlit_fraction"].max() < 0.002  # measured 4e-4 to 1.5e-3 over seeds
    assert err["max_eclipse_min"].max() < 0.05  # measured ~0.01 min
    assert np.percentile(err["eclipse_days_per_yr"], 99) < 6.0  # square-root onsets of seasons


def test_fast_near_dawn_dusk_eclipse_threshold():
    rng = np.random.default_rng(3)
    alt = rng.uniform(1200.0, 1500.0, 10_000)
    for ltan in (6.0, 18.0):
        fast = eclipse_stats_fast(alt, np.nan, ltan)
        idx = rng.choice(alt.size, 600, replace=False)
        direct = annual_eclipse_stats(alt[idx], np.nan, ltan)
        assert np.abs(fast.max_eclipse_min[idx] - direct.max_eclipse_min).max() < 0.6  # measured 0.49 min
        assert np.abs(fast.sunlit_fraction[idx] - direct.sunlit_fraction).max() < 2e-4


def test_fast_million_samples():
    """A million altitudes in one call: the cached table covers them (speed is measured in benchmarks/)."""
    rng = np.random.default_rng(4)
    alt = rng.uniform(400.0, 1200.0, 1_000_000)
    eclipse_stats_fast(alt[:10_000], np.nan, 10.5)  # builds (and caches) the table for 400-1200 km
    st = eclipse_stats_fast(alt, np.nan, 10.5)
    assert st.sunlit_fraction.shape == (1_000_000,)
    assert np.all((st.sunlit_fraction > 0.6) & (st.sunlit_fraction < 0.75))
    head = eclipse_stats_fast(alt[:10_000], np.nan, 10.5).sunlit_fraction
    np.testing.assert_allclose(st.sunlit_fraction[:10_000], head, atol=0.0015)
