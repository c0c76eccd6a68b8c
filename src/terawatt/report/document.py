"""The report of one scenario: a composition of the existing studies (run and explain, the satellite design,
the timeline with Monte Carlo bands and the crossover-year distribution, the break-even map, the build-out and
its bottlenecks, a sensitivity ranking, the claims audit), rendered as one self-contained HTML file (plotly's
JavaScript embedded from the installed package; nothing is fetched at view time) or as Markdown with PNG
figures. No model logic lives here: every number is read from a study's result, with the output key or the
registry parameter (and its source) it came from.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import numpy as np

from terawatt import __version__
from terawatt.constants import BASE_YEAR
from terawatt.errors import FieldError, ScenarioError
from terawatt.report.claims_table import number
from terawatt.report.claims_table import rows as claim_rows

FORMATS = {"html": (".html", ".htm"), "md": (".md",)}
TIMELINE_END = 2045
BUILDOUT_YEARS = (2026, 2050)
MAP_PARAMS = ("launch.price_usd_per_kg", "solar.array_specific_power_w_per_kg")
MASS_KEYS = ("it_mass_kg", "array_mass_kg", "radiator_mass_kg", "shielding_mass_kg", "battery_mass_kg",
             "bus_mass_kg", "margin_mass_kg", "propulsion_mass_kg")


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class Figure:
    name: str
    caption: str
    plotly: Callable[[], Any]
    mpl: Callable[[], Any]


@dataclass
class Section:
    id: str
    title: str
    text: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


def _v(value: Any, unit: str = "") -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if value is None or isinstance(value, str):
        return "n/a" if value is None else value
    return number(float(np.asarray(value, float).reshape(-1)[0]), unit)


def _source(name: str) -> str:
    from terawatt.params import load_registry

    spec = load_registry().get(name)
    text = " ".join(str(getattr(spec, "source", "") or "").split()) if spec is not None else ""
    return text if len(text) <= 220 else text[:219].rstrip() + "…"


# ----------------------------------------------------------------------------------------------- the sections
def _comparison(result: Any) -> Section:
    from terawatt.outputs import unit_of
    from terawatt.studies.explain import explain

    o = result.outputs
    pairs = [("cost per GPU-hour", "cost_per_gpu_hour_usd"), ("cost per kW-year of IT", "cost_per_kw_year_usd"),
             ("cost per million tokens", "cost_per_million_tokens_usd"), ("capital cost", "capex_usd"),
             ("lifecycle cost", "lifecycle_cost_usd"), ("time to first token", "time_to_first_token_yr")]
    rows = [[label, _v(o[f"orbital.{k}"]), _v(o[f"terrestrial.{k}"]), unit_of(f"orbital.{k}"),
             f"orbital.{k}, terrestrial.{k}"] for label, k in pairs]
    rows.append(["orbit / ground per GPU-hour", _v(o["comparison.cost_ratio"]), "", "-", "comparison.cost_ratio"])
    rows.append(["the same with the wait for power", _v(o["comparison.cost_ratio_with_wait"]), "", "-",
                 "comparison.cost_ratio_with_wait"])
    walk = explain(result)
    steps = [["ground cost per delivered GPU-hour", "", _v(walk.start, "USD/GPU-h")]]
    steps += [[s.label, _v(s.delta, "USD/GPU-h"), _v(s.total, "USD/GPU-h")] for s in walk.steps]
    be = o["comparison.breakeven_launch_price_usd_per_kg"]
    has_be = be is not None and np.isfinite(be) and be > 0
    note = str(o.get("comparison.breakeven_launch_price_note", "") or "none")
    text = [f"Orbit costs {_v(o['comparison.cost_ratio'])} times the ground per GPU-hour. Break-even launch "
            f"price: {_v(be, 'USD/kg') if has_be else note} (comparison.breakeven_launch_price_usd_per_kg)."]
    return Section("comparison", "Orbit and ground side by side", text, [
        Table("Costs (USD of 2025); the last column names the output keys", ["", "orbit", "ground", "unit", "from"],
              rows),
        Table("Why the ratio is what it is: the walk from the ground's cost to the orbit's (terawatt.studies.explain)"
              "; the steps sum exactly", ["step", "change", "running total"], steps)])


def _design(result: Any) -> Section:
    from terawatt.outputs import unit_of

    o = result.outputs
    keys = ["satellite_mass_kg", "specific_power_w_per_kg", "satellite_count", "accelerators_per_satellite",
            "solar_array_area_m2", "radiator_area_m2", "radiator_temp_k", "radiator_net_flux_w_per_m2",
            "battery_capacity_wh", "sunlit_fraction", "eclipse_days_per_yr", "dose_rad_per_yr", "tid_margin",
            "availability", "launches", "launch_price_usd_per_kg"]
    rows = [[k, _v(o[f"orbital.{k}"]), unit_of(f"orbital.{k}"), f"orbital.{k}"] for k in keys]
    budget = [(k.removesuffix("_mass_kg"), float(o[f"orbital.{k}"])) for k in MASS_KEYS
              if o[f"orbital.{k}"] is not None and np.isfinite(o[f"orbital.{k}"])]
    mass_rows = [[name, _v(kg, "kg"), f"orbital.{name}_mass_kg"] for name, kg in budget]
    mass_rows.append(["satellite (launched)", _v(o["orbital.satellite_mass_kg"], "kg"), "orbital.satellite_mass_kg"])
    text = [f"Feasible: {_v(o['orbital.feasible'])}"
            + (f" ({o['orbital.infeasible_reason']})" if o["orbital.infeasible_reason"] else "") + "."]
    from terawatt.report import report_figures as rf

    figs = [Figure("mass", "Mass budget of one satellite", lambda: rf.plotly_mass(budget), lambda: rf.mpl_mass(budget))]
    if not budget:
        text.append("The satellite mass is given (a heritage satellite): no sized mass budget.")
        figs = []
    return Section("design", "The satellite: design and mass budget", text, [
        Table("Design of one satellite", ["output", "value", "unit", "from"], rows),
        Table("Mass budget (sized parts)", ["part", "mass", "from"], mass_rows)], figs)


def _timeline(scenario: Any, samples: int, seed: int) -> tuple[Section, Any]:
    from terawatt.report import report_figures as rf
    from terawatt.studies.montecarlo import montecarlo
    from terawatt.studies.timeline import timeline

    tl = timeline(scenario, BASE_YEAR, TIMELINE_END)
    central = {"orbit": tl.series("orbital.cost_per_gpu_hour_usd"),
               "ground": tl.series("terrestrial.cost_per_gpu_hour_usd")}
    rows = [[str(r["year"]), _v(r["orbital_cost_per_gpu_hour_usd"]), _v(r["terrestrial_cost_per_gpu_hour_usd"]),
             _v(r["cost_ratio"])] for r in tl.rows()[::3]]
    text = [f"Crossover year at the scenario's values: {tl.crossover_year or f'none by {TIMELINE_END}'} "
            "(terawatt.studies.timeline)."]
    try:
        mc = montecarlo(scenario, samples, seed, "lhs", start=BASE_YEAR, end=TIMELINE_END)
    except ScenarioError as exc:
        text.append(f"No Monte Carlo: {exc.errors[0].message}.")
        return Section("timeline", "The timeline", text, [Table("Per year (USD per GPU-hour)",
                                                                ["year", "orbit", "ground", "ratio"], rows)]), None
    c = mc.crossover_summary()
    show = {k: ("never in range" if c[k] is None else str(c[k])) for k in ("p10", "p50", "p90")}
    text.append(f"Over {mc.n:,} Monte Carlo samples (Latin hypercube, seed {mc.seed}, {len(mc.space.names)} "
                f"uncertain inputs): crossover year P10 {show['p10']}, P50 {show['p50']}, P90 {show['p90']}; "
                f"P(by 2029) {c['p_by_2029']:.0%}, P(by 2030) {c['p_by_2030']:.0%}, "
                f"P(never by {TIMELINE_END}) {c['p_never_in_range']:.0%} (terawatt.studies.montecarlo).")
    figs = [Figure("timeline", "Cost per GPU-hour with P5-P95 bands", lambda: rf.plotly_timeline(mc, central),
                   lambda: rf.mpl_timeline(mc, central)),
            Figure("crossover", "Crossover-year distribution", lambda: rf.plotly_crossover(mc),
                   lambda: rf.mpl_crossover(mc))]
    return Section("timeline", "The timeline, with uncertainty", text,
                   [Table("Every third year at the scenario's values (USD per GPU-hour; orbital.cost_per_gpu_hour_usd, "
                          "terrestrial.cost_per_gpu_hour_usd, comparison.cost_ratio)",
                          ["year", "orbit", "ground", "ratio"], rows)], figs), mc


def _breakeven(scenario: Any) -> Section:
    from terawatt.report import report_figures as rf
    from terawatt.studies.breakeven import ratio_map, solve_breakeven

    text, tables = [], []
    rows = []
    for param in MAP_PARAMS:
        be = solve_breakeven(scenario, param)
        rows.append([param, _v(be.value) if be.found else "none", _v(be.current_value), be.unit,
                     be.message.splitlines()[0]])
    tables.append(Table("What must be true: the value of one input at which orbit and ground cost the same "
                        "(terawatt.studies.breakeven)", ["parameter", "break-even", "now", "unit", "solver"], rows))
    m = ratio_map(scenario, *MAP_PARAMS, points=36)
    if m.missing_reasons:
        text.append("Cells without a ratio: " + "; ".join(m.missing_reasons[:3]) + ".")
    return Section("breakeven", "The break-even map", text, tables,
                   [Figure("breakeven", f"orbit/ground over {MAP_PARAMS[0]} and {MAP_PARAMS[1]}",
                           lambda: rf.plotly_ratio_map(m), lambda: rf.mpl_ratio_map(m))])


def _buildout(scenario: Any) -> Section:
    from terawatt.report import report_figures as rf
    from terawatt.studies.buildout import buildout

    b = buildout(scenario, *BUILDOUT_YEARS)
    rows = [[str(r["year"]), _v(r["demand_gw"]), _v(r["orbit_gw_total"]), _v(r["ground_gw_total"]),
             _v(r["launches"]), r["orbit_binding"], r["ground_binding"]] for r in b.rows()[::4]]
    return Section("buildout", "The build-out and its bottlenecks", ["Bottleneck timeline (a line where a binding "
                   "constraint changes; terawatt.studies.buildout):", *b.bottlenecks()],
                   [Table("Every fourth year (build-out fields demand_gw, orbit_gw_total, ground_gw_total, launches, "
                          "orbit_binding, ground_binding)", ["year", "demand GW", "orbit GW", "ground GW", "launches",
                                                "orbit bound by", "ground bound by"], rows)],
                   [Figure("buildout", "AI IT power in service by side", lambda: rf.plotly_buildout(b),
                           lambda: rf.mpl_buildout(b))])


#: Sobol base samples of the report's sensitivity section (N (d + 2) model runs for d uncertain inputs).
SOBOL_N = 256


def _sensitivity(scenario: Any, mc: Any, seed: int) -> Section:
    """Sobol total and first-order indices of the cost ratio (``terawatt sensitivity``), beside each input's
    Spearman rank correlation over the report's Monte Carlo samples."""
    from terawatt.report import report_figures as rf
    from terawatt.studies.ranking import noise_level, rank_correlations
    from terawatt.studies.sensitivity import sensitivity

    if mc is None:
        return Section("sensitivity", "Sensitivity ranking", ["No uncertain inputs: nothing to rank."])
    output = "comparison.cost_ratio"
    year = int(mc.years[0])
    sobol = sensitivity(scenario, "sobol", output, year=year, n=SOBOL_N, seed=seed)
    rho = {r.name: r.rho for r in rank_correlations(mc, output)}
    rows = [[r["parameter"], f"{r['ST']:.3f} ± {r['ST_conf']:.3f}", f"{r['S1']:.3f} ± {r['S1_conf']:.3f}",
             f"{rho[r['parameter']]:+.2f}" if r["parameter"] in rho else "-", _source(r["parameter"])]
            for r in sobol.rows[:15]]
    return Section("sensitivity", "Sensitivity ranking", [
        f"Sobol indices of {output} in {year} (`terawatt sensitivity --year {year} -n {SOBOL_N} --seed {seed}`: "
        f"N = {SOBOL_N} base samples, {sobol.evaluations:,} runs, {int(sobol.conf_level * 100)} % bootstrap "
        "intervals): ST is the share of the output's variance an input explains with its interactions, S1 alone. "
        f"rho is the Spearman rank correlation over the report's {mc.n:,} Monte Carlo samples (its sign is the "
        f"direction; |rho| below {noise_level(mc.n):.2f} is within their noise).", *sobol.notes],
        [Table("Inputs ranked by Sobol total index, with each parameter's registry source",
               ["parameter", "ST", "S1", "rho", "source"], rows)],
        [Figure("sensitivity", "Inputs ranked by Sobol total index", lambda: rf.plotly_sobol(sobol),
                lambda: rf.mpl_sobol(sobol))])


def _claims(verdicts: list[Any] | None = None) -> Section:
    from terawatt.studies.claims import SAMPLES, SEED, audit

    verdicts = audit() if verdicts is None else verdicts
    rows = [[r["id"], r["claim"], r["verdict"], r["number"], r["P5-P95"], r["P(true)"], r["condition or reason"],
             r["source"]] for r in claim_rows(verdicts)]
    return Section("claims", "The claims audit", [
        f"Each public claim (terawatt/claims/*.yaml) computed on its own scenario; numbers with their P5-P95 over "
        f"{SAMPLES} Monte Carlo samples (seed {SEED}); `terawatt claims ID --json` gives every check."],
        [Table("Claims", ["id", "claim", "verdict", "number", "P5-P95", "P(true)", "condition or reason",
                          "source"], rows)])


def _inputs(scenario: Any) -> Section:
    from terawatt.params import load_registry

    registry = load_registry()
    rows = []
    for name, value in sorted(scenario.overrides.items()):
        spec = registry.get(name)
        rows.append([name, _v(value) if not isinstance(value, (list, dict)) else str(value),
                     _v(spec.default) if spec is not None else "", spec.unit if spec is not None else "",
                     _source(name)])
    trajectories = sorted(getattr(scenario, "trajectories", {}) or {})
    text = ["Everything else is the registry default (terawatt params lists each with its source)."]
    if trajectories:
        text.append("Parameters with a trajectory over the years: " + ", ".join(trajectories) + ".")
    return Section("inputs", "The scenario's inputs", text,
                   [Table("Values the scenario sets, with the registry default and source",
                          ["parameter", "value", "default", "unit", "registry source"], rows)])


def collect(scenario: Any, samples: int = 1000, seed: int = 0, verdicts: list[Any] | None = None) -> list[Section]:
    """Run the studies of the report on a loaded scenario and return its sections, in order (``verdicts``: the
    claims audit already computed, e.g. when writing the report of several scenarios)."""
    from terawatt.model import evaluate

    result = evaluate(scenario)
    timeline_section, mc = _timeline(scenario, samples, seed)
    return [_comparison(result), _design(result), timeline_section, _breakeven(scenario), _buildout(scenario),
            _sensitivity(scenario, mc, seed), _claims(verdicts), _inputs(scenario)]


# ------------------------------------------------------------------------------------------------- rendering
def _scenario_text(scenario: Any) -> str:
    path = getattr(scenario, "path", None)
    if path is not None and Path(path).exists():
        return Path(path).read_text(encoding="utf-8")
    import yaml

    return yaml.safe_dump({"name": scenario.name, **_nested(scenario.overrides)}, sort_keys=True)


def _nested(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        section, _, name = key.partition(".")
        out.setdefault(section, {})[name] = value.tolist() if isinstance(value, np.ndarray) else value
    return out


def _html_table(t: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in t.header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in t.rows)
    caption = html.escape(t.caption)
    return f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _inline(text: str) -> str:
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def render_html(sections: list[Section], meta: dict[str, str]) -> str:
    """The self-contained HTML document (plotly.js inlined once; no external URL is loaded)."""
    from plotly.offline import get_plotlyjs

    parts = []
    for s in sections:
        body = [f'<section id="{s.id}"><h2>{html.escape(s.title)}</h2>']
        body += [f"<p>{_inline(p)}</p>" for p in s.text]
        for f in s.figures:
            div = f.plotly().to_html(full_html=False, include_plotlyjs=False, div_id=f"figure-{f.name}",
                                     config={"displaylogo": False, "responsive": True})
            body.append(f'<figure class="chart" data-figure="{f.name}">{div}<figcaption>{html.escape(f.caption)}'
                        "</figcaption></figure>")
        body += [_html_table(t) for t in s.tables]
        body.append("</section>")
        parts.append("\n".join(body))
    nav = "".join(f'<li><a href="#{s.id}">{html.escape(s.title)}</a></li>' for s in sections)
    template = Template(resources.files("terawatt").joinpath("report/templates/report.html").read_text("utf-8"))
    return template.substitute(title=html.escape(meta["title"]), version=html.escape(meta["version"]),
                               generated=html.escape(meta["generated"]), command=html.escape(meta["command"]),
                               nav=nav, body="\n".join(parts), scenario_yaml=html.escape(meta["scenario_yaml"]),
                               plotlyjs=get_plotlyjs())


def _md_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_md(sections: list[Section], meta: dict[str, str], folder: Path) -> str:
    """Markdown with PNG figures written into ``folder`` (linked relative to the document)."""
    from terawatt.report.plots import _save_png

    folder.mkdir(parents=True, exist_ok=True)
    out = [f"# {meta['title']}", "", f"terawatt {meta['version']}, generated {meta['generated']}. Regenerate with "
           f"`{meta['command']}`.", "", "## Contents", ""]
    out += [f"- [{s.title}](#{s.id})" for s in sections]
    for s in sections:
        out += ["", f'<a id="{s.id}"></a>', "", f"## {s.title}", ""]
        for p in s.text:
            out += [p, ""]
        for f in s.figures:
            png = folder / f"{f.name}.png"
            _save_png(f.mpl(), png)
            out += [f"![{f.caption}]({folder.name}/{png.name})", ""]
        for t in s.tables:
            out += [f"*{t.caption}*", "", "| " + " | ".join(t.header) + " |", "|" + "---|" * len(t.header)]
            out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in t.rows]
            out.append("")
    out += ["## The scenario file", "", "```yaml", meta["scenario_yaml"].rstrip(), "```", ""]
    return "\n".join(out)


def _check(path: Path, format_: str, samples: int, seed: int) -> list[FieldError]:
    errors = []
    if format_ not in FORMATS:
        errors.append(FieldError("--format", f"{format_!r} is not one of: {', '.join(FORMATS)}"))
    elif path.suffix.lower() not in FORMATS[format_]:
        errors.append(FieldError("-o", f"a {format_} report needs a file ending in {' or '.join(FORMATS[format_])}, "
                                       f"got {path.name!r}"))
    if not path.parent.is_dir():
        errors.append(FieldError("-o", f"folder {str(path.parent)!r} does not exist"))
    elif path.is_dir():
        errors.append(FieldError("-o", f"{str(path)!r} is a folder; give a file name"))
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 10:
        errors.append(FieldError("-n", f"Monte Carlo samples must be an integer >= 10, got {samples!r}"))
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        errors.append(FieldError("--seed", f"the seed must be an integer >= 0, got {seed!r}"))
    return errors


def build_report(scenario: Any, path: Path | str, format_: str = "html", samples: int = 1000, seed: int = 0,
                 verdicts: list[Any] | None = None) -> Path:
    """Compose the report of ``scenario`` (a shipped name, a YAML path or ``None``) and write it to ``path``
    (``verdicts``: the claims audit, if already computed).

    Raises
    ------
    ScenarioError
        A bad format, path, sample count or seed, or an invalid scenario (every field at once).
    """
    from terawatt.scenario import load_scenario

    path = Path(path)
    errors = _check(path, format_, samples, seed)
    try:
        sc = load_scenario(scenario)
    except ScenarioError as exc:
        errors.extend(exc.errors)
    if errors:
        raise ScenarioError(errors)
    sections = collect(sc, samples, seed, verdicts)
    name = sc.name or "defaults"
    arg = "" if scenario is None else f" {scenario}"
    meta = {"title": f"terawatt report: {name}", "version": __version__,
            "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "command": f"terawatt report{arg} --format {format_} -n {samples} --seed {seed} -o {path.name}",
            "scenario_yaml": _scenario_text(sc)}
    if format_ == "html":
        text = render_html(sections, meta)
    else:
        text = render_md(sections, meta, path.with_name(path.stem + "_files"))
    path.write_text(text, encoding="utf-8")
    return path
