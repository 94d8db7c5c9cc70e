"""Running sweeps for real: worker counts, a Dask cluster, SIGKILL and resume, failures."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.sweep.execute import run_sweep
from sim.sweep.load import prepare
from sim.sweep.store import Store, read_manifest, read_runs, read_series

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"scenario": "baseline_2025", "steps": 20, "replications": 2, "seed": 9,
         "design": {"method": "lhs", "samples": 3},
         "parameters": {"market.price_smoothing": {"range": [0.2, 0.8]},
                        "regions.CN.strategy.patience_weeks": {"range": [4, 20]}},
         "outcomes": {"kpis": ["peak_price_ratio_dytb_oxide_outside_china",
                               "shortage_weeks_magnet", "price_magnet_outside_china_last_year"],
                      "series": [{"metric": "price", "region": "US", "product": "magnet"}],
                      "every": 5}}


def _results(folder) -> tuple[pd.DataFrame, pd.DataFrame]:
    return read_runs(folder).drop(columns=["seconds"]), read_series(folder)


@pytest.mark.slow
def test_one_two_workers_and_a_dask_cluster_give_identical_tables(tmp_path):
    from distributed import LocalCluster

    sweep = prepare(SMALL)
    run_sweep(sweep, tmp_path / "one", workers=1)
    run_sweep(sweep, tmp_path / "two", workers=2, chunk_runs=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        run_sweep(sweep, tmp_path / "dask", scheduler=cluster.scheduler_address, chunk_runs=3)
    one_runs, one_series = _results(tmp_path / "one")
    assert len(one_runs) == 6 and (one_runs["status"] == "ok").all()
    assert len(one_series) == 6 * 5  # steps 0, 5, 10, 15, 20
    assert one_runs["peak_price_ratio_dytb_oxide_outside_china"].nunique() > 1
    for other in ("two", "dask"):
        runs, series = _results(tmp_path / other)
        pd.testing.assert_frame_equal(runs, one_runs)
        pd.testing.assert_frame_equal(series, one_series)
    assert len(list((tmp_path / "two" / "runs").glob("chunk-*.parquet"))) == 3


def _spec_file(folder: Path, runs: int, sleep_s: float) -> Path:
    path = folder / "slow_sweep.toml"
    path.write_text(f"""
function = "tests.sweep_models:noisy"
replications = 2
seed = 4
[design]
method = "grid"
[parameters]
x = {{ values = {list(range(runs // 2))} }}
sleep_s = {{ values = [{sleep_s}] }}
[outcomes]
kpis = ["y", "seed_part"]
""")
    return path


def _sweep_command(spec: Path, out: Path) -> list[str]:
    return [sys.executable, "run.py", "sweep", str(spec), "--out", str(out), "--workers", "2",
            "--chunk-runs", "2", "--no-progress"]


@pytest.mark.slow
def test_sigkill_then_resume_gives_exactly_the_uninterrupted_rows(tmp_path):
    spec = _spec_file(tmp_path, runs=40, sleep_s=0.15)
    killed = tmp_path / "killed"
    process = subprocess.Popen(_sweep_command(spec, killed), cwd=ROOT, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(list((killed / "runs").glob("chunk-*.parquet"))) < 3:
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "no chunk written in time"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the sweep and its workers, mid-chunk
    process.wait()
    partial = read_runs(killed)
    assert 0 < len(partial) < 40, "killed part way"

    resumed = subprocess.run(_sweep_command(spec, killed), cwd=ROOT, capture_output=True,
                             text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{40 - len(partial)} runs in" in resumed.stdout, "only the missing runs ran"
    whole = tmp_path / "whole"
    assert subprocess.run(_sweep_command(spec, whole), cwd=ROOT, capture_output=True,
                          timeout=300).returncode == 0
    after, expected = _results(killed)[0], _results(whole)[0]
    assert after["run_id"].is_unique and len(after) == 40
    pd.testing.assert_frame_equal(after, expected)
    again = subprocess.run(_sweep_command(spec, killed), cwd=ROOT, capture_output=True,
                           text=True, timeout=300)
    assert "all 40 runs already done" in again.stdout


def test_interrupted_chunk_writes_are_cleaned_up_on_resume(tmp_path):
    sweep = prepare({"function": "tests.sweep_models:noisy", "design": {"method": "grid"},
                     "parameters": {"x": {"values": [1, 2, 3]}},
                     "outcomes": {"kpis": ["y", "seed_part"]}})
    store = Store(tmp_path)
    store.open(sweep)
    (store.runs_dir / ".chunk-000000.parquet.tmp").write_bytes(b"half a file")
    (store.series_dir / "chunk-000000.parquet").write_bytes(b"series without its runs chunk")
    state = run_sweep(sweep, tmp_path, workers=1)
    assert state.ran == 3
    assert not list(store.runs_dir.glob(".*.tmp"))
    table = read_runs(tmp_path)
    assert (table["y"] - table["seed_part"]).round(9).tolist() == [2.0, 4.0, 6.0]
    assert not (store.series_dir / "chunk-000000.parquet").exists(), "orphan series removed"


def test_failing_and_hanging_runs_are_recorded_and_the_rest_complete(tmp_path):
    sweep = prepare({"function": "tests.sweep_models:flaky", "timeout_s": 1.0,
                     "design": {"method": "grid"}, "replications": 2,
                     "parameters": {"x": {"values": [1, 2, 3, 4, 5]}},
                     "outcomes": {"kpis": ["y"]}})
    started = time.monotonic()
    state = run_sweep(sweep, tmp_path, workers=2)
    assert time.monotonic() - started < 30, "a hanging run is cut off at its time limit"
    runs = read_runs(tmp_path)
    assert (state.failed, state.timed_out) == (2, 2)
    by_x = runs.groupby("x")["status"].agg(set)
    assert by_x[3.0] == {"error"} and by_x[4.0] == {"timeout"}
    assert by_x[1.0] == by_x[2.0] == by_x[5.0] == {"ok"}
    failed = runs[runs["x"] == 3.0].iloc[0]
    assert failed["error"] == "ValueError: x = 3 is not allowed by this model"
    assert "sweep_models.py" in failed["traceback"]
    assert "time limit of 1 s" in runs[runs["x"] == 4.0].iloc[0]["error"]
    assert runs.loc[runs["status"] == "ok", "y"].tolist() == [1, 1, 4, 4, 25, 25]


def test_a_run_that_kills_its_worker_is_recorded_and_the_others_complete(tmp_path):
    from sim.sweep.execute import WORKER_DIED

    sweep = prepare({"function": "tests.sweep_models:crashing", "design": {"method": "grid"},
                     "replications": 2, "parameters": {"x": {"values": [1, 2, 3, 4, 5]}},
                     "outcomes": {"kpis": ["y"]}})
    state = run_sweep(sweep, tmp_path, workers=2)
    runs = read_runs(tmp_path)
    assert len(runs) == 10 and runs["run_id"].is_unique  # none lost, none twice
    by_x = runs.groupby("x")["status"].agg(set)
    assert by_x[3.0] == {"error"} and state.failed == 2
    assert set(runs.loc[runs["x"] == 3.0, "error"]) == {WORKER_DIED}
    assert runs.loc[runs["status"] == "ok", "y"].tolist() == [1, 1, 4, 4, 16, 16, 25, 25]


def test_retry_failed_runs_only_the_failed_runs_again_and_keeps_one_row_each(tmp_path):
    spec = {"function": "tests.sweep_models:failing", "design": {"method": "grid"},
            "replications": 2, "parameters": {"x": {"values": [1, 2, 3]}},
            "outcomes": {"kpis": ["y"]}}
    first = run_sweep(prepare(spec), tmp_path, workers=1)
    assert first.failed == 2
    again = run_sweep(prepare(spec), tmp_path, workers=1)
    assert again.ran == 0  # a plain resume leaves recorded failures alone
    retried = run_sweep(prepare(spec), tmp_path, workers=1, retry_failed=True)
    assert (retried.ran, retried.failed) == (2, 2)  # only x = 3 ran, and failed again
    runs = read_runs(tmp_path)
    assert len(runs) == 6 and runs["run_id"].is_unique
    assert runs.loc[runs["x"] == 3.0, "error"].eq("ValueError: x = 3 fails until it is "
                                                  "fixed").all()


def test_scenario_runs_that_fail_or_run_over_are_recorded(tmp_path):
    spec = {"scenario": "baseline_2025", "steps": 6, "design": {"method": "grid"},
            "parameters": {"miners.kachin_clays.ndpr_share": {"values": [0.5, 0.9]},
                           "miners.kachin_clays.dytb_share": {"values": [0.05, 0.3]}},
            "outcomes": {"kpis": ["shortage_weeks_magnet"]}}
    run_sweep(prepare(spec), tmp_path / "invalid", workers=1)
    runs = read_runs(tmp_path / "invalid")
    assert runs["status"].tolist() == ["ok", "ok", "ok", "error"], "only 0.9 + 0.3 > 1"
    assert "ndpr_share + dytb_share must be at most 1" in runs["error"].iloc[3]
    slow = {**spec, "steps": 400, "timeout_s": 0.2,
            "parameters": {"market.price_smoothing": {"values": [0.5]}}}
    run_sweep(prepare(slow), tmp_path / "slow", workers=1)
    over = read_runs(tmp_path / "slow").iloc[0]
    assert over["status"] == "timeout" and "time limit of 0.2 s" in over["error"]


def test_bounded_memory_many_runs_in_chunks(tmp_path):
    import tracemalloc

    runs = 10_000
    sweep = prepare({"function": "tests.sweep_models:noisy", "design": {"method": "lhs",
                     "samples": runs}, "parameters": {"x": {"range": [0, 1]}},
                     "outcomes": {"kpis": ["y", "seed_part"]}})
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    run_sweep(sweep, tmp_path, workers=2, chunk_runs=1000)
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    chunks = sorted((tmp_path / "runs").glob("chunk-*.parquet"))
    assert len(chunks) >= 10
    table = read_runs(tmp_path)
    assert len(table) == runs and table["run_id"].is_unique
    assert peak < 40e6, f"the sweep held {peak / 1e6:.0f} MB while running"


def test_changed_spec_or_scenario_is_refused(tmp_path, capsys):
    scenario = tmp_path / "world.toml"
    scenario.write_text('extends = "baseline_2025"\nname = "world"\n')
    spec = tmp_path / "spec.toml"
    text = """scenario = "world.toml"
steps = 4
[design]
method = "grid"
[parameters]
"market.price_smoothing" = { values = [0.4] }
[outcomes]
kpis = ["shortage_weeks_magnet"]
"""
    spec.write_text(text)
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--no-progress"]) == 0
    manifest = read_manifest(out)
    assert manifest["design"]["columns"][:4] == ["run_id", "point", "replicate", "seed"]
    assert manifest["spec_text"] == text and manifest["code_version"]
    spec.write_text(text.replace("[0.4]", "[0.4, 0.6]"))
    assert main(["sweep", str(spec), "--out", str(out), "--no-progress"]) == 2
    assert "different spec (changed: parameters.market.price_smoothing.values)" in \
        capsys.readouterr().err
    spec.write_text(text)
    scenario.write_text('extends = "baseline_2025"\nname = "world"\n[demand]\n'
                        'growth_percent_per_year = 9\n')
    assert main(["sweep", str(spec), "--out", str(out), "--no-progress"]) == 2
    assert "different base scenario" in capsys.readouterr().err
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "other"), "--no-progress"]) == 2
    assert "not a sweep folder" in capsys.readouterr().err


def test_unreachable_scheduler_exits_2(tmp_path, capsys):
    spec = _spec_file(tmp_path, runs=2, sleep_s=0)
    code = main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--scheduler",
                 "tcp://127.0.0.1:9", "--no-progress"])
    assert code == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
