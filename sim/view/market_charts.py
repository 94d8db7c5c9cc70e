"""Live charts of markets: prices by region, trade flows by stage, listed assets."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.ticker import MaxNLocator

from sim.headlines import readable_id
from sim.view.chart_base import (
    FLOW_TITLES,
    FLOW_WEEKS,
    MIN_FONT_PT,
    OUTSIDE_COLOR,
    PRODUCT_LABELS,
    REGION_COLORS,
    LiveChart,
    Snapshot,
    region_colors,
    sticky_limits,
    window_weeks,
)
from sim.world import PRODUCTS, WEEKS_PER_YEAR


def product_panels(fig, unit: str, ticks: int, **subplots) -> np.ndarray:
    """A 2 x 2 grid of axes, one per product, titled with ``unit`` and lightly gridded."""
    fig.set_layout_engine("constrained", h_pad=0.03, w_pad=0.03)
    axes = fig.subplots(2, 2, **subplots)
    for ax, product in zip(axes.flat, PRODUCTS, strict=True):
        ax.set_title(f"{PRODUCT_LABELS[product]} ({unit})", loc="left", pad=3)
        ax.grid(alpha=0.25, lw=0.5)
        ax.yaxis.set_major_locator(MaxNLocator(ticks))
    return axes


# -- prices ----------------------------------------------------------------------------
class PricesChart(LiveChart):
    """Price of each product by region; China thick red, the demand-weighted average
    outside China dashed black. Titles carry the unit."""

    size = (5.2, 4.0)

    def build(self, snap: Snapshot) -> None:
        self.axes = product_panels(self.fig, "USD/kg", ticks=4)
        colors = region_colors(snap)
        self.lines: list[list] = []
        handles = []
        for ax in self.axes.flat:
            row = []
            for i, code in enumerate(snap.regions):
                china = i == snap.china
                (line,) = ax.plot([], [], lw=2.6 if china else 1.5, color=colors[i],
                                  label=code, zorder=3 if china else 2)
                row.append(self._animated(line))
            if snap.china is not None:
                (avg,) = ax.plot([], [], lw=1.8, ls="--", color=OUTSIDE_COLOR,
                                 label="outside China (avg)", zorder=4)
                row.append(self._animated(avg))
            self.lines.append(row)
            if not handles:
                handles = row
        ncol = min(len(handles), 4)
        rows = -(-len(handles) // ncol)
        # the legend fills column by column: reorder so that it reads row by row
        order = [handles[r * ncol + c] for c in range(ncol) for r in range(rows)
                 if r * ncol + c < len(handles)]
        self.fig.legend(handles=order, loc="outside upper center", ncol=ncol, frameon=False,
                        handlelength=1.6, columnspacing=1.2, handletextpad=0.4)
        self.limits: list[tuple[float, float] | None] = [None] * len(PRODUCTS)

    def update(self, snap: Snapshot) -> tuple:
        price = snap.series("price")  # steps x region x product
        demand = snap.series("demand")
        x = snap.x
        weeks = window_weeks(snap.steps)
        outside = snap.outside
        for j, (ax, row) in enumerate(zip(self.axes.flat, self.lines, strict=True)):
            ys = price[:, :, j]
            for i, line in enumerate(row[: len(snap.regions)]):
                line.set_data(x, ys[:, i])
            lo, hi = float(ys.min()), float(ys.max())
            if snap.china is not None:
                w = demand[:, outside, j] + 1e-9
                avg = (ys[:, outside] * w).sum(axis=1) / w.sum(axis=1)
                row[-1].set_data(x, avg)
            self.limits[j] = sticky_limits(self.limits[j], lo, hi)
            ax.set_ylim(*self.limits[j])
            self._time_axis(ax, snap, weeks, 5)
        return (weeks,), tuple(self.limits)


# -- where buyers buy --------------------------------------------------------------------
class ChinaShareChart(LiveChart):
    """China's share of what each region outside China obtains, per product (%): how
    dependent every importer is, and how fast it diversifies."""

    size = (5.2, 4.0)

    def build(self, snap: Snapshot) -> None:
        self.axes = product_panels(self.fig, "% from China", ticks=3, sharey=True)
        colors = region_colors(snap)
        self.lines: list[list] = []
        handles = []
        for ax in self.axes.flat:
            ax.set_ylim(-3, 103)
            row = [self._animated(ax.plot([], [], lw=1.5, color=colors[i], label=code)[0])
                   for i, code in enumerate(snap.regions) if i != snap.china]
            self.lines.append(row)
            handles = handles or row
        self.fig.legend(handles=handles, loc="outside upper center",
                        ncol=min(len(handles), 6), frameon=False, handlelength=1.6,
                        columnspacing=1.0, handletextpad=0.4)

    def update(self, snap: Snapshot) -> tuple:
        sourcing = snap.series("sourcing_share")  # steps x source x importer x product
        bought = sourcing.sum(axis=1) > 0  # a region that obtained nothing has no line
        shares = np.where(bought, 100 * sourcing[:, snap.china], np.nan)
        weeks = window_weeks(snap.steps)
        for j, (ax, row) in enumerate(zip(self.axes.flat, self.lines, strict=True)):
            for line, i in zip(row, snap.outside, strict=True):
                line.set_data(snap.x, shares[:, i, j])
            self._time_axis(ax, snap, weeks, 5)
        return (weeks,), ()


def china_share_available(snap: Snapshot) -> bool:
    return snap.china is not None


# -- trade flows -----------------------------------------------------------------------
class TradeFlowChart(LiveChart):
    """Who ships to whom at each stage: exporter (rows) x importer (columns), kt/yr,
    averaged over the last 13 weeks; log colour scale, domestic cells grey."""

    size = (5.2, 5.0)
    VMIN, VMAX = 0.01, 100.0  # kt/yr
    LABEL_MIN_KT = 0.1  # cells with less are coloured but carry no number

    def build(self, snap: Snapshot) -> None:
        n = len(snap.regions)
        self.fig.set_layout_engine("constrained", h_pad=0.03, w_pad=0.02)
        self.axes = self.fig.subplots(2, 2)
        self.norm = LogNorm(self.VMIN, self.VMAX, clip=True)
        self.images = []
        self.labels = []
        edges = np.arange(n + 1) - 0.5
        diagonal = np.ma.masked_array(np.ones((n, n)), mask=~np.eye(n, dtype=bool))
        for j, (ax, product) in enumerate(zip(self.axes.flat, PRODUCTS, strict=True)):
            # QuadMesh cells draw much faster than an imshow image on every frame
            ax.pcolormesh(edges, edges, diagonal, cmap="Greys", vmin=0, vmax=6)
            mesh = ax.pcolormesh(edges, edges, np.ma.masked_all((n, n)), cmap="viridis",
                                 norm=self.norm)
            self.images.append(self._animated(mesh))
            ax.set_xlim(-0.5, n - 0.5)
            ax.set_ylim(n - 0.5, -0.5)
            ax.set_title(FLOW_TITLES[product], fontsize=MIN_FONT_PT, pad=3, loc="left")
            ax.set_xticks(range(n), snap.regions, rotation=90 if n > 5 else 0)
            ax.set_yticks(range(n), snap.regions if j % 2 == 0 else [])
            ax.tick_params(length=0, pad=1.5)
            row = []
            for a in range(n):
                for b in range(n):
                    text = ax.text(b, a, "", ha="center", va="center", fontsize=MIN_FONT_PT,
                                   color="white", visible=False)
                    row.append(self._animated(text))
            self.labels.append(row)
        bar = self.fig.colorbar(self.images[0], ax=self.axes, shrink=0.6, aspect=25, pad=0.02)
        bar.set_label("kt/yr", fontsize=MIN_FONT_PT)

    def update(self, snap: Snapshot) -> tuple:
        flows = snap.series("trade_flow")[-FLOW_WEEKS:]  # steps x exporter x importer x product
        kt = flows.mean(axis=0) * WEEKS_PER_YEAR / 1000
        n = len(snap.regions)
        for j, (image, texts) in enumerate(zip(self.images, self.labels, strict=True)):
            grid = kt[:, :, j].copy()
            grid[np.eye(n, dtype=bool)] = np.nan
            grid[grid <= 0] = np.nan
            image.set_array(np.ma.masked_invalid(grid))
            for k, text in enumerate(texts):
                value = grid[k // n, k % n]
                if np.isfinite(value) and value >= self.LABEL_MIN_KT:
                    text.set_text(f"{value:.0f}" if value >= 9.95 else f"{value:.1f}")
                    text.set_color("black" if value > 10 else "white")
                    text.set_visible(True)
                else:
                    text.set_visible(False)
        return (), ()


# -- asset prices (listed firms and ETFs) ------------------------------------------------
ASSET_METRIC = "asset_price"


def asset_names(snap: Snapshot) -> tuple[str, ...]:
    """Names of the listed assets the run records prices for; () if none.

    Investors (and so asset prices) are optional in a scenario: the chart appears
    only when the run has an ``asset_price`` metric with named assets.
    """
    from sim.recorder import METRICS

    return snap.labels(ASSET_METRIC) if ASSET_METRIC in METRICS else ()


def asset_prices_available(snap: Snapshot) -> bool:
    return bool(asset_names(snap))


class AssetPricesChart(LiveChart):
    """Share and ETF prices, each indexed to 100 at the start of the run."""

    size = (5.2, 3.0)
    MAX_LINES = 10

    def build(self, snap: Snapshot) -> None:
        self.names = asset_names(snap)[: self.MAX_LINES]
        self.fig.set_layout_engine("constrained", h_pad=0.03, w_pad=0.03)
        self.ax = self.fig.subplots()
        self.ax.set_title("Price index (start = 100)", loc="left", pad=3)
        self.ax.grid(alpha=0.25, lw=0.5)
        self.ax.yaxis.set_major_locator(MaxNLocator(4))
        self.lines = []
        for k, name in enumerate(self.names):
            wide = name == "market_index"
            (line,) = self.ax.plot([], [], lw=1.8 if wide else 1.4,
                                   ls="--" if wide else "-",
                                   color=OUTSIDE_COLOR if wide else
                                   REGION_COLORS[k % len(REGION_COLORS)],
                                   label=readable_id(name))
            self.lines.append(self._animated(line))
        self.ax.legend(handles=self.lines, loc="upper left", bbox_to_anchor=(1.0, 1.05),
                       frameon=False, handlelength=1.4, labelspacing=0.3)
        self.limits: tuple[float, float] | None = None

    def update(self, snap: Snapshot) -> tuple:
        prices = snap.series(ASSET_METRIC)[:, : len(self.names)]  # steps x assets
        base = np.where(prices[0] > 0, prices[0], np.nan)
        index = 100 * prices / base
        for k, line in enumerate(self.lines):
            line.set_data(snap.x, index[:, k])
        finite = index[np.isfinite(index)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (90.0, 110.0)
        self.limits = sticky_limits(self.limits, lo, hi)
        self.ax.set_ylim(*self.limits)
        weeks = window_weeks(snap.steps)
        self._time_axis(self.ax, snap, weeks, 6)
        return (weeks,), self.limits
