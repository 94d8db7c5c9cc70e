"""Behaviour coefficients read from the scenario: changing one changes what the agents do."""

from __future__ import annotations

import pytest

from sim.model import StandoffModel
from sim.scenario import ScenarioError, load_scenario
from sim.scenario import levers as lv
from sim.world import WEEKS_PER_YEAR
from tests.conftest import run_with

WEEKS = 156


def _model(name: str, **overrides) -> StandoffModel:
    return StandoffModel(load_scenario(name, overrides=overrides or None), seed=0)


def _ai_news(model, kind: str, actor: str | None = None) -> list:
    return [n for n in model.news.items if n.kind == kind and n.source == "ai"
            and (actor is None or n.actor == actor)]


# -- [negotiation] -----------------------------------------------------------------
def test_a_higher_stockpile_trigger_gives_fewer_stockpile_orders():
    usual = run_with("allied_buildout", WEEKS)
    strict = run_with("allied_buildout", WEEKS,
                      overrides={"negotiation.stockpile_raise_factor": 3.0})
    orders = len(_ai_news(usual, "stockpile"))
    assert orders > 0
    assert len(_ai_news(strict, "stockpile")) < orders


def test_the_hawkishness_cut_off_decides_between_threat_and_offer():
    hawks = run_with("escalation", WEEKS)
    opening = [n.kind for n in hawks.news.items if n.source == "ai" and n.actor == "US"
               and n.kind in ("threat", "offer")]
    assert opening[0] == "threat", "a hawk opens with a threat"
    hawkishness = max(s.strategy.hawkishness for s in hawks.states if s.is_ai)
    cut_off = round(hawkishness + 0.05, 2)
    doves = run_with("escalation", WEEKS, overrides={"negotiation.threat_min_hawkishness": cut_off})
    assert _ai_news(doves, "offer", "US") and not _ai_news(doves, "threat")


@pytest.mark.parametrize("loss", [0.1, 0.3])
def test_a_threat_costs_the_standing_the_scenario_says(loss):
    model = _model("baseline_2025", **{"negotiation.standing_loss_per_threat": loss})
    us = model.region_index["US"]
    before = float(model.diplomacy.standing[us])
    model.diplomacy.threaten(lv.Threat(type="threat", actor="US", target="CN"))
    assert model.diplomacy.standing[us] == pytest.approx(before - loss)


# -- [regions.CODE.strategy] ---------------------------------------------------------
@pytest.mark.parametrize("subsidy", [5.0, 8.0])
def test_a_state_subsidises_its_magnet_makers_as_its_strategy_says(subsidy):
    model = _model("baseline_2025",
                   **{"regions.US.strategy.magnet_subsidy_usd_per_kg": subsidy})
    state = model.states[model.region_index["US"]]
    state._subsidise(1.0)  # full pain: the levers go into its decision
    magnets = [c.usd_per_kg for c in state._levers if c.type == "subsidy"
               and c.stage == "magnets"]
    assert magnets == [subsidy]


def test_a_doves_offer_asks_for_the_civil_approval_its_strategy_names():
    cut_off = {"negotiation.threat_min_hawkishness": 0.95}
    usual = run_with("escalation", WEEKS, overrides=cut_off)
    asked = run_with("escalation", WEEKS, overrides=cut_off | {
        "regions.US.strategy.offered_civil_approval_percent": 70.0})
    default = load_scenario("escalation").regions["US"].strategy.offered_civil_approval_percent
    assert {n.payload["civil_approval_percent"] for n in _ai_news(usual, "offer", "US")} == {
        default}
    assert {n.payload["civil_approval_percent"] for n in _ai_news(asked, "offer", "US")} == {70.0}


# -- [production] ----------------------------------------------------------------------
def _firm(model):
    return model.firms["refiners"][0]


def test_the_utilisation_curve_follows_the_scenario():
    usual = _firm(_model("baseline_2025"))
    early = _firm(_model("baseline_2025", **{"production.utilisation.full_output_margin": 0.1}))
    for firm in (usual, early):
        firm.margin = 0.1
    assert early.target_utilisation() == pytest.approx(1.0)
    assert usual.target_utilisation() < 0.95

    late = _firm(_model("baseline_2025", **{"production.utilisation.shut_in_margin": -0.5}))
    for firm in (usual, late):
        firm.margin = -0.4  # below both curves' minimum-output margin
    assert late.target_utilisation() == pytest.approx(late.min_utilisation)
    assert usual.target_utilisation() < 0.8 * usual.min_utilisation


@pytest.mark.parametrize("max_share", [1.0, 1.5])
def test_cheap_dytb_raises_content_only_up_to_the_cap(max_share):
    model = _model("baseline_2025", **{"production.dytb_max_share": max_share})
    maker = model.firms["magnet_makers"][0]
    recipe = model.spec.production
    maker.dytb_reference_price *= 1e3  # Dy/Tb now a thousandth of its start price
    maker.thrift()
    step = (recipe.dytb_per_t_magnet * max_share - recipe.dytb_per_t_magnet)
    assert maker.dytb_per_t == pytest.approx(
        recipe.dytb_per_t_magnet + step / recipe.dytb_thrift_weeks)


# -- [investment] -----------------------------------------------------------------------
@pytest.mark.parametrize("minimum", [100.0, 5000.0])
def test_a_bigger_minimum_expansion_gives_bigger_projects(minimum):
    model = _model("baseline_2025", **{"investment.min_expansion_t_per_year": minimum,
                                      "investment.initial_pipeline_share": 0.0})
    firm = min(model.firms["refiners"], key=lambda f: f.capacity_t_per_week)
    firm.margin_memory = 10.0  # far above the hurdle: full pace
    firm.planned_t_per_year = 1e9  # set aside enough for any project
    wanted = firm.expansion_wanted()
    size = firm.capacity_t_per_week * WEEKS_PER_YEAR * model.spec.investment.expansion_share
    assert size < 5000.0
    assert wanted == pytest.approx(max(size, minimum))


# -- [demand] ----------------------------------------------------------------------------
def test_the_choke_exponent_shapes_demand_near_the_choke_price():
    wanted = {}
    for exponent in (2.0, 4.0):
        model = _model("baseline_2025", **{"demand.choke_exponent": exponent})
        buyer = model.manufacturers[0]
        buyer.reference_price /= 5  # the price is now five times the reference
        wanted[exponent] = buyer.plan()
    share = 5 / model.spec.demand.choke_price_multiple
    assert wanted[4.0] / wanted[2.0] == pytest.approx((1 - share ** 4) / (1 - share ** 2))


# -- out of range ------------------------------------------------------------------------
@pytest.mark.parametrize(("key", "value"), [
    ("negotiation.stockpile_raise_factor", 0.5),
    ("negotiation.tighten_floor_percent", 150.0),
    ("negotiation.export_cap_window_weeks", 0),
    ("negotiation.defection_scale_at_zero_hawkishness", 3.0),
    ("regions.US.strategy.offered_civil_approval_percent", 150.0),
    ("regions.CN.strategy.dytb_export_cap_share", 1.5),
    ("production.utilisation.shut_in_width", 0.0),
    ("production.dytb_max_share", 0.5),
    ("investment.min_expansion_t_per_year", -1.0),
    ("demand.choke_exponent", 0.0),
])
def test_an_out_of_range_coefficient_is_refused_naming_its_key(key, value):
    with pytest.raises(ScenarioError) as error:
        load_scenario("baseline_2025", overrides={key: value})
    assert len(error.value.messages) == 1
    assert error.value.messages[0].startswith(f"{key}: ")


def test_a_utilisation_curve_that_runs_backwards_is_refused():
    with pytest.raises(ScenarioError) as error:
        load_scenario("baseline_2025",
                      overrides={"production.utilisation.full_output_margin": -0.3})
    assert error.value.messages == [
        "production.utilisation: full_output_margin must be above minimum_output_margin"]
