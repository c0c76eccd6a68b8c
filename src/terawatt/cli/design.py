"""``terawatt optimize | reconcile``: the best design of a scenario's levers, and why a published model's number
differs from terawatt's."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    fmt,
    load,
    new_table,
    wide_console,
    write_plot,
    write_table,
)

if TYPE_CHECKING:
    from terawatt.studies.optimize import Optimum
    from terawatt.studies.reconcile import Reconciliation

PLOT_HELP = "Write a chart: .png, .svg, .pdf or .html."
METRIC_HELP = "comparison.cost_ratio, orbital.cost_per_gpu_hour_usd or terrestrial.cost_per_gpu_hour_usd."


def _value(value: Any, unit: str) -> str:
    if value is None:
        return "n/a"
    return value if isinstance(value, str) else fmt(value, "" if unit == "-" else unit)


def _optimum_tables(opt: Optimum) -> None:
    table = new_table(title=f"terawatt optimize: {opt.scenario}" + (f" in {opt.year}" if opt.year else ""),
                      title_justify="left")
    for col, justify in (("lever", "left"), ("bounds", "right"), ("scenario", "right"), ("optimum", "right"),
                         ("moved", "right"), ("on a bound", "left")):
        table.add_column(col, justify=justify)
    for row in opt.rows():
        table.add_row(row["lever"], row["bounds"], _value(row["scenario"], row["unit"]),
                      _value(row["optimum"], row["unit"]), row["moved"], row["on_bound"] or "")
    wide_console(120).print(table)
    out = new_table(title="scenario's design vs optimum", title_justify="left")
    for col in ("output", "scenario's design", "optimum"):
        out.add_column(col, justify="right" if col != "output" else "left")
    keys = dict.fromkeys([*opt.objectives, "orbital.cost_per_gpu_hour_usd", "terrestrial.cost_per_gpu_hour_usd",
                          "comparison.cost_ratio", "orbital.specific_power_w_per_kg", "orbital.satellite_mass_kg"])
    for key in keys:
        out.add_row(key, fmt(opt.baseline_outputs.get(key)), fmt(opt.outputs.get(key)))
    console.print(out)
    bound = opt.on_bound
    console.print("[bold]levers on a bound:[/] " + (", ".join(f"{k} ({v})" for k, v in bound.items()) or "none")
                  + (" (a bound that binds: widening it would lower the objective)" if bound else ""))
    console.print(f"{opt.method}; {opt.evaluations:,} designs evaluated; seed {opt.seed}")
    for note in opt.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    if opt.front:
        front = new_table(title=f"Pareto front ({len(opt.front)} designs)", title_justify="left")
        for col in opt.objectives:
            front.add_column(col, justify="right")
        step = max(1, len(opt.front) // 10)
        for point in opt.front[::step]:
            front.add_row(*(fmt(point[k]) for k in opt.objectives))
        console.print(front)


@app.command()
def optimize(
    scenario: ScenarioArg = None,
    set_: SetOption = None,
    year: Annotated[int | None, typer.Option("--year", help="Apply the scenario's trajectories in this year.")] = None,
    objective: Annotated[
        list[str] | None,
        typer.Option("--objective", help="gpu-hour (default), tokens, mass-per-kw, ratio or an output key; give two "
                                         "for a Pareto front."),
    ] = None,
    lever: Annotated[
        list[str] | None,
        typer.Option("--lever", help="NAME, NAME=lo:hi or NAME=a,b (repeatable); 'default' = the default set "
                                     "(used when none is given)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the search (same seed, same design).")] = 0,
    json_: JsonOption = False,
    plot: Annotated[Path | None, typer.Option("--plot", help=PLOT_HELP)] = None,
    out: OutOption = None,
) -> None:
    """The design levers (compute per satellite, eclipse policy, shielding, altitude, radiator temperature, spares,
    lifetime) that minimise the cost per delivered GPU-hour, or the Pareto front of two objectives."""
    from terawatt.scenario import ScenarioError
    from terawatt.studies.optimize import optimize as run_optimize

    try:
        check_out(out)
        opt = run_optimize(load(scenario, set_), lever, objective or ["gpu-hour"], year, seed)
        if out is not None:
            write_table(opt.front_frame() if opt.front else opt.to_frame(), out)
    except ScenarioError as exc:
        bad_input(exc)
    if json_:
        sys.stdout.write(json.dumps(opt.to_dict(), indent=2, allow_nan=False) + "\n")
    else:
        _optimum_tables(opt)
    write_plot("terawatt.report.design_plots:plot_optimum", plot, opt, done=None if json_ else "chart written to")


def _reconcile_table(rec: Reconciliation) -> None:
    metric = rec.metric
    table = new_table(title=f"terawatt reconcile: {rec.preset} -> {rec.target}" + (f" in {rec.year}" if rec.year
                      else ""), title_justify="left", caption=rec.title, caption_justify="left")
    for col, justify in (("step", "left"), ("keys switched", "left"), (f"{metric} after", "right"),
                         ("change (this order)", "right"), ("Shapley (all orders)", "right"),
                         ("range over orders", "right")):
        table.add_column(col, justify=justify)
    table.add_row("preset (its assumptions)", "", fmt(rec.start[metric]), "", "", "")
    for s in rec.steps:
        keys = ", ".join(s.keys[:3]) + (f" +{len(s.keys) - 3}" if len(s.keys) > 3 else "")
        table.add_row(s.label, keys, fmt(s.after[metric]), f"{s.change:+.3f}", f"{s.shapley:+.3f}",
                      f"{s.low:+.3f} .. {s.high:+.3f}")
    table.add_row(f"target ({rec.target})", "", fmt(rec.end[metric]), f"{rec.total:+.3f}", f"{rec.total:+.3f}", "")
    wide_console(150).print(table)
    for p in rec.published:
        if p.get("output") == metric:
            console.print(f"published {p['quantity']}: {fmt(p['value'])}; terawatt under the preset's assumptions: "
                          f"{fmt(rec.start[metric])} (the rest is model structure, not an input)")
    console.print("[bold]groups that explain most of the difference:[/] " + ", ".join(
        f"{s.label} ({s.shapley:+.2f})" for s in rec.top()))
    console.print(f"{rec.evaluations} scenarios evaluated (every subset of the {len(rec.steps)} groups)")
    for note in rec.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)


def _design_table(rows: list[dict[str, Any]], title: str) -> None:
    from rich.markup import escape

    table = new_table(title=title, title_justify="left")
    for col in ("quantity", "published", "terawatt", "unit", "note"):
        table.add_column(col, justify="left" if col in ("quantity", "note") else "right")
    for r in rows:
        table.add_row(escape(r["quantity"]), fmt(r["published"]), fmt(r["terawatt"]), r["unit"], escape(r["note"]))
    wide_console(150).print(table)


@app.command()
def reconcile(
    preset: Annotated[str, typer.Argument(help="Preset name (semianalysis-2026, spacedc-mdao-1mw, mccalip-1gw, "
                                               "suncatcher-2025) or a preset file.")],
    to: Annotated[str | None, typer.Option("--to", help="Target scenario (default: terawatt's defaults).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Apply trajectories in this year (default: the "
                                                            "preset's year).")] = None,
    metric: Annotated[str, typer.Option("--metric", help=METRIC_HELP)] = "comparison.cost_ratio",
    json_: JsonOption = False,
    plot: Annotated[Path | None, typer.Option("--plot", help=PLOT_HELP)] = None,
    out: OutOption = None,
) -> None:
    """Why a published model's number differs from terawatt's: the waterfall from the preset to the target, one
    assumption group at a time (fixed order), with each group's Shapley value over all orders."""
    from terawatt.scenario import ScenarioError
    from terawatt.studies.presets import design_answers, load_preset
    from terawatt.studies.reconcile import reconcile as run_reconcile

    try:
        check_out(out)
        rec = run_reconcile(preset, to, year, metric)
        loaded = load_preset(preset)
        answers = design_answers(loaded) if loaded.kind == "design-point" else []
        if out is not None:
            write_table(rec.to_frame(), out)
    except ScenarioError as exc:
        bad_input(exc)
    if json_:
        doc = {**rec.to_dict(), **({"design_point": answers} if answers else {})}
        sys.stdout.write(json.dumps(doc, indent=2, allow_nan=False) + "\n")
    else:
        _reconcile_table(rec)
        if answers:
            _design_table(answers, f"{loaded.id}: the published design against terawatt's sizing of it")
    write_plot("terawatt.report.design_plots:plot_waterfall", plot, rec, done=None if json_ else "chart written to")
