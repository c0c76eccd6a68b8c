"""The page's callbacks. Data flows one way: controls -> URL query (:func:`sync`) -> validated scenario -> view
(:func:`show`). A link therefore reproduces the page, and a bad field stops everything before any model call."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from terawatt.dashboard import views
from terawatt.dashboard.jobs import JobRunner
from terawatt.dashboard.layout import (
    TableStore,
    derived_label,
    derived_position,
    render,
    scenario_texts,
    slider_position,
    slider_text,
)
from terawatt.dashboard.state import (
    INPUT_KEYS,
    OPTIONS,
    State,
    build_scenario,
    decode,
    encode,
    evaluation_year,
    scenario_yaml,
)
from terawatt.errors import FieldError, ScenarioError

HIDDEN, SHOWN = {"display": "none"}, {"display": "flex"}


def _controls(state: State, keys: list[str]) -> list[str]:
    """Field texts of ``state``: the changed inputs, else the scenario's values; the view options."""
    base = scenario_texts(state.scenario)
    return [state.values.get(k, base.get(k, "")) if k in INPUT_KEYS else state.options.get(k, OPTIONS[k])
            for k in keys]


#: A slider position :func:`sync_state` leaves as it is (the callback sends ``no_update``).
KEEP = object()


def _positions(keys: list[str], texts: dict[str, str]) -> list[Any]:
    from terawatt.params import load_registry

    registry = load_registry()
    return [slider_position(registry[k], texts[k]) for k in keys]


def _derived(state: State, texts: dict[str, str], keys: list[str]) -> dict[str, tuple[float | None, str]]:
    """(slider position, label) of each derivable input in ``keys``: for an empty one, the value the model derived
    for ``state`` (:meth:`terawatt.results.Result.input_value` of the evaluated scenario, in the view's year);
    an empty label for one the user set."""
    from terawatt.model import evaluate
    from terawatt.params import load_registry

    registry = load_registry()
    empty = [k for k in keys if not texts.get(k, "").strip()]
    out = {k: (KEEP, "") for k in keys if k not in empty}
    if not empty:
        return out
    scenario, errors = build_scenario(state)
    if errors:
        return {**out, **{k: (KEEP, "derived by the model (once the fields marked are fixed)") for k in empty}}
    year = evaluation_year(state)
    try:
        result = evaluate(scenario.at_year(year) if year is not None else scenario)
    except ScenarioError:
        return {**out, **{k: (KEEP, "derived by the model") for k in empty}}
    for k in empty:
        value = result.input_value(k)
        out[k] = (derived_position(registry[k], value), derived_label(registry[k], value, year))
    return out


def sync_state(trigger: Any, search: str | None, tab: str, scenario: str, field_keys: list[str],
               fields: list[Any], slider_keys: list[str], sliders: list[Any],
               derived_keys: Sequence[str] = ()) -> tuple[Any, ...]:
    """The work of the sync callback, as a plain function: (search, tab, scenario, field texts, slider positions,
    derived labels), ``None`` where nothing changes and :data:`KEEP` for a slider left where it is.

    The slider of an input in ``derived_keys`` (one the model derives when empty) left empty sits at the value the
    model derived and its label says so; that moves the slider only, the field stays empty (no override) until
    the user moves the slider or types a value."""
    from terawatt.params import load_registry

    keys = list(derived_keys)
    if trigger is None or trigger == "url":
        state = decode(search)
        texts = _controls(state, field_keys)
        by_key = dict(zip(field_keys, texts, strict=True))
        derived = _derived(state, by_key, keys)
        positions = [p if p is not KEEP else by for p, by in zip(
            [derived.get(k, (KEEP, ""))[0] for k in slider_keys], _positions(slider_keys, by_key), strict=True)]
        labels = [derived[k][1] for k in keys]
        positions = _moved(positions, sliders)
        if texts == list(fields) and state.tab == tab and state.scenario == scenario:
            return None, None, None, None, positions, labels
        return None, state.tab, state.scenario, texts, positions, labels
    values = dict(zip(field_keys, ["" if v is None else str(v) for v in fields], strict=True))
    new_fields = None
    positions: list[Any] = [KEEP] * len(slider_keys)
    if trigger == "scenario":
        values.update(scenario_texts(scenario))
        new_fields = [values[k] for k in field_keys]
        positions = _positions(slider_keys, values)
    elif isinstance(trigger, dict) and trigger.get("type") == "slider":
        key = trigger["key"]
        position = sliders[slider_keys.index(key)]
        if position is not None:
            values[key] = slider_text(load_registry()[key], float(position))
            new_fields = [values[k] for k in field_keys]
    elif isinstance(trigger, dict) and trigger.get("type") == "field" and trigger.get("key") in slider_keys:
        key = trigger["key"]  # a value typed: its slider follows (stays put where the text is no number in the span)
        position = slider_position(load_registry()[key], values[key])
        if position is not None:
            positions[slider_keys.index(key)] = position
    base = scenario_texts(scenario)
    changed = {k: values[k] for k in INPUT_KEYS if k in values and values[k] != base.get(k)}
    options = {k: values.get(k, OPTIONS[k]) for k in OPTIONS}
    state = State(tab, scenario, changed, options)
    query = encode(state)
    derived = _derived(state, {k: values.get(k, base.get(k, "")) for k in keys}, keys)
    for k, (position, _) in derived.items():
        if position is not KEEP and k in slider_keys:
            positions[slider_keys.index(k)] = position
    return ((query if query != (search or "") else None), None, None, new_fields, _moved(positions, sliders),
            [derived[k][1] for k in keys])


def _moved(positions: list[Any], sliders: list[Any]) -> list[Any]:
    """``positions`` with :data:`KEEP` where the slider already sits there (no update sent to the browser)."""
    def same(new: Any, old: Any) -> bool:
        if new is None or old is None:
            return new is old
        return new is not KEEP and math.isclose(float(new), float(old), rel_tol=1e-12, abs_tol=1e-12)

    return [KEEP if same(p, old) else p for p, old in zip(positions, sliders, strict=True)]


def _messages(errors: list[FieldError], keys: list[str]) -> tuple[list[str], list[str]]:
    """(message beside each field, the rest for the banner): the CLI's text, ``path: message``."""
    by_field = {k: [] for k in keys}
    rest = []
    for e in errors:
        (by_field[e.path] if e.path in by_field else rest).append(e.message if e.path in by_field else str(e))
    return ["; ".join(v) for v in by_field.values()], rest


def heavy(state: State) -> bool:
    """Whether the tab of ``state`` runs as a job (build-out; Monte Carlo bands over time)."""
    return state.tab == "buildout" or (state.tab == "time" and int(state.options["samples"]) > 0)


def compute(state: State, scenario: Any, progress: views.Progress | None = None) -> views.View:
    """The view of ``state``'s tab (the scenario already validated)."""
    o = state.options
    year = evaluation_year(state)
    if state.tab == "compare":
        return views.compare(scenario, year)
    if state.tab == "satellite":
        return views.satellite(scenario, year)
    if state.tab == "time":
        return views.over_time(scenario, int(o["start"]), int(o["end"]), int(o["samples"]), progress)
    if state.tab == "breakeven":
        return views.breakeven(scenario, o["param"], o["param2"], year)
    if state.tab == "buildout":
        return views.buildout(scenario, int(o["start"]), int(o["end"]), progress)
    return views.claims(state.scenario)


def register(app: Any, runner: JobRunner, store: TableStore) -> None:
    """Attach the callbacks to ``app``."""
    from dash import ALL, Input, Output, ctx, html, no_update
    from dash import State as Held

    def nu(value: Any) -> Any:
        return no_update if value is None else value

    @app.callback(
        Output("url", "search"), Output("tab", "value"), Output("scenario", "value"),
        Output({"type": "field", "key": ALL}, "value"), Output({"type": "slider", "key": ALL}, "value"),
        Output({"type": "derived", "key": ALL}, "children"),
        Input("url", "search"), Input("tab", "value"), Input("scenario", "value"),
        Input({"type": "field", "key": ALL}, "value"), Input({"type": "slider", "key": ALL}, "value"),
    )
    def sync(search, tab, scenario, fields, sliders):
        field_keys = [i["id"]["key"] for i in ctx.inputs_list[3]]
        slider_keys = [i["id"]["key"] for i in ctx.inputs_list[4]]
        derived_keys = [o["id"]["key"] for o in ctx.outputs_list[5]]
        query, new_tab, new_scenario, texts, positions, labels = sync_state(
            ctx.triggered_id, search, tab, scenario, field_keys, fields, slider_keys, sliders, derived_keys)
        return (nu(query), nu(new_tab), nu(new_scenario), texts or [no_update] * len(field_keys),
                [no_update if p is KEEP else p for p in positions], labels)

    def fail(message: str, keys: list[str]) -> tuple[Any, ...]:
        return html.P(message), [""] * len(keys), message, None, True, HIDDEN

    @app.callback(
        Output("content", "children"), Output({"type": "msg", "key": ALL}, "children"),
        Output("banner", "children"), Output("job", "data"), Output("poll", "disabled"),
        Output("progress-panel", "style"),
        Input("url", "search"),
    )
    def show(search):
        keys = [o["id"]["key"] for o in ctx.outputs_list[1]]
        state = decode(search)
        scenario, errors = build_scenario(state)
        if errors:
            messages, rest = _messages(errors, keys)
            marked = [k for k, m in zip(keys, messages, strict=True) if m]
            head = f"Nothing computed: fix {', '.join(marked)} (marked in the side bar)." if marked else (
                "Nothing computed:")
            banner = [html.Div(head)] + [html.Div(r) for r in rest]
            return html.P("Nothing computed."), messages, banner, None, True, HIDDEN
        blank = [""] * len(keys)
        if heavy(state):
            job = runner.submit(f"{state.tab}|{state.key()}", lambda p: compute(state, scenario, p))
            if job is None:
                return fail(f"Busy: {runner.limit} heavy computations are running (the limit); try again in a "
                            "moment.", keys)
            if job.status != "done":
                return html.P("Computing..."), blank, "", job.id, False, SHOWN
            return render(job.result, store), blank, "", None, True, HIDDEN
        try:
            view = compute(state, scenario)
        except ScenarioError as exc:
            messages, rest = _messages(exc.errors, keys)
            return html.P("Nothing computed."), messages, [html.Div(r) for r in rest], None, True, HIDDEN
        return render(view, store), blank, "", None, True, HIDDEN

    @app.callback(
        Output("progress-bar", "value"), Output("progress-text", "children"),
        Output("progress-panel", "style", allow_duplicate=True), Output("poll", "disabled", allow_duplicate=True),
        Output("job-end", "data"),
        Input("poll", "n_intervals"), Held("job", "data"), prevent_initial_call=True,
    )
    def poll(_, job_id):
        """Progress only (a small, quick answer); a finished job's id goes to ``job-end`` (see :func:`end`)."""
        job = runner.get(job_id)
        if job is None:
            return 0, "", HIDDEN, True, no_update
        if job.status == "running":
            return job.progress, f" {job.progress:.0%} after {job.elapsed_s:.1f} s", SHOWN, False, no_update
        return job.progress, "", HIDDEN, True, job.id

    @app.callback(
        Output("content", "children", allow_duplicate=True),
        Input("job-end", "data"), prevent_initial_call=True,
    )
    def end(job_id):
        """The finished job's result, its cancel or its error, rendered once (not from the poll: plotly/dash#943)."""
        job = runner.get(job_id)
        if job is None or job.status == "running":
            return no_update
        if job.status == "done":
            return render(job.result, store)
        text = "Cancelled." if job.status == "cancelled" else f"Failed: {job.error}"
        return html.P(text, id="job-status")

    @app.callback(
        Output("content", "children", allow_duplicate=True),
        Output("progress-panel", "style", allow_duplicate=True), Output("poll", "disabled", allow_duplicate=True),
        Input("cancel", "n_clicks"), Held("job", "data"), prevent_initial_call=True,
    )
    def cancel(_, job_id):
        job = runner.get(job_id)
        if job is not None:
            job.cancel()
        return html.P("Cancelled.", id="job-status"), HIDDEN, True

    @app.callback(
        Output("csv-download", "data"),
        Input({"type": "csv", "token": ALL, "name": ALL}, "n_clicks"), prevent_initial_call=True,
    )
    def csv(_):
        trigger = ctx.triggered_id
        if not trigger or not ctx.triggered or not ctx.triggered[0]["value"]:
            return no_update
        frame = store.get(trigger["token"], trigger["name"])
        if frame is None:
            return no_update
        return {"content": frame.to_csv(index=False), "filename": f"terawatt-{trigger['name']}.csv",
                "type": "text/csv"}

    @app.callback(
        Output("yaml-download", "data"), Output("banner", "children", allow_duplicate=True),
        Input("yaml-button", "n_clicks"), Held("url", "search"), prevent_initial_call=True,
    )
    def yaml_file(clicks, search):
        if not clicks:
            return no_update, no_update
        state = decode(search)
        _, errors = build_scenario(state)
        if errors:
            return no_update, "No scenario file: fix the fields marked below first."
        return {"content": scenario_yaml(state), "filename": f"{state.scenario}-dashboard.yaml",
                "type": "application/x-yaml"}, no_update
