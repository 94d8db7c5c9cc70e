"""Per-step series kept as arrays, turned into one tidy table at the end.

Columns of the table: ``step, date, metric, region, partner, product, value``.
Which metrics exist, and how each is read off the model, is ``sim.metrics``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import numpy as np
import pandas as pd

from sim.metrics import METRICS, metrics_markdown
from sim.world import step_date

__all__ = ["COLUMNS", "METRICS", "Recorder", "metrics_markdown"]

COLUMNS = ["step", "date", "metric", "region", "partner", "product", "value"]


class Recorder:
    """Each metric's weekly values in one growing array per metric (steps x its axes)."""

    def __init__(self, regions: list[str], start: dt.date,
                 labels: dict[str, tuple[str, ...]] | None = None, expected_steps: int = 64,
                 metrics: Collection[str] | None = None):
        self.regions = regions
        # the metrics kept (all by default), in ``METRICS`` order
        self.names = [name for name in METRICS if metrics is None or name in metrics]
        self.expected_steps = expected_steps  # room made at first; doubled when exceeded
        self.start = start
        self.labels = labels or {}  # product labels of metrics with ``products=None``
        self.steps: list[int] = []
        self._series: dict[str, np.ndarray] = {}
        self._licensed = np.zeros((0,), dtype=bool)

    def record(self, step: int, values: dict[str, np.ndarray], licensed: np.ndarray) -> None:
        row = len(self.steps)
        if row == len(self._licensed):
            self._grow(values, licensed)
        for name in self.names:
            self._series[name][row] = values[name]
        self._licensed[row] = licensed
        self.steps.append(step)

    def _grow(self, values: dict[str, np.ndarray], licensed: np.ndarray) -> None:
        """Room for ``expected_steps`` at first, then double, keeping what is recorded."""
        rows = max(self.expected_steps, 2 * len(self._licensed))
        for name in self.names:
            shape = np.shape(values[name])
            grown = np.zeros((rows, *shape))
            if name in self._series:
                grown[:len(self.steps)] = self._series[name][:len(self.steps)]
            self._series[name] = grown
        grown = np.zeros((rows, *licensed.shape), dtype=bool)
        if self.steps:
            grown[:len(self.steps)] = self._licensed[:len(self.steps)]
        self._licensed = grown

    def stacked(self, name: str) -> np.ndarray:
        """One metric over time: steps x its axes (a read-only view)."""
        if name not in self._series and name in METRICS and self.steps:
            raise KeyError(f"metric {name!r} was not recorded in this run (recorded: "
                           f"{', '.join(self.names)})")
        view = self._series[name][:len(self.steps)]
        view.flags.writeable = False
        return view

    @property
    def licensed(self) -> np.ndarray:
        """Which routes were under licensing, steps x exporter x destination x product."""
        view = self._licensed[:len(self.steps)]
        view.flags.writeable = False
        return view

    def to_frame(self) -> pd.DataFrame:
        steps = np.array(self.steps)
        dates = pd.to_datetime([step_date(self.start, int(s)) for s in steps])  # real dates
        frames = [self._metric_frame(name, METRICS[name], steps, dates) for name in self.names]
        table = pd.concat([f for f in frames if len(f)], ignore_index=True)
        return table[COLUMNS]

    def _metric_frame(self, name, spec, steps, dates) -> pd.DataFrame:
        data = self.stacked(name)
        products = spec.products if spec.products is not None else self.labels.get(name, ())
        labels = {"region": self.regions, "partner": self.regions, "product": products}
        shape = data.shape[1:]
        keep = np.ones(shape, dtype=bool)
        if spec.keep == "ever_nonzero":
            keep = (data != 0).any(axis=0)
        elif spec.keep == "ever_changed":
            keep = (data != data[:1]).any(axis=0)
        elif spec.keep == "ever_licensed":
            keep = self.licensed.any(axis=0)
        if "partner" in spec.axes:
            n = len(self.regions)
            keep &= ~np.eye(n, dtype=bool).reshape(n, n, *([1] * (len(shape) - 2)))
        combos = np.argwhere(keep)
        if len(combos) == 0:
            return pd.DataFrame(columns=COLUMNS)
        values = data[(slice(None), *combos.T)]  # steps x combos
        columns = {"step": np.repeat(steps, values.shape[1]),
                   "date": np.repeat(dates, values.shape[1]), "metric": name,
                   **axis_columns(spec, labels, combos, values.shape[0]),
                   "value": values.ravel()}
        frame = pd.DataFrame(columns)
        if spec.keep == "finite":
            frame = frame[np.isfinite(frame["value"])]
        return frame


def axis_columns(spec, labels: dict, combos: np.ndarray, n_steps: int) -> dict[str, object]:
    """The region, partner and product columns of a metric's rows, step-major.

    ``combos`` (series x axes) indexes each series' labels on ``spec.axes``; an
    axis the metric lacks is blank (or its fixed product).
    """
    columns: dict[str, object] = {}
    for axis in ("region", "partner", "product"):
        if axis in spec.axes:
            names = np.asarray(labels[axis])[combos[:, spec.axes.index(axis)]]
            columns[axis] = np.tile(names, n_steps)
        else:
            columns[axis] = spec.fixed_product if axis == "product" else ""
    return columns
