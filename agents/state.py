"""States: hold the policy levers of their region and, under ``policy = "ai"``, play.

Every ``review_weeks`` an AI state:
1. keeps or breaks its deals: it defects with probability
   ``defection_probability * (defection_scale_at_zero_hawkishness + hawkishness)
   * (1 - trust in the partner)``;
2. answers open threats against it (concedes when its export and standing
   goals outweigh hawkish leverage);
3. as an exporter with leverage (world share of separation and magnets above
   ``leverage_threshold``), tightens licensing towards states that tax its
   goods, with probability ``hawkishness * grievance``, and relaxes it slowly
   when relations are calm;
   Under the heaviest pressure a hawk also caps its Dy/Tb oxide exports;
4. as an importer under supply risk above its threshold, threatens (hawks) or
   offers a framework (doves) to the supplier that restricts it most, funds
   separation and magnet capacity at home or in an ally, subsidises its own
   separation and magnet makers, and stockpiles with its allies; it destocks
   when the risk has passed.
A scripted state changes its levers only through the timeline, answers no
offers and concedes to no threats. docs/negotiation.md explains the rules.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.rng import stream
from sim.scenario import levers as lv
from sim.scenario.diplomacy import GOALS
from sim.world import CONC, DYTB, MAGNET, PRODUCTS, WEEKS_PER_YEAR

CONTROLLED = ["dytb_oxide", "magnet"]


class State(mesa.Agent):
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

    @property
    def is_ai(self) -> bool:
        return self.policy_mode == "ai"

    def weight(self, goal: str) -> float:
        return float(self.weights[GOALS.index(goal)])

    # -- the weekly decision ---------------------------------------------------
    def decide(self) -> None:
        model = self.model
        self._review_mining_quota()
        if not self.is_ai or (model.steps + self.region) % self.strategy.review_weeks:
            return
        diplomacy = model.diplomacy
        for deal in list(diplomacy.deals):
            if deal.status == "in force" and self.code in deal.parties() and (
                    deal.defected_step is None):
                self._keep_or_break(deal)
        for case in diplomacy.threats:
            if case.status == "open" and case.terms.target == self.code:
                self.consider_threat(case)
        if self._leverage() >= model.spec.negotiation.leverage_threshold:
            self._exporter_moves()
        self._importer_moves()

    def _review_mining_quota(self) -> None:
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
            source="ai" if self.is_ai else "model")

    def _leverage(self) -> float:
        return float(self.model.scorecard.scores[self.region, GOALS.index("leverage")])

    def _pain(self) -> float:
        """Supply risk felt at home, or dear magnets, whichever is worse (0-1)."""
        risk = float(self.model.risk[self.region, [DYTB, MAGNET]].mean())
        dear = self.model.prices[self.region, MAGNET] / self.model.scorecard.reference_price[
            self.region]
        rise = self.model.spec.negotiation.full_pain_price_rise
        return max(risk, min(max((dear - 1.0) / rise, 0.0), 1.0))

    def _keep_or_break(self, deal) -> None:
        rules = self.model.spec.negotiation
        partner = next(p for p in deal.parties() if p != self.code)
        trust = self.model.diplomacy.trust[self.region, self.model.region_index[partner]]
        chance = (rules.defection_probability * (rules.defection_scale_at_zero_hawkishness
                                                 + self.strategy.hawkishness)
                  * (1.0 - trust))
        if self.luck.random() < chance:
            self.model.diplomacy.defect(deal, self.code)

    # -- answering others --------------------------------------------------------
    def consider_threat(self, case) -> None:
        """Concede when trade and standing matter more than hawkish leverage."""
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
            diplomacy.concede(case)

    def answer_offer(self, offer: lv.Offer, counters_left: int):
        """"accept", a counter-offer, or "reject"."""
        if not self.is_ai:
            return "reject"
        diplomacy = self.model.diplomacy
        proposer = self.model.region_index[offer.actor]
        trust = diplomacy.trust[self.region, proposer]
        rules = self.model.spec.negotiation
        gain = self._offer_value(offer) + rules.offer_goodwill_per_trust * (
            trust - rules.offer_neutral_trust)
        if gain >= 0:
            return "accept"
        if counters_left <= 0:
            return "reject"
        current = offer.tariff_to_percent
        return offer.model_copy(update={
            "actor": self.code,
            "tariff_to_percent": current * rules.counter_offer_tariff_share
            if self.code == offer.licences_by else current,
            "civil_approval_percent": (offer.civil_approval_percent + self._civil_now(offer)) / 2
            if self.code == offer.licences_by else offer.civil_approval_percent,
            "military_approval_percent": 0.0,
            "headline": None})

    def _civil_now(self, offer) -> float:
        policy, index = self.model.policy, self.model.region_index
        e, d = index[offer.licences_by], index[offer.tariff_by]
        idx = [PRODUCTS.index(p) for p in offer.products]
        return float(policy.civil_approval[e, d, idx].min() * 100) if policy.licensed[
            e, d, idx].any() else 100.0

    def _offer_value(self, offer: lv.DealTerms) -> float:
        """This state's rough gain from the package, in goal-weighted units."""
        diplomacy = self.model.diplomacy
        tariff_now = diplomacy.tariff_level(offer.tariff_by, offer.licences_by)
        cut = max(tariff_now - offer.tariff_to_percent, 0.0) / 100
        opened = max(offer.civil_approval_percent - self._civil_now(offer), 0.0) / 100
        military = offer.military_approval_percent / 100
        h = self.strategy.hawkishness
        rules = self.model.spec.negotiation
        standing = rules.deal_standing_value
        if self.code == offer.licences_by:
            return (self.weight("export_revenue") * min(cut, 1.0) + self.weight("standing")
                    * standing - self.weight("leverage") * (h * opened + military))
        return (self.weight("supply_security") * (opened + military) + self.weight("standing")
                * standing + self.weight("consumer_prices") * rules.deal_consumer_price_value
                - self.weight("export_revenue") * rules.tariff_cut_revenue_cost * min(cut, 1.0)
                - rules.hawk_deal_aversion * h)

    def retaliate(self, deal, cheat: str) -> None:
        """Answer a detected defection in kind (AI states only)."""
        if not self.is_ai:
            return
        reciprocity = self.strategy.reciprocity
        if self.code == deal.terms.tariff_by:
            rules = self.model.spec.negotiation
            level = (deal.before_tariff + rules.retaliation_tariff_percent
                     + rules.retaliation_tariff_per_reciprocity_percent * reciprocity)
            self.model.apply_change(lv.Tariff(
                type="tariff", importer=self.code, exporters=[cheat], products="all",
                percent=min(level, 1000.0), headline=f"{self.code} retaliates: tariff on {cheat} "
                f"raised to {level:g}%"), source="ai")
        else:
            self._tighten(cheat, reciprocity, f"{self.code} retaliates: licences for {cheat} "
                          "cut back")

    # -- an exporter with leverage --------------------------------------------------
    def _exporter_moves(self) -> None:
        diplomacy, policy = self.model.diplomacy, self.model.policy
        rules = self.model.spec.negotiation
        for other in self.model.states:
            if other is self or diplomacy.deal_between(self.code, other.code):
                continue
            grievance = min(diplomacy.tariff_level(other.code, self.code)
                            / rules.full_grievance_tariff_percent, 1.0)
            if any(t.status == "carried out" and t.terms.actor == other.code
                   and t.terms.target == self.code for t in diplomacy.threats):
                grievance = 1.0
            approval = policy.civil_approval[self.region, other.region,
                                             [DYTB, MAGNET]].min() * 100
            if grievance >= 1.0 and self.strategy.hawkishness >= rules.export_cap_min_hawkishness:
                self._cap_heavy_exports()
            chance = self.strategy.hawkishness * grievance
            if (grievance > rules.tighten_min_grievance
                    and approval > rules.tighten_min_approval_percent
                    and self.luck.random() < chance):
                self._tighten(other.code, self.strategy.reciprocity,
                              f"{self.code} tightens licensing for {other.code} over its tariffs")
            elif grievance < rules.ease_max_grievance and approval < 100 and policy.licensed[
                    self.region, other.region, [DYTB, MAGNET]].any():
                trust = diplomacy.trust[self.region, other.region]
                if self.luck.random() < (1 - self.strategy.hawkishness) * trust:
                    self._licence(other.code, min(approval + rules.ease_step_percent, 100.0),
                                  f"{self.code} eases licensing for {other.code}",
                                  -rules.ease_delay_cut_days)

    def _cap_heavy_exports(self) -> None:
        """A hawk under maximum pressure caps Dy/Tb exports at a share of their recent pace."""
        if np.isfinite(self.model.policy.quota_t_per_year[self.region, DYTB]):
            return
        window = self.model.spec.negotiation.export_cap_window_weeks
        recent = self.model.recorder.stacked("exports")[-window:, self.region, DYTB].tolist()
        pace = sum(recent) * WEEKS_PER_YEAR / max(len(recent), 1)
        if pace <= 0:
            return
        share = self.strategy.dytb_export_cap_share
        self.model.apply_change(lv.ExportQuota(
            type="export_quota", exporter=self.code, products=["dytb_oxide"],
            tonnes_per_year=round(share * pace, 1),
            headline=f"{self.code} caps Dy/Tb oxide exports at {share * pace:,.0f} t/yr"),
            source="ai")

    def _tighten(self, dest: str, reciprocity: float, headline: str) -> None:
        policy = self.model.policy
        d = self.model.region_index[dest]
        approval = policy.civil_approval[self.region, d, [DYTB, MAGNET]].min() * 100
        licensed = policy.licensed[self.region, d, [DYTB, MAGNET]].any()
        approval = approval if licensed else 100.0
        rules = self.model.spec.negotiation
        civil = max(rules.tighten_floor_percent, approval - rules.tighten_step_percent
                    - rules.tighten_step_per_reciprocity_percent * reciprocity)
        self._licence(dest, civil, headline, rules.tighten_delay_days)

    def _licence(self, dest: str, civil: float, headline: str, delay_change_days: float) -> None:
        policy = self.model.policy
        d = self.model.region_index[dest]
        delay = policy.delay_days[self.region, d, [DYTB, MAGNET]].max()
        delay = min(max(delay + delay_change_days, 0.0),
                    self.model.spec.negotiation.max_licence_delay_days)
        self.model.apply_change(lv.Licensing(
            type="licensing", exporter=self.code, products=CONTROLLED, destinations=[dest],
            civil_approval_percent=civil, military_approval_percent=0.0, delay_days=delay,
            reexport_controlled=bool(policy.reexport_controlled[self.region, d, DYTB]),
            headline=headline), source="ai")

    # -- an importer under supply risk --------------------------------------------------
    def _importer_moves(self) -> None:
        rules = self.model.spec.negotiation
        pain = self._pain()
        threshold = rules.pain_threshold * (rules.pain_threshold_scale_at_zero_tolerance
                                            + self.strategy.risk_tolerance)
        if pain > threshold:
            self._negotiate_with_supplier()
            self._fund_capacity()
            self._subsidise(pain)
            self._stockpile(pain)
        elif pain < threshold * rules.destock_share_of_threshold:
            self._destock()

    def _main_restrictor(self) -> str | None:
        """The exporter whose licensing costs this state most."""
        policy, take = self.model.policy, self.model.last_week.allocation
        products = [DYTB, MAGNET]
        imports = take.take[:, self.region, products].sum(axis=1)
        friction = policy.licensed[:, self.region, products].any(axis=1) * (
            1 - policy.civil_approval[:, self.region, products].min(axis=1))
        weight = (imports + 1e-9) * friction
        weight[self.region] = 0
        best = int(np.argmax(weight))
        return self.model.regions[best] if weight[best] > 0 else None

    def _negotiate_with_supplier(self) -> None:
        diplomacy = self.model.diplomacy
        supplier = self._main_restrictor()
        if supplier is None or diplomacy.deal_between(self.code, supplier) or (
                diplomacy.open_threat(self.code, supplier)):
            return
        last = diplomacy.last_move.get((self.code, supplier), -10**9)
        if self.model.steps - last < self.strategy.patience_weeks:
            return
        rules = self.model.spec.negotiation
        if self.strategy.hawkishness >= rules.threat_min_hawkishness:
            self.model.apply_change(lv.Threat(
                type="threat", actor=self.code, target=supplier,
                percent=rules.threat_tariff_percent, deadline_weeks=self.strategy.patience_weeks),
                source="ai")
        else:
            tariff = diplomacy.tariff_level(self.code, supplier)
            allies = [a for a in self.allies if self.model.states[
                self.model.region_index[a]].is_ai and a != supplier]
            self.model.apply_change(lv.Offer(
                type="offer", actor=self.code, tariff_by=self.code, licences_by=supplier,
                tariff_to_percent=round(tariff * self.strategy.offered_tariff_share, 1),
                civil_approval_percent=self.strategy.offered_civil_approval_percent,
                trusted_partners=allies), source="ai")

    def _fund_capacity(self) -> None:
        rules = self.model.spec.negotiation
        if self.model.steps - self.last_investment < rules.investment_cooldown_weeks:
            return
        demand = sum(m.wanted for m in self.model.manufacturers if m.region == self.region)
        magnets = demand * WEEKS_PER_YEAR * rules.investment_share_of_demand
        if magnets < 1:
            return
        self.last_investment = self.model.steps
        host = self._host_region()
        recipe = self.model.spec.production
        feed = magnets * recipe.ndpr_per_t_magnet / rules.funded_feed_ndpr_share
        for stage, size in (("refining", feed), ("magnets", magnets)):
            self.model.apply_change(lv.CapacityInvestment(
                type="capacity_investment", actor=self.code,
                firm=f"{self.code.lower()}_{host.lower()}_{stage}_programme", region=host,
                stage=stage, capacity_t_per_year=round(size, 1),
                headline=f"{self.code} funds {size:,.0f} t/yr of {stage} capacity in {host}"),
                source="ai")

    def _subsidise(self, pain: float) -> None:
        """Support its own separation and magnet makers, more the worse the pain."""
        policy, strategy = self.model.policy, self.strategy
        step = self.model.spec.negotiation.subsidy_min_raise_usd_per_kg
        for stage, column, scale in (("refining", 1, strategy.refining_subsidy_usd_per_kg),
                                     ("magnets", 2, strategy.magnet_subsidy_usd_per_kg)):
            level = round(scale * pain, 1)
            if level > policy.subsidy[self.region, column] + step:
                self.model.apply_change(lv.Subsidy(
                    type="subsidy", state=self.code, stage=stage, usd_per_kg=level,
                    headline=f"{self.code} subsidises its {stage} at ${level:g}/kg"),
                    source="ai")

    def _host_region(self) -> str:
        """Itself or the ally with the most mining capacity."""
        mining: dict[str, float] = {}
        for miner in self.model.firms["miners"]:
            code = self.model.regions[miner.region]
            mining[code] = mining.get(code, 0.0) + miner.capacity_t_per_week
        candidates = [self.code, *self.allies]
        return max(candidates, key=lambda code: (mining.get(code, 0.0), code == self.code))

    def _stockpile(self, pain: float) -> None:
        rules = self.model.spec.negotiation
        for code in [self.code, *self.allies]:
            state = self.model.states[self.model.region_index[code]]
            if code != self.code and not state.is_ai:
                continue
            use = self.model.last_week.use[state.region, MAGNET]
            target = round(rules.stockpile_weeks * use * min(pain / rules.pain_for_full_stockpile,
                                                               1.0), 1)
            current = self.model.policy.stockpile_target_t[state.region, MAGNET]
            if target > current * rules.stockpile_raise_factor and target > 1:
                self.model.apply_change(lv.Stockpile(
                    type="stockpile", actor=self.code, state=code, product="magnet",
                    target_t=target, buy_t_per_year=target,
                    headline=f"{code} builds a magnet stockpile of {target:,.0f} t"
                    + (f" with {self.code}" if code != self.code else "")), source="ai")

    def _destock(self) -> None:
        policy = self.model.policy
        held = self.model.stockpile[self.region, MAGNET]
        if policy.stockpile_target_t[self.region, MAGNET] > 0 and held > 1:
            self.model.apply_change(lv.Stockpile(
                type="stockpile", state=self.code, product="magnet", target_t=0.0,
                release_t_per_year=round(held, 1),
                headline=f"{self.code} releases its magnet stockpile"), source="ai")
