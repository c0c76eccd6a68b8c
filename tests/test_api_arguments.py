"""The Python API refuses arguments of the wrong kind as the command line does: a ScenarioError naming the option,
never a TypeError or ValueError from deep inside (each case below was one, found by fuzzing the API's keywords
with values of other kinds), and never an allocation that exhausts memory."""

from __future__ import annotations

import numpy as np
import pytest

import terawatt
from terawatt.errors import ScenarioError

CASES = [
    ("timeline", {"scenario": [1, 2]}, "scenario"),
    ("timeline", {"scenario": float("nan")}, "scenario"),
    ("timeline", {"start": []}, "--from"),
    ("timeline", {"overrides": 1.5}, "--set"),
    ("timeline", {"overrides": [1, 2]}, "--set"),
    ("buildout", {"end": object()}, "--to"),
    ("breakeven", {"param": [1]}, "--param"),
    ("breakeven", {"param2": 0}, "--param2"),
    ("breakeven", {"target_ratio": "x"}, "--target-ratio"),
    ("breakeven", {"year": object()}, "year"),
    ("claims", {"ids": True}, "ID"),
    ("claims", {"scenario": {}}, "--scenario"),
    ("claims", {"seed": "x"}, "--seed"),
    ("claims", {"files": [1]}, "--file"),
    ("claims", {"samples": 10**30}, "samples"),  # a population of 1e30 samples: the process was killed
    ("discover", {"year": 2030, "n": 256, "alpha": [1]}, "--alpha"),
    ("montecarlo", {"n": 64, "out": True}, "--out"),
    ("montecarlo", {"n": 64, "scheduler": 5}, "--scheduler"),
    ("montecarlo", {"n": 64, "overrides": np.array([1.0, 2.0])}, "--set"),
    ("montecarlo_buildout", {"n": 64, "out": 3}, "--out"),
    ("sensitivity", {"method": np.array([1.0, 2.0])}, "--method"),
    ("sensitivity", {"output": 10**30, "method": "morris", "n": 16}, "--output"),
    ("optimize", {"objective": True}, "--objective"),
    ("optimize", {"levers": True}, "--lever"),
    ("reconcile", {"preset": "semianalysis-2026", "year": ""}, "year"),
    ("reconcile", {"preset": "semianalysis-2026", "metric": np.array([1.0, 2.0])}, "--metric"),
    ("montecarlo_buildout", {"n": 64, "sampler": np.array([1.0, 2.0])}, "--sampler"),
    ("twin", {"satellites": 81, "hours": 1, "overrides": object()}, "--set"),
    ("twin", {"satellites": 81, "hours": 1, "isl_range_m": np.array([1.0, 2.0])}, "twin.isl_range_m"),
    ("twin", {"satellites": 81, "hours": 1, "step_s": [1, 2]}, "twin.step_s"),
    ("twin", {"satellites": 81, "hours": "1"}, "twin.hours"),
    ("twin", {"satellites": 81, "hours": 1, "isl_range_m": 1e300}, "twin.isl_range_m"),  # an OverflowError before
]


@pytest.mark.parametrize(("function", "kwargs", "field"), CASES, ids=[f"{c[0]}-{next(iter(c[1]))}" for c in CASES])
def test_an_argument_of_the_wrong_kind_is_an_input_error_naming_it(function, kwargs, field):
    if function == "optimize":
        kwargs = {"scenario": terawatt.load_scenario(), **kwargs}
    with pytest.raises(ScenarioError) as err:
        getattr(terawatt, function)(**kwargs)
    assert field in [e.path for e in err.value.errors], str(err.value)


def test_overrides_given_as_one_text_are_one_set():
    """``overrides="key=value"`` is the one ``--set`` it reads as (it was parsed character by character)."""
    tl = terawatt.timeline(overrides="launch.price_usd_per_kg=300", end=2027)
    assert tl.series("orbital.launch_price_usd_per_kg").tolist() == [300.0, 300.0]
