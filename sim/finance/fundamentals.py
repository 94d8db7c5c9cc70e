"""Fundamental values: what a listed company's firms earn at the model's prices.

A firm is worth ``earnings_multiple`` x its expected annual operating profit.
Expected profit per kg blends this week's margin and the firm's remembered
margin (both at sale prices, so a state price floor raises them) times its
unit cost; it is earned on installed capacity at current utilisation plus
``pipeline_value_share`` of the capacity under construction. A company is
worth the sum of its firms plus what the model does not represent, never
less than ``min_value_share`` of its start market value.
"""

from __future__ import annotations

import numpy as np

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


def company_values(modelled: np.ndarray, other: np.ndarray, start_value: np.ndarray,
                   rules: Valuation) -> np.ndarray:
    """Value of each listed company (USD million), floored at its option value."""
    return np.maximum(modelled + other, rules.min_value_share * start_value)
