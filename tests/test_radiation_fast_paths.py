"""The radiation fast paths give the same bits as the general ones (issue 10, performance).

- The dose table's sample path (:func:`terawatt.physics.radiation.dose._sample_doses`: an altitude array at one
  inclination or sun-synchronous, one shielding) against the general path (the same inputs as arrays) and the
  scalar path (one sample at a time), on inputs that take each of its branches: SSO and given inclinations
  (off and on a node, retrograde), shielding on and off a node and at the table's ends, every solar phase, block
  boundaries, solar-particle and cosmic-ray scales as numbers and as arrays.
- The shortcuts decided by one reduction (total-dose margin where every sample is dosed, inference goodput with
  nothing to clip, dose availability with no NaN margin) against the general forms, on inputs that take each way.
- An orbit's inference goodput of sample arrays: the training job's interrupt rate computed on first read, the same
  numbers as a training run's; the mix is the inference goodput itself.
"""

from __future__ import annotations

from dataclasses import fields, replace
from types import SimpleNamespace

import numpy as np
import pytest

from terawatt._arrays import Deferred, resolve
from terawatt.design import workload
from terawatt.design.environment import RadiationDesign
from terawatt.params.spec import defaults
from terawatt.physics import radiation as rad
from terawatt.physics.radiation import dose, effects

FIELDS = ("trapped_proton_rad_per_yr", "trapped_electron_rad_per_yr", "solar_particle_rad_per_yr",
          "gcr_rad_per_yr", "total_rad_per_yr")


def _altitudes(n: int, seed: int = 0) -> np.ndarray:
    alt = np.random.default_rng(seed).uniform(200.0, 2000.0, n)
    alt[:6] = [200.0, 2000.0, 650.0, 1999.9999, 700.5, 1500.0]  # the table's ends, nodes, a whole km
    return alt


def _assert_same_bits(fast: dose.DoseBreakdown, other: dose.DoseBreakdown, label: str) -> None:
    for field in FIELDS:
        a, b = getattr(fast, field), getattr(other, field)
        assert np.shape(a) == np.shape(b), f"{label}: {field}"
        assert np.array_equal(a, b), f"{label}: {field} differs at {np.flatnonzero(a != b)[:5]}"


@pytest.fixture
def sample_path_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the calls of the sample path (so that a test knows which path it compared)."""
    calls: list[int] = []
    inner = dose._sample_doses

    def counted(*args, **kwargs):
        calls.append(1)
        return inner(*args, **kwargs)

    monkeypatch.setattr(dose, "_sample_doses", counted)
    return calls


@pytest.mark.parametrize("solar", ["mean", "min", "max"])
@pytest.mark.parametrize("inclination", [np.nan, 33.3, 45.0, 130.0, 0.0, 90.0])
@pytest.mark.parametrize("shielding", [10.0, 7.3, 0.0, 100.0])
def test_sample_path_equals_general_path(solar: str, inclination: float, shielding: float,
                                         sample_path_calls: list[int]) -> None:
    alt = _altitudes(dose._BLOCK + 37)  # two blocks, the second one short
    fast = dose.dose_rate_rad_per_yr(alt, inclination, shielding, solar, 0.14, 1.0)
    assert sample_path_calls == [1]
    general = dose.dose_rate_rad_per_yr(alt, np.full(alt.shape, inclination), np.full(alt.shape, shielding), solar,
                                        0.14, 1.0)
    assert sample_path_calls == [1]  # the arrays of inclination and shielding take the general path
    _assert_same_bits(fast, general, f"{solar} {inclination} {shielding}")


@pytest.mark.parametrize("inclination", [np.nan, 62.0])
def test_sample_path_equals_scalar_path(inclination: float) -> None:
    alt = _altitudes(40, seed=3)
    fast = dose.dose_rate_rad_per_yr(alt, inclination, 3.5, "mean", 0.2, 1.3)
    for i, a in enumerate(alt):
        one = dose.dose_rate_rad_per_yr(float(a), inclination, 3.5, "mean", 0.2, 1.3)
        for field in FIELDS:
            assert getattr(fast, field)[i] == getattr(one, field), f"{a} km: {field}"


def test_sample_path_shapes_and_scales(sample_path_calls: list[int]) -> None:
    rng = np.random.default_rng(5)
    alt = rng.uniform(300.0, 1800.0, (13, 7))
    spe, gcr = rng.uniform(0.0, 1.0, 7), rng.uniform(0.0, 2.0, (13, 1))
    fast = dose.dose_rate_rad_per_yr(alt, np.nan, 10.0, "max", spe, gcr)
    assert sample_path_calls == [1]
    assert fast.total_rad_per_yr.shape == (13, 7)
    general = dose.dose_rate_rad_per_yr(alt, np.full((13, 7), np.nan), 10.0, "max", spe, gcr)
    _assert_same_bits(fast, general, "2-d with scale arrays")
    # a scale whose shape is not the altitudes' (it widens the result) takes the general path
    wide = dose.dose_rate_rad_per_yr(alt[:, :1], np.nan, 10.0, "max", spe, 1.0)
    assert sample_path_calls == [1]
    assert wide.total_rad_per_yr.shape == (13, 7)
    assert np.array_equal(wide.total_rad_per_yr[:, 0], dose.dose_rate_rad_per_yr(alt[:, 0], np.nan, 10.0, "max",
                                                                                  spe[0], 1.0).total_rad_per_yr)


def test_mixed_sso_and_given_inclinations_agree_with_scalars() -> None:
    alt = _altitudes(30, seed=7)
    inc = np.where(np.arange(30) % 3 == 0, np.nan, np.linspace(0.0, 180.0, 30))
    mixed = dose.dose_rate_rad_per_yr(alt, inc, 10.0, "mean")
    for i in range(30):
        one = dose.dose_rate_rad_per_yr(float(alt[i]), float(inc[i]), 10.0, "mean")
        assert mixed.total_rad_per_yr[i] == one.total_rad_per_yr


def test_sample_path_block_size_does_not_change_the_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    alt = _altitudes(5000, seed=11)
    whole = dose.dose_rate_rad_per_yr(alt, np.nan, 7.3, "mean")
    monkeypatch.setattr(dose, "_BLOCK", 999)
    _assert_same_bits(dose.dose_rate_rad_per_yr(alt, np.nan, 7.3, "mean"), whole, "blocks of 999")


# ----------------------------------------------------------------------------- effects and goodput shortcuts
def test_tid_margin_shortcut_equals_the_guarded_division() -> None:
    rng = np.random.default_rng(2)
    dose_rate = rng.uniform(1.0, 500.0, 1000)
    for d in (dose_rate, np.where(np.arange(1000) % 7 == 0, 0.0, dose_rate)):  # every sample dosed; some not
        margin = effects.tid_margin(2000.0, d, 5.0)
        with np.errstate(divide="ignore"):
            expected = np.where(d * 5.0 > 0, 2000.0 / np.where(d * 5.0 > 0, d * 5.0, 1.0), np.inf)
        assert np.array_equal(margin, expected)
    assert effects.tid_margin(2000.0, 0.0, 5.0) == np.inf
    assert np.array_equal(effects.tid_margin(2000.0, np.array([np.nan, 1.0]), 5.0), [np.inf, 400.0])  # np.where's


def test_inference_goodput_shortcut_equals_the_clipped_form() -> None:
    rng = np.random.default_rng(4)
    stops = rng.uniform(0.0, 2.0, 1000)
    for lam in (stops, stops * 10.0):  # every goodput in [0, 1]; some below 0 (clipped)
        g = effects.inference_goodput_fraction(lam, 0.25, lam * 0.1, 0.5)
        assert np.array_equal(g, np.clip(1.0 - lam * 0.25 - lam * 0.1 * 0.5, 0.0, 1.0))
    assert (effects.inference_goodput_fraction(stops * 10.0, 0.25) >= 0.0).all()
    assert effects.inference_goodput_fraction(0.5, 0.25) == 1.0 - 0.5 * 0.25


def test_dose_availability_shortcut_equals_the_masked_minimum() -> None:
    margin = np.array([0.5, 2.0, np.inf, 1.0])
    nan = np.full(4, np.nan)
    for tid in (margin, np.where([True, False, True, False], margin, np.nan), nan):
        design = RadiationDesign(*(nan,) * len(fields(RadiationDesign)))
        design = replace(design, tid_margin=tid)
        assert np.array_equal(design.dose_availability, np.where(np.isnan(tid), 1.0, np.minimum(1.0, tid)))


def test_inference_goodput_defers_the_job_rate_and_aliases_the_mix() -> None:
    """An orbit's inference run of sample arrays: the training job's interrupt rate on first read (the same
    numbers as computed at once for a training run), the mix the inference goodput itself."""
    n = 500
    rng = np.random.default_rng(8)
    interrupts, sdc = rng.uniform(0.0, 3.0, n), rng.uniform(0.0, 1.0, n)
    rad_design = SimpleNamespace(dose_rad_per_yr=np.ones(n), rate_modulation=None)
    values = {**defaults(), "workload.kind": "inference"}
    g = workload.goodput(values, interrupts, sdc, rad_design)
    assert type(g.job) is Deferred and type(g.training) is Deferred
    assert g.goodput_fraction is g.inference_goodput_fraction
    outputs = g.outputs("orbital")
    expected = rad.job_interrupts_per_hour(values["workload.interruptions_per_accelerator_yr"] + interrupts + sdc,
                                           values["workload.accelerators_per_training_job"])
    assert np.array_equal(resolve(outputs["orbital.training_job_interrupts_per_hour"]), expected)
    assert np.array_equal(g.job_interrupts_per_hour, expected)
    trained = workload.goodput({**values, "workload.kind": "training"}, interrupts, sdc, rad_design)
    assert type(trained.job) is not Deferred
    assert np.array_equal(trained.job_interrupts_per_hour, expected)
    assert np.array_equal(g.training_goodput_fraction, trained.training_goodput_fraction)


@pytest.mark.parametrize("args", [(192.0, 32.0, 0.5), (0.0, 32.0, 0.5), (80.0, np.nan, 0.5), (80.0, 32.0, 1.5),
                                  (80.0, 32.0, np.nan), (80.0, -1.0, 0.0)])
def test_hbm_capacity_factor_scalar_checks_agree_with_the_array_checks(args: tuple[float, float, float]) -> None:
    def outcome(*xs):
        try:
            return float(np.asarray(effects.hbm_capacity_factor(*xs)).ravel()[0])
        except ValueError as e:
            return str(e)

    assert outcome(*args) == outcome(*(np.array([x]) for x in args))
