"""Refiners: separate concentrate into NdPr and Dy/Tb oxide by its composition."""

from __future__ import annotations

from agents.firm import Firm
from sim.world import CONC, DYTB, NDPR


class Refiner(Firm):
    stage = "refining"

    def revenue_per_kg(self) -> float:
        """Oxide value in one kg of the local concentrate feed."""
        ndpr, dytb = self.model.feed_grade(self.region)
        return ndpr * self.model.sale_price(self.region, NDPR) + dytb * self.model.sale_price(
            self.region, DYTB
        )

    def input_cost_per_kg(self) -> float:
        return self.model.price(self.region, CONC)

    def plan(self) -> float:
        """Concentrate feed wanted this week (t REO)."""
        self.wanted = self.plan_output()
        return self.wanted
