"""Speculative physical oxide stocks: bought on the way up, sold on the way down.

Each stock's target is ``capacity_t`` x clip(``momentum_gain`` x trend x
trend-following share of investor capital, 0, 1), the trend being the log
change of the oxide's price in its region over ``lookback_weeks``. The holding
moves ``adjust_share_per_week`` of the way to the target, buying at most
``max_take_share_per_week`` of the region's commercial inventory. Material
comes from and goes back to the regional pool ``model.stock``, like a state
stockpile, so the material balance holds: ``step`` returns the week's flows and
the caller applies them.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.finance import OxideStockpile
from sim.world import PRODUCTS


class OxideSpeculation:
    def __init__(self, specs: dict[str, OxideStockpile], region_index: dict[str, int],
                 shape: tuple[int, int], prices: np.ndarray):
        piles = list(specs.values())
        self.shape = shape
        self.region = np.array([region_index[p.region] for p in piles], dtype=int)
        self.product = np.array([PRODUCTS.index(p.product) for p in piles], dtype=int)
        self.capacity = np.array([p.capacity_t for p in piles], dtype=float)
        self.gain = np.array([p.momentum_gain for p in piles], dtype=float)
        self.lookback = np.array([p.lookback_weeks for p in piles], dtype=int)
        self.adjust = np.array([p.adjust_share_per_week for p in piles], dtype=float)
        self.max_take = np.array([p.max_take_share_per_week for p in piles], dtype=float)
        self.held = np.zeros(len(piles))
        self.cells = self.region * shape[1] + self.product  # index into the flattened table
        self.distinct = len(set(self.cells.tolist())) == len(piles)  # one pile per cell
        depth = int(self.lookback.max()) + 1 if piles else 1
        self.history = np.tile(np.log(prices.take(self.cells)), (depth, 1))
        self.week = 0
        self._piles = np.arange(len(piles))

    def step(self, stock: np.ndarray, prices: np.ndarray, trend_share: float) -> np.ndarray:
        """This week's trades against ``stock`` (region x product, t): bought, negative sold.

        The caller takes the returned flows from ``stock``.
        """
        if not self.held.size:
            return np.zeros(self.shape)
        now = np.log(prices.take(self.cells))
        self.week += 1
        depth = self.history.shape[0]
        self.history[self.week % depth] = now
        past = self.history.take((self.week - self.lookback) % depth * self.held.size
                                 + self._piles)
        appetite = np.clip(self.gain * (now - past) * trend_share, 0.0, 1.0)
        flow = self.adjust * (self.capacity * appetite - self.held)
        room = self.max_take * stock.take(self.cells)
        flow = np.maximum(np.minimum(flow, room), -self.held)
        self.held += flow
        return self._table(flow)

    def by_region_product(self) -> np.ndarray:
        """Speculative holdings, region x product (t)."""
        return self._table(self.held)

    def _table(self, per_pile: np.ndarray) -> np.ndarray:
        """Sum of ``per_pile`` in each (region, product) cell, as np.add.at on zeros gives."""
        table = np.zeros(self.shape)
        if self.distinct:
            table.put(self.cells, per_pile + 0.0)  # + 0.0 as 0.0 + x: -0.0 becomes 0.0
        else:
            np.add.at(table, (self.region, self.product), per_pile)
        return table
