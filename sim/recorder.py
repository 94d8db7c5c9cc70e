"""Per-step series kept as arrays, turned into one tidy table at the end.

Columns of the table: ``step, date, metric, region, partner, product, value``.
``METRICS`` documents every metric: its unit, its axes and what it means; the
same text appears in docs/metrics.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.scenario.diplomacy import GOALS
from sim.world import PRODUCTS, STAGES, step_date

COLUMNS = ["step", "date", "metric", "region", "partner", "product", "value"]


@dataclass(frozen=True)
class Metric:
    unit: str
    axes: tuple[str, ...]  # subset of region, partner, product (in that order)
    meaning: str
    products: tuple[str, ...] | None = PRODUCTS  # labels of the product axis; None: the run's
    keep: str = "all"  # "all", or "ever_nonzero": only series that are ever non-zero
    fixed_product: str = ""


RP = ("region", "product")
RPP = ("region", "partner", "product")
OXIDE_LABELS = ("ndpr_oxide", "dytb_oxide")

METRICS: dict[str, Metric] = {
    "price": Metric("USD/kg", RP, "Market price in the region."),
    "production": Metric("t REO/week", ("region",), "Concentrate mined.",
                         fixed_product="concentrate"),
    "refining_output": Metric("t/week", RP, "Oxide separated from concentrate.",
                              products=OXIDE_LABELS),
    "magnet_output": Metric("t/week", ("region",), "NdFeB magnets made.",
                            fixed_product="magnet"),
    "demand": Metric("t/week", RP, "What users in the region wanted to use this week: "
                     "refiners (concentrate), magnet makers (oxides), manufacturers (magnets)."),
    "unmet_demand": Metric("t/week", RP, "Part of demand that found no material."),
    "consumption": Metric("t/week", RP, "Material actually used (demand - unmet_demand)."),
    "inventory": Metric("t", RP, "Commercial stock held in the region at the end of the week."),
    "stockpile": Metric("t", RP, "State strategic stockpile.", keep="ever_nonzero"),
    "imports": Metric("t/week", RP, "Shipments arriving in the region."),
    "exports": Metric("t/week", RP, "Shipments leaving the region (licensed ones may still "
                      "be in transit)."),
    "capacity": Metric("t/yr", RP, "Installed capacity by stage (mining in t REO, refining in "
                       "t REO feed, magnets in t magnet); product holds the stage.",
                       products=STAGES),
    "trade_flow": Metric("t/week", RPP, "Shipments from region (exporter) to partner "
                         "(importer).", keep="ever_nonzero"),
    "export_quota": Metric("t/yr", RP, "Annual export quota of region; rows only while a "
                           "quota is set.", keep="finite"),
    "export_duty": Metric("%", RP, "Export duty of region.", keep="ever_nonzero"),
    "tariff": Metric("%", RPP, "Import tariff of region (importer) on goods from partner "
                     "(exporter).", keep="ever_nonzero"),
    "license_approval_rate": Metric("%", RPP, "Share of requested exports from region to "
                                    "partner that licensing approves (civil and military "
                                    "weighted by the partner's end use); 100 when unlicensed.",
                                    keep="ever_licensed"),
    "license_delay_days": Metric("days", RPP, "Licence processing delay from region to "
                                 "partner; 0 when unlicensed.", keep="ever_licensed"),
    "supply_risk": Metric("0-1", RP, "Supply risk buyers in the region perceive (drives "
                          "precautionary stock)."),
    "military_approval_rate": Metric("%", RPP, "Licence approval for military end use from "
                                     "region to partner; 100 when unlicensed (an exemption).",
                                     keep="ever_licensed"),
    "investment_committed": Metric("t/yr", RP, "Capacity states have funded (scenario, "
                                   "timeline, deals, AI), cumulative, by host region and "
                                   "stage.", products=STAGES, keep="ever_nonzero"),
    "capacity_outside_china": Metric("t/yr", ("product",), "Installed capacity outside the "
                                     "scenario's China region, by stage.", products=STAGES),
    "trust": Metric("0-1", ("region", "partner"), "How much region trusts partner.",
                    keep="ever_changed"),
    "deals_in_force": Metric("count", ("region", "partner"), "Frameworks in force between "
                             "the two states.", keep="ever_nonzero"),
    "scorecard": Metric("0-1", RP, "The state's goals measured (0.5 = as at the start): "
                        "supply_security, export_revenue (exports and magnet value added), "
                        "consumer_prices, leverage (world share of separation and magnets), "
                        "standing (deals kept, threats made).", products=GOALS),
    "asset_price": Metric("USD/share", ("product",), "Price of each listed company's share and "
                          "ETF unit, and the level of market_index (the assets outside the "
                          "scenario that broad ETFs hold); product holds the asset name.",
                          products=None),
    "asset_volume": Metric("USD million/week", ("product",), "Value traded in each asset: the "
                           "larger of investors' buying and selling (for a listing, ETF "
                           "creations and redemptions included).", products=None),
    "fundamental_value": Metric("USD/share", ("product",), "Value of each asset from its firms' "
                                "expected profits at the model's prices (an ETF: its basket at "
                                "fundamental values, market_index at market).", products=None),
    "hype": Metric("log", ("product",), "log(asset_price / fundamental_value): the part of a "
                   "price that fundamentals do not explain (0: fairly priced).", products=None),
    "investor_share": Metric("0-1", ("product",), "Share of investors following each strategy "
                             "(fundamentalist, trend, news).", products=None),
    "speculative_stock": Metric("t", RP, "Physical oxide speculators hold in the region (taken "
                                "from and returned to its inventory).", keep="ever_nonzero"),
}


class Recorder:
    def __init__(self, regions: list[str], start: dt.date,
                 labels: dict[str, tuple[str, ...]] | None = None):
        self.regions = regions
        self.start = start
        self.labels = labels or {}  # product labels of metrics with ``products=None``
        self.steps: list[int] = []
        self.series: dict[str, list[np.ndarray]] = {name: [] for name in METRICS}
        self.licensed: list[np.ndarray] = []

    def record(self, step: int, values: dict[str, np.ndarray], licensed: np.ndarray) -> None:
        self.steps.append(step)
        for name in METRICS:
            self.series[name].append(np.array(values[name], dtype=float))
        self.licensed.append(licensed.copy())

    def stacked(self, name: str) -> np.ndarray:
        """Array of one metric over time: steps x its axes."""
        return np.stack(self.series[name])

    def to_frame(self) -> pd.DataFrame:
        steps = np.array(self.steps)
        dates = pd.to_datetime([step_date(self.start, int(s)) for s in steps])  # real dates
        frames = [self._metric_frame(name, spec, steps, dates) for name, spec in METRICS.items()]
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
            keep = np.stack(self.licensed).any(axis=0)
        if "partner" in spec.axes:
            n = len(self.regions)
            keep &= ~np.eye(n, dtype=bool).reshape(n, n, *([1] * (len(shape) - 2)))
        combos = np.argwhere(keep)
        if len(combos) == 0:
            return pd.DataFrame(columns=COLUMNS)
        values = data[(slice(None), *combos.T)]  # steps x combos
        n_steps, n_combos = values.shape
        columns = {
            "step": np.repeat(steps, n_combos),
            "date": np.repeat(dates, n_combos),
            "metric": name,
            "value": values.ravel(),
        }
        for axis in ("region", "partner", "product"):
            if axis in spec.axes:
                names = np.asarray(labels[axis])[combos[:, spec.axes.index(axis)]]
                columns[axis] = np.tile(names, n_steps)
            else:
                columns[axis] = spec.fixed_product if axis == "product" else ""
        frame = pd.DataFrame(columns)
        if spec.keep == "finite":
            frame = frame[np.isfinite(frame["value"])]
        return frame


def metrics_markdown() -> str:
    """docs/metrics.md: every metric, its unit, its axes and its meaning."""
    lines = ["# Metrics", "",
             "Generated by `python run.py metrics`; a test keeps it in step. The tidy table",
             "(`timeseries.csv` / `.parquet`) has one row per step and series with columns",
             "`step, date, metric, region, partner, product, value`. `date` is the end of the",
             "week (step 0 is the scenario's start date). Empty cells mean the axis does not",
             "apply.", "",
             "| metric | unit | region | partner | product | meaning |",
             "|---|---|---|---|---|---|"]
    for name, spec in METRICS.items():
        region = "exporter" if name in ("trade_flow", "license_approval_rate",
                                        "license_delay_days", "military_approval_rate") else (
            "importer" if name == "tariff" else "region")
        region = region if "region" in spec.axes else ""
        partner = ""
        if "partner" in spec.axes:
            partner = {"tariff": "exporter", "trust": "other state",
                       "deals_in_force": "other state"}.get(name, "importer / destination")
        labels = spec.products if spec.products is not None else ("asset or strategy names",)
        product = spec.fixed_product or (", ".join(labels) if "product" in spec.axes
                                         else "")
        lines.append(f"| `{name}` | {spec.unit} | {region} | {partner} | {product} | "
                     f"{spec.meaning} |")
    return "\n".join(lines) + "\n"
