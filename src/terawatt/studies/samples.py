"""A result folder read back out of core: the Parquet chunk files of a population run (see
:mod:`terawatt.studies.population`), as columns, chunk by chunk, or through DuckDB.

Nothing here holds all the samples at once unless asked to (:meth:`SampleStore.column` holds one column,
:meth:`SampleStore.iter_chunks` one chunk): percentiles are exact order statistics found by DuckDB over the files
(``quantile_disc``, which spills to disk when memory is short), interpolated as ``numpy.percentile`` does, so they
are bitwise identical to ``numpy.percentile`` of the column held in memory.

SQL over a folder (``terawatt query DIR "SELECT ..."``, or DuckDB directly)::

    import duckdb
    duckdb.sql("SELECT avg(\\"comparison.cost_ratio\\") FROM read_parquet('DIR/chunk-*.parquet')")

Column names hold dots (``comparison.cost_ratio``) and, over years, ``@year`` (``comparison.cost_ratio@2030``):
quote them with double quotes in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt.errors import FieldError, ScenarioError

if TYPE_CHECKING:
    import pandas as pd

MANIFEST = "manifest.json"
#: The view over a folder's chunk files in ``terawatt query``.
VIEW = "samples"
#: DuckDB's memory ceiling while summarising or querying a folder (it spills to a temporary folder above it).
DUCKDB_MEMORY_LIMIT = "1GB"


def quote(name: str) -> str:
    """A column name as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _virtual_index(n: int, percentiles: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    q = np.true_divide(np.asarray(percentiles, float), 100)
    virtual = (n - 1) * q
    lower = np.clip(np.floor(virtual).astype(np.intp), 0, n - 1)
    upper = np.clip(lower + 1, 0, n - 1)
    return lower, upper, np.asarray(virtual - lower, dtype=virtual.dtype)


def percentile_ranks(n: int, percentiles: Sequence[float]) -> list[int]:
    """The 0-based ranks (sorted, distinct) whose order statistics :func:`linear_percentiles` needs."""
    lower, upper, _ = _virtual_index(n, percentiles)
    return sorted({int(i) for i in (*lower, *upper)})


def linear_percentiles(n: int, percentiles: Sequence[float], order_statistic: Any) -> np.ndarray:
    """Percentiles with ``numpy.percentile``'s default (linear) method from the order statistics of n values.

    Parameters
    ----------
    n
        Number of values (> 0).
    percentiles
        Percentiles in [0, 100].
    order_statistic
        ``order_statistic(indices) -> values``: the k-th smallest value (0-based) for each index asked.

    Notes
    -----
    Virtual index :math:`v = (n-1)q`, :math:`i = \\lfloor v \\rfloor`, :math:`g = v - i`; the result is
    :math:`x_i + g(x_{i+1} - x_i)`, or :math:`x_{i+1} - (1-g)(x_{i+1} - x_i)` for :math:`g \\ge 0.5` (NumPy's
    ``_lerp``, in the same floating-point operations, so the results are bitwise the same).
    """
    lower, upper, gamma = _virtual_index(n, percentiles)
    wanted = percentile_ranks(n, percentiles)
    value = dict(zip(wanted, np.asarray(order_statistic(wanted), float), strict=True))
    a = np.array([value[int(i)] for i in lower])
    b = np.array([value[int(i)] for i in upper])
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


@dataclass
class SampleStore:
    """The finished chunks of a result folder (``chunk-NNNNNN.parquet`` listed in ``manifest.json``)."""

    folder: Path
    manifest: dict[str, Any]
    files: list[Path] = field(default_factory=list)

    @classmethod
    def open(cls, folder: str | Path, complete: bool = True, what: str = "DIR") -> SampleStore:
        """Open a result folder; ``complete``: refuse one whose run has chunks left to compute.

        Raises
        ------
        ScenarioError
            Not a folder, no readable manifest, a listed chunk file missing, or (``complete``) an unfinished run;
            the error is reported against the option named ``what``.
        """
        folder = Path(folder)
        path = folder / MANIFEST
        if not folder.is_dir():
            raise ScenarioError([FieldError(what, f"{folder} is not a folder")])
        if not path.is_file():
            raise ScenarioError([FieldError(what, f"{folder} is not a terawatt result folder (no {MANIFEST}; "
                                                  "write one with `terawatt montecarlo ... --out DIR`)")])
        from terawatt.studies.population import read_manifest

        try:
            manifest = read_manifest(folder)
            done = sorted(int(i) for i in manifest["done"])
            n_chunks = int(manifest["n_chunks"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ScenarioError([FieldError(what, f"{path} is not a readable manifest: {exc}")]) from exc
        files = [folder / f"chunk-{i:06d}.parquet" for i in done]
        missing = [p.name for p in files if not p.is_file()]
        if missing:
            raise ScenarioError([FieldError(what, f"{folder}: chunk files listed in the manifest are missing: "
                                                  f"{', '.join(missing[:5])}")])
        if complete and len(done) != n_chunks:
            raise ScenarioError([FieldError(what, f"{folder} holds an unfinished run ({len(done)} of {n_chunks} "
                                                  "chunks): rerun the same command to finish it")])
        if not files:
            raise ScenarioError([FieldError(what, f"{folder} holds no finished chunk yet")])
        return cls(folder, manifest, files)

    @property
    def spec(self) -> dict[str, Any]:
        """The run's spec, as the manifest records it."""
        return dict(self.manifest.get("spec") or {})

    @property
    def complete(self) -> bool:
        return len(self.files) == int(self.manifest["n_chunks"])

    @property
    def names(self) -> list[str]:
        """Column names, in file order."""
        import pyarrow.parquet as pq

        return list(pq.read_schema(self.files[0]).names)

    def __len__(self) -> int:
        import pyarrow.parquet as pq

        return sum(pq.ParquetFile(p).metadata.num_rows for p in self.files)

    def iter_chunks(self, names: Iterable[str] | None = None) -> Iterator[dict[str, np.ndarray]]:
        """The columns ``names`` (all by default) of one chunk file at a time, in sample order."""
        from terawatt.studies.population import read_chunk_file

        names = None if names is None else list(names)
        for path in self.files:
            yield read_chunk_file(path, names)

    def column(self, name: str) -> np.ndarray:
        """One whole column (N values in memory) in sample order."""
        if name not in self.names:
            raise KeyError(name)
        return np.concatenate([chunk[name] for chunk in self.iter_chunks([name])])

    def connect(self) -> Any:
        """A DuckDB connection with the view :data:`VIEW` (``samples``) over the finished chunk files."""
        import duckdb

        con = duckdb.connect()
        con.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
        files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in self.files)
        con.execute(f"CREATE VIEW {VIEW} AS SELECT * FROM read_parquet([{files}])")
        return con

    def query(self, sql: str) -> pd.DataFrame:
        """The result of ``sql`` over the view ``samples`` as a pandas frame.

        Raises
        ------
        ScenarioError
            The SQL is refused by DuckDB (the reason is DuckDB's message).
        """
        import duckdb

        con = self.connect()
        try:
            cursor = con.execute(sql)
            if cursor is None:  # no statement at all (empty, or only a comment)
                raise ScenarioError([FieldError("SQL", f"{sql!r} holds no statement: give one, e.g. "
                                                       f"'SELECT count(*) FROM {VIEW}'")])
            return cursor.df()
        except duckdb.Error as exc:
            raise ScenarioError([FieldError("SQL", str(exc).strip())]) from exc
        finally:
            con.close()

    def percentiles(self, names: Iterable[str], percentiles: Sequence[float]) -> dict[str, tuple[
            np.ndarray | None, int]]:
        """``{name: (percentiles over the finite values or None, count not finite)}``, exact, out of core.

        Two queries whatever the number of columns: the finite counts of every column, then the order statistics
        of every column (``quantile_disc`` at the ranks :func:`linear_percentiles` needs), each one scan of the
        files."""
        names = list(names)
        if not names:
            return {}
        con = self.connect()
        out: dict[str, tuple[np.ndarray | None, int]] = {}
        try:
            cols = [quote(name) for name in names]
            counts = con.execute("SELECT count(*), " + ", ".join(
                f"count(*) FILTER (WHERE isfinite({c}))" for c in cols) + f" FROM {VIEW}").fetchone()
            total, finite = int(counts[0]), [int(f) for f in counts[1:]]
            wanted = {name: percentile_ranks(m, percentiles) for name, m in zip(names, finite, strict=True) if m}
            found: dict[str, dict[int, float]] = {}
            if wanted:
                # quantile_disc at q returns the value of 0-based rank ceil(m q) - 1: q = (k + 1/2)/m gives k.
                parts, args = [], []
                for name, m in zip(names, finite, strict=True):
                    if name in wanted:
                        c = quote(name)
                        parts.append(f"quantile_disc({c}, ?) FILTER (WHERE isfinite({c}))")
                        args.append([(k + 0.5) / m for k in wanted[name]])
                row = con.execute("SELECT " + ", ".join(parts) + f" FROM {VIEW}", args).fetchone()
                found = {name: dict(zip(wanted[name], values, strict=True))
                         for name, values in zip(wanted, row, strict=True)}
            for name, m in zip(names, finite, strict=True):
                if not m:
                    out[name] = (None, total)
                    continue
                values = found[name]
                out[name] = (linear_percentiles(m, percentiles, lambda ks, v=values: [v[k] for k in ks]), total - m)
        finally:
            con.close()
        return out


class StoredColumns(Mapping):
    """The columns of a :class:`SampleStore` as a read-only mapping, each read from disk when asked for."""

    def __init__(self, store: SampleStore, names: Iterable[str] | None = None):
        self.store = store
        self._names = list(store.names if names is None else names)

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._names:
            raise KeyError(name)
        return self.store.column(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"StoredColumns({str(self.store.folder)!r}, {len(self._names)} columns)"
