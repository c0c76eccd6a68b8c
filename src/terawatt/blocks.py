"""Cache blocking of one evaluation over many samples: the sample rows in blocks, one result of full arrays.

A vectorized evaluation runs each NumPy operation over every sample at once. Past a few tens of thousands of
samples its temporaries (8 B a sample each) no longer fit in a core's L2 cache and every operation streams them
from memory: one pass of 1e6 samples ran about 25 % (orbit fixed) to 35 % (altitude varying) slower per sample
than the same samples in chunks of 65,536 (``benchmarks/bench_evaluate.py``). :func:`terawatt.model.evaluate`
therefore evaluates a scenario of more than :data:`BLOCK_SAMPLES` samples block by block (:func:`row_blocks`,
:func:`block_values`) and joins the blocks' outputs into one :class:`BlockedOutputs`, which reads as the outputs
of the unblocked pass: the same keys in the same order, each output the same values (bit for bit: a sample's
value depends on its own inputs only, given the condition below), dtype, shape and read-only flag, computed on
first read in every block (reading the cost ratio computes only its groups, in each block) and joined then.
Past :data:`MAX_JOINED` outputs read, the next read writes every output block by block into arrays of the
whole and drops each block once written, so that reading everything holds no more memory than the unblocked
pass. The blocks' designs, kept for outputs read later, still cost a pass its write traffic: one blocked pass
stays slower per sample than chunks evaluated and dropped one after the other (docs/scale-out.md).

Blocks are taken only where a sample's values cannot depend on its block-mates. One model stage chooses its
method from its whole array: outside an eclipse plan, :func:`terawatt.physics.orbit.eclipse_stats_fast` computes
few distinct orbits directly and many from tables whose nodes follow the array's bounds, so a block of an orbit
that varies may get other values (within the tables' accuracy) than the whole. A scenario that samples an orbit
input (:data:`ORBIT_INPUTS`) is therefore blocked only inside an eclipse plan
(:func:`terawatt.physics.orbit.use_eclipse_plan`, which a population run sets: each sample is then looked up on
the plan's fixed nodes) and is otherwise evaluated in one pass (:func:`blockable`).

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

from terawatt._arrays import tune_allocator
from terawatt.physics import orbit

#: Outputs joined one by one (each read in every block, then concatenated) before the next read computes every
#: output block by block and drops the blocks. Up to it, reads stay lazy (only the groups read are computed) at
#: the cost of the joined copies beside the blocks' own (at most this many arrays of the sample shape, 128 MB
#: at 1e6 samples); past it (a frame, JSON, ``dict(outputs)``) the memory is about that of the unblocked pass,
#: but every output is computed. 16 covers the studies' reads (a timeline reads 11 outputs).
MAX_JOINED = 16

#: Inputs of the eclipse statistics, whose method (direct or tables, and the tables' nodes) is chosen from the
#: whole array outside an eclipse plan.
ORBIT_INPUTS = ("orbit.altitude_km", "orbit.inclination_deg", "orbit.ltan_h")

#: Most samples (array elements of the common sample shape) one block of an evaluation holds. Chosen by
#: measurement of design + TCO, one pass of 1e6 samples (the benchmarks/bench_evaluate.py samples; 2 MiB of L2
#: cache per core): 65,536 was the fastest of 32,768 / 65,536 / 131,072 with the orbit fixed and with the
#: altitude varying in an eclipse plan (docs/scale-out.md). Blocks are of equal size (:func:`row_blocks`).
BLOCK_SAMPLES = 65536


def row_blocks(shape: tuple[int, ...], block_samples: int | None = None) -> list[tuple[int, int]] | None:
    """The ``(start, stop)`` rows (first axis of ``shape``) of each block, or None where one pass is evaluated.

    A scenario is blocked when it holds more than ``block_samples`` (default :data:`BLOCK_SAMPLES`) array
    elements and its first axis has more than one row; the rows are split into the fewest blocks of at most
    that many elements (at least one row each), of sizes differing by one row at most.
    """
    limit = BLOCK_SAMPLES if block_samples is None else block_samples
    if not shape or shape[0] < 2 or math.prod(shape) <= limit:
        return None
    rows = shape[0]
    per_row = math.prod(shape[1:])
    count = min(rows, math.ceil(rows / max(1, limit // max(per_row, 1))))
    if count < 2:
        return None
    edges = [rows * i // count for i in range(count + 1)]
    return list(zip(edges[:-1], edges[1:], strict=True))


def blockable(values: Mapping[str, Any]) -> bool:
    """Whether blocks of these scenario values give the values of one pass: inside an eclipse plan, or where no
    orbit input is a sample array (the eclipse statistics then do not depend on the other samples)."""
    if orbit._PLAN.get() is not None:  # noqa: SLF001 - the plan in force (terawatt.physics.orbit.use_eclipse_plan)
        return True
    return not any(type(values[k]) is np.ndarray and values[k].ndim for k in ORBIT_INPUTS)


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


def _join(parts: list[Any], shape: tuple[int, ...]) -> Any:
    """One output of the whole sample shape from its blocks' values (arrays of each block's shape).

    Blocks that all broadcast one and the same row (stride 0 along the first axis, equal bytes: an output the
    samples do not change) give that row broadcast to ``shape``, read-only and without a copy, as the unblocked
    pass gives it; anything else is concatenated along the first axis.
    """
    rows = [_constant_row(p) for p in parts]
    first = rows[0]
    if first is not None and all(
        r is not None and r.dtype == first.dtype and r.tobytes() == first.tobytes() for r in rows
    ):
        return np.broadcast_to(first, shape)
    return _read_only(np.concatenate(parts, axis=0))


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


def _return_free_pages() -> None:
    """Hand the heap's free pages back to the kernel (glibc ``malloc_trim``, where :func:`tune_allocator` tuned
    it): a dropped block's designs lie in holes among live arrays, which the whole's output arrays (larger) do
    not reuse, so without this they would stay resident while the outputs are written."""
    if tune_allocator():
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)


def _by_identity(keys: list[str], parts: dict[str, Any]) -> list[list[str]]:
    """``keys`` grouped by the identity of their part (:func:`_identity`; a part without one stands alone)."""
    groups: dict[Any, list[str]] = {}
    for k in keys:
        ident = _identity(parts[k])
        groups.setdefault(("alone", k) if ident is None else ident, []).append(k)
    return list(groups.values())


class _Filling:
    """One output being written block by block (:meth:`BlockedOutputs._materialize`): the broadcast row while
    every block so far gives the same one, else a full array (its dtype promoted as ``np.concatenate`` would,
    e.g. to the widest reason text)."""

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


class BlockedOutputs(Mapping[str, Any]):
    """The outputs of one evaluation done in blocks of sample rows, read as those of one pass.

    A read-only mapping like :class:`terawatt.outputs.Outputs` (same keys, order, values, dtypes and shapes;
    pickles as a plain dict): ``outputs[key]`` reads ``key`` in every block (each computes only the groups it
    needs, on first read) and joins the blocks' values (:func:`_join`), once; past :data:`MAX_JOINED` outputs
    read, the next read writes every output block by block and drops the blocks. Where a block raises a
    :class:`~terawatt.errors.ScenarioError` on a read (an output whose inputs are checked only when it is
    computed), ``whole`` (the unblocked evaluation's outputs) gives that and every later output, or raises its
    own error, which names every bad sample as the unblocked pass does.
    """

    __slots__ = ("_blocks", "_keys", "_shape", "_spans", "_values", "_whole")

    def __init__(self, blocks: list[Mapping[str, Any]], spans: list[tuple[int, int]], shape: tuple[int, ...],
                 whole: Callable[[], Mapping[str, Any]]) -> None:
        self._blocks: list[Mapping[str, Any]] | None = blocks  # None: dropped (all read, or a block raised)
        self._spans = spans  # the (start, stop) rows of each block
        self._keys = dict.fromkeys(blocks[0])  # every output key, in order
        self._shape = tuple(shape)
        self._values: dict[str, Any] = {}
        self._whole = whole

    def __getitem__(self, key: str) -> Any:
        value = self._values.get(key, _MISSING)
        if value is not _MISSING:
            return value
        if key not in self._keys:
            raise KeyError(key)
        if self._blocks is None:  # a block raised on an earlier read: the unblocked evaluation gives the rest
            return self._from_whole(key)
        from terawatt.errors import ScenarioError

        try:
            if len(self._values) < MAX_JOINED:
                self._values[key] = _join([block[key] for block in self._blocks], self._shape)
            else:
                self._materialize()
        except ScenarioError:  # an output whose inputs are checked when it is computed: the whole decides
            self._blocks = None
            return self._from_whole(key)
        if len(self._values) == len(self._keys):  # nothing left to compute: the blocks' designs can go
            self._blocks = None
        return self._values[key]

    def _from_whole(self, key: str) -> Any:
        value = self._values[key] = self._whole()[key]  # or its error, naming every bad sample
        return value

    def _materialize(self) -> None:
        """Every output not read yet, block after block: each block's outputs written into the whole's arrays,
        then the block dropped, so that the memory held stays about that of the unblocked pass (the blocks'
        designs give way to the outputs as they are written)."""
        remaining = [k for k in self._keys if k not in self._values]
        blocks = self._blocks
        # Outputs that are one array in every block so far (an intermediate under two names) share one array of
        # the whole, as they share one in the unblocked pass; a group whose members part in a block is split,
        # each new part with a copy of the rows written so far.
        groups: list[list[str]] = []
        fills: list[_Filling] = []
        for i, (start, stop) in enumerate(self._spans):
            parts = {k: blocks[i][k] for k in remaining}
            if i == 0:
                groups = _by_identity(remaining, parts)
                fills = [_Filling() for _ in groups]
            else:
                split = [(_by_identity(members, parts), fill) for members, fill in zip(groups, fills, strict=True)]
                groups = [m for parted, _ in split for m in parted]
                fills = [fill if j == 0 else fill.copy() for parted, fill in split for j in range(len(parted))]
            for members, fill in zip(groups, fills, strict=True):
                fill.add(parts[members[0]], start, stop, self._shape)
            blocks[i] = parts = None  # this block's designs and outputs are let go
            _return_free_pages()
        self._values.update(
            {k: fill.value(self._shape) for members, fill in zip(groups, fills, strict=True) for k in members}
        )
        self._blocks = None

    def __iter__(self) -> Iterator[str]:
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
