"""Design levers: registry parameters with bounds that a designer chooses (EMA Workbench's "L" of XLRM).

A lever is continuous (a ``float`` or ``int`` registry parameter, searched between two bounds, on a log scale where
the bounds span more than a factor of 20) or discrete (a parameter with ``choices``, such as
``orbit.eclipse_policy``). Bounds default to the parameter's literature ``range`` in the registry, widened to hold
the scenario's own value (so the scenario's design is always a candidate) and cut to the allowed range; the upper
bound of ``thermal.radiator_temp_k`` is the chip-limited temperature of the scenario's accelerator (a radiator
cannot run hotter than the chips it cools allow). A user bound replaces the default and must lie inside the
allowed range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from terawatt.errors import FieldError, ScenarioError
from terawatt.params import ParamSpec, load_registry

#: The levers optimised when none are named (``--lever default`` adds them to named ones).
DEFAULT_LEVERS = (
    "satellite.compute_power_w",
    "orbit.eclipse_policy",
    "radiation.shielding_mm_al",
    "orbit.altitude_km",
    "thermal.radiator_temp_k",
    "orbital_ops.spare_fraction",
    "satellite.lifetime_yr",
)
#: A bound span wider than this factor (both bounds > 0) is searched on a log scale.
LOG_SCALE_RATIO = 20.0
#: A lever whose optimum lies within this fraction of its span from a bound "sits on the bound".
BOUND_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Lever:
    """One design lever: a registry parameter and its search bounds (or its choices)."""

    name: str
    unit: str
    low: float = math.nan
    high: float = math.nan
    choices: tuple[str, ...] = ()
    integer: bool = False

    @property
    def discrete(self) -> bool:
        return bool(self.choices)

    @property
    def log(self) -> bool:
        return not self.discrete and self.low > 0 and self.high / self.low > LOG_SCALE_RATIO

    @property
    def span(self) -> tuple[float, float]:
        """Bounds of the search variable: log10 of the bounds on a log scale, choice indices for a discrete one."""
        if self.discrete:
            return 0.0, len(self.choices) - 1.0
        return (math.log10(self.low), math.log10(self.high)) if self.log else (self.low, self.high)

    def values(self, x: np.ndarray) -> np.ndarray:
        """Parameter values for search variables ``x`` (choice names for a discrete lever)."""
        x = np.asarray(x, float)
        if self.discrete:
            index = np.clip(np.floor(x + 0.5), 0, len(self.choices) - 1).astype(int)
            return np.asarray(np.asarray(self.choices, dtype=object)[index], dtype=str)
        value = 10.0**x if self.log else x
        value = np.clip(value, self.low, self.high)
        return np.round(value) if self.integer else value

    def variable(self, value: Any) -> float:
        """The search variable of a parameter value (the inverse of :meth:`values`)."""
        if self.discrete:
            return float(self.choices.index(value))
        v = float(np.clip(float(value), self.low, self.high))
        return math.log10(v) if self.log else v

    def on_bound(self, value: Any) -> str | None:
        """``"low"`` or ``"high"`` where a continuous lever's value sits on that bound, else None."""
        if self.discrete:
            return None
        lo, hi = self.span
        x = self.variable(value)
        tol = BOUND_TOLERANCE * (hi - lo)
        return "low" if x - lo <= tol else "high" if hi - x <= tol else None

    def bounds_text(self) -> str:
        if self.discrete:
            return "{" + ", ".join(self.choices) + "}"
        unit = "" if self.unit in ("-", "") else f" {self.unit}"
        return f"[{self.low:g}, {self.high:g}]{unit}"


def _parse_bounds(text: str, name: str) -> tuple[float, float] | tuple[str, ...] | FieldError:
    """``lo:hi`` as two numbers, or ``a,b`` as choices."""
    if ":" in text:
        lo_text, _, hi_text = text.partition(":")
        try:
            return float(lo_text), float(hi_text)
        except ValueError:
            return FieldError(f"--lever {name}", f"bounds {text!r} are not two numbers lo:hi")
    return tuple(c.strip() for c in text.split(",") if c.strip())


def _default_bounds(spec: ParamSpec, current: Any, chip_limit_k: float | None) -> tuple[float, float]:
    lo, hi = (spec.range or [spec.min, spec.max])
    if isinstance(current, (int, float)) and not isinstance(current, bool):
        lo, hi = min(lo, float(current)), max(hi, float(current))
    if spec.name == "thermal.radiator_temp_k" and chip_limit_k is not None and np.isfinite(chip_limit_k):
        hi = min(hi, chip_limit_k) if chip_limit_k > lo else hi
        if isinstance(current, (int, float)):
            hi = max(hi, float(current))
    if spec.min is not None:
        lo = max(lo, spec.min)
    if spec.max is not None:
        hi = min(hi, spec.max)
    return float(lo), float(hi)


def _allowed_errors(spec: ParamSpec, lo: float, hi: float, label: str) -> list[FieldError]:
    errors = []
    for side, value in (("lower", lo), ("upper", hi)):
        bad = not math.isfinite(value)
        if spec.min is not None:
            bad |= value < spec.min or (spec.min_exclusive and value == spec.min)
        if spec.max is not None:
            bad |= value > spec.max or (spec.max_exclusive and value == spec.max)
        if bad:
            errors.append(FieldError(label, f"{side} bound {value:g} [{spec.unit}] is outside the allowed range "
                                            f"{spec.range_text()}"))
    if not errors and not lo < hi:
        errors.append(FieldError(label, f"empty range {lo:g}:{hi:g} [{spec.unit}]: the lower bound must be below "
                                        "the upper"))
    return errors


def parse_levers(
    items: Sequence[str] | None, values: dict[str, Any], chip_limit_k: float | None = None
) -> list[Lever]:
    """Levers from ``NAME``, ``NAME=lo:hi`` or ``NAME=a,b`` items (``default`` = the default set); every bad
    lever is reported at once (unknown, not numeric nor a choice, bounds outside the allowed range, empty range).

    Parameters
    ----------
    items
        Lever specifications; ``None`` or empty = :data:`DEFAULT_LEVERS`.
    values
        The scenario's values (a lever's default bounds hold the scenario's own value).
    chip_limit_k
        Chip-limited radiator temperature [K] (upper default bound of ``thermal.radiator_temp_k``).

    Raises
    ------
    ScenarioError
        Naming every bad lever, its unit and allowed range.
    """
    from terawatt.scenario import _suggest

    registry = load_registry()
    expanded: list[str] = []
    for item in items or ["default"]:
        expanded.extend(DEFAULT_LEVERS if item.strip() == "default" else [item])
    levers: dict[str, Lever] = {}
    errors: list[FieldError] = []
    for item in expanded:
        name, sep, bounds = (part.strip() for part in item.partition("="))
        label = f"--lever {name or item}"
        spec = registry.get(name)
        if spec is None:
            errors.append(FieldError(label, f"unknown parameter{_suggest(name, registry)}"))
            continue
        if spec.choices:
            choices = tuple(spec.choices)
            if sep:
                parsed = _parse_bounds(bounds, name)  # (a FieldError for lo:hi that are no numbers)
                if isinstance(parsed, FieldError) or len(parsed) < 2 or any(
                        not isinstance(c, str) or c not in spec.choices for c in parsed):
                    errors.append(FieldError(label, f"choices {bounds!r}: give two or more of {spec.range_text()}"))
                    continue
                choices = tuple(parsed)  # type: ignore[arg-type]
            levers[name] = Lever(name, spec.unit, choices=choices)
            continue
        if spec.kind not in ("float", "int"):
            errors.append(FieldError(label, f"{name} is a {spec.kind} parameter ({spec.range_text()}): a lever is a "
                                            "number with bounds or a parameter with choices"))
            continue
        if sep:
            parsed = _parse_bounds(bounds, name)
            if isinstance(parsed, FieldError):
                errors.append(parsed)
                continue
            if len(parsed) != 2 or isinstance(parsed[0], str):
                errors.append(FieldError(label, f"bounds {bounds!r} are not two numbers lo:hi [{spec.unit}]"))
                continue
            lo, hi = parsed  # type: ignore[misc]
        elif spec.range is None and (spec.min is None or spec.max is None):
            errors.append(FieldError(label, f"{name} has no literature range: give bounds {name}=lo:hi "
                                            f"[{spec.unit}] within {spec.range_text()}"))
            continue
        else:
            lo, hi = _default_bounds(spec, values.get(name), chip_limit_k)
        problems = _allowed_errors(spec, float(lo), float(hi), label)
        if problems:
            errors.extend(problems)
            continue
        levers[name] = Lever(name, spec.unit, float(lo), float(hi), integer=spec.kind == "int")
    if errors:
        raise ScenarioError(errors)
    return list(levers.values())
