"""Evaluate a population: one scenario, N input rows, the outputs wanted, in chunks, on a backend, with an
optional resumable Parquet sink (DESIGN.md, "Growing the house").

The rows come from a *row source*: an object with ``n``, ``rows(start, stop) -> {name: array}`` and ``spec()``
(a JSON-able identity for the sink's manifest) -- a sampled design (:class:`~terawatt.studies.uncertainty.
SampleDesign`, which rebuilds any rows from the seed alone, so workers receive no arrays) or a fixed table
(:class:`TableRows`). A row's values depend on its index only, and each chunk is evaluated by the same pure
vectorized model, so results are bitwise identical whatever the chunk size, the number of workers and the
backend. The model itself draws no random numbers; an evaluator that needs them takes the stream
:func:`chunk_rng` gives for (seed, chunk index) -- which depends on the chunking, so such an evaluator must keep
the chunk size in its spec.

Backends implement :class:`Backend` (``run(function, tasks)`` yielding ``(task, result)`` as tasks finish, and
``close(cancel)``): :class:`SerialBackend` in-process, :class:`ProcessBackend` over ``concurrent.futures`` and
:class:`DaskBackend` on a Dask distributed cluster (``client.submit`` per chunk + ``distributed.as_completed``,
imported on first use). The parallel backends keep a bounded window of chunks in flight, so the memory of a run
written to a sink does not grow with N.

The sink (a folder) holds one Parquet file per chunk (``chunk-000000.parquet``), ``manifest.json`` (the spec
hash, the spec, N, the chunk size, the chunk count and the finished chunks) and, while a run writes, the journal
``chunks.journal``: one line ``index`` appended per finished chunk. A chunk file is written to a temporary name
and renamed, then its line is appended to the journal (one ``write`` of a few bytes, flushed to the operating
system: a killed process cannot lose it), so a run killed at any point leaves its finished chunks listed (the
manifest's and the journal's, see :func:`read_manifest`) and at most one orphan file that a rerun overwrites:
rerunning with the same arguments computes only the missing chunks, with no sample lost or duplicated. When the
run ends (finished, failed or interrupted) the manifest is rewritten once with every finished chunk and the
journal removed; the manifest is not rewritten per chunk (its spec holds the whole scenario, and rewriting it
cost more than writing a chunk's numbers). A folder holding another run is refused (exit 2) unless ``overwrite``
is given (the old run's files are then deleted). While a run writes to a folder it holds a lock on it
(``.terawatt.lock``, released when the run ends or dies), so a second run started on the same folder at the same
time is refused rather than mixing its manifest with the first's.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any, Protocol
from uuid import uuid4

import numpy as np

from terawatt.errors import FieldError, ScenarioError
from terawatt.params import load_registry
from terawatt.physics.orbit import EclipsePlan, use_eclipse_plan
from terawatt.scenario import Scenario
from terawatt.studies.latin_hypercube import transposed
from terawatt.studies.orbit_plan import run_eclipse_plan

MANIFEST = "manifest.json"
#: The append-only list of chunks finished since the manifest was last written (one index per line).
JOURNAL = "chunks.journal"
#: The lock file of a result folder being written.
LOCK = ".terawatt.lock"
BACKENDS = ("serial", "processes", "dask")
Progress = Callable[[int, int], None]


class RowSource(Protocol):
    """N input rows, rebuilt on demand by index range."""

    n: int

    def rows(self, start: int, stop: int) -> dict[str, np.ndarray]: ...

    def spec(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class TableRows:
    """A fixed table of rows: a mapping of dotted names to 1-D arrays of one length, or a pandas frame."""

    columns: Mapping[str, np.ndarray]

    @classmethod
    def from_table(cls, table: Any) -> TableRows:
        """From a dict of 1-D arrays or a pandas DataFrame (columns = dotted parameter names)."""
        items = table.items() if isinstance(table, Mapping) else ((c, table[c].to_numpy()) for c in table.columns)
        columns = {str(k): np.asarray(v) for k, v in items}
        sizes = {v.shape for v in columns.values()}
        if len(sizes) != 1 or len(next(iter(sizes))) != 1:
            raise ScenarioError([FieldError("<rows>", f"columns must be 1-D of one length, got {sorted(sizes)}")])
        return cls(columns)

    @property
    def n(self) -> int:
        return len(next(iter(self.columns.values())))

    def rows(self, start: int, stop: int) -> dict[str, np.ndarray]:
        return {k: v[start:stop] for k, v in self.columns.items()}

    def spec(self) -> dict[str, Any]:
        digest = hashlib.sha256()
        for k in sorted(self.columns):
            digest.update(k.encode())
            digest.update(np.ascontiguousarray(self.columns[k]).tobytes())
        return {"kind": "table", "n": self.n, "sha256": digest.hexdigest()}


def chunk_rng(seed: int, chunk: int) -> np.random.Generator:
    """The random stream of chunk ``chunk``: child ``chunk`` of ``numpy.random.SeedSequence(seed)``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(chunk,)))


# ------------------------------------------------------------------------------------------------- one chunk
@dataclass(frozen=True)
class Task:
    """One chunk of work (picklable: a backend may send it to another process or machine)."""

    scenario: Scenario
    rows: Any  # RowSource
    outputs: tuple[str, ...]
    year: int | None
    years: tuple[int, ...] | None
    scaled: tuple[str, ...]
    index: int
    start: int
    stop: int
    eclipse: EclipsePlan | None = None  # the run's eclipse plan (terawatt.studies.orbit_plan)


def scaled_value(name: str, value: Any, factor: np.ndarray) -> np.ndarray:
    """A trajectory value (scalar, or (Y,) over years) times ``factor`` ((m,) or (m, 1)), clipped to the allowed
    range [parameter unit]. Clipping (not rejection) keeps the sample inside what the model accepts."""
    spec = load_registry()[name]
    out = np.asarray(factor, float) * np.asarray(value, float)
    lo = -np.inf if spec.min is None else (np.nextafter(spec.min, np.inf) if spec.min_exclusive else spec.min)
    hi = np.inf if spec.max is None else (np.nextafter(spec.max, -np.inf) if spec.max_exclusive else spec.max)
    return np.clip(out, lo, hi)


def evaluate_chunk(task: Task) -> dict[str, np.ndarray]:
    """Evaluate one chunk: columns ``sample``, each output (``key@year`` over years), then each input row value
    (by its dotted name), one entry per row."""
    from terawatt.model import evaluate

    registry = load_registry()
    rows = task.rows.rows(task.start, task.stop)
    m = task.stop - task.start
    direct = {k: v for k, v in rows.items() if k not in task.scaled}
    # rows a row source guarantees inside the allowed ranges (a sampled design, whose inverse CDFs clip to them)
    # are not checked again, sample by sample, in every chunk
    in_range = getattr(task.rows, "in_range", False)
    sc = task.scenario.with_overrides(direct, in_range=in_range) if direct else task.scenario
    if task.years is not None:
        sc = sc.at_years(list(task.years))
    elif task.year is not None:
        sc = sc.at_year(task.year)
    if task.scaled and (task.years is not None or task.year is not None):
        values = dict(sc.values)
        for name in task.scaled:
            factor = rows[name] / float(registry[name].default)
            values[name] = scaled_value(name, values[name], factor if task.years is None else factor[:, None])
        sc = replace(sc, values=values)
    elif task.scaled:
        sc = sc.with_overrides({k: rows[k] for k in task.scaled})
    out: dict[str, np.ndarray] = {"sample": np.arange(task.start, task.stop, dtype=np.int64)}
    with use_eclipse_plan(task.eclipse):  # set here, in the process or task that evaluates the chunk
        result = evaluate(sc)
        for key in task.outputs:
            value = np.asarray(result[key])
            if task.years is None:  # a per-sample output as it is, a constant one broadcast to the samples
                out[key] = value if value.shape == (m,) else np.broadcast_to(value, (m,)).copy()
            else:
                value = np.broadcast_to(value.reshape(value.shape if value.ndim else (1,)), (m, len(task.years)))
                # the year columns of a numeric output from one transpose, a tile of rows at a time (rows of one
                # (Y, m) array); a copy of each strided column reads the whole (m, Y) array once per year
                by_year = transposed(value) if value.dtype.kind in "fiub" and len(task.years) > 1 else None
                for j, year in enumerate(task.years):
                    out[f"{key}@{year}"] = value[:, j].copy() if by_year is None else by_year[j]
    for name, values in rows.items():  # the inputs travel with the outputs (queryable in the Parquet files)
        out.setdefault(name, np.asarray(values))
    for key, col in out.items():
        if col.dtype.kind in "UO":
            out[key] = _text(col)
    return out


def _text(col: np.ndarray) -> np.ndarray:
    """A text column as an array of ``str`` objects. NumPy strings (as wide as the longest, ~200 characters for an
    infeasible design's reason) are converted from their non-empty rows only, the others all hold one ``""``; the
    result is read-only, its non-empty rows remembered for :func:`nonempty` (asked again by the Parquet writer and
    the streamed summaries: comparing 65,536 objects with ``""`` costs ~0.7 ms)."""
    if col.dtype.kind != "U":
        return col.astype(str).astype(object)
    filled = nonempty(col)
    if col.ndim == 1 and not filled.any():  # every row "" (every design feasible): one shared read-only column
        out = _empty_text(len(col))
    else:
        out = np.empty(col.shape, dtype=object)
        out.fill("")  # (numpy.full of an object costs ~3x more: 1.2 ms for 65,536 rows)
        out[filled] = col[filled]
        out.setflags(write=False)
    filled.setflags(write=False)
    _FILLED[:] = [(out, filled), *_FILLED[:1]]
    return out


@lru_cache(maxsize=4)
def _empty_text(m: int) -> np.ndarray:
    """A read-only text column of ``m`` empty strings (``str`` objects), shared by the chunks that have no text."""
    out = np.empty(m, dtype=object)
    out.fill("")
    out.setflags(write=False)
    return out


#: ``(text, nonempty(text))`` of the last two read-only text columns made by :func:`_text` (they cannot change).
_FILLED: list[tuple[np.ndarray, np.ndarray]] = []


def nonempty(text: np.ndarray) -> np.ndarray:
    """``text != ""`` for a 1-D text column; for NumPy strings from the first character alone (an empty string is
    all zero code points; comparing a wide ``<U200`` column with ``""`` reads every character of every row); for
    a column made by :func:`_text`, the rows it filled (read-only)."""
    for known, filled in _FILLED:
        if known is text:
            return filled
    text = np.asarray(text)
    if text.dtype.kind == "U" and text.dtype.itemsize and text.ndim == 1:
        return np.ascontiguousarray(text).view(np.uint32)[:: text.dtype.itemsize // 4] != 0
    return text != ""


# ---------------------------------------------------------------------------------------------------- backends
class Backend(Protocol):
    """Where chunks run: ``run`` yields ``(task, result)`` as each finishes; ``close`` frees the workers."""

    def run(self, function: Callable[[Task], Any], tasks: Sequence[Task]) -> Iterator[tuple[Task, Any]]: ...

    def close(self, cancel: bool = False) -> None: ...


def _ignore_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


class SerialBackend:
    """In-process, one chunk after the other."""

    def run(self, function: Callable[[Task], Any], tasks: Sequence[Task]) -> Iterator[tuple[Task, Any]]:
        for task in tasks:
            yield task, function(task)

    def close(self, cancel: bool = False) -> None:
        return None


def _window(workers: int) -> int:
    """Tasks kept in flight: enough to keep every worker busy, few enough that finished chunks waiting to be
    written never pile up (memory stays bounded by ~2 chunks per worker whatever N is)."""
    return max(2, 2 * int(workers))


class ProcessBackend:
    """Local processes (``concurrent.futures.ProcessPoolExecutor``) with ``workers`` workers; at most
    :func:`_window` chunks are submitted ahead of the ones written."""

    def __init__(self, workers: int):
        self.workers = int(workers)
        self._pool: cf.ProcessPoolExecutor | None = None

    def run(self, function: Callable[[Task], Any], tasks: Sequence[Task]) -> Iterator[tuple[Task, Any]]:
        # Workers ignore Ctrl-C: the parent stops, cancels what has not started and keeps what is written.
        self._pool = cf.ProcessPoolExecutor(max_workers=self.workers, initializer=_ignore_sigint)
        queue = iter(tasks)
        pending = {self._pool.submit(function, t): t for t in islice(queue, _window(self.workers))}
        while pending:
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                task = pending.pop(future)  # the result is dropped with the future once written
                for nxt in islice(queue, 1):
                    pending[self._pool.submit(function, nxt)] = nxt
                yield task, future.result()

    def close(self, cancel: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=not cancel, cancel_futures=cancel)
            self._pool = None


class DaskBackend:
    """A Dask distributed cluster: one task per chunk (``client.submit``), results streamed back as they finish
    (``distributed.as_completed``), at most :func:`_window` (2 per worker thread) chunks in flight.

    Parameters
    ----------
    scheduler
        The scheduler's address (``tcp://HOST:PORT``) or a ``distributed.Client`` to use (not closed here).
    timeout
        Seconds to wait for the scheduler [s].

    Notes
    -----
    The workers need ``terawatt`` importable (the same version as the client): a task carries the scenario and the
    row source (a sampled design is rebuilt from its seed on the worker), never the rows themselves. ``dask`` and
    ``distributed`` are imported here, on first use.
    """

    def __init__(self, scheduler: Any, timeout: float = 10.0):
        self.scheduler = scheduler
        self.timeout = float(timeout)
        self._client: Any = None
        self._own = False
        self._pending: dict[Any, Task] = {}

    def _connect(self) -> Any:
        if self._client is not None:
            return self._client
        if not isinstance(self.scheduler, str):
            self._client = self.scheduler
            return self._client
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise ScenarioError([FieldError("--scheduler", "needs dask.distributed: pip install "
                                                           "'dask[distributed]'")]) from exc
        try:
            self._client = Client(self.scheduler, timeout=self.timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise ScenarioError([FieldError("--scheduler", f"cannot reach a Dask scheduler at {self.scheduler!r} "
                                                           f"within {self.timeout:g} s: {exc}")]) from exc
        self._own = True
        return self._client

    def _threads(self, client: Any) -> int:
        try:
            return max(1, sum(client.nthreads().values()))
        except Exception:  # noqa: BLE001 - a scheduler that cannot say: assume one worker
            return 1

    def run(self, function: Callable[[Task], Any], tasks: Sequence[Task]) -> Iterator[tuple[Task, Any]]:
        if not tasks:  # every chunk resumed from the sink: no need to reach the cluster
            return
        from distributed import as_completed

        client = self._connect()
        queue = iter(tasks)

        def submit(task: Task) -> Any:
            label = getattr(task, "index", "task")
            future = client.submit(function, task, pure=False, key=f"terawatt-chunk-{label}-{uuid4().hex}")
            self._pending[future] = task
            return future

        stream = as_completed([submit(t) for t in islice(queue, _window(self._threads(client)))], loop=client.loop)
        for future in stream:
            task = self._pending.pop(future)
            result = future.result()
            future.release()  # the worker forgets the chunk once it is here
            for nxt in islice(queue, 1):
                stream.add(submit(nxt))
            yield task, result

    def close(self, cancel: bool = False) -> None:
        if self._client is not None and self._pending:
            self._client.cancel(list(self._pending))
        self._pending = {}
        if self._own and self._client is not None:
            self._client.close()
        self._client = None


def out_errors(out: Any) -> list[FieldError]:
    """``--out`` given as something other than a folder's path (text or path-like)."""
    if out is None or isinstance(out, (str, os.PathLike)):
        return []
    return [FieldError("--out", f"expected a folder's path, got {type(out).__name__} {out!r:.60}")]


#: Most local worker processes per CPU (``--workers``): the model is single-threaded NumPy, so more processes
#: than CPUs gain nothing, and thousands of them exhaust memory before they start.
WORKERS_PER_CPU = 4


def max_workers() -> int:
    """The most local worker processes ``--workers`` accepts on this machine [-]."""
    return WORKERS_PER_CPU * (os.cpu_count() or 1)


def make_backend(backend: str | Backend = "serial", workers: int | None = None,
                 scheduler: str | None = None) -> Backend:
    """A backend by name (``"serial"``, ``"processes"``, ``"dask"`` with ``scheduler``) or the object given; bad
    options are input errors."""
    if not isinstance(backend, str):
        return backend
    errors = []
    if backend not in BACKENDS:
        errors.append(FieldError("backend", f"{backend!r} is not one of: {', '.join(BACKENDS)}"))
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        errors.append(FieldError("--workers", f"the number of workers must be an integer >= 1, got {workers!r}"))
    elif workers is not None and workers > max_workers():
        errors.append(FieldError("--workers", f"{workers:,} local processes on {os.cpu_count() or 1} CPUs: at most "
                                              f"{max_workers()} ({WORKERS_PER_CPU} per CPU); more only compete for "
                                              "the CPUs, and each holds its own model (~0.2 GB). A cluster's "
                                              "workers come with --scheduler"))
    if backend == "dask" and scheduler is None:
        errors.append(FieldError("--scheduler", "the Dask backend needs a scheduler address (tcp://HOST:PORT)"))
    if backend == "dask" and scheduler is not None and not isinstance(scheduler, str) and not hasattr(
            scheduler, "submit"):
        errors.append(FieldError("--scheduler", f"expected a scheduler address (tcp://HOST:PORT) or a Dask client, "
                                                f"got {scheduler!r:.60}"))
    if backend == "dask" and isinstance(scheduler, str) and "://" not in scheduler:
        errors.append(FieldError("--scheduler", f"expected an address such as tcp://127.0.0.1:8786, got "
                                                f"{scheduler!r}"))
    if backend == "dask" and workers is not None:
        errors.append(FieldError("--workers", "give either --workers (local processes) or --scheduler (a Dask "
                                              "cluster: its workers are started with the cluster)"))
    if errors:
        raise ScenarioError(errors)
    if backend == "serial":
        return SerialBackend()
    if backend == "dask":
        return DaskBackend(scheduler)
    return ProcessBackend(workers or os.cpu_count() or 1)


def run_tasks(engine: Backend, function: Callable[[Any], Any], tasks: Sequence[Any], n: int, done: int = 0,
              progress: Progress | None = None) -> Iterator[tuple[Any, Any]]:
    """Run ``tasks`` (each with ``start``/``stop`` rows) on ``engine``, yielding ``(task, result)`` as each finishes
    and then calling ``progress(rows_done, n)`` (``done`` rows were finished before); the engine is closed at the
    end, and its pending work cancelled if the loop stops early (an error, Ctrl-C)."""
    finished = False
    try:
        for task, result in engine.run(function, tasks):
            yield task, result
            done += task.stop - task.start
            if progress:
                progress(done, n)
        finished = True
    finally:
        engine.close(cancel=not finished)


# --------------------------------------------------------------------------------------------------------- sink
def spec_hash(spec: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a run's spec."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()


def scenario_spec(scenario: Scenario) -> dict[str, Any]:
    """What identifies a scenario's values for a manifest (values and trajectories, as text)."""
    return {"name": scenario.name,
            "values": {k: (np.asarray(v).tolist() if isinstance(v, np.ndarray) else v)
                       for k, v in sorted(scenario.values.items())},
            "trajectories": {k: repr(v) for k, v in sorted(scenario.trajectories.items())}}


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a result folder with the chunks its journal lists since (``done`` and ``complete``
    updated): what a run killed mid-way had finished.

    Raises
    ------
    OSError, ValueError
        No readable manifest.
    """
    folder = Path(folder)
    data = json.loads((folder / MANIFEST).read_text())
    journal = folder / JOURNAL
    if journal.exists():
        done = set(data.get("done", []))
        text = journal.read_text()
        for line in text.splitlines()[: None if text.endswith("\n") else -1]:  # a line cut short is ignored
            if line.strip().isdigit():
                done.add(int(line))
        data["done"] = sorted(done)
        data["complete"] = len(done) == int(data.get("n_chunks", -1))
    return data


#: Parquet options of a chunk file (measured on 65,536 samples x 49 columns, ``benchmarks/bench_montecarlo.py``):
#: sampled numbers do not compress (snappy saved < 0.1 % of the bytes and cost ~25 % more time) and row-group
#: statistics of random values prune nothing; one row group per file. The values of a column are handed to the
#: encoder in one batch of the chunk's rows (``write_batch_size``; the default 1,024 costs ~20 % more time).
PARQUET_OPTIONS: dict[str, Any] = {"compression": "none", "write_statistics": False}


def _arrow_numbers(values: np.ndarray) -> Any:
    """A 1-D numeric NumPy array as a ``pyarrow`` array over the same memory (built from its buffer:
    ``pyarrow.array`` would import pandas, ~1 s, to check the argument's type)."""
    import pyarrow as pa

    values = np.ascontiguousarray(values)
    data = np.packbits(values, bitorder="little") if values.dtype.kind == "b" else values  # Arrow: 1 bit each
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(data)])


def _arrow_text(values: np.ndarray) -> Any:
    """A 1-D array of ``str`` as a ``pyarrow`` string array (UTF-8), built from its buffers: the few distinct
    values are encoded once and gathered by index, with NumPy."""
    import pyarrow as pa

    values = np.asarray(values)
    filled = np.flatnonzero(nonempty(values))  # most rows hold "" (a feasible design): encode only the others
    if not filled.size:  # every row empty: offsets all zero, no characters
        return pa.Array.from_buffers(pa.string(), len(values), [None, pa.py_buffer(np.zeros(len(values) + 1,
                                                                                             np.int32)),
                                                                pa.py_buffer(b"")])
    given = values[filled].tolist()
    distinct = ["", *dict.fromkeys(given)]
    code = {text: k for k, text in enumerate(distinct)}
    index = np.zeros(len(values), np.intp)
    index[filled] = [code[text] for text in given]
    encoded = [str(text).encode() for text in distinct]
    sizes = np.array([len(e) for e in encoded], np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    lengths = sizes[index]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    gather = np.repeat(starts[index] - offsets[:-1], lengths) + np.arange(offsets[-1])
    data = np.frombuffer(b"".join(encoded) or b" ", np.uint8)[gather]
    return pa.Array.from_buffers(pa.string(), len(values), [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def chunk_table(columns: Mapping[str, np.ndarray]) -> Any:
    """A chunk's columns as a ``pyarrow.Table``: numbers as non-nullable fields (a NaN is a value, not a null, and
    a non-nullable column is written without definition levels), text as strings."""
    import pyarrow as pa

    arrays, fields = [], []
    for name, values in columns.items():
        values = np.asarray(values)
        if values.dtype.kind in "OUS":
            arrays.append(_arrow_text(values))
            fields.append(pa.field(name, pa.string()))
        else:
            arrays.append(_arrow_numbers(values))
            fields.append(pa.field(name, arrays[-1].type, nullable=False))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


@dataclass
class ParquetSink:
    """A result folder: one Parquet file per chunk, a JSON manifest and a journal (see the module docstring)."""

    folder: Path
    spec: dict[str, Any]
    n: int
    chunk_size: int
    done: set[int] = field(default_factory=set)
    _lock_handle: Any = field(default=None, repr=False, compare=False)
    _journal: Any = field(default=None, repr=False, compare=False)

    @property
    def n_chunks(self) -> int:
        return -(-self.n // self.chunk_size)

    def chunk_path(self, index: int) -> Path:
        return self.folder / f"chunk-{index:06d}.parquet"

    def open(self, overwrite: bool = False) -> ParquetSink:
        """Create the folder, or resume the run it holds; another run's folder is refused unless ``overwrite``
        (which deletes that run's chunk files and manifest, never other files). The folder is locked until
        :meth:`close`: a second run writing to it at the same time is refused."""
        manifest = self.folder / MANIFEST
        if not manifest.exists() and self.folder.exists() and (
                not self.folder.is_dir() or any(p.name != LOCK for p in self.folder.iterdir())):
            raise ScenarioError([FieldError("--out", f"{self.folder} exists and is not a terawatt result folder "
                                                     "(no manifest.json): give a new or empty folder")])
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ScenarioError([FieldError("--out", f"cannot create {self.folder}: {exc.strerror}")]) from exc
        self._lock()
        try:
            if manifest.exists() and overwrite:
                self.clear()
            if manifest.exists():
                self._resume(manifest)
            self._write_manifest()  # the journal's chunks are now in the manifest: start a new journal
            (self.folder / JOURNAL).unlink(missing_ok=True)
            self._journal = open(self.folder / JOURNAL, "ab", buffering=0)  # noqa: SIM115 - open until close()
        except BaseException:
            self.close()
            raise
        return self

    def _resume(self, manifest: Path) -> None:
        """Check that the folder holds this run (spec hash, chunk size) and take its finished chunks."""
        digest = spec_hash(self.spec)
        try:
            old = read_manifest(self.folder)
        except (OSError, ValueError) as exc:
            raise ScenarioError([FieldError("--out", f"{manifest} is not a readable manifest: {exc}")]) from exc
        if old.get("spec_hash") != digest:
            raise ScenarioError([FieldError("--out", f"{self.folder} holds a different run (spec hash "
                                                     f"{str(old.get('spec_hash'))[:12]}, this run {digest[:12]}): "
                                                     "use another folder, the same arguments, or --overwrite")])
        if old.get("chunk_size") != self.chunk_size:
            raise ScenarioError([FieldError("--chunk-size", f"{self.folder} was written with chunks of "
                                                            f"{old.get('chunk_size')} rows; resume with the same, "
                                                            "or --overwrite")])
        self.done = {int(i) for i in old.get("done", []) if self.chunk_path(int(i)).exists()}

    def _lock(self) -> None:
        """Hold an advisory lock on the folder (``fcntl.flock`` on :data:`LOCK`; released by :meth:`close` or when
        the process dies, so a killed run never blocks its resumption, once the workers it forked have exited).
        Where ``fcntl`` does not exist (Windows) no lock is taken."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return
        handle = open(self.folder / LOCK, "a+")  # noqa: SIM115 - held open until close()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            handle.close()
            raise ScenarioError([FieldError("--out", f"{self.folder} is being written by another run right now "
                                                     f"({owner}): wait for it to finish, or use another folder")]
                                ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        self._lock_handle = handle

    def close(self) -> None:
        """Record the finished chunks in the manifest (one rewrite), remove the journal and release the lock."""
        journal, self._journal = self._journal, None
        if journal is not None:
            journal.close()
            try:
                self._write_manifest()
            except ScenarioError:  # the journal still lists the chunks: a rerun resumes from it
                pass
            else:
                (self.folder / JOURNAL).unlink(missing_ok=True)
        handle, self._lock_handle = self._lock_handle, None
        if handle is not None:
            import fcntl  # (a handle exists only where fcntl does)

            # unlocked explicitly: worker processes forked while the lock was held share it, and closing this
            # copy alone would leave the folder locked until the last of them exits (a worker that outlives a
            # broken pool or a Ctrl-C would refuse the rerun)
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    def clear(self) -> None:
        """Delete the run this folder holds: its manifest, journal, chunk files and temporary files (nothing
        else)."""
        for path in (*self.folder.glob("chunk-*.parquet"), *self.folder.glob(".chunk-*.parquet.tmp"),
                     self.folder / f".{MANIFEST}.tmp", self.folder / JOURNAL, self.folder / MANIFEST):
            path.unlink(missing_ok=True)

    def _write_manifest(self) -> None:
        data = {"format": "terawatt-population/1", "spec_hash": spec_hash(self.spec), "n": self.n,
                "chunk_size": self.chunk_size, "n_chunks": self.n_chunks, "rows_per_chunk": self.chunk_size,
                "done": sorted(self.done), "complete": len(self.done) == self.n_chunks, "spec": self.spec}
        tmp = self.folder / f".{MANIFEST}.tmp"
        self._atomic(tmp, self.folder / MANIFEST, lambda: tmp.write_text(json.dumps(data, indent=1, default=str)))

    def _atomic(self, tmp: Path, final: Path, write: Callable[[], Any]) -> None:
        """``write`` to ``tmp``, then rename it to ``final``. Interrupted (Ctrl-C) or failed (disk full), the
        temporary file is removed and ``final`` is as it was; an OS error is an input error on ``--out`` (the
        finished chunks are kept: rerun to resume)."""
        try:
            write()
            os.replace(tmp, final)
        except BaseException as exc:
            tmp.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise ScenarioError([FieldError("--out", f"cannot write {final}: {exc.strerror or exc}; the "
                                                         "finished chunks are kept, rerun to resume")]) from exc
            raise

    def write(self, index: int, columns: Mapping[str, np.ndarray]) -> None:
        """Write chunk ``index`` (temporary file, rename) and append it to the journal."""
        import pyarrow.parquet as pq

        table = chunk_table(columns)
        tmp = self.folder / f".chunk-{index:06d}.parquet.tmp"
        # Dictionary-encode the text columns only (few distinct reasons); sampled numbers rarely repeat, and
        # trying a dictionary for each of them costs more time than the rest of the write.
        text = [k for k, v in columns.items() if np.asarray(v).dtype.kind in "OUS"] or False
        batch = max(1024, table.num_rows)
        self._atomic(tmp, self.chunk_path(index), lambda: pq.write_table(table, tmp, use_dictionary=text,
                                                                         write_batch_size=batch, **PARQUET_OPTIONS))
        self.done.add(index)
        if self._journal is not None:
            try:
                self._journal.write(f"{index}\n".encode())  # unbuffered: one write() per chunk
            except OSError as exc:
                raise ScenarioError([FieldError("--out", f"cannot write {self.folder / JOURNAL}: "
                                                         f"{exc.strerror or exc}; the finished chunks are kept, "
                                                         "rerun to resume")]) from exc

    def read(self, index: int, names: Iterable[str] | None = None) -> dict[str, np.ndarray]:
        """Columns ``names`` (all by default) of a finished chunk."""
        return read_chunk_file(self.chunk_path(index), names)


def read_chunk_file(path: str | Path, names: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """Columns ``names`` (all by default, in file order) of one chunk file, as NumPy arrays. Read as one file
    (``pyarrow.parquet.ParquetFile``): ``pyarrow.parquet.read_table`` goes through the dataset machinery, ~1 ms
    more per file and ~0.4 s to import it (and pandas) the first time."""
    import pyarrow.parquet as pq

    names = None if names is None else list(names)
    with pq.ParquetFile(path) as file:
        table = file.read(columns=names)
    missing = [] if names is None else sorted(set(names) - set(table.column_names))
    if missing:  # (ParquetFile.read skips the names it does not hold)
        raise KeyError(f"{path} has no column {', '.join(missing)}")
    return {name: _column(table.column(name)) for name in table.column_names}


def _column(col: Any) -> np.ndarray:
    """A column read from a chunk file (a ``pyarrow.ChunkedArray``) as a NumPy array: numbers over the file's
    buffer (read-only, as ``to_numpy`` gives them), booleans unpacked, text as ``str`` objects. Made from the
    Arrow buffers (one chunk, no nulls: what :class:`ParquetSink` writes), because ``pyarrow``'s ``to_numpy``
    imports pandas to convert them, ~0.7 s of CPU the first time a folder is read; anything else is left to it."""
    import pyarrow as pa

    arr = col.chunk(0) if col.num_chunks == 1 else None
    if arr is not None and len(arr) and not arr.null_count:
        kind = arr.type
        if pa.types.is_floating(kind) or pa.types.is_integer(kind):
            code = "f" if pa.types.is_floating(kind) else ("i" if pa.types.is_signed_integer(kind) else "u")
            dtype = np.dtype(f"{code}{kind.bit_width // 8}")
            values = np.frombuffer(arr.buffers()[1], dtype, count=len(arr), offset=arr.offset * dtype.itemsize)
            values.flags.writeable = False  # Arrow's memory
            return values
        if pa.types.is_boolean(kind):
            packed = np.frombuffer(arr.buffers()[1], np.uint8)
            return np.unpackbits(packed, count=arr.offset + len(arr), bitorder="little")[arr.offset:].astype(bool)
        if kind == pa.string():
            return _text_column(arr)
    values = col.to_numpy()
    return values.astype(object) if values.dtype.kind in "UO" else values


def _text_column(arr: Any) -> np.ndarray:
    """A ``pyarrow`` string array without nulls as an array of ``str`` objects: the empty rows (a feasible design's
    reason, most of them) share one ``""``, the others are decoded from the UTF-8 data."""
    offsets = np.frombuffer(arr.buffers()[1], np.int32, count=len(arr) + 1, offset=arr.offset * 4)
    out = np.empty(len(arr), dtype=object)
    out.fill("")
    filled = np.flatnonzero(offsets[1:] != offsets[:-1])
    if filled.size:
        data = arr.buffers()[2].to_pybytes()
        out[filled] = [data[a:b].decode() for a, b in zip(offsets[filled].tolist(), offsets[filled + 1].tolist(),
                                                          strict=True)]
    return out


# ---------------------------------------------------------------------------------------------------- the loop
@dataclass(frozen=True)
class Population:
    """Outputs of N rows: ``columns`` (``sample`` and each output) in sample order, and how the run went."""

    columns: dict[str, np.ndarray]
    n: int
    chunks: int
    resumed_chunks: int = 0
    out: Path | None = None
    #: Indices of the chunks a resumed run read from its folder instead of computing them.
    resumed: tuple[int, ...] = ()


def evaluate_population(
    scenario: Scenario,
    rows: RowSource | Mapping[str, Any] | Any,
    outputs: Iterable[str],
    *,
    year: int | None = None,
    years: Sequence[int] | None = None,
    scaled: Iterable[str] = (),
    chunk_size: int = 65536,
    backend: str | Backend = "serial",
    workers: int | None = None,
    out: str | Path | None = None,
    progress: Progress | None = None,
    spec: Mapping[str, Any] | None = None,
    keep: bool = True,
    overwrite: bool = False,
    scheduler: str | None = None,
    consume: Callable[[int, dict[str, np.ndarray]], Any] | None = None,
) -> Population:
    """Evaluate ``scenario`` on every row of ``rows`` and collect ``outputs``.

    Parameters
    ----------
    scenario
        The scenario the rows override.
    rows
        A row source (``n``, ``rows(start, stop)``, ``spec()``), a dict of 1-D arrays or a pandas DataFrame whose
        columns are dotted parameter names.
    outputs
        Output keys to keep (one column each; ``key@year`` per year with ``years``).
    year, years
        Evaluate in one calendar year, or over years (``scenario.at_years``) [yr]; neither = base values.
    scaled
        Parameters whose trajectory is multiplied by ``row / registry default`` instead of replaced.
    chunk_size
        Rows per chunk (memory bound; results do not depend on it).
    backend, workers, scheduler
        ``"serial"``, ``"processes"`` (``workers`` processes), ``"dask"`` (a cluster at ``scheduler``,
        ``tcp://HOST:PORT``) or a :class:`Backend`.
    out
        A folder for the Parquet sink; rerunning with the same arguments resumes.
    keep
        Keep the columns in memory and return them. With ``out`` and ``keep=False`` the run's memory is bounded by
        a few chunks whatever N is, and ``columns`` comes back empty: read the folder
        (:mod:`terawatt.studies.samples`).
    overwrite
        Replace the run an ``out`` folder holds instead of refusing a different one.
    progress
        Called as ``progress(rows_done, n)`` after each chunk.
    spec
        Extra identity for the manifest (e.g. the study's options).
    consume
        Called as ``consume(chunk_index, columns)`` for each chunk computed, once it is written (summaries
        accumulated while streaming; the chunks of a resumed run are listed in ``Population.resumed``).

    Raises
    ------
    ScenarioError
        Bad options, a result folder of another run, or an invalid row (field and range named).
    """
    source = rows if hasattr(rows, "rows") and hasattr(rows, "spec") else TableRows.from_table(rows)
    outputs = tuple(outputs)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ScenarioError([FieldError("--chunk-size", f"rows per chunk must be an integer >= 1, got "
                                                        f"{chunk_size!r}")])
    chunk_size = int(chunk_size)
    n = int(source.n)
    run_spec = {"scenario": scenario_spec(scenario), "rows": source.spec(), "outputs": list(outputs),
                "year": year, "years": list(years) if years is not None else None, "scaled": sorted(scaled),
                **dict(spec or {})}
    chunks = [(i, s, min(n, s + chunk_size)) for i, s in enumerate(range(0, n, chunk_size))]
    engine = make_backend(backend, workers, scheduler)
    sink = ParquetSink(Path(out), run_spec, n, chunk_size).open(overwrite) if out is not None else None
    keep = out is None or bool(keep)
    results: dict[int, dict[str, np.ndarray]] = {}
    resumed = set(sink.done) if sink else set()
    done_rows = sum(b - a for i, a, b in chunks if i in resumed)
    if progress:
        progress(done_rows, n)
    plan = run_eclipse_plan(scenario.values, source) if len(chunks) > len(resumed) else None
    tasks = [Task(scenario, source, outputs, year, tuple(years) if years is not None else None, tuple(scaled),
                  i, a, b, plan) for i, a, b in chunks if i not in resumed]
    try:
        for task, columns in engine.run(evaluate_chunk, tasks):
            if sink is not None:
                sink.write(task.index, columns)
            if consume is not None:
                consume(task.index, columns)
            if keep:
                results[task.index] = columns
            done_rows += task.stop - task.start
            if progress:
                progress(done_rows, n)
    except cf.BrokenExecutor as exc:  # a worker killed (out of memory, a signal): say so, keep the rest
        engine.close(cancel=True)
        kept = f"the {len(sink.done):,} chunks finished are kept in {out}: rerun to resume" if sink else (
            "nothing was kept (no --out)")
        raise ScenarioError([FieldError("--workers", f"a worker process ended abruptly (killed, e.g. out of "
                                                     f"memory); {kept}, with fewer --workers or a smaller "
                                                     "--chunk-size")]) from exc
    except BaseException:
        engine.close(cancel=True)
        raise
    finally:
        if sink is not None:
            sink.close()
    engine.close()
    if not keep:
        return Population({}, n, len(chunks), len(resumed), Path(out) if out is not None else None,
                          tuple(sorted(resumed)))
    for i in resumed:
        results[i] = sink.read(i)  # type: ignore[union-attr]
    ordered = [results[i] for i, _, _ in chunks]
    columns = {k: np.concatenate([c[k] for c in ordered]) for k in ordered[0]} if ordered else {}
    return Population(columns, n, len(chunks), len(resumed), Path(out) if out is not None else None,
                      tuple(sorted(resumed)))
