"""The operations digital twin: a constellation of the design, second by second (``terawatt twin``).

``terawatt.twin("suncatcher", satellites=810, hours=24)`` lays out the design's constellation
(:mod:`~terawatt.twin.constellation`), propagates it with SGP4 against the DE421 Sun
(:mod:`~terawatt.twin.ephemeris`), steps each satellite's shadow, array, battery and radiator
(:mod:`~terawatt.twin.state`), draws radiation events and failures along the tracks (:mod:`~terawatt.twin.events`),
flies collision-avoidance manoeuvres (:mod:`~terawatt.twin.manoeuvres`), counts ground-station passes
(:mod:`~terawatt.twin.ground`), steps the arrays' temperature (:mod:`~terawatt.twin.array`; the layer's setup and
record: :mod:`~terawatt.twin.operations`) and returns an xarray Dataset (:mod:`~terawatt.twin.simulate`) whose
``attrs`` hold the measured summaries under the steady-state model's keys;
:func:`~terawatt.twin.compare.comparison` tabulates them against the model.

The package's module object is callable, as :func:`twin`.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from terawatt.twin.compare import comparison
from terawatt.twin.simulate import DEFAULT_START

__all__ = ["DEFAULT_START", "comparison", "twin"]


def twin(scenario: Any = None, *, satellites: int | None = None, clusters: int | None = None, hours: float = 24.0,
         step_s: float = 60.0,
         seed: int = 0, start: str | datetime = DEFAULT_START, overrides: Sequence[str] | None = None,
         progress: Callable[[int, int], None] | None = None, formation: str = "sgp4",
         isl_range_m: float | None = None, knot_s: float | None = None):
    """Simulate the design's constellation in time and return the record as an :class:`xarray.Dataset`.

    Parameters
    ----------
    scenario
        A scenario name, path or :class:`~terawatt.scenario.Scenario` (``None`` = defaults); scalar only.
    satellites : int, optional
        Satellites to fly [-]; default the design's ``orbital.satellite_count``.
    clusters : int, optional
        Or the number of clusters of ``links.cluster_satellites`` to fly [-] (not with ``satellites``).
    hours : float
        Simulated duration [h], > 0, inside the DE421 ephemeris.
    step_s : float
        Time step [s], in (0, one orbital period].
    seed : int
        Seed of every random draw (ages, failures, radiation events) [-].
    start : str or datetime
        First instant (ISO, UTC); default the 2026 June solstice (eclipse season of a dawn-dusk orbit).
    overrides : sequence of str or mapping, optional
        ``key=value`` scenario overrides (as ``--set``), or a mapping of dotted names to values.
    progress : callable, optional
        Called as ``progress(steps_done, steps_total)`` after each chunk.
    formation : {'sgp4', 'rigid'}
        Propagate every satellite with SGP4 from its own elements, or only the cluster centres, each member
        keeping its along-/cross-track offset (a station-kept formation; ~cluster-size times fewer SGP4 calls).
    isl_range_m : float, optional
        Range [m] within which two satellites of a cluster are linked (a job spans only linked satellites);
        default the model's ``orbital.isl_range_m``.
    knot_s : float, optional
        With ``"sgp4"``: seconds between the SGP4 knots, the steps between them by quintic Hermite interpolation
        on position, velocity and the two-body + J2 acceleration (:mod:`~terawatt.twin.propagation`; rounded down
        to whole steps). Default: the widest whose error bound
        (:func:`~terawatt.twin.propagation.hermite_bound_m`) stays under 80 m (780 s at 60-s steps, 650 km:
        64 m); ``0``: SGP4 at every step (exact). In [0, 1200] s.

    Returns
    -------
    xarray.Dataset
        Over ``time``: ``delivered_compute_w``, ``sunlit_fraction``, ``battery_soc_min``/``_mean``,
        ``radiator_temp_max_k``/``_mean_k``, ``throttled_fraction``, ``thermal_throttled_fraction``,
        ``capacity_fraction``, ``radiation_events``, ``hardware_failures``, ``dose_rate_mean_rad_per_yr``; over
        ``(time, traced)`` a few satellites' own series; over ``satellite`` per-satellite summaries; over
        ``event`` each step with radiation events (time, satellite, latitude, longitude, counts). The operations
        layer adds ``manoeuvres``, ``avoidance_outage_fraction``, ``array_temp_*_k``, ``array_power_factor_max``,
        ``satellites_in_contact_fraction``, ``stations_in_contact`` over ``time``; ``array_temp_k`` and
        ``array_power_w`` over ``(time, traced)``; per-satellite manoeuvres, outage, contact and passes; and
        over ``station`` (the catalog sites standing for ``orbital.ground_stations``) their position, contact
        fraction and passes. ``attrs``: the measured ``orbital.sunlit_fraction``, ``orbital.availability``,
        ``orbital.availability_failures``, ``orbital.availability_avoidance``,
        ``orbital.manoeuvres_per_satellite_yr``, ``orbital.inference_goodput_fraction``,
        ``orbital.dose_rad_per_yr`` and ``twin.*`` figures (extremes, ground contact, passes, downlink capacity
        ratio, array temperatures); the steady-state model's values of the same keys as ``model.<key>`` (over
        the twin's window) and ``model_annual.<key>``; ``knot_s`` and ``position_error_bound_m`` (0: SGP4 at every
        step). :func:`comparison` tabulates them.

    Raises
    ------
    terawatt.errors.ScenarioError
        Bad scenario values or run options (``twin.satellites``, ``twin.step_s``, ``twin.hours``,
        ``twin.start``, ``twin.seed``, ``twin.formation``, ``twin.knot_s``), all named at once; an infeasible
        design (``twin.scenario``, with the model's reason); more than
        :data:`~terawatt.twin.simulate.MAX_ACCELERATORS` accelerators (``twin.satellites``); arrays with no
        steady temperature in full sun (``solar.absorptivity``).
    """
    from collections.abc import Mapping

    from terawatt.model import evaluate
    from terawatt.scenario import Scenario, load_scenario, parse_set
    from terawatt.twin.compare import steady_state
    from terawatt.twin.simulate import simulate

    # a mapping, or key=value texts as --set (parse_set names anything else as an input error)
    extra = {} if overrides is None else dict(overrides) if isinstance(overrides, Mapping) else parse_set(overrides)
    sc = (scenario.with_overrides(extra) if extra else scenario) if isinstance(scenario, Scenario) else load_scenario(
        scenario, extra)
    result = evaluate(sc)
    from terawatt.errors import FieldError, ScenarioError

    if not bool(result["orbital.feasible"]):
        raise ScenarioError([FieldError("twin.scenario", "the design is infeasible, so there is no constellation to "
                                        f"fly: {result['orbital.infeasible_reason']}")])
    if clusters is not None:
        if satellites is not None:
            raise ScenarioError([FieldError("twin.clusters", "give satellites or clusters, not both")])
        if not (isinstance(clusters, int) and clusters >= 1):
            raise ScenarioError([FieldError("twin.clusters", f"must be a whole number >= 1, got {clusters}")])
        satellites = clusters * int(sc.values["links.cluster_satellites"])
    n = int(result["orbital.satellite_count"]) if satellites is None else satellites
    ds = simulate(result, n, hours, step_s, seed, start, progress, formation, knot_s, isl_range_m)
    ds.attrs["formation"] = formation
    ds.attrs["scenario"] = sc.name
    ds.attrs["design_satellite_count"] = int(result["orbital.satellite_count"])
    for key, (window, annual) in steady_state(result, ds).items():
        ds.attrs[f"model.{key}"] = window
        ds.attrs[f"model_annual.{key}"] = annual
    return ds


class _CallableModule(types.ModuleType):
    """This package, callable as :func:`twin` (returns the Dataset)."""

    def __call__(self, *args: Any, **kwargs: Any):
        return twin(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
