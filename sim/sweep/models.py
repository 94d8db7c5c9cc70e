"""What one run of a sweep evaluates: the scenario model, or a plain Python function.

Both are picklable callables ``(params, seed, time_limit_s) -> Outcome``; a
worker receives one once and calls it for every run it is given. ``run_one``
wraps a call: errors and time-outs become a recorded status, never an abort.
"""

from __future__ import annotations

import importlib
import math
import signal
import threading
import time
import traceback
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.runner import RunTimeout, SeriesRequest, run_kpis
from sim.scenario import Scenario
from sim.scenario.loader import override_scenario
from sim.sweep.fields import coerce


@dataclass(frozen=True)
class Outcome:
    values: dict[str, float]
    series: pd.DataFrame | None = None


@dataclass(frozen=True)
class ScenarioModel:
    """Runs the base scenario with the run's parameters set by key path (validated)."""

    base: Scenario
    kinds: Mapping[str, str]  # key path -> int, float, str, bool
    outcomes: tuple[str, ...]
    steps: int | None = None
    series: tuple[SeriesRequest, ...] = ()
    every: int = 4

    def __call__(self, params: Mapping[str, Any], seed: int,
                 time_limit_s: float | None = None) -> Outcome:
        overrides = {key: coerce(self.kinds[key], value) for key, value in params.items()}
        scenario = override_scenario(self.base, overrides, source="parameters")
        result = run_kpis(scenario, seed=seed, steps=self.steps, series=self.series,
                          every=self.every, time_limit_s=time_limit_s)
        values = {name: float(result.kpis.get(name, math.nan)) for name in self.outcomes}
        return Outcome(values, result.series if self.series else None)


@dataclass(frozen=True)
class FunctionModel:
    """A Python function ``"module:callable"`` of (params, seed) returning outcome values."""

    target: str
    outcomes: tuple[str, ...]

    def __call__(self, params: Mapping[str, Any], seed: int,
                 time_limit_s: float | None = None) -> Outcome:
        values = resolve_function(self.target)(dict(params), seed)
        if not isinstance(values, Mapping):
            raise TypeError(f"{self.target} returned {type(values).__name__}, not a dict")
        missing = [name for name in self.outcomes if name not in values]
        if missing:
            raise KeyError(f"{self.target} returned no {', '.join(missing)}")
        return Outcome({name: float(values[name]) for name in self.outcomes})


def resolve_function(target: str):
    """The callable named by ``"module:callable"``; ``ValueError`` saying why not."""
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f'expected "module:callable", got {target!r}')
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import {module_name!r} ({exc})") from None
    function = getattr(module, attribute, None)
    if not callable(function):
        raise ValueError(f"{module_name!r} has no callable {attribute!r}")
    return function


def run_one(model, run: Mapping[str, Any], parameters: tuple[str, ...],
            time_limit_s: float | None) -> tuple[dict, pd.DataFrame | None]:
    """One run as a result row (status ok, error or timeout) and its sampled series."""
    params = {key: run[key] for key in parameters}
    started = time.monotonic()
    row = {"run_id": run["run_id"], "status": "ok", "error": "", "traceback": ""}
    outcome = None
    try:
        with _alarm(time_limit_s):
            outcome = model(params, int(run["seed"]), time_limit_s)
    except RunTimeout as exc:
        row.update(status="timeout", error=str(exc))
    except Exception as exc:  # a failing run is recorded; the sweep goes on
        row.update(status="error", error=f"{type(exc).__name__}: {exc}"[:2000],
                   traceback=traceback.format_exc()[-8000:])
    seconds = time.monotonic() - started
    if row["status"] == "ok" and time_limit_s is not None and seconds > time_limit_s:
        row.update(status="timeout",
                   error=f"took {seconds:.1f} s, past the time limit of {time_limit_s:g} s")
        outcome = None
    row["seconds"] = seconds
    row.update(outcome.values if outcome else {})
    series = outcome.series if outcome else None
    if series is not None:
        series = series.assign(run_id=run["run_id"])
    return row, series


@contextmanager
def _alarm(seconds: float | None):
    """Interrupt the run after ``seconds`` where signals can (a worker's main thread)."""
    usable = (seconds is not None and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def _expired(signum, frame):
        raise RunTimeout(f"past the time limit of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
