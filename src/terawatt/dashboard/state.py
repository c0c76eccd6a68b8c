"""The state of the dashboard page and its URL codec: which tab, which shipped scenario, the inputs the user changed
and the view options. The query string is the single source of truth: the page computes from the URL, so a link
reproduces the exact view and inputs.

A state turns into a scenario document (:func:`scenario_document`), the same mapping that "download scenario YAML"
writes, and the page's numbers are computed from that document (:func:`build_scenario`), so ``terawatt run`` on the
file reproduces them by construction. Inputs are validated by the registry (the same messages as ``--set``); view
options by :func:`option_errors`; nothing here computes a result.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from terawatt.constants import BASE_YEAR, YEAR_RANGE
from terawatt.dashboard.limits import MAX_QUERY_CHARS, MAX_SAMPLES, MAX_VALUE_CHARS, MAX_YEARS
from terawatt.errors import FieldError, ScenarioError

#: Tabs, in page order: URL value -> label.
TABS = {
    "compare": "compare",
    "satellite": "satellite",
    "time": "over time",
    "breakeven": "what must be true",
    "buildout": "build-out",
    "claims": "claims",
}
DEFAULT_SCENARIO = "default"
#: Registry parameters shown as inputs, in page order (the main levers of the question).
INPUT_KEYS = (
    "launch.price_usd_per_kg",
    "launch.vehicle",
    "solar.array_specific_power_w_per_kg",
    "thermal.radiator_temp_k",
    "workload.accelerator",
    "orbit.altitude_km",
    "finance.discount_rate",
    "terrestrial.electricity_price_usd_per_mwh",
    "workload.it_power_w",
    "satellite.lifetime_yr",
)
#: View options and their defaults (text, as in the URL); empty year = the scenario's base values.
OPTIONS = {
    "year": "",
    "start": str(BASE_YEAR),
    "end": "2045",
    "param": "launch.price_usd_per_kg",
    "param2": "solar.array_specific_power_w_per_kg",
    "samples": "0",
}
OPTION_HELP = {
    "year": "calendar year: the scenario's trajectories applied (empty = base values)",
    "start": "first year of the timeline and the build-out",
    "end": "last year of the timeline and the build-out",
    "param": "what must be true: parameter on the x axis (and the 1-D break-even)",
    "param2": "what must be true: parameter on the y axis",
    "samples": f"Monte Carlo samples for the uncertainty bands over time (0 = off, at most {MAX_SAMPLES:,})",
}
FIELDS = (*INPUT_KEYS, *OPTIONS)


@dataclass(frozen=True)
class State:
    """What the page shows: ``values`` holds the inputs the user changed (text, as typed), ``options`` every view
    option (text); ``errors`` the problems of the link it was decoded from."""

    tab: str = "compare"
    scenario: str = DEFAULT_SCENARIO
    values: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=lambda: dict(OPTIONS))
    errors: tuple[FieldError, ...] = ()

    def key(self) -> str:
        """A stable identity of the computation (the query string without the tab)."""
        return encode(State("compare", self.scenario, self.values, self.options))


def shipped_names() -> list[str]:
    """Scenario names the page offers: the registry defaults and every shipped scenario (never a file path)."""
    from terawatt.scenario import shipped_scenarios

    return [DEFAULT_SCENARIO, *sorted(shipped_scenarios())]


def _suggest(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def decode(search: str | None) -> State:
    """The state of a query string (``?tab=time&launch.price_usd_per_kg=300``); problems go to ``State.errors``.

    Refused: a query longer than :data:`MAX_QUERY_CHARS`, a key the page does not take, a key given twice, a value
    longer than :data:`MAX_VALUE_CHARS`, an unknown tab and a scenario that is not shipped (no file is read).
    """
    text = (search or "").lstrip("?")
    if len(text) > MAX_QUERY_CHARS:
        return State(errors=(FieldError("<link>", f"the link's query is {len(text):,} characters, more than the "
                                        f"limit of {MAX_QUERY_CHARS:,}"),))
    errors: list[FieldError] = []
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=len(FIELDS) + 2)
    except ValueError:
        return State(errors=(FieldError("<link>", f"more than {len(FIELDS) + 2} fields in the link"),))
    known = ("tab", "scenario", *FIELDS)
    seen: set[str] = set()
    tab, scenario, values, options = "compare", DEFAULT_SCENARIO, {}, dict(OPTIONS)
    for key, value in pairs:
        if key not in known:
            errors.append(FieldError(key[:MAX_VALUE_CHARS], f"unknown parameter{_suggest(key, list(known))} "
                                     f"(the page takes: {', '.join(known)})"))
            continue
        if key in seen:
            errors.append(FieldError(key, "given twice in the link"))
            continue
        seen.add(key)
        if len(value) > MAX_VALUE_CHARS:
            errors.append(FieldError(key, f"value of {len(value):,} characters, more than the limit of "
                                     f"{MAX_VALUE_CHARS}"))
            continue
        if key == "tab":
            if value in TABS:
                tab = value
            else:
                errors.append(FieldError("tab", f"{value!r} is not a tab: one of {', '.join(TABS)}"))
        elif key == "scenario":
            names = shipped_names()
            if value in names:
                scenario = value
            else:
                errors.append(FieldError("scenario", f"{value!r} is not a shipped scenario{_suggest(value, names)} "
                                         f"(shipped: {', '.join(names)})"))
        elif key in OPTIONS:
            options[key] = value
        else:
            values[key] = value
    return State(tab, scenario, values, options, tuple(errors))


def encode(state: State) -> str:
    """The query string of ``state`` (``?...``), with only what differs from the defaults; ``""`` for none."""
    pairs = [("tab", state.tab)] if state.tab != "compare" else []
    if state.scenario != DEFAULT_SCENARIO:
        pairs.append(("scenario", state.scenario))
    pairs += [(k, state.values[k]) for k in INPUT_KEYS if k in state.values]
    pairs += [(k, state.options[k]) for k in OPTIONS if state.options.get(k, OPTIONS[k]) != OPTIONS[k]]
    return "?" + urlencode(pairs) if pairs else ""


# --------------------------------------------------------------------------------------------- view options
def _integer(text: str) -> int | None:
    from terawatt.scenario import parse_value

    value = parse_value(text)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _numeric_param(key: str, text: str) -> FieldError | None:
    from terawatt.params import load_registry

    registry = load_registry()
    numeric = sorted(k for k, s in registry.items() if s.kind in ("float", "int"))
    if text not in registry:
        return FieldError(key, f"unknown parameter {text!r}{_suggest(text, numeric)}")
    if registry[text].kind not in ("float", "int"):
        return FieldError(key, f"{text} is a {registry[text].kind}: the map needs a numeric parameter")
    return None


def option_errors(options: dict[str, str]) -> list[FieldError]:
    """Every problem of the view options at once (year in the model's calendar, a span of at most
    :data:`MAX_YEARS`, at most :data:`MAX_SAMPLES` samples, two different numeric parameters)."""
    from terawatt.trajectory import year_span_errors

    errors: list[FieldError] = []
    calendar = f"an integer year in [{YEAR_RANGE[0]}, {YEAR_RANGE[1]}]"
    year = options.get("year", "").strip()
    if year and (_integer(year) is None or not YEAR_RANGE[0] <= _integer(year) <= YEAR_RANGE[1]):
        errors.append(FieldError("year", f"expected {calendar} or empty (base values), got {year!r}"))
    start, end = _integer(options.get("start", "")), _integer(options.get("end", ""))
    for key, value in (("start", start), ("end", end)):
        if value is None:
            errors.append(FieldError(key, f"expected {calendar}, got {options.get(key, '')!r}"))
    if start is not None and end is not None:
        errors += year_span_errors(start, end, ("start", "end"))
        if end - start + 1 > MAX_YEARS:
            errors.append(FieldError("end", f"{end - start + 1} years asked, more than the limit of {MAX_YEARS}"))
    samples = _integer(options.get("samples", ""))
    if samples is None or not 0 <= samples <= MAX_SAMPLES:
        errors.append(FieldError("samples", f"expected an integer in [0, {MAX_SAMPLES:,}] (the limit on samples "
                                 f"per view), got {options.get('samples', '')!r}"))
    for key in ("param", "param2"):
        problem = _numeric_param(key, options.get(key, ""))
        if problem:
            errors.append(problem)
    if options.get("param") == options.get("param2"):
        errors.append(FieldError("param2", "choose a parameter different from the x axis"))
    return errors


# ------------------------------------------------------------------------------------------ the scenario file
def overrides(state: State) -> dict[str, Any]:
    """The inputs the user changed, parsed as ``--set`` parses them (not yet validated)."""
    from terawatt.scenario import parse_value

    return {k: parse_value(state.values[k]) for k in INPUT_KEYS if k in state.values}


def scenario_document(state: State) -> dict[str, Any]:
    """The scenario file of the page: ``based_on`` the chosen scenario, the changed inputs, and a constant
    trajectory for each changed input that the base scenario moves over the years (as ``--set`` does, an input
    set on the page holds in every year). :func:`build_scenario` computes from exactly this mapping."""
    from terawatt.results import nest
    from terawatt.scenario import load_scenario

    changed = overrides(state)
    doc: dict[str, Any] = {"name": f"{state.scenario}-dashboard"}
    if state.scenario != DEFAULT_SCENARIO:
        doc["based_on"] = state.scenario
    year = state.options.get("year", "").strip()
    when = f"in {year}: terawatt run THIS_FILE --year {year}" if year else "at the base values: terawatt run THIS_FILE"
    doc["description"] = f"Saved from the terawatt dashboard; its numbers are computed {when}."
    doc.update(nest(changed))
    base = load_scenario(None if state.scenario == DEFAULT_SCENARIO else state.scenario)
    pinned = sorted(k for k in changed if k in base.trajectories)
    if pinned:
        doc["trajectories"] = {k: {"kind": "constant"} for k in pinned}
    return doc


def scenario_yaml(state: State) -> str:
    """The scenario file of the page as YAML text (``terawatt run`` accepts it)."""
    import yaml

    header = "# terawatt scenario saved from the dashboard (terawatt serve).\n"
    return header + yaml.safe_dump(scenario_document(state), sort_keys=False, allow_unicode=False, width=100)


def build_scenario(state: State) -> tuple[Any, list[FieldError]]:
    """(the validated scenario, []) or (None, every problem of the link, the inputs and the options at once)."""
    from terawatt.scenario import load_scenario

    errors = [*state.errors, *option_errors(state.options)]
    scenario = None
    try:
        scenario = load_scenario(scenario_document(state))
    except ScenarioError as exc:
        errors.extend(exc.errors)
    return (None, errors) if errors else (scenario, [])


def evaluation_year(state: State) -> int | None:
    """The calendar year of the single-year views (None = base values); only for a state without errors."""
    return _integer(state.options.get("year", ""))
