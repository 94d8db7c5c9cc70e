"""The charts: matplotlib figures drawn from a ``Snapshot`` of a run.

In the browser view the snapshot is the running model's recorder arrays and the
figure is redrawn every frame; for the files of ``run`` it is the tidy table of
a finished run (``sim.view.table_snapshot``), drawn once. ``sim.charts``
declares which charts exist.

Every browser session keeps its own figures. A figure's static parts (axes,
ticks, labels, legend) are drawn only when its layout changes: the time window
grows, a y-range is outgrown, or a new series appears. Otherwise the saved
background bitmap is restored and only the data artists are drawn on top of it
(blitting on the Agg canvas), so one frame of a chart costs a few milliseconds
instead of ~70 ms for a full matplotlib draw.

The charts read a run only through a snapshot (metric arrays, the region list,
the scenario's start date); they hold no model logic. Every text is at least
``MIN_FONT_PT`` (12.5 px at the figure's 100 dpi); the page never shows a chart
narrower than its own pixel width, so chart text is at least 12 px on screen.
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
from matplotlib.figure import Figure
from PIL import Image

from sim.world import step_date

# Agg rendering from several sessions' threads at once is not something
# matplotlib promises to support; frames are a few ms, so serialise them.
RENDER_LOCK = threading.Lock()

CHINA_COLOR = "#c0392b"
OUTSIDE_COLOR = "#1f2d3d"
# distinct at a glance on a projector; none close to China's red
REGION_COLORS = ["#1f77b4", "#ff9f1c", "#2ca02c", "#9467bd", "#17becf", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#393b79"]
PRODUCT_LABELS = {
    "concentrate": "Concentrate",
    "ndpr_oxide": "NdPr oxide",
    "dytb_oxide": "Dy/Tb oxide",
    "magnet": "NdFeB magnet",
}
PRODUCT_SHORT = {"concentrate": "conc.", "ndpr_oxide": "NdPr", "dytb_oxide": "Dy/Tb",
                 "magnet": "magnets"}
FLOW_TITLES = {
    "concentrate": "Concentrate → refiners",
    "ndpr_oxide": "NdPr oxide → magnet makers",
    "dytb_oxide": "Dy/Tb oxide → magnet makers",
    "magnet": "Magnets → end users",
}
# lengths of the time axis, in weeks: it grows in steps as the run goes on (each step
# redraws the chart's background, so few of them)
WINDOWS = (26, 52, 104, 156, 260, 520, 780, 1040, 1560, 2080, 5200)
FLOW_WEEKS = 13  # trade-flow heatmaps show the average of the last quarter (shipments are lumpy)
PNG_LEVEL = 1  # zlib level: fast; the PNG travels over loopback or a LAN

MIN_FONT_PT = 9.0  # smallest text in any chart
BASE_STYLE = {"font.size": 10, "axes.titlesize": 10.5, "axes.labelsize": 10,
              "xtick.labelsize": MIN_FONT_PT, "ytick.labelsize": MIN_FONT_PT,
              "legend.fontsize": MIN_FONT_PT}


class Snapshot:
    """What the charts read from a running model at one moment; arrays are cached.

    ``TableSnapshot`` offers the same reading of a finished run's tidy table.
    """

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
        """Steps x exporter x importer x product: was the route under licensing."""
        if "_licensed" not in self._cache:
            self._cache["_licensed"] = np.stack(self.model.recorder.licensed)
        return self._cache["_licensed"]

    def labels(self, metric: str) -> tuple[str, ...]:
        """Names on the product axis of a metric recorded per run (e.g. asset names)."""
        return tuple((getattr(self.model.recorder, "labels", None) or {}).get(metric, ()))

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
        if len(ticks) * (1.5 if months < 12 else 1.0) <= max_ticks:  # "Mar 25" is wider
            break
    fmt = "%b %y" if months < 12 else "%Y"
    positions = [(day - start).days / 7 for day in ticks]
    return positions, [day.strftime(fmt) for day in ticks]


def sticky_limits(current: tuple[float, float] | None, lo: float, hi: float,
                  floor_zero: bool = True) -> tuple[float, float]:
    """Keep the current y-range while it fits the data well; else a roomier one.

    Changing a range forces a full redraw, so a new range gets headroom (half the
    data's span or magnitude above, as a rising price keeps rising; at least 30% of
    the magnitude as span), starts from zero when the data is positive and reaches
    down to 40% of its top, and is kept until the data leaves it or fills much less
    of it than a fresh range would.
    """
    if not (np.isfinite(lo) and np.isfinite(hi)):
        lo, hi = 0.0, 1.0
    span = max(hi - lo, 0.3 * max(abs(hi), abs(lo)), 1e-9)
    if current is not None:
        c_lo, c_hi = current
        if c_lo <= lo and hi <= c_hi and (c_hi - c_lo) <= 4.0 * span:
            return current
    new_lo, new_hi = lo - 0.2 * span, hi + max(0.5 * span, 0.5 * abs(hi))
    if floor_zero and lo >= 0:
        new_lo = 0.0 if lo <= 0.4 * hi else max(0.0, new_lo)
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


def si_label(value: float, _pos=None) -> str:
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

    size = (5.2, 3.2)
    dpi = 100

    def __init__(self, snap: Snapshot):
        with rc_context(BASE_STYLE):
            self.fig = Figure(figsize=self.size, dpi=self.dpi, facecolor="white")
            self.canvas = FigureCanvasAgg(self.fig)
            self.dynamic: list = []
            self._key = None
            self._background = None
            self.stale = True  # the last frame's background is not the one its data needs
            self.redrawn = False  # did the last frame redraw the background
            self.build(snap)
            # A chart lays itself out (constrained layout) only when its layout key
            # changes, never as a side effect of a draw: a blitted frame and a full draw
            # of the same layout are then the same picture.
            self._layout_engine = self.fig.get_layout_engine()
            self._laid_out = None
            if self._layout_engine is not None:
                self.fig.set_layout_engine("none")

    @abstractmethod
    def build(self, snap: Snapshot) -> None:
        """Draw the static parts: axes, labels, legends, empty artists."""

    @abstractmethod
    def update(self, snap: Snapshot) -> tuple[tuple, tuple]:
        """Put the snapshot's data into the artists; return ``(layout, ranges)``.

        ``layout``: what the layout depends on besides tick labels (the time window,
        the series in a legend); ``ranges``: the axis ranges. A change of either
        redraws the background; only a change of ``layout`` or of the tick labels'
        shapes (``tick_signature``) lays the figure out again.
        """

    def frame(self, snap: Snapshot, redraw: bool = True) -> bytes:
        """One PNG of the chart for the snapshot.

        ``redraw=False`` puts off a due background redraw: the data is drawn on the
        old background (clipped to its axes) and ``stale`` stays true until a frame
        redraws it.
        """
        with RENDER_LOCK, rc_context(BASE_STYLE):
            key = self.update(snap)
            self.stale = key != self._key or self._background is None
            self.redrawn = self.stale and (redraw or self._background is None)
            if self.redrawn:
                self.stale = False
                layout = (key[0], tick_signature(self.fig))
                if layout != self._laid_out:
                    self._relayout()
                    self._laid_out = layout
                self.canvas.draw()
                self._background = self.canvas.copy_from_bbox(self.fig.bbox)
                self._background_limits = _view_limits(self.fig)
                self._key = key
            else:
                self.canvas.restore_region(self._background)
            limits = _view_limits(self.fig)
            if self.stale:  # draw the data on the axes the background shows
                _set_view_limits(self.fig, self._background_limits)
            renderer = self.canvas.get_renderer()
            for artist in self.dynamic:
                if artist.get_visible():
                    artist.draw(renderer)
            if self.stale:
                _set_view_limits(self.fig, limits)
            return encode_png(self.canvas)

    def full_png(self, snap: Snapshot, dpi: int = 150) -> bytes:
        """A full-resolution PNG (for downloads); invalidates the saved background."""
        return self._still_png(snap, dpi)

    def file_png(self, snap: Snapshot, title: str, dpi: int = 200) -> bytes:
        """A PNG for a file: the chart with a band holding ``title`` above it."""
        chart = Image.open(io.BytesIO(self._still_png(snap, dpi)))
        with rc_context(BASE_STYLE):
            band = Figure(figsize=(self.size[0], 0.38), dpi=dpi, facecolor="white")
            band.text(0.02, 0.45, title, ha="left", va="center", fontsize=12,
                      fontweight="bold")
            FigureCanvasAgg(band)
            heading = Image.open(io.BytesIO(_png_of(band, dpi)))
        sheet = Image.new("RGB", (chart.width, heading.height + chart.height), "white")
        sheet.paste(heading, (0, 0))
        sheet.paste(chart.convert("RGB"), (0, heading.height))
        out = io.BytesIO()
        sheet.save(out, format="png")
        return out.getvalue()

    def _still_png(self, snap: Snapshot, dpi: int) -> bytes:
        """Draw everything once (data artists too, no blitting) and save it."""
        with RENDER_LOCK, rc_context(BASE_STYLE):
            self.update(snap)
            for artist in self.dynamic:
                artist.set_animated(False)
            self._relayout()
            try:
                return _png_of(self.fig, dpi)
            finally:
                for artist in self.dynamic:
                    artist.set_animated(True)
                self._key, self._background, self._laid_out = None, None, None

    def _relayout(self) -> None:
        if self._layout_engine is not None:
            self._layout_engine.execute(self.fig)

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


def _view_limits(fig: Figure) -> list:
    return [(ax.get_xlim(), ax.get_ylim()) for ax in fig.axes]


def _set_view_limits(fig: Figure, limits: list) -> None:
    for ax, (x, y) in zip(fig.axes, limits, strict=True):
        ax.set_xlim(x, emit=False)
        ax.set_ylim(y, emit=False)


def _label_shape(label: str) -> str:
    # DejaVu Sans (matplotlib's font) draws every digit at one width
    return "".join("0" if c.isdigit() else c for c in label)


def tick_signature(fig: Figure) -> tuple:
    """What the layout needs to know of the tick labels: per axis, the shapes of the
    labels inside the view (digits as 0), the offset text, whether the labels are
    shown, and whether a tick sits at an end of the view (its label then reaches past
    the axes). Equal signatures give equal text extents, so the same layout fits."""
    signature = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            tol = 1e-9 * max(abs(lo), abs(hi), 1.0)
            locs = [v for v in axis.get_majorticklocs() if lo - tol <= v <= hi + tol]
            formatter = axis.get_major_formatter()
            labels = formatter.format_ticks(locs)
            ticks = axis.get_major_ticks(len(locs)) if locs else []
            shown = tuple(t.label1.get_visible() for t in ticks[:1]) + tuple(
                t.label2.get_visible() for t in ticks[:1])
            ends = (bool(locs) and abs(locs[0] - lo) <= tol,
                    bool(locs) and abs(locs[-1] - hi) <= tol)
            signature.append((tuple(_label_shape(x) for x in labels),
                              _label_shape(formatter.get_offset()), shown, ends))
    return tuple(signature)


def _png_of(fig: Figure, dpi: int) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, facecolor="white")
    return out.getvalue()


def region_colors(snap: Snapshot) -> list[str]:
    colors, k = [], 0
    for i in range(len(snap.regions)):
        if i == snap.china:
            colors.append(CHINA_COLOR)
        else:
            colors.append(REGION_COLORS[k % len(REGION_COLORS)])
            k += 1
    return colors
