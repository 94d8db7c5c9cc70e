"""The typed messages of the negotiate phase: what lands in a state's inbox.

Nothing is answered by a call between states. A message waits in its
addressee's inbox and is read at that state's next turn of the negotiate
phase (the next week); offers stay open until they are answered or lapse.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Message:
    sent: int  # the week it was sent
    sender: str


@dataclass(frozen=True, slots=True)
class OfferReceived(Message):
    """An offer addressed to the reader; answer it by its id."""

    offer: str


@dataclass(frozen=True, slots=True)
class OfferAnswered(Message):
    """The answer to an offer the reader made: accept, reject, counter or lapsed."""

    offer: str
    reply: str
    reason: str


@dataclass(frozen=True, slots=True)
class ThreatReceived(Message):
    """A threat against the reader, carried out at ``deadline`` unless its demand is met."""

    threat: int  # index in the threat register
    deadline: int


@dataclass(frozen=True, slots=True)
class ThreatResolved(Message):
    """A threat between the reader and another state was averted or carried out."""

    threat: int
    outcome: str


@dataclass(frozen=True, slots=True)
class DefectionFound(Message):
    """The reader found that ``cheat`` broke deal ``deal`` (after the detection lag)."""

    deal: str
    cheat: str
