"""What agents and helpers may read of the model, as small typed interfaces.

Agents and helper modules type their model argument with these protocols
instead of importing ``sim.model``, so they depend on what they use, not on
the whole model (and the import graph has no circle through the model).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from sim.flows import Week
    from sim.physical import Physical
    from sim.policy import PolicyState
    from sim.scenario import Scenario


class Market(Protocol):
    """What a firm or a buyer sees: prices, its state's levers, the calendar."""

    spec: Scenario
    policy: PolicyState
    seed: int
    steps: int

    def price(self, region: int, product: int) -> float: ...

    def sale_price(self, region: int, product: int) -> float: ...

    def feed_grade(self, region: int) -> list[float]: ...

    def output_factor(self, firm) -> float: ...


class MeasuredWorld(Protocol):
    """What the weekly measures read: the week's record and the state of the world."""

    regions: list[str]
    china: int | None
    firms: dict[str, list]
    week: Week
    policy: PolicyState
    physical: Physical
    prices: np.ndarray
    risk: np.ndarray
    diplomacy: object
    scorecard: object
    exchange: object
