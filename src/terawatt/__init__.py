"""terawatt: AI compute in orbit versus on the ground, from one satellite to a terawatt fleet.

Python API::

    import terawatt
    result = terawatt.evaluate("suncatcher")            # a shipped scenario, a path, or None for defaults
    result["comparison.cost_ratio"]
    scenario = terawatt.load_scenario("baseline-2026", ["orbit.altitude_km=550"])
    terawatt.timeline("musk-2026", start=2026, end=2045).to_frame()      # per-year costs (pandas)
    terawatt.breakeven("skeptic", "launch.price_usd_per_kg", year=2035).value
    terawatt.buildout("musk-terawatt").to_frame()                       # the build-out year by year
    terawatt.montecarlo("musk-2026", n=10000, start=2026, end=2045).crossover_summary()  # uncertainty
    terawatt.load_montecarlo("runs/musk").to_xarray()    # a run saved with out=DIR (--out DIR)

The names are imported on first use, so ``import terawatt`` (and the command line's ``--help``) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> module that defines it (imported lazily, PEP 562).
_LAZY = {
    "evaluate": "terawatt.model",
    "Result": "terawatt.results",
    "Scenario": "terawatt.scenario",
    "ScenarioError": "terawatt.scenario",
    "load_scenario": "terawatt.scenario",
    "timeline": "terawatt.api",
    "breakeven": "terawatt.api",
    "buildout": "terawatt.api",
    "montecarlo": "terawatt.api",
    "load_montecarlo": "terawatt.api",
}

__all__ = ["Result", "Scenario", "ScenarioError", "breakeven", "buildout", "evaluate", "load_montecarlo",
           "load_scenario", "montecarlo", "timeline", "__version__"]

if TYPE_CHECKING:
    from terawatt.api import breakeven, buildout, load_montecarlo, montecarlo, timeline
    from terawatt.model import evaluate
    from terawatt.results import Result
    from terawatt.scenario import Scenario, ScenarioError, load_scenario


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'terawatt' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
