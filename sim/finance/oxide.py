"""Speculative physical oxide stocks: bought on the way up, sold on the way down.

Each stock's target is ``capacity_t`` x clip(``momentum_gain`` x trend x
trend-following share of investor capital, 0, 1), the trend being the log
change of the oxide's price in its region over ``lookback_weeks``. The holding
moves ``adjust_share_per_week`` of the way to the target, buying at most
``max_take_share_per_week`` of the region's commercial inventory. Material
comes from and goes back to the regional pool ``model.stock``, like a state
stockpile, so the material balance holds: ``step`` returns the week's flows and
the caller applies them. A numba kernel computes the week's flows pile by
pile, with np.clip's, np.minimum's and np.maximum's rules for ties and NaN.
"""

from __future__ import annotations

import numpy as np
from numba import njit

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

    def step(self, stock: np.ndarray, prices: np.ndarray, trend_share: float) -> np.ndarray:
        """This week's trades against ``stock`` (region x product, t): bought, negative sold.

        The caller takes the returned flows from ``stock``.
        """
        if not self.held.size:
            return np.zeros(self.shape)
        self.week += 1
        now = self.history[self.week % self.history.shape[0]]
        np.log(prices.take(self.cells), out=now)
        flow = np.empty(self.held.size)
        _flows_into(self.history, self.week, self.lookback, self.gain, trend_share, self.adjust,
               self.capacity, self.max_take, stock.reshape(-1), self.cells, self.held, flow)
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


@njit(cache=True)
def _flows_into(history, week, lookback, gain, trend_share, adjust, capacity, max_take, stock,
           cells, held, flow):
    """Each pile's flow this week (``flow``, t), added to ``held``: toward
    capacity x clip(gain x (log price now - ``lookback`` weeks ago) x trend_share, 0, 1),
    at most ``max_take`` of the cell's ``stock`` (flattened), at least -held."""
    depth = history.shape[0]
    for p in range(held.size):
        trend = history[week % depth, p] - history[(week - lookback[p]) % depth, p]
        appetite = gain[p] * trend * trend_share
        appetite = 0.0 if appetite < 0.0 else (1.0 if appetite > 1.0 else appetite)
        wanted = adjust[p] * (capacity[p] * appetite - held[p])
        room = max_take[p] * stock[cells[p]]
        taken = wanted if wanted < room or wanted != wanted else room
        floor = -held[p]
        flow[p] = taken if taken > floor or taken != taken else floor
        held[p] += flow[p]
