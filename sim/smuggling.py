"""Oxide smuggled out of an exporter whose legal exports are restricted.

While an export quota, duty or licence keeps the price abroad above the
exporter's home price, undocumented exports carry oxide out past the quota,
the duty and the licence (in 2010-2014 China's illegal rare-earth exports were
put at a third or more of its legal ones). Smugglers buy at the home price and
sell at the price abroad less freight; they need a premium over the home price
(``cost_share``: bribes, the risk of seizure, the discount undocumented goods
fetch) before they ship at all, and ship their full reach at twice that premium.
Their networks take time to build and to wind down: what they can move follows
what pays with a lag of ``ramp_weeks``, up to ``tonnes_per_year``.

Smuggled oxide is neither an export nor an import in the customs record: the
model records it apart (``week.smuggled``), so legal exports are what a quota
is compared with, and the material balance reads
``produced + imports = consumption + exports + smuggled + change in what is held``.
"""

from __future__ import annotations

import numpy as np

from sim.scenario import Scenario
from sim.world import PRODUCTS, WEEKS_PER_YEAR

MAX_STOCK_SHARE = 0.5  # smugglers never take more than this share of the home stock a week


def paying_share(prices: np.ndarray, transport: np.ndarray, home: int,
                 cost_share: float) -> np.ndarray:
    """How much of their reach smugglers would use to each destination (region x product).

    0 where the premium abroad (price less freight, over the home price, less one)
    is at most ``cost_share``, rising linearly to 1 at twice ``cost_share``; 0 at home.
    """
    netback = prices - transport[np.newaxis, :]
    premium = netback / np.maximum(prices[home], 1e-12)[np.newaxis, :] - 1.0
    share = np.clip((premium - cost_share) / cost_share, 0.0, 1.0)
    share[home] = 0.0
    return share


def smuggled_flows(reach_t: np.ndarray, paying: np.ndarray, use: np.ndarray,
                   home_stock: np.ndarray) -> np.ndarray:
    """What lands in each destination this week, as a negative outflow (region x product,
    t); the home row stays 0, for the caller to fill with the sum sent.

    ``reach_t`` (product) is what the networks can move this week; it goes to the
    destinations in proportion to their use weighted by ``paying``, no more than
    the paying share of their use, and no more than ``MAX_STOCK_SHARE`` of the home stock.
    """
    weights = use * paying
    total = weights.sum(axis=0)
    ceiling = np.minimum(reach_t * (total > 0), MAX_STOCK_SHARE * np.maximum(home_stock, 0.0))
    sent = np.minimum(ceiling, total)  # never more than the paying destinations use
    landed = weights * np.where(total > 0, sent / np.maximum(total, 1e-12), 0.0)
    return -landed


class Smuggling:
    """The smuggling networks of one exporter: how developed they are, by product."""

    def __init__(self, scenario: Scenario):
        spec = scenario.smuggling
        self.home = scenario.region_codes.index(spec.exporter)
        self.columns = [PRODUCTS.index(product) for product in spec.tonnes_per_year]
        self.reach_t = np.array(list(spec.tonnes_per_year.values())) / WEEKS_PER_YEAR
        self.cost_share = spec.cost_share
        self.pace = 1.0 / spec.ramp_weeks
        self.developed = np.zeros(len(self.columns))

    @classmethod
    def of(cls, scenario: Scenario) -> Smuggling | None:
        """The scenario's smuggling, or None when it has none."""
        return cls(scenario) if scenario.smuggling is not None else None

    def week(self, prices: np.ndarray, transport: np.ndarray, use: np.ndarray,
             stock: np.ndarray) -> np.ndarray:
        """This week's net undocumented outflow (region x product, t), networks updated."""
        cols = self.columns
        paying = paying_share(prices[:, cols], transport[cols], self.home, self.cost_share)
        abroad = use[:, cols].copy()
        abroad[self.home] = 0.0
        pays = (abroad * paying).sum(axis=0) / np.maximum(abroad.sum(axis=0), 1e-12)
        self.developed += self.pace * (pays - self.developed)
        inflow = smuggled_flows(self.reach_t * self.developed, paying, abroad,
                                stock[self.home, cols])
        out = np.zeros_like(stock)
        out[:, cols] = inflow
        out[self.home, cols] = -inflow.sum(axis=0)
        return out
