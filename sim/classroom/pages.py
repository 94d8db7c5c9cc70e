"""The classroom's pages: plain server-rendered HTML that works on a phone.

Every value shown is escaped. A page that follows the game names a status URL
(``data-poll``) and a version; ``static/classroom.js`` reloads the page when
the version changes (a new round, a pause) and runs the countdown.
"""

from __future__ import annotations

from html import escape

from sim.briefing import PUBLIC_SOURCES, Briefing
from sim.classroom.game import EXTEND_SECONDS, ROUND_WEEKS
from sim.classroom.shocks import SHOCKS
from sim.classroom.store import Game, Shock, Team
from sim.world import PRODUCTS, STAGES


def page(title: str, body: str, poll: str = "", version: str = "", left: float | None = None,
         status: str = "", home: str = "") -> str:
    """A whole page; with ``poll``, it goes to ``home`` when the status's version changes."""
    attributes = (f' data-poll="{escape(poll)}" data-version="{escape(version)}" '
                  f'data-status="{escape(status)}" data-left="{"" if left is None else left:}" '
                  f'data-home="{escape(home)}"' if poll else "")
    return ("<!doctype html><html lang=en><head><meta charset=utf-8>"
            '<meta name=viewport content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title>"
            '<link rel=stylesheet href="/static/classroom.css"></head>'
            f"<body{attributes}>{body}"
            '<script src="/static/classroom.js"></script></body></html>')


def notice(message: str = "", error: str = "") -> str:
    if error:
        return f'<p class=error role=alert id=error>{escape(error)}</p>'
    return f'<p class=ok role=status id=notice>{escape(message)}</p>' if message else ""


def _options(values, chosen: str = "", labels: dict | None = None) -> str:
    labels = labels or {}
    return "".join(f'<option value="{escape(v)}"{" selected" if v == chosen else ""}>'
                   f"{escape(labels.get(v, v))}</option>" for v in values)


def round_status(game: Game) -> str:
    if game.status == "lobby":
        return "Waiting for the instructor to start the game."
    if game.status == "finished":
        return f"The game is over ({min(game.round - 1, game.rounds)} rounds played)."
    paused = " (paused)" if game.status == "paused" else ""
    return (f"Round {game.round} of {game.rounds}{paused}: "
            f'<span id=countdown aria-live=polite></span> left')


# -- joining -----------------------------------------------------------------------
def landing(error: str = "") -> str:
    return page("Join a game", f"""<h1>Rare Earth Standoff: classroom</h1>{notice(error=error)}
<form class=card method=get action="/join"><label>Join code
<input name=code autocomplete=off autocapitalize=characters required maxlength=12></label>
<button>Next</button></form>""")


def join_page(game: Game, names: dict[str, str], taken: dict[str, str], error: str = "") -> str:
    free = [code for code in names if code not in taken]
    played = "".join(f"<li>{escape(names[c])} ({escape(c)}): team {escape(t)}</li>"
                     for c, t in taken.items())
    form = (f"""<form class=card method=post action="/join"><input type=hidden name=code
value="{escape(game.code)}"><label>Team name <input name=name required maxlength=40></label>
<label>State <select name=state>{_options(free, labels={c: f"{names[c]} ({c})" for c in free})}
</select></label><button>Join</button></form>""" if free and game.status != "finished" else
            "<p>No state is free, or the game is over.</p>")
    return page(f"Join {game.code}", f"""<h1>Join game {escape(game.code)}</h1>
{notice(error=error)}{form}<p class=muted>States nobody takes are played by the computer.</p>
<ul>{played}</ul>""")


# -- a team's round page ---------------------------------------------------------
def shock_text(shock: Shock, names: dict[str, str]) -> str:
    state = names.get(shock.region, shock.region)
    return f"{state}: {SHOCKS[shock.kind].replace('the state', state)}"


def team_page(game: Game, team: Team, names: dict[str, str], briefing: Briefing | None,
              news: list[str], stored: dict | None, shocks: list[Shock], message: str = "",
              error: str = "") -> str:
    poll = f"/t/{team.token}/status.json"
    flash = "".join(f"<li>{escape(shock_text(k, names))}</li>" for k in shocks)
    head = (f"<h1>{escape(names[team.state])}: team {escape(team.name)}</h1>"
            f"<p>{round_status(game)}</p>{notice(message, error)}"
            + (f"<section id=shocks><h2>News flash: from the first week of this round</h2>"
               f"<ul>{flash}</ul></section>" if flash else ""))
    body = head
    if briefing is not None:
        body += _briefing_html(briefing, names, news)
        if game.status in ("running", "paused"):
            body += _decision_form(game, team, names, briefing, stored)
    return page(f"{team.state}: {team.name}", body, poll=poll, version=team_version(game),
                left=seconds_left(game), status=game.status, home=f"/t/{team.token}")


def _briefing_html(b: Briefing, names: dict[str, str], news: list[str]) -> str:
    scores = "".join(f"<tr><td>{escape(goal.replace('_', ' '))}</td><td class=n>{value:.2f}</td>"
                     "</tr>" for goal, value in b.scorecard.items())
    prices = "".join(f"<tr><td>{escape(p.replace('_', ' '))}</td><td class=n>{b.prices[p]:,.1f}"
                     f"</td><td class=n>{100 * b.shortage[p]:.0f}%</td></tr>" for p in PRODUCTS)
    offers = "".join(
        f"<li><b>{escape(o.id)}</b> from {escape(names.get(o.proposer, o.proposer))}: "
        f"{escape(o.terms.tariff_by)} cuts its tariff to {o.terms.tariff_to_percent:g}%, "
        f"{escape(o.terms.licences_by)} approves {o.terms.civil_approval_percent:g}% of civil "
        f"licences ({escape(', '.join(o.terms.products))}); open until week {o.expires}</li>"
        for o in b.offers) or "<li>none</li>"
    deals = "".join(f"<li>{escape(d.id)} with {escape(d.partner)}: {escape(d.status)}, seen "
                    f"{d.seen:g}% against {d.promised:g}% promised"
                    f"{' (suspected broken)' if d.suspected else ''}</li>" for d in b.deals)
    moves = "".join(f"<li>{escape(n)}</li>" for n in news[-30:]) or "<li>nothing new</li>"
    return f"""<section id=briefing><h2>Briefing: week {b.week} ({escape(b.date)})</h2>
<p>Supply pain {b.pain:.2f} (0 none, 1 full)</p>
<table><tr><th>Goal</th><th>score (0.5 = start)</th></tr>{scores}</table>
<table><tr><th>Product</th><th>price USD/kg</th><th>short</th></tr>{prices}</table>
<h2>Offers waiting for your answer</h2><ul id=offers>{offers}</ul>
{f"<h2>Your deals</h2><ul>{deals}</ul>" if deals else ""}
<h2>News this round</h2><ul id=news>{moves}</ul></section>"""


def _decision_form(game: Game, team: Team, names: dict[str, str], b: Briefing,
                   stored: dict | None) -> str:
    others = [c for c in names if c != team.state]
    label = {c: f"{names[c]} ({c})" for c in names}
    answers = "".join(
        f'<div class=row><label>{escape(o.id)}: <select name="answer_{escape(o.id)}">'
        '<option value="">no answer yet</option><option value=accept>accept</option>'
        "<option value=reject>reject</option>"
        f'{"<option value=counter>counter-offer</option>" if o.counters_left > 0 else ""}'
        "</select></label>"
        + (f'<label>counter: tariff after the cuts % <input name="counter_tariff_{escape(o.id)}"'
           f' inputmode=decimal size=5></label><label>civil approval % <input '
           f'name="counter_civil_{escape(o.id)}" inputmode=decimal size=5></label>'
           if o.counters_left > 0 else "") + "</div>" for o in b.offers)
    saved = ("<p class=ok id=saved>Your decision for this round is saved; you may change it "
             "until the round closes.</p><details><summary>Saved decision</summary><pre>"
             f"{escape(_pretty(stored))}</pre></details>" if stored else
             "<p class=muted id=saved>Nothing submitted yet this round.</p>")
    return f"""<form class=card method=post action="/t/{escape(team.token)}/decide" id=decide>
<h2>Your decisions for round {game.round}</h2>{saved}
<input type=hidden name=round value="{game.round}">
<p class=muted>Leave a box empty to keep that lever as it is. The round lasts
{ROUND_WEEKS} weeks; your decisions apply from its first week.</p>
<details open><summary>Tariff on imports</summary><div class=row>
<label>on <select name=tariff_on>{_options(["all", *others], labels=label)}</select></label>
<label>percent <input name=tariff_percent inputmode=decimal size=6></label></div></details>
<details><summary>Export licences (Dy/Tb oxide and magnets)</summary><div class=row>
<label>for <select name=licence_to>{_options(["all", *others], labels=label)}</select></label>
<label>civil approval % <input name=licence_civil inputmode=decimal size=5></label>
<label>military approval % <input name=licence_military inputmode=decimal size=5></label>
<label>delay days <input name=licence_delay inputmode=decimal size=5></label></div></details>
<details><summary>Export quota</summary><div class=row>
<label>product <select name=quota_product>{_options(PRODUCTS)}</select></label>
<label>t per year <input name=quota_t inputmode=decimal size=8></label></div></details>
<details><summary>Subsidy to your industry</summary><div class=row>
<label>stage <select name=subsidy_stage>{_options(STAGES)}</select></label>
<label>USD/kg <input name=subsidy_usd inputmode=decimal size=6></label></div></details>
<details><summary>Strategic stockpile</summary><div class=row>
<label>product <select name=stockpile_product>{_options(PRODUCTS, "magnet")}</select></label>
<label>target t <input name=stockpile_t inputmode=decimal size=7></label>
<label>buy t/yr <input name=stockpile_buy inputmode=decimal size=7></label>
<label>release t/yr <input name=stockpile_release inputmode=decimal size=7></label></div>
</details>
<details><summary>Offer a framework deal</summary><div class=row>
<label>to <select name=offer_to>{_options(others, labels=label)}</select></label>
<label>I give <select name=offer_role><option value=tariff>a tariff cut</option>
<option value=licences>a licence fast track</option></select></label>
<label>tariff after the cuts % <input name=offer_tariff inputmode=decimal size=5></label>
<label>civil approval % <input name=offer_civil inputmode=decimal size=5></label></div>
</details>
<details><summary>Threaten a state</summary><div class=row>
<label>threaten <select name=threat_target>{_options(others, labels=label)}</select></label>
<label>with an extra tariff of % <input name=threat_percent inputmode=decimal size=5></label>
<label>unless within weeks <input name=threat_weeks inputmode=numeric size=3></label>
<label>it approves civil licences % <input name=threat_approval inputmode=decimal size=5>
</label></div></details>
{f"<details open><summary>Answer offers</summary>{answers}<label>reason (for the news) "
 "<input name=reason maxlength=300></label></details>" if answers else ""}
<details><summary>Advanced: the whole decision as JSON</summary>
<textarea name=advanced rows=5 cols=40 placeholder='{{"levers": [], "offers": [], "answers": [],
"threats": []}}'></textarea></details>
<button>Submit decisions</button></form>"""


def _pretty(decision: dict) -> str:
    import json

    return json.dumps(decision, indent=1)


def round_news(model, code: str, since_step: int) -> list[str]:
    """Public news of the weeks since ``since_step`` and the news about ``code``."""
    return [f"week {n.step}: {n.headline}" for n in model.news.items
            if n.step > since_step and (n.source in PUBLIC_SOURCES or code in (n.actor,
                                                                             n.subject))]


def seconds_left(game: Game, now: float | None = None) -> float | None:
    import time

    if game.status == "running" and game.deadline is not None:
        return round(max(game.deadline - (time.time() if now is None else now), 0.0), 1)
    if game.status == "paused":
        return round(game.remaining or 0.0, 1)
    return None


def team_version(game: Game) -> str:
    return f"{game.status}:{game.round}"


# -- the instructor ----------------------------------------------------------------
def admin_page(secret: str, games: list[Game], scenarios: list[str], default: str,
               error: str = "") -> str:
    rows = "".join(f'<tr><td><a href="/g/{escape(g.instructor_secret)}">{escape(g.code)}</a>'
                   f"</td><td>{escape(g.scenario)}</td><td>{escape(g.status)}</td>"
                   f"<td>{g.round}/{g.rounds}</td></tr>" for g in games)
    return page("Classroom: instructor", f"""<h1>Classroom games</h1>{notice(error=error)}
<form class=card method=post action="/admin/{escape(secret)}/games"><h2>New game</h2>
<label>Scenario <select name=scenario>{_options(scenarios, default)}</select></label>
<label>Rounds (each {ROUND_WEEKS} weeks) <input name=rounds value=8 inputmode=numeric
size=4></label><label>Round timer, seconds <input name=round_seconds value=240
inputmode=numeric size=5></label><label>A team that misses the deadline
<select name=missed><option value=keep>keeps its levers as they are</option>
<option value=ai>is played by the computer that round</option></select></label>
<button>Create game</button></form>
<table><tr><th>Join code</th><th>scenario</th><th>status</th><th>round</th></tr>{rows}</table>""")


def _shock_form(base: str, names: dict[str, str]) -> str:
    kinds = {k: text.split(":")[0] for k, text in SHOCKS.items()}
    return (f'<form class=card method=post action="{base}/shock"><h2>Inject a shock</h2>'
            f"<p class=muted>It strikes in the first week of the open round.</p><div class=row>"
            f"<label>shock <select name=kind>{_options(list(SHOCKS), labels=kinds)}</select>"
            f"</label><label>state <select name=region>"
            f"{_options(list(names), labels={c: f'{n} ({c})' for c, n in names.items()})}"
            "</select></label></div><button class=secondary>Inject</button></form>")


def _submitted(revision: int | None) -> str:
    if revision is None:
        return "waiting"
    return "submitted" if revision == 1 else f"submitted (revised {revision - 1}x)"


def instructor_page(game: Game, teams: list[Team], submitted: dict[int, int],
                    names: dict[str, str], join_url: str, shocks: list[Shock],
                    message: str = "", error: str = "") -> str:
    base = f"/g/{escape(game.instructor_secret)}"
    rows = "".join(
        f"<tr><td>{escape(t.name)}</td><td>{escape(names.get(t.state, t.state))}</td>"
        f"<td>{'' if game.status == 'finished' else _submitted(submitted.get(t.id))}"
        f'</td><td><a href="/t/{escape(t.token)}">team link</a></td></tr>' for t in teams)
    actions = {"lobby": ["start"], "running": ["pause", "advance", "undo", "end"],
               "paused": ["resume", "advance", "undo", "end"], "finished": ["undo"]}[game.status]
    buttons = "".join(f'<form method=post action="{base}/{a}" style="display:inline">'
                      f'<button{" class=secondary" if a in ("undo", "end") else ""}>'
                      f"{a}</button></form> " for a in actions)
    if game.status in ("running", "paused"):
        buttons += "".join(f'<form method=post action="{base}/extend" style="display:inline">'
                           f'<input type=hidden name=seconds value={s}><button class=secondary>'
                           f"+{s} s</button></form> " for s in EXTEND_SECONDS)
    version = f"{team_version(game)}:{len(teams)}:{sum(submitted.values())}"
    return page(f"Game {game.code}", f"""<h1>Game <span class=code id=join-code>
{escape(game.code)}</span></h1><p>Teams join at <b>{escape(join_url)}</b> with this code,
or by scanning the code below.</p>{join_qr(join_url)}
<p>{escape(game.scenario)}, seed {game.seed}, {game.rounds} rounds of {ROUND_WEEKS} weeks,
{game.round_seconds} s each; a team that misses the deadline
{"keeps its levers" if game.missed == "keep" else "is played by the computer"}.</p>
<p>{round_status(game)}</p>{notice(message, error)}<div>{buttons}</div>
<p><a href="{base}/debrief">Debrief</a> (for the projector) ·
<a href="{base}/debrief.zip" download>download it</a></p>
<table id=teams><tr><th>Team</th><th>state</th><th>this round</th><th></th></tr>{rows}</table>
<p class=muted>Every state no team plays is played by the computer.</p>
{_shock_form(base, names) if game.status in ("running", "paused") else ""}
{"<ul id=shock-list>" + "".join(f"<li>round {k.round}: {escape(shock_text(k, names))}</li>"
                                for k in shocks) + "</ul>" if shocks else ""}""",
                poll=f"{base}/status.json", version=version, left=seconds_left(game),
                status=game.status, home=base)


def join_qr(url: str) -> str:
    """A QR code of ``url`` as inline SVG, for the projector (scanned, it opens the join
    page with the game's code filled in)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return f'<figure class=qr aria-label="QR code of the join link">{svg}</figure>'
