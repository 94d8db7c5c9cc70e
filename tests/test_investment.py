"""Investment that anchors long-run prices to the cost of new supply, and the mining quota.

The rule (docs/model.md, "Investment"): a firm expands at a pace that grows
with the excess of its expected margin on new capacity over the hurdle; its
projects arrive after the stage's lead time. A state's mining quota caps its
miners' output, paced weekly over the year.
"""

from __future__ import annotations

import datetime as dt
import functools
import json

import numpy as np
import pytest

from sim.model import StandoffModel
from sim.scenario import load_scenario
from sim.world import PRODUCTS, STAGES, WEEKS_PER_YEAR, step_date, step_of_date

PRICE_BAND = 1.6  # yearly mean price within this factor of the first year's mean
SHORTAGE_SHARE = 0.02  # a week is short when more than this share of a use goes unmet...
SHORTAGE_WEEKS = 13  # ...and a shortage is sustained when it lasts a quarter or more


def _run(name: str = "free_trade", overrides: dict | None = None, seed: int = 0
         ) -> StandoffModel:
    return _cached_run(name, json.dumps(overrides or {}, sort_keys=True), seed)


@functools.cache
def _cached_run(name: str, overrides: str, seed: int) -> StandoffModel:
    spec = load_scenario(name, json.loads(overrides) or None)
    return StandoffModel(spec, seed=seed).run()


def _years(model: StandoffModel) -> np.ndarray:
    """Calendar year of every recorded step."""
    return np.array([step_date(model.spec.start_date, s).year for s in model.recorder.steps])


def _yearly_means(model: StandoffModel, series: np.ndarray) -> np.ndarray:
    """Mean of each calendar year of the run (years x the series' axes)."""
    years = _years(model)
    return np.array([series[years == y].mean(axis=0) for y in np.unique(years)])


def _used(model: StandoffModel) -> np.ndarray:
    """Region x product: whether the region uses the product at all over the run."""
    return model.recorder.stacked("demand").sum(axis=0) > 0


def _longest_run(flags: np.ndarray) -> int:
    """Longest run of consecutive True values along the first axis (any other axis)."""
    longest = current = np.zeros(flags.shape[1:], dtype=int)
    for row in flags:
        current = np.where(row, current + 1, 0)
        longest = np.maximum(longest, current)
    return int(longest.max())


# -- the long run of free_trade -----------------------------------------------------------

@pytest.mark.parametrize("product", PRODUCTS)
def test_free_trade_prices_stay_near_their_first_year_every_year(product):
    model = _run()
    q = PRODUCTS.index(product)
    yearly = _yearly_means(model, model.recorder.stacked("price")[:, :, q])  # years x region
    used = _used(model)[:, q]
    ratio = yearly[:, used] / yearly[0, used]
    assert len(yearly) >= model.spec.steps // WEEKS_PER_YEAR
    assert ratio.max() <= PRICE_BAND and ratio.min() >= 1 / PRICE_BAND, np.round(ratio, 2)


def test_free_trade_has_no_sustained_shortage():
    model = _run()
    demand = model.recorder.stacked("demand")
    unmet = model.recorder.stacked("unmet_demand")
    share = np.divide(unmet, demand, out=np.zeros_like(unmet), where=demand > 1e-9)
    assert _longest_run(share > SHORTAGE_SHARE) < SHORTAGE_WEEKS


def test_china_mining_capacity_grows_with_demand_in_free_trade():
    model = _run()
    china, mining = model.china, STAGES.index("mining")
    capacity = model.recorder.stacked("capacity")[:, china, mining]
    years = model.spec.steps / WEEKS_PER_YEAR
    growth = (1 + model.spec.demand.growth_percent_per_year / 100) ** years
    assert capacity[-1] > capacity[0] * (1 + (growth - 1) / 2)
    decided = model.events().query("kind == 'investment_decision' and actor == 'CN' "
                                   "and source == 'model'")
    china_miners = {f.name for f in model.firms["miners"] if f.region == china}
    assert set(decided.subject) & china_miners  # beyond the projects under way at the start


# -- after a shock ------------------------------------------------------------------------

SHOCK_DATE = "2026-01-05"
SHOCK = {"timeline.boom": {"type": "demand_shock", "date": SHOCK_DATE, "region": "all",
                           "segment": "all", "factor": 1.3}}


def test_a_demand_shock_brings_capacity_and_the_price_falls_back_towards_cost():
    calm, shocked = _run(), _run(overrides=SHOCK)
    shock_step = step_of_date(shocked.spec.start_date, dt.date.fromisoformat(SHOCK_DATE))
    assert 0 < shock_step < shocked.spec.steps - 4 * WEEKS_PER_YEAR
    q = PRODUCTS.index("ndpr_oxide")
    price = shocked.recorder.stacked("price")[:, shocked.china, q]
    before = price[:shock_step].mean()
    peak = price[shock_step:].max()
    last_year = price[-round(WEEKS_PER_YEAR):].mean()
    assert peak > 2 * before  # the shock bites: no spare separation capacity to meet it
    assert last_year < before + (peak - before) / 4  # three quarters of the way back
    capacity = shocked.recorder.stacked("capacity").sum(axis=1)[-1]
    calm_capacity = calm.recorder.stacked("capacity").sum(axis=1)[-1]
    assert capacity[STAGES.index("refining")] > 1.2 * calm_capacity[STAGES.index("refining")]


def test_after_a_demand_shock_the_price_ends_near_the_unshocked_run():
    calm, shocked = _run(), _run(overrides=SHOCK)
    q = PRODUCTS.index("ndpr_oxide")
    last = -round(WEEKS_PER_YEAR)
    calm_price = calm.recorder.stacked("price")[last:, calm.china, q].mean()
    price = shocked.recorder.stacked("price")[last:, shocked.china, q].mean()
    assert price < PRICE_BAND * calm_price


# -- the rule itself ----------------------------------------------------------------------

def _firm(**overrides):
    overrides = {"investment.initial_pipeline_share": 0.0, **overrides}
    model = StandoffModel(load_scenario("free_trade", overrides), seed=0)
    return model, next(f for f in model.firms["refiners"] if f.name == "china_separators")


def test_the_expected_margin_on_new_capacity_carries_the_capital_charge():
    model, firm = _firm()
    rules = model.spec.investment
    own, bought = firm.effective_cost(), firm.input_cost_per_kg()
    firm.margin_memory = 0.4
    expected = (1.4 * (own + bought) - own * (1 + rules.capital_charge_share) - bought) / (
        own * (1 + rules.capital_charge_share) + bought)
    assert firm.new_supply_margin() == pytest.approx(expected)
    assert firm.new_supply_margin() < firm.margin_memory


def test_no_expansion_at_or_below_the_hurdle_and_faster_above_it():
    model, firm = _firm()
    rules = model.spec.investment

    def pace_at(margin_on_new: float) -> float:
        # the remembered margin that gives this expected margin on new capacity
        own, bought = firm.effective_cost(), firm.input_cost_per_kg()
        new_cost = own * (1 + rules.capital_charge_share) + bought
        firm.margin_memory = (1 + margin_on_new) * new_cost / (own + bought) - 1
        return firm.expansion_pace()

    hurdle = rules.hurdle_margin
    growth_room = firm.growth_over_lead_time * rules.pipeline_weight
    assert pace_at(hurdle - growth_room - 0.01) == 0.0
    paces = [pace_at(hurdle - growth_room + excess) for excess in (0.01, 0.05, 0.2)]
    assert paces == sorted(paces) and paces[0] > 0
    assert paces[1] == pytest.approx(rules.growth_per_excess_margin * 0.05)
    assert pace_at(hurdle + 100.0) == rules.max_growth_per_year
    firm.margin_memory = -0.5
    planned = firm.planned_t_per_year = 1000.0
    assert firm.expansion_wanted() == 0.0 and firm.planned_t_per_year < planned


def test_capacity_under_way_beyond_demand_growth_slows_expansion():
    model, firm = _firm()
    firm.margin_memory = 0.4
    free = firm.expansion_pace()
    assert 0 < free < model.spec.investment.max_growth_per_year
    capacity = firm.capacity_t_per_week * WEEKS_PER_YEAR
    model.changes.add_capacity(firm, capacity * (firm.growth_over_lead_time + 0.1), "test")
    assert 0 < firm.expansion_pace() < free


def test_a_firm_commits_a_project_once_its_set_aside_growth_reaches_one():
    model, firm = _firm()
    rules = model.spec.investment
    firm.margin_memory = 1.0
    capacity = firm.capacity_t_per_week * WEEKS_PER_YEAR
    size = max(rules.expansion_share * capacity, rules.min_expansion_t_per_year)
    weekly = firm.expansion_pace() * capacity / WEEKS_PER_YEAR
    weeks = int(np.ceil(size / weekly))
    decided = [firm.expansion_wanted() for _ in range(weeks)]
    assert decided[:-1] == [0.0] * (weeks - 1) and decided[-1] == pytest.approx(size)


def test_no_investment_without_growth_per_excess_margin():
    model = _run(overrides={"investment.growth_per_excess_margin": 0.0,
                            "investment.initial_pipeline_share": 0.0})
    capacity = model.recorder.stacked("capacity")
    assert np.array_equal(capacity[0], capacity[-1])


def test_the_initial_pipeline_lands_one_year_of_demand_growth_a_year():
    model = StandoffModel(load_scenario("free_trade"), seed=0)
    firm = next(f for f in model.firms["miners"] if f.name == "china_light_ree")
    capacity = firm.capacity_t_per_week * WEEKS_PER_YEAR
    assert firm.pipeline_t_per_year() == pytest.approx(capacity * firm.growth_over_lead_time)
    model.run(round(WEEKS_PER_YEAR))
    growth = model.spec.demand.growth_percent_per_year / 100
    assert firm.capacity_t_per_week * WEEKS_PER_YEAR == pytest.approx(capacity * (1 + growth))


# -- the mining quota ---------------------------------------------------------------------

def _quota_run(quota, *, lifted: str | None = None, raise_with_demand=False, weeks=104,
               **overrides):
    policy = {"type": "mining_quota", "state": "CN", "tonnes_per_year": quota,
              "raise_with_demand": raise_with_demand}
    changes = {"policy.cn_mining_quota": policy, **overrides}
    if lifted:
        changes["timeline.cn_quota_lifted"] = {"type": "mining_quota", "date": lifted,
                                               "state": "CN", "tonnes_per_year": "none"}
    return StandoffModel(load_scenario("free_trade", changes), seed=0).run(weeks)


def _yearly_output(model, region: int) -> np.ndarray:
    produced = model.recorder.stacked("production")[1:, region]  # step 0 is the opening week
    dates = model.recorder.to_frame().query("metric == 'production'").date.unique()[1:]
    years = np.array([str(d)[:4] for d in dates])
    return np.array([produced[years == y].sum() for y in sorted(set(years))])


def test_the_mining_quota_caps_output_and_none_lifts_it():
    free = _quota_run("none")
    china = free.china
    output = _yearly_output(free, china)
    quota = round(0.8 * output[1], -3)  # binds: a fifth below free output
    capped = _quota_run(quota)
    capped_output = _yearly_output(capped, china)
    assert capped_output[1] <= quota * (1 + 1e-9)
    assert capped_output[1] > 0.95 * quota  # paced over the year, not used up early
    weekly = capped.recorder.stacked("production")[1:, china]
    assert weekly.max() < 1.5 * quota / WEEKS_PER_YEAR
    lifted = _quota_run(quota, lifted="2026-01-05")
    assert _yearly_output(lifted, china)[1] > 1.1 * quota


def test_a_quota_that_follows_demand_rises_in_january_while_miners_earn_well():
    raised = _quota_run(300000, raise_with_demand=True, weeks=160,
                        **{"investment.mining_quota_raise_margin": -1.0})
    held = _quota_run(300000, raise_with_demand=True, weeks=160,
                      **{"investment.mining_quota_raise_margin": 5.0})
    quotas = raised.recorder.stacked("mining_quota")[:, raised.china]
    assert quotas[-1] > quotas[0]
    news = raised.events().query("kind == 'mining_quota' and source == 'model'")
    assert len(news) >= 1
    assert all(dt.date.fromisoformat(d).month == 1 for d in news.date)
    assert np.all(held.recorder.stacked("mining_quota")[:, held.china] == quotas[0])


def test_miners_do_not_expand_while_their_capacity_covers_the_quota():
    def pace(quota) -> float:
        policy = {"type": "mining_quota", "state": "CN", "tonnes_per_year": quota}
        model = StandoffModel(load_scenario("free_trade", {"policy.q": policy}), seed=0)
        miner = next(m for m in model.firms["miners"] if m.region == model.china)
        miner.margin_memory = 2.0  # far above the hurdle
        return miner.expansion_pace()

    calm = _run()
    china_capacity = calm.recorder.stacked("capacity")[0, calm.china, STAGES.index("mining")]
    assert pace("none") > 0
    assert pace(round(1.5 * china_capacity)) == pace("none")
    assert pace(round(0.9 * china_capacity)) == 0.0
