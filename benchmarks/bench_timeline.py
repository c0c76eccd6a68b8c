"""Benchmark: a 20-year timeline for 10,000 Monte Carlo samples at once (samples x years in one pass).

Reports the time of one pass against the issue-10 target (1e4 samples x 20 years < 0.5 s), sample-years per second
and the ratio to evaluating the 20 years one at a time. Run:
``python benchmarks/bench_timeline.py [--samples 10000] [--years 20]``. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from _timing import best_of, machine

import terawatt
from terawatt.studies.timeline import timeline

#: Issue 10 target for 1e4 samples x 20 years, one pass [s].
TARGET_S = 0.5

TRAJECTORIES = {
    "launch.price_usd_per_kg": {
        "kind": "learning",
        "learning_rate": 0.2,
        "cumulative": {"kind": "rate", "value": 1.0e4, "rate_per_yr": 0.6},
    },
    "solar.cost_usd_per_w": {"kind": "rate", "rate_per_yr": -0.08, "floor": 1.0},
    "terrestrial.electricity_price_usd_per_mwh": {"kind": "rate", "rate_per_yr": 0.01},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", dest="json_path", default=None, help="Write the figures to this JSON file.")
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    n = args.samples
    overrides = {
        "launch.price_usd_per_kg": rng.uniform(500.0, 4000.0, n),
        "solar.cost_usd_per_w": rng.uniform(2.0, 30.0, n),
        "thermal.areal_mass_kg_per_m2": rng.uniform(3.0, 10.0, n),
        "terrestrial.electricity_price_usd_per_mwh": rng.uniform(50.0, 150.0, n),
    }
    # Samples set the starting values; the trajectories (no explicit value) move each sample through the years.
    scenario = terawatt.load_scenario({"trajectories": TRAJECTORIES}).with_overrides(overrides)
    start, end = 2026, 2026 + args.years - 1

    def one_pass() -> None:
        timeline(scenario, start, end)

    def year_by_year() -> None:
        for year in range(start, end + 1):
            terawatt.evaluate(scenario.at_year(year))

    best = {label: best_of(fn, args.repeat) for label, fn in (("one pass", one_pass), ("year by year", year_by_year))}
    cells = n * args.years
    print(f"{n:,} samples x {args.years} years = {cells:,} sample-years")
    for label, seconds in best.items():
        target = f"  (target < {TARGET_S:g} s at 1e4 x 20)" if label == "one pass" else ""
        print(f"{label:>13}: {seconds:.3f} s  ({cells / seconds:,.0f} sample-years/s){target}")
    speedup = best["year by year"] / best["one pass"]
    print(f"one pass is {speedup:.2f}x the speed of year-by-year evaluation")
    if args.json_path:
        report = {
            "machine": machine(),
            "samples": n,
            "years": args.years,
            "one_pass_s": best["one pass"],
            "year_by_year_s": best["year by year"],
            "readme": [
                {
                    "benchmark": f"{args.years}-year timeline, one pass",
                    "size": f"{n:,} samples x {args.years} years",
                    "rate": f"{best['one pass']:.2f} s (target {TARGET_S:g} s), {cells / best['one pass'] / 1e6:.1f} M "
                    f"sample-years/s ({speedup:.1f}x year by year)",
                }
            ],
        }
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)


if __name__ == "__main__":
    main()
