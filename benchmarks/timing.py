"""Shared timing helpers for the benchmarks: our model and Mesa's reference."""

from __future__ import annotations

import statistics
import time

from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

STEPS = 520


def time_steps(model, steps: int = STEPS) -> float:
    """Seconds to advance ``model`` by ``steps`` steps."""
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    return time.perf_counter() - start


def time_boltzmann(agents: int, steps: int = STEPS) -> float:
    """Seconds for Mesa's Boltzmann wealth model with ``agents`` agents."""
    return time_steps(BoltzmannWealth(BoltzmannScenario(n=agents, rng=1)), steps)


def compare(time_ours, repeats: int) -> tuple[float, float, int]:
    """Median seconds of ``time_ours()`` (returning seconds, agents) and of Boltzmann
    with the same agent count, alternated in one process; and that agent count."""
    ours, theirs = [], []
    agents = 0
    for _ in range(repeats):
        seconds, agents = time_ours()
        ours.append(seconds)
        theirs.append(time_boltzmann(agents))
    return statistics.median(ours), statistics.median(theirs), agents
