"""A run as a plain function of scenario and seed (for notebooks, CLI and sweeps).

``run_scenario`` returns everything (the tidy table, the news, the deals);
``run_kpis`` returns only the end-of-run figures and a few series sampled every
k weeks, which is what a sweep needs: no tidy table is built, so a worker sends
back kilobytes instead of megabytes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.scenario import Scenario, load_scenario

SERIES_COLUMNS = ["step", "metric", "region", "partner", "product", "value"]


@dataclass(frozen=True)
class RunResult:
    scenario: Scenario
    seed: int
    steps: int
    timeseries: pd.DataFrame  # tidy: step, date, metric, region, partner, product, value
    events: pd.DataFrame  # the news log
    deals: pd.DataFrame  # the deal register
    kpis: dict[str, float]
    decisions: tuple = ()  # the decision log (sim.decisions.DecisionRecord), in order


@dataclass(frozen=True)
class SeriesRequest:
    """One metric to sample; ``None`` on an axis keeps every label of that axis."""

    metric: str
    region: str | None = None
    partner: str | None = None
    product: str | None = None


@dataclass(frozen=True)
class KpiResult:
    seed: int
    steps: int
    kpis: dict[str, float]
    series: pd.DataFrame  # long: step, metric, region, partner, product, value


class RunTimeout(Exception):
    """A run went past its time limit."""


def run_scenario(scenario: Scenario | str, seed: int | None = None, steps: int | None = None,
                 progress: bool = False, decisions: Sequence | None = None) -> RunResult:
    """Build the model, run ``steps`` weeks (default: the scenario's), return the results.

    ``decisions`` (a decision log) replays a run: no state decides, the logged
    decisions are applied in their weeks instead.
    """
    from sim.model import StandoffModel

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    model = StandoffModel(scenario, seed=seed)
    if decisions is not None:
        model.decisions.replay(list(decisions))
    model.run(steps, progress=progress)
    return RunResult(scenario=scenario, seed=model.seed, steps=model.steps,
                     timeseries=model.timeseries(), events=model.events(),
                     deals=model.diplomacy.register(), kpis=model.kpis(),
                     decisions=tuple(model.decisions.log))


def run_kpis(scenario: Scenario, seed: int | None = None, steps: int | None = None,
             series: Sequence[SeriesRequest] = (), every: int = 1,
             time_limit_s: float | None = None) -> KpiResult:
    """End-of-run KPIs and ``series`` sampled every ``every`` steps (step 0 included).

    ``time_limit_s`` is checked after each week; past it, ``RunTimeout`` is raised.
    """
    from sim.model import StandoffModel

    started = time.monotonic()
    from sim.kpis import KPI_METRICS

    model = StandoffModel(scenario, seed=seed,
                          metrics={*KPI_METRICS, *(request.metric for request in series)})
    total = scenario.steps if steps is None else steps
    for _ in range(total):
        model.step()
        if time_limit_s is not None and time.monotonic() - started > time_limit_s:
            raise RunTimeout(f"past the time limit of {time_limit_s:g} s after "
                             f"{model.steps} of {total} weeks")
    frames = [sampled_series(model, request, every) for request in series]
    table = (pd.concat(frames, ignore_index=True) if frames
             else pd.DataFrame({c: [] for c in SERIES_COLUMNS}))
    return KpiResult(seed=model.seed, steps=model.steps, kpis=model.kpis(), series=table)


def series_labels(model_or_scenario, metric: str) -> dict[str, tuple[str, ...]]:
    """Labels of each axis of ``metric``: region, partner (region codes), product."""
    from sim.recorder import METRICS

    spec = METRICS[metric]
    regions = tuple(model_or_scenario.regions)
    if spec.products is not None:
        products = spec.products
    else:
        products = tuple(model_or_scenario.recorder.labels.get(metric, ()))
    labels = {"region": regions, "partner": regions, "product": products}
    return {axis: labels[axis] for axis in spec.axes}


def sampled_series(model, request: SeriesRequest, every: int = 1) -> pd.DataFrame:
    """One metric of a finished run, every ``every`` steps, as a long table."""
    from sim.recorder import METRICS, axis_columns

    spec = METRICS[request.metric]
    data = model.recorder.stacked(request.metric)[::every]
    steps = np.asarray(model.recorder.steps)[::every]
    labels = series_labels(model, request.metric)
    chosen = []
    for axis in spec.axes:
        wanted = getattr(request, axis)
        names = labels[axis]
        chosen.append([i for i, name in enumerate(names) if wanted in (None, name)])
    grids = np.meshgrid(*[np.array(c, dtype=int) for c in chosen], indexing="ij")
    combos = np.stack([g.ravel() for g in grids], axis=1) if grids else np.zeros((1, 0), int)
    values = data[(slice(None), *combos.T)] if len(spec.axes) else data[:, np.newaxis]
    columns = {"step": np.repeat(steps, values.shape[1]), "metric": request.metric,
               **axis_columns(spec, labels, combos, values.shape[0]), "value": values.ravel()}
    return pd.DataFrame(columns)[SERIES_COLUMNS]
