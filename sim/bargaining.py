"""What a package is worth to a state, and the terms it answers with.

A state values an offer by its goals (goal-weighted units, as goals are scored
0-1). The side that gives licences gains from the tariff cut and loses
leverage, more the more of the world's separation and magnets it makes, so
its leverage erodes as capacity outside it grows. The side that cuts its
tariff gains supply in proportion to the supply pain it feels, so the side
with more to lose concedes more. docs/negotiation.md says it in words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.scenario import levers as lv
from sim.world import PRODUCTS


@dataclass(frozen=True)
class Position:
    """Where a state stands on one package: the route's levers today and its own mood."""

    tariff_now: float  # percent, tariff_by on licences_by
    civil_now: float  # percent, licences_by to tariff_by
    military_now: float
    pain: float  # 0-1, of the state weighing the package
    leverage: float  # 0-1, its share of the world's separation and magnets
    goodwill: float  # value from trust in the other side
    renewal: bool = False  # a deal between the two is in force: the package would replace it


def position(state, terms: lv.DealTerms) -> Position:
    model = state.model
    policy, index, diplomacy = model.policy, model.region_index, model.diplomacy
    e, d = index[terms.licences_by], index[terms.tariff_by]
    idx = [PRODUCTS.index(p) for p in terms.products]
    licensed = bool(policy.licensed[e, d, idx].any())
    civil = float(policy.civil_approval[e, d, idx].min() * 100) if licensed else 100.0
    military = float(policy.military_approval[e, d, idx].min() * 100) if licensed else 100.0
    other = terms.licences_by if state.code == terms.tariff_by else terms.tariff_by
    rules = model.spec.negotiation
    trust = diplomacy.trust[state.region, index[other]]
    return Position(diplomacy.tariff_level(terms.tariff_by, terms.licences_by), civil, military,
                    state.pain(), state.leverage(),
                    rules.offer_goodwill_per_trust * (trust - rules.offer_neutral_trust),
                    diplomacy.deal_between(terms.tariff_by, terms.licences_by) is not None)


def deal_worth(state, at: Position, goal: str, worth: float) -> float:
    """What having a deal at all is worth to ``goal``: nothing new when one is in force."""
    return 0.0 if at.renewal else state.weight(goal) * worth


def value(state, terms: lv.DealTerms, at: Position | None = None) -> float:
    """``state``'s gain from ``terms`` (goal-weighted units; 0 or more: worth signing)."""
    at = at or position(state, terms)
    rules, h, w = state.model.spec.negotiation, state.strategy.hawkishness, state.weight
    cut = min(max(at.tariff_now - terms.tariff_to_percent, 0.0) / 100, 1.0)
    opened = max(terms.civil_approval_percent - at.civil_now, 0.0) / 100
    military = max(terms.military_approval_percent - at.military_now, 0.0) / 100
    common = deal_worth(state, at, "standing", rules.deal_standing_value) + at.goodwill
    if state.code == terms.licences_by:
        return (common + w("export_revenue") * cut
                - w("leverage") * at.leverage * (h * opened + military))
    return (common + w("supply_security") * rules.supply_value_at_full_pain * at.pain
            * (opened + military)
            + deal_worth(state, at, "consumer_prices", rules.deal_consumer_price_value)
            - (w("export_revenue") * rules.tariff_cut_revenue_cost
               + rules.hawk_deal_aversion * h) * cut)


def ask(state, other: str, licensing: bool) -> tuple[float, float]:
    """How much ``state``'s next offer to ``other`` asks: (the share of today's tariff the
    offer keeps, the share of the extra approval it grants or asks for).

    Its first offer cuts the tariff to its strategy's ``offered_tariff_share`` with the
    whole extra approval. It learns from the answers: after each offer in a row that
    ``other`` turned down (or let lapse) a licensing state asks for half as deep a cut
    and a tariff state offers twice as deep a one; after each deal in a row, the other
    way round. Once the cut would be the whole tariff, the side that wants more gives
    (licensing) or asks (tariff) half the extra approval instead, each time.
    """
    cut = (1.0 - state.strategy.offered_tariff_share) * 2.0 ** (
        state.model.diplomacy.streak(state.code, other) * (1 if licensing else -1))
    return 1.0 - min(cut, 1.0), 1.0 / max(cut, 1.0)


def affordable_approval(state, terms: lv.DealTerms, at: Position) -> float:
    """The civil approval (percent) the licensing side can grant for ``terms``' tariff cut
    and still gain: more when its leverage is smaller. At least today's."""
    rules, h, w = state.model.spec.negotiation, state.strategy.hawkishness, state.weight
    cut = min(max(at.tariff_now - terms.tariff_to_percent, 0.0) / 100, 1.0)
    military = max(terms.military_approval_percent - at.military_now, 0.0) / 100
    gain = (deal_worth(state, at, "standing", rules.deal_standing_value) + at.goodwill
            + w("export_revenue") * cut)
    price = w("leverage") * at.leverage
    room = gain - price * military
    if room <= 0:
        return at.civil_now
    if price * h <= 1e-9:
        return 100.0
    return min(at.civil_now + 100 * room / (price * h), 100.0)


def counter(state, offer: lv.Offer, at: Position) -> lv.Offer | None:
    """Terms ``state`` could sign instead of ``offer``, or None when it has none to give."""
    rules = state.model.spec.negotiation
    if state.code == offer.licences_by:  # the same cut without military use, or a deeper
        asks = [round(offer.tariff_to_percent * rules.counter_offer_tariff_share, 1), 0.0]
        if offer.military_approval_percent > at.military_now:
            asks.insert(0, offer.tariff_to_percent)
        for asked in asks:
            ask = revised(offer, **{"tariff_to_percent": asked,
                                           "military_approval_percent": 0.0})
            civil = min(affordable_approval(state, ask, at), offer.civil_approval_percent)
            if civil >= at.civil_now + rules.ease_step_percent:
                break
        else:
            return None
        return revised(offer, **{
            "actor": state.code, "tariff_to_percent": asked, "civil_approval_percent":
            round(civil, 1), "military_approval_percent": 0.0, "headline": None})
    # the tariff side: asks for its own approval target; short of that, for military use
    # too, as much as its pain makes worth the price; else it pays less in tariff cuts
    civil = max(offer.civil_approval_percent, state.strategy.offered_civil_approval_percent)
    ask = revised(offer, **{"civil_approval_percent": civil, "actor": state.code,
                                   "headline": None})
    gain = value(state, ask, at)
    if gain >= 0:
        return ask
    per_military = (state.weight("supply_security") * rules.supply_value_at_full_pain
                    * at.pain / 100)
    military = offer.military_approval_percent - gain / per_military if per_military > 0 else 0
    if offer.military_approval_percent < military <= 100:
        return revised(ask, **{"military_approval_percent": round(military, 1)})
    # else the deepest tariff cut the package is worth to it (its value falls linearly
    # with the cut), rounded to a shallower tenth of a point
    uncut = value(state, revised(ask, **{"tariff_to_percent": at.tariff_now}), at)
    per_point = (state.weight("export_revenue") * rules.tariff_cut_revenue_cost
                 + rules.hawk_deal_aversion * state.strategy.hawkishness) / 100
    if uncut <= 0 or per_point <= 0:
        return None
    floor_tariff = math.ceil((at.tariff_now - min(uncut / per_point, 100.0)) * 10) / 10
    if offer.tariff_to_percent < floor_tariff < at.tariff_now:
        return revised(ask, **{"tariff_to_percent": floor_tariff})
    return None


def revised(offer: lv.Offer, **update) -> lv.Offer:
    """``offer`` with ``update`` applied, validated again (ranges, plain floats)."""
    fields = offer.model_dump(exclude_none=True) | {"date": None} | update
    return type(offer).model_validate({k: v for k, v in fields.items() if v is not None})


def reply(state, offer: lv.Offer, counters_left: int, may_counter: bool):
    """(reply, counter or None, reason) for ``offer`` by the valuation above."""
    at = position(state, offer)
    gain = value(state, offer, at)
    if state.code == offer.licences_by and offer.military_approval_percent > at.military_now:
        refusal = "military end use is not on offer"  # a licensing state keeps it refused
        if may_counter and counters_left > 0:
            terms = counter(state, offer, at)
            if terms is not None:
                return "counter", terms, refusal
        return "reject", None, refusal
    if gain >= 0:
        return "accept", None, f"worth {gain:+.3f} to its goals"
    if may_counter and counters_left > 0:
        terms = counter(state, offer, at)
        if terms is not None and terms != offer:
            return "counter", terms, f"the offer is worth {gain:+.3f} to its goals"
    return "reject", None, f"worth {gain:+.3f} to its goals" + (
        ", and it has no terms to counter with" if may_counter and counters_left > 0 else "")
