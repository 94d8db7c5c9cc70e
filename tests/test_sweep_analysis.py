"""Sensitivity analysis through the sweep machinery, against answers known in closed form."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.sweep.analysis import analyze
from sim.sweep.execute import run_sweep
from sim.sweep.load import prepare
from tests.sweep_models import ishigami

A, B = 7.0, 0.1
PI = math.pi
ISHIGAMI_PARAMETERS = {name: {"range": [-PI, PI]} for name in ("x1", "x2", "x3")}


def ishigami_sobol() -> tuple[list[float], list[float]]:
    """Analytic first-order and total indices of the Ishigami function."""
    v1 = 0.5 * (1 + B * PI**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * PI**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


def ishigami_morris_mu_star(levels: int = 4) -> list[float]:
    """Expected |elementary effect| on the Morris grid, by enumerating the grid.

    In unit coordinates a step is delta = levels / (2 (levels - 1)); the step
    starts from the lower levels, and the other coordinates are uniform on the grid.
    """
    grid = [i / (levels - 1) for i in range(levels)]
    delta = levels / (2 * (levels - 1))
    starts = [u for u in grid if u + delta <= 1 + 1e-12]

    def f(u):
        return ishigami({f"x{i + 1}": -PI + 2 * PI * u[i] for i in range(3)}, 0)["y"]

    mu_star = []
    for i in range(3):
        effects = []
        for others in itertools.product(grid, repeat=2):
            for start in starts:
                low = list(others)
                low.insert(i, start)
                high = list(low)
                high[i] = start + delta
                effects.append(abs(f(high) - f(low)) / delta)
        mu_star.append(float(np.mean(effects)))
    return mu_star


@pytest.fixture(scope="module")
def sobol_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ishigami_sobol")
    sweep = prepare({"function": "tests.sweep_models:ishigami", "seed": 3,
                     "design": {"method": "sobol", "samples": 1024},
                     "parameters": ISHIGAMI_PARAMETERS, "outcomes": {"kpis": ["y"]}})
    run_sweep(sweep, folder, workers=2, chunk_runs=2000)
    return folder


@pytest.mark.slow
def test_sobol_indices_of_ishigami_within_their_confidence_intervals(sobol_folder):
    report = analyze(sobol_folder, method="sobol")
    table = report.table.set_index("parameter")
    first, total = ishigami_sobol()
    for name, s1, st in zip(("x1", "x2", "x3"), first, total, strict=True):
        row = table.loc[name]
        assert abs(row["S1"] - s1) <= row["S1_conf"], (name, row["S1"], s1, row["S1_conf"])
        assert abs(row["ST"] - st) <= row["ST_conf"], (name, row["ST"], st, row["ST_conf"])
        assert row["ST_conf"] < 0.1, "a usable interval, not a vacuous one"
    assert "- y: x1 (ST 0.55" in report.summary or "- y: x1 (ST 0.56" in report.summary


@pytest.mark.slow
def test_analyze_command_writes_csv_plots_and_summary(sobol_folder, capsys):
    assert main(["analyze", str(sobol_folder), "--method", "sobol"]) == 0
    out = capsys.readouterr().out
    assert "Parameters that matter most" in out and "- y: x1" in out
    target = sobol_folder / "analysis-sobol"
    table = pd.read_csv(target / "sobol.csv")
    assert list(table.columns) == ["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    for png in ("y-sobol.png", "y-scatter.png"):
        data = (target / png).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000
    assert (target / "summary.txt").read_text() in out
    assert main(["analyze", str(sobol_folder), "--method", "morris"]) == 2
    assert "needs a sweep with design.method = \"morris\"" in capsys.readouterr().err
    assert main(["analyze", str(sobol_folder), "--outcome", "z"]) == 2
    assert "unknown outcome 'z'" in capsys.readouterr().err


@pytest.mark.slow
def test_morris_mu_star_of_ishigami_within_its_confidence_interval(tmp_path):
    sweep = prepare({"function": "tests.sweep_models:ishigami", "seed": 8,
                     "design": {"method": "morris", "samples": 300, "levels": 4},
                     "parameters": ISHIGAMI_PARAMETERS, "outcomes": {"kpis": ["y"]}})
    run_sweep(sweep, tmp_path, workers=2, chunk_runs=2000)
    report = analyze(tmp_path, method="morris")
    table = report.table.set_index("parameter")
    expected = ishigami_morris_mu_star()
    for name, mu_star in zip(("x1", "x2", "x3"), expected, strict=True):
        row = table.loc[name]
        assert abs(row["mu_star"] - mu_star) <= row["mu_star_conf"] + 1e-9, (
            name, row["mu_star"], mu_star, row["mu_star_conf"])
    assert (tmp_path / "analysis-morris" / "y-morris.png").exists()


def test_summary_ranks_parameters_by_rank_correlation(tmp_path):
    sweep = prepare({"function": "tests.sweep_models:ishigami", "seed": 1,
                     "design": {"method": "lhs", "samples": 300},
                     "parameters": {"x1": {"range": [-PI, PI]}, "x2": {"range": [0, PI / 2]},
                                    "x3": {"range": [-PI, PI]}},
                     "outcomes": {"kpis": ["y"]}})
    run_sweep(sweep, tmp_path, workers=2)
    report = analyze(tmp_path, method="summary")
    table = report.table.set_index("parameter")
    assert table.loc["x2", "spearman_rho"] > 0.6, "sin^2 rises over [0, pi/2]"
    assert abs(table.loc["x3", "spearman_rho"]) < 0.2, "x3 enters only as an even power"
    assert table.loc["x2", "rho_low"] < table.loc["x2", "spearman_rho"] < \
        table.loc["x2", "rho_high"]
    assert "- y: x2" in report.summary
