"""Benchmark: the twin's operations layer per step for 10,000 satellites (ground passes, avoidance, array).

Times, on real SGP4 positions of one 64-step chunk, what :mod:`terawatt.twin.simulate` adds per chunk and step:
the ground-station tally (candidate grid + exact elevation against the model's 11 stations), the manoeuvre
draws, and the per-step avoidance outage and array-temperature update. Two shells: the default design's one
sun-synchronous plane (clusters of 81) and a 53 deg Walker shell of single satellites (every satellite in its own
slot: the most candidates near the stations). CPU time of the process (``time.process_time``, best of
``--repeat``: a figure that does not grow when other jobs share the cores). Run:
``python benchmarks/bench_twin_ops.py [--samples 10000]``. Timings are reported, never asserted.
"""

from __future__ import annotations

import time

import numpy as np
from _timing import best_of, options, write_report

CHUNK = 64


def main() -> None:
    args = options(__doc__, samples=10_000, repeat=5)
    from terawatt.twin import array, events, ground, manoeuvres
    from terawatt.twin.constellation import build_constellation, satrec_array
    from terawatt.twin.ephemeris import gmst_rad
    from terawatt.twin.simulate import DEFAULT_START, julian_date

    n = args.samples
    jd0 = julian_date(DEFAULT_START)
    sec = np.arange(CHUNK) * 60.0
    g = gmst_rad(jd0 + sec / 86400.0)
    stations = ground.load_stations(11)
    arr = array.ArrayThermal(1361.0, 0.9, 0.85, 0.85, 0.48, 0.3, 237.0, 2034.0, -0.0035, 333.0)
    shells = (("SSO plane, clusters of 81", build_constellation(n, 81, 1000.0, 650.0, 98.01, 18.0, True, jd0)),
              ("53 deg Walker, single satellites", build_constellation(n, 1, 0.0, 550.0, 53.0, 18.0, False, jd0)))
    rows, report = [], {"satellites": n, "chunk_steps": CHUNK}
    for label, const in shells:
        _, r, _ = satrec_array(const).sgp4(np.full(CHUNK, jd0), sec / 86400.0)
        lat, lon = events.geocentric_lat_lon_deg(r, g[None, :])
        tally = ground.GroundTally(stations, 25.0, n, 90.0)
        t_ground = best_of(lambda tally=tally, r=r, lat=lat, lon=lon: tally.add(r, g, lat, lon), args.repeat,
                           time.process_time) / CHUNK
        rng = np.random.default_rng(0)
        t_draw = best_of(lambda rng=rng: manoeuvres.draw_starts(rng, n, CHUNK, 832.0, 60.0), args.repeat,
                         time.process_time) / CHUNK
        starts = manoeuvres.draw_starts(rng, n, CHUNK, 832.0, 60.0)
        seen, rated = np.ones(n), np.full(n, 226.0)

        def steps(starts=starts, seen=seen, rated=rated) -> None:
            temp = np.full(n, 300.0)
            sat, out, _ = manoeuvres.chunk_outage(np.zeros(n), starts, 180.0, 60.0)
            delivered = np.ones(n)
            for j in range(CHUNK):
                factor = array.power_factor(arr, temp)
                temp = array.advance(arr, temp, seen, rated, 60.0, factor)
                delivered[sat] *= 1.0 - out[:, j] / 60.0

        t_step = best_of(steps, args.repeat, time.process_time) / CHUNK
        total = t_ground + t_draw + t_step
        print(f"{label}: {n:,} satellites, ms per step: ground passes {t_ground * 1e3:.2f}, manoeuvre draws "
              f"{t_draw * 1e3:.3f}, outage + array {t_step * 1e3:.2f}; total {total * 1e3:.2f} ms/step = "
              f"{total * 1440:.2f} s CPU per simulated day at 60 s")
        report[label] = {"ground_ms": t_ground * 1e3, "draw_ms": t_draw * 1e3, "step_ms": t_step * 1e3}
        rows.append({"benchmark": f"twin operations layer, {label}", "size": f"{n:,} satellites, 11 stations",
                     "rate": f"{total * 1e3:.2f} ms/step (ground {t_ground * 1e3:.2f}, array + avoidance "
                             f"{(t_draw + t_step) * 1e3:.2f}); CPU time"})
    report["readme"] = rows
    write_report(args.json_path, report)


if __name__ == "__main__":
    main()
