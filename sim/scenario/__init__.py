"""Scenario schema and loading."""

from sim.scenario.loader import ScenarioError, available_scenarios, load_scenario, validate
from sim.scenario.schema import Scenario

__all__ = ["Scenario", "ScenarioError", "available_scenarios", "load_scenario", "validate"]
