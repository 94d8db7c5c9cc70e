"""The replay's charts: the model's band over seeds against the recorded points."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import ScalarFormatter

MARKETS = {"outside_china": ("outside China", "#d62728"), "china": ("inside China", "#1f77b4")}
PRODUCT_TITLES = {"ndpr_oxide": "NdPr oxide (record: Nd oxide)",
                  "dytb_oxide": "Dy/Tb oxide (record: Dy oxide)"}
RECORD_MARKERS = {"ndpr_oxide": "o", "dytb_oxide": "s", "la_oxide": "^"}


def band(frame: pd.DataFrame, column: str = "value", by: str = "date") -> pd.DataFrame:
    """Median and 10-90% range over seeds at each ``by`` value."""
    grouped = frame.groupby(by)[column]
    return pd.DataFrame({"median": grouped.median(), "p10": grouped.quantile(0.1),
                         "p90": grouped.quantile(0.9)})


def _draw_band(ax, frame: pd.DataFrame, column: str, color: str, label: str) -> None:
    stats = band(frame, column)
    ax.fill_between(stats.index, stats["p10"], stats["p90"], color=color, alpha=0.2,
                    linewidth=0)
    ax.plot(stats.index, stats["median"], color=color, linewidth=1.4, label=label)


def prices_plot(prices: pd.DataFrame, record: pd.DataFrame, products: tuple[str, ...],
                path: Path, seeds: int) -> None:
    """Oxide prices outside and inside China: model band and recorded quotes, log scale."""
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    axes = fig.subplots(1, len(products), squeeze=False).ravel()
    start, end = prices["date"].min(), prices["date"].max()
    for ax, product in zip(axes, products, strict=True):
        for market, (label, color) in MARKETS.items():
            rows = prices[(prices["product"] == product) & (prices["market"] == market)]
            _draw_band(ax, rows, "value", color, f"model {label} (median, 10-90%)")
            seen = record[(record["product"] == product) & (record["market"] == market)
                          & record["date"].between(start, end)]
            ax.scatter(seen["date"], seen["value"], color=color, edgecolor="black", zorder=3,
                       marker="o", s=30, label=f"record {'FOB China' if market ==
                                                          'outside_china' else 'China domestic'}")
        ax.set_yscale("log")
        ax.set_title(PRODUCT_TITLES.get(product, product))
        ax.set_ylabel("USD/kg (log scale)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper right")
    fig.suptitle(f"Oxide prices, model over {seeds} seeds against the record")
    fig.savefig(path, dpi=110)


def quota_plot(exports: pd.DataFrame, quota: pd.DataFrame, record: pd.DataFrame,
               path: Path, seeds: int, smuggled: pd.DataFrame | None = None) -> None:
    """China's exports as a share of the export quota in force: model against record.

    A share needs no common unit: the model carries only the NdPr and Dy/Tb in
    rare-earth oxide (its quota is scaled to them), the record all of it.
    ``smuggled`` (the same columns as ``exports``), when given, is stacked on top:
    oxide that left outside the quota and the customs record.
    """
    def share_band(table: pd.DataFrame) -> pd.DataFrame:
        shares = table.merge(quota.dropna(), on="year")
        return band(shares.assign(share=100 * shares["exports_t"] / shares["quota_t"]),
                    "share", by="year")

    stats = share_band(exports)
    fig = Figure(figsize=(8, 4.2), layout="constrained")
    ax = fig.subplots()
    years = stats.index.to_numpy()
    ax.bar(years, stats["median"], width=0.6, color="#9ecae1",
           yerr=[stats["median"] - stats["p10"], stats["p90"] - stats["median"]], capsize=3,
           label="model: exports of concentrate and oxides (median, 10-90%)")
    if smuggled is not None and len(smuggled):
        extra = share_band(smuggled).reindex(years, fill_value=0.0)
        ax.bar(years, extra["median"], width=0.6, bottom=stats["median"], color="white",
               edgecolor="#6baed6", hatch="///", label="model: smuggled, outside the quota")
    ax.axhline(100, color="black", linewidth=1.5, label="the quota")
    seen = record.dropna(subset=["actual_exports_t", "quota_t"])
    seen = seen[seen["year"].isin(years)]
    recorded = 100 * seen["actual_exports_t"] / seen["quota_t"]
    ax.scatter(seen["year"], recorded, color="#d62728", zorder=3, label="recorded exports")
    for row, value in zip(seen.itertuples(), recorded, strict=True):
        if row.exports_period != "full year":
            ax.annotate(row.exports_period, (row.year, value), fontsize=7,
                        textcoords="offset points", xytext=(5, 5))
    ax.set_xticks(years)
    ax.set_ylabel("% of the export quota in force")
    ax.set_title(f"China's exports against its export quota, model over {seeds} seeds")
    fig.legend(fontsize=7, loc="outside lower center", ncols=2)  # the bars fill the axes
    ax.grid(True, axis="y", alpha=0.3)
    fig.savefig(path, dpi=110)


def gap_plot(ratios: pd.DataFrame, record: pd.DataFrame, products: tuple[str, ...],
             path: Path, seeds: int) -> None:
    """Outside-China over China price, model band per product and recorded ratios."""
    colors = dict(zip(products, ("#2ca02c", "#9467bd", "#8c564b"), strict=False))
    fig = Figure(figsize=(9, 4.2), layout="constrained")
    ax = fig.subplots()
    for product in products:
        _draw_band(ax, ratios[ratios["product"] == product], "ratio", colors[product],
                   f"model {product} (median, 10-90%)")
    start, end = ratios["date"].min(), ratios["date"].max()
    for product, rows in record[record["date"].between(start, end)].groupby("product"):
        ax.scatter(rows["date"], rows["ratio"], marker=RECORD_MARKERS.get(product, "o"),
                   color=colors.get(product, "#ff7f0e"), edgecolor="black", zorder=3, s=40,
                   label=f"record {product}")
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.yaxis.set_minor_formatter(ScalarFormatter())
    ax.set_ylabel("export / domestic price (log scale)")
    ax.set_title(f"Export/domestic price gap, model over {seeds} seeds against the record")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.savefig(path, dpi=110)


def share_price_plot(series: pd.DataFrame, listing: str, record: pd.DataFrame,
                     path: Path, seeds: int) -> None:
    """The US miner's modelled share price, with the recorded IPO and high."""
    fig = Figure(figsize=(8, 4.2), layout="constrained")
    ax = fig.subplots()
    _draw_band(ax, series, "value", "#1f77b4", f"model {listing} (median, 10-90%)")
    if not record.empty:
        ax.scatter(record["date"], record["value"], color="#d62728", edgecolor="black",
                   zorder=3, label="record")
        for row in record.itertuples():
            ax.annotate(row.label, (row.date, row.value), fontsize=7,
                        textcoords="offset points", xytext=(5, 5))
    ax.set_yscale("log")
    ax.set_ylabel("USD/share (log scale)")
    ax.set_title(f"{listing} share price, model over {seeds} seeds")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.savefig(path, dpi=110)

