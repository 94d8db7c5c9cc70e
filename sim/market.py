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
"""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import Market

COVER_RATIO_BOUNDS = (0.1, 10.0)


def netback(price: np.ndarray, wedge: np.ndarray, transport: np.ndarray) -> np.ndarray:
    """What an exporter nets per kg sold in each importer's market (exporter x importer x
    product): the importer's price less freight, over the cost wedge."""
    return (price[np.newaxis, :, :] - transport[np.newaxis, np.newaxis, :]) / wedge


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
    exporter x importer x product.
    """
    n = price.shape[0]
    off_diagonal = ~np.eye(n, dtype=bool)[:, :, np.newaxis]
    imports = np.minimum.reduce(np.where(import_open & off_diagonal, landed, np.inf), axis=0)
    back = netback(price, wedge, transport)
    reachable = price[:, np.newaxis, :] + export_share * (back - price[:, np.newaxis, :])
    open_route = (export_share > 0) & off_diagonal
    exports = np.maximum.reduce(np.where(open_route, reachable, 0.0), axis=1)
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
    region-products with any use or throughput (elsewhere only arbitrage acts).
    ``rules`` is the scenario's ``[market]`` section (its sensitivities and speeds).
    """
    log_price = np.log(price)
    ratio = np.minimum(np.maximum(cover_ratio, COVER_RATIO_BOUNDS[0]), COVER_RATIO_BOUNDS[1])
    indicated = (np.log(expected) - rules.cover_sensitivity * np.log(ratio)
                 + rules.scarcity_sensitivity * shortage_share)
    with np.errstate(divide="ignore"):
        # Where nobody uses, makes or stocks the product, quote what importing costs.
        idle = np.where(np.isfinite(import_parity), np.log(import_parity), log_price)
        indicated = np.where(active, indicated, idle)
        down = np.minimum(np.log(import_parity) - indicated, 0.0)
        up = np.maximum(np.log(np.maximum(export_parity, 1e-12)) - indicated, 0.0)
    target = indicated + rules.arbitrage_speed * (down + up)
    move = rules.price_smoothing * (target - log_price) + noise
    cap = rules.max_weekly_change
    move = np.minimum(np.maximum(move, -cap), cap)
    new_price = price * np.exp(move)
    new_expected = expected + (new_price - expected) / rules.expectation_weeks
    return new_price, new_expected


def export_rent(price: np.ndarray, shipped: np.ndarray, wedge: np.ndarray,
                transport: np.ndarray) -> np.ndarray:
    """What exporters gain over selling at home, exporter x product (USD million).

    Per kg shipped: the importer's price net of freight and the cost wedge,
    less the exporter's own price, where positive. ``shipped`` is exporter x
    importer x product (t).
    """
    gain = np.maximum(netback(price, wedge, transport) - price[:, np.newaxis, :], 0.0)
    return (shipped * gain).sum(axis=1) * 1e-3  # t x USD/kg = kUSD; 1e-3 -> USD million
