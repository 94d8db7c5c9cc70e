"""Sweep specs: the bad-spec corpus, designs, seeds, and scenarios overridden in memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.runner import SeriesRequest, run_kpis, run_scenario
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.loader import override_scenario
from sim.sweep.design import run_seed
from sim.sweep.load import SpecError, load_spec, prepare

BAD = sorted((Path(__file__).parent / "bad_specs").glob("*.toml"))
SWEEPS = sorted((Path(__file__).parents[1] / "scenarios" / "sweeps").glob("*.toml"))


def _spec(**changes) -> dict:
    spec = {"scenario": "baseline_2025", "steps": 8, "replications": 2, "seed": 5,
            "design": {"method": "lhs", "samples": 6},
            "parameters": {"market.price_smoothing": {"range": [0.2, 0.8]}}}
    spec.update(changes)
    return spec


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_spec_exits_2_naming_the_key(path, tmp_path, capsys):
    expected = path.read_text().splitlines()[0].removeprefix("# expect: ").strip()
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err
    assert not out.exists(), "a refused spec leaves nothing on disk"


@pytest.mark.parametrize("path", SWEEPS, ids=[p.stem for p in SWEEPS])
def test_shipped_sweep_specs_are_valid(path):
    sweep = load_spec(path)
    assert len(sweep.runs) == sweep.runs["run_id"].nunique() > 0


def test_designs_have_the_sizes_salib_expects():
    d = 3
    parameters = {f"market.{k}": {"range": [0.2, 0.8]}
                  for k in ("price_smoothing", "arbitrage_speed", "restock_rate_per_week")}
    sobol = prepare(_spec(parameters=parameters, replications=1,
                          design={"method": "sobol", "samples": 16}))
    assert len(sobol.runs) == 16 * (d + 2)
    morris = prepare(_spec(parameters=parameters, replications=1,
                           design={"method": "morris", "samples": 5, "levels": 4}))
    assert len(morris.runs) == 5 * (d + 1)
    assert set(np.unique(np.round(morris.unit * 3, 9))) <= {0, 1, 2, 3}, "on the 4 levels"
    grid = prepare(_spec(parameters={"market.price_smoothing": {"values": [0.3, 0.6]},
                                     "market.arbitrage_speed": {"range": [0.2, 0.8]}},
                         design={"method": "grid", "levels": 3}))
    assert len(grid.runs) == 2 * 3 * 2
    assert sorted(set(grid.runs["market.arbitrage_speed"])) == [0.2, 0.5, 0.8]
    lhs = prepare(_spec(design={"method": "lhs", "samples": 10}, replications=1))
    strata = np.floor((lhs.runs["market.price_smoothing"] - 0.2) / 0.6 * 10)
    assert sorted(strata) == list(range(10)), "a Latin hypercube fills every stratum once"


def test_distributions_map_unit_coordinates():
    sweep = prepare(_spec(design={"method": "lhs", "samples": 400}, replications=1, parameters={
        "market.price_noise": {"distribution": "loguniform", "low": 0.001, "high": 0.1},
        "market.price_smoothing": {"distribution": "truncnormal", "mean": 0.5, "sd": 0.3,
                                   "low": 0.1, "high": 0.9}}))
    noise = sweep.runs["market.price_noise"]
    assert noise.min() >= 0.001 and noise.max() <= 0.1
    assert abs(np.median(np.log10(noise)) - (-2)) < 0.05, "log-uniform: median at the log mid"
    smooth = sweep.runs["market.price_smoothing"]
    assert smooth.min() >= 0.1 and smooth.max() <= 0.9
    assert abs(smooth.mean() - 0.5) < 0.02


def test_seeds_derive_from_the_root_seed():
    a = prepare(_spec())
    b = prepare(_spec())
    assert a.runs.equals(b.runs), "the same spec gives the same design and seeds"
    seeds = a.runs.pivot(index="point", columns="replicate", values="seed")
    assert (seeds[0] == seeds[0].iloc[0]).all(), "common random numbers across points"
    assert seeds[0].iloc[0] != seeds[1].iloc[0]
    independent = prepare(_spec(common_random_numbers=False))
    assert independent.runs["seed"].nunique() == len(independent.runs)
    other = prepare(_spec(seed=6))
    assert not set(other.runs["seed"]) & set(a.runs["seed"])
    assert a.runs["seed"].iloc[1] == run_seed(5, 0, 1, True)
    assert (a.runs["seed"] >= 0).all()


def test_integer_fields_take_whole_numbers():
    sweep = prepare(_spec(parameters={"regions.CN.strategy.patience_weeks": {"range": [2, 20]}}))
    assert sweep.kinds["regions.CN.strategy.patience_weeks"] == "int"
    values = sweep.runs["regions.CN.strategy.patience_weeks"]
    assert all(isinstance(v, int) for v in values)
    assert values.min() >= 2 and values.max() <= 20


def test_file_design_reads_points(tmp_path):
    pd.DataFrame({"market.price_smoothing": [0.3, 0.5, 0.7],
                  "regions.CN.policy": ["ai", "scripted", "ai"]}).to_csv(
        tmp_path / "points.csv", index=False)
    spec = _spec(design={"method": "file", "file": "points.csv"}, parameters={})
    sweep = prepare(spec, base_dir=tmp_path)
    assert list(sweep.runs["regions.CN.policy"]) == ["ai", "ai", "scripted", "scripted",
                                                      "ai", "ai"]
    assert sweep.kinds == {"market.price_smoothing": "float", "regions.CN.policy": "str"}
    pd.DataFrame({"regions.CN.policy": ["hawk"]}).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(SpecError, match="parameters.regions.CN.policy: value 'hawk'"):
        prepare(_spec(design={"method": "file", "file": "bad.csv"}, parameters={}),
                base_dir=tmp_path)


def test_override_in_memory_validates_like_a_file():
    base = load_scenario("baseline_2025")
    changed = override_scenario(base, {"regions.US.strategy.hawkishness": 0.9,
                                       "timeline.china_licensing_april.civil_approval_percent": 70})
    assert changed.regions["US"].strategy.hawkishness == 0.9
    assert changed.timeline["china_licensing_april"].civil_approval_percent == 70
    assert base.regions["US"].strategy.hawkishness != 0.9, "the base is left as it was"
    assert override_scenario(base, {}) == base
    same = load_scenario("baseline_2025", overrides={"regions.US.strategy.hawkishness": 0.9,
                                                     "timeline.china_licensing_april."
                                                     "civil_approval_percent": 70})
    assert changed == same
    for bad, key in [({"market.price_smoothing": 2.0}, "market.price_smoothing"),
                     ({"seed": True}, "seed"), ({"market.no_such": 1}, "market.no_such")]:
        with pytest.raises(ScenarioError, match=key):
            override_scenario(base, bad)


def test_kpi_run_matches_the_full_run():
    scenario = load_scenario("framework_deal")
    request = SeriesRequest("price", region="US", product="dytb_oxide")
    fast = run_kpis(scenario, seed=3, steps=30, series=[request], every=5)
    full = run_scenario(scenario, seed=3, steps=30)
    assert fast.kpis == full.kpis
    ts = full.timeseries
    expected = ts[(ts.metric == "price") & (ts.region == "US") & (ts["product"] == "dytb_oxide")
                  & (ts.step % 5 == 0)]
    assert list(fast.series["step"]) == list(expected["step"]) == list(range(0, 31, 5))
    assert np.array_equal(fast.series["value"].to_numpy(), expected["value"].to_numpy())


def test_sweep_kpis_agree_with_the_tidy_table():
    full = run_scenario(load_scenario("baseline_2025"), seed=2, steps=60)
    ts = full.timeseries

    def wide(metric, product):
        rows = ts[(ts.metric == metric) & (ts["product"] == product)]
        return rows.pivot(index="step", columns="region", values="value")

    price, demand = wide("price", "dytb_oxide"), wide("demand", "dytb_oxide")
    outside = [c for c in price.columns if c != "CN"]
    weights = demand[outside].sum() + 1e-9
    ratio = (price[outside] * weights).sum(axis=1) / weights.sum() / price["CN"]
    assert full.kpis["peak_price_ratio_dytb_oxide_outside_china"] == pytest.approx(
        ratio.max(), rel=1e-6)
    unmet, use = wide("unmet_demand", "magnet").sum(axis=1), wide("demand", "magnet").sum(axis=1)
    assert full.kpis["shortage_weeks_magnet"] == (unmet > 0.01 * use).sum()
    capacity = ts[(ts.metric == "capacity_outside_china") & (ts["product"] == "magnets")]
    assert full.kpis["capacity_magnets_outside_china_built_t_per_year"] == pytest.approx(
        capacity.value.iloc[-1] - capacity.value.iloc[0], abs=1e-6)
    assert full.kpis["deals_broken"] == (full.deals["defected_by"].fillna("") != "").sum()


def test_explicit_seeds_are_used_for_every_point():
    sweep = prepare(_spec(seeds=[11, 12, 13], replications=1))
    assert len(sweep.runs) == 6 * 3
    assert sweep.runs.groupby("point")["seed"].apply(list).tolist() == [[11, 12, 13]] * 6
    with pytest.raises(SpecError, match="must match the number of seeds"):
        prepare(_spec(seeds=[1, 2], replications=3))
