"""The speculation phase's shortcuts give bit for bit what the direct computation gives."""

import math
from types import SimpleNamespace

import numpy as np

from sim.finance.oxide import OxideSpeculation
from sim.finance.themes import ThemeSales
from sim.model import StandoffModel
from sim.scenario import load_scenario
from sim.world import NDPR, STAGE_OUTPUT


def test_theme_prices_each_pair_once_and_match_the_per_firm_mean():
    firms = [[SimpleNamespace(region=0, stage="mining"),
              SimpleNamespace(region=1, stage="refining"),
              SimpleNamespace(region=0, stage="mining")],
             [], [SimpleNamespace(region=1, stage="refining")]]
    rng = np.random.default_rng(5)
    prices = rng.uniform(1, 500, (2, 4))
    floors = rng.uniform(1, 500, (2, 4))
    asked = []

    def sale(region, product):
        asked.append((region, product))
        return max(prices[region, product], floors[region, product])

    themes = ThemeSales(firms)
    got = themes.log_prices(sale, prices)
    assert len(asked) == 2, "each distinct (region, product) is priced once"
    ndpr = float(np.log(prices[:, NDPR]).mean())
    want = [sum(math.log(sale(f.region, STAGE_OUTPUT[f.stage])) for f in owned) / len(owned)
            if owned else ndpr for owned in firms]
    assert got.tobytes() == np.array(want).tobytes()


def test_oxide_flows_table_matches_add_at_with_shared_and_separate_cells():
    pile = {"region": "CN", "product": "ndpr_oxide", "capacity_t": 100.0}
    for specs in ({"a": pile}, {"a": pile, "b": pile | {"product": "dytb_oxide"}},
                  {"a": pile, "b": pile}):
        piles = {k: SimpleNamespace(momentum_gain=20.0, lookback_weeks=4,
                                    adjust_share_per_week=0.2, max_take_share_per_week=0.1, **v)
                 for k, v in specs.items()}
        oxide = OxideSpeculation(piles, {"CN": 0, "US": 1}, (2, 4), np.full((2, 4), 50.0))
        per_pile = np.array([3.5, -0.0][:len(piles)] + [1.25] * (len(piles) - 2))
        want = np.zeros((2, 4))
        np.add.at(want, (oxide.region, oxide.product), per_pile)
        assert oxide._table(per_pile).tobytes() == want.tobytes()


def test_trend_convictions_by_lookback_equal_each_members_own_signal():
    model = StandoffModel(load_scenario("investor_frenzy"), seed=2).run(40)
    exchange = model.exchange
    quotes = exchange._quotes()
    crowd = exchange.crowd
    for index, group in enumerate(exchange.groups):
        members = crowd.members(index)
        out = np.empty(crowd.tilt[members].shape)
        group.convictions(crowd, members, quotes, out)
        direct = np.tanh(group.gain * group.signal(crowd, members, quotes))
        assert out.size and out.tobytes() == direct.tobytes(), group.strategy
        typical = np.tanh(group.gain * group.typical_signal(quotes))
        assert group.conviction(quotes).tobytes() == typical.tobytes(), group.strategy
