"""The sweep spec: a TOML file (or the same dict built in code), validated like a scenario.

A spec names the base scenario (or a Python function ``"module:callable"``),
the parameters to vary by dotted key path, each with a list of ``values``, a
``range`` or a ``distribution``; the design; replications and the root seed;
steps; and the outcomes (KPIs and series sampled every k weeks).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.types import Strict

Distribution = Literal["uniform", "loguniform", "normal", "truncnormal"]
DESIGNS = ("grid", "lhs", "sobol", "morris", "file")


class Parameter(Strict):
    """How one parameter varies: exactly one of ``values``, ``range`` or ``distribution``."""

    values: list[int | float | str] | None = Field(
        None, min_length=1, max_length=10_000, description="The values to use (grid), or "
        "equally likely choices (sampled designs).")
    range: tuple[float, float] | None = Field(
        None, description="[low, high]: uniform between the two (grid: `design.levels` "
        "evenly spaced values).")
    distribution: Distribution | None = Field(
        None, description="uniform, loguniform (low, high > 0), normal (mean, sd) or "
        "truncnormal (mean, sd, low, high).")
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: Annotated[float, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _one_way(self):
        given = [k for k in ("values", "range", "distribution") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of values, range or distribution "
                             f"(got {', '.join(given) or 'none'})")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range must be [low, high] with low < high (got {list(self.range)})")
        need = {"uniform": ("low", "high"), "loguniform": ("low", "high"),
                "normal": ("mean", "sd"), "truncnormal": ("mean", "sd", "low", "high")}
        if self.distribution is not None:
            missing = [k for k in need[self.distribution] if getattr(self, k) is None]
            if missing:
                raise ValueError(f"{self.distribution} needs {', '.join(need[self.distribution])}"
                                 f" (missing {', '.join(missing)})")
            extra = [k for k in ("low", "high", "mean", "sd")
                     if getattr(self, k) is not None and k not in need[self.distribution]]
            if extra:
                raise ValueError(f"{self.distribution} takes {', '.join(need[self.distribution])}"
                                 f", not {', '.join(extra)}")
            if "low" in need[self.distribution] and not self.low < self.high:
                raise ValueError(f"low must be below high (got {self.low}, {self.high})")
            if self.distribution == "loguniform" and self.low <= 0:
                raise ValueError(f"loguniform needs low > 0 (got {self.low})")
        elif any(getattr(self, k) is not None for k in ("low", "high", "mean", "sd")):
            raise ValueError("low, high, mean and sd go with a distribution")
        return self

    @property
    def numeric(self) -> bool:
        return self.values is None or all(not isinstance(v, str) for v in self.values)


class Design(Strict):
    method: Literal["grid", "lhs", "sobol", "morris", "file"] = Field(
        description="grid: every combination; lhs: Latin hypercube of `samples` points; "
        "sobol: Saltelli's scheme on a scrambled Sobol' sequence, `samples` x (D+2) points "
        "(x (2D+2) with `second_order`); morris: `samples` trajectories of D+1 points; "
        "file: the points of a CSV file.")
    samples: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        None, description="lhs: points; sobol: base sample (a power of 2); morris: trajectories.")
    levels: Annotated[int, Field(ge=2, le=1000)] | None = Field(
        None, description="grid: values per `range` (default 3); morris: grid levels "
        "(even, default 4).")
    second_order: bool = Field(False, description="sobol: also estimate second-order indices.")
    file: str | None = Field(None, description="file: CSV with one column per parameter key "
                             "path, relative to the spec file.")

    @model_validator(mode="after")
    def _fits_method(self):
        if self.method in ("lhs", "sobol", "morris") and self.samples is None:
            raise ValueError(f"{self.method} needs samples")
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"sobol needs samples to be a power of 2 (got {self.samples}; "
                             f"try {2 ** round(math.log2(self.samples))})")
        if self.method == "morris" and (self.levels or 4) % 2:
            raise ValueError(f"morris needs an even number of levels (got {self.levels})")
        if self.method == "file" and not self.file:
            raise ValueError("file needs file = \"points.csv\"")
        if self.method != "file" and self.file:
            raise ValueError(f"file goes with method = \"file\", not {self.method!r}")
        return self


class SeriesOutcome(Strict):
    metric: str = Field(description="A metric of docs/metrics.md, e.g. price.")
    region: str | None = Field(None, description="Only this region (default: all).")
    partner: str | None = Field(None, description="Only this partner (default: all).")
    product: str | None = Field(None, description="Only this product, stage or asset.")


class Outcomes(Strict):
    kpis: list[str] | None = Field(
        None, description="End-of-run figures to keep (default: every KPI of the model).")
    series: list[SeriesOutcome] = Field(
        [], max_length=100, description="Time series to keep, sampled every `every` weeks.")
    every: Annotated[int, Field(ge=1, le=520)] = Field(4, description="Weeks between samples.")


class SweepSpec(Strict):
    title: str = Field("", max_length=200)
    description: str = Field("", max_length=4000)
    scenario: str | None = Field(
        None, description="Base scenario: a shipped name or a .toml path (relative to the spec).")
    function: str | None = Field(
        None, description='Instead of a scenario, a Python function "module:callable" taking '
        "(params: dict, seed: int) and returning a dict of outcome values.")
    steps: Annotated[int, Field(ge=1, le=5200)] | None = Field(
        None, description="Weeks per run (default: the scenario's steps).")
    replications: Annotated[int, Field(ge=1, le=10_000)] = Field(
        1, description="Runs per design point, each with its own seed.")
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = Field(
        0, description="Root seed; every run's seed derives from it (numpy SeedSequence).")
    seeds: list[Annotated[int, Field(ge=0, le=2**63 - 1)]] | None = Field(
        None, min_length=1, max_length=10_000, description="Explicit seeds, one per "
        "replication, used for every point (instead of deriving them from `seed`).")
    common_random_numbers: bool = Field(
        True, description="Replication r of every point shares one seed (less noise between "
        "points); false: each run its own seed.")
    timeout_s: Annotated[float, Field(gt=0, le=864_000)] | None = Field(
        None, description="Per-run time limit in seconds; a run past it is recorded as timed "
        "out.")
    design: Design
    parameters: dict[str, Parameter] = Field(
        {}, max_length=1000, description="Dotted key path of a scenario field -> how it varies.")
    outcomes: Outcomes = Field(default_factory=Outcomes)

    @model_validator(mode="after")
    def _model_and_parameters(self):
        if self.seeds is not None and self.replications not in (1, len(self.seeds)):
            raise ValueError(f"replications ({self.replications}) must match the number of "
                             f"seeds ({len(self.seeds)}), or be left out")
        if (self.scenario is None) == (self.function is None):
            raise ValueError("give exactly one of scenario or function")
        if self.function is not None and self.outcomes.series:
            raise ValueError("outcomes.series needs a scenario, not a function")
        if not self.parameters and self.design.method != "file":
            raise ValueError("parameters: give at least one parameter to vary")
        if self.design.method in ("sobol", "morris", "lhs"):
            shown = [k for k, p in self.parameters.items() if not p.numeric]
            if self.design.method != "lhs" and shown:
                raise ValueError(f"{self.design.method} needs numeric parameters; "
                                 f"{', '.join(shown)} take text values")
        if self.design.method == "grid":
            sampled = [k for k, p in self.parameters.items() if p.distribution is not None]
            if sampled:
                raise ValueError(f"grid needs values or a range, not a distribution "
                                 f"({', '.join(sampled)})")
        return self

    @property
    def runs_per_point(self) -> int:
        return len(self.seeds) if self.seeds is not None else self.replications
