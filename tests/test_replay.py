"""run.py replay: the history loader, the facts on known frames, the command end to end."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.replay import facts as f
from sim.replay import history as h
from sim.replay.command import OUTPUT_FILES
from sim.replay.compare import quota_events, window_of
from sim.replay.runs import QUOTA_PRODUCTS, SERIES_COLUMNS, us_miner_listing
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
WINDOW = f.Window()


def weekly_dates(start="2009-01-05", end="2015-12-28") -> pd.DatetimeIndex:
    return pd.date_range(start, end, freq="7D")


def price_frame(values_of, seeds=(0, 1)) -> pd.DataFrame:
    """One price series per seed; ``values_of(dates)`` gives its values."""
    dates = weekly_dates()
    return pd.concat([pd.DataFrame({"seed": seed, "date": dates, "value": values_of(dates)})
                      for seed in seeds], ignore_index=True)


def spike(peak_date, multiple, end_level):
    """1 in 2009, a linear climb to ``multiple`` at ``peak_date``, then a linear fall to
    ``end_level`` by the end of 2012, flat after."""
    peak = pd.Timestamp(peak_date)
    rise_from, fall_to = pd.Timestamp("2010-01-01"), pd.Timestamp("2012-12-31")

    def values(dates):
        day = (dates - rise_from).days.to_numpy()
        at_peak, at_end = (peak - rise_from).days, (fall_to - rise_from).days
        up = np.interp(day, [0, at_peak], [1.0, multiple])
        down = np.interp(day, [at_peak, at_end], [multiple, end_level])
        return np.where(day <= at_peak, up, down)
    return values


# -- facts on synthetic frames -------------------------------------------------------
def test_a_series_peaking_at_three_times_in_a_known_month_gives_that_multiple_and_month():
    prices = price_frame(spike("2011-07-04", 3.0, 1.0))
    assert f.peak_multiple(prices, WINDOW).to_numpy() == pytest.approx([3.0, 3.0])
    peak_dates = f.crisis_peak(prices, WINDOW)["date"]
    assert (peak_dates == pd.Timestamp("2011-07-04")).all()
    expected = (pd.Timestamp("2011-07-04") - WINDOW.cut).days / f.DAYS_PER_MONTH
    assert f.months_to_peak(prices, WINDOW).to_numpy() == pytest.approx([expected] * 2)
    assert f.share_of_peak_lost(prices, WINDOW).to_numpy() == pytest.approx([2 / 3] * 2,
                                                                            abs=0.01)


def test_a_series_that_does_not_halve_loses_less_than_half_of_its_peak():
    prices = price_frame(spike("2011-07-04", 4.0, 2.4))
    lost = f.share_of_peak_lost(prices, WINDOW)
    assert (lost < 0.5).all()
    assert lost.to_numpy() == pytest.approx([0.4, 0.4], abs=0.01)


def test_summary_is_median_and_ten_to_ninety_percent_over_seeds():
    values = pd.Series(np.arange(1.0, 12.0))
    median, low, high = f.summarise(values)
    assert (median, low, high) == pytest.approx((6.0, 2.0, 10.0))
    assert all(np.isnan(f.summarise(pd.Series([np.nan]))))


def test_exports_under_the_quota_and_the_gap_widening_then_narrowing():
    dates = weekly_dates()
    rows = []
    for seed in (0, 1):
        for product in QUOTA_PRODUCTS:
            rows.append(pd.DataFrame({"seed": seed, "date": dates, "metric": "exports",
                                      "region": "CN", "product": product, "value": 100.0}))
            quota = np.where(dates.year < 2015, 30000.0, np.inf)
            rows.append(pd.DataFrame({"seed": seed, "date": dates, "metric": "export_quota",
                                      "region": "CN", "product": product, "value": quota}))
    series = pd.concat(rows, ignore_index=True)
    exports = f.yearly_exports(series, "CN", QUOTA_PRODUCTS)
    weeks_2011 = int((dates.year == 2011).sum())
    assert exports.query("year == 2011")["exports_t"].tolist() == [300.0 * weeks_2011] * 2
    quota = f.yearly_quota(series, "CN", QUOTA_PRODUCTS)
    assert np.isnan(quota.query("year == 2015")["quota_t"]).all()
    ratio = f.exports_to_quota(exports, quota, (2011, 2012))
    assert ratio.to_numpy() == pytest.approx([300 * 53 / 30000] * 2, rel=0.03)

    def gap(dates):  # 1.2 in 2009, 2.0 in 2010-2011, 1.3 after
        return np.where(dates.year == 2009, 1.2, np.where(dates.year <= 2011, 2.0, 1.3))
    ratios = price_frame(gap).rename(columns={"value": "ratio"})
    widening = f.gap_change(ratios, (2009,), (2010, 2011))
    narrowing = f.gap_change(ratios, (2010, 2011), (2013, 2014), after_how="mean")
    assert widening.to_numpy() == pytest.approx([2.0 / 1.2] * 2)
    assert narrowing.to_numpy() == pytest.approx([1.3 / 2.0] * 2)


def test_market_prices_split_china_from_the_mean_of_the_others():
    date = pd.Timestamp("2009-01-05")
    series = pd.DataFrame({"seed": 0, "date": date, "metric": "price",
                           "region": ["CN", "JP", "US"], "partner": "",
                           "product": "dytb_oxide", "value": [70.0, 90.0, 110.0]})
    prices = f.market_prices(series, "CN").set_index("market")["value"]
    assert prices["china"] == 70.0 and prices["outside_china"] == 100.0
    ratio = f.price_ratio(f.market_prices(series, "CN"))["ratio"].item()
    assert ratio == pytest.approx(100 / 70)


def test_the_price_outside_china_is_weighted_by_each_region_s_use():
    date = pd.Timestamp("2009-01-05")
    rows = {"seed": 0, "date": date, "partner": "", "product": "dytb_oxide"}
    series = pd.concat([
        pd.DataFrame({**rows, "metric": "price", "region": ["CN", "JP", "US"],
                      "value": [70.0, 90.0, 110.0]}),
        pd.DataFrame({**rows, "metric": "demand", "region": ["CN", "JP", "US"],
                      "value": [5.0, 3.0, 1.0]})])
    prices = f.market_prices(series, "CN").set_index("market")["value"]
    assert prices["outside_china"] == pytest.approx((90 * 3 + 110 * 1) / 4)
    idle = series.assign(value=np.where(series["metric"] == "demand", 0.0, series["value"]))
    assert f.market_prices(idle, "CN").set_index("market")["value"]["outside_china"] == 100.0


# -- the record ----------------------------------------------------------------------
def test_history_loader_reads_the_data_files():
    prices = h.recorded_prices()
    assert set(prices["market"]) == {"outside_china", "china"}
    assert {"ndpr_oxide", "dytb_oxide"} <= set(prices["product"])
    raw = pd.read_csv(ROOT / "data" / "prices_history.csv")
    dy = raw[(raw["product"] == "dy_oxide") & (raw["market"] == "fob_china")
             & (raw["unit"] == "USD/kg")]
    assert h.peak_quote(prices, "dytb_oxide")["value"] == dy["low"].max()
    assert (h.first_quote(prices, "dytb_oxide")["date"]
            == pd.Timestamp(dy["date"].min() + "-15"))
    assert h.parse_date("2011", "Q3 avg")[0] == pd.Timestamp(2011, 8, 15)
    quotas = h.recorded_quotas()
    raw_q = pd.read_csv(ROOT / "data" / "china_export_quotas.csv")
    assert quotas["year"].is_unique and quotas["year"].min() == 2009
    first_2010 = raw_q[raw_q["year"] == 2010].iloc[0]
    assert quotas.set_index("year").loc[2010, "quota_t"] == first_2010["quota_t_low"]
    assert np.isnan(quotas.set_index("year").loc[2015, "quota_t"])
    ratios = h.recorded_ratios(prices)
    assert (ratios["ratio"] > 1).any() and ratios["date"].is_monotonic_increasing
    shares = h.recorded_share_prices("Molycorp")
    assert shares["value"].max() == pytest.approx(79.16)
    assert shares.loc[shares["value"].idxmax(), "date"] == pd.Timestamp(2011, 5, 3)


def test_the_scenario_carries_the_quota_cut_and_the_us_miner_listing():
    scenario = load_scenario("crisis_2010")
    assert scenario.start_date == dt.date(2009, 1, 5) and scenario.start_date.weekday() == 0
    assert scenario.end_date == dt.date(2016, 1, 4)
    assert window_of(scenario).cut.year == 2010
    assert us_miner_listing(scenario) == "molycorp"
    assert us_miner_listing(load_scenario("free_trade")) == "mp_materials"


# -- the command ---------------------------------------------------------------------
def run_cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def replay_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("replay") / "crisis"
    proc = run_cli("replay", "crisis_2010", "--out", str(out), "--seeds", "2",
                   "--no-progress")
    assert proc.returncode == 0, proc.stderr
    return out


def test_replay_writes_every_file_with_the_expected_columns(replay_out):
    assert {p.name for p in replay_out.iterdir()} == set(OUTPUT_FILES)
    for name in OUTPUT_FILES:
        assert (replay_out / name).stat().st_size > 0, name
    facts = pd.read_csv(replay_out / "facts.csv")
    assert list(facts.columns) == f.FACT_COLUMNS
    assert facts["model_median"].notna().all() and facts["record"].notna().all()
    assert set(facts["matches"]) <= {True, False}
    assert (facts["model_p10"] <= facts["model_median"]).all()
    assert (facts["model_median"] <= facts["model_p90"]).all()
    series = pd.read_parquet(replay_out / "series.parquet")
    assert list(series.columns) == SERIES_COLUMNS
    assert sorted(series["seed"].unique()) == [0, 1]
    steps = load_scenario("crisis_2010").steps
    assert series["step"].max() == steps
    assert {"price", "exports", "export_quota", "asset_price"} <= set(series["metric"])
    markdown = (replay_out / "facts.md").read_text()
    assert markdown.count("\n| ") == len(facts) + 1  # header row and one row per fact


def test_replay_seeds_differ_and_a_rerun_is_identical(replay_out, tmp_path):
    series = pd.read_parquet(replay_out / "series.parquet")
    prices = series[series["metric"] == "price"].pivot_table(
        index=["step", "region", "product"], columns="seed", values="value")
    assert not np.allclose(prices[0], prices[1])
    again = tmp_path / "again"
    proc = run_cli("replay", "crisis_2010", "--out", str(again), "--seeds", "2",
                   "--workers", "1", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(again / "series.parquet"), series)
    assert (again / "facts.csv").read_bytes() == (replay_out / "facts.csv").read_bytes()


@pytest.mark.parametrize("args, says", [
    (["crisis_2010", "--out", "{tmp}/a", "--seeds", "0"], "--seeds: must be at least 1"),
    (["crisis_2010"], "required: --out"),
    (["no_such_scenario", "--out", "{tmp}/a"], "no such scenario"),
    (["baseline_2025", "--out", "{tmp}/a"], "replay needs 2009"),
    (["crisis_2010", "--out", "{tmp}/full"], "exists and is not empty"),
])
def test_a_bad_argument_exits_2_with_one_line(args, says, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    proc = run_cli("replay", *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and says in proc.stderr
    assert not (tmp_path / "a").exists()


MODELLED_REO_SHARE = 0.21  # NdPr and Dy/Tb in China's REO (scenarios/crisis_2010.toml)


def test_the_scenario_quota_schedule_is_the_published_one():
    scenario = load_scenario("crisis_2010")
    last_of_year = {}
    for when, tonnes in quota_events(scenario, scenario.china):
        last_of_year[when.year] = tonnes
    published = h.recorded_quotas().set_index("year")["quota_t"]
    for year in range(scenario.start_date.year, scenario.end_date.year):
        expected = published.get(year, np.nan)
        modelled = np.inf if np.isnan(expected) else round(expected * MODELLED_REO_SHARE)
        assert last_of_year[year] == modelled, year
    assert all(change.combined for change in scenario.timeline.values()
               if change.type == "export_quota"), "one tonnage across the products"


# -- calibration ---------------------------------------------------------------------
def _facts(rows):
    return pd.DataFrame([{"unit": unit, "model_median": model, "record": record,
                          "matches": False} for unit, model, record in rows])


def test_the_fact_loss_is_zero_on_the_record_and_ln2_squared_a_factor_of_two_off():
    from sim.replay.calibrate import fact_loss

    assert fact_loss(_facts([("x", 12.0, 12.0), ("months", 11.9, 11.9)])) == 0.0
    off = fact_loss(_facts([("x", 24.0, 12.0), ("share", 0.25, 0.5)]))
    assert off == pytest.approx(np.log(2) ** 2)
    assert fact_loss(_facts([("months", 23.9, 11.9)])) == pytest.approx(1.0)  # a year late
    assert fact_loss(_facts([("x", np.nan, 12.0), ("x", 24.0, 12.0)])) == pytest.approx(
        np.log(2) ** 2)  # a fact the model cannot measure is left out
    assert fact_loss(_facts([("x", np.nan, 12.0)])) == np.inf


def test_a_calm_world_adds_nothing_and_a_volatile_one_its_squared_log_excess():
    from sim.replay.calibrate import CALM_WEEKLY_STD, calm_misses

    assert calm_misses({"a": CALM_WEEKLY_STD / 2, "b": CALM_WEEKLY_STD}) == [0.0, 0.0]
    assert calm_misses({"a": 2 * CALM_WEEKLY_STD}) == pytest.approx([np.log(2) ** 2])


def test_the_calm_check_measures_the_steady_world_under_the_point_s_settings():
    from sim.replay.calibrate import calm_volatility

    steady = load_scenario("free_trade")
    gentle = calm_volatility(steady, {"market.price_smoothing": 0.2,
                                      "market.cover_sensitivity": 0.3}, weeks=104)
    jumpy = calm_volatility(steady, {"market.price_smoothing": 0.9,
                                     "market.cover_sensitivity": 1.5,
                                     "market.overhang_learning": 1.0}, weeks=104)
    assert set(gentle) == {"concentrate", "ndpr_oxide", "dytb_oxide", "magnet"}
    assert max(jumpy.values()) > max(gentle.values())


def test_the_design_spans_each_setting_s_range_reproducibly():
    from sim.replay.calibrate import SETTINGS, design

    points = design(8, seed=3)
    assert points.equals(design(8, seed=3)) and not points.equals(design(8, seed=4))
    for name, (low, high) in SETTINGS.items():
        assert points[name].between(low, high).all()
        assert points[name].max() - points[name].min() > 0.5 * (high - low)  # a hypercube


def test_calibrate_ranks_the_points_and_writes_the_best_settings(tmp_path):
    out = tmp_path / "cal"
    proc = run_cli("calibrate", "crisis_2010", "--out", str(out), "--samples", "3",
                   "--seeds", "1", "--finalists", "2", "--final-seeds", "2", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out / "calibration.csv")
    assert len(table) == 4 and -1 in set(table["point"])  # three points and the scenario
    calm_columns = [c for c in table.columns if c.startswith("calm_weekly_std_")]
    assert {f"calm_weekly_std_{p}" for p in ("concentrate", "magnet")} <= set(calm_columns)
    assert (table["calm"] == (table[calm_columns] <= 0.015).all(axis=1)).all()
    finalists = table[table["final_loss"].notna()]
    checked = table[table["checks_failed"].notna()]
    assert checked["calm"].all() and len(finalists) <= 2
    assert (finalists["checks_failed"] == "none").all()  # they pass the 2025 checks
    passing = (checked["checks_failed"] == "none").sum()
    assert len(finalists) == min(2, passing)
    assert table.index[table["final_loss"].notna()].tolist() == list(range(len(finalists)))
    assert finalists["final_loss"].is_monotonic_increasing  # ranked by the second stage
    rest = table.iloc[len(finalists):]
    assert rest["calm"].is_monotonic_decreasing  # calm points before the others
    for _, group in rest.groupby("calm"):  # then more facts matched, then lower loss
        assert group["facts_matched"].is_monotonic_decreasing
        for _, tied in group.groupby("facts_matched"):
            assert tied["loss"].is_monotonic_increasing
    best = (out / "best.md").read_text()
    assert f"loss {table['loss'].iloc[0]:.3g}" in best and "[market]" in best
    assert "[timeline]" in best  # the historical unknowns, for crisis_2010 itself
    assert (out / "loss.png").stat().st_size > 0


@pytest.mark.parametrize("args, says", [(["--samples", "0"], "--samples"),
                                        (["--finalists", "-1"], "--finalists"),
                                        (["--final-seeds", "0"], "--final-seeds"),
                                        (["--around", "0"], "--around"),
                                        (["--around", "wide"], "--around")])
def test_calibrate_refuses_a_bad_argument_with_one_line(tmp_path, args, says):
    proc = run_cli("calibrate", "crisis_2010", "--out", str(tmp_path / "c"), *args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and says in proc.stderr
    assert not (tmp_path / "c").exists()


def test_calibrate_without_a_point_that_passes_the_checks_ranks_without_finalists(monkeypatch):
    from sim.replay import calibrate as cal
    from sim.replay import checks

    monkeypatch.setattr(checks, "failed_checks", lambda point: ["restriction_splits"])
    table = cal.calibrate(load_scenario("crisis_2010"), samples=1, seeds=[0], workers=1,
                          finalists=1, final_seeds=[0, 1])
    assert set(table["point"]) == {-1, 0}
    assert set(table["checks_failed"]) == {"restriction_splits"}
    assert table["final_loss"].isna().all()


def test_calibrate_history_only_searches_the_historical_unknowns_with_the_market_fixed(
        monkeypatch):
    from sim.replay import calibrate as cal
    from sim.replay import checks

    calm_runs, checked = [], []
    def calm(steady, market):
        calm_runs.extend([market] if steady else [])  # the finalists' rerun asks no calm
        return {"magnet": 0.01}

    monkeypatch.setattr(cal, "calmest_worst", calm)
    monkeypatch.setattr(checks, "failed_checks", lambda market: checked.append(market) or [])
    table = cal.calibrate(load_scenario("crisis_2010"), samples=3, seeds=[0], workers=1,
                          steady=[load_scenario("free_trade")], finalists=2,
                          final_seeds=[0], history_only=True)
    assert not set(cal.SETTINGS) & set(table.columns)
    assert set(cal.HISTORY_SETTINGS) <= set(table.columns)
    assert table["timeline.clay_campaign.output_percent"].nunique() == 4  # 3 points and now
    assert calm_runs == [{}] and checked == [{}], "one market: calm and checks run once"
    assert table["final_loss"].notna().sum() == 2


def test_finalists_rank_by_facts_matched_then_by_loss():
    """Finalists by their final facts and loss; the rest calm first, then by the facts
    they match (point 3 meets one more bar than point 4), then by loss."""
    from sim.replay.calibrate import ranked

    table = pd.DataFrame({
        "point": [-1, 0, 1, 2, 3, 4],
        "calm": [True, True, True, False, True, True],
        "loss": [0.30, 0.20, 0.25, 0.10, 0.40, 0.15],
        "facts_matched": [9, 9, 9, 10, 9, 8],
        "final_loss": [0.40, 0.30, 0.35, np.nan, np.nan, np.nan],
        "final_facts_matched": [10, 9, 10, np.nan, np.nan, np.nan]})
    assert list(ranked(table)["point"]) == [1, -1, 0, 3, 4, 2]


def test_a_refinement_searches_each_setting_near_the_scenario_s_value():
    from sim.replay.calibrate import HISTORY_SETTINGS, calibrate, narrowed

    assert narrowed((0.0, 100.0), 95.0, 0.1) == (85.0, 100.0)  # cut at the bound
    assert narrowed((20.0, 90.0), 50.0, 0.1) == (43.0, 57.0)
    spec = load_scenario("crisis_2010")
    table = calibrate(spec, samples=4, seeds=[0], workers=1, history_only=True, around=0.05)
    depth = table["timeline.clay_campaign.output_percent"]
    low, high = HISTORY_SETTINGS["timeline.clay_campaign.output_percent"]
    now = spec.timeline["clay_campaign"].output_percent
    assert depth.between(now - 0.05 * (high - low), now + 0.05 * (high - low)).all()
    assert depth.nunique() == 5  # four points and the scenario as it stands


def test_calm_worlds_measured_on_a_pool_match_the_serial_measure():
    from sim.replay.calibrate import _market_key, calm_by_market

    steady = [load_scenario("free_trade", overrides={"steps": 80})]
    markets = [{"market.price_smoothing": 0.3}, {"market.price_smoothing": 0.9},
               {"market.price_smoothing": 0.3}]
    pooled = calm_by_market(steady, markets, workers=2)
    serial = calm_by_market(steady, markets, workers=1)
    assert pooled == serial and len(pooled) == 2  # each distinct market measured once
    assert pooled[_market_key(markets[0])] != pooled[_market_key(markets[1])]
