"""The result of an evaluation: canonical outputs by dotted key, with JSON, dict and pandas views."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt.outputs import unit_of

if TYPE_CHECKING:
    import pandas as pd

    from terawatt.scenario import Scenario


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return [_jsonable(x) for x in value.tolist()]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return _jsonable(value.item())
    return value


@dataclass(frozen=True)
class Result:
    """Outputs of :func:`terawatt.evaluate` under the canonical dotted keys (``orbital.cost_per_gpu_hour_usd``).

    Values are Python scalars for a scalar scenario and NumPy arrays of samples otherwise; NaN marks a quantity
    that does not exist for that sample (an infeasible design has no cost).
    """

    scenario: Scenario
    outputs: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.outputs[key]

    def __contains__(self, key: str) -> bool:
        return key in self.outputs

    def keys(self) -> list[str]:
        return list(self.outputs)

    @property
    def notes(self) -> list[str]:
        """Plain-language warnings about the design (infeasibility), empty when all is well."""
        notes = []
        radiator_ok = np.asarray(self.outputs["orbital.radiator_feasible"])
        # A satellite without a working radiator has no mass either: count only the real launch problems.
        launchable = np.asarray(self.outputs["orbital.launchable"]) | ~radiator_ok
        if not radiator_ok.all():
            notes.append(
                "radiator cannot reject heat at this temperature in this environment (net flux <= 0): "
                f"{int((~radiator_ok).sum())} of {radiator_ok.size} samples infeasible"
            )
        if not launchable.all():
            notes.append(
                "one satellite exceeds the launch vehicle's payload mass or fairing volume: "
                f"{int((~launchable).sum())} of {launchable.size} samples cannot be launched, costs are not computed"
            )
        space_ok = np.asarray(self.outputs["orbital.environment_feasible"])
        if not space_ok.all():
            notes.append(
                "the satellite cannot hold its orbit (drag and debris-avoidance delta-v beyond any propulsion system) "
                f"or spends all its time avoiding debris: {int((~space_ok).sum())} of {space_ok.size} samples "
                "infeasible"
            )
        feasible = np.atleast_1d(np.asarray(self.outputs["orbital.feasible"], bool))
        if not feasible.all():
            reasons = np.atleast_1d(np.asarray(self.outputs["orbital.infeasible_reason"]))
            many = feasible.size > 1
            where = f" in {int((~feasible).sum())} of {feasible.size} evaluations" if many else ""
            notes.append(
                f"orbital design infeasible{where}, so its costs are n/a: {reasons[~feasible][0]}"
                + (" (the first such; see orbital.infeasible_reason)" if many else "")
            )
        breakeven = np.asarray(self.outputs["comparison.breakeven_launch_price_usd_per_kg"], float)
        if np.any(breakeven < 0):
            notes.append("break-even launch price is negative: orbit costs more than the ground even with free launch")
        return notes

    def to_dict(self, nested: bool = True) -> dict[str, Any]:
        """Outputs as plain Python (lists for arrays, None for NaN); nested by section when ``nested``."""
        flat = {k: _jsonable(v) for k, v in self.outputs.items()}
        if not nested:
            return flat
        tree: dict[str, Any] = {}
        for key, value in flat.items():
            node = tree
            *parents, leaf = key.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = value
        return tree

    def to_json(self, indent: int | None = 2) -> str:
        """JSON text: the scenario name, its overrides, outputs nested by section, and notes."""
        payload = {
            "scenario": self.scenario.name,
            "overrides": {k: _jsonable(v) for k, v in self.scenario.overrides.items()},
            **self.to_dict(nested=True),
            "notes": self.notes,
        }
        return json.dumps(payload, indent=indent, allow_nan=False)

    def to_frame(self) -> pd.DataFrame:
        """A pandas table: one row per sample, one column per output (scalar scenarios give one row)."""
        import pandas as pd

        n = max((np.size(v) for v in self.outputs.values()), default=1)
        data = {k: np.broadcast_to(np.asarray(v), (n,)) if np.ndim(v) <= 1 else v for k, v in self.outputs.items()}
        frame = pd.DataFrame(data)
        frame.attrs["units"] = {k: unit_of(k) for k in self.outputs}
        return frame
