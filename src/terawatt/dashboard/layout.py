"""The page: tabs, the inputs (units, allowed range, literature range and source from the registry), the view
options, and how a :class:`~terawatt.dashboard.views.View` is drawn (figures with a PNG button, tables with a CSV
button). Dash escapes every text it renders, so a hostile string typed or linked is shown, never executed."""

from __future__ import annotations

import math
import secrets
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt.dashboard.limits import KEPT_TABLES
from terawatt.dashboard.state import DEFAULT_SCENARIO, INPUT_KEYS, OPTION_HELP, OPTIONS, TABS, shipped_names

if TYPE_CHECKING:
    import pandas as pd

    from terawatt.dashboard.views import View
    from terawatt.params import ParamSpec

#: Rows of a table drawn on the page (the CSV has them all).
SHOWN_ROWS = 25
#: How often [ms] the page asks a running job for its progress.
POLL_MS = 500
#: Plotly modebar options: the camera button saves a PNG, drawn in the browser (no server, no network).
GRAPH_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}


def display(value: Any) -> str:
    """A parameter value as the text of its input field (what ``--set`` would take): shortest round-trip form."""
    if value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, str):
        return str(value).lower() if isinstance(value, bool) else value
    x = float(value)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


@lru_cache(maxsize=32)
def scenario_texts(name: str) -> dict[str, str]:
    """The input fields' texts for a shipped scenario (its values of :data:`INPUT_KEYS`)."""
    from terawatt.scenario import load_scenario

    sc = load_scenario(None if name == DEFAULT_SCENARIO else name)
    return {k: display(sc.values[k]) for k in INPUT_KEYS}


# ------------------------------------------------------------------------------------------------- sliders
def slider_span(spec: ParamSpec) -> tuple[float, float, bool]:
    """(low, high, log scale) of a parameter's slider: the literature range widened 2x each way, within the
    allowed range (:func:`terawatt.studies.breakeven.map_span`); logarithmic over more than two decades."""
    from terawatt.studies.breakeven import map_span

    lo, hi = map_span(spec)
    log = lo > 0 and hi / lo >= 100
    return lo, hi, log


def slider_position(spec: ParamSpec, text: str) -> float | None:
    """Where the slider sits for a field's text (None when the text is not a number in the span)."""
    try:
        x = float(text)
    except (TypeError, ValueError):
        return None
    lo, hi, log = slider_span(spec)
    if not (math.isfinite(x) and lo <= x <= hi) or (log and x <= 0):
        return None
    return math.log10(x) if log else x


def slider_text(spec: ParamSpec, position: float) -> str:
    """The field text for a slider position: 4 significant figures (integers for integer parameters)."""
    lo, hi, log = slider_span(spec)
    x = 10 ** position if log else position
    x = min(max(x, lo), hi)
    return str(round(x)) if spec.kind == "int" else display(float(f"{x:.4g}"))


def derived_position(spec: ParamSpec, value: Any) -> float | None:
    """Where the slider of an empty, derived input sits: at the value the model derived (``value``, from the
    evaluated result), held at the end of the span when it lies beyond; None when there is no number."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    lo, hi, log = slider_span(spec)
    if not math.isfinite(x):
        return None
    x = min(max(x, lo), hi)
    return math.log10(x) if log else x


def derived_label(spec: ParamSpec, value: Any, year: int | None = None) -> str:
    """The text beside an empty, derived input: ``derived: 1,799 USD/kg`` (the model's value, in ``year`` when
    given), saying so when the value lies beyond the slider."""
    from terawatt.dashboard.views import number

    lo, hi, _ = slider_span(spec)
    unit = "" if spec.unit in ("-", "") else f" {spec.unit}"
    when = f" in {year}" if year is not None else ""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return f"derived by the model{when} (no value: see the notes)"
    beyond = " (beyond the slider)" if math.isfinite(x) and not lo <= x <= hi else ""
    return f"derived{when}: {number(x)}{unit}{beyond}"


def _slider(key: str, spec: ParamSpec, text: str) -> Any:
    from dash import dcc

    lo, hi, log = slider_span(spec)
    a, b = (math.log10(lo), math.log10(hi)) if log else (lo, hi)
    marks = {a: f"{lo:g}", b: f"{hi:g}"}
    return dcc.Slider(id={"type": "slider", "key": key}, min=a, max=b, step=(b - a) / 200, marks=marks,
                      value=slider_position(spec, text), updatemode="mouseup", included=False, allow_direct_input=False,
                      className="slider")


# ------------------------------------------------------------------------------------------------- fields
def _help(spec: ParamSpec) -> Any:
    from dash import html

    bits = [f"allowed {spec.range_text()}"]
    if spec.range:
        bits.append(f"literature {spec.range[0]:g} to {spec.range[1]:g}")
    if spec.nullable:
        bits.append("empty = derived by the model")
    return html.Details([html.Summary("; ".join(bits)), html.P(spec.description), html.P(f"Source: {spec.source}")],
                        className="help")


def input_field(key: str, text: str) -> Any:
    """One registry input: label with unit, text field (or a dropdown of catalog names), slider, help, message."""
    from dash import dcc, html

    from terawatt.catalogs import load_catalog
    from terawatt.params import load_registry

    spec = load_registry()[key]
    unit = "" if spec.unit in ("-", "") else f" [{spec.unit}]"
    if spec.catalog or spec.choices:
        names = sorted(load_catalog(spec.catalog)) if spec.catalog else list(spec.choices or [])
        control = dcc.Dropdown(id={"type": "field", "key": key}, options=names, value=text, clearable=False)
        slider = None
    else:
        control = dcc.Input(id={"type": "field", "key": key}, type="text", value=text, debounce=True,
                            placeholder="derived" if spec.nullable else "", className="text")
        slider = _slider(key, spec, text)
    # an input the model derives when empty: its slider sits at the derived value, said here (callbacks.sync_state)
    derived = html.Div(id={"type": "derived", "key": key}, className="derived") if derivable(spec) else None
    return html.Div([html.Label(f"{key}{unit}", className="name"), control, slider, derived, _help(spec),
                     html.Div(id={"type": "msg", "key": key}, className="msg")], className="field")


def derivable(spec: ParamSpec) -> bool:
    """Whether an input left empty takes a value the model derives and reports (registry ``derived_output``)."""
    return spec.nullable and spec.derived_output is not None and not (spec.catalog or spec.choices)


def derived_keys() -> list[str]:
    """The page's inputs that are :func:`derivable`, in page order (each has a ``derived`` label)."""
    from terawatt.params import load_registry

    registry = load_registry()
    return [k for k in INPUT_KEYS if derivable(registry[k])]


def option_field(key: str) -> Any:
    """A view option (year, span, map parameters, samples) with its help and message."""
    from dash import dcc, html

    from terawatt.params import load_registry

    if key in ("param", "param2"):
        numeric = sorted(k for k, s in load_registry().items() if s.kind in ("float", "int"))
        control = dcc.Dropdown(id={"type": "field", "key": key}, options=numeric, value=OPTIONS[key],
                               clearable=False)
    else:
        control = dcc.Input(id={"type": "field", "key": key}, type="text", value=OPTIONS[key], debounce=True,
                            className="text")
    return html.Div([html.Label(key, className="name"), control, html.Div(OPTION_HELP[key], className="hint"),
                     html.Div(id={"type": "msg", "key": key}, className="msg")], className="field")


def page() -> Any:
    """The whole page (every control exists from the start; the tabs only switch what is computed)."""
    from dash import dcc, html

    texts = scenario_texts(DEFAULT_SCENARIO)
    sidebar = html.Div([
        html.Label("scenario", className="name"),
        dcc.Dropdown(id="scenario", options=shipped_names(), value=DEFAULT_SCENARIO, clearable=False),
        html.H3("inputs"), *[input_field(k, texts[k]) for k in INPUT_KEYS],
        html.H3("view"), *[option_field(k) for k in OPTIONS],
    ], className="sidebar")
    progress = html.Div([
        html.Progress(id="progress-bar", max=1, value=0), html.Span(id="progress-text"),
        html.Button("cancel", id="cancel", n_clicks=0),
    ], id="progress-panel", style={"display": "none"})
    main = html.Div([html.Div(id="banner", className="banner"), progress, dcc.Loading(html.Div(id="content"),
                                                                                      delay_show=400)],
                    className="main")
    return html.Div([
        dcc.Location(id="url", refresh=False),
        html.Div([html.H1("terawatt"), html.Span("AI compute in orbit versus on the ground", className="tagline"),
                  html.Button("download scenario YAML", id="yaml-button", n_clicks=0)], className="header"),
        dcc.Tabs(id="tab", value="compare", children=[dcc.Tab(label=v, value=k) for k, v in TABS.items()]),
        html.Div([sidebar, main], className="body"),
        # The poll only moves the progress bar; a finished job's id goes to "job-end", whose own callback renders the
        # result once (a render sent from the poll itself is dropped by Dash when it takes longer than the interval:
        # plotly/dash#943, so a slow machine would never show it).
        dcc.Interval(id="poll", interval=POLL_MS, disabled=True), dcc.Store(id="job"), dcc.Store(id="job-end"),
        dcc.Download(id="csv-download"), dcc.Download(id="yaml-download"),
    ])


# ----------------------------------------------------------------------------------------------- rendering
class TableStore:
    """The tables of the last :data:`KEPT_TABLES` rendered views, by token, for their CSV buttons."""

    def __init__(self) -> None:
        self._tables: OrderedDict[str, dict[str, pd.DataFrame]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, tables: dict[str, pd.DataFrame]) -> str:
        token = secrets.token_urlsafe(9)
        with self._lock:
            self._tables[token] = tables
            while len(self._tables) > KEPT_TABLES:
                self._tables.popitem(last=False)
        return token

    def get(self, token: str, name: str) -> pd.DataFrame | None:
        with self._lock:
            return self._tables.get(token, {}).get(name)


def _cell(value: Any) -> str:
    from terawatt.dashboard.views import number

    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return number(value)
    return str(value)


def table(name: str, caption: str, frame: pd.DataFrame, token: str) -> Any:
    from dash import html

    head = html.Tr([html.Th(str(c)) for c in frame.columns])
    rows = [html.Tr([html.Td(_cell(v)) for v in row]) for row in frame.head(SHOWN_ROWS).itertuples(index=False)]
    more = f" (showing {SHOWN_ROWS} of {len(frame):,} rows; the CSV has all)" if len(frame) > SHOWN_ROWS else ""
    return html.Div([
        html.Div([html.Span(caption + more, className="caption"),
                  html.Button("download CSV", id={"type": "csv", "token": token, "name": name}, n_clicks=0,
                              className="csv")]),
        html.Div(html.Table([html.Thead(head), html.Tbody(rows)], id=f"table-{name}"), className="scroll"),
    ], className="table")


def render(view: View, store: TableStore) -> Any:
    """The components of a view: headline, facts, figures (PNG from the modebar), notes, tables (CSV buttons)."""
    from dash import dcc, html

    token = store.put({name: frame for name, _, frame in view.tables})
    facts = html.Div([html.Div([html.Div(value, id=fid, className="value"), html.Div(label, className="label")],
                               className="fact") for label, value, fid in view.facts], className="facts")
    figures = [dcc.Graph(id=f"graph-{name}", figure=fig,
                         config={**GRAPH_CONFIG, "toImageButtonOptions": {**GRAPH_CONFIG["toImageButtonOptions"],
                                                                           "filename": f"terawatt-{name}"}})
               for name, fig in view.figures]
    notes = html.Ul([html.Li(n) for n in view.notes], className="notes") if view.notes else None
    return html.Div([html.H2(view.headline, id="headline"), facts, *figures, notes,
                     *[table(n, c, f, token) for n, c, f in view.tables]])
