"""Uncertainties (validation, samplers, truncation, rank correlation) and the Monte Carlo study and command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

import terawatt
from terawatt.params import load_registry
from terawatt.scenario import ScenarioError, load_scenario
from terawatt.studies.montecarlo import montecarlo
from terawatt.studies.uncertainty import SampleDesign, iman_conover, uncertainty_space

#: Every registry parameter with a distribution (to fix all but the ones a test varies).
REGISTRY_UNCERTAIN = [n for n, s in load_registry().items() if s.distribution is not None]


def _space(block: dict, fixed_all_registry: bool = True):
    sc = load_scenario({"uncertainty": block})
    fixed = [n for n in REGISTRY_UNCERTAIN if n not in block] if fixed_all_registry else []
    return sc, uncertainty_space(sc, fixed)


BAD_BLOCK = {
    "launch.price_usd_per_kgg": {"kind": "uniform", "low": 100, "high": 200},
    "solar.cell_efficiency": {"kind": "gaussian", "mean": 0.25, "sd": 0.01},
    "thermal.emissivity": {"kind": "uniform", "low": 0.9, "high": 0.8},
    "satellite.lifetime_yr": {"kind": "triangular", "low": 3, "high": 8, "mode": 10},
    "finance.discount_rate": {"kind": "normal", "mean": "high"},
    "terrestrial.power_source": {"kind": "uniform", "low": 0, "high": 1},
    "workload.utilization": {"kind": "uniform", "low": 0.5, "high": 1.2},
    "correlations": [{"between": ["thermal.cost_usd_per_m2", "solar.cost_usd_per_w"], "rank": 1.5}],
}


def test_bad_uncertainty_block_reports_every_field_at_once():
    with pytest.raises(ScenarioError) as err:
        uncertainty_space(load_scenario({"uncertainty": BAD_BLOCK}))
    text = str(err.value)
    for fragment in ("uncertainty.launch.price_usd_per_kgg: unknown parameter; did you mean 'launch.price_usd_per_kg'",
                     "uncertainty.solar.cell_efficiency.kind", "uncertainty.thermal.emissivity.low",
                     "uncertainty.satellite.lifetime_yr.mode", "uncertainty.finance.discount_rate.mean",
                     "uncertainty.finance.discount_rate.sd: missing", "terrestrial.power_source is not numeric",
                     "uncertainty.workload.utilization: [0.5, 1.2] leaves the allowed range",
                     "uncertainty.correlations[0].rank"):
        assert fragment in text, fragment


def test_inconsistent_correlations_are_refused():
    pair = ["thermal.cost_usd_per_m2", "solar.cost_usd_per_w"]
    block = {"correlations": [{"between": pair, "rank": 0.9},
                              {"between": [pair[0], "satellite.lifetime_yr"], "rank": 0.9},
                              {"between": [pair[1], "satellite.lifetime_yr"], "rank": -0.9}]}
    with pytest.raises(ScenarioError, match="not positive definite"):
        uncertainty_space(load_scenario({"uncertainty": block}))
    with pytest.raises(ScenarioError, match="not uncertain here"):
        uncertainty_space(load_scenario({"uncertainty": {"correlations": [{"between": pair, "rank": 0.1}]}}),
                          fixed=[pair[0]])


def test_bad_block_in_a_file_exits_2_naming_each_field(tmp_path, invoke_cli):
    import yaml

    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"based_on": "suncatcher", "uncertainty": BAD_BLOCK}))
    res = invoke_cli("montecarlo", path, "-n", "10", "--sampler", "halton", "--from", "2026")
    assert res.exit_code == 2
    for field in ("launch.price_usd_per_kgg", "thermal.emissivity.low", "satellite.lifetime_yr.mode",
                  "correlations[0].rank", "--sampler", "--from/--to"):
        assert field in res.stderr, field


@pytest.mark.parametrize("sampler", ["random", "lhs", "sobol"])
def test_marginals_follow_the_distributions(sampler):
    block = {
        "solar.cost_usd_per_w": {"kind": "uniform", "low": 2, "high": 9},
        "thermal.cost_usd_per_m2": {"kind": "triangular", "low": 1000, "mode": 2000, "high": 9000},
        "solar.cell_efficiency": {"kind": "normal", "mean": 0.9, "sd": 0.1},  # truncated at the maximum 1
        "launch.price_usd_per_kg": {"kind": "lognormal", "mean": 300, "sd": 150},
    }
    _, space = _space(block)
    assert sorted(space.names) == sorted(block)
    rows = SampleDesign(space, 4096, 42, sampler).rows(0, 4096)
    eff = rows["solar.cell_efficiency"]
    by_name = {u.name: u for u in space.uncertainties}
    assert eff.max() < 1.0 and by_name["solar.cell_efficiency"].truncated
    assert by_name["solar.cell_efficiency"].source == "scenario"
    sigma = np.sqrt(np.log1p(0.5**2))
    expected = {
        "solar.cost_usd_per_w": stats.uniform(2, 7).cdf,
        "thermal.cost_usd_per_m2": stats.triang(1 / 8, loc=1000, scale=8000).cdf,
        "solar.cell_efficiency": stats.truncnorm(-np.inf, 1.0, loc=0.9, scale=0.1).cdf,
        "launch.price_usd_per_kg": stats.lognorm(sigma, scale=300 * np.exp(-sigma**2 / 2)).cdf,
    }
    for name, cdf in expected.items():
        assert stats.kstest(rows[name], cdf).pvalue > 0.01, name
    assert abs(np.mean(rows["launch.price_usd_per_kg"]) - 300) < 15


def test_inverse_cdfs_are_scipy_stats_ppf():
    """The closed forms and ndtri forms of Uncertainty.ppf against scipy.stats' ppf (truncated where bounded)."""
    from terawatt.studies.uncertainty import Uncertainty

    u = np.concatenate([np.linspace(1e-9, 1 - 1e-9, 2001), np.random.default_rng(3).random(5000)])
    sigma = np.sqrt(np.log1p(0.5**2))
    cases = [
        (Uncertainty("x", "uniform", (("low", 2.0), ("high", 9.0)), 2.0, 9.0), stats.uniform(2, 7)),
        (Uncertainty("x", "triangular", (("low", 1e3), ("mode", 2e3), ("high", 9e3)), 1e3, 9e3),
         stats.triang(1 / 8, loc=1000, scale=8000)),
        (Uncertainty("x", "normal", (("mean", 0.9), ("sd", 0.1)), None, None), stats.norm(0.9, 0.1)),
        (Uncertainty("x", "normal", (("mean", 0.9), ("sd", 0.1)), 0.7, 1.0, truncated=True),
         stats.truncnorm(-2.0, 1.0, loc=0.9, scale=0.1)),
        (Uncertainty("x", "lognormal", (("mean", 300.0), ("sd", 150.0)), None, None),
         stats.lognorm(sigma, scale=300 * np.exp(-sigma**2 / 2))),
    ]
    for unc, dist in cases:
        np.testing.assert_allclose(unc.ppf(u), dist.ppf(u), rtol=1e-12, err_msg=unc.describe())
    # a truncated lognormal: the untruncated ppf over the admitted probability interval
    unc = Uncertainty("x", "lognormal", (("mean", 300.0), ("sd", 150.0)), 100.0, 500.0, truncated=True)
    full = stats.lognorm(sigma, scale=300 * np.exp(-sigma**2 / 2))
    lo, hi = full.cdf(100.0), full.cdf(500.0)
    np.testing.assert_allclose(unc.ppf(u), full.ppf(lo + u * (hi - lo)), rtol=1e-12)


def test_a_lognormal_of_extreme_spread_is_a_distribution_not_an_overflow(tmp_path, invoke_cli):
    """sd / mean past 1e154 squared overflows a float: sigma^2 = ln(1 + r^2) is taken as 2 ln r + ln(1 + r^-2)
    there (the same to the last digits where both hold); the block checks and samples."""
    from terawatt.studies.uncertainty import Uncertainty

    for sd in (3e100, 3e149, 3e151, 3e300):
        loc, scale = Uncertainty("x", "lognormal", (("mean", 3.0), ("sd", sd)), None, None)._normal_scale()
        r = sd / 3.0
        assert scale**2 == pytest.approx(2 * np.log(r), rel=1e-12)
        assert loc == pytest.approx(np.log(3.0) - np.log(r), rel=1e-12)
    near = Uncertainty("x", "lognormal", (("mean", 3.0), ("sd", 3e149)), None, None)._normal_scale()
    assert near[1] == pytest.approx(np.sqrt(np.log1p(1e149**2)), rel=1e-14)
    # the other end: sd / mean below 1e-150 squares to an underflow (sigma was 0 and the CDF divided by it)
    for sd in (3e-148, 3e-152, 3e-300, 1e-320):
        u = Uncertainty("x", "lognormal", (("mean", 3.0), ("sd", sd)), 0.0, None)
        loc, scale = u._normal_scale()
        assert scale == pytest.approx(sd / 3.0, rel=1e-12) and loc == pytest.approx(np.log(3.0), rel=1e-15)
        assert u.cdf(3.0) == pytest.approx(0.5) and u.cdf(2.9) == 0.0 and u.cdf(3.1) == 1.0
        np.testing.assert_allclose(u.ppf(np.array([0.1, 0.5, 0.9])), 3.0, rtol=1e-12)
    path = tmp_path / "spread.yaml"
    path.write_text("based_on: suncatcher\nuncertainty:\n  supply.terafab_wafer_starts_per_month: "
                    "{kind: lognormal, mean: 3, sd: 1.0e+300}\n")
    assert invoke_cli("check", str(path)).exit_code == 0
    res = invoke_cli("montecarlo", str(path), "-n", "64", "--json")
    assert res.exit_code == 0, res.stderr


def test_iman_conover_reaches_the_rank_correlation():
    block = {
        "solar.cost_usd_per_w": {"kind": "uniform", "low": 2, "high": 9},
        "thermal.cost_usd_per_m2": {"kind": "triangular", "low": 1000, "mode": 2000, "high": 9000},
        "satellite.lifetime_yr": {"kind": "uniform", "low": 3, "high": 9},
        "correlations": [{"between": ["solar.cost_usd_per_w", "thermal.cost_usd_per_m2"], "rank": 0.7},
                         {"between": ["satellite.lifetime_yr", "solar.cost_usd_per_w"], "rank": -0.4}],
    }
    _, space = _space(block)
    plain = SampleDesign(space, 5000, 3, "lhs").rows(0, 5000)
    names = ["solar.cost_usd_per_w", "thermal.cost_usd_per_m2", "satellite.lifetime_yr"]
    rho = stats.spearmanr(np.column_stack([plain[k] for k in names])).statistic
    assert abs(rho[0, 1] - 0.7) < 0.03 and abs(rho[2, 0] + 0.4) < 0.03 and abs(rho[1, 2]) < 0.1
    # Marginals are unchanged by the reordering: still a Latin hypercube in each column.
    u = np.sort((plain["satellite.lifetime_yr"] - 3) / 6)
    assert np.all(np.floor(u * 5000) == np.arange(5000))
    x = np.random.default_rng(0).random((200, 2))
    assert sorted(iman_conover(x, np.array([[1, 0.5], [0.5, 1]]))[:, 1]) == sorted(x[:, 1])


def test_known_answer_one_monotone_input():
    """Only the ground's electricity price varies, uniformly: the ratio falls with it, so P(orbit cheaper) is the
    share of the range above the break-even price and each percentile of the ratio is the ratio at the mirrored
    percentile of the price."""
    lo, hi = 3000.0, 6000.0
    sc, _ = _space({"terrestrial.electricity_price_usd_per_mwh": {"kind": "uniform", "low": lo, "high": hi}})
    fixed = [n for n in REGISTRY_UNCERTAIN if n != "terrestrial.electricity_price_usd_per_mwh"]
    mc = montecarlo(sc, 2000, seed=5, sampler="lhs", fixed=fixed)
    assert mc.space.names == ["terrestrial.electricity_price_usd_per_mwh"]
    breakeven = terawatt.breakeven(sc, "terrestrial.electricity_price_usd_per_mwh").value
    assert lo < breakeven < hi
    assert mc.p_orbit_cheaper == pytest.approx((hi - breakeven) / (hi - lo), abs=2e-3)
    ratio = mc.summary()["comparison.cost_ratio"]
    for p in (5, 50, 95):
        price = lo + (100 - p) / 100 * (hi - lo)
        at = terawatt.evaluate(sc.with_overrides({"terrestrial.electricity_price_usd_per_mwh": price}))[
            "comparison.cost_ratio"]
        assert ratio[f"p{p:02d}"] == pytest.approx(at, rel=2e-3)


def test_crossover_distribution_matches_the_per_sample_timelines():
    mc = terawatt.montecarlo("musk-2026", n=300, seed=2, start=2026, end=2035)
    cross = mc.crossover_years
    by_year = mc.p_orbit_cheaper_by_year()
    summary = mc.crossover_summary()
    assert summary["p_never_in_range"] == pytest.approx(np.mean(np.isnan(cross)))
    assert summary["p_by_2030"] == pytest.approx(np.mean(cross <= 2030))
    assert summary["p_by_2029"] <= summary["p_by_2030"]
    assert by_year[2026] <= summary["p_by_2029"] + 1e-12  # crossing in a year implies crossing by then
    # One sample checked against the timeline study under the same inputs.
    frame = mc.to_frame()
    row = frame.iloc[17]
    assert frame.attrs["units"]["terrestrial.electricity_price_usd_per_mwh"] == "USD/MWh"
    assert len(frame) == 300 and "crossover_year" in frame
    assert np.isnan(row["crossover_year"]) or 2026 <= row["crossover_year"] <= 2035


def test_set_fixes_a_parameter_and_api_overrides():
    mc = terawatt.montecarlo("suncatcher", n=50, year=2030, overrides={"finance.discount_rate": 0.09})
    assert "finance.discount_rate" not in mc.space.names and "finance.discount_rate" in mc.space.fixed
    assert set(mc.to_dict()) >= {"p_orbit_cheaper", "percentiles", "sampled", "fixed"}


def test_cli_end_to_end(invoke_cli, tmp_path):
    res = invoke_cli("montecarlo", "musk-2026", "-n", "400", "--from", "2026", "--to", "2032", "--json",
                     "--sampler", "sobol", "--seed", "4")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["n"] == 400 and set(data["crossover_year"]) >= {"p10", "p50", "p90", "p_by_2029", "p_by_2030",
                                                               "p_never_in_range"}
    assert list(data["p_orbit_cheaper_by_year"]) == [str(y) for y in range(2026, 2033)]
    api = terawatt.montecarlo("musk-2026", n=400, start=2026, end=2032, sampler="sobol", seed=4, workers=2,
                              chunk_size=128)
    assert api.to_dict()["crossover_year"] == data["crossover_year"]
    text = invoke_cli("montecarlo", "suncatcher", "-n", "300", "--year", "2030", "--set",
                      "launch.price_usd_per_kg=150", "--out", tmp_path / "run", "--plot", tmp_path / "cdf.png")
    assert text.exit_code == 0, text.stderr
    assert (tmp_path / "cdf.png").stat().st_size > 10_000
    for fragment in ("P(orbit cheaper)", "comparison.cost_ratio", "sampled parameters", "fixed by --set",
                     "launch.price_usd_per_kg", "manifest.json"):
        assert fragment in text.stdout, fragment
    again = invoke_cli("montecarlo", "suncatcher", "-n", "301", "--year", "2030", "--out", tmp_path / "run")
    assert again.exit_code == 2 and "--out" in again.stderr
