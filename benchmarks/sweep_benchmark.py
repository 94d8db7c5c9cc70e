"""Sweep throughput (runs per second) beside ``mesa.batch_run``, in one process.

Both sweep the same model over the same parameter grid and seeds, keep the
same end-of-run KPIs, and use the same number of processes; their KPIs are
checked to be equal. Mesa's ``batch_run`` needs a model whose ``__init__``
takes keyword parameters, so a thin adapter loads the scenario with those
parameters as overrides, as a Mesa user would. Also measures our parallel
efficiency: runs/s with N workers over N x runs/s with one.

    python -m benchmarks.sweep_benchmark [--steps 520] [--values 3] [--seeds 2] [--repeats 3]

The three sweeps are alternated ``--repeats`` times and each figure is the
median, so that load from other work on the machine falls on all of them.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import mesa
import pandas as pd

from sim.model import StandoffModel
from sim.scenario import load_scenario
from sim.sweep.execute import run_sweep
from sim.sweep.load import prepare
from sim.sweep.store import read_runs

KPIS = ["peak_price_ratio_dytb_oxide_outside_china", "shortage_weeks_magnet",
        "capacity_magnets_outside_china_built_t_per_year", "price_magnet_outside_china_last_year"]
STEPS = 150


class BatchAdapter(StandoffModel):
    """``StandoffModel`` with keyword parameters and a DataCollector, for ``mesa.batch_run``."""

    def __init__(self, price_smoothing: float = 0.5, civil_approval_percent: float = 40.0,
                 seed: int | None = None, steps: int = STEPS):
        scenario = load_scenario("baseline_2025", overrides={
            "market.price_smoothing": price_smoothing,
            "timeline.china_licensing_april.civil_approval_percent": civil_approval_percent})
        super().__init__(scenario, seed=seed)
        self.last_step = steps
        self.datacollector = mesa.DataCollector(model_reporters={"kpis": StandoffModel.kpis})

    def step(self) -> None:
        super().step()
        if self.steps >= self.last_step:
            self.datacollector.collect(self)
            self.running = False


def _grid(values: int) -> dict[str, list[float]]:
    smoothing = [round(0.2 + 0.6 * i / max(values - 1, 1), 6) for i in range(values)]
    approval = [round(20 + 60 * i / max(values - 1, 1), 6) for i in range(values)]
    return {"price_smoothing": smoothing, "civil_approval_percent": approval}


def time_batch_run(grid, seeds, steps, processes) -> tuple[float, pd.DataFrame]:
    started = time.perf_counter()
    rows = mesa.batch_run(BatchAdapter, parameters={**grid, "steps": steps},
                          number_processes=processes, rng=seeds, max_steps=steps + 1,
                          display_progress=False)
    seconds = time.perf_counter() - started
    table = pd.DataFrame([{"price_smoothing": r["price_smoothing"],
                           "civil_approval_percent": r["civil_approval_percent"],
                           "seed": r["seed"], **{k: r["kpis"][k] for k in KPIS}} for r in rows])
    return seconds, table


def time_sweep(grid, seeds, steps, workers) -> tuple[float, pd.DataFrame]:
    spec = {"scenario": "baseline_2025", "steps": steps, "seeds": seeds,
            "design": {"method": "grid"},
            "parameters": {"market.price_smoothing": {"values": grid["price_smoothing"]},
                           "timeline.china_licensing_april.civil_approval_percent":
                               {"values": grid["civil_approval_percent"]}},
            "outcomes": {"kpis": KPIS}}
    out = Path(tempfile.mkdtemp(prefix="sweep-benchmark-"))
    try:
        started = time.perf_counter()
        run_sweep(prepare(spec), out / "sweep", workers=workers)
        seconds = time.perf_counter() - started
        table = read_runs(out / "sweep").rename(columns={
            "market.price_smoothing": "price_smoothing",
            "timeline.china_licensing_april.civil_approval_percent": "civil_approval_percent"})
    finally:
        shutil.rmtree(out)
    return seconds, table[["price_smoothing", "civil_approval_percent", "seed", *KPIS]]


def _same_kpis(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    keys = ["price_smoothing", "civil_approval_percent", "seed"]
    a = a.sort_values(keys, ignore_index=True)
    b = b.sort_values(keys, ignore_index=True)
    return len(a) == len(b) and bool(((a[KPIS] - b[KPIS]).abs() < 1e-9).all().all())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=520, help="weeks per run (520: ~1 s)")
    parser.add_argument("--values", type=int, default=3, help="values per parameter")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per point")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    grid = _grid(args.values)
    seeds = list(range(1, args.seeds + 1))
    runs = args.values**2 * args.seeds

    model = StandoffModel(load_scenario("baseline_2025"), seed=1)
    started = time.perf_counter()
    model.run(args.steps)
    one_run = time.perf_counter() - started

    serial_times, ours_times, mesa_times, same = [], [], [], True
    for _ in range(args.repeats):
        serial_times.append(time_sweep(grid, seeds, args.steps, 1)[0])
        seconds, ours_table = time_sweep(grid, seeds, args.steps, args.processes)
        ours_times.append(seconds)
        seconds, mesa_table = time_batch_run(grid, seeds, args.steps, args.processes)
        mesa_times.append(seconds)
        same = same and _same_kpis(ours_table, mesa_table)
    ours_serial, ours, mesa_seconds = (statistics.median(times) for times in
                                       (serial_times, ours_times, mesa_times))

    efficiency = ours_serial / (args.processes * ours)
    print(f"{runs} runs of {args.steps} weeks (one run alone: {one_run:.2f} s), "
          f"{args.processes} processes, median of {args.repeats}; identical KPIs: {same}")
    print("| sweep | seconds | runs/s |")
    print("|---|---|---|")
    print(f"| run.py sweep, 1 worker | {ours_serial:.1f} | {runs / ours_serial:.2f} |")
    print(f"| run.py sweep, {args.processes} workers | {ours:.1f} | {runs / ours:.2f} |")
    print(f"| mesa.batch_run, {args.processes} processes | {mesa_seconds:.1f} | "
          f"{runs / mesa_seconds:.2f} |")
    print(f"throughput vs batch_run: {mesa_seconds / ours:.2f}x (target >= 2x); parallel "
          f"efficiency on {args.processes} workers: {efficiency:.0%} (target >= 80%)")


if __name__ == "__main__":
    main()
