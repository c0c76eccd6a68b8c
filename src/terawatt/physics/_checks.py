"""The argument checks every physics module shares: a value (scalar or array) inside a range, or a ValueError
naming the argument, its unit and the range.

One implementation for all modules (DESIGN.md: "one shared set of array checks"). A scalar (a Python number or a
0-d array) is checked with plain float comparisons, which is ~10x cheaper than the array reductions and gives the
same verdict: NaN fails every comparison, so it is rejected unless ``allow_nan``; infinities pass only an open-ended
range. Arrays are checked element-wise as before.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["all_finite", "check_range", "fraction", "output", "within"]


def output(x: np.ndarray) -> np.ndarray:
    """Return 0-d results as NumPy scalars, arrays unchanged."""
    return x[()] if np.ndim(x) == 0 else x


def within(a: np.ndarray, lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False) -> bool:
    """Whether every value of the float array ``a`` lies in the range (NaN never does)."""
    if a.ndim == 0:
        value = float(a)
        return ((value > lo) if lo_open else (value >= lo)) and ((value < hi) if hi_open else (value <= hi))
    ok = ((a > lo) if lo_open else (a >= lo)) & ((a < hi) if hi_open else (a <= hi))
    return bool(ok.all())


def all_finite(a: np.ndarray) -> bool:
    """Whether every value of the float array ``a`` is finite."""
    return math.isfinite(float(a)) if a.ndim == 0 else bool(np.isfinite(a).all())


def _message(name: str, lo: float, hi: float, unit: str, lo_open: bool, hi_open: bool, note: str, bad: float) -> str:
    left = "(" if lo_open else "["
    right = ")" if hi_open else "]"
    unit_text = "" if unit in ("-", "") else f" {unit}"
    return f"{name} must be in {left}{lo:g}, {hi:g}{right}{unit_text}{note}, got {bad:g}"


def check_range(
    x: npt.ArrayLike,
    name: str,
    lo: float,
    hi: float,
    unit: str,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    allow_nan: bool = False,
    note: str = "",
) -> np.ndarray:
    """Float array of ``x``; ValueError naming argument, unit and range if any value lies outside.

    Parameters
    ----------
    x : array_like
        The value(s) to check.
    name, unit : str
        Argument name and unit for the message (``"-"``: dimensionless, not printed).
    lo, hi : float
        Bounds, inclusive unless ``lo_open`` / ``hi_open``.
    allow_nan : bool
        Accept NaN (a "not given" marker, e.g. a sun-synchronous inclination).
    note : str
        Appended to the range in the message, e.g. ``" (the range of the density table)"``.

    Returns
    -------
    numpy.ndarray
        ``x`` as a float array (0-d for a scalar).
    """
    a = np.asarray(x, dtype=float)
    if a.ndim == 0:
        value = float(a)
        if ((value > lo) if lo_open else (value >= lo)) and ((value < hi) if hi_open else (value <= hi)):
            return a
        if allow_nan and value != value:
            return a
        raise ValueError(_message(name, lo, hi, unit, lo_open, hi_open, note, value))
    if not allow_nan and a.size:  # the verdict from the extremes (two reductions, no mask); NaN fails both
        low = a.min()
        if (low > lo) if lo_open else (low >= lo):
            if hi == math.inf and not hi_open:
                return a
            high = a.max()
            if (high < hi) if hi_open else (high <= hi):
                return a
    if hi == math.inf and not hi_open:  # a <= inf fails only for NaN, which the lower bound rejects too
        ok = (a > lo) if lo_open else (a >= lo)
    elif lo == -math.inf and not lo_open:
        ok = (a < hi) if hi_open else (a <= hi)
    else:
        ok = ((a > lo) if lo_open else (a >= lo)) & ((a < hi) if hi_open else (a <= hi))
    if allow_nan:
        ok |= np.isnan(a)
    if not ok.all():
        raise ValueError(_message(name, lo, hi, unit, lo_open, hi_open, note, float(a[~ok].ravel()[0])))
    return a


def fraction(x: npt.ArrayLike, name: str) -> np.ndarray:
    """``x`` in [0, 1]."""
    return check_range(x, name, 0.0, 1.0, "-")
