"""The rare-earth theme of each listing: the log sale price of what its firms sell.

A listing's theme is the mean, over its firms, of the log of the price each firm
gets for its stage's output in its region (a state's floor included); a listing
with no firms yet follows the world's mean log NdPr oxide price. Firms' regions
and stages are fixed, so the distinct (region, product) pairs are found once
and each is priced once a week.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sim.world import NDPR, STAGE_OUTPUT


class ThemeSales:
    """What each listing's firms sell, as indices into distinct (region, product) pairs."""

    def __init__(self, owned: list[list]):
        pairs: dict[tuple[int, int], int] = {}
        self.sold = [tuple(pairs.setdefault((f.region, STAGE_OUTPUT[f.stage]), len(pairs))
                           for f in firms) for firms in owned]
        self.pairs = list(pairs)
        self.unowned = not all(self.sold)

    def log_prices(self, sale_price: Callable[[int, int], float],
                   prices: np.ndarray) -> np.ndarray:
        """Theme of each listing: mean log sale price of its firms' output."""
        log = math.log
        logs = [log(sale_price(region, product)) for region, product in self.pairs]
        ndpr = float(np.log(prices[:, NDPR]).mean()) if self.unowned else 0.0
        return np.array([sum([logs[j] for j in sold]) / len(sold) if sold else ndpr
                         for sold in self.sold])
