"""Matplotlib charts drawn from the tidy table (no pyplot: safe in servers)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.world import PRODUCTS

PRODUCT_TITLES = {
    "concentrate": "Concentrate (USD/kg REO)",
    "ndpr_oxide": "NdPr oxide (USD/kg)",
    "dytb_oxide": "Dy/Tb oxide (USD/kg)",
    "magnet": "NdFeB magnet (USD/kg)",
}


def _dates(frame: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(frame["date"])


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="grey")


def prices_figure(table: pd.DataFrame, china: str | None = "CN") -> Figure:
    """Price by product, one line per region; China drawn thick."""
    fig = Figure(figsize=(11, 7), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True)
    prices = table[table["metric"] == "price"]
    for ax, product in zip(axes.flat, PRODUCTS, strict=True):
        rows = prices[prices["product"] == product]
        for region, series in rows.groupby("region", sort=False):
            wide = region == china
            ax.plot(_dates(series), series["value"], label=region, lw=2.4 if wide else 1.1,
                    color="crimson" if wide else None)
        ax.set_title(PRODUCT_TITLES[product], fontsize=10)
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8, ncol=2)
    fig.suptitle("Prices by product and region")
    return fig


def trade_figure(table: pd.DataFrame, china: str | None = None, product: str = "magnet") -> Figure:
    """The largest cross-border routes for one product, stacked."""
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    ax = fig.subplots()
    flows = table[(table["metric"] == "trade_flow") & (table["product"] == product)]
    if flows.empty:
        _empty(ax, f"no cross-border trade in {product}")
    else:
        flows = flows.assign(route=flows["region"] + " → " + flows["partner"])
        wide = flows.pivot_table(index="date", columns="route", values="value", aggfunc="sum")
        top = wide.sum().sort_values(ascending=False).index[:10]
        wide = wide[top]
        ax.stackplot(pd.to_datetime(wide.index), wide.T.values * 52 / 1000, labels=top)
        ax.legend(fontsize=7, ncol=2, loc="upper left")
        ax.set_ylabel("kt/yr")
    ax.set_title(f"Trade flows of {product} (largest routes)")
    ax.grid(alpha=0.3)
    return fig


def policy_figure(table: pd.DataFrame, china: str | None = None) -> Figure:
    """Export quotas, licence approval rates and tariffs over time."""
    fig = Figure(figsize=(11, 8), layout="constrained")
    axes = fig.subplots(3, 1, sharex=True)
    panels = [("export_quota", "Export quotas (t/yr)", ("region", "product")),
              ("license_approval_rate", "Licence approval (%)", ("region", "partner", "product")),
              ("tariff", "Tariffs (%)", ("region", "partner", "product"))]
    for ax, (metric, title, keys) in zip(axes, panels, strict=True):
        rows = table[table["metric"] == metric]
        if rows.empty:
            _empty(ax, f"no {title.split(' (')[0].lower()} in this run")
        for key, series in rows.groupby(list(keys), sort=False):
            label = " ".join(str(k) for k in key if k)
            ax.step(_dates(series), series["value"], where="post", label=label, lw=1.2)
        if not rows.empty:
            groups = rows.groupby(list(keys)).ngroups
            ax.legend(fontsize=7, ncol=3 if groups > 6 else 1, loc="upper left")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
    return fig


def capacity_figure(table: pd.DataFrame, china: str | None = "CN") -> Figure:
    """Capacity by stage, China against everyone else."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    axes = fig.subplots(1, 3, sharex=True)
    rows = table[table["metric"] == "capacity"]
    for ax, stage in zip(axes, ("mining", "refining", "magnets"), strict=True):
        stage_rows = rows[rows["product"] == stage]
        inside = stage_rows[stage_rows["region"] == china].groupby("date")["value"].sum()
        outside = stage_rows[stage_rows["region"] != china].groupby("date")["value"].sum()
        ax.plot(pd.to_datetime(inside.index), inside / 1000, color="crimson", label="China")
        ax.plot(pd.to_datetime(outside.index), outside / 1000, color="navy", label="outside")
        ax.set_title(f"{stage} capacity (kt/yr)", fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    return fig


CHARTS = {
    "prices.png": prices_figure,
    "trade_flows.png": trade_figure,
    "quotas_tariffs.png": policy_figure,
    "capacity.png": capacity_figure,
}
