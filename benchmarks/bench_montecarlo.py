"""Benchmark: a whole Monte Carlo study (sampling, inverse CDFs, validation, design + TCO, summaries).

``terawatt montecarlo musk-2026 -n 100000`` in one year and over 2026-2045, in-process and on 2 local processes
(the results are bitwise identical; only the time differs). Reports samples per second. Run:
``python benchmarks/bench_montecarlo.py [--samples 100000] [--workers 2]``. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json

from _timing import best_of, machine

import terawatt
from terawatt.studies.montecarlo import montecarlo

SCENARIO = "musk-2026"
CHUNK = 16384


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", dest="json_path", default=None, help="Write the figures to this JSON file.")
    args = parser.parse_args()
    n = args.samples
    scenario = terawatt.load_scenario(SCENARIO)
    montecarlo(scenario, 1000, year=2030)  # warm the caches (registry, tables)
    cases = {"2030": {"year": 2030}, "2026-2045": {"start": 2026, "end": 2045}}
    rows, figures = [], {}
    for label, when in cases.items():
        for backend, workers in (("serial", None), ("processes", args.workers)):
            seconds = best_of(lambda b=backend, w=workers, k=when: montecarlo(
                scenario, n, backend=b, workers=w, chunk_size=CHUNK, **k), args.repeat)
            where = "in-process" if workers is None else f"{workers} processes"
            figures[f"{label} {where}"] = seconds
            print(f"{label:>9} {where:>12}: {seconds:.2f} s  ({n / seconds:,.0f} samples/s)")
            rows.append({"benchmark": f"Monte Carlo {SCENARIO} {label}, {where}", "size": f"{n:,} samples",
                         "rate": f"{n / seconds:,.0f} samples/s"})
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump({"machine": machine(), "samples": n, "seconds": figures, "readme": rows}, fh, indent=2)


if __name__ == "__main__":
    main()
