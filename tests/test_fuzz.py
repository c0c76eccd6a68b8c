"""Property-based fuzzing of the command line (issue 9): random values across each parameter's full allowed range,
and random bad values, through ``run``, ``timeline``, ``breakeven`` and ``buildout`` (and in range through
``twin``).

Whatever the input: exit 0 with finite outputs or a design flagged infeasible with its reason, or exit 2 with a
message naming the field; never another exit code, never a traceback. Derandomized with a bounded number of
examples so the suite stays within a few minutes on two cores.
"""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terawatt.params import load_registry
from terawatt.scenario import shipped_scenarios
from terawatt.studies.breakeven import search_span

REGISTRY = load_registry()
NUMERIC = sorted(n for n, s in REGISTRY.items() if s.kind in ("float", "int"))
SCENARIOS = sorted(shipped_scenarios())
FIELD_LINE = re.compile(r"^  (\S+): ", re.MULTILINE)
FUZZ = settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@st.composite
def in_range(draw, name: str):
    """A value anywhere in the parameter's allowed range (log-uniform over wide positive spans)."""
    spec = REGISTRY[name]
    lo, hi = search_span(spec)
    if lo > 0 and hi / lo > 100:
        value = math.exp(draw(st.floats(math.log(lo), math.log(hi))))
        value = min(max(value, lo), hi)
    else:
        value = draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False))
    if spec.kind == "int":
        return str(int(min(max(round(value), math.ceil(lo)), math.floor(hi))))
    return repr(value)


@st.composite
def good_sets(draw):
    names = draw(st.lists(st.sampled_from(NUMERIC), min_size=1, max_size=3, unique=True))
    return [f"{n}={draw(in_range(n))}" for n in names]


@st.composite
def bad_set(draw):
    """One bad ``--set`` item and the field the error must name."""
    name = draw(st.sampled_from(NUMERIC))
    spec = REGISTRY[name]
    options = ["nan", "inf", "-inf", "text", "1" + "0" * 400, "[1, 2]", "true"]
    if spec.max is not None:
        options.append(repr(spec.max + max(1.0, abs(spec.max))))
    if spec.min is not None:
        options.append(repr(spec.min - max(1.0, abs(spec.min))))
    if spec.kind == "int":
        options.append("2.5")
    value = draw(st.sampled_from(options))
    if draw(st.booleans()) and draw(st.booleans()):
        return f"{name}x={value}", f"{name}x"  # unknown key
    return f"{name}={value}", name


def _check(res, must_name: str | None = None) -> None:
    """Exit 0 or 2 only, no traceback; exit 2 names a field (``must_name`` if given)."""
    assert res.exit_code in (0, 2), (res.exit_code, res.stdout[-2000:], res.stderr[-2000:], res.exception)
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    if res.exit_code == 2:
        assert "error: invalid input" in res.stderr, res.stderr
        fields = FIELD_LINE.findall(res.stderr)
        assert fields, res.stderr
        if must_name is not None:
            assert any(must_name in f for f in fields), (must_name, res.stderr)


def _sets(items: list[str]) -> list[str]:
    return [arg for item in items for arg in ("--set", item)]


@FUZZ
@given(scenario=st.sampled_from(SCENARIOS), items=good_sets())
def test_fuzz_run_in_range(invoke_cli, scenario, items):
    res = invoke_cli("run", scenario, *_sets(items), "--json")
    _check(res)
    if res.exit_code == 0:
        doc = json.loads(res.stdout)
        orbital = doc["orbital"]
        if orbital["feasible"]:
            assert orbital["cost_per_gpu_hour_usd"] is not None and doc["comparison"]["cost_ratio"] is not None
        else:
            assert orbital["infeasible_reason"], items
        assert doc["terrestrial"]["cost_per_gpu_hour_usd"] is not None


@settings(FUZZ, max_examples=60)
@given(scenario=st.sampled_from(SCENARIOS), items=good_sets(), command=st.sampled_from(["timeline", "buildout"]))
def test_fuzz_time_axis_in_range(invoke_cli, scenario, items, command):
    _check(invoke_cli(command, scenario, *_sets(items), "--from", "2026", "--to", "2028", "--json"))


@settings(FUZZ, max_examples=30)
@given(scenario=st.sampled_from(SCENARIOS), items=good_sets())
def test_fuzz_twin_in_range(invoke_cli, scenario, items):
    """The twin on one cluster for an hour: exit 0 or a design it cannot fly named (an infeasible one, arrays
    with no steady temperature)."""
    _check(invoke_cli("twin", scenario, *_sets(items), "--satellites", "81", "--hours", "1", "--step", "300",
                      "--json"))


@settings(FUZZ, max_examples=40)
@given(
    scenario=st.sampled_from(SCENARIOS),
    items=good_sets(),
    param=st.sampled_from(sorted(n for n, s in REGISTRY.items() if s.kind == "float")),
)
def test_fuzz_breakeven_in_range(invoke_cli, scenario, items, param):
    res = invoke_cli("breakeven", scenario, "--param", param, *_sets(items), "--json")
    _check(res)
    if res.exit_code == 0:
        doc = json.loads(res.stdout)
        assert doc["message"] and all(math.isfinite(r) for r in doc["roots"])


@FUZZ
@given(
    scenario=st.sampled_from(SCENARIOS),
    bad=bad_set(),
    good=good_sets(),
    command=st.sampled_from(["run", "timeline", "buildout", "breakeven"]),
)
def test_fuzz_bad_values_name_the_field(invoke_cli, scenario, bad, good, command):
    item, field = bad
    extra = ["--param", "launch.price_usd_per_kg"] if command == "breakeven" else []
    span = ["--to", "2027"] if command in ("timeline", "buildout") else []
    res = invoke_cli(command, scenario, *extra, *span, *_sets([*good, item]))
    _check(res, must_name=field)
    assert res.exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ("run", "suncatcher", "--set", "satellite.mass_kg=1"),
        ("breakeven", "suncatcher", "--param", "orbit.altitude_km", "--json"),
        ("run", "--set", "orbit.altitude_km=" + "9" * 400),
    ],
)
def test_real_subprocess_never_tracebacks(run_cli, args):
    proc = run_cli(*args)
    assert proc.returncode in (0, 2), proc.stderr
    assert "Traceback" not in proc.stderr
