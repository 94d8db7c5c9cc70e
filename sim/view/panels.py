"""Text panels of the browser view: headline figures, state scorecards, the news feed.

Plain HTML built from the recorder arrays and the news log; every figure is a
ratio or average of recorded metrics, so the panels hold no model logic.
"""

from __future__ import annotations

from html import escape

import numpy as np

from sim.view.chart_base import PRODUCT_LABELS, Snapshot
from sim.world import MAGNET, NDPR, PRODUCTS, step_date

SHORT_WEEKS = 4  # "now": unmet demand over the last 4 weeks
LONG_WEEKS = 52  # import dependence over the last year
KEY_NEWS_ITEMS = 40  # newest items shown in each list of the feed
ROUTINE_NEWS_ITEMS = 25

CSS = """
.res-kpis { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: baseline;
  font-size: 13px; margin: 0 0 6px 0; }
.res-kpis .res-when { font-size: 15px; font-weight: 600; }
.res-kpis .res-chip { background: #f3f4f6; border-radius: 6px; padding: 2px 8px; }
.res-kpis .res-up { color: #b42318; font-weight: 600; }
.res-kpis .res-down { color: #067647; font-weight: 600; }
.res-muted { color: #475467; font-size: 13px; }
.res-table { border-collapse: collapse; font-size: 13px; width: 100%; }
.res-table th, .res-table td { padding: 2px 6px; border-bottom: 1px solid #eaecf0;
  text-align: right; white-space: nowrap; }
.res-table th:first-child, .res-table td:first-child { text-align: left; }
.res-table th { font-weight: 600; color: #344054; vertical-align: bottom; white-space: normal; }
.res-news { max-height: 330px; overflow-y: auto; font-size: 13px; margin: 0; padding: 0;
  list-style: none; }
.res-news-routine { max-height: 200px; }
.res-news-heading { font-weight: 600; font-size: 13px; margin: 6px 0 2px 0; }
.res-news li { padding: 3px 0; border-bottom: 1px solid #f2f4f7; line-height: 1.3; }
.res-news li.res-new { background: #fffbe6; }
.res-news .res-news-date { color: #475467; font-variant-numeric: tabular-nums; margin-right: 4px; }
.res-src { display: inline-block; font-size: 12px; border-radius: 4px; padding: 0 4px;
  margin-right: 4px; background: #eef2f6; color: #364152; }
.res-src-player { background: #fde8d7; color: #93370d; }
.res-src-timeline { background: #e0eaff; color: #2d31a6; }
.res-src-model { background: #e3f8ef; color: #05603a; }
.res-src-ai, .res-src-negotiation, .res-src-deal { background: #f4ebff; color: #53389e; }
.res-chart { width: 100%; height: auto; display: block; }
.res-dash-wrap { container-type: inline-size; }
.res-dash { display: grid; grid-template-columns: minmax(0, 1fr); gap: 8px; }
.res-col { display: contents; }
.res-card-prices { order: 1; } .res-card-policy { order: 2; } .res-card-news { order: 3; }
.res-card-capacity { order: 4; } .res-card-trade { order: 5; } .res-card-scores { order: 6; }
.res-card-goals { order: 7; } .res-card-assets { order: 8; }
@container (min-width: 1120px) {
  .res-dash { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); align-items: start; }
  .res-col { display: flex; flex-direction: column; gap: 8px; }
}
.res-card-title { font-weight: 600; font-size: 16px; margin: 0 0 2px 0; }
.res-scenario-select { max-width: 380px; }
.res-lever-heading { margin-top: 10px; font-size: 13px; }
"""


def _pct(value: float) -> str:
    return "—" if not np.isfinite(value) else f"{value:.0f}%"


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 1e-9, num / den, np.nan)


def headline_html(snap: Snapshot, name: str, title: str, seed: int, end_steps: int) -> str:
    """Week, date, scenario and the China / outside-China price gap of each product."""
    date = step_date(snap.start, snap.steps)
    parts = [
        f'<span class="res-when">Week <span class="res-week">{snap.steps}</span> of '
        f'{end_steps} · <span class="res-date">{date.isoformat()}</span></span>',
        f'<span class="res-muted">scenario <b class="res-scenario">{escape(name)}</b> '
        f"· seed {seed}{' · ' + escape(title) if title else ''}</span>",
    ]
    if snap.china is not None:
        price = snap.series("price")[-1]
        demand = snap.series("demand")[-1]
        chips = []
        for j, product in enumerate(PRODUCTS):
            weights = demand[snap.outside, j] + 1e-9
            outside = float((price[snap.outside, j] * weights).sum() / weights.sum())
            china = float(price[snap.china, j])
            gap = 100 * (outside / china - 1) if china > 0 else float("nan")
            cls = "res-up" if gap > 0.5 else "res-down" if gap < -0.5 else ""
            chips.append(
                f'<span class="res-chip">{PRODUCT_LABELS[product]}: China ${china:,.1f} · '
                f"outside ${outside:,.1f} <span class=\"{cls}\">({gap:+.0f}%)</span></span>")
        parts.append('<span class="res-muted">Price gap outside vs inside China (USD/kg):'
                     "</span>" + "".join(chips))
    return '<div class="res-kpis">' + "".join(parts) + "</div>"


def scorecard_html(snap: Snapshot, names: dict[str, str],
                   scored: set[str] | None = None) -> str:
    """Per state: magnet demand left unmet, import dependence, average magnet price paid.

    ``scored``: the regions with magnet users or makers (all with data if None); they
    are listed from week 0, with a dash until there is a week to measure.
    """
    demand = snap.series("demand")
    unmet = snap.series("unmet_demand")
    imports = snap.series("imports")
    consumption = snap.series("consumption")
    price = snap.series("price")
    short = slice(-SHORT_WEEKS, None)
    long = slice(-LONG_WEEKS, None)
    unmet_share = 100 * _ratio(unmet[short, :, MAGNET].sum(0), demand[short, :, MAGNET].sum(0))
    magnet_imports = 100 * _ratio(imports[long, :, MAGNET].sum(0),
                                  consumption[long, :, MAGNET].sum(0))
    ndpr_imports = 100 * _ratio(imports[long, :, NDPR].sum(0), consumption[long, :, NDPR].sum(0))
    paid = _ratio((price[:, :, MAGNET] * consumption[:, :, MAGNET]).sum(0),
                  consumption[:, :, MAGNET].sum(0))
    rows = []
    for i, code in enumerate(snap.regions):
        if scored is not None and code not in scored:
            continue  # no end users and no magnet makers: nothing to score
        if scored is None and not np.isfinite(unmet_share[i]) and not np.isfinite(
                ndpr_imports[i]):
            continue
        name = escape(names.get(code, code))
        price_text = "—" if not np.isfinite(paid[i]) else f"${paid[i]:,.1f}"
        rows.append(
            f'<tr><td title="{name}"><b>{escape(code)}</b> {name}</td>'
            f"<td>{_pct(unmet_share[i])}</td><td>{_pct(min(magnet_imports[i], 100))}</td>"
            f"<td>{_pct(min(ndpr_imports[i], 100))}</td><td>{price_text}</td></tr>")
    first = ('<p class="res-muted" style="margin:4px 0 0 0">Week 0: the figures appear '
             "once the first week has run (Step).</p>" if snap.steps == 0 else "")
    head = ("<tr><th>State</th><th>Unmet magnet demand</th><th>Magnet import share</th>"
            "<th>NdPr import share</th><th>Magnet price paid</th></tr>")
    note = ('<p class="res-muted" style="margin:4px 0 0 0">Unmet: share of magnet demand '
            "with no material, last 4 weeks. Import shares: imports as a share of use, last "
            "52 weeks. Price paid: average USD/kg over the run, weighted by use.</p>")
    return f'<table class="res-table res-scorecard">{head}{"".join(rows)}</table>{first}{note}'


def news_html(feed: list, now: int) -> str:
    """The news in two lists, newest first: what states and the scenario do (policy,
    talks, disruptions, the scenario's own projects) above routine capacity news."""
    if not feed:
        return '<p class="res-muted">No news yet.</p>'
    key = [item for item in feed if item.key]
    routine = [item for item in feed if not item.key]
    return (_news_list("Policy, talks and disruptions", key, now, KEY_NEWS_ITEMS, "res-news-key")
            + _news_list("Capacity and investment", routine, now, ROUTINE_NEWS_ITEMS,
                         "res-news-routine"))


def _news_list(title: str, items: list, now: int, limit: int, cls: str) -> str:
    heading = (f'<p class="res-news-heading">{escape(title)} '
               f'<span class="res-muted">({len(items)})</span></p>')
    if not items:
        return heading + '<p class="res-muted">None yet.</p>'
    lines = []
    for item in reversed(items[-limit:]):
        new = ' class="res-new"' if item.step >= now else ""
        lines.append(
            f'<li{new}><span class="res-news-date">{escape(item.date)}</span>'
            f'<span class="res-src res-src-{escape(item.source)}">'
            f"{escape(item.source_label)}</span>{escape(item.text)}</li>")
    more = len(items) - limit
    if more > 0:
        lines.append(f'<li class="res-muted">… {more} earlier items in the news download '
                     "(CSV)</li>")
    return f'{heading}<ul class="res-news {cls}">{"".join(lines)}</ul>'


TALK_KINDS = ("threat", "threat_averted", "offer", "counter_offer", "offer_accepted",
              "offer_rejected", "offer_lapsed", "offer_overtaken", "defection_detected",
              "defection_suspected")
TALKS_SHOWN = 8  # latest bargaining moves in the goals-and-deals panel


def talks(items, names) -> list[tuple[int, str]]:
    """The latest bargaining moves of the news log (week, text in display names)."""
    from sim.news import display_text

    moves = [n for n in items if n.kind in TALK_KINDS]
    return [(n.step, display_text(n, names)) for n in moves[-TALKS_SHOWN:]]


def goals_html(snap: Snapshot, modes: dict[str, str], deals,
               talking: list[tuple[int, str]] = ()) -> str:
    """Each state's goal scores (0-100, 50 = as at the start), the latest bargaining moves
    (who offered what to whom, the counter, the answer) and the deal register."""
    from sim.scenario.diplomacy import GOALS

    scores = snap.series("scorecard")[-1] * 100
    head = "".join(f"<th>{escape(goal.replace('_', ' '))}</th>" for goal in GOALS)
    rows = []
    for i, code in enumerate(snap.regions):
        cells = "".join(f"<td>{scores[i, k]:.0f}</td>" for k in range(len(GOALS)))
        rows.append(f"<tr><td><b>{escape(code)}</b> <span class=\"res-muted\">"
                    f"{escape(modes.get(code, ''))}</span></td>{cells}</tr>")
    table = (f'<table class="res-table res-goals"><tr><th>State</th>{head}</tr>'
             f'{"".join(rows)}</table>')
    register = []
    for deal in deals:
        broke = f" ({escape(deal.defected_by)} defected)" if deal.defected_by else ""
        register.append(f"<li><b>{escape(deal.id)}</b> {escape(deal.terms.tariff_by)} ↔ "
                        f"{escape(deal.terms.licences_by)}, signed week {deal.signed}: "
                        f"{escape(deal.status)}{broke}</li>")
    deals_text = (f'<ul class="res-news">{"".join(register)}</ul>' if register else
                  '<p class="res-muted">No deals yet.</p>')
    note = ('<p class="res-muted" style="margin:4px 0 0 0">Goal scores 0-100 (50 = as at '
            "the start); AI states weigh them to decide. docs/negotiation.md explains the "
            "rules.</p>")
    moves = "".join(f"<li>week {week}: {escape(text)}</li>" for week, text in talking)
    talks_text = (f'<ul class="res-news">{moves}</ul>' if moves else
                  '<p class="res-muted">No offers or threats yet.</p>')
    return (table + note + '<p class="res-card-title" style="margin-top:6px">Talks</p>'
            + talks_text + '<p class="res-card-title" style="margin-top:6px">Deals</p>'
            + deals_text)
