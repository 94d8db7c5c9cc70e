"""The rare-earth theme of each listing: the log sale price of what its firms sell.

A listing's theme is the mean, over its firms, of the log of the price each firm
gets for its stage's output in its region (a state's floor included); a listing
with no firms yet follows the world's mean log NdPr oxide price. Firms' regions
and stages are fixed, so the distinct (region, product) pairs are found once
and each is priced once a week, in one compiled pass (``log`` is the C
library's, and the mean adds as Python's ``sum`` does).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.world import NDPR, STAGE_OUTPUT


class ThemeSales:
    """What each listing's firms sell, as indices into distinct (region, product) pairs."""

    def __init__(self, owned: list[list]):
        pairs: dict[tuple[int, int], int] = {}
        self.sold = [tuple(pairs.setdefault((f.region, STAGE_OUTPUT[f.stage]), len(pairs))
                           for f in firms) for firms in owned]
        self.pairs = list(pairs)
        self.unowned = not all(self.sold)
        self._regions = np.array([r for r, _ in self.pairs], dtype=np.int64)
        self._products = np.array([q for _, q in self.pairs], dtype=np.int64)
        self._members = np.array([j for sold in self.sold for j in sold], dtype=np.int64)
        self._ends = np.cumsum([len(sold) for sold in self.sold]).astype(np.int64)

    def log_prices(self, prices: np.ndarray, floors: np.ndarray) -> np.ndarray:
        """Theme of each listing: mean log sale price (floors included) of its firms' output."""
        ndpr = float(np.log(prices[:, NDPR]).mean()) if self.unowned else 0.0
        theme = np.empty(len(self.sold))
        _themes_into(prices, floors, self._regions, self._products, self._members, self._ends,
                     ndpr, np.empty(len(self.pairs)), theme)
        return theme


@njit(cache=True)
def _themes_into(prices, floors, regions, products, members, ends, ndpr, logs,
                 theme):  # pragma: no cover - compiled
    for k in range(regions.size):
        price, floor = prices[regions[k], products[k]], floors[regions[k], products[k]]
        logs[k] = np.log(floor if floor > price else price)
    start = 0
    for listing in range(ends.size):
        if ends[listing] == start:
            theme[listing] = ndpr
            continue
        theme[listing] = _python_sum(logs, members[start:ends[listing]]) / (ends[listing] - start)
        start = ends[listing]


@njit(cache=True)
def _python_sum(values, members):  # pragma: no cover - compiled
    """``sum(values[j] for j in members)`` as Python's ``sum`` adds floats (Neumaier's
    compensated summation, added at the end)."""
    total, compensation = values[members[0]], 0.0
    for m in range(1, members.size):
        x = values[members[m]]
        t = total + x
        if abs(total) >= abs(x):
            compensation += (total - t) + x
        else:
            compensation += (x - t) + total
        total = t
    if compensation != 0.0 and np.isfinite(compensation):
        total += compensation
    return total
