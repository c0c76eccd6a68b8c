"""Benchmark: Monte Carlo over time and over the build-out (the two targets of issue 10).

- ``terawatt montecarlo musk-2026 -n 10000 --from 2026 --to 2045``: 10,000 samples x 20 years of timeline (sampling,
  design + TCO of samples x years in one pass, crossover years); target < 0.5 s.
- ``terawatt montecarlo musk-terawatt --study buildout -n 10000``: 10,000 build-out trajectories of 25 years;
  target < 1 s. Also reported: the share of that time spent inside ``studies.buildout.buildout`` (the
  simulation and the per-year model evaluation it runs), the rest being sampling and summaries.

Run: ``python benchmarks/bench_montecarlo_buildout.py [--samples 10000]``. Timings are reported, never asserted.
"""

from __future__ import annotations

import time
from functools import partial

from _timing import best_of, options, write_report

import terawatt
import terawatt.studies.buildout as buildout_module
from terawatt.studies.montecarlo import montecarlo
from terawatt.studies.montecarlo_buildout import montecarlo_buildout


def _share_inside_buildout(scenario: terawatt.Scenario, n: int) -> float:
    """Share of one build-out Monte Carlo of ``n`` trajectories spent inside ``buildout()``."""
    original = buildout_module.buildout
    spent = [0.0]

    def timed(*args, **kwargs):  # noqa: ANN002, ANN003 - a transparent wrapper
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t0

    buildout_module.buildout = timed
    try:
        t0 = time.perf_counter()
        montecarlo_buildout(scenario, n)
        total = time.perf_counter() - t0
    finally:
        buildout_module.buildout = original
    return spent[0] / total


def main() -> None:
    args = options(__doc__)
    n = args.samples
    cost = terawatt.load_scenario("musk-2026")
    build = terawatt.load_scenario("musk-terawatt")
    years_run = partial(montecarlo, cost, n, start=2026, end=2045)
    build_run = partial(montecarlo_buildout, build, n)
    t_years, t_build = best_of(years_run, args.repeat), best_of(build_run, args.repeat)
    cpu_years = best_of(years_run, args.repeat, time.process_time)
    cpu_build = best_of(build_run, args.repeat, time.process_time)
    inside = _share_inside_buildout(build, n)
    print(f"Monte Carlo musk-2026, {n:,} samples x 20 years: {t_years:.3f} s wall, {cpu_years:.3f} s CPU "
          f"({n * 20 / t_years:,.0f} sample-years/s; target < 0.5 s at 10,000)")
    print(f"Monte Carlo musk-terawatt build-out, {n:,} trajectories x 25 years: {t_build:.3f} s wall, "
          f"{cpu_build:.3f} s CPU ({n / t_build:,.0f} trajectories/s; target < 1 s at 10,000); {inside:.0%} of it "
          "inside studies.buildout.buildout")
    write_report(args.json_path, {
        "samples": n,
        "years_s": t_years,
        "buildout_s": t_build,
        "years_cpu_s": cpu_years,
        "buildout_cpu_s": cpu_build,
        "buildout_share_inside": inside,
        "readme": [
            {"benchmark": "Monte Carlo musk-2026 over 2026-2045", "size": f"{n:,} samples x 20 years",
             "rate": f"{t_years:.2f} s ({n * 20 / t_years / 1e6:.1f} M sample-years/s)"},
            {"benchmark": "Monte Carlo musk-terawatt build-out", "size": f"{n:,} trajectories x 25 years",
             "rate": f"{t_build:.2f} s ({n / t_build:,.0f} trajectories/s)"},
        ],
    })

if __name__ == "__main__":
    main()
