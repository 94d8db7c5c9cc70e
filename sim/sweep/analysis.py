"""Sensitivity analysis of a finished sweep: SALib indices, plots and a plain-text summary.

``sobol`` (a sobol design): first-order and total indices with confidence
intervals; ``morris`` (a morris design): mu*, its confidence interval, mu and
sigma; ``summary`` (any design): each outcome's spread and the Spearman rank
correlation of each parameter with it. Outcomes are averaged over the
replications of a point before SALib sees them; analysis works on the
design's unit coordinates, so indices do not depend on parameter units.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.sweep.plots import index_plot, scatter_plot
from sim.sweep.store import read_manifest, read_runs

CONF_LEVEL = 0.95
TOP = 3


class AnalysisError(ValueError):
    """The folder cannot be analysed this way (wrong design, no finished runs)."""


@dataclass(frozen=True)
class Report:
    folder: Path
    table: pd.DataFrame  # one row per outcome and parameter
    summary: str
    skipped: dict[str, str]  # outcome -> why it was not analysed


def analyze(folder: str | Path, method: str = "summary", outcomes: list[str] | None = None,
            out: str | Path | None = None) -> Report:
    folder = Path(folder)
    manifest = read_manifest(folder)
    spec = manifest["spec"]
    design = spec["design"]["method"]
    if method in ("sobol", "morris") and design != method:
        raise AnalysisError(f"{folder}: --method {method} needs a sweep with design.method = "
                            f"\"{method}\" (this one is {design!r}); try --method summary")
    names = list(manifest["parameters"])
    known = manifest["outcomes"]
    unknown = [o for o in outcomes or () if o not in known]
    if unknown:
        raise AnalysisError(f"unknown outcome {unknown[0]!r}; this sweep has: "
                            f"{', '.join(known)}")
    runs = read_runs(folder)
    if runs.empty:
        raise AnalysisError(f"{folder}: no finished runs yet")
    target = Path(out) if out else folder / f"analysis-{method}"
    target.mkdir(parents=True, exist_ok=True)
    numeric = [n for n in names if manifest["parameters"][n] in ("int", "float")]
    tables, skipped = [], {}
    for outcome in outcomes or known:
        ok = runs[runs["status"] == "ok"]
        if method == "summary":
            table, why = _correlations(ok, numeric, outcome)
        else:
            table, why = _indices(method, manifest, runs, names, outcome)
        if why:
            skipped[outcome] = why
            continue
        tables.append(table)
        if method != "summary":
            index_plot(table, method, outcome, target / f"{_file(outcome)}-{method}.png")
        scatter_plot(ok, numeric, outcome, target / f"{_file(outcome)}-scatter.png")
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    table.to_csv(target / f"{method}.csv", index=False)
    text = _summary(method, runs, table, skipped, folder)
    (target / "summary.txt").write_text(text)
    return Report(target, table, text, skipped)


def _per_point(runs: pd.DataFrame, outcome: str, points: int) -> tuple[np.ndarray | None, str]:
    """Mean over replications of each point, in design order; None if a point has none."""
    ok = runs[(runs["status"] == "ok") & runs[outcome].notna()]
    means = ok.groupby("point")[outcome].mean().reindex(range(points))
    if means.isna().any():
        return None, (f"{int(means.isna().sum())} of {points} design points have no finished "
                      "run (errors, time-outs or not run yet); the estimator needs them all")
    values = means.to_numpy()
    if np.ptp(values) == 0:
        return None, f"constant ({values[0]:g}) across the design"
    return values, ""


def _indices(method: str, manifest: dict, runs: pd.DataFrame, names: list[str], outcome: str):
    spec = manifest["spec"]
    unit = np.asarray(manifest["unit_points"], dtype=float)
    y, why = _per_point(runs, outcome, len(unit))
    if y is None:
        return None, why
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    seed = spec["seed"]
    if method == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(problem, y, calc_second_order=spec["design"]["second_order"],
                           conf_level=CONF_LEVEL, seed=seed)
        columns = {k: si[k] for k in ("S1", "S1_conf", "ST", "ST_conf")}
    else:
        from SALib.analyze import morris

        si = morris.analyze(problem, unit, y, conf_level=CONF_LEVEL, seed=seed,
                            num_levels=spec["design"]["levels"] or 4)
        columns = {k: np.asarray(si[k], dtype=float)
                   for k in ("mu_star", "mu_star_conf", "mu", "sigma")}
    table = pd.DataFrame({"outcome": outcome, "parameter": names, **columns})
    return table, ""


def _correlations(ok: pd.DataFrame, numeric: list[str], outcome: str):
    values = ok[[*numeric, outcome]].dropna()
    if len(values) < 4:
        return None, f"only {len(values)} finished runs; needs at least 4"
    if values[outcome].nunique() == 1:
        return None, f"constant ({values[outcome].iloc[0]:g}) across the runs"
    rows = []
    z = stats.norm.ppf(0.5 + CONF_LEVEL / 2)
    for name in numeric:
        if values[name].nunique() == 1:
            continue
        rho = float(stats.spearmanr(values[name], values[outcome]).statistic)
        half = z * 1.06 / math.sqrt(max(len(values) - 3, 1))  # Fisher z, Spearman variance
        low, high = (math.tanh(math.atanh(max(min(rho, 0.999999), -0.999999)) + s * half)
                     for s in (-1, 1))
        rows.append({"outcome": outcome, "parameter": name, "spearman_rho": rho,
                     "rho_low": low, "rho_high": high,
                     "outcome_mean": values[outcome].mean(),
                     "outcome_sd": values[outcome].std(),
                     "outcome_p5": values[outcome].quantile(0.05),
                     "outcome_p95": values[outcome].quantile(0.95)})
    return pd.DataFrame(rows), ""


def _summary(method: str, runs: pd.DataFrame, table: pd.DataFrame, skipped: dict,
             folder: Path) -> str:
    counts = runs["status"].value_counts()
    lines = [f"{folder}: {len(runs)} runs ({counts.get('ok', 0)} ok, "
             f"{counts.get('error', 0)} failed, {counts.get('timeout', 0)} timed out); "
             f"method {method}", ""]
    key, conf, label = {"sobol": ("ST", "ST_conf", "total-order index ST"),
                        "morris": ("mu_star", "mu_star_conf", "mu*"),
                        "summary": ("spearman_rho", None, "Spearman rank correlation")}[method]
    lines.append(f"Parameters that matter most for each outcome, by {label}"
                 f"{'' if conf is None else f' ({CONF_LEVEL:.0%} confidence interval)'}:")
    for outcome, group in (table.groupby("outcome", sort=False) if len(table) else ()):
        ranked = group.reindex(group[key].abs().sort_values(ascending=False).index)
        parts = []
        for row in ranked.head(TOP).itertuples():
            value = getattr(row, key)
            spread = (f" ± {getattr(row, conf):.2g}" if conf else
                      f" [{row.rho_low:.2f}, {row.rho_high:.2f}]")
            parts.append(f"{row.parameter} ({key} {value:.3g}{spread})")
        lines.append(f"- {outcome}: {'; '.join(parts)}")
    for outcome, why in skipped.items():
        lines.append(f"- {outcome}: not analysed: {why}")
    return "\n".join(lines) + "\n"


def _file(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
