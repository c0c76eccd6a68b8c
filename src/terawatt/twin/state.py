"""Per-satellite state through one time step, vectorized over satellites: shadow, array, battery, radiator.

All functions are pure NumPy; the stepping loop lives in :mod:`terawatt.twin.simulate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from terawatt.constants import EARTH_EQUATORIAL_RADIUS_M, STEFAN_BOLTZMANN_W_PER_M2_K4, SUN_RADIUS_M

_R_EARTH_KM = EARTH_EQUATORIAL_RADIUS_M / 1e3  # the steady-state model's spherical Earth
_R_SUN_KM = SUN_RADIUS_M / 1e3


def illumination(r_km: np.ndarray, sun_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fraction of the solar disc seen [0, 1] and the umbra flag, conical shadow of a spherical Earth.

    Parameters
    ----------
    r_km : numpy.ndarray
        Satellite positions (..., 3) [km], geocentric.
    sun_km : numpy.ndarray
        Sun positions (..., 3) [km], geocentric, broadcasting against ``r_km``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Visible fraction of the Sun (1 in full sun, 0 in umbra, linear in angle across the penumbra) and
        ``True`` in the umbra.

    Notes
    -----
    With the Earth's and the Sun's angular radii :math:`\\rho_E = \\arcsin(R_E/|r|)`,
    :math:`\\rho_S = \\arcsin(R_S/|s - r|)` and their separation :math:`\\theta` seen from the satellite, the
    satellite is in the umbra when :math:`\\theta < \\rho_E - \\rho_S` and in full sun when
    :math:`\\theta > \\rho_E + \\rho_S` (Montenbruck & Gill 2000, sec. 3.4.2). Across the penumbra the visible
    fraction is taken linear in :math:`\\theta` (the overlap area differs by < 0.1 % of an orbit's energy).
    """
    r_norm = np.sqrt(np.einsum("...i,...i->...", r_km, r_km))
    to_sun = sun_km - r_km
    d_norm = np.sqrt(np.einsum("...i,...i->...", to_sun, to_sun))
    cos_sep = -np.einsum("...i,...i->...", r_km, to_sun) / (r_norm * d_norm)
    theta = np.arccos(np.clip(cos_sep, -1.0, 1.0))
    rho_e = np.arcsin(np.minimum(_R_EARTH_KM / r_norm, 1.0))
    rho_s = np.arcsin(_R_SUN_KM / d_norm)
    seen = np.clip((theta - (rho_e - rho_s)) / (2.0 * rho_s), 0.0, 1.0)
    return seen, theta < rho_e - rho_s


@dataclass(frozen=True)
class Plant:
    """One satellite type: the design's power and thermal hardware (scalars, SI)."""

    compute_power_w: float  # IT power at full throughput
    housekeeping_fraction: float  # bus load on top of IT, of the IT power
    conversion_efficiency: float  # array/battery to bus
    battery_round_trip_efficiency: float
    battery_capacity_wh: float
    battery_depth_of_discharge: float
    array_power_bol_w: float
    degradation_per_yr: float
    radiator_area_m2: float  # sized area (the fin efficiency below applies to it)
    fin_efficiency: float
    sides: float
    emissivity: float
    sink_temp_k: float
    absorbed_sun_w_per_m2: float  # absorbed per m2 of panel in full sun (Sun, albedo and Earth IR)
    absorbed_shade_w_per_m2: float  # absorbed per m2 of panel in the umbra (Earth IR only)
    heat_capacity_j_per_k: float
    limit_temp_k: float  # radiator temperature the chips allow (the design's radiator temperature)


def array_power_w(plant: Plant, seen: np.ndarray, age_yr: np.ndarray) -> np.ndarray:
    """Array output in full sun [W]: beginning-of-life power x retention :math:`(1-d)^{age}`; times the visible
    solar disc ``seen`` for the output at a step."""
    return plant.array_power_bol_w * (1.0 - plant.degradation_per_yr) ** age_yr * seen


def power_limited_load(plant: Plant, array_w: np.ndarray, energy_wh: np.ndarray, dt_s: float,
                       wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Compute load the power system carries [fraction of IT power] and the battery energy after the step [Wh].

    Notes
    -----
    The array delivers :math:`\\eta_c P_{array}` to the bus; a surplus charges the battery at
    :math:`\\sqrt{\\eta_{rt}}`, a deficit draws :math:`1/\\sqrt{\\eta_{rt}}` from it (the loss split of
    :func:`terawatt.physics.power.battery_capacity_wh`), down to :math:`(1 - \\mathrm{DoD})` of the capacity
    (the sizing depth). Under the throttle policy the capacity is 0 and compute follows the array. Housekeeping
    (:math:`f_{hk} P_{IT}`) is served first.
    """
    p = plant.compute_power_w
    eta = np.sqrt(plant.battery_round_trip_efficiency)
    floor_wh = plant.battery_capacity_wh * (1.0 - plant.battery_depth_of_discharge)
    supply = plant.conversion_efficiency * array_w
    usable_w = np.maximum(energy_wh - floor_wh, 0.0) * 3600.0 / dt_s * eta  # battery power to the bus this step
    load = np.clip((supply + usable_w) / p - plant.housekeeping_fraction, 0.0, wanted)
    net_w = supply - p * (load + plant.housekeeping_fraction)
    change_wh = np.where(net_w >= 0.0, net_w * eta, net_w / eta) * dt_s / 3600.0
    energy = np.clip(energy_wh + change_wh, floor_wh, plant.battery_capacity_wh)
    return load, energy


def heat_w(plant: Plant, load: np.ndarray) -> np.ndarray:
    """Heat into the radiator loop [W]: all bus power ends as heat, :math:`P_{IT}(u + f_{hk})/\\eta_c`."""
    return plant.compute_power_w * (load + plant.housekeeping_fraction) / plant.conversion_efficiency


def radiator_terms(plant: Plant, temp_k: np.ndarray, seen: np.ndarray,
                   dt_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Absorbed and emitted heat [W] and :math:`C + dt\,dQ_{emit}/dT` [J/K] of the radiator at ``temp_k``."""
    area = plant.fin_efficiency * plant.radiator_area_m2
    emit = plant.sides * plant.emissivity * STEFAN_BOLTZMANN_W_PER_M2_K4
    absorbed = area * (plant.absorbed_shade_w_per_m2
                       + seen * (plant.absorbed_sun_w_per_m2 - plant.absorbed_shade_w_per_m2))
    t3 = temp_k * temp_k * temp_k  # products, not pow: this runs for every satellite and step
    reject = area * emit * (t3 * temp_k - plant.sink_temp_k**4)
    gain = plant.heat_capacity_j_per_k + dt_s * 4.0 * area * emit * t3  # C + dt d(reject)/dT [J/K]
    return absorbed, reject, gain


def thermal_allowed_load(plant: Plant, temp_k: np.ndarray, seen: np.ndarray, dt_s: float,
                         terms: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    r"""Largest load [fraction of IT power] that ends the step at or below the chips' radiator limit.

    Notes
    -----
    One lumped heat capacity :math:`C` radiating from :math:`\eta_f A` at the design's emissivity and sides,

    .. math:: C\,\dot T = Q(u) + \eta_f A\,[q_{abs} - n\varepsilon\sigma(T^4 - T_{sink}^4)],

    advanced semi-implicitly (emission linearised about :math:`T`: stable at any step, see
    :func:`thermal_advance`); the heat that ends the step exactly at the limit gives the load. ``terms``: those
    of :func:`radiator_terms` at this state, if already computed.
    """
    absorbed, reject, gain = terms if terms is not None else radiator_terms(plant, temp_k, seen, dt_s)
    heat_max = (plant.limit_temp_k - temp_k) * gain / dt_s - absorbed + reject
    return np.maximum(heat_max * plant.conversion_efficiency / plant.compute_power_w
                      - plant.housekeeping_fraction, 0.0)


def thermal_advance(plant: Plant, temp_k: np.ndarray, seen: np.ndarray, load: np.ndarray, dt_s: float,
                    terms: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Radiator temperature after one step at ``load`` [K] (the balance of :func:`thermal_allowed_load`)."""
    absorbed, reject, gain = terms if terms is not None else radiator_terms(plant, temp_k, seen, dt_s)
    return temp_k + dt_s * (heat_w(plant, load) + absorbed - reject) / gain
