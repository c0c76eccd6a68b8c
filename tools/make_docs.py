"""Regenerate the README's tables, figures and performance numbers from the model, so that they cannot go stale.

Usage (from the repository root)::

    python tools/make_docs.py            # rewrite the generated blocks of README.md and scenarios/README.md, and
                                         # the figures under docs/ (deletes docs/*.png that no block references)
    python tools/make_docs.py --check    # write nothing; exit 1 if a generated block differs from what would be
                                         # written (or a figure is missing or unreferenced), 0 if all are current
    python tools/make_docs.py --bench    # also run benchmarks/bench_*.py (slow) and rewrite the performance table
    python tools/make_docs.py --bench --no-run   # the performance table from benchmarks/results/*.json as they are
    python tools/make_docs.py --only scenarios timeline   # some blocks only

A generated block is delimited in a Markdown file by ``<!-- BEGIN generated:NAME ... -->`` and
``<!-- END generated:NAME -->``; everything between the two is replaced. Blocks whose BEGIN marker ends its line are
block-level, others inline. Text outside the markers is never touched. Output keys that a model version does not
produce are shown as "n/a", so the script keeps working while outputs are added or renamed.

Figures are checked through a fingerprint of the data they plot and of the plotting code (written next to the
image link), not through their pixels, so ``--check`` does not depend on the matplotlib version. The performance
table is rewritten only with ``--bench``; it shows the ``readme`` rows that each benchmark writes to
``benchmarks/results/<name>.json`` (``--json`` option of every benchmark).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

README = ROOT / "README.md"
SCENARIOS_README = ROOT / "scenarios" / "README.md"
DOCS = ROOT / "docs"
BENCH_DIR = ROOT / "benchmarks"
BENCH_RESULTS = BENCH_DIR / "results"
#: Order of the benchmarks in the performance table (others follow alphabetically).
BENCH_ORDER = ("bench_startup", "bench_evaluate", "bench_timeline", "bench_buildout")
MARKER = re.compile(
    r"<!-- BEGIN generated:(?P<name>[\w-]+)(?P<note>[^>]*)-->(?P<body>.*?)<!-- END generated:(?P=name) -->", re.S
)

#: Scenarios whose main use is the build-out: shown in the build-out table, not the single-run table.
BUILDOUT_SCENARIOS = ("musk-terawatt", "constrained")
#: Order of the single-run table; shipped scenarios not listed follow alphabetically.
RUN_ORDER = ("baseline-2026", "starship-2030", "suncatcher", "starcloud-40mw", "mccalip-1gw", "musk-2026", "skeptic")
#: Single-run table: header, output key, format.
RUN_COLUMNS = (
    ("orbit $/GPU-h", "orbital.cost_per_gpu_hour_usd", "usd"),
    ("ground $/GPU-h", "terrestrial.cost_per_gpu_hour_usd", "usd"),
    ("ratio", "comparison.cost_ratio", "sig"),
    ("IT W per launched kg", "orbital.specific_power_w_per_kg", "sig"),
    ("launch $/kW-yr", "orbital.launch_cost_per_kw_year_usd", "sig"),
    ("satellites", "orbital.satellite_count", "int"),
    ("launches", "orbital.launches", "int"),
    ("dose rad/yr", "orbital.dose_rad_per_yr", "sig"),
    ("orbit goodput", "orbital.goodput_fraction", "frac4"),
    ("ground goodput", "terrestrial.goodput_fraction", "frac4"),
    ("availability", "orbital.availability", "frac"),
    ("break-even launch $/kg", "comparison.breakeven_launch_price_usd_per_kg", "breakeven"),
)
#: Time-axis table: label, scenario, overrides.
TIME_ROWS = (
    ("`musk-2026` (the claims as stated)", "musk-2026", {}),
    ("`musk-2026`, training jobs of 1,024 chips", "musk-2026", {"workload.kind": "training"}),
    ("`suncatcher` (learning to ~$200/kg by 2036)", "suncatcher", {}),
    ("`skeptic` (published critiques)", "skeptic", {}),
)
TIME_SPAN = (2026, 2045)
TIME_YEARS = (2026, 2030, 2035, 2045)
TIME_AT = 2030
#: Build-out table: label, scenario; the first one's bottleneck timeline is printed.
BUILDOUT_ROWS = (
    ("`musk-terawatt` (the stated plan)", "musk-terawatt"),
    ("`constrained` (published supply)", "constrained"),
)
BUILDOUT_SPAN = (2026, 2050)
BUILDOUT_GW_YEARS = (2030, 2035, 2040, 2050)
BUILDOUT_SHORT_YEARS = (2035, 2040, 2050)
#: Space-environment outputs of one scenario: key, what a published figure says ("" = none). Keys marked optional
#: are left out when the model does not produce them; the others show "n/a".
ENV_SCENARIO = "suncatcher"
ENV_OUTPUTS = (
    ("orbital.dose_rad_per_yr", "Suncatcher: ~150 rad(Si)/yr behind ~10 mm Al", False),
    ("orbital.tid_margin", "HBM irregularities from ~2 krad (Suncatcher)", False),
    ("orbital.sdc_events_per_chip_year", "", False),
    ("orbital.goodput_fraction", "", False),
    ("orbital.training_goodput_fraction", "", True),
    ("orbital.inference_goodput_fraction", "", True),
    ("terrestrial.goodput_fraction", "", True),
    ("orbital.availability", "", True),
    ("orbital.drag_dv_m_per_s_per_yr", "", False),
    ("orbital.natural_decay_yr", "", False),
    ("orbital.deorbit_dv_m_per_s", "", False),
    ("orbital.propellant_mass_kg", "", False),
    ("orbital.manoeuvres_per_satellite_yr", "Starlink: ~300,000 manoeuvres in 2025, whole fleet", False),
    ("orbital.fleet_manoeuvres_per_yr", "", False),
    ("orbital.avoidance_outage_fraction", "", False),
    ("orbital.fleet_collision_probability_per_yr", "without avoidance manoeuvres", False),
    ("orbital.isl_rate_gbps", "Suncatcher bench: 1.6 Tbps per transceiver pair", False),
    ("orbital.downlink_required_gbps", "", False),
    ("orbital.ground_stations", "", False),
    ("orbital.latency_ms", "one way", False),
)
#: Figures: file under docs/, alt text, and the function that draws it.
FIGURE_MAP = ("musk-2026", "launch.price_usd_per_kg", "satellite.mass_kg", 2030, {})


# ------------------------------------------------------------------------------------------------- formatting
#: Cell formats with a fixed number of decimals; "sig" (the default) gives three significant digits.
FIXED_FORMATS = {"usd": "{:,.2f}", "frac": "{:.2f}", "frac4": "{:.4f}", "int": "{:,.0f}"}


def fmt(value: Any, kind: str = "sig") -> str:
    """A table cell: ``n/a`` for missing or non-finite values; ``breakeven`` prints a negative price as ``none``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "n/a" if value is None else str(value)
    if not math.isfinite(v):
        return "n/a"
    if kind == "breakeven":
        return "none" if v < 0 else fmt(v, "sig")
    if kind in FIXED_FORMATS:
        return FIXED_FORMATS[kind].format(v)
    if abs(v) >= 1e6:
        return f"{v / 1e6:.3g} M"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    r = float(f"{v:.3g}")  # three significant digits
    return f"{r:,.0f}" if abs(r) >= 1000 else f"{r:g}"


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _get(outputs: Any, key: str) -> Any:
    return outputs[key] if key in outputs else None


# ---------------------------------------------------------------------------------------------- model access
class Model:
    """Lazily computed, cached model results shared by the blocks (each scenario evaluated once)."""

    def __init__(self) -> None:
        import terawatt

        self.tw = terawatt
        self._cache: dict[tuple, Any] = {}

    def _memo(self, key: tuple, fn: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def scenario(self, name: str, overrides: dict[str, Any] | None = None) -> Any:
        key = ("scenario", name, tuple(sorted((overrides or {}).items())))
        return self._memo(key, lambda: self.tw.load_scenario(name, overrides or None))

    def run(self, name: str) -> Any:
        return self._memo(("run", name), lambda: self.tw.evaluate(self.scenario(name)))

    def timeline(self, name: str, overrides: dict[str, Any] | None = None) -> Any:
        from terawatt.studies.timeline import timeline

        key = ("timeline", name, tuple(sorted((overrides or {}).items())))
        return self._memo(key, lambda: timeline(self.scenario(name, overrides), *TIME_SPAN))

    def buildout(self, name: str) -> Any:
        from terawatt.studies.buildout import buildout

        return self._memo(("buildout", name), lambda: buildout(self.scenario(name), *BUILDOUT_SPAN))

    def montecarlo(self, name: str) -> Any:
        from terawatt.studies.montecarlo import montecarlo

        return self._memo(("montecarlo", name),
                          lambda: montecarlo(self.scenario(name), MC_N, start=TIME_SPAN[0], end=TIME_SPAN[1]))

    def montecarlo_buildout(self, name: str) -> Any:
        from terawatt.studies.montecarlo_buildout import montecarlo_buildout

        return self._memo(("montecarlo-buildout", name),
                          lambda: montecarlo_buildout(self.scenario(name), MCB_N, start=BUILDOUT_SPAN[0],
                                                      end=BUILDOUT_SPAN[1]))

    def shipped(self) -> list[str]:
        from terawatt.scenario import shipped_scenarios

        names = sorted(shipped_scenarios())
        return [n for n in RUN_ORDER if n in names] + [n for n in names if n not in RUN_ORDER]


#: Problems met while generating (reported at the end; the exit status is 1 when there are any).
FAILURES: list[str] = []


def _problem(exc: Exception, label: str) -> str:
    """A visible 'n/a' cell naming what failed (also recorded in :data:`FAILURES`)."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    FAILURES.append(f"{label}: {first}")
    return f"n/a ({label}: {first})"


#: Errors a model change may raise in a block (a renamed parameter or output); they must not stop the others.
MODEL_ERRORS: tuple[type[Exception], ...] = (KeyError, ValueError, TypeError)


def _safely(fn: Callable[[], str], label: str) -> str:
    """A block's text, or a visible 'n/a' line naming the problem."""
    try:
        return fn()
    except MODEL_ERRORS as exc:  # ScenarioError is a ValueError
        return _problem(exc, label)


# ----------------------------------------------------------------------------------------------------- blocks
def _runs(model: Model) -> dict[str, Any]:
    """Result of ``terawatt run NAME`` for each single-run scenario, or the error text where it fails."""
    out: dict[str, Any] = {}
    for name in model.shipped():
        if name not in BUILDOUT_SCENARIOS:
            try:
                out[name] = model.run(name)
            except MODEL_ERRORS as exc:
                out[name] = _problem(exc, name)
    return out


def _no_breakeven_note() -> str:
    try:
        from terawatt.results import NO_VALUE_WHEN_NEGATIVE

        return NO_VALUE_WHEN_NEGATIVE["comparison.breakeven_launch_price_usd_per_kg"][1]
    except (ImportError, KeyError):  # an older model without the null-with-reason outputs
        return "break-even launch price is negative: orbit costs more than the ground even with free launch"


#: The note every run without a break-even launch price carries (the table already says "none").
_NO_BREAKEVEN_NOTE = _no_breakeven_note()

#: Columns of the cost walk (``terawatt run --explain``): header, scenario, year (None = its base values).
EXPLAIN_COLUMNS = (("default", None, None), ("`musk-2026` in 2030", "musk-2026", 2030))


def block_explain(model: Model) -> str:
    """The walk from the ground's cost per delivered GPU-hour to the orbit's, for the default scenario and for
    musk-2026 in 2030: one column each, a row per step that moves either by at least half a cent."""
    from terawatt.studies.explain import explain

    walks = []
    for _, name, year in EXPLAIN_COLUMNS:
        sc = model.scenario(name) if name else model.tw.load_scenario(None)
        key = ("explain", name, year)
        walks.append(model._memo(key, lambda sc=sc, year=year: explain(model.tw.evaluate(sc.at_year(year) if year
                                                                                           else sc))))
    labels = list(dict.fromkeys(step.label for w in walks for step in w.steps))
    deltas = [{step.label: float(step.delta) for step in w.steps} for w in walks]
    rows = [["ground cost per GPU-hour", *(f"{float(w.start):.3f}" for w in walks)]]
    for label in labels:
        values = [d.get(label, 0.0) for d in deltas]
        if any(abs(v) >= 0.005 for v in values):
            rows.append([label, *(f"{v:+.3f}" for v in values)])
    rows.append(["**orbit cost per GPU-hour**", *(f"**{float(w.end):.3f}**" for w in walks)])
    rows.append(["orbit / ground", *(f"{float(w.end) / float(w.start):.2f}" for w in walks)])
    return table(["USD per delivered GPU-hour", *(h for h, _, _ in EXPLAIN_COLUMNS)], rows)


def block_scenarios(model: Model) -> str:
    rows, notes = [], []
    for name, r in _runs(model).items():
        if isinstance(r, str):
            rows.append([f"`{name}`", r, *[""] * (len(RUN_COLUMNS) - 1)])
            continue
        rows.append([f"`{name}`", *(fmt(_get(r, key), kind) for _, key, kind in RUN_COLUMNS)])
        notes += [f"- `{name}`: {n}" for n in r.notes if n != _NO_BREAKEVEN_NOTE]
    text = table(["scenario", *(h for h, _, _ in RUN_COLUMNS)], rows)
    return text + ("\n\nDesign notes of the runs:\n\n" + "\n".join(notes) if notes else "")


def block_run_summary(model: Model) -> str:
    runs = {k: r for k, r in _runs(model).items() if not isinstance(r, str)}
    ratios = {k: float(_get(r, "comparison.cost_ratio") or math.nan) for k, r in runs.items()}
    finite = {k: v for k, v in ratios.items() if math.isfinite(v)}
    if not finite:
        return "n/a (no cost ratio)"
    dearer = [k for k, v in finite.items() if v > 1]
    breakeven = {k: _get(runs[k], "comparison.breakeven_launch_price_usd_per_kg") for k in finite}
    no_breakeven = [k for k, b in breakeven.items() if b is not None and float(b) < 0]
    lo, hi = min(finite, key=finite.get), max(finite, key=finite.get)
    return (
        f"Orbit costs more per GPU-hour than the ground in {len(dearer)} of {len(finite)} shipped scenarios (ratio "
        f"{fmt(finite[lo])} for `{lo}` to {fmt(finite[hi])} for `{hi}`); in {len(no_breakeven)} of them it stays "
        "dearer even with free launch (no break-even launch price)."
    )


def block_timeline(model: Model) -> str:
    header = [
        "scenario",
        *(f"orbit/ground {y}" if i == 0 else str(y) for i, y in enumerate(TIME_YEARS)),
        "crossover year",
        f"launch $/kg {TIME_AT}",
        f"break-even launch $/kg ({TIME_AT})",
    ]
    rows = []
    for label, name, overrides in TIME_ROWS:
        try:
            rows.append([label, *_time_row(model.timeline(name, overrides))])
        except MODEL_ERRORS as exc:
            rows.append([label, _problem(exc, name), *[""] * (len(header) - 2)])
    return table(header, rows)


def _time_row(tl: Any) -> list[str]:
    years = [int(y) for y in tl.years]

    def at(key: str, year: int) -> Any:
        return tl.series(key)[years.index(year)] if key in tl.result and year in years else None

    cross = tl.crossover_year if isinstance(tl.crossover_year, int) else "none"
    return [
        *(fmt(at("comparison.cost_ratio", y)) for y in TIME_YEARS),
        str(cross),
        fmt(at("orbital.launch_price_usd_per_kg", TIME_AT)),
        fmt(at("comparison.breakeven_launch_price_usd_per_kg", TIME_AT), "breakeven"),
    ]


#: Monte Carlo block: `terawatt montecarlo NAME -n MC_N --from 2026 --to 2045` (default seed and sampler).
MC_SCENARIOS = ("musk-2026", "suncatcher", "skeptic")
MC_N = 10000
MC_YEARS = (2026, 2030, 2035, 2045)


def block_montecarlo(model: Model) -> str:
    def year(v: int | None) -> str:
        return "never in range" if v is None else str(v)

    header = ["scenario", "sampled", *(f"P(cheaper) {y}" for y in MC_YEARS), "crossover P10", "P50", "P90",
              "P(by 2029)", "P(by 2030)", "P(never by 2045)"]
    rows = []
    for name in MC_SCENARIOS:
        try:
            mc = model.montecarlo(name)
        except MODEL_ERRORS as exc:
            rows.append([name, _problem(exc, name), *[""] * (len(header) - 2)])
            continue
        by_year, c = mc.p_orbit_cheaper_by_year(), mc.crossover_summary()
        rows.append([f"`{name}`", str(len(mc.space.names)), *(f"{by_year[y]:.1%}" for y in MC_YEARS),
                     year(c["p10"]), year(c["p50"]), year(c["p90"]), f"{c['p_by_2029']:.1%}",
                     f"{c['p_by_2030']:.1%}", f"{c['p_never_in_range']:.1%}"])
    return table(header, rows)


#: Sensitivity block: `terawatt sensitivity -n SENS_N` (default scenario, cost ratio, seed 0), the top SENS_TOP.
SENS_N = 1024
SENS_TOP = 8
#: Discovery block: `terawatt discover DISCOVER_SCENARIO --year DISCOVER_YEAR` (10,000 samples, seed 0).
DISCOVER_SCENARIO, DISCOVER_YEAR = "musk-2026", 2035


def block_sensitivity(model: Model) -> str:
    """Top drivers of the default scenario's cost ratio by Sobol total index, with the tornado swing beside."""
    from terawatt.params import load_registry
    from terawatt.studies.sensitivity import sensitivity

    sc = model.scenario(None)
    sobol = sensitivity(sc, "sobol", n=SENS_N)
    tornado = sensitivity(sc, "tornado")
    swing = {r["parameter"]: r for r in tornado.rows}
    registry = load_registry()
    rows = []
    for i, r in enumerate(sobol.rows[:SENS_TOP], 1):
        t = swing[r["parameter"]]
        unit = registry[r["parameter"]].unit
        rng = f"{t['low']:g} - {t['high']:g}" + ("" if unit in ("-", "") else f" {unit}")
        rows.append([str(i), f"`{r['parameter']}`", f"{r['ST']:.3f} ± {r['ST_conf']:.3f}",
                     f"{r['S1']:.3f} ± {r['S1_conf']:.3f}", rng, f"{t['output_low']:.2f} / {t['output_high']:.2f}"])
    head = (f"`terawatt sensitivity` (default scenario, `comparison.cost_ratio`, Sobol N = {SENS_N:,}, "
            f"{sobol.evaluations:,} runs of {len(sobol.rows)} uncertain inputs, 95 % bootstrap intervals; central "
            f"ratio {tornado.base:.2f}):\n\n")
    return head + table(["#", "input", "ST", "S1", "literature range (tornado)", "ratio at low / high"], rows)


def block_discover(model: Model) -> str:
    """The PRIM box where orbit is cheaper, for DISCOVER_SCENARIO in DISCOVER_YEAR."""
    from terawatt.studies.discovery import discover

    d = discover(model.scenario(DISCOVER_SCENARIO), DISCOVER_YEAR)
    if not d.boxes:
        return d.message
    box = d.boxes[0]
    rows = []
    for name, (lo, hi) in box.limits.items():
        unit = d.units.get(name, "-")
        unit = "" if unit in ("-", "") else f" {unit}"
        limit = (f"{lo:.4g} - {hi:.4g}" if lo is not None and hi is not None
                 else (f">= {lo:.4g}" if lo is not None else f"<= {hi:.4g}")) + unit
        rows.append([f"`{name}`", limit, f"{box.quasi_p[name]:.2g}"])
    head = (f"`terawatt discover {d.scenario} --year {d.year}` ({d.n:,} samples of {len(d.space.names)} inputs; "
            f"`{d.condition}` in {d.share:.1%} of them). Box 1: coverage {box.coverage:.1%}, density "
            f"{box.density:.1%}, {box.support:.1%} of the samples:\n\n")
    return head + table(["restricted input", "limits", "quasi-p"], rows)


#: Build-out Monte Carlo block: `terawatt montecarlo MCB_SCENARIO --study buildout -n MCB_N` (seed 0, LHS).
MCB_SCENARIO = "musk-terawatt"
MCB_N = 4000
MCB_ROWS = (("orbit GW in service", "orbit_gw_total"), ("ground GW in service", "ground_gw_total"),
            ("launches per year", "launches"), ("shortfall GW", "shortfall_gw"))


def _gw(value: float | None) -> str:
    """A build-out quantity; round-off residues of the simulation's balances (|x| < 1e-6) show as 0."""
    return fmt(0.0 if value is not None and abs(value) < 1e-6 else value)


def _share(value: float) -> str:
    return "-" if value == 0 else ("<1%" if value < 0.005 else f"{value:.0%}")


def block_montecarlo_buildout(model: Model) -> str:
    mc = model.montecarlo_buildout(MCB_SCENARIO)
    years = mc.report_years()
    rows = []
    for label, field in MCB_ROWS:
        pct = mc.percentiles(field, years)
        rows.append([label, *(f"{_gw(pct[y]['p50'])} ({_gw(pct[y]['p05'])}-{_gw(pct[y]['p95'])})" for y in years)])
    for side in ("orbit", "ground"):
        shares = mc.binding_shares(side)
        names = [k for k in next(iter(shares.values())) if any(shares[y][k] >= 0.005 for y in years)]
        for name in names:
            rows.append([f"{side} bound by: {name}", *(_share(shares[y][name]) for y in years)])
    head = f"`{MCB_SCENARIO}`, {mc.n:,} trajectories of {len(mc.space.names)} uncertain inputs: P50 (P5-P95)"
    return table([head, *(str(y) for y in years)], rows)


def _by_year(b: Any) -> dict[int, dict[str, Any]]:
    return {row["year"]: row for row in b.rows()}


def block_buildout(model: Model) -> str:
    yrs = " / ".join(str(y) for y in BUILDOUT_GW_YEARS)
    short = " / ".join(str(y) for y in BUILDOUT_SHORT_YEARS)
    header = [
        "scenario",
        f"orbit GW {yrs}",
        f"ground GW {yrs}",
        f"shortfall GW {short}",
        "peak launches/yr (year)",
        "peak propellant",
    ]
    rows = []
    for label, name in BUILDOUT_ROWS:
        try:
            rows_by_year = _by_year(model.buildout(name))
        except MODEL_ERRORS as exc:
            rows.append([label, _problem(exc, name), *[""] * (len(header) - 2)])
            continue

        def series(key: str, years: Iterable[int], rows_by_year: dict = rows_by_year) -> str:
            return " / ".join(fmt((rows_by_year.get(y) or {}).get(key)) for y in years)

        launches = {y: r.get("launches") or 0.0 for y, r in rows_by_year.items()}
        peak = max(launches, key=launches.get)
        propellant = max((r.get("propellant_t") or 0.0) for r in rows_by_year.values())
        rows.append(
            [
                label,
                series("orbit_gw_total", BUILDOUT_GW_YEARS),
                series("ground_gw_total", BUILDOUT_GW_YEARS),
                series("shortfall_gw", BUILDOUT_SHORT_YEARS),
                f"{fmt(launches[peak])} ({peak})",
                f"{fmt(propellant / 1e6)} Mt/yr",
            ]
        )
    return table(header, rows)


def block_bottlenecks(model: Model) -> str:
    parts = []
    for _, name in BUILDOUT_ROWS:
        parts.append(f"{name}:\n" + "\n".join(model.buildout(name).bottlenecks()))
    return "```\n" + "\n\n".join(parts) + "\n```"


#: Years of the supply table (supply vs need of accelerators, the binding chip link and its cause).
SUPPLY_YEARS = (2030, 2040, 2050)


def block_supply(model: Model) -> str:
    """Supply chains of the build-out: accelerators supplied vs needed, the least chip link and why, EUV tools,
    the Terafab's chips and the cell programme's output in 2028 (the claims' quantities)."""
    yrs = " / ".join(str(y) for y in SUPPLY_YEARS)
    header = [
        "scenario",
        f"accelerators supplied, M {yrs}",
        f"accelerators wanted, M {yrs}",
        f"least chip link (cause) {yrs}",
        f"EUV tools delivered {yrs}",
        "Terafab chips/yr 2050 (billions)",
        "cell programme GW/yr 2028",
    ]
    rows = []
    for label, name in BUILDOUT_ROWS:
        try:
            by_year = _by_year(model.buildout(name))
        except MODEL_ERRORS as exc:
            rows.append([label, _problem(exc, name), *[""] * (len(header) - 2)])
            continue
        pick = [by_year[y] for y in SUPPLY_YEARS]
        rows.append(
            [
                label,
                " / ".join(fmt(r["accelerators_supplied"] / 1e6) for r in pick),
                " / ".join(fmt(r["accelerators_wanted"] / 1e6) for r in pick),
                " / ".join(f"{r['chip_link']} ({r['chip_cause']})" for r in pick),
                " / ".join(fmt(r["euv_tools_delivered"]) for r in pick),
                fmt(by_year[2050]["terafab_chips_per_yr"] / 1e9),
                fmt(by_year[2028]["cell_programme_gw_per_yr"]),
            ]
        )
    return table(header, rows)


def block_environment(model: Model) -> str:
    r = model.run(ENV_SCENARIO)
    rows = []
    for key, note, optional in ENV_OUTPUTS:
        if optional and key not in r:
            continue
        rows.append([f"`{key}`", fmt(_get(r, key), "frac4" if key.endswith("goodput_fraction") else "sig"), note])
    return table(["output (unit in the name)", ENV_SCENARIO, "published figure"], rows)


def block_claims(model: Model) -> str:
    """The claims audit (terawatt claims): id, claim, verdict, number and its P5-P95, P(true)."""
    from terawatt.report.claims_table import rows
    from terawatt.studies.claims import SAMPLES, SEED

    verdicts = model._memo(("claims",), lambda: model.tw.claims())
    cells = [[f"`{r['id']}`", r["claim"], f"**{r['verdict']}**", r["number"], r["P5-P95"], r["P(true)"],
              r["condition or reason"] if r["verdict"] != "holds" else ""]
             for r in rows(verdicts, width=110, reason_width=110)]
    cells = [[c.replace("|", "\\|") for c in row] for row in cells]
    note = (f"Computed by `terawatt claims` (Monte Carlo: {SAMPLES} Latin-hypercube samples per shared population, "
            f"seed {SEED}); the number is the claim's main check, the condition or reason is cut to 110 "
            "characters (`terawatt claims ID --json` gives everything).\n\n")
    return note + table(["id", "claim", "verdict", "number", "P5-P95", "P(true)", "condition or reason"], cells)


def block_validation_count(model: Model) -> str:
    from terawatt.validation import run_validation, shipped_case_files

    rows = run_validation()
    passed = sum(r.passed for r in rows)
    files = len(shipped_case_files())
    cases = len({r.case for r in rows})
    status = "all pass" if passed == len(rows) else f"{passed} pass"
    return f"{len(rows)} checks in {cases} cases from {files} files, {status}"


def block_scenario_files(model: Model) -> str:
    from terawatt.scenario import shipped_scenarios

    rows = []
    for name, path in sorted(shipped_scenarios().items()):
        sc = model.scenario(name)
        based = _based_on(path)
        rel = f"../src/terawatt/scenarios/{path.name}"
        rows.append([f"[`{name}`]({rel})", f"`{based}`" if based else "", sc.description.replace("|", "/")])
    return table(["scenario", "based on", "description"], rows)


def _based_on(path: Path) -> str:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return str(data.get("based_on") or "")


#: The twin's README runs: label, scenario, overrides (a few hundred satellites, one day at 120-s steps; a mixed
#: workload, so that training jobs and inference replicas both run).
TWIN_RUNS = (
    ("default", None, ("workload.kind=mixed",)),
    ("suncatcher", "suncatcher", ("workload.kind=mixed",)),
    ("53 deg Walker, 550 km", None, ("orbit.inclination_deg=53", "orbit.altitude_km=550", "workload.kind=mixed")),
)
TWIN_SATELLITES, TWIN_HOURS, TWIN_STEP_S = 162, 24.0, 120.0


def _twin_run(model: Model, name: str | None, overrides: tuple[str, ...]) -> Any:
    from terawatt.twin import twin

    return model._memo(("twin", name, overrides), lambda: twin(name, satellites=TWIN_SATELLITES, hours=TWIN_HOURS,
                                                               step_s=TWIN_STEP_S, seed=0, overrides=list(overrides)))


def block_twin(model: Model) -> str:
    """Measured (terawatt twin) vs steady-state values for the default, suncatcher and a Walker shell."""
    from terawatt.twin import comparison

    tables = {label: comparison(_twin_run(model, name, ov)) for label, name, ov in TWIN_RUNS}
    keys = list(next(iter(tables.values())).index)
    header = ["key", *(f"{label}: twin / model" for label in tables), "model (annual), default"]
    rows = []
    for key in keys:
        style = "frac4" if "fraction" in key or "availability" in key else "sig"
        cells = [f"{fmt(t.loc[key, 'twin'], style)} / {fmt(t.loc[key, 'model'], style)}" for t in tables.values()]
        rows.append([f"`{key}`", *cells, fmt(tables["default"].loc[key, "model_annual"], style)])
    return table(header, rows)


# ---------------------------------------------------------------------------------------------------- figures
def _fingerprint(*parts: Any, code: tuple[str, ...] = ("plots.py",)) -> str:
    """Hash of the plotted data (numbers rounded to 4 significant digits) and of the plotting code (the modules of
    ``src/terawatt/report`` named in ``code``)."""
    import numpy as np

    def norm(x: Any) -> Any:
        if isinstance(x, dict):
            return {str(k): norm(v) for k, v in sorted(x.items(), key=lambda kv: str(kv[0]))}
        if isinstance(x, list | tuple):
            return [norm(v) for v in x]
        if isinstance(x, np.ndarray):
            return norm(x.tolist())
        if isinstance(x, float | np.floating):
            return f"{float(x):.4g}"
        return x if isinstance(x, str | int | bool) or x is None else str(x)

    source = b"".join((ROOT / "src" / "terawatt" / "report" / name).read_bytes() for name in code)
    digest = hashlib.sha256(json.dumps(norm(list(parts))).encode() + source)
    return digest.hexdigest()[:16]


def figure_timeline(model: Model, path: Path | None) -> str:
    from terawatt.report.plots import plot_timeline

    tl = model.timeline("musk-2026")
    if path is not None:
        plot_timeline(tl, path)
    return _fingerprint(tl.rows(), tl.crossover_year)


def figure_breakeven(model: Model, path: Path | None) -> str:
    from terawatt.report.plots import plot_ratio_map
    from terawatt.studies.breakeven import ratio_map

    name, px, py, year, overrides = FIGURE_MAP
    sc = model.scenario(name, overrides)
    m = model._memo(("map",), lambda: ratio_map(sc, px, py, year))
    markers = {}
    for other in model.shipped():
        try:
            values = model.scenario(other).at_year(year).values
        except MODEL_ERRORS:
            continue
        x, y = values.get(px), values.get(py)
        if isinstance(x, int | float) and isinstance(y, int | float):
            markers[other] = (float(x), float(y))
    if path is not None:
        plot_ratio_map(m, path, markers, scenario=sc)
    return _fingerprint(m.x, m.y, m.ratio, markers)


def figure_buildout(model: Model, path: Path | None) -> str:
    from terawatt.report.plots import plot_buildout

    b = model.buildout("musk-terawatt")
    if path is not None:
        plot_buildout(b, path, scenario=model.scenario("musk-terawatt"))
    return _fingerprint(b.rows())


MC_PLOT_CODE = ("plots.py", "montecarlo_plots.py")


def figure_montecarlo(model: Model, path: Path | None) -> str:
    from terawatt.report.montecarlo_plots import cost_bands, plot_montecarlo

    mc = model.montecarlo(MC_SCENARIOS[0])
    if path is not None:
        plot_montecarlo(mc, path)
    return _fingerprint(cost_bands(mc), mc.p_orbit_cheaper_by_year(), mc.crossover_summary(), code=MC_PLOT_CODE)


def figure_montecarlo_buildout(model: Model, path: Path | None) -> str:
    from terawatt.report.montecarlo_plots import plot_buildout_montecarlo

    mc = model.montecarlo_buildout(MCB_SCENARIO)
    if path is not None:
        plot_buildout_montecarlo(mc, path)
    bands = {f: mc.bands(f) for f in ("orbit_gw_total", "ground_gw_total", "demand_gw")}
    return _fingerprint(bands, mc.binding_shares("orbit"), code=MC_PLOT_CODE)


def figure_dashboard(model: Model, path: Path | None) -> str:
    """Every tab of the dashboard (musk-2026) in a headless Chromium, on one image; the fingerprint is the data
    the tabs show (their headlines, figures and tables), computed without a browser, and the page's layout code and
    style sheet."""
    import tempfile

    from terawatt.dashboard.callbacks import compute
    from terawatt.dashboard.state import TABS, build_scenario, decode

    parts = []
    for tab in TABS:
        state = decode(f"?tab={tab}&scenario=musk-2026")
        scenario, _ = build_scenario(state)
        view = compute(state, scenario)
        parts.append([view.headline, view.facts, [f.to_dict("list") for _, _, f in view.tables[:2]]])
    # The page's own code too: a change of how the page looks (a label, the style sheet) redraws the screenshot.
    page = ROOT / "src" / "terawatt" / "dashboard"
    parts.append(hashlib.sha256(b"".join(p.read_bytes() for p in (page / "layout.py", *sorted(
        (page / "assets").glob("*.css"))))).hexdigest())
    if path is not None:
        sys.path.insert(0, str(ROOT / "tools"))
        from dashboard_screenshots import grid, screenshots

        with tempfile.TemporaryDirectory() as folder:
            grid(screenshots(Path(folder), "musk-2026"), path)
    return _fingerprint(parts)


def figure_report(model: Model, path: Path | None) -> str:
    """The report of musk-2026 in headless Chromium (tools/report_screenshot.py); the fingerprint covers the
    report's code and template and the scenario's timeline."""
    import importlib.util

    if path is not None:
        spec = importlib.util.spec_from_file_location("report_screenshot", ROOT / "tools" / "report_screenshot.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        try:
            module.write_screenshot(path)
        except FileNotFoundError as exc:
            raise ValueError(str(exc)) from exc
    report = ROOT / "src" / "terawatt" / "report"
    code = [(report / name).read_text(encoding="utf-8") for name in
            ("document.py", "report_figures.py", "templates/report.html")]
    return _fingerprint(model.timeline("musk-2026").rows(), hashlib.sha256("".join(code).encode()).hexdigest())


def figure_twin(model: Model, path: Path | None) -> str:
    from terawatt.report.twin_plots import plot_twin

    ds = _twin_run(model, "suncatcher", ())
    if path is not None:
        plot_twin(ds, path)
    return _fingerprint(ds["delivered_compute_w"].values, ds["battery_soc"].values, ds["radiator_temp_k"].values,
                        ds["event_latitude_deg"].values, code=("plots.py", "twin_plots.py"))


#: Figure blocks: block name -> (file under docs/, alt text, drawing function).
FIGURES: dict[str, tuple[str, str, Callable[[Model, Path | None], str]]] = {
    "figure-timeline": ("timeline-musk-2026.png", "musk-2026 cost per GPU-hour, 2026-2045", figure_timeline),
    "figure-breakeven": (
        "breakeven-musk-launch-vs-mass.png",
        "break-even map: launch price vs satellite mass, musk-2026 in 2030",
        figure_breakeven,
    ),
    "figure-buildout": ("buildout-musk-terawatt.png", "musk-terawatt build-out, 2026-2050", figure_buildout),
    "figure-montecarlo": ("montecarlo-musk-2026.png", "musk-2026 Monte Carlo 2026-2045: fan charts of the costs "
                          "and the ratio, crossover-year CDF", figure_montecarlo),
    "figure-montecarlo-buildout": ("montecarlo-buildout-musk-terawatt.png", "musk-terawatt build-out Monte Carlo: "
                                   "fan chart of GW in service, binding-constraint shares", figure_montecarlo_buildout),
    "figure-dashboard": ("dashboard.png", "the dashboard (terawatt serve), every tab, musk-2026", figure_dashboard),
    "figure-report": ("report-musk-2026.png", "the report of musk-2026 in Chromium (timeline section)",
                      figure_report),
    "figure-twin": ("twin-suncatcher.png", "terawatt twin suncatcher: compute, batteries and radiators over the "
                    "June solstice, radiation events along the tracks", figure_twin),
}


def _browser_errors() -> tuple[type[Exception], ...]:
    """Playwright's error (its timeouts derive from it) and OS errors (a browser that fails to start), when the
    screenshot figures can raise them."""
    errors: tuple[type[Exception], ...] = (OSError, subprocess.SubprocessError)
    try:
        from playwright.sync_api import Error as PlaywrightError
    except ImportError:
        return errors
    return (*errors, PlaywrightError)


def _figure_block(name: str, model: Model, write: bool) -> str | None:
    """The image link with the data fingerprint; ``None`` (the block is kept as it is) when drawing fails."""
    file, alt, draw = FIGURES[name]
    try:
        digest = draw(model, DOCS / file if write else None)
    except MODEL_ERRORS + _browser_errors() as exc:  # a browser timeout or crash is a problem, not a traceback
        _problem(exc, name)
        return None
    return f"![{alt}](docs/{file})\n<!-- data fingerprint {digest} -->"


# ------------------------------------------------------------------------------------------------ performance
def run_benchmarks() -> None:
    """Run every ``benchmarks/bench_*.py`` with ``--json benchmarks/results/<name>.json`` (slow)."""
    BENCH_RESULTS.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    for script in _bench_scripts():
        out = BENCH_RESULTS / f"{script.stem}.json"
        print(f"running {script.name} ...", flush=True)
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(script), "--json", str(out)], cwd=BENCH_DIR, env=env, capture_output=True, text=True
        )
        if proc.returncode != 0:
            print(f"  {script.name} failed (exit {proc.returncode}): {proc.stderr.strip()[-300:]}", file=sys.stderr)
            out.unlink(missing_ok=True)
        else:
            print(f"  done in {time.perf_counter() - start:.0f} s", flush=True)


def _bench_scripts() -> list[Path]:
    """``benchmarks/bench_*.py`` in :data:`BENCH_ORDER`, then any others alphabetically."""
    rank = {name: i for i, name in enumerate(BENCH_ORDER)}
    return sorted(BENCH_DIR.glob("bench_*.py"), key=lambda p: (rank.get(p.stem, len(rank)), p.stem))


def block_performance(model: Model | None = None) -> str:
    rows, machine = [], None
    for script in _bench_scripts():
        path = BENCH_RESULTS / f"{script.stem}.json"
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        machine = machine or data.get("machine")
        readme = data.get("readme") or [{"benchmark": "", "size": "n/a", "rate": "n/a (no results)"}]
        for r in readme:
            label = f"`{script.name}`" + (f": {r['benchmark']}" if r.get("benchmark") else "")
            rows.append([label, str(r.get("size", "n/a")), str(r.get("rate", "n/a"))])
    where = ""
    if machine:
        where = ", ".join(f"{k} {v}" for k, v in machine.items())
        where = f"Measured with `python tools/make_docs.py --bench` ({where}); reported, never asserted in tests:\n\n"
    return where + table(["benchmark", "size", "rate"], rows)


def block_dashboard_limits(model: Model) -> str:
    """The dashboard's security limits (``terawatt.dashboard.limits``), one row each."""
    from terawatt.dashboard import limits

    rows = [
        ["request body", f"{limits.MAX_REQUEST_BYTES // 1024} KiB", "413"],
        ["query string of a link", f"{limits.MAX_QUERY_CHARS:,} characters", "414, or a message on the page"],
        ["one field's value", f"{limits.MAX_VALUE_CHARS} characters", "message beside the field"],
        ["parameters a link may set", "the page's inputs and options only", "unknown parameter: message"],
        ["Monte Carlo samples per view", f"{limits.MAX_SAMPLES:,}", "message beside the field"],
        ["years of a timeline or build-out", f"{limits.MAX_YEARS}", "message beside the field"],
        ["heavy computations at once", f"{limits.MAX_HEAVY_JOBS}", "busy: try again"],
    ]
    return table(["what", "limit", "beyond it"], rows)


#: Design and reconciliation blocks: the default scenario optimised (seed 0), the waterfall against this preset.
RECONCILE_PRESET = "semianalysis-2026"


def _cell(value: Any, unit: str) -> str:
    if isinstance(value, str) or value is None:
        return "n/a" if value is None else value
    return f"{fmt(value)} {'' if unit == '-' else unit}".strip()


def block_optimize(model: Model) -> str:
    """`terawatt optimize` on the default scenario: each lever's value in the scenario and at the optimum."""
    opt = model._memo(("optimize",), lambda: model.tw.optimize(None, seed=0))
    rows = [[f"`{r['lever']}`", r["bounds"], _cell(r["scenario"], r["unit"]), _cell(r["optimum"], r["unit"]),
             r["moved"], r["on_bound"] or ""] for r in opt.rows()]
    text = table(["lever", "bounds", "default scenario", "optimum", "moved", "on a bound"], rows)
    base, best = opt.baseline_outputs, opt.outputs
    return text + (
        f"\n\nCost per delivered GPU-hour in orbit {fmt(base['orbital.cost_per_gpu_hour_usd'])} -> "
        f"{fmt(best['orbital.cost_per_gpu_hour_usd'])} USD (ground {fmt(best['terrestrial.cost_per_gpu_hour_usd'])}); "
        f"orbit / ground {fmt(base['comparison.cost_ratio'])} -> {fmt(best['comparison.cost_ratio'])}; "
        f"{opt.evaluations:,} designs evaluated ({opt.method}, seed {opt.seed})."
    )


def block_reconcile(model: Model) -> str:
    """`terawatt reconcile semianalysis-2026`: the waterfall to terawatt's defaults."""
    rec = model._memo(("reconcile", RECONCILE_PRESET), lambda: model.tw.reconcile(RECONCILE_PRESET))
    rows = [["preset (its assumptions)", "", fmt(rec.start[rec.metric]), "", "", ""]]
    rows += [[s.label, ", ".join(f"`{k}`" for k in s.keys), fmt(s.after[rec.metric]), f"{s.change:+.3f}",
              f"{s.shapley:+.3f}", f"{s.low:+.3f} to {s.high:+.3f}"] for s in rec.steps]
    rows.append([f"**target (`{rec.target}`)**", "", f"**{fmt(rec.end[rec.metric])}**", f"{rec.total:+.3f}",
                 f"{rec.total:+.3f}", ""])
    return table(["step", "keys switched", "orbit/ground after", "change (this order)", "Shapley (all orders)",
                  "range over orders"], rows)


def block_reconcile_presets(model: Model) -> str:
    """Every shipped preset: its published ratio, terawatt under its assumptions, the three groups that explain
    most of the difference with terawatt's defaults."""
    from terawatt.studies.presets import load_preset, shipped_presets

    rows = []
    for name in sorted(shipped_presets()):
        if load_preset(name).kind == "design-point":
            continue
        rec = model._memo(("reconcile", name), lambda name=name: model.tw.reconcile(name))
        published = [fmt(p["value"]) for p in rec.published if p.get("output") == rec.metric]
        # a second value of the same output is the comparable one (the publication's number less a term terawatt
        # has no counterpart for, said in the preset)
        shown = (published[0] + (f" (comparable: {', '.join(published[1:])})" if len(published) > 1 else "")
                 if published else "not stated")
        rows.append([f"`{name}`", shown,
                     fmt(rec.start[rec.metric]), fmt(rec.end[rec.metric]),
                     "; ".join(f"{s.label} ({s.shapley:+.2f})" for s in rec.top())])
    return table(["preset", "published orbit/ground", "terawatt, preset's inputs", "terawatt defaults",
                  "groups that explain most of the difference (Shapley)"], rows)


def block_design_points(model: Model) -> str:
    """The design-point presets (SpaceX AI-1, Turyshev): each published number against terawatt's sizing of the
    same design, and what one component must be for a published figure."""
    from terawatt.studies.presets import design_answers, load_preset, shipped_presets

    rows = []
    for name in sorted(shipped_presets()):
        preset = load_preset(name)
        if preset.kind != "design-point":
            continue
        for r in model._memo(("design", name), lambda preset=preset: design_answers(preset)):
            rows.append([f"`{name}`", r["quantity"], fmt(r["published"]), fmt(r["terawatt"]), r["unit"],
                         r["note"].replace("|", "/")])
    return table(["preset", "quantity", "published", "terawatt", "unit", "note"], rows)


# ------------------------------------------------------------------------------------------------- the files
BLOCKS: dict[str, Callable[[Model], str]] = {
    "scenarios": block_scenarios,
    "run-summary": block_run_summary,
    "explain": block_explain,
    "timeline": block_timeline,
    "montecarlo": block_montecarlo,
    "sensitivity": block_sensitivity,
    "discover": block_discover,
    "montecarlo-buildout": block_montecarlo_buildout,
    "buildout": block_buildout,
    "bottlenecks": block_bottlenecks,
    "supply": block_supply,
    "environment": block_environment,
    "validation-count": block_validation_count,
    "claims": block_claims,
    "scenario-files": block_scenario_files,
    "dashboard-limits": block_dashboard_limits,
    "optimize": block_optimize,
    "reconcile": block_reconcile,
    "reconcile-presets": block_reconcile_presets,
    "design-points": block_design_points,
    "twin": block_twin,
}
#: Blocks rewritten only on request (slow to measure).
BENCH_BLOCKS = ("performance",)
FILES = (README, SCENARIOS_README)


def blocks_in(text: str) -> list[str]:
    """Names of the generated blocks of a Markdown text, in order."""
    return [m.group("name") for m in MARKER.finditer(text)]


def replace_blocks(text: str, render: Callable[[str], str | None]) -> str:
    """``text`` with the body of every generated block replaced by ``render(name)`` (``None`` keeps the body)."""

    def sub(m: re.Match[str]) -> str:
        body = render(m.group("name"))
        if body is None:
            return m.group(0)
        inline = not m.group("body").startswith("\n")
        inner = body.strip() if inline else f"\n{body.strip()}\n"
        name = m.group("name")
        return f"<!-- BEGIN generated:{name}{m.group('note')}-->{inner}<!-- END generated:{name} -->"

    return MARKER.sub(sub, text)


def known_blocks() -> set[str]:
    return set(BLOCKS) | set(FIGURES) | set(BENCH_BLOCKS)


def referenced_figures(texts: Iterable[str]) -> set[str]:
    return {m for t in texts for m in re.findall(r"\(docs/([\w.-]+\.png)\)", t)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything would change")
    parser.add_argument("--bench", action="store_true", help="run the benchmarks and rewrite the performance table")
    parser.add_argument(
        "--no-run", action="store_true", help="with --bench: use the results already in benchmarks/results/"
    )
    parser.add_argument(
        "--only", nargs="+", metavar="BLOCK", help=f"blocks to regenerate ({', '.join(sorted(known_blocks()))})"
    )
    args = parser.parse_args(argv)
    unknown = set(args.only or ()) - known_blocks()
    if unknown:
        parser.error(f"unknown block(s): {', '.join(sorted(unknown))}")
    start = time.perf_counter()
    if args.bench and not args.check and not args.no_run:
        run_benchmarks()
    model = Model()
    wanted = set(args.only) if args.only else known_blocks()

    def render(name: str) -> str | None:
        if name not in wanted:
            return None
        if name in BENCH_BLOCKS:
            return block_performance() if args.bench else None
        if name in FIGURES:
            return _figure_block(name, model, write=not args.check)
        if name in BLOCKS:
            return _safely(lambda: BLOCKS[name](model), name)
        return None

    stale, texts = [], []
    for path in FILES:
        old = path.read_text(encoding="utf-8")
        names = blocks_in(old)
        for name in names:
            if name not in known_blocks():
                print(f"{path.relative_to(ROOT)}: unknown generated block {name!r}", file=sys.stderr)
                stale.append(name)
        new = replace_blocks(old, render)
        texts.append(new)
        if new != old:
            changed = [n for n in names if MARKER.search(old) and _body(old, n) != _body(new, n)]
            stale += changed
            if args.check:
                print(f"{path.relative_to(ROOT)}: stale blocks: {', '.join(changed)}")
            else:
                path.write_text(new, encoding="utf-8")
                print(f"{path.relative_to(ROOT)}: rewrote {', '.join(changed)}")
    referenced = referenced_figures(texts)
    for png in sorted(DOCS.glob("*.png")):
        if png.name not in referenced:
            if args.check:
                print(f"docs/{png.name}: not referenced by any generated block")
                stale.append(png.name)
            else:
                png.unlink()
                print(f"docs/{png.name}: deleted (unreferenced)")
    missing = [f for f in referenced if not (DOCS / f).exists()]
    for f in missing:
        print(f"docs/{f}: referenced but missing")
    for problem in FAILURES:
        print(f"problem: {problem}", file=sys.stderr)
    print(f"{'checked' if args.check else 'generated'} in {time.perf_counter() - start:.1f} s")
    return 1 if FAILURES or (args.check and (stale or missing)) else 0


def _body(text: str, name: str) -> str | None:
    for m in MARKER.finditer(text):
        if m.group("name") == name:
            return m.group("body")
    return None


if __name__ == "__main__":
    sys.exit(main())
