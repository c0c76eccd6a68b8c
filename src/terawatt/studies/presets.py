"""Presets: published models reproduced under *their* assumptions, as data (``terawatt/presets/*.yaml``).

A preset file holds ``id``, ``title``, ``sources``, an optional ``based_on`` (a shipped scenario it builds on),
an optional ``year`` (the calendar year its headline refers to; trajectories apply there), ``assumptions``
(terawatt keys, each ``{value, source}``; ``fitted: true`` marks a value that the publication does not state and
that was chosen so that the preset reproduces the published headline, said in its source), optional
``trajectories`` (as in a scenario), ``published`` (the headline numbers, each ``{quantity, output, value,
source}``; each one terawatt reproduces is also a validation case in ``data/validation/presets.yaml``) and
``not_reproduced`` (what of the publication terawatt does not reproduce, and why).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

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


class PresetFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    sources: list[str] = Field(min_length=1)
    based_on: str | None = None
    year: int | None = None
    assumptions: dict[str, Assumption] = Field(default_factory=dict)
    trajectories: dict[str, Any] = Field(default_factory=dict)
    published: list[Published] = Field(default_factory=list)
    not_reproduced: list[str] = Field(default_factory=list)


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
    return Preset(spec.id, spec.title, spec.year, tuple(spec.sources), scenario, dict(spec.assumptions),
                  tuple(p.model_dump() for p in spec.published), tuple(spec.not_reproduced))
