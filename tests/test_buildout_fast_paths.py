"""The build-out's and the supply chains' fast paths pinned to the slow ones, bitwise.

- ``buildout(..., fields=...)`` records the same numbers as a run of every field (the Monte Carlo keeps eight);
- the retiring cohort read directly equals the masked sum it replaces (forced off, every field is unchanged);
- ``simulate_supply(..., outputs=...)`` returns the same arrays as a full run;
- a forecast's ramp values gathered once per link (``_by_age`` / ``_online``), the planned need picked for all years
  (``_ahead``) and the per-sample convolution skipping cohorts of no starts equal the per-year gathers and the full
  loop they replace (reference implementations below, as they were before the fast paths).
"""

from __future__ import annotations

import numpy as np
import pytest

import terawatt.studies.buildout as buildout_module
from terawatt import _arrays
from terawatt._arrays import MIXED, ONES, ZEROS, sum_leading, sum_leading_products, weight_rows
from terawatt.scenario import load_scenario
from terawatt.studies.buildout import FIELDS, _least, _plain, buildout
from terawatt.studies.montecarlo_buildout import FIELDS as MC_FIELDS
from terawatt.studies.montecarlo_buildout import montecarlo_buildout, sampled_scenario
from terawatt.studies.uncertainty import SampleDesign, uncertainty_space
from terawatt.supply import simulate_supply
from terawatt.supply.chain import HORIZON_YEARS, OUTPUTS, PRE_YEARS, _ahead, _by_age, _convolve, _online
from terawatt.supply.fabs import maturity, under_construction, volume_ramp


def _sampled(name: str = "musk-terawatt", n: int = 300, seed: int = 5):
    """``name`` carrying ``n`` sampled rows of its uncertainty space (every build-out and supply distribution)."""
    sc = load_scenario(name)
    space = uncertainty_space(sc, ())
    return sampled_scenario(sc, SampleDesign(space, n, seed, "lhs").rows(0, n), tuple(space.scaled))


def _same(a: np.ndarray, b: np.ndarray, what: str) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype, what
    assert a.tobytes() == b.tobytes(), what  # bitwise, signed zeros and NaN payloads included


@pytest.fixture(scope="module")
def sampled():
    return _sampled()


@pytest.fixture(scope="module")
def full(sampled):
    return buildout(sampled)


@pytest.mark.parametrize("fields", [
    MC_FIELDS,
    ("chip_cause", "hbm_stacks_supplied", "cells_cause"),
    ("launcher_emission_cut_needed", "euv_tools_installed", "fabs_under_construction"),
    ("launch_usd_per_kg", "edge_gw", "investment_usd", "satellites_in_orbit", "shortfall_gw"),
    ("terafab_chips_per_yr", "year"),
])
def test_chosen_fields_equal_a_run_of_every_field(sampled, full, fields):
    part = buildout(sampled, fields=fields)
    chosen = set(fields) - {"year"}
    assert chosen <= set(part.data)
    assert set(part.data) - chosen <= {"orbit_co2_t_per_gw_yr", "ground_co2_t_per_gw_yr"}  # what the ratio reads
    for name, values in part.data.items():
        _same(values, full.data[name], name)


def test_every_field_by_default_and_in_the_order_of_before(full):
    order = [f for f in FIELDS[1:] if f != "launcher_emission_cut_needed"]
    from terawatt.studies.buildout_supply import SUPPLY_FIELDS

    expected = [f for f in order if f not in SUPPLY_FIELDS] + list(SUPPLY_FIELDS) + ["launcher_emission_cut_needed"]
    assert list(full.data) == expected


def test_unknown_field_is_refused():
    with pytest.raises(ValueError, match="no field orbit_gw_totl"):
        buildout(load_scenario("musk-terawatt"), fields=["orbit_gw_totl"])


def test_rows_of_chosen_fields():
    rows = buildout(load_scenario("musk-terawatt"), 2026, 2030, fields=["orbit_gw_total", "orbit_binding"]).rows()
    assert set(rows[0]) == {"year", "orbit_gw_total", "orbit_binding"} and rows[-1]["year"] == 2030


@pytest.mark.parametrize("name", ["musk-terawatt", "skeptic", "constrained"])
def test_retiring_read_equals_the_masked_sum(name, monkeypatch):
    """With the direct read forced off every cohort is summed as before: every field is unchanged."""
    sc = _sampled(name, 200, 1)
    fast = buildout(sc)
    monkeypatch.setattr(buildout_module, "_plain", lambda x: False)
    slow = buildout(sc)
    for field, values in fast.data.items():
        _same(values, slow.data[field], field)


def test_plain_refuses_what_a_masked_sum_would_not_pass_through():
    assert _plain(np.array([0.0, 1.0, 3e300]))
    for bad in (np.nan, np.inf, -np.inf, -1e-300, -0.0):
        assert not _plain(np.array([1.0, bad])), bad


@pytest.mark.parametrize("nan", [True, False])
@pytest.mark.parametrize("k", [2, 3, 4])
def test_least_equals_min_and_argmin_over_the_stack(k, nan):
    """Ties, signed zeros, NaNs (or none: the path without them) and infinities among the limits, one of them a
    scalar broadcast to the others."""
    rng = np.random.default_rng(k)
    pool = np.array([0.0, -0.0, 1.0, 2.0, np.nan, np.inf, 1e300] if nan else [0.0, -0.0, 1.0, 2.0, np.inf, 1e300])
    limits = [rng.choice(pool, 5000) for _ in range(k - 1)] + [np.float64(1.0)]
    least, first = _least(limits)
    stacked = np.stack(np.broadcast_arrays(*limits))
    _same(least, stacked.min(axis=0), "least")
    _same(first, stacked.argmin(axis=0), "first")
    scalar_least, scalar_first = _least([np.float64(3.0), np.float64(np.nan), np.float64(2.0)])
    assert np.isnan(scalar_least) and int(scalar_first) == 1


def test_montecarlo_keeps_the_numbers_of_a_full_run(sampled, full):
    """The Monte Carlo's trajectories (simulated with its eight fields) equal full build-outs of the same rows."""
    sc = load_scenario("musk-terawatt")
    mc = montecarlo_buildout(sc, 300, seed=5)
    space = uncertainty_space(sc, ())
    rows = SampleDesign(space, 300, 5, "lhs").rows(0, 300)
    ref = buildout(sampled_scenario(sc, rows, tuple(space.scaled)))
    for field in MC_FIELDS:
        _same(mc.data[field], np.broadcast_to(ref.data[field], mc.data[field].shape).astype(mc.data[field].dtype),
              field)


# ------------------------------------------------------------------------------------------------ supply
def _supply_inputs(monkeypatch, sc):
    """The inputs ``buildout`` gives ``simulate_supply`` for scenario ``sc``."""
    import terawatt.studies.buildout_supply as bs

    seen = {}
    original = bs.simulate_supply

    def capture(p, years, needs, outputs=None, year_major=False):
        seen["args"] = (p, years, needs)
        return original(p, years, needs, outputs, year_major)

    monkeypatch.setattr(bs, "simulate_supply", capture)
    buildout(sc)
    return seen["args"]


@pytest.mark.parametrize("sampled_rows", [0, 250])
def test_chosen_supply_outputs_equal_a_full_run(monkeypatch, sampled_rows):
    sc = _sampled(n=sampled_rows) if sampled_rows else load_scenario("musk-terawatt")
    args = _supply_inputs(monkeypatch, sc)
    every = simulate_supply(*args)
    assert tuple(every) == OUTPUTS
    for chosen in (["hbm_accelerator_equiv"], ["cells_cause", "terafab_accelerator_equiv", "euv_tools_installed"],
                   ["fabs_under_construction", "hbm_gb_supplied", "packaging_accelerator_equiv"]):
        part = simulate_supply(*args, outputs=chosen)
        assert list(part) == chosen
        for name in chosen:
            _same(part[name], every[name], name)
    by_year = simulate_supply(*args, year_major=True)  # what the build-out reads: the same arrays, years first
    assert tuple(by_year) == OUTPUTS
    for name, values in every.items():
        _same(np.ascontiguousarray(np.moveaxis(by_year[name], 0, -1)), values, name)
    with pytest.raises(ValueError, match="no output cells"):
        simulate_supply(*args, outputs=["cells"])


def _online_reference(starts: np.ndarray, ramp: np.ndarray, slot) -> np.ndarray:
    """The per-year gather of before: sum of starts x ramp[slot - c'] over cohorts c' (clipped ages)."""
    age = np.clip(np.asarray(slot)[..., None] - np.arange(starts.shape[-1]), 0, ramp.shape[-1] - 1)
    if ramp.ndim == 1 and age.ndim == 1:
        return starts @ ramp[age]
    if age.ndim == 1 and ramp.shape[:-1] == starts.shape[:-1]:
        return (starts * ramp[..., age]).sum(-1)
    ramp = np.ascontiguousarray(np.broadcast_to(ramp, (*starts.shape[:-1], ramp.shape[-1])))
    rows = (np.arange(ramp.size // ramp.shape[-1]) * ramp.shape[-1]).reshape((*ramp.shape[:-1], 1))
    return (starts * ramp.reshape(-1)[rows + np.broadcast_to(age, starts.shape)]).sum(-1)


@pytest.mark.parametrize("shared_ramp", [True, False])
@pytest.mark.parametrize("shared_lookahead", [True, False])
def test_forecast_by_age_equals_the_per_year_gather(shared_ramp, shared_lookahead):
    """The rival's ramp computed at each cohort's age equals the ramp tabulated by whole age and gathered per year."""
    rng = np.random.default_rng(7)
    m, n_years = 257, 25
    n_slots = PRE_YEARS + n_years
    build = np.asarray(2.0) if shared_ramp else rng.uniform(0.5, 6.0, m)
    ramp_yr = np.asarray(1.5) if shared_ramp else rng.uniform(0.0, 4.0, m)  # 0: a step (the 1e-9 floor)
    table = volume_ramp(np.arange(n_slots + HORIZON_YEARS + 1, dtype=float), build[..., None], ramp_yr[..., None])
    lookahead = np.asarray(3) if shared_lookahead else rng.integers(-2, 15, m)  # beyond both ends of the ramp too
    starts = rng.uniform(0, 1e4, (m, n_slots)) * (rng.uniform(size=(m, n_slots)) > 0.3)
    by_age = _by_age(build, ramp_yr, lookahead, n_slots)
    assert by_age.ndim == (1 if shared_ramp and shared_lookahead else 2)
    starts_by_slot = np.ascontiguousarray(starts.T)  # the simulation keeps cohorts year-major
    for j in range(n_years):
        c = PRE_YEARS + j
        _same(_online(starts_by_slot[:c], by_age), _online_reference(starts[..., :c], table, c + lookahead),
              f"year {j}")


@pytest.mark.parametrize("shared", [True, False])
def test_planned_need_equals_the_per_year_pick(shared):
    rng = np.random.default_rng(3)
    need = rng.uniform(0, 1e6, (64, 37))
    lookahead = np.asarray(4) if shared else rng.integers(-1, 20, 64)
    table = _ahead(need, lookahead, 25)
    for j in range(25):
        index = np.clip(j + lookahead, 0, need.shape[-1] - 1)
        ref = need[..., int(index)] if index.ndim == 0 else need[np.arange(64), index]
        _same(table[j], ref, f"year {j}")


def _convolve_reference(starts: np.ndarray, kernel: np.ndarray, n_years: int) -> np.ndarray:
    """The per-sample convolution of before: every cohort's multiply-add."""
    batch = np.broadcast_shapes(starts.shape[:-1], kernel.shape[:-1])
    starts_t = np.ascontiguousarray(np.moveaxis(np.broadcast_to(starts, (*batch, starts.shape[-1])), -1, 0))
    kernel_t = np.ascontiguousarray(np.moveaxis(np.broadcast_to(kernel, (*batch, kernel.shape[-1])), -1, 0))
    out = np.zeros((n_years, *batch))
    for c in range(starts.shape[-1]):
        first = max(c - PRE_YEARS, 0)
        if first >= n_years:
            break
        age0 = PRE_YEARS + first - c
        out[first:] += starts_t[c] * kernel_t[age0 : age0 + n_years - first]
    return np.ascontiguousarray(np.moveaxis(out, 0, -1))


def test_convolution_skipping_empty_cohorts_equals_every_cohort():
    rng = np.random.default_rng(11)
    m, n_years = 300, 25
    n_slots = PRE_YEARS + n_years
    starts = rng.uniform(0, 1e3, (m, n_slots))
    starts[:, :9] = 0.0  # cohorts of no starts (the Terafab's before it starts) ...
    starts[:, 12] = -0.0  # ... signed zeros ...
    starts[:5, 20] = 0.0  # ... and a cohort empty in some samples only
    starts[:, 30] = 0.0
    starts[7, 30] = np.nan  # a cohort of zeros and a NaN is not skipped
    kernel = rng.uniform(0, 1, (m, n_slots + 1))
    by_year = _convolve(np.ascontiguousarray(starts.T), np.ascontiguousarray(kernel.T), n_years)  # year-major
    _same(np.ascontiguousarray(by_year.T), _convolve_reference(starts, kernel, n_years), "per-sample kernel")


@pytest.mark.filterwarnings("ignore:invalid value encountered in multiply:RuntimeWarning")  # inf x 0, on purpose
@pytest.mark.parametrize("kind", ["good", "run", "building"])
def test_convolution_with_unit_and_zero_ages_equals_every_multiply_add(kind):
    """Fab kernels are 0 while every sample builds and 1 once every sample is mature (or 1 then 0 under
    construction): those ages add the starts unmultiplied or nothing, unless a cohort holds an infinity (inf x 0)."""
    rng = np.random.default_rng({"good": 13, "run": 14, "building": 15}[kind])
    m, n_years = 300, 25
    n_slots = PRE_YEARS + n_years
    ages = np.arange(n_slots + 1, dtype=float)
    build, ramp_yr, first_yield = rng.uniform(1, 4, (m, 1)), rng.uniform(0.5, 3, (m, 1)), rng.uniform(0.2, 1, (m, 1))
    kernel = {"good": maturity(ages, build, ramp_yr, first_yield), "run": volume_ramp(ages, build, ramp_yr),
              "building": under_construction(ages, build)}[kind]
    kernel[:, 1] = -0.0  # a kernel of -0 (adds +-0 like +0)
    starts = rng.uniform(0, 1e3, (m, n_slots)) * (rng.uniform(size=(m, n_slots)) > 0.1)
    starts[:, :5] = 0.0
    starts[3, 11], starts[4, 14], starts[:, 20] = np.inf, np.nan, -0.0
    by_year = _convolve(np.ascontiguousarray(starts.T), np.ascontiguousarray(kernel.T), n_years)
    _same(np.ascontiguousarray(by_year.T), _convolve_reference(starts, kernel, n_years), kind)


# ------------------------------------------------------------------------------------------------ year-major sums
@pytest.mark.parametrize("samples", [1, 3, 257])
def test_sum_leading_is_numpys_sample_major_sum(samples):
    """Summing year-major terms over their first axis gives NumPy's pairwise sum of each sample's row, bitwise: every
    count of terms around the 8-accumulator unroll and the 128-term block (halved beyond), signed zeros (a row of
    -0 sums to +0), NaN and infinities."""
    rng = np.random.default_rng(samples)
    for k in [*range(0, 40), 127, 128, 129, 136, 255, 300, 1030]:
        rows = rng.standard_normal((samples, k)) * 10.0 ** rng.integers(-8, 8, (samples, k))
        rows[rng.uniform(size=rows.shape) < 0.1] = -0.0
        rows[rng.uniform(size=rows.shape) < 0.01] = np.nan
        rows[rng.uniform(size=rows.shape) < 0.01] = np.inf
        rows[0] = -0.0
        _same(sum_leading(np.ascontiguousarray(rows.T)), rows.sum(-1), f"{k} terms")
        _same(sum_leading(rows[0]), rows[0].sum(), f"{k} terms, one sample")


def test_cohort_sums_of_the_year_major_loop_equal_the_sample_major_sums():
    """The build-out's fleet sums (cohorts year-major, masks by age) and the supply's forecast (a rival's cohorts
    times their ramp) equal the sample-major masked sums they replace, for fleets of mixed lifetimes."""
    rng = np.random.default_rng(4)
    m, slots = 500, 31
    cohorts = rng.uniform(0, 5, (m, slots)) * (rng.uniform(size=(m, slots)) > 0.2)
    life = rng.integers(1, 9, m).astype(float)
    by_slot = np.ascontiguousarray(cohorts.T)
    by_age = np.arange(slots + 1)[:, None]
    for slot in range(1, slots + 1):
        ages = slot - np.arange(slot)
        fleet = cohorts[:, :slot]
        _same(sum_leading(by_slot[:slot] * (by_age < life)[slot:0:-1]), (fleet * (ages < life[:, None])).sum(-1),
              f"surviving, slot {slot}")
        _same(sum_leading(by_slot[:slot] * (by_age == life)[slot:0:-1]), (fleet * (ages == life[:, None])).sum(-1),
              f"retiring, slot {slot}")


def test_shared_kernel_convolution_is_the_sample_major_matrix_product():
    rng = np.random.default_rng(12)
    m, n_years = 300, 25
    n_slots = PRE_YEARS + n_years
    starts = rng.uniform(0, 1e3, (m, n_slots)) * (rng.uniform(size=(m, n_slots)) > 0.3)
    kernel = rng.uniform(0, 1, n_slots + 1)
    age = PRE_YEARS + np.arange(n_years)[None, :] - np.arange(n_slots)[:, None]
    by_age = np.where(age >= 0, kernel[np.clip(age, 0, n_slots)], 0.0)
    _same(np.ascontiguousarray(_convolve(np.ascontiguousarray(starts.T), kernel, n_years).T), starts @ by_age,
          "shared kernel")
    _same(_convolve(starts[0], kernel, n_years), starts[0] @ by_age, "one sample")


@pytest.mark.filterwarnings("ignore:invalid value encountered in multiply:RuntimeWarning")  # inf x 0, on purpose
@pytest.mark.parametrize("plain", [True, False])
def test_sum_of_products_with_known_rows_is_numpys_sample_major_sum(plain):
    """Rows of unit weights added unmultiplied and, for plain values, rows of zero weights or of zero values skipped:
    the sample-major sum of the products, bitwise, wherever the known rows fall around the 8-term unroll."""
    rng = np.random.default_rng(21)
    m = 129
    for k in [*range(1, 40), 128, 129, 200]:
        a = rng.uniform(0, 1e3, (k, m)) * (rng.uniform(size=(k, m)) > 0.2)
        w = rng.uniform(0, 1, (k, m))
        kind = rng.choice([ONES, ZEROS, MIXED], k)
        w[kind == ONES], w[kind == ZEROS] = 1.0, 0.0
        empty = rng.uniform(size=k) < 0.2  # rows of no values, marked ZEROS whatever their weights
        a[empty] = 0.0
        if not plain:
            a[rng.uniform(size=a.shape) < 0.02] = -0.0
            a[rng.uniform(size=a.shape) < 0.005] = np.inf  # inf x 0 is NaN: a zero weight is not skipped
        kinds = np.where(empty, ZEROS, weight_rows(w)).tolist()
        assert weight_rows(w).tolist() == [ONES if x == ONES else ZEROS if x == ZEROS else MIXED for x in kind] or \
            k < 3  # a random row is all ones or zeros by chance only when tiny
        ref = np.ascontiguousarray((a * w).T).sum(-1)
        _same(sum_leading_products(a, w, kinds, plain=plain and _plain(a)), ref, f"{k} terms")
        _same(sum_leading_products(a, w), ref, f"{k} terms, kinds unknown")
        _same(sum_leading_products(a[:, 0], w[:, 0], kinds), (a[:, 0] * w[:, 0]).sum(), f"{k} terms, one sample")
    mask = rng.uniform(size=(20, m)) < 0.5  # a boolean mask as weights, as for a fleet in service
    a = rng.uniform(0, 1, (20, m))
    _same(sum_leading_products(a, mask, weight_rows(mask).tolist(), plain=True),
          np.ascontiguousarray((a * mask).T).sum(-1), "mask")


def test_weight_rows():
    w = np.array([[1.0, 1.0], [0.0, 0.0], [0.0, -0.0], [1.0, 0.0], [np.nan, 1.0]])
    assert weight_rows(w).tolist() == [ONES, ZEROS, MIXED, MIXED, MIXED]
    assert weight_rows(np.array([[True, True], [False, False]])).tolist() == [ONES, ZEROS]


#: Parameters the build-out's loop reads through terms formed once before it (``fixed`` in ``buildout``).
_FORMED_ONCE = ("buildout.demand_growth_per_yr", "launch.turnaround_h", "launch.turnaround_target_h",
                "launch.turnaround_halving_yr", "launch.ship_build_growth_per_yr", "launch.pads",
                "launch.pad_build_per_yr", "launch.pad_turnaround_h", "launch.propellant_growth_per_yr",
                "launch.propellant_per_flight_t", "launch.lox_fraction", "supply.lunar_mass_driver_t_per_yr",
                "supply.lunar_start_year", "supply.lunar_ramp_yr", "supply.lunar_mass_fraction",
                "supply.space_solar_growth_per_yr", "ground.turbine_growth_per_yr",
                "ground.electricity_growth_per_yr_ex_china", "ground.solar_storage_gw_per_yr",
                "ground.solar_storage_share_for_ai", "ground.transformer_growth_per_yr",
                "workload.hardware_lifetime_yr", "buildout.orbit_start_year", "launch.flight_reliability")


@pytest.mark.parametrize("samples", [0, 64])
def test_terms_formed_once_equal_those_of_parameters_that_vary_by_year(samples):
    """The loop's parameter-only terms are formed once from one year's values where no parameter varies by year and
    for every year where one does: a trajectory of growth 0 on each of them (the same value every year, but one
    that varies by year for the build-out) leaves every field unchanged."""
    from dataclasses import replace

    from terawatt.trajectory import RateTrajectory

    sc = load_scenario("musk-terawatt")
    if samples:  # a sampled parameter the terms do not read, so that every series is (N, Y)
        sc = sc.with_overrides({"buildout.split_elasticity": np.linspace(0.5, 3.0, samples)})
    flat = replace(sc, trajectories={**sc.trajectories, **{k: RateTrajectory(rate_per_yr=0.0) for k in _FORMED_ONCE
                                                           if k not in sc.trajectories}})
    a, b = buildout(sc), buildout(flat)
    assert set(a.data) == set(b.data)
    for name, values in a.data.items():
        _same(values, b.data[name], name)


@pytest.mark.parametrize("rows", [1, 255, 256, 4096])
def test_product_on_one_blas_thread_equals_the_product(rows):
    """The supply chain's shared-ramp products run BLAS on one thread from 256 rows: the same bits as ``a @ b``
    (one thread or several, the kernel sums each element in the same order), and BLAS has its threads after."""
    from threadpoolctl import threadpool_info

    rng = np.random.default_rng(rows)
    a, b = rng.random((rows, 33)), rng.random((33, 25))
    before = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    got = _arrays.product_one_thread(a, b)
    assert got.tobytes() == (a @ b).tobytes()
    assert [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"] == before
