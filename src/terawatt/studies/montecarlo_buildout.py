"""Monte Carlo of the build-out: sample every uncertain input, simulate N build-out trajectories, summarise them.

The uncertain inputs are those of the cost Monte Carlo (:mod:`terawatt.studies.montecarlo`: every registry
``distribution`` and the scenario's ``uncertainty:`` block, under the same rules) plus the build-out's own
parameters (``params/buildout.yaml``: demand, launch system, supply chains, ground power), since the build-out
splits demand by each year's cost ratio. The samples run through :func:`terawatt.studies.buildout.buildout`, which
simulates N trajectories at once (its loop is over years, on arrays of samples), in chunks of rows (in-process, in
local processes or on any :class:`~terawatt.studies.population.Backend`), each by fixed blocks of :data:`BATCH`
sample indices, so memory is bounded by the block, not by N.

Reported per year: percentiles (P5/P25/P50/P75/P95) of orbit and ground GW in service, launches, shortfall and the
cost ratio, and how often each constraint binds: the share of samples in which each bottleneck is the binding
one (the shares of a year sum to 1 over the names of :data:`~terawatt.studies.buildout.ORBIT_LIMITS` or
:data:`~terawatt.studies.buildout.GROUND_LIMITS`).

A sample's inputs depend on its index only (:class:`~terawatt.studies.uncertainty.SampleDesign`) and it is always
simulated in the same block of sample indices, so results are bitwise identical whatever the chunk size, the
backend and the number of workers. With ``out`` each chunk is written as Parquet (``field@year`` columns, binding
constraints by name) next to a manifest, and a rerun resumes (:class:`~terawatt.studies.population.ParquetSink`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt.errors import FieldError, ScenarioError
from terawatt.params import load_registry
from terawatt.scenario import Scenario
from terawatt.studies.population import (
    Backend,
    ParquetSink,
    Progress,
    make_backend,
    out_errors,
    run_tasks,
    scaled_value,
    scenario_spec,
)
from terawatt.studies.uncertainty import SampleDesign, UncertaintySpace, check_sampler, uncertainty_space

if TYPE_CHECKING:
    import pandas as pd

PERCENTILES = (5, 25, 50, 75, 95)
#: Calendar years of the headline table (those inside the run's span).
REPORT_YEARS = (2030, 2035, 2040, 2050)
#: Default span of a build-out run [yr].
SPAN = (2026, 2050)
#: Most sample-years a build-out Monte Carlo holds (its trajectories stay in memory, with --out too): ~0.22 GB
#: per million (peak RSS 0.22 GB at 20,000 x 25 years, 1.19 GB at 200,000 x 25), so ~5.5 GB at the limit: the
#: README's 1,000,000 trajectories of 25 years.
MAX_SAMPLE_YEARS = 25_000_000
#: Fields of :class:`terawatt.studies.buildout.BuildOut` kept per sample and year.
FIELDS = ("orbit_gw_total", "ground_gw_total", "demand_gw", "shortfall_gw", "launches", "cost_ratio",
          "orbit_binding", "ground_binding")
#: Fields summarised by percentiles in the headline table, with their unit.
SUMMARY = {"orbit_gw_total": "GW", "ground_gw_total": "GW", "launches": "1/yr", "shortfall_gw": "GW"}
BINDINGS = ("orbit_binding", "ground_binding")
#: Unit of each kept field (binding constraints are names).
UNITS = {**SUMMARY, "demand_gw": "GW", "cost_ratio": "-"}
#: Trajectories simulated together, in fixed blocks of sample indices (``[k * BATCH, (k + 1) * BATCH)``): a sample
#: is always simulated with the same companions, so results are bitwise identical whatever the chunk size, backend
#: or workers (the build-out's sums over its arrays are exact only to round-off when the batch changes); a chunk
#: that cuts a block simulates the whole block. A block of 4,096 trajectories of 25 years adds ~0.12 GB to the
#: process's peak (16,384: ~0.5 GB; measured), and the CPU time per trajectory is the same at 2,048-16,384.
BATCH = 4096
#: Default samples per chunk (one Parquet file each with ``out``).
CHUNK = 16384


def _limits(field: str) -> tuple[str, ...]:
    from terawatt.studies.buildout import GROUND_LIMITS, ORBIT_LIMITS

    return ORBIT_LIMITS if field == "orbit_binding" else GROUND_LIMITS


def _pct(values: np.ndarray) -> dict[str, float | None]:
    """P5..P95 of the finite values (``None`` where no value is finite)."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return {f"p{p:02d}": None for p in PERCENTILES}
    return {f"p{p:02d}": float(v) for p, v in zip(PERCENTILES, np.percentile(finite, PERCENTILES), strict=True)}


def percentile_bands(values: np.ndarray) -> dict[str, np.ndarray]:
    """P5, P25, P50, P75 and P95 over the samples (axis 0) of ``values`` (N, Y), counting finite values only:
    ``{"p05": (Y,), ...}``, NaN in a column with no finite value (fan charts of a Monte Carlo over years)."""
    import warnings

    values = np.asarray(values, float)
    masked = np.where(np.isfinite(values), values, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column gives NaN, as stated
        pct = np.nanpercentile(masked, PERCENTILES, axis=0)
    return {f"p{p:02d}": row for p, row in zip(PERCENTILES, pct, strict=True)}


@dataclass(frozen=True)
class ScaledTrajectory:
    """A scenario trajectory multiplied by a per-sample factor (sample / registry default), clipped to the
    parameter's allowed range: how a sampled parameter that follows a trajectory is sampled (the rule of
    :mod:`terawatt.studies.uncertainty`). Evaluates like a trajectory, to shape (N, Y)."""

    name: str
    base: Any
    factor: np.ndarray

    def values(self, years: Any, base_value: Any = None) -> np.ndarray:
        """The trajectory's path over ``years`` times each sample's factor [parameter unit], shape (N, Y)."""
        return scaled_value(self.name, self.base.values(years, base_value), np.asarray(self.factor)[:, None])


def sampled_scenario(scenario: Scenario, rows: dict[str, np.ndarray], scaled: Iterable[str]) -> Scenario:
    """``scenario`` carrying the sampled rows: direct values as N-sample overrides, and for each parameter in
    ``scaled`` its trajectory times ``row / registry default``."""
    scaled = set(scaled)
    direct = {k: v for k, v in rows.items() if k not in scaled}
    sc = scenario.with_overrides(direct) if direct else scenario
    if scaled:
        registry = load_registry()
        trajectories = dict(sc.trajectories)
        for name in scaled:
            trajectories[name] = ScaledTrajectory(name, trajectories[name], rows[name] / float(registry[name].default))
        sc = replace(sc, trajectories=trajectories)
    return sc


@dataclass(frozen=True)
class BuildOutMonteCarlo:
    """N build-out trajectories: ``data[field]`` of shape (N, Y) for each of :data:`FIELDS` (binding constraints as
    integer codes into the build-out's limit names), the sampled ``inputs`` (N,) and their summaries."""

    scenario: str
    n: int
    seed: int
    sampler: str
    years: np.ndarray
    space: UncertaintySpace
    data: dict[str, np.ndarray]
    inputs: dict[str, np.ndarray]
    out: Path | None = None

    def report_years(self) -> list[int]:
        """The years of :data:`REPORT_YEARS` inside the run's span."""
        return [y for y in REPORT_YEARS if self.years[0] <= y <= self.years[-1]]

    def _col(self, year: int) -> int:
        if not self.years[0] <= year <= self.years[-1]:
            raise ValueError(f"{year} is outside the run's years {int(self.years[0])}-{int(self.years[-1])}")
        return int(year - self.years[0])

    def bands(self, field: str) -> dict[str, np.ndarray]:
        """:func:`percentile_bands` of ``field`` over the samples, per year (for fan charts)."""
        return percentile_bands(self.data[field])

    def percentiles(self, field: str, years: Iterable[int] | None = None) -> dict[int, dict[str, float | None]]:
        """``{year: {"p05": ..., ..., "p95": ...}}`` of ``field`` in ``years`` (default: :meth:`report_years`)."""
        chosen = self.report_years() if years is None else list(years)
        return {int(y): _pct(np.asarray(self.data[field][:, self._col(y)], float)) for y in chosen}

    def binding_shares(self, side: str = "orbit") -> dict[int, dict[str, float]]:
        """``{year: {constraint: share of samples in which it binds}}`` for ``side`` (``orbit`` | ``ground``); each
        year's shares sum to 1."""
        if side not in ("orbit", "ground"):
            raise ValueError(f"side must be 'orbit' or 'ground', got {side!r}")
        field = f"{side}_binding"
        labels = _limits(field)
        codes = np.asarray(self.data[field], int)
        out = {}
        for j, year in enumerate(self.years):
            counts = np.bincount(codes[:, j], minlength=len(labels))
            out[int(year)] = {name: float(c) / self.n for name, c in zip(labels, counts, strict=True)}
        return out

    def summary(self) -> dict[str, dict[int, dict[str, float | None]]]:
        """Percentiles of each field of :data:`SUMMARY` in the report years."""
        return {field: self.percentiles(field) for field in SUMMARY}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: options, sampled parameters, percentiles in the report years, binding shares per year."""
        out: dict[str, Any] = {
            "scenario": self.scenario, "study": "buildout", "n": self.n, "seed": self.seed, "sampler": self.sampler,
            "years": [int(self.years[0]), int(self.years[-1])], "report_years": self.report_years(),
            "sampled": [u.to_dict() for u in self.space.uncertainties], "fixed": list(self.space.fixed),
            "percentiles": {k: {str(y): v for y, v in rows.items()} for k, rows in self.summary().items()},
            "units": dict(SUMMARY),
            "binding_shares": {side: {str(y): {k: v for k, v in shares.items() if v > 0}
                                      for y, shares in self.binding_shares(side).items()}
                               for side in ("orbit", "ground")},
        }
        if self.out is not None:
            out["out"] = str(self.out)
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per (sample, year): the kept fields (binding constraints by name) and the sampled inputs."""
        import pandas as pd

        n, y = self.data["orbit_gw_total"].shape
        index = pd.MultiIndex.from_product([np.arange(n), self.years], names=["sample", "year"])
        columns: dict[str, Any] = {}
        for field in FIELDS:
            values = self.data[field].reshape(-1)
            columns[field] = np.asarray(_limits(field), dtype=object)[values] if field in BINDINGS else values
        for name, values in self.inputs.items():
            columns[name] = np.repeat(np.asarray(values), y)
        frame = pd.DataFrame(columns, index=index)
        registry = load_registry()
        frame.attrs["units"] = {**{f: UNITS.get(f, "-") for f in FIELDS},
                                **{k: registry[k].unit for k in self.inputs if k in registry}}
        return frame


@dataclass(frozen=True)
class BuildOutTask:
    """One chunk of trajectories, rows ``start:stop``, over ``first_year``..``last_year`` (picklable: a backend may
    run it in another process or on a cluster)."""

    scenario: Scenario
    design: SampleDesign
    scaled: tuple[str, ...]
    first_year: int
    last_year: int
    index: int
    start: int
    stop: int


def simulate_chunk(task: BuildOutTask) -> dict[str, np.ndarray]:
    """Rows ``task.start:task.stop``: the kept build-out fields, each (m, Y), and the inputs (``input:NAME``),
    simulated by the fixed blocks of :data:`BATCH` sample indices that the rows overlap."""
    from terawatt.studies.buildout import buildout

    parts = []
    shape_years = task.last_year - task.first_year + 1
    for a in range(task.start - task.start % BATCH, task.stop, BATCH):
        b = min(task.design.n, a + BATCH)
        rows = task.design.rows(a, b)
        result = buildout(sampled_scenario(task.scenario, rows, task.scaled), task.first_year, task.last_year, FIELDS)
        keep = slice(max(task.start, a) - a, min(task.stop, b) - a)
        whole = keep == slice(0, b - a)  # the block's own arrays serve as they are (the build-out returns copies)
        data = {}
        for f in FIELDS:
            values = np.asarray(result.data[f])
            data[f] = values if whole and values.shape == (b - a, shape_years) else np.broadcast_to(
                values, (b - a, shape_years))[keep].copy()
        parts.append({**data, **{f"input:{k}": np.asarray(v, float)[keep] for k, v in rows.items()}})
    return _joined(parts)


def _joined(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The parts' arrays joined along the samples (a single part as it is)."""
    return parts[0] if len(parts) == 1 else {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _to_columns(part: dict[str, np.ndarray], years: np.ndarray, lo: int) -> dict[str, np.ndarray]:
    """A chunk as flat Parquet columns: ``sample``, ``field@year`` (binding constraints by name), the inputs."""
    m = len(part["orbit_gw_total"])
    out: dict[str, np.ndarray] = {"sample": np.arange(lo, lo + m, dtype=np.int64)}
    for field in FIELDS:
        labels = np.asarray(_limits(field), dtype=object) if field in BINDINGS else None
        for j, year in enumerate(years):
            col = part[field][:, j]
            out[f"{field}@{int(year)}"] = labels[col] if labels is not None else col
    for key, values in part.items():
        if key.startswith("input:"):
            out[key.removeprefix("input:")] = values
    return out


def _from_columns(columns: dict[str, np.ndarray], years: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
    """The inverse of :func:`_to_columns` (a chunk read back from the sink)."""
    part: dict[str, np.ndarray] = {}
    for field in FIELDS:
        cols = [columns[f"{field}@{int(y)}"] for y in years]
        if field in BINDINGS:
            code = {name: i for i, name in enumerate(_limits(field))}
            unknown = {str(v) for c in cols for v in c if v not in code}
            if unknown:
                raise ScenarioError([FieldError("--out", f"the result folder names constraints this version does "
                                                         f"not know ({', '.join(sorted(unknown))}): use a new folder")])
            cols = [np.array([code[v] for v in c], dtype=int) for c in cols]
        part[field] = np.column_stack(cols)
    for name in names:
        part[f"input:{name}"] = np.asarray(columns[name], float)
    return part


def montecarlo_buildout(
    scenario: Scenario,
    n: int = 10000,
    seed: int = 0,
    sampler: str = "lhs",
    start: int | None = None,
    end: int | None = None,
    fixed: Iterable[str] = (),
    out: str | Path | None = None,
    chunk_size: int = CHUNK,
    progress: Progress | None = None,
    backend: str | Backend = "serial",
    workers: int | None = None,
) -> BuildOutMonteCarlo:
    """Sample the uncertainties of ``scenario`` ``n`` times and simulate the build-out of each sample.

    Parameters
    ----------
    scenario
        The loaded scenario (with its ``uncertainty:`` block, if any).
    n, seed, sampler
        Sample count, seed (>= 0) and ``random`` | ``lhs`` | ``sobol``.
    start, end
        First and last calendar year [yr] (default :data:`SPAN`; give both or neither).
    fixed
        Parameters fixed by ``--set`` (not sampled).
    out
        A folder for one Parquet file per chunk and a manifest; rerunning with the same arguments resumes.
    chunk_size
        Samples per chunk (one Parquet file each; results do not depend on it). Memory is bounded by :data:`BATCH`;
        a multiple of it wastes nothing (a chunk that cuts a block simulates the whole block).
    progress
        Called as ``progress(samples_done, n)`` after each chunk.
    backend, workers
        ``"serial"`` (in-process), ``"processes"`` (``workers`` local processes) or a
        :class:`~terawatt.studies.population.Backend`; results do not depend on it.

    Raises
    ------
    ScenarioError
        Bad options or uncertainty block (every field at once), a result folder of another run, or an input the
        build-out refuses (e.g. no launch pads).
    """
    from terawatt.trajectory import year_span_errors

    errors = check_sampler(sampler, n, seed) + out_errors(out)
    if (start is None) != (end is None):
        errors.append(FieldError("--from/--to", "give both the first and the last year"))
    start, end = (SPAN if start is None or end is None else (start, end))
    spans = year_span_errors(start, end)
    errors.extend(spans)
    if not errors and int(n) * (int(end) - int(start) + 1) > MAX_SAMPLE_YEARS:
        errors.append(FieldError("-n", f"{int(n):,} trajectories of {int(end) - int(start) + 1} years are "
                                       f"{int(n) * (int(end) - int(start) + 1):,} sample-years held in memory (with "
                                       f"--out too), more than the {MAX_SAMPLE_YEARS:,} a run takes (~0.22 GB per "
                                       "million)"))
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        errors.append(FieldError("--chunk-size", f"samples per chunk must be an integer >= 1, got {chunk_size!r}"))
    try:
        make_backend(backend, workers)
    except ScenarioError as exc:
        errors.extend(exc.errors)
    try:
        space = uncertainty_space(scenario, fixed)
    except ScenarioError as exc:
        errors.extend(exc.errors)
        space = None
    if errors:
        raise ScenarioError(errors)
    space.require_uncertain()
    n, chunk_size = int(n), int(chunk_size)
    design = SampleDesign(space, n, int(seed), sampler)
    scaled = tuple(space.scaled)
    years = np.arange(start, end + 1)
    chunks = [(i, lo, min(n, lo + chunk_size)) for i, lo in enumerate(range(0, n, chunk_size))]
    engine = make_backend(backend, workers)
    sink = None
    if out is not None:
        spec = {"study": "buildout", "scenario": scenario_spec(scenario), "rows": design.spec(),
                "years": [int(start), int(end)], "fields": list(FIELDS), "scaled": list(scaled)}
        sink = ParquetSink(Path(out), spec, n, chunk_size).open()
    resumed = set(sink.done) if sink is not None else set()
    parts = {i: _from_columns(sink.read(i), years, space.names) for i, _, _ in chunks if i in resumed}
    done = sum(hi - lo for i, lo, hi in chunks if i in resumed)
    if progress:
        progress(done, n)
    tasks = [BuildOutTask(scenario, design, scaled, int(start), int(end), i, lo, hi) for i, lo, hi in chunks
             if i not in resumed]
    try:
        for task, part in run_tasks(engine, simulate_chunk, tasks, n, done, progress):
            if sink is not None:
                sink.write(task.index, _to_columns(part, years, task.start))
            parts[task.index] = part
    finally:
        if sink is not None:
            sink.close()  # the finished chunks into the manifest, the folder unlocked
    joined = _joined([parts[i] for i, _, _ in chunks])
    data = {f: joined[f] for f in FIELDS}
    for f in BINDINGS:
        data[f] = data[f].astype(int, copy=False)
    inputs = {name: joined[f"input:{name}"] for name in space.names}
    return BuildOutMonteCarlo(scenario.name, n, int(seed), sampler, years, space, data, inputs,
                              Path(out) if out is not None else None)
