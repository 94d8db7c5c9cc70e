"""Each state's scorecard: its goals measured every week (0-1, 0.5 = as at the start)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.scenario.diplomacy import GOALS
from sim.world import DYTB, MAGNET

if TYPE_CHECKING:
    from sim.interfaces import MeasuredWorld


def _relative(value: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Map a ratio to 0-1 with 0.5 at the reference."""
    ratio = np.divide(value, reference, out=np.ones_like(value), where=reference > 0)
    return ratio / (1.0 + ratio)


class Scorecard:
    def __init__(self, model: MeasuredWorld):
        self.model = model
        n = len(model.regions)
        self.scores = np.full((n, len(GOALS)), 0.5)
        self.reference_value: np.ndarray | None = None
        self.reference_price = model.prices[:, MAGNET].copy()
        self.forgone = np.zeros(n)  # share of magnet use forgone against start prices

    def update(self) -> None:
        model, week = self.model, self.model.week
        prices = model.prices
        value = (week.exports * prices).sum(axis=1) + week.produced[:, MAGNET] * prices[:, MAGNET]
        if self.reference_value is None and value.sum() > 0:
            self.reference_value = value.copy()
        reference = value if self.reference_value is None else self.reference_value
        output = week.produced
        world = np.maximum(output.sum(axis=0), 1e-9)
        share = (output[:, 1] / world[1] + output[:, MAGNET] / world[MAGNET]) / 2
        # Supply security: 1 less the larger of the supply risk felt and the share of
        # magnet use forgone against what buyers would use at start prices (dear
        # magnets that stop plants are a shortage too, though no order goes unmet).
        potential = model.magnet_use_at_start_prices()
        used = week.consumed[:, MAGNET]
        forgone = np.divide(potential - used, potential, out=np.zeros_like(potential),
                            where=potential > 1e-9)
        self.forgone = np.clip(forgone, 0.0, 1.0)
        risk = model.risk[:, [DYTB, MAGNET]].mean(axis=1)
        self.scores[:, 0] = 1.0 - np.maximum(risk, self.forgone)
        self.scores[:, 1] = _relative(value, reference)
        self.scores[:, 2] = _relative(self.reference_price, prices[:, MAGNET])
        self.scores[:, 3] = share
        self.scores[:, 4] = model.diplomacy.standing
