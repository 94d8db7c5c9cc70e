"""Running a scenario over seeds and keeping the series the replay compares.

The seeds run on the sweep tool's process pool (``sim.sweep.execute.LocalPool``)
with its scenario model (``sim.sweep.models.ScenarioModel``), so a replay run is
a sweep run: same seeding, same error handling.
"""

from __future__ import annotations

import concurrent.futures as cf

import pandas as pd

from sim.runner import SeriesRequest
from sim.scenario import Scenario
from sim.sweep.execute import LocalPool, available_cores
from sim.sweep.models import ScenarioModel, run_one
from sim.world import step_date

OXIDES = ("ndpr_oxide", "dytb_oxide")
QUOTA_PRODUCTS = ("concentrate", "ndpr_oxide", "dytb_oxide")  # China's quota covered these
SERIES_COLUMNS = ["seed", "step", "date", "metric", "region", "partner", "product", "value"]


class ReplayRunError(RuntimeError):
    """A seed's run failed; the message names the seed and the error."""


def us_miner_listing(scenario: Scenario) -> str | None:
    """The first listed company of the US holding a mine, or None."""
    if scenario.finance is None:
        return None
    for name, listing in scenario.finance.listings.items():
        if listing.region == "US" and any(firm in scenario.miners for firm in listing.firms):
            return name
    return None


def series_requests(scenario: Scenario) -> tuple[SeriesRequest, ...]:
    """Oxide prices everywhere, China's exports and quota, the US miner's share price."""
    china = scenario.china
    requests = [SeriesRequest(metric, product=product) for product in OXIDES
                for metric in ("price", "demand")]
    requests += [SeriesRequest("exports", region=china),
                 SeriesRequest("export_quota", region=china),
                 SeriesRequest("combined_export_quota", region=china)]
    listing = us_miner_listing(scenario)
    if listing is not None:
        requests.append(SeriesRequest("asset_price", product=listing))
    return tuple(requests)


def replay_seeds(scenario: Scenario, count: int) -> list[int]:
    """``count`` seeds from the scenario's own: seed, seed + 1, ..."""
    return [scenario.seed + i for i in range(count)]


def run_seeds(scenario: Scenario, seeds: list[int], workers: int | None = None,
              progress: bool = False) -> pd.DataFrame:
    """Weekly series of every seed (long table, ``SERIES_COLUMNS``), ordered by seed.

    ``workers`` processes (default: one per seed up to every core); with one worker
    the seeds run in this process.
    """
    from tqdm.auto import tqdm

    model = ScenarioModel(base=scenario, kinds={}, outcomes=(),
                          series=series_requests(scenario), every=1)
    runs = [{"run_id": i, "seed": seed} for i, seed in enumerate(seeds)]
    workers = min(workers or available_cores(), len(runs))
    bar = tqdm(total=len(runs), unit="seed", desc=scenario.name, disable=not progress,
               dynamic_ncols=True)
    results = []
    try:
        if workers == 1:
            for run in runs:
                results.append(run_one(model, run, (), None))
                bar.update(1)
        else:
            pool = LocalPool(workers, model)
            try:
                futures = [pool.submit(run, (), None) for run in runs]
                for future in cf.as_completed(futures):
                    results.append(future.result())
                    bar.update(1)
            finally:
                pool.close()
    finally:
        bar.close()
    frames = []
    for row, series in sorted(results, key=lambda result: result[0]["run_id"]):
        seed = seeds[row["run_id"]]
        if row["status"] != "ok":
            raise ReplayRunError(f"seed {seed}: {row['error']}")
        frames.append(series.drop(columns="run_id").assign(seed=seed))
    table = pd.concat(frames, ignore_index=True)
    dates = {step: pd.Timestamp(step_date(scenario.start_date, int(step)))
             for step in table["step"].unique()}
    table["date"] = table["step"].map(dates)
    return table[SERIES_COLUMNS]
