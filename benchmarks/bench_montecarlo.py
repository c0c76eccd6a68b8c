"""Benchmark: a whole Monte Carlo study (sampling, inverse CDFs, validation, design + TCO, summaries).

``terawatt montecarlo musk-2026 -n 100000`` in one year and over 2026-2045, in-process and on 2 local processes
(the results are bitwise identical; only the time differs), each run with a new seed so that its sampling blocks
are drawn, not taken from the cache of the run before. Reports samples per second.

Streamed to disk (``--out DIR``): ``--stream-samples`` samples (default 1e6; ``--stream-samples 10000000`` for the
1e7 figure of issue 10) of design + TCO in 2030, in a fresh process each, in-process and on ``--workers``
processes: samples/s of the whole study (sampling, evaluation, Parquet writes, then the summaries read back out of
core) and the peak resident memory of the process tree (``getrusage`` maximum RSS of the run and of its largest
worker). Run: ``python benchmarks/bench_montecarlo.py [--samples 100000] [--workers 2] [--stream-samples N]``.
Timings and memory are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from itertools import count

from _timing import best_of, machine

import terawatt
from terawatt.studies.montecarlo import montecarlo

SCENARIO = "musk-2026"
CHUNK = 16384


def _child(n: int, workers: int, folder: str) -> None:
    """One streamed run in this (fresh) process; prints its figures as JSON."""
    scenario = terawatt.load_scenario(SCENARIO)
    start = time.perf_counter()
    mc = montecarlo(scenario, n, year=2030, out=folder, chunk_size=65536,
                    backend="serial" if workers == 0 else "processes", workers=workers or None)
    run = time.perf_counter() - start
    summary = mc.to_dict()
    total = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(json.dumps({"run_s": run, "total_s": total, "peak_rss_bytes": own, "worker_peak_rss_bytes": kids,
                      "p_orbit_cheaper": summary["p_orbit_cheaper"]}))


def streamed(n: int, workers: int) -> dict:
    """Figures of one streamed run of ``n`` samples (``workers`` = 0: in-process) in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="terawatt-bench-") as tmp:
        proc = subprocess.run([sys.executable, __file__, "--child", str(n), str(workers), f"{tmp}/run"],
                              capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--stream-samples", type=int, default=1_000_000,
                        help="Samples of the runs streamed to disk (0: skip them).")
    parser.add_argument("--json", dest="json_path", default=None, help="Write the figures to this JSON file.")
    args = parser.parse_args()
    n = args.samples
    scenario = terawatt.load_scenario(SCENARIO)
    montecarlo(scenario, 1000, year=2030)  # warm the caches (registry, tables)
    cases = {"2030": {"year": 2030}, "2026-2045": {"start": 2026, "end": 2045}}
    rows, figures = [], {}
    seeds = count(1)  # a new seed per run: the sampling blocks of one run are never reused from the cache
    for label, when in cases.items():
        for backend, workers in (("serial", None), ("processes", args.workers)):
            seconds = best_of(lambda b=backend, w=workers, k=when: montecarlo(
                scenario, n, seed=next(seeds), backend=b, workers=w, chunk_size=CHUNK, **k), args.repeat)
            where = "in-process" if workers is None else f"{workers} processes"
            figures[f"{label} {where}"] = seconds
            print(f"{label:>9} {where:>12}: {seconds:.2f} s  ({n / seconds:,.0f} samples/s)")
            rows.append({"benchmark": f"Monte Carlo {SCENARIO} {label}, {where}", "size": f"{n:,} samples",
                         "rate": f"{n / seconds:,.0f} samples/s"})
    for workers in (0, args.workers) if args.stream_samples else ():
        got = streamed(args.stream_samples, workers)
        where = "in-process" if workers == 0 else f"{workers} processes"
        peak = max(got["peak_rss_bytes"], got["worker_peak_rss_bytes"]) / 2**30
        rate = args.stream_samples / got["total_s"]
        figures[f"streamed {where}"] = got
        print(f"streamed {where:>12}: {got['total_s']:.1f} s ({got['run_s']:.1f} s run + "
              f"{got['total_s'] - got['run_s']:.1f} s summaries), {rate:,.0f} samples/s, peak RSS {peak:.2f} GiB "
              f"(main {got['peak_rss_bytes'] / 2**30:.2f}, largest worker {got['worker_peak_rss_bytes'] / 2**30:.2f})")
        rows.append({"benchmark": f"Monte Carlo {SCENARIO} 2030 streamed to Parquet (--out), {where}",
                     "size": f"{args.stream_samples:,} samples",
                     "rate": f"{rate:,.0f} samples/s, peak RSS {peak:.2f} GiB"})
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump({"machine": machine(), "samples": n, "seconds": figures, "readme": rows}, fh, indent=2)


if __name__ == "__main__":
    main()
