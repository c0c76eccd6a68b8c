"""Top-level study functions of the Python API: :func:`timeline`, :func:`breakeven`, :func:`buildout`,
:func:`montecarlo`, :func:`load_montecarlo`.

Each takes what ``terawatt.evaluate`` takes (a :class:`~terawatt.scenario.Scenario`, a shipped scenario name, a
YAML path, a mapping, or ``None`` for the defaults) plus dotted overrides, and returns the study's result object,
whose ``to_frame()`` gives a pandas table with units in ``frame.attrs["units"]``. They call the same functions as
the command line (``terawatt timeline | breakeven | buildout``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from terawatt.constants import BASE_YEAR
from terawatt.scenario import Scenario, load_scenario, parse_set

if TYPE_CHECKING:
    from terawatt.studies.breakeven import Breakeven, RatioMap
    from terawatt.studies.buildout import BuildOut
    from terawatt.studies.montecarlo import MonteCarlo
    from terawatt.studies.timeline import Timeline

ScenarioLike = Scenario | str | Path | Mapping[str, Any] | None
Overrides = Mapping[str, Any] | Sequence[str] | None


def _scenario(scenario: ScenarioLike, overrides: Overrides) -> Scenario:
    """The scenario with ``overrides`` applied; as with ``--set``, an override replaces the parameter's trajectory."""
    if not isinstance(scenario, Scenario):
        return load_scenario(scenario, overrides)
    if not overrides:
        return scenario
    extra = dict(overrides) if isinstance(overrides, Mapping) else parse_set(overrides)
    updated = scenario.with_overrides(extra)
    return dataclasses.replace(updated, trajectories={k: v for k, v in updated.trajectories.items() if k not in extra})


def timeline(
    scenario: ScenarioLike = None, start: int = BASE_YEAR, end: int = 2045, overrides: Overrides = None
) -> Timeline:
    """Costs of orbit and ground in every calendar year from ``start`` to ``end`` and the crossover year.

    Parameters
    ----------
    scenario
        A scenario, a shipped name (``"musk-2026"``), a YAML path, a mapping, or ``None`` for the defaults.
    start, end
        First and last calendar year [yr], inclusive.
    overrides
        Dotted overrides (``{"launch.price_usd_per_kg": 100}`` or ``["launch.price_usd_per_kg=100"]``); an
        override replaces any trajectory the scenario gives that parameter.

    Returns
    -------
    Timeline
        ``.crossover_year`` (first year with orbit/ground <= 1, or None), ``.series(key)``, ``.rows()`` and
        ``.to_frame()`` (one row per year, or per sample and year, one column per output key).

    Raises
    ------
    terawatt.ScenarioError
        Invalid input, naming the field, its unit and allowed range.

    Examples
    --------
    >>> import terawatt
    >>> tl = terawatt.timeline("suncatcher", 2026, 2030)
    >>> tl.to_frame()["comparison.cost_ratio"]  # doctest: +SKIP
    """
    from terawatt.studies.timeline import timeline as run

    return run(_scenario(scenario, overrides), start, end)


def breakeven(
    scenario: ScenarioLike = None,
    param: str = "launch.price_usd_per_kg",
    year: int | None = None,
    target_ratio: float = 1.0,
    param2: str | None = None,
    overrides: Overrides = None,
) -> Breakeven | RatioMap:
    """What must be true: the value of ``param`` at which orbit and ground cost the same (or ``target_ratio``).

    Parameters
    ----------
    scenario
        As for :func:`timeline`.
    param
        Dotted name of a numeric registry parameter, searched over its allowed range.
    year
        Apply the scenario's trajectories in this calendar year first [yr]; ``None`` = base values.
    target_ratio
        Orbit / ground cost per GPU-hour to reach [-], > 0.
    param2
        A second parameter: return the 2-D map of the ratio over both instead.
    overrides
        As for :func:`timeline`.

    Returns
    -------
    Breakeven or RatioMap
        ``Breakeven``: ``.found``, ``.value`` (the root nearest the current value, or None), ``.roots``,
        ``.message``, ``.to_frame()`` (one row per root, or one row with an empty value and the reason).
        ``RatioMap`` (with ``param2``): ``.x``, ``.y``, ``.ratio`` and ``.to_frame()`` (one row per grid point).

    Raises
    ------
    terawatt.ScenarioError
        Unknown or non-numeric parameter, bad target, invalid scenario.
    """
    from terawatt.studies.breakeven import ratio_map, solve_breakeven

    sc = _scenario(scenario, overrides)
    if param2 is not None:
        return ratio_map(sc, param, param2, year, target_ratio=target_ratio)
    return solve_breakeven(sc, param, year, target_ratio)


def buildout(
    scenario: ScenarioLike = None, start: int = BASE_YEAR, end: int = 2050, overrides: Overrides = None
) -> BuildOut:
    """The build-out toward the demand path, year by year: GW per side, launches, supply chains, what binds.

    Parameters
    ----------
    scenario, overrides
        As for :func:`timeline`.
    start, end
        First and last calendar year [yr], inclusive.

    Returns
    -------
    BuildOut
        ``.rows()``, ``.bottlenecks()`` (the binding constraints in words) and ``.to_frame()`` (one row per year,
        or per sample and year, one column per field).

    Raises
    ------
    terawatt.ScenarioError
        Invalid input, naming the field.
    """
    from terawatt.studies.buildout import buildout as run

    return run(_scenario(scenario, overrides), start, end)


def montecarlo(
    scenario: ScenarioLike = None,
    n: int = 10000,
    seed: int = 0,
    sampler: str = "lhs",
    year: int | None = None,
    start: int | None = None,
    end: int | None = None,
    overrides: Overrides = None,
    out: str | Path | None = None,
    workers: int | None = None,
    chunk_size: int = 65536,
    scheduler: str | None = None,
    overwrite: bool = False,
) -> MonteCarlo:
    """Monte Carlo over every uncertain input (registry distributions and the scenario's ``uncertainty:`` block).

    Parameters
    ----------
    scenario
        As for :func:`timeline`.
    n, seed, sampler
        Number of samples, seed (>= 0) and ``"random"`` | ``"lhs"`` | ``"sobol"``.
    year
        Evaluate in one calendar year [yr] (``None`` and no ``start``/``end``: the base values).
    start, end
        First and last calendar year [yr] of a run over years (P(orbit cheaper) per year, crossover years).
    overrides
        As for :func:`timeline`; an overridden parameter is fixed (not sampled).
    out
        Folder for the samples (one Parquet file per chunk and a manifest); the same call again resumes. The
        samples are then streamed to disk, never all held in memory (N is bounded by disk); without ``out`` at
        most ``terawatt.studies.montecarlo.MAX_IN_MEMORY`` (1e6) samples are accepted.
    workers
        Evaluate in that many local processes (``None`` = in-process). Results do not depend on it.
    chunk_size
        Samples per chunk (memory bound; results do not depend on it).
    scheduler
        Evaluate on a Dask distributed cluster at this address (``"tcp://HOST:PORT"``); results do not depend on
        it (docs/scale-out.md).
    overwrite
        Replace the run an ``out`` folder holds instead of refusing a different one.

    Returns
    -------
    MonteCarlo
        ``.summary()`` (percentiles), ``.p_orbit_cheaper``, ``.p_orbit_cheaper_by_year()``,
        ``.crossover_summary()``, ``.to_dict()``, ``.to_frame()`` (one row per sample), ``.to_xarray()``
        (dimensions ``sample`` and ``year``) and, with ``out``, ``.query(sql)`` (DuckDB over the view
        ``samples``).

    Raises
    ------
    terawatt.ScenarioError
        Invalid scenario, options or uncertainty block, every field at once.

    Examples
    --------
    >>> import terawatt
    >>> mc = terawatt.montecarlo("musk-2026", n=1000, start=2026, end=2045)
    >>> mc.crossover_summary()["p_by_2030"]  # doctest: +SKIP
    """
    from terawatt.studies.montecarlo import montecarlo as run

    fixed = list(overrides) if isinstance(overrides, Mapping) else list(parse_set(overrides or []))
    backend = "dask" if scheduler is not None else "serial" if workers is None else "processes"
    return run(_scenario(scenario, overrides), n, seed, sampler, year, start, end, fixed=fixed, out=out,
               backend=backend, workers=workers, chunk_size=chunk_size, scheduler=scheduler, overwrite=overwrite)


def load_montecarlo(folder: str | Path) -> MonteCarlo:
    """Open a Monte Carlo run saved with ``out=DIR`` (``terawatt montecarlo ... --out DIR``).

    Parameters
    ----------
    folder
        The run's folder (``manifest.json`` and ``chunk-NNNNNN.parquet`` files).

    Returns
    -------
    MonteCarlo
        The same result the run returned (summaries, ``to_frame()``, ``to_xarray()``, ``query(sql)``), its
        samples read from the folder on demand.

    Raises
    ------
    terawatt.ScenarioError
        Not a result folder, an unfinished run (rerun its command to finish it), or another study's folder.

    Examples
    --------
    >>> import terawatt
    >>> mc = terawatt.load_montecarlo("runs/musk")  # doctest: +SKIP
    >>> mc.query('SELECT avg("comparison.cost_ratio@2030") FROM samples')  # doctest: +SKIP
    """
    from terawatt.studies.montecarlo import load_montecarlo as load

    return load(folder)
