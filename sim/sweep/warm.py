"""Imported by the sweep's fork server: loads the model's compiled loops before workers fork.

The model's weekly rules are numba loops compiled once into ``__pycache__``;
each new process loads them on first use (about half a second). The fork
server imports this module, which builds the default scenario and runs one
week, so every worker forked from it starts with them loaded.
"""

from __future__ import annotations

from sim.model import StandoffModel
from sim.scenario import load_scenario


def warm() -> None:
    """Run one week of the default scenario: every compiled loop is then loaded."""
    StandoffModel(load_scenario("baseline_2025"), seed=0).step()


warm()
