"""The debrief of a classroom game: tables, charts, questions, and the export of them all.

Everything is read off the game's model (rebuilt from seed and decisions when
needed) and the store: each state's scorecard over time, prices inside and
outside China (the run's own charts, ``sim.charts``), the deal register, and
each team's decisions round by round. The export is a ZIP of CSV files (the
same CSV as ``run.py run`` writes), the PNG charts and a one-page HTML report.
"""

from __future__ import annotations

import base64
import io
import json
import tempfile
import zipfile
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sim.charts import write_charts  # noqa: E402
from sim.classroom.game import ROUND_WEEKS, game_scenario  # noqa: E402
from sim.classroom.store import Game, Store  # noqa: E402
from sim.decisions import log_text  # noqa: E402
from sim.outputs import FLOAT_FORMAT, csv_text  # noqa: E402
from sim.scenario.diplomacy import GOALS  # noqa: E402

SCORECARD_PNG = "scorecards.png"


def scorecards(table: pd.DataFrame) -> pd.DataFrame:
    """Each state's scorecard week by week: step, date, region, goal, value."""
    rows = table[table["metric"] == "scorecard"]
    return rows.rename(columns={"product": "goal"})[["step", "date", "region", "goal", "value"]]


def team_decisions(store: Store, game: Game) -> pd.DataFrame:
    """Each team's decision in each closed round (or what happened when it had none)."""
    teams = store.teams(game.id)
    stored = {(d.team_id, d.round): d for d in store.decisions(game.id)}
    rows = []
    for closed in store.closed_rounds(game.id):
        for team in teams:
            d = stored.get((team.id, closed.round))
            if d is not None:
                what, text = f"submitted (revision {d.revision})", json.dumps(d.decision,
                                                                             sort_keys=True)
            else:
                what = "missed: AI played" if team.state in closed.ai_states else (
                    "missed: levers kept")
                text = ""
            rows.append({"round": closed.round, "first_week": (closed.round - 1) * ROUND_WEEKS
                         + 1, "team": team.name, "state": team.state, "status": what,
                         "decision": text})
    return pd.DataFrame(rows, columns=["round", "first_week", "team", "state", "status",
                                       "decision"])


def questions(kpis: dict) -> list[tuple[str, str]]:
    """Debrief questions, each tied to a figure of this game."""
    k = {name: float(value) for name, value in kpis.items()}
    return [
        ("The midstream bottleneck",
         f"At the end China held {k['china_share_mining_capacity_percent']:.0f}% of mining "
         f"capacity but {k['china_share_refining_capacity_percent']:.0f}% of separation and "
         f"{k['china_share_magnets_capacity_percent']:.0f}% of magnet making. Why did mines "
         "outside China not end the dependence, and what would have?"),
        ("Export licensing as leverage",
         f"Dy/Tb oxide cost {k['price_gap_dytb_oxide_percent']:.0f}% more outside China than "
         f"inside over the last year, magnets {k['price_gap_magnet_percent']:.0f}% more. Which "
         "licensing moves opened the gap, and what did they buy the state that made them?"),
        ("Frameworks without enforcement",
         f"{k['deals_signed']:.0f} deals were signed and {k['deals_broken']:.0f} broken. What "
         "made a partner keep its side when nobody could force it, and how did you find out "
         "when it did not?"),
        ("Speculative hype",
         f"The magnet price outside China peaked at "
         f"{k['peak_price_ratio_magnet_outside_china']:.1f} times its start, with "
         f"{k['shortage_weeks_magnet']:.0f} weeks of magnet shortage. How much of the price "
         "swings came from buyers and investors hoarding on the news rather than from "
         "tonnes that were missing?"),
    ]


def scorecard_png(cards: pd.DataFrame, dpi: int = 110) -> bytes:
    """One small chart per goal: each state's score week by week (0.5 = as at the start)."""
    fig, axes = plt.subplots(1, len(GOALS), figsize=(3.0 * len(GOALS), 2.8), sharey=True)
    for ax, goal in zip(axes, GOALS, strict=True):
        part = cards[cards["goal"] == goal]
        for region, rows in part.groupby("region", sort=False):
            ax.plot(rows["step"], rows["value"], label=region, linewidth=1.4)
        ax.set_title(goal.replace("_", " "), fontsize=10)
        ax.axhline(0.5, color="#999", linewidth=0.7, linestyle=":")
        ax.set_xlabel("week")
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("score")
    axes[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle("Each state's scorecard", fontsize=11)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi)
    plt.close(fig)
    return out.getvalue()


def debrief_files(model, store: Store, game: Game, dpi: int = 110) -> dict[str, bytes]:
    """Every file of the debrief export, by name."""
    table = model.timeseries()
    cards = scorecards(table)
    decisions = team_decisions(store, game)
    teams = store.teams(game.id)
    files = {
        "timeseries.csv": csv_text(table, FLOAT_FORMAT).encode(),
        "events.csv": csv_text(model.events()).encode(),
        "deals.csv": csv_text(model.diplomacy.register()).encode(),
        "scorecards.csv": csv_text(cards, FLOAT_FORMAT).encode(),
        "team_decisions.csv": csv_text(decisions).encode(),
        "decisions.jsonl": log_text(list(model.decisions.log)).encode(),
        "game.json": (json.dumps(game_summary(game, teams, store.shocks(game.id), model),
                                 indent=2) + "\n").encode(),
        SCORECARD_PNG: scorecard_png(cards, dpi),
    }
    with tempfile.TemporaryDirectory() as folder:
        for name in write_charts(table, model.spec, Path(folder), dpi=dpi):
            files[name] = (Path(folder) / name).read_bytes()
    files["report.html"] = report_html(game, teams, model, cards, decisions, files).encode()
    return files


def game_summary(game: Game, teams, shocks, model) -> dict:
    """What a replay needs: scenario, seed, weeks, the teams' states (the rest AI), shocks."""
    return {"scenario": game.scenario, "seed": game.seed, "rounds": game.rounds,
            "round_weeks": ROUND_WEEKS, "weeks_played": model.steps,
            "missed_deadline": game.missed, "status": game.status,
            "teams": [{"name": t.name, "state": t.state} for t in teams],
            "shocks": [{"id": s.id, "round": s.round, "kind": s.kind, "region": s.region}
                       for s in shocks],
            "replay": "sim.classroom.game.game_scenario(scenario, [team states], shocks) "
                      "with this seed and decisions.jsonl reproduces every CSV here"}


def debrief_zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0)),
                             files[name])
    return out.getvalue()


def report_html(game: Game, teams, model, cards: pd.DataFrame, decisions: pd.DataFrame,
                files: dict[str, bytes]) -> str:
    """The one-page report: charts inline, so the file stands alone."""
    last = cards[cards["step"] == cards["step"].max()].pivot(index="region", columns="goal",
                                                             values="value")
    last = last[[g for g in GOALS if g in last.columns]]
    players = {t.state: t.name for t in teams}
    last.index = [f"{code} ({players.get(code, 'AI')})" for code in last.index]
    images = "".join(
        f'<figure><img alt="{escape(name)}" src="data:image/png;base64,'
        f'{base64.b64encode(data).decode()}"></figure>'
        for name, data in files.items() if name.endswith(".png"))
    asked = "".join(f"<li><b>{escape(title)}.</b> {escape(text)}</li>"
                    for title, text in questions(model.kpis()))
    deals = model.diplomacy.register()
    return f"""<!doctype html><html lang=en><head><meta charset=utf-8>
<meta name=viewport content="width=device-width, initial-scale=1">
<title>Debrief: game {escape(game.code)}</title><style>
body {{ font-family: system-ui, sans-serif; max-width: 70rem; margin: auto; padding: 1rem; }}
table {{ border-collapse: collapse; font-size: 0.9rem; }} td, th {{ border: 1px solid #ddd;
padding: 0.2rem 0.4rem; }} img {{ max-width: 100%; }} figure {{ margin: 0.5rem 0; }}
</style></head><body><h1>Debrief: game {escape(game.code)}</h1>
<p>{escape(game.scenario)}, seed {game.seed}: {model.steps} weeks played
({model.steps // ROUND_WEEKS} rounds of {ROUND_WEEKS} weeks), {len(teams)} teams; every
other state played by the computer.</p>
<h2>Questions</h2><ol id=questions>{asked}</ol>
<h2>Scorecards at the end (0.5 = as at the start)</h2>
{last.to_html(float_format=lambda v: f"{v:.2f}", border=0)}
{images}
<h2>Deal register</h2>{deals.to_html(index=False, border=0) if len(deals) else
"<p>No deal was signed.</p>"}
<h2>Each team's decisions, round by round</h2>
{decisions.to_html(index=False, border=0)}</body></html>"""


def replay_scenario(game: Game, store: Store):
    """The scenario the game ran: its preset with the teams' states human, the rest AI,
    and the instructor's shocks in its timeline."""
    return game_scenario(game.scenario, [t.state for t in store.teams(game.id)],
                         store.shocks(game.id))
