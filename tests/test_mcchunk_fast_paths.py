"""The fast paths of a Monte Carlo chunk of musk-2026 (its ~40 sampled inputs) give the bits of the general ones.

- ``satellite.survival_mean`` of positive sampled rates and ``satellite._serviced_mean`` without visits equal the
  formulas they replace (NaN, zero rates and an infinite mean included); without visits the fleet's visits and
  replaced fraction are one zero each.
- ``workload.goodput``: an inference run's training goodput deferred on the ground (as in orbit) leaves the mix
  ``0 x G_t + 1 x G_i``, and the deferred figures equal the eager ones; the ground's stops are its base rate only
  where that changes no bit.
- ``radiation`` event rates, goodput and margins in their own buffers equal the plain expressions, -0 included.
- ``debris``: a sample array of altitudes in one interval of the flux table interpolates as ``np.interp``.
- ``tco``: no insurance and no servicing with sampled per-visit costs skip their lines; a heritage satellite's
  hardware cost and the break-even price equal their general forms.
- A sampled evaluation of musk-2026's uncertainty space equals each sample evaluated as a scalar scenario.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from bitwise import bits

import terawatt
from terawatt.design import satellite, workload
from terawatt.design.satellite import _serviced_mean, survival_mean
from terawatt.economics import finance, tco
from terawatt.physics import debris, radiation
from terawatt.studies.uncertainty import SampleDesign, model_uncertainty_space

RNG = np.random.default_rng(2031)
N = 64


def _survival_reference(lam, s, life):
    """:func:`survival_mean` as it was written before its fast path (the general formula)."""
    lam, s, life = (np.asarray(x, float) for x in (lam, s, life))
    safe = np.where(lam > 0, lam, 1.0)
    t_star = np.minimum(np.log1p(s) / safe, life)
    mean = (t_star + (1.0 + s) / safe * (np.exp(-safe * t_star) - np.exp(-safe * life))) / life
    return np.where(lam > 0, mean, 1.0)


@pytest.mark.parametrize("life", [RNG.uniform(3.0, 8.0, N), np.float64(5.0)])
@pytest.mark.parametrize("s", [0.1, 0.0, -0.0, 3.0])
@pytest.mark.parametrize(
    "lam",
    [RNG.uniform(0.02, 0.07, N), 10.0 ** RNG.uniform(-300, 2, N), np.r_[RNG.uniform(0.02, 0.07, N - 2), 0.0, np.nan]],
)
def test_survival_mean_equals_the_formula(lam, s, life):
    with np.errstate(all="ignore"):
        assert bits(survival_mean(lam, s, life)) == bits(_survival_reference(lam, s, life))


@pytest.mark.parametrize(
    "lam",
    [RNG.uniform(0.02, 0.07, N), np.r_[RNG.uniform(0.02, 0.07, N - 3), 0.0, np.nan, 1e-310]],
)
@pytest.mark.parametrize("s", [0.1, 1e308, np.inf])
def test_serviced_mean_without_visits_equals_the_general_form(lam, s):
    life = RNG.uniform(3.0, 8.0, N)
    v = np.asarray(0.0)
    n = satellite.servicing_visits_per_life(v, life)
    interval = np.where(n > 0, 1.0 / np.where(v > 0, v, 1.0), life)
    rest = life - n * interval
    with np.errstate(all="ignore"):
        cycle = _survival_reference(lam, s, interval)
        want = (n * interval * cycle + rest * _survival_reference(lam, s, rest)) / life
        assert bits(_serviced_mean(lam, s, life, v, n)) == bits(want)


def test_no_visits_give_one_zero_for_the_fleet():
    life = RNG.uniform(3.0, 8.0, N)
    rate = RNG.uniform(0.02, 0.07, N)
    got = satellite._reliability.uncached(np.True_, 0.02, life, rate, 0.1, np.asarray(0.0))
    assert bits(got["visits"]) == bits(np.zeros(())) and bits(got["replaced"]) == bits(np.zeros(()))
    served = satellite._reliability.uncached(np.True_, 0.02, life, rate, 0.1, np.asarray(0.5))
    assert served["visits"].shape == (N,) and served["replaced"].shape == (N,)


# ---------------------------------------------------------------------------------------------------- goodput
def _values(**kw):
    v = dict(terawatt.load_scenario("musk-2026").values)
    v.update(kw)
    return v


@pytest.mark.parametrize("kind", ["inference", "training", "mixed"])
def test_ground_goodput_of_samples_equals_the_eager_mix(kind):
    v = _values(**{"workload.kind": kind,
                   "workload.interruptions_per_accelerator_yr": RNG.uniform(0.05, 1.1, N),
                   "workload.checkpoint_cost_h": RNG.uniform(3e-4, 0.1, N),
                   "workload.restart_cost_h": RNG.uniform(0.03, 0.5, N)})
    g = workload.goodput.uncached(v)
    job = radiation.job_interrupts_per_hour(v["workload.interruptions_per_accelerator_yr"] + 0.0,
                                            float(v["workload.accelerators_per_training_job"]))
    training = radiation.goodput_fraction(job, v["workload.checkpoint_cost_h"], v["workload.restart_cost_h"])
    share = workload.training_share(v)
    assert bits(g.training_goodput_fraction) == bits(training)
    assert bits(g.job_interrupts_per_hour) == bits(job)
    assert bits(g.goodput_fraction) == bits(share * training + (1.0 - share) * g.inference_goodput_fraction)


@pytest.mark.parametrize("base", [RNG.uniform(0.05, 1.1, N), np.r_[RNG.uniform(0.05, 1.1, N - 2), 0.0, -0.0]])
def test_ground_stops_are_the_base_rate_only_where_no_bit_changes(base):
    v = _values(**{"workload.interruptions_per_accelerator_yr": base})
    g = workload.goodput.uncached(v)
    want = radiation.job_interrupts_per_hour(base + 0.0, float(v["workload.accelerators_per_replica"]))
    assert bits(g.replica_stops_per_hour) == bits(want)


# --------------------------------------------------------------------------------------------------- radiation
_RATES = [RNG.uniform(0.01, 0.03, N), np.r_[RNG.uniform(0.01, 0.03, N - 3), -0.0, 0.0, np.nan], np.float64(-0.0)]


@pytest.mark.parametrize("hbm", [RNG.uniform(1.0, 9.0, N), np.float64(1.0)])
@pytest.mark.parametrize("rate", _RATES)
@pytest.mark.parametrize("dose", [np.float64(120.0), RNG.uniform(50.0, 300.0, N), np.float64(-0.0)])
def test_interrupts_per_chip_year_equal_the_plain_sum(dose, rate, hbm):
    for args in ((rate, 0.0, 0.0, 1.0), (0.0, rate, 0.0, 1.0), (0.0, 0.0, rate, 8.0), (rate, rate, rate, 8.0),
                 (rate, -0.0, -0.0, 1.0)):
        uecc, sefi, host, per_host = args
        want = np.asarray(dose) * (np.asarray(uecc) * np.asarray(hbm) + np.asarray(sefi) + np.asarray(host) / per_host)
        got = radiation.interrupts_per_chip_year(dose, uecc, sefi, host, per_host, hbm_capacity_factor=hbm)
        assert bits(got) == bits(want[()] if want.ndim == 0 else want), args


@pytest.mark.parametrize("rate", _RATES)
def test_job_rates_goodput_and_margin_equal_the_plain_expressions(rate):
    assert bits(radiation.job_interrupts_per_hour(rate, 8.0)) == bits(np.asarray(rate) * 8.0 / 8760.0)
    lam, r = np.abs(np.asarray(rate)), RNG.uniform(0.01, 0.25, N)
    for rho, t in ((lam, 0.003), (0.0, 0.003), (-0.0, 0.003), (lam, 0.0)):
        with np.errstate(invalid="ignore"):
            g = 1.0 - lam * r - np.asarray(rho) * t
            want = g if g.min() >= 0.0 else np.clip(g, 0.0, 1.0)
        if np.isnan(lam).any():
            continue  # rejected by the range check
        assert bits(radiation.inference_goodput_fraction(lam, r, rho, t)) == bits(want), (rho, t)
    dose, life = RNG.uniform(50.0, 300.0, N), RNG.uniform(3.0, 8.0, N)
    assert bits(radiation.tid_margin(2000.0, dose, life)) == bits(2000.0 / (dose * life))


@pytest.mark.parametrize("exponent", [np.r_[0.5, 1.5], np.r_[0.5, np.nan], np.r_[-0.1, 0.5]])
def test_sampled_capacity_exponents_are_checked(exponent):
    with pytest.raises(ValueError, match="exponent"):
        radiation.hbm_capacity_factor(288.0, 32.0, exponent)
    k = RNG.uniform(0.0, 1.0, N)
    assert bits(radiation.hbm_capacity_factor(288.0, 32.0, k)) == bits((288.0 / 32.0) ** k)


# ------------------------------------------------------------------------------------------------------ debris
@pytest.mark.parametrize("altitude", [RNG.uniform(530.0, 570.0, N), RNG.uniform(800.0, 1499.0, N),
                                      np.r_[RNG.uniform(400.0, 799.0, N - 2), 800.0, 1200.0],
                                      np.r_[RNG.uniform(800.0, 1000.0, N - 1), 800.0], np.full(N, 1500.0)])
def test_fluxes_of_one_interval_equal_np_interp(altitude):
    ln1 = np.interp(altitude, debris._ALT_KM, debris._LN_FLUX_1CM)
    ln10 = np.interp(altitude, debris._ALT_KM, debris._LN_FLUX_10CM)
    got = debris.object_fluxes_per_m2_yr(altitude, 10.0, 1.0, 3.0)
    for size, flux in zip((10.0, 1.0, 3.0), got, strict=True):
        assert bits(flux) == bits(np.exp(ln1 + (ln10 - ln1) * np.log10(size))), size
    area = RNG.uniform(25.0, 55.0, N)
    k = debris.manoeuvres_per_expected_collision(3e5, 8500.0, altitude, area)
    assert bits(k) == bits(3e5 / 8500.0 / (got[0] * area))
    own = debris.manoeuvres_per_satellite_yr(650.0, area, 3e5, 8500.0, altitude, area)
    assert bits(own) == bits(k * np.asarray(debris.object_flux_per_m2_yr(650.0)) * area)


# -------------------------------------------------------------------------------------------------- economics
def test_recovery_factors_of_sampled_durations_equal_the_formula():
    rate = RNG.uniform(0.05, 0.16, N)
    for life in (RNG.uniform(3.0, 8.0, N), np.r_[RNG.uniform(3.0, 8.0, N - 1), np.nan]):
        assert bits(finance.RecoveryFactors(rate)(life)[0]) == bits(finance.capital_recovery_factor(rate, life))


def test_breakeven_and_launch_slope_equal_their_expressions():
    total, launch, slope, ground = (RNG.uniform(1e8, 1e9, N) for _ in range(4))
    for insurance in (0.0, np.zeros(N), -0.0, 0.02 * launch):
        want = (ground - (total - launch - insurance)) / slope
        got = tco.breakeven_launch_price_usd_per_kg(total, launch, insurance, slope, ground)
        assert bits(got) == bits(want)
    mass, crf = RNG.uniform(1e6, 1e7, N), RNG.uniform(0.1, 0.3, N)
    for fraction in (np.float64(0.0), np.float64(0.05)):
        assert bits(tco._launch_slope(mass, fraction, crf)) == bits(mass * (1.0 + fraction) * crf)


def _musk_rows(n: int, seed: int = 3) -> dict[str, np.ndarray]:
    """Samples of musk-2026's uncertainty space, as a Monte Carlo chunk draws them."""
    return SampleDesign(model_uncertainty_space(terawatt.load_scenario("musk-2026")), n, seed, "lhs").rows(0, n)


def _musk_samples(n: int, seed: int = 3) -> terawatt.Scenario:
    return terawatt.load_scenario("musk-2026").with_overrides(_musk_rows(n, seed), in_range=True).at_year(2030)


def test_heritage_hardware_cost_equals_the_where_form():
    out = terawatt.evaluate(_musk_samples(N))
    q = out.outputs._q
    sat, fleet, v = q["sat"], q["fleet"], q["v"]
    assert np.ndim(sat.heritage) == 0 and sat.heritage
    prices, power = _prices_from(v), np.float64(v["satellite.compute_power_w"])
    fast = tco.satellite_hardware_cost_usd(sat, power, prices)
    slow = tco.satellite_hardware_cost_usd(dataclasses.replace(sat, heritage=np.ones(N, bool)), power, prices)
    assert bits(fast) == bits(slow)
    assert bits(out["orbital.capex_breakdown_usd.satellite_hardware"]) == bits(fleet.satellite_count * fast)


def _prices_from(v):
    base = {f: np.float64(0.0) for f in tco.OrbitalPrices.__dataclass_fields__}
    base.update(
        satellite_cost_usd_per_w=np.float64(np.nan),
        array_cost_usd_per_w=np.asarray(v["solar.cost_usd_per_w"], float),
        radiator_cost_usd_per_m2=np.asarray(v["thermal.cost_usd_per_m2"], float),
        battery_cost_usd_per_kwh=np.asarray(v["power.battery_cost_usd_per_kwh"], float),
        bus_cost_usd_per_kg=np.asarray(v["satellite.bus_cost_usd_per_kg"], float),
        structure_cost_usd_per_kg=np.asarray(v["satellite.structure_cost_usd_per_kg"], float),
        bus_structure_fraction=np.asarray(v["satellite.bus_structure_fraction"], float),
        recovery=None,
    )
    return tco.OrbitalPrices(**base)


def test_skipped_lines_equal_the_general_path(monkeypatch):
    """No insurance and no servicing (sampled per-visit costs) skip their lines: every output equals the path
    that computes each line."""
    scenario = _musk_samples(200)
    fast = terawatt.evaluate(scenario)
    fast = {k: np.asarray(fast[k]) for k in fast.keys()}
    assert np.ndim(scenario.values["orbital_ops.servicing_cost_usd_per_visit"]) == 1
    monkeypatch.setattr(tco, "_no_servicing", lambda *args: False)
    monkeypatch.setattr(tco, "_zero_line", lambda *args: False)
    slow = terawatt.evaluate(scenario)
    for key in slow.keys():
        assert bits(fast[key]) == bits(np.asarray(slow[key])), key


def test_musk_samples_equal_the_scalar_evaluations():
    """Every output of a sampled chunk (the fast paths) equals each sample evaluated as a scalar scenario."""
    rows = _musk_rows(40)
    out = terawatt.evaluate(_musk_samples(40))
    keys = [k for k in out.keys() if k.startswith(("orbital.", "terrestrial.", "comparison."))]
    values = {k: np.asarray(out[k]) for k in keys}
    base = terawatt.load_scenario("musk-2026")
    for i in (0, 17, 39):
        one = terawatt.evaluate(base.with_overrides({k: v[i] for k, v in rows.items()}, in_range=True).at_year(2030))
        for key in keys:
            want = np.asarray(one[key])
            assert bits(values[key][i].astype(want.dtype)) == bits(want), (key, i)
