"""Global sensitivity of one output to the uncertain inputs of a scenario: Sobol indices, Morris screening and a
tornado over the literature ranges (issue 10).

The inputs are the scenario's uncertainties (:func:`terawatt.studies.uncertainty.model_uncertainty_space`: registry
distributions and the scenario's ``uncertainty:`` block; a ``--set`` fixes a parameter). Sampling and analysis
are SALib's [1]_; the marginals are those of Monte Carlo:

- **Sobol** [2]_ [3]_: SALib's Sobol' design (``SALib.sample.sobol``, scrambled, no second-order terms: N (d + 2)
  rows for d inputs) is drawn on the unit hypercube, and each column is mapped through the input's own inverse
  CDF (:meth:`~terawatt.studies.uncertainty.Uncertainty.ppf`, truncation included), not through SALib's ``dists``
  support: one definition of each marginal for every study. First-order (S1) and total (ST) indices come from
  ``SALib.analyze.sobol`` with bootstrap confidence intervals (half-widths at ``conf_level``).
- **Morris** [4]_ [5]_: SALib's trajectories on a p-level grid of the unit hypercube; level k is the input's
  quantile k / (p - 1) (its bounds at the ends, as SALib's own uniform mapping), except for an input with an
  unbounded side (a normal or lognormal not truncated there), whose levels are the centres (k + 1/2) / p of p
  equal-probability strata (no level on an infinite tail). ``mu_star`` (mean absolute elementary effect) and
  ``sigma`` come from ``SALib.analyze.morris`` in output units per unit of the [0, 1] grid; they rank inputs, they
  are not variances.
- **Tornado**: each input alone at the low and at the high end of its registry literature ``range`` (the
  distribution's support where the registry gives no range, or its P5/P95 for a normal or lognormal), every other
  input at its central value (the scenario's value); ranked by the swing of the output.

Both global methods assume independent inputs (Sobol's variance decomposition and Morris's one-factor steps are
defined for a product of marginals), so rank correlations of the ``uncertainty:`` block are **not** imposed:
when the scenario declares some, the result names the dropped pairs (:attr:`Sensitivity.correlations_dropped`,
``correlations_dropped`` in ``--json``) and a warning says that the indices are for independent inputs. The tornado
moves one input at a time with the others at their central values, which correlations do not change: it is
unaffected, and says so. (SALib 1.6 has one method for correlated inputs, HDMR [6]_, which splits each first-order
effect into a structural and a correlative part from a given sample; it is not used here. Its Shapley effects
assume independent inputs.) A parameter that follows a trajectory is moved as in Monte Carlo (its path times
``sample / default``). Rows whose output is not finite (an infeasible orbital design has NaN costs) are dropped
by whole Sobol group (the A, AB_i, B rows of one base sample) or whole Morris trajectory, and counted.

References
----------
.. [1] J. Herman and W. Usher, "SALib: An open-source Python library for sensitivity analysis", JOSS 2(9), 97
   (2017); T. Iwanaga, W. Usher and J. Herman, Socio-Environmental Systems Modelling 4, 18155 (2022).
.. [2] I. M. Sobol', "Global sensitivity indices for nonlinear mathematical models and their Monte Carlo
   estimates", Mathematics and Computers in Simulation 55, 271-280 (2001).
.. [3] A. Saltelli et al., "Variance based sensitivity analysis of model output. Design and estimator for the
   total sensitivity index", Computer Physics Communications 181, 259-270 (2010).
.. [4] M. D. Morris, "Factorial sampling plans for preliminary computational experiments", Technometrics 33(2),
   161-174 (1991).
.. [5] F. Campolongo, J. Cariboni and A. Saltelli, "An effective screening design for sensitivity analysis of
   large models", Environmental Modelling & Software 22, 1509-1518 (2007).
.. [6] G. Li, H. Rabitz et al., "Global sensitivity analysis for systems with independent and/or correlated inputs",
   J. Phys. Chem. A 114, 6022-6032 (2010); ``SALib.analyze.hdmr``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt.errors import FieldError, ScenarioError
from terawatt.scenario import Scenario
from terawatt.studies.outcomes import (
    central_outputs,
    in_memory_errors,
    outcome_errors,
    sample_array_errors,
    year_errors,
)
from terawatt.studies.population import Progress, TableRows, evaluate_population
from terawatt.studies.uncertainty import UncertaintySpace, model_uncertainty_space

if TYPE_CHECKING:
    import pandas as pd

METHODS = ("sobol", "morris", "tornado")
DEFAULT_OUTPUT = "comparison.cost_ratio"
#: Default -n: base samples of the Sobol design, trajectories of the Morris design (the tornado takes none).
DEFAULT_N = {"sobol": 1024, "morris": 100}
MORRIS_LEVELS = 4
CONF_LEVEL = 0.95
RESAMPLES = 100
#: Unit-hypercube values are kept this far from 0 and 1 before an inverse CDF (an unbounded tail is infinite).
_EDGE = 2.0**-53
#: Fewest Sobol groups or Morris trajectories with a finite output for the indices to mean anything.
MIN_GROUPS = 8

#: Rows of inputs by dotted name -> the output at each row.
Evaluator = Callable[[Mapping[str, np.ndarray]], np.ndarray]


@dataclass(frozen=True)
class Sensitivity:
    """Sensitivity of one output: a ranked table (one row per input, most influential first) and how it was got.

    ``rows`` hold, per method: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (Sobol; ``*_conf`` are half-widths of the
    ``conf_level`` bootstrap interval); ``mu_star``, ``mu_star_conf``, ``mu``, ``sigma`` (Morris); ``low``,
    ``high``, ``bounds``, ``output_low``, ``output_high``, ``swing`` (tornado). ``base`` is the output at the
    central values [output unit]. ``correlations_dropped`` holds the ``(a, b, rank)`` pairs of the scenario's
    ``uncertainty.correlations`` that a Sobol or Morris result does not impose (its inputs are independent); empty
    for a tornado, which correlations do not affect, and when the scenario declares none; ``warnings`` then says so
    in words (the CLI prints it on stderr).
    """

    method: str
    output: str
    unit: str
    rows: tuple[dict[str, Any], ...]
    n: int | None
    evaluations: int
    seed: int
    base: float | None = None
    scenario: str = ""
    year: int | None = None
    dropped: int = 0
    conf_level: float = CONF_LEVEL
    notes: tuple[str, ...] = field(default=())
    correlations_dropped: tuple[tuple[str, str, float], ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def independent_inputs(self) -> bool | None:
        """Whether the indices assume independent inputs (Sobol, Morris); ``None`` for a tornado (one at a time)."""
        return None if self.method == "tornado" else True

    @property
    def ranking(self) -> list[str]:
        """Input names, most influential first."""
        return [r["parameter"] for r in self.rows]

    def to_frame(self) -> pd.DataFrame:
        """One row per input (index ``parameter``, ranked), one column per index; units in ``attrs["units"]``."""
        import pandas as pd

        frame = pd.DataFrame(list(self.rows)).set_index("parameter")
        frame.attrs.update({"method": self.method, "output": self.output, "units": {"output": self.unit}})
        return frame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (non-finite numbers as ``None``)."""
        def clean(v: Any) -> Any:
            return None if isinstance(v, float) and not math.isfinite(v) else v

        return {"method": self.method, "scenario": self.scenario, "output": self.output, "unit": self.unit,
                "year": self.year, "n": self.n, "seed": self.seed, "evaluations": self.evaluations,
                "dropped": self.dropped, "conf_level": self.conf_level if self.method != "tornado" else None,
                "base": clean(self.base), "notes": list(self.notes),
                "independent_inputs": self.independent_inputs,
                "correlations_dropped": [{"between": [a, b], "rank": r} for a, b, r in self.correlations_dropped],
                "warnings": list(self.warnings),
                "indices": [{k: clean(v) for k, v in r.items()} for r in self.rows]}


# ------------------------------------------------------------------------------------- the methods on any model
def _problem(space: UncertaintySpace) -> dict[str, Any]:
    """SALib's problem: the inputs on the unit hypercube (mapped to the marginals by :func:`_values`)."""
    return {"num_vars": len(space.names), "names": list(space.names), "bounds": [[0.0, 1.0]] * len(space.names)}


def _values(space: UncertaintySpace, unit: np.ndarray) -> dict[str, np.ndarray]:
    """Unit-hypercube rows (m, d) to parameter values by name, through each input's inverse CDF."""
    unit = np.clip(unit, _EDGE, 1.0 - _EDGE)
    return {u.name: u.ppf(unit[:, i]) for i, u in enumerate(space.uncertainties)}


def _finite_groups(y: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """Keep-mask of the groups of ``size`` consecutive rows whose outputs are all finite, and how many were not."""
    keep = np.all(np.isfinite(y.reshape(-1, size)), axis=1)
    return keep, int(np.sum(~keep))


def _too_few(kept: int, total: int, what: str) -> ScenarioError:
    return ScenarioError([FieldError("--output", f"only {kept} of {total} {what} give a finite output (the others "
                                                 "are infeasible designs with NaN costs): too few for indices; "
                                                 "choose a feasible scenario or another output")])


def sobol_indices(space: UncertaintySpace, evaluate: Evaluator, n: int, seed: int = 0,
                  conf_level: float = CONF_LEVEL, resamples: int = RESAMPLES) -> tuple[list[dict[str, Any]], int,
                                                                                       int]:
    """First-order and total Sobol indices of ``evaluate`` over ``space`` (SALib), most influential first.

    Parameters
    ----------
    space
        The inputs and their marginals.
    evaluate
        Maps rows of input values (by name) to the output at each row.
    n
        Base samples N (a power of 2); the design has N (d + 2) rows.
    seed
        Seed of the scrambled Sobol' design and of the bootstrap.
    conf_level, resamples
        Level and number of bootstrap resamples of the confidence intervals.

    Returns
    -------
    rows, evaluations, dropped
        One dict per input (``parameter``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``) ranked by ST; the number of
        model evaluations; the number of base samples dropped for a non-finite output.
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    d = len(space.names)
    problem = _problem(space)
    unit = sample.sample(problem, int(n), calc_second_order=False, scramble=True, seed=int(seed))
    y = np.asarray(evaluate(_values(space, unit)), float)
    keep, dropped = _finite_groups(y, d + 2)
    if keep.sum() < MIN_GROUPS:
        raise _too_few(int(keep.sum()), int(n), "base samples")
    y = y.reshape(-1, d + 2)[keep].ravel()
    if np.ptp(y) == 0:
        rows = [{"parameter": name, "S1": 0.0, "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0} for name in space.names]
        return rows, unit.shape[0], dropped
    # The bootstrap gets a Generator: SALib 1.6 tests ``if seed:`` and so would leave seed 0 unseeded.
    boot = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(1,)))
    si = analyze.analyze(problem, y, calc_second_order=False, num_resamples=int(resamples),
                         conf_level=conf_level, seed=boot)
    rows = [{"parameter": name, "S1": float(si["S1"][i]), "S1_conf": float(si["S1_conf"][i]),
             "ST": float(si["ST"][i]), "ST_conf": float(si["ST_conf"][i])} for i, name in enumerate(space.names)]
    rows.sort(key=lambda r: -r["ST"])
    return rows, unit.shape[0], dropped


def morris_screening(space: UncertaintySpace, evaluate: Evaluator, trajectories: int, seed: int = 0,
                     levels: int = MORRIS_LEVELS, conf_level: float = CONF_LEVEL,
                     resamples: int = RESAMPLES) -> tuple[list[dict[str, Any]], int, int]:
    """Morris elementary effects of ``evaluate`` over ``space`` (SALib), ranked by ``mu_star``.

    ``trajectories`` r gives r (d + 1) evaluations. Returns (rows, evaluations, trajectories dropped for a
    non-finite output); a row holds ``parameter``, ``mu_star``, ``mu_star_conf``, ``mu``, ``sigma``.
    """
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    d = len(space.names)
    problem = _problem(space)
    grid = sample.sample(problem, int(trajectories), num_levels=levels, seed=int(seed))
    unbounded = np.array([u.lower is None or u.upper is None for u in space.uncertainties])
    centres = (np.rint(grid * (levels - 1)) + 0.5) / levels  # level k -> centre of stratum k
    quantile = np.where(unbounded, centres, grid)
    y = np.asarray(evaluate(_values(space, quantile)), float)
    keep, dropped = _finite_groups(y, d + 1)
    if keep.sum() < 2:
        raise _too_few(int(keep.sum()), int(trajectories), "trajectories")
    rows_keep = np.repeat(keep, d + 1)
    si = analyze.analyze(problem, grid[rows_keep], y[rows_keep], num_resamples=int(resamples),
                         conf_level=conf_level, num_levels=levels, seed=int(seed))
    rows = [{"parameter": name, "mu_star": float(si["mu_star"][i]), "mu_star_conf": float(si["mu_star_conf"][i]),
             "mu": float(si["mu"][i]), "sigma": float(si["sigma"][i])} for i, name in enumerate(space.names)]
    rows.sort(key=lambda r: -r["mu_star"])
    return rows, grid.shape[0], dropped


def tornado_bounds(space: UncertaintySpace) -> dict[str, tuple[float, float, str]]:
    """(low, high, where from) of each input: the registry literature ``range``, else the distribution's support
    (uniform, triangular) or its P5/P95 (normal, lognormal) [parameter unit]."""
    from terawatt.params import load_registry

    registry = load_registry()
    out = {}
    for u in space.uncertainties:
        spec = registry[u.name]
        if spec.range is not None:
            out[u.name] = (float(spec.range[0]), float(spec.range[1]), "literature range")
        elif u.kind in ("uniform", "triangular"):
            out[u.name] = (u.p["low"], u.p["high"], "distribution")
        else:
            lo, hi = u.ppf(np.array([0.05, 0.95]))
            out[u.name] = (float(lo), float(hi), "distribution P5-P95")
    return out


def tornado(space: UncertaintySpace, evaluate: Evaluator, central: Mapping[str, float],
            bounds: Mapping[str, tuple[float, float, str]]) -> tuple[list[dict[str, Any]], float, int]:
    """One input at a time at its low and high bound, the others at ``central``; ranked by the output's swing.

    Returns (rows, output at the central values, evaluations). The rows hold ``parameter``, ``low``, ``high``,
    ``bounds`` (where they come from), ``output_low``, ``output_high`` and ``swing`` = ``|high - low|`` output.
    """
    names = space.names
    d = len(names)
    table = {name: np.full(2 * d + 1, float(central[name])) for name in names}
    for i, name in enumerate(names):
        table[name][1 + 2 * i] = bounds[name][0]
        table[name][2 + 2 * i] = bounds[name][1]
    y = np.asarray(evaluate(table), float)
    rows = []
    for i, name in enumerate(names):
        lo, hi = float(y[1 + 2 * i]), float(y[2 + 2 * i])
        rows.append({"parameter": name, "low": bounds[name][0], "high": bounds[name][1], "bounds": bounds[name][2],
                     "output_low": lo, "output_high": hi, "swing": abs(hi - lo)})
    rows.sort(key=lambda r: -r["swing"] if math.isfinite(r["swing"]) else math.inf)
    return rows, float(y[0]), 2 * d + 1


# ------------------------------------------------------------------------------------------- on a scenario
def scenario_evaluator(scenario: Scenario, space: UncertaintySpace, output: str, year: int | None,
                       progress: Progress | None = None) -> Evaluator:
    """An :data:`Evaluator` of ``output`` through the population primitive (chunked, vectorized)."""
    scaled = tuple(space.scaled)

    def run(values: Mapping[str, np.ndarray]) -> np.ndarray:
        rows = TableRows({k: np.asarray(v, float) for k, v in values.items()})
        population = evaluate_population(scenario, rows, [output], year=year, scaled=scaled, progress=progress)
        return np.asarray(population.columns[output], float)

    return run


def central_values(scenario: Scenario, space: UncertaintySpace, year: int | None = None) -> dict[str, float]:
    """Central value of each input: the scenario's (its registry default for a parameter with a trajectory, which
    the population scales by ``value / default``); for an empty parameter the model derives (``launch.price_usd_per_kg``
    left empty), the value the evaluation derived in ``year`` (:meth:`~terawatt.results.Result.input_value`), else
    the median of its distribution."""
    from terawatt.model import evaluate
    from terawatt.params import load_registry

    registry = load_registry()
    out, result = {}, None
    for u in space.uncertainties:
        value = registry[u.name].default if u.scales_trajectory else scenario.values[u.name]
        if value is None:
            if result is None:
                result = evaluate(scenario if year is None else scenario.at_year(year))
            value = result.input_value(u.name)
        out[u.name] = float(u.ppf(np.array([0.5]))[0] if value is None else value)
    return out


def _check(method: str, n: int | None, seed: int) -> list[FieldError]:
    errors = []
    if not isinstance(method, str) or method not in METHODS:
        errors.append(FieldError("--method", f"{method!r} is not one of: {', '.join(METHODS)}"))
        return errors
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        errors.append(FieldError("--seed", f"the seed must be an integer >= 0, got {seed!r}"))
    if method == "tornado" or n is None:
        return errors
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        errors.append(FieldError("-n", f"expected an integer, got {n!r}"))
    elif method == "sobol" and (n < 16 or n & (n - 1)):
        low = 2 ** max(4, int(math.log2(max(n, 1))))
        errors.append(FieldError("-n", f"Sobol base samples must be a power of 2 >= 16 (the Sobol' sequence's "
                                       f"balance needs it), got {n}; e.g. {low} or {2 * low}"))
    elif method == "morris" and n < 2:
        errors.append(FieldError("-n", f"Morris needs at least 2 trajectories, got {n}"))
    return errors


def sensitivity(
    scenario: Scenario,
    method: str = "sobol",
    output: str = DEFAULT_OUTPUT,
    year: int | None = None,
    n: int | None = None,
    seed: int = 0,
    fixed: Iterable[str] = (),
    progress: Progress | None = None,
) -> Sensitivity:
    """Sensitivity of ``output`` to the scenario's uncertain inputs by ``method`` (see the module docstring).

    Parameters
    ----------
    scenario
        The loaded scenario (its ``uncertainty:`` block included).
    method
        ``"sobol"`` | ``"morris"`` | ``"tornado"``.
    output
        A numeric output key (``terawatt run --json`` lists them).
    year
        Calendar year [yr] whose trajectory values are used; ``None`` = the base values.
    n
        Sobol base samples (power of 2, default 1024) or Morris trajectories (default 100); ignored by the tornado.
    seed
        Seed of the design and of the bootstrap (>= 0).
    fixed
        Parameters fixed by ``--set`` (not varied).
    progress
        ``progress(rows_done, rows)`` after each chunk.

    Raises
    ------
    ScenarioError
        Unknown method, output key or year, bad -n or seed, bad uncertainty block: every problem at once.
    """
    errors = _check(method, n, seed) + year_errors(year) + sample_array_errors(scenario, "sensitivity")
    try:
        space = model_uncertainty_space(scenario, fixed)
    except ScenarioError as exc:
        errors.extend(exc.errors)
        space = None
    if not any(e.path in ("--year", "<samples>") for e in errors):
        errors.extend(outcome_errors([output], central_outputs(scenario, year), "--output"))
    designed = (isinstance(method, str) and method in ("sobol", "morris") and n is not None
                and not any(e.path == "-n" for e in errors))
    if space is not None and designed:
        d = len(space.uncertainties)  # a Sobol design has N (d + 2) rows, a Morris one r (d + 1)
        rows = int(n) * (d + 2 if method == "sobol" else d + 1)
        what = "base samples" if method == "sobol" else "trajectories"
        errors.extend(in_memory_errors(n, f"{what} of {d} inputs", "SALib holds the whole design", rows))
    if errors:
        raise ScenarioError(errors)
    space.require_uncertain()
    from terawatt.outputs import unit_of

    evaluate = scenario_evaluator(scenario, space, output, year, progress)
    notes, warnings = [], []
    dropped_pairs = tuple(space.correlations) if method != "tornado" else ()
    if space.correlations:
        (notes if method == "tornado" else warnings).append(correlation_note(method, space.correlations))
    scaled = space.scaled
    if scaled:
        notes.append(f"{', '.join(scaled)} follow trajectories: a value v scales the path by v / registry default")
    base = None
    if method == "tornado":
        rows, base, evaluations = tornado(space, evaluate, central_values(scenario, space, year),
                                          tornado_bounds(space))
        n, dropped = None, sum(not math.isfinite(r["swing"]) for r in rows)
    elif method == "sobol":
        n = DEFAULT_N["sobol"] if n is None else int(n)
        rows, evaluations, dropped = sobol_indices(space, evaluate, n, seed)
    else:
        n = DEFAULT_N["morris"] if n is None else int(n)
        rows, evaluations, dropped = morris_screening(space, evaluate, n, seed)
    if dropped:
        what = {"sobol": "base samples", "morris": "trajectories", "tornado": "inputs"}[method]
        notes.append(f"{dropped} {what} gave a non-finite {output} (infeasible designs) and "
                     + ("have no swing" if method == "tornado" else "were left out of the indices"))
    return Sensitivity(method, output, unit_of(output), tuple(rows), n, evaluations, int(seed), base,
                       scenario.name, year, dropped, CONF_LEVEL, tuple(notes), dropped_pairs,
                       tuple(warnings))


def correlation_note(method: str, correlations: Iterable[tuple[str, str, float]]) -> str:
    """What a result of ``method`` does with the scenario's rank ``correlations`` (a warning for Sobol and Morris)."""
    pairs = "; ".join(f"{a} ~ {b} (rank {r:+g})" for a, b, r in correlations)
    if method == "tornado":
        return (f"the uncertainty block's rank correlations ({pairs}) do not affect a tornado: it moves one input at "
                "a time with the others at their central values")
    return (f"these {method.capitalize()} indices are for INDEPENDENT inputs: the uncertainty block's rank "
            f"correlations were dropped ({pairs}); with correlated inputs the ranking may differ (Monte Carlo does "
            "impose them)")
