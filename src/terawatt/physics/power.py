"""Energy storage: battery capacity and mass to carry a load through eclipse. Pure and vectorized."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from terawatt._buffers import chain


def battery_capacity_wh(
    load_w: ArrayLike, eclipse_s: ArrayLike, depth_of_discharge: ArrayLike, round_trip_efficiency: ArrayLike
) -> np.ndarray:
    r"""Nameplate battery energy that carries ``load_w`` through an eclipse of ``eclipse_s``.

    Parameters
    ----------
    load_w : array_like
        Load during eclipse [W].
    eclipse_s : array_like
        Longest eclipse [s].
    depth_of_discharge : array_like
        Allowed depth of discharge [-].
    round_trip_efficiency : array_like
        Charge-discharge efficiency [-]; the discharge leg is taken as its square root.

    Returns
    -------
    numpy.ndarray
        Capacity [Wh].

    Notes
    -----
    .. math:: C = \frac{P t_e}{3600\, \mathrm{DoD}\, \sqrt{\eta_{rt}}}

    References
    ----------
    .. [1] Wertz, J. R. & Larson, W. J. (1999). Space Mission Analysis and Design, 3rd ed., sec. 11.4, eq. 11-6.
    """
    # load * eclipse / 3600 / (DoD sqrt(eta)), left to right; for sample arrays in the product's buffer (chain)
    discharge = np.asarray(depth_of_discharge, float) * np.sqrt(np.asarray(round_trip_efficiency, float))
    return chain(
        np.asarray(load_w, float) * np.asarray(eclipse_s, float), (np.true_divide, 3600.0),
        (np.true_divide, discharge),
    )


def battery_mass_kg(capacity_wh: ArrayLike, specific_energy_wh_per_kg: ArrayLike) -> np.ndarray:
    """Battery pack mass [kg] from capacity [Wh] and pack specific energy [Wh kg-1]."""
    return np.asarray(capacity_wh, float) / np.asarray(specific_energy_wh_per_kg, float)
