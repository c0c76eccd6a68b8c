"""The fast paths of a streamed Monte Carlo run outside the model (issue 10, performance) never change a result,
bitwise.

- ``Scenario.at_year`` keeps the evaluated trajectories of the last few (trajectories, scalar base values, year):
  the kept values equal the trajectories evaluated anew (``at_years`` of that one year), for scalar and sampled
  scenarios, a changed base value or year is not served the kept values of another, a base value given as
  samples is evaluated every time, and a bad year is still refused every time (a failed evaluation is not kept).
- A chunk over years takes the year columns of a numeric output from one tiled transpose
  (``latin_hypercube.transposed``) instead of a copy of each strided column: the same bits, contiguous columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from terawatt import scenario as scenario_module
from terawatt.errors import ScenarioError
from terawatt.scenario import Scenario, load_scenario
from tests.bitwise import bits


def _at_year_anew(sc: Scenario, year: float) -> dict[str, Any]:
    """The values of ``sc`` in ``year`` as ``at_year`` computed them before it kept any: ``at_years([year])``,
    one column of each trajectory."""
    multi = sc.at_years([year])
    values = dict(sc.values)
    for name in sc.trajectories:
        series = multi.values[name]
        values[name] = None if series is None else (series[:, 0] if series.ndim == 2 else float(series[0]))
    return values


def _assert_same_values(got: Scenario, expected: dict[str, Any]) -> None:
    assert got.values.keys() == expected.keys()
    for key, value in expected.items():
        assert type(got.values[key]) is type(value), key
        assert bits(got.values[key]) == bits(value), key
    assert got.trajectories == {}


@pytest.fixture(autouse=True)
def _no_kept_years(monkeypatch):
    monkeypatch.setattr(scenario_module, "_YEAR_VALUES", [])


@pytest.mark.parametrize("name", ["musk-2026", "suncatcher", "baseline-2026"])
@pytest.mark.parametrize("year", [2026, 2030, 2044.0])
def test_kept_year_values_equal_the_trajectories_evaluated_anew(name, year):
    sc = load_scenario(name)
    first, again = sc.at_year(year), sc.at_year(year)  # the second is served the kept values
    for got in (first, again):
        _assert_same_values(got, _at_year_anew(sc, year))
    assert len(scenario_module._YEAR_VALUES) == 1  # one entry, evaluated once


def test_sampled_scenarios_share_the_kept_year_values_of_their_scalar_trajectories():
    base = load_scenario("musk-2026")
    rng = np.random.default_rng(7)
    for _ in range(3):  # one Monte Carlo chunk after the other: new samples, the same trajectories
        sc = base.with_overrides({"solar.cell_efficiency": rng.uniform(0.2, 0.3, 500),
                                  "launch.flights_per_yr": rng.uniform(5000, 10000, 500)})
        _assert_same_values(sc.at_year(2030), _at_year_anew(sc, 2030))
    assert len(scenario_module._YEAR_VALUES) == 1


def test_a_changed_base_value_or_year_is_not_served_another_ones_kept_values():
    # the rate trajectory of the facility capex has no value of its own: it starts from the scenario's value
    key = "terrestrial.facility_capex_usd_per_w"
    base = load_scenario("musk-2026")
    seen = {}
    for value in (9.0, 12, 12.0, 0.0, -0.0, 9.0):  # kept entries keyed on type and exact value (0.0 != -0.0)
        sc = base.with_overrides({key: value})
        for year in (2031, 2032):
            got = sc.at_year(year)
            _assert_same_values(got, _at_year_anew(sc, year))
            seen[(repr(value), year)] = got.values[key]
    assert np.signbit(seen[("-0.0", 2031)]) and not np.signbit(seen[("0.0", 2031)])
    assert seen[("9.0", 2031)] != seen[("12.0", 2031)] and seen[("9.0", 2031)] != seen[("9.0", 2032)]


def test_a_base_value_given_as_samples_is_evaluated_every_time():
    sc = load_scenario("musk-2026").with_overrides(
        {"terrestrial.facility_capex_usd_per_w": np.linspace(8.0, 14.0, 64)})
    got = sc.at_year(2033)
    assert got.values["terrestrial.facility_capex_usd_per_w"].shape == (64,)
    _assert_same_values(got, _at_year_anew(sc, 2033))
    assert scenario_module._YEAR_VALUES == []


def test_a_bad_year_is_refused_every_time():
    sc = load_scenario("musk-2026")
    sc.at_year(2030)
    for _ in range(2):
        with pytest.raises(ScenarioError, match="year"):
            sc.at_year(1900)


@pytest.mark.parametrize("shape", [(1000, 20), (1024, 3), (3000, 7)])
@pytest.mark.parametrize("broadcast", [None, "samples", "years"])
def test_tiled_transpose_equals_the_transposed_copy(shape, broadcast):
    from terawatt.studies.latin_hypercube import transposed

    m, y = shape
    rng = np.random.default_rng(m + y)
    value = {None: rng.random(shape), "samples": np.broadcast_to(rng.random(y), shape),
             "years": np.broadcast_to(rng.random((m, 1)), shape)}[broadcast]
    got = transposed(value)
    assert got.flags.c_contiguous and bits(got) == bits(np.ascontiguousarray(value.T))


def test_year_columns_from_one_transpose_equal_each_year_copied(monkeypatch):
    """A chunk over years: each numeric output's year columns (rows of one tiled transpose) are the bits of each
    strided column copied, as before; text outputs keep their copies."""
    from terawatt.studies import population
    from terawatt.studies.uncertainty import SampleDesign, model_uncertainty_space

    sc = load_scenario("musk-2026")
    space = model_uncertainty_space(sc)
    outputs = ("comparison.cost_ratio", "orbital.cost_per_gpu_hour_usd", "orbital.satellite_mass_kg",
               "terrestrial.cost_per_gpu_hour_usd", "orbital.infeasible_reason")
    task = population.Task(sc, SampleDesign(space, 3000, 5, "lhs"), outputs, None, (2026, 2031, 2040),
                           tuple(space.scaled), 0, 0, 3000)
    fast = population.evaluate_chunk(task)
    tiled = []
    monkeypatch.setattr(population, "transposed", lambda a: tiled.append(a.dtype) or np.stack(
        [a[:, j].copy() for j in range(a.shape[1])]))
    general = population.evaluate_chunk(task)
    assert len(tiled) == 4  # the numeric outputs (the reason is text)
    assert fast.keys() == general.keys()
    for key in general:
        if general[key].dtype.kind == "O":
            assert list(fast[key]) == list(general[key]), key
        else:
            assert fast[key].flags.c_contiguous and bits(fast[key]) == bits(general[key]), key
