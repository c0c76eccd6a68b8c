"""Scenarios: the registry's defaults overridden by a YAML file and ``--set key=value`` pairs, validated.

A scenario file holds only overrides, as nested sections (``orbit: {altitude_km: 550}``) or dotted keys
(``orbit.altitude_km: 550``), plus the metadata keys ``name``, ``description``, ``sources``, ``notes`` and
``based_on`` (a shipped scenario name or a path the file builds on), and ``uncertainty`` (distributions for Monte
Carlo studies, carried raw on :attr:`Scenario.uncertainty`, validated by :mod:`terawatt.studies.uncertainty`).
Validation reports every bad field at once, by dotted path, with its unit and allowed range; nothing is clamped.
"""

from __future__ import annotations

import copy
import difflib
import functools
import math
import os
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from terawatt._arrays import as_float
from terawatt.catalogs import load_catalog
from terawatt.errors import FieldError, ScenarioError  # re-exported: terawatt.scenario.FieldError stays valid
from terawatt.params import ParamSpec, defaults, load_registry

META_KEYS = ("name", "description", "sources", "notes", "based_on", "uncertainty")
TRAJECTORIES_KEY = "trajectories"
#: Unknown keys reported one by one (with a suggestion); the rest are counted.
MAX_REPORTED_UNKNOWN = 20


@dataclass(frozen=True)
class Scenario:
    """A validated set of parameter values (defaults + overrides), ready for :func:`terawatt.evaluate`.

    ``values`` maps every registry name to a Python scalar, ``None`` (derived by the model) or a NumPy array of
    samples. ``overrides`` holds what differs from the registry defaults, as given.
    """

    name: str
    values: dict[str, Any]
    overrides: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    sources: tuple[str, ...] = ()
    path: Path | None = None
    trajectories: dict[str, Any] = field(default_factory=dict)
    uncertainty: Any = None  # the file's raw ``uncertainty:`` block (validated by terawatt.studies.uncertainty)
    #: The validated value of each override, with the raw object it came from: :meth:`with_overrides` does not
    #: check again an override it carries over unchanged (the same object). None: nothing known (check all).
    checked: Mapping[str, tuple[Any, Any]] | None = field(default=None, compare=False, repr=False)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @cached_property
    def sample_arrays(self) -> dict[str, np.ndarray]:
        """The parameters given as arrays of samples, by name (none for a scalar scenario); read once, as the
        values of a scenario do not change. The types are looked at first (one C-level pass): a scalar scenario
        has none."""
        values = self.values
        if not any(issubclass(kind, np.ndarray) for kind in set(map(type, values.values()))):
            return {}
        return {k: v for k, v in values.items() if isinstance(v, np.ndarray) and v.ndim}

    @cached_property
    def sample_sizes(self) -> tuple[int, ...]:
        """Sizes of the parameters given as arrays of samples (none for a scalar scenario: told from the types, as
        :attr:`sample_arrays`, without reading that property)."""
        if not any(issubclass(kind, np.ndarray) for kind in set(map(type, self.values.values()))):
            return ()
        return tuple(v.size for v in self.sample_arrays.values())

    @cached_property
    def sample_shape(self) -> tuple[int, ...]:
        """Common shape of the sample arrays (``()`` for a scalar scenario); ScenarioError naming them where they
        do not broadcast. One shape shared by every array (a sampled scenario's rows) needs no broadcast."""
        arrays = self.sample_arrays
        shapes = {v.shape for v in arrays.values()}
        if len(shapes) <= 1:
            return next(iter(shapes), ())
        try:
            return np.broadcast_shapes(*(v.shape for v in arrays.values()))
        except ValueError:
            listed = ", ".join(f"{k} {v.shape}" for k, v in arrays.items())
            raise ScenarioError(
                [FieldError(next(iter(arrays)), f"sample arrays of different shapes do not combine: {listed}")]
            ) from None

    @cached_property
    def auto_keys(self) -> tuple[str, ...]:
        """Design levers given as ``auto`` (optimised before the model runs); read once, as ``sample_sizes``."""
        return tuple(k for k, v in self.values.items() if isinstance(v, str) and v == "auto")

    @property
    def n_samples(self) -> int:
        """Number of samples carried by array-valued parameters (1 for a scalar scenario)."""
        sizes = [np.size(v) for v in self.values.values() if isinstance(v, np.ndarray)]
        return max(sizes, default=1)

    def with_overrides(self, overrides: Mapping[str, Any], *, in_range: bool = False,
                       keep_trajectories: bool = False) -> Scenario:
        """A new validated scenario with more overrides applied on top of this one. As with ``--set``, an override
        fixes its parameter: it replaces the parameter's trajectory, so it holds in every year
        (:meth:`at_year`, :meth:`at_years`), unless ``keep_trajectories``.

        Only the new overrides are checked: one carried over unchanged (the very object this scenario validated)
        keeps its validated value, so the errors are those a check of every override would give, at less cost
        (a Monte Carlo chunk adds dozens of sample arrays to a scenario that may already hold some).

        Parameters
        ----------
        overrides
            Dotted names to values (scalars or 1-D arrays of samples, all of one length).
        in_range
            The caller guarantees that every sample of every array among ``overrides`` is finite and inside its
            parameter's allowed range (rows of a sampled design, whose inverse CDFs clip to the ranges:
            :class:`terawatt.studies.uncertainty.SampleDesign`). Those arrays are then taken without the pass
            over their samples that checks the range (the names, the kind of value, the shape and the common
            length are still checked, an integer parameter is cast as the check casts it): the scenario is the
            one the full check gives. Scalar overrides are always checked.
        keep_trajectories
            Keep the trajectories of the parameters overridden: the override is then the trajectory's base value,
            which a trajectory without values of its own (a ``rate`` or ``learning`` from the scenario's value)
            starts from, and which one with its own values ignores in the years they cover.

        Raises
        ------
        ScenarioError
            Listing every invalid override, with its unit and allowed range.
        """
        new = dict(overrides)
        merged = {**self.overrides, **new}
        known = self.checked or {}
        kept = {k: known[k][1] for k, raw in merged.items() if k not in new and k in known and known[k][0] is raw}
        values, errors = _validate(merged, kept, in_range=new.keys() if in_range else ())
        if errors:
            raise ScenarioError(errors)
        trajectories = self.trajectories if keep_trajectories else {
            k: v for k, v in self.trajectories.items() if k not in new}
        return Scenario(self.name, values, merged, self.description, self.sources, self.path, trajectories,
                        self.uncertainty, _checked(merged, values))

    def at_years(self, years: Sequence[float] | np.ndarray) -> Scenario:
        """The scenario over calendar years: each parameter with a trajectory becomes an array over ``years``.

        Scalar parameters stay scalars; a trajectory gives shape (Y,), or (N, Y) when the scenario carries N
        samples, in which case every other sampled parameter is reshaped to (N, 1) so that the model broadcasts
        samples x years in one pass. Every evaluated value is checked against the registry range.
        """
        from terawatt.trajectory import YEAR_RANGE, check_trajectory_values, trajectory_values

        try:
            yrs = np.atleast_1d(np.asarray(years, dtype=float))
        except (TypeError, ValueError) as exc:
            raise ScenarioError([FieldError("year", f"expected calendar years (whole numbers), got {years!r:.60}")]
                                ) from exc
        bad = yrs[(yrs < YEAR_RANGE[0]) | (yrs > YEAR_RANGE[1]) | (yrs != np.round(yrs))]
        if bad.size:
            listed = ", ".join(f"{b:g}" for b in bad[:10]) + (f" and {bad.size - 10} more" if bad.size > 10 else "")
            raise ScenarioError(
                [FieldError("year", f"{listed}: outside the model's calendar (whole years in {list(YEAR_RANGE)})")]
            )
        registry = load_registry()
        sampled = any(isinstance(v, np.ndarray) for v in self.values.values())
        values = {k: (v[:, None] if sampled and isinstance(v, np.ndarray) else v) for k, v in self.values.items()}
        errors = []
        for name, traj in self.trajectories.items():
            series = trajectory_values(traj, yrs, self.values[name])
            problem = check_trajectory_values(name, series, registry[name], years=yrs)
            if problem:
                errors.append(problem)
            values[name] = None if np.all(np.isnan(series)) else series
        if errors:
            raise ScenarioError(errors)
        return Scenario(self.name, values, self.overrides, self.description, self.sources, self.path, {})

    def at_year(self, year: float) -> Scenario:
        """The scenario in one calendar year: trajectories evaluated there (scalars, or N samples)."""
        values = dict(self.values)
        values.update(self._year_values(year))
        return Scenario(self.name, values, self.overrides, self.description, self.sources, self.path, {})

    def _year_values(self, year: float) -> dict[str, Any]:
        """``{trajectory parameter: its value in year}``, as :meth:`at_years` gives it for that one year.

        Where every trajectory's base value is a scalar the values depend only on the trajectories, those base
        values and the year: the last few are kept (:data:`_YEAR_VALUES`), so that the chunks of a Monte Carlo
        run, which take the same trajectories to the same year with new sampled inputs, evaluate and check them
        once. A base value given as samples is evaluated every time.
        """
        bases = tuple(self.values[name] for name in self.trajectories)
        if any(isinstance(b, np.ndarray) for b in bases):
            return self._evaluate_year(year)
        # trajectories are frozen models, kept alive by the entry (their identity cannot be reused); base
        # values by type and repr (exact for a float: 0.0 and -0.0 differ)
        key = (repr(year), tuple(self.trajectories.items()), tuple((type(b), repr(b)) for b in bases))
        for known, found in _YEAR_VALUES:
            if known[0] == key[0] and known[2] == key[2] and len(known[1]) == len(key[1]) and all(
                    a is b and na == nb for (na, a), (nb, b) in zip(known[1], key[1], strict=True)):
                return found
        found = self._evaluate_year(year)
        _YEAR_VALUES[:] = [(key, found), *_YEAR_VALUES[: _YEAR_VALUES_KEPT - 1]]
        return found

    def _evaluate_year(self, year: float) -> dict[str, Any]:
        """The trajectories evaluated (and checked) in ``year``: one column of :meth:`at_years`."""
        multi = self.at_years([year])
        out: dict[str, Any] = {}
        for name in self.trajectories:
            series = multi.values[name]
            out[name] = None if series is None else (series[:, 0] if series.ndim == 2 else float(series[0]))
        return out


#: How many (trajectories, base values, year) :meth:`Scenario.at_year` keeps the evaluated values of.
_YEAR_VALUES_KEPT = 4
#: ``(key, {name: value in that year})`` of the last trajectories taken to one year, newest first.
_YEAR_VALUES: list[tuple[tuple[Any, ...], dict[str, Any]]] = []


# ----------------------------------------------------------------------------------------------- shipped files
def shipped_scenarios() -> dict[str, Path]:
    """Shipped scenario files by name (``terawatt/scenarios/*.yaml``)."""
    folder = resources.files("terawatt").joinpath("scenarios")
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml")}


#: Files up to this size [bytes] keep their parsed content (:func:`_parse_small`): loading the same scenario file
#: again (a loop over overrides, a Monte Carlo chunk) then costs a read and a copy, not a parse.
PARSE_CACHE_MAX_BYTES = 65536


@functools.lru_cache(maxsize=64)
def _parse_small(text: str, label: str) -> Any:
    """The parsed document of a small file's text (keyed on the text itself, so an edited file is parsed anew)."""
    from terawatt import safe_yaml

    return safe_yaml.loads(text, label)


def _read_yaml(path: Path, label: str) -> dict[str, Any]:
    """A scenario (or validation) file as a mapping, read by the bounded safe reader :mod:`terawatt.safe_yaml`."""
    from terawatt import safe_yaml  # PyYAML only when a file is read

    text = safe_yaml.read_text(Path(path), label)
    if len(text) <= PARSE_CACHE_MAX_BYTES:
        data = copy.deepcopy(_parse_small(text, label))  # a copy: callers take the mapping apart
    else:
        data = safe_yaml.loads(text, label)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError([FieldError(label, "a scenario file must be a mapping of sections to values")])
    return data


def resolve_scenario_path(source: str | Path, relative_to: Path | None = None) -> Path:
    """A scenario path (relative paths first against ``relative_to``), or the file of a shipped scenario name."""
    if not isinstance(source, (str, os.PathLike)):
        raise ScenarioError([FieldError("scenario", f"expected a shipped scenario's name, a YAML path, a mapping or a "
                                                    f"Scenario, got {type(source).__name__} {source!r:.60}")])
    path = Path(source)
    if relative_to is not None and not path.is_absolute() and (relative_to / path).exists():
        path = relative_to / path
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.exists():
            raise ScenarioError([FieldError(str(source), "scenario file not found")])
        return path
    shipped = shipped_scenarios()
    if str(source) in shipped:
        return shipped[str(source)]
    close = difflib.get_close_matches(str(source), list(shipped), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ScenarioError(
        [FieldError(str(source), f"no such file or shipped scenario{hint} (shipped: {', '.join(sorted(shipped))})")]
    )


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested sections to dotted keys; mappings nest, everything else is a value."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


# ----------------------------------------------------------------------------------------------- --set parsing
def parse_value(text: str) -> Any:
    """A ``--set`` value: number, true/false, null (empty / none / null) or a string."""
    stripped = text.strip()
    low = stripped.lower()
    if low in ("", "null", "none", "~"):
        return None
    if low in ("true", "false"):
        return low == "true"
    for cast in (int, float):
        try:
            return cast(stripped)
        except ValueError:
            pass
    return stripped


def parse_set(items: Iterable[str]) -> dict[str, Any]:
    """``["orbit.altitude_km=550", ...]`` (or one such text) to a dict; a malformed item is a
    :class:`ScenarioError`."""
    if isinstance(items, str):
        items = [items]
    if isinstance(items, bytes) or not isinstance(items, Iterable):
        raise ScenarioError([FieldError("--set", f"expected a list of section.key=value texts or a mapping, got "
                                                 f"{items!r:.60}")])
    out: dict[str, Any] = {}
    errors = []
    for item in items:
        if not isinstance(item, str):
            errors.append(FieldError("--set", f"expected section.key=value text, got {item!r:.60}"))
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            errors.append(FieldError(item, "expected --set section.key=value"))
            continue
        out[key.strip()] = parse_value(value)
    if errors:
        raise ScenarioError(errors)
    return out


# -------------------------------------------------------------------------------------------------- validation
def _suggest(name: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the best candidate: a name that ``name`` starts (shortest first), else the
    closest by difflib, else one with the same last part; empty when nothing is close."""
    candidates = list(candidates)
    prefixed = sorted((c for c in candidates if c.startswith(name) and name), key=lambda c: (len(c), c))
    close = prefixed[:1] or difflib.get_close_matches(name, candidates, n=1, cutoff=0.5)
    if not close:
        tail = name.rsplit(".", 1)[-1]
        close = [c for c in candidates if c.rsplit(".", 1)[-1] == tail][:1]
    return f"; did you mean {close[0]!r}?" if close else ""


def _short(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters (a 400-digit number is not repeated whole in a message)."""
    return text if len(text) <= limit else f"{text[: limit - 10]}...({len(text)} characters)"


def _describe(spec: ParamSpec) -> str:
    return f"{spec.description} Allowed: {spec.range_text()}."


_FLOAT64 = np.dtype(np.float64)
_NUMBER_KINDS = frozenset({"float", "int"})


def _check_number(spec: ParamSpec, value: Any, in_range: bool = False) -> tuple[Any, str | None]:
    """Coerce and range-check a numeric value (scalar or array); return (value, error message or None).

    ``in_range``: an array the caller guarantees finite and inside the range (:meth:`Scenario.with_overrides`)
    is coerced and its shape checked, not its samples."""
    unit = "" if spec.unit in ("-", "") else f" {spec.unit}"

    def wanted() -> str:  # built only for a message (the range text costs more than the check of a valid value)
        return f"{'an integer' if spec.kind == 'int' else 'a number'} [{spec.unit}] in {spec.range_text()}"

    if isinstance(value, bool) or (isinstance(value, np.ndarray) and value.dtype == bool):
        return value, f"expected {wanted()}, got {value!r}"
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return value, f"expected {wanted()}, got the text {_short(value)!r}"
    if isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value)
        except (ValueError, OverflowError):
            return value, f"expected {wanted()} or a list of them, got a ragged or nested list"
    if isinstance(value, np.ndarray):
        if not np.issubdtype(value.dtype, np.number):
            return value, f"expected {wanted()}, got an array of {value.dtype}"
        if value.ndim != 1 or value.size == 0:
            return value, f"expected a scalar or a 1-D array of samples, got shape {value.shape}"
        arr = value.astype(float, copy=False)
        if arr is value:  # already float64: a read-only view instead of a copy (a 64k-sample copy costs ~1 ms)
            arr = value.view()
            arr.flags.writeable = False
    elif isinstance(value, (int, float, np.integer, np.floating)):
        try:
            arr = np.asarray(float(value))
        except OverflowError:
            return value, f"{_short(str(value))} is too large for a number: expected {wanted()}"
    else:
        return value, f"expected {wanted()}, got {type(value).__name__} {value!r}"
    if arr.ndim and (in_range or (spec.kind != "int" and _within(spec, float(arr.min()), float(arr.max())))):
        # every sample finite and in range (min/max: two reductions, not a mask per bound), or known to be
        return (arr.astype(int) if spec.kind == "int" else arr), None
    bad = ~np.isfinite(arr)
    if spec.min is not None:
        bad |= (arr <= spec.min) if spec.min_exclusive else (arr < spec.min)
    if spec.max is not None:
        bad |= (arr >= spec.max) if spec.max_exclusive else (arr > spec.max)
    if spec.kind == "int":
        bad |= arr != np.round(arr)
    if np.any(bad):
        first = arr[bad].flat[0] if arr.ndim else float(arr)
        count = f"{int(bad.sum())} of {arr.size} samples out of range, first " if arr.ndim else ""
        kind = "an integer" if spec.kind == "int" else "a number"
        return value, f"{count}{first:g}{unit} is not {kind} in the allowed range {spec.range_text()}"
    if isinstance(value, np.ndarray):
        return (arr.astype(int) if spec.kind == "int" else arr), None
    return (int(arr) if spec.kind == "int" else float(arr)), None


def _within(spec: ParamSpec, low: float, high: float) -> bool:
    """Whether [low, high] (an array's min and max) is finite and inside the allowed range (False on NaN)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return False
    above = spec.min is None or (low > spec.min if spec.min_exclusive else low >= spec.min)
    below = spec.max is None or (high < spec.max if spec.max_exclusive else high <= spec.max)
    return above and below


def _check_value(spec: ParamSpec, value: Any, in_range: bool = False) -> tuple[Any, str | None]:
    if spec.auto and isinstance(value, str) and value == "auto":
        return value, None  # chosen by the optimiser before the model runs (terawatt.studies.optimize.resolve_auto)
    if value is None:
        if spec.nullable:
            return None, None
        return value, f"must not be empty. {_describe(spec)}"
    if spec.kind in ("float", "int"):
        return _check_number(spec, value, in_range)
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value, None
        return value, f"expected true or false, got {value!r}"
    if not isinstance(value, str):
        options = f": one of {', '.join(spec.choices)}" if spec.choices else ""
        return value, f"expected a name (text){options}, got {type(value).__name__} {value!r}"
    if spec.choices and value not in spec.choices:
        return value, f"{value!r} is not one of: {', '.join(spec.choices)}{_suggest(value, spec.choices)}"
    if spec.catalog:
        names = sorted(load_catalog(spec.catalog))
        if value not in names:
            return (
                value,
                f"unknown {spec.catalog} name {value!r}{_suggest(value, names)} (valid: {', '.join(names)})",
            )
    return value, None


def validate_values(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Registry defaults with ``overrides`` applied, every value checked; raises one error listing all problems."""
    values, errors = _validate(overrides)
    if errors:
        raise ScenarioError(errors)
    return values


def _checked(overrides: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """(raw, validated value) of each override of a validated scenario (see :attr:`Scenario.checked`)."""
    return {k: (raw, values[k]) for k, raw in overrides.items() if k in values}


def _validate(overrides: Mapping[str, Any], known: Mapping[str, Any] | None = None,
              in_range: Collection[str] = ()) -> tuple[dict[str, Any], list[FieldError]]:
    """Defaults with ``overrides`` applied, and every problem; ``known`` holds overrides already validated (by name,
    their validated values), taken as they are; ``in_range`` names overrides whose arrays are known to be inside
    their ranges (:meth:`Scenario.with_overrides`)."""
    registry = load_registry()
    values: dict[str, Any] = defaults()  # a copy of the cached defaults
    errors: list[FieldError] = []
    known = known or {}
    unknown = [k for k in overrides if k not in registry]
    for key in unknown[:MAX_REPORTED_UNKNOWN]:
        errors.append(FieldError(str(key), f"unknown parameter{_suggest(str(key), registry)}"))
    if len(unknown) > MAX_REPORTED_UNKNOWN:
        errors.append(FieldError("<file>", f"... and {len(unknown) - MAX_REPORTED_UNKNOWN} more unknown parameters"))
    for key, raw in overrides.items():
        if key in known:
            values[key] = known[key]
            continue
        spec = registry.get(key)
        if spec is None:
            continue
        if in_range and type(raw) is np.ndarray and raw.dtype == _FLOAT64 and raw.ndim == 1 and raw.size and (
                spec.kind in _NUMBER_KINDS and key in in_range):
            # a float64 row known to be in range: what _check_number makes of it, without its steps (a Monte Carlo
            # chunk has dozens of rows)
            row = raw.view()
            row.flags.writeable = False
            values[key] = row.astype(int) if spec.kind == "int" else row
            continue
        value, problem = _check_value(spec, raw, key in in_range)
        if problem:
            errors.append(FieldError(key, problem))
        else:
            values[key] = value
    sizes = {v.size for v in values.values() if isinstance(v, np.ndarray) and v.ndim > 0}
    if len(sizes) > 1:
        errors.append(FieldError("<samples>", f"array parameters must share one length, got {sorted(sizes)}"))
    return values, errors


def _split(data: dict[str, Any], label: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(metadata, flat overrides, raw trajectories) of a scenario mapping."""
    meta = {k: data.pop(k) for k in META_KEYS if k in data}
    errors = []
    based_on = meta.get("based_on")
    if based_on is not None and not isinstance(based_on, str):
        errors.append(
            FieldError(
                f"{label}: based_on", f"expected a shipped scenario name or a file path (text), got {based_on!r}"
            )
        )
    sources = meta.get("sources")
    if sources is not None and not (
        isinstance(sources, str) or (isinstance(sources, list) and all(isinstance(x, str) for x in sources))
    ):
        errors.append(
            FieldError(f"{label}: sources", f"expected a citation or a list of citations (text), got {sources!r}")
        )
    for key in ("name", "description"):
        if meta.get(key) is not None and not isinstance(meta[key], str):
            errors.append(FieldError(f"{label}: {key}", f"expected text, got {meta[key]!r}"))
    if errors:
        raise ScenarioError(errors)
    raw_traj = data.pop(TRAJECTORIES_KEY, None) or {}
    if not isinstance(raw_traj, Mapping):
        raise ScenarioError([FieldError(f"{label}: {TRAJECTORIES_KEY}", "must map parameter names to trajectories")])
    return meta, flatten(data), dict(raw_traj)


def _load_file(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(metadata, flat overrides, raw trajectories) of a scenario file, following ``based_on``."""
    if path.resolve() in seen:
        raise ScenarioError([FieldError(str(path), "based_on forms a cycle")])
    meta, flat, traj = _split(_read_yaml(path, str(path)), str(path))
    base: dict[str, Any] = {}
    base_traj: dict[str, Any] = {}
    if meta.get("based_on"):
        parent = resolve_scenario_path(meta["based_on"], relative_to=path.parent)
        _, base, base_traj = _load_file(parent, (*seen, path.resolve()))
    return meta, {**base, **flat}, {**base_traj, **traj}


def load_scenario(
    source: str | Path | Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
) -> Scenario:
    """Load and validate a scenario.

    Parameters
    ----------
    source
        ``None`` for the registry defaults, a shipped scenario name (``"suncatcher"``), a YAML path, or a mapping
        with the same structure as a file.
    overrides
        Dotted-key overrides applied last: a mapping, or ``["key=value", ...]`` as given to ``--set``. Values may
        be NumPy arrays of samples (all of one length).

    Raises
    ------
    ScenarioError
        Listing every invalid field with its unit and allowed range.
    """
    meta: dict[str, Any] = {}
    flat: dict[str, Any] = {}
    raw_traj: dict[str, Any] = {}
    path: Path | None = None
    if isinstance(source, Mapping):
        meta, flat, raw_traj = _split(dict(source), "<mapping>")
        if meta.get("based_on"):
            _, base, base_traj = _load_file(resolve_scenario_path(meta["based_on"]))
            flat, raw_traj = {**base, **flat}, {**base_traj, **raw_traj}
    elif source is not None:
        path = resolve_scenario_path(source)
        meta, flat, raw_traj = _load_file(path)
    if overrides is not None:
        extra = parse_set(overrides) if not isinstance(overrides, Mapping) else dict(overrides)
        flat.update(extra)
        # An override fixes the parameter: it replaces any trajectory the file gave it.
        raw_traj = {k: v for k, v in raw_traj.items() if k not in extra}
    values, errors = _validate(flat)
    trajectories: dict[str, Any] = {}
    traj_errors: list[FieldError] = []
    if raw_traj:  # the trajectory models (pydantic) are imported only for a scenario that has trajectories
        from terawatt.trajectory import parse_trajectories

        trajectories, traj_errors = parse_trajectories(raw_traj)
    if errors or traj_errors:
        raise ScenarioError([*errors, *traj_errors])
    name = str(meta.get("name") or (path.stem if path else "default"))
    sources = meta.get("sources") or ()
    if isinstance(sources, str):
        sources = (sources,)
    return Scenario(
        name, values, flat, str(meta.get("description") or ""), tuple(sources), path, trajectories,
        meta.get("uncertainty"), _checked(flat, values),
    )


#: The NaN that :func:`as_array` returns for an empty value (one object: stage-cache keys of it hit at once).
_EMPTY = np.float64(np.nan)


def as_array(value: Any) -> np.ndarray:
    """A parameter value as a float array; an empty (derived) value becomes NaN.

    A scalar becomes a NumPy ``float64`` scalar rather than a 0-d array (:func:`terawatt._arrays.as_float`): the
    same arithmetic, several times faster on the scalar path of :func:`terawatt.evaluate`.
    """
    kind = type(value)
    if kind is float:  # most parameters (as_float's value, without the call)
        return np.float64(value)
    return _EMPTY if value is None else as_float(value)
