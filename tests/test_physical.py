"""The physical state: every movement goes through the model's phases and shows in the week."""

import numpy as np

from sim.model import StandoffModel
from tests.conftest import scenario


def test_hoard_orders_move_material_through_the_speculate_phase_and_are_recorded():
    model = StandoffModel(scenario("investor_frenzy"), seed=0)
    moved = 0.0
    for _ in range(80):
        before = model.physical.hoard.copy()
        model.step()
        week = model.week
        assert np.allclose(model.physical.hoard - before, week.hoarded, rtol=1e-12, atol=1e-9)
        assert np.array_equal(model.recorder.stacked("speculative_stock")[-1],
                              model.physical.hoard)
        moved += np.abs(week.hoarded).sum()
    assert moved > 100.0, "the hoards traded"


def test_the_exchange_only_orders_and_leaves_the_stock_to_the_model():
    model = StandoffModel(scenario("investor_frenzy"), seed=0).run(30)
    stock = model.physical.stock.copy()
    flow = model.exchange.step()
    assert np.array_equal(model.physical.stock, stock)
    assert flow.shape == stock.shape


def test_grades_follow_the_concentrate_content():
    model = StandoffModel(scenario("baseline_2025"), seed=0).run(10)
    physical = model.physical
    conc = physical.stock[:, 0]
    expected = np.where(conc[:, None] > 1e-9, physical.content / np.maximum(conc, 1e-12)[:, None],
                        physical.default_grade)
    assert np.allclose(physical.grades(), np.clip(expected, 0, 1))
