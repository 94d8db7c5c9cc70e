"""Every output metric, declared once: its unit, axes, meaning, and how it is read.

``METRICS`` is the one table: the recorder stores each metric's ``read`` of
the model every week, docs/metrics.md is generated from it (``python run.py
metrics``), and ``summary.json`` lists its units. A new metric is one entry
here (plus, when it needs a new figure, that figure on ``Reading``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from sim.scenario.diplomacy import GOALS
from sim.world import CONC, DYTB, MAGNET, NDPR, PRODUCTS, STAGES

if TYPE_CHECKING:
    from sim.interfaces import MeasuredWorld


class Reading:
    """The model at the end of a week, with the figures several metrics share."""

    def __init__(self, model: MeasuredWorld):
        self.model = model
        self.week = model.week
        self.policy = model.policy
        self.physical = model.physical

    @cached_property
    def capacity(self) -> np.ndarray:
        """Installed capacity, region x stage (t/yr)."""
        return self.model.capacity_by_stage()

    @cached_property
    def capacity_outside_china(self) -> np.ndarray:
        china = self.model.china
        if china is None:
            return self.capacity.sum(axis=0)
        return self.capacity.sum(axis=0) - self.capacity[china]

    @cached_property
    def finance(self) -> dict[str, np.ndarray]:
        return self.model.exchange.metrics()


# Metrics that agents read back from the recorder during a run (the briefing's lagged
# approvals and tariffs, AI exporters' recent Dy/Tb exports): recorded in every run.
READ_DURING_RUN = ("license_approval_rate", "tariff", "exports")


def read_all(model: MeasuredWorld, names: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """This week's value of every metric (or of those ``names``)."""
    reading = Reading(model)
    return {name: METRICS[name].read(reading) for name in (METRICS if names is None else names)}


@dataclass(frozen=True)
class Metric:
    """One output series: what it means, its axes, and how it is read off the model."""

    unit: str
    axes: tuple[str, ...]  # subset of region, partner, product (in that order)
    meaning: str
    products: tuple[str, ...] | None = PRODUCTS  # labels of the product axis; None: the run's
    # which series the tidy table keeps: "all", "ever_nonzero", "ever_changed",
    # "ever_licensed" (routes ever under licensing) or "finite" (rows while finite)
    keep: str = "all"
    fixed_product: str = ""  # product label of a metric without a product axis
    region_means: str = "region"  # what the region axis holds, for the docs
    partner_means: str = "importer / destination"
    read: Callable[[Reading], np.ndarray] = field(kw_only=True)


RP = ("region", "product")
RPP = ("region", "partner", "product")
OXIDE_LABELS = ("ndpr_oxide", "dytb_oxide")

METRICS: dict[str, Metric] = {
    "price": Metric(
        "USD/kg", RP, "Market price in the region.",
        read=lambda r: r.model.prices),
    "production": Metric(
        "t REO/week", ("region",), "Concentrate mined.",
        fixed_product="concentrate",
        read=lambda r: r.week.produced[:, CONC]),
    "refining_output": Metric(
        "t/week", RP, "Oxide separated from concentrate.",
        products=OXIDE_LABELS,
        read=lambda r: r.week.produced[:, NDPR:DYTB + 1]),
    "magnet_output": Metric(
        "t/week", ("region",), "NdFeB magnets made.",
        fixed_product="magnet",
        read=lambda r: r.week.produced[:, MAGNET]),
    "demand": Metric(
        "t/week", RP, "What users in the region wanted to use this week: "
        "refiners (concentrate), magnet makers (oxides), manufacturers (magnets).",
        read=lambda r: r.week.use),
    "unmet_demand": Metric(
        "t/week", RP, "Part of demand that found no material.",
        read=lambda r: r.week.unmet),
    "consumption": Metric(
        "t/week", RP, "Material actually used (demand - unmet_demand).",
        read=lambda r: r.week.consumed),
    "inventory": Metric(
        "t", RP, "Commercial stock held in the region at the end of the week.",
        read=lambda r: r.physical.stock),
    "stockpile": Metric(
        "t", RP, "State strategic stockpile.", keep="ever_nonzero",
        read=lambda r: r.physical.stockpile),
    "imports": Metric(
        "t/week", RP, "Shipments arriving in the region.",
        read=lambda r: r.week.imports),
    "exports": Metric(
        "t/week", RP, "Shipments leaving the region (licensed ones may still "
        "be in transit).",
        read=lambda r: r.week.exports),
    "smuggled": Metric(
        "t/week", RP, "Oxide smuggled out past export restrictions, outside the customs "
        "record: positive leaving the exporter, negative where it lands.", keep="ever_nonzero",
        read=lambda r: r.week.smuggled),
    "capacity": Metric(
        "t/yr", RP, "Installed capacity by stage (mining in t REO, refining in "
        "t REO feed, magnets in t magnet); product holds the stage.",
        products=STAGES,
        read=lambda r: r.capacity),
    "trade_flow": Metric(
        "t/week", RPP, "Shipments from region (exporter) to partner "
        "(importer).", keep="ever_nonzero",
        region_means="exporter",
        read=lambda r: r.week.shipped),
    "sourcing_share": Metric(
        "share", RPP, "Share of what partner (importer) obtained this week that came "
        "from region (the source; partner's own market included).", keep="ever_nonzero",
        region_means="source",
        read=lambda r: r.week.allocation.shares),
    "export_rent": Metric(
        "USD million/week", RP, "What region's exporters gained over selling at home: "
        "the foreign price net of freight, duty and tariff, less the home price, times "
        "tonnes shipped (the rent of a binding quota or licence).", keep="ever_nonzero",
        region_means="exporter",
        read=lambda r: r.week.export_rent),
    "export_quota": Metric(
        "t/yr", RP, "Annual export quota of region; rows only while a "
        "quota is set.", keep="finite",
        read=lambda r: r.policy.quota_t_per_year),
    "combined_export_quota": Metric(
        "t/yr", ("region",), "Annual export quota of region across several products together "
        "(the products its export_quota change names); rows only while one is set.",
        fixed_product="concentrate", keep="finite",
        read=lambda r: r.policy.combined_quota_t_per_year),
    "mining_quota": Metric(
        "t REO/yr", ("region",), "Annual cap on the output of the region's own miners; rows "
        "only while a quota is set.", fixed_product="concentrate", keep="finite",
        read=lambda r: r.policy.mining_quota_t_per_year),
    "export_duty": Metric(
        "%", RP, "Export duty of region.", keep="ever_nonzero",
        read=lambda r: r.policy.export_duty_pct),
    "tariff": Metric(
        "%", RPP, "Import tariff of region (importer) on goods from partner "
        "(exporter).", keep="ever_nonzero",
        region_means="importer", partner_means="exporter",
        read=lambda r: r.policy.tariff_pct),
    "license_approval_rate": Metric(
        "%", RPP, "Share of requested exports from region to "
        "partner that licensing approves (civil and military "
        "weighted by the partner's end use); 100 when unlicensed.",
        keep="ever_licensed",
        region_means="exporter",
        read=lambda r: np.where(r.policy.licensed, r.week.approval * 100, 100.0)),
    "license_delay_days": Metric(
        "days", RPP, "Licence processing delay from region to "
        "partner; 0 when unlicensed.", keep="ever_licensed",
        region_means="exporter",
        read=lambda r: np.where(r.policy.licensed, r.policy.delay_days, 0.0)),
    "supply_risk": Metric(
        "0-1", RP, "Supply risk buyers in the region perceive (drives "
        "precautionary stock).",
        read=lambda r: r.model.risk),
    "military_approval_rate": Metric(
        "%", RPP, "Licence approval for military end use from "
        "region to partner; 100 when unlicensed (an exemption).",
        keep="ever_licensed",
        region_means="exporter",
        read=lambda r: np.where(r.policy.licensed, r.policy.military_approval * 100, 100.0)),
    "investment_committed": Metric(
        "t/yr", RP, "Capacity states have funded (scenario, "
        "timeline, deals, AI), cumulative, by host region and "
        "stage.", products=STAGES, keep="ever_nonzero",
        read=lambda r: r.model.diplomacy.committed),
    "capacity_outside_china": Metric(
        "t/yr", ("product",), "Installed capacity outside the "
        "scenario's China region, by stage.", products=STAGES,
        read=lambda r: r.capacity_outside_china),
    "trust": Metric(
        "0-1", ("region", "partner"), "How much region trusts partner.",
        keep="ever_changed",
        partner_means="other state",
        read=lambda r: r.model.diplomacy.trust),
    "deals_in_force": Metric(
        "count", ("region", "partner"), "Frameworks in force between "
        "the two states.", keep="ever_nonzero",
        partner_means="other state",
        read=lambda r: r.model.diplomacy.deals_in_force()),
    "magnet_use_forgone": Metric(
        "share", ("region",), "Share of the magnets the region's buyers would use at start "
        "prices that they did not use this week (priced out or short).", fixed_product="magnet",
        read=lambda r: r.model.scorecard.forgone),
    "scorecard": Metric(
        "0-1", RP, "The state's goals measured (0.5 = as at the start): "
        "supply_security (1 less the larger of supply risk and the share of magnet use "
        "forgone against start prices), export_revenue (exports and magnet value added), "
        "consumer_prices, leverage (world share of separation and magnets), "
        "standing (deals kept, threats made).", products=GOALS,
        read=lambda r: r.model.scorecard.scores),
    "asset_price": Metric(
        "USD/share", ("product",), "Price of each listed company's share and "
        "ETF unit, and the level of market_index (the assets outside the "
        "scenario that broad ETFs hold); product holds the asset name.",
        products=None,
        read=lambda r: r.finance["asset_price"]),
    "asset_volume": Metric(
        "USD million/week", ("product",), "Value traded in each asset: the "
        "larger of investors' buying and selling (for a listing, ETF "
        "creations and redemptions included).", products=None,
        read=lambda r: r.finance["asset_volume"]),
    "fundamental_value": Metric(
        "USD/share", ("product",), "Value of each asset from its firms' "
        "expected profits at the model's prices (an ETF: its basket at "
        "fundamental values, market_index at market).", products=None,
        read=lambda r: r.finance["fundamental_value"]),
    "hype": Metric(
        "log", ("product",), "log(asset_price / fundamental_value): the part of a "
        "price that fundamentals do not explain (0: fairly priced).", products=None,
        read=lambda r: r.finance["hype"]),
    "investor_share": Metric(
        "0-1", ("product",), "Share of investors following each strategy "
        "(fundamentalist, trend, news).", products=None,
        read=lambda r: r.finance["investor_share"]),
    "speculative_stock": Metric(
        "t", RP, "Physical oxide speculators hold in the region (taken "
        "from and returned to its inventory).", keep="ever_nonzero",
        read=lambda r: r.physical.hoard),
}


def metrics_markdown() -> str:
    """docs/metrics.md: every metric, its unit, its axes and its meaning."""
    lines = ["# Metrics", "",
             "Generated by `python run.py metrics`; a test keeps it in step. The tidy table",
             "(`timeseries.csv` / `.parquet`) has one row per step and series with columns",
             "`step, date, metric, region, partner, product, value`. `date` is the end of the",
             "week. Step 0 ends on the scenario's start date: it is the opening week, the",
             "planned output, use and trade the start is set on, so a calendar year sums 52",
             "weeks. A shortfall under 1e-9 t counts as met. Empty cells mean the axis does",
             "not apply.", "",
             "| metric | unit | region | partner | product | meaning |",
             "|---|---|---|---|---|---|"]
    for name, spec in METRICS.items():
        region = spec.region_means if "region" in spec.axes else ""
        partner = spec.partner_means if "partner" in spec.axes else ""
        labels = spec.products if spec.products is not None else ("asset or strategy names",)
        product = spec.fixed_product or (", ".join(labels) if "product" in spec.axes
                                         else "")
        lines.append(f"| `{name}` | {spec.unit} | {region} | {partner} | {product} | "
                     f"{spec.meaning} |")
    return "\n".join(lines) + "\n"
