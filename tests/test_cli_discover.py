"""Discoverability of the command line (issue 9): ``params``, ``init``, ``run A B C``, the table of what decides
the answer, ``--json`` null-with-reason, ``--flat``, units, ``--out`` and ``--version``.

Each verb and flag is checked in-process (Typer's runner) and once as a real subprocess; bad input exits 2.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

import terawatt
from terawatt.params import load_registry


def _strict_json(text: str):
    def reject(token: str):
        raise ValueError(f"non-standard JSON constant {token}")

    return json.loads(text, parse_constant=reject)


def _ok(res) -> None:
    output = getattr(res, "output", None) or getattr(res, "stdout", "")
    code = getattr(res, "exit_code", getattr(res, "returncode", None))
    assert code == 0, output + getattr(res, "stderr", "")
    assert "Traceback" not in (getattr(res, "stderr", "") or "")


# ---------------------------------------------------------------------------------------------------- params
def test_params_lists_every_parameter(invoke_cli):
    res = invoke_cli("params")
    _ok(res)
    for name in ("orbit.altitude_km", "launch.price_usd_per_kg", "thermal.emissivity"):
        assert name in res.stdout
    assert f"parameters ({len(load_registry())})" in res.stdout


def test_params_pattern_substring_and_glob(invoke_cli):
    res = invoke_cli("params", "thermal.*", "--json")
    _ok(res)
    names = [p["name"] for p in _strict_json(res.stdout)]
    assert names and all(n.startswith("thermal.") for n in names)
    assert names == sorted(n for n in load_registry() if n.startswith("thermal."))
    sub = _strict_json(invoke_cli("params", "EMISSIV", "--json").stdout)
    assert {p["name"] for p in sub} == {n for n in load_registry() if "emissiv" in n}


def test_params_one_in_full(invoke_cli):
    spec = load_registry()["launch.price_usd_per_kg"]
    res = invoke_cli("params", "launch.price_usd_per_kg")
    _ok(res)
    for text in ("description", "unit", "USD/kg", "allowed", "literature range", "source", spec.description[:30]):
        assert text in res.stdout, text
    doc = _strict_json(invoke_cli("params", "launch.price_usd_per_kg", "--json").stdout)
    assert doc["name"] == spec.name and doc["unit"] == spec.unit and doc["default"] == spec.default
    assert doc["allowed"] == spec.range_text() and doc["range"] == spec.range and doc["source"] == spec.source


def test_params_shows_a_distribution():
    registry = load_registry()
    name = next((n for n, s in registry.items() if s.distribution is not None), None)
    if name is None:
        pytest.skip("no parameter has a distribution yet")
    from typer.testing import CliRunner

    from terawatt.cli import app

    res = CliRunner().invoke(app, ["params", name], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and registry[name].distribution.kind in res.stdout


def test_params_catalog_names(invoke_cli):
    doc = _strict_json(invoke_cli("params", "workload.accelerator", "--json").stdout)
    assert "b200" in doc["catalog_names"]


def test_params_unknown_suggests_prefix_and_exits_2(invoke_cli):
    res = invoke_cli("params", "launch.pricee")
    assert res.exit_code == 2
    assert "no parameter matches" in res.stderr and "Traceback" not in res.stderr


def test_params_subprocess(run_cli):
    proc = run_cli("params", "orbit.altitude_km", "--json")
    _ok(proc)
    assert _strict_json(proc.stdout)["unit"] == "km"


# -------------------------------------------------------------------------------------------- did you mean
@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [("launch.price", "launch.price_usd_per_kg"), ("thermal.emisivity", "thermal.emissivity"),
     ("orbit.alt", "orbit.altitude_km")],
)
def test_unknown_key_suggests_prefix_match_first(invoke_cli, typo, suggestion):
    res = invoke_cli("run", "--set", f"{typo}=1")
    assert res.exit_code == 2
    assert f"did you mean {suggestion!r}" in res.stderr


# ------------------------------------------------------------------------------------------------------ init
@pytest.mark.parametrize("base", [None, "suncatcher", "musk-2026"])
def test_init_file_loads_and_reproduces_its_base(invoke_cli, tmp_path, base):
    path = tmp_path / "mine.yaml"
    res = invoke_cli("init", path, *(["--from", base] if base else []))
    _ok(res)
    text = path.read_text(encoding="utf-8")
    assert "# " in text and "Source:" in text and "allowed" in text
    data = yaml.safe_load(text)
    assert data["name"] == "mine" and data.get("based_on") == base
    assert data["orbit"]["altitude_km"] == (terawatt.load_scenario(base)["orbit.altitude_km"])
    mine = terawatt.evaluate(terawatt.load_scenario(path))
    ref = terawatt.evaluate(base)
    for key in ("comparison.cost_ratio", "orbital.cost_per_gpu_hour_usd", "terrestrial.cost_per_gpu_hour_usd"):
        assert mine[key] == pytest.approx(ref[key], rel=1e-12), key
    # The file is meant to be edited: a changed line takes effect.
    edited = text.replace(f"  altitude_km: {data['orbit']['altitude_km']}", "  altitude_km: 700.0", 1)
    path.write_text(edited, encoding="utf-8")
    assert terawatt.load_scenario(path)["orbit.altitude_km"] == 700.0


def test_init_comments_every_main_parameter(invoke_cli, tmp_path):
    path = tmp_path / "s.yaml"
    _ok(invoke_cli("init", path))
    lines = path.read_text(encoding="utf-8").splitlines()
    registry = load_registry()
    for i, line in enumerate(lines):
        if line.startswith("  ") and not line.lstrip().startswith("#") and ":" in line:
            assert lines[i - 1].lstrip().startswith("#"), line  # every value has its comment above it
    for name in ("orbit.altitude_km", "launch.price_usd_per_kg"):
        spec = registry[name]
        assert spec.range_text() in " ".join(lines).replace("  # ", " ")


def test_init_refuses_to_overwrite(invoke_cli, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("keep: me\n", encoding="utf-8")
    res = invoke_cli("init", path)
    assert res.exit_code == 2 and "--force" in res.stderr
    assert path.read_text(encoding="utf-8") == "keep: me\n"
    _ok(invoke_cli("init", path, "--force"))
    assert "orbit:" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [(["nowhere/s.yaml"], "does not exist"), (["s.txt"], ".yaml"), (["s.yaml", "--from", "nosuch"], "nosuch")],
)
def test_init_bad_input_exits_2(invoke_cli, tmp_path, args, fragment):
    res = invoke_cli("init", tmp_path / args[0], *args[1:])
    assert res.exit_code == 2 and fragment in res.stderr and "Traceback" not in res.stderr


def test_init_subprocess_then_run(run_cli, tmp_path):
    _ok(run_cli("init", "s.yaml", "--from", "suncatcher", cwd=tmp_path))
    proc = run_cli("run", "s.yaml", "--json", cwd=tmp_path)
    _ok(proc)
    assert _strict_json(proc.stdout)["comparison"]["cost_ratio"] == pytest.approx(
        terawatt.evaluate("suncatcher")["comparison.cost_ratio"], rel=1e-12
    )


# ------------------------------------------------------------------------------------------------ run A B C
def test_run_several_side_by_side(invoke_cli, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nbased_on: suncatcher\nlaunch:\n  price_usd_per_kg: 50\n", encoding="utf-8")
    res = invoke_cli("run", "suncatcher", "skeptic", path)
    _ok(res)
    header = next(line for line in res.stdout.splitlines() if "quantity" in line)
    assert header.index("suncatcher") < header.index("skeptic") < header.index("mine")
    ratio_row = next(line for line in res.stdout.splitlines() if line.strip("│ ").startswith("orbit / ground "))
    for name in ("suncatcher", "skeptic"):
        assert f"{terawatt.evaluate(name)['comparison.cost_ratio']:,.3f}" in ratio_row
    launch_row = next(line for line in res.stdout.splitlines() if "launch price used" in line)
    assert "50.000 USD/kg" in launch_row


def test_run_several_json_and_errors_all_at_once(invoke_cli):
    res = invoke_cli("run", "suncatcher", "musk-2026", "--json", "--flat")
    _ok(res)
    docs = _strict_json(res.stdout)["scenarios"]
    assert [d["scenario"] for d in docs] == ["suncatcher", "musk-2026"]
    assert docs[1]["comparison.cost_ratio"] == pytest.approx(terawatt.evaluate("musk-2026")["comparison.cost_ratio"])
    bad = invoke_cli("run", "suncatcher", "nosuch", "--set", "orbit.altitude_km=1")
    assert bad.exit_code == 2
    assert "suncatcher: orbit.altitude_km" in bad.stderr and "nosuch" in bad.stderr


def test_run_single_unchanged(invoke_cli):
    one = invoke_cli("run", "suncatcher")
    _ok(one)
    assert "terawatt run: suncatcher" in one.stdout and "orbital design" in one.stdout


def test_run_several_subprocess(run_cli):
    proc = run_cli("run", "suncatcher", "skeptic")
    _ok(proc)
    assert "terawatt run: suncatcher, skeptic" in proc.stdout


# ---------------------------------------------------------------------------------- what decides the answer
def test_run_table_shows_what_decides(invoke_cli):
    res = invoke_cli("run", "suncatcher")
    _ok(res)
    r = terawatt.evaluate("suncatcher")
    out = res.stdout
    assert "what decides the answer" in out
    rows = {
        "launch price used": "orbital.launch_price_usd_per_kg",
        "total dose": "orbital.dose_rad_per_yr",
        "goodput": "orbital.goodput_fraction",
        "availability": "orbital.availability",
        "collision-avoidance outage": "orbital.avoidance_outage_fraction",
    }
    from terawatt.cli._common import fmt

    for label, key in rows.items():
        if key in r:
            line = next(line for line in out.splitlines() if label in line)
            assert fmt(r[key]).split()[0] in line, (label, line)
    for key in ("orbital.feasible", "orbital.radiator_feasible", "orbital.launchable"):
        assert key.split(".")[1].replace("_", " ") in out
    for key in (k for k in r.keys() if ".availability_" in k):  # parts, where the model reports them
        assert key.split(".", 1)[1].removeprefix("availability_").replace("_", " ") in out


def test_run_table_flags_infeasible(invoke_cli):
    res = invoke_cli("run", "--set", "thermal.radiator_temp_k=150")  # colder than the environment: no net flux
    _ok(res)
    line = next(line for line in res.stdout.splitlines() if "radiator feasible" in line)
    assert "NO" in line


# --------------------------------------------------------------------------------- --json, --flat and units
def test_json_no_breakeven_is_null_with_reason(invoke_cli):
    r = terawatt.evaluate("suncatcher")
    assert r["comparison.breakeven_launch_price_usd_per_kg"] < 0  # orbit dearer even with free launch
    doc = _strict_json(invoke_cli("run", "suncatcher", "--json").stdout)
    assert doc["comparison"]["breakeven_launch_price_usd_per_kg"] is None
    assert "free launch" in doc["comparison"]["breakeven_launch_price_note"]


def test_json_breakeven_found_has_no_note(invoke_cli):
    # Dear grid power (2,000 USD/MWh): orbit wins at some launch price, so the break-even exists.
    doc = _strict_json(
        invoke_cli("run", "--set", "terrestrial.electricity_price_usd_per_mwh=2000", "--json").stdout
    )
    value = doc["comparison"]["breakeven_launch_price_usd_per_kg"]
    assert value is not None and value >= 0
    assert doc["comparison"]["breakeven_launch_price_note"] is None


def test_json_sampled_breakeven_null_per_sample():
    sc = terawatt.load_scenario(None, {"terrestrial.electricity_price_usd_per_mwh": [50.0, 2000.0],
                                       "radiation.enabled": False})
    doc = terawatt.evaluate(sc).to_dict(nested=False)
    values = doc["comparison.breakeven_launch_price_usd_per_kg"]
    assert values[0] is None and values[1] is not None and values[1] >= 0
    assert "1 of 2 samples" in doc["comparison.breakeven_launch_price_note"]


def test_json_flat_and_units(invoke_cli):
    nested = _strict_json(invoke_cli("run", "--json").stdout)
    flat = _strict_json(invoke_cli("run", "--json", "--flat").stdout)
    assert flat["comparison.cost_ratio"] == nested["comparison"]["cost_ratio"]
    top_level = ("scenario", "overrides", "units", "notes", "explain")
    assert "comparison" not in flat and all("." in k for k in flat if k not in top_level)
    for doc in (nested, flat):
        units = doc["units"]
        assert units["orbital.cost_per_gpu_hour_usd"] == "USD/GPU-h"
        assert units["orbital.satellite_mass_kg"] == "kg"
        assert units["comparison.breakeven_launch_price_usd_per_kg"] == "USD/kg"
        assert set(units) == set(terawatt.evaluate().keys())


def test_json_flat_subprocess(run_cli):
    proc = run_cli("run", "--json", "--flat")
    _ok(proc)
    doc = _strict_json(proc.stdout)
    assert doc["comparison.cost_ratio"] == pytest.approx(terawatt.evaluate()["comparison.cost_ratio"], rel=1e-12)


def test_timeline_json_breakeven_null_with_reason(invoke_cli):
    doc = _strict_json(invoke_cli("timeline", "suncatcher", "--to", "2028", "--json").stdout)
    for row in doc["years"]:
        value = row["breakeven_launch_price_usd_per_kg"]
        assert value is None or value >= 0
        assert (value is None) == (row["breakeven_launch_price_note"] is not None)


# ------------------------------------------------------------------------------------------------------ --out
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_run_out(invoke_cli, tmp_path, suffix):
    path = tmp_path / f"r{suffix}"
    res = invoke_cli("run", "suncatcher", "skeptic", "--out", path)
    _ok(res)
    frame = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    assert list(frame["scenario"]) == ["suncatcher", "skeptic"]
    assert frame["comparison.cost_ratio"].tolist() == pytest.approx(
        [terawatt.evaluate(n)["comparison.cost_ratio"] for n in ("suncatcher", "skeptic")], rel=1e-12
    )
    assert frame["comparison.breakeven_launch_price_usd_per_kg"].isna().all()
    if suffix == ".parquet":
        assert frame.attrs["units"]["orbital.cost_per_gpu_hour_usd"] == "USD/GPU-h"


def test_run_out_sampled_without_json(invoke_cli, tmp_path):
    spec = tmp_path / "mc.yaml"
    spec.write_text("launch:\n  price_usd_per_kg: [100, 200, 300]\n", encoding="utf-8")
    res = invoke_cli("run", spec, "--out", tmp_path / "mc.csv")
    _ok(res)
    assert len(pd.read_csv(tmp_path / "mc.csv")) == 3


def test_timeline_and_buildout_out(invoke_cli, tmp_path):
    _ok(invoke_cli("timeline", "suncatcher", "--to", "2030", "--out", tmp_path / "t.parquet"))
    tl = pd.read_parquet(tmp_path / "t.parquet")
    assert tl.index.tolist() == list(range(2026, 2031))
    assert tl["comparison.cost_ratio"].tolist() == pytest.approx(
        terawatt.timeline("suncatcher", 2026, 2030).series("comparison.cost_ratio").tolist(), rel=1e-12
    )
    _ok(invoke_cli("buildout", "--to", "2030", "--out", tmp_path / "b.csv"))
    bo = pd.read_csv(tmp_path / "b.csv", index_col="year")
    assert bo.index.tolist() == list(range(2026, 2031)) and "orbit_binding" in bo.columns
    _ok(invoke_cli("breakeven", "--param", "launch.price_usd_per_kg", "--out", tmp_path / "be.csv"))
    assert "message" in pd.read_csv(tmp_path / "be.csv").columns


def test_a_table_that_mixes_numbers_and_names_is_written_to_parquet(invoke_cli, tmp_path):
    """optimize's lever table holds a number for a numeric lever and a name for a choice lever in one column:
    Parquet takes one type per column, so such a column is written as text (an ArrowInvalid traceback before)."""
    _ok(invoke_cli("optimize", "--lever", "satellite.compute_power_w", "--lever", "orbit.eclipse_policy",
                   "--out", tmp_path / "o.parquet"))
    table = pd.read_parquet(tmp_path / "o.parquet")
    assert table.loc["orbit.eclipse_policy", "optimum"] in ("battery", "throttle")
    assert float(table.loc["satellite.compute_power_w", "optimum"]) > 0


@pytest.mark.parametrize("verb", [["run"], ["timeline"], ["buildout"]])
@pytest.mark.parametrize(("name", "fragment"), [("x.xlsx", ".csv or .parquet"), ("nowhere/x.csv", "does not exist")])
def test_out_bad_path_exits_2_before_work(invoke_cli, tmp_path, verb, name, fragment):
    res = invoke_cli(*verb, "--out", tmp_path / name)
    assert res.exit_code == 2 and fragment in res.stderr and "Traceback" not in res.stderr
    assert res.stdout == ""


def test_out_subprocess(run_cli, tmp_path):
    proc = run_cli("run", "--out", "r.csv", cwd=tmp_path)
    _ok(proc)
    assert "terawatt run: default" in proc.stdout and (tmp_path / "r.csv").is_file()


# --------------------------------------------------------------------------------------------------- version
def test_version(invoke_cli, run_cli):
    res = invoke_cli("--version")
    _ok(res)
    assert res.stdout.strip() == f"terawatt {terawatt.__version__}"
    proc = run_cli("--version")
    _ok(proc)
    assert proc.stdout.strip() == f"terawatt {terawatt.__version__}"
