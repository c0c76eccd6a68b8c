"""Monte Carlo over years checked against direct computations, the build-out Monte Carlo (``terawatt montecarlo
--study buildout``), its percentiles and binding-constraint shares, and the fan-chart and CDF plots."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

import terawatt
from terawatt.params import load_registry, names_in_file
from terawatt.scenario import ScenarioError, load_scenario, shipped_scenarios
from terawatt.studies.buildout import GROUND_LIMITS, ORBIT_LIMITS, buildout
from terawatt.studies.montecarlo import montecarlo
from terawatt.studies.montecarlo_buildout import (
    REPORT_YEARS,
    ScaledTrajectory,
    montecarlo_buildout,
    percentile_bands,
    sampled_scenario,
)
from terawatt.studies.timeline import timeline
from terawatt.studies.uncertainty import SampleDesign, model_uncertainty_space, uncertainty_space

REGISTRY = load_registry()
UNCERTAIN = [n for n, s in REGISTRY.items() if s.distribution is not None]
GROWTH = "buildout.demand_growth_per_yr"


def _only(*names: str) -> list[str]:
    """Every registry uncertainty except ``names`` (to fix them)."""
    return [n for n in UNCERTAIN if n not in names]


@pytest.fixture(scope="module")
def terawatt_mc():
    return montecarlo_buildout(load_scenario("musk-terawatt"), 1500, seed=3)


# ------------------------------------------------------------------------------------------- over years (cost)
def test_crossover_distribution_equals_a_direct_computation():
    """Only the discount rate varies (musk-2026's launch-price trajectory moves every sample through the years): the
    crossover year of each sample is recomputed with the timeline study on the same inputs, and P10/P50/P90 and the
    probabilities from the sorted crossover years by hand."""
    name = "finance.discount_rate"
    sc = load_scenario("musk-2026")
    mc = montecarlo(sc, 400, seed=8, start=2026, end=2040, fixed=_only(name))
    assert mc.space.names == [name]
    samples = mc.inputs[name]
    direct = timeline(sc.with_overrides({name: samples}), 2026, 2040)
    np.testing.assert_array_equal(mc.crossover_years, direct.crossover_year)
    ratio = direct.series("comparison.cost_ratio")
    np.testing.assert_allclose(mc.ratio_matrix(), ratio, rtol=1e-12)
    by_year = mc.p_orbit_cheaper_by_year()
    for j, year in enumerate(range(2026, 2041)):
        assert by_year[year] == np.mean(np.nan_to_num(ratio[:, j], nan=np.inf) < 1)
    cross = np.sort(np.where(np.isnan(direct.crossover_year), np.inf, direct.crossover_year))
    summary = mc.crossover_summary()
    for p in (10, 50, 90):
        kth = cross[int(np.ceil(p / 100 * cross.size)) - 1]  # the inverted-CDF order statistic
        assert summary[f"p{p}"] == (None if np.isinf(kth) else int(kth))
    assert summary["p_by_2029"] == np.mean(cross <= 2029)
    assert summary["p_by_2030"] == np.mean(cross <= 2030)
    assert summary["p_never_in_range"] == np.mean(np.isinf(cross))
    assert 0 < summary["p_never_in_range"] < 1  # the case is not degenerate: some samples cross, some never


def test_cost_montecarlo_does_not_sample_the_buildout_parameters():
    cost = model_uncertainty_space(load_scenario("musk-2026"))
    assert not set(cost.names) & (names_in_file("buildout") | names_in_file("supply"))
    mc = montecarlo(load_scenario("musk-2026"), 20, year=2030)
    assert mc.space.names == cost.names
    build = uncertainty_space(load_scenario("musk-2026"))
    assert GROWTH in build.names and set(cost.names) < set(build.names)
    # the scenario's own block may still name one (the rule is about registry distributions only)
    block = load_scenario({"uncertainty": {GROWTH: {"kind": "uniform", "low": 0.2, "high": 0.4}}})
    assert GROWTH in uncertainty_space(block, exclude=names_in_file("buildout")).names


# ----------------------------------------------------------------------------------------------- build-out
def test_determinism_for_a_seed_and_across_chunkings(terawatt_mc):
    sc = load_scenario("musk-terawatt")
    again = montecarlo_buildout(sc, 1500, seed=3, chunk_size=211)
    other = montecarlo_buildout(sc, 1500, seed=4)
    for field, values in terawatt_mc.data.items():
        np.testing.assert_array_equal(values, again.data[field], err_msg=field)
    assert not np.array_equal(terawatt_mc.data["orbit_gw_total"], other.data["orbit_gw_total"])
    assert terawatt_mc.to_dict() == again.to_dict()


def test_identical_on_processes_and_in_batches(terawatt_mc, monkeypatch):
    import terawatt.studies.montecarlo_buildout as module

    sc = load_scenario("musk-terawatt")
    on_processes = montecarlo_buildout(sc, 1500, seed=3, chunk_size=500, backend="processes", workers=2)
    for field, values in terawatt_mc.data.items():
        np.testing.assert_array_equal(values, on_processes.data[field], err_msg=field)
    # Blocks of 97 samples: chunks of 500 and 1,500 cut them differently, the results stay bitwise identical; and
    # equal to round-off to the one-block run (the batch a sample is simulated with changes the summation order).
    monkeypatch.setattr(module, "BATCH", 97)
    blocks = montecarlo_buildout(sc, 1500, seed=3, chunk_size=1500)
    cut = montecarlo_buildout(sc, 1500, seed=3, chunk_size=500)
    for field, values in blocks.data.items():
        np.testing.assert_array_equal(values, cut.data[field], err_msg=field)
        np.testing.assert_allclose(values, terawatt_mc.data[field], rtol=1e-12, atol=1e-9, err_msg=field)


def test_each_trajectory_is_the_buildout_of_its_own_inputs(terawatt_mc):
    """Three samples re-run one at a time through ``buildout`` with their sampled values (the two parameters that
    follow a trajectory in musk-terawatt's file scale it by sample / default)."""
    sc = load_scenario("musk-terawatt")
    registry = load_registry()
    for i in (0, 700, 1499):
        values = {k: v[i] for k, v in terawatt_mc.inputs.items()}
        scaled = {u.name for u in terawatt_mc.space.uncertainties if u.scales_trajectory}
        assert scaled  # the case covers scaled trajectories
        one = sc.with_overrides({k: v for k, v in values.items() if k not in scaled})
        traj = dict(one.trajectories)
        for name in scaled:
            traj[name] = ScaledTrajectory(name, traj[name], np.array([values[name] / registry[name].default]))
        from dataclasses import replace

        result = buildout(replace(one, trajectories=traj), 2026, 2050)
        for field in ("orbit_gw_total", "ground_gw_total", "launches", "orbit_binding", "ground_binding"):
            np.testing.assert_allclose(np.ravel(result.data[field]), terawatt_mc.data[field][i], rtol=1e-9,
                                       atol=1e-9, err_msg=f"{field} sample {i}")


def test_scaled_trajectory_multiplies_the_path_and_clips():
    sc = load_scenario("musk-terawatt")
    name = "terrestrial.electricity_price_usd_per_mwh"
    years = np.arange(2026, 2031)
    base = sc.at_years(years).values[name]
    factor = np.array([0.5, 1.0, 2.0])
    got = sampled_scenario(sc, {name: factor * REGISTRY[name].default}, [name]).at_years(years).values[name]
    np.testing.assert_allclose(got, np.clip(base * factor[:, None], REGISTRY[name].min, REGISTRY[name].max))


def test_percentiles_match_the_closed_form_quantiles():
    """Only the demand growth rate varies (triangular 0.15/0.30/0.60) and nothing is built in orbit: demand in 2030
    is 20 GW x (1 + g)^5, monotone in g, so each of its percentiles is the demand at the triangular distribution's
    quantile (scipy.stats.triang)."""
    sc = load_scenario("musk-terawatt")
    mc = montecarlo_buildout(sc, 4000, seed=1, start=2026, end=2035, fixed=_only(GROWTH))
    assert mc.space.names == [GROWTH]
    dist = REGISTRY[GROWTH].distribution
    tri = stats.triang((dist.mode - dist.low) / (dist.high - dist.low), loc=dist.low, scale=dist.high - dist.low)
    demand_2025 = sc.values["buildout.demand_2025_gw"]
    pct = mc.percentiles("demand_gw", [2030, 2035])
    for p in (5, 25, 50, 75, 95):
        for year in (2030, 2035):
            expected = min(sc.values["buildout.demand_cap_gw"], demand_2025 * (1 + tri.ppf(p / 100)) ** (year - 2025))
            assert pct[year][f"p{p:02d}"] == pytest.approx(expected, rel=2e-3), (p, year)
    # the bands are the same percentiles for every year (fan charts)
    bands = mc.bands("demand_gw")
    assert bands["p50"][mc.years.tolist().index(2030)] == pytest.approx(pct[2030]["p50"])
    assert list(mc.report_years()) == [2030, 2035]


def test_percentile_bands_ignore_non_finite_values():
    values = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, np.inf], [np.nan, np.nan]])
    bands = percentile_bands(values)
    assert bands["p50"][0] == 2.0 and np.isnan(bands["p50"][1])
    assert bands["p05"][0] == pytest.approx(np.percentile([1, 2, 3], 5))


def test_binding_shares_sum_to_one_and_count_the_codes(terawatt_mc):
    for side, labels in (("orbit", ORBIT_LIMITS), ("ground", GROUND_LIMITS)):
        shares = terawatt_mc.binding_shares(side)
        assert list(shares) == list(range(2026, 2051))
        codes = terawatt_mc.data[f"{side}_binding"]
        for j, (year, row) in enumerate(shares.items()):
            assert list(row) == list(labels)
            assert sum(row.values()) == pytest.approx(1.0, abs=1e-12), year
            for k, name in enumerate(labels):
                assert row[name] == np.count_nonzero(codes[:, j] == k) / terawatt_mc.n
    # the most common constraint is what the build-out's own sampled summary names
    sc = sampled_scenario(load_scenario("musk-terawatt"), SampleDesign(terawatt_mc.space, 1500, 3).rows(0, 1500),
                          [u.name for u in terawatt_mc.space.uncertainties if u.scales_trajectory])
    rows = buildout(sc, 2026, 2050).rows()
    orbit = terawatt_mc.binding_shares("orbit")
    for row in rows:
        counts = orbit[row["year"]]
        assert counts[row["orbit_binding"]] == max(counts.values()), row["year"]
    with pytest.raises(ValueError, match="side"):
        terawatt_mc.binding_shares("moon")


def test_orbit_not_started_before_a_fixed_start_year():
    sc = load_scenario("musk-terawatt", ["buildout.orbit_start_year=2031"])
    mc = montecarlo_buildout(sc, 200, seed=0, start=2026, end=2033, fixed=["buildout.orbit_start_year"])
    shares = mc.binding_shares("orbit")
    assert all(shares[y]["not started"] == 1.0 for y in range(2026, 2031))
    assert shares[2031]["not started"] == 0.0
    assert np.all(mc.data["orbit_gw_total"][:, :5] == 0.0)


def test_summary_to_dict_and_frame(terawatt_mc):
    data = terawatt_mc.to_dict()
    assert data["report_years"] == list(REPORT_YEARS)
    assert set(data["percentiles"]) == {"orbit_gw_total", "ground_gw_total", "launches", "shortfall_gw"}
    row = data["percentiles"]["orbit_gw_total"]["2040"]
    assert row["p05"] <= row["p25"] <= row["p50"] <= row["p75"] <= row["p95"]
    assert row["p50"] == pytest.approx(np.percentile(terawatt_mc.data["orbit_gw_total"][:, 14], 50))
    assert json.loads(json.dumps(data)) == data  # JSON-ready
    frame = terawatt_mc.to_frame()
    assert len(frame) == 1500 * 25 and frame.index.names == ["sample", "year"]
    assert frame.loc[(700, 2040), "orbit_gw_total"] == terawatt_mc.data["orbit_gw_total"][700, 14]
    assert set(frame["orbit_binding"]) <= set(ORBIT_LIMITS)
    assert GROWTH in frame.columns
    assert frame.attrs["units"]["orbit_gw_total"] == "GW" and frame.attrs["units"][GROWTH] == "1/yr"
    with pytest.raises(ValueError, match="outside the run's years"):
        terawatt_mc.percentiles("orbit_gw_total", [2060])


def test_bad_options_are_reported_at_once():
    sc = load_scenario("musk-terawatt")
    with pytest.raises(ScenarioError) as err:
        montecarlo_buildout(sc, 0, seed=-1, sampler="halton", start=2030, chunk_size=0, backend="dask")
    text = str(err.value)
    for field in ("-n", "--seed", "--sampler", "--from/--to", "--chunk-size", "backend"):
        assert field in text, field


def test_parquet_sink_resumes_and_refuses_another_run(tmp_path):
    sc = load_scenario("musk-terawatt")
    folder = tmp_path / "run"
    first = montecarlo_buildout(sc, 300, seed=2, out=folder, chunk_size=128)
    assert sorted(p.name for p in folder.glob("chunk-*.parquet")) == [f"chunk-{i:06d}.parquet" for i in range(3)]
    (folder / "chunk-000001.parquet").unlink()  # as if killed before the second chunk was written
    again = montecarlo_buildout(sc, 300, seed=2, out=folder, chunk_size=128)
    for field, values in first.data.items():
        np.testing.assert_array_equal(values, again.data[field])
    import pandas as pd

    frame = pd.concat(pd.read_parquet(f) for f in sorted(folder.glob("chunk-*.parquet")))
    assert len(frame) == 300 and frame["orbit_binding@2040"].isin(ORBIT_LIMITS).all()
    with pytest.raises(ScenarioError, match="--out"):
        montecarlo_buildout(sc, 301, seed=2, out=folder, chunk_size=128)


def test_api():
    mc = terawatt.montecarlo_buildout("musk-terawatt", n=50, start=2026, end=2040,
                                      overrides={"buildout.split_elasticity": 8.0})
    assert "buildout.split_elasticity" in mc.space.fixed and "buildout.split_elasticity" not in mc.space.names
    assert mc.report_years() == [2030, 2035, 2040]


# ------------------------------------------------------------------------------------------------------ CLI
def test_cli_buildout_json(invoke_cli):
    res = invoke_cli("montecarlo", "musk-terawatt", "--study", "buildout", "-n", "300", "--seed", "5", "--json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    api = montecarlo_buildout(load_scenario("musk-terawatt"), 300, seed=5).to_dict()
    assert data == json.loads(json.dumps(api))
    for side in ("orbit", "ground"):
        for year, shares in data["binding_shares"][side].items():
            assert sum(shares.values()) == pytest.approx(1.0), (side, year)


def test_cli_buildout_table_and_plot(invoke_cli, tmp_path):
    res = invoke_cli("montecarlo", "musk-terawatt", "--study", "buildout", "-n", "200", "--from", "2026", "--to",
                     "2040", "--plot", tmp_path / "fan.png", "--set", "buildout.split_elasticity=6")
    assert res.exit_code == 0, res.stderr
    for fragment in ("orbit_gw_total [GW]", "launches [1/yr]", "share of samples in which each constraint binds",
                     "not started", "sampled parameters", "fixed by --set: buildout.split_elasticity",
                     "chart written to"):
        assert fragment in res.stdout, fragment
    assert (tmp_path / "fan.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "fields"),
    [
        (("--study", "bogus"), ("--study", "'bogus' is not one of: cost, buildout")),
        (("--study", "buildout", "--year", "2030", "--workers", "0"), ("--year", "--workers")),
        (("--study", "buildout", "--plot", "x.gif", "-n", "0"), ("--plot", "-n")),
        (("--study", "buildout", "--from", "2040", "--to", "2030"), ("--from",)),
        (("--study", "buildout", "-n", "100000000"), ("-n", "sample-years held in memory")),  # 20+ GB before
    ],
)
def test_cli_bad_study_options_exit_2(invoke_cli, args, fields):
    res = invoke_cli("montecarlo", "musk-terawatt", *args)
    assert res.exit_code == 2, res.stdout
    assert "Traceback" not in res.stderr
    for field in fields:
        assert field in res.stderr, field


# ---------------------------------------------------------------------------------------------------- plots
def test_fan_charts_and_cdfs(tmp_path, terawatt_mc):
    from terawatt.report.montecarlo_plots import (
        buildout_montecarlo_figure,
        cost_bands,
        montecarlo_figure,
        plot_buildout_montecarlo,
        plot_montecarlo,
    )

    mc = terawatt.montecarlo("musk-2026", n=300, start=2026, end=2040)
    bands = cost_bands(mc)
    ratio = mc.ratio_matrix()
    np.testing.assert_allclose(bands["comparison.cost_ratio"]["p25"], np.nanpercentile(ratio, 25, axis=0))
    fig = montecarlo_figure(mc)
    titles = [ax.get_title() for ax in fig.axes]
    assert any("cost per GPU-hour" in t for t in titles) and "crossover year (CDF)" in titles
    assert len(fig.axes[0].collections) == 4  # two bands for each side
    one = montecarlo_figure(terawatt.montecarlo("musk-2026", n=100, year=2030))
    assert len(one.axes) == 1
    fig = buildout_montecarlo_figure(terawatt_mc)
    assert len(fig.axes) == 2 and "what binds the orbit" in fig.axes[1].get_title()
    for suffix in (".png", ".svg", ".html"):
        assert plot_montecarlo(mc, tmp_path / f"mc{suffix}").stat().st_size > 5000
        assert plot_buildout_montecarlo(terawatt_mc, tmp_path / f"bo{suffix}").stat().st_size > 5000


def test_run_tasks_reports_progress_and_cancels_when_stopped():
    from dataclasses import dataclass

    from terawatt.studies.population import SerialBackend, run_tasks

    @dataclass(frozen=True)
    class T:
        start: int
        stop: int

    class Recording(SerialBackend):
        closed: list[bool] = []

        def close(self, cancel: bool = False) -> None:
            self.closed.append(cancel)

    seen: list[tuple[int, int]] = []
    engine = Recording()
    tasks = [T(0, 4), T(4, 10)]
    assert [t for t, _ in run_tasks(engine, lambda t: t.stop, tasks, 10, 0, lambda d, n: seen.append((d, n)))] == tasks
    assert seen == [(4, 10), (10, 10)] and engine.closed == [False]
    with pytest.raises(KeyboardInterrupt):
        for _ in run_tasks(engine, lambda t: t.stop, tasks, 10):
            raise KeyboardInterrupt
    assert engine.closed == [False, True]


@pytest.mark.parametrize("name", sorted(shipped_scenarios()))
def test_every_shipped_scenario_runs(name):
    mc = montecarlo_buildout(load_scenario(name), 64, seed=1, start=2026, end=2040)
    assert mc.data["orbit_gw_total"].shape == (64, 15)
    assert np.all(mc.data["orbit_gw_total"] >= 0) and np.all(np.isfinite(mc.data["ground_gw_total"]))
    for side in ("orbit", "ground"):
        assert all(sum(row.values()) == pytest.approx(1.0) for row in mc.binding_shares(side).values())
