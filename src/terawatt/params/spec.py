"""Schema of one entry of the parameter registry, and loading of the registry file.

Plain frozen dataclasses with their own checks (no pydantic: importing it and building its models cost ~0.1 s of
every command-line start); an unknown key, a wrong type or a missing field is a ``ValueError`` naming the entry.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from terawatt.yamlio import load_compiled, load_package_data

_KINDS = ("float", "int", "str", "bool")
_DISTRIBUTIONS = ("uniform", "triangular", "normal", "lognormal")


def _number(owner: str, field: str, value: Any) -> float | None:
    """``value`` as a float (an int or float; None stays None), else a ValueError naming the field."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{owner}: {field} must be a number, got {value!r}")
    return float(value)


def _text(owner: str, field: str, value: Any, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{owner}: {field} must be text, got {value!r}")
    return value


def _flag(owner: str, field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{owner}: {field} must be true or false, got {value!r}")
    return value


def _dump(obj: Any, exclude_none: bool) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, Distribution):
            value = value.model_dump(exclude_none=exclude_none)
        elif isinstance(value, list):
            value = list(value)
        if value is not None or not exclude_none:
            out[f.name] = value
    return out


@dataclass(frozen=True)
class Distribution:
    """Default uncertainty distribution of a parameter (used by Monte Carlo studies)."""

    kind: str  # uniform | triangular | normal | lognormal
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in _DISTRIBUTIONS:
            raise ValueError(f"distribution kind must be one of {', '.join(_DISTRIBUTIONS)}, got {self.kind!r}")
        for f in ("low", "high", "mode", "mean", "sd"):
            object.__setattr__(self, f, _number("distribution", f, getattr(self, f)))

    @classmethod
    def from_raw(cls, owner: str, raw: Any) -> Distribution:
        """From a registry mapping; unknown keys are an error."""
        if isinstance(raw, Distribution):
            return raw
        if not isinstance(raw, dict):
            raise ValueError(f"{owner}: distribution must be a mapping, got {raw!r}")
        unknown = sorted(set(raw) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"{owner}: unknown distribution field(s) {', '.join(map(str, unknown))}")
        if "kind" not in raw:
            raise ValueError(f"{owner}: distribution needs a kind")
        try:
            return cls(**raw)
        except ValueError as exc:
            raise ValueError(f"{owner}: {exc}") from None

    def model_dump(self, exclude_none: bool = False) -> dict[str, Any]:
        """The fields as a dict (the name and meaning of pydantic's, which this schema used before)."""
        return _dump(self, exclude_none)


@dataclass(frozen=True, kw_only=True)
class ParamSpec:
    """One parameter: dotted name, unit, default, allowed range, description and source.

    ``min``/``max`` bound what the model accepts (physically meaningful values); ``range`` is the spread of values
    found in the literature (where sources disagree) and is informative only.
    """

    name: str
    kind: str = "float"  # float | int | str | bool
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
    range: list[float] | None = None
    distribution: Distribution | None = None
    #: The value ``"auto"`` is accepted: the design lever is chosen by ``terawatt.studies.optimize.resolve_auto``.
    auto: bool = False
    #: For a nullable parameter: the canonical output key holding the value the model derives when it is empty
    #: (setting the parameter to that value gives the same results; ``tests/test_registry_defaults.py`` checks).
    derived_output: str | None = None

    def __post_init__(self) -> None:
        owner = str(self.name)
        set_ = object.__setattr__
        _text(owner, "name", self.name)
        if self.kind not in _KINDS:
            raise ValueError(f"{owner}: kind must be one of {', '.join(_KINDS)}, got {self.kind!r}")
        for f in ("unit", "description", "source"):
            _text(owner, f, getattr(self, f))
        _text(owner, "catalog", self.catalog, optional=True)
        _text(owner, "derived_output", self.derived_output, optional=True)
        if self.derived_output is not None and not self.nullable:
            raise ValueError(f"{owner}: derived_output is for a nullable parameter (one the model derives)")
        for f in ("nullable", "min_exclusive", "max_exclusive"):
            _flag(owner, f, getattr(self, f))
        set_(self, "min", _number(owner, "min", self.min))
        set_(self, "max", _number(owner, "max", self.max))
        if self.choices is not None:
            if not isinstance(self.choices, list | tuple):
                raise ValueError(f"{owner}: choices must be a list of text, got {self.choices!r}")
            set_(self, "choices", [_text(owner, "choices", c) for c in self.choices])
        if self.range is not None:
            if not isinstance(self.range, list | tuple) or len(self.range) != 2:
                raise ValueError(f"{owner}: range must be a list of 2 numbers, got {self.range!r}")
            set_(self, "range", [_number(owner, "range", x) for x in self.range])
        if self.distribution is not None:
            set_(self, "distribution", Distribution.from_raw(owner, self.distribution))
        if self.default is None and not self.nullable:
            raise ValueError(f"{self.name}: default is empty but the parameter is not nullable")

    @classmethod
    def from_raw(cls, name: str, raw: Any) -> ParamSpec:
        """From a registry entry (a mapping); unknown keys are an error."""
        if not isinstance(raw, dict):
            raise ValueError(f"{name}: a registry entry must be a mapping, got {raw!r}")
        known = {f.name for f in dataclasses.fields(cls)} - {"name"}  # the name is the entry's key
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"{name}: unknown field(s) {', '.join(map(str, unknown))}")
        missing = [f for f in ("description", "source") if f not in raw]
        if missing:
            raise ValueError(f"{name}: missing field(s) {', '.join(missing)}")
        return cls(name=name, **raw)

    def model_dump(self, exclude_none: bool = False) -> dict[str, Any]:
        """The fields as a dict, the distribution as a nested dict (the name and meaning of pydantic's)."""
        return _dump(self, exclude_none)

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


def _registry_files() -> list[Any]:
    folder = resources.files("terawatt.params")
    return sorted((p for p in folder.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)


def _checked_registry() -> dict[str, ParamSpec]:
    """Every entry of every registry file, read and checked (:meth:`ParamSpec.from_raw`)."""
    registry: dict[str, ParamSpec] = {}
    for path in _registry_files():
        raw = load_package_data(path.read_text(encoding="utf-8")) or {}
        for name, entry in raw.items():
            if name in registry:
                raise ValueError(f"parameter {name} is defined twice in the registry ({path.name})")
            registry[name] = ParamSpec.from_raw(name, entry)
    return registry


def _fields(obj: Any) -> dict[str, Any]:
    """The checked fields of a spec, a distribution as its own fields (plain data: the compiled registry)."""
    out = dict(vars(obj))
    if out.get("distribution") is not None:
        out["distribution"] = dict(vars(out["distribution"]))
    return out


def _from_fields(cls: type, fields: dict[str, Any]) -> Any:
    """The spec whose checked fields are ``fields`` (:func:`_fields`), without checking them again."""
    obj = object.__new__(cls)
    if fields.get("distribution") is not None:
        fields["distribution"] = _from_fields(Distribution, fields["distribution"])
    obj.__dict__.update(fields)
    return obj


@lru_cache(maxsize=1)
def load_registry() -> dict[str, ParamSpec]:
    """Load the registry: every ``params/*.yaml`` file (``registry.yaml`` for the core model, one file per further
    domain such as ``radiation.yaml``), keyed by dotted name. A name defined twice is an error.

    Each entry is checked once: the checked fields are kept in the cache folder (:func:`terawatt.yamlio.load_compiled`,
    keyed on the registry files and this module), so a later start builds the same specs from them (~1 ms instead
    of ~15 ms of reading and checking)."""
    compiled = load_compiled("registry", [*_registry_files(), __file__],
                             lambda: [[name, _fields(spec)] for name, spec in _checked_registry().items()])
    return {name: _from_fields(ParamSpec, fields) for name, fields in compiled}


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
