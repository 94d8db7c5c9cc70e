"""The live charts of the browser view, in page order (see chart_base for how they draw)."""

from __future__ import annotations

from sim.view.chart_base import PRODUCT_LABELS, LiveChart, Snapshot, sticky_limits, window_weeks
from sim.view.market_charts import (
    ASSET_METRIC,
    AssetPricesChart,
    PricesChart,
    TradeFlowChart,
    asset_prices_available,
)
from sim.view.policy_charts import CapacityChart, PolicyChart

__all__ = ["ASSET_METRIC", "CHARTS", "COLUMNS", "PRODUCT_LABELS", "LiveChart", "Snapshot",
           "charts_for", "sticky_limits", "window_weeks"]

CHARTS: tuple[type[LiveChart], ...] = (PricesChart, PolicyChart, TradeFlowChart, CapacityChart)
# where each chart sits on the page (and in the PNG download): two columns
COLUMNS = (("prices", "trade"), ("policy", "capacity", "assets"))


def charts_for(model) -> tuple[type[LiveChart], ...]:
    """The live charts this model has data for."""
    return CHARTS + ((AssetPricesChart,) if asset_prices_available(model) else ())
