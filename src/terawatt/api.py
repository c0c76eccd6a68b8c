"""Top-level study functions of the Python API: :func:`timeline`, :func:`breakeven`, :func:`buildout`,
:func:`montecarlo`, :func:`montecarlo_buildout`, :func:`sensitivity`, :func:`discover`, :func:`optimize`,
:func:`reconcile`, :func:`claims`, :func:`report` and :func:`load_montecarlo`.

Each takes what ``terawatt.evaluate`` takes (a :class:`~terawatt.scenario.Scenario`, a shipped scenario name, a
YAML path, a mapping, or ``None`` for the defaults) plus dotted overrides, and returns the study's result object,
whose ``to_frame()`` gives a pandas table with units in ``frame.attrs["units"]``. They call the same functions as
the command line (``terawatt timeline | breakeven | buildout``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from terawatt.constants import BASE_YEAR
from terawatt.scenario import Scenario, load_scenario, parse_set

if TYPE_CHECKING:
    from terawatt.studies.breakeven import Breakeven, RatioMap
    from terawatt.studies.buildout import BuildOut
    from terawatt.studies.claims import Verdict
    from terawatt.studies.discovery import Discovery
    from terawatt.studies.montecarlo import MonteCarlo
    from terawatt.studies.montecarlo_buildout import BuildOutMonteCarlo
    from terawatt.studies.optimize import Optimum
    from terawatt.studies.reconcile import Reconciliation
    from terawatt.studies.sensitivity import Sensitivity
    from terawatt.studies.timeline import Timeline

ScenarioLike = Scenario | str | Path | Mapping[str, Any] | None
Overrides = Mapping[str, Any] | Sequence[str] | None


def _scenario(scenario: ScenarioLike, overrides: Overrides) -> Scenario:
    """The scenario with ``overrides`` applied; as with ``--set``, an override replaces the parameter's trajectory."""
    extra = _overrides(overrides)
    if not isinstance(scenario, Scenario):
        return load_scenario(scenario, extra)
    return scenario.with_overrides(extra) if extra else scenario


def _overrides(overrides: Overrides) -> dict[str, Any]:
    """``overrides`` as a dict: a mapping as it is, ``["key=value", ...]`` (or one such text) parsed as ``--set``;
    anything else is an input error naming ``--set``."""
    if overrides is None:
        return {}
    return dict(overrides) if isinstance(overrides, Mapping) else parse_set(overrides)


def _fixed(overrides: Overrides) -> list[str]:
    """Names fixed by ``overrides`` (not sampled by the uncertainty studies)."""
    return list(_overrides(overrides))


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

    fixed = _fixed(overrides)
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


def sensitivity(
    scenario: ScenarioLike = None,
    method: str = "sobol",
    output: str = "comparison.cost_ratio",
    year: int | None = None,
    n: int | None = None,
    seed: int = 0,
    overrides: Overrides = None,
) -> Sensitivity:
    """Which uncertain inputs drive ``output``: Sobol indices, Morris screening or a tornado (SALib).

    Parameters
    ----------
    scenario
        As for :func:`timeline`.
    method
        ``"sobol"`` (first-order and total indices with bootstrap intervals), ``"morris"`` (mu*, sigma) or
        ``"tornado"`` (each input at the ends of its literature range, the others at central).
    output
        A numeric output key [its unit].
    year
        Calendar year [yr] whose trajectory values are used; ``None`` = the base values.
    n
        Sobol base samples (a power of 2; default 1024, N (d + 2) runs for d inputs) or Morris trajectories
        (default 100, r (d + 1) runs); not used by the tornado.
    seed
        Seed of the design and the bootstrap (>= 0).
    overrides
        As for :func:`timeline`; an overridden parameter is fixed (not varied).

    Returns
    -------
    Sensitivity
        ``.rows`` ranked (most influential first), ``.ranking``, ``.to_dict()`` and ``.to_frame()`` (one row per
        input).

    Raises
    ------
    terawatt.ScenarioError
        Unknown method, output or year, bad ``n`` or seed, invalid scenario: every problem at once.

    Examples
    --------
    >>> import terawatt
    >>> terawatt.sensitivity(method="sobol", n=512).to_frame()["ST"].head()  # doctest: +SKIP
    """
    from terawatt.studies.sensitivity import sensitivity as run

    return run(_scenario(scenario, overrides), method, output, year, n, seed, fixed=_fixed(overrides))


def discover(
    scenario: ScenarioLike = None,
    year: int | None = None,
    condition: str = "comparison.cost_ratio < 1",
    n: int = 10000,
    seed: int = 0,
    sampler: str = "lhs",
    overrides: Overrides = None,
    threshold: float = 0.8,
    min_support: float = 0.05,
    alpha: float = 0.05,
    max_boxes: int = 3,
) -> Discovery:
    """Scenario discovery: the boxes of uncertain inputs where ``condition`` holds in ``year`` (PRIM).

    Parameters
    ----------
    scenario
        As for :func:`timeline`.
    year
        Calendar year [yr] (required: ``None`` is reported as a missing ``--year``).
    condition
        ``"KEY OP NUMBER [and KEY OP NUMBER ...]"`` with OP one of ``<``, ``<=``, ``>``, ``>=`` (parsed, never
        evaluated).
    n, seed, sampler
        Samples, seed and ``"random"`` | ``"lhs"`` | ``"sobol"`` (as for :func:`montecarlo`).
    overrides
        As for :func:`timeline`; an overridden parameter is fixed (not sampled).
    threshold, min_support, alpha, max_boxes
        PRIM: density a box must reach, smallest share of samples in a box, share peeled per step, most boxes.

    Returns
    -------
    Discovery
        ``.share`` (samples where the condition holds), ``.boxes`` (limits of the restricted inputs, coverage,
        density, quasi-p-values, peeling trajectory), ``.message`` (when it holds nowhere or everywhere),
        ``.to_dict()``, ``.to_frame()`` (one row per box and restricted input) and ``.trajectory_frame()``.

    Raises
    ------
    terawatt.ScenarioError
        A condition that does not parse (the message gives the grammar), unknown output, bad year or options.

    Examples
    --------
    >>> import terawatt
    >>> terawatt.discover("musk-2026", year=2035).to_frame()  # doctest: +SKIP
    """
    from terawatt.studies.discovery import discover as run

    return run(_scenario(scenario, overrides), year, condition, n, seed, sampler, fixed=_fixed(overrides),
               alpha=alpha, min_support=min_support, threshold=threshold, max_boxes=max_boxes)


def montecarlo_buildout(
    scenario: ScenarioLike = "musk-terawatt",
    n: int = 10000,
    seed: int = 0,
    sampler: str = "lhs",
    start: int | None = None,
    end: int | None = None,
    overrides: Overrides = None,
    out: str | Path | None = None,
    workers: int | None = None,
    chunk_size: int = 16384,
) -> BuildOutMonteCarlo:
    """Monte Carlo of the build-out: N sampled build-out trajectories (``terawatt montecarlo --study buildout``).

    Parameters
    ----------
    scenario, overrides
        As for :func:`montecarlo`; an overridden parameter is fixed (not sampled).
    n, seed, sampler
        Number of trajectories, seed (>= 0) and ``"random"`` | ``"lhs"`` | ``"sobol"``.
    start, end
        First and last calendar year [yr] (default 2026-2050).
    out
        Folder for the trajectories (one Parquet file per chunk and a manifest); the same call again resumes.
    workers
        Simulate in that many local processes (``None`` = in-process). Results do not depend on it.
    chunk_size
        Trajectories per chunk (results do not depend on it).

    Returns
    -------
    BuildOutMonteCarlo
        ``.percentiles(field)``, ``.bands(field)`` (per year), ``.binding_shares("orbit" | "ground")``,
        ``.summary()``, ``.to_dict()`` and ``.to_frame()`` (one row per sample and year).

    Examples
    --------
    >>> import terawatt
    >>> mc = terawatt.montecarlo_buildout("musk-terawatt", n=1000)
    >>> mc.percentiles("orbit_gw_total")[2040]["p50"]  # doctest: +SKIP
    """
    from terawatt.studies.montecarlo_buildout import montecarlo_buildout as run

    fixed = _fixed(overrides)
    return run(_scenario(scenario, overrides), n, seed, sampler, start, end, fixed=fixed, out=out,
               chunk_size=chunk_size, backend="serial" if workers is None else "processes", workers=workers)


def optimize(
    scenario: ScenarioLike = None,
    levers: Sequence[str] | None = None,
    objective: str | Sequence[str] = "gpu-hour",
    year: int | None = None,
    seed: int = 0,
    overrides: Overrides = None,
) -> Optimum:
    """The design levers that minimise ``objective`` (or the Pareto front of two objectives).

    Parameters
    ----------
    scenario, overrides
        As for :func:`timeline` (a scalar scenario; its own design is a candidate, so the optimum is never worse).
    levers
        ``"NAME"``, ``"NAME=lo:hi"`` or ``"NAME=a,b"`` (choices), ``"default"`` for the default set (compute power
        per satellite, eclipse policy, shielding, altitude, radiator temperature up to the chip limit, spare
        fraction, satellite lifetime); ``None`` = the default set.
    objective
        ``"gpu-hour"`` (cost per delivered GPU-hour), ``"tokens"`` (per million tokens), ``"mass-per-kw"``
        (launched kg per kW of IT), ``"ratio"`` or an output key; two of them for a Pareto front (NSGA-II).
    year
        Apply the scenario's trajectories in this calendar year [yr].
    seed
        Seed of the search (>= 0); the same seed gives the same design.

    Returns
    -------
    Optimum
        ``.design`` (lever -> value), ``.baseline`` (the scenario's), ``.outputs`` and ``.baseline_outputs`` (cost
        per GPU-hour, ground, ratio, ...), ``.on_bound``, ``.moved(name)``, ``.front`` (Pareto), ``.to_dict()``,
        ``.to_frame()`` (one row per lever) and ``.front_frame()``.

    Raises
    ------
    terawatt.ScenarioError
        Bad levers (unknown, non-numeric, empty range, outside the allowed range), every one at once.

    Examples
    --------
    >>> import terawatt
    >>> opt = terawatt.optimize(levers=["satellite.compute_power_w", "orbit.eclipse_policy"])
    >>> opt.design["orbit.eclipse_policy"]  # doctest: +SKIP
    'throttle'
    """
    from terawatt.studies.optimize import optimize as run

    return run(_scenario(scenario, overrides), levers, objective, year, seed)


def reconcile(
    preset: str | Path, to: ScenarioLike = None, year: int | None = None, metric: str = "comparison.cost_ratio"
) -> Reconciliation:
    """Why a published model's number differs from terawatt's: the walk from a preset (that model's assumptions in
    terawatt keys) to ``to`` (default: terawatt's defaults), one assumption group at a time.

    Parameters
    ----------
    preset
        A shipped preset (``"semianalysis-2026"``, ``"spacedc-mdao-1mw"``, ``"mccalip-1gw"``,
        ``"suncatcher-2025"``) or a preset file.
    to
        Target scenario (as for :func:`timeline`); ``None`` = the registry defaults.
    year
        Apply trajectories in this calendar year [yr] (default: the preset's own year, if it names one).
    metric
        ``"comparison.cost_ratio"``, ``"orbital.cost_per_gpu_hour_usd"`` or ``"terrestrial.cost_per_gpu_hour_usd"``.

    Returns
    -------
    Reconciliation
        ``.start`` (the preset), ``.end`` (the target), ``.steps`` (fixed-order change and Shapley value per group),
        ``.top(3)``, ``.to_dict()`` and ``.to_frame()``.
    """
    from terawatt.studies.reconcile import reconcile as run

    target = to if isinstance(to, Scenario) or to is None else _scenario(to, None)
    return run(str(preset), target, year, metric)


def claims(
    ids: Sequence[str] | str | None = None,
    scenario: str | None = None,
    samples: int | None = None,
    seed: int | None = None,
    files: Sequence[str | Path] | None = None,
) -> list[Verdict]:
    """The public claims (``terawatt/claims/*.yaml``) computed to verdicts with their numbers.

    Parameters
    ----------
    ids
        One claim id or a list of them (``None`` = all twenty shipped claims).
    scenario
        A shipped scenario name to test every claim on instead of its own.
    samples, seed
        Monte Carlo samples per shared population and seed (``None`` = the documented defaults,
        :data:`terawatt.studies.claims.SAMPLES` and :data:`~terawatt.studies.claims.SEED`).
    files
        Claim YAML files to compute instead of the shipped ones.

    Returns
    -------
    list of Verdict
        ``.verdict`` (``holds`` | ``holds only if`` | ``does not hold`` | ``not testable here``), ``.why``
        (the condition or the reason), ``.primary`` (the check behind the number: ``value``, ``p05``, ``p95``),
        ``.p_true``, ``.checks`` and ``.to_dict()``.

    Raises
    ------
    terawatt.ScenarioError
        Unknown ids or scenario, or bad claim files (naming the file and field).

    Examples
    --------
    >>> import terawatt
    >>> [v] = terawatt.claims("solar-5x")
    >>> v.verdict, round(v.primary.value, 1)  # doctest: +SKIP
    ('holds', 5.5)
    """
    from terawatt.studies.claim_spec import load_claims
    from terawatt.studies.claims import SAMPLES, SEED, audit

    chosen = [ids] if isinstance(ids, str) else ids
    loaded = load_claims(files) if files else None
    return audit(chosen, scenario, SAMPLES if samples is None else samples, SEED if seed is None else seed,
                 claims=loaded)


def report(
    scenario: str | Path | None = None,
    path: str | Path = "report.html",
    format: str = "html",  # noqa: A002 - the option's name on the command line
    samples: int = 1000,
    seed: int = 0,
) -> Path:
    """Write the report of one scenario (HTML that works offline, or Markdown with PNG figures).

    Parameters
    ----------
    scenario
        A shipped scenario name or a YAML path (``None`` = the defaults).
    path
        The file to write (``.html`` or ``.md``).
    format
        ``"html"`` or ``"md"``.
    samples, seed
        Monte Carlo samples and seed of the timeline bands, crossover-year distribution and ranking.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from terawatt.report.document import build_report

    return build_report(scenario, Path(path), format_=format, samples=samples, seed=seed)
