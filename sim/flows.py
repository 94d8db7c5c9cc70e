"""Material movements of one week: transit, buyers' wants, transformation, metrics.

Everything here keeps the material balance: per region and product,
``produced + imports = consumption + exports + change in (inventory + stockpile)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.trade import Allocation
from sim.world import CONC, DYTB, MAGNET, NDPR, WEEKS_PER_YEAR

if TYPE_CHECKING:
    from sim.model import StandoffModel

REFERENCE_FLOW_MEMORY = 0.1  # weekly weight of the newest flow in the cover yardstick


@dataclass
class Week:
    """What happened this week, region x product unless noted (t).

    A new week starts as a quiet one (nothing made, used or traded) with the
    route terms as the levers stand; the phases fill it in. Once measured it
    is frozen (read-only arrays): states decide on last week's frozen record.
    """

    produced: np.ndarray
    use: np.ndarray
    consumed: np.ndarray
    unmet: np.ndarray
    shortage: np.ndarray  # material missing when it was needed (drives prices)
    imports: np.ndarray
    exports: np.ndarray
    shipped: np.ndarray  # exporter x importer x product
    allocation: Allocation
    landed: np.ndarray  # exporter x importer x product, USD/kg
    wedge: np.ndarray  # exporter x importer x product, multiplier
    approval: np.ndarray  # exporter x importer x product, share approved
    stockpile_buy: np.ndarray  # what state stockpiles buy this week

    @classmethod
    def quiet(cls, landed: np.ndarray, wedge: np.ndarray, approval: np.ndarray) -> Week:
        n, _, p = landed.shape
        z = lambda: np.zeros((n, p))  # noqa: E731
        nothing = Allocation(take=np.zeros((n, n, p)), supply_left=z(),
                             quota_left=np.full((n, p), np.inf), unfilled=z())
        return cls(z(), z(), z(), z(), z(), z(), z(), np.zeros((n, n, p)), nothing, landed,
                   wedge, approval, z())

    def freeze(self) -> Week:
        """Make every array read-only, so nothing can rewrite a week once measured."""
        for value in (*vars(self).values(), *vars(self.allocation).values()):
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
        return self


class Transit:
    """Shipments held by licensing delays, keyed by the step they arrive."""

    def __init__(self, n: int, p: int):
        self.n, self.p = n, p
        self.pending: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.inbound = np.zeros((n, p))

    def ship(self, now: int, shipped: np.ndarray, content: np.ndarray, delays: np.ndarray):
        """``shipped`` exporter x importer x product; ``content`` exporter x importer x 2."""
        for delay in np.unique(delays[shipped > 0]):
            mask = delays == delay
            arrivals = np.where(mask, shipped, 0.0).sum(axis=0)
            carried = np.where(mask[:, :, CONC, np.newaxis], content, 0.0).sum(axis=0)
            due = now + int(delay)
            before, before_content = self.pending.get(due, (0.0, 0.0))
            self.pending[due] = (before + arrivals, before_content + carried)
            self.inbound += arrivals

    def arrive(self, now: int) -> tuple[np.ndarray, np.ndarray]:
        arrivals, content = self.pending.pop(now, (np.zeros((self.n, self.p)),
                                                    np.zeros((self.n, 2))))
        self.inbound = np.maximum(self.inbound - arrivals, 0.0)
        return arrivals, content


def wanted(use, stock, inbound, target_cover, restock_rate) -> np.ndarray:
    """This week's purchases wanted: use plus a share of the gap to target stock."""
    target = target_cover * use
    return use + restock_rate * np.maximum(target - stock - inbound, 0.0)


def transform(model: StandoffModel) -> None:
    """Refining, magnet making and end use, each drawing on regional stock pro rata."""
    week, stock = model.week, model.stock

    # Refining: concentrate -> NdPr and Dy/Tb oxide by the feed's composition.
    want = week.use[:, CONC]
    share = _share(stock[:, CONC], want)
    feed = want * share
    grades = np.asarray(model._grade_rows)
    stock[:, CONC] -= feed
    model.conc_content -= feed[:, np.newaxis] * grades
    model.conc_content = np.maximum(model.conc_content, 0.0)
    oxide = feed[:, np.newaxis] * grades
    stock[:, NDPR:DYTB + 1] += oxide
    week.produced[:, NDPR:DYTB + 1] += oxide
    week.consumed[:, CONC] = feed
    week.shortage[:, CONC] = want - feed

    # Magnet making: both oxides in the recipe's proportions.
    made_wanted = np.zeros(len(model.regions))
    need = np.zeros((len(model.regions), 2))
    for maker in model.firms["magnet_makers"]:
        made_wanted[maker.region] += maker.wanted
        need[maker.region] += (maker.wanted * maker.ndpr_per_t, maker.wanted * maker.dytb_per_t)
    share = np.minimum(_share(stock[:, NDPR], need[:, 0]), _share(stock[:, DYTB], need[:, 1]))
    used = need * share[:, np.newaxis]
    stock[:, NDPR:DYTB + 1] -= used
    week.consumed[:, NDPR:DYTB + 1] = used
    week.shortage[:, NDPR:DYTB + 1] = np.maximum(need - stock[:, NDPR:DYTB + 1] - used, 0.0)
    made = made_wanted * share
    stock[:, MAGNET] += made
    week.produced[:, MAGNET] += made

    # End use of magnets by manufacturers.
    want = week.use[:, MAGNET]
    share = _share(stock[:, MAGNET], want)
    week.consumed[:, MAGNET] = want * share
    week.shortage[:, MAGNET] = want - want * share
    stock[:, MAGNET] -= want * share
    np.maximum(stock, 0.0, out=stock)
    week.unmet = np.maximum(week.use - week.consumed, 0.0)


def _share(available: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Share of ``wanted`` that ``available`` covers (1 where nothing is wanted)."""
    return np.divide(np.minimum(available, wanted), wanted, out=np.ones_like(wanted),
                     where=wanted > 1e-12)


def reference_flow(model: StandoffModel, week: Week) -> np.ndarray:
    """Smoothed weekly throughput: the yardstick for inventory cover."""
    now = np.maximum(week.use, week.produced + week.imports)
    return model.reference_flow + REFERENCE_FLOW_MEMORY * (now - model.reference_flow)


def updated_risk(model: StandoffModel, unmet_share: np.ndarray) -> np.ndarray:
    """Perceived supply risk: unmet use plus licensing on the routes buyers rely on."""
    week, policy = model.week, model.policy
    take = week.allocation.take
    total = take.sum(axis=0)
    weights = np.divide(take, total[np.newaxis], out=np.zeros_like(take),
                        where=total[np.newaxis] > 1e-12)
    friction = policy.licensed * ((1 - week.approval) + np.minimum(policy.delay_days / 365, 0.5))
    signal = np.clip(unmet_share + (weights * friction).sum(axis=0), 0.0, 1.0)
    memory = model.spec.demand.risk_memory_weeks
    return model.risk + (signal - model.risk) / memory


def initial_inventory(model: StandoffModel) -> None:
    """Start every market at its target cover, with firms at their planned utilisation."""
    for kind in model.firms.values():
        for firm in kind:
            firm.update_margin()
            firm.utilisation = firm.target_utilisation()
            firm.margin_memory = firm.margin
    model._plan()
    production = np.zeros_like(model.stock)
    for miner in model.firms["miners"]:
        production[miner.region, CONC] += miner.capacity_t_per_week * miner.utilisation
    flow = np.maximum(model.week.use, production)
    cover = model.spec.market.initial_cover_weeks
    cover = model.base_cover[np.newaxis, :] if cover is None else cover
    model.stock = cover * flow
    model.conc_content = model.stock[:, CONC:CONC + 1] * model.default_grade
    model.reference_flow = flow
    model._refresh_grades()
    model.week = model.quiet_week()


def capacity_by_stage(model: StandoffModel) -> np.ndarray:
    """Installed capacity, region x stage (t/yr)."""
    table = np.zeros((len(model.regions), 3))
    for column, kind in enumerate(("miners", "refiners", "magnet_makers")):
        for firm in model.firms[kind]:
            table[firm.region, column] += firm.capacity_t_per_week * WEEKS_PER_YEAR
    return table


def metrics(model: StandoffModel) -> dict[str, np.ndarray]:
    """This week's values of every metric in ``sim.recorder.METRICS``."""
    week, policy = model.week, model.policy
    approval = week.approval  # as traded this week; at the start, as the levers stand
    capacity = capacity_by_stage(model)
    return {
        "price": model.prices,
        "production": week.produced[:, CONC],
        "refining_output": week.produced[:, NDPR:DYTB + 1],
        "magnet_output": week.produced[:, MAGNET],
        "demand": week.use,
        "unmet_demand": week.unmet,
        "consumption": week.consumed,
        "inventory": model.stock,
        "stockpile": model.stockpile,
        "imports": week.imports,
        "exports": week.exports,
        "capacity": capacity,
        "trade_flow": week.shipped,
        "export_quota": policy.quota_t_per_year,
        "export_duty": policy.export_duty_pct,
        "tariff": policy.tariff_pct,
        "license_approval_rate": np.where(policy.licensed, approval * 100, 100.0),
        "license_delay_days": np.where(policy.licensed, policy.delay_days, 0.0),
        "supply_risk": model.risk,
        "military_approval_rate": np.where(policy.licensed, policy.military_approval * 100,
                                           100.0),
        "investment_committed": model.diplomacy.committed,
        "capacity_outside_china": _outside_china(model, capacity),
        "trust": model.diplomacy.trust,
        "deals_in_force": model.diplomacy.deals_in_force(),
        "scorecard": model.scorecard.scores,
        **model.exchange.metrics(),
    }


def _outside_china(model: StandoffModel, capacity: np.ndarray) -> np.ndarray:
    if model.china is None:
        return capacity.sum(axis=0)
    return capacity.sum(axis=0) - capacity[model.china]
