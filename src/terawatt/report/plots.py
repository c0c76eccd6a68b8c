"""Charts of studies: PNG through matplotlib (headless) or interactive HTML through plotly, by file suffix.

Every chart states what it shows in its title (scenario, year or years, and the switches that differ from the
registry defaults, such as "radiation effects off"), labels each axis with its unit, and draws the cost ratio in
ratio units. ``*_figure`` functions return the matplotlib figure (for notebooks and tests); ``plot_*`` write a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt.params import load_registry
from terawatt.report.output_path import PLOT_SUFFIXES
from terawatt.scenario import FieldError, Scenario, ScenarioError
from terawatt.studies.breakeven import RatioMap
from terawatt.studies.buildout import ORBIT_LIMITS, BuildOut
from terawatt.studies.timeline import Timeline

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SUFFIXES = PLOT_SUFFIXES  # matplotlib writes .png, .svg and .pdf by suffix; plotly .html
#: Colour of the orbit's area in the build-out chart, by binding constraint (none is the ground's blue).
ORBIT_COLOURS = {
    "demand": "tab:green",
    "launch vehicles": "tab:purple",
    "launch pads": "tab:red",
    "propellant": "tab:orange",
    "solar cells": "gold",
    "radiators": "tab:pink",
    "logic dies": "tab:brown",
    "HBM": "tab:olive",
    "packaging": "tab:cyan",
    "not started": "lightgray",
    "cost": "dimgray",
    "design infeasible": "black",
}
#: Legend text of the build-out chart for the orbit's non-supply states.
ORBIT_LABELS = {"demand": "meets its share", "not started": "not started", "cost": "cost-limited",
                "design infeasible": "design infeasible"}
#: How a title names a switch (a boolean ``<section>.enabled`` parameter) that differs from its default.
SWITCH_WORDS = {
    "radiation": "radiation effects",
    "atmosphere": "drag",
    "debris": "debris avoidance",
    "links": "link sizing",
    "edge": "edge inference",
}
#: Choice parameters that a title names when they differ from the default (those that exist in the registry).
CHOICE_SWITCHES = ("workload.kind", "radiation.workload_kind")
#: Ratio values offered as colour-bar ticks of the break-even map (a log colour scale labelled in ratio units).
RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
COST_LABEL = "cost [USD of 2025 per GPU-hour]"
#: PNG metadata without the library version, so that a regenerated figure differs only when its content does.
PNG_METADATA = {"Software": None}


def _check_path(path: Path) -> None:
    if path.suffix.lower() not in SUFFIXES:
        raise ScenarioError([FieldError("--plot", f"{path.name}: use a {', '.join(SUFFIXES)} file name")])


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# ----------------------------------------------------------------------------------------------------- labels
def switches_text(values: Mapping[str, Any]) -> str:
    """The switches of a scenario that differ from the registry defaults, in words.

    Parameters
    ----------
    values : Mapping
        Parameter values by dotted name (``Scenario.values``); missing names count as their default.

    Returns
    -------
    str
        E.g. ``"radiation effects off"`` or ``"radiation effects off, workload inference"``; empty when every
        switch is at its default.
    """
    registry = load_registry()
    parts = []
    for name, spec in registry.items():
        section, _, leaf = name.partition(".")
        value = values.get(name, spec.default)
        if spec.kind == "bool" and leaf == "enabled" and isinstance(value, bool | np.bool_):
            if bool(value) != bool(spec.default):
                parts.append(f"{SWITCH_WORDS.get(section, section)} {'on' if value else 'off'}")
    for name in CHOICE_SWITCHES:
        spec = registry.get(name)
        if spec is not None and isinstance(values.get(name), str) and values[name] != spec.default:
            parts.append(f"{name.split('.')[0]} {values[name]}")
    return ", ".join(parts)


def param_label(name: str) -> str:
    """Axis label of a registry parameter: its dotted name and unit, ``launch.price_usd_per_kg [USD/kg]``."""
    spec = load_registry().get(name)
    unit = "-" if spec is None or spec.unit in ("", "-") else spec.unit
    return f"{name} [{unit}]"


def _title(main: str, values: Mapping[str, Any] | None) -> str:
    switches = switches_text(values) if values is not None else ""
    return f"{main}\n({switches})" if switches else main


def _save_png(fig: Figure, path: Path) -> Path:
    fig.savefig(path, metadata=PNG_METADATA if Path(path).suffix.lower() == ".png" else None)  # svg/pdf: own keys
    _pyplot().close(fig)
    return path


def _log_axis(ax: Any, axis: str, lo: float, hi: float) -> None:
    """Log scale with plain-number tick labels; minor ticks labelled only within one decade (no crowding)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    getattr(ax, f"set_{axis}scale")("log")
    target = getattr(ax, f"{axis}axis")
    if hi / lo < 10:
        target.set_major_locator(LogLocator(subs=tuple(range(1, 10))))
    else:
        target.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if hi / lo < 1e3 else (1.0,)))
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 100 else f"{v:.3g}"))
    target.set_minor_formatter(NullFormatter())


# --------------------------------------------------------------------------------------------------- timeline
def _crossover_text(tl: Timeline) -> str:
    """``crossover 2031``, ``no crossover in range`` or, for samples, the share that cross and their median year."""
    cross = tl.crossover_year
    if isinstance(cross, np.ndarray):
        crossed = cross[np.isfinite(cross)]
        if crossed.size:
            return f"crossover in {crossed.size / cross.size:.0%} of samples, median {int(np.median(crossed))}"
        return "no crossover in range"
    return f"crossover {cross}" if isinstance(cross, int) else "no crossover in range"


def _timeline_title(tl: Timeline) -> str:
    years = f"{int(tl.years[0])}-{int(tl.years[-1])}"
    tail = _crossover_text(tl)
    return _title(f"{tl.result.scenario.name}: cost per GPU-hour, {years} ({tail})", tl.result.scenario.values)


def _timeline_bands(tl: Timeline) -> dict[str, np.ndarray]:
    bands = {}
    for label, key in (("orbit", "orbital.cost_per_gpu_hour_usd"), ("ground", "terrestrial.cost_per_gpu_hour_usd")):
        data = tl.series(key)
        bands[label] = np.nanpercentile(data, [5, 50, 95], axis=0) if data.ndim == 2 else np.stack([data] * 3)
    return bands


def timeline_figure(tl: Timeline) -> Figure:
    """Orbit and ground cost per GPU-hour over the years (median and 5-95 % band for samples), crossover marked."""
    plt = _pyplot()
    bands = _timeline_bands(tl)
    sampled = len(tl.shape) == 2
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    for label, colour in (("orbit", "tab:red"), ("ground", "tab:blue")):
        lo, mid, hi = bands[label]
        ax.plot(tl.years, mid, color=colour, label=label + (" (median)" if sampled else ""), lw=2)
        if sampled:
            ax.fill_between(tl.years, lo, hi, color=colour, alpha=0.2, label=f"{label} 5-95 %")
    finite = np.concatenate([b[np.isfinite(b) & (b > 0)] for b in bands.values()])
    if finite.size:
        _log_axis(ax, "y", float(finite.min()), float(finite.max()))
    cross = tl.crossover_year if isinstance(tl.crossover_year, int) else None
    if cross is not None:
        ax.axvline(cross, color="k", ls="--", lw=1, label=f"crossover {cross}")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.set_xlabel("year of deployment")
    ax.set_ylabel(COST_LABEL)
    ax.set_title(_timeline_title(tl), fontsize=11)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_timeline(tl: Timeline, path: Path) -> Path:
    """Write the timeline chart (:func:`timeline_figure`) to a .png, .svg, .pdf or .html file."""
    path = Path(path)
    _check_path(path)
    if path.suffix.lower() != ".html":
        return _save_png(timeline_figure(tl), path)
    import plotly.graph_objects as go

    bands = _timeline_bands(tl)
    fig = go.Figure()
    for label, colour in (("orbit", "#d62728"), ("ground", "#1f77b4")):
        lo, mid, hi = bands[label]
        if len(tl.shape) == 2:
            fig.add_trace(go.Scatter(x=tl.years, y=hi, line={"width": 0}, showlegend=False, hoverinfo="skip"))
            fig.add_trace(
                go.Scatter(x=tl.years, y=lo, fill="tonexty", line={"width": 0}, name=f"{label} 5-95%", opacity=0.3)
            )
        fig.add_trace(go.Scatter(x=tl.years, y=mid, name=label, line={"color": colour}))
    if isinstance(tl.crossover_year, int):
        fig.add_vline(x=tl.crossover_year, line_dash="dash", annotation_text=f"crossover {tl.crossover_year}")
    fig.update_layout(
        title=_timeline_title(tl).replace("\n", "<br>"),
        xaxis_title="year of deployment",
        yaxis_title=COST_LABEL,
        yaxis_type="log",
    )
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)
    return path


# ------------------------------------------------------------------------------------------------- ratio map
def _map_title(m: RatioMap, values: Mapping[str, Any] | None) -> str:
    when = "" if m.year is None else f" in {m.year}"
    return _title(f"{m.scenario}{when}: orbit / ground cost per GPU-hour", values)


def ratio_ticks(lo: float, hi: float) -> list[float]:
    """Ratio values [-] for the colour-bar ticks between ``lo`` and ``hi``: round values (1, 2, 5 per decade, only
    decades when that gives more than 9) plus the ends where no round value is near them, or 5 log-spaced values
    when fewer than 3 round ones fall inside."""
    ticks = [t for t in RATIO_TICKS if lo <= t <= hi]
    if len(ticks) > 9:
        ticks = [t for t in ticks if float(np.log10(t)).is_integer()]
    if len(ticks) < 3:
        inner = [float(f"{v:.2g}") for v in np.geomspace(lo, hi, 5)[1:-1]]
        return [_round(lo, up=True), *[v for v in inner if lo < v < hi], _round(hi, up=False)]
    # The ends of the data, where no round value is near them (e.g. the lowest ratio of a map that is mostly > 1).
    if ticks[0] / lo > 1.5:
        ticks.insert(0, _round(lo, up=True))
    if hi / ticks[-1] > 1.5:
        ticks.append(_round(hi, up=False))
    return ticks


def _group_markers(
    markers: Mapping[str, tuple[float, float]], m: RatioMap, close: float = 0.04
) -> list[tuple[str, float, float]]:
    """Markers inside the map, with names joined where points sit within ``close`` of each other (axis fraction)."""

    def frac(v: float, grid: np.ndarray) -> float:
        lo, hi = float(grid[0]), float(grid[-1])
        if lo > 0 and hi / lo > 100:
            return (np.log10(v) - np.log10(lo)) / (np.log10(hi) - np.log10(lo))
        return (v - lo) / (hi - lo)

    groups: list[list[Any]] = []
    for name, (px, py) in sorted(markers.items()):
        if not (m.x[0] <= px <= m.x[-1] and m.y[0] <= py <= m.y[-1]):
            continue
        fx, fy = frac(px, m.x), frac(py, m.y)
        for g in groups:
            if abs(g[3] - fx) < close and abs(g[4] - fy) < close:
                g[0].append(name)
                break
        else:
            groups.append([[name], px, py, fx, fy])
    return [(", ".join(g[0]), g[1], g[2]) for g in groups]


def _round(value: float, up: bool) -> float:
    """``value`` rounded up (or down) to two significant digits: a tick label that stays inside the data range."""
    scale = 10 ** (np.floor(np.log10(value)) - 1)
    steps = np.ceil(value / scale - 1e-9) if up else np.floor(value / scale + 1e-9)
    return float(f"{steps * scale:.2g}")


def _map_levels(log_ratio: np.ndarray, centre: float, n: int = 12) -> tuple[np.ndarray, list[Any]]:
    """Contour levels over the data's range in log10(ratio), and the colour of each band (white at ``centre``).

    Where the map crosses break-even, each side has ``n`` levels and its own colour scale from white, so that a
    map mostly above break-even still shows its cheaper region: red is full at the data's maximum, blue at the
    data's minimum or at 20 % below the target (whichever is further), so a few per cent cheaper is light blue.
    Where the whole map lies on one side, ``2 n`` levels span the data only and the colour's strength is the
    distance from break-even relative to the data's furthest point. The colour bar's labels give the values.
    """
    from matplotlib import colormaps

    finite = log_ratio[np.isfinite(log_ratio)]
    lo = float(finite.min()) if finite.size else centre - 1.0
    hi = float(finite.max()) if finite.size else centre + 1.0
    if hi - lo < 0.01:
        lo, hi = lo - 0.005, hi + 0.005
    if lo < centre < hi:
        levels = np.unique(np.concatenate([np.linspace(lo, centre, n), np.linspace(centre, hi, n)]))
        below, above = centre - min(lo, centre + np.log10(0.8)), hi - centre
    else:
        levels = np.linspace(lo, hi, 2 * n)
        below = above = max(abs(lo - centre), abs(hi - centre))
    mids = (levels[:-1] + levels[1:]) / 2
    strength = np.where(mids < centre, (mids - centre) / below, (mids - centre) / above)
    cmap = colormaps["RdBu_r"]
    return levels, [cmap(0.5 + 0.5 * float(np.clip(s, -1, 1))) for s in strength]


def ratio_map_figure(
    m: RatioMap,
    markers: Mapping[str, tuple[float, float]] | None = None,
    scenario: Scenario | None = None,
) -> Figure:
    """Filled contours of orbit/ground cost over two parameters, the break-even line and the scenarios marked.

    The colour scale is logarithmic in the ratio (centred on ``m.target_ratio``) and labelled in ratio units.
    ``scenario`` (the evaluated scenario) lets the title state the switches used.
    """
    plt = _pyplot()
    from matplotlib.lines import Line2D

    fig, ax = plt.subplots(figsize=(7.5, 6), dpi=110)
    log_ratio = np.log10(np.where(m.ratio > 0, m.ratio, np.nan))
    centre = np.log10(m.target_ratio)
    levels, colours = _map_levels(log_ratio, centre)
    cs = ax.contourf(m.x, m.y, log_ratio, levels=levels, colors=colours)
    bar = fig.colorbar(cs, ax=ax)
    ticks = ratio_ticks(10 ** levels[0], 10 ** levels[-1])
    if not any(tick < m.target_ratio for tick in ticks) and levels[0] < centre - 0.01:
        ticks.insert(0, _round(10 ** levels[0], up=True))  # the blue half of the bar gets a label too
    bar.set_ticks([np.log10(t) for t in ticks])
    bar.set_ticklabels([f"{t:g}" for t in ticks])
    bar.set_label("orbit / ground cost per GPU-hour [ratio, log scale]")
    finite = log_ratio[np.isfinite(log_ratio)]
    handles = []
    if finite.size and finite.min() < centre < finite.max():
        ax.contour(m.x, m.y, log_ratio, levels=[centre], colors="k", linewidths=2)
        handles.append(Line2D([], [], color="k", lw=2, label=f"break-even (ratio {m.target_ratio:g})"))
    for i, (name, px, py) in enumerate(_group_markers(markers or {}, m)):
        ax.plot(px, py, "ko", ms=5)
        ax.annotate(
            name,
            (px, py),
            textcoords="offset points",
            xytext=(5, 5 if i % 2 == 0 else -12),
            fontsize=8,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
        )
    if handles:
        ax.legend(handles=handles, loc="upper right", fontsize=8)
    for axis, values in (("x", m.x), ("y", m.y)):
        if values[0] > 0 and values[-1] / values[0] > 100:
            _log_axis(ax, axis, float(values[0]), float(values[-1]))
    ax.set_xlabel(param_label(m.param))
    ax.set_ylabel(param_label(m.param2))
    ax.set_title(_map_title(m, scenario.values if scenario is not None else None), fontsize=11)
    fig.tight_layout()
    return fig


def plot_ratio_map(
    m: RatioMap,
    path: Path,
    markers: Mapping[str, tuple[float, float]] | None = None,
    scenario: Scenario | None = None,
) -> Path:
    """Write the break-even map (:func:`ratio_map_figure`) to a .png, .svg, .pdf or .html file."""
    path = Path(path)
    _check_path(path)
    if path.suffix.lower() != ".html":
        return _save_png(ratio_map_figure(m, markers, scenario), path)
    import plotly.graph_objects as go

    log_ratio = np.log10(np.where(m.ratio > 0, m.ratio, np.nan))
    finite = log_ratio[np.isfinite(log_ratio)]
    ticks = ratio_ticks(10 ** float(finite.min()), 10 ** float(finite.max())) if finite.size else [1]
    centre = np.log10(m.target_ratio)
    colorbar = {
        "title": "orbit / ground [ratio]",
        "tickvals": [np.log10(t) for t in ticks],
        "ticktext": [f"{t:g}" for t in ticks],
    }
    fig = go.Figure(go.Contour(x=m.x, y=m.y, z=log_ratio, colorscale="RdBu_r", zmid=centre, colorbar=colorbar))
    fig.add_trace(
        go.Contour(
            x=m.x,
            y=m.y,
            z=log_ratio,
            contours={"start": centre, "end": centre, "coloring": "none"},
            line={"width": 3, "color": "black"},
            showscale=False,
            name="break-even",
        )
    )
    for name, px, py in _group_markers(markers or {}, m):
        fig.add_trace(
            go.Scatter(x=[px], y=[py], mode="markers+text", text=[name], textposition="top center", name=name)
        )
    title = _map_title(m, scenario.values if scenario is not None else None).replace("\n", "<br>")
    fig.update_layout(title=title, xaxis_title=param_label(m.param), yaxis_title=param_label(m.param2))
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)
    return path


# -------------------------------------------------------------------------------------------------- build-out
def _columns(b: BuildOut) -> tuple[list[int], list[dict[str, Any]], Any]:
    rows = b.rows()

    def col(key: str) -> np.ndarray:
        return np.array([np.nan if r.get(key) is None else r[key] for r in rows], float)

    return [r["year"] for r in rows], rows, col


def _buildout_title(b: BuildOut, years: list[int], scenario: Scenario | None) -> str:
    median = " (medians of the samples)" if b.sampled else ""
    main = f"{b.scenario}: build-out {years[0]}-{years[-1]}{median}"
    return _title(main, scenario.values if scenario is not None else None)


def buildout_figure(b: BuildOut, scenario: Scenario | None = None) -> Figure:
    """Four panels: AI power in service by side (orbit coloured by its binding constraint) against demand,
    launches per year against the launch limit, propellant, accelerators needed vs supplied (log scales where the
    series span decades). Sampled runs plot medians."""
    plt = _pyplot()
    years, rows, col = _columns(b)
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), dpi=100)
    ax = axes[0, 0]
    ground, orbit = np.nan_to_num(col("ground_gw_total")), np.nan_to_num(col("orbit_gw_total"))
    ax.fill_between(years, 0, ground, step="mid", color="tab:blue", alpha=0.6, label="ground")
    for limit in [lim for lim in ORBIT_LIMITS if any(r["orbit_binding"] == lim for r in rows)]:
        mask = np.array([r["orbit_binding"] == limit for r in rows])
        colour = ORBIT_COLOURS.get(limit, "tab:cyan")
        label = f"orbit ({ORBIT_LABELS.get(limit, limit + ' bind')})"
        ax.fill_between(years, ground, ground + orbit, where=mask, step="mid", color=colour, alpha=0.85, label=label)
    demand = col("demand_gw")
    served = ground + orbit
    short = np.nan_to_num(demand) > served + 1e-9
    if short.any():
        ax.fill_between(
            years,
            served,
            demand,
            where=short,
            step="mid",
            facecolor="none",
            edgecolor="0.4",
            hatch="///",
            lw=0,
            label="shortfall",
        )
    ax.plot(years, demand, "k--", label="demand")
    ax.set_title("AI IT power in service", fontsize=10)
    ax.set_ylabel("power [GW]")
    ax.legend(fontsize=7, loc="upper left")

    ax = axes[0, 1]
    launches = col("launches")
    ax.bar(years, np.where(launches > 0, launches, np.nan), color="tab:gray", label="launches")
    ax.plot(years, np.where(col("max_launches") > 0, col("max_launches"), np.nan), "r-", label="launch limit")
    ax.set_yscale("log")
    ax.set_title("launches", fontsize=10)
    ax.set_ylabel("launches [per yr]")
    ax.legend(fontsize=7, loc="upper left")

    ax = axes[1, 0]
    lox, methane = np.nan_to_num(col("lox_t")) / 1e6, np.nan_to_num(col("methane_t")) / 1e6
    ax.bar(years, lox, color="tab:cyan", label="LOX")
    ax.bar(years, methane, bottom=lox, color="tab:olive", label="methane")
    ax.set_title("launch propellant", fontsize=10)
    ax.set_ylabel("propellant [Mt per yr]")
    ax.legend(fontsize=7, loc="upper left")

    ax = axes[1, 1]
    needed, supplied = col("accelerators_needed") / 1e6, col("accelerators_supplied") / 1e6
    ax.plot(years, np.where(needed > 0, needed, np.nan), label="needed")
    ax.plot(years, np.where(supplied > 0, supplied, np.nan), label="supplied")
    ax.set_yscale("log")
    ax.set_title("accelerators (both sides)", fontsize=10)
    ax.set_ylabel("accelerators [millions per yr]")
    ax.legend(fontsize=7, loc="upper left")
    for a in axes.flat:
        a.grid(alpha=0.3, which="major")
        a.set_xlabel("year")
    fig.suptitle(_buildout_title(b, years, scenario))
    fig.tight_layout()
    return fig


def plot_buildout(b: BuildOut, path: Path, scenario: Scenario | None = None) -> Path:
    """Write the build-out charts (:func:`buildout_figure`) to a .png, .svg, .pdf or .html file."""
    path = Path(path)
    _check_path(path)
    if path.suffix.lower() != ".html":
        return _save_png(buildout_figure(b, scenario), path)
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    years, rows, col = _columns(b)
    fig = make_subplots(
        rows=2,
        cols=2,
        subplot_titles=(
            "AI IT power in service [GW]",
            "launches [per yr]",
            "propellant [t per yr]",
            "accelerators [per yr]",
        ),
    )
    fig.add_trace(go.Scatter(x=years, y=col("ground_gw_total"), stackgroup="gw", name="ground"), 1, 1)
    fig.add_trace(
        go.Scatter(
            x=years, y=col("orbit_gw_total"), stackgroup="gw", name="orbit", text=[r["orbit_binding"] for r in rows]
        ),
        1,
        1,
    )
    fig.add_trace(go.Scatter(x=years, y=col("demand_gw"), name="demand", line={"dash": "dash"}), 1, 1)
    fig.add_trace(go.Bar(x=years, y=col("launches"), name="launches"), 1, 2)
    fig.add_trace(go.Bar(x=years, y=col("propellant_t"), name="propellant"), 2, 1)
    fig.add_trace(go.Scatter(x=years, y=col("accelerators_needed"), name="needed"), 2, 2)
    fig.add_trace(go.Scatter(x=years, y=col("accelerators_supplied"), name="supplied"), 2, 2)
    fig.update_layout(title=_buildout_title(b, years, scenario).replace("\n", "<br>"))
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)
    return path
