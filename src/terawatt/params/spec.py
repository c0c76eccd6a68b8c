"""Schema of one entry of the parameter registry (pydantic), and loading of the registry file."""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from terawatt.yamlio import load_package_data


class Distribution(BaseModel):
    """Default uncertainty distribution of a parameter (used by Monte Carlo studies)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["uniform", "triangular", "normal", "lognormal"]
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None


class ParamSpec(BaseModel):
    """One parameter: dotted name, unit, default, allowed range, description and source.

    ``min``/``max`` bound what the model accepts (physically meaningful values); ``range`` is the spread of values
    found in the literature (where sources disagree) and is informative only.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Literal["float", "int", "str", "bool"] = "float"
    unit: str = "-"
    default: Any = None
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    choices: list[str] | None = None
    catalog: str | None = None
    description: str
    source: str
    range: list[float] | None = Field(default=None, min_length=2, max_length=2)
    distribution: Distribution | None = None
    #: The value ``"auto"`` is accepted: the design lever is chosen by ``terawatt.studies.optimize.resolve_auto``.
    auto: bool = False

    @model_validator(mode="after")
    def _check(self) -> ParamSpec:
        if self.default is None and not self.nullable:
            raise ValueError(f"{self.name}: default is empty but the parameter is not nullable")
        return self

    def range_text(self) -> str:
        """Human-readable allowed range with unit, e.g. ``[150, 50000] km`` (``... or auto`` for an auto lever)."""
        text = self._range_text()
        return f"{text} or auto (optimised)" if self.auto else text

    def _range_text(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        if self.catalog:
            return f"a name in the {self.catalog} catalog"
        if self.kind == "str":
            return "any text"
        if self.min is None and self.max is None:
            return f"any value [{self.unit}]"
        lo = "-inf" if self.min is None else f"{self.min:g}"
        hi = "inf" if self.max is None else f"{self.max:g}"
        left = "(" if self.min_exclusive or self.min is None else "["
        right = ")" if self.max_exclusive or self.max is None else "]"
        unit = "" if self.unit in ("-", "") else f" {self.unit}"
        return f"{left}{lo}, {hi}{right}{unit}"


@lru_cache(maxsize=1)
def load_registry() -> dict[str, ParamSpec]:
    """Load the registry: every ``params/*.yaml`` file (``registry.yaml`` for the core model, one file per further
    domain such as ``radiation.yaml``), keyed by dotted name. A name defined twice is an error."""
    folder = resources.files("terawatt.params")
    registry: dict[str, ParamSpec] = {}
    for path in sorted((p for p in folder.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name):
        raw = load_package_data(path.read_text(encoding="utf-8")) or {}
        for name, entry in raw.items():
            if name in registry:
                raise ValueError(f"parameter {name} is defined twice in the registry ({path.name})")
            registry[name] = ParamSpec(name=name, **entry)
    return registry


@cache
def names_in_file(stem: str) -> frozenset[str]:
    """Dotted names defined in ``params/<stem>.yaml``: e.g. ``names_in_file("buildout")``, the parameters that only
    the build-out simulation reads (so the cost Monte Carlo does not sample them)."""
    path = resources.files("terawatt.params") / f"{stem}.yaml"
    return frozenset((load_package_data(path.read_text(encoding="utf-8")) or {}).keys())


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    return {name: spec.default for name, spec in load_registry().items()}


def defaults() -> dict[str, Any]:
    """Default value of every parameter, by dotted name (a new dict on every call)."""
    return dict(_defaults())
