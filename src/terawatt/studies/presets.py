"""Presets: published models reproduced under *their* assumptions, as data (``terawatt/presets/*.yaml``).

A preset file holds ``id``, ``title``, ``sources``, an optional ``based_on`` (a shipped scenario it builds on),
an optional ``year`` (the calendar year its headline refers to; trajectories apply there), ``assumptions``
(terawatt keys, each ``{value, source}``; ``fitted: true`` marks a value that the publication does not state and
that was chosen so that the preset reproduces the published headline, said in its source), optional
``trajectories`` (as in a scenario), ``published`` (the headline numbers, each ``{quantity, output, value,
source}``; each one terawatt reproduces is also a validation case in ``data/validation/presets.yaml``) and
``not_reproduced`` (what of the publication terawatt does not reproduce, and why).

A ``kind: design-point`` preset is a published design rather than a cost model (SpaceX AI-1, Turyshev's 1 MW
anchor): its ``published`` numbers are compared with what terawatt gives for that design
(:func:`design_answers`), and each ``solve`` entry asks what one input must be for an output to reach a target
(``{quantity, param, output, target, source}``, solved over the parameter's allowed range by
:func:`terawatt.studies.breakeven.solve_breakeven`): "what must be true of its components".
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from terawatt.errors import FieldError, ScenarioError
from terawatt.scenario import Scenario, _read_yaml, _suggest, load_scenario


class Assumption(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Any
    source: str = Field(min_length=3)
    fitted: bool = False


class Published(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: str
    output: str | None = None  # the terawatt output that corresponds, where one does
    value: float
    source: str


class Solve(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: str
    param: str
    output: str
    target: float
    source: str


class PresetFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Literal["model", "design-point"] = "model"
    title: str
    sources: list[str] = Field(min_length=1)
    based_on: str | None = None
    year: int | None = None
    assumptions: dict[str, Assumption] = Field(default_factory=dict)
    trajectories: dict[str, Any] = Field(default_factory=dict)
    published: list[Published] = Field(default_factory=list)
    not_reproduced: list[str] = Field(default_factory=list)
    solve: list[Solve] = Field(default_factory=list)


@dataclass(frozen=True)
class Preset:
    """A loaded preset: its metadata, the scenario of its assumptions, and its published headline numbers."""

    id: str
    title: str
    year: int | None
    sources: tuple[str, ...]
    scenario: Scenario
    assumptions: dict[str, Assumption]
    published: tuple[dict[str, Any], ...]
    not_reproduced: tuple[str, ...]
    kind: str = "model"
    solve: tuple[dict[str, Any], ...] = ()


def shipped_presets() -> dict[str, Path]:
    """Shipped preset files by name."""
    folder = resources.files("terawatt").joinpath("presets")
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml")}


def load_preset(name: str | Path) -> Preset:
    """Load and validate a preset (a shipped name or a file path); every problem is reported at once.

    Raises
    ------
    ScenarioError
        Unknown preset (with the nearest name), a malformed file, an assumption the registry refuses.
    """
    shipped = shipped_presets()
    path = Path(name)
    if str(name) in shipped:
        path = shipped[str(name)]
    elif not path.exists():
        raise ScenarioError([FieldError(str(name), f"no such preset{_suggest(str(name), shipped)} (shipped: "
                                                   f"{', '.join(sorted(shipped))})")])
    raw = _read_yaml(path, str(path))
    try:
        spec = PresetFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError([FieldError(f"{path.name}: {'.'.join(str(x) for x in e['loc'])}", e["msg"])
                             for e in exc.errors()]) from exc
    source: dict[str, Any] = {"name": spec.id, "description": spec.title, "sources": spec.sources,
                              **{k: a.value for k, a in spec.assumptions.items()}}
    if spec.based_on:
        source["based_on"] = spec.based_on
    if spec.trajectories:
        source["trajectories"] = spec.trajectories
    try:
        scenario = load_scenario(source)
    except ScenarioError as exc:
        raise ScenarioError([FieldError(f"{path.name}: {e.path}", e.message) for e in exc.errors]) from exc
    errors = _key_errors(spec, path.name)
    if errors:
        raise ScenarioError(errors)
    return Preset(spec.id, spec.title, spec.year, tuple(spec.sources), scenario, dict(spec.assumptions),
                  tuple(p.model_dump() for p in spec.published), tuple(spec.not_reproduced), spec.kind,
                  tuple(q.model_dump() for q in spec.solve))


def _key_errors(spec: PresetFile, label: str) -> list[FieldError]:
    """The ``published`` and ``solve`` entries that name no numeric output, or a parameter that is no number."""
    from terawatt.model import evaluate
    from terawatt.params import load_registry
    from terawatt.studies.outcomes import outcome_errors

    outputs = evaluate(load_scenario()).outputs  # the output keys and their kinds are every scenario's
    registry = load_registry()
    errors = []
    for i, p in enumerate(spec.published):
        if p.output:
            errors.extend(outcome_errors([p.output], outputs, f"{label}: published.{i}.output"))
    for i, q in enumerate(spec.solve):
        errors.extend(outcome_errors([q.output], outputs, f"{label}: solve.{i}.output"))
        param = registry.get(q.param)
        if param is None or param.kind not in ("float", "int"):
            why = f"unknown parameter{_suggest(q.param, registry)}" if param is None else (
                f"{q.param} is a {param.kind} parameter: the solver moves a number")
            errors.append(FieldError(f"{label}: solve.{i}.param", why))
    return errors


def design_answers(preset: Preset) -> list[dict[str, Any]]:
    """What terawatt gives for each published number of a preset, and the answer to each ``solve`` question.

    Returns one dict per row: ``quantity``, ``published`` (or None), ``terawatt`` (the value, or None with a
    ``note`` saying why), ``unit`` and ``source``.
    """
    from terawatt.model import evaluate
    from terawatt.outputs import unit_of
    from terawatt.studies.breakeven import solve_breakeven

    sc = preset.scenario.at_year(preset.year) if preset.year is not None else preset.scenario
    out = evaluate(sc).outputs
    rows = []
    for p in preset.published:
        key = p.get("output")
        if key:
            value, note = _num(out[key]), ""
            if key == "comparison.breakeven_launch_price_usd_per_kg" and value is not None and value < 0:
                value, note = None, "none: orbit costs more than the ground even with free launch"
            rows.append({"quantity": p["quantity"], "published": p["value"], "terawatt": value,
                         "unit": unit_of(key), "source": p["source"], "note": note})
    for q in preset.solve:
        be = solve_breakeven(sc, q["param"], None, q["target"], output=q["output"])
        # breakeven's message speaks of the cost ratio: say the output this question is about
        note = "" if be.found else be.message.replace("orbit/ground", q["output"]).replace("the ratio", "it")
        rows.append({"quantity": q["quantity"], "published": q["target"], "terawatt": be.value if be.found else None,
                     "unit": be.unit, "source": q["source"], "note": note})
    return rows


def _num(value: Any) -> float | None:
    x = float(np.asarray(value, float))
    return x if np.isfinite(x) else None
