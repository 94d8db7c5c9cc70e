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
from numba import njit


@dataclass(frozen=True)
class Allocation:
    take: np.ndarray  # exporter x importer x product, t; the diagonal stays home
    supply_left: np.ndarray  # exporter x product, t
    quota_left: np.ndarray  # exporter x product, t (inf where no quota)
    unfilled: np.ndarray  # importer x product, t wanted but not obtained
    flows: np.ndarray  # ``take`` across borders only (zero diagonal)
    # each source's share of what each importer obtained (0 where it got nothing)
    shares: np.ndarray


def landed_cost(price: np.ndarray, wedge: np.ndarray, transport: np.ndarray) -> np.ndarray:
    """USD/kg for an importer buying from each exporter (exporter x importer x product).

    ``wedge`` multiplies the exporter's price (export duty and import tariff);
    ``transport`` (per product) applies between distinct regions only.
    """
    landed = np.empty(np.shape(wedge))
    _landed_into(np.ascontiguousarray(price, dtype=float), np.ascontiguousarray(wedge, dtype=float),
                 np.ascontiguousarray(transport, dtype=float), landed)
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
    shares = np.empty(landed.shape)
    _target_into(np.ascontiguousarray(landed, dtype=float),
                 np.ascontiguousarray(depth, dtype=float),
                 np.ascontiguousarray(approval, dtype=float), float(elasticity), shares)
    return shares


def adjusted_shares(shares: np.ndarray, target: np.ndarray, rate: float) -> np.ndarray:
    """Standing shares moved a share ``rate`` (0-1) of the way to ``target`` this week."""
    return shares + rate * (target - shares)


def shares_towards_target(shares: np.ndarray, landed: np.ndarray, depth: np.ndarray,
                          approval: np.ndarray, elasticity: float, rate: float) -> np.ndarray:
    """``adjusted_shares`` towards this week's ``sourcing_target``, in one pass; a
    region's own market counts as open whatever ``approval`` says of it."""
    out = np.empty(landed.shape)
    _shares_into(np.ascontiguousarray(shares, dtype=float),
                 np.ascontiguousarray(landed, dtype=float),
                 np.ascontiguousarray(depth, dtype=float),
                 np.ascontiguousarray(approval, dtype=float), float(elasticity), float(rate),
                 out)
    return out


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
    take, flows, obtained = np.zeros((n, n, p)), np.empty((n, n, p)), np.empty((n, n, p))
    remaining, supply, quota = np.empty((n, p)), np.empty((n, p)), np.empty((n, p))
    contracted = shares is not None
    _allocate_into(np.ascontiguousarray(want, dtype=float),
                   np.ascontiguousarray(stock, dtype=float),
                   np.ascontiguousarray(quota_allowance, dtype=float),
                   np.ascontiguousarray(landed, dtype=float),
                   np.ascontiguousarray(approval, dtype=float),
                   np.ascontiguousarray(shares if contracted else take, dtype=float),
                   contracted, float(elasticity), remaining, supply, quota, take, flows,
                   obtained)
    return Allocation(take=take, supply_left=supply, quota_left=quota, unfilled=remaining,
                      flows=flows, shares=obtained)


# -- compiled kernels ------------------------------------------------------------
# The rules above, as loops over (exporter, importer, product) compiled by numba:
# the arrays are small (a few regions x four products), so numpy's cost per call,
# not arithmetic, would dominate. Sums run over the exporter (or importer) index
# in order, as numpy reduces an outer axis, so results match the array form.


@njit(cache=True)
def _landed_into(price, wedge, transport, landed):  # pragma: no cover - compiled
    n, _, p = wedge.shape
    for e in range(n):
        for i in range(n):
            for q in range(p):
                landed[e, i, q] = price[e, q] if e == i else price[e, q] * wedge[e, i, q] + \
                    transport[q]


@njit(cache=True)
def _target_into(landed, depth, approval, elasticity, out):  # pragma: no cover - compiled
    """``sourcing_target`` into ``out``."""
    n, _, p = landed.shape
    for i in range(n):
        for q in range(p):
            cheapest = np.inf
            for e in range(n):
                if approval[e, i, q] > 0 and landed[e, i, q] < cheapest:
                    cheapest = landed[e, i, q]
            total = 0.0
            for e in range(n):
                pull = 0.0
                if approval[e, i, q] > 0:
                    pull = depth[e, q] * approval[e, i, q] * (
                        landed[e, i, q] / cheapest) ** -elasticity
                    if not pull > 0:  # empty source, or nan where nothing is open
                        pull = 0.0
                out[e, i, q] = pull
                total += pull
            for e in range(n):
                out[e, i, q] = out[e, i, q] / total if total > 0 else 0.0
            if not total > 0:
                out[i, i, q] = 1.0


@njit(cache=True)
def _shares_into(shares, landed, depth, approval, elasticity, rate,
                 out):  # pragma: no cover - compiled
    """``shares_towards_target``: the target into ``out``, then the move towards it."""
    open_home = approval.copy()
    for r in range(open_home.shape[0]):
        open_home[r, r, :] = 1.0
    _target_into(landed, depth, open_home, elasticity, out)
    n, _, p = shares.shape
    for e in range(n):
        for i in range(n):
            for q in range(p):
                out[e, i, q] = shares[e, i, q] + rate * (out[e, i, q] - shares[e, i, q])


@njit(cache=True)
def _placed_into(want, supply, quota, approval, shares, got):  # pragma: no cover - compiled
    """Orders placed by ``shares``, within quota (foreign) and stock (all), pro rata."""
    n, _, p = shares.shape
    for e in range(n):
        for q in range(p):
            foreign = 0.0
            for i in range(n):
                got[e, i, q] = want[i, q] * shares[e, i, q] * approval[e, i, q]
                if i != e:
                    foreign += got[e, i, q]
            quota_scale = min(quota[e, q] / foreign, 1.0) if foreign > 0 else 1.0
            asked = 0.0
            for i in range(n):
                if i != e:
                    got[e, i, q] = got[e, i, q] * quota_scale
                asked += got[e, i, q]
            supply_scale = min(supply[e, q] / asked, 1.0) if asked > 0 else 1.0
            for i in range(n):
                got[e, i, q] = got[e, i, q] * supply_scale


@njit(cache=True)
def _allocate_into(want, stock, quota_allowance, landed, approval, standing, contracted,
                   elasticity, remaining, supply, quota, take, flows,
                   obtained_shares):  # pragma: no cover - compiled
    """``allocate``: fills ``remaining``, ``supply``, ``quota``, ``take``, ``flows`` and
    ``obtained_shares``."""
    n, _, p = landed.shape
    for r in range(n):
        for q in range(p):
            remaining[r, q] = want[r, q] if want[r, q] >= 0.0 else 0.0
            supply[r, q] = stock[r, q] if stock[r, q] >= 0.0 else 0.0
            quota[r, q] = quota_allowance[r, q]
    got = np.empty((n, n, p))
    shares = standing.copy()  # the standing shares, then each spot round's
    open_now = approval.copy()  # routes a spot round may still use
    for r in range(n):
        open_now[r, r, :] = 1.0  # a region's own market is always open to it
    spot_approval = open_now.copy()  # licence requests not yet refused this week
    for _ in range(n + 1):  # each spot round empties a source or fills every order
        spot = not contracted
        if spot:
            if remaining.max() <= 1e-9:
                break
            for e in range(n):
                for q in range(p):
                    used_up = quota[e, q] <= 1e-9
                    for i in range(n):
                        open_now[e, i, q] = 0.0 if used_up and i != e else spot_approval[e, i, q]
            _target_into(landed, supply, open_now, elasticity, shares)
        _placed_into(remaining, supply, quota, open_now, shares, got)
        obtained_total = 0.0
        for e in range(n):
            for i in range(n):
                for q in range(p):
                    # A licence request refused this week is not filed again later.
                    if shares[e, i, q] > 0 and remaining[i, q] > 0 and spot_approval[e, i, q] < 1.0:
                        spot_approval[e, i, q] = 0.0
                    take[e, i, q] += got[e, i, q]
        for i in range(n):
            for q in range(p):
                obtained = 0.0
                for e in range(n):
                    obtained += got[e, i, q]
                obtained_total += obtained
                left = remaining[i, q] - obtained
                remaining[i, q] = left if left > 0.0 else 0.0
        for e in range(n):
            for q in range(p):
                sold, abroad = 0.0, 0.0
                for i in range(n):
                    sold += got[e, i, q]
                    if i != e:
                        abroad += got[e, i, q]
                left = supply[e, q] - sold
                supply[e, q] = left if left > 0.0 else 0.0
                left = quota[e, q] - abroad
                quota[e, q] = left if left > 0.0 else 0.0
        if spot and obtained_total <= 1e-9:
            break  # the spot market has nothing more to give this week
        contracted = False
    for e in range(n):
        for i in range(n):
            for q in range(p):
                flows[e, i, q] = 0.0 if e == i else take[e, i, q]
    for i in range(n):
        for q in range(p):
            total = 0.0
            for e in range(n):
                total += take[e, i, q]
            for e in range(n):
                obtained_shares[e, i, q] = take[e, i, q] / total if total > 1e-12 else 0.0
