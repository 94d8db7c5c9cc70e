"""Charts of a sweep analysis: indices with error bars, and outcome against each parameter."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure


def index_plot(table: pd.DataFrame, method: str, outcome: str, path: Path) -> None:
    """Sobol S1 and ST, or Morris mu*, per parameter, with confidence intervals."""
    names = list(table["parameter"])
    fig = Figure(figsize=(7, 0.5 * len(names) + 1.6), layout="constrained")
    ax = fig.subplots()
    rows = range(len(names))
    if method == "sobol":
        height = 0.38
        ax.barh([r - height / 2 for r in rows], table["S1"], height, xerr=table["S1_conf"],
                capsize=3, label="first order S1", color="#4c78a8")
        ax.barh([r + height / 2 for r in rows], table["ST"], height, xerr=table["ST_conf"],
                capsize=3, label="total ST", color="#f58518")
        ax.set_xlabel("Sobol index (bars: 95% confidence interval)")
        ax.legend(loc="best", fontsize=8)
    else:
        ax.barh(list(rows), table["mu_star"], 0.6, xerr=table["mu_star_conf"], capsize=3,
                color="#4c78a8", label="mu*")
        ax.plot(table["sigma"], list(rows), "o", color="#f58518", label="sigma")
        ax.set_xlabel("Morris mu* (bars: 95% confidence interval) and sigma, per unit of "
                      "the parameter's range")
        ax.legend(loc="best", fontsize=8)
    ax.set_yticks(list(rows), names)
    ax.invert_yaxis()
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_title(outcome)
    fig.savefig(path, dpi=110)


def scatter_plot(runs: pd.DataFrame, parameters: list[str], outcome: str, path: Path) -> None:
    """The outcome of every finished run against each numeric parameter."""
    if not parameters:
        return
    cols = min(3, len(parameters))
    rows = math.ceil(len(parameters) / cols)
    fig = Figure(figsize=(4 * cols, 3.2 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, name in zip(axes, parameters, strict=False):
        ax.scatter(runs[name], runs[outcome], s=10, alpha=0.6, color="#4c78a8")
        ax.set_xlabel(name, fontsize=8)
        ax.set_ylabel(outcome, fontsize=8)
    for ax in axes[len(parameters):]:
        ax.set_visible(False)
    fig.suptitle(f"{outcome} against each parameter ({len(runs)} runs)")
    fig.savefig(path, dpi=100)
