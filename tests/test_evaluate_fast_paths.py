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
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import terawatt
from terawatt import _arrays
from terawatt.design import feasibility
from terawatt.economics import finance, tco
from terawatt.physics import debris, orbit, thermal
from terawatt.scenario import load_scenario

RNG = np.random.default_rng(10)


def _bits(a) -> bytes:
    a = np.asarray(a)
    return a.dtype.str.encode() + str(a.shape).encode() + a.tobytes()


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
            assert _bits(got) == _bits(np.interp(x, xp, fp))


@pytest.mark.parametrize(
    "x",
    [np.array([399.0, 500.0]), np.array([500.0, 1500.0]), np.array([500.0, np.nan]), np.float64(600.0), np.array([]),
     np.full((3, 4), 700.0)],
)
def test_interp_falls_back_to_np_interp(x):
    """Off the table, at its last node, NaN, a scalar, an empty or an n-d array: np.interp's own values."""
    xp, f1, f10 = debris._ALT_KM, debris._LN_FLUX_1CM, debris._LN_FLUX_10CM
    a, b = _arrays.interp(x, xp, f1, f10)
    assert _bits(a) == _bits(np.interp(x, xp, f1)) and _bits(b) == _bits(np.interp(x, xp, f10))
    negative_zero = np.array([1.0, -0.0, 2.0])  # -0.0 in a table: np.interp's path (0 * slope + -0.0 is +0)
    assert _bits(_arrays.interp(np.array([0.5, 1.0]), np.arange(3.0), negative_zero)[0]) == _bits(
        np.interp(np.array([0.5, 1.0]), np.arange(3.0), negative_zero)
    )


def test_period_and_sso_equal_separate_calls():
    alt = np.concatenate([RNG.uniform(150.0, 5900.0, 5000), [650.0, 6500.0, 20000.0]])
    period, exists, inclination = orbit.period_and_sso(alt)
    assert _bits(period) == _bits(orbit.orbital_period_s(alt))
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
    assert _bits(orbit._sso_cos_i(alt)) == _bits(cos_i)
    # the passes in place on arrays, NumPy scalar arithmetic on a scalar: the same numbers
    for k in (0, 7, 19_999):
        one = orbit._sso_cos_i(np.float64(alt[k]))
        assert type(one) is np.float64 and _bits(one) == _bits(cos_i[k])


@pytest.mark.parametrize("rate", [0.07, np.array([0.0, 0.05, 0.12, 3.0]), np.array([-0.5, 0.0, 1e-300])])
@pytest.mark.parametrize("interval", [1.0, 0.25, np.array([0.5, 1.0, 2.0, 4.0])[: 1]])
def test_series_present_value_without_visits_is_its_formula(rate, interval):
    got = finance.series_present_value_factor(rate, interval, 0.0)
    shape = np.broadcast_shapes(np.shape(rate), np.shape(interval))
    want = finance.series_present_value_factor(rate, interval, np.zeros(shape or (1,)))  # the formula (an array n)
    assert got.shape == shape and np.array_equal(np.signbit(got), np.signbit(np.reshape(want, shape)))
    assert _bits(got) == _bits(np.reshape(want, shape))


def test_recovery_factors_finite():
    assert finance.recovery_factors_finite(np.array([0.05, 0.12]), 5.0, np.array([10.0, 25.0]))
    for rate in (0.0, np.array([0.05, 0.0]), np.array([0.05, np.nan]), np.inf, 1e-300):
        assert not finance.recovery_factors_finite(rate, 5.0)
    assert not finance.recovery_factors_finite(0.05, 0.0) and not finance.recovery_factors_finite(0.05, np.nan)
    rate = RNG.uniform(1e-99, 2.0, 5000)
    (crf,) = finance.capital_recovery_factors(rate, 1e-99)
    assert np.isfinite(crf).all() and (crf > 0).all()
    assert _bits(0.0 * crf) == _bits(np.zeros(5000))


def test_cost_lines_is_the_dict_of_every_line():
    calls = []
    lines = tco.CostLines({"a": np.arange(3.0)}, b=lambda: calls.append("b") or np.ones(3))
    assert calls == [] and len(lines) == 2 and "b" in lines and "c" not in lines
    assert lines["b"].tolist() == [1.0, 1.0, 1.0] and calls == ["b"]
    assert lines["b"] is lines["b"] and calls == ["b"]  # computed once
    with pytest.raises(KeyError):
        lines["c"]  # noqa: B018
    assert lines.get("c", 7) == 7 and list(lines) == ["a", "b"]
    later = tco.CostLines({"a": 1.0}, b=lambda: 2.0)
    assert dict(later) == {"a": 1.0, "b": 2.0} and {**tco.CostLines({}, z=lambda: 3)} == {"z": 3}
    assert pickle.loads(pickle.dumps(tco.CostLines({"a": 1.0}, b=lambda: 2.0))) == {"a": 1.0, "b": 2.0}


def test_total_equals_sum():
    terms = [RNG.normal(size=50), np.float64(-0.0), RNG.normal(size=50), 0.0, np.array(-0.0)]
    assert _bits(tco._total(*terms)) == _bits(sum(terms))
    assert _bits(tco._total(*terms, start=None)) == _bits(terms[0] + terms[1] + terms[2] + terms[3] + terms[4])
    negative = np.array([-0.0, 1.0])
    assert _bits(tco._total(negative, negative)) == _bits(sum([negative, negative]))  # 0 + -0.0 is +0
    first = np.arange(3.0)
    tco._total(first, first, start=None)
    assert first.tolist() == [0.0, 1.0, 2.0]  # a term is never written to


@pytest.mark.parametrize("flux", [np.array([100.0, 250.0, 40.0]), np.array([100.0, -5.0, 0.0]), np.float64(80.0)])
def test_radiator_area_equals_the_guarded_division(flux):
    heat = np.array([1e4, 2e4, 3e4])
    q = np.asarray(flux) * 0.9
    with np.errstate(divide="ignore", invalid="ignore"):
        want = np.where(q > 0.0, heat / np.where(q > 0.0, q, 1.0), np.nan)
    assert _bits(thermal.radiator_area_m2(heat, flux, 0.9)) == _bits(want)


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
        assert _bits(feasibility.any_failing(checks, shape)) == _bits(want)


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
    assert _bits(alone) == _bits(values["comparison.cost_ratio"])
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
    assert type(got) is type(want) and _bits(got) == _bits(want)


def test_satellite_price_per_w_skips_the_bottom_up_sum():
    n = 300
    sc = load_scenario("baseline-2026", {"satellite.cost_usd_per_w": 40.0,
                                          "solar.array_specific_power_w_per_kg": RNG.uniform(60.0, 150.0, n)})
    out = terawatt.evaluate(sc)
    compute_power = np.float64(sc.values["satellite.compute_power_w"])
    want = out["orbital.satellite_count"] * (np.float64(40.0) * compute_power)
    assert _bits(out["orbital.capex_breakdown_usd.satellite_hardware"]) == _bits(want)
