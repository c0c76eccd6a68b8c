"""End to end: the ``terawatt`` command as a real subprocess (``python -m terawatt.cli``).

Each subprocess costs one interpreter start and the model's imports (~2 s), so runs are shared through
module-scoped fixtures where several tests read the same output.
"""

from __future__ import annotations

import json
import math
import re

import pytest
import yaml

from terawatt.scenario import shipped_scenarios
from terawatt.validation import load_cases, shipped_case_files

SHIPPED = sorted(shipped_scenarios())

#: The canonical outputs a caller of ``terawatt run --json`` relies on (nested by section in the JSON).
CANONICAL_KEYS = (
    "orbital.sunlit_fraction",
    "orbital.eclipse_days_per_yr",
    "orbital.max_eclipse_min",
    "orbital.solar_array_area_m2",
    "orbital.radiator_net_flux_w_per_m2",
    "orbital.radiator_area_m2",
    "orbital.battery_mass_kg",
    "orbital.satellite_mass_kg",
    "orbital.satellite_count",
    "orbital.specific_power_w_per_kg",
    "orbital.launch_mass_kg",
    "orbital.launches",
    "orbital.launch_cost_per_kw_year_usd",
    "orbital.cost_per_kw_year_usd",
    "orbital.cost_per_gpu_hour_usd",
    "orbital.cost_per_million_tokens_usd",
    "orbital.capex_usd",
    "orbital.opex_usd_per_yr",
    "terrestrial.energy_mwh",
    "terrestrial.energy_cost_usd",
    "terrestrial.cost_per_kw_year_usd",
    "terrestrial.cost_per_gpu_hour_usd",
    "terrestrial.cost_per_million_tokens_usd",
    "terrestrial.capex_usd",
    "comparison.cost_ratio",
    "comparison.breakeven_launch_price_usd_per_kg",
)


def _get(doc: dict, dotted: str):
    section, key = dotted.split(".", 1)
    return doc[section][key]


def _strict_json(text: str) -> dict:
    """Parse JSON, refusing the non-standard NaN / Infinity tokens."""

    def reject(token: str):
        raise ValueError(f"non-standard JSON constant {token}")

    return json.loads(text, parse_constant=reject)


def _ok(proc) -> None:
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert "Traceback" not in proc.stderr


# --------------------------------------------------------------------------------------------- terawatt run
def test_run_default_prints_comparison_table(run_cli):
    proc = run_cli("run")
    _ok(proc)
    assert proc.stderr == ""
    out = proc.stdout
    assert "terawatt run: default" in out
    for text in ("cost per GPU-hour", "cost per kW-year of IT", "cost per million tokens", "orbit", "ground",
                 "orbital design", "sunlit fraction", "orbit / ground cost per GPU-hour:", "USD"):
        assert text in out, text
    gpu_hour_row = next(line for line in out.splitlines() if "cost per GPU-hour" in line)
    assert gpu_hour_row.count("USD") == 2  # one cell for the orbit, one for the ground


@pytest.fixture(scope="module")
def default_json(run_cli) -> dict:
    proc = run_cli("run", "--json")
    _ok(proc)
    return _strict_json(proc.stdout)


def test_run_json_has_canonical_keys(default_json):
    missing = []
    for key in CANONICAL_KEYS:
        section, leaf = key.split(".", 1)
        if leaf not in default_json.get(section, {}):
            missing.append(key)
    assert missing == []


@pytest.mark.parametrize("key", CANONICAL_KEYS)
def test_run_json_canonical_values_are_finite_numbers(default_json, key):
    value = _get(default_json, key)
    if key == "comparison.breakeven_launch_price_usd_per_kg" and value is None:
        # Issue 9: "no break-even" is null with the reason, never a negative number.
        assert "free launch" in default_json["comparison"]["breakeven_launch_price_note"]
        return
    assert isinstance(value, (int, float)) and not isinstance(value, bool), (key, value)
    assert math.isfinite(value)
    if key == "comparison.breakeven_launch_price_usd_per_kg":
        assert value >= 0 and default_json["comparison"]["breakeven_launch_price_note"] is None


def test_run_json_metadata(default_json):
    assert default_json["scenario"] == "default"
    assert default_json["overrides"] == {}
    assert isinstance(default_json["notes"], list)


def test_run_json_is_internally_consistent(default_json):
    ratio = _get(default_json, "comparison.cost_ratio")
    orbit = _get(default_json, "orbital.cost_per_gpu_hour_usd")
    ground = _get(default_json, "terrestrial.cost_per_gpu_hour_usd")
    assert ratio == pytest.approx(orbit / ground, rel=1e-9)
    assert 0 < _get(default_json, "orbital.sunlit_fraction") <= 1
    assert _get(default_json, "orbital.satellite_count") >= 1
    assert _get(default_json, "orbital.launches") >= 1
    assert _get(default_json, "orbital.launches") == int(_get(default_json, "orbital.launches"))


def test_run_json_matches_python_api(default_json):
    from terawatt import evaluate

    api = evaluate().to_dict(nested=True)
    for key in CANONICAL_KEYS:
        if _get(api, key) is None:  # "no value" (e.g. no break-even launch price) is null in both
            assert _get(default_json, key) is None, key
            continue
        assert _get(default_json, key) == pytest.approx(_get(api, key), rel=1e-12), key


@pytest.mark.parametrize("name", SHIPPED)
def test_run_every_shipped_scenario(run_cli, name):
    proc = run_cli("run", name)
    _ok(proc)
    assert f"terawatt run: {name}" in proc.stdout
    assert "cost per GPU-hour" in proc.stdout


def test_run_scenario_file(run_cli, tmp_path):
    """A relative path to a YAML file (nested sections, dotted keys, based_on a shipped scenario)."""
    study = {
        "name": "my-study",
        "description": "test file",
        "based_on": "suncatcher",
        "orbit": {"altitude_km": 700},
        "orbit.sunlit_fraction": 0.97,
        "launch.price_usd_per_kg": 150,
    }
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(study), encoding="utf-8")
    proc = run_cli("run", "study.yaml", "--json", cwd=tmp_path)
    _ok(proc)
    doc = _strict_json(proc.stdout)
    assert doc["scenario"] == "my-study"
    overrides = doc["overrides"]
    assert overrides["orbit.altitude_km"] == 700
    assert overrides["launch.price_usd_per_kg"] == 150  # the file beats suncatcher's 200
    assert overrides["workload.accelerator"] == "tpu-v6e"  # inherited from suncatcher
    assert _get(doc, "orbital.sunlit_fraction") == pytest.approx(0.97)
    for key in CANONICAL_KEYS:
        if _get(doc, key) is None:  # only a missing break-even may be null, and then it says why
            assert key == "comparison.breakeven_launch_price_usd_per_kg"
            assert doc["comparison"]["breakeven_launch_price_note"]
            continue
        assert math.isfinite(_get(doc, key)), key


@pytest.fixture(scope="module")
def launch_price_runs(run_cli) -> tuple[dict, dict]:
    """The same scenario at $100/kg and $1,000/kg (sunlit fraction pinned, to check a pass-through too)."""
    docs = []
    for price in ("100", "1000"):
        proc = run_cli("run", "--json", "--set", f"launch.price_usd_per_kg={price}",
                       "--set", "orbit.sunlit_fraction=0.9")
        _ok(proc)
        docs.append(_strict_json(proc.stdout))
    return docs[0], docs[1]


def test_set_is_echoed_and_applied(launch_price_runs):
    cheap, dear = launch_price_runs
    assert cheap["overrides"] == {"launch.price_usd_per_kg": 100, "orbit.sunlit_fraction": 0.9}
    assert dear["overrides"] == {"launch.price_usd_per_kg": 1000, "orbit.sunlit_fraction": 0.9}
    assert _get(cheap, "orbital.sunlit_fraction") == pytest.approx(0.9)
    assert _get(dear, "orbital.sunlit_fraction") == pytest.approx(0.9)


def test_raising_launch_price_raises_orbital_cost(launch_price_runs):
    cheap, dear = launch_price_runs
    for key in ("orbital.cost_per_gpu_hour_usd", "orbital.cost_per_kw_year_usd",
                "orbital.cost_per_million_tokens_usd", "orbital.capex_usd", "comparison.cost_ratio"):
        assert _get(dear, key) > _get(cheap, key), key
    # paid per launched kg, so the launch share scales with the price
    assert _get(dear, "orbital.launch_cost_per_kw_year_usd") == pytest.approx(
        10 * _get(cheap, "orbital.launch_cost_per_kw_year_usd"), rel=1e-9
    )


def test_launch_price_does_not_touch_the_ground(launch_price_runs):
    cheap, dear = launch_price_runs
    assert cheap["terrestrial"] == dear["terrestrial"]


def test_bad_input_exits_2_without_computing(run_cli):
    """One real-process check of exit code 2 (the full catalogue of bad inputs is in test_scenario.py)."""
    proc = run_cli("run", "--set", "orbit.altitude_km=100")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "orbit.altitude_km" in proc.stderr and "[150, 50000] km" in proc.stderr
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------------------------------- terawatt validate
@pytest.fixture(scope="module")
def validate_shipped(run_cli):
    return run_cli("validate")


def test_validate_lists_every_shipped_case(validate_shipped):
    assert "Traceback" not in validate_shipped.stderr
    assert "terawatt validate" in validate_shipped.stdout
    assert " passed, " in validate_shipped.stdout
    for case in load_cases(shipped_case_files()):
        assert case.id in validate_shipped.stdout, case.id


def test_validate_shipped_cases_pass(validate_shipped):
    assert validate_shipped.returncode == 0, validate_shipped.stdout
    assert "0 failed" in validate_shipped.stdout


def _case(case_id: str, value: float) -> dict:
    """1 MW at full load and PUE 1.0 for one year: 8,760 MWh of ground energy."""
    return {
        "id": case_id,
        "source": "test arithmetic: 1 MW x 8,760 h",
        "set": {
            "workload.it_power_w": 1.0e6,
            "workload.utilization": 1.0,
            "terrestrial.pue": 1.0,
            "finance.analysis_period_yr": 1,
        },
        "expect": [{"output": "terrestrial.energy_mwh", "value": value, "rel_tol": 1.0e-6}],
    }


def test_validate_extra_passing_case_only(run_cli, tmp_path):
    path = tmp_path / "extra-pass.yaml"
    path.write_text(yaml.safe_dump(_case("test-energy-ok", 8760.0)), encoding="utf-8")
    proc = run_cli("validate", "--only", path)
    _ok(proc)
    assert "test-energy-ok" in proc.stdout
    assert "1 passed, 0 failed" in proc.stdout


def test_validate_extra_failing_case_exits_1(run_cli, tmp_path):
    path = tmp_path / "extra.yaml"
    path.write_text(yaml.safe_dump(_case("test-energy-wrong", 9000.0)), encoding="utf-8")
    proc = run_cli("validate", path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    row = next(line for line in proc.stdout.splitlines() if "test-energy-wrong" in line)
    assert "NO" in row and "8760" in row
    # the shipped cases ran too: one row per shipped expectation plus ours
    summary = re.search(r"(\d+) passed, (\d+) failed", proc.stdout)
    assert summary, proc.stdout
    shipped_rows = sum(len(c.expect) for c in load_cases(shipped_case_files()))
    assert int(summary[1]) + int(summary[2]) == shipped_rows + 1
    assert int(summary[2]) >= 1


# --------------------------------------------------------------------------------------- terawatt scenarios
def test_scenarios_lists_shipped_names(run_cli):
    proc = run_cli("scenarios")
    _ok(proc)
    assert "shipped scenarios" in proc.stdout
    for name in SHIPPED:
        assert name in proc.stdout, name


def test_help_lists_every_command_in_the_documented_order():
    """`terawatt --help` starts with `run` and lists every registered command, in HELP_ORDER (a new command must be
    placed there)."""
    from terawatt.cli import HELP_ORDER, verb_name
    from terawatt.cli import app as cli_app

    names = [verb_name(c) for c in cli_app.registered_commands]
    assert names == list(HELP_ORDER)
