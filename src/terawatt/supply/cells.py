"""Solar-cell lines: capital and lead time by grade (terrestrial c-Si lines vs space-grade lines). Vectorized."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def blend(space_grade_fraction: ArrayLike, space_value: ArrayLike, terrestrial_value: ArrayLike) -> np.ndarray:
    r"""A line property of a programme building a share :math:`f` of space-grade lines, the rest terrestrial-grade:
    :math:`f x_s + (1 - f) x_t` (capital per GW [USD per GW/yr], lead time [yr], ramp [yr])."""
    f = np.asarray(space_grade_fraction, float)
    return f * np.asarray(space_value, float) + (1.0 - f) * np.asarray(terrestrial_value, float)


def lines_affordable_gw_per_yr(capex_cap_usd_per_yr: ArrayLike, capex_usd_per_gw: ArrayLike) -> np.ndarray:
    """Cell-line capacity [GW/yr of cells] a year's capital buys: cap [USD/yr] over capital per GW/yr of capacity."""
    return np.asarray(capex_cap_usd_per_yr, float) / np.maximum(np.asarray(capex_usd_per_gw, float), 1e-30)
