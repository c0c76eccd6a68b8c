"""Cache blocking of one evaluation over many samples: the sample rows in blocks, one result of full arrays.

A vectorized evaluation runs each NumPy operation over every sample at once. Past a few tens of thousands of
samples its temporaries (8 B a sample each) no longer fit in a core's L2 cache and every operation streams them
from memory: one pass of 1e6 samples ran about 30 % (orbit fixed) to 20 % (altitude varying) slower per sample
than the same samples in chunks of 65,536 (``benchmarks/bench_evaluate.py``). :func:`terawatt.model.evaluate`
therefore evaluates a scenario of more than :data:`BLOCK_SAMPLES` samples block by block (:func:`row_blocks`,
:func:`block_values`) and returns one :class:`BlockedOutputs`, which reads as the outputs of the unblocked pass:
the same keys in the same order, each output the same values (bit for bit: a sample's value depends on its own
inputs only, given the eclipse choice below), dtype, shape and read-only flag.

No block is kept. A *blocked pass* evaluates each block in turn (its design: the satellites, fleets, environment
and both sides' costs of its rows), reads the outputs asked for in it, copies them into arrays of the whole and
drops the block before the next, so that every block's temporaries come from the memory the block before it
freed, still in cache. :func:`terawatt.model.evaluate` runs the first pass itself, for :data:`FIRST_READ` (a bad
input raises there, the unblocked pass's own error); a later read of an output not computed yet runs another
pass for it (the design is computed again: about the cost of the first pass, docs/scale-out.md). Each pass keeps
the outputs of every group it computed (:data:`COMPANIONS`). A bulk read (``dict(outputs)``, ``items()``, a
frame, JSON: anything that iterates the keys first), or a read after :data:`MAX_PASSES` passes, computes every
output left in one pass.

One model stage chooses its method from its whole array: outside an eclipse plan,
:func:`terawatt.physics.orbit.eclipse_stats_fast` computes few distinct orbits directly and many from tables
whose nodes follow the array's bounds. For a scenario that samples an orbit input (:data:`ORBIT_INPUTS`) that
choice is made once from the whole scenario (:func:`eclipse_choice`, the choice the one pass makes) and applied
to every block (:func:`terawatt.physics.orbit.use_eclipse_choice`); inside a plan (a population run) each sample
is already looked up on the plan's fixed nodes.

Blocks are taken along the first axis of the common sample shape: the samples of a 1-D scenario, the sample rows
of a samples x years one (:meth:`terawatt.scenario.Scenario.at_years`), whole rows each. An array of the full
first extent is sliced (a view); one that broadcasts along that axis (a length-1 or lower-dimensional array, a
scalar) is passed to every block as it is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from terawatt.physics import orbit
from terawatt.scenario import as_array

#: Outputs the first blocked pass computes, in :func:`terawatt.model.evaluate` itself: the cost ratio (design +
#: TCO), which nearly every caller reads (the benchmarks, the Monte Carlo, the timeline and build-out studies).
FIRST_READ = ("comparison.cost_ratio",)

#: Whether a pass keeps, besides the outputs read, every output of the groups it computed for them (the cost
#: ratio's pass: both sides' costs per GPU-hour too; not the outputs computed only when read). They cost a copy
#: each (8 B a sample, 3-6 ms per 1e6 samples: reading the satellite mass after the cost ratio took 346 ms with
#: its group's ~30 outputs, 232 ms without), where a later read of one of them would cost a pass of 230-700 ms
#: (docs/scale-out.md).
COMPANIONS = True

#: Passes after which the next read of an output not computed yet computes every output left (a caller reading
#: many outputs one by one then pays one more pass, not one pass per output group).
MAX_PASSES = 3

#: Inputs of the eclipse statistics, whose method (direct or tables, and the tables' nodes) is chosen from the
#: whole array outside an eclipse plan.
ORBIT_INPUTS = ("orbit.altitude_km", "orbit.inclination_deg", "orbit.ltan_h")

#: Most samples (array elements of the common sample shape) one block of an evaluation holds. Chosen by
#: measurement of design + TCO, one pass of 1e6 samples (the benchmarks/bench_evaluate.py samples): 65,536,
#: 98,304 and 131,072 are within the machine's noise of each other, 32,768 and 262,144 slower
#: (docs/scale-out.md). Blocks are of equal size (:func:`row_blocks`).
BLOCK_SAMPLES = 65536

#: A scenario is evaluated in blocks only above this many samples [-]: up to 524,288 (arrays of 4 MiB) one pass
#: ran as fast per sample as blocks (ratios 0.95-1.08 at 131,072 / 262,144 / 524,288 samples, orbit fixed and
#: altitude varying; 0.64 at 1e6), and there a read of another output group costs no second pass
#: (docs/scale-out.md). It keeps the timeline and build-out studies (10,000 x 20-25 sample-years) and the Monte
#: Carlo chunks in one pass.
BLOCK_ABOVE = 2**19


def row_blocks(shape: tuple[int, ...], block_samples: int | None = None,
               above: int | None = None) -> list[tuple[int, int]] | None:
    """The ``(start, stop)`` rows (first axis of ``shape``) of each block, or None where one pass is evaluated.

    A scenario is blocked when it holds more than ``above`` (default :data:`BLOCK_ABOVE`) and more than
    ``block_samples`` (default :data:`BLOCK_SAMPLES`) array elements and its first axis has more than one row;
    the rows are split into the fewest blocks of at most ``block_samples`` elements (at least one row each), of
    sizes differing by one row at most.
    """
    limit = BLOCK_SAMPLES if block_samples is None else block_samples
    size = math.prod(shape)
    if not shape or shape[0] < 2 or size <= limit or size <= (BLOCK_ABOVE if above is None else above):
        return None
    rows = shape[0]
    per_row = math.prod(shape[1:])
    count = min(rows, math.ceil(rows / max(1, limit // max(per_row, 1))))
    if count < 2:
        return None
    edges = [rows * i // count for i in range(count + 1)]
    return list(zip(edges[:-1], edges[1:], strict=True))


def eclipse_choice(values: Mapping[str, Any]) -> orbit.EclipseChoice | None:
    """The eclipse statistics' method and nodes for every block of these scenario values, as the unblocked pass
    chooses them from its whole arrays (:func:`terawatt.physics.orbit.eclipse_choice`, on the arrays
    :func:`terawatt.model.evaluate` gives :func:`~terawatt.physics.orbit.eclipse_stats_fast`); None where no
    choice is needed: inside an eclipse plan, or where no orbit input is a sample array. ValueError (a
    :class:`~terawatt.errors.ScenarioError` or a range check's) for orbit inputs the model refuses."""
    if orbit._PLAN.get() is not None:  # noqa: SLF001 - the plan in force (terawatt.physics.orbit.use_eclipse_plan)
        return None
    if not any(type(values[k]) is np.ndarray and values[k].ndim for k in ORBIT_INPUTS):
        return None
    return orbit.eclipse_choice(*(as_array(values[k]) for k in ORBIT_INPUTS), model=values["orbit.eclipse_model"])


def block_values(values: Mapping[str, Any], rows: int, start: int, stop: int, ndim: int) -> dict[str, Any]:
    """Scenario values of the rows ``start:stop``: each array of ``ndim`` dimensions spanning all ``rows`` rows
    sliced along its first axis (a view), everything else as it is. One array given under several names stays one
    object (the model may test identity, e.g. two sides sharing a discount rate)."""
    views: dict[int, Any] = {}
    out = {}
    for key, val in values.items():
        if type(val) is np.ndarray and val.ndim == ndim and val.shape[0] == rows:
            view = views.get(id(val))
            if view is None:
                view = views[id(val)] = val[start:stop]
            val = view
        out[key] = val
    return out


def _constant_row(part: Any) -> Any:
    """The one row a block's value broadcasts (stride 0 along the first axis), or None where it varies."""
    return part[:1] if type(part) is np.ndarray and part.strides[:1] == (0,) else None


def _read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view of ``array``: every output of the unblocked pass is one (``np.broadcast_to``)."""
    view = array.view()
    view.flags.writeable = False
    return view


def _identity(part: Any) -> Any:
    """What makes two outputs of a block one array (the same memory, shape, strides and type), or None."""
    if type(part) is not np.ndarray:
        return None
    return part.__array_interface__["data"][0], part.shape, part.strides, part.dtype.str


def _by_identity(keys: list[str], parts: dict[str, Any]) -> list[list[str]]:
    """``keys`` grouped by the identity of their part (:func:`_identity`; a part without one stands alone)."""
    groups: dict[Any, list[str]] = {}
    for k in keys:
        ident = _identity(parts[k])
        groups.setdefault(("alone", k) if ident is None else ident, []).append(k)
    return list(groups.values())


class _Filling:
    """One output being written block by block (:meth:`BlockedOutputs._pass`): the broadcast row while every
    block so far gives the same one (an output the samples do not change: no copy per sample, as the unblocked
    pass gives it), else a full array (its dtype promoted as ``np.concatenate`` would, e.g. to the widest reason
    text)."""

    __slots__ = ("full", "row")

    def __init__(self) -> None:
        self.full: np.ndarray | None = None
        self.row: np.ndarray | None = None

    def add(self, part: Any, start: int, stop: int, shape: tuple[int, ...]) -> None:
        row = _constant_row(part) if self.full is None else None
        if row is not None and (
            start == 0 or (row.dtype == self.row.dtype and row.tobytes() == self.row.tobytes())
        ):
            self.row = row
            return
        part = np.asarray(part)
        if self.full is None:  # the rows so far were one broadcast row
            self.full = np.empty(shape, part.dtype if self.row is None else np.result_type(self.row, part))
            if start:
                self.full[:start] = self.row
        elif part.dtype != self.full.dtype:
            wider = np.empty(shape, np.result_type(self.full, part))
            wider[:start] = self.full[:start]
            self.full = wider
        self.full[start:stop] = part

    def copy(self) -> _Filling:
        twin = _Filling()
        twin.row, twin.full = self.row, None if self.full is None else self.full.copy()
        return twin

    def value(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(self.row, shape) if self.full is None else _read_only(self.full)


#: ``read_block(start, stop, read)``: ``read`` applied to the outputs of the rows ``start:stop``, evaluated afresh
#: (in the floating-point context and eclipse choice of the evaluation: :func:`terawatt.model.evaluate`).
BlockReader = Callable[[int, int, Callable[[Mapping[str, Any]], dict[str, Any]]], dict[str, Any]]


class BlockedOutputs(Mapping[str, Any]):
    """The outputs of one evaluation done in blocks of sample rows, read as those of one pass.

    A read-only mapping like :class:`terawatt.outputs.Outputs` (same keys, order, values, dtypes and shapes;
    pickles as a plain dict). Made by a first blocked pass (:meth:`_pass`) over :data:`FIRST_READ`; reading an
    output not computed yet runs another (every output left after :data:`MAX_PASSES` passes, or once the keys
    have been iterated: a bulk read). Where a block raises a :class:`~terawatt.errors.ScenarioError` on a later
    pass (an output whose inputs are checked only when it is computed), ``whole`` (the unblocked evaluation's
    outputs) gives that and every later output, or raises its own error, which names every bad sample as the
    unblocked pass does.
    """

    __slots__ = ("_bulk", "_failed", "_keys", "_passes", "_read_block", "_shape", "_spans", "_values", "_whole")

    def __init__(self, read_block: BlockReader, spans: list[tuple[int, int]], shape: tuple[int, ...],
                 whole: Callable[[], Mapping[str, Any]], first: tuple[str, ...] = FIRST_READ) -> None:
        self._read_block = read_block
        self._spans = spans  # the (start, stop) rows of each block
        self._shape = tuple(shape)
        self._whole = whole
        self._values: dict[str, Any] = {}
        self._keys: dict[str, None] = {}  # every output key, in order (from the first block)
        self._passes = 0
        self._bulk = False  # the keys were iterated: the next pass computes every output left
        self._failed = False  # a block raised on a later pass: the unblocked evaluation gives the rest
        self._pass(first)  # ScenarioError for a bad input (the caller raises the unblocked pass's own)

    def __getitem__(self, key: str) -> Any:
        value = self._values.get(key, _MISSING)
        if value is not _MISSING:
            return value
        if key not in self._keys:
            raise KeyError(key)
        if self._failed:
            return self._from_whole(key)
        from terawatt.errors import ScenarioError

        every = self._bulk or self._passes >= MAX_PASSES
        try:
            self._pass([k for k in self._keys if k not in self._values] if every else [key])
        except ScenarioError:  # an output whose inputs are checked when it is computed: the whole decides
            self._failed = True
            return self._from_whole(key)
        return self._values[key]

    def _from_whole(self, key: str) -> Any:
        value = self._values[key] = self._whole()[key]  # or its error, naming every bad sample
        return value

    def _take(self, keys: list[str], companions: bool, outputs: Mapping[str, Any]) -> dict[str, Any]:
        """``keys`` of one block's ``outputs`` and, with ``companions``, every other output its reads computed."""
        parts = {k: outputs[k] for k in keys}
        if not self._keys:
            self._keys = dict.fromkeys(outputs)
        if companions:
            for k in outputs.computed():
                if k not in parts and k not in self._values:
                    parts[k] = outputs[k]
        return parts

    def _pass(self, keys: list[str] | tuple[str, ...]) -> None:
        """One blocked pass: each block evaluated, ``keys`` (and their companions, :data:`COMPANIONS`) read in
        it and written into the whole's arrays, then the block dropped."""
        taken: list[str] = list(keys)
        # Outputs that are one array in every block so far (an intermediate under two names) share one array of
        # the whole, as they share one in the unblocked pass; a group whose members part in a block is split,
        # each new part with a copy of the rows written so far.
        groups: list[list[str]] = []
        fills: list[_Filling] = []
        for i, (start, stop) in enumerate(self._spans):
            first = i == 0
            parts = self._read_block(start, stop, lambda out, ks=taken, c=first and COMPANIONS: self._take(ks, c, out))
            if first:
                taken = list(parts)  # the companions found in the first block are read in every other
                groups = _by_identity(taken, parts)
                fills = [_Filling() for _ in groups]
            else:
                split = [(_by_identity(members, parts), fill) for members, fill in zip(groups, fills, strict=True)]
                groups = [m for parted, _ in split for m in parted]
                fills = [fill if j == 0 else fill.copy() for parted, fill in split for j in range(len(parted))]
            for members, fill in zip(groups, fills, strict=True):
                fill.add(parts[members[0]], start, stop, self._shape)
            parts = None  # this block's outputs (and with them its design) are let go before the next block
        self._values.update(
            {k: fill.value(self._shape) for members, fill in zip(groups, fills, strict=True) for k in members}
        )
        self._passes += 1

    def __iter__(self) -> Iterator[str]:
        self._bulk = True  # keys iterated (dict(), items(), values(), a frame, JSON): one pass for the rest
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self),))

    def __repr__(self) -> str:
        return f"BlockedOutputs({dict(self)!r})"


_MISSING = object()
