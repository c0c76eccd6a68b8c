"""Charts of the design studies: the optimum (each lever's position in its bounds, scenario vs optimum; or the
Pareto front of two objectives) and the reconcile waterfall (matplotlib by suffix, plotly for .html)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from terawatt.report.plots import _check_path, _pyplot, _save_png

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from terawatt.studies.optimize import Optimum
    from terawatt.studies.reconcile import Reconciliation


def _positions(opt: Optimum) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Lever names and the scenario's and the optimum's positions in the bounds (0 = low, 1 = high)."""
    names, old, new = [], [], []
    for lever in opt.levers:
        lo, hi = lever.span
        names.append(lever.name)
        for target, value in ((old, opt.baseline.get(lever.name)), (new, opt.design[lever.name])):
            target.append(np.nan if value is None else (lever.variable(value) - lo) / (hi - lo or 1.0))
    return names, np.array(old), np.array(new)


def optimum_figure(opt: Optimum) -> Figure:
    """The Pareto front (two objectives), or each lever's position in its bounds (one objective)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.8))
    if opt.front:
        x = np.array([p[opt.objectives[0]] for p in opt.front])
        y = np.array([p[opt.objectives[1]] for p in opt.front])
        ax.plot(x, y, "o-", ms=4, label="Pareto front (NSGA-II)")
        ax.plot([opt.baseline_outputs[opt.objectives[0]]], [opt.baseline_outputs[opt.objectives[1]]], "s",
                color="#d62728", label="scenario's design")
        ax.set_xlabel(f"{opt.labels[0]} [{opt.units[0]}]")
        ax.set_ylabel(f"{opt.labels[1]} [{opt.units[1]}]")
        ax.legend()
        ax.set_title(f"{opt.scenario}: Pareto front of {len(opt.front)} designs")
    else:
        names, old, new = _positions(opt)
        rows = np.arange(len(names))
        ax.barh(rows, new, color="#1f77b4", alpha=0.6, label="optimum")
        ax.plot(old, rows, "s", color="#d62728", label="scenario's design")
        ax.set_yticks(rows, names)
        ax.set_xlim(0, 1)
        ax.set_xlabel("position within the lever's bounds (0 = lower, 1 = upper)")
        key = opt.objectives[0]
        ax.set_title(f"{opt.scenario}: {opt.labels[0]} {opt.baseline_outputs[key]:.3g} -> {opt.outputs[key]:.3g} "
                     f"{opt.units[0]}")
        for row, lever in zip(rows, opt.levers, strict=True):  # the optimum's value, in its unit
            value = opt.design[lever.name]
            text = value if isinstance(value, str) else f"{value:.4g} {'' if lever.unit == '-' else lever.unit}"
            ax.text(0.01, row, text, va="center", fontsize="small")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
        ax.invert_yaxis()
    fig.tight_layout()
    return fig


def plot_optimum(opt: Optimum, path: Path) -> Path:
    """Write :func:`optimum_figure` to a .png, .svg, .pdf or .html file."""
    path = Path(path)
    _check_path(path)
    if path.suffix.lower() != ".html":
        return _save_png(optimum_figure(opt), path)
    import plotly.graph_objects as go

    fig = go.Figure()
    if opt.front:
        fig.add_trace(go.Scatter(x=[p[opt.objectives[0]] for p in opt.front],
                                 y=[p[opt.objectives[1]] for p in opt.front], mode="lines+markers",
                                 name="Pareto front"))
        fig.update_layout(xaxis_title=opt.objectives[0], yaxis_title=opt.objectives[1])
    else:
        names, old, new = _positions(opt)
        fig.add_trace(go.Bar(y=names, x=new, orientation="h", name="optimum"))
        fig.add_trace(go.Scatter(y=names, x=old, mode="markers", name="scenario's design"))
        fig.update_layout(xaxis_title="position within the lever's bounds", xaxis_range=[0, 1])
    fig.update_layout(title=f"terawatt optimize: {opt.scenario}")
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)
    return path


def _waterfall(rec: Reconciliation) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Bar labels, bottoms and heights: the preset, each step (fixed order), the target."""
    labels = ["preset", *(s.label for s in rec.steps), "target"]
    levels = [rec.start[rec.metric], *(s.after[rec.metric] for s in rec.steps)]
    bottoms = [0.0, *levels[:-1], 0.0]
    heights = [levels[0], *(s.change for s in rec.steps), rec.end[rec.metric]]
    return labels, np.array(bottoms), np.array(heights)


def waterfall_figure(rec: Reconciliation) -> Figure:
    """The waterfall: the preset's value, each group's change in the fixed order, the target's value; the
    Shapley value of each group (order-free) as a marker."""
    plt = _pyplot()
    labels, bottoms, heights = _waterfall(rec)
    fig, ax = plt.subplots(figsize=(9, 4.8))
    colours = ["#7f7f7f", *("#d62728" if h > 0 else "#2ca02c" for h in heights[1:-1]), "#1f77b4"]
    x = np.arange(len(labels))
    ax.bar(x, heights, bottom=bottoms, color=colours)
    shapley_top = [b + s.shapley for b, s in zip(bottoms[1:-1], rec.steps, strict=True)]
    ax.plot(x[1:-1], shapley_top, "k_", ms=18, mew=2, label="bar start + Shapley value (all orders)")
    ax.set_xticks(x, labels, rotation=30, ha="right")
    ax.set_ylabel(rec.metric)
    ax.set_title(f"reconcile {rec.preset} -> {rec.target}: {rec.start[rec.metric]:.3g} -> {rec.end[rec.metric]:.3g}")
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    return fig


def plot_waterfall(rec: Reconciliation, path: Path) -> Path:
    """Write :func:`waterfall_figure` to a .png, .svg, .pdf or .html file."""
    path = Path(path)
    _check_path(path)
    if path.suffix.lower() != ".html":
        return _save_png(waterfall_figure(rec), path)
    import plotly.graph_objects as go

    labels, _, heights = _waterfall(rec)
    fig = go.Figure(go.Waterfall(x=labels, y=list(heights), measure=["absolute", *["relative"] * len(rec.steps),
                                                                      "absolute"]))
    fig.update_layout(title=f"terawatt reconcile: {rec.preset} -> {rec.target}", yaxis_title=rec.metric)
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)
    return path
