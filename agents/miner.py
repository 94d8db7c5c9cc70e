"""Miners: produce concentrate (t REO) with the deposit's NdPr and Dy/Tb shares.

Concentrate is sold on its payable content: a miner gets the regional
concentrate price times the oxide value of its own ore over the oxide value of
the world's separation feed (both at the region's oxide prices), so a mine rich
in Dy/Tb earns more per t REO than one of light rare earths, and a heavy-rare-
earth mine cuts output when Dy/Tb is cheap. Under a mining quota, miners do not
expand while their state's mining capacity already covers the quota.
"""

from __future__ import annotations

from agents.firm import Firm
from sim.world import CONC, DYTB, NDPR


class Miner(Firm):
    stage = "mining"

    def __init__(self, model, name, spec, region):
        super().__init__(model, name, spec, region)
        self.ndpr_share = spec.ndpr_share
        self.dytb_share = spec.dytb_share
        self.output_noise = model.spec.production.output_noise

    def revenue_per_kg(self) -> float:
        model, region = self.model, self.region
        ndpr, dytb = model.sale_price(region, NDPR), model.sale_price(region, DYTB)
        feed_ndpr, feed_dytb = model.market_grade()
        feed_value = feed_ndpr * ndpr + feed_dytb * dytb
        own_value = self.ndpr_share * ndpr + self.dytb_share * dytb
        premium = own_value / feed_value if feed_value > 1e-9 else 1.0
        return model.sale_price(region, CONC) * premium

    def expansion_pace(self) -> float:
        """As any firm's, but none while the state's mines already have capacity for its
        mining quota: a mine cannot sell what the quota forbids it to mine."""
        quota = self.model.policy.mining_quota_t_per_year[self.region]
        if self.model.capacity_by_stage()[self.region, self.stage_index] >= quota:
            return 0.0  # (never with no quota: capacity is finite)
        return super().expansion_pace()

    def produce(self) -> float:
        """Concentrate mined this week (t REO), with operational noise."""
        noise = self.output_noise
        if noise:
            shock = 1.0 + noise * self.luck.standard_normal()
            shock = 0.0 if shock < 0.0 else shock
        else:
            shock = 1.0
        output, cap = self.plan_output() * shock, self.capacity_t_per_week
        return cap if cap < output else output
