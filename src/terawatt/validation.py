"""Validation cases: published numbers the model must reproduce, as data (YAML), and the runner.

A case file holds ``id``, ``source`` (citation with page/table), an optional base ``scenario``, ``set`` (dotted
overrides), optional ``trajectories`` (as in a scenario), ``year`` (evaluate in that calendar year) and ``years``
(``[from, to]``: also run the timeline, giving the output ``timeline.crossover_year``), and ``expect``: a list of
``{output, value, rel_tol | abs_tol}``. A file may also hold a list of cases (``cases: [...]``). ``preset`` (a shipped
preset name, :mod:`terawatt.studies.presets`) replaces ``scenario`` as the base of a case.

A case with ``study: buildout`` runs the build-out simulation over ``years`` (required) instead of the timeline and
adds the outputs ``buildout.<field>`` (the numeric fields of :data:`terawatt.studies.buildout.FIELDS`) from the row
of ``year`` (required, within ``years``); for sampled scenarios, the median over samples as in ``terawatt buildout``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from terawatt.errors import FieldError, ScenarioError
from terawatt.model import evaluate
from terawatt.scenario import _read_yaml, _suggest, load_scenario
from terawatt.studies.buildout import FIELDS as BUILDOUT_FIELDS
from terawatt.studies.buildout import buildout
from terawatt.studies.timeline import timeline


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    output: str
    value: float = Field(allow_inf_nan=False)
    rel_tol: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    abs_tol: float | None = Field(default=None, ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _one_tolerance(self) -> Expectation:
        if (self.rel_tol is None) == (self.abs_tol is None):
            raise ValueError("give exactly one of rel_tol or abs_tol")
        return self


class ValidationCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    source: str
    description: str = ""
    scenario: str | None = None
    preset: str | None = None  # a shipped preset (terawatt/presets/) as the base instead of a scenario
    set: dict[str, Any] = Field(default_factory=dict)
    trajectories: dict[str, Any] = Field(default_factory=dict)
    year: int | None = None
    years: tuple[int, int] | None = None
    study: Literal["buildout"] | None = None
    expect: list[Expectation] = Field(min_length=1)

    @model_validator(mode="after")
    def _buildout_years(self) -> ValidationCase:
        if self.study == "buildout":
            if self.years is None or self.year is None:
                raise ValueError("a buildout case needs years: [from, to] and the year to check")
            if not self.years[0] <= self.year <= self.years[1]:
                raise ValueError(f"year {self.year} is not within years {list(self.years)}")
        return self


@dataclass(frozen=True)
class CheckRow:
    """One expectation checked: the table row of ``terawatt validate``."""

    case: str
    output: str
    expected: float
    got: float
    error: float  # relative or absolute, matching the tolerance kind
    tolerance: float
    relative: bool
    passed: bool


def shipped_case_files() -> list[Path]:
    """The validation case files shipped with terawatt."""
    folder = resources.files("terawatt").joinpath("data/validation")
    return sorted(Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml"))


def load_cases(paths: Iterable[Path]) -> list[ValidationCase]:
    """Parse case files; every problem of every file is reported at once as a :class:`ScenarioError`."""
    cases: list[ValidationCase] = []
    errors: list[FieldError] = []
    for path in paths:
        data = _read_yaml(Path(path), str(path)) if Path(path).exists() else None
        if data is None and not Path(path).exists():
            errors.append(FieldError(str(path), "validation case file not found"))
            continue
        raw_cases = data.get("cases", [data]) if isinstance(data, dict) else []
        if not isinstance(raw_cases, list) or not all(isinstance(c, dict) for c in raw_cases):
            errors.append(FieldError(f"{path}: cases", f"expected a list of case mappings, got {raw_cases!r:.60}"))
            continue
        for i, raw in enumerate(raw_cases):
            try:
                cases.append(ValidationCase.model_validate(raw))
            except ValidationError as exc:
                for err in exc.errors():
                    where = ".".join(str(x) for x in err["loc"])
                    errors.append(FieldError(f"{path}[{i}].{where}", err["msg"]))
    ids = [c.id for c in cases]
    errors += [FieldError(d, "duplicate case id") for d in sorted({i for i in ids if ids.count(i) > 1})]
    if errors:
        raise ScenarioError(errors)
    return cases


def _case_outputs(case: ValidationCase) -> dict[str, Any]:
    """Outputs of a case: one evaluation (optionally in ``year``), plus ``timeline.crossover_year`` with ``years``
    (or, for ``study: buildout``, the ``buildout.<field>`` values of that year)."""
    source: dict[str, Any] = {"trajectories": case.trajectories}
    if case.scenario:
        source["based_on"] = case.scenario
    if case.preset:
        from terawatt.studies.presets import load_preset

        base = load_preset(case.preset).scenario
        scenario = base.with_overrides(case.set) if case.set else base
    else:
        scenario = load_scenario(source, case.set)
    outputs = dict(evaluate(scenario.at_year(case.year) if case.year is not None else scenario).outputs)
    if case.study == "buildout":
        assert case.years is not None and case.year is not None  # checked by ValidationCase
        row = buildout(scenario, *case.years).rows()[case.year - case.years[0]]
        for name in BUILDOUT_FIELDS:
            value = row[name]
            if not isinstance(value, str):
                outputs[f"buildout.{name}"] = np.nan if value is None else value
    elif case.years is not None:
        tl = timeline(scenario, *case.years)
        outputs["timeline.crossover_year"] = np.nan if tl.crossover_year is None else tl.crossover_year
    return outputs


def run_case(case: ValidationCase) -> list[CheckRow]:
    """Evaluate one case and check each expectation (every unknown output is reported at once)."""
    result = _case_outputs(case)
    unknown = [
        FieldError(f"{case.id}.expect[{i}].output", f"unknown output {exp.output!r}{_suggest(exp.output, result)}")
        for i, exp in enumerate(case.expect)
        if exp.output not in result
    ]
    if unknown:
        raise ScenarioError(unknown)
    rows = []
    for exp in case.expect:
        got = float(np.asarray(result[exp.output], float))
        relative = exp.rel_tol is not None
        tol = exp.rel_tol if relative else exp.abs_tol
        err = abs(got - exp.value) / abs(exp.value) if relative and exp.value != 0 else abs(got - exp.value)
        passed = math.isfinite(err) and err <= tol
        rows.append(CheckRow(case.id, exp.output, exp.value, got, err, float(tol), relative, passed))
    return rows


def run_validation(paths: Sequence[Path] | None = None, include_shipped: bool = True) -> list[CheckRow]:
    """Run the shipped cases (and/or the given files); returns every checked row."""
    files = (shipped_case_files() if include_shipped else []) + [Path(p) for p in paths or []]
    if not files:
        raise ScenarioError([FieldError("--only", "no validation case files given: nothing would be checked")])
    rows: list[CheckRow] = []
    errors: list[FieldError] = []
    for case in load_cases(files):
        try:
            rows.extend(run_case(case))
        except ScenarioError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ScenarioError(errors)
    return rows
