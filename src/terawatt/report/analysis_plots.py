"""Charts of the sensitivity and scenario-discovery studies (matplotlib by suffix, plotly for .html):

- Sobol: first-order and total indices of the top inputs as horizontal bars with their bootstrap intervals;
- Morris: mu* against sigma, one labelled point per input (the screening plane);
- tornado: the output at each input's low and high bound around the central value;
- discovery: the peeling trajectory (coverage against density, coloured by the inputs restricted), the chosen
  box marked.

Kept apart from :mod:`terawatt.report.plots` so that the README figures' fingerprints (which hash that module)
do not change with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from terawatt.report.plots import _check_path, _pyplot, _save_png

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from terawatt.studies.discovery import Discovery
    from terawatt.studies.sensitivity import Sensitivity

#: Inputs shown in a bar chart (the most influential), and labelled in the Morris plane.
TOP = 15
LABELLED = 8


def _sensitivity_title(s: Sensitivity) -> str:
    when = f"in {s.year}" if s.year is not None else "base values"
    how = {"sobol": "Sobol indices, N = {n:,} ({runs:,} runs), {conf:.0%} bootstrap intervals",
           "morris": "Morris screening, {n} trajectories ({runs:,} runs)",
           "tornado": "tornado over the literature ranges, others at central"}[s.method]
    how = how.format(n=s.n, runs=s.evaluations, conf=s.conf_level)
    return f"{s.scenario} {when}: sensitivity of {s.output}\n{how}"


def sensitivity_figure(s: Sensitivity) -> Figure:
    """The chart of :class:`~terawatt.studies.sensitivity.Sensitivity` by its method (see the module docstring)."""
    plt = _pyplot()
    rows = list(s.rows)
    if s.method == "morris":
        fig, ax = plt.subplots(figsize=(8, 5.5), dpi=110)
        mu = np.array([r["mu_star"] for r in rows])
        sigma = np.array([r["sigma"] for r in rows])
        ax.scatter(mu, sigma, color="tab:blue")
        for r in rows[:LABELLED]:
            ax.annotate(r["parameter"], (r["mu_star"], r["sigma"]), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")
        ax.set(xlabel=f"mu* (mean |elementary effect|) [{s.unit} per unit of the quantile grid]",
               ylabel=f"sigma [{s.unit} per unit]")
    else:
        rows = rows[:TOP][::-1]
        names = [r["parameter"] for r in rows]
        y = np.arange(len(rows))
        fig, ax = plt.subplots(figsize=(9, 0.38 * len(rows) + 1.8), dpi=110)
        if s.method == "sobol":
            ax.barh(y + 0.2, [r["ST"] for r in rows], 0.4, xerr=[r["ST_conf"] for r in rows], label="total (ST)",
                    color="tab:blue")
            ax.barh(y - 0.2, [r["S1"] for r in rows], 0.4, xerr=[r["S1_conf"] for r in rows],
                    label="first order (S1)", color="tab:orange")
            ax.set_xlabel("share of the output variance [-]")
            ax.legend(loc="lower right")
        else:
            base = s.base
            low = np.array([r["output_low"] for r in rows]) - base
            high = np.array([r["output_high"] for r in rows]) - base
            ax.barh(y, low, left=base, color="tab:orange", label="input at its low bound")
            ax.barh(y, high, left=base, color="tab:blue", label="input at its high bound")
            ax.axvline(base, color="k", lw=1)
            ax.set_xlabel(f"{s.output} [{s.unit}] (central {base:.4g})")
            ax.legend(loc="lower right")
        ax.set_yticks(y, names, fontsize=8)
    ax.set_title(_sensitivity_title(s), fontsize=10)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def _html(path: Path, data: list, title: str, xlabel: str, ylabel: str) -> Path:
    import plotly.graph_objects as go

    fig = go.Figure(data)
    fig.update_layout(title=title.replace("\n", "<br>"), xaxis_title=xlabel, yaxis_title=ylabel)
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)
    return path


def plot_sensitivity(s: Sensitivity, path: Path) -> Path:
    """Write the sensitivity chart to a .png, .svg, .pdf or .html file."""
    path = Path(path)
    _check_path(path)
    if path.suffix.lower() != ".html":
        return _save_png(sensitivity_figure(s), path)
    import plotly.graph_objects as go

    names = [r["parameter"] for r in s.rows]
    if s.method == "morris":
        data = [go.Scatter(x=[r["mu_star"] for r in s.rows], y=[r["sigma"] for r in s.rows], text=names,
                           mode="markers+text", textposition="top right")]
        return _html(path, data, _sensitivity_title(s), "mu*", "sigma")
    if s.method == "sobol":
        data = [go.Bar(y=names, x=[r[k] for r in s.rows], orientation="h", name=k,
                       error_x={"array": [r[f"{k}_conf"] for r in s.rows]}) for k in ("ST", "S1")]
        return _html(path, data, _sensitivity_title(s), "share of the output variance", "")
    data = [go.Bar(y=names, x=[r[k] - s.base for r in s.rows], base=s.base, orientation="h", name=k)
            for k in ("output_low", "output_high")]
    return _html(path, data, _sensitivity_title(s), f"{s.output} [{s.unit}]", "")


# ------------------------------------------------------------------------------------------------- discovery
def _discovery_title(d: Discovery) -> str:
    return (f"{d.scenario} in {d.year}: where {d.condition} ({d.share:.1%} of {d.n:,} samples)\n"
            "PRIM peeling trajectory of box 1")


def discovery_figure(d: Discovery) -> Figure:
    """Coverage against density along the peeling trajectory of the first box, coloured by the number of inputs
    restricted; the chosen box (before pasting) and the final box marked."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    if d.boxes:
        box = d.boxes[0]
        t = d.trajectory_frame(1)
        points = ax.scatter(t["coverage"], t["density"], c=t["restricted"], cmap="viridis", s=18)
        fig.colorbar(points, ax=ax, label="inputs restricted")
        chosen = t.iloc[box.chosen]
        ax.scatter([chosen["coverage"]], [chosen["density"]], s=120, facecolors="none", edgecolors="tab:red",
                   label="chosen box (peeled)")
        ax.scatter([box.coverage], [box.density], marker="*", s=150, color="tab:red", label="after pasting")
        ax.axhline(d.options["threshold"], color="k", ls=":", lw=1, label="density threshold")
        ax.legend(loc="lower left")
    else:
        ax.text(0.5, 0.5, d.message, ha="center", va="center", wrap=True, transform=ax.transAxes)
    ax.set(xlabel="coverage (share of the samples of interest inside) [-]",
           ylabel="density (share of the box's samples of interest) [-]", xlim=(0, 1.02), ylim=(0, 1.02))
    ax.set_title(_discovery_title(d), fontsize=10)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def plot_discovery(d: Discovery, path: Path) -> Path:
    """Write the peeling-trajectory chart to a .png, .svg, .pdf or .html file."""
    path = Path(path)
    _check_path(path)
    if path.suffix.lower() != ".html":
        return _save_png(discovery_figure(d), path)
    import plotly.graph_objects as go

    t = d.trajectory_frame(1)
    data = [go.Scatter(x=t["coverage"], y=t["density"], mode="markers+lines", name="peeling trajectory",
                       text=[f"{k} inputs restricted" for k in t["restricted"]])]
    if d.boxes:
        data.append(go.Scatter(x=[d.boxes[0].coverage], y=[d.boxes[0].density], mode="markers", name="chosen box",
                               marker={"size": 14, "symbol": "star"}))
    return _html(path, data, _discovery_title(d), "coverage", "density")
