"""Robustness scan: random in-range parameter combinations through the model, counting what goes wrong.

Each combination takes a random shipped scenario and sets a few random parameters to random values inside their
allowed ranges (log-uniform over spans wider than 100x, uniform otherwise; a random choice for names and switches).
Every combination must end in one of three ways: costs for a feasible design, a design flagged infeasible *with a
reason*, or a :class:`~terawatt.errors.ScenarioError` naming the field (exit 2 on the command line). Anything else
is counted: an uncaught exception (a traceback on the command line) or an "unexplained empty result" (no cost while
the design is called feasible, or an infeasible design without a reason).
"""

from __future__ import annotations

import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from terawatt.errors import ScenarioError
from terawatt.params import ParamSpec, load_registry
from terawatt.scenario import load_scenario, shipped_scenarios

#: Outcomes of one combination.
OUTCOMES = ("costed", "flagged", "refused", "traceback", "unexplained")


def sample_value(spec: ParamSpec, rng: np.random.Generator) -> Any:
    """A random value inside the parameter's allowed range (or one of its choices)."""
    from terawatt.studies.breakeven import search_span

    if spec.kind == "bool":
        return bool(rng.integers(2))
    if spec.kind == "str":
        if spec.choices:
            return str(rng.choice(spec.choices))
        if spec.catalog:
            from terawatt.catalogs import load_catalog

            return str(rng.choice(sorted(load_catalog(spec.catalog))))
        return spec.default
    lo, hi = search_span(spec)
    if lo > 0 and hi / lo > 100:
        value = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    else:
        value = float(rng.uniform(lo, hi))
    if spec.kind == "int":
        value = int(np.clip(np.round(value), np.ceil(lo), np.floor(hi)))
    return value


def classify(result: Any) -> str:
    """``costed``, ``flagged`` (infeasible with a reason) or ``unexplained`` for one scalar evaluation."""
    feasible = bool(result["orbital.feasible"])
    cost = float(result["orbital.cost_per_gpu_hour_usd"])
    ratio = float(result["comparison.cost_ratio"])
    ground = float(result["terrestrial.cost_per_gpu_hour_usd"])
    if feasible:
        return "costed" if np.isfinite(cost) and np.isfinite(ratio) and np.isfinite(ground) else "unexplained"
    reason = result.outputs.get("orbital.infeasible_reason", "")
    return "flagged" if reason else "unexplained"


@dataclass
class ScanReport:
    """Counts of each outcome and a few examples of the bad ones."""

    n: int
    counts: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def fraction(self, outcome: str) -> float:
        return self.counts[outcome] / self.n if self.n else 0.0

    def summary(self) -> str:
        lines = [f"{self.n} random in-range combinations:"]
        for outcome in OUTCOMES:
            lines.append(f"  {outcome:12s} {self.counts[outcome]:6d}  ({100 * self.fraction(outcome):.1f} %)")
        for outcome in ("traceback", "unexplained"):
            for ex in self.examples.get(outcome, [])[:10]:
                lines.append(f"  {outcome}: {ex}")
        return "\n".join(lines)


def scan_inputs(n: int = 2000, seed: int = 0, max_params: int = 4, examples: int = 20) -> ScanReport:
    """Evaluate ``n`` random in-range combinations and count the outcomes (see the module docstring)."""
    from terawatt.model import evaluate

    rng = np.random.default_rng(seed)
    registry = load_registry()
    names = sorted(registry)
    scenarios = sorted(shipped_scenarios())
    report = ScanReport(n)
    for _ in range(n):
        base = str(rng.choice(scenarios))
        chosen = rng.choice(names, size=int(rng.integers(1, max_params + 1)), replace=False)
        overrides = {str(k): sample_value(registry[str(k)], rng) for k in chosen}
        label = f"{base} " + " ".join(f"--set {k}={v!r}" for k, v in overrides.items())
        try:
            outcome = classify(evaluate(load_scenario(base, overrides)))
        except ScenarioError:
            outcome = "refused"
        except Exception as exc:  # noqa: BLE001 - counting exactly these is the point of the scan
            outcome = "traceback"
            label += f" -> {type(exc).__name__}: {exc} [{traceback.extract_tb(exc.__traceback__)[-1].name}]"
        report.counts[outcome] += 1
        if outcome in ("traceback", "unexplained") and len(report.examples.setdefault(outcome, [])) < examples:
            report.examples[outcome].append(label)
    return report
