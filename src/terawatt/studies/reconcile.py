"""Why another published model's number differs from terawatt's: a waterfall from a preset (that model's
assumptions in terawatt keys, :mod:`terawatt.studies.presets`) to a target scenario (default: terawatt's own
defaults), switching one group of assumptions at a time.

The parameters whose values differ between the preset and the target are put in assumption groups
(:data:`GROUPS`: launch price, satellite mass budget, satellite cost, radiation and goodput, failures and spares,
discount rate and lives, ground power and facility, accelerator price, deployment and workload). Every subset of
the groups present is evaluated (2^G scenarios, G <= 9), which gives two exact decompositions of the difference:

- the **waterfall** in the fixed order of :data:`GROUPS`: the preset, then each group switched in turn; its first
  value is the preset's, its last the target's, exactly (the last scenario *is* the target's values), and its
  steps sum to the difference by construction;
- the **Shapley value** of each group: its switch's effect averaged over all G! orders (Shapley 1953), which also
  sums exactly to the difference and does not depend on an order. The range of a group's effect over all orders
  (``low``/``high``) shows how much the order matters: where it is wide, the group interacts with others.

References
----------
Shapley, L. S. (1953). A value for n-person games. In Contributions to the Theory of Games II, 307-317.
Ang, B. W. (2004). Decomposition analysis for policymaking in energy. Energy Policy 32(9), 1131-1139.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt.errors import FieldError, ScenarioError
from terawatt.scenario import Scenario, load_scenario

if TYPE_CHECKING:
    import pandas as pd

#: Assumption groups in the waterfall's fixed order: (id, label).
GROUPS = (
    ("launch", "launch price"),
    ("mass", "satellite mass budget"),
    ("satellite_cost", "satellite cost"),
    ("radiation", "radiation and goodput"),
    ("failures", "failures and spares"),
    ("finance", "discount rate and lives"),
    ("ground", "ground power and facility"),
    ("accelerator", "accelerator price"),
    ("workload", "deployment and workload"),
)
#: Parameters placed explicitly; the rest go by section (:data:`SECTION_GROUPS`).
KEY_GROUPS = {
    **dict.fromkeys(("solar.cost_usd_per_w", "thermal.cost_usd_per_m2", "power.battery_cost_usd_per_kwh",
                     "satellite.cost_usd_per_w", "satellite.bus_cost_usd_per_kg", "satellite.structure_cost_usd_per_kg",
                     "satellite.bus_structure_fraction"), "satellite_cost"),
    **dict.fromkeys(("satellite.lifetime_yr", "workload.hardware_lifetime_yr", "terrestrial.facility_lifetime_yr",
                     "terrestrial.power_plant_lifetime_yr"), "finance"),
    **dict.fromkeys(("workload.hardware_failure_rate_per_yr", "orbital_ops.spare_fraction",
                     "orbital_ops.replacement_fraction_per_yr", "orbital_ops.servicing_enabled",
                     "orbital_ops.servicing_cost_usd_per_visit", "orbital_ops.servicing_visits_per_satellite_yr",
                     "terrestrial.repair_cost_fraction_per_yr"), "failures"),
    **dict.fromkeys(("workload.interruptions_per_accelerator_yr", "workload.checkpoint_cost_h",
                     "workload.restart_cost_h", "workload.replica_restart_cost_h", "workload.retry_cost_h",
                     "workload.kind", "workload.training_fraction", "workload.accelerators_per_replica",
                     "workload.accelerators_per_training_job"), "radiation"),
    **dict.fromkeys(("workload.accelerator", "workload.server_price_usd_per_accelerator",
                     "workload.server_power_w_per_accelerator", "workload.server_mass_kg_per_accelerator",
                     "workload.tokens_per_s_per_accelerator", "workload.inferences_per_s_per_accelerator"),
                    "accelerator"),
}
SECTION_GROUPS = {
    "launch": "launch", "solar": "mass", "thermal": "mass", "power": "mass", "orbit": "mass", "satellite": "mass",
    "propulsion": "mass", "radiation": "radiation", "debris": "radiation", "atmosphere": "radiation",
    "links": "radiation", "orbital_ops": "satellite_cost", "finance": "finance", "terrestrial": "ground",
}
#: Outputs tracked at every step.
TRACKED = ("comparison.cost_ratio", "orbital.cost_per_gpu_hour_usd", "terrestrial.cost_per_gpu_hour_usd")
MAX_GROUPS = len(GROUPS)


def group_of(key: str) -> str:
    """The assumption group of a registry parameter."""
    return KEY_GROUPS.get(key) or SECTION_GROUPS.get(key.split(".", 1)[0], "workload")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return type(a) is type(b) and a == b


@dataclass(frozen=True)
class Step:
    """One group of the waterfall: what it switches and its effect on the tracked outputs."""

    group: str
    label: str
    keys: tuple[str, ...]
    after: dict[str, float]  # tracked outputs after this step (fixed order)
    change: float  # metric change of this step in the fixed order
    shapley: float  # metric change averaged over every order
    low: float  # smallest and largest change of this group over all orders
    high: float


@dataclass(frozen=True)
class Reconciliation:
    """The walk from a preset to a target scenario, one assumption group at a time."""

    preset: str
    title: str
    target: str
    year: int | None
    metric: str
    start: dict[str, float]  # tracked outputs of the preset
    end: dict[str, float]  # tracked outputs of the target
    steps: tuple[Step, ...]
    evaluations: int
    published: tuple[dict[str, Any], ...] = ()
    sources: tuple[str, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = ()  # why a value is missing (an infeasible design at either end)

    @property
    def total(self) -> float:
        return self.end[self.metric] - self.start[self.metric]

    def top(self, n: int = 3) -> list[Step]:
        """The ``n`` groups that explain most of the difference (largest absolute Shapley value)."""
        return sorted(self.steps, key=lambda s: -abs(s.shapley) if math.isfinite(s.shapley) else 0.0)[:n]

    def to_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return {
            "preset": self.preset, "title": self.title, "target": self.target, "year": self.year,
            "metric": self.metric, "start": {k: num(v) for k, v in self.start.items()},
            "end": {k: num(v) for k, v in self.end.items()}, "total_change": num(self.total),
            "steps": [{"group": s.group, "label": s.label, "keys": list(s.keys),
                       "after": {k: num(v) for k, v in s.after.items()}, "change": num(s.change),
                       "shapley": num(s.shapley), "low": num(s.low), "high": num(s.high)} for s in self.steps],
            "top_groups": [s.label for s in self.top()], "evaluations": self.evaluations,
            "published": list(self.published), "sources": list(self.sources), "notes": list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per step (index ``group``): keys switched, metric after, change, Shapley value and range."""
        import pandas as pd

        rows = [{"group": s.label, "keys": ", ".join(s.keys), f"{self.metric} after": s.after[self.metric],
                 "change": s.change, "shapley": s.shapley, "low": s.low, "high": s.high} for s in self.steps]
        frame = pd.DataFrame(rows).set_index("group")
        frame.attrs["units"] = {"change": "x" if self.metric == "comparison.cost_ratio" else "USD"}
        return frame


def _evaluate(values: dict[str, Any], base: Scenario) -> dict[str, float]:
    from terawatt.model import evaluate

    try:
        result = evaluate(Scenario(base.name, values, base.overrides, path=base.path))
    except ScenarioError:
        return dict.fromkeys(TRACKED, math.nan)
    return {k: float(np.asarray(result[k], float)) for k in TRACKED}


def reconcile_scenarios(
    start: Scenario, target: Scenario, metric: str = "comparison.cost_ratio", label: str = "", title: str = "",
    year: int | None = None,
) -> Reconciliation:
    """The waterfall and Shapley decomposition from scenario ``start`` to ``target`` (both scalar).

    Parameters
    ----------
    start, target
        Scalar scenarios (trajectories already applied, e.g. with ``at_year``).
    metric
        One of :data:`TRACKED`: the quantity decomposed.

    Raises
    ------
    ScenarioError
        A scenario with samples, an unknown metric.
    """
    if not isinstance(metric, str) or metric not in TRACKED:
        raise ScenarioError([FieldError("--metric", f"unknown metric {metric!r}: one of {', '.join(TRACKED)}")])
    for sc in (start, target):
        if sc.n_samples > 1:
            raise ScenarioError([FieldError(sc.name, "reconcile takes scalar scenarios (no arrays of samples)")])
        if sc.auto_keys:
            raise ScenarioError([FieldError(sc.name, f"{', '.join(sc.auto_keys)}: auto levers are not reconciled; "
                                                     "give values")])
    differing = [k for k in target.values if not _same(start.values[k], target.values[k])]
    present = [(g, lbl) for g, lbl in GROUPS if any(group_of(k) == g for k in differing)]
    keys = {g: tuple(k for k in differing if group_of(k) == g) for g, _ in present}
    n = len(present)
    values: dict[frozenset[str], dict[str, float]] = {}
    for size in range(n + 1):
        for subset in combinations([g for g, _ in present], size):
            v = dict(start.values)
            for g in subset:
                v.update({k: target.values[k] for k in keys[g]})
            values[frozenset(subset)] = _evaluate(v, start)
    steps = []
    switched: frozenset[str] = frozenset()
    for g, lbl in present:
        before = values[switched][metric]
        switched = switched | {g}
        after = values[switched]
        others = [x for x, _ in present if x != g]
        marginals, weights = [], []
        for size in range(n):
            w = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for subset in combinations(others, size):
                s = frozenset(subset)
                marginals.append(values[s | {g}][metric] - values[s][metric])
                weights.append(w)
        m = np.asarray(marginals, float)
        steps.append(Step(g, lbl, keys[g], after, after[metric] - before, float(np.dot(weights, m)),
                          float(m.min()), float(m.max())))
    notes = tuple(f"{which} ({sc.name}): {_reason(sc)}" for which, sc, v in
                  (("preset", start, values[frozenset()]), ("target", target, values[frozenset(keys)]))
                  if not math.isfinite(v[metric]))
    return Reconciliation(label or start.name, title or start.description, target.name, year, metric,
                          values[frozenset()], values[frozenset(keys)], tuple(steps), len(values), notes=notes)


def _reason(sc: Scenario) -> str:
    """Why a scenario has no cost: its infeasibility reason, or the bad input the model refuses."""
    from terawatt.model import evaluate

    try:
        return str(evaluate(sc)["orbital.infeasible_reason"]) or "no finite value"
    except ScenarioError as exc:
        return "; ".join(f"{e.path}: {e.message}" for e in exc.errors)


def reconcile(
    preset: str, to: str | Scenario | None = None, year: int | None = None, metric: str = "comparison.cost_ratio",
) -> Reconciliation:
    """Reconcile a shipped preset (:func:`terawatt.studies.presets.load_preset`) with a target scenario.

    Parameters
    ----------
    preset
        Preset name (``semianalysis-2026``) or path of a preset file.
    to
        Target scenario (a shipped name, a path, a Scenario); ``None`` = terawatt's defaults.
    year
        Calendar year whose trajectories apply to both [yr]; ``None`` = the preset's own year (if it names one).
    metric
        The quantity decomposed (:data:`TRACKED`).
    """
    from terawatt.studies.presets import load_preset

    p = load_preset(preset)
    when = year if year is not None else p.year
    start = p.scenario.at_year(when) if when is not None else p.scenario
    target = to if isinstance(to, Scenario) else load_scenario(to)
    target = target.at_year(when) if when is not None else target
    rec = reconcile_scenarios(start, target, metric, p.id, p.title, when)
    return dataclasses.replace(rec, published=tuple(p.published), sources=tuple(p.sources))
