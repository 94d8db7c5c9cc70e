"""The browser view of Rare Earth Standoff (a Solara app; ``python run.py serve``).

Layout: a sidebar with the run controls (Reset, Step, Play/Pause, speed), the
scenario picker, seed and structural parameters (applied on Reset), policy
levers a player pulls mid-run (applied at once through ``model.apply_change``)
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
from html import escape

import reacton.ipywidgets as rw
import solara

from sim.scenario import ScenarioError
from sim.scenario import levers as lv
from sim.view import panels
from sim.view.charts import ASSET_METRIC, PRODUCT_LABELS, Snapshot
from sim.view.session import GROWTH_KEY, RunSettings, ViewSession
from sim.world import PRODUCTS

DEFAULT_SPEED = 13  # weeks per second: a quarter a second
FRAME_PAUSE = 0.03  # s between Play frames: room for clicks and for the browser to paint
MAX_SPEED = 52
# China's export quota slider, per product: (max, step, default) in t/yr
QUOTA_RANGE = {
    "concentrate": (100_000, 1_000, 20_000),
    "ndpr_oxide": (20_000, 250, 5_000),
    "dytb_oxide": (1_000, 10, 100),
    "magnet": (100_000, 1_000, 40_000),
}
LICENSED_PRODUCTS = ["dytb_oxide", "magnet"]
CHART_TITLES = {
    "prices": "Prices by product and region",
    "policy": "Export quotas, licence approval rates and tariffs",
    "trade": "Trade flows between regions, by stage",
    "capacity": "Capacity by stage, inside and outside China",
    "assets": "Asset prices of listed firms and ETFs",
}


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
        (at most half a second of run time) so the run keeps its pace; the charts
        then update every few weeks instead of every week.
        """
        if not playing.value:
            return
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
            weeks = min(due, max(1, rate // 2), left)
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
    _note(f"Week {session.steps} of {session.end_steps}"
          + (" (end of the scenario's run: Play stops here, Step goes on)" if at_end else ""))


# -- scenario, seed and structural parameters (applied on Reset) -------------------------
CROWD_KINDS = ("fundamentalists", "trend_followers", "news_traders")


@solara.component
def ScenarioControls(session: ViewSession, pending: solara.Reactive[dict]):
    settings = pending.value
    defaults = solara.use_memo(lambda: _scenario_defaults(session, settings["scenario"]),
                               [settings["scenario"]])

    def choose(key: str):
        fresh = _scenario_defaults(session, key)
        pending.set({"scenario": key, "seed": fresh["seed"], "overrides": {},
                     "growth": fresh["growth"], "speculators": fresh["speculators"]})

    def set_seed(value):
        pending.set({**pending.value, "seed": int(value) if value is not None else None})

    def set_growth(value: float):
        update = {**pending.value, "growth": value}
        pending.set({**update, "overrides": _structural_overrides(defaults, update)})

    def set_speculators(value: float):
        update = {**pending.value, "speculators": value}
        pending.set({**update, "overrides": _structural_overrides(defaults, update)})

    with solara.Card("Scenario (applies on Reset)", margin=0, classes=["res-scenario-card"]):
        with solara.Div(classes=["res-scenario-select"]):
            solara.Select("Scenario", values=list(session.choices), value=settings["scenario"],
                          on_value=choose)
        if defaults["title"]:
            _note(defaults["title"])
        solara.InputInt("Seed", value=settings["seed"] if settings["seed"] is not None else 0,
                        on_value=set_seed)
        solara.SliderFloat(f"Demand growth: {settings['growth']:g}%/yr", value=settings["growth"],
                           min=-5.0,
                           max=15.0, step=0.5, on_value=set_growth)
        if defaults["investors"]:
            share = settings.get("speculators", defaults["speculators"])
            solara.SliderFloat(f"Investor mix: {share:.0f}% speculators", value=share, min=0.0,
                               max=100.0, step=5.0, on_value=set_speculators)
            _note(f"Of {defaults['investors']:,} investors: trend followers and news traders "
                  "against fundamentalists.")


def _scenario_defaults(session: ViewSession, key: str) -> dict:
    try:
        scenario = session.load(key)
    except ScenarioError:
        return {"seed": 0, "growth": 4.0, "title": "(this scenario file has errors)",
                "investors": 0, "speculators": 0.0, "crowd": {}}
    crowd, total, speculators = _crowd(scenario)
    return {"seed": scenario.seed, "growth": scenario.demand.growth_percent_per_year,
            "title": scenario.title, "investors": total, "speculators": speculators,
            "crowd": crowd}


def _crowd(scenario) -> tuple[dict, int, float]:
    """Investor counts by kind, their total, and the speculators' share (percent)."""
    crowd = ({kind: getattr(scenario.finance, kind).count for kind in CROWD_KINDS}
             if scenario.finance is not None else {})
    total = sum(crowd.values())
    share = 100 * (total - crowd.get("fundamentalists", 0)) / total if total else 0.0
    return crowd, total, round(share)


def _structural_overrides(defaults: dict, settings: dict) -> dict:
    """Scenario overrides for the Reset-time sliders that differ from the scenario."""
    overrides = {}
    if abs(settings["growth"] - defaults["growth"]) > 1e-9:
        overrides[GROWTH_KEY] = settings["growth"]
    share = settings.get("speculators", defaults["speculators"])
    if defaults["investors"] and abs(share - defaults["speculators"]) > 1e-9:
        crowd, total = defaults["crowd"], defaults["investors"]
        speculators = round(total * share / 100)
        trend_weight = crowd["trend_followers"] / max(
            crowd["trend_followers"] + crowd["news_traders"], 1)
        trend = round(speculators * trend_weight)
        overrides["finance.fundamentalists.count"] = total - speculators
        overrides["finance.trend_followers.count"] = trend
        overrides["finance.news_traders.count"] = speculators - trend
    return overrides


def initial_pending(session: ViewSession) -> dict:
    spec = session.model.spec
    _, _, share = _crowd(spec)
    return {"scenario": session.settings.scenario, "seed": session.model.seed,
            "overrides": dict(session.settings.overrides),
            "growth": spec.demand.growth_percent_per_year, "speculators": share}


# -- policy levers (applied at once) -------------------------------------------------------
@solara.component
def LeverControls(session: ViewSession, tick: solara.Reactive[int],
                  playing: solara.Reactive[bool]):
    if not playing.value:  # captions show the levers in force; not redrawn during Play
        tick.value  # noqa: B018
    model = session.model
    china = model.spec.china
    regions = list(model.regions)
    snap = Snapshot(model)
    product = solara.use_reactive("magnet")
    quota = solara.use_reactive(QUOTA_RANGE["magnet"][2])
    approval = solara.use_reactive(50)
    delay = solara.use_reactive(45)
    default_importer = "US" if "US" in regions and china != "US" else next(
        (r for r in regions if r != china), regions[0])
    importer = solara.use_reactive(default_importer)
    exporter = solara.use_reactive(china or regions[-1])
    tariff = solara.use_reactive(50)
    note = solara.use_reactive("")

    def apply(change):
        session.apply(change)
        note.set(f"Applied in week {session.steps}: see the news feed.")
        tick.value += 1

    with solara.Card("Policy levers (apply now)", margin=0):
        _note("Each lever is applied at the current week and logged in the news; "
                    "later timeline events of the scenario may change it again.")
        if china is None or china not in regions:
            _note("This scenario names no China region: quota and licensing levers "
                        "are off.")
        else:
            # export quota
            def choose_product(label: str):
                key = next(p for p in PRODUCTS if PRODUCT_LABELS[p] == label)
                product.set(key)
                quota.set(QUOTA_RANGE[key][2])

            top, step_size, _ = QUOTA_RANGE[product.value]
            j = PRODUCTS.index(product.value)
            exported = snap.series("exports")[-52:, model.china, j].mean() * 52
            in_force = snap.series("export_quota")[-1, model.china, j]
            _heading(f"{china} export quota")
            solara.Select("Product", values=[PRODUCT_LABELS[p] for p in PRODUCTS],
                          value=PRODUCT_LABELS[product.value], on_value=choose_product)
            solara.SliderInt(f"Quota: {quota.value:,} t/yr", value=quota, min=0, max=top,
                             step=step_size)
            _note(f"Exported ≈{exported:,.0f} t/yr over the last 52 weeks; quota in "
                        f"force: {'none' if in_force == float('inf') else f'{in_force:,.0f} t/yr'}")
            with solara.Row(gap="6px"):
                solara.Button("Set quota", small=True, on_click=lambda: apply(lv.ExportQuota(
                    type="export_quota", exporter=china, products=[product.value],
                    tonnes_per_year=quota.value)))
                solara.Button("Lift quota", small=True, outlined=True,
                              on_click=lambda: apply(lv.ExportQuota(
                                  type="export_quota", exporter=china,
                                  products=[product.value], tonnes_per_year="none")))

            # licensing
            rates = snap.series("license_approval_rate")[-1, model.china][:, PRODUCTS.index(
                "magnet")]
            others = [rates[i] for i in range(len(regions)) if i != model.china]
            _heading(f"{china} export licensing",
                     "Dy/Tb oxide and magnets, all destinations, military use 0%")
            solara.SliderInt(f"Civil approval: {approval.value}%", value=approval, min=0,
                             max=100, step=5)
            solara.SliderInt(f"Delay: {delay.value} days", value=delay, min=0, max=120, step=5)
            _note(f"Magnet approval now: {min(others):.0f}–{max(others):.0f}% of "
                        "requested volume")
            with solara.Row(gap="6px"):
                solara.Button("Set licensing", small=True, on_click=lambda: apply(lv.Licensing(
                    type="licensing", exporter=china, products=LICENSED_PRODUCTS,
                    destinations="all", civil_approval_percent=approval.value,
                    military_approval_percent=0, delay_days=delay.value)))
                solara.Button("Lift licensing", small=True, outlined=True,
                              on_click=lambda: apply(lv.Licensing(
                                  type="licensing", exporter=china, products=LICENSED_PRODUCTS,
                                  destinations="all", controlled=False)))

        # tariffs
        if importer.value not in regions or exporter.value not in regions:  # after a Reset
            importer.set(default_importer)
            exporter.set(china or regions[-1])
            return
        imp, exp = regions.index(importer.value), regions.index(exporter.value)
        current = snap.series("tariff")[-1, imp, exp].max()
        _heading("Import tariff", "all products")
        with solara.Row(gap="6px"):
            solara.Select("Importer", values=regions, value=importer)
            solara.Select("on goods from", values=regions, value=exporter)
        solara.SliderInt(f"Tariff: {tariff.value}%", value=tariff, min=0, max=250, step=5)
        same = importer.value == exporter.value
        _note("Pick two different regions." if same else
                    f"In force now: {importer.value} on {exporter.value}: {current:.0f}%")
        solara.Button("Set tariff", small=True, disabled=same, on_click=lambda: apply(lv.Tariff(
            type="tariff", importer=importer.value, exporters=[exporter.value],
            products="all", percent=tariff.value)))
        if note.value:
            _note(note.value)


def _title(text: str) -> None:
    solara.HTML(tag="div", unsafe_innerHTML=escape(text), classes=["res-card-title"])


def _note(text: str) -> None:
    solara.HTML(tag="div", unsafe_innerHTML=escape(text), classes=["res-muted"])


def _heading(text: str, detail: str = "") -> None:
    solara.HTML(tag="div", unsafe_innerHTML=f"<b>{escape(text)}</b>"
                + (f' <span class="res-muted">({escape(detail)})</span>' if detail else ""),
                classes=["res-lever-heading"])


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
    news = solara.use_memo(lambda: lambda: session.model.events().to_csv(
        index=False, lineterminator="\n").encode("utf-8"), [session])
    with solara.Card("Download", margin=0), solara.Column(gap="4px"):
        solara.FileDownload(csv, filename=f"{stem}.csv", label="Data (CSV)",
                            mime_type="text/csv")
        solara.FileDownload(png, filename=f"{stem}-charts.png", label="Charts (PNG)",
                            mime_type="image/png")
        solara.FileDownload(news, filename=f"{stem}-news.csv", label="News (CSV)",
                            mime_type="text/csv")


# -- main area ---------------------------------------------------------------------------------
@solara.component
def Chart(name: str, png: bytes):
    with solara.Card(margin=0, classes=["res-card", f"res-card-{name}"]):
        _title(CHART_TITLES[name])
        rw.Image(value=png, format="png", _dom_classes=["res-chart", f"res-chart-{name}"],
                 layout={"width": "100%", "height": "auto"})


@solara.component
def Dashboard(session: ViewSession, tick: solara.Reactive[int]):
    t = tick.value
    frames = solara.use_memo(session.frames, [t, session.generation])
    solara.use_effect(lambda: session.mark_drawn(t), [t])
    with session.lock:
        model = session.model
        snap = Snapshot(model)
        spec = model.spec
        headline = panels.headline_html(snap, spec.name, spec.title, model.seed,
                                        spec.steps)
        scores = panels.scorecard_html(snap, {code: r.name for code, r in spec.regions.items()})
        goals = panels.goals_html(snap, {code: r.policy for code, r in spec.regions.items()},
                                  list(model.diplomacy.deals))
        news = panels.news_html(list(model.news.items), model.steps)
    solara.HTML(tag="div", unsafe_innerHTML=headline, classes=["res-headline"])
    with solara.Columns([1, 1], gutters_dense=True):
        with solara.Column(gap="8px"):
            Chart("prices", frames["prices"])
            Chart("trade", frames["trade"])
            with solara.Card(margin=0, classes=["res-card"]):
                _title("State scorecards")
                solara.HTML(tag="div", unsafe_innerHTML=scores)
            with solara.Card(margin=0, classes=["res-card"]):
                _title("Goals and deals")
                solara.HTML(tag="div", unsafe_innerHTML=goals)
        with solara.Column(gap="8px"):
            Chart("policy", frames["policy"])
            Chart("capacity", frames["capacity"])
            with solara.Card(margin=0, classes=["res-card"]):
                _title("News")
                solara.HTML(tag="div", unsafe_innerHTML=news, classes=["res-news-box"])
            if "assets" in frames:
                Chart("assets", frames["assets"])
            else:
                with solara.Card(margin=0, classes=["res-card", "res-assets"]):
                    _title(CHART_TITLES["assets"])
                    _note("No listed firms or ETFs in this run: the model records no "
                          f"'{ASSET_METRIC}' for them (investors are off, or not built "
                          "yet). The chart appears here when it does.")


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
