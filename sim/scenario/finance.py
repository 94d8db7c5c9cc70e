"""The ``[finance]`` section: listed firms, ETFs, investor populations, oxide speculation.

Units: share prices in USD per share (ETFs: USD per unit), share counts in
millions, money in USD million, oxide in tonnes, time in weeks; "log" moves
are natural-log changes of a price. Names of firms and regions are checked
against the rest of the scenario in ``Scenario._references``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.types import Frac, RegionCode, Strict
from sim.scenario.types import Name as FirmName

UsdMillion = Annotated[float, Field(ge=0, le=1e7)]
AssetName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,59}$")]
Strategy = Literal["fundamentalist", "trend", "news"]
NewsKind = Literal["announcement", "investment_decision", "capacity_online", "price_floor",
                   "subsidy", "tariff", "export_quota", "export_duty", "licensing", "disruption",
                   "stockpile", "demand_shock", "threat", "deal"]
INDEX_ASSET = "market_index"  # the assets outside the scenario, as one index


class Listing(Strict):
    """A listed company: which of the scenario's firms it owns, its shares and start price."""

    region: RegionCode = Field(description="Home state; its policy news concerns the company.")
    firms: list[FirmName] = Field(
        [], description="Firms of the scenario (miners, refiners, magnet makers, or firms a "
        "capacity_investment of [policy] or [timeline] creates) whose profits are the company's; "
        "empty for a company with no modelled assets.")
    planned_firms: list[FirmName] = Field(
        [], description="Firms the company may build during the run (a capacity_investment by a "
        "deal, a player or an AI state); owned once they exist, not checked before.")
    shares_million: Annotated[float, Field(gt=0, le=1e6)] = Field(
        description="Shares outstanding (million).")
    initial_price_usd: Annotated[float, Field(gt=0, le=1e5)] = Field(
        description="Share price at the start date (USD/share).")
    other_value_usd_million: UsdMillion | None = Field(
        None, description="Value of what the model does not represent (other businesses, cash, "
        "projects) in USD million; default: start market value less the modelled value of its "
        "firms, i.e. the start price is taken as fair.")


class Etf(Strict):
    """An exchange-traded fund: a basket of listings and of assets outside the scenario."""

    weights: dict[AssetName, Annotated[float, Field(gt=0, le=1)]] = Field(
        min_length=1, description="Share of the fund's value in each listing at the start; the "
        "fund then holds fixed units (no rebalancing).")
    outside_weight: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.0, description="Share of the fund's value at the start in assets outside the scenario "
        "(followed as the market index).")
    initial_price_usd: Annotated[float, Field(gt=0, le=1e5)] = Field(
        description="Price per unit at the start, equal to its net asset value (USD).")
    initial_aum_usd_million: Annotated[float, Field(gt=0, le=1e7)] = Field(
        description="Assets under management at the start (USD million).")

    @model_validator(mode="after")
    def _sums_to_one(self):
        total = sum(self.weights.values()) + self.outside_weight
        if abs(total - 1) > 1e-6:
            raise ValueError(f"weights plus outside_weight must sum to 1 (got {total:.6g})")
        return self


class Investors(Strict):
    count: Annotated[int, Field(ge=0, le=10_000_000)] = Field(
        description="Individual investors following this strategy at the start.")
    capital_usd_million: UsdMillion = Field(
        description="Capital of the whole group, split among its investors (lognormal sizes); "
        "an investor keeps its capital when it switches strategy.")
    gain: Annotated[float, Field(gt=0, le=1000)] = Field(
        description="Conviction per unit of signal: an investor trades tanh(gain x signal) of "
        "the most it trades in a week.")
    cost_percent_per_year: Annotated[float, Field(ge=0, le=100)] = Field(
        0.0, description="Cost of the strategy (research, data), subtracted from its fitness "
        "(% of capital per year).")


class Fundamentalists(Investors):
    """Buy below and sell above the value of a company's expected profits."""

    perception_noise: Annotated[float, Field(ge=0, le=2)] = Field(
        0.1, description="Std. dev. of each investor's persistent log error in the value it sees.")


class TrendFollowers(Investors):
    """Buy what has risen and sell what has fallen (signal: annualised log trend).

    The trend is that of the asset's price plus ``theme_weight`` times that of the
    prices of what the company's firms sell (the rare-earth "theme"; ETFs by value
    weight, companies with no firms the world NdPr oxide price).
    """

    lookback_min_weeks: Annotated[int, Field(ge=1, le=104)] = Field(
        4, description="Shortest lookback an investor uses (weeks).")
    lookback_max_weeks: Annotated[int, Field(ge=1, le=104)] = Field(
        26, description="Longest lookback; each investor draws its own in between (weeks).")
    theme_weight: Annotated[float, Field(ge=0, le=10)] = Field(
        1.0, description="Weight of the trend of the prices a company's firms sell beside the "
        "trend of its share price.")

    @model_validator(mode="after")
    def _ordered(self):
        if self.lookback_max_weeks < self.lookback_min_weeks:
            raise ValueError("lookback_max_weeks must be at least lookback_min_weeks")
        return self


class NewsTraders(Investors):
    """Trade on the news log: policy moves, deals, investments, announcements."""

    attention_weeks: Annotated[float, Field(gt=0, le=52)] = Field(
        4.0, description="Weeks over which a news item's pull decays by a factor e.")
    sensitivity_spread: Annotated[float, Field(ge=0, le=2)] = Field(
        0.5, description="Std. dev. of the log of each investor's personal sensitivity to news.")


class Trading(Strict):
    """Order sizes and the market maker that sets each asset's price from net demand."""

    max_trade_share_per_week: Annotated[float, Field(gt=0, le=1)] = Field(
        0.05, description="Share of its capital an investor trades in a week at full conviction.")
    price_impact: Annotated[float, Field(ge=0, le=100)] = Field(
        4.0, description="Weekly log-price move per net demand equal to the asset's market value "
        "(4: net buying of 1% of market value lifts the price ~4%).")
    price_noise: Annotated[float, Field(ge=0, le=0.5)] = Field(
        0.04, description="Std. dev. of the market maker's weekly log-price noise.")
    max_weekly_move: Annotated[float, Field(gt=0, le=2)] = Field(
        0.3, description="Cap on an asset's weekly log-price move.")
    etf_arbitrage_share: Annotated[float, Field(gt=0, le=1)] = Field(
        0.8, description="Share of an ETF's premium or discount to its net asset value that "
        "creations and redemptions close each week.")


class Valuation(Strict):
    """How fundamental values follow firms' expected profits."""

    earnings_multiple: Annotated[float, Field(gt=0, le=100)] = Field(
        10.0, description="Value of a firm per USD of expected annual operating profit.")
    expected_margin_weight: Frac = Field(
        0.5, description="Weight of the firm's remembered margin against this week's margin "
        "(at sale prices, floors included) in its expected profit.")
    pipeline_value_share: Frac = Field(
        0.5, description="Worth of capacity under construction as a share of the same capacity "
        "running (it is years away).")
    min_value_share: Annotated[float, Field(gt=0, le=1)] = Field(
        0.05, description="Floor of a company's value as a share of its start market value "
        "(equity keeps option value).")


class Capital(Strict):
    """Feedback to the real economy: a high share price makes capital easy to raise."""

    elasticity: Annotated[float, Field(ge=0, le=10)] = Field(
        1.0, description="A firm's capital factor is (share price / start price) ** elasticity.")
    min_factor: Annotated[float, Field(ge=0, le=1)] = Field(
        0.25, description="Lowest capital factor (multiplies the weekly chance of expanding).")
    max_factor: Annotated[float, Field(ge=1, le=100)] = Field(4.0, description="Highest.")


class Switching(Strict):
    """Brock-Hommes switching: investors move to the strategies that earned most lately."""

    rate_per_week: Frac = Field(
        0.05, description="Share of investors who reconsider their strategy each week.")
    intensity_of_choice: Annotated[float, Field(ge=0, le=10)] = Field(
        0.02, description="Logit intensity per %/yr of fitness difference between strategies.")
    memory_weeks: Annotated[float, Field(ge=1, le=520)] = Field(
        13.0, description="Weeks over which a strategy's fitness (return, %/yr) is remembered.")
    misalignment_weight: Annotated[float, Field(ge=0, le=10000)] = Field(
        100.0, description="Pull towards the fundamentalist strategy when prices stray from "
        "values (Franke-Westerhoff): %/yr of fitness per unit of mean squared hype.")


class MarketIndex(Strict):
    """Assets outside the scenario (in broad ETFs): a random walk from the seeded stream."""

    drift_percent_per_year: Annotated[float, Field(ge=-50, le=100)] = 5.0
    volatility_percent_per_year: Annotated[float, Field(ge=0, le=200)] = 20.0
    initial_price_usd: Annotated[float, Field(gt=0, le=1e5)] = Field(
        100.0, description="Start level of the index (USD).")


class OxideStockpile(Strict):
    """Speculators' physical stock of an oxide in one region: filled while the price rises.

    Target holding = ``capacity_t`` x clip(``momentum_gain`` x trend x share of capital
    following trends, 0, 1), with trend the log price change over ``lookback_weeks``.
    """

    region: RegionCode = Field(description="Region whose commercial inventory they buy from.")
    product: Literal["ndpr_oxide", "dytb_oxide"]
    capacity_t: Annotated[float, Field(ge=0, le=1e6)] = Field(
        description="Most the speculators would hold (t).")
    momentum_gain: Annotated[float, Field(ge=0, le=1000)] = Field(
        20.0, description="Target share of capacity per unit of log-price rise (scaled by the "
        "share of capital following trends).")
    lookback_weeks: Annotated[int, Field(ge=1, le=104)] = Field(
        12, description="Weeks over which they measure the price trend.")
    adjust_share_per_week: Annotated[float, Field(gt=0, le=1)] = Field(
        0.2, description="Share of the gap to the target closed each week.")
    max_take_share_per_week: Annotated[float, Field(gt=0, le=1)] = Field(
        0.05, description="Most of the region's commercial inventory they buy in one week.")


def _default_sentiment() -> dict[str, float]:
    return {"announcement": 0.5, "investment_decision": 0.3, "capacity_online": 0.1,
            "price_floor": 1.0, "subsidy": 0.5, "tariff": 0.3, "export_quota": 0.8,
            "export_duty": 0.5, "licensing": 0.8, "disruption": 0.5, "stockpile": 0.3,
            "demand_shock": 0.5, "threat": 0.5, "deal": 0.5}


class Finance(Strict):
    """Listed equities, ETFs, investor populations and speculative oxide stocks."""

    listings: dict[AssetName, Listing] = Field(
        min_length=1, description="Listed companies by asset name.")
    etfs: dict[AssetName, Etf] = Field({}, description="Exchange-traded funds by asset name.")
    fundamentalists: Fundamentalists | None = Field(
        None, description="Investors who trade on companies' fundamental value (none: no group).")
    trend_followers: TrendFollowers | None = Field(
        None, description="Investors who chase price trends (none: no group).")
    news_traders: NewsTraders | None = Field(
        None, description="Investors who trade on the news log (none: no group).")
    stockpiles: dict[str, OxideStockpile] = Field(
        {}, description="Speculative physical oxide stocks by name.")
    trading: Trading = Field(default_factory=Trading, description="Order sizes, market maker.")
    valuation: Valuation = Field(default_factory=Valuation, description="Fundamental values.")
    capital: Capital = Field(default_factory=Capital, description="Share price to capital.")
    switching: Switching = Field(default_factory=Switching, description="Strategy switching.")
    market_index: MarketIndex = Field(default_factory=MarketIndex,
                                      description="Assets outside the scenario.")
    news_sentiment: dict[NewsKind, Annotated[float, Field(ge=-1, le=1)]] = Field(
        default_factory=_default_sentiment, description="How strongly news traders read each "
        "kind of news, -1 to 1; the sign of the effect comes from the news itself (a tightening "
        "or an easing); kinds left out are ignored.")

    @model_validator(mode="after")
    def _consistent(self):
        names = set(self.listings)
        for etf_name, etf in self.etfs.items():
            unknown = sorted(set(etf.weights) - names)
            if unknown:
                raise ValueError(f"etfs.{etf_name}.weights: unknown listings {unknown}; "
                                 f"allowed: {sorted(names)}")
        clash = sorted((names & set(self.etfs)) | ({INDEX_ASSET} & (names | set(self.etfs))))
        if clash:
            raise ValueError(f"asset names must be unique and not {INDEX_ASSET!r}: {clash}")
        owners: dict[str, str] = {}
        for name, listing in self.listings.items():
            for firm in (*listing.firms, *listing.planned_firms):
                if firm in owners:
                    raise ValueError(f"listings.{name}.firms: {firm!r} is already owned by "
                                     f"{owners[firm]!r}")
                owners[firm] = name
        if not any((self.fundamentalists, self.trend_followers, self.news_traders)):
            raise ValueError("needs at least one of fundamentalists, trend_followers, "
                             "news_traders")
        return self

    def populations(self) -> dict[str, Investors]:
        """The investor groups present, by strategy name."""
        groups = {"fundamentalist": self.fundamentalists, "trend": self.trend_followers,
                  "news": self.news_traders}
        return {name: spec for name, spec in groups.items() if spec is not None}


def finance_problems(scenario) -> list[tuple[tuple, str]]:
    """Unknown firm and region names in ``scenario.finance``, each with its key path."""
    finance = scenario.finance
    if finance is None:
        return []
    firms = {name for group in ("miners", "refiners", "magnet_makers")
             for name in getattr(scenario, group)}
    firms |= {change.firm for section in ("policy", "timeline")
              for change in getattr(scenario, section).values()
              if change.type == "capacity_investment"}
    regions = set(scenario.regions)
    problems = []
    for name, listing in finance.listings.items():
        if listing.region not in regions:
            problems.append((("finance", "listings", name, "region"),
                             f"unknown region {listing.region!r}; allowed: "
                             f"{', '.join(scenario.regions)}"))
        for firm in listing.firms:
            if firm not in firms:
                problems.append((("finance", "listings", name, "firms"),
                                 f"unknown firm {firm!r}; allowed: miners, refiners, magnet "
                                 "makers and capacity_investment firms of the scenario: "
                                 f"{', '.join(sorted(firms))}"))
    for name, pile in finance.stockpiles.items():
        if pile.region not in regions:
            problems.append((("finance", "stockpiles", name, "region"),
                             f"unknown region {pile.region!r}; allowed: "
                             f"{', '.join(scenario.regions)}"))
    return problems
