"""An AI state's moves as an importer in supply pain: threats, offers, plants, subsidies,
stockpiles.

A mixin of ``agents.state.State``: the moves go into the state's decision of
the week, never straight onto the levers.
"""

from __future__ import annotations

import numpy as np

from sim import bargaining
from sim.scenario import levers as lv
from sim.world import DYTB, MAGNET, WEEKS_PER_YEAR


class ImporterMoves:
    def _importer_moves(self) -> None:
        rules = self.model.spec.negotiation
        pain = self.pain()
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
        """Threaten (a hawk whose last move towards it was not a threat) or make an offer to
        the supplier that restricts it most."""
        diplomacy = self.model.diplomacy
        supplier = self._main_restrictor()
        if supplier is None or not self._may_move(supplier):
            return
        rules = self.model.spec.negotiation
        self._engaged.add(supplier)
        if (self.strategy.hawkishness >= rules.threat_min_hawkishness
                and diplomacy.last_kind.get((self.code, supplier)) != "threat"):
            self._threats.append(lv.Threat(
                type="threat", actor=self.code, target=supplier,
                percent=rules.threat_tariff_percent, deadline_weeks=self.strategy.patience_weeks))
        else:
            tariff = diplomacy.tariff_level(self.code, supplier)
            allies = [a for a in self.allies if self.model.states[
                self.model.region_index[a]].is_ai and a != supplier]
            kept, asked = bargaining.ask(self, supplier, licensing=False)
            offer = lv.Offer(
                type="offer", actor=self.code, tariff_by=self.code, licences_by=supplier,
                tariff_to_percent=round(tariff * kept, 1), trusted_partners=allies,
                civil_approval_percent=self.strategy.offered_civil_approval_percent)
            if asked < 1.0:
                now = bargaining.position(self, offer).civil_now
                offer = bargaining.revised(offer, civil_approval_percent=round(
                    now + asked * max(offer.civil_approval_percent - now, 0.0), 1))
            self._offers.append(offer)

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
            self._act(lv.CapacityInvestment(
                type="capacity_investment", actor=self.code,
                firm=f"{self.code.lower()}_{host.lower()}_{stage}_programme", region=host,
                stage=stage, capacity_t_per_year=round(size, 1),
                headline=f"{self.code} funds {size:,.0f} t/yr of {stage} capacity in {host}"))

    def _subsidise(self, pain: float) -> None:
        """Support its own separation and magnet makers, more the worse the pain."""
        policy, strategy = self.model.policy, self.strategy
        step = self.model.spec.negotiation.subsidy_min_raise_usd_per_kg
        for stage, column, scale in (("refining", 1, strategy.refining_subsidy_usd_per_kg),
                                     ("magnets", 2, strategy.magnet_subsidy_usd_per_kg)):
            level = round(scale * pain, 1)
            if level > policy.subsidy[self.region, column] + step:
                self._act(lv.Subsidy(
                    type="subsidy", state=self.code, stage=stage, usd_per_kg=level,
                    headline=f"{self.code} subsidises its {stage} at ${level:g}/kg"))

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
                self._act(lv.Stockpile(
                    type="stockpile", actor=self.code, state=code, product="magnet",
                    target_t=target, buy_t_per_year=target,
                    headline=f"{code} builds a magnet stockpile of {target:,.0f} t"
                    + (f" with {self.code}" if code != self.code else "")))

    def _destock(self) -> None:
        policy = self.model.policy
        held = self.model.stockpile[self.region, MAGNET]
        if policy.stockpile_target_t[self.region, MAGNET] > 0 and held > 1:
            self._act(lv.Stockpile(
                type="stockpile", state=self.code, product="magnet", target_t=0.0,
                release_t_per_year=round(held, 1),
                headline=f"{self.code} releases its magnet stockpile"))
