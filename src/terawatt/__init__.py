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
    terawatt.sensitivity(method="sobol").to_frame()          # which inputs drive the cost ratio
    terawatt.discover("musk-2026", year=2035).to_frame()      # where orbit is cheaper (PRIM boxes)
    terawatt.montecarlo_buildout("musk-terawatt", n=10000).binding_shares("orbit")  # build-out uncertainty
    terawatt.optimize("baseline-2026").design                           # the best satellite design
    terawatt.reconcile("semianalysis-2026").top(3)                       # why a published model differs
    terawatt.claims("cheapest-36mo")[0].verdict                        # a public claim computed to a verdict
    terawatt.report("musk-2026", "report.html")                        # the report document (offline HTML)
    terawatt.load_montecarlo("runs/musk").to_xarray()    # a run saved with out=DIR (--out DIR)
    terawatt.twin("suncatcher", satellites=810, hours=24)               # operations twin (xarray Dataset)

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
    "sensitivity": "terawatt.api",
    "discover": "terawatt.api",
    "montecarlo_buildout": "terawatt.api",
    "optimize": "terawatt.api",
    "reconcile": "terawatt.api",
    "claims": "terawatt.api",
    "report": "terawatt.report",  # the package itself, callable as terawatt.api.report
    "load_montecarlo": "terawatt.api",
    "twin": "terawatt.twin",  # the package itself, callable as terawatt.twin.twin
}

__all__ = ["Result", "Scenario", "ScenarioError", "breakeven", "buildout", "claims", "discover", "evaluate",
           "load_montecarlo", "load_scenario", "montecarlo", "montecarlo_buildout", "optimize", "reconcile", "report",
           "sensitivity", "timeline", "twin", "__version__"]

if TYPE_CHECKING:
    from terawatt.api import (  # noqa: F401
        breakeven,
        buildout,
        claims,
        discover,
        load_montecarlo,
        montecarlo,
        montecarlo_buildout,
        optimize,
        reconcile,
        report,
        sensitivity,
        timeline,
    )
    from terawatt.model import evaluate
    from terawatt.results import Result
    from terawatt.scenario import Scenario, ScenarioError, load_scenario


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = import_module(_LAZY[name])
        value = module if module.__name__ == f"terawatt.{name}" else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'terawatt' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
