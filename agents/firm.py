"""What every producing firm shares: capacity, utilisation, margins, expansion.

A firm sees the market only through its region's prices and the policy levers
of its own state; it never reads another agent's internals. Its weekly state
is its column of the stage's ``FirmBook`` (``agents.firm_book``), and the
rules it follows are ``agents.firm_rules``: the model runs them for a whole
stage at once, and a firm's methods run them for its own column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import mesa

from agents import firm_rules as fr
from agents.columns import column
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


def book_column(row: int, doc: str) -> property:
    """An attribute stored in the firm's column of its stage's ``FirmBook``."""
    return column("book", row, doc)


class Firm(mesa.Agent):
    """A producing firm; its weekly state lives in its stage's ``FirmBook`` column."""

    stage: str = ""

    capacity_t_per_week = book_column(fr.CAPACITY, "Installed capacity (t/week).")
    cost = book_column(fr.COST, "Operating cost (USD/kg), before subsidies.")
    min_utilisation = book_column(fr.MIN_UTILISATION, "Share of capacity run even at a loss.")
    margin = book_column(fr.MARGIN, "This week's margin over cost (share).")
    margin_memory = book_column(fr.MEMORY, "Remembered margin (share).")
    utilisation = book_column(fr.UTILISATION, "Share of capacity running.")
    planned_t_per_year = book_column(fr.PLANNED, "Set aside towards the next project (t/yr).")
    capital_factor = book_column(fr.CAPITAL_FACTOR, "Ease of raising capital; investors move it.")
    wanted = book_column(fr.WANTED, "Output planned this week (t/week).")

    def __init__(self, model: Market, name: str, spec, region: int):
        super().__init__(model)
        self.name = name
        self.region = region
        self.luck = stream(model.seed, "firm", self.stage, name)  # own stream
        self.projects: list[CapacityProject] = []
        self.stage_index = STAGES.index(self.stage)
        self.book = model.firm_book(self.stage)
        self.slot = self.book.add(region, {
            fr.CAPACITY: spec.capacity_t_per_year / WEEKS_PER_YEAR,
            fr.COST: spec.cost_usd_per_kg, fr.MIN_UTILISATION: spec.min_utilisation,
            fr.CAPITAL_FACTOR: 1.0, **self._own_column(model, spec, region)})

    def _own_column(self, model: Market, spec, region: int) -> dict[int, float]:
        """Starting values of the stage's own rows."""
        return {}

    @property
    def growth_over_lead_time(self) -> float:
        """Share of capacity that demand growth takes up over the stage's lead time."""
        return self.book.settings[fr.GROWTH_OVER_LEAD].item()

    # -- economics: one firm, by the stage's compiled rules -----------------
    def effective_cost(self) -> float:
        return fr.own_cost(self.book.state, self.slot, self.region, self.stage_index,
                           self.model.policy.subsidy)

    def input_cost_per_kg(self) -> float:
        return fr.bought_cost(self.book.kind, self.book.state, self.slot, self.region,
                              self.model.prices)

    def revenue_per_kg(self) -> float:
        """Value of one kg of the firm's output (USD/kg), floors included."""
        model = self.model
        return fr.revenue(self.book.kind, self.book.state, self.slot, self.region,
                          model.prices, model.policy.price_floor, model.feed_grades(),
                          model.market_grade())

    def update_margin(self) -> None:
        model = self.model
        fr.update_margin(self.book.kind, self.book.state, self.slot, self.region,
                         self.stage_index, model.prices, model.policy.price_floor,
                         model.policy.subsidy, model.feed_grades(), model.market_grade(),
                         self.book.settings)

    def target_utilisation(self) -> float:
        """Full output at ``full_output_margin``, minimum output at ``minimum_output_margin``,
        falling to none over ``shut_in_width`` below ``shut_in_margin``."""
        return fr.utilisation_target(self.margin, self.min_utilisation, self.book.settings)

    # -- investment -----------------------------------------------------
    def pipeline_t_per_year(self) -> float:
        """Capacity decided and not yet online (t/yr)."""
        return self.book.state[fr.PIPELINE, self.slot].item()

    def add_project(self, project: CapacityProject) -> None:
        self.projects.append(project)
        self._count_pipeline()

    def remove_project(self, project: CapacityProject) -> None:
        self.projects.remove(project)
        self._count_pipeline()

    def _count_pipeline(self) -> None:
        self.book.state[fr.PIPELINE, self.slot] = sum(p.t_per_year for p in self.projects)

    def new_supply_margin(self) -> float:
        """Expected margin on new capacity: the remembered price against the cost of
        new supply, the operating cost raised by the capital charge (share)."""
        return fr.supply_margin(self.book.kind, self.book.state, self.slot, self.region,
                                self.stage_index, self.model.prices, self.model.policy.subsidy,
                                self.book.settings)

    def expansion_pace(self) -> float:
        """Share of capacity a year the firm wants to add (0 at or below the hurdle).

        ``growth_per_excess_margin`` times the excess of the expected margin on
        new capacity over ``hurdle_margin``, less ``pipeline_weight`` per share
        of capacity under construction beyond what demand growth will take up
        over the stage's lead time, at most ``max_growth_per_year``. A miner adds
        none while its state's mines already have capacity for its mining quota.
        """
        model = self.model
        return fr.expansion_pace(self.book.kind, self.book.state, self.slot, self.region,
                                 self.stage_index, model.prices, model.policy.subsidy,
                                 model.capacity_by_stage(),
                                 model.policy.mining_quota_t_per_year, self.book.settings)

    def expansion_wanted(self) -> float:
        """t/yr of new capacity the firm commits to this week (0: none).

        Each week the firm sets aside ``expansion_pace / 52`` of its capacity;
        once the sum reaches one project (``expansion_share`` of capacity, at
        least ``min_expansion_t_per_year``) it commits to it. Below the hurdle
        the sum decays by the same weekly share, so an old plan lapses.
        """
        return fr.commit(self.book.state, self.slot, self.expansion_pace(), self.book.settings)
