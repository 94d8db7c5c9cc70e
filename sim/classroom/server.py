"""The classroom server: the instructor's and the teams' pages, on Starlette.

Who may do what is decided here, on every request, from the secret in the
URL alone: ``/admin/{secret}`` is the server's instructor link (create
games), ``/g/{secret}`` one game's instructor page and actions, ``/t/{token}``
one team's round page, briefing and decisions. Nothing the page sends names
the team or the state: a decision is always its team's own state's, and one
naming another state is refused. Unknown secrets get a plain 404.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from dataclasses import asdict
from pathlib import Path
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from sim.briefing import Briefing
from sim.classroom import debrief, pages
from sim.classroom.forms import FormError, decision_payload
from sim.classroom.game import ROUND_WEEKS, Classroom, GameError
from sim.classroom.store import Game, Store, Team
from sim.decisions import DecisionRefused
from sim.scenario import load_scenario

STATIC = Path(__file__).parent / "static"
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
TICK_SECONDS = 0.25
MAX_BODY_BYTES = 64_000
log = logging.getLogger("classroom")


class NotFound(Exception):
    """An unknown link: nothing about what exists is told."""


def scenario_names() -> list[str]:
    return sorted(p.stem for p in SCENARIOS.glob("*.toml"))


def create_app(data: Path, default_scenario: str = "baseline_2025",
               tick_seconds: float = TICK_SECONDS, public_url: str = "") -> Starlette:
    """The classroom app on the database in folder ``data``; ``public_url`` is the address
    students open (default: the one the instructor's browser used)."""
    store = Store(Path(data) / "classroom.db")
    classroom = Classroom(store)
    admin_secret = store.admin_secret()

    def state_names(game: Game) -> dict[str, str]:
        spec = load_scenario(game.scenario)
        return {code: region.name for code, region in spec.regions.items()}

    def admin(request: Request) -> None:
        if not hmac.compare_digest(request.path_params["secret"].encode(),
                                   admin_secret.encode()):
            raise NotFound

    def instructor_game(request: Request) -> Game:
        game = store.game_by("instructor_secret", request.path_params["secret"])
        if game is None:
            raise NotFound
        return game

    def team_of(request: Request) -> Team:
        team = store.team_by_token(request.path_params["token"])
        if team is None:
            raise NotFound
        return team

    async def form_of(request: Request) -> dict[str, str]:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise FormError(f"request of {len(body)} bytes; at most {MAX_BODY_BYTES}")
        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[-1] for key, values in fields.items()}

    # -- joining ------------------------------------------------------------------
    async def landing(request: Request) -> Response:
        return HTMLResponse(pages.landing())

    async def join_form(request: Request) -> Response:
        code = request.query_params.get("code", "").strip().upper()
        game = store.game_by("code", code)
        if game is None:
            return HTMLResponse(pages.landing(f"no game has the join code {code!r}"), 404)
        return HTMLResponse(join_page(game))

    def join_page(game: Game, error: str = "") -> str:
        taken = {t.state: t.name for t in store.teams(game.id)}
        return pages.join_page(game, state_names(game), taken, error)

    async def join(request: Request) -> Response:
        form = await form_of(request)
        game = store.game_by("code", form.get("code", "").strip().upper())
        if game is None:
            return HTMLResponse(pages.landing("no game has that join code"), 404)
        try:
            team = await run_in_threadpool(classroom.join, game, form.get("name", ""),
                                           form.get("state", ""))
        except GameError as error:
            return HTMLResponse(join_page(game, str(error)), 409)
        return RedirectResponse(f"/t/{team.token}", 303)

    # -- a team -------------------------------------------------------------------
    def team_view(team: Team, message: str = "", error: str = "", code: int = 200) -> Response:
        game = store.game(team.game_id)
        briefing = news = stored = None
        if game.status != "lobby":
            with classroom.lock(game.id):
                model = classroom.model(game)
                briefing = model.briefing(team.state)
                news = pages.round_news(model, team.state, model.steps - ROUND_WEEKS)
            mine = [d for d in store.decisions(game.id, game.round) if d.team_id == team.id]
            stored = mine[0].decision if mine else None
        shocks = [k for k in store.shocks(game.id) if k.round == game.round]
        html = pages.team_page(game, team, state_names(game), briefing, news or [], stored,
                               shocks, message, error)
        return HTMLResponse(html, code)

    async def team_page(request: Request) -> Response:
        saved = request.query_params.get("saved", "")
        message = f"Decision for round {int(saved)} saved." if saved.isdigit() else ""
        return await run_in_threadpool(team_view, team_of(request), message)

    async def team_status(request: Request) -> Response:
        team = team_of(request)
        game = store.game(team.game_id)
        mine = [d for d in store.decisions(game.id, game.round) if d.team_id == team.id]
        return JSONResponse({"version": pages.team_version(game), "status": game.status,
                             "round": game.round, "rounds": game.rounds,
                             "seconds_left": pages.seconds_left(game),
                             "revision": mine[0].revision if mine else 0})

    def briefing_json(team: Team) -> dict:
        game = store.game(team.game_id)
        if game.status == "lobby":
            return {"state": team.state, "round": 0, "briefing": None}
        with classroom.lock(game.id):
            b = classroom.model(game).briefing(team.state)
        return {"state": team.state, "team": team.name, "round": game.round,
                "briefing": briefing_data(b)}

    async def team_briefing(request: Request) -> Response:
        team = team_of(request)
        return JSONResponse(await run_in_threadpool(briefing_json, team))

    def offers_open_to(game: Game, code: str) -> dict:
        if game.status not in ("running", "paused"):
            return {}
        with classroom.lock(game.id):
            model = classroom.model(game)
            return {k: o.terms for k, o in model.diplomacy.open_offers_to(code).items()}

    async def decide(request: Request) -> Response:
        team = team_of(request)
        wants_json = request.headers.get("content-type", "").startswith("application/json")
        try:
            if wants_json:
                body = await request.body()
                if len(body) > MAX_BODY_BYTES:
                    raise FormError(f"request of {len(body)} bytes; at most {MAX_BODY_BYTES}")
                sent = json.loads(body or b"{}")
                if not isinstance(sent, dict) or not isinstance(sent.get("decision"), dict):
                    raise FormError('expected {"round": N, "decision": {...}}')
                round_, payload = sent.get("round"), sent["decision"]
            else:
                form = await form_of(request)
                round_ = form.get("round", "")
                game = store.game(team.game_id)
                open_to_me = await run_in_threadpool(offers_open_to, game, team.state)
                payload = decision_payload(form, team.state, list(state_names(game)),
                                           open_to_me)
            if isinstance(round_, str) and round_.strip().isdigit():
                round_ = int(round_)
            if not isinstance(round_, int) or isinstance(round_, bool):
                raise FormError(f"round {round_!r}: expected the round number")
            revision = await run_in_threadpool(classroom.submit, team, round_, payload)
        except (FormError, GameError, DecisionRefused, ValueError) as error:  # bad JSON too
            problem = str(error)
            if wants_json:
                return JSONResponse({"ok": False, "error": problem}, 422)
            return await run_in_threadpool(team_view, team, "", problem, 422)
        if wants_json:
            return JSONResponse({"ok": True, "round": round_, "revision": revision})
        return RedirectResponse(f"/t/{team.token}?saved={round_}", 303)

    # -- the instructor -------------------------------------------------------------
    async def admin_page(request: Request) -> Response:
        admin(request)
        return HTMLResponse(pages.admin_page(admin_secret, store.games(), scenario_names(),
                                             default_scenario))

    async def create_game(request: Request) -> Response:
        admin(request)
        form = await form_of(request)
        try:
            rounds, seconds = (_whole(form, "rounds"), _whole(form, "round_seconds"))
            game = await run_in_threadpool(classroom.create, form.get("scenario", ""),
                                           rounds, seconds, form.get("missed", ""))
        except (GameError, FormError) as error:
            return HTMLResponse(pages.admin_page(admin_secret, store.games(), scenario_names(),
                                                 default_scenario, str(error)), 422)
        return RedirectResponse(f"/g/{game.instructor_secret}", 303)

    def instructor_view(request: Request, game: Game, message: str = "", error: str = "",
                        code: int = 200) -> Response:
        teams = store.teams(game.id)
        submitted = {d.team_id: d.revision for d in store.decisions(game.id, game.round)}
        join_url = f"{public_url or str(request.base_url).rstrip('/')}/join?code={game.code}"
        return HTMLResponse(pages.instructor_page(game, teams, submitted, state_names(game),
                                                  join_url, store.shocks(game.id), message,
                                                  error), code)

    async def instructor(request: Request) -> Response:
        return instructor_view(request, instructor_game(request))

    async def instructor_status(request: Request) -> Response:
        game = instructor_game(request)
        teams = store.teams(game.id)
        submitted = {d.team_id: d.revision for d in store.decisions(game.id, game.round)}
        return JSONResponse({
            "version": f"{pages.team_version(game)}:{len(teams)}:{sum(submitted.values())}",
            "code": game.code, "status": game.status, "round": game.round, "rounds": game.rounds,
            "seconds_left": pages.seconds_left(game),
            "teams": [{"name": t.name, "state": t.state, "submitted": t.id in submitted}
                      for t in teams]})

    async def act(request: Request) -> Response:
        game = instructor_game(request)
        action = request.path_params["action"]
        form = await form_of(request)
        do = {"start": classroom.start, "pause": classroom.pause, "resume": classroom.resume,
              "advance": classroom.advance, "undo": classroom.undo, "end": classroom.end}
        try:
            if action == "shock":
                shock = await run_in_threadpool(classroom.shock, game.id, form.get("kind", ""),
                                                form.get("region", ""))
                return instructor_view(request, store.game(game.id),
                                       f"Shock for round {shock.round} announced.")
            if action == "extend":
                game = await run_in_threadpool(classroom.extend, game.id,
                                               _whole(form, "seconds"))
            elif action in do:
                game = await run_in_threadpool(do[action], game.id)
            else:
                raise NotFound
        except (GameError, FormError) as error:
            return instructor_view(request, store.game(game.id), "", str(error), 409)
        return RedirectResponse(f"/g/{game.instructor_secret}", 303)

    def debrief_of(game: Game) -> dict[str, bytes]:
        with classroom.lock(game.id):
            return debrief.debrief_files(classroom.model(game), store, game)

    async def debrief_page(request: Request) -> Response:
        game = instructor_game(request)
        files = await run_in_threadpool(debrief_of, game)
        back = (f'<p><a href="/g/{game.instructor_secret}">back to the game</a> · '
                f'<a href="/g/{game.instructor_secret}/debrief.zip" download>download the '
                "debrief (CSV, PNG charts, report)</a></p>")
        return HTMLResponse(files["report.html"].decode().replace("<body>", "<body>" + back, 1))

    async def debrief_export(request: Request) -> Response:
        game = instructor_game(request)
        files = await run_in_threadpool(debrief_of, game)
        return Response(debrief.debrief_zip(files), media_type="application/zip", headers={
            "content-disposition": f'attachment; filename="debrief-{game.code}.zip"'})

    # -- the timer ------------------------------------------------------------------
    async def timer() -> None:
        while True:
            try:
                await run_in_threadpool(classroom.tick)
            except Exception:  # one game's fault must not stop every game's timer
                log.exception("closing a round at its deadline failed")
            await asyncio.sleep(tick_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        task = asyncio.create_task(timer())
        warm = asyncio.create_task(run_in_threadpool(warm_up, default_scenario))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await warm

    async def not_found(request: Request, exc: Exception) -> Response:
        return HTMLResponse(pages.page("Not found", "<h1>Unknown link</h1>"), 404)

    routes = [
        Route("/", landing), Route("/join", join_form, methods=["GET"]),
        Route("/join", join, methods=["POST"]),
        Route("/t/{token}", team_page), Route("/t/{token}/status.json", team_status),
        Route("/t/{token}/briefing.json", team_briefing),
        Route("/t/{token}/decide", decide, methods=["POST"]),
        Route("/admin/{secret}", admin_page),
        Route("/admin/{secret}/games", create_game, methods=["POST"]),
        Route("/g/{secret}", instructor), Route("/g/{secret}/status.json", instructor_status),
        Route("/g/{secret}/debrief", debrief_page),
        Route("/g/{secret}/debrief.zip", debrief_export),
        Route("/g/{secret}/{action}", act, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={NotFound: not_found, 404: not_found})
    app.state.classroom, app.state.admin_secret = classroom, admin_secret
    return app


def warm_up(scenario: str) -> None:
    """Run one week of a throwaway model, so the compiled loops are ready before the first
    round closes (compiling takes seconds on a first run)."""
    from sim.model import StandoffModel

    try:
        StandoffModel(load_scenario(scenario)).step()
    except Exception:  # a warm-up only: a fault shows again, with its cause, in a game
        log.exception("warm-up failed")


def briefing_data(b: Briefing) -> dict:
    """A briefing as JSON data (offers' and deals' terms as their scenario fields)."""
    data = asdict(b)
    data["offers"] = [{**asdict(o), "terms": o.terms.model_dump(mode="json")} for o in b.offers]
    data["deals"] = [{**asdict(d), "terms": d.terms.model_dump(mode="json")} for d in b.deals]
    return data


def _whole(form: dict[str, str], name: str) -> int:
    text = form.get(name, "").strip()
    if not text.isdigit():
        raise FormError(f"{name.replace('_', ' ')}: {text!r} is not a whole number")
    return int(text)


def serve(data: Path, host: str, port: int, scenario: str) -> int:
    """Serve the classroom until stopped; prints the instructor link first."""
    import uvicorn

    shown = lan_address() if host in ("0.0.0.0", "::") else host
    app = create_app(data, scenario, public_url=f"http://{shown}:{port}")
    print(f"Classroom server on http://{shown}:{port}/ (games in {data}/classroom.db)")
    print(f"Instructor link (keep it secret): http://{shown}:{port}/admin/"
          f"{app.state.admin_secret}", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0


def lan_address() -> str:
    """This machine's address on the local network (for links others can open)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # no packet is sent
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"
