"""Investors and speculative prices: seeded runs, pure units, the finance schema."""

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest

from sim.finance.switching import choice_probabilities, switched
from sim.model import StandoffModel
from sim.rng import stream
from sim.scenario import ScenarioError, load_scenario
from sim.scenario import finance as fin
from sim.world import NDPR, step_of_date
from tests.conftest import run_with, scenario

ROOT = Path(__file__).resolve().parents[1]
NO_HOARDS = {"finance.stockpiles": {}}  # keeps the physical world identical between runs
THEME = {"finance.listings.theme_co": {"region": "AU", "shares_million": 100,
                                       "initial_price_usd": 1.0},
         "finance.trading.price_noise": 0.0, "finance.news_sentiment.demand_shock": 0.0}
BOOM_AND_BUST = {"timeline.boom": {"type": "demand_shock", "date": "2025-06-02", "factor": 1.3},
                 "timeline.bust": {"type": "demand_shock", "date": "2026-06-01", "factor": 0.77}}


def _series(model, metric: str, asset: str) -> np.ndarray:
    rec = model.recorder
    return rec.stacked(metric)[:, rec.labels[metric].index(asset)]


def test_announcement_without_earnings_moves_the_announcing_firms_price():
    news = {"timeline.mp_news": {"type": "announcement", "date": dt.date(2025, 3, 3),
                                 "firm": "mountain_pass", "sentiment": 1.0}}
    quiet = run_with("baseline_2025", 14, overrides=NO_HOARDS)
    told = run_with("baseline_2025", 14, overrides=NO_HOARDS | news)
    week = step_of_date(scenario().start_date, news["timeline.mp_news"]["date"])
    after = slice(week + 2, week + 5)
    value = _series(told, "fundamental_value", "mp_materials")
    assert np.allclose(value, _series(quiet, "fundamental_value", "mp_materials"), rtol=1e-9)
    rise = _series(told, "asset_price", "mp_materials") / _series(quiet, "asset_price",
                                                                   "mp_materials")
    assert np.all(rise[:week] == 1.0)
    assert rise[after].min() > 1.05
    others = _series(told, "asset_price", "lynas") / _series(quiet, "asset_price", "lynas")
    assert rise[after].min() - 1 > 3 * np.abs(others[after] - 1).max()
    assert np.all(_series(told, "hype", "mp_materials")[after]
                  > _series(quiet, "hype", "mp_materials")[after] + 0.05)


@pytest.mark.parametrize("seed", [0, 1])
def test_sustained_oxide_rise_draws_trend_followers_inflates_equity_then_deflates(seed):
    calm = run_with("free_trade", 160, seed, overrides=THEME)
    boom = run_with("free_trade", 160, seed, overrides=THEME | BOOM_AND_BUST)
    ndpr = boom.recorder.stacked("price")[:, :, NDPR].mean(axis=1)
    peak = int(np.argmax(ndpr))
    assert ndpr[peak] > 3 * ndpr[20] and ndpr[150] < 0.6 * ndpr[peak]  # rise, then reversal
    rising = slice(20, peak + 10)
    trend = boom.recorder.stacked("investor_share")[:, 1]
    trend_calm = calm.recorder.stacked("investor_share")[:, 1]
    assert (trend - trend_calm)[rising].max() > 0.02, "the rise draws trend followers"
    hype, hype_calm = _series(boom, "hype", "theme_co"), _series(calm, "hype", "theme_co")
    assert hype[rising].max() > 0.3 and hype[rising].max() > hype_calm[rising].max() + 0.15
    price = _series(boom, "asset_price", "theme_co")
    assert price[150] < 0.7 * price[rising].max(), "the reversal deflates it"
    assert hype[140:160].mean() < hype[rising].max() - 0.3
    held = boom.recorder.stacked("speculative_stock").sum(axis=(1, 2))
    assert held[rising].max() > 1000 and held[150:].max() < 0.5 * held[rising].max(), (
        "speculators hoard oxide on the way up and sell it on the way down")


def test_etf_price_equals_its_basket_within_tolerance():
    model = run_with("investor_frenzy", 156)
    rec, spec = model.recorder, model.spec.finance
    names = rec.labels["asset_price"]
    prices = rec.stacked("asset_price")
    for name, etf in spec.etfs.items():
        start = {listing: spec.listings[listing].initial_price_usd for listing in etf.weights}
        units = {k: w * etf.initial_price_usd / start[k] for k, w in etf.weights.items()}
        index_units = etf.outside_weight * etf.initial_price_usd / prices[0, names.index(
            fin.INDEX_ASSET)]
        nav = sum(u * prices[:, names.index(k)] for k, u in units.items()) + (
            index_units * prices[:, names.index(fin.INDEX_ASSET)])
        gap = prices[:, names.index(name)] / nav - 1
        assert np.abs(gap).max() < 0.03, name
        assert np.abs(gap).max() > 0, "orders in the ETF itself move its premium"


def test_raising_a_firms_capital_brings_capacity_forward():
    hype = {f"timeline.mp_hype_{k}": {"type": "announcement", "date": date,
                                      "firm": "mountain_pass", "sentiment": 1.0}
            for k, date in enumerate(["2025-01-13", "2025-02-10", "2025-03-10", "2025-04-07"])}

    def projects_decided(model) -> np.ndarray:
        """How many projects the listing's firms have decided by each step."""
        mp = set(model.spec.finance.listings["mp_materials"].firms)
        steps = sorted(n.step for n in model.news.items if n.kind == "investment_decision"
                       and n.source == "model" and n.subject in mp)
        return np.searchsorted(steps, np.arange(model.steps + 1), side="right")

    plain = run_with("baseline_2025", 80, overrides=NO_HOARDS)
    pumped = run_with("baseline_2025", 80, overrides=NO_HOARDS | hype)
    price = _series(pumped, "asset_price", "mp_materials") / _series(plain, "asset_price",
                                                                      "mp_materials")
    assert price[10:30].min() > 1.1, "the news lifted the share price, so capital is cheaper"
    ahead = projects_decided(pumped) - projects_decided(plain)
    assert ahead.min() >= 0 and ahead.max() > 0, "never behind, and ahead at some point"


@pytest.mark.parametrize("max_factor, clipped", [(100.0, False), (1.5, True)])
def test_capital_factor_follows_the_share_price_within_bounds(max_factor, clipped):
    model = run_with("investor_frenzy", 60, overrides={"finance.capital.max_factor": max_factor})
    rules = model.spec.finance.capital
    start = model.spec.finance.listings["mp_materials"].initial_price_usd
    ratio = _series(model, "asset_price", "mp_materials")[-1] / start
    assert (ratio ** rules.elasticity > max_factor) == clipped, "the case this run is for"
    firm = next(f for f in model.firms["miners"] if f.name == "mountain_pass")
    expected = min(max(ratio ** rules.elasticity, rules.min_factor), rules.max_factor)
    assert firm.capital_factor == pytest.approx(expected)
    unlisted = next(f for f in model.firms["miners"] if f.name == "kachin_clays")
    assert unlisted.capital_factor == 1.0


def test_price_floor_raises_the_fundamental_value_of_the_firm_it_covers():
    without = {"timeline.dod_price_floor.usd_per_kg": 0}
    floor = run_with("baseline_2025", 40, overrides=NO_HOARDS)
    none = run_with("baseline_2025", 40, overrides=NO_HOARDS | without)
    spec = scenario()
    week = step_of_date(spec.start_date, spec.timeline["dod_price_floor"].date)
    mp = _series(floor, "fundamental_value", "mp_materials")
    mp_none = _series(none, "fundamental_value", "mp_materials")
    assert np.allclose(mp[:week], mp_none[:week])
    quarter = slice(week, week + 13)  # the lift builds as firms' margins follow the floor
    assert (mp[quarter] / mp_none[quarter]).max() > 1.15


def test_the_crowd_is_as_large_as_the_scenario_says_and_agent_steps_are_counted():
    model = StandoffModel(load_scenario("investor_frenzy"), seed=3)
    crowd, spec = model.exchange.crowd, model.spec.finance
    assert len(crowd) == sum(g.count for g in spec.populations().values())
    assert crowd.capital.sum() == pytest.approx(
        sum(g.capital_usd_million for g in spec.populations().values()))
    assert [g.strategy for g in model.exchange.groups] == list(crowd.names)
    assert all(g in model.agents for g in model.exchange.groups)


def test_switching_moves_investors_to_the_fitter_strategy():
    chances = choice_probabilities(np.array([0.0, 50.0, -20.0]), intensity=0.05)
    assert chances[1] > chances[0] > chances[2] and chances.sum() == pytest.approx(1)
    strategy = np.zeros(20000, dtype=int)
    moved = switched(strategy, stream(0, "test"), 0.1, chances)
    assert 0.09 < np.mean(moved != strategy) < 0.11 * chances[1:].sum() + 0.02
    assert np.mean(moved == 1) == pytest.approx(0.1 * chances[1], abs=0.01)
    assert switched(strategy, stream(0, "test"), 0.0, chances) is strategy


def test_metrics_are_labelled_by_asset_and_strategy():
    table = run_with("baseline_2025", 4).timeseries()
    prices = table[table["metric"] == "asset_price"]
    assert {"mp_materials", "rare_earth_etf", "market_index"} <= set(prices["product"])
    shares = table[table["metric"] == "investor_share"]
    assert set(shares["product"]) == {"fundamentalist", "trend", "news"}
    assert np.allclose(shares.groupby("step")["value"].sum(), 1.0)
    assert (prices["region"] == "").all()


def test_a_scenario_without_finance_has_no_speculation():
    base = load_scenario("baseline_2025")
    model = StandoffModel(base.model_copy(update={"finance": None}), seed=0).run(10)
    table = model.timeseries()
    assert not table["metric"].isin(["asset_price", "hype", "investor_share"]).any()
    assert model.recorder.stacked("speculative_stock").sum() == 0


def test_same_seed_same_speculation():
    a = run_with("investor_frenzy", 40, seed=5)
    b = run_with("investor_frenzy", 40, seed=5)
    c = run_with("investor_frenzy", 40, seed=6)
    assert np.array_equal(a.recorder.stacked("asset_price"), b.recorder.stacked("asset_price"))
    assert not np.array_equal(a.recorder.stacked("asset_price"),
                              c.recorder.stacked("asset_price"))


@pytest.mark.parametrize("key, value, expected", [
    ("finance.listings.mp_materials.firms", ["mountain_pas"],
     "finance.listings.mp_materials.firms: unknown firm 'mountain_pas'"),
    ("finance.listings.lynas.region", "XX", "finance.listings.lynas.region: unknown region"),
    ("finance.stockpiles.cn_ndpr_traders.region", "KR",
     "finance.stockpiles.cn_ndpr_traders.region: unknown region"),
    ("finance.etfs.metals_mining_etf.weights", {"nobody": 0.04},
     "unknown listings ['nobody']"),
    ("finance.etfs.rare_earth_etf.outside_weight", 0.5, "must sum to 1"),
    ("finance.listings.iluka.firms", ["mountain_pass"], "already owned"),
    ("finance.trend_followers.lookback_max_weeks", 2, "lookback_max_weeks"),
    ("finance.trading.price_impact", -1, "finance.trading.price_impact"),
    ("finance.news_sentiment.rumour", 0.5, "finance.news_sentiment.rumour"),
])
def test_bad_finance_sections_are_refused_naming_the_key(key, value, expected):
    with pytest.raises(ScenarioError, match=re.escape(expected)):
        load_scenario("baseline_2025", overrides={key: value})
