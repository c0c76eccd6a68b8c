"""Benchmark: Sobol indices of the default scenario's cost ratio with 6 uncertain inputs at N = 2^14 base samples
(SALib's Sobol' design, N (d + 2) = 131,072 model runs, SALib's analysis with 100 bootstrap resamples), and a PRIM
discovery on ``musk-2026`` in 2035 (10,000 samples of 40 inputs).

The 6 inputs are the scenario's first six Sobol drivers; the other uncertain inputs are fixed at their central
values (as ``--set`` would). Run: ``python benchmarks/bench_sensitivity.py [--base 16384]``. Timings are reported,
never asserted (issue 10 target: < 10 s for the Sobol run).
"""

from __future__ import annotations

import argparse
import json

from _timing import best_of, machine

import terawatt
from terawatt.studies.discovery import discover
from terawatt.studies.sensitivity import sensitivity
from terawatt.studies.uncertainty import model_uncertainty_space

INPUTS = ("satellite.lifetime_yr", "launch.vehicle_price_factor", "workload.hardware_lifetime_yr",
          "satellite.bus_mass_fraction", "thermal.areal_mass_kg_per_m2", "solar.array_specific_power_w_per_kg")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", type=int, default=2**14, help="Sobol base samples N (a power of 2).")
    parser.add_argument("--samples", type=int, default=10_000, help="Samples of the discovery run.")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", dest="json_path", default=None, help="Write the figures to this JSON file.")
    args = parser.parse_args()
    scenario = terawatt.load_scenario(None)
    fixed = [name for name in model_uncertainty_space(scenario).names if name not in INPUTS]
    runs = args.base * (len(INPUTS) + 2)
    sobol = best_of(lambda: sensitivity(scenario, "sobol", n=args.base, fixed=fixed), args.repeat)
    print(f"Sobol, {len(INPUTS)} inputs, N = {args.base:,} ({runs:,} runs): {sobol:.2f} s ({runs / sobol:,.0f} runs/s)")
    musk = terawatt.load_scenario("musk-2026")
    prim = best_of(lambda: discover(musk, 2035, n=args.samples), args.repeat)
    d = len(model_uncertainty_space(musk).names)
    print(f"discover musk-2026 2035, {args.samples:,} samples x {d} inputs: {prim:.2f} s")
    rows = [{"benchmark": f"Sobol indices of the cost ratio, {len(INPUTS)} inputs (SALib, 100 bootstrap resamples)",
             "size": f"N = {args.base:,} ({runs:,} runs)", "rate": f"{sobol:.2f} s ({runs / sobol:,.0f} runs/s)"},
            {"benchmark": f"PRIM discovery, musk-2026 in 2035, {d} inputs (sampling, model, peeling, pasting)",
             "size": f"{args.samples:,} samples", "rate": f"{prim:.2f} s"}]
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump({"machine": machine(), "seconds": {"sobol": sobol, "discover": prim}, "readme": rows}, fh,
                      indent=2)


if __name__ == "__main__":
    main()
