"""Security and robustness limits of the dashboard (``terawatt serve``), in one place so that the README and the
tests quote the same numbers.

Every request is bounded before any model code runs: the HTTP body (:data:`MAX_REQUEST_BYTES`, Flask answers 413
above it), the page's query string (:data:`MAX_QUERY_CHARS`), the number of parameters and the length of each value,
the sample count of a Monte Carlo view and the span of years (the largest arrays a request can ask for), and the
number of heavy computations (Monte Carlo, build-out) running at once.
"""

from __future__ import annotations

#: Largest HTTP request body [bytes]; a Dash callback of this page is ~3 kB.
MAX_REQUEST_BYTES = 64 * 1024
#: Largest query string of a shared link [characters].
MAX_QUERY_CHARS = 4096
#: Longest value of one field [characters] (the longest valid number or name is ~25).
MAX_VALUE_CHARS = 64
#: Most Monte Carlo samples one view may ask for (a 20-year run of this many takes ~5 s on one core).
MAX_SAMPLES = 20_000
#: Longest span of years of a timeline or a build-out view [yr].
MAX_YEARS = 50
#: Heavy computations (Monte Carlo, build-out) running at once; more are refused with "busy".
MAX_HEAVY_JOBS = 2
#: Finished heavy computations kept for their tables' CSV downloads and for a link opened again.
KEPT_JOBS = 32
#: Rendered views whose tables are kept for CSV download.
KEPT_TABLES = 64
#: Samples evaluated between two progress reports of a Monte Carlo view.
PROGRESS_CHUNK = 1000
