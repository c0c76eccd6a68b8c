"""Benchmark: optimise 6 design levers of the default scenario (compute power per satellite, eclipse policy,
shielding, altitude, spare fraction, satellite lifetime) for the cost per delivered GPU-hour, on one core.

Every generation of the differential evolution is one population evaluated in one pass through the vectorized
model; the rate is compared with evaluating the same designs one call at a time. Run:
``python benchmarks/bench_optimize.py [--repeat 3]``. Timings are reported, never asserted (target: < 5 s).
"""

from __future__ import annotations

import argparse
import json
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target says
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from _timing import best_of, machine  # noqa: E402

import terawatt  # noqa: E402
from terawatt.studies.optimize import optimize  # noqa: E402

LEVERS = ["satellite.compute_power_w", "orbit.eclipse_policy", "radiation.shielding_mm_al", "orbit.altitude_km",
          "orbital_ops.spare_fraction", "satellite.lifetime_yr"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", dest="json_path", default=None, help="Write the figures to this JSON file.")
    args = parser.parse_args()
    scenario = terawatt.load_scenario()
    result = {}

    def run() -> None:
        result["opt"] = optimize(scenario, LEVERS, seed=0)

    seconds = best_of(run, args.repeat)
    opt = result["opt"]
    # The same number of designs one call at a time (timed on a sample of 200, scaled).
    rng = np.random.default_rng(0)
    designs = [{lv.name: lv.values(rng.uniform(*lv.span)).item() for lv in opt.levers} for _ in range(200)]

    def one_by_one() -> None:
        for d in designs:
            terawatt.evaluate(scenario.with_overrides(d))

    per_design = best_of(one_by_one, 1) / len(designs)
    serial = per_design * opt.evaluations
    base, best = opt.baseline_outputs["orbital.cost_per_gpu_hour_usd"], opt.outputs["orbital.cost_per_gpu_hour_usd"]
    print(f"{len(LEVERS)} levers, {opt.evaluations:,} designs: {seconds:.2f} s ({opt.evaluations / seconds:,.0f} "
          f"designs/s); one call per design would take ~{serial:.1f} s ({serial / seconds:.0f}x)")
    print(f"cost per delivered GPU-hour {base:.3f} -> {best:.3f} USD; on a bound: {opt.on_bound or 'none'}")
    if args.json_path:
        report = {
            "machine": machine(), "levers": LEVERS, "seconds": seconds, "evaluations": opt.evaluations,
            "one_call_per_design_s": serial,
            "readme": [{"benchmark": "optimize 6 levers (default scenario, one core)",
                        "size": f"{opt.evaluations:,} designs",
                        "rate": f"{seconds:.2f} s ({opt.evaluations / seconds:,.0f} designs/s; "
                                f"{serial / seconds:.0f}x one call per design)"}],
        }
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)


if __name__ == "__main__":
    main()
