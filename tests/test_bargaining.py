"""Bargaining power: pain makes a state pay, capacity outside China erodes China's leverage."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim import bargaining
from sim.model import StandoffModel
from sim.scenario import levers as lv
from sim.scenario import load_scenario
from sim.world import MAGNET, step_of_date
from tests.conftest import scenario


def _licensing_step(name: str) -> int:
    spec = scenario(name)
    dates = [c.date for c in spec.timeline.values()
             if c.type == "licensing" and c.exporter == spec.china]
    return step_of_date(spec.start_date, min(dates))


WEEKS = _licensing_step("escalation") + 2  # China's approvals for the US are low, no deal yet
OUTSIDE_SCALE = 4.0  # capacity outside China, as a multiple of the scenario's


def _state(model, code):
    return model.states[model.region_index[code]]


def _with_pain(model, code: str, pain: float) -> None:
    """Set what ``code``'s buyers feel: supply risk ``pain``, magnets at their start price."""
    state = _state(model, code)
    model.risk[state.region] = pain
    model.prices[state.region, MAGNET] = model.scorecard.reference_price[state.region]
    assert state.pain() == pytest.approx(pain)


def _chinas_offer(model, share: float = 0.5) -> lv.Offer:
    """China offers the US a civil fast track against cutting its tariff to ``share``."""
    tariff = model.diplomacy.tariff_level("US", "CN")
    return lv.Offer(type="offer", actor="CN", tariff_by="US", licences_by="CN",
                    tariff_to_percent=round(tariff * share, 1), civil_approval_percent=90.0)


def test_the_same_offer_is_accepted_under_supply_pain_and_refused_without():
    model = StandoffModel(scenario("escalation"), seed=0).run(WEEKS)
    assert model.diplomacy.deal_between("US", "CN") is None
    offer = _chinas_offer(model)
    us = _state(model, "US")
    answers = {}
    for pain in (0.0, 0.8):
        _with_pain(model, "US", pain)
        answers[pain] = bargaining.reply(us, offer, counters_left=0, may_counter=False)
    assert answers[0.8][0] == "accept"
    assert answers[0.0][0] == "reject"
    assert "worth -" in answers[0.0][2]


def test_a_state_in_pain_answers_through_its_inbox_by_the_same_rule():
    """The same offer sent by a human China: the AI US answers it the week after."""
    spec = load_scenario("escalation", overrides={"regions.CN.policy": "human"})
    model = StandoffModel(spec, seed=0).run(WEEKS)
    us = _state(model, "US")
    model.submit({"state": "CN", "offers": [_chinas_offer(model)]})
    model.step()  # China's turn: the offer is posted to the US's inbox
    offer_id, case = list(model.diplomacy.offers.items())[-1]
    assert case.proposer == "CN" and case.addressee == "US" and case.status == "open"
    expected, _, _ = bargaining.reply(us, case.terms, case.counters_left, may_counter=True)
    model.step()  # the US reads it and answers
    told = [n for n in model.news.items if n.payload.get("offer") == offer_id
            or n.payload.get("answers") == offer_id]
    kind = {"accept": "offer_accepted", "reject": "offer_rejected", "counter": "counter_offer"}
    assert [(n.kind, n.actor, n.step) for n in told] == [(kind[expected], "US", model.steps)]
    assert case.status != "open"


def _more_capacity_outside_china() -> dict:
    spec = scenario("escalation")
    overrides = {}
    for group in ("refiners", "magnet_makers"):
        for name, firm in getattr(spec, group).items():
            if firm.region != spec.china:
                overrides[f"{group}.{name}.capacity_t_per_year"] = (
                    firm.capacity_t_per_year * OUTSIDE_SCALE)
    return overrides


def test_china_concedes_more_when_capacity_outside_china_is_larger():
    usual = StandoffModel(scenario("escalation"), seed=0).run(WEEKS)
    built = StandoffModel(load_scenario("escalation", overrides=_more_capacity_outside_china()),
                          seed=0).run(WEEKS)
    china = {name: _state(m, "CN") for name, m in (("usual", usual), ("built", built))}
    assert china["built"].leverage() < china["usual"].leverage()
    offer = _chinas_offer(usual, share=0.9)  # a small cut: China's approval has a price
    at = bargaining.position(china["usual"], offer)
    granted, countered = {}, {}
    for name, state in china.items():  # the same package and route, each China's leverage
        here = dataclasses.replace(at, leverage=state.leverage())
        granted[name] = bargaining.affordable_approval(state, offer, here)
        asked = offer.model_copy(update={"actor": "US", "civil_approval_percent": 100.0})
        countered[name] = bargaining.counter(state, asked, here).civil_approval_percent
    assert countered["built"] >= countered["usual"] > at.civil_now
    assert granted["built"] > granted["usual"] > at.civil_now


def test_deals_signed_in_runs_follow_the_rules():
    """Every accepted offer was worth signing to its acceptor when it was answered."""
    model = StandoffModel(scenario("escalation"), seed=0).run(260)
    accepted = [n for n in model.news.items if n.kind == "offer_accepted"]
    assert accepted
    assert all(float(n.payload["reason"].split()[1]) >= 0 for n in accepted)
    assert len(model.diplomacy.deals) == len(accepted)
    signed = np.array([d.signed for d in model.diplomacy.deals])
    assert np.array_equal(signed, [n.step for n in accepted])


def _ended(model, offer: lv.Offer, status: str) -> None:
    """``offer`` is posted and ends ``status`` (as its addressee's answer would end it)."""
    model.diplomacy.propose(offer).status = status


def test_a_proposer_asks_less_after_a_no_and_more_after_a_yes():
    model = StandoffModel(scenario("escalation"), seed=0)
    china, us = _state(model, "CN"), _state(model, "US")
    first = {"CN": bargaining.ask(china, "US", licensing=True)[0],
             "US": bargaining.ask(us, "CN", licensing=False)[0]}
    assert first == {"CN": china.strategy.offered_tariff_share,
                     "US": us.strategy.offered_tariff_share}
    us_offer = _chinas_offer(model).model_copy(update={"actor": "US"})
    _ended(model, _chinas_offer(model), "rejected")
    _ended(model, us_offer, "rejected")
    assert bargaining.ask(china, "US", licensing=True)[0] > first["CN"]  # a shallower cut
    assert bargaining.ask(us, "CN", licensing=False)[0] < first["US"]  # a deeper cut
    for _ in range(3):
        _ended(model, _chinas_offer(model), "accepted")
    kept, granted = bargaining.ask(china, "US", licensing=True)
    assert kept == 0.0 and 0.0 < granted < 1.0  # the whole tariff, for less of a fast track


def test_a_deal_that_replaces_one_in_force_earns_no_new_standing():
    model = StandoffModel(scenario("escalation"), seed=0).run(WEEKS)
    offer = _chinas_offer(model)
    rules = model.spec.negotiation
    for code, lost in (("CN", rules.deal_standing_value * _state(model, "CN").weight("standing")),
                       ("US", sum(rules_value * _state(model, "US").weight(goal) for goal,
                                  rules_value in (("standing", rules.deal_standing_value),
                                                  ("consumer_prices",
                                                   rules.deal_consumer_price_value))))):
        state = _state(model, code)
        at = bargaining.position(state, offer)
        assert not at.renewal
        renewed = dataclasses.replace(at, renewal=True)
        drop = bargaining.value(state, offer, at) - bargaining.value(state, offer, renewed)
        assert drop == pytest.approx(lost)
    model.diplomacy.sign(offer)
    assert bargaining.position(_state(model, "US"), offer).renewal


def test_without_pain_the_tariff_side_counters_with_the_deepest_cut_still_worth_it():
    model = StandoffModel(scenario("escalation"), seed=0).run(WEEKS)
    us = _state(model, "US")
    _with_pain(model, "US", 0.0)
    offer = _chinas_offer(model, share=0.0)  # China asks the US to drop its whole tariff
    at = bargaining.position(us, offer)
    assert bargaining.value(us, offer, at) < 0
    reply, terms, _ = bargaining.reply(us, offer, counters_left=1, may_counter=True)
    assert reply == "counter"
    assert offer.tariff_to_percent < terms.tariff_to_percent < at.tariff_now
    assert bargaining.value(us, terms, at) >= 0  # worth signing to the side that asks it
    deeper = bargaining.revised(terms, tariff_to_percent=terms.tariff_to_percent - 1.0)
    assert bargaining.value(us, deeper, at) < 0  # and a point deeper would not be
