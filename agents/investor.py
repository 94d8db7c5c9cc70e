"""Investors: individual traders held as numpy arrays, one Mesa agent per strategy.

Individuals (``Crowd``) each have capital, a current strategy and personal
parameters: attention tilts over assets, a persistent error in the value they
see, a trend lookback and a sensitivity to news. Each strategy is one Mesa
agent (``Fundamentalists``, ``TrendFollowers``, ``NewsTraders``) that carries
the decision rule and applies it, vectorised, to the individuals following it
this week, a contiguous block of the crowd (the crowd is kept sorted by
strategy, so each block is a view, not a copy). Investors switch strategy
(``sim.finance.switching``) and keep their capital.

Counting: one agent-step is one individual investor's weekly decision, so a
week with N investors is N agent-steps; the three strategy agents are
containers and are not counted.

Orders (USD million per week) of investor i in asset a:
``capital_i x max_trade_share x attention_a x tilt_ia x tanh(gain x signal_ia)``;
attention is the asset's share of the market value of all tradable assets,
except for news traders, who put their budget where the news is (attention
proportional to the size of each asset's news pull).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import mesa
import numpy as np

from sim.rng import stream
from sim.scenario.finance import Finance, Investors

TILT_SPREAD = 0.5  # std. dev. of the log of personal attention tilts
CAPITAL_SPREAD = 1.0  # std. dev. of the log of individual capital within a group


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


class Crowd:
    """Every individual investor: one entry each of contiguous per-investor arrays.

    ``capital`` (USD million), ``sensitivity`` to news, ``tilt`` (investors x assets,
    mean about 1), ``bias`` (investors x assets: log error in the value a
    fundamentalist sees); ``strategy`` (index into ``names``) and ``lookback``
    (weeks) are integer arrays. After ``regroup``, ``bounds`` delimit each strategy's
    block and ``sizes`` count its members.
    """

    def __init__(self, table: np.ndarray, strategy: np.ndarray, lookback: np.ndarray,
                 names: tuple[str, ...]):
        assets = (table.shape[1] - 2) // 2
        self.capital = np.ascontiguousarray(table[:, 0])
        self.sensitivity = np.ascontiguousarray(table[:, 1])
        self.tilt = np.ascontiguousarray(table[:, 2:2 + assets])
        self.bias = np.ascontiguousarray(table[:, 2 + assets:])
        self.strategy, self.lookback, self.names = strategy, lookback, names
        self._grouped: np.ndarray | None = None  # the strategy array last seen sorted

    @classmethod
    def build(cls, finance: Finance, assets: int, seed: int) -> Crowd:
        """Each group's individuals, drawn from the group's own random stream."""
        groups = finance.populations()
        noise = getattr(finance.fundamentalists, "perception_noise", 0.0)
        trend, news = finance.trend_followers, finance.news_traders
        low = trend.lookback_min_weeks if trend else 1
        high = trend.lookback_max_weeks if trend else 1
        spread = news.sensitivity_spread if news else 0.0
        parts = []
        for index, (name, spec) in enumerate(groups.items()):
            rng, n = stream(seed, "investors", name), spec.count
            size = rng.lognormal(0.0, CAPITAL_SPREAD, n)
            capital = spec.capital_usd_million * size / max(size.sum(), 1e-12)
            tilt = rng.lognormal(-TILT_SPREAD**2 / 2, TILT_SPREAD, (n, assets))
            bias = rng.normal(0.0, noise, (n, assets))
            lookback = rng.integers(low, high + 1, n)
            sensitivity = rng.lognormal(-spread**2 / 2, spread, n)
            parts.append((np.column_stack([capital, sensitivity, tilt, bias]),
                          np.full(n, index), lookback))
        table, strategy, lookback = (np.concatenate(c) for c in zip(*parts, strict=True))
        crowd = cls(table.reshape(-1, 2 + 2 * assets), strategy, lookback, tuple(groups))
        crowd.regroup()
        return crowd

    def __len__(self) -> int:
        return self.capital.size

    def regroup(self) -> None:
        """Sort investors by strategy (stable), so each strategy's members are one block."""
        strategy = self.strategy
        if strategy is self._grouped:  # unchanged since it was last sorted
            return
        if (strategy[1:] < strategy[:-1]).any():
            order = strategy.argsort(kind="stable")
            self.capital = self.capital.take(order)
            self.sensitivity = self.sensitivity.take(order)
            self.tilt = self.tilt.take(order, axis=0)
            self.bias = self.bias.take(order, axis=0)
            self.lookback = self.lookback.take(order)
            self.strategy = strategy = strategy.take(order)
        self._grouped = strategy
        bounds = strategy.searchsorted(np.arange(len(self.names) + 1))
        self.bounds, self.sizes = bounds.tolist(), bounds[1:] - bounds[:-1]

    def members(self, index: int) -> slice:
        """The block of investors following strategy ``index``."""
        return slice(self.bounds[index], self.bounds[index + 1])


class InvestorGroup(mesa.Agent, ABC):
    """The investors following one strategy; ``signal`` is the rule."""

    strategy = ""

    def __init__(self, model, spec: Investors):
        super().__init__(model)
        self.gain = spec.gain
        self.cost_pct = spec.cost_percent_per_year

    def attention(self, quotes: Quotes) -> np.ndarray:
        """Share of the group's trading budget for each asset."""
        return quotes.weights

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
        np.add(crowd.bias[members], quotes.log_value - quotes.log_price, out=out)
        np.multiply(self.gain, out, out=out)
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
        self._by_lookback(quotes).take(crowd.lookback[members], axis=0, out=out)

    def _by_lookback(self, quotes: Quotes) -> np.ndarray:
        """This week's conviction for each lookback (lookbacks x assets)."""
        seen, table = self._week
        if seen is not quotes:
            table = np.tanh(self.gain * self._trend(quotes, self.lookbacks))
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
        return loud / total if total > 1e-12 else quotes.weights

    def typical_signal(self, quotes):
        return quotes.news


GROUPS = {cls.strategy: cls for cls in (Fundamentalists, TrendFollowers, NewsTraders)}


def crowd_orders(groups: list[InvestorGroup], crowd: Crowd, quotes: Quotes,
                 max_trade_share: float, out: np.ndarray | None = None,
                 scratch: np.ndarray | None = None) -> np.ndarray:
    """This week's orders (investors x assets, USD million), each by its own strategy.

    Investor i orders (capital_i x (max_trade_share x attention)) x tilt_i x conviction_i;
    ``out`` and ``scratch`` (both investors x assets) spare allocating each week.
    """
    orders = np.empty(crowd.tilt.shape) if out is None else out
    budget = np.empty(crowd.tilt.shape) if scratch is None else scratch
    for index, group in enumerate(groups):
        members = crowd.members(index)
        if members.start == members.stop:
            continue
        block, spend = orders[members], budget[members]
        group.convictions(crowd, members, quotes, block)
        np.multiply(crowd.capital[members, None], max_trade_share * group.attention(quotes),
                    out=spend)
        np.multiply(spend, crowd.tilt[members], out=spend)
        np.multiply(spend, block, out=block)
    return orders
