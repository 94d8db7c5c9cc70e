"""One decision interface: what a state may decide, human players, and replay from the log."""

from __future__ import annotations

import numpy as np
import pytest

from sim.decisions import Decision, DecisionRecord, DecisionRefused
from sim.model import StandoffModel
from sim.news import LEVER_TYPES
from sim.outputs import csv_text
from sim.scenario import levers as lv
from sim.scenario import load_scenario
from tests.conftest import finished_model

HUMAN_US = {"regions.US.policy": "human"}


def _model(name: str = "framework_deal", overrides: dict | None = None, steps: int = 0):
    return StandoffModel(load_scenario(name, overrides=overrides), seed=1).run(steps)


def _us_tariff(percent: float) -> lv.Tariff:
    return lv.Tariff(type="tariff", importer="US", exporters=["CN"], products="all",
                     percent=percent)


def _snapshot(model) -> tuple:
    """Everything a decision could change, as bytes."""
    policy = model.policy
    arrays = b"".join(getattr(policy, name).tobytes() for name in vars(policy)
                      if isinstance(getattr(policy, name), np.ndarray))
    offers = [(o.id, o.status) for o in model.diplomacy.offers.values()]
    return (arrays, len(model.news.items), offers, len(model.decisions.log),
            {code: list(q) for code, q in model.decisions.submitted.items()},
            len(model.diplomacy.threats), model.diplomacy.standing.tobytes())


def _offer_to(model, code: str):
    """Step until an offer is open to ``code``; its id and the offer."""
    for _ in range(model.spec.steps):
        open_to = model.diplomacy.open_offers_to(code)
        if open_to:
            return next(iter(open_to.items()))
        model.step()
    raise AssertionError(f"no offer to {code} in the whole run")


@pytest.mark.parametrize(("decision", "wrong", "allowed"), [
    ({"state": "US", "levers": [{"type": "licensing", "exporter": "CN", "products": "all"}]},
     "levers.0.exporter: 'CN' is another state's licensing lever", "exporter = 'US'"),
    ({"state": "US", "levers": [{"type": "tariff", "importer": "US", "exporters": ["CN"],
                                 "products": "all", "percent": 5000}]},
     "levers.0.tariff.percent", "less than or equal to 1000"),
    ({"state": "US", "levers": [{"type": "disruption", "region": "CN", "stage": "mining",
                                 "output_percent": 0, "weeks": 4}]},
     "levers.0", "'tariff'"),
    ({"state": "US", "threats": [{"type": "threat", "actor": "CN", "target": "US"}]},
     "threats.0.actor: 'CN'", "as US only"),
    ({"state": "US", "answers": [{"offer": "O99", "reply": "accept"}]},
     "answers.0.offer: O99 is not an open offer", "open offers to US"),
    ({"state": "US", "offers": [{"type": "offer", "actor": "US", "tariff_by": "US",
                                 "licences_by": "XX", "tariff_to_percent": 10}]},
     "offers.0.licences_by: unknown region 'XX'", "allowed: CN, US"),
    ({"state": "XX", "levers": []}, "state 'XX' is not in this scenario", "allowed: CN"),
])
def test_a_decision_the_state_may_not_make_is_refused_and_changes_nothing(
        decision, wrong, allowed):
    model = _model(overrides=HUMAN_US, steps=2)
    before = _snapshot(model)
    with pytest.raises(DecisionRefused) as refused:
        model.submit(decision)
    assert wrong in str(refused.value) and allowed in str(refused.value)
    assert str(refused.value).startswith(f"decision of {decision['state']} refused: ")
    assert _snapshot(model) == before
    model.step()  # nothing was queued either
    assert not [n for n in model.news.items if n.source == "player"]


def test_only_the_addressee_answers_an_offer():
    model = _model(overrides=HUMAN_US | {"regions.JP.policy": "human"})
    offer_id, offer = _offer_to(model, "US")
    before = _snapshot(model)
    with pytest.raises(DecisionRefused, match=f"{offer_id} is addressed to US, not JP"):
        model.submit({"state": "JP", "answers": [{"offer": offer_id, "reply": "accept"}]})
    assert _snapshot(model) == before
    model.submit({"state": "US", "answers": [{"offer": offer_id, "reply": "reject",
                                             "reason": "not enough"}]})
    model.step()
    assert model.diplomacy.offers[offer_id].status == "rejected"
    with pytest.raises(DecisionRefused, match=f"{offer_id} is not an open offer"):
        model.submit({"state": "US", "answers": [{"offer": offer_id, "reply": "accept"}]})


def test_decisions_are_submitted_only_for_human_states():
    model = _model()
    with pytest.raises(DecisionRefused, match="only for states whose policy is 'human'"):
        model.submit(Decision(state="CN", levers=[]))


def test_a_human_states_levers_move_only_by_its_decisions():
    """The AI would act for the US here; as a human state it does only what it is told."""
    ai_us = finished_model("escalation", 1, 80)
    assert [n for n in ai_us.news.items if n.source == "ai" and n.actor == "US"]
    model = _model("escalation", HUMAN_US)
    us = model.region_index["US"]
    model.run(60)
    assert not [n for n in model.news.items if n.actor == "US" and n.source == "ai"]
    model.submit(Decision(state="US", levers=[_us_tariff(7.0)]))
    before = model.policy.tariff_pct[us, model.china].copy()
    assert not np.allclose(before, 7.0)
    model.step()  # applied in the US's turn of the next week, logged as the player's
    assert np.allclose(model.policy.tariff_pct[us, model.china], 7.0)
    told = [n for n in model.news.items if n.source == "player"]
    assert [(n.step, n.kind, n.actor) for n in told] == [(model.steps, "tariff", "US")]
    assert model.decisions.log[-1].decision.state == "US"


def _played(steps: int) -> StandoffModel:
    """framework_deal with an AI China and a human US that sets levers and bargains."""
    model = _model(overrides=HUMAN_US)
    model.run(20)
    model.submit(Decision(state="US", levers=[_us_tariff(150.0)]))
    offer_id, _ = _offer_to(model, "US")
    model.submit({"state": "US", "answers": [{"offer": offer_id, "reply": "accept"}]})
    model.run(10)
    model.submit(Decision(state="US", offers=[lv.Offer(
        type="offer", actor="US", tariff_by="US", licences_by="CN", tariff_to_percent=20.0,
        civil_approval_percent=95.0)]))
    model.run(steps - model.steps)
    return model


def _outputs(model) -> tuple[str, str, str]:
    return (csv_text(model.timeseries()), csv_text(model.events()),
            csv_text(model.diplomacy.register()))


def test_a_run_replays_byte_for_byte_from_its_seed_and_decision_log():
    steps = 160
    played = _played(steps)
    sources = {r.source for r in played.decisions.log}
    assert {"ai", "player"} <= sources
    log = [DecisionRecord.model_validate_json(r.model_dump_json())
           for r in played.decisions.log]  # as a file would keep it
    replayed = _model(overrides=HUMAN_US)
    replayed.decisions.replay(log)
    replayed.run(steps)
    assert _outputs(replayed) == _outputs(played)
    assert [r.model_dump() for r in replayed.decisions.log] == [r.model_dump() for r in log]


@pytest.mark.parametrize("name", ["baseline_2025", "framework_deal", "escalation"])
def test_every_logged_change_loads_back(name):
    model = finished_model(name, 0, 120)
    logged = [n for n in model.news.items if n.kind in LEVER_TYPES or n.kind == "counter_offer"]
    assert any("name" in n.payload for n in logged)
    for item in logged:
        change = item.change()
        assert change.type == ("offer" if item.kind == "counter_offer" else item.kind)


def test_every_move_of_an_ai_state_comes_through_its_logged_decisions():
    model = finished_model("escalation", 2, 260)
    records = [r for r in model.decisions.log if r.source == "ai"]
    assert records
    moves = sum(len(r.decision.levers) + len(r.decision.offers) + len(r.decision.threats)
                for r in records)
    answers = sum(len(r.decision.answers) for r in records)
    consequences = ("investment_decision", "capacity_online")  # of a funded plant
    told = [n for n in model.news.items if n.source == "ai" and n.kind not in consequences]
    answered = [n for n in told if n.kind in ("offer_accepted", "offer_rejected",
                                              "counter_offer")]
    assert len(answered) == answers
    assert len(told) - len(answered) == moves
    assert all(r.decision.state in {s.code for s in model.states if s.is_ai} for r in records)


def test_an_answer_that_comes_too_late_is_refused_in_its_turn_and_changes_nothing():
    model = _model(overrides=HUMAN_US)
    offer_id, case = _offer_to(model, "US")
    while model.steps < case.expires - 1:
        model.step()
    model.submit({"state": "US", "answers": [{"offer": offer_id, "reply": "accept"}]})
    deals = len(model.diplomacy.deals)
    model.step()  # the offer lapses at the clock, before the US's turn
    assert case.status == "lapsed" and len(model.diplomacy.deals) == deals
    refused = [n for n in model.news.items if n.kind == "decision_refused"]
    assert [(n.step, n.actor, n.source) for n in refused] == [(model.steps, "US", "player")]
    assert f"{offer_id} is not an open offer" in refused[0].headline
