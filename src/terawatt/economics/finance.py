"""Small pure finance functions (real terms): capital recovery factor, annuity and present-value factors."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from terawatt._arrays import as_float, is_plus_zero


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
    Computed as :math:`(-r) / \mathrm{expm1}(-n \ln(1 + r))` (exact for small r; one division, within an ulp of
    the reciprocal of the annuity factor).

    References
    ----------
    .. [1] Short, W., Packey, D. J. & Holt, T. (1995). A Manual for the Economic Evaluation of Energy Efficiency
       and Renewable Energy Technologies. NREL/TP-462-5173, eq. 4-4.
    """
    r = as_float(discount_rate)
    n = as_float(years)

    def positive(rate: np.ndarray) -> np.ndarray:
        # r / (1 - (1+r)^-n) as (-r) / expm1(-n ln(1 + r)) (1 - (1+r)^-n = -expm1(...)): one pass fewer than the
        # reciprocal of the annuity factor (-r is one number, or computed once), within an ulp of it.
        return (-rate) / np.expm1(-n * np.log1p(rate))

    if r.ndim == 0:  # the common case: one rate for all samples
        return positive(r) if r > 0 else 1.0 / n
    if np.all(r > 0):  # sampled rates, all positive: skip the r = 0 branch
        return positive(r)
    return np.where(r > 0, positive(np.where(r > 0, r, 1.0)), 1.0 / n)


def capital_recovery_factors(discount_rate: ArrayLike, *years: ArrayLike) -> tuple[np.ndarray, ...]:
    r""":func:`capital_recovery_factor` of one rate over several durations [1/yr], the same values bitwise.

    :math:`\ln(1 + r)` and the test :math:`r > 0` are computed once for all durations, and each factor in one
    buffer (a sampled rate makes each a sample array: four passes over it, with -r and ln(1 + r) once for all).

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
        self._log: tuple[bool, np.ndarray, np.ndarray] | None = None
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
            positive = self.within(0.0, np.inf) or bool(np.all(r > 0))
            safe = r if positive else np.where(r > 0, r, 1.0)
            self._log = (positive, np.negative(safe), np.log1p(safe))  # -r: one pass for every duration
        positive, minus_r, log_r = self._log
        if n.ndim:  # -(n ln(1 + r)) is (-n) ln(1 + r) bitwise (a product's sign is the XOR of its operands'): in
            factor = np.multiply(n, log_r)  # the product's buffer, without an array for -n
            np.negative(factor, out=factor)
        else:
            factor = np.multiply(-n, log_r)  # -n ln(1 + r) ...
        np.expm1(factor, out=factor)  # ... (1 + r)^-n - 1 ...
        # ... and r / (1 - (1 + r)^-n) as (-r) / ((1 + r)^-n - 1), as capital_recovery_factor (the same bits)
        np.divide(minus_r, factor, out=factor)
        if not positive:
            factor = np.where(r > 0, factor, 1.0 / n)
        return factor


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
