"""The build-out's view of its supply chains: what the market plans for (from the demand path and the orbit's cost
share) and the per-year supply fields of :func:`terawatt.studies.buildout.buildout`.

The supply chains themselves (fabs, EUV tools, HBM, packaging, cell lines) are :mod:`terawatt.supply`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np

from terawatt.supply import CAUSES, CHIP_LINKS, SupplyNeeds, simulate_supply
from terawatt.supply.chain import HORIZON_YEARS

#: Per-year numeric supply fields added to the build-out's output (units in docs/design.md, "Supply chains").
SUPPLY_FIELDS = (
    "logic_wafer_starts_per_month",
    "dram_wafer_starts_per_month",
    "packaging_wafers_per_month",
    "terafab_wafer_starts_per_month",
    "euv_tools_delivered",
    "euv_tools_ai",
    "euv_tools_terafab",
    "euv_tools_installed",
    "fabs_under_construction",
    "fabs_under_construction_wpm",
    "supply_capex_usd",
    "logic_accelerator_equiv",
    "hbm_accelerator_equiv",
    "packaging_accelerator_equiv",
    "hbm_gb_supplied",
    "terafab_chips_per_yr",
    "terafab_accelerator_equiv",
    "cell_programme_gw_per_yr",
)
#: Per-year name fields of the supply (codes in ``data``, names in rows and frames).
SUPPLY_LABELS = {"chip_link": CHIP_LINKS, "chip_cause": CAUSES, "cells_cause": CAUSES}


def _extend(x: np.ndarray, extra: int) -> np.ndarray:
    """Append ``extra`` copies of the last year."""
    return np.concatenate([x, np.repeat(x[..., -1:], extra, axis=-1)], axis=-1)


def market_needs(
    p: Mapping[str, np.ndarray],
    years: np.ndarray,
    accelerators_per_w: np.ndarray,
    array_w_per_w: np.ndarray,
    orbit_share: np.ndarray,
    hbm_gb_per_accelerator: float,
) -> SupplyNeeds:
    r"""The need the supply chains plan for, from the first year to ``HORIZON_YEARS`` after the last.

    Notes
    -----
    With demand :math:`D(y)` [GW] on its path (:math:`D_{cap}`, growth), accelerators per watt :math:`a` and
    hardware life :math:`L`: accelerators :math:`a\,(\max(D(y) - D(y-1), 0) + D(y-1)/L)` a year; space cells
    :math:`s\,w\,(\max(D(y) - D(y-1), 0) + D(y-1)/L_{sat})` GW/yr with :math:`s` the orbit's wanted share of
    additions that year (the cost-share rule, before any limit) and :math:`w` array watts per IT watt. Beyond the
    last year every input keeps its last value.
    """
    h = HORIZON_YEARS
    all_years = np.arange(int(years[0]) - 1, int(years[-1]) + h + 1)
    shape = np.broadcast_shapes(*(np.shape(v) for v in p.values()), years.shape)
    n = shape[:-1]

    def ext(key_or_array: str | np.ndarray) -> np.ndarray:
        x = p[key_or_array] if isinstance(key_or_array, str) else key_or_array
        x = np.broadcast_to(np.asarray(x, float), shape)
        return _extend(np.concatenate([x[..., :1], x], axis=-1), h)  # (..., 1 + Y + H): one year before the first

    d0 = np.broadcast_to(np.asarray(p["buildout.demand_2025_gw"], float)[..., 0], n)[..., None]
    growth, cap = ext("buildout.demand_growth_per_yr"), ext("buildout.demand_cap_gw")
    demand = np.minimum(cap, d0 * (1.0 + growth) ** (all_years - 2025))
    added = np.maximum(np.diff(demand, axis=-1), 0.0)
    before = demand[..., :-1]
    life = ext("workload.hardware_lifetime_yr")[..., 1:]
    sat_life = np.maximum(np.round(ext("satellite.lifetime_yr")[..., 1:]), 1.0)
    acc = ext(accelerators_per_w)[..., 1:] * 1e9 * (added + before / np.maximum(life, 1e-9))
    cells = ext(orbit_share)[..., 1:] * ext(array_w_per_w)[..., 1:] * (added + before / sat_life)
    return SupplyNeeds(acc, cells, hbm_gb_per_accelerator)


def supply(
    p: Mapping[str, np.ndarray],
    years: np.ndarray,
    accelerators_per_w: np.ndarray,
    array_w_per_w: np.ndarray,
    orbit_share: np.ndarray,
    hbm_gb_per_accelerator: float,
    outputs: Collection[str] | None = None,
    year_major: bool = False,
) -> dict[str, np.ndarray]:
    """Per-year supply of the build-out (``terawatt.supply.simulate_supply`` on :func:`market_needs`): the arrays
    named in ``outputs`` (default: all), (..., Y) or, with ``year_major``, (Y, ...)."""
    needs = market_needs(p, years, accelerators_per_w, array_w_per_w, orbit_share, hbm_gb_per_accelerator)
    return simulate_supply(p, years, needs, outputs, year_major)
