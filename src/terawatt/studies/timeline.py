"""Timeline: cost of orbit and ground in every calendar year, in one vectorized pass, and the crossover year.

The cost in year *y* is the levelized cost of a deployment built that year with that year's technology and
prices (each parameter with a trajectory takes its year-*y* value); the years are a trailing array axis, so a
scenario of N samples over Y years evaluates once as an (N, Y) array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt.model import evaluate
from terawatt.results import Result, json_outputs, no_value_row, years_frame
from terawatt.scenario import Scenario, ScenarioError
from terawatt.trajectory import BASE_YEAR, year_span_errors

if TYPE_CHECKING:
    import pandas as pd

#: Outputs reported per year (the JSON keys drop the section prefix where noted in :meth:`Timeline.rows`).
YEAR_OUTPUTS = (
    "orbital.cost_per_gpu_hour_usd",
    "terrestrial.cost_per_gpu_hour_usd",
    "comparison.cost_ratio",
    "orbital.cost_per_kw_year_usd",
    "terrestrial.cost_per_kw_year_usd",
    "orbital.cost_per_gpu_hour_with_wait_usd",
    "terrestrial.cost_per_gpu_hour_with_wait_usd",
    "comparison.cost_ratio_with_wait",
    "orbital.launch_price_usd_per_kg",
    "orbital.specific_power_w_per_kg",
    "comparison.breakeven_launch_price_usd_per_kg",
)


def crossover_year(years: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """First year with ``ratio <= 1`` along the last axis; NaN where none (NaN ratios never cross).

    Parameters
    ----------
    years : numpy.ndarray
        Calendar years, shape (Y,).
    ratio : numpy.ndarray
        Orbit / ground cost, shape (..., Y).
    """
    crossed = np.asarray(ratio, float) <= 1.0
    first = np.argmax(crossed, axis=-1)
    return np.where(crossed.any(axis=-1), np.asarray(years, float)[first], np.nan)


@dataclass(frozen=True)
class Timeline:
    """Per-year outputs (arrays over years, or samples x years) and the crossover year."""

    years: np.ndarray
    result: Result
    crossover_year: Any  # int | None for a scalar scenario; float array (NaN = none) for samples

    def series(self, key: str) -> np.ndarray:
        """One output over the years (shape (Y,) or (N, Y))."""
        return np.broadcast_to(np.asarray(self.result[key], float), self.shape)

    @property
    def shape(self) -> tuple[int, ...]:
        """(Y,) or (N, Y): outputs with no trajectory behind them are constant over the years."""
        return np.broadcast_shapes(np.shape(self.result["comparison.cost_ratio"]), self.years.shape)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per year with the canonical year fields.

        For a sampled scenario each field is the median over the samples, with ``<field>_p05`` and ``<field>_p95``.
        """
        sampled = len(self.shape) == 2
        rows = []
        for i, year in enumerate(self.years):
            row: dict[str, Any] = {"year": int(year)}
            for key in YEAR_OUTPUTS:
                section, name = key.split(".", 1)
                field = f"{section}_{name}" if section in ("orbital", "terrestrial") else name
                column = self.series(key)[..., i]
                if sampled:
                    p05, p50, p95 = np.nanpercentile(column, [5, 50, 95]) if np.isfinite(column).any() else [np.nan] * 3
                    row.update({field: _clean(p50), f"{field}_p05": _clean(p05), f"{field}_p95": _clean(p95)})
                else:
                    row[field] = _clean(float(column))
            rows.append(row)
        return rows

    def to_dict(self) -> dict[str, Any]:
        """``{"crossover_year": int | None, "years": [{"year", "orbital_cost_per_gpu_hour_usd", ...}]}``.

        For a sampled scenario ``crossover_year`` is the median over samples (None when fewer than half cross in
        range), ``crossover_probability`` the share of samples that cross, and the year fields are medians.
        """
        out: dict[str, Any] = {"scenario": self.result.scenario.name}
        cross = self.crossover_year
        if isinstance(cross, np.ndarray):
            share = float(np.mean(np.isfinite(cross)))
            median = float(np.nanmedian(np.where(np.isfinite(cross), cross, np.inf))) if cross.size else np.inf
            out["crossover_year"] = int(median) if np.isfinite(median) else None
            out["crossover_probability"] = share
        else:
            out["crossover_year"] = cross
        out["years"] = [no_value_row(row) for row in self.rows()]
        return out

    def to_frame(self) -> pd.DataFrame:
        """Every output per year: index ``year`` (or ``sample``, ``year`` for a sampled scenario), one column per
        dotted output key, units in ``frame.attrs["units"]``."""
        return years_frame(self.years, json_outputs(self.result.outputs), self.shape)


def _clean(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def timeline(scenario: Scenario, start: int = BASE_YEAR, end: int = 2045) -> Timeline:
    """Evaluate ``scenario`` in every year from ``start`` to ``end`` (inclusive) in one pass.

    Raises
    ------
    ScenarioError
        Years outside the model's calendar or reversed; a trajectory value outside its parameter's range.
    """
    errors = year_span_errors(start, end)
    if errors:
        raise ScenarioError(errors)
    years = np.arange(start, end + 1)
    result = evaluate(scenario.at_years(years))
    tl = Timeline(years, result, None)
    cross = crossover_year(years, tl.series("comparison.cost_ratio"))
    if np.ndim(cross) == 0:
        cross = None if np.isnan(cross) else int(cross)
    return Timeline(years, result, cross)
