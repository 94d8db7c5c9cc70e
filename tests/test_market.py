"""Price formation against simple analytic cases."""

import numpy as np
import pytest

from sim.market import parity_prices, price_step
from sim.scenario.schema import Market


def market_rules(**rules) -> Market:
    """A validated ``[market]`` section with the given price rules."""
    products = ("concentrate", "ndpr_oxide", "dytb_oxide", "magnet")
    return Market(initial_price_usd_per_kg={p: {"default": 50.0} for p in products},
                  transport_usd_per_kg=dict.fromkeys(products, 0.5), **rules)


RULES = market_rules(scarcity_sensitivity=0.5, cover_sensitivity=0.6, expectation_weeks=26,
                     price_smoothing=1.0, arbitrage_speed=0.0, max_weekly_change=1.0)


def _step(price, cover_ratio, shortage=0.0, rules=RULES, imports=np.inf, exports=0.0):
    p = np.array([[price]])
    new, expected = price_step(p, p.copy(), np.array([[shortage]]), np.array([[cover_ratio]]),
                               np.array([[True]]), np.array([[imports]]),
                               np.array([[exports]]), rules, np.zeros((1, 1)))
    return new[0, 0], expected[0, 0]


def test_price_holds_at_target_cover():
    assert _step(50.0, 1.0)[0] == pytest.approx(50.0)


def test_price_follows_the_cover_elasticity():
    # Half the target cover: price rises by 2 ** 0.6 with full smoothing.
    assert _step(50.0, 0.5)[0] == pytest.approx(50.0 * 2 ** 0.6)
    assert _step(50.0, 2.0)[0] == pytest.approx(50.0 * 2 ** -0.6)


def test_unmet_demand_raises_price():
    assert _step(50.0, 1.0, shortage=0.2)[0] == pytest.approx(50.0 * np.exp(0.1))


def test_expected_price_adapts_slowly():
    new, expected = _step(50.0, 0.5)
    assert expected == pytest.approx(50.0 + (new - 50.0) / 26)


def test_an_overhang_lowers_the_price_not_the_expected_price():
    carried = RULES.model_copy(update={"overhang_learning": 0.0})
    new, expected = _step(50.0, 2.0, rules=carried)
    assert new == pytest.approx(50.0 * 2 ** -0.6)
    assert expected == pytest.approx(50.0)  # the discount is taken out of what E learns
    partly = RULES.model_copy(update={"overhang_learning": 0.25})
    new, expected = _step(50.0, 2.0, rules=partly)
    seen = new * 2 ** (0.6 * 0.75)  # a quarter of the discount is learned
    assert expected == pytest.approx(50.0 + (seen - 50.0) / 26)
    chasing = RULES.model_copy(update={"overhang_learning": 1.0})
    new, expected = _step(50.0, 2.0, rules=chasing)
    assert expected == pytest.approx(50.0 + (new - 50.0) / 26)


def test_weekly_change_is_capped():
    capped = RULES.model_copy(update={"max_weekly_change": 0.1})
    assert _step(50.0, 0.1, rules=capped)[0] == pytest.approx(50.0 * np.exp(0.1))


def test_arbitrage_pulls_down_to_import_parity_and_up_to_export_parity():
    rules = RULES.model_copy(update={"arbitrage_speed": 1.0})
    assert _step(50.0, 1.0, rules=rules, imports=40.0)[0] == pytest.approx(40.0)
    assert _step(50.0, 1.0, rules=rules, exports=70.0)[0] == pytest.approx(70.0)
    # Parity inside the band: no pull.
    assert _step(50.0, 1.0, rules=rules, imports=60.0, exports=45.0)[0] == pytest.approx(50.0)


def test_parity_uses_only_open_routes():
    price = np.array([[10.0], [30.0]])
    wedge = np.ones((2, 2, 1))
    transport = np.array([1.0])
    landed = price[:, None, :] * wedge + transport
    open_routes = np.ones((2, 2, 1), dtype=bool)
    imports, exports = parity_prices(price, landed, wedge, transport, open_routes, open_routes)
    assert imports[1, 0] == pytest.approx(11.0)
    assert exports[0, 0] == pytest.approx(29.0)
    closed = np.zeros((2, 2, 1), dtype=bool)
    imports, exports = parity_prices(price, landed, wedge, transport, closed, closed)
    assert np.isinf(imports).all()
    assert (exports == 0).all()


def test_a_half_open_route_pulls_the_exporter_half_way():
    price = np.array([[10.0], [30.0]])
    wedge = np.ones((2, 2, 1))
    transport = np.array([0.0])
    landed = price[:, None, :] * wedge + transport
    share = np.zeros((2, 2, 1))
    share[0, 1, 0] = 0.5
    _, exports = parity_prices(price, landed, wedge, transport,
                               np.zeros((2, 2, 1), dtype=bool), share)
    assert exports[0, 0] == pytest.approx(20.0)
