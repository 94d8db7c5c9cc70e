"""The Mesa model: wiring and the named phases of one week.

Phases, in order: ``policy`` (timeline events, then the negotiate phase:
each state's decision, on last week's record, ``sim.decisions``), ``mine``,
``plan`` (buyers state what they want at current prices), ``trade``
(arrivals, then allocation by landed cost within quotas and licences),
``transform`` (refining, magnet making, end use), ``stockpile``, ``clear``
(prices), ``speculate`` (investors and oxide hoards, ``sim.finance``),
``invest``, ``measure``. Where every tonne is lives in
``sim.physical``; the arithmetic of each movement in ``sim.flows``,
``sim.trade`` and ``sim.market`` as pure functions. Agents decide; the model
moves material. docs/architecture.md draws the layers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection

import mesa
import numpy as np
import pandas as pd

import sim.flows as flows
from agents import MagnetMaker, Manufacturer, Miner, Refiner, State
from agents.firm_book import FirmBook
from agents.firm_rules import (
    CAPACITY,
    DYTB_PER_T,
    DYTB_SHARE,
    NDPR_PER_T,
    NDPR_SHARE,
    UTILISATION,
)
from agents.manufacturer import AT_START, Buyers
from agents.miner import operational_shocks
from sim.changes import ChangeHandler
from sim.decisions import Decision, DecisionDesk
from sim.finance import Exchange
from sim.market import export_rent, open_at_the_margin, parity_prices, price_step, quota_claims
from sim.metrics import READ_DURING_RUN, read_all
from sim.negotiation import Diplomacy
from sim.other_uses import OtherUses
from sim.physical import Physical, ore_grades
from sim.policy import PolicyState
from sim.recorder import Recorder
from sim.rng import stream
from sim.scenario import Scenario, load_scenario
from sim.scorecard import Scorecard
from sim.smuggling import Smuggling
from sim.trade import (
    allocate,
    landed_cost,
    shares_towards_target,
    sourcing_target,
    with_home_open,
)
from sim.world import (
    CONC,
    DYTB,
    MAGNET,
    NDPR,
    PRODUCTS,
    STAGES,
    WEEKS_PER_YEAR,
    step_date,
    step_of_date,
    weeks_left_in_year,
)

FIRM_KINDS = {"miners": Miner, "refiners": Refiner, "magnet_makers": MagnetMaker}


class StandoffModel(mesa.Model):
    """One run of a scenario under one seed. ``model.step()`` advances one week."""

    def __init__(self, scenario: Scenario | str = "baseline_2025", *, seed: int | None = None,
                 metrics: Collection[str] | None = None):
        """``metrics`` names the metrics to record each week (default: all of them); the
        few that agents read back during the run (``READ_DURING_RUN``) are always kept."""
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.spec, self.seed = scenario, seed  # ``scenario`` is Mesa's own
        self._figures_of: tuple[int, dict] = (0, {})  # figures computed once a step
        self.regions = scenario.region_codes
        self.region_index = {code: i for i, code in enumerate(self.regions)}
        self.china = self.region_index.get(scenario.china) if scenario.china else None
        n, p = len(self.regions), len(PRODUCTS)
        market = scenario.market
        self.policy = PolicyState(self.regions)
        self.changes = ChangeHandler(self)
        self.news = self.changes.news
        self.market_rng = stream(seed, "market")
        self.transport = np.array([market.transport_usd_per_kg[q] for q in PRODUCTS])
        self.base_cover = np.array([market.target_cover_weeks[q] for q in PRODUCTS])
        self.prices = np.array([[market.initial_price_usd_per_kg[q].get(code, table["default"])
                                 for q, table in ((q, market.initial_price_usd_per_kg[q])
                                                  for q in PRODUCTS)]
                                for code in self.regions], dtype=float)
        self.expected_prices = self.prices.copy()
        self.other_uses = OtherUses.of(scenario, self.prices)
        self.smuggling = Smuggling.of(scenario)
        self.other_use = None  # this week's non-magnet oxide use (region x oxide), if any
        self.risk = np.zeros((n, p))
        self.controlled = np.zeros((n, p))  # share of supply under China's re-export terms
        self.week = self.last_week = None  # set once the firms and levers exist
        self.refresh_market_view()

        self.states = [State(self, code, spec, i)
                       for i, (code, spec) in enumerate(scenario.regions.items())]
        self.firms: dict[str, list] = {kind: [] for kind in FIRM_KINDS}
        self.books: dict[str, FirmBook] = {}  # each stage's firms' state (``firm_book``)
        self._capacity = None
        for kind in FIRM_KINDS:
            for name, spec in getattr(scenario, kind).items():
                self.add_firm(kind, name, spec)
        for kind in FIRM_KINDS:
            for firm in self.firms[kind]:
                self.changes.seed_pipeline(firm, scenario.investment.initial_pipeline_share)
        self.buyers = Buyers(scenario.demand)  # the manufacturers' state, one column each
        self.manufacturers = [Manufacturer(self, name, spec, self.region_index[spec.region],
                                           self.buyers)
                              for name, spec in scenario.manufacturers.items()]
        self.physical = Physical(n, p, ore_grades(n, self.firms["miners"]))
        self._read_grades()
        self.diplomacy = Diplomacy(self)
        self.decisions = DecisionDesk(self)
        self.scorecard = Scorecard(self)
        self.timeline: dict[int, list] = {}
        for name, change in scenario.timeline.items():
            self.timeline.setdefault(step_of_date(scenario.start_date, change.date), []).append(
                (name, change))
        for name, change in scenario.policy.items():
            self.apply_change(change, source="scenario", name=name)
        self.week = self.quiet_week()
        self._initial_inventory()
        self.exchange = Exchange(self)  # listed firms, ETFs, investors, oxide speculation
        kept = None if metrics is None else {*metrics, *READ_DURING_RUN}
        self.recorder = Recorder(self.regions, scenario.start_date, labels=self.exchange.labels(),
                                 expected_steps=scenario.steps + 1, metrics=kept)
        self._measure()
        self.last_week = self.week

    # -- reading the market (what agents see) -------------------------------
    def price(self, region: int, product: int) -> float:
        return self._price_rows[region][product]

    def sale_price(self, region: int, product: int) -> float:
        """Price a firm in ``region`` gets: the market price or its state's floor."""
        price, floor = self._price_rows[region][product], self._floor_rows[region][product]
        return floor if floor > price else price

    def feed_grades(self) -> np.ndarray:
        """NdPr and Dy/Tb shares of the concentrate in each region's stock, as planning
        began (region x 2)."""
        return self._grades

    def market_grade(self) -> np.ndarray:
        """NdPr and Dy/Tb shares of the world's separation feed, as planning began: the
        mix a tonne of concentrate at the concentrate price stands for."""
        return self._market_grade

    def firm_book(self, stage: str) -> FirmBook:
        """The state of every firm of ``stage``, one column per firm in firm order."""
        book = self.books.get(stage)
        if book is None:
            book = self.books[stage] = FirmBook(self.spec, stage)
        return book

    def refresh_market_view(self) -> None:
        """Refresh what agents read one by one (prices, price floors) after a change."""
        self._price_rows = self.prices.tolist()
        self._floor_rows = self.policy.price_floor.tolist()

    def _once_a_step(self, name: str, compute: Callable[[], object]):
        """``compute()``, kept until ``steps`` moves on."""
        step, figures = self._figures_of
        if step != self.steps:
            self._figures_of = (self.steps, figures := {})
        if name not in figures:
            figures[name] = compute()
        return figures[name]

    @property
    def date(self) -> dt.date:
        """The date at the end of the current step."""
        return self._once_a_step("date", lambda: step_date(self.spec.start_date, self.steps))

    def _week_start(self) -> dt.date:
        """The date the week being simulated starts on."""
        return self._once_a_step("start", lambda: step_date(self.spec.start_date,
                                                            self.steps - 1))

    def _weeks_left(self) -> float:
        """Weeks left in the quota year of the week being simulated (quotas pace by it):
        a week that ends in a new year counts in that year (``_policy_phase``), so its
        weeks are counted from 1 January, not from the old year's last days."""
        def weeks_left() -> float:
            start, end = self._week_start(), self.date
            return weeks_left_in_year(max(start, dt.date(end.year, 1, 1)))
        return self._once_a_step("weeks_left", weeks_left)

    @property
    def stock(self) -> np.ndarray:
        """Commercial stock, region x product (t): ``physical.stock``."""
        return self.physical.stock

    @property
    def stockpile(self) -> np.ndarray:
        """State stockpiles, region x product (t): ``physical.stockpile``."""
        return self.physical.stockpile

    @property
    def transit(self):
        return self.physical.transit

    # -- changing the world ---------------------------------------------------
    def apply_change(self, change, source: str = "player", name: str = "") -> None:
        """Apply a lever or world change and log it (the replayable record)."""
        self.changes.apply(change, source=source, name=name)

    def submit(self, decision: Decision | dict, explore: bool = False) -> Decision:
        """Submit a human state's decision: checked now (``DecisionRefused`` if the state
        may not make it, changing nothing), applied in its turn next week. ``explore``
        lets a person act for an AI or scripted state too."""
        return self.decisions.submit(decision, explore=explore)

    def briefing(self, code: str):
        """What state ``code`` knows this week (``sim.briefing.Briefing``)."""
        from sim.briefing import briefing

        return briefing(self, code)

    def add_firm(self, kind: str, name: str, spec):
        firm = FIRM_KINDS[kind](self, name, spec, self.region_index[spec.region])
        self.firms[kind].append(firm)
        if self.changes.disruptions:  # a plant opened in a disrupted region is cut too
            self.changes.refresh_output_factors()
        self.capacity_changed()
        return firm

    def capacity_changed(self) -> None:
        """A firm was added or its capacity grew: ``capacity_by_stage`` is out of date."""
        self._capacity = None

    def capacity_by_stage(self) -> np.ndarray:
        """Installed capacity, region x stage (t/yr), read-only."""
        if self._capacity is None:
            n = len(self.regions)
            table = np.zeros((n, len(STAGES)))
            for column, firm_class in enumerate(FIRM_KINDS.values()):
                book = self.firm_book(firm_class.stage)
                table[:, column] = np.bincount(book.regions, minlength=n,
                                               weights=book.state[CAPACITY] * WEEKS_PER_YEAR)
            table.flags.writeable = False
            self._capacity = table
        return self._capacity

    # -- the week -------------------------------------------------------------
    def step(self) -> None:
        self._policy_phase()
        self._mine()
        self._plan()
        self._trade()
        self._smuggle()
        self._transform()
        self._stockpile()
        self._clear()
        self._speculate()
        self._invest()
        self._measure()

    def run(self, steps: int | None = None, progress: bool = False) -> StandoffModel:
        """Advance ``steps`` weeks (default: the scenario's ``steps``)."""
        from tqdm.auto import tqdm

        total = self.spec.steps if steps is None else steps
        for _ in tqdm(range(total), disable=not progress, desc=self.spec.name, unit="wk"):
            self.step()
        return self

    def _policy_phase(self) -> None:
        self.last_week = last = self.week  # frozen at its measure: what states decide on
        if self.date.year != self._week_start().year:
            self.policy.new_year()
        for name, change in self.timeline.get(self.steps, ()):
            self.apply_change(change, source="timeline", name=name)
        self.diplomacy.week()
        for state in self.states:  # the negotiate phase: each state's turn, in order
            state.review_mining_quota()
            self.decisions.turn(state)  # every change refreshes the market view
        # Route terms carry over until this week's trade sets them.
        self.week = flows.Week.quiet(last.landed, last.wedge, last.approval)

    def _mine(self) -> None:
        book = self.firm_book("mining")
        shares = book.state[NDPR_SHARE:DYTB_SHARE + 1].T  # mine x (NdPr, Dy/Tb)
        shocks = operational_shocks(self.firms["miners"], self.spec.production.output_noise)
        output = self._planned(book) * np.array(shocks, dtype=float)
        tonnes = np.minimum(output, book.state[CAPACITY])
        policy = self.policy
        allowed = (policy.weekly_mining_allowance(self._weeks_left())
                   if policy.in_use().mining_quota else None)  # a quota scales miners down
        produced, self.physical.content = flows.mined(self.physical.content, book.regions,
                                                      tonnes, shares, allowed)
        policy.mined_t += produced
        self.week.produced[:, CONC] += produced
        self.physical.stock[:, CONC] += produced

    def _planned(self, book: FirmBook) -> np.ndarray:
        """What each firm of ``book``'s stage wants to produce this week (t/week)."""
        policy = self.policy
        return book.plan(self.prices, policy.price_floor, policy.subsidy, self._grades,
                         self._market_grade)

    def _read_grades(self) -> None:
        """What refiners see of their feed this week (``feed_grades``), and the market's
        feed, weighted by separation capacity (``market_grade``)."""
        self._grades = grades = self.physical.grades()
        weights = self.capacity_by_stage()[:, STAGES.index("refining")]
        total = weights.sum()
        self._market_grade = weights @ grades / total if total > 0 else grades.mean(axis=0)

    def _plan(self) -> None:
        self._read_grades()
        use, magnets = self.week.use, self.week.magnets_planned
        feed = self._planned(self.firm_book("refining")).tolist()
        for refiner, wanted in zip(self.firms["refiners"], feed, strict=True):
            use[refiner.region, CONC] += wanted
        book = self.firm_book("magnets")
        made = self._planned(book).tolist()
        ndpr, dytb = book.state[NDPR_PER_T].tolist(), book.state[DYTB_PER_T].tolist()
        for maker, tonnes, n_t, d_t in zip(self.firms["magnet_makers"], made, ndpr, dytb,
                                           strict=True):
            use[maker.region, NDPR] += tonnes * n_t
            use[maker.region, DYTB] += tonnes * d_t
            magnets[maker.region] += tonnes
        wanted = self.buyers.plan(self.prices, self.steps)
        use[:, MAGNET] += np.bincount(self.buyers.regions, weights=wanted, minlength=len(use))
        if self.other_uses is not None:
            self.other_use = self.other_uses.wanted(self.prices, self.steps)
            use[:, NDPR:DYTB + 1] += self.other_use

    def _trade(self) -> None:
        week, physical, policy = self.week, self.physical, self.policy
        self._land(physical.transit.arrive(self.steps))
        week.stockpile_buy, want = flows.release_and_orders(
            physical.stockpile, physical.stock, policy.stockpile_release_t_per_year,
            policy.stockpile_buy_t_per_year, policy.stockpile_target_t, week.use,
            physical.transit.inbound, self._target_cover_now(),
            self.spec.market.restock_rate_per_week)
        grades = physical.grades()
        week.wedge = policy.cost_wedge()
        week.landed = landed_cost(self.prices, week.wedge, self.transport)
        week.approval = self.route_approval()
        weeks_left = self._weeks_left()
        market = self.spec.market
        self.sourcing = shares_towards_target(self.sourcing, week.landed, physical.stock,
                                              week.approval, market.sourcing_elasticity,
                                              1.0 / market.sourcing_adjustment_weeks)
        foreign_orders = rent_per_t = None  # what a combined quota is shared by, if any
        if policy.in_use().combined_quota:
            foreign_orders, rent_per_t = quota_claims(want, self.sourcing, self.prices,
                                                      week.wedge, self.transport)
        allocation = allocate(want, physical.stock, week.landed, week.approval,
                              policy.weekly_quota_allowance(weeks_left, foreign_orders,
                                                            rent_per_t),
                              self.sourcing, elasticity=market.sourcing_elasticity)
        week.allocation = allocation
        week.shipped = shipped = allocation.flows
        week.exports, shipped_content = flows.ship_out(shipped, grades, physical.stock,
                                                       physical.content, policy.quota_used_t)
        physical.transit.ship(self.steps, shipped, shipped_content, *policy.shipping_delays())
        self._land(physical.transit.arrive(self.steps))  # unlicensed goods land this week

    def _sourcing_target(self, week: flows.Week) -> np.ndarray:
        """Where buyers would place their orders at this week's costs and stocks."""
        return sourcing_target(week.landed, self.physical.stock, with_home_open(week.approval),
                               self.spec.market.sourcing_elasticity)

    def _land(self, arrivals: tuple[np.ndarray, np.ndarray]) -> None:
        tonnes, content = arrivals
        self.week.imports += tonnes
        self.physical.stock += tonnes
        self.physical.content += content

    def _smuggle(self) -> None:
        """Smugglers carry oxide from the exporter's stock to foreign users' (sim.smuggling)."""
        if self.smuggling is None:
            return
        physical, week = self.physical, self.week
        week.smuggled = self.smuggling.week(self.prices, self.transport, week.use,
                                            physical.stock)
        physical.stock -= week.smuggled

    def _transform(self) -> None:
        week, physical = self.week, self.physical
        done = flows.transform(physical.stock, physical.content, physical.grades(), week.use,
                               week.magnets_planned, self.other_use)
        physical.stock, physical.content = done.stock, done.content
        week.produced[:, NDPR:DYTB + 1] += done.oxide
        week.produced[:, MAGNET] += done.magnets
        week.consumed, week.shortage, week.unmet = done.consumed, done.shortage, done.unmet

    def _stockpile(self) -> None:
        physical = self.physical
        buy = np.minimum(self.week.stockpile_buy, physical.stock)  # what the trade phase sought
        physical.stock -= buy
        physical.stockpile += buy

    def _clear(self) -> None:
        week, market, policy = self.week, self.spec.market, self.policy
        self.reference_flow = flows.reference_flow(self.reference_flow, week.use, week.produced,
                                                   week.imports)
        cover = self.physical.stock / np.maximum(self.reference_flow, 1e-9)
        active = self.reference_flow > 1e-6
        shortage_share = flows.shortage_share(week.shortage, week.use)
        alloc = week.allocation
        import_open, export_share = open_at_the_margin(week.approval, policy.licensed,
                                                       policy.civil_approval, alloc)
        week.export_rent = export_rent(self.prices, week.shipped, week.wedge, self.transport)
        imports, exports = parity_prices(self.prices, week.landed, week.wedge, self.transport,
                                         import_open, export_share)
        noise = self.market_rng.normal(0.0, market.price_noise, self.prices.shape)
        self.prices, self.expected_prices = price_step(
            self.prices, self.expected_prices, shortage_share, cover / self._target_cover_now(),
            active, imports, exports, market, noise)
        self.risk = flows.updated_risk(self.risk, alloc.take, policy.licensed, week.approval,
                                       policy.delay_days, shortage_share,
                                       self.spec.demand.risk_memory_weeks)
        if self.china is not None and (policy.in_use().reexport_conditions
                                       or self.controlled.any()):
            self.controlled = flows.controlled_origin(
                self.controlled, week.shipped, week.produced, week.imports,
                policy.reexport_controlled, self.china, 1.0 / self.base_cover)
        self.refresh_market_view()

    def _speculate(self) -> None:
        """Investors trade on this week's prices and news; share prices set firms' capital.

        Oxide speculators' orders move material between the regional pools and
        their hoards, recorded in the week like state stockpile purchases.
        """
        hoarded = self.exchange.step()
        self.physical.stock -= hoarded
        self.physical.hoard += hoarded
        self.week.hoarded = hoarded

    def _invest(self) -> None:
        policy = self.policy
        for kind, firm_class in FIRM_KINDS.items():
            book = self.firm_book(firm_class.stage)
            sizes = book.expansion(self.prices, policy.subsidy, self.capacity_by_stage(),
                                   policy.mining_quota_t_per_year).tolist()
            for firm, size in zip(self.firms[kind], sizes, strict=True):
                if size:
                    self.changes.add_capacity(firm, size, source="model")

    def _measure(self) -> None:
        self.scorecard.update()
        self.recorder.record(self.steps, read_all(self, self.recorder.names),
                             self.policy.licensed)
        self.week.freeze()

    # -- helpers ---------------------------------------------------------------
    def quiet_week(self) -> flows.Week:
        """A week with nothing made or traded yet, route terms as the levers stand."""
        wedge = self.policy.cost_wedge()
        return flows.Week.quiet(landed_cost(self.prices, wedge, self.transport), wedge,
                                self.route_approval())

    def route_approval(self) -> np.ndarray:
        """Share of requests each route lets through: licences, and their re-export terms."""
        approval = self.policy.route_approval(self.military_share())
        if self.china is None or not self.controlled.any():
            return approval
        return flows.reexport_approval(approval, self.controlled, self.china)

    def target_cover(self) -> np.ndarray:
        """Weeks of use buyers want in stock, raised by perceived supply risk."""
        extra = self.spec.demand.precautionary_cover_weeks * self.risk
        return self.base_cover[np.newaxis, :] + extra

    def _target_cover_now(self) -> np.ndarray:
        """``target_cover`` for this week: risk moves only when prices clear, so trade
        and clearing share one computation."""
        return self._once_a_step("target_cover", self.target_cover)

    def magnet_use_at_start_prices(self) -> np.ndarray:
        """Magnets (t/week) each region's buyers would want this week at start prices."""
        wanted = self.buyers.state[AT_START]
        return np.bincount(self.buyers.regions, weights=wanted, minlength=len(self.regions))

    def military_share(self) -> np.ndarray:
        """Military share of use by region, the same for every product."""
        return self.buyers.military_share(len(self.regions))

    def _initial_inventory(self) -> None:
        """Start every market at its target cover, with firms at their planned utilisation."""
        for kind in self.firms.values():
            for firm in kind:
                firm.update_margin()
                firm.utilisation = firm.target_utilisation()
                firm.margin_memory = firm.margin
        self._plan()
        book = self.firm_book("mining")
        mined, mined_content = flows.mined(  # at their planned utilisation, no quota
            np.zeros_like(self.physical.content), book.regions,
            book.state[CAPACITY] * book.state[UTILISATION],
            book.state[NDPR_SHARE:DYTB_SHARE + 1].T)
        production = np.zeros_like(self.physical.stock)
        production[:, CONC] = mined
        flow = np.maximum(self.week.use, production)
        cover = self.spec.market.initial_cover_weeks
        cover = self.base_cover[np.newaxis, :] if cover is None else cover
        physical = self.physical
        physical.stock = cover * flow
        self.reference_flow = flow
        week = self._opening_trade(self.week, production)
        physical.content = physical.stock[:, CONC:CONC + 1] * flows.feed_grades(
            mined, mined_content, week.shipped[:, :, CONC], physical.default_grade)
        self.week = self._opening_week(week)

    def _opening_trade(self, planned: flows.Week, production: np.ndarray) -> flows.Week:
        """Step 0's planned output and use, traded against a copy of the opening stock."""
        week = self.quiet_week()
        week.use, week.magnets_planned = planned.use.copy(), planned.magnets_planned.copy()
        week.produced[:, CONC] = production[:, CONC]
        stock = self.physical.stock + production
        weeks_left = weeks_left_in_year(self.spec.start_date)
        self.sourcing = self._sourcing_target(week)  # buyers start where costs point
        week.allocation = allocate(week.use, stock, week.landed, week.approval,
                                   self.policy.weekly_quota_allowance(weeks_left), self.sourcing,
                                   elasticity=self.spec.market.sourcing_elasticity)
        week.shipped = week.allocation.flows
        return week

    def _opening_week(self, week: flows.Week) -> flows.Week:
        """Step 0: the week the start is set on, so it reads like the weeks after it.

        The opening trade (``_opening_trade``), transformed against a copy of the
        opening stock; the physical state itself is left as it opens.
        """
        stock = self.physical.stock + week.produced
        week.exports, week.imports = week.shipped.sum(axis=1), week.shipped.sum(axis=0)
        self.policy.quota_used_t += week.exports  # the opening week is part of its year
        done = flows.transform(stock - week.exports + week.imports, self.physical.content,
                               self.physical.grades(), week.use, week.magnets_planned,
                               self.other_use)
        week.produced[:, NDPR:DYTB + 1] = done.oxide
        week.produced[:, MAGNET] = done.magnets
        week.consumed, week.shortage, week.unmet = done.consumed, done.shortage, done.unmet
        return week

    # -- results ---------------------------------------------------------------
    def timeseries(self) -> pd.DataFrame:
        """The tidy table: step, date, metric, region, partner, product, value."""
        return self.recorder.to_frame()

    def events(self) -> pd.DataFrame:
        return self.news.to_frame()

    def kpis(self) -> dict:
        from sim.kpis import kpis

        return kpis(self)
