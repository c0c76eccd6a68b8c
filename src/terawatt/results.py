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


def unit_of_input(key: str) -> str:
    """Unit of a registry parameter ("" for a dimensionless one)."""
    from terawatt.params import load_registry

    unit = load_registry()[key].unit
    return "" if unit == "-" else unit


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

    def input_value(self, key: str) -> Any:
        """The value of input ``key`` this evaluation used: the scenario's, or for an empty parameter the model
        derives, the output that holds the derived value (the registry's ``derived_output``: an empty
        ``launch.price_usd_per_kg`` gives ``orbital.launch_price_usd_per_kg``). ``None`` for an empty parameter
        whose derived value is not an output; KeyError for a name that is not in the registry."""
        from terawatt.params import load_registry

        spec = load_registry()[key]
        value = self.scenario.values[key]
        if value is None and spec.derived_output is not None:
            return self.outputs[spec.derived_output]
        return value

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
            notes.append(NO_VALUE_WHEN_NEGATIVE["comparison.breakeven_launch_price_usd_per_kg"][1])
        for key, raw in self.scenario.overrides.items():  # design levers given as auto: the chosen value
            if isinstance(raw, str) and raw == "auto":
                chosen = np.atleast_1d(np.asarray(self.scenario.values[key]))
                first = chosen.flat[0]
                shown = (f"{first:g} {unit_of_input(key)}" if chosen.dtype.kind == "f" else str(first)).strip()
                where = "" if chosen.size == 1 else f" (first of {chosen.size} values, one per sample/year)"
                notes.append(f"{key}: auto, optimised to {shown}{where}, the lowest cost per delivered GPU-hour")
        return notes

    def to_dict(self, nested: bool = True) -> dict[str, Any]:
        """Outputs as plain Python (lists for arrays, None for NaN); nested by section when ``nested``.

        A quantity that does not exist is None, never a sentinel number: where orbit costs more than the ground
        even with free launch, ``comparison.breakeven_launch_price_usd_per_kg`` is None (per sample) and
        ``comparison.breakeven_launch_price_note`` says why.
        """
        flat = {k: _jsonable(v) for k, v in json_outputs(self.outputs).items()}
        return nest(flat) if nested else flat

    def to_json(self, indent: int | None = 2, flat: bool = False) -> str:
        """JSON text: the scenario name, its overrides, the outputs, their units, and notes.

        Outputs are nested by section (``{"orbital": {"cost_per_gpu_hour_usd": ...}}``, the leaf names being those
        of the canonical keys) unless ``flat``, which writes them under the dotted canonical keys
        (``"orbital.cost_per_gpu_hour_usd"``). ``units`` maps every dotted output key to its unit.
        """
        outputs = self.to_dict(nested=not flat)
        payload = {
            "scenario": self.scenario.name,
            "overrides": {k: _jsonable(v) for k, v in self.scenario.overrides.items()},
            **outputs,
            "units": {k: unit_of(k) for k in self.outputs},
            "notes": self.notes,
        }
        return json.dumps(payload, indent=indent, allow_nan=False)

    def to_frame(self) -> pd.DataFrame:
        """A pandas table: one row per sample, one column per output (scalar scenarios give one row).

        Units by column are in ``frame.attrs["units"]``; a value that does not exist is NaN, with the reason in the
        matching ``*_note`` column (as in :meth:`to_dict`).
        """
        outputs = json_outputs(self.outputs)
        n = max((np.size(v) for v in outputs.values()), default=1)
        data = {k: np.broadcast_to(np.asarray(v), (n,)) if np.ndim(v) <= 1 else v for k, v in outputs.items()}
        return frame_with_units(data, index=None)


#: Outputs whose negative values mean "no such value" rather than a number, with the reason given in JSON.
NO_VALUE_WHEN_NEGATIVE = {
    "comparison.breakeven_launch_price_usd_per_kg": (
        "comparison.breakeven_launch_price_note",
        "no break-even launch price: orbit costs more than the ground even with free launch",
    ),
}


def json_outputs(outputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs with every "no value" sentinel replaced by NaN (serialised as null) and a ``*_note`` key saying why.

    The note is None where every value exists. Keys listed in :data:`NO_VALUE_WHEN_NEGATIVE` are treated so.
    """
    out = dict(outputs)
    for key, (note_key, reason) in NO_VALUE_WHEN_NEGATIVE.items():
        if key not in out:
            continue
        value = np.asarray(out[key], float)
        missing = value < 0
        infeasible = np.isnan(value)
        cleaned = np.where(missing, np.nan, value)
        out[key] = float(cleaned) if cleaned.ndim == 0 else cleaned
        notes = []
        if missing.any():
            notes.append(reason if value.ndim == 0 else f"{reason} ({int(missing.sum())} of {value.size} samples)")
        if infeasible.any():
            notes.append("not computed for an infeasible design (see notes)")
        out[note_key] = "; ".join(notes) or None
    return out


def no_value_row(row: dict[str, Any], field: str = "breakeven_launch_price_usd_per_kg") -> dict[str, Any]:
    """A per-year row with a negative break-even launch price replaced by None and a ``*_note`` saying why."""
    value = row.get(field)
    note_key, reason = NO_VALUE_WHEN_NEGATIVE["comparison.breakeven_launch_price_usd_per_kg"]
    out = dict(row)
    out[note_key.split(".", 1)[1]] = None
    if value is not None and value < 0:
        out[field] = None
        out[note_key.split(".", 1)[1]] = reason
    elif value is None:
        out[note_key.split(".", 1)[1]] = "not computed for an infeasible design"
    return out


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys to nested sections (``{"a.b": 1}`` -> ``{"a": {"b": 1}}``)."""
    tree: dict[str, Any] = {}
    for key, value in flat.items():
        node = tree
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return tree


def frame_with_units(data: dict[str, Any], index: Any = None, units: dict[str, str] | None = None) -> pd.DataFrame:
    """A pandas DataFrame of ``data`` (columns) with ``attrs["units"]`` (from the key suffixes unless given)."""
    import pandas as pd

    frame = pd.DataFrame(data, index=index)
    frame.attrs["units"] = {k: (units or {}).get(k) or unit_of(k) for k in frame.columns}
    return frame


def years_frame(years: np.ndarray, columns: dict[str, Any], shape: tuple[int, ...]) -> pd.DataFrame:
    """Per-year columns of shape (Y,) or (N, Y) (or scalars, constant over the years) as one frame.

    Index: ``year`` for shape (Y,); a (``sample``, ``year``) MultiIndex for (N, Y), one row per sample and year.
    """
    import pandas as pd

    data = {k: np.broadcast_to(np.asarray(v), shape).ravel() for k, v in columns.items()}
    if len(shape) == 2:
        index = pd.MultiIndex.from_product([range(shape[0]), [int(y) for y in years]], names=["sample", "year"])
    else:
        index = pd.Index([int(y) for y in years], name="year")
    return frame_with_units(data, index=index)
