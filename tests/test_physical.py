"""The physical state: every movement goes through the model's phases and shows in the week."""

import numpy as np
import pytest

from sim.model import StandoffModel
from sim.scenario import load_scenario
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


def test_feed_grades_mix_own_output_with_imports_along_a_chain():
    from sim.flows import feed_grades

    mined = np.array([100.0, 50.0, 0.0, 0.0])
    content = np.array([[20.0, 1.0], [11.0, 3.0], [0.0, 0.0], [0.0, 0.0]])
    shipped = np.zeros((4, 4))
    shipped[1, 0] = 50.0  # clay concentrate into region 0...
    shipped[0, 2] = 10.0  # ...which passes some of its mix on to region 2
    own = np.array([[0.2, 0.01], [0.22, 0.06], [0.1, 0.02], [0.3, 0.03]])
    grades = feed_grades(mined, content, shipped, own)
    assert grades[0] == pytest.approx([31 / 150, 4 / 150])
    assert grades[1] == pytest.approx([0.22, 0.06])
    assert grades[2] == pytest.approx(grades[0])  # imports carry the exporter's mix
    assert grades[3] == pytest.approx(own[3])  # nothing flows in: its own ore


def test_the_concentrate_stock_opens_with_the_mix_it_goes_on_getting():
    quiet = {"market.price_noise": 0.0, "production.output_noise": 0.0}
    model = StandoffModel(load_scenario("free_trade", overrides=quiet), seed=0)
    china = model.china
    opening = model.physical.grades()[china].copy()
    assert opening[1] > 1.3 * model.physical.default_grade[china, 1]  # Myanmar's clays in it
    model.run(12)
    assert model.physical.grades()[china] == pytest.approx(opening, rel=0.05)
