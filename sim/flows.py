"""The arithmetic of one week's material movements, as plain array functions.

Nothing here reads the model: each function takes arrays (region x product
unless noted, t) and returns arrays; ``sim.model`` applies them to the
physical state (``sim.physical``) in its phases. Together they keep the
material balance: per region and product,
``produced + imports = consumption + exports + change in what is held``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.trade import Allocation
from sim.world import CONC, DYTB, MAGNET, NDPR, WEEKS_PER_YEAR

REFERENCE_FLOW_MEMORY = 0.1  # weekly weight of the newest flow in the cover yardstick
RESIDUE_T = 1e-9  # a shortfall smaller than this (t) is rounding, not a shortage


@dataclass
class Week:
    """What happened this week, region x product unless noted (t).

    A new week starts as a quiet one (nothing made, used or traded) carrying
    the route terms it is given; the phases fill it in, the trade phase with
    this week's route terms. Once measured it is frozen (read-only arrays):
    states decide on last week's frozen record.
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
    magnets_planned: np.ndarray  # region: magnets (t) makers planned to make
    hoarded: np.ndarray  # oxide speculators took off the market (negative: sold back)
    export_rent: np.ndarray  # exporter x product, USD million: foreign netback over home price
    smuggled: np.ndarray  # net undocumented outflow (negative where it lands), sim.smuggling

    @classmethod
    def quiet(cls, landed: np.ndarray, wedge: np.ndarray, approval: np.ndarray) -> Week:
        n, _, p = landed.shape
        z = iter(np.zeros((13, n, p)))  # one allocation, a region x product view each
        routes = np.zeros((2, n, n, p))
        nothing = Allocation(take=routes[0], supply_left=next(z),
                             quota_left=np.full((n, p), np.inf), unfilled=next(z),
                             flows=routes[0], shares=routes[0])
        return cls(next(z), next(z), next(z), next(z), next(z), next(z), next(z), routes[1],
                   nothing, landed, wedge, approval, next(z), np.zeros(n), next(z), next(z),
                   next(z))

    def freeze(self) -> Week:
        """Make every array read-only, so nothing can rewrite a week once measured."""
        for value in (*vars(self).values(), *vars(self.allocation).values()):
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
        return self


def mined(content: np.ndarray, regions: np.ndarray, tonnes: np.ndarray,
          shares: np.ndarray, allowed: np.ndarray | None = None
          ) -> tuple[np.ndarray, np.ndarray]:
    """Concentrate mined by region, and the concentrate content after adding it.

    ``regions``, ``tonnes`` (t REO wanted) and ``shares`` (NdPr, Dy/Tb) are per
    mine, added in mine order. ``allowed`` (t per region, inf: no quota) scales
    every mine of a region down alike so the region mines no more than it allows.
    """
    n = len(content)
    produced, content = np.zeros(n), np.array(content, dtype=float)
    limit = np.full(n, np.inf) if allowed is None else np.asarray(allowed, dtype=float)
    _mined_into(np.ascontiguousarray(regions, dtype=np.int64),
                np.ascontiguousarray(tonnes, dtype=float),
                np.ascontiguousarray(shares, dtype=float), limit, np.empty(len(tonnes)),
                produced, content)
    return produced, content


def feed_grades(mined: np.ndarray, mined_content: np.ndarray, shipped: np.ndarray,
                own_grade: np.ndarray) -> np.ndarray:
    """NdPr and Dy/Tb shares (region x 2) of what flows into each region's concentrate
    stock: its mines' output (``mined`` t, holding ``mined_content`` t NdPr and Dy/Tb)
    and its concentrate imports (``shipped``, exporter x importer, t), each at the
    exporter's own feed grade. A region with no inflow keeps ``own_grade``."""
    inflow = mined + shipped.sum(axis=0)
    grades = np.array(own_grade, dtype=float)
    for _ in range(len(mined)):  # a chain of re-exports is at most this long
        content = mined_content + shipped.T @ grades
        grades = np.divide(content, inflow[:, np.newaxis], out=np.array(own_grade, dtype=float),
                           where=inflow[:, np.newaxis] > RESIDUE_T)
    return grades


def release_and_orders(stockpile: np.ndarray, stock: np.ndarray, release_t_per_year: np.ndarray,
                       buy_t_per_year: np.ndarray, target_t: np.ndarray, use: np.ndarray,
                       inbound: np.ndarray, target_cover: np.ndarray,
                       restock_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """State stockpiles release into ``stock`` (both updated in place), and what is
    then ordered: the stockpiles' purchases (their weekly rate, within the room to
    their target) plus what buyers want, their use and ``restock_rate`` of the gap
    between ``target_cover`` weeks of use and what they hold or have coming."""
    buy, want = np.empty(stock.shape), np.empty(stock.shape)
    _release_and_orders_into(stockpile, stock, release_t_per_year, buy_t_per_year, target_t,
                             use, inbound, target_cover, float(restock_rate), buy, want)
    return buy, want


def ship_out(shipped: np.ndarray, grades: np.ndarray, stock: np.ndarray, content: np.ndarray,
             quota_used: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exports (exporter x product) and the concentrate content they carry (exporter x
    importer x 2) leave ``stock`` and ``content`` and count against ``quota_used``
    (all three updated in place)."""
    n, _, p = shipped.shape
    exports, carried = np.empty((n, p)), np.empty((n, n, 2))
    _ship_out_into(shipped, grades, stock, content, quota_used, exports, carried)
    return exports, carried


@dataclass(frozen=True)
class Transformed:
    """Refining, magnet making and end use of one week, and the stock they leave."""

    stock: np.ndarray
    content: np.ndarray  # region x 2: NdPr and Dy/Tb inside the concentrate stock
    oxide: np.ndarray  # region x 2: NdPr and Dy/Tb oxide separated
    magnets: np.ndarray  # region: magnets made
    consumed: np.ndarray
    shortage: np.ndarray
    unmet: np.ndarray


def transform(stock: np.ndarray, content: np.ndarray, grades: np.ndarray, use: np.ndarray,
              magnets_planned: np.ndarray, other_use: np.ndarray | None = None) -> Transformed:
    """Refining, magnet making and end use, each drawing on regional stock pro rata.

    ``use`` holds refiners' concentrate feed, magnet makers' oxide recipe needs
    and manufacturers' magnet use; ``magnets_planned`` (region) what magnet
    makers planned to make; ``grades`` (region x 2) the concentrate's
    composition.

    Per region: refiners draw their feed from the concentrate stock (all of it
    if short) and separate it into NdPr and Dy/Tb oxide by its grades; magnet
    makers draw both oxides in the recipe's proportions, as far as the scarcer
    allows, and other uses of oxide (``other_use``, region x (NdPr, Dy/Tb), part
    of ``use``) as far as their own oxide allows, both at the same share of
    what they need; manufacturers draw magnets. What a stage could not draw is
    its shortage (shortfalls below ``RESIDUE_T`` count as none).
    """
    n, p = use.shape
    stock, content = np.array(stock, dtype=float), np.array(content, dtype=float)
    oxide, magnets = np.empty((n, 2)), np.empty(n)
    consumed, shortage, unmet = np.zeros((n, p)), np.zeros((n, p)), np.empty((n, p))
    other_use = np.zeros((n, 2)) if other_use is None else other_use
    _transform_into(stock, content, np.ascontiguousarray(grades, dtype=float),
                    np.ascontiguousarray(use, dtype=float),
                    np.ascontiguousarray(magnets_planned, dtype=float),
                    np.ascontiguousarray(other_use, dtype=float),
                    oxide, magnets, consumed, shortage, unmet)
    return Transformed(stock, content, oxide, magnets, consumed, shortage, unmet)


def shortage_share(shortage: np.ndarray, use: np.ndarray) -> np.ndarray:
    """Share of use that went short (0 where nothing was used)."""
    return shortage / np.where(use > 1e-9, use, np.inf)


def reference_flow(previous: np.ndarray, use: np.ndarray, produced: np.ndarray,
                   imports: np.ndarray) -> np.ndarray:
    """Smoothed weekly throughput: the yardstick for inventory cover."""
    now = np.maximum(use, produced + imports)
    return previous + REFERENCE_FLOW_MEMORY * (now - previous)


def updated_risk(risk: np.ndarray, take: np.ndarray, licensed: np.ndarray,
                 approval: np.ndarray, delay_days: np.ndarray, unmet_share: np.ndarray,
                 memory_weeks: float) -> np.ndarray:
    """Perceived supply risk: unmet use plus licensing on the routes buyers rely on.

    ``take``, ``licensed``, ``approval`` and ``delay_days`` are exporter x
    importer x product: what each buyer got from each source, and the terms.
    The week's signal is the unmet share plus, over sources weighted by what
    they supplied, the licensing friction ``(1 - approval) + min(delay / 365,
    0.5)`` of licensed routes, within 0-1; risk moves 1/``memory_weeks`` of
    the way to it.
    """
    risk = np.array(risk, dtype=float)
    _risk_into(risk, np.ascontiguousarray(take, dtype=float),
               np.ascontiguousarray(licensed, dtype=np.bool_),
               np.ascontiguousarray(approval, dtype=float),
               np.ascontiguousarray(delay_days, dtype=float),
               np.ascontiguousarray(unmet_share, dtype=float), float(memory_weeks))
    return risk


def controlled_origin(share: np.ndarray, shipped: np.ndarray, produced: np.ndarray,
                      imports: np.ndarray, conditioned: np.ndarray, controller: int,
                      memory: np.ndarray) -> np.ndarray:
    """Share of each region's supply that carries ``controller``'s re-export conditions.

    This week's supply (``produced`` plus ``imports``) is tagged where it was
    shipped by ``controller`` on a route whose licences carry conditions
    (``conditioned``, exporter x importer x product), and magnets made from
    tagged oxide inherit the larger of the two oxides' shares. The share held
    follows the week's with weight ``memory`` (per product: stock turns over).
    """
    tagged = shipped[controller] * conditioned[controller]
    tagged[:, MAGNET] += produced[:, MAGNET] * np.maximum(share[:, NDPR], share[:, DYTB])
    inflow = produced + imports
    week = np.divide(tagged, inflow, out=share.copy(), where=inflow > RESIDUE_T)
    held = share + memory[np.newaxis, :] * (np.minimum(week, 1.0) - share)
    held[controller] = 0.0
    return held


def reexport_approval(approval: np.ndarray, controlled: np.ndarray,
                      controller: int) -> np.ndarray:
    """Route approval once re-export conditions apply (exporter x destination x product).

    The ``controlled`` share (region x product) of a third country's supply
    leaves for a destination only as far as ``controller`` approves that
    destination itself; home sales and shipments back to the controller are free.
    """
    n = approval.shape[0]
    onward = approval[controller].copy()  # destination x product
    onward[controller] = 1.0
    factor = 1.0 - controlled[:, np.newaxis, :] * (1.0 - onward[np.newaxis, :, :])
    idx = np.arange(n)
    factor[idx, idx, :] = 1.0
    factor[controller] = 1.0
    return approval * factor


# -- compiled kernels ------------------------------------------------------------
# ``transform`` and ``updated_risk`` as loops per region and product, compiled by
# numba: on arrays this small numpy's cost per call, not arithmetic, dominates.
# ``x if x >= 0.0 else 0.0`` is numpy's ``maximum(x, 0)``, signed zeros included.


@njit(cache=True)
def _release_and_orders_into(stockpile, stock, release_rate, buy_rate, target, use, inbound,
                             cover, restock, buy, want):  # pragma: no cover - compiled
    n, p = stock.shape
    for r in range(n):
        for q in range(p):
            out = release_rate[r, q] / WEEKS_PER_YEAR
            out = out if out <= stockpile[r, q] else stockpile[r, q]
            stockpile[r, q] -= out
            stock[r, q] += out
            room = target[r, q] - stockpile[r, q]
            room = room if room >= 0.0 else 0.0
            bought = buy_rate[r, q] / WEEKS_PER_YEAR
            buy[r, q] = bought if bought <= room else room
            gap = cover[r, q] * use[r, q] - stock[r, q] - inbound[r, q]
            gap = gap if gap >= 0.0 else 0.0
            want[r, q] = use[r, q] + restock * gap + buy[r, q]


@njit(cache=True)
def _ship_out_into(shipped, grades, stock, content, quota_used, exports,
                   carried):  # pragma: no cover - compiled
    n, _, p = shipped.shape
    for e in range(n):
        for q in range(p):
            total = 0.0
            for i in range(n):
                total += shipped[e, i, q]
            exports[e, q] = total
            stock[e, q] -= total
            quota_used[e, q] += total
        for k in range(2):
            total = 0.0
            for i in range(n):
                carried[e, i, k] = shipped[e, i, CONC] * grades[e, k]
                total += carried[e, i, k]
            content[e, k] -= total


@njit(cache=True)
def _mined_into(regions, wanted, shares, allowed, mine, produced,
                content):  # pragma: no cover - compiled
    n = produced.size
    asked = np.zeros(n)
    for m in range(regions.size):
        asked[regions[m]] += wanted[m]
    for m in range(regions.size):
        room = allowed[regions[m]] / max(asked[regions[m]], 1e-12)
        mine[m] = wanted[m] * (1.0 if room >= 1.0 else room)
        produced[regions[m]] += mine[m]
        for k in range(2):
            content[regions[m], k] += mine[m] * shares[m, k]


@njit(cache=True)
def _covered(available, wanted):  # pragma: no cover - compiled
    """Share of ``wanted`` that ``available`` covers (1 where nothing is wanted)."""
    if wanted > 1e-12:
        return (available if available <= wanted else wanted) / wanted
    return 1.0


@njit(cache=True)
def _transform_into(stock, content, grades, use, planned, other_use, oxide, magnets,
                    consumed, shortage, unmet):  # pragma: no cover - compiled
    n, p = use.shape
    for r in range(n):
        want = use[r, CONC]
        feed = want * _covered(stock[r, CONC], want)
        stock[r, CONC] -= feed
        for k in range(2):
            left = content[r, k] - feed * grades[r, k]
            content[r, k] = left if left >= 0.0 else 0.0
            oxide[r, k] = feed * grades[r, k]
            stock[r, NDPR + k] += oxide[r, k]
        consumed[r, CONC] = feed
        shortage[r, CONC] = want - feed

        ndpr = _covered(stock[r, NDPR], use[r, NDPR])
        dytb = _covered(stock[r, DYTB], use[r, DYTB])
        share = ndpr if ndpr <= dytb else dytb
        for k in range(2):
            need = use[r, NDPR + k]
            own = ndpr if k == 0 else dytb
            used = (need - other_use[r, k]) * share + other_use[r, k] * own
            stock[r, NDPR + k] -= used
            consumed[r, NDPR + k] = used
            gap = need - stock[r, NDPR + k] - used
            shortage[r, NDPR + k] = gap if gap >= 0.0 else 0.0
        magnets[r] = planned[r] * share
        stock[r, MAGNET] += magnets[r]

        want = use[r, MAGNET]
        share = _covered(stock[r, MAGNET], want)
        consumed[r, MAGNET] = want * share
        shortage[r, MAGNET] = want - want * share
        stock[r, MAGNET] -= want * share
        for q in range(p):
            stock[r, q] = stock[r, q] if stock[r, q] >= 0.0 else 0.0
            gap = use[r, q] - consumed[r, q]
            unmet[r, q] = gap if gap >= RESIDUE_T else 0.0
            if shortage[r, q] < RESIDUE_T:
                shortage[r, q] = 0.0


@njit(cache=True)
def _risk_into(risk, take, licensed, approval, delay_days, unmet_share,
               memory_weeks):  # pragma: no cover - compiled
    n, _, p = take.shape
    for i in range(n):
        for q in range(p):
            total = 0.0
            for e in range(n):
                total += take[e, i, q]
            felt = 0.0
            for e in range(n):
                weight = take[e, i, q] / total if total > 1e-12 else 0.0
                friction = 0.0
                if licensed[e, i, q]:
                    delay = delay_days[e, i, q] / 365
                    friction = (1 - approval[e, i, q]) + (delay if delay <= 0.5 else 0.5)
                felt += weight * friction
            signal = unmet_share[i, q] + felt
            signal = min(max(signal, 0.0), 1.0)
            risk[i, q] = risk[i, q] + (signal - risk[i, q]) / memory_weeks
