"""``terawatt sensitivity`` (Sobol, Morris, tornado) and ``terawatt discover`` (scenario discovery by PRIM)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from terawatt.cli._common import (
    JsonOption,
    ScenarioArg,
    SetOption,
    app,
    bad_input,
    check_plot,
    console,
    err_console,
    fmt,
    load,
    new_table,
    wide_console,
    write_plot,
)

if TYPE_CHECKING:
    from terawatt.studies.discovery import Discovery
    from terawatt.studies.sensitivity import Sensitivity

PlotOption = Annotated[Path | None, typer.Option("--plot", help="Write a chart: .png, .svg, .pdf or .html.")]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the design (results are reproducible for a seed).")]
#: Rows of the ranked table printed (all are in --json).
SHOWN = 20


def _run(label: str, rows: int, json_: bool, call: Any) -> Any:
    """``call(progress)`` with a progress bar over ``rows`` evaluations; bad input exits 2."""
    from terawatt.cli.uncertainty import progress
    from terawatt.scenario import ScenarioError

    try:
        with progress(rows, not json_, label) as update:
            return call(update)
    except ScenarioError as exc:
        bad_input(exc)


def _conf(value: float, conf: float) -> str:
    return f"{value:.3f} ± {conf:.3f}"


def _print_sensitivity(s: Sensitivity) -> None:
    when = f"in {s.year}" if s.year is not None else "(base values)"
    how = {"sobol": "Sobol, N = {n:,} base samples", "morris": "Morris, {n} trajectories",
           "tornado": "tornado over the literature ranges"}[s.method].format(n=s.n)
    console.print(f"[bold]terawatt sensitivity: {s.scenario}[/] {when}, {s.output} [{s.unit}]: {how}, "
                  f"{s.evaluations:,} model runs, {len(s.rows)} uncertain inputs")
    table = new_table(title=f"ranked by {dict(sobol='total index ST', morris='mu*', tornado='swing')[s.method]}",
                      title_justify="left")
    if s.method == "sobol":
        heads = ("#", "parameter", f"S1 (± {s.conf_level:.0%} CI)", f"ST (± {s.conf_level:.0%} CI)")
        cells = [(_conf(r["S1"], r["S1_conf"]), _conf(r["ST"], r["ST_conf"])) for r in s.rows]
    elif s.method == "morris":
        heads = ("#", "parameter", "mu*", f"± {s.conf_level:.0%} CI", "mu", "sigma")
        cells = [(fmt(r["mu_star"]), fmt(r["mu_star_conf"]), fmt(r["mu"]), fmt(r["sigma"])) for r in s.rows]
    else:
        from terawatt.params import load_registry

        registry = load_registry()
        heads = ("#", "parameter", "low", "high", "unit", "bounds", f"{s.output} at low", "at high", "swing")
        cells = [(fmt(r["low"]), fmt(r["high"]), registry[r["parameter"]].unit, r["bounds"], fmt(r["output_low"]),
                  fmt(r["output_high"]), fmt(r["swing"])) for r in s.rows]
    for col in heads:
        table.add_column(col, justify="left" if col in ("parameter", "bounds", "unit") else "right")
    for i, (r, c) in enumerate(zip(s.rows, cells, strict=True)):
        if i < SHOWN:
            table.add_row(str(i + 1), r["parameter"], *c)
    wide_console(140).print(table)
    if len(s.rows) > SHOWN:
        console.print(f"... and {len(s.rows) - SHOWN} more (all in --json)")
    if s.base is not None:
        console.print(f"central {s.output}: {fmt(s.base)}")
    for note in s.notes:
        console.print(f"[yellow]note:[/] {note}")


@app.command()
def sensitivity(
    scenario: ScenarioArg = None,
    method: Annotated[str, typer.Option("--method", help="sobol, morris or tornado.")] = "sobol",
    output: Annotated[str, typer.Option("--output", help="Numeric output key.")] = "comparison.cost_ratio",
    year: Annotated[int | None, typer.Option("--year", help="Evaluate in this calendar year.")] = None,
    n: Annotated[int | None, typer.Option("-n", "--samples", help="Sobol base samples (power of 2, default 1024) "
                                                                  "or Morris trajectories (default 100).")] = None,
    seed: SeedOption = 0,
    plot: PlotOption = None,
    set_: SetOption = None,
    json_: JsonOption = False,
) -> None:
    """Which uncertain inputs drive an output: Sobol indices, Morris screening or a tornado, ranked.

    Sobol and Morris assume independent inputs: rank correlations of the scenario's uncertainty block are dropped,
    with a warning on stderr naming them (correlations_dropped in --json). The tornado, one input at a time, is
    unaffected by them.
    """
    from terawatt.scenario import ScenarioError, parse_set
    from terawatt.studies.sensitivity import DEFAULT_N
    from terawatt.studies.sensitivity import sensitivity as run
    from terawatt.studies.uncertainty import uncertainty_space

    try:
        check_plot(plot)
        fixed = list(parse_set(set_ or []))
        loaded = load(scenario, set_)
        d = len(uncertainty_space(loaded, fixed).names)
    except ScenarioError as exc:
        bad_input(exc)
    rows = {"sobol": (n or DEFAULT_N["sobol"]) * (d + 2), "morris": (n or DEFAULT_N["morris"]) * (d + 1)}
    result = _run(f"sensitivity ({method})", rows.get(method, 0), json_,
                  lambda update: run(loaded, method, output, year, n, seed, fixed=fixed, progress=update))
    if json_:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        _print_sensitivity(result)
    for warning in result.warnings:  # on stderr, so that it shows with --json too
        err_console.print(f"[bold yellow]warning:[/] {warning}")
    write_plot("terawatt.report.analysis_plots:plot_sensitivity", plot, result,
               done=None if json_ else "chart written to")


def _limit(lo: float | None, hi: float | None, unit: str) -> str:
    unit = "" if unit in ("-", "") else f" {unit}"
    if lo is not None and hi is not None:
        return f"{fmt(lo)} .. {fmt(hi)}{unit}"
    return f">= {fmt(lo)}{unit}" if lo is not None else f"<= {fmt(hi)}{unit}"


def _print_discovery(d: Discovery) -> None:
    console.print(f"[bold]terawatt discover: {d.scenario}[/] in {d.year}, where {d.condition}: "
                  f"{d.share:.1%} of {d.n:,} samples ({d.sampler}, seed {d.seed}), {len(d.space.names)} uncertain "
                  "inputs")
    if d.message:
        console.print(f"[yellow]{d.message}[/]")
        return
    wide = wide_console(120)
    for i, box in enumerate(d.boxes, 1):
        console.print(f"[bold]box {i}:[/] coverage {box.coverage:.1%}, density {box.density:.1%}, support "
                      f"{box.support:.1%} ({box.points:,} samples, {box.points_of_interest:,} where the condition "
                      "holds)")
        table = new_table()
        for col in ("restricted input", "limits", "quasi-p"):
            table.add_column(col, justify="right" if col == "quasi-p" else "left")
        for name, (lo, hi) in box.limits.items():
            p = box.quasi_p[name]
            table.add_row(name, _limit(lo, hi, d.units.get(name, "-")), f"{p:.2g}" + (" (weak)" if p > 0.05 else ""))
        wide.print(table)
        for note in box.notes:
            console.print(f"[yellow]note:[/] {note}")
    console.print("coverage: share of the samples where the condition holds that lie in the box; density: share of "
                  "the box's samples where it holds; quasi-p > 0.05: that restriction could be chance")


@app.command()
def discover(
    scenario: ScenarioArg = None,
    year: Annotated[int, typer.Option("--year", help="Calendar year the condition is tested in.")] = ...,
    condition: Annotated[str, typer.Option("--condition", help="KEY OP NUMBER [and ...], OP one of < <= > >=.")
                         ] = "comparison.cost_ratio < 1",
    n: Annotated[int, typer.Option("-n", "--samples", help="Number of samples.")] = 10000,
    seed: SeedOption = 0,
    sampler: Annotated[str, typer.Option("--sampler", help="random, lhs (Latin hypercube) or sobol.")] = "lhs",
    density: Annotated[float, typer.Option("--density", help="Density a box must reach (PRIM threshold).")] = 0.8,
    min_support: Annotated[float, typer.Option("--min-support", help="Smallest share of samples in a box.")] = 0.05,
    alpha: Annotated[float, typer.Option("--alpha", help="Share of a box peeled per step.")] = 0.05,
    boxes: Annotated[int, typer.Option("--boxes", help="Most boxes (PRIM covering).")] = 3,
    plot: PlotOption = None,
    set_: SetOption = None,
    json_: JsonOption = False,
) -> None:
    """Scenario discovery (PRIM): the boxes of uncertain inputs where a condition on the outputs holds."""
    from terawatt.scenario import ScenarioError, parse_set
    from terawatt.studies.discovery import discover as run

    try:
        check_plot(plot)
        fixed = list(parse_set(set_ or []))
        loaded = load(scenario, set_)
    except ScenarioError as exc:
        bad_input(exc)
    result = _run("discover", n, json_, lambda update: run(
        loaded, year, condition, n, seed, sampler, fixed=fixed, alpha=alpha, min_support=min_support,
        threshold=density, max_boxes=boxes, progress=update))
    if json_:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        _print_discovery(result)
    write_plot("terawatt.report.analysis_plots:plot_discovery", plot, result,
               done=None if json_ else "chart written to")
