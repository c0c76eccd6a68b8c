"""Shared helpers of the benchmarks: best wall time of ``repeat`` runs after one warm-up; the machine measured on."""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from typing import Any


def best_of(fn: Callable[[], object], repeat: int, clock: Callable[[], float] = time.perf_counter) -> float:
    """Best time [s] of ``repeat`` calls of ``fn`` after one warm-up call: wall-clock by default, or CPU time of the
    process with ``clock=time.process_time`` (a figure that does not grow when other jobs share the cores)."""
    fn()
    times = []
    for _ in range(repeat):
        start = clock()
        fn()
        times.append(clock() - start)
    return min(times)


def machine() -> dict[str, str]:
    """The machine and versions a benchmark ran on, for its JSON report (shown in the README)."""
    import numpy as np

    return {
        "cores": str(os.cpu_count()),
        "Python": platform.python_version(),
        "NumPy": np.__version__,
    }


def options(doc: str | None, samples: int = 10_000, repeat: int = 3) -> argparse.Namespace:
    """The options every benchmark takes: ``--samples``, ``--repeat`` and ``--json PATH`` (its figures)."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--samples", type=int, default=samples)
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument("--json", dest="json_path", default=None, help="Write the figures to this JSON file.")
    return parser.parse_args()


def write_report(path: str | None, report: dict[str, Any]) -> None:
    """Write a benchmark's figures, with :func:`machine`, to ``path`` as JSON (nothing when ``path`` is None)."""
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"machine": machine(), **report}, fh, indent=2)
