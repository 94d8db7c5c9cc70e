"""A run as a plain function of scenario and seed (for notebooks, CLI and sweeps)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.scenario import Scenario, load_scenario


@dataclass(frozen=True)
class RunResult:
    scenario: Scenario
    seed: int
    steps: int
    timeseries: pd.DataFrame  # tidy: step, date, metric, region, partner, product, value
    events: pd.DataFrame  # the news log
    deals: pd.DataFrame  # the deal register
    kpis: dict[str, float]


def run_scenario(scenario: Scenario | str, seed: int | None = None, steps: int | None = None,
                 progress: bool = False) -> RunResult:
    """Build the model, run ``steps`` weeks (default: the scenario's), return the results."""
    from sim.model import StandoffModel

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    model = StandoffModel(scenario, seed=seed)
    model.run(steps, progress=progress)
    return RunResult(scenario=scenario, seed=model.seed, steps=model.steps,
                     timeseries=model.timeseries(), events=model.events(),
                     deals=model.diplomacy.register(), kpis=model.kpis())
