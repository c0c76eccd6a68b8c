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
    :func:`shadow` does the work from :math:`|r|^2`, :math:`r \\cdot s` and :math:`|s|^2`.
    """
    r_km, sun_km = np.broadcast_arrays(np.asarray(r_km, float), np.asarray(sun_km, float))
    return shadow(np.einsum("...i,...i->...", r_km, r_km), np.einsum("...i,...i->...", r_km, sun_km),
                  np.einsum("...i,...i->...", sun_km, sun_km))


def shadow(r2_km2: np.ndarray, rs_km2: np.ndarray, s2_km2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`illumination` from the satellite's squared radius, its dot product with the Sun and the Sun's
    squared distance [km2] (broadcasting): the vectorized form of the twin's chunks, in the inputs' precision
    (float32 moves an eclipse edge by ~1e-7 rad, 1e-4 s: ``tests/test_twin_propagation.py``).

    Notes
    -----
    :math:`|s - r|^2 = |s|^2 - 2 r\\cdot s + |r|^2` and :math:`\\cos\\theta = (|r|^2 - r\\cdot s)/(|r||s-r|)`. The
    umbra and full-sun tests compare cosines (:math:`\\cos(\\rho_E \\mp \\rho_S)` from the sines
    :math:`R/|r|`, :math:`R_S/|s-r|`); the angles are computed only in the penumbra, ~1 % of satellite-steps.
    """
    r2_km2, rs_km2, s2_km2 = np.asarray(r2_km2), np.asarray(rs_km2), np.asarray(s2_km2)
    dtype = np.result_type(r2_km2, rs_km2, s2_km2, np.float32)  # float32 in, float32 out (the twin's chunks)
    shape = np.broadcast_shapes(r2_km2.shape, rs_km2.shape, s2_km2.shape)
    r_norm = np.sqrt(np.broadcast_to(r2_km2, shape), out=np.empty(shape, dtype))
    d_norm = np.multiply(rs_km2, -2.0, out=np.empty(shape, dtype))  # in place: this runs on millions of points
    d_norm += s2_km2
    d_norm += r2_km2
    np.sqrt(d_norm, out=d_norm)
    cos_sep = np.subtract(r2_km2, rs_km2, out=np.empty(shape, dtype))
    cos_sep /= r_norm
    cos_sep /= d_norm
    sin_e = np.divide(_R_EARTH_KM, r_norm, out=r_norm)
    np.minimum(sin_e, 1.0, out=sin_e)
    sin_s = np.divide(_R_SUN_KM, d_norm, out=d_norm)
    cos_cos = np.multiply(sin_e, sin_e, out=np.empty(shape, dtype))
    np.subtract(1.0, cos_cos, out=cos_cos)
    sin_sin = np.multiply(sin_s, sin_s, out=np.empty(shape, dtype))
    np.subtract(1.0, sin_sin, out=sin_sin)
    cos_cos *= sin_sin
    np.sqrt(cos_cos, out=cos_cos)
    np.multiply(sin_e, sin_s, out=sin_sin)
    umbra = np.less(cos_cos + sin_sin, cos_sep, out=np.empty(shape, bool))  # theta < rho_E - rho_S
    cos_cos -= sin_sin
    full = np.less(cos_sep, cos_cos, out=np.empty(shape, bool))  # theta > rho_E + rho_S: full sun
    seen = full.astype(dtype)
    full |= umbra
    pen = np.flatnonzero(~full)
    if pen.size:
        theta = np.arccos(np.clip(cos_sep.flat[pen], -1.0, 1.0))
        rho_e, rho_s = np.arcsin(sin_e.flat[pen]), np.arcsin(sin_s.flat[pen])
        seen.flat[pen] = np.clip((theta - (rho_e - rho_s)) / (2.0 * rho_s), 0.0, 1.0)
    return seen, umbra


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


class Stepper:
    r"""The per-step battery and radiator recurrences of :func:`thermal_allowed_load`, :func:`power_limited_load`
    and :func:`thermal_advance`, fused and in place on preallocated buffers (the arithmetic of those functions,
    regrouped; ``tests/test_twin_propagation.py`` checks one against the other).

    Parameters
    ----------
    plant : Plant
        The satellite type.
    n : int
        Satellites [-].
    dt_s : float
        Time step [s].

    Notes
    -----
    Everything is in units of load, the fraction of IT power: heat is divided by the heat per unit of bus load
    :math:`h = P_{IT}/\eta_c`. ``supply`` is the array's output to the bus less housekeeping,
    :math:`\eta_c P_{array}/P_{IT} - f_{hk}`, and ``absorbed`` the radiator's absorbed heat plus housekeeping's,
    :math:`Q_{abs}/h + f_{hk}`, both computed for a whole chunk beforehand (:meth:`supply_and_absorbed`: they
    depend only on the illumination). With :math:`R = \eta_f A n\varepsilon\sigma(T^4 - T_{sink}^4)/h` and
    :math:`G = (C + 4\,dt\,\eta_f A n\varepsilon\sigma T^3)/(dt\,h)`: allowed :math:`= \max(0,
    (T_{lim} - T) G - absorbed + R)` and :math:`T \leftarrow T + (u + absorbed - R)/G`.
    """

    def __init__(self, plant: Plant, n: int, dt_s: float):
        p = plant.compute_power_w
        area = plant.fin_efficiency * plant.radiator_area_m2
        heat_per_load = p / plant.conversion_efficiency  # heat [W] per unit of bus load
        k_emit = area * plant.sides * plant.emissivity * STEFAN_BOLTZMANN_W_PER_M2_K4 / heat_per_load  # [1/K4]
        self.k_emit, self.k_sink = k_emit, k_emit * plant.sink_temp_k**4
        self.g_const, self.g_t3 = plant.heat_capacity_j_per_k / (dt_s * heat_per_load), 4.0 * k_emit
        self.limit = plant.limit_temp_k
        self.hk = plant.housekeeping_fraction
        self.heat_per_load = heat_per_load
        eta = np.sqrt(plant.battery_round_trip_efficiency)
        self.floor_wh = plant.battery_capacity_wh * (1.0 - plant.battery_depth_of_discharge)
        self.capacity_wh = plant.battery_capacity_wh
        self.usable_per_wh = 3600.0 / dt_s * eta / p  # battery energy above the floor -> load fraction
        wh_per_load = p * dt_s / 3600.0  # [Wh] per unit of load over a step
        self.charge_wh, self.discharge_wh = eta * wh_per_load, wh_per_load / eta
        self._t3, self._reject, self._gain, self._tmp = (np.empty(n) for _ in range(4))

    def supply_and_absorbed(self, plant: Plant, full_sun_w: np.ndarray,
                            seen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``supply`` and ``absorbed`` (see the class notes) [fractions of IT power] at the visible disc ``seen``."""
        supply = np.multiply(seen, plant.conversion_efficiency / plant.compute_power_w * full_sun_w)
        supply -= self.hk
        area = plant.fin_efficiency * plant.radiator_area_m2 / self.heat_per_load
        absorbed = np.multiply(seen, area * (plant.absorbed_sun_w_per_m2 - plant.absorbed_shade_w_per_m2))
        absorbed += area * plant.absorbed_shade_w_per_m2 + self.hk
        return supply, absorbed

    def step(self, temp_k: np.ndarray, energy_wh: np.ndarray, supply: np.ndarray, absorbed: np.ndarray,
             wanted: np.ndarray, load: np.ndarray, allowed: np.ndarray) -> None:
        """Advance ``temp_k`` and ``energy_wh`` in place by one step; write the carried ``load`` and the thermally
        ``allowed`` load [fractions of IT power]."""
        t3, reject, gain, tmp = self._t3, self._reject, self._gain, self._tmp
        np.multiply(temp_k, temp_k, out=t3)
        t3 *= temp_k
        np.multiply(t3, temp_k, out=reject)
        reject *= self.k_emit
        reject -= self.k_sink
        np.multiply(t3, self.g_t3, out=gain)
        gain += self.g_const
        # thermal_allowed_load: the heat that ends the step at the limit, as a load
        np.subtract(self.limit, temp_k, out=allowed)
        allowed *= gain
        allowed -= absorbed
        allowed += reject
        np.maximum(allowed, 0.0, out=allowed)
        # power_limited_load: array plus battery above its floor, housekeeping first
        np.subtract(energy_wh, self.floor_wh, out=tmp)
        np.maximum(tmp, 0.0, out=tmp)
        tmp *= self.usable_per_wh
        np.add(tmp, supply, out=load)
        np.maximum(load, 0.0, out=load)
        np.minimum(load, wanted, out=load)
        np.minimum(load, allowed, out=load)
        np.subtract(supply, load, out=tmp)  # net power to the battery [fraction of IT power]
        tmp *= np.where(tmp >= 0.0, self.charge_wh, self.discharge_wh)
        energy_wh += tmp
        np.clip(energy_wh, self.floor_wh, self.capacity_wh, out=energy_wh)
        # thermal_advance
        np.add(load, absorbed, out=tmp)
        tmp -= reject
        tmp /= gain
        temp_k += tmp
