"""Memoisation of pure model stages for scalar inputs (repeated scalar evaluations, e.g. an optimiser or a GUI).

A stage (the whole physical design ``model._physical_design``, and within it the orbit geometry
``model._orbit_environment``, ``size_satellite``, ``environment.orbit_environment``, ``radiation_effects``,
``with_propellant``, ``goodput``, ``size_fleet``; and ``fleet_links``) is a pure function of the scenario values it
reads and of its other arguments. The economics and the outputs are not cached: they run on every evaluation
(an output group when it is read). :func:`scalar_stage` declares the parameter names a stage
reads, once, and caches its result keyed on *all* of its inputs: those parameters and every other argument
(numbers, 0-d arrays, catalog entries, design dataclasses), each with its type. Correctness does not rest on the
list being complete: the stage is always called with a mapping of the declared names only, so reading an
undeclared one raises ``KeyError`` on the first run, cached or not.

Anything that is not a scalar (an array of samples, a timeline) bypasses the cache: the stage then runs as before,
with the range checks of its read-only sample parameters sharing their extremes while it runs
(:func:`terawatt.physics._checks.fixed_inputs`). Sample arrays are found from the values' types (C-level scans),
so a design of sample arrays is not keyed field by field before it bypasses the cache.
Thread-safe (a lock guards the caches, never held while a stage runs).
Cached results are copied and made read-only, so no caller can alter what a later hit returns. NaN inputs (empty
values derived by the model) key as one value; signed zeros key apart.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import math
import operator
import threading
import types
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import numpy as np

from terawatt._arrays import arrays_among
from terawatt.physics._checks import fixed_inputs

__all__ = ["CACHED_STAGES", "cache_clear", "disabled", "scalar_stage"]

F = TypeVar("F", bound=Callable[..., Any])
#: Entries kept per stage (least recently used dropped first).
MAXSIZE = 512
#: Every cached stage, by name (for :func:`cache_clear` and the tests).
CACHED_STAGES: dict[str, Any] = {}

_STATE = {"enabled": True}
#: id of every cached result -> its token ("stage", serial); removed when the entry is dropped.
_TOKENS: dict[int, tuple[str, int]] = {}
_SERIAL = itertools.count()
_LOCK = threading.Lock()  # guards the caches and _TOKENS (never held while a stage runs)
_NAN = ("nan",)  # key of every NaN
_SCALARS = (bool, int, float, str, type(None))
_SCALAR_SET = frozenset(_SCALARS)


class _Unhashable(Exception):
    """An input that is not a scalar: the call bypasses the cache."""


def _key_of(x: Any) -> Any:
    """Hashable, type-tagged key of one input; raises :class:`_Unhashable` for arrays of samples.

    NumPy scalars and 0-d arrays key on their dtype and bytes (exact: signed zeros and NaN payloads apart). A
    result this module cached (immutable, and alive while cached) keys on its token: the stages downstream of
    a hit then need not look at its contents again.
    """
    kind = type(x)
    if kind is np.ndarray:
        if x.ndim:
            raise _Unhashable
        return (x.dtype, x.tobytes())
    if kind is float:
        if x != x:
            return _NAN
        return (x, math.copysign(1.0, x)) if x == 0.0 else x
    if kind in _SCALARS:
        return (kind, x)
    if kind is np.float64:  # the model's scalars (terawatt._arrays.as_float): the generic key below, at once
        return ("generic", x.dtype, x.tobytes())
    token = _TOKENS.get(id(x))
    if token is not None:
        return token
    if isinstance(x, np.generic):
        return ("generic", x.dtype, x.tobytes())
    if kind is dict:
        return ("dict", tuple((k, _key_of(val)) for k, val in x.items()))
    if kind in (tuple, list):
        return (kind.__name__, tuple(_key_of(val) for val in x))
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        values = tuple(vars(x).values())
        if _has_samples(values):  # a design of sample arrays: no keys made of its scalar fields first
            raise _Unhashable
        return (kind, tuple(map(_key_of, values)))
    raise _Unhashable


def _has_samples(values: tuple[Any, ...], kinds: tuple[type, ...] | None = None) -> bool:
    """Whether an array of samples is among ``values`` (``kinds``: their types): only the arrays' dimensions are
    looked at (:func:`terawatt._arrays.arrays_among`)."""
    return any(a.ndim for a in arrays_among(values, kinds))


def _negative_zero(values: tuple[Any, ...]) -> bool:
    """Whether a float among ``values`` is -0.0 (only the values equal to zero are looked at, found in C)."""
    index = values.index
    i = -1
    try:
        while True:
            i = index(0.0, i + 1)
            x = values[i]
            if isinstance(x, float) and math.copysign(1.0, x) < 0.0:
                return True
    except ValueError:
        return False


def _values_key(values: tuple[Any, ...]) -> Any:
    """Key of the declared parameters' values: the values with their types (one C-level pass), or the exact
    per-value key where a value is not a plain scalar or a float is -0.0 (equal to 0.0 as a dict key)."""
    types = tuple(map(type, values))
    if not _SCALAR_SET.issuperset(types) or (0.0 in values and _negative_zero(values)):
        if _has_samples(values, types):
            raise _Unhashable  # an array of samples: the stage runs uncached (no per-value keys made first)
        return tuple(map(_key_of, values))
    return (values, types)


def _frozen(x: Any) -> Any:
    """A read-only copy of a stage result (a dataclass or a dict of arrays, or one array)."""
    if type(x) is dict:
        return types.MappingProxyType({k: _frozen(val) for k, val in x.items()})
    if isinstance(x, np.ndarray):
        out = np.array(x, copy=True)
        out.setflags(write=False)
        return out
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return dataclasses.replace(x, **{f.name: _frozen(getattr(x, f.name)) for f in dataclasses.fields(x)
                                         if f.init})
    return x


def scalar_stage(keys: Iterable[str] = (), values_at: int | None = 0) -> Callable[[F], F]:
    """Decorator: memoise a pure stage for scalar inputs.

    Parameters
    ----------
    keys
        The scenario parameters the stage reads (dotted names), including those of the helpers it calls.
    values_at
        Position of the scenario-values mapping among the stage's positional arguments; ``None`` for a stage that
        takes no scenario values (its arguments are its whole key).

    Notes
    -----
    The wrapped function gains ``cache_clear()``, ``cache_size()`` and ``uncached`` (the plain function, which
    still sees only the declared parameters).
    """
    names = tuple(keys)

    def decorate(fn: F) -> F:
        cache: OrderedDict[Any, Any] = OrderedDict()
        label = f"{fn.__module__}.{fn.__qualname__}"

        def clear() -> None:
            with _LOCK:
                for result in cache.values():
                    _TOKENS.pop(id(result), None)
                cache.clear()

        # The declared parameters' values in one C-level pass (a tuple in the order of ``names``); the mapping of
        # them that the stage sees is built from it only when it runs (KeyError for a declared name not given).
        pick = operator.itemgetter(*names) if len(names) > 1 else lambda v: tuple(v[k] for k in names)

        def restricted(args: tuple[Any, ...], picked: tuple[Any, ...] | None = None) -> tuple[Any, ...]:
            if values_at is None:
                return args
            if picked is None:
                picked = pick(args[values_at])
            return (*args[:values_at], dict(zip(names, picked, strict=False)), *args[values_at + 1:])

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            picked = None if values_at is None else pick(args[values_at])
            if not _STATE["enabled"]:
                return fn(*restricted(args, picked), **kwargs)
            try:
                if picked is None:
                    key = (None, tuple(map(_key_of, args)), _key_of(kwargs) if kwargs else None)
                else:  # the other arguments first: a design of sample arrays among them ends the keying at once
                    others = tuple(map(_key_of, args[:values_at] + args[values_at + 1 :]))
                    key = (_values_key(picked), others, _key_of(kwargs) if kwargs else None)
            except _Unhashable:
                if picked is None:
                    return fn(*restricted(args), **kwargs)
                with fixed_inputs(picked):  # its parameters do not change while it runs: their checks share work
                    return fn(*restricted(args, picked), **kwargs)
            with _LOCK:
                hit = cache.get(key)
                if hit is not None:
                    cache.move_to_end(key)
                    return hit
            result = _frozen(fn(*restricted(args, picked), **kwargs))
            with _LOCK:
                if key in cache:  # another thread stored it meanwhile: keep one object per key
                    return cache[key]
                cache[key] = result
                _TOKENS[id(result)] = (label, next(_SERIAL))
                if len(cache) > MAXSIZE:
                    _TOKENS.pop(id(cache.popitem(last=False)[1]), None)
            return result

        def uncached(*args: Any, **kwargs: Any) -> Any:
            return fn(*restricted(args), **kwargs)

        wrapper.cache_clear = clear  # type: ignore[attr-defined]
        wrapper.cache_size = cache.__len__  # type: ignore[attr-defined]
        wrapper.uncached = uncached  # type: ignore[attr-defined]
        wrapper.keys = names  # type: ignore[attr-defined]
        CACHED_STAGES[label] = wrapper
        return wrapper  # type: ignore[return-value]

    return decorate


def cache_clear() -> None:
    """Empty every stage cache."""
    for stage in CACHED_STAGES.values():
        stage.cache_clear()


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Within the block every stage runs uncached (to compare cached and uncached results)."""
    before = _STATE["enabled"]
    _STATE["enabled"] = False
    try:
        yield
    finally:
        _STATE["enabled"] = before
