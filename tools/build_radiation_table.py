"""Build ``src/terawatt/data/radiation_table.npz``: orbit-averaged doses behind aluminium on a grid.

Usage::

    python tools/build_radiation_table.py            # build the table (about 10 min on 2 cores)
    python tools/build_radiation_table.py --check 40 # compare the shipped table with direct computation

The table holds :func:`terawatt.physics.radiation.dose_rate_direct`'s four components, for AP-8/AE-8 MIN and MAX,
on the grid below; ``dose_rate_rad_per_yr`` interpolates it. Everything is computed offline from radbelt's model
files; nothing is downloaded.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path

import numpy as np
from rich.progress import Progress

from terawatt.physics import radiation as rad

ALTITUDE_KM = np.array([200, 250, 300, 350, 400, 450, 500, 550, 600, 650, 700, 800, 900, 1000, 1200, 1500, 2000.0])
INCLINATION_DEG = np.arange(0.0, 90.1, 5.0)
SHIELDING_MM = rad.TABLE_SHIELDING_MM
FLOOR_RAD_PER_YR = 1e-6
OUT = Path(__file__).resolve().parents[1] / "src" / "terawatt" / "data" / "radiation_table.npz"


def _node(args: tuple[float, float]) -> np.ndarray:
    alt, inc = args
    return np.stack([rad._direct_one(alt, inc, SHIELDING_MM, s) for s in ("min", "max")], axis=1)  # (4, 2, n_t)


def build(processes: int) -> None:
    t0 = time.time()
    nodes = [(a, i) for a in ALTITUDE_KM for i in INCLINATION_DEG]
    with mp.Pool(processes) as pool, Progress() as progress:
        task = progress.add_task("orbit-averaged doses", total=len(nodes))
        res = []
        for node in pool.imap(_node, nodes, chunksize=1):  # keeps the order of ``nodes``
            res.append(node)
            progress.advance(task)
    dose = np.stack(res).reshape(ALTITUDE_KM.size, INCLINATION_DEG.size, 4, 2, SHIELDING_MM.size)
    dose = np.moveaxis(dose, (2, 3), (0, 1))  # (4, 2, n_alt, n_inc, n_t)
    # uncompressed (458 kB, not 403): every start that evaluates reads it, and inflating it took ~5 ms
    np.savez(
        OUT, dose=dose.astype(np.float64), altitude_km=ALTITUDE_KM, inclination_deg=INCLINATION_DEG,
        shielding_mm=SHIELDING_MM, floor=np.array(FLOOR_RAD_PER_YR), components=np.array(rad.COMPONENTS),
        solar=np.array(["min", "max"]), units=np.array("rad(Si)/yr; solar_particle_per_event: rad(Si) per event"),
        n_u=np.array(rad.N_U), n_lon=np.array(rad.N_LON),
    )
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.0f} kB) in {time.time() - t0:.0f} s")


def check(n: int, seed: int = 1) -> None:
    """Relative error of the table against direct computation at random off-grid points."""
    rng = np.random.default_rng(seed)
    alt = rng.uniform(300.0, 1500.0, n)
    inc = np.where(rng.random(n) < 0.3, np.nan, rng.uniform(0.0, 90.0, n))
    t = np.exp(rng.uniform(np.log(1.0), np.log(50.0), n))
    errs = []
    for a, i, s in zip(alt, inc, t, strict=True):
        for solar in ("min", "max"):
            d = rad.dose_rate_direct(a, i, s, solar).total_rad_per_yr
            f = rad.dose_rate_rad_per_yr(a, i, s, solar).total_rad_per_yr
            errs.append(f / d - 1.0)
            print(f"{a:7.1f} km {i:6.2f} deg {s:6.2f} mm {solar}: direct {d:10.3f} table {f:10.3f} "
                  f"err {f / d - 1:+.3%}")
    e = np.abs(errs)
    print(f"n={e.size}: median {np.median(e):.2%}, 90th pct {np.percentile(e, 90):.2%}, max {e.max():.2%}")


if __name__ == "__main__":
    from _table_cli import table_tool

    table_tool(__doc__, build, check)
