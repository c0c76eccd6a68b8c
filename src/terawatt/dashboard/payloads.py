"""The JSON bodies the page's browser sends to ``/_dash-update-component`` for its two main callbacks, built here
so that tests and ``benchmarks/bench_dashboard.py`` exercise the server exactly as a browser does (a slider moved:
the sync callback writes the URL; the URL: the show callback computes the view)."""

from __future__ import annotations

from typing import Any

from terawatt.dashboard.layout import derived_keys, scenario_texts
from terawatt.dashboard.state import DEFAULT_SCENARIO, FIELDS, INPUT_KEYS, OPTIONS


def _key(app: Any, first_output: str) -> str:
    """The callback-map key of the callback whose first output is ``first_output`` (and no duplicate marker)."""
    for key in app.callback_map:
        if key.startswith(f"..{first_output}...") and "@" not in key.split("...")[0]:
            return key
    raise KeyError(first_output)


def show_payload(app: Any, search: str) -> dict[str, Any]:
    """The request of the show callback for the page at ``search`` (``"?tab=time&..."``)."""
    return {
        "output": _key(app, "content.children"),
        "outputs": [
            {"id": "content", "property": "children"},
            [{"id": {"type": "msg", "key": k}, "property": "children"} for k in FIELDS],
            {"id": "banner", "property": "children"}, {"id": "job", "property": "data"},
            {"id": "poll", "property": "disabled"}, {"id": "progress-panel", "property": "style"},
        ],
        "inputs": [{"id": "url", "property": "search", "value": search}],
        "changedPropIds": ["url.search"],
        "state": [],
    }


def slider_payload(app: Any, key: str, position: float, search: str = "") -> dict[str, Any]:
    """The request of the sync callback when the slider of input ``key`` is moved to ``position`` (slider units:
    log10 of the value on a logarithmic slider), from the default page."""
    texts = scenario_texts(DEFAULT_SCENARIO)
    fields = [texts[k] if k in INPUT_KEYS else OPTIONS[k] for k in FIELDS]
    sliders = [k for k in INPUT_KEYS if k not in ("launch.vehicle", "workload.accelerator")]
    slider_id = '{"key":"%s","type":"slider"}' % key  # noqa: UP031 - Dash's id string: sorted keys, no spaces
    return {
        "output": _key(app, "url.search"),
        "outputs": [
            {"id": "url", "property": "search"}, {"id": "tab", "property": "value"},
            {"id": "scenario", "property": "value"},
            [{"id": {"type": "field", "key": k}, "property": "value"} for k in FIELDS],
            [{"id": {"type": "slider", "key": k}, "property": "value"} for k in sliders],
            [{"id": {"type": "derived", "key": k}, "property": "children"} for k in derived_keys()],
        ],
        "inputs": [
            {"id": "url", "property": "search", "value": search},
            {"id": "tab", "property": "value", "value": "compare"},
            {"id": "scenario", "property": "value", "value": DEFAULT_SCENARIO},
            [{"id": {"type": "field", "key": k}, "property": "value", "value": v}
             for k, v in zip(FIELDS, fields, strict=True)],
            [{"id": {"type": "slider", "key": k}, "property": "value", "value": position if k == key else None}
             for k in sliders],
        ],
        "changedPropIds": [f"{slider_id}.value"],
        "state": [],
    }
