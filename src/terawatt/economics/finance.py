"""Small pure finance functions (real terms): capital recovery factor, annuity and present-value factors."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from terawatt._arrays import as_float, is_plus_zero
from terawatt.physics._checks import extremes


def annuity_factor(discount_rate: ArrayLike, years: ArrayLike) -> np.ndarray:
    r"""Present value of 1 per year for ``years`` years [yr]: :math:`(1 - (1+r)^{-n}) / r`, and :math:`n` at r = 0.

    Parameters
    ----------
    discount_rate : array_like
        Real discount rate [1/yr].
    years : array_like
        Number of years (real values allowed) [yr].
    """
    r = as_float(discount_rate)
    n = as_float(years)
    if r.ndim == 0:  # the common case: one rate for all samples
        return -np.expm1(-n * np.log1p(r)) / r if r > 0 else n * 1.0
    if np.all(r > 0):  # sampled rates, all positive: skip the r = 0 branch
        return -np.expm1(-n * np.log1p(r)) / r
    safe = np.where(r > 0, r, 1.0)
    # 1 - (1+r)^-n with expm1/log1p: exact for small r and ~3x faster than the power form on large arrays.
    return np.where(r > 0, -np.expm1(-n * np.log1p(safe)) / safe, n)


def capital_recovery_factor(discount_rate: ArrayLike, years: ArrayLike) -> np.ndarray:
    r"""Equal annual payment that repays 1 of capital over ``years`` [1/yr]: :math:`r / (1 - (1+r)^{-n})`.

    Notes
    -----
    The reciprocal of :func:`annuity_factor`; :math:`1/n` at r = 0. PyPSA's ``annuity`` is the same function.

    References
    ----------
    .. [1] Short, W., Packey, D. J. & Holt, T. (1995). A Manual for the Economic Evaluation of Energy Efficiency
       and Renewable Energy Technologies. NREL/TP-462-5173, eq. 4-4.
    """
    return 1.0 / annuity_factor(discount_rate, years)


def capital_recovery_factors(discount_rate: ArrayLike, *years: ArrayLike) -> tuple[np.ndarray, ...]:
    r""":func:`capital_recovery_factor` of one rate over several durations [1/yr], the same values bitwise.

    :math:`\ln(1 + r)` and the test :math:`r > 0` are computed once for all durations, and each factor in one
    buffer (a sampled rate makes each a sample array: five passes over it instead of eight and six temporaries).

    Parameters
    ----------
    discount_rate : array_like
        Real discount rate [1/yr].
    *years : array_like
        Durations [yr].
    """
    r = as_float(discount_rate)
    if r.ndim == 0:  # one rate: NumPy scalars
        return tuple(capital_recovery_factor(r, n) for n in years)
    return RecoveryFactors(r)(*years)


class RecoveryFactors:
    r""":func:`capital_recovery_factors` of one discount rate, each scalar duration's factor computed once and kept
    (the orbit's satellite life and the ground's hardware life are often the same; both sides often share one
    rate), and :math:`\ln(1 + r)` and the rate's least and greatest value once for every duration. The
    same values bitwise; the factors returned are shared, so they must not be modified in place.

    Parameters
    ----------
    discount_rate : array_like
        Real discount rate [1/yr].
    """

    def __init__(self, discount_rate: ArrayLike) -> None:
        self.rate = as_float(discount_rate)
        self._log: tuple[bool, bool, np.ndarray, np.ndarray] | None = None
        self._bounds: tuple[Any, Any] | None = None
        self._kept: dict[tuple[type, bytes], np.ndarray] = {}

    def __call__(self, *years: ArrayLike) -> tuple[np.ndarray, ...]:
        """The capital recovery factor over each of ``years`` [1/yr]."""
        if self.rate.ndim == 0:  # one rate: NumPy scalars, nothing worth keeping
            return tuple(capital_recovery_factor(self.rate, n) for n in years)
        out = []
        for n in years:
            n = as_float(n)
            key = (type(n), n.tobytes()) if n.ndim == 0 else None
            factor = self._kept.get(key) if key is not None else None
            if factor is None:
                factor = self._factor(n)
                if key is not None:
                    self._kept[key] = factor
            out.append(factor)
        return tuple(out)

    def within(self, lo: float, hi: float) -> bool:
        """Every rate in the open interval (lo, hi), NaN never (:func:`within`; the least and greatest rate found
        once, by two reductions, for every question)."""
        r = self.rate
        if r.ndim == 0 or r.size == 0:
            return within(r, lo, hi)
        if self._bounds is None:
            self._bounds = (r.min(), r.max())  # NaN if any rate is NaN (both reductions propagate it)
        least, greatest = self._bounds
        return bool(least > lo and greatest < hi)

    def finite(self, *years: ArrayLike) -> bool:
        """:func:`recovery_factors_finite` of this rate over ``years``, the rate's bounds shared."""
        return self.within(1e-100, np.inf) and all(within(as_float(n), 1e-100, np.inf) for n in years)

    def _factor(self, n: np.ndarray) -> np.ndarray:
        r = self.rate
        if r.ndim == 0:
            return capital_recovery_factor(r, n)
        if self._log is None:
            bounded = self.within(0.0, np.inf)  # every rate positive and finite
            positive = bounded or bool(np.all(r > 0))
            safe = r if positive else np.where(r > 0, r, 1.0)
            self._log = (bounded, positive, safe, np.log1p(safe))
        bounded, positive, safe, log_r = self._log
        if n.ndim:  # -(n ln(1 + r)) is (-n) ln(1 + r) bitwise (a product's sign is the XOR of its operands'): in
            factor = np.multiply(n, log_r)  # the product's buffer, without an array for -n
            np.negative(factor, out=factor)
        else:
            factor = np.multiply(-n, log_r)  # -n ln(1 + r) ...
        np.expm1(factor, out=factor)
        if bounded and (not np.isnan(n) if n.ndim == 0 else _no_nan(n)):
            # 1 / (-x / r) is -1 / (x / r) bitwise (a quotient's sign is the XOR of its operands', its magnitude
            # rounded alike): no pass for the negation. x is never NaN here (n and ln(1 + r) are not, the latter
            # finite), whose sign bit the negation would flip.
            np.divide(factor, safe, out=factor)  # ... minus the annuity factor (1 - (1 + r)^-n) / r
            return np.divide(-1.0, factor, out=factor)
        np.negative(factor, out=factor)
        np.divide(factor, safe, out=factor)  # ... the annuity factor (1 - (1 + r)^-n) / r
        if not positive:
            factor = np.where(r > 0, factor, n)
        return np.divide(1.0, factor, out=factor)


def _no_nan(n: np.ndarray) -> bool:
    """Whether no value of the sample array ``n`` is NaN (its extremes, found once for an input of the running
    stage: :func:`terawatt.physics._checks.extremes`; NaN makes them NaN)."""
    if not n.size:
        return True
    low, high = extremes(n)
    return bool(low == low and high == high)


def recovery_factors_finite(discount_rate: ArrayLike, *years: ArrayLike) -> bool:
    """Whether every capital recovery factor of the rate(s) over the durations is finite and positive, so that a
    zero outlay annualises to exactly +0: each rate and duration in (1e-100, inf) (nothing underflows; NaN fails).
    """
    return within(as_float(discount_rate), 1e-100, np.inf) and all(
        within(as_float(n), 1e-100, np.inf) for n in years
    )


def within(a: np.ndarray, lo: float, hi: float) -> bool:
    """Every value in the open interval (lo, hi), NaN never (two reductions, no temporary)."""
    if a.ndim == 0:
        return bool(lo < a < hi)
    return a.size == 0 or bool(a.min() > lo and a.max() < hi)


def _all_finite(a: np.ndarray) -> bool:
    return bool(np.isfinite(a)) if np.ndim(a) == 0 else bool(np.isfinite(a).all())


def annualize(capex_usd: ArrayLike, discount_rate: ArrayLike, lifetime_yr: ArrayLike) -> np.ndarray:
    """Equivalent annual cost of a capital outlay renewed every ``lifetime_yr`` [USD/yr]."""
    return as_float(capex_usd) * capital_recovery_factor(discount_rate, lifetime_yr)


def series_present_value_factor(discount_rate: ArrayLike, interval_yr: ArrayLike, count: ArrayLike) -> np.ndarray:
    r"""Present value of 1 paid at :math:`T, 2T, \dots, nT` [-] (e.g. servicing visits every ``interval_yr``).

    Notes
    -----
    A geometric series in :math:`x = (1+r)^{-T}`: :math:`\sum_{i=1}^{n} x^i = x (1 - x^n) / (1 - x)`, and
    :math:`n` at :math:`r = 0` (or :math:`T = 0`).
    """
    r = as_float(discount_rate)
    interval = as_float(interval_yr)
    n = as_float(count)
    if is_plus_zero(n) and within(r, -1.0, np.inf) and _all_finite(interval):
        # No payment (servicing off): +0 wherever the formula below is evaluated (x (1 - x^0) / (1 - x) with
        # x in (0, 1); n where it is not), the same values without its eleven passes over the samples.
        return np.zeros(np.broadcast_shapes(r.shape, interval.shape))
    log_x = -interval * np.log1p(r)  # ln x <= 0
    safe = np.where(log_x < 0, log_x, -1.0)
    # x (1 - x^n) / (1 - x) with expm1 for accuracy when x is close to 1.
    series = np.exp(safe) * np.expm1(n * safe) / np.expm1(safe)
    return np.where(log_x < 0, series, n)
