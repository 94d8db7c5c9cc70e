"""Smuggling: undocumented oxide exports past a quota, duties and licences (sim.smuggling)."""

import datetime as dt

import numpy as np
import pytest

from sim.model import StandoffModel
from sim.scenario import ScenarioError, load_scenario
from sim.smuggling import paying_share, smuggled_flows
from sim.world import DYTB, NDPR
from tests.conftest import finished_model, run_with

QUIET = {"market.price_noise": 0.0, "production.output_noise": 0.0}
NO_SMUGGLING = {"smuggling": None}


def test_smugglers_ship_once_the_premium_passes_their_cost_and_in_full_at_twice_it():
    prices = np.array([[10.0], [17.0], [20.0], [40.0]])  # home first, then three abroad
    share = paying_share(prices, np.array([1.0]), home=0, cost_share=0.6)
    # premiums over home after freight: 0.6, 0.9, 2.9 -> (premium - 0.6) / 0.6, capped at 1
    assert share[:, 0] == pytest.approx([0.0, 0.0, 0.5, 1.0])


def test_what_they_move_goes_by_paying_use_within_their_reach_and_half_the_home_stock():
    paying = np.array([[0.0], [1.0], [0.5]])
    use = np.array([[0.0], [30.0], [20.0]])
    assert smuggled_flows(np.array([10.0]), paying, use, np.array([100.0]))[:, 0] == (
        pytest.approx([0.0, -7.5, -2.5]))  # 30 : 10 of the paying use
    assert smuggled_flows(np.array([10.0]), paying, use, np.array([8.0])).sum() == (
        pytest.approx(-4.0))  # half of the 8 t at home
    assert smuggled_flows(np.array([100.0]), paying, use, np.array([1e6])).sum() == (
        pytest.approx(-40.0))  # no more than the paying share of use
    assert not smuggled_flows(np.array([10.0]), np.zeros((3, 1)), use, np.array([100.0])).any()


def test_smuggled_oxide_leaves_china_lands_abroad_and_stays_outside_exports_and_the_quota():
    model = finished_model("crisis_2010", 0, 170)
    smuggled = model.recorder.stacked("smuggled")
    cn = model.china
    assert smuggled[:, cn, NDPR:DYTB + 1].sum() > 50  # oxide went out, Dy/Tb and NdPr
    assert smuggled[:, cn, DYTB].sum() > 0 and smuggled[:, cn, NDPR].sum() > 0
    assert (smuggled[:, np.arange(len(model.regions)) != cn] <= 1e-12).all()  # lands abroad
    assert np.abs(smuggled.sum(axis=1)).max() < 1e-9  # what leaves lands the same week
    plain = run_with("crisis_2010", 170, overrides=NO_SMUGGLING)
    assert not plain.recorder.stacked("smuggled").any()


def test_the_quota_counts_legal_exports_only():
    model = StandoffModel(load_scenario("crisis_2010"), seed=0)
    exported = smuggled = 0.0
    while model.date.year < 2011 or (model.date + dt.timedelta(days=7)).year == 2011:
        model.step()
        if model.date.year == 2011:
            exported += model.week.exports[model.china, :DYTB + 1].sum()
            smuggled += model.week.smuggled[model.china].sum()
    used = model.policy.quota_used_t[model.china, :DYTB + 1].sum()
    assert smuggled > 50 and used == pytest.approx(exported, rel=1e-9)


def test_smuggling_narrows_the_gap_between_china_s_oxide_price_and_the_world_s():
    with_it = run_with("crisis_2010", 312, overrides=QUIET)  # to the end of 2014
    without = run_with("crisis_2010", 312, overrides=QUIET | NO_SMUGGLING)

    def gap(model):
        price = model.recorder.stacked("price")[-104:, :, DYTB]  # 2013-2014
        abroad = np.delete(price, model.china, axis=1).mean(axis=1)
        return (abroad / price[:, model.china]).mean()

    assert gap(with_it) < 0.95 * gap(without)


@pytest.mark.parametrize("field, value, named", [
    ("smuggling.exporter", "XX", "smuggling.exporter"),
    ("smuggling.cost_share", 0.0, "smuggling.cost_share"),
    ("smuggling.tonnes_per_year", {"magnet": 10.0}, "smuggling.tonnes_per_year"),
    ("smuggling.ramp_weeks", True, "smuggling.ramp_weeks"),
])
def test_a_bad_smuggling_section_is_refused_naming_the_key(field, value, named):
    with pytest.raises(ScenarioError, match=named.replace(".", r"\.")):
        load_scenario("crisis_2010", overrides={field: value})
