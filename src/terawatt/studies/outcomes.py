"""Outcomes: the output keys a study of many runs asks for (the "O" of EMA Workbench's XLRM framing, DESIGN.md),
checked against what the model computes, and conditions on them (``comparison.cost_ratio < 1``).

A condition is parsed by a small grammar, never evaluated as code::

    condition := clause ("and" clause)*
    clause    := KEY OP NUMBER
    OP        := "<" | "<=" | ">" | ">="

``KEY`` is a numeric output key (``terawatt run --json`` lists them). A sample whose output is not finite (an
infeasible orbital design has NaN costs) does not satisfy a clause.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from terawatt.errors import FieldError, ScenarioError
from terawatt.scenario import Scenario, _suggest

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt,
}
GRAMMAR = ("KEY OP NUMBER [and KEY OP NUMBER ...], OP one of <, <=, >, >=; e.g. "
           "\"comparison.cost_ratio < 1 and orbital.satellite_mass_kg <= 20000\"")
_CLAUSE = re.compile(r"^\s*(?P<key>[A-Za-z_][\w.]*)\s*(?P<op><=|>=|<|>)\s*(?P<num>[-+]?(\d+(\.\d*)?|\.\d+)"
                     r"([eE][-+]?\d+)?)\s*$")


def central_outputs(scenario: Scenario, year: int | None) -> Mapping[str, Any]:
    """The outputs of the scenario's central values (in ``year``, or its base values)."""
    from terawatt.model import evaluate

    return evaluate(scenario if year is None else scenario.at_year(year))


def _is_number(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "fiu"
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def sample_array_errors(scenario: Scenario, study: str) -> list[FieldError]:
    """A study that samples the inputs itself refuses a scenario that already carries arrays of samples."""
    arrays = sorted(k for k, v in scenario.values.items() if isinstance(v, np.ndarray) and v.ndim)
    if not arrays:
        return []
    return [FieldError("<samples>", f"{study} draws its own samples of the uncertain inputs: give one value each, "
                                    f"not arrays of samples, for {', '.join(arrays)}")]


def outcome_errors(keys: Iterable[str], outputs: Mapping[str, Any], option: str) -> list[FieldError]:
    """Every key of ``keys`` that is no numeric output of ``outputs`` (a suggestion for a near miss)."""
    errors = []
    for key in keys:
        if not isinstance(key, str):
            errors.append(FieldError(option, f"expected an output key (text), got {key!r:.60}"))
        elif key not in outputs:
            errors.append(FieldError(option, f"unknown output {key!r}{_suggest(key, list(outputs.keys()))}"))
        elif not _is_number(outputs[key]) and outputs[key] is not None:
            errors.append(FieldError(option, f"output {key!r} is not numeric ({type(outputs[key]).__name__}): "
                                             "give a numeric output key (terawatt run --json lists them)"))
    return errors


#: Most model rows a study holds in memory at once (discover's samples, a Sobol or Morris design's rows): as
#: ``terawatt montecarlo`` without ``--out`` (:data:`terawatt.studies.montecarlo.MAX_IN_MEMORY`).
MAX_ROWS_IN_MEMORY = 1_000_000


def in_memory_errors(n: Any, what: str, why: str, rows: int | None = None) -> list[FieldError]:
    """``-n`` asking for more than :data:`MAX_ROWS_IN_MEMORY` rows (``rows``, default ``n``) held at once; nothing
    for an ``n`` that is no integer (its own check names it)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        return []
    rows = int(n) if rows is None else int(rows)
    if rows <= MAX_ROWS_IN_MEMORY:
        return []
    return [FieldError("-n", f"{int(n):,} {what} are {rows:,} model rows held in memory, more than the "
                             f"{MAX_ROWS_IN_MEMORY:,} a run takes ({why})")]


def year_errors(year: int | None, option: str = "--year") -> list[FieldError]:
    """A calendar year outside the model's calendar (or not an integer)."""
    from terawatt.trajectory import YEAR_RANGE

    if year is None:
        return []
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)) or not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        return [FieldError(option, f"year {year!r} is outside the model's calendar {list(YEAR_RANGE)}")]
    return []


@dataclass(frozen=True)
class Clause:
    """``key op value``: one comparison of an output with a number [output unit]."""

    key: str
    op: str
    value: float

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Where the clause holds (False where the output is not finite)."""
        values = np.asarray(values, float)
        with np.errstate(invalid="ignore"):
            return np.isfinite(values) & OPERATORS[self.op](values, self.value)

    def __str__(self) -> str:
        return f"{self.key} {self.op} {self.value:g}"


@dataclass(frozen=True)
class Condition:
    """Clauses joined by ``and``."""

    clauses: tuple[Clause, ...]

    @property
    def keys(self) -> list[str]:
        """Output keys the condition reads, in order, once each."""
        return list(dict.fromkeys(c.key for c in self.clauses))

    def holds(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """Where every clause holds, from the output columns by key."""
        out = np.ones(len(next(iter(columns.values()))), bool)
        for clause in self.clauses:
            out &= clause.holds(columns[clause.key])
        return out

    def __str__(self) -> str:
        return " and ".join(map(str, self.clauses))


def parse_condition(text: str, option: str = "--condition") -> Condition:
    """Parse ``text`` by the grammar of the module docstring (never evaluated as code).

    Raises
    ------
    ScenarioError
        Naming every clause that does not parse, with the grammar.
    """
    if not isinstance(text, str) or not text.strip():
        raise ScenarioError([FieldError(option, f"empty condition; expected {GRAMMAR}")])
    parts = re.split(r"\s+and\s+", text.strip())
    clauses, errors = [], []
    for part in parts:
        m = _CLAUSE.match(part)
        if m is None:
            errors.append(FieldError(option, f"cannot read {part.strip()!r}; expected {GRAMMAR}"))
            continue
        value = float(m.group("num"))
        if not math.isfinite(value):
            errors.append(FieldError(option, f"{part.strip()!r}: the number must be finite"))
            continue
        clauses.append(Clause(m.group("key"), m.group("op"), value))
    if errors:
        raise ScenarioError(errors)
    return Condition(tuple(clauses))
