"""End-of-run figures for summaries, sweeps and sensitivity analysis."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.world import PRODUCTS, STAGES

if TYPE_CHECKING:
    from sim.interfaces import MeasuredWorld

LAST_YEAR = 52
SHORTAGE_SHARE = 0.01  # a week counts as short when more than this share of demand is unmet


KPI_METRICS = ("price", "demand", "unmet_demand", "capacity")  # what ``kpis`` reads


def kpis(model: MeasuredWorld) -> dict[str, float]:
    """Headline figures: prices inside and outside China, shortages, capacity shares."""
    rec = model.recorder
    prices, demand = rec.stacked("price"), rec.stacked("demand")
    unmet, capacity = rec.stacked("unmet_demand"), rec.stacked("capacity")
    price, use = prices[-LAST_YEAR:], demand[-LAST_YEAR:]
    china = model.china
    outside = [i for i in range(len(model.regions)) if i != china]
    out: dict[str, float] = {}
    for j, product in enumerate(PRODUCTS):
        weights = use[:, outside, j].sum(axis=0) + 1e-9
        ex_china = float((price[:, outside, j].mean(axis=0) * weights).sum() / weights.sum())
        out[f"price_{product}_outside_china_last_year"] = ex_china
        peak = prices[:, outside, j].max()
        out[f"peak_price_{product}_outside_china"] = float(peak)
        if china is not None:
            domestic = float(price[:, china, j].mean())
            out[f"price_{product}_china_last_year"] = domestic
            out[f"price_gap_{product}_percent"] = 100 * (ex_china / domestic - 1)
        total = demand[:, :, j].sum()
        out[f"unmet_share_{product}_percent"] = float(100 * unmet[:, :, j].sum() / max(total, 1e-9))
    for k, stage in enumerate(STAGES):
        end = capacity[-1, :, k]
        out[f"capacity_{stage}_outside_china_t_per_year"] = float(end[outside].sum())
        if china is not None:
            out[f"china_share_{stage}_capacity_percent"] = float(
                100 * end[china] / max(end.sum(), 1e-9))
    out.update(_sweep_outcomes(model, prices, demand, unmet, capacity, outside))
    return {key: round(value, 6) for key, value in out.items() if np.isfinite(value)}


def _sweep_outcomes(model: MeasuredWorld, price: np.ndarray, demand: np.ndarray,
                    unmet: np.ndarray, capacity: np.ndarray,
                    outside: list[int]) -> dict[str, float]:
    """Peak price ratios outside/inside China, weeks of shortage, capacity built, deals.

    The arrays are whole runs (steps x region x ...), as ``kpis`` read them.
    """
    china = model.china
    out: dict[str, float] = {}
    for j, product in enumerate(PRODUCTS):
        if china is not None:
            weights = demand[:, outside, j].sum(axis=0) + 1e-9
            ex_china = (price[:, outside, j] * weights).sum(axis=1) / weights.sum()
            ratio = ex_china / np.maximum(price[:, china, j], 1e-9)
            out[f"peak_price_ratio_{product}_outside_china"] = float(ratio.max())
        short = unmet[:, :, j].sum(axis=1) > SHORTAGE_SHARE * demand[:, :, j].sum(axis=1)
        out[f"shortage_weeks_{product}"] = float(short.sum())
    for k, stage in enumerate(STAGES):
        built = capacity[-1, outside, k].sum() - capacity[0, outside, k].sum()
        out[f"capacity_{stage}_outside_china_built_t_per_year"] = float(built)
    deals = model.diplomacy.deals
    out["deals_signed"] = float(len(deals))
    out["deals_broken"] = float(sum(bool(deal.defected_by) for deal in deals))
    return out
