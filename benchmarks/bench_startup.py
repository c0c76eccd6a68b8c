"""Benchmark: start-up of the command line and the cost of one scalar evaluation.

Whole-process medians (fresh interpreter each run) of ``terawatt --help``, ``terawatt run --json``, ``terawatt run``
and ``import terawatt``, as wall time and as CPU time (user + system of the child, less sensitive to other load on
the machine); and the median wall and CPU time of a scalar ``terawatt.evaluate`` after warm-up. A result computes
its outputs on first use, so each case says what it reads: the two outputs a loop over scenarios needs
(``comparison.cost_ratio``, ``orbital.cost_per_gpu_hour_usd``; the target case), or every output; the same
scenario again, with the launch price changing on every call (the physics and design stages then still hit their
caches, :mod:`terawatt.design.stage_cache`; the economics rerun), and with the stage caches off. The model itself
(every physics, design and economics stage and every input check) runs in full on every call in every case.
Targets (issue 9): ``--help`` <= 0.25 s, ``run --json`` <= 0.5 s, scalar evaluate (two outputs read) <= 0.3 ms.

Byte-code and the parsed package data (:func:`terawatt.yamlio.load_package_data`) are cached in temporary folders
that the first (untimed) run of each command fills, as an installed package has them after its first start;
``terawatt run --json, no data cache`` shows the start with the data cache switched off.

Run: ``python benchmarks/bench_startup.py [--repeat 11] [--json FILE]``. Reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

TARGETS_S = {"terawatt --help": 0.25, "terawatt run --json": 0.5, "scalar evaluate, two outputs read": 0.3e-3}

COMMANDS = {
    "terawatt --help": ["-m", "terawatt.cli", "--help"],
    "terawatt run --json": ["-m", "terawatt.cli", "run", "--json"],
    "terawatt run --json, no data cache": ["-m", "terawatt.cli", "run", "--json"],
    "terawatt run": ["-m", "terawatt.cli", "run"],
    "import terawatt": ["-c", "import terawatt"],
    "python (interpreter alone)": ["-c", "pass"],
}


def _process_times(args: list[str], repeat: int, pycache: str, data_cache: str) -> tuple[float, float]:
    """Median wall and CPU time [s] of ``python ARGS`` over ``repeat`` fresh processes (after one warm-up).

    Byte-code is cached (in ``pycache``, as an installed package has it) even where the environment sets
    PYTHONDONTWRITEBYTECODE: otherwise every start recompiles the sources (~0.2 s).
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update({"COLUMNS": "200", "NO_COLOR": "1", "PYTHONPYCACHEPREFIX": pycache, "TERAWATT_CACHE_DIR": data_cache})
    walls, cpus = [], []
    for i in range(repeat + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], env=env, check=True, capture_output=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i:  # the first run warms the file cache
            walls.append(wall)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def _median_times(calls: int, step: Callable[[], object]) -> tuple[float, float]:
    """Median wall and CPU time [s] of ``step()`` over ``calls`` calls."""
    walls, cpus = [], []
    for _ in range(calls):
        cpu, wall = time.process_time(), time.perf_counter()
        step()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _evaluate_times(calls: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU time [s] of one scalar evaluate, reading two outputs or every output.

    The outputs of a result are computed on first use (:class:`terawatt.outputs.Outputs`), so what is read is part
    of what is timed: the target case reads the two outputs a loop over scenarios needs
    (``comparison.cost_ratio``, ``orbital.cost_per_gpu_hour_usd``); "every output read" materialises all of them.
    """
    import numpy as np

    import terawatt
    from terawatt.design import stage_cache

    scenario = terawatt.load_scenario(None)

    def two(sc: terawatt.Scenario = scenario) -> None:
        result = terawatt.evaluate(sc)
        result["comparison.cost_ratio"], result["orbital.cost_per_gpu_hour_usd"]

    def every() -> None:
        result = terawatt.evaluate(scenario)
        [result[key] for key in result.keys()]

    for _ in range(500):  # warm-up of both cases: caches filled, allocator and CPU settled
        every()
        two()
    rows = {
        "scalar evaluate, two outputs read": _median_times(calls, two),
        "scalar evaluate, every output read": _median_times(calls, every),
    }
    # Built after the cases above: thousands of live scenarios would slow their garbage collections.
    prices = np.linspace(20.0, 3000.0, calls)
    scenarios = [scenario.with_overrides({"launch.price_usd_per_kg": float(p)}) for p in prices]
    varying = iter(scenarios)
    rows["scalar evaluate, two outputs, launch price varies"] = _median_times(calls, lambda: two(next(varying)))
    scenarios.clear()
    with stage_cache.disabled():
        rows["scalar evaluate, two outputs, stage caches off"] = _median_times(calls, two)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=11, help="Fresh processes per command (median reported).")
    parser.add_argument("--calls", type=int, default=2000, help="Scalar evaluations timed (median reported).")
    parser.add_argument("--json", dest="json_path", default=None, help="Write the figures to this JSON file.")
    args = parser.parse_args()

    rows = []
    pycache = tempfile.mkdtemp(prefix="terawatt-bench-pycache-")
    data_cache = tempfile.mkdtemp(prefix="terawatt-bench-data-")
    for label, cmd in COMMANDS.items():
        wall, cpu = _process_times(cmd, args.repeat, pycache, "" if "no data cache" in label else data_cache)
        rows.append({"case": label, "wall_s": wall, "cpu_s": cpu, "target_s": TARGETS_S.get(label)})
    for label, (wall, cpu) in _evaluate_times(args.calls).items():
        rows.append({"case": label, "wall_s": wall, "cpu_s": cpu, "target_s": TARGETS_S.get(label)})

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, load average {load:.2f}")
    print(f"{'case':40s} {'wall (median)':>14s} {'cpu (median)':>13s} {'target':>9s}")
    for row in rows:
        scale, unit = (1e3, "ms") if row["wall_s"] < 0.01 else (1.0, "s")
        cpu = "" if row["cpu_s"] is None else f"{row['cpu_s'] * scale:.3f} {unit}"
        target = "" if row["target_s"] is None else f"{row['target_s'] * scale:g} {unit}"
        print(f"{row['case']:40s} {row['wall_s'] * scale:11.3f} {unit:2s} {cpu:>13s} {target:>9s}")
    if args.json_path:
        readme = []
        for row in rows:
            scale, unit = (1e3, "ms") if row["wall_s"] < 0.01 else (1.0, "s")
            target = "" if row["target_s"] is None else f" (target {row['target_s'] * scale:g} {unit})"
            size = "1 call, median" if unit == "ms" else f"{args.repeat} fresh processes, median"
            cpu = "" if row["cpu_s"] is None else f", {row['cpu_s'] * scale:.3g} {unit} CPU"
            rate = f"{row['wall_s'] * scale:.3g} {unit} wall{cpu}{target}"
            readme.append({"benchmark": row["case"], "size": size, "rate": rate})
        report = {"python": platform.python_version(), "load_average": load, "rows": rows, "readme": readme}
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)


if __name__ == "__main__":
    main()
