"""The scenario: one validated, immutable description of a world and a run.

Every field carries its unit in its name or description; unknown keys, wrong
types, NaN/inf and out-of-range values are refused. ``docs/scenario_reference.md``
is generated from these classes (``python run.py fields``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.behaviour import Investment, Production
from sim.scenario.diplomacy import Goals, Negotiation, Strategy
from sim.scenario.finance import Finance, finance_problems
from sim.scenario.levers import PolicyChange, regions_named
from sim.scenario.types import Frac, Name, RegionCode, Strict, UsdPerKg
from sim.world import DAYS_PER_STEP, PRODUCTS, Product, Segment

TonnesPerYear = Annotated[float, Field(ge=0, le=1e7)]


class Region(Strict):
    name: Name = Field(description="Display name of the state or region.")
    policy: Literal["scripted", "ai", "human"] = Field(
        "scripted", description='"scripted": only timeline events change its levers (it '
        'answers offers by their worth to its goals); "ai": its goals and strategy do too; '
        '"human": only the decisions submitted for it (and the timeline).'
    )
    goals: Goals = Field(default_factory=Goals)
    strategy: Strategy = Field(default_factory=Strategy)
    allies: list[RegionCode] = Field([], description="States it co-invests and stockpiles with.")


class Firm(Strict):
    region: RegionCode = Field(description="Code of the region the plant is in.")
    capacity_t_per_year: TonnesPerYear = Field(description="Installed capacity, t/yr of output.")
    cost_usd_per_kg: UsdPerKg = Field(description="Cash cost per kg of output (USD/kg).")
    min_utilisation: Frac = Field(0.3, description="Share of capacity run even at a loss.")


class Miner(Firm):
    ndpr_share: Frac = Field(description="NdPr oxide share of the ore's REO content.")
    dytb_share: Frac = Field(description="Dy+Tb oxide share of the ore's REO content.")

    @model_validator(mode="after")
    def _composition(self):
        if self.ndpr_share + self.dytb_share > 1:
            raise ValueError("ndpr_share + dytb_share must be at most 1")
        return self


class Refiner(Firm):
    """Separates concentrate (capacity in t REO feed/yr; cost per kg of feed)."""


class MagnetMaker(Firm):
    """Makes NdFeB magnets (capacity in t magnet/yr; cost per kg magnet, excl. oxide)."""


# The scenario table of each stage's firms.
GROUP_OF_STAGE = {"mining": "miners", "refining": "refiners", "magnets": "magnet_makers"}


class Manufacturer(Strict):
    region: RegionCode
    segment: Segment
    demand_t_per_year: TonnesPerYear = Field(description="Magnet demand at reference prices.")
    growth_percent_per_year: Annotated[float, Field(ge=-50, le=100)] | None = Field(
        None, description="Defaults to demand.growth_percent_per_year."
    )
    military_share: Frac | None = Field(
        None, description="Share for military end use; defaults to 1 for defence, else 0."
    )

    @property
    def military(self) -> float:
        if self.military_share is not None:
            return self.military_share
        return 1.0 if self.segment == "defence" else 0.0


def _per_product(default: float) -> dict[str, float]:
    return dict.fromkeys(PRODUCTS, default)


class Market(Strict):
    initial_price_usd_per_kg: dict[Product, dict[str, UsdPerKg]] = Field(
        description='Start price by product, by region code or "default" (USD/kg).'
    )
    transport_usd_per_kg: dict[Product, UsdPerKg] = Field(
        description="Freight and handling between two regions (USD/kg)."
    )
    target_cover_weeks: dict[Product, Annotated[float, Field(gt=0, le=104)]] = Field(
        default_factory=lambda: _per_product(8.0),
        description="Inventory, in weeks of use, holders aim for.",
    )
    initial_cover_weeks: Annotated[float, Field(ge=0, le=104)] | None = Field(
        None, description="Start inventory in weeks of use; defaults to the target."
    )
    restock_rate_per_week: Annotated[float, Field(gt=0, le=1)] = Field(
        0.25, description="Share of the inventory gap buyers close each week."
    )
    scarcity_sensitivity: Annotated[float, Field(ge=0, le=5)] = Field(
        0.5, description="Log-price premium per unit share of use left unmet."
    )
    cover_sensitivity: Annotated[float, Field(ge=0, le=3)] = Field(
        0.6, description="Elasticity of price to inventory cover over its target."
    )
    expectation_weeks: Annotated[float, Field(ge=1, le=520)] = Field(
        26.0, description="Weeks over which traders' expected price follows the market."
    )
    overhang_learning: Annotated[float, Field(ge=0, le=1)] = Field(
        0.1, description="Share of the discount that stock above target cover puts on the "
        "price which traders carry into their expected price (0: an overhang lowers the spot "
        "price, never the expected one; 1: the expected price chases the whole discount). "
        "Cover below target always feeds the expected price in full."
    )
    price_smoothing: Annotated[float, Field(gt=0, le=1)] = Field(
        0.5, description="Share of the gap to the indicated price closed each week."
    )
    arbitrage_speed: Annotated[float, Field(ge=0, le=1)] = Field(
        0.5, description="Share of a gap to import/export parity closed by arbitrage."
    )
    max_weekly_change: Annotated[float, Field(gt=0, le=1)] = Field(
        0.15, description="Cap on the weekly log-price move."
    )
    price_noise: Annotated[float, Field(ge=0, le=0.2)] = Field(
        0.01, description="Std. dev. of weekly random log-price noise (trader sentiment)."
    )
    sourcing_elasticity: Annotated[float, Field(ge=0, le=30)] = Field(
        4.0, description="Armington elasticity of buyers' sourcing shares to relative landed "
        "cost: a source 10% dearer draws about this many times 10% less (dimensionless).",
    )
    sourcing_adjustment_weeks: Annotated[float, Field(ge=1, le=520)] = Field(
        13.0, description="Weeks over which buyers' standing sourcing shares follow their "
        "target (supply contracts and switching costs; 1 moves them at once).",
    )

    @model_validator(mode="after")
    def _complete(self):
        for name in ("initial_price_usd_per_kg", "transport_usd_per_kg"):
            missing = [p for p in PRODUCTS if p not in getattr(self, name)]
            if missing:
                raise ValueError(f"{name} lacks products {missing}; allowed and required: "
                                 f"{list(PRODUCTS)}")
        for product, table in self.initial_price_usd_per_kg.items():
            if "default" not in table:
                raise ValueError(f'initial_price_usd_per_kg.{product} needs a "default" entry')
            if min(table.values()) <= 0:
                raise ValueError(f"initial_price_usd_per_kg.{product}: prices must be > 0")
        return self


class Demand(Strict):
    growth_percent_per_year: Annotated[float, Field(ge=-50, le=100)] = 4.0
    short_run_elasticity: Annotated[float, Field(ge=-2, le=0)] = Field(
        -0.05, description="Price elasticity of magnet demand within weeks."
    )
    choke_price_multiple: Annotated[float, Field(gt=1, le=1000)] = Field(
        10.0, description="Magnet price, as a multiple of the start price, at which demand stops."
    )
    choke_exponent: Annotated[float, Field(gt=0, le=10)] = Field(
        2.0, description="Shape of the choke: short-run demand is cut by the factor "
        "1 - (price / choke price) ** this."
    )
    long_run_elasticity: Annotated[float, Field(ge=-3, le=0)] = Field(
        -0.4, description="Elasticity reached through substitution, thrifting, recycling."
    )
    long_run_adjustment_years: Annotated[float, Field(gt=0, le=30)] = 4.0
    price_memory_speed: Annotated[float, Field(gt=0, le=52)] = Field(
        4.0, description="How many times faster buyers' remembered magnet price follows the "
        "market than long-run demand adjusts."
    )
    precautionary_cover_weeks: Annotated[float, Field(ge=0, le=52)] = Field(
        8.0, description="Extra inventory cover buyers seek at full perceived supply risk."
    )
    risk_memory_weeks: Annotated[float, Field(ge=1, le=520)] = 8.0
    other_uses_t_per_year: dict[Literal["ndpr_oxide", "dytb_oxide"],
                                dict[str, TonnesPerYear]] = Field(
        {}, description="Oxide used outside magnets (batteries, catalysts, glass, alloys), "
        "by product and region code, t/yr at start prices; it grows with "
        "growth_percent_per_year and draws on the region's oxide stock beside its "
        "magnet makers."
    )
    other_uses_elasticity: Annotated[float, Field(ge=-3, le=0)] = Field(
        -0.3, description="Price elasticity of those other uses, against the region's start "
        "price of the oxide."
    )


class Smuggling(Strict):
    """Undocumented oxide exports past an exporter's quota, duties and licences."""

    exporter: RegionCode = Field(description="Region the oxide is smuggled out of.")
    tonnes_per_year: dict[Literal["ndpr_oxide", "dytb_oxide"], TonnesPerYear] = Field(
        min_length=1, description="What the smuggling networks can move once fully "
        "developed, by product (t/yr).")
    cost_share: Annotated[float, Field(gt=0, le=5)] = Field(
        0.2, description="Premium over the home price (abroad, less freight) smugglers need "
        "before they ship at all (bribes, seizure risk, discounts); they use their full reach "
        "at twice it.")
    ramp_weeks: Annotated[float, Field(ge=1, le=520)] = Field(
        52.0, description="Weeks over which the networks grow towards what pays, or wind "
        "down when it stops paying.")


class Scenario(Strict):
    name: Name = Field(description="Short identifier, normally the file name.")
    title: str = Field("", max_length=200)
    description: str = Field("", max_length=4000)
    question: str = Field("", max_length=2000, description="What this scenario lets you explore.")
    start_date: dt.date = Field(description="Date of step 0.")
    steps: Annotated[int, Field(ge=1, le=5200)] = Field(
        520, description="Default run length in weeks; timeline events must fall inside it."
    )
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0

    regions: dict[RegionCode, Region] = Field(min_length=1)
    china: RegionCode | None = Field(
        "CN", description="Region reported as China in headline figures (China vs the rest)."
    )
    market: Market
    demand: Demand = Field(default_factory=Demand)
    production: Production = Field(default_factory=Production)
    investment: Investment = Field(default_factory=Investment)
    miners: dict[str, Miner] = Field(min_length=1)
    refiners: dict[str, Refiner] = Field(min_length=1)
    magnet_makers: dict[str, MagnetMaker] = Field(min_length=1)
    manufacturers: dict[str, Manufacturer] = Field(min_length=1)
    negotiation: Negotiation = Field(default_factory=Negotiation)
    policy: dict[str, PolicyChange] = Field(default_factory=dict)
    timeline: dict[str, PolicyChange] = Field(default_factory=dict)
    finance: Finance | None = Field(
        None, description="Listed firms, ETFs, investors and oxide speculation (none: no "
        "speculative market).")
    smuggling: Smuggling | None = Field(
        None, description="Oxide smuggled out past export restrictions (none: no smuggling).")

    @property
    def region_codes(self) -> list[str]:
        return list(self.regions)

    @property
    def end_date(self) -> dt.date:
        return self.start_date + dt.timedelta(days=DAYS_PER_STEP * self.steps)

    @model_validator(mode="after")
    def _references(self):
        codes = set(self.regions)
        allowed = ", ".join(self.regions)
        problems: list[tuple[tuple, str]] = []

        def check(path: tuple, code: str):
            if code not in codes:
                problems.append((path, f"unknown region {code!r}; allowed: {allowed}"))

        if self.china is not None:
            check(("china",), self.china)
        for code, region in self.regions.items():
            for ally in region.allies:
                check(("regions", code, "allies"), ally)
        for group in ("miners", "refiners", "magnet_makers", "manufacturers"):
            for name, firm in getattr(self, group).items():
                check((group, name, "region"), firm.region)
        for code, table in self.market.initial_price_usd_per_kg.items():
            for key in table:
                if key != "default":
                    check(("market", "initial_price_usd_per_kg", code, key), key)
        for product, table in self.demand.other_uses_t_per_year.items():
            for key in table:
                check(("demand", "other_uses_t_per_year", product, key), key)
        if self.smuggling is not None:
            check(("smuggling", "exporter"), self.smuggling.exporter)
        problems.extend(self._disrupted_firms())
        for section in ("policy", "timeline"):
            for name, change in getattr(self, section).items():
                for field, code in regions_named(change):
                    check((section, name, field), code)
                if section == "policy" and change.date is not None:
                    problems.append(((section, name, "date"),
                                     "initial policy takes no date; move it to [timeline]"))
                if section == "timeline":
                    problems.extend(self._timeline_date(name, change.date))
        problems.extend(finance_problems(self))
        if problems:
            raise ReferenceProblems(problems)
        return self

    def _disrupted_firms(self) -> list[tuple[tuple, str]]:
        """A disruption of one firm must name a firm of that stage in that region."""
        changes = [*self.policy.items(), *self.timeline.items()]
        problems = []
        for section, items in (("policy", self.policy), ("timeline", self.timeline)):
            for name, change in items.items():
                if change.type != "disruption" or change.firm is None:
                    continue
                stage_firms = getattr(self, GROUP_OF_STAGE[change.stage]).items()
                firms = {firm_name for firm_name, firm in stage_firms
                         if firm.region == change.region}
                firms |= {other.firm for _, other in changes
                          if other.type == "capacity_investment" and other.stage == change.stage
                          and other.region == change.region}
                if change.firm not in firms:
                    allowed = ", ".join(sorted(firms)) or "none"
                    problems.append(((section, name, "firm"),
                                     f"no {change.stage} firm {change.firm!r} in "
                                     f"{change.region}; allowed: {allowed}"))
        return problems

    def _timeline_date(self, name: str, when: dt.date | None):
        path = ("timeline", name, "date")
        if when is None:
            return [(path, "a timeline event needs a date (YYYY-MM-DD)")]
        if not (self.start_date <= when < self.end_date):
            return [(path, f"{when} is outside the run: allowed from {self.start_date} "
                           f"to before {self.end_date} (start_date + steps weeks)")]
        return []


class ReferenceProblems(ValueError):
    """Cross-field problems, each with its own key path."""

    def __init__(self, problems: list[tuple[tuple, str]]):
        super().__init__("; ".join(f"{'.'.join(p)}: {m}" for p, m in problems))
        self.problems = problems
