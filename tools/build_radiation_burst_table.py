"""Build ``src/terawatt/data/radiation_bursts.npz``: how the dose rate varies along the orbit, on a grid.

Usage::

    python tools/build_radiation_burst_table.py            # build the table (about 10 min on 2 cores)
    python tools/build_radiation_burst_table.py --check 6  # compare the shipped table with direct computation

For each altitude the four dose components (trapped protons and electrons from radbelt's AP-8/AE-8, King solar
protons, force-field cosmic rays) are mapped on a 3 x 6 deg latitude x longitude grid behind each shielding, for
AP-8/AE-8 MIN and MAX (and their mean); along a 6-day analytic track per inclination the map gives the dose-rate
time series whose three-state statistics :func:`terawatt.physics.radiation.bursts.profile_statistics` tabulates
(:func:`terawatt.physics.radiation.bursts.burst_statistics` interpolates them). Everything is computed offline
from radbelt's model files; nothing is downloaded.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path

import numpy as np
from rich.progress import Progress

from terawatt.physics.radiation import bursts

ALTITUDE_KM = np.array([200, 300, 400, 500, 550, 600, 650, 700, 800, 1000, 1400, 2000.0])
INCLINATION_DEG = np.arange(0.0, 180.1, 5.0)
SHIELDING_MM = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0, 15.0, 20.0, 30.0, 50.0, 100.0])
SOLAR = ("min", "max", "mean")
#: King events per year at solar maximum in the total that sets the states (registry default).
SPE_EVENTS_PER_YR_SOLAR_MAX = 0.14
OUT = Path(__file__).resolve().parents[1] / "src" / "terawatt" / "data" / "radiation_bursts.npz"


def _altitude(alt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Statistics of one altitude: occupancy (3 solar, n_inc, n_shield, 3), crossings (..., 2), rates (..., 3, 4)."""
    lo, hi = (bursts.component_maps(alt, SHIELDING_MM, s) for s in ("min", "max"))
    maps = {"min": lo, "max": hi, "mean": 0.5 * (lo + hi)}
    occ, cross, rel = [], [], []
    for inc in INCLINATION_DEG:
        lat, lon = bursts.track_lat_lon_deg(alt, inc)
        per = []
        for s in SOLAR:
            n_spe = {"min": 0.0, "max": 1.0, "mean": 0.5}[s] * SPE_EVENTS_PER_YR_SOLAR_MAX
            per.append(bursts.profile_statistics(bursts.along_track(maps[s], lat, lon), n_spe))
        occ.append([np.moveaxis(p[0], 0, -1) for p in per])  # (solar, shield, 3)
        cross.append([np.moveaxis(p[1], 0, -1) for p in per])
        rel.append([np.moveaxis(p[2], (0, 1), (-2, -1)) for p in per])  # (solar, shield, 3, 4)
    return tuple(np.moveaxis(np.asarray(x), 0, 1) for x in (occ, cross, rel))  # (solar, inc, shield, ...)


def build(processes: int) -> None:
    t0 = time.time()
    with mp.Pool(processes) as pool, Progress() as progress:
        task = progress.add_task("dose-rate profiles", total=ALTITUDE_KM.size)
        res = []
        for node in pool.imap(_altitude, ALTITUDE_KM, chunksize=1):
            res.append(node)
            progress.advance(task)
    occ, cross, rel = (np.stack([r[k] for r in res], axis=1) for k in range(3))  # (solar, alt, inc, shield, ...)
    # uncompressed (1.45 MB, not 0.99): every start that evaluates reads it, and inflating it took ~12 ms
    np.savez(
        OUT, occupancy=occ.astype(np.float32), crossings_per_h=cross.astype(np.float32),
        relative_rate=rel.astype(np.float32), solar=np.array(SOLAR),
        altitude_km=ALTITUDE_KM, inclination_deg=INCLINATION_DEG, shielding_mm=SHIELDING_MM,
        state_edges=np.array(bursts.STATE_EDGES), components=np.array(("trapped_proton", "trapped_electron",
                                                                       "solar_particle_per_event", "gcr")),
        spe_events_per_yr_solar_max=np.array(SPE_EVENTS_PER_YR_SOLAR_MAX),
        track=np.array([bursts.TRACK_DAYS, bursts.TRACK_STEP_S]),
        map_grid_deg=np.array([bursts.MAP_LAT_DEG, bursts.MAP_LON_DEG]),
    )
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.0f} kB) in {time.time() - t0:.0f} s")


def check(n: int, seed: int = 1) -> None:
    """Table against direct computation at random off-node points: occupancy, crossings and state rates."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        a, i, t = rng.uniform(300.0, 1500.0), rng.uniform(0.0, 180.0), np.exp(rng.uniform(0.0, np.log(50.0)))
        d = bursts.burst_statistics_direct(a, i, t)
        f = bursts.burst_statistics(a, i, t)
        print(f"{a:7.1f} km {i:6.2f} deg {t:6.2f} mm: occupancy {np.round(d.occupancy, 4)} vs "
              f"{np.round(f.occupancy, 4)}; bursts/day {float(d.bursts_per_day):.2f} vs {float(f.bursts_per_day):.2f}")


if __name__ == "__main__":
    from _table_cli import table_tool

    table_tool(__doc__, build, check)
