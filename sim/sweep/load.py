"""From a spec file (or a spec built in code) to a ready sweep: model, runs, fingerprints.

Everything a user can get wrong is found here, before any run starts, with
one message per problem naming the key: the spec's own keys, unknown
parameter paths, values outside what the field allows (the lowest and highest
value the design will use are checked against the scenario's schema),
unknown KPIs and series.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from sim.runner import SeriesRequest, series_labels
from sim.scenario import Scenario, ScenarioError
from sim.scenario.loader import (
    load_scenario,
    override_scenario,
    read_toml,
    resolve,
    validation_messages,
)
from sim.sweep.design import DesignError, design_points, run_table
from sim.sweep.fields import coerce, kind_of
from sim.sweep.models import FunctionModel, ScenarioModel, resolve_function
from sim.sweep.spec import SweepSpec

RESERVED = {"run_id", "point", "replicate", "seed", "status", "error", "traceback", "seconds"}
MAX_CHECKED_VALUES = 50  # text values each checked; numbers: the lowest and the highest


class SpecError(ValueError):
    """A sweep spec could not be used. ``messages`` holds one line per problem."""

    def __init__(self, source: str, messages: list[str]):
        self.source = source
        self.messages = messages
        super().__init__("\n".join(f"{source}: {m}" for m in messages))


@dataclass(frozen=True)
class Sweep:
    """A validated spec with everything needed to run it."""

    spec: SweepSpec
    source: str
    model: ScenarioModel | FunctionModel
    runs: pd.DataFrame  # run_id, point, replicate, seed, one column per parameter
    unit: np.ndarray | None  # unit coordinates of sampled designs (for Morris)
    kinds: dict[str, str]  # parameter -> int, float, str, bool
    outcomes: tuple[str, ...]
    spec_hash: str
    scenario_hash: str

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(self.kinds)


def load_spec(path: str | Path) -> Sweep:
    """Read, validate and prepare a sweep spec file; ``SpecError`` naming every bad key."""
    path = Path(path)
    try:
        raw = read_toml(path, kind="sweep spec")
    except ScenarioError as exc:
        raise SpecError(str(path), exc.messages) from None
    return prepare(raw, base_dir=path.parent, source=str(path))


def prepare(spec: SweepSpec | Mapping[str, Any], base_dir: str | Path = ".",
            source: str = "<spec>") -> Sweep:
    """Validate a spec (a dict or ``SweepSpec``) against its scenario and build its runs."""
    if not isinstance(spec, SweepSpec):
        try:
            spec = SweepSpec.model_validate(dict(spec))
        except ValidationError as exc:
            raise SpecError(source, validation_messages(exc)) from None
    base_dir = Path(base_dir)
    try:
        points, unit = design_points(spec, base_dir)
    except DesignError as exc:
        raise SpecError(source, [str(exc)]) from None
    names = list(points.columns)
    problems = [f"parameters: {name!r} is a column name of the results; choose another"
                for name in names if name in RESERVED]
    if spec.function is not None:
        model, kinds, outcomes, scenario_hash = _function_model(spec, points, problems)
    else:
        model, kinds, outcomes, scenario_hash = _scenario_model(spec, points, base_dir,
                                                                problems)
    if problems:
        raise SpecError(source, problems)
    points = pd.DataFrame({name: [coerce(kinds[name], v) for v in points[name]]
                           for name in names})
    runs = run_table(points, spec)
    return Sweep(spec=spec, source=source, model=model, runs=runs, unit=unit, kinds=kinds,
                 outcomes=outcomes, spec_hash=_spec_hash(spec, points),
                 scenario_hash=scenario_hash)


def _function_model(spec: SweepSpec, points: pd.DataFrame, problems: list[str]):
    try:
        resolve_function(spec.function)
    except ValueError as exc:
        problems.append(f"function: {exc}")
    outcomes = tuple(spec.outcomes.kpis or ())
    if not outcomes:
        problems.append("outcomes.kpis: list the names of the values the function returns")
    kinds = {name: "str" if points[name].dtype == object else "float" for name in points}
    return FunctionModel(spec.function, outcomes), kinds, outcomes, ""


def _scenario_model(spec: SweepSpec, points: pd.DataFrame, base_dir: Path,
                    problems: list[str]):
    base = _base_scenario(spec.scenario, base_dir)
    kinds: dict[str, str] = {}
    for name in points.columns:
        key = _key(name)
        try:
            kinds[name] = kind_of(base, name)
        except KeyError as exc:
            problems.append(f"{key}: unknown parameter path ({exc.args[0]})")
            continue
        problems.extend(_out_of_range(base, name, key, kinds[name], points[name],
                                      spec.parameters.get(name)))
    probe = _probe(base)
    known = tuple(probe.kpis())
    wanted = tuple(spec.outcomes.kpis or known)
    problems.extend(f"outcomes.kpis: unknown KPI {name!r}; known: {', '.join(known)}"
                    for name in wanted if name not in known)
    series = tuple(SeriesRequest(**s.model_dump()) for s in spec.outcomes.series)
    for i, request in enumerate(series):
        problems.extend(f"outcomes.series.{i}.{m}" for m in _series_problems(probe, request))
    model = ScenarioModel(base=base, kinds=kinds, outcomes=wanted, steps=spec.steps,
                          series=series, every=spec.outcomes.every)
    return model, kinds, wanted, scenario_hash(base)


def _base_scenario(name: str, base_dir: Path) -> Scenario:
    path = resolve(name)
    if not path.is_absolute() and not path.exists() and (base_dir / path).exists():
        path = base_dir / path
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        raise SpecError(exc.source, [f"scenario: {m}" for m in exc.messages]) from None


def _out_of_range(base: Scenario, name: str, key: str, kind: str, column: pd.Series,
                  parameter=None):
    """Check the bounds given and the values the design will use against the field's schema."""
    if kind in ("int", "float") and column.map(lambda v: isinstance(v, str)).any():
        return [f"{key}: {name} is a number; got text values"]
    if kind in ("int", "float"):
        declared = []
        if parameter is not None and parameter.range is not None:
            declared = list(parameter.range)
        elif parameter is not None and parameter.low is not None:
            declared = [parameter.low, parameter.high]
        candidates = [*declared, column.min(), column.max()]
    else:
        candidates = list(dict.fromkeys(column))[:MAX_CHECKED_VALUES]
    for raw in candidates:
        value = coerce(kind, raw)
        try:
            override_scenario(base, {name: value}, source="")
        except ScenarioError as exc:
            reasons = "; ".join(m.partition(": ")[2] or m for m in exc.messages)
            hint = ("; a normal distribution reaches past the allowed range: use truncnormal "
                    "with low and high" if parameter is not None
                    and parameter.distribution == "normal" else "")
            return [f"{key}: value {value!r} is not allowed for {name}: {reasons}{hint}"]
    return []


def _probe(base: Scenario):
    """A model built and stepped once: the KPI names and the series labels of this world."""
    from sim.model import StandoffModel

    model = StandoffModel(base, seed=base.seed)
    model.step()
    return model


def _series_problems(model, request: SeriesRequest) -> list[str]:
    from sim.recorder import METRICS

    if request.metric not in METRICS:
        return [f"metric: unknown metric {request.metric!r}; known: {', '.join(METRICS)}"]
    labels = series_labels(model, request.metric)
    problems = []
    for axis in ("region", "partner", "product"):
        wanted = getattr(request, axis)
        if wanted is None:
            continue
        if axis not in labels:
            problems.append(f"{axis}: {request.metric} has no {axis} axis")
        elif wanted not in labels[axis]:
            problems.append(f"{axis}: unknown {axis} {wanted!r}; allowed: "
                            f"{', '.join(labels[axis])}")
    return problems


def _key(name: str) -> str:
    return f"parameters.{name}"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _spec_hash(spec: SweepSpec, points: pd.DataFrame) -> str:
    """What the results depend on: the spec and the design's points (a file's too)."""
    text = _canonical({"spec": spec.model_dump(mode="json", exclude={"title", "description"}),
                       "points": points.to_dict(orient="list")})
    return hashlib.sha256(text.encode()).hexdigest()


def scenario_hash(scenario: Scenario) -> str:
    """Hash of the resolved scenario (after extends and overrides)."""
    return hashlib.sha256(_canonical(scenario.model_dump(mode="json")).encode()).hexdigest()
