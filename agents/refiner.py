"""Refiners: separate concentrate into NdPr and Dy/Tb oxide by its composition.

A refiner's revenue is the oxide value of a kg of its region's concentrate feed;
its input cost the concentrate price (``agents.firm_rules``).
"""

from __future__ import annotations

from agents.firm import Firm


class Refiner(Firm):
    stage = "refining"
