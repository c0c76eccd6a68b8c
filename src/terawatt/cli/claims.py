"""``terawatt claims`` (every public claim computed to a verdict) and ``terawatt report`` (the report document)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from terawatt.cli._common import JsonOption, ScenarioArg, app, bad_input, console, field_error, new_table, wide_console

#: The claims audit's Monte Carlo: samples per shared population and seed (terawatt.studies.claims.SAMPLES, SEED).
SAMPLES_DEFAULT = 256
SEED_DEFAULT = 20260205


@app.command()
def claims(
    ids: Annotated[list[str] | None, typer.Argument(help="Claim ids (default: all twenty).")] = None,
    scenario: Annotated[str | None, typer.Option("--scenario", help="Test every claim on this shipped scenario "
                                                                     "('default' = the registry defaults) instead "
                                                                     "of its own.")] = None,
    files: Annotated[list[Path] | None, typer.Option("--file", help="A claim YAML file to compute instead of the "
                                                                     "shipped ones (repeatable).")] = None,
    samples: Annotated[int, typer.Option("-n", "--samples", help="Monte Carlo samples per shared population.")]
    = SAMPLES_DEFAULT,
    seed: Annotated[int, typer.Option("--seed", help="Monte Carlo seed.")] = SEED_DEFAULT,
    json_: JsonOption = False,
) -> None:
    """Every public claim computed to a verdict: holds, holds only if ..., does not hold, not testable here."""
    from terawatt.report.claims_table import rows
    from terawatt.scenario import ScenarioError
    from terawatt.studies.claim_spec import load_claims
    from terawatt.studies.claims import audit

    try:
        if seed < 0:
            raise field_error("--seed", f"the seed must be an integer >= 0, got {seed}")
        loaded = load_claims(files) if files else None
        verdicts = audit(ids or None, scenario, samples, seed, claims=loaded)
    except ScenarioError as exc:
        bad_input(exc)
    if json_:
        out = {"scenario": scenario, "monte_carlo": {"samples": samples, "seed": seed, "sampler": "lhs"},
               "claims": [v.to_dict() for v in verdicts]}
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return
    table = new_table(title=f"terawatt claims{f' on {scenario}' if scenario else ''}: {len(verdicts)} claims, "
                            f"Monte Carlo {samples} samples (seed {seed})", title_justify="left", show_lines=True)
    for col in ("claim", "verdict", "number", "P5-P95", "P(true)", "condition or reason", "source"):
        table.add_column(col, justify="right" if col in ("number", "P5-P95", "P(true)") else "left",
                         overflow="fold")
    colours = {"holds": "green", "holds only if": "yellow", "does not hold": "red", "not testable here": "dim"}
    for row in rows(verdicts, width=90):
        table.add_row(f"[bold]{row['id']}[/]\n{row['claim']}", f"[{colours[row['verdict']]}]{row['verdict']}[/]",
                      row["number"], row["P5-P95"], row["P(true)"], row["condition or reason"], row["source"])
    wide_console(160).print(table)
    console.print("The number is each claim's main check; every check, its rule, P5-P50-P95 and the full quote: "
                  "terawatt claims ID --json.")


@app.command()
def report(
    scenario: ScenarioArg = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="The report file (.html, or .md with --format md).")]
    = Path("report.html"),
    format_: Annotated[str, typer.Option("--format", help="html (self-contained, works offline) or md (Markdown "
                                                          "with PNG figures in a folder next to it).")] = "html",
    samples: Annotated[int, typer.Option("-n", "--samples", help="Monte Carlo samples of the timeline and ranking.")]
    = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Monte Carlo seed.")] = 0,
) -> None:
    """A report of one scenario: comparison, design, timeline with bands, break-even map, build-out, sensitivity
    ranking and the claims table, every number with its source; the scenario and version embedded."""
    from terawatt.report.document import build_report
    from terawatt.scenario import ScenarioError

    try:
        path = build_report(scenario, output, format_=format_, samples=samples, seed=seed)
    except ScenarioError as exc:
        bad_input(exc)
    console.print(f"report written to {path}")
