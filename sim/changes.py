"""Applying changes to the world and writing them to the news log.

Policy levers go to ``PolicyState``; capacity investments, disruptions, demand
shocks and announcements change agents or the model. Every change, whatever
its source (scenario, timeline, AI state, player), is logged with its full
validated payload, so a run can be replayed.
"""

from __future__ import annotations

import math
import statistics
from typing import TYPE_CHECKING

from agents import firm_rules as fr
from agents.firm import CapacityProject
from sim.headlines import actor_of, headline, subject_of
from sim.news import NewsItem, NewsLog
from sim.scenario import levers as lv
from sim.scenario.schema import GROUP_OF_STAGE, MagnetMaker, Miner, Refiner
from sim.world import STAGES, WEEKS_PER_YEAR, step_date

if TYPE_CHECKING:
    from sim.interfaces import World

SPEC_OF_STAGE = {"mining": Miner, "refining": Refiner, "magnets": MagnetMaker}


class Disruption:
    """A temporary cut in output of one stage in one region, or of one firm (``firm``)."""

    def __init__(self, handler: ChangeHandler, region: int, stage: int, factor: float,
                 firm=None):
        self.handler, self.region, self.stage, self.factor = handler, region, stage, factor
        self.firm = firm

    def end(self) -> None:
        self.handler.end_disruption(self)


class ChangeHandler:
    def __init__(self, model: World):
        self.model = model
        self.news = NewsLog()
        self.disruptions: list[Disruption] = []

    @property
    def step(self) -> int:
        """The week a change takes effect in (events between steps count for the next)."""
        return math.ceil(self.model.time)

    def log(self, kind: str, source: str, actor: str, subject: str, text: str,
            payload: dict | None = None) -> None:
        when = step_date(self.model.spec.start_date, self.step).isoformat()
        self.news.add(NewsItem(self.step, when, kind, source, actor, subject, text,
                               payload or {}))

    def apply(self, change: lv.LeverBase, source: str, name: str = "") -> None:
        """Log ``change`` (so what it sets off reads after it), then apply it."""
        model = self.model
        payload = change.model_dump(mode="json", exclude_none=True)
        if name:
            payload["name"] = name
        if change.type == "offer":
            payload["offer_id"] = model.diplomacy.next_offer_id()
        self.log(change.type, source, actor_of(change), subject_of(change), headline(change),
                 payload)
        if not model.policy.apply(change):
            getattr(self, f"_{change.type}")(change, source)
        model.refresh_market_view()

    # -- world changes ----------------------------------------------------
    def _capacity_investment(self, c: lv.CapacityInvestment, source: str) -> None:
        kind = GROUP_OF_STAGE[c.stage]
        firm = next((f for f in self.model.firms[kind] if f.name == c.firm), None)
        if firm is None:
            firm = self.model.add_firm(kind, c.firm, self._new_firm_spec(c))
        self.add_capacity(firm, c.capacity_t_per_year, source, c.lead_time_years)
        self.model.diplomacy.committed[firm.region, STAGES.index(c.stage)] += (
            c.capacity_t_per_year)

    def _new_firm_spec(self, c: lv.CapacityInvestment):
        peers = [f for f in self.model.firms[GROUP_OF_STAGE[c.stage]]]
        local = [f for f in peers if f.region == self.model.region_index[c.region]] or peers
        cost = c.cost_usd_per_kg
        if cost is None:
            cost = statistics.median(f.cost for f in local)
        fields = dict(region=c.region, capacity_t_per_year=0.0, cost_usd_per_kg=cost)
        if c.stage == "mining":
            grade = self.model.physical.default_grade[self.model.region_index[c.region]]
            fields["ndpr_share"] = c.ndpr_share if c.ndpr_share is not None else grade[0]
            fields["dytb_share"] = c.dytb_share if c.dytb_share is not None else grade[1]
        return SPEC_OF_STAGE[c.stage](**fields)

    def _disruption(self, c: lv.Disruption, source: str) -> None:
        region = self.model.region_index[c.region]
        firm = None
        if c.firm is not None:
            firm = next((f for f in self.model.firms[GROUP_OF_STAGE[c.stage]]
                         if f.name == c.firm and f.region == region), None)
            if firm is None:  # a firm a later change was to create: nothing to cut yet
                return
        cut = Disruption(self, region, STAGES.index(c.stage), c.output_percent / 100, firm)
        self.disruptions.append(cut)
        self.refresh_output_factors()
        self.model.schedule_event(cut.end, after=c.weeks - 0.5)

    def end_disruption(self, cut: Disruption) -> None:
        self.disruptions.remove(cut)
        self.refresh_output_factors()
        stage, region = STAGES[cut.stage], self.model.regions[cut.region]
        where = (f"{stage.capitalize()} in {region}" if cut.firm is None
                 else f"{cut.firm.name} ({stage} in {region})")
        self.log("disruption_end", "model", self.model.regions[cut.region], STAGES[cut.stage],
                 f"{where} back to normal output")

    def refresh_output_factors(self) -> None:
        """Each firm's output factor: the product of the disruptions in force that cut it
        (its stage in its region, or it by name)."""
        for firms in self.model.firms.values():
            for firm in firms:
                factor = 1.0
                for cut in self.disruptions:
                    if cut.firm is firm or (cut.firm is None and cut.stage == firm.stage_index
                                            and cut.region == firm.region):
                        factor *= cut.factor
                firm.book.state[fr.OUTPUT_FACTOR, firm.slot] = factor

    def _demand_shock(self, c: lv.DemandShock, source: str) -> None:
        for buyer in self.model.manufacturers:
            region_ok = c.region == "all" or self.model.regions[buyer.region] == c.region
            if region_ok and c.segment in ("all", buyer.segment):
                buyer.shock *= c.factor

    def _announcement(self, c: lv.Announcement, source: str) -> None:
        """News only: nothing physical changes."""

    def _threat(self, c: lv.Threat, source: str) -> None:
        self.model.diplomacy.threaten(c)

    def _offer(self, c: lv.Offer, source: str) -> None:
        self.model.diplomacy.propose(c)

    def _deal(self, c: lv.Deal, source: str) -> None:
        self.model.diplomacy.sign(c)

    # -- capacity projects ------------------------------------------------
    def add_capacity(self, firm, t_per_year: float, source: str, lead_years=None) -> None:
        """Commit ``firm`` to more capacity; it comes online after the stage's lead time."""
        rules = self.model.spec.investment
        years = rules.lead_time_years[firm.stage] if lead_years is None else lead_years
        project = CapacityProject(firm, t_per_year, source, self.step, self._capacity_online)
        firm.add_project(project)
        # Lands half a week before the step it is usable in.
        self.model.schedule_event(project.complete,
                                  after=max(years * WEEKS_PER_YEAR - 0.5, 0.25))
        online = step_date(self.model.spec.start_date, self.step + round(years * 52))
        self.log("investment_decision", source, self.model.regions[firm.region], firm.name,
                 f"{firm.name} commits to {t_per_year:,.0f} t/yr more {firm.stage} capacity in "
                 f"{self.model.regions[firm.region]}, online about {online:%b %Y}",
                 {"firm": firm.name, "stage": firm.stage, "capacity_t_per_year": t_per_year,
                  "lead_time_years": years})

    def seed_pipeline(self, firm, share: float) -> None:
        """Give ``firm`` the projects under way that a market growing at the demand growth
        rate would hold at the start: ``share`` of them, one per year of the stage's lead
        time, each the year's growth of capacity (decided before the start, so not logged)."""
        years = self.model.spec.investment.lead_time_years[firm.stage]
        growth = self.model.spec.demand.growth_percent_per_year / 100
        capacity = firm.capacity_t_per_week * WEEKS_PER_YEAR
        landed, year = 0.0, 0.0
        while share > 0.0 and growth > 0.0 and capacity > 0.0 and year < years:
            year = min(year + 1.0, years)
            size = share * capacity * ((1 + growth) ** year - 1) - landed
            landed += size
            project = CapacityProject(firm, size, "scenario", -1, self._capacity_online)
            firm.add_project(project)
            self.model.schedule_event(project.complete, at=year * WEEKS_PER_YEAR - 0.5)

    def _capacity_online(self, project: CapacityProject) -> None:
        firm = project.firm
        firm.remove_project(project)
        firm.capacity_t_per_week += project.t_per_year / WEEKS_PER_YEAR
        self.model.capacity_changed()
        self.log("capacity_online", project.source, self.model.regions[firm.region], firm.name,
                 f"{firm.name}: {project.t_per_year:,.0f} t/yr of {firm.stage} capacity online "
                 f"in {self.model.regions[firm.region]}",
                 {"firm": firm.name, "stage": firm.stage, "capacity_t_per_year":
                  project.t_per_year, "decided_step": project.decided_step})
