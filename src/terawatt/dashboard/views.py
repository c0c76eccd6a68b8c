"""What each tab shows, as plain data: a headline, plotly figures and pandas tables. Every number comes from the
public API (``terawatt.model``, ``terawatt.api``, ``terawatt.studies.*``); this module only arranges them.

The heavy views (Monte Carlo bands over time, the build-out) take a ``progress(done, total)`` callback that the job
runner uses to report and cancel (:mod:`terawatt.dashboard.jobs`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt.dashboard.limits import PROGRESS_CHUNK

if TYPE_CHECKING:
    import pandas as pd

    from terawatt.scenario import Scenario

Progress = Callable[[int, int], None]
ORBIT, GROUND = "#d95f02", "#1b9e77"  # colour-blind-safe pair (ColorBrewer Dark2)


@dataclass
class View:
    """One tab's content: ``headline`` (the verdict in words), ``facts`` (label, value text, element id) shown as
    figures, ``figures`` (name, plotly figure as a dict), ``tables`` (name, caption, frame) and ``notes``."""

    headline: str
    facts: list[tuple[str, str, str]] = field(default_factory=list)
    figures: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    tables: list[tuple[str, str, pd.DataFrame]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def number(value: Any, digits: int = 4) -> str:
    """``value`` to ``digits`` significant figures with thousands separators; ``n/a`` when missing."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if not np.isfinite(x):
        return "n/a"
    if abs(x) >= 10 ** digits:
        return f"{x:,.0f}"
    return f"{float(f'{x:.{digits}g}'):,.{max(0, digits - 1 - int(np.floor(np.log10(abs(x))))) if x else 0}f}"


def values(a: Any) -> list[float | None]:
    """An array as a JSON list, NaN and infinities as ``None`` (plotly leaves a gap)."""
    return [float(v) if np.isfinite(v) else None for v in np.asarray(a, float).ravel()]


def figure(traces: list[dict[str, Any]], title: str, x: str, y: str, **layout: Any) -> dict[str, Any]:
    """A plotly figure as a plain dict (building ``plotly.graph_objects`` figures costs ~50 ms each in validation,
    most of a slider change's budget; the browser's plotly.js validates the dict anyway)."""
    return {"data": traces, "layout": {
        "title": {"text": title}, "xaxis": {"title": {"text": x}, "gridcolor": "#eee"},
        "yaxis": {"title": {"text": y}, "gridcolor": "#eee"}, "height": 380, "plot_bgcolor": "white",
        "paper_bgcolor": "white", "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "legend": {"orientation": "h", "y": -0.2}, **layout}}


def _line(x: Any, y: Any, name: str, colour: str, **extra: Any) -> dict[str, Any]:
    return {"type": "scatter", "x": values(x), "y": values(y), "name": name, "mode": "lines+markers",
            "line": {"color": colour}, **extra}


def _break_even_line() -> dict[str, Any]:
    return {"shapes": [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": 1, "y1": 1,
                        "line": {"dash": "dash", "color": "grey"}}],
            "annotations": [{"xref": "paper", "x": 1, "y": 1, "text": "break-even", "showarrow": False,
                             "xanchor": "right", "yanchor": "bottom"}]}


def _scalar(result: Any, key: str) -> float:
    return float(np.asarray(result[key], float)) if key in result else float("nan")


# ------------------------------------------------------------------------------------------------ compare
COMPARE_ROWS = (
    ("cost per GPU-hour", "cost_per_gpu_hour_usd", "USD/GPU-h"),
    ("cost per kW-year of IT", "cost_per_kw_year_usd", "USD/kW-yr"),
    ("cost per million tokens", "cost_per_million_tokens_usd", "USD/Mtok"),
    ("capex (one generation)", "capex_usd", "USD"),
    ("annual cost", "annual_cost_usd_per_yr", "USD/yr"),
    ("lifecycle cost (NPV)", "lifecycle_cost_usd", "USD"),
    ("availability", "availability", "-"),
    ("goodput", "goodput_fraction", "-"),
)


def _verdict(ratio: float, feasible: bool) -> str:
    if not feasible or not np.isfinite(ratio):
        return "No feasible orbital design for these inputs: its costs are not computed (see the notes)."
    if ratio < 1:
        return f"Orbit is cheaper: it costs {number(ratio, 3)}x the ground per GPU-hour."
    return f"The ground is cheaper: orbit costs {number(ratio, 3)}x the ground per GPU-hour."


def compare(scenario: Scenario, year: int | None) -> View:
    """The side-by-side result and the walk from the ground's cost per GPU-hour to the orbit's."""
    import pandas as pd

    from terawatt.model import evaluate
    from terawatt.studies.explain import explain

    r = evaluate(scenario.at_year(year) if year is not None else scenario)
    ratio = _scalar(r, "comparison.cost_ratio")
    view = View(_verdict(ratio, bool(np.asarray(r["orbital.feasible"]))), notes=list(r.notes))
    breakeven = _scalar(r, "comparison.breakeven_launch_price_usd_per_kg")
    view.facts = [
        ("orbit, USD per GPU-hour", number(_scalar(r, "orbital.cost_per_gpu_hour_usd")), "fact-orbit"),
        ("ground, USD per GPU-hour", number(_scalar(r, "terrestrial.cost_per_gpu_hour_usd")), "fact-ground"),
        ("orbit / ground", number(ratio), "fact-ratio"),
        ("break-even launch price, USD/kg",
         number(breakeven) if not breakeven < 0 else "none (dearer even with free launch)", "fact-breakeven"),
        ("launch price used, USD/kg", number(_scalar(r, "orbital.launch_price_usd_per_kg")), "fact-launch"),
    ]
    rows = [{"quantity": label, "unit": unit, "orbit": _scalar(r, f"orbital.{key}"),
             "ground": _scalar(r, f"terrestrial.{key}")} for label, key, unit in COMPARE_ROWS]
    view.tables.append(("comparison", f"{scenario.name}: orbit and ground side by side", pd.DataFrame(rows)))
    walk = explain(r)
    if np.isfinite(float(np.asarray(walk.end, float))):
        steps = walk.to_frame()
        labels = ["ground", *steps["label"], "orbit"]
        amounts = [float(walk.start), *steps["delta"], float(walk.end)]
        trace = {"type": "waterfall", "x": labels, "y": values(amounts),
                 "measure": ["absolute", *["relative"] * len(steps), "total"],
                 "increasing": {"marker": {"color": ORBIT}}, "decreasing": {"marker": {"color": GROUND}},
                 "totals": {"marker": {"color": "#7570b3"}}}
        why = figure([trace], "Why: from the ground's cost per GPU-hour to the orbit's", "",
                     "USD per delivered GPU-hour", height=460, showlegend=False)
        why["layout"]["margin"]["b"] = 150
        why["layout"]["xaxis"]["tickangle"] = -40
        view.figures.append(("why", why))
        view.tables.append(("why", "the walk, step by step (USD per GPU-hour)", steps))
    return view


# ---------------------------------------------------------------------------------------------- satellite
MASS_PARTS = ("it", "array", "radiator", "battery", "shielding", "propulsion", "propellant", "bus", "margin")


def satellite(scenario: Scenario, year: int | None) -> View:
    """Mass budget and areas of one satellite."""
    import pandas as pd

    from terawatt.model import evaluate
    from terawatt.results import unit_of

    at = scenario.at_year(year) if year is not None else scenario
    r = evaluate(at)
    total = _scalar(r, "orbital.satellite_mass_kg")
    view = View(f"One satellite: {number(total)} kg for {number(at.values['satellite.compute_power_w'])} W of "
                f"compute, {number(_scalar(r, 'orbital.specific_power_w_per_kg'))} W per launched kg.",
                notes=list(r.notes))
    parts = [(p, _scalar(r, f"orbital.{p}_mass_kg")) for p in MASS_PARTS if f"orbital.{p}_mass_kg" in r]
    bars = {"type": "bar", "x": values([v for _, v in parts]), "y": [p for p, _ in parts], "orientation": "h",
            "marker": {"color": ORBIT}}
    view.figures.append(("mass", figure([bars], f"Mass budget (total {number(total)} kg)", "kg", "")))
    areas = [("solar array", _scalar(r, "orbital.solar_array_area_m2")),
             ("radiator", _scalar(r, "orbital.radiator_area_m2"))]
    bars = {"type": "bar", "x": [a for a, _ in areas], "y": values([v for _, v in areas]),
            "marker": {"color": [ORBIT, "#7570b3"]}}
    view.figures.append(("areas", figure([bars], "Areas per satellite", "", "m2")))
    view.facts = [
        ("satellite mass, kg", number(total), "fact-mass"),
        ("solar array, m2", number(areas[0][1]), "fact-array"),
        ("radiator, m2", number(areas[1][1]), "fact-radiator"),
        ("satellites", number(_scalar(r, "orbital.satellite_count")), "fact-count"),
    ]
    keys = [f"orbital.{p}_mass_kg" for p, _ in parts] + [
        "orbital.satellite_mass_kg", "orbital.solar_array_area_m2", "orbital.radiator_area_m2",
        "orbital.radiator_net_flux_w_per_m2", "orbital.sunlit_fraction", "orbital.max_eclipse_min",
        "orbital.satellite_count", "orbital.launches", "orbital.specific_power_w_per_kg"]
    view.tables.append(("satellite", "design of one satellite", pd.DataFrame(
        [{"output": k, "value": _scalar(r, k), "unit": unit_of(k)} for k in keys if k in r])))
    return view


# ----------------------------------------------------------------------------------------------- over time
def _crossover_text(year: Any, start: int, end: int) -> str:
    return f"Orbit becomes cheaper in {year}." if year is not None else f"No crossover between {start} and {end}."


def over_time(scenario: Scenario, start: int, end: int, samples: int = 0, progress: Progress | None = None) -> View:
    """Cost per GPU-hour on each side by year and the crossover year; with ``samples`` > 0, P5-P95 bands of the
    ratio from a Monte Carlo over every uncertain input (the expensive case, run as a job)."""
    from terawatt.api import timeline

    tl = timeline(scenario, start, end)
    years = tl.years
    view = View(_crossover_text(tl.crossover_year, start, end), notes=list(tl.result.notes))
    view.facts = [("crossover year", str(tl.crossover_year) if tl.crossover_year is not None else "none in range",
                   "fact-crossover")]
    cost = [_line(years, tl.series(key), name, colour) for key, name, colour in (
        ("orbital.cost_per_gpu_hour_usd", "orbit", ORBIT), ("terrestrial.cost_per_gpu_hour_usd", "ground", GROUND))]
    view.figures.append(("cost-by-year", figure(cost, "Cost per GPU-hour by year", "year", "USD per GPU-hour")))
    ratio: list[dict[str, Any]] = []
    if samples:
        from terawatt.studies.montecarlo import montecarlo

        mc = montecarlo(scenario, n=samples, start=start, end=end, chunk_size=PROGRESS_CHUNK, progress=progress)
        matrix = np.nan_to_num(mc.ratio_matrix(), nan=np.inf)
        p5, p50, p95 = (np.percentile(matrix, p, axis=0) for p in (5, 50, 95))
        ratio += [
            {"type": "scatter", "x": values(years), "y": values(p95), "mode": "lines", "line": {"width": 0},
             "showlegend": False, "hoverinfo": "skip"},
            {"type": "scatter", "x": values(years), "y": values(p5), "mode": "lines", "line": {"width": 0},
             "fill": "tonexty", "fillcolor": "rgba(217,95,2,0.25)", "name": "P5-P95"},
            {"type": "scatter", "x": values(years), "y": values(p50), "mode": "lines", "name": "median",
             "line": {"color": ORBIT, "dash": "dot"}},
        ]
        summary = mc.crossover_summary()
        view.facts.append(("P(crossover by 2030)", f"{summary['p_by_2030']:.0%}", "fact-p2030"))
        import pandas as pd

        by_year = mc.p_orbit_cheaper_by_year()
        view.tables.append(("uncertainty", f"Monte Carlo, {samples:,} samples: orbit/ground by year", pd.DataFrame(
            {"year": years, "ratio_p05": p5, "ratio_p50": p50, "ratio_p95": p95,
             "p_orbit_cheaper": [by_year[int(y)] for y in years]})))
    ratio.append(_line(years, tl.series("comparison.cost_ratio"), "orbit / ground (central)", ORBIT))
    view.figures.append(("ratio-by-year", figure(ratio, "Orbit / ground cost per GPU-hour", "year", "ratio",
                                                 **_break_even_line())))
    frame = tl.to_frame()
    keep = [c for c in ("orbital.cost_per_gpu_hour_usd", "terrestrial.cost_per_gpu_hour_usd", "comparison.cost_ratio",
                        "orbital.launch_price_usd_per_kg") if c in frame]
    view.tables.append(("timeline", "per year", frame[keep].reset_index()))
    return view


# ---------------------------------------------------------------------------------------- what must be true
def breakeven(scenario: Scenario, param: str, param2: str, year: int | None) -> View:
    """The 2-D map of orbit/ground over two parameters with its break-even contour, and the 1-D break-even."""
    from terawatt.api import breakeven as solve
    from terawatt.params import load_registry

    registry = load_registry()
    one = solve(scenario, param, year=year)
    grid = solve(scenario, param, year=year, param2=param2)
    view = View(one.message.splitlines()[0])
    view.facts = [(f"break-even {param}, {one.unit}", number(one.value) if one.found else "none in range",
                   "fact-breakeven-value")]
    z = np.log10(np.where(np.isfinite(grid.ratio) & (grid.ratio > 0), grid.ratio, np.nan))
    zz = [values(row) for row in z]
    traces = [
        {"type": "heatmap", "x": values(grid.x), "y": values(grid.y), "z": zz, "colorscale": "RdBu",
         "zmid": 0.0, "colorbar": {"title": {"text": "log10 orbit/ground"}},
         "hovertemplate": "%{x}, %{y}: %{z:.2f}<extra></extra>"},
        {"type": "contour", "x": values(grid.x), "y": values(grid.y), "z": zz, "autocontour": False,
         "contours": {"start": 0, "end": 0, "size": 1, "coloring": "none"}, "line": {"color": "black", "width": 2},
         "showscale": False, "name": "break-even", "hoverinfo": "skip"},
    ]
    at = scenario.at_year(year) if year is not None else scenario
    cx, cy = at.values.get(param), at.values.get(param2)
    if isinstance(cx, (int, float)) and isinstance(cy, (int, float)):
        traces.append({"type": "scatter", "x": [cx], "y": [cy], "mode": "markers", "name": "this scenario",
                       "marker": {"symbol": "x", "size": 12, "color": "black"}})
    unit_x, unit_y = registry[param].unit, registry[param2].unit
    fig = figure(traces, "What must be true: orbit/ground (blue = orbit cheaper, black line = break-even)",
                 f"{param} [{unit_x}]", f"{param2} [{unit_y}]", height=480)
    for axis, span in (("xaxis", grid.x), ("yaxis", grid.y)):
        if span.min() > 0 and span.max() / span.min() >= 100:
            fig["layout"][axis]["type"] = "log"
    view.figures.append(("breakeven-map", fig))
    view.notes = [*one.message.splitlines()[1:], *grid.missing_reasons[:3]]
    view.tables.append(("breakeven-map", "orbit/ground on the grid", grid.to_frame()))
    view.tables.append(("breakeven", f"break-even of {param}", one.to_frame()))
    return view


# ------------------------------------------------------------------------------------------------ build-out
def buildout(scenario: Scenario, start: int, end: int, progress: Progress | None = None) -> View:
    """GW by side, launches per year and the binding constraint by year."""
    from terawatt.api import buildout as run

    if progress:
        progress(0, 1)
    bo = run(scenario, start, end)
    frame = bo.to_frame()
    years = frame.index.to_numpy()
    lines = bo.bottlenecks()
    view = View(f"Build-out {start}-{end}: {number(frame['orbit_gw_total'].iloc[-1], 3)} GW in orbit and "
                f"{number(frame['ground_gw_total'].iloc[-1], 3)} GW on the ground in service in {end}.")
    view.facts = [("orbit GW by the end", number(frame["orbit_gw_total"].iloc[-1]), "fact-orbit-gw"),
                  ("ground GW by the end", number(frame["ground_gw_total"].iloc[-1]), "fact-ground-gw")]
    gw = [_line(years, frame[col], name, colour, stackgroup="gw", mode="lines")
          for col, name, colour in (("orbit_gw_total", "orbit", ORBIT), ("ground_gw_total", "ground", GROUND))]
    gw.append(_line(years, frame["demand_gw"], "demand", "black", mode="lines"))
    gw[-1]["line"]["dash"] = "dot"
    view.figures.append(("gw-by-side", figure(gw, "AI power in service by side", "year", "GW")))
    launches = [{"type": "bar", "x": values(years), "y": values(frame["launches"]), "name": "launches",
                 "marker": {"color": ORBIT}}, _line(years, frame["max_launches"], "launch capacity", "black")]
    view.figures.append(("launches", figure(launches, "Launches per year", "year", "launches")))
    view.notes = lines
    view.tables.append(("binding", "binding constraint by year",
                        frame[["orbit_binding", "ground_binding", "orbit_gw_added", "ground_gw_added",
                               "shortfall_gw"]].reset_index()))
    view.tables.append(("buildout", "every field by year", frame.reset_index()))
    if progress:
        progress(1, 1)
    return view


# --------------------------------------------------------------------------------------------------- claims
#: The claims table's columns, verdict first (``report.claims_table.rows`` keys; quotes cut to CLAIM_WIDTH).
CLAIM_COLUMNS = ("id", "verdict", "number", "P5-P95", "P(true)", "claim", "condition or reason", "source")
CLAIM_WIDTH = 140


def claims(scenario_name: str) -> View:
    """The claims table: every public claim computed to a verdict by the claims audit (``terawatt claims``), on the
    page's scenario when it is not ``default`` (as ``terawatt claims --scenario NAME``)."""
    import pandas as pd

    from terawatt.report.claims_table import rows
    from terawatt.studies.claims import audit

    verdicts = audit(scenario=None if scenario_name == "default" else scenario_name)
    frame = pd.DataFrame(rows(verdicts, width=CLAIM_WIDTH), columns=list(CLAIM_COLUMNS))
    view = View(f"{len(frame)} public claims computed to a verdict (the same audit as `terawatt claims`"
                + ("" if scenario_name == "default" else f" --scenario {scenario_name}") + ").")
    counts = frame["verdict"].value_counts()
    view.facts = [(verdict, str(n), f"fact-claims-{i}") for i, (verdict, n) in enumerate(counts.items())]
    view.tables.append(("claims", "claims and their verdicts", frame))
    return view
