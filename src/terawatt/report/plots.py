"""Charts of studies: PNG through matplotlib (headless) or interactive HTML through plotly, by file suffix."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from terawatt.scenario import FieldError, ScenarioError
from terawatt.studies.breakeven import RatioMap
from terawatt.studies.buildout import BuildOut
from terawatt.studies.timeline import Timeline

SUFFIXES = (".png", ".svg", ".pdf", ".html")  # matplotlib writes the first three by suffix
#: Legend text of the build-out chart for the orbit's non-supply states.
ORBIT_LABELS = {"demand": "meets its share", "not started": "not started", "cost": "cost-limited"}


def _check_path(path: Path) -> None:
    if path.suffix.lower() not in SUFFIXES:
        raise ScenarioError([FieldError("--plot", f"{path.name}: use a .png or .html file name")])


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_timeline(tl: Timeline, path: Path) -> Path:
    """Orbit and ground cost per GPU-hour over the years (median and 5-95% band for samples), crossover marked."""
    path = Path(path)
    _check_path(path)
    orbit = tl.series("orbital.cost_per_gpu_hour_usd")
    ground = tl.series("terrestrial.cost_per_gpu_hour_usd")
    bands = {}
    for label, data in (("orbit", orbit), ("ground", ground)):
        if data.ndim == 2:
            bands[label] = np.nanpercentile(data, [5, 50, 95], axis=0)
        else:
            bands[label] = np.stack([data, data, data])
    title = f"{tl.result.scenario.name}: cost per GPU-hour"
    cross = tl.crossover_year if isinstance(tl.crossover_year, int) else None
    if path.suffix.lower() == ".html":
        import plotly.graph_objects as go

        fig = go.Figure()
        for label, colour in (("orbit", "#d62728"), ("ground", "#1f77b4")):
            lo, mid, hi = bands[label]
            if orbit.ndim == 2:
                fig.add_trace(go.Scatter(x=tl.years, y=hi, line={"width": 0}, showlegend=False, hoverinfo="skip"))
                fig.add_trace(
                    go.Scatter(x=tl.years, y=lo, fill="tonexty", line={"width": 0}, name=f"{label} 5-95%", opacity=0.3)
                )
            fig.add_trace(go.Scatter(x=tl.years, y=mid, name=label, line={"color": colour}))
        if cross is not None:
            fig.add_vline(x=cross, line_dash="dash", annotation_text=f"crossover {cross}")
        fig.update_layout(title=title, xaxis_title="year", yaxis_title="USD per GPU-hour (2025 USD)", yaxis_type="log")
        fig.write_html(str(path), include_plotlyjs=True, full_html=True)
        return path
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    for label, colour in (("orbit", "tab:red"), ("ground", "tab:blue")):
        lo, mid, hi = bands[label]
        ax.plot(tl.years, mid, color=colour, label=label, lw=2)
        if orbit.ndim == 2:
            ax.fill_between(tl.years, lo, hi, color=colour, alpha=0.2, label=f"{label} 5-95%")
    if cross is not None:
        ax.axvline(cross, color="k", ls="--", lw=1)
        ax.annotate(f"crossover {cross}", (cross, ax.get_ylim()[1]), ha="left", va="top", fontsize=9)
    ax.set_yscale("log")
    from matplotlib.ticker import FormatStrFormatter, MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FormatStrFormatter("%.3g"))
    ax.yaxis.set_minor_formatter(FormatStrFormatter("%.3g"))
    ax.set_xlabel("year")
    ax.set_ylabel("USD per GPU-hour (2025 USD)")
    ax.set_title(title + ("" if cross is not None else " (no crossover in range)"))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_ratio_map(m: RatioMap, path: Path, markers: Mapping[str, tuple[float, float]] | None = None) -> Path:
    """Contour map of orbit/ground cost over two parameters with the break-even line and labelled markers."""
    path = Path(path)
    _check_path(path)
    log_ratio = np.log10(m.ratio)
    title = f"{m.scenario}: orbit / ground cost per GPU-hour{'' if m.year is None else f' in {m.year}'}"
    if path.suffix.lower() == ".html":
        import plotly.graph_objects as go

        fig = go.Figure(
            go.Contour(
                x=m.x,
                y=m.y,
                z=log_ratio,
                colorscale="RdBu_r",
                zmid=np.log10(m.target_ratio),
                colorbar={"title": "log10 ratio"},
            )
        )
        fig.add_trace(
            go.Contour(
                x=m.x,
                y=m.y,
                z=log_ratio,
                contours={"start": np.log10(m.target_ratio), "end": np.log10(m.target_ratio), "coloring": "none"},
                line={"width": 3, "color": "black"},
                showscale=False,
                name="break-even",
            )
        )
        for name, (px, py) in (markers or {}).items():
            fig.add_trace(
                go.Scatter(x=[px], y=[py], mode="markers+text", text=[name], textposition="top center", name=name)
            )
        fig.update_layout(title=title, xaxis_title=m.param, yaxis_title=m.param2)
        fig.write_html(str(path), include_plotlyjs=True, full_html=True)
        return path
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 6), dpi=110)
    finite = log_ratio[np.isfinite(log_ratio)]
    span = (
        max(abs(finite.min() - np.log10(m.target_ratio)), abs(finite.max() - np.log10(m.target_ratio)), 0.1)
        if finite.size
        else 1.0
    )
    levels = np.linspace(np.log10(m.target_ratio) - span, np.log10(m.target_ratio) + span, 25)
    cs = ax.contourf(m.x, m.y, log_ratio, levels=levels, cmap="RdBu_r")
    fig.colorbar(cs, ax=ax, label="log10(orbit / ground)")
    if finite.size and finite.min() < np.log10(m.target_ratio) < finite.max():
        line = ax.contour(m.x, m.y, log_ratio, levels=[np.log10(m.target_ratio)], colors="k", linewidths=2)
        ax.clabel(line, fmt={line.levels[0]: f"ratio {m.target_ratio:g}"}, fontsize=8, inline=False)
    for i, (name, (px, py)) in enumerate(sorted((markers or {}).items(), key=lambda kv: kv[1])):
        ax.plot(px, py, "ko", ms=5)
        ax.annotate(name, (px, py), textcoords="offset points", xytext=(4, 5 if i % 2 == 0 else -11), fontsize=8)
    for axis, values in (("x", m.x), ("y", m.y)):
        if values[0] > 0 and values[-1] / values[0] > 100:
            getattr(ax, f"set_{axis}scale")("log")
    ax.set_xlabel(m.param)
    ax.set_ylabel(m.param2)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_buildout(b: BuildOut, path: Path) -> Path:
    """Four panels: capacity stacked by side (orbit coloured by its binding constraint), launches per year,
    propellant, accelerators needed vs supplied. Sampled runs plot medians."""
    path = Path(path)
    _check_path(path)
    rows = b.rows()
    years = [r["year"] for r in rows]

    def col(key: str) -> np.ndarray:
        return np.array([np.nan if r[key] is None else r[key] for r in rows], float)

    if path.suffix.lower() == ".html":
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        fig = make_subplots(
            rows=2,
            cols=2,
            subplot_titles=("AI power [GW]", "launches per year", "propellant [t/yr]", "accelerators per year"),
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
        fig.update_layout(title=f"{b.scenario}: build-out")
        fig.write_html(str(path), include_plotlyjs=True, full_html=True)
        return path
    plt = _pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), dpi=100)
    ax = axes[0, 0]
    ground, orbit = col("ground_gw_total"), col("orbit_gw_total")
    ax.fill_between(years, 0, ground, color="tab:blue", alpha=0.6, label="ground")
    limits = sorted({r["orbit_binding"] for r in rows})
    cmap = plt.get_cmap("tab10")
    for i, limit in enumerate(limits):
        mask = np.array([r["orbit_binding"] == limit for r in rows])
        ax.fill_between(
            years,
            ground,
            ground + orbit,
            where=mask,
            step="mid",
            color=cmap(i + 1),
            alpha=0.8,
            label=f"orbit ({ORBIT_LABELS.get(limit, limit + ' bind')})",
        )
    ax.plot(years, col("demand_gw"), "k--", label="demand")
    ax.set_ylabel("AI power [GW]")
    ax.legend(fontsize=7)
    axes[0, 1].bar(years, col("launches"), color="tab:gray")
    axes[0, 1].plot(years, col("max_launches"), "r-", label="launch limit")
    axes[0, 1].set_ylabel("launches per year")
    axes[0, 1].set_yscale("symlog")
    axes[0, 1].legend(fontsize=7)
    axes[1, 0].bar(years, col("propellant_t") / 1e6, color="tab:orange")
    axes[1, 0].set_ylabel("propellant [Mt/yr]")
    axes[1, 1].plot(years, col("accelerators_needed") / 1e6, label="needed")
    axes[1, 1].plot(years, col("accelerators_supplied") / 1e6, label="supplied")
    axes[1, 1].set_ylabel("accelerators [millions/yr]")
    axes[1, 1].legend(fontsize=7)
    for a in axes.flat:
        a.grid(alpha=0.3)
        a.set_xlabel("year")
    fig.suptitle(f"{b.scenario}: build-out")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
