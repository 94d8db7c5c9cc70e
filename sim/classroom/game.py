"""Running classroom games on the model, round by round, from what the store holds.

A round is one quarter: ``ROUND_WEEKS`` weekly steps. The teams' states play
``human``; every state nobody took plays ``ai`` (and a team that joins late
finds its state played by the AI in the rounds before it came). While a round is open the
model waits at its start; each team's decision is checked there by the
model's own rules (``sim.decisions``) and stored. Closing the round submits
the stored decisions (a team that missed the deadline keeps its levers, or
the AI plays its state for that round, by the game's rule), runs the weeks
and records the round. A game's model is never trusted to outlive the
process: ``Classroom.model`` rebuilds it from the scenario, the seed and the
closed rounds' decisions whenever it is not in memory.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Sequence

from sim.classroom.shocks import AGAINST_CHINA, SHOCKS, round_start, shock_change
from sim.classroom.store import Game, Shock, Store, StoreError, Team
from sim.decisions import Decision, DecisionRefused, as_decision, problems
from sim.model import StandoffModel
from sim.scenario import Scenario, ScenarioError, load_scenario

ROUND_WEEKS = 13  # one quarter
MIN_ROUND_SECONDS, MAX_ROUND_SECONDS = 30, 3600
MAX_ROUNDS = 40
MAX_TEAM_NAME = 40
EXTEND_SECONDS = (30, 60, 120, 300)


class GameError(ValueError):
    """A request the game refuses; the message says what is wrong and what is allowed."""


def game_scenario(name: str, human: list[str], shocks: Sequence[Shock] = ()) -> Scenario:
    """``name`` with the teams' states played by people and every other state by the AI,
    and the instructor's ``shocks`` in its timeline.

    Offers stay open at least a round and a week, so an offer made to a team
    during a round is still open when the team reads it at the round's end.
    """
    base = load_scenario(name)
    overrides: dict[str, object] = {f"regions.{code}.policy": "human" if code in human else "ai"
                                    for code in base.region_codes}
    overrides["negotiation.offer_open_weeks"] = max(base.negotiation.offer_open_weeks,
                                                    ROUND_WEEKS + 1)
    for shock in shocks:
        when = round_start(base.start_date, shock.round, ROUND_WEEKS)
        overrides[f"timeline.classroom_shock_{shock.id}"] = shock_change(
            shock.kind, shock.region, base.china, when)
    return load_scenario(name, overrides=overrides)


def check_settings(scenario: str, rounds: int, round_seconds: int) -> Scenario:
    """The scenario of a new game, or ``GameError`` naming the setting that is wrong."""
    try:
        spec = load_scenario(scenario)
    except ScenarioError as error:
        raise GameError(str(error)) from None
    most = min(MAX_ROUNDS, spec.steps // ROUND_WEEKS)
    if not 1 <= rounds <= most:
        raise GameError(f"rounds {rounds}: {spec.name} lasts {spec.steps} weeks, so 1 to "
                        f"{most} rounds of {ROUND_WEEKS} weeks")
    if not MIN_ROUND_SECONDS <= round_seconds <= MAX_ROUND_SECONDS:
        raise GameError(f"round timer {round_seconds} s; allowed: {MIN_ROUND_SECONDS} to "
                        f"{MAX_ROUND_SECONDS} s")
    return spec


def play_round(model: StandoffModel, decisions: dict[str, dict], ai_states: list[str]) -> None:
    """Submit ``decisions`` (state -> decision), let the AI play ``ai_states``, run a round."""
    for code in sorted(decisions):
        model.submit(decisions[code])
    stand_ins = [model.states[model.region_index[code]] for code in ai_states]
    for state in stand_ins:
        state.policy_mode = "ai"
    try:
        model.run(ROUND_WEEKS)
    finally:
        for state in stand_ins:
            state.policy_mode = "human"


def checked_decision(model: StandoffModel, team: Team, payload: dict) -> Decision:
    """``payload`` as a decision of ``team``'s state, checked by the model's rules.

    The state is the team's own, whatever the payload says: a payload naming
    another state is refused, and so is any lever, offer or answer its state
    may not make (``DecisionRefused``).
    """
    claimed = payload.get("state", team.state)
    if claimed != team.state:
        raise DecisionRefused(str(claimed), [
            f"state: team {team.name!r} plays {team.state} and decides for {team.state} only"])
    decision = as_decision({**payload, "state": team.state})
    found = problems(model, decision)
    if found:
        raise DecisionRefused(team.state, found)
    return decision


class Classroom:
    """Every game of one store: their models in memory, one lock per game."""

    def __init__(self, store: Store, clock=time.time):
        self.store, self.clock = store, clock
        self._models: dict[int, StandoffModel] = {}
        self._locks: defaultdict[int, threading.RLock] = defaultdict(threading.RLock)
        self._guard = threading.Lock()

    def lock(self, game_id: int) -> threading.RLock:
        with self._guard:
            return self._locks[game_id]

    # -- the model of a game ----------------------------------------------------
    def model(self, game: Game) -> StandoffModel:
        """The game's model at the start of its open round (rebuilt when not in memory)."""
        with self.lock(game.id):
            model = self._models.get(game.id)
            if model is None:
                model = self._models[game.id] = self.rebuild(game)
            return model

    def rebuild(self, game: Game) -> StandoffModel:
        """The model replayed from seed and the stored decisions of every closed round."""
        teams = self.store.teams(game.id)
        model = StandoffModel(game_scenario(game.scenario, [t.state for t in teams],
                                            self.store.shocks(game.id)), seed=game.seed)
        state_of = {t.id: t.state for t in teams}
        stored = self.store.decisions(game.id)
        for closed in self.store.closed_rounds(game.id):
            chosen = {state_of[d.team_id]: d.decision for d in stored if d.round == closed.round}
            play_round(model, chosen, closed.ai_states)
        return model

    def forget(self, game_id: int) -> None:
        with self.lock(game_id):
            self._models.pop(game_id, None)

    # -- instructor actions -----------------------------------------------------------
    def create(self, scenario: str, rounds: int, round_seconds: int, missed: str,
               seed: int | None = None) -> Game:
        spec = check_settings(scenario, rounds, round_seconds)
        try:
            return self.store.create_game(scenario, spec.seed if seed is None else seed,
                                          rounds, round_seconds, missed)
        except StoreError as error:
            raise GameError(str(error)) from None

    def join(self, game: Game, name: str, state: str) -> Team:
        name = " ".join(name.split())
        if not 1 <= len(name) <= MAX_TEAM_NAME:
            raise GameError(f"team name of {len(name)} characters; allowed: 1 to "
                            f"{MAX_TEAM_NAME}")
        regions = load_scenario(game.scenario).region_codes
        if state not in regions:
            raise GameError(f"state {state!r}; allowed: {', '.join(regions)}")
        with self.lock(game.id):
            if self.store.game(game.id).status == "finished":
                raise GameError("this game is over; no team joins it any more")
            try:
                team = self.store.add_team(game.id, name, state)
            except StoreError as error:
                raise GameError(str(error)) from None
            self.forget(game.id)  # its state is a team's from the open round on
            return team

    def start(self, game_id: int) -> Game:
        with self.lock(game_id):
            game = self.store.game(game_id)
            if game.status != "lobby":
                raise GameError(f"the game is {game.status}; only a game in the lobby starts")
            self.forget(game_id)
            return self.store.set_game(game_id, status="running", round=1,
                                       deadline=self.clock() + game.round_seconds,
                                       remaining=None)

    def pause(self, game_id: int) -> Game:
        with self.lock(game_id):
            game = self.store.game(game_id)
            if game.status != "running":
                raise GameError(f"the game is {game.status}; only a running game pauses")
            left = max(game.deadline - self.clock(), 0.0)
            return self.store.set_game(game_id, status="paused", deadline=None, remaining=left)

    def resume(self, game_id: int) -> Game:
        with self.lock(game_id):
            game = self.store.game(game_id)
            if game.status != "paused":
                raise GameError(f"the game is {game.status}; only a paused game resumes")
            return self.store.set_game(game_id, status="running", remaining=None,
                                       deadline=self.clock() + game.remaining)

    def extend(self, game_id: int, seconds: int) -> Game:
        if seconds not in EXTEND_SECONDS:
            raise GameError(f"extend by {seconds} s; allowed: "
                            f"{', '.join(map(str, EXTEND_SECONDS))}")
        with self.lock(game_id):
            game = self.store.game(game_id)
            if game.status == "running":
                return self.store.set_game(game_id, deadline=game.deadline + seconds)
            if game.status == "paused":
                return self.store.set_game(game_id, remaining=game.remaining + seconds)
            raise GameError(f"the game is {game.status}; the timer runs only in a round")

    def advance(self, game_id: int, expected_round: int | None = None) -> Game:
        """Close the open round (at its deadline, or when the instructor says so).

        ``expected_round``: close only if that round is still the open one (the
        timer's call, which must not close the next round too).
        """
        with self.lock(game_id):
            game = self.store.game(game_id)
            if game.status not in ("running", "paused"):
                raise GameError(f"the game is {game.status}; no round is open")
            if expected_round is not None and game.round != expected_round:
                return game
            teams = self.store.teams(game_id)
            model = self.model(game)
            submitted = {d.team_id: d.decision for d in self.store.decisions(game_id, game.round)}
            chosen = {t.state: submitted[t.id] for t in teams if t.id in submitted}
            ai_states = [t.state for t in teams if t.id not in submitted and game.missed == "ai"]
            try:
                play_round(model, chosen, ai_states)
                last = game.round >= game.rounds
                then = ({"status": "finished", "deadline": None, "remaining": None} if last
                        else {"status": "running", "deadline": self.clock() + game.round_seconds,
                              "remaining": None})
                return self.store.close_round(game_id, game.round, ai_states,
                                              {**then, "round": game.round + 1})
            except BaseException:
                self.forget(game_id)  # the model may be past what the store holds
                raise

    def undo(self, game_id: int) -> Game:
        """Open the last closed round again (its decisions kept, later ones dropped); a game
        ended before its last round goes on with its open round instead."""
        with self.lock(game_id):
            game = self.store.game(game_id)
            if game.status == "finished" and 1 <= game.round <= game.rounds:
                return self.store.set_game(game_id, status="running", remaining=None,
                                           deadline=self.clock() + game.round_seconds)
            if game.round < 2:
                raise GameError("no round has been played yet; nothing to undo")
            self.forget(game_id)
            return self.store.reopen_round(game_id, game.round - 1, {
                "status": "running", "deadline": self.clock() + game.round_seconds,
                "remaining": None})

    def shock(self, game_id: int, kind: str, region: str) -> Shock:
        """A shock in the first week of the open round (the model is rebuilt with it)."""
        if kind not in SHOCKS:
            raise GameError(f"shock {kind!r}; allowed: {', '.join(SHOCKS)}")
        with self.lock(game_id):
            game = self.store.game(game_id)
            spec = load_scenario(game.scenario)
            allowed = [c for c in spec.region_codes
                       if not (kind in AGAINST_CHINA and c == spec.china)]
            if region not in allowed:
                raise GameError(f"{kind.replace('_', ' ')} in {region!r}; allowed: "
                                f"{', '.join(allowed)}")
            if game.status not in ("running", "paused"):
                raise GameError(f"the game is {game.status}; a shock goes into an open round")
            try:
                shock = self.store.add_shock(game_id, game.round, kind, region)
            except StoreError as error:
                raise GameError(str(error)) from None
            self.forget(game_id)
            return shock

    def end(self, game_id: int) -> Game:
        with self.lock(game_id):
            game = self.store.game(game_id)
            if game.status == "finished":
                raise GameError("the game has already ended")
            return self.store.set_game(game_id, status="finished", deadline=None,
                                       remaining=None)

    # -- team actions -----------------------------------------------------------------
    def submit(self, team: Team, round_: int, payload: dict) -> int:
        """Check ``payload`` as ``team``'s decision for ``round_`` and store it; its revision."""
        with self.lock(team.game_id):
            game = self.store.game(team.game_id)
            if game.status not in ("running", "paused") or game.round != round_:
                now = (f"round {game.round} is open" if game.status in ("running", "paused")
                       else f"the game is {game.status}")
                raise GameError(f"decisions for round {round_} are closed ({now})")
            decision = checked_decision(self.model(game), team, payload)
            try:
                return self.store.save_decision(game.id, team.id, round_,
                                                decision.model_dump(mode="json",
                                                                    exclude_defaults=True))
            except StoreError as error:
                raise GameError(str(error)) from None

    # -- the timer --------------------------------------------------------------------
    def tick(self) -> list[int]:
        """Close every running round past its deadline; the games whose round closed."""
        closed = []
        for game in self.store.games():
            if game.status == "running" and game.deadline is not None and (
                    game.deadline <= self.clock()):
                after = self.advance(game.id, expected_round=game.round)
                if after.round != game.round:
                    closed.append(game.id)
        return closed
