"""Policy changes: the levers states pull, as validated records.

The same records serve three purposes: the initial policy of a scenario
(``[policy.NAME]``), dated timeline events (``[timeline.NAME]``), and changes
made during a run by AI states or players. Each is logged as an event, so a
run can be replayed from the scenario and its log.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, get_args

from pydantic import Field, field_validator, model_validator

from sim.scenario.types import RegionCode, Strict, UsdPerKg
from sim.world import Product, Segment, Stage

Percent = Annotated[float, Field(ge=0, le=1000)]
Share = Annotated[float, Field(ge=0, le=100)]
Tonnes = Annotated[float, Field(ge=0, le=1e8)]
AllOr = Literal["all"]


class LeverBase(Strict):
    """Fields shared by every change. ``date`` only in the timeline."""

    date: dt.date | None = Field(
        None, description="When the change takes effect (timeline only; not in [policy])."
    )
    actor: RegionCode | None = Field(
        None, description="State making the change; defaults to the state the lever belongs to."
    )
    headline: str | None = Field(None, max_length=300, description="Text for the news feed.")


def _as_list(value):
    return [value] if isinstance(value, str) and value != "all" else value


class ExportQuota(LeverBase):
    """Annual export quota of ``exporter`` for ``products`` (t/yr), paced weekly."""

    type: Literal["export_quota"]
    exporter: RegionCode
    products: list[Product] | AllOr
    tonnes_per_year: Tonnes | Literal["none"] = Field(
        description='Annual quota in t (t REO for concentrate); "none" removes the quota.'
    )
    combined: bool = Field(
        False, description="One tonnage across all the listed products together (as China's "
        "2009-2014 quota across rare-earth products), instead of the full tonnage for each; "
        "it replaces the exporter's earlier combined quota.")

    _lists = field_validator("products", mode="before")(_as_list)


class MiningQuota(LeverBase):
    """Annual cap on the total output of ``state``'s own miners (t REO/yr), paced weekly."""

    type: Literal["mining_quota"]
    state: RegionCode
    tonnes_per_year: Tonnes | Literal["none"] = Field(
        description='Annual quota in t REO of concentrate mined; "none" lifts the cap.'
    )
    raise_with_demand: bool = Field(
        False, description="Each January the state raises the quota by the growth of its "
        "domestic use of concentrate over the year, while its miners' remembered margin is "
        "above investment.mining_quota_raise_margin."
    )


class ExportDuty(LeverBase):
    """Ad valorem export duty (percent of the exporter's price)."""

    type: Literal["export_duty"]
    exporter: RegionCode
    products: list[Product] | AllOr
    percent: Percent


class Tariff(LeverBase):
    """Ad valorem import tariff of ``importer`` on goods from ``exporters``."""

    type: Literal["tariff"]
    importer: RegionCode
    exporters: list[RegionCode] | AllOr
    products: list[Product] | AllOr
    percent: Percent

    _lists = field_validator("products", "exporters", mode="before")(_as_list)


class Licensing(LeverBase):
    """Export licensing of ``exporter``: approval shares and delay by destination."""

    type: Literal["licensing"]
    exporter: RegionCode
    products: list[Product] | AllOr
    destinations: list[RegionCode] | AllOr = "all"
    controlled: bool = Field(True, description="false lifts licensing on these routes.")
    civil_approval_percent: Share = 100.0
    military_approval_percent: Share = 100.0
    delay_days: Annotated[float, Field(ge=0, le=365)] = 0.0
    reexport_controlled: bool = Field(
        False, description="Licences carry re-export conditions: what the destination "
        "makes from this material, or sells on, may leave it only where the exporter would "
        "license it itself (end-use and re-export clauses, content rules).")

    _lists = field_validator("products", "destinations", mode="before")(_as_list)


class PriceFloor(LeverBase):
    """Guaranteed price for the state's own firms (the state pays the gap)."""

    type: Literal["price_floor"]
    state: RegionCode
    product: Product
    usd_per_kg: UsdPerKg = Field(description="0 removes the floor.")


class Subsidy(LeverBase):
    """Per-unit production subsidy for the state's own firms at one stage."""

    type: Literal["subsidy"]
    state: RegionCode
    stage: Stage
    usd_per_kg: UsdPerKg


class Stockpile(LeverBase):
    """Strategic stockpile programme: buy up to a target, or release."""

    type: Literal["stockpile"]
    state: RegionCode
    product: Product
    target_t: Tonnes = Field(description="Stock the state aims to hold.")
    buy_t_per_year: Tonnes = 0.0
    release_t_per_year: Tonnes = 0.0


class CapacityInvestment(LeverBase):
    """New capacity for a firm (new or existing), arriving after a lead time."""

    type: Literal["capacity_investment"]
    firm: str = Field(min_length=1, max_length=80, description="Firm that gets the capacity.")
    region: RegionCode
    stage: Stage
    capacity_t_per_year: Annotated[float, Field(gt=0, le=1e7)]
    lead_time_years: Annotated[float, Field(ge=0, le=20)] | None = Field(
        None, description="Defaults to investment.lead_time_years for the stage."
    )
    cost_usd_per_kg: UsdPerKg | None = Field(None, description="Unit cost of a new firm.")
    ndpr_share: Annotated[float, Field(ge=0, le=1)] | None = None
    dytb_share: Annotated[float, Field(ge=0, le=1)] | None = None


class Disruption(LeverBase):
    """Output of a stage in a region, or of one of its firms, cut to ``output_percent``
    for ``weeks``."""

    type: Literal["disruption"]
    region: RegionCode
    stage: Stage
    output_percent: Share
    weeks: Annotated[int, Field(ge=1, le=520)]
    firm: str | None = Field(
        None, min_length=1, max_length=80,
        description="One firm of that stage and region to cut (a mine accident, a campaign "
        "against one district's mining); none: the whole stage in the region.")


class DemandShock(LeverBase):
    """Permanent multiplier on end demand for magnets."""

    type: Literal["demand_shock"]
    region: RegionCode | AllOr = "all"
    segment: Segment | AllOr = "all"
    factor: Annotated[float, Field(gt=0, le=10)]


class Announcement(LeverBase):
    """News with no physical effect (investors react to it)."""

    type: Literal["announcement"]
    firm: str | None = Field(None, description="Firm the news is about, if any.")
    sentiment: Annotated[float, Field(ge=-1, le=1)] | None = Field(
        None, description="How investors read it, -1 (very bad) to 1 (very good); default: "
        "finance.news_sentiment.announcement.")


class Threat(LeverBase):
    """``actor`` will raise its tariff on ``target`` by ``percent`` after
    ``deadline_weeks`` unless ``target`` licenses ``demand_products`` to it at
    ``demand_civil_approval_percent`` or more by then."""

    type: Literal["threat"]
    actor: RegionCode
    target: RegionCode
    percent: Percent = Field(100.0, description="Extra tariff if the threat is carried out.")
    products: list[Product] | AllOr = "all"
    deadline_weeks: Annotated[int, Field(ge=1, le=104)] = 4
    demand_products: list[Product] = Field(["dytb_oxide", "magnet"])
    demand_civil_approval_percent: Share = 90.0

    _lists = field_validator("products", mode="before")(_as_list)


class DealTerms(LeverBase):
    """A package between two states: graduated tariff cuts by ``tariff_by`` on
    ``licences_by``'s goods, against a licence fast track for civil use from
    ``licences_by`` to ``tariff_by`` (and to ``trusted_partners``). Military
    end use stays at ``military_approval_percent`` (restricted unless exempted).
    Frameworks carry no enforcement: each side may defect later."""

    actor: RegionCode = Field(description="The state that proposes.")
    tariff_by: RegionCode
    licences_by: RegionCode
    tariff_to_percent: Percent = Field(description="Tariff level after the last cut.")
    tariff_steps: Annotated[int, Field(ge=1, le=12)] = 2
    step_weeks: Annotated[int, Field(ge=1, le=52)] = 8
    products: list[Product] = Field(["dytb_oxide", "magnet"])
    civil_approval_percent: Share = 90.0
    delay_days: Annotated[float, Field(ge=0, le=365)] = 14.0
    military_approval_percent: Share = 0.0
    trusted_partners: list[RegionCode] = Field(
        [], description="Third states that get the same civil fast track."
    )
    co_investment_t_per_year: Annotated[float, Field(ge=0, le=1e6)] = Field(
        0.0, description="Separation capacity (t REO feed/yr) tariff_by commits to fund."
    )
    co_investment_region: RegionCode | None = Field(
        None, description="Where the co-investment goes (default: tariff_by)."
    )

    @model_validator(mode="after")
    def _two_sides(self):
        if self.tariff_by == self.licences_by:
            raise ValueError(f"tariff_by and licences_by are both {self.tariff_by!r}; a deal "
                             "is between two different states")
        return self


class Offer(DealTerms):
    """A proposal; an AI responder accepts, counters or rejects it."""

    type: Literal["offer"]


class Deal(DealTerms):
    """An agreement that takes effect at once (scripted frameworks)."""

    type: Literal["deal"]


PolicyChange = Annotated[
    ExportQuota
    | MiningQuota
    | ExportDuty
    | Tariff
    | Licensing
    | PriceFloor
    | Subsidy
    | Stockpile
    | CapacityInvestment
    | Disruption
    | DemandShock
    | Announcement
    | Threat
    | Offer
    | Deal,
    Field(discriminator="type"),
]

# Every change type, in the union's order (the union is the one list).
CHANGE_TYPES: tuple[type[LeverBase], ...] = get_args(get_args(PolicyChange)[0])


def regions_named(change: LeverBase) -> list[tuple[str, str]]:
    """(field, code) pairs of every region code a change refers to."""
    named = []
    for field in ("exporter", "importer", "state", "region", "actor", "target", "tariff_by",
                  "licences_by", "co_investment_region"):
        value = getattr(change, field, None)
        if isinstance(value, str) and value != "all":
            named.append((field, value))
    for field in ("exporters", "destinations", "trusted_partners"):
        value = getattr(change, field, None)
        if isinstance(value, list):
            named.extend((field, code) for code in value)
    return named
