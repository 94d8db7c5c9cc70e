"""Trade allocation by landed cost within export quotas and licences.

Pure numpy over (exporter, importer, product) arrays, no model state.

Buyers in each region keep **standing sourcing shares**: the share of their
purchases they place with each source (their own market counts as a source at
its own price). The shares drift each week towards a gravity (Armington) rule,
``sourcing_target``: a source's pull is its depth (stock on offer) times the
licensed share of requests times its relative landed cost to the power
``-elasticity``. Orders placed by these shares are filled first (foreign
orders within the exporter's quota allowance, all orders pro rata within the
source's stock, licensed routes only for the approved share); what they leave
unfilled goes to the **spot** market, which places it by the same rule over
the sources that still hold stock and quota, round by round. So trade shifts
over weeks and months as costs move, not wholesale in one week, and every
tonne shipped was in stock.
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

    def shares(self) -> np.ndarray:
        """Each source's share of what each importer obtained (0 where it got nothing)."""
        total = self.take.sum(axis=0)
        return np.divide(self.take, total, out=np.zeros_like(self.take), where=total > 1e-12)


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


def with_home_open(approval: np.ndarray) -> np.ndarray:
    """``approval`` with every region's own market fully open (a copy)."""
    approval = approval.copy()
    idx = np.arange(approval.shape[0])
    approval[idx, idx, :] = 1.0
    return approval


def sourcing_target(landed: np.ndarray, depth: np.ndarray, approval: np.ndarray,
                    elasticity: float) -> np.ndarray:
    """Shares buyers aim to place with each source (exporter x importer x product).

    Source e's pull on importer i for product q is
    ``depth[e, q] * approval[e, i, q] * (landed[e, i, q] / cheapest) ** -elasticity``,
    ``cheapest`` being i's cheapest open landed cost; shares are pulls over
    their sum. Where no open source holds anything, a buyer keeps to its own
    market. ``approval`` must have the diagonal open (``with_home_open``).
    """
    n = landed.shape[0]
    cost = np.where(approval > 0, landed, np.inf)
    cheapest = cost.min(axis=0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pull = depth[:, np.newaxis, :] * approval * (cost / cheapest) ** -elasticity
    pull[~(pull > 0)] = 0.0  # closed routes, empty sources (and nan from no open route)
    total = pull.sum(axis=0)
    shares = np.divide(pull, total, out=np.zeros_like(pull), where=total > 0)
    nowhere = total <= 0
    if nowhere.any():
        idx = np.arange(n)
        shares[idx, idx, :] = np.where(nowhere, 1.0, shares[idx, idx, :])
    return shares


def adjusted_shares(shares: np.ndarray, target: np.ndarray, rate: float) -> np.ndarray:
    """Standing shares moved a share ``rate`` (0-1) of the way to ``target`` this week."""
    return shares + rate * (target - shares)


def allocate(
    want: np.ndarray,
    stock: np.ndarray,
    landed: np.ndarray,
    approval: np.ndarray,
    quota_allowance: np.ndarray,
    shares: np.ndarray | None = None,
    *,
    elasticity: float,
) -> Allocation:
    """Allocate ``want`` (importer x product) from ``stock`` (exporter x product).

    ``approval`` (exporter x importer x product, 0..1) is the licensed share;
    ``quota_allowance`` (exporter x product) caps cross-border shipments;
    ``shares`` (exporter x importer x product, summing to 1 over exporters)
    are the buyers' standing sourcing shares, filled first; ``None`` sends
    everything to the spot market, which places what is still wanted by the
    ``sourcing_target`` rule over the sources with stock and quota left.
    """
    n, p = want.shape
    approval = with_home_open(approval)
    abroad = ~np.eye(n, dtype=bool)[:, :, np.newaxis]
    remaining = np.maximum(want, 0.0).astype(float)
    supply = np.maximum(stock, 0.0).astype(float)
    quota = quota_allowance.astype(float)
    take = np.zeros((n, n, p))
    spot_approval = approval
    for _ in range(n + 1):  # each spot round empties a source or fills every order
        spot = shares is None
        if spot:
            if remaining.max() <= 1e-9:
                break
            approval = np.where(abroad & (quota <= 1e-9)[:, np.newaxis, :], 0.0, spot_approval)
            shares = sourcing_target(landed, supply, approval, elasticity)
        got = _placed(remaining, supply, quota, approval, shares, abroad)
        # A licence request refused this week is not filed again in a later round.
        asked = (shares > 0) & (remaining > 0)[np.newaxis, :, :]
        spot_approval = np.where(asked & (spot_approval < 1.0), 0.0, spot_approval)
        take += got
        obtained = got.sum(axis=0)
        remaining = np.maximum(remaining - obtained, 0.0)
        supply = np.maximum(supply - got.sum(axis=1), 0.0)
        quota = np.maximum(quota - np.where(abroad, got, 0.0).sum(axis=1), 0.0)
        if spot and obtained.sum() <= 1e-9:
            break  # the spot market has nothing more to give this week
        shares = None
    return Allocation(take=take, supply_left=supply, quota_left=quota, unfilled=remaining)


def _placed(want, supply, quota, approval, shares, abroad) -> np.ndarray:
    """Orders placed by ``shares``, within quota (foreign) and stock (all), pro rata."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        asked = want[np.newaxis, :, :] * shares * approval
        foreign = np.where(abroad, asked, 0.0).sum(axis=1)
        quota_scale = np.fmin(quota / foreign, 1.0)  # 1 where nothing binds (0/0 too)
        asked = np.where(abroad, asked * quota_scale[:, np.newaxis, :], asked)
        supply_scale = np.fmin(supply / asked.sum(axis=1), 1.0)
    return asked * supply_scale[:, np.newaxis, :]
