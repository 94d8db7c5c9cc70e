"""crisis_2010 over 10 seeds against the record of 2010-2012 (issue: a market true to history).

Each stylised fact of ``run.py replay`` (docs/replay.md) is checked on the median over
ten seeds; what the model does not yet reproduce is a strict xfail that says why.
"""

import pandas as pd
import pytest

from sim.replay import history as h
from sim.replay.compare import crisis_facts
from sim.replay.runs import OXIDES, QUOTA_PRODUCTS, replay_seeds, run_points
from sim.scenario import load_scenario

SEEDS = 10


@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    scenario = load_scenario("crisis_2010")
    (table,) = run_points(scenario, [{}], replay_seeds(scenario, SEEDS), workers=2)
    return table


@pytest.fixture(scope="module")
def facts(series) -> pd.DataFrame:
    return crisis_facts(series, load_scenario("crisis_2010"), h.recorded_prices(),
                        h.recorded_quotas(), OXIDES, QUOTA_PRODUCTS)


def _fact(facts: pd.DataFrame, starts: str, product: str) -> pd.Series:
    rows = facts[facts["fact"].str.startswith(starts) & facts["product"].str.contains(product)]
    assert len(rows) == 1, (starts, product)
    return rows.iloc[0]


NDPR, DYTB = "NdPr", "Dy/Tb"


@pytest.mark.parametrize("product", [NDPR, DYTB])
def test_oxide_peaks_outside_china_are_within_a_factor_of_two_of_the_record(facts, product):
    row = _fact(facts, "peak multiple outside China", product)
    assert row.record / 2 <= row.model_median <= 2 * row.record


@pytest.mark.parametrize("product", [NDPR, DYTB])
def test_the_peak_comes_months_after_the_quota_cut_not_at_once(facts, product):
    assert _fact(facts, "months from the quota cut", product).model_median >= 3


@pytest.mark.parametrize("product", [NDPR, DYTB])
def test_the_peak_comes_within_six_months_of_the_record_s(facts, product):
    row = _fact(facts, "months from the quota cut", product)
    assert abs(row.model_median - row.record) <= 6


@pytest.mark.parametrize("product", [NDPR, DYTB])
def test_prices_more_than_halve_from_their_peak_by_the_end_of_2012(facts, product):
    assert _fact(facts, "share of the peak lost", product).model_median > 0.5


@pytest.mark.parametrize("product", [NDPR, DYTB])
def test_the_export_domestic_gap_widens_in_2010_2011(facts, product):
    assert _fact(facts, "export/domestic gap widening", product).model_median > 1.05


@pytest.mark.parametrize("product", [NDPR, DYTB])
def test_the_export_domestic_gap_narrows_after(facts, product):
    assert _fact(facts, "export/domestic gap narrowing", product).model_median < 0.95


@pytest.mark.xfail(strict=True, reason="the quota binds to the end: exports run at 99.7% of "
                   "it in 2011-2012, where in the record buyers abroad, stocked up and "
                   "thrifting, took about half of it; China's own NdPr stays far below the "
                   "price abroad, and separators abroad order China's concentrate, for the "
                   "Dy/Tb it carries, several times over what the oxides leave of the "
                   "quota (docs/replay.md)")
def test_exports_fall_clearly_below_the_quota_in_2011_2012(facts):
    row = _fact(facts, "highest exports/quota ratio", "raw materials")
    assert row.model_median < 0.9


def test_the_us_miner_s_share_price_never_collapses_to_pennies(series):
    """Investors' budgets scale with a market smaller than their capital: a falling price
    is not swamped by orders sized for a bigger market (it once fell to $0.006 from $13)."""
    shares = series[(series["metric"] == "asset_price") & (series["product"] == "molycorp")]
    start = shares[shares["step"] == 0]["value"]
    assert len(start) == SEEDS and (start == 13.25).all()
    assert shares.groupby("seed")["value"].min().min() > 13.25 / 100
