"""terawatt: AI compute in orbit versus on the ground, from one satellite to a terawatt fleet.

Python API::

    import terawatt
    result = terawatt.evaluate("suncatcher")            # a shipped scenario, a path, or None for defaults
    result["comparison.cost_ratio"]
    scenario = terawatt.load_scenario("baseline-2026", ["orbit.altitude_km=550"])
"""

from terawatt.model import evaluate
from terawatt.results import Result
from terawatt.scenario import Scenario, ScenarioError, load_scenario

__version__ = "0.1.0"
__all__ = ["Result", "Scenario", "ScenarioError", "evaluate", "load_scenario", "__version__"]
