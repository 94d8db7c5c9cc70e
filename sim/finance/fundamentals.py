"""Fundamental values: what a listed company's firms earn at the model's prices.

A firm is worth ``earnings_multiple`` x its expected annual operating profit.
Expected profit per kg blends this week's margin and the firm's remembered
margin (both at sale prices, so a state price floor raises them) times its
unit cost; it is earned on installed capacity at current utilisation plus
``pipeline_value_share`` of the capacity under construction. A company is
worth the sum of its firms plus what the model does not represent, never
less than ``min_value_share`` of its start market value.

``ListedFirms`` values every listed firm of a stage in one compiled pass over
the stage's ``FirmBook`` columns, with ``firm_value``'s arithmetic in its
order (the capacity under construction is the book's pipeline row, the sum of
the firm's projects), then sums each company's firms as ``modelled_values``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from agents import firm_rules as fr
from sim.scenario.finance import Valuation
from sim.world import WEEKS_PER_YEAR

KG_PER_T = 1000.0
USD_PER_MILLION = 1e6


def firm_value(firm, rules: Valuation) -> float:
    """Value of one firm (USD million) from its expected operating profit."""
    cost = firm.effective_cost() + firm.input_cost_per_kg()
    w = rules.expected_margin_weight
    profit_per_kg = ((1.0 - w) * firm.margin + w * firm.margin_memory) * cost
    running = firm.capacity_t_per_week * WEEKS_PER_YEAR * firm.utilisation
    projects = firm.projects
    building = rules.pipeline_value_share * (sum([p.t_per_year for p in projects])
                                             if projects else 0)
    per_year = profit_per_kg * (running + building) * KG_PER_T / USD_PER_MILLION
    return rules.earnings_multiple * per_year


def modelled_values(owned: list[list], rules: Valuation) -> np.ndarray:
    """Value of each listing's firms (USD million); ``owned`` lists the firms per listing."""
    value = firm_value
    return np.array([sum([value(f, rules) for f in firms]) for firms in owned], dtype=float)


class ListedFirms:
    """The listed companies' firms, by the stage book that holds their state."""

    def __init__(self, owned: list[list]):
        firms = [firm for own in owned for firm in own]
        self.size = len(firms)
        start = np.cumsum([0] + [len(own) for own in owned]).tolist()
        self.members = [range(a, b) for a, b in zip(start[:-1], start[1:], strict=True)]
        company = [i for i, own in enumerate(owned) for _ in own]
        books: dict[int, tuple] = {}
        for position, firm in enumerate(firms):
            book, slots, positions = books.setdefault(id(firm.book), (firm.book, [], []))
            slots.append(firm.slot)
            positions.append(position)
        self.books = [(book, np.array(slots, dtype=np.int64), np.array(positions, dtype=np.int64))
                      for book, slots, positions in books.values()]
        self.columns = [(firm.book, firm.slot, company[k]) for k, firm in enumerate(firms)]

    def values(self, rules: Valuation, prices: np.ndarray, subsidy: np.ndarray) -> np.ndarray:
        """``modelled_values`` of the companies (USD million), one pass per stage."""
        per_firm = np.empty(self.size)
        for book, slots, positions in self.books:
            _firm_values_into(book.kind, book.state, book.regions, book.stage_index, slots,
                              positions, prices, subsidy, rules.expected_margin_weight,
                              rules.pipeline_value_share, rules.earnings_multiple, per_firm)
        worth = per_firm.tolist()
        return np.array([sum([worth[k] for k in firms]) for firms in self.members], dtype=float)

    def set_capital_factors(self, per_company: np.ndarray) -> None:
        """Each firm's ``capital_factor`` = its company's entry of ``per_company``."""
        factors = per_company.tolist()
        for book, slot, company in self.columns:
            book.state[fr.CAPITAL_FACTOR, slot] = factors[company]


@njit(cache=True)
def _firm_values_into(kind, state, regions, stage, slots, positions, prices, subsidy,
                      weight, pipeline_share, multiple, out):
    """out[positions[k]] = ``firm_value`` of the firm in column ``slots[k]`` of ``state``."""
    for k in range(slots.size):
        j = slots[k]
        region = regions[j]
        cost = (fr.own_cost(state, j, region, stage, subsidy)
                + fr.bought_cost(kind, state, j, region, prices))
        profit_per_kg = ((1.0 - weight) * state[fr.MARGIN, j]
                         + weight * state[fr.MEMORY, j]) * cost
        running = state[fr.CAPACITY, j] * WEEKS_PER_YEAR * state[fr.UTILISATION, j]
        building = pipeline_share * state[fr.PIPELINE, j]
        per_year = profit_per_kg * (running + building) * KG_PER_T / USD_PER_MILLION
        out[positions[k]] = multiple * per_year


def company_values(modelled: np.ndarray, other: np.ndarray, start_value: np.ndarray,
                   rules: Valuation) -> np.ndarray:
    """Value of each listed company (USD million), floored at its option value."""
    return np.maximum(modelled + other, rules.min_value_share * start_value)
