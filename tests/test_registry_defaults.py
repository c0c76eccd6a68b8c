"""Registry defaults are central estimates: each lies inside its own uncertainty distribution."""

from __future__ import annotations

import pytest

from terawatt.params.spec import load_registry

REGISTRY = load_registry()
WITH_DISTRIBUTION = [n for n, s in REGISTRY.items() if s.distribution is not None]


def test_there_are_distributions():
    assert len(WITH_DISTRIBUTION) >= 20


@pytest.mark.parametrize("name", WITH_DISTRIBUTION)
def test_default_inside_its_distribution(name):
    spec, dist = REGISTRY[name], REGISTRY[name].distribution
    if dist.kind in ("uniform", "triangular"):
        assert dist.low is not None and dist.high is not None and dist.low < dist.high
        if dist.kind == "triangular":
            assert dist.mode is not None and dist.low <= dist.mode <= dist.high
        if spec.default is not None:
            assert dist.low <= spec.default <= dist.high, f"default {spec.default} outside [{dist.low}, {dist.high}]"
    else:
        assert dist.mean is not None and dist.sd is not None and dist.sd > 0


DERIVED = [n for n, s in REGISTRY.items() if s.derived_output is not None]
#: Outputs that must not move when a derived parameter is set to the value the model derived for it.
HEADLINE = ("orbital.cost_per_gpu_hour_usd", "terrestrial.cost_per_gpu_hour_usd", "orbital.satellite_mass_kg",
            "orbital.launches", "orbital.radiator_area_m2", "comparison.breakeven_launch_price_usd_per_kg")


def test_derived_parameters_name_their_output():
    assert {"launch.price_usd_per_kg", "thermal.radiator_temp_k"} <= set(DERIVED)


@pytest.mark.parametrize("name", DERIVED)
@pytest.mark.parametrize("scenario", [None, "baseline-2026", "starship-2030"])
def test_derived_output_is_the_value_the_model_used(name, scenario):
    """Setting a derived parameter to its ``derived_output`` (Result.input_value) reproduces the evaluation."""
    from terawatt.model import evaluate
    from terawatt.scenario import load_scenario

    sc = load_scenario(scenario, {name: None})  # left empty (starship-2030 sets a launch price: cleared here)
    spec, r = REGISTRY[name], evaluate(sc)
    assert spec.nullable and spec.derived_output in r.outputs
    value = r.input_value(name)
    assert value == r[spec.derived_output] and value is not None
    again = evaluate(load_scenario(scenario, {name: value}))
    assert again.scenario.values[name] == value
    assert again.input_value(name) == value
    for key in HEADLINE:
        assert again[key] == pytest.approx(r[key], rel=1e-12), key


def test_input_value_of_a_set_parameter_is_the_scenario_value():
    from terawatt.model import evaluate
    from terawatt.scenario import load_scenario

    r = evaluate(load_scenario(None, {"launch.price_usd_per_kg": 250.0}))
    assert r.input_value("launch.price_usd_per_kg") == 250.0
    assert r.input_value("orbit.altitude_km") == r.scenario.values["orbit.altitude_km"]
    with pytest.raises(KeyError):
        r.input_value("orbital.cost_per_gpu_hour_usd")


def test_derived_output_needs_a_nullable_parameter():
    from terawatt.params.spec import ParamSpec

    with pytest.raises(ValueError, match="derived_output"):
        ParamSpec.from_raw("x.y_k", {"unit": "K", "default": 300.0, "description": "d", "source": "s",
                                     "derived_output": "orbital.radiator_temp_k"})


def test_distributions_only_on_inputs_the_steady_state_model_reads():
    """A parameter read by the operations twin alone (``terawatt.twin``) carries no distribution: the Monte Carlo,
    sensitivity and discovery sample every distribution, and an input the model never reads would only add a
    dimension with no effect (three twin-only ones once did: 43 inputs of musk-2026 instead of 40)."""
    from pathlib import Path

    import terawatt

    root = Path(terawatt.__file__).parent
    text = "\n".join(p.read_text() for p in root.rglob("*.py") if "twin" not in p.relative_to(root).parts)
    unread = [name for name, p in load_registry().items() if p.distribution and f'"{name}"' not in text]
    assert not unread, unread
