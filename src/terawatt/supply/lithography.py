"""EUV lithography: tools delivered per year and the wafer-layer exposures a tool makes per year. Vectorized."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from terawatt.constants import HOURS_PER_YEAR


def tools_delivered_per_yr(
    years_since_2026: ArrayLike, first_per_yr: ArrayLike, ceiling_per_yr: ArrayLike, growth_per_yr: ArrayLike
) -> np.ndarray:
    r"""EUV scanners the maker can deliver in a year [1/yr]: :math:`\min(T_{max}, T_{2026}(1+g)^{t})`.

    Parameters
    ----------
    years_since_2026 : array_like
        :math:`t` [yr].
    first_per_yr : array_like
        Deliveries in 2026 [1/yr].
    ceiling_per_yr : array_like
        Production capacity the deliveries grow toward [1/yr].
    growth_per_yr : array_like
        Annual growth of deliveries [1/yr].

    References
    ----------
    ASML quarterly results (2023: 53, 2024: 44, 2025: 48 EUV systems); ASML capacity plans (90 low-NA, 20 high-NA).
    """
    t = np.asarray(years_since_2026, float)
    grown = np.asarray(first_per_yr, float) * (1.0 + np.asarray(growth_per_yr, float)) ** t
    return np.minimum(np.asarray(ceiling_per_yr, float), grown)


def exposures_per_tool_yr(wafers_per_hour: ArrayLike, productivity: ArrayLike) -> np.ndarray:
    r"""Wafer-layer exposures one scanner makes in a year [1/yr]: :math:`W_h \cdot 8760 \cdot \eta`.

    Parameters
    ----------
    wafers_per_hour : array_like
        Rated throughput at the reference dose [wafers/h] (NXE:3800E 220 wph).
    productivity : array_like
        Production exposures over rated throughput x hours [-]: uptime, production doses above the rated
        30 mJ/cm2, rework, monitor wafers and multi-exposure layers.

    Notes
    -----
    One EUV layer of one wafer is one exposure; a node with :math:`L` EUV layers and :math:`S` wafer starts per
    month needs :math:`12 S L / E` tools, :math:`E` this function's value.
    """
    return np.asarray(wafers_per_hour, float) * HOURS_PER_YEAR * np.asarray(productivity, float)


def tools_for_wafer_starts(
    wafer_starts_per_month: ArrayLike, euv_layers: ArrayLike, exposures_per_tool: ArrayLike
) -> np.ndarray:
    """EUV scanners needed to expose ``wafer_starts_per_month`` wafers of a node with ``euv_layers`` EUV layers [-]."""
    return (
        12.0
        * np.asarray(wafer_starts_per_month, float)
        * np.asarray(euv_layers, float)
        / np.asarray(exposures_per_tool, float)
    )
