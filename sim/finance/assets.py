"""Tradable assets and price formation: pure numpy and numba, no model.

Listings are indexed 0..L-1, ETFs 0..E-1; the tradable assets an investor
sees are the listings followed by the ETFs. Prices in USD per share (per unit
for ETFs), money in USD million, moves in natural-log units.

``MarketMaker.settle`` does a week's price arithmetic in one numba pass over
the assets, element by element as ``listing_move``, ``etf_premium`` and the
volume and ETF-unit rules state it (``np.maximum`` and ``np.minimum`` read
as ``a if a > b else b`` and ``a if a < b else b``, NaN kept); numpy keeps
the sums of products and the exponentials.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit


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


    def settle(self, net: np.ndarray, buys: np.ndarray, sells: np.ndarray,
               through: tuple[np.ndarray, np.ndarray, np.ndarray], listing_value: np.ndarray,
               shocks: np.ndarray, premium: np.ndarray, etf_units: np.ndarray,
               etf_price: np.ndarray, arbitrage: float,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This week's volume per asset, log moves and ETF units after the orders.

        ``net``, ``buys`` and ``sells`` are per asset; ``through`` holds the ETFs' net
        orders, creations and redemptions bought or sold as the basket, per listing.
        Listing demand is its own net orders plus ``through[0]``, its volume the larger
        of buys and sells, each plus its share of ETF flows; the log moves are the
        listings' ``listing_move``, then the ETFs' new premiums (``etf_premium``); ETF
        units change by net orders / price, keeping at least 1e-3 of the units.
        """
        volume, moves, units = np.empty(net.size), np.empty(net.size), np.empty(premium.size)
        _settle_into(net, buys, sells, *through, listing_value, shocks, self.impact, self.noise,
                self.max_move, premium, etf_units, etf_price, arbitrage, volume, moves, units)
        return volume, moves, units


@njit(cache=True)
def _larger(a, b):
    """np.maximum of two floats: ``a`` if it is larger or NaN, else ``b``."""
    return a if a > b or a != a else b


@njit(cache=True)
def _clipped(move, limit):
    """``_clip`` of one float: np.minimum(np.maximum(move, -limit), limit)."""
    move = move if move > -limit or move != move else -limit
    return move if move < limit or move != move else limit


@njit(cache=True)
def _settle_into(net, buys, sells, through_net, through_bought, through_sold, listing_value,
            shocks, impact, noise, max_move, premium, etf_units, etf_price, arbitrage,
            volume, moves, units):
    """Per listing l and ETF e (asset L + e), into ``volume``, ``moves`` and ``units``:
    volume = max(buys + through_bought, sells + through_sold) (ETFs: max(buys, sells));
    moves[l] = clip(impact x (net + through_net) / max(value, 1e-9) + noise x shock);
    moves[L + e] = (1 - arbitrage) x (premium + clip(impact x net / max(aum, 1e-9)));
    units[e] = max(units + net / price, 1e-3 x units)."""
    listings = listing_value.size
    for k in range(listings):
        volume[k] = _larger(buys[k] + through_bought[k], sells[k] + through_sold[k])
        pressure = impact * (net[k] + through_net[k]) / _larger(listing_value[k], 1e-9)
        moves[k] = _clipped(pressure + noise * shocks[k], max_move)
    for e in range(premium.size):
        k = listings + e
        volume[k] = _larger(buys[k], sells[k])
        aum = etf_units[e] * etf_price[e]
        pressure = _clipped(impact * net[k] / _larger(aum, 1e-9), max_move)
        moves[k] = (1.0 - arbitrage) * (premium[e] + pressure)
        units[e] = _larger(etf_units[e] + net[k] / etf_price[e], 1e-3 * etf_units[e])


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
