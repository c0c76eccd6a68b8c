"""Benchmark: Monte Carlo over time and over the build-out (the two targets of issue 10).

- ``terawatt montecarlo musk-2026 -n 10000 --from 2026 --to 2045``: 10,000 samples x 20 years of timeline (sampling,
  design + TCO of samples x years in one pass, crossover years); target < 0.5 s.
- ``terawatt montecarlo musk-terawatt --study buildout -n 10000``: 10,000 build-out trajectories of 25 years;
  target < 1 s. Also reported: the share of that time spent inside ``studies.buildout.buildout`` (the
  simulation and the per-year model evaluation it runs), the rest being sampling and summaries, and the share
  spent in the supply chains (``terawatt.supply.simulate_supply``, inside the build-out).
- The same with four more supply parameters sampled (an ``uncertainty:`` block, uniform over each literature
  range): the packaging build and ramp times, the cell-line ramp and the Terafab ramp. With them every supply
  link's cohort kernel is per sample, the slowest path of ``terawatt.supply.chain``.

Wall time is the best of ``--repeat`` runs; CPU time (``time.process_time``, best of as many) is the figure to
read on a shared machine.

Run: ``python benchmarks/bench_montecarlo_buildout.py [--samples 10000]``. Timings are reported, never asserted.
"""

from __future__ import annotations

import dataclasses
import time
from functools import partial

from _timing import best_of, options, write_report

import terawatt
import terawatt.studies.buildout as buildout_module
import terawatt.studies.buildout_supply as buildout_supply
from terawatt.studies.montecarlo import montecarlo
from terawatt.studies.montecarlo_buildout import montecarlo_buildout


def _shares_inside(scenario: terawatt.Scenario, n: int) -> dict[str, float]:
    """Shares of one build-out Monte Carlo of ``n`` trajectories spent inside ``buildout()`` (the simulation and the
    per-year model evaluation it runs) and, within it, inside the supply chains (``simulate_supply``)."""
    spent = {"buildout": 0.0, "supply": 0.0}
    patched = {"buildout": (buildout_module, "buildout"), "supply": (buildout_supply, "simulate_supply")}
    originals = {key: getattr(module, name) for key, (module, name) in patched.items()}

    def timed(key: str):  # noqa: ANN202 - a transparent wrapper
        def call(*args, **kwargs):  # noqa: ANN002, ANN003
            t0 = time.perf_counter()
            try:
                return originals[key](*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - t0

        return call

    for key, (module, name) in patched.items():
        setattr(module, name, timed(key))
    try:
        t0 = time.perf_counter()
        montecarlo_buildout(scenario, n)
        total = time.perf_counter() - t0
    finally:
        for key, (module, name) in patched.items():
            setattr(module, name, originals[key])
    return {key: value / total for key, value in spent.items()}


#: The supply parameters the registry gives no distribution, sampled in the second build-out case (uniform over
#: their literature ranges, ``src/terawatt/params/supply.yaml`` and ``buildout.yaml``).
MORE_SUPPLY = {"supply.packaging_build_yr": (0.75, 1.5), "supply.packaging_ramp_yr": (0.5, 2.0),
               "supply.cell_ramp_yr": (0.5, 2.0), "supply.terafab_ramp_yr": (3.0, 8.0)}


def main() -> None:
    args = options(__doc__)
    n = args.samples
    cost = terawatt.load_scenario("musk-2026")
    build = terawatt.load_scenario("musk-terawatt")
    more = dataclasses.replace(build, uncertainty={k: {"kind": "uniform", "low": lo, "high": hi}
                                                   for k, (lo, hi) in MORE_SUPPLY.items()})
    years_run = partial(montecarlo, cost, n, start=2026, end=2045)
    runs = {"default": partial(montecarlo_buildout, build, n), "more supply": partial(montecarlo_buildout, more, n)}
    t_years = best_of(years_run, args.repeat)
    cpu_years = best_of(years_run, args.repeat, time.process_time)
    wall = {k: best_of(f, args.repeat) for k, f in runs.items()}
    cpu = {k: best_of(f, args.repeat, time.process_time) for k, f in runs.items()}
    inside = _shares_inside(build, n)
    print(f"Monte Carlo musk-2026, {n:,} samples x 20 years: {t_years:.3f} s wall, {cpu_years:.3f} s CPU "
          f"({n * 20 / t_years:,.0f} sample-years/s; target < 0.5 s at 10,000)")
    for case in runs:
        extra = (f"; {inside['buildout']:.0%} of it inside studies.buildout.buildout, {inside['supply']:.0%} in the "
                 f"supply chains" if case == "default" else "")
        print(f"Monte Carlo musk-terawatt build-out ({case}), {n:,} trajectories x 25 years: {wall[case]:.3f} s "
              f"wall, {cpu[case]:.3f} s CPU ({n / cpu[case]:,.0f} trajectories/s per core; target < 1 s at "
              f"10,000){extra}")
    labels = {"default": "", "more supply": ", 4 more supply parameters sampled"}
    write_report(args.json_path, {
        "samples": n,
        "years_s": t_years,
        "buildout_s": wall["default"],
        "years_cpu_s": cpu_years,
        "buildout_cpu_s": cpu["default"],
        "buildout_more_supply_s": wall["more supply"],
        "buildout_more_supply_cpu_s": cpu["more supply"],
        "buildout_share_inside": inside["buildout"],
        "buildout_share_supply": inside["supply"],
        "readme": [
            {"benchmark": "Monte Carlo musk-2026 over 2026-2045", "size": f"{n:,} samples x 20 years",
             "rate": f"{t_years:.2f} s ({n * 20 / t_years / 1e6:.1f} M sample-years/s)"},
            *({"benchmark": f"Monte Carlo musk-terawatt build-out{labels[case]}",
               "size": f"{n:,} trajectories x 25 years",
               "rate": f"{cpu[case]:.2f} s CPU, {wall[case]:.2f} s wall (target 1 s)"} for case in runs),
        ],
    })


if __name__ == "__main__":
    main()
