"""Benchmark: build-out trajectories per second (25 years, N Monte Carlo samples simulated together).

Run: ``python benchmarks/bench_buildout.py [--samples 10000]``. Reports trajectories per second for one scalar
run and for N samples at once, and their ratio. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from _timing import best_of, machine

import terawatt
from terawatt.studies.buildout import buildout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", dest="json_path", default=None, help="Write the figures to this JSON file.")
    args = parser.parse_args()
    rng = np.random.default_rng(2)
    n = args.samples
    base = terawatt.load_scenario("musk-2026")
    sampled = base.with_overrides(
        {
            "buildout.demand_growth_per_yr": rng.uniform(0.15, 0.45, n),
            "buildout.split_elasticity": rng.uniform(2.0, 12.0, n),
            "supply.space_solar_growth_per_yr": rng.uniform(0.3, 0.9, n),
            "ground.turbine_gw_per_yr": rng.uniform(40.0, 90.0, n),
            "launch.lox_production_t_per_yr": rng.uniform(1e5, 1e7, n),
            "solar.array_specific_power_w_per_kg": rng.uniform(60.0, 150.0, n),
            # the supply chains (terawatt.supply), build times per sample included
            "supply.euv_productivity": rng.uniform(0.2, 0.55, n),
            "supply.hbm_wafer_per_bit_vs_ddr": rng.uniform(2.5, 3.5, n),
            "supply.fab_construction_yr": rng.uniform(2.0, 4.0, n),
            "supply.terafab_dram_share": rng.uniform(0.0, 0.85, n),
        }
    )
    t_one = best_of(lambda: buildout(base, 2026, 2050), args.repeat)
    t_many = best_of(lambda: buildout(sampled, 2026, 2050), args.repeat)
    print(f"one 25-year build-out: {t_one:.3f} s")
    print(f"{n:,} trajectories at once: {t_many:.3f} s ({n / t_many:,.0f} trajectories/s)")
    print(f"sampled run is {n * t_one / t_many:,.0f}x faster per trajectory than scalar runs")
    if args.json_path:
        report = {
            "machine": machine(),
            "samples": n,
            "one_s": t_one,
            "many_s": t_many,
            "readme": [
                {
                    "benchmark": "25-year build-out",
                    "size": f"1 / {n:,} trajectories",
                    "rate": f"{t_one:.3f} s / {n / t_many:,.0f} trajectories/s",
                }
            ],
        }
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)


if __name__ == "__main__":
    main()
