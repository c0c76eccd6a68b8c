"""A population's eclipse statistics follow one run-level plan: a sample's values never depend on its chunk-mates
(issue 10: bitwise identical results whatever the chunk size, workers and backend, with an orbit input sampled)."""

from __future__ import annotations

import numpy as np
import pytest

from terawatt.physics.orbit import (
    MAX_TABLE_NODES,
    EclipsePlan,
    annual_eclipse_stats,
    eclipse_stats_fast,
    plan_eclipses,
    use_eclipse_plan,
)
from terawatt.scenario import load_scenario
from terawatt.studies.orbit_plan import run_eclipse_plan
from terawatt.studies.population import evaluate_population
from terawatt.studies.uncertainty import SampleDesign, Uncertainty, UncertaintySpace

N = 6000  # > MAX_UNIQUE: the whole-run chunk interpolates, small chunks would be exact per call
#: Eclipses, and the other table look-ups an orbit input reaches (dose, drag decay, debris flux: fixed shipped
#: nodes, so per element), and the costs they feed.
OUTPUTS = ("orbital.sunlit_fraction", "orbital.max_eclipse_min", "orbital.eclipse_days_per_yr",
           "orbital.dose_rad_per_yr", "orbital.natural_decay_yr", "orbital.drag_dv_m_per_s_per_yr",
           "orbital.collision_probability_per_yr", "orbital.cost_per_gpu_hour_usd", "comparison.cost_ratio")
FIELDS = ("sunlit_fraction", "eclipse_days_per_yr", "max_eclipse_min")


def _designs() -> dict[str, dict[str, np.ndarray]]:
    rng = np.random.default_rng(11)
    return {
        "altitude": {"orbit.altitude_km": rng.uniform(500.0, 1100.0, N)},
        "altitude+ltan": {"orbit.altitude_km": rng.uniform(500.0, 1100.0, N), "orbit.ltan_h": rng.uniform(16, 20, N)},
        "inclination": {"orbit.altitude_km": rng.uniform(500.0, 700.0, N),
                        "orbit.inclination_deg": rng.uniform(40.0, 55.0, N)},
        "discrete altitude": {"orbit.altitude_km": rng.choice([550.0, 650.0, 800.0], N)},
    }


@pytest.mark.parametrize("name", list(_designs()))
def test_population_columns_bitwise_equal_across_chunk_sizes_and_backends(name):
    rows = _designs()[name]
    sc = load_scenario(None)
    whole = evaluate_population(sc, rows, OUTPUTS, chunk_size=N).columns
    runs = {size: evaluate_population(sc, rows, OUTPUTS, chunk_size=size).columns
            for size in (1500, 333, N - 10)}  # N - 10: a last chunk of 10 samples (< MAX_DISCRETE values)
    runs["processes"] = evaluate_population(sc, rows, OUTPUTS, chunk_size=900, backend="processes",
                                            workers=2).columns
    for label, cols in runs.items():
        for key in OUTPUTS:
            np.testing.assert_array_equal(cols[key], whole[key], err_msg=f"{name}: {key} at {label}")


def test_planned_lookup_is_per_element_and_within_the_table_accuracy():
    rng = np.random.default_rng(2)
    n = 20_000
    sso = rng.random(n) < 0.5
    alt = np.where(sso, rng.uniform(400.0, 1200.0, n), rng.uniform(400.0, 600.0, n))
    ltan = np.where(sso, rng.uniform(5.0, 8.0, n), rng.uniform(9.0, 10.0, n))
    inc = np.where(sso, np.nan, rng.uniform(40.0, 45.0, n))
    plan = plan_eclipses((400.0, 1200.0, None), (5.0, 10.0, None), (40.0, 45.0, None))
    assert not plan.exact and len(plan.sso) == 2 and len(plan.inclined) == 3
    assert np.prod([len(nodes) for _, nodes in plan.inclined]) <= 1.1 * MAX_TABLE_NODES
    with use_eclipse_plan(plan):
        whole = eclipse_stats_fast(alt, inc, ltan)
        for lo, hi in ((0, 7), (7, 1000), (1000, 1001), (1001, 5000)):
            part = eclipse_stats_fast(alt[lo:hi], inc[lo:hi], ltan[lo:hi])
            for k in FIELDS:
                np.testing.assert_array_equal(getattr(part, k), getattr(whole, k)[lo:hi])
    idx = rng.choice(n, 1500, replace=False)
    direct = annual_eclipse_stats(alt[idx], inc[idx], ltan[idx])
    err = {k: np.abs(getattr(whole, k)[idx] - getattr(direct, k)) for k in FIELDS}
    assert err["sunlit_fraction"].max() < 0.002  # same tolerance as the per-call tables (tests/test_orbit.py)
    assert err["max_eclipse_min"].max() < 0.05
    assert np.percentile(err["eclipse_days_per_yr"], 99) < 6.0


def test_samples_outside_the_plan_are_computed_directly():
    plan = plan_eclipses((500.0, 600.0, None), (18.0, 18.0, (18.0,)), None)
    alt = np.array([450.0, 550.0, 650.0, 575.0])
    inc = np.array([np.nan, np.nan, np.nan, 50.0])  # no inclined table in the plan: computed directly
    with use_eclipse_plan(plan):
        got = eclipse_stats_fast(alt, inc, 18.0)
    direct = annual_eclipse_stats(alt, inc, 18.0)
    for k in FIELDS:
        np.testing.assert_array_equal(getattr(got, k)[[0, 2, 3]], getattr(direct, k)[[0, 2, 3]])
        assert abs(getattr(got, k)[1] - getattr(direct, k)[1]) < 0.1  # on the table: interpolated


def _rows(columns):
    class Rows:
        n = len(next(iter(columns.values())))

        def rows(self, a, b):
            return {k: v[a:b] for k, v in columns.items()}

    return Rows()


def test_plans_of_designs():
    sc = load_scenario(None)
    assert plan_eclipses((550.0, 800.0, (550.0, 650.0, 800.0)), (18.0, 18.0, (18.0,)), None) == EclipsePlan(True)
    assert run_eclipse_plan(sc.values, _rows({"launch.price_usd_per_kg": np.array([100.0, 200.0])})) is None
    # a table's columns: bounds and distinct values over all rows, however they will be chunked
    few = run_eclipse_plan(sc.values, _rows({"orbit.altitude_km": np.repeat([550.0, 650.0], 50_000)}), block=999)
    assert few == EclipsePlan(True)
    alt = np.random.default_rng(0).uniform(500.0, 1100.0, 10_000)
    planned = run_eclipse_plan(sc.values, _rows({"orbit.altitude_km": alt}), block=999)
    (step, nodes), (_, ltan) = planned.sso
    assert step == 5.0 and nodes[0] <= alt.min() and nodes[-1] >= alt.max() and ltan == (18.0,)
    assert planned.inclined == ()
    # a sampled design: from the distribution's support, without drawing it
    uniform = Uncertainty("orbit.altitude_km", "uniform", (("low", 500.0), ("high", 1100.0)), 150.0, 50000.0)
    plan = run_eclipse_plan(sc.values, SampleDesign(UncertaintySpace((uniform,)), 10**9, 1))
    (step, nodes), _ = plan.sso
    assert step == 5.0 and nodes[0] == 500.0 and nodes[-1] == 1100.0
    integer = Uncertainty("orbit.altitude_km", "uniform", (("low", 500.0), ("high", 1100.0)), 150.0, 50000.0,
                          integer=True)
    assert run_eclipse_plan(sc.values, SampleDesign(UncertaintySpace((integer,)), 10**9, 1)).exact


def test_montecarlo_with_sampled_altitude_is_identical_across_chunk_sizes(tmp_path):
    from terawatt.studies.montecarlo import montecarlo

    path = tmp_path / "alt.yaml"
    path.write_text("name: alt\nuncertainty:\n  orbit.altitude_km: {kind: uniform, low: 500, high: 1100}\n"
                    "  orbit.ltan_h: {kind: normal, mean: 18, sd: 0.5}\n")
    sc = load_scenario(str(path))
    a = montecarlo(sc, n=5000, seed=3, chunk_size=5000).to_frame()
    b = montecarlo(sc, n=5000, seed=3, chunk_size=700).to_frame()
    for col in a.columns:
        if a[col].dtype.kind == "f":
            np.testing.assert_array_equal(a[col].to_numpy(), b[col].to_numpy(), err_msg=col)
