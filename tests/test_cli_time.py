"""End to end: ``terawatt timeline``, ``terawatt breakeven`` and ``run --year``.

The happy paths run as real subprocesses (``run_cli``, ~2 s each, so kept to a handful); the catalogue of bad inputs
runs in-process through Typer's runner (``invoke_cli``: the same app, exit codes and stderr).
"""

from __future__ import annotations

import json
import math

import pytest
import yaml

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ELEC = "terrestrial.electricity_price_usd_per_mwh"
PRICE = "launch.price_usd_per_kg"
ROW_FIELDS = ("year", "orbital_cost_per_gpu_hour_usd", "terrestrial_cost_per_gpu_hour_usd", "cost_ratio")


def _strict_json(text: str):
    def reject(token: str):
        raise ValueError(f"non-standard JSON constant {token}")

    return json.loads(text, parse_constant=reject)


def _ok(proc) -> None:
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert "Traceback" not in proc.stderr


def assert_refused(result, *fragments: str) -> None:
    """Exit 2, nothing on stdout, no traceback, and each fragment in the error text."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "error: invalid input" in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


#: Waypoint years not increasing (refused when the file is read).
OUT_OF_ORDER = {"kind": "waypoints", "points": {2030: 300, 2026: 1500}}
#: A launch price reaching -5 USD/kg in 2030 (refused when evaluated in that year).
NEGATIVE = {"kind": "waypoints", "points": {2026: 100, 2030: -5}}


def _write(path, doc: dict):
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------ timeline (subprocess)
def test_timeline_json(run_cli):
    proc = run_cli("timeline", "--json")
    _ok(proc)
    doc = _strict_json(proc.stdout)
    assert "crossover_year" in doc and doc["crossover_year"] is None  # no trajectories: orbit stays dearer
    assert [row["year"] for row in doc["years"]] == list(range(2026, 2046))
    for row in doc["years"]:
        for field in ROW_FIELDS:
            assert field in row, field
            assert isinstance(row[field], int | float) and math.isfinite(row[field]), (row["year"], field)
        assert row["cost_ratio"] > 1


@pytest.mark.parametrize("suffix", ["png", "html"])
def test_timeline_plot(run_cli, tmp_path, suffix):
    out = tmp_path / f"x.{suffix}"
    proc = run_cli("timeline", "starship-2030", "--from", "2026", "--to", "2030", "--plot", out.name, cwd=tmp_path)
    _ok(proc)
    assert "terawatt timeline: starship-2030" in proc.stdout
    assert "2030" in proc.stdout and "2031" not in proc.stdout
    assert out.is_file() and out.stat().st_size > 1000
    head = out.read_bytes()[:4096]
    if suffix == "png":
        assert head.startswith(PNG_MAGIC)
    else:
        assert b"<html" in head.lower()
        assert b"plotly" in out.read_bytes().lower()


# ----------------------------------------------------------------------------------------- breakeven (subprocess)
@pytest.fixture(scope="module")
def breakeven_json(run_cli) -> dict:
    proc = run_cli("breakeven", "--param", ELEC, "starship-2030", "--json")
    _ok(proc)
    return _strict_json(proc.stdout)


def test_breakeven_json(breakeven_json):
    doc = breakeven_json
    assert doc["param"] == ELEC
    assert doc["year"] is None
    assert doc["found"] is True
    assert isinstance(doc["value"], float) and 0 < doc["value"] <= 10000


def test_breakeven_value_fed_back_to_run_gives_ratio_one(run_cli, breakeven_json):
    value = breakeven_json["value"]
    proc = run_cli("run", "starship-2030", "--set", f"{ELEC}={value!r}", "--json")
    _ok(proc)
    doc = _strict_json(proc.stdout)
    assert doc["overrides"][ELEC] == value
    assert doc["comparison"]["cost_ratio"] == pytest.approx(1.0, rel=1e-6)


def test_breakeven_map_png(run_cli, tmp_path):
    proc = run_cli(
        "breakeven",
        "--param",
        PRICE,
        "--param2",
        "solar.array_specific_power_w_per_kg",
        "--plot",
        "m.png",
        cwd=tmp_path,
    )
    _ok(proc)
    assert "m.png" in proc.stdout
    assert (tmp_path / "m.png").read_bytes().startswith(PNG_MAGIC)


def test_bad_param_exits_2_in_a_real_process(run_cli):
    proc = run_cli("breakeven", "--param", "nonsense.key")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert "--param" in proc.stderr and "nonsense.key" in proc.stderr


# ------------------------------------------------------------------------------------- bad input (in-process)
def test_breakeven_unknown_param_suggests(invoke_cli):
    assert_refused(invoke_cli("breakeven", "--param", "launch.price_usd_per_kgg"), "--param", repr(PRICE))


@pytest.mark.parametrize("param", ["thermal.sides", "workload.accelerator"])
def test_breakeven_non_float_param(invoke_cli, param):
    assert_refused(invoke_cli("breakeven", "--param", param), "--param", param, "float")


def test_breakeven_bad_target_ratio(invoke_cli):
    assert_refused(invoke_cli("breakeven", "--param", ELEC, "--target-ratio", "0"), "--target-ratio")


def test_breakeven_no_root_is_not_an_error(invoke_cli):
    res = invoke_cli("breakeven", "--param", PRICE, "--json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["found"] is False and doc["value"] is None
    assert "no value of launch.price_usd_per_kg" in doc["message"]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--from", "2030", "--to", "2020"), ("--to", "2020", "2030")),
        (("--from", "1900"), ("--from", "1900", "[2020, 2100]")),
        (("--to", "2101"), ("--to", "2101")),
    ],
)
def test_timeline_bad_years(invoke_cli, args, fragments):
    assert_refused(invoke_cli("timeline", *args), *fragments)


def test_plot_with_unknown_suffix(invoke_cli, tmp_path):
    """An unknown chart format is refused (exit 2, naming --plot and the formats) after the table was printed
    (issue 9: the table either way); .pdf and .svg are written (matplotlib by suffix)."""
    out = tmp_path / "file.foo"
    res = invoke_cli("timeline", "--to", "2027", "--plot", out)
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    assert "--plot" in res.stderr and "file.foo" in res.stderr and ".png" in res.stderr and ".pdf" in res.stderr
    assert "crossover" in res.stdout  # the table came first
    assert not out.exists()
    out2 = tmp_path / "map.foo"
    res = invoke_cli("breakeven", "--param", PRICE, "--param2", "solar.array_specific_power_w_per_kg", "--plot", out2)
    assert res.exit_code == 2 and "--plot" in res.stderr and not out2.exists()
    pdf = tmp_path / "file.pdf"
    assert invoke_cli("timeline", "--to", "2027", "--plot", pdf).exit_code == 0 and pdf.stat().st_size > 0


def test_waypoint_years_out_of_order(invoke_cli, tmp_path):
    path = _write(tmp_path / "order.yaml", {"trajectories": {PRICE: OUT_OF_ORDER}})
    for command in ("timeline", "run"):
        assert_refused(invoke_cli(command, path), f"trajectories.{PRICE}.points.2026", "strictly increasing")


def test_negative_price_trajectory(invoke_cli, tmp_path):
    path = _write(tmp_path / "neg.yaml", {"trajectories": {PRICE: NEGATIVE}})
    assert_refused(invoke_cli("timeline", path), f"trajectories.{PRICE}", "in year 2030", "-5")
    assert_refused(invoke_cli("breakeven", "--param", ELEC, path, "--year", "2031"), f"trajectories.{PRICE}")


def test_timeline_set_removes_a_trajectory(invoke_cli, tmp_path):
    path = _write(tmp_path / "neg.yaml", {"trajectories": {PRICE: NEGATIVE}})
    res = invoke_cli("timeline", path, "--set", f"{PRICE}=300", "--to", "2032", "--json")
    assert res.exit_code == 0, res.stderr
    prices = {row["orbital_launch_price_usd_per_kg"] for row in json.loads(res.stdout)["years"]}
    assert prices == {300.0}


# ------------------------------------------------------------------------------------------------ known bugs
RATE_FILE = {"trajectories": {PRICE: {"kind": "rate", "value": 3000, "rate_per_yr": -0.3}}}


def test_run_year_applies_trajectories(invoke_cli, tmp_path):
    path = _write(tmp_path / "rate.yaml", RATE_FILE)
    res = invoke_cli("run", path, "--year", "2030", "--json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["orbital"]["launch_price_usd_per_kg"] == pytest.approx(3000 * 0.7**4)


def test_run_year_outside_calendar(invoke_cli):
    assert_refused(invoke_cli("run", "--year", "2200"), "2200", "[2020, 2100]")


def test_timeline_with_sampled_scenario_does_not_crash(invoke_cli, tmp_path):
    path = _write(tmp_path / "samples.yaml", {"launch": {"price_usd_per_kg": [1000, 3000]}, **RATE_FILE})
    res = invoke_cli("timeline", path, "--to", "2030", "--json")
    assert res.exit_code in (0, 2), (res.exit_code, res.exception)
    assert res.exception is None or isinstance(res.exception, SystemExit)
