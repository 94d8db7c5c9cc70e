"""Scenario-level behaviour: quotas, tariffs and lead times act as they should."""

import datetime as dt

import numpy as np
import pytest

from agents import firm_rules as fr
from sim.world import (
    DYTB,
    MAGNET,
    NDPR,
    PRODUCTS,
    STAGES,
    WEEKS_PER_YEAR,
    step_date,
    step_of_date,
)
from tests.conftest import finished_model, run_with, scenario

WEEKS = 78
QUIET = {"market.price_noise": 0.0, "production.output_noise": 0.0}


def _mean_price(model, region: str, product: int, last: int = 26) -> float:
    prices = model.recorder.stacked("price")[-last:]
    return float(prices[:, model.region_index[region], product].mean())


def _outside_china(model, product: int, last: int = 26) -> float:
    prices = model.recorder.stacked("price")[-last:, :, product]
    return float(np.delete(prices, model.china, axis=1).mean())


# Tight enough to bind on NdPr, which separation outside China (growing with demand from
# the projects under way at the start) nearly covers.
QUOTA_T = 1000


@pytest.mark.parametrize("product", [NDPR, MAGNET], ids=["ndpr_oxide", "magnet"])
def test_china_export_quota_raises_prices_outside_and_widens_the_gap(product):
    free = run_with("free_trade", WEEKS, overrides=QUIET)
    quota = {"policy.cn_quota": {"type": "export_quota", "exporter": "CN",
                                 "products": [PRODUCTS[product]], "tonnes_per_year": QUOTA_T}}
    cut = run_with("free_trade", WEEKS, overrides=QUIET | quota)
    assert _outside_china(cut, product) > 1.05 * _outside_china(free, product)
    gap_free = _outside_china(free, product) / _mean_price(free, "CN", product)
    gap_cut = _outside_china(cut, product) / _mean_price(cut, "CN", product)
    assert gap_cut > gap_free + 0.05
    exported = cut.recorder.stacked("exports")[:52, cut.china, product].sum()  # 2025
    assert exported <= QUOTA_T * 1.001


def test_tariff_raises_the_importers_price():
    free = run_with("free_trade", WEEKS, overrides=QUIET)
    tariff = {"policy.us_magnet_tariff": {"type": "tariff", "importer": "US",
                                          "exporters": "all", "products": ["magnet"],
                                          "percent": 100}}
    taxed = run_with("free_trade", WEEKS, overrides=QUIET | tariff)
    assert _mean_price(taxed, "US", MAGNET) > 1.3 * _mean_price(free, "US", MAGNET)
    assert abs(_mean_price(taxed, "CN", MAGNET) / _mean_price(free, "CN", MAGNET) - 1) < 0.15


def _timeline_step(name: str, event: str) -> int:
    spec = scenario(name)
    return step_of_date(spec.start_date, spec.timeline[event].date)


@pytest.mark.parametrize("event", ["mp_10x_magnet_plant", "mp_heavy_separation"])
def test_capacity_arrives_only_after_its_lead_time(event):
    model = finished_model("baseline_2025", 0, 170)
    capacity = model.recorder.stacked("capacity")
    plant = scenario("baseline_2025").timeline[event]
    region, stage = model.region_index[plant.region], STAGES.index(plant.stage)
    decided = _timeline_step("baseline_2025", event)
    online_at = decided + round(plant.lead_time_years * WEEKS_PER_YEAR)
    assert online_at < 170
    arrivals = [n for n in model.news.items if n.kind == "capacity_online"
                and n.actor == plant.region and n.payload["stage"] == plant.stage]
    others = {step: sum(n.payload["capacity_t_per_year"] for n in arrivals
                        if n.step == step and n.source != "timeline")
              for step in range(decided, online_at + 1)}
    # between decision and arrival the stage grows only by other projects landing
    assert capacity[online_at - 1, region, stage] == pytest.approx(
        capacity[decided, region, stage] + sum(others[s] for s in range(decided + 1, online_at)))
    assert capacity[online_at, region, stage] - capacity[online_at - 1, region, stage] == (
        pytest.approx(plant.capacity_t_per_year + others[online_at]))
    online = [n for n in arrivals if n.subject == plant.firm and n.source == "timeline"]
    assert [n.step for n in online] == [online_at]


def test_firm_expansions_wait_for_the_stage_lead_time():
    model = finished_model("baseline_2025", 0, 170)
    arrivals = [n for n in model.news.items
                if n.kind == "capacity_online" and n.source == "model"]
    assert arrivals, "firms' own expansions came online within the run"
    lead = model.spec.investment.lead_time_years
    for arrival in arrivals:
        stage = arrival.payload["stage"]
        assert arrival.step - arrival.payload["decided_step"] == round(lead[stage] * 52)


@pytest.mark.parametrize("product", [DYTB, MAGNET], ids=["dytb_oxide", "magnet"])
def test_licensing_cut_raises_outside_prices_more_than_chinas(product):
    model = finished_model("baseline_2025", 0, 170)
    prices = model.recorder.stacked("price")
    licensing = _timeline_step("baseline_2025", "china_licensing_april")
    assert PRODUCTS[product] in scenario("baseline_2025").timeline[
        "china_licensing_april"].products
    before = prices[licensing - 1]  # the week before licences are required
    after = prices[licensing + 1:licensing + 27].max(axis=0)  # the half year after
    us, cn = model.region_index["US"], model.china
    rise_us = after[us, product] / before[us, product]
    rise_cn = after[cn, product] / before[cn, product]
    assert rise_us > 1.3 and rise_us > rise_cn + 0.2


def test_a_combined_quota_caps_the_products_together_not_each():
    oxides = [PRODUCTS[NDPR], PRODUCTS[DYTB]]
    tonnes = 3000
    combined = {"policy.cn_quota": {"type": "export_quota", "exporter": "CN",
                                    "products": oxides, "tonnes_per_year": tonnes,
                                    "combined": True}}
    each = {"policy.cn_quota": combined["policy.cn_quota"] | {"combined": False}}
    year = slice(0, 52)  # 2025
    shipped = {name: run_with("free_trade", 52, overrides=QUIET | levers).recorder.stacked(
        "exports")[year, 0, [NDPR, DYTB]].sum(axis=0) for name, levers in
        (("combined", combined), ("each", each))}
    assert scenario("free_trade").region_codes[0] == "CN"
    assert shipped["combined"].sum() <= tonnes * 1.001
    assert shipped["combined"].min() > 0  # both products get a part
    assert shipped["each"].max() > 0.9 * tonnes  # a separate quota per product is larger
    assert shipped["each"].sum() > 1.05 * tonnes


def test_a_quota_paces_the_week_that_opens_a_new_year_like_any_other():
    """The week that ends in January counts in the new year; its share of the year's
    quota is a week's, not the whole year's (it once shipped 7 weeks' worth at once)."""
    model = run_with("crisis_2010", 110, overrides=QUIET)
    china = model.china
    shipped = model.recorder.stacked("exports")[:, china, :DYTB + 1].sum(axis=1)
    pace = model.recorder.stacked("combined_export_quota")[:, china] / 52
    new_year_weeks = [step for step in range(1, 110) if step_date(
        model.spec.start_date, step).year != step_date(model.spec.start_date, step - 1).year]
    assert len(new_year_weeks) == 2  # January 2010 and 2011
    assert (shipped[:110] <= 1.1 * pace[:110]).all()
    assert shipped[new_year_weeks].min() > 0.5 * pace[new_year_weeks].min()  # it ships


def _weekly_output(overrides: dict, weeks: int, names: tuple[str, ...]):
    """A quiet free_trade run; each named mine's planned output every week (t)."""
    from sim.model import StandoffModel
    from sim.scenario import load_scenario

    model = StandoffModel(load_scenario("free_trade", overrides=QUIET | overrides), seed=0)
    mines = [next(f for f in model.firms["miners"] if f.name == n) for n in names]
    output = []
    for _ in range(weeks):
        model.step()
        output.append([m.book.state[fr.WANTED, m.slot] for m in mines])
    return model, np.array(output)


def test_a_disruption_of_one_mine_cuts_that_mine_and_leaves_the_others():
    cut = {"timeline.clays_shut": {"type": "disruption", "date": "2025-03-03", "region": "CN",
                                   "stage": "mining", "firm": "china_ionic_clays",
                                   "output_percent": 20, "weeks": 26}}
    names = ("china_ionic_clays", "china_light_ree")
    _, plain = _weekly_output({}, 60, names)
    model, output = _weekly_output(cut, 60, names)
    ratio = output / plain
    start = int(np.argmax(ratio[:, 0] < 1))  # row k is Mesa's step k + 1 (it counts from 1)
    assert start + 1 == step_of_date(model.spec.start_date, dt.date(2025, 3, 3))
    during, after = slice(start, start + 26), slice(start + 30, None)
    assert np.all(ratio[:start, :] == 1.0)
    assert ratio[during, 0] == pytest.approx(np.full(26, 0.2), abs=0.03)  # the clays: 20%
    assert np.all(ratio[during, 1] >= 0.999)  # the light-REE mine is not cut
    assert ratio[after, 0].min() > 0.9  # and the clays come back
    news = model.events().query("actor == 'CN' and kind.str.startswith('disruption')")
    assert news["headline"].tolist() == [
        "Disruption: china_ionic_clays (mining in CN) at 20% for 26 weeks",
        "china_ionic_clays (mining in CN) back to normal output"]


def test_a_disruption_of_a_firm_the_region_does_not_have_is_refused():
    from sim.scenario import ScenarioError, load_scenario

    bad = {"timeline.shut": {"type": "disruption", "date": "2025-03-03", "region": "US",
                             "stage": "mining", "firm": "china_ionic_clays",
                             "output_percent": 0, "weeks": 4}}
    with pytest.raises(ScenarioError, match="timeline.shut.firm.*no mining firm "
                                            "'china_ionic_clays' in US; allowed: mountain_pass"):
        load_scenario("free_trade", overrides=bad)
