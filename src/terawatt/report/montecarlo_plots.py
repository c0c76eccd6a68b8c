"""Charts of a Monte Carlo run: the CDF of the cost ratio in one year, or P(orbit cheaper) and P(crossover by then)
per year over years (matplotlib by suffix, plotly for .html). Kept apart from :mod:`terawatt.report.plots` so
that the README figures' fingerprints (which hash that module) do not change with it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from terawatt.report.plots import _check_path, _log_axis, _pyplot, _save_png

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from terawatt.studies.montecarlo import MonteCarlo


# ------------------------------------------------------------------------------------------------ Monte Carlo
def _montecarlo_curves(mc: MonteCarlo) -> tuple[str, list[tuple[str, np.ndarray, np.ndarray]]]:
    """(x label, [(label, x, probability)]): the CDF of the ratio in one year, or over years P(orbit cheaper) per
    year and P(crossed by the year)."""
    if mc.years is None:
        ratio = np.sort(np.asarray(mc.columns["comparison.cost_ratio"], float))
        finite = ratio[np.isfinite(ratio)]
        return "orbit / ground cost per GPU-hour", [("P(ratio <= x)", finite, np.arange(1, finite.size + 1) / mc.n)]
    years = np.asarray(mc.years, float)
    cheaper = np.array(list(mc.p_orbit_cheaper_by_year().values()))
    crossed = np.array([np.mean(mc.crossover_years <= y) for y in years])
    return "year of deployment", [("P(crossover by that year)", years, crossed),
                                  ("P(orbit cheaper that year)", years, cheaper)]


def _montecarlo_title(mc: MonteCarlo) -> str:
    when = f"in {mc.year}" if mc.year is not None else (
        f"{int(mc.years[0])}-{int(mc.years[-1])}" if mc.years is not None else "base values")
    head = f"{mc.scenario} {when}: {mc.n:,} samples of {len(mc.space.names)} uncertain inputs ({mc.sampler})"
    if mc.years is None:
        return f"{head}\nP(orbit cheaper) = {mc.p_orbit_cheaper:.1%}"
    return f"{head}\nP(crossover by 2030) = {mc.crossover_summary()['p_by_2030']:.1%}"


def montecarlo_figure(mc: MonteCarlo) -> Figure:
    """CDF of the cost ratio (one year, break-even at 1 marked) or the probabilities per year (over years)."""
    plt = _pyplot()
    xlabel, curves = _montecarlo_curves(mc)
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    for (label, x, p), style in zip(curves, ("-", "--"), strict=False):
        ax.step(x, p, where="post", lw=2, ls=style, label=label)
    if mc.years is None:
        ax.axvline(1.0, color="k", ls=":", lw=1, label="orbit = ground")
        x = curves[0][1]
        if x.size and x.min() > 0:
            _log_axis(ax, "x", min(float(x.min()), 0.9), max(float(x.max()), 1.1))
    else:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.set(ylim=(0, 1), xlabel=xlabel, ylabel="probability")
    ax.set_title(_montecarlo_title(mc), fontsize=11)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best")
    fig.tight_layout()
    return fig


def plot_montecarlo(mc: MonteCarlo, path: Path) -> Path:
    """Write the Monte Carlo chart (:func:`montecarlo_figure`) to a .png, .svg, .pdf or .html file."""
    path = Path(path)
    _check_path(path)
    if path.suffix.lower() != ".html":
        return _save_png(montecarlo_figure(mc), path)
    import plotly.graph_objects as go

    xlabel, curves = _montecarlo_curves(mc)
    fig = go.Figure([go.Scatter(x=x, y=p, name=label, line={"shape": "hv"}) for label, x, p in curves])
    fig.update_layout(title=_montecarlo_title(mc).replace("\n", "<br>"), xaxis_title=xlabel,
                      yaxis_title="probability", xaxis_type="log" if mc.years is None else None)
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)
    return path
