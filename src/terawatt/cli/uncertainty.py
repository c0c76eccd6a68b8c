"""``terawatt montecarlo``: sample the scenario's uncertainties and report percentiles and probabilities."""

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
    console,
    err_console,
    fmt,
    load,
    new_table,
    wide_console,
    write_plot,
)

if TYPE_CHECKING:
    from terawatt.studies.montecarlo import MonteCarlo

#: Runs with fewer samples finish before a progress bar is worth drawing.
PROGRESS_MIN_SAMPLES = 20000


def _progress_bar(n: int, enabled: bool) -> tuple[Any, Any]:
    """A rich progress bar (rate and ETA) on stderr and its callback; ``(None, None)`` when not wanted (a short
    run, ``--json``, or stderr not a terminal)."""
    if not enabled or n < PROGRESS_MIN_SAMPLES or not err_console.is_terminal:
        return None, None
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("montecarlo"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                   TimeRemainingColumn(), console=err_console._console, transient=True)
    task = bar.add_task("samples", total=n, rate="")
    t0 = time.perf_counter()
    first: list[int] = []

    def update(done: int, total: int) -> None:
        if not first:
            first.append(done)  # chunks resumed from --out are not part of the rate
        elapsed = time.perf_counter() - t0
        rate = f"{(done - first[0]) / elapsed:,.0f} samples/s" if elapsed > 0 and done > first[0] else ""
        bar.update(task, completed=done, rate=rate)

    return bar, update


def _print(mc: MonteCarlo) -> None:
    data = mc.to_dict()
    wide = wide_console(120)  # output and parameter names are never cut
    where = f"in {mc.year}" if mc.year is not None else (
        f"over {mc.years[0]}-{mc.years[-1]}" if mc.years is not None else "(base values)")
    console.print(f"[bold]terawatt montecarlo: {mc.scenario}[/] {where}, {mc.n:,} samples ({mc.sampler}, "
                  f"seed {mc.seed}), {len(mc.space.names)} uncertain parameters")
    table = new_table(title="percentiles" + (f" in {mc.years[0]}" if mc.years is not None else ""),
                      title_justify="left")
    for col in ("output", *(f"P{p}" for p in (5, 25, 50, 75, 95)), "n/a"):
        table.add_column(col, justify="left" if col == "output" else "right")
    for key, row in data["percentiles"].items():
        table.add_row(key, *(fmt(row[f"p{p:02d}"]) for p in (5, 25, 50, 75, 95)), str(row["not_finite"]))
    wide.print(table)
    if mc.years is None:
        console.print(f"[bold]P(orbit cheaper):[/] {data['p_orbit_cheaper']:.1%}")
    else:
        per_year = new_table(title="P(orbit cheaper) by year", title_justify="left")
        per_year.add_column("year", justify="right")
        per_year.add_column("P(orbit cheaper)", justify="right")
        for year, p in data["p_orbit_cheaper_by_year"].items():
            per_year.add_row(year, f"{p:.1%}")
        console.print(per_year)
        c = data["crossover_year"]
        show = {k: ("never in range" if c[k] is None else str(c[k])) for k in ("p10", "p50", "p90")}
        console.print(f"[bold]crossover year:[/] P10 {show['p10']}, P50 {show['p50']}, P90 {show['p90']}; "
                      f"P(by 2029) {c['p_by_2029']:.1%}, P(by 2030) {c['p_by_2030']:.1%}, "
                      f"P(never in {c['range'][0]}-{c['range'][1]}) {c['p_never_in_range']:.1%}")
    if data["infeasible_share"]:
        console.print(f"[yellow]note:[/] {data['infeasible_share']:.1%} of the samples give an infeasible orbital "
                      "design (NaN costs, counted as not cheaper; see orbital.infeasible_reason in --out)")
    sampled = new_table(title="sampled parameters", title_justify="left")
    sampled.add_column("parameter")
    sampled.add_column("distribution")
    sampled.add_column("from")
    for u in mc.space.uncertainties:
        sampled.add_row(u.name, u.describe(), u.source)
    wide.print(sampled)
    if mc.space.fixed:
        console.print(f"fixed by --set: {', '.join(mc.space.fixed)}")
    if mc.out is not None:
        console.print(f"samples written to {mc.out} (one Parquet file per chunk, manifest.json)")


@app.command()
def montecarlo(
    scenario: ScenarioArg = None,
    n: Annotated[int, typer.Option("-n", "--samples", help="Number of samples.")] = 10000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (results are reproducible for a seed).")] = 0,
    sampler: Annotated[str, typer.Option("--sampler", help="random, lhs (Latin hypercube) or sobol.")] = "lhs",
    year: Annotated[int | None, typer.Option("--year", help="Evaluate in this calendar year.")] = None,
    start: Annotated[int | None, typer.Option("--from", help="First year of a run over years.")] = None,
    end: Annotated[int | None, typer.Option("--to", help="Last year of a run over years.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the samples (Parquet per chunk + manifest); "
                                                           "rerun the same command to resume.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Evaluate in K local processes.")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Evaluate on a Dask cluster: its scheduler's "
                                                                      "address, tcp://HOST:PORT.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace the run an --out folder holds (another "
                                                                "run's folder is refused without it).")] = False,
    chunk_size: Annotated[int, typer.Option("--chunk-size", help="Samples per chunk (memory bound).")] = 65536,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a chart (CDF of the ratio, or probabilities per "
                                                             "year): .png, .svg, .pdf or .html.")] = None,
    set_: SetOption = None,
    json_: JsonOption = False,
) -> None:
    """Monte Carlo over every uncertain input: percentiles, P(orbit cheaper), crossover-year distribution."""
    from terawatt.scenario import ScenarioError, parse_set
    from terawatt.studies.montecarlo import montecarlo as run_mc

    bar = None
    try:
        if plot is not None:
            from terawatt.report.output_path import check_output_path

            check_output_path(plot)
        fixed = list(parse_set(set_ or []))
        loaded = load(scenario, set_)
        bar, update = _progress_bar(n, not json_)
        if bar is not None:
            bar.start()
        backend = "dask" if scheduler is not None else "serial" if workers is None else "processes"
        mc = run_mc(loaded, n, seed, sampler, year, start, end, fixed=fixed, out=out, backend=backend,
                    workers=workers, chunk_size=chunk_size, progress=update, scheduler=scheduler,
                    overwrite=overwrite)
    except ScenarioError as exc:
        bad_input(exc)
    except KeyboardInterrupt:
        if bar is not None:
            bar.stop()
        hint = " Rerun the same command to resume from the finished chunks." if out is not None else ""
        err_console.print(f"[bold]interrupted.[/]{hint}")
        raise typer.Exit(130) from None
    finally:
        if bar is not None:
            bar.stop()
    if json_:
        sys.stdout.write(json.dumps(mc.to_dict(), indent=2) + "\n")
    else:
        _print(mc)
    write_plot("terawatt.report.montecarlo_plots:plot_montecarlo", plot, mc, done=None if json_ else "chart written to")
