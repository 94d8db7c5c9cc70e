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
from matplotlib.figure import Figure
from PIL import Image

from sim.world import step_date

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
