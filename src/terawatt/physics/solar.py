"""Space solar arrays: power per m2, degradation, and array sizing for an eclipse policy (SMAD method).

All functions are pure and broadcast over NumPy arrays.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from terawatt._buffers import chain, into

#: Reference cell temperature of AM0 efficiency ratings [K] (28 C; AIAA S-111A-2014).
CELL_REFERENCE_TEMP_K = 301.15


def cell_efficiency_at_temp(
    cell_efficiency: ArrayLike, temp_coefficient_per_k: ArrayLike, cell_temp_k: ArrayLike
) -> np.ndarray:
    r"""Cell efficiency at its operating temperature: :math:`\eta (1 + \gamma (T - 301.15\,K))`.

    Parameters
    ----------
    cell_efficiency : array_like
        Efficiency at AM0, 28 C [-].
    temp_coefficient_per_k : array_like
        Relative efficiency change per kelvin [K-1] (negative).
    cell_temp_k : array_like
        Operating temperature [K].

    Returns
    -------
    numpy.ndarray
        Operating efficiency [-], floored at zero.
    """
    factor = 1.0 + np.asarray(temp_coefficient_per_k, float) * (
        np.asarray(cell_temp_k, float) - CELL_REFERENCE_TEMP_K
    )
    return np.maximum(np.asarray(cell_efficiency, float) * factor, 0.0)


def array_power_density_w_per_m2(
    solar_constant_w_per_m2: ArrayLike,
    cell_efficiency: ArrayLike,
    packing_factor: ArrayLike,
    cos_incidence: ArrayLike = 1.0,
) -> np.ndarray:
    r"""Electrical power per m2 of array: :math:`S \eta f_{pack} \cos\theta` [W m-2].

    Parameters
    ----------
    solar_constant_w_per_m2 : array_like
        Irradiance [W m-2].
    cell_efficiency : array_like
        Operating cell efficiency [-].
    packing_factor : array_like
        Cell area per array area [-].
    cos_incidence : array_like
        Cosine of the Sun's incidence angle (1 for a sun-tracking array) [-].
    """
    return (
        np.asarray(solar_constant_w_per_m2, float)
        * np.asarray(cell_efficiency, float)
        * np.asarray(packing_factor, float)
        * np.asarray(cos_incidence, float)
    )


def end_of_life_factor(degradation_per_yr: ArrayLike, years: ArrayLike) -> np.ndarray:
    r"""Remaining power fraction after ``years``: :math:`(1 - d)^L` [-]."""
    return (1.0 - np.asarray(degradation_per_yr, float)) ** np.asarray(years, float)


def mean_retention(degradation_per_yr: ArrayLike, years: ArrayLike) -> np.ndarray:
    r"""Mean power fraction over a life of ``years`` with annual steps of degradation.

    Notes
    -----
    The mean of :math:`r^k` for :math:`k = 0 \ldots L-1`, :math:`r = 1 - d`, written for real :math:`L`:

    .. math:: \bar{R} = \frac{1 - r^L}{L (1 - r)}

    equal to the year-by-year sum of McCalip (2025, math.js) for integer lives, and 1 for :math:`d = 0`.
    """
    d = np.asarray(degradation_per_yr, float)
    years = np.asarray(years, float)
    safe_d = np.where(d > 0.0, d, 0.5)  # any value in (0, 1): replaced by the d = 0 limit below
    # 1 - r^L written with expm1/log1p: exact for tiny d, where the plain form cancels.
    one_minus_r_l = -np.expm1(years * np.log1p(-safe_d))
    return np.where(d > 0.0, one_minus_r_l / (years * safe_d), 1.0)


def required_array_power_w(
    load_w: ArrayLike,
    eclipse_s: ArrayLike,
    period_s: ArrayLike,
    path_efficiency_day: ArrayLike,
    path_efficiency_eclipse: ArrayLike,
    carry_eclipse: ArrayLike = True,
) -> np.ndarray:
    r"""Array output needed in sunlight to run ``load_w`` through an orbit (SMAD eq. 11-5).

    Parameters
    ----------
    load_w : array_like
        Bus load, constant over the orbit [W].
    eclipse_s : array_like
        Eclipse duration of the sizing orbit [s].
    period_s : array_like
        Orbital period [s].
    path_efficiency_day : array_like
        Efficiency from array to loads in sunlight, :math:`X_d` [-].
    path_efficiency_eclipse : array_like
        Efficiency from array through the battery to loads, :math:`X_e` [-].
    carry_eclipse : array_like of bool
        True: the battery carries the load through eclipse; False: the load stops in eclipse (throttle).

    Returns
    -------
    numpy.ndarray
        Array power [W].

    Notes
    -----
    .. math:: P_{sa} = \frac{P T_e / X_e + P T_d / X_d}{T_d}, \quad T_d = T - T_e

    References
    ----------
    .. [1] Wertz, J. R. & Larson, W. J. (1999). Space Mission Analysis and Design, 3rd ed., sec. 11.4, eq. 11-5.
    """
    load = np.asarray(load_w, float)
    t_e = np.asarray(eclipse_s, float)
    t_d = np.asarray(period_s, float) - t_e
    x_d = np.asarray(path_efficiency_day, float)
    x_e = np.asarray(path_efficiency_eclipse, float)
    # (load t_e / x_e + load t_d / x_d) / t_d, in the order written; for sample arrays in two buffers (into/chain)
    night = chain(load * t_e, (np.true_divide, x_e))
    day = chain(load * t_d, (np.true_divide, x_d))
    with_battery = chain(into(night, np.add, night, day), (np.true_divide, t_d))
    carry = np.asarray(carry_eclipse, bool)
    if carry.shape == () and carry and type(with_battery) is np.ndarray and with_battery.ndim:
        return with_battery  # np.where's values and shape (with_battery broadcasts every input) without a copy
    return np.where(carry, with_battery, load / x_d)
