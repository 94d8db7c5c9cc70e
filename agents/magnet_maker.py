"""Magnet makers: turn NdPr and Dy/Tb oxide into NdFeB magnets.

When Dy/Tb is dear they thrift it (grain-boundary diffusion, lower grades),
as the industry did after 2011: the Dy/Tb content per tonne of magnet moves
towards ``base * (price / start price) ** -dytb_thrift_elasticity``, within
``[dytb_min_share, dytb_max_share]`` of the base recipe, closing ``1 / dytb_thrift_weeks``
of the gap each week (``agents.firm_rules``).
"""

from __future__ import annotations

from agents import firm_rules as fr
from agents.firm import Firm, book_column
from sim.world import DYTB


class MagnetMaker(Firm):
    stage = "magnets"

    ndpr_per_t = book_column(fr.NDPR_PER_T, "NdPr oxide per tonne of magnet (t).")
    dytb_per_t = book_column(fr.DYTB_PER_T, "Dy/Tb oxide per tonne of magnet (t), thrifted.")
    dytb_reference_price = book_column(fr.DYTB_REFERENCE, "Dy/Tb oxide price at the start.")

    def _own_column(self, model, spec, region):
        recipe = model.spec.production
        return {fr.NDPR_PER_T: recipe.ndpr_per_t_magnet, fr.DYTB_PER_T: recipe.dytb_per_t_magnet,
                fr.DYTB_REFERENCE: model.price(region, DYTB)}

    def thrift(self) -> None:
        """Move the Dy/Tb per tonne towards its target at today's Dy/Tb price."""
        fr.thrift(self.book.state, self.slot, self.region, self.model.prices, self.book.settings)
