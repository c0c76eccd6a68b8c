"""High-bandwidth memory: gigabytes per DRAM wafer and stacks from bits. Vectorized."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from terawatt.supply.fabs import WAFER_DIAMETER_MM


def ddr_gb_per_wafer(
    bit_density_gbit_per_mm2: ArrayLike, usable_area_fraction: ArrayLike, die_yield: ArrayLike
) -> np.ndarray:
    r"""Good DDR gigabytes on one 300 mm DRAM wafer [GB]: :math:`\pi r^2 f_u \rho Y / 8`.

    Parameters
    ----------
    bit_density_gbit_per_mm2 : array_like
        Die-level bit density of the node [Gb/mm2] (1b-class DDR5 ~0.4).
    usable_area_fraction : array_like
        Share of the wafer area in whole dies after edge loss and scribe lines [-].
    die_yield : array_like
        Share of good DDR dies [-].
    """
    area = np.pi * (WAFER_DIAMETER_MM / 2.0) ** 2
    return (
        area
        * np.asarray(usable_area_fraction, float)
        * np.asarray(bit_density_gbit_per_mm2, float)
        * np.asarray(die_yield, float)
        / 8.0
    )


def hbm_gb_per_wafer(ddr_gb_per_wafer_: ArrayLike, wafer_per_bit_vs_ddr: ArrayLike) -> np.ndarray:
    """HBM gigabytes per DRAM wafer start [GB]: DDR gigabytes over HBM's wafer consumption per bit relative to DDR.

    Notes
    -----
    The ratio (~3 for HBM3E: larger dies with TSV area, lower stacked yield, the base die) is the one memory makers
    quote (Micron, Dec 2025: "each gigabyte of HBM3E requires roughly three times the wafer capacity needed for the
    same amount of DDR5"; TrendForce: 1:2.5-3, over 3 for HBM4).
    """
    return np.asarray(ddr_gb_per_wafer_, float) / np.asarray(wafer_per_bit_vs_ddr, float)


def stacks_from_gb(hbm_gb: ArrayLike, gb_per_stack: ArrayLike) -> np.ndarray:
    """HBM stacks from gigabytes [-] (a 12-high stack of 24 Gb dies holds 36 GB)."""
    return np.asarray(hbm_gb, float) / np.asarray(gb_per_stack, float)
