"""Scenario input: bad values are refused by the CLI (exit 2, nothing computed) and by the Python API
(:class:`ScenarioError` naming the dotted key, its unit and allowed range); files, ``based_on``, arrays of
samples, and the integrity of the parameter registry.

CLI checks run in-process through Typer's runner (the same ``app``; see ``invoke_cli`` in conftest.py); one
real-subprocess check of exit code 2 is in test_cli.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml

from terawatt.catalogs import CATALOGS, load_catalog
from terawatt.params import load_registry
from terawatt.scenario import Scenario, ScenarioError, load_scenario, shipped_scenarios, validate_values
from terawatt.validation import load_cases

REGISTRY = load_registry()
NUMERIC = [name for name, spec in REGISTRY.items() if spec.kind in ("float", "int")]


def api_error(source=None, overrides=None) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(source, overrides)
    return info.value


def assert_refused(result, *fragments: str) -> None:
    """Exit 2, nothing computed (empty stdout), no traceback, and each fragment in the error text."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "error: invalid input" in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


# ------------------------------------------------------------------------------------------ bad --set values
@dataclass(frozen=True)
class Bad:
    item: str  # as given to --set
    key: str  # dotted key the error must name
    fragments: tuple[str, ...]  # must appear in the message (value, unit, allowed range, suggestions)


BAD_SET = {
    "unknown-key": Bad("orbit.altitude_kn=550", "orbit.altitude_kn",
                       ("unknown parameter", "'orbit.altitude_km'")),
    "type-text": Bad("orbit.altitude_km=abc", "orbit.altitude_km", ("'abc'", "km", "[150, 50000] km")),
    "type-int": Bad("thermal.sides=1.5", "thermal.sides", ("1.5", "integer", "[1, 2]")),
    "type-bool": Bad("orbit.altitude_km=true", "orbit.altitude_km", ("True", "km", "[150, 50000] km")),
    "negative-power": Bad("workload.it_power_w=-5", "workload.it_power_w", ("-5 W", "[1, 1e+13] W")),
    "emissivity-above-1": Bad("thermal.emissivity=1.2", "thermal.emissivity", ("1.2", "(0, 1]")),
    "altitude-too-low": Bad("orbit.altitude_km=100", "orbit.altitude_km",
                            ("100 km", "150", "[150, 50000] km")),
    "unknown-catalog-name": Bad(
        "workload.accelerator=h200x", "workload.accelerator", ("'h200x'", "h100", "b200", "gb300", "tpu-v6e")
    ),
    "unknown-vehicle": Bad("launch.vehicle=saturn-v", "launch.vehicle",
                           ("'saturn-v'", "falcon9", "starship")),
    "unknown-choice": Bad("orbit.eclipse_policy=sometimes", "orbit.eclipse_policy",
                          ("'sometimes'", "battery", "throttle")),
    "empty-required": Bad("orbit.altitude_km=", "orbit.altitude_km",
                          ("must not be empty", "[150, 50000] km")),
}

CASES = [pytest.param(case, id=name) for name, case in BAD_SET.items()]


@pytest.mark.parametrize("case", CASES)
def test_bad_set_raises_scenario_error_naming_the_key(case: Bad):
    err = api_error(None, [case.item])
    assert [e.path for e in err.errors] == [case.key]
    assert str(err).startswith(f"{case.key}: ")


@pytest.mark.parametrize("case", CASES)
def test_bad_set_api_message_names_unit_range_and_choices(case: Bad):
    message = str(api_error(None, [case.item]))
    for fragment in case.fragments:
        assert fragment in message, (fragment, message)


@pytest.mark.parametrize("case", CASES)
def test_bad_set_cli_exits_2_and_computes_nothing(invoke_cli, case: Bad):
    assert_refused(invoke_cli("run", "--set", case.item), case.key)


@pytest.mark.parametrize("case", CASES)
def test_bad_set_cli_prints_the_api_message(invoke_cli, case: Bad):
    result = invoke_cli("run", "--set", case.item)
    assert_refused(result, *case.fragments)
    for error in api_error(None, [case.item]).errors:
        assert str(error) in result.stderr


def test_bool_for_a_float_in_the_api():
    err = api_error(None, {"thermal.emissivity": True})
    assert [e.path for e in err.errors] == ["thermal.emissivity"]
    assert "True" in str(err)


def test_unknown_key_without_close_match_still_names_it():
    err = api_error(None, {"foo.bar": 1})
    assert [e.path for e in err.errors] == ["foo.bar"]
    assert "unknown parameter" in str(err)


def test_unknown_section_suggests_by_leaf_name():
    err = api_error({"orbitt": {"altitude_km": 550}})
    assert "orbitt.altitude_km" in str(err) and "'orbit.altitude_km'" in str(err)


def test_malformed_set_item(invoke_cli):
    err = api_error(None, ["orbit.altitude_km"])
    assert "section.key=value" in str(err)
    assert_refused(invoke_cli("run", "--set", "orbit.altitude_km"), "orbit.altitude_km", "section.key=value")


@pytest.mark.parametrize("value", ["[/]", "[bold]x", "[km]"])
def test_markup_like_value_is_reported_verbatim(invoke_cli, value):
    assert_refused(invoke_cli("run", "--set", f"workload.accelerator={value}"), f"'{value}'")


def test_several_bad_fields_are_all_reported_at_once(invoke_cli):
    items = ["orbit.altitude_km=100", "thermal.emissivity=1.2", "orbit.altitude_kn=5",
             "workload.accelerator=h200x", "orbit.eclipse_policy=sometimes"]
    keys = [i.split("=")[0] for i in items]
    err = api_error(None, items)
    assert sorted(e.path for e in err.errors) == sorted(keys)
    result = invoke_cli("run", *[arg for item in items for arg in ("--set", item)])
    assert_refused(result, "5 problems", *keys)


def test_bad_fields_from_file_and_set_reported_together(invoke_cli, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("orbit:\n  altitude_km: 100\nthermal.emissivity: 1.2\n", encoding="utf-8")
    err = api_error(path, ["workload.it_power_w=-5"])
    paths = sorted(e.path for e in err.errors)
    assert paths == ["orbit.altitude_km", "thermal.emissivity", "workload.it_power_w"]
    assert_refused(invoke_cli("run", path, "--set", "workload.it_power_w=-5"), "3 problems")


# ------------------------------------------------------------------------------------------------- bad files
def test_malformed_yaml(invoke_cli, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("orbit:\n  altitude_km: [550\n", encoding="utf-8")
    err = api_error(path)
    assert [e.path for e in err.errors] == [str(path)]
    assert "malformed YAML" in str(err) and "line" in str(err)
    assert_refused(invoke_cli("run", path), "malformed YAML")


@pytest.mark.parametrize(
    "tagged",
    [
        'orbit: !!python/object/apply:os.system ["echo hi > {marker}"]',
        '!!python/object/apply:os.system ["echo hi > {marker}"]',
        "orbit:\n  altitude_km: !!python/object/new:os.system [\"echo hi > {marker}\"]",
    ],
    ids=["section", "document", "value"],
)
def test_yaml_python_object_tag_is_refused_and_not_executed(invoke_cli, tmp_path, tagged):
    marker = tmp_path / "executed"
    path = tmp_path / "evil.yaml"
    path.write_text(tagged.format(marker=marker) + "\n", encoding="utf-8")
    err = api_error(path)
    assert [e.path for e in err.errors] == [str(path)]
    assert "not allowed" in str(err)
    assert_refused(invoke_cli("run", path), "not allowed")
    assert not marker.exists()


def test_missing_scenario_file(invoke_cli, tmp_path):
    path = tmp_path / "nope.yaml"
    err = api_error(path)
    assert [e.path for e in err.errors] == [str(path)]
    assert "not found" in str(err)
    assert_refused(invoke_cli("run", path), "not found")


def test_unknown_shipped_name_suggests_and_lists(invoke_cli):
    err = api_error("suncatchr")
    assert "'suncatcher'" in str(err)
    for name in shipped_scenarios():
        assert name in str(err)
    assert_refused(invoke_cli("run", "suncatchr"), "'suncatcher'")


def test_scenario_file_must_be_a_mapping(invoke_cli, tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n", encoding="utf-8")
    assert "mapping" in str(api_error(path))
    assert_refused(invoke_cli("run", path), "mapping")


def test_non_utf8_file_is_bad_input(invoke_cli, tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    err = api_error(path)
    assert [e.path for e in err.errors] == [str(path)]
    assert_refused(invoke_cli("run", path), str(path))


def test_bad_validation_case_file_exits_2(invoke_cli, tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text("id: no-expectations\nsource: test\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="expect"):
        load_cases([path])
    assert_refused(invoke_cli("validate", "--only", path), "expect")


def test_array_scenario_table_refused_but_json_works(invoke_cli, tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text("orbit:\n  altitude_km: [550, 650]\n", encoding="utf-8")
    table = invoke_cli("run", path)
    assert table.exit_code == 2 and table.stdout == ""
    assert "--json" in table.stderr
    as_json = invoke_cli("run", path, "--json")
    assert as_json.exit_code == 0, as_json.stderr
    assert '"scenario": "sweep"' in as_json.stdout


# --------------------------------------------------------------------------------------------------- the API
def test_defaults():
    s = load_scenario()
    assert isinstance(s, Scenario)
    assert s.name == "default"
    assert s.overrides == {}
    assert s.n_samples == 1
    assert s.values == {name: spec.default for name, spec in REGISTRY.items()}


def test_dict_with_nested_and_dotted_keys_and_metadata():
    s = load_scenario(
        {
            "name": "mine",
            "description": "a test",
            "sources": "one source",
            "orbit": {"altitude_km": 550, "eclipse_policy": "throttle"},
            "thermal.emissivity": 0.8,
            "thermal": {"sides": 1},
        }
    )
    assert (s.name, s.description, s.sources) == ("mine", "a test", ("one source",))
    assert s["orbit.altitude_km"] == 550.0 and isinstance(s["orbit.altitude_km"], float)
    assert s["orbit.eclipse_policy"] == "throttle"
    assert s["thermal.emissivity"] == 0.8
    assert s["thermal.sides"] == 1 and isinstance(s["thermal.sides"], int)
    assert set(s.overrides) == {
        "orbit.altitude_km", "orbit.eclipse_policy", "thermal.emissivity", "thermal.sides"
    }
    untouched = set(REGISTRY) - set(s.overrides)
    assert all(s[k] == REGISTRY[k].default for k in untouched)


def test_nested_and_dotted_forms_are_equivalent():
    nested = load_scenario({"orbit": {"altitude_km": 550}, "launch": {"price_usd_per_kg": 300}})
    dotted = load_scenario({"orbit.altitude_km": 550, "launch.price_usd_per_kg": 300})
    assert nested.values == dotted.values


def test_overrides_apply_last_as_mapping_or_set_strings():
    by_map = load_scenario("suncatcher", {"launch.price_usd_per_kg": 999})
    by_set = load_scenario("suncatcher", ["launch.price_usd_per_kg=999", "orbit.inclination_deg=none"])
    assert by_map["launch.price_usd_per_kg"] == by_set["launch.price_usd_per_kg"] == 999.0
    assert by_set["orbit.inclination_deg"] is None  # nullable: empty means derived
    assert by_map["workload.accelerator"] == "tpu-v6e"  # the rest of suncatcher stays


def test_integers_and_numeric_text_are_coerced(tmp_path):
    assert load_scenario(None, {"thermal.sides": 2.0})["thermal.sides"] == 2
    assert isinstance(load_scenario(None, {"thermal.sides": 2.0})["thermal.sides"], int)
    # YAML 1.1 reads 5.5e2 (no sign in the exponent) as text; the value is still a number
    path = tmp_path / "exp.yaml"
    path.write_text("orbit:\n  altitude_km: 5.5e2\n", encoding="utf-8")
    assert load_scenario(path)["orbit.altitude_km"] == 550.0


def test_file_name_defaults_to_stem(tmp_path):
    path = tmp_path / "my-run.yaml"
    path.write_text("orbit.altitude_km: 600\n", encoding="utf-8")
    s = load_scenario(path)
    assert s.name == "my-run" and s.path == path


def test_empty_file_is_the_defaults(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    assert load_scenario(path).values == load_scenario().values


def test_with_overrides_validates_and_merges():
    base = load_scenario(None, {"orbit.altitude_km": 550})
    more = base.with_overrides({"thermal.emissivity": 0.85})
    assert more["orbit.altitude_km"] == 550.0 and more["thermal.emissivity"] == 0.85
    with pytest.raises(ScenarioError, match="thermal.emissivity"):
        base.with_overrides({"thermal.emissivity": 2.0})


def _errors(call) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as info:
        call()
    return [(e.path, e.message) for e in info.value.errors]


@pytest.mark.parametrize("new", [
    {"thermal.emissivity": 2.0},
    {"orbit.altitude_km": -5, "nope.key": 1, "thermal.emissivity": "x"},  # replaces a valid override with a bad one
    {"thermal.emissivity": np.array([0.5, 2.0, 3.0]), "solar.cell_efficiency": np.array([0.2, 0.3])},
    {"workload.accelerator": "H1OO", "orbit.altitude_km": np.array([500.0, np.nan, 600.0])},
])
def test_with_overrides_reports_exactly_what_a_full_validation_reports(new):
    """Only new overrides are checked, but the errors (paths, messages, order) are those of validating them all."""
    base = load_scenario(None, {"orbit.altitude_km": 550, "thermal.emissivity": np.array([0.8, 0.9, 0.85])})
    assert _errors(lambda: base.with_overrides(new)) == _errors(lambda: validate_values({**base.overrides, **new}))


def test_with_overrides_does_not_check_again_what_it_carries_over(monkeypatch):
    import terawatt.scenario as scenario_module

    samples = {"orbit.altitude_km": np.linspace(500, 600, 8), "thermal.emissivity": np.linspace(0.8, 0.9, 8)}
    base = load_scenario(None).with_overrides(samples)
    checked: list[str] = []
    original = scenario_module._check_value
    monkeypatch.setattr(scenario_module, "_check_value",
                        lambda spec, value, *rest: (checked.append(spec.name), original(spec, value, *rest))[1])
    more = base.with_overrides({"solar.cell_efficiency": np.full(8, 0.3)})
    assert checked == ["solar.cell_efficiency"]
    assert np.array_equal(more["orbit.altitude_km"], samples["orbit.altitude_km"])
    # a carried-over key given a new object is checked again
    checked.clear()
    base.with_overrides({"orbit.altitude_km": np.linspace(500, 600, 8)})
    assert checked == ["orbit.altitude_km"]


def _sampled_rows(n: int = 64) -> tuple[Scenario, dict[str, np.ndarray]]:
    from terawatt.studies.uncertainty import SampleDesign, check_scenario

    scenario, space = check_scenario("musk-2026")
    return scenario, SampleDesign(space, n, 3, "lhs").rows(0, n)


def _same_scenario(a: Scenario, b: Scenario) -> None:
    assert a.values.keys() == b.values.keys() and a.overrides.keys() == b.overrides.keys()
    for key, x in a.values.items():
        y = b.values[key]
        assert type(x) is type(y), key
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.tobytes() == y.tobytes() and x.flags.writeable == y.flags.writeable, key
        else:
            assert x == y or (x != x and y != y), key
    assert (a.name, a.trajectories, a.uncertainty) == (b.name, b.trajectories, b.uncertainty)
    assert {k: v[0] for k, v in a.checked.items()}.keys() == {k: v[0] for k, v in b.checked.items()}.keys()


def test_with_overrides_in_range_gives_the_scenario_of_the_full_check():
    """Rows of a sampled design (integer parameters among them) taken as in range: the scenario, and every output
    evaluated from it, are bitwise those of the full check."""
    import terawatt

    scenario, rows = _sampled_rows()
    registry = load_registry()
    assert any(registry[k].kind == "int" for k in rows) and any(registry[k].kind == "float" for k in rows)
    trusted, checked = scenario.with_overrides(rows, in_range=True), scenario.with_overrides(rows)
    _same_scenario(trusted, checked)
    a, b = terawatt.evaluate(trusted), terawatt.evaluate(checked)
    for key in a.keys():
        x, y = np.asarray(a[key]), np.asarray(b[key])
        assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), key


def test_with_overrides_in_range_skips_only_the_per_sample_check(monkeypatch):
    import terawatt.scenario as scenario_module

    scenario, rows = _sampled_rows()
    called: list[str] = []
    original = scenario_module._check_value
    monkeypatch.setattr(scenario_module, "_check_value",
                        lambda spec, value, *rest: (called.append(spec.name), original(spec, value, *rest))[1])
    scenario.with_overrides({**rows, "thermal.emissivity": 0.85}, in_range=True)
    assert called == ["thermal.emissivity"]  # a scalar is checked; the float64 rows are not, sample by sample


@pytest.mark.parametrize("in_range", [False, True])
def test_with_overrides_bad_rows_report_every_bad_field(in_range):
    """What the rows' guarantee does not cover is reported, every field at once, either way: unknown names, a
    text value, a 2-D or an empty array, rows of different lengths, a bad scalar."""
    scenario, rows = _sampled_rows(8)
    bad = {**rows, "thermal.emissivityy": rows["thermal.emissivity"], "thermal.emissivity": 3.0,
           "solar.cell_efficiency": np.full((2, 4), 0.3), "launch.vehicle": np.zeros(8),
           "terrestrial.pue": np.array([], dtype=float)}
    errors = _errors(lambda: scenario.with_overrides(bad, in_range=in_range))
    assert sorted(path for path, _ in errors) == ["launch.vehicle", "solar.cell_efficiency", "terrestrial.pue",
                                                  "thermal.emissivity", "thermal.emissivityy"]
    errors = dict(errors)
    assert "did you mean 'thermal.emissivity'" in errors["thermal.emissivityy"]
    assert "allowed range" in errors["thermal.emissivity"] and "shape (2, 4)" in errors["solar.cell_efficiency"]
    uneven = {**rows, "thermal.fin_efficiency": np.full(5, 0.9)}
    assert [p for p, _ in _errors(lambda: scenario.with_overrides(uneven, in_range=in_range))] == ["<samples>"]
    # out of range and not promised in range: every such field, with its unit and range
    if not in_range:
        out = {**rows, "satellite.lifetime_yr": np.full(8, -1.0), "thermal.emissivity": np.full(8, np.nan)}
        errors = _errors(lambda: scenario.with_overrides(out))
        assert sorted(p for p, _ in errors) == ["satellite.lifetime_yr", "thermal.emissivity"]
        errors = sorted(errors)
        assert " yr is not" in errors[0][1] and "allowed range" in errors[1][1]


def test_float_sample_arrays_are_read_only_views_and_other_dtypes_are_converted():
    given = np.linspace(500.0, 600.0, 5)
    sc = load_scenario(None).with_overrides({"orbit.altitude_km": given})
    value = sc["orbit.altitude_km"]
    assert np.shares_memory(value, given) and not value.flags.writeable and given.flags.writeable
    ints = load_scenario(None).with_overrides({"orbit.altitude_km": np.array([500, 600])})["orbit.altitude_km"]
    assert ints.dtype == np.float64 and ints.tolist() == [500.0, 600.0]


# --------------------------------------------------------------------------------------------------- based_on
def _write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_based_on_chain(tmp_path):
    parent = _write(tmp_path / "parent.yaml", {"name": "parent", "based_on": "suncatcher",
                                               "orbit": {"altitude_km": 700}, "launch.price_usd_per_kg": 300})
    child = _write(tmp_path / "child.yaml", {"based_on": str(parent), "launch": {"price_usd_per_kg": 50}})
    s = load_scenario(child)
    assert s.name == "child"  # metadata is the file's own
    assert s["launch.price_usd_per_kg"] == 50.0  # child beats parent
    assert s["orbit.altitude_km"] == 700.0  # parent beats suncatcher
    assert s["workload.accelerator"] == "tpu-v6e"  # from suncatcher
    assert s["satellite.compute_power_w"] == 2.8e4


def test_based_on_cycle_is_an_error(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    _write(a, {"based_on": str(b)})
    _write(b, {"based_on": str(a)})
    assert "cycle" in str(api_error(a))
    _write(a, {"based_on": str(a)})
    assert "cycle" in str(api_error(a))


def test_based_on_unknown_is_an_error(tmp_path):
    path = _write(tmp_path / "x.yaml", {"based_on": "no-such-scenario"})
    assert "no-such-scenario" in str(api_error(path))


def test_based_on_relative_to_the_file(tmp_path, monkeypatch):
    folder = tmp_path / "studies"
    folder.mkdir()
    _write(folder / "parent.yaml", {"orbit": {"altitude_km": 700}})
    child = _write(folder / "child.yaml", {"based_on": "parent.yaml"})
    monkeypatch.chdir(tmp_path)
    assert load_scenario(child)["orbit.altitude_km"] == 700.0


def test_based_on_in_a_mapping():
    s = load_scenario({"based_on": "suncatcher", "orbit.altitude_km": 700})
    assert s["workload.accelerator"] == "tpu-v6e"
    assert s["orbit.altitude_km"] == 700.0


# ------------------------------------------------------------------------------------------- array overrides
def test_array_values_are_validated_elementwise_and_kept():
    alt = np.array([500.0, 650.0, 800.0])
    s = load_scenario(None, {"orbit.altitude_km": alt, "thermal.sides": np.array([1, 2, 2])})
    assert s.n_samples == 3
    np.testing.assert_array_equal(s["orbit.altitude_km"], alt)
    assert np.issubdtype(s["thermal.sides"].dtype, np.integer)
    assert load_scenario(None, {"orbit.altitude_km": [500, 600]}).n_samples == 2  # lists (as from YAML) too


@pytest.mark.parametrize(
    ("key", "values", "count"),
    [
        ("orbit.altitude_km", [500.0, 100.0, 600.0], "1 of 3"),
        ("orbit.altitude_km", [500.0, 100.0, 600.0, 60000.0], "2 of 4"),
        ("orbit.altitude_km", [500.0, np.nan], "1 of 2"),
        ("thermal.sides", [1.0, 2.0, 1.5], "1 of 3"),
        ("thermal.emissivity", [0.9, 0.0], "1 of 2"),  # exclusive lower bound
    ],
)
def test_array_with_bad_elements_is_rejected_with_a_count(key, values, count):
    err = api_error(None, {key: np.array(values)})
    assert [e.path for e in err.errors] == [key]
    message = err.errors[0].message
    assert f"{count} samples" in message
    assert REGISTRY[key].range_text() in message


def test_array_of_booleans_is_rejected():
    err = api_error(None, {"orbit.altitude_km": np.array([True, False])})
    assert [e.path for e in err.errors] == ["orbit.altitude_km"]


def test_arrays_must_share_one_length():
    err = api_error(None, {"orbit.altitude_km": np.array([500.0, 600.0]),
                           "thermal.emissivity": np.array([0.8, 0.85, 0.9])})
    message = str(err)
    assert "one length" in message and "[2, 3]" in message
    ok = load_scenario(None, {"orbit.altitude_km": np.array([500.0, 600.0]),
                              "thermal.emissivity": np.array([0.8, 0.9])})
    assert ok.n_samples == 2


# ----------------------------------------------------------------------------------------- registry integrity
@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_registry_entry_is_documented(name):
    spec = REGISTRY[name]
    assert re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", name)
    assert spec.description.strip(), "description"
    assert spec.source.strip(), "source"
    assert spec.unit.strip(), "unit"


@pytest.mark.parametrize("name", NUMERIC)
def test_registry_numeric_default_within_bounds(name):
    spec = REGISTRY[name]
    if spec.min is not None and spec.max is not None:
        assert spec.min < spec.max
    if spec.default is None:
        assert spec.nullable
        return
    value = spec.default
    assert isinstance(value, (int, float)) and not isinstance(value, bool)
    if spec.kind == "int":
        assert isinstance(value, int)
    if spec.min is not None:
        assert value > spec.min if spec.min_exclusive else value >= spec.min
    if spec.max is not None:
        assert value < spec.max if spec.max_exclusive else value <= spec.max


@pytest.mark.parametrize("name", [n for n in NUMERIC if REGISTRY[n].range or REGISTRY[n].distribution])
def test_registry_literature_range_and_distribution_within_bounds(name):
    spec = REGISTRY[name]
    lo = -np.inf if spec.min is None else spec.min
    hi = np.inf if spec.max is None else spec.max
    if spec.range:
        assert lo <= spec.range[0] <= spec.range[1] <= hi
    dist = spec.distribution
    if dist is not None and dist.low is not None and dist.high is not None:
        assert lo <= dist.low <= dist.high <= hi


# catalogs/__init__.py load_catalog returns the YAML file as read; sites.yaml nests its entries under a
# top-level "sites:" key, so load_catalog("sites") == {"sites": {...}} and every site name (the default
# included) is refused.
TEXT_PARAMS = [
    pytest.param(n)
    for n, s in REGISTRY.items()
    if s.kind == "str"
]


@pytest.mark.parametrize("name", TEXT_PARAMS)
def test_registry_text_default_is_a_valid_name(name):
    spec = REGISTRY[name]
    assert isinstance(spec.default, str)
    assert bool(spec.choices) != bool(spec.catalog), "names come from choices or from a catalog"
    if spec.choices:
        assert spec.default in spec.choices
    if spec.catalog:
        assert spec.catalog in CATALOGS
        assert spec.default in load_catalog(spec.catalog)


@pytest.mark.parametrize(
    ("key", "catalog"), [("workload.accelerator", "accelerators"), ("launch.vehicle", "vehicles")]
)
def test_every_catalog_name_is_accepted(key, catalog):
    for slug in load_catalog(catalog):
        assert load_scenario(None, {key: slug})[key] == slug


def test_every_site_is_accepted():
    from terawatt.physics.ground_solar import load_sites

    for slug in load_sites():
        assert load_scenario(None, {"terrestrial.solar_site": slug})["terrestrial.solar_site"] == slug


def test_registry_defaults_pass_validation():
    given = {name: spec.default for name, spec in REGISTRY.items() if spec.default is not None}
    assert validate_values(given) == load_scenario().values


@pytest.mark.parametrize("name", sorted(shipped_scenarios()))
def test_every_shipped_scenario_loads(name):
    s = load_scenario(name)
    assert s.name == name
    assert s.description.strip()
    assert s.sources and all(src.strip() for src in s.sources)
    assert s.overrides and s.n_samples == 1
    assert set(s.overrides) <= set(REGISTRY)
