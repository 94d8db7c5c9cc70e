"""How news traders read the news log: a signed pull on each listed company.

Each item's strength is ``news_sentiment[kind]`` (an announcement's own
``sentiment`` when it gives one); its sign and who it concerns come from the
item and from how the policy moved since last week:

- firm news (announcement naming a firm or listing, investment_decision,
  capacity_online): the company owning the firm; an announcement naming no
  firm concerns every company;
- support (price_floor, subsidy; tariff as protection): companies present in
  the state, + when the lever rose, - when it fell;
- supply restrictions (export_quota, export_duty, licensing) and disruptions:
  companies outside the restricting or disrupted region, + when tighter
  (disrupted companies themselves lose); threats: companies outside the target;
- sector news (stockpile buying, demand_shock): every company; a deal (easing
  tension) is - for companies outside the state that eases licensing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.news import NewsItem
from sim.policy import PolicyState

BIG_QUOTA_T = 1e9  # an unlimited quota, for comparing quotas
# Kinds of news a lever change is logged as: only they can move a snapshot's levers.
LEVER_KINDS = frozenset(name.removeprefix("_apply_") for name in dir(PolicyState)
                        if name.startswith("_apply_"))


@dataclass(frozen=True)
class PolicySnapshot:
    """The levers news traders compare week on week, per region."""

    protection: np.ndarray  # sum of import tariffs (%)
    restriction_quota: np.ndarray  # -sum log(1 + quota t), a combined quota counted once
    restriction_duty: np.ndarray  # sum of export duties (%)
    restriction_licence: np.ndarray  # licensed share refused plus delay, summed over routes
    floor: np.ndarray  # sum of price floors (USD/kg)
    subsidy: np.ndarray  # sum of subsidies (USD/kg)
    stockpiling: np.ndarray  # buying minus releasing (t/yr)

    @classmethod
    def of(cls, policy: PolicyState) -> PolicySnapshot:
        refused = policy.licensed * (1 - policy.civil_approval + policy.delay_days / 365)
        quotas = -np.log1p(np.minimum(policy.quota_t_per_year, BIG_QUOTA_T)).sum(axis=1)
        quotas -= np.log1p(np.minimum(policy.combined_quota_t_per_year, BIG_QUOTA_T))
        return cls(policy.tariff_pct.sum(axis=(1, 2)), quotas,
                   policy.export_duty_pct.sum(axis=1), refused.sum(axis=(1, 2)),
                   policy.price_floor.sum(axis=1), policy.subsidy.sum(axis=1),
                   (policy.stockpile_buy_t_per_year
                    - policy.stockpile_release_t_per_year).sum(axis=1))


class NewsReading:
    """Turns new items of the news log into a pull per listing (-1..1 each)."""

    SUPPORT = {"price_floor": ("state", "floor"), "subsidy": ("state", "subsidy"),
               "tariff": ("importer", "protection")}
    RESTRICT = {"export_quota": "restriction_quota", "export_duty": "restriction_duty",
                "licensing": "restriction_licence"}
    FIRM_NEWS = ("announcement", "investment_decision", "capacity_online")

    def __init__(self, sentiment: dict[str, float], listings: list[str],
                 region_index: dict[str, int]):
        self.sentiment = sentiment
        self.listing_index = {name: i for i, name in enumerate(listings)}
        self.region_index = region_index
        self.presence = np.zeros((len(listings), len(region_index)))  # listing x region, 0/1
        self.owner: dict[str, int] = {}  # firm name -> listing

    def locate(self, owner: dict[str, int], presence: np.ndarray) -> None:
        """Who owns which firm and where each listing is present (home or a firm's region)."""
        self.owner, self.presence = owner, presence

    def read(self, items: list[NewsItem], before: PolicySnapshot,
             after: PolicySnapshot) -> np.ndarray:
        pull = np.zeros(len(self.listing_index))
        for item in items:
            strength = self.sentiment.get(item.kind)
            if item.kind == "announcement" and item.payload.get("sentiment") is not None:
                strength = item.payload["sentiment"]
            if not strength:
                continue
            firm = self._firm_index(item)
            if firm is not None:  # adding strength x a one-hot row, without the row
                pull[firm] += strength
            else:
                pull += strength * self._effect(item, before, after)
        return pull

    def _firm_index(self, item: NewsItem) -> int | None:
        """The one listing firm news concerns (None if it is not such news)."""
        if item.kind in self.FIRM_NEWS and (name := item.payload.get("firm")) is not None:
            return self.owner.get(name, self.listing_index.get(name))
        return None

    def _effect(self, item: NewsItem, before: PolicySnapshot,
                after: PolicySnapshot) -> np.ndarray:
        payload, kind = item.payload, item.kind
        everyone = np.ones(len(self.listing_index))
        if kind in self.FIRM_NEWS:
            name = payload.get("firm")
            if name is None:
                return everyone if kind == "announcement" else 0 * everyone
            return self._company(name)
        if kind in self.SUPPORT:
            field, lever = self.SUPPORT[kind]
            region = self.region_index[payload[field]]
            return self.presence[:, region] * _direction(before, after, lever, region)
        if kind in self.RESTRICT:
            region = self.region_index[payload["exporter"]]
            tighter = _direction(before, after, self.RESTRICT[kind], region)
            return (1 - self.presence[:, region]) * tighter
        if kind == "disruption":
            inside = self.presence[:, self.region_index[payload["region"]]]
            return (1 - 2 * inside) * (1 - payload["output_percent"] / 100)
        if kind == "threat" and payload.get("target") in self.region_index:
            return 1 - self.presence[:, self.region_index[payload["target"]]]
        if kind == "deal" and payload.get("licences_by") in self.region_index:
            return -(1 - self.presence[:, self.region_index[payload["licences_by"]]])
        if kind == "stockpile":
            return everyone * _direction(before, after, "stockpiling",
                                         self.region_index[payload["state"]])
        if kind == "demand_shock":
            return everyone * np.sign(payload["factor"] - 1)
        return 0 * everyone

    def _company(self, name: str) -> np.ndarray:
        pull = np.zeros(len(self.listing_index))
        index = self.owner.get(name, self.listing_index.get(name))
        if index is not None:
            pull[index] = 1.0
        return pull


def _direction(before: PolicySnapshot, after: PolicySnapshot, lever: str, region: int) -> float:
    change = getattr(after, lever)[region] - getattr(before, lever)[region]
    return float(np.sign(change)) if abs(change) > 1e-12 else 0.0

