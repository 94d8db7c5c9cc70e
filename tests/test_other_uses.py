"""Oxide used outside magnets: drawn beside magnet makers, grown and priced like demand."""

import numpy as np
import pytest

from sim import flows
from sim.model import StandoffModel
from sim.other_uses import OtherUses
from sim.scenario import load_scenario
from sim.world import CONC, DYTB, MAGNET, NDPR, WEEKS_PER_YEAR

QUIET = {"market.price_noise": 0.0, "production.output_noise": 0.0}


def _one_region(ndpr_stock, dytb_stock, makers_ndpr, makers_dytb, other_ndpr):
    stock = np.array([[0.0, ndpr_stock, dytb_stock, 0.0]])
    use = np.array([[0.0, makers_ndpr + other_ndpr, makers_dytb, 0.0]])
    return flows.transform(stock, np.zeros((1, 2)), np.zeros((1, 2)), use,
                           np.array([makers_ndpr / 0.3]), np.array([[other_ndpr, 0.0]]))


def test_short_oxide_is_shared_between_magnet_makers_and_other_uses_pro_rata():
    done = _one_region(ndpr_stock=50, dytb_stock=100, makers_ndpr=60, makers_dytb=2,
                       other_ndpr=40)
    assert done.consumed[0, NDPR] == pytest.approx(50)  # half of each one's need
    assert done.magnets[0] == pytest.approx(0.5 * 60 / 0.3)
    assert done.stock[0, NDPR] == pytest.approx(0)
    assert done.unmet[0, NDPR] == pytest.approx(50)


def test_other_uses_are_not_held_back_by_the_magnet_makers_other_oxide():
    # Dy/Tb covers half the makers' recipe: they use half their NdPr; other uses all theirs.
    done = _one_region(ndpr_stock=100, dytb_stock=1, makers_ndpr=60, makers_dytb=2,
                       other_ndpr=40)
    assert done.consumed[0, NDPR] == pytest.approx(0.5 * 60 + 40)
    assert done.consumed[0, DYTB] == pytest.approx(1)
    assert done.magnets[0] == pytest.approx(0.5 * 60 / 0.3)


def test_without_other_uses_transform_is_unchanged():
    stock = np.array([[10.0, 50.0, 1.0, 0.0]])
    use = np.array([[5.0, 60.0, 2.0, 3.0]])
    args = (stock, np.array([[0.2, 0.01]]), np.array([[0.2, 0.01]]), use, np.array([200.0]))
    plain, zero = flows.transform(*args), flows.transform(*args, np.zeros((1, 2)))
    for name in ("stock", "content", "oxide", "magnets", "consumed", "shortage", "unmet"):
        assert np.array_equal(getattr(plain, name), getattr(zero, name)), name


def test_other_uses_grow_with_demand_and_fall_with_the_price():
    spec = load_scenario("free_trade", overrides={
        "demand.other_uses_t_per_year": {"ndpr_oxide": {"CN": 5200}},
        "demand.other_uses_elasticity": -0.5, "demand.growth_percent_per_year": 10.0})
    start = np.full((len(spec.regions), 4), 50.0)
    uses = OtherUses(spec, start)
    china = spec.region_codes.index(spec.china)
    assert uses.wanted(start, 0)[china] == pytest.approx([5200 / WEEKS_PER_YEAR, 0.0])
    assert uses.wanted(start, 52)[china, 0] == pytest.approx(110.0)
    dearer = start.copy()
    dearer[:, NDPR] *= 4
    assert uses.wanted(dearer, 0)[china, 0] == pytest.approx(100 / 2)  # 4 ** -0.5
    assert uses.wanted(start, 0).sum() == pytest.approx(100)  # no other region, no Dy/Tb


def _run_drawing_other_uses(overrides: dict, steps: int) -> tuple[StandoffModel, float]:
    """free_trade run ``steps`` weeks, and the NdPr China's other uses wanted over them."""
    model = StandoffModel(load_scenario("free_trade", overrides=overrides), seed=0)
    drawn = 0.0
    for _ in range(steps):
        model.step()
        drawn += 0.0 if model.other_use is None else model.other_use[model.china, 0]
    return model, drawn


def test_other_uses_raise_the_region_s_use_and_price_and_keep_the_balance():
    extra = {"demand.other_uses_t_per_year": {"ndpr_oxide": {"CN": 4000}}}
    plain, _ = _run_drawing_other_uses(QUIET, 104)
    more, drawn = _run_drawing_other_uses(QUIET | extra, 104)
    cn = more.china

    def added(metric: str) -> np.ndarray:
        return (more.recorder.stacked(metric)[:, cn, NDPR]
                - plain.recorder.stacked(metric)[:, cn, NDPR])

    assert added("demand")[:4] == pytest.approx(np.full(4, 4000 / WEEKS_PER_YEAR), rel=0.05)
    assert drawn > 0.9 * 4000 * 2, "dearer NdPr cuts other uses by less than a tenth"
    assert added("unmet_demand").sum() == pytest.approx(0, abs=1e-6)
    assert added("consumption").sum() == pytest.approx(added("demand").sum())  # all met
    # ... most of it on top of what magnet makers use: the rest is their NdPr priced out
    assert added("consumption").sum() > 0.5 * drawn
    assert (more.recorder.stacked("price")[52:, cn, NDPR].mean()
            > 1.05 * plain.recorder.stacked("price")[52:, cn, NDPR].mean())
    magnets = more.recorder.stacked("magnet_output").sum(axis=1)
    assert magnets.sum() > 0.9 * plain.recorder.stacked("magnet_output").sum()
    for q in (CONC, MAGNET):  # nothing else is drawn on
        assert more.recorder.stacked("demand")[0, :, q] == pytest.approx(
            plain.recorder.stacked("demand")[0, :, q])
