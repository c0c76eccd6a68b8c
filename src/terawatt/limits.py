"""Memory limits: estimate what an evaluation needs before it starts and refuse, naming the limit, rather than
end in a raw ``MemoryError`` (or the machine swapping) half-way through.

The estimate is the number of array elements the model evaluates (samples, times years for a timeline or a
build-out) times :data:`BYTES_PER_ELEMENT`; it must stay under :data:`MEMORY_FRACTION` of the memory available
now (``MemAvailable`` on Linux, the physical memory elsewhere), or under ``TERAWATT_MEMORY_LIMIT_GB`` if set.
"""

from __future__ import annotations

import os

from terawatt.errors import FieldError, ScenarioError

#: Peak memory of one evaluated element [bytes]: measured ~2,000 bytes per sample (tracemalloc, suncatcher with
#: two sampled parameters, 20,000 and 100,000 samples) and ~850 more per trajectory-year in a build-out; taken
#: with 1.5x headroom for scenarios that sample many parameters (a million samples then need ~3 GB).
BYTES_PER_ELEMENT = 3_000
#: Share of the available memory one evaluation may use.
MEMORY_FRACTION = 0.8
#: Below this estimate [bytes] (about 5,600 samples) the available memory is not read: so little cannot exhaust
#: a machine that runs the interpreter, and reading ``/proc/meminfo`` would be most of a scalar evaluation's
#: time. An explicit ``TERAWATT_MEMORY_LIMIT_GB`` is always applied.
UNCHECKED_BYTES = 16 * 2**20


def available_bytes() -> int:
    """Memory available to this process now [bytes] (``TERAWATT_MEMORY_LIMIT_GB`` overrides)."""
    override = os.environ.get("TERAWATT_MEMORY_LIMIT_GB")
    if override:
        try:
            return int(float(override) * 1e9)
        except ValueError:
            pass
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 8 * 10**9


def check_memory(elements: int, what: str = "samples") -> None:
    """Raise a :class:`ScenarioError` if evaluating ``elements`` array elements would not fit in memory."""
    need = elements * BYTES_PER_ELEMENT
    if need <= UNCHECKED_BYTES and not os.environ.get("TERAWATT_MEMORY_LIMIT_GB"):
        return
    limit = int(available_bytes() * MEMORY_FRACTION)
    if need > limit:
        most = max(1, limit // BYTES_PER_ELEMENT)
        raise ScenarioError(
            [
                FieldError(
                    "<samples>",
                    f"{elements:,} {what} need about {need / 1e9:.3g} GB, more than the limit of {limit / 1e9:.3g} GB "
                    f"({MEMORY_FRACTION:.0%} of the memory available): evaluate at most {most:,} at a time",
                )
            ]
        )
