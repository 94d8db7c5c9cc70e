"""Live charts of policy and capacity: quotas, licences, tariffs; capacity by stage."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.view.chart_base import (
    CHINA_COLOR,
    OUTSIDE_COLOR,
    PRODUCT_SHORT,
    REGION_COLORS,
    LiveChart,
    Snapshot,
    si_label,
    sticky_limits,
    window_weeks,
)
from sim.world import PRODUCTS, STAGES


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
    """Export quotas, licence approval rates and tariffs over time.

    Series with identical histories share one line; each panel shows its
    ``MAX_LINES`` highest series, labelled by route: ``CN→US`` ships from CN to
    the US (quotas, licences), ``US on CN`` is the US tariff on goods from CN.
    """

    size = (5.2, 5.2)
    MAX_LINES = 7  # the seven regions' routes from one exporter fit beside a panel
    PANELS = (
        ("export_quota", "Export quotas (t/yr)", "no export quota in force"),
        ("license_approval_rate", "Licence approval (%)", "no export licensing"),
        ("tariff", "Import tariffs (%)", "no tariffs"),
    )

    def build(self, snap: Snapshot) -> None:
        self.fig.set_layout_engine("constrained", h_pad=0.04, w_pad=0.03)
        self.axes = self.fig.subplots(3, 1, sharex=True)
        self.lines = []
        self.empty_notes = []
        for ax, (_metric, title, empty) in zip(self.axes, self.PANELS, strict=True):
            ax.set_title(title, loc="left", pad=3)
            ax.grid(alpha=0.25, lw=0.5)
            ax.yaxis.set_major_locator(MaxNLocator(3))
            ax.yaxis.set_major_formatter(FuncFormatter(si_label))
            row = []
            for k in range(self.MAX_LINES):
                (line,) = ax.step([], [], where="post", lw=1.8,
                                  color=REGION_COLORS[k % len(REGION_COLORS)])
                row.append(self._animated(line))
            self.lines.append(row)
            self.empty_notes.append(ax.text(0.5, 0.5, empty, ha="center", va="center",
                                            transform=ax.transAxes, color="#555555"))
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
            grouped = [(label.replace("→", " on "), v) for label, v in grouped]
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
                hi = float(finite.max()) if finite.size else 1.0
                if metric == "license_approval_rate":
                    self.limits[k] = (0.0, 105.0)
                else:  # from zero, so a flat quota reads as its size, not as noise
                    self.limits[k] = sticky_limits(self.limits[k], 0.0, hi)
            else:
                self.limits[k] = (0.0, 1.0)
            ax.tick_params(axis="y", labelleft=bool(series), left=bool(series))
            ax.set_ylim(*self.limits[k])
            if labels != getattr(ax, "_res_labels", None):
                ax._res_labels = labels
                if self.legends[k] is not None:
                    self.legends[k].remove()
                self.legends[k] = ax.legend(handles=row[: len(series)], loc="upper left",
                                            bbox_to_anchor=(1.0, 1.02), frameon=False,
                                            handlelength=1.2, labelspacing=0.25,
                                            borderaxespad=0.3) if series else None
            labels_key.append(labels)
        self._time_axis(self.axes[-1], snap, weeks, 5)
        return (weeks, tuple(labels_key)), tuple(self.limits)

# -- capacity --------------------------------------------------------------------------
class CapacityChart(LiveChart):
    """Installed capacity by stage, inside China against everyone else."""

    size = (5.2, 2.8)
    STAGE_TITLES = {"mining": "Mining\n(kt REO/yr)", "refining": "Refining\n(kt feed/yr)",
                    "magnets": "Magnets\n(kt/yr)"}

    def build(self, snap: Snapshot) -> None:
        self.fig.set_layout_engine("constrained", h_pad=0.03, w_pad=0.03)
        self.axes = self.fig.subplots(1, len(STAGES))
        self.lines = []
        for ax, stage in zip(self.axes, STAGES, strict=True):
            ax.set_title(self.STAGE_TITLES[stage], loc="left", pad=3)
            ax.grid(alpha=0.25, lw=0.5)
            ax.yaxis.set_major_locator(MaxNLocator(4))
            inside = outside = None
            if snap.china is not None:
                (inside,) = ax.plot([], [], color=CHINA_COLOR, lw=2.2, label="China")
                self._animated(inside)
            (outside,) = ax.plot([], [], color=OUTSIDE_COLOR, lw=2.2, label="outside China")
            self._animated(outside)
            self.lines.append((inside, outside))
        self.fig.legend(handles=[h for h in self.lines[0] if h is not None],
                        loc="outside upper center", ncol=2, frameon=False)
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
        return (weeks,), tuple(self.limits)
