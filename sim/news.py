"""The news log: every policy change, deal, disruption and announcement.

Entries are plain records in order; ``payload`` keeps the validated change
(when there is one) so that a run can be replayed from scenario and log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

LOG_KEYS = ("name", "offer_id", "answers", "reason")  # added by the log to a change's fields
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

    def change(self):
        """The validated change this item logged (a lever, offer, threat...), else None.

        The log adds a few keys of its own to a change's fields (``LOG_KEYS``: the
        scenario's name for it, an offer's id); they are left out here.
        """
        from sim.scenario import levers as lv

        kind = "offer" if self.kind == "counter_offer" else self.kind
        if kind not in LEVER_TYPES:
            return None
        fields = {k: v for k, v in self.payload.items() if k not in LOG_KEYS}
        return getattr(lv, LEVER_TYPES[kind]).model_validate(fields | {"type": kind})

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


# -- the feed people read -------------------------------------------------------------------
CAPACITY_KINDS = {"capacity_investment", "investment_decision", "capacity_online"}
STORY_SOURCES = {"timeline", "scenario", "player"}  # a capacity project told by the scenario
SOURCE_LABELS = {"timeline": "scenario", "scenario": "in force", "model": "market",
                 "ai": "AI state", "scripted": "scripted state", "player": "player",
                 "negotiation": "talks", "deal": "deal"}


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One thing that happened, told once, in display names."""

    step: int
    date: str
    source: str
    kind: str
    text: str
    key: bool  # policy, negotiation, disruption or a scenario's own project; else routine

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, self.source)


def news_feed(items: list[NewsItem], names) -> list[FeedItem]:
    """The log as people read it, oldest first: display names instead of ids, and a
    capacity investment and the commitment it sets off in the same week as one item."""
    feed: list[FeedItem] = []
    last_investment: dict[str, int] = {}  # firm -> index in feed of its investment this week
    for item in items:
        firm = item.payload.get("firm", "")
        if item.kind == "investment_decision":
            index = last_investment.pop(firm, None)
            if index is not None and feed[index].step == item.step:
                merged = feed[index]
                online = _online(item)
                text = merged.text if online in merged.text else f"{merged.text} (online {online})"
                feed[index] = FeedItem(merged.step, merged.date, merged.source, merged.kind,
                                       text, merged.key)
                continue
        key = item.kind not in CAPACITY_KINDS or (
            item.kind == "capacity_investment" and item.source in STORY_SOURCES)
        feed.append(FeedItem(item.step, item.date, item.source, item.kind,
                             display_text(item, names), key))
        if item.kind == "capacity_investment":
            last_investment[firm] = len(feed) - 1
    return feed


def display_text(item: NewsItem, names) -> str:
    """An item's headline in display names (a scenario's own wording is kept)."""
    from sim.headlines import headline

    payload = item.payload
    if payload.get("headline") and item.source in ("timeline", "scenario"):
        return item.headline  # written by the scenario's author for people
    if item.kind == "investment_decision" and "firm" in payload:
        return (f"{names.firm(payload['firm'])} commits to "
                f"{payload['capacity_t_per_year']:,.0f} t/yr more {payload['stage']} capacity in "
                f"{names.phrase(item.actor)}, online {_online(item)}")
    if item.kind == "capacity_online" and "firm" in payload:
        return (f"{names.firm(payload['firm'])}: {payload['capacity_t_per_year']:,.0f} t/yr of "
                f"{payload['stage']} capacity online in {names.phrase(item.actor)}")
    change_type = LEVER_TYPES.get(item.kind)
    if change_type is not None and not payload.get("headline"):
        return headline(item.change(), names)
    return names.rewrite(item.headline)


def _online(item: NewsItem) -> str:
    """When an investment decision's capacity arrives: "about Jul 2027"."""
    import datetime as dt

    from sim.world import DAYS_PER_STEP

    years = float(item.payload.get("lead_time_years", 0))
    when = dt.date.fromisoformat(item.date) + dt.timedelta(
        days=DAYS_PER_STEP * round(years * 52))
    return f"about {when:%b %Y}"


LEVER_TYPES = {"export_quota": "ExportQuota", "mining_quota": "MiningQuota",
               "export_duty": "ExportDuty", "tariff": "Tariff",
               "licensing": "Licensing", "price_floor": "PriceFloor", "subsidy": "Subsidy",
               "stockpile": "Stockpile", "capacity_investment": "CapacityInvestment",
               "disruption": "Disruption", "demand_shock": "DemandShock",
               "announcement": "Announcement", "threat": "Threat", "offer": "Offer",
               "deal": "Deal"}
