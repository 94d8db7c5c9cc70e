"""Oxide used outside magnets: batteries, catalysts, glass, polishing and alloys.

A region's other uses of NdPr or Dy/Tb oxide want, each week, their start
tonnage grown by the scenario's demand growth and scaled by the oxide's price
against its start price to the power ``demand.other_uses_elasticity``. They
draw on the region's oxide stock beside its magnet makers (``flows.transform``),
so they count in the region's use, imports, shortage and price like any buyer.
"""

from __future__ import annotations

import numpy as np

from sim.scenario import Scenario
from sim.world import DYTB, NDPR, PRODUCTS, WEEKS_PER_YEAR


class OtherUses:
    """Weekly tonnage (region x NdPr, Dy/Tb) of non-magnet oxide use."""

    def __init__(self, scenario: Scenario, start_prices: np.ndarray):
        demand = scenario.demand
        codes = scenario.region_codes
        self.base = np.zeros((len(codes), 2))
        for product, table in demand.other_uses_t_per_year.items():
            column = PRODUCTS.index(product) - NDPR
            for code, tonnes in table.items():
                self.base[codes.index(code), column] = tonnes / WEEKS_PER_YEAR
        self.reference = start_prices[:, NDPR:DYTB + 1].copy()
        self.weekly_growth = (1 + demand.growth_percent_per_year / 100) ** (1 / WEEKS_PER_YEAR)
        self.elasticity = demand.other_uses_elasticity

    @classmethod
    def of(cls, scenario: Scenario, start_prices: np.ndarray) -> OtherUses | None:
        """The scenario's other uses, or None when it has none."""
        return cls(scenario, start_prices) if scenario.demand.other_uses_t_per_year else None

    def wanted(self, prices: np.ndarray, week: int) -> np.ndarray:
        """Tonnes wanted this week at ``prices`` (region x product)."""
        relative = np.maximum(prices[:, NDPR:DYTB + 1] / self.reference, 1e-6)
        return self.base * self.weekly_growth ** week * relative ** self.elasticity
