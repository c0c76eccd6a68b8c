"""Shared helpers of the benchmarks: best wall time of ``repeat`` runs after one warm-up; the machine measured on."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Best wall-clock time [s] of ``repeat`` calls of ``fn`` after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def machine() -> dict[str, str]:
    """The machine and versions a benchmark ran on, for its JSON report (shown in the README)."""
    import numpy as np

    return {
        "cores": str(os.cpu_count()),
        "Python": platform.python_version(),
        "NumPy": np.__version__,
    }
