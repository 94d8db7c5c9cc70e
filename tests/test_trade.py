"""Trade allocation: cheapest landed cost first, within quotas and licences."""

import numpy as np
import pytest

from sim.trade import allocate, landed_cost


def _one_product(want, stock, landed, approval=None, quota=None):
    n = len(want)
    approval = np.ones((n, n, 1)) if approval is None else approval
    quota = np.full((n, 1), np.inf) if quota is None else quota
    return allocate(np.array(want, float)[:, None], np.array(stock, float)[:, None],
                    np.array(landed, float)[:, :, None], approval, quota)


def test_buyers_take_the_cheapest_source_first():
    # Region 2 wants 10; region 0 sells at 5 landed, region 1 at 7.
    landed = [[1, 1, 5], [1, 1, 7], [9, 9, 6]]
    result = _one_product(want=[0, 0, 10], stock=[100, 100, 0], landed=landed)
    assert result.take[0, 2, 0] == pytest.approx(10)
    assert result.take[1, 2, 0] == pytest.approx(0)


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
        result = allocate(want, stock, landed, approval, quota)
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
