"""States: hold the policy levers of their region and decide what to do with them.

Each week a state takes its turn of the negotiate phase (``decide``) and
returns one ``Decision`` (``sim.decisions``), which the model checks, applies
and logs. Its inbox holds the offers, threats, answers and found defections
sent to it; it reads them the week after they were sent.

An AI state (``policy = "ai"``) each week answers its mail: it accepts,
counters or rejects offers by their worth to its goals (``sim.bargaining``),
concedes to threats when its export and standing goals outweigh hawkish
leverage, and answers a broken deal in kind. Every ``review_weeks`` it also:
1. keeps or breaks its deals: it breaks one with probability
   ``defection_probability * (defection_scale_at_zero_hawkishness + hawkishness)
   * (1 - trust in the partner)``, by setting its levers back;
2. as an exporter with leverage (world share of separation and magnets above
   ``leverage_threshold``), tightens licensing towards states that tax its
   goods (chance ``hawkishness * grievance``) or offers them a fast track
   against a tariff cut (chance ``(1 - hawkishness) * grievance``), relaxes
   licensing slowly when relations are calm, and under the heaviest pressure
   a hawk caps its Dy/Tb oxide exports;
3. as an importer in supply pain above its threshold, threatens (a hawk,
   when its last move was not a threat) or offers a framework to the supplier
   that restricts it most, funds separation and magnet capacity at home or in
   an ally, subsidises its own makers and stockpiles with its allies; it
   destocks when the pain has passed.
Its offers learn from their answers (``sim.bargaining.ask``): after a refusal the
next asks for less, after a deal for more. It holds a deal broken when its
briefing shows the partner's side short of the promise (``sim.briefing.observed``,
judged in the model's weekly clock so replays see the same).
A scripted state changes its levers only through the timeline; it answers
offers by the same valuation (accept when the package improves its
scorecard, else counter or reject), never offers or threatens, concedes to no
threat, and answers a broken deal by withdrawing its own side. A human state
(``policy = "human"``) does only what is submitted for it. docs/negotiation.md
explains the rules.
"""

from __future__ import annotations

import mesa
import numpy as np

from agents.state_exporter import ExporterMoves
from agents.state_importer import ImporterMoves
from sim import bargaining
from sim import messages as msg
from sim.decisions import Answer, Decision
from sim.rng import stream
from sim.scenario import levers as lv
from sim.scenario.diplomacy import GOALS
from sim.world import CONC, DYTB, MAGNET

CONTROLLED = ["dytb_oxide", "magnet"]


class State(ExporterMoves, ImporterMoves, mesa.Agent):
    def __init__(self, model, code: str, spec, region: int):
        super().__init__(model)
        self.code = code
        self.name = spec.name
        self.region = region
        self.policy_mode = spec.policy
        self.strategy = spec.strategy
        self.allies = list(spec.allies)
        weights = np.array([getattr(spec.goals, g) for g in GOALS], dtype=float)
        self.weights = weights / weights.sum() if weights.sum() > 0 else np.full(5, 0.2)
        self.luck = stream(model.seed, "state", code)
        self.last_investment = -10**9
        self.quota_year, self.quota_use_seen = None, 0.0  # the January mining-quota review
        self._levers: list = []
        self._offers: list[lv.Offer] = []
        self._threats: list[lv.Threat] = []
        self._answers: list[Answer] = []
        self._engaged: set[str] = set()  # states it already dealt with this week

    @property
    def is_ai(self) -> bool:
        return self.policy_mode == "ai"

    def weight(self, goal: str) -> float:
        return float(self.weights[GOALS.index(goal)])

    # -- the weekly turn ----------------------------------------------------------
    def decide(self) -> Decision | None:
        """This week's decision: answers to its mail and, at a review, its own moves."""
        if self.policy_mode == "human":
            return None
        model = self.model
        self._levers, self._offers, self._threats, self._answers = [], [], [], []
        self._engaged = set()
        mail = model.diplomacy.mail(self.code, model.steps)
        model.diplomacy.read(self.code, model.steps)
        for message in mail:  # a state it answers here has no offer of it accepted this week
            if isinstance(message, msg.ThreatReceived):
                self._consider_threat(model.diplomacy.threats[message.threat])
            elif isinstance(message, msg.DefectionFound):
                self._answer_defection(message)
        self._answer_offers()
        if self.is_ai and not (model.steps + self.region) % self.strategy.review_weeks:
            self._review()
        if not (self._levers or self._offers or self._answers or self._threats):
            return None
        return Decision(state=self.code, levers=self._levers, offers=self._offers,
                        answers=self._answers, threats=self._threats)

    def _act(self, change) -> None:
        self._levers.append(change)

    def _review(self) -> None:
        diplomacy = self.model.diplomacy
        for deal in list(diplomacy.deals):
            if deal.status == "in force" and self.code in deal.parties() and (
                    deal.defected_step is None):
                self._keep_or_break(deal)
        if self.leverage() >= self.model.spec.negotiation.leverage_threshold:
            self._exporter_moves()
        self._importer_moves()

    def review_mining_quota(self) -> None:
        """Each January: a mining quota set to follow demand rises with the state's use of
        concentrate since last January, while its miners' remembered margin is above
        ``investment.mining_quota_raise_margin`` (scripted or AI: the rule is the lever's)."""
        model, policy = self.model, self.model.policy
        if model.date.year == self.quota_year:
            return
        self.quota_year = model.date.year
        use = float(model.last_week.use[self.region, CONC])
        before, self.quota_use_seen = self.quota_use_seen, use
        quota = policy.mining_quota_t_per_year[self.region]
        if not policy.mining_quota_follows_demand[self.region] or before <= 0 or use <= before:
            return
        miners = [m for m in model.firms["miners"] if m.region == self.region]
        weight = sum(m.capacity_t_per_week for m in miners)
        margin = sum(m.margin_memory * m.capacity_t_per_week for m in miners) / max(weight, 1e-9)
        if margin <= model.spec.investment.mining_quota_raise_margin:
            return
        raised = round(float(quota) * use / before, -2)
        model.apply_change(lv.MiningQuota(
            type="mining_quota", state=self.code, tonnes_per_year=raised, raise_with_demand=True,
            headline=f"{self.code} raises its mining quota to {raised:,.0f} t REO/yr"),
            source="model")  # the lever's own rule, not a decision of the state

    def leverage(self) -> float:
        """Its share of the world's separation and magnets (its leverage score, 0-1)."""
        return float(self.model.scorecard.scores[self.region, GOALS.index("leverage")])

    def pain(self) -> float:
        """Supply risk felt at home, or dear magnets, whichever is worse (0-1)."""
        risk = float(self.model.risk[self.region, [DYTB, MAGNET]].mean())
        dear = self.model.prices[self.region, MAGNET] / self.model.scorecard.reference_price[
            self.region]
        rise = self.model.spec.negotiation.full_pain_price_rise
        return max(risk, min(max((dear - 1.0) / rise, 0.0), 1.0))

    def _keep_or_break(self, deal) -> None:
        rules = self.model.spec.negotiation
        partner = next(p for p in deal.parties() if p != self.code)
        if partner in self._engaged:
            return
        trust = self.model.diplomacy.trust[self.region, self.model.region_index[partner]]
        chance = (rules.defection_probability * (rules.defection_scale_at_zero_hawkishness
                                                 + self.strategy.hawkishness)
                  * (1.0 - trust))
        if self.luck.random() < chance:
            self._engaged.add(partner)
            self._break(deal)

    def _fast_tracked(self, deal) -> list[str]:
        """The routes ``deal``'s licences cover that no other deal in force of it covers."""
        t, diplomacy = deal.terms, self.model.diplomacy
        others = [d for d in diplomacy.deals if d is not deal and d.status == "in force"
                  and d.terms.licences_by == self.code]
        covered = {code for d in others for code in (d.terms.tariff_by, *d.terms.trusted_partners)}
        return [code for code in (t.tariff_by, *t.trusted_partners)
                if code == t.tariff_by or code not in covered]

    def _break(self, deal) -> None:
        """Quietly set its side of ``deal`` back to what it was before the deal."""
        t = deal.terms
        if self.code == t.licences_by:
            self._restore_side(deal, f"{self.code} slows licence approvals for {t.tariff_by} "
                               "again")
        else:
            self._restore_side(deal, f"{self.code} restores its tariff on {t.licences_by}")

    def _restore_side(self, deal, headline: str) -> None:
        """Its side of ``deal`` as it was before the deal: the tariff, or the licences."""
        t = deal.terms
        if self.code == t.tariff_by:
            self._act(lv.Tariff(
                type="tariff", importer=self.code, exporters=[t.licences_by], products="all",
                percent=deal.before_tariff, headline=headline))
            return
        before = deal.before_licence
        self._act(lv.Licensing(
            type="licensing", exporter=self.code, products=t.products,
            destinations=self._fast_tracked(deal), controlled=before["licensed"],
            civil_approval_percent=before["civil"],
            military_approval_percent=before["military"], delay_days=before["delay"],
            headline=headline))

    # -- answering others --------------------------------------------------------
    def _answer_offers(self) -> None:
        """Answer each open offer sent to it before this week (AI: accept, counter or
        reject by its worth; scripted: accept or reject)."""
        diplomacy = self.model.diplomacy
        for case in diplomacy.open_offers_to(self.code).values():
            if case.sent >= self.model.steps or case.proposer in self._engaged:
                continue
            reply, terms, reason = bargaining.reply(self, case.terms, case.counters_left,
                                                    may_counter=True)
            self._answers.append(Answer(offer=case.id, reply=reply, counter=terms,
                                        reason=reason))
            self._engaged.add(case.proposer)

    def _consider_threat(self, case) -> None:
        """Concede when trade and standing matter more than hawkish leverage (AI only)."""
        if not self.is_ai or case.status != "open":
            return
        diplomacy = self.model.diplomacy
        if diplomacy.threat_met(case.terms):
            return
        h = self.strategy.hawkishness
        actor = self.model.region_index[case.terms.actor]
        distrust = 1.0 - diplomacy.trust[self.region, actor]
        score = ((1 - h) * (self.weight("export_revenue") + self.weight("standing"))
                 - h * self.weight("leverage")
                 - self.model.spec.negotiation.concession_distrust_weight * distrust)
        if score > 0:
            t = case.terms
            self._engaged.add(t.actor)
            self._act(lv.Licensing(
                type="licensing", exporter=self.code, products=t.demand_products,
                destinations=[t.actor], civil_approval_percent=t.demand_civil_approval_percent,
                military_approval_percent=diplomacy.military_percent(
                    self.code, t.actor, t.demand_products),
                delay_days=self.model.spec.negotiation.concession_delay_days,
                headline=f"{self.code} concedes to {t.actor}: civil licence "
                f"approvals raised to {t.demand_civil_approval_percent:g}%"))

    def _answer_defection(self, found: msg.DefectionFound) -> None:
        """Answer a broken deal: an AI state in kind, a scripted one by withdrawing its side."""
        deal = next(d for d in self.model.diplomacy.deals if d.id == found.deal)
        cheat = found.cheat
        if self.model.diplomacy.deal_between(self.code, cheat):
            return  # a new deal between them is already in force
        if self.policy_mode == "scripted":
            self._engaged.add(cheat)
            self._withdraw(deal)
        elif self.is_ai:
            self._engaged.add(cheat)
            self._retaliate(deal, cheat)

    def _withdraw(self, deal) -> None:
        t = deal.terms
        if self.code == t.tariff_by:
            self._restore_side(deal, f"{self.code} withdraws its tariff cuts for "
                               f"{t.licences_by}: deal {deal.id} is broken")
        else:
            self._restore_side(deal, f"{self.code} withdraws its licence fast track for "
                               f"{t.tariff_by}: deal {deal.id} is broken")

    def _retaliate(self, deal, cheat: str) -> None:
        """Answer a detected defection in kind."""
        reciprocity = self.strategy.reciprocity
        if self.code == deal.terms.tariff_by:
            rules = self.model.spec.negotiation
            today = self.model.diplomacy.tariff_level(self.code, cheat)
            level = (max(deal.before_tariff, today) + rules.retaliation_tariff_percent
                     + rules.retaliation_tariff_per_reciprocity_percent * reciprocity)
            self._act(lv.Tariff(
                type="tariff", importer=self.code, exporters=[cheat], products="all",
                percent=min(level, 1000.0), headline=f"{self.code} retaliates: tariff on {cheat} "
                f"raised to {level:g}%"))
        else:
            self._tighten(cheat, reciprocity, f"{self.code} retaliates: licences for {cheat} "
                          "cut back")
