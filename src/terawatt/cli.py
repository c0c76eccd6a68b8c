"""The ``terawatt`` command line. Surfaces only: each verb calls one public function and formats its result.

Exit codes: 0 ok, 1 a check failed, 2 bad input (the message names the field, its unit and allowed range).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from terawatt.model import evaluate
from terawatt.report.output_path import write_output
from terawatt.report.plots import plot_buildout, plot_ratio_map, plot_timeline
from terawatt.results import Result
from terawatt.scenario import ScenarioError, load_scenario, shipped_scenarios
from terawatt.studies.breakeven import ratio_map, solve_breakeven
from terawatt.studies.buildout import buildout as run_buildout
from terawatt.studies.explain import explain as run_explain
from terawatt.studies.timeline import timeline as run_timeline
from terawatt.trajectory import BASE_YEAR
from terawatt.validation import run_validation

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="terawatt: AI compute in orbit versus on the ground. Exit codes: 0 ok, 1 check failed, 2 bad input.",
)
console = Console(soft_wrap=True)
err_console = Console(stderr=True)


def _bad_input(exc: ScenarioError) -> None:
    err_console.print(f"[bold red]error:[/] invalid input ({len(exc.errors)} problem{'s' * (len(exc.errors) > 1)}):")
    for e in exc.errors:
        err_console.print(f"  [bold]{escape(e.path)}[/]: {escape(e.message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _fmt(value: float, unit: str = "") -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    a = abs(value)
    if a >= 1e12:
        text = f"{value / 1e12:,.2f} T"
    elif a >= 1e9:
        text = f"{value / 1e9:,.2f} B"
    elif a >= 1e6:
        text = f"{value / 1e6:,.2f} M"
    elif a >= 1e4:
        text = f"{value:,.0f}"
    elif a >= 100:
        text = f"{value:,.1f}"
    elif a >= 1:
        text = f"{value:,.3f}"
    else:
        text = f"{value:.4g}"
    return f"{text} {unit}".strip()


def _scalar(result: Result, key: str) -> float:
    return float(np.asarray(result[key], float))


def _comparison_table(r: Result) -> Table:
    table = Table(title=f"terawatt run: {r.scenario.name}", title_justify="left", show_lines=False)
    table.add_column("quantity")
    table.add_column("orbit", justify="right")
    table.add_column("ground", justify="right")
    rows = [
        ("cost per GPU-hour", "cost_per_gpu_hour_usd", "USD"),
        ("cost per kW-year of IT", "cost_per_kw_year_usd", "USD"),
        ("cost per million tokens", "cost_per_million_tokens_usd", "USD"),
        ("infrastructure per kW-year (no accelerators)", "infrastructure_cost_per_kw_year_usd", "USD"),
        ("capex (one generation)", "capex_usd", "USD"),
        ("annual cost", "annual_cost_usd_per_yr", "USD/yr"),
        ("lifecycle cost (NPV over analysis period)", "lifecycle_cost_usd", "USD"),
    ]
    for label, key, unit in rows:
        table.add_row(label, _fmt(_scalar(r, f"orbital.{key}"), unit), _fmt(_scalar(r, f"terrestrial.{key}"), unit))
    table.add_section()
    table.add_row("[bold]cost drivers[/] (annual)", "", "")
    orbit_lines = {k.rsplit(".", 1)[1]: _scalar(r, k) for k in r.keys() if k.startswith("orbital.annual_breakdown")}
    ground_lines = {
        k.rsplit(".", 1)[1]: _scalar(r, k) for k in r.keys() if k.startswith("terrestrial.annual_breakdown")
    }
    for name in dict.fromkeys([*orbit_lines, *ground_lines]):
        o, g = orbit_lines.get(name), ground_lines.get(name)
        table.add_row(
            f"  {name.replace('_', ' ')}",
            _fmt(o, "USD/yr") if o is not None else "",
            _fmt(g, "USD/yr") if g is not None else "",
        )
    return table


def _design_table(r: Result) -> Table:
    table = Table(title="orbital design", title_justify="left")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    rows = [
        ("sunlit fraction (annual)", "orbital.sunlit_fraction", ""),
        ("eclipse days per year", "orbital.eclipse_days_per_yr", "d"),
        ("longest eclipse", "orbital.max_eclipse_min", "min"),
        ("satellite mass", "orbital.satellite_mass_kg", "kg"),
        ("specific power (IT W per launched kg)", "orbital.specific_power_w_per_kg", "W/kg"),
        ("solar array area per satellite", "orbital.solar_array_area_m2", "m2"),
        ("radiator temperature", "orbital.radiator_temp_k", "K"),
        ("radiator net flux", "orbital.radiator_net_flux_w_per_m2", "W/m2"),
        ("radiator area per satellite", "orbital.radiator_area_m2", "m2"),
        ("battery mass per satellite", "orbital.battery_mass_kg", "kg"),
        ("satellites", "orbital.satellite_count", ""),
        ("launches", "orbital.launches", ""),
        ("launch cost per kW-year", "orbital.launch_cost_per_kw_year_usd", "USD"),
        ("orbit/ground solar energy per m2", "comparison.solar_energy_ratio", "x"),
    ]
    for label, key, unit in rows:
        table.add_row(label, _fmt(_scalar(r, key), unit))
    return table


def _explain_table(r: Result) -> Table:
    """The walk from the ground's cost per GPU-hour to the orbit's (terawatt.studies.explain)."""
    walk = run_explain(r)
    table = Table(title="why: ground -> orbit cost per delivered GPU-hour", title_justify="left")
    table.add_column("step")
    table.add_column("change", justify="right")
    table.add_column("running total", justify="right")
    table.add_column("x ground", justify="right")
    start = walk.start
    table.add_row("ground cost per GPU-hour", "", f"{start:,.3f} USD", "1.00")
    for step in walk.steps:
        table.add_row(step.label, f"{step.delta:+,.3f}", f"{step.total:,.3f}", f"{step.total / start:.2f}")
    table.add_section()
    table.add_row("[bold]orbit cost per GPU-hour[/]", "", f"[bold]{walk.end:,.3f} USD[/]", f"{walk.end / start:.2f}")
    return table


@app.command()
def run(
    scenario: Annotated[
        str | None, typer.Argument(help="Scenario YAML path or shipped name (default: built-in defaults).")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a parameter: section.key=value (repeatable).")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print the result as JSON under the canonical keys.")] = False,
    year: Annotated[
        int | None,
        typer.Option("--year", help="Evaluate in this calendar year, with the scenario's trajectories applied."),
    ] = None,
    explain_: Annotated[
        bool,
        typer.Option("--explain", help="Also print the step-by-step walk from the ground's cost to the orbit's."),
    ] = False,
) -> None:
    """Size an orbital and a terrestrial AI data centre and compare what they cost.

    --json includes the walk from the ground's cost per GPU-hour to the orbit's under the key "explain".

    Without --year the scenario's base values are used (its trajectories apply only with --year and in timeline).
    """
    try:
        loaded = load_scenario(scenario, set_ or [])
        result = evaluate(loaded.at_year(year) if year is not None else loaded)
    except ScenarioError as exc:
        _bad_input(exc)
        return
    if json_:
        payload = {**json.loads(result.to_json()), "explain": run_explain(result).to_dict()}
        sys.stdout.write(json.dumps(payload, indent=2, allow_nan=False) + "\n")
        return
    if result.scenario.n_samples > 1:
        err_console.print("array-valued scenarios are printed with --json only")
        raise typer.Exit(2)
    console.print(_comparison_table(result))
    console.print(_design_table(result))
    if explain_:
        console.print(_explain_table(result))
    ratio = _scalar(result, "comparison.cost_ratio")
    breakeven = _scalar(result, "comparison.breakeven_launch_price_usd_per_kg")
    console.print(f"[bold]orbit / ground cost per GPU-hour:[/] {_fmt(ratio)}")
    if np.isfinite(breakeven) and breakeven >= 0:
        console.print(f"[bold]break-even launch price:[/] {_fmt(breakeven, 'USD/kg')}")
    elif np.isfinite(breakeven):
        console.print("[bold]break-even launch price:[/] none: orbit costs more than the ground even with free launch")
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")


@app.command()
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Extra validation case files.")] = None,
    only: Annotated[bool, typer.Option("--only", help="Run only the given files, not the shipped cases.")] = False,
) -> None:
    """Run the validation cases (published numbers the model reproduces); exit 1 if any fails."""
    try:
        rows = run_validation(paths or [], include_shipped=not only)
    except ScenarioError as exc:
        _bad_input(exc)
        return
    table = Table(title="terawatt validate", title_justify="left")
    for col, justify in (
        ("case", "left"),
        ("output", "left"),
        ("expected", "right"),
        ("got", "right"),
        ("error", "right"),
        ("tol", "right"),
        ("pass", "center"),
    ):
        table.add_column(col, justify=justify)
    for row in rows:
        err = f"{row.error * 100:.3g}%" if row.relative else f"{row.error:.3g}"
        tol = f"{row.tolerance * 100:.3g}%" if row.relative else f"{row.tolerance:.3g}"
        table.add_row(
            row.case,
            row.output,
            f"{row.expected:.6g}",
            f"{row.got:.6g}",
            err,
            tol,
            "[green]yes[/]" if row.passed else "[bold red]NO[/]",
        )
    Console(width=max(console.width, 160)).print(table)  # case ids and output keys are long: never cut them
    failed = [r for r in rows if not r.passed]
    console.print(f"{len(rows) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise typer.Exit(1)


@app.command()
def timeline(
    scenario: Annotated[str | None, typer.Argument(help="Scenario YAML path or shipped name.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter: section.key=value.")] = None,
    start: Annotated[int, typer.Option("--from", help="First calendar year.")] = BASE_YEAR,
    end: Annotated[int, typer.Option("--to", help="Last calendar year.")] = 2045,
    json_: Annotated[bool, typer.Option("--json", help="Print the per-year results as JSON.")] = False,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a chart: .png or .html.")] = None,
) -> None:
    """Cost of orbit and ground in every year (one vectorized pass) and the crossover year."""
    try:
        tl = run_timeline(load_scenario(scenario, set_ or []), start, end)
    except ScenarioError as exc:
        _bad_input(exc)
        return
    if json_:
        sys.stdout.write(json.dumps(tl.to_dict(), indent=2) + "\n")
        _write_plot(plot_timeline, plot, tl, done=None)
        return
    table = Table(title=f"terawatt timeline: {tl.result.scenario.name}", title_justify="left")
    for col in (
        "year",
        "orbit $/GPU-h",
        "ground $/GPU-h",
        "ratio",
        "ratio with wait",
        "launch $/kg",
        "break-even $/kg",
    ):
        table.add_column(col, justify="right")
    for row in tl.rows():
        table.add_row(
            str(row["year"]),
            _fmt(row["orbital_cost_per_gpu_hour_usd"]),
            _fmt(row["terrestrial_cost_per_gpu_hour_usd"]),
            _fmt(row["cost_ratio"]),
            _fmt(row["cost_ratio_with_wait"]),
            _fmt(row["orbital_launch_price_usd_per_kg"]),
            _fmt(row["breakeven_launch_price_usd_per_kg"])
            if (row["breakeven_launch_price_usd_per_kg"] or -1) >= 0
            else "none",
        )
    console.print(table)
    if tl.crossover_year is None:
        console.print(f"[bold]crossover:[/] none between {start} and {end}: orbit stays dearer than the ground")
    else:
        console.print(f"[bold]crossover:[/] {tl.crossover_year} (first year orbit costs no more than the ground)")
    for note in tl.result.notes:  # why a year shows n/a (an infeasible design in that year)
        console.print(f"[yellow]note:[/] {note}")
    _write_plot(plot_timeline, plot, tl)


@app.command()
def breakeven(
    param: Annotated[str, typer.Option("--param", help="Parameter to solve for (dotted registry name).")],
    scenario: Annotated[str | None, typer.Argument(help="Scenario YAML path or shipped name.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter: section.key=value.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Apply the scenario's trajectories in this year.")] = None,
    target_ratio: Annotated[float, typer.Option("--target-ratio", help="Orbit/ground cost ratio to reach.")] = 1.0,
    param2: Annotated[
        str | None, typer.Option("--param2", help="Second parameter: draw the 2-D map of the ratio instead.")
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Chart file of the --param2 map (.png, .svg, .pdf or .html).")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """What must be true: the value of --param at which orbit and ground cost the same (or --target-ratio)."""
    try:
        loaded = load_scenario(scenario, set_ or [])
        if param2 is None:
            answer = solve_breakeven(loaded, param, year, target_ratio)
        else:
            ratio = ratio_map(loaded, param, param2, year, target_ratio=target_ratio)
            markers = _scenario_markers(param, param2, year) if plot is not None else {}
    except ScenarioError as exc:
        _bad_input(exc)
        return
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
        _write_plot(
            plot_ratio_map, plot, ratio, markers=markers, scenario=loaded, done=None if json_ else "map written to"
        )
        return
    if json_:
        sys.stdout.write(json.dumps(answer.to_dict(), indent=2) + "\n")
        return
    console.print(answer.message)
    if answer.found:
        console.print(
            f"current value {_fmt(answer.current_value, answer.unit)} gives ratio {_fmt(answer.current_ratio)}"
        )
        if len(answer.roots) > 1:
            console.print("all roots: " + ", ".join(_fmt(r, answer.unit) for r in answer.roots))


def _write_plot(writer, path: Path | None, *args, done: str | None = "chart written to", **kwargs) -> None:
    """Write a chart if --plot was given; a bad path is reported (exit 2) after the table was printed."""
    if path is None:
        return
    try:
        write_output(writer, path, *args, **kwargs)
    except ScenarioError as exc:
        _bad_input(exc)
    if done:
        console.print(f"{done} {path}")


def _scenario_markers(param: str, param2: str, year: int | None) -> dict[str, tuple[float, float]]:
    """Where the shipped scenarios sit on a 2-D map (their own values of the two parameters)."""
    markers = {}
    for name in sorted(shipped_scenarios()):
        sc = load_scenario(name)
        sc = sc.at_year(year) if year is not None else sc
        x, y = sc.values[param], sc.values[param2]
        if x is not None and y is not None and np.ndim(x) == 0 and np.ndim(y) == 0:
            markers[name] = (float(x), float(y))
    return markers


@app.command("buildout")
def buildout_command(
    scenario: Annotated[str | None, typer.Argument(help="Scenario YAML path or shipped name.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter: section.key=value.")] = None,
    start: Annotated[int, typer.Option("--from", help="First calendar year.")] = BASE_YEAR,
    end: Annotated[int, typer.Option("--to", help="Last calendar year.")] = 2050,
    json_: Annotated[bool, typer.Option("--json", help="Print the per-year results as JSON.")] = False,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the build-out charts: .png or .html.")] = None,
) -> None:
    """Build-out toward the demand path: GW added per side, launches, propellant, chips, and what binds."""
    try:
        loaded = load_scenario(scenario, set_ or [])
        result = run_buildout(loaded, start, end)
    except ScenarioError as exc:
        _bad_input(exc)
        return
    if json_:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
        _write_plot(plot_buildout, plot, result, scenario=loaded, done=None)
        return
    table = Table(title=f"terawatt buildout: {result.scenario}", title_justify="left")
    columns = (
        ("year", "year", ""),
        ("demand GW", "demand_gw", ""),
        ("orbit GW", "orbit_gw_total", ""),
        ("ground GW", "ground_gw_total", ""),
        ("short GW", "shortfall_gw", ""),
        ("launches", "launches", ""),
        ("propellant t", "propellant_t", ""),
        ("accelerators", "accelerators_needed", ""),
        ("orbit binds", "orbit_binding", ""),
        ("ground binds", "ground_binding", ""),
    )
    for label, _, _ in columns:
        table.add_column(label, justify="right")
    for row in result.rows():
        table.add_row(*(str(row[key]) if isinstance(row[key], (str, int)) else _fmt(row[key]) for _, key, _ in columns))
    Console(width=max(console.width, 150)).print(table)
    console.print("[bold]bottlenecks:[/]")
    for line in result.bottlenecks():
        console.print(f"  {line}")
    _write_plot(plot_buildout, plot, result, scenario=loaded, done="charts written to")


@app.command()
def scenarios() -> None:
    """List the shipped scenarios."""
    table = Table(title="shipped scenarios", title_justify="left")
    table.add_column("name")
    table.add_column("description")
    for name, path in sorted(shipped_scenarios().items()):
        table.add_row(name, load_scenario(path).description)
    console.print(table)


if __name__ == "__main__":  # pragma: no cover
    app()
