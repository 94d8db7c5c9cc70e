"""Running a scenario over seeds and keeping the series the replay compares.

The seeds run on the sweep tool's process pool (``sim.sweep.execute.LocalPool``)
with its scenario model (``sim.sweep.models.ScenarioModel``), so a replay run is
a sweep run: same seeding, same error handling.
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools

import pandas as pd

from sim.runner import SeriesRequest
from sim.scenario import Scenario
from sim.sweep.execute import LocalPool, available_cores
from sim.sweep.fields import kind_of
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
    """Oxide prices everywhere, China's exports (and smuggling) and quota, the US miner's
    share price."""
    china = scenario.china
    requests = [SeriesRequest(metric, product=product) for product in OXIDES
                for metric in ("price", "demand")]
    requests += [SeriesRequest("exports", region=china),
                 SeriesRequest("export_quota", region=china),
                 SeriesRequest("combined_export_quota", region=china)]
    if scenario.smuggling is not None:
        requests.append(SeriesRequest("smuggled", region=china))
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
    return run_points(scenario, [{}], seeds, workers=workers, progress=progress)[0]


def run_points(scenario: Scenario, points: list[dict], seeds: list[int],
               workers: int | None = None, progress: bool = False) -> list[pd.DataFrame]:
    """``run_seeds`` at each of ``points`` (settings by dotted key path, the same keys in
    each): one table per point, every run on one process pool, as a sweep runs them."""
    from tqdm.auto import tqdm

    keys = tuple(points[0]) if points else ()
    model = ScenarioModel(base=scenario, kinds={key: kind_of(scenario, key) for key in keys},
                          outcomes=(), series=series_requests(scenario), every=1)
    runs = [{"run_id": i, "seed": seed, **point}
            for i, (point, seed) in enumerate(itertools.product(points, seeds))]
    workers = min(workers or available_cores(), len(runs))
    bar = tqdm(total=len(runs), unit="run", desc=scenario.name, disable=not progress,
               dynamic_ncols=True)
    results = []
    try:
        if workers == 1:
            for run in runs:
                results.append(run_one(model, run, keys, None))
                bar.update(1)
        else:
            pool = LocalPool(workers, model)
            try:
                futures = [pool.submit(run, keys, None) for run in runs]
                for future in cf.as_completed(futures):
                    results.append(future.result())
                    bar.update(1)
            finally:
                pool.close()
    finally:
        bar.close()
    frames: list[list[pd.DataFrame]] = [[] for _ in points]
    for row, series in sorted(results, key=lambda result: result[0]["run_id"]):
        point, seed = divmod(row["run_id"], len(seeds))
        if row["status"] != "ok":
            raise ReplayRunError(f"seed {seeds[seed]}: {row['error']}")
        frames[point].append(series.drop(columns="run_id").assign(seed=seeds[seed]))
    return [_dated(pd.concat(point, ignore_index=True), scenario) for point in frames]


def _dated(table: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    dates = {step: pd.Timestamp(step_date(scenario.start_date, int(step)))
             for step in table["step"].unique()}
    table["date"] = table["step"].map(dates)
    return table[SERIES_COLUMNS]
