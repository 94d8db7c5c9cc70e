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
        self.planned_t_per_year = 0.0  # set aside towards the next project
        self.capital_factor = 1.0  # ease of raising capital; investors move it
        self.stage_index = STAGES.index(self.stage)
        self.utilisation = 0.0
        curve = model.spec.production.utilisation
        self.pull_per_margin = 1.0 / (curve.full_output_margin - curve.minimum_output_margin)
        self.pull_at_zero_margin = -curve.minimum_output_margin * self.pull_per_margin
        self.shut_in_margin, self.shut_in_width = curve.shut_in_margin, curve.shut_in_width
        self.memory_weight = 1.0 / model.spec.investment.margin_memory_weeks
        self.ramp = model.spec.production.utilisation_ramp
        growth = model.spec.demand.growth_percent_per_year / 100
        self.growth_over_lead_time = (  # share of capacity demand growth takes up meanwhile
            (1.0 + growth) ** model.spec.investment.lead_time_years[self.stage] - 1.0)

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
    def pipeline_t_per_year(self) -> float:
        """Capacity decided and not yet online (t/yr)."""
        return sum(project.t_per_year for project in self.projects)

    def new_supply_margin(self) -> float:
        """Expected margin on new capacity: the remembered price against the cost of
        new supply, the operating cost raised by the capital charge (share)."""
        rules = self.model.spec.investment
        own, bought = self.effective_cost(), self.input_cost_per_kg()
        expected_revenue = (1.0 + self.margin_memory) * (own + bought)
        new_cost = own * (1.0 + rules.capital_charge_share) + bought
        return (expected_revenue - new_cost) / (1e-9 if new_cost < 1e-9 else new_cost)

    def expansion_pace(self) -> float:
        """Share of capacity a year the firm wants to add (0 at or below the hurdle).

        ``growth_per_excess_margin`` times the excess of the expected margin on
        new capacity over ``hurdle_margin``, less ``pipeline_weight`` per share
        of capacity under construction beyond what demand growth will take up
        over the stage's lead time, at most ``max_growth_per_year``.
        """
        rules = self.model.spec.investment
        capacity = self.capacity_t_per_week * WEEKS_PER_YEAR
        under_way = self.pipeline_t_per_year() / (capacity if capacity > 1.0 else 1.0)
        overbuilt = under_way - self.growth_over_lead_time
        excess = self.new_supply_margin() - rules.hurdle_margin - rules.pipeline_weight * overbuilt
        if excess <= 0.0:
            return 0.0
        pace = rules.growth_per_excess_margin * excess * self.capital_factor
        return rules.max_growth_per_year if pace > rules.max_growth_per_year else pace

    def expansion_wanted(self) -> float:
        """t/yr of new capacity the firm commits to this week (0: none).

        Each week the firm sets aside ``expansion_pace / 52`` of its capacity;
        once the sum reaches one project (``expansion_share`` of capacity, at
        least ``min_expansion_t_per_year``) it commits to it. Below the hurdle
        the sum decays by the same weekly share, so an old plan lapses.
        """
        rules = self.model.spec.investment
        capacity = self.capacity_t_per_week * WEEKS_PER_YEAR
        pace = self.expansion_pace()
        if pace <= 0.0:
            self.planned_t_per_year *= 1.0 - self.memory_weight
            return 0.0
        self.planned_t_per_year += pace * capacity / WEEKS_PER_YEAR
        size = capacity * rules.expansion_share
        size = rules.min_expansion_t_per_year if size < rules.min_expansion_t_per_year else size
        if self.planned_t_per_year < size:
            return 0.0
        self.planned_t_per_year -= size
        return size
