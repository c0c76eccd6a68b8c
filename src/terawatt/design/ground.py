"""Size a terrestrial AI data centre and its power supply (grid, on-site gas, or solar + storage). Vectorized."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from terawatt._arrays import LazyFields, deferred_if, is_sampled
from terawatt._buffers import chain
from terawatt.constants import HOURS_PER_YEAR


@dataclass(frozen=True)
class GroundDesign(LazyFields):
    """A ground site, sized. Powers [W], energies per year [MWh/yr], storage [Wh], water [L/yr].

    For sample arrays, ``it_energy_mwh_per_yr`` and ``water_l_per_yr`` (read by outputs only) are
    :class:`~terawatt._arrays.Deferred`, computed on first read (:func:`terawatt._arrays.resolve`)."""

    accelerators: np.ndarray
    facility_power_w: np.ndarray
    it_energy_mwh_per_yr: np.ndarray
    facility_energy_mwh_per_yr: np.ndarray
    gas_capacity_w: np.ndarray
    pv_capacity_w: np.ndarray
    storage_capacity_wh: np.ndarray
    water_l_per_yr: np.ndarray

    def as_dict(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def size_ground_site(
    it_power_w: np.ndarray,
    server_power_w_per_accelerator: np.ndarray,
    utilization: np.ndarray,
    pue: np.ndarray,
    power_source: str,
    water_l_per_kwh: np.ndarray,
    solar_capacity_factor: np.ndarray,
    storage_hours: np.ndarray,
    storage_round_trip_efficiency: np.ndarray,
    solar_overbuild: np.ndarray,
) -> GroundDesign:
    r"""Size a ground site that provides ``it_power_w`` of IT power.

    Notes
    -----
    - Energy: IT power drawn in proportion to utilisation, :math:`E = P\,u\,\mathrm{PUE} \times 8760` h.
    - Gas: generating capacity :math:`P\,\mathrm{PUE}` (McCalip 2025 sizes the plant the same way).
    - Solar + storage: storage holds ``storage_hours`` of facility load; the share of energy that passes through
      it, :math:`f_s = h/24`, costs the round-trip loss; PV nameplate
      :math:`P_{pv} = k\,E (1 - f_s + f_s/\eta_{rt}) / (CF \times 8760\,h)` with overbuild :math:`k` for winter.
    """
    facility_power = it_power_w * pue
    # u x (P x 8760 h / 1e6) [MWh/yr], the facility power's factors first: one pass over the samples where P is one
    # number (a sampled utilisation), in one buffer where P is sampled (chain); within an ulp of P u 8760 / 1e6
    facility_energy_mwh = chain(facility_power * HOURS_PER_YEAR, (np.true_divide, 1e6), (np.multiply, utilization))
    gas = np.where(power_source == "gas", facility_power, 0.0) * np.ones_like(facility_power)
    if power_source == "solar_storage":
        stored_share = np.minimum(storage_hours / 24.0, 1.0)
        gross_mwh = facility_energy_mwh * (1.0 - stored_share + stored_share / storage_round_trip_efficiency)
        pv = solar_overbuild * gross_mwh * 1e6 / (solar_capacity_factor * HOURS_PER_YEAR)
        storage = facility_power * utilization * storage_hours
    else:
        pv = np.zeros_like(facility_power)
        storage = np.zeros_like(facility_power)
    sampled = is_sampled(facility_energy_mwh)
    return GroundDesign(
        accelerators=it_power_w / server_power_w_per_accelerator,
        facility_power_w=facility_power,
        it_energy_mwh_per_yr=deferred_if(sampled, lambda: it_power_w * utilization * HOURS_PER_YEAR / 1e6),
        facility_energy_mwh_per_yr=facility_energy_mwh,
        gas_capacity_w=gas,
        pv_capacity_w=pv,
        storage_capacity_wh=storage,
        water_l_per_yr=deferred_if(sampled, lambda: facility_energy_mwh * 1e3 * water_l_per_kwh),
    )
