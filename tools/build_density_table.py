"""Build ``src/terawatt/data/density_table.npz``: orbit-averaged NRLMSIS 2.1 density by altitude and activity.

Run from the repository root (takes a few minutes on two cores; no network access: every index is explicit)::

    .venv/bin/python tools/build_density_table.py [--workers N]

The table holds, for the altitude grid below and the activity levels ``low``, ``mean``, ``high`` and ``cycle`` of
:mod:`terawatt.physics.atmosphere`, the natural log of :func:`terawatt.physics.atmosphere.density_direct` for
sun-synchronous orbits averaged over all node local times (``cycle``: averaged over the solar-cycle profile).
Grid: every 5 km from 100 to 1,000 km (scale heights 10-100 km), every 25 km from 1,000 to 2,500 km (scale
heights > 200 km).
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version
from pathlib import Path

import numpy as np
from rich.progress import Progress

from terawatt.physics import atmosphere as atm

OUT = Path(__file__).resolve().parents[1] / "src" / "terawatt" / "data" / "density_table.npz"
ALTITUDE_KM = np.concatenate([np.arange(100.0, 1000.0, 5.0), np.arange(1000.0, 2500.0 + 1.0, 25.0)])


def _levels() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (F10.7, Ap) conditions to evaluate: the three fixed levels, then the cycle phases."""
    f_cyc, ap_cyc, _ = atm.solar_cycle_profile()
    f = np.array([atm.ACTIVITY_LEVELS[k][0] for k in ("low", "mean", "high")] + list(f_cyc))
    fa = np.array([atm.ACTIVITY_LEVELS[k][1] for k in ("low", "mean", "high")] + list(f_cyc))
    ap = np.array([atm.ACTIVITY_LEVELS[k][2] for k in ("low", "mean", "high")] + list(ap_cyc))
    return f, fa, ap


def _column(args: tuple[float, float, float]) -> np.ndarray:
    f107, f107a, ap = args
    return np.asarray(atm.density_direct(ALTITUDE_KM, f107, f107a, ap))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    f, fa, ap = _levels()
    t0 = time.perf_counter()
    conditions = list(zip(f, fa, ap, strict=True))
    with ProcessPoolExecutor(max_workers=args.workers) as pool, Progress() as progress:
        task = progress.add_task("NRLMSIS solar-activity columns", total=len(conditions))
        cols = []
        for column in pool.map(_column, conditions):  # results come back in order
            cols.append(column)
            progress.advance(task)
    rho = np.stack(cols, axis=1)  # (n_alt, 3 + phases)
    _, _, w = atm.solar_cycle_profile()
    cycle = rho[:, 3:] @ w
    ln_density = np.log(np.column_stack([rho[:, :3], cycle]))
    np.savez_compressed(
        OUT,
        altitude_km=ALTITUDE_KM,
        ln_density=ln_density,
        activities=np.array(atm.ACTIVITIES),
        level_f107_sfu=f[:3], level_f107a_sfu=fa[:3], level_ap=ap[:3],
        cycle_f107_sfu=f[3:], cycle_ap=ap[3:], cycle_weight=w,
        averaging_grid=np.array(atm.AVERAGING_GRID),
        msis_version=np.array(atm.MSIS_VERSION),
        pymsis_version=np.array(version("pymsis")),
        inclination=np.array("sun-synchronous (terawatt.physics.orbit.sso_inclination_deg; 150 km below 150 km)"),
        local_time=np.array("all node local times"),
    )
    print(f"wrote {OUT} ({ALTITUDE_KM.size} altitudes x {len(atm.ACTIVITIES)} activities) "
          f"in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
