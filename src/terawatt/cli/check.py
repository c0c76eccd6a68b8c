"""``terawatt validate``: the validation cases (published numbers the model reproduces); ``terawatt check``: a
scenario file and its uncertainty block."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from terawatt.cli._common import ScenarioArg, SetOption, app, bad_input, console, new_table, wide_console


@app.command()
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Extra validation case files.")] = None,
    only: Annotated[bool, typer.Option("--only", help="Run only the given files, not the shipped cases.")] = False,
) -> None:
    """Run the validation cases (published numbers the model reproduces); exit 1 if any fails."""
    from terawatt.scenario import ScenarioError
    from terawatt.validation import run_validation

    try:
        rows = run_validation(paths or [], include_shipped=not only)
    except ScenarioError as exc:
        bad_input(exc)
    table = new_table(title="terawatt validate", title_justify="left")
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
    wide_console(160).print(table)  # case ids and output keys are long: never cut them
    failed = [r for r in rows if not r.passed]
    console.print(f"{len(rows) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise typer.Exit(1)


@app.command()
def check(
    scenario: ScenarioArg = None,
    set_: SetOption = None,
) -> None:
    """Check a scenario file, its trajectories and its uncertainty block: every bad field at once (exit 2)."""
    from terawatt.scenario import ScenarioError
    from terawatt.studies.uncertainty import check_scenario

    try:
        sc, space = check_scenario(scenario, set_)
    except ScenarioError as exc:
        bad_input(exc)
    own = sum(u.source == "scenario" for u in space.uncertainties)
    console.print(f"[green]ok:[/] {sc.name}: {len(sc.overrides)} parameters set, {len(sc.trajectories)} "
                  f"trajectories, {len(space.names)} uncertain parameters ({own} from its uncertainty block, "
                  f"{len(space.correlations)} rank correlations)")
