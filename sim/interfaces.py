"""What agents and helpers may read of the model, as small typed interfaces.

Agents and helper modules type their model argument with these protocols
instead of importing ``sim.model``, so they depend on what they use, not on
the whole model (and the import graph has no circle through the model).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from agents.firm_book import FirmBook
    from sim.flows import Week
    from sim.news import NewsLog
    from sim.physical import Physical
    from sim.policy import PolicyState
    from sim.scenario import Scenario


class Market(Protocol):
    """What a firm or a buyer sees: prices, its state's levers, the calendar."""

    spec: Scenario
    prices: np.ndarray
    policy: PolicyState
    seed: int
    steps: int

    def price(self, region: int, product: int) -> float: ...

    def sale_price(self, region: int, product: int) -> float: ...

    def feed_grades(self) -> np.ndarray: ...

    def market_grade(self) -> np.ndarray: ...

    def capacity_by_stage(self) -> np.ndarray: ...

    def firm_book(self, stage: str) -> FirmBook: ...


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
    recorder: object

    def magnet_use_at_start_prices(self) -> np.ndarray: ...


class World(Protocol):
    """The model as the change handler, the negotiation protocol and the exchange see it.

    These helpers apply changes and read the state of the world; they reach
    the model only through what is named here.
    """

    spec: Scenario
    seed: int
    steps: int
    time: float
    regions: list[str]
    region_index: dict[str, int]
    china: int | None
    policy: PolicyState
    physical: Physical
    prices: np.ndarray
    firms: dict[str, list]
    states: list
    news: NewsLog
    changes: object
    diplomacy: object
    recorder: object

    def apply_change(self, change, source: str = ..., name: str = ...) -> None: ...

    def add_firm(self, kind: str, name: str, spec): ...

    def capacity_changed(self) -> None: ...

    def refresh_market_view(self) -> None: ...

    def sale_price(self, region: int, product: int) -> float: ...

    def schedule_event(self, function, *, at: float | None = ..., after: float | None = ...): ...
