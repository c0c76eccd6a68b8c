"""Wafer fabs: dies per wafer, die yield, and the output of fabs that take years to build and ramp. Vectorized."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

#: Diameter of a production wafer [mm] (300 mm, SEMI M1).
WAFER_DIAMETER_MM = 300.0


def gross_dies_per_wafer(die_area_mm2: ArrayLike, wafer_diameter_mm: ArrayLike = WAFER_DIAMETER_MM) -> np.ndarray:
    r"""Whole dies of area :math:`A` on a wafer of diameter :math:`d` [-].

    Notes
    -----
    :math:`N = \pi (d/2)^2 / A - \pi d / \sqrt{2A}` (wafer area over die area less the partial dies at the edge;
    de Vries 2005, IEEE Trans. Semicond. Manuf. 18(1), 136). An 814 mm2 die on 300 mm gives ~63.
    """
    a = np.asarray(die_area_mm2, float)
    d = np.asarray(wafer_diameter_mm, float)
    return np.maximum(np.pi * (d / 2.0) ** 2 / a - np.pi * d / np.sqrt(2.0 * a), 0.0)


def die_yield(die_area_mm2: ArrayLike, defect_density_per_cm2: ArrayLike) -> np.ndarray:
    r"""Fraction of dies without a killer defect, Poisson model :math:`Y = e^{-A D_0}` [-] (A in cm2)."""
    return np.exp(-np.asarray(die_area_mm2, float) / 100.0 * np.asarray(defect_density_per_cm2, float))


def good_dies_per_wafer(
    die_area_mm2: ArrayLike,
    defect_density_per_cm2: ArrayLike,
    wafer_diameter_mm: ArrayLike = WAFER_DIAMETER_MM,
) -> np.ndarray:
    """Good dies per wafer [-]: :func:`gross_dies_per_wafer` x :func:`die_yield`."""
    return gross_dies_per_wafer(die_area_mm2, wafer_diameter_mm) * die_yield(die_area_mm2, defect_density_per_cm2)


def volume_ramp(age_yr: ArrayLike, build_yr: ArrayLike, ramp_yr: ArrayLike) -> np.ndarray:
    r"""Share of nameplate wafer starts a fab runs ``age_yr`` years after its construction started [-].

    Notes
    -----
    :math:`v = \mathrm{clip}((a + 1 - T_b)/T_r, 0, 1)`: nothing during construction (:math:`T_b`), then a linear
    ramp over :math:`T_r` years (ages are whole years, the start counted as age 0).
    """
    a = np.asarray(age_yr, float)
    return np.clip((a + 1.0 - np.asarray(build_yr, float)) / np.maximum(np.asarray(ramp_yr, float), 1e-9), 0.0, 1.0)


def maturity(age_yr: ArrayLike, build_yr: ArrayLike, ramp_yr: ArrayLike, first_yield: ArrayLike = 1.0) -> np.ndarray:
    r"""Good output of a fab as a share of its mature good output, ``age_yr`` after construction started [-].

    Notes
    -----
    Volume :math:`v` (:func:`volume_ramp`) times a yield that rises with it from ``first_yield`` (share of the
    mature yield at first wafers) to 1: :math:`m = v\,(y_0 + (1 - y_0) v)`.
    """
    v = volume_ramp(age_yr, build_yr, ramp_yr)
    y0 = np.asarray(first_yield, float)
    return v * (y0 + (1.0 - y0) * v)


def under_construction(age_yr: ArrayLike, build_yr: ArrayLike) -> np.ndarray:
    """1 while a fab started ``age_yr`` years ago produces nothing yet (age + 1 <= build time), else 0 [-]."""
    return (np.asarray(age_yr, float) + 1.0 <= np.asarray(build_yr, float)).astype(float)
