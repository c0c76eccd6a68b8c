"""Benchmark: a whole Monte Carlo study (sampling, inverse CDFs, validation, design + TCO, summaries).

``terawatt montecarlo musk-2026 -n 100000`` in one year and over 2026-2045, in-process and on 2 local processes
(the results are bitwise identical; only the time differs), each run with a new seed so that its sampling blocks
are drawn, not taken from the cache of the run before. Reports samples per second.

Streamed to disk (``--out DIR``): ``--stream-samples`` samples (default 1e7: issue 10 asks for 1e7 samples streamed in
< 2 GB peak memory; its 10-s figure for 1e7 samples is design + TCO's, ``bench_evaluate.py``) of design + TCO in
2030, in a fresh process each, in-process and on ``--workers`` processes (Latin hypercube, the default: the sliced
design of :mod:`terawatt.studies.latin_hypercube`), and in-process with ``--sampler random``: samples/s of
the whole study (sampling, evaluation, Parquet writes, the summaries kept while streaming and finished at the
end), its wall and CPU time (the process and its workers: on a shared machine the CPU time is what one core
spends), the CPU time of each phase in-process (:data:`PHASES`; the model's outputs computed when a chunk's
columns are read are model time, shown apart), the CPU time of reopening the folder and summarising it again
(``terawatt.load_montecarlo(DIR).to_dict()``), the peak resident memory of the process tree (``getrusage``
maximum RSS of the run and of its largest worker), and the floor under the Parquet phase: the CPU time the operating
system spends writing the same bytes into new files with one ``os.write`` each (:func:`_write_floor`; every writer
of these files pays it, whatever encodes them). Run: ``python benchmarks/bench_montecarlo.py
[--samples 100000] [--workers 2] [--stream-samples N]``. Timings and memory are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from itertools import count

from _timing import best_of, machine

import terawatt
from terawatt.studies.montecarlo import montecarlo

SCENARIO = "musk-2026"
CHUNK = 16384


#: Where the CPU time of an in-process streamed run goes: (label, module, attribute) of the functions timed. The
#: model's outputs are computed when first read (``terawatt.outputs``), i.e. when a chunk's output columns are
#: gathered after ``evaluate`` returns: that is model time too, reported on its own.
PHASES = (("sampling", "terawatt.studies.uncertainty", "SampleDesign.rows"),
          ("model", "terawatt.model", "evaluate"),
          ("model outputs read", "terawatt.results", "Result.__getitem__"),
          ("parquet", "terawatt.studies.population", "ParquetSink.write"),
          ("summaries while streaming", "terawatt.studies.montecarlo", "StreamDigest.add"))


def _time_phases() -> dict[str, float]:
    """Wrap the functions of :data:`PHASES` so that each adds its CPU time to the returned dict (this process).
    Exclusive: a timed function called inside another (an output read inside ``evaluate``) counts in the outer."""
    import importlib

    spent = dict.fromkeys([label for label, _, _ in PHASES], 0.0)
    active = [0]  # timed calls in progress
    for label, module, name in PHASES:
        owner = importlib.import_module(module)
        *path, attr = name.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, attr)

        def timed(*args, _f=original, _label=label, **kwargs):  # noqa: ANN002, ANN003 - a transparent wrapper
            if active[0]:
                return _f(*args, **kwargs)
            active[0] += 1
            t0 = time.process_time()
            try:
                return _f(*args, **kwargs)
            finally:
                spent[_label] += time.process_time() - t0
                active[0] -= 1

        setattr(owner, attr, timed)
    return spent


def _write_floor(folder: str, most: int = 16) -> float:
    """CPU time [s] of writing the bytes of the run's chunk files again, into new files of a scratch folder with one
    ``os.write`` each (the page-cache copy of the operating system, in the kernel): at most ``most`` files, evenly
    spread over the run, the figure scaled to all of them. The floor under the Parquet phase, whatever encodes the
    files."""
    import os
    from pathlib import Path

    files = sorted(Path(folder).glob("chunk-*.parquet"))
    if not files:
        return 0.0
    picked = files[:: max(1, -(-len(files) // most))]
    spent = 0.0
    with tempfile.TemporaryDirectory(prefix="terawatt-floor-", dir=Path(folder).parent) as scratch:
        for k, path in enumerate(picked):
            data = memoryview(path.read_bytes())
            start = time.process_time()
            fd = os.open(f"{scratch}/{k}", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
            try:
                while data:
                    data = data[os.write(fd, data):]
            finally:
                os.close(fd)
            spent += time.process_time() - start
            os.unlink(f"{scratch}/{k}")  # (not timed) the scratch folder never holds more than one file
    return spent * len(files) / len(picked)


def _child(n: int, workers: int, folder: str, sampler: str = "lhs") -> None:
    """One streamed run in this (fresh) process; prints its figures as JSON (in-process: with the CPU time of
    each phase)."""
    phases = _time_phases() if workers == 0 else {}
    scenario = terawatt.load_scenario(SCENARIO)
    start, cpu = time.perf_counter(), time.process_time()
    mc = montecarlo(scenario, n, year=2030, out=folder, chunk_size=65536, sampler=sampler,
                    backend="serial" if workers == 0 else "processes", workers=workers or None)
    run, after = time.perf_counter() - start, time.process_time()
    summary = mc.to_dict()
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    if phases:
        phases["summaries at the end"] = time.process_time() - after
        phases = dict(phases)  # as they stand: the reopened run's pass below calls StreamDigest.add too
    reopen = time.process_time()  # the folder reopened and summarised (terawatt.load_montecarlo(DIR).to_dict())
    again = terawatt.load_montecarlo(folder).to_dict()
    reopen = time.process_time() - reopen
    assert again["percentiles"] == summary["percentiles"]
    floor = _write_floor(folder) if phases else None
    from pathlib import Path

    from terawatt.studies.uncertainty import model_uncertainty_space

    written = sum(p.stat().st_size for p in Path(folder).glob("chunk-*.parquet"))
    sampled = len(model_uncertainty_space(scenario).names)
    print(json.dumps({"run_s": run, "total_s": total, "cpu_s": cpu + kids.ru_utime + kids.ru_stime, "phases": phases,
                      "peak_rss_bytes": own, "worker_peak_rss_bytes": kids.ru_maxrss * 1024,
                      "p_orbit_cheaper": summary["p_orbit_cheaper"], "reopen_cpu_s": reopen,
                      "parquet_write_floor_s": floor, "written_bytes": written, "sampled_inputs": sampled}))


def streamed(n: int, workers: int, sampler: str = "lhs") -> dict:
    """Figures of one streamed run of ``n`` samples (``workers`` = 0: in-process) in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="terawatt-bench-") as tmp:
        proc = subprocess.run([sys.executable, __file__, "--child", str(n), str(workers), f"{tmp}/run", sampler],
                              capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        _child(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--stream-samples", type=int, default=10_000_000,
                        help="Samples of the runs streamed to disk (0: skip them).")
    parser.add_argument("--json", dest="json_path", default=None, help="Write the figures to this JSON file.")
    args = parser.parse_args()
    n = args.samples
    scenario = terawatt.load_scenario(SCENARIO)
    montecarlo(scenario, 1000, year=2030)  # warm the caches (registry, tables)
    cases = {"2030": {"year": 2030}, "2026-2045": {"start": 2026, "end": 2045}}
    rows, figures = [], {}
    seeds = count(1)  # a new seed per run: the sampling blocks of one run are never reused from the cache
    for label, when in cases.items():
        for backend, workers in (("serial", None), ("processes", args.workers)):
            seconds = best_of(lambda b=backend, w=workers, k=when: montecarlo(
                scenario, n, seed=next(seeds), backend=b, workers=w, chunk_size=CHUNK, **k), args.repeat)
            where = "in-process" if workers is None else f"{workers} processes"
            figures[f"{label} {where}"] = seconds
            print(f"{label:>9} {where:>12}: {seconds:.2f} s  ({n / seconds:,.0f} samples/s)")
            rows.append({"benchmark": f"Monte Carlo {SCENARIO} {label}, {where}", "size": f"{n:,} samples",
                         "rate": f"{n / seconds:,.0f} samples/s"})
    for workers, sampler in ((0, "lhs"), (args.workers, "lhs"), (0, "random")) if args.stream_samples else ():
        got = streamed(args.stream_samples, workers, sampler)
        where = ("in-process" if workers == 0 else f"{workers} processes") + (
            "" if sampler == "lhs" else f", --sampler {sampler}")
        peak = max(got["peak_rss_bytes"], got["worker_peak_rss_bytes"]) / 2**30
        rate = args.stream_samples / got["total_s"]
        figures[f"streamed {where}"] = got
        print(f"streamed {where}: {got['total_s']:.1f} s wall ({got['run_s']:.1f} s run + "
              f"{got['total_s'] - got['run_s']:.1f} s summaries), {got['cpu_s']:.1f} s CPU, {rate:,.0f} samples/s, "
              f"peak RSS {peak:.2f} GiB (main {got['peak_rss_bytes'] / 2**30:.2f}, largest worker "
              f"{got['worker_peak_rss_bytes'] / 2**30:.2f})")
        if got["phases"]:
            other = got["cpu_s"] - sum(got["phases"].values())
            print("   CPU by phase: " + ", ".join(f"{k} {v:.1f} s" for k, v in got["phases"].items())
                  + f", the rest (chunk assembly, text columns, manifest, imports, result) {other:.1f} s; "
                  f"reopened with load_montecarlo and summarised: {got['reopen_cpu_s']:.1f} s CPU")
            print(f"   floor under the Parquet phase: the operating system's write of the same bytes (one os.write "
                  f"per file, new files) {got['parquet_write_floor_s']:.1f} s CPU")
        rows.append({"benchmark": f"Monte Carlo {SCENARIO} 2030 streamed to Parquet (--out), {where}",
                     "size": f"{args.stream_samples:,} samples",
                     "rate": f"{got['cpu_s']:.1f} s CPU ({args.stream_samples / got['cpu_s']:,.0f} samples/s per "
                             f"core), {got['total_s']:.1f} s wall, peak RSS {peak:.2f} GiB (target 2 GB); it also "
                             f"samples {got['sampled_inputs']} inputs and writes {got['written_bytes'] / 1e9:.1f} GB "
                             "of Parquet (the 10-s target is design + TCO's, bench_evaluate.py)"})
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump({"machine": machine(), "samples": n, "seconds": figures, "readme": rows}, fh, indent=2)


if __name__ == "__main__":
    main()
