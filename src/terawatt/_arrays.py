"""Float conversion shared by the model and economics: NumPy ``float64`` scalars for scalars, arrays otherwise.

A scalar evaluation runs on NumPy scalars rather than 0-d arrays: the same IEEE double arithmetic and the same
ufunc loops (bitwise identical results), at a fraction of the per-operation cost (NumPy's scalar arithmetic does
not go through the array machinery).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import numpy as np

_SCALARS = frozenset({float, int, bool, np.float64})


def as_float(value: Any) -> np.ndarray:
    """``value`` as float64: a NumPy scalar for a Python or NumPy scalar, else ``np.asarray(value, float)``."""
    kind = type(value)
    if kind is np.float64:
        return value
    if kind in _SCALARS:
        return np.float64(value)
    return np.asarray(value, dtype=float)


def as_scalar(value: Any) -> float:
    """``value`` (a scalar, a 0-d or a one-element array) as a Python float: a scalar design's input or output."""
    return float(np.asarray(value, dtype=float))


def nan_to_zero(values: Any) -> Any:
    """``np.nan_to_num(values)``, returning ``values`` itself when every one is finite (one pass, not five).

    Like :func:`select`, for computed intermediates (the result may be the argument, not a copy).
    """
    if type(values) is np.ndarray and values.ndim and values.dtype.kind == "f":
        # A finite sum has no NaN or infinity among its terms (one reduction; an overflowing sum asks again).
        if np.isfinite(values.sum()) or np.isfinite(values).all():
            return values
    return np.nan_to_num(values)


def shape_of(value: Any) -> tuple[int, ...]:
    """``np.shape(value)``, read from the attribute for NumPy arrays and scalars (no function call)."""
    kind = type(value)
    if kind is np.ndarray or kind in _NUMPY_SCALARS:
        return value.shape
    if kind in _SCALARS:
        return ()
    return np.shape(value)


_NUMPY_SCALARS = frozenset({np.float64, np.bool_, np.int64, np.float32, np.int32})


def broadcast_shape(*values: Any) -> tuple[int, ...]:
    """``np.broadcast_shapes`` of the values' shapes, without its cost where they are equal or scalar (the common
    case: samples of one shape and scalars); ValueError, as NumPy raises it, where they do not broadcast."""
    shape: tuple[int, ...] = ()
    for value in values:
        own = shape_of(value)
        if own and own != shape:
            shape = np.broadcast_shapes(shape, own) if shape else own
    return shape


def constant_view(value: float, shape: tuple[int, ...]) -> np.ndarray:
    """``np.broadcast_to(np.float64(value), shape)`` (a read-only array of one repeated value, no memory of its
    own), made directly (without ``broadcast_to``'s iterator)."""
    return np.ndarray(shape, _FLOAT64, buffer=np.float64(value).tobytes(), strides=(0,) * len(shape))


def _keeps(chosen: np.ndarray, other: Any) -> bool | None:
    """Whether ``np.where`` of the float64 array ``chosen`` with ``other`` (either order) has ``chosen``'s shape and
    dtype, decided from the types where that is cheap (a Python or NumPy float, an array of the same dtype and
    shape or 0-d); None where it is not (the caller asks NumPy)."""
    kind = type(other)
    if chosen.dtype is _FLOAT64:
        if kind is float or kind is np.float64 or kind is int:
            return True
    if kind is np.ndarray and other.dtype == chosen.dtype and (not other.ndim or other.shape == chosen.shape):
        return True
    return None


_FLOAT64 = np.dtype(np.float64)


def select(condition: Any, if_true: Any, if_false: Any) -> Any:
    """``np.where(condition, if_true, if_false)``, without a pass over the samples when ``condition`` is one value.

    A single flag (a policy, heritage mode off for every sample) selects a whole branch: that branch is returned
    as it is where it already has the shape and dtype ``np.where`` would give (the same values; not a copy, so
    use it on computed intermediates, which the model never modifies in place), else ``np.where`` is called.
    """
    if type(condition) in _FLAGS or np.ndim(condition) == 0:
        chosen, other = (if_true, if_false) if condition else (if_false, if_true)
        if type(chosen) is np.ndarray:
            keeps = _keeps(chosen, other)
            if keeps is None:
                keeps = (chosen.shape == np.broadcast_shapes(np.shape(if_true), np.shape(if_false))
                         and chosen.dtype == np.result_type(if_true, if_false))
            if keeps:
                return chosen
    return np.where(condition, if_true, if_false)


def arrays_among(values: tuple[Any, ...], kinds: tuple[type, ...] | None = None) -> Iterator[np.ndarray]:
    """The NumPy arrays among ``values`` (``kinds``: their types, where the caller has them), in order, found by
    C-level scans of the types (``tuple.index``) rather than a Python test of every value."""
    if kinds is None:
        kinds = tuple(map(type, values))
    i = -1
    while True:
        try:
            i = kinds.index(np.ndarray, i + 1)
        except ValueError:
            return
        yield values[i]


#: Types of one flag (no samples).
_FLAGS = frozenset({bool, np.bool_})


def where_all(condition: Any, if_true: Any, if_false: Any) -> Any:
    """``np.where(condition, if_true, if_false)``, returning ``if_true`` itself where every ``condition`` holds and
    it already has the shape and type ``np.where`` would give (one reduction instead of a pass that copies).

    Like :func:`select`, for computed intermediates (the result may be the argument, not a copy).
    """
    if type(if_true) is np.ndarray and type(condition) is np.ndarray and condition.ndim:
        if condition.shape == if_true.shape:
            keeps = _keeps(if_true, if_false)
        else:
            keeps = None
        if keeps is None:
            keeps = (if_true.shape == np.broadcast_shapes(condition.shape, if_true.shape, np.shape(if_false))
                     and if_true.dtype == np.result_type(if_true, if_false))
        if keeps and condition.all():
            return if_true
    elif (
        type(if_true) is np.ndarray
        and np.ndim(condition)
        and if_true.shape == np.broadcast_shapes(np.shape(condition), if_true.shape, np.shape(if_false))
        and if_true.dtype == np.result_type(if_true, if_false)
        and bool(np.all(condition))
    ):
        return if_true
    return np.where(condition, if_true, if_false)


def interp(x: Any, xp: np.ndarray, *fps: np.ndarray) -> tuple[Any, ...]:
    """``np.interp(x, xp, fp)`` for each of ``fps`` on the same nodes ``xp``, the same values bitwise.

    On a short table (at most 8 nodes, increasing, every value finite and no ``-0.0``) and a sample array strictly
    inside ``[xp[0], xp[-1])`` with no NaN, the interval is counted from the interior nodes (one comparison per
    node) and shared by every table, and each value is ``np.interp``'s own ``slope[j] * (x - xp[j]) + fp[j]``
    with its slopes ``(fp[j+1] - fp[j]) / (xp[j+1] - xp[j])``: no binary search per sample (``np.interp`` on an
    unsorted array mispredicts a branch per level of its search). A value on a node comes out as ``fp[j]``
    (``slope * 0 + fp[j]``), as ``np.interp`` returns it. Anything else calls ``np.interp``. A table's checks
    and slopes are kept (by the table's bytes) for its next call.
    """
    xp = np.asarray(xp, dtype=float)
    tables = [np.asarray(fp, dtype=float) for fp in fps]
    a = np.asarray(x, dtype=float)
    slopes = (
        _short_table_slopes(xp.tobytes(), *(t.tobytes() for t in tables))
        if a.ndim and a.size and 2 <= xp.size <= 8 and xp.ndim == 1 and all(t.shape == xp.shape for t in tables)
        else None
    )
    if slopes is not None and a.min() >= xp[0] and a.max() < xp[-1]:  # NaN fails both
        if xp.size == 2:
            offset = a - xp[0]
            out = []
            for t, slope in zip(tables, slopes, strict=True):
                value = slope[0] * offset
                value += t[0]
                out.append(value)
            return tuple(out)
        j = (a >= xp[1]).astype(np.intp)
        for node in xp[2:-1]:
            j += a >= node
        offset = xp.take(j)
        np.subtract(a, offset, out=offset)  # a - xp[j]
        out = []
        for t, slope in zip(tables, slopes, strict=True):
            value = slope.take(j)
            value *= offset  # slope[j] * offset
            value += t.take(j)
            out.append(value)
        return tuple(out)
    return tuple(np.interp(x, xp, t) for t in tables)


@functools.lru_cache(maxsize=64)
def _short_table_slopes(xp_bytes: bytes, *fp_bytes: bytes) -> tuple[np.ndarray, ...] | None:
    """For :func:`interp`: each table's slopes where the short-table path applies (increasing nodes, every value
    finite and no ``-0.0``), else None; read-only."""
    xp = np.frombuffer(xp_bytes, dtype=float)
    tables = [np.frombuffer(b, dtype=float) for b in fp_bytes]
    if not (
        bool(np.all(np.diff(xp) > 0))
        and all(bool(np.isfinite(t).all()) and not bool(np.any((t == 0.0) & np.signbit(t))) for t in tables)
    ):
        return None
    slopes = tuple((t[1:] - t[:-1]) / (xp[1:] - xp[:-1]) for t in tables)
    for slope in slopes:
        slope.setflags(write=False)
    return slopes


# ------------------------------------------------------------------------------------------ the C allocator
#: glibc ``mallopt`` parameters (malloc.h): M_TRIM_THRESHOLD, M_MMAP_THRESHOLD.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: Blocks up to this size come from the heap, not from a fresh ``mmap`` each [B] (32 MiB: glibc's ceiling for
#: the threshold on 64-bit, and the top of its own dynamic range).
MMAP_THRESHOLD_BYTES = 32 * 2**20
#: Free memory kept at the top of the heap instead of being handed back to the kernel [B].
TRIM_THRESHOLD_BYTES = 256 * 2**20
#: Environment variables that leave the allocator as it is: the user's own glibc tuning, or ours switched off.
_OWN_TUNING = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES")
_ALLOCATOR = {"tuned": None}


def tune_allocator() -> bool:
    """Keep NumPy's sample-sized temporaries in the process heap (glibc only; once per process).

    A vectorized evaluation of a 65,536-sample chunk allocates and frees a few hundred 512 KiB arrays. glibc's
    defaults (``mmap`` above an adaptive threshold; the top of the heap returned to the kernel once more than
    twice that is free) make the kernel map and zero fresh pages for most of them: page faults took about half
    the CPU time of design + TCO (``benchmarks/bench_evaluate.py``). Raising the mmap threshold to 32 MiB and
    the trim threshold to 256 MiB lets freed blocks be reused instead. It changes no result, only where memory
    comes from; a process keeps at most 256 MiB of freed heap instead of returning it at once.

    Applied by :func:`terawatt.model.evaluate` for sample arrays. Nothing is changed on other C libraries,
    where ``TERAWATT_TUNE_MALLOC=0``, or where the user tuned glibc (``MALLOC_MMAP_THRESHOLD_``,
    ``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_TOP_PAD_`` or ``GLIBC_TUNABLES`` set).

    Returns
    -------
    bool
        Whether the allocator is tuned by this module.
    """
    tuned = _ALLOCATOR["tuned"]
    if tuned is None:
        tuned = _ALLOCATOR["tuned"] = _mallopt()
    return tuned


def _mallopt() -> bool:
    import os
    import sys

    if not sys.platform.startswith("linux") or os.environ.get("TERAWATT_TUNE_MALLOC", "1") == "0":
        return False
    if any(name in os.environ for name in _OWN_TUNING):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    # Trim first: once M_MMAP_THRESHOLD is set glibc stops adapting both thresholds.
    return bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)) and bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    )


class Deferred:
    """A value computed on first read: an output group may hold one for a costly output that is rarely read
    (:class:`terawatt.outputs.Outputs` calls it when the key itself is read, not when its group is computed).
    :func:`resolve` computes it once and keeps the value."""

    __slots__ = ("compute", "_value")

    def __init__(self, compute: Any) -> None:
        self.compute = compute
        self._value = _PENDING

    def value(self) -> Any:
        """What it computes (computed on the first call only)."""
        if self._value is _PENDING:
            self._value = self.compute()
        return self._value


_PENDING = object()


def resolve(value: Any) -> Any:
    """``value``, or what it computes where it is a :class:`Deferred` (once)."""
    return value.value() if type(value) is Deferred else value


class LazyFields:
    """Mixin of a frozen design dataclass: a field given as a :class:`Deferred` (a figure only outputs read, of
    sample arrays: :func:`deferred_if`) is computed on its first read as an attribute and kept, so every reader
    sees a value. The other fields are read as plain attributes (no cost added): the pending ones are kept apart
    until read (:func:`stored` gives a field as it is stored); pickling computes them first."""

    __slots__ = ()

    def __post_init__(self) -> None:
        stored_values = self.__dict__
        pending = {k: val for k, val in stored_values.items() if type(val) is Deferred}
        if pending:
            for k in pending:
                del stored_values[k]
            stored_values["_deferred"] = pending

    def __getattr__(self, name: str) -> Any:  # only where the plain look-up fails: a field still pending
        pending = self.__dict__.get("_deferred")
        if pending is None or name not in pending:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        value = self.__dict__[name] = pending.pop(name).value()
        return value

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.update({k: val.value() for k, val in state.pop("_deferred", {}).items()})
        return state


def stored(design: Any, name: str) -> Any:
    """A field of a :class:`LazyFields` design as stored: its value, or the :class:`Deferred` still pending."""
    pending = design.__dict__.get("_deferred")
    return pending[name] if pending is not None and name in pending else getattr(design, name)


def deferred_if(defer: bool, fn: Any, *args: Any) -> Any:
    """``fn(*args)``, or where ``defer`` a :class:`Deferred` computing it on first read, in the floating-point
    context of :func:`terawatt.model.evaluate` (infeasible samples carry inf/NaN by design). For a figure only
    outputs read, of sample arrays (``defer``): an evaluation reading the cost ratio then never computes it."""
    if not defer:
        return fn(*args)

    def compute() -> Any:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return fn(*args)

    return Deferred(compute)


def is_sampled(x: Any) -> bool:
    """Whether ``x`` is an array of samples (at least 1-d), not one value."""
    return type(x) is np.ndarray and x.ndim > 0


def is_plus_zero(x: Any) -> bool:
    """Whether ``x`` is one value (0-d) of +0: ``y + x`` is then ``y`` bitwise (-0 + +0 is +0, so ``y`` must not be
    -0), ``y - x`` is ``y``, and ``y * x`` is +-0 for a finite ``y``. A NumPy value or a Python number (its
    ``ndim`` read without ``np.ndim``'s call overhead)."""
    return getattr(x, "ndim", 0) == 0 and x == 0.0 and not np.signbit(x)

#: NumPy's block size of pairwise summation (``PW_BLOCKSIZE`` in ``numpy/_core/src/umath/loops_utils.h.src``).
PAIRWISE_BLOCK = 128
#: Kinds of the rows of a weight array (:func:`weight_rows`): every weight 1, every weight +0, or anything else.
ONES, ZEROS, MIXED = 1, 0, -1


class _Terms:
    """The rows of ``a * w`` (K, ...) as a pairwise sum reads them: a row of unit weights is ``a``'s row itself
    (``x * 1`` is ``x``, NaN and -0 included), a row of +0 weights is skipped where ``a`` is plain (finite, no sign
    bit: its terms are +0 and add nothing to sums of such terms), every other row is multiplied."""

    __slots__ = ("a", "w", "kinds", "skip")

    def __init__(self, a: np.ndarray, w: Any, kinds: Any, plain: bool) -> None:
        self.a, self.w = a, w
        self.kinds = [MIXED] * a.shape[0] if kinds is None else [int(k) for k in kinds]
        self.skip = [plain and k == ZEROS for k in self.kinds]

    def row(self, i: int) -> np.ndarray:
        return self.a[i] if self.kinds[i] == ONES else self.a[i] * self.w[i]

    def block(self, i: int, j: int) -> np.ndarray | None:
        """Rows i..j-1, or None where all are skipped."""
        if all(self.skip[i:j]):
            return None
        if all(k == ONES for k in self.kinds[i:j]):
            return self.a[i:j]
        return self.a[i:j] * self.w[i:j]


def _pairwise(terms: Any, lo: int, hi: int) -> Any:
    """NumPy's ``pairwise_sum`` of rows ``lo..hi-1`` of ``terms`` (an array or :class:`_Terms`) along axis 0, for
    every column at once (no initial zero)."""
    rows = terms if isinstance(terms, _Terms) else None
    n = hi - lo
    if n < 8:
        total = np.zeros(terms.a.shape[1:] if rows else terms.shape[1:])
        for i in range(lo, hi):
            if rows is None:
                total += terms[i]
            elif not rows.skip[i]:
                total += rows.row(i)
        return total
    if n <= PAIRWISE_BLOCK:
        first = terms[lo : lo + 8] if rows is None else rows.block(lo, lo + 8)
        # eight accumulators, each summing every eighth term
        acc = np.zeros((8, *rows.a.shape[1:])) if first is None else np.array(first, dtype=float)
        stop = lo + n - n % 8
        for i in range(lo + 8, stop, 8):
            block = terms[i : i + 8] if rows is None else rows.block(i, i + 8)
            if block is not None:
                acc += block
        pairs = acc[0::2] + acc[1::2]  # r0 + r1, r2 + r3, r4 + r5, r6 + r7
        quads = pairs[0::2] + pairs[1::2]  # (r0 + r1) + (r2 + r3), (r4 + r5) + (r6 + r7)
        total = quads[0] + quads[1]
        for i in range(stop, hi):  # the terms beyond the last multiple of eight, one by one
            if rows is None:
                total += terms[i]
            elif not rows.skip[i]:
                total += rows.row(i)
        return total
    half = n // 2
    half -= half % 8
    return _pairwise(terms, lo, lo + half) + _pairwise(terms, lo + half, hi)


def sum_leading(terms: np.ndarray) -> Any:
    """``terms`` (K, ...) summed over its first axis in exactly the order NumPy sums a contiguous last axis:
    bitwise ``np.moveaxis(terms, 0, -1).copy().sum(-1)`` (signed zeros and NaNs included), float64.

    NumPy sums the K values of a row pairwise (eight accumulators over blocks of up to :data:`PAIRWISE_BLOCK`,
    halves beyond) after an initial +0. A quantity stored year-major (cohorts or years first, samples contiguous
    behind) is summed here with one vectorized operation per group of terms instead of a reduction per sample
    over a short strided row, and with the same rounding as the sample-major sum it replaces.
    """
    terms = np.asarray(terms, float)
    if terms.ndim == 1:
        return terms.sum()
    return _pairwise(terms, 0, terms.shape[0]) + 0.0


def plain(x: Any) -> bool:
    """Whether every value of ``x`` is finite and at least +0 (no sign bit)."""
    return bool(np.isfinite(x).all() and not np.signbit(x).any())


def weight_rows(w: np.ndarray) -> np.ndarray:
    """The kind of each row of ``w`` (K, ...): :data:`ONES` where every weight is 1, :data:`ZEROS` where every
    weight is +0 (no sign bit), else :data:`MIXED`."""
    w = np.asarray(w)
    rows = w.reshape(w.shape[0], -1)
    ones = np.all(rows == 1, axis=1)
    zeros = np.all(rows == 0, axis=1) & ~np.any(np.signbit(rows), axis=1)
    return np.where(ones, ONES, np.where(zeros, ZEROS, MIXED))


def sum_leading_products(a: np.ndarray, w: Any, kinds: Any = None, plain: bool = False) -> Any:
    """:func:`sum_leading` of ``a * w`` (each (K, ...); ``w`` may be boolean), bitwise: the sample-major
    ``(a * w).sum(-1)``'s numbers, for cohort sums in which most cohorts are fully weighted or not at all (a
    fleet's live cohorts; a ramp's mature and unstarted cohorts).

    ``kinds`` (:func:`weight_rows`, or a list of :data:`ONES` / :data:`ZEROS` / :data:`MIXED` per row) tells the
    rows known to be all ones (their row of ``a`` is added unmultiplied: ``x * 1`` is ``x``, NaN and -0 included)
    and, where ``plain`` says that every value of ``a`` and ``w`` is finite and without a sign bit, the rows
    whose terms are all +0 (skipped: +0 changes no sum of such terms, which is never -0). A row marked
    :data:`ZEROS` may be one of zero weights or one of zero values of ``a``."""
    a = np.asarray(a, float)
    if a.ndim == 1:
        return (a * w).sum()
    return _pairwise(_Terms(a, w, kinds, plain), 0, a.shape[0]) + 0.0


_BLAS: list[Any] = []  # the threadpoolctl controller, made on first use


def product_one_thread(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` with BLAS on one thread (threadpoolctl) where ``a`` has at least 256 rows.

    A product of a few thousand rows by a few tens of columns gains nothing from more threads, and OpenBLAS's
    idle workers spin afterwards, which a whole Monte Carlo of build-outs paid as ~0.3 s of CPU time (of ~0.75 s).
    The thread count does not change the product's value (the same kernel sums each element in the same order);
    the library is asked once per call (two calls into OpenBLAS, ~0.1 ms), so small products skip it.
    """
    if a.ndim < 2 or a.shape[-2] < 256:
        return a @ b
    if not _BLAS:
        from threadpoolctl import ThreadpoolController

        _BLAS.append(ThreadpoolController())
    with _BLAS[0].limit(limits=1, user_api="blas"):
        return a @ b
