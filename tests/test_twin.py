"""The operations twin (terawatt.twin): its physics against closed forms, and its measurements against the
steady-state model for the default scenario, suncatcher and a non-sun-synchronous (Walker) shell.

Tolerances (fixed seeds; each stated where it is used):

* sunlit fraction, measured against the analytic model on the same dates: 0.006. The analytic model flies a circle
  of radius R + h; SGP4's osculating radius swings +/-8 km about it, and at the solstice the dawn-dusk eclipses fall
  near 72 deg latitude where SGP4 is ~10 km off: 1-3 % of a 0.2 eclipse fraction (tests/test_orbit_sgp4.py). 60-s
  steps quantise each eclipse edge by up to 30 s, averaged out over many satellites and orbits. Measured: 0.002
  (default), 0.003 (suncatcher), 0.001 (53 deg Walker shell).
* dose rate, the track average against the model's orbit-average table: 6 %. One day covers ~15 orbits, whose
  passes through the South Atlantic Anomaly (~90 % of the dose at 650 km) sample its longitudes unevenly; the
  model's table itself interpolates in altitude and inclination. Measured: +0.9 %, +0.9 %, -1.6 %.
  (Goodput losses measured: 0.99, 1.09, 0.92 x the model's, with 2,000-5,000 events a run.)
* goodput and failures: statistical, 4 standard errors of the sampled quantity (Poisson for events, the spread of
  per-satellite capacity for failures), plus the dose tolerance for goodput.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sgp4.api")
pytest.importorskip("skyfield")
pytest.importorskip("xarray")

import terawatt  # noqa: E402
from terawatt.constants import STEFAN_BOLTZMANN_W_PER_M2_K4  # noqa: E402
from terawatt.errors import ScenarioError  # noqa: E402
from terawatt.twin import comparison, state, twin  # noqa: E402
from terawatt.twin.constellation import build_constellation, satrec_array  # noqa: E402
from terawatt.twin.ephemeris import sun_teme_km  # noqa: E402
from terawatt.twin.simulate import julian_date  # noqa: E402

SUNLIT_TOL = 0.006
DOSE_REL_TOL = 0.06


@pytest.fixture(scope="module")
def runs():
    """Fixed-seed 24-h runs: the default design's whole fleet, suncatcher (4 clusters) and a 53 deg Walker shell."""
    return {
        "default": twin(None, hours=24, step_s=60, seed=1),
        "suncatcher": twin("suncatcher", satellites=324, hours=24, step_s=60, seed=2),
        "walker": twin(None, satellites=400, hours=24, step_s=60, seed=3,
                       overrides=["orbit.inclination_deg=53", "orbit.altitude_km=550"]),
    }


# ------------------------------------------------------------------------------------------------ closed forms
def test_illumination_closed_forms():
    sun = np.array([1.496e8, 0.0, 0.0])
    r = 6378.137 + 650.0
    seen, umbra = state.illumination(np.array([[r, 0, 0], [-r, 0, 0], [0, r, 0]]), sun)
    np.testing.assert_array_equal(umbra, [False, True, False])
    np.testing.assert_allclose(seen, [1.0, 0.0, 1.0])
    # the umbra edge behind the Earth: theta = rho_E - rho_S, the penumbra edge at rho_E + rho_S
    rho_e, rho_s = np.arcsin(6378.137 / r), np.arcsin(695700.0 / 1.496e8)
    for angle, expect in ((np.pi - (rho_e - rho_s) + 1e-4, 0.0), (np.pi - rho_e, 0.5),
                          (np.pi - (rho_e + rho_s) - 1e-4, 1.0)):
        # a point at angle `angle` from the Sun direction, seen from which the Earth-Sun separation is ~pi - angle
        p = r * np.array([np.cos(angle), np.sin(angle), 0.0])
        s, _ = state.illumination(p, sun)
        assert float(s) == pytest.approx(expect, abs=0.02)


def _plant(**kw):
    base = dict(compute_power_w=1e5, housekeeping_fraction=0.05, conversion_efficiency=0.9,
                battery_round_trip_efficiency=0.9, battery_capacity_wh=5e4, battery_depth_of_discharge=0.5,
                array_power_bol_w=2e5, degradation_per_yr=0.01, radiator_area_m2=150.0, fin_efficiency=0.9,
                sides=2.0, emissivity=0.9, sink_temp_k=3.0, absorbed_sun_w_per_m2=300.0,
                absorbed_shade_w_per_m2=100.0, heat_capacity_j_per_k=1e6, limit_temp_k=330.0)
    base.update(kw)
    return state.Plant(**base)


def test_radiator_relaxes_to_its_radiative_equilibrium():
    """In a long shade at fixed load the lumped radiator ends where emission balances heat + Earth IR."""
    p = _plant()
    temp = np.array([330.0])
    load = np.array([0.5])
    for _ in range(2000):
        temp = state.thermal_advance(p, temp, np.zeros(1), load, 60.0)
    heat = p.compute_power_w * (0.5 + p.housekeeping_fraction) / p.conversion_efficiency
    area = p.fin_efficiency * p.radiator_area_m2
    t_eq = ((heat / area + p.absorbed_shade_w_per_m2) / (p.sides * p.emissivity * STEFAN_BOLTZMANN_W_PER_M2_K4)
            + p.sink_temp_k**4) ** 0.25
    assert float(temp[0]) == pytest.approx(t_eq, abs=1e-6)


def test_thermal_limit_throttles_to_the_limit():
    """Full sun with more heat than the radiator rejects at the limit: the allowed load ends the step at it."""
    p = _plant(radiator_area_m2=100.0)
    temp = np.array([329.0])
    allowed = state.thermal_allowed_load(p, temp, np.ones(1), 60.0)
    assert 0.0 < allowed[0]
    after = state.thermal_advance(p, temp, np.ones(1), np.minimum(allowed, 1.0), 60.0)
    assert after[0] <= p.limit_temp_k + 1e-9
    assert state.thermal_advance(p, temp, np.ones(1), np.ones(1), 60.0)[0] > p.limit_temp_k or allowed[0] >= 1.0


def test_battery_energy_balance():
    """A deficit is drawn at 1/sqrt(eta_rt), a surplus stored at sqrt(eta_rt); the floor is the depth of discharge."""
    p = _plant()
    e0 = np.array([4e4])
    load, e1 = state.power_limited_load(p, np.zeros(1), e0, 60.0, np.ones(1))
    assert load[0] == 1.0
    assert e0[0] - e1[0] == pytest.approx(p.compute_power_w * 1.05 / 60.0 / np.sqrt(0.9))
    load, e2 = state.power_limited_load(p, np.zeros(1), np.array([p.battery_capacity_wh * 0.5]), 60.0, np.ones(1))
    assert load[0] == 0.0 and e2[0] == pytest.approx(p.battery_capacity_wh * 0.5)
    _, e3 = state.power_limited_load(p, np.array([2e5]), e0, 60.0, np.ones(1))
    surplus = 0.9 * 2e5 - 1.05e5
    assert e3[0] - e0[0] == pytest.approx(min(surplus * np.sqrt(0.9) / 60.0, p.battery_capacity_wh - e0[0]))


def test_sun_from_de421_matches_the_models_low_precision_sun():
    """Independent Sun: DE421 in TEME against Meeus' formula of terawatt.physics.orbit (0.01 deg)."""
    from terawatt.physics.orbit import sun_direction

    jd0 = julian_date("2026-03-01")
    s = sun_teme_km(jd0, np.array([0.0, 43200.0]))
    dec, ra = sun_direction(np.array([0.0, 0.5]) + (jd0 - 2461041.5))
    np.testing.assert_allclose(np.degrees(np.arcsin(s[:, 2] / np.linalg.norm(s, axis=1))), np.degrees(dec),
                               atol=0.01)
    np.testing.assert_allclose(np.degrees(np.arctan2(s[:, 1], s[:, 0])) % 360, np.degrees(ra) % 360, atol=0.02)


def test_dose_map_is_the_point_dose():
    from terawatt.physics.radiation.dose import dose_map_rad_per_yr, point_dose_rad_per_yr

    lat, lon = np.array([-30.0, 0.0, 70.0]), np.array([-40.0, 100.0, 10.0])
    np.testing.assert_allclose(dose_map_rad_per_yr(lat, lon, 650.0, 10.0),
                               point_dose_rad_per_yr(lat, lon, 650.0, 10.0).total_rad_per_yr, rtol=1e-12)


def test_clusters_stay_in_formation_and_walker_planes():
    c = build_constellation(162, 81, 500.0, 650.0, 98.0, 18.0, True, julian_date("2026-06-21"))
    assert c.plane.max() == 0 and c.cluster.max() == 1
    err, r, _ = satrec_array(c).sgp4(np.full(2, c.epoch_jd), np.array([0.0, 1.0]))
    assert not err.any()
    for t in range(2):
        members = r[:81, t]
        spread = np.linalg.norm(members[:, None] - members[None, :], axis=-1).max()
        # the square grid's diagonal is the cluster diameter (1 km); node offsets give a cross-track oscillation
        # (and J2 a slow differential drift) that moves it by a few percent in a day. Measured: 1.00, 1.074 km.
        assert spread < 2 * 0.5 * 1.10
    w = build_constellation(900, 81, 500.0, 550.0, 53.0, 12.0, False, c.epoch_jd)
    assert w.plane.max() + 1 == 3  # 12 clusters in round(sqrt(12)) planes
    raan = np.array([w.raan_deg[w.plane == p].mean() for p in range(3)])
    np.testing.assert_allclose(np.diff(raan) % 360, 120.0, atol=0.01)


# ------------------------------------------------------------------------------------- agreement with the model
@pytest.mark.parametrize("name", ["default", "suncatcher", "walker"])
def test_sunlit_fraction_agrees(runs, name):
    ds = runs[name]
    assert ds.attrs["orbital.sunlit_fraction"] == pytest.approx(ds.attrs["model.orbital.sunlit_fraction"],
                                                                abs=SUNLIT_TOL)


@pytest.mark.parametrize("name", ["default", "suncatcher", "walker"])
def test_dose_rate_along_the_track_agrees_and_the_saa_shows(runs, name):
    ds = runs[name]
    assert ds.attrs["orbital.dose_rad_per_yr"] == pytest.approx(ds.attrs["model.orbital.dose_rad_per_yr"],
                                                                rel=DOSE_REL_TOL)
    lat, lon = ds["event_latitude_deg"].values, ds["event_longitude_deg"].values
    saa = (lat > -50) & (lat < 0) & (lon > -90) & (lon < 20)  # AP-8's anomaly (field of 1964/1970)
    assert saa.mean() > 0.5  # most events inside ~4 % of the sphere


@pytest.mark.parametrize("name", ["default", "suncatcher", "walker"])
def test_inference_goodput_agrees(runs, name):
    ds = runs[name]
    loss_twin = 1.0 - ds.attrs["orbital.inference_goodput_fraction"]
    loss_model = 1.0 - ds.attrs["model.orbital.inference_goodput_fraction"]
    n_events = float(ds["radiation_events"].sum())
    assert n_events > 100
    tol = loss_model * (4.0 / np.sqrt(n_events) + DOSE_REL_TOL)
    assert loss_twin == pytest.approx(loss_model, abs=tol)


def _exact_failure_capacity(result):
    """E[min(1, X/A)] with X ~ Binomial(F, exp(-lambda a)), a uniform over the life: per-satellite spares."""
    from scipy.stats import binom

    v = result.scenario.values
    lam, life = v["workload.hardware_failure_rate_per_yr"], v["satellite.lifetime_yr"]
    a = round(result["orbital.accelerators_per_satellite"])
    f = round(a * (1.0 + v["orbital_ops.spare_fraction"]))
    ages = (np.arange(4000) + 0.5) / 4000 * life
    x = np.arange(f + 1)
    return float((binom.pmf(x[None, :], f, np.exp(-lam * ages)[:, None]) * np.minimum(1.0, x / a)).sum(1).mean())


@pytest.mark.parametrize("name", ["default", "suncatcher"])
def test_failures_with_spares_agree_with_the_exact_expectation(runs, name):
    """The twin keeps spares per satellite: it matches E[min(1, X/A)] exactly. The steady-state model's mean-field
    min(1, (1+s) e^-lambda t) is higher (Jensen: min is concave): optimistic by < 1 percentage point here."""
    ds = runs[name]
    result = terawatt.evaluate(None if name == "default" else name)
    exact = _exact_failure_capacity(result)
    per_sat = ds["capacity_per_satellite"].values
    sigma = per_sat.std() / np.sqrt(per_sat.size)
    assert ds.attrs["orbital.availability_failures"] == pytest.approx(exact, abs=4 * sigma)
    model = ds.attrs["model.orbital.availability_failures"]
    assert 0.0 < model - exact < 0.01


def test_battery_is_used_to_its_sized_depth_in_the_longest_eclipse(runs):
    """At the solstice (the longest dawn-dusk eclipse) a full-capacity satellite drains its battery to the sizing
    depth of discharge, and never below it; the radiator never exceeds the chips' limit."""
    ds = runs["default"]
    dod = terawatt.evaluate().scenario.values["power.battery_depth_of_discharge"]
    assert ds.attrs["twin.battery_soc_min"] >= 1.0 - dod - 1e-9
    assert ds.attrs["twin.battery_soc_min"] == pytest.approx(1.0 - dod, abs=0.02)
    assert ds.attrs["twin.radiator_temp_max_k"] <= terawatt.evaluate()["orbital.radiator_temp_k"] + 1e-6


def test_throttle_policy_stops_compute_in_the_umbra():
    ds = twin(None, satellites=81, hours=6, step_s=60, seed=4, overrides=["orbit.eclipse_policy=throttle",
                                                                         "orbit.ltan_h=12"])
    sunlit = ds.attrs["orbital.sunlit_fraction"]
    assert sunlit < 0.7  # noon-midnight orbit: ~36 min of umbra per orbit
    ratio = ds.attrs["orbital.availability"] / (ds.attrs["orbital.availability_failures"]
                                                * ds.attrs["orbital.inference_goodput_fraction"]
                                                * ds.attrs["orbital.availability_avoidance"])
    assert ratio == pytest.approx(sunlit, abs=0.01)  # the penumbra gives partial compute
    assert float(ds["battery_soc_min"].max()) == 0.0


def test_seed_reproducible_and_table(runs):
    a = twin(None, satellites=81, hours=2, step_s=120, seed=7)
    b = twin(None, satellites=81, hours=2, step_s=120, seed=7)
    c = twin(None, satellites=81, hours=2, step_s=120, seed=8)
    np.testing.assert_array_equal(a["radiation_events"], b["radiation_events"])
    np.testing.assert_array_equal(a["capacity_per_satellite"], b["capacity_per_satellite"])
    assert not np.array_equal(a["age_yr"], c["age_yr"])  # another seed, another draw of the ages
    np.testing.assert_allclose(np.sort(a["age_yr"]), np.sort(c["age_yr"]))  # the same stratified ages
    table = comparison(runs["default"])
    assert list(table.columns) == ["twin", "model", "model_annual", "difference", "meaning"]
    assert "orbital.sunlit_fraction" in table.index and "orbital.availability" in table.index
    assert terawatt.twin is not None and callable(terawatt.twin)


def test_rigid_formation_matches_free_flight():
    """Members held at their offsets see the same shadow and dose as members flown from their own elements."""
    kw = dict(satellites=162, hours=3, step_s=60, seed=5)
    free, rigid = twin(None, formation="sgp4", **kw), twin(None, formation="rigid", **kw)
    assert rigid.attrs["orbital.sunlit_fraction"] == pytest.approx(free.attrs["orbital.sunlit_fraction"], abs=1e-3)
    assert rigid.attrs["orbital.dose_rad_per_yr"] == pytest.approx(free.attrs["orbital.dose_rad_per_yr"], rel=0.01)
    with pytest.raises(ScenarioError, match="twin.formation"):
        twin(None, satellites=81, hours=1, formation="loose")


def test_clusters_option():
    ds = twin("suncatcher", clusters=2, hours=1, step_s=120)
    assert ds.attrs["satellites"] == 162 and ds.attrs["clusters"] == 2
    with pytest.raises(ScenarioError, match="twin.clusters"):
        twin(None, satellites=10, clusters=1, hours=1)


def test_bad_options_name_every_field():
    with pytest.raises(ScenarioError) as exc:
        twin(None, satellites=0, hours=24 * 365 * 40, step_s=1e5, seed=-1)
    paths = {e.path for e in exc.value.errors}
    assert paths == {"twin.satellites", "twin.step_s", "twin.hours", "twin.seed"}
    with pytest.raises(ScenarioError, match="twin.hours: 0.1 h is shorter than one step of 1900 s"):
        twin("suncatcher", satellites=81, hours=0.1, step_s=1900)  # no step: the run's means were 0/0
    assert twin("suncatcher", satellites=81, hours=0.1, step_s=360).attrs["steps"] == 1
    with pytest.raises(ScenarioError, match=r"twin.step_s: 1 h in steps of 1e-300 s are 3.6e\+303 steps"):
        twin("suncatcher", satellites=81, hours=1, step_s=1e-300)  # it ran (forever) before


@pytest.mark.parametrize(("scenario", "overrides", "field"), [
    ("suncatcher", ["solar.absorptivity=0.1"], "solar.absorptivity"),  # arrays with no steady temperature
    ("suncatcher", ["power.battery_round_trip_efficiency=1e-8"], "twin.scenario"),  # infeasible: nothing to fly
    ("musk-2026", ["workload.server_power_w_per_accelerator=0.01"], "twin.satellites"),  # 1.1e11 accelerators
])
def test_designs_the_twin_cannot_fly_are_input_errors_named_before_any_work(scenario, overrides, field):
    with pytest.raises(ScenarioError) as exc:
        twin(scenario, hours=1, overrides=overrides)
    assert [e.path for e in exc.value.errors] == [field]


# ------------------------------------------------------------------------------------------------------ CLI
def _cli(*args, timeout=240):
    return subprocess.run([sys.executable, "-m", "terawatt.cli", "twin", *args], capture_output=True, text=True,
                          timeout=timeout)


def test_cli_bad_input_exits_2_naming_the_fields():
    p = _cli("--satellites", "0", "--step", "7200", "--hours", "300000")
    assert p.returncode == 2, p.stderr
    for field in ("twin.satellites", "twin.step_s", "twin.hours"):
        assert field in p.stderr
    assert "Traceback" not in p.stderr
    p = _cli("musk-terawatt", "--set", "workload.server_power_w_per_accelerator=0.008", "--hours", "2")
    assert p.returncode == 2 and "twin.satellites:" in p.stderr and "accelerators" in p.stderr, p.stderr


def test_cli_json_out_and_plot(tmp_path):
    plot = tmp_path / "twin.png"
    p = _cli("suncatcher", "--satellites", "81", "--hours", "3", "--step", "120", "--json", "--out",
             str(tmp_path / "rec"), "--plot", str(plot))
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["summary"]["satellites"] == 81
    assert {row["key"] for row in data["comparison"]} >= {"orbital.sunlit_fraction", "orbital.availability"}
    assert plot.stat().st_size > 10_000
    for name in ("timeseries.parquet", "satellites.parquet", "events.parquet", "comparison.csv", "summary.json"):
        assert (tmp_path / "rec" / name).is_file()
