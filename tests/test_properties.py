"""Property tests over randomised scenario parameters."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import StandoffModel
from sim.scenario import load_scenario

PARAMETERS = {
    "demand.growth_percent_per_year": st.floats(-20, 30),
    "demand.short_run_elasticity": st.floats(-1, 0),
    "demand.long_run_elasticity": st.floats(-2, 0),
    "demand.precautionary_cover_weeks": st.floats(0, 30),
    "market.cover_sensitivity": st.floats(0, 2),
    "market.scarcity_sensitivity": st.floats(0, 3),
    "market.arbitrage_speed": st.floats(0, 1),
    "market.price_smoothing": st.floats(0.05, 1),
    "market.price_noise": st.floats(0, 0.1),
    "market.restock_rate_per_week": st.floats(0.01, 1),
    "production.output_noise": st.floats(0, 0.3),
    "investment.growth_per_excess_margin": st.floats(0, 2),
    "investment.hurdle_margin": st.floats(0, 1),
    "miners.china_light_ree.capacity_t_per_year": st.floats(0, 600000),
    "refiners.china_separators.capacity_t_per_year": st.floats(0, 800000),
    "magnet_makers.china_magnet_makers.capacity_t_per_year": st.floats(0, 600000),
    "policy.us_section301_on_china.percent": st.floats(0, 500),
    "timeline.china_licensing_april.civil_approval_percent": st.floats(0, 100),
    "timeline.china_licensing_april.delay_days": st.floats(0, 365),
}


@st.composite
def overrides(draw):
    chosen = draw(st.lists(st.sampled_from(sorted(PARAMETERS)), min_size=1, max_size=8,
                           unique=True))
    return {key: draw(PARAMETERS[key]) for key in chosen}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=overrides(), seed=st.integers(0, 2**32))
def test_outputs_stay_physical(changes, seed):
    model = StandoffModel(load_scenario("baseline_2025", overrides=changes), seed=seed).run(80)
    rec = model.recorder
    prices = rec.stacked("price")
    assert np.all(np.isfinite(prices)) and np.all(prices > 0)
    for metric in ("inventory", "stockpile", "capacity", "trade_flow", "consumption",
                   "production", "refining_output", "magnet_output"):
        values = rec.stacked(metric)
        assert np.all(values >= -1e-9), metric
    table = model.timeseries()
    assert not table["value"].isna().any()
    assert np.isfinite(table["value"]).all()
