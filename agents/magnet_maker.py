"""Magnet makers: turn NdPr and Dy/Tb oxide into NdFeB magnets.

When Dy/Tb is dear they thrift it (grain-boundary diffusion, lower grades),
as the industry did after 2011: the Dy/Tb content per tonne of magnet moves
towards ``base * (price / start price) ** -dytb_thrift_elasticity``, within
``[dytb_min_share, dytb_max_share]`` of the base recipe, closing ``1 / dytb_thrift_weeks``
of the gap each week.
"""

from __future__ import annotations

from agents.firm import Firm
from sim.world import DYTB, MAGNET, NDPR


class MagnetMaker(Firm):
    stage = "magnets"

    def __init__(self, model, name, spec, region):
        super().__init__(model, name, spec, region)
        self.recipe = recipe = model.spec.production
        self.ndpr_per_t = recipe.ndpr_per_t_magnet
        self.dytb_per_t = recipe.dytb_per_t_magnet
        self.dytb_reference_price = model.price(region, DYTB)

    def revenue_per_kg(self) -> float:
        return self.model.sale_price(self.region, MAGNET)

    def input_cost_per_kg(self) -> float:
        return self.ndpr_per_t * self.model.price(
            self.region, NDPR
        ) + self.dytb_per_t * self.model.price(self.region, DYTB)

    def plan(self) -> float:
        """Magnets (t) the firm wants to make this week."""
        self._thrift()
        self.wanted = self.plan_output()
        return self.wanted

    def _thrift(self) -> None:
        recipe = self.recipe
        relative = self.model.price(self.region, DYTB) / self.dytb_reference_price
        relative = 1e-6 if relative < 1e-6 else relative
        factor = relative ** -recipe.dytb_thrift_elasticity
        low, high = recipe.dytb_min_share, recipe.dytb_max_share
        factor = low if low > factor else factor  # max, then min, as conditionals
        factor = high if high < factor else factor
        target = recipe.dytb_per_t_magnet * factor
        self.dytb_per_t += (target - self.dytb_per_t) / recipe.dytb_thrift_weeks
