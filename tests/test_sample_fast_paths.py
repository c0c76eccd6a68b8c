"""The fast paths of sampled evaluations (issue 10, performance) never change a result, bitwise.

- A fixed input of a table look-up (inclination and shielding of the dose table, the end altitude and activity of
  the natural decay, the constant axes of the eclipse table) is looked up once instead of per sample: the same
  numbers as the same value broadcast to every sample.
- The dose table's look-up (the orbit family's 1-km table, fixed inputs split once, component-major rows, no
  corner of weight 0) equals the look-up written out.
- The debris fluxes of several sizes from one interpolation (``debris.object_fluxes_per_m2_yr``), and the
  manoeuvre, trigger-area and collision figures given that flux, equal one look-up per call.
- The density and natural decay of one activity (its per-interval terms gathered) equal the general look-up.
- The eclipse table with a fixed inclination and LTAN equals the same orbits given per sample.
- ``finance.capital_recovery_factors`` (shared ln(1 + r)) equals ``capital_recovery_factor`` per duration.
- ``_arrays.select`` equals ``np.where`` (values, dtype, shape) for a single flag and for arrays.
- ``orbit.sso_solution`` equals ``sso_exists`` and ``sso_inclination_deg``.
- ``_arrays.tune_allocator`` changes nothing it should not (opt-out by environment variable; once per process).
- A whole evaluation with fixed parameters equals the one with those parameters broadcast to the samples.
"""

from __future__ import annotations

import numpy as np
import pytest

import terawatt
from terawatt import _arrays
from terawatt.economics import finance
from terawatt.physics import atmosphere, debris, orbit, propulsion
from terawatt.physics.radiation import dose as dose_module
from terawatt.scenario import load_scenario

RNG = np.random.default_rng(2026)
N = 3000


def _same(a, b) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


def _dose_fields(d) -> list[np.ndarray]:
    return [np.asarray(getattr(d, f)) for f in vars(d)]


@pytest.mark.parametrize("shield", [10.0, 3.7])  # on a table node (corners of weight 0 skipped) and between
@pytest.mark.parametrize("inc", [np.nan, 53.0, 130.0])  # sun-synchronous, prograde, retrograde (folded)
def test_dose_with_fixed_inputs_equals_broadcast_inputs(shield, inc):
    alt = RNG.uniform(300.0, 1500.0, N)
    fixed = dose_module.dose_rate_rad_per_yr(alt, inc, shield, "mean", 0.14, 1.0)
    full = dose_module.dose_rate_rad_per_yr(alt, np.full(N, inc), np.full(N, shield), "mean",
                                            np.full(N, 0.14), np.full(N, 1.0))
    for a, b in zip(_dose_fields(fixed), _dose_fields(full), strict=True):
        _same(a, b)


def test_dose_mixed_sso_and_shapes():
    alt = RNG.uniform(300.0, 1500.0, (40, 50))
    inc = np.where(RNG.uniform(size=(40, 50)) < 0.5, np.nan, RNG.uniform(0.0, 180.0, (40, 50)))
    spe = RNG.uniform(0.0, 1.0, (40, 1))
    got = dose_module.dose_rate_rad_per_yr(alt, inc, 4.0, "max", spe, 1.3)
    each = [dose_module.dose_rate_rad_per_yr(float(a), float(i), 4.0, "max", float(s), 1.3)
            for a, i, s in zip(alt.ravel(), inc.ravel(), np.broadcast_to(spe, (40, 50)).ravel(), strict=True)]
    for k, field in enumerate(_dose_fields(got)):
        assert field.shape == (40, 50)
        _same(field.ravel(), np.array([_dose_fields(e)[k] for e in each]).astype(field.dtype))
    # only a scalar-looking input sampled: the samples' shape comes from it
    only_gcr = dose_module.dose_rate_rad_per_yr(650.0, np.nan, 10.0, "mean", 0.14, np.array([0.5, 1.0, 2.0]))
    assert np.shape(only_gcr.gcr_rad_per_yr) == (3,)
    gcr = np.asarray(only_gcr.gcr_rad_per_yr)
    np.testing.assert_allclose(gcr / gcr[1], [0.5, 1.0, 2.0], rtol=1e-15)


def _dose_written_out(alt, inc, shield, solar, spe, gcr):
    """The table look-up written out: per sample, at the two whole km around its altitude the orbit of that km
    (sun-synchronous: at that km's inclination) at the two shielding nodes around its shielding, linear in
    inclination at the two altitude nodes around it and then in altitude (every corner, none skipped), linear in
    log shielding between the nodes, then linear in altitude between the two km."""
    table = dose_module.dose_table()
    floor = float(dose_module._table()["floor"])
    dose = table["dose"].astype(float).transpose(2, 3, 4, 1, 0)  # (alt, inc, shielding, solar, component)
    by = {"min": dose[..., 0, :], "max": dose[..., 1, :], "mean": dose.mean(axis=3)}[solar]
    rows = np.log(by + floor).reshape(-1, 4)
    alt_n, inc_n, x_n = table["altitude_km"], table["inclination_deg"], np.log(table["shielding_mm"] + 0.1)
    alt, inc, shield, spe, gcr = np.broadcast_arrays(*(np.asarray(x, float) for x in (alt, inc, shield, spe, gcr)))
    alt, inc, shield = (x.ravel() for x in (alt, inc, shield))
    n_km = int(alt_n[-1] - alt_n[0]) + 1
    x = alt - alt_n[0]
    k = np.minimum(x.astype(np.intp), n_km - 2)
    frac = x - k
    fx = np.interp(np.log(shield + 0.1), x_n, np.arange(x_n.size, dtype=float))
    logs = []
    for km in (k, k + 1):
        alt_km = alt_n[0] + km
        inc_f = np.where(inc > 90.0, 180.0 - inc, inc)
        inc_f = np.where(np.isnan(inc_f), 180.0 - orbit.sso_inclination_deg(alt_km), inc_f)
        fa = np.interp(alt_km, alt_n, np.arange(alt_n.size, dtype=float))
        fi = (inc_f - inc_n[0]) / (inc_n[1] - inc_n[0])
        ia, ii, ix = (np.minimum(f.astype(np.intp), nodes.size - 2) for f, nodes in ((fa, alt_n), (fi, inc_n),
                                                                                     (fx, x_n)))
        wa, wi, wx = fa - ia, fi - ii, fx - ix
        base = (ia * inc_n.size + ii) * x_n.size + ix
        at_nodes = []
        for d_x in (0, 1):  # at the two shielding nodes: linear in inclination at two altitude nodes, then altitude
            by_alt = [rows[base + d_a + d_x] * (1 - wi)[:, None] + rows[base + d_a + x_n.size + d_x] * wi[:, None]
                      for d_a in (0, inc_n.size * x_n.size)]
            at_nodes.append((by_alt[0] * (1 - wa)[:, None] + by_alt[1] * wa[:, None]).T)
        logs.append(at_nodes[0] * (1 - wx) + at_nodes[1] * wx)  # then linear in log shielding
    comps = np.maximum(np.exp((logs[1] - logs[0]) * frac + logs[0]) - floor, 0.0)
    comps[2] *= {"min": 0.0, "max": 1.0, "mean": 0.5}[solar] * spe.ravel()
    comps[3] *= gcr.ravel()
    comps = [c.reshape(spe.shape) for c in comps]
    return [*comps, comps[0] + comps[1] + comps[2] + comps[3]]


@pytest.mark.parametrize("solar", ["min", "max", "mean"])
@pytest.mark.parametrize("inc", [np.nan, 53.0, 130.0, "mixed", "given"])
@pytest.mark.parametrize("shield", [10.0, 0.0, 100.0, 3.7, "sampled"])
@pytest.mark.parametrize("n", [N, 500])  # above and below dose._NODE_TABLE_FROM
def test_dose_table_look_up_equals_the_look_up_written_out(solar, inc, shield, n):
    """The 1-km table of a fixed inclination and shielding, component-major rows, corners of weight 0 skipped and
    the sum started from the first corner: the numbers of the look-up written out, bitwise (on nodes and the
    ends)."""
    assert N > dose_module._NODE_TABLE_FROM > 600  # the two sizes take both ways of a fixed inclination
    alt = np.concatenate([RNG.uniform(200.0, 2000.0, n), np.arange(200.0, 2001.0, 25.0), [1999.9999999, 200.5]])
    if inc in ("mixed", "given"):  # per-sample inclinations, some sun-synchronous or none
        given = RNG.uniform(0.0, 180.0, alt.size)
        given[:19] = np.arange(0.0, 91.0, 5.0)  # on the nodes
        inc = np.where(RNG.uniform(size=alt.size) < 0.5, np.nan, given) if inc == "mixed" else given
    shield = RNG.uniform(0.0, 100.0, alt.size) if shield == "sampled" else shield
    for spe, gcr in ((0.14, 1.0), (RNG.uniform(0.0, 1.0, alt.size), RNG.uniform(0.0, 2.0, alt.size))):
        got = _dose_fields(dose_module.dose_rate_rad_per_yr(alt, inc, shield, solar, spe, gcr))
        for a, b in zip(got, _dose_written_out(alt, inc, shield, solar, spe, gcr), strict=True):
            _same(a, b)


@pytest.mark.parametrize("sizes", [(10.0, 1.0), (10.0, 10.0), (10.0, 3.3, 1.0), (np.array([1.0, 5.0, 10.0]), 10.0)])
def test_debris_fluxes_from_one_interpolation_equal_one_call_each(sizes):
    """object_fluxes_per_m2_yr (one interval search) and the functions given its flux equal the calls that read
    the table themselves."""
    alt = np.concatenate([RNG.uniform(400.0, 1500.0, N - 3), [400.0, 800.0, 1500.0]])
    if np.ndim(sizes[0]):
        alt = alt[:3]
    fluxes = debris.object_fluxes_per_m2_yr(alt, *sizes)
    for flux, size in zip(fluxes, sizes, strict=True):
        _same(flux, debris.object_flux_per_m2_yr(alt, size))
    trackable = fluxes[0] if not np.ndim(sizes[0]) else debris.object_flux_per_m2_yr(alt, 10.0)
    area = RNG.uniform(0.0, 5e3, alt.size)
    own = debris.manoeuvres_per_satellite_yr(alt, area, flux_per_m2_yr=trackable)
    _same(own, debris.manoeuvres_per_satellite_yr(alt, area))
    _same(debris.manoeuvre_trigger_area_m2(own, alt, flux_per_m2_yr=trackable),
          debris.manoeuvre_trigger_area_m2(own, alt))
    _same(debris.collision_probability_per_yr(alt, area, 1.0, sizes[1], 0.3, flux_per_m2_yr=fluxes[1]),
          debris.collision_probability_per_yr(alt, area, 1.0, sizes[1], 0.3))
    with pytest.raises(ValueError, match="min_size_cm"):
        debris.object_fluxes_per_m2_yr(alt, 10.0, 0.5)


@pytest.mark.parametrize("activity", ["low", "mean", "high", "cycle"])
def test_density_of_one_activity_equals_the_broadcast_activity(activity):
    """One activity's column and steps gathered per interval: the numbers of the general look-up."""
    nodes = atmosphere.density_table()["altitude_km"]
    alt = np.concatenate([RNG.uniform(100.0, 2500.0, N), nodes, [2500.0, 100.0]])
    _same(atmosphere.density_kg_per_m3(alt, activity), atmosphere.density_kg_per_m3(alt, np.full(alt.size, activity)))
    assert atmosphere.density_kg_per_m3(650.0, activity) == atmosphere.density_kg_per_m3(np.array([650.0]),
                                                                                        activity)[0]


def test_eclipse_table_with_fixed_inclination_and_ltan_equals_broadcast_inputs():
    """A fixed (sun-synchronous or given) inclination and LTAN: the values of the same orbits given per sample;
    the sun-synchronous existence check on the highest altitude, whether the NaN is one value or some of many."""
    alt = np.concatenate([RNG.uniform(400.0, 1200.0, orbit.MAX_UNIQUE + 1000), [400.0, 1200.0]])  # the tables
    for inc in (np.nan, 53.0):
        fixed = orbit.eclipse_stats_fast(alt, inc, 10.5)
        full = orbit.eclipse_stats_fast(alt, np.full(alt.size, inc), np.full(alt.size, 10.5))
        for a, b in zip(vars(fixed).values(), vars(full).values(), strict=True):
            _same(a, b)
    high = np.array([500.0, 6500.0])
    with pytest.raises(ValueError):
        orbit.eclipse_stats_fast(high, np.nan, 10.5)
    with pytest.raises(ValueError):
        orbit.eclipse_stats_fast(high, np.array([40.0, np.nan]), 10.5)
    assert np.shape(orbit.eclipse_stats_fast(high, np.array([np.nan, 40.0]), 10.5).sunlit_fraction) == (2,)
    assert np.shape(orbit.eclipse_stats_fast(np.array([]), np.nan, 10.5).sunlit_fraction) == (0,)


def test_natural_decay_fixed_end_equals_broadcast_end():
    nodes = atmosphere.density_table()["altitude_km"]
    alt = np.concatenate([RNG.uniform(300.0, 1200.0, N - 10), nodes[(nodes >= 300) & (nodes <= 1200)][:10]])
    mass = RNG.uniform(1e3, 1e5, N)
    fixed = propulsion.natural_decay_yr(alt, 300.0, mass, 2.2, "cycle", end_altitude_km=150.0)
    full = propulsion.natural_decay_yr(alt, np.full(N, 300.0), mass, 2.2, np.full(N, "cycle"),
                                       end_altitude_km=np.full(N, 150.0))
    _same(fixed, full)
    activity = np.where(RNG.uniform(size=N) < 0.5, "low", "high")
    _same(propulsion.natural_decay_yr(alt, 300.0, mass, 2.2, activity),
          np.array([propulsion.natural_decay_yr(a, 300.0, m, 2.2, s) for a, m, s in zip(alt, mass, activity,
                                                                                          strict=True)]))


@pytest.mark.parametrize("rate", [0.07, np.array([0.05, 0.08, 0.12]), np.array([0.0, 0.06, 0.0, 0.1])])
def test_capital_recovery_factors_equal_one_at_a_time(rate):
    years = (5.0, 20.0, np.array(7.5), np.full(np.shape(rate), 12.0))
    for got, n in zip(finance.capital_recovery_factors(rate, *years), years, strict=True):
        _same(got, finance.capital_recovery_factor(rate, n))
    if np.ndim(rate):  # r = 0 is 1/n (not NaN)
        zero = np.asarray(rate) == 0.0
        np.testing.assert_array_equal(finance.capital_recovery_factors(rate, 20.0)[0][zero], 1.0 / 20.0)


@pytest.mark.parametrize("condition", [True, False, np.bool_(True), np.array(False), np.array([True, False, True])])
@pytest.mark.parametrize("branches", [(np.arange(3.0), np.nan), (np.nan, np.arange(3.0)),
                                      (np.arange(3.0), 2 * np.arange(3.0)), (np.arange(3), np.arange(3.0)),
                                      (np.ones((2, 1)), np.zeros(3)), (1.0, 2.0)])
def test_select_equals_where(condition, branches):
    _same(_arrays.select(condition, *branches), np.where(condition, *branches))


def test_sso_solution_equals_exists_and_inclination():
    alt = np.concatenate([RNG.uniform(150.0, 5900.0, 500), [6500.0, 20000.0]])
    exists, inclination = orbit.sso_solution(alt)
    _same(exists, orbit.sso_exists(alt))
    assert exists[:500].all() and not exists[500:].any()
    _same(inclination[:500], orbit.sso_inclination_deg(alt[:500]))
    assert np.isnan(inclination[500:]).all()
    one, inc = orbit.sso_solution(650.0)
    assert bool(one) and inc == orbit.sso_inclination_deg(650.0)


def test_eclipse_stats_of_continuous_samples_skip_the_unique_path():
    alt = RNG.uniform(400.0, 1200.0, 5000)
    assert orbit._unique_rows((alt, np.full(5000, -1.0), np.full(5000, 18.0))) is None
    # Few distinct orbits repeated past MAX_UNIQUE samples still take the exact (unique) path.
    few = np.tile(np.linspace(500.0, 900.0, 7), 1000)
    found = orbit._unique_rows((few, np.full(few.size, -1.0), np.full(few.size, 18.0)))
    assert found is not None and found[0].size == 7
    stats = orbit.eclipse_stats_fast(few, np.nan, 18.0)
    direct = orbit.annual_eclipse_stats(few[:7], np.nan, 18.0)
    _same(np.asarray(stats.max_eclipse_min)[:7], np.asarray(direct.max_eclipse_min))


def test_tune_allocator_opt_out(monkeypatch):
    monkeypatch.setenv("TERAWATT_TUNE_MALLOC", "0")
    assert _arrays._mallopt() is False
    monkeypatch.delenv("TERAWATT_TUNE_MALLOC")
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000000")  # the user's own tuning is left alone
    assert _arrays._mallopt() is False
    first = _arrays.tune_allocator()
    assert isinstance(first, bool) and _arrays.tune_allocator() is first


@pytest.mark.parametrize("vary_altitude", [False, True])
def test_evaluation_with_fixed_parameters_equals_them_broadcast(vary_altitude):
    n = 400
    sampled = {"launch.price_usd_per_kg": RNG.uniform(20.0, 3000.0, n),
               "thermal.emissivity": RNG.uniform(0.8, 0.92, n),
               "finance.discount_rate": RNG.uniform(0.05, 0.12, n)}
    if vary_altitude:
        sampled["orbit.altitude_km"] = RNG.uniform(500.0, 1200.0, n)
    fixed = {"radiation.shielding_mm_al": 10.0, "solar.array_specific_power_w_per_kg": 100.0,
             "workload.utilization": 0.8}
    if not vary_altitude:
        fixed["orbit.altitude_km"] = 650.0
    a = terawatt.evaluate(load_scenario("baseline-2026", {**sampled, **fixed}))
    b = terawatt.evaluate(load_scenario("baseline-2026", {**sampled, **{k: np.full(n, v) for k, v in fixed.items()}}))
    for key in a.keys():
        x, y = np.asarray(a[key]), np.asarray(b[key])
        if x.dtype.kind == "f":
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=0.0, equal_nan=True, err_msg=key)
        else:
            assert np.array_equal(x, y), key


@pytest.mark.parametrize("values", [np.arange(4.0), np.array([1.0, np.nan, np.inf, -np.inf]), np.array(2.0),
                                    np.float64(np.nan), np.arange(3), 1.5])
def test_nan_to_zero_equals_nan_to_num(values):
    got, want = _arrays.nan_to_zero(values), np.nan_to_num(values)
    assert type(got) is type(want)
    _same(got, want)
