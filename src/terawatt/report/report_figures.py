"""Figures of the report, each in two forms: a plotly figure (the HTML report, interactive) and a matplotlib
figure (the Markdown report's PNGs). Drawing only: every number comes from a study result passed in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt.report.plots import COST_LABEL, _pyplot, buildout_figure, param_label, ratio_map_figure

if TYPE_CHECKING:
    from terawatt.studies.breakeven import RatioMap
    from terawatt.studies.buildout import BuildOut
    from terawatt.studies.montecarlo import MonteCarlo

ORBIT, GROUND = "#d62728", "#1f77b4"
BAND = {ORBIT: "rgba(214, 39, 40, 0.2)", GROUND: "rgba(31, 119, 180, 0.2)"}


def cost_bands(mc: MonteCarlo) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """P5, P50, P95 per year of each side's cost per GPU-hour over the Monte Carlo samples."""
    out = {}
    for side, key in (("orbit", "orbital.cost_per_gpu_hour_usd"), ("ground", "terrestrial.cost_per_gpu_hour_usd")):
        m = np.column_stack([np.asarray(mc.columns[f"{key}@{int(y)}"], float) for y in mc.years])
        with np.errstate(all="ignore"):
            p = [np.nanpercentile(m, q, axis=0) if np.isfinite(m).any() else np.full(m.shape[1], np.nan)
                 for q in (5, 50, 95)]
        out[side] = (p[0], p[1], p[2])
    return out


def crossover_counts(mc: MonteCarlo) -> tuple[list[str], list[float]]:
    """Share of samples crossing in each year of the run and beyond it ("never in range")."""
    cross = mc.crossover_years
    labels = [str(int(y)) for y in mc.years] + ["never"]
    shares = [float(np.mean(cross == y)) for y in mc.years] + [float(np.mean(np.isnan(cross)))]
    return labels, shares


# ------------------------------------------------------------------------------------------------------- plotly
def plotly_timeline(mc: MonteCarlo, central: dict[str, np.ndarray]) -> Any:
    import plotly.graph_objects as go

    years = [int(y) for y in mc.years]
    fig = go.Figure()
    for side, colour in (("orbit", ORBIT), ("ground", GROUND)):
        lo, mid, hi = cost_bands(mc)[side]
        fig.add_trace(go.Scatter(x=years, y=hi, line={"width": 0}, showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=years, y=lo, fill="tonexty", line={"width": 0}, name=f"{side} P5-P95",
                                 fillcolor=BAND[colour]))
        fig.add_trace(go.Scatter(x=years, y=mid, name=f"{side} P50", line={"color": colour, "dash": "dot"}))
        fig.add_trace(go.Scatter(x=years, y=central[side], name=f"{side} (scenario values)", line={"color": colour}))
    fig.update_layout(title=f"{mc.scenario}: cost per GPU-hour by year of deployment ({mc.n:,} samples)",
                      xaxis_title="year of deployment", yaxis_title=COST_LABEL, yaxis_type="log")
    return fig


def plotly_crossover(mc: MonteCarlo) -> Any:
    import plotly.graph_objects as go

    labels, shares = crossover_counts(mc)
    fig = go.Figure(go.Bar(x=labels, y=shares, marker_color=["#7f7f7f" if x == "never" else ORBIT for x in labels]))
    fig.update_layout(title="crossover year: first year orbit is as cheap as the ground (share of samples)",
                      xaxis_title="crossover year", yaxis_title="share of samples", yaxis_tickformat=".0%")
    return fig


def plotly_ratio_map(m: RatioMap) -> Any:
    import plotly.graph_objects as go

    with np.errstate(all="ignore"):
        z = np.log10(np.where(m.ratio > 0, m.ratio, np.nan))
    fig = go.Figure(go.Contour(x=m.x, y=m.y, z=z, colorscale="RdBu_r", zmid=0.0,
                               colorbar={"title": "log10 orbit/ground"}, contours={"showlabels": True}))
    fig.add_trace(go.Contour(x=m.x, y=m.y, z=z, contours={"start": 0, "end": 0, "size": 1, "coloring": "none"},
                             line={"width": 3, "color": "black"}, showscale=False, name="break-even"))
    fig.update_layout(title=f"{m.scenario}: orbit/ground cost per GPU-hour (log10; 0 = break-even)",
                      xaxis_title=param_label(m.param), yaxis_title=param_label(m.param2))
    if m.x[0] > 0 and m.x[-1] / m.x[0] > 100:
        fig.update_xaxes(type="log")
    if m.y[0] > 0 and m.y[-1] / m.y[0] > 100:
        fig.update_yaxes(type="log")
    return fig


def plotly_buildout(b: BuildOut) -> Any:
    import plotly.graph_objects as go

    rows = b.rows()
    years = [r["year"] for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=years, y=[r["ground_gw_total"] for r in rows], stackgroup="gw", name="ground",
                             line={"color": GROUND}, text=[r["ground_binding"] for r in rows]))
    fig.add_trace(go.Scatter(x=years, y=[r["orbit_gw_total"] for r in rows], stackgroup="gw", name="orbit",
                             line={"color": ORBIT}, text=[r["orbit_binding"] for r in rows]))
    fig.add_trace(go.Scatter(x=years, y=[r["demand_gw"] for r in rows], name="demand", line={"dash": "dash"}))
    fig.update_layout(title=f"{b.scenario}: AI IT power in service [GW] (hover: the binding constraint)",
                      xaxis_title="year", yaxis_title="GW")
    return fig


def plotly_sobol(sobol: Any) -> Any:
    """Sobol total (and first-order) indices with their bootstrap half-widths, the top 12."""
    import plotly.graph_objects as go

    top = list(sobol.rows)[:12][::-1]
    names = [r["parameter"] for r in top]
    fig = go.Figure([
        go.Bar(x=[r["ST"] for r in top], y=names, orientation="h", name="ST (total)", marker_color=ORBIT,
               error_x={"type": "data", "array": [r["ST_conf"] for r in top]}),
        go.Bar(x=[r["S1"] for r in top], y=names, orientation="h", name="S1 (first order)", marker_color=GROUND,
               error_x={"type": "data", "array": [r["S1_conf"] for r in top]}),
    ])
    fig.update_layout(title=f"Sobol indices of {sobol.output}", xaxis_title="index [-]", barmode="group",
                      margin={"l": 300})
    return fig


def plotly_mass(budget: Sequence[tuple[str, float]]) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=[v for _, v in budget], y=[k for k, _ in budget], orientation="h"))
    fig.update_layout(title="mass budget of one satellite [kg]", xaxis_title="kg", margin={"l": 160})
    return fig


# --------------------------------------------------------------------------------------------------- matplotlib
def mpl_timeline(mc: MonteCarlo, central: dict[str, np.ndarray]) -> Any:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    for side, colour in (("orbit", ORBIT), ("ground", GROUND)):
        lo, mid, hi = cost_bands(mc)[side]
        ax.fill_between(mc.years, lo, hi, color=colour, alpha=0.2, label=f"{side} P5-P95")
        ax.plot(mc.years, mid, ":", color=colour, label=f"{side} P50")
        ax.plot(mc.years, central[side], color=colour, label=f"{side} (scenario values)")
    ax.set_yscale("log")
    ax.set_xlabel("year of deployment")
    ax.set_ylabel(COST_LABEL)
    ax.set_title(f"{mc.scenario}: cost per GPU-hour ({mc.n:,} samples)", fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def mpl_crossover(mc: MonteCarlo) -> Any:
    plt = _pyplot()
    labels, shares = crossover_counts(mc)
    fig, ax = plt.subplots(figsize=(8, 3.5), dpi=100)
    ax.bar(labels, shares, color=["#7f7f7f" if x == "never" else ORBIT for x in labels])
    ax.set_ylabel("share of samples")
    ax.set_xlabel("crossover year")
    ax.tick_params(axis="x", labelrotation=90, labelsize=7)
    ax.set_title("crossover-year distribution", fontsize=10)
    fig.tight_layout()
    return fig


def mpl_ratio_map(m: RatioMap) -> Any:
    return ratio_map_figure(m)


def mpl_buildout(b: BuildOut) -> Any:
    return buildout_figure(b)


def mpl_sobol(sobol: Any) -> Any:
    plt = _pyplot()
    top = list(sobol.rows)[:12][::-1]
    y = np.arange(len(top))
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(top) + 1.2), dpi=100)
    ax.barh(y + 0.2, [r["ST"] for r in top], 0.4, xerr=[r["ST_conf"] for r in top], color=ORBIT, label="ST (total)")
    ax.barh(y - 0.2, [r["S1"] for r in top], 0.4, xerr=[r["S1_conf"] for r in top], color=GROUND,
            label="S1 (first order)")
    ax.set_yticks(y, [r["parameter"] for r in top])
    ax.set_xlabel(f"Sobol index of {sobol.output} [-]")
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def mpl_mass(budget: Sequence[tuple[str, float]]) -> Any:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3), dpi=100)
    ax.barh([k for k, _ in budget], [v for _, v in budget])
    ax.set_xlabel("kg")
    ax.set_title("mass budget of one satellite", fontsize=10)
    fig.tight_layout()
    return fig
