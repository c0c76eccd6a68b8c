"""``terawatt twin``: fly the design's constellation in time and compare what it measures with the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

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
    field_error,
    fmt,
    load,
    new_table,
    wide_console,
    write_plot,
)

#: Runs with fewer satellite-steps finish before a progress bar is worth drawing.
PROGRESS_MIN_SAT_STEPS = 200_000


def _progress(total_sat_steps: float, enabled: bool) -> tuple[Any, Any]:
    if not enabled or total_sat_steps < PROGRESS_MIN_SAT_STEPS or not err_console.is_terminal:
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("twin"), BarColumn(), MofNCompleteColumn(), TextColumn("steps"),
                   TimeRemainingColumn(), console=err_console._console, transient=True)
    task = bar.add_task("steps", total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update


def _write_out(ds: Any, out: Path) -> None:
    """Time series, per-satellite summaries and events as Parquet, the comparison as CSV, attrs as JSON."""
    from terawatt.twin import comparison

    try:
        out.mkdir(parents=True, exist_ok=True)
        ds[[k for k, v in ds.data_vars.items() if v.dims == ("time",)]].to_dataframe().to_parquet(
            out / "timeseries.parquet")
        ds[[k for k, v in ds.data_vars.items() if v.dims == ("satellite",)]].to_dataframe().to_parquet(
            out / "satellites.parquet")
        ds[[k for k, v in ds.data_vars.items() if v.dims == ("event",)]].to_dataframe().to_parquet(
            out / "events.parquet")
        ds[[k for k, v in ds.data_vars.items() if v.dims == ("station",)]].to_dataframe().to_parquet(
            out / "stations.parquet")
        comparison(ds).to_csv(out / "comparison.csv")
        (out / "summary.json").write_text(json.dumps(dict(ds.attrs), indent=2, default=str))
    except OSError as exc:
        raise field_error("--out", f"cannot write {str(out)!r}: {exc.strerror or exc}") from exc
    err_console.print(f"twin record written to {out}/ (timeseries, satellites, events, stations .parquet; "
                      "comparison.csv; summary.json)", highlight=False)


@app.command()
def twin(
    scenario: ScenarioArg = None,
    satellites: Annotated[int | None, typer.Option("--satellites", help="Satellites to fly (default: the "
                                                   "design's orbital.satellite_count).")] = None,
    clusters: Annotated[int | None, typer.Option("--clusters", help="Or fly K clusters of "
                                                 "links.cluster_satellites.")] = None,
    hours: Annotated[float, typer.Option("--hours", help="Simulated duration [h].")] = 24.0,
    step: Annotated[float, typer.Option("--step", help="Time step [s], at most one orbital period.")] = 60.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random draws (ages, failures, events).")] = 0,
    start: Annotated[str, typer.Option("--start", help="First instant, ISO UTC (default the 2026 June "
                                       "solstice: eclipse season of a dawn-dusk orbit).")] = "2026-06-21T00:00:00",
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the record (Parquet, CSV, JSON).")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Chart: compute and battery over time, radiator, "
                                              "array temperature and output, map of radiation events and "
                                              "stations (.png, .svg, .pdf).")] = None,
    formation: Annotated[str, typer.Option("--formation", help="sgp4: every satellite by SGP4; rigid: cluster "
                                           "centres by SGP4, members held in formation (faster).")] = "sgp4",
    isl_range: Annotated[float | None, typer.Option("--isl-range", help="ISL range [m] inside a cluster: "
                                                    "satellites closer are linked, a job spans only linked "
                                                    "ones (default the model's orbital.isl_range_m).")] = None,
    knot: Annotated[float | None, typer.Option("--knot", help="Seconds between SGP4 knots, quintic Hermite between "
                                               "them (default: the widest with a position error bound under "
                                               "80 m, 780 s at 60-s steps); 0: SGP4 at every step.")] = None,
    set_: SetOption = None,
    json_: JsonOption = False,
) -> None:
    """Operations twin: the design's constellation propagated with SGP4 against the DE421 Sun, each satellite's
    shadow, array, battery, radiator and radiation events stepped in time; inference replicas and training jobs
    placed first fit on each cluster's ISL-linked satellites (workload.kind, --set workload.*); measured vs
    steady-state values."""
    from terawatt.scenario import ScenarioError
    from terawatt.twin import comparison
    from terawatt.twin import twin as run_twin

    bar = None
    try:
        check_plot(plot)
        if out is not None and out.exists() and not out.is_dir():
            raise field_error("--out", f"{str(out)!r} is a file; give a folder")
        sc = load(scenario, set_)
        n_guess = satellites if satellites is not None and satellites > 0 else 81 * (clusters or 12)
        bar, update = _progress(n_guess * hours * 3600.0 / max(step, 1e-9), not json_)
        if bar is not None:
            bar.start()
        ds = run_twin(sc, satellites=satellites, clusters=clusters, hours=hours, step_s=step, seed=seed,
                      start=start, progress=update, formation=formation, isl_range_m=isl_range, knot_s=knot)
    except ScenarioError as exc:
        bad_input(exc)
    finally:
        if bar is not None:
            bar.stop()
    table = comparison(ds)
    if json_:
        print(json.dumps({"summary": {k: v for k, v in ds.attrs.items()},
                          "comparison": table.reset_index().to_dict(orient="records")}, indent=2, default=str))
    else:
        a = ds.attrs
        console.print(f"[bold]terawatt twin: {a['scenario']}[/] {a['satellites']:,} satellites "
                      f"({a['clusters']:,} clusters, {a['planes']} plane{'s' * (a['planes'] > 1)}, "
                      f"{a['altitude_km']:g} km, {a['inclination_deg']:.2f} deg) x {a['steps']:,} steps of "
                      f"{a['step_s']:g} s from {a['start'][:16]} UT; design fleet {a['design_satellite_count']:,}")
        console.print("positions: " + (f"SGP4 every {a['knot_s']:g} s, quintic Hermite between (error bound "
                                       f"{a['position_error_bound_m']:.0f} m)" if a["knot_s"] else "SGP4 at every step")
                      + (" for the cluster centres, members held in formation" if a["formation"] == "rigid" else ""))
        t = new_table(title="measured (twin) vs steady-state (model)", title_justify="left")
        for col in ("key", "twin", "model (window)", "model (annual)", "difference"):
            t.add_column(col, justify="left" if col == "key" else "right")
        for key, row in table.iterrows():
            t.add_row(key, fmt(row["twin"]), fmt(row["model"]), fmt(row["model_annual"]), fmt(row["difference"]))
        wide_console(110).print(t)
        console.print(f"battery SoC min {a['twin.battery_soc_min']:.3f}, "
                      f"radiator max {a['twin.radiator_temp_max_k']:.2f} K, "
                      f"throttled {a['twin.throttled_fraction']:.3%} of satellite-steps, "
                      f"{int(ds['radiation_events'].sum()):,} radiation events, "
                      f"{int(ds['hardware_failures'].sum()):,} accelerator failures")
        console.print(f"{a['twin.manoeuvres']:,} avoidance manoeuvres; ground: {int(a['twin.ground_stations_flown'])} "
                      f"stations (of {a['twin.ground_stations_sized']:g} sized), "
                      f"{a['twin.passes_per_satellite_day']:.1f} passes a satellite-day of "
                      f"{a['twin.pass_duration_mean_s']:.0f} s mean, longest gap with no station in view "
                      f"{a['twin.longest_gap_s'] / 60:.0f} min; array {a['twin.array_temp_min_k']:.0f}-"
                      f"{a['twin.array_temp_max_k']:.0f} K (steady sun {a['twin.array_equilibrium_temp_k']:.1f} K, "
                      f"output up to x{a['twin.array_power_factor_max']:.2f} of rated at eclipse exit)",
                      highlight=False)
        mode = "formations manoeuvring as one body" if a["twin.formation_manoeuvre"] == "cluster" else \
            "satellites manoeuvring one by one"
        console.print(f"avoidance: {mode}; burns of {a['twin.burn_s_per_manoeuvre'] / 60:.1f} min, "
                      f"{a['twin.burn_satellite_hours']:,.0f} satellite-hours thrusting, battery SoC min while "
                      f"thrusting {a['twin.burn_battery_soc_min']:.3f}, {a['twin.burn_throttled_fraction']:.2%} of "
                      f"those satellite-steps throttled; clouds: stations clear {a['twin.clear_sky_fraction']:.1%} "
                      f"of the time, {a['twin.clear_contact_fraction']:.1%} of their contact time (catalog sites' "
                      f"expectation {a['twin.clear_contact_expected']:.1%}), longest stretch with no station in view "
                      f"and clear {a['twin.longest_clear_gap_s'] / 60:.0f} min", highlight=False)
        console.print(f"jobs: {a['twin.training_jobs']:,} training jobs (checkpoint every "
                      f"{a['twin.checkpoint_interval_h'] * 60:.1f} min), {a['twin.inference_replicas']:,} inference "
                      f"replicas; {a['twin.job_restarts']:,} job and {a['twin.replica_restarts']:,} replica "
                      f"restarts, {a['twin.jobs_waiting_mean']:.2f} jobs waiting on average; ISL range "
                      f"{a['twin.isl_range_m']:.0f} m, {a['twin.isl_connected_fraction']:.1%} of the satellites in "
                      "their cluster's largest linked component", highlight=False)
        console.print("model (window): sunlit fraction from the analytic model on the run's dates; ground contact "
                      "as the link sizing assumes it for the satellites flown (twin.*). model (annual): the model's "
                      "output (ground: the design's whole fleet). Twin availability: useful work of the placed jobs "
                      "/ nameplate (so x placed fraction).")
    if out is not None:
        try:
            _write_out(ds, out)
        except ScenarioError as exc:
            bad_input(exc)
    write_plot("terawatt.report.twin_plots:plot_twin", plot, ds, done=None if json_ else "chart written to")
