"""``terawatt run``: one scenario in full (cost tables, orbital design, what decides the answer), or several side by
side in one table."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from terawatt.cli._common import (
    OutOption,
    SetOption,
    app,
    bad_input,
    check_out,
    console,
    err_console,
    fmt,
    load,
    new_table,
    scalar,
    wide_console,
    write_table,
)

if TYPE_CHECKING:
    from rich.table import Table

    from terawatt.results import Result

#: Cost rows of the comparison table: (label, output name under ``orbital.`` / ``terrestrial.``, unit).
COST_ROWS = (
    ("cost per GPU-hour", "cost_per_gpu_hour_usd", "USD"),
    ("cost per kW-year of IT", "cost_per_kw_year_usd", "USD"),
    ("cost per million tokens", "cost_per_million_tokens_usd", "USD"),
    ("infrastructure per kW-year (no accelerators)", "infrastructure_cost_per_kw_year_usd", "USD"),
    ("capex (one generation)", "capex_usd", "USD"),
    ("annual cost", "annual_cost_usd_per_yr", "USD/yr"),
    ("lifecycle cost (NPV over analysis period)", "lifecycle_cost_usd", "USD"),
)

#: Rows of the orbital design table: (label, output key, unit).
DESIGN_ROWS = (
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
)

#: What decides the answer: (label, orbit key, ground key, unit); a row shows only where one of its keys exists.
DRIVER_ROWS = (
    ("launch price used", "orbital.launch_price_usd_per_kg", None, "USD/kg"),
    ("total dose behind the shielding", "orbital.dose_rad_per_yr", None, "rad/yr"),
    ("total-dose margin (tolerance / lifetime dose)", "orbital.tid_margin", None, "x"),
    ("interrupts per chip-year", "orbital.interrupts_per_chip_year", None, ""),
    ("goodput (useful share of compute)", "orbital.goodput_fraction", "terrestrial.goodput_fraction", ""),
    ("  training goodput", "orbital.training_goodput_fraction", "terrestrial.training_goodput_fraction", ""),
    ("  inference goodput", "orbital.inference_goodput_fraction", "terrestrial.inference_goodput_fraction", ""),
    ("availability (delivered / nameplate)", "orbital.availability", "terrestrial.availability", ""),
    ("collision-avoidance outage", "orbital.avoidance_outage_fraction", None, ""),
    ("time to first token", "orbital.time_to_first_token_yr", "terrestrial.time_to_first_token_yr", "yr"),
)

#: Feasibility flags shown first (others ending in ``_feasible`` or ``launchable`` follow as found).
FLAG_KEYS = ("orbital.feasible", "orbital.radiator_feasible", "orbital.launchable", "orbital.environment_feasible")

#: Rows of the side-by-side table of ``run A B C``: (label, output key, unit).
COMPARE_ROWS = (
    ("orbit cost per GPU-hour", "orbital.cost_per_gpu_hour_usd", "USD"),
    ("ground cost per GPU-hour", "terrestrial.cost_per_gpu_hour_usd", "USD"),
    ("orbit / ground", "comparison.cost_ratio", ""),
    ("orbit / ground with time to power", "comparison.cost_ratio_with_wait", ""),
    ("break-even launch price", "comparison.breakeven_launch_price_usd_per_kg", "USD/kg"),
    ("launch price used", "orbital.launch_price_usd_per_kg", "USD/kg"),
    ("IT W per launched kg", "orbital.specific_power_w_per_kg", "W/kg"),
    ("satellite mass", "orbital.satellite_mass_kg", "kg"),
    ("satellites", "orbital.satellite_count", ""),
    ("launches", "orbital.launches", ""),
    ("launch cost per kW-year", "orbital.launch_cost_per_kw_year_usd", "USD"),
    ("dose", "orbital.dose_rad_per_yr", "rad/yr"),
    ("goodput (orbit)", "orbital.goodput_fraction", ""),
    ("goodput (ground)", "terrestrial.goodput_fraction", ""),
    ("availability (orbit)", "orbital.availability", ""),
    ("collision-avoidance outage", "orbital.avoidance_outage_fraction", ""),
    ("sunlit fraction", "orbital.sunlit_fraction", ""),
    ("feasible", "orbital.feasible", ""),
)


def availability_parts(r: Result) -> list[str]:
    """The ``<side>.availability_<part>`` keys of a result, orbit first, in a stable order."""
    return sorted((k for k in r.keys() if ".availability_" in k), key=lambda k: (not k.startswith("orbital"), k))


def flag_keys(r: Result) -> list[str]:
    """Feasibility flags present in a result: :data:`FLAG_KEYS` first, then any other ``*_feasible`` output."""
    extra = sorted(k for k in r.keys() if k.endswith("_feasible") and k not in FLAG_KEYS)
    return [k for k in FLAG_KEYS if k in r] + extra


def breakeven_text(value: Any) -> str:
    """The break-even launch price for a table: "none" where orbit loses even with free launch."""
    if value is None or not isinstance(value, (int, float)) or value != value:
        return "n/a (infeasible design)"
    return fmt(value, "USD/kg") if value >= 0 else "none (dearer even with free launch)"


def comparison_table(r: Result) -> Table:
    table = new_table(title=f"terawatt run: {r.scenario.name}", title_justify="left", show_lines=False)
    table.add_column("quantity")
    table.add_column("orbit", justify="right")
    table.add_column("ground", justify="right")
    for label, key, unit in COST_ROWS:
        table.add_row(label, fmt(scalar(r, f"orbital.{key}"), unit), fmt(scalar(r, f"terrestrial.{key}"), unit))
    table.add_section()
    table.add_row("[bold]cost drivers[/] (annual)", "", "")
    lines: dict[str, dict[str, float]] = {"orbital": {}, "terrestrial": {}}
    for key in r.keys():
        side, _, rest = key.partition(".")
        if rest.startswith("annual_breakdown") and side in lines:
            lines[side][rest.rsplit(".", 1)[1]] = scalar(r, key)
    for name in dict.fromkeys([*lines["orbital"], *lines["terrestrial"]]):
        o, g = lines["orbital"].get(name), lines["terrestrial"].get(name)
        table.add_row(
            f"  {name.replace('_', ' ')}",
            fmt(o, "USD/yr") if o is not None else "",
            fmt(g, "USD/yr") if g is not None else "",
        )
    return table


def design_table(r: Result) -> Table:
    table = new_table(title="orbital design", title_justify="left")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for label, key, unit in DESIGN_ROWS:
        if key in r:
            table.add_row(label, fmt(scalar(r, key), unit))
    return table


def drivers_table(r: Result) -> Table:
    """What decides the answer: launch price used, radiation, goodput, availability and its parts, outages,
    feasibility flags. Rows appear only for outputs the model provides."""
    table = new_table(title="what decides the answer", title_justify="left")
    table.add_column("quantity")
    table.add_column("orbit", justify="right")
    table.add_column("ground", justify="right")

    def cell(key: str | None, unit: str) -> str:
        return fmt(scalar(r, key), unit) if key is not None and key in r else ""

    vehicle = r.scenario.values.get("launch.vehicle")
    for label, orbit_key, ground_key, unit in DRIVER_ROWS:
        if (orbit_key in r) or (ground_key is not None and ground_key in r):
            shown = f"{label} ({vehicle})" if orbit_key == "orbital.launch_price_usd_per_kg" and vehicle else label
            table.add_row(shown, cell(orbit_key, unit), cell(ground_key, unit))
        if orbit_key == "orbital.availability":
            for key in availability_parts(r):
                side, part = key.split(".", 1)
                label_part = part.removeprefix("availability_").replace("_", " ")
                row = ("", fmt(scalar(r, key))) if side == "terrestrial" else (fmt(scalar(r, key)), "")
                table.add_row(f"  availability: {label_part}", *row)
    table.add_section()
    for key in flag_keys(r):
        table.add_row(key.split(".", 1)[1].replace("_", " "), fmt(scalar(r, key)), "")
    return table


def explain_table(r: Result) -> Table:
    """The walk from the ground's cost per GPU-hour to the orbit's (:func:`terawatt.studies.explain.explain`)."""
    from terawatt.studies.explain import explain

    walk = explain(r)
    table = new_table(title="why: ground -> orbit cost per delivered GPU-hour", title_justify="left")
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


def compare_table(results: list[Result]) -> Table:
    """Several scenarios side by side: one column per scenario."""
    table = new_table(title="terawatt run: " + ", ".join(r.scenario.name for r in results), title_justify="left")
    table.add_column("quantity")
    for r in results:
        table.add_column(r.scenario.name, justify="right")
    parts = list(dict.fromkeys(k for r in results for k in availability_parts(r)))
    rows = list(COMPARE_ROWS)
    at = next(i for i, row in enumerate(rows) if row[1] == "orbital.availability") + 1
    rows[at:at] = [(f"  {k.split('.', 1)[1].replace('_', ' ')}", k, "") for k in parts]
    for label, key, unit in rows:
        if not any(key in r for r in results):
            continue
        cells = []
        for r in results:
            if key not in r:
                cells.append("")
            elif key == "comparison.breakeven_launch_price_usd_per_kg":
                value = scalar(r, key)
                cells.append("none" if value is not None and value < 0 else fmt(value, unit))
            else:
                cells.append(fmt(scalar(r, key), unit))
        table.add_row(label, *cells)
    return table


def _notes(r: Result) -> list[str]:
    """The result's notes less the missing break-even, which the tables already state."""
    from terawatt.results import NO_VALUE_WHEN_NEGATIVE

    said = NO_VALUE_WHEN_NEGATIVE["comparison.breakeven_launch_price_usd_per_kg"][1]
    return [note for note in r.notes if note != said]


def _evaluate_all(names: list[str | None], set_: list[str] | None, year: int | None) -> list[Result]:
    """Evaluate every scenario; every bad input of every scenario is reported at once."""
    from terawatt.model import evaluate
    from terawatt.scenario import FieldError, ScenarioError

    results, errors = [], []
    for name in names:
        try:
            loaded = load(name, set_)
            results.append(evaluate(loaded.at_year(year) if year is not None else loaded))
        except ScenarioError as exc:
            prefix = f"{name}: " if len(names) > 1 else ""
            errors.extend(FieldError(f"{prefix}{e.path}", e.message) for e in exc.errors)
    if errors:
        raise ScenarioError(errors)
    return results


def _frame(results: list[Result]) -> Any:
    import pandas as pd

    frames = []
    for r in results:
        frame = r.to_frame()
        frame.insert(0, "scenario", r.scenario.name)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out.attrs["units"] = {k: v for f in frames for k, v in f.attrs["units"].items()}
    out.index.name = "sample"
    return out


@app.command()
def run(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(
            help="Scenario YAML paths or shipped names; several are printed side by side (default: built-in defaults)."
        ),
    ] = None,
    set_: SetOption = None,
    json_: Annotated[
        bool,
        typer.Option("--json", help="Print the result as JSON: outputs nested by section, with units and notes."),
    ] = False,
    flat: Annotated[
        bool, typer.Option("--flat", help="With --json: outputs under their dotted canonical keys, not nested.")
    ] = False,
    year: Annotated[
        int | None,
        typer.Option("--year", help="Evaluate in this calendar year, with the scenario's trajectories applied."),
    ] = None,
    out: OutOption = None,
    explain_: Annotated[
        bool,
        typer.Option("--explain", help="Also print the step-by-step walk from the ground's cost to the orbit's."),
    ] = False,
) -> None:
    """Size an orbital and a terrestrial AI data centre and compare what they cost.

    With several scenarios (run A B C) they are compared side by side in one table. Without --year the
    scenario's base values are used (its trajectories apply only with --year and in timeline). JSON: a value
    that does not exist is null, with the reason in a *_note key (e.g. no break-even launch price); the walk
    from the ground's cost per GPU-hour to the orbit's is under the key "explain".
    """
    from terawatt.scenario import ScenarioError

    names: list[str | None] = list(scenarios) if scenarios else [None]
    try:
        check_out(out)
        results = _evaluate_all(names, set_, year)
        if out is not None:
            write_table(_frame(results), out)
    except ScenarioError as exc:
        bad_input(exc)
    if json_:
        from terawatt.studies.explain import explain

        docs = [{**json.loads(r.to_json(flat=flat)), "explain": explain(r).to_dict()} for r in results]
        payload = docs[0] if len(docs) == 1 else {"scenarios": docs}
        sys.stdout.write(json.dumps(payload, indent=2, allow_nan=False) + "\n")
        return
    if any(r.scenario.n_samples > 1 for r in results):
        if out is not None:
            return
        err_console.print("array-valued scenarios are printed with --json or written with --out only")
        raise typer.Exit(2)
    if len(results) > 1:
        wide_console(48 + 16 * len(results)).print(compare_table(results))
        if explain_:
            for r in results:
                console.print(explain_table(r))
        console.print("break-even 'none': orbit costs more than the ground even with free launch")
        for r in results:
            for note in _notes(r):
                console.print(f"[yellow]note ({r.scenario.name}):[/] {note}")
        return
    result = results[0]
    console.print(comparison_table(result))
    console.print(design_table(result))
    console.print(drivers_table(result))
    if explain_:
        console.print(explain_table(result))
    console.print(f"[bold]orbit / ground cost per GPU-hour:[/] {fmt(scalar(result, 'comparison.cost_ratio'))}")
    breakeven = breakeven_text(scalar(result, "comparison.breakeven_launch_price_usd_per_kg"))
    console.print(f"[bold]break-even launch price:[/] {breakeven}")
    for note in _notes(result):
        console.print(f"[yellow]note:[/] {note}")
