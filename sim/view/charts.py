"""Live charts for the browser view: small matplotlib figures drawn from recorder arrays.

Every browser session keeps its own figures. A figure's static parts (axes,
ticks, labels, legend) are drawn only when its layout changes: the time window
grows, a y-range is outgrown, or a new series appears. Otherwise the saved
background bitmap is restored and only the data artists are drawn on top of it
(blitting on the Agg canvas), so one frame of a chart costs a few milliseconds
instead of ~70 ms for a full matplotlib draw.

The charts read the model only through ``Snapshot`` (recorder arrays, the
region list, the scenario's start date); they hold no model logic.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import threading
from abc import ABC, abstractmethod

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from PIL import Image

from sim.world import PRODUCTS, STAGES, WEEKS_PER_YEAR, step_date

# Agg rendering from several sessions' threads at once is not something
# matplotlib promises to support; frames are a few ms, so serialise them.
RENDER_LOCK = threading.Lock()

CHINA_COLOR = "#c0392b"
OUTSIDE_COLOR = "#1f2d3d"
REGION_COLORS = ["#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f",
                 "#bcbd22", "#e377c2", "#393b79"]
PRODUCT_LABELS = {
    "concentrate": "Concentrate",
    "ndpr_oxide": "NdPr oxide",
    "dytb_oxide": "Dy/Tb oxide",
    "magnet": "NdFeB magnet",
}
PRODUCT_SHORT = {"concentrate": "conc.", "ndpr_oxide": "NdPr", "dytb_oxide": "Dy/Tb",
                 "magnet": "magnets"}
FLOW_TITLES = {
    "concentrate": "Concentrate: mines → refiners",
    "ndpr_oxide": "NdPr oxide: refiners → magnet makers",
    "dytb_oxide": "Dy/Tb oxide: refiners → magnet makers",
    "magnet": "Magnets: magnet makers → end users",
}
# lengths of the time axis, in weeks: it grows in steps as the run goes on
WINDOWS = (26, 52, 78, 104, 156, 208, 260, 390, 520, 780, 1040, 1560, 2080, 5200)
FLOW_WEEKS = 13  # trade-flow heatmaps show the average of the last quarter (shipments are lumpy)
PNG_LEVEL = 1  # zlib level: fast; the PNG travels over loopback or a LAN

BASE_STYLE = {"font.size": 8.5, "axes.titlesize": 9, "axes.labelsize": 8,
              "xtick.labelsize": 7.5, "ytick.labelsize": 7.5, "legend.fontsize": 7.5}


class Snapshot:
    """What the charts read from a model at one moment; arrays are cached per snapshot."""

    def __init__(self, model):
        self.model = model
        self.regions: list[str] = list(model.regions)
        self.china: int | None = model.china
        self.start: dt.date = model.spec.start_date
        self.steps: int = int(model.steps)
        self.x = np.asarray(model.recorder.steps, dtype=float)
        self._cache: dict[str, np.ndarray] = {}

    def series(self, metric: str) -> np.ndarray:
        if metric not in self._cache:
            self._cache[metric] = self.model.recorder.stacked(metric)
        return self._cache[metric]

    def licensed(self) -> np.ndarray:
        if "_licensed" not in self._cache:
            self._cache["_licensed"] = np.stack(self.model.recorder.licensed)
        return self._cache["_licensed"]

    @property
    def outside(self) -> list[int]:
        return [i for i in range(len(self.regions)) if i != self.china]


# -- small helpers ---------------------------------------------------------------------
def window_weeks(steps: int) -> int:
    """Length of the time axis: the smallest standard window that holds the run so far."""
    for weeks in WINDOWS:
        if steps <= weeks:
            return weeks
    return int(math.ceil(steps / 520) * 520)


def time_ticks(start: dt.date, weeks: int, max_ticks: int) -> tuple[list[float], list[str]]:
    """Tick positions (in steps) at month or year starts, and their labels."""
    end = step_date(start, weeks)
    for months in (1, 2, 3, 6, 12, 24, 36, 60, 120):
        ticks = []
        year, month = start.year, start.month
        while True:
            day = dt.date(year, month, 1)
            if day > end:
                break
            aligned = (month - 1) % months == 0 if months < 12 else (
                month == 1 and year % (months // 12) == 0)
            if day >= start and aligned:
                ticks.append(day)
            month += 1
            if month > 12:
                year, month = year + 1, 1
        if len(ticks) <= max_ticks:
            break
    fmt = "%b %y" if months < 12 else "%Y"
    positions = [(day - start).days / 7 for day in ticks]
    return positions, [day.strftime(fmt) for day in ticks]


def sticky_limits(current: tuple[float, float] | None, lo: float, hi: float,
                  floor_zero: bool = True) -> tuple[float, float]:
    """Keep the current y-range while it fits the data well; else a roomier one.

    Changing a range forces a full redraw, so a new range gets headroom (and at
    least 30% of the data's magnitude as span) and is kept until the data leaves
    it or fills much less of it than a fresh range would.
    """
    if not (np.isfinite(lo) and np.isfinite(hi)):
        lo, hi = 0.0, 1.0
    span = max(hi - lo, 0.3 * max(abs(hi), abs(lo)), 1e-9)
    if current is not None:
        c_lo, c_hi = current
        if c_lo <= lo and hi <= c_hi and (c_hi - c_lo) <= 3.5 * span:
            return current
    new_lo, new_hi = lo - 0.15 * span, hi + max(0.35 * span, 0.3 * abs(hi))
    if floor_zero and lo >= 0:
        new_lo = max(0.0, new_lo)
    return _round_down(new_lo), _round_up(new_hi)


def _round_up(value: float) -> float:
    if value <= 0:
        return -_round_down(-value)
    step = 10 ** math.floor(math.log10(value)) / 4
    return math.ceil(value / step) * step


def _round_down(value: float) -> float:
    if value <= 0:
        return -_round_up(-value) if value < 0 else 0.0
    step = 10 ** math.floor(math.log10(value)) / 4
    return math.floor(value / step) * step


def _si(value: float, _pos=None) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1e6:
        return f"{value / 1e6:g}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def encode_png(canvas: FigureCanvasAgg) -> bytes:
    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="png", compress_level=PNG_LEVEL)
    return out.getvalue()


# -- the base class --------------------------------------------------------------------
class LiveChart(ABC):
    """A figure with a static background and animated data artists."""

    name = "chart"
    title = ""
    size = (5.2, 3.2)
    dpi = 100

    def __init__(self, snap: Snapshot):
        with rc_context(BASE_STYLE):
            self.fig = Figure(figsize=self.size, dpi=self.dpi, facecolor="white")
            self.canvas = FigureCanvasAgg(self.fig)
            self.dynamic: list = []
            self._key = None
            self._background = None
            self.build(snap)

    @abstractmethod
    def build(self, snap: Snapshot) -> None:
        """Draw the static parts: axes, labels, legends, empty artists."""

    @abstractmethod
    def update(self, snap: Snapshot) -> tuple:
        """Put the snapshot's data into the artists; return the layout key."""

    def frame(self, snap: Snapshot) -> bytes:
        """One PNG of the chart for the snapshot."""
        with RENDER_LOCK, rc_context(BASE_STYLE):
            key = self.update(snap)
            if key != self._key or self._background is None:
                self.canvas.draw()
                self._background = self.canvas.copy_from_bbox(self.fig.bbox)
                self._key = key
            else:
                self.canvas.restore_region(self._background)
            renderer = self.canvas.get_renderer()
            for artist in self.dynamic:
                if artist.get_visible():
                    artist.draw(renderer)
            return encode_png(self.canvas)

    def full_png(self, snap: Snapshot, dpi: int = 150) -> bytes:
        """A full-resolution PNG (for downloads); invalidates the saved background."""
        with RENDER_LOCK, rc_context(BASE_STYLE):
            self.update(snap)
            out = io.BytesIO()
            self.fig.savefig(out, format="png", dpi=dpi, facecolor="white")
            self._key, self._background = None, None
            return out.getvalue()

    # helpers for subclasses
    def _animated(self, artist):
        artist.set_animated(True)
        self.dynamic.append(artist)
        return artist

    @staticmethod
    def _time_axis(ax, snap: Snapshot, weeks: int, max_ticks: int) -> None:
        ax.set_xlim(0, weeks)
        positions, labels = time_ticks(snap.start, weeks, max_ticks)
        ax.set_xticks(positions, labels)


def region_colors(snap: Snapshot) -> list[str]:
    colors, k = [], 0
    for i in range(len(snap.regions)):
        if i == snap.china:
            colors.append(CHINA_COLOR)
        else:
            colors.append(REGION_COLORS[k % len(REGION_COLORS)])
            k += 1
    return colors


# -- prices ----------------------------------------------------------------------------
class PricesChart(LiveChart):
    """Price of each product by region; China thick red, the demand-weighted average
    outside China dashed black. Titles carry the unit."""

    name = "prices"
    title = "Prices by product and region (USD/kg)"
    size = (5.2, 3.6)

    def build(self, snap: Snapshot) -> None:
        self.axes = self.fig.subplots(2, 2)
        self.fig.subplots_adjust(left=0.08, right=0.975, top=0.84, bottom=0.08, hspace=0.42,
                                 wspace=0.2)
        colors = region_colors(snap)
        self.lines: list[list] = []
        handles = []
        for ax, product in zip(self.axes.flat, PRODUCTS, strict=True):
            ax.set_title(f"{PRODUCT_LABELS[product]} (USD/kg)", loc="left", pad=3)
            ax.grid(alpha=0.25, lw=0.5)
            ax.yaxis.set_major_locator(MaxNLocator(4))
            row = []
            for i, code in enumerate(snap.regions):
                china = i == snap.china
                (line,) = ax.plot([], [], lw=2.0 if china else 0.8, color=colors[i],
                                  alpha=1.0 if china else 0.75, label=code,
                                  zorder=3 if china else 2)
                row.append(self._animated(line))
            if snap.china is not None:
                (avg,) = ax.plot([], [], lw=1.4, ls="--", color=OUTSIDE_COLOR,
                                 label="outside China (avg)", zorder=4)
                row.append(self._animated(avg))
            self.lines.append(row)
            if not handles:
                handles = row
        self.fig.legend(handles=handles, loc="upper center", ncol=min(len(handles), 8),
                        frameon=False, handlelength=1.4, columnspacing=0.8,
                        handletextpad=0.4, fontsize=7, bbox_to_anchor=(0.5, 1.0))
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
        return (weeks, tuple(self.limits))


# -- policy: quotas, licence approval, tariffs ---------------------------------------
def _group_series(keys: list[tuple], data: list[np.ndarray]) -> list[tuple[str, np.ndarray]]:
    """Merge series with identical histories; label them compactly.

    ``keys`` are (region, partner or "", product) triples.
    """
    groups: dict[bytes, tuple[np.ndarray, list[tuple]]] = {}
    for key, values in zip(keys, data, strict=True):
        tag = np.nan_to_num(values, nan=-1.0, posinf=-2.0).round(6).tobytes()
        groups.setdefault(tag, (values, []))[1].append(key)
    out = []
    for values, members in groups.values():
        by_route: dict[tuple, set] = {}
        for region, partner, product in members:
            by_route.setdefault((region, partner), set()).add(product)
        by_products: dict[tuple, list] = {}
        for (region, partner), products in by_route.items():
            names = tuple(p for p in PRODUCTS if p in products)
            by_products.setdefault((region, names), []).append(partner)
        parts = []
        for (region, names), partners in by_products.items():
            what = "all" if len(names) == len(PRODUCTS) else ", ".join(
                PRODUCT_SHORT[n] for n in names)
            route = region if not partners[0] else f"{region}→{','.join(partners)}"
            parts.append(f"{route} ({what})")
        out.append(("; ".join(parts), values))
    return out


class PolicyChart(LiveChart):
    """Export quotas, licence approval rates and tariffs over time."""

    name = "policy"
    title = "Export quotas, licence approval and tariffs"
    size = (5.2, 3.6)
    MAX_LINES = 7
    PANELS = (
        ("export_quota", "Export quotas (t/yr)", "no export quota in force"),
        ("license_approval_rate", "Licence approval (% of requested volume)",
         "no export licensing"),
        ("tariff", "Import tariffs (%): importer←exporter", "no tariffs"),
    )

    def build(self, snap: Snapshot) -> None:
        self.axes = self.fig.subplots(3, 1, sharex=True)
        self.fig.subplots_adjust(left=0.09, right=0.63, top=0.94, bottom=0.07, hspace=0.42)
        self.lines = []
        self.empty_notes = []
        for ax, (_metric, title, empty) in zip(self.axes, self.PANELS, strict=True):
            ax.set_title(title, loc="left", pad=3)
            ax.grid(alpha=0.25, lw=0.5)
            ax.yaxis.set_major_locator(MaxNLocator(3))
            ax.yaxis.set_major_formatter(FuncFormatter(_si))
            row = []
            for k in range(self.MAX_LINES):
                (line,) = ax.step([], [], where="post", lw=1.2,
                                  color=REGION_COLORS[k % len(REGION_COLORS)])
                row.append(self._animated(line))
            self.lines.append(row)
            self.empty_notes.append(ax.text(0.5, 0.5, empty, ha="center", va="center",
                                            transform=ax.transAxes, color="grey"))
        self.limits: list[tuple[float, float] | None] = [None] * 3
        self.legends: list = [None] * 3

    def _panel_series(self, snap: Snapshot, metric: str) -> list[tuple[str, np.ndarray]]:
        regions = snap.regions
        data = snap.series(metric)
        if metric == "export_quota":
            ever = np.isfinite(data).any(axis=0)  # region x product
            keys = [(regions[r], "", PRODUCTS[p]) for r, p in np.argwhere(ever)]
            values = [np.where(np.isfinite(data[:, r, p]), data[:, r, p], np.nan)
                      for r, p in np.argwhere(ever)]
        else:
            if metric == "license_approval_rate":
                ever = snap.licensed().any(axis=0)
            else:
                ever = (data != 0).any(axis=0)
            ever &= ~np.eye(len(regions), dtype=bool)[:, :, np.newaxis]
            combos = np.argwhere(ever)
            if metric == "tariff":  # importer ← exporter
                keys = [(regions[a], regions[b], PRODUCTS[p]) for a, b, p in combos]
            else:  # exporter → partner
                keys = [(regions[a], regions[b], PRODUCTS[p]) for a, b, p in combos]
            values = [data[:, a, b, p] for a, b, p in combos]
        grouped = _group_series(keys, values)
        if metric == "tariff":
            grouped = [(label.replace("→", "←"), v) for label, v in grouped]
        grouped.sort(key=lambda item: -np.nan_to_num(item[1][-1]))
        return grouped[: self.MAX_LINES]

    def update(self, snap: Snapshot) -> tuple:
        weeks = window_weeks(snap.steps)
        labels_key = []
        for k, (ax, row, (metric, _t, _e)) in enumerate(
                zip(self.axes, self.lines, self.PANELS, strict=True)):
            series = self._panel_series(snap, metric)
            labels = tuple(label for label, _ in series)
            for line, (label, values) in zip(row, series, strict=False):
                line.set_data(snap.x, values)
                line.set_visible(True)
                line.set_label(label)
            for line in row[len(series):]:
                line.set_visible(False)
            self.empty_notes[k].set_visible(not series)
            if series:
                stacked = np.concatenate([v for _, v in series])
                finite = stacked[np.isfinite(stacked)]
                lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0, 1)
                if metric == "license_approval_rate":
                    self.limits[k] = (0.0, 105.0)
                else:
                    self.limits[k] = sticky_limits(self.limits[k], 0.0, hi)
            else:
                self.limits[k] = (0.0, 1.0)
            ax.tick_params(axis="y", labelleft=bool(series))
            ax.set_ylim(*self.limits[k])
            if labels != getattr(ax, "_res_labels", None):
                ax._res_labels = labels
                if self.legends[k] is not None:
                    self.legends[k].remove()
                self.legends[k] = ax.legend(handles=row[: len(series)], loc="upper left",
                                            bbox_to_anchor=(1.0, 1.05), frameon=False,
                                            fontsize=6.3, handlelength=1.2) if series else None
            labels_key.append(labels)
        self._time_axis(self.axes[-1], snap, weeks, 7)
        return (weeks, tuple(self.limits), tuple(labels_key))


# -- trade flows -----------------------------------------------------------------------
class TradeFlowChart(LiveChart):
    """Who ships to whom at each stage: exporter (rows) x importer (columns), kt/yr,
    averaged over the last 13 weeks; log colour scale, domestic cells grey."""

    name = "trade"
    title = "Trade flows by stage (kt/yr, last 13 weeks)"
    size = (5.2, 4.2)
    VMIN, VMAX = 0.01, 100.0  # kt/yr
    LABEL_MIN_KT = 0.1  # cells with less are coloured but carry no number

    def build(self, snap: Snapshot) -> None:
        n = len(snap.regions)
        self.axes = self.fig.subplots(2, 2)
        self.fig.subplots_adjust(left=0.08, right=0.86, top=0.9, bottom=0.06, wspace=0.08,
                                 hspace=0.32)
        self.fig.suptitle("Shipments from exporter (rows) to importer (columns), kt/yr, "
                          "average of the last 13 weeks", fontsize=7.5, x=0.47, y=0.985)
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
            ax.set_title(FLOW_TITLES[product], fontsize=7, pad=3)
            ax.set_xticks(range(n), snap.regions, fontsize=6.5)
            ax.set_yticks(range(n), snap.regions if j % 2 == 0 else [], fontsize=6.5)
            ax.tick_params(length=0, pad=1.5)
            row = []
            for a in range(n):
                for b in range(n):
                    text = ax.text(b, a, "", ha="center", va="center", fontsize=6.3,
                                   color="white", visible=False)
                    row.append(self._animated(text))
            self.labels.append(row)
        cax = self.fig.add_axes((0.885, 0.2, 0.022, 0.6))
        self.fig.colorbar(self.images[0], cax=cax)
        cax.tick_params(labelsize=6)
        cax.set_title("kt/yr", fontsize=6)

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
                    text.set_text(f"{value:.0f}" if value >= 10 else f"{value:.1f}")
                    text.set_color("black" if value > 10 else "white")
                    text.set_visible(True)
                else:
                    text.set_visible(False)
        return ()


# -- capacity --------------------------------------------------------------------------
class CapacityChart(LiveChart):
    """Installed capacity by stage, inside China against everyone else."""

    name = "capacity"
    title = "Capacity by stage, China vs outside (kt/yr)"
    size = (5.2, 2.2)
    STAGE_TITLES = {"mining": "Mining (kt REO/yr)", "refining": "Refining (kt feed/yr)",
                    "magnets": "Magnets (kt/yr)"}

    def build(self, snap: Snapshot) -> None:
        self.axes = self.fig.subplots(1, len(STAGES))
        self.fig.subplots_adjust(left=0.07, right=0.955, top=0.74, bottom=0.13, wspace=0.3)
        self.lines = []
        for ax, stage in zip(self.axes, STAGES, strict=True):
            ax.set_title(self.STAGE_TITLES[stage], loc="left", pad=3)
            ax.grid(alpha=0.25, lw=0.5)
            ax.yaxis.set_major_locator(MaxNLocator(4))
            inside = outside = None
            if snap.china is not None:
                (inside,) = ax.plot([], [], color=CHINA_COLOR, lw=1.6, label="China")
                self._animated(inside)
            (outside,) = ax.plot([], [], color=OUTSIDE_COLOR, lw=1.6, label="outside China")
            self._animated(outside)
            self.lines.append((inside, outside))
        self.fig.legend(handles=[h for h in self.lines[0] if h is not None], loc="upper center",
                        ncol=2, frameon=False, bbox_to_anchor=(0.5, 1.01))
        self.limits: list[tuple[float, float] | None] = [None] * len(STAGES)

    def update(self, snap: Snapshot) -> tuple:
        capacity = snap.series("capacity") / 1000  # steps x region x stage, kt/yr
        weeks = window_weeks(snap.steps)
        for k, (ax, (inside, outside)) in enumerate(zip(self.axes, self.lines, strict=True)):
            out = capacity[:, snap.outside, k].sum(axis=1)
            outside.set_data(snap.x, out)
            lo, hi = float(out.min()), float(out.max())
            if inside is not None:
                ins = capacity[:, snap.china, k]
                inside.set_data(snap.x, ins)
                lo, hi = min(lo, float(ins.min())), max(hi, float(ins.max()))
            self.limits[k] = sticky_limits(self.limits[k], 0.0, hi)
            ax.set_ylim(*self.limits[k])
            self._time_axis(ax, snap, weeks, 3)
        return (weeks, tuple(self.limits))


# -- asset prices (listed firms and ETFs) ------------------------------------------------
ASSET_METRIC = "asset_price"


def asset_names(model) -> tuple[str, ...]:
    """Names of the listed assets the model records prices for; () if none.

    Investors (and so asset prices) are optional in the model: the chart appears
    only when the recorder has an ``asset_price`` metric with named assets.
    """
    from sim.recorder import METRICS

    if ASSET_METRIC not in METRICS:
        return ()
    labels = getattr(model.recorder, "labels", None) or {}
    return tuple(labels.get(ASSET_METRIC, ()))


def asset_prices_available(model) -> bool:
    return bool(asset_names(model))


class AssetPricesChart(LiveChart):
    """Share and ETF prices, each indexed to 100 at the start of the run."""

    name = "assets"
    title = "Asset prices of listed firms and ETFs (index, start = 100)"
    size = (5.2, 2.5)
    MAX_LINES = 10

    def build(self, snap: Snapshot) -> None:
        self.names = asset_names(snap.model)[: self.MAX_LINES]
        self.ax = self.fig.subplots()
        self.fig.subplots_adjust(left=0.08, right=0.66, top=0.9, bottom=0.12)
        self.ax.set_title("Price index (start = 100)", loc="left", pad=3)
        self.ax.grid(alpha=0.25, lw=0.5)
        self.ax.yaxis.set_major_locator(MaxNLocator(4))
        self.lines = []
        for k, name in enumerate(self.names):
            wide = name == "market_index"
            (line,) = self.ax.plot([], [], lw=1.6 if wide else 1.0,
                                   ls="--" if wide else "-",
                                   color=OUTSIDE_COLOR if wide else
                                   REGION_COLORS[k % len(REGION_COLORS)],
                                   label=name.replace("_", " "))
            self.lines.append(self._animated(line))
        self.ax.legend(handles=self.lines, loc="upper left", bbox_to_anchor=(1.0, 1.05),
                       frameon=False, fontsize=6.5, handlelength=1.4)
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
        return (weeks, self.limits)


CHARTS: tuple[type[LiveChart], ...] = (PricesChart, PolicyChart, TradeFlowChart, CapacityChart)
# where each chart sits on the page (and in the PNG download): two columns
COLUMNS = (("prices", "trade"), ("policy", "capacity", "assets"))


def charts_for(model) -> tuple[type[LiveChart], ...]:
    """The live charts this model has data for."""
    return CHARTS + ((AssetPricesChart,) if asset_prices_available(model) else ())
