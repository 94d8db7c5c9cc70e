"""Manufacturers: end demand for magnets by segment and end use.

Short run: nearly inelastic, but no buyer pays more than ``choke_price_multiple``
times the start price (motors switch to ferrite or induction designs). Long run:
substitution, thrifting and recycling move demand towards the long-run
elasticity over ``long_run_adjustment_years``.

Each week, per buyer, with ``p`` the region's magnet price and ``p0`` the start
price: the remembered price moves ``memory_step`` of the way to ``p``; the long-run
factor moves ``adjust`` of the way to (memory / p0) ^ (long-run - short-run
elasticity); wanted = base x growth ^ week x shock x long-run factor x
(p / p0) ^ short-run elasticity x (1 - (p / p0 / choke) ^ choke_exponent), the
last factor at least 0. Buyers' state is one array (``Buyers``, a column per
buyer), and the rule runs for all of them in one compiled call.
"""

from __future__ import annotations

import mesa
import numpy as np
from numba import njit

from agents.columns import column
from sim.world import MAGNET, WEEKS_PER_YEAR

# Rows of the buyers' state.
BASE, GROWTH, REFERENCE, MEMORY, THRIFT, SHOCK, WANTED, AT_START, MILITARY = range(9)
ROWS = 9


class Buyers:
    """Every manufacturer's weekly state: ``state`` (rows x buyers) and ``regions``."""

    def __init__(self, rules):
        self.adjust = 1.0 / (rules.long_run_adjustment_years * WEEKS_PER_YEAR)
        self.settings = np.array([
            self.adjust, self.adjust * rules.price_memory_speed,
            rules.long_run_elasticity - rules.short_run_elasticity, rules.short_run_elasticity,
            rules.choke_price_multiple, rules.choke_exponent])
        self.state = np.zeros((ROWS, 0))
        self.regions = np.zeros(0, dtype=np.int64)

    def add(self, region: int, base: float, growth: float, reference: float,
            military: float) -> int:
        column = np.zeros((ROWS, 1))
        column[[BASE, GROWTH, REFERENCE, MEMORY, THRIFT, SHOCK, MILITARY], 0] = (
            base, growth, reference, reference, 1.0, 1.0, military)
        self.state = np.ascontiguousarray(np.hstack([self.state, column]))
        self.regions = np.append(self.regions, region)
        return self.regions.size - 1

    def plan(self, prices: np.ndarray, week: int, first: int = 0,
             last: int | None = None) -> np.ndarray:
        """Magnets (t) each buyer (``first`` to ``last``) wants this week at ``prices``."""
        last = self.regions.size if last is None else last
        _plan_buyers(self.state, self.regions, prices, float(week), self.settings, first, last)
        return self.state[WANTED, first:last]

    def military_share(self, regions: int) -> np.ndarray:
        """Share of this week's magnets wanted for military end use, by region (0 where
        nothing is wanted)."""
        share = np.empty(regions)
        _military_into(self.state, self.regions, share)
        return share


def _column(row: int, doc: str) -> property:
    return column("buyers", row, doc)


class Manufacturer(mesa.Agent):
    """One segment's magnet buyers in one region; its state is a column of ``Buyers``."""

    reference_price = _column(REFERENCE, "Magnet price at the start (USD/kg).")
    price_memory = _column(MEMORY, "Remembered magnet price (USD/kg).")
    thrift = _column(THRIFT, "Long-run demand factor from substitution.")
    shock = _column(SHOCK, "Demand shock factor (1: none).")
    wanted = _column(WANTED, "Magnets wanted this week (t).")
    at_start_prices = _column(AT_START, "Magnets it would want this week at the start price.")
    military_share = _column(MILITARY, "Share of its magnets for military end use.")

    def __init__(self, model, name: str, spec, region: int, buyers: Buyers):
        super().__init__(model)
        self.name = name
        self.region = region
        self.segment = spec.segment
        growth = spec.growth_percent_per_year
        growth = model.spec.demand.growth_percent_per_year if growth is None else growth
        self.buyers = buyers
        self.slot = buyers.add(region, spec.demand_t_per_year / WEEKS_PER_YEAR,
                               (1 + growth / 100) ** (1 / WEEKS_PER_YEAR),
                               model.price(region, MAGNET), spec.military)

    def plan(self) -> float:
        """Magnets (t) wanted this week at today's price (this buyer alone)."""
        return self.buyers.plan(self.model.prices, self.model.steps, self.slot,
                                self.slot + 1)[0].item()


@njit(cache=True)
def _plan_buyers(state, regions, prices, week, settings, first,
                 last):  # pragma: no cover - compiled
    adjust, memory_step, thrift_exponent, short_run_elasticity, choke, choke_exponent = (
        settings[0], settings[1], settings[2], settings[3], settings[4], settings[5])
    for b in range(first, last):
        price = prices[regions[b], MAGNET]
        reference = state[REFERENCE, b]
        state[MEMORY, b] += memory_step * (price - state[MEMORY, b])
        relative = state[MEMORY, b] / reference
        relative = 1e-6 if relative < 1e-6 else relative
        state[THRIFT, b] += adjust * (relative ** thrift_exponent - state[THRIFT, b])
        relative_now = price / reference
        relative_now = 1e-6 if relative_now < 1e-6 else relative_now
        short_run = relative_now ** short_run_elasticity
        left = 1.0 - (relative_now / choke) ** choke_exponent
        short_run *= left if left > 0.0 else 0.0
        state[AT_START, b] = state[BASE, b] * state[GROWTH, b] ** week * state[SHOCK, b]
        state[WANTED, b] = state[AT_START, b] * state[THRIFT, b] * short_run


@njit(cache=True)
def _military_into(state, regions, share):  # pragma: no cover - compiled
    n = share.shape[0]
    total, defence = np.zeros(n), np.zeros(n)
    for b in range(regions.size):
        total[regions[b]] += state[WANTED, b]
        defence[regions[b]] += state[WANTED, b] * state[MILITARY, b]
    for r in range(n):
        share[r] = defence[r] / (total[r] if total[r] > 0 else 1.0)
