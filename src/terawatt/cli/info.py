"""``terawatt params | scenarios | init``: what the parameters are, which scenarios ship, and a scenario file to
start from."""

from __future__ import annotations

import fnmatch
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from terawatt.cli._common import JsonOption, app, bad_input, console, field_error, new_table, wide_console

if TYPE_CHECKING:
    from terawatt.params import ParamSpec
    from terawatt.scenario import Scenario


# ------------------------------------------------------------------------------------------------------ params
def _value_text(value: Any, spec: ParamSpec) -> str:
    if value is None:
        return "(empty: derived)" if spec.nullable else "(empty)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _literature(spec: ParamSpec) -> str:
    if not spec.range:
        return ""
    unit = "" if spec.unit in ("-", "") else f" {spec.unit}"
    return f"[{spec.range[0]:g}, {spec.range[1]:g}]{unit}"


def _distribution(spec: ParamSpec) -> str:
    d = spec.distribution
    if d is None:
        return ""
    fields = ", ".join(f"{k}={v:g}" for k, v in d.model_dump().items() if k != "kind" and v is not None)
    return f"{d.kind}({fields})"


def match_params(pattern: str | None, registry: dict[str, ParamSpec]) -> list[str]:
    """Names matching ``pattern``: a glob (``thermal.*``) or else a case-insensitive substring; all if None."""
    if not pattern:
        return sorted(registry)
    if any(ch in pattern for ch in "*?["):
        return sorted(n for n in registry if fnmatch.fnmatchcase(n.lower(), pattern.lower()))
    low = pattern.lower()
    return sorted(n for n in registry if low in n.lower())


def param_record(spec: ParamSpec) -> dict[str, Any]:
    """One parameter as plain data (the ``--json`` form): every registry field plus the range in words."""
    record = spec.model_dump()
    record["allowed"] = spec.range_text()
    if spec.catalog:
        from terawatt.catalogs import load_catalog

        record["catalog_names"] = sorted(load_catalog(spec.catalog))
    return record


def _show_one(spec: ParamSpec) -> None:
    table = new_table(title=spec.name, title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    rows = [
        ("description", spec.description),
        ("kind", spec.kind),
        ("unit", spec.unit),
        ("default", _value_text(spec.default, spec)),
        ("allowed", spec.range_text() + ("; may be empty (derived by the model)" if spec.nullable else "")),
        ("literature range", _literature(spec)),
        ("distribution", _distribution(spec)),
        ("source", spec.source),
    ]
    if spec.catalog:
        rows.insert(5, ("catalog", f"{spec.catalog}: " + ", ".join(param_record(spec)["catalog_names"])))
    for field, value in rows:
        if value:
            table.add_row(field, value)
    console.print(table)


@app.command()
def params(
    pattern: Annotated[
        str | None,
        typer.Argument(help="A parameter name (shown in full), a glob such as 'thermal.*', or part of a name."),
    ] = None,
    json_: JsonOption = False,
) -> None:
    """List the parameters: name, unit, default, allowed range, literature range, source; or show one in full."""
    from terawatt.params import load_registry
    from terawatt.scenario import _suggest

    registry = load_registry()
    if pattern in registry:
        spec = registry[pattern]
        if json_:
            sys.stdout.write(json.dumps(param_record(spec), indent=2) + "\n")
        else:
            _show_one(spec)
        return
    names = match_params(pattern, registry)
    if not names:
        bad_input(field_error(str(pattern), f"no parameter matches{_suggest(str(pattern), registry)}"))
    if json_:
        sys.stdout.write(json.dumps([param_record(registry[n]) for n in names], indent=2) + "\n")
        return
    table = new_table(title=f"parameters ({len(names)})" + (f" matching {pattern!r}" if pattern else ""),
                  title_justify="left")
    # Names, units and ranges are never cut; the source (shown in full by `terawatt params NAME`) gets what is
    # left of a wide terminal and is left out of a narrow one.
    with_source = console.width >= 150
    table.add_column("name", no_wrap=True)
    for col in ("unit", "default", "allowed", "literature"):
        table.add_column(col, no_wrap=True)
    if with_source:
        table.add_column("source", no_wrap=True, overflow="ellipsis", max_width=60)
    for name in names:
        spec = registry[name]
        cells = [name, spec.unit, _value_text(spec.default, spec), spec.range_text(), _literature(spec)]
        table.add_row(*cells, *([spec.source] if with_source else []))
    # wide enough for the longest name and range (a narrow terminal wraps lines rather than cutting cells)
    needed = max(len(n) for n in names) + max(len(registry[n].range_text()) for n in names) + 60
    wide_console(needed).print(table)
    console.print("terawatt params NAME shows one parameter in full (description, distribution, whole source).")


@app.command()
def scenarios() -> None:
    """List the shipped scenarios."""
    from terawatt.scenario import load_scenario, shipped_scenarios

    table = new_table(title="shipped scenarios", title_justify="left")
    table.add_column("name")
    table.add_column("description")
    for name, path in sorted(shipped_scenarios().items()):
        table.add_row(name, load_scenario(path).description)
    console.print(table)


# -------------------------------------------------------------------------------------------------------- init
#: The parameters ``terawatt init`` writes out, by section (DESIGN.md's canonical inputs and the main levers).
#: A name missing from the registry is skipped, so the list may name parameters other branches add.
MAIN_PARAMS = (
    "workload.it_power_w",
    "workload.accelerator",
    "workload.utilization",
    "workload.kind",
    "workload.training_fraction",
    "workload.hardware_failure_rate_per_yr",
    "workload.failure_rate_per_yr",
    "orbit.altitude_km",
    "orbit.ltan_h",
    "orbit.inclination_deg",
    "orbit.eclipse_policy",
    "satellite.compute_power_w",
    "satellite.lifetime_yr",
    "satellite.mass_kg",
    "solar.cell_efficiency",
    "solar.degradation_per_yr",
    "solar.array_specific_power_w_per_kg",
    "solar.cost_usd_per_w",
    "thermal.radiator_temp_k",
    "thermal.emissivity",
    "thermal.areal_mass_kg_per_m2",
    "launch.vehicle",
    "launch.price_usd_per_kg",
    "radiation.enabled",
    "radiation.shielding_mm_al",
    "atmosphere.enabled",
    "debris.enabled",
    "terrestrial.power_source",
    "terrestrial.electricity_price_usd_per_mwh",
    "terrestrial.pue",
    "terrestrial.facility_capex_usd_per_w",
    "terrestrial.time_to_power_yr",
    "finance.discount_rate",
    "finance.analysis_period_yr",
)


def _yaml_value(value: Any) -> str:
    import numpy as np

    from terawatt.yamlio import safe_dump_value

    if isinstance(value, np.ndarray):
        value = value.tolist()
    return safe_dump_value(value)


def _comment(spec: ParamSpec, width: int = 112) -> list[str]:
    """``# ...`` lines above a parameter: description, unit, allowed and literature range, source."""
    import textwrap

    unit = f"[{spec.unit}] " if spec.unit not in ("-", "") else ""
    if spec.catalog:
        from terawatt.catalogs import load_catalog

        allowed = f"one of the {spec.catalog} catalog: {', '.join(sorted(load_catalog(spec.catalog)))}"
    else:
        allowed = f"allowed {spec.range_text()}"
    allowed += "; empty = derived by the model" if spec.nullable else ""
    literature = f"; literature {_literature(spec)}" if spec.range else ""
    text = f"{spec.description} {unit}{allowed}{literature}. Source: {spec.source}"
    return [f"  # {line}" for line in textwrap.wrap(text, width - 4)]


def scenario_template(base: Scenario, base_name: str | None, name: str = "my-scenario") -> str:
    """A commented scenario file: every main parameter with its value in ``base``, unit, range and source.

    Parameters that ``base`` changes from the registry defaults are written too (marked), so the file loaded on
    its own gives the same scenario as ``base``. Trajectories stay in the base file (``based_on``).
    """
    from terawatt.params import load_registry

    registry = load_registry()
    names = [n for n in MAIN_PARAMS if n in registry]
    names += sorted(n for n in base.overrides if n in registry and n not in names)
    lines = [
        "# terawatt scenario file. Run it:  terawatt run THIS_FILE   (or timeline / breakeven / buildout THIS_FILE)",
        "# A scenario holds only overrides of the registry defaults; delete any line to use the default.",
        "# Write sections as below or dotted keys (orbit.altitude_km: 550); `terawatt params NAME` explains a name.",
        "# A value may be a list of samples (all lists of one length) for a Monte Carlo run.",
        f"name: {_yaml_value(name)}",
        f"description: {_yaml_value('Edit me: what this scenario stands for.')}",
    ]
    if base_name:
        lines.append(f"# Parameters not listed here, and the trajectories over years, come from {base_name!r}.")
        lines.append(f"based_on: {_yaml_value(base_name)}")
        if base.trajectories:
            lines.append("# Trajectories of the base (applied with --year and by timeline): "
                         + ", ".join(sorted(base.trajectories)))
    sections: dict[str, list[str]] = {}
    for name in names:  # one block per section (a repeated YAML key would drop the first block)
        sections.setdefault(name.partition(".")[0], []).append(name)
    for head, members in sections.items():
        lines.extend(["", f"{head}:"])
        for name in members:
            lines.extend(_comment(registry[name]))
            marker = "  # set by the base scenario" if name in base.overrides and base_name else ""
            lines.append(f"  {name.partition('.')[2]}: {_yaml_value(base.values[name])}{marker}")
    lines.append("")
    lines.append("# All parameters: terawatt params   (or terawatt params 'thermal.*')")
    return "\n".join(lines) + "\n"


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Scenario file to write (.yaml).")],
    from_: Annotated[
        str | None, typer.Option("--from", help="Start from this shipped scenario or file (default: the defaults).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented scenario file to edit: the main parameters with unit, allowed range and source."""
    from terawatt.scenario import ScenarioError, load_scenario

    try:
        if path.suffix.lower() not in (".yaml", ".yml"):
            raise field_error("FILE", f"{str(path)!r}: a scenario file ends in .yaml or .yml")
        if path.exists() and not force:
            raise field_error("FILE", f"{str(path)!r} exists; pass --force to overwrite it")
        if not path.parent.is_dir():
            raise field_error("FILE", f"folder {str(path.parent)!r} does not exist")
        if path.is_dir():
            raise field_error("FILE", f"{str(path)!r} is a folder")
        base = load_scenario(from_)
        # A base given as a file is referred to by its absolute path, so the new file works from any folder.
        based_on = str(base.path.resolve()) if from_ is not None and base.path and Path(from_).exists() else from_
        text = scenario_template(base, based_on, path.stem)
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise field_error("FILE", f"cannot write {str(path)!r}: {exc.strerror or exc}") from exc
    except ScenarioError as exc:
        bad_input(exc)
    console.print(f"scenario written to {path}; run it with: terawatt run {path}", highlight=False)
