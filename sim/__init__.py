"""Rare Earth Standoff: an agent-based model of the rare-earth supply chain.

Notebook use::

    from sim import load_scenario, run_scenario
    scenario = load_scenario("baseline_2025", overrides={"demand.growth_percent_per_year": 8})
    result = run_scenario(scenario, seed=1, steps=104)
    result.timeseries.query("metric == 'price' and product == 'ndpr_oxide'")

The policy changes a run can be given mid-way (``model.apply_change``) are the
lever classes of ``sim.scenario.levers``, importable from here: ``Tariff``,
``ExportQuota``, ``Licensing`` and the rest. A human state's moves go in a
``Decision`` (``model.submit``), checked against what that state may do.
"""

from sim.decisions import Decision, DecisionRefused
from sim.runner import RunResult, run_scenario
from sim.scenario import Scenario, ScenarioError, available_scenarios, load_scenario
from sim.scenario.levers import (
    Announcement,
    CapacityInvestment,
    Deal,
    DemandShock,
    Disruption,
    ExportDuty,
    ExportQuota,
    Licensing,
    Offer,
    PriceFloor,
    Stockpile,
    Subsidy,
    Tariff,
    Threat,
)

__version__ = "0.1.0"

__all__ = ["Announcement", "CapacityInvestment", "Deal", "Decision", "DecisionRefused",
           "DemandShock", "Disruption",
           "ExportDuty", "ExportQuota", "Licensing", "Offer", "PriceFloor", "RunResult",
           "Scenario", "ScenarioError", "StandoffModel", "Stockpile", "Subsidy", "Tariff",
           "Threat", "available_scenarios", "load_scenario", "run_scenario"]


def __getattr__(name):
    if name == "StandoffModel":
        from sim.model import StandoffModel

        return StandoffModel
    raise AttributeError(name)
