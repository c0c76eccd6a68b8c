"""Float conversion shared by the model and economics: NumPy ``float64`` scalars for scalars, arrays otherwise.

A scalar evaluation runs on NumPy scalars rather than 0-d arrays: the same IEEE double arithmetic and the same
ufunc loops (bitwise identical results), at a fraction of the per-operation cost (NumPy's scalar arithmetic does
not go through the array machinery).
"""

from __future__ import annotations

from typing import Any

import numpy as np

_SCALARS = frozenset({float, int, bool, np.float64})


def as_float(value: Any) -> np.ndarray:
    """``value`` as float64: a NumPy scalar for a Python or NumPy scalar, else ``np.asarray(value, float)``."""
    kind = type(value)
    if kind is np.float64:
        return value
    if kind in _SCALARS:
        return np.float64(value)
    return np.asarray(value, dtype=float)
