"""Which charts exist: one declaration for the browser view and the files of ``run``.

Each ``ChartSpec`` names a chart (its key on the page), its title, what it
draws, the PNG file ``run`` writes and the chart class that draws it. The same
class draws both: in the view from a ``Snapshot`` of the running model,
redrawn every frame by blitting (``sim.view.chart_base``); for ``run`` from a
``TableSnapshot`` of the finished run's tidy table, drawn once with the title
above it. Adding a chart is one entry here and one ``LiveChart`` subclass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.view.chart_base import LiveChart, Snapshot
from sim.view.market_charts import (
    AssetPricesChart,
    ChinaShareChart,
    PricesChart,
    TradeFlowChart,
    asset_prices_available,
    china_share_available,
)
from sim.view.policy_charts import CapacityChart, PolicyChart
from sim.view.table_snapshot import TableSnapshot


def _always(snap: Snapshot) -> bool:
    return True


@dataclass(frozen=True)
class ChartSpec:
    name: str  # key on the page (CSS class res-chart-NAME) and in the charts download
    title: str  # card title on the page, heading of the PNG file
    draws: str  # what the chart shows, in a sentence
    file: str  # PNG file name in the output folder of ``run``
    chart: type[LiveChart]
    column: int  # page column: 0 left, 1 right
    available: Callable[[Snapshot], bool] = _always  # does the run have its data

    def build(self, snap) -> LiveChart:
        return self.chart(snap)


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("prices", "Prices by product and region",
              "Each product's price in every region (USD/kg): China thick red, the "
              "demand-weighted average outside China dashed.",
              "prices.png", PricesChart, column=0),
    ChartSpec("trade", "Trade flows between regions, by stage",
              "Shipments from exporter (rows) to importer (columns) at each stage, kt/yr, "
              "averaged over the last 13 weeks.",
              "trade_flows.png", TradeFlowChart, column=0),
    ChartSpec("sourcing", "How much each region buys from China",
              "China's share of what each region outside China obtains of each product "
              "(%, its own market included): dependence, and how fast it diversifies.",
              "china_share.png", ChinaShareChart, column=0, available=china_share_available),
    ChartSpec("policy", "Export quotas, licence approval rates and tariffs",
              "Export quotas (t/yr), licence approval (% of requested volume; CN→US: "
              "exports from CN to the US) and import tariffs (%; US on CN: the US tariff on "
              "goods from CN). Routes with the same history share a line.",
              "quotas_tariffs.png", PolicyChart, column=1),
    ChartSpec("capacity", "Capacity by stage, inside and outside China",
              "Installed mining, refining and magnet capacity (kt/yr), China against "
              "everyone else.",
              "capacity.png", CapacityChart, column=1),
    ChartSpec("assets", "Asset prices of listed firms and ETFs",
              "Share and ETF prices indexed to 100 at the start (when the scenario has "
              "investors).",
              "asset_prices.png", AssetPricesChart, column=1, available=asset_prices_available),
)
BY_NAME = {spec.name: spec for spec in CHARTS}


def charts_for(snap) -> tuple[ChartSpec, ...]:
    """The charts a run has data for, in page order."""
    return tuple(spec for spec in CHARTS if spec.available(snap))


def write_charts(table: pd.DataFrame, scenario, folder: Path, dpi: int = 200) -> list[str]:
    """Write the PNG of every chart the run has data for into ``folder``; their names."""
    snap = TableSnapshot.of_scenario(table, scenario)
    written = []
    for spec in charts_for(snap):
        (Path(folder) / spec.file).write_bytes(spec.build(snap).file_png(snap, spec.title, dpi))
        written.append(spec.file)
    return written
