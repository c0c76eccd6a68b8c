"""What must be true: the value of one parameter at which orbit and ground cost the same (or any target ratio),
found by vectorized root finding over the parameter's allowed range; and 2-D maps of the cost ratio."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt.errors import FieldError, ScenarioError
from terawatt.model import evaluate
from terawatt.params import ParamSpec, load_registry
from terawatt.results import frame_with_units
from terawatt.scenario import Scenario, _suggest

#: Grid points of the first bracketing pass, and bisection steps of the refinement (all brackets at once).
GRID_POINTS = 241
BISECTION_STEPS = 60
OUTPUT = "comparison.cost_ratio"

if TYPE_CHECKING:
    import pandas as pd


def _spec(name: str, option: str) -> ParamSpec:
    if not isinstance(name, str):
        raise ScenarioError([FieldError(option, f"expected a parameter's dotted name, got {name!r:.60}")])
    registry = load_registry()
    spec = registry.get(name)
    if spec is None:
        raise ScenarioError([FieldError(option, f"unknown parameter {name!r}{_suggest(name, registry)}")])
    if spec.kind != "float":
        raise ScenarioError(
            [FieldError(option, f"{name} is a {spec.kind} parameter; break-even needs a numeric (float) parameter")]
        )
    return spec


def search_span(spec: ParamSpec) -> tuple[float, float]:
    """Interval searched for a parameter: its allowed range, with open or missing bounds made finite.

    A missing upper bound becomes 100x the largest of the default and the literature range (so a price with no
    upper limit is searched up to two orders of magnitude beyond what anyone has quoted); an exclusive bound is
    moved inward by 1e-9 of the span.
    """
    hi_hint = max(abs(float(x)) for x in [spec.default or 0.0, *(spec.range or []), 1.0])
    lo = spec.min if spec.min is not None else -100.0 * hi_hint
    hi = spec.max if spec.max is not None else 100.0 * hi_hint
    eps = 1e-9 * (hi - lo)
    return lo + (eps if spec.min_exclusive else 0.0), hi - (eps if spec.max_exclusive else 0.0)


def _grid(lo: float, hi: float, n: int) -> np.ndarray:
    if lo > 0 and hi / lo > 100:
        return np.geomspace(lo, hi, n)
    if lo == 0 and hi > 1e3:
        return np.concatenate([[0.0], np.geomspace(hi * 1e-6, hi, n - 1)])
    return np.linspace(lo, hi, n)


def _evaluate_points(base: Scenario, values: dict[str, np.ndarray], output: str) -> tuple[np.ndarray, np.ndarray]:
    """``output`` and the reason it is missing ("" where present) at each point of a grid of parameter values.

    Infeasible designs come back as NaN with the model's ``orbital.infeasible_reason``. Where the model refuses
    part of the grid as bad input (an altitude outside a table an effect needs, say), the grid is split in halves
    until the refused points are isolated, so the rest of the range is still evaluated.
    """
    n = np.size(next(iter(values.values())))
    try:
        result = evaluate(Scenario(base.name, {**base.values, **values}, base.overrides, path=base.path))
    except ScenarioError as exc:
        if n == 1:
            return np.full(1, np.nan), np.array([f"refused: {exc.errors[0]}"], dtype=object)
        half = n // 2
        low = _evaluate_points(base, {k: v[:half] for k, v in values.items()}, output)
        high = _evaluate_points(base, {k: v[half:] for k, v in values.items()}, output)
        return np.concatenate([low[0], high[0]]), np.concatenate([low[1], high[1]])
    ratio = np.broadcast_to(np.asarray(result[output], float), (n,)).copy()
    reason = np.broadcast_to(np.asarray(result["orbital.infeasible_reason"], dtype=object), (n,)).copy()
    reason = np.where(np.isfinite(ratio), "", np.where(reason == "", f"{output} is not finite", reason))
    return ratio, reason


def _ratio(base: Scenario, name: str, values: np.ndarray, output: str) -> np.ndarray:
    return _evaluate_points(base, {name: np.asarray(values, float)}, output)[0]


def _kind(reason: str) -> str:
    """A reason with its numbers blanked out: one kind of problem (empty for no problem)."""
    return re.sub(r"[-+]?(\d[\d.,]*(e[-+]?\d+)?|nan|inf)", "#", str(reason)) if reason else ""


def skipped_ranges(x: np.ndarray, reason: np.ndarray) -> list[dict[str, Any]]:
    """Contiguous runs of grid points without a ratio: ``{"from", "to", "points", "reason"}`` (first reason)."""
    # A run is one kind of problem: the reason with its numbers blanked out.
    kinds = [_kind(r) for r in reason]
    runs: list[dict[str, Any]] = []
    i = 0
    while i < len(kinds):
        if not kinds[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(kinds) and kinds[j + 1] == kinds[i]:
            j += 1
        runs.append({"from": float(x[i]), "to": float(x[j]), "points": j - i + 1, "reason": str(reason[i])})
        i = j + 1
    return runs


@dataclass(frozen=True)
class Breakeven:
    """Solution of ``output(param) = target`` over the parameter's allowed range."""

    param: str
    unit: str
    year: int | None
    target_ratio: float
    found: bool
    value: float | None  # the root nearest the scenario's current value
    roots: list[float] = field(default_factory=list)
    current_value: float | None = None
    current_ratio: float | None = None
    span: tuple[float, float] = (0.0, 0.0)
    message: str = ""
    skipped: list[dict[str, Any]] = field(default_factory=list)  # parts of the span without a feasible design

    def to_dict(self) -> dict[str, Any]:
        return {
            "param": self.param,
            "unit": self.unit,
            "year": self.year,
            "target_ratio": self.target_ratio,
            "found": self.found,
            "value": self.value,
            "roots": self.roots,
            "current_value": self.current_value,
            "current_ratio": self.current_ratio,
            "search_span": list(self.span),
            "message": self.message,
            "skipped": self.skipped,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per root (``value`` = that root, ``nearest`` marks :attr:`value`), or one row with an empty
        ``value`` and the reason in ``message`` when there is none; units in ``frame.attrs["units"]``."""
        roots = self.roots or [None]
        data = {
            "param": [self.param] * len(roots),
            "value": [np.nan if r is None else r for r in roots],
            "nearest": [r is not None and r == self.value for r in roots],
            "target_ratio": [self.target_ratio] * len(roots),
            "year": [self.year] * len(roots),
            "current_value": [self.current_value] * len(roots),
            "current_ratio": [self.current_ratio] * len(roots),
            "message": [self.message] * len(roots),
        }
        return frame_with_units(data, units={"value": self.unit, "current_value": self.unit})


def solve_breakeven(
    scenario: Scenario, param: str, year: int | None = None, target_ratio: float = 1.0, output: str = OUTPUT
) -> Breakeven:
    r"""Value of ``param`` at which ``output`` (orbit / ground cost per GPU-hour) equals ``target_ratio``.

    Notes
    -----
    One vectorized evaluation on a grid over the allowed range brackets every sign change of
    :math:`f(x) = \mathrm{ratio}(x) - \mathrm{target}`; all brackets are then refined together by bisection
    (:data:`BISECTION_STEPS` halvings, relative width ~1e-18 of the bracket). Infeasible designs (NaN ratio)
    never bracket a root. With several roots, ``value`` is the one nearest the scenario's current value.
    """
    spec = _spec(param, "--param")
    given = target_ratio
    try:
        target_ratio = float(target_ratio)  # (a Python int past float64's range raises OverflowError)
    except (TypeError, ValueError, OverflowError):
        target_ratio = float("nan")
    if isinstance(given, bool) or not np.isfinite(target_ratio) or target_ratio <= 0:
        raise ScenarioError([FieldError("--target-ratio", f"must be a positive number, got {given!r:.60}")])
    base = scenario.at_year(year) if year is not None else scenario
    if base.n_samples > 1:
        raise ScenarioError([FieldError("scenario", "break-even needs a scenario without sampled parameters")])
    lo, hi = search_span(spec)
    x = _grid(lo, hi, GRID_POINTS)
    ratio, reason = _evaluate_points(base, {param: x}, output)
    f = ratio - target_ratio
    skipped = skipped_ranges(x, reason)
    sign_change = np.isfinite(f[:-1]) & np.isfinite(f[1:]) & (np.sign(f[:-1]) != np.sign(f[1:]))
    exact = x[:-1][f[:-1] == 0.0]
    a, b = x[:-1][sign_change & (f[:-1] != 0)], x[1:][sign_change & (f[:-1] != 0)]
    fa = f[:-1][sign_change & (f[:-1] != 0)]
    for _ in range(BISECTION_STEPS if a.size else 0):
        mid = 0.5 * (a + b)
        fm = _ratio(base, param, mid, output) - target_ratio
        left = np.sign(fm) == np.sign(fa)
        a, fa = np.where(left, mid, a), np.where(left, fm, fa)
        b = np.where(left, b, mid)
    roots = sorted({float(r) for r in [*exact, *(0.5 * (a + b))]})
    current = base.values[param]
    current_f = float(current) if current is not None else None
    current_ratio = float(_ratio(base, param, np.array([current_f]), output)[0]) if current_f is not None else None
    current_ratio = current_ratio if current_ratio is not None and np.isfinite(current_ratio) else None
    unit = spec.unit
    if roots:
        ref = current_f if current_f is not None else roots[0]
        value = min(roots, key=lambda r: abs(r - ref))
        message = f"{param} = {value:.6g} {unit} gives orbit/ground = {target_ratio:g}"
    else:
        value = None
        finite = f[np.isfinite(f)]
        if finite.size == 0:
            message = f"no feasible design anywhere in {param}'s allowed range [{lo:g}, {hi:g}] {unit}"
        else:
            side = "above" if np.all(finite > 0) else "below"
            nearest = int(np.argmin(np.abs(finite)))
            closest, best = finite[nearest] + target_ratio, x[np.isfinite(f)][nearest]
            message = (
                f"no value of {param} in its allowed range [{lo:g}, {hi:g}] {unit} gives orbit/ground = "
                f"{target_ratio:g}: the ratio stays {side} it (closest {closest:.3g} at {best:.4g} {unit})"
            )
    for run in skipped:
        message += (
            f"\nskipped {param} in [{run['from']:.4g}, {run['to']:.4g}] {unit} ({run['points']} of {x.size} grid "
            f"points): {run['reason']}"
        )
    return Breakeven(
        param,
        unit,
        year,
        target_ratio,
        bool(roots),
        value,
        roots,
        current_f,
        current_ratio,
        (lo, hi),
        message,
        skipped,
    )


@dataclass(frozen=True)
class RatioMap:
    """The cost ratio over a 2-D grid of two parameters."""

    param: str
    param2: str
    x: np.ndarray
    y: np.ndarray
    ratio: np.ndarray  # shape (len(y), len(x))
    target_ratio: float
    year: int | None
    scenario: str = ""
    missing_reasons: list[str] = field(default_factory=list)  # why some cells have no ratio (infeasible, refused)

    def to_frame(self) -> pd.DataFrame:
        """One row per grid point: columns ``param``, ``param2`` (named after the parameters) and the ratio."""
        xx, yy = np.meshgrid(self.x, self.y)
        data = {self.param: xx.ravel(), self.param2: yy.ravel(), "comparison.cost_ratio": self.ratio.ravel()}
        return frame_with_units(data, units={self.param: _spec(self.param, "--param").unit,
                                             self.param2: _spec(self.param2, "--param2").unit})


def map_span(spec: ParamSpec) -> tuple[float, float]:
    """Plotting span: the literature range widened 2x each way where known, within the allowed range."""
    lo, hi = search_span(spec)
    if spec.range:
        r_lo, r_hi = spec.range
        lo, hi = max(lo, r_lo / 2 if r_lo > 0 else r_lo), min(hi, r_hi * 2)
    return lo, hi


def ratio_map(
    scenario: Scenario,
    param: str,
    param2: str,
    year: int | None = None,
    span: tuple[float, float] | None = None,
    span2: tuple[float, float] | None = None,
    points: int = 60,
    target_ratio: float = 1.0,
    output: str = OUTPUT,
) -> RatioMap:
    """Evaluate ``output`` on a ``points`` x ``points`` grid of two parameters in one vectorized pass."""
    spec, spec2 = _spec(param, "--param"), _spec(param2, "--param2")
    base = scenario.at_year(year) if year is not None else scenario
    (lo, hi), (lo2, hi2) = span or map_span(spec), span2 or map_span(spec2)
    x, y = _grid(lo, hi, points), _grid(lo2, hi2, points)
    xx, yy = np.meshgrid(x, y)
    ratio, reason = _evaluate_points(base, {param: xx.ravel(), param2: yy.ravel()}, output)
    missing = list({_kind(r): str(r) for r in reason[::-1] if r}.values())[::-1]  # first example of each kind
    return RatioMap(param, param2, x, y, ratio.reshape(xx.shape), target_ratio, year, scenario.name, missing)
