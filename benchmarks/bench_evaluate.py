"""Benchmark: samples per second of the whole design + TCO chain (terawatt.evaluate) on one process.

Reports samples/s at 1e5 and 1e6 samples with (a) the orbit fixed and (b) the altitude varying per sample (the
eclipse statistics then come from the interpolation table), the cost of scenario validation, and the speed-up of
one vectorized pass over a loop of scalar evaluations. Run: ``python benchmarks/bench_evaluate.py [--json FILE]``.
Timings are the best of ``--repeat`` runs after one warm-up; they are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from _timing import best_of, machine

import terawatt


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




def _readme_rows(rows: list[dict], t_loop: float, speedup: float) -> list[dict[str, str]]:
    """Rows of the README's performance table (read by tools/make_docs.py)."""
    out = []
    for vary, label in ((False, "design + environment + TCO, orbit fixed"), (True, "altitude varies per sample")):
        mine = [r for r in rows if r["orbit_varies"] == vary]
        out.append(
            {
                "benchmark": label,
                "size": " / ".join(f"{r['samples']:.0e}".replace("e+0", "e") for r in mine) + " samples",
                "rate": " / ".join(f"{r['evaluate_samples_per_s'] / 1e6:.2f} M" for r in mine) + " samples/s",
            }
        )
    out.append(
        {
            "benchmark": "one scalar evaluate (after warm-up)",
            "size": "1 sample",
            "rate": f"{t_loop * 1e3:.2f} ms; a vectorized pass is {speedup:,.0f}x faster per sample",
        }
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", dest="json_path", default=None, help="Write the figures to this JSON file.")
    args = parser.parse_args()

    rows = []
    for vary in (False, True):
        for n in args.sizes:
            overrides = _samples(n, vary)
            scenario = terawatt.load_scenario("baseline-2026", overrides)
            t_eval = best_of(lambda sc=scenario: terawatt.evaluate(sc), args.repeat)
            t_load = best_of(lambda ov=overrides: terawatt.load_scenario("baseline-2026", ov), args.repeat)
            rows.append(
                {
                    "samples": n,
                    "orbit_varies": vary,
                    "evaluate_s": t_eval,
                    "evaluate_samples_per_s": n / t_eval,
                    "load_and_validate_s": t_load,
                    "end_to_end_samples_per_s": n / (t_eval + t_load),
                }
            )

    n_loop = 50
    loop_overrides = _samples(n_loop, False)
    scalar = [
        terawatt.load_scenario("baseline-2026", {k: float(v[i]) for k, v in loop_overrides.items()})
        for i in range(n_loop)
    ]
    t_loop = best_of(lambda: [terawatt.evaluate(s) for s in scalar], 1) / n_loop
    vectorized = next(r for r in rows if r["samples"] == max(args.sizes) and not r["orbit_varies"])
    report = {
        "machine": machine(),
        "rows": rows,
        "scalar_evaluate_s": t_loop,
        "speedup_vectorized_vs_scalar_loop": t_loop * vectorized["evaluate_samples_per_s"],
    }
    report["readme"] = _readme_rows(rows, t_loop, report["speedup_vectorized_vs_scalar_loop"])
    print(
        f"{'samples':>10} {'orbit varies':>12} {'evaluate [samples/s]':>21} {'with validation [samples/s]':>28}"
    )
    for r in rows:
        print(
            f"{r['samples']:>10,} {r['orbit_varies']!s:>12} {r['evaluate_samples_per_s']:>21,.0f} "
            f"{r['end_to_end_samples_per_s']:>28,.0f}"
        )
    print(
        f"one scalar evaluate: {t_loop * 1e3:.2f} ms; vectorized pass is "
        f"{report['speedup_vectorized_vs_scalar_loop']:,.0f}x faster per sample"
    )
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)


if __name__ == "__main__":
    main()
