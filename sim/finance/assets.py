"""Tradable assets and price formation: pure numpy, no model.

Listings are indexed 0..L-1, ETFs 0..E-1; the tradable assets an investor
sees are the listings followed by the ETFs. Prices in USD per share (per unit
for ETFs), money in USD million, moves in natural-log units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Baskets:
    """What one unit of each ETF holds: ``units`` (E x L shares) and ``outside`` (E index units)."""

    units: np.ndarray
    outside: np.ndarray

    @classmethod
    def from_weights(cls, weights: np.ndarray, outside_weight: np.ndarray, etf_price: np.ndarray,
                     listing_price: np.ndarray, index_price: float) -> Baskets:
        """Fixed units bought at the start so that value shares equal the weights."""
        units = weights * etf_price[:, None] / listing_price[None, :]
        return cls(units, outside_weight * etf_price / index_price)

    def nav(self, listing_price: np.ndarray, index_price: float) -> np.ndarray:
        """Net asset value per ETF unit (USD)."""
        return self.units @ listing_price + self.outside * index_price

    def value_shares(self, listing_price: np.ndarray, index_price: float) -> np.ndarray:
        """Share of each ETF's value held in each listing now (E x L)."""
        held = self.units * listing_price[None, :]
        total = np.add.reduce(held, axis=1) + self.outside * index_price
        return np.divide(held, np.maximum(total, 1e-12)[:, None], out=held)


@dataclass(frozen=True)
class MarketMaker:
    """Sets prices from net demand: a log move of ``impact`` x net demand / market value."""

    impact: float
    noise: float
    max_move: float

    def listing_move(self, net_demand: np.ndarray, market_value: np.ndarray,
                     shocks: np.ndarray) -> np.ndarray:
        """This week's log-price move of each listing (``shocks`` standard normal)."""
        pressure = self.impact * net_demand / np.maximum(market_value, 1e-9)
        return _clip(pressure + self.noise * shocks, self.max_move)

    def etf_premium(self, premium: np.ndarray, net_demand: np.ndarray, aum: np.ndarray,
                    arbitrage: float) -> np.ndarray:
        """Log premium of each ETF over its NAV after this week's orders and arbitrage."""
        pressure = _clip(self.impact * net_demand / np.maximum(aum, 1e-9), self.max_move)
        return (1.0 - arbitrage) * (premium + pressure)


def _clip(move: np.ndarray, limit: float) -> np.ndarray:
    """``move`` clipped to +-``limit`` (> 0): np.clip's result without its overhead."""
    return np.minimum(np.maximum(move, -limit), limit)


def split_orders(orders: np.ndarray, ones: np.ndarray | None = None,
                 scratch: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Net demand, buys and sells per asset from an investors x assets order table.

    ``ones`` (investors) and ``scratch`` (like ``orders``) spare allocating them.
    """
    if ones is None:
        ones = np.ones(orders.shape[0])  # column sums as a matrix product: fast for tall tables
    net = ones @ orders
    buys = ones @ np.maximum(orders, 0.0, out=scratch)
    return net, buys, buys - net


def pass_through(listing_orders: np.ndarray, etf_net: np.ndarray,
                 value_shares: np.ndarray) -> np.ndarray:
    """Listing demand plus ETF creations and redemptions bought or sold as the basket."""
    return listing_orders + etf_net @ value_shares
