"""The argument checks every physics module shares: a value (scalar or array) inside a range, or a ValueError
naming the argument, its unit and the range.

One implementation for all modules (DESIGN.md: "one shared set of array checks"). A scalar (a Python number or a
0-d array) is checked with plain float comparisons, which is ~10x cheaper than the array reductions and gives the
same verdict: NaN fails every comparison, so it is rejected unless ``allow_nan``; infinities pass only an open-ended
range. Arrays are checked element-wise as before.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np
import numpy.typing as npt

from terawatt._arrays import arrays_among

__all__ = ["all_finite", "check_range", "extremes", "fixed_inputs", "fraction", "output", "within"]


class _Fixed(threading.local):
    """Per thread: the read-only sample arrays of the stage running now, by id (:func:`fixed_inputs`)."""

    arrays: dict[int, list[Any]] | None = None


_FIXED = _Fixed()


class fixed_inputs:  # a context manager named as a function, like contextlib.suppress
    """Within the block, the range checks of a read-only sample array among ``values`` share its extremes.

    For the parameters of a model stage (:mod:`terawatt.design.stage_cache`) while it runs: a scenario's sample
    arrays are read-only views that nothing writes to during an evaluation, and the physics modules check the
    same one (``orbit.altitude_km``) against their own ranges several times. The extremes are found on the first
    check of an array and compared with each range after; a range they fail is checked sample by sample as
    before (the same message). Arrays the stage computes are not among these (they may be buffers written in
    place), nor anything checked after the block (a value computed on first read). Nested blocks keep the
    outermost's arrays (the inner stage's parameters are the same objects). A class rather than a generator
    (``contextlib.contextmanager``): it is entered on every evaluation of sample arrays.
    """

    __slots__ = ("values", "opened")

    def __init__(self, values: tuple[Any, ...]) -> None:
        self.values = values
        self.opened = False

    def __enter__(self) -> None:
        if _FIXED.arrays is not None:
            return
        _FIXED.arrays = {id(a): [a] for a in arrays_among(self.values) if a.ndim and not a.flags.writeable}
        self.opened = True

    def __exit__(self, *exc: object) -> None:
        if self.opened:
            _FIXED.arrays = None
            self.opened = False


def _is_fixed(a: np.ndarray) -> bool:
    known = _FIXED.arrays
    entry = None if known is None else known.get(id(a))
    return entry is not None and entry[0] is a


def extremes(a: np.ndarray) -> tuple[Any, Any]:
    """``(a.min(), a.max())`` of a non-empty sample array (NaN where one is NaN); while ``a`` is an input of the
    running stage (:class:`fixed_inputs`), found once and shared with every range check of it."""
    known = _FIXED.arrays
    entry = None if known is None else known.get(id(a))
    if entry is None or entry[0] is not a:
        return a.min(), a.max()
    if len(entry) == 1:
        entry += [a.min(), a.max()]
    return entry[1], entry[2]


def output(x: np.ndarray) -> np.ndarray:
    """Return 0-d results as NumPy scalars, arrays unchanged."""
    if type(x) is np.ndarray:
        return x[()] if x.ndim == 0 else x
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
    if a.ndim == 0:
        return math.isfinite(float(a))
    if a.size == 0 or a.dtype.kind != "f":
        return bool(np.isfinite(a).all())
    return bool(-math.inf < a.min() and a.max() < math.inf)  # the extremes (NaN makes them NaN): no mask


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
        if _is_fixed(a):  # an input of the running stage: its extremes found once
            low, high = extremes(a)
            if ((low > lo) if lo_open else (low >= lo)) and ((high < hi) if hi_open else (high <= hi)):
                return a
        else:
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
