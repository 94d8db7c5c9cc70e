"""What a state knows: its briefing shows its own figures, others' moves, offers to it,
and its partners' compliance seen late and blurred, not the partners' levers."""

from __future__ import annotations

import pytest

from sim.model import StandoffModel
from sim.scenario import load_scenario
from sim.scenario.diplomacy import GOALS
from sim.world import PRODUCTS

HUMAN_US = {"regions.US.policy": "human"}
DEFECTING = HUMAN_US | {"regions.CN.strategy.hawkishness": 1.0,
                        "negotiation.defection_probability": 1.0}


def _run(overrides: dict, steps: int, seed: int = 0) -> StandoffModel:
    return StandoffModel(load_scenario("framework_deal", overrides=overrides), seed=seed).run(
        steps)


def test_the_briefing_shows_the_states_own_figures_and_the_offers_to_it():
    model = StandoffModel(load_scenario("framework_deal", overrides=HUMAN_US), seed=0)
    for _ in range(model.spec.steps):
        model.step()
        if model.diplomacy.open_offers_to("US"):
            break
    us = model.region_index["US"]
    told = model.briefing("US")
    assert told.week == model.steps
    assert told.scorecard == {g: pytest.approx(model.scorecard.scores[us, i])
                              for i, g in enumerate(GOALS)}
    assert told.prices == {p: pytest.approx(model.prices[us, k]) for k, p in enumerate(PRODUCTS)}
    assert [o.id for o in told.offers] == list(model.diplomacy.open_offers_to("US"))
    assert all(o.proposer != "US" for o in told.offers)
    assert any(letter.startswith("OfferReceived from CN") for letter in told.inbox)
    own = {f"week {n.step}: {n.headline}" for n in model.news.items if n.actor == "US"}
    assert told.public_moves and not own & set(told.public_moves)
    assert any("CN offers" in m for m in told.public_moves)


def _deal_seen(model, deal_id: str):
    return next(d for d in model.briefing("US").deals if d.id == deal_id)


def test_a_partners_breach_is_seen_late_and_blurred():
    model = _run(DEFECTING, 120)
    deal = next(d for d in model.diplomacy.deals if d.defected_by == "CN")
    lag = model.spec.negotiation.detection_lag_weeks
    assert deal.detected_step == deal.defected_step + lag
    seen = _deal_seen(model, deal.id)
    assert seen.status == "broken" and seen.suspected
    assert seen.seen < seen.promised

    quiet = _run(HUMAN_US | {"negotiation.defection_probability": 0.0}, 80)
    kept = [d for d in quiet.briefing("US").deals if d.status == "in force"]
    assert kept and not any(d.suspected for d in kept)


@pytest.mark.parametrize("noise", [0.0, 5.0])
def test_what_a_state_sees_of_a_partner_is_blurred_by_the_observation_noise(noise):
    model = _run(HUMAN_US | {"negotiation.observation_noise_percent": noise}, 80)
    seen = next(d for d in model.briefing("US").deals if d.partner == "CN")
    lagged = len(model.recorder.steps) - 1 - model.spec.negotiation.detection_lag_weeks
    e, d = model.china, model.region_index["US"]
    products = [PRODUCTS.index(p) for p in seen.terms.products]
    measured = model.recorder.stacked("license_approval_rate")[lagged, e, d, products].min()
    if noise == 0:
        assert seen.seen == pytest.approx(measured, abs=0.05)
    else:
        assert seen.seen != pytest.approx(measured, abs=0.05)


AI_DEFECTING = {"regions.US.policy": "ai", "regions.CN.strategy.hawkishness": 1.0,
                "negotiation.defection_probability": 1.0}
WEEKS = 120  # past the Busan framework and China's first breach of it


def _findings(model, finder: str) -> list:
    return [n for n in model.news.items if n.actor == finder
            and n.kind in ("defection_detected", "defection_suspected")]


def test_an_ai_state_finds_a_breach_by_what_its_briefing_shows():
    """Unblurred, it sees China's breach in the first weeks its lagged view covers: the
    week after the breach is recorded, ``detection_lag_weeks`` later, ``suspicion_weeks``
    weeks running."""
    clear = {"negotiation.observation_noise_percent": 0.0}
    model = _run(AI_DEFECTING | clear, WEEKS)
    lag = model.spec.negotiation.detection_lag_weeks
    weeks = model.spec.negotiation.suspicion_weeks
    found = {n.payload["deal"]: n for n in _findings(model, "US")}
    broken = [d for d in model.diplomacy.deals if d.defected_by == "CN"
              and d.status != "renegotiated"  # replaced by a new deal before it was seen
              and d.defected_step + lag + weeks <= model.steps]
    assert broken and all(d.id in found for d in broken)
    for deal in broken:
        assert found[deal.id].kind == "defection_detected"
        assert found[deal.id].step == deal.defected_step + lag + weeks

    kept = _run({"regions.US.policy": "ai", "negotiation.defection_probability": 0.0} | clear,
                WEEKS)
    assert kept.diplomacy.deals and not _findings(kept, "US")


def test_a_human_team_is_told_of_a_breach_after_the_lag_whatever_the_blur():
    model = _run(DEFECTING | {"negotiation.observation_noise_percent": 100.0}, WEEKS)
    lag = model.spec.negotiation.detection_lag_weeks
    deal = next(d for d in model.diplomacy.deals if d.defected_by == "CN")
    assert deal.status == "broken" and deal.detected_step == deal.defected_step + lag
