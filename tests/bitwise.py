"""The bits of a value, for tests that compare a fast path with its general path bit for bit."""

from __future__ import annotations

import numpy as np


def bits(a: object) -> bytes:
    """``a``'s type code, shape and bytes: equal exactly where two values are the same bits (NaN payloads and
    signed zeros included), the same shape and the same dtype."""
    a = np.asarray(a)
    return a.dtype.str.encode() + str(a.shape).encode() + a.tobytes()
