"""Benchmark: the operations twin, 10,000 satellites x 24 h at 60-s steps (14.4 M satellite-steps).

Reports satellite-steps per second (jobs included), the wall time against the issue's target (< 10 s, < 4 GB),
the scheduler's own cost per step (``twin.jobs``: ISL graph, placement, checkpoint/restart; CPU time of
``jobs.chunk`` + ``jobs.step`` per step, for inference, training and mixed workloads) and the ratio to
orbital-compute's published 12 satellites x 24 h in 2.96 s (issue 14), for both propagation modes: every satellite
by SGP4 (``formation="sgp4"``) and the cluster centres by SGP4 with members held in formation (``"rigid"``). Peak
memory is the process's maximum resident set. Run: ``python benchmarks/bench_twin.py [--samples 10000]
[--hours 24]``. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import resource
import time

from _timing import write_report

#: orbital-compute (the only other open operations simulator): 12 satellites x 24 h in 2.96 s (issue 14).
ORBITAL_COMPUTE_SAT_STEPS_PER_S = 12 * 1440 / 2.96


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=10_000, help="Satellites.")
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--step", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", dest="json_path", default=None, help="Write the figures to this JSON file.")
    args = parser.parse_args()
    from terawatt.twin import twin

    twin(None, satellites=81, hours=1.0, step_s=args.step)  # warm-up: imports, DE421, the dose map
    sat_steps = args.samples * int(args.hours * 3600 / args.step)
    rows, report = [], {"satellites": args.samples, "hours": args.hours, "step_s": args.step}
    for formation in ("rigid", "sgp4"):
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            twin(None, satellites=args.samples, hours=args.hours, step_s=args.step, formation=formation)
            best = min(best, time.perf_counter() - t0)
        rate = sat_steps / best
        ratio = rate / ORBITAL_COMPUTE_SAT_STEPS_PER_S
        print(f"{formation:>5}: {args.samples:,} satellites x {args.hours:g} h at {args.step:g} s = {sat_steps:,} "
              f"satellite-steps in {best:.2f} s ({rate:,.0f}/s, {ratio:,.0f}x orbital-compute)")
        report[f"{formation}_s"] = best
        rows.append({"benchmark": f"operations twin, formation={formation}",
                     "size": f"{args.samples:,} satellites x {args.hours:g} h at {args.step:g} s",
                     "rate": f"{rate / 1e6:.2f} M satellite-steps/s ({best:.1f} s; {ratio:,.0f}x orbital-compute)"})
    rows += _scheduler_cost(args)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux
    print(f"peak memory {peak_gb:.2f} GB (target < 4 GB); target < 10 s")
    report.update({"peak_rss_gb": peak_gb, "readme": rows})
    write_report(args.json_path, report)


def _scheduler_cost(args: argparse.Namespace) -> list[dict[str, str]]:
    """CPU time [ms] per step spent in the scheduler (jobs.chunk + jobs.step), by workload kind (rigid runs)."""
    from terawatt.twin import jobs, twin

    spent = {"s": 0.0}

    def timed(f):
        def run(*a, **k):
            t0 = time.process_time()
            try:
                return f(*a, **k)
            finally:
                spent["s"] += time.process_time() - t0
        return run

    chunk, step = jobs.chunk, jobs.step
    jobs.chunk, jobs.step = timed(chunk), timed(step)
    rows = []
    try:
        for kind in ("inference", "training", "mixed"):
            spent["s"] = 0.0
            ds = twin(None, satellites=args.samples, hours=args.hours, step_s=args.step, formation="rigid",
                      overrides=[f"workload.kind={kind}"])
            ms = 1e3 * spent["s"] / ds.attrs["steps"]
            print(f"scheduler, {kind:>9}: {ms:.2f} ms CPU per step ({ds.attrs['twin.training_jobs']:,} jobs, "
                  f"{ds.attrs['twin.inference_replicas']:,} replicas, {ds.attrs['twin.isl_rebuilds']} ISL rebuilds)")
            rows.append({"benchmark": f"operations twin: scheduler + ISL graph, workload.kind={kind}",
                         "size": f"{args.samples:,} satellites, {ds.attrs['twin.training_jobs']:,} jobs + "
                                 f"{ds.attrs['twin.inference_replicas']:,} replicas",
                         "rate": f"{ms:.2f} ms CPU per step"})
    finally:
        jobs.chunk, jobs.step = chunk, step
    return rows


if __name__ == "__main__":
    main()
