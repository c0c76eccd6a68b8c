"""The fast paths of a sampled design + TCO (issue 10, performance: ``benchmarks/bench_evaluate.py``) never change
a result, bitwise: each equals the general form it replaces, on the cases where it applies and where it does not.

- ``_arrays.interp`` equals ``np.interp`` (several tables on one interval search), on nodes and between them.
- ``orbit.period_and_sso`` (one mean motion) equals ``orbital_period_s`` and ``sso_solution``; the SSO iteration
  with its cos-i-free terms once equals the iteration written out.
- ``finance.series_present_value_factor`` without visits is the +0 its formula gives; ``recovery_factors_finite``
  holds where every capital recovery factor is finite and positive (a zero outlay annualises to +0).
- ``tco.CostLines`` behaves as the dict of every line (its summary entries computed on first read).
- An evaluation reading only the cost ratio gives the numbers of one reading every output, infeasible samples
  included (NaN costs put at their indices).
- The figures only outputs read (natural decay, collision probability, ballistic coefficient, the ground's water,
  the specific power, the launches, the tokens...) are computed on first read for sample arrays: every output of
  each sample equals its scalar evaluation (computed at once), and the cost ratio computes none of them.
- ``finance.RecoveryFactors`` equals ``capital_recovery_factor`` per duration (each scalar duration once); the
  servicing line left out of the total without visits gives every output of the evaluation that adds it.
"""

from __future__ import annotations

import functools
import operator
import pickle

import numpy as np
import pytest
from bitwise import bits

import terawatt
from terawatt import _arrays
from terawatt.design import feasibility
from terawatt.economics import finance, tco
from terawatt.physics import debris, orbit, thermal
from terawatt.scenario import load_scenario

RNG = np.random.default_rng(10)


@pytest.mark.parametrize("n_nodes", range(2, 9))
def test_interp_equals_np_interp(n_nodes):
    for _ in range(10):
        xp = np.sort(RNG.uniform(-100.0, 100.0, n_nodes))
        tables = [RNG.normal(size=n_nodes) * 10.0 ** RNG.uniform(-8, 8) for _ in range(2)]
        tables.append(np.where(RNG.uniform(size=n_nodes) < 0.3, 0.0, tables[0]))  # +0 values
        x = RNG.uniform(xp[0], xp[-1], 20_000)
        x[: n_nodes - 1] = xp[:-1]  # exactly on the nodes: np.interp returns the node's value
        x[n_nodes : 2 * n_nodes] = np.nextafter(xp, -np.inf).clip(xp[0])
        for got, fp in zip(_arrays.interp(x, xp, *tables), tables, strict=True):
            assert bits(got) == bits(np.interp(x, xp, fp))


@pytest.mark.parametrize(
    "x",
    [np.array([399.0, 500.0]), np.array([500.0, 1500.0]), np.array([500.0, np.nan]), np.float64(600.0), np.array([]),
     np.full((3, 4), 700.0)],
)
def test_interp_falls_back_to_np_interp(x):
    """Off the table, at its last node, NaN, a scalar, an empty or an n-d array: np.interp's own values."""
    xp, f1, f10 = debris._ALT_KM, debris._LN_FLUX_1CM, debris._LN_FLUX_10CM
    a, b = _arrays.interp(x, xp, f1, f10)
    assert bits(a) == bits(np.interp(x, xp, f1)) and bits(b) == bits(np.interp(x, xp, f10))
    negative_zero = np.array([1.0, -0.0, 2.0])  # -0.0 in a table: np.interp's path (0 * slope + -0.0 is +0)
    assert bits(_arrays.interp(np.array([0.5, 1.0]), np.arange(3.0), negative_zero)[0]) == bits(
        np.interp(np.array([0.5, 1.0]), np.arange(3.0), negative_zero)
    )


def test_period_and_sso_equal_separate_calls():
    alt = np.concatenate([RNG.uniform(150.0, 5900.0, 5000), [650.0, 6500.0, 20000.0]])
    period, exists, inclination = orbit.period_and_sso(alt)
    assert bits(period) == bits(orbit.orbital_period_s(alt))
    for got, want in zip((exists, inclination), orbit.sso_solution(alt), strict=True):
        assert np.array_equal(got, want, equal_nan=True) and got.dtype == want.dtype
    one = orbit.period_and_sso(650.0)
    assert one == (orbit.orbital_period_s(650.0), *orbit.sso_solution(650.0))


def test_sso_iteration_equals_the_iteration_written_out():
    alt = RNG.uniform(150.0, 6000.0, 20_000)
    q, rate_per_n = (orbit._R_KM / (orbit._R_KM + alt)) ** 2, orbit._SSO_RATE_RAD_S / orbit._mean_motion_rad_s(alt)
    cos_i = np.zeros_like(q)
    for _ in range(4):
        cos_i = rate_per_n / orbit._rate_coefficient(q, np.minimum(cos_i**2, 1.0))
    assert bits(orbit._sso_cos_i(alt)) == bits(cos_i)
    # a scalar runs the same iteration in NumPy scalar arithmetic (a scalar's ** 2 is C pow, an array's is
    # np.square, so a scalar and an array can differ by an ulp, as before the passes went in place)
    for k in (0, 7, *range(100, 20_000, 97), 19_999):
        a = np.float64(alt[k])
        q, rate_per_n = (orbit._R_KM / (orbit._R_KM + a)) ** 2, orbit._SSO_RATE_RAD_S / orbit._mean_motion_rad_s(a)
        want = np.float64(0.0)
        for _ in range(4):
            want = rate_per_n / orbit._rate_coefficient(q, np.minimum(want**2, 1.0))
        one = orbit._sso_cos_i(a)
        assert type(one) is np.float64 and bits(one) == bits(want)


@pytest.mark.parametrize("rate", [0.07, np.array([0.0, 0.05, 0.12, 3.0]), np.array([-0.5, 0.0, 1e-300])])
@pytest.mark.parametrize("interval", [1.0, 0.25, np.array([0.5, 1.0, 2.0, 4.0])[: 1]])
def test_series_present_value_without_visits_is_its_formula(rate, interval):
    got = finance.series_present_value_factor(rate, interval, 0.0)
    shape = np.broadcast_shapes(np.shape(rate), np.shape(interval))
    want = finance.series_present_value_factor(rate, interval, np.zeros(shape or (1,)))  # the formula (an array n)
    assert got.shape == shape and np.array_equal(np.signbit(got), np.signbit(np.reshape(want, shape)))
    assert bits(got) == bits(np.reshape(want, shape))


def test_recovery_factors_finite():
    assert finance.recovery_factors_finite(np.array([0.05, 0.12]), 5.0, np.array([10.0, 25.0]))
    for rate in (0.0, np.array([0.05, 0.0]), np.array([0.05, np.nan]), np.inf, 1e-300):
        assert not finance.recovery_factors_finite(rate, 5.0)
    assert not finance.recovery_factors_finite(0.05, 0.0) and not finance.recovery_factors_finite(0.05, np.nan)
    rate = RNG.uniform(1e-99, 2.0, 5000)
    (crf,) = finance.capital_recovery_factors(rate, 1e-99)
    assert np.isfinite(crf).all() and (crf > 0).all()
    assert bits(0.0 * crf) == bits(np.zeros(5000))


def test_cost_lines_is_the_dict_of_every_line():
    calls = []
    lines = tco.CostLines({"a": np.arange(3.0)}, b=lambda _: calls.append("b") or np.ones(3),
                          c2=lambda c: c["a"] + c["b"])
    assert calls == [] and len(lines) == 3 and "b" in lines and "c" not in lines
    assert lines["b"].tolist() == [1.0, 1.0, 1.0] and calls == ["b"]
    assert lines["b"] is lines["b"] and calls == ["b"]  # computed once
    assert lines["c2"].tolist() == [1.0, 2.0, 3.0]  # an entry of other entries, given the lines themselves
    with pytest.raises(KeyError):
        lines["c"]  # noqa: B018
    assert lines.get("c", 7) == 7 and list(lines) == ["a", "b", "c2"]
    later = tco.CostLines({"a": 1.0}, b=lambda _: 2.0)
    assert dict(later) == {"a": 1.0, "b": 2.0} and {**tco.CostLines({}, z=lambda _: 3)} == {"z": 3}
    assert pickle.loads(pickle.dumps(tco.CostLines({"a": 1.0}, b=lambda _: 2.0))) == {"a": 1.0, "b": 2.0}


@pytest.mark.parametrize("name", ["musk-2026", None, "suncatcher"])
def test_a_sampled_evaluation_leaves_no_reference_cycle(name):
    """Nothing of an evaluation is freed only by Python's cyclic collector: a cycle (a cost-line function holding
    its dict, say) keeps a whole chunk's design alive until the collector runs, and a streamed Monte Carlo's peak
    memory grew threefold. Reading the cost ratio, or every output, leaves no cyclic garbage."""
    import gc

    from terawatt.studies.montecarlo import montecarlo

    scenario = load_scenario(name)
    montecarlo(scenario, n=512, year=2030).to_frame()  # warm-up: caches, tables and pandas' one-time garbage
    gc.collect()
    gc.disable()
    try:
        for read_all in (False, True):
            result = montecarlo(scenario, n=2048, year=2030, chunk_size=1024, seed=5)
            if read_all:
                result.to_frame()
            del result
            assert gc.collect() == 0
    finally:
        gc.enable()


def test_total_equals_sum():
    terms = [RNG.normal(size=50), np.float64(-0.0), RNG.normal(size=50), 0.0, np.array(-0.0)]
    assert bits(tco._total(*terms)) == bits(sum(terms))
    assert bits(tco._total(*terms, start=None)) == bits(terms[0] + terms[1] + terms[2] + terms[3] + terms[4])
    negative = np.array([-0.0, 1.0])
    assert bits(tco._total(negative, negative)) == bits(sum([negative, negative]))  # 0 + -0.0 is +0
    zeros = [RNG.normal(size=50), np.float64(0.0), -0.0, RNG.normal(size=50) * 0.0, np.float64(-0.0), 0]
    assert bits(tco._total(*zeros)) == bits(sum(zeros))  # the one-value zeros left out
    first = np.arange(3.0)
    tco._total(first, first, start=None)
    assert first.tolist() == [0.0, 1.0, 2.0]  # a term is never written to


@pytest.mark.parametrize("flux", [np.array([100.0, 250.0, 40.0]), np.array([100.0, -5.0, 0.0]), np.float64(80.0)])
def test_radiator_area_equals_the_guarded_division(flux):
    heat = np.array([1e4, 2e4, 3e4])
    q = np.asarray(flux) * 0.9
    with np.errstate(divide="ignore", invalid="ignore"):
        want = np.where(q > 0.0, heat / np.where(q > 0.0, q, 1.0), np.nan)
    assert bits(thermal.radiator_area_m2(heat, flux, 0.9)) == bits(want)


def test_any_failing_equals_or_of_the_broadcast_checks():
    shape = (5,)
    for checks in (
        [(np.array(False), ""), (np.array([0, 1, 0, 0, 1], bool), ""), (False, "")],
        [(np.array(True), ""), (np.zeros(5, bool), "")],
        [(np.zeros((1,), bool), ""), (np.array([1, 0, 0, 0, 0], bool), "")],
    ):
        want = np.zeros(shape, bool)
        for bad, _ in checks:
            want = want | np.broadcast_to(np.asarray(bad, bool), shape)
        assert bits(feasibility.any_failing(checks, shape)) == bits(want)


@pytest.mark.parametrize("scenario", ["baseline-2026", "musk-2026", "suncatcher"])
def test_cost_ratio_read_alone_equals_every_output_read(scenario):
    n = 600
    sampled = {"launch.price_usd_per_kg": RNG.uniform(20.0, 3000.0, n),
               "orbit.altitude_km": RNG.uniform(400.0, 1500.0, n),  # some infeasible (radiation, drag)
               "finance.discount_rate": RNG.uniform(0.0, 0.12, n),
               "orbital_ops.servicing_enabled": True}
    sc = load_scenario(scenario, sampled)
    alone = terawatt.evaluate(sc)["comparison.cost_ratio"]
    every = terawatt.evaluate(sc)
    values = {k: every[k] for k in every.keys()}
    assert bits(alone) == bits(values["comparison.cost_ratio"])
    feasible = np.asarray(values["orbital.feasible"])
    assert not feasible.all() and np.isnan(alone[~feasible]).all()
    picks = np.flatnonzero(~feasible)[:3].tolist() + np.flatnonzero(feasible)[:3].tolist()
    for i in picks:  # each sample as a scalar scenario: the same numbers
        one = terawatt.evaluate(load_scenario(scenario, {k: (v[i] if np.ndim(v) else v) for k, v in sampled.items()}))
        for key in ("comparison.cost_ratio", "comparison.infrastructure_cost_ratio", "orbital.capex_usd",
                    "terrestrial.lifecycle_cost_usd", "orbital.cost_per_million_tokens_usd"):
            assert np.array_equal(values[key][i], one[key], equal_nan=True), (key, i)


@pytest.mark.parametrize("condition", [np.ones(4, bool), np.array([True, False, True, True]), np.ones((2, 4), bool),
                                       np.array(True), True])
@pytest.mark.parametrize("branches", [(np.arange(4.0), np.nan), (np.arange(4.0), np.zeros((2, 4))),
                                      (np.arange(4), 0.5), (1.0, np.arange(4.0))])
def test_where_all_equals_where(condition, branches):
    got, want = _arrays.where_all(condition, *branches), np.where(condition, *branches)
    assert type(got) is type(want) and bits(got) == bits(want)


def test_satellite_price_per_w_skips_the_bottom_up_sum():
    n = 300
    sc = load_scenario("baseline-2026", {"satellite.cost_usd_per_w": 40.0,
                                          "solar.array_specific_power_w_per_kg": RNG.uniform(60.0, 150.0, n)})
    out = terawatt.evaluate(sc)
    compute_power = np.float64(sc.values["satellite.compute_power_w"])
    want = out["orbital.satellite_count"] * (np.float64(40.0) * compute_power)
    assert bits(out["orbital.capex_breakdown_usd.satellite_hardware"]) == bits(want)


# ------------------------------------------------------------ figures only outputs read, computed on first read
def _sampled(n: int) -> dict:
    return {"launch.price_usd_per_kg": RNG.uniform(20.0, 3000.0, n),
            "solar.array_specific_power_w_per_kg": RNG.uniform(60.0, 150.0, n),
            "thermal.emissivity": RNG.uniform(0.3, 0.92, n),  # some radiators infeasible
            "workload.utilization": RNG.uniform(0.6, 0.95, n),
            "finance.discount_rate": RNG.uniform(0.0, 0.12, n)}


@pytest.mark.parametrize("scenario", ["baseline-2026", "musk-2026", "starcloud-40mw"])
@pytest.mark.parametrize("extra", [{}, {"orbital_ops.servicing_enabled": True}, {"terrestrial.power_source": "gas"},
                                   {"debris.formation_manoeuvre": "per_satellite"},
                                   {"orbit.altitude_km": np.linspace(450.0, 1450.0, 200)}])
def test_every_sampled_output_equals_the_scalar_evaluation(scenario, extra):
    """Each sample of a sampled evaluation (its figures only outputs read computed on first read) equals the
    scalar evaluation of that sample (computed at once), for every output."""
    sampled = {**_sampled(200), **extra}
    out = terawatt.evaluate(load_scenario(scenario, sampled))
    values = {k: np.asarray(out[k]) for k in out.keys()}
    feasible = values["orbital.feasible"]
    picks = np.flatnonzero(feasible)[:2].tolist() + np.flatnonzero(~feasible)[:1].tolist()
    assert picks
    for i in picks:
        one = terawatt.evaluate(load_scenario(scenario, {k: (v[i] if np.ndim(v) else v) for k, v in sampled.items()}))
        for key, got in values.items():
            want = np.asarray(one[key])
            assert got[i].dtype.kind == want.dtype.kind and bits(got[i].astype(want.dtype)) == bits(want), (key, i)


def test_the_cost_ratio_computes_no_output_only_figure(monkeypatch):
    """Reading the cost ratio of sample arrays never computes the natural decay, the collision probability or the
    ballistic coefficient (each raises here); reading them does."""
    from terawatt.physics import debris as debris_module
    from terawatt.physics import propulsion

    def boom(*args, **kwargs):
        raise AssertionError("computed")

    for module, name in ((propulsion, "natural_decay_yr"), (propulsion, "ballistic_coefficient_kg_per_m2"),
                         (debris_module, "collision_probability_per_yr")):
        monkeypatch.setattr(module, name, boom)
    out = terawatt.evaluate(load_scenario("baseline-2026", _sampled(300)))
    assert np.isfinite(out["comparison.cost_ratio"]).any()
    with pytest.raises(AssertionError, match="computed"):
        out["orbital.natural_decay_yr"]  # noqa: B018


def test_lazy_fields_compute_once_and_pickle_as_values():
    from terawatt.design.ground import size_ground_site

    calls = []
    g = size_ground_site(np.float64(1e8), np.float64(1e3), RNG.uniform(0.5, 0.9, 5), np.float64(1.2), "grid",
                         np.float64(0.36), np.float64(0.2), np.float64(4.0), np.float64(0.85), np.float64(1.3))
    assert type(_arrays.stored(g, "water_l_per_yr")) is _arrays.Deferred and "water_l_per_yr" not in vars(g)
    want = g.facility_energy_mwh_per_yr * 1e3 * 0.36
    assert bits(g.water_l_per_yr) == bits(want) and vars(g)["water_l_per_yr"] is g.water_l_per_yr  # kept
    assert type(_arrays.stored(g, "water_l_per_yr")) is np.ndarray
    with pytest.raises(AttributeError):
        g.no_such_field  # noqa: B018
    restored = pickle.loads(pickle.dumps(g))
    assert bits(restored.it_energy_mwh_per_yr) == bits(g.it_energy_mwh_per_yr)
    d = _arrays.Deferred(lambda: calls.append(1) or np.arange(3.0))
    assert _arrays.resolve(d) is _arrays.resolve(d) and calls == [1]


@pytest.mark.parametrize("rate", [0.07, np.array([0.0, 0.05, 0.12, 3.0]), RNG.uniform(1e-6, 0.2, 1000)])
def test_recovery_factors_equal_one_at_a_time_and_are_kept(rate):
    years = (5.0, 10.0, np.float64(5.0), np.array([3.0]), 25.0)
    factors = finance.RecoveryFactors(rate)
    got = factors(*years)
    for value, n in zip(got, years, strict=True):
        assert bits(value) == bits(finance.capital_recovery_factor(rate, n))
    if np.ndim(rate):  # one scalar duration's factor of a sampled rate computed once (one rate: NumPy scalars)
        assert got[0] is got[2] and factors(10.0)[0] is got[1]
    assert bits(finance.capital_recovery_factors(rate, *years[:2])[1]) == bits(got[1])


@pytest.mark.parametrize("scenario", ["baseline-2026", "skeptic", "starcloud-40mw", "mccalip-1gw"])
def test_zero_lines_left_out_equal_the_lines_added(scenario, monkeypatch):
    """Lines that are +-0 in every sample (servicing without visits, a zero NRE, replacement or operations
    fraction) are left out of the orbit's annual total, and one-value zero terms out of any total from 0: every
    output equals the evaluation that adds them."""
    sampled = _sampled(400)
    fast = terawatt.evaluate(load_scenario(scenario, sampled))
    fast = {k: np.asarray(fast[k]) for k in fast.keys()}
    assert (fast["orbital.annual_breakdown_usd_per_yr.servicing"][fast["orbital.feasible"]] == 0.0).all()
    monkeypatch.setattr(tco, "_no_servicing", lambda *args: False)
    monkeypatch.setattr(tco, "_zero_line", lambda *args: False)
    monkeypatch.setattr(tco, "_total", lambda *terms, start=0: functools.reduce(  # the plain left-to-right sum
        operator.add, terms[1:], terms[0] if start is None else start + terms[0]))
    monkeypatch.setattr(tco, "_sum_of_products", lambda products, out=None: sum(a * b for a, b in products))
    full = terawatt.evaluate(load_scenario(scenario, sampled))
    for key in full.keys():
        assert bits(fast[key]) == bits(np.asarray(full[key])), key


# ------------------------------------------------- the altitude varying: figures only outputs read, on first read
def test_sso_orbits_below_the_bound_exist_and_are_retrograde():
    """orbit.SSO_RETROGRADE_BELOW_KM: the bound on |cos i| of every pass is below 1 there and grows with altitude,
    and every sun-synchronous solution up to it exists with an inclination above 90 deg (so above the launch's
    80 deg polar limit); the solver's own answer agrees, and beyond ~5,970 km none exists."""
    from terawatt.physics import launch

    alt = np.linspace(150.0, orbit.SSO_RETROGRADE_BELOW_KM, 200_001)
    bound = orbit.sso_cos_i_bound(alt)
    assert bound[-1] < 0.76 and np.all(np.diff(bound) > 0)
    exists, inclination = orbit.sso_solution(alt)
    assert exists.all() and np.all(inclination > 90.0) and launch.is_polar(inclination).all()
    assert np.all(np.abs(np.cos(np.radians(inclination))) <= bound)
    assert not orbit.sso_solution(6000.0)[0]


def _altitude_chunk(n: int) -> dict:
    return {**_sampled(n), "orbit.altitude_km": RNG.uniform(500.0, 1200.0, n)}


def test_the_cost_ratio_with_the_altitude_varying_computes_no_output_only_figure(monkeypatch):
    """With the altitude varying (sun-synchronous), the cost ratio solves no sun-synchronous inclination and
    computes no SDC rate per inference and no orbital energy yield (each raises here), no collision flux and no
    eclipse days; reading them does. Every output read after the cost ratio equals the output read at once."""
    from terawatt.physics import radiation

    sampled = _altitude_chunk(5000)  # more orbits than the eclipse statistics compute directly: the table
    want = terawatt.evaluate(load_scenario("baseline-2026", sampled))
    want = {k: np.asarray(want[k]) for k in want.keys()}

    def boom(*args, **kwargs):
        raise AssertionError("computed")

    from terawatt.physics import ground_solar

    for module, name in ((orbit, "sso_solution"), (orbit, "period_and_sso"), (radiation, "per_million_inferences"),
                         (ground_solar, "orbit_energy_kwh_per_m2_yr")):
        monkeypatch.setattr(module, name, boom)
    sizes = []  # the smallest sizes of each flux look-up: the collision flux (1 cm) is read by an output only
    fluxes = debris.object_fluxes_per_m2_yr
    monkeypatch.setattr(debris, "object_fluxes_per_m2_yr", lambda alt, *s: sizes.append(s) or fluxes(alt, *s))
    rows = []  # the eclipse statistics interpolated: not the eclipse days (an output only)
    interpolate = orbit._interpolate
    monkeypatch.setattr(orbit, "_interpolate", lambda *a, **k: rows.append(k.get("rows")) or interpolate(*a, **k))
    out = terawatt.evaluate(load_scenario("baseline-2026", sampled))
    assert bits(out["comparison.cost_ratio"]) == bits(want["comparison.cost_ratio"])
    assert rows == [(0, 2)]
    assert np.isfinite(out["comparison.cost_ratio"]).any()
    assert sizes and all(s == (10.0,) for s in sizes)
    for key in ("orbital.inclination_deg", "orbital.sdc_per_million_inferences",
                "orbital.solar_energy_kwh_per_m2_yr"):
        with pytest.raises(AssertionError, match="computed"):
            out[key]  # noqa: B018
    monkeypatch.undo()
    later = terawatt.evaluate(load_scenario("baseline-2026", sampled))
    assert np.isfinite(later["comparison.cost_ratio"]).any()  # the cost ratio first, every output after it
    for key, value in want.items():
        assert bits(np.asarray(later[key])) == bits(value), key


def test_inclination_given_or_high_orbits_take_the_solved_path():
    """A given inclination, or a sun-synchronous sample above the bound, solves the inclination at once (the
    payload then follows it); the values equal the scalar evaluations."""
    for extra in ({"orbit.inclination_deg": 53.0}, {"orbit.altitude_km": np.array([650.0, 5200.0])}):
        sampled = {"launch.price_usd_per_kg": np.array([100.0, 900.0]), "radiation.enabled": False,
                   "debris.enabled": False, **extra}
        out = terawatt.evaluate(load_scenario("baseline-2026", sampled))
        for i in range(2):
            one = terawatt.evaluate(load_scenario("baseline-2026", {k: (v[i] if np.ndim(v) else v)
                                                                    for k, v in sampled.items()}))
            for key in ("orbital.inclination_deg", "orbital.payload_kg", "comparison.cost_ratio"):
                assert np.array_equal(out[key][i], one[key], equal_nan=True), (key, i)



@pytest.mark.parametrize("dose", [np.array([150.0, 20.0, 3000.0]), np.array([150.0, 0.0, 3000.0]), 150.0, 0.0])
def test_tid_margin_equals_the_guarded_division(dose):
    """radiation.tid_margin (where_all where every sample is dosed) equals np.where's guarded division."""
    from terawatt.physics import radiation

    d = np.asarray(dose, float) * np.float64(5.0)
    with np.errstate(divide="ignore"):
        want = np.where(d > 0, np.float64(2000.0) / np.where(d > 0, d, 1.0), np.inf)
    got = radiation.tid_margin(2000.0, dose, 5.0)
    assert bits(got) == bits(want)
