"""Trade allocation: standing sourcing shares first, then the spot market."""

import numpy as np
import pytest

from sim.trade import (
    adjusted_shares,
    allocate,
    landed_cost,
    shares_towards_target,
    sourcing_target,
    with_home_open,
)

SPOT = 60.0  # a spot market this sensitive to cost buys from the cheapest source


def _one_product(want, stock, landed, approval=None, quota=None):
    n = len(want)
    approval = np.ones((n, n, 1)) if approval is None else approval
    quota = np.full((n, 1), np.inf) if quota is None else quota
    return allocate(np.array(want, float)[:, None], np.array(stock, float)[:, None],
                    np.array(landed, float)[:, :, None], approval, quota,
                    elasticity=SPOT)


def test_a_cost_sensitive_spot_market_buys_from_the_cheapest_source():
    # Region 2 wants 10; region 0 sells at 5 landed, region 1 at 7.
    landed = [[1, 1, 5], [1, 1, 7], [9, 9, 6]]
    result = _one_product(want=[0, 0, 10], stock=[100, 100, 0], landed=landed)
    assert result.take[0, 2, 0] == pytest.approx(10, abs=1e-6)
    assert result.take[1, 2, 0] == pytest.approx(0, abs=1e-6)


def test_the_spot_market_splits_by_depth_and_cost():
    # At elasticity 4 the same buyer splits 100 x 5^-4 : 100 x 7^-4 between the two.
    landed = np.array([[1, 1, 5], [1, 1, 7], [9, 9, 6]], float)[:, :, None]
    result = allocate(np.array([[0.0], [0.0], [10.0]]), np.array([[100.0], [100.0], [0.0]]),
                      landed, np.ones((3, 3, 1)), np.full((3, 1), np.inf), elasticity=4.0)
    share_0 = 5.0 ** -4 / (5.0 ** -4 + 7.0 ** -4)
    assert result.take[0, 2, 0] == pytest.approx(10 * share_0)
    assert result.take[1, 2, 0] == pytest.approx(10 * (1 - share_0))


def test_short_source_shares_pro_rata_and_rest_moves_on():
    # Both importers find source 0 cheapest; its 10 t are split 5/5, the rest comes
    # from each importer's next source (region 1 at home, region 2 from region 1).
    landed = [[1, 2, 2], [9, 3, 3], [9, 9, 9]]
    result = _one_product(want=[0, 10, 10], stock=[10, 100, 0], landed=landed)
    assert result.take[0, 1, 0] == pytest.approx(5)
    assert result.take[0, 2, 0] == pytest.approx(5)
    assert result.take[1, 1, 0] == pytest.approx(5)
    assert result.take[1, 2, 0] == pytest.approx(5)
    assert result.unfilled.sum() == pytest.approx(0)


def test_export_quota_caps_cross_border_volume_not_home_sales():
    landed = [[1, 2], [9, 5]]
    quota = np.array([[3.0], [np.inf]])
    result = _one_product(want=[4, 10], stock=[100, 100], landed=landed, quota=quota)
    assert result.take[0, 1, 0] == pytest.approx(3)  # quota binds
    assert result.take[0, 0, 0] == pytest.approx(4)  # home buyers unaffected
    assert result.take[1, 1, 0] == pytest.approx(7)  # the rest from the dearer home source
    assert result.quota_left[0, 0] == pytest.approx(0)


def test_licensing_approves_only_a_share():
    landed = [[1, 2], [9, 5]]
    approval = np.ones((2, 2, 1))
    approval[0, 1, 0] = 0.25
    result = _one_product(want=[0, 8], stock=[100, 0], landed=landed, approval=approval)
    assert result.take[0, 1, 0] == pytest.approx(2)
    assert result.unfilled[1, 0] == pytest.approx(6)


def test_closed_route_sends_buyers_elsewhere():
    landed = [[1, 2, 9], [9, 1, 3], [9, 9, 1]]
    approval = np.ones((3, 3, 1))
    approval[0, 1, 0] = 0.0
    result = _one_product(want=[0, 5, 0], stock=[100, 0, 100], landed=landed, approval=approval)
    assert result.take[0, 1, 0] == 0
    assert result.take[2, 1, 0] == pytest.approx(5)


def test_allocation_never_exceeds_stock_or_want():
    rng = np.random.default_rng(3)
    for _ in range(50):
        n, p = 5, 3
        want = rng.uniform(0, 10, (n, p))
        stock = rng.uniform(0, 10, (n, p))
        landed = rng.uniform(1, 10, (n, n, p))
        approval = rng.uniform(0, 1, (n, n, p))
        quota = np.where(rng.random((n, p)) < 0.5, np.inf, rng.uniform(0, 5, (n, p)))
        result = allocate(want, stock, landed, approval, quota, elasticity=4.0)
        assert np.all(result.take >= -1e-12)
        assert np.all(result.take.sum(axis=1) <= stock + 1e-9)
        assert np.all(result.take.sum(axis=0) <= want + 1e-9)
        assert np.all(result.flows.sum(axis=1) <= np.where(np.isinf(quota), np.inf, quota) + 1e-9)


def test_landed_cost_adds_wedge_and_transport_off_the_diagonal():
    price = np.array([[10.0], [20.0]])
    wedge = np.array([[[1.0], [1.5]], [[1.0], [1.0]]])
    landed = landed_cost(price, wedge, np.array([2.0]))
    assert landed[0, 1, 0] == pytest.approx(10 * 1.5 + 2)
    assert landed[1, 0, 0] == pytest.approx(22)
    assert landed[0, 0, 0] == pytest.approx(10)


# -- standing sourcing shares ------------------------------------------------------
def _route_array(rows):
    return np.array(rows, float)[:, :, None]


def test_sourcing_target_weights_depth_by_relative_cost():
    # Importer 2 can buy from 0 (landed 10) or 1 (landed 11); 0 holds 3x the stock.
    landed = _route_array([[1, 1, 10], [1, 1, 11], [1, 1, 1]])
    depth = np.array([[300.0], [100.0], [0.0]])
    target = sourcing_target(landed, depth, np.ones((3, 3, 1)), elasticity=4.0)
    pull_0, pull_1 = 300.0, 100.0 * 1.1 ** -4
    assert target[0, 2, 0] == pytest.approx(pull_0 / (pull_0 + pull_1))
    assert target[1, 2, 0] == pytest.approx(pull_1 / (pull_0 + pull_1))
    assert target[2, 2, 0] == 0.0  # nothing in its own market
    assert target.sum(axis=0) == pytest.approx(np.ones((3, 1)))


def test_sourcing_target_zero_elasticity_is_market_share_and_high_is_cheapest():
    landed = _route_array([[1, 5], [1, 6]])
    depth = np.array([[10.0], [30.0]])
    flat = sourcing_target(landed, depth, np.ones((2, 2, 1)), elasticity=0.0)
    assert flat[:, 1, 0] == pytest.approx([0.25, 0.75])
    sharp = sourcing_target(landed, depth, np.ones((2, 2, 1)), elasticity=30.0)
    assert sharp[0, 1, 0] == pytest.approx(10 / (10 + 30 * 1.2 ** -30))  # nearly all


def test_sourcing_target_weights_licensed_routes_by_approval_and_skips_closed_ones():
    landed = _route_array([[1, 1, 10], [1, 1, 10], [1, 1, 10]])
    depth = np.array([[100.0], [100.0], [0.0]])
    approval = np.ones((3, 3, 1))
    approval[0, 2, 0] = 0.5
    target = sourcing_target(landed, depth, approval, elasticity=4.0)
    assert target[0, 2, 0] == pytest.approx(0.5 / 1.5)
    approval[0, 2, 0] = 0.0
    closed = sourcing_target(landed, depth, approval, elasticity=4.0)
    assert closed[0, 2, 0] == 0.0 and closed[1, 2, 0] == pytest.approx(1.0)


def test_buyers_with_no_open_source_in_stock_keep_to_their_own_market():
    target = sourcing_target(_route_array([[1, 2], [2, 1]]), np.zeros((2, 1)),
                             np.ones((2, 2, 1)), elasticity=4.0)
    assert target[:, :, 0] == pytest.approx(np.eye(2))


def test_standing_shares_move_a_set_share_of_the_way_each_week():
    shares = np.array([[[1.0]], [[0.0]]]).reshape(2, 1, 1)
    target = np.array([0.0, 1.0]).reshape(2, 1, 1)
    moved = adjusted_shares(shares, target, rate=0.25)
    assert moved[:, 0, 0] == pytest.approx([0.75, 0.25])


def test_orders_follow_standing_shares_and_a_short_source_sends_the_rest_to_spot():
    # Importer 2 splits 50/50 between sources 0 and 1; source 0 holds only 2 t.
    landed = _route_array([[1, 1, 5], [1, 1, 7], [9, 9, 9]])
    shares = np.zeros((3, 3, 1))
    shares[0, 2, 0] = shares[1, 2, 0] = 0.5
    shares[0, 0, 0] = shares[1, 1, 0] = 1.0
    result = allocate(np.array([[0.0], [0.0], [10.0]]), np.array([[2.0], [100.0], [0.0]]),
                      landed, np.ones((3, 3, 1)), np.full((3, 1), np.inf), shares, elasticity=SPOT)
    assert result.take[0, 2, 0] == pytest.approx(2)  # all source 0 had
    assert result.take[1, 2, 0] == pytest.approx(8)  # its 5 by contract, 3 on spot
    assert result.unfilled.sum() == pytest.approx(0)


def test_a_refused_licence_request_is_not_filed_again_on_the_spot_market():
    landed = _route_array([[1, 2], [9, 5]])
    approval = np.ones((2, 2, 1))
    approval[0, 1, 0] = 0.25
    shares = np.zeros((2, 2, 1))
    shares[0, 1, 0] = 1.0
    shares[0, 0, 0] = 1.0
    result = allocate(np.array([[0.0], [8.0]]), np.array([[100.0], [0.0]]), landed,
                      approval, np.full((2, 1), np.inf), shares, elasticity=SPOT)
    assert result.take[0, 1, 0] == pytest.approx(2)  # 25% of the 8 t asked
    assert result.unfilled[1, 0] == pytest.approx(6)


def test_contracted_orders_respect_the_quota_and_leave_home_sales_alone():
    landed = _route_array([[1, 2], [9, 5]])
    shares = np.zeros((2, 2, 1))
    shares[0, 1, 0] = shares[0, 0, 0] = 1.0
    result = allocate(np.array([[4.0], [10.0]]), np.array([[100.0], [100.0]]), landed,
                      np.ones((2, 2, 1)), np.array([[3.0], [np.inf]]), shares,
                      elasticity=SPOT)
    assert result.take[0, 1, 0] == pytest.approx(3)
    assert result.take[0, 0, 0] == pytest.approx(4)
    assert result.take[1, 1, 0] == pytest.approx(7)


def test_allocation_with_shares_never_exceeds_stock_want_or_quota():
    rng = np.random.default_rng(5)
    for _ in range(50):
        n, p = 5, 3
        want = rng.uniform(0, 10, (n, p))
        stock = rng.uniform(0, 10, (n, p))
        landed = rng.uniform(1, 10, (n, n, p))
        approval = np.where(rng.random((n, n, p)) < 0.2, 0.0, rng.uniform(0, 1, (n, n, p)))
        quota = np.where(rng.random((n, p)) < 0.5, np.inf, rng.uniform(0, 5, (n, p)))
        shares = sourcing_target(landed, stock, with_home_open(approval), 4.0)
        result = allocate(want, stock, landed, approval, quota, shares, elasticity=4.0)
        assert np.all(result.take >= -1e-12)
        assert np.all(result.take.sum(axis=1) <= stock + 1e-9)
        assert np.all(result.take.sum(axis=0) + result.unfilled == pytest.approx(want))
        assert np.all(result.flows.sum(axis=1) <= np.where(np.isinf(quota), np.inf, quota) + 1e-9)
        assert np.all(result.flows <= want[None, :, :] * with_home_open(approval) + 1e-9)


def test_shares_move_towards_the_target_in_one_pass_as_in_two_steps():
    rng = np.random.default_rng(3)
    landed = rng.uniform(1, 3, (4, 4, 2))
    stock = rng.uniform(0, 5, (4, 2))
    approval = rng.choice([0.0, 0.4, 1.0], (4, 4, 2))
    shares = sourcing_target(rng.uniform(1, 3, (4, 4, 2)), stock, np.ones((4, 4, 2)), 4.0)
    two_steps = adjusted_shares(
        shares, sourcing_target(landed, stock, with_home_open(approval), 4.0), 0.25)
    one_pass = shares_towards_target(shares, landed, stock, approval, 4.0, 0.25)
    np.testing.assert_array_equal(one_pass, two_steps)


def test_obtained_shares_are_each_source_share_of_what_a_buyer_got():
    landed = np.array([[1, 1, 5], [1, 1, 7], [9, 9, 6]], float)[:, :, None]
    result = allocate(np.array([[0.0], [0.0], [10.0]]), np.array([[100.0], [100.0], [0.0]]),
                      landed, np.ones((3, 3, 1)), np.full((3, 1), np.inf), elasticity=4.0)
    got = result.take.sum(axis=0)
    np.testing.assert_allclose(result.shares[:, 2, 0], result.take[:, 2, 0] / got[2, 0])
    assert result.shares[:, :2].sum() == 0.0  # regions 0 and 1 wanted and got nothing


# -- a combined quota: one tonnage shared among products ------------------------------
def test_a_tight_combined_quota_fills_the_orders_of_largest_rent_first():
    from sim.policy import pooled_shares

    orders = np.array([[80.0, 50.0, 10.0]])  # concentrate, NdPr, Dy/Tb (t this week)
    value = np.array([[5.0, 30.0, 200.0]])  # what a tonne of each earns over a sale at home
    cap = pooled_shares(np.array([100.0]), orders, value)
    assert cap == pytest.approx(np.array([[40.0, 50.0, 10.0]]))  # concentrate gets the rest
    tighter = pooled_shares(np.array([30.0]), orders, value)
    assert tighter == pytest.approx(np.array([[0.0, 20.0, 10.0]]))


def test_products_of_equal_rent_share_the_quota_that_reaches_them_by_their_orders():
    """With no product gaining more than another (all 0: none pays better abroad than at
    home), none is served first: the pool goes in proportion to the orders."""
    from sim.policy import pooled_shares

    orders = np.array([[80.0, 40.0, 40.0]])
    cap = pooled_shares(np.array([80.0]), orders, np.zeros((1, 3)))
    assert cap == pytest.approx(np.array([[40.0, 20.0, 20.0]]))
    ranked = pooled_shares(np.array([100.0]), orders, np.array([[1.0, 5.0, 5.0]]))
    assert ranked == pytest.approx(np.array([[20.0, 40.0, 40.0]]))  # the two dear first


def test_a_loose_combined_quota_fills_every_order_and_shares_the_spare_by_orders():
    from sim.policy import pooled_shares

    orders = np.array([[80.0, 50.0, 10.0], [0.0, 4.0, 0.0]])
    value = np.array([[5.0, 30.0, 200.0], [1.0, 1.0, 1.0]])
    cap = pooled_shares(np.array([200.0, np.inf]), orders, value)
    assert cap[0] == pytest.approx(orders[0] + 60.0 * orders[0] / 140.0)
    assert cap[0].sum() == pytest.approx(200.0)
    assert cap[1, 1] == np.inf and np.all(cap[1, [0, 2]] == 0.0)  # no orders, no share


def test_quota_claims_rank_by_what_a_tonne_gains_over_a_sale_at_home():
    """Exporter 0 sells to region 1. Product 0 is dear abroad (100) but nearly as dear at
    home (95): after a 10% duty and freight of 1 it gains nothing. Product 1 fetches 50
    abroad against 10 at home: (50 - 1) / 1.1 - 10 = 34.5 a kg."""
    from sim.market import quota_claims

    want = np.array([[0.0, 0.0], [10.0, 20.0]])  # importer x product (t)
    sourcing = np.zeros((2, 2, 2))
    sourcing[0, 1] = 0.5  # region 1 buys half from exporter 0
    sourcing[1, 1] = 0.5  # and half at home, which is not a foreign order
    sourcing[0, 0] = 1.0
    price = np.array([[95.0, 10.0], [100.0, 50.0]])
    wedge = np.full((2, 2, 2), 1.1)
    orders, rent = quota_claims(want, sourcing, price, wedge, np.array([1.0, 1.0]))
    assert orders[0] == pytest.approx([5.0, 10.0])
    assert orders[1] == pytest.approx([0.0, 0.0])  # region 1 orders nothing abroad
    assert rent[0] == pytest.approx([0.0, 49.0 / 1.1 - 10.0])
    assert rent[1] == pytest.approx([0.0, 0.0])  # no orders: no rent
