"""Claim files: the schema of one public claim as data (``terawatt/claims/*.yaml``), its loader and the small
arithmetic language a check's ``quantity`` is written in.

A claim file holds the claim's words and provenance (``id``, ``quote``, ``speaker``, ``date``, ``seed``,
``source``, ``asserts``), the base ``scenario`` it is tested on, and ``checks``: each names a ``quantity`` (an
output key, ``buildout.<field>``, a registry parameter, or an arithmetic formula over those and numbers), how it is
computed (``study``, ``scenario``, ``set``, ``year``; a build-out check over years ``over`` with an ``aggregate``:
``any``/``all`` years true, ``max``/``min``, the ``first`` year true, or ``growth``, the annualised growth
:math:`(x_{last}/x_{first})^{1/(last-first)} - 1` [1/yr]), a ``rule`` that makes it true, and the registry parameters
whose break-even value turns a failed check into "holds only if ..." (``conditions``). A claim the model cannot
test says why in ``not_testable``; its checks are still computed and reported.

Loading is validated like a scenario: every bad field of every file is reported at once, by file and dotted path.
"""

from __future__ import annotations

import ast
import operator
import os
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from terawatt.errors import FieldError, ScenarioError

#: Seed document file names (``NNN_<16 hex>.txt``) as in ``docs/claims.md``.
SEED_PATTERN = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
#: Name fields of the build-out (binding constraints, the least chip link and the supply causes): text, compared
#: with ``one_of``.
TEXT_FIELDS = ("buildout.orbit_binding", "buildout.ground_binding", "buildout.chip_link", "buildout.chip_cause",
               "buildout.cells_cause")
#: The scenario name that means the registry defaults (no scenario file).
DEFAULT_SCENARIO = "default"
RULE_KEYS = ("below", "at_most", "at_least", "above", "between", "one_of")
VERDICTS = ("holds", "holds only if", "does not hold", "not testable here")

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_FUNCTIONS: dict[str, Callable[..., Any]] = {"min": np.minimum, "max": np.maximum, "abs": np.abs}


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` of an attribute chain (None for anything else)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def parse_quantity(text: str) -> ast.Expression:
    """Parse a quantity: numbers, dotted names, ``+ - * / **``, parentheses and ``min``/``max``/``abs``.

    Raises
    ------
    ValueError
        Anything else (no attribute access beyond dotted names, no other calls, no subscripts).
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"not an arithmetic expression: {exc.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS) or node.keywords:
                raise ValueError(f"only {', '.join(_FUNCTIONS)} may be called")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ValueError(f"only numbers may appear as constants, got {node.value!r}")
        elif not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.USub, ast.UAdd, ast.Name,
                                   ast.Attribute, ast.Load, *_BINARY)):
            raise ValueError(f"{type(node).__name__} is not allowed in a quantity")
    return tree


def quantity_names(text: str) -> list[str]:
    """The dotted names a quantity reads, in order of appearance (functions excluded)."""
    tree = parse_quantity(text)
    names: list[str] = []

    def visit(node: ast.AST) -> None:
        name = _dotted(node)
        if name is not None and not (isinstance(node, ast.Name) and name in _FUNCTIONS):
            names.append(name)
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(node, ast.Call) and child is node.func:
                continue
            visit(child)

    visit(tree)
    return list(dict.fromkeys(names))


def evaluate_quantity(text: str, env: Mapping[str, Any]) -> Any:
    """Value of a quantity with each dotted name taken from ``env`` (scalars or NumPy arrays broadcast)."""

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp):
            value = ev(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Call):
            return _FUNCTIONS[node.func.id](*(ev(a) for a in node.args))  # type: ignore[attr-defined]
        name = _dotted(node)
        value = env[name]
        return value if isinstance(value, str) else np.asarray(value, dtype=object if _is_text(value) else float)

    with np.errstate(divide="ignore", invalid="ignore"):
        return ev(parse_quantity(text))


def _is_text(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, np.ndarray) and value.dtype.kind in "UO")


class Rule(BaseModel):
    """What makes a check true: exactly one comparison."""

    model_config = ConfigDict(extra="forbid")

    below: float | None = Field(default=None, allow_inf_nan=False)
    at_most: float | None = Field(default=None, allow_inf_nan=False)
    at_least: float | None = Field(default=None, allow_inf_nan=False)
    above: float | None = Field(default=None, allow_inf_nan=False)
    between: tuple[float, float] | None = None
    one_of: list[str] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Rule:
        given = [k for k in RULE_KEYS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(RULE_KEYS)} (got {', '.join(given) or 'none'})")
        if self.between is not None and not self.between[0] <= self.between[1]:
            raise ValueError(f"between: the lower bound {self.between[0]} exceeds the upper {self.between[1]}")
        return self

    @property
    def threshold(self) -> float | None:
        """The one bound of a one-sided rule (the break-even target of a condition); None otherwise."""
        for key in ("below", "at_most", "at_least", "above"):
            if getattr(self, key) is not None:
                return float(getattr(self, key))
        return None

    def test(self, value: Any) -> np.ndarray:
        """Elementwise truth of the rule (NaN or a missing value is never true)."""
        if self.one_of is not None:
            return np.isin(np.asarray(value, dtype=object).astype(str), self.one_of)
        x = np.asarray(value, float)
        with np.errstate(invalid="ignore"):
            if self.below is not None:
                return x < self.below
            if self.at_most is not None:
                return x <= self.at_most
            if self.at_least is not None:
                return x >= self.at_least
            if self.above is not None:
                return x > self.above
            lo, hi = self.between  # type: ignore[misc]
            return (x >= lo) & (x <= hi)

    def describe(self, unit: str = "") -> str:
        """The rule in words, e.g. ``< 1`` or ``in [4, 6] -``."""
        u = f" {unit}" if unit and unit != "-" else ""
        if self.one_of is not None:
            return "one of: " + ", ".join(self.one_of)
        if self.between is not None:
            return f"in [{self.between[0]:,.4g}, {self.between[1]:,.4g}]{u}"
        words = {"below": "<", "at_most": "<=", "at_least": ">=", "above": ">"}
        key = next(k for k in words if getattr(self, k) is not None)
        return f"{words[key]} {getattr(self, key):,.4g}{u}"


class Check(BaseModel):
    """One computed quantity of a claim and the rule that makes it true."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1)
    quantity: str = Field(min_length=1)
    unit: str = "-"
    study: Literal["model", "buildout"] = "model"
    scenario: str | None = None  # None = the claim's scenario
    set: dict[str, Any] = Field(default_factory=dict)
    year: int | None = None
    years: tuple[int, int] = (2026, 2050)  # build-out span
    over: tuple[int, int] | None = None  # build-out: the rule over these years (any/all/max/min/first/growth)
    aggregate: Literal["any", "all", "max", "min", "first", "growth"] | None = None
    rule: Rule | None = None  # None = reported only (no part of the verdict)
    conditions: list[str] = Field(default_factory=list)
    probability: bool = True
    pinned: bool = False  # True: --scenario does not replace this check's scenario
    primary: bool = False  # True: this check's number is the claim's number in the table
    in_verdict: bool = True  # False: the rule is shown (and P computed) but does not decide the verdict
    context: bool = False  # True: the verdict's reason quotes this check's number (what the verdict assumes)
    note: str = ""

    @field_validator("quantity")
    @classmethod
    def _parses(cls, text: str) -> str:
        parse_quantity(text)
        return text

    @model_validator(mode="after")
    def _consistent(self) -> Check:
        if self.study == "buildout":
            if self.year is None and self.over is None:
                raise ValueError("a buildout check needs year (one row) or over: [from, to] with aggregate")
            if (self.over is None) != (self.aggregate is None):
                raise ValueError("give over: [from, to] and aggregate together")
            span = self.over or (self.year, self.year)
            if not self.years[0] <= span[0] <= span[1] <= self.years[1]:
                raise ValueError(f"year(s) {list(span)} not within years {list(self.years)}")
        elif self.over is not None or self.aggregate is not None:
            raise ValueError("over/aggregate apply to study: buildout only")
        if self.rule is not None and self.rule.one_of is not None and self.aggregate in ("max", "min", "growth"):
            raise ValueError("one_of compares text: use aggregate any, all or first")
        if self.aggregate == "growth" and self.over is not None and self.over[0] == self.over[1]:
            raise ValueError("aggregate growth needs over: [from, to] spanning at least two years")
        return self


class Claim(BaseModel):
    """A public claim, where it comes from, and how it is computed here."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    quote: str = Field(min_length=1, max_length=300)
    speaker: str = Field(min_length=1)
    date: str = Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
    seed: list[str] = Field(min_length=1)
    source: str = Field(min_length=1)
    asserts: str = Field(min_length=1)
    scenario: str = "baseline-2026"
    checks: list[Check] = Field(min_length=1)
    not_testable: str | None = None
    validation: list[str] = Field(default_factory=list)  # ids of the shipped validation cases of its numbers
    notes: str = ""

    @field_validator("seed")
    @classmethod
    def _seed_names(cls, seeds: list[str]) -> list[str]:
        bad = [s for s in seeds if not SEED_PATTERN.match(s)]
        if bad:
            raise ValueError(f"seed file names look like 000_ef307a08dc2458ff.txt, got {bad}")
        return seeds


def shipped_claim_files() -> list[Path]:
    """The claim files shipped with terawatt (``terawatt/claims/*.yaml``), sorted by name."""
    folder = resources.files("terawatt").joinpath("claims")
    return sorted(Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml"))


@lru_cache(maxsize=1)
def output_keys() -> frozenset[str]:
    """Every output key of the model (the keys of one evaluation of the defaults)."""
    from terawatt.model import evaluate

    return frozenset(evaluate(None).outputs)


def _known_names() -> tuple[set[str], set[str], set[str]]:
    """Output keys, build-out fields (``buildout.<field>``) and registry parameters a quantity may read."""
    from terawatt.params import load_registry
    from terawatt.studies.buildout import FIELDS

    return set(output_keys()), {f"buildout.{f}" for f in FIELDS[1:]}, set(load_registry())


def _name_errors(checks: list[Check], where: str) -> list[FieldError]:
    from terawatt.params import load_registry
    from terawatt.scenario import _suggest

    outputs, fields, params = _known_names()
    registry = load_registry()
    errors = []
    for i, check in checks:
        allowed = outputs | params | (fields if check.study == "buildout" else set())
        for name in quantity_names(check.quantity):
            if name not in allowed:
                hint = " (build-out fields need study: buildout)" if name in fields else _suggest(name, allowed)
                errors.append(FieldError(f"{where}.checks[{i}].quantity", f"unknown name {name!r}{hint}"))
        for j, param in enumerate(check.conditions):
            spec = registry.get(param)
            if spec is None or spec.kind != "float":
                why = f"a {spec.kind} parameter" if spec else "not a registry parameter" + _suggest(param, params)
                errors.append(FieldError(f"{where}.checks[{i}].conditions[{j}]", f"{param!r}: {why}; a condition "
                                                                                 "needs a numeric parameter"))
        if check.conditions and (check.rule is None or check.rule.threshold is None):
            errors.append(FieldError(f"{where}.checks[{i}].conditions", "conditions need a one-sided rule "
                                                                        "(below, at_most, at_least or above)"))
        if check.conditions and (check.study != "model" or check.quantity.strip() not in outputs):
            errors.append(FieldError(f"{where}.checks[{i}].conditions", "conditions need study: model and a quantity "
                                                                        "that is one output key (break-even solver)"))
        if check.rule is not None and check.rule.one_of is not None and not any(
                n in TEXT_FIELDS for n in quantity_names(check.quantity)):
            errors.append(FieldError(f"{where}.checks[{i}].rule.one_of", f"one_of compares text: the quantity must be "
                                                                         f"one of {', '.join(TEXT_FIELDS)}"))
    return errors


@lru_cache(maxsize=1)
def _validation_ids() -> frozenset[str]:
    """Ids of the shipped validation cases (``terawatt validate``)."""
    from terawatt.validation import load_cases, shipped_case_files

    return frozenset(c.id for c in load_cases(shipped_case_files()))


def _valid_checks(raw: Any) -> list[tuple[int, Check]]:
    """The checks of a claim file that are valid on their own (index, check)."""
    checks = raw.get("checks") if isinstance(raw, dict) else None
    out = []
    for i, item in enumerate(checks if isinstance(checks, list) else []):
        try:
            out.append((i, Check.model_validate(item)))
        except ValidationError:
            continue
    return out


def load_claims(paths: Iterable[Path] | None = None) -> list[Claim]:
    """Parse claim files (the shipped ones by default); every problem of every file at once.

    Raises
    ------
    ScenarioError
        A missing file, bad YAML, a missing or invalid field (by file and dotted path), an unknown output or
        parameter name, an id that differs from the file name, or a duplicate id.
    """
    from terawatt.scenario import _read_yaml, _suggest, shipped_scenarios

    if paths is not None:
        given = paths
        paths = list(paths) if isinstance(paths, Iterable) and not isinstance(paths, (str, bytes)) else None
        if paths is None or not all(isinstance(p, (str, os.PathLike)) for p in paths):
            raise ScenarioError([FieldError("--file", f"expected a list of claim files' paths, got {given!r:.60}")])
    files = shipped_claim_files() if paths is None else [Path(p) for p in paths]
    claims: list[Claim] = []
    errors: list[FieldError] = []
    scenarios = set(shipped_scenarios()) | {DEFAULT_SCENARIO}
    for path in files:
        if not path.exists():
            errors.append(FieldError(str(path), "claim file not found"))
            continue
        try:
            raw = _read_yaml(path, str(path))
        except ScenarioError as exc:
            errors.extend(exc.errors)
            continue
        try:
            claim = Claim.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(x) for x in err["loc"])
                errors.append(FieldError(f"{path.name}: {where}", err["msg"].removeprefix("Value error, ")))
            errors.extend(_name_errors(_valid_checks(raw), path.name))  # the names too, in the checks that parse
            continue
        if claim.id != path.stem:
            errors.append(FieldError(f"{path.name}: id", f"{claim.id!r} differs from the file name {path.stem!r}"))
        for name in {claim.scenario, *(c.scenario for c in claim.checks if c.scenario)} - scenarios:
            errors.append(FieldError(f"{path.name}: scenario", f"unknown shipped scenario {name!r} (or "
                                                               f"{DEFAULT_SCENARIO!r} for the registry defaults)"))
        errors.extend(_name_errors(list(enumerate(claim.checks)), path.name))
        cases = _validation_ids() if claim.validation else set()
        for j, case in enumerate(claim.validation):
            if case not in cases:
                errors.append(FieldError(f"{path.name}: validation[{j}]", f"no shipped validation case {case!r}"
                                                                          f"{_suggest(case, cases)}"))
        claims.append(claim)
    ids = [c.id for c in claims]
    errors += [FieldError(d, "duplicate claim id") for d in sorted({i for i in ids if ids.count(i) > 1})]
    if errors:
        raise ScenarioError(errors)
    return claims
