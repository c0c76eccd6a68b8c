"""The top-level study API (``terawatt.timeline / breakeven / buildout`` with ``to_frame()``) and fast start-up:
lazy imports, the C YAML loader, and caches that agree with direct computation (issue 9)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

import terawatt
from terawatt.physics import ground_solar, orbit
from terawatt.studies.breakeven import solve_breakeven
from terawatt.studies.buildout import buildout as study_buildout
from terawatt.studies.timeline import timeline as study_timeline

HEAVY = ("pvlib", "pandas", "scipy", "matplotlib", "plotly", "pyarrow")


# ------------------------------------------------------------------------------------------------ study API
def test_timeline_api_matches_the_study():
    tl = terawatt.timeline("suncatcher", 2026, 2032)
    ref = study_timeline(terawatt.load_scenario("suncatcher"), 2026, 2032)
    assert tl.crossover_year == ref.crossover_year
    np.testing.assert_array_equal(tl.series("comparison.cost_ratio"), ref.series("comparison.cost_ratio"))
    frame = tl.to_frame()
    assert isinstance(frame, pd.DataFrame) and frame.index.name == "year"
    assert frame.index.tolist() == list(range(2026, 2033))
    np.testing.assert_allclose(frame["comparison.cost_ratio"], ref.series("comparison.cost_ratio"), rtol=0)
    assert frame.attrs["units"]["orbital.cost_per_gpu_hour_usd"] == "USD/GPU-h"
    assert frame["comparison.breakeven_launch_price_usd_per_kg"].isna().all()  # none: not a negative number
    assert frame["comparison.breakeven_launch_price_note"].str.contains("free launch").all()


def test_timeline_api_overrides_and_samples():
    as_list = terawatt.timeline("musk-2026", 2026, 2028, overrides=["launch.price_usd_per_kg=50"])
    as_dict = terawatt.timeline(terawatt.load_scenario("musk-2026"), 2026, 2028,
                                overrides={"launch.price_usd_per_kg": 50})
    np.testing.assert_array_equal(as_list.series("orbital.launch_price_usd_per_kg"), [50.0, 50.0, 50.0])
    np.testing.assert_array_equal(as_list.series("comparison.cost_ratio"), as_dict.series("comparison.cost_ratio"))
    sampled = terawatt.timeline(None, 2026, 2028, overrides={"workload.utilization": [0.7, 0.8]})
    frame = sampled.to_frame()
    assert frame.index.names == ["sample", "year"] and len(frame) == 6
    np.testing.assert_allclose(frame["comparison.cost_ratio"].to_numpy().reshape(2, 3),
                               sampled.series("comparison.cost_ratio"), rtol=0)


def test_breakeven_api():
    sc = terawatt.load_scenario(None, {"terrestrial.electricity_price_usd_per_mwh": 2000.0})  # a root exists
    be = terawatt.breakeven(sc, "launch.price_usd_per_kg")
    ref = solve_breakeven(sc, "launch.price_usd_per_kg")
    assert be.found and be.value == ref.value
    frame = be.to_frame()
    assert frame.loc[frame["nearest"], "value"].item() == pytest.approx(be.value)
    assert frame.attrs["units"]["value"] == "USD/kg"
    none = terawatt.breakeven("suncatcher", "launch.price_usd_per_kg").to_frame()
    assert len(none) == 1 and np.isnan(none["value"].item()) and "no value" in none["message"].item()
    grid = terawatt.breakeven(sc, "launch.price_usd_per_kg", param2="satellite.compute_power_w")
    gf = grid.to_frame()
    assert len(gf) == grid.x.size * grid.y.size and gf.attrs["units"]["launch.price_usd_per_kg"] == "USD/kg"


def test_buildout_api():
    bo = terawatt.buildout("musk-terawatt", 2026, 2030)
    ref = study_buildout(terawatt.load_scenario("musk-terawatt"), 2026, 2030)
    assert bo.rows() == ref.rows()
    frame = bo.to_frame()
    assert frame.index.tolist() == list(range(2026, 2031))
    assert frame["orbit_binding"].tolist() == [row["orbit_binding"] for row in ref.rows()]
    np.testing.assert_allclose(frame["orbit_gw_total"], ref.data["orbit_gw_total"], rtol=0)
    assert frame.attrs["units"]["demand_gw"] == "GW"


def test_api_bad_input_raises_scenario_error():
    with pytest.raises(terawatt.ScenarioError, match="launch.price_usd_per_kg"):
        terawatt.timeline(None, overrides={"launch.price_usd_per_kg": -1})
    with pytest.raises(terawatt.ScenarioError, match="did you mean"):
        terawatt.breakeven(None, "launch.price")
    with pytest.raises(terawatt.ScenarioError):
        terawatt.buildout(None, 2030, 2026)


@pytest.mark.parametrize("name", ["timeline", "breakeven", "buildout", "evaluate", "load_scenario"])
def test_api_functions_documented(name):
    doc = getattr(terawatt, name).__doc__ or ""
    assert "Parameters" in doc and ("Raises" in doc or name == "evaluate"), name
    assert name in dir(terawatt)


# ------------------------------------------------------------------------------------------------- start-up
def _modules_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True)
    return proc.stdout.splitlines()[-1].split() if proc.stdout.strip() else []


def test_import_and_help_load_no_heavy_module():
    assert _modules_after("import terawatt") == []
    help_code = (
        "from terawatt.cli import app\n"
        "try:\n    app(['--help'], prog_name='terawatt')\nexcept SystemExit:\n    pass\n"
        "import sys\nassert 'numpy' not in sys.modules and 'pydantic' not in sys.modules, 'help imports the model'\n"
        "print()"
    )
    assert _modules_after(help_code) == []


def _as_program(call, args: list[str], capsys) -> tuple[str, str, object]:
    """stdout, stderr and exit code of one command line run in-process."""
    code = 0
    try:
        call(args)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return out, err, code


def _command_line_cases() -> list[list[str]]:
    import typer

    from terawatt.cli import app

    verbs = list(typer.main.get_command(app).commands)
    assert {"run", "montecarlo", "claims", "twin"} <= set(verbs)
    return [[], ["--help"], ["--version"], ["--help", "run"], ["--version", "--help"], ["rnu"], ["nosuch"],
            ["--bogus"], ["run", "--bogus"], ["run", "--json", "--set", "orbit.altitude_km=-1"],
            *([verb, "--help"] for verb in verbs)]


def test_the_app_run_as_a_program_answers_as_the_full_build(capsys):
    """``terawatt ...`` builds only the verb it runs (or, for the group's help, the verbs without their options):
    help texts, errors, suggestions and exit codes are those of Typer's full build of every command."""
    import typer

    from terawatt.cli import app

    full = typer.main.get_command(app)
    for args in _command_line_cases():
        expected = _as_program(lambda a: full.main(a, prog_name="terawatt"), args, capsys)
        got = _as_program(lambda a: app(a, prog_name="terawatt"), args, capsys)
        assert got == expected, args
        assert got[2] in (0, 2), args
    assert len(app.registered_commands) == len(full.commands)  # the app is whole again after each run


def test_a_verb_builds_only_itself(monkeypatch, capsys):
    import typer

    from terawatt.cli import app

    built: dict[str, int] = {}  # function name -> parameters read
    original = typer.main.get_params_from_function

    def record(fn):
        params = original(fn)
        built[fn.__name__] = len(params)
        return params

    monkeypatch.setattr(typer.main, "get_params_from_function", record)
    _as_program(lambda a: app(a, prog_name="terawatt"), ["run", "--help"], capsys)
    built.pop("_print_version", None)  # the group's --version callback (Typer reads its signature)
    assert set(built) == {"run", "_root"} and built["run"] > 0  # the verb and the group, no other
    built.clear()
    out, _, code = _as_program(lambda a: app(a, prog_name="terawatt"), ["--help"], capsys)
    assert code == 0 and "montecarlo" in out and built.pop("_root") == 1
    built.pop("_print_version", None)
    assert len(built) == len(app.registered_commands) and not any(built.values())  # listed without their options


def test_scalar_run_loads_no_pvlib_pandas_or_plotting():
    assert _modules_after("import terawatt\nterawatt.evaluate('suncatcher')") == []


def test_yaml_uses_the_c_loader_where_available():
    from terawatt import yamlio

    expected = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader
    assert yamlio.SafeLoader is expected
    assert yamlio.safe_load("a: [1, 2.5, null]\nb: x\n") == {"a": [1, 2.5, None], "b": "x"}
    with pytest.raises(yaml.YAMLError):
        yamlio.safe_load("!!python/object:os.system 1")
    assert yamlio.safe_dump_value(None) == "null" and yamlio.safe_dump_value("x y") == "x y"
    assert yaml.safe_load(yamlio.safe_dump_value([1.5, 2.0])) == [1.5, 2.0]


# ---------------------------------------------------------------------------------- caches agree with direct
def test_shipped_ground_solar_table_matches_pvlib():
    shipped = ground_solar._shipped_yields()
    sites = ground_solar.load_sites()
    assert set(shipped) == {(s, m) for s in sites for m in ground_solar.MOUNTINGS}  # rebuild when sites change
    for (site, mounting), row in shipped.items():
        direct = ground_solar.simulate_default_yield(site, mounting)
        for field in dataclasses.fields(direct):
            a, b = getattr(row, field.name), getattr(direct, field.name)
            if isinstance(a, float):
                assert a == pytest.approx(b, rel=1e-9), (site, mounting, field.name)
            else:
                assert a == b, (site, mounting, field.name)
    assert ground_solar.site_annual_yield("miami-fl", "single_axis") is shipped[("miami-fl", "single_axis")]


def test_compiled_registry_is_the_checked_one(tmp_path, monkeypatch):
    """The registry built from the cache folder's compiled entry is the one read and checked from the files (every
    field, with its type), and a changed source (size or time) makes the entry again."""
    from terawatt import yamlio
    from terawatt.params import spec

    monkeypatch.setenv("TERAWATT_CACHE_DIR", str(tmp_path))
    checked = spec._checked_registry()
    spec.load_registry.cache_clear()
    try:
        first = spec.load_registry()  # made and stored
        spec.load_registry.cache_clear()
        again = spec.load_registry()  # read back
    finally:
        spec.load_registry.cache_clear()
    assert len(list(tmp_path.glob("registry-*.marshal"))) == 1
    for registry in (first, again):
        assert list(registry) == list(checked) and registry == checked
        for name, entry in registry.items():
            assert {k: (type(v), v) for k, v in vars(entry).items()} == {
                k: (type(v), v) for k, v in vars(checked[name]).items()}, name
    source = tmp_path / "source.txt"
    source.write_text("1")
    builds = []
    make = lambda: builds.append(1) or [source.read_text()]  # noqa: E731
    assert yamlio.load_compiled("probe", [source], make) == ["1"] == yamlio.load_compiled("probe", [source], make)
    assert len(builds) == 1
    source.write_text("22")
    assert yamlio.load_compiled("probe", [source], make) == ["22"] and len(builds) == 2
    monkeypatch.setenv("TERAWATT_CACHE_DIR", "")
    assert yamlio.load_compiled("probe", [source], make) == ["22"] and len(builds) == 3  # no cache: built


def test_table_is_bypassed_for_non_default_options():
    direct = ground_solar.site_annual_yield("greensboro-nc", "single_axis", albedo=0.3)
    assert direct.albedo == 0.3
    assert direct is not ground_solar._shipped_yields()[("greensboro-nc", "single_axis")]


def test_system_loss_default_is_pvlib_s():
    pvlib = pytest.importorskip("pvlib")
    assert ground_solar.DEFAULT_SYSTEM_LOSS_FRACTION == pytest.approx(pvlib.pvsystem.pvwatts_losses() / 100, rel=1e-15)


def test_evaluate_with_and_without_the_ground_table_agree(monkeypatch):
    scenario = terawatt.load_scenario(None, {"terrestrial.power_source": "solar_storage"})
    cached = terawatt.evaluate(scenario)
    monkeypatch.setattr(ground_solar, "_shipped_yields", lambda: {})
    direct = terawatt.evaluate(scenario)
    for key in cached.keys():
        a, b = cached[key], direct[key]
        if isinstance(a, float) and np.isfinite(a):
            assert a == pytest.approx(b, rel=1e-9), key


@pytest.mark.parametrize(("alt", "inc", "ltan"), [(650.0, np.nan, 18.0), (550.0, 53.0, 10.0), (1200.0, 97.0, 6.0)])
def test_scalar_eclipse_cache_matches_direct(alt, inc, ltan):
    orbit._scalar_eclipse_stats.cache_clear()
    first = orbit.eclipse_stats_fast(alt, inc, ltan)
    again = orbit.eclipse_stats_fast(np.float64(alt), inc, ltan)
    assert again is first  # memoised
    direct = orbit.annual_eclipse_stats(alt, inc, ltan)
    through_arrays = orbit.eclipse_stats_fast(np.array([alt, alt]), np.array([inc, inc]), np.array([ltan, ltan]))
    for field in ("sunlit_fraction", "eclipse_days_per_yr", "max_eclipse_min"):
        assert getattr(first, field) == getattr(direct, field)
        assert getattr(through_arrays, field)[0] == getattr(first, field)


def test_scalar_eclipse_cache_does_not_hide_errors():
    with pytest.raises(ValueError):
        orbit.eclipse_stats_fast(-5.0, np.nan, 18.0)
    with pytest.raises(ValueError):
        orbit.eclipse_stats_fast(650.0, np.nan, 18.0, model="bogus")
