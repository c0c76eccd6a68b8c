"""Charts of a Monte Carlo run (matplotlib by suffix, plotly for .html).

- One year: the CDF of the cost ratio, break-even at 1 marked.
- Over years: fan charts (median, P25-P75 and P5-P95 bands) of the cost per GPU-hour on both sides and of the ratio,
  and the CDF of the crossover year (P(crossover by the year)) with P(orbit cheaper) that year.
- Build-out (``--study buildout``): fan charts of the orbit and ground GW in service, and the share of samples in
  which each constraint binds the orbit, per year.

Kept apart from :mod:`terawatt.report.plots` so that the README figures' fingerprints (which hash that module) do
not change with it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt.report.plots import _check_path, _log_axis, _pyplot, _save_png

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from terawatt.studies.montecarlo import MonteCarlo
    from terawatt.studies.montecarlo_buildout import BuildOutMonteCarlo

ORBIT_COLOUR, GROUND_COLOUR, RATIO_COLOUR = "tab:orange", "tab:blue", "tab:purple"
#: Fan-chart layers: (lower, upper, opacity), widest first.
BAND_LAYERS = (("p05", "p95", 0.18), ("p25", "p75", 0.38))
BAND_NOTE = "median, P25-P75 and P5-P95 bands"


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


def cost_bands(mc: MonteCarlo) -> dict[str, dict[str, np.ndarray]]:
    """Percentile bands per year of each per-year output of a run over years (``{key: {"p05": (Y,), ...}}``)."""
    from terawatt.studies.montecarlo import YEAR_OUTPUTS
    from terawatt.studies.montecarlo_buildout import percentile_bands

    return {key: percentile_bands(np.column_stack([mc.columns[f"{key}@{int(y)}"] for y in mc.years]))
            for key in YEAR_OUTPUTS}


def _fan(ax: Any, x: np.ndarray, bands: dict[str, np.ndarray], colour: str, label: str) -> None:
    """Median line over the P25-P75 and P5-P95 bands."""
    for lo, hi, alpha in BAND_LAYERS:
        ax.fill_between(x, bands[lo], bands[hi], color=colour, alpha=alpha, lw=0)
    ax.plot(x, bands["p50"], color=colour, lw=2, label=f"{label} (median)")


def _year_axis(ax: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.grid(True, which="both", alpha=0.3)


def _positive_range(*arrays: np.ndarray) -> tuple[float, float] | None:
    values = np.concatenate([np.ravel(a) for a in arrays])
    values = values[np.isfinite(values) & (values > 0)]
    return (float(values.min()), float(values.max())) if values.size else None


def montecarlo_figure(mc: MonteCarlo) -> Figure:
    """One year: the CDF of the cost ratio. Over years: fan charts of the costs per GPU-hour and of the ratio, and
    the CDF of the crossover year."""
    plt = _pyplot()
    if mc.years is None:
        return _ratio_cdf_figure(plt, mc)
    years = np.asarray(mc.years, float)
    bands = cost_bands(mc)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8), dpi=110)
    ax = axes[0]
    orbit, ground = bands["orbital.cost_per_gpu_hour_usd"], bands["terrestrial.cost_per_gpu_hour_usd"]
    _fan(ax, years, orbit, ORBIT_COLOUR, "orbit")
    _fan(ax, years, ground, GROUND_COLOUR, "ground")
    span = _positive_range(*orbit.values(), *ground.values())
    if span:
        _log_axis(ax, "y", span[0], span[1])
    ax.set(xlabel="year of deployment", ylabel="cost [USD of 2025 per GPU-hour]",
           title=f"cost per GPU-hour ({BAND_NOTE})")
    ax = axes[1]
    ratio = bands["comparison.cost_ratio"]
    _fan(ax, years, ratio, RATIO_COLOUR, "orbit / ground")
    ax.axhline(1.0, color="k", ls=":", lw=1, label="orbit = ground")
    span = _positive_range(*ratio.values())
    if span:
        _log_axis(ax, "y", min(span[0], 0.9), max(span[1], 1.1))
    ax.set(xlabel="year of deployment", ylabel="orbit / ground cost per GPU-hour", title="cost ratio")
    ax = axes[2]
    xlabel, curves = _montecarlo_curves(mc)
    for (label, x, p), style in zip(curves, ("-", "--"), strict=False):
        ax.step(x, p, where="post", lw=2, ls=style, label=label)
    ax.set(ylim=(0, 1), xlabel=xlabel, ylabel="probability", title="crossover year (CDF)")
    for ax in axes:
        _year_axis(ax)
        ax.legend(loc="best", fontsize=8)
    fig.suptitle(_montecarlo_title(mc), fontsize=11)
    fig.tight_layout()
    return fig


def _ratio_cdf_figure(plt: Any, mc: MonteCarlo) -> Figure:
    """CDF of the cost ratio in one year (or of the base values), break-even at 1 marked."""
    xlabel, curves = _montecarlo_curves(mc)
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    for label, x, p in curves:
        ax.step(x, p, where="post", lw=2, label=label)
    ax.axvline(1.0, color="k", ls=":", lw=1, label="orbit = ground")
    x = curves[0][1]
    if x.size and x.min() > 0:
        _log_axis(ax, "x", min(float(x.min()), 0.9), max(float(x.max()), 1.1))
    ax.set(ylim=(0, 1), xlabel=xlabel, ylabel="probability")
    ax.set_title(_montecarlo_title(mc), fontsize=11)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best")
    fig.tight_layout()
    return fig


def _plotly_fan(fig: Any, x: np.ndarray, bands: dict[str, np.ndarray], colour: str, label: str, row: int,
                col: int) -> None:
    import plotly.graph_objects as go
    from matplotlib.colors import to_rgba

    r, g, b, _ = (int(255 * c) for c in to_rgba(colour))
    for lo, hi, alpha in BAND_LAYERS:
        fill = f"rgba({r},{g},{b},{alpha})"
        fig.add_trace(go.Scatter(x=x, y=bands[lo], line={"width": 0}, showlegend=False, hoverinfo="skip"), row, col)
        fig.add_trace(go.Scatter(x=x, y=bands[hi], line={"width": 0}, fill="tonexty", fillcolor=fill,
                                 name=f"{label} {lo.upper()}-{hi.upper()}"), row, col)
    fig.add_trace(go.Scatter(x=x, y=bands["p50"], line={"color": f"rgb({r},{g},{b})", "width": 2},
                             name=f"{label} median"), row, col)


def plot_montecarlo(mc: MonteCarlo, path: Path) -> Path:
    """Write the Monte Carlo chart (:func:`montecarlo_figure`) to a .png, .svg, .pdf or .html file."""
    path = Path(path)
    _check_path(path)
    if path.suffix.lower() != ".html":
        return _save_png(montecarlo_figure(mc), path)
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    xlabel, curves = _montecarlo_curves(mc)
    title = _montecarlo_title(mc).replace("\n", "<br>")
    if mc.years is None:
        fig = go.Figure([go.Scatter(x=x, y=p, name=label, line={"shape": "hv"}) for label, x, p in curves])
        fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title="probability", xaxis_type="log")
    else:
        years, bands = np.asarray(mc.years), cost_bands(mc)
        fig = make_subplots(rows=1, cols=3, subplot_titles=(f"cost per GPU-hour [USD] ({BAND_NOTE})",
                                                            "orbit / ground cost", "crossover year (CDF)"))
        _plotly_fan(fig, years, bands["orbital.cost_per_gpu_hour_usd"], ORBIT_COLOUR, "orbit", 1, 1)
        _plotly_fan(fig, years, bands["terrestrial.cost_per_gpu_hour_usd"], GROUND_COLOUR, "ground", 1, 1)
        _plotly_fan(fig, years, bands["comparison.cost_ratio"], RATIO_COLOUR, "ratio", 1, 2)
        for label, x, p in curves:
            fig.add_trace(go.Scatter(x=x, y=p, name=label, line={"shape": "hv"}), 1, 3)
        fig.update_yaxes(type="log", row=1, col=1)
        fig.update_yaxes(type="log", row=1, col=2)
        fig.update_layout(title=title)
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)
    return path


# ------------------------------------------------------------------------------------------- build-out runs
def _buildout_title(bmc: BuildOutMonteCarlo) -> str:
    return (f"{bmc.scenario} build-out {int(bmc.years[0])}-{int(bmc.years[-1])}: {bmc.n:,} trajectories of "
            f"{len(bmc.space.names)} uncertain inputs ({bmc.sampler}, seed {bmc.seed})")


def _binding_shares(bmc: BuildOutMonteCarlo) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(years, {constraint: share per year}) of the orbit, for the constraints that bind in some year."""
    shares = bmc.binding_shares("orbit")
    names = next(iter(shares.values()))
    series = {k: np.array([shares[y][k] for y in shares]) for k in names}
    return np.asarray(bmc.years, float), {k: v for k, v in series.items() if v.any()}


def buildout_montecarlo_figure(bmc: BuildOutMonteCarlo) -> Figure:
    """Fan charts of orbit and ground GW in service, and the share of samples in which each constraint binds the
    orbit, per year."""
    from terawatt.report.plots import ORBIT_COLOURS

    plt = _pyplot()
    years = np.asarray(bmc.years, float)
    fig, axes = plt.subplots(1, 2, figsize=(14, 4.8), dpi=110)
    ax = axes[0]
    _fan(ax, years, bmc.bands("ground_gw_total"), GROUND_COLOUR, "ground")
    _fan(ax, years, bmc.bands("orbit_gw_total"), ORBIT_COLOUR, "orbit")
    ax.plot(years, bmc.bands("demand_gw")["p50"], color="k", ls="--", lw=1, label="demand (median)")
    ax.set(xlabel="year", ylabel="AI IT power in service [GW]", title=f"GW in service ({BAND_NOTE})")
    ax = axes[1]
    x, shares = _binding_shares(bmc)
    ax.stackplot(x, *shares.values(), labels=list(shares), colors=[ORBIT_COLOURS.get(k, "gray") for k in shares],
                 step="mid", alpha=0.85)
    ax.set(xlim=(x[0], x[-1]), ylim=(0, 1), xlabel="year", ylabel="share of samples",
           title="what binds the orbit (share of samples)")
    for ax in axes:
        _year_axis(ax)
    axes[0].legend(loc="upper left", fontsize=8)
    axes[1].legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    fig.suptitle(_buildout_title(bmc), fontsize=11)
    fig.tight_layout()
    return fig


def plot_buildout_montecarlo(bmc: BuildOutMonteCarlo, path: Path) -> Path:
    """Write the build-out Monte Carlo chart (:func:`buildout_montecarlo_figure`) to .png, .svg, .pdf or .html."""
    path = Path(path)
    _check_path(path)
    if path.suffix.lower() != ".html":
        return _save_png(buildout_montecarlo_figure(bmc), path)
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    years = np.asarray(bmc.years)
    fig = make_subplots(rows=1, cols=2, subplot_titles=(f"GW in service ({BAND_NOTE})",
                                                        "what binds the orbit (share of samples)"))
    _plotly_fan(fig, years, bmc.bands("ground_gw_total"), GROUND_COLOUR, "ground", 1, 1)
    _plotly_fan(fig, years, bmc.bands("orbit_gw_total"), ORBIT_COLOUR, "orbit", 1, 1)
    _, shares = _binding_shares(bmc)
    for name, share in shares.items():
        fig.add_trace(go.Scatter(x=years, y=share, name=name, stackgroup="binding"), 1, 2)
    fig.update_layout(title=_buildout_title(bmc))
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)
    return path
