"""Sidebar controls: scenario, seed and structural sliders (applied on Reset) and the
policy levers a player pulls mid-run: each a decision for the state it belongs to (or
for the state picked in "Decide as"), checked at once and applied in that state's turn
next week through the decision interface (``ViewSession.apply``)."""

from __future__ import annotations

from html import escape

import solara

from sim.scenario import ScenarioError
from sim.scenario import levers as lv
from sim.view.chart_base import PRODUCT_LABELS, Snapshot
from sim.view.session import GROWTH_KEY, ViewSession
from sim.world import PRODUCTS

# China's export quota slider, per product: (max, step, default) in t/yr
QUOTA_RANGE = {
    "concentrate": (100_000, 1_000, 20_000),
    "ndpr_oxide": (20_000, 250, 5_000),
    "dytb_oxide": (1_000, 10, 100),
    "magnet": (100_000, 1_000, 40_000),
}
LICENSED_PRODUCTS = ["dytb_oxide", "magnet"]
OWN_STATE = "each lever's own state"  # the "Decide as" entry that acts for the lever's owner
LABEL_TITLE_CHARS = 28  # of a scenario's title in the picker (the full title shows below it)


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

    labels = solara.use_memo(lambda: scenario_labels(session), [session])
    keys = {label: key for key, label in labels.items()}
    with solara.Card("Scenario (applies on Reset)", margin=0, classes=["res-scenario-card"]):
        with solara.Div(classes=["res-scenario-select"]):
            solara.Select("Scenario", values=list(labels.values()),
                          value=labels.get(settings["scenario"], settings["scenario"]),
                          on_value=lambda label: choose(keys.get(label, label)))
        if defaults["title"]:
            card_note(defaults["title"])
        solara.InputInt("Seed", value=settings["seed"] if settings["seed"] is not None else 0,
                        on_value=set_seed)
        solara.SliderFloat(f"Demand growth: {settings['growth']:g}%/yr", value=settings["growth"],
                           min=-5.0,
                           max=15.0, step=0.5, on_value=set_growth)
        if defaults["investors"]:
            share = settings.get("speculators", defaults["speculators"])
            solara.SliderFloat(f"Investor mix: {share:.0f}% speculators", value=share, min=0.0,
                               max=100.0, step=5.0, on_value=set_speculators)
            card_note(f"Of {defaults['investors']:,} investors: trend followers and news traders "
                  "against fundamentalists.")


def scenario_labels(session: ViewSession) -> dict[str, str]:
    """Picker entry of each scenario: its name and the start of its title."""
    labels = {}
    for key in session.choices:
        try:
            title = session.load(key).title
        except ScenarioError:
            title = "has errors"
        if len(title) > LABEL_TITLE_CHARS:
            title = title[: LABEL_TITLE_CHARS - 1].rstrip(" ,:;") + "…"
        labels[key] = f"{key}: {title}" if title else key
    return labels


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
    acting = solara.use_reactive(OWN_STATE)
    note = solara.use_reactive("")
    if acting.value not in (OWN_STATE, *regions):  # after a Reset
        acting.set(OWN_STATE)

    def apply(change):
        from sim.decisions import DecisionRefused

        try:
            week = session.apply(change, None if acting.value == OWN_STATE else acting.value)
        except DecisionRefused as refused:
            note.set(f"Refused, nothing changed: {refused}")
            return
        note.set(f"Decided: applied in week {week}, in that state's turn (see the news "
                 "feed once you step).")
        tick.value += 1

    with solara.Card("Policy levers (decided now, applied next week)", margin=0):
        card_note("Each lever is a decision of the state it belongs to: checked now, applied "
                  "in that state's turn next week and kept in the decision log (Download), "
                  "so the run can be replayed. An AI state may move it again in its own "
                  "turn; later timeline events of the scenario may too.")
        with solara.Div(classes=["res-decide-as"]):
            solara.Select("Decide as", values=[OWN_STATE, *regions], value=acting)
        if note.value:
            card_note(note.value)
        if china is None or china not in regions:
            card_note("This scenario names no China region: quota and licensing levers "
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
            lever_heading(f"{china} export quota")
            solara.Select("Product", values=[PRODUCT_LABELS[p] for p in PRODUCTS],
                          value=PRODUCT_LABELS[product.value], on_value=choose_product)
            solara.SliderInt(f"Quota: {quota.value:,} t/yr", value=quota, min=0, max=top,
                             step=step_size)
            card_note(f"Exported ≈{exported:,.0f} t/yr over the last 52 weeks; quota in "
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
            lever_heading(f"{china} export licensing",
                     "Dy/Tb oxide and magnets, all destinations, military use 0%")
            solara.SliderInt(f"Civil approval: {approval.value}%", value=approval, min=0,
                             max=100, step=5)
            solara.SliderInt(f"Delay: {delay.value} days", value=delay, min=0, max=120, step=5)
            card_note(f"Magnet approval now: {min(others):.0f}–{max(others):.0f}% of "
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
        lever_heading("Import tariff", "all products")
        with solara.Row(gap="6px"):
            solara.Select("Importer", values=regions, value=importer)
            solara.Select("on goods from", values=regions, value=exporter)
        solara.SliderInt(f"Tariff: {tariff.value}%", value=tariff, min=0, max=250, step=5)
        same = importer.value == exporter.value
        card_note("Pick two different regions." if same else
                    f"In force now: {importer.value} on {exporter.value}: {current:.0f}%")
        solara.Button("Set tariff", small=True, disabled=same, on_click=lambda: apply(lv.Tariff(
            type="tariff", importer=importer.value, exporters=[exporter.value],
            products="all", percent=tariff.value)))
        OfferControl(session, tick)


@solara.component
def OfferControl(session: ViewSession, tick: solara.Reactive[int]):
    """Make an offer as one state and watch the other answer (next week, in the news)."""
    model = session.model
    regions = list(model.regions)
    china = model.spec.china if model.spec.china in regions else regions[-1]
    tariff_by = solara.use_reactive("US" if "US" in regions and china != "US" else regions[0])
    proposer = solara.use_reactive(tariff_by.value)
    tariff_to = solara.use_reactive(20)
    civil = solara.use_reactive(90)
    note = solara.use_reactive("")
    if tariff_by.value not in regions or proposer.value not in (tariff_by.value, china):
        tariff_by.set(regions[0] if regions[0] != china else regions[-1])
        proposer.set(tariff_by.value)
        return

    def send():
        from sim.decisions import DecisionRefused

        try:
            session.offer(lv.Offer(
                type="offer", actor=proposer.value, tariff_by=tariff_by.value,
                licences_by=china, tariff_to_percent=tariff_to.value,
                civil_approval_percent=civil.value, military_approval_percent=0))
        except DecisionRefused as refused:
            note.set(str(refused))
            return
        other = china if proposer.value == tariff_by.value else tariff_by.value
        note.set(f"Sent in week {session.steps}: it is posted next week and {other} answers "
                 "the week after (see Talks and the news feed).")
        tick.value += 1

    lever_heading(f"Offer a framework with {china}",
                  "tariff cuts against a civil licence fast track")
    same = tariff_by.value == china
    with solara.Row(gap="6px"):
        solara.Select("Tariff cut by", values=[r for r in regions if r != china],
                      value=tariff_by, on_value=lambda code: (tariff_by.set(code),
                                                              proposer.set(code)))
        solara.Select("Offer made by", values=[tariff_by.value, china], value=proposer)
    solara.SliderInt(f"Tariff down to: {tariff_to.value}%", value=tariff_to, min=0, max=150,
                     step=5)
    solara.SliderInt(f"Civil approval: {civil.value}%", value=civil, min=0, max=100, step=5)
    solara.Button("Send offer", small=True, disabled=same, on_click=send)
    if note.value:
        card_note(note.value)


def card_title(text: str) -> None:
    solara.HTML(tag="div", unsafe_innerHTML=escape(text), classes=["res-card-title"])


def card_note(text: str) -> None:
    solara.HTML(tag="div", unsafe_innerHTML=escape(text), classes=["res-muted"])


def lever_heading(text: str, detail: str = "") -> None:
    solara.HTML(tag="div", unsafe_innerHTML=f"<b>{escape(text)}</b>"
                + (f' <span class="res-muted">({escape(detail)})</span>' if detail else ""),
                classes=["res-lever-heading"])
