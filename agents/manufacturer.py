"""Manufacturers: end demand for magnets by segment and end use.

Short run: nearly inelastic, but no buyer pays more than ``choke_price_multiple``
times the start price (motors switch to ferrite or induction designs). Long run:
substitution, thrifting and recycling move demand towards the long-run
elasticity over ``long_run_adjustment_years``.
"""

from __future__ import annotations

import mesa

from sim.world import MAGNET, WEEKS_PER_YEAR


class Manufacturer(mesa.Agent):
    def __init__(self, model, name: str, spec, region: int):
        super().__init__(model)
        rules = model.spec.demand
        self.name = name
        self.region = region
        self.segment = spec.segment
        self.military_share = spec.military
        self.base_t_per_week = spec.demand_t_per_year / WEEKS_PER_YEAR
        growth = spec.growth_percent_per_year
        growth = rules.growth_percent_per_year if growth is None else growth
        self.weekly_growth = (1 + growth / 100) ** (1 / WEEKS_PER_YEAR)
        self.reference_price = model.price(region, MAGNET)
        self.price_memory = self.reference_price
        self.thrift = 1.0  # long-run demand factor from substitution
        self.shock = 1.0
        self.wanted = 0.0
        self.at_start_prices = 0.0  # t/week it would want this week at the start price
        self.adjust = 1.0 / (rules.long_run_adjustment_years * WEEKS_PER_YEAR)
        self.memory_step = self.adjust * rules.price_memory_speed
        self.thrift_exponent = rules.long_run_elasticity - rules.short_run_elasticity
        self.short_run_elasticity = rules.short_run_elasticity
        self.choke_price_multiple = rules.choke_price_multiple
        self.choke_exponent = rules.choke_exponent

    def plan(self) -> float:
        """Magnets (t) wanted this week at today's price.

        Python floats and conditional expressions (``b if b > a else a`` is
        ``max(a, b)``): the same numbers as max calls, faster, for every buyer
        every week.
        """
        price = self.model.price(self.region, MAGNET)
        self.price_memory += self.memory_step * (price - self.price_memory)
        relative = self.price_memory / self.reference_price
        relative = 1e-6 if relative < 1e-6 else relative
        thrift_target = relative ** self.thrift_exponent
        self.thrift += self.adjust * (thrift_target - self.thrift)
        relative_now = price / self.reference_price
        relative_now = 1e-6 if relative_now < 1e-6 else relative_now
        short_run = relative_now ** self.short_run_elasticity
        left = 1.0 - (relative_now / self.choke_price_multiple) ** self.choke_exponent
        short_run *= left if left > 0.0 else 0.0
        scale = self.weekly_growth ** self.model.steps
        self.at_start_prices = self.base_t_per_week * scale * self.shock
        self.wanted = self.at_start_prices * self.thrift * short_run
        return self.wanted
