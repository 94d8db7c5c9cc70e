"""Trade allocation by landed cost within export quotas and licences.

Pure numpy over (exporter, importer, product) arrays, no model state. Buyers in
each region go through sources from the cheapest landed cost up (their own
market counts as a source at its own price); in each round a source shares its
stock pro rata among the buyers asking it, foreign buyers within the
exporter's quota allowance, and licensing approves only a share of what is
asked for. What a buyer does not get moves on to its next-cheapest source.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Allocation:
    take: np.ndarray  # exporter x importer x product, t; the diagonal stays home
    supply_left: np.ndarray  # exporter x product, t
    quota_left: np.ndarray  # exporter x product, t (inf where no quota)
    unfilled: np.ndarray  # importer x product, t wanted but not obtained

    @property
    def flows(self) -> np.ndarray:
        """Cross-border volumes only (zero diagonal)."""
        out = self.take.copy()
        idx = np.arange(out.shape[0])
        out[idx, idx, :] = 0.0
        return out


def landed_cost(price: np.ndarray, wedge: np.ndarray, transport: np.ndarray) -> np.ndarray:
    """USD/kg for an importer buying from each exporter (exporter x importer x product).

    ``wedge`` multiplies the exporter's price (export duty and import tariff);
    ``transport`` (per product) applies between distinct regions only.
    """
    n = price.shape[0]
    landed = price[:, np.newaxis, :] * wedge + transport[np.newaxis, np.newaxis, :]
    idx = np.arange(n)
    landed[idx, idx, :] = price
    return landed


def allocate(
    want: np.ndarray,
    stock: np.ndarray,
    landed: np.ndarray,
    approval: np.ndarray,
    quota_allowance: np.ndarray,
) -> Allocation:
    """Allocate ``want`` (importer x product) from ``stock`` (exporter x product).

    ``approval`` (exporter x importer x product, 0..1) is the licensed share;
    ``quota_allowance`` (exporter x product) caps cross-border shipments.
    """
    n, p = want.shape
    idx = np.arange(n)
    approval = approval.copy()
    approval[idx, idx, :] = 1.0
    # Closed routes go last: a source that can approve nothing is never first choice.
    ranking = np.where(approval > 0, landed, np.inf)
    order = np.argsort(ranking, axis=0, kind="stable")  # k-th source per importer, product
    importer, product = np.indices((n, p))
    # Per round k, flat over (importer, product) cells: the source's cell in
    # exporter x product arrays, its route in take, its approval, and whether
    # the source is the buyer's own market (no quota applies at home).
    cells = (order * p + product).reshape(n, n * p)
    routes = ((order * n + importer) * p + product).reshape(n, n * p)
    approved = np.take_along_axis(approval, order, axis=0).reshape(n, n * p)
    abroad = (order != importer).reshape(n, n * p).astype(float)
    remaining = np.maximum(want, 0.0).astype(float).ravel()
    supply = np.maximum(stock, 0.0).astype(float).ravel()
    quota = quota_allowance.astype(float).ravel()
    take = np.zeros(n * n * p)
    bins = n * p

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for k in range(n):
            if remaining.max() <= 1e-9:
                break
            cell, away = cells[k], abroad[k]
            asked = remaining * approved[k]
            foreign = np.bincount(cell, weights=asked * away, minlength=bins)
            quota_scale = np.fmin(quota / foreign, 1.0)  # 1 where nothing binds (0/0 too)
            asked = np.where(away > 0, asked * quota_scale[cell], asked)
            total = np.bincount(cell, weights=asked, minlength=bins)
            supply_scale = np.fmin(supply / total, 1.0)
            got = asked * supply_scale[cell]
            take[routes[k]] += got
            remaining = np.maximum(remaining - got, 0.0)
            supply = np.maximum(supply - np.bincount(cell, weights=got, minlength=bins), 0.0)
            quota = np.maximum(
                quota - np.bincount(cell, weights=got * away, minlength=bins), 0.0)
    return Allocation(take=take.reshape(n, n, p), supply_left=supply.reshape(n, p),
                      quota_left=quota.reshape(n, p), unfilled=remaining.reshape(n, p))
