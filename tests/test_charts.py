"""The charts: one registry for the view and the files of ``run``, and readable text
(no text under the minimum size, none overlapping another, none cut off) in every
shipped scenario, live at several points of a run and as written to files."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.charts import CHARTS, charts_for, write_charts
from sim.scenario import available_scenarios
from sim.view.chart_base import MIN_FONT_PT, Snapshot
from sim.view.table_snapshot import TableSnapshot
from tests.conftest import finished_model

CHARTED = ("price", "demand", "trade_flow", "export_quota", "license_approval_rate", "tariff",
           "capacity", "asset_price")


def visible_texts(chart) -> list:
    """Every text drawn in the chart's last frame: titles, ticks, legends, notes, labels."""
    fig = chart.fig
    texts = list(fig.texts) + [t for legend in fig.legends for t in legend.get_texts()]
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis._update_ticks():  # the ticks inside the view limits
                texts += [label for label in (tick.label1, tick.label2) if label.get_visible()]
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label,
                  *ax.texts]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def readability_problems(chart, name: str) -> list[str]:
    renderer = chart.canvas.get_renderer()
    texts = visible_texts(chart)
    boxes = [t.get_window_extent(renderer) for t in texts]
    problems = [f"{name}: {t.get_text()!r} at {t.get_fontsize():g} pt"
                for t in texts if t.get_fontsize() < MIN_FONT_PT]
    frame = chart.fig.bbox
    for text, box in zip(texts, boxes, strict=True):
        if box.x0 < frame.x0 - 1 or box.y0 < frame.y0 - 1 or box.x1 > frame.x1 + 1 or (
                box.y1 > frame.y1 + 1):
            problems.append(f"{name}: {text.get_text()!r} is cut off at the edge")
    for (a, box_a), (b, box_b) in itertools.combinations(zip(texts, boxes, strict=True), 2):
        width = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
        height = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
        if width > 1 and height > 1:
            problems.append(f"{name}: {a.get_text()!r} overlaps {b.get_text()!r}")
    return problems


def test_the_registry_names_each_chart_once_with_a_title_a_description_and_a_file():
    assert len({spec.name for spec in CHARTS}) == len(CHARTS)
    assert len({spec.file for spec in CHARTS}) == len(CHARTS)
    for spec in CHARTS:
        assert spec.title and spec.draws and spec.file.endswith(".png")


def test_the_view_and_the_files_draw_the_registry_charts(tmp_path):
    from sim.view.session import ViewSession

    model = finished_model("baseline_2025", 0, 30)
    view = ViewSession()
    assert [type(chart) for chart in view.charts.values()] == [
        spec.chart for spec in charts_for(Snapshot(view.model))]
    written = write_charts(model.timeseries(), model.spec, tmp_path)
    assert written == [spec.file for spec in charts_for(Snapshot(model))]
    for name in written:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("scenario", ["baseline_2025", "escalation"])
def test_the_tidy_table_reads_back_as_the_recorder_arrays(scenario):
    model = finished_model(scenario, 0, 60)
    live = Snapshot(model)
    table = TableSnapshot.of_scenario(model.timeseries(), model.spec)
    assert table.steps == live.steps and np.array_equal(table.x, live.x)
    for metric in CHARTED:
        np.testing.assert_array_equal(table.series(metric), live.series(metric), err_msg=metric)
    np.testing.assert_array_equal(table.licensed().any(axis=0), live.licensed().any(axis=0))
    assert table.labels("asset_price") == live.labels("asset_price")


@pytest.mark.parametrize("scenario", available_scenarios())
def test_file_charts_are_readable_in_every_shipped_scenario(scenario):
    model = finished_model(scenario, 0, 520)
    snap = TableSnapshot.of_scenario(model.timeseries(), model.spec)
    problems = []
    for spec in charts_for(snap):
        chart = spec.build(snap)
        chart.frame(snap)
        problems += readability_problems(chart, spec.name)
    assert problems == []


@pytest.mark.parametrize("steps", [0, 1, 30, 60, 200])
def test_live_charts_are_readable_as_the_run_grows(steps):
    model = finished_model("framework_deal", 0, steps)
    snap = Snapshot(model)
    problems = []
    for spec in charts_for(snap):
        chart = spec.build(snap)
        chart.frame(snap)
        problems += readability_problems(chart, spec.name)
    assert problems == []


def policy_chart(scenario: str, steps: int):
    from sim.view.policy_charts import PolicyChart

    model = finished_model(scenario, 0, steps)
    chart = PolicyChart(Snapshot(model))
    chart.frame(Snapshot(model))
    return chart


def test_an_empty_panel_says_so_without_a_meaningless_axis():
    chart = policy_chart("baseline_2025", 60)  # no export quota in the baseline
    quota = chart.axes[0]
    assert chart.empty_notes[0].get_visible()
    assert not any(label.get_visible() and label.get_text()
                   for label in quota.get_yticklabels())


def test_a_flat_quota_is_drawn_from_zero_and_tariff_labels_say_who_imports():
    chart = policy_chart("escalation", 200)  # China caps Dy/Tb oxide exports at 248 t/yr
    low, high = chart.axes[0].get_ylim()
    assert low == 0 and high >= 248
    tariffs = chart.axes[2]._res_labels
    assert tariffs and all(" on " in label and "←" not in label for label in tariffs)
    assert "US on CN (all)" in tariffs
    assert "CN→US (Dy/Tb, magnets)" in chart.axes[1]._res_labels  # every route kept, the
    # tightest too (six destinations here)


def test_charts_kept_through_a_run_stay_readable_without_laying_out_every_range():
    """The view keeps its figures for a whole run: a new y-range whose tick labels
    have the shapes of the old ones reuses the layout, and must still read cleanly."""
    from sim.model import StandoffModel
    from sim.scenario import load_scenario

    model = StandoffModel(load_scenario("framework_deal"), seed=0)
    snap = Snapshot(model)
    charts = {spec.name: spec.build(snap) for spec in charts_for(snap)}
    redraws = layouts = 0
    problems = []
    for week in range(1, 131):
        model.step()
        snap = Snapshot(model)
        for name, chart in charts.items():
            laid_out = chart._laid_out
            chart.frame(snap)
            redraws += chart.redrawn
            layouts += chart._laid_out is not laid_out
            if chart.redrawn or week % 26 == 0:
                problems += [f"week {week}: {p}" for p in readability_problems(chart, name)]
    assert problems == []
    assert layouts < redraws  # some new ranges kept the layout


def test_a_put_off_redraw_draws_the_data_on_the_axes_its_background_shows():
    from sim.model import StandoffModel
    from sim.scenario import load_scenario
    from sim.view.market_charts import PricesChart

    model = StandoffModel(load_scenario("baseline_2025"), seed=0)
    chart = PricesChart(Snapshot(model))
    chart.frame(Snapshot(model))
    model.run(40)  # past the first time window
    snap = Snapshot(model)
    drawn_on_old_axes = {}
    line = chart.lines[0][0]
    real_draw = line.draw
    line.draw = lambda renderer: (drawn_on_old_axes.update(x=line.axes.get_xlim()),
                                  real_draw(renderer))
    put_off = chart.frame(snap, redraw=False)
    assert chart.stale and not chart.redrawn
    assert drawn_on_old_axes["x"] == (0, 26)  # the window the background shows
    assert chart.axes.flat[0].get_xlim() == (0, 52)  # the new one stays set for the redraw
    later = chart.frame(snap)
    assert not chart.stale and chart.redrawn
    assert drawn_on_old_axes["x"] == (0, 52)
    assert later != put_off
    assert chart.frame(snap) == later  # once redrawn, frames blit again
