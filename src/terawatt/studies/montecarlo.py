"""Monte Carlo: sample every uncertain input of a scenario, evaluate the population, summarise the outcomes.

One calendar year (or the base values): percentiles of the main outputs and P(orbit cheaper). Over years: P(orbit
cheaper) per year and the distribution of the crossover year (the first year with orbit/ground <= 1).

Probabilities count every sample: an infeasible design (NaN costs, with its ``orbital.infeasible_reason``) is not
"orbit cheaper" and never crosses; percentiles of an output are over the samples where it is finite, with the
count of those that are not.

Memory: without ``out`` the samples are held in memory, up to :data:`MAX_IN_MEMORY` samples (more is refused:
give ``out``). With ``out`` they are streamed to Parquet (one file per chunk) and never all held: the result reads
them back from the folder, one column or one chunk at a time (probabilities and the crossover year chunk by chunk,
percentiles as exact order statistics found by DuckDB), so N is bounded by disk. :func:`load_montecarlo` opens a
saved run; both kinds of result give the same numbers, bitwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt.errors import FieldError, ScenarioError
from terawatt.scenario import Scenario
from terawatt.studies.population import Backend, ParquetSink, Progress, evaluate_population, nonempty, out_errors
from terawatt.studies.uncertainty import BLOCK, SampleDesign, UncertaintySpace, check_sampler, model_uncertainty_space

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from terawatt.studies.samples import SampleStore

PERCENTILES = (5, 25, 50, 75, 95)
RATIO = "comparison.cost_ratio"
REASON = "orbital.infeasible_reason"
#: Outputs summarised for one year: costs per GPU-hour, the ratio and a few design outputs.
MAIN_OUTPUTS = (
    "orbital.cost_per_gpu_hour_usd",
    "terrestrial.cost_per_gpu_hour_usd",
    RATIO,
    "orbital.satellite_mass_kg",
    "orbital.specific_power_w_per_kg",
    "orbital.radiator_area_m2",
    "comparison.breakeven_launch_price_usd_per_kg",
)
#: Outputs kept per year over years.
YEAR_OUTPUTS = (RATIO, "orbital.cost_per_gpu_hour_usd", "terrestrial.cost_per_gpu_hour_usd")
CROSSOVER_BY = (2029, 2030)
#: Most samples held in memory (no ``out`` folder): ~1 kB per sample over 20 years, so about 1 GB. Above it a run
#: must stream to a folder (``--out DIR``), where N is bounded by disk.
MAX_IN_MEMORY = 1_000_000


def _pct(values: np.ndarray) -> dict[str, float | None]:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return {f"p{p:02d}": None for p in PERCENTILES}
    return {f"p{p:02d}": float(v) for p, v in zip(PERCENTILES, np.percentile(finite, PERCENTILES), strict=True)}


def inverted_cdf_rank(n: int, percentile: float) -> int:
    """0-based rank of ``numpy.percentile(x, percentile, method="inverted_cdf")`` among n sorted values (NumPy's
    own index arithmetic: ``n q - 1`` rounded up unless it is whole, clipped to [0, n - 1])."""
    index = n * np.true_divide(percentile, 100) - 1
    previous = np.floor(index)
    rank = int(previous if index - previous == 0 else previous + 1)
    return min(max(rank, 0), n - 1)


class StreamDigest:
    """The summaries of a run streamed to a folder, accumulated chunk by chunk as each is written (or read back,
    for the chunks a resumed run did not compute): exact percentiles (:class:`~terawatt.studies.order_statistics.
    StreamedPercentiles`) and counts, so that the result needs no second pass over the files. The same numbers as
    the summaries computed from the columns, bitwise; a percentile the stream could not settle is left to DuckDB.
    """

    def __init__(self, n: int, years: np.ndarray | None):
        from terawatt.studies.order_statistics import StreamedPercentiles

        self.n, self.years = int(n), years
        suffix = "" if years is None else f"@{int(years[0])}"
        self.summarised = {key: key + suffix for key in (MAIN_OUTPUTS if years is None else YEAR_OUTPUTS)}
        self.percentiles = {column: StreamedPercentiles(PERCENTILES) for column in self.summarised.values()}
        self.ratios = [RATIO] if years is None else [f"{RATIO}@{int(y)}" for y in years]
        self.reason = REASON + suffix
        self.cheaper = dict.fromkeys(self.ratios, 0)
        self.infeasible = 0
        #: Samples whose first crossing is each year; the last entry: never in range.
        self.crossings = np.zeros(0 if years is None else len(years) + 1, np.int64)
        self.chunks: set[int] = set()

    @property
    def columns(self) -> list[str]:
        """The columns a chunk must have for :meth:`add`."""
        return list(dict.fromkeys([*self.summarised.values(), *self.ratios, self.reason]))

    def add(self, index: int, chunk: Mapping[str, np.ndarray]) -> None:
        """Take chunk ``index`` (once: a chunk given again is ignored)."""
        from terawatt.studies.timeline import crossover_year

        if index in self.chunks:
            return
        self.chunks.add(index)
        for column, streamed in self.percentiles.items():
            streamed.add(chunk[column])
        for key in self.ratios:
            self.cheaper[key] += int(np.count_nonzero(_cheaper(chunk[key])))
        self.infeasible += int(np.count_nonzero(nonempty(chunk[self.reason])))
        if self.years is not None:
            cross = crossover_year(self.years, np.column_stack([chunk[k] for k in self.ratios]))
            at = np.where(np.isnan(cross), len(self.years), cross - self.years[0]).astype(np.intp)
            self.crossings += np.bincount(at, minlength=len(self.years) + 1)

    def crossover_summary(self) -> dict[str, Any]:
        """As :meth:`MonteCarlo.crossover_summary`, from the counts."""
        years, counts = self.years, self.crossings
        below = np.cumsum(counts)  # samples crossing in or before each year (the last: all)
        out: dict[str, Any] = {}
        for p in (10, 50, 90):
            j = int(np.searchsorted(below, inverted_cdf_rank(self.n, p), side="right"))
            out[f"p{p}"] = int(years[j]) if j < len(years) else None
        for year in CROSSOVER_BY:
            k = int(np.clip(year - years[0] + 1, 0, len(years)))
            out[f"p_by_{year}"] = float(below[k - 1] if k else 0) / self.n
        out["p_never_in_range"] = float(counts[-1]) / self.n
        out["range"] = [int(years[0]), int(years[-1])]
        return out


@dataclass(frozen=True)
class MonteCarlo:
    """A Monte Carlo run: the samples (inputs and outputs, one row each) and their summaries."""

    scenario: str
    n: int
    seed: int
    sampler: str
    year: int | None
    years: np.ndarray | None
    space: UncertaintySpace
    columns: Mapping[str, np.ndarray]
    inputs: Mapping[str, np.ndarray]
    out: Path | None = None
    store: SampleStore | None = None
    digest: StreamDigest | None = None

    def _summaries(self) -> StreamDigest | None:
        """The run's streamed summaries: those kept while it streamed, or, for a run reopened from its folder
        (:func:`load_montecarlo`), found in one pass over the chunk files (the few columns summarised) the first
        time a summary is asked for; ``None`` for a run held in memory."""
        if self.digest is None and self.store is not None:
            digest = StreamDigest(self.n, self.years)
            for index, chunk in enumerate(self.store.iter_chunks(digest.columns)):
                digest.add(index, chunk)
            object.__setattr__(self, "digest", digest)  # a cache: the result is otherwise immutable
        return self.digest

    def _chunks(self, keys: Iterable[str]) -> Iterator[dict[str, np.ndarray]]:
        """The columns ``keys`` all at once (held in memory) or one chunk file at a time (streamed to ``out``)."""
        keys = list(keys)
        if self.store is None:
            yield {k: self.columns[k] for k in keys}
        else:
            yield from self.store.iter_chunks(keys)

    def _mean(self, keys: list[str], test: Any) -> np.ndarray:
        """Share of samples where ``test(column)`` holds, per key, counted chunk by chunk."""
        hits = np.zeros(len(keys))
        for chunk in self._chunks(keys):
            hits += [np.count_nonzero(test(chunk[k])) for k in keys]
        return hits / self.n

    @property
    def p_orbit_cheaper(self) -> float:
        """Share of samples with orbit/ground < 1 (one year; over years see :meth:`p_orbit_cheaper_by_year`)."""
        digest = self._summaries()
        if digest is not None:
            return digest.cheaper[RATIO] / self.n
        return float(self._mean([self._ratio_key()], _cheaper)[0])

    def _ratio_key(self) -> str:
        return RATIO if self.years is None else f"{RATIO}@{int(self.years[0])}"

    def ratio_matrix(self) -> np.ndarray:
        """Orbit/ground per sample and year, shape (N, Y) (over years only)."""
        if self.years is None:
            raise ValueError("ratio_matrix needs a run over years")
        return np.column_stack([self.columns[f"{RATIO}@{int(y)}"] for y in self.years])

    def p_orbit_cheaper_by_year(self) -> dict[int, float]:
        """{year: share of samples with orbit/ground < 1}."""
        if self.years is None:
            raise ValueError("p_orbit_cheaper_by_year needs a run over years")
        keys = [f"{RATIO}@{int(y)}" for y in self.years]
        digest = self._summaries()
        if digest is not None:
            return {int(y): digest.cheaper[k] / self.n for y, k in zip(self.years, keys, strict=True)}
        shares = self._mean(keys, _cheaper)
        return {int(y): float(p) for y, p in zip(self.years, shares, strict=True)}

    @property
    def crossover_years(self) -> np.ndarray:
        """First year with orbit/ground <= 1 per sample; NaN where none in range (as the timeline study)."""
        from terawatt.studies.timeline import crossover_year

        if self.years is None:
            raise ValueError("crossover_years needs a run over years")
        keys = [f"{RATIO}@{int(y)}" for y in self.years]
        parts = [crossover_year(self.years, np.column_stack([c[k] for k in keys])) for c in self._chunks(keys)]
        return np.concatenate(parts)

    def crossover_summary(self) -> dict[str, Any]:
        """P10/P50/P90 of the crossover year (None = beyond the range), P(by 2029), P(by 2030), P(never in range).

        Samples that never cross count as crossing after the last year, so a percentile lands on ``None`` when
        more than that share of samples never crosses.
        """
        digest = self._summaries()
        if digest is not None:
            return digest.crossover_summary()
        cross = self.crossover_years
        ranked = np.where(np.isnan(cross), np.inf, cross)
        out: dict[str, Any] = {}
        for p in (10, 50, 90):
            v = float(np.percentile(ranked, p, method="inverted_cdf"))
            out[f"p{p}"] = int(v) if np.isfinite(v) else None
        for year in CROSSOVER_BY:
            out[f"p_by_{year}"] = float(np.mean(ranked <= year))
        out["p_never_in_range"] = float(np.mean(np.isnan(cross)))
        out["range"] = [int(self.years[0]), int(self.years[-1])]
        return out

    def summary(self) -> dict[str, dict[str, Any]]:
        """Percentiles of each summarised output (of the first year over years) and the count not finite."""
        keys = MAIN_OUTPUTS if self.years is None else YEAR_OUTPUTS
        columns = {key: key if self.years is None else f"{key}@{int(self.years[0])}" for key in keys}
        if self.store is not None:  # exact order statistics, streamed (DuckDB over the files for the rest)
            found = self._streamed_percentiles()
            missing = [c for c in columns.values() if c not in found]
            if missing:
                found.update(self.store.percentiles(missing, PERCENTILES))
            out = {}
            for key, column in columns.items():
                values, not_finite = found[column]
                pct = ({f"p{p:02d}": None for p in PERCENTILES} if values is None else
                       {f"p{p:02d}": float(v) for p, v in zip(PERCENTILES, values, strict=True)})
                out[key] = {**pct, "not_finite": not_finite}
            return out
        out = {}
        for key, column in columns.items():
            values = np.asarray(self.columns[column], float)
            out[key] = {**_pct(values), "not_finite": int(np.sum(~np.isfinite(values)))}
        return out

    def _streamed_percentiles(self) -> dict[str, tuple[np.ndarray | None, int]]:
        """The percentiles the stream settled, as :meth:`SampleStore.percentiles` gives them."""
        digest = self._summaries()
        if digest is None:
            return {}
        found = {}
        for column, streamed in digest.percentiles.items():
            values = streamed.result()
            if values is not None or not streamed.finite:
                found[column] = (values, streamed.total - streamed.finite)
        return found

    def infeasible_share(self) -> float:
        """Share of samples whose orbital design is infeasible (base values or the one year)."""
        digest = self._summaries()
        if digest is not None:
            return digest.infeasible / self.n
        key = REASON if self.years is None else f"{REASON}@{int(self.years[0])}"
        return float(self._mean([key], lambda reason: reason != "")[0])

    def to_frame(self) -> pd.DataFrame:
        """One row per sample (index ``sample``): the sampled inputs, then the outputs (``key@year`` over years);
        units in ``frame.attrs["units"]``."""
        import pandas as pd

        from terawatt.outputs import unit_of
        from terawatt.params import load_registry

        data = {**self.inputs, **{k: v for k, v in self.columns.items() if k != "sample"}}
        frame = pd.DataFrame(data, index=pd.Index(self.columns["sample"], name="sample"))
        if self.years is not None:
            frame["crossover_year"] = self.crossover_years
        registry = load_registry()
        frame.attrs["units"] = {k: (registry[k].unit if k in registry else unit_of(k)) for k in frame.columns}
        return frame

    def to_xarray(self) -> xr.Dataset:
        """The samples as an ``xarray.Dataset``: dimension ``sample``, and ``year`` for the outputs over years
        (``key@year`` columns become one variable ``key`` of shape (sample, year)); ``crossover_year`` per sample
        over years; units in each variable's ``attrs["units"]``, the run's options in the dataset's ``attrs``."""
        import xarray as xr

        from terawatt.outputs import unit_of
        from terawatt.params import load_registry

        registry = load_registry()
        data: dict[str, Any] = {}
        for name in self.inputs:
            data[name] = ("sample", np.asarray(self.inputs[name]))
        per_year: dict[str, list[str]] = {}
        for name in self.columns:
            if name == "sample":
                continue
            key, at, _ = name.partition("@")
            if at and self.years is not None:
                per_year.setdefault(key, []).append(name)
            else:
                data[name] = ("sample", np.asarray(self.columns[name]))
        for key, names in per_year.items():
            data[key] = (("sample", "year"), np.column_stack([np.asarray(self.columns[c]) for c in names]))
        if self.years is not None:
            data["crossover_year"] = ("sample", self.crossover_years)
        coords = {"sample": np.asarray(self.columns["sample"])}
        if self.years is not None:
            coords["year"] = np.asarray(self.years, int)
        ds = xr.Dataset(data, coords=coords)
        for name in ds.data_vars:
            ds[name].attrs["units"] = registry[name].unit if name in registry else unit_of(name)
        ds.attrs.update({"scenario": self.scenario, "n": self.n, "seed": self.seed, "sampler": self.sampler,
                         "year": "" if self.year is None else int(self.year)})
        return ds

    def query(self, sql: str) -> pd.DataFrame:
        """SQL (DuckDB) over the samples of a run streamed to a folder: the view is named ``samples``."""
        if self.store is None:
            raise ValueError("query needs a run written to a folder (out=DIR)")
        return self.store.query(sql)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: options, sampled parameters, percentiles, probabilities (and the crossover)."""
        out: dict[str, Any] = {
            "scenario": self.scenario, "n": self.n, "seed": self.seed, "sampler": self.sampler,
            "year": self.year, "sampled": [u.to_dict() for u in self.space.uncertainties],
            "correlations": self.space.to_dict()["correlations"], "fixed": list(self.space.fixed),
            "percentiles": self.summary(), "infeasible_share": self.infeasible_share(),
        }
        if self.years is None:
            out["p_orbit_cheaper"] = self.p_orbit_cheaper
        else:
            out["years"] = [int(y) for y in self.years]
            out["p_orbit_cheaper_by_year"] = {str(k): v for k, v in self.p_orbit_cheaper_by_year().items()}
            out["crossover_year"] = self.crossover_summary()
        if self.out is not None:
            out["out"] = str(self.out)
        return out


def montecarlo(
    scenario: Scenario,
    n: int = 10000,
    seed: int = 0,
    sampler: str = "lhs",
    year: int | None = None,
    start: int | None = None,
    end: int | None = None,
    fixed: Iterable[str] = (),
    out: str | Path | None = None,
    backend: str | Backend = "serial",
    workers: int | None = None,
    chunk_size: int = BLOCK,
    progress: Progress | None = None,
    scheduler: str | None = None,
    overwrite: bool = False,
) -> MonteCarlo:
    """Sample the uncertainties of ``scenario`` ``n`` times and evaluate them (one year, or ``start``..``end``).

    Parameters
    ----------
    scenario
        The loaded scenario (with its ``uncertainty:`` block, if any).
    n, seed, sampler
        Sample count, seed (>= 0) and ``random`` | ``lhs`` | ``sobol``.
    year
        One calendar year [yr]; ``None`` with no ``start``/``end`` = the scenario's base values.
    start, end
        First and last calendar year [yr] of a run over years (crossover-year distribution).
    fixed
        Parameters fixed by ``--set`` (not sampled).
    out, backend, workers, chunk_size, progress, scheduler, overwrite
        As for :func:`terawatt.studies.population.evaluate_population`. With ``out`` the samples are streamed to
        the folder and not held in memory (the result reads them back); without it at most
        :data:`MAX_IN_MEMORY` samples are accepted.

    Raises
    ------
    ScenarioError
        Bad options or uncertainty block (every field at once), a result folder of another run.
    """
    from terawatt.trajectory import year_span_errors

    errors = check_sampler(sampler, n, seed) + out_errors(out)
    if out is None and not errors and n > MAX_IN_MEMORY:
        errors.append(FieldError("-n", f"{n:,} samples would be held in memory (at most {MAX_IN_MEMORY:,}): stream "
                                       "them to a folder with --out DIR (out= in Python; N is then bounded by disk)"))
    years = None
    if (start is None) != (end is None):
        errors.append(FieldError("--from/--to", "give both the first and the last year"))
    elif start is not None:
        if year is not None:
            errors.append(FieldError("--year", "give either --year or --from/--to"))
        spans = year_span_errors(start, end)
        errors.extend(spans)
        years = None if spans else np.arange(start, end + 1)
    try:
        space = model_uncertainty_space(scenario, fixed)
    except ScenarioError as exc:
        errors.extend(exc.errors)
        space = None
    if errors:
        raise ScenarioError(errors)
    space.require_uncertain()
    design = SampleDesign(space, int(n), int(seed), sampler)
    scaled = space.scaled
    outputs = (*(MAIN_OUTPUTS if years is None else YEAR_OUTPUTS), REASON)
    digest = StreamDigest(n, years) if out is not None else None
    population = evaluate_population(
        scenario, design, outputs, year=year, years=None if years is None else [int(y) for y in years],
        scaled=scaled, chunk_size=chunk_size, backend=backend, workers=workers, out=out, progress=progress,
        spec={"study": "montecarlo"}, overwrite=overwrite, scheduler=scheduler, keep=out is None,
        consume=None if digest is None else digest.add,
    )
    if out is not None:
        store = _stored(scenario.name, int(n), int(seed), sampler, year, years, space, Path(out))
        for index in population.resumed:  # chunks of an earlier run: read back the few columns summarised
            digest.add(index, ParquetSink(Path(out), {}, n, chunk_size).read(index, digest.columns))
        return replace(store, digest=digest)
    columns = population.columns
    inputs = {name: columns.pop(name) for name in space.names if name not in outputs}
    return MonteCarlo(scenario.name, int(n), int(seed), sampler, year, years, space, columns, inputs,
                      population.out)


def _cheaper(ratio: np.ndarray) -> np.ndarray:
    """orbit/ground < 1, false where NaN (an infeasible design is never cheaper)."""
    return np.asarray(ratio, float) < 1.0


def _stored(name: str, n: int, seed: int, sampler: str, year: int | None, years: np.ndarray | None,
            space: UncertaintySpace, folder: Path) -> MonteCarlo:
    """A result backed by the folder's files (columns read on demand)."""
    from terawatt.studies.samples import SampleStore, StoredColumns

    store = SampleStore.open(folder, what="--out")
    names = store.names
    inputs = [k for k in space.names if k in names]
    columns = StoredColumns(store, [k for k in names if k not in inputs])
    return MonteCarlo(name, n, seed, sampler, year, years, space, columns, StoredColumns(store, inputs), folder,
                      store)


def load_montecarlo(folder: str | Path) -> MonteCarlo:
    """Open a Monte Carlo run saved with ``out=DIR`` (``terawatt montecarlo ... --out DIR``): the same result as
    the run returned, its samples read from the folder on demand.

    Raises
    ------
    ScenarioError
        Not a result folder, an unfinished run (rerun its command to finish it) or another study's folder.
    """
    from terawatt.studies.samples import SampleStore

    store = SampleStore.open(folder)
    spec = store.spec
    rows = spec.get("rows") or {}
    if spec.get("study") != "montecarlo" or rows.get("kind") != "sample":
        raise ScenarioError([FieldError("DIR", f"{folder} holds a {spec.get('study', 'population')!r} run, not a "
                                               "Monte Carlo run")])
    years = None if spec.get("years") is None else np.asarray(spec["years"])
    space = UncertaintySpace.from_dict(rows["space"])
    return _stored(spec["scenario"]["name"], int(rows["n"]), int(rows["seed"]), rows["sampler"], spec.get("year"),
                   years, space, Path(folder))
