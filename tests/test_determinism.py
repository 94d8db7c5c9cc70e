"""Same scenario and seed: byte-identical outputs, across processes too."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.model import StandoffModel
from tests.conftest import scenario

ROOT = Path(__file__).resolve().parents[1]


def _run(out: Path, seed: int, scenario: str = "baseline_2025") -> bytes:
    proc = subprocess.run([sys.executable, str(ROOT / "run.py"), "run", "--steps", "60",
                           "--seed", str(seed), "--out", str(out), "--scenario", scenario],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return (out / "timeseries.csv").read_bytes()


@pytest.mark.parametrize("scenario", ["baseline_2025", "escalation"])
def test_same_seed_same_bytes_across_processes(tmp_path, scenario):
    first = _run(tmp_path / "a", 11, scenario)
    second = _run(tmp_path / "b", 11, scenario)
    assert first == second
    assert (tmp_path / "a" / "events.csv").read_bytes() == (
        tmp_path / "b" / "events.csv").read_bytes()


def test_different_seeds_differ_where_the_model_is_stochastic():
    a = StandoffModel(scenario(), seed=1).run(30)
    b = StandoffModel(scenario(), seed=2).run(30)
    for metric in ("price", "production", "trade_flow"):
        assert not np.array_equal(a.recorder.stacked(metric), b.recorder.stacked(metric)), metric


def test_noise_free_model_does_not_depend_on_the_seed():
    quiet = scenario("baseline_2025", **{"market.price_noise": 0.0,
                                         "production.output_noise": 0.0,
                                         # the seeded investor crowd drives oxide hoards
                                         "finance.stockpiles.cn_ndpr_traders.capacity_t": 0,
                                         "finance.stockpiles.cn_dytb_traders.capacity_t": 0})
    a = StandoffModel(quiet, seed=1).run(30).recorder.stacked("price")
    b = StandoffModel(quiet, seed=2).run(30).recorder.stacked("price")
    assert np.array_equal(a, b)
