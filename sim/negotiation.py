"""The negotiation protocol: threats, offers, frameworks, compliance, trust.

States send threats and offers (``threaten``, ``propose``) through their
decisions (``sim.decisions``); each lands as a typed message in the
addressee's inbox (``sim.messages``) and is answered at that state's next
turn (``answer``), never by a call from one state into another. Accepted
offers are signed (``sign``). The weekly clock (``week``) carries out
scheduled tariff cuts, resolves threats at their deadlines, lets unanswered
offers lapse, lets each side find breaches (an AI state by what its
briefing shows, ``sim.briefing.observed``; any other after the detection lag)
and lets trust recover. Frameworks carry no enforcement: a party that sets a lever against
a deal's terms breaks it (``check_breach``), and the other side notices only
later. What a state decides lives in ``agents/state.py`` and
``sim/bargaining.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim import messages as msg
from sim.briefing import observed
from sim.scenario import levers as lv
from sim.world import PRODUCTS, STAGES

if TYPE_CHECKING:
    from sim.interfaces import World


DEAL_COLUMNS = ["deal", "proposer", "tariff_by", "licences_by", "signed_step", "signed_date",
                "tariff_to_percent", "civil_approval_percent", "military_approval_percent",
                "delay_days", "trusted_partners", "status", "defected_by", "defected_step",
                "detected_step"]


@dataclass
class ThreatCase:
    terms: lv.Threat
    issued: int
    deadline: int
    status: str = "open"  # open, averted, carried out


@dataclass
class OpenOffer:
    """An offer in the register: open until its addressee answers or it lapses."""

    id: str
    terms: lv.Offer
    counters_left: int
    sent: int
    expires: int
    status: str = "open"  # open, accepted, rejected, countered, lapsed
    answers: str = ""  # the offer this one counters

    @property
    def proposer(self) -> str:
        return self.terms.actor

    @property
    def addressee(self) -> str:
        t = self.terms
        return t.licences_by if t.actor == t.tariff_by else t.tariff_by


@dataclass
class Agreement:
    id: str
    terms: lv.DealTerms
    signed: int
    before_licence: dict  # the licensing side's levers before the deal
    before_tariff: float  # the tariff side's tariff before the deal (percent)
    cuts: list[tuple[int, float]] = field(default_factory=list)  # (step, percent) still due
    status: str = "in force"
    defected_by: str = ""
    defected_step: int | None = None
    detected_step: int | None = None

    def parties(self) -> tuple[str, str]:
        return self.terms.tariff_by, self.terms.licences_by

    def row(self, start) -> list:
        from sim.world import step_date

        t = self.terms
        return [self.id, t.actor, t.tariff_by, t.licences_by, self.signed,
                step_date(start, self.signed).isoformat(), t.tariff_to_percent,
                t.civil_approval_percent, t.military_approval_percent, t.delay_days,
                ",".join(t.trusted_partners), self.status, self.defected_by,
                self.defected_step, self.detected_step]


class Diplomacy:
    def __init__(self, model: World):
        self.model = model
        rules = model.spec.negotiation
        n = len(model.regions)
        self.trust = np.full((n, n), rules.initial_trust)
        np.fill_diagonal(self.trust, 1.0)
        self.standing = np.full(n, 0.5)
        self.committed = np.zeros((n, len(STAGES)))  # t/yr funded by states, by host
        self.threats: list[ThreatCase] = []
        self.deals: list[Agreement] = []
        self.offers: dict[str, OpenOffer] = {}
        self.inbox: dict[str, list[msg.Message]] = {code: [] for code in model.regions}
        self.last_move: dict[tuple[str, str], int] = {}
        self.last_kind: dict[tuple[str, str], str] = {}  # "threat" or "offer", by pair
        self.suspicion: dict[tuple[str, str], int] = {}  # (deal, watcher) -> weeks seen short
        self.found: set[tuple[str, str]] = set()  # (deal, watcher): it holds the deal broken

    # -- helpers ------------------------------------------------------------
    def _i(self, code: str) -> int:
        return self.model.region_index[code]

    @property
    def now(self) -> int:
        return self.model.changes.step

    def deal_between(self, a: str, b: str) -> Agreement | None:
        for deal in self.deals:
            if deal.status == "in force" and {a, b} == set(deal.parties()):
                return deal
        return None

    def open_offer_between(self, a: str, b: str) -> OpenOffer | None:
        return next((o for o in self.offers.values() if o.status == "open"
                     and {o.proposer, o.addressee} == {a, b}), None)

    def open_offers_to(self, code: str) -> dict[str, OpenOffer]:
        return {k: o for k, o in self.offers.items() if o.status == "open"
                and o.addressee == code}

    def streak(self, proposer: str, addressee: str) -> int:
        """How ``proposer``'s offers to ``addressee`` have fared lately: +n after n talks in
        a row that ended in a deal, -n after n offers in a row that ended without one
        (rejected or lapsed; or its rejection of a counter to its own offer)."""
        streak = 0
        for case in self.offers.values():
            if {case.proposer, case.addressee} != {proposer, addressee}:
                continue
            if case.status == "accepted":
                streak = max(streak, 0) + 1
            elif case.status in ("rejected", "lapsed") and case.proposer == proposer or (
                    case.status == "rejected" and case.addressee == proposer
                    and case.answers):
                streak = min(streak, 0) - 1
        return streak

    def refusals(self, proposer: str, addressee: str) -> int:
        """Offers between the two that ended without a deal (rejected or lapsed) since the
        last one that ended in one, counted for ``proposer``'s patience."""
        return max(-self.streak(proposer, addressee), 0)

    def next_offer_id(self) -> str:
        return f"O{len(self.offers) + 1}"

    def mail(self, code: str, before: int) -> list[msg.Message]:
        """Messages to ``code`` sent before week ``before`` (what it reads this turn)."""
        return [m for m in self.inbox[code] if m.sent < before]

    def read(self, code: str, before: int) -> None:
        """``code`` has read its mail up to week ``before``."""
        self.inbox[code] = [m for m in self.inbox[code] if m.sent >= before]

    def _send(self, to: str, message: msg.Message) -> None:
        self.inbox[to].append(message)

    def open_threat(self, actor: str, target: str) -> ThreatCase | None:
        return next((t for t in self.threats if t.status == "open"
                     and t.terms.actor == actor and t.terms.target == target), None)

    def tariff_level(self, importer: str, exporter: str) -> float:
        return float(self.model.policy.tariff_pct[self._i(importer), self._i(exporter)].mean())

    def threat_met(self, threat: lv.Threat) -> bool:
        policy = self.model.policy
        e, d = self._i(threat.target), self._i(threat.actor)
        for name in threat.demand_products:
            p = PRODUCTS.index(name)
            if policy.licensed[e, d, p] and (
                    policy.civil_approval[e, d, p] * 100 < threat.demand_civil_approval_percent):
                return False
        return True

    def _log(self, kind: str, actor: str, subject: str, text: str, payload=None,
             source: str = "negotiation") -> None:
        self.model.changes.log(kind, source, actor, subject, text, payload)

    def _move_standing(self, state: int, change: float) -> None:
        """Standing is a 0-1 score: moves stop at its bounds."""
        self.standing[state] = min(max(self.standing[state] + change, 0.0), 1.0)

    # -- moves ---------------------------------------------------------------
    def threaten(self, threat: lv.Threat) -> None:
        case = ThreatCase(threat, self.now, self.now + threat.deadline_weeks)
        self.threats.append(case)
        rules = self.model.spec.negotiation
        self._move_standing(self._i(threat.actor), -rules.standing_loss_per_threat)
        self.last_move[(threat.actor, threat.target)] = self.now
        self.last_kind[(threat.actor, threat.target)] = "threat"
        self._send(threat.target, msg.ThreatReceived(self.now, threat.actor,
                                                     len(self.threats) - 1, case.deadline))

    def propose(self, offer: lv.Offer, counters_left: int | None = None,
                answers: str = "") -> OpenOffer:
        """Register an offer and post it to the other party's inbox."""
        rules = self.model.spec.negotiation
        counters_left = rules.max_counter_offers if counters_left is None else counters_left
        case = OpenOffer(self.next_offer_id(), offer, counters_left, self.now,
                         self.now + rules.offer_open_weeks, answers=answers)
        self.offers[case.id] = case
        self.last_move[(case.proposer, case.addressee)] = self.now
        self.last_kind[(case.proposer, case.addressee)] = "offer"
        self._send(case.addressee, msg.OfferReceived(self.now, case.proposer, case.id))
        return case

    def answer(self, code: str, answer, source: str) -> None:
        """``code`` answers an open offer addressed to it (checked by ``sim.decisions``)."""
        case = self.offers[answer.offer]
        proposer = case.proposer
        reason = f": {answer.reason}" if answer.reason else ""
        detail = {"offer": case.id, "reason": answer.reason}
        if answer.reply == "accept":
            case.status = "accepted"
            self._log("offer_accepted", code, proposer, f"{code} accepts {proposer}'s offer "
                      f"{case.id}{reason}", detail, source)
            self.sign(case.terms)
        elif answer.reply == "reject":
            case.status = "rejected"
            self._log("offer_rejected", code, proposer, f"{code} rejects {proposer}'s offer "
                      f"{case.id}{reason}", detail, source)
        else:
            case.status = "countered"
            counter = answer.counter
            payload = counter.model_dump(mode="json", exclude_none=True)
            payload |= {"offer_id": self.next_offer_id(), "answers": case.id,
                        "reason": answer.reason}
            self._log("counter_offer", code, proposer,
                      f"{code} counters {proposer}'s offer {case.id}: tariff down to "
                      f"{counter.tariff_to_percent:g}%, civil approval "
                      f"{counter.civil_approval_percent:g}%, military "
                      f"{counter.military_approval_percent:g}%{reason}", payload, source)
            self.propose(counter, case.counters_left - 1, answers=case.id)
        self._send(proposer, msg.OfferAnswered(self.now, code, case.id, answer.reply,
                                               answer.reason))

    def military_percent(self, exporter: str, dest: str, products: list[str]) -> float:
        """Military approval (percent) of ``exporter`` for ``dest`` over ``products``."""
        policy = self.model.policy
        idx = [PRODUCTS.index(p) for p in products]
        return float(policy.military_approval[self._i(exporter), self._i(dest), idx].min() * 100)

    def sign(self, terms: lv.DealTerms) -> Agreement:
        model, policy = self.model, self.model.policy
        e, d = self._i(terms.licences_by), self._i(terms.tariff_by)
        idx = [PRODUCTS.index(p) for p in terms.products]
        before = {"licensed": bool(policy.licensed[e, d, idx].any()),
                  "civil": float(policy.civil_approval[e, d, idx].min() * 100),
                  "military": float(policy.military_approval[e, d, idx].min() * 100),
                  "delay": float(policy.delay_days[e, d, idx].max())}
        deal = Agreement(f"D{len(self.deals) + 1}", terms, self.now, before,
                         self.tariff_level(terms.tariff_by, terms.licences_by))
        for case in self.offers.values():  # talks between the two are overtaken by the deal
            if case.status == "open" and {case.proposer, case.addressee} == set(deal.parties()):
                case.status = "overtaken"
                self._log("offer_overtaken", case.proposer, case.addressee,
                          f"{case.proposer}'s offer {case.id} is overtaken by deal {deal.id}",
                          {"offer": case.id, "deal": deal.id})
        for old in self.deals:  # a new deal between the same two replaces the one in force
            if old.status == "in force" and set(old.parties()) == set(deal.parties()):
                old.status, old.cuts = "renegotiated", []
                if old.defected_step is None:
                    deal.before_licence, deal.before_tariff = (old.before_licence,
                                                               old.before_tariff)
        self.deals.append(deal)
        for a, b in (deal.parties(), deal.parties()[::-1]):
            self._move_standing(self._i(a), model.spec.negotiation.standing_gain_per_deal)
            self.last_move[(a, b)] = self.now
        model.apply_change(lv.Licensing(
            type="licensing", exporter=terms.licences_by, products=terms.products,
            destinations=[terms.tariff_by, *terms.trusted_partners],
            civil_approval_percent=terms.civil_approval_percent,
            military_approval_percent=terms.military_approval_percent,
            delay_days=terms.delay_days,
            headline=f"Deal {deal.id}: {terms.licences_by} fast-tracks civil licences for "
            f"{', '.join([terms.tariff_by, *terms.trusted_partners])}"), source="deal")
        steps = terms.tariff_steps
        start = deal.before_tariff
        deal.cuts = [(self.now + k * terms.step_weeks,
                      start + (terms.tariff_to_percent - start) * (k + 1) / steps)
                     for k in range(steps)]
        self._due_cuts(deal)
        if terms.co_investment_t_per_year > 0:
            host = terms.co_investment_region or terms.tariff_by
            model.apply_change(lv.CapacityInvestment(
                type="capacity_investment", actor=terms.tariff_by,
                firm=f"{terms.tariff_by.lower()}_{host.lower()}_deal_separation", region=host,
                stage="refining", capacity_t_per_year=terms.co_investment_t_per_year),
                source="deal")
        return deal

    def _due_cuts(self, deal: Agreement) -> None:
        due = [c for c in deal.cuts if c[0] <= self.now]
        deal.cuts = [c for c in deal.cuts if c[0] > self.now]
        for _, level in due[-1:]:
            t = deal.terms
            self.model.apply_change(lv.Tariff(
                type="tariff", importer=t.tariff_by, exporters=[t.licences_by], products="all",
                percent=level, headline=f"Deal {deal.id}: {t.tariff_by} cuts its tariff on "
                f"{t.licences_by} to {level:g}%"), source="deal")

    def check_breach(self, change: lv.LeverBase, party: str) -> None:
        """A lever ``party`` set against the terms of a deal in force breaks it (quietly:
        the other side finds out after the detection lag)."""
        for deal in self.deals:
            if deal.status != "in force" or deal.defected_step is not None or (
                    party not in deal.parties()):
                continue
            if self._breaks(deal, change, party):
                deal.defected_by, deal.defected_step = party, self.now
                deal.cuts = []

    def _breaks(self, deal: Agreement, change: lv.LeverBase, party: str) -> bool:
        t = deal.terms
        if change.type == "tariff" and party == t.tariff_by:
            hit = change.exporters == "all" or t.licences_by in change.exporters
            return hit and change.percent > self.tariff_level(t.tariff_by, t.licences_by) + 1e-9
        if change.type == "licensing" and party == t.licences_by:
            routes = [t.tariff_by, *t.trusted_partners]
            hit = change.destinations == "all" or any(d in change.destinations for d in routes)
            products = PRODUCTS if change.products == "all" else change.products
            covers = any(p in t.products for p in products)
            if not (hit and covers and change.controlled):
                return False
            e, d = self._i(t.licences_by), self._i(t.tariff_by)
            idx = [PRODUCTS.index(p) for p in t.products]
            policy = self.model.policy
            civil = float(policy.civil_approval[e, d, idx].min() * 100) if policy.licensed[
                e, d, idx].any() else 100.0
            delay = float(policy.delay_days[e, d, idx].max())
            lowered = min(civil, t.civil_approval_percent) - 1e-9
            slowed = max(delay, t.delay_days) + 1e-9
            return change.civil_approval_percent < lowered or change.delay_days > slowed
        return False

    # -- the weekly clock ----------------------------------------------------
    def week(self) -> None:
        rules = self.model.spec.negotiation
        for deal in self.deals:
            if deal.status == "in force":
                self._due_cuts(deal)
        self._resolve_threats()
        self._lapse_offers()
        self._detect_defections(rules.detection_lag_weeks, rules.trust_loss_on_defection)
        initial = rules.initial_trust
        self.trust += rules.trust_recovery_per_week * (initial - self.trust)
        for deal in self.deals:
            if deal.status == "in force" and deal.defected_step is None:
                a, b = (self._i(p) for p in deal.parties())
                gain = rules.trust_gain_per_week_of_compliance
                self.trust[a, b] = min(1.0, self.trust[a, b] + gain)
                self.trust[b, a] = min(1.0, self.trust[b, a] + gain)
        np.fill_diagonal(self.trust, 1.0)
        self.standing += rules.standing_recovery_per_week * (0.5 - self.standing)
        np.clip(self.standing, 0.0, 1.0, out=self.standing)

    def _lapse_offers(self) -> None:
        for case in self.offers.values():
            if case.status == "open" and self.now >= case.expires:
                case.status = "lapsed"
                self._log("offer_lapsed", case.addressee, case.proposer,
                          f"{case.proposer}'s offer {case.id} lapses unanswered by "
                          f"{case.addressee}", {"offer": case.id})
                self._send(case.proposer, msg.OfferAnswered(self.now, case.addressee, case.id,
                                                            "lapsed", "no answer in time"))

    def _resolve_threats(self) -> None:
        rules = self.model.spec.negotiation
        for index, case in enumerate(self.threats):
            if case.status != "open":
                continue
            t = case.terms
            if self.threat_met(t):
                case.status = "averted"
                a, b = self._i(t.actor), self._i(t.target)
                self.trust[a, b] = min(1.0, self.trust[a, b] + rules.trust_gain_on_averted_threat)
                self._log("threat_averted", t.actor, t.target,
                          f"{t.actor} drops its {t.percent:g}% tariff threat: {t.target} "
                          "raised licence approvals")
                self._tell_both(t, msg.ThreatResolved(self.now, t.actor, index, "averted"))
            elif self.now >= case.deadline:
                case.status = "carried out"
                level = self.tariff_level(t.actor, t.target) + t.percent
                tariff = lv.Tariff(
                    type="tariff", importer=t.actor, exporters=[t.target], products=t.products,
                    percent=min(level, 1000.0), headline=f"{t.actor} carries out its threat: "
                    f"+{t.percent:g}% tariff on {t.target}")
                self.check_breach(tariff, t.actor)  # a deal signed meanwhile is broken by it
                self.model.apply_change(tariff, source="negotiation")
                a, b = self._i(t.target), self._i(t.actor)
                self.trust[a, b] = max(0.0, self.trust[a, b]
                                       - rules.trust_loss_on_carried_out_threat)
                self._tell_both(t, msg.ThreatResolved(self.now, t.actor, index, "carried out"))

    def _tell_both(self, threat: lv.Threat, message: msg.Message) -> None:
        self._send(threat.actor, message)
        self._send(threat.target, message)

    def _detect_defections(self, lag: int, loss: float) -> None:
        """A state finds out that a deal is broken: an AI state by what it observes of its
        partner's side (its briefing: lagged and noisy), when it looks short of the promise
        ``suspicion_weeks`` weeks running, whether or not the partner broke it; any other
        state ``lag`` weeks after the breach."""
        for deal in self.deals:
            if deal.status not in ("in force", "suspected"):
                continue
            for watcher in deal.parties():
                accused = next(p for p in deal.parties() if p != watcher)
                if (deal.id, watcher) in self.found:
                    continue
                if self.model.states[self._i(watcher)].policy_mode == "ai":
                    if deal.status == "in force" and self._suspects(watcher, deal):
                        self._found(deal, watcher, accused, loss)
                elif deal.defected_by == accused and self.now - deal.defected_step >= lag:
                    self._found(deal, watcher, accused, loss)

    def _suspects(self, watcher: str, deal: Agreement) -> bool:
        """``watcher`` has seen ``deal``'s other side short of its promise weeks running."""
        key = (deal.id, watcher)
        short = observed(self.model, watcher, deal)[2]
        self.suspicion[key] = self.suspicion.get(key, 0) + 1 if short else 0
        return self.suspicion[key] >= self.model.spec.negotiation.suspicion_weeks

    def _found(self, deal: Agreement, victim: str, cheat: str, loss: float) -> None:
        """``victim`` holds ``cheat`` to have broken ``deal``: the deal ends ("broken", or
        "suspected" when the other side had in fact kept it; a breach found later by its
        true victim makes a suspected deal broken), trust and standing fall."""
        kept = deal.defected_by != cheat
        self.found.add((deal.id, victim))
        deal.status = "suspected" if kept else "broken"
        if not kept or deal.detected_step is None:
            deal.detected_step = self.now
        deal.cuts = []
        v, c = self._i(victim), self._i(cheat)
        self.trust[v, c] = max(0.0, self.trust[v, c] - loss)
        self._move_standing(c, -self.model.spec.negotiation.standing_loss_on_defection)
        if kept:
            self._log("defection_suspected", victim, cheat,
                      f"{victim} believes that {cheat} broke deal {deal.id}, though {cheat} "
                      f"kept it; trust falls to {self.trust[v, c]:.2f}", {"deal": deal.id})
        else:
            self._log("defection_detected", victim, cheat,
                      f"{victim} finds that {cheat} broke deal {deal.id}; trust falls to "
                      f"{self.trust[v, c]:.2f}", {"deal": deal.id})
        self._send(victim, msg.DefectionFound(self.now, cheat, deal.id, cheat))

    # -- outputs -------------------------------------------------------------
    def register(self) -> pd.DataFrame:
        start = self.model.spec.start_date
        return pd.DataFrame([d.row(start) for d in self.deals], columns=DEAL_COLUMNS)

    def deals_in_force(self) -> np.ndarray:
        n = len(self.model.regions)
        table = np.zeros((n, n))
        for deal in self.deals:
            if deal.status == "in force":
                a, b = (self._i(p) for p in deal.parties())
                table[a, b] += 1
                table[b, a] += 1
        return table
