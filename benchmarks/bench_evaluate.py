"""Benchmark: samples per second of the whole design + TCO chain (terawatt.evaluate) on one process (one core).

The figures of issue 10 ("Performance"), each against its target:

- design + TCO at 1e6 samples with the orbit fixed (target >= 4e6 samples/s per core) and with the altitude
  varying per sample (the eclipse statistics then come from the interpolation table; target >= 2e6/s), as one
  ``evaluate`` call of 1e6 samples (above ``terawatt.blocks.BLOCK_ABOVE`` samples it runs in blocks inside, the
  one pass's bits) and as 1e6 samples in chunks of 65,536 given one by one (what ``terawatt montecarlo`` does);
- 1e7 samples of design + TCO in chunks, in a fresh process, each chunk sampled and validated too (as a Monte
  Carlo run does): wall and CPU time (target < 10 s) and peak memory
  (its peak resident set, ``VmHWM``; target < 2 GB);
- plus the cost of scenario validation, reading every output, and one scalar evaluation;
- a machine reference in the same processes: a fixed NumPy workload, the same for every version of terawatt, whose
  time shows how fast the shared host ran during the run (it drifts by +-25 % over an hour here).

"Design + TCO" is ``terawatt.evaluate`` and reading ``comparison.cost_ratio``: outputs are computed on first use
(:class:`terawatt.outputs.Outputs`), so the costs are what is read; "every output read" materialises all ~200.
Timings are the best of ``--repeat`` runs after one warm-up, as CPU time of the process (user + system; less
sensitive than wall time to other load on a shared machine) and as wall time; each throughput row is measured in
``--processes`` fresh processes and reported as their median, with the range (one process's figures differ from the
next one's by +-10-20 % on a shared host, more than the best of repeats within a process removes); reported,
never asserted.

Run: ``python benchmarks/bench_evaluate.py [--sizes 100000 1000000] [--big 10000000] [--processes 5] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np
from _timing import best_of, machine

import terawatt

#: Issue 10 targets.
TARGET_FIXED = 4e6  # samples/s per core, orbit fixed
TARGET_VARYING = 2e6  # samples/s per core, altitude varying
TARGET_BIG_S = 10.0  # 1e7 samples [s]
TARGET_BIG_BYTES = 2 * 1024**3  # 1e7 samples, peak memory [B]
#: Samples per chunk of the chunked runs (the default of terawatt.montecarlo).
CHUNK = 65536


def _samples(n: int, vary_orbit: bool, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    overrides = {
        "launch.price_usd_per_kg": rng.uniform(20.0, 3000.0, n),
        "solar.array_specific_power_w_per_kg": rng.uniform(60.0, 150.0, n),
        "thermal.areal_mass_kg_per_m2": rng.uniform(3.0, 10.0, n),
        "thermal.emissivity": rng.uniform(0.8, 0.92, n),
        "terrestrial.electricity_price_usd_per_mwh": rng.uniform(50.0, 150.0, n),
        "workload.utilization": rng.uniform(0.6, 0.95, n),
        "finance.discount_rate": rng.uniform(0.05, 0.12, n),
    }
    if vary_orbit:
        overrides["orbit.altitude_km"] = rng.uniform(500.0, 1200.0, n)
    return overrides


def _design_tco(scenario: terawatt.Scenario) -> np.ndarray:
    """Design + TCO of every sample: the cost ratio (reading it computes the costs of both sides)."""
    return terawatt.evaluate(scenario)["comparison.cost_ratio"]


def _every_output(scenario: terawatt.Scenario) -> None:
    result = terawatt.evaluate(scenario)
    [result[key] for key in result.keys()]


def _chunked(n: int, vary: bool, chunk: int = CHUNK) -> np.ndarray:
    """Design + TCO of ``n`` samples, ``chunk`` at a time (sampled, validated and evaluated per chunk), keeping
    only the cost ratios: memory is bounded by the chunk, not by ``n``."""
    ratios = np.empty(n)
    for start in range(0, n, chunk):
        size = min(chunk, n - start)
        scenario = terawatt.load_scenario("baseline-2026", _samples(size, vary, seed=start))
        ratios[start : start + size] = _design_tco(scenario)
    return ratios


def _times(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best CPU and best wall time [s] of ``repeat`` calls after one warm-up."""
    fn()
    cpu, wall = [], []
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return min(cpu), min(wall)


def peak_rss_bytes() -> int:
    """Peak resident memory of this process [B]: ``VmHWM`` of /proc/self/status where there is one (the peak of
    this program's own memory: ``ru_maxrss`` also counts the parent's image a spawned child started from),
    else ``ru_maxrss``."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


def _big_run(n: int) -> dict[str, float]:
    """``n`` samples in chunks in a fresh process: its wall and CPU time and its peak resident memory."""
    code = (
        "import sys, time; sys.path.insert(0, sys.argv[1]); import bench_evaluate as b; import numpy as np\n"
        "b._chunked(b.CHUNK, False)\n"  # warm-up: imports, tables and caches (as a long run has them)
        "c, t = time.process_time(), time.perf_counter(); r = b._chunked(int(sys.argv[2]), False)\n"
        "print(time.perf_counter() - t, time.process_time() - c, int(np.isfinite(r).sum()), b.peak_rss_bytes())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, os.path.dirname(os.path.abspath(__file__)), str(n)],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    return {"samples": n, "wall_s": float(out[0]), "cpu_s": float(out[1]), "finite": int(out[2]),
            "peak_rss_bytes": int(out[3])}


def _rate_text(rate: float, target: float) -> str:
    return f"{rate / 1e6:.2f} M/s ({rate / target:.2f}x the {target / 1e6:g} M/s target)"


def _spread(rows: list[dict]) -> str:
    """The range of the rows' throughput over the processes they were measured in (README text)."""
    if not rows or rows[0].get("processes", 1) < 2:
        return ""
    ranges = " / ".join(f"{r['samples_per_cpu_s_min'] / 1e6:.2f}-{r['samples_per_cpu_s_max'] / 1e6:.2f}" for r in rows)
    return f"; median of {rows[0]['processes']} processes, range {ranges} M"


def _readme_rows(rows: list[dict], big: dict | None, t_loop: float, speedup: float) -> list[dict[str, str]]:
    """Rows of the README's performance table (read by tools/make_docs.py)."""
    out = []
    for vary, label, target in ((False, "design + TCO, orbit fixed", TARGET_FIXED),
                                (True, "design + TCO, altitude varies per sample", TARGET_VARYING)):
        for how in ("one pass", f"chunks of {CHUNK:,}"):
            mine = [r for r in rows if r["orbit_varies"] == vary and r["how"] == how]
            if mine:
                out.append({
                    "benchmark": f"{label} ({'one evaluate call' if how == 'one pass' else how})",
                    "size": " / ".join(f"{r['samples']:.0e}".replace("e+0", "e") for r in mine) + " samples",
                    "rate": " / ".join(f"{r['samples_per_cpu_s'] / 1e6:.2f} M" for r in mine)
                    + f" samples/s per core (target {target / 1e6:g} M)" + _spread(mine),
                })
    if big:
        out.append({
            "benchmark": f"design + TCO in chunks of {CHUNK:,}, fresh process",
            "size": f"{big['samples']:.0e}".replace("e+0", "e") + " samples",
            "rate": f"{big['wall_s']:.1f} s wall, {big['cpu_s']:.1f} s CPU (target {TARGET_BIG_S:g} s), peak memory "
            f"{big['peak_rss_bytes'] / 1e9:.2f} GB (target {TARGET_BIG_BYTES / 1e9:.2f} GB)",
        })
    if rows and "machine_reference_cpu_s" in rows[0]:
        out.append({
            "benchmark": "machine reference: a fixed NumPy workload with a chunk's footprint (in the same processes)",
            "size": "100 x 65,536 values",
            "rate": f"{rows[0]['machine_reference_cpu_s'] * 1e3:.1f} ms CPU (median of the processes; the host's speed"
            " at the time: compare runs by it)",
        })
    out.append({
        "benchmark": "one scalar evaluate (after warm-up)",
        "size": "1 sample",
        "rate": f"{t_loop * 1e3:.2f} ms; a vectorized pass is {speedup:,.0f}x faster per sample",
    })
    return out


def _reference_cpu_s(repeat: int) -> float:
    """Best CPU time [s] of ``repeat`` runs of a fixed NumPy workload with a chunk's footprint (100 rounds of a
    multiply, a sine and a gather over 65,536 float64 values, among eight buffers): the speed of the machine at
    the time, which on a shared host drifts by +-25 % from one hour to the next (the same for every version of
    terawatt, so that runs far apart can be compared)."""
    rng = np.random.default_rng(0)
    buffers = [rng.uniform(-1.0, 1.0, CHUNK) for _ in range(8)]
    table, index = rng.uniform(-1.0, 1.0, 2048), rng.integers(0, 2048, CHUNK)

    def work() -> None:
        for i in range(100):
            a, b, c = buffers[i % 8], buffers[(i + 3) % 8], buffers[(i + 5) % 8]
            np.multiply(a, b, out=c)
            np.sin(c, out=c)  # stays in [-1, 1]
            table.take(index, out=buffers[(i + 7) % 8])

    return _times(work, repeat)[0]


def _measure_rows(sizes: list[int], repeat: int) -> list[dict]:
    """The throughput rows of this process: one pass of each size and the largest size in chunks, orbit fixed and
    altitude varying; each row also holds this process's :func:`_reference_cpu_s`."""
    reference = _reference_cpu_s(max(repeat, 5))
    rows = []
    for vary in (False, True):
        for n in sizes:
            overrides = _samples(n, vary)
            scenario = terawatt.load_scenario("baseline-2026", overrides)
            cpu, wall = _times(lambda sc=scenario: _design_tco(sc), repeat)
            every_cpu, _ = _times(lambda sc=scenario: _every_output(sc), 1)
            t_load = best_of(lambda ov=overrides: terawatt.load_scenario("baseline-2026", ov), repeat)
            rows.append({
                "samples": n, "orbit_varies": vary, "how": "one pass", "cpu_s": cpu, "wall_s": wall,
                "samples_per_cpu_s": n / cpu, "samples_per_wall_s": n / wall, "every_output_cpu_s": every_cpu,
                "load_and_validate_s": t_load, "end_to_end_samples_per_s": n / (wall + t_load),
            })
        n = max(sizes)
        chunks = [terawatt.load_scenario("baseline-2026", _samples(min(CHUNK, n - start), vary, seed=start))
                  for start in range(0, n, CHUNK)]
        cpu, wall = _times(lambda cs=chunks: [_design_tco(sc) for sc in cs], repeat)
        rows.append({"samples": n, "orbit_varies": vary, "how": f"chunks of {CHUNK:,}", "cpu_s": cpu,
                     "wall_s": wall, "samples_per_cpu_s": n / cpu, "samples_per_wall_s": n / wall})
        del chunks
    for row in rows:
        row["machine_reference_cpu_s"] = reference
    return rows


def _median_rows(runs: list[list[dict]]) -> list[dict]:
    """Each row's median over the processes (every figure), with the spread of its throughput: on a shared host
    one process's figures differ from the next one's by +-10-20 % (where its arrays landed in memory, what the
    neighbours ran), more than the best of repeats within a process removes."""
    out = []
    for i, row in enumerate(runs[0]):
        same = [run[i] for run in runs]
        merged = {k: (float(np.median([r[k] for r in same])) if isinstance(v, float) else v) for k, v in row.items()}
        rates = sorted(r["samples_per_cpu_s"] for r in same)
        merged.update(processes=len(same), samples_per_cpu_s_min=rates[0], samples_per_cpu_s_max=rates[-1],
                      samples_per_cpu_s_each=rates)
        out.append(merged)
    return out


def _rows_in_processes(sizes: list[int], repeat: int, processes: int) -> list[dict]:
    """:func:`_measure_rows` in ``processes`` fresh processes one after the other, the median of each row."""
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]); import bench_evaluate as b\n"
        "print(json.dumps(b._measure_rows([int(x) for x in sys.argv[3:]], int(sys.argv[2]))))\n"
    )
    runs = []
    for _ in range(processes):
        out = subprocess.run(
            [sys.executable, "-c", code, os.path.dirname(os.path.abspath(__file__)), str(repeat), *map(str, sizes)],
            check=True, capture_output=True, text=True,
        ).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return _median_rows(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--big", type=int, default=10_000_000, help="Samples of the chunked run (0: skip).")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--processes", type=int, default=5,
                        help="Fresh processes the throughput rows are measured in (each row: their median).")
    parser.add_argument("--json", dest="json_path", default=None, help="Write the figures to this JSON file.")
    args = parser.parse_args()

    rows = _rows_in_processes(args.sizes, args.repeat, args.processes)
    big = _big_run(args.big) if args.big else None

    n_loop = 50
    loop_overrides = _samples(n_loop, False)
    scalar = [
        terawatt.load_scenario("baseline-2026", {k: float(v[i]) for k, v in loop_overrides.items()})
        for i in range(n_loop)
    ]
    t_loop = best_of(lambda: [_design_tco(s) for s in scalar], 1) / n_loop
    vectorized = next(r for r in rows if r["samples"] == max(args.sizes) and not r["orbit_varies"])
    speedup = t_loop * vectorized["samples_per_wall_s"]
    report = {
        "machine": machine(),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "targets": {"fixed_samples_per_s": TARGET_FIXED, "varying_samples_per_s": TARGET_VARYING,
                    "big_s": TARGET_BIG_S, "big_bytes": TARGET_BIG_BYTES},
        "rows": rows,
        "big": big,
        "scalar_evaluate_s": t_loop,
        "speedup_vectorized_vs_scalar_loop": speedup,
    }
    report["readme"] = _readme_rows(rows, big, t_loop, speedup)
    print(f"load average {report['load_average']:.2f}; design + TCO = evaluate + read comparison.cost_ratio")
    print(f"{'samples':>10} {'orbit':>7} {'how':>17} {'per core (CPU)':>38} {'wall [samples/s]':>17} "
          f"{'every output [s]':>17}")
    for r in rows:
        target = TARGET_VARYING if r["orbit_varies"] else TARGET_FIXED
        every = f"{r['every_output_cpu_s']:.3f}" if "every_output_cpu_s" in r else ""
        print(f"{r['samples']:>10,} {'varies' if r['orbit_varies'] else 'fixed':>7} {r['how']:>17} "
              f"{_rate_text(r['samples_per_cpu_s'], target):>38} {r['samples_per_wall_s']:>17,.0f} {every:>17}")
    if big:
        print(f"{big['samples']:,} samples in chunks of {CHUNK:,} (fresh process): {big['wall_s']:.2f} s wall, "
              f"{big['cpu_s']:.2f} s CPU "
              f"(target < {TARGET_BIG_S:g} s), peak memory {big['peak_rss_bytes'] / 1e9:.2f} GB "
              f"(target < {TARGET_BIG_BYTES / 1e9:.2f} GB)")
    if rows and "machine_reference_cpu_s" in rows[0]:
        print(f"machine reference (fixed NumPy workload): {rows[0]['machine_reference_cpu_s'] * 1e3:.1f} ms CPU")
    print(f"one scalar evaluate: {t_loop * 1e3:.3f} ms; vectorized pass is {speedup:,.0f}x faster per sample")
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)


if __name__ == "__main__":
    main()
