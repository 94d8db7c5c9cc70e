"""The speculation phase's shortcuts give bit for bit what the direct computation gives."""

import math
from dataclasses import fields, replace
from types import SimpleNamespace

import numpy as np
import pytest

from agents.investor import crowd_orders
from sim.finance.assets import Baskets, MarketMaker
from sim.finance.fundamentals import modelled_values
from sim.finance.oxide import OxideSpeculation
from sim.finance.sentiment import LEVER_KINDS, PolicySnapshot
from sim.finance.sums import add_reduce
from sim.finance.switching import (
    choice_probabilities,
    fitness_and_chances,
    switched,
    updated_fitness,
)
from sim.finance.themes import ThemeSales
from sim.model import StandoffModel
from sim.policy import PolicyState
from sim.rng import stream
from sim.scenario import load_scenario
from sim.scenario.levers import ExportQuota
from sim.world import NDPR, STAGE_OUTPUT, WEEKS_PER_YEAR


def test_theme_prices_each_pair_once_and_match_the_per_firm_mean():
    firms = [[SimpleNamespace(region=0, stage="mining"),
              SimpleNamespace(region=1, stage="refining"),
              SimpleNamespace(region=0, stage="mining")],
             [], [SimpleNamespace(region=1, stage="refining")]]
    rng = np.random.default_rng(5)
    prices = rng.uniform(1, 500, (2, 4))
    floors = rng.uniform(1, 500, (2, 4))

    def sale(region, product):
        return max(prices[region, product], floors[region, product])

    themes = ThemeSales(firms)
    assert len(themes.pairs) == 2, "each distinct (region, product) is priced once"
    got = themes.log_prices(prices, floors)
    ndpr = float(np.log(prices[:, NDPR]).mean())
    # Python's sum (compensated for floats) over each listing's firms, exactly
    want = [sum(math.log(sale(f.region, STAGE_OUTPUT[f.stage])) for f in owned) / len(owned)
            if owned else ndpr for owned in firms]
    assert got.tobytes() == np.array(want).tobytes()


def test_oxide_flows_table_matches_add_at_with_shared_and_separate_cells():
    pile = {"region": "CN", "product": "ndpr_oxide", "capacity_t": 100.0}
    for specs in ({"a": pile}, {"a": pile, "b": pile | {"product": "dytb_oxide"}},
                  {"a": pile, "b": pile}):
        piles = {k: SimpleNamespace(momentum_gain=20.0, lookback_weeks=4,
                                    adjust_share_per_week=0.2, max_take_share_per_week=0.1, **v)
                 for k, v in specs.items()}
        oxide = OxideSpeculation(piles, {"CN": 0, "US": 1}, (2, 4), np.full((2, 4), 50.0))
        per_pile = np.array([3.5, -0.0][:len(piles)] + [1.25] * (len(piles) - 2))
        want = np.zeros((2, 4))
        np.add.at(want, (oxide.region, oxide.product), per_pile)
        assert oxide._table(per_pile).tobytes() == want.tobytes()


def test_trend_convictions_by_lookback_equal_each_members_own_signal():
    model = StandoffModel(load_scenario("investor_frenzy"), seed=2).run(40)
    exchange = model.exchange
    quotes = exchange._quotes()
    crowd = exchange.crowd
    for index, group in enumerate(exchange.groups):
        members = crowd.members(index)
        out = np.empty(crowd.tilt[members].shape)
        group.convictions(crowd, members, quotes, out)
        direct = np.tanh(group.gain * group.signal(crowd, members, quotes))
        assert out.size and out.tobytes() == direct.tobytes(), group.strategy
        typical = np.tanh(group.gain * group.typical_signal(quotes))
        assert group.conviction(quotes).tobytes() == typical.tobytes(), group.strategy


def _direct_orders(exchange, quotes) -> np.ndarray:
    """crowd_orders as numpy computes it, group by group, in crowd order."""
    crowd, mts = exchange.crowd, exchange.spec.trading.max_trade_share_per_week
    tilt, rows = crowd.tilt, []
    for index, group in enumerate(exchange.groups):
        members = crowd.members(index)
        conviction = np.tanh(group.gain * group.signal(crowd, members, quotes))
        spend = crowd.capital[members, None] * (mts * group.attention(quotes))
        rows.append(spend * tilt[members] * conviction)
    return np.concatenate(rows)


def test_orders_kernels_match_numpy_group_by_group():
    model = StandoffModel(load_scenario("investor_frenzy"), seed=4).run(30)
    exchange = model.exchange
    quotes = exchange._quotes()
    orders = crowd_orders(exchange.groups, exchange.crowd, quotes,
                          exchange.spec.trading.max_trade_share_per_week)
    assert orders.tobytes() == _direct_orders(exchange, quotes).tobytes()


def test_a_market_smaller_than_the_capital_chasing_it_takes_that_share_of_orders():
    model = StandoffModel(load_scenario("crisis_2010"), seed=0).run(30)
    exchange = model.exchange
    quotes = exchange._quotes()
    market = exchange.price[0] * exchange.shares[0]  # one listing, no ETFs
    capital = exchange.crowd.capital.sum()
    assert quotes.in_market == pytest.approx(min(1.0, market / capital))
    mts = exchange.spec.trading.max_trade_share_per_week
    full = crowd_orders(exchange.groups, exchange.crowd, replace(quotes, in_market=1.0), mts)
    for share in (0.5, 0.01):
        scaled = crowd_orders(exchange.groups, exchange.crowd,
                              replace(quotes, in_market=share), mts)
        assert np.allclose(scaled, share * full, rtol=1e-12, atol=0) and np.abs(full).sum() > 0


def test_regroup_is_a_stable_argsort_and_tables_follow_their_investors():
    model = StandoffModel(load_scenario("investor_frenzy"), seed=1)
    crowd = model.exchange.crowd
    rng = np.random.default_rng(8)
    for _ in range(3):
        strategy = rng.integers(0, len(crowd.names), len(crowd))
        before = {k: getattr(crowd, k) for k in ("capital", "sensitivity", "lookback", "tilt",
                                                 "bias")}
        order = strategy.argsort(kind="stable")
        crowd.strategy = strategy
        crowd.regroup()
        assert crowd.strategy.tobytes() == strategy.take(order).tobytes()
        for key, values in before.items():
            assert getattr(crowd, key).tobytes() == values.take(order, axis=0).tobytes(), key
        assert crowd.bounds == strategy.take(order).searchsorted(
            np.arange(len(crowd.names) + 1)).tolist()


def _switched_directly(strategy, rng, rate, probabilities):
    movers = (rng.random(strategy.size) < rate).nonzero()[0]
    if movers.size == 0:
        return strategy
    cumulative = probabilities.cumsum()
    picks = cumulative.searchsorted(rng.random(movers.size) * cumulative[-1], side="right")
    out = strategy.copy()
    out[movers] = np.minimum(picks, probabilities.size - 1)
    return out


def test_switching_kernels_draw_as_searchsorted_does():
    strategy = np.random.default_rng(2).integers(0, 3, 5000)
    for rate, probabilities in ((0.05, np.array([0.2, 0.5, 0.3])), (0.5, np.array([1.0, 0, 0])),
                                (1.0, np.array([0.0, 0.0, 1.0])), (0.3, np.array([0.1, 0.9]))):
        got = switched(strategy, stream(3, "k"), rate, probabilities)
        want = _switched_directly(strategy, stream(3, "k"), rate, probabilities)
        assert got.tobytes() == want.tobytes()
    assert switched(strategy, stream(3, "k"), 0.0, np.ones(3) / 3) is strategy


def test_market_maker_settle_matches_its_numpy_rules():
    rng = np.random.default_rng(11)
    maker = MarketMaker(impact=0.8, noise=0.02, max_move=0.15)
    listings, etfs = 6, 2
    for trial in range(50):
        net = rng.normal(0, 5, listings + etfs) * (rng.random(listings + etfs) < 0.8)
        buys = np.abs(rng.normal(0, 5, listings + etfs)) * (trial % 5 != 0)
        sells = buys - net
        through = tuple(rng.normal(0, 1, listings) * (rng.random(listings) < 0.7)
                        for _ in range(3))
        value = rng.uniform(0.0, 2e-9, listings) if trial % 7 == 0 else rng.uniform(1, 1e4,
                                                                                     listings)
        shocks, premium = rng.normal(size=listings), rng.normal(0, 0.01, etfs)
        units, price = rng.uniform(0.0, 50, etfs), rng.uniform(1, 80, etfs)
        volume, moves, new_units = maker.settle(net, buys, sells, through, value, shocks,
                                                premium, units, price, 0.3)
        want_buys, want_sells = buys.copy(), sells.copy()
        want_buys[:listings] += through[1]
        want_sells[:listings] += through[2]
        assert volume.tobytes() == np.maximum(want_buys, want_sells).tobytes()
        listing_move = maker.listing_move(net[:listings] + through[0], value, shocks)
        etf_premium = maker.etf_premium(premium, net[listings:], units * price, 0.3)
        assert moves.tobytes() == np.concatenate([listing_move, etf_premium]).tobytes()
        assert new_units.tobytes() == np.maximum(units + net[listings:] / price,
                                                 1e-3 * units).tobytes()


def test_fitness_and_value_share_kernels_match_numpy():
    rng = np.random.default_rng(12)
    fitness, convictions = rng.normal(0, 20, 3), np.tanh(rng.normal(size=(3, 8)))
    weights, returns, cost = rng.dirichlet(np.ones(8)), rng.normal(0, 0.05, 8), rng.random(3)
    earned = 100 * WEEKS_PER_YEAR * np.add.reduce(
        convictions * weights[None, :] * returns[None, :], axis=1) - cost
    want = fitness + (earned - fitness) / 13.0
    assert updated_fitness(fitness, convictions, weights, returns, cost, 13.0).tobytes() == (
        want.tobytes())
    baskets = Baskets(rng.uniform(0, 3, (2, 6)), np.array([0.4, 0.0]))
    price = rng.uniform(0.5, 40, 6)
    held = baskets.units * price[None, :]
    total = np.add.reduce(held, axis=1) + baskets.outside * 1234.5
    want = held / np.maximum(total, 1e-12)[:, None]
    assert baskets.value_shares(price, 1234.5).tobytes() == want.tobytes()


def test_oxide_step_matches_the_numpy_rules():
    pile = {"region": "CN", "product": "ndpr_oxide", "capacity_t": 800.0,
            "momentum_gain": 30.0, "lookback_weeks": 3, "adjust_share_per_week": 0.3,
            "max_take_share_per_week": 0.05}
    piles = {"a": SimpleNamespace(**pile),
             "b": SimpleNamespace(**pile | {"region": "US", "lookback_weeks": 5})}
    rng = np.random.default_rng(13)
    prices = rng.uniform(50, 60, (2, 4))
    oxide = OxideSpeculation(piles, {"CN": 0, "US": 1}, (2, 4), prices)
    held, history = np.zeros(2), [np.log(prices.take(oxide.cells))] * 6
    for week in range(30):
        prices = prices * np.exp(rng.normal(0, 0.05, (2, 4)))
        stock = rng.uniform(0, 2000, (2, 4)) * (week % 4 != 0)
        share = rng.random()
        flows = oxide.step(stock, prices, share)
        history.append(np.log(prices.take(oxide.cells)))
        past = np.array([history[-1 - lag][p] for p, lag in enumerate(oxide.lookback)])
        appetite = np.clip(oxide.gain * (history[-1] - past) * share, 0.0, 1.0)
        flow = oxide.adjust * (oxide.capacity * appetite - held)
        flow = np.maximum(np.minimum(flow, oxide.max_take * stock.take(oxide.cells)), -held)
        held += flow
        want = np.zeros((2, 4))
        want.put(oxide.cells, flow + 0.0)
        assert flows.tobytes() == want.tobytes() and oxide.held.tobytes() == held.tobytes()


def test_the_news_readers_policy_snapshot_is_the_policy_as_it_stands():
    model = StandoffModel(load_scenario("escalation"), seed=0)
    kinds = set()
    for _ in range(120):
        model.step()
        kinds |= {item.kind for item in model.news.items[-5:]}
        fresh = PolicySnapshot.of(model.policy)
        for field in fields(fresh):
            assert np.array_equal(getattr(model.exchange.snapshot, field.name),
                                  getattr(fresh, field.name)), field.name
    assert kinds & LEVER_KINDS and kinds - LEVER_KINDS, "weeks with and without lever news"


def test_listed_firms_are_valued_as_firm_value_values_each_firm():
    model = StandoffModel(load_scenario("allied_buildout"), seed=0)
    exchange = model.exchange
    start = sum(map(len, model.firms.values()))
    for _ in range(160):
        model.step()
        rules = exchange.spec.valuation
        got = exchange.listed_firms.values(rules, model.prices, model.policy.subsidy)
        assert got.tobytes() == modelled_values(exchange.owned, rules).tobytes()
    assert sum(map(len, model.firms.values())) > start, "firms were added during the run"
    rules = exchange.spec.capital
    want = np.minimum(np.maximum((exchange.price / exchange.start_price) ** rules.elasticity,
                                 rules.min_factor), rules.max_factor)
    for own, factor in zip(exchange.owned, want.tolist(), strict=True):
        assert all(firm.capital_factor == factor for firm in own)


def test_fitness_and_chances_match_the_rules_one_by_one():
    rng = np.random.default_rng(14)
    for assets, strategies in ((8, 3), (5, 2), (13, 3), (40, 4)):
        fitness, cost = rng.normal(0, 30, strategies), rng.random(strategies)
        convictions = np.tanh(rng.normal(size=(strategies, assets)))
        weights, returns = rng.dirichlet(np.ones(assets)), rng.normal(0, 0.05, assets)
        for bonus, bonus_to in ((0.0, -1), (17.5, 0), (3.25, strategies - 1)):
            new, chances = fitness_and_chances(fitness, convictions, weights, returns, cost,
                                               13.0, 0.02, bonus, bonus_to)
            want = updated_fitness(fitness, convictions, weights, returns, cost, 13.0)
            score = want.copy()
            if bonus_to >= 0:
                score[bonus_to] += bonus
            assert new.tobytes() == want.tobytes()
            assert chances.tobytes() == choice_probabilities(score, 0.02).tobytes()


def test_compiled_sum_adds_as_numpy_does():
    rng = np.random.default_rng(15)
    for n in [*range(40), 127, 128, 129, 200, 300, 1000]:
        for _ in range(50):
            values = rng.normal(size=n) * rng.lognormal(0, 4, n)
            assert add_reduce(values) == np.add.reduce(values), n
        zeros = np.full(n, -0.0)
        assert np.signbit(add_reduce(zeros)) == np.signbit(np.add.reduce(zeros))


def test_quotes_match_the_basket_and_weight_rules():
    model = StandoffModel(load_scenario("investor_frenzy"), seed=6).run(25)
    exchange = model.exchange
    quotes = exchange._quotes()
    baskets = exchange.baskets
    shares = baskets.value_shares(exchange.price, exchange.index_price)
    assert exchange.value_shares.tobytes() == shares.tobytes()
    market = np.concatenate([exchange.shares * exchange.price,
                             exchange.etf_units * exchange.etf_price])
    assert quotes.weights.tobytes() == (market / market.sum()).tobytes()
    assert quotes.log_value.tobytes() == np.log(exchange.tradable_values()).tobytes()
    assert quotes.news.tobytes() == np.concatenate(
        [exchange.news_pull, shares @ exchange.news_pull]).tobytes()


def test_theme_means_add_as_pythons_compensated_sum():
    from sim.finance.themes import _python_sum

    rng = np.random.default_rng(8)
    for values in (np.array([1e16, 1.0, -1e16]), rng.normal(0, 1e3, 50)):
        members = np.arange(values.size)
        assert _python_sum(values, members) == sum(values.tolist())
    assert _python_sum(np.array([1e16, 1.0, -1e16]), np.arange(3)) == 1.0  # naive: 0.0


def test_a_cut_in_a_combined_export_quota_reads_as_a_tighter_restriction():
    policy = PolicyState(["CN", "US"])
    quota = {"type": "export_quota", "exporter": "CN", "combined": True,
             "products": ["concentrate", "ndpr_oxide", "dytb_oxide"]}
    readings = []
    for tonnes in ("none", 10000, 6000, "none"):
        policy.apply(ExportQuota(**quota, tonnes_per_year=tonnes))
        readings.append(PolicySnapshot.of(policy).restriction_quota[0])
    assert readings[0] < readings[1] < readings[2]  # set, then cut: tighter each time
    assert readings[3] == readings[0]  # lifted: as before
