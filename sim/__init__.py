"""Rare Earth Standoff: an agent-based model of the rare-earth supply chain.

Notebook use::

    from sim import load_scenario, run_scenario
    scenario = load_scenario("baseline_2025", overrides={"demand.growth_percent_per_year": 8})
    result = run_scenario(scenario, seed=1, steps=104)
    result.timeseries.query("metric == 'price' and product == 'ndpr_oxide'")
"""

from sim.runner import RunResult, run_scenario
from sim.scenario import Scenario, ScenarioError, available_scenarios, load_scenario

__version__ = "0.1.0"

__all__ = ["RunResult", "Scenario", "ScenarioError", "StandoffModel", "available_scenarios",
           "load_scenario", "run_scenario"]


def __getattr__(name):
    if name == "StandoffModel":
        from sim.model import StandoffModel

        return StandoffModel
    raise AttributeError(name)
