"""Agent attributes kept in a shared array: a row per quantity, a column per agent."""

from __future__ import annotations


def column(holder: str, row: int, doc: str) -> property:
    """An attribute stored at ``row`` of the agent's column (``self.slot``) in the
    ``state`` array of the agent's ``holder`` attribute (its stage book, its buyers)."""

    def get(self) -> float:
        return getattr(self, holder).state[row, self.slot].item()

    def put(self, value: float) -> None:
        getattr(self, holder).state[row, self.slot] = value

    return property(get, put, doc=doc)
