"""Calibration against the record: search market settings for the smallest fact loss.

The procedure, in words a researcher can rerun:

1. A Latin hypercube (SALib) of ``samples`` points over the settings history
   does not give directly, from one root seed: the market settings every
   scenario shares (``SETTINGS``: price adjustment, inventory targets,
   scarcity, sourcing, thrifting) and the historical world's unknowns
   (``HISTORY_SETTINGS``: how deep and how long China's campaign against
   unlicensed clay mining cut output, how other uses of oxide answer price,
   how much China's traders hoarded and how much oxide smugglers carried out).
2. At each point the historical scenario runs over ``seeds`` seeds on the
   sweep tool's process pool (``sim.replay.runs.run_points``, one pool for
   every run), and its
   stylised facts are computed exactly as ``run.py replay`` computes them.
3. The loss of a point is the mean over facts of the squared log ratio of
   the model's median to the record (for month counts, the squared error in
   years): 0 when every fact hits the record, (ln 2)^2 = 0.48 when each is a
   factor of 2 off. The same settings must also keep a calm world calm: the
   ``steady`` scenarios (``free_trade`` and ``baseline_2025``) run with price
   and output noise off, and each product whose weekly log-price changes
   outside shocks (the larger of the two worlds') have a
   standard deviation above ``CALM_WEEKLY_STD`` (1.5%, the record's calm
   years) adds the squared log of its excess as one more fact.
4. The table of points, ranked by loss, and the best point's settings (as
   ``--set`` overrides and as TOML) are written out; the fitted values go into
   the scenario files by hand, so that the same market settings serve every
   scenario.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.scenario import Scenario
from sim.scenario.loader import override_scenario

# Settings history does not give directly, with the ranges searched.
SETTINGS: dict[str, tuple[float, float]] = {
    "market.cover_sensitivity": (0.2, 1.5),
    "market.scarcity_sensitivity": (0.1, 3.0),
    "market.expectation_weeks": (4.0, 52.0),
    "market.overhang_learning": (0.0, 0.5),
    "market.price_smoothing": (0.2, 0.9),
    "market.sourcing_elasticity": (1.0, 10.0),
    "demand.precautionary_cover_weeks": (0.0, 20.0),
    "production.dytb_thrift_weeks": (4.0, 52.0),
    "production.dytb_thrift_elasticity": (0.1, 1.0),
}
# Figures of the historical world the record does not give, fitted with the market
# settings but set in the historical scenario only (the calm world has no such event).
HISTORY_SETTINGS: dict[str, tuple[float, float]] = {
    "timeline.clay_campaign.output_percent": (20.0, 90.0),
    "timeline.clay_campaign.weeks": (52, 156),
    "demand.other_uses_elasticity": (-1.5, -0.1),
    "finance.stockpiles.cn_ndpr_traders.capacity_t": (0.0, 8000.0),
    "finance.stockpiles.cn_dytb_traders.capacity_t": (0.0, 800.0),
    "smuggling.tonnes_per_year.ndpr_oxide": (0.0, 4000.0),
    "smuggling.tonnes_per_year.dytb_oxide": (0.0, 600.0),
    "smuggling.cost_share": (0.1, 1.5),
    "smuggling.ramp_weeks": (13.0, 156.0),
}
MONTHS_PER_YEAR = 12.0
CALM_WEEKLY_STD = 0.015  # weekly log-price changes in the record's calm years
CHECKED_PER_FINALIST = 4  # calm points tried against the 2025 checks per finalist wanted
QUIET = {"market.price_noise": 0.0, "production.output_noise": 0.0}


def fact_loss(facts: pd.DataFrame, extra: list[float] = ()) -> float:
    """Mean squared miss of the model's medians against the record (see the module text).

    Facts without a finite positive median and record (or, for months, without
    finite values) are left out; with none left the loss is infinite. ``extra``
    are further squared misses (the calm world's).
    """
    misses = list(extra)
    for row in facts.itertuples():
        model, record = row.model_median, row.record
        if not (np.isfinite(model) and np.isfinite(record)):
            continue
        if row.unit == "months":
            misses.append(((model - record) / MONTHS_PER_YEAR) ** 2)
        elif model > 0 and record > 0:
            misses.append(math.log(model / record) ** 2)
    return float(np.mean(misses)) if misses else math.inf


def calm_volatility(scenario: Scenario, point: dict, weeks: int | None = None,
                    seed: int = 1) -> dict[str, float]:
    """Per product, the largest (over regions) std of weekly log-price changes outside
    shocks in ``scenario`` with ``point``'s settings and noise off, over its whole run
    (or its first ``weeks``), as tests/test_market_realism.py measures them."""
    from sim import realism
    from sim.model import StandoffModel
    from sim.world import PRODUCTS

    model = StandoffModel(override_scenario(scenario, point | QUIET,
                                            source="<calibration point>"), seed=seed)
    model.run(scenario.steps if weeks is None else min(weeks, scenario.steps))
    changes = realism.weekly_log_changes(model.recorder.stacked("price"))
    calm = ~realism.shock_weeks(model, len(changes) + 1)[1:]
    spread = changes[calm].std(axis=0).max(axis=0) if calm.any() else np.full(
        len(PRODUCTS), np.inf)
    return dict(zip(PRODUCTS, (float(v) for v in spread), strict=True))


def calmest_worst(steady: list[Scenario], point: dict) -> dict[str, float]:
    """Per product, the largest ``calm_volatility`` over the ``steady`` worlds."""
    worst: dict[str, float] = {}
    for world in steady:
        for product, std in calm_volatility(world, point).items():
            worst[product] = max(worst.get(product, 0.0), std)
    return worst


def calm_misses(volatility: dict[str, float]) -> list[float]:
    """One squared log excess over ``CALM_WEEKLY_STD`` per product (0 when calm enough)."""
    return [math.log(max(std, CALM_WEEKLY_STD) / CALM_WEEKLY_STD) ** 2
            for std in volatility.values()]


def narrowed(bounds: tuple[float, float], value: float, share: float
             ) -> tuple[float, float]:
    """``bounds`` cut to ``share`` of their width either side of ``value``."""
    low, high = bounds
    reach = share * (high - low)
    return max(low, value - reach), min(high, value + reach)


def design(samples: int, seed: int,
           settings: dict[str, tuple[float, float]] = SETTINGS) -> pd.DataFrame:
    """``samples`` Latin-hypercube points over ``settings`` (one column each)."""
    from SALib.sample import latin

    problem = {"num_vars": len(settings), "names": list(settings),
               "bounds": [list(bounds) for bounds in settings.values()]}
    return pd.DataFrame(latin.sample(problem, samples, seed=seed), columns=list(settings))


def calibrate(scenario: Scenario, samples: int, seeds: list[int], seed: int = 0,
              workers: int | None = None, progress: bool = False,
              steady: list[Scenario] = (), finalists: int = 0,
              final_seeds: list[int] = (), history_only: bool = False,
              around: float | None = None) -> pd.DataFrame:
    """Every point of the design with its loss and facts matched, best first.

    Row ``point`` -1 is the scenario as it stands, for comparison. Points that
    keep every ``steady`` world calm (``calm``) rank before those that do not,
    then by the facts they match (``facts_matched``), then by loss: a point
    that meets one more of the record's bars is worth more than a small gain
    in loss. With ``finalists``, calm points are tried in turn against the
    2025 world's checks (``sim.replay.checks``; ``checks_failed``, "none" when
    all pass) until that many pass; those are run again over ``final_seeds``
    and ranked first: by the facts they match over those seeds
    (``final_facts_matched``: a fact matches when it meets its bar, the
    ``matches`` column of the replay's table), then by that loss (``final_loss``).
    Every run of a stage goes to one process pool. ``history_only`` searches the
    historical world's unknowns alone, with the market settings as the scenario
    has them. ``around`` (a share, 0-1) narrows the search to a refinement:
    each setting within that share of its full range either side of the
    scenario's value (within its bounds).
    """
    from sim.sweep.fields import locate

    settings = {} if history_only else dict(SETTINGS)
    settings |= {name: bounds for name, bounds in HISTORY_SETTINGS.items()
                 if _has(scenario, name)}
    if around is not None:
        settings = {name: narrowed(bounds, float(locate(scenario, name)[0]), around)
                    for name, bounds in settings.items()}
    design_points = design(samples, seed, settings)
    for name in design_points.columns:  # whole weeks where the field counts them
        if locate(scenario, name)[1] is int:
            design_points[name] = design_points[name].round().astype(int)
    current = {name: float(locate(scenario, name)[0]) for name in design_points.columns}
    candidates = [(-1, current), *((i, row.to_dict()) for i, row in design_points.iterrows())]
    rows = _scored(scenario, candidates, seeds, steady, workers, progress)
    table = ranked(pd.DataFrame(rows))
    if not finalists:
        return table
    from sim.replay.checks import failed_checks

    checks = _once_per_market(failed_checks)
    failed: dict[int, str] = {}  # the 2025 world's checks, tried on calm points in turn
    for _, row in table[table["calm"]].head(CHECKED_PER_FINALIST * finalists).iterrows():
        failed[int(row.point)] = ", ".join(checks(_market_of(row))) or "none"
        if sum(text == "none" for text in failed.values()) == finalists:
            break
    table["checks_failed"] = table["point"].map(failed)
    best = table[table["checks_failed"] == "none"]
    again = [(int(row.point), {name: row[name] for name in settings}) for _, row in
             best.iterrows()]
    final = {row["point"]: row for row in _scored(scenario, again, list(final_seeds), (),
                                                  workers, progress)} if again else {}
    table["final_loss"] = table["point"].map({p: row["loss"] for p, row in final.items()})
    table["final_facts_matched"] = table["point"].map(
        {p: row["facts_matched"] for p, row in final.items()})
    return ranked(table)


def ranked(table: pd.DataFrame) -> pd.DataFrame:
    """Finalists first, by the facts they match over the final seeds and then by their
    loss there; then the other points (all of them before any finalist is run), calm
    before not, by the facts they match and then by loss."""
    order = table.assign(_met=table.get("final_facts_matched", np.nan),
                         _final=table.get("final_loss", np.nan))
    order = order.assign(_met=order["_met"].fillna(-1), _final=order["_final"].fillna(np.inf))
    return order.sort_values(["_met", "_final", "calm", "facts_matched", "loss", "point"],
                             ascending=[False, True, False, False, True, True],
                             kind="stable",
                             ignore_index=True).drop(columns=["_met", "_final"])


def _scored(scenario: Scenario, candidates: list[tuple[int, dict]], seeds: list[int],
            steady, workers, progress) -> list[dict]:
    """Each candidate point's facts over ``seeds``, its loss and its calm check."""
    from sim.replay import history as h
    from sim.replay.compare import crisis_facts
    from sim.replay.runs import OXIDES, QUOTA_PRODUCTS, run_points

    tables = run_points(scenario, [point for _, point in candidates], seeds, workers=workers,
                        progress=progress)
    record_prices, record_quotas = h.recorded_prices(), h.recorded_quotas()
    markets = [_market_of(point) for _, point in candidates]
    calm_of = calm_by_market(steady, markets, workers)
    rows = []
    for (index, point), market, series in zip(candidates, markets, tables, strict=True):
        changed = override_scenario(scenario, point, source="<calibration point>")
        facts = crisis_facts(series, changed, record_prices, record_quotas, OXIDES,
                             QUOTA_PRODUCTS)
        calm = calm_of[_market_key(market)]
        rows.append({"point": index, **point, "loss": fact_loss(facts, calm_misses(calm)),
                     "facts_matched": int(facts["matches"].sum()), "facts": len(facts),
                     "calm": all(std <= CALM_WEEKLY_STD for std in calm.values()),
                     **{f"calm_weekly_std_{product}": std for product, std in calm.items()}})
    return rows


def _market_of(point) -> dict:
    """The shared market settings (``SETTINGS``) among a point's settings."""
    return {name: point[name] for name in SETTINGS if name in point}


def _market_key(market: dict) -> tuple:
    return tuple(sorted(market.items()))


def calm_by_market(steady: list[Scenario], markets: list[dict], workers: int | None = None
                   ) -> dict[tuple, dict[str, float]]:
    """``calmest_worst`` of each distinct set of ``markets`` settings, keyed by
    ``_market_key``: on a process pool of ``workers`` when there is more than one."""
    import concurrent.futures as cf
    import functools
    import multiprocessing

    from sim.sweep.execute import available_cores

    distinct = list({_market_key(market): market for market in markets}.values())
    workers = min(workers or available_cores(), len(distinct))
    measure = functools.partial(calmest_worst, steady)
    if workers <= 1 or not steady:
        results = [measure(market) for market in distinct]
    else:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["sim.model"])
        with cf.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            results = list(pool.map(measure, distinct, chunksize=4))
    return {_market_key(market): calm for market, calm in zip(distinct, results, strict=True)}


def _once_per_market(function):
    """``function(market)``, computed once for each distinct set of market settings
    (a search of the historical unknowns alone has one)."""
    seen: dict[tuple, object] = {}

    def once(market: dict):
        key = _market_key(market)
        if key not in seen:
            seen[key] = function(market)
        return seen[key]

    return once


def _has(scenario: Scenario, name: str) -> bool:
    from sim.sweep.fields import locate

    try:
        locate(scenario, name)
    except KeyError:
        return False
    return True


def best_overrides(table: pd.DataFrame) -> dict[str, float]:
    """The settings of the lowest-loss point."""
    best = table.iloc[0]
    return {name: float(best[name]) for name in SETTINGS | HISTORY_SETTINGS
            if name in table.columns}


def _toml(overrides: dict[str, float]) -> list[str]:
    sections: dict[str, list[str]] = {}
    for key, value in overrides.items():
        section, name = key.split(".", 1)
        sections.setdefault(section, []).append(f"{name} = {value:.4g}")
    return [line for section, keys in sections.items() for line in (f"[{section}]", *keys)]


def write_outputs(table: pd.DataFrame, out: Path, scenario: Scenario) -> list[str]:
    """``calibration.csv``, ``best.md`` and ``loss.png`` in ``out``; the file names."""
    from matplotlib.figure import Figure

    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "calibration.csv", index=False, float_format="%.6g")
    best, now = table.iloc[0], table[table["point"] == -1].iloc[0]
    overrides = best_overrides(table)
    lines = [f"# Calibration of {scenario.name}", "",
             f"{len(table) - 1} points of a Latin hypercube; loss: mean squared log miss of "
             "the stylised facts (docs/replay.md).", "",
             f"- the scenario as it stands: loss {now['loss']:.3g}, "
             f"{int(now['facts_matched'])} of {int(now['facts'])} facts matched",
             f"- the best point (#{int(best['point'])}): loss {best['loss']:.3g}, "
             f"{int(best['facts_matched'])} of {int(best['facts'])} facts matched"
             + ("" if "final_loss" not in table or np.isnan(best["final_loss"]) else
                f"; over the finalists' seeds loss {best['final_loss']:.3g}, "
                f"{int(best['final_facts_matched'])} facts matched")
             + ("" if best["calm"] else " (no point kept every calm world calm)"), "",
             "As `--set` overrides:", "", "```",
             " ".join(f"--set {k}={v:.4g}" for k, v in overrides.items()), "```", ""]
    market = {k: v for k, v in overrides.items() if k in SETTINGS}
    if market:
        lines += ["As TOML: the market settings into the scenario every scenario extends "
                  "(baseline_2025),", "", "```toml", *_toml(market), "```", "",
                  f"and the historical world's unknowns into {scenario.name}:"]
    else:
        lines += ["As TOML: the historical world's unknowns into "
                  f"{scenario.name} (the market settings were not searched):"]
    lines += ["", "```toml", *_toml({k: v for k, v in overrides.items() if k not in SETTINGS}),
              "```", ""]
    (out / "best.md").write_text("\n".join(lines))
    names = [name for name in SETTINGS | HISTORY_SETTINGS if name in table.columns]
    fig = Figure(figsize=(3.2 * min(len(names), 4), 2.8 * math.ceil(len(names) / 4)),
                 layout="constrained")
    axes = list(fig.subplots(math.ceil(len(names) / 4), min(len(names), 4),
                             squeeze=False).flat)
    finite = table[np.isfinite(table["loss"])]
    matched = finite["facts_matched"]
    dots = None
    for ax, name in zip(axes, names, strict=False):
        dots = ax.scatter(finite[name], finite["loss"], s=14, c=matched, cmap="viridis",
                          vmin=matched.min(), vmax=max(matched.max(), matched.min() + 1))
        current = finite[finite["point"] == -1]
        ax.scatter(current[name], current["loss"], s=40, facecolors="none",
                   edgecolors="#d62728", linewidths=1.5, label="as it stands")
        ax.scatter(best[name], best["loss"], s=110, marker="*", color="#d62728",
                   edgecolors="black", linewidths=0.5,
                   label="best (ranked first: most facts, then loss)")
        ax.set_xlabel(name, fontsize=8)
        ax.set_ylabel("loss", fontsize=8)
        ax.grid(alpha=0.3)
    spare = axes[len(names):]  # what the grid has beyond the settings
    for ax in spare:
        ax.axis("off")
    if names:  # the key in the grid's first empty cell, clear of the points, if any
        key, where = (spare[0], "center") if spare else (axes[0], "upper right")
        key.legend(*axes[0].get_legend_handles_labels(), fontsize=7, loc=where)
        fig.colorbar(dots, ax=axes[:len(names)], label="facts matched", shrink=0.6)
    fig.suptitle(f"Fact loss against each setting, {scenario.name}")
    fig.savefig(out / "loss.png", dpi=110)
    return ["calibration.csv", "best.md", "loss.png"]
