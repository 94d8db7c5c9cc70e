"""The news log: every policy change, deal, disruption and announcement.

Entries are plain records in order; ``payload`` keeps the validated change
(when there is one) so that a run can be replayed from scenario and log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

EVENT_COLUMNS = ["step", "date", "kind", "source", "actor", "subject", "headline", "detail"]


@dataclass(frozen=True, slots=True)
class NewsItem:
    step: int
    date: str
    kind: str
    source: str  # "scenario", "timeline", "model", "ai", "player"
    actor: str
    subject: str
    headline: str
    payload: dict = field(default_factory=dict)

    def row(self) -> list:
        detail = json.dumps(self.payload, sort_keys=True, default=str) if self.payload else ""
        return [self.step, self.date, self.kind, self.source, self.actor, self.subject,
                self.headline, detail]


class NewsLog:
    def __init__(self) -> None:
        self.items: list[NewsItem] = []

    def add(self, item: NewsItem) -> None:
        self.items.append(item)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([i.row() for i in self.items], columns=EVENT_COLUMNS)
