"""Miners: produce concentrate (t REO) with the deposit's NdPr and Dy/Tb shares."""

from __future__ import annotations

from agents.firm import Firm
from sim.world import CONC


class Miner(Firm):
    stage = "mining"

    def __init__(self, model, name, spec, region):
        super().__init__(model, name, spec, region)
        self.ndpr_share = spec.ndpr_share
        self.dytb_share = spec.dytb_share
        self.output_noise = model.spec.production.output_noise

    def revenue_per_kg(self) -> float:
        return self.model.sale_price(self.region, CONC)

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
