"""Investors: individual traders held as numpy arrays, one Mesa agent per strategy.

Individuals (``agents.crowd.Crowd``) each have capital, a current strategy and
personal parameters: attention tilts over assets, a persistent error in the
value they see, a trend lookback and a sensitivity to news. Each strategy is
one Mesa agent (``Fundamentalists``, ``TrendFollowers``, ``NewsTraders``) that
carries the decision rule and applies it, vectorised, to the individuals
following it this week, a contiguous block of the crowd (the crowd is kept
sorted by strategy; personal tables are read through ``Crowd.home``).
Investors switch strategy (``sim.finance.switching``) and keep their capital.

Counting: one agent-step is one individual investor's weekly decision, so a
week with N investors is N agent-steps; the three strategy agents are
containers and are not counted.

Orders (USD million per week) of investor i in asset a:
``capital_i x max_trade_share x attention_a x tilt_ia x tanh(gain x signal_ia)``;
attention is the asset's share of the market value of all tradable assets,
except for news traders, who put their budget where the news is (attention
proportional to the size of each asset's news pull). When the tradable market
is worth less than the investors' capital, every attention is scaled by its
value over that capital (``Quotes.in_market``): the rest of the budget stays in
the wider market, and orders shrink with a collapsing price instead of
swamping it. The products are taken
in the order ``((capital_i x (max_trade_share x attention_a)) x tilt_ia) x
conviction_ia``, element by element, by numba kernels (one pass over the
investors instead of several numpy passes); numpy computes every tanh.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import mesa
import numpy as np
from numba import njit

from agents.crowd import Crowd
from sim.scenario.finance import Investors


@dataclass
class Quotes:
    """What investors see this week, per tradable asset (listings, then ETFs)."""

    log_price: np.ndarray
    log_value: np.ndarray  # fundamental value, as the model computes it
    weights: np.ndarray  # share of the market value of all tradable assets
    news: np.ndarray  # pull of recent news (decaying)
    history: np.ndarray  # ring of past log prices, rows indexed by week % depth
    theme: np.ndarray  # log price of what the company sells (the rare-earth theme)
    theme_history: np.ndarray  # ring of past ``theme``, like ``history``
    week: int
    # Share of investors' budget the tradable market can take: its value over their
    # capital, at most 1. Below 1 (a market smaller than the capital chasing it) the rest
    # stays in the wider market, so orders shrink with a collapsing price.
    in_market: float = 1.0


class InvestorGroup(mesa.Agent, ABC):
    """The investors following one strategy; ``signal`` is the rule."""

    strategy = ""

    def __init__(self, model, spec: Investors):
        super().__init__(model)
        self.gain = spec.gain
        self.cost_pct = spec.cost_percent_per_year

    def attention(self, quotes: Quotes) -> np.ndarray:
        """Share of the group's trading budget for each asset."""
        return quotes.weights * quotes.in_market

    def conviction(self, quotes: Quotes) -> np.ndarray:
        """A typical member's conviction per asset (for the strategy's fitness)."""
        return np.tanh(self.gain * self.typical_signal(quotes))

    def convictions(self, crowd: Crowd, members: slice, quotes: Quotes,
                    out: np.ndarray) -> None:
        """Each member's conviction, tanh(gain x signal), written into ``out``."""
        np.multiply(self.gain, self.signal(crowd, members, quotes), out=out)
        np.tanh(out, out=out)

    @abstractmethod
    def signal(self, crowd: Crowd, members: slice, quotes: Quotes) -> np.ndarray:
        """The rule's signal for each member (members x assets)."""

    @abstractmethod
    def typical_signal(self, quotes: Quotes) -> np.ndarray:
        """The signal of a member with typical personal parameters (assets)."""


class Fundamentalists(InvestorGroup):
    """Signal: log gap between the value an investor sees and the price."""

    strategy = "fundamentalist"

    def signal(self, crowd, members, quotes):
        return crowd.bias[members] + (quotes.log_value - quotes.log_price)[None, :]

    def convictions(self, crowd, members, quotes, out):
        _shifted_into(crowd.bias_table, crowd.home[members], quotes.log_value - quotes.log_price,
                 self.gain, out)
        np.tanh(out, out=out)

    def typical_signal(self, quotes):
        return quotes.log_value - quotes.log_price


class TrendFollowers(InvestorGroup):
    """Signal: annualised log-price trend over the investor's own lookback.

    The signal depends on the investor only through its lookback, so each week
    the conviction is computed once per lookback and looked up by member.
    """

    strategy = "trend"

    def __init__(self, model, spec):
        super().__init__(model, spec)
        self.typical_lookback = (spec.lookback_min_weeks + spec.lookback_max_weeks) // 2
        self.theme_weight = spec.theme_weight
        self.lookbacks = np.arange(spec.lookback_max_weeks + 1)  # row = lookback (0 unused)
        self.lookbacks[0] = 1
        self._week: tuple[Quotes | None, np.ndarray] = (None, np.zeros(0))

    def signal(self, crowd, members, quotes):
        return self._trend(quotes, crowd.lookback[members])

    def typical_signal(self, quotes):
        return self._trend(quotes, np.array([self.typical_lookback]))[0]

    def conviction(self, quotes):
        return self._by_lookback(quotes)[self.typical_lookback]

    def convictions(self, crowd, members, quotes, out):
        self._by_lookback(quotes).take(crowd.lookback[members], axis=0, out=out, mode="clip")

    def _by_lookback(self, quotes: Quotes) -> np.ndarray:
        """This week's conviction for each lookback (lookbacks x assets)."""
        seen, table = self._week
        if seen is not quotes:
            table = np.empty((self.lookbacks.size, quotes.log_price.size))
            _trend_table_into(quotes.log_price, quotes.history, quotes.theme, quotes.theme_history,
                         quotes.week, self.lookbacks, self.theme_weight, self.gain, table)
            np.tanh(table, out=table)
            self._week = (quotes, table)
        return table

    def _trend(self, quotes: Quotes, lookback: np.ndarray) -> np.ndarray:
        rows = (quotes.week - lookback) % quotes.history.shape[0]
        moved = quotes.log_price[None, :] - quotes.history.take(rows, axis=0)
        themed = quotes.theme[None, :] - quotes.theme_history.take(rows, axis=0)
        return (moved + self.theme_weight * themed) * (52.0 / lookback)[:, None]


class NewsTraders(InvestorGroup):
    """Signal: the decaying pull of recent news, times the investor's sensitivity."""

    strategy = "news"

    def signal(self, crowd, members, quotes):
        return crowd.sensitivity[members, None] * quotes.news[None, :]

    def convictions(self, crowd, members, quotes, out):
        np.multiply(crowd.sensitivity[members, None], quotes.news, out=out)
        np.multiply(self.gain, out, out=out)
        np.tanh(out, out=out)

    def attention(self, quotes):
        loud = np.abs(quotes.news)
        total = np.add.reduce(loud)
        if total <= 1e-12:
            return super().attention(quotes)
        return loud / total * quotes.in_market

    def typical_signal(self, quotes):
        return quotes.news


GROUPS = {cls.strategy: cls for cls in (Fundamentalists, TrendFollowers, NewsTraders)}


def crowd_orders(groups: list[InvestorGroup], crowd: Crowd, quotes: Quotes,
                 max_trade_share: float, out: np.ndarray | None = None) -> np.ndarray:
    """This week's orders (investors x assets, USD million), each by its own strategy.

    Investor i orders (capital_i x (max_trade_share x attention)) x tilt_i x conviction_i;
    ``out`` (investors x assets) spares allocating each week.
    """
    orders = np.empty(crowd.tilt_table.shape) if out is None else out
    attention = np.empty((len(groups), orders.shape[1]))
    for index, group in enumerate(groups):
        members = crowd.members(index)
        if members.start == members.stop:
            attention[index] = 0.0
            continue
        group.convictions(crowd, members, quotes, orders[members])
        attention[index] = group.attention(quotes)
    _scale_orders_into(orders, crowd.edges, crowd.capital, max_trade_share, attention,
                  crowd.tilt_table, crowd.home)
    return orders


@njit(cache=True)
def _shifted_into(bias_table, rows, shift, gain, out):
    """out[i, a] = gain x (bias_table[rows[i], a] + shift[a])."""
    for i in range(out.shape[0]):
        row = rows[i]
        for a in range(out.shape[1]):
            out[i, a] = gain * (bias_table[row, a] + shift[a])


@njit(cache=True)
def _trend_table_into(log_price, history, theme, theme_history, week, lookbacks, theme_weight,
                 gain, out):
    """out[k, a] = gain x ((moved + theme_weight x themed) x (52 / lookbacks[k])), moved
    and themed the changes in log price and theme since ``lookbacks[k]`` weeks ago (the
    rings' row (week - lookback) % depth), as ``TrendFollowers._trend`` computes them."""
    depth = history.shape[0]
    for k in range(lookbacks.size):
        row = (week - lookbacks[k]) % depth
        annual = 52.0 / lookbacks[k]
        for a in range(log_price.size):
            moved = log_price[a] - history[row, a]
            themed = theme[a] - theme_history[row, a]
            out[k, a] = gain * ((moved + theme_weight * themed) * annual)


@njit(cache=True)
def _scale_orders_into(orders, edges, capital, max_trade_share, attention, tilt_table, home):
    """orders[i, a] (a conviction in, an order out) = ((capital[i] x (max_trade_share x
    attention[g, a])) x tilt_table[home[i], a]) x orders[i, a], g the strategy whose
    block ``edges[g]:edges[g + 1]`` holds investor i."""
    budget = np.empty(orders.shape[1])
    for g in range(edges.size - 1):
        for a in range(budget.size):
            budget[a] = max_trade_share * attention[g, a]
        for i in range(edges[g], edges[g + 1]):
            row = home[i]
            for a in range(budget.size):
                orders[i, a] = capital[i] * budget[a] * tilt_table[row, a] * orders[i, a]
