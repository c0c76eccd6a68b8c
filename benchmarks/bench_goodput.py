"""Benchmark: the cost of the orbit's training goodput under bursty radiation (issue 14), one process.

- ``radiation.modulated_goodput_fraction`` (three dose-rate states, closed form) against Daly's constant-rate
  ``radiation.goodput_fraction`` on the same samples (a fixed orbit's 0-d state statistics, per-sample rates);
- a chunk of design + TCO (``terawatt.evaluate``, ``comparison.cost_ratio`` read) with ``workload.kind`` =
  training (the modulated goodput computed) against inference (deferred: computed only if
  ``orbital.training_goodput_fraction`` is read), the orbit fixed; and the same with a radiation input sampled
  (``radiation.hbm_uecc_per_chip_per_rad``: per-sample interrupt rates, so the modulated goodput runs on every
  sample instead of once on the fixed orbit's scalars).

CPU time of this process (``time.process_time``), best of ``--repeat`` after one warm-up; reported, never asserted.

Run: ``python benchmarks/bench_goodput.py [--samples 65536] [--repeat 5] [--json FILE]``.
"""

from __future__ import annotations

import time

import numpy as np
from _timing import best_of, options, write_report

import terawatt
from terawatt._arrays import tune_allocator
from terawatt.physics import radiation


def main() -> None:
    args = options(__doc__, samples=65536, repeat=5)
    tune_allocator()
    n = args.samples
    rng = np.random.default_rng(0)
    stats = radiation.burst_statistics(650.0, np.nan, 10.0)
    lam = rng.uniform(0.5, 5.0, n)
    per_state = lam[None] * np.array([0.05, 4.0, 25.0])[:, None]
    delta, restart = rng.uniform(3e-4, 0.1, n), rng.uniform(0.03, 0.5, n)

    def modulated() -> None:
        radiation.modulated_goodput_fraction(per_state, stats.occupancy, stats.crossings_per_h, delta, restart)

    t_mod = best_of(modulated, args.repeat, time.process_time)
    t_daly = best_of(lambda: radiation.goodput_fraction(lam, delta, restart), args.repeat, time.process_time)
    overrides = {"launch.price_usd_per_kg": rng.uniform(20.0, 3000.0, n),
                 "workload.checkpoint_cost_h": delta, "workload.restart_cost_h": restart}
    sampled = {**overrides, "radiation.hbm_uecc_per_chip_per_rad": rng.uniform(0.0196, 0.026, n)}
    runs = {}
    for name, kind, over in (("training", "training", overrides), ("inference", "inference", overrides),
                             ("training, radiation sampled", "training", sampled),
                             ("inference, radiation sampled", "inference", sampled)):
        sc = terawatt.load_scenario(None, {**over, "workload.kind": kind})
        runs[name] = best_of(lambda sc=sc: terawatt.evaluate(sc)["comparison.cost_ratio"], args.repeat,
                             time.process_time)
    rows = {"modulated goodput (3 states)": t_mod, "Daly constant rate": t_daly,
            **{f"design + TCO, {name}": t for name, t in runs.items()}}
    print(f"{n:,} samples, CPU time, best of {args.repeat}")
    for name, t in rows.items():
        print(f"  {name:46s} {t * 1e3:8.1f} ms  {n / t / 1e6:6.2f} M samples/s")
    readme = [
        {"benchmark": "training goodput under the three dose-rate states (modulated renewal, closed form)",
         "size": f"{n:,} samples", "rate": f"{t_mod * 1e3:.1f} ms CPU (Daly's constant-rate form "
         f"{t_daly * 1e3:.1f} ms)"},
        {"benchmark": "design + TCO with per-sample checkpoint costs, training / inference",
         "size": f"{n:,} samples", "rate": f"{runs['training'] * 1e3:.1f} / {runs['inference'] * 1e3:.1f} ms CPU "
         "(inference defers the training goodput)"},
    ]
    write_report(args.json_path, {"samples": n, **{k: v for k, v in rows.items()}, "readme": readme})


if __name__ == "__main__":
    main()
