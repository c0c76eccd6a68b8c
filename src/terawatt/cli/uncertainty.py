"""``terawatt montecarlo``: sample the scenario's uncertainties and report percentiles and probabilities."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
    from terawatt.studies.montecarlo import MonteCarlo

#: Runs with fewer samples finish before a progress bar is worth drawing.
PROGRESS_MIN_SAMPLES = 20000


def progress_bar(n: int, enabled: bool, label: str = "montecarlo") -> tuple[Any, Any]:
    """A rich progress bar (rate and ETA) on stderr and its callback; ``(None, None)`` when not wanted (a short
    run, ``--json``, or stderr not a terminal). ``label`` names the study."""
    if not enabled or n < PROGRESS_MIN_SAMPLES or not err_console.is_terminal:
        return None, None
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
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



@contextmanager
def progress(n: int, enabled: bool, label: str = "montecarlo") -> Iterator[Any]:
    """The :func:`progress_bar` of a run, started on entry and stopped on exit (also when the run fails or is
    interrupted); yields its callback (``None`` when no bar is drawn)."""
    bar, update = progress_bar(n, enabled, label)
    if bar is not None:
        bar.start()
    try:
        yield update
    finally:
        if bar is not None:
            bar.stop()


def interrupted(out: Path | None) -> typer.Exit:
    """Ctrl-C of a chunked run: say so (and that the same command resumes when it writes to ``out``); exit 130."""
    hint = " Rerun the same command to resume from the finished chunks." if out is not None else ""
    err_console.print(f"[bold]interrupted.[/]{hint}")
    return typer.Exit(130)


def _print_sampled(space: Any, wide: Any) -> None:
    """The table of sampled parameters (distribution and source) of a Monte Carlo, and those fixed by --set."""
    sampled = new_table(title="sampled parameters", title_justify="left")
    sampled.add_column("parameter")
    sampled.add_column("distribution")
    sampled.add_column("from")
    for u in space.uncertainties:
        sampled.add_row(u.name, u.describe(), u.source)
    wide.print(sampled)
    if space.fixed:
        console.print(f"fixed by --set: {', '.join(space.fixed)}")

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
    _print_sampled(mc.space, wide)
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
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a chart (CDF of the ratio; over years fan charts "
                                                             "of the costs and the ratio, crossover-year CDF; "
                                                             "--study buildout: GW fan chart and binding shares): "
                                                             ".png, .svg, .pdf or .html.")] = None,
    set_: SetOption = None,
    json_: JsonOption = False,
    study: Annotated[str, typer.Option("--study", help="cost (cost per GPU-hour, crossover year) or buildout "
                                                       "(build-out trajectories: orbit GW, launches, binding "
                                                       "constraints; --from/--to default 2026-2050).")] = "cost",
) -> None:
    """Monte Carlo over every uncertain input: percentiles, P(orbit cheaper), crossover-year distribution; with
    --study buildout, the build-out's orbit GW, launches and how often each constraint binds."""
    from terawatt.scenario import ScenarioError, parse_set
    from terawatt.studies.montecarlo import montecarlo as run_mc

    if study != "cost":
        _study(study, scenario, n, seed, sampler, year, start, end, out, workers, chunk_size, plot, set_, json_)
        return
    try:
        check_plot(plot)
        fixed = list(parse_set(set_ or []))
        loaded = load(scenario, set_)
        backend = "dask" if scheduler is not None else "serial" if workers is None else "processes"
        with progress(n, not json_) as update:
            mc = run_mc(loaded, n, seed, sampler, year, start, end, fixed=fixed, out=out, backend=backend,
                        workers=workers, chunk_size=chunk_size, progress=update, scheduler=scheduler,
                        overwrite=overwrite)
    except ScenarioError as exc:
        bad_input(exc)
    except KeyboardInterrupt:
        raise interrupted(out) from None
    if json_:
        sys.stdout.write(json.dumps(mc.to_dict(), indent=2) + "\n")
    else:
        _print(mc)
    write_plot("terawatt.report.montecarlo_plots:plot_montecarlo", plot, mc, done=None if json_ else "chart written to")


# ------------------------------------------------------------------------------------------ --study buildout
STUDIES = ("cost", "buildout")


def _study(study: str, scenario: str | None, n: int, seed: int, sampler: str, year: int | None, start: int | None,
           end: int | None, out: Path | None, workers: int | None, chunk_size: int, plot: Path | None,
           set_: list[str] | None, json_: bool) -> None:
    """``terawatt montecarlo SCENARIO --study buildout``: sample, simulate N build-outs, print or write JSON."""
    from terawatt.scenario import FieldError, ScenarioError, parse_set
    from terawatt.studies.montecarlo_buildout import montecarlo_buildout

    try:
        errors = []
        if study not in STUDIES:
            errors.append(FieldError("--study", f"{study!r} is not one of: {', '.join(STUDIES)}"))
        if year is not None:
            errors.append(FieldError("--year", "a build-out runs over years: give --from/--to (default 2026-2050)"))
        if plot is not None:
            from terawatt.report.output_path import check_output_path

            try:
                check_output_path(plot)
            except ScenarioError as exc:
                errors.extend(exc.errors)
        if errors:  # with the sampling and worker options' own errors, so that every bad field is named at once
            from terawatt.studies.population import make_backend
            from terawatt.studies.uncertainty import check_sampler

            errors.extend(check_sampler(sampler, n, seed))
            try:
                make_backend("serial" if workers is None else "processes", workers)
            except ScenarioError as exc:
                errors.extend(exc.errors)
            raise ScenarioError(errors)
        fixed = list(parse_set(set_ or []))
        loaded = load(scenario, set_)
        with progress(n, not json_, "montecarlo buildout") as update:
            mc = montecarlo_buildout(loaded, n, seed, sampler, start, end, fixed=fixed, out=out,
                                     chunk_size=chunk_size, progress=update,
                                     backend="serial" if workers is None else "processes", workers=workers)
    except ScenarioError as exc:
        bad_input(exc)
    except KeyboardInterrupt:
        raise interrupted(out) from None
    if json_:
        sys.stdout.write(json.dumps(mc.to_dict(), indent=2) + "\n")
    else:
        _print_buildout(mc)
    write_plot("terawatt.report.montecarlo_plots:plot_buildout_montecarlo", plot, mc,
               done=None if json_ else "chart written to")


def _print_buildout(mc: Any) -> None:
    from terawatt.studies.montecarlo_buildout import SUMMARY

    wide = wide_console(140)
    console.print(f"[bold]terawatt montecarlo --study buildout: {mc.scenario}[/] {mc.years[0]}-{mc.years[-1]}, "
                  f"{mc.n:,} trajectories ({mc.sampler}, seed {mc.seed}), {len(mc.space.names)} uncertain parameters")
    table = new_table(title="percentiles over the samples", title_justify="left")
    for col in ("output", "year", *(f"P{p}" for p in (5, 25, 50, 75, 95))):
        table.add_column(col, justify="left" if col == "output" else "right")
    for key, rows in mc.summary().items():
        for y, row in rows.items():
            table.add_row(f"{key} [{SUMMARY[key]}]", str(y), *(fmt(row[f"p{p:02d}"]) for p in (5, 25, 50, 75, 95)))
    wide.print(table)
    for side in ("orbit", "ground"):
        shares = mc.binding_shares(side)
        names = [k for k in next(iter(shares.values())) if any(s[k] > 0 for s in shares.values())]
        console.print(f"[bold]{side}: share of samples in which each constraint binds[/]")
        t = new_table()
        t.add_column("year", justify="right")
        for name in names:
            t.add_column(name, justify="right")
        for y, row in shares.items():
            t.add_row(str(y), *(_share(row[k]) for k in names))
        wide.print(t)
    _print_sampled(mc.space, wide)
    if mc.out is not None:
        console.print(f"trajectories written to {mc.out} (one Parquet file per chunk, field@year columns, "
                      "manifest.json)")


def _share(value: float) -> str:
    """A share of samples as a percentage: ``-`` for none, ``<1%`` for a few."""
    return "-" if value == 0 else ("<1%" if value < 0.005 else f"{value:.0%}")
