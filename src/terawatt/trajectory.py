"""Trajectories: a float parameter (a price, a technology figure) that changes over calendar years.

A scenario's top-level ``trajectories:`` mapping gives, for a dotted registry parameter name, how its value evolves:

.. code-block:: yaml

    trajectories:
      terrestrial.electricity_price_usd_per_mwh: {kind: constant}          # the scenario value, every year
      solar.cost_usd_per_w: {kind: rate, rate_per_yr: -0.08, floor: 2}    # compounding from start_year
      launch.price_usd_per_kg:
        kind: waypoints                                                   # interpolated, flat outside
        points: {2026: 1500, 2030: 300, 2035: 150}
        interpolation: log
      thermal.areal_mass_kg_per_m2:
        kind: learning                                                    # Wright's law
        learning_rate: 0.2
        cumulative: {kind: rate, value: 1.0e+4, rate_per_yr: 1.0}
      satellite.cost_usd_per_w:
        kind: eras                                                        # step changes between generations
        eras:
          - {start_year: 2026, kind: constant, value: 30}
          - {start_year: 2030, kind: rate, value: 15, rate_per_yr: -0.05}

Where ``value`` is omitted, the scenario's value of the parameter is used (a scalar, or an array of Monte Carlo
samples). :func:`parse_trajectories` validates the mapping and reports every problem at once as
:class:`~terawatt.scenario.FieldError`; the value ranges of the registry are *not* checked there, because they
apply to the evaluated values (see :func:`check_trajectory_values`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from terawatt.constants import BASE_YEAR, YEAR_RANGE  # re-exported: the calendar is defined with the constants
from terawatt.errors import FieldError
from terawatt.params import ParamSpec, load_registry
from terawatt.scenario import _check_value, _suggest

KINDS = ("constant", "rate", "waypoints", "learning", "eras")


# --------------------------------------------------------------------------------------------------- field types
def _no_bool(value: Any) -> Any:
    """Reject booleans where a number is expected (pydantic would read ``true`` as 1)."""
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"expected a number, got {value!r}")
    return value


Number = Annotated[float, BeforeValidator(_no_bool)]
Year = Annotated[int, BeforeValidator(_no_bool)]


def _check_year(year: int | None) -> int | None:
    lo, hi = YEAR_RANGE
    if year is not None and not lo <= year <= hi:
        raise ValueError(f"year {year} is outside the years the model accepts, [{lo}, {hi}]")
    return year


class _Problems(ValueError):
    """Several problems found by one validator, each at a path relative to where pydantic reports the error."""

    def __init__(self, items: list[tuple[tuple[str | int, ...], str]]):
        self.items = items
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in items))


# ----------------------------------------------------------------------------------------------------- helpers
def _as_years(years: ArrayLike) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(years, dtype=float))
    if arr.ndim != 1:
        raise ValueError(f"years must be a 1-D array of calendar years, got shape {arr.shape}")
    return arr


def _as_base(base_value: ArrayLike | None) -> np.ndarray:
    """Scenario value as a 0-d array (scalar) or an (N, 1) column (samples); ``None`` (empty) becomes NaN."""
    if base_value is None:
        return np.asarray(np.nan)
    arr = np.asarray(base_value, dtype=float)
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        return arr[:, None]
    raise ValueError(f"base_value must be a scalar or a 1-D array of samples, got shape {arr.shape}")


def _bound(values: np.ndarray, floor: float | None, cap: float | None) -> np.ndarray:
    if floor is not None:
        values = np.maximum(values, floor)
    if cap is not None:
        values = np.minimum(values, cap)
    return values


def _check_cap(cap: float | None, info: ValidationInfo) -> float | None:
    """``cap`` must not be below ``floor`` (declared, hence validated, before it)."""
    floor = info.data.get("floor")
    if cap is not None and floor is not None and cap < floor:
        raise ValueError(f"cap {cap:g} is below floor {floor:g}")
    return cap


# ------------------------------------------------------------------------------------------------------ models
class _Base(BaseModel):
    """Common configuration and the public evaluation method of every trajectory kind."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    def values(self, years: ArrayLike, base_value: ArrayLike | None = None) -> np.ndarray:
        """Value of the parameter in each calendar year.

        Parameters
        ----------
        years : array_like
            Calendar years, 1-D, shape (Y,) [yr]. Fractional years are allowed.
        base_value : float or array_like or None
            The scenario's value of the parameter: a scalar, or shape (N,) samples [parameter unit]; used where
            the trajectory gives no ``value``. ``None`` (an empty, derived parameter) gives NaN.

        Returns
        -------
        numpy.ndarray
            Shape (Y,) for a scalar ``base_value``, (N, Y) for (N,) samples [parameter unit].
        """
        yrs = _as_years(years)
        base = _as_base(base_value)
        out = self._eval(yrs, base, BASE_YEAR)
        shape = (base.shape[0], yrs.size) if base.ndim else (yrs.size,)
        return np.array(np.broadcast_to(out, shape), dtype=float)

    def _eval(self, years: np.ndarray, base: np.ndarray, default_start: int) -> np.ndarray:
        """Values broadcastable to (N, Y) or (Y,); ``default_start`` is the start year when none is given."""
        raise NotImplementedError

    def _value(self, base: np.ndarray) -> np.ndarray:
        own = getattr(self, "value", None)
        return base if own is None else np.asarray(own)


class ConstantTrajectory(_Base):
    """The same value every year.

    Attributes
    ----------
    value : float, optional
        Value [parameter unit]; default the scenario value.
    """

    kind: Literal["constant"] = "constant"
    value: Number | None = None

    def _eval(self, years: np.ndarray, base: np.ndarray, default_start: int) -> np.ndarray:
        return np.broadcast_to(self._value(base), np.broadcast_shapes(base.shape, years.shape))


class RateTrajectory(_Base):
    r"""Constant annual growth (or decline) from a start year, bounded by an optional floor and cap.

    Attributes
    ----------
    rate_per_yr : float
        Fractional change per year, > -1 [1/yr] (-0.08 = 8 % cheaper each year).
    start_year : int, optional
        Year in which the trajectory equals ``value`` [yr]; default :data:`BASE_YEAR` (in an era: its start year).
    value : float, optional
        Value in ``start_year`` [parameter unit]; default the scenario value.
    floor, cap : float, optional
        Lower and upper bounds of the value [parameter unit].

    Notes
    -----
    .. math:: v(y) = \min\left(\mathrm{cap}, \max\left(\mathrm{floor}, v_0 (1 + r)^{y - y_0}\right)\right)

    Years before ``start_year`` are extrapolated backwards by the same law.
    """

    kind: Literal["rate"] = "rate"
    rate_per_yr: Number
    start_year: Year | None = None
    value: Number | None = None
    floor: Number | None = None
    cap: Number | None = None

    @field_validator("rate_per_yr")
    @classmethod
    def _rate_above_minus_one(cls, rate: float) -> float:
        if rate <= -1.0:
            raise ValueError(f"rate_per_yr must be above -1 (a loss of 100 % per year), got {rate:g}")
        return rate

    _start = field_validator("start_year")(_check_year)

    _cap = field_validator("cap")(_check_cap)

    def _eval(self, years: np.ndarray, base: np.ndarray, default_start: int) -> np.ndarray:
        start = default_start if self.start_year is None else self.start_year
        grown = self._value(base) * (1.0 + self.rate_per_yr) ** (years - start)
        return _bound(grown, self.floor, self.cap)


class WaypointsTrajectory(_Base):
    r"""Values at given years, interpolated between them and held flat outside them.

    Attributes
    ----------
    points : dict of int to float
        Year [yr] to value [parameter unit]; years strictly increasing, within :data:`YEAR_RANGE`.
    interpolation : {"linear", "log"}
        ``linear`` in the value, or ``log``: linear in the logarithm of the value (a constant annual rate between
        waypoints, geometric mean at the midpoint); ``log`` needs positive values.

    Notes
    -----
    Between waypoints :math:`(y_i, v_i)` and :math:`(y_{i+1}, v_{i+1})`, with :math:`t = (y - y_i)/(y_{i+1} - y_i)`:

    .. math:: v_\mathrm{lin}(y) = v_i + t\,(v_{i+1} - v_i), \qquad v_\mathrm{log}(y) = v_i\,(v_{i+1}/v_i)^t

    Before the first waypoint the value is the first waypoint's, after the last the last's (held flat, no
    extrapolation). The scenario value is not used.
    """

    kind: Literal["waypoints"] = "waypoints"
    points: dict[Year, Number] = Field(min_length=1)
    interpolation: Literal["linear", "log"] = "linear"

    @field_validator("points")
    @classmethod
    def _years(cls, points: dict[int, float]) -> dict[int, float]:
        years = list(points)
        problems: list[tuple[tuple[str | int, ...], str]] = []
        for prev, year in zip(years, years[1:], strict=False):
            if year <= prev:
                problems.append(((year,), f"waypoint years must be strictly increasing, but {year} follows {prev}"))
        lo, hi = YEAR_RANGE
        problems += [
            ((y,), f"year {y} is outside the years the model accepts, [{lo}, {hi}]") for y in years if not lo <= y <= hi
        ]
        if problems:
            raise _Problems(problems)
        return points

    @field_validator("interpolation")
    @classmethod
    def _log_positive(cls, interpolation: str, info: ValidationInfo) -> str:
        points = info.data.get("points") or {}
        bad = [f"{v:g} in {y}" for y, v in points.items() if v <= 0]
        if interpolation == "log" and bad:
            raise ValueError(f"log interpolation needs positive values, got {', '.join(bad)}")
        return interpolation

    def _eval(self, years: np.ndarray, base: np.ndarray, default_start: int) -> np.ndarray:
        xs = np.fromiter(self.points.keys(), float)
        ys = np.fromiter(self.points.values(), float)
        if self.interpolation == "log":
            return np.exp(np.interp(years, xs, np.log(ys)))
        return np.interp(years, xs, ys)


Cumulative = Annotated[ConstantTrajectory | RateTrajectory | WaypointsTrajectory, Field(discriminator="kind")]


class LearningTrajectory(_Base):
    r"""Wright's law: the value falls by ``learning_rate`` with every doubling of a cumulative quantity.

    Attributes
    ----------
    learning_rate : float
        Fractional reduction per doubling of ``cumulative``, in [0, 1) [-].
    cumulative : ConstantTrajectory or RateTrajectory or WaypointsTrajectory
        The cumulative quantity (e.g. mass launched [t], capacity built [W]) over the years; it needs its own
        ``value`` or ``points``, all positive. A rate without ``start_year`` starts in this trajectory's
        ``start_year``.
    value : float, optional
        Value when the cumulative quantity equals ``reference_cumulative`` [parameter unit]; default the scenario
        value.
    reference_cumulative : float, optional
        Cumulative quantity at which the value is ``value`` [unit of cumulative], > 0; default the cumulative
        quantity in ``start_year``.
    start_year : int, optional
        Year of the reference point [yr]; default :data:`BASE_YEAR` (in an era: its start year).
    floor, cap : float, optional
        Lower and upper bounds of the value [parameter unit].

    Notes
    -----
    With :math:`Q(y)` the cumulative quantity and :math:`LR` the learning rate [1]_:

    .. math:: v(y) = v_0 \left(\frac{Q(y)}{Q_\mathrm{ref}}\right)^{b}, \qquad b = \log_2(1 - LR)

    then bounded by floor and cap. A learning rate of 0.2 (an 80 % progress ratio) gives :math:`b \approx -0.322`.

    References
    ----------
    .. [1] Wright, T. P. (1936). Factors affecting the cost of airplanes. Journal of the Aeronautical Sciences,
       3(4), 122-128.
    """

    kind: Literal["learning"] = "learning"
    learning_rate: Number
    cumulative: Cumulative
    value: Number | None = None
    reference_cumulative: Number | None = None
    start_year: Year | None = None
    floor: Number | None = None
    cap: Number | None = None

    @field_validator("learning_rate")
    @classmethod
    def _lr_range(cls, lr: float) -> float:
        if not 0.0 <= lr < 1.0:
            raise ValueError(f"learning_rate is the fractional reduction per doubling, in [0, 1), got {lr:g}")
        return lr

    @field_validator("reference_cumulative")
    @classmethod
    def _ref_positive(cls, ref: float | None) -> float | None:
        if ref is not None and ref <= 0:
            raise ValueError(f"a cumulative quantity must be positive, got {ref:g}")
        return ref

    _start = field_validator("start_year")(_check_year)

    @field_validator("cumulative")
    @classmethod
    def _cumulative_positive(cls, cum: ConstantTrajectory | RateTrajectory | WaypointsTrajectory) -> Any:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if isinstance(cum, WaypointsTrajectory):
            problems += [
                (("points", y), f"a cumulative quantity must be positive, got {v:g}")
                for y, v in cum.points.items()
                if v <= 0
            ]
        elif cum.value is None:
            problems.append((("value",), "the cumulative quantity needs its own value"))
        elif cum.value <= 0:
            problems.append((("value",), f"a cumulative quantity must be positive, got {cum.value:g}"))
        if problems:
            raise _Problems(problems)
        return cum

    _cap = field_validator("cap")(_check_cap)

    @property
    def exponent(self) -> float:
        """Wright exponent :math:`b = \\log_2(1 - LR)` [-]."""
        return math.log2(1.0 - self.learning_rate)

    def _eval(self, years: np.ndarray, base: np.ndarray, default_start: int) -> np.ndarray:
        start = default_start if self.start_year is None else self.start_year
        nan = np.asarray(np.nan)
        q = self.cumulative._eval(years, nan, start)
        q_ref = self.reference_cumulative
        if q_ref is None:
            q_ref = self.cumulative._eval(np.array([float(start)]), nan, start)[..., 0]
        learned = self._value(base) * (q / q_ref) ** self.exponent
        return _bound(learned, self.floor, self.cap)


class ConstantEra(ConstantTrajectory):
    """A :class:`ConstantTrajectory` era starting in ``start_year`` [yr]."""

    start_year: Year
    _start = field_validator("start_year")(_check_year)


class RateEra(RateTrajectory):
    """A :class:`RateTrajectory` era; ``start_year`` [yr] is both the era's first year and the rate's start."""

    start_year: Year


class WaypointsEra(WaypointsTrajectory):
    """A :class:`WaypointsTrajectory` era starting in ``start_year`` [yr]."""

    start_year: Year
    _start = field_validator("start_year")(_check_year)


class LearningEra(LearningTrajectory):
    """A :class:`LearningTrajectory` era; ``start_year`` [yr] is both the era's first year and the reference year."""

    start_year: Year


Era = Annotated[ConstantEra | RateEra | WaypointsEra | LearningEra, Field(discriminator="kind")]


class ErasTrajectory(_Base):
    """Step changes between eras (e.g. launch vehicle generations), each era its own trajectory.

    Attributes
    ----------
    eras : list of ConstantEra, RateEra, WaypointsEra or LearningEra
        At least one era; ``start_year`` strictly increasing.

    Notes
    -----
    In year :math:`y` the value is that of the last era whose ``start_year`` :math:`\\le y`; years before the
    first era take the first era's value at its ``start_year``. The value jumps at each era's ``start_year``.
    """

    kind: Literal["eras"] = "eras"
    eras: list[Era] = Field(min_length=1)

    @model_validator(mode="after")
    def _cross(self) -> ErasTrajectory:
        starts = [era.start_year for era in self.eras]
        problems: list[tuple[tuple[str | int, ...], str]] = [
            (("eras", i + 1, "start_year"), f"era start years must be strictly increasing, but {b} follows {a}")
            for i, (a, b) in enumerate(zip(starts, starts[1:], strict=False))
            if b <= a
        ]
        if problems:
            raise _Problems(problems)
        return self

    def _eval(self, years: np.ndarray, base: np.ndarray, default_start: int) -> np.ndarray:
        starts = np.array([era.start_year for era in self.eras], dtype=float)
        clamped = np.maximum(years, starts[0])
        which = np.searchsorted(starts, clamped, side="right") - 1
        out = np.empty(np.broadcast_shapes(base.shape, years.shape))
        for k, era in enumerate(self.eras):
            mask = which == k
            if np.any(mask):
                out[..., mask] = era._eval(clamped[mask], base, era.start_year)
        return out


Trajectory = Annotated[
    ConstantTrajectory | RateTrajectory | WaypointsTrajectory | LearningTrajectory | ErasTrajectory,
    Field(discriminator="kind"),
]
"""Any trajectory kind, chosen by its ``kind`` field."""

_ADAPTER: TypeAdapter[Any] = TypeAdapter(Trajectory)
_ALL_FIELDS = sorted(
    {f for model in (RateEra, WaypointsEra, LearningEra, ErasTrajectory, ConstantEra) for f in model.model_fields}
)


def trajectory_values(traj: Trajectory, years: ArrayLike, base_value: ArrayLike | None = None) -> np.ndarray:
    """Value of the parameter following ``traj`` in each year; same as ``traj.values(years, base_value)``.

    Parameters
    ----------
    traj : Trajectory
        A parsed trajectory.
    years : array_like
        Calendar years, shape (Y,) [yr].
    base_value : float or array_like or None
        The scenario's value: scalar or shape (N,) [parameter unit].

    Returns
    -------
    numpy.ndarray
        Shape (Y,) for a scalar ``base_value``, (N, Y) for (N,) samples [parameter unit].
    """
    return traj.values(years, base_value)


# ------------------------------------------------------------------------------------------------------ parsing
def _rel_path(loc: tuple[str | int, ...]) -> list[str]:
    """Pydantic error location to field path: drop the discriminator tags pydantic inserts (and ``[key]``)."""
    parts: list[str] = []
    expect_tag = True  # the entry itself is a tagged union
    prev: str | int | None = None
    for el in loc:
        if expect_tag:
            expect_tag = False
            prev = None
            continue
        if el == "[key]":
            continue
        parts.append(str(el))
        if (el == "cumulative" and prev != "points") or (isinstance(el, int) and prev == "eras"):
            expect_tag = True
        prev = el
    return parts


def _message(err: dict[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    kinds = ", ".join(KINDS)
    if kind == "union_tag_invalid":
        return f"unknown kind {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags', kinds)}".replace("'", "")
    if kind == "union_tag_not_found":
        return f"missing 'kind' (one of {kinds})"
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        name = str(err["loc"][-1])
        return f"unknown field {name!r}{_suggest(name, _ALL_FIELDS)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping, got {type(got).__name__} {got!r}"
    if kind == "list_type":
        return f"expected a list, got {type(got).__name__} {got!r}"
    if kind in ("float_type", "float_parsing"):
        return f"expected a number, got {got!r}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number (a year), got {got!r}"
    if kind == "finite_number":
        return f"expected a finite number, got {got!r}"
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected')}, got {got!r}"
    if kind == "too_short":
        return "must not be empty"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return str(err["msg"])


def _errors_from(exc: ValidationError, prefix: str) -> list[FieldError]:
    out: list[FieldError] = []
    for err in exc.errors():
        parts = _rel_path(tuple(err["loc"]))
        error = (err.get("ctx") or {}).get("error")
        if isinstance(error, _Problems):
            out += [FieldError(".".join([prefix, *parts, *map(str, loc)]), msg) for loc, msg in error.items]
        else:
            out.append(FieldError(".".join([prefix, *parts]), _message(err)))
    return out


def year_span_errors(start: int, end: int, labels: tuple[str, str] = ("--from", "--to")) -> list[FieldError]:
    """Every problem of a calendar span at once: each end outside :data:`YEAR_RANGE`, and an end before the start."""
    whole = [isinstance(y, (int, np.integer)) and not isinstance(y, bool) for y in (start, end)]
    if not all(whole):
        return [FieldError(label, f"expected a calendar year (a whole number), got {year!r:.60}")
                for label, year, ok in zip(labels, (start, end), whole, strict=True) if not ok]
    errors = [
        FieldError(label, f"year {year} is outside the model's calendar {list(YEAR_RANGE)}")
        for label, year in zip(labels, (start, end), strict=True)
        if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]
    ]
    if end < start:
        errors.append(
            FieldError(labels[1], f"last year {end} ({labels[1]}) is before the first year {start} ({labels[0]})")
        )
    return errors


def parse_trajectory(raw: Any, path: str = "trajectory") -> tuple[Trajectory | None, list[FieldError]]:
    """Parse one trajectory spec (a mapping with a ``kind``); errors are reported under ``path``."""
    try:
        return _ADAPTER.validate_python(raw), []
    except ValidationError as exc:
        return None, _errors_from(exc, path)


def parse_trajectories(
    raw: Mapping[str, Any] | None, path: str = "trajectories"
) -> tuple[dict[str, Trajectory], list[FieldError]]:
    """Parse a scenario's ``trajectories:`` mapping, collecting every problem.

    Parameters
    ----------
    raw : Mapping
        Dotted registry parameter name to trajectory spec (a mapping with a ``kind``). ``None`` is empty.
    path : str
        Prefix of the error paths.

    Returns
    -------
    trajectories : dict of str to Trajectory
        The valid entries, by parameter name.
    errors : list of FieldError
        Every problem found, at ``<path>.<parameter>.<field>``: unknown or non-float parameters, malformed specs,
        years out of order or outside :data:`YEAR_RANGE`, invalid learning rates, non-positive cumulative
        quantities, ``floor`` above ``cap``. Values are not range-checked against the registry here.
    """
    if raw is None:
        return {}, []
    if not isinstance(raw, Mapping):
        return {}, [FieldError(path, f"expected a mapping of parameter name to trajectory, got {raw!r}")]
    registry: dict[str, ParamSpec] = load_registry()
    out: dict[str, Trajectory] = {}
    errors: list[FieldError] = []
    for name, spec in raw.items():
        key = str(name)
        where = f"{path}.{key}"
        param = registry.get(key)
        ok = True
        if param is None:
            errors.append(FieldError(where, f"unknown parameter{_suggest(key, registry)}"))
            ok = False
        elif param.kind != "float":
            errors.append(FieldError(where, f"only float parameters can follow a trajectory ({key} is a {param.kind})"))
            ok = False
        traj, problems = parse_trajectory(spec, where)
        errors += problems
        if ok and traj is not None:
            out[key] = traj
    return out, errors


# --------------------------------------------------------------------------------------------------- validation
def check_trajectory_values(
    name: str, values: ArrayLike, spec: ParamSpec, years: ArrayLike | None = None
) -> FieldError | None:
    """Check evaluated trajectory values against the registry's allowed range.

    Parameters
    ----------
    name : str
        Dotted parameter name.
    values : array_like
        Evaluated values, shape (Y,) or (N, Y) [parameter unit].
    spec : ParamSpec
        The parameter's registry entry.
    years : array_like, optional
        The Y calendar years [yr], used in the message; without them the year's index is reported.

    Returns
    -------
    FieldError or None
        ``trajectories.<name>: in year <Y>: <message>`` for the first offending year, or ``None``. All-NaN values
        of a nullable parameter (an empty scenario value carried along) are accepted.
    """
    arr = np.asarray(values, dtype=float)
    if spec.nullable and np.all(np.isnan(arr)):
        return None
    if _check_value(spec, arr)[1] is None:
        return None
    cols = np.atleast_2d(arr)
    labels = np.asarray(years).tolist() if years is not None else None
    for j in range(cols.shape[1]):
        problem = _check_value(spec, cols[:, j] if cols.shape[0] > 1 else float(cols[0, j]))[1]
        if problem:
            when = f"in year {labels[j]:g}" if labels is not None else f"in year index {j}"
            return FieldError(f"trajectories.{name}", f"{when}: {problem}")
    return None  # pragma: no cover - the whole array failed, so some column does


def doublings_needed(start_value: ArrayLike, target_value: ArrayLike, learning_rate: ArrayLike) -> float | np.ndarray:
    r"""Doublings of cumulative production that take a learning curve from ``start_value`` to ``target_value``.

    Parameters
    ----------
    start_value, target_value : float or array_like
        Values before and after [any unit, the same for both], > 0.
    learning_rate : float or array_like
        Fractional reduction per doubling, in (0, 1) [-].

    Returns
    -------
    float or numpy.ndarray
        Number of doublings [-] (negative when the target is above the start).

    Notes
    -----
    Inverting Wright's law :math:`v = v_0 (1 - LR)^n`:

    .. math:: n = \frac{\ln(v / v_0)}{\ln(1 - LR)}

    Suncatcher's launch price from ~3,600 USD/kg to 200 USD/kg at 20 % per doubling needs about 12.95 doublings.

    References
    ----------
    .. [1] Wright, T. P. (1936). Factors affecting the cost of airplanes. Journal of the Aeronautical Sciences,
       3(4), 122-128.
    .. [2] Agüera y Arcas, B. et al. (2025). Towards a future space-based, highly scalable AI infrastructure system
       design (Project Suncatcher). arXiv:2511.19468.
    """
    v0 = np.asarray(start_value, dtype=float)
    v1 = np.asarray(target_value, dtype=float)
    lr = np.asarray(learning_rate, dtype=float)
    if np.any(v0 <= 0) or np.any(v1 <= 0):
        raise ValueError("start_value and target_value must be positive")
    if np.any((lr <= 0) | (lr >= 1)):
        raise ValueError("learning_rate must be in (0, 1)")
    n = np.log(v1 / v0) / np.log1p(-lr)
    return float(n) if n.ndim == 0 else n
