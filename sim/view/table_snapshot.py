"""A finished run's tidy table read back as the arrays the charts draw from.

``run`` writes its charts from the tidy table (what a headless run returns), not
from a live model; ``TableSnapshot`` rebuilds each metric's steps x axes array
from it, so the same chart classes draw the page and the files. A series the
table leaves out (the recorder keeps only rows worth keeping) gets the value it
had: no quota is an infinite one, no licensing is 100% approval, anything else
left out was zero.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.recorder import METRICS

MISSING_VALUE = {"export_quota": np.inf, "license_approval_rate": 100.0,
                 "military_approval_rate": 100.0}


class TableSnapshot:
    """The ``Snapshot`` interface over a tidy table (``step, date, metric, ...``)."""

    def __init__(self, table: pd.DataFrame, regions: list[str], china: str | None,
                 start: dt.date):
        self.table = table
        self.regions = list(regions)
        self.china: int | None = self.regions.index(china) if china in self.regions else None
        self.start = start
        steps = np.sort(table["step"].unique()) if len(table) else np.array([0])
        self.x = steps.astype(float)
        self.steps = int(steps[-1])
        self._row = {int(s): i for i, s in enumerate(steps)}
        self._cache: dict[str, np.ndarray] = {}
        self._by_metric = dict(tuple(table.groupby("metric", sort=False))) if len(table) else {}

    @classmethod
    def of_scenario(cls, table: pd.DataFrame, scenario) -> TableSnapshot:
        return cls(table, scenario.region_codes, scenario.china, scenario.start_date)

    @property
    def outside(self) -> list[int]:
        return [i for i in range(len(self.regions)) if i != self.china]

    def labels(self, metric: str) -> tuple[str, ...]:
        rows = self._by_metric.get(metric)
        return () if rows is None else tuple(pd.unique(rows["product"]))

    def series(self, metric: str) -> np.ndarray:
        if metric not in self._cache:
            self._cache[metric] = self._array(metric)
        return self._cache[metric]

    def licensed(self) -> np.ndarray:
        """Routes under licensing: the table has approval rows exactly for those."""
        if "_licensed" not in self._cache:
            rows = self._by_metric.get("license_approval_rate")
            shape = (len(self.x), *self._shape("license_approval_rate"))
            flags = np.zeros(shape, dtype=bool)
            if rows is not None:
                flags[(slice(None), *self._indices("license_approval_rate", rows))] = True
            self._cache["_licensed"] = flags
        return self._cache["_licensed"]

    # -- rebuilding arrays -------------------------------------------------------------
    def _axis_labels(self, metric: str, axis: str) -> list[str]:
        if axis in ("region", "partner"):
            return self.regions
        products = METRICS[metric].products
        return list(products) if products is not None else list(self.labels(metric))

    def _shape(self, metric: str) -> tuple[int, ...]:
        return tuple(len(self._axis_labels(metric, axis)) for axis in METRICS[metric].axes)

    def _indices(self, metric: str, rows: pd.DataFrame) -> tuple[np.ndarray, ...]:
        out = []
        for axis in METRICS[metric].axes:
            position = {name: i for i, name in enumerate(self._axis_labels(metric, axis))}
            out.append(rows[axis].map(position).to_numpy(dtype=int))
        return tuple(out)

    def _array(self, metric: str) -> np.ndarray:
        data = np.full((len(self.x), *self._shape(metric)), MISSING_VALUE.get(metric, 0.0))
        rows = self._by_metric.get(metric)
        if rows is not None:
            step_rows = rows["step"].map(self._row).to_numpy(dtype=int)
            data[(step_rows, *self._indices(metric, rows))] = rows["value"].to_numpy(float)
        return data
