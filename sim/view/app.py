"""The browser view of Rare Earth Standoff (a Solara app; ``python run.py serve``).

Layout: a sidebar with the run controls (Reset, Step, Play/Pause, speed), the
scenario picker, seed and structural parameters (applied on Reset), policy
levers a player pulls mid-run (decisions for a state, applied in its turn next week)
and downloads; a main area with headline figures, live charts, state
scorecards and the news feed.

Why not Mesa's ``SolaraViz`` shell: its Reset rebuilds the model as
``type(model)(**params, scenario=<mesa Scenario>)``, which collides with
``StandoffModel``'s own ``scenario`` argument (a scenario file), and
``page = SolaraViz(model)`` shares one model among all browser sessions. The
page therefore uses plain Solara components, one ``ViewSession`` per browser
session, and the same conventions (matplotlib figures as images, a reactive
counter that charts read to re-render).
"""

from __future__ import annotations

import threading
import time

import reacton.ipywidgets as rw
import solara

from sim.charts import BY_NAME, CHARTS
from sim.news import news_feed
from sim.scenario import ScenarioError
from sim.view import panels
from sim.view.chart_base import Snapshot
from sim.view.controls import (
    LeverControls,
    ScenarioControls,
    card_note,
    card_title,
    initial_pending,
)
from sim.view.market_charts import ASSET_METRIC
from sim.view.session import RunSettings, ViewSession

DEFAULT_SPEED = 13  # weeks per second: a quarter a second
FRAME_PAUSE = 0.03  # s between Play frames: room for clicks and for the browser to paint
MAX_SPEED = 52


# -- run controls -------------------------------------------------------------------------
@solara.component
def RunControls(session: ViewSession, tick: solara.Reactive[int],
                playing: solara.Reactive[bool], speed: solara.Reactive[int],
                pending: solara.Reactive[dict], error: solara.Reactive[str],
                resets: solara.Reactive[int]):
    # This component does not read ``tick``: its buttons must not be redrawn on every
    # frame of Play (a click landing on a button being replaced is lost).

    def play_loop(cancel: threading.Event):
        """Step at ``speed`` weeks per second and let the page draw after each frame.

        The loop waits until the page has drawn a frame before it advances the run
        again, and leaves a short pause for clicks. When a frame takes longer to
        draw than a week at the chosen speed, the next frame advances several weeks
        (at most three quarters of a second of run time) so the run keeps its pace;
        the charts then update every few weeks instead of every week. While playing, a frame
        redraws at most one chart's background (``ViewSession.frames``); after the
        last frame one more brings every chart up to date.
        """
        if not playing.value:
            return
        session.playing = True
        try:
            _play(cancel)
        finally:
            session.playing = False
            if session.stale:  # a chart put off its redraw: one more frame
                tick.value += 1

    def _play(cancel: threading.Event):
        rate = speed.value
        start, done = time.perf_counter(), 0
        while playing.value and not cancel.is_set():
            now = time.perf_counter()
            if speed.value != rate:
                rate, start, done = speed.value, now, 0
            due = int((now - start) * rate) + 1 - done
            if due <= 0:
                time.sleep(min(0.02, (done - (now - start) * rate) / rate))
                continue
            if due > rate:  # more than a second behind: drop the backlog
                start, due = now - done / rate, 1
            left = session.end_steps - session.steps
            if left <= 0:
                playing.set(False)
                break
            weeks = min(due, max(1, rate * 3 // 4), left)
            with session.lock:  # Pause takes this lock too: no step after a Pause
                if not playing.value or cancel.is_set():
                    break
                session.step(weeks)
            done += weeks
            tick.value += 1
            session.wait_drawn(tick.value, timeout=2.0)
            time.sleep(FRAME_PAUSE)

    solara.use_thread(play_loop, dependencies=[playing.value, session.generation],
                      intrusive_cancel=False)

    def toggle_play():
        with session.lock:  # waits for a Play frame's steps to finish
            playing.set(not playing.value)

    def do_step(weeks: int = 1):
        session.step(weeks)
        tick.value += 1

    def do_reset():
        with session.lock:
            playing.set(False)
        settings = pending.value
        try:
            session.reset(RunSettings(settings["scenario"], settings["seed"],
                                      settings["overrides"]))
        except ScenarioError as exc:
            error.set("\n".join(exc.messages))
        else:
            error.set("")
        resets.value += 1
        tick.value += 1

    with solara.Card("Run", margin=0, classes=["res-run"]):
        WeekLabel(session, tick)
        with solara.Row(gap="6px"):
            solara.Button("Reset", color="primary", on_click=do_reset)
            solara.Button("Pause" if playing.value else "Play", color="primary",
                          icon_name="mdi-pause" if playing.value else "mdi-play",
                          on_click=toggle_play)
            solara.Button("Step", color="primary", on_click=lambda: do_step(1),
                          disabled=playing.value)
            solara.Button("Step year", on_click=lambda: do_step(52), disabled=playing.value,
                          outlined=True)
        with solara.Div(classes=["res-speed"]):
            solara.SliderInt(f"Speed: {speed.value} weeks/s", value=speed, min=1,
                             max=MAX_SPEED)
        if error.value:
            solara.Error(error.value, classes=["res-error"])


@solara.component
def WeekLabel(session: ViewSession, tick: solara.Reactive[int]):
    tick.value  # noqa: B018 - re-render with the run
    at_end = session.steps >= session.end_steps
    card_note(f"Week {session.steps} of {session.end_steps}"
          + (" (end of the scenario's run: Play stops here, Step goes on)" if at_end else ""))


# -- downloads --------------------------------------------------------------------------------
@solara.component
def Downloads(session: ViewSession, tick: solara.Reactive[int],
              playing: solara.Reactive[bool]):
    if not playing.value:  # file names carry the week; not redrawn during Play
        tick.value  # noqa: B018
    stem = session.file_stem()
    # Stable callables: FileDownload starts afresh whenever its data argument changes.
    csv = solara.use_memo(lambda: session.csv_bytes, [session])
    png = solara.use_memo(lambda: session.charts_png, [session])
    news = solara.use_memo(lambda: session.news_bytes, [session])
    decisions = solara.use_memo(lambda: session.decisions_bytes, [session])
    with solara.Card("Download", margin=0), solara.Column(gap="4px"):
        solara.FileDownload(csv, filename=f"{stem}.csv", label="Data (CSV)",
                            mime_type="text/csv")
        solara.FileDownload(png, filename=f"{stem}-charts.png", label="Charts (PNG)",
                            mime_type="image/png")
        solara.FileDownload(news, filename=f"{stem}-news.csv", label="News (CSV)",
                            mime_type="text/csv")
        solara.FileDownload(decisions, filename=f"{stem}-decisions.jsonl",
                            label="Decisions (JSONL)", mime_type="application/x-ndjson")


# -- main area ---------------------------------------------------------------------------------
@solara.component
def Chart(name: str, png: bytes):
    spec = BY_NAME[name]
    with solara.Card(margin=0, classes=["res-card", f"res-card-{name}"]):
        card_title(spec.title)
        rw.Image(value=png, format="png", _dom_classes=["res-chart", f"res-chart-{name}"],
                 layout={"width": "100%", "height": "auto"})
        card_note(spec.draws)


@solara.component
def Panel(title: str, html: str, name: str):
    with solara.Card(margin=0, classes=["res-card", f"res-card-{name}"]):
        card_title(title)
        solara.HTML(tag="div", unsafe_innerHTML=html, classes=[f"res-{name}-box"])


@solara.component
def Dashboard(session: ViewSession, tick: solara.Reactive[int]):
    """Two columns on a wide page, one on a narrow one (see panels.CSS): a chart is
    never shown narrower than its own pixels, so its text stays readable."""
    t = tick.value
    frames = solara.use_memo(session.frames, [t, session.generation])
    solara.use_effect(lambda: session.mark_drawn(t), [t])
    with session.lock:
        model = session.model
        snap = Snapshot(model)
        spec = model.spec
        headline = panels.headline_html(snap, spec.name, spec.title, model.seed,
                                        spec.steps)
        scored = ({m.region for m in spec.manufacturers.values()}
                  | {m.region for m in spec.magnet_makers.values()})
        scores = panels.scorecard_html(snap, {code: r.name for code, r in spec.regions.items()},
                                       scored)
        goals = panels.goals_html(snap, {code: r.policy for code, r in spec.regions.items()},
                                  list(model.diplomacy.deals),
                                  panels.talks(model.news.items, session.names))
        news = panels.news_html(news_feed(list(model.news.items), session.names), model.steps)
    solara.HTML(tag="div", unsafe_innerHTML=headline, classes=["res-headline"])
    with solara.Div(classes=["res-dash-wrap"]), solara.Div(classes=["res-dash"]):
        with solara.Div(classes=["res-col"]):
            for chart in CHARTS:
                if chart.column == 0 and chart.name in frames:
                    Chart(chart.name, frames[chart.name])
            Panel("State scorecards", scores, "scores")
            Panel("Goals and deals", goals, "goals")
        with solara.Div(classes=["res-col"]):
            for chart in CHARTS:
                if chart.column == 1 and chart.name in frames:
                    Chart(chart.name, frames[chart.name])
                    if chart.name == "capacity":
                        Panel("News", news, "news")
            if "assets" not in frames:
                with solara.Card(margin=0, classes=["res-card", "res-card-assets"]):
                    card_title(BY_NAME["assets"].title)
                    card_note("No listed firms or ETFs in this run: the model records no "
                              f"'{ASSET_METRIC}' for them (investors are off in this "
                              "scenario). The chart appears here when it does.")


@solara.component
def Header(session: ViewSession, resets: solara.Reactive[int]):
    resets.value  # noqa: B018 - the title changes on Reset
    spec = session.model.spec
    solara.AppBarTitle(f"Rare Earth Standoff · {spec.title or spec.name}")


@solara.component
def Page():
    session = solara.use_memo(ViewSession, [])
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    error = solara.use_reactive("")
    resets = solara.use_reactive(0)
    pending = solara.use_reactive(solara.use_memo(lambda: initial_pending(session), [session]))

    solara.Title("Rare Earth Standoff")
    solara.Style(panels.CSS)
    with solara.AppBar():
        Header(session, resets)
    with solara.Sidebar(), solara.Column(gap="10px"):
        RunControls(session, tick, playing, speed, pending, error, resets)
        ScenarioControls(session, pending)
        LeverControls(session, tick, playing)
        Downloads(session, tick, playing)
    Dashboard(session, tick)
