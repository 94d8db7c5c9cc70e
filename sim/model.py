"""The Mesa model: wiring and the named phases of one week.

Phases, in order: ``policy`` (timeline events, states), ``mine``, ``plan``
(buyers state what they want at current prices), ``trade`` (arrivals, then
allocation by landed cost within quotas and licences), ``transform``
(refining, magnet making, end use), ``stockpile``, ``clear`` (prices),
``speculate`` (investors, ``sim.finance``), ``invest``, ``measure``. Market
arithmetic lives in ``sim.market`` and ``sim.trade`` as pure functions; agents
decide, the model moves material.
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from agents import MagnetMaker, Manufacturer, Miner, Refiner, State
from sim import flows
from sim.changes import ChangeHandler
from sim.finance import Exchange
from sim.market import PriceRules, parity_prices, price_step
from sim.negotiation import Diplomacy
from sim.policy import PolicyState
from sim.recorder import Recorder
from sim.rng import stream
from sim.scenario import Scenario, load_scenario
from sim.scorecard import Scorecard
from sim.trade import allocate, landed_cost
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

    def __init__(self, scenario: Scenario | str = "baseline_2025", *, seed: int | None = None):
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.spec, self.seed = scenario, seed  # ``scenario`` is Mesa's own
        self.regions = scenario.region_codes
        self.region_index = {code: i for i, code in enumerate(self.regions)}
        self.china = self.region_index.get(scenario.china) if scenario.china else None
        n, p = len(self.regions), len(PRODUCTS)
        market = scenario.market
        self.policy = PolicyState(self.regions)
        self.changes = ChangeHandler(self)
        self.news = self.changes.news
        self.market_rng = stream(seed, "market")
        self.price_rules = PriceRules(market.scarcity_sensitivity, market.cover_sensitivity,
                                      market.expectation_weeks, market.price_smoothing,
                                      market.arbitrage_speed, market.max_weekly_change)
        self.transport = np.array([market.transport_usd_per_kg[q] for q in PRODUCTS])
        self.base_cover = np.array([market.target_cover_weeks[q] for q in PRODUCTS])
        self.prices = np.array([[market.initial_price_usd_per_kg[q].get(code, table["default"])
                                 for q, table in ((q, market.initial_price_usd_per_kg[q])
                                                  for q in PRODUCTS)]
                                for code in self.regions], dtype=float)
        self.expected_prices = self.prices.copy()
        self.output_factor_table = np.ones((n, len(STAGES)))
        self.risk = np.zeros((n, p))
        self.stock = np.zeros((n, p))
        self.stockpile = np.zeros((n, p))
        self.conc_content = np.zeros((n, 2))  # t NdPr, t Dy/Tb inside the concentrate stock
        self.transit = flows.Transit(n, p)
        self._refresh_price_cache()

        self.week = self.last_week = None  # set once the firms and levers exist
        self.states = [State(self, code, spec, i)
                       for i, (code, spec) in enumerate(scenario.regions.items())]
        self.firms: dict[str, list] = {kind: [] for kind in FIRM_KINDS}
        for kind in FIRM_KINDS:
            for name, spec in getattr(scenario, kind).items():
                self.add_firm(kind, name, spec)
        self.manufacturers = [Manufacturer(self, name, spec, self.region_index[spec.region])
                              for name, spec in scenario.manufacturers.items()]
        self.diplomacy = Diplomacy(self)
        self.scorecard = Scorecard(self)
        self.default_grade = self._default_grades()
        self._refresh_grades()
        self.timeline: dict[int, list] = {}
        for name, change in scenario.timeline.items():
            self.timeline.setdefault(step_of_date(scenario.start_date, change.date), []).append(
                (name, change))
        for name, change in scenario.policy.items():
            self.apply_change(change, source="scenario", name=name)
        self.week = self.quiet_week()
        self._initial_inventory()
        self.exchange = Exchange(self)  # listed firms, ETFs, investors, oxide speculation
        self.recorder = Recorder(self.regions, scenario.start_date, labels=self.exchange.labels())
        self._measure()
        self.last_week = self.week

    # -- reading the market (what agents see) -------------------------------
    def price(self, region: int, product: int) -> float:
        return self._price_rows[region][product]

    def sale_price(self, region: int, product: int) -> float:
        """Price a firm in ``region`` gets: the market price or its state's floor."""
        return max(self._price_rows[region][product], self._floor_rows[region][product])

    def feed_grade(self, region: int) -> tuple[float, float]:
        """NdPr and Dy/Tb shares of the concentrate in ``region``'s stock."""
        return self._grade_rows[region]

    def output_factor(self, firm) -> float:
        return self._factor_rows[firm.region][firm.stage_index]

    @property
    def date(self):
        return step_date(self.spec.start_date, self.steps)

    # -- changing the world ---------------------------------------------------
    def apply_change(self, change, source: str = "player", name: str = "") -> None:
        """Apply a lever or world change and log it (the replayable record)."""
        self.changes.apply(change, source=source, name=name)

    def add_firm(self, kind: str, name: str, spec):
        firm = FIRM_KINDS[kind](self, name, spec, self.region_index[spec.region])
        self.firms[kind].append(firm)
        return firm

    def add_capacity(self, firm, t_per_year: float, source: str, lead_years=None) -> None:
        self.changes.add_capacity(firm, t_per_year, source, lead_years)

    def capacity_arrived(self, firm, project) -> None:
        self.changes.capacity_arrived(firm, project)

    # -- the week -------------------------------------------------------------
    def step(self) -> None:
        self._policy_phase()
        self._mine()
        self._plan()
        self._trade()
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
        self.last_week = self.week  # frozen at its measure: what states decide on
        if self.date.year != step_date(self.spec.start_date, self.steps - 1).year:
            self.policy.new_year()
        for name, change in self.timeline.get(self.steps, ()):
            self.apply_change(change, source="timeline", name=name)
        self.diplomacy.week()
        for state in self.states:
            state.decide()  # every change refreshes the cached prices, floors and factors
        self.week = self.quiet_week()

    def _mine(self) -> None:
        week = self.week
        for miner in self.firms["miners"]:
            out = miner.produce()
            week.produced[miner.region, CONC] += out
            self.conc_content[miner.region] += (out * miner.ndpr_share, out * miner.dytb_share)
        self.stock[:, CONC] += week.produced[:, CONC]
        self._refresh_grades()

    def _plan(self) -> None:
        use = self.week.use
        for refiner in self.firms["refiners"]:
            use[refiner.region, CONC] += refiner.plan()
        for maker in self.firms["magnet_makers"]:
            made = maker.plan()
            use[maker.region, NDPR] += made * maker.ndpr_per_t
            use[maker.region, DYTB] += made * maker.dytb_per_t
        for buyer in self.manufacturers:
            use[buyer.region, MAGNET] += buyer.plan()

    def _trade(self) -> None:
        week = self.week
        arrived, content = self.transit.arrive(self.steps)
        week.imports += arrived
        self.stock += arrived
        self.conc_content += content
        release = np.minimum(self.policy.stockpile_release_t_per_year / WEEKS_PER_YEAR,
                             self.stockpile)
        self.stockpile -= release
        self.stock += release
        self._refresh_grades()
        week.stockpile_buy = self._stockpile_buy()
        want = flows.wanted(week.use, self.stock, self.transit.inbound, self.target_cover(),
                            self.spec.market.restock_rate_per_week) + week.stockpile_buy
        wedge = self.policy.cost_wedge()
        landed = landed_cost(self.prices, wedge, self.transport)
        approval = self.policy.route_approval(self.military_share())
        weeks_left = weeks_left_in_year(step_date(self.spec.start_date, self.steps - 1))
        allowance = self.policy.weekly_quota_allowance(weeks_left)
        allocation = allocate(want, self.stock, landed, approval, allowance)
        shipped = allocation.flows
        week.shipped = shipped
        week.exports = shipped.sum(axis=1)
        self.stock -= week.exports
        grades = np.asarray(self._grade_rows)
        shipped_content = shipped[:, :, CONC, np.newaxis] * grades[:, np.newaxis, :]
        self.conc_content -= shipped_content.sum(axis=1)
        self.policy.quota_used_t += week.exports
        delays = np.where(self.policy.licensed, np.ceil(self.policy.delay_days / 7), 0)
        self.transit.ship(self.steps, shipped, shipped_content, delays)
        landed_now, content_now = self.transit.arrive(self.steps)
        week.imports += landed_now
        self.stock += landed_now
        self.conc_content += content_now
        self._refresh_grades()
        week.allocation, week.landed, week.wedge, week.approval = (allocation, landed, wedge,
                                                                   approval)

    def _transform(self) -> None:
        flows.transform(self)

    def _stockpile(self) -> None:
        buy = np.minimum(self.week.stockpile_buy, self.stock)  # what the trade phase sought
        self.stock -= buy
        self.stockpile += buy

    def _clear(self) -> None:
        week, market = self.week, self.spec.market
        self.reference_flow = flows.reference_flow(self, week)
        cover = self.stock / np.maximum(self.reference_flow, 1e-9)
        active = self.reference_flow > 1e-6
        with np.errstate(divide="ignore", invalid="ignore"):
            shortage_share = np.where(week.use > 1e-9, week.shortage / week.use, 0.0)
        alloc = week.allocation
        approved = week.approval > 0
        import_open = approved & (alloc.supply_left > 1e-6)[:, None, :] & (
            alloc.quota_left > 1e-6)[:, None, :]
        export_share = week.approval * (alloc.quota_left > 1e-6)[:, None, :] * (
            alloc.unfilled > 1e-6)[None, :, :]
        imports, exports = parity_prices(self.prices, week.landed, week.wedge, self.transport,
                                         import_open, export_share)
        noise = self.market_rng.normal(0.0, market.price_noise, self.prices.shape)
        self.prices, self.expected_prices = price_step(
            self.prices, self.expected_prices, shortage_share, cover / self.target_cover(),
            active, imports, exports, self.price_rules, noise)
        self.risk = flows.updated_risk(self, shortage_share)
        self._refresh_price_cache()

    def _speculate(self) -> None:
        """Investors trade on this week's prices and news; share prices set firms' capital."""
        self.exchange.step()

    def _invest(self) -> None:
        for kind in FIRM_KINDS:
            for firm in self.firms[kind]:
                firm.consider_expansion()

    def _measure(self) -> None:
        self.scorecard.update()
        self.recorder.record(self.steps, flows.metrics(self), self.policy.licensed)
        self.week.freeze()

    def quiet_week(self) -> flows.Week:
        """A week with nothing made or traded yet, route terms as the levers stand."""
        wedge = self.policy.cost_wedge()
        return flows.Week.quiet(landed_cost(self.prices, wedge, self.transport), wedge,
                                self.policy.route_approval(self.military_share()))

    # -- helpers ---------------------------------------------------------------
    def target_cover(self) -> np.ndarray:
        """Weeks of use buyers want in stock, raised by perceived supply risk."""
        extra = self.spec.demand.precautionary_cover_weeks * self.risk
        return self.base_cover[np.newaxis, :] + extra

    def military_share(self) -> np.ndarray:
        """Military share of use by region, applied to every product (region x product)."""
        total = np.zeros(len(self.regions))
        military = np.zeros(len(self.regions))
        for buyer in self.manufacturers:
            total[buyer.region] += buyer.wanted
            military[buyer.region] += buyer.wanted * buyer.military_share
        share = np.divide(military, total, out=np.zeros_like(total), where=total > 0)
        return np.repeat(share[:, np.newaxis], len(PRODUCTS), axis=1)

    def _stockpile_buy(self) -> np.ndarray:
        room = np.maximum(self.policy.stockpile_target_t - self.stockpile, 0.0)
        return np.minimum(self.policy.stockpile_buy_t_per_year / WEEKS_PER_YEAR, room)

    def _refresh_price_cache(self) -> None:
        self._price_rows = self.prices.tolist()
        self._floor_rows = self.policy.price_floor.tolist()
        self._factor_rows = self.output_factor_table.tolist()

    def _refresh_grades(self) -> None:
        conc = self.stock[:, CONC:CONC + 1]
        grades = np.divide(self.conc_content, conc, out=self.default_grade.copy(),
                           where=conc > 1e-9)
        self._grade_rows = [tuple(row) for row in np.clip(grades, 0.0, 1.0).tolist()]

    def _default_grades(self) -> np.ndarray:
        """Composition of each region's own ore (world average where it mines none)."""
        miners = self.firms["miners"]
        weights = np.zeros((len(self.regions), len(miners)))
        for j, miner in enumerate(miners):
            weights[miner.region, j] = miner.capacity_t_per_week
        shares = np.array([(m.ndpr_share, m.dytb_share) for m in miners])
        world = weights.sum(axis=0) @ shares / max(weights.sum(), 1e-9)
        totals = weights.sum(axis=1, keepdims=True)
        local = np.divide(weights @ shares, totals, out=np.tile(world, (len(self.regions), 1)),
                          where=totals > 0)
        return local

    def _initial_inventory(self) -> None:
        flows.initial_inventory(self)

    # -- results ---------------------------------------------------------------
    def timeseries(self) -> pd.DataFrame:
        """The tidy table: step, date, metric, region, partner, product, value."""
        return self.recorder.to_frame()

    def events(self) -> pd.DataFrame:
        return self.news.to_frame()

    def kpis(self) -> dict:
        from sim.kpis import kpis

        return kpis(self)
