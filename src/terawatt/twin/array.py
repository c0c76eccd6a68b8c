r"""Solar-array temperature: one lumped thermal mass per satellite, stepped with the illumination.

The array (cells, cover glass, substrate) is a flat sun-pointing plate with heat capacity :math:`C` per m2
(the design's array mass over its area times a specific heat). Per m2 it absorbs sunlight on the front, Earth
infrared and albedo (the model's Earth view factor, applied once per panel as
:func:`terawatt.physics.thermal.net_radiator_flux_w_per_m2` does), delivers its electrical output to the bus
(the array is taken to run at its maximum-power point, as the steady-state sizing does), and radiates from both
faces:

.. math:: C\,\dot T = f\,[\alpha S + F_e \alpha a S - p_e(T)] + F_e \bar\varepsilon E_{ir}
          - (\varepsilon_f + \varepsilon_b)\,\sigma T^4,

with :math:`f` the visible solar disc, :math:`\bar\varepsilon = (\varepsilon_f + \varepsilon_b)/2` and
:math:`p_e(T) = p_{ref}\,k(T)` the electrical output at temperature :math:`T`, where

.. math:: k(T) = \frac{1 + \gamma (T - T_{28})}{1 + \gamma (T_{cell} - T_{28})}

(:func:`terawatt.physics.solar.cell_efficiency_at_temp`; the design's array power is rated at ``solar.cell_temp_k``
:math:`T_{cell}`). The step is semi-implicit (emission linearised about :math:`T`), stable at any step length,
and its fixed point is the exact balance, so a satellite left in the Sun converges to
:func:`equilibrium_temp_k`.

References
----------
.. [1] Gilmore, D. G. (ed.), *Spacecraft Thermal Control Handbook*, Vol. I, 2nd ed., Aerospace Press, 2002,
   ch. 2 (environment, view factors) and Appendix A (solar-cell optical properties).
.. [2] Wertz, J. R., Larson, W. J. (eds.), *Space Mission Analysis and Design*, 3rd ed., 1999, sec. 11.4
   (array operating temperature, 55-70 C in LEO).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from terawatt.constants import STEFAN_BOLTZMANN_W_PER_M2_K4
from terawatt.physics.solar import CELL_REFERENCE_TEMP_K


@dataclass(frozen=True)
class ArrayThermal:
    """Thermal and electrical constants of one satellite's array (scalars, SI, per m2 of array)."""

    solar_w_per_m2: float  # irradiance S
    absorptivity: float  # solar absorptance of the front (and of the albedo light)
    emissivity_front: float
    emissivity_back: float
    view_factor_earth: float  # once per panel (sum over faces), the model's thermal.view_factor_earth
    albedo: float
    earth_ir_w_per_m2: float
    heat_capacity_j_per_m2_k: float
    temp_coefficient_per_k: float  # gamma [1/K]
    cell_temp_k: float  # temperature the design's array power is rated at

    @property
    def emission_w_per_m2_k4(self) -> float:
        return (self.emissivity_front + self.emissivity_back) * STEFAN_BOLTZMANN_W_PER_M2_K4

    def absorbed_w_per_m2(self, seen: np.ndarray) -> np.ndarray:
        """Absorbed sunlight, albedo and Earth infrared [W/m2] at visible solar disc ``seen``."""
        f = self.view_factor_earth
        ir = f * 0.5 * (self.emissivity_front + self.emissivity_back) * self.earth_ir_w_per_m2
        return seen * self.absorptivity * self.solar_w_per_m2 * (1.0 + f * self.albedo) + ir


def power_factor(a: ArrayThermal, temp_k: np.ndarray) -> np.ndarray:
    """Array output at ``temp_k`` relative to its output at the rated ``cell_temp_k`` [-], floored at 0."""
    g = a.temp_coefficient_per_k
    return np.maximum(1.0 + g * (temp_k - CELL_REFERENCE_TEMP_K), 0.0) / (
        1.0 + g * (a.cell_temp_k - CELL_REFERENCE_TEMP_K))


def advance(a: ArrayThermal, temp_k: np.ndarray, seen: np.ndarray, rated_w_per_m2: np.ndarray,
            dt_s: float, factor: np.ndarray | None = None) -> np.ndarray:
    """Array temperature after one step [K]; ``rated_w_per_m2``: electrical output per m2 in full sun at the
    rated temperature (beginning-of-life power x degradation / area); ``factor``: :func:`power_factor` at
    ``temp_k`` if already computed."""
    g = a.temp_coefficient_per_k / (1.0 + a.temp_coefficient_per_k * (a.cell_temp_k - CELL_REFERENCE_TEMP_K))
    k = power_factor(a, temp_k) if factor is None else factor
    e = a.emission_w_per_m2_k4
    # in place on four arrays (a step of 10,000 satellites: allocations cost as much as the arithmetic)
    t3 = temp_k * temp_k
    t3 *= temp_k
    electric = seen * rated_w_per_m2  # output per m2 at the rated temperature this step
    net = a.absorbed_w_per_m2(seen) - electric * k
    emitted = np.multiply(t3, e)
    emitted *= temp_k
    net -= emitted
    # d(net)/dT: emission 4 e sigma T^3 and the electrical output's temperature coefficient
    slope = np.multiply(t3, 4.0 * e, out=t3)
    slope += np.multiply(electric, g, out=electric)
    np.maximum(slope, 0.0, out=slope)
    slope *= dt_s
    slope += a.heat_capacity_j_per_m2_k
    net *= dt_s
    net /= slope
    net += temp_k
    return net  # temp_k + dt_s net / (C + dt_s slope)


def _coldest_balance_k(a: ArrayThermal, seen: float, rated_w_per_m2: np.ndarray | float) -> np.ndarray:
    r"""Where the balance of :func:`equilibrium_temp_k` is least [K], within [1, 2000] K: where
    :math:`4(\varepsilon_f+\varepsilon_b)\sigma T^3 = -f p_{ref} k'`, or where the output reaches 0 if that is
    colder (the balance is convex in :math:`T`: its slope only grows, and above that point it is emission alone)."""
    gamma = a.temp_coefficient_per_k
    g = gamma / (1.0 + gamma * (a.cell_temp_k - CELL_REFERENCE_TEMP_K))
    fall = np.maximum(-seen * np.asarray(rated_w_per_m2, float) * g, 0.0)
    least = np.cbrt(fall / (4.0 * a.emission_w_per_m2_k4))
    if gamma < 0.0:
        least = np.minimum(least, CELL_REFERENCE_TEMP_K - 1.0 / gamma)
    return np.clip(least, 1.0, 2000.0)


def _balance(a: ArrayThermal, seen: float, rated_w_per_m2: np.ndarray | float, temp_k: np.ndarray | float,
             q: float) -> np.ndarray:
    return a.emission_w_per_m2_k4 * np.asarray(temp_k, float) ** 4 + seen * np.asarray(rated_w_per_m2, float) * \
        power_factor(a, np.asarray(temp_k, float)) - q


def equilibrium_exists(a: ArrayThermal, seen: float, rated_w_per_m2: np.ndarray | float) -> np.ndarray:
    """Whether an array with full-sun output ``rated_w_per_m2`` [W/m2] has a steady temperature at visible disc
    ``seen``: the least of the (convex) balance is at most 0. Not so when its output, extrapolated to a cold
    array by the temperature coefficient, exceeds what it absorbs (an absorptance near the cell efficiency);
    a larger output only raises the balance, so the highest output decides for a fleet."""
    q = float(a.absorbed_w_per_m2(np.asarray(seen, float)))
    return _balance(a, seen, rated_w_per_m2, _coldest_balance_k(a, seen, rated_w_per_m2), q) <= 0.0


def equilibrium_temp_k(a: ArrayThermal, seen: float, rated_w_per_m2: float) -> float:
    r"""Steady-state array temperature [K] at a constant visible disc: the root of the balance
    :math:`(\varepsilon_f+\varepsilon_b)\sigma T^4 + f p_{ref} k(T) = q_{abs}(f)`. With :math:`\gamma < 0`
    the left side falls (the output's temperature coefficient) until :math:`4(\varepsilon_f+\varepsilon_b)
    \sigma T^3 = -f p_{ref} k'`, then rises without bound: the stable temperature is the root above that point
    (the balance rises through it, so a warmer array cools and a cooler one warms). NaN where there is none
    (:func:`equilibrium_exists`)."""
    from scipy.optimize import brentq

    q = float(a.absorbed_w_per_m2(np.asarray(seen, float)))
    low = float(_coldest_balance_k(a, seen, rated_w_per_m2))
    high = max(2000.0, (max(q, 1.0) / a.emission_w_per_m2_k4) ** 0.25 + 1.0)  # emission alone outweighs q

    def balance(t: float) -> float:
        return float(_balance(a, seen, rated_w_per_m2, t, q))

    if balance(low) > 0.0:
        return float("nan")
    return float(brentq(balance, low, high, xtol=1e-10))


def equilibrium_temps_k(a: ArrayThermal, seen: float, rated_w_per_m2: np.ndarray) -> np.ndarray:
    """:func:`equilibrium_temp_k` for many arrays at once [K] (vectorized Newton from above the root: the
    balance is convex in :math:`T` there, so the iterates fall monotonically onto it)."""
    rated = np.asarray(rated_w_per_m2, float)
    q = float(a.absorbed_w_per_m2(np.asarray(seen, float)))
    g = a.temp_coefficient_per_k / (1.0 + a.temp_coefficient_per_k * (a.cell_temp_k - CELL_REFERENCE_TEMP_K))
    e = a.emission_w_per_m2_k4
    temp = np.full(rated.shape, (max(q, 1.0) / e) ** 0.25 + 1.0)  # above the root: emission alone balances q
    for _ in range(60):
        f = e * temp**4 + seen * rated * power_factor(a, temp) - q
        step = f / np.maximum(4.0 * e * temp**3 + seen * rated * g, 1e-12)
        temp = temp - step
        if np.all(np.abs(step) < 1e-9):
            break
    return temp
