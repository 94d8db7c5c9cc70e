"""An AI state's moves as an exporter with leverage: tighten, offer, ease, cap exports.

A mixin of ``agents.state.State``: the moves go into the state's decision of
the week (``_act``, ``_offers``), never straight onto the levers.
"""

from __future__ import annotations

import numpy as np

from sim import bargaining
from sim.scenario import levers as lv
from sim.world import DYTB, MAGNET, WEEKS_PER_YEAR

CONTROLLED = ["dytb_oxide", "magnet"]


class ExporterMoves:
    def _exporter_moves(self) -> None:
        diplomacy, policy = self.model.diplomacy, self.model.policy
        rules = self.model.spec.negotiation
        partners = {code for d in diplomacy.deals if d.status == "in force"
                    and d.terms.licences_by == self.code for code in d.terms.trusted_partners}
        for other in self.model.states:
            if other is self or other.code in self._engaged:
                continue
            grievance = min(diplomacy.tariff_level(other.code, self.code)
                            / rules.full_grievance_tariff_percent, 1.0)
            deal = diplomacy.deal_between(self.code, other.code)
            if deal is not None:
                self._renegotiate(deal, other.code, grievance)
                continue
            if any(t.status == "carried out" and t.terms.actor == other.code
                   and t.terms.target == self.code for t in diplomacy.threats):
                grievance = 1.0
            approval = policy.civil_approval[self.region, other.region,
                                             [DYTB, MAGNET]].min() * 100
            if grievance >= 1.0 and self.strategy.hawkishness >= rules.export_cap_min_hawkishness:
                self._cap_heavy_exports()
            if grievance > rules.tighten_min_grievance:
                draw = self.luck.random()
                if (draw < self.strategy.hawkishness * grievance and other.code not in partners
                        and approval > rules.tighten_min_approval_percent):
                    self._tighten(other.code, self.strategy.reciprocity,
                                  f"{self.code} tightens licensing for {other.code} over its "
                                  "tariffs")
                elif draw < grievance and self._may_move(other.code):
                    self._offer_fast_track(other.code)
            elif grievance < rules.ease_max_grievance and approval < 100 and policy.licensed[
                    self.region, other.region, [DYTB, MAGNET]].any():
                trust = diplomacy.trust[self.region, other.region]
                if self.luck.random() < (1 - self.strategy.hawkishness) * trust:
                    self._licence(other.code, min(approval + rules.ease_step_percent, 100.0),
                                  f"{self.code} eases licensing for {other.code}",
                                  -rules.ease_delay_cut_days)

    def _renegotiate(self, deal, other: str, grievance: float) -> None:
        """Once a deal's cuts are all made, a licensing state still taxed above
        ``tighten_min_grievance`` may offer new terms (chance ``(1 - hawkishness) *
        grievance``); a deal it signs replaces the one in force."""
        rules = self.model.spec.negotiation
        if (self.code != deal.terms.licences_by or deal.cuts or deal.defected_step is not None
                or grievance <= rules.tighten_min_grievance):
            return
        if not self._patience_passed(other) or (
                self.model.diplomacy.open_offer_between(self.code, other)):
            return
        if self.luck.random() < (1 - self.strategy.hawkishness) * grievance:
            self._offer_fast_track(other)

    def _may_move(self, other: str) -> bool:
        """No talks open with ``other`` and its patience since its last move has passed."""
        diplomacy = self.model.diplomacy
        if other in self._engaged or diplomacy.deal_between(self.code, other) or (
                diplomacy.open_offer_between(self.code, other)
                or diplomacy.open_threat(self.code, other)):
            return False
        return self._patience_passed(other)

    def _patience_passed(self, other: str) -> bool:
        """Its patience has passed since its last move towards ``other``: ``patience_weeks``,
        times one more for each of its offers ``other`` turned down in a row."""
        diplomacy = self.model.diplomacy
        last = diplomacy.last_move.get((self.code, other), -10**9)
        refused = diplomacy.refusals(self.code, other)
        return self.model.steps - last >= self.strategy.patience_weeks * (1 + refused)

    def _offer_fast_track(self, dest: str) -> None:
        """Offer ``dest`` a civil fast track against a tariff cut: the cut and the share of
        the approval it can afford as its past answers from ``dest`` say (``bargaining.ask``)."""
        tariff = self.model.diplomacy.tariff_level(dest, self.code)
        kept, granted = bargaining.ask(self, dest, licensing=True)
        terms = lv.Offer(type="offer", actor=self.code, tariff_by=dest, licences_by=self.code,
                         tariff_to_percent=round(tariff * kept, 1),
                         military_approval_percent=0.0)
        at = bargaining.position(self, terms)
        step = self.model.spec.negotiation.ease_step_percent
        affordable = bargaining.affordable_approval(self, terms, at)
        if affordable < at.civil_now + step:
            return
        civil = max(at.civil_now + granted * (affordable - at.civil_now), at.civil_now + step)
        self._engaged.add(dest)
        self._offers.append(bargaining.revised(terms, civil_approval_percent=round(civil, 1)))

    def _cap_heavy_exports(self) -> None:
        """A hawk under maximum pressure caps Dy/Tb exports at a share of their recent pace."""
        if np.isfinite(self.model.policy.quota_t_per_year[self.region, DYTB]) or any(
                c.type == "export_quota" for c in self._levers):
            return
        window = self.model.spec.negotiation.export_cap_window_weeks
        recent = self.model.recorder.stacked("exports")[-window:, self.region, DYTB].tolist()
        pace = sum(recent) * WEEKS_PER_YEAR / max(len(recent), 1)
        if pace <= 0:
            return
        share = self.strategy.dytb_export_cap_share
        self._act(lv.ExportQuota(
            type="export_quota", exporter=self.code, products=["dytb_oxide"],
            tonnes_per_year=round(share * pace, 1),
            headline=f"{self.code} caps Dy/Tb oxide exports at {share * pace:,.0f} t/yr"))

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
        self._act(lv.Licensing(
            type="licensing", exporter=self.code, products=CONTROLLED, destinations=[dest],
            civil_approval_percent=civil, military_approval_percent=0.0, delay_days=delay,
            reexport_controlled=bool(policy.reexport_controlled[self.region, d, DYTB]),
            headline=headline))
