"""The speculative market of a run: wiring of assets, investors, news and feedback.

One ``step`` a week, after prices clear and before firms invest:

1. value: fundamental value of each company from its firms' expected profits;
2. news: new items of the news log add to a decaying pull per company;
3. orders: each strategy agent orders for the investors following it;
4. prices: the market maker moves each listing by its net demand (ETF orders
   pass through to the basket); ETFs trade at their NAV times a premium that
   arbitrage closes; the market index takes a random step;
5. switching: strategies' fitness is updated and some investors switch;
6. oxide: speculators buy or sell physical oxide on its price trend (``step``
   returns the flows, region x product; the model moves the material);
7. capital: each listed firm's ``capital_factor`` follows its share price.

All randomness comes from ``sim.rng.stream(seed, "investors", ...)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from agents.crowd import Crowd
from agents.investor import GROUPS, Quotes, crowd_orders
from sim.finance.assets import Baskets, MarketMaker, split_orders
from sim.finance.fundamentals import ListedFirms, company_values
from sim.finance.oxide import OxideSpeculation
from sim.finance.sentiment import LEVER_KINDS, NewsReading, PolicySnapshot
from sim.finance.sums import add_reduce
from sim.finance.switching import fitness_and_chances, misalignment, switched
from sim.finance.themes import ThemeSales
from sim.rng import stream
from sim.scenario.finance import INDEX_ASSET
from sim.world import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from sim.interfaces import World

ASSET_METRICS = ("asset_volume", "fundamental_value", "hype")


class Exchange:
    """Listed equities, ETFs, investors and oxide speculation of one model."""

    def __init__(self, model: World):
        self.model = model
        self.spec = spec = model.spec.finance
        self.oxide = OxideSpeculation(spec.stockpiles if spec else {}, model.region_index,
                                      model.stock.shape, model.prices)
        self.listings = list(spec.listings) if spec else []
        self.etfs = list(spec.etfs) if spec else []
        self.groups = []
        if spec is not None:
            self._build(model, spec)

    # -- construction ------------------------------------------------------
    def _build(self, model, spec) -> None:
        listed = list(spec.listings.values())
        self.shares = np.array([x.shares_million for x in listed])
        self.start_price = np.array([x.initial_price_usd for x in listed])
        self.price = self.start_price.copy()
        self.start_value = self.shares * self.start_price
        self.home = np.array([model.region_index[x.region] for x in listed])
        self.index_price = spec.market_index.initial_price_usd
        etfs = list(spec.etfs.values())
        weights = np.array([[e.weights.get(name, 0.0) for name in self.listings] for e in etfs])
        self.etf_price = np.array([e.initial_price_usd for e in etfs])
        self.baskets = Baskets.from_weights(
            weights.reshape(len(etfs), len(listed)), np.array([e.outside_weight for e in etfs]),
            self.etf_price, self.start_price, self.index_price)
        self.etf_units = np.array([e.initial_aum_usd_million for e in etfs]) / self.etf_price
        self.premium = np.zeros(len(etfs))

        self.reading = NewsReading(spec.news_sentiment, self.listings, model.region_index)
        self._firm_count = -1
        self._locate_firms()
        modelled = self.listed_firms.values(spec.valuation, model.prices, model.policy.subsidy)
        self.other = np.array([x.other_value_usd_million if x.other_value_usd_million is not None
                               else max(v0 - m, 0.0)
                               for x, v0, m in zip(listed, self.start_value, modelled,
                                                   strict=True)])
        self.value = company_values(modelled, self.other, self.start_value,
                                    spec.valuation) / self.shares

        assets = len(self.listings) + len(self.etfs)
        self.crowd = Crowd.build(spec, assets, model.seed)
        self.capital = float(np.add.reduce(self.crowd.capital))  # kept through switching
        populations = spec.populations()
        self.groups = [GROUPS[name](model, populations[name]) for name in self.crowd.names]
        self.fitness = np.zeros(len(self.groups))
        self.convictions = np.zeros((len(self.groups), assets))
        self.cost_pct = np.array([g.cost_pct for g in self.groups])
        trading = spec.trading
        self.maker = MarketMaker(trading.price_impact, trading.price_noise,
                                 trading.max_weekly_move)
        self.maker_rng = stream(model.seed, "investors", "market_maker")
        self.index_rng = stream(model.seed, "investors", "market_index")
        self.switch_rng = stream(model.seed, "investors", "switching")
        trend = spec.trend_followers
        depth = (trend.lookback_max_weeks if trend else 1) + 1
        self.prices, self.values = self.tradable_prices(), self.tradable_values()
        self.log_price = np.log(self.prices)  # this week's, before trading
        self.history = np.tile(self.log_price, (depth, 1))
        self.value_shares = self.baskets.value_shares(self.price, self.index_price)
        self.theme_history = np.tile(self._theme(), (depth, 1))
        self.week = 0
        news = spec.news_traders
        self.news_decay = np.exp(-1.0 / news.attention_weeks) if news else 0.0
        self.news_pull = np.zeros(len(self.listings))
        self.seen = len(model.news.items)
        self.snapshot = PolicySnapshot.of(model.policy)
        self.volume = np.zeros(assets)
        index = spec.market_index
        sigma = index.volatility_percent_per_year / 100
        self.index_drift = (index.drift_percent_per_year / 100 - sigma**2 / 2) / WEEKS_PER_YEAR
        self.index_step = sigma / np.sqrt(WEEKS_PER_YEAR)
        self._orders = np.empty(self.crowd.tilt_table.shape)  # this week's orders, reused
        self._scratch = np.empty(self.crowd.tilt_table.shape)
        self._ones = np.ones(len(self.crowd))

    def _locate_firms(self) -> None:
        """Resolve listings' firms by name (firms may be created during the run)."""
        if sum(map(len, self.model.firms.values())) == self._firm_count:
            return
        firms = {f.name: f for kind in self.model.firms.values() for f in kind}
        self._firm_count = len(firms)
        listed = self.spec.listings.values()
        names = [(*x.firms, *x.planned_firms) for x in listed]
        self.owned = [[firms[n] for n in own if n in firms] for own in names]
        owner = {n: i for i, own in enumerate(names) for n in own}
        presence = np.zeros((len(self.listings), len(self.model.regions)))
        presence[np.arange(len(self.listings)), self.home] = 1.0
        for i, owned in enumerate(self.owned):
            for firm in owned:
                presence[i, firm.region] = 1.0
        self.reading.locate(owner, presence)
        self.themes = ThemeSales(self.owned)
        self.listed_firms = ListedFirms(self.owned)

    # -- reading ---------------------------------------------------------------
    def tradable_prices(self) -> np.ndarray:
        """Prices of the listings, then the ETFs (USD per share or unit)."""
        return np.concatenate([self.price, self.etf_price])

    def tradable_values(self) -> np.ndarray:
        """Fundamental values of the listings, then the ETFs (index at market)."""
        return np.concatenate([self.value, self.baskets.nav(self.value, self.index_price)])

    def _values_now(self) -> np.ndarray:
        """``tradable_values`` with this week's basket holdings at value (``_quotes``)."""
        return np.concatenate([self.value,
                               self._held_value + self.baskets.outside * self.index_price])

    def _theme(self) -> np.ndarray:
        """Log price of what each company's firms sell (world NdPr oxide if none yet)."""
        listed = self.themes.log_prices(self.model.prices, self.model.policy.price_floor)
        return np.concatenate([listed, self.value_shares @ listed])

    def trend_capital_share(self) -> float:
        crowd = self.crowd
        if "trend" not in crowd.names:
            return 0.0
        total = np.add.reduce(crowd.capital)
        if not total:
            return 0.0
        following = crowd.capital[crowd.members(crowd.names.index("trend"))]
        return float(np.add.reduce(following) / total)

    # -- the week --------------------------------------------------------------
    def step(self) -> np.ndarray:
        """Trade one week; return the oxide hoards' flows (region x product, t bought)."""
        if self.spec is None:
            return np.zeros(self.model.stock.shape)
        model = self.model
        self._locate_firms()
        modelled = self.listed_firms.values(self.spec.valuation, model.prices, model.policy.subsidy)
        self.value = company_values(modelled, self.other, self.start_value,
                                    self.spec.valuation) / self.shares
        self._read_news()
        quotes = self._quotes()
        self._trade(quotes)
        self._switch(quotes)
        hoarded = self.oxide.step(model.stock, model.prices, self.trend_capital_share())
        self._set_capital_factors()
        return hoarded

    def _read_news(self) -> None:
        self.news_pull = self.news_decay * self.news_pull
        log = self.model.news.items
        if len(log) == self.seen:  # every policy change is logged, so the levers are as last seen
            return
        items = log[self.seen:]
        self.seen += len(items)
        snapshot = self.snapshot  # levers move only by changes logged under their own kind
        if any(item.kind in LEVER_KINDS for item in items):
            snapshot = PolicySnapshot.of(self.model.policy)
        self.news_pull += self.reading.read(items, self.snapshot, snapshot)
        self.snapshot = snapshot

    def _quotes(self) -> Quotes:
        baskets, assets = self.baskets, self.prices.size
        self._held_value = baskets.units @ self.value  # what the baskets hold, at value
        value_shares, market_value = np.empty(baskets.units.shape), np.empty(assets)
        weights, values = np.empty(assets), np.empty(assets)
        _quotes_into(baskets.units, baskets.outside, self.price, self.index_price, self.shares,
                     self.etf_units, self.etf_price, self.value, self._held_value,
                     value_shares, market_value, weights, values)
        self.value_shares = value_shares
        self.listing_value = market_value[:len(self.listings)]
        market = float(np.add.reduce(market_value))
        return Quotes(self.log_price, np.log(values), weights,
                      np.concatenate([self.news_pull, value_shares @ self.news_pull]),
                      self.history, self.theme_history[self.week % self.history.shape[0]],
                      self.theme_history, self.week,
                      in_market=min(1.0, market / self.capital) if self.capital > 0 else 1.0)

    def _trade(self, quotes: Quotes) -> None:
        orders = crowd_orders(self.groups, self.crowd, quotes,
                              self.spec.trading.max_trade_share_per_week, self._orders)
        net, buys, sells = split_orders(orders, self._ones, self._scratch)
        n = len(self.listings)
        shares = self.value_shares
        etf_net = net[n:]
        through = (etf_net @ shares, np.maximum(etf_net, 0.0) @ shares,
                   np.maximum(-etf_net, 0.0) @ shares)
        self.volume, moves, etf_units = self.maker.settle(
            net, buys, sells, through, self.listing_value, self.maker_rng.standard_normal(n),
            self.premium, self.etf_units, self.etf_price, self.spec.trading.etf_arbitrage_share)
        self.premium = moves[n:]
        growth = np.exp(moves)
        self.price = self.price * growth[:n]
        self.index_price *= np.exp(self.index_drift
                                   + self.index_step * self.index_rng.standard_normal())
        self.etf_units = etf_units
        self.etf_price = self.baskets.nav(self.price, self.index_price) * growth[n:]

    def _switch(self, quotes: Quotes) -> None:
        self.prices, self.values = self.tradable_prices(), self._values_now()  # after trading
        self.log_price = now = np.log(self.prices)
        rules, names = self.spec.switching, self.crowd.names
        bonus, bonus_to = 0.0, -1  # the fundamentalists' misalignment score
        if len(self.groups) > 1 and "fundamentalist" in names:
            gap = misalignment(quotes.log_price - quotes.log_value, quotes.weights)
            bonus, bonus_to = rules.misalignment_weight * gap, names.index("fundamentalist")
        self.fitness, chances = fitness_and_chances(
            self.fitness, self.convictions, quotes.weights, now - quotes.log_price,
            self.cost_pct, rules.memory_weeks, rules.intensity_of_choice, bonus, bonus_to)
        self.convictions = np.array([g.conviction(quotes) for g in self.groups])
        if len(self.groups) > 1:
            self.crowd.strategy = switched(self.crowd.strategy, self.switch_rng,
                                           rules.rate_per_week, chances)
            self.crowd.regroup()
        self.week += 1
        self.history[self.week % self.history.shape[0]] = now
        self.theme_history[self.week % self.history.shape[0]] = self._theme()

    def _set_capital_factors(self) -> None:
        rules = self.spec.capital
        self.listed_firms.set_capital_factors(np.minimum(np.maximum(
            (self.price / self.start_price) ** rules.elasticity, rules.min_factor),
            rules.max_factor))

    # -- measuring -------------------------------------------------------------
    def labels(self) -> dict[str, tuple[str, ...]]:
        """Product labels of the metrics whose labels are known only at run time."""
        tradable = (*self.listings, *self.etfs)
        names = self.crowd.names if self.spec else ()
        return {"asset_price": (*tradable, INDEX_ASSET) if self.spec else (),
                "investor_share": names, **dict.fromkeys(ASSET_METRICS, tradable)}

    def metrics(self) -> dict[str, np.ndarray]:
        """This week's values of the finance metrics."""
        if self.spec is None:
            empty = np.zeros(0)
            return {"asset_price": empty, "investor_share": empty,
                    **dict.fromkeys(ASSET_METRICS, empty)}
        prices, values = self.prices, self.values
        counts = self.crowd.sizes
        return {"asset_price": np.append(prices, self.index_price),
                "asset_volume": self.volume,
                "fundamental_value": values,
                "hype": np.log(prices / values),
                "investor_share": counts / max(len(self.crowd), 1)}


@njit(cache=True)
def _quotes_into(units, outside, price, index_price, shares, etf_units, etf_price, value,
                 held_value, value_shares, market_value, weights, values):
    """A week's quotes as ``Baskets.value_shares``, ``tradable_values`` and the market
    value weights compute them: value_shares = units x price / max(that row's sum +
    outside x index price, 1e-12); market_value = [shares x price, ETF units x price];
    weights = market_value / its sum; values = [value, held_value + outside x index]."""
    etfs, listings = units.shape
    held = np.empty(listings)
    for e in range(etfs):
        for k in range(listings):
            held[k] = units[e, k] * price[k]
        total = add_reduce(held) + outside[e] * index_price
        total = total if total > 1e-12 or total != total else 1e-12
        for k in range(listings):
            value_shares[e, k] = held[k] / total
    for k in range(listings):
        market_value[k] = shares[k] * price[k]
        values[k] = value[k]
    for e in range(etfs):
        market_value[listings + e] = etf_units[e] * etf_price[e]
        values[listings + e] = held_value[e] + outside[e] * index_price
    total = add_reduce(market_value)
    for k in range(market_value.size):
        weights[k] = market_value[k] / total
