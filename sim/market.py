"""Price formation: pure, vectorised over region x product arrays.

A stock-flow commodity price (as in Sterman, *Business Dynamics*, ch. 20):
traders hold an expected price ``E`` that adapts to the market over
``expectation_weeks``; the price they indicate is ``E`` scaled by inventory
cover against its target, ``(cover / target) ** -cover_sensitivity``, and
raised by unmet demand, ``exp(scarcity_sensitivity * shortage share)``.
Arbitrage then pulls the indicated price towards import parity (cheapest open
landed cost) from above and export parity (best open netback) from below.
Only routes open at the margin pull: a quota that is used up, or a licence that
refuses civil requests, holds the blocked volume at home, so the exporter's
domestic price clears on its own supply and demand while prices abroad rise by
what the restriction withholds. That is how a Chinese export quota or licensing
splits China's domestic price from the world's; the gap times what is shipped
is the rent of whoever holds the export licence (``export_rent``). The price
moves a share ``price_smoothing`` of the way each week, within
``max_weekly_change``.

What ``E`` learns is asymmetric in stocks, as the theory of storage has it
(Working; Deaton and Laroque): stocks above target can be carried into later
weeks, so an overhang depresses the spot price without lowering what traders
expect the market to pay once it is worked off; ``E`` follows the price with
the overhang's discount taken out, all but ``overhang_learning`` of it. Cover
below target cannot be carried forward, so a shortfall's premium feeds ``E`` in
full and a lasting cut in supply still compounds into a spike. With full
learning (``overhang_learning = 1``) ``E`` chases every discount: an integral
controller on inventory that, against producers' and thrifting lags, drives
multi-year glut-and-spike cycles in a world with no shocks (docs/model.md).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.scenario.schema import Market
from sim.trade import Allocation

COVER_RATIO_BOUNDS = (0.1, 10.0)


def netback(price: np.ndarray, wedge: np.ndarray, transport: np.ndarray) -> np.ndarray:
    """What an exporter nets per kg sold in each importer's market (exporter x importer x
    product): the importer's price less freight, over the cost wedge."""
    return (price[np.newaxis, :, :] - transport[np.newaxis, np.newaxis, :]) / wedge


def open_at_the_margin(approval: np.ndarray, licensed: np.ndarray, civil_approval: np.ndarray,
                       allocation: Allocation) -> tuple[np.ndarray, np.ndarray]:
    """Routes along which arbitrage runs this week (exporter x importer x product).

    Arbitrage runs only where a buyer could get one more tonne: not on routes
    whose licence refuses civil requests, nor past a used-up quota. Import
    parity reads routes whose exporter still has stock (``import_open``, bool);
    export parity routes whose importer still wants more (``export_share``, 0 or 1).
    """
    import_open = np.empty(approval.shape, dtype=np.bool_)
    export_share = np.empty(approval.shape)
    _open_into(np.ascontiguousarray(approval, dtype=float), licensed, civil_approval,
               allocation.quota_left, allocation.supply_left, allocation.unfilled, import_open,
               export_share)
    return import_open, export_share


def parity_prices(
    price: np.ndarray,
    landed: np.ndarray,
    wedge: np.ndarray,
    transport: np.ndarray,
    import_open: np.ndarray,
    export_share: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Import parity (cheapest open landed cost) and export parity (best open netback).

    Returns two region x product arrays; import parity is +inf and export
    parity 0 where no route is open. ``import_open`` (bool) and ``export_share``
    (0-1, the share of exports a route lets through, e.g. licence approval) are
    exporter x importer x product. A route's export parity is the exporter's
    price plus ``export_share`` of the way to the route's ``netback``.
    """
    imports, exports = np.empty(price.shape), np.empty(price.shape)
    _parity_into(_floats(price), _floats(landed), _floats(wedge), _floats(transport),
                 np.ascontiguousarray(import_open, dtype=np.bool_), _floats(export_share),
                 imports, exports)
    return imports, exports


def price_step(
    price: np.ndarray,
    expected: np.ndarray,
    shortage_share: np.ndarray,
    cover_ratio: np.ndarray,
    active: np.ndarray,
    import_parity: np.ndarray,
    export_parity: np.ndarray,
    rules: Market,
    noise: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Next week's prices and expected prices (USD/kg).

    ``cover_ratio`` is inventory cover over its target; ``active`` marks
    region-products with any use or throughput (elsewhere only arbitrage acts,
    from the import parity, or the price holds where nothing can be imported).
    ``rules`` is the scenario's ``[market]`` section (its sensitivities and speeds).

    In logs: indicated = log E - cover_sensitivity x log(cover ratio, within
    ``COVER_RATIO_BOUNDS``) + scarcity_sensitivity x shortage share; target =
    indicated + arbitrage_speed x (min(log import parity - indicated, 0) +
    max(log export parity - indicated, 0)); the log price moves
    ``price_smoothing`` of the way to the target, plus noise, within
    ``max_weekly_change``; E moves 1/``expectation_weeks`` of the way to the price
    with ``1 - overhang_learning`` of an overhang's discount taken out: the price
    times max(cover ratio, 1) ** (cover_sensitivity x (1 - overhang_learning)).
    """
    new_price, new_expected = np.empty(price.shape), np.empty(price.shape)
    _price_step_into(
        _floats(price), _floats(expected), _floats(shortage_share), _floats(cover_ratio),
        np.ascontiguousarray(active, dtype=np.bool_), _floats(import_parity),
        _floats(export_parity), _floats(noise), COVER_RATIO_BOUNDS[0], COVER_RATIO_BOUNDS[1],
        rules.cover_sensitivity, rules.scarcity_sensitivity, rules.arbitrage_speed,
        rules.price_smoothing, rules.max_weekly_change, rules.expectation_weeks,
        rules.overhang_learning, new_price, new_expected)
    return new_price, new_expected


def export_rent(price: np.ndarray, shipped: np.ndarray, wedge: np.ndarray,
                transport: np.ndarray) -> np.ndarray:
    """What exporters gain over selling at home, exporter x product (USD million).

    Per kg shipped: the importer's price net of freight and the cost wedge,
    less the exporter's own price, where positive. ``shipped`` is exporter x
    importer x product (t).
    """
    rent = np.empty(price.shape)
    _export_rent_into(_floats(price), _floats(shipped), _floats(wedge), _floats(transport),
                      rent)
    return rent


def export_gain(price: np.ndarray, wedge: np.ndarray, transport: np.ndarray) -> np.ndarray:
    """What a kg shipped earns over selling it at home, exporter x importer x product
    (USD/kg, at least 0): the rule of ``export_rent`` per kg, before tonnes."""
    gain = np.empty(np.shape(wedge))
    _export_gain_into(_floats(price), _floats(wedge), _floats(transport), gain)
    return gain


def quota_claims(want: np.ndarray, sourcing: np.ndarray, price: np.ndarray,
                 wedge: np.ndarray, transport: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What a combined quota is shared by: foreign orders and their rent per tonne.

    ``want`` (importer x product, t) placed by ``sourcing`` (exporter x importer x
    product shares) gives each exporter's foreign orders (exporter x product, t);
    their mean ``export_gain``, weighted by the orders, is what a tonne of quota
    earns its holder shipped as that product (USD/kg; 0 with no orders).
    """
    abroad = ~np.eye(len(want), dtype=bool)[:, :, np.newaxis]
    ordered = want[np.newaxis, :, :] * sourcing * abroad
    orders = ordered.sum(axis=1)
    rent = (ordered * export_gain(price, wedge, transport)).sum(axis=1) / np.maximum(
        orders, 1e-12)
    return orders, rent


def _floats(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array, dtype=float)


# -- compiled kernels ------------------------------------------------------------
# The rules above as loops over (region, product), compiled by numba: on arrays of a
# few regions x four products numpy's cost per call, not arithmetic, dominates.


@njit(cache=True)
def _open_into(approval, licensed, civil_approval, quota_left, supply_left, unfilled,
               import_open, export_share):  # pragma: no cover - compiled
    n, _, p = approval.shape
    for e in range(n):
        for i in range(n):
            for q in range(p):
                marginal = approval[e, i, q] > 0 and not (licensed[e, i, q]
                                                          and civil_approval[e, i, q] < 1.0)
                open_quota = marginal and quota_left[e, q] > 1e-6
                import_open[e, i, q] = open_quota and supply_left[e, q] > 1e-6
                export_share[e, i, q] = 1.0 if open_quota and unfilled[i, q] > 1e-6 else 0.0


@njit(cache=True)
def _parity_into(price, landed, wedge, transport, import_open, export_share,
                 imports, exports):  # pragma: no cover - compiled
    n, p = price.shape
    for i in range(n):
        for q in range(p):
            cheapest = np.inf
            for e in range(n):
                if e != i and import_open[e, i, q] and landed[e, i, q] < cheapest:
                    cheapest = landed[e, i, q]
            imports[i, q] = cheapest
    for e in range(n):
        for q in range(p):
            best = 0.0
            for i in range(n):
                share = export_share[e, i, q]
                if e != i and share > 0:
                    back = _netback(price, wedge, transport, e, i, q)
                    reachable = price[e, q] + share * (back - price[e, q])
                    best = reachable if reachable > best else best
            exports[e, q] = best


@njit(cache=True)
def _price_step_into(price, expected, shortage_share, cover_ratio, active, import_parity,
                     export_parity, noise, low_ratio, high_ratio, cover_sensitivity,
                     scarcity_sensitivity, arbitrage_speed, smoothing, cap, expectation_weeks,
                     overhang_learning, new_price, new_expected):  # pragma: no cover - compiled
    n, p = price.shape
    for r in range(n):
        for q in range(p):
            log_price = np.log(price[r, q])
            ratio = min(max(cover_ratio[r, q], low_ratio), high_ratio)
            parity = import_parity[r, q]
            if active[r, q]:
                indicated = (np.log(expected[r, q]) - cover_sensitivity * np.log(ratio)
                             + scarcity_sensitivity * shortage_share[r, q])
            elif np.isfinite(parity):  # nobody uses, makes or stocks it: quote importing
                indicated = np.log(parity)
            else:
                indicated = log_price
            down = min(np.log(parity) - indicated, 0.0) if parity > 0 else -np.inf
            up = max(np.log(max(export_parity[r, q], 1e-12)) - indicated, 0.0)
            target = indicated + arbitrage_speed * (down + up)
            move = smoothing * (target - log_price) + noise[r, q]
            move = min(max(move, -cap), cap)
            new_price[r, q] = price[r, q] * np.exp(move)
            seen = new_price[r, q]  # what traders learn from: the price, overhang taken out
            if active[r, q] and ratio > 1.0:
                seen *= ratio ** (cover_sensitivity * (1.0 - overhang_learning))
            new_expected[r, q] = expected[r, q] + (seen - expected[r, q]) / expectation_weeks


@njit(cache=True)
def _netback(price, wedge, transport, e, i, q):  # pragma: no cover - compiled
    """What a kg exporter ``e`` ships to ``i`` fetches it: ``i``'s price less freight,
    net of the cost wedge (duties, tariffs)."""
    return (price[i, q] - transport[q]) / wedge[e, i, q]


@njit(cache=True)
def _gain(price, wedge, transport, e, i, q):  # pragma: no cover - compiled
    """The netback over the exporter's own price, where positive (USD/kg)."""
    gain = _netback(price, wedge, transport, e, i, q) - price[e, q]
    return gain if gain > 0.0 else 0.0


@njit(cache=True)
def _export_gain_into(price, wedge, transport, gain):  # pragma: no cover - compiled
    n, p = price.shape
    for e in range(n):
        for i in range(n):
            for q in range(p):
                gain[e, i, q] = _gain(price, wedge, transport, e, i, q)


@njit(cache=True)
def _export_rent_into(price, shipped, wedge, transport, rent):  # pragma: no cover - compiled
    n, p = price.shape
    for e in range(n):
        for q in range(p):
            total = 0.0
            for i in range(n):
                total += shipped[e, i, q] * _gain(price, wedge, transport, e, i, q)
            rent[e, q] = total * 1e-3  # t x USD/kg = kUSD; 1e-3 -> USD million
