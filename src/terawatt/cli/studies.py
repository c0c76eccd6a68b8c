"""``terawatt timeline | breakeven | buildout``: the studies over years, over a parameter, and of the build-out."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from terawatt.cli._common import (
    JsonOption,
    OutOption,
    ScenarioArg,
    SetOption,
    app,
    bad_input,
    check_out,
    console,
    err_console,
    fmt,
    load,
    new_table,
    wide_console,
    write_plot,
    write_table,
)
from terawatt.constants import BASE_YEAR


def _study(compute: Callable[[], Any], out: Path | None) -> Any:
    """Run a study and write its ``--out`` table; bad input of either exits 2 (charts come after the table)."""
    from terawatt.scenario import ScenarioError

    try:
        check_out(out)
        result = compute()
        if out is not None:
            write_table(result.to_frame(), out)
    except ScenarioError as exc:
        bad_input(exc)
    return result


PLOT_HELP = "Write a chart: .png, .svg, .pdf or .html."


@app.command()
def timeline(
    scenario: ScenarioArg = None,
    set_: SetOption = None,
    start: Annotated[int, typer.Option("--from", help="First calendar year.")] = BASE_YEAR,
    end: Annotated[int, typer.Option("--to", help="Last calendar year.")] = 2045,
    json_: JsonOption = False,
    plot: Annotated[Path | None, typer.Option("--plot", help=PLOT_HELP)] = None,
    out: OutOption = None,
) -> None:
    """Cost of orbit and ground in every year (one vectorized pass) and the crossover year."""
    from terawatt.studies.timeline import timeline as run_timeline

    tl = _study(lambda: run_timeline(load(scenario, set_), start, end), out)
    if json_:
        sys.stdout.write(json.dumps(tl.to_dict(), indent=2) + "\n")
        write_plot("terawatt.report.plots:plot_timeline", plot, tl, done=None)
        return
    table = new_table(title=f"terawatt timeline: {tl.result.scenario.name}", title_justify="left")
    for col in ("year", "orbit $/GPU-h", "ground $/GPU-h", "ratio", "ratio with wait", "launch $/kg",
                "break-even $/kg"):
        table.add_column(col, justify="right")
    for row in tl.rows():
        be = row["breakeven_launch_price_usd_per_kg"]
        table.add_row(
            str(row["year"]),
            fmt(row["orbital_cost_per_gpu_hour_usd"]),
            fmt(row["terrestrial_cost_per_gpu_hour_usd"]),
            fmt(row["cost_ratio"]),
            fmt(row["cost_ratio_with_wait"]),
            fmt(row["orbital_launch_price_usd_per_kg"]),
            "n/a" if be is None else (fmt(be) if be >= 0 else "none"),
        )
    console.print(table)
    if tl.crossover_year is None:
        console.print(f"[bold]crossover:[/] none between {start} and {end}: orbit stays dearer than the ground")
    else:
        console.print(f"[bold]crossover:[/] {tl.crossover_year} (first year orbit costs no more than the ground)")
    for note in tl.result.notes:  # why a year shows n/a (an infeasible design in that year)
        console.print(f"[yellow]note:[/] {note}")
    write_plot("terawatt.report.plots:plot_timeline", plot, tl)


@app.command()
def breakeven(
    param: Annotated[str, typer.Option("--param", help="Parameter to solve for (dotted registry name).")],
    scenario: ScenarioArg = None,
    set_: SetOption = None,
    year: Annotated[int | None, typer.Option("--year", help="Apply the scenario's trajectories in this year.")] = None,
    target_ratio: Annotated[float, typer.Option("--target-ratio", help="Orbit/ground cost ratio to reach.")] = 1.0,
    param2: Annotated[
        str | None, typer.Option("--param2", help="Second parameter: draw the 2-D map of the ratio instead.")
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Chart file of the --param2 map (.png, .svg, .pdf or .html).")
    ] = None,
    json_: JsonOption = False,
    out: OutOption = None,
) -> None:
    """What must be true: the value of --param at which orbit and ground cost the same (or --target-ratio)."""
    import numpy as np

    from terawatt.scenario import ScenarioError
    from terawatt.studies.breakeven import ratio_map, solve_breakeven

    try:
        check_out(out)
        loaded = load(scenario, set_)
        if param2 is None:
            answer = solve_breakeven(loaded, param, year, target_ratio)
            frame = answer.to_frame() if out is not None else None
        else:
            ratio = ratio_map(loaded, param, param2, year, target_ratio=target_ratio)
            markers = _scenario_markers(param, param2, year) if plot is not None else {}
            frame = ratio.to_frame() if out is not None else None
        if out is not None:
            write_table(frame, out)
    except ScenarioError as exc:
        bad_input(exc)
    if param2 is None and plot is not None:
        err_console.print("note: --plot draws the 2-D map and needs --param2; no chart written for one parameter")
    if param2 is not None:
        if json_:
            payload = {
                "param": param,
                "param2": param2,
                "year": year,
                "target_ratio": target_ratio,
                "x": ratio.x.tolist(),
                "y": ratio.y.tolist(),
                "ratio": [[None if not np.isfinite(v) else float(v) for v in row] for row in ratio.ratio],
                "missing_reasons": ratio.missing_reasons,
                "plot": None if plot is None else str(plot),
            }
            sys.stdout.write(json.dumps(payload) + "\n")
        else:
            finite = ratio.ratio[np.isfinite(ratio.ratio)]
            span = f"{finite.min():.3g} to {finite.max():.3g}" if finite.size else "nowhere finite"
            console.print(f"orbit/ground over {param} x {param2}: {span} ({finite.size} of {ratio.ratio.size} cells)")
            for reason in ratio.missing_reasons[:5]:
                console.print(f"  no ratio where: {reason}")
            if plot is None:
                console.print("give --plot FILE (.png, .svg, .pdf or .html) to draw the map")
        done = None if json_ else "map written to"
        write_plot("terawatt.report.plots:plot_ratio_map", plot, ratio, markers=markers, scenario=loaded, done=done)
        return
    if json_:
        sys.stdout.write(json.dumps(answer.to_dict(), indent=2) + "\n")
        return
    console.print(answer.message)
    if answer.found:
        console.print(f"current value {fmt(answer.current_value, answer.unit)} gives ratio {fmt(answer.current_ratio)}")
        if len(answer.roots) > 1:
            console.print("all roots: " + ", ".join(fmt(r, answer.unit) for r in answer.roots))


def _scenario_markers(param: str, param2: str, year: int | None) -> dict[str, tuple[float, float]]:
    """Where the shipped scenarios sit on a 2-D map (their own values of the two parameters)."""
    import numpy as np

    from terawatt.scenario import load_scenario, shipped_scenarios

    markers = {}
    for name in sorted(shipped_scenarios()):
        sc = load_scenario(name)
        sc = sc.at_year(year) if year is not None else sc
        x, y = sc.values[param], sc.values[param2]
        if x is not None and y is not None and np.ndim(x) == 0 and np.ndim(y) == 0:
            markers[name] = (float(x), float(y))
    return markers


#: Columns of the build-out table: (header, row field).
BUILDOUT_COLUMNS = (
    ("year", "year"),
    ("demand GW", "demand_gw"),
    ("orbit GW", "orbit_gw_total"),
    ("ground GW", "ground_gw_total"),
    ("short GW", "shortfall_gw"),
    ("launches", "launches"),
    ("propellant t", "propellant_t"),
    ("accelerators", "accelerators_needed"),
    ("EUV tools", "euv_tools_delivered"),
    ("least chip link", "chip_link"),
    ("orbit binds", "orbit_binding"),
    ("ground binds", "ground_binding"),
)


@app.command("buildout")
def buildout_command(
    scenario: ScenarioArg = None,
    set_: SetOption = None,
    start: Annotated[int, typer.Option("--from", help="First calendar year.")] = BASE_YEAR,
    end: Annotated[int, typer.Option("--to", help="Last calendar year.")] = 2050,
    json_: Annotated[bool, typer.Option("--json", help="Print the per-year results as JSON.")] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the build-out charts: .png, .svg, .pdf or .html.")
    ] = None,
    out: OutOption = None,
) -> None:
    """Build-out toward the demand path: GW added per side, launches, propellant, chips, and what binds."""
    from terawatt.studies.buildout import buildout as run_buildout

    loaded = None

    def compute() -> Any:
        nonlocal loaded
        loaded = load(scenario, set_)
        return run_buildout(loaded, start, end)

    result = _study(compute, out)
    if json_:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
        write_plot("terawatt.report.plots:plot_buildout", plot, result, scenario=loaded, done=None)
        return
    table = new_table(title=f"terawatt buildout: {result.scenario}", title_justify="left")
    for label, _ in BUILDOUT_COLUMNS:
        table.add_column(label, justify="right")
    for row in result.rows():
        cells = (str(row[key]) if isinstance(row[key], (str, int)) else fmt(row[key]) for _, key in BUILDOUT_COLUMNS)
        table.add_row(*cells)
    wide_console(150).print(table)
    console.print("[bold]bottlenecks:[/]")
    for line in result.bottlenecks():
        console.print(f"  {line}")
    write_plot("terawatt.report.plots:plot_buildout", plot, result, scenario=loaded, done="charts written to")
