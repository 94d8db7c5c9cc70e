"""What every producing firm shares: capacity, utilisation, margins, expansion.

A firm sees the market only through ``model.price(region, product)`` and the
policy levers of its own state; it never reads another agent's internals.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING

import mesa

from sim.rng import stream
from sim.world import STAGES, WEEKS_PER_YEAR

if TYPE_CHECKING:
    from sim.interfaces import Market


class CapacityProject:
    """Capacity decided now that comes online after its lead time (then ``on_complete``)."""

    def __init__(self, firm: Firm, t_per_year: float, source: str, decided_step: int,
                 on_complete: Callable[[CapacityProject], None]):
        self.firm, self.t_per_year, self.source = firm, t_per_year, source
        self.decided_step = decided_step
        self.on_complete = on_complete

    def complete(self) -> None:
        self.on_complete(self)


class Firm(mesa.Agent, ABC):
    stage: str = ""

    def __init__(self, model: Market, name: str, spec, region: int):
        super().__init__(model)
        self.name = name
        self.region = region
        self.capacity_t_per_week = spec.capacity_t_per_year / WEEKS_PER_YEAR
        self.cost = spec.cost_usd_per_kg
        self.min_utilisation = spec.min_utilisation
        self.luck = stream(model.seed, "firm", self.stage, name)  # own stream
        self.margin = 0.0
        self.margin_memory = 0.0
        self.projects: list[CapacityProject] = []
        self.capital_factor = 1.0  # ease of raising capital; investors move it
        self.stage_index = STAGES.index(self.stage)
        self.utilisation = 0.0
        curve = model.spec.production.utilisation
        self.pull_per_margin = 1.0 / (curve.full_output_margin - curve.minimum_output_margin)
        self.pull_at_zero_margin = -curve.minimum_output_margin * self.pull_per_margin
        self.shut_in_margin, self.shut_in_width = curve.shut_in_margin, curve.shut_in_width
        self.memory_weight = 1.0 / model.spec.investment.margin_memory_weeks
        self.ramp = model.spec.production.utilisation_ramp

    # The weekly arithmetic below runs for every firm every week: it is written
    # with Python floats and conditional expressions (``b if b > a else a`` is
    # ``max(a, b)``), which give the same numbers as max/min calls, faster.

    # -- economics ------------------------------------------------------
    def effective_cost(self) -> float:
        cost = self.cost - self.model.subsidy(self.region, self.stage_index)
        return 0.0 if cost < 0.0 else cost

    @abstractmethod
    def revenue_per_kg(self) -> float:
        """Value of one kg of the firm's output (USD/kg), floors included."""

    def input_cost_per_kg(self) -> float:
        return 0.0

    def update_margin(self) -> None:
        cost = self.effective_cost() + self.input_cost_per_kg()
        self.margin = (self.revenue_per_kg() - cost) / (1e-9 if cost < 1e-9 else cost)
        self.margin_memory += self.memory_weight * (self.margin - self.margin_memory)

    def target_utilisation(self) -> float:
        """Full output at ``full_output_margin``, minimum output at ``minimum_output_margin``,
        falling to none over ``shut_in_width`` below ``shut_in_margin``."""
        pull = self.pull_at_zero_margin + self.pull_per_margin * self.margin
        pull = 0.0 if pull < 0.0 else (1.0 if pull > 1.0 else pull)
        running = self.min_utilisation + (1.0 - self.min_utilisation) * pull
        if self.margin < self.shut_in_margin:
            left = 1.0 + (self.margin - self.shut_in_margin) / self.shut_in_width
            running *= left if left > 0.0 else 0.0
        return running

    def plan_output(self) -> float:
        """Output (t/week) the firm wants this week at current prices."""
        self.update_margin()
        self.utilisation += self.ramp * (self.target_utilisation() - self.utilisation)
        return self.capacity_t_per_week * self.utilisation * self.model.output_factor(self)

    # -- investment -----------------------------------------------------
    def expansion_wanted(self) -> float:
        """t/yr of new capacity the firm decides on this week (0: none).

        It expands when its remembered margin beats the hurdle, at random
        pace, and never while a project is under way.
        """
        rules = self.model.spec.investment
        if self.projects or self.margin_memory <= rules.hurdle_margin:
            return 0.0
        excess = (self.margin_memory - rules.hurdle_margin) / max(
            rules.hurdle_margin, rules.min_margin_excess_for_full_pace)
        chance = rules.max_weekly_probability * min(excess, 1.0) * self.capital_factor
        if self.luck.random() < chance:
            size = self.capacity_t_per_week * WEEKS_PER_YEAR * rules.expansion_share
            return max(size, rules.min_expansion_t_per_year)
        return 0.0
