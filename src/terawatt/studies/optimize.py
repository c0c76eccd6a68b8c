"""Design optimisation: the levers of a satellite design (registry parameters with bounds, and discrete choices
such as the eclipse policy) chosen to minimise an objective (cost per delivered GPU-hour by default), or the
Pareto front of two objectives.

Every generation of the search is one population, evaluated through the vectorized model in one pass (the
discrete levers ride along as arrays of choice names). One objective: :func:`scipy.optimize.differential_evolution`
(vectorized, deferred updating, integer variables for the choices), seeded, with the scenario's own design in the
initial population, so the optimum is never worse than the design it starts from. Two objectives: NSGA-II
(:mod:`pymoo`), seeded. ``satellite.compute_power_w: auto`` and ``orbit.eclipse_policy: auto`` in a scenario are
resolved by :func:`resolve_auto` before the model runs (per sample and per year, by a vectorized grid search).

References
----------
Storn & Price (1997), "Differential evolution", J. Global Optim. 11, 341-359.
Deb et al. (2002), "A fast and elitist multiobjective genetic algorithm: NSGA-II", IEEE TEC 6(2), 182-197.
Kwakkel (2017), "The Exploratory Modeling Workbench", Environ. Model. Softw. 96, 239-250 (levers vs uncertainties).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt.errors import FieldError, ScenarioError
from terawatt.params import load_registry
from terawatt.scenario import Scenario
from terawatt.studies.levers import Lever, parse_levers

if TYPE_CHECKING:
    import pandas as pd

#: Named objectives: name -> (output key, label, unit). Any numeric output key is accepted as well.
OBJECTIVES = {
    "gpu-hour": ("orbital.cost_per_gpu_hour_usd", "cost per delivered GPU-hour (orbit)", "USD"),
    "tokens": ("orbital.cost_per_million_tokens_usd", "cost per million tokens (orbit)", "USD"),
    "mass-per-kw": ("orbital.launch_mass_kg_per_kw", "launched mass per kW of IT", "kg/kW"),
    "ratio": ("comparison.cost_ratio", "orbit / ground cost per GPU-hour", "x"),
}
#: Outputs reported for the optimum and for the scenario's own design.
REPORTED = ("orbital.cost_per_gpu_hour_usd", "terrestrial.cost_per_gpu_hour_usd", "comparison.cost_ratio",
            "orbital.specific_power_w_per_kg", "orbital.satellite_mass_kg", "orbital.satellite_count")
#: Search effort (one objective): population = POPSIZE x number of levers, at most MAXITER generations.
POPSIZE, MAXITER, TOL = 10, 60, 1e-6
#: Search effort (Pareto front): population and generations of NSGA-II.
PARETO_POP, PARETO_GEN = 60, 60
#: Grid search of the auto levers: coarse points per continuous lever, then refinement rounds of REFINE points.
AUTO_GRID, AUTO_REFINE, AUTO_ROUNDS = 49, 17, 2

ObjectiveFn = Callable[[dict[str, np.ndarray]], np.ndarray]


def objective_key(objective: str) -> tuple[str, str, str]:
    """(output key, label, unit) of a named objective or an output key; ScenarioError if neither."""
    if objective in OBJECTIVES:
        return OBJECTIVES[objective]
    from terawatt.outputs import unit_of

    try:
        unit = unit_of(objective)
    except (KeyError, ValueError):
        unit = None
    if unit is not None and objective.count(".") == 1:
        return objective, objective, unit or ""
    raise ScenarioError([FieldError("--objective", f"unknown objective {objective!r}: one of "
                                                   f"{', '.join(OBJECTIVES)} or an output key")])


# --------------------------------------------------------------------------------------------- evaluation
def evaluate_outputs(base: Scenario, values: dict[str, Any], keys: Sequence[str]) -> dict[str, np.ndarray]:
    """``keys`` of the model over a population: ``values`` (arrays of one shape, choice names as text arrays)
    replace the scenario's, one pass through the vectorized model.

    A population the model refuses as bad input (an altitude outside a table an effect needs) is split in halves
    until the refused rows are isolated; they come back as NaN, as do infeasible designs.
    """
    from terawatt.model import evaluate

    shape = np.broadcast_shapes(*(np.shape(v) for v in values.values()))
    try:
        result = evaluate(Scenario(base.name, {**base.values, **values}, base.overrides, path=base.path))
    except ScenarioError:
        n = shape[-1] if shape else 1
        if n <= 1:
            return {k: np.full(shape, np.nan) for k in keys}
        half = n // 2
        low = evaluate_outputs(base, {k: np.asarray(v)[..., :half] for k, v in values.items()}, keys)
        high = evaluate_outputs(base, {k: np.asarray(v)[..., half:] for k, v in values.items()}, keys)
        return {k: np.concatenate([low[k], high[k]], axis=-1) for k in keys}
    out = {}
    for key in keys:
        raw = np.asarray(result[key], float)
        feasible = np.asarray(result["orbital.feasible"], bool)
        out[key] = np.broadcast_to(np.where(feasible, raw, np.nan), np.broadcast_shapes(shape, np.shape(raw))).copy()
    return out


def _penalised(f: np.ndarray) -> np.ndarray:
    """Objective values with NaN/inf (infeasible designs) replaced by a huge finite penalty (DE needs finite)."""
    return np.where(np.isfinite(f), f, 1e30)


def _lever_values(levers: Sequence[Lever], x: np.ndarray) -> dict[str, np.ndarray]:
    """Lever values of search variables ``x`` with shape (levers, n)."""
    return {lever.name: lever.values(x[i]) for i, lever in enumerate(levers)}


# --------------------------------------------------------------------------------------------- the searches
def minimize_levers(
    fn: ObjectiveFn, levers: Sequence[Lever], seed: int = 0, start: dict[str, Any] | None = None,
    popsize: int = POPSIZE, maxiter: int = MAXITER,
) -> tuple[dict[str, Any], float, int]:
    """Minimise ``fn`` over ``levers`` by differential evolution (one population per call of ``fn``).

    Parameters
    ----------
    fn
        Objective: lever values (arrays of n rows; choice names for discrete levers) -> n values; NaN = infeasible.
    levers
        The levers and their bounds.
    seed
        Seed of the initial Latin hypercube and of the search (same seed, same result).
    start
        A design to include in the initial population (values inside the bounds); it wins ties.
    popsize, maxiter
        Population size per lever, and generations at most.

    Returns
    -------
    (design, value, evaluations)
        The best lever values, its objective value (NaN when no candidate is feasible), designs evaluated.
    """
    from scipy.optimize import differential_evolution
    from scipy.stats import qmc

    spans = [lever.span for lever in levers]
    calls = [0]

    def wrapped(x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, float).T).T  # (levers, n)
        calls[0] += x.shape[1]
        return _penalised(np.asarray(fn(_lever_values(levers, x)), float).reshape(-1))

    size = max(5, popsize * len(levers))
    init = qmc.scale(qmc.LatinHypercube(d=len(levers), seed=seed).random(size), *zip(*spans, strict=True)) \
        if any(hi > lo for lo, hi in spans) else np.tile([lo for lo, _ in spans], (size, 1))
    start_x = None
    if start is not None and all(start.get(lever.name) is not None for lever in levers):
        start_x = np.array([lever.variable(start[lever.name]) for lever in levers])
        init[0] = start_x
    integrality = np.array([lever.discrete or (lever.integer and not lever.log) for lever in levers])
    for i in np.flatnonzero(integrality):
        init[:, i] = np.round(init[:, i])
    fixed = [lo == hi for lo, hi in spans]
    bounds = [(lo, hi + (1e-12 if f else 0.0)) for (lo, hi), f in zip(spans, fixed, strict=True)]
    res = differential_evolution(
        wrapped, bounds, init=init, popsize=popsize, maxiter=maxiter, tol=TOL, rng=seed, polish=False,
        vectorized=True, updating="deferred", integrality=integrality,
    )
    best_x, best_f = _snap_to_bounds(wrapped, spans, np.asarray(res.x, float), float(res.fun))
    if start_x is not None:
        start_f = float(wrapped(start_x[:, None])[0])
        if start_f <= best_f:
            best_x, best_f = start_x, start_f
    design = {k: v[0].item() for k, v in _lever_values(levers, best_x[:, None]).items()}
    return design, (best_f if best_f < 1e30 else math.nan), calls[0]


def _snap_to_bounds(
    f: Callable[[np.ndarray], np.ndarray], spans: Sequence[tuple[float, float]], x: np.ndarray, fx: float
) -> tuple[np.ndarray, float]:
    """Move levers that end near a bound onto it where that is no worse: every lever at either bound in one
    population, repeated while it helps (an evolutionary search approaches a binding bound but rarely reaches
    it, and a bound that binds is a finding)."""
    for _ in range(len(spans)):
        cands = []
        for i, (lo, hi) in enumerate(spans):
            for b in (lo, hi):
                if x[i] != b:
                    c = x.copy()
                    c[i] = b
                    cands.append(c)
        if not cands:
            break
        fc = f(np.array(cands).T)
        j = int(np.argmin(fc))
        if fc[j] > fx:
            break
        x, fx = cands[j], float(fc[j])
    return x, fx


def pareto_levers(
    fn: ObjectiveFn, levers: Sequence[Lever], seed: int = 0, pop_size: int = PARETO_POP, n_gen: int = PARETO_GEN
) -> tuple[list[dict[str, Any]], np.ndarray, int]:
    """The Pareto front of a two-objective ``fn`` (values of shape (n, 2)) over ``levers`` by NSGA-II (pymoo).

    Returns the front's designs (sorted by the first objective), their objectives (m, 2) and the number of
    designs evaluated; infeasible designs (NaN) are constraint violations.
    """
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.problem import Problem
    from pymoo.optimize import minimize

    spans = np.array([lever.span for lever in levers], float)
    calls = [0]

    class _Front(Problem):
        def _evaluate(self, x: np.ndarray, out: dict[str, Any], *args: Any, **kwargs: Any) -> None:
            calls[0] += x.shape[0]
            f = np.asarray(fn(_lever_values(levers, x.T)), float).reshape(x.shape[0], 2)
            bad = ~np.isfinite(f).all(axis=1)
            out["F"] = np.where(bad[:, None], 1e30, f)
            out["G"] = bad.astype(float)[:, None] - 0.5

    problem = _Front(n_var=len(levers), n_obj=2, n_ieq_constr=1, xl=spans[:, 0], xu=spans[:, 1] + 1e-12)
    res = minimize(problem, NSGA2(pop_size=pop_size), ("n_gen", n_gen), seed=seed, verbose=False)
    if res.X is None:
        return [], np.empty((0, 2)), calls[0]
    xs, fs = np.atleast_2d(res.X), np.atleast_2d(res.F)
    _, first = np.unique(np.round(fs, 12), axis=0, return_index=True)  # one design per point of the front
    xs, fs = xs[np.sort(first)], fs[np.sort(first)]
    order = np.argsort(fs[:, 0], kind="stable")
    values = _lever_values(levers, xs[order].T)
    designs = [{k: v[i].item() for k, v in values.items()} for i in range(len(order))]
    return designs, fs[order], calls[0]


# --------------------------------------------------------------------------------------------- the study
@dataclass(frozen=True)
class Optimum:
    """The optimised design, the scenario's own design, and (for two objectives) the Pareto front."""

    scenario: str
    year: int | None
    objectives: tuple[str, ...]  # output keys
    labels: tuple[str, ...]
    units: tuple[str, ...]
    levers: tuple[Lever, ...]
    design: dict[str, Any]  # lever -> optimal value
    baseline: dict[str, Any]  # lever -> the scenario's own value
    outputs: dict[str, float]  # REPORTED and the objectives at the optimum
    baseline_outputs: dict[str, float]
    evaluations: int
    seed: int
    method: str
    front: list[dict[str, Any]] = field(default_factory=list)  # Pareto designs with their objective values
    notes: tuple[str, ...] = ()

    @property
    def objective_value(self) -> float:
        return self.outputs[self.objectives[0]]

    @property
    def on_bound(self) -> dict[str, str]:
        """Levers whose optimum sits on a bound (a bound that binds is a finding): name -> "low" | "high"."""
        out = {}
        for lever in self.levers:
            side = lever.on_bound(self.design[lever.name])
            if side:
                out[lever.name] = side
        return out

    def moved(self, name: str) -> str:
        """How far lever ``name`` moved from the scenario's design, in words (``+12.5 %``, ``battery -> throttle``)."""
        old, new = self.baseline.get(name), self.design[name]
        if old is None:
            return "n/a"
        if isinstance(new, str):
            return "unchanged" if new == old else f"{old} -> {new}"
        if old == 0:
            return "unchanged" if new == 0 else f"{new - old:+.3g} (from 0)"
        change = (new - old) / abs(old)
        return "unchanged" if abs(change) < 5e-4 else f"{100 * change:+.1f} %"

    def rows(self) -> list[dict[str, Any]]:
        """One row per lever: bounds, the scenario's value, the optimum, the change, the bound it sits on."""
        bound = self.on_bound
        return [
            {"lever": lv.name, "unit": lv.unit, "bounds": lv.bounds_text(), "scenario": self.baseline.get(lv.name),
             "optimum": self.design[lv.name], "moved": self.moved(lv.name), "on_bound": bound.get(lv.name)}
            for lv in self.levers
        ]

    def to_dict(self) -> dict[str, Any]:
        def clean(d: dict[str, Any]) -> dict[str, Any]:
            return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}

        return {
            "scenario": self.scenario, "year": self.year, "objectives": list(self.objectives),
            "method": self.method, "seed": self.seed, "evaluations": self.evaluations,
            "levers": self.rows(), "optimum": clean(self.outputs), "scenario_design": clean(self.baseline_outputs),
            "on_bound": self.on_bound, "front": [clean(p) for p in self.front], "notes": list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        """The lever table (index ``lever``); the Pareto front is :meth:`front_frame`."""
        import pandas as pd

        frame = pd.DataFrame(self.rows()).set_index("lever")
        frame.attrs["units"] = {r["lever"]: r["unit"] for r in self.rows()}
        return frame

    def front_frame(self) -> pd.DataFrame:
        """One row per Pareto design: lever values and the two objectives."""
        import pandas as pd

        frame = pd.DataFrame(self.front)
        frame.attrs["units"] = {**{lv.name: lv.unit for lv in self.levers},
                                **dict(zip(self.objectives, self.units, strict=True))}
        return frame


def _baseline(sc: Scenario, levers: Sequence[Lever], outputs: dict[str, Any]) -> dict[str, Any]:
    """The scenario's own value of each lever (a derived one read from its output), cut into the bounds."""
    registry = load_registry()
    out: dict[str, Any] = {}
    for lever in levers:
        value = sc.values.get(lever.name)
        derived = registry[lever.name].derived_output
        if value is None and derived is not None:  # empty = derived: the value the model used, from its output
            value = outputs.get(derived)
        if isinstance(value, str):
            out[lever.name] = value if value in lever.choices else None
        elif value is None or not np.isfinite(float(value)):
            out[lever.name] = None
        else:
            out[lever.name] = float(value)
    return out


def _prepare(scenario: Scenario, year: int | None) -> tuple[Scenario, dict[str, Any]]:
    """The scenario in ``year`` with its auto levers set to the registry defaults (they are optimised as levers),
    and its outputs with the radiator temperature left to the chip limits (for that lever's upper bound)."""
    from terawatt.model import evaluate

    sc = scenario.at_year(year) if year is not None else scenario
    registry = load_registry()
    auto = {k: registry[k].default for k in sc.auto_keys}
    sc = Scenario(sc.name, {**sc.values, **auto}, sc.overrides, sc.description, sc.sources, sc.path)
    if sc.n_samples > 1:
        raise ScenarioError([FieldError("<scenario>", "optimize takes a scalar scenario (no arrays of samples)")])
    chip = evaluate(Scenario(sc.name, {**sc.values, "thermal.radiator_temp_k": None}, sc.overrides, path=sc.path))
    return sc, {"chip_limit_k": float(chip["orbital.radiator_temp_k"])}


def _texts(value: Any, option: str, errors: list[FieldError]) -> list[str]:
    """``value`` as a list of text items (one text or a sequence of them); an error for ``option`` otherwise."""
    if isinstance(value, str):
        return [value]
    items = list(value) if isinstance(value, Iterable) and not isinstance(value, bytes) else None
    if items is None or not all(isinstance(v, str) for v in items):
        errors.append(FieldError(option, f"expected text or a list of texts, got {value!r:.60}"))
        return []
    return items


def optimize(
    scenario: Scenario, levers: Sequence[str] | None = None, objective: str | Sequence[str] = "gpu-hour",
    year: int | None = None, seed: int = 0,
) -> Optimum:
    """Choose the design levers that minimise ``objective`` (or trace the Pareto front of two objectives).

    Parameters
    ----------
    scenario
        A scalar scenario; its own design is in the initial population. Its auto levers are always optimised.
    levers
        ``NAME``, ``NAME=lo:hi`` or ``NAME=a,b`` (choices), ``default`` for the default set
        (:data:`~terawatt.studies.levers.DEFAULT_LEVERS`); ``None`` = the default set.
    objective
        A name in :data:`OBJECTIVES` or an output key; two of them for a Pareto front.
    year
        Calendar year whose trajectory values apply [yr]; ``None`` = the base values.
    seed
        Seed of the search (>= 0): the same seed gives the same design.

    Raises
    ------
    ScenarioError
        Bad levers (every one at once), unknown objective, a scenario with samples.
    """
    from terawatt.model import evaluate
    from terawatt.studies.outcomes import outcome_errors

    errors: list[FieldError] = []
    names = _texts(objective, "--objective", errors)
    levers = None if levers is None else _texts(levers, "--lever", errors)
    if not errors and not 1 <= len(names) <= 2:
        errors.append(FieldError("--objective", f"give one objective or two (a Pareto front), got {len(names)}"))
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        errors.append(FieldError("--seed", f"expected an integer >= 0, got {seed!r}"))
    sc, info = _prepare(scenario, year)
    outputs = evaluate(sc).outputs
    keys = []
    for name in names:
        try:
            key = objective_key(name)
        except ScenarioError as exc:
            errors.extend(exc.errors)
            continue
        bad = outcome_errors([key[0]], outputs, "--objective")  # unknown, or text / true-false
        errors.extend(bad)
        if not bad:
            keys.append(key)
    items = list(levers or ["default"])
    named = {item.partition("=")[0].strip() for item in items}
    items += [k for k in scenario.auto_keys if k not in named and "default" not in named]
    try:
        lever_list = parse_levers(items, sc.values, info["chip_limit_k"])
    except ScenarioError as exc:
        errors.extend(exc.errors)
    if errors:  # every bad option at once
        raise ScenarioError(errors)
    wanted = tuple(dict.fromkeys([*REPORTED, "orbital.radiator_temp_k", *(k for k, _, _ in keys)]))
    base_out = {k: float(v.reshape(-1)[0]) for k, v in evaluate_outputs(sc, {}, wanted).items()}
    baseline = _baseline(sc, lever_list, base_out)
    objective_keys = [k for k, _, _ in keys]

    def fn(values: dict[str, np.ndarray]) -> np.ndarray:
        out = evaluate_outputs(sc, values, objective_keys)
        return np.stack([out[k] for k in objective_keys], axis=-1) if len(keys) == 2 else out[objective_keys[0]]

    front: list[dict[str, Any]] = []
    if len(keys) == 1:
        design, _, calls = minimize_levers(fn, lever_list, seed, start=baseline)
        method = "differential evolution (scipy.optimize), vectorized populations"
    else:
        designs, fs, calls = pareto_levers(fn, lever_list, seed)
        front = [{**d, objective_keys[0]: float(f[0]), objective_keys[1]: float(f[1])}
                 for d, f in zip(designs, fs, strict=True)]
        if not designs:
            raise ScenarioError([FieldError("--lever", "no feasible design inside the lever bounds")])
        design = designs[0]  # the best on the first objective
        method = "NSGA-II (pymoo), vectorized populations"
    notes = ()
    if sc.values.get("satellite.mass_kg") is not None and any(lv.name == "satellite.compute_power_w"
                                                              for lv in lever_list):
        notes = (f"satellite.mass_kg is given ({sc.values['satellite.mass_kg']:g} kg, a heritage satellite): the "
                 "compute power lever changes the power at that fixed mass; empty it to size the satellite",)
    at_opt = evaluate_outputs(sc, {k: np.array([v]) for k, v in design.items()}, wanted)
    outputs = {k: float(v.reshape(-1)[0]) for k, v in at_opt.items()}
    return Optimum(sc.name, year, tuple(objective_keys), tuple(lbl for _, lbl, _ in keys),
                   tuple(u for _, _, u in keys), tuple(lever_list), design, baseline, outputs, base_out, calls, seed,
                   method, front, notes)


# --------------------------------------------------------------------------------------------- auto levers
def _candidates(levers: Sequence[Lever], points: int) -> dict[str, np.ndarray]:
    """The product grid of ``points`` values per continuous lever and every choice of the discrete ones."""
    axes = [np.arange(len(lv.choices), dtype=float) if lv.discrete else np.linspace(*lv.span, points)
            for lv in levers]
    mesh = np.meshgrid(*axes, indexing="ij")
    return {lv.name: m.reshape(-1) for lv, m in zip(levers, mesh, strict=True)}


def resolve_auto(scenario: Scenario, objective: str = "gpu-hour") -> Scenario:
    """The scenario with each ``auto`` lever set to the value that minimises ``objective``, per sample and year.

    A grid of :data:`AUTO_GRID` values per continuous lever over its literature range (log-spaced where it spans
    more than a factor of 20) times every choice of the discrete ones is evaluated in one pass for all samples and
    years at once (the candidates are a trailing array axis), then each continuous lever is refined
    :data:`AUTO_ROUNDS` times on a grid of :data:`AUTO_REFINE` points within one step of the best. The chosen values
    replace ``"auto"`` (arrays of the scenario's sample/year shape; choice names as a text array).
    """
    keys = scenario.auto_keys
    if not keys:
        return scenario
    registry = load_registry()
    levers = parse_levers(list(keys), {})
    values = {**scenario.values, **{k: registry[k].default for k in keys}}
    shape = np.broadcast_shapes(*(np.shape(v) for v in values.values() if isinstance(v, np.ndarray)))
    base = Scenario(scenario.name, {k: (v[..., None] if isinstance(v, np.ndarray) else v) for k, v in values.items()},
                    scenario.overrides, path=scenario.path)
    okey = objective_key(objective)[0]
    grid = _candidates(levers, AUTO_GRID)
    x = {k: np.broadcast_to(v, (*shape, v.size)) for k, v in grid.items()}

    def best(cands: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vals = {lv.name: lv.values(cands[lv.name]) for lv in levers}
        f = _penalised(evaluate_outputs(base, vals, [okey])[okey])
        full = np.broadcast_shapes(f.shape, *(v.shape for v in cands.values()))
        i = np.argmin(np.broadcast_to(f, full), axis=-1)[..., None]
        return {k: np.take_along_axis(np.broadcast_to(v, full), i, -1)[..., 0] for k, v in cands.items()}

    chosen = best(x)
    step = {lv.name: (lv.span[1] - lv.span[0]) / (AUTO_GRID - 1) for lv in levers if not lv.discrete}
    offsets = np.linspace(-1.0, 1.0, AUTO_REFINE)
    for _ in range(AUTO_ROUNDS):
        for lv in levers:
            if lv.discrete:
                continue
            local = np.clip(chosen[lv.name][..., None] + step[lv.name] * offsets, *lv.span)
            cands = {k: (local if k == lv.name else v[..., None]) for k, v in chosen.items()}
            chosen = best(cands)
            step[lv.name] *= 2.0 / (AUTO_REFINE - 1)
    resolved = {}
    for lv in levers:
        value = lv.values(chosen[lv.name])
        resolved[lv.name] = value.item() if value.ndim == 0 else value
    return Scenario(scenario.name, {**scenario.values, **resolved}, scenario.overrides, scenario.description,
                    scenario.sources, scenario.path, scenario.trajectories, scenario.uncertainty)
