"""Scenario discovery: where in the space of uncertain inputs does a condition on the outputs hold ("orbit is
cheaper in 2035 when the satellite lives > X years and launch costs < Y") -- "what must be true" in many
dimensions at once (Bryant and Lempert 2010; EMA Workbench).

The inputs are sampled as in Monte Carlo (:class:`~terawatt.studies.uncertainty.SampleDesign`, Latin hypercube
by default; rank correlations imposed), evaluated through the population primitive, the condition
(:func:`~terawatt.studies.outcomes.parse_condition`) is tested on each sample, and PRIM
(:mod:`terawatt.studies.prim`, implemented here after Friedman and Fisher 1999) finds the boxes.

PRIM is implemented in :mod:`terawatt.studies.prim` rather than taken from a package: the ``prim`` package
(PRIM 1.0.0) is GPL-3 (``terawatt`` is MIT) and imports ``mplcursors`` on load, and EMA Workbench's ``prim``
comes with scikit-learn, statsmodels, seaborn and platypus-opt, none of which the model needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt.errors import FieldError, ScenarioError
from terawatt.scenario import Scenario
from terawatt.studies.outcomes import (
    Condition,
    central_outputs,
    in_memory_errors,
    outcome_errors,
    parse_condition,
    sample_array_errors,
    year_errors,
)
from terawatt.studies.population import Progress, evaluate_population
from terawatt.studies.prim import ALPHA, MAX_BOXES, MIN_SUPPORT, THRESHOLD, PrimBox, prim
from terawatt.studies.uncertainty import SampleDesign, UncertaintySpace, check_sampler, model_uncertainty_space

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_CONDITION = "comparison.cost_ratio < 1"


@dataclass(frozen=True)
class Discovery:
    """Boxes of input space where ``condition`` holds, from ``n`` samples of the scenario's uncertainties.

    ``share`` is the share of samples where the condition holds; ``boxes`` is empty (with ``message``) when it
    holds in none or in all of them.
    """

    scenario: str
    year: int
    condition: str
    n: int
    seed: int
    sampler: str
    space: UncertaintySpace
    share: float
    boxes: tuple[PrimBox, ...]
    options: dict[str, float]
    message: str = ""
    units: dict[str, str] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per (box, restricted input): its low and high limits (NaN = that side open), unit,
        quasi-p-value and the box's coverage, density and support."""
        import pandas as pd

        rows = [{"box": i + 1, "parameter": name, "low": np.nan if lo is None else lo,
                 "high": np.nan if hi is None else hi, "unit": self.units.get(name, "-"),
                 "quasi_p": box.quasi_p[name], "coverage": box.coverage, "density": box.density,
                 "support": box.support}
                for i, box in enumerate(self.boxes) for name, (lo, hi) in box.limits.items()]
        columns = ["box", "parameter", "low", "high", "unit", "quasi_p", "coverage", "density", "support"]
        frame = pd.DataFrame(rows, columns=columns).set_index(["box", "parameter"])
        frame.attrs.update({"condition": self.condition, "share": self.share, "units": dict(self.units)})
        return frame

    def trajectory_frame(self, box: int = 1) -> pd.DataFrame:
        """The peeling trajectory of box ``box`` (1-based): coverage, density, support, inputs restricted."""
        import pandas as pd

        points = self.boxes[box - 1].trajectory if self.boxes else ()
        return pd.DataFrame([vars(p) for p in points], columns=["coverage", "density", "support", "restricted"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: options, share of samples where the condition holds, the boxes."""
        return {"scenario": self.scenario, "year": self.year, "condition": self.condition, "n": self.n,
                "seed": self.seed, "sampler": self.sampler, "inputs": self.space.names, "share": self.share,
                "options": dict(self.options), "message": self.message,
                "boxes": [{**b.to_dict(), "units": {k: self.units.get(k, "-") for k in b.limits}}
                          for b in self.boxes]}


def _check_options(alpha: float, min_support: float, threshold: float, max_boxes: int) -> list[FieldError]:
    errors = []

    def num(x: Any) -> float:  # NaN for what is no number (and fails every range test below)
        return float(x) if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool) else \
            float("nan")

    if not 0 < num(alpha) < 0.5:
        errors.append(FieldError("--alpha", f"the peeling share must be in (0, 0.5), got {alpha!r}"))
    if not 0 < num(min_support) < 1:
        errors.append(FieldError("--min-support", f"the smallest box share must be in (0, 1), got {min_support!r}"))
    if not 0 < num(threshold) <= 1:
        errors.append(FieldError("--density", f"the density threshold must be in (0, 1], got {threshold!r}"))
    if isinstance(max_boxes, bool) or not isinstance(max_boxes, int) or max_boxes < 1:
        errors.append(FieldError("--boxes", f"the number of boxes must be an integer >= 1, got {max_boxes!r}"))
    return errors


def discover(
    scenario: Scenario,
    year: int | None,
    condition: str | Condition = DEFAULT_CONDITION,
    n: int = 10000,
    seed: int = 0,
    sampler: str = "lhs",
    fixed: Iterable[str] = (),
    alpha: float = ALPHA,
    min_support: float = MIN_SUPPORT,
    threshold: float = THRESHOLD,
    max_boxes: int = MAX_BOXES,
    progress: Progress | None = None,
) -> Discovery:
    """Boxes of the scenario's uncertain inputs where ``condition`` holds in ``year`` (PRIM).

    Parameters
    ----------
    scenario
        The loaded scenario (its ``uncertainty:`` block included).
    year
        Calendar year [yr].
    condition
        ``KEY OP NUMBER [and ...]`` (:func:`~terawatt.studies.outcomes.parse_condition`), or a parsed one.
    n, seed, sampler
        Samples, seed (>= 0) and ``random`` | ``lhs`` | ``sobol`` (as for Monte Carlo).
    fixed
        Parameters fixed by ``--set`` (not sampled).
    alpha, min_support, threshold, max_boxes
        PRIM's peeling share, smallest box share, density a box must reach, most boxes (:func:`~terawatt.
        studies.prim.prim`).
    progress
        ``progress(samples_done, n)`` after each chunk.

    Raises
    ------
    ScenarioError
        A condition that does not parse (with the grammar), an unknown or non-numeric output, a bad year, bad
        sampling or PRIM options: every problem at once.
    """
    errors = check_sampler(sampler, n, seed) + year_errors(year) + _check_options(alpha, min_support, threshold,
                                                                                   max_boxes)
    errors.extend(in_memory_errors(n, "samples", "PRIM peels boxes over all of them at once"))
    errors.extend(sample_array_errors(scenario, "discover"))
    if year is None:
        errors.append(FieldError("--year", "give the calendar year the condition is tested in"))
    parsed = None
    try:
        parsed = condition if isinstance(condition, Condition) else parse_condition(condition)
    except ScenarioError as exc:
        errors.extend(exc.errors)
    try:
        space = model_uncertainty_space(scenario, fixed)
    except ScenarioError as exc:
        errors.extend(exc.errors)
    if parsed is not None and not any(e.path in ("--year", "<samples>") for e in errors):
        errors.extend(outcome_errors(parsed.keys, central_outputs(scenario, year), "--condition"))
    if errors:
        raise ScenarioError(errors)
    space.require_uncertain()
    from terawatt.params import load_registry

    design = SampleDesign(space, int(n), int(seed), sampler)
    scaled = space.scaled
    population = evaluate_population(scenario, design, parsed.keys, year=year, scaled=scaled, progress=progress,
                                     spec={"study": "discover"})
    holds = parsed.holds(population.columns)
    share = float(holds.mean())
    options = {"alpha": alpha, "min_support": min_support, "threshold": threshold, "max_boxes": max_boxes}
    registry = load_registry()
    units = {name: registry[name].unit for name in space.names}
    args = (scenario.name, int(year), str(parsed), int(n), int(seed), sampler, space, share)
    if not holds.any() or holds.all():
        where = "none" if not holds.any() else "all"
        message = (f"the condition {parsed} holds in {where} of the {n:,} samples in {year}: no box separates "
                   "where it holds from where it does not" + (" (infeasible designs, with NaN costs, never satisfy "
                                                              "a condition)" if where == "none" else ""))
        return Discovery(*args, (), options, message, units)
    inputs = {name: population.columns[name] for name in space.names}
    boxes = prim(inputs, holds, alpha, min_support, threshold, max_boxes)
    return Discovery(*args, tuple(boxes), options, "", units)
