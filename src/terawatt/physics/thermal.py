"""Radiators: net rejected flux in the baseline orbital environment, area for a heat load, chip-to-radiator chain.

All functions are pure and broadcast over NumPy arrays.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from terawatt._arrays import is_plus_zero
from terawatt._buffers import chain, into
from terawatt.constants import STEFAN_BOLTZMANN_W_PER_M2_K4 as SIGMA


def radiator_net_flux_w_per_m2(
    temp_k: ArrayLike,
    emissivity: ArrayLike,
    absorptivity_solar: ArrayLike = 0.0,
    absorptivity_ir: ArrayLike | None = None,
    sides: ArrayLike = 2,
    solar_incidence_factor: ArrayLike = 0.0,
    view_factor_earth: ArrayLike = 0.0,
    albedo: ArrayLike = 0.0,
    earth_ir_w_per_m2: ArrayLike = 0.0,
    sink_temp_k: ArrayLike = 0.0,
    solar_constant_w_per_m2: ArrayLike = 1361.0,
) -> np.ndarray:
    r"""Net heat rejected per m2 of radiator panel in the baseline orbital environment.

    Parameters
    ----------
    temp_k : array_like
        Radiating surface temperature [K].
    emissivity : array_like
        Infrared hemispherical emissivity [-].
    absorptivity_solar : array_like
        Solar absorptivity [-].
    absorptivity_ir : array_like or None
        Infrared absorptivity for Earth emission [-]; ``None`` = ``emissivity`` (Kirchhoff).
    sides : array_like
        Radiating faces per panel, 1 or 2 [-].
    solar_incidence_factor : array_like
        Sunlit projected fraction of one face, 0 = edge-on [-].
    view_factor_earth : array_like
        View factor to Earth, applied once per panel [-]: for a two-faced panel, the sum of both faces' view
        factors (e.g. 2 x 0.24 for a panel edge-on to Earth at 650 km).
    albedo : array_like
        Earth albedo [-].
    earth_ir_w_per_m2 : array_like
        Earth outgoing long-wave flux [W m-2].
    sink_temp_k : array_like
        Deep-space sink temperature [K].
    solar_constant_w_per_m2 : array_like
        Solar irradiance at the spacecraft [W m-2].

    Returns
    -------
    numpy.ndarray
        Net flux [W m-2 of panel]; zero or negative when the panel cannot reject heat at ``temp_k``.

    Notes
    -----
    The DESIGN.md baseline environment, per m2 of panel:

    .. math::

        q = n \varepsilon \sigma (T^4 - T_{sink}^4) - \alpha_s S f_{inc}
            - F_e (\alpha_s a S + \alpha_{ir} E_{ir})

    Orbit-averaged; the orbit-resolved environment is a separate option, never a silent replacement.

    References
    ----------
    .. [1] Gilmore, D. G. (2002). Spacecraft Thermal Control Handbook, Vol. I, 2nd ed., ch. 2 and 6. Aerospace
       Press.
    """
    eps = np.asarray(emissivity, dtype=float)
    a_ir = eps if absorptivity_ir is None else np.asarray(absorptivity_ir, dtype=float)
    s = np.asarray(solar_constant_w_per_m2, dtype=float)
    a_s = np.asarray(absorptivity_solar, dtype=float)
    # Each term is evaluated in the order of the formula, for sample arrays in one buffer per term (chain/into).
    emitted = chain(
        np.asarray(sides) * eps,
        (np.multiply, SIGMA),
        (np.multiply, np.asarray(temp_k, float) ** 4 - np.asarray(sink_temp_k, float) ** 4),
    )
    solar = a_s * s * np.asarray(solar_incidence_factor, dtype=float)
    earth = a_ir * np.asarray(earth_ir_w_per_m2, dtype=float)
    earth = into(earth, np.add, a_s * np.asarray(albedo, dtype=float) * s, earth)
    earth = into(earth, np.multiply, np.asarray(view_factor_earth, dtype=float), earth)
    # x - (+0) is x (NaN and -0 included): an edge-on panel (no sunlit face) costs no pass over the samples
    if not (type(emitted) is np.ndarray and is_plus_zero(solar)):
        emitted = into(emitted, np.subtract, emitted, solar)
    return into(emitted, np.subtract, emitted, earth)


def radiator_area_m2(
    heat_w: ArrayLike, net_flux_w_per_m2: ArrayLike, fin_efficiency: ArrayLike = 1.0
) -> np.ndarray:
    r"""Panel area that rejects ``heat_w``: :math:`A = Q / (\eta_{fin} q)`.

    Parameters
    ----------
    heat_w : array_like
        Heat to reject [W].
    net_flux_w_per_m2 : array_like
        Net flux per m2 of panel from :func:`radiator_net_flux_w_per_m2` [W m-2].
    fin_efficiency : array_like
        Radiating-power ratio of the real panel to an isothermal one at root temperature [-].

    Returns
    -------
    numpy.ndarray
        Area [m2]; NaN where the net flux is not positive (no area can reject the heat).
    """
    q = np.asarray(net_flux_w_per_m2, dtype=float) * np.asarray(fin_efficiency, dtype=float)
    heat = np.asarray(heat_w, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.ndim(q) and q.size and q.min() > 0.0:
            # every flux positive (a NaN makes the minimum NaN): what np.where below returns, in q's buffer
            return into(q, np.true_divide, heat, q)
        positive = q > 0.0
        return np.where(positive, heat / np.where(positive, q, 1.0), np.nan)


def radiator_temp_from_chip_k(
    max_junction_temp_k: ArrayLike,
    max_hbm_temp_k: ArrayLike,
    junction_to_coolant_k_per_w: ArrayLike,
    tdp_w: ArrayLike,
    loop_delta_t_k: ArrayLike,
) -> np.ndarray:
    r"""Highest radiator temperature the accelerator's limits allow.

    Parameters
    ----------
    max_junction_temp_k : array_like
        Die temperature limit [K].
    max_hbm_temp_k : array_like
        HBM temperature limit [K].
    junction_to_coolant_k_per_w : array_like
        Thermal resistance from die to cold-plate coolant [K W-1].
    tdp_w : array_like
        Accelerator power [W].
    loop_delta_t_k : array_like
        Drop from coolant to radiator surface [K].

    Returns
    -------
    numpy.ndarray
        Radiator surface temperature [K].

    Notes
    -----
    .. math::

        T_{rad} = \min(T_{j,max}, T_{hbm,max}) - R_{jc} P_{tdp} - \Delta T_{loop}

    The HBM stacks share the die's cold plate; their path to the coolant is taken as the die's (conservative).
    """
    limit = np.minimum(np.asarray(max_junction_temp_k, float), np.asarray(max_hbm_temp_k, float))
    return (
        limit
        - np.asarray(junction_to_coolant_k_per_w, float) * np.asarray(tdp_w, float)
        - np.asarray(loop_delta_t_k, float)
    )
