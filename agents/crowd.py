"""The crowd: every individual investor, as per-investor arrays.

Each investor has capital, a current strategy and personal parameters
(attention tilts over assets, a persistent error in the value it sees, a
trend lookback and a sensitivity to news), drawn once from its group's own
random stream. The crowd is kept sorted by strategy, stably (investors of one
strategy keep their relative order), so each strategy's members are one
contiguous block of ``strategy``, ``capital``, ``sensitivity`` and
``lookback``. The two investors x assets tables (``tilt_table``,
``bias_table``) keep the order investors were drawn in: ``home`` gives the
table row of each investor in crowd order, so a sort moves a few small
arrays, not the tables (``tilt`` and ``bias`` read them in crowd order).

Regrouping is a counting sort: investors of strategy 0 in their current
order, then those of strategy 1, and so on, which is the order a stable
argsort gives (a numba kernel, one pass over the investors).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.rng import stream
from sim.scenario.finance import Finance

TILT_SPREAD = 0.5  # std. dev. of the log of personal attention tilts
CAPITAL_SPREAD = 1.0  # std. dev. of the log of individual capital within a group


class Crowd:
    """Every individual investor: one entry each of per-investor arrays, in crowd order.

    ``capital`` (USD million), ``sensitivity`` to news, ``tilt`` (investors x assets,
    mean about 1), ``bias`` (investors x assets: log error in the value a
    fundamentalist sees); ``strategy`` (index into ``names``) and ``lookback``
    (weeks) are integer arrays. ``tilt`` and ``bias`` are rows ``home`` of
    ``tilt_table`` and ``bias_table``. After ``regroup``, ``bounds`` delimit each
    strategy's block (``edges`` is the same as an array) and ``sizes`` count its members.
    A sort writes into the arrays the sort before it replaced, so copy a per-investor
    array to keep it across weeks.
    """

    def __init__(self, table: np.ndarray, strategy: np.ndarray, lookback: np.ndarray,
                 names: tuple[str, ...]):
        assets = (table.shape[1] - 2) // 2
        self.capital = np.ascontiguousarray(table[:, 0])
        self.sensitivity = np.ascontiguousarray(table[:, 1])
        self.tilt_table = np.ascontiguousarray(table[:, 2:2 + assets])
        self.bias_table = np.ascontiguousarray(table[:, 2 + assets:])
        self.home = np.arange(len(table))
        self.strategy, self.lookback, self.names = strategy, lookback, names
        self._grouped: np.ndarray | None = None  # the strategy array last seen sorted
        self._spare: tuple[np.ndarray, ...] | None = None  # arrays the next sort writes

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

    @property
    def tilt(self) -> np.ndarray:
        """Attention tilts, investors (crowd order) x assets (a copy)."""
        return self.tilt_table.take(self.home, axis=0)

    @property
    def bias(self) -> np.ndarray:
        """Log errors in the value seen, investors (crowd order) x assets (a copy)."""
        return self.bias_table.take(self.home, axis=0)

    def regroup(self) -> None:
        """Sort investors by strategy (stable), so each strategy's members are one block."""
        strategy = self.strategy
        if strategy is self._grouped:  # unchanged since it was last sorted
            return
        edges = np.empty(len(self.names) + 1, dtype=np.int64)
        arrays = (strategy, self.capital, self.sensitivity, self.lookback, self.home)
        spare = self._spare
        if spare is None or spare[0] is strategy or spare[0].shape != strategy.shape:
            spare = tuple(np.empty_like(a) for a in arrays)
        if not _stable_sort_into(edges, *arrays, *spare):
            self.strategy, self.capital, self.sensitivity, self.lookback, self.home = spare
            self._spare = arrays  # written by the next sort: no array is allocated weekly
            strategy = self.strategy
        self._grouped = strategy
        self.edges = edges
        self.bounds, self.sizes = edges.tolist(), edges[1:] - edges[:-1]

    def members(self, index: int) -> slice:
        """The block of investors following strategy ``index``."""
        return slice(self.bounds[index], self.bounds[index + 1])


@njit(cache=True)
def _stable_sort_into(edges, strategy, capital, sensitivity, lookback, home, strategy_out,
                 capital_out, sensitivity_out, lookback_out, home_out):
    """Counting sort by ``strategy`` (values 0..len(edges) - 2): fill ``edges`` with where
    each strategy's block starts (the last entry is the crowd's size); unless ``strategy``
    is sorted already (then return True), write each array into its ``_out`` in the
    stable order (the k-th investor of strategy g to ``edges[g] + k``) and return False."""
    edges[:] = 0
    ordered, last = True, 0
    for i in range(strategy.size):
        edges[strategy[i] + 1] += 1
        ordered = ordered and strategy[i] >= last
        last = strategy[i]
    for g in range(edges.size - 1):
        edges[g + 1] += edges[g]
    if ordered:
        return True
    slot = edges[:-1].copy()
    for i in range(strategy.size):
        k = slot[strategy[i]]
        slot[strategy[i]] += 1
        strategy_out[k], capital_out[k], sensitivity_out[k] = (strategy[i], capital[i],
                                                               sensitivity[i])
        lookback_out[k], home_out[k] = lookback[i], home[i]
    return False
