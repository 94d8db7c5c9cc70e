"""Mutable policy state: every lever a state can pull, as region x product arrays.

The scenario is immutable; this object is what timeline events, AI states and
players change during a run. All changes come in as validated lever records
(``sim.scenario.levers``) through ``apply``; the model logs each one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.scenario import levers as lv
from sim.world import PRODUCTS, STAGES


@dataclass(frozen=True)
class LeversInUse:
    mining_quota: bool
    combined_quota: bool
    reexport_conditions: bool


class PolicyState:
    """Levers indexed by region codes and products. Units as in ``sim.world``."""

    def __init__(self, regions: list[str]):
        self.regions = list(regions)
        self.index = {code: i for i, code in enumerate(self.regions)}
        n, p = len(self.regions), len(PRODUCTS)
        self.quota_t_per_year = np.full((n, p), np.inf)  # exporter x product
        self.quota_used_t = np.zeros((n, p))  # this calendar year
        # One tonnage across a set of products (exporter), and what it covers.
        self.combined_quota_t_per_year = np.full(n, np.inf)
        self.combined_products = np.zeros((n, p), dtype=bool)
        self.mining_quota_t_per_year = np.full(n, np.inf)  # t REO mined by a state's miners
        self.mined_t = np.zeros(n)  # this calendar year
        self.mining_quota_follows_demand = np.zeros(n, dtype=bool)
        self.export_duty_pct = np.zeros((n, p))  # exporter x product
        self.tariff_pct = np.zeros((n, n, p))  # importer x exporter x product
        self.licensed = np.zeros((n, n, p), dtype=bool)  # exporter x destination x product
        self.civil_approval = np.ones((n, n, p))  # share 0..1
        self.military_approval = np.ones((n, n, p))
        self.delay_days = np.zeros((n, n, p))
        self.reexport_controlled = np.zeros((n, n, p), dtype=bool)
        self.price_floor = np.zeros((n, p))  # USD/kg for the state's own firms
        self.subsidy = np.zeros((n, len(STAGES)))  # USD/kg by stage
        self.stockpile_target_t = np.zeros((n, p))
        self.stockpile_buy_t_per_year = np.zeros((n, p))
        self.stockpile_release_t_per_year = np.zeros((n, p))
        self._derived: dict[str, object] = {}  # built from the levers; emptied by a change

    # -- selection helpers -------------------------------------------------
    def _regions(self, codes: list[str] | str) -> list[int]:
        return list(range(len(self.regions))) if codes == "all" else [self.index[c] for c in codes]

    @staticmethod
    def _products(products: list[str] | str) -> list[int]:
        names = PRODUCTS if products == "all" else products
        return [PRODUCTS.index(name) for name in names]

    # -- the one entry point -------------------------------------------------
    def apply(self, change: lv.LeverBase) -> bool:
        """Apply a policy change; return False if it is not a policy lever."""
        handler = getattr(self, f"_apply_{change.type}", None)
        if handler is None:
            return False
        handler(change)
        self._derived.clear()
        return True

    def _apply_export_quota(self, c: lv.ExportQuota) -> None:
        value = np.inf if c.tonnes_per_year == "none" else float(c.tonnes_per_year)
        exporter = self.index[c.exporter]
        if c.combined:
            self.combined_quota_t_per_year[exporter] = value
            self.combined_products[exporter] = False
            self.combined_products[exporter, self._products(c.products)] = np.isfinite(value)
        else:
            self.quota_t_per_year[exporter, self._products(c.products)] = value

    def _apply_mining_quota(self, c: lv.MiningQuota) -> None:
        value = np.inf if c.tonnes_per_year == "none" else float(c.tonnes_per_year)
        self.mining_quota_t_per_year[self.index[c.state]] = value
        self.mining_quota_follows_demand[self.index[c.state]] = c.raise_with_demand

    def _apply_export_duty(self, c: lv.ExportDuty) -> None:
        self.export_duty_pct[self.index[c.exporter], self._products(c.products)] = c.percent

    def _apply_tariff(self, c: lv.Tariff) -> None:
        imp = self.index[c.importer]
        exporters = [e for e in self._regions(c.exporters) if e != imp]
        sel = np.ix_([imp], exporters, self._products(c.products))
        self.tariff_pct[sel] = c.percent

    def _apply_licensing(self, c: lv.Licensing) -> None:
        exp = self.index[c.exporter]
        dests = [d for d in self._regions(c.destinations) if d != exp]
        sel = np.ix_([exp], dests, self._products(c.products))
        self.licensed[sel] = c.controlled
        self.civil_approval[sel] = c.civil_approval_percent / 100 if c.controlled else 1.0
        self.military_approval[sel] = c.military_approval_percent / 100 if c.controlled else 1.0
        self.delay_days[sel] = c.delay_days if c.controlled else 0.0
        self.reexport_controlled[sel] = c.controlled and c.reexport_controlled

    def _apply_price_floor(self, c: lv.PriceFloor) -> None:
        self.price_floor[self.index[c.state], PRODUCTS.index(c.product)] = c.usd_per_kg

    def _apply_subsidy(self, c: lv.Subsidy) -> None:
        self.subsidy[self.index[c.state], STAGES.index(c.stage)] = c.usd_per_kg

    def _apply_stockpile(self, c: lv.Stockpile) -> None:
        at = self.index[c.state], PRODUCTS.index(c.product)
        self.stockpile_target_t[at] = c.target_t
        self.stockpile_buy_t_per_year[at] = c.buy_t_per_year
        self.stockpile_release_t_per_year[at] = c.release_t_per_year

    # -- derived quantities used by the market -------------------------------
    def new_year(self) -> None:
        """Quotas are annual: usage restarts on 1 January."""
        self.quota_used_t[:] = 0.0
        self.mined_t[:] = 0.0

    def weekly_quota_allowance(self, weeks_left: float,
                               foreign_orders: np.ndarray | None = None,
                               rent_per_t: np.ndarray | None = None) -> np.ndarray:
        """Exports each exporter may ship this week (t), pacing the rest of the year.

        A combined quota's weekly tonnage goes to its products by what foreign
        buyers order (``foreign_orders``, exporter x product, t), the largest rent
        first (``rent_per_t``, exporter x product: what a tonne fetches abroad, net of
        freight and duties, over its price at home): a tonne of quota is worth most
        to its holder shipped as the product that gains most over a sale at home,
        so those orders are filled first and the product that gains least gets
        what is left. Tonnage beyond all orders is shared in proportion to them
        (equally with no orders given).
        """
        remaining = np.maximum(self.quota_t_per_year - self.quota_used_t, 0.0)
        allowance = np.where(np.isinf(remaining), np.inf, remaining / weeks_left)
        if not self.in_use().combined_quota:
            return allowance
        used = (self.quota_used_t * self.combined_products).sum(axis=1)
        pooled = np.maximum(self.combined_quota_t_per_year - used, 0.0) / weeks_left
        covered = self.combined_products
        orders = covered * (1.0 if foreign_orders is None else foreign_orders + 1e-9)
        cap = pooled_shares(pooled, orders, orders if rent_per_t is None else rent_per_t)
        with np.errstate(invalid="ignore"):  # inf x 0 where no combined quota: not used
            cap = np.where(covered, cap, np.inf)
        return np.minimum(allowance, cap)

    def weekly_mining_allowance(self, weeks_left: float) -> np.ndarray:
        """Concentrate each state's miners may mine this week (t REO), pacing the year."""
        remaining = np.maximum(self.mining_quota_t_per_year - self.mined_t, 0.0)
        return np.where(np.isinf(remaining), np.inf, remaining / weeks_left)

    def route_approval(self, military_share: np.ndarray) -> np.ndarray:
        """Share of requested volume approved, exporter x destination x product.

        ``military_share`` (by destination, the same for every product) weights the
        civil and military approval rates by the destination's end use.
        """
        approval = np.empty(self.civil_approval.shape)
        _approval_into(self.civil_approval, self.military_approval,
                       np.ascontiguousarray(military_share, dtype=float), approval)
        return approval

    def _derive(self, name: str, build: Callable[[], object]):
        """``build()``, kept until the next lever change (its arrays read-only)."""
        if name not in self._derived:
            self._derived[name] = build()
        return self._derived[name]

    def in_use(self) -> LeversInUse:
        """Which of the rarely used levers are set at all."""
        return self._derive("in_use", lambda: LeversInUse(
            mining_quota=bool(np.isfinite(self.mining_quota_t_per_year).any()),
            combined_quota=bool(self.combined_products.any()),
            reexport_conditions=bool(self.reexport_controlled.any())))

    def shipping_delays(self) -> tuple[np.ndarray, np.ndarray]:
        """Weeks a shipment waits for its licence (exporter x destination x product,
        read-only), and the distinct values it takes, in order."""
        return self._derive("delays", self._shipping_delays)

    def _shipping_delays(self) -> tuple[np.ndarray, np.ndarray]:
        delays = np.where(self.licensed, np.ceil(self.delay_days / 7), 0.0)
        delays.flags.writeable = False
        return delays, np.unique(delays)

    def cost_wedge(self) -> np.ndarray:
        """Multiplier on the exporter's price, exporter x importer x product (read-only)."""
        return self._derive("wedge", self._cost_wedge)

    def _cost_wedge(self) -> np.ndarray:
        tariff = np.transpose(self.tariff_pct, (1, 0, 2))  # exporter x importer x product
        wedge = (1 + self.export_duty_pct[:, np.newaxis, :] / 100) * (1 + tariff / 100)
        wedge.flags.writeable = False
        return wedge


@njit(cache=True)
def _approval_into(civil, military, military_share, approval):  # pragma: no cover - compiled
    n, _, p = civil.shape
    for e in range(n):
        for d in range(n):
            for q in range(p):
                mil = military_share[d]
                approval[e, d, q] = civil[e, d, q] * (1 - mil) + military[e, d, q] * mil


def pooled_shares(pooled: np.ndarray, orders: np.ndarray, rank_by: np.ndarray
                  ) -> np.ndarray:
    """One pooled tonnage per exporter (``pooled``) shared among products (exporter x
    product): orders are filled in descending ``rank_by`` while the pool lasts
    (products ranked alike share what reaches them in proportion to their orders),
    and what is left after every order is shared in proportion to the orders."""
    above = rank_by[:, np.newaxis, :] > rank_by[:, :, np.newaxis]  # [e, j, k]: k before j
    alike = rank_by[:, np.newaxis, :] == rank_by[:, :, np.newaxis]
    ahead = (orders[:, np.newaxis, :] * above).sum(axis=2)  # ordered before each product
    level = (orders[:, np.newaxis, :] * alike).sum(axis=2)  # ordered at its rank
    reaching = np.clip(pooled[:, np.newaxis] - ahead, 0.0, level)
    cap = np.where(level > 0, orders * reaching / np.maximum(level, 1e-300), 0.0)
    total = orders.sum(axis=1, keepdims=True)
    spare = np.maximum(pooled[:, np.newaxis] - total, 0.0)
    share = orders / np.maximum(total, 1e-300)
    with np.errstate(invalid="ignore"):
        return cap + np.where(share > 0, spare * share, 0.0)
