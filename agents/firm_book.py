"""The state of every firm of one stage, one array: a row per quantity, a column per firm.

Firm agents read and write their own column through attributes
(``firm.margin`` is ``book.state[MARGIN, firm.slot]``); the model runs each
stage's week in one call (``plan``, ``expansion``), by the rules of
``agents.firm_rules``. A firm added during a run adds a column.
"""

from __future__ import annotations

import numpy as np

from agents import firm_rules as fr
from sim.scenario import Scenario
from sim.world import STAGES, WEEKS_PER_YEAR

KIND_OF_STAGE = {"mining": fr.MINING, "refining": fr.REFINING, "magnets": fr.MAGNETS}


def stage_settings(spec: Scenario, stage: str) -> np.ndarray:
    """The scenario's settings a stage's weekly decisions use, as ``firm_rules`` reads them."""
    curve, investment = spec.production.utilisation, spec.investment
    recipe = spec.production
    settings = np.zeros(fr.SETTINGS)
    pull_per_margin = 1.0 / (curve.full_output_margin - curve.minimum_output_margin)
    settings[fr.PULL_PER_MARGIN] = pull_per_margin
    settings[fr.PULL_AT_ZERO] = -curve.minimum_output_margin * pull_per_margin
    settings[fr.SHUT_IN_MARGIN], settings[fr.SHUT_IN_WIDTH] = (curve.shut_in_margin,
                                                               curve.shut_in_width)
    settings[fr.MEMORY_WEIGHT] = 1.0 / investment.margin_memory_weeks
    settings[fr.RAMP] = recipe.utilisation_ramp
    settings[fr.CAPITAL_CHARGE] = investment.capital_charge_share
    settings[fr.HURDLE] = investment.hurdle_margin
    settings[fr.PIPELINE_WEIGHT] = investment.pipeline_weight
    settings[fr.GROWTH_PER_EXCESS] = investment.growth_per_excess_margin
    settings[fr.MAX_GROWTH] = investment.max_growth_per_year
    settings[fr.EXPANSION_SHARE] = investment.expansion_share
    settings[fr.MIN_EXPANSION] = investment.min_expansion_t_per_year
    growth = spec.demand.growth_percent_per_year / 100
    # Share of capacity that demand growth takes up over the stage's lead time.
    settings[fr.GROWTH_OVER_LEAD] = (1.0 + growth) ** investment.lead_time_years[stage] - 1.0
    settings[fr.DYTB_BASE] = recipe.dytb_per_t_magnet
    settings[fr.THRIFT_ELASTICITY] = recipe.dytb_thrift_elasticity
    settings[fr.THRIFT_MIN], settings[fr.THRIFT_MAX] = recipe.dytb_min_share, recipe.dytb_max_share
    settings[fr.THRIFT_WEEKS] = recipe.dytb_thrift_weeks
    return settings


class FirmBook:
    """Every firm of one stage: ``state`` (rows x firms), ``regions``, and the settings."""

    def __init__(self, spec: Scenario, stage: str):
        self.stage = stage
        self.stage_index = STAGES.index(stage)
        self.kind = KIND_OF_STAGE[stage]
        self.settings = stage_settings(spec, stage)
        self.state = np.zeros((fr.ROWS, 0))
        self.regions = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return self.regions.size

    def add(self, region: int, column: dict[int, float]) -> int:
        """A new firm's column (rows not given start at 0, its output factor at 1);
        returns its slot."""
        values = np.zeros((fr.ROWS, 1))
        values[fr.OUTPUT_FACTOR, 0] = 1.0
        for row, value in column.items():
            values[row, 0] = value
        self.state = np.ascontiguousarray(np.hstack([self.state, values]))
        self.regions = np.append(self.regions, region)
        return self.regions.size - 1

    def plan(self, prices: np.ndarray, floors: np.ndarray, subsidy: np.ndarray,
             grades: np.ndarray, market_grade: np.ndarray) -> np.ndarray:
        """Output each firm wants this week (t/week, cut by any disruption of it); margins
        and utilisation move."""
        out = np.empty(len(self))
        fr.plan_stage(self.kind, self.state, self.regions, self.stage_index, prices, floors,
                      subsidy, grades, market_grade, self.settings, out)
        return out

    def expansion(self, prices: np.ndarray, subsidy: np.ndarray, capacity_table: np.ndarray,
                  mining_quota: np.ndarray) -> np.ndarray:
        """Capacity each firm commits to this week (t/yr; 0: none)."""
        out = np.empty(len(self))
        fr.expansion_stage(self.kind, self.state, self.regions, self.stage_index, prices,
                           subsidy, capacity_table, mining_quota, self.settings, out)
        return out

    def capacity_t_per_year(self) -> np.ndarray:
        return self.state[fr.CAPACITY] * WEEKS_PER_YEAR
