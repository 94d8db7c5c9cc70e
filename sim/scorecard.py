"""Each state's scorecard: its goals measured every week (0-1, 0.5 = as at the start)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.scenario.diplomacy import GOALS
from sim.world import DYTB, MAGNET, NDPR

if TYPE_CHECKING:
    from sim.interfaces import MeasuredWorld


class Scorecard:
    """Goals per state (``GOALS``), 0-1 with 0.5 as at the start, measured each week.

    - security: 1 less the larger of the supply risk felt (mean of Dy/Tb oxide
      and magnets) and the share of magnet use forgone against what buyers
      would use at start prices (dear magnets that stop plants are a shortage
      too, though no order goes unmet);
    - export revenue: this week's exports and magnet output at local prices,
      against the first week's, mapped r -> r / (1 + r);
    - magnet price: the start price against today's, mapped the same way;
    - industry share: the mean of its shares of the world's NdPr oxide and
      magnet output;
    - leverage: its diplomatic standing.
    """

    def __init__(self, model: MeasuredWorld):
        self.model = model
        n = len(model.regions)
        self.scores = np.full((n, len(GOALS)), 0.5)
        self.reference_value: np.ndarray | None = None
        self.reference_price = model.prices[:, MAGNET].copy()
        self.forgone = np.zeros(n)  # share of magnet use forgone against start prices

    def update(self) -> None:
        model, week = self.model, self.model.week
        value = np.empty(len(self.scores))
        _export_value_into(week.exports, model.prices, week.produced, value)
        if self.reference_value is None and value.sum() > 0:
            self.reference_value = value.copy()
        reference = value if self.reference_value is None else self.reference_value
        self.forgone = np.empty(len(self.scores))
        _scores_into(value, reference, self.reference_price, model.prices, week.produced,
                     model.magnet_use_at_start_prices(), week.consumed, model.risk,
                     model.diplomacy.standing, self.forgone, self.scores)


@njit(cache=True)
def _export_value_into(exports, prices, produced, value):  # pragma: no cover - compiled
    n, p = prices.shape
    for r in range(n):
        total = 0.0
        for q in range(p):
            total += exports[r, q] * prices[r, q]
        value[r] = total + produced[r, MAGNET] * prices[r, MAGNET]


@njit(cache=True)
def _relative(value, reference):  # pragma: no cover - compiled
    """A ratio mapped to 0-1, 0.5 at the reference."""
    ratio = value / reference if reference > 0 else 1.0
    return ratio / (1.0 + ratio)


@njit(cache=True)
def _scores_into(value, reference, reference_price, prices, produced, potential, consumed,
                 risk, standing, forgone, scores):  # pragma: no cover - compiled
    n = value.size
    world_ndpr, world_magnets = 0.0, 0.0
    for r in range(n):
        world_ndpr += produced[r, NDPR]
        world_magnets += produced[r, MAGNET]
    world_ndpr = world_ndpr if world_ndpr >= 1e-9 else 1e-9
    world_magnets = world_magnets if world_magnets >= 1e-9 else 1e-9
    for r in range(n):
        lost = 0.0
        if potential[r] > 1e-9:
            lost = (potential[r] - consumed[r, MAGNET]) / potential[r]
        forgone[r] = min(max(lost, 0.0), 1.0)
        felt = (risk[r, DYTB] + risk[r, MAGNET]) / 2
        scores[r, 0] = 1.0 - (felt if felt >= forgone[r] else forgone[r])
        scores[r, 1] = _relative(value[r], reference[r])
        scores[r, 2] = _relative(reference_price[r], prices[r, MAGNET])
        scores[r, 3] = (produced[r, NDPR] / world_ndpr + produced[r, MAGNET] / world_magnets) / 2
        scores[r, 4] = standing[r]
