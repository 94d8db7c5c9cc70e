"""The speculative side of the market: listed equities, ETFs, investors, oxide speculation."""

from sim.finance.exchange import Exchange

__all__ = ["Exchange"]
