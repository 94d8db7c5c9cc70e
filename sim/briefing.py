"""What a state knows: the briefing a human team reads each round.

Its own scorecard, prices and supply (last week's record), the public moves
of others, the offers waiting for its answer, its inbox, its deals in force
and which of them it suspects its partner of breaking. Partners' compliance
is seen as the state's own buyers see it: the measured approval rate or
tariff of ``negotiation.detection_lag_weeks`` ago, blurred by
``negotiation.observation_noise_percent``, never the partner's levers
themselves. AI states judge their deals by these same figures (``observed``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from sim.rng import stream
from sim.scenario import levers as lv
from sim.scenario.diplomacy import GOALS
from sim.world import PRODUCTS

BLOCK_WEEKS = 520  # the blur of a view is drawn this many weeks at a time
TOLERANCE = 1e-6  # percentage points: a shortfall below this is rounding, not a breach
PUBLIC_SOURCES = ("timeline", "scenario", "ai", "scripted", "player", "deal", "negotiation")


@dataclass(frozen=True)
class OfferWaiting:
    id: str
    proposer: str
    terms: lv.Offer
    counters_left: int
    expires: int  # the week it lapses unanswered


@dataclass(frozen=True)
class DealSeen:
    id: str
    partner: str
    signed: int
    terms: lv.DealTerms
    status: str  # as the state knows it: "in force"; "broken" or "suspected" once judged
    seen: float  # the partner's side as observed (approval or tariff, percent)
    promised: float  # what the deal promises on that side (percent)
    suspected: bool  # what is seen falls short of the promise by more than the noise


@dataclass(frozen=True)
class Briefing:
    state: str
    week: int
    date: str
    scorecard: dict[str, float]  # goal -> 0-1 (0.5 = as at the start)
    prices: dict[str, float]  # product -> USD/kg at home
    use: dict[str, float]  # product -> t/week wanted at home last week
    shortage: dict[str, float]  # product -> share of that use not met
    pain: float
    public_moves: list[str]  # others' moves since the last briefing period, oldest first
    offers: list[OfferWaiting]
    inbox: list[str]  # the letters it has not read yet, in words
    deals: list[DealSeen]


def briefing(model, code: str) -> Briefing:
    """``code``'s briefing at the start of this week's turn."""
    state = model.states[model.region_index[code]]
    r, week = state.region, model.last_week
    since = model.steps - state.strategy.review_weeks
    moves = [f"week {n.step}: {n.headline}" for n in model.news.items
             if n.step >= since and n.actor != code and n.source in PUBLIC_SOURCES]
    with_use = {p: float(week.use[r, k]) for k, p in enumerate(PRODUCTS)}
    shortage = {p: float(week.shortage[r, k] / week.use[r, k]) if week.use[r, k] > 1e-9
                else 0.0 for k, p in enumerate(PRODUCTS)}
    offers = [OfferWaiting(o.id, o.proposer, o.terms, o.counters_left, o.expires)
              for o in model.diplomacy.open_offers_to(code).values()]
    return Briefing(
        state=code, week=model.steps, date=model.date.isoformat(),
        scorecard={g: float(model.scorecard.scores[r, i]) for i, g in enumerate(GOALS)},
        prices={p: float(model.prices[r, k]) for k, p in enumerate(PRODUCTS)},
        use=with_use, shortage=shortage, pain=float(state.pain()), public_moves=moves,
        offers=offers, inbox=[_letter(m) for m in model.diplomacy.inbox[code]],
        deals=[_seen(model, code, deal) for deal in model.diplomacy.deals
               if deal.status in ("in force", "broken", "suspected")
               and code in deal.parties()])


def _letter(message) -> str:
    fields = ", ".join(f"{k}={getattr(message, k)}" for k in message.__slots__)
    return f"{type(message).__name__} from {message.sender} (week {message.sent}): {fields}"


def observed(model, code: str, deal) -> tuple[float, float, bool]:
    """(seen, promised, suspected): the partner's side of ``deal`` as ``code`` observes it
    this week, in percent (approval or tariff). Seen ``detection_lag_weeks`` late and
    blurred by ``observation_noise_percent`` (a draw of its own named stream, the same for
    the briefing and the state's judgement); suspected when it falls short of the promise
    by more than ``suspicion_noise_multiple`` times the noise, once the week seen is
    one the deal was in force."""
    rules = model.spec.negotiation
    t = deal.terms
    partner = next(p for p in deal.parties() if p != code)
    lagged = max(len(model.recorder.steps) - 1 - rules.detection_lag_weeks, 0)
    e, d = model.region_index[t.licences_by], model.region_index[t.tariff_by]
    products = [PRODUCTS.index(p) for p in t.products]
    noise = rules.observation_noise_percent
    blur = noise * _blur(model.seed, code, deal.id, model.steps // BLOCK_WEEKS)[
        model.steps % BLOCK_WEEKS]
    if partner == t.licences_by:  # it sees the approvals its own buyers got
        seen = float(model.recorder.stacked("license_approval_rate")[lagged, e, d,
                                                                    products].min()) + blur
        military = float(model.military_share()[d])  # the same for every product
        promised = t.civil_approval_percent * (1 - military) + (
            t.military_approval_percent * military)
        short = promised - seen
    else:  # it sees the tariff its exporters paid
        seen = float(model.recorder.stacked("tariff")[lagged, d, e].mean()) + blur
        steps = t.tariff_steps
        due = [k for k in range(steps) if deal.signed + k * t.step_weeks <= lagged]
        promised = deal.before_tariff + (t.tariff_to_percent - deal.before_tariff) * (
            (due[-1] + 1) / steps if due else 0.0)
        short = seen - promised
    in_force_then = bool(model.recorder.steps) and model.recorder.steps[lagged] >= deal.signed
    return seen, promised, in_force_then and short > (
        rules.suspicion_noise_multiple * noise + TOLERANCE)


@functools.lru_cache(maxsize=1024)
def _blur(seed: int, code: str, deal: str, block: int) -> np.ndarray:
    """Standard normal draws of ``code``'s view of ``deal``, one a week for the weeks of
    ``block``: a pure function of them, however often a briefing is read."""
    draws = stream(seed, "briefing", code, deal, str(block)).standard_normal(BLOCK_WEEKS)
    draws.flags.writeable = False
    return draws


def _seen(model, code: str, deal) -> DealSeen:
    """The partner's side of ``deal`` as ``code`` sees it: lagged and noisy."""
    seen, promised, suspected = observed(model, code, deal)
    partner = next(p for p in deal.parties() if p != code)
    known = deal.status if deal.detected_step is not None else "in force"
    return DealSeen(deal.id, partner, deal.signed, deal.terms, known, round(seen, 1),
                    round(promised, 1), suspected)
