"""Time to the first token on each side, and the price of waiting: idle capital and compute not delivered.

Money and lead times only; all functions pure and vectorized.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from terawatt._arrays import as_float
from terawatt.economics.finance import annuity_factor


def ground_time_to_power_yr(
    power_source: str,
    interconnection_wait_yr: ArrayLike,
    turbine_lead_time_yr: ArrayLike,
    transformer_lead_time_yr: ArrayLike,
    construction_time_yr: ArrayLike,
    solar_build_time_yr: ArrayLike,
) -> np.ndarray:
    """Years from decision to power at a ground site: the longest lead time that applies [yr].

    Notes
    -----
    The lead times run in parallel, so the longest binds: a grid connection waits for the interconnection queue,
    gas for turbines, solar + storage (behind the meter) for its own build; all need large transformers and the
    building itself.
    """
    specific = {"grid": interconnection_wait_yr, "gas": turbine_lead_time_yr, "solar_storage": solar_build_time_yr}
    specific_yr = as_float(specific[power_source])
    return np.maximum(np.maximum(specific_yr, as_float(transformer_lead_time_yr)), construction_time_yr)


def orbit_time_to_first_token_yr(
    satellite_build_time_yr: ArrayLike, slot_wait_yr: ArrayLike, commissioning_time_yr: ArrayLike
) -> np.ndarray:
    """Years from decision to the first token in orbit: build, any launch wait beyond it, then commissioning [yr]."""
    build = as_float(satellite_build_time_yr)
    return build + as_float(slot_wait_yr) + as_float(commissioning_time_yr)


def wait_cost_usd(
    capex_usd: ArrayLike,
    wait_yr: ArrayLike,
    discount_rate: ArrayLike,
    value_per_gpu_hour_usd: ArrayLike,
    gpu_hours_per_yr: ArrayLike,
) -> np.ndarray:
    r"""Present cost of waiting ``wait_yr`` for the first token [USD].

    Notes
    -----
    Capital committed at the decision (infrastructure; accelerators are bought when they can run) earns nothing
    until it delivers: :math:`K((1+r)^T - 1)`; the compute not
    delivered meanwhile is worth :math:`v H\,a(r, T)` with :math:`H` GPU-hours per year and :math:`a` the annuity
    factor. The sum is the cost of the wait; comparing two sides, only the difference in waits matters.
    """
    r = as_float(discount_rate)
    t = as_float(wait_yr)
    idle = as_float(capex_usd) * np.expm1(t * np.log1p(r))  # K((1+r)^T - 1)
    lost = as_float(value_per_gpu_hour_usd) * as_float(gpu_hours_per_yr) * annuity_factor(r, t)
    return idle + lost
